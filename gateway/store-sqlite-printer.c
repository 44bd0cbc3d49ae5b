/*
 * store-sqlite-printer.c - printers in the SQLite store (see store.h).
 *
 * Printer names are unique per tenant ignoring case (the column is
 * COLLATE NOCASE, so lookups and ordering ignore case too).
 */

#include "store-sqlite-private.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define PRINTER_COLS "id, tenant_id, name, uri, location, enabled, created"


/*
 * 'printer_row()' - Copy a PRINTER_COLS row.
 */

static void
printer_row(sqlite3_stmt *stmt, void *row)
{
  gw_printer_t *printer = (gw_printer_t *)row;

  memset(printer, 0, sizeof(gw_printer_t));
  _gwSqlColumnsf(stmt, "lltttbl", &printer->id, &printer->tenant, printer->name, sizeof(printer->name), printer->uri, sizeof(printer->uri),
                 printer->location, sizeof(printer->location), &printer->enabled, &printer->created);
}


/*
 * '_gwSqlPrinterAdd()' - Add an enabled printer.
 */

bool
_gwSqlPrinterAdd(void *backend, int64_t tenant, const char *name, const char *uri, const char *location, const char **error_r)
{
  int rc = _gwSqlStepf((_gw_sql_t *)backend, _GW_SQL_PRINTER_ADD,
                       "INSERT INTO printers (tenant_id, name, uri, location, enabled, created) VALUES (?1, ?2, ?3, ?4, 1, ?5)",
                       "printer add", NULL, "ltttl", tenant, name, uri, location, (int64_t)time(NULL));

  if (rc == SQLITE_DONE)
    return (true);

  if (error_r)
    *error_r = rc == SQLITE_CONSTRAINT_UNIQUE ? "a printer with that name already exists" :
               rc == SQLITE_CONSTRAINT_FOREIGNKEY ? "no such tenant" : "unable to add the printer";

  return (false);
}


/*
 * '_gwSqlPrinterFind()' - Find a printer by name.
 */

bool
_gwSqlPrinterFind(void *backend, int64_t tenant, const char *name, gw_printer_t *printer)
{
  return (_gwSqlRow((_gw_sql_t *)backend, _GW_SQL_PRINTER_FIND, "SELECT " PRINTER_COLS " FROM printers WHERE tenant_id = ?1 AND name = ?2",
                    tenant, name, 0, printer_row, printer));
}


/*
 * '_gwSqlPrinterDelete()' - Delete a printer; false if there is none.
 */

bool
_gwSqlPrinterDelete(void *backend, int64_t tenant, const char *name)
{
  return (_gwSqlChange((_gw_sql_t *)backend, _GW_SQL_PRINTER_DELETE, "DELETE FROM printers WHERE tenant_id = ?1 AND name = ?2", tenant, name, 0));
}


/*
 * '_gwSqlPrinterPage()' - Next page of printers by name (the cursor is the
 *                         last name).
 */

int
_gwSqlPrinterPage(void *backend, int64_t tenant, _gw_store_cursor_t *cursor, gw_printer_t *printers, int max)
{
  return (_gwSqlNamePage((_gw_sql_t *)backend, _GW_SQL_PRINTER_PAGE, "SELECT " PRINTER_COLS " FROM printers WHERE tenant_id = ?1 AND name > ?3 ORDER BY name LIMIT ?4",
                         tenant, 0, cursor, printer_row, printers, sizeof(gw_printer_t), offsetof(gw_printer_t, name), max));
}


/*
 * '_gwSqlPrinterUpdate()' - Set a printer's URI and location; false if
 *                           there is no such printer.
 */

bool
_gwSqlPrinterUpdate(void *backend, int64_t tenant, const char *name, const char *uri, const char *location)
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_PRINTER_UPDATE, "UPDATE printers SET uri = ?3, location = ?4 WHERE tenant_id = ?1 AND name = ?2",
                        "lttt", tenant, name, uri, location));
}
