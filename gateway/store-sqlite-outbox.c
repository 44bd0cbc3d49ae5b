/*
 * store-sqlite-outbox.c - the outbox in the SQLite store (see store.h and
 * outbox.h): one row per outgoing message, its composed text sealed under
 * the secrets key (the outbox seals it; this file stores a blob).
 *
 * Arguments arrive checked by store.c.  Every query but the sender's
 * (which serves every tenant) is scoped by tenant_id.
 */

#include "store-sqlite-private.h"

#include <stdlib.h>
#include <string.h>

#define OUTBOX_COLS "id, tenant_id, state, attempts, created, next_attempt, updated, coalesce(key, ''), sender, recipient, subject, message_id, last_error, since"

static const char * const outbox_states[] = { "queued", "sending", "sent", "failed" };


/*
 * 'outbox_row()' - Copy an OUTBOX_COLS row.
 */

static void
outbox_row(sqlite3_stmt *stmt, void *row)
{
  gw_outbox_entry_t *e = (gw_outbox_entry_t *)row;

  memset(e, 0, sizeof(gw_outbox_entry_t));
  _gwSqlColumnsf(stmt, "ll_illlttttttl", &e->id, &e->tenant, &e->attempts, &e->created, &e->next_attempt, &e->updated,
                 e->key, sizeof(e->key), e->from, sizeof(e->from), e->to, sizeof(e->to), e->subject, sizeof(e->subject),
                 e->message_id, sizeof(e->message_id), e->last_error, sizeof(e->last_error), &e->since);
  e->state = (gw_outbox_state_t)_gwSqlKeyword(stmt, 2, outbox_states, 4, GW_OUTBOX_FAILED);
}


/*
 * '_gwSqlOutboxAdd()' - Insert a queued row, or find the row of the same
 *                       key (then nothing is inserted).
 */

bool
_gwSqlOutboxAdd(void *backend, const gw_outbox_entry_t *e, const void *sealed, size_t len, int64_t *id_r, bool *existed_r, const char **error_r)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  int           rc = SQLITE_ERROR;

  *existed_r = false;

  _gwSqlLock(b);
  if ((stmt = _gwSqlStmt(b, _GW_SQL_OUTBOX_ADD,
         "INSERT INTO outbox (tenant_id, key, state, sender, recipient, subject, message_id, message, attempts,"
         " since, next_attempt, created, updated)"
         " VALUES (?1, nullif(?2, ''), 'queued', ?3, ?4, ?5, ?6, ?7, 0, ?8, ?8, ?8, ?8)"
         " ON CONFLICT (tenant_id, key) DO NOTHING")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, e->tenant);
    sqlite3_bind_text(stmt, 2, e->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, e->from, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, e->to, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, e->subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, e->message_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 7, sealed, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 8, e->created);
    if ((rc = sqlite3_step(stmt)) == SQLITE_DONE)
    {
      *existed_r = sqlite3_changes(b->db) == 0;
      *id_r      = sqlite3_last_insert_rowid(b->db);
    }
    _gwSqlDone(stmt);
  }

  if (rc == SQLITE_DONE && *existed_r)
  {
    rc = SQLITE_ERROR;
    if ((stmt = _gwSqlStmt(b, _GW_SQL_OUTBOX_KEY, "SELECT id FROM outbox WHERE tenant_id = ?1 AND key = ?2")) != NULL)
    {
      sqlite3_bind_int64(stmt, 1, e->tenant);
      sqlite3_bind_text(stmt, 2, e->key, -1, SQLITE_STATIC);
      if (sqlite3_step(stmt) == SQLITE_ROW)
      {
        *id_r = sqlite3_column_int64(stmt, 0);
        rc    = SQLITE_DONE;
      }
      _gwSqlDone(stmt);
    }
  }
  if (rc != SQLITE_DONE)
    _gwSqlLogError(b, "outbox add");
  _gwSqlUnlock(b);

  if (rc != SQLITE_DONE && error_r)
    *error_r = "unable to queue the message";

  return (rc == SQLITE_DONE);
}


/*
 * '_gwSqlOutboxTake()' - The oldest due queued row of any tenant becomes
 *                        "sending" (attempts + 1), in one transaction;
 *                        *sealed_r gets a copy of its message (malloc).
 */

bool
_gwSqlOutboxTake(void *backend, int64_t now, gw_outbox_entry_t *e, void **sealed_r, size_t *len_r)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  bool          ok = false;

  *sealed_r = NULL;

  _gwSqlLock(b);
  if (!_gwSqlBegin(b))
  {
    _gwSqlUnlock(b);
    return (false);
  }

  if ((stmt = _gwSqlStmt(b, _GW_SQL_OUTBOX_DUE,
         "SELECT " OUTBOX_COLS ", message FROM outbox WHERE state = 'queued' AND next_attempt <= ?1"
         " ORDER BY next_attempt, id LIMIT 1")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, now);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_bytes(stmt, 14) > 0)
    {
      outbox_row(stmt, e);
      *len_r = (size_t)sqlite3_column_bytes(stmt, 14);
      if ((*sealed_r = malloc(*len_r)) != NULL)
      {
        memcpy(*sealed_r, sqlite3_column_blob(stmt, 14), *len_r);
        ok = true;
      }
    }
    _gwSqlDone(stmt);
  }

  if (ok && (stmt = _gwSqlStmt(b, _GW_SQL_OUTBOX_SENDING,
         "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated = ?2 WHERE id = ?1 AND state = 'queued'")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, e->id);
    sqlite3_bind_int64(stmt, 2, now);
    ok = sqlite3_step(stmt) == SQLITE_DONE && sqlite3_changes(b->db) == 1;
    _gwSqlDone(stmt);
    e->state = GW_OUTBOX_SENDING;
    e->attempts ++;
  }
  else
    ok = false;

  ok = _gwSqlEnd(b, ok);
  _gwSqlUnlock(b);

  if (!ok)
  {
    free(*sealed_r);
    *sealed_r = NULL;
  }

  return (ok);
}


/*
 * '_gwSqlOutboxFinish()' - A sending row after its attempt: sent (its
 *                          message dropped), failed, or queued again.
 */

bool
_gwSqlOutboxFinish(void *backend, int64_t tenant, int64_t id, gw_outbox_state_t state, int64_t next_attempt, const char *last_error, int64_t now)
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_OUTBOX_FINISH,
            "UPDATE outbox SET state = ?3, next_attempt = ?4, last_error = ?5, updated = ?6,"
            " message = CASE WHEN ?3 = 'sent' THEN NULL ELSE message END"
            " WHERE tenant_id = ?1 AND id = ?2 AND state = 'sending'",
            "lltltl", tenant, id, outbox_states[state], next_attempt, last_error ? last_error : "", now));
}


/*
 * '_gwSqlOutboxPage()' - Next page of a tenant's rows by id (states: a
 *                        mask, never 0 here).
 */

int
_gwSqlOutboxPage(void *backend, int64_t tenant, unsigned states, _gw_store_cursor_t *cursor, gw_outbox_entry_t *rows, int max)
{
  int n = _gwSqlRowsf((_gw_sql_t *)backend, _GW_SQL_OUTBOX_PAGE,
                      "SELECT " OUTBOX_COLS " FROM outbox WHERE tenant_id = ?1 AND id > ?2"
                      " AND ((?3 & 1 AND state = 'queued') OR (?3 & 2 AND state = 'sending') OR (?3 & 4 AND state = 'sent')"
                      " OR (?3 & 8 AND state = 'failed')) ORDER BY id LIMIT ?4",
                      outbox_row, rows, sizeof(gw_outbox_entry_t), max, "llli", tenant, cursor->num[0], (int64_t)states, max);

  if (n > 0)
    cursor->num[0] = rows[n - 1].id;

  return (n);
}


/*
 * '_gwSqlOutboxRetry()' - A queued or failed row is due now, with its
 *                         attempts and give-up clock started afresh.
 */

bool
_gwSqlOutboxRetry(void *backend, int64_t tenant, int64_t id, int64_t now)
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_OUTBOX_RETRY,
            "UPDATE outbox SET state = 'queued', attempts = 0, since = ?3, next_attempt = ?3, updated = ?3"
            " WHERE tenant_id = ?1 AND id = ?2 AND state IN ('queued', 'failed') AND message IS NOT NULL",
            "lll", tenant, id, now));
}


/*
 * '_gwSqlOutboxDelete()' - Delete a row that is not being sent.
 */

bool
_gwSqlOutboxDelete(void *backend, int64_t tenant, int64_t id)
{
  return (_gwSqlChange((_gw_sql_t *)backend, _GW_SQL_OUTBOX_DELETE,
            "DELETE FROM outbox WHERE tenant_id = ?1 AND id = ?2 AND state <> 'sending'", tenant, NULL, id));
}


/*
 * '_gwSqlOutboxSweep()' - At start (recover): every "sending" row (a crash
 *                         during its attempt) is queued again, due now.
 *                         Otherwise (purge): sent and failed rows last
 *                         changed before 'when' are deleted.  Returns the
 *                         rows changed, -1 on error.
 */

int
_gwSqlOutboxSweep(void *backend, bool recover, int64_t when)
{
  _gw_sql_t     *b = (_gw_sql_t *)backend;
  _gw_sql_step_t r;

  if (recover)
    _gwSqlStepf(b, _GW_SQL_OUTBOX_RECOVER,
                "UPDATE outbox SET state = 'queued', next_attempt = ?1, updated = ?1,"
                " last_error = 'interrupted while sending (the daemon stopped); sent again' WHERE state = 'sending'", NULL, &r, "l", when);
  else
    _gwSqlStepf(b, _GW_SQL_OUTBOX_PURGE, "DELETE FROM outbox WHERE state IN ('sent', 'failed') AND updated < ?1", NULL, &r, "l", when);

  return (r.rc == SQLITE_DONE ? r.changes : -1);
}


/*
 * '_gwSqlOutboxNextDue()' - The earliest next_attempt of a queued row (0 = none).
 */

int64_t
_gwSqlOutboxNextDue(void *backend)
{
  _gw_sql_step_t r;

  if (_gwSqlStepf((_gw_sql_t *)backend, _GW_SQL_OUTBOX_NEXT, "SELECT coalesce(min(next_attempt), 0) FROM outbox WHERE state = 'queued'", NULL, &r, "") != SQLITE_ROW)
    return (-1);

  return (r.value);
}
