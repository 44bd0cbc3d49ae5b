/*
 * web-upload.c - POST /api/v1/jobs: a document as the raw request body,
 * streamed into the encrypted spool as it arrives (gwApiJobSubmit(), then
 * gwSubmissionWrite() per piece and gwSubmissionEnd()), so memory stays
 * constant whatever the size.
 *
 * Limits: a Content-Length over MaxDocumentSize is refused with 413 before
 * a byte is read or a job made; without one, the core counts the bytes
 * against the same limit while they arrive (and the listener stops at the
 * route's max_body).  The options come in the query (name, copies, sides,
 * color_mode, page_ranges, number_up); the CSRF token in X-CSRF-Token.
 * The answer (202) is the job in "converting"; its outcome comes later
 * (GET /api/v1/jobs/{id}).
 */

#include "web-private.h"

#include <printgate/config.h>
#include <printgate/system.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * 'reason_status()' - The HTTP status of a refused submission.
 */

static int
reason_status(gw_reason_t reason)
{
  switch (reason)
  {
    case GW_REASON_TOO_LARGE :
        return (413);
    case GW_REASON_TOO_MANY_JOBS :
        return (429);
    case GW_REASON_BUSY :
        return (503);
    case GW_REASON_UNKNOWN_USER :
    case GW_REASON_RESTRICTED :
        return (403);
    case GW_REASON_INTERNAL :
        return (500);
    default :
        return (400);
  }
}


/*
 * 'option_int()' - A whole-number option (0 when absent or ""; -1 when not
 *                  a number 1..9999).
 */

static int
option_int(const char *v)
{
  char *end;
  long  n;

  if (!v || !*v)
    return (0);
  errno = 0;
  n     = strtol(v, &end, 10);

  return (errno || *end || end == v || n < 1 || n > 9999 ? -1 : (int)n);
}


/*
 * '_gwWebJobOptions()' - Job options from their text (the upload's query,
 *                        or the upload form's fields; NULL or "" is the
 *                        default).  The strings are borrowed.  False with
 *                        the sentence when a number is not one; the core
 *                        checks the rest (keywords, ranges, policy).
 */

bool
_gwWebJobOptions(const web_options_t *text, gw_job_options_t *opts, const char **error_r)
{
  memset(opts, 0, sizeof(*opts));
  opts->copies      = option_int(text->copies);
  opts->number_up   = option_int(text->number_up);
  opts->sides       = text->sides && *text->sides ? text->sides : NULL;
  opts->color_mode  = text->color_mode && *text->color_mode ? text->color_mode : NULL;
  opts->page_ranges = text->page_ranges && *text->page_ranges ? text->page_ranges : NULL;
  if (opts->copies < 0 || opts->number_up < 0)
  {
    *error_r = "Copies and pages per side must be whole numbers.";
    return (false);
  }

  return (true);
}


/*
 * '_gwWebJobOptionsChange()' - Change a held job's options from the
 *                              request's fields (form or JSON: copies,
 *                              sides, color_mode, page_ranges, number_up;
 *                              a field left out keeps the job's value, an
 *                              empty page_ranges is all pages).  True with
 *                              the job as it now is; false with the HTTP
 *                              status and the sentence.
 */

bool
_gwWebJobOptionsChange(web_req_t *r, const char *id, gw_job_t *job, int *status_r, char *text, size_t textsize)
{
  gw_actor_t       actor;
  gw_job_options_t opts;
  web_options_t    option;
  gw_reason_t      reason = GW_REASON_NONE;
  const char      *error = NULL;
  char             copies[16], sides[64], color[64], ranges[GW_JOB_PAGE_RANGES_MAX + 2], nup[16];
  char             was_copies[16], was_nup[16];

  _gwWebActor(r, &actor);
  if (!id || !gwApiJobGet(r->web->sys, &actor, id, job))
  {
    *status_r = 404;
    snprintf(text, textsize, "No such job.");
    return (false);
  }

  snprintf(was_copies, sizeof(was_copies), "%d", job->copies);
  snprintf(was_nup, sizeof(was_nup), "%d", job->number_up);
  option.copies      = _gwWebField(r, "copies", copies, sizeof(copies)) ? copies : was_copies;
  option.sides       = _gwWebField(r, "sides", sides, sizeof(sides)) ? sides : job->sides;
  option.color_mode  = _gwWebField(r, "color_mode", color, sizeof(color)) ? color : job->color_mode;
  option.page_ranges = _gwWebField(r, "page_ranges", ranges, sizeof(ranges)) ? ranges : job->page_ranges;
  option.number_up   = _gwWebField(r, "number_up", nup, sizeof(nup)) ? nup : was_nup;

  if (!_gwWebJobOptions(&option, &opts, &error))
  {
    *status_r = 400;
    snprintf(text, textsize, "%s", error);
    return (false);
  }
  if (!gwApiJobSetOptions(r->web->sys, &actor, id, &opts, &reason, text, textsize))
  {
    *status_r = reason == GW_REASON_BAD_OPTION ? 400 : gwApiJobGet(r->web->sys, &actor, id, job) ? 409 : 404;
    return (false);
  }

  gwApiJobGet(r->web->sys, &actor, id, job);

  return (true);
}


/*
 * '_gwWebUploadBegin()' - Check the token and the declared size, then
 *                         begin the submission.  False after answering.
 */

bool
_gwWebUploadBegin(web_req_t *r)
{
  gw_actor_t       actor;
  gw_job_options_t opts;
  web_options_t    option;
  gw_reason_t      reason = GW_REASON_NONE;
  const char      *error = NULL;
  const char      *clen = gwRequestHeader(r->req, "Content-Length"), *name = gwRequestQuery(r->req, "name");
  char             text[512], *end;
  long long        declared = -1;

  if (!gwApiSessionCsrfValid(&r->session, gwRequestHeader(r->req, "X-CSRF-Token")))
  {
    _gwWebError(r, 403, "csrf", "The upload did not carry this session's CSRF token (X-CSRF-Token); reload the page and try again.");
    return (false);
  }

  if (clen)
  {
    errno    = 0;
    declared = strtoll(clen, &end, 10);
    if (errno || *end || declared < 0)
    {
      _gwWebError(r, 400, "bad-length", "The Content-Length is not a number.");
      return (false);
    }
    if (declared > gwSystemGetConfig(r->web->sys)->max_document_size)
    {
      char size[32], sentence[256];

      gwConfigSizeText(gwSystemGetConfig(r->web->sys)->max_document_size, true, size, sizeof(size));
      snprintf(sentence, sizeof(sentence), "The document is larger than this gateway's limit of %s; send a smaller file or split it.", size);
      _gwWebError(r, 413, "too-large", sentence);
      return (false);
    }
  }

  option.copies      = gwRequestQuery(r->req, "copies");
  option.number_up   = gwRequestQuery(r->req, "number_up");
  option.sides       = gwRequestQuery(r->req, "sides");
  option.color_mode  = gwRequestQuery(r->req, "color_mode");
  option.page_ranges = gwRequestQuery(r->req, "page_ranges");
  if (!_gwWebJobOptions(&option, &opts, &error))
  {
    _gwWebError(r, 400, "bad-option", error);
    return (false);
  }

  _gwWebActor(r, &actor);
  if ((r->sub = gwApiJobSubmit(r->web->sys, &actor, NULL, name && name[0] ? name : "document", &opts, declared, &reason, text, sizeof(text))) == NULL)
  {
    _gwWebError(r, reason_status(reason), gwReasonCode(reason), text);
    return (false);
  }

  return (true);
}


/*
 * '_gwWebUploadBody()' - Encrypt a piece into the spool; over the limit,
 *                        the submission is aborted and 413 answered.
 */

bool
_gwWebUploadBody(web_req_t *r, const char *buf, size_t len)
{
  if (!r->sub)
    return (false);

  r->received += (int64_t)len;
  if (r->received > gwSystemGetConfig(r->web->sys)->max_document_size || !gwSubmissionWrite(r->sub, buf, len))
  {
    bool big = r->received > gwSystemGetConfig(r->web->sys)->max_document_size;

    gwSubmissionAbort(&r->sub, big ? GW_REASON_TOO_LARGE : GW_REASON_INTERNAL);
    _gwWebError(r, big ? 413 : 500, big ? "too-large" : "internal-error",
                big ? "The document is larger than this gateway's limit; send a smaller file or split it." : "The gateway could not keep the document; try again.");
    return (false);
  }

  return (true);
}


/*
 * '_gwWebUploadFinish()' - The whole document arrived: commit it (the job
 *                          moves to converting) and answer 202.
 */

void
_gwWebUploadFinish(web_req_t *r)
{
  gw_job_t job;

  if (!r->sub)
  {
    _gwWebError(r, 500, "internal-error", "The upload was not begun.");
    return;
  }

  memset(&job, 0, sizeof(job));
  if (!gwSubmissionEnd(&r->sub, &job))
  {
    _gwWebError(r, 500, "internal-error", job.reason_text[0] ? job.reason_text : "The gateway could not keep the document; try again.");
    return;
  }

  _gwWebJson(r, 202, _gwWebJobJson(&job));
}


/*
 * '_gwWebUploadCleanup()' - A request that ended before its document was
 *                           committed: the submission is aborted (nothing
 *                           stays in the spool).
 */

void
_gwWebUploadCleanup(web_req_t *r)
{
  if (r->sub)
    gwSubmissionAbort(&r->sub, GW_REASON_INTERRUPTED);
}
