/*
 * mail-intake.c - one message from a mail source becomes jobs and one
 * reply (docs/mail.md): the MIME walk, the subject's options and the
 * source's policy, sender trust (a verified address plus the trusted
 * Authentication-Results, else quarantine and a verification token), one
 * submission per attachment with the origin reference
 * "SOURCE:KEY:PART" (exactly once), and the reply, queued in the core's
 * outbox under the key "reply:SOURCE:KEY" once every part has an outcome.
 *
 * _gwMailIntake() parses the message and submits its parts, then puts it
 * in the source's window (mail-intake-window.c), where job events (origin
 * "mail") fill its parts' outcomes while the poller takes the next
 * messages; _gwMailIntakeFinish() queues its reply once every part has one,
 * and only then the poller flags, moves or deletes it.  A crash anywhere
 * before that fetches the message again: its parts find their jobs
 * (GW_REASON_DUPLICATE, their outcome read from the job), and the outbox's
 * key keeps the reply single.
 *
 * A part whose job failed "internal-error" (a fault of the gateway, not of
 * the document: a full disk, a missing converter) is not answered at once:
 * the message is left and, when it is taken again at least poll, 2 x poll,
 * 4 x poll seconds after the failure, the part is submitted again as
 * "SOURCE:KEY:PART#2", "#3", "#4" (GW_MAIL_RETRIES times).  The failed jobs
 * themselves count the attempts, so a crash or a reload neither loses nor
 * resets the count; the last failure is final and the reply says so.
 *
 * Any other round that leaves a message for later (the gateway busy, a
 * storage error, a retry not due yet) is counted per message in memory:
 * after busy-retries such rounds (30 by default) the message is answered
 * with a reply saying so and moved to Rejected (without a reply when even
 * that cannot be queued), so it is not taken again for ever.  A restart
 * starts the count again.
 */

#include "mail-intake.h"
#include "printgate/outbox.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PARTS_MAX  64                   /* Attachments listed per message (more: refused as too many) */
#define REPLY_WAIT 300                  /* Seconds a message waits for its outcomes */


/*
 * '_gwMailIntakeActor()' - The actor the intake acts as: the system, for the mail origin.
 */

void
_gwMailIntakeActor(gw_mail_source_t *src, gw_actor_t *actor)
{
  memset(actor, 0, sizeof(*actor));
  actor->tenant   = GW_DEFAULT_TENANT;
  actor->who      = "system";
  actor->role     = GW_ROLE_ADMIN;
  actor->where    = src->name;
  actor->frontend = "mail";
}


/*
 * '_gwMailJobFinal()' - Whether a job state is an outcome for the reply.
 */

bool
_gwMailJobFinal(gw_job_state_t s)
{
  return (s != GW_JOB_STATE_RECEIVING && s != GW_JOB_STATE_CONVERTING);
}


/*
 * '_gwMailPartOutcome()' - The reply's line for a job that has an outcome.
 */

void
_gwMailPartOutcome(gw_mail_part_state_t *p, const gw_job_t *job)
{
  p->final       = _gwMailJobFinal(job->state);
  p->interrupted = job->state == GW_JOB_STATE_FAILED && job->reason == GW_REASON_INTERRUPTED;
  p->internal    = job->state == GW_JOB_STATE_FAILED && job->reason == GW_REASON_INTERNAL;
  if (job->state == GW_JOB_STATE_HELD || job->state == GW_JOB_STATE_RELEASING || job->state == GW_JOB_STATE_PRINTED)
  {
    if (job->color_pages >= 0)
      snprintf(p->outcome, sizeof(p->outcome), "%s: held, %d page(s), %d in colour.", p->name, job->pages, job->color_pages);
    else
      snprintf(p->outcome, sizeof(p->outcome), "%s: held, %d page(s).", p->name, job->pages);
  }
  else if (job->state == GW_JOB_STATE_QUARANTINED)
    snprintf(p->outcome, sizeof(p->outcome), "%s: quarantined until your address is verified (%d page(s)).", p->name, job->pages);
  else if (p->final && p->internal && p->attempt > 1)
    snprintf(p->outcome, sizeof(p->outcome), "%s: not printed (tried %d times): %s", p->name, p->attempt, job->reason_text[0] ? job->reason_text : gwReasonCode(job->reason));
  else if (p->final)
    snprintf(p->outcome, sizeof(p->outcome), "%s: not printed: %s", p->name, job->reason_text[0] ? job->reason_text : gwReasonCode(job->reason));
}


/*
 * 'retry_ref()' - The origin reference of a part's attempt n (2 ..
 *                 1 + GW_MAIL_RETRIES); false when there is no such attempt
 *                 (past the bound, or a reference too long for a suffix).
 */

static bool
retry_ref(const gw_mail_part_state_t *p, int n, char *ref, size_t refsize)
{
  return (n >= 2 && n <= 1 + GW_MAIL_RETRIES && (size_t)snprintf(ref, refsize, "%s#%d", p->base, n) < refsize);
}


/*
 * 'find_ref_cb()' - gwApiJobIterate callback: the newest attempt of a part
 *                   (its base reference, or "base#N"), failed "interrupted"
 *                   jobs left out (they no longer hold their reference).
 */

typedef struct find_ref_s { const char *base; size_t len; gw_job_t job; int attempt; } find_ref_t;

static bool
find_ref_cb(const gw_job_t *job, void *data)
{
  find_ref_t *f = (find_ref_t *)data;
  const char *s = job->origin_ref + f->len;
  int         n = 0;

  if (strncmp(job->origin_ref, f->base, f->len) || (job->state == GW_JOB_STATE_FAILED && job->reason == GW_REASON_INTERRUPTED))
    return (true);
  if (!*s)
    n = 1;
  else if (*s == '#' && s[1] >= '2' && s[1] <= '9' && !s[2])
    n = s[1] - '0';
  if (n > f->attempt)
  {
    f->job     = *job;
    f->attempt = n;
  }

  return (true);
}


/*
 * 'part_set()' - A part's current attempt and, when known, its job's outcome
 *                (under the source's mutex: the event thread reads them).
 */

static void
part_set(gw_mail_source_t *src, gw_mail_part_state_t *p, const char *ref, int attempt, const gw_job_t *job, const char *outcome)
{
  pthread_mutex_lock(&src->mutex);
  snprintf(p->ref, sizeof(p->ref), "%s", ref);
  p->attempt = attempt;
  if (job)
  {
    snprintf(p->job_id, sizeof(p->job_id), "%s", job->id);
    _gwMailPartOutcome(p, job);
  }
  if (outcome)
  {
    size_t n = strnlen(outcome, sizeof(p->outcome) - 1);

    p->final = true;
    memcpy(p->outcome, outcome, n);
    p->outcome[n] = '\0';
  }
  pthread_mutex_unlock(&src->mutex);
}


/*
 * 'taken_before()' - A part whose reference is taken (a message fetched
 *                    again): its newest attempt's job says what became of
 *                    it, or, when that failed "internal-error" and a retry
 *                    is left, the reference of the next attempt goes to
 *                    *next (1: submit it now; -1: not due yet).  Returns 0
 *                    when the part's state is set.
 */

static int
taken_before(gw_mail_source_t *src, const gw_actor_t *actor, const char *user, gw_mail_part_state_t *p, char *next, size_t nextsize)
{
  find_ref_t f;
  char       text[400];

  memset(&f, 0, sizeof(f));
  f.base = p->base;
  f.len  = strlen(p->base);
  gwApiJobIterate(src->sys, actor, user, 0, find_ref_cb, &f);
  if (!f.attempt)
  {
    snprintf(text, sizeof(text), "%s: received earlier.", p->name);
    part_set(src, p, p->base, 1, NULL, text);
    return (0);
  }
  if (f.job.state == GW_JOB_STATE_FAILED && f.job.reason == GW_REASON_INTERNAL && retry_ref(p, f.attempt + 1, next, nextsize))
  {
    int64_t due = f.job.updated + (int64_t)src->poll * (1 << (f.attempt - 1));

    if (time(NULL) < due)
    {
      gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: %s: internal error at attempt %d; the next attempt is due in %lld s.", src->name, f.job.origin_ref, f.attempt, (long long)(due - time(NULL)));
      return (-1);
    }
    gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: %s: internal error at attempt %d (%s); submitting it again as %s.", src->name, f.job.origin_ref, f.attempt, f.job.reason_text, next);
    return (1);
  }
  /* Its reference and job first, then its state: an outcome that comes meanwhile is either read here or
     matched by its event (events follow the committed transition). */
  pthread_mutex_lock(&src->mutex);
  snprintf(p->ref, sizeof(p->ref), "%s", f.job.origin_ref);
  snprintf(p->job_id, sizeof(p->job_id), "%s", f.job.id);
  p->attempt = f.attempt;
  pthread_mutex_unlock(&src->mutex);
  if (!_gwMailJobFinal(f.job.state))
    gwApiJobGet(src->sys, actor, f.job.id, &f.job);
  pthread_mutex_lock(&src->mutex);
  if (!p->final)
    _gwMailPartOutcome(p, &f.job);
  pthread_mutex_unlock(&src->mutex);

  return (0);
}


/*
 * 'submit_part()' - Submit one part (again, for a retry after an internal
 *                   error).  false = the gateway could not take it now, or
 *                   its next attempt is not due yet (retry the message later).
 */

static bool
submit_part(gw_mail_source_t *src, const gw_actor_t *actor, const char *user, const gw_mail_part_t *part, gw_job_options_t *options, gw_mail_part_state_t *p)
{
  gw_submission_t *sub;
  gw_reason_t      reason;
  char             text[512], ref[128], line[1100];
  gw_job_t         job;
  int              attempt = 1, t;

  snprintf(ref, sizeof(ref), "%s", p->base);
  for (;;)
  {
    options->origin_ref = ref;
    if ((sub = gwApiJobSubmit(src->sys, actor, user, part->filename, options, (int64_t)part->size, &reason, text, sizeof(text))) != NULL ||
        reason != GW_REASON_DUPLICATE || attempt > 1)
      break;
    /* Taken before (a crash, a reload, an earlier poll): its newest job says what became of it. */
    if ((t = taken_before(src, actor, user, p, ref, sizeof(ref))) <= 0)
      return (t == 0);
    attempt = (int)strtol(strrchr(ref, '#') + 1, NULL, 10);
  }
  part_set(src, p, ref, attempt, NULL, NULL);
  if (!sub)
  {
    if (reason == GW_REASON_BUSY || reason == GW_REASON_INTERNAL || reason == GW_REASON_DUPLICATE)
      return (false);
    snprintf(line, sizeof(line), "%s: not printed: %s", p->name, text);
    part_set(src, p, ref, attempt, NULL, line);
    return (true);
  }

  pthread_mutex_lock(&src->mutex);      /* The event thread compares it */
  snprintf(p->job_id, sizeof(p->job_id), "%s", gwSubmissionJobId(sub));
  pthread_mutex_unlock(&src->mutex);
  if (!gwSubmissionWrite(sub, part->data, part->size) || !gwSubmissionEnd(&sub, &job))
  {
    if (sub)
      gwSubmissionAbort(&sub, GW_REASON_NONE);
    if (gwApiJobGet(src->sys, actor, p->job_id, &job))
      part_set(src, p, ref, attempt, &job, NULL);
  }

  return (true);
}


/*
 * 'sender_domain()' - The domain of an address.
 */

static const char *
sender_domain(const char *address)
{
  const char *at = strrchr(address, '@');

  return (at ? at + 1 : "");
}


/*
 * 'trust_check()' - DMARC / SPF / DKIM as the trusted server saw them: the
 *                   first Authentication-Results from the configured
 *                   authserv-id decides.
 */

static gw_mail_trust_t
trust_check(gw_mail_source_t *src, gw_mail_message_t *msg, char *why, size_t whysize)
{
  const char     *h;
  gw_mail_trust_t t = GW_MAIL_TRUST_NONE;

  snprintf(why, whysize, "no Authentication-Results from %.200s", src->authserv_id[0] ? src->authserv_id : "a trusted server (none configured)");
  for (int n = 0; n < 32 && (h = gwMailMessageHeaderN(msg, "Authentication-Results", n)) != NULL; n ++)
    if ((t = gwMailAuthResCheck(h, src->authserv_id, sender_domain(gwMailMessageFrom(msg)), why, whysize)) != GW_MAIL_TRUST_NONE)
      break;

  return (t);
}


/*
 * 'reply_head()' - What the reply needs of a message's header, with the
 *                  core's RFC 3834 guard decided now (the message is freed
 *                  while its parts convert).
 */

static void
reply_head(gw_mail_source_t *src, gw_mail_message_t *msg, gw_mail_reply_head_t *head)
{
  static const char * const names[] = { "Auto-Submitted", "Precedence", "List-Id", "List-Unsubscribe", "List-Post", "Return-Path", "X-Auto-Response-Suppress", "X-Loop" };
  const char *headers[2 * 8 + 1];
  const char *own[2] = { src->user, NULL };
  const char *msgid = gwMailMessageHeaderN(msg, "Message-ID", 0);
  int         n = 0;

  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i ++)
  {
    const char *v = gwMailMessageHeaderN(msg, names[i], 0);

    if (v)
    {
      headers[n ++] = names[i];
      headers[n ++] = v;
    }
  }
  headers[n] = NULL;

  memset(head, 0, sizeof(*head));
  head->may_reply = gwMailShouldReply(src->sys, headers, gwMailMessageFrom(msg), own, &head->no_reply);
  snprintf(head->from, sizeof(head->from), "%s", gwMailMessageFrom(msg));
  snprintf(head->subject, sizeof(head->subject), "%s", gwMailMessageHeader(msg, "Subject"));
  snprintf(head->msgid, sizeof(head->msgid), "%s", msgid && strlen(msgid) < 250 && msgid[0] == '<' ? msgid : "");
}


/*
 * 'append()' - Append to a bounded buffer (cut, never overrun).
 */

static void GW_FORMAT(4, 5)
append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
  va_list ap;
  int     n;

  if (*len + 1 >= size)
    return;
  va_start(ap, fmt);
  n = vsnprintf(buf + *len, size - *len, fmt, ap);
  va_end(ap);
  if (n > 0)
    *len = *len + (size_t)n >= size ? size - 1 : *len + (size_t)n;
}


/*
 * 'queue_reply()' - One reply listing every part's outcome, queued in the
 *                   outbox under "reply:SOURCE:KEY" (once, even if the
 *                   message is taken again).
 */

static bool
queue_reply(gw_mail_source_t *src, const gw_mail_reply_head_t *head, const char *key, const char *intro, const gw_mail_inflight_t *m, const char *notes)
{
  gw_actor_t   actor;
  gw_outmail_t om;
  char        *body, subject[300], okey[256];
  size_t       len = 0, size = 64 * 1024;
  const char  *error = NULL;
  int64_t      id;
  bool         ok;

  if (!head->may_reply)
  {
    gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: message %s: no reply (%s).", src->name, key, head->no_reply ? head->no_reply : "guard");
    return (true);
  }
  if ((body = malloc(size)) == NULL)
    return (false);

  append(body, size, &len, "%s\n\n", intro);
  for (int i = 0; m && i < m->nparts; i ++)
    append(body, size, &len, "- %s\n", m->parts[i].outcome);
  if (notes && *notes)
    append(body, size, &len, "\n%s", notes);
  append(body, size, &len, "\nHeld documents wait for you at any printer of this gateway: release them there with your PIN or card, or ask your administrator.\n-- \nPrintgate\n");

  snprintf(subject, sizeof(subject), "Printed: %.250s", head->subject);
  for (char *p = subject; *p; p ++)
    if ((unsigned char)*p < ' ')
      *p = ' ';
  snprintf(okey, sizeof(okey), "reply:%s:%s", src->name, key);

  _gwMailIntakeActor(src, &actor);
  memset(&om, 0, sizeof(om));
  om.to           = head->from;
  om.subject      = subject;
  om.body         = body;
  om.in_reply_to  = head->msgid[0] ? head->msgid : NULL;
  om.references   = head->msgid[0] ? head->msgid : NULL;
  om.auto_replied = true;
  om.key          = okey;
  ok = gwApiOutboxAdd(src->sys, &actor, &om, &id, &error);
  if (!ok)
  {
    /* A reply the outbox refuses (a bad address) can never be sent: log it, do not retry forever. */
    gwLog(gwSystemGetLog(src->sys), GW_LOG_WARN, "Mail source %s: message %s: the reply was not queued: %s.", src->name, key, error ? error : "outbox error");
    ok = error && strstr(error, "store") == NULL;
  }
  free(body);

  return (ok);
}


/*
 * 'refuse_message()' - A message that prints nothing: log, audit, reply.
 */

static gw_mail_done_t
refuse_message(gw_mail_source_t *src, gw_mail_message_t *msg, const char *key, const char *why)
{
  gw_actor_t actor;

  _gwMailIntakeActor(src, &actor);
  gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: message %s from %s refused: %s.", src->name, key, msg ? gwMailMessageFrom(msg) : "?", why);
  gwApiAuditAdd(src->sys, &actor, "mail.reject", msg ? gwMailMessageFrom(msg) : "", NULL, NULL, 0, why);
  if (msg)
  {
    gw_mail_reply_head_t head;
    char                 intro[700];

    reply_head(src, msg, &head);
    snprintf(intro, sizeof(intro), "Your message was not printed: %s.", why);
    if (!queue_reply(src, &head, key, intro, NULL, NULL))
      return (GW_MAIL_RETRY);
  }

  return (GW_MAIL_DONE_REJECTED);
}


/*
 * '_gwMailIntakeTooLarge()' - Refused before download (no reply: the
 *                             sender is unknown until the header is read).
 */

void
_gwMailIntakeTooLarge(gw_mail_source_t *src, const char *key, size_t size)
{
  char why[200];

  snprintf(why, sizeof(why), "the message (%zu MB) is larger than this gateway's limit of %zu MB", size / (1024 * 1024), src->limits.max_message / (1024 * 1024));
  refuse_message(src, NULL, key, why);
  src->taken ++;                        /* Done, as a taken message */
}


/*
 * 'header_only()' - A message refused by the walk is read again for its
 *                   header alone, so the refusal can be answered.
 */

static gw_mail_message_t *
header_only(gw_mail_source_t *src, const char *data, size_t size)
{
  char               why[256];
  size_t             end = 0;

  for (size_t i = 0; i + 1 < size && i < 256 * 1024; i ++)
  {
    if (data[i] == '\n' && (data[i + 1] == '\n' || (data[i + 1] == '\r' && i + 2 < size && data[i + 2] == '\n')))
    {
      end = i + 1;
      break;
    }
  }

  return (end ? gwMailMessageParse(data, end, &src->limits, why, sizeof(why)) : NULL);
}


/*
 * 'submit_body_or_part()' - submit_part(), but an HTML body goes as the page
 *                           itself (gwMailMessageBodyHtml: its own cid:
 *                           pictures, nothing remote) when the core converts
 *                           text/html (the Office pool); else its text.
 */

static bool
submit_body_or_part(gw_mail_source_t *src, const gw_actor_t *actor, const char *user, gw_mail_message_t *msg, const gw_mail_part_t *part, gw_job_options_t *options, gw_mail_part_state_t *p)
{
  gw_mail_part_t page;
  char          *html;
  size_t         len;
  bool           ok;

  if (part->kind != GW_MAIL_PART_BODY || !part->html || !gwApiFormatSupported(src->sys, "text/html") ||
      (html = gwMailMessageBodyHtml(msg, &len)) == NULL)
    return (submit_part(src, actor, user, part, options, p));

  page      = *part;
  page.data = html;
  page.size = len;
  snprintf(page.type, sizeof(page.type), "text/html");
  ok = submit_part(src, actor, user, &page, options, p);
  free(html);

  return (ok);
}


/*
 * 'plan_parts()' - The parts to submit (attachments, and the body when
 *                  asked) and the refused ones' lines, into m (NULL: only
 *                  count them).  Returns the count; *submit gets those to submit.
 */

static int
plan_parts(gw_mail_source_t *src, gw_mail_message_t *msg, const char *key, bool body, gw_mail_inflight_t *m, int *submit)
{
  int n = 0;

  *submit = 0;
  for (int i = 0; i < gwMailMessagePartCount(msg); i ++)
  {
    const gw_mail_part_t *part = gwMailMessagePart(msg, i);
    gw_mail_part_state_t *p;

    if (part->kind == GW_MAIL_PART_SKIPPED || (part->kind == GW_MAIL_PART_BODY && !body))
      continue;
    if (part->kind != GW_MAIL_PART_REFUSED)
      (*submit) ++;
    if (!m || n >= m->nparts)
    {
      n ++;
      continue;
    }
    p = m->parts + n ++;
    snprintf(p->base, sizeof(p->base), "%s:%s:%d", src->name, key, part->index);
    snprintf(p->ref, sizeof(p->ref), "%s", p->base);
    snprintf(p->name, sizeof(p->name), "%s", part->kind == GW_MAIL_PART_BODY ? "message body" : part->filename);
    p->attempt = 1;
    if (part->kind == GW_MAIL_PART_REFUSED)
    {
      p->final = true;
      snprintf(p->outcome, sizeof(p->outcome), "%s: not printed: %s.", p->name, part->why);
    }
  }

  return (n);
}


/*
 * 'job_options()' - The subject's options and the source's policy; notes
 *                   for the reply get what was ignored or forced.
 */

static void
job_options(gw_mail_source_t *src, const gw_mail_options_t *o, gw_job_options_t *opts, char *notes, size_t notessize)
{
  size_t len = strlen(notes);

  memset(opts, 0, sizeof(*opts));
  opts->copies      = o->copies;
  opts->sides       = o->sides[0] ? o->sides : NULL;
  opts->color_mode  = o->color_mode[0] ? o->color_mode : NULL;
  opts->page_ranges = o->page_ranges[0] ? o->page_ranges : NULL;

  if (src->force_mono && (!opts->color_mode || strcmp(opts->color_mode, "monochrome")))
  {
    opts->color_mode = "monochrome";
    append(notes, notessize, &len, "This gateway prints in black and white only (policy).\n");
  }
  if (src->force_duplex && (!opts->sides || strcmp(opts->sides, "two-sided-long-edge")))
  {
    opts->sides = "two-sided-long-edge";
    append(notes, notessize, &len, "This gateway prints on both sides (policy).\n");
  }
  if (o->unknown_count > 0)
  {
    append(notes, notessize, &len, "Ignored in the subject (not an option):");
    for (int i = 0; i < o->unknown_count && i < GW_MAIL_SUBJECT_UNKNOWN_MAX; i ++)
      append(notes, notessize, &len, " %s", o->unknown[i]);
    append(notes, notessize, &len, ". Options: copies=N duplex simplex mono color pages=1-3,7 body.\n");
  }
}


/*
 * 'quarantine_note()' - A verification token for the sender, in the notes.
 */

static void
quarantine_note(gw_mail_source_t *src, const gw_actor_t *actor, const char *from, const char *trust_why, char *notes, size_t notessize)
{
  char        token[GW_API_TOKEN_LEN + 1];
  int64_t     expires;
  const char *error = NULL;
  size_t      len = strlen(notes);

  if (gwApiTokenCreate(src->sys, actor, from, 7 * 86400, token, sizeof(token), &expires, &error))
    snprintf(notes + len, notessize - len, "Your documents wait in quarantine because this gateway could not confirm the message came from %s (%s). To prove the address is yours and release them, give this code to your administrator or run:\n  printgate address confirm %s\nThe code works once, for 7 days.\n", from, trust_why, token);
  else
    snprintf(notes + len, notessize - len, "Your documents wait in quarantine because this gateway could not confirm the message came from %s (%s); ask your administrator to verify your address.\n", from, trust_why);
  gwWipe(token, sizeof(token));
}


/*
 * 'message_new()' - A message to put in flight, its parts planned; NULL
 *                   with *done set when it is done at once (nothing to
 *                   submit: refused, or only refused parts answered).
 */

static gw_mail_inflight_t *
message_new(gw_mail_source_t *src, gw_mail_message_t *msg, const char *key, bool body, gw_mail_done_t *done)
{
  gw_mail_inflight_t *m;
  gw_actor_t          actor;
  char                why[512], intro[600];
  int                 n, submit;

  n = plan_parts(src, msg, key, body, NULL, &submit);
  if (n > PARTS_MAX || submit == 0)
  {
    if (n > 0 && n <= PARTS_MAX)
    {
      gw_mail_reply_head_t head;

      /* Only refused parts (winmail.dat ...): the reply lists each with its reason. */
      if ((m = calloc(1, sizeof(gw_mail_inflight_t) + (size_t)n * sizeof(gw_mail_part_state_t))) == NULL)
      {
        *done = GW_MAIL_RETRY;
        return (NULL);
      }
      m->nparts = n;
      plan_parts(src, msg, key, body, m, &submit);
      _gwMailIntakeActor(src, &actor);
      reply_head(src, msg, &head);
      snprintf(intro, sizeof(intro), "Nothing in your message \"%.200s\" was printed:", head.subject);
      gwApiAuditAdd(src->sys, &actor, "mail.reject", head.from, NULL, NULL, 0, "no printable attachment");
      *done = queue_reply(src, &head, key, intro, m, NULL) ? GW_MAIL_DONE_REJECTED : GW_MAIL_RETRY;
      free(m);
      return (NULL);
    }
    snprintf(why, sizeof(why), n > PARTS_MAX ? "the message has more than %d attachments; send fewer per message" : "the message has no attachment this gateway can print", PARTS_MAX);
    *done = refuse_message(src, msg, key, why);
    return (NULL);
  }

  if ((m = calloc(1, sizeof(gw_mail_inflight_t) + (size_t)n * sizeof(gw_mail_part_state_t))) == NULL)
  {
    *done = GW_MAIL_RETRY;
    return (NULL);
  }
  m->nparts = n;
  plan_parts(src, msg, key, body, m, &submit);
  reply_head(src, msg, &m->head);
  snprintf(m->key, sizeof(m->key), "%s", key);

  return (m);
}


/*
 * 'mail_guest()' - An unknown sender under MailGuests: a pending guest
 *                  (its mail is quarantined with a verification code).
 *                  false with why set ("" = guests off: the usual refusal).
 */

static bool
mail_guest(gw_mail_source_t *src, const gw_actor_t *actor, gw_mail_message_t *msg, const char *from, gw_address_t *addr, char *why, size_t whysize)
{
  gw_mail_reply_head_t head;
  const char          *error = NULL;

  memset(addr, 0, sizeof(*addr));
  why[0] = '\0';
  reply_head(src, msg, &head);
  if (!head.may_reply)      /* No reply, so no code: no guest for list, bulk or auto-submitted mail */
    return (false);
  if (gwApiMailGuestAdd(src->sys, actor, from, addr, &error))
    return (true);
  if (error && strcmp(error, "guests by mail are off"))
    snprintf(why, whysize, "the sender address %s is not registered on this gateway and no guest account can be made for it now (%s); ask your administrator to add it", from, error);

  return (false);
}


/*
 * 'intake()' - Take one whole message (see the file comment).
 */

static gw_mail_done_t
intake(gw_mail_source_t *src, const char *key, const char *data, size_t size, void *tag)
{
  gw_mail_message_t  *msg;
  gw_mail_inflight_t *m;
  gw_actor_t          actor;
  gw_address_t        addr;
  gw_mail_options_t   o;
  gw_job_options_t    opts;
  char                why[512], trust_why[256], notes[3000] = "";
  const char         *from;
  bool                quarantine;
  int                 inflight;
  gw_mail_done_t      done = GW_MAIL_IN_FLIGHT;

  _gwMailIntakeActor(src, &actor);
  if ((msg = gwMailMessageParse(data, size, &src->limits, why, sizeof(why))) == NULL)
  {
    gw_mail_message_t *h = header_only(src, data, size);

    done = refuse_message(src, h, key, why);
    gwMailMessageDelete(&h);
    return (done);
  }

  from = gwMailMessageFrom(msg);
  if (!*from || (!gwApiAddressFind(src->sys, &actor, from, &addr) && !mail_guest(src, &actor, msg, from, &addr, why, sizeof(why))) ||
      addr.state == GW_ADDRESS_REVOKED)
  {
    if (!*from || addr.state == GW_ADDRESS_REVOKED || !why[0])
      snprintf(why, sizeof(why), "the sender address %s is not registered on this gateway; ask your administrator to add it", *from ? from : "(none)");
    done = refuse_message(src, *from ? msg : NULL, key, why);
    gwMailMessageDelete(&msg);
    return (done);
  }

  quarantine = trust_check(src, msg, trust_why, sizeof(trust_why)) != GW_MAIL_TRUST_PASS || addr.state != GW_ADDRESS_VERIFIED;
  if (addr.state != GW_ADDRESS_VERIFIED)
    snprintf(trust_why, sizeof(trust_why), "the address is not verified yet");
  if (quarantine && gwApiJobCount(src->sys, &actor, addr.user_name, 1u << GW_JOB_STATE_QUARANTINED) >= src->quarantine_max)
  {
    snprintf(why, sizeof(why), "%d documents from %s already wait in quarantine, the most allowed; verify the address first", src->quarantine_max, from);
    done = refuse_message(src, msg, key, why);
    gwMailMessageDelete(&msg);
    return (done);
  }

  gwMailSubjectParse(gwMailMessageHeader(msg, "Subject"), &o);
  job_options(src, &o, &opts, notes, sizeof(notes));
  opts.quarantine = quarantine;

  if ((m = message_new(src, msg, key, o.body || src->print_body, &done)) == NULL)
  {
    gwMailMessageDelete(&msg);
    return (done);
  }
  m->tag        = tag;
  m->quarantine = quarantine;
  m->deadline   = time(NULL) + REPLY_WAIT;
  snprintf(m->user, sizeof(m->user), "%s", addr.user_name);
  snprintf(m->trust_why, sizeof(m->trust_why), "%s", trust_why);
  snprintf(m->notes, sizeof(m->notes), "%s", notes);

  /* In the window before the first submission: no event of its parts can be missed. */
  _gwMailWindowAdd(src, m);
  for (int i = 0, j = 0; i < gwMailMessagePartCount(msg) && !m->retry; i ++)
  {
    const gw_mail_part_t *part = gwMailMessagePart(msg, i);
    char                  base[128];

    if (part->kind != GW_MAIL_PART_ATTACHMENT && part->kind != GW_MAIL_PART_BODY)
      continue;
    snprintf(base, sizeof(base), "%s:%s:%d", src->name, key, part->index);
    for (j = 0; j < m->nparts && strcmp(m->parts[j].base, base); j ++);
    if (j < m->nparts && !m->parts[j].final)
      m->retry = !submit_body_or_part(src, &actor, addr.user_name, msg, part, &opts, m->parts + j);
  }
  gwMailMessageDelete(&msg);

  if (m->retry)
  {
    /* Busy, or a retry not due yet: the parts submitted go on; the message is taken again later. */
    _gwMailWindowRemove(src, m);
    gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: message %s: the gateway cannot take every document now (busy, or a retry after an internal error is not due yet); it is taken again later.", src->name, key);
    free(m);
    return (GW_MAIL_RETRY);
  }
  pthread_mutex_lock(&src->mutex);
  inflight = src->ninflight;
  pthread_mutex_unlock(&src->mutex);
  gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: message %s: %d document(s) submitted; %d message(s) in flight.", src->name, key, m->nparts, inflight);

  return (GW_MAIL_IN_FLIGHT);
}


/*
 * 'retry_slot()' - The count of rounds a message was left for later: its
 *                  slot, or (add) a new one (the oldest reused when all are
 *                  taken); NULL when it has none.
 */

static gw_mail_retry_t *
retry_slot(gw_mail_source_t *src, const char *key, bool add)
{
  gw_mail_retry_t *r;

  for (int i = 0; i < GW_MAIL_RETRY_SLOTS; i ++)
    if (src->retries[i].count && !strncmp(src->retries[i].key, key, sizeof(src->retries[i].key) - 1))
      return (src->retries + i);
  if (!add)
    return (NULL);
  for (int i = 0; i < GW_MAIL_RETRY_SLOTS; i ++)
    if (!src->retries[i].count)
      return (src->retries + i);
  r = src->retries + src->retry_next ++ % GW_MAIL_RETRY_SLOTS;
  r->count = 0;

  return (r);
}


/*
 * 'retry_bound()' - Count a round's outcome for the message: a final one
 *                   forgets it; RETRY counts one more and gives true once
 *                   busy-retries is reached (the caller ends the message).
 */

static bool
retry_bound(gw_mail_source_t *src, const char *key, gw_mail_done_t done, int *count)
{
  gw_mail_retry_t *r = retry_slot(src, key, done == GW_MAIL_RETRY);

  *count = 0;
  if (!r)
    return (false);
  if (done != GW_MAIL_RETRY)
  {
    if (done != GW_MAIL_IN_FLIGHT)
      memset(r, 0, sizeof(*r));
    return (false);
  }
  if (!r->count ++)
    snprintf(r->key, sizeof(r->key), "%s", key);
  if ((*count = r->count) < src->busy_retries)
    return (false);
  memset(r, 0, sizeof(*r));

  return (true);
}


/*
 * '_gwMailIntake()' - Take one whole message; counted as taken unless it is
 *                     left for later (a round that took some may go on).
 *                     Left for later busy-retries times: answered and
 *                     rejected (see the file comment).
 */

gw_mail_done_t
_gwMailIntake(gw_mail_source_t *src, const char *key, const char *data, size_t size, void *tag)
{
  gw_mail_done_t     done = intake(src, key, data, size, tag);
  gw_mail_message_t *h;
  char               why[300];
  int                count;

  if (retry_bound(src, key, done, &count))
  {
    snprintf(why, sizeof(why), "the gateway could not take all of it after %d tries (it was busy, or could not store it); "
             "any document listed in your held jobs is held, send the others again later", count);
    h    = header_only(src, data, size);
    done = refuse_message(src, h, key, why);
    gwMailMessageDelete(&h);
    if (done == GW_MAIL_RETRY)
    {
      gwLog(gwSystemGetLog(src->sys), GW_LOG_ERROR, "Mail source %s: message %s: no reply could be queued either; it is moved to %s without one.", src->name, key, src->rejected);
      done = GW_MAIL_DONE_REJECTED;
    }
  }
  if (done != GW_MAIL_RETRY)
    src->taken ++;

  return (done);
}


/*
 * '_gwMailIntakeFinish()' - A message out of the window: every part has an
 *                           outcome (else it is taken again later): its
 *                           reply.  *m is freed; key and tag are given back.
 */

gw_mail_done_t
_gwMailIntakeFinish(gw_mail_source_t *src, gw_mail_inflight_t **mp, char *key, size_t keysize, void **tag)
{
  gw_mail_inflight_t *m = *mp;
  gw_actor_t          actor;
  char                intro[600], next[128];
  const char         *why = NULL;
  gw_mail_done_t      done;
  int                 count;

  *mp = NULL;
  snprintf(key, keysize, "%s", m->key);
  *tag = m->tag;
  for (int i = 0; i < m->nparts && !why; i ++)
  {
    const gw_mail_part_state_t *p = m->parts + i;

    if (!p->final)
      why = "not every document has an outcome yet";
    else if (p->interrupted)
      why = "a document was interrupted";    /* Its reference is free again: the part is submitted anew */
    else if (p->internal && retry_ref(p, p->attempt + 1, next, sizeof(next)))
      why = "a document failed with an internal error; it is submitted again at a later poll";
  }
  if (why)
  {
    gwLog(gwSystemGetLog(src->sys), GW_LOG_WARN, "Mail source %s: message %s: %s; it is taken again later.", src->name, m->key, why);
    free(m);
    return (GW_MAIL_RETRY);
  }

  _gwMailIntakeActor(src, &actor);
  if (m->quarantine)
    quarantine_note(src, &actor, m->head.from, m->trust_why, m->notes, sizeof(m->notes));
  snprintf(intro, sizeof(intro), "Your message \"%.200s\" was received by the print gateway for %s:", m->head.subject, m->user);
  gwApiAuditAdd(src->sys, &actor, m->quarantine ? "mail.quarantine" : "mail.receive", m->user, NULL, NULL, m->nparts, m->key);
  gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: message %s from %s: %d document(s)%s.", src->name, m->key, m->head.from, m->nparts, m->quarantine ? ", quarantined" : "");
  done = queue_reply(src, &m->head, m->key, intro, m, m->notes) ? GW_MAIL_DONE_PRINTED : GW_MAIL_RETRY;
  free(m);
  if (retry_bound(src, key, done, &count))
  {
    gwLog(gwSystemGetLog(src->sys), GW_LOG_ERROR, "Mail source %s: message %s: its reply could not be queued in %d tries; it is marked done without one.", src->name, key, count);
    done = GW_MAIL_DONE_PRINTED;
  }

  return (done);
}
