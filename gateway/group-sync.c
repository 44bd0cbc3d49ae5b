/*
 * group-sync.c - group commit of an fsync, for the store's WAL
 * (store-sqlite-sync.c) and the spool's jobs/ folder (spool.c).
 *
 * A thread that wrote something calls _gwGroupSyncWait() once its write is
 * done and returns once an fsync that started after the write has
 * finished.  One fsync (by whichever waiting thread finds none running,
 * the leader) covers every write before it, so concurrent writers share
 * it.  Sequence numbers: seq counts writes, synced the highest seq an
 * fsync covered; a leader takes target = seq, runs the fsync, then sets
 * synced = target; a write numbered after the leader took its target
 * waits for the next fsync.
 *
 * Announced writes: a caller that knows a write is coming (the spool's
 * commit pool, as it queues a file whose fsync and rename are still to
 * run) calls _gwGroupSyncEnter() first and _gwGroupSyncWaitEntered()
 * once the write is done (or _gwGroupSyncLeave() when it will not be).
 * A leader that finds announced writes not yet done waits for them, at
 * most _GW_GROUP_SYNC_GATHER_MS, before it takes its target, so one fsync
 * covers them too.  Without it, concurrent commits whose file fsyncs end
 * a fraction of a millisecond apart each paid a folder fsync of their
 * own: 0.6 fsyncs of jobs/ per job at 8 clients (docs/benchmarks.md).
 * Nothing returns earlier than before: a waiter still returns only once
 * an fsync that started after its write has finished.
 */

#include "group-sync-private.h"

#include <errno.h>
#include <time.h>


/*
 * '_gwGroupSyncInit()', '_gwGroupSyncDestroy()' - Set up and tear down.
 */

void
_gwGroupSyncInit(_gw_group_sync_t *g)
{
  pthread_condattr_t attr;

  pthread_mutex_init(&g->lock, NULL);
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&g->cond, &attr);
  pthread_condattr_destroy(&attr);
  g->seq = g->synced = 0;
  g->syncing = false;
  g->pending = 0;
  g->gather_ms = _GW_GROUP_SYNC_GATHER_MS;
  g->syncs   = 0;
}

void
_gwGroupSyncDestroy(_gw_group_sync_t *g)
{
  pthread_cond_destroy(&g->cond);
  pthread_mutex_destroy(&g->lock);
}


/*
 * 'gather()' - The leader (lock held, syncing set): wait until no
 *              announced write is pending, at most g->gather_ms.
 */

static void
gather(_gw_group_sync_t *g)
{
  struct timespec deadline;

  if (g->pending == 0)
    return;

  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec  += g->gather_ms / 1000;
  deadline.tv_nsec += (g->gather_ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L)
  {
    deadline.tv_sec ++;
    deadline.tv_nsec -= 1000000000L;
  }

  while (g->pending > 0)
    if (pthread_cond_timedwait(&g->cond, &g->lock, &deadline) == ETIMEDOUT)
      break;
}


/*
 * '_gwGroupSyncDone()' - Number a write that is done (entered: it was
 *                        announced) and return its ticket for
 *                        _gwGroupSyncWaitFor(), which another thread may
 *                        call: the spool numbers a rename on its commit
 *                        thread and syncs jobs/ on another.
 */

uint64_t
_gwGroupSyncDone(_gw_group_sync_t *g, bool entered)
{
  uint64_t seq;

  pthread_mutex_lock(&g->lock);
  seq = ++ g->seq;
  if (entered && g->pending > 0)
  {
    g->pending --;
    pthread_cond_broadcast(&g->cond);   /* A gathering leader may go */
  }
  pthread_mutex_unlock(&g->lock);

  return (seq);
}


/*
 * '_gwGroupSyncWaitFor()' - Return once a sync_cb(data) that started
 *                           after write 'ticket' was numbered has
 *                           finished (running it when no other thread
 *                           is).  False when the fsync failed.
 */

bool
_gwGroupSyncWaitFor(_gw_group_sync_t *g, uint64_t ticket, bool (*sync_cb)(void *data), void *data)
{
  uint64_t target;
  bool     ok = true;

  pthread_mutex_lock(&g->lock);
  while (ok && g->synced < ticket)
  {
    if (g->syncing)
    {
      pthread_cond_wait(&g->cond, &g->lock);
      continue;
    }
    g->syncing = true;
    gather(g);
    target     = g->seq;
    pthread_mutex_unlock(&g->lock);
    ok = (*sync_cb)(data);
    pthread_mutex_lock(&g->lock);
    g->syncing = false;
    g->syncs ++;
    if (ok && target > g->synced)
      g->synced = target;
    pthread_cond_broadcast(&g->cond);
  }
  pthread_mutex_unlock(&g->lock);

  return (ok);
}


/*
 * 'group_wait()' - Number a write that is done, then return once a
 *                  sync_cb(data) that started after it has finished
 *                  (running it when no other thread is).
 */

static bool
group_wait(_gw_group_sync_t *g, bool entered, bool (*sync_cb)(void *data), void *data)
{
  return (_gwGroupSyncWaitFor(g, _gwGroupSyncDone(g, entered), sync_cb, data));
}


/*
 * '_gwGroupSyncWait()' - A write is done: number it, then return once a
 *                        sync_cb(data) that started after it has finished
 *                        (running it when no other thread is).  False
 *                        when the fsync failed (sync_cb logs).
 */

bool
_gwGroupSyncWait(_gw_group_sync_t *g, bool (*sync_cb)(void *data), void *data)
{
  return (group_wait(g, false, sync_cb, data));
}


/*
 * '_gwGroupSyncEnter()' - Announce a write to come: a leader waits a
 *                         little for it.  Then _gwGroupSyncWaitEntered()
 *                         or _gwGroupSyncLeave(), exactly once.
 */

void
_gwGroupSyncEnter(_gw_group_sync_t *g)
{
  pthread_mutex_lock(&g->lock);
  g->pending ++;
  pthread_mutex_unlock(&g->lock);
}


/*
 * '_gwGroupSyncLeave()' - An announced write will not be made.
 */

void
_gwGroupSyncLeave(_gw_group_sync_t *g)
{
  pthread_mutex_lock(&g->lock);
  if (g->pending > 0)
    g->pending --;
  pthread_cond_broadcast(&g->cond);
  pthread_mutex_unlock(&g->lock);
}


/*
 * '_gwGroupSyncWaitEntered()' - _gwGroupSyncWait() for an announced write.
 */

bool
_gwGroupSyncWaitEntered(_gw_group_sync_t *g, bool (*sync_cb)(void *data), void *data)
{
  return (group_wait(g, true, sync_cb, data));
}


/*
 * '_gwGroupSyncCount()' - How many fsyncs have run.
 */

unsigned long
_gwGroupSyncCount(_gw_group_sync_t *g)
{
  unsigned long n;

  pthread_mutex_lock(&g->lock);
  n = g->syncs;
  pthread_mutex_unlock(&g->lock);

  return (n);
}
