/*
 * store-sqlite-device.c - devices in the SQLite store (see store.h): a
 * user's phone or laptop with its own token and password, kept only as
 * keyed HMACs (the API makes them; docs/keys.md).
 *
 * Arguments arrive checked and normalised by store.c.  Every query is
 * scoped by tenant_id.
 */

#include "store-sqlite-private.h"

#include <stdio.h>
#include <string.h>

#define DEVICE_COLS "d.id, d.tenant_id, d.user_id, u.name, d.name, d.created, d.last_used"
#define DEVICE_JOIN "FROM devices d JOIN users u ON u.tenant_id = d.tenant_id AND u.id = d.user_id"


/*
 * 'device_row()' - Copy a DEVICE_COLS row.
 */

static void
device_row(sqlite3_stmt *stmt, void *row)
{
  gw_device_t *device = (gw_device_t *)row;

  memset(device, 0, sizeof(gw_device_t));
  _gwSqlColumnsf(stmt, "lllttll", &device->id, &device->tenant, &device->user_id, device->user_name, sizeof(device->user_name),
                 device->name, sizeof(device->name), &device->created, &device->last_used);
}


/*
 * '_gwSqlDeviceAdd()' - Add a device to an existing user.
 */

bool
_gwSqlDeviceAdd(void *backend, int64_t tenant, int64_t user_id, const char *name, const unsigned char token_hmac[32], const unsigned char password_hmac[32], int64_t *id_r, const char **error_r)
{
  _gw_sql_step_t r;

  if (_gwSqlStepf((_gw_sql_t *)backend, _GW_SQL_DEVICE_ADD,
         "INSERT INTO devices (tenant_id, user_id, name, token_hmac, password_hmac, created)"
         " SELECT tenant_id, id, ?3, ?4, ?5, ?6 FROM users WHERE tenant_id = ?1 AND id = ?2",
         NULL, &r, "llthhl", tenant, user_id, name, token_hmac, password_hmac, (int64_t)time(NULL)) == SQLITE_DONE && r.changes != 1)
    r.rc = SQLITE_NOTFOUND;
  if (r.rc == SQLITE_DONE && id_r)
    *id_r = r.rowid;

  if (r.rc != SQLITE_DONE && error_r)
    *error_r = r.rc == SQLITE_CONSTRAINT_UNIQUE ? "that user already has a device with that name" :
               r.rc == SQLITE_NOTFOUND ? "no such user" : "unable to add the device";

  return (r.rc == SQLITE_DONE);
}


/*
 * '_gwSqlDeviceFind()' - A device by id, or by its token or password HMAC.
 */

bool
_gwSqlDeviceFind(void *backend, int64_t tenant, int64_t id, const unsigned char hmac[32], gw_device_t *device)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  int           n = -1;

  if (!hmac)
    return (_gwSqlRow(b, _GW_SQL_DEVICE_FIND, "SELECT " DEVICE_COLS " " DEVICE_JOIN " WHERE d.tenant_id = ?1 AND d.id = ?2",
                      tenant, NULL, id, device_row, device));

  _gwSqlLock(b);
  if ((stmt = _gwSqlStmt(b, _GW_SQL_DEVICE_FIND_HMAC,
         "SELECT " DEVICE_COLS " " DEVICE_JOIN " WHERE d.tenant_id = ?1 AND (d.token_hmac = ?2 OR d.password_hmac = ?2)")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_blob(stmt, 2, hmac, 32, SQLITE_STATIC);
    n = _gwSqlRows(b, stmt, device_row, device, sizeof(gw_device_t), 1);
  }
  _gwSqlUnlock(b);

  return (n == 1);
}


/*
 * '_gwSqlDevicePage()' - Next page of devices (of a tenant, or of one
 *                        user) by id; the cursor is the last id.
 */

int
_gwSqlDevicePage(void *backend, int64_t tenant, int64_t user_id, _gw_store_cursor_t *cursor, gw_device_t *devices, int max)
{
  int n = _gwSqlRowsf((_gw_sql_t *)backend, _GW_SQL_DEVICE_PAGE,
                      "SELECT " DEVICE_COLS " " DEVICE_JOIN
                      " WHERE d.tenant_id = ?1 AND (?2 = 0 OR d.user_id = ?2) AND d.id > ?3 ORDER BY d.id LIMIT ?4",
                      device_row, devices, sizeof(gw_device_t), max, "llli", tenant, user_id, cursor->num[0], max);

  if (n > 0)
    cursor->num[0] = devices[n - 1].id;

  return (n);
}


/*
 * '_gwSqlDeviceRevoke()' - Delete a device; false if there is none.
 */

bool
_gwSqlDeviceRevoke(void *backend, int64_t tenant, int64_t id)
{
  return (_gwSqlChange((_gw_sql_t *)backend, _GW_SQL_DEVICE_REVOKE, "DELETE FROM devices WHERE tenant_id = ?1 AND id = ?2", tenant, NULL, id));
}


/*
 * '_gwSqlDeviceUsed()' - The lookup of a device attempt (lock and
 *                        transaction held, _gwSqlCredentialAttempt()):
 *                        a device of a user who is not disabled whose
 *                        token (or password) HMAC matches gets last_used
 *                        = now and *user_id_r its owner; 0 when none
 *                        matches.  false = store error.
 */

bool
_gwSqlDeviceUsed(_gw_sql_t *b, int64_t tenant, const unsigned char hmac[32], gw_credential_t kind, int64_t now, int64_t *user_id_r)
{
  sqlite3_stmt *stmt;
  int           rc;

  *user_id_r = -1;
  if (kind == GW_CREDENTIAL_DEVICE_TOKEN)
    stmt = _gwSqlStmt(b, _GW_SQL_DEVICE_TOKEN_ATTEMPT,
             "UPDATE devices SET last_used = ?3 WHERE tenant_id = ?1 AND token_hmac = ?2"
             " AND user_id IN (SELECT id FROM users WHERE tenant_id = ?1 AND disabled = 0) RETURNING user_id");
  else
    stmt = _gwSqlStmt(b, _GW_SQL_DEVICE_PASSWORD_ATTEMPT,
             "UPDATE devices SET last_used = ?3 WHERE tenant_id = ?1 AND password_hmac = ?2"
             " AND user_id IN (SELECT id FROM users WHERE tenant_id = ?1 AND disabled = 0) RETURNING user_id");
  if (!stmt)
    return (false);

  sqlite3_bind_int64(stmt, 1, tenant);
  sqlite3_bind_blob(stmt, 2, hmac, 32, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 3, now);
  if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
  {
    *user_id_r = sqlite3_column_int64(stmt, 0);
    rc = sqlite3_step(stmt);            /* Finish the UPDATE */
  }
  else if (rc == SQLITE_DONE)
    *user_id_r = 0;
  if (rc != SQLITE_DONE)
  {
    _gwSqlLogError(b, "device lookup");
    *user_id_r = -1;
  }
  _gwSqlDone(stmt);

  return (*user_id_r >= 0);
}
