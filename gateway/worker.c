/*
 * worker.c - the core's worker pool (worker-private.h).
 *
 * One mutex guards the queue and the counters; work functions run with it
 * released.  Items are taken in the order they were queued.
 *
 * Memory: a burst can queue thousands of items (a conversion queue of
 * 10,000 submissions holds ~3.3 KB each), allocated by the threads that
 * queue them, in between long-lived allocations.  Freed, that memory stays
 * in the allocator's arenas (glibc returns only the top of a heap), so the
 * daemon's RSS kept the burst's peak for good (docs/benchmarks.md,
 * "Memory").  So when a pool that held more than GW_WORKERS_TRIM_AFTER
 * items at once is idle again, the thread that ran its last item returns
 * the free memory to the system (malloc_trim()), once per such burst.
 */

#include "worker-private.h"
#include "printgate/log.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GW_WORKERS_MAX_THREADS 64
#define GW_WORKERS_TRIM_AFTER  256      /* Items queued at once that make an idle pool trim */

typedef struct work_s
{
  struct work_s *next;
  _gw_work_fn_t  fn;
  _gw_work_fn_t  discard;
  void          *arg;
} work_t;

struct _gw_workers_s
{
  gw_log_t        *log;
  char             name[32];
  pthread_mutex_t  mutex;
  pthread_cond_t   cond;               /* Work queued, or stopping */
  pthread_t        threads[GW_WORKERS_MAX_THREADS];
  int              num_threads;
  int              spare;              /* Threads that do not count as capacity (_gwWorkersSetSpare()) */
  int              queue_max;
  work_t          *head, *tail;
  int              queued;
  int              running;
  int              peak;               /* Most items queued at once since the last trim */
  unsigned long    trims;              /* malloc_trim() calls (tests) */
  bool             stopping;
};


/*
 * 'worker_thread()' - Take items until stopped and the queue is empty.
 */

static void *
worker_thread(void *arg)
{
  _gw_workers_t *w = (_gw_workers_t *)arg;
  work_t        *item;
  char           tname[16];

  snprintf(tname, sizeof(tname), "pg-%.*s", (int)strcspn(w->name, " "), w->name);
  pthread_setname_np(pthread_self(), tname);   /* pg-conversion, pg-task: seen in top -H and ps -L */

  pthread_mutex_lock(&w->mutex);
  for (;;)
  {
    while (!w->head && !w->stopping)
      pthread_cond_wait(&w->cond, &w->mutex);

    if ((item = w->head) == NULL)
      break;

    if ((w->head = item->next) == NULL)
      w->tail = NULL;
    w->queued --;
    w->running ++;
    pthread_mutex_unlock(&w->mutex);

    (item->fn)(item->arg);
    free(item);

    pthread_mutex_lock(&w->mutex);
    w->running --;
    if (!w->head && !w->running && w->peak > GW_WORKERS_TRIM_AFTER)
    {
      w->peak = 0;                     /* A burst ended: give its memory back */
      w->trims ++;
      pthread_mutex_unlock(&w->mutex);
      malloc_trim(0);
      pthread_mutex_lock(&w->mutex);
    }
  }
  pthread_mutex_unlock(&w->mutex);

  return (NULL);
}


/*
 * '_gwWorkersNew()' - Start a pool of 'threads' threads (1 to 64) with room
 *                     for 'queue_max' waiting items before it reports full.
 */

_gw_workers_t *
_gwWorkersNew(gw_log_t *log, const char *name, int threads, int queue_max)
{
  _gw_workers_t *w;

  if (threads < 1 || threads > GW_WORKERS_MAX_THREADS || queue_max < 0 || (w = calloc(1, sizeof(_gw_workers_t))) == NULL)
    return (NULL);

  w->log       = log;
  w->queue_max = queue_max;
  snprintf(w->name, sizeof(w->name), "%s", name ? name : "workers");
  pthread_mutex_init(&w->mutex, NULL);
  pthread_cond_init(&w->cond, NULL);

  for (; w->num_threads < threads; w->num_threads ++)
  {
    if ((errno = pthread_create(w->threads + w->num_threads, NULL, worker_thread, w)) != 0)
    {
      gwLog(log, GW_LOG_ERROR, "Unable to start a %s thread: %s", w->name, strerror(errno));
      _gwWorkersDelete(&w);
      return (NULL);
    }
  }

  return (w);
}


/*
 * '_gwWorkersDelete()' - Let running items finish, discard the queued
 *                        ones, stop the threads, free the pool.  Accepts
 *                        NULL.
 */

void
_gwWorkersDelete(_gw_workers_t **workers)
{
  _gw_workers_t *w;
  work_t        *head, *next;

  if (!workers || !*workers)
    return;

  w = *workers;
  pthread_mutex_lock(&w->mutex);
  w->stopping = true;
  head = w->head;
  w->head = w->tail = NULL;
  w->queued = 0;
  pthread_cond_broadcast(&w->cond);
  pthread_mutex_unlock(&w->mutex);

  for (; head; head = next)
  {
    next = head->next;
    if (head->discard)
      (head->discard)(head->arg);
    free(head);
  }

  for (int i = 0; i < w->num_threads; i ++)
    pthread_join(w->threads[i], NULL);

  pthread_cond_destroy(&w->cond);
  pthread_mutex_destroy(&w->mutex);
  free(w);
  *workers = NULL;
}


/*
 * '_gwWorkersFull()' - Is every thread busy and the queue at its limit (or
 *                      the pool stopping)?  New work should then be
 *                      refused with "busy, try again".
 */

bool
_gwWorkersFull(_gw_workers_t *w)
{
  bool full;

  if (!w)
    return (true);

  pthread_mutex_lock(&w->mutex);
  full = w->stopping || w->running + w->queued >= w->num_threads - w->spare + w->queue_max;
  pthread_mutex_unlock(&w->mutex);

  return (full);
}


/*
 * '_gwWorkersSetSpare()' - Say that 'spare' of the threads are extra: they
 *                          let items overlap (one waits for a conversion
 *                          slot or commits while another converts) but add
 *                          no capacity, so the pool is full once running
 *                          and queued items reach (threads - spare) +
 *                          queue_max, as it was with (threads - spare)
 *                          threads.
 */

void
_gwWorkersSetSpare(_gw_workers_t *w, int spare)
{
  if (!w)
    return;

  pthread_mutex_lock(&w->mutex);
  w->spare = spare < 0 ? 0 : spare >= w->num_threads ? w->num_threads - 1 : spare;
  pthread_mutex_unlock(&w->mutex);
}


/*
 * '_gwWorkersQueue()' - Queue an item: fn runs it, discard (may be NULL)
 *                       frees it unrun at shutdown.  Fails only when the
 *                       pool is stopping or memory runs out (the caller
 *                       still owns arg then).
 */

bool
_gwWorkersQueue(_gw_workers_t *w, _gw_work_fn_t fn, _gw_work_fn_t discard, void *arg)
{
  work_t *item;

  if (!w || !fn || (item = calloc(1, sizeof(work_t))) == NULL)
    return (false);

  item->fn      = fn;
  item->discard = discard;
  item->arg     = arg;

  pthread_mutex_lock(&w->mutex);
  if (w->stopping)
  {
    pthread_mutex_unlock(&w->mutex);
    free(item);
    return (false);
  }
  if (w->tail)
    w->tail->next = item;
  else
    w->head = item;
  w->tail = item;
  if (++ w->queued > w->peak)
    w->peak = w->queued;
  pthread_cond_signal(&w->cond);
  pthread_mutex_unlock(&w->mutex);

  return (true);
}


/*
 * '_gwWorkersTrims()' - How many times the pool gave memory back (tests).
 */

unsigned long
_gwWorkersTrims(_gw_workers_t *w)
{
  unsigned long trims = 0;

  if (w)
  {
    pthread_mutex_lock(&w->mutex);
    trims = w->trims;
    pthread_mutex_unlock(&w->mutex);
  }
  return (trims);
}


/*
 * '_gwWorkersCounts()' - Items running and waiting now (for /health and
 *                        tests).
 */

void
_gwWorkersCounts(_gw_workers_t *w, int *running_r, int *queued_r)
{
  int running = 0, queued = 0;

  if (w)
  {
    pthread_mutex_lock(&w->mutex);
    running = w->running;
    queued  = w->queued;
    pthread_mutex_unlock(&w->mutex);
  }
  if (running_r)
    *running_r = running;
  if (queued_r)
    *queued_r = queued;
}
