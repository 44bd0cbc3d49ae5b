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
 * A Basic check on a core task (gwSystemRunTask()): Argon2id takes ~0.4 s,
 * which would stall every connection of a listener thread.  Two owners,
 * counted in refs: the request (r->check) and the task.  The task fills
 * the outcome under lock; a request that reached finish() first hands
 * itself over (owned, deferred) and the task runs the operation, answers
 * with gwDeferredRespond() and frees the request.
 */

struct _gw_ipp_check_s
{
  pthread_mutex_t   lock;
  pthread_cond_t    cond;
  int               refs;
  gw_system_t      *sys;
  const char       *hold;           /* Tests only: wait for this file first, or NULL */
  char              client[64];
  char              name[512];      /* Wiped after the check */
  char              password[512];  /* Wiped after the check */
  bool              done;
  gw_ipp_auth_t     result;
  gw_user_t         user;
  gw_ipp_request_t *owned;          /* Handed over by finish(), or NULL */
  gw_deferred_t    *deferred;
  gw_deferred_t    *pause;          /* A document's body paused for it (pause_head()), or NULL */
};

static void reply(gw_request_t *req, gw_deferred_t **deferred, gw_ipp_request_t *r);
static void request_free(gw_ipp_request_t *r);


/*
 * 'check_release()' - Drop one reference to a check.
 */

static void
check_release(gw_ipp_check_t *c)
{
  bool last;

  if (!c)
    return;
  pthread_mutex_lock(&c->lock);
  last = -- c->refs == 0;
  pthread_mutex_unlock(&c->lock);
  if (!last)
    return;
  gwDeferredContinue(&c->pause);        /* Never ran (cannot happen: check_finish() takes it) */
  gwWipe(c->name, sizeof(c->name));
  gwWipe(c->password, sizeof(c->password));
  pthread_mutex_destroy(&c->lock);
  pthread_cond_destroy(&c->cond);
  free(c);
}


/*
 * 'check_apply()' - Copy a finished check's outcome into its request.
 */

static gw_ipp_auth_t
check_apply(gw_ipp_request_t *r, gw_ipp_check_t *c)
{
  if (c->result == GW_IPP_AUTH_OK)
  {
    r->user          = c->user;
    r->authenticated = true;
  }
  return (c->result);
}


/*
 * 'check_finish()' - The outcome is known: record it, and if finish()
 *                    handed the request over, end it here and answer.
 */

static void
check_finish(gw_ipp_check_t *c, gw_ipp_auth_t result, const gw_user_t *user)
{
  gw_ipp_request_t *r;
  gw_deferred_t    *deferred, *pause;

  pthread_mutex_lock(&c->lock);
  c->done   = true;
  c->result = result;
  if (user)
    c->user = *user;
  r           = c->owned;
  deferred    = c->deferred;
  pause       = c->pause;
  c->owned    = NULL;
  c->deferred = NULL;
  c->pause    = NULL;
  pthread_cond_broadcast(&c->cond);
  pthread_mutex_unlock(&c->lock);

  gwDeferredContinue(&pause);           /* A paused document reads on (its listener thread applies the outcome) */

  if (r)
  {
    r->auth_pending = false;
    if (_gwIppAuthAnswer(r, check_apply(r, c)))
      _gwIppRequestFinish(r);
    reply(NULL, &deferred, r);
    request_free(r);
  }
  check_release(c);
}


/*
 * 'check_hold()' - Tests only (PRINTGATE_TEST_IPP_AUTH_HOLD): the check
 *                  waits until the named file exists (60 s at most), so a
 *                  test can see which threads a slow check stops.
 */

static void
check_hold(const gw_ipp_check_t *c)
{
  int i;

  gwLog(gwSystemGetLog(c->sys), GW_LOG_INFO, "IPP Everywhere: a password check waits for %s (PRINTGATE_TEST_IPP_AUTH_HOLD, tests only).", c->hold);
  for (i = 0; i < 600 && access(c->hold, F_OK) != 0; i ++)
    usleep(100000);
}


/*
 * 'check_run()' - The task: the password or device password.
 */

static void
check_run(void *arg)
{
  gw_ipp_check_t *c = (gw_ipp_check_t *)arg;
  gw_actor_t      actor;
  gw_user_t       user;
  const char     *error = NULL;
  gw_ipp_auth_t   result = GW_IPP_AUTH_FAILED;

  memset(&actor, 0, sizeof(actor));
  actor.tenant   = GW_DEFAULT_TENANT;
  actor.who      = "ipp";
  actor.role     = GW_ROLE_USER;
  actor.where    = c->client[0] ? c->client : "ipp";
  actor.frontend = "ipp";
  memset(&user, 0, sizeof(user));
  if (c->hold)
    check_hold(c);
  if (gwApiAuthBasic(c->sys, &actor, c->name, c->password, &user, NULL, &error) && !user.disabled)
    result = GW_IPP_AUTH_OK;
  else if (error && strstr(error, "try again later"))
    result = GW_IPP_AUTH_LOCKED;
  gwWipe(c->name, sizeof(c->name));
  gwWipe(c->password, sizeof(c->password));
  check_finish(c, result, &user);
}


/*
 * 'check_discard()' - The gateway stops before the task ran: busy.
 */

static void
check_discard(void *arg)
{
  check_finish((gw_ipp_check_t *)arg, GW_IPP_AUTH_BUSY, NULL);
}


/*
 * 'check_decode()' - Split a Basic header's credentials: decoded is
 *                    "name\0password"; *password_r points into it.  False
 *                    when malformed.
 */

static bool
check_decode(const char *header, char decoded[512], char **password_r)
{
  char *colon;
  int   decodedlen = 511;

  memset(decoded, 0, 512);
  if (!httpDecode64_2(decoded, &decodedlen, header + 6) || decodedlen <= 0 || (colon = strchr(decoded, ':')) == NULL)
    return (false);
  *colon      = '\0';
  *password_r = colon + 1;

  return (true);
}


/*
 * 'check_cached()' - A password the core's cache remembers as right needs
 *                    no Argon2id: checked here, on the listener thread,
 *                    instead of on a worker (a hand-over there and back,
 *                    two of a Print-Job's thread switches, for what is a
 *                    keyed hash and a read of the pair's lock).  PENDING
 *                    when the full check is needed (nothing was counted).
 *                    Never with the tests' hold or inline switches, which
 *                    watch every check.
 */

static gw_ipp_auth_t
check_cached(gw_ipp_request_t *r, const char *header)
{
  gw_actor_t    actor;
  gw_user_t     user;
  const char   *error = NULL;
  char          decoded[512], *password;
  int           rc;
  gw_ipp_auth_t result = GW_IPP_AUTH_PENDING;

  if (!r->server || r->server->auth_hold || r->server->auth_inline || !check_decode(header, decoded, &password))
  {
    gwWipe(decoded, sizeof(decoded));
    return (GW_IPP_AUTH_PENDING);
  }

  _gwIppActor(r, &actor);               /* Not authenticated yet: the IPP front-end for this client */
  memset(&user, 0, sizeof(user));
  if ((rc = gwApiAuthBasicCached(r->sys, &actor, decoded, password, &user, &error)) > 0 && !user.disabled)
  {
    r->user          = user;
    r->authenticated = true;
    result           = GW_IPP_AUTH_OK;
  }
  else if (rc == 0)
    result = error && strstr(error, "try again later") ? GW_IPP_AUTH_LOCKED : GW_IPP_AUTH_FAILED;
  gwWipe(decoded, sizeof(decoded));

  return (result);
}


/*
 * 'check_start()' - Decode the Basic credentials and queue their check.
 */

static gw_ipp_auth_t
check_start(gw_ipp_request_t *r, const char *header)
{
  gw_ipp_check_t *c;
  char            decoded[512], *password;

  if (!check_decode(header, decoded, &password))
  {
    gwWipe(decoded, sizeof(decoded));
    return (GW_IPP_AUTH_FAILED);
  }
  if ((c = calloc(1, sizeof(gw_ipp_check_t))) == NULL)
  {
    gwWipe(decoded, sizeof(decoded));
    return (GW_IPP_AUTH_BUSY);
  }
  pthread_mutex_init(&c->lock, NULL);
  pthread_cond_init(&c->cond, NULL);
  c->refs = 2;
  c->sys  = r->sys;
  c->hold = r->server ? r->server->auth_hold : NULL;
  snprintf(c->client, sizeof(c->client), "%s", r->client);
  snprintf(c->name, sizeof(c->name), "%s", decoded);
  snprintf(c->password, sizeof(c->password), "%s", password);
  gwWipe(decoded, sizeof(decoded));
  r->check = c;

  if (r->server && r->server->auth_inline)
    check_run(c);                      /* The old way, for the tests' positive control */
  else if (!gwSystemRunTask(r->sys, check_run, check_discard, c))
  {
    c->refs = 1;
    check_finish(c, GW_IPP_AUTH_BUSY, NULL);
    r->check = NULL;
    return (GW_IPP_AUTH_BUSY);
  }
  return (GW_IPP_AUTH_PENDING);
}


/*
 * 'check_wait()' - The check's outcome, waiting for it when asked to.
 */

static gw_ipp_auth_t
check_wait(gw_ipp_request_t *r, bool wait)
{
  gw_ipp_check_t *c = r->check;
  struct timespec until;
  bool            done;

  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 30;
  pthread_mutex_lock(&c->lock);
  while (wait && !c->done)
    if (pthread_cond_timedwait(&c->cond, &c->lock, &until))
      break;
  done = c->done;
  pthread_mutex_unlock(&c->lock);
  if (!done)
    return (wait ? GW_IPP_AUTH_BUSY : GW_IPP_AUTH_PENDING);
  return (check_apply(r, c));
}


/*
 * '_gwIppAuthenticate()' - Who sends this request: the one place that
 *                          decides.
 *
 * A token URI (/ipp/print/<token>): the token's owner (gwApiAuthToken(), a
 * keyed hash: cheap enough for the listener thread), no prompt.  Else
 * HTTP Basic (over the TLS listener) with the user's password or a device
 * password (gwApiAuthBasic()), checked on a core task: PENDING until it is
 * done, unless wait (a document operation: the owner is needed before the
 * first document byte).  Failures and lockouts are counted by the core
 * (per user@client for passwords, per client for tokens).  The answer is
 * kept for the rest of the request.
 */

gw_ipp_auth_t
_gwIppAuthenticate(gw_ipp_request_t *r, bool wait)
{
  const char *header, *error = NULL;
  gw_actor_t  actor;

  if (r->authenticated)
    return (GW_IPP_AUTH_OK);
  if (r->plain)                        /* Never a token or a password in clear (not even looked at) */
    return (GW_IPP_AUTH_PLAIN);
  if (!r->sys)
    return (GW_IPP_AUTH_NONE);
  if (r->token_uri)
  {
    _gwIppActor(r, &actor);
    if (gwApiAuthToken(r->sys, &actor, r->token, &r->user, NULL, &error) && !r->user.disabled)
    {
      r->authenticated = true;
      return (GW_IPP_AUTH_OK);
    }
    return (error && strstr(error, "try again later") ? GW_IPP_AUTH_LOCKED : GW_IPP_AUTH_BAD_TOKEN);
  }
  if (r->check)
    return (check_wait(r, wait));
  if (!r->http || (header = gwRequestHeader(r->http, "Authorization")) == NULL)
    return (GW_IPP_AUTH_NONE);
  if (strncasecmp(header, "Basic ", 6) || strlen(header + 6) > 4 * 512 / 3)
    return (GW_IPP_AUTH_NONE);
  {
    gw_ipp_auth_t started = check_cached(r, header);

    if (started != GW_IPP_AUTH_PENDING)
      return (started);
    started = check_start(r, header);
    return (started == GW_IPP_AUTH_PENDING ? check_wait(r, wait) : started);
  }
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
  check_release(r->check);
  gwIppReaderDelete(&r->reader);
  ippDelete(r->request);
  ippDelete(r->response);
  ippDelete(r->unsupported);
  free(r);
}


/*
 * 'pause_head()' - A document's head waits for its password check: pause
 *                  the body (no listener thread waits), the last unused
 *                  bytes coming again once the check ends.  False when
 *                  the body cannot be paused (the head then waits here).
 */

static bool
pause_head(gw_ipp_request_t *r, size_t unused)
{
  gw_ipp_check_t *c = r->check;
  gw_deferred_t  *d;

  if (!c || !r->http || (r->server && r->server->no_pause) || (d = gwRequestPause(r->http, unused, r->server ? r->server->pause_ms : GW_IPP_PAUSE_MS)) == NULL)
    return (false);

  pthread_mutex_lock(&c->lock);
  if (!c->done)
  {
    c->pause = d;                       /* check_finish() lets it read on */
    d        = NULL;
  }
  pthread_mutex_unlock(&c->lock);
  gwDeferredContinue(&d);               /* Ended meanwhile: read on at once */

  r->received -= (int64_t)unused;       /* Counted again when they come back */
  return (true);
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
  if (r->head_wait)
    _gwIppRequestHeadDoc(r, GW_IPP_AUTH_PENDING);   /* Read on after the pause: the check has ended */
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
        if (r->head_wait && pause_head(r, len - used))
          return;
        if (r->head_wait)
          _gwIppRequestHeadDoc(r, GW_IPP_AUTH_PENDING);
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
  if (r->head_wait)
    _gwIppRequestHeadDoc(r, GW_IPP_AUTH_PENDING);   /* Paused at the body's very end */
  if (!r->request && !r->response && gwIppReaderEnd(r->reader) == GW_IPP_READ_ERROR)
    r->response = _gwIppResponseNew(r, (ipp_status_t)gwIppReaderStatus(r->reader), gwIppReaderError(r->reader));
  if (r->auth_pending && r->check)
  {
    gw_ipp_auth_t auth = check_wait(r, false);

    if (auth != GW_IPP_AUTH_PENDING)   /* The check ended while the body arrived */
    {
      r->auth_pending = false;
      _gwIppAuthAnswer(r, auth);
    }
  }
  if (!r->response && !r->auth_pending)
  {
    if (r->http && ((r->sub && (r->op == IPP_OP_PRINT_JOB || (r->op == IPP_OP_SEND_DOCUMENT && !r->more_docs))) || r->op == IPP_OP_CLOSE_JOB))
      r->commit_pending = true;        /* route_finish() hands it to a commit thread */
    else
      _gwIppRequestFinish(r);
  }
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
 * 'token_path()' - /ipp/print/<token>: a token URI.  A token that is not
 *                  URL-safe or too long is kept as "" (refused like any
 *                  unknown token, never echoed in a URI).
 */

static void
token_path(gw_ipp_request_t *r)
{
  const char *t = r->path + sizeof(GW_IPP_RESOURCE) - 1;
  size_t      len;

  if (strncmp(r->path, GW_IPP_RESOURCE "/", sizeof(GW_IPP_RESOURCE)) || !t[1])
    return;
  t ++;
  len          = strlen(t);
  r->token_uri = true;
  if (len < sizeof(r->token) && strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == len)
    memcpy(r->token, t, len + 1);
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
  token_path(r);
  snprintf(r->client, sizeof(r->client), "%s", gwRequestClientAddress(req) ? gwRequestClientAddress(req) : "");
  gwRequestSetState(req, r);
  return (true);
}


/*
 * 'route_begin_plain()' - The same on the plain ipp:// listener: the
 *                         request is marked, so it takes no credentials
 *                         and no token (server-ops.c refuses them).
 */

static bool
route_begin_plain(gw_request_t *req, void *data)
{
  gw_ipp_request_t *r;

  if (!route_begin(req, data))
    return (false);
  r        = (gw_ipp_request_t *)gwRequestGetState(req);
  r->plain = true;
  r->has_credentials = gwRequestHeader(req, "Authorization") != NULL;
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
 * 'reply()' - Answer a request: to req, or (req NULL) through deferred.
 *             A deferred answer's headers were added before deferring.
 */

static void
reply(gw_request_t *req, gw_deferred_t **deferred, gw_ipp_request_t *r)
{
  unsigned char *out = NULL;
  size_t         outlen = 0;
  int            status = r->http_status;
  const char    *type = "application/ipp";
  const void    *body;
  static const char *text = "Authentication required.\n", *failed = "The answer could not be encoded.\n";

  if (req && status == 401)
    gwRequestAddHeader(req, "WWW-Authenticate", "Basic realm=\"Printgate\"");
  if (req && status == 503)
    gwRequestAddHeader(req, "Retry-After", "2");
  if (status == 401)
  {
    type   = "text/plain";
    body   = text;
    outlen = strlen(text);
  }
  else if (answer(r, &out, &outlen))
    body = out;
  else
  {
    status = 500;
    type   = "text/plain";
    body   = failed;
    outlen = strlen(failed);
  }
  if (req)
    gwRequestRespond(req, status, type, body, outlen);
  else
    gwDeferredRespond(deferred, status, type, body, outlen);
  free(out);
}


/*
 * 'route_finish()' - The body is complete: end the operation and answer,
 *                    or, while a password check runs on a core task, hand
 *                    the request to it and defer the answer.
 */

static void
route_finish(gw_request_t *req, void *data)
{
  gw_ipp_request_t *r = (gw_ipp_request_t *)gwRequestGetState(req);
  gw_ipp_check_t   *c;

  (void)data;
  if (!r)
  {
    gwRequestRespond(req, 500, "text/plain", "No request state.\n", 18);
    return;
  }

  end_body(r);
  if (r->commit_pending)
  {
    r->commit_pending = false;
    if (_gwIppCommitDefer(req, r))
      return;                          /* A commit thread answers and frees it */
    _gwIppRequestFinish(r);
  }
  if (!r->auth_pending)
  {
    reply(req, NULL, r);
    return;
  }

  /* Any answer may be a 401 or a 503 now: its headers go first (harmless on a 200). */
  gwRequestAddHeader(req, "WWW-Authenticate", "Basic realm=\"Printgate\"");
  gwRequestAddHeader(req, "Retry-After", "2");
  c = r->check;
  pthread_mutex_lock(&c->lock);
  if (!c->done && (c->deferred = gwRequestDefer(req, 60000)) != NULL)
  {
    c->owned = r;                      /* The task answers and frees it */
    r->http  = NULL;
    gwRequestSetState(req, NULL);
    pthread_mutex_unlock(&c->lock);
    return;
  }
  pthread_mutex_unlock(&c->lock);

  /* Done meanwhile (or no deferral possible): answer here. */
  r->auth_pending = false;
  if (_gwIppAuthAnswer(r, check_wait(r, true)))
    _gwIppRequestFinish(r);
  reply(req, NULL, r);
}


/*
 * '_gwIppRequestReply()' - Answer a request handed over by finish()
 *                          through its deferral (server-commit.c).
 */

void
_gwIppRequestReply(gw_ipp_request_t *r, gw_deferred_t **deferred)
{
  reply(NULL, deferred, r);
}


/*
 * '_gwIppRequestFree()' - Free a request handed over by finish().
 */

void
_gwIppRequestFree(gw_ipp_request_t *r)
{
  request_free(r);
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
 * 'add_ipp_routes()' - Register /ipp/print and /ipp/print/... (POST only;
 *                      the body cap is the largest document plus the
 *                      attributes).
 */

static bool
add_ipp_routes(gw_system_t *sys, gw_listener_t *listener, gw_ipp_server_t *server, bool plain, const char **error_r)
{
  gw_route_t route;
  int64_t    cap = gwSystemGetConfig(sys)->max_document_size + GW_IPP_MAX_SECTION;

  memset(&route, 0, sizeof(route));
  route.method   = NULL;                       /* begin() answers 405 to anything but POST */
  route.max_body = cap;
  route.begin    = plain ? route_begin_plain : route_begin;
  route.body     = route_body;
  route.finish   = route_finish;
  route.cleanup  = route_cleanup;
  route.data     = server;

  server->listeners[plain ? 1 : 0] = listener;
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
  return (true);
}


/*
 * 'fe_plain_routes()' - The same IPP routes on the plain ipp:// listener
 *                       (IppPlainPort), marked plain; no icons.
 */

static bool
fe_plain_routes(gw_system_t *sys, gw_listener_t *listener, void *data, const char **error_r)
{
  return (add_ipp_routes(sys, listener, (gw_ipp_server_t *)data, true, error_r));
}


/*
 * 'fe_routes()' - Register /ipp/print and /ipp/print/... and the icons.
 */

static bool
fe_routes(gw_system_t *sys, gw_listener_t *listener, void *data, const char **error_r)
{
  gw_ipp_server_t *server = (gw_ipp_server_t *)data;
  gw_route_t       route;

  if (!add_ipp_routes(sys, listener, server, false, error_r))
    return (false);

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
  server->printer.port       = gwApiHttpsPort(sys);
  server->printer.plain_port = gwApiPlainPort(sys);
  server->started            = time(NULL);
  pthread_mutex_unlock(&server->lock);
  if (getenv("PRINTGATE_TEST_IPP_COMMIT_INLINE"))
    gwLog(gwSystemGetLog(sys), GW_LOG_WARN, "IPP Everywhere: commits on the listener threads (PRINTGATE_TEST_IPP_COMMIT_INLINE, tests only).");
  else if (!_gwIppCommitStart(server))
    gwLog(gwSystemGetLog(sys), GW_LOG_WARN, "IPP Everywhere: no commit threads; documents are committed on the listener threads.");
  gwLog(gwSystemGetLog(sys), GW_LOG_INFO, "IPP Everywhere: ipps://%s:%d" GW_IPP_RESOURCE " (%s).", server->printer.server_name, server->printer.port, server->printer.uuid);
  if (server->printer.plain_port)
    gwLog(gwSystemGetLog(sys), GW_LOG_WARN, "IPP Everywhere: plain ipp://%s:%d" GW_IPP_RESOURCE " is on (IppPlainPort): it answers Get-Printer-Attributes only, and refuses credentials and print URLs.", server->printer.server_name, server->printer.plain_port);
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
  p.plain_port    = server->printer.plain_port;
  server->printer = p;
  pthread_mutex_unlock(&server->lock);

  /* The routes' body cap follows MaxDocumentSize (each request checks it too) */
  for (int i = 0; i < 2; i ++)
  {
    if (server->listeners[i])
    {
      gwListenerSetMaxBody(server->listeners[i], GW_IPP_RESOURCE, config->max_document_size + GW_IPP_MAX_SECTION);
      gwListenerSetMaxBody(server->listeners[i], GW_IPP_RESOURCE "/*", config->max_document_size + GW_IPP_MAX_SECTION);
    }
  }
}


/*
 * 'fe_stop()' - Commits still queued are ended; jobs still waiting for
 *               their document are aborted.
 */

static void
fe_stop(gw_system_t *sys, void *data)
{
  (void)sys;
  _gwIppCommitStop((gw_ipp_server_t *)data);
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
  server->started     = time(NULL);
  server->auth_inline = getenv("PRINTGATE_TEST_IPP_AUTH_INLINE") != NULL;
  server->no_pause    = getenv("PRINTGATE_TEST_IPP_NO_PAUSE") != NULL;
  server->pause_ms    = getenv("PRINTGATE_TEST_IPP_PAUSE_MS") ? (int)strtol(getenv("PRINTGATE_TEST_IPP_PAUSE_MS"), NULL, 10) : GW_IPP_PAUSE_MS;
  server->auth_hold   = getenv("PRINTGATE_TEST_IPP_AUTH_HOLD");
  server->commit_hold = getenv("PRINTGATE_TEST_IPP_COMMIT_HOLD");
  server->open_timeout = getenv("PRINTGATE_TEST_IPP_OPEN_TIMEOUT") ? (int)strtol(getenv("PRINTGATE_TEST_IPP_OPEN_TIMEOUT"), NULL, 10) : GW_IPP_OPEN_TIMEOUT;
  if (server->open_timeout <= 0)
    server->open_timeout = GW_IPP_OPEN_TIMEOUT;
  server->frontend.name   = "ipp";
  server->frontend.routes = fe_routes;
  server->frontend.plain_routes = fe_plain_routes;
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
  _gwIppCommitStop(*server);
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
