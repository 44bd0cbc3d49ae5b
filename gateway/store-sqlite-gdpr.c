/*
 * store-sqlite-gdpr.c - the GDPR tools' rows in the SQLite store (see
 * store.h, "GDPR and the audit query"; docs/gdpr.md): restriction of
 * processing, a user's export (one JSON object per row, built by SQLite's
 * json_object(), never a secret column), erasure in one transaction, and
 * the filtered audit query (one index per filter, keyset pages on the row
 * id, newest first).
 *
 * Arguments arrive checked by store-gdpr.c.  Every query is scoped by
 * tenant_id.  Statements here are prepared per call (the audit query's
 * text depends on its filters; the rest run rarely) and finalized.
 */

#include "store-sqlite-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_COLS "id, time, actor, action, subject, job_id, printer, pages, source, detail"

/* Every name the user goes by (?1 tenant, ?2 user id): login name, aliases, addresses; column x. */
#define NAMES "(SELECT name AS x FROM users WHERE tenant_id = ?1 AND id = ?2" \
              " UNION ALL SELECT alias FROM aliases WHERE tenant_id = ?1 AND user_id = ?2" \
              " UNION ALL SELECT address FROM addresses WHERE tenant_id = ?1 AND user_id = ?2)"
#define ADDRS "(SELECT address FROM addresses WHERE tenant_id = ?1 AND user_id = ?2)"
/* An audit row about the user: by it, about it, about one of its jobs, or naming one of its addresses. */
#define AUDIT_ABOUT "(actor IN " NAMES " OR lower(subject) IN " NAMES \
                    " OR (job_id <> '' AND job_id IN (SELECT id FROM jobs WHERE tenant_id = ?1 AND user_id = ?2))" \
                    " OR EXISTS (SELECT 1 FROM addresses a WHERE a.tenant_id = ?1 AND a.user_id = ?2 AND instr(lower(audit.detail), a.address) > 0))"
#define JBOOL(c) "json(iif(" c ", 'true', 'false'))"

/*
 * The export, one query per section: ?1 tenant, ?2 user id, ?3 cursor,
 * ?4 rows; column 0 the cursor key, column 1 the row as a JSON object.
 * Secrets (password hash, PIN, card, token, device and session HMACs,
 * wrapped keys) and sealed messages are never selected.
 */

static const char * const export_sql[GW_EXPORT_COUNT] =
{
  [GW_EXPORT_USER] =
    "SELECT id, json_object('id', id, 'name', name, 'display_name', display_name, 'role', role,"
    " 'disabled', " JBOOL("disabled") ", 'must_change_password', " JBOOL("must_change") ","
    " 'has_password', " JBOOL("password_hash IS NOT NULL") ", 'created', created,"
    " 'restricted', " JBOOL("restricted") ", 'restricted_reason', restricted_reason)"
    " FROM users WHERE tenant_id = ?1 AND id = ?2 AND id > ?3 LIMIT ?4",
  [GW_EXPORT_ALIASES] =
    "SELECT rowid, json_object('alias', alias, 'created', created) FROM aliases"
    " WHERE tenant_id = ?1 AND user_id = ?2 AND rowid > ?3 ORDER BY rowid LIMIT ?4",
  [GW_EXPORT_ADDRESSES] =
    "SELECT id, json_object('id', id, 'address', address, 'state', state, 'verified_by', verified_by,"
    " 'verified_at', verified_at, 'created', created) FROM addresses"
    " WHERE tenant_id = ?1 AND user_id = ?2 AND id > ?3 ORDER BY id LIMIT ?4",
  [GW_EXPORT_ADDRESS_TOKENS] =
    "SELECT t.id, json_object('address', a.address, 'created', t.created, 'expires', t.expires)"
    " FROM address_tokens t JOIN addresses a ON a.id = t.address_id"
    " WHERE a.tenant_id = ?1 AND a.user_id = ?2 AND t.id > ?3 ORDER BY t.id LIMIT ?4",
  [GW_EXPORT_PINS] =
    "SELECT rowid, json_object('created', created, 'expires', expires) FROM pins"
    " WHERE tenant_id = ?1 AND user_id = ?2 AND rowid > ?3 ORDER BY rowid LIMIT ?4",
  [GW_EXPORT_CARDS] =
    "SELECT rowid, json_object('created', created) FROM cards"
    " WHERE tenant_id = ?1 AND user_id = ?2 AND rowid > ?3 ORDER BY rowid LIMIT ?4",
  [GW_EXPORT_DEVICES] =
    "SELECT id, json_object('id', id, 'name', name, 'created', created, 'last_used', last_used) FROM devices"
    " WHERE tenant_id = ?1 AND user_id = ?2 AND id > ?3 ORDER BY id LIMIT ?4",
  [GW_EXPORT_SESSIONS] =
    "SELECT id, json_object('created', created, 'last_used', last_used, 'expires', expires) FROM sessions"
    " WHERE tenant_id = ?1 AND user_id = ?2 AND id > ?3 ORDER BY id LIMIT ?4",
  [GW_EXPORT_SIGNIN_CODES] =
    "SELECT rowid, json_object('address', address, 'created', created, 'expires', expires) FROM signin_codes"
    " WHERE tenant_id = ?1 AND address IN " ADDRS " AND rowid > ?3 ORDER BY rowid LIMIT ?4",
  [GW_EXPORT_LOCKOUTS] =
    "SELECT rowid, json_object('key', source, 'failures', failures, 'first_failure', first_failure,"
    " 'locked_until', locked_until) FROM lockouts l WHERE tenant_id = ?1 AND rowid > ?3 AND EXISTS"
    " (SELECT 1 FROM " NAMES " n WHERE substr(l.source, 1, length(n.x) + 7) = 'login:' || n.x || '@'"
    " OR l.source = 'signin:' || n.x OR l.source = 'signin-send:' || n.x) ORDER BY rowid LIMIT ?4",
  [GW_EXPORT_JOBS] =
    "SELECT seq, json_object('id', id, 'number', number, 'owner', owner, 'name', name, 'origin', origin,"
    " 'origin_ref', origin_ref, 'state', state, 'reason', reason, 'reason_text', reason_text, 'copies', copies,"
    " 'sides', sides, 'color_mode', color_mode, 'page_ranges', page_ranges, 'number_up', number_up,"
    " 'created', created, 'updated', updated, 'expires', expires, 'print_count', print_count, 'printer', printer,"
    " 'documents', json((SELECT json_group_array(json_object('num', num, 'format', format, 'size', size,"
    " 'pages', pages, 'color_pages', color_pages)) FROM documents d WHERE d.job_id = jobs.id)))"
    " FROM jobs WHERE tenant_id = ?1 AND user_id = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4",
  [GW_EXPORT_OUTBOX] =
    "SELECT id, json_object('id', id, 'state', state, 'sender', sender, 'recipient', recipient, 'subject', subject,"
    " 'message_id', message_id, 'attempts', attempts, 'created', created, 'updated', updated, 'last_error', last_error)"
    " FROM outbox WHERE tenant_id = ?1 AND id > ?3 AND EXISTS (SELECT 1 FROM addresses a"
    " WHERE a.tenant_id = ?1 AND a.user_id = ?2 AND instr(lower(outbox.recipient), a.address) > 0) ORDER BY id LIMIT ?4",
  [GW_EXPORT_AUDIT] =
    "SELECT id, json_object('id', id, 'time', time, 'actor', actor, 'action', action, 'subject', subject,"
    " 'job', job_id, 'printer', printer, 'pages', pages, 'source', source, 'detail', detail)"
    " FROM audit WHERE tenant_id = ?1 AND id > ?3 AND " AUDIT_ABOUT " ORDER BY id LIMIT ?4",
  [GW_EXPORT_USAGE] =
    "SELECT id, json_object('id', id, 'time', time, 'user', user_name, 'role', role, 'intake', origin,"
    " 'printer', printer, 'outcome', outcome, 'pages', pages, 'color_pages', color_pages)"
    " FROM print_usage WHERE tenant_id = ?1 AND user_id = ?2 AND id > ?3 ORDER BY id LIMIT ?4",
  [GW_EXPORT_GROUPS] =
    "SELECT m.rowid, json_object('group', g.name) FROM group_members m JOIN user_groups g ON g.id = m.group_id"
    " WHERE m.tenant_id = ?1 AND m.user_id = ?2 AND m.rowid > ?3 ORDER BY m.rowid LIMIT ?4",
  [GW_EXPORT_DELEGATES] =
    "SELECT d.rowid, json_object('owner', o.name, 'delegate', u.name, 'created', d.created) FROM delegates d"
    " JOIN users o ON o.tenant_id = d.tenant_id AND o.id = d.owner_id JOIN users u ON u.tenant_id = d.tenant_id AND u.id = d.delegate_id"
    " WHERE d.tenant_id = ?1 AND (d.owner_id = ?2 OR d.delegate_id = ?2) AND d.rowid > ?3 ORDER BY d.rowid LIMIT ?4",
  [GW_EXPORT_QUOTA_USAGE] =
    "SELECT rowid, json_object('day', day, 'pages', pages, 'color_pages', color_pages) FROM quota_usage"
    " WHERE tenant_id = ?1 AND user_id = ?2 AND rowid > ?3 ORDER BY rowid LIMIT ?4"
};


/*
 * 'prepare()' - Prepare a one-off statement.  Lock held.  NULL (logged) on error.
 */

static sqlite3_stmt *
prepare(_gw_sql_t *b, const char *sql)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2(b->db, sql, -1, &stmt, NULL) != SQLITE_OK)
  {
    _gwSqlLogError(b, "prepare");
    sqlite3_finalize(stmt);
    return (NULL);
  }

  return (stmt);
}


/*
 * 'reason_row()' - Copy column 0 (a restriction's reason).
 */

typedef struct reason_row_s
{
  char   *buf;
  size_t  bufsize;
} reason_row_t;

static void
reason_row(sqlite3_stmt *stmt, void *row)
{
  reason_row_t *r = (reason_row_t *)row;

  if (r->buf && r->bufsize)
    _gwSqlText(stmt, 0, r->buf, r->bufsize);
}


/*
 * '_gwSqlUserRestricted()' - Is the user restricted, and why.
 */

bool
_gwSqlUserRestricted(void *backend, int64_t tenant, int64_t user_id, char *reason, size_t reasonsize)
{
  reason_row_t r = { reason, reasonsize };

  return (_gwSqlRow((_gw_sql_t *)backend, _GW_SQL_USER_RESTRICTED,
                    "SELECT restricted_reason FROM users WHERE tenant_id = ?1 AND id = ?2 AND restricted <> 0",
                    tenant, NULL, user_id, reason_row, &r));
}


/*
 * '_gwSqlUserRestrict()' - Set or lift the restriction of an unerased user.
 */

bool
_gwSqlUserRestrict(void *backend, int64_t tenant, int64_t user_id, bool on, const char *reason)
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_USER_RESTRICT,
                        "UPDATE users SET restricted = ?3, restricted_reason = ?4 WHERE tenant_id = ?1 AND id = ?2 AND erased = 0",
                        "llit", tenant, user_id, on ? 1 : 0, on ? reason : ""));
}


/*
 * '_gwSqlUserExportPage()' - Up to max rows of one export section as JSON
 *                            objects joined by commas (malloc'd).
 */

int
_gwSqlUserExportPage(void *backend, int64_t tenant, int64_t user_id, gw_export_section_t section, int64_t *cursor, int max, char **text_r)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  int           n = -1, rc;
  size_t        used = 0, alloc = 0;
  char         *text = NULL, *ntext;

  *text_r = NULL;
  _gwSqlLock(b);
  if ((stmt = prepare(b, export_sql[section])) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_int64(stmt, 2, user_id);
    sqlite3_bind_int64(stmt, 3, *cursor);
    sqlite3_bind_int(stmt, 4, max);

    for (n = 0; (rc = sqlite3_step(stmt)) == SQLITE_ROW; n ++)
    {
      const char *row = (const char *)sqlite3_column_text(stmt, 1);
      size_t      len = row ? strlen(row) : 0;

      if (used + len + 2 > alloc)
      {
        alloc = (used + len + 2) * 2;
        if ((ntext = realloc(text, alloc)) == NULL)
          break;
        text = ntext;
      }
      if (n > 0)
        text[used ++] = ',';
      memcpy(text + used, row ? row : "", len);
      used += len;
      text[used] = '\0';
      *cursor = sqlite3_column_int64(stmt, 0);
    }
    if (rc != SQLITE_DONE)
    {
      _gwSqlLogError(b, "export");
      n = -1;
    }
    sqlite3_finalize(stmt);
  }
  _gwSqlUnlock(b);

  if (n <= 0)
    free(text);
  else
    *text_r = text;

  return (n);
}


/*
 * 'erase_run()' - Run one erasure statement: ?1 tenant, ?2 user id, ?3 a
 *                 text (name, alias or address), ?4 the pseudonym, ?5 now.
 *                 Lock held, in the transaction.  Returns the rows changed,
 *                 -1 on error.
 */

static int
erase_run(_gw_sql_t *b, const char *sql, int64_t tenant, int64_t user_id, const char *text, const char *pseudonym, int64_t now)
{
  sqlite3_stmt *stmt;
  int           changes = -1;

  if ((stmt = prepare(b, sql)) == NULL)
    return (-1);

  sqlite3_bind_int64(stmt, 1, tenant);
  sqlite3_bind_int64(stmt, 2, user_id);
  sqlite3_bind_text(stmt, 3, text, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 4, pseudonym, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 5, now);
  if (sqlite3_step(stmt) == SQLITE_DONE)
    changes = sqlite3_changes(b->db);
  else
    _gwSqlLogError(b, "erase");
  sqlite3_finalize(stmt);

  return (changes);
}


/*
 * 'erase_names()' - Replace each alias and address of the user (lower
 *                   case, anywhere in the text) in every audit row of the
 *                   tenant by the pseudonym.  Lock held, in the transaction.
 */

static bool
erase_names(_gw_sql_t *b, int64_t tenant, int64_t user_id, const char *pseudonym)
{
  static const char replace_sql[] =
    "UPDATE audit SET"
    " actor = iif(instr(lower(actor), ?3) > 0, replace(lower(actor), ?3, ?4), actor),"
    " subject = iif(instr(lower(subject), ?3) > 0, replace(lower(subject), ?3, ?4), subject),"
    " detail = iif(instr(lower(detail), ?3) > 0, replace(lower(detail), ?3, ?4), detail),"
    " source = iif(instr(lower(source), ?3) > 0, replace(lower(source), ?3, ?4), source)"
    " WHERE tenant_id = ?1 AND (instr(lower(actor), ?3) > 0 OR instr(lower(subject), ?3) > 0"
    " OR instr(lower(detail), ?3) > 0 OR instr(lower(source), ?3) > 0)";
  sqlite3_stmt *stmt;
  char        (*names)[256] = NULL, (*nnames)[256];
  int           count = 0, alloc = 0, rc;
  bool          ok;

  if ((stmt = prepare(b, "SELECT alias FROM aliases WHERE tenant_id = ?1 AND user_id = ?2"
                         " UNION SELECT address FROM addresses WHERE tenant_id = ?1 AND user_id = ?2")) == NULL)
    return (false);

  sqlite3_bind_int64(stmt, 1, tenant);
  sqlite3_bind_int64(stmt, 2, user_id);
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
  {
    if (count == alloc)
    {
      alloc = alloc ? alloc * 2 : 16;
      if ((nnames = realloc(names, (size_t)alloc * sizeof(names[0]))) == NULL)
        break;
      names = nnames;
    }
    _gwSqlText(stmt, 0, names[count ++], sizeof(names[0]));
  }
  ok = rc == SQLITE_DONE;
  sqlite3_finalize(stmt);

  for (int i = 0; ok && i < count; i ++)
    ok = names[i][0] && erase_run(b, replace_sql, tenant, user_id, names[i], pseudonym, 0) >= 0;
  free(names);

  return (ok);
}


/*
 * '_gwSqlUserErase()' - Erase a user in one transaction (store.h).
 */

bool
_gwSqlUserErase(void *backend, int64_t tenant, int64_t user_id, const char *pseudonym, int64_t now, int *jobs_r, const char **error_r)
{
  /*
   * In order: the audit rows about the user (found through its names, jobs
   * and addresses, so before those go), then everything that names it.
   */

  static const char * const steps[] =
  {
    "UPDATE audit SET actor = iif(actor = ?3, ?4, actor), subject = iif(lower(subject) = ?3, ?4, subject),"
    " detail = replace(detail, ?3, ?4) WHERE tenant_id = ?1 AND " AUDIT_ABOUT,
    "DELETE FROM outbox WHERE tenant_id = ?1 AND EXISTS (SELECT 1 FROM addresses a"
    " WHERE a.tenant_id = ?1 AND a.user_id = ?2 AND instr(lower(outbox.recipient), a.address) > 0)",
    "DELETE FROM lockouts WHERE tenant_id = ?1 AND EXISTS (SELECT 1 FROM " NAMES " n"
    " WHERE substr(lockouts.source, 1, length(n.x) + 7) = 'login:' || n.x || '@'"
    " OR lockouts.source = 'signin:' || n.x OR lockouts.source = 'signin-send:' || n.x)",
    "DELETE FROM signin_codes WHERE tenant_id = ?1 AND address IN " ADDRS,
    "UPDATE print_usage SET user_name = ?4 WHERE tenant_id = ?1 AND user_id = ?2",
    "DELETE FROM group_members WHERE tenant_id = ?1 AND user_id = ?2",
    "DELETE FROM delegates WHERE tenant_id = ?1 AND (owner_id = ?2 OR delegate_id = ?2)",
    "DELETE FROM sessions WHERE tenant_id = ?1 AND user_id = ?2",
    "DELETE FROM devices WHERE tenant_id = ?1 AND user_id = ?2",
    "DELETE FROM pins WHERE tenant_id = ?1 AND user_id = ?2",
    "DELETE FROM cards WHERE tenant_id = ?1 AND user_id = ?2",
    "DELETE FROM aliases WHERE tenant_id = ?1 AND user_id = ?2",
    "DELETE FROM addresses WHERE tenant_id = ?1 AND user_id = ?2",
    "UPDATE users SET name = ?4, display_name = '', password_hash = NULL, must_change = 0, disabled = 1,"
    " restricted = 0, restricted_reason = '', erased = ?5 WHERE tenant_id = ?1 AND id = ?2"
  };
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  char          name[64] = "";
  int           busy = -1, jobs = -1;
  bool          ok = false;

  *jobs_r = 0;
  _gwSqlLock(b);
  if (!_gwSqlBegin(b))
  {
    _gwSqlUnlock(b);
    *error_r = "store error";
    return (false);
  }

  /* Busy: a job of the user on its way, or a mail to it being sent (whose sender would log the address after the erasure). */
  if ((stmt = prepare(b, "SELECT name, (SELECT count(*) FROM jobs WHERE tenant_id = ?1 AND user_id = ?2"
                         " AND state IN ('receiving', 'converting', 'releasing'))"
                         " + (SELECT count(*) FROM outbox o WHERE tenant_id = ?1 AND state = 'sending' AND EXISTS (SELECT 1 FROM addresses a"
                         " WHERE a.tenant_id = ?1 AND a.user_id = ?2 AND instr(lower(o.recipient), a.address) > 0))"
                         " FROM users WHERE tenant_id = ?1 AND id = ?2 AND erased = 0")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_int64(stmt, 2, user_id);
    if (sqlite3_step(stmt) == SQLITE_ROW)
      _gwSqlColumnsf(stmt, "ti", name, sizeof(name), &busy);
    sqlite3_finalize(stmt);
  }

  if (!name[0])
    *error_r = "no such user";
  else if (busy != 0)
    *error_r = "busy";
  else if ((ok = erase_run(b, steps[0], tenant, user_id, name, pseudonym, now) >= 0 &&
                 erase_names(b, tenant, user_id, pseudonym) &&
                 (jobs = erase_run(b, "DELETE FROM jobs WHERE tenant_id = ?1 AND user_id = ?2", tenant, user_id, name, pseudonym, now)) >= 0) == true)
  {
    for (size_t i = 1; ok && i < sizeof(steps) / sizeof(steps[0]); i ++)
      ok = erase_run(b, steps[i], tenant, user_id, name, pseudonym, now) >= 0;
  }
  if (name[0] && busy == 0 && !ok)
    *error_r = "store error";

  if ((ok = _gwSqlEnd(b, ok)) == true)
  {
    *jobs_r         = jobs;
    b->shred_pending = true;             /* Checkpoint soon: no old page keeps a key or a name */
  }
  _gwSqlUnlock(b);

  return (ok);
}


/*
 * '_gwSqlAuditQuerySql()' - The SELECT of an audit query, newest first by
 *                           (time, id): ?1 tenant, ?2/?3 the cursor's id
 *                           and time (until folded in: one upper bound
 *                           keeps SQLite on the filter's index), ?5 since,
 *                           ?7 action, ?8 printer, ?9 outcome, ?10 limit,
 *                           ?11 user.
 *                           Every filter's index ends in (time, row id),
 *                           so a page is one index range read backwards
 *                           that stops at ?10, never a sort; a user is the
 *                           actor or the subject: the union of two such
 *                           ranges.  Only the filters given are in the text.
 */

bool
_gwSqlAuditQuerySql(const gw_audit_query_t *q, char *buf, size_t bufsize)
{
  char where[512];
  int  n;

  n = snprintf(where, sizeof(where), "tenant_id = ?1 AND (time, id) < (?3, ?2)%s%s%s%s",
               q->since > 0 ? " AND time >= ?5" : "",
               q->action && q->action[0] ? " AND action = ?7" : "", q->printer && q->printer[0] ? " AND printer = ?8" : "",
               q->outcome != GW_AUDIT_OUTCOME_ANY ? " AND outcome = ?9" : "");
  if (n < 0 || (size_t)n >= sizeof(where))
    return (false);

  if (q->user && q->user[0])
    n = snprintf(buf, bufsize, "SELECT * FROM (SELECT " AUDIT_COLS " FROM audit WHERE %s AND actor = ?11 ORDER BY time DESC, id DESC LIMIT ?10)"
                               " UNION SELECT * FROM (SELECT " AUDIT_COLS " FROM audit WHERE %s AND subject = ?11 ORDER BY time DESC, id DESC LIMIT ?10)"
                               " ORDER BY 2 DESC, 1 DESC LIMIT ?10", where, where);
  else
    n = snprintf(buf, bufsize, "SELECT " AUDIT_COLS " FROM audit WHERE %s ORDER BY time DESC, id DESC LIMIT ?10", where);

  return (n > 0 && (size_t)n < bufsize);
}


/*
 * '_gwSqlAuditQuery()' - One page of an audit query: the rows after the
 *                        row 'before' (0 = from the newest), newest first.
 *                        -1 when 'before' is no row of the tenant.
 */

int
_gwSqlAuditQuery(void *backend, int64_t tenant, const gw_audit_query_t *q, int64_t before, gw_audit_t *rows, int max)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  char          sql[2048];
  int64_t       before_time = INT64_MAX;
  int           n = -1;

  if (!_gwSqlAuditQuerySql(q, sql, sizeof(sql)))
    return (-1);

  _gwSqlLock(b);
  if (before > 0 && (stmt = prepare(b, "SELECT time FROM audit WHERE tenant_id = ?1 AND id = ?2")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_int64(stmt, 2, before);
    before_time = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
  }

  if (before <= 0)
    before = INT64_MAX;
  if (q->until > 0 && before_time > q->until)
  {
    /* (time, id) < (until, max): time <= until. */
    before_time = q->until;
    before      = INT64_MAX;
  }

  if (before_time >= 0 && (stmt = prepare(b, sql)) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_int64(stmt, 2, before);
    sqlite3_bind_int64(stmt, 3, before_time);
    sqlite3_bind_int64(stmt, 5, q->since);
    sqlite3_bind_text(stmt, 7, q->action ? q->action : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 8, q->printer ? q->printer : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 9, q->outcome == GW_AUDIT_OUTCOME_REFUSED ? "refused" : "ok", -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 10, max);
    sqlite3_bind_text(stmt, 11, q->user ? q->user : "", -1, SQLITE_STATIC);
    n = _gwSqlRows(b, stmt, _gwSqlAuditRow, rows, sizeof(gw_audit_t), max);
    sqlite3_finalize(stmt);
  }
  _gwSqlUnlock(b);

  return (n);
}
