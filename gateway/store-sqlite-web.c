/*
 * store-sqlite-web.c - the web portal's rows in the SQLite store (see
 * store.h): pending sign-ins (code and link HMACs), sessions (id HMACs)
 * and release terminals (key HMACs).  The API makes every secret and
 * keeps only keyed HMACs here (api-web.c, docs/web.md).
 *
 * Arguments arrive checked and normalised by store.c.  Every query is
 * scoped by tenant_id.
 */

#include "store-sqlite-private.h"

#include <stdio.h>
#include <string.h>

#define TERMINAL_COLS "id, tenant_id, name, printer, created, last_used"

typedef struct hmac_row_s               /* A 32-byte HMAC column (hmac_row()) */
{
  unsigned char *hmac;                  /* Where it goes */
  bool           found;                 /* Column 0 was 32 bytes */
} hmac_row_t;

typedef struct text_row_s               /* A text column (text_row()) */
{
  char          *buf;                   /* Where it goes (NULL: not wanted) */
  size_t         bufsize;
} text_row_t;


/*
 * 'hmac_row()' - Copy column 0 when it is a 32-byte HMAC.
 */

static void
hmac_row(sqlite3_stmt *stmt, void *row)
{
  hmac_row_t *h = (hmac_row_t *)row;

  h->found = sqlite3_column_bytes(stmt, 0) == 32;
  if (h->found)
    memcpy(h->hmac, sqlite3_column_blob(stmt, 0), 32);
}


/*
 * 'text_row()' - Copy column 0 as text.
 */

static void
text_row(sqlite3_stmt *stmt, void *row)
{
  text_row_t *t = (text_row_t *)row;

  if (t->buf)
    _gwSqlText(stmt, 0, t->buf, t->bufsize);
}


/*
 * 'int64_row()' - Copy columns 0 to 2 as numbers.
 */

static void
int64_row(sqlite3_stmt *stmt, void *row)
{
  int64_t *v = (int64_t *)row;

  for (int col = 0; col < 3; col ++)
    v[col] = sqlite3_column_int64(stmt, col);
}


/*
 * '_gwSqlSigninSet()' - Sweep expired sign-ins, then keep this one (it
 *                       replaces the address's older one).
 */

bool
_gwSqlSigninSet(void *backend, int64_t tenant, const char *address, const unsigned char code_hmac[32], const unsigned char link_hmac[32], int64_t now, int64_t expires)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;

  _gwSqlChangef(b, _GW_SQL_SIGNIN_SWEEP, "DELETE FROM signin_codes WHERE expires <= ?1 AND ?2 > 0", "ll", now, tenant);

  return (_gwSqlChangef(b, _GW_SQL_SIGNIN_SET,
                        "INSERT OR REPLACE INTO signin_codes (tenant_id, address, code_hmac, link_hmac, expires, created)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "lthhll", tenant, address, code_hmac, link_hmac, expires, now));
}


/*
 * '_gwSqlSigninGet()' - The unexpired code HMAC of an address.
 */

bool
_gwSqlSigninGet(void *backend, int64_t tenant, const char *address, int64_t now, unsigned char code_hmac[32])
{
  hmac_row_t row = { code_hmac, false };

  return (_gwSqlRowsf((_gw_sql_t *)backend, _GW_SQL_SIGNIN_GET,
                      "SELECT code_hmac FROM signin_codes WHERE tenant_id = ?1 AND address = ?2 AND expires > ?3",
                      hmac_row, &row, 0, 1, "ltl", tenant, address, now) == 1 && row.found);
}


/*
 * '_gwSqlSigninUse()' - Delete the matching unexpired sign-in (one
 *                       statement: of two parallel uses one wins).
 */

bool
_gwSqlSigninUse(void *backend, int64_t tenant, const char *address, const unsigned char hmac[32], int64_t now, char *addr_r, size_t addrsize)
{
  text_row_t row = { addr_r, addrsize };

  if (address)
    return (_gwSqlRowsf((_gw_sql_t *)backend, _GW_SQL_SIGNIN_USE_CODE,
                        "DELETE FROM signin_codes WHERE tenant_id = ?1 AND code_hmac = ?2 AND expires > ?3"
                        " AND address = ?4 RETURNING address", text_row, &row, 0, 1, "lhlt", tenant, hmac, now, address) == 1);
  else
    return (_gwSqlRowsf((_gw_sql_t *)backend, _GW_SQL_SIGNIN_USE_LINK,
                        "DELETE FROM signin_codes WHERE tenant_id = ?1 AND link_hmac = ?2 AND expires > ?3"
                        " RETURNING address", text_row, &row, 0, 1, "lhl", tenant, hmac, now) == 1);
}


/*
 * '_gwSqlSessionAdd()' - Sweep ended sessions, then keep a new one.
 */

bool
_gwSqlSessionAdd(void *backend, int64_t tenant, int64_t user_id, const unsigned char hmac[32], int64_t now, int64_t expires)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;

  _gwSqlChangef(b, _GW_SQL_SESSION_SWEEP, "DELETE FROM sessions WHERE expires <= ?1 AND ?2 > 0", "ll", now, tenant);

  return (_gwSqlChangef(b, _GW_SQL_SESSION_ADD,
                        "INSERT INTO sessions (tenant_id, user_id, hmac, created, last_used, expires)"
                        " SELECT tenant_id, id, ?3, ?4, ?4, ?5 FROM users WHERE tenant_id = ?1 AND id = ?2",
                        "llhll", tenant, user_id, hmac, now, expires));
}


/*
 * '_gwSqlSessionGet()' - A session neither past its end nor idle too
 *                        long; its last use becomes now.
 */

bool
_gwSqlSessionGet(void *backend, int64_t tenant, const unsigned char hmac[32], int64_t now, int64_t idle, int64_t *user_id_r, int64_t *created_r, int64_t *expires_r)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;
  int64_t    row[3];

  if (_gwSqlRowsf(b, _GW_SQL_SESSION_GET,
                  "SELECT user_id, created, expires FROM sessions WHERE tenant_id = ?1 AND hmac = ?2 AND expires > ?3"
                  " AND last_used > ?3 - ?4", int64_row, row, 0, 1, "lhll", tenant, hmac, now, idle) != 1)
    return (false);

  *user_id_r = row[0];
  if (created_r)
    *created_r = row[1];
  if (expires_r)
    *expires_r = row[2];

  _gwSqlChangef(b, _GW_SQL_SESSION_TOUCH, "UPDATE sessions SET last_used = ?3 WHERE tenant_id = ?1 AND hmac = ?2", "lhl", tenant, hmac, now);

  return (true);
}


/*
 * '_gwSqlSessionDelete()' - End one session (hmac) or all of a user's.
 */

int
_gwSqlSessionDelete(void *backend, int64_t tenant, const unsigned char hmac[32], int64_t user_id)
{
  _gw_sql_step_t r;

  if (hmac)
    _gwSqlStepf((_gw_sql_t *)backend, _GW_SQL_SESSION_DELETE, "DELETE FROM sessions WHERE tenant_id = ?1 AND hmac = ?2",
                "session delete", &r, "lh", tenant, hmac);
  else
    _gwSqlStepf((_gw_sql_t *)backend, _GW_SQL_SESSION_DELETE_USER, "DELETE FROM sessions WHERE tenant_id = ?1 AND user_id = ?2",
                "session delete", &r, "ll", tenant, user_id);

  return (r.rc == SQLITE_DONE ? r.changes : -1);
}


/*
 * 'terminal_row()' - Copy a TERMINAL_COLS row.
 */

static void
terminal_row(sqlite3_stmt *stmt, void *row)
{
  gw_terminal_t *t = (gw_terminal_t *)row;

  memset(t, 0, sizeof(gw_terminal_t));
  _gwSqlColumnsf(stmt, "llttll", &t->id, &t->tenant, t->name, sizeof(t->name), t->printer, sizeof(t->printer), &t->created, &t->last_used);
}


/*
 * '_gwSqlTerminalAdd()' - Add a terminal (names unique per tenant, ignoring case).
 */

bool
_gwSqlTerminalAdd(void *backend, int64_t tenant, const char *name, const char *printer, const unsigned char hmac[32], int64_t *id_r, const char **error_r)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;
  bool       ok;

  ok = _gwSqlChangef(b, _GW_SQL_TERMINAL_ADD,
                     "INSERT OR IGNORE INTO terminals (tenant_id, name, printer, key_hmac, created) VALUES (?1, ?2, ?3, ?4, ?5)",
                     "ltthl", tenant, name, printer, hmac, (int64_t)time(NULL));
  if (ok && id_r)
  {
    _gwSqlLock(b);
    *id_r = sqlite3_last_insert_rowid(b->db);
    _gwSqlUnlock(b);
  }
  if (!ok && error_r)
    *error_r = "a terminal with that name exists";

  return (ok);
}


/*
 * '_gwSqlTerminalFind()' - A terminal by its key's HMAC; last use = now.
 */

bool
_gwSqlTerminalFind(void *backend, int64_t tenant, const unsigned char hmac[32], int64_t now, gw_terminal_t *terminal)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;

  if (_gwSqlRowsf(b, _GW_SQL_TERMINAL_FIND, "SELECT " TERMINAL_COLS " FROM terminals WHERE tenant_id = ?1 AND key_hmac = ?2",
                  terminal_row, terminal, sizeof(gw_terminal_t), 1, "lh", tenant, hmac) != 1)
    return (false);

  _gwSqlChangef(b, _GW_SQL_TERMINAL_USED, "UPDATE terminals SET last_used = ?3 WHERE tenant_id = ?1 AND id = ?2", "lll", tenant, terminal->id, now);

  return (true);
}


/*
 * '_gwSqlTerminalList()' - Up to max terminals of a tenant, by name.
 */

int
_gwSqlTerminalList(void *backend, int64_t tenant, gw_terminal_t *terminals, int max)
{
  return (_gwSqlRowsf((_gw_sql_t *)backend, _GW_SQL_TERMINAL_LIST, "SELECT " TERMINAL_COLS " FROM terminals WHERE tenant_id = ?1 ORDER BY name LIMIT ?2",
                      terminal_row, terminals, sizeof(gw_terminal_t), max, "li", tenant, max));
}


/*
 * '_gwSqlTerminalRevoke()' - Delete a terminal; false if there is none.
 */

bool
_gwSqlTerminalRevoke(void *backend, int64_t tenant, const char *name)
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_TERMINAL_REVOKE, "DELETE FROM terminals WHERE tenant_id = ?1 AND name = ?2", "lt", tenant, name));
}
