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
 * 'sync_wal()' - fsync the -wal file (any descriptor of the inode will do).
 *                No -wal file means every commit was checkpointed into the
 *                database file, which the checkpoint synced.
 */

static bool
sync_wal(void *data)
{
  _gw_sql_t *b = (_gw_sql_t *)data;
  int  fd;
  bool ok;

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
