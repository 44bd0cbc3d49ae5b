/*
 * listener-private.h - what the listener's files share: listener.c (the
 * libmicrohttpd adapter), listener-address.c (client buckets, address
 * lists), listener-defer.c (deferred answers), listener-watchdog.c
 * (deadlines).
 */

#ifndef PRINTGATE_LISTENER_PRIVATE_H
#define PRINTGATE_LISTENER_PRIVATE_H

#include "printgate/listener.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#define LISTENER_KEY_SIZE       9                   /* Client bucket: family + 8 address bytes */
#define LISTENER_MAX_ROUTES     64                  /* Routes in the table */
#define LISTENER_WATCH_MS       200                 /* Watchdog period */

/* The per-client bucket key of an address: 4 + IPv4 (also IPv4-mapped), or 6 + the IPv6 /64 */
extern bool _gwListenerAddressKey(const struct sockaddr *sa, unsigned char key[LISTENER_KEY_SIZE]);

/*
 * Deferred responses (listener-defer.c): the set of a listener's pending
 * ones, so the watchdog can end those past their deadline and a stop can
 * end them all.  A request parks its connection (suspend) until its
 * deferred ends, and whoever ends it resumes the connection.
 */
typedef struct _gw_defer_set_s _gw_defer_set_t;
typedef void (*_gw_defer_cb_t)(void *conn);    /* Suspends or resumes a connection */

typedef struct _gw_deferred_answer_s    /* What the route answered */
{
  int    status;
  char   content_type[128];
  void  *body;                          /* malloc'd, the taker frees it */
  size_t len;
  char   header[64];                    /* One extra response header ("" = none) */
  char   value[512];                    /* Its value (may be a cookie: the taker wipes it) */
} _gw_deferred_answer_t;

extern _gw_defer_set_t *_gwDeferSetNew(_gw_defer_cb_t suspend, _gw_defer_cb_t resume);
extern int64_t          _gwDeferSetExpire(_gw_defer_set_t *set, int64_t now);  /* Ends those due; next deadline or INT64_MAX */
extern void             _gwDeferSetStop(_gw_defer_set_t *set);         /* Ends every wait (as timed out) */
extern int              _gwDeferTestResumeDelayUs;                     /* Tests: an answer waits this long before it resumes its connection */
extern void             _gwDeferSetDelete(_gw_defer_set_t **set);
extern gw_deferred_t   *_gwDeferredNew(_gw_defer_set_t *set, int timeout_ms);  /* NULL when stopping */
extern bool             _gwDeferredPark(_gw_defer_set_t *set, gw_deferred_t *d, void *conn);
extern bool             _gwDeferredTake(_gw_defer_set_t *set, gw_deferred_t *d, _gw_deferred_answer_t *answer);


/*
 * The listener, its routes and the connections it tracks (listener.c).
 */

struct MHD_Daemon;                      /* Only listener.c sees libmicrohttpd */

typedef enum conn_phase_e               /* What a connection is doing, for the watchdog */
{
  CONN_HEADERS,                         /* Handshake and request header: HeaderTimeout */
  CONN_BODY,                            /* Reading a body: MinBodyRate */
  CONN_BUSY                             /* In a route callback or answering: idle timeout only */
} conn_phase_t;

typedef struct listener_conn_s          /* One TCP connection (MHD's socket context) */
{
  struct listener_conn_s *prev, *next;  /* All connections of the listener */
  int                     fd;           /* Its socket (shut down, never closed, here) */
  unsigned char           key[LISTENER_KEY_SIZE];
                                        /* Client bucket (see _gwListenerAddressKey()) */
  bool                    counted;      /* Counted in a bucket */
  conn_phase_t            phase;        /* See above */
  bool                    in_body;      /* BUSY inside a body() callback (window paused) */
  int64_t                 deadline;     /* CONN_HEADERS: when the header must be complete (ms) */
  int64_t                 window_start; /* CONN_BODY: start of the current rate window (ms) */
  int64_t                 window_bytes; /* Body bytes in the current window */
  int64_t                 busy_since;   /* When the current callback began (ms) */
  bool                    cut;          /* Shut down by the watchdog or the limit */
  char                    client[INET6_ADDRSTRLEN];
                                        /* Numeric client address, for the log */
} listener_conn_t;

typedef struct listener_bucket_s        /* Connections of one client (address or /64) */
{
  unsigned char key[LISTENER_KEY_SIZE];
  int           count;                  /* 0 = free slot */
} listener_bucket_t;

typedef struct listener_route_s         /* A route and its own copies of its strings */
{
  gw_route_t  route;                    /* Route (method/path point into the copies below) */
  char       *method;                   /* Copy of route.method, or NULL for any */
  char       *path;                     /* Copy of route.path */
  size_t      prefix_len;               /* Length before the '*', or 0 for an exact path */
} listener_route_t;

struct _gw_listener_s
{
  struct MHD_Daemon *daemon;            /* Running daemon, or NULL */
  gw_log_t          *log;               /* Where errors go */
  char               address[256];      /* "*", IPv4 or IPv6 literal */
  int                port;              /* Port asked for (0 = any) */
  int                bound_port;        /* Port really bound (after start) */
  char               certfile[1024];    /* PEM certificate chain */
  char               keyfile[1024];     /* PEM private key */
  int                max_connections;   /* MaxConnections */
  int                timeout;           /* ConnectionTimeout, seconds */
  int                header_timeout;    /* HeaderTimeout, seconds (0 = off) */
  int64_t            min_body_rate;     /* MinBodyRate, bytes per second (0 = off) */
  int                rate_window;       /* BodyRateWindow, seconds */
  int                per_client;        /* Connections per client bucket */
  const char        *priorities;        /* GnuTLS priority string (static) */
  const char * const *headers;          /* gwListenerSetHeaders(): name, value, ..., NULL */
  pthread_mutex_t    lock;              /* Protects conns, buckets, their fields */
  pthread_cond_t     cond;              /* Wakes the watchdog to stop */
  pthread_t          watchdog;          /* Deadline thread */
  bool               watchdog_running;
  bool               stopping;          /* Tells the watchdog to end */
  unsigned int       pool_size;         /* libmicrohttpd pool threads */
  listener_conn_t   *conns;             /* Open connections */
  listener_bucket_t *buckets;           /* max_connections + 1 slots */
  int                num_buckets;
  bool               starting;          /* MHD messages now are start-up errors */
  listener_route_t   routes[LISTENER_MAX_ROUTES];
  int                num_routes;
  _gw_defer_set_t   *defers;            /* Deferred responses (suspended connections) */
  atomic_uint_fast64_t responses[500];  /* Responses queued, by status - 100 (gwListenerResponseCount()) */
};

/*
 * The watchdog and the client buckets (listener-watchdog.c); l->lock
 * guards the connections and the buckets.
 */

extern listener_bucket_t *_gwListenerBucketFind(gw_listener_t *l, const unsigned char *key, bool add); /* Caller holds l->lock */
extern void  _gwListenerConnCut(gw_listener_t *l, listener_conn_t *c, const char *why);               /* Caller holds l->lock */
extern void  _gwListenerConnSetPhase(gw_listener_t *l, listener_conn_t *c, conn_phase_t phase, bool in_body);
extern void *_gwListenerWatchdog(void *data);                                                           /* Thread main */

#endif /* !PRINTGATE_LISTENER_PRIVATE_H */
