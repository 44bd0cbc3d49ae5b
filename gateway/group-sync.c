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
 */

#include "group-sync-private.h"


/*
 * '_gwGroupSyncInit()', '_gwGroupSyncDestroy()' - Set up and tear down.
 */

void
_gwGroupSyncInit(_gw_group_sync_t *g)
{
  pthread_mutex_init(&g->lock, NULL);
  pthread_cond_init(&g->cond, NULL);
  g->seq = g->synced = 0;
  g->syncing = false;
  g->syncs   = 0;
}

void
_gwGroupSyncDestroy(_gw_group_sync_t *g)
{
  pthread_cond_destroy(&g->cond);
  pthread_mutex_destroy(&g->lock);
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
  uint64_t seq, target;
  bool     ok = true;

  pthread_mutex_lock(&g->lock);
  seq = ++ g->seq;
  while (ok && g->synced < seq)
  {
    if (g->syncing)
    {
      pthread_cond_wait(&g->cond, &g->lock);
      continue;
    }

    g->syncing = true;
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
