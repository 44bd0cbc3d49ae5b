/*
 * listener.c - the core HTTPS listener and its route table (see listener.h).
 *
 * This is the only file that includes libmicrohttpd.  It owns one MHD
 * daemon, with TLS (1.2 or 1.3, GnuTLS inside libmicrohttpd) unless it was
 * made without a certificate (the plain IPP port, IppPlainPort, that the
 * core opens only when the admin asks), and a fixed-size route table that
 * front-ends fill before the daemon starts.
 *
 * Thread model (docs/https.md "Thread model"): a fixed pool of
 * libmicrohttpd threads (MHD_OPTION_THREAD_POOL_SIZE, see pool_size()),
 * each running a poll() event loop over its share of the connections
 * (poll(), not epoll: see docs/https.md); TLS handshakes, reads and
 * writes are non-blocking.  Route callbacks run
 * on the pool thread of their connection, so while one runs, the other
 * connections of that thread wait: callbacks may do a short spool write
 * or store query, never a slow operation.  A route that must wait for one
 * defers its answer (gwRequestDefer()): the connection is suspended
 * (MHD_ALLOW_SUSPEND_RESUME; no thread waits, nothing polls it) and
 * resumed by whoever ends the deferral (the route's answer from any
 * thread, the watchdog at the deadline, a stop), after which libmicrohttpd
 * calls the access handler again on a pool thread, which queues the
 * answer (listener-defer.c has the ownership rules).  The thread count is
 * the pool plus the watchdog, whatever the number of connections or
 * deferred requests.
 *
 * Request flow, per request (one gw_request_t, always freed in
 * request_completed()):
 *
 *   1. headers arrived: match the route (404/405 when none), check
 *      Content-Length against route->max_body (413), call begin();
 *   2. body pieces: count them (chunked bodies have no Content-Length) and
 *      pass them to body() while the total stays within max_body;
 *   3. end of body: finish(), which responds; or the 413 when the body
 *      went past the limit;
 *   4. finish() deferred: the connection is suspended; when the deferral
 *      ends the access handler runs again and queues the answer (or 503);
 *   5. request_completed() (MHD_OPTION_NOTIFY_COMPLETED): cleanup(), also
 *      when the client went away.
 *
 * libmicrohttpd 0.9.75 accepts a response only before the body is read or
 * after all of it has arrived (MHD_queue_response() fails in between).  So
 * a response given while the body is being read (body() refusing, or the
 * 413 for a chunked body that went past max_body) is kept and queued when
 * the body ends; the rest of the body is no longer delivered, up to
 * LISTENER_DRAIN_MAX more bytes are read and dropped so the client still
 * gets the answer, and past that the connection is closed.
 *
 * Slow clients (docs/https.md "Deadlines"): libmicrohttpd's timeout counts
 * only idle time, so a client sending a byte now and then would hold a
 * connection forever.  Each connection is tracked from
 * MHD_OPTION_NOTIFY_CONNECTION (socket context) and a watchdog thread
 * (which also ends deferred requests at their deadline) shuts down the
 * socket of one that
 *
 *   - has not sent a whole request header (TLS handshake included) within
 *     HeaderTimeout of connecting or of the end of its previous request;
 *   - sends a body slower than MinBodyRate: every BodyRateWindow (the first
 *     one being the grace period) must bring at least rate x window bytes.
 *     Fixed windows, not an average since the start, so a burst early on
 *     buys no credit for later: a client can never fall below the rate for
 *     longer than one window.  Time spent in the route's callbacks (when
 *     the listener does not read) does not count.
 *
 * Its pool thread's poll() then reports end-of-file, libmicrohttpd ends the
 * request as aborted and request_completed() runs the route's cleanup(),
 * so nothing of an upload is kept.  The socket is shut down, never closed,
 * by the watchdog: libmicrohttpd closes it only after the "closed"
 * notification, which takes the same lock, so the descriptor cannot be
 * reused in between.
 *
 * Connections per client are counted here too, not by libmicrohttpd (which
 * counts per exact address): per IPv4 address, and per /64 for IPv6, since
 * one IPv6 client usually holds a whole /64 (the keys and the address
 * lists of HealthDetailsFrom are in listener-address.c).
 */

#include "listener-private.h"
#include "printgate/clock.h"
#include "printgate/crypto.h"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


/*
 * Limits.
 */

#define LISTENER_MAX_HEADERS    32                  /* Extra response headers per request */
#define LISTENER_PEM_MAX        (1024 * 1024)       /* Largest certificate/key file */
#define LISTENER_MEMORY_LIMIT   (128 * 1024)        /* Per-connection memory (headers, buffers) */
#define LISTENER_DRAIN_MAX      (1024 * 1024)       /* Bytes dropped after max_body before closing */
#define LISTENER_POOL_MIN       4                   /* Pool threads, at least ... */
#define LISTENER_POOL_MAX       16                  /* ... and at most */

/*
 * TLS 1.3, and TLS 1.2 with ECDHE key exchange and AEAD ciphers only (AES-GCM,
 * ChaCha20-Poly1305): no static RSA key exchange (no forward secrecy), no
 * CBC, no SHA-1 MAC.  `gnutls-cli --priority ... -l` lists the six TLS 1.2
 * suites (ECDHE-ECDSA and ECDHE-RSA with AES-256-GCM, CHACHA20-POLY1305,
 * AES-128-GCM) that every iOS and Android version with TLS 1.2 offers.
 * FFDHE (DHE-RSA) is left out of TLS 1.2 as well: every client that speaks
 * TLS 1.2 speaks ECDHE, and DHE costs the server more per handshake.
 */

#define LISTENER_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-RSA:-DHE-RSA:-DHE-DSS:-CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM:-MAC-ALL:+AEAD"


/*
 * Types.
 */

typedef enum request_phase_e            /* Where a request is */
{
  REQUEST_HEADERS,                      /* Headers arrived, body not read yet */
  REQUEST_BODY,                         /* Reading the body */
  REQUEST_END                           /* Whole request arrived */
} request_phase_t;

typedef struct request_header_s         /* A response header added by a route */
{
  char *name;
  char *value;
} request_header_t;

struct _gw_request_s
{
  gw_listener_t          *listener;     /* Listener */
  struct MHD_Connection  *conn;         /* MHD connection */
  const listener_route_t *route;        /* Matched route, or NULL (404/405) */
  const char             *method;       /* Method (MHD's string) */
  const char             *path;         /* Path without the query (MHD's string) */
  char                    client[INET6_ADDRSTRLEN];
                                        /* Numeric client address */
  void                   *state;        /* Route's per-request state */
  int64_t                 received;     /* Body bytes received */
  request_phase_t         phase;        /* Where MHD is in the request */
  int64_t                 dropped;      /* Body bytes dropped after a refusal or the limit */
  bool                    responded;    /* A response is queued (or pending) */
  struct MHD_Response    *pending;      /* Response given during the body, queued at its end */
  unsigned int            pending_status;
  int64_t                 max_body;     /* The route's cap when the headers arrived (gwListenerSetMaxBody()) */
  bool                    over_limit;   /* Body went past max_body: answer 413 at the end */
  bool                    refused;      /* begin()/body() refused: drop the rest of the body */
  listener_conn_t        *lconn;        /* Its connection's tracking, or NULL */
  gw_deferred_t          *deferred;     /* finish() deferred the answer (gwRequestDefer()) */
  int                     defer_ms;     /* How long it may take */
  gw_deferred_t          *paused;       /* body() paused the request (gwRequestPause()) */
  int                     pause_ms;     /* How long it may stay paused */
  size_t                  pause_unused; /* Bytes of the piece given back to MHD */
  size_t                  body_len;     /* The piece body() is given (in_body) */
  bool                    in_body;      /* body() runs */
  request_header_t        headers[LISTENER_MAX_HEADERS];
  int                     num_headers;
};


/*
 * Local functions.
 */

static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen);
static void  conn_resume(void *conn);
static void  conn_suspend(void *conn);
static void  notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context, enum MHD_ConnectionNotificationCode code);
static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls);
static bool  answer_error(gw_request_t *req, int status, const char *code, const char *message);
static void  answer_deferred(gw_request_t *req);
static bool  pause_end(gw_request_t *req);
static void  answer_no_route(gw_request_t *req, bool path_matched);
static const listener_route_t *find_route(gw_listener_t *l, const char *path, const char *method, bool *path_matched);
static void  free_request(gw_request_t *req);
static void  log_mhd(void *cls, const char *fmt, va_list ap);
static unsigned int pool_size(int max_connections);
static bool  read_pem(const char *path, char **data_r, size_t *len_r, const char **error_r);
static enum MHD_Result request_body(gw_request_t *req, const char *data, size_t len, size_t *unused_r);
static void  request_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe);
static enum MHD_Result request_end(gw_request_t *req);
static enum MHD_Result request_headers(gw_listener_t *l, struct MHD_Connection *conn, const char *url, const char *method, void **con_cls);
static bool  route_matches_path(const listener_route_t *r, const char *path);
static struct MHD_Daemon *start_daemon(gw_listener_t *l, unsigned int flags, const struct sockaddr *addr, const char *cert, const char *key);


/*
 * 'gwListenerNew()' - Make a listener (not started yet).
 *
 * address is "*" (every address, IPv6 and IPv4 where the host has IPv6),
 * "0.0.0.0", "::" or a numeric address; port 0 lets the OS pick a free one
 * (see gwListenerGetPort()).  The certificate and key files are read when
 * the listener starts; with neither (NULL or ""), it speaks plain HTTP.
 */

gw_listener_t *
gwListenerNew(const char *address, int port, const char *certfile, const char *keyfile, int max_connections, int timeout, gw_log_t *log, const char **error_r)
{
  gw_listener_t *l;
  const char    *error = NULL;

  if (!error_r)
    error_r = &error;

  if ((certfile && *certfile) != (keyfile && *keyfile))
  {
    *error_r = "a TLS certificate and key go together";
    return (NULL);
  }

  if (port < 0 || port > 65535)
  {
    *error_r = "the port must be between 0 and 65535";
    return (NULL);
  }

  if ((l = calloc(1, sizeof(gw_listener_t))) == NULL)
  {
    *error_r = "out of memory";
    return (NULL);
  }

  if (snprintf(l->address, sizeof(l->address), "%s", address && *address ? address : "*") >= (int)sizeof(l->address) ||
      snprintf(l->certfile, sizeof(l->certfile), "%s", certfile ? certfile : "") >= (int)sizeof(l->certfile) ||
      snprintf(l->keyfile, sizeof(l->keyfile), "%s", keyfile ? keyfile : "") >= (int)sizeof(l->keyfile))
  {
    *error_r = "address or file name too long";
    free(l);
    return (NULL);
  }

  l->port            = port;
  l->max_connections = max_connections > 0 ? max_connections : 256;
  l->timeout         = timeout > 0 ? timeout : 30;
  l->header_timeout  = l->timeout;
  l->rate_window     = 30;
  l->per_client      = l->max_connections >= 16 ? l->max_connections / 4 : l->max_connections;
  l->priorities      = LISTENER_TLS_PRIORITIES;
  l->log             = log;

  if ((l->defers = _gwDeferSetNew(conn_suspend, conn_resume)) == NULL)
  {
    *error_r = "out of memory";
    free(l);
    return (NULL);
  }

  pthread_mutex_init(&l->lock, NULL);
  pthread_cond_init(&l->cond, NULL);

  return (l);
}


/*
 * 'gwListenerSetTLSPriorities()' - Use another GnuTLS priority string
 *                                  (before start; NULL = ours).  Only the
 *                                  unit test uses it, for the positive
 *                                  control of the cipher-suite checks (the
 *                                  old "NORMAL" string); the string must
 *                                  outlive the listener.
 */

bool
gwListenerSetTLSPriorities(gw_listener_t *l, const char *priorities)
{
  if (!l || l->daemon)
    return (false);

  l->priorities = priorities ? priorities : LISTENER_TLS_PRIORITIES;

  return (true);
}


/*
 * 'gwListenerSetHeaders()' - Headers for every answer of the listener
 *                            (before start): a front-end's security
 *                            headers reach the listener's own answers
 *                            too (a 413 before begin(), a 404).  The
 *                            array (name, value, ..., NULL) is kept.
 */

bool
gwListenerSetHeaders(gw_listener_t *l, const char * const *headers)
{
  if (!l || l->daemon)
    return (false);

  l->headers = headers;

  return (true);
}


/*
 * 'gwListenerSetDeadlines()' - Set the slow-client limits (before start):
 *                              the whole request header within
 *                              header_timeout seconds (0 = off), and a
 *                              body at min_body_rate bytes per second or
 *                              more over every window of rate_window
 *                              seconds (rate 0 = off).
 */

bool
gwListenerSetDeadlines(gw_listener_t *l, int header_timeout, int64_t min_body_rate, int rate_window)
{
  if (!l || l->daemon || header_timeout < 0 || min_body_rate < 0 || (min_body_rate > 0 && rate_window <= 0))
    return (false);

  l->header_timeout = header_timeout;
  l->min_body_rate  = min_body_rate;
  l->rate_window    = rate_window > 0 ? rate_window : 30;

  return (true);
}


/*
 * 'gwListenerSetMaxBody()' - Change the body cap of every route added
 *                            with this path (a reload's new document
 *                            size); requests whose headers arrived keep
 *                            the cap they began with.  False when no
 *                            route has that path.
 */

bool
gwListenerSetMaxBody(gw_listener_t *l, const char *path, int64_t max_body)
{
  bool found = false;

  if (!l || !path || max_body < 0)
    return (false);

  for (int i = 0; i < l->num_routes; i ++)
  {
    if (!strcmp(l->routes[i].path, path))
    {
      __atomic_store_n(&l->routes[i].route.max_body, max_body, __ATOMIC_RELAXED);
      found = true;
    }
  }

  return (found);
}


/*
 * 'gwListenerAddRoute()' - Add a route (copied; its strings too).  Only
 *                          before gwListenerStart().
 */

bool
gwListenerAddRoute(gw_listener_t *l, const gw_route_t *route)
{
  listener_route_t *r;
  size_t            len;

  if (!l || !route || !route->path || route->path[0] != '/' || !route->finish || route->max_body < 0)
    return (false);

  if (l->daemon)
  {
    gwLog(l->log, GW_LOG_ERROR, "HTTPS: route %s added after the listener started; ignored.", route->path);
    return (false);
  }

  if (l->num_routes >= LISTENER_MAX_ROUTES)
  {
    gwLog(l->log, GW_LOG_ERROR, "HTTPS: too many routes (at most %d); %s not added.", LISTENER_MAX_ROUTES, route->path);
    return (false);
  }

  r = l->routes + l->num_routes;
  memset(r, 0, sizeof(*r));
  r->route = *route;

  if ((r->path = strdup(route->path)) == NULL || (route->method && (r->method = strdup(route->method)) == NULL))
  {
    free(r->path);
    free(r->method);
    memset(r, 0, sizeof(*r));
    return (false);
  }

  len = strlen(r->path);
  if (r->path[len - 1] == '*')
    r->prefix_len = len - 1;

  r->route.path   = r->path;
  r->route.method = r->method;
  l->num_routes ++;

  return (true);
}


/*
 * 'gwListenerStart()' - Read the certificate and key and start serving.
 */

bool
gwListenerStart(gw_listener_t *l, const char **error_r)
{
  char                    *cert = NULL, *key = NULL;
  size_t                   certlen = 0, keylen = 0;
  const char              *error = NULL;
  unsigned int             flags = 0;
  struct sockaddr_storage  ss;
  struct sockaddr         *addr = NULL;
  const union MHD_DaemonInfo *info;

  if (!error_r)
    error_r = &error;

  if (!l)
  {
    *error_r = "no listener";
    return (false);
  }

  if (l->daemon)
    return (true);

  /*
   * The address: "*" binds IPv6 with IPv4 mapped (dual stack) and falls
   * back to IPv4 alone on hosts without IPv6; others bind what they say.
   */

  memset(&ss, 0, sizeof(ss));
  if (!strcmp(l->address, "*"))
    flags = MHD_USE_DUAL_STACK;
  else
  {
    struct sockaddr_in  *sin  = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

    if (inet_pton(AF_INET, l->address, &sin->sin_addr) == 1)
    {
      sin->sin_family = AF_INET;
      sin->sin_port   = htons((uint16_t)l->port);
    }
    else if (inet_pton(AF_INET6, l->address, &sin6->sin6_addr) == 1)
    {
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port   = htons((uint16_t)l->port);
      flags             = MHD_USE_IPv6;
    }
    else
    {
      *error_r = "ListenAddress is not * or a numeric IPv4/IPv6 address";
      return (false);
    }
    addr = (struct sockaddr *)&ss;
  }

  if (!l->buckets)
  {
    l->num_buckets = l->max_connections + 1;
    if ((l->buckets = calloc((size_t)l->num_buckets, sizeof(listener_bucket_t))) == NULL)
    {
      *error_r = "out of memory";
      return (false);
    }
  }

  if (l->certfile[0] && !read_pem(l->certfile, &cert, &certlen, error_r))
    return (false);

  if (l->certfile[0] && !read_pem(l->keyfile, &key, &keylen, error_r))
  {
    free(cert);
    return (false);
  }

  l->pool_size = pool_size(l->max_connections);
  l->starting  = true;
  l->daemon    = start_daemon(l, flags, addr, cert, key);
  if (!l->daemon && flags == MHD_USE_DUAL_STACK)
  {
    gwLog(l->log, GW_LOG_INFO, "HTTPS: no IPv6 here; listening on IPv4 only.");
    l->daemon = start_daemon(l, 0, NULL, cert, key);
  }
  l->starting = false;

  /* The key now lives inside GnuTLS; wipe our copy */
  if (key)
    gwWipe(key, keylen);
  free(key);
  free(cert);

  if (!l->daemon)
  {
    *error_r = "unable to start the HTTPS listener (address in use, or a bad certificate or key; see the log)";
    return (false);
  }

  if ((info = MHD_get_daemon_info(l->daemon, MHD_DAEMON_INFO_BIND_PORT)) != NULL && info->port)
    l->bound_port = (int)info->port;
  else
    l->bound_port = l->port;

  /* The watchdog runs always: it also ends deferred requests at their deadline */
  if (pthread_create(&l->watchdog, NULL, _gwListenerWatchdog, l))
  {
    MHD_stop_daemon(l->daemon);
    l->daemon = NULL;
    *error_r  = "unable to start the HTTPS deadline thread";
    return (false);
  }
  l->watchdog_running = true;

  gwLog(l->log, GW_LOG_INFO, "%s: listening on %s port %d (%s, %d routes, %d connections at most, %d per client, %u threads).", l->certfile[0] ? "HTTPS" : "HTTP", l->address, l->bound_port, l->certfile[0] ? "TLS 1.2+" : "plain, no TLS", l->num_routes, l->max_connections, l->per_client, l->pool_size);

  return (true);
}


/*
 * 'gwListenerGetPort()' - The port really bound (after start; 0 before).
 */

int
gwListenerGetPort(gw_listener_t *l)
{
  return (l ? l->bound_port : 0);
}


/*
 * 'gwListenerResponseCount()' - Responses queued with a status so far.
 */

uint64_t
gwListenerResponseCount(gw_listener_t *l, int status)
{
  return (l && status >= 100 && status <= 599 ? atomic_load_explicit(&l->responses[status - 100], memory_order_relaxed) : 0);
}


/*
 * 'gwListenerDelete()' - Stop the daemon, waiting for its pool threads
 *                        (every request's cleanup() runs), and free the
 *                        listener.  Deferred requests are ended first (their
 *                        connections resumed: libmicrohttpd must not stop
 *                        with suspended ones).  NULL-safe; sets *l to NULL.
 */

void
gwListenerDelete(gw_listener_t **l)
{
  if (!l || !*l)
    return;

  if ((*l)->watchdog_running)
  {
    pthread_mutex_lock(&(*l)->lock);
    (*l)->stopping = true;
    pthread_cond_signal(&(*l)->cond);
    pthread_mutex_unlock(&(*l)->lock);
    pthread_join((*l)->watchdog, NULL);
  }

  _gwDeferSetStop((*l)->defers);        /* Every suspended connection resumed (503 or closed) */
  if ((*l)->daemon)
    MHD_stop_daemon((*l)->daemon);
  _gwDeferSetDelete(&(*l)->defers);

  free((*l)->buckets);
  pthread_mutex_destroy(&(*l)->lock);
  pthread_cond_destroy(&(*l)->cond);

  for (int i = 0; i < (*l)->num_routes; i ++)
  {
    free((*l)->routes[i].path);
    free((*l)->routes[i].method);
  }

  free(*l);
  *l = NULL;
}


/*
 * Request accessors.  The strings belong to the request and stay valid
 * until its cleanup() returns.
 */

const char *gwRequestMethod(gw_request_t *req)        { return (req ? req->method : NULL); }
const char *gwRequestPath(gw_request_t *req)          { return (req ? req->path : NULL); }
const char *gwRequestClientAddress(gw_request_t *req) { return (req ? req->client : NULL); }
void        gwRequestSetState(gw_request_t *req, void *state) { if (req) req->state = state; }
void       *gwRequestGetState(gw_request_t *req)      { return (req ? req->state : NULL); }


/*
 * 'gwRequestHeader()' - A request header (case-insensitive name), or NULL.
 */

const char *
gwRequestHeader(gw_request_t *req, const char *name)
{
  if (!req || !name)
    return (NULL);

  return (MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name));
}


/*
 * 'gwRequestQuery()' - A query-string argument (decoded), or NULL.
 */

const char *
gwRequestQuery(gw_request_t *req, const char *name)
{
  if (!req || !name)
    return (NULL);

  return (MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name));
}


/*
 * 'gwRequestAddHeader()' - Add a response header (before gwRequestRespond()).
 *                          Names are tokens; values must not hold CR/LF.
 */

bool
gwRequestAddHeader(gw_request_t *req, const char *name, const char *value)
{
  request_header_t *h;

  if (!req || !name || !*name || !value || req->responded || req->num_headers >= LISTENER_MAX_HEADERS)
    return (false);

  for (const char *p = name; *p; p ++)
  {
    if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("()<>@,;:\\\"/[]?={}", *p))
      return (false);
  }

  for (const char *p = value; *p; p ++)
  {
    if (*p == '\r' || *p == '\n')
      return (false);
  }

  h = req->headers + req->num_headers;
  if ((h->name = strdup(name)) == NULL || (h->value = strdup(value)) == NULL)
  {
    free(h->name);
    h->name = NULL;
    return (false);
  }

  req->num_headers ++;

  return (true);
}


/*
 * 'respond_queue()' - Queue a response made by gwRequestRespond() or
 *                     gwRequestRespondStream(): the route's headers, the
 *                     listener's headers (gwListenerSetHeaders()),
 *                     "X-Content-Type-Options: nosniff" and
 *                     "Cache-Control: no-store" unless the route set them.
 *                     Takes the response.
 */

static bool
respond_queue(gw_request_t *req, int status, const char *content_type, struct MHD_Response *response)
{
  static const char * const defaults[] = { "X-Content-Type-Options", "nosniff", "Cache-Control", "no-store", NULL };
  enum MHD_Result           ret;

  for (int i = 0; i < req->num_headers; i ++)
    MHD_add_response_header(response, req->headers[i].name, req->headers[i].value);

  for (int set = 0; set < 2; set ++)
  {
    const char * const *h = set ? defaults : req->listener->headers;

    for (; h && h[0] && h[1]; h += 2)
    {
      if (!MHD_get_response_header(response, h[0]))
        MHD_add_response_header(response, h[0], h[1]);
    }
  }

  if (content_type && *content_type)
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);

  if (req->phase == REQUEST_BODY)
  {
    /* MHD cannot take a response now; queue it when the body ends */
    req->pending        = response;
    req->pending_status = (unsigned int)status;
    req->responded      = true;
    return (true);
  }

  ret = MHD_queue_response(req->conn, (unsigned int)status, response);
  MHD_destroy_response(response);
  if (ret == MHD_YES)
    atomic_fetch_add_explicit(&req->listener->responses[status - 100], 1, memory_order_relaxed);

  if (ret != MHD_YES)
  {
    gwLog(req->listener->log, GW_LOG_ERROR, "HTTPS: unable to queue the %d response for %s %s.", status, req->method, req->path);
    return (false);
  }

  req->responded = true;

  return (true);
}


/*
 * 'gwRequestRespond()' - Queue the response (the body is copied).  Once
 *                        per request, from a route callback.
 */

bool
gwRequestRespond(gw_request_t *req, int status, const char *content_type, const void *body, size_t len)
{
  struct MHD_Response *response;

  if (!req || req->responded || status < 100 || status > 599)
    return (false);

  if ((response = MHD_create_response_from_buffer(len, (void *)(len ? body : ""), MHD_RESPMEM_MUST_COPY)) == NULL)
    return (false);

  return (respond_queue(req, status, content_type, response));
}


typedef struct stream_s         /* A streamed answer's reader (gwRequestRespondStream()) */
{
  gw_stream_read_t read;
  void           (*done)(void *data);
  void            *data;
} stream_t;


/*
 * 'stream_read()' - MHD's content reader: the route's reader, its 0 the
 *                   end of the answer, its -1 an error (the connection is
 *                   closed, so a cut-short download never looks complete).
 */

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
  stream_t *st = (stream_t *)cls;
  ssize_t   n;

  (void)pos;

  if ((n = (st->read)(st->data, buf, max)) > 0)
    return (n);

  return (n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR);
}


/*
 * 'stream_free()' - MHD is done with a streamed answer (sent, or the client went away).
 */

static void
stream_free(void *cls)
{
  stream_t *st = (stream_t *)cls;

  if (st->done)
    (st->done)(st->data);
  free(st);
}


/*
 * 'gwRequestRespondStream()' - Queue a streamed answer (chunked, length
 *                              unknown): read() is asked for each piece
 *                              as the client takes them, on the listener
 *                              thread, so it must be short (a store page).
 *                              done(data) runs once in every case, also
 *                              when this returns false.
 */

bool
gwRequestRespondStream(gw_request_t *req, int status, const char *content_type, gw_stream_read_t read, void (*done)(void *data), void *data)
{
  struct MHD_Response *response;
  stream_t            *st;

  if (!req || req->responded || status < 100 || status > 599 || !read || (st = calloc(1, sizeof(stream_t))) == NULL)
  {
    if (done)
      (done)(data);
    return (false);
  }

  st->read = read;
  st->done = done;
  st->data = data;
  if ((response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, stream_read, st, stream_free)) == NULL)
  {
    stream_free(st);
    return (false);
  }

  return (respond_queue(req, status, content_type, response));
}


/*
 * 'access_handler()' - MHD's callback: called once when the headers have
 *                      arrived, once per body piece, and once at the end.
 */

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
  gw_request_t *req = (gw_request_t *)*con_cls;
  size_t        len;

  if (!req)
    return (request_headers((gw_listener_t *)cls, conn, url, method, con_cls));

  if (req->paused)
    pause_end(req);                     /* Resumed: read on (or 503, the rest dropped) */

  if ((len = *upload_data_size) > 0)
  {
    size_t          unused = 0;
    enum MHD_Result ret = request_body(req, upload_data, len, &unused);

    *upload_data_size = unused;         /* Given again after a pause */
    return (ret);
  }

  return (request_end(req));
}


/*
 * 'answer_no_route()' - Answer 405 (with Allow) when routes exist for the
 *                       path but not for the method, else 404.
 */

static void
answer_no_route(gw_request_t *req, bool path_matched)
{
  gw_listener_t *l = req->listener;
  char           allow[256] = "";
  size_t         used = 0;

  if (!path_matched)
  {
    answer_error(req, 404, "not-found", "There is nothing at this address.");
    return;
  }

  for (int i = 0; i < l->num_routes; i ++)
  {
    const listener_route_t *r = l->routes + i;
    int                     n;

    bool                    dup = false;

    if (!route_matches_path(r, req->path))
      continue;

    for (int j = 0; j < i && !dup; j ++)
      dup = route_matches_path(l->routes + j, req->path) && !strcmp(l->routes[j].method, r->method);
    if (dup)
      continue;

    n = snprintf(allow + used, sizeof(allow) - used, "%s%s", used ? ", " : "", r->method);
    if (n < 0 || (size_t)n >= sizeof(allow) - used)
      break;
    used += (size_t)n;
  }

  if (allow[0])
    gwRequestAddHeader(req, "Allow", allow);

  answer_error(req, 405, "method-not-allowed", "This address does not accept this request method.");
}


/*
 * 'route_matches_path()' - Whether a route with a method serves a path.
 */

static bool
route_matches_path(const listener_route_t *r, const char *path)
{
  if (!r->method)
    return (false);

  return (r->prefix_len ? !strncmp(path, r->path, r->prefix_len) : !strcmp(path, r->path));
}


/*
 * 'request_headers()' - The headers have arrived: make the request, find
 *                       its route, check Content-Length, call begin().
 */

static enum MHD_Result
request_headers(gw_listener_t *l, struct MHD_Connection *conn, const char *url, const char *method, void **con_cls)
{
  gw_request_t                   *req;
  const gw_route_t               *route;
  const union MHD_ConnectionInfo *ci;
  const char                     *clen;
  bool                            path_matched = false;

  if ((req = calloc(1, sizeof(gw_request_t))) == NULL)
    return (MHD_NO);

  req->listener = l;
  req->conn     = conn;
  req->method   = method;
  req->path     = url;
  *con_cls      = req;

  /* The header is complete: no more header deadline while begin() runs */
  if ((ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT)) != NULL)
    req->lconn = (listener_conn_t *)ci->socket_context;
  _gwListenerConnSetPhase(l, req->lconn, CONN_BUSY, false);

  /* Numeric client address; IPv4 clients of a dual-stack socket without "::ffff:" */
  if ((ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) != NULL && ci->client_addr)
  {
    const struct sockaddr *sa = ci->client_addr;
    socklen_t              salen = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

    if (getnameinfo(sa, salen, req->client, sizeof(req->client), NULL, 0, NI_NUMERICHOST))
      snprintf(req->client, sizeof(req->client), "unknown");
    else if (!strncmp(req->client, "::ffff:", 7) && strchr(req->client, '.'))
      memmove(req->client, req->client + 7, strlen(req->client + 7) + 1);
  }
  else
    snprintf(req->client, sizeof(req->client), "unknown");

  if ((req->route = find_route(l, url, method, &path_matched)) == NULL)
  {
    answer_no_route(req, path_matched);
    _gwListenerConnSetPhase(l, req->lconn, CONN_BODY, false);
    return (MHD_YES);
  }

  route         = &req->route->route;
  req->max_body = __atomic_load_n(&route->max_body, __ATOMIC_RELAXED);

  /* A declared body larger than the route takes is refused before begin() */
  if ((clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH)) != NULL)
  {
    char      *end;
    long long  n;

    errno = 0;
    n     = strtoll(clen, &end, 10);
    if (errno || end == clen || *end || n < 0 || n > req->max_body)
    {
      req->over_limit = true;
      answer_error(req, 413, "too-large", "The request body is larger than this address accepts.");
      _gwListenerConnSetPhase(l, req->lconn, CONN_BODY, false);
      return (MHD_YES);
    }
  }

  if (route->begin && !(*route->begin)(req, route->data))
  {
    req->refused = true;
    if (!req->responded)
    {
      gwLog(l->log, GW_LOG_ERROR, "HTTPS: %s %s refused without a response.", method, url);
      answer_error(req, 500, "internal-error", "The gateway could not handle this request.");
    }
  }

  /* The body (if any) now has to keep up with MinBodyRate */
  _gwListenerConnSetPhase(l, req->lconn, CONN_BODY, false);

  return (MHD_YES);
}


/*
 * 'request_body()' - A piece of the body: count it and deliver it while
 *                    the total stays within max_body and nobody answered.
 */

static enum MHD_Result
request_body(gw_request_t *req, const char *data, size_t len, size_t *unused_r)
{
  const gw_route_t *route = req->route ? &req->route->route : NULL;
  gw_listener_t    *l = req->listener;
  bool              cut = false;

  req->phase     = REQUEST_BODY;
  req->received += (int64_t)len;

  if (req->lconn)
  {
    pthread_mutex_lock(&l->lock);
    req->lconn->window_bytes += (int64_t)len;
    cut = req->lconn->cut;
    pthread_mutex_unlock(&l->lock);
  }

  if (cut)
    return (MHD_NO);                    /* The watchdog closed it: deliver nothing more */

  if (route && !req->refused && !req->over_limit && !req->responded && req->received > req->max_body)
  {
    /* Past the limit: deliver nothing more, answer 413 at the end */
    req->over_limit = true;
    answer_error(req, 413, "too-large", "The request body is larger than this address accepts.");
  }

  if (!route || req->refused || req->over_limit || req->responded)
  {
    /* Answered already: drop the rest, but not forever */
    req->dropped += (int64_t)len;
    if (req->dropped > LISTENER_DRAIN_MAX)
    {
      gwLog(req->listener->log, GW_LOG_INFO, "HTTPS: %s %s from %s: the body went on after the answer; connection closed.", req->method, req->path, req->client);
      return (MHD_NO);
    }
    return (MHD_YES);
  }

  if (route->body)
  {
    bool ok;

    /* The window pauses while the route works (the listener reads nothing then) */
    _gwListenerConnSetPhase(l, req->lconn, CONN_BUSY, true);
    for (;;)
    {
      req->in_body  = true;
      req->body_len = len;
      ok = (*route->body)(req, data, len, route->data);
      req->in_body  = false;

      if (!req->paused)
        break;
      if (!ok)
      {
        pause_end(req);                 /* Refused after pausing: the pause is moot */
        break;
      }

      /* Suspended (still busy for the watchdog) until the pause ends, unless it already has */
      if (_gwDeferredPark(l->defers, req->paused, req->conn))
      {
        *unused_r      = req->pause_unused;   /* MHD gives them again once resumed */
        req->received -= (int64_t)req->pause_unused;   /* ... and they are counted then */
        return (MHD_YES);
      }
      if (!pause_end(req) || req->pause_unused == 0)
        return (MHD_YES);               /* 503 (the rest dropped), or nothing left of the piece */

      /* Ended already: the unused bytes go to body() now */
      data += len - req->pause_unused;
      len   = req->pause_unused;
      _gwListenerConnSetPhase(l, req->lconn, CONN_BUSY, true);
    }
    _gwListenerConnSetPhase(l, req->lconn, CONN_BODY, false);

    if (!ok)
    {
      req->refused = true;
      if (!req->responded)
      {
        gwLog(l->log, GW_LOG_ERROR, "HTTPS: %s %s body refused without a response.", req->method, req->path);
        answer_error(req, 500, "internal-error", "The gateway could not handle this request.");
      }
    }
  }

  return (MHD_YES);
}


/*
 * 'gwRequestDefer()' - From finish(): answer later, from any thread, with
 *                      gwDeferredRespond() (exactly once; false when too
 *                      late).  When finish() returns, the connection is
 *                      suspended, holding no thread, for up to timeout_ms
 *                      (then the client gets 503 with Retry-After).  NULL
 *                      if the request cannot be deferred (not in finish(),
 *                      answered already, listener stopping).
 */

gw_deferred_t *
gwRequestDefer(gw_request_t *req, int timeout_ms)
{
  if (!req || req->phase != REQUEST_END || req->responded || req->deferred || timeout_ms <= 0)
    return (NULL);

  if ((req->deferred = _gwDeferredNew(req->listener->defers, timeout_ms)) != NULL)
    req->defer_ms = timeout_ms;

  return (req->deferred);
}


/*
 * 'wait_take()' - The request lets go of a deferral or a pause (*d, set to
 *                 NULL): true when it was answered or continued.  The
 *                 answer goes to *answer (the caller frees its body), or
 *                 is dropped when answer is NULL.
 */

static bool
wait_take(gw_request_t *req, gw_deferred_t **d, _gw_deferred_answer_t *answer)
{
  _gw_deferred_answer_t dropped;
  bool                  answered;

  if (!answer)
    answer = &dropped;
  answered = _gwDeferredTake(req->listener->defers, *d, answer);
  *d       = NULL;
  if (answer == &dropped)
  {
    gwWipe(dropped.value, sizeof(dropped.value));
    free(dropped.body);
  }

  return (answered);
}


/*
 * 'answer_late()' - A deferral or a pause ran out (or the listener
 *                   stopped): 503 with Retry-After, logged.
 */

static void
answer_late(gw_request_t *req, const char *what, int ms)
{
  gwLog(req->listener->log, GW_LOG_WARN, "HTTPS: %s %s: %s %d ms; 503 sent.", req->method, req->path, what, ms);
  gwRequestAddHeader(req, "Retry-After", "5");
  answer_error(req, 503, "server-busy", "The gateway did not finish in time; try again.");
}


/*
 * 'gwRequestPause()' - From body(): read nothing more until
 *                      gwDeferredContinue(); the last 'unused' bytes of
 *                      the piece come again (listener.h).  NULL when the
 *                      request cannot pause (not in body(), answered,
 *                      listener stopping).
 */

gw_deferred_t *
gwRequestPause(gw_request_t *req, size_t unused, int timeout_ms)
{
  if (!req || !req->in_body || req->responded || req->deferred || req->paused || unused > req->body_len || timeout_ms <= 0)
    return (NULL);

  if ((req->paused = _gwDeferredNew(req->listener->defers, timeout_ms)) != NULL)
  {
    req->pause_ms     = timeout_ms;
    req->pause_unused = unused;
  }

  return (req->paused);
}


/*
 * 'pause_end()' - A pause ended (its connection was resumed, or it ended
 *                 before it was suspended): true to read on, false when
 *                 it ended without gwDeferredContinue() (deadline,
 *                 stop): 503, and the rest of the body is dropped.
 */

static bool
pause_end(gw_request_t *req)
{
  bool go_on = wait_take(req, &req->paused, NULL);

  _gwListenerConnSetPhase(req->listener, req->lconn, CONN_BODY, false);
  if (go_on || req->responded)
    return (go_on);

  answer_late(req, "still paused after", req->pause_ms);
  req->refused = true;                  /* The rest of the body is dropped */

  return (false);
}


/*
 * 'answer_deferred()' - The deferral ended (its connection was resumed, or
 *                       it ended before the connection was suspended):
 *                       queue the route's answer, or 503 past the
 *                       deadline or at a stop.
 */

static void
answer_deferred(gw_request_t *req)
{
  _gw_deferred_answer_t answer;
  bool                  answered = wait_take(req, &req->deferred, &answer);

  if (req->responded)
  {
    /* finish() deferred and then answered itself: its answer stands */
    gwWipe(answer.value, sizeof(answer.value));
    free(answer.body);
    return;
  }

  if (answered)
  {
    if (answer.header[0])
      gwRequestAddHeader(req, answer.header, answer.value);
    gwWipe(answer.value, sizeof(answer.value));
    gwRequestRespond(req, answer.status, answer.content_type, answer.body, answer.len);
    free(answer.body);
    return;
  }

  answer_late(req, "no answer within", req->defer_ms);
}


/*
 * 'request_end()' - The whole request has arrived: queue the response
 *                   given during the body, or call finish().
 */

static enum MHD_Result
request_end(gw_request_t *req)
{
  const gw_route_t *route = req->route ? &req->route->route : NULL;

  if (req->deferred)
  {
    /* Called again after the deferral ended and resumed the connection */
    answer_deferred(req);
    return (req->responded ? MHD_YES : MHD_NO);
  }

  req->phase = REQUEST_END;
  _gwListenerConnSetPhase(req->listener, req->lconn, CONN_BUSY, false);

  if (req->pending)
  {
    /* A response given while the body was read */
    enum MHD_Result ret = MHD_queue_response(req->conn, req->pending_status, req->pending);

    if (ret == MHD_YES)
      atomic_fetch_add_explicit(&req->listener->responses[req->pending_status - 100], 1, memory_order_relaxed);
    MHD_destroy_response(req->pending);
    req->pending = NULL;
    return (ret);
  }

  if (req->responded)
    return (MHD_YES);

  if (!route)
    return (MHD_NO);

  (*route->finish)(req, route->data);

  if (req->deferred)
  {
    /* Suspend until the deferral ends, unless it already has */
    if (!req->responded && _gwDeferredPark(req->listener->defers, req->deferred, req->conn))
      return (MHD_YES);
    answer_deferred(req);
  }

  if (!req->responded)
  {
    gwLog(req->listener->log, GW_LOG_ERROR, "HTTPS: %s %s finished without a response.", req->method, req->path);
    answer_error(req, 500, "internal-error", "The gateway could not handle this request.");
  }

  return (req->responded ? MHD_YES : MHD_NO);
}


/*
 * 'answer_error()' - Respond with a JSON error body
 *                    {"error":"code","message":"..."} (fixed texts only).
 */

static bool
answer_error(gw_request_t *req, int status, const char *code, const char *message)
{
  char body[512];
  int  len = snprintf(body, sizeof(body), "{\"error\":\"%s\",\"message\":\"%s\"}\n", code, message);

  if (len < 0 || (size_t)len >= sizeof(body))
    return (false);

  return (gwRequestRespond(req, status, "application/json", body, (size_t)len));
}


/*
 * 'find_route()' - The route for a path and method.  An exact path wins
 *                  over a prefix, a longer prefix over a shorter one.
 *                  *path_matched tells whether any route matched the path
 *                  (so "no route" is 405 rather than 404).
 */

static const listener_route_t *
find_route(gw_listener_t *l, const char *path, const char *method, bool *path_matched)
{
  const listener_route_t *best = NULL;
  size_t                  best_score = 0;

  *path_matched = false;

  if (!path || !method)
    return (NULL);

  for (int i = 0; i < l->num_routes; i ++)
  {
    const listener_route_t *r = l->routes + i;
    size_t                  score;

    if (r->prefix_len)
    {
      if (strncmp(path, r->path, r->prefix_len))
        continue;
      score = r->prefix_len + 1;
    }
    else
    {
      if (strcmp(path, r->path))
        continue;
      score = SIZE_MAX;
    }

    *path_matched = true;

    if (r->method && strcmp(r->method, method))
      continue;

    if (score > best_score)
    {
      best       = r;
      best_score = score;
    }
  }

  return (best);
}


/*
 * 'free_request()' - Free a request and its response headers.
 */

static void
free_request(gw_request_t *req)
{
  if (req->pending)
    MHD_destroy_response(req->pending);

  for (int i = 0; i < req->num_headers; i ++)
  {
    free(req->headers[i].name);
    free(req->headers[i].value);
  }

  free(req);
}


/*
 * 'log_mhd()' - Send libmicrohttpd's messages to our log.  While starting
 *               they explain why the listener did not start (errors);
 *               later they are about single connections (TLS handshakes
 *               that failed, clients that went away), so they are info.
 */

static void log_mhd(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
log_mhd(void *cls, const char *fmt, va_list ap)
{
  gw_listener_t *l = (gw_listener_t *)cls;
  char           msg[1024];
  size_t         len;

  vsnprintf(msg, sizeof(msg), fmt, ap);

  len = strlen(msg);
  while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
    msg[-- len] = '\0';

  gwLog(l->log, l->starting ? GW_LOG_ERROR : GW_LOG_INFO, "HTTPS: %s", msg);
}


/*
 * 'pool_size()' - How many libmicrohttpd threads serve the connections:
 *                 twice the online CPUs, within LISTENER_POOL_MIN..MAX and
 *                 never more than max_connections.  Callbacks are meant to
 *                 be short, but a spool write or an fsync can still wait
 *                 on the disk, and while it does its thread's other
 *                 connections wait too; twice the CPUs (at least 4) keeps
 *                 a few such waits from stalling every client, and past 16
 *                 more threads only add contention (the TLS work is
 *                 CPU-bound and the slow work belongs to the core's
 *                 workers anyway).
 */

static unsigned int
pool_size(int max_connections)
{
  long n = sysconf(_SC_NPROCESSORS_ONLN);

  n = n > 0 ? 2 * n : LISTENER_POOL_MIN;
  if (n < LISTENER_POOL_MIN)
    n = LISTENER_POOL_MIN;
  if (n > LISTENER_POOL_MAX)
    n = LISTENER_POOL_MAX;
  if (n > max_connections)
    n = max_connections;

  return ((unsigned int)n);
}


/*
 * 'read_pem()' - Read a PEM file (at most LISTENER_PEM_MAX bytes) into a
 *                nul-terminated buffer the caller frees.
 */

static bool
read_pem(const char *path, char **data_r, size_t *len_r, const char **error_r)
{
  int         fd;
  struct stat st;
  char       *data;
  size_t      got = 0;
  ssize_t     n;

  *data_r = NULL;
  *len_r  = 0;

  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
  {
    *error_r = errno == ENOENT ? "the TLS certificate or key file does not exist" : "unable to open the TLS certificate or key file";
    return (false);
  }

  if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > LISTENER_PEM_MAX)
  {
    *error_r = "the TLS certificate or key file is empty, too large or not a regular file";
    close(fd);
    return (false);
  }

  if ((data = malloc((size_t)st.st_size + 1)) == NULL)
  {
    *error_r = "out of memory";
    close(fd);
    return (false);
  }

  while (got < (size_t)st.st_size && (n = read(fd, data + got, (size_t)st.st_size - got)) != 0)
  {
    if (n < 0)
    {
      if (errno == EINTR)
        continue;
      break;
    }
    got += (size_t)n;
  }
  close(fd);

  if (got != (size_t)st.st_size)
  {
    gwWipe(data, (size_t)st.st_size + 1);
    free(data);
    *error_r = "unable to read the TLS certificate or key file";
    return (false);
  }

  data[got] = '\0';
  *data_r   = data;
  *len_r    = got + 1;

  return (true);
}


/*
 * 'request_completed()' - MHD's completion callback: run the route's
 *                         cleanup() and free the request.  Runs for every
 *                         request, also when the client went away.
 */

static void
request_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
  gw_request_t *req = (gw_request_t *)*con_cls;

  (void)cls;
  (void)conn;

  if (!req)
    return;

  /* Ended while paused or deferred (a stop): a later continue or answer is refused */
  if (req->paused)
    wait_take(req, &req->paused, NULL);
  if (req->deferred)
    wait_take(req, &req->deferred, NULL);

  if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && toe != MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN)
    gwLog(req->listener->log, GW_LOG_DEBUG, "HTTPS: %s %s from %s ended early (%d).", req->method, req->path, req->client, (int)toe);

  if (req->route && req->route->route.cleanup)
    (*req->route->route.cleanup)(req, req->route->route.data);

  /* A kept-alive connection has HeaderTimeout for its next request */
  _gwListenerConnSetPhase(req->listener, req->lconn, CONN_HEADERS, false);

  free_request(req);
  *con_cls = NULL;
}


/*
 * 'start_daemon()' - Start MHD with our options.
 */

static struct MHD_Daemon *
start_daemon(gw_listener_t *l, unsigned int flags, const struct sockaddr *addr, const char *cert, const char *key)
{
  struct MHD_OptionItem bind_opts[2];   /* The bind address, when there is one */
  struct MHD_OptionItem tls_opts[4];    /* Certificate, key, priorities; none for plain HTTP */

  memset(tls_opts, 0, sizeof(tls_opts));
  tls_opts[0].option = MHD_OPTION_END;
  if (cert)
  {
    tls_opts[0].option    = MHD_OPTION_HTTPS_MEM_CERT;
    tls_opts[0].ptr_value = (void *)cert;
    tls_opts[1].option    = MHD_OPTION_HTTPS_MEM_KEY;
    tls_opts[1].ptr_value = (void *)key;
    tls_opts[2].option    = MHD_OPTION_HTTPS_PRIORITIES;
    tls_opts[2].ptr_value = (void *)l->priorities;
    tls_opts[3].option    = MHD_OPTION_END;
    flags |= MHD_USE_TLS;
  }
  memset(bind_opts, 0, sizeof(bind_opts));
  bind_opts[0].option = MHD_OPTION_END;
  if (addr)
  {
    bind_opts[0].option    = MHD_OPTION_SOCK_ADDR;
    bind_opts[0].ptr_value = (void *)addr;
    bind_opts[1].option    = MHD_OPTION_END;
  }

  flags |= MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

  /* The logger must come first, or MHD logs the other options' errors to stderr */
  /* Connections per client are counted by notify_connection(), per /64 for IPv6 */
  return (MHD_start_daemon(flags, (uint16_t)l->port, accept_policy, l, access_handler, l,
                           MHD_OPTION_EXTERNAL_LOGGER, log_mhd, l,
                           MHD_OPTION_ARRAY, bind_opts,
                           MHD_OPTION_ARRAY, tls_opts,
                           MHD_OPTION_THREAD_POOL_SIZE, l->pool_size,
                           MHD_OPTION_CONNECTION_LIMIT, (unsigned int)l->max_connections,
                           MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)l->timeout,
                           MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)LISTENER_MEMORY_LIMIT,
                           MHD_OPTION_NOTIFY_COMPLETED, request_completed, l,
                           MHD_OPTION_NOTIFY_CONNECTION, notify_connection, l,
                           MHD_OPTION_END));
}


/*
 * 'accept_policy()' - MHD's accept callback: refuse a client whose bucket
 *                     is full before its TLS handshake.  (The
 *                     authoritative count is in notify_connection().)
 */

static enum MHD_Result
accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
  gw_listener_t     *l = (gw_listener_t *)cls;
  unsigned char      key[LISTENER_KEY_SIZE];
  listener_bucket_t *b;
  bool               full;

  if (!addr || addrlen < (socklen_t)sizeof(struct sockaddr_in) || !_gwListenerAddressKey(addr, key))
    return (MHD_YES);

  pthread_mutex_lock(&l->lock);
  full = (b = _gwListenerBucketFind(l, key, false)) != NULL && b->count >= l->per_client;
  pthread_mutex_unlock(&l->lock);

  return (full ? MHD_NO : MHD_YES);
}


/*
 * 'conn_resume()' - Resume a suspended connection (any thread; the defer
 *                   set's callback, called exactly once per suspension).
 */

static void
conn_resume(void *conn)
{
  MHD_resume_connection((struct MHD_Connection *)conn);
}


/*
 * 'conn_suspend()' - Suspend a connection (from its access handler: the
 *                    defer set's callback while parking a deferral).
 */

static void
conn_suspend(void *conn)
{
  MHD_suspend_connection((struct MHD_Connection *)conn);
}


/*
 * 'notify_connection()' - MHD's connection callback: track a new
 *                         connection (count it in its client's bucket and
 *                         start HeaderTimeout), or forget a closed one.
 *                         MHD closes the socket only after "closed".
 */

static void
notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context, enum MHD_ConnectionNotificationCode code)
{
  gw_listener_t                  *l = (gw_listener_t *)cls;
  listener_conn_t                *c;
  const union MHD_ConnectionInfo *ci;

  if (code == MHD_CONNECTION_NOTIFY_CLOSED)
  {
    if ((c = (listener_conn_t *)*socket_context) == NULL)
      return;

    pthread_mutex_lock(&l->lock);
    if (c->prev)
      c->prev->next = c->next;
    else
      l->conns = c->next;
    if (c->next)
      c->next->prev = c->prev;
    if (c->counted)
    {
      listener_bucket_t *b = _gwListenerBucketFind(l, c->key, false);

      if (b)
        b->count --;
    }
    pthread_mutex_unlock(&l->lock);

    free(c);
    *socket_context = NULL;
    return;
  }

  if (code != MHD_CONNECTION_NOTIFY_STARTED)
    return;

  if ((ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD)) == NULL)
    return;

  if ((c = calloc(1, sizeof(listener_conn_t))) == NULL)
  {
    shutdown(ci->connect_fd, SHUT_RDWR);
    return;
  }

  c->fd = ci->connect_fd;
  snprintf(c->client, sizeof(c->client), "unknown");
  if ((ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) != NULL && ci->client_addr)
  {
    const struct sockaddr *sa = ci->client_addr;

    if (_gwListenerAddressKey(sa, c->key))
    {
      c->counted = true;
      inet_ntop(sa->sa_family, sa->sa_family == AF_INET ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr, c->client, sizeof(c->client));
    }
  }

  pthread_mutex_lock(&l->lock);

  c->phase    = CONN_HEADERS;
  c->deadline = ((int64_t)gwClockMs()) + (int64_t)l->header_timeout * 1000;
  c->next     = l->conns;
  if (l->conns)
    l->conns->prev = c;
  l->conns = c;

  if (c->counted)
  {
    listener_bucket_t *b = _gwListenerBucketFind(l, c->key, true);

    if (b && b->count < l->per_client)
      b->count ++;
    else
    {
      /* Over the per-client limit (connections that raced past accept_policy()) */
      c->counted = false;
      c->cut     = true;
      shutdown(c->fd, SHUT_RDWR);
    }
  }

  pthread_mutex_unlock(&l->lock);

  *socket_context = c;
}
