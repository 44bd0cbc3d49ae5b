/*
 * audit.h - a streaming CSV writer (RFC 4180) and the audit log's CSV
 * rows (audit-csv.c), for the CLI's "printgate audit --csv" and the web
 * console's streamed CSV export (docs/gdpr.md).
 *
 * Cells are quoted when they hold a comma, a double quote, CR or LF
 * (quotes doubled), rows end in CRLF, and a text cell that a spreadsheet
 * would run as a formula (it starts with =, +, -, @, a tab or CR) gets a
 * leading apostrophe (OWASP "CSV injection").  Output goes to the
 * caller's write callback in chunks of up to 8 KB: memory stays bounded
 * however many rows are written.  A writer is not thread-safe; use one
 * per export.
 */

#ifndef PRINTGATE_AUDIT_H
#define PRINTGATE_AUDIT_H

#include "records.h"

/* Write len bytes somewhere (a socket, a file, an HTTP response); false stops the writer. */
typedef bool (*gw_write_cb_t)(const void *bytes, size_t len, void *data);

typedef struct _gw_csv_s gw_csv_t;

extern gw_csv_t *gwCsvNew(gw_write_cb_t write, void *data);
/* Flushes what is buffered, then frees; accepts NULL; sets *csv to NULL. */
extern bool      gwCsvDelete(gw_csv_t **csv);
/* A text cell (NULL = empty), guarded and quoted as needed. */
extern bool      gwCsvCell(gw_csv_t *csv, const char *text);
/* A number cell (never guarded: it is a number). */
extern bool      gwCsvCellInt(gw_csv_t *csv, int64_t value);
/* End the row (CRLF). */
extern bool      gwCsvRowEnd(gw_csv_t *csv);
/* Hand what is buffered to the callback.  false once any write failed. */
extern bool      gwCsvFlush(gw_csv_t *csv);

/* The audit CSV: a header row, then one row per entry (time in UTC, ISO 8601). */
extern bool      gwAuditCsvHeader(gw_csv_t *csv);
extern bool      gwAuditCsvRow(gw_csv_t *csv, const gw_audit_t *entry);

#endif /* !PRINTGATE_AUDIT_H */
