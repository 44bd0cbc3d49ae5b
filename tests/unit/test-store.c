/*
 * test-store.c - the store (store.h) against a real SQLite file in a
 * private temporary folder.
 *
 * The checks look at what a user or an admin would see: who a name
 * resolves to, whether a PIN releases, whether a job is held, whether the
 * wrapped key is still anywhere in the database files.  A few checks open
 * the database file with sqlite3 directly, to see the schema, the journal
 * mode and the raw rows the way an attacker with the disk would.
 */

#include "test.h"
#include "store-private.h"

#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define T1 GW_DEFAULT_TENANT
#define T2 2
#define ST(x) (1u << GW_JOB_STATE_##x)

static char tempdir[1024];              /* Private folder for this run */
static int  db_counter = 0;             /* Names fresh databases */
static int  job_counter = 0;            /* Makes job ids */


/* ---- Helpers -------------------------------------------------------------------- */


/*
 * 'db_path()' - Path of a fresh database file in the temp folder.
 */

static const char *
db_path(char *buf, size_t bufsize)
{
  snprintf(buf, bufsize, "%s/store%d.db", tempdir, ++ db_counter);
  return (buf);
}


/*
 * 'open_fresh()' - Open a fresh store at the latest schema.
 */

static gw_store_t *
open_fresh(char *path, size_t pathsize)
{
  const char *error = NULL;
  gw_store_t *s = gwStoreOpen(db_path(path, pathsize), NULL, &error);

  if (!s)
    printf("  gwStoreOpen(%s): %s\n", path, error ? error : "?");

  return (s);
}


/*
 * 'sql_int()' - Run a one-value query against a database file with sqlite3
 *               (a separate connection: what is really on disk).
 */

static long long
sql_int(const char *path, const char *sql)
{
  sqlite3      *db = NULL;
  sqlite3_stmt *stmt = NULL;
  long long     value = -999;

  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
    value = sqlite3_column_int64(stmt, 0);
  else
    printf("  sql_int(%s): %s\n", sql, sqlite3_errmsg(db));

  sqlite3_finalize(stmt);
  sqlite3_close(db);

  return (value);
}


/*
 * 'sql_exec()' - Run a statement against a database file with sqlite3.
 */

static bool
sql_exec(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  bool     ok;

  ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
  if (!ok)
    printf("  sql_exec(%s): %s\n", sql, sqlite3_errmsg(db));
  sqlite3_close(db);

  return (ok);
}


/*
 * 'sql_text()' - Run a one-text-value query against a database file.
 */

static void
sql_text(const char *path, const char *sql, char *buf, size_t bufsize)
{
  sqlite3      *db = NULL;
  sqlite3_stmt *stmt = NULL;

  buf[0] = '\0';
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
    snprintf(buf, bufsize, "%s", (const char *)sqlite3_column_text(stmt, 0));

  sqlite3_finalize(stmt);
  sqlite3_close(db);
}


/*
 * 'file_contains()' - Does a file contain the given bytes?
 */

static bool
file_contains(const char *path, const void *needle, size_t len)
{
  FILE          *fp = fopen(path, "rb");
  unsigned char *buf;
  long           size;
  bool           found = false;

  if (!fp)
    return (false);

  fseek(fp, 0, SEEK_END);
  size = ftell(fp);
  rewind(fp);
  if (size > 0 && (buf = malloc((size_t)size)) != NULL)
  {
    if (fread(buf, 1, (size_t)size, fp) == (size_t)size)
      found = memmem(buf, (size_t)size, needle, len) != NULL;
    free(buf);
  }
  fclose(fp);

  return (found);
}


/*
 * 'key_on_disk()' - Is the key in the database or its WAL?
 */

static bool
key_on_disk(const char *path, const gw_wrapped_key_t *key)
{
  char wal[1100];

  snprintf(wal, sizeof(wal), "%s-wal", path);

  return (file_contains(path, key->bytes, sizeof(key->bytes)) || file_contains(wal, key->bytes, sizeof(key->bytes)));
}


/*
 * 'make_key()' - A recognisable wrapped key.
 */

static void
make_key(gw_wrapped_key_t *key, unsigned char seed)
{
  for (int i = 0; i < GW_WRAPPED_KEY_LEN; i ++)
    key->bytes[i] = (unsigned char)(seed * 31 + i * 7 + 0x5a);
}


/*
 * 'has_key()' - Does a tenant-1 job still have document 1's wrapped key
 *               (equal to 'expect' when given)?  Keys live outside gw_job_t.
 */

static bool
has_key(gw_store_t *s, const char *job_id, const gw_wrapped_key_t *expect)
{
  gw_wrapped_key_t k;

  return (gwStoreJobGetKey(s, 1, job_id, &k) && (!expect || !memcmp(k.bytes, expect->bytes, sizeof(k.bytes))));
}


/*
 * 'fill_job()' - A new job record for a user (with a fresh id).
 */

static void
fill_job(gw_job_t *job, int64_t tenant, int64_t user_id, const char *owner, const char *name)
{
  job_counter ++;
  memset(job, 0, sizeof(gw_job_t));
  snprintf(job->id, sizeof(job->id), "%08x-0000-4000-8000-%012x", (unsigned)job_counter, (unsigned)job_counter * 7u);
  job->tenant      = tenant;
  job->user_id     = user_id;
  job->copies      = 1;
  job->color_pages = -1;
  snprintf(job->owner, sizeof(job->owner), "%s", owner);
  snprintf(job->name, sizeof(job->name), "%s", name);
  snprintf(job->origin, sizeof(job->origin), "cli");
  snprintf(job->sides, sizeof(job->sides), "one-sided");
  snprintf(job->color_mode, sizeof(job->color_mode), "auto");
  snprintf(job->format, sizeof(job->format), "application/pdf");
}


/*
 * 'held_job()' - Create a job and take it to HELD with a key and 'pages'.
 */

static bool
held_job(gw_store_t *s, gw_job_t *job, int64_t tenant, int64_t user_id, const char *owner, const char *name, int pages, int64_t expires)
{
  gw_wrapped_key_t key;

  fill_job(job, tenant, user_id, owner, name);
  make_key(&key, (unsigned char)job_counter);

  return (gwStoreJobCreate(s, job, owner, "test", NULL) &&
          gwStoreJobSetDocument(s, tenant, job->id, "application/pdf", 1000, pages, 0, &key) &&
          gwStoreJobTransition(s, tenant, job->id, GW_JOB_STATE_RECEIVING, GW_JOB_STATE_CONVERTING, GW_REASON_NONE, "", -1, NULL, "system", "test", "job.convert", NULL) &&
          gwStoreJobTransition(s, tenant, job->id, GW_JOB_STATE_CONVERTING, GW_JOB_STATE_HELD, GW_REASON_NONE, "", expires, NULL, "system", "test", "job.hold", NULL));
}


/* Collecting callbacks */

typedef struct names_s
{
  int  count;
  char names[32][64];
} names_t;

/* 'names_add()' - Note one more name (the first 32 kept, cut to 63 bytes). */
static bool
names_add(names_t *n, const char *name)
{
  if (n->count < 32)
    snprintf(n->names[n->count], sizeof(n->names[0]), "%.63s", name);
  n->count ++;

  return (true);
}

/* Define 'static bool fn(const type *row, void *data)', an iterator callback that collects row->field (names_add()). */
#define COLLECT_CB(fn, type, field) \
  static bool fn(const type *row, void *data) { return (names_add(data, row->field)); }

COLLECT_CB(collect_user, gw_user_t, name)
COLLECT_CB(collect_address, gw_address_t, address)
COLLECT_CB(collect_printer, gw_printer_t, name)
COLLECT_CB(collect_job, gw_job_t, id)

typedef struct audits_s
{
  int        count;
  gw_audit_t rows[256];
} audits_t;

static bool
collect_audit(const gw_audit_t *entry, void *data)
{
  audits_t *a = (audits_t *)data;

  if (a->count < 256)
    a->rows[a->count] = *entry;
  a->count ++;

  return (true);
}


/*
 * 'audit_count()' - Number of audit rows of a tenant for a job and action.
 */

static int
audit_count(gw_store_t *s, int64_t tenant, const char *job_id, const char *action)
{
  static audits_t a;
  int             n = 0;

  memset(&a, 0, sizeof(a));
  gwStoreAuditIterate(s, tenant, 0, 0, collect_audit, &a);
  for (int i = 0; i < a.count && i < 256; i ++)
    n += !strcmp(a.rows[i].job_id, job_id) && (!action || !strcmp(a.rows[i].action, action));

  return (n);
}


/*
 * 'open_counts_wrong()' - Users whose user_open_jobs.n differs from the
 *                         count of their jobs in the states the held-job
 *                         limit counts (0 when the triggers kept up).
 */

#define OPEN_STATES "('receiving', 'converting', 'quarantined', 'held')"

static long long
open_counts_wrong(const char *path)
{
  return (sql_int(path, "SELECT (SELECT count(*) FROM user_open_jobs u WHERE n <> (SELECT count(*) FROM jobs j"
                        " WHERE j.tenant_id = u.tenant_id AND j.user_id = u.user_id AND j.state IN " OPEN_STATES "))"
                        " + (SELECT count(*) FROM (SELECT DISTINCT tenant_id, user_id FROM jobs"
                        " WHERE user_id IS NOT NULL AND state IN " OPEN_STATES ") x WHERE NOT EXISTS"
                        " (SELECT 1 FROM user_open_jobs u WHERE u.tenant_id = x.tenant_id AND u.user_id = x.user_id))"));
}


/*
 * 'test_open_counter()' - Version 16: user_open_jobs is filled from the
 *                         jobs already there, and its triggers keep it
 *                         equal to the count through any change to jobs
 *                         (inserts, moves in and out of the counted
 *                         states and between them, deletes, a job given
 *                         to another user, jobs without a user).
 */

static void
test_open_counter(void)
{
  static const char * const states[] = { "receiving", "converting", "quarantined", "held", "releasing", "printed", "failed", "expired", "cancelled" };
  char        path[1100], sql[600];
  const char *error = NULL;
  gw_store_t *s;
  int64_t     uid[3] = { 0, 0, 0 };
  int         bad = 0, seq = 0;
  uint64_t    r = 0x9e3779b97f4a7c15ULL;

  TEST_BEGIN("open-job counter: version 16 counts the jobs already there");
  s = _gwStoreOpenVersion(db_path(path, sizeof(path)), NULL, 15, &error);
  TEST_CHECK(s != NULL && gwStoreSchemaVersion(s) == 15);
  TEST_CHECK(gwStoreUserAdd(s, T1, "c1", "", GW_ROLE_USER, "", false, uid + 0, &error));
  TEST_CHECK(gwStoreUserAdd(s, T1, "c2", "", GW_ROLE_USER, "", false, uid + 1, &error));
  TEST_CHECK(gwStoreUserAdd(s, T1, "c3", "", GW_ROLE_USER, "", false, uid + 2, &error));
  gwStoreClose(&s);
  for (int i = 0; i < 9; i ++)          /* c1: one job in each state (4 counted); c2: two held; a job with no user */
  {
    snprintf(sql, sizeof(sql), "INSERT INTO jobs (id, tenant_id, user_id, owner, name, origin, state, created, updated)"
             " VALUES ('mig-%d', 1, %lld, 'c1', 'a.pdf', 'test', '%s', 1, 1);", i, (long long)uid[0], states[i]);
    bad += !sql_exec(path, sql);
  }
  snprintf(sql, sizeof(sql), "INSERT INTO jobs (id, tenant_id, user_id, owner, name, origin, state, created, updated) VALUES"
           " ('mig-c2a', 1, %lld, 'c2', 'a.pdf', 'test', 'held', 1, 1), ('mig-c2b', 1, %lld, 'c2', 'b.pdf', 'test', 'held', 1, 1),"
           " ('mig-none', 1, NULL, 'guest', 'c.pdf', 'test', 'held', 1, 1);", (long long)uid[1], (long long)uid[1]);
  bad += !sql_exec(path, sql);
  TEST_CHECK(bad == 0);
  s = gwStoreOpen(path, NULL, &error);
  TEST_CHECK(s != NULL && gwStoreSchemaVersion(s) == gwStoreLatestSchemaVersion() && gwStoreLatestSchemaVersion() >= 16);
  gwStoreClose(&s);
  snprintf(sql, sizeof(sql), "SELECT n FROM user_open_jobs WHERE tenant_id = 1 AND user_id = %lld", (long long)uid[0]);
  TEST_CHECKF(sql_int(path, sql) == 4, "c1: %lld", sql_int(path, sql));
  snprintf(sql, sizeof(sql), "SELECT n FROM user_open_jobs WHERE tenant_id = 1 AND user_id = %lld", (long long)uid[1]);
  TEST_CHECKF(sql_int(path, sql) == 2, "c2: %lld", sql_int(path, sql));
  TEST_CHECK(sql_int(path, "SELECT count(*) FROM user_open_jobs") == 2);
  TEST_CHECK(open_counts_wrong(path) == 0);

  TEST_BEGIN("open-job counter: 400 random inserts, moves, owner changes and deletes");
  bad = 0;
  for (int i = 0; i < 400; i ++)
  {
    unsigned op, st, u;

    r ^= r << 13;
    r ^= r >> 7;
    r ^= r << 17;
    op = (unsigned)(r % 10);
    st = (unsigned)((r >> 8) % 9);
    u  = (unsigned)((r >> 16) % 4);     /* 3: no user */

    if (op < 4)
      snprintf(sql, sizeof(sql), "INSERT INTO jobs (id, tenant_id, user_id, owner, name, origin, state, created, updated)"
               " VALUES ('r-%d', 1, %s%lld, 'x', 'r.pdf', 'test', '%s', 1, 1);", seq ++, u == 3 ? "NULL + " : "", u == 3 ? 0LL : (long long)uid[u], states[st]);
    else if (op < 8)                    /* Any move, counted or not, of one job (or of several: the trigger runs per row) */
      snprintf(sql, sizeof(sql), "UPDATE jobs SET state = '%s' WHERE seq IN (SELECT seq FROM jobs ORDER BY (seq * %u) %% 7 LIMIT %u);", states[st], (unsigned)(r >> 24) % 97 + 1, op - 3);
    else if (op == 8)
      snprintf(sql, sizeof(sql), "UPDATE jobs SET user_id = %s%lld WHERE seq = (SELECT seq FROM jobs ORDER BY (seq * %u) %% 11 LIMIT 1);", u == 3 ? "NULL + " : "", u == 3 ? 0LL : (long long)uid[u], (unsigned)(r >> 24) % 89 + 1);
    else
      snprintf(sql, sizeof(sql), "DELETE FROM jobs WHERE seq = (SELECT seq FROM jobs ORDER BY (seq * %u) %% 13 LIMIT 1);", (unsigned)(r >> 24) % 83 + 1);

    bad += !sql_exec(path, sql);
    if (i % 50 == 49 && open_counts_wrong(path) != 0)
    {
      printf("  wrong after step %d: %s\n", i, sql);
      bad ++;
      break;
    }
  }
  TEST_CHECKF(bad == 0, "%d failures", bad);
  TEST_CHECKF(sql_int(path, "SELECT count(*) FROM jobs WHERE user_id IS NOT NULL AND state IN " OPEN_STATES) > 0 &&
              sql_int(path, "SELECT count(*) FROM jobs WHERE state NOT IN " OPEN_STATES) > 0, "the random changes left %lld counted jobs", sql_int(path, "SELECT count(*) FROM jobs WHERE user_id IS NOT NULL AND state IN " OPEN_STATES));
  TEST_CHECK(open_counts_wrong(path) == 0);
}


/* ---- Migrations, files ---------------------------------------------------------- */


static void
test_migrations(void)
{
  char        path[1100], sql[512];
  const char *error = NULL;
  gw_store_t *s;
  gw_user_t   user;
  gw_job_t    job, got;
  int64_t     uid = 0;

  TEST_BEGIN("migrations: fresh database");
  s = open_fresh(path, sizeof(path));
  TEST_CHECK(s != NULL);
  TEST_CHECK(gwStoreLatestSchemaVersion() >= 2);
  TEST_CHECK(gwStoreSchemaVersion(s) == gwStoreLatestSchemaVersion());
  TEST_CHECK(gwStoreCheck(s));
  gwStoreClose(&s);
  TEST_CHECK(s == NULL);
  gwStoreClose(&s);                     /* NULL-safe */
  gwStoreClose(NULL);
  TEST_CHECK(sql_int(path, "SELECT count(*) FROM schema_version") == gwStoreLatestSchemaVersion());
  TEST_CHECK(sql_int(path, "SELECT count(*) FROM tenants WHERE id = 1") == 1);

  TEST_BEGIN("migrations: reopening is idempotent");
  s = gwStoreOpen(path, NULL, &error);
  TEST_CHECK(s != NULL && gwStoreSchemaVersion(s) == gwStoreLatestSchemaVersion());
  gwStoreClose(&s);
  TEST_CHECK(sql_int(path, "SELECT count(*) FROM schema_version") == gwStoreLatestSchemaVersion());

  TEST_BEGIN("migrations: a version 1 database migrates and keeps its rows");
  s = _gwStoreOpenVersion(db_path(path, sizeof(path)), NULL, 1, &error);
  TEST_CHECK(s != NULL && gwStoreSchemaVersion(s) == 1);
  TEST_CHECK(gwStoreUserAdd(s, T1, "olduser", "Old User", GW_ROLE_USER, "$argon2id$x", false, &uid, &error));
  TEST_CHECK(gwStorePrinterAdd(s, T1, "lobby", "ipp://printer.example/ipp/print", "Lobby", &error));
  gwStoreClose(&s);
  /* Today's job insert needs the version 3 columns: write a version 1 row. */
  fill_job(&job, T1, uid, "olduser", "old.pdf");
  snprintf(sql, sizeof(sql), "INSERT INTO jobs (id, tenant_id, user_id, owner, name, origin, state, copies, created, updated)"
           " VALUES ('%s', %d, %lld, 'olduser', 'old.pdf', 'test', 'receiving', 2, 1, 1);", job.id, (int)T1, (long long)uid);
  TEST_CHECK(sql_exec(path, sql));
  TEST_CHECK(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'jobs_expires'") == 0);

  s = gwStoreOpen(path, NULL, &error);
  TEST_CHECK(s != NULL && gwStoreSchemaVersion(s) == gwStoreLatestSchemaVersion());
  TEST_CHECK(gwStoreUserFind(s, T1, "olduser", &user) && user.id == uid && !strcmp(user.display_name, "Old User"));
  TEST_CHECK(gwStoreJobGet(s, T1, job.id, &got) && got.state == GW_JOB_STATE_RECEIVING && !strcmp(got.name, "old.pdf"));
  TEST_CHECK(got.copies == 2 && got.page_ranges[0] == '\0' && got.number_up == 1);   /* Version 3 defaults */
  fill_job(&job, T1, uid, "olduser", "new.pdf");
  snprintf(job.page_ranges, sizeof(job.page_ranges), "2-3,5");
  job.number_up = 4;
  TEST_CHECK(gwStoreJobCreate(s, &job, "olduser", "test", &error));
  TEST_CHECK(audit_count(s, T1, job.id, "job.submit") == 1);
  TEST_CHECK(gwStoreJobGet(s, T1, job.id, &got) && !strcmp(got.page_ranges, "2-3,5") && got.number_up == 4);
  gwStoreClose(&s);
  TEST_CHECK(!sql_exec(path, "UPDATE jobs SET number_up = 3"));   /* Only 1, 2, 4, 6, 9, 16 */
  TEST_CHECK(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'jobs_expires'") == 1);
  TEST_CHECK(sql_int(path, "SELECT max(version) FROM schema_version") == gwStoreLatestSchemaVersion());

  TEST_BEGIN("migrations: a version 5 database gets devices (version 6) and keeps its users");
  unlink(path);
  s = _gwStoreOpenVersion(path, NULL, 5, &error);
  TEST_CHECK(s != NULL && gwStoreSchemaVersion(s) == 5);
  TEST_CHECK(gwStoreUserAdd(s, T1, "v5user", "", GW_ROLE_USER, "", false, &uid, &error));
  gwStoreClose(&s);
  TEST_CHECK(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'devices'") == 0);
  s = gwStoreOpen(path, NULL, &error);
  TEST_CHECK(s != NULL && gwStoreSchemaVersion(s) == gwStoreLatestSchemaVersion() && gwStoreLatestSchemaVersion() >= 6);
  {
    unsigned char th[32], ph[32];
    gw_device_t   d;
    int64_t       did;

    memset(th, 1, sizeof(th));
    memset(ph, 2, sizeof(ph));
    TEST_CHECK(gwStoreUserFind(s, T1, "v5user", &user) && user.id == uid);
    TEST_CHECK(gwStoreDeviceAdd(s, T1, uid, "old-phone", th, ph, &did, &error) && gwStoreDeviceFind(s, T1, did, NULL, &d) && !strcmp(d.name, "old-phone"));
  }
  gwStoreClose(&s);
  TEST_CHECK(sql_int(path, "SELECT description = 'devices' FROM schema_version WHERE version = 6") == 1);
  TEST_CHECK(!sql_exec(path, "INSERT INTO devices (tenant_id, user_id, name, token_hmac, password_hmac, created) VALUES (1, 1, 'x', x'00', x'00', 0)"));   /* 32-byte HMACs only */

  TEST_BEGIN("migrations: a database from a newer Printgate is refused");
  TEST_CHECK(sql_exec(path, "INSERT INTO schema_version (version, applied, description) VALUES (99, 0, 'future')"));
  error = NULL;
  s = gwStoreOpen(path, NULL, &error);
  TEST_CHECKF(s == NULL && error && strstr(error, "newer"), "error: %s", error ? error : "(none)");
  gwStoreClose(&s);

  TEST_BEGIN("open: bad paths");
  error = NULL;
  TEST_CHECK(gwStoreOpen(NULL, NULL, &error) == NULL && error != NULL);
  error = NULL;
  TEST_CHECK(gwStoreOpen(tempdir, NULL, &error) == NULL && error != NULL);   /* A folder */
  snprintf(path, sizeof(path), "%s/no/such/folder/x.db", tempdir);
  TEST_CHECK(gwStoreOpen(path, NULL, NULL) == NULL);
  TEST_CHECK(_gwStoreOpenVersion(db_path(path, sizeof(path)), NULL, 99, NULL) == NULL);
  TEST_CHECK(gwStoreSchemaVersion(NULL) == -1 && !gwStoreCheck(NULL));
}


static void
test_files(void)
{
  char        path[1100], wal[1200], text[64];
  struct stat st;
  gw_store_t *s;
  FILE       *fp;

  TEST_BEGIN("files: WAL mode, mode 0600");
  s = open_fresh(path, sizeof(path));
  TEST_CHECK(s != NULL);
  TEST_CHECK(gwStoreUserAdd(s, T1, "alice", "", GW_ROLE_USER, NULL, false, NULL, NULL));
  sql_text(path, "PRAGMA journal_mode", text, sizeof(text));
  TEST_CHECKF(!strcmp(text, "wal"), "journal_mode %s", text);
  TEST_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  snprintf(wal, sizeof(wal), "%s-wal", path);
  TEST_CHECKF(stat(wal, &st) == 0 && (st.st_mode & 0777) == 0600, "wal mode %o", (unsigned)(st.st_mode & 0777));
  gwStoreClose(&s);

  TEST_BEGIN("files: an existing world-readable database is tightened");
  db_path(path, sizeof(path));
  if ((fp = fopen(path, "w")) != NULL)
    fclose(fp);
  chmod(path, 0644);
  s = gwStoreOpen(path, NULL, NULL);
  TEST_CHECK(s != NULL);
  TEST_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  gwStoreClose(&s);

  TEST_BEGIN("files: a symlink is not followed");
  snprintf(wal, sizeof(wal), "%s/link.db", tempdir);
  TEST_CHECK(symlink(path, wal) == 0);
  TEST_CHECK(gwStoreOpen(wal, NULL, NULL) == NULL);
}


/* ---- Users, aliases, addresses ---------------------------------------------------- */


static void
test_users(gw_store_t *s)
{
  static const char * const bad[] = { "", "has space", "semi;colon", "quote'", "tab\there", "slash/x", "ünï",
    "0123456789012345678901234567890123456789012345678901234567890123" };
  const char *error;
  gw_user_t   user, alias_user;
  names_t     names;
  char        hash[128];
  int64_t     alice = 0, bob = 0, id;

  TEST_BEGIN("users: add, find, lower-casing");
  TEST_CHECK(gwStoreUserCount(s, T1) == 0);
  TEST_CHECK(gwStoreUserAdd(s, T1, "Alice", "Alice Liddell", GW_ROLE_ADMIN, "$argon2id$v=19$hash", true, &alice, NULL) && alice > 0);
  TEST_CHECK(gwStoreUserAdd(s, T1, "bob.smith@example.com", NULL, GW_ROLE_GUEST, NULL, false, &bob, NULL) && bob > 0 && bob != alice);
  TEST_CHECK(gwStoreUserFind(s, T1, "ALICE", &user) && user.id == alice && !strcmp(user.name, "alice"));
  TEST_CHECK(user.role == GW_ROLE_ADMIN && user.must_change_password && !user.disabled && user.tenant == T1 && user.created > 0);
  TEST_CHECK(!strcmp(user.display_name, "Alice Liddell"));
  TEST_CHECK(gwStoreUserGet(s, T1, bob, &user) && !strcmp(user.name, "bob.smith@example.com") && user.role == GW_ROLE_GUEST);
  TEST_CHECK(!gwStoreUserFind(s, T1, "carol", &user));
  TEST_CHECK(!gwStoreUserGet(s, T1, 9999, &user));
  TEST_CHECK(gwStoreUserCount(s, T1) == 2);

  TEST_BEGIN("users: passwords");
  TEST_CHECK(gwStoreUserGetPasswordHash(s, T1, alice, hash, sizeof(hash)) && !strcmp(hash, "$argon2id$v=19$hash"));
  TEST_CHECK(!gwStoreUserGetPasswordHash(s, T1, alice, hash, 5));   /* Too small: refused, not truncated */
  TEST_CHECK(!gwStoreUserGetPasswordHash(s, T1, bob, hash, sizeof(hash)) && hash[0] == '\0');
  TEST_CHECK(gwStoreUserAdd(s, T1, "nopass", "", GW_ROLE_USER, "", false, &id, NULL) && id > 0);   /* "" = no password */
  TEST_CHECK(!gwStoreUserGetPasswordHash(s, T1, id, hash, sizeof(hash)));
  TEST_CHECK(gwStoreUserSetPassword(s, T1, alice, "$argon2id$v=19$new", false));
  TEST_CHECK(gwStoreUserGetPasswordHash(s, T1, alice, hash, sizeof(hash)) && !strcmp(hash, "$argon2id$v=19$new"));
  TEST_CHECK(gwStoreUserGet(s, T1, alice, &user) && !user.must_change_password);
  TEST_CHECK(!gwStoreUserSetPassword(s, T1, 9999, "$x", false));
  TEST_CHECK(!gwStoreUserSetPassword(s, T1, alice, NULL, false));

  TEST_BEGIN("users: duplicates and bad names refused");
  error = NULL;
  TEST_CHECK(!gwStoreUserAdd(s, T1, "alice", "", GW_ROLE_USER, NULL, false, &id, &error) && id == 0);
  TEST_CHECKF(error && strstr(error, "already taken"), "%s", error ? error : "(none)");
  TEST_CHECK(!gwStoreUserAdd(s, T1, "ALICE", "", GW_ROLE_USER, NULL, false, NULL, NULL));
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i ++)
  {
    error = NULL;
    TEST_CHECKF(!gwStoreUserAdd(s, T1, bad[i], "", GW_ROLE_USER, NULL, false, NULL, &error) && error, "\"%s\"", bad[i]);
  }
  TEST_CHECK(!gwStoreUserAdd(s, T1, NULL, "", GW_ROLE_USER, NULL, false, NULL, NULL));
  TEST_CHECK(!gwStoreUserAdd(s, T1, "dave", "bad\ndisplay", GW_ROLE_USER, NULL, false, NULL, NULL));
  TEST_CHECK(!gwStoreUserAdd(s, T1, "dave", "", (gw_role_t)7, NULL, false, NULL, NULL));
  TEST_CHECK(!gwStoreUserAdd(s, 0, "dave", "", GW_ROLE_USER, NULL, false, NULL, NULL));
  error = NULL;
  TEST_CHECK(!gwStoreUserAdd(s, 77, "dave", "", GW_ROLE_USER, NULL, false, NULL, &error) && error && strstr(error, "tenant"));
  TEST_CHECK(gwStoreUserAdd(s, T1, "a-z0.9_@x", "", GW_ROLE_USER, NULL, false, NULL, NULL));
  TEST_CHECK(gwStoreUserCount(s, T1) == 4);

  TEST_BEGIN("users: aliases");
  TEST_CHECK(gwStoreAliasAdd(s, T1, alice, "A.Liddell", NULL));
  TEST_CHECK(gwStoreUserFind(s, T1, "a.liddell", &alias_user) && alias_user.id == alice && !strcmp(alias_user.name, "alice"));
  error = NULL;
  TEST_CHECK(!gwStoreAliasAdd(s, T1, bob, "a.liddell", &error) && error && strstr(error, "already taken"));
  TEST_CHECK(!gwStoreAliasAdd(s, T1, bob, "alice", NULL));          /* A user's name */
  TEST_CHECK(!gwStoreUserAdd(s, T1, "a.liddell", "", GW_ROLE_USER, NULL, false, NULL, NULL));  /* An alias */
  error = NULL;
  TEST_CHECK(!gwStoreAliasAdd(s, T1, 9999, "ghost", &error) && error && strstr(error, "no such user"));
  TEST_CHECK(!gwStoreAliasAdd(s, T1, alice, "bad alias", NULL));
  TEST_CHECK(gwStoreUserCount(s, T1) == 4);

  TEST_BEGIN("users: iterate by name");
  memset(&names, 0, sizeof(names));
  TEST_CHECK(gwStoreUserIterate(s, T1, collect_user, &names));
  TEST_CHECK(names.count == 4 && !strcmp(names.names[0], "a-z0.9_@x") && !strcmp(names.names[1], "alice") && !strcmp(names.names[2], "bob.smith@example.com") && !strcmp(names.names[3], "nopass"));
}


static void
test_addresses(gw_store_t *s)
{
  static const char * const bad[] = { "no-at", "a@@b", "@b.example", "a@", "a b@c.example", "a@b\n", "two@at@x", "", "tab\t@x.example" };
  gw_address_t addr;
  gw_user_t    alice, bob;
  names_t      names;
  const char  *error;
  time_t       before = time(NULL);

  TEST_BEGIN("addresses: pending, verified, revoked");
  TEST_CHECK(gwStoreUserFind(s, T1, "alice", &alice) && gwStoreUserFind(s, T1, "bob.smith@example.com", &bob));
  TEST_CHECK(gwStoreAddressAdd(s, T1, alice.id, "Alice@Example.COM", NULL));
  TEST_CHECK(gwStoreAddressFind(s, T1, "alice@example.com", &addr));
  TEST_CHECK(!strcmp(addr.address, "alice@example.com") && addr.state == GW_ADDRESS_PENDING && addr.user_id == alice.id && !strcmp(addr.user_name, "alice"));
  TEST_CHECK(addr.verified_by[0] == '\0' && addr.verified_at == 0 && addr.created >= before);

  TEST_CHECK(gwStoreAddressSetState(s, T1, "ALICE@example.com", GW_ADDRESS_VERIFIED, "admin", NULL));
  TEST_CHECK(gwStoreAddressFind(s, T1, "alice@EXAMPLE.com", &addr) && addr.state == GW_ADDRESS_VERIFIED);
  TEST_CHECK(!strcmp(addr.verified_by, "admin") && addr.verified_at >= before && addr.verified_at <= time(NULL));

  TEST_CHECK(gwStoreAddressSetState(s, T1, "alice@example.com", GW_ADDRESS_REVOKED, "admin", NULL));
  TEST_CHECK(gwStoreAddressFind(s, T1, "alice@example.com", &addr) && addr.state == GW_ADDRESS_REVOKED);
  TEST_CHECK(gwStoreAddressSetState(s, T1, "alice@example.com", GW_ADDRESS_PENDING, NULL, NULL));
  TEST_CHECK(gwStoreAddressFind(s, T1, "alice@example.com", &addr) && addr.state == GW_ADDRESS_PENDING && addr.verified_by[0] == '\0' && addr.verified_at == 0);
  TEST_CHECK(gwStoreAddressSetState(s, T1, "alice@example.com", GW_ADDRESS_VERIFIED, "self", NULL));
  TEST_CHECK(gwStoreAddressFind(s, T1, "alice@example.com", &addr) && !strcmp(addr.verified_by, "self"));
  TEST_CHECK(!gwStoreAddressSetState(s, T1, "alice@example.com", GW_ADDRESS_VERIFIED, "", NULL));   /* Who? */
  error = NULL;
  TEST_CHECK(!gwStoreAddressSetState(s, T1, "nobody@example.com", GW_ADDRESS_VERIFIED, "admin", &error) && error && strstr(error, "no such address"));

  TEST_BEGIN("addresses: duplicates and bad addresses refused");
  error = NULL;
  TEST_CHECK(!gwStoreAddressAdd(s, T1, bob.id, "ALICE@example.com", &error) && error && strstr(error, "already registered"));
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i ++)
  {
    error = NULL;
    TEST_CHECKF(!gwStoreAddressAdd(s, T1, bob.id, bad[i], &error) && error, "\"%s\"", bad[i]);
  }
  TEST_CHECK(!gwStoreAddressAdd(s, T1, bob.id, NULL, NULL));
  error = NULL;
  TEST_CHECK(!gwStoreAddressAdd(s, T1, 9999, "ghost@example.com", &error) && error && strstr(error, "no such user"));

  TEST_BEGIN("addresses: iterate");
  TEST_CHECK(gwStoreAddressAdd(s, T1, bob.id, "bob@example.com", NULL));
  TEST_CHECK(gwStoreAddressAdd(s, T1, alice.id, "a.liddell@example.org", NULL));
  memset(&names, 0, sizeof(names));
  TEST_CHECK(gwStoreAddressIterate(s, T1, 0, collect_address, &names));
  TEST_CHECK(names.count == 3 && !strcmp(names.names[0], "a.liddell@example.org") && !strcmp(names.names[2], "bob@example.com"));
  memset(&names, 0, sizeof(names));
  TEST_CHECK(gwStoreAddressIterate(s, T1, alice.id, collect_address, &names));
  TEST_CHECK(names.count == 2 && !strcmp(names.names[1], "alice@example.com"));
}


/* ---- Release credentials ---------------------------------------------------------- */


static void
test_credentials(gw_store_t *s)
{
  unsigned char pin1[32], pin2[32], pin3[32], card[32];
  gw_user_t     alice, bob;
  const char   *error;
  int64_t       now = (int64_t)time(NULL);

  memset(pin1, 0x11, sizeof(pin1));
  memset(pin2, 0x22, sizeof(pin2));
  memset(pin3, 0x33, sizeof(pin3));
  memset(card, 0xcc, sizeof(card));
  gwStoreUserFind(s, T1, "alice", &alice);
  gwStoreUserFind(s, T1, "bob.smith@example.com", &bob);

  TEST_BEGIN("PINs: set, look up, replace");
  TEST_CHECK(gwStorePinLookup(s, T1, pin1, now) == 0);
  TEST_CHECK(gwStorePinSet(s, T1, alice.id, pin1, 0, NULL));
  TEST_CHECK(gwStorePinLookup(s, T1, pin1, now) == alice.id);
  TEST_CHECK(gwStorePinLookup(s, T1, pin1, now + 10 * 365 * 86400LL) == alice.id);   /* Never expires */
  TEST_CHECK(gwStorePinLookup(s, T1, pin2, now) == 0);
  TEST_CHECK(gwStorePinSet(s, T1, alice.id, pin2, 0, NULL));
  TEST_CHECK(gwStorePinLookup(s, T1, pin1, now) == 0);       /* Replaced */
  TEST_CHECK(gwStorePinLookup(s, T1, pin2, now) == alice.id);
  TEST_CHECK(gwStorePinSet(s, T1, alice.id, pin2, 0, NULL));  /* Same PIN again: fine */

  TEST_BEGIN("PINs: collision with another user's PIN");
  error = NULL;
  TEST_CHECK(!gwStorePinSet(s, T1, bob.id, pin2, 0, &error));
  TEST_CHECKF(error && !strcmp(error, "PIN already in use; choose another"), "%s", error ? error : "(none)");
  TEST_CHECK(gwStorePinLookup(s, T1, pin2, now) == alice.id);  /* Alice keeps hers */
  error = NULL;
  TEST_CHECK(!gwStorePinSet(s, T1, 9999, pin3, 0, &error) && error && strstr(error, "no such user"));
  TEST_CHECK(!gwStorePinSet(s, T1, bob.id, NULL, 0, NULL));
  TEST_CHECK(!gwStorePinSet(s, T1, bob.id, pin3, -5, NULL));

  TEST_BEGIN("PINs: expiry");
  TEST_CHECK(gwStorePinSet(s, T1, bob.id, pin3, now + 100, NULL));
  TEST_CHECK(gwStorePinLookup(s, T1, pin3, now) == bob.id);
  TEST_CHECK(gwStorePinLookup(s, T1, pin3, now + 99) == bob.id);
  TEST_CHECK(gwStorePinLookup(s, T1, pin3, now + 100) == 0);
  TEST_CHECK(gwStorePinLookup(s, T1, pin3, now + 1000) == 0);
  /* An expired PIN of someone else does not block its value. */
  TEST_CHECK(gwStorePinSet(s, T1, bob.id, pin1, now - 1, NULL));
  TEST_CHECK(gwStorePinLookup(s, T1, pin1, now) == 0);
  TEST_CHECK(gwStorePinSet(s, T1, alice.id, pin1, 0, NULL));
  TEST_CHECK(gwStorePinLookup(s, T1, pin1, now) == alice.id);

  TEST_BEGIN("cards");
  TEST_CHECK(gwStoreCardLookup(s, T1, card) == 0);
  TEST_CHECK(gwStoreCardSet(s, T1, bob.id, card, NULL));
  TEST_CHECK(gwStoreCardLookup(s, T1, card) == bob.id);
  error = NULL;
  TEST_CHECK(!gwStoreCardSet(s, T1, alice.id, card, &error) && error != NULL);
  TEST_CHECK(gwStoreCardLookup(s, T1, card) == bob.id);
  TEST_CHECK(gwStoreCardSet(s, T1, bob.id, pin3, NULL));      /* New card replaces */
  TEST_CHECK(gwStoreCardLookup(s, T1, card) == 0 && gwStoreCardLookup(s, T1, pin3) == bob.id);
  TEST_CHECK(gwStoreCardSet(s, T1, alice.id, card, NULL));    /* Old card is free again */
  TEST_CHECK(gwStoreCardLookup(s, T1, card) == alice.id);
}


/*
 * 'attempt1()' - One PIN attempt with the given HMAC against a single key
 *                with limit 5 and a 900 s window; returns the user id (0 =
 *                wrong or locked, -1 = error), *until the lock's end.
 */

static int64_t
attempt1(gw_store_t *s, const char *key, const unsigned char hmac[32], int64_t now, gw_lockout_key_t *k, int64_t *until)
{
  memset(k, 0, sizeof(*k));
  k->key          = key;
  k->max_failures = 5;

  return (gwStoreCredentialAttempt(s, T1, false, hmac, k, 1, now, 900, until, NULL));
}


TEST_COUNT_CB(count_device, gw_device_t)
TEST_COUNT_CB(count_lockout, gw_lockout_t)


static void
test_lockout(gw_store_t *s, const char *path)
{
  int64_t          t = 1000000, until, uid;
  gw_lockout_key_t k, keys[3];
  unsigned char    wrong[32], right[32], card[32];
  gw_user_t        carol;
  int              locked_key, n;
  const char      *error = NULL;

  memset(wrong, 0x5a, sizeof(wrong));
  memset(right, 0xc3, sizeof(right));
  memset(card, 0x3c, sizeof(card));
  TEST_CHECK(gwStoreUserAdd(s, T1, "carol", "Carol", GW_ROLE_USER, "", false, &uid, NULL));
  TEST_CHECK(gwStoreUserGet(s, T1, uid, &carol));
  TEST_CHECK(gwStorePinSet(s, T1, carol.id, right, 0, NULL));
  TEST_CHECK(gwStoreCardSet(s, T1, carol.id, card, NULL));

  TEST_BEGIN("lockout: a right PIN finds the user and counts nothing");
  TEST_CHECK(attempt1(s, "printer:lobby", right, t, &k, &until) == carol.id && until == 0 && k.failures == 0);

  TEST_BEGIN("lockout: 5 wrong attempts lock the key for lock_secs");
  for (int i = 0; i < 4; i ++)
    TEST_CHECK(attempt1(s, "printer:lobby", wrong, t + i, &k, &until) == 0 && until == 0 && k.failures == i + 1);
  TEST_CHECK(attempt1(s, "printer:lobby", right, t + 4, &k, &until) == carol.id);   /* Right: forgives nothing */
  TEST_CHECK(attempt1(s, "printer:lobby", wrong, t + 4, &k, &until) == 0 && until == 0 && k.failures == 5);
  TEST_CHECK(attempt1(s, "printer:lobby", right, t + 5, &k, &until) == 0 && until == t + 904);   /* Locked: even right */
  TEST_CHECK(attempt1(s, "printer:lobby", wrong, t + 903, &k, &until) == 0 && until == t + 904 && k.failures == 0);
  TEST_CHECK(attempt1(s, "printer:other", right, t + 5, &k, &until) == carol.id);   /* Per key */

  TEST_BEGIN("lockout: the lock ends and counting starts again");
  TEST_CHECK(attempt1(s, "printer:lobby", right, t + 904, &k, &until) == carol.id && until == 0);
  TEST_CHECK(attempt1(s, "printer:lobby", wrong, t + 905, &k, &until) == 0 && until == 0 && k.failures == 1);

  TEST_BEGIN("lockout: failures outside the window do not add up");
  for (int i = 0; i < 10; i ++)
    TEST_CHECK(attempt1(s, "slow", wrong, t + i * 300, &k, &until) == 0 && until == 0 && k.failures <= 3);

  TEST_BEGIN("lockout: several keys, one transaction; a locked key counts nothing");
  memset(keys, 0, sizeof(keys));
  keys[0].key = "printer:p1"; keys[0].max_failures = 5;
  keys[1].key = "client:c1";  keys[1].max_failures = 2;
  keys[2].key = "tenant";     keys[2].max_failures = 50;
  TEST_CHECK(gwStoreCredentialAttempt(s, T1, false, wrong, keys, 3, t, 900, &until, &locked_key) == 0 && locked_key == -1);
  TEST_CHECK(keys[0].failures == 1 && keys[1].failures == 1 && keys[2].failures == 1);
  TEST_CHECK(gwStoreCredentialAttempt(s, T1, false, wrong, keys, 3, t + 1, 900, &until, &locked_key) == 0 && keys[1].failures == 2);
  TEST_CHECK(gwStoreCredentialAttempt(s, T1, false, right, keys, 3, t + 2, 900, &until, &locked_key) == 0 && until == t + 901 && locked_key == 1);
  keys[1].key = "client:c2";
  TEST_CHECK(gwStoreCredentialAttempt(s, T1, false, wrong, keys, 3, t + 3, 900, &until, &locked_key) == 0 && keys[0].failures == 3 && keys[2].failures == 3);
  TEST_CHECK(gwStoreCredentialAttempt(s, T1, true, card, keys, 3, t + 4, 900, &until, &locked_key) == carol.id);   /* Cards too */
  TEST_CHECK(gwStoreCredentialAttempt(s, T1, true, right, keys, 3, t + 4, 900, &until, &locked_key) == 0 && keys[0].failures == 4);

  TEST_BEGIN("lockout: a disabled user's PIN is a wrong one");
  TEST_CHECK(sql_exec(path, "UPDATE users SET disabled = 1 WHERE name = 'carol'"));
  TEST_CHECK(attempt1(s, "printer:desk", right, t, &k, &until) == 0 && k.failures == 1);
  TEST_CHECK(sql_exec(path, "UPDATE users SET disabled = 0 WHERE name = 'carol'"));

  TEST_BEGIN("lockout: list and clear");
  n = 0;
  TEST_CHECK(gwStoreLockoutIterate(s, T1, count_lockout, &n) && n >= 6);
  TEST_CHECK(gwStoreLockoutClear(s, T1, "desk"));
  TEST_CHECK(gwStoreLockoutClear(s, T1, NULL));
  n = 0;
  TEST_CHECK(gwStoreLockoutIterate(s, T1, count_lockout, &n) && n == 0);

  TEST_BEGIN("lockout: bad arguments");
  TEST_CHECK(attempt1(s, "", wrong, t, &k, &until) < 0);
  k.key = "desk"; k.max_failures = 0;
  TEST_CHECK(gwStoreCredentialAttempt(s, T1, false, wrong, &k, 1, t, 900, NULL, NULL) < 0);
  k.max_failures = 5;
  TEST_CHECK(gwStoreCredentialAttempt(s, T1, false, wrong, &k, 1, t, 0, NULL, NULL) < 0);
  TEST_CHECK(gwStoreCredentialAttempt(s, T1, false, wrong, &k, 0, t, 900, NULL, NULL) < 0);
  TEST_CHECK(gwStoreCredentialAttempt(s, T1, false, NULL, &k, 1, t, 900, NULL, NULL) < 0);
  TEST_CHECK(gwStoreCredentialAttempt(s, T1, false, wrong, NULL, 1, t, 900, NULL, NULL) < 0);
  TEST_CHECK(gwStoreCredentialAttempt(s, T1, (gw_credential_t)9, wrong, &k, 1, t, 900, NULL, NULL) < 0);

  TEST_BEGIN("devices: token and password HMACs find their owner and mark the device used; revoked at once");
  {
    unsigned char tok[32], pw[32], tok2[32];
    gw_device_t   d;
    int64_t       dev = 0, dev2 = 0;

    memset(tok, 0x71, sizeof(tok));      /* Bytes no PIN or card of this file uses */
    memset(pw, 0x72, sizeof(pw));
    memset(tok2, 0x73, sizeof(tok2));
    TEST_CHECK(gwStoreDeviceAdd(s, T1, carol.id, "carol-phone", tok, pw, &dev, &error) && dev > 0);
    TEST_CHECK(!gwStoreDeviceAdd(s, T1, carol.id, "carol-phone", tok2, wrong, NULL, &error) && strstr(error, "already has a device"));
    TEST_CHECK(!gwStoreDeviceAdd(s, T1, carol.id, "carol-mac", tok, wrong, NULL, &error));   /* Same token HMAC */
    TEST_CHECK(!gwStoreDeviceAdd(s, T1, 999999, "x", tok2, wrong, NULL, &error) && !strcmp(error, "no such user"));
    TEST_CHECK(!gwStoreDeviceAdd(s, T1, carol.id, "bad/name", tok2, wrong, NULL, &error));
    TEST_CHECK(gwStoreDeviceAdd(s, T1, carol.id, "carol-mac", tok2, wrong, &dev2, &error) && dev2 > dev);
    TEST_CHECK(gwStoreDeviceFind(s, T1, dev, NULL, &d) && d.user_id == carol.id && !strcmp(d.user_name, "carol") && d.last_used == 0);
    TEST_CHECK(!gwStoreDeviceFind(s, 2, dev, NULL, &d));                                   /* Another tenant */
    memset(&k, 0, sizeof(k));
    k.key = "device:c1"; k.max_failures = 3;
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_DEVICE_TOKEN, tok, &k, 1, t, 900, &until, NULL) == carol.id && k.failures == 0);
    TEST_CHECK(gwStoreDeviceFind(s, T1, 0, tok, &d) && d.id == dev && d.last_used == t);
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_DEVICE_TOKEN, pw, &k, 1, t, 900, &until, NULL) == 0 && k.failures == 1);   /* A password is no token */
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_DEVICE_PASSWORD, pw, &k, 1, t + 1, 900, &until, NULL) == carol.id);
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_PIN, tok, &k, 1, t + 1, 900, &until, NULL) == 0 && k.failures == 2);      /* A token is no PIN */
    TEST_CHECK(gwStoreDeviceRevoke(s, T1, dev) && !gwStoreDeviceRevoke(s, T1, dev));
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_DEVICE_TOKEN, tok, &k, 1, t + 2, 900, &until, NULL) == 0 && k.failures == 3 && until == 0);
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_DEVICE_TOKEN, tok2, &k, 1, t + 3, 900, &until, NULL) == 0 && until == t + 902);   /* Locked */

    TEST_BEGIN("lockout: a reservation counts, its refund takes back only itself and the lock it set");
    k.key = "login:carol@c1"; k.max_failures = 3;
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_NONE, tok2, &k, 1, t, 900, &until, NULL) == 0 && k.failures == 1);   /* NONE matches nothing */
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_NONE, tok2, &k, 1, t, 900, &until, NULL) == 0 && k.failures == 2);
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_NONE, tok2, &k, 1, t, 900, &until, NULL) == 0 && k.failures == 3);   /* Reached: locked */
    TEST_CHECK(gwStoreLockoutRefund(s, T1, &k, 1));                                                                                  /* Right: back to 2, unlocked */
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_NONE, tok2, &k, 1, t + 1, 900, &until, NULL) == 0 && until == 0 && k.failures == 3);
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_NONE, tok2, &k, 1, t + 2, 900, &until, NULL) == 0 && until == t + 901);

    TEST_BEGIN("lockout: a verified credential (a cached right password) reads the lock, counts and writes nothing");
    int n0 = 0, n1 = 0;
    TEST_CHECK(gwStoreLockoutIterate(s, T1, count_lockout, &n0) && n0 > 0);
    until = 0;
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_VERIFIED, tok2, &k, 1, t + 3, 900, &until, NULL) == 0 && until == t + 901);   /* Locked: refused */
    k.key = "login:carol@c2"; k.failures = 0;
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_VERIFIED, tok2, &k, 1, t + 3, 900, &until, NULL) == 0 && until == 0 && k.failures == 0);
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_VERIFIED, tok2, &k, 1, t + 3, 900, &until, NULL) == 0 && until == 0 && k.failures == 0);
    TEST_CHECK(gwStoreLockoutIterate(s, T1, count_lockout, &n1) && n1 == n0);                                                   /* No row written */
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_NONE, tok2, &k, 1, t + 3, 900, &until, NULL) == 0 && k.failures == 1);   /* The first failure */
    k.key = "login:carol@c1";
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_NONE, tok2, &k, 1, t + 4, 900, &until, NULL) == 0 && until == t + 901);   /* Lock unchanged */
    TEST_CHECK(gwStoreCredentialAttempt(s, T1, GW_CREDENTIAL_VERIFIED + 1, tok2, &k, 1, t + 4, 900, &until, NULL) < 0);                /* No such kind */
    n = 0;
    TEST_CHECK(gwStoreDeviceIterate(s, T1, 0, count_device, &n) && n == 1);
    TEST_CHECK(gwStoreLockoutClear(s, T1, NULL));
  }
}


/* ---- Printers ---------------------------------------------------------------------- */


static void
test_printers(gw_store_t *s)
{
  gw_printer_t printer;
  names_t      names;
  const char  *error;

  TEST_BEGIN("printers");
  TEST_CHECK(gwStorePrinterAdd(s, T1, "Lobby", "ipps://lobby.example:631/ipp/print", "Ground floor", NULL));
  TEST_CHECK(gwStorePrinterAdd(s, T1, "floor2-color", "cups://localhost:631/floor2", NULL, NULL));
  TEST_CHECK(gwStorePrinterFind(s, T1, "lobby", &printer) && !strcmp(printer.name, "Lobby") && printer.enabled);
  TEST_CHECK(!strcmp(printer.uri, "ipps://lobby.example:631/ipp/print") && !strcmp(printer.location, "Ground floor") && printer.tenant == T1);
  error = NULL;
  TEST_CHECK(!gwStorePrinterAdd(s, T1, "LOBBY", "ipp://x/ipp/print", "", &error) && error && strstr(error, "already exists"));
  TEST_CHECK(!gwStorePrinterAdd(s, T1, "bad name", "ipp://x/ipp/print", "", NULL));
  TEST_CHECK(!gwStorePrinterAdd(s, T1, "x;y", "ipp://x/ipp/print", "", NULL));
  TEST_CHECK(!gwStorePrinterAdd(s, T1, "ok", "not a uri", "", NULL));
  TEST_CHECK(!gwStorePrinterAdd(s, T1, "ok", "", "", NULL));
  TEST_CHECK(!gwStorePrinterAdd(s, T1, "ok", NULL, "", NULL));
  memset(&names, 0, sizeof(names));
  TEST_CHECK(gwStorePrinterIterate(s, T1, collect_printer, &names));
  TEST_CHECK(names.count == 2 && !strcmp(names.names[0], "floor2-color") && !strcmp(names.names[1], "Lobby"));
  TEST_CHECK(gwStorePrinterDelete(s, T1, "floor2-color"));
  TEST_CHECK(!gwStorePrinterDelete(s, T1, "floor2-color"));
  TEST_CHECK(!gwStorePrinterFind(s, T1, "floor2-color", &printer));
}


/* ---- Jobs ----------------------------------------------------------------------------- */


static void
test_jobs(gw_store_t *s, const char *path)
{
  gw_job_t         job, got, other;
  gw_wrapped_key_t key;
  gw_user_t        alice, bob;
  names_t          names;
  const char      *error;
  time_t           before = time(NULL);

  gwStoreUserFind(s, T1, "alice", &alice);
  gwStoreUserFind(s, T1, "bob.smith@example.com", &bob);

  TEST_BEGIN("jobs: create, document, get");
  fill_job(&job, T1, alice.id, "alice", "report.pdf");
  job.copies = 2;
  snprintf(job.sides, sizeof(job.sides), "two-sided-long-edge");
  job.state = GW_JOB_STATE_HELD;                 /* Ignored: new jobs are RECEIVING */
  TEST_CHECK(gwStoreJobCreate(s, &job, "alice", "ipp", NULL));
  TEST_CHECK(gwStoreJobGet(s, T1, job.id, &got));
  TEST_CHECK(got.state == GW_JOB_STATE_RECEIVING && got.reason == GW_REASON_NONE && !has_key(s, got.id, NULL));
  TEST_CHECK(!strcmp(got.name, "report.pdf") && !strcmp(got.owner, "alice") && got.user_id == alice.id && got.tenant == T1);
  TEST_CHECK(got.copies == 2 && !strcmp(got.sides, "two-sided-long-edge") && !strcmp(got.color_mode, "auto"));
  TEST_CHECK(got.created >= before && got.print_count == 0 && got.printer[0] == '\0' && !strcmp(got.format, "application/pdf"));
  TEST_CHECK(audit_count(s, T1, job.id, "job.submit") == 1);

  make_key(&key, 200);
  TEST_CHECK(gwStoreJobSetDocument(s, T1, job.id, "application/pdf", 12345, 3, 1, &key));
  TEST_CHECK(gwStoreJobGet(s, T1, job.id, &got) && has_key(s, job.id, &key));
  TEST_CHECK(got.size == 12345 && got.pages == 3 && got.color_pages == 1);

  TEST_BEGIN("jobs: bad jobs refused");
  error = NULL;
  TEST_CHECK(!gwStoreJobCreate(s, &job, "alice", "ipp", &error) && error && strstr(error, "already exists"));
  fill_job(&other, T1, alice.id, "alice", "x.pdf");
  snprintf(other.id, sizeof(other.id), "not-a-uuid");
  TEST_CHECK(!gwStoreJobCreate(s, &other, "alice", "ipp", NULL));
  fill_job(&other, T1, alice.id, "alice", "x.pdf");
  other.copies = 0;
  TEST_CHECK(!gwStoreJobCreate(s, &other, "alice", "ipp", NULL));
  other.copies = 1;
  snprintf(other.sides, sizeof(other.sides), "three-sided");
  TEST_CHECK(!gwStoreJobCreate(s, &other, "alice", "ipp", NULL));
  fill_job(&other, T1, 9999, "ghost", "x.pdf");
  error = NULL;
  TEST_CHECK(!gwStoreJobCreate(s, &other, "ghost", "ipp", &error) && error && strstr(error, "no such user"));
  TEST_CHECK(!gwStoreJobGet(s, T1, other.id, &got));
  TEST_CHECK(!gwStoreJobCreate(s, NULL, "x", "y", NULL));

  TEST_BEGIN("jobs: the legal path receiving -> converting -> held -> releasing -> printed");
  TEST_CHECK(gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_RECEIVING, GW_JOB_STATE_CONVERTING, GW_REASON_NONE, "", -1, NULL, "system", "ipp", "job.convert", NULL));
  TEST_CHECK(gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_CONVERTING, GW_JOB_STATE_HELD, GW_REASON_NONE, "", before + 3600, NULL, "system", "ipp", "job.hold", NULL));
  TEST_CHECK(gwStoreJobGet(s, T1, job.id, &got) && got.state == GW_JOB_STATE_HELD && got.expires == before + 3600 && has_key(s, got.id, NULL));
  TEST_CHECK(gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_HELD, GW_JOB_STATE_RELEASING, GW_REASON_NONE, "", -1, "Lobby", "alice", "terminal-7", "job.release", NULL));
  TEST_CHECK(gwStoreJobGet(s, T1, job.id, &got) && got.state == GW_JOB_STATE_RELEASING && !strcmp(got.printer, "Lobby") && got.expires == before + 3600);
  TEST_CHECK(gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_RELEASING, GW_JOB_STATE_PRINTED, GW_REASON_NONE, "report.pdf: printed on Lobby.", before + 7200, "Lobby", "alice", "terminal-7", "job.print", NULL));
  TEST_CHECK(gwStoreJobGet(s, T1, job.id, &got) && got.state == GW_JOB_STATE_PRINTED && got.print_count == 1 && got.expires == before + 7200);
  TEST_CHECK(!strcmp(got.reason_text, "report.pdf: printed on Lobby.") && has_key(s, got.id, NULL) && got.updated >= before);
  /* A reprint counts again. */
  TEST_CHECK(gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_PRINTED, GW_JOB_STATE_RELEASING, GW_REASON_NONE, "", -1, "Lobby", "alice", "web", "job.release", NULL));
  TEST_CHECK(gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_RELEASING, GW_JOB_STATE_PRINTED, GW_REASON_NONE, "", -1, "Lobby", "alice", "web", "job.print", NULL));
  TEST_CHECK(gwStoreJobGet(s, T1, job.id, &got) && got.print_count == 2);

  TEST_BEGIN("jobs: every transition wrote its audit row");
  {
    static audits_t a;
    int             found = 0;

    memset(&a, 0, sizeof(a));
    TEST_CHECK(gwStoreAuditIterate(s, T1, 0, 0, collect_audit, &a));
    for (int i = 0; i < a.count && i < 256; i ++)
    {
      if (strcmp(a.rows[i].job_id, job.id))
        continue;
      found ++;
      if (!strcmp(a.rows[i].action, "job.print") && found == 5)
        TEST_CHECK(!strcmp(a.rows[i].actor, "alice") && !strcmp(a.rows[i].printer, "Lobby") && a.rows[i].pages == 3 &&
                   !strcmp(a.rows[i].source, "terminal-7") && !strcmp(a.rows[i].subject, "alice") && !strcmp(a.rows[i].detail, "none"));
    }
    TEST_CHECKF(found == 7, "%d audit rows for the job", found);   /* submit + 6 transitions */
    TEST_CHECK(audit_count(s, T1, job.id, "job.release") == 2 && audit_count(s, T1, job.id, "job.print") == 2);
  }

  TEST_BEGIN("jobs: illegal transitions are refused and change nothing");
  error = NULL;
  TEST_CHECK(!gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_PRINTED, GW_JOB_STATE_HELD, GW_REASON_NONE, "", -1, NULL, "x", "y", "job.hold", &error));
  TEST_CHECKF(error && !strcmp(error, "cannot go from printed to held"), "%s", error ? error : "(none)");
  error = NULL;
  TEST_CHECK(!gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_HELD, GW_JOB_STATE_RELEASING, GW_REASON_NONE, "", -1, NULL, "x", "y", "job.release", &error));
  TEST_CHECKF(error && !strcmp(error, "job is printed, not held"), "%s", error ? error : "(none)");
  TEST_CHECK(!gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_HELD, GW_JOB_STATE_RECEIVING, GW_REASON_NONE, "", -1, NULL, "x", "y", NULL, NULL));
  TEST_CHECK(gwStoreJobGet(s, T1, job.id, &got) && got.state == GW_JOB_STATE_PRINTED && got.print_count == 2 && has_key(s, got.id, NULL));
  TEST_CHECK(audit_count(s, T1, job.id, NULL) == 7);
  error = NULL;
  TEST_CHECK(!gwStoreJobTransition(s, T1, "00000000-0000-4000-8000-000000000000", GW_JOB_STATE_HELD, GW_JOB_STATE_EXPIRED, GW_REASON_EXPIRED, "", -1, NULL, "x", "y", NULL, &error));
  TEST_CHECK(error && !strcmp(error, "no such job"));
  TEST_CHECK(!gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_PRINTED, (gw_job_state_t)42, GW_REASON_NONE, "", -1, NULL, "x", "y", NULL, NULL));
  TEST_CHECK(!gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_PRINTED, GW_JOB_STATE_EXPIRED, (gw_reason_t)99, "", -1, NULL, "x", "y", NULL, NULL));
  TEST_CHECK(gwStoreJobGet(s, T1, job.id, &got) && got.state == GW_JOB_STATE_PRINTED);

  TEST_BEGIN("jobs: a terminal state shreds the wrapped key, in the row and on disk");
  TEST_CHECK(key_on_disk(path, &key));             /* Positive control: it is there now */
  TEST_CHECK(gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_PRINTED, GW_JOB_STATE_EXPIRED, GW_REASON_EXPIRED, "report.pdf: kept copy expired.", -1, NULL, "system", "expiry", "job.expire", NULL));
  TEST_CHECK(gwStoreJobGet(s, T1, job.id, &got) && got.state == GW_JOB_STATE_EXPIRED && !has_key(s, got.id, NULL) && got.reason == GW_REASON_EXPIRED);
  TEST_CHECK(sql_int(path, "SELECT count(*) FROM documents WHERE wrapped_key IS NOT NULL AND job_id IN (SELECT id FROM jobs WHERE state = 'expired')") == 0);
  TEST_CHECK(!key_on_disk(path, &key));
  /* No key comes back to a finished job. */
  TEST_CHECK(!gwStoreJobSetDocument(s, T1, job.id, "application/pdf", 1, 1, 0, &key));
  TEST_CHECK(gwStoreJobGet(s, T1, job.id, &got) && !has_key(s, got.id, NULL));
  error = NULL;
  TEST_CHECK(!gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_EXPIRED, GW_JOB_STATE_HELD, GW_REASON_NONE, "", -1, NULL, "x", "y", NULL, &error) && error && !strcmp(error, "cannot go from expired to held"));

  TEST_BEGIN("jobs: failed and cancelled shred too; failed cannot be held again");
  TEST_CHECK(held_job(s, &other, T1, bob.id, "bob.smith@example.com", "a.pdf", 1, 0));
  TEST_CHECK(gwStoreJobGet(s, T1, other.id, &got) && has_key(s, got.id, NULL));
  TEST_CHECK(gwStoreJobTransition(s, T1, other.id, GW_JOB_STATE_HELD, GW_JOB_STATE_CANCELLED, GW_REASON_CANCELLED, "", -1, NULL, "bob", "web", "job.cancel", NULL));
  TEST_CHECK(gwStoreJobGet(s, T1, other.id, &got) && !has_key(s, got.id, NULL) && got.state == GW_JOB_STATE_CANCELLED);
  fill_job(&other, T1, bob.id, "bob.smith@example.com", "b.pdf");
  TEST_CHECK(gwStoreJobCreate(s, &other, "bob", "mail", NULL));
  TEST_CHECK(gwStoreJobSetDocument(s, T1, other.id, "image/jpeg", 10, 0, -1, &key));
  TEST_CHECK(gwStoreJobTransition(s, T1, other.id, GW_JOB_STATE_RECEIVING, GW_JOB_STATE_FAILED, GW_REASON_CORRUPT_DOCUMENT, "b.pdf: damaged.", before + 60, NULL, "system", "mail", "job.fail", NULL));
  TEST_CHECK(gwStoreJobGet(s, T1, other.id, &got) && !has_key(s, got.id, NULL) && got.reason == GW_REASON_CORRUPT_DOCUMENT && got.expires == before + 60);
  TEST_CHECK(!gwStoreJobTransition(s, T1, other.id, GW_JOB_STATE_FAILED, GW_JOB_STATE_HELD, GW_REASON_NONE, "", -1, NULL, "x", "y", NULL, NULL));

  TEST_BEGIN("jobs: purge removes the row and its documents");
  TEST_CHECK(gwStoreJobPurge(s, T1, other.id));
  TEST_CHECK(!gwStoreJobGet(s, T1, other.id, &got));
  TEST_CHECK(!gwStoreJobPurge(s, T1, other.id));
  TEST_CHECK(sql_int(path, "SELECT count(*) FROM documents WHERE job_id NOT IN (SELECT id FROM jobs)") == 0);
  TEST_CHECK(audit_count(s, T1, other.id, "job.fail") == 1);   /* The audit trail stays */

  TEST_BEGIN("jobs: iterate and count by user and state");
  {
    gw_job_t h1, h2, h3;

    TEST_CHECK(held_job(s, &h1, T1, alice.id, "alice", "1.pdf", 1, 0));
    TEST_CHECK(held_job(s, &h2, T1, bob.id, "bob.smith@example.com", "2.pdf", 2, 0));
    TEST_CHECK(held_job(s, &h3, T1, alice.id, "alice", "3.pdf", 3, 0));
    TEST_CHECK(gwStoreJobCount(s, T1, alice.id, ST(HELD)) == 2);
    TEST_CHECK(gwStoreJobCount(s, T1, bob.id, ST(HELD)) == 1);
    TEST_CHECK(gwStoreJobCount(s, T1, 0, ST(HELD)) == 3);
    TEST_CHECK(gwStoreJobCount(s, T1, 0, ST(HELD) | ST(EXPIRED)) == 4);
    TEST_CHECK(gwStoreJobCount(s, T1, 0, 0) == 5);                 /* 0 = every state */
    TEST_CHECK(gwStoreJobCount(s, T1, alice.id, ST(RELEASING)) == 0);

    memset(&names, 0, sizeof(names));
    TEST_CHECK(gwStoreJobIterate(s, T1, alice.id, ST(HELD), collect_job, &names));
    TEST_CHECK(names.count == 2 && !strcmp(names.names[0], h1.id) && !strcmp(names.names[1], h3.id));
    memset(&names, 0, sizeof(names));
    TEST_CHECK(gwStoreJobIterate(s, T1, 0, ST(HELD), collect_job, &names));
    TEST_CHECK(names.count == 3 && !strcmp(names.names[0], h1.id) && !strcmp(names.names[1], h2.id) && !strcmp(names.names[2], h3.id));
    memset(&names, 0, sizeof(names));
    TEST_CHECK(gwStoreJobIterateAll(s, ST(EXPIRED), collect_job, &names));
    TEST_CHECK(names.count == 1 && !strcmp(names.names[0], job.id));
  }
}


/*
 * Tenant scoping: nothing of tenant 2 is visible from tenant 1.
 */

static void
test_tenants(gw_store_t *s)
{
  gw_user_t    u1, u2, found;
  gw_job_t     job, got;
  gw_printer_t printer;
  gw_address_t addr;
  names_t      names;
  unsigned char pin[32];
  int          t1_jobs = gwStoreJobCount(s, T1, 0, 0);

  TEST_BEGIN("tenants: rows of tenant 2 are invisible from tenant 1");
  TEST_CHECK(_gwStoreTenantAdd(s, T2, "second", NULL));
  TEST_CHECK(!_gwStoreTenantAdd(s, T2, "again", NULL));
  TEST_CHECK(gwStoreUserFind(s, T1, "alice", &u1));
  TEST_CHECK(gwStoreUserAdd(s, T2, "alice", "Other Alice", GW_ROLE_USER, NULL, false, &u2.id, NULL));   /* Same name, other tenant */
  TEST_CHECK(gwStoreUserAdd(s, T2, "zed", "", GW_ROLE_USER, NULL, false, NULL, NULL));
  TEST_CHECK(!gwStoreUserFind(s, T1, "zed", &found));
  TEST_CHECK(gwStoreUserFind(s, T2, "alice", &found) && found.id == u2.id && found.id != u1.id && found.tenant == T2);
  TEST_CHECK(!gwStoreUserGet(s, T1, u2.id, &found));
  TEST_CHECK(gwStoreUserCount(s, T2) == 2);

  TEST_CHECK(gwStoreAddressAdd(s, T2, u2.id, "alice@example.com", NULL));   /* Tenant 1 has it too */
  TEST_CHECK(gwStoreAddressFind(s, T2, "alice@example.com", &addr) && addr.user_id == u2.id);
  TEST_CHECK(gwStoreAddressFind(s, T1, "alice@example.com", &addr) && addr.user_id == u1.id);
  TEST_CHECK(!gwStoreAddressAdd(s, T1, u2.id, "x@example.com", NULL));      /* User of another tenant */

  memset(pin, 0x77, sizeof(pin));
  TEST_CHECK(gwStorePinSet(s, T2, u2.id, pin, 0, NULL));
  TEST_CHECK(gwStorePinLookup(s, T1, pin, time(NULL)) == 0);
  TEST_CHECK(gwStorePinLookup(s, T2, pin, time(NULL)) == u2.id);
  TEST_CHECK(!gwStorePinSet(s, T1, u2.id, pin, 0, NULL));

  TEST_CHECK(gwStorePrinterAdd(s, T2, "secret-room", "ipp://10.0.0.9/ipp/print", "", NULL));
  TEST_CHECK(!gwStorePrinterFind(s, T1, "secret-room", &printer));
  memset(&names, 0, sizeof(names));
  gwStorePrinterIterate(s, T1, collect_printer, &names);
  TEST_CHECK(names.count == 1);

  TEST_CHECK(held_job(s, &job, T2, u2.id, "alice", "tenant2.pdf", 1, 0));
  TEST_CHECK(!gwStoreJobGet(s, T1, job.id, &got));
  TEST_CHECK(gwStoreJobGet(s, T2, job.id, &got) && got.tenant == T2);
  TEST_CHECK(gwStoreJobCount(s, T1, 0, 0) == t1_jobs && gwStoreJobCount(s, T2, 0, 0) == 1);
  TEST_CHECK(!gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_HELD, GW_JOB_STATE_CANCELLED, GW_REASON_CANCELLED, "", -1, NULL, "x", "y", NULL, NULL));
  TEST_CHECK(!gwStoreJobPurge(s, T1, job.id));
  TEST_CHECK(gwStoreJobGet(s, T2, job.id, &got) && got.state == GW_JOB_STATE_HELD);
  memset(&names, 0, sizeof(names));
  gwStoreJobIterate(s, T1, 0, 0, collect_job, &names);
  TEST_CHECK(names.count == t1_jobs);
  for (int i = 0; i < names.count && i < 32; i ++)
    TEST_CHECK(strcmp(names.names[i], job.id) != 0);
  TEST_CHECK(audit_count(s, T1, job.id, NULL) == 0 && audit_count(s, T2, job.id, NULL) == 3);

  /* A job of tenant 1 cannot name a user of tenant 2. */
  fill_job(&job, T1, u2.id, "alice", "cross.pdf");
  TEST_CHECK(!gwStoreJobCreate(s, &job, "alice", "x", NULL));
  fill_job(&job, 55, u1.id, "alice", "notenant.pdf");
  TEST_CHECK(!gwStoreJobCreate(s, &job, "alice", "x", NULL));
}


/*
 * Expired jobs, and callbacks that call the store again.
 */

typedef struct sweep_s
{
  gw_store_t *s;
  int         seen, expired, purged;
  char        ids[16][GW_UUID_LEN + 1];
} sweep_t;

static bool
expire_cb(const gw_job_t *job, void *data)
{
  sweep_t *sw = (sweep_t *)data;
  gw_job_t again;

  if (sw->seen < 16)
    snprintf(sw->ids[sw->seen], sizeof(sw->ids[0]), "%s", job->id);
  sw->seen ++;

  /* What the daemon's sweep does: transition, then purge, from inside. */
  if (!gwJobStateIsTerminal(job->state) &&
      gwStoreJobTransition(sw->s, job->tenant, job->id, job->state, GW_JOB_STATE_EXPIRED, GW_REASON_EXPIRED, "expired", -1, NULL, "system", "expiry", "job.expire", NULL))
    sw->expired ++;
  if (gwStoreJobGet(sw->s, job->tenant, job->id, &again) && gwStoreJobPurge(sw->s, job->tenant, job->id))
    sw->purged ++;

  return (true);
}

static void
test_expiry(gw_store_t *s)
{
  gw_user_t alice;
  gw_job_t  soon, later, never, t2job, got;
  sweep_t   sw;
  int64_t   now = (int64_t)time(NULL);

  TEST_BEGIN("expiry: only due jobs in the given states, any tenant, and callbacks may use the store");
  gwStoreUserFind(s, T1, "alice", &alice);
  TEST_CHECK(held_job(s, &soon, T1, alice.id, "alice", "soon.pdf", 1, now + 100));
  TEST_CHECK(held_job(s, &later, T1, alice.id, "alice", "later.pdf", 1, now + 5000));
  TEST_CHECK(held_job(s, &never, T1, alice.id, "alice", "never.pdf", 1, 0));
  {
    gw_user_t u2;

    TEST_CHECK(gwStoreUserFind(s, T2, "zed", &u2));
    TEST_CHECK(held_job(s, &t2job, T2, u2.id, "zed", "t2.pdf", 1, now + 50));
  }

  memset(&sw, 0, sizeof(sw));
  sw.s = s;
  TEST_CHECK(gwStoreJobIterateExpired(s, now + 99, ST(HELD), expire_cb, &sw));
  TEST_CHECK(sw.seen == 1 && !strcmp(sw.ids[0], t2job.id));         /* soon is not due yet */

  memset(&sw, 0, sizeof(sw));
  sw.s = s;
  TEST_CHECK(gwStoreJobIterateExpired(s, now + 100, ST(HELD) | ST(QUARANTINED), expire_cb, &sw));
  TEST_CHECK(sw.seen == 1 && sw.expired == 1 && sw.purged == 1 && !strcmp(sw.ids[0], soon.id));
  TEST_CHECK(!gwStoreJobGet(s, T1, soon.id, &got));
  TEST_CHECK(gwStoreJobGet(s, T1, later.id, &got) && got.state == GW_JOB_STATE_HELD);
  TEST_CHECK(gwStoreJobGet(s, T1, never.id, &got) && got.state == GW_JOB_STATE_HELD);
  TEST_CHECK(audit_count(s, T1, soon.id, "job.expire") == 1);

  /* States outside the mask are left alone. */
  memset(&sw, 0, sizeof(sw));
  sw.s = s;
  TEST_CHECK(gwStoreJobIterateExpired(s, now + 1000000, ST(PRINTED), expire_cb, &sw));
  TEST_CHECK(sw.seen == 0);
  TEST_CHECK(gwStoreJobGet(s, T1, later.id, &got) && got.state == GW_JOB_STATE_HELD);
}


/*
 * Many rows through the paging, and a callback that stops early.
 */

static bool
count_cb(const gw_job_t *job, void *data)
{
  int *n = (int *)data;

  (void)job;
  (*n) ++;

  return (true);
}

static bool
stop_cb(const gw_job_t *job, void *data)
{
  int *n = (int *)data;

  (void)job;

  return (++ (*n) < 3);
}

static void
test_paging(void)
{
  char        path[1100];
  gw_store_t *s = open_fresh(path, sizeof(path));
  gw_job_t    job;
  int64_t     uid = 0;
  int         n = 0, created = 0;
  static audits_t a;

  TEST_BEGIN("paging: 200 jobs come back once each, oldest first");
  TEST_CHECK(gwStoreUserAdd(s, T1, "pager", "", GW_ROLE_USER, NULL, false, &uid, NULL));
  for (int i = 0; i < 200; i ++)
  {
    fill_job(&job, T1, uid, "pager", "p.pdf");
    job.created = 1000 + i / 3;                   /* Ties on created */
    created += gwStoreJobCreate(s, &job, "pager", "test", NULL);
  }
  TEST_CHECK(created == 200);
  TEST_CHECK(gwStoreJobIterate(s, T1, uid, ST(RECEIVING), count_cb, &n) && n == 200);
  n = 0;
  TEST_CHECK(gwStoreJobIterate(s, T1, uid, 0, stop_cb, &n) && n == 3);

  TEST_BEGIN("audit: the newest 'limit' rows, oldest first");
  memset(&a, 0, sizeof(a));
  TEST_CHECK(gwStoreAuditIterate(s, T1, 0, 10, collect_audit, &a));
  TEST_CHECK(a.count == 10 && a.rows[0].id < a.rows[9].id);
  TEST_CHECK(!strcmp(a.rows[9].job_id, job.id));                    /* The last job's submit is newest */
  memset(&a, 0, sizeof(a));
  TEST_CHECK(gwStoreAuditIterate(s, T1, 0, 0, collect_audit, &a) && a.count == 200);
  memset(&a, 0, sizeof(a));
  TEST_CHECK(gwStoreAuditIterate(s, T1, time(NULL) + 3600, 10, collect_audit, &a) && a.count == 0);
  {
    gw_audit_t e;

    memset(&e, 0, sizeof(e));
    snprintf(e.action, sizeof(e.action), "pin.fail");
    snprintf(e.source, sizeof(e.source), "lobby");
    e.time = time(NULL) + 7200;
    TEST_CHECK(gwStoreAuditAdd(s, T1, &e));
    memset(&a, 0, sizeof(a));
    TEST_CHECK(gwStoreAuditIterate(s, T1, time(NULL) + 3600, 10, collect_audit, &a) && a.count == 1);
    TEST_CHECK(!strcmp(a.rows[0].action, "pin.fail") && !strcmp(a.rows[0].actor, "system") && !strcmp(a.rows[0].source, "lobby"));
    e.action[0] = '\0';
    TEST_CHECK(!gwStoreAuditAdd(s, T1, &e));
  }

  gwStoreClose(&s);
}


/*
 * Purging a held job (an admin's erasure) leaves no copy of its key in the
 * database files either.
 */

static void
test_purge_shred(void)
{
  char             path[1100];
  gw_store_t      *s = open_fresh(path, sizeof(path));
  gw_job_t         job, neighbour;
  gw_wrapped_key_t key, key2;
  int64_t          uid = 0;

  TEST_BEGIN("purge: the key of a purged job is gone from the database files");
  TEST_CHECK(gwStoreUserAdd(s, T1, "erased", "", GW_ROLE_USER, NULL, false, &uid, NULL));
  TEST_CHECK(held_job(s, &job, T1, uid, "erased", "private.pdf", 1, 0));
  make_key(&key, (unsigned char)job_counter);
  TEST_CHECK(held_job(s, &neighbour, T1, uid, "erased", "other.pdf", 1, 0));   /* Shares the page */
  make_key(&key2, (unsigned char)job_counter);
  TEST_CHECK(key_on_disk(path, &key) && key_on_disk(path, &key2));              /* Positive control */
  TEST_CHECK(gwStoreJobPurge(s, T1, job.id));
  TEST_CHECK(!key_on_disk(path, &key));
  TEST_CHECK(key_on_disk(path, &key2));                                         /* The other job can still print */
  gwStoreClose(&s);
  TEST_CHECK(!key_on_disk(path, &key) && key_on_disk(path, &key2));
}


/*
 * The intake ring: an original's place is recorded with its key, found
 * by its tenant only, listed for recovery, and forgotten with the key.
 */

static bool
count_ring(int64_t offset, int64_t size, void *data)
{
  int64_t *sum = (int64_t *)data;

  sum[0] ++;
  sum[1] += offset;
  sum[2] += size;

  return (true);
}

/*
 * The order of an original's ready() and the WAL fsync that makes its row
 * durable (gw_original_t.ready): the fsync's leader calls _gwSqlSyncHook
 * just before it syncs.
 */

extern void (*_gwSqlSyncHook)(void);    /* store-sqlite-sync.c, tests */
static int  order_step, order_ready_at, order_ready_calls, order_sync_at;

static bool
order_ready(void *data)
{
  (void)data;
  order_ready_calls ++;
  order_ready_at = ++ order_step;
  return (true);
}

static void
order_sync(void)
{
  if (!order_sync_at)
    order_sync_at = ++ order_step;
}

static void
test_original_ring(void)
{
  char             path[1100];
  gw_store_t      *s = open_fresh(path, sizeof(path));
  gw_job_t         a, b, c, d;
  gw_wrapped_key_t key, key1;
  int64_t          uid = 0, ring = 0, sum[3] = { 0, 0, 0 };
  int              number = 0;

  TEST_BEGIN("intake ring: an original's place is stored with its key, read by its tenant only, listed for recovery, forgotten when the job is held or fails");
  if (!s)
    return;
  TEST_CHECK(gwStoreUserAdd(s, T1, "ringed", "", GW_ROLE_USER, NULL, false, &uid, NULL));
  make_key(&key, 77);

  fill_job(&a, T1, uid, "ringed", "a.pdf");
  TEST_CHECK(gwStoreJobCreateConverting(s, &a, "ringed", "test", 0, &(gw_original_t){ .size = 100000, .key = &key, .ring = 8192 }, &number, NULL));
  fill_job(&b, T1, uid, "ringed", "b.pdf");
  TEST_CHECK(gwStoreJobCreate(s, &b, "ringed", "test", NULL) &&
             gwStoreJobConverting(s, T1, b.id, &(gw_original_t){ .size = 5000, .key = &key, .ring = 1 << 20 }, NULL));
  fill_job(&c, T1, uid, "ringed", "c.pdf");
  TEST_CHECK(gwStoreJobCreateConverting(s, &c, "ringed", "test", 0, &(gw_original_t){ .size = 300000, .key = &key, .ring = -1 }, &number, NULL));
  fill_job(&d, T1, uid, "ringed", "d.pdf");
  TEST_CHECK(!gwStoreJobCreateConverting(s, &d, "ringed", "test", 0, &(gw_original_t){ .size = 1, .key = &key, .ring = -2 }, &number, NULL));

  /* ready() runs once, after the row is written and before the fsync that makes it durable; also when the job is refused */
  fill_job(&d, T1, uid, "ringed", "ready.pdf");
  order_step = order_ready_at = order_ready_calls = order_sync_at = 0;
  _gwSqlSyncHook = order_sync;
  TEST_CHECK(gwStoreJobCreateConverting(s, &d, "ringed", "test", 0, &(gw_original_t){ .size = 10, .key = &key, .ring = 3 << 12, .ready = order_ready }, &number, NULL));
  TEST_CHECK(order_ready_calls == 1 && order_ready_at == 1 && order_sync_at == 2);
  fill_job(&d, T1 + 99, uid, "ringed", "refused.pdf");      /* No such tenant */
  order_step = order_ready_at = order_ready_calls = order_sync_at = 0;
  TEST_CHECK(!gwStoreJobCreateConverting(s, &d, "ringed", "test", 0, &(gw_original_t){ .size = 10, .key = &key, .ring = 4 << 12, .ready = order_ready }, &number, NULL));
  TEST_CHECK(order_ready_calls == 1 && order_sync_at == 0);
  _gwSqlSyncHook = NULL;

  TEST_CHECK(gwStoreJobOriginalRing(s, T1, a.id, &ring) == 1 && ring == 8192);
  TEST_CHECK(gwStoreJobOriginalRing(s, T1, b.id, &ring) == 1 && ring == 1 << 20);
  TEST_CHECK(gwStoreJobOriginalRing(s, T1, c.id, &ring) == 0 && ring == -1);   /* A spool file */
  TEST_CHECK(gwStoreJobOriginalRing(s, T2, a.id, &ring) == 0);                /* Another tenant */
  TEST_CHECK(gwStoreJobRingIterate(s, count_ring, sum) && sum[0] == 3 && sum[1] == 8192 + (1 << 20) + (3 << 12) && sum[2] == 105010);

  /* Held: the original's row goes; failed: its key and place go. */
  make_key(&key1, 78);
  TEST_CHECK(gwStoreJobSetDocument(s, T1, a.id, "application/pdf", 1000, 1, 0, &key1) &&
             gwStoreJobTransition(s, T1, a.id, GW_JOB_STATE_CONVERTING, GW_JOB_STATE_HELD, GW_REASON_NONE, "", -1, NULL, "system", "test", "job.hold", NULL));
  TEST_CHECK(gwStoreJobTransition(s, T1, b.id, GW_JOB_STATE_CONVERTING, GW_JOB_STATE_FAILED, GW_REASON_CORRUPT_DOCUMENT, "damaged", -1, NULL, "system", "test", "job.fail", NULL));
  TEST_CHECK(gwStoreJobOriginalRing(s, T1, a.id, &ring) == 0 && gwStoreJobOriginalRing(s, T1, b.id, &ring) == 0);
  memset(sum, 0, sizeof(sum));
  TEST_CHECK(gwStoreJobRingIterate(s, count_ring, sum) && sum[0] == 1 && sum[1] == 3 << 12);   /* ready.pdf still converting */
  gwStoreClose(&s);
}


/*
 * Threads: concurrent submissions and transitions come out consistent.
 */

typedef struct worker_s
{
  gw_store_t *s;
  int64_t     uid;
  int         base, ok;
} worker_t;

static void *
worker(void *data)
{
  worker_t *w = (worker_t *)data;

  for (int i = 0; i < 25; i ++)
  {
    gw_job_t job;

    memset(&job, 0, sizeof(job));
    snprintf(job.id, sizeof(job.id), "%08x-1111-4000-8000-%012x", (unsigned)(w->base + i), (unsigned)w->base);
    job.tenant = T1;
    job.user_id = w->uid;
    job.copies = 1;
    snprintf(job.owner, sizeof(job.owner), "worker");
    snprintf(job.origin, sizeof(job.origin), "test");
    if (gwStoreJobCreate(w->s, &job, "worker", "test", NULL) &&
        gwStoreJobTransition(w->s, T1, job.id, GW_JOB_STATE_RECEIVING, GW_JOB_STATE_CONVERTING, GW_REASON_NONE, "", -1, NULL, NULL, NULL, NULL, NULL) &&
        gwStoreJobTransition(w->s, T1, job.id, GW_JOB_STATE_CONVERTING, GW_JOB_STATE_HELD, GW_REASON_NONE, "", -1, NULL, NULL, NULL, NULL, NULL))
      w->ok ++;
  }

  return (NULL);
}

static void
test_threads(void)
{
  char        path[1100];
  gw_store_t *s = open_fresh(path, sizeof(path));
  pthread_t   threads[4];
  worker_t    workers[4];
  int64_t     uid = 0;
  int         ok = 0;

  TEST_BEGIN("threads: 4 x 25 concurrent submissions");
  TEST_CHECK(gwStoreUserAdd(s, T1, "worker", "", GW_ROLE_USER, NULL, false, &uid, NULL));
  for (int i = 0; i < 4; i ++)
  {
    workers[i] = (worker_t){ s, uid, i * 1000, 0 };
    pthread_create(threads + i, NULL, worker, workers + i);
  }
  for (int i = 0; i < 4; i ++)
  {
    pthread_join(threads[i], NULL);
    ok += workers[i].ok;
  }
  TEST_CHECK(ok == 100);
  TEST_CHECK(gwStoreJobCount(s, T1, uid, ST(HELD)) == 100);
  gwStoreClose(&s);
  TEST_CHECK(sql_int(path, "SELECT count(*) FROM audit WHERE action = 'job.held'") == 100);
}


/*
 * 'test_job_numbers()' - Job numbers (IPP job-id): increasing, never given
 *                        twice even when the newest job is purged, and
 *                        given to the jobs a version 3 database already has.
 *                        The original (document 0) of a converting job: its
 *                        key kept, resumed once, dropped, shredded.
 */

/*
 * 'test_job_options()' - A held job's options change (audited); a job not
 *                        held, a bad value or another tenant changes nothing.
 */

static void
test_job_options(gw_store_t *s)
{
  gw_job_t  job, opts, got;
  gw_user_t alice;

  gwStoreUserFind(s, T1, "alice", &alice);

  TEST_BEGIN("job options: a held job's change, audited");
  TEST_CHECK(held_job(s, &job, T1, alice.id, "alice", "options.pdf", 4, -1));
  opts = job;
  opts.copies = 3;
  opts.number_up = 2;
  snprintf(opts.sides, sizeof(opts.sides), "two-sided-short-edge");
  snprintf(opts.color_mode, sizeof(opts.color_mode), "monochrome");
  snprintf(opts.page_ranges, sizeof(opts.page_ranges), "2-3");
  TEST_CHECK(gwStoreJobSetOptions(s, T1, job.id, &opts, "alice", "test"));
  TEST_CHECK(gwStoreJobGet(s, T1, job.id, &got) && got.copies == 3 && got.number_up == 2 && !strcmp(got.sides, "two-sided-short-edge") &&
             !strcmp(got.color_mode, "monochrome") && !strcmp(got.page_ranges, "2-3") && got.state == GW_JOB_STATE_HELD && got.pages == 4);
  TEST_CHECK(audit_count(s, T1, job.id, "job.options") == 1);

  TEST_BEGIN("job options: bad values, another tenant, a job no longer held change nothing");
  opts.copies = 0;
  TEST_CHECK(!gwStoreJobSetOptions(s, T1, job.id, &opts, "alice", "test"));
  opts.copies = 5;
  opts.number_up = 3;
  TEST_CHECK(!gwStoreJobSetOptions(s, T1, job.id, &opts, "alice", "test"));
  opts.number_up = 1;
  snprintf(opts.page_ranges, sizeof(opts.page_ranges), "1\n2");
  TEST_CHECK(!gwStoreJobSetOptions(s, T1, job.id, &opts, "alice", "test"));
  opts.page_ranges[0] = '\0';
  TEST_CHECK(!gwStoreJobSetOptions(s, T2, job.id, &opts, "alice", "test"));
  TEST_CHECK(gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_HELD, GW_JOB_STATE_RELEASING, GW_REASON_NONE, "", -1, "lobby", "alice", "test", "job.release", NULL));
  TEST_CHECK(!gwStoreJobSetOptions(s, T1, job.id, &opts, "alice", "test"));
  TEST_CHECK(gwStoreJobGet(s, T1, job.id, &got) && got.copies == 3 && got.number_up == 2 && !strcmp(got.page_ranges, "2-3"));
  TEST_CHECK(audit_count(s, T1, job.id, "job.options") == 1);
  opts.copies = 5;
  TEST_CHECK(gwStoreJobTransition(s, T1, job.id, GW_JOB_STATE_RELEASING, GW_JOB_STATE_HELD, GW_REASON_NONE, "", -1, NULL, "system", "test", "job.hold", NULL));
  TEST_CHECK(gwStoreJobSetOptions(s, T1, job.id, &opts, "alice", "test") && gwStoreJobGet(s, T1, job.id, &got) && got.copies == 5 && got.page_ranges[0] == '\0');
}


static void
test_job_numbers(void)
{
  char             path[1100], sql[512];
  const char      *error = NULL;
  gw_store_t      *s;
  gw_job_t         a, b, c, got;
  gw_wrapped_key_t key, back;
  int64_t          uid = 0, size = 0;

  TEST_BEGIN("job numbers: a version 3 database numbers its jobs in order");
  s = _gwStoreOpenVersion(db_path(path, sizeof(path)), NULL, 3, &error);
  TEST_CHECK(s != NULL && gwStoreSchemaVersion(s) == 3);
  TEST_CHECK(gwStoreUserAdd(s, T1, "numbered", "", GW_ROLE_USER, NULL, false, &uid, &error));
  gwStoreClose(&s);
  fill_job(&a, T1, uid, "numbered", "first.pdf");
  fill_job(&b, T1, uid, "numbered", "second.pdf");
  snprintf(sql, sizeof(sql), "INSERT INTO jobs (id, tenant_id, user_id, owner, name, origin, state, copies, created, updated)"
           " VALUES ('%s', %d, %lld, 'numbered', 'first.pdf', 'test', 'held', 1, 1, 1),"
           " ('%s', %d, %lld, 'numbered', 'second.pdf', 'test', 'held', 1, 2, 2);", a.id, (int)T1, (long long)uid, b.id, (int)T1, (long long)uid);
  TEST_CHECK(sql_exec(path, sql));
  s = gwStoreOpen(path, NULL, &error);
  TEST_CHECK(s != NULL && gwStoreSchemaVersion(s) == gwStoreLatestSchemaVersion());
  TEST_CHECK(gwStoreJobGet(s, T1, a.id, &got) && got.number == 1);
  TEST_CHECK(gwStoreJobGet(s, T1, b.id, &got) && got.number == 2);

  TEST_BEGIN("job numbers: new jobs count on; a purged newest job's number is not given again");
  fill_job(&c, T1, uid, "numbered", "third.pdf");
  TEST_CHECK(gwStoreJobCreate(s, &c, "numbered", "test", &error));
  TEST_CHECK(gwStoreJobGet(s, T1, c.id, &got) && got.number == 3);
  TEST_CHECK(gwStoreJobPurge(s, T1, c.id));
  fill_job(&c, T1, uid, "numbered", "fourth.pdf");
  TEST_CHECK(gwStoreJobCreate(s, &c, "numbered", "test", &error));
  TEST_CHECKF(gwStoreJobGet(s, T1, c.id, &got) && got.number == 4, "number %d", got.number);
  TEST_CHECK(!sql_exec(path, "UPDATE jobs SET number = 1"));              /* Unique */

  TEST_BEGIN("the original of a converting job: kept, resumed once, dropped");
  memset(&key, 0x5a, sizeof(key));
  TEST_CHECK(!gwStoreJobGetOriginal(s, T1, c.id, false, &size, &back));    /* None yet */
  TEST_CHECK(gwStoreJobSetOriginal(s, T1, c.id, 12345, &key));
  TEST_CHECK(!gwStoreJobGetOriginal(s, T2, c.id, false, &size, &back));    /* Another tenant */
  TEST_CHECK(gwStoreJobGetOriginal(s, T1, c.id, false, &size, &back) && size == 12345 && !memcmp(&key, &back, sizeof(key)));
  TEST_CHECK(gwStoreJobGet(s, T1, c.id, &got) && got.size == 0);          /* gw_job_t is document 1 */
  TEST_CHECK(gwStoreJobGetOriginal(s, T1, c.id, true, &size, &back));      /* First resumption */
  TEST_CHECK(!gwStoreJobGetOriginal(s, T1, c.id, true, &size, &back));     /* Not a second */
  TEST_CHECK(gwStoreJobGetOriginal(s, T1, c.id, false, &size, &back));     /* Still there */
  TEST_CHECK(gwStoreJobUncountOriginals(s) == 0);                          /* Only jobs converting count */
  TEST_CHECK(gwStoreJobTransition(s, T1, c.id, GW_JOB_STATE_RECEIVING, GW_JOB_STATE_CONVERTING, GW_REASON_NONE, "", -1, NULL, "test", "test", "job.convert", &error));
  TEST_CHECK(gwStoreJobUncountOriginals(s) == 1);                          /* A clean stop forgets the count */
  TEST_CHECK(gwStoreJobGetOriginal(s, T1, c.id, true, &size, &back) && size == 12345);   /* So it resumes again */
  TEST_CHECK(!gwStoreJobGetOriginal(s, T1, c.id, true, &size, &back));     /* Once (a crash after it counts) */
  TEST_CHECK(gwStoreJobUncountOriginals(s) == 1 && gwStoreJobUncountOriginals(s) == 0);
  TEST_CHECK(gwStoreJobDropOriginal(s, T1, c.id));
  TEST_CHECK(!gwStoreJobGetOriginal(s, T1, c.id, false, &size, &back));
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM documents WHERE job_id = '%s' AND num = 0", c.id);
  TEST_CHECK(sql_int(path, sql) == 0);

  TEST_BEGIN("an upload's end: the original and the move to converting in one transaction; the number from the create");
  {
    gw_job_t d;
    int      number = 0;
    int64_t  audits;

    fill_job(&d, T1, uid, "numbered", "fifth.pdf");
    TEST_CHECK(gwStoreJobCreateWithin(s, &d, "numbered", "test", 0, &number, &error));
    TEST_CHECKF(gwStoreJobGet(s, T1, d.id, &got) && got.number == number && number == 5, "number %d, stored %d", number, got.number);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE job_id = '%s'", d.id);
    audits = sql_int(path, sql);
    TEST_CHECK(!gwStoreJobConverting(s, T2, d.id, &(gw_original_t){ .size = 777, .key = &key, .ring = -1 }, &error));   /* Another tenant */
    TEST_CHECK(!gwStoreJobConverting(s, T1, d.id, &(gw_original_t){ .size = 777, .key = NULL, .ring = -1 }, &error));
    TEST_CHECK(!gwStoreJobGetOriginal(s, T1, d.id, false, &size, &back));  /* Nothing half done */
    TEST_CHECK(gwStoreJobConverting(s, T1, d.id, &(gw_original_t){ .size = 777, .key = &key, .ring = -1 }, &error));
    TEST_CHECK(gwStoreJobGet(s, T1, d.id, &got) && got.state == GW_JOB_STATE_CONVERTING);
    TEST_CHECK(gwStoreJobGetOriginal(s, T1, d.id, false, &size, &back) && size == 777 && !memcmp(&key, &back, sizeof(key)));
    TEST_CHECK(sql_int(path, sql) == audits);                             /* No audit row of its own */
    memset(&back, 0x11, sizeof(back));
    error = NULL;
    TEST_CHECK(!gwStoreJobConverting(s, T1, d.id, &(gw_original_t){ .size = 888, .key = &back, .ring = -1 }, &error) && error);   /* Not receiving any more */
    TEST_CHECK(gwStoreJobGetOriginal(s, T1, d.id, false, &size, &back) && size == 777 && !memcmp(&key, &back, sizeof(key)));   /* Rolled back */
    TEST_CHECK(gwStoreJobPurge(s, T1, d.id));
  }

  TEST_BEGIN("the original's key is shredded when its job ends");
  TEST_CHECK(gwStoreJobSetOriginal(s, T1, a.id, 10, &key));
  TEST_CHECK(gwStoreJobTransition(s, T1, a.id, GW_JOB_STATE_HELD, GW_JOB_STATE_CANCELLED, GW_REASON_CANCELLED, "", 0, NULL, "test", "test", "job.cancel", &error));
  TEST_CHECK(!gwStoreJobGetOriginal(s, T1, a.id, false, &size, &back));
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM documents WHERE job_id = '%s' AND num = 0 AND wrapped_key IS NOT NULL", a.id);
  TEST_CHECK(sql_int(path, sql) == 0);
  TEST_CHECK(!gwStoreJobSetOriginal(s, T1, a.id, 10, &key));              /* A finished job gets no key again */
  gwStoreClose(&s);
}


int
main(void)
{
  char        path[1100];
  gw_store_t *s;

  if (!test_tempdir(tempdir, sizeof(tempdir)))
  {
    perror("mkdtemp");
    return (1);
  }

  test_migrations();
  test_open_counter();
  test_files();

  if ((s = open_fresh(path, sizeof(path))) != NULL)
  {
    test_users(s);
    test_addresses(s);
    test_credentials(s);
    test_lockout(s, path);
    test_printers(s);
    test_jobs(s, path);
    test_job_options(s);
    test_tenants(s);
    test_expiry(s);
    gwStoreClose(&s);
    TEST_BEGIN("open-job counter: agrees after the job tests' transitions and purges");
    TEST_CHECK(sql_int(path, "SELECT count(*) FROM user_open_jobs") > 0 && open_counts_wrong(path) == 0);
  }
  else
    TEST_CHECK(s != NULL);

  test_paging();
  test_purge_shred();
  test_original_ring();
  test_threads();
  test_job_numbers();

  test_rmtree(tempdir);

  TEST_EXIT();
}
