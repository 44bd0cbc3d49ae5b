/*
 * listener-defer.c - responses given later, from another thread
 * (gwRequestDefer(), listener.h), without a thread waiting for them.
 *
 * A deferred response has two owners: the request, which parks its
 * connection (libmicrohttpd suspends it: no thread, no polling) and later
 * takes the outcome, and the route, which answers once with
 * gwDeferredRespond() from any thread.  Whichever lets go last frees it,
 * so a route answering after the deadline, after the client went away or
 * after a stop touches only memory it still owns, never the freed request
 * or connection.
 *
 * A deferred is PENDING until exactly one of these ends it: the route's
 * answer (ANSWERED), its deadline (the listener's watchdog calls
 * _gwDeferSetExpire()), a stop (_gwDeferSetStop()) or its request ending
 * first (EXPIRED).  Whoever ends it resumes the parked connection, so a
 * connection is resumed exactly once (whoever ends it takes 'conn' under
 * the deferred's mutex), never before it was suspended (parking happens
 * under the same mutex) and never after it is gone (a suspended connection
 * cannot end until resumed).  A deadline or a stop resumes under the
 * mutex; the route's answer resumes just after releasing it ('resuming'
 * set meanwhile, and a stop waits for it), because the woken pool thread
 * takes that mutex at once: resumed under it, the thread woke only to
 * block on it, often after preempting the answering thread on its core.
 * libmicrohttpd then calls the access handler again, on a pool thread,
 * and the request takes the answer (_gwDeferredTake()) and queues it: only
 * that thread may queue a response.
 *
 * The set lists every deferred its request still holds, so the watchdog
 * finds expired ones and a stop resumes every parked connection before
 * libmicrohttpd stops (it must not stop with suspended connections).
 *
 * Locking: the set's mutex guards its list and 'stopping'; each deferred's
 * mutex guards its fields.  Order: set, then deferred, then (inside the
 * suspend/resume callbacks) libmicrohttpd's own; libmicrohttpd never calls
 * the listener with its locks held.
 */

#include "listener-private.h"
#include "printgate/clock.h"
#include "printgate/crypto.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum deferred_state_e
{
  DEFERRED_PENDING,                     /* Waiting for the route */
  DEFERRED_ANSWERED,                    /* The route answered: 'answer' */
  DEFERRED_EXPIRED                      /* Deadline, stop, or the request ended */
} deferred_state_t;

struct _gw_deferred_s
{
  struct _gw_deferred_s *prev, *next;   /* In the set while the request holds it */
  pthread_mutex_t        mutex;
  int                    refs;          /* Request + route */
  deferred_state_t       state;
  int64_t                deadline;      /* Monotonic ms */
  void                  *conn;          /* Parked (suspended) connection, or NULL */
  bool                   resuming;      /* An answer resumes the taken 'conn' outside the mutex */
  _gw_defer_cb_t         resume;        /* Resumes 'conn' (copied: the set may be gone) */
  _gw_deferred_answer_t  answer;
};

struct _gw_defer_set_s
{
  pthread_mutex_t  mutex;
  gw_deferred_t   *head;
  bool             stopping;
  _gw_defer_cb_t   suspend, resume;
};


int _gwDeferTestResumeDelayUs = 0;     /* Tests: widen the answer's resume window */


/*
 * 'deferred_unref_resumed()' - Resume 'conn' (an answer's, taken by
 *                              deferred_answer_nolock(); NULL: none), then
 *                              drop one owner; the last frees it.
 */

static void
deferred_unref_resumed(gw_deferred_t *d, void *conn)
{
  bool last;

  if (conn)
  {
    if (_gwDeferTestResumeDelayUs > 0)
      usleep((useconds_t)_gwDeferTestResumeDelayUs);
    (*d->resume)(conn);
  }

  pthread_mutex_lock(&d->mutex);
  if (conn)
    d->resuming = false;
  last = -- d->refs == 0;
  pthread_mutex_unlock(&d->mutex);

  if (last)
  {
    gwWipe(d->answer.value, sizeof(d->answer.value));
    free(d->answer.body);
    pthread_mutex_destroy(&d->mutex);
    free(d);
  }
}


/*
 * 'deferred_unref()' - Drop one owner; the last frees it.
 */

static void
deferred_unref(gw_deferred_t *d)
{
  deferred_unref_resumed(d, NULL);
}


/*
 * 'deferred_end_nolock()' - End a pending deferred (caller holds its
 *                           mutex): set the state and resume its parked
 *                           connection, if any.  False if it had ended.
 */

static bool
deferred_end_nolock(gw_deferred_t *d, deferred_state_t state)
{
  if (d->state != DEFERRED_PENDING)
    return (false);

  d->state = state;
  if (d->conn)
  {
    (*d->resume)(d->conn);
    d->conn = NULL;
  }

  return (true);
}


/*
 * 'deferred_answer_nolock()' - End a pending deferred with the route's
 *                              answer (caller holds its mutex).  Returns
 *                              its parked connection, if any, for
 *                              deferred_unref_resumed() to resume once
 *                              the mutex is released; *ok is false if it
 *                              had ended.
 */

static void *
deferred_answer_nolock(gw_deferred_t *d, bool *ok)
{
  void *conn;

  if ((*ok = d->state == DEFERRED_PENDING) == false)
    return (NULL);

  d->state = DEFERRED_ANSWERED;
  if ((conn = d->conn) != NULL)
  {
    d->conn     = NULL;
    d->resuming = true;                 /* A stop waits until it is resumed */
  }

  return (conn);
}


/*
 * '_gwDeferSetNew()'' - A listener's set of deferred responses; suspend and
 *                      resume park and wake one connection.
 */

_gw_defer_set_t *
_gwDeferSetNew(_gw_defer_cb_t suspend, _gw_defer_cb_t resume)
{
  _gw_defer_set_t *set;

  if (!suspend || !resume || (set = calloc(1, sizeof(_gw_defer_set_t))) == NULL)
    return (NULL);

  pthread_mutex_init(&set->mutex, NULL);
  set->suspend = suspend;
  set->resume  = resume;

  return (set);
}


/*
 * '_gwDeferSetExpire()' - End every deferred past its deadline (its
 *                         client gets 503).  Returns the next deadline
 *                         (monotonic ms), or INT64_MAX when none waits.
 */

int64_t
_gwDeferSetExpire(_gw_defer_set_t *set, int64_t now)
{
  int64_t next = INT64_MAX;

  if (!set)
    return (next);

  pthread_mutex_lock(&set->mutex);
  for (gw_deferred_t *d = set->head; d; d = d->next)
  {
    pthread_mutex_lock(&d->mutex);
    if (d->state == DEFERRED_PENDING)
    {
      if (now >= d->deadline)
        deferred_end_nolock(d, DEFERRED_EXPIRED);
      else if (d->deadline < next)
        next = d->deadline;
    }
    pthread_mutex_unlock(&d->mutex);
  }
  pthread_mutex_unlock(&set->mutex);

  return (next);
}


/*
 * '_gwDeferSetStop()' - End every wait now (the listener is stopping) and
 *                       refuse later deferrals.  When it returns, no
 *                       connection is left suspended: every parked one has
 *                       been resumed.
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
    deferred_end_nolock(d, DEFERRED_EXPIRED);
    while (d->resuming)                 /* An answer's resume runs: microseconds */
    {
      pthread_mutex_unlock(&d->mutex);
      usleep(100);
      pthread_mutex_lock(&d->mutex);
    }
    pthread_mutex_unlock(&d->mutex);
  }
  pthread_mutex_unlock(&set->mutex);
}


/*
 * '_gwDeferSetDelete()' - Free a set (after the daemon stopped: every
 *                         request has let go of its deferred by then).
 */

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
 * '_gwDeferredNew()' - A pending deferred owned by the request and the
 *                      route, due in timeout_ms.  NULL when stopping.
 */

gw_deferred_t *
_gwDeferredNew(_gw_defer_set_t *set, int timeout_ms)
{
  gw_deferred_t *d;

  if (!set || (d = calloc(1, sizeof(gw_deferred_t))) == NULL)
    return (NULL);

  pthread_mutex_init(&d->mutex, NULL);
  d->refs     = 2;
  d->state    = DEFERRED_PENDING;
  d->deadline = (int64_t)gwClockMs() + timeout_ms;
  d->resume   = set->resume;

  pthread_mutex_lock(&set->mutex);
  if (set->stopping)
  {
    pthread_mutex_unlock(&set->mutex);
    pthread_mutex_destroy(&d->mutex);
    free(d);
    return (NULL);
  }
  if ((d->next = set->head) != NULL)
    d->next->prev = d;
  set->head = d;
  pthread_mutex_unlock(&set->mutex);

  return (d);
}


/*
 * '_gwDeferredPark()' - From the access handler, after finish() deferred:
 *                       suspend the connection until the deferred ends.
 *                       False when it already has (answered at once, or
 *                       stopped): take the outcome now instead.
 */

bool
_gwDeferredPark(_gw_defer_set_t *set, gw_deferred_t *d, void *conn)
{
  bool parked = false;

  pthread_mutex_lock(&d->mutex);
  if (d->state == DEFERRED_PENDING)
  {
    (*set->suspend)(conn);
    d->conn = conn;
    parked  = true;
  }
  pthread_mutex_unlock(&d->mutex);

  return (parked);
}


/*
 * '_gwDeferredTake()' - The request lets go of its deferred (when its
 *                       connection is resumed, or when the request ends):
 *                       true and the answer (the caller frees
 *                       answer->body), or false when it expired; a later
 *                       answer from the route is refused.
 */

bool
_gwDeferredTake(_gw_defer_set_t *set, gw_deferred_t *d, _gw_deferred_answer_t *answer)
{
  bool answered;

  memset(answer, 0, sizeof(*answer));

  pthread_mutex_lock(&set->mutex);
  if (d->prev)
    d->prev->next = d->next;
  else
    set->head = d->next;
  if (d->next)
    d->next->prev = d->prev;
  d->prev = d->next = NULL;

  pthread_mutex_lock(&d->mutex);
  deferred_end_nolock(d, DEFERRED_EXPIRED);     /* Still pending: the request ended first */
  if ((answered = d->state == DEFERRED_ANSWERED) == true)
  {
    *answer        = d->answer;                 /* The body moves to the caller */
    d->answer.body = NULL;
    gwWipe(d->answer.value, sizeof(d->answer.value));
  }
  pthread_mutex_unlock(&d->mutex);
  pthread_mutex_unlock(&set->mutex);

  deferred_unref(d);

  return (answered);
}


/*
 * 'gwDeferredRespond()' - Answer a deferred request, from any thread, once.
 *                         The body is copied.  False when the request's
 *                         wait already ended (deadline, stop, or the
 *                         request ended): the client got 503 or nothing.
 *                         Always lets go of *d and sets it to NULL.
 */

bool
gwDeferredRespond(gw_deferred_t **dp, int status, const char *content_type, const void *body, size_t len)
{
  return (gwDeferredRespondHeader(dp, status, content_type, body, len, NULL, NULL));
}


/*
 * 'gwDeferredContinue()' - Let a paused request (gwRequestPause()) read
 *                          on, from any thread, once: its answer is
 *                          "no answer", status 0.  False when its wait
 *                          already ended.  Always lets go of *d.
 */

bool
gwDeferredContinue(gw_deferred_t **dp)
{
  gw_deferred_t *d;
  void          *conn;
  bool           ok;

  if (!dp || (d = *dp) == NULL)
    return (false);
  *dp = NULL;

  pthread_mutex_lock(&d->mutex);
  d->answer.status = 0;
  conn = deferred_answer_nolock(d, &ok);
  pthread_mutex_unlock(&d->mutex);

  deferred_unref_resumed(d, conn);

  return (ok);
}


/*
 * 'gwDeferredRespondHeader()' - Answer a deferred request with one more
 *                               response header.
 */

bool
gwDeferredRespondHeader(gw_deferred_t **dp, int status, const char *content_type, const void *body, size_t len, const char *header, const char *value)
{
  gw_deferred_t *d;
  void          *conn = NULL;
  bool           ok = false;

  if (!dp || (d = *dp) == NULL)
    return (false);
  *dp = NULL;

  pthread_mutex_lock(&d->mutex);
  if (d->state == DEFERRED_PENDING && status >= 100 && status <= 599 &&
      (!header || (strlen(header) < sizeof(d->answer.header) && value && strlen(value) < sizeof(d->answer.value))) &&
      (len == 0 || (d->answer.body = malloc(len)) != NULL))
  {
    if (len)
      memcpy(d->answer.body, body, len);
    d->answer.len    = len;
    d->answer.status = status;
    snprintf(d->answer.content_type, sizeof(d->answer.content_type), "%s", content_type ? content_type : "");
    if (header)
    {
      snprintf(d->answer.header, sizeof(d->answer.header), "%s", header);
      snprintf(d->answer.value, sizeof(d->answer.value), "%s", value);
    }
    conn = deferred_answer_nolock(d, &ok);
  }
  pthread_mutex_unlock(&d->mutex);

  deferred_unref_resumed(d, conn);

  return (ok);
}
