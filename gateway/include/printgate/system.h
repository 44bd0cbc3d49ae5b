/*
 * system.h - the gateway system object: owns the config, log, keys, spool,
 * store, listener and sinks, and carries out what front-ends ask for
 * (submit, list, cancel, release, expire).
 *
 * Front-ends (CLI control socket, IPP, web, mail) call these functions; they
 * never touch the store or the spool directly.
 */

#ifndef PRINTGATE_SYSTEM_H
#define PRINTGATE_SYSTEM_H

#include "base.h"
#include "config.h"
#include "event.h"
#include "job.h"
#include "log.h"
#include "records.h"
#include "sink.h"

/* A streaming submission: begin -> write* -> end (or abort). */
typedef struct _gw_submission_s gw_submission_t;

typedef struct gw_job_options_s
{
  int         copies;          /* 0 = default (1) */
  const char *sides;           /* NULL = "one-sided" */
  const char *color_mode;      /* NULL = "auto" */
  const char *page_ranges;     /* NULL or "" = all pages; IPP syntax "2-3,5" */
  int         number_up;       /* 0 = default (1); 1, 2, 4, 6, 9, 16 */
  bool        quarantine;      /* Converted, then held back (quarantined) until
                                  gwSystemJobUnquarantine(): a sender not yet verified */
  const char *origin_ref;      /* NULL or "": none.  The front-end's own idempotency key (at most
                                  127 bytes, e.g. "mail:SOURCE:UIDVALIDITY:UID:PART"): unique per
                                  tenant and origin, so a second Begin with it is refused with
                                  GW_REASON_DUPLICATE, unless the first job failed "interrupted"
                                  (the gateway stopped before its document was kept).  It also
                                  travels in the job's events (gw_job_event_t.origin_ref). */
  bool        record_late;     /* Record the job when its document has arrived, in one store
                                  transaction with the document (IPP Print-Job: docs/ipp.md), not at
                                  Begin.  The job has no number until then, and MaxHeldJobsPerUser is
                                  checked then; an upload that grows past 256 KB or lasts more than
                                  1 s is recorded as receiving at that point, as without it. */
} gw_job_options_t;

typedef struct gw_release_s
{
  const char *pin;             /* Release by PIN, or */
  const char *card;            /* by card number, or */
  const char *user;            /* by user name (admin/CLI) */
  const char *printer;         /* Required: printer name */
  const char *job_id;          /* NULL = all of the user's held jobs */
  const char *source;          /* Label for the audit log ("cli", terminal id); not trusted for lockout */
  const char *client;          /* Required for PIN and card: who is asking, as the front-end knows it
                                * (terminal key, client address, "control:cli:root"); lockout counts per client */
  const char *actor;           /* Who asked ("cli", admin name) */
  const char *page_ranges;     /* NULL = as submitted; "" = all pages; else "2-3,5" (this release only) */
  int         number_up;       /* 0 = as submitted; else 1, 2, 4, 6, 9, 16 (this release only) */
  const char *owner;           /* NULL = the releasing user's own jobs; else this user's, who must have
                                  named the releasing user a delegate (docs/policy.md) */
} gw_release_t;

typedef struct gw_release_result_s
{
  int  released;               /* Jobs printed */
  int  held;                   /* Jobs put back to held (printer down, refused) */
  int  failed;                 /* Jobs that failed for good */
  gw_reason_t reason;          /* Last reason (for a single job) */
  char text[512];              /* Sentence for people */
} gw_release_result_t;

extern gw_system_t *gwSystemNew(gw_config_t *config, bool first_run_setup, const char **error_r); /* Takes ownership of config */
extern bool         gwSystemCheckConfig(const gw_config_t *config, char *why, size_t whysize); /* printgated -t */
extern void         gwSystemBeginStop(gw_system_t *sys);                       /* Cancel conversions, wake waiters */
extern void         gwSystemDelete(gw_system_t **sys);
extern bool         gwSystemReload(gw_system_t *sys, gw_config_t *config);     /* Takes ownership */
extern bool         gwSystemRecover(gw_system_t *sys);                         /* After a crash: incoming/, half jobs, orphans */
extern bool         gwSystemStartListener(gw_system_t *sys, const char **error_r);
extern void         gwSystemAddSink(gw_system_t *sys, const gw_sink_ops_t *ops);
extern gw_config_t *gwSystemGetConfig(gw_system_t *sys);   /* Valid until the next reload; read-only */
extern gw_log_t    *gwSystemGetLog(gw_system_t *sys);
extern gw_listener_t *gwSystemGetListener(gw_system_t *sys);
extern int          gwSystemExpire(gw_system_t *sys, int64_t now);             /* One sweep; returns jobs removed */
/* Job events (event.h): valid until gwSystemDelete; subscribe before the listener starts. */
extern gw_events_t *gwSystemGetEvents(gw_system_t *sys);

/* Short blocking work a front-end must not do on a listener thread (a
   password check): run() on a small core pool; false = busy (nothing
   queued).  A task still queued at the stop gets discard() instead; exactly
   one of the two runs, and it frees arg. */
typedef void (*gw_task_fn_t)(void *arg);
extern bool         gwSystemRunTask(gw_system_t *sys, gw_task_fn_t run, gw_task_fn_t discard, void *arg);
/* Wait until a job has left receiving/converting (or timeout_ms passes, or the gateway stops);
 * fills job with its state then.  Returns false if the job is unknown. */
extern bool         gwSystemJobWait(gw_system_t *sys, int64_t tenant, const char *job_id, int timeout_ms, gw_job_t *job);

extern gw_submission_t *gwSubmissionBegin(gw_system_t *sys, int64_t tenant, const char *user, const char *name, const char *origin, const gw_job_options_t *options, int64_t declared_size, gw_reason_t *reason_r, char *text, size_t textsize);
extern bool gwSubmissionWrite(gw_submission_t *sub, const void *buf, size_t len);
/* A job with several documents (IPP Create-Job + Send-Document): call before each document's
 * bytes, with the format the client named (informational) and whether more may follow.  A
 * first document with more false is stored as is; otherwise the documents are framed into one
 * original that the converter splits, converts and merges into the one held PDF
 * (docs/spool-format.md).  MaxDocumentSize counts all of them.  False (gwSubmissionEnd() then
 * fails the job and says why) past 100 documents, after the last one, or once failed. */
extern bool gwSubmissionDocument(gw_submission_t *sub, const char *format, bool more);
/* The job id (UUID) the submission will have; valid until End or Abort. */
extern const char *gwSubmissionJobId(gw_submission_t *sub);
extern int         gwSubmissionJobNumber(gw_submission_t *sub);    /* Unique per gateway, for IPP job-id; 0 until a
                                                                       late-recorded job is recorded */
/* Commits the document durably and returns at once: true and the job CONVERTING (the conversion
 * runs on the core's worker pool; its outcome, held or failed, comes as a job event), or false and
 * the job FAILED with its reason (a limit hit while receiving, the spool or store failing). */
extern bool gwSubmissionEnd(gw_submission_t **sub, gw_job_t *job);
extern void gwSubmissionAbort(gw_submission_t **sub, gw_reason_t reason);
extern const char *gwSubmissionError(gw_submission_t *sub);
extern gw_reason_t gwSubmissionReason(gw_submission_t *sub);      /* Why Write refused (GW_REASON_NONE if it did not) */

/* A quarantined job (its sender now verified, or an admin approved it) becomes held, with the
 * owner's retention from now.  False and why if it is not quarantined. */
extern bool gwSystemJobUnquarantine(gw_system_t *sys, int64_t tenant, const char *job_id, const char *actor, const char *source, const char **error_r);
extern bool gwSystemJobCancel(gw_system_t *sys, int64_t tenant, const char *job_id, const char *actor, const char **error_r);
extern bool gwSystemRelease(gw_system_t *sys, int64_t tenant, const gw_release_t *rel, gw_release_result_t *result);
extern bool gwSystemPinNew(gw_system_t *sys, int64_t tenant, const char *user, char *pin, size_t pinsize, const char **error_r);
extern bool gwSystemCardSet(gw_system_t *sys, int64_t tenant, const char *user, const char *card, const char **error_r);

#endif /* !PRINTGATE_SYSTEM_H */
