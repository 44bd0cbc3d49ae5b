/*
 * test-group-sync.c - the group commit of an fsync (gateway/group-sync.c),
 * with a fake fsync that takes SYNC_MS and records what it covered:
 *
 *   1. announced writes (_gwGroupSyncEnter()) arriving 20 ms apart share
 *      ONE fsync (the leader gathers them), and every waiter returns only
 *      after an fsync that started after its write has finished (the
 *      write's number is covered, and it returns after that fsync ended);
 *   2. positive control: the same writes not announced pay more than one
 *      fsync, with the same guarantee;
 *   3. an announced write that will not come (_gwGroupSyncLeave()) lets
 *      the gathering leader go at once, not after the gather bound;
 *   4. an announced write that never arrives holds the leader back at most
 *      the gather bound, and the leader is still covered.
 */

#include "test.h"
#include "group-sync-private.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#define WRITERS 6
#define SYNC_MS 50

static pthread_mutex_t    rec_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned           writes_done;   /* Writes numbered by the test, in order */
static unsigned           nsyncs;        /* Ended fsyncs: */
static unsigned           sync_snap[256];/* ... the writes done when each started */
static double             sync_end[256]; /* ... and when each ended */
static _gw_group_sync_t   g;


/*
 * 'now_ms()' - Monotonic milliseconds.
 */

static double
now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6);
}


/*
 * 'fake_sync()' - The fsync: note the writes done when it starts, take
 *                 SYNC_MS, then mark them covered.
 */

static bool
fake_sync(void *data)
{
  unsigned snap;

  (void)data;
  pthread_mutex_lock(&rec_lock);
  snap = writes_done;
  pthread_mutex_unlock(&rec_lock);

  usleep(SYNC_MS * 1000);

  pthread_mutex_lock(&rec_lock);
  if (nsyncs < 256)
  {
    sync_snap[nsyncs] = snap;
    sync_end[nsyncs]  = now_ms();
    nsyncs ++;
  }
  pthread_mutex_unlock(&rec_lock);

  return (true);
}


typedef struct writer_s
{
  int      delay_ms;                    /* Before the write */
  bool     entered;                     /* Announced (by main, before the threads start) */
  unsigned mine;                        /* The write's number */
  bool     ok;                          /* Covered and returned after the fsync ended */
} writer_t;


/*
 * 'writer_run()' - One writer: wait, write (take a number), wait for the fsync.
 */

static void *
writer_run(void *arg)
{
  writer_t *w = (writer_t *)arg;
  bool      ok;
  double    t;

  usleep((useconds_t)w->delay_ms * 1000);
  pthread_mutex_lock(&rec_lock);
  w->mine = ++ writes_done;
  pthread_mutex_unlock(&rec_lock);

  ok = w->entered ? _gwGroupSyncWaitEntered(&g, fake_sync, NULL) : _gwGroupSyncWait(&g, fake_sync, NULL);
  t  = now_ms();

  /* Covered: an fsync that started after this write (its snapshot counts it) ended before this returned. */
  pthread_mutex_lock(&rec_lock);
  w->ok = false;
  for (unsigned i = 0; ok && i < nsyncs; i ++)
    if (sync_snap[i] >= w->mine && sync_end[i] <= t)
      w->ok = true;
  pthread_mutex_unlock(&rec_lock);

  return (NULL);
}


/*
 * 'run_writers()' - WRITERS writers 20 ms apart; returns the fsyncs they
 *                   ran, *good_r the writers that were covered.
 */

static unsigned long
run_writers(bool entered, int *good_r)
{
  writer_t      w[WRITERS];
  pthread_t     t[WRITERS];
  unsigned long s0 = _gwGroupSyncCount(&g);

  *good_r = 0;
  for (int i = 0; i < WRITERS; i ++)
  {
    w[i].delay_ms = 20 * i;
    w[i].entered  = entered;
    w[i].ok       = false;
    if (entered)
      _gwGroupSyncEnter(&g);
  }
  for (int i = 0; i < WRITERS; i ++)
    TEST_CHECK(pthread_create(t + i, NULL, writer_run, w + i) == 0);
  for (int i = 0; i < WRITERS; i ++)
  {
    pthread_join(t[i], NULL);
    if (w[i].ok)
      (*good_r) ++;
  }

  return (_gwGroupSyncCount(&g) - s0);
}


/*
 * 'main()' - Run the tests.
 */

int
main(void)
{
  int           good;
  unsigned long n;
  writer_t      lone;
  pthread_t     t;
  double        t0, t1;

  _gwGroupSyncInit(&g);
  g.gather_ms = 2000;                   /* Far above the writers' spread: the test does not depend on timing */

  TEST_BEGIN("announced writes 20 ms apart share one fsync; each returns only after an fsync that started after its write");
  n = run_writers(true, &good);
  printf("  (%d announced writes: %lu fsyncs)\n", WRITERS, n);
  TEST_CHECKF(n == 1, "%d announced writes ran %lu fsyncs", WRITERS, n);
  TEST_CHECKF(good == WRITERS, "%d of %d covered by an fsync that started after their write, and returned after it", good, WRITERS);

  TEST_BEGIN("positive control: the same writes not announced pay more than one fsync, with the same guarantee");
  n = run_writers(false, &good);
  printf("  (%d writes, not announced: %lu fsyncs)\n", WRITERS, n);
  TEST_CHECKF(n > 1, "%d writes not announced ran %lu fsyncs", WRITERS, n);
  TEST_CHECKF(good == WRITERS, "%d of %d covered", good, WRITERS);

  TEST_BEGIN("an announced write that leaves lets the gathering leader go at once");
  _gwGroupSyncEnter(&g);                /* The lone writer's */
  _gwGroupSyncEnter(&g);                /* One that will leave */
  lone.delay_ms = 0;
  lone.entered  = true;
  lone.ok       = false;
  t0 = now_ms();
  TEST_CHECK(pthread_create(&t, NULL, writer_run, &lone) == 0);
  usleep(100 * 1000);
  _gwGroupSyncLeave(&g);
  pthread_join(t, NULL);
  t1 = now_ms();
  TEST_CHECKF(lone.ok && t1 - t0 < 1000, "ok=%d after %.0f ms (gather bound 2000 ms)", lone.ok, t1 - t0);

  TEST_BEGIN("an announced write that never comes holds the leader at most the gather bound");
  g.gather_ms = 200;
  _gwGroupSyncEnter(&g);                /* The lone writer's */
  _gwGroupSyncEnter(&g);                /* Never comes */
  lone.ok = false;
  t0 = now_ms();
  TEST_CHECK(pthread_create(&t, NULL, writer_run, &lone) == 0);
  pthread_join(t, NULL);
  t1 = now_ms();
  TEST_CHECKF(lone.ok && t1 - t0 >= 200 && t1 - t0 < 1500, "ok=%d after %.0f ms (bound 200 ms + a %d ms fsync)", lone.ok, t1 - t0, SYNC_MS);
  _gwGroupSyncLeave(&g);

  _gwGroupSyncDestroy(&g);
  TEST_EXIT();
}
