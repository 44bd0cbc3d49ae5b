/*
 * test-store-group-commit.c - the store's group commit (store-sqlite-sync.c):
 *
 *   1. a call that wrote returns only after a WAL fsync that started after
 *      its commit: with the fsync held back (a hook), eight concurrent
 *      writers all commit (a second connection reads their eight rows) and
 *      none of them returns until the fsync is let go;
 *   2. they share fsyncs: the eight writes cost one to three fsyncs (the
 *      held one, which covers only what was committed before it started,
 *      and one or two for everything committed meanwhile), not eight;
 *   3. a read costs no fsync, one write alone costs exactly one;
 *   4. everything written is there after closing and reopening;
 *   5. a job's provisional writes (its creation and its original's key
 *      while it is receiving) run no fsync, and are durable once its
 *      transition out of receiving has run exactly one; the original's key
 *      of a job that is no longer receiving is not provisional;
 *   7. the conversion side: the held PDF's document row of a converting
 *      job runs no fsync, its move to held exactly one (and drops the
 *      original's row in that transaction), a held job's document row one;
 *   8. a late-recorded job (IPP Print-Job) is created converting with its
 *      original's key in one transaction: exactly one fsync;
 *   6. a lockout reservation before a password check and its refund run
 *      no fsync (and still count: the refund takes one back), a wrong
 *      PIN's count runs one;
 *   9. checkpoints run on the checkpointer's thread and connection, not in
 *      the commits: the WAL stays bounded, and the rows are all there
 *      after reopening (4).
 */

#include "test.h"
#include "store-sqlite-private.h"

#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WRITERS 8

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  gate_cond = PTHREAD_COND_INITIALIZER;
static bool            gate_closed = false;
static int             hook_calls = 0;
static int             returned = 0;     /* Writers whose call returned */


/*
 * 'gate_hook()' - The fsync hook: count, and wait while the gate is closed.
 */

static void
gate_hook(void)
{
  pthread_mutex_lock(&gate_lock);
  hook_calls ++;
  while (gate_closed)
    pthread_cond_wait(&gate_cond, &gate_lock);
  pthread_mutex_unlock(&gate_lock);
}


typedef struct writer_s
{
  gw_store_t *s;
  int         n;
  bool        ok;
} writer_t;


/*
 * 'writer_main()' - Add one user; note the return.
 */

static void *
writer_main(void *arg)
{
  writer_t *w = (writer_t *)arg;
  char      name[32];

  snprintf(name, sizeof(name), "writer%d", w->n);
  w->ok = gwStoreUserAdd(w->s, GW_DEFAULT_TENANT, name, "", GW_ROLE_USER, NULL, false, NULL, NULL);
  pthread_mutex_lock(&gate_lock);
  returned ++;
  pthread_mutex_unlock(&gate_lock);

  return (NULL);
}


/*
 * 'count_rows()' - Users named writer% seen by a second connection.
 */

static int
count_rows(const char *path)
{
  sqlite3      *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int           n = -1;

  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT count(*) FROM users WHERE name LIKE 'writer%'", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    n = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);

  return (n);
}


/*
 * 'snapshot()' - hook_calls and returned, under the lock.
 */

static void
snapshot(int *calls, int *ret)
{
  pthread_mutex_lock(&gate_lock);
  *calls = hook_calls;
  *ret   = returned;
  pthread_mutex_unlock(&gate_lock);
}


/*
 * 'checkpoints()' - 9: commits worth ~18,000 WAL frames (CKPT_COMMITS rows
 *                   of 16,000 bytes, each in its own transaction, on the
 *                   store's connection under its mutex and waiting for
 *                   the WAL fsync, as the store's calls make them):
 *                   SQLite's automatic checkpoint is
 *                   off on that connection, yet the checkpointer ran and
 *                   kept the -wal file far below the ~75 MB written (it
 *                   would hold all of it with no checkpoint at all), and
 *                   no commit failed.
 */

#define CKPT_COMMITS 3000

static void
checkpoints(_gw_sql_t *b, const char *path)
{
  char          wal[320];
  struct stat   st;
  unsigned long hooked = 0, runs;
  off_t         largest = 0;
  int           failed = 0;
  static unsigned char data[16000];

  snprintf(wal, sizeof(wal), "%s-wal", path);
  memset(data, 0x5a, sizeof(data));
  pthread_mutex_lock(&b->lock);
  TEST_CHECK(sqlite3_exec(b->db, "CREATE TABLE ckpt_test (id INTEGER PRIMARY KEY, data BLOB)", NULL, NULL, NULL) == SQLITE_OK);
  pthread_mutex_unlock(&b->lock);

  for (int i = 0; i < CKPT_COMMITS; i ++)
  {
    sqlite3_stmt *stmt = NULL;

    _gwSqlLock(b);
    if (sqlite3_prepare_v2(b->db, "INSERT INTO ckpt_test (data) VALUES (?1)", -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_bind_blob(stmt, 1, data, sizeof(data), SQLITE_STATIC) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_DONE)
      failed ++;
    sqlite3_finalize(stmt);
    _gwSqlUnlock(b);                    /* And waits for the WAL fsync, as a store call does */
    if (i % 100 == 99 && !stat(wal, &st) && st.st_size > largest)
      largest = st.st_size;
  }

  /* The last wake-up may still be running: wait for it (at most 10 s). */
  for (int i = 0; i < 1000 && _gwSqlCheckpointCount(b, &hooked) < 1; i ++)
    usleep(10000);
  runs = _gwSqlCheckpointCount(b, &hooked);

  TEST_CHECKF(failed == 0, "%d of %d commits failed", failed, CKPT_COMMITS);
  printf("  the -wal file reached %lld bytes at most\n", (long long)largest);
  TEST_CHECKF(b->ckpt != NULL && runs >= 1 && hooked >= runs, "checkpointer: %lu checkpoints for %lu commits past %d frames", runs, hooked, _GW_SQL_CKPT_FRAMES);
  TEST_CHECKF(largest > 0 && largest < 16 * 1024 * 1024, "the -wal file reached %lld bytes (%d commits of 16,000 bytes written)", (long long)largest, CKPT_COMMITS);
}


int
main(void)
{
  char       dir[256], path[300];
  gw_store_t *s;
  _gw_sql_t  *b;
  writer_t    w[WRITERS];
  pthread_t   t[WRITERS];
  gw_user_t   u;
  int         calls, ret, i, rows;
  unsigned long base;
  bool        all_ok = true;

  TEST_BEGIN("store group commit");
  TEST_CHECK(test_tempdir(dir, sizeof(dir)) != NULL);
  snprintf(path, sizeof(path), "%s/store.db", dir);
  TEST_CHECK((s = gwStoreOpen(path, NULL, NULL)) != NULL);
  if (!s)
    TEST_EXIT();
  b = (_gw_sql_t *)s->backend;
  _gwSqlSyncHook = gate_hook;

  /* 3. A read costs no fsync; one write alone exactly one. */
  calls = hook_calls;
  gwStoreUserFind(s, GW_DEFAULT_TENANT, "nobody", &u);
  TEST_CHECKF(hook_calls == calls, "a read ran %d fsync(s)", hook_calls - calls);
  TEST_CHECK(gwStoreUserAdd(s, GW_DEFAULT_TENANT, "alone", "", GW_ROLE_USER, NULL, false, NULL, NULL));
  TEST_CHECKF(hook_calls == calls + 1, "one write ran %d fsync(s)", hook_calls - calls);

  /* 1. Held fsync: every writer commits, none returns. */
  base = _gwSqlSyncCount(b);
  pthread_mutex_lock(&gate_lock);
  gate_closed = true;
  calls       = hook_calls;
  pthread_mutex_unlock(&gate_lock);
  for (i = 0; i < WRITERS; i ++)
  {
    w[i].s  = s;
    w[i].n  = i;
    w[i].ok = false;
    pthread_create(t + i, NULL, writer_main, w + i);
  }
  /* Eight user additions at once take their time on a busy machine (ASan): wait up to 30 s for the
   * rows; waiting longer only gives a writer more time to return early. */
  for (i = 0; i < 3000 && count_rows(path) < WRITERS; i ++)
    usleep(10000);
  usleep(100000);
  rows = count_rows(path);
  snapshot(&calls, &ret);
  TEST_CHECKF(rows == WRITERS, "a second connection sees %d of %d committed rows while the fsync is held", rows, WRITERS);
  TEST_CHECKF(ret == 0, "%d writer(s) returned before the fsync that covers them", ret);

  pthread_mutex_lock(&gate_lock);
  gate_closed = false;
  pthread_cond_broadcast(&gate_cond);
  pthread_mutex_unlock(&gate_lock);
  for (i = 0; i < WRITERS; i ++)
  {
    pthread_join(t[i], NULL);
    all_ok = all_ok && w[i].ok;
  }
  TEST_CHECK(all_ok);

  /* 2. Shared fsyncs. */
  snapshot(&calls, &ret);
  TEST_CHECKF(ret == WRITERS, "%d writers returned", ret);
  TEST_CHECKF(_gwSqlSyncCount(b) - base >= 1 && _gwSqlSyncCount(b) - base <= 3, "%lu fsyncs for %d concurrent writes", _gwSqlSyncCount(b) - base, WRITERS);
  TEST_CHECKF(b->wal_sync.synced == b->wal_sync.seq, "synced %llu of %llu writes", (unsigned long long)b->wal_sync.synced, (unsigned long long)b->wal_sync.seq);

  /* 5. Provisional writes of a receiving job. */
  {
    gw_job_t         job;
    gw_wrapped_key_t key;
    int64_t          uid = 0;

    TEST_CHECK(gwStoreUserAdd(s, GW_DEFAULT_TENANT, "owner", "", GW_ROLE_USER, NULL, false, &uid, NULL));
    memset(&job, 0, sizeof(job));
    memset(&key, 0x5a, sizeof(key));
    gwUUIDNew(job.id);
    job.tenant  = GW_DEFAULT_TENANT;
    job.user_id = uid;
    job.copies  = 1;
    snprintf(job.owner, sizeof(job.owner), "owner");
    snprintf(job.name, sizeof(job.name), "provisional.pdf");
    snprintf(job.origin, sizeof(job.origin), "test");
    calls = hook_calls;
    TEST_CHECK(gwStoreJobCreate(s, &job, "owner", "test", NULL));
    TEST_CHECKF(hook_calls == calls, "creating a receiving job ran %d fsync(s)", hook_calls - calls);
    TEST_CHECK(gwStoreJobSetOriginal(s, GW_DEFAULT_TENANT, job.id, 100, &key));
    TEST_CHECKF(hook_calls == calls, "the key of a receiving job ran %d fsync(s)", hook_calls - calls);
    TEST_CHECKF(b->wal_sync.synced == b->wal_sync.seq, "provisional writes were numbered (%llu of %llu)", (unsigned long long)b->wal_sync.synced, (unsigned long long)b->wal_sync.seq);
    TEST_CHECK(gwStoreJobTransition(s, GW_DEFAULT_TENANT, job.id, GW_JOB_STATE_RECEIVING, GW_JOB_STATE_CONVERTING, GW_REASON_NONE, "", -1, NULL, "system", "test", "job.convert", NULL));
    TEST_CHECKF(hook_calls == calls + 1, "the transition out of receiving ran %d fsync(s)", hook_calls - calls);
    TEST_CHECK(gwStoreJobSetOriginal(s, GW_DEFAULT_TENANT, job.id, 200, &key));
    TEST_CHECKF(hook_calls == calls + 2, "the key of a converting job ran %d fsync(s) (want one)", hook_calls - calls - 1);

    /* 7. The conversion side: the held PDF's row is provisional while the
     *    job converts, its move to held runs exactly one fsync and drops
     *    the original's row in that transaction; the document row of a
     *    held job is not provisional. */
    calls = hook_calls;
    TEST_CHECK(gwStoreJobSetDocument(s, GW_DEFAULT_TENANT, job.id, "application/pdf", 300, 2, 0, &key));
    TEST_CHECKF(hook_calls == calls, "the document of a converting job ran %d fsync(s)", hook_calls - calls);
    TEST_CHECK(gwStoreJobTransition(s, GW_DEFAULT_TENANT, job.id, GW_JOB_STATE_CONVERTING, GW_JOB_STATE_HELD, GW_REASON_NONE, "", -1, NULL, "system", "test", "job.hold", NULL));
    TEST_CHECKF(hook_calls == calls + 1, "the move to held ran %d fsync(s) (want one)", hook_calls - calls);
    TEST_CHECKF(b->wal_sync.synced == b->wal_sync.seq, "the hold's fsync covers the document row (%llu of %llu)", (unsigned long long)b->wal_sync.synced, (unsigned long long)b->wal_sync.seq);
    {
      gw_wrapped_key_t back;
      int64_t          size = 0;
      gw_job_t         got;

      TEST_CHECK(!gwStoreJobGetOriginal(s, GW_DEFAULT_TENANT, job.id, false, &size, &back));   /* Dropped with the hold */
      TEST_CHECK(gwStoreJobGet(s, GW_DEFAULT_TENANT, job.id, &got) && got.state == GW_JOB_STATE_HELD && got.size == 300 && got.pages == 2);
      TEST_CHECK(gwStoreJobGetKey(s, GW_DEFAULT_TENANT, job.id, &back) && !memcmp(&back, &key, sizeof(key)));
    }
    TEST_CHECK(gwStoreJobSetDocument(s, GW_DEFAULT_TENANT, job.id, "application/pdf", 400, 2, 0, &key));
    TEST_CHECKF(hook_calls == calls + 2, "the document of a held job ran %d fsync(s) (want one)", hook_calls - calls - 1);

    /* 8. A late-recorded job (IPP Print-Job): created converting with its
     *    original's key in one transaction, exactly one fsync, numbered. */
    {
      gw_wrapped_key_t back;
      int64_t          size = 0;
      gw_job_t         got;
      int              number = 0;

      gwUUIDNew(job.id);
      snprintf(job.name, sizeof(job.name), "late.pdf");
      calls = hook_calls;
      TEST_CHECK(gwStoreJobCreateConverting(s, &job, "owner", "test", 100, 500, &key, &number, NULL) && number > 0);
      TEST_CHECKF(hook_calls == calls + 1, "creating a converting job ran %d fsync(s) (want one)", hook_calls - calls);
      TEST_CHECKF(b->wal_sync.synced == b->wal_sync.seq, "synced %llu of %llu writes", (unsigned long long)b->wal_sync.synced, (unsigned long long)b->wal_sync.seq);
      TEST_CHECK(gwStoreJobGet(s, GW_DEFAULT_TENANT, job.id, &got) && got.state == GW_JOB_STATE_CONVERTING && got.number == number);
      TEST_CHECK(gwStoreJobGetOriginal(s, GW_DEFAULT_TENANT, job.id, false, &size, &back) && size == 500 && !memcmp(&back, &key, sizeof(key)));
      TEST_CHECK(!gwStoreJobCreateConverting(s, &job, "owner", "test", 100, 500, NULL, &number, NULL));   /* A key is needed */
    }
  }

  /* 6. Lockout reservations. */
  {
    unsigned char    none[32] = { 0 }, pin[32];
    gw_lockout_key_t k = { "login:owner@127.0.0.1", 10, 0 };
    int64_t          until = 0;

    memset(pin, 0x33, sizeof(pin));
    calls = hook_calls;
    TEST_CHECK(gwStoreCredentialAttempt(s, GW_DEFAULT_TENANT, GW_CREDENTIAL_NONE, none, &k, 1, (int64_t)time(NULL), 600, &until, NULL) == 0 && k.failures == 1);
    TEST_CHECKF(hook_calls == calls, "a reservation ran %d fsync(s)", hook_calls - calls);
    TEST_CHECK(gwStoreCredentialAttempt(s, GW_DEFAULT_TENANT, GW_CREDENTIAL_DEVICE_PASSWORD, none, &k, 1, (int64_t)time(NULL), 600, &until, NULL) == 0 && k.failures == 2);
    TEST_CHECKF(hook_calls == calls, "a device password's reservation ran %d fsync(s)", hook_calls - calls);
    TEST_CHECK(gwStoreLockoutRefund(s, GW_DEFAULT_TENANT, &k, 1));
    TEST_CHECKF(hook_calls == calls, "a refund ran %d fsync(s)", hook_calls - calls);
    TEST_CHECK(gwStoreCredentialAttempt(s, GW_DEFAULT_TENANT, GW_CREDENTIAL_PIN, pin, &k, 1, (int64_t)time(NULL), 600, &until, NULL) == 0 && k.failures == 2);
    TEST_CHECKF(hook_calls == calls + 1, "a wrong PIN ran %d fsync(s) (want one)", hook_calls - calls);
  }

  /* 9. Checkpoints on the checkpointer's thread and connection. */
  _gwSqlSyncHook = NULL;
  checkpoints(b, path);

  /* 4. Durable rows are there after reopening. */
  gwStoreClose(&s);
  TEST_CHECK((s = gwStoreOpen(path, NULL, NULL)) != NULL);
  TEST_CHECK(s && gwStoreUserFind(s, GW_DEFAULT_TENANT, "writer7", &u) && gwStoreUserFind(s, GW_DEFAULT_TENANT, "alone", &u));
  if (s)
  {
    sqlite3_stmt *stmt = NULL;
    _gw_sql_t    *b2 = (_gw_sql_t *)s->backend;

    rows = -1;
    if (sqlite3_prepare_v2(b2->db, "SELECT count(*), sum(length(data)) = count(*) * 16000 FROM ckpt_test", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 1) == 1)
      rows = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    TEST_CHECKF(rows == CKPT_COMMITS, "%d of the checkpoint test's %d rows after reopening", rows, CKPT_COMMITS);
  }
  gwStoreClose(&s);

  test_rmtree(dir);
  TEST_EXIT();
}
