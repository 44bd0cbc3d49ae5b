/*
 * event.h - job events: what happened to a job, delivered to the front-ends.
 *
 * After a job transition is committed (and with no core lock held), the core
 * emits one event.  Each subscriber has its own bounded queue and its own
 * delivery thread, so a slow subscriber (an SMTP reply) delays nobody else:
 * neither the emitter (a release, a conversion worker) nor the other
 * subscribers.  Events of one emitting thread reach each subscriber in the
 * order they were emitted.
 *
 * A subscriber whose queue is full loses the newest events instead of
 * stalling the emitter; the next event it receives carries the number lost
 * (`lost`), so it can read the current state from the core again.
 *
 * Threading: gwEventsEmit() may be called from any thread; callbacks run on
 * the subscriber's own thread, one at a time, and must not call
 * gwEventsUnsubscribe() for their own subscription.
 */

#ifndef PRINTGATE_EVENT_H
#define PRINTGATE_EVENT_H

#include "base.h"
#include "job.h"

typedef struct _gw_events_s gw_events_t;  /* Event bus (owned by the system) */

typedef struct gw_job_event_s
{
  uint64_t        seq;                    /* Gateway-wide emission number, from 1 */
  int64_t         tenant;
  char            job_id[GW_UUID_LEN + 1];
  char            origin[16];             /* Front-end that made the job: "cli", "ipp", "mail", "web" */
  char            origin_ref[128];        /* That front-end's own reference (a mail message id, ...) */
  gw_job_state_t  old_state;
  gw_job_state_t  new_state;
  gw_reason_t     reason;
  char            text[512];              /* The sentence for people */
  char            printer[64];            /* Printer concerned, or "" */
  int64_t         time;                   /* Unix time of the transition */
  uint64_t        lost;                   /* Events this subscriber lost before this one (queue full) */
} gw_job_event_t;

/* A subscriber's callback: runs on the subscriber's own thread. */
typedef void (*gw_event_cb_t)(const gw_job_event_t *event, void *data);

#define GW_EVENTS_QUEUE_DEFAULT 4096      /* Events a subscriber may fall behind */

extern gw_events_t *gwEventsNew(gw_log_t *log, size_t queue_max);
extern void         gwEventsDelete(gw_events_t **events);   /* Delivers what is queued, then stops */
extern int          gwEventsSubscribe(gw_events_t *events, const char *origin, gw_event_cb_t cb, void *data); /* origin NULL = all; returns id > 0, or 0 */
extern void         gwEventsUnsubscribe(gw_events_t *events, int id); /* Delivers what is queued to it first */
extern uint64_t     gwEventsEmit(gw_events_t *events, const gw_job_event_t *event); /* Returns its seq, 0 on error */
extern bool         gwEventsFlush(gw_events_t *events, int timeout_ms); /* Wait until every queue is delivered */

#endif /* !PRINTGATE_EVENT_H */
