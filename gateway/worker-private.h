/*
 * worker-private.h - the core's worker pool: a fixed number of threads
 * taking work items from one bounded queue, so slow work (conversion) never
 * runs on a listener, poller or control-socket thread.
 *
 * _gwWorkersFull() is what a front-end asks before it accepts new work
 * (Begin of a submission: "busy, try again"); _gwWorkersQueue() itself never
 * refuses an item for being over the limit, because by then the document is
 * already stored and must not be lost (the overshoot is bounded by the
 * number of uploads in flight, which the listener and socket limits bound).
 *
 * Threading: every function may be called from any thread; a work function
 * runs on a pool thread with no core lock held.  _gwWorkersDelete() lets the
 * running items finish and hands each queued one to its discard function
 * instead of running it (a stop must not wait for a long queue; the queued
 * work must be durable enough to be picked up again at the next start, as
 * a converting job is by crash recovery).
 */

#ifndef PRINTGATE_WORKER_PRIVATE_H
#define PRINTGATE_WORKER_PRIVATE_H

#include "printgate/base.h"

typedef struct _gw_workers_s _gw_workers_t;
typedef void (*_gw_work_fn_t)(void *arg);          /* Runs the item and frees arg */

extern _gw_workers_t *_gwWorkersNew(gw_log_t *log, const char *name, int threads, int queue_max);
extern void           _gwWorkersDelete(_gw_workers_t **workers);
extern bool           _gwWorkersFull(_gw_workers_t *workers);
extern void           _gwWorkersSetSpare(_gw_workers_t *workers, int spare);   /* Threads that add no capacity */
extern bool           _gwWorkersQueue(_gw_workers_t *workers, _gw_work_fn_t fn, _gw_work_fn_t discard, void *arg);
extern void           _gwWorkersCounts(_gw_workers_t *workers, int *running_r, int *queued_r);
extern unsigned long  _gwWorkersTrims(_gw_workers_t *workers);  /* malloc_trim() calls after bursts (tests) */

#endif /* !PRINTGATE_WORKER_PRIVATE_H */
