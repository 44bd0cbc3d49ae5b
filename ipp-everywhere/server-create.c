/*
 * server-create.c - jobs made in two steps: Create-Job begins the core
 * submission and parks it in the server's table of open jobs (at most
 * GW_IPP_MAX_OPEN, each for GW_IPP_OPEN_TIMEOUT seconds); Send-Document
 * takes it out and streams a document into it.  With last-document true
 * the job ends like Print-Job (_gwIppSubmissionEnd()); with false it goes
 * back into the table for the next document (the core frames them into
 * one original, converted and merged into one held PDF).  Close-Job ends
 * a waiting job with the documents it has; the timeout aborts it.
 * Cancel-My-Jobs cancels all of the user's jobs (or the listed ones).
 *
 * Locking: the table is guarded by the server's lock; a submission is
 * used by one request at a time because it leaves the table first.
 */

#include "server-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * '_gwIppOpenSweep()' - Abort open jobs past their deadline (all: every one,
 *                       at stop).  Aborting happens outside the lock.
 */

void
_gwIppOpenSweep(gw_ipp_server_t *server, bool all)
{
  gw_submission_t *expired[GW_IPP_MAX_OPEN];
  int              count = 0;
  time_t           now = time(NULL);

  if (!server)
    return;
  pthread_mutex_lock(&server->lock);
  for (int i = 0; i < GW_IPP_MAX_OPEN; i ++)
  {
    gw_ipp_open_t *o = server->open + i;

    if (o->number && (all || o->deadline < now))
    {
      expired[count ++] = o->sub;
      memset(o, 0, sizeof(gw_ipp_open_t));
    }
  }
  pthread_mutex_unlock(&server->lock);

  for (int i = 0; i < count; i ++)
    gwSubmissionAbort(expired + i, GW_REASON_INTERRUPTED);
}


/*
 * 'open_take()' - Take the owner's open job out of the table (NULL: none).
 */

static gw_submission_t *
open_take(gw_ipp_server_t *server, const char *owner, int number)
{
  gw_submission_t *sub = NULL;

  if (!server)
    return (NULL);
  pthread_mutex_lock(&server->lock);
  for (int i = 0; i < GW_IPP_MAX_OPEN; i ++)
  {
    gw_ipp_open_t *o = server->open + i;

    if (o->number == number && !strcmp(o->owner, owner))
    {
      sub = o->sub;
      memset(o, 0, sizeof(gw_ipp_open_t));
      break;
    }
  }
  pthread_mutex_unlock(&server->lock);
  return (sub);
}


/*
 * 'open_put()' - Park a submission in the table until its next document
 *                (GW_IPP_OPEN_TIMEOUT from now); false when it is full.
 */

static bool
open_put(gw_ipp_server_t *server, gw_submission_t *sub, const char *owner, int number)
{
  bool put = false;

  pthread_mutex_lock(&server->lock);
  for (int i = 0; i < GW_IPP_MAX_OPEN && !put; i ++)
  {
    gw_ipp_open_t *o = server->open + i;

    if (o->number)
      continue;
    o->number   = number;
    o->sub      = sub;
    o->deadline = time(NULL) + (server->open_timeout > 0 ? server->open_timeout : GW_IPP_OPEN_TIMEOUT);
    snprintf(o->owner, sizeof(o->owner), "%s", owner);
    put = true;
  }
  pthread_mutex_unlock(&server->lock);
  return (put);
}


/*
 * '_gwIppOpenCancel()' - Abort the owner's open job; false if there is none.
 */

bool
_gwIppOpenCancel(gw_ipp_server_t *server, const char *owner, int number, gw_reason_t reason)
{
  gw_submission_t *sub = open_take(server, owner, number);

  if (!sub)
    return (false);
  gwSubmissionAbort(&sub, reason);
  return (true);
}


/*
 * '_gwIppCreateJob()' - Create-Job: a submission that waits for its document.
 */

void
_gwIppCreateJob(gw_ipp_request_t *r)
{
  int number;

  _gwIppOpenSweep(r->server, false);
  if (!r->server)
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_INTERNAL, "No server.");
    return;
  }
  _gwIppBeginSubmission(r);
  if (r->response)
    return;

  number = gwSubmissionJobNumber(r->sub);
  if (!open_put(r->server, r->sub, r->user.name, number))
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_BUSY, "Too many jobs are waiting for their documents; try again shortly.");
    return;                                    /* request_free() aborts r->sub */
  }
  r->sub = NULL;
  _gwIppJobCreated(r, number, IPP_JSTATE_PENDING, "job-incoming", "Waiting for the document.");
}


/*
 * '_gwIppSendDocumentHead()' - Send-Document: take the open job the
 *                              document streams into.
 */

bool
_gwIppSendDocumentHead(gw_ipp_request_t *r)
{
  ipp_attribute_t *attr;
  gw_job_t         job;
  const char      *format = NULL;
  bool             last;

  if ((attr = ippFindAttribute(r->request, "last-document", IPP_TAG_ZERO)) == NULL ||
      ippGetValueTag(attr) != IPP_TAG_BOOLEAN || ippGetCount(attr) != 1)
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_BAD_REQUEST, "Send-Document needs last-document.");
    return (false);
  }
  last = ippGetBoolean(attr, 0);
  if ((attr = ippFindAttribute(r->request, "document-format", IPP_TAG_ZERO)) != NULL &&
      (ippGetValueTag(attr) != IPP_TAG_MIMETYPE || !_gwIppFormatSupported(&r->printer, (format = ippGetString(attr, 0, NULL)))))
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED, "This document format is not supported.");
    return (false);
  }
  if (!_gwIppRequestJob(r, &job))
    return (false);
  if ((r->sub = open_take(r->server, r->user.name, job.number)) == NULL)
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_NOT_POSSIBLE, "The job is not waiting for a document: it has its last one, or another one is arriving.");
    return (false);
  }

  /* A job may have several documents: they become one held job (gwSubmissionDocument()). */
  if (!gwSubmissionDocument(r->sub, format, !last))
  {
    gw_reason_t reason = gwSubmissionReason(r->sub);

    r->response = _gwIppResponseNew(r, _gwIppReasonStatus(reason), gwSubmissionError(r->sub));
    gwSubmissionAbort(&r->sub, reason);
    return (false);
  }
  r->more_docs = !last;
  return (true);
}


/*
 * '_gwIppSendDocumentMore()' - A Send-Document with last-document false
 *                              has arrived: the job waits for the next
 *                              one (GW_IPP_OPEN_TIMEOUT) in the table.
 *                              Nothing is durable before the last one.
 */

void
_gwIppSendDocumentMore(gw_ipp_request_t *r)
{
  int number = gwSubmissionJobNumber(r->sub);

  if (!r->sub || !r->server || !open_put(r->server, r->sub, r->user.name, number))
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_BUSY, "Too many jobs are waiting for their documents; send the job again shortly.");
    return;                                    /* request_free() aborts r->sub */
  }
  r->sub = NULL;
  _gwIppJobCreated(r, number, IPP_JSTATE_PENDING, "job-incoming", "Waiting for the next document.");
}


/*
 * '_gwIppCloseJob()' - Close-Job: a job waiting for a document ends with
 *                      the documents it has (converted and held, or
 *                      aborted when it has none); one that is not waiting
 *                      is already closed.  Runs on a commit thread (the
 *                      end is a durable commit).
 */

void
_gwIppCloseJob(gw_ipp_request_t *r)
{
  gw_job_t job;

  if (!_gwIppRequestJob(r, &job))
    return;
  if ((r->sub = open_take(r->server, r->user.name, job.number)) != NULL)
  {
    _gwIppSubmissionEnd(r);
    if (ippGetStatusCode(r->response) < IPP_STATUS_ERROR_BAD_REQUEST)
      return;
    ippDelete(r->response);            /* Closed all the same: the job says why it ended (aborted) */
    r->response = NULL;
  }
  r->response = _gwIppResponseNew(r, IPP_STATUS_OK, NULL);
}


/*
 * 'cancel_cb()' - gwApiJobIterate() callback: collect jobs to cancel.
 */

typedef struct cancel_ctx_s
{
  ipp_attribute_t *ids;          /* job-ids, or NULL = every job */
  gw_job_t         jobs[64];
  int              count;
} cancel_ctx_t;

static bool
cancel_cb(const gw_job_t *job, void *data)
{
  cancel_ctx_t *ctx  = (cancel_ctx_t *)data;
  bool          want = ctx->ids == NULL;

  for (int i = 0; ctx->ids && i < ippGetCount(ctx->ids); i ++)
    want |= ippGetInteger(ctx->ids, i) == job->number;
  if (want && !_gwIppJobDone(job))
    ctx->jobs[ctx->count ++] = *job;
  return (ctx->count < 64);
}


/*
 * '_gwIppCancelMyJobs()' - Cancel-My-Jobs: the user's unfinished jobs
 *                          (at most 64 per request), or those in job-ids.
 */

void
_gwIppCancelMyJobs(gw_ipp_request_t *r)
{
  cancel_ctx_t       *ctx = calloc(1, sizeof(cancel_ctx_t));
  gw_actor_t          actor;

  if (!ctx)
  {
    r->response = _gwIppResponseNew(r, IPP_STATUS_ERROR_INTERNAL, "Out of memory.");
    return;
  }
  ctx->ids = ippFindAttribute(r->request, "job-ids", IPP_TAG_INTEGER);
  _gwIppActor(r, &actor);
  gwApiJobIterate(r->sys, &actor, NULL, 0, cancel_cb, ctx);
  for (int i = 0; i < ctx->count; i ++)       /* The core's job history lists the cancelled ones */
    if (!_gwIppOpenCancel(r->server, r->user.name, ctx->jobs[i].number, GW_REASON_CANCELLED))
      gwApiJobCancel(r->sys, &actor, ctx->jobs[i].id, NULL);
  free(ctx);
  r->response = _gwIppResponseNew(r, IPP_STATUS_OK, NULL);
}
