/*
 * event.c - the job event bus (event.h).
 *
 * Locking: the bus mutex guards the subscriber list, the sequence counter
 * and the count of undelivered events; each subscriber's mutex guards its
 * queue.  Lock order: bus, then one subscriber; a delivery thread never
 * holds its own mutex while it takes the bus mutex.  Callbacks run with no
 * lock held, so a callback may emit.  Emitting holds the bus
 * mutex while it appends to every queue, so all subscribers see events in
 * the same (sequence) order; appending never waits for a callback.
 */

#include "printgate/event.h"
#include "printgate/clock.h"
#include "printgate/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


typedef struct event_node_s
{
  struct event_node_s *next;
  gw_job_event_t       event;
} event_node_t;

typedef struct subscriber_s
{
  struct subscriber_s *next;
  struct _gw_events_s *events;
  int                  id;
  char                 origin[16];      /* "" = every origin */
  gw_event_cb_t        cb;
  void                *data;
  pthread_t            thread;
  pthread_mutex_t      mutex;
  pthread_cond_t       cond;            /* Queue not empty, or stopping */
  event_node_t        *head, *tail;
  size_t               count;
  uint64_t             lost;            /* Dropped since the last queued event */
  bool                 stopping;
} subscriber_t;

struct _gw_events_s
{
  gw_log_t        *log;
  size_t           queue_max;
  pthread_mutex_t  mutex;
  pthread_cond_t   idle;                /* pending reached 0 */
  subscriber_t    *subscribers;
  int              next_id;
  uint64_t         seq;
  size_t           pending;             /* Queued or being delivered, all subscribers */
};


/*
 * 'deliver_thread()' - A subscriber's delivery loop: take the oldest event,
 *                      run the callback without a lock, until stopped and
 *                      empty.
 */

static void *
deliver_thread(void *arg)
{
  subscriber_t *sub = (subscriber_t *)arg;
  event_node_t *node;

  pthread_setname_np(pthread_self(), "pg-events");   /* Seen in top -H and ps -L */
  pthread_mutex_lock(&sub->mutex);
  for (;;)
  {
    while (!sub->head && !sub->stopping)
      pthread_cond_wait(&sub->cond, &sub->mutex);

    if (!sub->head)
      break;                            /* Stopping and delivered */

    node = sub->head;
    if ((sub->head = node->next) == NULL)
      sub->tail = NULL;
    sub->count --;
    pthread_mutex_unlock(&sub->mutex);

    (sub->cb)(&node->event, sub->data);
    free(node);

    pthread_mutex_lock(&sub->events->mutex);
    if (-- sub->events->pending == 0)
      pthread_cond_broadcast(&sub->events->idle);
    pthread_mutex_unlock(&sub->events->mutex);

    pthread_mutex_lock(&sub->mutex);
  }
  pthread_mutex_unlock(&sub->mutex);

  return (NULL);
}


/*
 * 'stop_subscriber()' - Let a subscriber's thread deliver what is queued,
 *                       join it and free the subscriber.  Not on the list
 *                       any more; no lock held.
 */

static void
stop_subscriber(subscriber_t *sub)
{
  pthread_mutex_lock(&sub->mutex);
  sub->stopping = true;
  pthread_cond_signal(&sub->cond);
  pthread_mutex_unlock(&sub->mutex);

  pthread_join(sub->thread, NULL);

  pthread_cond_destroy(&sub->cond);
  pthread_mutex_destroy(&sub->mutex);
  free(sub);
}


/*
 * 'gwEventsNew()' - Create an event bus.  queue_max (0 = the default) is
 *                   how many events one subscriber may fall behind.
 */

gw_events_t *
gwEventsNew(gw_log_t *log, size_t queue_max)
{
  gw_events_t *events;

  if ((events = calloc(1, sizeof(gw_events_t))) == NULL)
    return (NULL);

  events->log       = log;
  events->queue_max = queue_max ? queue_max : GW_EVENTS_QUEUE_DEFAULT;
  events->next_id   = 1;
  pthread_mutex_init(&events->mutex, NULL);
  pthread_cond_init(&events->idle, NULL);

  return (events);
}


/*
 * 'gwEventsDelete()' - Deliver what is queued to every subscriber, stop
 *                      their threads and free the bus.  Accepts NULL.
 */

void
gwEventsDelete(gw_events_t **events)
{
  subscriber_t *sub, *next;

  if (!events || !*events)
    return;

  pthread_mutex_lock(&(*events)->mutex);
  sub = (*events)->subscribers;
  (*events)->subscribers = NULL;
  pthread_mutex_unlock(&(*events)->mutex);

  for (; sub; sub = next)
  {
    next = sub->next;
    stop_subscriber(sub);
  }

  pthread_cond_destroy(&(*events)->idle);
  pthread_mutex_destroy(&(*events)->mutex);
  free(*events);
  *events = NULL;
}


/*
 * 'gwEventsSubscribe()' - Receive the events of jobs made by one front-end
 *                         (origin), or of all jobs (origin NULL).  Returns
 *                         the subscription id, or 0 on error.
 */

int
gwEventsSubscribe(gw_events_t *events, const char *origin, gw_event_cb_t cb, void *data)
{
  subscriber_t *sub;
  int           id;

  if (!events || !cb || (origin && strlen(origin) >= sizeof(sub->origin)))
    return (0);

  if ((sub = calloc(1, sizeof(subscriber_t))) == NULL)
    return (0);

  snprintf(sub->origin, sizeof(sub->origin), "%s", origin ? origin : "");
  sub->events = events;
  sub->cb   = cb;
  sub->data = data;
  pthread_mutex_init(&sub->mutex, NULL);
  pthread_cond_init(&sub->cond, NULL);

  if ((errno = pthread_create(&sub->thread, NULL, deliver_thread, sub)) != 0)
  {
    gwLog(events->log, GW_LOG_ERROR, "Unable to start an event delivery thread: %s", strerror(errno));
    pthread_cond_destroy(&sub->cond);
    pthread_mutex_destroy(&sub->mutex);
    free(sub);
    return (0);
  }

  pthread_mutex_lock(&events->mutex);
  id = sub->id = events->next_id ++;
  sub->next = events->subscribers;
  events->subscribers = sub;
  pthread_mutex_unlock(&events->mutex);

  return (id);
}


/*
 * 'gwEventsUnsubscribe()' - End a subscription after delivering what is
 *                           queued to it.  Not from its own callback.
 */

void
gwEventsUnsubscribe(gw_events_t *events, int id)
{
  subscriber_t **prev, *sub = NULL;

  if (!events)
    return;

  pthread_mutex_lock(&events->mutex);
  for (prev = &events->subscribers; *prev; prev = &(*prev)->next)
  {
    if ((*prev)->id == id)
    {
      sub   = *prev;
      *prev = sub->next;
      break;
    }
  }
  pthread_mutex_unlock(&events->mutex);

  if (sub)
    stop_subscriber(sub);
}


/*
 * 'gwEventsEmit()' - Queue an event for every subscriber of its origin.
 *                    Never waits for a callback.  Returns the event's
 *                    sequence number, or 0 on a bad argument.
 */

uint64_t
gwEventsEmit(gw_events_t *events, const gw_job_event_t *event)
{
  subscriber_t *sub;
  event_node_t *node;
  uint64_t      seq;

  if (!events || !event)
    return (0);

  pthread_mutex_lock(&events->mutex);
  seq = ++ events->seq;

  for (sub = events->subscribers; sub; sub = sub->next)
  {
    if (sub->origin[0] && strcmp(sub->origin, event->origin))
      continue;

    pthread_mutex_lock(&sub->mutex);
    if (sub->count >= events->queue_max || (node = malloc(sizeof(event_node_t))) == NULL)
    {
      if (sub->lost ++ == 0)
        gwLog(events->log, GW_LOG_WARN, "Job events: subscriber %d is %zu events behind; it loses events until it catches up.", sub->id, sub->count);
    }
    else
    {
      node->next        = NULL;
      node->event       = *event;
      node->event.seq   = seq;
      node->event.lost  = sub->lost;
      if (!node->event.time)
        node->event.time = time(NULL);
      sub->lost = 0;

      if (sub->tail)
        sub->tail->next = node;
      else
        sub->head = node;
      sub->tail = node;
      sub->count ++;
      events->pending ++;
      pthread_cond_signal(&sub->cond);
    }
    pthread_mutex_unlock(&sub->mutex);
  }
  pthread_mutex_unlock(&events->mutex);

  return (seq);
}


/*
 * 'gwEventsFlush()' - Wait until every event queued so far has been
 *                     delivered (timeout_ms < 0: no limit).  Returns false
 *                     on timeout.  Emitting goes on meanwhile, so under a
 *                     steady stream this waits for a quiet moment.
 */

bool
gwEventsFlush(gw_events_t *events, int timeout_ms)
{
  struct timespec deadline;
  bool            ok = true;

  if (!events)
    return (false);

  gwClockDeadline(&deadline, CLOCK_REALTIME, timeout_ms);

  pthread_mutex_lock(&events->mutex);
  while (ok && events->pending > 0)
  {
    if (timeout_ms < 0)
      pthread_cond_wait(&events->idle, &events->mutex);
    else if (pthread_cond_timedwait(&events->idle, &events->mutex, &deadline) == ETIMEDOUT)
      ok = false;
  }
  pthread_mutex_unlock(&events->mutex);

  return (ok);
}
