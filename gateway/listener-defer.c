/*
 * listener-defer.c - responses given later, from another thread
 * (gwRequestDefer(), listener.h).
 *
 * A deferred response has two owners: the connection's thread, which waits
 * for the answer in _gwDeferredWait() (no CPU, no lock held but the
 * deferred's own), and the route, which answers once with
 * gwDeferredRespond() from any thread.  Whichever lets go last frees it,
 * so a route answering after the deadline (or after a stop) touches only
 * memory it still owns, never the freed request.
 *
 * Locking: the set's mutex guards its list and 'stopping'; each deferred's
 * mutex guards its fields.  Order: set, then deferred.
 */

#include "listener-private.h"
#include "printgate/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct _gw_deferred_s
{
  struct _gw_deferred_s *next;          /* In the set while waited for */
  pthread_mutex_t        mutex;
  pthread_cond_t         cond;          /* Answered, or stopped */
  int                    refs;          /* Waiter + route */
  bool                   answered;
  bool                   expired;       /* The wait ended without an answer */
  _gw_deferred_answer_t  answer;
};

struct _gw_defer_set_s
{
  pthread_mutex_t  mutex;
  gw_deferred_t   *head;
  bool             stopping;
};


/*
 * 'deferred_unref()' - Drop one owner; the last frees it.
 */

static void
deferred_unref(gw_deferred_t *d)
{
  bool last;

  pthread_mutex_lock(&d->mutex);
  last = -- d->refs == 0;
  pthread_mutex_unlock(&d->mutex);

  if (last)
  {
    free(d->answer.body);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->mutex);
    free(d);
  }
}


_gw_defer_set_t *
_gwDeferSetNew(void)
{
  _gw_defer_set_t *set = calloc(1, sizeof(_gw_defer_set_t));

  if (set)
    pthread_mutex_init(&set->mutex, NULL);

  return (set);
}


/*
 * '_gwDeferSetStop()' - End every wait now (the listener is stopping);
 *                       later deferrals are refused.
 */

void
_gwDeferSetStop(_gw_defer_set_t *set)
{
  if (!set)
    return;

  pthread_mutex_lock(&set->mutex);
  set->stopping = true;
  for (gw_deferred_t *d = set->head; d; d = d->next)
  {
    pthread_mutex_lock(&d->mutex);
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mutex);
  }
  pthread_mutex_unlock(&set->mutex);
}


void
_gwDeferSetDelete(_gw_defer_set_t **set)
{
  if (!set || !*set)
    return;

  pthread_mutex_destroy(&(*set)->mutex);
  free(*set);
  *set = NULL;
}


/*
 * '_gwDeferredNew()' - A deferred response owned by the waiter and the
 *                      route.  NULL when the listener is stopping.
 */

gw_deferred_t *
_gwDeferredNew(_gw_defer_set_t *set)
{
  gw_deferred_t *d;

  if (!set || (d = calloc(1, sizeof(gw_deferred_t))) == NULL)
    return (NULL);

  pthread_mutex_init(&d->mutex, NULL);
  pthread_cond_init(&d->cond, NULL);
  d->refs = 2;

  pthread_mutex_lock(&set->mutex);
  if (set->stopping)
  {
    pthread_mutex_unlock(&set->mutex);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->mutex);
    free(d);
    return (NULL);
  }
  d->next   = set->head;
  set->head = d;
  pthread_mutex_unlock(&set->mutex);

  return (d);
}


/*
 * '_gwDeferredWait()' - The connection's thread waits for the route's
 *                       answer until timeout_ms or a stop.  True and the
 *                       answer (the caller frees answer->body), or false:
 *                       the route's later answer is dropped.  Drops the
 *                       waiter's reference either way.
 */

bool
_gwDeferredWait(_gw_defer_set_t *set, gw_deferred_t *d, int timeout_ms, _gw_deferred_answer_t *answer)
{
  struct timespec deadline;
  bool            answered;

  memset(answer, 0, sizeof(*answer));

  gwClockDeadline(&deadline, CLOCK_REALTIME, timeout_ms);

  pthread_mutex_lock(&set->mutex);
  pthread_mutex_lock(&d->mutex);
  while (!d->answered && !set->stopping)
  {
    pthread_mutex_unlock(&set->mutex);        /* Set before deferred: never wait holding the set */
    if (pthread_cond_timedwait(&d->cond, &d->mutex, &deadline) == ETIMEDOUT)
    {
      pthread_mutex_unlock(&d->mutex);
      pthread_mutex_lock(&set->mutex);
      pthread_mutex_lock(&d->mutex);
      break;
    }
    pthread_mutex_unlock(&d->mutex);
    pthread_mutex_lock(&set->mutex);
    pthread_mutex_lock(&d->mutex);
  }

  if ((answered = d->answered) == true)
  {
    *answer        = d->answer;                /* The body moves to the caller */
    d->answer.body = NULL;
  }
  else
    d->expired = true;

  for (gw_deferred_t **p = &set->head; *p; p = &(*p)->next)
  {
    if (*p == d)
    {
      *p = d->next;
      break;
    }
  }
  pthread_mutex_unlock(&d->mutex);
  pthread_mutex_unlock(&set->mutex);

  deferred_unref(d);

  return (answered);
}


/*
 * 'gwDeferredRespond()' - Answer a deferred request, from any thread, once.
 *                         The body is copied.  False when the wait already
 *                         ended (deadline or stop): the client got 503.
 *                         Always lets go of *d and sets it to NULL.
 */

bool
gwDeferredRespond(gw_deferred_t **dp, int status, const char *content_type, const void *body, size_t len)
{
  gw_deferred_t *d;
  bool           ok = false;

  if (!dp || (d = *dp) == NULL)
    return (false);
  *dp = NULL;

  pthread_mutex_lock(&d->mutex);
  if (!d->expired && !d->answered && status >= 100 && status <= 599 &&
      (len == 0 || (d->answer.body = malloc(len)) != NULL))
  {
    if (len)
      memcpy(d->answer.body, body, len);
    d->answer.len    = len;
    d->answer.status = status;
    snprintf(d->answer.content_type, sizeof(d->answer.content_type), "%s", content_type ? content_type : "");
    d->answered = ok = true;
    pthread_cond_broadcast(&d->cond);
  }
  pthread_mutex_unlock(&d->mutex);

  deferred_unref(d);

  return (ok);
}
