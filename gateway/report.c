/*
 * report.c - usage reports (report.h, docs/reports.md): the names of
 * groupings and periods, and the rows as CSV lines.  Pure functions, so the
 * CLI links this file alone; the API call that makes a report from the
 * store (gwApiReport()) is in api-admin.c.  Metadata only: who, role,
 * intake, printer, pages and colour pages; never a document's name or
 * content.
 */

#include "printgate/audit.h"
#include "printgate/report.h"
#include "printgate/text.h"

#include <stdio.h>
#include <string.h>

static const char * const by_names[] = { "user", "role", "printer", "intake", "period" };
static const char * const period_names[] = { "day", "week", "month" };


/*
 * 'gwReportByString()', 'gwReportByParse()' - Names of the groupings
 *     ("group" is taken for "role" until there are groups).
 */

const char *
gwReportByString(gw_report_by_t by)
{
  return ((unsigned)by < sizeof(by_names) / sizeof(by_names[0]) ? by_names[by] : "?");
}

bool
gwReportByParse(const char *s, gw_report_by_t *by)
{
  int i = s ? gwKeywordFind(s, by_names, (int)(sizeof(by_names) / sizeof(by_names[0]))) : -1;

  if (i < 0 && s && !strcmp(s, "group"))
    i = GW_REPORT_BY_ROLE;
  if (i >= 0)
    *by = (gw_report_by_t)i;

  return (i >= 0);
}


/*
 * 'gwReportPeriodString()', 'gwReportPeriodParse()' - day, week, month.
 */

const char *
gwReportPeriodString(gw_report_period_t period)
{
  return ((unsigned)period < sizeof(period_names) / sizeof(period_names[0]) ? period_names[period] : "?");
}

bool
gwReportPeriodParse(const char *s, gw_report_period_t *period)
{
  int i = s ? gwKeywordFind(s, period_names, (int)(sizeof(period_names) / sizeof(period_names[0]))) : -1;

  if (i >= 0)
    *period = (gw_report_period_t)i;

  return (i >= 0);
}


/*
 * 'line_write()' - gw_write_cb_t into a caller's line buffer (NUL kept);
 *                  false when it would not fit.
 */

typedef struct csv_line_s { char *buf; size_t size, pos; } csv_line_t;

static bool
line_write(const void *bytes, size_t len, void *data)
{
  csv_line_t *l = (csv_line_t *)data;

  if (len >= l->size - l->pos)
    return (false);
  memcpy(l->buf + l->pos, bytes, len);
  l->pos += len;
  l->buf[l->pos] = '\0';

  return (true);
}


/*
 * 'csv_line()' - One CSV line into buf through the audit log's CSV writer
 *                (printgate/audit.h: RFC 4180 quoting, formula guard):
 *                the text cells, then the numbers.  false = no room.
 */

static bool
csv_line(char *buf, size_t bufsize, const char * const *texts, size_t ntexts, const int64_t *nums, size_t nnums)
{
  csv_line_t l = { buf, bufsize, 0 };
  gw_csv_t  *csv;
  bool       ok;

  if (!buf || !bufsize)
    return (false);
  buf[0] = '\0';
  if ((csv = gwCsvNew(line_write, &l)) == NULL)
    return (false);

  ok = true;
  for (size_t i = 0; ok && i < ntexts; i ++)
    ok = gwCsvCell(csv, texts[i]);
  for (size_t i = 0; ok && i < nnums; i ++)
    ok = gwCsvCellInt(csv, nums[i]);
  ok = ok && gwCsvRowEnd(csv);

  return (gwCsvDelete(&csv) && ok);
}


/*
 * 'gwReportCsvHeader()' - The header line of a report's CSV.
 */

bool
gwReportCsvHeader(gw_report_by_t by, char *buf, size_t bufsize)
{
  const char * const names[] = { gwReportByString(by), "printed", "pages", "color_pages", "failed", "held" };

  return (csv_line(buf, bufsize, names, sizeof(names) / sizeof(names[0]), NULL, 0));
}


/*
 * 'gwReportCsvRow()' - One row of a report's CSV.
 */

bool
gwReportCsvRow(const gw_report_row_t *row, char *buf, size_t bufsize)
{
  if (!row)
    return (false);

  const char    *key = row->key;
  const int64_t  values[] = { row->printed, row->pages, row->color_pages, row->failed, row->held };

  return (csv_line(buf, bufsize, &key, 1, values, sizeof(values) / sizeof(values[0])));
}
