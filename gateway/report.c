/*
 * report.c - usage reports (report.h, docs/reports.md): the API call that
 * makes one from the store's print_usage rows and held jobs, the names of
 * groupings and periods, and a small CSV writer for the rows.  Metadata
 * only: who, role, intake, printer, pages and colour pages; never a
 * document's name or content.
 */

#include "api-private.h"
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
 * 'csv_field()' - Append one CSV field (RFC 4180 quoting, formula guard)
 *                 at *pos.  false = no room.
 */

static bool
csv_field(char *buf, size_t bufsize, size_t *pos, const char *text, bool last)
{
  bool   quote = strpbrk(text, ",\"\r\n") != NULL, guard = strchr("=+-@\t\r", text[0]) != NULL && text[0];
  size_t p = *pos;

#define PUT(ch) do { if (p + 1 >= bufsize) return (false); buf[p ++] = (ch); } while (0)

  if (quote || guard)
    PUT('"');
  if (guard)
    PUT('\'');
  for (const char *s = text; *s; s ++)
  {
    if (*s == '"')
      PUT('"');
    PUT(*s);
  }
  if (quote || guard)
    PUT('"');
  if (last)
  {
    PUT('\r');
    PUT('\n');
  }
  else
    PUT(',');

#undef PUT

  buf[p] = '\0';
  *pos   = p;

  return (true);
}


/*
 * 'gwReportCsvHeader()' - The header line of a report's CSV.
 */

bool
gwReportCsvHeader(gw_report_by_t by, char *buf, size_t bufsize)
{
  int n;

  if (!buf || !bufsize)
    return (false);

  n = snprintf(buf, bufsize, "%s,printed,pages,color_pages,failed,held\r\n", gwReportByString(by));

  return (n > 0 && (size_t)n < bufsize);
}


/*
 * 'gwReportCsvRow()' - One row of a report's CSV.
 */

bool
gwReportCsvRow(const gw_report_row_t *row, char *buf, size_t bufsize)
{
  const int64_t values[] = { row->printed, row->pages, row->color_pages, row->failed, row->held };
  char          num[32];
  size_t        pos = 0;

  if (!row || !buf || !bufsize || !csv_field(buf, bufsize, &pos, row->key, false))
    return (false);

  for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i ++)
  {
    snprintf(num, sizeof(num), "%lld", (long long)values[i]);
    if (!csv_field(buf, bufsize, &pos, num, i + 1 == sizeof(values) / sizeof(values[0])))
      return (false);
  }

  return (true);
}


/*
 * 'gwApiReport()' - A usage report (admin; the auditor role joins here
 *                   when it lands).  Rows go to cb with no core lock held.
 *                   Audit "report" (detail: the grouping and period).
 */

bool
gwApiReport(gw_system_t *sys, const gw_actor_t *actor, const gw_report_query_t *q, gw_report_cb_t cb, void *data, const char **error_r)
{
  char detail[128];

  if (!sys || !_gwApiMay(actor, GW_RIGHT_AUDIT, error_r))
    return (false);

  if (!q || !cb || (unsigned)q->by > GW_REPORT_BY_PERIOD || (unsigned)q->period > GW_REPORT_MONTH || q->since < 0 || q->until < 0 ||
      (q->until > 0 && q->until <= q->since))
  {
    _gwApiError(error_r, "bad report query (grouping, period, or since after until)");
    return (false);
  }

  snprintf(detail, sizeof(detail), "by=%s period=%s since=%lld until=%lld", gwReportByString(q->by), gwReportPeriodString(q->period), (long long)q->since, (long long)q->until);
  _gwApiAudit(sys, actor, "report", "", NULL, NULL, 0, detail);

  if (!gwStoreReport(sys->store, actor->tenant, q, cb, data))
  {
    _gwApiError(error_r, "store error");
    return (false);
  }

  return (true);
}
