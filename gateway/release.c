/*
 * release.c - releasing held jobs at a printer (PIN, card or user), and the
 * release credentials themselves (PINs, card numbers).
 *
 * A release: identify the user (PIN/card, locked out per printer, client
 * and tenant), pick the jobs, and for each: held -> releasing (atomic in the store, so
 * two terminals cannot print one job twice), verify the whole encrypted
 * file and stream it through the printer's sink from one open reader,
 * then printed (kept for reprint or removed) or back to held with the
 * printer's reason.  A job whose last release was cut short by a restart
 * (held, "interrupted") is first looked for at the printer it went to
 * (release_interrupted()), so it does not print twice.
 */

#include "system-private.h"
#include "policy-private.h"
#include "printgate/clock.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct jobs_s           /* Jobs picked for a release */
{
  gw_job_t *jobs;
  int       count, alloc;
} jobs_t;


/*
 * 'collect_job()' - Add a job to the release list.
 */

static bool
collect_job(const gw_job_t *job, void *data)
{
  jobs_t *j = (jobs_t *)data;

  if (j->count == j->alloc)
  {
    int   alloc = j->alloc ? 2 * j->alloc : 8;
    void *jobs  = realloc(j->jobs, (size_t)alloc * sizeof(gw_job_t));

    if (!jobs)
      return (false);
    j->jobs  = jobs;
    j->alloc = alloc;
  }

  j->jobs[j->count ++] = *job;
  return (true);
}


/*
 * 'release_options_check()' - Check page ranges and number-up chosen at
 *                             release (the same rules as at submission).
 */

static bool
release_options_check(const gw_release_t *rel, gw_release_result_t *result)
{
  gw_job_options_t options;

  memset(&options, 0, sizeof(options));
  options.page_ranges = rel->page_ranges;
  options.number_up   = rel->number_up;

  return (_gwSystemJobOptionsCheck(&options, result->text, sizeof(result->text)));
}


/*
 * 'release_options_apply()' - Use the page ranges and number-up chosen at
 *                             release for this release of the job (the
 *                             stored job keeps what was submitted).
 */

static void
release_options_apply(const gw_release_t *rel, gw_job_t *job)
{
  gw_job_options_t options;
  gw_job_t         chosen;

  if (!rel->page_ranges && !rel->number_up)
    return;

  memset(&options, 0, sizeof(options));
  options.page_ranges = rel->page_ranges ? rel->page_ranges : job->page_ranges;
  options.number_up   = rel->number_up ? rel->number_up : job->number_up;

  _gwSystemJobOptionsApply(&options, &chosen);
  memcpy(job->page_ranges, chosen.page_ranges, sizeof(job->page_ranges));
  job->number_up = chosen.number_up;
}


/*
 * 'release_key()' - What the printer-side job-name carries to identify this
 *                   release of the job: the job id, and for a reprint
 *                   "#N" (N = the print it is), so that an earlier print
 *                   of a kept job is not taken for an interrupted reprint.
 */

static void
release_key(const gw_job_t *job, char *key, size_t keysize)
{
  if (job->print_count > 0)
    snprintf(key, keysize, "%s#%d", job->id, job->print_count + 1);
  else
    snprintf(key, keysize, "%s", job->id);
}


/*
 * 'sink_doc()' - What a sink is told about a job: its names, options and
 *                size, and the release key (the job id, put in the
 *                printer's job-name so a release cut short by a restart
 *                finds it there).  key must outlive doc.
 */

static void
sink_doc(const gw_job_t *job, char *key, size_t keysize, gw_sink_doc_t *doc)
{
  release_key(job, key, keysize);

  memset(doc, 0, sizeof(*doc));
  doc->job_id     = key;
  doc->job_name   = job->name;
  doc->owner      = job->owner;
  doc->format     = job->format;
  doc->copies     = job->copies;
  doc->sides      = job->sides;
  doc->color_mode = job->color_mode;
  doc->size       = job->size;
}


/*
 * 'release_printed()' - Record a job as printed (kept for reprint, or
 *                       discarded) with the sentence 'text'.
 */

static void
release_printed(gw_system_t *sys, const gw_config_t *c, const gw_job_t *job, const char *printer, const gw_release_t *rel, const char *text)
{
  const char *error = NULL;

  if (c->keep_printed_jobs)
    _gwSystemJobTransition(sys, job, GW_JOB_STATE_RELEASING, GW_JOB_STATE_PRINTED, GW_REASON_NONE, text, time(NULL) + c->reprint_retention, printer, rel->actor, rel->source, "job.print", &error);
  else if (_gwSystemJobTransition(sys, job, GW_JOB_STATE_RELEASING, GW_JOB_STATE_PRINTED, GW_REASON_NONE, text, -1, printer, rel->actor, rel->source, "job.print", &error))
    _gwSystemDiscardJob(sys, job);
}


/*
 * 'release_lookup()' - Ask the printer a release of this job was cut short
 *                      at (job->printer) whether it already has the job.
 *
 * Only for a held job whose last release was interrupted by a restart
 * (reason interrupted, or may-have-printed after a look-up that got no
 * answer): recovery leaves the printer's name in the row.  A printer that
 * is no longer configured cannot answer.
 */

static gw_sink_found_t
release_lookup(gw_system_t *sys, const gw_config_t *c, const gw_job_t *job, gw_sink_result_t *sr)
{
  gw_printer_t         at;
  const gw_sink_ops_t *sink;
  gw_sink_doc_t        doc;
  gw_sink_options_t    opts;
  char                 key[GW_UUID_LEN + 16];

  memset(sr, 0, sizeof(*sr));

  if (!gwStorePrinterFind(sys->store, job->tenant, job->printer, &at) || (sink = _gwSystemFindSink(sys, at.uri)) == NULL || !sink->find)
  {
    sr->status = GW_SINK_HOLD;
    sr->reason = GW_REASON_MAY_HAVE_PRINTED;
    snprintf(sr->text, sizeof(sr->text), "%.200s: the gateway restarted while sending this job to printer '%s', which cannot be asked any more whether it has it; it may already have printed.", job->name, job->printer);
    return (GW_SINK_FOUND_UNKNOWN);
  }

  sink_doc(job, key, sizeof(key), &doc);

  memset(&opts, 0, sizeof(opts));
  opts.timeout        = c->printer_timeout;
  opts.retries        = 0;
  opts.retry_delay_ms = c->printer_retry_delay_ms;
  opts.log            = sys->log;

  return (sink->find(at.name, at.uri, &doc, &opts, sr));
}


/*
 * 'release_interrupted()' - Settle a job whose last release was cut short
 *                           by a restart before sending it again.
 *
 * The printer that release went to is asked first (docs/printers.md,
 * "A release cut short by a restart").  Has it: the job is recorded as
 * printed there and not sent again.  Does not have it: false, send it.
 * Cannot say: the first time the job is held again as may-have-printed
 * (check the tray); a release of a job already in that state sends it
 * anyway (false), which is how a user who checked the tray prints it.
 * Returns true when the job was settled here (*status_r says how).
 */

static bool
release_interrupted(gw_system_t *sys, const gw_config_t *c, const gw_job_t *job, const gw_release_t *rel, gw_release_result_t *result, gw_sink_status_t *status_r)
{
  gw_sink_result_t sr;
  gw_sink_found_t  found = release_lookup(sys, c, job, &sr);
  const char      *error = NULL;
  gw_log_ctx_t     lc;

  gwLogCtxJob(&lc, sys->log, job->id, job->owner);

  if (found == GW_SINK_FOUND_NO)
  {
    gwLogCtx(&lc, GW_LOG_INFO, "its release to %s was cut short by a restart and the printer does not have it; sending it.", job->printer);
    return (false);
  }

  if (found == GW_SINK_FOUND_UNKNOWN && job->reason == GW_REASON_MAY_HAVE_PRINTED)
  {
    gwLogCtx(&lc, GW_LOG_WARN, "printer %s still cannot say whether it has this job; released again, so it is sent anyway.", job->printer);
    return (false);
  }

  /* Settled here: held -> releasing (at the printer it went to) -> printed or held. */
  if (!_gwSystemJobTransition(sys, job, job->state, GW_JOB_STATE_RELEASING, GW_REASON_NONE, "", -1, job->printer, rel->actor, rel->source, "job.release", &error))
  {
    snprintf(result->text, sizeof(result->text), "%s: %s", job->name, error ? error : "the job changed state");
    *status_r = GW_SINK_HOLD;
    return (true);
  }

  if (found == GW_SINK_FOUND_YES)
  {
    release_printed(sys, c, job, job->printer, rel, sr.text);
    gwLogCtx(&lc, GW_LOG_WARN, "was already on printer %s (printer job %d) after a restart: recorded as printed, not sent again.", job->printer, sr.printer_job_id);
    snprintf(result->text, sizeof(result->text), "%s", sr.text);
    result->reason = GW_REASON_NONE;
    result->released ++;
    *status_r = GW_SINK_OK;
  }
  else
  {
    size_t len = strlen(sr.text);

    /* The sink's sentence ends "it may already have printed."; say what to do. */
    snprintf(sr.text + len, sizeof(sr.text) - len, " Check the output tray of printer '%s'; if it is not there, release the job again: it is then sent anyway.", job->printer);
    _gwSystemJobTransition(sys, job, GW_JOB_STATE_RELEASING, GW_JOB_STATE_HELD, GW_REASON_MAY_HAVE_PRINTED, sr.text, -1, job->printer, "system", rel->source, "job.hold", &error);
    gwLogCtx(&lc, GW_LOG_WARN, "printer %s cannot say whether it has this job; held as may-have-printed.", job->printer);
    snprintf(result->text, sizeof(result->text), "%s", sr.text);
    result->reason = GW_REASON_MAY_HAVE_PRINTED;
    result->held ++;
    *status_r = GW_SINK_HOLD;
  }

  return (true);
}


/*
 * 'release_one()' - Send one job to the printer.  Returns the sink status.
 */

static gw_sink_status_t
release_one(gw_system_t *sys, const gw_config_t *c, const gw_printer_t *printer, const gw_sink_ops_t *sink, const gw_job_t *job, const gw_release_t *rel, gw_release_result_t *result)
{
  gw_sink_options_t opts;
  gw_sink_result_t  sr;
  gw_sink_doc_t     doc;
  _gw_release_doc_t ctx;
  gw_sink_status_t  settled;
  const char       *error = NULL;
  char              text[512], certs[GW_PATH_MAX + 32], key[GW_UUID_LEN + 16];
  double            t0, t1 = 0.0, t2 = 0.0;
  gw_log_ctx_t      lc;
  gw_wrapped_key_t  wrapped;

  gwLogCtxJob(&lc, sys->log, job->id, job->owner);

  /* A release of this job was cut short by a restart: ask that printer first. */
  if (job->state == GW_JOB_STATE_HELD && job->printer[0] && (job->reason == GW_REASON_INTERRUPTED || job->reason == GW_REASON_MAY_HAVE_PRINTED) &&
      release_interrupted(sys, c, job, rel, result, &settled))
    return (settled);

  if (!_gwSystemJobTransition(sys, job, job->state, GW_JOB_STATE_RELEASING, GW_REASON_NONE, "", -1, printer->name, rel->actor, rel->source, "job.release", &error))
  {
    snprintf(result->text, sizeof(result->text), "%s: %s", job->name, error ? error : "the job changed state");
    return (GW_SINK_HOLD);
  }

  memset(&sr, 0, sizeof(sr));
  memset(&ctx, 0, sizeof(ctx));
  ctx.sys       = sys;
  ctx.config    = c;
  ctx.job       = job;
  ctx.printer   = printer->name;
  ctx.memfd     = -1;
  ctx.render_fd = -1;
  t0 = gwClockMs();

  /*
   * One open of the spool file: the whole file is verified through the
   * reader, which is rewound and then sent from (no second open, so the
   * file that was checked is the file that prints).
   */

  if (!gwStoreJobGetKey(sys->store, job->tenant, job->id, &wrapped))
    error = "its key is gone";
  else
    ctx.reader = gwSpoolReaderOpen(sys->spool, job->id, 1, &wrapped, &error);
  gwWipe(&wrapped, sizeof(wrapped));
  if (!ctx.reader || !gwSpoolReaderVerify(ctx.reader, &error))
  {
    gwSpoolReaderClose(&ctx.reader);
    sr.status = GW_SINK_FAILED;
    sr.reason = GW_REASON_SPOOL_DAMAGED;
    snprintf(sr.text, sizeof(sr.text), "%s: the stored copy is damaged (%s) and cannot be printed; send the document again.", job->name, error ? error : "authentication failed");
  }
  else
  {
    sink_doc(job, key, sizeof(key), &doc);
    doc.read       = _gwReleaseDocRead;
    doc.rewind     = _gwReleaseDocRewind;
    doc.ctx        = &ctx;
    doc.transform  = _gwReleaseDocTransform(c, job);
    doc.render     = _gwReleaseDocRender;

    opts.timeout        = c->printer_timeout;
    opts.retries        = c->printer_retries;
    opts.retry_delay_ms = c->printer_retry_delay_ms;
    opts.log            = sys->log;
    gwConfigPrinterCertDir(c, certs, sizeof(certs));
    opts.cert_dir       = certs;

    t1 = gwClockMs();
    sink->send(printer->name, printer->uri, &doc, &opts, &sr);
    t2 = gwClockMs();
    _gwReleaseDocClose(&ctx);
    gwSpoolReaderClose(&ctx.reader);
  }

  result->reason = sr.reason;

  switch (sr.status)
  {
    case GW_SINK_OK :
        snprintf(text, sizeof(text), "%s: sent to %s.", job->name, printer->name);
        release_printed(sys, c, job, printer->name, rel, text);
        gwLogCtx(&lc, GW_LOG_INFO, "printed on %s (%d page(s)%s, printer job %d; timing: verify=%.1fms send=%.1fms).", printer->name, ctx.pages > 0 ? ctx.pages : job->pages, ctx.pages > 0 ? " rendered" : "", sr.printer_job_id, t1 - t0, t2 - t1);
        snprintf(result->text, sizeof(result->text), "%s", text);
        result->released ++;
        break;

    case GW_SINK_HOLD :
        _gwSystemJobTransition(sys, job, GW_JOB_STATE_RELEASING, GW_JOB_STATE_HELD, sr.reason, sr.text, -1, printer->name, "system", rel->source, "job.hold", &error);
        gwLogCtx(&lc, GW_LOG_WARN, "not printed on %s, held again: %s", printer->name, gwReasonCode(sr.reason));
        snprintf(result->text, sizeof(result->text), "%s", sr.text);
        result->held ++;
        break;

    case GW_SINK_FAILED :
        _gwSystemJobTransition(sys, job, GW_JOB_STATE_RELEASING, GW_JOB_STATE_FAILED, sr.reason, sr.text, time(NULL) + c->retention, printer->name, "system", rel->source, "job.fail", &error);
        if (gwSpoolExists(sys->spool, job->id, 1))
          gwSpoolRemove(sys->spool, job->id, 1);
        gwLogCtx(&lc, GW_LOG_ERROR, "failed on %s: %s", printer->name, gwReasonCode(sr.reason));
        snprintf(result->text, sizeof(result->text), "%s", sr.text);
        result->failed ++;
        break;
  }
  _gwMetricsRelease(&sys->metrics, printer->name, sr.status);

  return (sr.status);
}


/*
 * 'card_or_pin_hash()' - HMAC of a PIN, or of "card:" + a card number, so a
 *                        card number never matches a PIN.  A card number
 *                        has 4 to CARD_MAX_LEN letters and digits; *error_r
 *                        (may be NULL) gets a sentence when it has not.
 *
 * The card input is hashed from a buffer sized for the prefix plus the
 * longest card (not through gwPinHash's 64-byte limit), so every card of
 * 4 to 64 characters hashes, and to the same value as before.
 */

#define CARD_PREFIX  "card:"
#define CARD_MAX_LEN 64

static bool
card_or_pin_hash(gw_system_t *sys, const char *pin, const char *card, unsigned char hmac[GW_HMAC_LEN], const char **error_r)
{
  char                 buf[sizeof(CARD_PREFIX) - 1 + CARD_MAX_LEN + 1];
  const unsigned char *pepper;
  size_t               len;
  bool                 ok;

  if (pin)
    return (gwPinHash(sys->keys, pin, hmac));

  len = card ? strnlen(card, CARD_MAX_LEN + 1) : 0;
  if (len < 4 || len > CARD_MAX_LEN)
  {
    if (error_r)
      *error_r = "a card number has 4 to 64 characters";
    return (false);
  }
  for (size_t i = 0; i < len; i ++)
  {
    if (!isalnum((unsigned char)card[i]))
    {
      if (error_r)
        *error_r = "a card number has letters and digits only";
      return (false);
    }
  }

  if ((pepper = gwKeysGet(sys->keys, GW_KEY_PIN_PEPPER)) == NULL)
  {
    if (error_r)
      *error_r = "unable to hash the card number";
    return (false);
  }

  memcpy(buf, CARD_PREFIX, sizeof(CARD_PREFIX) - 1);
  memcpy(buf + sizeof(CARD_PREFIX) - 1, card, len);
  ok = gwHmacSha256(pepper, GW_KEY_LEN, buf, sizeof(CARD_PREFIX) - 1 + len, hmac);
  gwWipe(buf, sizeof(buf));

  if (!ok && error_r)
    *error_r = "unable to hash the card number";

  return (ok);
}


/*
 * '_gwReleaseIdentify()' - Find the releasing user by PIN, card or name
 *                          (release, and gwApiIdentify() on its own).
 *
 * PIN and card attempts are limited per printer, per client and across the
 * tenant (docs/store.md, "Lockout").  gwStoreCredentialAttempt() checks
 * the three keys, looks the PIN or card up and counts a wrong one in all
 * three in one store transaction, so parallel attempts can never get more
 * than a limit to the lookup and no core lock is needed around it.  A right
 * PIN writes nothing: it forgives no failure (they only age out of their
 * window).  A store error refuses the attempt.
 */

bool
_gwReleaseIdentify(gw_system_t *sys, int64_t tenant, const gw_config_t *c, const gw_release_t *rel, const gw_printer_t *printer, const char *source, gw_user_t *user, gw_release_result_t *result)
{
  int64_t          now = time(NULL), user_id = -1, locked = 0;
  unsigned char    hmac[GW_HMAC_LEN];
  char             printer_key[GW_LOCKOUT_KEY_MAX_LEN + 1], client_key[GW_LOCKOUT_KEY_MAX_LEN + 1];
  gw_lockout_key_t keys[3];
  int              locked_key = -1;
  const char      *error = NULL, *detail = "";
  static const char * const scope[3] = { "printer", "client", "tenant" };

  if (rel->user)
  {
    if (gwStoreUserFind(sys->store, tenant, rel->user, user) && !user->disabled)
      return (true);
    snprintf(result->text, sizeof(result->text), "No active user \"%s\".", rel->user);
    return (false);
  }

  if (!rel->pin && !rel->card)
  {
    snprintf(result->text, sizeof(result->text), "A PIN, a card or a user name is needed to release jobs.");
    return (false);
  }

  /* Who is asking: the front-end's client id, never the caller's source label alone. */
  if (!rel->client || !*rel->client || strlen(rel->client) > GW_LOCKOUT_KEY_MAX_LEN - 7)
  {
    gwLog(sys->log, GW_LOG_ERROR, "Release at %s refused: the front-end gave no usable client id for PIN/card lockout.", printer->name);
    snprintf(result->text, sizeof(result->text), "PIN and card release is refused: this release point did not say which client is asking.");
    return (false);
  }

  /* A malformed card number is refused before anything is counted or looked up. */
  if (!card_or_pin_hash(sys, rel->pin, rel->pin ? NULL : rel->card, hmac, &error))
  {
    gwWipe(hmac, sizeof(hmac));
    if (rel->pin)
      snprintf(result->text, sizeof(result->text), "PIN not recognised (it may have expired).");
    else
      snprintf(result->text, sizeof(result->text), "Card not accepted: %s.", error ? error : "unable to read it");
    return (false);
  }

  snprintf(printer_key, sizeof(printer_key), "printer:%s", printer->name);
  snprintf(client_key, sizeof(client_key), "client:%s", rel->client);
  keys[0].key          = printer_key;
  keys[0].max_failures = c->pin_max_failures;
  keys[1].key          = client_key;
  keys[1].max_failures = c->pin_max_failures;
  keys[2].key          = "tenant";
  keys[2].max_failures = c->pin_max_failures_tenant;

  user_id = gwStoreCredentialAttempt(sys->store, tenant, rel->pin ? GW_CREDENTIAL_PIN : GW_CREDENTIAL_CARD, hmac, keys, 3, now, c->pin_lockout, &locked, &locked_key);
  gwWipe(hmac, sizeof(hmac));

  if (user_id < 0)
  {
    gwLog(sys->log, GW_LOG_ERROR, "Release at %s refused: the lockout state could not be read or written (store error).", printer->name);
    snprintf(result->text, sizeof(result->text), "PIN and card release is unavailable: the gateway could not check or record failed attempts, so it refuses them; try again later or ask an administrator.");
    return (false);
  }

  if (locked > 0)
  {
    long long minutes = (long long)((locked - now + 59) / 60);

    if (locked_key == 0)
      snprintf(result->text, sizeof(result->text), "Too many wrong PINs or cards at printer %s; PIN and card release there is locked, try again in %lld minute(s).", printer->name, minutes);
    else if (locked_key == 1)
      snprintf(result->text, sizeof(result->text), "Too many wrong PINs or cards from this terminal; try again in %lld minute(s).", minutes);
    else
      snprintf(result->text, sizeof(result->text), "Too many wrong PINs or cards on this gateway; PIN and card release is locked for everyone, try again in %lld minute(s) or ask an administrator (printgate lockout clear).", minutes);
    _gwSystemAudit(sys, tenant, rel->actor, "release.locked", "", NULL, printer->name, 0, source, locked_key >= 0 && locked_key < 3 ? scope[locked_key] : "locked");
    return (false);
  }

  if (user_id == 0)
  {
    /* Wrong: counted; the audit says which key this failure locked, if any. */
    for (int i = 2; i >= 0; i --)
    {
      if (keys[i].failures >= keys[i].max_failures)
        detail = scope[i];
    }
    _gwSystemAudit(sys, tenant, rel->actor, rel->pin ? "pin.fail" : "card.fail", "", NULL, printer->name, 0, source, detail);
    snprintf(result->text, sizeof(result->text), rel->pin ? "PIN not recognised (it may have expired)." : "Card not recognised.");
    return (false);
  }

  /* Right (the store checked the user is not disabled; they may have changed since). */
  if (!gwStoreUserGet(sys->store, tenant, user_id, user) || user->disabled)
  {
    snprintf(result->text, sizeof(result->text), rel->pin ? "PIN not recognised (it may have expired)." : "Card not recognised.");
    return (false);
  }

  return (true);
}


/*
 * 'gwSystemRelease()' - Release one job or all of a user's held jobs to a
 *                       printer.  Returns true when the request was valid
 *                       (the counts say what printed); false when nobody
 *                       or nothing could be released (text says why).
 */

bool
gwSystemRelease(gw_system_t *sys, int64_t tenant, const gw_release_t *rel, gw_release_result_t *result)
{
  gw_config_t          c;
  gw_printer_t         printer;
  gw_user_t            user;
  const gw_sink_ops_t *sink;
  jobs_t               jobs = { NULL, 0, 0 };
  char                 source[64];
  _gw_policy_release_t pr;
  unsigned             states;
  double               t_start = gwClockMs(), t_identified;

  memset(result, 0, sizeof(*result));
  if (!sys || !rel || !rel->printer)
  {
    snprintf(result->text, sizeof(result->text), "A printer name is needed.");
    return (false);
  }

  _gwSystemConfigCopy(sys, &c);

  if (!gwStorePrinterFind(sys->store, tenant, rel->printer, &printer) || !printer.enabled)
  {
    snprintf(result->text, sizeof(result->text), "No printer \"%s\" on this gateway.", rel->printer);
    return (false);
  }

  if ((sink = _gwSystemFindSink(sys, printer.uri)) == NULL)
  {
    snprintf(result->text, sizeof(result->text), "Printer \"%s\" has a URI this gateway cannot print to (%.200s).", printer.name, printer.uri);
    return (false);
  }

  /* Page ranges and N-up chosen at the printer, checked like at submission */
  if ((rel->page_ranges || rel->number_up) && !release_options_check(rel, result))
    return (false);

  snprintf(source, sizeof(source), "%s", rel->source && *rel->source ? rel->source : printer.name);
  if (!_gwReleaseIdentify(sys, tenant, &c, rel, &printer, source, &user, result) || !_gwPolicyReleaseBegin(sys, tenant, rel, &printer, &user, &pr, result))
    return (false);
  t_identified = gwClockMs();

  states = (1u << GW_JOB_STATE_HELD) | (c.keep_printed_jobs ? (1u << GW_JOB_STATE_PRINTED) : 0);

  if (rel->job_id)
  {
    gw_job_t job;

    /* Another user's job and a missing job look the same. */
    if (!gwStoreJobGet(sys->store, tenant, rel->job_id, &job) || job.user_id != user.id || !(states & (1u << job.state)))
    {
      snprintf(result->text, sizeof(result->text), "%s has no held job %s.", user.name, rel->job_id);
      return (false);
    }
    collect_job(&job, &jobs);
  }
  else
    gwStoreJobIterate(sys->store, tenant, user.id, 1u << GW_JOB_STATE_HELD, collect_job, &jobs);

  if (jobs.count == 0)
  {
    free(jobs.jobs);
    snprintf(result->text, sizeof(result->text), "%s has no held jobs.", user.name);
    return (false);
  }

  for (int i = 0; i < jobs.count; i ++)
  {
    gw_config_t      jc = c;               /* The policy may ask this job for a watermark */
    gw_sink_status_t status;

    release_options_apply(rel, jobs.jobs + i);
    if (!_gwPolicyReleaseJob(sys, &pr, rel, jobs.jobs + i, &jc, result))
      continue;                            /* Held, the sentence says why */
    status = release_one(sys, &jc, &printer, sink, jobs.jobs + i, rel, result);
    _gwPolicyReleaseEnd(sys, &pr, jobs.jobs + i, status == GW_SINK_OK);
    if (status == GW_SINK_HOLD && result->reason != GW_REASON_NONE &&
        (result->reason == GW_REASON_PRINTER_UNREACHABLE || result->reason == GW_REASON_PRINTER_REFUSED))
    {
      /* The printer is down: the rest stays held without trying each. */
      result->held += jobs.count - i - 1;
      break;
    }
  }

  if (jobs.count > 1)
  {
    char last[512];

    snprintf(last, sizeof(last), "%s", result->text);
    snprintf(result->text, sizeof(result->text), "%d of %d job(s) sent to %s; %d held, %d failed.%s%.300s", result->released, jobs.count, printer.name, result->held, result->failed, result->released == jobs.count ? "" : " Last: ", result->released == jobs.count ? "" : last);
  }

  free(jobs.jobs);

  gwLog(sys->log, GW_LOG_INFO, "Release for %s at %s: %d printed, %d held, %d failed (timing: identify=%.1fms total=%.1fms).", user.name, printer.name, result->released, result->held, result->failed, t_identified - t_start, gwClockMs() - t_start);

  return (true);
}


/*
 * 'gwSystemPinNew()' - Give a user a new random release PIN (replacing the
 *                      old one).  The PIN is returned once and never stored.
 */

bool
gwSystemPinNew(gw_system_t *sys, int64_t tenant, const char *username, char *pin, size_t pinsize, const char **error_r)
{
  return (_gwSystemPinNewAs(sys, tenant, username, pin, pinsize, "cli", "cli", error_r));
}


/*
 * '_gwSystemPinNewAs()' - gwSystemPinNew() with the audit row's actor and
 *                         source.
 */

bool
_gwSystemPinNewAs(gw_system_t *sys, int64_t tenant, const char *username, char *pin, size_t pinsize, const char *actor, const char *source, const char **error_r)
{
  gw_config_t   c;
  gw_user_t     user;
  unsigned char hmac[GW_HMAC_LEN];
  bool          ok = false;

  _gwSystemConfigCopy(sys, &c);

  if (!gwStoreUserFind(sys->store, tenant, username, &user))
  {
    *error_r = "no such user";
    return (false);
  }

  /* A new PIN may collide with another user's; try a few times. */
  for (int tries = 0; tries < 20 && !ok; tries ++)
  {
    if (!gwPinGenerate((unsigned)c.pin_length, pin, pinsize) || !gwPinHash(sys->keys, pin, hmac))
    {
      *error_r = "unable to generate a PIN";
      break;
    }
    ok = gwStorePinSet(sys->store, tenant, user.id, hmac, c.pin_lifetime > 0 ? time(NULL) + c.pin_lifetime : 0, error_r);
  }

  gwWipe(hmac, sizeof(hmac));
  if (ok)
    _gwSystemAudit(sys, tenant, actor, "pin.new", user.name, NULL, NULL, 0, source, "");
  else
    gwWipe(pin, pinsize);

  return (ok);
}


/*
 * 'gwSystemCardSet()' - Register a card number for a user.
 */

bool
gwSystemCardSet(gw_system_t *sys, int64_t tenant, const char *username, const char *card, const char **error_r)
{
  return (_gwSystemCardSetAs(sys, tenant, username, card, "cli", "cli", error_r));
}


/*
 * '_gwSystemCardSetAs()' - gwSystemCardSet() with the audit row's actor and
 *                          source.
 */

bool
_gwSystemCardSetAs(gw_system_t *sys, int64_t tenant, const char *username, const char *card, const char *actor, const char *source, const char **error_r)
{
  gw_user_t     user;
  unsigned char hmac[GW_HMAC_LEN];
  bool          ok;
  size_t        len = card ? strlen(card) : 0;

  if (len < 4 || len > 64)
  {
    *error_r = "a card number has 4 to 64 characters";
    return (false);
  }
  for (size_t i = 0; i < len; i ++)
  {
    if (!isalnum((unsigned char)card[i]))
    {
      *error_r = "a card number has letters and digits only";
      return (false);
    }
  }

  if (!gwStoreUserFind(sys->store, tenant, username, &user))
  {
    *error_r = "no such user";
    return (false);
  }

  if (!card_or_pin_hash(sys, NULL, card, hmac, error_r))
    return (false);

  ok = gwStoreCardSet(sys->store, tenant, user.id, hmac, error_r);
  gwWipe(hmac, sizeof(hmac));
  if (ok)
    _gwSystemAudit(sys, tenant, actor, "card.set", user.name, NULL, NULL, 0, source, "");

  return (ok);
}
