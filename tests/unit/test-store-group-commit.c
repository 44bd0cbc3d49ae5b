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
 *      after reopening (4);
 *  10. batched writes (late-recorded jobs): while one fsync is held, the
 *      jobs created meanwhile all join one open batch, which no other
 *      connection sees and a read does not commit; a duplicate among them
 *      fails alone and at once; once the fsync is let go the batch is
 *      committed by the next fsync's leader: two commits and two or three
 *      fsyncs for eight jobs, every job there with its own number;
 *  11. a batch that runs out of room (max_page_count) while the fsync is
 *      held: whatever each call returned matches what is stored, and the
 *      calls that returned true are there after reopening;
 *  12. a disk that fails the batch's commit (its WAL write, ENOSPC): every
 *      member returns false, none of their jobs is stored, and the next
 *      job works.
 */

#include "test.h"
#include "store-sqlite-private.h"
#include "sqlite-writes.h"

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


/*
 * Batched writes (10, 11): each thread creates one converting job, as an
 * IPP Print-Job's commit does.
 */

typedef struct creator_s
{
  gw_store_t *s;
  gw_job_t    job;
  bool        done;                     /* Returned (under gate_lock) */
  bool        ok;
  int         number;
  const char *error;
} creator_t;

static void *
creator_main(void *arg)
{
  creator_t        *c = (creator_t *)arg;
  gw_wrapped_key_t  key;
  bool              ok;

  memset(&key, 0x44, sizeof(key));
  c->error = NULL;
  ok = gwStoreJobCreateConverting(c->s, &c->job, c->job.owner, "test", 0, &(gw_original_t){ .size = 100, .key = &key, .ring = -1 }, &c->number, &c->error);
  pthread_mutex_lock(&gate_lock);
  c->ok   = ok;
  c->done = true;
  pthread_mutex_unlock(&gate_lock);

  return (NULL);
}


/*
 * 'creator_init()' - A new converting job of user 'uid' named 'name'.
 */

static void
creator_init(creator_t *c, gw_store_t *s, int64_t uid, const char *name)
{
  memset(c, 0, sizeof(*c));
  c->s = s;
  gwUUIDNew(c->job.id);
  c->job.tenant  = GW_DEFAULT_TENANT;
  c->job.user_id = uid;
  c->job.copies  = 1;
  snprintf(c->job.owner, sizeof(c->job.owner), "owner");
  snprintf(c->job.name, sizeof(c->job.name), "%s", name);
  snprintf(c->job.origin, sizeof(c->job.origin), "test");
}


/*
 * 'creator_done()' - Has c returned?
 */

static bool
creator_done(creator_t *c)
{
  bool done;

  pthread_mutex_lock(&gate_lock);
  done = c->done;
  pthread_mutex_unlock(&gate_lock);

  return (done);
}


/*
 * 'gate()' - Close (and note hook_calls) or open the fsync gate.
 */

static int
gate(bool closed)
{
  int calls;

  pthread_mutex_lock(&gate_lock);
  gate_closed = closed;
  calls       = hook_calls;
  pthread_cond_broadcast(&gate_cond);
  pthread_mutex_unlock(&gate_lock);

  return (calls);
}


/*
 * 'wait_for()' - Wait up to 30 s until *counter (read under the store's
 *                mutex) reaches want; false if it does not.
 */

static bool
wait_for(_gw_sql_t *b, unsigned long *counter, unsigned long want)
{
  for (int i = 0; i < 3000; i ++)
  {
    unsigned long now;

    pthread_mutex_lock(&b->lock);
    now = *counter;
    pthread_mutex_unlock(&b->lock);
    if (now >= want)
      return (true);
    usleep(10000);
  }

  return (false);
}


/*
 * 'wait_hook()' - Wait up to 30 s until the fsync hook ran more than
 *                 'calls' times (a leader is held at the gate).
 */

static bool
wait_hook(int calls)
{
  for (int i = 0; i < 3000; i ++)
  {
    int now, ret;

    snapshot(&now, &ret);
    if (now > calls)
      return (true);
    usleep(10000);
  }

  return (false);
}


/*
 * 'job_rows()' - Jobs with this name seen by a second connection (-1 on
 *                error); with 'id', only that job.
 */

static int
job_rows(const char *path, const char *name, const char *id)
{
  sqlite3      *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int           n = -1;

  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT count(*) FROM jobs WHERE name = ?1 AND (?2 IS NULL OR id = ?2)", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC) == SQLITE_OK &&
      (id ? sqlite3_bind_text(stmt, 2, id, -1, SQLITE_STATIC) : sqlite3_bind_null(stmt, 2)) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    n = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);

  return (n);
}


/*
 * 'batches()' - 10: jobs created while an fsync is held share one batch.
 */

#define BATCHED 8

static void
batches(gw_store_t *s, _gw_sql_t *b, const char *path, int64_t uid)
{
  creator_t     first, c[BATCHED];
  pthread_t     ft, t[BATCHED];
  unsigned long commits, calls_before, syncs;
  int           calls, numbers[BATCHED + 1], n = 0, failed = 0;
  gw_user_t     u;

  /* A first job whose fsync is held at the gate: its batch is committed. */
  calls = gate(true);
  pthread_mutex_lock(&b->lock);
  commits      = b->batch_commits;
  calls_before = b->batch_calls;
  pthread_mutex_unlock(&b->lock);
  syncs = _gwSqlSyncCount(b);
  creator_init(&first, s, uid, "batch-first");
  pthread_create(&ft, NULL, creator_main, &first);
  TEST_CHECKF(wait_hook(calls), "the first job's fsync did not start");
  TEST_CHECKF(job_rows(path, "batch-first", NULL) == 1, "the first job is not committed before its fsync");

  /* Eight more meanwhile, one of them a duplicate of the first. */
  for (int i = 0; i < BATCHED; i ++)
  {
    creator_init(c + i, s, uid, "batched");
    if (i == BATCHED - 1)
      memcpy(c[i].job.id, first.job.id, sizeof(c[i].job.id));
    pthread_create(t + i, NULL, creator_main, c + i);
  }
  TEST_CHECKF(wait_for(b, &b->batch_calls, calls_before + BATCHED), "only %lu of %d calls joined a batch", b->batch_calls - calls_before, BATCHED);
  for (int i = 0; i < 3000 && !creator_done(c + BATCHED - 1); i ++)
    usleep(10000);
  TEST_CHECKF(creator_done(c + BATCHED - 1) && !c[BATCHED - 1].ok && c[BATCHED - 1].error && strstr(c[BATCHED - 1].error, "already exists"),
              "the duplicate did not fail at once (%s)", c[BATCHED - 1].error ? c[BATCHED - 1].error : "no error");
  for (int i = 0; i < BATCHED - 1; i ++)
    TEST_CHECKF(!creator_done(c + i), "batched job %d returned before its fsync", i);

  /* The batch is open: no other connection sees it, a read does not commit it. */
  TEST_CHECKF(job_rows(path, "batched", NULL) == 0, "a second connection sees %d batched jobs before their commit", job_rows(path, "batched", NULL));
  TEST_CHECK(gwStoreUserFind(s, GW_DEFAULT_TENANT, "owner", &u));
  TEST_CHECKF(job_rows(path, "batched", NULL) == 0, "a read committed the batch");
  pthread_mutex_lock(&b->lock);
  TEST_CHECKF(b->batch_open && b->batch_commits == commits + 1, "batch open %d, %lu commits", b->batch_open, b->batch_commits - commits);
  pthread_mutex_unlock(&b->lock);

  /* Let the fsync go: the next leader commits the batch before its own. */
  gate(false);
  pthread_join(ft, NULL);
  for (int i = 0; i < BATCHED; i ++)
    pthread_join(t[i], NULL);
  TEST_CHECK(first.ok);
  numbers[n ++] = first.number;
  for (int i = 0; i < BATCHED - 1; i ++)
  {
    TEST_CHECKF(c[i].ok && job_rows(path, "batched", c[i].job.id) == 1, "batched job %d: returned %d, stored %d", i, c[i].ok, job_rows(path, "batched", c[i].job.id));
    if (c[i].ok)
      numbers[n ++] = c[i].number;
    failed += !c[i].ok;
  }
  for (int i = 0; i < n; i ++)
    for (int j = i + 1; j < n; j ++)
      TEST_CHECKF(numbers[i] != numbers[j], "two jobs got number %d", numbers[i]);
  TEST_CHECKF(job_rows(path, "batched", NULL) == BATCHED - 1 && job_rows(path, "batch-first", NULL) == 1, "%d batched jobs stored", job_rows(path, "batched", NULL));
  TEST_CHECKF(b->batch_commits == commits + 2, "%lu batch commits for a held first job and %d batched (want 2)", b->batch_commits - commits, BATCHED - 1);
  TEST_CHECKF(_gwSqlSyncCount(b) - syncs >= 2 && _gwSqlSyncCount(b) - syncs <= 3, "%lu fsyncs", _gwSqlSyncCount(b) - syncs);
  TEST_CHECKF(b->wal_sync.synced == b->wal_sync.seq, "synced %llu of %llu writes", (unsigned long long)b->wal_sync.synced, (unsigned long long)b->wal_sync.seq);
  (void)failed;
}


/*
 * 'batch_full()' - 11: a batch that runs out of room while its fsync is
 *                  held.  Jobs are added one at a time (each joins the
 *                  open batch) until one fails or 64 were tried; then
 *                  what each call returned must match what is stored.
 */

#define FULL_TRIES 64
#define FULL_ROOM  2                    /* Pages the database may still grow by */

static void
batch_full(gw_store_t *s, _gw_sql_t *b, const char *path, int64_t uid, char ids[FULL_TRIES][GW_UUID_LEN + 1], bool oks[FULL_TRIES], int *tried_r)
{
  static creator_t c[FULL_TRIES];
  pthread_t        t[FULL_TRIES];
  creator_t        first;
  pthread_t        ft;
  int              calls, tried = 0, any_failed = 0, mismatched = 0;

  /* Hold a first fsync, so the jobs below all wait in one open batch. */
  calls = gate(true);
  creator_init(&first, s, uid, "full-first");
  pthread_create(&ft, NULL, creator_main, &first);
  TEST_CHECKF(wait_hook(calls), "the first job's fsync did not start");

  /* Room for a few more pages only: some jobs join the batch, then one runs out. */
  pthread_mutex_lock(&b->lock);
  {
    sqlite3_stmt *stmt = NULL;
    char          sql[64];
    int           pages = 0;

    if (sqlite3_prepare_v2(b->db, "PRAGMA page_count", -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
      pages = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %d", pages + FULL_ROOM);
    TEST_CHECK(pages > 0 && sqlite3_exec(b->db, sql, NULL, NULL, NULL) == SQLITE_OK);
  }
  pthread_mutex_unlock(&b->lock);

  for (; tried < FULL_TRIES && !any_failed; tried ++)
  {
    unsigned long joined;

    pthread_mutex_lock(&b->lock);
    joined = b->batch_calls;
    pthread_mutex_unlock(&b->lock);
    creator_init(c + tried, s, uid, "full");
    pthread_create(t + tried, NULL, creator_main, c + tried);
    for (int i = 0; i < 3000; i ++)    /* Joined the batch, or returned (failed) */
    {
      bool in;

      pthread_mutex_lock(&b->lock);
      in = b->batch_calls > joined;
      pthread_mutex_unlock(&b->lock);
      if (in || creator_done(c + tried))
        break;
      usleep(10000);
    }
    any_failed = creator_done(c + tried);
  }
  TEST_CHECKF(any_failed, "none of %d jobs ran out of room", tried);

  gate(false);
  pthread_join(ft, NULL);
  for (int i = 0; i < tried; i ++)
    pthread_join(t[i], NULL);

  pthread_mutex_lock(&b->lock);
  TEST_CHECK(sqlite3_exec(b->db, "PRAGMA max_page_count = 1073741823", NULL, NULL, NULL) == SQLITE_OK);
  pthread_mutex_unlock(&b->lock);

  for (int i = 0; i < tried; i ++)
  {
    memcpy(ids[i], c[i].job.id, GW_UUID_LEN + 1);
    oks[i] = c[i].ok;
    if (c[i].ok != (job_rows(path, "full", c[i].job.id) == 1))
      mismatched ++;
  }
  printf("  %d jobs tried in a full batch: %d returned true\n", tried, (int)(tried - any_failed));
  TEST_CHECKF(mismatched == 0, "%d of %d calls returned something other than what is stored", mismatched, tried);
  *tried_r = tried;
}



/*
 * 'batch_fails()' - 12: the disk fails the commit of a batch of four.
 */

#define FAILING 4

static void
batch_fails(gw_store_t *s, _gw_sql_t *b, const char *path, int64_t uid)
{
  creator_t     first, c[FAILING], after;
  pthread_t     ft, t[FAILING];
  unsigned long joined;
  int           calls, stored = 0, ok = 0;

  calls = gate(true);
  creator_init(&first, s, uid, "fail-first");
  pthread_create(&ft, NULL, creator_main, &first);
  TEST_CHECKF(wait_hook(calls), "the first job's fsync did not start");
  pthread_mutex_lock(&b->lock);
  joined = b->batch_calls;
  pthread_mutex_unlock(&b->lock);
  for (int i = 0; i < FAILING; i ++)
  {
    creator_init(c + i, s, uid, "fail-batched");
    pthread_create(t + i, NULL, creator_main, c + i);
  }
  TEST_CHECKF(wait_for(b, &b->batch_calls, joined + FAILING), "only %lu of %d calls joined a batch", b->batch_calls - joined, FAILING);

  sqlite_set_fail_writes(true);         /* The batch's commit will fail */
  gate(false);
  pthread_join(ft, NULL);
  for (int i = 0; i < FAILING; i ++)
    pthread_join(t[i], NULL);
  sqlite_set_fail_writes(false);

  TEST_CHECKF(first.ok && job_rows(path, "fail-first", NULL) == 1, "the first job (committed before the failure): returned %d", first.ok);
  for (int i = 0; i < FAILING; i ++)
    ok += c[i].ok;
  stored = job_rows(path, "fail-batched", NULL);
  TEST_CHECKF(ok == 0 && stored == 0, "a failed batch: %d of %d calls returned true, %d jobs stored", ok, FAILING, stored);

  creator_init(&after, s, uid, "fail-after");
  creator_main(&after);
  TEST_CHECKF(after.ok && job_rows(path, "fail-after", NULL) == 1, "the job after the failure: returned %d", after.ok);
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
  static char full_ids[FULL_TRIES][GW_UUID_LEN + 1];
  static bool full_oks[FULL_TRIES];
  int         full_tried = 0;

  TEST_BEGIN("store group commit");
  TEST_CHECK(test_tempdir(dir, sizeof(dir)) != NULL);
  snprintf(path, sizeof(path), "%s/store.db", dir);
  sqlite_hook_writes();                 /* For 12 */
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
      TEST_CHECK(gwStoreJobCreateConverting(s, &job, "owner", "test", 100, &(gw_original_t){ .size = 500, .key = &key, .ring = -1 }, &number, NULL) && number > 0);
      TEST_CHECKF(hook_calls == calls + 1, "creating a converting job ran %d fsync(s) (want one)", hook_calls - calls);
      TEST_CHECKF(b->wal_sync.synced == b->wal_sync.seq, "synced %llu of %llu writes", (unsigned long long)b->wal_sync.synced, (unsigned long long)b->wal_sync.seq);
      TEST_CHECK(gwStoreJobGet(s, GW_DEFAULT_TENANT, job.id, &got) && got.state == GW_JOB_STATE_CONVERTING && got.number == number);
      TEST_CHECK(gwStoreJobGetOriginal(s, GW_DEFAULT_TENANT, job.id, false, &size, &back) && size == 500 && !memcmp(&back, &key, sizeof(key)));
      TEST_CHECK(!gwStoreJobCreateConverting(s, &job, "owner", "test", 100, &(gw_original_t){ .size = 500, .key = NULL, .ring = -1 }, &number, NULL));   /* A key is needed */
    }

    /* 10, 11. Batched writes. */
    batches(s, b, path, uid);
    batch_full(s, b, path, uid, full_ids, full_oks, &full_tried);
    batch_fails(s, b, path, uid);
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
  {
    int mismatched = 0;

    for (int k = 0; k < full_tried; k ++)
      if (full_oks[k] != (job_rows(path, "full", full_ids[k]) == 1))
        mismatched ++;
    TEST_CHECKF(mismatched == 0, "after reopening, %d of %d calls in the full batch disagree with what is stored", mismatched, full_tried);
  }

  test_rmtree(dir);
  TEST_EXIT();
}
