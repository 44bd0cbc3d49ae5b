/*
 * web-admin-reports.c - the admin console's read-only pages for admins
 * and auditors (GW_RIGHT_AUDIT; docs/admin.md): the audit log with filters
 * and keyset paging (gwApiAuditQuery()) and its streamed CSV export, usage
 * reports (gwApiReport()) with SVG bar charts (gwChartBarSvg()) and CSV,
 * and the health report (gwApiHealth()), as pages under /admin and as
 * calls under /api/v1/admin.
 *
 * Charts are served as image/svg+xml from their own same-origin route and
 * shown with <img>: the page's CSP ("img-src 'self'") allows that, an
 * <img> never runs script, and the chart has no style attribute to trip
 * "style-src 'self'".  The role check is the core's: a helpdesk actor gets
 * "permission denied" from every call here (403).
 */

#include "web-private.h"

#include <printgate/audit.h>
#include <printgate/report.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AUDIT_PAGE     100        /* Rows on an audit page (the API: limit, 1 to GW_AUDIT_QUERY_MAX) */
#define AUDIT_CSV_PAGE 500        /* Rows a CSV stream fetches at once */
#define CERT_WARN_DAYS 30         /* A certificate this close to expiry is a warning */


/* ---- Shared helpers ------------------------------------------------------------ */

/*
 * 'parse_time()' - A Unix time, or YYYY-MM-DD[THH:MM[:SS]] in UTC (what
 *                  <input type="date"> and "datetime-local" send); "" or
 *                  NULL is 0 (no bound).  -1 when it is no time.  A bare
 *                  date as an end (end true) is the next midnight.
 */

static int64_t
parse_time(const char *s, bool end)
{
  static const char * const formats[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d" };
  struct tm tmv;
  char     *stop;
  long long n;

  if (!s || !*s)
    return (0);

  if (strlen(s) <= 12 && s[0] >= '0' && s[0] <= '9' && (n = strtoll(s, &stop, 10)) >= 0 && !*stop)
    return ((int64_t)n);

  for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i ++)
  {
    const char *rest;

    memset(&tmv, 0, sizeof(tmv));
    if ((rest = strptime(s, formats[i], &tmv)) != NULL && (!*rest || !strcmp(rest, "Z")))
      return ((int64_t)timegm(&tmv) + (end && i == 2 ? 86400 : 0));
  }

  return (-1);
}


/*
 * 'query()' - A query parameter, "" when absent.
 */

static const char *
query(web_req_t *r, const char *name)
{
  const char *v = gwRequestQuery(r->req, name);

  return (v ? v : "");
}


/*
 * 'add_param()' - "&name=value" (value percent-encoded, the & as &amp; for
 *                 HTML) when value is not empty.
 */

static void
add_param(web_buf_t *b, const char *name, const char *value)
{
  if (!value || !*value)
    return;

  _gwWebBufAddf(b, "&amp;%s=", name);
  for (const char *p = value; *p; p ++)
    _gwWebBufAddf(b, strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_", *p) ? "%c" : "%%%02X", (unsigned char)*p);
}


/*
 * 'text_input()' - A labelled text input holding the request's value.
 */

static void
text_input(web_buf_t *b, web_req_t *r, const char *name, const char *label, const char *type)
{
  _gwWebBufAddf(b, "<label for=\"f-%s\">%s</label><input type=\"%s\" id=\"f-%s\" name=\"%s\" value=\"", name, label, type, name, name);
  _gwWebBufAddHtml(b, query(r, name));
  _gwWebBufAdd(b, "\">");
}


/*
 * 'select_input()' - A labelled select of the given options (NULL-ended),
 *                    the request's value selected.
 */

static void
select_input(web_buf_t *b, web_req_t *r, const char *name, const char *label, const char * const *options)
{
  const char *cur = query(r, name);

  _gwWebBufAddf(b, "<label for=\"f-%s\">%s</label><select id=\"f-%s\" name=\"%s\">", name, label, name, name);
  for (; *options; options ++)
    _gwWebBufAddf(b, "<option%s>%s</option>", strcmp(cur, *options) ? "" : " selected", *options);
  _gwWebBufAdd(b, "</select>");
}


/*
 * 'gate()' - An elevated console session's actor; false = answered.
 */

static bool
gate(web_req_t *r, gw_actor_t *actor)
{
  if (!_gwWebAdminGate(r))
    return (false);

  _gwWebActor(r, actor);
  return (true);
}


/* ---- The audit log ----------------------------------------------------------- */

typedef struct audit_filter_s   /* An audit query from the request, with its strings */
{
  gw_audit_query_t q;
  char             user[128], action[64], printer[128];
} audit_filter_t;


/*
 * 'audit_filter()' - The filters of the request (user, action, printer,
 *                    since, until, outcome, after, limit); false with a
 *                    400 answered when one is bad.
 */

static bool
audit_filter(web_req_t *r, audit_filter_t *f, int limit)
{
  const char *outcome = query(r, "outcome"), *after = query(r, "after"), *l = query(r, "limit");
  char       *stop;
  long long   n;

  memset(f, 0, sizeof(*f));
  snprintf(f->user, sizeof(f->user), "%s", query(r, "user"));
  snprintf(f->action, sizeof(f->action), "%s", query(r, "action"));
  snprintf(f->printer, sizeof(f->printer), "%s", query(r, "printer"));
  f->q.user    = f->user[0] ? f->user : NULL;
  f->q.action  = f->action[0] ? f->action : NULL;
  f->q.printer = f->printer[0] ? f->printer : NULL;
  f->q.since   = parse_time(query(r, "since"), false);
  f->q.until   = parse_time(query(r, "until"), false);
  f->q.limit   = limit;

  if (f->q.since < 0 || f->q.until < 0)
  {
    _gwWebError(r, 400, "bad-time", "A time is a Unix time or YYYY-MM-DD[THH:MM[:SS]] (UTC).");
    return (false);
  }
  if (!*outcome || !strcmp(outcome, "any"))
    f->q.outcome = GW_AUDIT_OUTCOME_ANY;
  else if (!strcmp(outcome, "ok"))
    f->q.outcome = GW_AUDIT_OUTCOME_OK;
  else if (!strcmp(outcome, "refused"))
    f->q.outcome = GW_AUDIT_OUTCOME_REFUSED;
  else
  {
    _gwWebError(r, 400, "bad-outcome", "The outcome is ok, refused or any.");
    return (false);
  }
  if (*after && ((n = strtoll(after, &stop, 10)) <= 0 || *stop))
  {
    _gwWebError(r, 400, "bad-cursor", "after is the id of the last row of the previous page.");
    return (false);
  }
  f->q.after = *after ? (int64_t)n : 0;
  if (*l && ((n = strtoll(l, &stop, 10)) < 1 || n > GW_AUDIT_QUERY_MAX || *stop))
  {
    _gwWebError(r, 400, "bad-limit", "limit is 1 to 10000.");
    return (false);
  }
  if (*l)
    f->q.limit = (int)n;

  return (true);
}


/*
 * 'audit_query_fail()' - A refused audit query: 403 for the role, 400 for a bad cursor.
 */

static void
audit_query_fail(web_req_t *r, const char *error)
{
  if (error && !strcmp(error, "permission denied"))
    _gwWebAdminFail(r, error);
  else
    _gwWebError(r, 400, "bad-query", error ? error : "The audit query was refused.");
}


/*
 * 'audit_json()' - An audit row into a JSON array.
 */

static bool
audit_json(const gw_audit_t *e, void *data)
{
  json_object *o = json_object_new_object();

  json_object_object_add(o, "id", json_object_new_int64(e->id));
  json_object_object_add(o, "time", json_object_new_int64(e->time));
  json_object_object_add(o, "actor", json_object_new_string(e->actor));
  json_object_object_add(o, "action", json_object_new_string(e->action));
  json_object_object_add(o, "subject", json_object_new_string(e->subject));
  json_object_object_add(o, "job", json_object_new_string(e->job_id));
  json_object_object_add(o, "printer", json_object_new_string(e->printer));
  json_object_object_add(o, "pages", json_object_new_int(e->pages));
  json_object_object_add(o, "source", json_object_new_string(e->source));
  json_object_object_add(o, "detail", json_object_new_string(e->detail));
  json_object_array_add((json_object *)data, o);

  return (true);
}


/*
 * '_gwWebAdminAuditApi()' - GET /api/v1/admin/audit?user=&action=&printer=
 *                           &since=&until=&outcome=&after=&limit=: a page
 *                           newest first, {"audit": [...], "next": ID or 0}.
 */

void
_gwWebAdminAuditApi(web_req_t *r)
{
  gw_actor_t     actor;
  audit_filter_t f;
  int64_t        next = 0;
  const char    *error = NULL;
  json_object   *o, *list;

  if (!gate(r, &actor) || !audit_filter(r, &f, AUDIT_PAGE))
    return;

  list = json_object_new_array();
  if (!gwApiAuditQuery(r->web->sys, &actor, &f.q, audit_json, list, &next, &error))
  {
    json_object_put(list);
    audit_query_fail(r, error);
    return;
  }

  o = json_object_new_object();
  json_object_object_add(o, "audit", list);
  json_object_object_add(o, "next", json_object_new_int64(next));
  _gwWebJson(r, 200, o);
}


typedef struct audit_stream_s   /* A CSV download in progress (on the listener thread) */
{
  gw_system_t   *sys;
  gw_actor_t     actor;
  char           who[128], where[64];
  audit_filter_t f;
  web_buf_t      page;          /* CSV of the current page */
  size_t         pos;           /* Sent of it */
  gw_csv_t      *csv;
  bool           end;
  bool           started;       /* The first page was fetched (in the request) */
  char           sid[GW_API_SESSION_ID_LEN + 1]; /* The session it belongs to (wiped at the end) */
} audit_stream_t;


/*
 * 'stream_write()' - The CSV writer's output into the page buffer.
 */

static bool
stream_write(const void *bytes, size_t len, void *data)
{
  return (_gwWebBufAppend((web_buf_t *)data, bytes, len));
}


/*
 * 'stream_row()' - An audit row into the CSV writer.
 */

static bool
stream_row(const gw_audit_t *e, void *data)
{
  return (gwAuditCsvRow((gw_csv_t *)data, e));
}


/*
 * 'stream_fill()' - The next page of AUDIT_CSV_PAGE rows into the page
 *                   buffer (one store query), once the last one is sent.
 *                   The same bytes as gwApiAuditCsv(), pulled as the
 *                   client reads instead of pushed by a thread that a slow
 *                   client would hold.
 */

static bool
stream_fill(audit_stream_t *st, const char **error_r)
{
  int64_t      next = 0;
  gw_session_t session;
  bool         live;

  while (st->pos >= st->page.len && !st->end)
  {
    if (st->started)
    {
      /* The session must still be there for each page: a sign-out (or its end) stops the download. */
      live = gwApiSessionGet(st->sys, &st->actor, st->sid, &session);
      gwWipe(&session, sizeof(session));
      if (!live)
        return (false);
    }
    st->started  = true;
    st->page.len = st->pos = 0;
    if (!gwApiAuditQuery(st->sys, &st->actor, &st->f.q, stream_row, st->csv, &next, error_r) || !gwCsvFlush(st->csv) || st->page.failed)
      return (false);
    st->f.q.after = next;
    st->end       = next == 0;
  }

  return (true);
}


/*
 * 'stream_read()' - The next piece of the CSV (gwRequestRespondStream()).
 */

static ssize_t
stream_read(void *data, char *buf, size_t max)
{
  audit_stream_t *st = (audit_stream_t *)data;
  const char     *error = NULL;
  size_t          n;

  if (!stream_fill(st, &error))
    return (-1);

  if ((n = st->page.len - st->pos) > max)
    n = max;
  memcpy(buf, st->page.data + st->pos, n);
  st->pos += n;

  return ((ssize_t)n);
}


/*
 * 'stream_done()' - The download ended (or the client went away).
 */

static void
stream_done(void *data)
{
  audit_stream_t *st = (audit_stream_t *)data;

  gwCsvDelete(&st->csv);
  _gwWebBufFree(&st->page);
  gwWipe(st->sid, sizeof(st->sid));
  free(st);
}


/*
 * '_gwWebAdminAuditCsv()' - GET /api/v1/admin/audit.csv?filters: every
 *                           matching row as RFC 4180 CSV (printgate/audit.h,
 *                           the formula guard included), streamed a page at
 *                           a time: memory stays one page however long.
 *                           The session is looked up again before each
 *                           page after the first, so a sign-out stops a
 *                           download under way.
 */

void
_gwWebAdminAuditCsv(web_req_t *r)
{
  gw_actor_t      actor;
  audit_stream_t *st;
  const char     *error = NULL;

  if (!gate(r, &actor))
    return;
  if ((st = calloc(1, sizeof(audit_stream_t))) == NULL)
  {
    _gwWebError(r, 500, "internal", "Out of memory.");
    return;
  }
  if (!audit_filter(r, &st->f, AUDIT_CSV_PAGE))
  {
    free(st);
    return;
  }

  st->sys   = r->web->sys;
  st->actor = actor;
  snprintf(st->who, sizeof(st->who), "%s", actor.who ? actor.who : "");
  snprintf(st->where, sizeof(st->where), "%s", actor.where ? actor.where : "");
  st->actor.who   = st->who;
  st->actor.where = st->where;
  snprintf(st->sid, sizeof(st->sid), "%s", r->sid);
  st->f.q.user    = st->f.user[0] ? st->f.user : NULL;
  st->f.q.action  = st->f.action[0] ? st->f.action : NULL;
  st->f.q.printer = st->f.printer[0] ? st->f.printer : NULL;
  if ((st->csv = gwCsvNew(stream_write, &st->page)) == NULL || !gwAuditCsvHeader(st->csv))
  {
    stream_done(st);
    _gwWebError(r, 500, "internal", "Out of memory.");
    return;
  }

  /* The first page now, while a 403 (role) or 400 (cursor) can still be answered */
  if (!stream_fill(st, &error))
  {
    stream_done(st);
    audit_query_fail(r, error);
    return;
  }

  gwRequestAddHeader(r->req, "Content-Disposition", "attachment; filename=\"printgate-audit.csv\"");
  gwRequestRespondStream(r->req, 200, "text/csv; charset=utf-8", stream_read, stream_done, st);
}


/*
 * 'audit_row()' - An audit row as a table row.
 */

static bool
audit_row(const gw_audit_t *e, void *data)
{
  web_buf_t  *b = (web_buf_t *)data;
  char        when[32];
  struct tm   tmv;
  time_t      t = (time_t)e->time;
  const char *cells[][2] = { { "audit-actor", e->actor }, { "audit-action", e->action }, { "audit-subject", e->subject },
                             { "audit-printer", e->printer }, { "audit-source", e->source }, { "audit-detail", e->detail } };

  strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", gmtime_r(&t, &tmv));
  _gwWebBufAddf(b, "<tr class=\"audit\" data-id=\"%lld\"><td>%s</td>", (long long)e->id, when);
  for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i ++)
  {
    _gwWebBufAddf(b, "<td class=\"%s\">", cells[i][0]);
    _gwWebBufAddHtml(b, cells[i][1]);
    _gwWebBufAdd(b, "</td>");
  }
  _gwWebBufAdd(b, "</tr>\n");

  return (true);
}


/*
 * 'audit_params()' - The request's filters as "&amp;name=value" parameters.
 */

static void
audit_params(web_buf_t *b, web_req_t *r)
{
  static const char * const names[] = { "user", "action", "printer", "since", "until", "outcome" };

  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i ++)
    add_param(b, names[i], query(r, names[i]));
}


/*
 * '_gwWebAdminAuditPage()' - GET /admin/audit?filters&after=: the filter
 *                            form, a page of 100 rows newest first, the
 *                            next page's link and the CSV download.
 */

void
_gwWebAdminAuditPage(web_req_t *r)
{
  static const char * const outcomes[] = { "any", "ok", "refused", NULL };
  gw_actor_t     actor;
  audit_filter_t f;
  web_buf_t      b = { 0 };
  int64_t        next = 0;
  const char    *error = NULL;

  if (!gate(r, &actor) || !audit_filter(r, &f, AUDIT_PAGE))
    return;

  _gwWebAdminPageBegin(&b, r, "Audit log");
  _gwWebBufAdd(&b, "<form method=\"get\" action=\"/admin/audit\" id=\"audit-filter\">");
  text_input(&b, r, "user", "User (who or about whom)", "text");
  text_input(&b, r, "action", "Action", "text");
  text_input(&b, r, "printer", "Printer", "text");
  text_input(&b, r, "since", "From (UTC)", "datetime-local");
  text_input(&b, r, "until", "To (UTC)", "datetime-local");
  select_input(&b, r, "outcome", "Outcome", outcomes);
  _gwWebBufAdd(&b, "<button type=\"submit\">Search</button></form>"
                   "<table class=\"audit\" id=\"audit\"><thead><tr><th>Time (UTC)</th><th>Who</th><th>What</th><th>Concerning</th>"
                   "<th>Printer</th><th>From</th><th>Detail</th></tr></thead><tbody>\n");
  if (!gwApiAuditQuery(r->web->sys, &actor, &f.q, audit_row, &b, &next, &error))
  {
    _gwWebBufFree(&b);
    audit_query_fail(r, error);
    return;
  }
  _gwWebBufAdd(&b, "</tbody></table><p>");
  if (next)
  {
    _gwWebBufAddf(&b, "<a id=\"next\" href=\"/admin/audit?after=%lld", (long long)next);
    audit_params(&b, r);
    _gwWebBufAdd(&b, "\">Older rows</a> ");
  }
  _gwWebBufAdd(&b, "<a id=\"audit-csv\" download href=\"/api/v1/admin/audit.csv?csv=1");
  audit_params(&b, r);
  _gwWebBufAdd(&b, "\">Export every matching row as CSV</a></p>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/* ---- Reports ------------------------------------------------------------------- */

typedef struct report_s         /* A report's rows, collected */
{
  gw_report_query_t q;
  gw_report_row_t  *rows;
  int               n, size;
  bool              failed;
} report_t;


/*
 * 'report_add()' - Keep a report row.
 */

static bool
report_add(const gw_report_row_t *row, void *data)
{
  report_t        *rep = (report_t *)data;
  gw_report_row_t *rows;

  if (rep->n >= rep->size)
  {
    int size = rep->size ? rep->size * 2 : 64;

    if ((rows = realloc(rep->rows, (size_t)size * sizeof(gw_report_row_t))) == NULL)
    {
      rep->failed = true;
      return (false);
    }
    rep->rows = rows;
    rep->size = size;
  }
  rep->rows[rep->n ++] = *row;

  return (true);
}


/*
 * 'report_run()' - The report the request asks for (by, period, since,
 *                  until; a bare date as until includes its day); false
 *                  with the answer given when refused or bad.
 */

static bool
report_run(web_req_t *r, report_t *rep)
{
  gw_actor_t  actor;
  const char *by = query(r, "by"), *period = query(r, "period"), *error = NULL;

  memset(rep, 0, sizeof(*rep));
  if (!gate(r, &actor))
    return (false);
  if ((*by && !gwReportByParse(by, &rep->q.by)) || (*period && !gwReportPeriodParse(period, &rep->q.period)))
  {
    _gwWebError(r, 400, "bad-report", "by is user, role, printer, intake or period; period is day, week or month.");
    return (false);
  }
  if ((rep->q.since = parse_time(query(r, "since"), false)) < 0 || (rep->q.until = parse_time(query(r, "until"), true)) < 0)
  {
    _gwWebError(r, 400, "bad-time", "A date is YYYY-MM-DD (UTC; until includes its day) or a Unix time.");
    return (false);
  }
  if (!gwApiReport(r->web->sys, &actor, &rep->q, report_add, rep, &error) || rep->failed)
  {
    free(rep->rows);
    if (rep->failed)
      _gwWebError(r, 500, "internal", "Out of memory.");
    else
      _gwWebAdminFail(r, error);
    return (false);
  }

  return (true);
}


/*
 * '_gwWebAdminReportApi()' - GET /api/v1/admin/reports?by=&period=&since=&until=.
 */

void
_gwWebAdminReportApi(web_req_t *r)
{
  report_t     rep;
  json_object *o, *list;

  if (!report_run(r, &rep))
    return;

  list = json_object_new_array();
  for (int i = 0; i < rep.n; i ++)
  {
    json_object *row = json_object_new_object();

    json_object_object_add(row, "key", json_object_new_string(rep.rows[i].key));
    json_object_object_add(row, "printed", json_object_new_int64(rep.rows[i].printed));
    json_object_object_add(row, "pages", json_object_new_int64(rep.rows[i].pages));
    json_object_object_add(row, "color_pages", json_object_new_int64(rep.rows[i].color_pages));
    json_object_object_add(row, "failed", json_object_new_int64(rep.rows[i].failed));
    json_object_object_add(row, "held", json_object_new_int64(rep.rows[i].held));
    json_object_array_add(list, row);
  }
  free(rep.rows);

  o = json_object_new_object();
  json_object_object_add(o, "by", json_object_new_string(gwReportByString(rep.q.by)));
  json_object_object_add(o, "period", json_object_new_string(gwReportPeriodString(rep.q.period)));
  json_object_object_add(o, "since", json_object_new_int64(rep.q.since));
  json_object_object_add(o, "until", json_object_new_int64(rep.q.until));
  json_object_object_add(o, "rows", list);
  _gwWebJson(r, 200, o);
}


/*
 * '_gwWebAdminReportCsv()' - GET /api/v1/admin/reports.csv?...: the report
 *                            as CSV (report.h; at most GW_REPORT_MAX_ROWS
 *                            aggregate rows, so it is built whole).
 */

void
_gwWebAdminReportCsv(web_req_t *r)
{
  report_t  rep;
  web_buf_t b = { 0 };
  char      line[1024];

  if (!report_run(r, &rep))
    return;

  if (gwReportCsvHeader(rep.q.by, line, sizeof(line)))
    _gwWebBufAdd(&b, line);
  for (int i = 0; i < rep.n; i ++)
  {
    if (gwReportCsvRow(rep.rows + i, line, sizeof(line)))
      _gwWebBufAdd(&b, line);
  }
  free(rep.rows);

  if (b.failed)
  {
    _gwWebBufFree(&b);
    _gwWebError(r, 500, "too-large", "The report is too large for one answer: ask for a shorter time or a coarser grouping.");
    return;
  }

  gwRequestAddHeader(r->req, "Content-Disposition", "attachment; filename=\"printgate-report.csv\"");
  _gwWebRespond(r, 200, "text/csv; charset=utf-8", b.data ? b.data : "", b.len);
  _gwWebBufFree(&b);
}


/*
 * '_gwWebAdminReportSvg()' - GET /api/v1/admin/reports.svg?...&value=pages|color_pages:
 *                            a bar chart of the report (the first
 *                            GW_CHART_MAX_BARS rows), shown with <img>.
 */

void
_gwWebAdminReportSvg(web_req_t *r)
{
  report_t      rep;
  const char  **labels;
  int64_t      *values;
  char         *svg, title[200];
  bool          color = !strcmp(query(r, "value"), "color_pages");
  int           n;

  if (!report_run(r, &rep))
    return;

  n      = rep.n < GW_CHART_MAX_BARS ? rep.n : GW_CHART_MAX_BARS;
  labels = calloc((size_t)n + 1, sizeof(char *));
  values = calloc((size_t)n + 1, sizeof(int64_t));
  for (int i = 0; labels && values && i < n; i ++)
  {
    labels[i] = rep.rows[i].key[0] ? rep.rows[i].key : "(erased)";
    values[i] = color ? rep.rows[i].color_pages : rep.rows[i].pages;
  }
  snprintf(title, sizeof(title), "%s by %s%s", color ? "Colour pages" : "Pages", gwReportByString(rep.q.by), rep.n > n ? " (first 500)" : "");
  svg = labels && values ? gwChartBarSvg(title, labels, values, n) : NULL;
  free(labels);
  free(values);
  free(rep.rows);

  if (!svg)
  {
    _gwWebError(r, 500, "internal", "The chart could not be drawn.");
    return;
  }

  _gwWebRespond(r, 200, "image/svg+xml", svg, strlen(svg));
  free(svg);
}


/*
 * '_gwWebAdminReportPage()' - GET /admin/reports?by=&period=&since=&until=:
 *                             the form, the two charts, the table and the CSV link.
 */

void
_gwWebAdminReportPage(web_req_t *r)
{
  static const char * const bys[] = { "user", "role", "printer", "intake", "period", NULL };
  static const char * const periods[] = { "day", "week", "month", NULL };
  report_t  rep;
  web_buf_t b = { 0 }, params = { 0 };

  if (!report_run(r, &rep))
    return;

  add_param(&params, "by", query(r, "by"));
  add_param(&params, "period", query(r, "period"));
  add_param(&params, "since", query(r, "since"));
  add_param(&params, "until", query(r, "until"));

  _gwWebAdminPageBegin(&b, r, "Reports");
  _gwWebBufAdd(&b, "<form method=\"get\" action=\"/admin/reports\" id=\"report-form\">");
  select_input(&b, r, "by", "By", bys);
  select_input(&b, r, "period", "Period", periods);
  text_input(&b, r, "since", "From (UTC)", "date");
  text_input(&b, r, "until", "To (UTC, included)", "date");
  _gwWebBufAddf(&b, "<button type=\"submit\">Show</button></form>"
                    "<p class=\"charts\"><img class=\"chart\" id=\"chart-pages\" alt=\"Pages by %s\" src=\"/api/v1/admin/reports.svg?value=pages%s\"> "
                    "<img class=\"chart\" id=\"chart-color\" alt=\"Colour pages by %s\" src=\"/api/v1/admin/reports.svg?value=color_pages%s\"></p>"
                    "<table class=\"report\" id=\"report\"><thead><tr><th>%s</th><th>Jobs printed</th><th>Pages</th><th>Colour pages</th>"
                    "<th>Failed</th><th>Held</th></tr></thead><tbody>\n",
                gwReportByString(rep.q.by), params.data ? params.data : "", gwReportByString(rep.q.by), params.data ? params.data : "",
                gwReportByString(rep.q.by));
  for (int i = 0; i < rep.n; i ++)
  {
    gw_report_row_t *row = rep.rows + i;

    _gwWebBufAdd(&b, "<tr class=\"report-row\"><td class=\"report-key\">");
    _gwWebBufAddHtml(&b, row->key);
    _gwWebBufAddf(&b, "</td><td>%lld</td><td class=\"report-pages\">%lld</td><td class=\"report-color\">%lld</td><td>%lld</td><td>%lld</td></tr>\n",
                  (long long)row->printed, (long long)row->pages, (long long)row->color_pages, (long long)row->failed, (long long)row->held);
  }
  free(rep.rows);
  _gwWebBufAddf(&b, "</tbody></table><p><a id=\"report-csv\" download href=\"/api/v1/admin/reports.csv?csv=1%s\">Export as CSV</a></p>",
                params.data ? params.data : "");
  _gwWebBufFree(&params);
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/* ---- Health -------------------------------------------------------------------- */

/*
 * 'health_value()' - A JSON value as HTML: objects as nested <dl>, arrays
 *                    as <ul>, the rest as escaped text.
 */

static void
health_value(web_buf_t *b, json_object *v, int depth)
{
  if (depth > 8)
    return;

  switch (json_object_get_type(v))
  {
    case json_type_object :
        _gwWebBufAdd(b, "<dl>");
        json_object_object_foreach(v, key, val)
        {
          _gwWebBufAdd(b, "<dt>");
          _gwWebBufAddHtml(b, key);
          _gwWebBufAdd(b, "</dt><dd>");
          health_value(b, val, depth + 1);
          if (json_object_is_type(val, json_type_int) && strlen(key) > 6 && !strcmp(key + strlen(key) - 6, "_bytes"))
            _gwWebBufAddf(b, " (%.1f GB)", (double)json_object_get_int64(val) / 1e9);
          _gwWebBufAdd(b, "</dd>");
        }
        _gwWebBufAdd(b, "</dl>");
        break;
    case json_type_array :
        _gwWebBufAdd(b, "<ul>");
        for (size_t i = 0; i < json_object_array_length(v); i ++)
        {
          _gwWebBufAdd(b, "<li>");
          health_value(b, json_object_array_get_idx(v, i), depth + 1);
          _gwWebBufAdd(b, "</li>");
        }
        _gwWebBufAdd(b, "</ul>");
        break;
    default :
        _gwWebBufAddHtml(b, v ? json_object_get_string(v) : "");
        break;
  }
}


/*
 * 'health_cert()' - One certificate's line: its expiry, a warning under
 *                   CERT_WARN_DAYS days (or when expired), or unknown.
 */

static void
health_cert(web_buf_t *b, const char *name, json_object *cert)
{
  json_object *v;
  int64_t      days;
  char         when[32];
  struct tm    tmv;
  time_t       t;

  if (!json_object_object_get_ex(cert, "days_left", &v))
  {
    _gwWebBufAdd(b, "<li class=\"cert cert-unknown\">");
    _gwWebBufAddHtml(b, name);
    _gwWebBufAdd(b, ": no certificate known yet</li>");
    return;
  }

  days = json_object_get_int64(v);
  t    = json_object_object_get_ex(cert, "not_after", &v) ? (time_t)json_object_get_int64(v) : 0;
  strftime(when, sizeof(when), "%Y-%m-%d", gmtime_r(&t, &tmv));
  _gwWebBufAddf(b, "<li class=\"cert%s\">", days < CERT_WARN_DAYS ? " cert-warning warning" : "");
  _gwWebBufAddHtml(b, name);
  if (days < 0)
    _gwWebBufAddf(b, ": <strong>expired</strong> on %s</li>", when);
  else if (days < CERT_WARN_DAYS)
    _gwWebBufAddf(b, ": <strong>expires in %lld days</strong> (%s)</li>", (long long)days, when);
  else
    _gwWebBufAddf(b, ": valid until %s (%lld days)</li>", when, (long long)days);
}


/*
 * 'health_section()' - A member of the report as a titled section.
 */

static void
health_section(web_buf_t *b, json_object *root, const char *member, const char *id, const char *title)
{
  json_object *v = NULL;

  _gwWebBufAddf(b, "<section class=\"health\" id=\"%s\"><h2>%s</h2>", id, title);
  if (json_object_object_get_ex(root, member, &v) && (json_object_get_type(v) != json_type_object || json_object_object_length(v) > 0))
    health_value(b, v, 0);
  else
    _gwWebBufAdd(b, "<p>None.</p>");
  _gwWebBufAdd(b, "</section>");
}


/*
 * 'health_certs()' - The certificates section: the gateway's and each ipps printer's.
 */

static void
health_certs(web_buf_t *b, json_object *root)
{
  json_object *certs = NULL, *v = NULL, *name = NULL;

  _gwWebBufAdd(b, "<section class=\"health\" id=\"health-certificates\"><h2>Certificates</h2><ul>");
  if (json_object_object_get_ex(root, "certificates", &certs))
  {
    if (json_object_object_get_ex(certs, "gateway", &v))
      health_cert(b, "This gateway", v);
    if (json_object_object_get_ex(certs, "printers", &v) && json_object_is_type(v, json_type_array))
    {
      for (size_t i = 0; i < json_object_array_length(v); i ++)
      {
        json_object *c = json_object_array_get_idx(v, i);

        health_cert(b, json_object_object_get_ex(c, "printer", &name) ? json_object_get_string(name) : "printer", c);
      }
    }
  }
  _gwWebBufAdd(b, "</ul></section>");
}


/*
 * 'health_get()' - The health report as JSON; NULL with the answer given.
 */

static json_object *
health_get(web_req_t *r)
{
  gw_actor_t   actor;
  char        *text = NULL;
  const char  *error = NULL;
  json_object *root;

  if (!gate(r, &actor))
    return (NULL);
  if (!gwApiHealth(r->web->sys, &actor, &text, &error))
  {
    _gwWebAdminFail(r, error);
    return (NULL);
  }

  root = json_tokener_parse(text);
  free(text);
  if (!root)
    _gwWebError(r, 500, "internal", "The health report could not be read.");

  return (root);
}


/*
 * '_gwWebAdminHealthApi()' - GET /api/v1/admin/health: gwApiHealth()'s JSON.
 */

void
_gwWebAdminHealthApi(web_req_t *r)
{
  json_object *root = health_get(r);

  if (root)
    _gwWebJson(r, 200, root);
}


/*
 * '_gwWebAdminHealthPage()' - GET /admin/health: the report, section by section.
 */

void
_gwWebAdminHealthPage(web_req_t *r)
{
  json_object *root = health_get(r), *v;
  web_buf_t    b = { 0 };
  char         when[32];
  struct tm    tmv;
  time_t       t;

  if (!root)
    return;

  t = json_object_object_get_ex(root, "time", &v) ? (time_t)json_object_get_int64(v) : time(NULL);
  strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", gmtime_r(&t, &tmv));
  _gwWebAdminPageBegin(&b, r, "Health");
  _gwWebBufAddf(&b, "<p>As of <span id=\"health-time\">%s</span> UTC.</p>", when);
  health_section(&b, root, "jobs", "health-jobs", "Jobs in the store by state (printed: kept for a reprint)");
  health_section(&b, root, "released_today", "health-released", "Released today (UTC): printed, failed, pages");
  health_section(&b, root, "conversions", "health-conversions", "Conversions");
  health_section(&b, root, "frontends", "health-mail", "Mail sources and other front-ends");
  health_section(&b, root, "mail_sources", "health-mail-sources", "Mail sources (state, last poll, lag)");
  health_section(&b, root, "outbox", "health-outbox", "Outgoing mail");
  health_section(&b, root, "office", "health-office", "Office pool");
  health_certs(&b, root);
  health_section(&b, root, "disk", "health-disk", "Disk and spool");
  json_object_put(root);
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}
