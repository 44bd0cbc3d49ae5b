/*
 * test-report.c - usage reports, store totals, CSV and the SVG chart
 * (docs/reports.md, docs/metrics.md).
 *
 * - Reports: known jobs taken through the store's transitions (printed,
 *   failed at release and at conversion, held) give exact totals by user,
 *   role, printer, intake and period; colour pages charged come from the
 *   jobs' real colour counts (monochrome charges none, page ranges and
 *   copies count, an unknown count charges every page); an empty period
 *   has no rows; a non-admin and a bad query are refused.
 * - Totals: jobs by state and spool bytes kept by the triggers equal what
 *   counting the rows gives, after transitions, purges, and after a
 *   version 9 database with jobs migrates.
 * - CSV: quoting, doubled quotes, the formula guard, a short buffer.
 * - SVG: hostile labels give well-formed XML (expat) with only svg, title,
 *   text and rect elements, the label kept as text; the checker itself
 *   rejects unescaped markup (positive control).
 */

#include "test.h"
#include "gateway-harness.h"
#include "printgate/store.h"
#include "printgate/report.h"
#include "store-private.h"

#include <expat.h>
#include <time.h>

static const gw_actor_t admin = { GW_DEFAULT_TENANT, "cli:root", GW_ROLE_ADMIN, "control:cli:root", "cli" };
static const gw_actor_t alice = { GW_DEFAULT_TENANT, "alice", GW_ROLE_USER, "192.0.2.10", "web" };

static int job_counter = 0;


/*
 * 'make_job()' - A job of 'owner' through the store's transitions to
 *                'final' (held, printed at 'printer', failed at release
 *                (printer set) or at conversion (printer NULL)), with
 *                'pages' pages of which 'color' use colour.
 */

static bool
make_job(gw_store_t *s, int64_t user_id, const char *owner, const char *origin, int pages, int color, int copies, const char *mode, const char *ranges, gw_job_state_t final, const char *printer)
{
  gw_job_t         job;
  gw_wrapped_key_t key;
  bool             ok;

  job_counter ++;
  memset(&job, 0, sizeof(job));
  memset(&key, job_counter, sizeof(key));
  snprintf(job.id, sizeof(job.id), "%08x-0000-4000-8000-%012x", (unsigned)job_counter, (unsigned)job_counter * 7u);
  job.tenant  = GW_DEFAULT_TENANT;
  job.user_id = user_id;
  job.copies  = copies;
  snprintf(job.owner, sizeof(job.owner), "%s", owner);
  snprintf(job.name, sizeof(job.name), "secret-document-%d.pdf", job_counter);
  snprintf(job.origin, sizeof(job.origin), "%s", origin);
  snprintf(job.sides, sizeof(job.sides), "one-sided");
  snprintf(job.color_mode, sizeof(job.color_mode), "%s", mode);
  snprintf(job.page_ranges, sizeof(job.page_ranges), "%s", ranges);
  snprintf(job.format, sizeof(job.format), "application/pdf");

  ok = gwStoreJobCreate(s, &job, owner, "test", NULL) &&
       gwStoreJobTransition(s, job.tenant, job.id, GW_JOB_STATE_RECEIVING, GW_JOB_STATE_CONVERTING, GW_REASON_NONE, "", -1, NULL, "system", "test", "job.convert", NULL);
  if (ok && final == GW_JOB_STATE_CONVERTING)
    return (true);
  if (ok && final == GW_JOB_STATE_FAILED && !printer)
    return (gwStoreJobTransition(s, job.tenant, job.id, GW_JOB_STATE_CONVERTING, GW_JOB_STATE_FAILED, GW_REASON_CORRUPT_DOCUMENT, "", -1, NULL, "system", "test", "job.fail", NULL));

  ok = ok && gwStoreJobSetDocument(s, job.tenant, job.id, "application/pdf", 1000, pages, color, &key) &&
       gwStoreJobTransition(s, job.tenant, job.id, GW_JOB_STATE_CONVERTING, GW_JOB_STATE_HELD, GW_REASON_NONE, "", time(NULL) + 3600, NULL, "system", "test", "job.hold", NULL);
  if (!ok || final == GW_JOB_STATE_HELD)
    return (ok);

  return (gwStoreJobTransition(s, job.tenant, job.id, GW_JOB_STATE_HELD, GW_JOB_STATE_RELEASING, GW_REASON_NONE, "", -1, printer, "alice", "test", "job.release", NULL) &&
          gwStoreJobTransition(s, job.tenant, job.id, GW_JOB_STATE_RELEASING, final, final == GW_JOB_STATE_FAILED ? GW_REASON_PRINTER_REFUSED : GW_REASON_NONE, "", -1, printer, "alice", "test", final == GW_JOB_STATE_FAILED ? "job.fail" : "job.print", NULL));
}


/* A report collected into an array */

typedef struct rows_s
{
  gw_report_row_t row[32];
  int             count;
} rows_t;

static bool
collect(const gw_report_row_t *row, void *data)
{
  rows_t *r = (rows_t *)data;

  if (r->count < 32)
    r->row[r->count ++] = *row;

  return (true);
}


/*
 * 'report()' - Run a report, the rows in r; false when refused.
 */

static bool
report(gw_system_t *sys, const gw_actor_t *actor, gw_report_by_t by, gw_report_period_t period, int64_t since, int64_t until, rows_t *r, const char **error_r)
{
  gw_report_query_t q = { by, period, since, until };

  memset(r, 0, sizeof(*r));

  return (gwApiReport(sys, actor, &q, collect, r, error_r));
}


/*
 * 'row_is()' - Is there a row 'key' with exactly these totals?
 */

static bool
row_is(const rows_t *r, const char *key, int64_t printed, int64_t pages, int64_t color, int64_t failed, int64_t held)
{
  for (int i = 0; i < r->count; i ++)
  {
    const gw_report_row_t *x = r->row + i;

    if (!strcmp(x->key, key))
    {
      if (x->printed == printed && x->pages == pages && x->color_pages == color && x->failed == failed && x->held == held)
        return (true);
      printf("    row %s: printed %lld pages %lld colour %lld failed %lld held %lld\n", key, (long long)x->printed, (long long)x->pages, (long long)x->color_pages, (long long)x->failed, (long long)x->held);
      return (false);
    }
  }
  printf("    no row %s\n", key);

  return (false);
}


/*
 * 'totals_match()' - Do the trigger-kept totals equal a count of the rows?
 */

static bool
totals_match(gw_store_t *s, const char *dbpath)
{
  gw_store_totals_t t;
  sqlite3          *db;
  sqlite3_stmt     *stmt;
  bool              ok = gwStoreTotals(s, &t);

  if (!ok || sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    return (false);
  for (int st = 0; st < GW_JOB_STATE_COUNT && ok; st ++)
  {
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM jobs WHERE state = ?1", -1, &stmt, NULL) != SQLITE_OK)
      ok = false;
    else
    {
      sqlite3_bind_text(stmt, 1, gwJobStateString((gw_job_state_t)st), -1, SQLITE_STATIC);
      if (sqlite3_step(stmt) != SQLITE_ROW || sqlite3_column_int64(stmt, 0) != t.jobs[st])
      {
        printf("    %s: totals %lld, rows %lld\n", gwJobStateString((gw_job_state_t)st), (long long)t.jobs[st], (long long)sqlite3_column_int64(stmt, 0));
        ok = false;
      }
      sqlite3_finalize(stmt);
    }
  }
  if (ok && sqlite3_prepare_v2(db, "SELECT coalesce(sum(size), 0) FROM documents WHERE wrapped_key IS NOT NULL", -1, &stmt, NULL) == SQLITE_OK)
  {
    if (sqlite3_step(stmt) != SQLITE_ROW || sqlite3_column_int64(stmt, 0) != t.spool_bytes)
    {
      printf("    spool bytes: totals %lld, rows %lld\n", (long long)t.spool_bytes, (long long)sqlite3_column_int64(stmt, 0));
      ok = false;
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);

  return (ok);
}


/* The SVG checker: expat, the names of the elements, the character data. */

typedef struct svg_check_s
{
  char elements[1024];
  char text[4096];
} svg_check_t;

static void XMLCALL
svg_start(void *data, const XML_Char *name, const XML_Char **atts)
{
  svg_check_t *c = (svg_check_t *)data;
  size_t       len = strlen(c->elements);

  (void)atts;
  snprintf(c->elements + len, sizeof(c->elements) - len, "%s ", name);
}

static void XMLCALL
svg_chars(void *data, const XML_Char *s, int len)
{
  svg_check_t *c = (svg_check_t *)data;
  size_t       used = strlen(c->text);

  snprintf(c->text + used, sizeof(c->text) - used, "%.*s", len, s);
}

static bool
svg_wellformed(const char *svg, svg_check_t *c)
{
  XML_Parser p = XML_ParserCreate("UTF-8");
  bool       ok;

  memset(c, 0, sizeof(*c));
  XML_SetUserData(p, c);
  XML_SetElementHandler(p, svg_start, NULL);
  XML_SetCharacterDataHandler(p, svg_chars);
  ok = XML_Parse(p, svg, (int)strlen(svg), 1) == XML_STATUS_OK;
  if (!ok)
    printf("    expat: %s at line %lu\n", XML_ErrorString(XML_GetErrorCode(p)), (unsigned long)XML_GetCurrentLineNumber(p));
  XML_ParserFree(p);

  return (ok);
}


/*
 * 'only_elements()' - Are all elements among svg, title, text, rect?
 */

static bool
only_elements(const char *elements)
{
  char  copy[1024], *word, *save = NULL;

  snprintf(copy, sizeof(copy), "%s", elements);
  for (word = strtok_r(copy, " ", &save); word; word = strtok_r(NULL, " ", &save))
  {
    if (strcmp(word, "svg") && strcmp(word, "title") && strcmp(word, "text") && strcmp(word, "rect"))
      return (false);
  }

  return (true);
}


/*
 * 'test_csv_svg()' - CSV quoting and the SVG chart.
 */

static void
test_csv_svg(void)
{
  gw_report_row_t row;
  char            line[256], tiny[8];
  svg_check_t     c;
  char           *svg;
  const char     *labels[] = { "</text><script>alert(1)</script>", "a & b \"q\" 'x'", "bad\xff\xfe utf8 \x01 ctl", "]]><!ENTITY x", "caf\xc3\xa9 \xe2\x82\xac", "a-very-long-printer-name-that-goes-on-and-on-and-on" };
  const int64_t   values[] = { 10, 0, 3, 7, 1, 1234567 };

  TEST_BEGIN("csv: header, plain, quoted, doubled quotes, formula guard, short buffer");
  TEST_CHECK(gwReportCsvHeader(GW_REPORT_BY_PRINTER, line, sizeof(line)) && !strcmp(line, "printer,printed,pages,color_pages,failed,held\r\n"));
  memset(&row, 0, sizeof(row));
  row.printed = 2, row.pages = 42, row.color_pages = 7, row.failed = 1, row.held = 0;
  snprintf(row.key, sizeof(row.key), "alice");
  TEST_CHECK(gwReportCsvRow(&row, line, sizeof(line)) && !strcmp(line, "alice,2,42,7,1,0\r\n"));
  snprintf(row.key, sizeof(row.key), "Lobby, 2nd floor");
  TEST_CHECK(gwReportCsvRow(&row, line, sizeof(line)) && !strcmp(line, "\"Lobby, 2nd floor\",2,42,7,1,0\r\n"));
  snprintf(row.key, sizeof(row.key), "say \"hi\"");
  TEST_CHECK(gwReportCsvRow(&row, line, sizeof(line)) && !strcmp(line, "\"say \"\"hi\"\"\",2,42,7,1,0\r\n"));
  snprintf(row.key, sizeof(row.key), "line\nbreak");
  TEST_CHECK(gwReportCsvRow(&row, line, sizeof(line)) && !strcmp(line, "\"line\nbreak\",2,42,7,1,0\r\n"));
  snprintf(row.key, sizeof(row.key), "=HYPERLINK(\"x\")");
  TEST_CHECK(gwReportCsvRow(&row, line, sizeof(line)) && !strcmp(line, "\"'=HYPERLINK(\"\"x\"\")\",2,42,7,1,0\r\n"));
  snprintf(row.key, sizeof(row.key), "@SUM(A1)");
  TEST_CHECK(gwReportCsvRow(&row, line, sizeof(line)) && !strcmp(line, "'@SUM(A1),2,42,7,1,0\r\n"));
  snprintf(row.key, sizeof(row.key), "%s", "");
  TEST_CHECK(gwReportCsvRow(&row, line, sizeof(line)) && !strcmp(line, ",2,42,7,1,0\r\n"));
  snprintf(row.key, sizeof(row.key), "alice");
  TEST_CHECK(!gwReportCsvRow(&row, tiny, sizeof(tiny)));

  TEST_BEGIN("svg: the checker rejects unescaped markup (positive control)");
  TEST_CHECK(!svg_wellformed("<svg><text>a & b</text></svg>", &c));
  TEST_CHECK(svg_wellformed("<svg><text>a</text><script>x</script></svg>", &c) && !only_elements(c.elements));

  TEST_BEGIN("svg: hostile labels stay text in well-formed XML");
  svg = gwChartBarSvg("Pages by <printer> & \"user\"", labels, values, 6);
  TEST_CHECK(svg != NULL);
  if (svg)
  {
    TEST_CHECK(svg_wellformed(svg, &c));
    TEST_CHECKF(only_elements(c.elements), "%s", c.elements);
    TEST_CHECK(strstr(c.text, "</text><script>alert(1)</script>") != NULL);   /* Shown, as text */
    TEST_CHECK(strstr(c.text, "a & b \"q\" 'x'") != NULL);
    TEST_CHECK(strstr(c.text, "bad?? utf8 ? ctl") != NULL);
    TEST_CHECK(strstr(c.text, "caf\xc3\xa9 \xe2\x82\xac") != NULL);
    TEST_CHECK(strstr(c.text, "Pages by <printer> & \"user\"") != NULL);
    TEST_CHECK(strstr(c.text, "1234567") != NULL && strstr(c.text, "...") != NULL);
    TEST_CHECK(!strstr(svg, "href") && !strstr(svg, "<script") && !strstr(svg, "url("));
    free(svg);
  }

  TEST_BEGIN("svg: no bars, and too many refused");
  svg = gwChartBarSvg("empty", NULL, NULL, 0);
  TEST_CHECK(svg != NULL && svg_wellformed(svg, &c) && only_elements(c.elements));
  free(svg);
  TEST_CHECK(gwChartBarSvg("x", labels, values, GW_CHART_MAX_BARS + 1) == NULL);
  TEST_CHECK(gwChartBarSvg("x", labels, values, -1) == NULL);
}


/*
 * 'test_migration()' - A version 9 database with jobs migrates to totals
 *                      that equal the counts.
 */

static void
test_migration(const char *dir)
{
  char        path[512];
  const char *error = NULL;
  gw_store_t *s;
  int64_t     uid = 0;

  TEST_BEGIN("totals: a version 9 database with jobs migrates to exact totals");
  snprintf(path, sizeof(path), "%s/old.db", dir);
  s = _gwStoreOpenVersion(path, NULL, 9, &error);
  TEST_CHECK(s != NULL && gwStoreSchemaVersion(s) == 9);
  if (!s)
    return;
  TEST_CHECK(gwStoreUserAdd(s, GW_DEFAULT_TENANT, "olduser", "", GW_ROLE_USER, "$argon2id$x", false, &uid, &error));
  TEST_CHECK(make_job(s, uid, "olduser", "ipp", 3, 1, 1, "auto", "", GW_JOB_STATE_HELD, NULL));
  TEST_CHECK(make_job(s, uid, "olduser", "ipp", 3, 1, 1, "auto", "", GW_JOB_STATE_HELD, NULL));
  TEST_CHECK(make_job(s, uid, "olduser", "cli", 3, 1, 1, "auto", "", GW_JOB_STATE_CONVERTING, NULL));
  gwStoreClose(&s);

  s = gwStoreOpen(path, NULL, &error);
  TEST_CHECK(s != NULL && gwStoreSchemaVersion(s) == gwStoreLatestSchemaVersion());
  if (s)
  {
    gw_store_totals_t t;

    TEST_CHECK(gwStoreTotals(s, &t) && t.jobs[GW_JOB_STATE_HELD] == 2 && t.jobs[GW_JOB_STATE_CONVERTING] == 1 && t.spool_bytes == 2000);
    TEST_CHECK(totals_match(s, path));
  }
  gwStoreClose(&s);
}


/*
 * 'main()' - Run the tests.
 */

int
main(void)
{
  char         dir[256], doc[512], dbpath[600];
  gw_system_t *sys;
  gw_store_t  *s;
  gw_user_t    a, b, g;
  rows_t       r;
  const char  *error = NULL;
  time_t       now = time(NULL);

  test_csv_svg();

  if ((sys = test_gateway_start(dir, sizeof(dir), doc, sizeof(doc), "")) == NULL)
    TEST_EXIT();
  s = gwSystemGetStore(sys);
  snprintf(dbpath, sizeof(dbpath), "%s/state/printgate.db", dir);

  TEST_BEGIN("report: known jobs");
  TEST_CHECK(gwApiUserAdd(sys, &admin, "alice", "", GW_ROLE_USER, NULL, NULL) && gwApiUserFind(sys, &admin, "alice", &a));
  TEST_CHECK(gwApiUserAdd(sys, &admin, "bob", "", GW_ROLE_USER, NULL, NULL) && gwApiUserFind(sys, &admin, "bob", &b));
  TEST_CHECK(gwApiUserAdd(sys, &admin, "gus", "", GW_ROLE_GUEST, NULL, NULL) && gwApiUserFind(sys, &admin, "gus", &g));
  /* 1: 5 pages, 2 in colour, 2 copies: 10 pages, 4 colour */
  TEST_CHECK(make_job(s, a.id, "alice", "ipp", 5, 2, 2, "auto", "", GW_JOB_STATE_PRINTED, "lobby"));
  /* 2: 4 colour pages printed in monochrome: 4 pages, 0 colour */
  TEST_CHECK(make_job(s, a.id, "alice", "mail", 4, 4, 1, "monochrome", "", GW_JOB_STATE_PRINTED, "floor2"));
  /* 3: pages 1-4 of 10, 3 in colour: 4 pages, 3 colour */
  TEST_CHECK(make_job(s, b.id, "bob", "web", 10, 3, 1, "auto", "1-4", GW_JOB_STATE_PRINTED, "lobby"));
  /* 4: colour not counted (-1), 6 pages, 3 copies: 18 pages, 18 colour */
  TEST_CHECK(make_job(s, b.id, "bob", "web", 6, -1, 3, "color", "", GW_JOB_STATE_PRINTED, "lobby"));
  /* 5: failed at the printer; 6: held; 7: failed in conversion */
  TEST_CHECK(make_job(s, g.id, "gus", "mail", 2, 2, 1, "auto", "", GW_JOB_STATE_FAILED, "floor2"));
  TEST_CHECK(make_job(s, g.id, "gus", "web", 2, 2, 1, "auto", "", GW_JOB_STATE_HELD, NULL));
  TEST_CHECK(make_job(s, a.id, "alice", "cli", 0, 0, 1, "auto", "", GW_JOB_STATE_FAILED, NULL));
  /* 8: pages 2-3,5 of 6, all colour, 2 copies: 6 pages, 6 colour */
  TEST_CHECK(make_job(s, a.id, "alice", "ipp", 6, 6, 2, "auto", "2-3,5", GW_JOB_STATE_PRINTED, "floor2"));

  /* What each grouping must give, row by row */
  {
    static const struct
    {
      gw_report_by_t by;
      int            rows;              /* Rows of the report (on the first line of each grouping) */
      const char    *key;
      int64_t        printed, pages, color, failed, held;
    } want[] =
    {
      { GW_REPORT_BY_USER, 3, "alice", 3, 20, 10, 1, 0 },
      { GW_REPORT_BY_USER, 3, "bob", 2, 22, 21, 0, 0 },
      { GW_REPORT_BY_USER, 3, "gus", 0, 0, 0, 1, 1 },
      { GW_REPORT_BY_ROLE, 2, "user", 5, 42, 31, 1, 0 },
      { GW_REPORT_BY_ROLE, 2, "guest", 0, 0, 0, 1, 1 },
      { GW_REPORT_BY_PRINTER, 3, "lobby", 3, 32, 25, 0, 0 },
      { GW_REPORT_BY_PRINTER, 3, "floor2", 2, 10, 6, 1, 0 },
      { GW_REPORT_BY_PRINTER, 3, "", 0, 0, 0, 1, 0 },        /* Failed in conversion: no printer */
      { GW_REPORT_BY_INTAKE, 4, "ipp", 2, 16, 10, 0, 0 },
      { GW_REPORT_BY_INTAKE, 4, "mail", 1, 4, 0, 1, 0 },
      { GW_REPORT_BY_INTAKE, 4, "web", 2, 22, 21, 0, 1 },
      { GW_REPORT_BY_INTAKE, 4, "cli", 0, 0, 0, 1, 0 }
    };

    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i ++)
    {
      if (i == 0 || want[i].by != want[i - 1].by)
      {
        printf("report: by %s\n", gwReportByString(want[i].by));
        TEST_CHECKF(report(sys, &admin, want[i].by, GW_REPORT_MONTH, 0, 0, &r, &error) && r.count == want[i].rows, "%d rows", r.count);
      }
      TEST_CHECKF(row_is(&r, want[i].key, want[i].printed, want[i].pages, want[i].color, want[i].failed, want[i].held), "row %s", want[i].key);
    }
  }

  TEST_BEGIN("report: by period (day, week, month)");
  {
    char      day[16], month[16];
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(day, sizeof(day), "%Y-%m-%d", &tm);
    strftime(month, sizeof(month), "%Y-%m", &tm);
    TEST_CHECK(report(sys, &admin, GW_REPORT_BY_PERIOD, GW_REPORT_DAY, 0, 0, &r, &error) && r.count == 1 && row_is(&r, day, 5, 42, 31, 2, 1));
    TEST_CHECK(report(sys, &admin, GW_REPORT_BY_PERIOD, GW_REPORT_MONTH, 0, 0, &r, &error) && r.count == 1 && row_is(&r, month, 5, 42, 31, 2, 1));
    TEST_CHECK(report(sys, &admin, GW_REPORT_BY_PERIOD, GW_REPORT_WEEK, 0, 0, &r, &error) && r.count == 1);
    tm.tm_mday -= (tm.tm_wday + 6) % 7;          /* The Monday */
    tm.tm_hour  = 12;
    {
      time_t monday = timegm(&tm);

      gmtime_r(&monday, &tm);
      strftime(day, sizeof(day), "%Y-%m-%d", &tm);
      TEST_CHECKF(r.count == 1 && !strcmp(r.row[0].key, day), "%s vs %s", r.count ? r.row[0].key : "", day);
    }
  }

  TEST_BEGIN("report: bounds, refusals");
  TEST_CHECK(report(sys, &admin, GW_REPORT_BY_USER, GW_REPORT_MONTH, now + 86400, 0, &r, &error) && r.count == 0);
  TEST_CHECK(report(sys, &admin, GW_REPORT_BY_USER, GW_REPORT_MONTH, 0, now - 86400, &r, &error) && r.count == 0);
  TEST_CHECK(report(sys, &admin, GW_REPORT_BY_USER, GW_REPORT_MONTH, now - 60, now + 60, &r, &error) && r.count == 3);
  error = NULL;
  TEST_CHECK(!report(sys, &admin, GW_REPORT_BY_USER, GW_REPORT_MONTH, now, now, &r, &error) && error);
  TEST_CHECK(!report(sys, &admin, (gw_report_by_t)9, GW_REPORT_MONTH, 0, 0, &r, &error));
  error = NULL;
  TEST_CHECK(!report(sys, &alice, GW_REPORT_BY_USER, GW_REPORT_MONTH, 0, 0, &r, &error) && error && !strcmp(error, "permission denied") && r.count == 0);

  TEST_BEGIN("report: parsing names");
  {
    gw_report_by_t     by;
    gw_report_period_t period;

    TEST_CHECK(gwReportByParse("group", &by) && by == GW_REPORT_BY_ROLE);
    TEST_CHECK(gwReportByParse("intake", &by) && by == GW_REPORT_BY_INTAKE && !gwReportByParse("users", &by) && !gwReportByParse(NULL, &by));
    TEST_CHECK(gwReportPeriodParse("week", &period) && period == GW_REPORT_WEEK && !gwReportPeriodParse("year", &period));
  }

  TEST_BEGIN("totals: kept exact by the triggers");
  TEST_CHECK(totals_match(s, dbpath));
  {
    gw_store_totals_t t;

    TEST_CHECK(gwStoreTotals(s, &t) && t.jobs[GW_JOB_STATE_PRINTED] == 5 && t.jobs[GW_JOB_STATE_HELD] == 1 && t.jobs[GW_JOB_STATE_FAILED] == 2);
    TEST_CHECKF(t.spool_bytes == 6000, "%lld", (long long)t.spool_bytes);   /* The held job and the printed ones (purged later) have keys */
  }
  TEST_CHECK(make_job(s, a.id, "alice", "ipp", 1, 0, 1, "auto", "", GW_JOB_STATE_HELD, NULL));
  TEST_CHECK(totals_match(s, dbpath));
  {
    char id[GW_UUID_LEN + 1];
    gw_store_totals_t t;

    snprintf(id, sizeof(id), "%08x-0000-4000-8000-%012x", (unsigned)job_counter, (unsigned)job_counter * 7u);
    TEST_CHECK(gwStoreJobPurge(s, GW_DEFAULT_TENANT, id));
    TEST_CHECK(gwStoreTotals(s, &t) && t.jobs[GW_JOB_STATE_HELD] == 1 && t.spool_bytes == 6000);
    TEST_CHECK(totals_match(s, dbpath));
  }

  TEST_BEGIN("report: no document name in the store's report rows");
  {
    sqlite3      *db;
    sqlite3_stmt *stmt;
    int           named = -1;

    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
    {
      if (sqlite3_prepare_v2(db, "SELECT count(*) FROM print_usage u JOIN jobs j ON instr(u.user_name || u.origin || u.printer || u.role, j.name) > 0", -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
        named = sqlite3_column_int(stmt, 0);
      sqlite3_finalize(stmt);
      sqlite3_close(db);
    }
    TEST_CHECK(named == 0);
  }

  gwSystemDelete(&sys);
  test_migration(dir);
  test_rmtree(dir);

  TEST_EXIT();
}
