/*
 * server-jobs.c - the job operations: Get-Jobs, Get-Job-Attributes and
 * Cancel-Job, always scoped to the authenticated user (another user's
 * job-id answers client-error-not-found, as an unknown one does), and the
 * mapping of the gateway's job states to what a phone shows.  Jobs that
 * have ended and whose rows the core purged (printed, cancelled, expired)
 * come from the core's job history (JobHistory).
 */

#include "server-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct find_ctx_s            /* _gwIppJobFind() */
{
  int       number;
  gw_job_t *job;
  bool      found;
} find_ctx_t;

typedef struct list_ctx_s            /* Get-Jobs */
{
  gw_ipp_request_t *r;
  cups_array_t     *requested;
  int               which;           /* 0 not-completed, 1 completed, 2 all */
  int               limit, count;
  int              *seen;            /* Numbers listed from the store (job history: not twice) */
  int               num_seen, max_seen;
  bool              history;         /* Listing the job history now */
} list_ctx_t;


/*
 * 'job_state()' - IPP job-state, its reason keyword and message.
 */

static ipp_jstate_t
job_state(const gw_job_t *job, const char **reason_r)
{
  switch (job->state)
  {
    case GW_JOB_STATE_RECEIVING :           /* Its documents still arriving (RFC 8011 job-incoming) */
        *reason_r = "job-incoming";
        return (IPP_JSTATE_PENDING);
    case GW_JOB_STATE_CONVERTING :
        *reason_r = "job-transforming";
        return (IPP_JSTATE_PROCESSING);
    case GW_JOB_STATE_QUARANTINED :
        *reason_r = "job-held-for-review";
        return (IPP_JSTATE_HELD);
    case GW_JOB_STATE_HELD :
        *reason_r = "job-hold-until-specified";
        return (IPP_JSTATE_HELD);
    case GW_JOB_STATE_RELEASING :
        *reason_r = "job-printing";
        return (IPP_JSTATE_PROCESSING);
    case GW_JOB_STATE_PRINTED :
        *reason_r = "job-completed-successfully";
        return (IPP_JSTATE_COMPLETED);
    case GW_JOB_STATE_CANCELLED :
        *reason_r = "job-canceled-by-user";
        return (IPP_JSTATE_CANCELED);
    case GW_JOB_STATE_EXPIRED :
        *reason_r = "job-canceled-by-operator";
        return (IPP_JSTATE_CANCELED);
    default :
        *reason_r = job->reason == GW_REASON_UNSUPPORTED_FORMAT || job->reason == GW_REASON_CORRUPT_DOCUMENT ? "document-format-error" : "aborted-by-system";
        return (IPP_JSTATE_ABORTED);
  }
}


/*
 * '_gwIppJobDone()' - Has the job ended, as a phone sees it (completed,
 *                     canceled or aborted)?  A printed job kept for
 *                     reprints has ended too.
 */

bool
_gwIppJobDone(const gw_job_t *job)
{
  const char *reason;

  return (job_state(job, &reason) >= IPP_JSTATE_CANCELED);
}


/*
 * 'job_attributes()' - Every attribute of one job.
 */

static void
job_attributes(gw_ipp_request_t *r, const gw_job_t *job, ipp_t *response)
{
  ipp_t       *a = ippNew();
  const char  *reason, *message;
  ipp_jstate_t state = job_state(job, &reason);
  char         uri[600];
  bool         done = state >= IPP_JSTATE_CANCELED;

  snprintf(uri, sizeof(uri), "%s/jobs/%d", r->printer_uri, job->number);
  ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-id", job->number);
  ippAddString(a, IPP_TAG_JOB, IPP_TAG_URI, "job-uri", NULL, uri);
  ippAddString(a, IPP_TAG_JOB, IPP_TAG_URI, "job-printer-uri", NULL, r->printer_uri);
  ippAddString(a, IPP_TAG_JOB, IPP_TAG_NAME, "job-name", NULL, job->name);
  ippAddString(a, IPP_TAG_JOB, IPP_TAG_NAME, "job-originating-user-name", NULL, job->owner);
  ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_ENUM, "job-state", state);
  ippAddString(a, IPP_TAG_JOB, IPP_TAG_KEYWORD, "job-state-reasons", NULL, reason);
  message = state == IPP_JSTATE_ABORTED && job->reason_text[0] ? job->reason_text :
            state == IPP_JSTATE_HELD ? "Held: release it at a printer." : gwJobStateString(job->state);
  ippAddString(a, IPP_TAG_JOB, IPP_TAG_TEXT, "job-state-message", NULL, message);
  ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-printer-up-time", (int)(time(NULL) - (r->server ? r->server->started : 0)) + 1);
  ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "time-at-creation", (int)(job->created - (r->server ? r->server->started : 0)));
  ippAddDate(a, IPP_TAG_JOB, "date-time-at-creation", ippTimeToDate((time_t)job->created));
  if (state >= IPP_JSTATE_PROCESSING)
  {
    ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "time-at-processing", (int)(job->created - (r->server ? r->server->started : 0)));
    ippAddDate(a, IPP_TAG_JOB, "date-time-at-processing", ippTimeToDate((time_t)job->created));
  }
  else
  {
    ippAddOutOfBand(a, IPP_TAG_JOB, IPP_TAG_NOVALUE, "time-at-processing");
    ippAddOutOfBand(a, IPP_TAG_JOB, IPP_TAG_NOVALUE, "date-time-at-processing");
  }
  if (done)
  {
    ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "time-at-completed", (int)(job->updated - (r->server ? r->server->started : 0)));
    ippAddDate(a, IPP_TAG_JOB, "date-time-at-completed", ippTimeToDate((time_t)job->updated));
  }
  else
  {
    ippAddOutOfBand(a, IPP_TAG_JOB, IPP_TAG_NOVALUE, "time-at-completed");
    ippAddOutOfBand(a, IPP_TAG_JOB, IPP_TAG_NOVALUE, "date-time-at-completed");
  }
  ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-impressions", job->pages);
  ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-media-sheets", job->pages > 0 ? (job->pages + job->number_up - 1) / (job->number_up > 0 ? job->number_up : 1) : 0);
  ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-impressions-completed", job->state == GW_JOB_STATE_PRINTED ? job->pages : 0);
  ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-k-octets", (int)((job->size + 1023) / 1024));
  ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "number-of-documents", 1);
  ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies", job->copies > 0 ? job->copies : 1);
  ippAddString(a, IPP_TAG_JOB, IPP_TAG_KEYWORD, "sides", NULL, job->sides[0] ? job->sides : "one-sided");
  ippAddString(a, IPP_TAG_JOB, IPP_TAG_KEYWORD, "print-color-mode", NULL, job->color_mode[0] ? job->color_mode : "auto");
  ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "number-up", job->number_up > 0 ? job->number_up : 1);
  ippAddString(a, IPP_TAG_JOB, IPP_TAG_KEYWORD, "job-hold-until", NULL, "indefinite");
  ippAddInteger(a, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-priority", 50);

  ippCopyAttributes(response, a, 0, NULL, NULL);
  ippDelete(a);
}


/*
 * 'add_job()' - Add one job to the response, filtered.
 */

static void
add_job(gw_ipp_request_t *r, const gw_job_t *job, cups_array_t *requested)
{
  ipp_t *all = ippNew();

  job_attributes(r, job, all);
  ippCopyAttributes(r->response, all, 0, _gwIppWant, requested);
  ippDelete(all);
}


/*
 * 'compare_names()' - cups_array_t comparison of attribute names.
 */

static int
compare_names(void *a, void *b, void *data)
{
  (void)data;
  return (strcmp((const char *)a, (const char *)b));
}


/*
 * 'find_cb()' - gwApiJobIterate() callback: the job with this number.
 */

static bool
find_cb(const gw_job_t *job, void *data)
{
  find_ctx_t *ctx = (find_ctx_t *)data;

  if (job->number != ctx->number)
    return (true);
  *ctx->job  = *job;
  ctx->found = true;
  return (false);
}


/*
 * 'history_find_cb()' - gwApiJobHistoryIterate() callback: the ended job
 *                       with this number (the newest, if numbers repeat).
 */

static bool
history_find_cb(const gw_job_t *job, void *data)
{
  find_ctx_t *ctx = (find_ctx_t *)data;

  if (job->number == ctx->number)
  {
    *ctx->job  = *job;
    ctx->found = true;
  }
  return (true);
}


/*
 * '_gwIppJobFind()' - The authenticated user's job with this number.
 */

bool
_gwIppJobFind(gw_ipp_request_t *r, int number, gw_job_t *job)
{
  gw_actor_t actor;
  find_ctx_t ctx = { number, job, false };

  if (!r->authenticated || !r->sys || number <= 0)
    return (false);
  _gwIppActor(r, &actor);
  gwApiJobIterate(r->sys, &actor, NULL, 0, find_cb, &ctx);
  if (!ctx.found)                      /* Ended, and its row gone: the core's job history */
    gwApiJobHistoryIterate(r->sys, &actor, NULL, history_find_cb, &ctx);
  return (ctx.found);
}


/*
 * '_gwIppRequestJob()' - The job a job operation names (job-id, or the number
 *                   at the end of job-uri).  false: r->response is set.
 */

bool
_gwIppRequestJob(gw_ipp_request_t *r, gw_job_t *job)
{
  ipp_attribute_t *attr;
  int              number = 0;

  if ((attr = ippFindAttribute(r->request, "job-id", IPP_TAG_INTEGER)) != NULL && ippGetGroupTag(attr) == IPP_TAG_OPERATION)
    number = ippGetInteger(attr, 0);
  else if ((attr = ippFindAttribute(r->request, "job-uri", IPP_TAG_URI)) != NULL && ippGetGroupTag(attr) == IPP_TAG_OPERATION)
  {
    const char *slash = strrchr(ippGetString(attr, 0, NULL), '/');
    char       *end;
    long        n = slash ? strtol(slash + 1, &end, 10) : 0;

    number = slash && !*end && n > 0 && n < 0x7fffffff ? (int)n : -1;
  }
  else
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_BAD_REQUEST, "The request names no job (job-id or job-uri).");
    return (false);
  }

  if (!_gwIppJobFind(r, number, job))
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_NOT_FOUND, "No such job.");
    return (false);
  }
  return (true);
}


/*
 * '_gwIppGetJobAttributes()' - Get-Job-Attributes.
 */

void
_gwIppGetJobAttributes(gw_ipp_request_t *r)
{
  gw_job_t      job;
  cups_array_t *requested;

  if (!_gwIppRequestJob(r, &job))
    return;
  requested   = ippCreateRequestedArray(r->request);
  r->response = _gwIppResponseNew(r, IPP_STATUS_OK, NULL);
  add_job(r, &job, requested);
  cupsArrayDelete(requested);
}


/*
 * 'list_cb()' - gwApiJobIterate() callback for Get-Jobs.
 */

static bool
list_cb(const gw_job_t *job, void *data)
{
  list_ctx_t *ctx  = (list_ctx_t *)data;
  bool        done = _gwIppJobDone(job);

  if ((ctx->which == 0 && done) || (ctx->which == 1 && !done))
    return (true);
  if (ctx->history)
  {
    for (int i = 0; i < ctx->num_seen; i ++)
      if (ctx->seen[i] == job->number)
        return (true);                /* Ended while the store was listed */
  }
  else
  {
    if (ctx->num_seen >= ctx->max_seen)
    {
      int *seen = realloc(ctx->seen, (size_t)(ctx->max_seen + 64) * sizeof(int));

      if (!seen)
        return (false);
      ctx->seen      = seen;
      ctx->max_seen += 64;
    }
    ctx->seen[ctx->num_seen ++] = job->number;
  }
  if (ctx->count > 0)
    ippAddSeparator(ctx->r->response);
  add_job(ctx->r, job, ctx->requested);
  ctx->count ++;
  return (ctx->limit <= 0 || ctx->count < ctx->limit);
}


/*
 * '_gwIppGetJobs()' - Get-Jobs: the authenticated user's jobs only.
 */

void
_gwIppGetJobs(gw_ipp_request_t *r)
{
  ipp_attribute_t *attr;
  list_ctx_t       ctx;
  gw_actor_t       actor;
  static const char * const whiches[] = { "not-completed", "completed", "all" };

  memset(&ctx, 0, sizeof(ctx));
  ctx.r = r;
  if ((attr = ippFindAttribute(r->request, "which-jobs", IPP_TAG_ZERO)) != NULL)
  {
    const char *which = ippGetValueTag(attr) == IPP_TAG_KEYWORD ? ippGetString(attr, 0, NULL) : "";

    for (ctx.which = 0; ctx.which < 3 && strcmp(which, whiches[ctx.which]); ctx.which ++);
    if (ctx.which == 3)
    {
      ipp_attribute_t *copy;

      if (!r->unsupported)
        r->unsupported = ippNew();
      if ((copy = ippCopyAttribute(r->unsupported, attr, 0)) != NULL)
        ippSetGroupTag(r->unsupported, &copy, IPP_TAG_UNSUPPORTED_GROUP);
      r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES, "which-jobs must be completed, not-completed or all.");
      return;
    }
  }
  if ((attr = ippFindAttribute(r->request, "limit", IPP_TAG_INTEGER)) != NULL)
    ctx.limit = ippGetInteger(attr, 0);

  if (ippFindAttribute(r->request, "requested-attributes", IPP_TAG_ZERO))
    ctx.requested = ippCreateRequestedArray(r->request);
  else
  {
    ctx.requested = cupsArrayNew(compare_names, NULL);
    cupsArrayAdd(ctx.requested, "job-id");
    cupsArrayAdd(ctx.requested, "job-uri");
  }

  r->response = _gwIppResponseNew(r, IPP_STATUS_OK, NULL);
  _gwIppActor(r, &actor);
  if (gwApiJobIterate(r->sys, &actor, NULL, 0, list_cb, &ctx) && ctx.which != 0 && (ctx.limit <= 0 || ctx.count < ctx.limit))
  {
    ctx.history = true;               /* Then the ended ones whose rows are gone */
    gwApiJobHistoryIterate(r->sys, &actor, NULL, list_cb, &ctx);
  }
  free(ctx.seen);
  cupsArrayDelete(ctx.requested);
}


/*
 * '_gwIppCancelJob()' - Cancel-Job: a held or converting job of the user's.
 */

void
_gwIppCancelJob(gw_ipp_request_t *r)
{
  gw_job_t    job;
  gw_actor_t  actor;
  const char *error = NULL;

  if (!_gwIppRequestJob(r, &job))
    return;
  if (_gwIppOpenCancel(r->server, r->user.name, job.number, GW_REASON_CANCELLED))
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_OK, NULL);
    return;
  }
  if (_gwIppJobDone(&job))
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_NOT_POSSIBLE, "The job has already ended.");
    return;
  }
  _gwIppActor(r, &actor);
  if (!gwApiJobCancel(r->sys, &actor, job.id, &error))
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_NOT_POSSIBLE, error ? error : "The job cannot be cancelled now.");
    return;
  }
  r->response = _gwIppResponseNew(r, IPP_STATUS_OK, NULL);
}
