/*
 * test-gdpr.c - the GDPR calls and the audit query of printgate/api.h on a
 * real gateway (docs/gdpr.md):
 *  - restriction: only an admin sets it, with a one-line reason; then the
 *    user's submission through every front-end (mail, web, IPP, CLI
 *    actors) is refused with GW_REASON_RESTRICTED and the reason in the
 *    sentence, bob's is not (positive control), and lifting it restores
 *    service;
 *  - erasure and export: only an admin erases, never itself; a user may
 *    export its own data but not another's; an erasure while one of the
 *    user's jobs is being received is refused and leaves the user as it
 *    was (not restricted), then, the job gone, it works: the name is free,
 *    the pseudonym a disabled user that cannot submit;
 *  - the audit query: filters (user as actor or subject, action, printer,
 *    outcome, since/until) give exactly the rows a brute-force filter of
 *    all rows gives, newest first (by time, then id: rows written out of
 *    time order, as a clock set back writes them, are no exception);
 *    keyset pages of 7 walk them without a gap or a repeat and end with
 *    cursor 0; bad queries, an unknown cursor and non-admins are refused;
 *    the CSV of a query (gwApiAuditCsv()) has the header and one line per
 *    matching row, or limit of them;
 *  - the query plans: for every combination of filters, the SQL the store
 *    runs (EXPLAIN QUERY PLAN) never scans the audit table (nor searches
 *    it by tenant alone), never sorts the matching rows (the index gives
 *    the order), and with an equality filter each search uses the index of
 *    one of the filters given; positive control: with the action index
 *    dropped, the action query is caught.
 */

#include "test.h"
#include "gateway-harness.h"
#include "store-sqlite-private.h"
#include "printgate/text.h"

#include <sqlite3.h>

static const gw_actor_t admin = { GW_DEFAULT_TENANT, "cli:root", GW_ROLE_ADMIN, "control:cli:root", "cli" };
static const gw_actor_t alice = { GW_DEFAULT_TENANT, "alice", GW_ROLE_USER, "192.0.2.10", "web" };
static const gw_actor_t root  = { GW_DEFAULT_TENANT, "root", GW_ROLE_ADMIN, "192.0.2.1", "web" };

typedef struct rows_s           /* Audit rows a query handed out */
{
  int64_t ids[4096];
  int64_t last_time;
  int     count;
  bool    ordered;              /* Newest first (time, then id) throughout */
} rows_t;

static bool
write_nothing(const void *bytes, size_t len, void *data)
{
  (void)bytes; (void)len; (void)data;
  return (true);
}

static bool
buffer_write(const void *bytes, size_t len, void *data)
{
  gwBufferAdd((gw_buffer_t *)data, bytes, len);
  return (!((gw_buffer_t *)data)->failed);
}

static int
count_lines(const char *text)
{
  int n = 0;

  for (; text && *text; text ++)
    n += *text == '\n';
  return (n);
}

static bool
rows_cb(const gw_audit_t *a, void *data)
{
  rows_t *r = (rows_t *)data;

  if (r->count > 0 && (a->time > r->last_time || (a->time == r->last_time && a->id >= r->ids[r->count - 1])))
    r->ordered = false;
  r->last_time = a->time;
  if (r->count < 4096)
    r->ids[r->count ++] = a->id;
  return (true);
}


/*
 * 'submit_as()' - Begin a submission as 'a' for 'user' (then abort it):
 *                 true if it was taken, else the reason and sentence.
 */

static bool
submit_as(gw_system_t *sys, const gw_actor_t *a, const char *user, gw_reason_t *reason, char *text, size_t textsize)
{
  gw_submission_t *sub = gwApiJobSubmit(sys, a, user, "doc.pdf", NULL, 100, reason, text, textsize);

  if (!sub)
    return (false);
  gwSubmissionAbort(&sub, GW_REASON_CANCELLED);
  return (true);
}


/*
 * 'query_all()' - Run a query in pages of 'page' rows, following the
 *                 cursor; every id into r (ordered across pages).
 */

static bool
query_all(gw_system_t *sys, gw_audit_query_t q, int page, rows_t *r)
{
  int64_t next = 0;
  int     pages = 0;

  memset(r, 0, sizeof(*r));
  r->ordered = true;
  q.limit    = page;
  do
  {
    if (!gwApiAuditQuery(sys, &admin, &q, rows_cb, r, &next, NULL) || ++ pages > 1000)
      return (false);
    q.after = next;
  }
  while (next > 0);

  return (true);
}


/*
 * 'expected()' - The ids of the rows a query must give, by brute force
 *                over the table (newest first), or -1.
 */

static int
expected(sqlite3 *db, const gw_audit_query_t *q, int64_t *ids, int max)
{
  sqlite3_stmt *stmt;
  int           n = 0;

  if (sqlite3_prepare_v2(db, "SELECT id FROM audit WHERE (?1 = '' OR actor = ?1 OR subject = ?1) AND (?2 = '' OR action = ?2)"
                             " AND (?3 = '' OR printer = ?3) AND (?4 = 0 OR time >= ?4) AND (?5 = 0 OR time <= ?5)"
                             " AND (?6 = 0 OR (?6 = 2) = (action LIKE '%.fail' OR action LIKE '%.refuse' OR action LIKE '%.reject' OR action LIKE '%.locked'))"
                             " ORDER BY time DESC, id DESC", -1, &stmt, NULL) != SQLITE_OK)
    return (-1);
  sqlite3_bind_text(stmt, 1, q->user ? q->user : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, q->action ? q->action : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 3, q->printer ? q->printer : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 4, q->since);
  sqlite3_bind_int64(stmt, 5, q->until);
  sqlite3_bind_int(stmt, 6, (int)q->outcome);
  while (n < max && sqlite3_step(stmt) == SQLITE_ROW)
    ids[n ++] = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);

  return (n);
}


/*
 * 'plan_ok()' - EXPLAIN QUERY PLAN of the query's SQL: no "SCAN audit",
 *               and with an equality filter every search of audit uses
 *               the index of one of the filters given.  Prints the plan
 *               when it is not.
 */

static bool
plan_ok(sqlite3 *db, const gw_audit_query_t *q)
{
  char          sql[2200], plan[2048] = "", allowed[128] = "";
  sqlite3_stmt *stmt;
  bool          ok = true, equality = false;

  snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN ");
  if (!_gwSqlAuditQuerySql(q, sql + strlen(sql), sizeof(sql) - strlen(sql)) || sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return (false);

  if (q->user)    { equality = true; strncat(allowed, " audit_actor audit_subject", sizeof(allowed) - strlen(allowed) - 1); }
  if (q->action)  { equality = true; strncat(allowed, " audit_action", sizeof(allowed) - strlen(allowed) - 1); }
  if (q->printer) { equality = true; strncat(allowed, " audit_printer", sizeof(allowed) - strlen(allowed) - 1); }
  if (q->outcome) { equality = true; strncat(allowed, " audit_outcome", sizeof(allowed) - strlen(allowed) - 1); }

  while (sqlite3_step(stmt) == SQLITE_ROW)
  {
    const char *detail = (const char *)sqlite3_column_text(stmt, 3);
    const char *index;
    char        name[64];

    snprintf(plan + strlen(plan), sizeof(plan) - strlen(plan), "    %s\n", detail);
    if (!strncmp(detail, "SCAN audit", 10) || (!strncmp(detail, "SEARCH audit", 12) && strstr(detail, "(tenant_id=?)")))
      ok = false;                   /* The whole table (one tenant: an index on the tenant alone is no better) */
    else if (strstr(detail, "TEMP B-TREE") && !q->user)
      ok = false;                   /* A sort of every matching row (the user's union sorts two pages only) */
    else if (!strncmp(detail, "SEARCH audit", 12) && equality)
    {
      if ((index = strstr(detail, "INDEX ")) == NULL || sscanf(index + 6, "%63s", name) != 1 || !strstr(allowed, name))
        ok = false;
    }
  }
  sqlite3_finalize(stmt);

  if (!ok)
    printf("  plan of%s:\n%s", allowed, plan);
  return (ok);
}


int
main(void)
{
  static const char * const actions[] = { "job.submit", "job.print", "pin.fail", "job.refuse", "login.fail", "user.add" };
  static const char * const users[] = { "alice", "bob", "carol", "system" };
  static const char * const printers[] = { "", "lobby", "floor2" };
  char             dir[256], doc[1024], text[512], path[600], reason[256];
  const char      *error = NULL;
  gw_system_t     *sys;
  gw_reason_t      why;
  gw_audit_query_t q;
  sqlite3         *db = NULL;
  static rows_t    rows;
  static int64_t   want[4096];
  int              n, combos_ok = 0;

  TEST_BEGIN("a gateway with alice, bob and an admin user root");
  if ((sys = test_gateway_start(dir, sizeof(dir), doc, sizeof(doc), "")) == NULL)
    TEST_EXIT();
  TEST_CHECK(gwApiUserAdd(sys, &admin, "alice", "Alice", GW_ROLE_USER, NULL, &error) && gwApiUserAdd(sys, &admin, "bob", "", GW_ROLE_USER, NULL, &error) &&
             gwApiUserAdd(sys, &admin, "root", "", GW_ROLE_ADMIN, NULL, &error));

  TEST_BEGIN("restriction: admin only, a one-line reason");
  TEST_CHECK(!gwApiUserRestrict(sys, &alice, "alice", true, "no", &error) && !strcmp(error, "permission denied"));
  TEST_CHECK(!gwApiUserRestrict(sys, &admin, "alice", true, "", &error) && strstr(error, "reason"));
  TEST_CHECK(!gwApiUserRestrict(sys, &admin, "alice", true, "two\nlines", &error) && strstr(error, "reason"));
  TEST_CHECK(!gwApiUserRestrict(sys, &admin, "nobody", true, "x", &error) && strstr(error, "no such user"));
  TEST_CHECK(submit_as(sys, &admin, "alice", &why, text, sizeof(text)));            /* Positive control, before */
  TEST_CHECK(gwApiUserRestrict(sys, &admin, "alice", true, "GDPR Art. 18 request 7", &error));
  TEST_CHECK(gwApiUserRestricted(sys, &alice, "alice", reason, sizeof(reason)) && !strcmp(reason, "GDPR Art. 18 request 7"));

  TEST_BEGIN("restriction: every front-end's submission of hers is refused with the reason; bob's is not");
  {
    static const char * const frontends[] = { "mail", "web", "ipp", "cli" };

    for (size_t i = 0; i < 4; i ++)
    {
      gw_actor_t a = admin;

      a.frontend = frontends[i];
      TEST_CHECKF(!submit_as(sys, &a, "alice", &why, text, sizeof(text)) && why == GW_REASON_RESTRICTED && strstr(text, "GDPR Art. 18 request 7") &&
                  strstr(text, "restricted"), "%s: %s", frontends[i], text);
    }
    TEST_CHECK(!submit_as(sys, &alice, NULL, &why, text, sizeof(text)) && why == GW_REASON_RESTRICTED);
    TEST_CHECK(submit_as(sys, &admin, "bob", &why, text, sizeof(text)));
    TEST_CHECK(!strcmp(gwReasonCode(GW_REASON_RESTRICTED), "restricted"));
  }
  TEST_CHECK(gwApiUserRestrict(sys, &admin, "alice", false, NULL, &error) && !gwApiUserRestricted(sys, &admin, "alice", NULL, 0));
  TEST_CHECK(submit_as(sys, &alice, NULL, &why, text, sizeof(text)));

  TEST_BEGIN("erasure and export: who may");
  TEST_CHECK(!gwApiUserErase(sys, &alice, "bob", NULL, 0, &error) && !strcmp(error, "permission denied"));
  TEST_CHECK(!gwApiUserErase(sys, &root, "root", NULL, 0, &error) && strstr(error, "itself"));
  TEST_CHECK(!gwApiUserErase(sys, &admin, "nobody", NULL, 0, &error) && strstr(error, "no such user"));
  TEST_CHECK(!gwApiUserExport(sys, &alice, "bob", write_nothing, NULL, &error) && strstr(error, "no such user"));

  TEST_BEGIN("erasure waits for a job being received; the refusal leaves the user as it was");
  {
    gw_submission_t *sub = gwApiJobSubmit(sys, &admin, "bob", "doc.pdf", NULL, 100, &why, text, sizeof(text));
    char             pseudonym[64] = "";
    gw_user_t        user;

    TEST_CHECK(sub != NULL);
    TEST_CHECK(!gwApiUserErase(sys, &admin, "bob", pseudonym, sizeof(pseudonym), &error) && strstr(error, "try again"));
    TEST_CHECK(gwApiUserFind(sys, &admin, "bob", &user) && !gwApiUserRestricted(sys, &admin, "bob", NULL, 0));
    gwSubmissionAbort(&sub, GW_REASON_CANCELLED);
    TEST_CHECK(gwApiUserErase(sys, &admin, "bob", pseudonym, sizeof(pseudonym), &error) && !strncmp(pseudonym, "erased-", 7));
    TEST_CHECK(!gwApiUserFind(sys, &admin, "bob", &user) && gwApiUserFind(sys, &admin, pseudonym, &user) && user.disabled && !user.display_name[0]);
    TEST_CHECK(!submit_as(sys, &admin, pseudonym, &why, text, sizeof(text)) && why == GW_REASON_UNKNOWN_USER);
  }

  TEST_BEGIN("the audit query: filters match a brute-force filter, pages walk every row once");
  snprintf(path, sizeof(path), "%s/state/printgate.db", dir);
  TEST_CHECK(sqlite3_open(path, &db) == SQLITE_OK && sqlite3_busy_timeout(db, 5000) == SQLITE_OK);
  {
    /* 2,400 rows at known times (1000 + i), spread over users, actions and printers. */
    sqlite3_stmt *stmt = NULL;

    TEST_CHECK(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK &&
               sqlite3_prepare_v2(db, "INSERT INTO audit (tenant_id, time, actor, action, subject, printer) VALUES (1, ?1, ?2, ?3, ?4, ?5)", -1, &stmt, NULL) == SQLITE_OK);
    for (int i = 0; stmt && i < 2400; i ++)
    {
      sqlite3_bind_int64(stmt, 1, 1000 + i);
      sqlite3_bind_text(stmt, 2, users[i % 4], -1, SQLITE_STATIC);
      sqlite3_bind_text(stmt, 3, actions[i % 6], -1, SQLITE_STATIC);
      sqlite3_bind_text(stmt, 4, users[(i / 4) % 4], -1, SQLITE_STATIC);
      sqlite3_bind_text(stmt, 5, printers[i % 3], -1, SQLITE_STATIC);
      sqlite3_step(stmt);
      sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    TEST_CHECK(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
  }

  for (int mask = 0; mask < 64; mask ++)
  {
    memset(&q, 0, sizeof(q));
    q.user    = mask & 1 ? "alice" : NULL;
    q.action  = mask & 2 ? "pin.fail" : NULL;
    q.printer = mask & 4 ? "lobby" : NULL;
    q.outcome = mask & 8 ? GW_AUDIT_OUTCOME_REFUSED : GW_AUDIT_OUTCOME_ANY;   /* (ok is tested below) */
    q.since   = mask & 16 ? 1100 : 0;
    q.until   = mask & 32 ? 1450 : 0;
    n = expected(db, &q, want, 4096);
    if (query_all(sys, q, 7, &rows) && rows.ordered && rows.count == n && n >= 0 && !memcmp(rows.ids, want, (size_t)n * sizeof(int64_t)) && plan_ok(db, &q))
      combos_ok ++;
    else
      printf("  filters %d: %d rows, %d expected, ordered %d\n", mask, rows.count, n, rows.ordered);
  }
  TEST_CHECKF(combos_ok == 64, "%d of 64 filter combinations right", combos_ok);

  memset(&q, 0, sizeof(q));
  q.outcome = GW_AUDIT_OUTCOME_OK;
  q.action  = "job.print";
  TEST_CHECK(query_all(sys, q, 1000, &rows) && rows.count == 400);                 /* 2,400 / 6 */
  q.action  = NULL;
  q.outcome = GW_AUDIT_OUTCOME_ANY;
  q.user    = "carol";
  q.until   = 1003;
  TEST_CHECK(query_all(sys, q, 1, &rows) && rows.count == 1);                      /* 1000-1003: actors alice, bob, carol, system; subject alice */

  TEST_BEGIN("the audit CSV for a console: every matching row over several pages, or limit of them");
  {
    gw_buffer_t out;

    memset(&q, 0, sizeof(q));
    q.action = "job.print";
    memset(&out, 0, sizeof(out));
    TEST_CHECK(gwApiAuditCsv(sys, &admin, &q, buffer_write, &out, &error) && count_lines(out.data) == 1 + 400 && !strncmp(out.data, "id,time,", 8));
    free(out.data);
    memset(&q, 0, sizeof(q));                       /* All 2,400 + the gateway's own: three pages of 1,000 */
    memset(&out, 0, sizeof(out));
    n = expected(db, &q, want, 4096);
    TEST_CHECKF(gwApiAuditCsv(sys, &admin, &q, buffer_write, &out, &error) && count_lines(out.data) == 1 + n, "%d lines, %d rows", count_lines(out.data), n);
    free(out.data);
    q.limit = 7;
    memset(&out, 0, sizeof(out));
    TEST_CHECK(gwApiAuditCsv(sys, &admin, &q, buffer_write, &out, &error) && count_lines(out.data) == 1 + 7);
    free(out.data);
    memset(&out, 0, sizeof(out));
    TEST_CHECK(!gwApiAuditCsv(sys, &alice, &q, buffer_write, &out, &error) && !strcmp(error, "permission denied") && out.len == 0);
  }

  TEST_BEGIN("the audit query: bad queries and non-admins are refused");
  memset(&q, 0, sizeof(q));
  q.limit = 0;
  TEST_CHECK(!gwApiAuditQuery(sys, &admin, &q, rows_cb, &rows, NULL, &error) && strstr(error, "limit"));
  q.limit = GW_AUDIT_QUERY_MAX + 1;
  TEST_CHECK(!gwApiAuditQuery(sys, &admin, &q, rows_cb, &rows, NULL, &error));
  q.limit = 10;
  q.after = -1;
  TEST_CHECK(!gwApiAuditQuery(sys, &admin, &q, rows_cb, &rows, NULL, &error));
  q.after = 999999;
  TEST_CHECK(!gwApiAuditQuery(sys, &admin, &q, rows_cb, &rows, NULL, &error));
  q.after = 0;
  TEST_CHECK(!gwApiAuditQuery(sys, &alice, &q, rows_cb, &rows, NULL, &error) && !strcmp(error, "permission denied"));

  gwSystemDelete(&sys);

  TEST_BEGIN("positive control: without the action index the action query's plan is caught");
  memset(&q, 0, sizeof(q));
  q.action = "pin.fail";
  TEST_CHECK(db && plan_ok(db, &q));
  TEST_CHECK(db && sqlite3_exec(db, "DROP INDEX audit_action", NULL, NULL, NULL) == SQLITE_OK && !plan_ok(db, &q));
  sqlite3_close(db);

  test_rmtree(dir);
  TEST_EXIT();
}
