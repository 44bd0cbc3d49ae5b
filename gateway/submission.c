/*
 * submission.c - a document arriving at the gateway: spooled encrypted as
 * it arrives, checked, then held (or failed with a reason people can act
 * on).  Front-ends (CLI socket, IPP, web, mail) all come through here.
 */

#include "system-private.h"
#include "policy-private.h"
#include <printgate-convert/protocol.h>
#include "printgate/clock.h"
#include "printgate/convert.h"
#include "printgate/office.h"

#include <printgate-formats/container.h>
#include <printgate-formats/sniff.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GW_HEAD_BYTES 1024       /* Bytes kept for format sniffing */
#define GW_LATE_BYTES (256 * 1024) /* A late-recorded upload is recorded as receiving past this size, */
#define GW_LATE_MS    1000.0       /* or after this long (gw_job_options_t.record_late) */
#define GW_RING_MAX   (256 * 1024) /* A document this small waits for its conversion in the intake ring (docs/spool-format.md) */

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
  gw_wrapped_key_t   key;            /* Document 0's wrapped key, once committed */
  int64_t            ring;           /* Its offset in the spool's intake ring, or -1 (a file) */
  bool               ring_pending;   /* Its ring write still runs (ring_ready() ends it) */
  bool               ring_ok;        /* ... and ended well */
  uint64_t           size;           /* Document 0's plaintext size, once committed */
  double             t_commit;       /* Milliseconds End took to commit */
  double             t_queued;       /* gwClockMs() when queued for a worker */
  gw_log_ctx_t       lctx;           /* "Job <id>: " */
  bool               quarantine;     /* Quarantined, not held, once converted */
  bool               recorded;       /* The job's row exists */
  int                max_open;       /* MaxHeldJobsPerUser at begin */
  double             t_begin;        /* gwClockMs() at begin */
  bool               cancelled;      /* The conversion was stopped by a stop of the gateway */
  /* Several documents (gwSubmissionDocument()): the original is framed (container.h) */
  int                documents;      /* Documents begun */
  bool               last;           /* The last one has begun: no more */
  bool               framed;         /* Written as records, not as is */
  bool               magic;          /* The container's magic is written */
  bool               doc_open;       /* The current document's record is written */
  char               doc_format[GW_CONTAINER_FORMAT_MAX + 1];
};


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
 * 'record_job()' - Insert the submission's job row: receiving, or (original
 *                  given) converting with its original, in one transaction.
 *                  On refusal false, with sub->reason and sub->text (and a
 *                  "job.refuse" audit row when the user has too many jobs).
 */

static bool
record_job(gw_submission_t *sub, const gw_original_t *original)
{
  gw_system_t *sys = sub->sys;
  const char  *error = NULL;
  bool         ok;

  if (original)
    ok = _gwSystemJobCreateConverting(sys, &sub->job, sub->max_open, original, &error);
  else
    ok = gwStoreJobCreateWithin(sys->store, &sub->job, sub->job.owner, sub->job.origin, sub->max_open, &sub->job.number, &error);

  if (ok)
  {
    sub->recorded = true;
    return (true);
  }

  if (error && !strcmp(error, "too-many"))
  {
    sub->reason = GW_REASON_TOO_MANY_JOBS;
    snprintf(sub->text, sizeof(sub->text), "%s already has %d held jobs, the most allowed; release or cancel some first.", sub->job.owner, sub->max_open);
    _gwSystemAudit(sys, sub->job.tenant, sub->job.owner, "job.refuse", sub->job.owner, NULL, NULL, 0, sub->job.origin, gwReasonCode(sub->reason));
  }
  else if (error && !strcmp(error, "duplicate"))
  {
    sub->reason = GW_REASON_DUPLICATE;
    snprintf(sub->text, sizeof(sub->text), "%s: this document was already received (%s).", sub->job.name, sub->job.origin_ref);
  }
  else
  {
    sub->reason = GW_REASON_INTERNAL;
    snprintf(sub->text, sizeof(sub->text), "The gateway could not record the job (%s); try again later.", error ? error : "store error");
  }

  return (false);
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

  *reason_r = GW_REASON_NONE;
  _gwSystemConfigCopy(sys, &c);

  if (!user || !gwStoreUserFind(sys->store, tenant, user, &u) || u.disabled)
  {
    *reason_r = GW_REASON_UNKNOWN_USER;
    snprintf(text, textsize, "No active user \"%s\" on this gateway.", user ? user : "");
    return (NULL);
  }

  if (_gwSystemRestricted(sys, tenant, &u, origin, reason_r, text, textsize))
    return (NULL);

  *reason_r = GW_REASON_BAD_OPTION;
  if (!_gwSystemJobOptionsValid(options, u.role, text, textsize))
    return (NULL);
  *reason_r = GW_REASON_NONE;

  /*
   * Conversions run on the core's worker pool; when every worker is busy
   * and the queue is full, say so now, before the client sends the bytes.
   */

  if (_gwWorkersFull(sys->workers))
  {
    *reason_r = GW_REASON_BUSY;
    snprintf(text, textsize, "The gateway is busy converting other documents; try again in a minute.");
    return (NULL);
  }

  if (declared_size > c.max_document_size)
  {
    char clean[256];

    clean_name(name, clean, sizeof(clean));
    gwConfigSizeText(c.max_document_size, true, sizebuf, sizeof(sizebuf));
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
  sub->ring           = -1;
  sub->max_size       = c.max_document_size;
  sub->max_pages      = c.max_pages;
  sub->retention      = u.role == GW_ROLE_GUEST ? c.guest_retention : c.retention;
  sub->fail_retention = c.retention;
  sub->quarantine     = options && options->quarantine;

  gwUUIDNew(sub->job.id);
  sub->job.tenant      = tenant;
  sub->job.user_id     = u.id;
  sub->job.state       = GW_JOB_STATE_RECEIVING;
  sub->job.color_pages = -1;
  sub->job.created     = sub->job.updated = time(NULL);
  snprintf(sub->job.owner, sizeof(sub->job.owner), "%s", u.name);
  clean_name(name, sub->job.name, sizeof(sub->job.name));
  snprintf(sub->job.origin, sizeof(sub->job.origin), "%s", origin ? origin : "cli");
  snprintf(sub->job.format, sizeof(sub->job.format), "application/octet-stream");
  _gwSystemJobOptionsSet(options, u.role, &sub->job);

  if (u.role == GW_ROLE_GUEST)
  {
    /* Guest limits (docs/web.md): black and white (above), GuestMaxPages. */
    if (c.guest_max_pages < sub->max_pages)
      sub->max_pages = c.guest_max_pages;
  }

  if (options && options->origin_ref)
    snprintf(sub->job.origin_ref, sizeof(sub->job.origin_ref), "%s", options->origin_ref);

  /*
   * MaxHeldJobsPerUser: the store counts the user's unfinished jobs in the
   * transaction that adds this one, so submissions in parallel cannot pass
   * the limit together.  A late-recorded job (IPP Print-Job) is added, and
   * counted, when its document has arrived (gwSubmissionEnd()) or when its
   * upload grows long (gwSubmissionWrite()).
   */

  sub->max_open = c.max_held_jobs;
  sub->t_begin  = gwClockMs();

  if (!(options && options->record_late) && !record_job(sub, NULL))
  {
    *reason_r = sub->reason;
    snprintf(text, textsize, "%s", sub->text);
    free(sub);
    return (NULL);
  }

  if ((sub->writer = gwSpoolWriterNewDeferred(sys->spool, sub->job.id, 0, &error)) == NULL)
  {
    *reason_r = GW_REASON_INTERNAL;
    snprintf(text, textsize, "The gateway could not open its spool (%s); try again later.", error ? error : "spool error");
    if (sub->recorded)
      _gwSystemJobTransition(sys, &sub->job, GW_JOB_STATE_RECEIVING, GW_JOB_STATE_FAILED, GW_REASON_INTERNAL, text, sub->job.created + sub->fail_retention, NULL, "system", sub->job.origin, "job.fail", NULL);
    free(sub);
    return (NULL);
  }

  gwLogCtxJob(&sub->lctx, sys->log, sub->job.id, sub->job.owner);
  if (sub->recorded)
    gwLogCtx(&sub->lctx, GW_LOG_INFO, "receiving a document from %s (job number %d).", sub->job.origin, sub->job.number);
  else
    gwLogCtx(&sub->lctx, GW_LOG_INFO, "receiving a document from %s (recorded when it has arrived).", sub->job.origin);
  _gwSystemUploadActive(sys);           /* Conversions give way to uploads (system.c) */

  return (sub);
}


/*
 * 'spool_put()' - Bytes into the original's spool file, the first ones
 *                 kept for sniffing.
 */

static bool
spool_put(gw_submission_t *sub, const void *buf, size_t len)
{
  if (sub->headlen < sizeof(sub->head))
  {
    size_t n = sizeof(sub->head) - sub->headlen;

    if (n > len)
      n = len;
    memcpy(sub->head + sub->headlen, buf, n);
    sub->headlen += n;
  }

  return (gwSpoolWriterWrite(sub->writer, buf, len));
}


/*
 * 'record_put()' - One container record's header (and a short payload).
 */

static bool
record_put(gw_submission_t *sub, int type, const void *payload, uint32_t len, bool with_payload)
{
  unsigned char header[GW_CONTAINER_HEADER_LEN];

  gwContainerRecord(header, type, len);
  return (spool_put(sub, header, sizeof(header)) && (!with_payload || !len || spool_put(sub, payload, len)));
}


/*
 * 'framed_put()' - Bytes of the current document of a framed original:
 *                  the magic and the document's record before its first
 *                  byte, then records of at most GW_CONTAINER_CHUNK_MAX.
 */

static bool
framed_put(gw_submission_t *sub, const void *buf, size_t len)
{
  const unsigned char *p = (const unsigned char *)buf;

  if (len == 0)
    return (true);
  if (!sub->magic && !spool_put(sub, GW_CONTAINER_MAGIC, GW_CONTAINER_MAGIC_LEN))
    return (false);
  sub->magic = true;
  if (!sub->doc_open && !record_put(sub, GW_CONTAINER_DOC, sub->doc_format, (uint32_t)strlen(sub->doc_format), true))
    return (false);
  sub->doc_open = true;

  while (len > 0)
  {
    size_t n = len > GW_CONTAINER_CHUNK_MAX ? GW_CONTAINER_CHUNK_MAX : len;

    if (!record_put(sub, GW_CONTAINER_DATA, NULL, (uint32_t)n, false) || !spool_put(sub, p, n))
      return (false);
    p   += n;
    len -= n;
  }

  return (true);
}


/*
 * 'gwSubmissionDocument()' - A document of a job that may have several
 *                            begins (IPP Send-Document): more says
 *                            whether others may follow.  A first
 *                            document with more false is stored as is;
 *                            otherwise the original becomes a container
 *                            (container.h) the converter splits.  False
 *                            (gwSubmissionEnd() then says why) past
 *                            GW_CONTAINER_MAX_DOCS documents, after the
 *                            last one, or once the submission failed.
 */

bool
gwSubmissionDocument(gw_submission_t *sub, const char *format, bool more)
{
  size_t i = 0;

  if (!sub || sub->failed)
    return (false);

  if (sub->last || (!sub->framed && sub->received > 0) || sub->documents >= GW_CONTAINER_MAX_DOCS)
  {
    sub->failed = true;
    sub->reason = GW_REASON_TOO_LARGE;
    if (sub->documents >= GW_CONTAINER_MAX_DOCS)
      snprintf(sub->text, sizeof(sub->text), "%s: a job may have at most %d documents; send the others as another job.", sub->job.name, GW_CONTAINER_MAX_DOCS);
    else
      snprintf(sub->text, sizeof(sub->text), "%s: the job already has its last document.", sub->job.name);
    gwSpoolWriterAbort(&sub->writer);
    return (false);
  }

  sub->documents ++;
  sub->last = !more;
  if (sub->documents == 1 && !more)
    return (true);                      /* One document: as is */

  sub->framed   = true;
  sub->doc_open = false;
  for (; format && *format && i < sizeof(sub->doc_format) - 1; format ++)
    if (*format >= ' ' && *format <= '~')
      sub->doc_format[i ++] = *format;
  sub->doc_format[i] = '\0';

  return (true);
}


/*
 * 'gwSubmissionWrite()' - Add bytes.  Returns false once a limit is hit,
 *                         the spool fails or (a late-recorded job growing
 *                         long, recorded here) the user has too many jobs;
 *                         the caller stops sending and calls
 *                         gwSubmissionEnd() to get the reason.
 */

bool
gwSubmissionWrite(gw_submission_t *sub, const void *buf, size_t len)
{
  if (!sub || sub->failed)
    return (false);

  if (!sub->recorded && (sub->received + (int64_t)len > GW_LATE_BYTES || gwClockMs() - sub->t_begin > GW_LATE_MS) && !record_job(sub, NULL))
  {
    sub->failed = true;                 /* Refused (too many jobs): the reason and text are set */
    gwSpoolWriterAbort(&sub->writer);
    return (false);
  }

  if ((int64_t)len > sub->max_size - sub->received)
  {
    char sizebuf[32];

    gwConfigSizeText(sub->max_size, true, sizebuf, sizeof(sizebuf));
    sub->failed = true;
    sub->reason = GW_REASON_TOO_LARGE;
    if (sub->framed)
      snprintf(sub->text, sizeof(sub->text), "%s: the job's documents together are larger than this gateway's limit of %s; send them as several jobs.", sub->job.name, sizebuf);
    else
      snprintf(sub->text, sizeof(sub->text), "%s: the document is larger than this gateway's limit of %s; send a smaller file or split it.", sub->job.name, sizebuf);
    gwSpoolWriterAbort(&sub->writer);
    return (false);
  }

  sub->received += (int64_t)len;

  if (!(sub->framed ? framed_put(sub, buf, len) : spool_put(sub, buf, len)))
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
 * 'gwSubmissionReason()' - The reason of a failed submission (NONE if none).
 */

gw_reason_t
gwSubmissionReason(gw_submission_t *sub)
{
  return (sub && sub->failed ? sub->reason : GW_REASON_NONE);
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
 * Conversion: the original (spool document 0, transient) is decrypted into
 * a sealed memfd and converted by the sandboxed helper (docs/converters.md);
 * the normalised PDF it returns is encrypted as it arrives into spool
 * document 1, the one that is held and printed.  At most ConversionWorkers
 * conversions run at once; the others wait here for a slot.
 */

typedef struct convert_out_s            /* What a successful conversion gives */
{
  gw_spool_writer_t *writer;            /* Document 1 as the helper wrote it, not yet finished */
  gw_wrapped_key_t key;                 /* Of document 1 */
  uint64_t         size;
  int              pages;
  int              color_pages;
  char             format[256];         /* What the original was ("jpeg"; "multi,pdf,jpeg") */
  double           decrypt_ms;          /* Original into the memfd */
  double           helper_ms;           /* Spawn to exit of the helper run(s) */
  int              helper_pid;          /* The (last) helper's pid */
  bool             pooled;              /* ... a pre-started one */
} convert_out_t;


static ssize_t
spool_read(void *ctx, void *buf, size_t len)
{
  return (gwSpoolReaderRead((gw_spool_reader_t *)ctx, buf, len));
}


static bool
spool_write(void *ctx, const void *buf, size_t len)
{
  return (gwSpoolWriterWrite((gw_spool_writer_t *)ctx, buf, len));
}


/*
 * 'conversion_text()' - The sentence for a failed conversion: the document's
 *                       name, what is wrong (the helper's own detail, which
 *                       never quotes the document) and what to do.
 */

static void
conversion_text(gw_submission_t *sub, const gw_convert_result_t *res, int timeout)
{
  const char *name = sub->job.name, *detail = res->detail[0] ? res->detail : "no detail";

  sub->reason = res->reason;

  switch (res->reason)
  {
    case GW_REASON_UNSUPPORTED_FORMAT :
        snprintf(sub->text, sizeof(sub->text), "%.120s: %.380s.", name, detail);
        break;
    case GW_REASON_PASSWORD_PROTECTED :
        snprintf(sub->text, sizeof(sub->text), "%.120s: the PDF is password-protected; remove the password (print or export it to a new PDF) and send it again.", name);
        break;
    case GW_REASON_EMPTY_DOCUMENT :
        snprintf(sub->text, sizeof(sub->text), "%.120s: %.300s; nothing to print.", name, detail);
        break;
    case GW_REASON_TOO_MANY_PAGES :
        snprintf(sub->text, sizeof(sub->text), "%.120s: %.300s; print fewer pages or split the document.", name, detail);
        break;
    case GW_REASON_TOO_LARGE :
        snprintf(sub->text, sizeof(sub->text), "%.120s: %.300s; send a smaller document.", name, detail);
        break;
    case GW_REASON_CORRUPT_DOCUMENT :
        snprintf(sub->text, sizeof(sub->text), "%.120s: the document is damaged or cannot be read (%.300s); save or export it again and resend it.", name, detail);
        break;
    case GW_REASON_CONVERSION_TIMEOUT :
        snprintf(sub->text, sizeof(sub->text), "%.120s: converting it took longer than %d seconds, so it was stopped; send a simpler document or a PDF.", name, timeout);
        break;
    case GW_REASON_CONVERSION_CRASHED :
        snprintf(sub->text, sizeof(sub->text), "%.120s: the converter could not process it (%.300s); send it as PDF.", name, detail);
        break;
    default :
        sub->reason = GW_REASON_INTERNAL;
        snprintf(sub->text, sizeof(sub->text), "%.120s: the gateway could not convert it (internal error: %.300s); try again later.", name, detail);
        break;
  }
}


/*
 * 'check_name()' - Log when the name says one format and the content is
 *                  another (the content wins).
 */

static void
check_name(gw_submission_t *sub, const char *keyword)
{
  for (int f = 1; f < GW_FORMAT_COUNT; f ++)
  {
    if (!strcmp(gwFormatKeyword((gw_format_t)f), keyword))
    {
      if (gwFormatFilenameLies((gw_format_t)f, sub->job.name))
        gwLogCtx(&sub->lctx, GW_LOG_WARN, "the document's name does not match its content (%s); converted by its content.", gwFormatName((gw_format_t)f));
      return;
    }
  }
}


/*
 * 'run_helper()' - One run of printgate-convert --normalize on a memfd,
 *                  its output encrypted into spool document 1 (left in
 *                  out->writer on success, for store_converted()).  The
 *                  caller holds a conversion slot.
 */

static bool
run_helper(gw_submission_t *sub, const gw_config_t *c, const char *helper, int in_fd, gw_convert_result_t *res, convert_out_t *out)
{
  gw_system_t       *sys = sub->sys;
  gw_spool_writer_t *writer;
  gw_convert_job_t   cj;
  const char        *error = NULL;
  const char        *argv[] = { helper, GW_CONV_ARG_NORMALIZE, NULL };
  char               env[9][80];
  const char        *envp[11];
  int                fsize_mb;
  double             t0;
  bool               ok;

  /* The helper's output may be larger than its input (images); allow
   * twice the document limit, at least 512 MB. */
  fsize_mb = (int)(c->max_document_size / (512 * 1024));
  if (fsize_mb < 512)
    fsize_mb = 512;
  if (fsize_mb > 65536)
    fsize_mb = 65536;

  snprintf(env[0], sizeof(env[0]), GW_CONV_ENV_MAX_PAGES "=%d", sub->max_pages);
  snprintf(env[1], sizeof(env[1]), GW_CONV_ENV_AS_MB "=%lld", (long long)(c->conversion_memory / (1024 * 1024)));
  snprintf(env[2], sizeof(env[2]), GW_CONV_ENV_CPU_S "=%d", c->conversion_timeout + 5);
  snprintf(env[3], sizeof(env[3]), GW_CONV_ENV_FSIZE_MB "=%d", fsize_mb);
  snprintf(env[4], sizeof(env[4]), GW_CONV_ENV_COLOR "=%d", c->count_color_pages ? 1 : 0);
  snprintf(env[5], sizeof(env[5]), GW_CONV_ENV_OFFICE "=%d", gwSystemGetOfficePool(sys) ? 1 : 0);
  snprintf(env[6], sizeof(env[6]), GW_CONV_ENV_PAPER "=%s", c->paper_size);
  snprintf(env[7], sizeof(env[7]), GW_CONV_ENV_USER "=%s", c->conversion_user);
  snprintf(env[8], sizeof(env[8]), GW_CONV_ENV_MAX_MPIXELS "=%d", c->max_image_megapixels);
  for (int i = 0; i < 9; i ++)
    envp[i] = env[i];
  envp[9]  = c->sandbox_require_landlock ? NULL : GW_CONV_ENV_REQUIRE_LANDLOCK "=0";   /* SandboxRequireLandlock no */
  envp[10] = NULL;

  if ((writer = gwSpoolWriterNew(sys->spool, sub->job.id, 1, &error)) == NULL)
  {
    memset(res, 0, sizeof(*res));
    res->reason = GW_REASON_INTERNAL;
    snprintf(res->detail, sizeof(res->detail), "the spool cannot take the converted document: %s", error ? error : "spool error");
    return (false);
  }

  memset(&cj, 0, sizeof(cj));
  cj.helper     = helper;
  cj.argv       = argv;
  cj.envp       = envp;
  cj.tmp_parent = c->conversion_dir;
  cj.timeout    = c->conversion_timeout;
  cj.max_output = (int64_t)fsize_mb * 1024 * 1024;
  cj.in_fd      = in_fd;
  cj.write      = spool_write;
  cj.write_ctx  = writer;
  cj.log        = sys->log;
  cj.cancel     = &sys->stopping;   /* A stop kills it; the job is converted at the next start */
  /*
   * Below the listener threads: a phone waits for its Print-Job answer,
   * nobody waits for a held job's conversion, and with both on the same
   * cores the conversions of earlier jobs took half the CPU from intake
   * (docs/benchmarks.md).  CFS never starves nice 10 (about a tenth of a
   * busy core is still its own), and the CPU limit counts CPU time, so
   * only the wall time grows, and only while intake keeps the cores busy.
   */
  cj.nice       = GW_CONVERT_INTAKE_NICE;
  cj.pool       = sys->convert_pool;  /* A pre-started helper when one fits (docs/converters.md, "The helper pool") */

  t0 = gwClockMs();
  ok = gwConvertRun(&cj, res);
  out->helper_ms += gwClockMs() - t0;
  out->helper_pid = res->helper_pid;
  out->pooled     = res->pooled;

  if (ok)
  {
    out->writer      = writer;
    out->pages       = res->pages;
    out->color_pages = res->color_pages;
  }
  else
    gwSpoolWriterAbort(&writer);

  return (ok);
}


/*
 * 'store_converted()' - Finish and commit document 1 (its fsync, the
 *                       rename into jobs/ and the fsync of jobs/), with no
 *                       conversion slot held: another conversion runs
 *                       meanwhile.  False (and the sentence) on failure.
 */

static bool
store_converted(gw_submission_t *sub, convert_out_t *out)
{
  bool ok = gwSpoolWriterFinish(out->writer, &out->key, &out->size) && gwSpoolWriterCommit(&out->writer);

  gwSpoolWriterAbort(&out->writer);
  if (!ok)
  {
    gwLogCtx(&sub->lctx, GW_LOG_ERROR, "the converted document could not be stored.");
    sub->reason = GW_REASON_INTERNAL;
    snprintf(sub->text, sizeof(sub->text), "%s: the gateway could not store the converted document (disk full?); try again later.", sub->job.name);
  }

  return (ok);
}


/*
 * 'pdf_helper()' - printgate-convert-pdf next to helper, when it is there
 *                  and head (the document's first bytes, or NULL for a
 *                  PDF of our own) says PDF or PostScript; else helper.
 *                  The lean helper starts with Ghostscript's libraries
 *                  only (docs/converters.md, "Fixed cost"); what it cannot
 *                  convert it hands back with GW_CONV_EXIT_FULL.
 */

static const char *
pdf_helper(const char *helper, const unsigned char *head, size_t headlen, char *buf, size_t bufsize)
{
  const char         *slash = strrchr(helper, '/');
  gw_format_family_t  family = head ? gwFormatFamily(gwFormatSniff(head, headlen)) : GW_FORMAT_FAMILY_PDF;

  if (head && gwContainerIs(head, headlen))
    return (helper);                    /* Several documents: images and text among them, maybe */

  if (!slash || (family != GW_FORMAT_FAMILY_PDF && family != GW_FORMAT_FAMILY_POSTSCRIPT) ||
      (size_t)snprintf(buf, bufsize, "%.*s/" GW_CONV_HELPER_PDF, (int)(slash - helper), helper) >= bufsize || access(buf, X_OK))
    return (helper);

  return (buf);
}


/*
 * 'run_helpers()' - run_helper() with the lean helper when it fits, and
 *                   with printgate-convert when the lean one hands the
 *                   document back (or there is none).
 */

static bool
run_helpers(gw_submission_t *sub, const gw_config_t *c, const char *helper, const unsigned char *head, size_t headlen,
            int in_fd, gw_convert_result_t *res, convert_out_t *out)
{
  char        buf[GW_PATH_MAX];
  const char *first = pdf_helper(helper, head, headlen, buf, sizeof(buf));
  bool        ok = run_helper(sub, c, first, in_fd, res, out);

  if (!ok && first != helper && !res->cancelled && !res->signal && res->exit_status == GW_CONV_EXIT_FULL)
  {
    gwLogCtx(&sub->lctx, GW_LOG_DEBUG, "%s handed the document back (%s); running the full converter.", GW_CONV_HELPER_PDF, res->detail);
    ok = run_helper(sub, c, helper, in_fd, res, out);
  }

  return (ok);
}


/*
 * 'open_original()' - A reader of the job's original: in the spool's
 *                     intake ring when its row says so (a small document,
 *                     docs/spool-format.md), else its file.  A job the
 *                     recovery resumed learns its place here.
 */

static gw_spool_reader_t *
open_original(gw_submission_t *sub, const gw_wrapped_key_t *key)
{
  gw_system_t       *sys = sub->sys;
  gw_spool_reader_t *r = NULL;
  const char        *error = NULL;
  int64_t            ring = -1;

  switch (gwStoreJobOriginalRing(sys->store, sub->job.tenant, sub->job.id, &ring))
  {
    case 1 :
        sub->ring = ring;               /* Its blocks are given back once it is converted */
        r = gwSpoolReaderOpenRing(sys->spool, sub->job.id, 0, key, ring, sub->size, &error);
        break;
    case 0 :
        r = gwSpoolReaderOpen(sys->spool, sub->job.id, 0, key, &error);
        break;
    default :
        break;
  }

  if (!r)
    gwLogCtx(&sub->lctx, GW_LOG_ERROR, "its original cannot be read: %s.", error ? error : "store error");

  return (r);
}


/*
 * 'convert_document()' - Convert the committed original (document 0) into
 *                        the held PDF (document 1).  On failure sub->reason
 *                        and sub->text say why.
 */

static bool
convert_document(gw_submission_t *sub, const gw_wrapped_key_t *key, uint64_t size, convert_out_t *out)
{
  gw_system_t         *sys = sub->sys;
  gw_spool_reader_t   *r;
  gw_convert_result_t  res;
  gw_config_t          c;
  char                 helper[GW_PATH_MAX];
  int                  fd = -1;
  bool                 ok, slot = true;

  _gwSystemConfigCopy(sys, &c);

  if (size == 0)
  {
    sub->reason = GW_REASON_EMPTY_DOCUMENT;
    snprintf(sub->text, sizeof(sub->text), "%s: the document is empty (0 bytes); nothing to print.", sub->job.name);
    return (false);
  }

  if (!gwConfigConverterPath(&c, helper, sizeof(helper)))
  {
    gwLogCtx(&sub->lctx, GW_LOG_ERROR, "the converter %s is missing or not executable (ConverterPath).", helper);
    sub->reason = GW_REASON_INTERNAL;
    snprintf(sub->text, sizeof(sub->text), "%s: the gateway's converter is not installed; tell the administrator, then send it again.", sub->job.name);
    return (false);
  }

  /*
   * A conversion slot (ConversionWorkers) from the decrypt to the helper's
   * exit: the plaintext memfds are as many as the helpers, and the commit
   * of the output (fsyncs) runs after the slot is given back, while the
   * next conversion runs (the pool has more threads than slots).
   */

  _gwSystemConvertSlotTake(sys, &c, sub->t_queued);

  /* Plaintext only in memory: a sealed memfd the helper reads. */
  out->decrypt_ms = gwClockMs();
  if ((r = open_original(sub, key)) != NULL)
  {
    fd = gwConvertMemfd(spool_read, r, (int64_t)size);
    gwSpoolReaderClose(&r);
  }
  out->decrypt_ms = gwClockMs() - out->decrypt_ms;
  if (fd < 0)
  {
    _gwSystemConvertSlotGive(sys);
    sub->reason = GW_REASON_SPOOL_DAMAGED;
    snprintf(sub->text, sizeof(sub->text), "%s: the gateway could not read back its encrypted copy; send it again.", sub->job.name);
    return (false);
  }

  ok = run_helpers(sub, &c, helper, sub->head, sub->headlen, fd, &res, out);
  if (res.cancelled)
  {
    /*
     * A stop: the helper may have finished its output before the stop was
     * seen (then ok, and out->writer holds the converted bytes).  Nothing
     * of it is kept; the conversion runs again at the next start.
     */
    gwSpoolWriterAbort(&out->writer);
    _gwSystemConvertSlotGive(sys);
    sub->cancelled = true;             /* Left converting, with its original, for the next start */
    close(fd);
    return (false);
  }

  if (!ok && res.office)
  {
    /*
     * An Office document: the LibreOffice pool makes a PDF of it (in its
     * own confined processes, docs/office.md), and that PDF then goes
     * through the helper like any uploaded PDF, for the checks and counts.
     * The slot is not held while the pool works: it has its own instances.
     */

    gw_office_pool_t *office = gwSystemGetOfficePool(sys);
    char              format[sizeof(res.format)];
    int               pdf_fd = -1;

    snprintf(format, sizeof(format), "%s", res.format);
    memset(&res, 0, sizeof(res));
    snprintf(res.format, sizeof(res.format), "%s", format);

    _gwSystemConvertSlotGive(sys);
    slot = false;
    if (gwOfficePoolConvert(office, fd, format, &pdf_fd, &res.reason, res.detail, sizeof(res.detail)))
    {
      if (fcntl(pdf_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) && errno != EPERM)
        gwLogCtx(&sub->lctx, GW_LOG_DEBUG, "the Office PDF could not be sealed: %s", strerror(errno));
      _gwSystemConvertSlotTake(sys, &c, 0);   /* Already waited its turn */
      slot = true;
      ok = run_helpers(sub, &c, helper, NULL, 0, pdf_fd, &res, out);
      close(pdf_fd);
      snprintf(res.format, sizeof(res.format), "%s", format);   /* What the original was */
    }
    else if (res.reason == GW_REASON_NONE)
      res.reason = GW_REASON_INTERNAL;
  }

  if (slot)
    _gwSystemConvertSlotGive(sys);
  close(fd);

  if (res.format[0])
  {
    check_name(sub, res.format);
    snprintf(out->format, sizeof(out->format), "%s", res.format);
  }

  if (!ok)
  {
    gwLogCtx(&sub->lctx, GW_LOG_INFO, "conversion failed: %s (%s).", gwReasonCode(res.reason), res.detail);
    conversion_text(sub, &res, c.conversion_timeout);
    return (false);
  }

  return (store_converted(sub, out));
}


/*
 * 'ring_ready()' - End the intake ring's write of the original, once: the
 *                  store calls it (gw_original_t.ready) after writing the
 *                  row and before waiting for the WAL fsync, so the write
 *                  ran while the row was written and that fsync flushes
 *                  both.  False when the disk did not take it.
 */

static bool
ring_ready(void *data)
{
  gw_submission_t *sub = (gw_submission_t *)data;

  if (sub->ring_pending)
  {
    sub->ring_pending = false;
    sub->ring_ok      = gwSpoolWriterToRingFinish(sub->writer, sub->ring);
  }

  return (sub->ring_ok);
}


/*
 * 'ring_release()' - Give the original's blocks in the intake ring back,
 *                    once its row no longer names them (durably): never
 *                    before, or a new document could overwrite one the
 *                    next start still has to convert.
 */

static void
ring_release(gw_submission_t *sub)
{
  if (sub->ring >= 0)
    gwSpoolRingRelease(sub->sys->spool, sub->ring, sub->size);
  sub->ring = -1;
}


/*
 * 'fail_job()' - Move the job to failed with the submission's reason and
 *                drop its spool file.
 */

static void
fail_job(gw_submission_t *sub, gw_job_state_t from, gw_job_t *job)
{
  gw_system_t *sys = sub->sys;

  if (!sub->recorded && sub->reason != GW_REASON_TOO_MANY_JOBS && sub->reason != GW_REASON_DUPLICATE)
  {
    /* A late-recorded job that failed before it was recorded: record it
       (receiving) so that its owner sees the failure, as for any job. */
    gw_reason_t reason = sub->reason;
    char        text[sizeof(sub->text)];

    memcpy(text, sub->text, sizeof(text));
    record_job(sub, NULL);
    sub->reason = reason;
    memcpy(sub->text, text, sizeof(text));
    from = GW_JOB_STATE_RECEIVING;
  }

  if (sub->recorded)
    _gwSystemJobTransition(sys, &sub->job, from, GW_JOB_STATE_FAILED, sub->reason, sub->text, time(NULL) + sub->fail_retention, NULL, "system", sub->job.origin, "job.fail", NULL);
  for (unsigned doc = 0; doc <= 1; doc ++)
  {
    if (gwSpoolExists(sys->spool, sub->job.id, doc))
      gwSpoolRecycle(sys->spool, sub->job.id, doc);   /* This conversion was their only reader */
  }
  gwLogCtx(&sub->lctx, GW_LOG_INFO, "failed: %s", gwReasonCode(sub->reason));

  if (!sub->recorded || !gwStoreJobGet(sys->store, sub->job.tenant, sub->job.id, job))
  {
    *job = sub->job;
    job->state  = GW_JOB_STATE_FAILED;
    job->reason = sub->reason;
    snprintf(job->reason_text, sizeof(job->reason_text), "%s", sub->text);
  }
  else if (job->state == GW_JOB_STATE_CONVERTING)
    return;                             /* Not failed after all (a store error): it converts again at the next start, from the ring if there */

  ring_release(sub);                    /* Failed, cancelled or gone: its row no longer names the ring's blocks */
}


/*
 * 'free_submission()' - Wipe and free a submission.
 */

static void
free_submission(gw_submission_t *sub)
{
  gwSpoolWriterAbort(&sub->writer);
  gwWipe(&sub->key, sizeof(sub->key));
  gwWipe(sub->head, sizeof(sub->head));
  free(sub);
}


/*
 * 'convert_work()' - A conversion worker's item: convert the committed
 *                    original into the held PDF, then hold the job (or fail
 *                    it with the reason).  Frees the submission.
 */

static void
convert_work(void *arg)
{
  gw_submission_t *sub = (gw_submission_t *)arg;
  gw_system_t     *sys = sub->sys;
  gw_job_t         job;
  convert_out_t    out = { 0 };
  const char      *error = NULL;
  double           t1 = gwClockMs(), t2;
  bool             converted = convert_document(sub, &sub->key, sub->size, &out);
  gw_policy_decision_t policy;

  if (!sub->cancelled)
    _gwMetricsConversion(&sys->metrics, converted, gwClockMs() - t1);
  if (!converted)
  {
    if (sub->cancelled)
      gwLogCtx(&sub->lctx, GW_LOG_INFO, "the gateway is stopping; its conversion was stopped and runs again at the next start.");
    else
      fail_job(sub, GW_JOB_STATE_CONVERTING, &job);
    goto done;
  }
  t2 = gwClockMs();

  /* The print policy, with the real page and colour-page counts (docs/policy.md). */
  if (!_gwPolicySubmit(sys, &sub->job, out.format, (int64_t)out.size, out.pages, out.color_pages, &policy))
  {
    sub->reason = policy.reason;
    snprintf(sub->text, sizeof(sub->text), "%s", policy.text);
    fail_job(sub, GW_JOB_STATE_CONVERTING, &job);
    goto done;
  }

  if (!gwStoreJobSetDocument(sys->store, sub->job.tenant, sub->job.id, "application/pdf", (int64_t)out.size, out.pages, out.color_pages, &out.key) ||
      !_gwSystemJobTransition(sys, &sub->job, GW_JOB_STATE_CONVERTING, sub->quarantine ? GW_JOB_STATE_QUARANTINED : GW_JOB_STATE_HELD, GW_REASON_NONE, policy.text, time(NULL) + (policy.retention ? policy.retention : sub->retention), NULL, "system", sub->job.origin, sub->quarantine ? "job.quarantine" : "job.hold", &error))
  {
    sub->reason = GW_REASON_INTERNAL;
    snprintf(sub->text, sizeof(sub->text), "%s: the gateway could not hold the document (%s); try again later.", sub->job.name, error ? error : "store error");
    fail_job(sub, GW_JOB_STATE_CONVERTING, &job);
    goto done;
  }

  /* The original is not kept once the held PDF is committed: its key row
   * went in the hold's transaction (crypto-shred), now its file (no fsync:
   * a file left by a crash is removed at the next start, recovery.c) or
   * its blocks in the intake ring. */
  if (sub->ring >= 0)
    ring_release(sub);
  else
    gwSpoolRecycle(sys->spool, sub->job.id, 0);

  gwLogCtx(&sub->lctx, GW_LOG_INFO, "%s: %s converted to %d page(s) (%d in colour), %lld bytes (timing: commit=%.1fms queued=%.1fms decrypt=%.1fms helper=%.1fms convert=%.1fms hold=%.1fms helper_pid=%d pooled=%d).", sub->quarantine ? "quarantined" : "held", out.format[0] ? out.format : "document", out.pages, out.color_pages, (long long)out.size, sub->t_commit, t1 - sub->t_queued, out.decrypt_ms, out.helper_ms, t2 - t1, gwClockMs() - t2, out.helper_pid, out.pooled ? 1 : 0);

  done:

  gwSpoolWriterAbort(&out.writer);     /* Any path that did not store it (a stop, a refusal) */
  gwWipe(&out, sizeof(out));
  free_submission(sub);
}


/*
 * 'discard_work()' - The daemon stops before this conversion started: the
 *                    job stays converting, with its original and key, and
 *                    runs again at the next start (gwSystemRecover()).
 */

static void
discard_work(void *arg)
{
  gw_submission_t *sub = (gw_submission_t *)arg;

  gwLogCtx(&sub->lctx, GW_LOG_INFO, "the gateway is stopping; it will be converted at the next start.");
  free_submission(sub);
}


/*
 * 'queue_conversion()' - Hand a committed submission to the worker pool.
 *                        When the pool is stopping, the job stays
 *                        converting for the next start.
 */

static void
queue_conversion(gw_submission_t *sub)
{
  sub->t_queued = gwClockMs();
  if (!_gwWorkersQueue(sub->sys->workers, convert_work, discard_work, sub))
    discard_work(sub);
}


/*
 * 'gwSubmissionJobId()' - The job id (UUID) the submission has.
 */

const char *
gwSubmissionJobId(gw_submission_t *sub)
{
  return (sub ? sub->job.id : NULL);
}


/*
 * 'gwSubmissionJobNumber()' - The job's small number (IPP job-id).
 */

int
gwSubmissionJobNumber(gw_submission_t *sub)
{
  return (sub ? sub->job.number : 0);
}


/*
 * 'gwSubmissionEnd()' - All bytes are in: commit the spool file (fsync'd,
 *                       on a spool thread) while recording its key and moving the job to converting (WAL fsync), then
 *                       queue the conversion.  Returns at once: true and
 *                       the converting job, or false and the failed job
 *                       (with reason).  Frees (or hands over) the
 *                       submission.
 */

bool
gwSubmissionEnd(gw_submission_t **subp, gw_job_t *job)
{
  gw_submission_t *sub;
  gw_system_t     *sys;
  const char      *error = NULL;
  double           t0 = gwClockMs();
  bool             stored, spooled;
  gw_original_t    original = { .size = 0, .key = NULL, .ring = -1 };

  if (!subp || !*subp)
    return (false);

  sub = *subp;
  sys = sub->sys;
  *subp = NULL;
  _gwSystemUploadActive(sys);

  if (sub->failed)
  {
    fail_job(sub, GW_JOB_STATE_RECEIVING, job);
    free_submission(sub);
    return (false);
  }

  if ((sub->magic && !record_put(sub, GW_CONTAINER_END, NULL, 0, false)) ||
      !gwSpoolWriterSeal(sub->writer, &sub->key, &sub->size))
  {
    sub->reason = GW_REASON_INTERNAL;
    snprintf(sub->text, sizeof(sub->text), "%s: the gateway could not store the document (disk full?); try again later.", sub->job.name);
    fail_job(sub, GW_JOB_STATE_RECEIVING, job);
    free_submission(sub);
    return (false);
  }

  if (sub->size == 0)
  {
    sub->reason = GW_REASON_EMPTY_DOCUMENT;
    snprintf(sub->text, sizeof(sub->text), "%s: the document is empty (0 bytes); nothing to print.", sub->job.name);
    fail_job(sub, GW_JOB_STATE_RECEIVING, job);
    free_submission(sub);
    return (false);
  }

  /*
   * The durability points side by side (docs/spool-format.md, "Commit"):
   * the spool's threads write the file's last bytes, rename it into jobs/
   * and fsync the file and jobs/ at once, while this thread commits the
   * store row (and waits for the WAL fsync).  The caller answers only once
   * all are durable.  A crash in between leaves a job converting without a
   * readable original (it fails at recovery) or a spool file of a job
   * still receiving (removed at recovery); the client had no answer for
   * either.
   */

  original.size = (int64_t)sub->size;
  original.key  = &sub->key;
  if (sub->size <= GW_RING_MAX && (original.ring = gwSpoolWriterToRingStart(sub->writer)) >= 0)
  {
    /*
     * A small original goes to the intake ring: the disk writes it while
     * the row is written, and ring_ready() waits for it before the WAL
     * fsync that makes the row durable, which then flushes both.
     */
    sub->ring         = original.ring;
    sub->ring_pending = true;
    if (sub->recorded)
      ring_ready(sub);                  /* A transition of its own: nothing to write meanwhile */
    original.ready      = ring_ready;
    original.ready_data = sub;
  }
  else
    gwSpoolWriterCommitStart(sub->writer);
  if (sub->recorded)
    stored = _gwSystemJobConverting(sys, &sub->job, &original, &error);
  else
    stored = record_job(sub, &original);   /* Late: the job's row, converting, in one transaction */
  if (sub->ring >= 0)
  {
    spooled = ring_ready(sub);          /* Ended already, unless the store refused before writing */
    gwSpoolWriterAbort(&sub->writer);   /* It never made a file */
  }
  else
    spooled = gwSpoolWriterCommitEnd(&sub->writer);

  if (!stored || !spooled)
  {
    if (stored || sub->recorded || sub->reason == GW_REASON_INTERNAL)
    {
      /* Else a late job refused (too many jobs): record_job()'s reason and sentence */
      sub->reason = GW_REASON_INTERNAL;
      snprintf(sub->text, sizeof(sub->text), spooled ? "%s: the gateway could not record the document; try again later." : "%s: the gateway could not store the document (disk full?); try again later.", sub->job.name);
    }
    fail_job(sub, stored ? GW_JOB_STATE_CONVERTING : GW_JOB_STATE_RECEIVING, job);
    free_submission(sub);
    return (false);
  }

  /* The row as the transition left it (no read back: nothing else changes it meanwhile). */
  *job         = sub->job;
  job->state   = GW_JOB_STATE_CONVERTING;
  job->updated = time(NULL);
  sub->t_commit = gwClockMs() - t0;
  queue_conversion(sub);

  return (true);
}


/*
 * '_gwSubmissionResume()' - Crash recovery: queue the conversion of a job
 *                           left converting, from its committed original
 *                           and the key recorded for it.  False (the caller
 *                           fails the job) when it cannot be queued.
 */

bool
_gwSubmissionResume(gw_system_t *sys, const gw_job_t *job, int64_t size, const gw_wrapped_key_t *key)
{
  gw_submission_t *sub;
  gw_config_t      c;
  gw_user_t        u;

  memset(&u, 0, sizeof(u));
  if (size <= 0 || (sub = calloc(1, sizeof(gw_submission_t))) == NULL)
    return (false);

  sub->key = *key;

  _gwSystemConfigCopy(sys, &c);
  sub->recorded       = true;
  sub->sys            = sys;
  sub->job            = *job;
  sub->size           = (uint64_t)size;
  sub->ring           = -1;             /* Learnt when it is read (open_original()) */
  sub->max_size       = c.max_document_size;
  sub->max_pages      = c.max_pages;
  sub->retention      = gwStoreUserGet(sys->store, job->tenant, job->user_id, &u) && u.role == GW_ROLE_GUEST ? c.guest_retention : c.retention;
  sub->fail_retention = c.retention;
  if (sub->retention == c.guest_retention && u.role == GW_ROLE_GUEST && c.guest_max_pages < sub->max_pages)
    sub->max_pages = c.guest_max_pages;

  gwLogCtxJob(&sub->lctx, sys->log, job->id, job->owner);
  gwLogCtx(&sub->lctx, GW_LOG_WARN, "recovery: it was converting when the gateway stopped; converting it again.");
  queue_conversion(sub);

  return (true);
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
  free_submission(sub);
}
