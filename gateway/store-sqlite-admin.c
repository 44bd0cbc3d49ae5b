/*
 * store-sqlite-admin.c - the admin console's rows in the SQLite store (see
 * store.h, "Admin console"): the users page with search, editing a user,
 * second factors (the sealed TOTP secret and its last step), recovery code
 * HMACs and elevated sessions (store version 10).
 *
 * Arguments arrive checked and normalised by store-admin.c.  Every query is
 * scoped by tenant_id.
 */

#include "store-sqlite-private.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define USER_COLS "u.id, u.tenant_id, u.name, u.display_name, CASE u.staff_role WHEN '' THEN u.role ELSE u.staff_role END," \
                  " u.must_change, u.disabled, u.created"

static const char * const role_keywords[] = { "user", "admin", "guest", "helpdesk", "auditor" };


/*
 * '_gwSqlUserSearch()' - Up to max users by name after 'after', whose name
 *                        or display name holds 'query' ("" = all).  The
 *                        walk is on the (tenant_id, name) index: no sort,
 *                        no temporary table.
 */

int
_gwSqlUserSearch(void *backend, int64_t tenant, const char *after, const char *query, gw_user_t *users, int max)
{
  return (_gwSqlRowsf((_gw_sql_t *)backend, _GW_SQL_USER_SEARCH,
                      "SELECT " USER_COLS " FROM users u WHERE u.tenant_id = ?1 AND u.name > ?2"
                      " AND (?3 = '' OR instr(u.name, ?3) > 0 OR instr(lower(u.display_name), ?3) > 0)"
                      " ORDER BY u.name LIMIT ?4",
                      _gwSqlUserRow, users, sizeof(gw_user_t), max, "ltti", tenant, after, query, max));
}


/*
 * '_gwSqlUserEdit()' - Set a user's display name, role and disabled flag.
 */

bool
_gwSqlUserEdit(void *backend, int64_t tenant, int64_t id, const char *display_name, gw_role_t role, bool disabled)
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_USER_EDIT,
                        "UPDATE users SET display_name = ?3, role = ?4, staff_role = ?5, disabled = ?6 WHERE tenant_id = ?1 AND id = ?2",
                        "llttti", tenant, id, display_name, role <= GW_ROLE_GUEST ? role_keywords[role] : "user",
                        role <= GW_ROLE_GUEST ? "" : role_keywords[role], disabled ? 1 : 0));
}


/*
 * '_gwSqlFactorSet()' - Keep a new (not yet enabled) sealed TOTP secret for
 *                       a user, replacing any older one and its recovery
 *                       codes.
 */

bool
_gwSqlFactorSet(void *backend, int64_t tenant, int64_t user_id, const void *sealed, size_t len)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  bool          ok = false;

  _gwSqlLock(b);
  if (_gwSqlBegin(b))
  {
    _gw_sql_step_t r;

    ok = _gwSqlRunf(b, _GW_SQL_RECOVERY_DELETE, "DELETE FROM recovery_codes WHERE tenant_id = ?1 AND user_id = ?2", "recovery delete",
                    &r, "ll", tenant, user_id) == SQLITE_DONE;
    if (ok && (stmt = _gwSqlStmt(b, _GW_SQL_FACTOR_SET,
                                 "INSERT OR REPLACE INTO second_factors (tenant_id, user_id, secret, enabled, last_step, created)"
                                 " SELECT tenant_id, id, ?3, 0, 0, ?4 FROM users WHERE tenant_id = ?1 AND id = ?2")) != NULL)
    {
      sqlite3_bind_int64(stmt, 1, tenant);
      sqlite3_bind_int64(stmt, 2, user_id);
      sqlite3_bind_blob(stmt, 3, sealed, (int)len, SQLITE_STATIC);
      sqlite3_bind_int64(stmt, 4, (int64_t)time(NULL));
      ok = sqlite3_step(stmt) == SQLITE_DONE && sqlite3_changes(b->db) == 1;
      if (!ok)
        _gwSqlLogError(b, "second factor set");
      _gwSqlDone(stmt);
    }
    else
      ok = false;
    ok = _gwSqlEnd(b, ok);
  }
  _gwSqlUnlock(b);

  return (ok);
}


/*
 * '_gwSqlFactorGet()' - A user's sealed TOTP secret, whether it is
 *                       enabled, and the last step used.
 */

bool
_gwSqlFactorGet(void *backend, int64_t tenant, int64_t user_id, void *sealed, size_t sealedsize, size_t *len_r, bool *enabled_r, int64_t *last_step_r)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  bool          ok = false;

  _gwSqlLock(b);
  if ((stmt = _gwSqlStmt(b, _GW_SQL_FACTOR_GET,
                         "SELECT secret, enabled, last_step FROM second_factors WHERE tenant_id = ?1 AND user_id = ?2")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_int64(stmt, 2, user_id);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_bytes(stmt, 0) > 0 && (size_t)sqlite3_column_bytes(stmt, 0) <= sealedsize)
    {
      *len_r = (size_t)sqlite3_column_bytes(stmt, 0);
      memcpy(sealed, sqlite3_column_blob(stmt, 0), *len_r);
      *enabled_r   = sqlite3_column_int(stmt, 1) != 0;
      *last_step_r = sqlite3_column_int64(stmt, 2);
      ok           = true;
    }
    _gwSqlDone(stmt);
  }
  _gwSqlUnlock(b);

  return (ok);
}


/*
 * '_gwSqlFactorStep()' - Use time step 'step' of a user's secret (and
 *                        enable it): true only when step is later than
 *                        the last one used, in one statement, so a code
 *                        works once even when sent twice at once.
 */

bool
_gwSqlFactorStep(void *backend, int64_t tenant, int64_t user_id, int64_t step)
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_FACTOR_STEP,
                        "UPDATE second_factors SET last_step = ?3, enabled = 1 WHERE tenant_id = ?1 AND user_id = ?2 AND last_step < ?3",
                        "lll", tenant, user_id, step));
}


/*
 * '_gwSqlFactorDelete()' - Forget a user's second factor and recovery codes.
 */

bool
_gwSqlFactorDelete(void *backend, int64_t tenant, int64_t user_id)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;

  _gwSqlChangef(b, _GW_SQL_RECOVERY_DELETE, "DELETE FROM recovery_codes WHERE tenant_id = ?1 AND user_id = ?2", "ll", tenant, user_id);

  return (_gwSqlChangef(b, _GW_SQL_FACTOR_DELETE, "DELETE FROM second_factors WHERE tenant_id = ?1 AND user_id = ?2", "ll", tenant, user_id));
}


/*
 * '_gwSqlRecoverySet()' - Replace a user's recovery codes by n new HMACs.
 */

bool
_gwSqlRecoverySet(void *backend, int64_t tenant, int64_t user_id, const unsigned char (*hmacs)[32], int n)
{
  _gw_sql_t     *b = (_gw_sql_t *)backend;
  _gw_sql_step_t r;
  bool           ok = false;

  _gwSqlLock(b);
  if (_gwSqlBegin(b))
  {
    ok = _gwSqlRunf(b, _GW_SQL_RECOVERY_DELETE, "DELETE FROM recovery_codes WHERE tenant_id = ?1 AND user_id = ?2", "recovery delete",
                    &r, "ll", tenant, user_id) == SQLITE_DONE;
    for (int i = 0; ok && i < n; i ++)
      ok = _gwSqlRunf(b, _GW_SQL_RECOVERY_ADD, "INSERT INTO recovery_codes (tenant_id, user_id, hmac, created) VALUES (?1, ?2, ?3, ?4)",
                      "recovery add", &r, "llhl", tenant, user_id, hmacs[i], (int64_t)time(NULL)) == SQLITE_DONE;
    ok = _gwSqlEnd(b, ok);
  }
  _gwSqlUnlock(b);

  return (ok);
}


/*
 * '_gwSqlRecoveryUse()' - Use up one recovery code of a user (its row
 *                         goes in the statement that finds it).
 */

bool
_gwSqlRecoveryUse(void *backend, int64_t tenant, int64_t user_id, const unsigned char hmac[32])
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_RECOVERY_USE, "DELETE FROM recovery_codes WHERE tenant_id = ?1 AND user_id = ?2 AND hmac = ?3",
                        "llh", tenant, user_id, hmac));
}


/*
 * '_gwSqlRecoveryCount()' - How many unused recovery codes a user has.
 */

int
_gwSqlRecoveryCount(void *backend, int64_t tenant, int64_t user_id)
{
  _gw_sql_step_t r;

  if (_gwSqlStepf((_gw_sql_t *)backend, _GW_SQL_RECOVERY_COUNT, "SELECT count(*) FROM recovery_codes WHERE tenant_id = ?1 AND user_id = ?2",
                  NULL, &r, "ll", tenant, user_id) != SQLITE_ROW)
    return (-1);

  return ((int)r.value);
}


/*
 * '_gwSqlSessionElevate()' - Mark a session as past the second factor.
 */

bool
_gwSqlSessionElevate(void *backend, int64_t tenant, const unsigned char hmac[32])
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_SESSION_ELEVATE, "UPDATE sessions SET elevated = 1 WHERE tenant_id = ?1 AND hmac = ?2",
                        "lh", tenant, hmac));
}


/*
 * '_gwSqlSessionElevated()' - 1 when a session is elevated, 0 when not (or
 *                             there is none), -1 on error.
 */

int
_gwSqlSessionElevated(void *backend, int64_t tenant, const unsigned char hmac[32])
{
  _gw_sql_step_t r;
  int            rc = _gwSqlStepf((_gw_sql_t *)backend, _GW_SQL_SESSION_ELEVATED, "SELECT elevated FROM sessions WHERE tenant_id = ?1 AND hmac = ?2",
                                  NULL, &r, "lh", tenant, hmac);

  if (rc == SQLITE_DONE)
    return (0);

  return (rc == SQLITE_ROW ? (r.value != 0) : -1);
}
