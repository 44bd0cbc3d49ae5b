/*
 * store-sqlite-user.c - users, aliases, email addresses, release PINs,
 * cards and lockouts in the SQLite store (see store.h).
 *
 * Arguments arrive checked and normalised by store.c.  Every query is
 * scoped by tenant_id.
 */

#include "store-sqlite-private.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USER_COLS "u.id, u.tenant_id, u.name, u.display_name, CASE u.staff_role WHEN '' THEN u.role ELSE u.staff_role END," \
                  " u.must_change, u.disabled, u.created"
#define ADDR_COLS "a.id, a.user_id, u.name, a.address, a.state, a.verified_by, a.verified_at, a.created"

static const char * const role_keywords[] = { "user", "admin", "guest", "helpdesk", "auditor" };   /* gw_role_t; the last two are users.staff_role (version 10) */
static const char * const address_keywords[] = { "pending", "verified", "revoked" };

static const char name_taken[] = "that name is already taken by a user or an alias";


/*
 * '_gwSqlUserRow()' - Copy a USER_COLS row.
 */

void
_gwSqlUserRow(sqlite3_stmt *stmt, void *row)
{
  gw_user_t *user = (gw_user_t *)row;

  memset(user, 0, sizeof(gw_user_t));
  _gwSqlColumnsf(stmt, "lltt_bbl", &user->id, &user->tenant, user->name, sizeof(user->name), user->display_name, sizeof(user->display_name),
                 &user->must_change_password, &user->disabled, &user->created);
  user->role = (gw_role_t)_gwSqlKeyword(stmt, 4, role_keywords, GW_ROLE_LAST + 1, GW_ROLE_USER);
}


/*
 * 'address_row()' - Copy an ADDR_COLS row.
 */

static void
address_row(sqlite3_stmt *stmt, void *row)
{
  gw_address_t *addr = (gw_address_t *)row;

  memset(addr, 0, sizeof(gw_address_t));
  _gwSqlColumnsf(stmt, "lltt_tll", &addr->id, &addr->user_id, addr->user_name, sizeof(addr->user_name), addr->address, sizeof(addr->address),
                 addr->verified_by, sizeof(addr->verified_by), &addr->verified_at, &addr->created);
  addr->state = (gw_address_state_t)_gwSqlKeyword(stmt, 4, address_keywords, 3, GW_ADDRESS_PENDING);
}


/*
 * 'user_exists()' - Is there a user 'id' in the tenant?  Lock held.
 */

static bool
user_exists(_gw_sql_t *b, int64_t tenant, int64_t id)
{
  return (_gwSqlExists(b, _GW_SQL_USER_EXISTS, "SELECT 1 FROM users WHERE tenant_id = ?1 AND id = ?2", tenant, id));
}


/*
 * 'name_taken_by()' - Is 'name' a user name or an alias in the tenant?
 *                     Lock held.
 */

static bool
name_taken_by(_gw_sql_t *b, int64_t tenant, const char *name)
{
  /* Anything but "no row" (a row, or an error) counts as taken */
  return (_gwSqlRunf(b, _GW_SQL_USER_NAME_TAKEN,
                     "SELECT 1 FROM users WHERE tenant_id = ?1 AND name = ?2 UNION ALL SELECT 1 FROM aliases WHERE tenant_id = ?1 AND alias = ?2",
                     NULL, NULL, "lt", tenant, name) != SQLITE_DONE);
}


/* ---- Users and aliases -------------------------------------------------------- */


/*
 * '_gwSqlUserAdd()' - Add a user whose name is not taken in the tenant.
 */

bool
_gwSqlUserAdd(void *backend, int64_t tenant, const char *name, const char *display_name, gw_role_t role, const char *password_hash, bool must_change, int64_t *id_r, const char **error_r)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  const char   *error = "unable to add the user";
  bool          ok = false;

  _gwSqlLock(b);
  if (!_gwSqlBegin(b))
    goto done;

  if (!_gwSqlExists(b, _GW_SQL_TENANT_EXISTS, "SELECT 1 FROM tenants WHERE id = ?1", tenant, 0))
    error = "no such tenant";
  else if (name_taken_by(b, tenant, name))
    error = name_taken;
  else if ((stmt = _gwSqlStmt(b, _GW_SQL_USER_ADD,
             "INSERT INTO users (tenant_id, name, display_name, role, password_hash, must_change, disabled, created)"
             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7)")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, display_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, role <= GW_ROLE_GUEST ? role_keywords[role] : "user", -1, SQLITE_STATIC);
    if (password_hash)
      sqlite3_bind_text(stmt, 5, password_hash, -1, SQLITE_STATIC);
    else
      sqlite3_bind_null(stmt, 5);
    sqlite3_bind_int(stmt, 6, must_change ? 1 : 0);
    sqlite3_bind_int64(stmt, 7, (int64_t)time(NULL));
    ok = sqlite3_step(stmt) == SQLITE_DONE;
    if (!ok)
      _gwSqlLogError(b, "user add");
    _gwSqlDone(stmt);

    if (ok && id_r)
      *id_r = sqlite3_last_insert_rowid(b->db);

    /* helpdesk and auditor are users.staff_role (version 10), set apart so that the insert stays version 1's */
    if (ok && role > GW_ROLE_GUEST)
    {
      _gw_sql_step_t r;

      ok = _gwSqlRunf(b, _GW_SQL_USER_STAFF_ROLE, "UPDATE users SET staff_role = ?2 WHERE id = ?1", "user staff role", &r, "lt",
                      (int64_t)sqlite3_last_insert_rowid(b->db), role_keywords[role]) == SQLITE_DONE && r.changes == 1;
    }
  }

  ok = _gwSqlEnd(b, ok);

  done:

  _gwSqlUnlock(b);

  if (!ok && error_r)
    *error_r = error;
  if (!ok && id_r)
    *id_r = 0;

  return (ok);
}


/*
 * '_gwSqlUserFind()' - Find a user by name, or by one of their aliases.
 */

bool
_gwSqlUserFind(void *backend, int64_t tenant, const char *name_or_alias, gw_user_t *user)
{
  return (_gwSqlRow((_gw_sql_t *)backend, _GW_SQL_USER_FIND,
                    "SELECT " USER_COLS " FROM users u WHERE u.tenant_id = ?1 AND u.name = ?2"
                    " UNION ALL"
                    " SELECT " USER_COLS " FROM aliases a JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id"
                    " WHERE a.tenant_id = ?1 AND a.alias = ?2 LIMIT 1", tenant, name_or_alias, 0, _gwSqlUserRow, user));
}


/*
 * '_gwSqlUserGet()' - Get a user by id.
 */

bool
_gwSqlUserGet(void *backend, int64_t tenant, int64_t id, gw_user_t *user)
{
  return (_gwSqlRow((_gw_sql_t *)backend, _GW_SQL_USER_GET, "SELECT " USER_COLS " FROM users u WHERE u.tenant_id = ?1 AND u.id = ?2",
                    tenant, NULL, id, _gwSqlUserRow, user));
}


/*
 * '_gwSqlUserGetPasswordHash()' - Copy a user's password hash.
 */

bool
_gwSqlUserGetPasswordHash(void *backend, int64_t tenant, int64_t id, char *buf, size_t bufsize)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  bool          ok = false;

  _gwSqlLock(b);
  if ((stmt = _gwSqlStmt(b, _GW_SQL_USER_GET_HASH, "SELECT password_hash FROM users WHERE tenant_id = ?1 AND id = ?2")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_int64(stmt, 2, id);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) == SQLITE_TEXT)
    {
      const char *hash = (const char *)sqlite3_column_text(stmt, 0);

      if (hash && *hash && strlen(hash) < bufsize)
      {
        snprintf(buf, bufsize, "%s", hash);
        ok = true;
      }
    }
    _gwSqlDone(stmt);
  }
  _gwSqlUnlock(b);

  return (ok);
}


/*
 * '_gwSqlUserSetPassword()' - Replace a user's password hash.
 */

bool
_gwSqlUserSetPassword(void *backend, int64_t tenant, int64_t id, const char *password_hash, bool must_change)
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_USER_SET_PASSWORD,
            "UPDATE users SET password_hash = ?3, must_change = ?4 WHERE tenant_id = ?1 AND id = ?2",
            "llti", tenant, id, password_hash, must_change ? 1 : 0));
}


/*
 * '_gwSqlUserCount()' - Number of users of a tenant.
 */

int
_gwSqlUserCount(void *backend, int64_t tenant)
{
  _gw_sql_step_t r;

  if (_gwSqlStepf((_gw_sql_t *)backend, _GW_SQL_USER_COUNT, "SELECT count(*) FROM users WHERE tenant_id = ?1", NULL, &r, "l", tenant) != SQLITE_ROW)
    return (-1);

  return ((int)r.value);
}


/*
 * '_gwSqlUserPage()' - Next page of users by name (the cursor is the last name).
 */

int
_gwSqlUserPage(void *backend, int64_t tenant, _gw_store_cursor_t *cursor, gw_user_t *users, int max)
{
  return (_gwSqlNamePage((_gw_sql_t *)backend, _GW_SQL_USER_PAGE, "SELECT " USER_COLS " FROM users u WHERE u.tenant_id = ?1 AND u.name > ?3 ORDER BY u.name LIMIT ?4",
                         tenant, 0, cursor, _gwSqlUserRow, users, sizeof(gw_user_t), offsetof(gw_user_t, name), max));
}


/*
 * 'user_insert()' - INSERT a row that belongs to a user (?1 = tenant, ?2 =
 *                   user id, ?3 = text, ?4 = now) in a transaction that
 *                   first checks the user exists and, for a name, that no
 *                   user or alias has it.  'what' is the error otherwise;
 *                   'unique' the error of a UNIQUE violation.
 */

static bool
user_insert(_gw_sql_t *b, _gw_sql_id_t id, const char *sql, int64_t tenant, int64_t user_id, const char *text, bool is_name, const char *what, const char *unique, const char **error_r)
{
  sqlite3_stmt *stmt;
  const char   *error = what;
  bool          ok = false;
  int           rc;

  _gwSqlLock(b);
  if (_gwSqlBegin(b))
  {
    if (!user_exists(b, tenant, user_id))
      error = "no such user";
    else if (is_name && name_taken_by(b, tenant, text))
      error = name_taken;
    else if ((stmt = _gwSqlStmt(b, id, sql)) != NULL)
    {
      sqlite3_bind_int64(stmt, 1, tenant);
      sqlite3_bind_int64(stmt, 2, user_id);
      sqlite3_bind_text(stmt, 3, text, -1, SQLITE_STATIC);
      sqlite3_bind_int64(stmt, 4, (int64_t)time(NULL));
      if (!(ok = (rc = sqlite3_step(stmt)) == SQLITE_DONE))
      {
        if (rc == SQLITE_CONSTRAINT_UNIQUE && unique)
          error = unique;
        else
          _gwSqlLogError(b, what);
      }
      _gwSqlDone(stmt);
    }
    ok = _gwSqlEnd(b, ok);
  }
  _gwSqlUnlock(b);

  if (!ok && error_r)
    *error_r = error;

  return (ok);
}


/*
 * '_gwSqlAliasAdd()' - Add an alias that is not taken in the tenant.
 */

bool
_gwSqlAliasAdd(void *backend, int64_t tenant, int64_t user_id, const char *alias, const char **error_r)
{
  return (user_insert((_gw_sql_t *)backend, _GW_SQL_ALIAS_ADD, "INSERT INTO aliases (tenant_id, alias, user_id, created) VALUES (?1, ?3, ?2, ?4)",
                      tenant, user_id, alias, true, "unable to add the alias", NULL, error_r));
}


/* ---- Addresses ------------------------------------------------------------------ */


/*
 * '_gwSqlAddressAdd()' - Register a pending address for a user.
 */

bool
_gwSqlAddressAdd(void *backend, int64_t tenant, int64_t user_id, const char *address, const char **error_r)
{
  return (user_insert((_gw_sql_t *)backend, _GW_SQL_ADDRESS_ADD,
                      "INSERT INTO addresses (tenant_id, user_id, address, state, verified_by, verified_at, created) VALUES (?1, ?2, ?3, 'pending', '', 0, ?4)",
                      tenant, user_id, address, false, "unable to add the address", "that address is already registered", error_r));
}


/*
 * '_gwSqlAddressFind()' - Find a registered address.
 */

bool
_gwSqlAddressFind(void *backend, int64_t tenant, const char *address, gw_address_t *addr)
{
  return (_gwSqlRow((_gw_sql_t *)backend, _GW_SQL_ADDRESS_FIND,
                    "SELECT " ADDR_COLS " FROM addresses a JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id"
                    " WHERE a.tenant_id = ?1 AND a.address = ?2", tenant, address, 0, address_row, addr));
}


/*
 * '_gwSqlAddressSetState()' - Set an address's state: verifying records who
 *                             and when, back to pending clears both, and
 *                             revoking keeps them for the record.
 */

bool
_gwSqlAddressSetState(void *backend, int64_t tenant, const char *address, gw_address_state_t state, const char *by, const char **error_r)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  bool          ok = false, found = false;

  _gwSqlLock(b);
  if ((stmt = _gwSqlStmt(b, _GW_SQL_ADDRESS_SET_STATE,
         "UPDATE addresses SET state = ?3,"
         " verified_by = CASE ?3 WHEN 'verified' THEN ?4 WHEN 'pending' THEN '' ELSE verified_by END,"
         " verified_at = CASE ?3 WHEN 'verified' THEN ?5 WHEN 'pending' THEN 0 ELSE verified_at END"
         " WHERE tenant_id = ?1 AND address = ?2")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_text(stmt, 2, address, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, address_keywords[state], -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, by, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 5, (int64_t)time(NULL));
    ok    = sqlite3_step(stmt) == SQLITE_DONE;
    found = ok && sqlite3_changes(b->db) == 1;
    if (!ok)
      _gwSqlLogError(b, "address state");
    _gwSqlDone(stmt);
  }
  _gwSqlUnlock(b);

  if (!found && error_r)
    *error_r = ok ? "no such address" : "unable to change the address";

  return (found);
}


/*
 * '_gwSqlAddressPage()' - Next page of addresses (of a tenant, or of one
 *                         user) by address; the cursor is the last address.
 */

int
_gwSqlAddressPage(void *backend, int64_t tenant, int64_t user_id, _gw_store_cursor_t *cursor, gw_address_t *addrs, int max)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;

  if (user_id)
    return (_gwSqlNamePage(b, _GW_SQL_ADDRESS_PAGE_USER,
                           "SELECT " ADDR_COLS " FROM addresses a JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id"
                           " WHERE a.tenant_id = ?1 AND a.user_id = ?2 AND a.address > ?3 ORDER BY a.address LIMIT ?4",
                           tenant, user_id, cursor, address_row, addrs, sizeof(gw_address_t), offsetof(gw_address_t, address), max));

  return (_gwSqlNamePage(b, _GW_SQL_ADDRESS_PAGE,
                         "SELECT " ADDR_COLS " FROM addresses a JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id"
                         " WHERE a.tenant_id = ?1 AND a.address > ?3 ORDER BY a.address LIMIT ?4",
                         tenant, 0, cursor, address_row, addrs, sizeof(gw_address_t), offsetof(gw_address_t, address), max));
}


/* ---- Release PINs and cards ------------------------------------------------------- */


/*
 * 'credential_set()' - Replace a user's PIN or card HMAC unless another
 *                      user of the tenant has the same one.  Lock held.
 */

static bool
credential_set(_gw_sql_t *b, bool pin, int64_t tenant, int64_t user_id, const unsigned char hmac[32], int64_t expires, const char **error)
{
  int64_t now = (int64_t)time(NULL);
  int     rc;

  if (!user_exists(b, tenant, user_id))
  {
    *error = "no such user";
    return (false);
  }

  /* An expired PIN of someone else no longer holds its value. */
  if (pin && _gwSqlRunf(b, _GW_SQL_PIN_FREE_EXPIRED, "DELETE FROM pins WHERE tenant_id = ?1 AND hmac = ?2 AND user_id <> ?3 AND expires > 0 AND expires <= ?4",
                        NULL, NULL, "lhll", tenant, hmac, user_id, now) != SQLITE_DONE)
    return (false);

  if (pin)
    rc = _gwSqlRunf(b, _GW_SQL_PIN_OWNER, "SELECT 1 FROM pins WHERE tenant_id = ?1 AND hmac = ?2 AND user_id <> ?3", NULL, NULL, "lhl", tenant, hmac, user_id);
  else
    rc = _gwSqlRunf(b, _GW_SQL_CARD_OWNER, "SELECT 1 FROM cards WHERE tenant_id = ?1 AND hmac = ?2 AND user_id <> ?3", NULL, NULL, "lhl", tenant, hmac, user_id);
  if (rc == SQLITE_ERROR)
    return (false);
  if (rc == SQLITE_ROW)
  {
    *error = pin ? "PIN already in use; choose another" : "card already registered to another user";
    return (false);
  }

  if (pin)
    rc = _gwSqlRunf(b, _GW_SQL_PIN_SET,
           "INSERT INTO pins (tenant_id, user_id, hmac, created, expires) VALUES (?1, ?2, ?3, ?4, ?5)"
           " ON CONFLICT (tenant_id, user_id) DO UPDATE SET hmac = excluded.hmac, created = excluded.created, expires = excluded.expires",
           "PIN set", NULL, "llhll", tenant, user_id, hmac, now, expires);
  else
    rc = _gwSqlRunf(b, _GW_SQL_CARD_SET,
           "INSERT INTO cards (tenant_id, user_id, hmac, created) VALUES (?1, ?2, ?3, ?4)"
           " ON CONFLICT (tenant_id, user_id) DO UPDATE SET hmac = excluded.hmac, created = excluded.created",
           "card set", NULL, "llhl", tenant, user_id, hmac, now);

  return (rc == SQLITE_DONE);
}


/*
 * 'credential_locked_set()' - credential_set() in a transaction.
 */

static bool
credential_locked_set(_gw_sql_t *b, bool pin, int64_t tenant, int64_t user_id, const unsigned char hmac[32], int64_t expires, const char **error_r)
{
  const char *error = pin ? "unable to set the PIN" : "unable to set the card";
  bool        ok = false;

  _gwSqlLock(b);
  if (_gwSqlBegin(b))
  {
    if (credential_set(b, pin, tenant, user_id, hmac, expires, &error))
      ok = _gwSqlCommit(b);
    else
      _gwSqlRollback(b);
  }
  _gwSqlUnlock(b);

  if (!ok && error_r)
    *error_r = error;

  return (ok);
}


/*
 * 'credential_lookup()' - User id of a PIN (unexpired at 'now') or card.
 */

static int64_t
credential_lookup(_gw_sql_t *b, bool pin, int64_t tenant, const unsigned char hmac[32], int64_t now)
{
  _gw_sql_step_t r;

  if (pin)
    _gwSqlStepf(b, _GW_SQL_PIN_LOOKUP, "SELECT user_id FROM pins WHERE tenant_id = ?1 AND hmac = ?2 AND (expires = 0 OR expires > ?3)",
                NULL, &r, "lhl", tenant, hmac, now);
  else
    _gwSqlStepf(b, _GW_SQL_CARD_LOOKUP, "SELECT user_id FROM cards WHERE tenant_id = ?1 AND hmac = ?2", NULL, &r, "lh", tenant, hmac);

  return (r.rc == SQLITE_ROW ? r.value : 0);
}


/*
 * '_gwSqlPinSet()' - Replace a user's PIN.
 */

bool
_gwSqlPinSet(void *backend, int64_t tenant, int64_t user_id, const unsigned char hmac[32], int64_t expires, const char **error_r)
{
  return (credential_locked_set((_gw_sql_t *)backend, true, tenant, user_id, hmac, expires, error_r));
}


/*
 * '_gwSqlPinLookup()' - User id of an unexpired PIN, 0 if none.
 */

int64_t
_gwSqlPinLookup(void *backend, int64_t tenant, const unsigned char hmac[32], int64_t now)
{
  return (credential_lookup((_gw_sql_t *)backend, true, tenant, hmac, now));
}


/*
 * '_gwSqlCardSet()' - Replace a user's card.
 */

bool
_gwSqlCardSet(void *backend, int64_t tenant, int64_t user_id, const unsigned char hmac[32], const char **error_r)
{
  return (credential_locked_set((_gw_sql_t *)backend, false, tenant, user_id, hmac, 0, error_r));
}


/*
 * '_gwSqlCardLookup()' - User id of a card, 0 if none.
 */

int64_t
_gwSqlCardLookup(void *backend, int64_t tenant, const unsigned char hmac[32])
{
  return (credential_lookup((_gw_sql_t *)backend, false, tenant, hmac, 0));
}


/* ---- Lockouts -------------------------------------------------------------------- */


/*
 * 'lockout_get()' - Read a source's lockout row.  Lock held.  Returns 1 if
 *                   found, 0 if not, -1 on error.
 */

static int
lockout_get(_gw_sql_t *b, int64_t tenant, const char *source, int64_t *failures, int64_t *first, int64_t *until)
{
  sqlite3_stmt *stmt = _gwSqlStmt(b, _GW_SQL_LOCKOUT_GET, "SELECT failures, first_failure, locked_until FROM lockouts WHERE tenant_id = ?1 AND source = ?2");
  int           rc, found;

  *failures = *first = *until = 0;
  if (!stmt)
    return (-1);

  sqlite3_bind_int64(stmt, 1, tenant);
  sqlite3_bind_text(stmt, 2, source, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
  {
    *failures = sqlite3_column_int64(stmt, 0);
    *first    = sqlite3_column_int64(stmt, 1);
    *until    = sqlite3_column_int64(stmt, 2);
    found     = 1;
  }
  else
    found = rc == SQLITE_DONE ? 0 : -1;
  _gwSqlDone(stmt);

  return (found);
}


/*
 * 'lockout_delete()' - Delete a source's lockout row.  Lock held.
 */

static bool
lockout_delete(_gw_sql_t *b, int64_t tenant, const char *source)
{
  return (_gwSqlRunf(b, _GW_SQL_LOCKOUT_DELETE, "DELETE FROM lockouts WHERE tenant_id = ?1 AND source = ?2", NULL, NULL, "lt", tenant, source) == SQLITE_DONE);
}


/*
 * 'lockout_set()' - Write a key's lockout row.  Lock held.
 */

static bool
lockout_set(_gw_sql_t *b, int64_t tenant, const char *key, int64_t failures, int64_t first, int64_t until)
{
  return (_gwSqlRunf(b, _GW_SQL_LOCKOUT_SET,
            "INSERT INTO lockouts (tenant_id, source, failures, first_failure, locked_until) VALUES (?1, ?2, ?3, ?4, ?5)"
            " ON CONFLICT (tenant_id, source) DO UPDATE SET failures = excluded.failures,"
            " first_failure = excluded.first_failure, locked_until = excluded.locked_until", "lockout", NULL,
            "ltlll", tenant, key, failures, first, until) == SQLITE_DONE);
}


/*
 * 'lockout_check_keys()' - Read every key's row (lock and transaction
 *                          held) into failures/first/until, starting a new
 *                          window where the old one or its lock ended.
 *                          Returns 0 if no key is locked, the latest lock
 *                          end if one is (*locked_key_r = its index), -1
 *                          on error.
 */

static int64_t
lockout_check_keys(_gw_sql_t *b, int64_t tenant, const gw_lockout_key_t *keys, int nkeys, int64_t now, int64_t lock_secs, int64_t *failures, int64_t *first, int64_t *until, int *locked_key_r)
{
  int64_t result = 0, end;
  int     found;

  for (int i = 0; i < nkeys; i ++)
  {
    if ((found = lockout_get(b, tenant, keys[i].key, failures + i, first + i, until + i)) < 0)
      return (-1);

    if (found && until[i] > now)
      end = until[i];                   /* Locked */
    else if (!found || until[i] > 0 || now - first[i] >= lock_secs || now < first[i])
    {
      failures[i] = 0;                  /* New window (or the old lock ended) */
      first[i]    = now;
      until[i]    = 0;
      end         = 0;
    }
    else if (failures[i] >= keys[i].max_failures)
      end = first[i] + lock_secs;       /* At a lowered limit: locked until the window ends */
    else
      end = 0;

    if (end > result)
    {
      result = end;
      if (locked_key_r)
        *locked_key_r = i;
    }
  }

  return (result);
}


/*
 * '_gwSqlCredentialAttempt()' - One PIN, card or device attempt (or a
 *                               reservation): check the lockout
 *                               keys, look the HMAC up and count a wrong
 *                               one in every key, all in one transaction
 *                               under the connection's mutex, so parallel
 *                               attempts are checked and counted one by one
 *                               and never more than a key's limit reach the
 *                               lookup.
 *
 * A key's failures count in a window of lock_secs from its first failure; a
 * window or lock that ended starts again from zero.  The failure that
 * reaches max_failures locks the key for lock_secs from now.  Attempts
 * refused while locked are neither looked up nor counted (no extension).  A
 * right PIN writes nothing: it neither counts nor forgives.
 *
 * A reservation before a password or code check (GW_CREDENTIAL_NONE, and
 * GW_CREDENTIAL_DEVICE_PASSWORD, whose miss goes on to the user's password)
 * is provisional: it waits for no fsync (store-sqlite-sync.c).  It is
 * counted, in one transaction, as any other; only its survival of a power
 * cut waits for the caller's next durable write: the refusal's audit row,
 * or the refund of a right one, which is provisional as well (a lost refund
 * leaves a failure counted, never one forgiven).  GW_CREDENTIAL_VERIFIED
 * (a password the caller's cache remembers as right) reads the locks in
 * the same way and writes nothing.
 */

int64_t
_gwSqlCredentialAttempt(void *backend, int64_t tenant, gw_credential_t kind, const unsigned char hmac[32], gw_lockout_key_t *keys, int nkeys, int64_t now, int64_t lock_secs, int64_t *locked_until_r, int *locked_key_r)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  int64_t       failures[GW_LOCKOUT_KEYS_MAX], first[GW_LOCKOUT_KEYS_MAX], until[GW_LOCKOUT_KEYS_MAX];
  int64_t       locked, user_id = -1;
  sqlite3_stmt *stmt;
  int           rc;
  bool          ok = true;

  /* A verified attempt only reads: no write transaction (which would commit an open batch). */
  _gwSqlLock(b);
  if (kind == GW_CREDENTIAL_VERIFIED ? !_gwSqlReadBegin(b) : !_gwSqlBegin(b))
  {
    _gwSqlUnlock(b);
    return (-1);
  }

  if ((locked = lockout_check_keys(b, tenant, keys, nkeys, now, lock_secs, failures, first, until, locked_key_r)) != 0 || kind == GW_CREDENTIAL_VERIFIED)
  {
    /* Locked (or unreadable), or right already (the caller checked it): nothing more looked up, nothing written. */
    if (kind == GW_CREDENTIAL_VERIFIED)
      _gwSqlReadEnd(b);
    else
      _gwSqlRollback(b);
    _gwSqlUnlock(b);
    if (locked > 0 && locked_until_r)
      *locked_until_r = locked;
    return (locked < 0 ? -1 : 0);
  }

  /* The lookup: an unexpired PIN, a card or a device of a user who is not disabled. */
  if (kind == GW_CREDENTIAL_NONE)
    user_id = 0;
  else if (kind == GW_CREDENTIAL_DEVICE_TOKEN || kind == GW_CREDENTIAL_DEVICE_PASSWORD)
    ok = _gwSqlDeviceUsed(b, tenant, hmac, kind, now, &user_id);
  else
  {
    if (kind == GW_CREDENTIAL_CARD)
      stmt = _gwSqlStmt(b, _GW_SQL_CARD_ATTEMPT, "SELECT c.user_id FROM cards c JOIN users u ON u.tenant_id = c.tenant_id AND u.id = c.user_id"
                                                 " WHERE c.tenant_id = ?1 AND c.hmac = ?2 AND u.disabled = 0");
    else
      stmt = _gwSqlStmt(b, _GW_SQL_PIN_ATTEMPT, "SELECT p.user_id FROM pins p JOIN users u ON u.tenant_id = p.tenant_id AND u.id = p.user_id"
                                                " WHERE p.tenant_id = ?1 AND p.hmac = ?2 AND (p.expires = 0 OR p.expires > ?3) AND u.disabled = 0");
    if (stmt)
    {
      sqlite3_bind_int64(stmt, 1, tenant);
      sqlite3_bind_blob(stmt, 2, hmac, 32, SQLITE_STATIC);
      sqlite3_bind_int64(stmt, 3, now);
      if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        user_id = sqlite3_column_int64(stmt, 0);
      else if (rc == SQLITE_DONE)
        user_id = 0;
      else
        _gwSqlLogError(b, "credential lookup");
      _gwSqlDone(stmt);
    }
  }

  /* Wrong: count the failure in every key. */
  for (int i = 0; i < nkeys && user_id == 0 && ok; i ++)
  {
    failures[i] ++;
    if (failures[i] >= keys[i].max_failures)
      until[i] = now + lock_secs;
    keys[i].failures = failures[i];
    ok = lockout_set(b, tenant, keys[i].key, failures[i], first[i], until[i]);
  }

  if (user_id < 0 || !ok)
  {
    _gwSqlRollback(b);
    user_id = -1;
  }
  else if (!_gwSqlCommit(b))
    user_id = -1;

  b->provisional = kind == GW_CREDENTIAL_NONE || kind == GW_CREDENTIAL_DEVICE_PASSWORD;
  _gwSqlUnlock(b);

  return (user_id);
}


/*
 * '_gwSqlLockoutRefund()' - Take back one reserved failure in every key
 *                           (never below zero), and the lock of a key
 *                           that is then under its limit, in one
 *                           transaction.  Provisional (no fsync waited
 *                           for): see _gwSqlCredentialAttempt().
 */

bool
_gwSqlLockoutRefund(void *backend, int64_t tenant, const gw_lockout_key_t *keys, int nkeys)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;
  int64_t    failures, first, until;
  int        found;
  bool       ok;

  _gwSqlLock(b);
  if ((ok = _gwSqlBegin(b)) == true)
  {
    for (int i = 0; i < nkeys && ok; i ++)
    {
      if ((found = lockout_get(b, tenant, keys[i].key, &failures, &first, &until)) < 0)
        ok = false;
      else if (found && failures > 0)
      {
        failures --;
        ok = lockout_set(b, tenant, keys[i].key, failures, first, failures < keys[i].max_failures ? 0 : until);
      }
    }
    ok = _gwSqlEnd(b, ok);
  }
  b->provisional = true;
  _gwSqlUnlock(b);

  return (ok);
}


/*
 * '_gwSqlLockoutClear()' - Clear one key's failures and lock, or every
 *                          key of the tenant (key NULL).
 */

bool
_gwSqlLockoutClear(void *backend, int64_t tenant, const char *key)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;
  bool       ok;

  if (!key)
    return (_gwSqlStepf(b, _GW_SQL_LOCKOUT_CLEAR_ALL, "DELETE FROM lockouts WHERE tenant_id = ?1", NULL, NULL, "l", tenant) == SQLITE_DONE);

  _gwSqlLock(b);
  ok = lockout_delete(b, tenant, key);
  _gwSqlUnlock(b);

  return (ok);
}


/*
 * '_gwSqlLockoutIterate()' - Call cb for each lockout row of the tenant
 *                            (at most 1000, read first so cb runs without
 *                            the connection's mutex).
 */

bool
_gwSqlLockoutIterate(void *backend, int64_t tenant, gw_lockout_cb_t cb, void *data)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  gw_lockout_t *rows = NULL;
  int           count = 0, rc = SQLITE_DONE;
  bool          ok = false;

  if ((rows = calloc(1000, sizeof(gw_lockout_t))) == NULL)
    return (false);

  _gwSqlLock(b);
  if ((stmt = _gwSqlStmt(b, _GW_SQL_LOCKOUT_LIST, "SELECT source, failures, first_failure, locked_until FROM lockouts WHERE tenant_id = ?1 ORDER BY source LIMIT 1000")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    while (count < 1000 && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
    {
      const char *key = (const char *)sqlite3_column_text(stmt, 0);

      snprintf(rows[count].key, sizeof(rows[count].key), "%s", key ? key : "");
      rows[count].failures      = sqlite3_column_int64(stmt, 1);
      rows[count].first_failure = sqlite3_column_int64(stmt, 2);
      rows[count].locked_until  = sqlite3_column_int64(stmt, 3);
      count ++;
    }
    ok = rc == SQLITE_DONE || rc == SQLITE_ROW;
    _gwSqlDone(stmt);
  }
  _gwSqlUnlock(b);

  for (int i = 0; ok && i < count; i ++)
  {
    if (!(*cb)(rows + i, data))
      break;
  }
  free(rows);

  return (ok);
}


/* ---- Address verification tokens ------------------------------------------------- */


/*
 * '_gwSqlTokenAdd()' - Keep a token's HMAC for an address until expires.
 */

bool
_gwSqlTokenAdd(void *backend, int64_t tenant, const char *address, const unsigned char hmac[32], int64_t expires, const char **error_r)
{
  bool ok = _gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_TOKEN_ADD,
                          "INSERT INTO address_tokens (tenant_id, address_id, hmac, expires, created)"
                          " SELECT tenant_id, id, ?3, ?4, ?5 FROM addresses WHERE tenant_id = ?1 AND address = ?2",
                          "lthll", tenant, address, hmac, expires, (int64_t)time(NULL));

  if (!ok && error_r)
    *error_r = "unable to keep the token (no such address?)";

  return (ok);
}


/*
 * 'token_take()' - Delete the tenant's expired tokens, then the token with
 *                  this HMAC; its address id, 0 if none.  Lock held, in a
 *                  transaction.
 */

static int64_t
token_take(_gw_sql_t *b, int64_t tenant, const unsigned char hmac[32], int64_t now)
{
  sqlite3_stmt *stmt;
  int64_t       address_id = 0;
  bool          ok;

  if ((stmt = _gwSqlStmt(b, _GW_SQL_TOKEN_SWEEP, "DELETE FROM address_tokens WHERE tenant_id = ?1 AND expires <= ?2")) == NULL)
    return (-1);
  sqlite3_bind_int64(stmt, 1, tenant);
  sqlite3_bind_int64(stmt, 2, now);
  ok = sqlite3_step(stmt) == SQLITE_DONE;
  _gwSqlDone(stmt);
  if (!ok || (stmt = _gwSqlStmt(b, _GW_SQL_TOKEN_TAKE, "DELETE FROM address_tokens WHERE tenant_id = ?1 AND hmac = ?2 RETURNING address_id")) == NULL)
    return (-1);

  sqlite3_bind_int64(stmt, 1, tenant);
  sqlite3_bind_blob(stmt, 2, hmac, 32, SQLITE_STATIC);
  if (sqlite3_step(stmt) == SQLITE_ROW)
    address_id = sqlite3_column_int64(stmt, 0);
  while (sqlite3_step(stmt) == SQLITE_ROW);   /* Finish the statement */
  _gwSqlDone(stmt);

  return (address_id);
}


/*
 * '_gwSqlTokenUse()' - Use up an unexpired token and verify its address
 *                      (by "self"); a revoked address stays revoked and the
 *                      token is used up all the same.
 */

bool
_gwSqlTokenUse(void *backend, int64_t tenant, const unsigned char hmac[32], int64_t now, gw_address_t *addr)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  int64_t       address_id;
  bool          ok = false, found = false;

  _gwSqlLock(b);
  if (!_gwSqlBegin(b))
    goto done;

  if ((address_id = token_take(b, tenant, hmac, now)) > 0 &&
      (stmt = _gwSqlStmt(b, _GW_SQL_TOKEN_VERIFY,
         "UPDATE addresses SET state = 'verified', verified_by = 'self', verified_at = ?3"
         " WHERE tenant_id = ?1 AND id = ?2 AND state = 'pending'")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_int64(stmt, 2, address_id);
    sqlite3_bind_int64(stmt, 3, now);
    ok = sqlite3_step(stmt) == SQLITE_DONE;
    _gwSqlDone(stmt);

    if (ok && (stmt = _gwSqlStmt(b, _GW_SQL_TOKEN_ADDRESS,
           "SELECT " ADDR_COLS " FROM addresses a JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id"
           " WHERE a.tenant_id = ?1 AND a.id = ?2")) != NULL)
    {
      sqlite3_bind_int64(stmt, 1, tenant);
      sqlite3_bind_int64(stmt, 2, address_id);
      if ((found = sqlite3_step(stmt) == SQLITE_ROW))
        address_row(stmt, addr);
      _gwSqlDone(stmt);
    }
  }
  else
    ok = address_id == 0;      /* No such token: commit the sweep */

  if (!_gwSqlEnd(b, ok))
    found = false;

  done:
  _gwSqlUnlock(b);

  return (found && addr->state == GW_ADDRESS_VERIFIED);
}


/*
 * '_gwSqlTokenPurge()' - Delete every tenant's expired tokens.
 */

int
_gwSqlTokenPurge(void *backend, int64_t now)
{
  _gw_sql_step_t r;

  if (_gwSqlStepf((_gw_sql_t *)backend, _GW_SQL_TOKEN_PURGE, "DELETE FROM address_tokens WHERE expires <= ?1", "token purge", &r, "l", now) != SQLITE_DONE)
    return (-1);

  return (r.changes);
}
