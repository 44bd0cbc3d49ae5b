/*
 * submission.c - a document arriving at the gateway: spooled encrypted as
 * it arrives, checked, then held (or failed with a reason people can act
 * on).  Front-ends (CLI socket, IPP, web, mail) all come through here.
 */

#include "system-private.h"
#include "printgate/pdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GW_HEAD_BYTES 1024       /* Bytes kept for format sniffing */

struct _gw_submission_s
{
  gw_system_t       *sys;
  gw_job_t           job;            /* The job row as created */
  gw_spool_writer_t *writer;         /* Encrypting writer (incoming/) */
  int64_t            max_size;       /* MaxDocumentSize at begin */
  int                max_pages;      /* MaxPagesPerJob at begin */
  int64_t            retention;      /* Retention that applies to this user */
  int64_t            fail_retention; /* How long a failed job stays visible */
  int64_t            received;       /* Bytes so far */
  unsigned char      head[GW_HEAD_BYTES];
  size_t             headlen;
  bool               failed;         /* A limit was hit or the spool failed */
  gw_reason_t        reason;
  char               text[512];
};


/*
 * 'format_size()' - "100 MB"-style size for messages.
 */

static void
format_size(int64_t bytes, char *buf, size_t bufsize)
{
  if (bytes >= 1024 * 1024 * 1024)
    snprintf(buf, bufsize, "%lld GB", (long long)(bytes / (1024 * 1024 * 1024)));
  else if (bytes >= 1024 * 1024)
    snprintf(buf, bufsize, "%lld MB", (long long)(bytes / (1024 * 1024)));
  else
    snprintf(buf, bufsize, "%lld KB", (long long)(bytes / 1024));
}


/*
 * 'clean_name()' - Keep the last path component of a client-given name,
 *                  without control characters, bounded.
 */

static void
clean_name(const char *name, char *buf, size_t bufsize)
{
  const char *slash;
  size_t      i = 0;

  if (!name || !*name)
    name = "document";
  if ((slash = strrchr(name, '/')) != NULL && slash[1])
    name = slash + 1;

  for (; *name && i + 1 < bufsize; name ++)
    buf[i ++] = ((unsigned char)*name < ' ' || *name == 0x7f) ? '_' : *name;
  buf[i] = '\0';
}


/*
 * 'gwSubmissionBegin()' - Start receiving a document for a user.  Returns
 *                         NULL with a reason and sentence if the user may
 *                         not submit it (unknown user, too many held jobs,
 *                         declared size over the limit, bad options).
 */

gw_submission_t *
gwSubmissionBegin(gw_system_t *sys, int64_t tenant, const char *user, const char *name, const char *origin, const gw_job_options_t *options, int64_t declared_size, gw_reason_t *reason_r, char *text, size_t textsize)
{
  gw_config_t      c;
  gw_user_t        u;
  gw_submission_t *sub;
  const char      *error = NULL;
  char             sizebuf[32];
  int              held;

  *reason_r = GW_REASON_NONE;
  _gwSystemConfigCopy(sys, &c);

  if (!user || !gwStoreUserFind(sys->store, tenant, user, &u) || u.disabled)
  {
    snprintf(text, textsize, "No active user \"%s\" on this gateway.", user ? user : "");
    return (NULL);
  }

  if (options && options->copies != 0 && !gwJobCopiesValid(options->copies))
  {
    snprintf(text, textsize, "Copies must be between 1 and 999.");
    return (NULL);
  }
  if (options && ((options->sides && !gwJobSidesValid(options->sides)) || (options->color_mode && !gwJobColorModeValid(options->color_mode))))
  {
    snprintf(text, textsize, "Sides must be one-sided, two-sided-long-edge or two-sided-short-edge, and colour auto, color or monochrome.");
    return (NULL);
  }

  if (options && !_gwSystemJobOptionsCheck(options, text, textsize))
    return (NULL);

  held = gwStoreJobCount(sys->store, tenant, u.id, (1u << GW_JOB_STATE_HELD) | (1u << GW_JOB_STATE_QUARANTINED) | (1u << GW_JOB_STATE_RECEIVING) | (1u << GW_JOB_STATE_CONVERTING));
  if (held >= c.max_held_jobs)
  {
    *reason_r = GW_REASON_TOO_MANY_JOBS;
    snprintf(text, textsize, "%s already has %d held jobs, the most allowed; release or cancel some first.", u.name, held);
    _gwSystemAudit(sys, tenant, u.name, "job.refuse", u.name, NULL, NULL, 0, origin, gwReasonCode(*reason_r));
    return (NULL);
  }

  if (declared_size > c.max_document_size)
  {
    char clean[256];

    clean_name(name, clean, sizeof(clean));
    format_size(c.max_document_size, sizebuf, sizeof(sizebuf));
    *reason_r = GW_REASON_TOO_LARGE;
    snprintf(text, textsize, "%s: the document is larger than this gateway's limit of %s; send a smaller file or split it.", clean, sizebuf);
    _gwSystemAudit(sys, tenant, u.name, "job.refuse", u.name, NULL, NULL, 0, origin, gwReasonCode(*reason_r));
    return (NULL);
  }

  if ((sub = calloc(1, sizeof(gw_submission_t))) == NULL)
  {
    *reason_r = GW_REASON_INTERNAL;
    snprintf(text, textsize, "The gateway is out of memory; try again later.");
    return (NULL);
  }

  sub->sys            = sys;
  sub->max_size       = c.max_document_size;
  sub->max_pages      = c.max_pages;
  sub->retention      = u.role == GW_ROLE_GUEST ? c.guest_retention : c.retention;
  sub->fail_retention = c.retention;

  gwUUIDNew(sub->job.id);
  sub->job.tenant      = tenant;
  sub->job.user_id     = u.id;
  sub->job.state       = GW_JOB_STATE_RECEIVING;
  sub->job.copies      = options && options->copies > 0 ? options->copies : 1;
  sub->job.color_pages = -1;
  sub->job.created     = sub->job.updated = time(NULL);
  snprintf(sub->job.owner, sizeof(sub->job.owner), "%s", u.name);
  clean_name(name, sub->job.name, sizeof(sub->job.name));
  snprintf(sub->job.origin, sizeof(sub->job.origin), "%s", origin ? origin : "cli");
  snprintf(sub->job.sides, sizeof(sub->job.sides), "%s", options && options->sides ? options->sides : "one-sided");
  snprintf(sub->job.color_mode, sizeof(sub->job.color_mode), "%s", options && options->color_mode ? options->color_mode : "auto");
  snprintf(sub->job.format, sizeof(sub->job.format), "application/octet-stream");
  _gwSystemJobOptionsApply(options, &sub->job);

  if (!gwStoreJobCreate(sys->store, &sub->job, u.name, sub->job.origin, &error))
  {
    *reason_r = GW_REASON_INTERNAL;
    snprintf(text, textsize, "The gateway could not record the job (%s); try again later.", error ? error : "store error");
    free(sub);
    return (NULL);
  }

  if ((sub->writer = gwSpoolWriterNew(sys->spool, sub->job.id, 1, &error)) == NULL)
  {
    *reason_r = GW_REASON_INTERNAL;
    snprintf(text, textsize, "The gateway could not open its spool (%s); try again later.", error ? error : "spool error");
    gwStoreJobTransition(sys->store, tenant, sub->job.id, GW_JOB_STATE_RECEIVING, GW_JOB_STATE_FAILED, GW_REASON_INTERNAL, text, sub->job.created + sub->fail_retention, NULL, "system", sub->job.origin, "job.fail", NULL);
    free(sub);
    return (NULL);
  }

  gwLog(sys->log, GW_LOG_INFO, "Job %s: receiving a document for %s from %s.", sub->job.id, u.name, sub->job.origin);

  return (sub);
}


/*
 * 'gwSubmissionWrite()' - Add bytes.  Returns false once a limit is hit or
 *                         the spool fails; the caller stops sending and
 *                         calls gwSubmissionEnd() to get the reason.
 */

bool
gwSubmissionWrite(gw_submission_t *sub, const void *buf, size_t len)
{
  if (!sub || sub->failed)
    return (false);

  if ((int64_t)len > sub->max_size - sub->received)
  {
    char sizebuf[32];

    format_size(sub->max_size, sizebuf, sizeof(sizebuf));
    sub->failed = true;
    sub->reason = GW_REASON_TOO_LARGE;
    snprintf(sub->text, sizeof(sub->text), "%s: the document is larger than this gateway's limit of %s; send a smaller file or split it.", sub->job.name, sizebuf);
    gwSpoolWriterAbort(&sub->writer);
    return (false);
  }

  if (sub->headlen < sizeof(sub->head))
  {
    size_t n = sizeof(sub->head) - sub->headlen;

    if (n > len)
      n = len;
    memcpy(sub->head + sub->headlen, buf, n);
    sub->headlen += n;
  }

  sub->received += (int64_t)len;

  if (!gwSpoolWriterWrite(sub->writer, buf, len))
  {
    sub->failed = true;
    sub->reason = GW_REASON_INTERNAL;
    snprintf(sub->text, sizeof(sub->text), "%s: the gateway could not store the document (disk full?); try again later.", sub->job.name);
    gwSpoolWriterAbort(&sub->writer);
    return (false);
  }

  return (true);
}


/*
 * 'gwSubmissionError()' - The sentence of a failed submission ("" if none).
 */

const char *
gwSubmissionError(gw_submission_t *sub)
{
  return (sub ? sub->text : "");
}


/*
 * 'inspect_pdf()' - Check the committed document: PDF that libqpdf opens,
 *                   with 1..MaxPagesPerJob pages.  The plaintext is
 *                   decrypted into memory only and wiped after.
 */

static bool
inspect_pdf(gw_submission_t *sub, const gw_wrapped_key_t *key, int64_t size, int *pages_r)
{
  gw_system_t       *sys = sub->sys;
  gw_spool_reader_t *r;
  unsigned char     *data;
  const char        *error = NULL;
  size_t             got = 0;
  ssize_t            n;
  gw_reason_t        reason = GW_REASON_NONE;
  bool               ok;

  if (size == 0)
  {
    sub->reason = GW_REASON_EMPTY_DOCUMENT;
    snprintf(sub->text, sizeof(sub->text), "%s: the document is empty (0 bytes); nothing to print.", sub->job.name);
    return (false);
  }

  if (!gwPdfSniff(sub->head, sub->headlen))
  {
    sub->reason = GW_REASON_UNSUPPORTED_FORMAT;
    snprintf(sub->text, sizeof(sub->text), "%s: this is not a PDF. This gateway prints PDF documents only for now; save or export it as PDF and send it again.", sub->job.name);
    return (false);
  }

  if ((data = malloc((size_t)size)) == NULL)
  {
    sub->reason = GW_REASON_INTERNAL;
    snprintf(sub->text, sizeof(sub->text), "%s: the gateway is out of memory; try again later.", sub->job.name);
    return (false);
  }

  if ((r = gwSpoolReaderOpen(sys->spool, sub->job.id, 1, key, &error)) != NULL)
  {
    while (got < (size_t)size && (n = gwSpoolReaderRead(r, data + got, (size_t)size - got)) > 0)
      got += (size_t)n;
    gwSpoolReaderClose(&r);
  }

  if (got != (size_t)size)
  {
    sub->reason = GW_REASON_SPOOL_DAMAGED;
    snprintf(sub->text, sizeof(sub->text), "%s: the gateway could not read back its encrypted copy; send it again.", sub->job.name);
    ok = false;
  }
  else if (!gwPdfInspect(data, (size_t)size, pages_r, &reason))
  {
    sub->reason = reason;
    switch (reason)
    {
      case GW_REASON_PASSWORD_PROTECTED :
          snprintf(sub->text, sizeof(sub->text), "%s: the PDF is password-protected; remove the password (print or export it to a new PDF) and send it again.", sub->job.name);
          break;
      case GW_REASON_EMPTY_DOCUMENT :
          snprintf(sub->text, sizeof(sub->text), "%s: the PDF has no pages; nothing to print.", sub->job.name);
          break;
      case GW_REASON_UNSUPPORTED_FORMAT :
          snprintf(sub->text, sizeof(sub->text), "%s: this is not a PDF. This gateway prints PDF documents only for now; save or export it as PDF and send it again.", sub->job.name);
          break;
      default :
          sub->reason = GW_REASON_CORRUPT_DOCUMENT;
          snprintf(sub->text, sizeof(sub->text), "%s: the PDF is damaged and cannot be read; save or export it again and resend it.", sub->job.name);
          break;
    }
    ok = false;
  }
  else if (*pages_r > sub->max_pages)
  {
    sub->reason = GW_REASON_TOO_MANY_PAGES;
    snprintf(sub->text, sizeof(sub->text), "%s: %d pages is more than this gateway's limit of %d pages per job; print fewer pages or split the document.", sub->job.name, *pages_r, sub->max_pages);
    ok = false;
  }
  else
    ok = true;

  gwWipe(data, (size_t)size);
  free(data);

  return (ok);
}


/*
 * 'fail_job()' - Move the job to failed with the submission's reason and
 *                drop its spool file.
 */

static void
fail_job(gw_submission_t *sub, gw_job_state_t from, gw_job_t *job)
{
  gw_system_t *sys = sub->sys;

  gwStoreJobTransition(sys->store, sub->job.tenant, sub->job.id, from, GW_JOB_STATE_FAILED, sub->reason, sub->text, time(NULL) + sub->fail_retention, NULL, "system", sub->job.origin, "job.fail", NULL);
  if (gwSpoolExists(sys->spool, sub->job.id, 1))
    gwSpoolRemove(sys->spool, sub->job.id, 1);
  gwLog(sys->log, GW_LOG_INFO, "Job %s of %s failed: %s", sub->job.id, sub->job.owner, gwReasonCode(sub->reason));

  if (!gwStoreJobGet(sys->store, sub->job.tenant, sub->job.id, job))
  {
    *job = sub->job;
    job->state  = GW_JOB_STATE_FAILED;
    job->reason = sub->reason;
    snprintf(job->reason_text, sizeof(job->reason_text), "%s", sub->text);
  }
}


/*
 * 'gwSubmissionEnd()' - All bytes are in: commit the spool file, check the
 *                       document and hold it.  Returns true and the held
 *                       job, or false and the failed job (with reason).
 *                       Frees the submission.
 */

bool
gwSubmissionEnd(gw_submission_t **subp, gw_job_t *job)
{
  gw_submission_t *sub;
  gw_system_t     *sys;
  gw_wrapped_key_t key;
  uint64_t         size = 0;
  int              pages = 0;
  const char      *error = NULL;
  bool             ok = false;

  if (!subp || !*subp)
    return (false);

  sub = *subp;
  sys = sub->sys;
  *subp = NULL;

  if (sub->failed)
  {
    fail_job(sub, GW_JOB_STATE_RECEIVING, job);
    goto done;
  }

  if (!gwSpoolWriterFinish(sub->writer, &key, &size) || !gwSpoolWriterCommit(&sub->writer))
  {
    gwSpoolWriterAbort(&sub->writer);
    sub->reason = GW_REASON_INTERNAL;
    snprintf(sub->text, sizeof(sub->text), "%s: the gateway could not store the document (disk full?); try again later.", sub->job.name);
    fail_job(sub, GW_JOB_STATE_RECEIVING, job);
    goto done;
  }

  if (!gwStoreJobSetDocument(sys->store, sub->job.tenant, sub->job.id, sub->job.format, (int64_t)size, 0, -1, &key) ||
      !gwStoreJobTransition(sys->store, sub->job.tenant, sub->job.id, GW_JOB_STATE_RECEIVING, GW_JOB_STATE_CONVERTING, GW_REASON_NONE, "", -1, NULL, "system", sub->job.origin, "job.convert", &error))
  {
    sub->reason = GW_REASON_INTERNAL;
    snprintf(sub->text, sizeof(sub->text), "%s: the gateway could not record the document; try again later.", sub->job.name);
    fail_job(sub, GW_JOB_STATE_RECEIVING, job);
    goto done;
  }

  if (!inspect_pdf(sub, &key, (int64_t)size, &pages))
  {
    fail_job(sub, GW_JOB_STATE_CONVERTING, job);
    goto done;
  }

  if (!gwStoreJobSetDocument(sys->store, sub->job.tenant, sub->job.id, "application/pdf", (int64_t)size, pages, -1, &key) ||
      !gwStoreJobTransition(sys->store, sub->job.tenant, sub->job.id, GW_JOB_STATE_CONVERTING, GW_JOB_STATE_HELD, GW_REASON_NONE, "", time(NULL) + sub->retention, NULL, "system", sub->job.origin, "job.hold", &error))
  {
    sub->reason = GW_REASON_INTERNAL;
    snprintf(sub->text, sizeof(sub->text), "%s: the gateway could not hold the document (%s); try again later.", sub->job.name, error ? error : "store error");
    fail_job(sub, GW_JOB_STATE_CONVERTING, job);
    goto done;
  }

  gwStoreJobGet(sys->store, sub->job.tenant, sub->job.id, job);
  gwLog(sys->log, GW_LOG_INFO, "Job %s of %s held: %d page(s), %lld bytes.", job->id, job->owner, pages, (long long)size);
  ok = true;

  done:

  gwWipe(&key, sizeof(key));
  gwWipe(sub->head, sizeof(sub->head));
  free(sub);

  return (ok);
}


/*
 * 'gwSubmissionAbort()' - The client went away (or the front-end gave up):
 *                         drop the partial file and fail the job.
 */

void
gwSubmissionAbort(gw_submission_t **subp, gw_reason_t reason)
{
  gw_submission_t *sub;
  gw_job_t         job;

  if (!subp || !*subp)
    return;

  sub = *subp;
  *subp = NULL;

  gwSpoolWriterAbort(&sub->writer);
  if (!sub->failed)
  {
    sub->reason = reason == GW_REASON_NONE ? GW_REASON_INTERRUPTED : reason;
    snprintf(sub->text, sizeof(sub->text), "%s: the upload stopped before the whole document arrived; nothing was kept. Send it again.", sub->job.name);
  }
  fail_job(sub, GW_JOB_STATE_RECEIVING, &job);

  gwWipe(sub->head, sizeof(sub->head));
  free(sub);
}
