/*
 * audit-csv.c - the streaming CSV writer and the audit log's CSV rows
 * (audit.h, docs/gdpr.md).
 */

#include "printgate/audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CSV_BUFSIZE 8192

struct _gw_csv_s
{
  gw_write_cb_t write;           /* Where the bytes go */
  void         *data;
  bool          ok;              /* Every write so far succeeded */
  bool          in_row;          /* A cell was written in this row (the next needs a comma) */
  size_t        used;
  char          buf[CSV_BUFSIZE];
};


/*
 * 'gwCsvNew()' - A writer to a callback.
 */

gw_csv_t *
gwCsvNew(gw_write_cb_t write, void *data)
{
  gw_csv_t *csv;

  if (!write || (csv = calloc(1, sizeof(gw_csv_t))) == NULL)
    return (NULL);

  csv->write = write;
  csv->data  = data;
  csv->ok    = true;

  return (csv);
}


/*
 * 'gwCsvDelete()' - Flush and free.
 */

bool
gwCsvDelete(gw_csv_t **csv)
{
  bool ok;

  if (!csv || !*csv)
    return (true);

  ok = gwCsvFlush(*csv);
  free(*csv);
  *csv = NULL;

  return (ok);
}


/*
 * 'gwCsvFlush()' - Hand the buffer to the callback.
 */

bool
gwCsvFlush(gw_csv_t *csv)
{
  if (!csv)
    return (false);

  if (csv->ok && csv->used > 0)
    csv->ok = (*csv->write)(csv->buf, csv->used, csv->data);
  csv->used = 0;

  return (csv->ok);
}


/*
 * 'put()' - Append bytes: into the buffer (flushed first when they do not
 *           fit), or, as long as the buffer or longer, straight to the
 *           callback.
 */

static bool
put(gw_csv_t *csv, const char *bytes, size_t len)
{
  if (csv->ok && csv->used + len > CSV_BUFSIZE)
    gwCsvFlush(csv);
  if (!csv->ok)
    return (false);

  if (len >= CSV_BUFSIZE)
    csv->ok = (*csv->write)(bytes, len, csv->data);
  else
  {
    memcpy(csv->buf + csv->used, bytes, len);
    csv->used += len;
  }

  return (csv->ok);
}


/*
 * 'gwCsvCell()' - A text cell: formula guard, then RFC 4180 quoting.
 */

bool
gwCsvCell(gw_csv_t *csv, const char *text)
{
  bool quote;

  if (!csv)
    return (false);
  if (!text)
    text = "";

  quote = strpbrk(text, ",\"\r\n") != NULL;
  if (csv->in_row)
    put(csv, ",", 1);
  csv->in_row = true;

  if (quote)
    put(csv, "\"", 1);
  if (strchr("=+-@\t\r", text[0]) && text[0])
    put(csv, "'", 1);

  for (const char *p = text; *p; )
  {
    size_t n = strcspn(p, "\"");

    put(csv, p, n);
    p += n;
    if (*p == '"')
    {
      put(csv, "\"\"", 2);
      p ++;
    }
  }
  if (quote)
    put(csv, "\"", 1);

  return (csv->ok);
}


/*
 * 'gwCsvCellInt()' - A number cell.
 */

bool
gwCsvCellInt(gw_csv_t *csv, int64_t value)
{
  char num[32];

  if (!csv)
    return (false);

  snprintf(num, sizeof(num), "%s%" PRId64, csv->in_row ? "," : "", value);
  csv->in_row = true;

  return (put(csv, num, strlen(num)));
}


/*
 * 'gwCsvRowEnd()' - End a row with CRLF.
 */

bool
gwCsvRowEnd(gw_csv_t *csv)
{
  if (!csv)
    return (false);

  csv->in_row = false;

  return (put(csv, "\r\n", 2));
}


/*
 * 'gwAuditCsvHeader()' - The audit CSV's header row.
 */

bool
gwAuditCsvHeader(gw_csv_t *csv)
{
  static const char * const names[] = { "id", "time", "actor", "action", "subject", "job", "printer", "pages", "source", "detail" };

  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i ++)
    gwCsvCell(csv, names[i]);

  return (gwCsvRowEnd(csv));
}


/*
 * 'gwAuditCsvRow()' - One audit row.
 */

bool
gwAuditCsvRow(gw_csv_t *csv, const gw_audit_t *a)
{
  char      when[32] = "";
  time_t    t;
  struct tm tmv;

  if (!csv || !a)
    return (false);

  t = (time_t)a->time;
  if (gmtime_r(&t, &tmv))
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tmv);

  gwCsvCellInt(csv, a->id);
  gwCsvCell(csv, when);
  gwCsvCell(csv, a->actor);
  gwCsvCell(csv, a->action);
  gwCsvCell(csv, a->subject);
  gwCsvCell(csv, a->job_id);
  gwCsvCell(csv, a->printer);
  gwCsvCellInt(csv, a->pages);
  gwCsvCell(csv, a->source);
  gwCsvCell(csv, a->detail);

  return (gwCsvRowEnd(csv));
}
