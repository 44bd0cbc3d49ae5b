/*
 * report.h - usage reports from job metadata (never document content):
 * pages and colour pages printed, failed and held jobs, by user, role,
 * printer, intake or period (docs/reports.md).  gwApiReport() (api.h)
 * makes them; the helpers below turn rows into CSV and an SVG bar chart,
 * pure functions a front-end (the admin pages, the CLI) may call.
 */

#ifndef PRINTGATE_REPORT_H
#define PRINTGATE_REPORT_H

#include "base.h"

typedef enum gw_report_by_e     /* What a report's rows are */
{
  GW_REPORT_BY_USER,            /* The job's owner ("" once the user was erased) */
  GW_REPORT_BY_ROLE,            /* The owner's role (user, admin, guest): groups until there are groups */
  GW_REPORT_BY_PRINTER,
  GW_REPORT_BY_INTAKE,          /* The job's origin: cli, ipp, mail, web */
  GW_REPORT_BY_PERIOD           /* Day, week (from Monday) or month, UTC */
} gw_report_by_t;

typedef enum gw_report_period_e
{
  GW_REPORT_DAY,                /* "2026-12-05" */
  GW_REPORT_WEEK,               /* The Monday: "2026-11-30" */
  GW_REPORT_MONTH               /* "2026-12" */
} gw_report_period_t;

typedef struct gw_report_query_s
{
  gw_report_by_t     by;
  gw_report_period_t period;    /* For GW_REPORT_BY_PERIOD */
  int64_t            since;     /* Unix time, inclusive (0 = from the start) */
  int64_t            until;     /* Unix time, exclusive (0 = up to now) */
} gw_report_query_t;

typedef struct gw_report_row_s
{
  char    key[128];             /* User, role, printer, intake or period */
  int64_t printed;              /* Jobs printed */
  int64_t pages;                /* Pages printed: selected pages x copies */
  int64_t color_pages;          /* Colour pages charged: the pages that really use colour, x copies */
  int64_t failed;               /* Jobs that failed (conversion or printer) */
  int64_t held;                 /* Jobs held now (submitted in the period; none by printer) */
} gw_report_row_t;

typedef bool (*gw_report_cb_t)(const gw_report_row_t *row, void *data);

#define GW_REPORT_MAX_ROWS 100000    /* Rows one report hands out at most */

extern const char *gwReportByString(gw_report_by_t by);
extern bool        gwReportByParse(const char *s, gw_report_by_t *by);          /* "user", "role" (or "group"), "printer", "intake", "period" */
extern const char *gwReportPeriodString(gw_report_period_t period);
extern bool        gwReportPeriodParse(const char *s, gw_report_period_t *period); /* "day", "week", "month" */

/*
 * CSV (RFC 4180): the header line, then one line per row, each ending in
 * CRLF.  A field with a comma, quote, CR or LF is quoted (quotes doubled);
 * a field that starts with = + - @ TAB or CR gets a leading apostrophe so
 * a spreadsheet does not run it as a formula.  false = buf too small.
 */
extern bool gwReportCsvHeader(gw_report_by_t by, char *buf, size_t bufsize);
extern bool gwReportCsvRow(const gw_report_row_t *row, char *buf, size_t bufsize);

/*
 * An SVG bar chart (svg-chart.c): one bar per label, the value written at
 * its end, labels and title escaped as XML text, no script, no external
 * resource, fixed size per bar.  Returns malloc'd text (the caller frees
 * it), NULL when out of memory or count is out of 0..GW_CHART_MAX_BARS.
 */
#define GW_CHART_MAX_BARS 500

extern char *gwChartBarSvg(const char *title, const char * const *labels, const int64_t *values, int count);

#endif /* !PRINTGATE_REPORT_H */
