/*
 * store-sqlite-mailsrc.c - the SQLite backend of the mail sources made in
 * the admin console (schema version 14; docs/admin.md, "Mail sources"):
 * one row per source, its settings as one JSON text whose secrets are
 * "enc:v1:" values (the core seals them before they get here).
 */

#include "store-sqlite-private.h"

#include <stdio.h>
#include <string.h>


/*
 * 'mailsrc_row()' - Copy a source's name and spec.
 */

static void
mailsrc_row(sqlite3_stmt *stmt, void *row)
{
  _gw_store_mailsrc_t *m = (_gw_store_mailsrc_t *)row;

  memset(m, 0, sizeof(_gw_store_mailsrc_t));
  _gwSqlColumnsf(stmt, "tt", m->name, sizeof(m->name), m->spec, sizeof(m->spec));
}


/*
 * '_gwSqlMailSourceList()' - Up to max sources, by name.
 */

int
_gwSqlMailSourceList(void *backend, int64_t tenant, _gw_store_mailsrc_t *rows, int max)
{
  return (_gwSqlRowsf((_gw_sql_t *)backend, _GW_SQL_MAILSRC_LIST, "SELECT name, spec FROM mail_sources WHERE tenant_id = ?1 ORDER BY name LIMIT ?2",
                      mailsrc_row, rows, sizeof(_gw_store_mailsrc_t), max, "li", tenant, max));
}


/*
 * '_gwSqlMailSourcePut()' - Add a source or replace its spec.
 */

bool
_gwSqlMailSourcePut(void *backend, int64_t tenant, const char *name, const char *spec)
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_MAILSRC_PUT,
                        "INSERT INTO mail_sources (tenant_id, name, spec, created, updated) VALUES (?1, ?2, ?3, strftime('%s', 'now'), strftime('%s', 'now'))"
                        " ON CONFLICT (tenant_id, name) DO UPDATE SET spec = excluded.spec, updated = excluded.updated",
                        "ltt", tenant, name, spec));
}


/*
 * '_gwSqlMailSourceRemove()' - Delete a source; false if there is none.
 */

bool
_gwSqlMailSourceRemove(void *backend, int64_t tenant, const char *name)
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_MAILSRC_REMOVE, "DELETE FROM mail_sources WHERE tenant_id = ?1 AND name = ?2", "lt", tenant, name));
}
