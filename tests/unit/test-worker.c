/*
 * test-worker.c - the core's worker pool: items run in order, a pool with
 * every thread busy and a full queue says so (and still takes what is
 * queued anyway), spare threads add no capacity, a stop lets running items finish and discards queued ones
 * (each item either run or discarded, exactly once), parallel producers,
 * the memory of a large burst given back once the pool is idle.
 */

#include "worker-private.h"
#include "printgate/log.h"
#include "test.h"

#include <pthread.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  cond = PTHREAD_COND_INITIALIZER;
static bool            gate_closed;
static int             ran[10000], discarded[10000], order[10000], num_order, started;

typedef struct item_s { int n; bool gated; } item_t;

static void
run_item(void *arg)
{
  item_t *it = (item_t *)arg;

  pthread_mutex_lock(&lock);
  started ++;
  pthread_cond_broadcast(&cond);
  while (it->gated && gate_closed)
    pthread_cond_wait(&cond, &lock);
  ran[it->n] ++;
  order[num_order ++] = it->n;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&lock);
  free(it);
}

static void
discard_item(void *arg)
{
  item_t *it = (item_t *)arg;

  pthread_mutex_lock(&lock);
  discarded[it->n] ++;
  pthread_mutex_unlock(&lock);
  free(it);
}

static bool
queue(_gw_workers_t *w, int n, bool gated)
{
  item_t *it = calloc(1, sizeof(item_t));
  bool    ok;

  it->n     = n;
  it->gated = gated;
  if (!(ok = _gwWorkersQueue(w, run_item, discard_item, it)))
    free(it);
  return (ok);
}

static void
reset(void)
{
  memset(ran, 0, sizeof(ran));
  memset(discarded, 0, sizeof(discarded));
  num_order = started = 0;
}

static void
wait_for(const int *count, int n)
{
  pthread_mutex_lock(&lock);
  while (*count < n)
    pthread_cond_wait(&cond, &lock);
  pthread_mutex_unlock(&lock);
}

static void
set_gate(bool closed)
{
  pthread_mutex_lock(&lock);
  gate_closed = closed;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&lock);
}

static void *
producer(void *arg)
{
  _gw_workers_t *w = (_gw_workers_t *)arg;
  static int     next;
  int            n;

  for (int i = 0; i < 1000; i ++)
  {
    pthread_mutex_lock(&lock);
    n = next ++;
    pthread_mutex_unlock(&lock);
    queue(w, n, false);
  }
  return (NULL);
}

static void *
stop_thread(void *arg)
{
  _gwWorkersDelete((_gw_workers_t **)arg);
  return (NULL);
}

int
main(void)
{
  gw_log_t      *log = gwLogNew(NULL, GW_LOG_WARN);
  _gw_workers_t *w;
  int            running, queued;
  bool           ok;

  TEST_BEGIN("bad arguments");
  TEST_CHECK(_gwWorkersNew(log, "t", 0, 1) == NULL);
  TEST_CHECK(_gwWorkersNew(log, "t", 65, 1) == NULL);
  TEST_CHECK(_gwWorkersFull(NULL));
  TEST_CHECK(!_gwWorkersQueue(NULL, run_item, NULL, NULL));

  TEST_BEGIN("one thread runs items in the order they were queued");
  reset();
  w = _gwWorkersNew(log, "t", 1, 100);
  for (int i = 0; i < 100; i ++)
    queue(w, i, false);
  wait_for(&num_order, 100);
  ok = true;
  for (int i = 0; i < 100; i ++)
    ok = ok && order[i] == i && ran[i] == 1;
  TEST_CHECKF(ok, "FIFO, each once");
  _gwWorkersDelete(&w);
  TEST_CHECK(w == NULL);

  TEST_BEGIN("busy only when every thread runs and the queue is full");
  reset();
  set_gate(true);
  w = _gwWorkersNew(log, "t", 2, 3);
  TEST_CHECK(!_gwWorkersFull(w));
  queue(w, 0, true);
  queue(w, 1, true);
  wait_for(&started, 2);
  _gwWorkersCounts(w, &running, &queued);
  TEST_CHECK(running == 2 && queued == 0);
  TEST_CHECK(!_gwWorkersFull(w));
  queue(w, 2, true);
  queue(w, 3, true);
  TEST_CHECK(!_gwWorkersFull(w));
  queue(w, 4, true);
  TEST_CHECK(_gwWorkersFull(w));
  TEST_CHECK(queue(w, 5, true));                /* Still taken: already-stored work is never dropped */
  _gwWorkersCounts(w, &running, &queued);
  TEST_CHECK(running == 2 && queued == 4);
  set_gate(false);
  wait_for(&num_order, 6);
  TEST_CHECK(!_gwWorkersFull(w));
  _gwWorkersDelete(&w);

  TEST_BEGIN("spare threads overlap items but add no capacity: 4 threads, 2 spare, queue 3 is full at 5 items");
  reset();
  set_gate(true);
  w = _gwWorkersNew(log, "t", 4, 3);
  _gwWorkersSetSpare(w, 2);
  for (int i = 0; i < 4; i ++)
  {
    queue(w, i, true);
    TEST_CHECKF(!_gwWorkersFull(w), "full after %d item(s)", i + 1);
  }
  wait_for(&started, 4);                        /* All four threads run one */
  _gwWorkersCounts(w, &running, &queued);
  TEST_CHECK(running == 4 && queued == 0);
  queue(w, 4, true);
  TEST_CHECK(_gwWorkersFull(w));               /* 2 + 3, as a pool of 2 threads and a queue of 3 */
  _gwWorkersSetSpare(w, 0);
  TEST_CHECK(!_gwWorkersFull(w));              /* Positive control: without spares 4 + 3 fit */
  _gwWorkersSetSpare(w, 9);                    /* Bounded: at least one thread counts */
  TEST_CHECK(_gwWorkersFull(w));
  set_gate(false);
  wait_for(&num_order, 5);
  _gwWorkersSetSpare(w, 2);
  TEST_CHECK(!_gwWorkersFull(w));
  _gwWorkersDelete(&w);

  TEST_BEGIN("a stop lets running items finish and discards queued ones, each exactly once");
  reset();
  set_gate(true);
  w = _gwWorkersNew(log, "t", 2, 10);
  for (int i = 0; i < 10; i ++)
    queue(w, i, true);
  wait_for(&started, 2);
  {
    _gw_workers_t *stopping = w, *pool = w;
    pthread_t      th;

    w = NULL;
    pthread_create(&th, NULL, stop_thread, &stopping);
    do                                          /* Until the stop has emptied the queue; */
    {                                           /* the pool lives until the gate opens */
      usleep(1000);
      _gwWorkersCounts(pool, &running, &queued);
    }
    while (queued > 0);
    set_gate(false);
    pthread_join(th, NULL);
    TEST_CHECK(stopping == NULL);
  }
  ok = true;
  for (int i = 0; i < 10; i ++)
    ok = ok && ran[i] + discarded[i] == 1;
  TEST_CHECKF(ok, "every item run or discarded, once");
  TEST_CHECKF(num_order == 2, "the two running items finished (%d ran)", num_order);
  TEST_CHECK(!queue(NULL, 99, false));

  TEST_BEGIN("four producers, four threads: every item runs once");
  reset();
  w = _gwWorkersNew(log, "t", 4, 10);
  {
    pthread_t th[4];
    for (int t = 0; t < 4; t ++)
      pthread_create(th + t, NULL, producer, w);
    for (int t = 0; t < 4; t ++)
      pthread_join(th[t], NULL);
  }
  wait_for(&num_order, 4000);
  ok = true;
  for (int i = 0; i < 4000; i ++)
    ok = ok && ran[i] == 1;
  TEST_CHECKF(ok, "4000 items, each once");
  _gwWorkersDelete(&w);
  _gwWorkersDelete(&w);

  TEST_BEGIN("a burst of 300 queued items gives its memory back once idle (one trim); 10 at once do not");
  reset();
  w = _gwWorkersNew(log, "t", 1, 10000);
  set_gate(true);
  queue(w, 0, true);
  wait_for(&started, 1);
  for (int i = 1; i <= 300; i ++)
    queue(w, i, false);
  TEST_CHECK(_gwWorkersTrims(w) == 0);
  set_gate(false);
  wait_for(&num_order, 301);
  for (int i = 0; i < 200 && _gwWorkersTrims(w) == 0; i ++)
    usleep(10000);
  TEST_CHECKF(_gwWorkersTrims(w) == 1, "%lu trims", _gwWorkersTrims(w));
  reset();
  set_gate(true);
  queue(w, 0, true);
  wait_for(&started, 1);
  for (int i = 1; i <= 10; i ++)
    queue(w, i, false);
  set_gate(false);
  wait_for(&num_order, 11);
  usleep(200000);
  TEST_CHECKF(_gwWorkersTrims(w) == 1, "%lu trims", _gwWorkersTrims(w));
  _gwWorkersDelete(&w);

  gwLogDelete(&log);
  TEST_EXIT();
}
