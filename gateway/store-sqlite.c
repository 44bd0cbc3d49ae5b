/*
 * store-sqlite.c - the SQLite store backend: the connection, its settings,
 * schema migrations, the statement cache and the ops table (see
 * store-sqlite-private.h and docs/store.md).
 *
 * Settings, and why:
 *   journal_mode=WAL      readers never block the writer;
 *   synchronous=FULL      a commit survives a power cut (mail is flagged on
 *                         the server only after the job's commit, so a lost
 *                         commit would lose a message) while migrating;
 *                         once open, synchronous=NORMAL plus the group
 *                         commit of store-sqlite-sync.c: a call that wrote
 *                         returns only after a WAL fsync that covers it,
 *                         shared by the threads that committed meanwhile;
 *   foreign_keys=ON       documents cascade with their job, users keep
 *                         their tenant;
 *   secure_delete=ON      freed content (a shredded wrapped key) is zeroed
 *                         in the page, and a TRUNCATE checkpoint soon after
 *                         a shred drops the old page images from the WAL;
 *   cache_size=-2000      2 MB page cache: the daemon stays small with
 *                         10,000 held jobs;
 *   temp_store=MEMORY     statement and savepoint journals stay in memory:
 *                         a batched write's savepoint (store-sqlite-sync.c)
 *                         journals ~21 pages, past the 64 KiB SQLite keeps
 *                         in memory otherwise, and each call then wrote
 *                         them to a temporary file (~54 KB per Print-Job);
 *                         no page image (a wrapped key's) reaches a
 *                         temporary file either;
 *   busy_timeout=5000     another process (sqlite3 shell, backup) may hold
 *                         the lock briefly.
 */

#include "store-sqlite-private.h"
#include "printgate/log.h"
#include "printgate/text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char * const state_keywords[GW_JOB_STATE_COUNT] =
{
  "receiving", "converting", "quarantined", "held", "releasing",
  "printed", "failed", "expired", "cancelled"
};


const _gw_store_ops_t _gwStoreSqliteOps =
{
  "sqlite",
  _GW_SQL_LATEST_VERSION,
  _gwSqlOpen,
  _gwSqlClose,
  _gwSqlSchemaVersion,
  _gwSqlCheck,
  _gwSqlTenantAdd,
  _gwSqlUserAdd,
  _gwSqlUserFind,
  _gwSqlUserGet,
  _gwSqlUserGetPasswordHash,
  _gwSqlUserSetPassword,
  _gwSqlUserCount,
  _gwSqlUserPage,
  _gwSqlAliasAdd,
  _gwSqlAddressAdd,
  _gwSqlAddressFind,
  _gwSqlAddressSetState,
  _gwSqlAddressPage,
  _gwSqlPinSet,
  _gwSqlPinLookup,
  _gwSqlCardSet,
  _gwSqlCardLookup,
  _gwSqlCredentialAttempt,
  _gwSqlLockoutClear,
  _gwSqlLockoutIterate,
  _gwSqlPrinterAdd,
  _gwSqlPrinterFind,
  _gwSqlPrinterDelete,
  _gwSqlPrinterPage,
  _gwSqlJobCreate,
  _gwSqlJobSetDocument,
  _gwSqlJobGet,
  _gwSqlJobTransition,
  _gwSqlJobPurge,
  _gwSqlJobPage,
  _gwSqlJobCount,
  _gwSqlAuditAdd,
  _gwSqlAuditPage,
  _gwSqlJobOriginalSet,
  _gwSqlJobOriginalGet,
  _gwSqlJobOriginalDrop,
  _gwSqlJobOriginalRing,
  _gwSqlJobRingIterate,
  _gwSqlJobOriginalsUncount,
  _gwSqlTokenAdd,
  _gwSqlTokenUse,
  _gwSqlTokenPurge,
  _gwSqlLockoutRefund,
  _gwSqlDeviceAdd,
  _gwSqlDeviceFind,
  _gwSqlDevicePage,
  _gwSqlDeviceRevoke,
  _gwSqlJobGetKey,
  _gwSqlJobKeyedIds,
  _gwSqlOutboxAdd,
  _gwSqlOutboxTake,
  _gwSqlOutboxFinish,
  _gwSqlOutboxPage,
  _gwSqlOutboxRetry,
  _gwSqlOutboxDelete,
  _gwSqlOutboxSweep,
  _gwSqlOutboxNextDue,
  _gwSqlSigninSet,
  _gwSqlSigninGet,
  _gwSqlSigninUse,
  _gwSqlSessionAdd,
  _gwSqlSessionGet,
  _gwSqlSessionDelete,
  _gwSqlTerminalAdd,
  _gwSqlTerminalFind,
  _gwSqlTerminalList,
  _gwSqlTerminalRevoke,
  _gwSqlUserRestricted,
  _gwSqlUserRestrict,
  _gwSqlUserExportPage,
  _gwSqlUserErase,
  _gwSqlAuditQuery,
  _gwSqlTotals,
  _gwSqlReport,
  _gwSqlRuleList,
  _gwSqlRuleAdd,
  _gwSqlRuleRemove,
  _gwSqlRuleReplace,
  _gwSqlGroupAdd,
  _gwSqlGroupMember,
  _gwSqlGroupList,
  _gwSqlUserGroups,
  _gwSqlPrinterTagsSet,
  _gwSqlPrinterTagsGet,
  _gwSqlDelegate,
  _gwSqlDelegateList,
  _gwSqlQuotaAdd,
  _gwSqlQuotaSum,
  _gwSqlJobPolicySet,
  _gwSqlJobPolicyGet,
  _gwSqlJobPolicyReason,
  _gwSqlJobSetOptions,
  _gwSqlUserSearch,
  _gwSqlUserEdit,
  _gwSqlFactorSet,
  _gwSqlFactorGet,
  _gwSqlFactorStep,
  _gwSqlFactorDelete,
  _gwSqlRecoverySet,
  _gwSqlRecoveryUse,
  _gwSqlRecoveryCount,
  _gwSqlSessionElevate,
  _gwSqlSessionElevated,
  _gwSqlMailSourceList,
  _gwSqlMailSourcePut,
  _gwSqlMailSourceRemove,
  _gwSqlPrinterUpdate
};


/* ---- Helpers ---------------------------------------------------------------- */


/*
 * '_gwSqlLock()' - Take the connection's mutex.
 */

void
_gwSqlLock(_gw_sql_t *b)
{
  pthread_mutex_lock(&b->lock);
  b->changes_at_lock = sqlite3_total_changes64(b->db);
}


/*
 * '_gwSqlUnlock()' - Release the connection's mutex.  When wrapped keys
 *                    were removed since the last checkpoint (and none ran
 *                    in the last _GW_SQL_CHECKPOINT_SECS seconds), first
 *                    checkpoint and truncate the WAL so no old page image
 *                    holding a key stays in the -wal file.  When the call
 *                    committed changes, wait (unlocked) until they are
 *                    durable (group commit, store-sqlite-sync.c),
 *                    unless the call marked its write provisional (a job
 *                    still receiving: see store-sqlite-sync.c).  A call
 *                    that changed rows with single statements while a
 *                    batch was open (store-sqlite-sync.c) wrote them into
 *                    the batch: the batch is committed here, and the call
 *                    waits as any write does.
 */

void
_gwSqlUnlock(_gw_sql_t *b)
{
  bool wrote;

  if (b->batch_open && sqlite3_total_changes64(b->db) != b->changes_at_lock)
    _gwSqlBatchFlush(b);

  wrote = sqlite3_get_autocommit(b->db) && sqlite3_total_changes64(b->db) != b->changes_at_lock && !b->provisional;
  b->provisional = false;

  _gwSqlSettle(b);

  if (b->shred_pending)
  {
    time_t now = time(NULL);

    if (now - b->checkpoint_time >= _GW_SQL_CHECKPOINT_SECS && _gwSqlBatchFlush(b) && sqlite3_get_autocommit(b->db))
    {
      int rc = sqlite3_wal_checkpoint_v2(b->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);

      b->checkpoint_time = now;
      if (rc == SQLITE_OK)
        b->shred_pending = false;
      else
        gwLog(b->log, GW_LOG_DEBUG, "Store: WAL checkpoint postponed (%s).", sqlite3_errstr(rc));
    }
  }

  pthread_mutex_unlock(&b->lock);

  if (wrote)
    _gwSqlSyncWait(b);                  /* Logs a failed fsync */
}


/*
 * '_gwSqlSettle()' - After a commit (lock held): write what the -wal
 *                    file's buffer still holds; none should be left
 *                    (store-sqlite-vfs.c).
 */

void
_gwSqlSettle(_gw_sql_t *b)
{
  long left;

  if ((left = _gwSqlVfsSettle(b->db)) != 0)
    gwLog(b->log, GW_LOG_ERROR, "Store: %ld bytes of the WAL were still buffered after a write (store-sqlite-vfs.c)%s.", left, left < 0 ? " and could not be written" : "; written now");
}


/*
 * '_gwSqlLogError()' - Log the connection's last error (never bound values).
 */

void
_gwSqlLogError(_gw_sql_t *b, const char *what)
{
  gwLog(b->log, GW_LOG_ERROR, "Store: %s failed: %s", what, sqlite3_errmsg(b->db));
}


/*
 * '_gwSqlStmt()' - Cached statement 'id', prepared from 'sql' on first use.
 *                  Call with the lock held; finish with _gwSqlDone().
 */

sqlite3_stmt *
_gwSqlStmt(_gw_sql_t *b, _gw_sql_id_t id, const char *sql)
{
  if ((unsigned)id >= _GW_SQL_COUNT)
    return (NULL);

  if (!b->stmts[id] && sqlite3_prepare_v3(b->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &b->stmts[id], NULL) != SQLITE_OK)
  {
    _gwSqlLogError(b, "prepare");
    b->stmts[id] = NULL;
  }

  return (b->stmts[id]);
}


/*
 * '_gwSqlDone()' - Reset a statement and drop its bindings (so it keeps no
 *                  pointer to the caller's memory).
 */

void
_gwSqlDone(sqlite3_stmt *stmt)
{
  if (stmt)
  {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
}


/*
 * '_gwSqlSimple()' - Run a cached statement without parameters or rows.
 */

bool
_gwSqlSimple(_gw_sql_t *b, _gw_sql_id_t id, const char *sql)
{
  sqlite3_stmt *stmt = _gwSqlStmt(b, id, sql);
  bool          ok;

  if (!stmt)
    return (false);

  ok = sqlite3_step(stmt) == SQLITE_DONE;
  if (!ok)
    _gwSqlLogError(b, sql);
  _gwSqlDone(stmt);

  return (ok);
}


/*
 * '_gwSqlBegin()' - Start a write transaction (BEGIN IMMEDIATE, so it never
 *                   has to upgrade a read lock half-way), once the open
 *                   batch, if any, is committed (store-sqlite-sync.c).
 */

bool
_gwSqlBegin(_gw_sql_t *b)
{
  _gwSqlBatchFlush(b);                  /* Its members learn a failure */

  return (_gwSqlSimple(b, _GW_SQL_BEGIN, "BEGIN IMMEDIATE"));
}


/*
 * '_gwSqlCommit()' - Commit; on failure roll back and return false.
 */

bool
_gwSqlCommit(_gw_sql_t *b)
{
  if (_gwSqlSimple(b, _GW_SQL_COMMIT, "COMMIT"))
    return (true);

  _gwSqlRollback(b);

  return (false);
}


/*
 * '_gwSqlEnd()' - End the open transaction: commit when ok (false if the
 *                 commit fails, which rolls back), else roll back.
 *                 Returns whether the work is now committed.
 */

bool
_gwSqlEnd(_gw_sql_t *b, bool ok)
{
  if (ok)
    return (_gwSqlCommit(b));

  _gwSqlRollback(b);
  return (false);
}


/*
 * '_gwSqlRollback()' - Roll back the open transaction, if any.
 */

void
_gwSqlRollback(_gw_sql_t *b)
{
  if (!sqlite3_get_autocommit(b->db))
    _gwSqlSimple(b, _GW_SQL_ROLLBACK, "ROLLBACK");
}


/*
 * '_gwSqlExists()' - Does the cached query with parameters ?1 = a and
 *                    ?2 = c return a row?  (A query without ?2 ignores c:
 *                    binding a parameter it does not have is a no-op.)
 */

bool
_gwSqlExists(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, int64_t a, int64_t c)
{
  sqlite3_stmt *stmt = _gwSqlStmt(b, id, sql);
  bool          found;

  if (!stmt)
    return (false);

  sqlite3_bind_int64(stmt, 1, a);
  sqlite3_bind_int64(stmt, 2, c);
  found = sqlite3_step(stmt) == SQLITE_ROW;
  _gwSqlDone(stmt);

  return (found);
}


/*
 * '_gwSqlText()' - Copy a text column into buf (truncating, "" for NULL).
 */

void
_gwSqlText(sqlite3_stmt *stmt, int col, char *buf, size_t bufsize)
{
  const unsigned char *text = sqlite3_column_text(stmt, col);

  snprintf(buf, bufsize, "%s", text ? (const char *)text : "");
}


/*
 * '_gwSqlKeyword()' - The index of a text column's keyword in
 *                     keywords[count] (an enum's names), or dflt.
 */

int
_gwSqlKeyword(sqlite3_stmt *stmt, int col, const char * const *keywords, int count, int dflt)
{
  int i = gwKeywordFind((const char *)sqlite3_column_text(stmt, col), keywords, count);

  return (i < 0 ? dflt : i);
}


/*
 * '_gwSqlColumnsf()' - Copy the current row's columns 0, 1, ... into the
 *                      arguments as 'cols' spells them (the letters of
 *                      bind_args()): 'l' an int64_t *, 'i' an int *, 'b' a
 *                      bool * (non-zero), 't' a char * and its size_t size
 *                      (_gwSqlText()), '_' a column passed over.
 */

void
_gwSqlColumnsf(sqlite3_stmt *stmt, const char *cols, ...)
{
  va_list ap;

  va_start(ap, cols);
  for (int col = 0; cols[col]; col ++)
  {
    switch (cols[col])
    {
      case 'l' :
          *va_arg(ap, int64_t *) = sqlite3_column_int64(stmt, col);
          break;
      case 'i' :
          *va_arg(ap, int *) = sqlite3_column_int(stmt, col);
          break;
      case 'b' :
          *va_arg(ap, bool *) = sqlite3_column_int(stmt, col) != 0;
          break;
      case 't' :
          {
            char   *buf     = va_arg(ap, char *);
            size_t  bufsize = va_arg(ap, size_t);

            _gwSqlText(stmt, col, buf, bufsize);
          }
          break;
    }
  }
  va_end(ap);
}


/*
 * '_gwSqlRows()' - Step a bound statement (lock held) into up to max rows
 *                  of rowsize bytes, then reset it.  Returns the rows
 *                  filled, -1 on a step error.
 */

int
_gwSqlRows(_gw_sql_t *b, sqlite3_stmt *stmt, _gw_sql_row_cb_t row_cb, void *rows, size_t rowsize, int max)
{
  int n, rc = SQLITE_DONE;

  for (n = 0; n < max && (rc = sqlite3_step(stmt)) == SQLITE_ROW; n ++)
    (row_cb)(stmt, (char *)rows + (size_t)n * rowsize);
  if (n < max && rc != SQLITE_DONE)
  {
    _gwSqlLogError(b, "page");
    n = -1;
  }
  _gwSqlDone(stmt);

  return (n);
}


/*
 * 'bind_args()' - Bind a statement's parameters ?1, ?2, ... from the
 *                 arguments as 'binds' spells them: 'l' an int64_t, 'i' an
 *                 int, 't' a string (NULL binds NULL), 'h' a 32-byte HMAC,
 *                 'k' a gw_wrapped_key_t (NULL binds NULL).
 */

static void
bind_args(sqlite3_stmt *stmt, const char *binds, va_list ap)
{
  for (int col = 1; binds[col - 1]; col ++)
  {
    switch (binds[col - 1])
    {
      case 'l' :
          sqlite3_bind_int64(stmt, col, va_arg(ap, int64_t));
          break;
      case 'i' :
          sqlite3_bind_int(stmt, col, va_arg(ap, int));
          break;
      case 't' :
          {
            const char *text = va_arg(ap, const char *);

            if (text)
              sqlite3_bind_text(stmt, col, text, -1, SQLITE_TRANSIENT);
            else
              sqlite3_bind_null(stmt, col);
          }
          break;
      case 'h' :
          sqlite3_bind_blob(stmt, col, va_arg(ap, const unsigned char *), 32, SQLITE_TRANSIENT);
          break;
      case 'k' :
          {
            const gw_wrapped_key_t *key = va_arg(ap, const gw_wrapped_key_t *);

            if (key)
              sqlite3_bind_blob(stmt, col, key->bytes, GW_WRAPPED_KEY_LEN, SQLITE_TRANSIENT);
            else
              sqlite3_bind_null(stmt, col);
          }
          break;
    }
  }
}


/*
 * 'run_args()' - Run a cached statement once, its parameters bound from
 *                'ap' (bind_args()).  Lock held.  See _gwSqlRunf().
 */

static int
run_args(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, const char *what, _gw_sql_step_t *r, const char *binds, va_list ap)
{
  sqlite3_stmt *stmt;

  memset(r, 0, sizeof(*r));
  r->rc = SQLITE_ERROR;

  if ((stmt = _gwSqlStmt(b, id, sql)) == NULL)
    return (r->rc);

  bind_args(stmt, binds, ap);
  if ((r->rc = sqlite3_step(stmt)) == SQLITE_ROW)
  {
    r->value = sqlite3_column_int64(stmt, 0);
  }
  else if (r->rc == SQLITE_DONE)
  {
    r->changes = sqlite3_changes(b->db);
    r->rowid   = sqlite3_last_insert_rowid(b->db);
  }
  else if (what && (r->rc & 0xff) != SQLITE_CONSTRAINT)
  {
    _gwSqlLogError(b, what);
  }
  _gwSqlDone(stmt);

  return (r->rc);
}


/*
 * '_gwSqlRunf()' - Run a cached statement once (lock held, e.g. inside a
 *                  transaction), its parameters bound as 'binds' spells
 *                  them (bind_args()).  Fills r (NULL: not wanted): the
 *                  step's result, and column 0 of a first row, or the rows
 *                  changed and the last inserted rowid.  A failure other
 *                  than a constraint is logged under 'what' (NULL: not
 *                  logged).  Returns the step's result (SQLITE_ERROR when
 *                  the statement cannot be prepared).
 */

int
_gwSqlRunf(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, const char *what, _gw_sql_step_t *r, const char *binds, ...)
{
  _gw_sql_step_t ignored;
  va_list        ap;
  int            rc;

  va_start(ap, binds);
  rc = run_args(b, id, sql, what, r ? r : &ignored, binds, ap);
  va_end(ap);

  return (rc);
}


/*
 * '_gwSqlStepf()' - _gwSqlRunf() under the lock, taken for the call.
 */

int
_gwSqlStepf(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, const char *what, _gw_sql_step_t *r, const char *binds, ...)
{
  _gw_sql_step_t ignored;
  va_list        ap;
  int            rc;

  _gwSqlLock(b);
  va_start(ap, binds);
  rc = run_args(b, id, sql, what, r ? r : &ignored, binds, ap);
  va_end(ap);
  _gwSqlUnlock(b);

  return (rc);
}


/*
 * '_gwSqlRowsf()' - Lock, step a cached query with its parameters bound
 *                   as 'binds' spells them (bind_args()) into up to max
 *                   rows (_gwSqlRows()), unlock.  Returns the rows filled,
 *                   -1 on error.
 */

int
_gwSqlRowsf(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, _gw_sql_row_cb_t row_cb, void *rows, size_t rowsize, int max, const char *binds, ...)
{
  sqlite3_stmt *stmt;
  va_list       ap;
  int           n = -1;

  _gwSqlLock(b);
  if ((stmt = _gwSqlStmt(b, id, sql)) != NULL)
  {
    va_start(ap, binds);
    bind_args(stmt, binds, ap);
    va_end(ap);
    n = _gwSqlRows(b, stmt, row_cb, rows, rowsize, max);
  }
  _gwSqlUnlock(b);

  return (n);
}


/*
 * '_gwSqlRow()' - One row of a cached query: ?1 = a, ?2 = text (or the
 *                 number c when text is NULL).  True when a row was copied.
 */

bool
_gwSqlRow(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, int64_t a, const char *text, int64_t c, _gw_sql_row_cb_t row_cb, void *row)
{
  if (text)
    return (_gwSqlRowsf(b, id, sql, row_cb, row, 0, 1, "lt", a, text) == 1);
  else
    return (_gwSqlRowsf(b, id, sql, row_cb, row, 0, 1, "ll", a, c) == 1);
}


/*
 * '_gwSqlChangef()' - Run a cached statement that changes one row, with
 *                     its parameters ?1, ?2, ... bound from the arguments
 *                     as 'binds' spells them (bind_args()).  True when it
 *                     changed exactly one row.
 */

bool
_gwSqlChangef(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, const char *binds, ...)
{
  _gw_sql_step_t r;
  va_list        ap;

  _gwSqlLock(b);
  va_start(ap, binds);
  run_args(b, id, sql, NULL, &r, binds, ap);
  va_end(ap);
  _gwSqlUnlock(b);

  return (r.rc == SQLITE_DONE && r.changes == 1);
}


/*
 * '_gwSqlChange()' - Run a cached statement that changes one row (?1 = a,
 *                    ?2 = text, or c when text is NULL): true when it
 *                    changed exactly one.
 */

bool
_gwSqlChange(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, int64_t a, const char *text, int64_t c)
{
  return (text ? _gwSqlChangef(b, id, sql, "lt", a, text) : _gwSqlChangef(b, id, sql, "ll", a, c));
}


/*
 * '_gwSqlNamePage()' - A keyset page ordered by a name: ?1 = a, ?2 = c
 *                      (a query may leave it out), ?3 = the cursor's text
 *                      (the last name handed out), ?4 = max.  Moves the
 *                      cursor to the page's last name.
 */

int
_gwSqlNamePage(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, int64_t a, int64_t c, _gw_store_cursor_t *cursor, _gw_sql_row_cb_t row_cb, void *rows, size_t rowsize, size_t name_offset, int max)
{
  int n = _gwSqlRowsf(b, id, sql, row_cb, rows, rowsize, max, "llti", a, c, cursor->text, max);

  if (n > 0)
    snprintf(cursor->text, sizeof(cursor->text), "%s", (const char *)rows + (size_t)(n - 1) * rowsize + name_offset);

  return (n);
}


/*
 * '_gwSqlStateKeyword()' - The keyword the jobs table stores for a state.
 */

const char *
_gwSqlStateKeyword(gw_job_state_t state)
{
  return ((unsigned)state < GW_JOB_STATE_COUNT ? state_keywords[state] : NULL);
}


/*
 * '_gwSqlStatesList()' - The state keywords of a mask as ",held,printed,"
 *                        (matched with instr() in queries).
 */

void
_gwSqlStatesList(unsigned states, char *buf, size_t bufsize)
{
  size_t len = 0;

  snprintf(buf, bufsize, ",");
  for (int i = 0; i < GW_JOB_STATE_COUNT; i ++)
  {
    if (states & (1u << i))
    {
      len = strlen(buf);
      snprintf(buf + len, bufsize - len, "%s,", state_keywords[i]);
    }
  }
}


/* ---- Opening and migrations ----------------------------------------------------- */


/*
 * 'read_version()' - Current schema version (0 = empty database, -1 on error).
 */

static int
read_version(_gw_sql_t *b)
{
  sqlite3_stmt *stmt = _gwSqlStmt(b, _GW_SQL_VERSION, "SELECT coalesce(max(version), 0) FROM schema_version");
  int           version = -1;

  if (!stmt)
    return (-1);

  if (sqlite3_step(stmt) == SQLITE_ROW)
    version = sqlite3_column_int(stmt, 0);
  _gwSqlDone(stmt);

  return (version);
}


/*
 * 'apply_step()' - Apply one migration step in its own transaction.  The
 *                  version is read again inside the transaction, so two
 *                  processes opening a new database apply each step once.
 */

static bool
apply_step(_gw_sql_t *b, const _gw_sql_migration_t *step)
{
  sqlite3_stmt *stmt = NULL;
  int           current;
  bool          ok;

  if (!_gwSqlBegin(b))
    return (false);

  if ((current = read_version(b)) < 0)
  {
    _gwSqlRollback(b);
    return (false);
  }

  if (current >= step->version)
    return (_gwSqlCommit(b));

  if (sqlite3_exec(b->db, step->sql, NULL, NULL, NULL) != SQLITE_OK)
  {
    _gwSqlLogError(b, step->description);
    _gwSqlRollback(b);
    return (false);
  }

  if (sqlite3_prepare_v2(b->db, "INSERT INTO schema_version (version, applied, description) VALUES (?1, ?2, ?3)", -1, &stmt, NULL) != SQLITE_OK)
  {
    _gwSqlLogError(b, "schema_version");
    _gwSqlRollback(b);
    return (false);
  }

  sqlite3_bind_int(stmt, 1, step->version);
  sqlite3_bind_int64(stmt, 2, (int64_t)time(NULL));
  sqlite3_bind_text(stmt, 3, step->description, -1, SQLITE_STATIC);
  ok = sqlite3_step(stmt) == SQLITE_DONE;
  sqlite3_finalize(stmt);

  if (!ok || !_gwSqlCommit(b))
  {
    _gwSqlLogError(b, "schema_version");
    _gwSqlRollback(b);
    return (false);
  }

  gwLog(b->log, GW_LOG_INFO, "Store: schema migrated to version %d (%s).", step->version, step->description);

  return (true);
}


/*
 * 'migrate()' - Bring the schema up to version 'target'.
 */

static bool
migrate(_gw_sql_t *b, int target, const char **error_r)
{
  int current;

  for (int i = 0; i < _GW_SQL_LATEST_VERSION; i ++)
  {
    if (_gwSqlMigrations[i].version != i + 1 || !_gwSqlMigrations[i].sql)
    {
      *error_r = "the store's migration list is inconsistent";
      return (false);
    }
  }

  if (sqlite3_exec(b->db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied INTEGER NOT NULL, description TEXT NOT NULL)", NULL, NULL, NULL) != SQLITE_OK)
  {
    _gwSqlLogError(b, "schema_version");
    *error_r = "unable to read the database schema version";
    return (false);
  }

  if ((current = read_version(b)) < 0)
  {
    *error_r = "unable to read the database schema version";
    return (false);
  }

  if (current > _GW_SQL_LATEST_VERSION)
  {
    gwLog(b->log, GW_LOG_ERROR, "Store: the database has schema version %d; this Printgate knows up to %d.", current, _GW_SQL_LATEST_VERSION);
    *error_r = "the database was written by a newer version of Printgate";
    return (false);
  }

  for (int i = current; i < target; i ++)
  {
    if (!apply_step(b, _gwSqlMigrations + i))
    {
      *error_r = "unable to migrate the database schema";
      return (false);
    }
  }

  return (true);
}


/*
 * 'prepare_file()' - Create the database file with mode 0600 (or tighten
 *                    an existing one) before SQLite opens it; the -wal and
 *                    -shm files inherit its mode.
 */

static bool
prepare_file(const char *path, gw_log_t *log, const char **error_r)
{
  struct stat st;
  int         fd;

  if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
  {
    gwLog(log, GW_LOG_ERROR, "Store: unable to open \"%s\": %s", path, strerror(errno));
    *error_r = "unable to create or open the database file";
    return (false);
  }

  if (fstat(fd, &st) || !S_ISREG(st.st_mode))
  {
    close(fd);
    *error_r = "the database path is not a regular file";
    return (false);
  }

  if ((st.st_mode & 077) != 0)
  {
    gwLog(log, GW_LOG_WARN, "Store: \"%s\" was readable by others; its mode is now 0600.", path);
    if (fchmod(fd, 0600))
    {
      close(fd);
      *error_r = "unable to restrict the database file's permissions";
      return (false);
    }
  }

  close(fd);

  return (true);
}


/*
 * 'configure()' - Apply the connection settings (see the file comment).
 */

static bool
configure(_gw_sql_t *b, const char **error_r)
{
  sqlite3_stmt *stmt = NULL;
  bool          wal = false;

  sqlite3_extended_result_codes(b->db, 1);
  sqlite3_busy_timeout(b->db, 5000);
  sqlite3_db_config(b->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
  sqlite3_db_config(b->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);

  if (sqlite3_prepare_v2(b->db, "PRAGMA journal_mode=WAL", -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
    wal = !strcmp((const char *)sqlite3_column_text(stmt, 0), "wal");
  sqlite3_finalize(stmt);

  if (!wal)
  {
    _gwSqlLogError(b, "PRAGMA journal_mode=WAL");
    *error_r = "unable to switch the database to WAL mode";
    return (false);
  }

  if (sqlite3_exec(b->db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON; PRAGMA cache_size=-2000; PRAGMA temp_store=MEMORY; PRAGMA journal_size_limit=4194304", NULL, NULL, NULL) != SQLITE_OK)
  {
    _gwSqlLogError(b, "PRAGMA");
    *error_r = "unable to configure the database";
    return (false);
  }

  return (true);
}


/*
 * '_gwSqlOpen()' - Open the database at 'path' and migrate it to 'version'.
 */

void *
_gwSqlOpen(const char *path, gw_log_t *log, int version, const char **error_r)
{
  _gw_sql_t  *b;
  const char *error = NULL;

  if (!prepare_file(path, log, &error))
  {
    if (error_r)
      *error_r = error;
    return (NULL);
  }

  if ((b = calloc(1, sizeof(_gw_sql_t))) == NULL)
  {
    if (error_r)
      *error_r = "out of memory";
    return (NULL);
  }

  pthread_mutex_init(&b->lock, NULL);
  _gwGroupSyncInit(&b->wal_sync);
  b->log = log;

  if (sqlite3_open_v2(path, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW, _gwSqlVfsName()) != SQLITE_OK)
  {
    gwLog(log, GW_LOG_ERROR, "Store: unable to open \"%s\": %s", path, b->db ? sqlite3_errmsg(b->db) : "out of memory");
    error = "unable to open the database";
  }
  else if (configure(b, &error) && migrate(b, version, &error))
  {
    if (_gwSqlSyncInit(b, path))
    {
      _gwSqlCheckpointerStart(b, path);   /* Else SQLite's automatic checkpoint stays (logged) */
      gwLog(log, GW_LOG_DEBUG, "Store: opened \"%s\" (schema version %d).", path, version);
      return (b);
    }
    error = "unable to configure the database";
  }

  if (error_r)
    *error_r = error;
  _gwSqlClose(b);

  return (NULL);
}


/*
 * '_gwSqlClose()' - Stop the checkpointer, checkpoint (truncating the
 *                   WAL), finalize and close.
 */

void
_gwSqlClose(void *backend)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;

  if (!b)
    return;

  _gwSqlCheckpointerStop(b);           /* Before the mutex: its last round may take it */
  pthread_mutex_lock(&b->lock);
  if (b->db)
  {
    _gwSqlBatchFlush(b);                /* Nobody waits for it any more */
    if (b->wal_path)
      gwLog(b->log, GW_LOG_INFO, "Store: %lu WAL fsyncs; %lu writes batched in %lu batches.", _gwSqlSyncCount(b), b->batch_calls, b->batch_commits);
  }
  for (int i = 0; i < _GW_SQL_COUNT; i ++)
  {
    if (b->stmts[i])
      sqlite3_finalize(b->stmts[i]);
    b->stmts[i] = NULL;
  }

  if (b->db)
  {
    sqlite3_wal_checkpoint_v2(b->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    if (sqlite3_close(b->db) != SQLITE_OK)
      _gwSqlLogError(b, "close");
  }
  pthread_mutex_unlock(&b->lock);
  pthread_mutex_destroy(&b->lock);
  _gwGroupSyncDestroy(&b->wal_sync);
  free(b->wal_path);
  free(b);
}


/*
 * '_gwSqlSchemaVersion()' - Schema version of the open database.
 */

int
_gwSqlSchemaVersion(void *backend)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;
  int        version;

  _gwSqlLock(b);
  version = read_version(b);
  _gwSqlUnlock(b);

  return (version);
}


/*
 * '_gwSqlCheck()' - Cheap liveness query.
 */

bool
_gwSqlCheck(void *backend)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  bool          ok = false;

  _gwSqlLock(b);
  if ((stmt = _gwSqlStmt(b, _GW_SQL_CHECK, "SELECT 1")) != NULL)
  {
    ok = sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 0) == 1;
    _gwSqlDone(stmt);
  }
  _gwSqlUnlock(b);

  return (ok);
}


/*
 * '_gwSqlTenantAdd()' - Add a tenant.
 */

bool
_gwSqlTenantAdd(void *backend, int64_t id, const char *name, const char **error_r)
{
  int rc = _gwSqlStepf((_gw_sql_t *)backend, _GW_SQL_TENANT_ADD, "INSERT INTO tenants (id, name, created) VALUES (?1, ?2, ?3)",
                       NULL, NULL, "ltl", id, name, (int64_t)time(NULL));

  if (rc == SQLITE_DONE)
    return (true);

  if (error_r)
    *error_r = (rc & 0xff) == SQLITE_CONSTRAINT ? "that tenant already exists" : "unable to add the tenant";

  return (false);
}
