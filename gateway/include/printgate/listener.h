/*
 * listener.h - the core HTTPS listener and its route table.
 *
 * One HTTPS port (TLS 1.2+) carries /health today and, later, IPP
 * (/ipp/print), the web pages and the REST API.  A listener made without
 * a certificate speaks plain HTTP: the core opens one only for the plain
 * IPP port (IppPlainPort), with the routes front-ends give plain_routes().  Front-ends register
 * routes; they never see libmicrohttpd (listener.c is its only adapter).
 *
 * Threads: a fixed pool of listener threads (2 per CPU, 4 to 16) serves
 * every connection; each thread runs an event loop over its share of them,
 * and a route's callbacks run on the thread of their connection, one
 * request of a connection at a time, requests of different connections
 * concurrently.  While a callback runs, every other connection of its
 * thread waits, so callbacks must be short: a spool write of the piece at
 * hand, a store query, an fsync at the end of an upload.  Anything slower
 * (a conversion, a printer, mail, a wait for a job event) never runs
 * there: it goes to the core's workers, and a route that must wait for
 * its outcome defers the answer.  begin() runs when the headers have
 * arrived, body() for each piece of the request body (never more than
 * route->max_body bytes in all: the listener answers 413 itself past
 * that), finish() when the body is complete: it calls gwRequestRespond(),
 * or gwRequestDefer() and returns.  A deferred request holds no thread:
 * its connection is suspended until any thread answers once with
 * gwDeferredRespond() or the deadline passes (the client then gets 503
 * with Retry-After, and a later gwDeferredRespond() returns false); a stop
 * of the listener ends every deferral at once.  gwDeferredRespond() waits
 * for no client and no listener thread, and is safe at any time, also
 * after the request or the listener is gone (it returns false then); it
 * frees the handle.  True means the answer was taken for the client, not
 * that it arrived: a client that hung up while its request was deferred
 * is noticed when the answer is sent.  Response headers are added in
 * finish(), before deferring.
 * cleanup() always runs last, exactly once, also when the client went away
 * or the listener stopped, so per-request state is never leaked.
 *
 * Slow clients: the whole request header must arrive within HeaderTimeout
 * of connecting (TLS handshake included), and a body must keep up with
 * MinBodyRate over every BodyRateWindow (gwListenerSetDeadlines()); else
 * the connection is closed and the request ends as aborted: finish() is
 * not called, cleanup() is, and must drop what body() kept.
 */

#ifndef PRINTGATE_LISTENER_H
#define PRINTGATE_LISTENER_H

#include "base.h"
#include "log.h"

typedef struct _gw_request_s gw_request_t;
typedef struct _gw_deferred_s gw_deferred_t;  /* A response given later (gwRequestDefer()) */

typedef struct gw_route_s
{
  const char *method;     /* "GET", "POST", ... or NULL for any */
  const char *path;       /* Exact path, or a prefix when it ends in '*' */
  int64_t     max_body;   /* Largest body accepted (0 = no body allowed) */
  bool      (*begin)(gw_request_t *req, void *data);                        /* Optional; false = refused (respond first) */
  bool      (*body)(gw_request_t *req, const char *buf, size_t len, void *data); /* Optional; false = abort (respond first) */
  void      (*finish)(gw_request_t *req, void *data);                       /* Required */
  void      (*cleanup)(gw_request_t *req, void *data);                      /* Optional */
  void       *data;
} gw_route_t;

extern gw_listener_t *gwListenerNew(const char *address, int port, const char *certfile, const char *keyfile, int max_connections, int timeout, gw_log_t *log, const char **error_r); /* No certfile and keyfile = plain HTTP */
extern bool  gwListenerSetDeadlines(gw_listener_t *l, int header_timeout, int64_t min_body_rate, int rate_window); /* Before start; 0 = off */
extern bool  gwListenerSetTLSPriorities(gw_listener_t *l, const char *priorities); /* Tests only; NULL = default */
extern bool  gwListenerAddRoute(gw_listener_t *l, const gw_route_t *route);   /* Before gwListenerStart() */
/* Any time: the body cap of the routes with this path (a reload's MaxDocumentSize); requests already begun keep theirs.  False: no such route */
extern bool  gwListenerSetMaxBody(gw_listener_t *l, const char *path, int64_t max_body);
/* Before start: headers (name, value, ..., NULL; kept, not copied) on every answer of the listener, its own 404, 405, 413, 500 and 503 included, unless the answer set that name */
extern bool  gwListenerSetHeaders(gw_listener_t *l, const char * const *headers);
extern bool  gwListenerStart(gw_listener_t *l, const char **error_r);
extern int   gwListenerGetPort(gw_listener_t *l);                            /* Actual port (after start) */
extern void  gwListenerDelete(gw_listener_t **l);                            /* Stops, waits for handlers */
extern uint64_t gwListenerResponseCount(gw_listener_t *l, int status);        /* Responses with this status so far (100-599; atomic, for /metrics) */

/* Per-client connection limit key: the IPv4 address, or the IPv6 /64 ("2001:db8:1:2::/64") */
extern bool  gwListenerClientBucket(const char *address, char *bucket, size_t bucketsize);
/* Lists of addresses and CIDR blocks ("127.0.0.0/8 ::1"), e.g. HealthDetailsFrom */
extern bool  gwListenerAddressListValid(const char *list, const char **error_r);
extern bool  gwListenerAddressListMatch(const char *list, const char *address);

extern const char *gwRequestMethod(gw_request_t *req);
extern const char *gwRequestPath(gw_request_t *req);
extern const char *gwRequestHeader(gw_request_t *req, const char *name);
extern const char *gwRequestQuery(gw_request_t *req, const char *name);
extern const char *gwRequestClientAddress(gw_request_t *req);  /* Numeric address */
extern void        gwRequestSetState(gw_request_t *req, void *state);
extern void       *gwRequestGetState(gw_request_t *req);
extern bool        gwRequestRespond(gw_request_t *req, int status, const char *content_type, const void *body, size_t len);
extern bool        gwRequestAddHeader(gw_request_t *req, const char *name, const char *value); /* Before respond */
/*
 * A streamed answer (chunked; for a download of any size in bounded
 * memory): read fills buf with up to max bytes and returns how many, 0 at
 * the end, -1 on an error (the connection is then closed).  It runs on
 * the listener thread as the client takes the bytes: keep it short.
 * done(data) runs once in every case (sent, client gone, refused).
 */
typedef ssize_t (*gw_stream_read_t)(void *data, char *buf, size_t max);
extern bool        gwRequestRespondStream(gw_request_t *req, int status, const char *content_type, gw_stream_read_t read, void (*done)(void *data), void *data);
/* From finish(): answer later from any thread, no thread held (see the threading note above). */
extern gw_deferred_t *gwRequestDefer(gw_request_t *req, int timeout_ms);
extern bool        gwDeferredRespond(gw_deferred_t **deferred, int status, const char *content_type, const void *body, size_t len);
/* The same with one more response header known only now (a sign-in's Set-Cookie; value < 512 bytes, wiped after use). */
extern bool        gwDeferredRespondHeader(gw_deferred_t **deferred, int status, const char *content_type, const void *body, size_t len, const char *header, const char *value);
/*
 * From body(): stop reading this request's body, holding no thread, until
 * any thread calls gwDeferredContinue() once (or the deadline passes or
 * the listener stops: the client gets 503 and the rest of the body is
 * dropped).  The last 'unused' bytes of the piece body() was given are
 * not taken: body() gets them again, first, once the request reads on.
 * For a route that needs something slow (a password check) before it may
 * take the next byte.  NULL when it cannot pause: body() carries on.
 */
extern gw_deferred_t *gwRequestPause(gw_request_t *req, size_t unused, int timeout_ms);
extern bool        gwDeferredContinue(gw_deferred_t **deferred);   /* Any thread, once; false when too late */

#endif /* !PRINTGATE_LISTENER_H */
