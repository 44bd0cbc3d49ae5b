/*
 * test-store-vfs.c - the store's WAL-gathering VFS (store-sqlite-vfs.c):
 *
 *   1. a commit that writes many frames (a row in a table with twelve
 *      indexes) reaches the -wal file in one or two writes, where the
 *      default VFS takes two per frame (the positive control, same schema);
 *   2. nothing stays buffered after a commit (_gwSqlVfsSettle() == 0), and
 *      a second connection through the default VFS sees every commit at
 *      once, small ones and ones larger than the buffer (128 KB);
 *   3. a disk that fails the gathered write: the COMMIT fails (it is not
 *      reported done), the other connection never sees the row, and the
 *      next commit works;
 *   4. after closing, the file reopens whole (integrity_check "ok", every
 *      committed row there).
 */

#include "test.h"
#include "store-sqlite-private.h"
#include "sqlite-writes.h"

#include <errno.h>
#include <sys/types.h>

static sqlite3 *
open_db(const char *path, const char *vfs)
{
  sqlite3 *db = NULL;

  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, vfs) != SQLITE_OK)
    return (NULL);
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0", NULL, NULL, NULL) != SQLITE_OK)
  {
    sqlite3_close(db);
    return (NULL);
  }

  return (db);
}


static bool
make_schema(sqlite3 *db)
{
  char sql[4096];
  int  i;

  if (sqlite3_exec(db, "CREATE TABLE t (k INTEGER PRIMARY KEY, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, blob)", NULL, NULL, NULL) != SQLITE_OK)
    return (false);
  for (i = 0; i < 12; i ++)
  {
    snprintf(sql, sizeof(sql), "CREATE INDEX t_c%d ON t (c%d)", i, i);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
      return (false);
  }

  return (true);
}


/*
 * 'insert_rows()' - One transaction of 'rows' rows with a 'blob'-byte blob
 *                   each; the writes its COMMIT made in *commit_writes.
 *                   SQLite's result code of the COMMIT.
 */

static int
insert_rows(sqlite3 *db, int first, int rows, int blob, int *commit_writes)
{
  sqlite3_stmt *stmt = NULL;
  int           i, rc;

  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return (SQLITE_ERROR);
  if (sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1, ?1, -?1, ?1 * 3, ?1 * 5, ?1 * 7, ?1 * 11, ?1 * 13, ?1 * 17, ?1 * 19, ?1 * 23, ?1 * 29, ?1 * 31, zeroblob(?2))", -1, &stmt, NULL) != SQLITE_OK)
    return (SQLITE_ERROR);
  for (i = 0; i < rows; i ++)
  {
    sqlite3_bind_int(stmt, 1, first + i);
    sqlite3_bind_int(stmt, 2, blob);
    if (sqlite3_step(stmt) != SQLITE_DONE)
    {
      sqlite3_finalize(stmt);
      sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
      return (SQLITE_ERROR);
    }
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);

  __atomic_store_n(&sqlite_writes, 0, __ATOMIC_RELAXED);
  rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  *commit_writes = __atomic_load_n(&sqlite_writes, __ATOMIC_RELAXED);

  return (rc);
}


static int
count_rows(sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  int           n = -1;

  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
    n = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);

  return (n);
}


static bool
integrity_ok(sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  bool          ok = false;

  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
    ok = !strcmp((const char *)sqlite3_column_text(stmt, 0), "ok");
  sqlite3_finalize(stmt);

  return (ok);
}


int
main(void)
{
  char        dir[1024], ours[1100], plain[1100];
  const char *vfs = _gwSqlVfsName();
  sqlite3    *db, *ctl, *reader;
  int         w_ours = 0, w_plain = 0, w, i, n, rc;
  bool        all_seen = true, all_settled = true;

  TEST_BEGIN("store-sqlite-vfs: a commit's WAL frames in one write");

  TEST_CHECK(vfs != NULL && !strcmp(vfs, "printgate"));
  TEST_CHECK(test_tempdir(dir, sizeof(dir)) != NULL);
  snprintf(ours, sizeof(ours), "%s/ours.db", dir);
  snprintf(plain, sizeof(plain), "%s/plain.db", dir);
  sqlite_hook_writes();

  TEST_CHECK((db = open_db(ours, vfs)) != NULL && make_schema(db));
  TEST_CHECK((ctl = open_db(plain, NULL)) != NULL && make_schema(ctl));
  TEST_CHECK((reader = open_db(ours, "unix")) != NULL);
  if (!db || !ctl || !reader)
    TEST_EXIT();

  /* 1. Writes per commit of one row touching 13 b-trees */
  TEST_CHECK(insert_rows(ctl, 1, 1, 16, &w_plain) == SQLITE_OK);
  TEST_CHECK(insert_rows(db, 1, 1, 16, &w_ours) == SQLITE_OK);
  printf("  writes for one commit of 13 frames or more: default VFS %d, printgate %d\n", w_plain, w_ours);
  TEST_CHECKF(w_plain >= 26, "the control wrote %d times", w_plain);
  TEST_CHECKF(w_ours >= 1 && w_ours <= 2, "printgate wrote %d times", w_ours);

  /* 2. Nothing buffered after a commit; every commit seen at once by a default-VFS reader */
  n = 1;
  for (i = 0; i < 60; i ++)
  {
    int rows = (i % 10 == 9) ? 40 : 1;  /* Every tenth commit: 40 rows, well over 128 KB of frames */
    int blob = (i % 10 == 9) ? 3000 : 16;

    if (insert_rows(db, 1000 + i * 100, rows, blob, &w) != SQLITE_OK)
    {
      all_seen = false;
      break;
    }
    n += rows;
    if (_gwSqlVfsSettle(db) != 0)
      all_settled = false;
    if (count_rows(reader) != n)
      all_seen = false;
  }
  TEST_CHECK(all_settled);
  TEST_CHECK(all_seen);
  TEST_CHECK(count_rows(reader) == n && integrity_ok(reader));

  /* 3. A failed write fails the commit */
  sqlite_set_fail_writes(true);
  rc = insert_rows(db, 900000, 1, 16, &w);
  sqlite_set_fail_writes(false);
  printf("  COMMIT with the disk failing: %s\n", sqlite3_errstr(rc));
  TEST_CHECK(rc != SQLITE_OK);
  if (!sqlite3_get_autocommit(db))
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  TEST_CHECK(_gwSqlVfsSettle(db) == 0);
  TEST_CHECK(count_rows(reader) == n);
  TEST_CHECK(insert_rows(db, 950000, 1, 16, &w) == SQLITE_OK);
  n ++;
  TEST_CHECK(count_rows(reader) == n && count_rows(db) == n);

  /* 4. Reopened whole */
  sqlite3_close(reader);
  sqlite3_close(db);
  sqlite3_close(ctl);
  TEST_CHECK((db = open_db(ours, vfs)) != NULL);
  TEST_CHECK(db && count_rows(db) == n && integrity_ok(db));
  sqlite3_close(db);

  TEST_EXIT();
}
