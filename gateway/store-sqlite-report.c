/*
 * store-sqlite-report.c - the SQLite side of reports and totals: the
 * print_usage row a job leaves when it prints or fails, the report
 * queries over those rows (and the held jobs), and the totals that the
 * triggers of schema version 11 keep (docs/reports.md, docs/metrics.md).
 */

#include "store-sqlite-private.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>


/*
 * 'charged_pages()' - Pages printed and colour pages charged for a job:
 *                     the selected pages (page ranges) times the copies;
 *                     colour pages are the pages that really use colour
 *                     (at most the selected pages), none when the job asks
 *                     for monochrome, and every selected page when they
 *                     were not counted (CountColorPages off: -1).
 */

static void
charged_pages(int pages, int color_pages, int copies, const char *color_mode, const char *ranges_text, int64_t *pages_r, int64_t *color_r)
{
  gw_page_range_t ranges[GW_JOB_MAX_PAGE_RANGES];
  int             nranges = 0, selected = pages;

  if (ranges_text && *ranges_text && gwJobPageRangesParse(ranges_text, ranges, &nranges, NULL) && nranges > 0)
    selected = gwJobPageRangesCount(ranges, nranges, pages);
  if (copies < 1)
    copies = 1;
  if (color_pages < 0 || color_pages > selected)
    color_pages = selected;
  if (color_mode && !strcmp(color_mode, "monochrome"))
    color_pages = 0;

  *pages_r = (int64_t)selected * copies;
  *color_r = (int64_t)color_pages * copies;
}


/*
 * '_gwSqlUsageAdd()' - The print_usage row of a job that printed or failed
 *                      (lock held, inside the transition's transaction):
 *                      who, role, intake, printer and the pages charged;
 *                      a failed job charges nothing.
 */

bool
_gwSqlUsageAdd(_gw_sql_t *b, int64_t tenant, const char *job_id, gw_job_state_t to, const char *printer)
{
  sqlite3_stmt  *stmt = _gwSqlStmt(b, _GW_SQL_USAGE_JOB,
    "SELECT j.user_id, j.owner, coalesce(u.role, 'user'), j.origin, j.printer, j.copies, j.color_mode, j.page_ranges,"
    " coalesce(d.pages, 0), coalesce(d.color_pages, -1)"
    " FROM jobs j LEFT JOIN documents d ON d.job_id = j.id AND d.num = 1"
    " LEFT JOIN users u ON u.tenant_id = j.tenant_id AND u.id = j.user_id WHERE j.tenant_id = ?1 AND j.id = ?2");
  char           owner[64] = "", role[16] = "user", origin[16] = "", jprinter[64] = "", mode[16] = "", ranges[GW_JOB_PAGE_RANGES_MAX + 1] = "";
  int64_t        user_id = 0, pages = 0, color = 0;
  int            copies = 1, doc_pages = 0, doc_color = -1;
  bool           found, has_user = false;
  _gw_sql_step_t r;

  if (!stmt)
    return (false);

  sqlite3_bind_int64(stmt, 1, tenant);
  sqlite3_bind_text(stmt, 2, job_id, -1, SQLITE_STATIC);
  if ((found = sqlite3_step(stmt) == SQLITE_ROW) == true)
  {
    has_user = sqlite3_column_type(stmt, 0) != SQLITE_NULL;
    _gwSqlColumnsf(stmt, "lttttit", &user_id, owner, sizeof(owner), role, sizeof(role), origin, sizeof(origin), jprinter, sizeof(jprinter), &copies, mode, sizeof(mode));
    _gwSqlText(stmt, 7, ranges, sizeof(ranges));
    doc_pages = sqlite3_column_int(stmt, 8);
    doc_color = sqlite3_column_int(stmt, 9);
  }
  _gwSqlDone(stmt);
  if (!found)
    return (false);

  if (to == GW_JOB_STATE_PRINTED)
    charged_pages(doc_pages, doc_color, copies, mode, ranges, &pages, &color);

  if ((stmt = _gwSqlStmt(b, _GW_SQL_USAGE_ADD,
         "INSERT INTO print_usage (tenant_id, time, user_id, user_name, role, origin, printer, outcome, pages, color_pages)"
         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")) == NULL)
    return (false);

  sqlite3_bind_int64(stmt, 1, tenant);
  sqlite3_bind_int64(stmt, 2, (int64_t)time(NULL));
  if (has_user)
    sqlite3_bind_int64(stmt, 3, user_id);
  else
    sqlite3_bind_null(stmt, 3);
  sqlite3_bind_text(stmt, 4, owner, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 5, role, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 6, origin, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 7, printer ? printer : jprinter, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 8, to == GW_JOB_STATE_PRINTED ? "printed" : "failed", -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 9, pages);
  sqlite3_bind_int64(stmt, 10, color);
  r.rc = sqlite3_step(stmt);
  if (r.rc != SQLITE_DONE)
    _gwSqlLogError(b, "print usage");
  _gwSqlDone(stmt);

  return (r.rc == SQLITE_DONE);
}


/*
 * 'totals_row()' - One store_totals row into the totals.
 */

static void
totals_row(sqlite3_stmt *stmt, void *row)
{
  gw_store_totals_t *t = (gw_store_totals_t *)row;
  char               name[32];
  gw_job_state_t     state;

  _gwSqlText(stmt, 0, name, sizeof(name));
  if (!strncmp(name, "jobs:", 5) && gwJobStateParse(name + 5, &state))
    t->jobs[state] = sqlite3_column_int64(stmt, 1);
  else if (!strcmp(name, "spool_bytes"))
    t->spool_bytes = sqlite3_column_int64(stmt, 1);
  else if (!strcmp(name, "outbox:queued") || !strcmp(name, "outbox:sending"))
    t->outbox_queued += sqlite3_column_int64(stmt, 1);
  else if (!strcmp(name, "outbox:failed"))
    t->outbox_failed = sqlite3_column_int64(stmt, 1);
}


/*
 * '_gwSqlTotals()' - The totals: ten rows of store_totals (kept by
 *                    triggers) and the outbox's unsent rows, counted on
 *                    its (state, next_attempt) index (queued and failed
 *                    only: sent rows are never counted).
 */

bool
_gwSqlTotals(void *backend, gw_store_totals_t *totals)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  int           n = -1, rc;

  _gwSqlLock(b);
  if ((stmt = _gwSqlStmt(b, _GW_SQL_TOTALS, "SELECT name, value FROM store_totals")) != NULL)
  {
    for (n = 0; (rc = sqlite3_step(stmt)) == SQLITE_ROW; n ++)
      totals_row(stmt, totals);
    if (rc != SQLITE_DONE)
      n = -1;
    _gwSqlDone(stmt);
  }
  if (n >= 0 && (stmt = _gwSqlStmt(b, _GW_SQL_OUTBOX_BACKLOG,
        "SELECT 'outbox:' || state, count(*) FROM outbox WHERE state IN ('queued', 'sending', 'failed') GROUP BY state")) != NULL)
  {
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
      totals_row(stmt, totals);
    if (rc != SQLITE_DONE)
      n = -1;
    _gwSqlDone(stmt);
  }
  else
    n = -1;
  _gwSqlUnlock(b);

  return (n >= 0);
}


/*
 * Report queries: one statement per grouping, built from the fixed
 * fragments below (nothing from the caller goes into the SQL; the period
 * bounds are bound).  Each sums the usage rows of the period and counts
 * the jobs held now that were submitted in it; held jobs have no printer,
 * so a report by printer has none.
 */

static const struct
{
  const char *usage_key;        /* Key of a print_usage row (u) */
  const char *job_key;          /* Key of a held job (j), NULL = not counted */
} report_keys[] =
{
  { "u.user_name", "j.owner" },
  { "u.role", "coalesce((SELECT role FROM users WHERE tenant_id = j.tenant_id AND id = j.user_id), 'user')" },
  { "u.printer", NULL },
  { "u.origin", "j.origin" },
  { NULL, NULL }                /* By period: see period_key[] */
};

static const char * const period_key[] =
{
  "strftime('%Y-%m-%d', %s, 'unixepoch')",
  "date(%s, 'unixepoch', 'weekday 0', '-6 days')",
  "strftime('%Y-%m', %s, 'unixepoch')"
};


/*
 * 'report_sql()' - The SQL of a report query.  false = no such grouping.
 */

static bool
report_sql(const gw_report_query_t *q, char *sql, size_t sqlsize)
{
  char usage_key[128], job_key[256];
  int  n;

  if ((unsigned)q->by > GW_REPORT_BY_PERIOD || (unsigned)q->period > GW_REPORT_MONTH)
    return (false);

  if (q->by == GW_REPORT_BY_PERIOD)
  {
    /* The period expression with the time column put in place of %s */
    const char *p = period_key[q->period], *s = strstr(p, "%s");

    snprintf(usage_key, sizeof(usage_key), "%.*su.time%s", (int)(s - p), p, s + 2);
    snprintf(job_key, sizeof(job_key), "%.*sj.created%s", (int)(s - p), p, s + 2);
  }
  else
  {
    snprintf(usage_key, sizeof(usage_key), "%s", report_keys[q->by].usage_key);
    snprintf(job_key, sizeof(job_key), "%s", report_keys[q->by].job_key ? report_keys[q->by].job_key : "");
  }

  n = snprintf(sql, sqlsize,
               "SELECT k, sum(printed), sum(pages), sum(color), sum(failed), sum(held) FROM ("
               "SELECT %s AS k, u.outcome = 'printed' AS printed, u.pages AS pages, u.color_pages AS color,"
               " u.outcome = 'failed' AS failed, 0 AS held FROM print_usage u"
               " WHERE u.tenant_id = ?1 AND u.time >= ?2 AND u.time < ?3"
               "%s%s%s) GROUP BY k ORDER BY k LIMIT ?4",
               usage_key,
               job_key[0] ? " UNION ALL SELECT " : "", job_key,
               job_key[0] ? " AS k, 0, 0, 0, 0, 1 FROM jobs j WHERE j.state = 'held' AND j.tenant_id = ?1"
                            " AND j.created >= ?2 AND j.created < ?3" : "");

  return (n > 0 && (size_t)n < sqlsize);
}


/*
 * 'report_row()' - Copy one report row.
 */

static void
report_row(sqlite3_stmt *stmt, void *row)
{
  gw_report_row_t *r = (gw_report_row_t *)row;

  _gwSqlColumnsf(stmt, "tlllll", r->key, sizeof(r->key), &r->printed, &r->pages, &r->color_pages, &r->failed, &r->held);
}


/*
 * '_gwSqlReport()' - Up to max rows of a report, ordered by key.  The
 *                    statement is prepared for the call (not cached: one
 *                    of fifteen shapes, and reports are rare).
 */

int
_gwSqlReport(void *backend, int64_t tenant, const gw_report_query_t *q, gw_report_row_t *rows, int max)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt = NULL;
  char          sql[2048];
  int           n = -1;

  if (!report_sql(q, sql, sizeof(sql)))
    return (-1);

  _gwSqlLock(b);
  if (sqlite3_prepare_v2(b->db, sql, -1, &stmt, NULL) == SQLITE_OK)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_int64(stmt, 2, q->since);
    sqlite3_bind_int64(stmt, 3, q->until > 0 ? q->until : INT64_MAX);
    sqlite3_bind_int(stmt, 4, max);
    n = _gwSqlRows(b, stmt, report_row, rows, sizeof(gw_report_row_t), max);
  }
  else
    _gwSqlLogError(b, "report");
  sqlite3_finalize(stmt);
  _gwSqlUnlock(b);

  return (n);
}
