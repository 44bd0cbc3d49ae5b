/*
 * server.c - the IPP Everywhere server on the core HTTPS listener: the
 * route (/ipp/print and /ipp/print/...), the request's life from headers
 * to answer, the one authentication decision, the printer's stable UUID.
 *
 * A request: begin() checks method, type and Content-Length; body() feeds
 * the bounded reader (ipp-reader.h) until the attribute section is whole,
 * then decodes it and runs the operation's head (checks, authentication,
 * for Print-Job the submission) and streams the document data that
 * follows into the submission; finish() ends the operation (Print-Job:
 * the document is durably stored) and answers.  A request refused early
 * still has its body read (within the cap) and dropped, so the client
 * gets the answer instead of a reset.
 *
 * Authentication (_gwIppAuthenticate()) is HTTP Basic over TLS against
 * the user's password; device tokens (/ipp/print/<token>) and device
 * passwords plug in there.  The owner of a job is always the authenticated
 * user, never requesting-user-name.
 */

#include "server-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>


/*
 * '_gwIppActor()' - The actor for API calls made for this request.
 */

void
_gwIppActor(const gw_ipp_request_t *r, gw_actor_t *actor)
{
  memset(actor, 0, sizeof(gw_actor_t));
  actor->tenant   = GW_DEFAULT_TENANT;
  actor->who      = r->authenticated ? r->user.name : "ipp";
  actor->role     = r->authenticated && r->user.role == GW_ROLE_GUEST ? GW_ROLE_GUEST : GW_ROLE_USER;
  actor->where    = r->client[0] ? r->client : "ipp";
  actor->frontend = "ipp";
}


/*
 * '_gwIppAuthenticate()' - Who sends this request: the one place that
 *                          decides.
 *
 * Today: HTTP Basic (over the TLS listener) with the user's password.
 * A failure and a lockout are counted by gwApiAuthPassword() per user and
 * per client address.  Next: a device token in the path, a device
 * password.  The answer is kept for the rest of the request.
 */

gw_ipp_auth_t
_gwIppAuthenticate(gw_ipp_request_t *r)
{
  const char *header, *error = NULL;
  char        decoded[512], *colon;
  int         decodedlen = (int)sizeof(decoded) - 1;
  gw_actor_t  actor;
  bool        ok;

  if (r->authenticated)
    return (GW_IPP_AUTH_OK);
  if (!r->http || !r->sys || (header = gwRequestHeader(r->http, "Authorization")) == NULL)
    return (GW_IPP_AUTH_NONE);
  if (strncasecmp(header, "Basic ", 6) || strlen(header + 6) > 4 * sizeof(decoded) / 3)
    return (GW_IPP_AUTH_NONE);

  memset(decoded, 0, sizeof(decoded));
  if (!httpDecode64_2(decoded, &decodedlen, header + 6) || decodedlen <= 0 || (colon = strchr(decoded, ':')) == NULL)
  {
    gwWipe(decoded, sizeof(decoded));
    return (GW_IPP_AUTH_FAILED);
  }
  *colon = '\0';

  _gwIppActor(r, &actor);
  ok = gwApiAuthPassword(r->sys, &actor, decoded, colon + 1, &r->user, &error);
  gwWipe(decoded, sizeof(decoded));

  if (ok && !r->user.disabled)
  {
    r->authenticated = true;
    return (GW_IPP_AUTH_OK);
  }
  if (error && strstr(error, "try again later"))
    return (GW_IPP_AUTH_LOCKED);
  return (GW_IPP_AUTH_FAILED);
}


/*
 * 'write_memory()' - ippWriteIO() callback into a buffer of ippLength().
 */

typedef struct write_ctx_s
{
  unsigned char *buf;
  size_t         size, len;
} write_ctx_t;

static ssize_t
write_memory(void *data, ipp_uchar_t *buf, size_t bytes)
{
  write_ctx_t *ctx = (write_ctx_t *)data;

  if (bytes > ctx->size - ctx->len)
    return (-1);
  memcpy(ctx->buf + ctx->len, buf, bytes);
  ctx->len += bytes;
  return ((ssize_t)bytes);
}


/*
 * 'encode()' - The response as bytes (the caller frees *out).
 */

static bool
encode(ipp_t *response, unsigned char **out, size_t *outlen)
{
  write_ctx_t ctx;

  ctx.size = ippLength(response);
  ctx.len  = 0;
  if ((ctx.buf = malloc(ctx.size ? ctx.size : 1)) == NULL)
    return (false);
  ippSetState(response, IPP_STATE_IDLE);
  if (ippWriteIO(&ctx, (ipp_iocb_t)write_memory, 1, NULL, response) != IPP_STATE_DATA)
  {
    free(ctx.buf);
    return (false);
  }
  *out    = ctx.buf;
  *outlen = ctx.len;
  return (true);
}


/*
 * 'answer()' - Encode the response; one that cannot be encoded (an echoed
 *              attribute libcups cannot write back) is answered with its
 *              status alone.
 */

static bool
answer(gw_ipp_request_t *r, unsigned char **out, size_t *outlen)
{
  ipp_status_t status;

  if (!r->response)
    return (false);
  if (encode(r->response, out, outlen))
    return (true);

  status = ippGetStatusCode(r->response);
  ippDelete(r->response);
  ippDelete(r->unsupported);
  r->unsupported = NULL;
  r->response    = _gwIppResponseNew(r, status, "Some attributes of the request cannot be echoed back.");
  return (r->response && encode(r->response, out, outlen));
}


/*
 * 'request_free()' - Drop a request's state (the submission is aborted
 *                    when the request did not end with a job).
 */

static void
request_free(gw_ipp_request_t *r)
{
  if (!r)
    return;
  if (r->sub)
    gwSubmissionAbort(&r->sub, GW_REASON_INTERRUPTED);
  gwIppReaderDelete(&r->reader);
  ippDelete(r->request);
  ippDelete(r->response);
  ippDelete(r->unsupported);
  free(r);
}


/*
 * 'feed()' - One piece of the body: attributes through the reader, then
 *            document data.
 */

static void
feed(gw_ipp_request_t *r, const char *buf, size_t len)
{
  size_t used = 0;

  r->received += (int64_t)len;
  if (r->request || r->response)
  {
    _gwIppRequestData(r, buf, len);
    return;
  }

  switch (gwIppReaderFeed(r->reader, buf, len, &used))
  {
    case GW_IPP_READ_MORE :
        return;
    case GW_IPP_READ_ERROR :
        r->response = _gwIppResponseNew(r, (ipp_status_t)gwIppReaderStatus(r->reader), gwIppReaderError(r->reader));
        return;
    case GW_IPP_READ_DONE :
        if ((r->request = gwIppReaderDecode(r->reader)) == NULL)
        {
          r->response = _gwIppResponseNew(r, (ipp_status_t)gwIppReaderStatus(r->reader), gwIppReaderError(r->reader));
          return;
        }
        _gwIppRequestHead(r);
        if (used < len)
          _gwIppRequestData(r, buf + used, len - used);
        return;
  }
}


/*
 * 'end_body()' - The body is complete: a truncated section is refused.
 */

static void
end_body(gw_ipp_request_t *r)
{
  if (!r->request && !r->response && gwIppReaderEnd(r->reader) == GW_IPP_READ_ERROR)
    r->response = _gwIppResponseNew(r, (ipp_status_t)gwIppReaderStatus(r->reader), gwIppReaderError(r->reader));
  if (!r->response)
    _gwIppRequestFinish(r);
}


/*
 * 'request_new()' - State for one request.
 */

static gw_ipp_request_t *
request_new(gw_ipp_server_t *server, gw_request_t *http)
{
  gw_ipp_request_t *r = calloc(1, sizeof(gw_ipp_request_t));

  if (!r || (r->reader = gwIppReaderNew()) == NULL)
  {
    free(r);
    return (NULL);
  }
  r->server      = server;
  r->sys         = server ? server->sys : NULL;
  r->http        = http;
  r->http_status = 200;
  if (server)
  {
    pthread_mutex_lock(&server->lock);
    r->printer = server->printer;
    pthread_mutex_unlock(&server->lock);
  }
  else
    _gwIppPrinterDefaults(NULL, "urn:uuid:00000000-0000-4000-8000-000000000000", &r->printer);
  r->max_document = r->printer.max_document;
  snprintf(r->host, sizeof(r->host), "%s:%d", r->printer.server_name, r->printer.port);
  snprintf(r->path, sizeof(r->path), "%s", GW_IPP_RESOURCE);
  return (r);
}


/*
 * 'host_valid()' - A Host header we may echo in URIs: a name, IPv4 or
 *                  [IPv6] address and an optional port.
 */

static bool
host_valid(const char *host)
{
  size_t len = strlen(host);

  if (len == 0 || len > 255)
    return (false);
  for (const char *p = host; *p; p ++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]%", *p))
      return (false);
  return (true);
}


/*
 * 'route_begin()' - Headers arrived: POST application/ipp within the cap.
 */

static bool
route_begin(gw_request_t *req, void *data)
{
  gw_ipp_server_t  *server = (gw_ipp_server_t *)data;
  gw_ipp_request_t *r;
  const char       *type   = gwRequestHeader(req, "Content-Type");
  const char       *length = gwRequestHeader(req, "Content-Length");
  const char       *host   = gwRequestHeader(req, "Host");
  static const char *text  = "text/plain";

  if (strcmp(gwRequestMethod(req), "POST"))
  {
    gwRequestAddHeader(req, "Allow", "POST");
    gwRequestRespond(req, 405, text, "IPP requests are POST.\n", 23);
    return (false);
  }
  if (!type || strncasecmp(type, "application/ipp", 15) || (type[15] && type[15] != ';' && type[15] != ' '))
  {
    gwRequestRespond(req, 415, text, "Send application/ipp.\n", 22);
    return (false);
  }
  if ((r = request_new(server, req)) == NULL)
  {
    gwRequestRespond(req, 503, text, "Out of memory.\n", 15);
    return (false);
  }
  if (length)
  {
    char     *end;
    long long n = strtoll(length, &end, 10);

    if (*end || n < 0 || n > r->max_document + GW_IPP_MAX_SECTION)
    {
      request_free(r);
      gwRequestRespond(req, 413, text, "The document is larger than this gateway's limit.\n", 50);
      return (false);
    }
  }
  if (host && host_valid(host))
    snprintf(r->host, sizeof(r->host), "%s", host);
  snprintf(r->path, sizeof(r->path), "%s", gwRequestPath(req));
  snprintf(r->client, sizeof(r->client), "%s", gwRequestClientAddress(req) ? gwRequestClientAddress(req) : "");
  gwRequestSetState(req, r);
  return (true);
}


/*
 * 'route_body()' - A piece of the body (the total is capped).
 */

static bool
route_body(gw_request_t *req, const char *buf, size_t len, void *data)
{
  gw_ipp_request_t *r = (gw_ipp_request_t *)gwRequestGetState(req);

  (void)data;
  if (!r)
    return (false);
  if (r->received + (int64_t)len > r->max_document + GW_IPP_MAX_SECTION)
  {
    if (r->sub)
      gwSubmissionAbort(&r->sub, GW_REASON_TOO_LARGE);
    gwRequestRespond(req, 413, "text/plain", "The document is larger than this gateway's limit.\n", 50);
    return (false);
  }
  feed(r, buf, len);
  return (true);
}


/*
 * 'route_finish()' - The body is complete: end the operation and answer.
 */

static void
route_finish(gw_request_t *req, void *data)
{
  gw_ipp_request_t *r = (gw_ipp_request_t *)gwRequestGetState(req);
  unsigned char    *out = NULL;
  size_t            outlen = 0;

  (void)data;
  if (!r)
  {
    gwRequestRespond(req, 500, "text/plain", "No request state.\n", 18);
    return;
  }

  end_body(r);
  if (r->http_status == 401)
  {
    gwRequestAddHeader(req, "WWW-Authenticate", "Basic realm=\"Printgate\"");
    gwRequestRespond(req, 401, "text/plain", "Authentication required.\n", 25);
    return;
  }
  if (!answer(r, &out, &outlen))
  {
    gwRequestRespond(req, 500, "text/plain", "The answer could not be encoded.\n", 33);
    return;
  }
  gwRequestRespond(req, 200, "application/ipp", out, outlen);
  free(out);
}


/*
 * 'route_cleanup()' - Always last: drop what the request kept.
 */

static void
route_cleanup(gw_request_t *req, void *data)
{
  (void)data;
  request_free((gw_ipp_request_t *)gwRequestGetState(req));
  gwRequestSetState(req, NULL);
}


/*
 * 'icon_finish()' - GET /ipp/icons/printer-SIZE.png.
 */

static void
icon_finish(gw_request_t *req, void *data)
{
  gw_ipp_server_t *server = (gw_ipp_server_t *)data;
  static const char * const names[GW_IPP_NUM_ICONS] = { GW_IPP_ICONS "/printer-48.png", GW_IPP_ICONS "/printer-128.png", GW_IPP_ICONS "/printer-512.png" };

  for (int i = 0; i < GW_IPP_NUM_ICONS; i ++)
  {
    if (!strcmp(gwRequestPath(req), names[i]))
    {
      gwRequestAddHeader(req, "Cache-Control", "max-age=86400");
      gwRequestRespond(req, 200, "image/png", server->icons[i], server->icon_lens[i]);
      return;
    }
  }
  gwRequestRespond(req, 404, "text/plain", "No such icon.\n", 14);
}


/*
 * 'fe_routes()' - Register /ipp/print and /ipp/print/... (POST only; the
 *                 body cap is the largest document plus the attributes).
 */

static bool
fe_routes(gw_system_t *sys, gw_listener_t *listener, void *data, const char **error_r)
{
  gw_ipp_server_t *server = (gw_ipp_server_t *)data;
  gw_route_t       route;
  int64_t          cap = gwSystemGetConfig(sys)->max_document_size + GW_IPP_MAX_SECTION;

  memset(&route, 0, sizeof(route));
  route.method   = NULL;                       /* begin() answers 405 to anything but POST */
  route.max_body = cap;
  route.begin    = route_begin;
  route.body     = route_body;
  route.finish   = route_finish;
  route.cleanup  = route_cleanup;
  route.data     = server;

  route.path = GW_IPP_RESOURCE;
  if (!gwListenerAddRoute(listener, &route))
  {
    *error_r = "unable to add the IPP route";
    return (false);
  }
  route.path = GW_IPP_RESOURCE "/*";
  if (!gwListenerAddRoute(listener, &route))
  {
    *error_r = "unable to add the IPP route";
    return (false);
  }

  memset(&route, 0, sizeof(route));
  route.method = "GET";
  route.path   = GW_IPP_ICONS "/*";
  route.finish = icon_finish;
  route.data   = server;
  if (!gwListenerAddRoute(listener, &route))
  {
    *error_r = "unable to add the IPP icons route";
    return (false);
  }
  return (true);
}


/*
 * 'fe_start()' - The listener runs: its port goes into the printer's URIs.
 */

static bool
fe_start(gw_system_t *sys, void *data, const char **error_r)
{
  gw_ipp_server_t *server = (gw_ipp_server_t *)data;

  (void)error_r;
  pthread_mutex_lock(&server->lock);
  server->printer.port = gwApiHttpsPort(sys);
  server->started      = time(NULL);
  pthread_mutex_unlock(&server->lock);
  gwLog(gwSystemGetLog(sys), GW_LOG_INFO, "IPP Everywhere: ipps://%s:%d" GW_IPP_RESOURCE " (%s).", server->printer.server_name, server->printer.port, server->printer.uuid);
  return (true);
}


/*
 * 'fe_reload()' - New names, location and limits after SIGHUP (the UUID
 *                 and port stay).
 */

static void
fe_reload(gw_system_t *sys, const gw_config_t *config, void *data)
{
  gw_ipp_server_t *server = (gw_ipp_server_t *)data;
  gw_ipp_printer_t p;

  (void)sys;
  pthread_mutex_lock(&server->lock);
  _gwIppPrinterDefaults(config, server->printer.uuid, &p);
  p.port          = server->printer.port;
  server->printer = p;
  pthread_mutex_unlock(&server->lock);
}


/*
 * 'fe_stop()' - Jobs still waiting for their document are aborted.
 */

static void
fe_stop(gw_system_t *sys, void *data)
{
  (void)sys;
  _gwIppOpenSweep((gw_ipp_server_t *)data, true);
}


/*
 * 'printer_uuid()' - The printer's UUID, made once and kept in
 *                    STATE/ipp-printer-uuid (temp + fsync + rename), so
 *                    it stays the same across restarts and upgrades.
 */

static bool
printer_uuid(const gw_config_t *config, char *uuid, size_t uuidsize)
{
  char          path[GW_PATH_MAX + 32], temp[GW_PATH_MAX + 40], line[64];
  unsigned char b[16];
  FILE         *fp;
  int           fd;

  snprintf(path, sizeof(path), "%s/ipp-printer-uuid", config->state_dir);
  if ((fp = fopen(path, "r")) != NULL)
  {
    bool ok = fgets(line, sizeof(line), fp) && strlen(line) >= 36 && !strncmp(line, "urn:uuid:", 9);

    fclose(fp);
    if (ok)
    {
      line[strcspn(line, "\r\n")] = '\0';
      snprintf(uuid, uuidsize, "%s", line);
      return (true);
    }
  }

  if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
    return (false);
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
  snprintf(uuid, uuidsize, "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
           b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);

  snprintf(temp, sizeof(temp), "%s.tmp", path);
  if ((fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
    return (false);
  if (dprintf(fd, "%s\n", uuid) < 0 || fsync(fd))
  {
    close(fd);
    unlink(temp);
    return (false);
  }
  close(fd);
  return (rename(temp, path) == 0);
}


/*
 * 'gwIppServerNew()' - A server for the daemon's system.
 */

gw_ipp_server_t *
gwIppServerNew(gw_system_t *sys, const char **error_r)
{
  gw_ipp_server_t *server;
  char             uuid[64];

  if (!printer_uuid(gwSystemGetConfig(sys), uuid, sizeof(uuid)))
  {
    *error_r = "unable to read or write STATE/ipp-printer-uuid";
    return (NULL);
  }
  if ((server = calloc(1, sizeof(gw_ipp_server_t))) == NULL)
  {
    *error_r = "out of memory";
    return (NULL);
  }
  server->sys = sys;
  pthread_mutex_init(&server->lock, NULL);
  for (int i = 0; i < GW_IPP_NUM_ICONS; i ++)
  {
    static const int sizes[GW_IPP_NUM_ICONS] = { 48, 128, 512 };

    if (!_gwIppIconMake(sizes[i], server->icons + i, server->icon_lens + i))
    {
      gwIppServerDelete(&server);
      *error_r = "unable to draw the printer icons";
      return (NULL);
    }
  }
  _gwIppPrinterDefaults(gwSystemGetConfig(sys), uuid, &server->printer);
  server->started = time(NULL);
  server->frontend.name   = "ipp";
  server->frontend.routes = fe_routes;
  server->frontend.start  = fe_start;
  server->frontend.reload = fe_reload;
  server->frontend.stop   = fe_stop;
  server->frontend.data   = server;
  return (server);
}


/*
 * 'gwIppServerDelete()' - Free the server (after the system is gone).
 */

void
gwIppServerDelete(gw_ipp_server_t **server)
{
  if (!server || !*server)
    return;
  _gwIppOpenSweep(*server, true);
  pthread_mutex_destroy(&(*server)->lock);
  for (int i = 0; i < GW_IPP_NUM_ICONS; i ++)
    free((*server)->icons[i]);
  free(*server);
  *server = NULL;
}


/*
 * 'gwIppServerFrontend()' - The ops table (gwSystemAddFrontend() copies it).
 */

const gw_frontend_t *
gwIppServerFrontend(gw_ipp_server_t *server)
{
  return (&server->frontend);
}


/*
 * 'gwIppServerGetPrinter()' - A copy of the printer description.
 */

void
gwIppServerGetPrinter(gw_ipp_server_t *server, gw_ipp_printer_t *printer)
{
  pthread_mutex_lock(&server->lock);
  *printer = server->printer;
  pthread_mutex_unlock(&server->lock);
}


/*
 * 'gwIppServerProcess()' - The request path without the network.
 */

int
gwIppServerProcess(const void *data, size_t len, unsigned char **out, size_t *outlen)
{
  gw_ipp_request_t *r = request_new(NULL, NULL);
  int               status;
  const char       *p = (const char *)data;

  *out    = NULL;
  *outlen = 0;
  if (!r)
    return (500);

  /* In uneven pieces, as a network would deliver them. */
  for (size_t i = 0, piece = 1; i < len; i += piece, piece = piece * 3 + 1)
    feed(r, p + i, piece < len - i ? piece : len - i);
  end_body(r);

  status = r->http_status;
  if (status == 200 && !answer(r, out, outlen))
    status = 500;
  request_free(r);
  return (status);
}
