/*
 * api-gdpr.c - the GDPR tools of the public API (api.h, "GDPR and the
 * audit query"; docs/gdpr.md): right of access (export), erasure,
 * restriction of processing, and the filtered audit query.
 *
 * Who may: export = admin or the user itself; erase and restrict = admin;
 * audit query = admin.  The roles change (helpdesk, auditor) widens these
 * in the checks below, nowhere else.
 */

#include "api-private.h"
#include "printgate/spool.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPORT_PAGE 256                 /* Rows per export page */

typedef struct job_ids_s                /* The erased user's job ids (collect_job()) */
{
  char (*ids)[GW_UUID_LEN + 1];
  int    count, alloc;
} job_ids_t;


/*
 * '_gwSystemRestricted()' - Refuse a restricted user's submission.
 */

bool
_gwSystemRestricted(gw_system_t *sys, int64_t tenant, const gw_user_t *user, const char *origin, gw_reason_t *reason_r, char *text, size_t textsize)
{
  char reason[256];

  if (!gwStoreUserRestricted(sys->store, tenant, user->id, reason, sizeof(reason)))
    return (false);

  *reason_r = GW_REASON_RESTRICTED;
  snprintf(text, textsize, "Processing of %s's documents is restricted (%s); new jobs and mail are refused until an administrator lifts the restriction.", user->name, reason);
  _gwSystemAudit(sys, tenant, user->name, "job.refuse", user->name, NULL, NULL, 0, origin, gwReasonCode(GW_REASON_RESTRICTED));

  return (true);
}


/*
 * 'write_text()' - Write a NUL-terminated string.
 */

static bool
write_text(gw_write_cb_t write, void *data, const char *text)
{
  return ((*write)(text, strlen(text), data));
}


/*
 * 'export_section()' - Write one section: "name":[rows] (the user: "user":{row}).
 */

static bool
export_section(gw_system_t *sys, int64_t tenant, int64_t user_id, gw_export_section_t section, gw_write_cb_t write, void *data)
{
  char    head[64];
  char   *text;
  int64_t cursor = 0;
  int     n = 0, page = section == GW_EXPORT_USER ? 1 : EXPORT_PAGE;
  bool    ok, first = true;

  snprintf(head, sizeof(head), ",\"%s\":%s", gwStoreExportSectionName(section), section == GW_EXPORT_USER ? "" : "[");
  ok = write_text(write, data, head);

  /* A short page is the last: the next would only read the table again to find nothing. */
  while (ok && (n = gwStoreUserExportPage(sys->store, tenant, user_id, section, &cursor, page, &text)) > 0)
  {
    ok = (first || write_text(write, data, ",")) && write_text(write, data, text);
    first = false;
    free(text);
    if (n < page)
      break;
  }
  if (n < 0)
    ok = false;

  return (ok && write_text(write, data, section != GW_EXPORT_USER ? "]" : first ? "null" : ""));
}


/*
 * 'gwApiUserExport()' - Everything held about one user, as JSON.
 */

bool
gwApiUserExport(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_write_cb_t write, void *data, const char **error_r)
{
  gw_user_t user;
  char      head[128];
  bool      ok;

  if (!sys || !write || !_gwApiActorValid(actor))
  {
    _gwApiError(error_r, "permission denied");
    return (false);
  }
  if (!_gwApiUserVisible(sys, actor, name, &user))
  {
    _gwApiError(error_r, "no such user");
    return (false);
  }

  /* Audited first: the export happened even if the reader goes away half-way. */
  _gwApiAudit(sys, actor, "user.export", user.name, NULL, NULL, 0, "");

  snprintf(head, sizeof(head), "{\"format\":\"printgate-user-export/1\",\"exported\":%" PRId64 ",\"tenant\":%" PRId64, (int64_t)time(NULL), actor->tenant);
  ok = write_text(write, data, head);
  for (int s = GW_EXPORT_USER; ok && s < GW_EXPORT_COUNT; s ++)
    ok = export_section(sys, actor->tenant, user.id, (gw_export_section_t)s, write, data);
  ok = ok && write_text(write, data, "}");

  if (!ok)
    _gwApiError(error_r, "the export was cut short");

  return (ok);
}


/*
 * 'collect_job()' - Remember a job id (gwStoreJobIterate() callback).
 */

static bool
collect_job(const gw_job_t *job, void *data)
{
  job_ids_t *j = (job_ids_t *)data;

  if (j->count == j->alloc)
  {
    int    alloc = j->alloc ? j->alloc * 2 : 64;
    void  *ids   = realloc(j->ids, (size_t)alloc * sizeof(j->ids[0]));

    if (!ids)
      return (false);
    j->ids   = ids;
    j->alloc = alloc;
  }
  snprintf(j->ids[j->count ++], sizeof(j->ids[0]), "%s", job->id);

  return (true);
}


/*
 * 'gwApiUserErase()' - Erase a user (admin).
 */

bool
gwApiUserErase(gw_system_t *sys, const gw_actor_t *actor, const char *name, char *pseudonym, size_t pseudonymsize, const char **error_r)
{
  gw_user_t   user;
  job_ids_t   jobs;
  char        pseudo[64], detail[64], reason[256];
  const char *error = "no such user";
  int         njobs = 0;
  bool        was_restricted, ok;

  if (!sys || !_gwApiAdmin(actor, error_r))
    return (false);
  if (!name || !gwStoreUserFind(sys->store, actor->tenant, name, &user) || !strncmp(user.name, GW_API_ERASED_PREFIX, strlen(GW_API_ERASED_PREFIX)))
  {
    _gwApiError(error_r, error);
    return (false);
  }
  if (!strcmp(user.name, actor->who))
  {
    _gwApiError(error_r, "an administrator cannot erase itself");
    return (false);
  }

  /*
   * Restrict first, so no new job starts; then collect the job ids (their
   * spool files go after the commit: the keys are gone by then, and the
   * recovery sweep removes a file a crash leaves), erase, and lift the
   * restriction again if the erasure was refused.
   */

  was_restricted = gwStoreUserRestricted(sys->store, actor->tenant, user.id, reason, sizeof(reason));
  if (!was_restricted)
    gwStoreUserRestrict(sys->store, actor->tenant, user.id, true, "being erased");

  memset(&jobs, 0, sizeof(jobs));
  snprintf(pseudo, sizeof(pseudo), GW_API_ERASED_PREFIX "%" PRId64, user.id);
  ok = gwStoreJobIterate(sys->store, actor->tenant, user.id, 0, collect_job, &jobs) &&
       gwStoreUserErase(sys->store, actor->tenant, user.id, pseudo, (int64_t)time(NULL), &njobs, &error);

  if (!ok)
  {
    if (!was_restricted)
      gwStoreUserRestrict(sys->store, actor->tenant, user.id, false, NULL);
    free(jobs.ids);
    _gwApiError(error_r, error && !strcmp(error, "busy") ? "one of the user's jobs is being received, converted or printed, or a mail to the user is being sent; try again in a minute" :
                         error ? error : "store error");
    return (false);
  }

  _gwJobHistoryForget(sys, actor->tenant, user.id, 0);  /* Its ended jobs' names and states too */
  for (int i = 0; i < jobs.count; i ++)
  {
    for (unsigned doc = 0; doc <= 1; doc ++)
    {
      if (gwSpoolExists(sys->spool, jobs.ids[i], doc) && !gwSpoolRemove(sys->spool, jobs.ids[i], doc))
        gwLog(sys->log, GW_LOG_ERROR, "User %s erased: unable to remove the spool file of job %s.", pseudo, jobs.ids[i]);
    }
  }
  free(jobs.ids);
  _gwApiAuthCacheDrop(actor->tenant, user.id);

  snprintf(detail, sizeof(detail), "jobs %d", njobs);
  _gwApiAudit(sys, actor, "user.erase", pseudo, NULL, NULL, 0, detail);
  gwLog(sys->log, GW_LOG_INFO, "User %s erased by %s: %d job(s) crypto-shredded.", pseudo, actor->who, njobs);

  if (pseudonym && pseudonymsize)
    snprintf(pseudonym, pseudonymsize, "%s", pseudo);

  return (true);
}


/*
 * 'gwApiUserRestrict()' - Restrict a user's processing, or lift it (admin).
 */

bool
gwApiUserRestrict(gw_system_t *sys, const gw_actor_t *actor, const char *name, bool on, const char *reason, const char **error_r)
{
  gw_user_t user;

  if (!sys || !_gwApiAdmin(actor, error_r))
    return (false);
  if (on && (!reason || !reason[0] || strlen(reason) > 255 || strpbrk(reason, "\r\n")))
  {
    _gwApiError(error_r, "the reason must be one line of 1 to 255 bytes");
    return (false);
  }
  if (!name || !gwStoreUserFind(sys->store, actor->tenant, name, &user))
  {
    _gwApiError(error_r, "no such user");
    return (false);
  }

  return (_gwApiAdminDone(sys, actor, gwStoreUserRestrict(sys->store, actor->tenant, user.id, on, reason), error_r,
                          "no such user", on ? "user.restrict" : "user.unrestrict", user.name, NULL, on ? reason : ""));
}


/*
 * 'gwApiUserRestricted()' - Is a user restricted (admin, or the user itself)?
 */

bool
gwApiUserRestricted(gw_system_t *sys, const gw_actor_t *actor, const char *name, char *reason, size_t reasonsize)
{
  gw_user_t user;

  if (reason && reasonsize)
    *reason = '\0';
  if (!_gwApiUserVisible(sys, actor, name, &user))
    return (false);

  return (gwStoreUserRestricted(sys->store, actor->tenant, user.id, reason, reasonsize));
}


/*
 * 'gwApiAuditQuery()' - Filtered audit rows, newest first (admin).
 */

bool
gwApiAuditQuery(gw_system_t *sys, const gw_actor_t *actor, const gw_audit_query_t *q, gw_audit_cb_t cb, void *data, int64_t *next_r, const char **error_r)
{
  if (next_r)
    *next_r = 0;
  if (!sys || !cb || !_gwApiMay(actor, GW_RIGHT_AUDIT, error_r))
    return (false);
  if (!q || q->limit < 1 || q->limit > GW_AUDIT_QUERY_MAX || q->after < 0 || q->since < 0 || q->until < 0 ||
      (unsigned)q->outcome > GW_AUDIT_OUTCOME_REFUSED)
  {
    _gwApiError(error_r, "bad audit query (limit 1 to 10000, times and cursor not negative)");
    return (false);
  }

  if (!gwStoreAuditQuery(sys->store, actor->tenant, q, cb, data, next_r))
  {
    _gwApiError(error_r, q->after > 0 ? "no such cursor (or a store error)" : "store error");
    return (false);
  }

  return (true);
}


/*
 * 'csv_row()' - One audit row into the CSV writer (gwApiAuditCsv()).
 */

static bool
csv_row(const gw_audit_t *entry, void *data)
{
  return (gwAuditCsvRow((gw_csv_t *)data, entry));
}


/*
 * 'gwApiAuditCsv()' - Filtered audit rows as CSV, a page at a time (admin).
 */

bool
gwApiAuditCsv(gw_system_t *sys, const gw_actor_t *actor, const gw_audit_query_t *q, gw_write_cb_t write, void *data, const char **error_r)
{
  gw_audit_query_t page;
  gw_csv_t        *csv;
  int64_t          left, next = 0;
  bool             ok;

  if (!sys || !write || !_gwApiMay(actor, GW_RIGHT_AUDIT, error_r))
    return (false);
  if (!q || q->limit < 0)
  {
    _gwApiError(error_r, "bad audit query");
    return (false);
  }
  if ((csv = gwCsvNew(write, data)) == NULL)
  {
    _gwApiError(error_r, "out of memory");
    return (false);
  }

  page = *q;
  left = q->limit > 0 ? q->limit : INT64_MAX;
  ok   = gwAuditCsvHeader(csv);
  while (ok && left > 0)
  {
    page.limit = left < 1000 ? (int)left : 1000;
    if ((ok = gwApiAuditQuery(sys, actor, &page, csv_row, csv, &next, error_r)) == false || next == 0)
      break;
    left      -= page.limit;
    page.after = next;
  }

  if (!gwCsvDelete(&csv) && ok)
  {
    _gwApiError(error_r, "the CSV could not be written");
    ok = false;
  }

  return (ok);
}
