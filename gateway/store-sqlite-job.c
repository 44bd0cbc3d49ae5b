/*
 * store-sqlite-job.c - jobs, their documents and the audit log in the
 * SQLite store (see store.h and docs/store.md).
 *
 * A job as callers see it (gw_job_t) is the join of its jobs row with
 * document 1.  Every state change is one transaction: check the current
 * state, update the row, shred the wrapped keys when the job can never
 * print again, and write the audit row (all but the upload's end,
 * gwStoreJobConverting(), which records the original instead).
 */

#include "store-sqlite-private.h"

#include "printgate/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOB_COLS "j.id, j.tenant_id, coalesce(j.user_id, 0), j.owner, j.name, j.origin, j.state, j.reason," \
                 " j.reason_text, coalesce(d.format, ''), coalesce(d.pages, 0), coalesce(d.color_pages, -1)," \
                 " j.copies, j.sides, j.color_mode, coalesce(d.size, 0), j.created, j.updated, j.expires," \
                 " j.print_count, j.printer, NULL, j.seq, j.page_ranges, j.number_up, coalesce(j.number, 0), j.origin_ref"
#define JOB_FROM " FROM jobs j LEFT JOIN documents d ON d.job_id = j.id AND d.num = 1"
#define AUDIT_COLS "id, time, actor, action, subject, job_id, printer, pages, source, detail"


/*
 * 'job_row()' - Copy a JOB_COLS row; returns the row's seq (for cursors).
 */

static int64_t
job_row(sqlite3_stmt *stmt, gw_job_t *job)
{
  char    state[32], reason[32];
  int64_t seq;

  /* Column 21 is NULL ('_'): a job row never carries its wrapped key (_gwSqlJobGetKey()). */
  memset(job, 0, sizeof(gw_job_t));
  _gwSqlColumnsf(stmt, "tlltttttttiiittllllit_ltiit",
                 job->id, sizeof(job->id), &job->tenant, &job->user_id, job->owner, sizeof(job->owner), job->name, sizeof(job->name),
                 job->origin, sizeof(job->origin), state, sizeof(state), reason, sizeof(reason), job->reason_text, sizeof(job->reason_text),
                 job->format, sizeof(job->format), &job->pages, &job->color_pages, &job->copies, job->sides, sizeof(job->sides),
                 job->color_mode, sizeof(job->color_mode), &job->size, &job->created, &job->updated, &job->expires, &job->print_count,
                 job->printer, sizeof(job->printer), &seq, job->page_ranges, sizeof(job->page_ranges), &job->number_up, &job->number,
                 job->origin_ref, sizeof(job->origin_ref));
  if (!gwJobStateParse(state, &job->state))
    job->state = GW_JOB_STATE_FAILED;
  if (!gwReasonParse(reason, &job->reason))
    job->reason = GW_REASON_INTERNAL;
  if (job->number_up < 1)
    job->number_up = 1;

  return (seq);
}


/*
 * 'audit_insert()' - Insert an audit row.  Lock held.
 */

static bool
audit_insert(_gw_sql_t *b, int64_t tenant, const gw_audit_t *e)
{
  return (_gwSqlRunf(b, _GW_SQL_AUDIT_ADD,
            "INSERT INTO audit (tenant_id, time, actor, action, subject, job_id, printer, pages, source, detail)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", "audit", NULL,
            "lltttttitt", tenant, e->time, e->actor, e->action, e->subject, e->job_id, e->printer, e->pages, e->source, e->detail) == SQLITE_DONE);
}


/*
 * 'audit_fill()' - Fill an audit entry for a job event.
 */

static void
audit_fill(gw_audit_t *e, const char *actor, const char *action, const char *subject, const char *job_id, const char *printer, int pages, const char *source, const char *detail)
{
  memset(e, 0, sizeof(gw_audit_t));
  e->time  = (int64_t)time(NULL);
  e->pages = pages;
  snprintf(e->actor, sizeof(e->actor), "%s", actor);
  snprintf(e->action, sizeof(e->action), "%s", action);
  snprintf(e->subject, sizeof(e->subject), "%s", subject);
  snprintf(e->job_id, sizeof(e->job_id), "%s", job_id);
  snprintf(e->printer, sizeof(e->printer), "%s", printer ? printer : "");
  snprintf(e->source, sizeof(e->source), "%s", source);
  snprintf(e->detail, sizeof(e->detail), "%s", detail);
}


/*
 * 'document_set()' - Insert or replace document 1 of a job.  Lock held.
 */

static bool
document_set(_gw_sql_t *b, const char *job_id, const char *format, int64_t size, int pages, int color_pages, const gw_wrapped_key_t *key)
{
  return (_gwSqlRunf(b, _GW_SQL_DOCUMENT_SET,
            "INSERT INTO documents (job_id, num, format, size, pages, color_pages, wrapped_key) VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6)"
            " ON CONFLICT (job_id, num) DO UPDATE SET format = excluded.format, size = excluded.size, pages = excluded.pages,"
            " color_pages = excluded.color_pages, wrapped_key = excluded.wrapped_key", "document", NULL,
            "ttliik", job_id, format, size, pages, color_pages, key) == SQLITE_DONE);
}


/*
 * 'job_insert()' - Insert the jobs row.  Lock held.  Returns the step's code.
 */

static int
job_insert(_gw_sql_t *b, const gw_job_t *job)
{
  sqlite3_stmt *stmt = _gwSqlStmt(b, _GW_SQL_JOB_ADD,
    "INSERT INTO jobs (id, tenant_id, user_id, owner, name, origin, state, reason, reason_text, copies, sides,"
    " color_mode, created, updated, expires, print_count, printer, page_ranges, number_up, number,"
    " origin_ref)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'none', '', ?8, ?9, ?10, ?11, ?11, ?12, 0, '', ?13, ?14,"
    " (SELECT value FROM counters WHERE name = 'job_number'), ?15)");
  int rc;

  if (!stmt)
    return (SQLITE_ERROR);

  sqlite3_bind_text(stmt, 1, job->id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 2, job->tenant);
  if (job->user_id > 0)
    sqlite3_bind_int64(stmt, 3, job->user_id);
  else
    sqlite3_bind_null(stmt, 3);
  sqlite3_bind_text(stmt, 4, job->owner, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 5, job->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 6, job->origin, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 7, gwJobStateString(job->state), -1, SQLITE_STATIC);
  sqlite3_bind_int(stmt, 8, job->copies);
  sqlite3_bind_text(stmt, 9, job->sides, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 10, job->color_mode, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 11, job->created);
  sqlite3_bind_int64(stmt, 12, job->expires);
  sqlite3_bind_text(stmt, 13, job->page_ranges, -1, SQLITE_STATIC);
  sqlite3_bind_int(stmt, 14, job->number_up >= 1 ? job->number_up : 1);
  sqlite3_bind_text(stmt, 15, job->origin_ref, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step(stmt)) != SQLITE_DONE && rc != SQLITE_CONSTRAINT_UNIQUE)
    _gwSqlLogError(b, "job add");
  _gwSqlDone(stmt);

  return (rc);
}


static bool original_insert(_gw_sql_t *b, const char *job_id, const gw_original_t *original);


/*
 * 'job_number_next()' - Advance the job-number counter (1 to 2^31-1, then
 *                       round again).  Lock and transaction held.
 */

static bool
job_number_next(_gw_sql_t *b)
{
  _gw_sql_step_t r;

  if (_gwSqlRunf(b, _GW_SQL_JOB_NUMBER_NEXT,
        "UPDATE counters SET value = CASE WHEN value >= 2147483647 THEN 1 ELSE value + 1 END WHERE name = 'job_number'",
        "job number", &r, "") != SQLITE_DONE)
    return (false);
  if (r.changes != 1)
    _gwSqlLogError(b, "job number");

  return (r.changes == 1);
}


/*
 * 'job_number_get()' - The number job_number_next() gave.  Lock held.
 */

static bool
job_number_get(_gw_sql_t *b, int *number)
{
  sqlite3_stmt *stmt = _gwSqlStmt(b, _GW_SQL_JOB_NUMBER_GET, "SELECT value FROM counters WHERE name = 'job_number'");
  bool          found = false;

  if (!stmt)
    return (false);
  if (sqlite3_step(stmt) == SQLITE_ROW)
  {
    *number = sqlite3_column_int(stmt, 0);
    found   = true;
  }
  _gwSqlDone(stmt);

  return (found);
}


/* The states MaxHeldJobsPerUser counts: every job that is not finished and not being released (schema_v16's triggers list them too). */
#define UNFINISHED_STATES ((1u << GW_JOB_STATE_RECEIVING) | (1u << GW_JOB_STATE_CONVERTING) | \
                           (1u << GW_JOB_STATE_QUARANTINED) | (1u << GW_JOB_STATE_HELD))


/*
 * 'count_jobs()' - Number of jobs of a tenant (and user: user_id > 0) in
 *                  the states (a mask; 0 counts none), -1 on error.  The
 *                  states are an IN list of nine parameters (NULL for a
 *                  state not asked for), so a user's count reads only the
 *                  jobs_user_state entries of those states; a user's
 *                  UNFINISHED_STATES (the held-job limit, at every
 *                  submission) is one row of user_open_jobs.  Lock held.
 */

static int64_t
count_jobs(_gw_sql_t *b, int64_t tenant, int64_t user_id, unsigned states)
{
  _gw_sql_step_t r;
  const char    *s[GW_JOB_STATE_COUNT];

  _Static_assert(GW_JOB_STATE_COUNT == 9, "the count's IN list has nine parameters");

  if (user_id && states == UNFINISHED_STATES)
  {
    /* Kept by the triggers of schema version 16 (store-sqlite-schema.c). */
    _gwSqlRunf(b, _GW_SQL_JOB_COUNT_OPEN, "SELECT coalesce((SELECT n FROM user_open_jobs WHERE tenant_id = ?1 AND user_id = ?2), 0)",
               NULL, &r, "ll", tenant, user_id);
    return (r.rc == SQLITE_ROW ? r.value : -1);
  }

  for (int i = 0; i < GW_JOB_STATE_COUNT; i ++)
    s[i] = (states & (1u << i)) ? _gwSqlStateKeyword((gw_job_state_t)i) : NULL;

  if (user_id)
    _gwSqlRunf(b, _GW_SQL_JOB_COUNT_USER, "SELECT count(*) FROM jobs WHERE tenant_id = ?1 AND user_id = ?2 AND state IN (?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
               NULL, &r, "llttttttttt", tenant, user_id, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8]);
  else
    _gwSqlRunf(b, _GW_SQL_JOB_COUNT_TENANT, "SELECT count(*) FROM jobs WHERE tenant_id = ?1 AND ?2 = 0 AND state IN (?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
               NULL, &r, "llttttttttt", tenant, user_id, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8]);

  return (r.rc == SQLITE_ROW ? r.value : -1);
}


/*
 * '_gwSqlJobCreate()' - Insert a job, its document 1 (format only, or with
 *                       a key if the caller has one) and "job.submit",
 *                       unless the user already has max_open unfinished
 *                       jobs (> 0; counted in the same transaction).
 *                       Provisional when the job is receiving: the call
 *                       waits for no fsync (store-sqlite-sync.c).  With
 *                       'original' the job is stored converting with
 *                       its original's row in a batched write
 *                       (store-sqlite-sync.c), and the call waits for the
 *                       WAL fsync as every transition does.
 */

bool
_gwSqlJobCreate(void *backend, const gw_job_t *job, const char *actor, const char *source, int max_open, const gw_original_t *original, int *number_r, const char **error_r)
{
  _gw_sql_t  *b = (_gw_sql_t *)backend;
  const char *error = "unable to record the job";
  gw_audit_t  e;
  bool        ok = false;
  int         rc;
  int64_t     open = 0;
  uint64_t    batch = 0;

  audit_fill(&e, actor, "job.submit", job->owner, job->id, NULL, 0, source, job->origin);

  _gwSqlLock(b);
  if (original ? !_gwSqlBatchBegin(b) : !_gwSqlBegin(b))
    goto done;

  if (!_gwSqlExists(b, _GW_SQL_TENANT_EXISTS, "SELECT 1 FROM tenants WHERE id = ?1", job->tenant, 0))
    error = "no such tenant";
  else if (job->user_id > 0 && !_gwSqlExists(b, _GW_SQL_USER_EXISTS, "SELECT 1 FROM users WHERE tenant_id = ?1 AND id = ?2", job->tenant, job->user_id))
    error = "no such user";
  else if (max_open > 0 && job->user_id > 0 && (open = count_jobs(b, job->tenant, job->user_id, UNFINISHED_STATES)) < 0)
    error = "unable to count the user's jobs";
  else if (max_open > 0 && job->user_id > 0 && open >= max_open)
    error = "too-many";
  else if (!job_number_next(b))
    error = "unable to number the job";
  else if ((rc = job_insert(b, job)) == SQLITE_CONSTRAINT_UNIQUE)
    error = job->origin_ref[0] ? "duplicate" : "a job with this id already exists";
  else if (rc == SQLITE_DONE)
    ok = document_set(b, job->id, job->format, job->size, job->pages, job->color_pages, NULL) &&
         (!original || original_insert(b, job->id, original)) &&
         audit_insert(b, job->tenant, &e) &&
         (!number_r || job_number_get(b, number_r));

  ok = original ? _gwSqlBatchEnd(b, ok, &batch) : _gwSqlEnd(b, ok);

  done:

  if (original)
    ok = _gwSqlBatchUnlockThen(b, batch, original->ready, original->ready_data) && ok;
  else
  {
    b->provisional = true;              /* Still receiving (store-sqlite-sync.c) */
    _gwSqlUnlock(b);
  }

  if (!ok && error_r)
    *error_r = error;

  return (ok);
}


/*
 * 'job_state()' - Current state, owner and page count of a job.  Lock held.
 *                 Returns 1 if found, 0 if not, -1 on error.
 */

static int
job_state(_gw_sql_t *b, int64_t tenant, const char *job_id, gw_job_state_t *state, char *owner, size_t ownersize, int *pages)
{
  sqlite3_stmt *stmt = _gwSqlStmt(b, _GW_SQL_JOB_STATE,
    "SELECT j.state, j.owner, coalesce(d.pages, 0)" JOB_FROM " WHERE j.tenant_id = ?1 AND j.id = ?2");
  char text[32];
  int  rc, found = -1;

  if (!stmt)
    return (-1);

  sqlite3_bind_int64(stmt, 1, tenant);
  sqlite3_bind_text(stmt, 2, job_id, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
  {
    _gwSqlText(stmt, 0, text, sizeof(text));
    _gwSqlText(stmt, 1, owner, ownersize);
    *pages = sqlite3_column_int(stmt, 2);
    found  = gwJobStateParse(text, state) ? 1 : -1;
  }
  else if (rc == SQLITE_DONE)
    found = 0;
  _gwSqlDone(stmt);

  return (found);
}



/*
 * 'job_unfinished()' - Is there such a job, in a state it can still leave
 *                      (so a document or key may still be recorded)?  Lock
 *                      and transaction held.  'provisional' (may be NULL):
 *                      set when the job is in state 'until' (nothing relies
 *                      on the write before the job leaves it: its
 *                      transition's fsync covers it, store-sqlite-sync.c).
 */

static bool
job_unfinished(_gw_sql_t *b, int64_t tenant, const char *job_id, gw_job_state_t until, bool *provisional)
{
  gw_job_state_t state;
  char           owner[64];
  int            pages;
  bool           found = job_state(b, tenant, job_id, &state, owner, sizeof(owner), &pages) == 1;

  if (provisional)
    *provisional = found && state == until;

  return (found && !gwJobStateIsTerminal(state));
}


/*
 * 'original_insert()' - Record (or replace) a job's original (document 0)
 *                       row: its size and wrapped key.  Lock held.
 */

static bool
original_insert(_gw_sql_t *b, const char *job_id, const gw_original_t *original)
{
  return (_gwSqlRunf(b, _GW_SQL_ORIGINAL_SET,
                     "INSERT INTO documents (job_id, num, format, size, pages, color_pages, wrapped_key, ring)"
                     " VALUES (?1, 0, 'application/octet-stream', ?2, 0, -1, ?3, NULLIF(?4, -1))"
                     " ON CONFLICT (job_id, num) DO UPDATE SET size = excluded.size, wrapped_key = excluded.wrapped_key, ring = excluded.ring",
                     "original", NULL, "tlkl", job_id, original->size, original->key, original->ring) == SQLITE_DONE);
}


/*
 * 'original_delete()' - Delete a job's original (document 0) row, and so
 *                       its key.  Lock held.
 */

static bool
original_delete(_gw_sql_t *b, int64_t tenant, const char *job_id)
{
  return (_gwSqlRunf(b, _GW_SQL_ORIGINAL_DROP,
                     "DELETE FROM documents WHERE num = 0 AND job_id = ?2 AND job_id IN (SELECT id FROM jobs WHERE tenant_id = ?1)",
                     "original", NULL, "lt", tenant, job_id) == SQLITE_DONE);
}

/*
 * '_gwSqlJobSetDocument()' - Record document 1 of a job that can still
 *                            print (never give a finished job a key again).
 *                            Provisional while the job converts: its move
 *                            to held waits for the fsync that covers both
 *                            (after a crash in between the job converts
 *                            again and this row is written again).
 */

bool
_gwSqlJobSetDocument(void *backend, int64_t tenant, const char *job_id, const char *format, int64_t size, int pages, int color_pages, const gw_wrapped_key_t *key)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;
  bool       ok = false;

  _gwSqlLock(b);
  if (_gwSqlBegin(b))
    ok = _gwSqlEnd(b, job_unfinished(b, tenant, job_id, GW_JOB_STATE_CONVERTING, &b->provisional) && document_set(b, job_id, format, size, pages, color_pages, key));
  _gwSqlUnlock(b);

  return (ok);
}


/*
 * 'job_row_cb()' - job_row() as a _gwSqlRow() callback.
 */

static void
job_row_cb(sqlite3_stmt *stmt, void *row)
{
  job_row(stmt, (gw_job_t *)row);
}


/*
 * '_gwSqlJobGet()' - A job by id (with document 1's format and size).
 */

bool
_gwSqlJobGet(void *backend, int64_t tenant, const char *job_id, gw_job_t *job)
{
  return (_gwSqlRow((_gw_sql_t *)backend, _GW_SQL_JOB_GET, "SELECT " JOB_COLS JOB_FROM " WHERE j.tenant_id = ?1 AND j.id = ?2",
                    tenant, job_id, 0, job_row_cb, job));
}


/*
 * '_gwSqlJobKeyedIds()' - The ids of every job (all tenants) whose document
 *                         1 has its wrapped key, in byte order: one walk of
 *                         the documents table (recovery's orphan scan;
 *                         a job-by-job look-up paged through every job
 *                         took a minute with 100,000 jobs).
 */

bool
_gwSqlJobKeyedIds(void *backend, char (**ids_r)[GW_UUID_LEN + 1], size_t *count_r)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  char        (*ids)[GW_UUID_LEN + 1] = NULL, (*grown)[GW_UUID_LEN + 1];
  size_t        count = 0, alloc = 0;
  int           rc = SQLITE_ERROR;

  _gwSqlLock(b);
  if ((stmt = _gwSqlStmt(b, _GW_SQL_JOB_KEYED_IDS, "SELECT d.job_id FROM documents d JOIN jobs j ON j.id = d.job_id"
                                                   " WHERE d.num = 1 AND length(d.wrapped_key) = 64 ORDER BY d.job_id")) != NULL)
  {
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *)sqlite3_column_text(stmt, 0);

      if (!id || strlen(id) != GW_UUID_LEN)
        continue;                      /* Not an id the spool could hold */
      if ((grown = gwArrayGrow(ids, count, &alloc, sizeof(ids[0]), 256)) == NULL)
      {
        rc = SQLITE_NOMEM;
        break;
      }
      ids = grown;
      memcpy(ids[count ++], id, GW_UUID_LEN + 1);
    }
    _gwSqlDone(stmt);
  }
  _gwSqlUnlock(b);

  if (rc != SQLITE_DONE)
  {
    free(ids);
    return (false);
  }

  *ids_r   = ids;
  *count_r = count;

  return (true);
}


/*
 * '_gwSqlJobGetKey()' - Document 1's wrapped key, if it has one.
 */

bool
_gwSqlJobGetKey(void *backend, int64_t tenant, const char *job_id, gw_wrapped_key_t *key)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  const void   *blob;
  bool          found = false;

  _gwSqlLock(b);
  if ((stmt = _gwSqlStmt(b, _GW_SQL_JOB_KEY, "SELECT d.wrapped_key FROM documents d JOIN jobs j ON j.id = d.job_id"
                                             " WHERE j.tenant_id = ?1 AND d.job_id = ?2 AND d.num = 1 AND d.wrapped_key IS NOT NULL")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_text(stmt, 2, job_id, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_bytes(stmt, 0) == GW_WRAPPED_KEY_LEN && (blob = sqlite3_column_blob(stmt, 0)) != NULL)
    {
      memcpy(key->bytes, blob, GW_WRAPPED_KEY_LEN);
      found = true;
    }
    _gwSqlDone(stmt);
  }
  _gwSqlUnlock(b);

  return (found);
}


/*
 * 'job_update_state()' - The UPDATE of a transition.  Lock held.
 */

static bool
job_update_state(_gw_sql_t *b, int64_t tenant, const char *job_id, gw_job_state_t to, gw_reason_t reason, const char *reason_text, int64_t expires, const char *printer)
{
  _gw_sql_step_t r;

  if (_gwSqlRunf(b, _GW_SQL_JOB_UPDATE_STATE,
        "UPDATE jobs SET state = ?3, reason = ?4, reason_text = ?5, updated = ?6,"
        " expires = CASE WHEN ?7 >= 0 THEN ?7 ELSE expires END,"
        " printer = coalesce(?8, printer), print_count = print_count + ?9"
        " WHERE tenant_id = ?1 AND id = ?2", "job state", &r,
        "lttttllti", tenant, job_id, gwJobStateString(to), gwReasonCode(reason), reason_text, (int64_t)time(NULL), expires, printer,
        to == GW_JOB_STATE_PRINTED ? 1 : 0) != SQLITE_DONE)
    return (false);
  if (r.changes != 1)
    _gwSqlLogError(b, "job state");

  return (r.changes == 1);
}


/*
 * 'job_shred()' - Drop the wrapped keys of every document of a job.  Lock
 *                 held.  Sets *shredded when a key was there.
 */

static bool
job_shred(_gw_sql_t *b, const char *job_id, bool *shredded)
{
  _gw_sql_step_t r;

  if (_gwSqlRunf(b, _GW_SQL_JOB_SHRED, "UPDATE documents SET wrapped_key = NULL, ring = NULL WHERE job_id = ?1 AND wrapped_key IS NOT NULL",
                 "shred", &r, "t", job_id) != SQLITE_DONE)
    return (false);
  if (r.changes > 0)
    *shredded = true;

  return (true);
}


/*
 * '_gwSqlJobTransition()' - One transaction: check the job is in 'from',
 *                           record its original's key and size when given
 *                           (receiving to converting: one commit for the
 *                           document and the state, with no audit row
 *                           when 'action' is NULL), update it, shred its
 *                           keys if 'to' is terminal,
 *                           drop its original's row when it leaves
 *                           converting for held or quarantined (the held
 *                           PDF is committed: one fsync for both), and
 *                           write the audit row.
 */

bool
_gwSqlJobTransition(void *backend, int64_t tenant, const char *job_id, gw_job_state_t from, gw_job_state_t to, gw_reason_t reason, const char *reason_text, int64_t expires, const char *printer, const char *actor, const char *source, const char *action, const gw_original_t *original, const char **error_r)
{
  _gw_sql_t      *b = (_gw_sql_t *)backend;
  const char     *error = "unable to change the job's state";
  gw_job_state_t  current;
  gw_audit_t      e;
  char            owner[64];
  int             pages = 0, found;
  bool            ok = false, shredded = false;

  _gwSqlLock(b);
  if (!_gwSqlBegin(b))
    goto done;

  if ((found = job_state(b, tenant, job_id, &current, owner, sizeof(owner), &pages)) == 0)
    error = "no such job";
  else if (found > 0 && current != from)
    error = _gwStoreMismatchMessage(current, from);
  else if (found > 0 && (!original || original_insert(b, job_id, original)) &&
           job_update_state(b, tenant, job_id, to, reason, reason_text, expires, printer) &&
           (!gwJobStateIsTerminal(to) || job_shred(b, job_id, &shredded)) &&
           (from != GW_JOB_STATE_CONVERTING || (to != GW_JOB_STATE_HELD && to != GW_JOB_STATE_QUARANTINED) || original_delete(b, tenant, job_id)) &&
           ((to != GW_JOB_STATE_PRINTED && to != GW_JOB_STATE_FAILED) || _gwSqlUsageAdd(b, tenant, job_id, to, printer)))
  {
    audit_fill(&e, actor, action ? action : "", owner, job_id, printer, pages, source, gwReasonCode(reason));
    ok = !action || audit_insert(b, tenant, &e);   /* NULL: no audit row (gwStoreJobConverting()) */
  }

  ok = _gwSqlEnd(b, ok);

  if (ok && shredded)
    b->shred_pending = true;

  done:

  _gwSqlUnlock(b);

  if (!ok && error_r)
    *error_r = error;

  return (ok);
}


/*
 * '_gwSqlJobPurge()' - Delete a job row; its documents (and keys) cascade.
 */

bool
_gwSqlJobPurge(void *backend, int64_t tenant, const char *job_id)
{
  _gw_sql_t     *b = (_gw_sql_t *)backend;
  _gw_sql_step_t r;
  bool           ok;

  _gwSqlLock(b);
  ok = _gwSqlRunf(b, _GW_SQL_JOB_PURGE, "DELETE FROM jobs WHERE tenant_id = ?1 AND id = ?2", NULL, &r, "lt", tenant, job_id) == SQLITE_DONE && r.changes == 1;
  if (ok)
    b->shred_pending = true;
  _gwSqlUnlock(b);

  return (ok);
}


/*
 * 'job_page_stmt()' - The statement of a job filter, bound.  Lock held.
 *                     The cursor is (created or expires, seq) of the last row.
 */

static sqlite3_stmt *
job_page_stmt(_gw_sql_t *b, const _gw_job_filter_t *filter, const _gw_store_cursor_t *cursor, const char *states, int max)
{
  sqlite3_stmt *stmt;

  switch (filter->query)
  {
    case _GW_JOB_QUERY_TENANT :
        if (filter->user_id)
          stmt = _gwSqlStmt(b, _GW_SQL_JOB_PAGE_USER,
                   "SELECT " JOB_COLS JOB_FROM " WHERE j.tenant_id = ?1 AND j.user_id = ?2 AND instr(?3, ',' || j.state || ',') > 0"
                   " AND (j.created, j.seq) > (?4, ?5) ORDER BY j.created, j.seq LIMIT ?6");
        else
          stmt = _gwSqlStmt(b, _GW_SQL_JOB_PAGE_TENANT,
                   "SELECT " JOB_COLS JOB_FROM " WHERE j.tenant_id = ?1 AND ?2 = 0 AND instr(?3, ',' || j.state || ',') > 0"
                   " AND (j.created, j.seq) > (?4, ?5) ORDER BY j.created, j.seq LIMIT ?6");
        break;

    case _GW_JOB_QUERY_ALL :
        stmt = _gwSqlStmt(b, _GW_SQL_JOB_PAGE_ALL,
                 "SELECT " JOB_COLS JOB_FROM " WHERE ?1 = ?2 AND instr(?3, ',' || j.state || ',') > 0"
                 " AND (j.created, j.seq) > (?4, ?5) ORDER BY j.created, j.seq LIMIT ?6");
        break;

    case _GW_JOB_QUERY_EXPIRED :
        stmt = _gwSqlStmt(b, _GW_SQL_JOB_PAGE_EXPIRED,
                 "SELECT " JOB_COLS JOB_FROM " WHERE j.expires > 0 AND j.expires <= ?1 AND ?2 = ?2"
                 " AND instr(?3, ',' || j.state || ',') > 0"
                 " AND (j.expires, j.seq) > (?4, ?5) ORDER BY j.expires, j.seq LIMIT ?6");
        break;

    default :
        return (NULL);
  }

  if (!stmt)
    return (NULL);

  sqlite3_bind_int64(stmt, 1, filter->query == _GW_JOB_QUERY_EXPIRED ? filter->now : filter->tenant);
  sqlite3_bind_int64(stmt, 2, filter->query == _GW_JOB_QUERY_TENANT ? filter->user_id : filter->tenant);
  sqlite3_bind_text(stmt, 3, states, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 4, cursor->num[0]);
  sqlite3_bind_int64(stmt, 5, cursor->num[1]);
  sqlite3_bind_int(stmt, 6, max);

  return (stmt);
}


/*
 * '_gwSqlJobPage()' - Next page of the jobs a filter selects.
 */

int
_gwSqlJobPage(void *backend, const _gw_job_filter_t *filter, _gw_store_cursor_t *cursor, gw_job_t *jobs, int max)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  char          states[128];
  int64_t       seq = 0;
  int           n = -1, rc = SQLITE_DONE;

  if (!cursor->started)
  {
    cursor->num[0]  = INT64_MIN;
    cursor->num[1]  = INT64_MIN;
    cursor->started = true;
  }

  _gwSqlStatesList(filter->states, states, sizeof(states));

  _gwSqlLock(b);
  if ((stmt = job_page_stmt(b, filter, cursor, states, max)) != NULL)
  {
    for (n = 0; n < max && (rc = sqlite3_step(stmt)) == SQLITE_ROW; n ++)
      seq = job_row(stmt, jobs + n);
    if (n < max && rc != SQLITE_DONE)
    {
      _gwSqlLogError(b, "job list");
      n = -1;
    }
    _gwSqlDone(stmt);
  }
  _gwSqlUnlock(b);

  if (n > 0)
  {
    cursor->num[0] = filter->query == _GW_JOB_QUERY_EXPIRED ? jobs[n - 1].expires : jobs[n - 1].created;
    cursor->num[1] = seq;
  }

  return (n);
}


/*
 * '_gwSqlJobCount()' - Number of jobs of a tenant (and user) in the states.
 */

int
_gwSqlJobCount(void *backend, const _gw_job_filter_t *filter)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;
  int64_t    n;

  _gwSqlLock(b);
  n = count_jobs(b, filter->tenant, filter->user_id, filter->states);
  _gwSqlUnlock(b);

  return ((int)n);
}


/* ---- Audit ------------------------------------------------------------------------ */


/*
 * '_gwSqlAuditAdd()' - Write an audit row.
 */

bool
_gwSqlAuditAdd(void *backend, int64_t tenant, const gw_audit_t *entry)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;
  bool       ok;

  _gwSqlLock(b);
  ok = audit_insert(b, tenant, entry);
  _gwSqlUnlock(b);

  return (ok);
}


/*
 * 'audit_bounds()' - First page of an audit listing: the id range
 *                    (num[0] = last id delivered, num[1] = last id to
 *                    deliver) of the newest 'limit' rows at or after
 *                    'since'.  Lock held.
 */

static bool
audit_bounds(_gw_sql_t *b, int64_t tenant, int64_t since, int limit, _gw_store_cursor_t *cursor)
{
  sqlite3_stmt *stmt;
  int           rc;

  if ((stmt = _gwSqlStmt(b, _GW_SQL_AUDIT_MAX_ID, "SELECT coalesce(max(id), 0) FROM audit WHERE tenant_id = ?1")) == NULL)
    return (false);

  sqlite3_bind_int64(stmt, 1, tenant);
  rc = sqlite3_step(stmt);
  cursor->num[1] = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
  _gwSqlDone(stmt);
  if (rc != SQLITE_ROW)
    return (false);

  cursor->num[0] = 0;
  if (limit > 0)
  {
    if ((stmt = _gwSqlStmt(b, _GW_SQL_AUDIT_MIN_ID, "SELECT id FROM audit WHERE tenant_id = ?1 AND time >= ?2 ORDER BY id DESC LIMIT 1 OFFSET ?3")) == NULL)
      return (false);

    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_int64(stmt, 2, since);
    sqlite3_bind_int(stmt, 3, limit - 1);
    if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
      cursor->num[0] = sqlite3_column_int64(stmt, 0) - 1;
    _gwSqlDone(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      return (false);
  }

  cursor->started = true;

  return (true);
}


/*
 * '_gwSqlAuditRow()' - Copy an AUDIT_COLS row (also the audit query's,
 *                    store-sqlite-gdpr.c).
 */

void
_gwSqlAuditRow(sqlite3_stmt *stmt, void *row)
{
  gw_audit_t *e = (gw_audit_t *)row;

  memset(e, 0, sizeof(gw_audit_t));
  _gwSqlColumnsf(stmt, "lltttttitt", &e->id, &e->time, e->actor, sizeof(e->actor), e->action, sizeof(e->action), e->subject, sizeof(e->subject),
                 e->job_id, sizeof(e->job_id), e->printer, sizeof(e->printer), &e->pages, e->source, sizeof(e->source), e->detail, sizeof(e->detail));
}


/*
 * '_gwSqlAuditPage()' - Next page of an audit listing, oldest first.
 */

int
_gwSqlAuditPage(void *backend, int64_t tenant, int64_t since, int limit, _gw_store_cursor_t *cursor, gw_audit_t *entries, int max)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  int           n = -1;

  _gwSqlLock(b);
  if ((cursor->started || audit_bounds(b, tenant, since, limit, cursor)) &&
      (stmt = _gwSqlStmt(b, _GW_SQL_AUDIT_PAGE,
         "SELECT " AUDIT_COLS " FROM audit WHERE tenant_id = ?1 AND time >= ?2 AND id > ?3 AND id <= ?4 ORDER BY id LIMIT ?5")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_int64(stmt, 2, since);
    sqlite3_bind_int64(stmt, 3, cursor->num[0]);
    sqlite3_bind_int64(stmt, 4, cursor->num[1]);
    sqlite3_bind_int(stmt, 5, max);
    n = _gwSqlRows(b, stmt, _gwSqlAuditRow, entries, sizeof(gw_audit_t), max);
  }
  _gwSqlUnlock(b);

  if (n > 0)
    cursor->num[0] = entries[n - 1].id;

  return (n);
}


/* ---- The original (document 0) while a job converts --------------------------- */


/*
 * '_gwSqlJobOriginalSet()' - Record the wrapped key and size of a job's
 *                            original, so a conversion interrupted by a stop
 *                            can run again at the next start.  Only for a
 *                            job that is not finished; provisional (no
 *                            fsync waited for) while it is still receiving
 *                            (store-sqlite-sync.c).
 */

bool
_gwSqlJobOriginalSet(void *backend, int64_t tenant, const char *job_id, int64_t size, const gw_wrapped_key_t *key)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;
  bool       ok = false;

  _gwSqlLock(b);
  if (_gwSqlBegin(b))
    ok = _gwSqlEnd(b, job_unfinished(b, tenant, job_id, GW_JOB_STATE_RECEIVING, &b->provisional) &&
                      original_insert(b, job_id, &(gw_original_t){ .size = size, .key = key, .ring = -1 }));
  _gwSqlUnlock(b);

  return (ok);
}


/*
 * '_gwSqlJobOriginalGet()' - Copy out the original's size and wrapped key
 *                            (false if there is none, or it was shredded).
 *                            With 'resume', only for a conversion that has
 *                            not been resumed before, and count this one:
 *                            a document that stops the gateway every time it
 *                            converts is retried once, not in a loop.  (The
 *                            original's "pages" column holds that count.)
 */

bool
_gwSqlJobOriginalGet(void *backend, int64_t tenant, const char *job_id, bool resume, int64_t *size, gw_wrapped_key_t *key)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  bool          found = false;
  int           resumed = 0;

  _gwSqlLock(b);
  if (!_gwSqlBegin(b))
  {
    _gwSqlUnlock(b);
    return (false);
  }

  if ((stmt = _gwSqlStmt(b, _GW_SQL_ORIGINAL_GET,
         "SELECT d.size, d.wrapped_key, d.pages FROM documents d JOIN jobs j ON j.id = d.job_id"
         " WHERE j.tenant_id = ?1 AND d.job_id = ?2 AND d.num = 0 AND d.wrapped_key IS NOT NULL")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_text(stmt, 2, job_id, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_bytes(stmt, 1) == GW_WRAPPED_KEY_LEN)
    {
      *size   = sqlite3_column_int64(stmt, 0);
      resumed = sqlite3_column_int(stmt, 2);
      memcpy(key->bytes, sqlite3_column_blob(stmt, 1), GW_WRAPPED_KEY_LEN);
      found = true;
    }
    _gwSqlDone(stmt);
  }

  if (found && resume)
  {
    if (resumed > 0)
      found = false;
    else if ((stmt = _gwSqlStmt(b, _GW_SQL_ORIGINAL_RESUMED, "UPDATE documents SET pages = pages + 1 WHERE job_id = ?1 AND num = 0")) != NULL)
    {
      sqlite3_bind_text(stmt, 1, job_id, -1, SQLITE_STATIC);
      found = sqlite3_step(stmt) == SQLITE_DONE;
      _gwSqlDone(stmt);
    }
    else
      found = false;
  }

  found = _gwSqlEnd(b, found);
  _gwSqlUnlock(b);

  if (!found)
    memset(key, 0, sizeof(*key));

  return (found);
}


/*
 * '_gwSqlJobOriginalRing()' - Where a job's original is: 1 (and *ring_r)
 *                             in the intake ring, 0 elsewhere or none, -1
 *                             on error.
 */

int
_gwSqlJobOriginalRing(void *backend, int64_t tenant, const char *job_id, int64_t *ring_r)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  int           found = -1, rc;

  _gwSqlLock(b);
  if ((stmt = _gwSqlStmt(b, _GW_SQL_ORIGINAL_RING,
                         "SELECT d.ring FROM documents d JOIN jobs j ON j.id = d.job_id"
                         " WHERE j.tenant_id = ?1 AND d.job_id = ?2 AND d.num = 0 AND d.wrapped_key IS NOT NULL AND d.ring IS NOT NULL")) != NULL)
  {
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_text(stmt, 2, job_id, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    {
      *ring_r = sqlite3_column_int64(stmt, 0);
      found   = 1;
    }
    else if (rc == SQLITE_DONE)
      found = 0;
    else
      _gwSqlLogError(b, "original's place");
    _gwSqlDone(stmt);
  }
  _gwSqlUnlock(b);

  return (found);
}


/*
 * '_gwSqlJobRingIterate()' - Every original in the intake ring that still
 *                            has its key, all tenants.
 */

bool
_gwSqlJobRingIterate(void *backend, gw_ring_cb_t cb, void *data)
{
  _gw_sql_t    *b = (_gw_sql_t *)backend;
  sqlite3_stmt *stmt;
  int           rc = SQLITE_ERROR;

  _gwSqlLock(b);
  if ((stmt = _gwSqlStmt(b, _GW_SQL_RING_ITERATE,
                         "SELECT ring, size FROM documents WHERE num = 0 AND ring IS NOT NULL AND wrapped_key IS NOT NULL ORDER BY ring")) != NULL)
  {
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && (*cb)(sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1), data));
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      _gwSqlLogError(b, "intake ring");
    _gwSqlDone(stmt);
  }
  _gwSqlUnlock(b);

  return (rc == SQLITE_ROW || rc == SQLITE_DONE);
}


/*
 * '_gwSqlJobOriginalsUncount()' - Forget the resume counts of every job
 *                                 still converting (all tenants): the
 *                                 gateway stopped them itself, cleanly, so
 *                                 their next start is no retry after a
 *                                 crash.  Rows changed, -1 on error.
 */

int
_gwSqlJobOriginalsUncount(void *backend)
{
  _gw_sql_t     *b = (_gw_sql_t *)backend;
  _gw_sql_step_t r;

  _gwSqlStepf(b, _GW_SQL_ORIGINAL_UNCOUNT,
              "UPDATE documents SET pages = 0 WHERE num = 0 AND pages > 0"
              " AND job_id IN (SELECT id FROM jobs WHERE state = 'converting')", "forget resume counts", &r, "");

  return (r.rc == SQLITE_DONE ? r.changes : -1);
}


/*
 * '_gwSqlJobOriginalDrop()' - Forget the original's row (and so its key);
 *                             the move to held does it in its own
 *                             transaction.
 */

bool
_gwSqlJobOriginalDrop(void *backend, int64_t tenant, const char *job_id)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;
  bool       ok;

  _gwSqlLock(b);
  ok = original_delete(b, tenant, job_id);
  _gwSqlUnlock(b);

  return (ok);
}


/*
 * '_gwSqlJobSetOptions()' - One transaction: a held job's options change
 *                           (the UPDATE matches only while it is held)
 *                           and the audit row "job.options" says to what.
 */

bool
_gwSqlJobSetOptions(void *backend, int64_t tenant, const char *job_id, const gw_job_t *o, const char *actor, const char *source)
{
  _gw_sql_t      *b = (_gw_sql_t *)backend;
  _gw_sql_step_t  r;
  gw_audit_t      e;
  gw_job_state_t  current;
  char            owner[64], detail[256];
  int             pages = 0;
  bool            ok = false;

  _gwSqlLock(b);
  if (_gwSqlBegin(b))
  {
    if (job_state(b, tenant, job_id, &current, owner, sizeof(owner), &pages) == 1 && current == GW_JOB_STATE_HELD &&
        _gwSqlRunf(b, _GW_SQL_JOB_SET_OPTIONS,
                   "UPDATE jobs SET copies = ?3, sides = ?4, color_mode = ?5, page_ranges = ?6, number_up = ?7, updated = ?8"
                   " WHERE tenant_id = ?1 AND id = ?2 AND state = ?9", "job options", &r,
                   "ltitttilt", tenant, job_id, o->copies, o->sides, o->color_mode, o->page_ranges, o->number_up, (int64_t)time(NULL),
                   gwJobStateString(GW_JOB_STATE_HELD)) == SQLITE_DONE && r.changes == 1)
    {
      snprintf(detail, sizeof(detail), "copies=%d sides=%s color=%s pages=%s number-up=%d", o->copies, o->sides, o->color_mode,
               o->page_ranges[0] ? o->page_ranges : "all", o->number_up);
      audit_fill(&e, actor, "job.options", owner, job_id, NULL, pages, source, detail);
      ok = audit_insert(b, tenant, &e);
    }
    ok = _gwSqlEnd(b, ok);
  }
  _gwSqlUnlock(b);

  return (ok);
}
