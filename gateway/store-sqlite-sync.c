/*
 * store-sqlite-sync.c - group commit for the SQLite store: several threads'
 * commits share one fsync of the WAL.
 *
 * The connection runs with synchronous=NORMAL once open (SQLite writes a
 * commit's WAL frames without an fsync; the database stays consistent
 * after a crash), and every backend call that wrote something waits in
 * _gwSqlUnlock(), after releasing the connection's mutex, until an fsync
 * of the -wal file that started after its commit has finished.  The
 * guarantee is the one synchronous=FULL gave: a store call that changed
 * rows returns only once they survive a power cut.  The difference: the
 * fsync runs without the connection's mutex, so other threads commit
 * meanwhile, and one fsync (by whichever waiting thread finds none
 * running, the leader) covers every commit before it.
 *
 * The sequence numbers and the leader are group-sync.c's (shared with the
 * spool's fsync of jobs/).
 *
 * Provisional writes (b->provisional, set under the connection's mutex):
 * the rows of a job that is still receiving (its creation, its original's
 * key and size) do not wait for an fsync.  Nothing may rely on them: after
 * a power cut recovery fails a job left receiving and removes a spool file
 * with no job, whether or not those rows survived.  The job's transition
 * out of receiving waits as every write does, and the WAL fsync it waits
 * for covers every frame written before it, the provisional ones too.
 * This saves two of the three WAL fsyncs of a submission.
 *
 * Batched writes (_gwSqlBatchBegin() ... _gwSqlBatchUnlock()): a call
 * whose write may share a transaction with other calls' (a Print-Job's
 * job row) joins the open batch, a write transaction left open on the
 * connection, or opens one, and makes its changes inside a SAVEPOINT of
 * its own (a failure undoes only them).  Nobody commits the batch at the
 * end of the call: the next WAL fsync's leader commits it just before its
 * fsync (sync_wal()), and any other write or transaction of the connection
 * commits it first (_gwSqlBegin(), _gwSqlUnlock()).  Its members wait, as
 * every write does, for an fsync that started after their call; that
 * fsync's leader committed their batch first, so it covers them.  While
 * one fsync runs the commits that arrive all join one batch, and their
 * rows share the WAL pages they touch (a job row, its seven indexes, its
 * audit row and its indexes, the counters: ~21 pages written once per
 * batch instead of once per call).  A batch whose commit fails fails all
 * its members: their number is kept in a small ring (batch_failed) each
 * member reads once its fsync is done.  Reads that run while a batch is
 * open run inside its transaction and see its rows (all of them will be
 * committed before any call that wrote them returns, or will fail it).
 */

#include "store-sqlite-private.h"
#include "printgate/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void (*_gwSqlSyncHook)(void) = NULL;  /* Tests: called by a leader before its fsync */


/*
 * '_gwSqlSyncInit()' - Set up the group commit once the database is open
 *                      and migrated: switch to synchronous=NORMAL and
 *                      remember the -wal path.  False on error.
 */

bool
_gwSqlSyncInit(_gw_sql_t *b, const char *path)
{
  size_t len = strlen(path) + 5;

  if ((b->wal_path = malloc(len)) == NULL)
    return (false);
  snprintf(b->wal_path, len, "%s-wal", path);

  /* Tests only: a slow disk (integration/ipp-commit). */
  if (getenv("PRINTGATE_TEST_STORE_SYNC_DELAY_MS"))
    b->sync_delay_ms = (int)strtol(getenv("PRINTGATE_TEST_STORE_SYNC_DELAY_MS"), NULL, 10);

  if (sqlite3_exec(b->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK)
  {
    _gwSqlLogError(b, "PRAGMA synchronous=NORMAL");
    return (false);
  }

  return (true);
}


/*
 * 'sync_wal()' - Commit the open batch, if any, then fsync the -wal file
 *                (any descriptor of the inode will do).  No -wal file
 *                means every commit was checkpointed into the database
 *                file, which the checkpoint synced.
 */

static bool
sync_wal(void *data)
{
  _gw_sql_t *b = (_gw_sql_t *)data;
  int  fd;
  bool ok;

  /*
   * A member numbered its write after it joined the batch, and our target
   * was taken after that (group-sync.c), so the batch it joined is either
   * committed already or open now: batch_hint, set under the mutex before
   * the member released it, is seen here.
   */
  if (__atomic_load_n(&b->batch_hint, __ATOMIC_ACQUIRE))
  {
    pthread_mutex_lock(&b->lock);
    _gwSqlBatchFlush(b);
    pthread_mutex_unlock(&b->lock);
  }

  if (_gwSqlSyncHook)
    (*_gwSqlSyncHook)();
  if (b->sync_delay_ms > 0)
    usleep((useconds_t)b->sync_delay_ms * 1000);

  if ((fd = open(b->wal_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
    return (errno == ENOENT);

  ok = !fsync(fd);
  if (!ok)
    gwLog(b->log, GW_LOG_ERROR, "Store: unable to sync \"%s\": %s", b->wal_path, strerror(errno));
  close(fd);

  return (ok);
}


/*
 * '_gwSqlSyncWait()' - A write was committed (connection mutex released):
 *                      return once an fsync of the WAL that started after
 *                      it has finished (group-sync.c).  False when the
 *                      fsync failed (logged).
 */

bool
_gwSqlSyncWait(_gw_sql_t *b)
{
  if (!b->wal_path)
    return (true);                      /* Still opening: synchronous=FULL */

  return (_gwGroupSyncWait(&b->wal_sync, sync_wal, b));
}


/*
 * '_gwSqlSyncCount()' - How many WAL fsyncs the group commit has run.
 */

unsigned long
_gwSqlSyncCount(_gw_sql_t *b)
{
  return (_gwGroupSyncCount(&b->wal_sync));
}


/*
 * 'batch_open_set()' - Mark the batch open or not (lock held).
 */

static void
batch_open_set(_gw_sql_t *b, bool open)
{
  b->batch_open = open;
  __atomic_store_n(&b->batch_hint, open, __ATOMIC_RELEASE);
}


/*
 * 'batch_failed()' - Did batch 'batch' fail to commit?  (Any thread: the
 *                    ring is read and written with atomics.)
 */

static bool
batch_failed(_gw_sql_t *b, uint64_t batch)
{
  for (int i = 0; i < _GW_SQL_BATCH_FAILED; i ++)
    if (__atomic_load_n(&b->batch_failed[i], __ATOMIC_ACQUIRE) == batch)
      return (true);

  return (false);
}


/*
 * '_gwSqlBatchFlush()' - Commit the open batch, if any (lock held), and
 *                        check nothing stayed buffered.  False
 *                        when its commit failed (logged; its members are
 *                        told when they return) or SQLite had already
 *                        rolled it back after an error.
 */

bool
_gwSqlBatchFlush(_gw_sql_t *b)
{
  bool ok;

  if (!b->batch_open)
    return (true);

  ok = !sqlite3_get_autocommit(b->db) && _gwSqlCommit(b);
  batch_open_set(b, false);
  _gwSqlSettle(b);                      /* The commit wrote its frames: nothing may stay buffered */

  if (ok)
    b->batch_commits ++;
  else
  {
    unsigned slot = b->batch_failed_next ++ % _GW_SQL_BATCH_FAILED;

    __atomic_store_n(&b->batch_failed[slot], b->batch_id, __ATOMIC_RELEASE);
    gwLog(b->log, GW_LOG_ERROR, "Store: a batch of writes could not be committed: %s", sqlite3_errmsg(b->db));
  }

  return (ok);
}


/*
 * '_gwSqlBatchBegin()' - Start a batched write (lock held): join the open
 *                        batch, with a SAVEPOINT for this call's changes,
 *                        or open one (the batch holds only this call's
 *                        changes so far: no SAVEPOINT needed, and none
 *                        paid for at one client).  Before the group commit
 *                        is on (the store still opening), a plain
 *                        transaction.
 */

bool
_gwSqlBatchBegin(_gw_sql_t *b)
{
  if (!b->wal_path)
    return (_gwSqlBegin(b));

  if (b->batch_open && sqlite3_get_autocommit(b->db))
    _gwSqlBatchFlush(b);                /* SQLite rolled it back: its members fail */

  if (b->batch_open)
  {
    b->batch_opener = false;
    return (_gwSqlSimple(b, _GW_SQL_BATCH_SAVEPOINT, "SAVEPOINT gw_batched"));
  }

  if (!_gwSqlSimple(b, _GW_SQL_BEGIN, "BEGIN IMMEDIATE"))
    return (false);
  b->batch_id ++;
  b->batch_opener = true;
  batch_open_set(b, true);

  return (true);
}


/*
 * '_gwSqlBatchEnd()' - End a batched write (lock held): keep this call's
 *                      changes in the batch when ok, else undo them.  True
 *                      when they are kept; then *batch_r is the batch to
 *                      wait for in _gwSqlBatchUnlock() (0 when there is
 *                      none: a plain transaction, committed here).
 */

bool
_gwSqlBatchEnd(_gw_sql_t *b, bool ok, uint64_t *batch_r)
{
  *batch_r = 0;

  if (!b->batch_open)                   /* A plain transaction */
    return (_gwSqlEnd(b, ok));

  if (ok && !sqlite3_get_autocommit(b->db) && (b->batch_opener || _gwSqlSimple(b, _GW_SQL_BATCH_RELEASE, "RELEASE gw_batched")))
  {
    *batch_r = b->batch_id;
    b->batch_calls ++;
    return (true);
  }

  if (b->batch_opener)
  {
    _gwSqlRollback(b);                  /* Only ours in it: undone (unless SQLite did), nobody to tell */
    batch_open_set(b, false);
  }
  else if (sqlite3_get_autocommit(b->db))
    _gwSqlBatchFlush(b);                /* An error rolled back the whole batch: its members fail */
  else if (!_gwSqlSimple(b, _GW_SQL_BATCH_UNDO, "ROLLBACK TO gw_batched") || !_gwSqlSimple(b, _GW_SQL_BATCH_RELEASE, "RELEASE gw_batched"))
  {
    _gwSqlRollback(b);                  /* Cannot undo ours alone: the batch fails */
    _gwSqlBatchFlush(b);
  }

  return (false);
}


/*
 * '_gwSqlBatchUnlock()' - Release the connection's mutex after a batched
 *                         write; with a batch, return once it is committed
 *                         and an fsync of the WAL that started after this
 *                         call has finished.  False when the batch's
 *                         commit failed (its rows are not there).  A
 *                         failed fsync is logged and not returned, as for
 *                         every other write (_gwSqlUnlock()): the rows are
 *                         there, and the caller must not undo what they
 *                         point to.
 */

bool
_gwSqlBatchUnlock(_gw_sql_t *b, uint64_t batch)
{
  return (_gwSqlBatchUnlockThen(b, batch, NULL, NULL));
}


/*
 * '_gwSqlBatchUnlockThen()' - The same, calling then(data) (may be NULL)
 *                             once in every case: with a batch after the
 *                             mutex is released and before the wait, so
 *                             the fsync waited for starts after it
 *                             returned (an intake ring write that ran
 *                             while the row was written ends there);
 *                             else before the release.
 */

bool
_gwSqlBatchUnlockThen(_gw_sql_t *b, uint64_t batch, bool (*then)(void *data), void *data)
{
  if (batch == 0)
  {
    if (then)
      (*then)(data);
    /*
     * Nothing of this call's stays (a batch's members wait for it
     * themselves), so it waits for no fsync: a failed call answers at
     * once.  A plain transaction (the store still opening) was committed
     * and waits as usual.
     */
    if (b->wal_path)
      b->changes_at_lock = sqlite3_total_changes64(b->db);
    _gwSqlUnlock(b);
    return (true);
  }

  pthread_mutex_unlock(&b->lock);

  if (then)
    (*then)(data);
  _gwSqlSyncWait(b);                    /* Logs a failed fsync */

  return (!batch_failed(b, batch));
}


/*
 * '_gwSqlReadBegin()', '_gwSqlReadEnd()' - A consistent read of several
 *                                          statements (lock held): a
 *                                          SAVEPOINT, which inside an
 *                                          open batch reads its rows and
 *                                          does not commit it.
 */

bool
_gwSqlReadBegin(_gw_sql_t *b)
{
  return (_gwSqlSimple(b, _GW_SQL_READ_SAVEPOINT, "SAVEPOINT gw_read"));
}

void
_gwSqlReadEnd(_gw_sql_t *b)
{
  if (!sqlite3_get_autocommit(b->db) && !_gwSqlSimple(b, _GW_SQL_READ_RELEASE, "RELEASE gw_read") && !b->batch_open)
    _gwSqlRollback(b);
}


/*
 * The checkpointer.  SQLite's own automatic checkpoint runs inside the
 * commit that took the WAL past 1,000 frames: on the connection, under the
 * store's mutex, so every other store call (a listener's lookup of a
 * password, the other commits) waited for it, and it copies the WAL's
 * pages into the database file and fsyncs that file (1.5-2 ms every ~100
 * ms of a busy IPP intake, docs/benchmarks.md, "IPP intake, twelfth
 * round").  Instead, the commit's WAL hook only wakes this thread, which
 * runs a PASSIVE checkpoint through a connection of its own: it takes no
 * store mutex, never blocks a reader or a writer (in WAL mode they go on
 * beside it), and copies only frames no reader still needs; the next
 * writer restarts the WAL once all were copied.  Under a steady stream of
 * commits the copy never catches up, so it then copies the frames added
 * meanwhile once more with the store's mutex held (ckpt_run()).  It runs
 * at most one checkpoint at a time; the shredding TRUNCATE checkpoints
 * stay on the store's connection (store-sqlite.c).  When the thread or its
 * connection cannot be had, SQLite's automatic checkpoint stays on.
 *
 * Locking: ckpt_hook() runs inside a commit (store mutex held) and takes
 * only the checkpointer's own mutex; the thread takes the store mutex
 * without its own, and _gwSqlCheckpointerStop() is called without the
 * store mutex (the thread's last round may need it).
 */

typedef struct _gw_sql_ckpt_s
{
  pthread_t       thread;
  pthread_mutex_t lock;                 /* Guards the four below */
  pthread_cond_t  cond;                 /* wanted or stop */
  bool            wanted;               /* A commit took the WAL past the mark */
  bool            stop;
  unsigned long   runs;                 /* Checkpoints run (tests) */
  unsigned long   hooked;               /* Commits that asked for one (tests) */
  sqlite3        *db;                   /* The thread's connection */
  _gw_sql_t      *b;                    /* The store's (its mutex) */
  gw_log_t       *log;
} _gw_sql_ckpt_t;


/*
 * 'ckpt_hook()' - The store connection's WAL hook, after each commit
 *                 (store mutex held): wake the checkpointer once the WAL
 *                 holds _GW_SQL_CKPT_FRAMES frames.
 */

static int
ckpt_hook(void *data, sqlite3 *db, const char *name, int frames)
{
  _gw_sql_ckpt_t *c = (_gw_sql_ckpt_t *)data;

  (void)db;
  (void)name;
  if (frames >= _GW_SQL_CKPT_FRAMES)
  {
    pthread_mutex_lock(&c->lock);
    c->hooked ++;
    if (!c->wanted)
    {
      c->wanted = true;
      pthread_cond_signal(&c->cond);
    }
    pthread_mutex_unlock(&c->lock);
  }

  return (SQLITE_OK);
}


/*
 * 'ckpt_run()' - The thread: one PASSIVE checkpoint per wake-up.
 */

static void *
ckpt_run(void *arg)
{
  _gw_sql_ckpt_t *c = (_gw_sql_ckpt_t *)arg;
  int             rc, frames = 0, copied = 0;

  pthread_setname_np(pthread_self(), "pg-checkpoint");   /* Seen in top -H and ps -L */
  pthread_mutex_lock(&c->lock);
  for (;;)
  {
    while (!c->wanted && !c->stop)
      pthread_cond_wait(&c->cond, &c->lock);
    if (c->stop)
      break;
    c->wanted = false;
    pthread_mutex_unlock(&c->lock);

    if ((rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied)) == SQLITE_OK)
    {
      /*
       * Commits may have gone on meanwhile: then the WAL is not all copied
       * and the next writer cannot start it over, so it would grow for as
       * long as the commits never pause.  Copy the frames added since
       * with the store's mutex held (no commit can add more), so the next
       * commit restarts the WAL.  Store calls wait for those few frames
       * and their two fsyncs (none when nothing was added), not for the
       * whole copy.
       */

      pthread_mutex_lock(&c->b->lock);
      rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
      pthread_mutex_unlock(&c->b->lock);
    }
    if (rc != SQLITE_OK)
      gwLog(c->log, GW_LOG_DEBUG, "Store: WAL checkpoint postponed (%s).", sqlite3_errstr(rc));

    pthread_mutex_lock(&c->lock);
    c->runs ++;
  }
  pthread_mutex_unlock(&c->lock);

  return (NULL);
}


/*
 * '_gwSqlCheckpointerStart()' - Open the checkpointer's connection to
 *                               'path' and start its thread, then move
 *                               the store connection's checkpoints to it.
 *                               False (SQLite's automatic checkpoint
 *                               kept) when either cannot be had.
 */

bool
_gwSqlCheckpointerStart(_gw_sql_t *b, const char *path)
{
  _gw_sql_ckpt_t *c;

  if ((c = calloc(1, sizeof(_gw_sql_ckpt_t))) == NULL)
    return (false);
  c->log = b->log;
  c->b   = b;

  /* Its own connection, through the default VFS (it writes no WAL frames). */
  if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK ||
      sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK)
  {
    gwLog(b->log, GW_LOG_WARN, "Store: no checkpointer connection (%s); commits checkpoint the WAL themselves.", c->db ? sqlite3_errmsg(c->db) : "out of memory");
    sqlite3_close(c->db);
    free(c);
    return (false);
  }
  sqlite3_extended_result_codes(c->db, 1);
  sqlite3_wal_autocheckpoint(c->db, 0);

  pthread_mutex_init(&c->lock, NULL);
  pthread_cond_init(&c->cond, NULL);
  if (pthread_create(&c->thread, NULL, ckpt_run, c))
  {
    gwLog(b->log, GW_LOG_WARN, "Store: no checkpointer thread; commits checkpoint the WAL themselves.");
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
    sqlite3_close(c->db);
    free(c);
    return (false);
  }

  b->ckpt = c;
  sqlite3_wal_hook(b->db, ckpt_hook, c);   /* Replaces SQLite's automatic checkpoint */

  return (true);
}


/*
 * '_gwSqlCheckpointerStop()' - Give the store connection its automatic
 *                              checkpoint back, stop the thread and close
 *                              its connection (before the store's own).
 *                              Store mutex not held: the thread's last
 *                              round may need it.
 */

void
_gwSqlCheckpointerStop(_gw_sql_t *b)
{
  _gw_sql_ckpt_t *c = b->ckpt;

  if (!c)
    return;

  pthread_mutex_lock(&b->lock);
  sqlite3_wal_autocheckpoint(b->db, _GW_SQL_CKPT_FRAMES);   /* Removes ckpt_hook */
  pthread_mutex_unlock(&b->lock);
  pthread_mutex_lock(&c->lock);
  c->stop = true;
  pthread_cond_signal(&c->cond);
  pthread_mutex_unlock(&c->lock);
  pthread_join(c->thread, NULL);
  pthread_cond_destroy(&c->cond);
  pthread_mutex_destroy(&c->lock);
  if (sqlite3_close(c->db) != SQLITE_OK)
    gwLog(b->log, GW_LOG_ERROR, "Store: unable to close the checkpointer's connection: %s", sqlite3_errmsg(c->db));
  b->ckpt = NULL;
  free(c);
}


/*
 * '_gwSqlCheckpointCount()' - Checkpoints the checkpointer ran, and
 *                             (hooked_r, may be NULL) the commits that
 *                             asked for one (tests).
 */

unsigned long
_gwSqlCheckpointCount(_gw_sql_t *b, unsigned long *hooked_r)
{
  unsigned long runs = 0, hooked = 0;

  if (b->ckpt)
  {
    pthread_mutex_lock(&b->ckpt->lock);
    runs   = b->ckpt->runs;
    hooked = b->ckpt->hooked;
    pthread_mutex_unlock(&b->ckpt->lock);
  }
  if (hooked_r)
    *hooked_r = hooked;

  return (runs);
}
