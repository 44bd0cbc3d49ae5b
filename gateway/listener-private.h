/*
 * listener-private.h - what listener.c and listener-address.c share.
 */

#ifndef PRINTGATE_LISTENER_PRIVATE_H
#define PRINTGATE_LISTENER_PRIVATE_H

#include "printgate/listener.h"

#include <sys/socket.h>

#define LISTENER_KEY_SIZE 9             /* Client bucket: family + 8 address bytes */

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
} _gw_deferred_answer_t;

extern _gw_defer_set_t *_gwDeferSetNew(_gw_defer_cb_t suspend, _gw_defer_cb_t resume);
extern int64_t          _gwDeferSetExpire(_gw_defer_set_t *set, int64_t now);  /* Ends those due; next deadline or INT64_MAX */
extern void             _gwDeferSetStop(_gw_defer_set_t *set);         /* Ends every wait (as timed out) */
extern void             _gwDeferSetDelete(_gw_defer_set_t **set);
extern gw_deferred_t   *_gwDeferredNew(_gw_defer_set_t *set, int timeout_ms);  /* NULL when stopping */
extern bool             _gwDeferredPark(_gw_defer_set_t *set, gw_deferred_t *d, void *conn);
extern bool             _gwDeferredTake(_gw_defer_set_t *set, gw_deferred_t *d, _gw_deferred_answer_t *answer);

#endif /* !PRINTGATE_LISTENER_PRIVATE_H */
