/*
 * mail-intake.c - one message from a mail source becomes jobs and one
 * reply (docs/mail.md): the MIME walk, the subject's options and the
 * source's policy, sender trust (a verified address plus the trusted
 * Authentication-Results, else quarantine and a verification token), one
 * submission per attachment with the origin reference
 * "SOURCE:KEY:PART" (exactly once), and the reply, queued in the core's
 * outbox under the key "reply:SOURCE:KEY" once every part has an outcome.
 *
 * Outcomes come from job events (origin "mail"): the front-end's event
 * callback (_gwMailIntakeEvent) fills the waiting message's parts; the
 * poller thread waits (bounded) until the reply is queued, and only then
 * the source flags or moves the message.  A crash anywhere before that
 * fetches the message again: its parts find their jobs (GW_REASON_DUPLICATE,
 * their outcome read from the job), and the outbox's key keeps the reply
 * single.
 */

#include "mail-source.h"
#include "printgate/outbox.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PARTS_MAX  64                   /* Attachments listed per message (more: refused as too many) */
#define REPLY_WAIT 300                  /* Seconds the poller waits for the outcomes */

typedef struct pending_part_s
{
  char  ref[128];                       /* Origin reference */
  char  name[GW_MAIL_FILENAME_MAX + 1];
  char  job_id[40];
  bool  final;
  bool  interrupted;                    /* Its job failed "interrupted": submit it again (message taken again) */
  char  outcome[1100];                   /* The reply's line */
} pending_part_t;

typedef struct pending_s                /* A message waiting for its outcomes */
{
  pending_part_t parts[PARTS_MAX];
  int            nparts;
} pending_t;

static void outcome_from_job(pending_part_t *p, const gw_job_t *job);


/*
 * 'intake_actor()' - The actor the intake acts as: the system, for the mail origin.
 */

static void
intake_actor(gw_mail_source_t *src, gw_actor_t *actor)
{
  memset(actor, 0, sizeof(*actor));
  actor->tenant   = GW_DEFAULT_TENANT;
  actor->who      = "system";
  actor->role     = GW_ROLE_ADMIN;
  actor->where    = src->name;
  actor->frontend = "mail";
}


/*
 * 'is_final()' - Whether a job state is an outcome for the reply.
 */

static bool
is_final(gw_job_state_t s)
{
  return (s != GW_JOB_STATE_RECEIVING && s != GW_JOB_STATE_CONVERTING);
}


/*
 * 'outcome_from_job()' - The reply's line for a job that has an outcome.
 */

static void
outcome_from_job(pending_part_t *p, const gw_job_t *job)
{
  p->final       = is_final(job->state);
  p->interrupted = job->state == GW_JOB_STATE_FAILED && job->reason == GW_REASON_INTERRUPTED;
  if (job->state == GW_JOB_STATE_HELD || job->state == GW_JOB_STATE_RELEASING || job->state == GW_JOB_STATE_PRINTED)
  {
    if (job->color_pages >= 0)
      snprintf(p->outcome, sizeof(p->outcome), "%s: held, %d page(s), %d in colour.", p->name, job->pages, job->color_pages);
    else
      snprintf(p->outcome, sizeof(p->outcome), "%s: held, %d page(s).", p->name, job->pages);
  }
  else if (job->state == GW_JOB_STATE_QUARANTINED)
    snprintf(p->outcome, sizeof(p->outcome), "%s: quarantined until your address is verified (%d page(s)).", p->name, job->pages);
  else if (p->final)
    snprintf(p->outcome, sizeof(p->outcome), "%s: not printed: %s", p->name, job->reason_text[0] ? job->reason_text : gwReasonCode(job->reason));
}


/*
 * '_gwMailIntakeEvent()' - A job event of origin "mail": the waiting
 *                          message whose part it is gets its outcome.
 */

void
_gwMailIntakeEvent(gw_mail_source_t *in, const gw_job_event_t *event)
{
  gw_job_t   job;
  gw_actor_t actor;

  if (!is_final(event->new_state))
    return;

  pthread_mutex_lock(&in->mutex);
  if (in->pending)
  {
    pending_t *pm = (pending_t *)in->pending;

    for (int i = 0; i < pm->nparts; i ++)
    {
      if (strcmp(pm->parts[i].ref, event->origin_ref) || (pm->parts[i].job_id[0] && strcmp(pm->parts[i].job_id, event->job_id)))
        continue;                       /* Another part, or an older job of this part */
      memset(&actor, 0, sizeof(actor));
      actor.tenant = event->tenant, actor.who = "system", actor.role = GW_ROLE_ADMIN, actor.where = "events", actor.frontend = "mail";
      pthread_mutex_unlock(&in->mutex);
      if (!gwApiJobGet(in->sys, &actor, event->job_id, &job))
      {
        memset(&job, 0, sizeof(job));
        job.state = event->new_state;
        job.reason = event->reason;
        job.color_pages = -1;
        snprintf(job.reason_text, sizeof(job.reason_text), "%s", event->text);
      }
      pthread_mutex_lock(&in->mutex);
      if (in->pending == pm)
        outcome_from_job(pm->parts + i, &job);
      break;
    }
    pthread_cond_broadcast(&in->cond);
  }
  pthread_mutex_unlock(&in->mutex);
}


/*
 * 'find_ref_cb()' - gwApiJobIterate callback: the job holding a reference.
 */

typedef struct find_ref_s { const char *ref; gw_job_t job; bool found; } find_ref_t;

static bool
find_ref_cb(const gw_job_t *job, void *data)
{
  find_ref_t *f = (find_ref_t *)data;

  if (!strcmp(job->origin_ref, f->ref) && !(job->state == GW_JOB_STATE_FAILED && job->reason == GW_REASON_INTERRUPTED))
  {                                     /* (an interrupted job no longer holds the reference) */
    f->job   = *job;
    f->found = true;
    return (false);
  }
  return (true);
}


/*
 * 'submit_part()' - Submit one part.  false = the gateway could not take
 *                   it now (retry the message later).
 */

static bool
submit_part(gw_mail_source_t *src, const gw_actor_t *actor, const char *user, const gw_mail_part_t *part, const gw_job_options_t *options, pending_part_t *p)
{
  gw_submission_t *sub;
  gw_reason_t      reason;
  char             text[512];
  gw_job_t         job;

  sub = gwApiJobSubmit(src->sys, actor, user, part->filename, options, (int64_t)part->size, &reason, text, sizeof(text));
  if (!sub && reason == GW_REASON_DUPLICATE)
  {
    find_ref_t f;

    /* Taken before a crash: its job says what became of it. */
    memset(&f, 0, sizeof(f));
    f.ref = p->ref;
    gwApiJobIterate(src->sys, actor, user, 0, find_ref_cb, &f);
    pthread_mutex_lock(&src->mutex);
    if (f.found)
    {
      snprintf(p->job_id, sizeof(p->job_id), "%s", f.job.id);
      outcome_from_job(p, &f.job);
    }
    else
    {
      p->final = true;
      snprintf(p->outcome, sizeof(p->outcome), "%s: received earlier.", p->name);
    }
    pthread_mutex_unlock(&src->mutex);
    return (true);
  }
  if (!sub)
  {
    if (reason == GW_REASON_BUSY || reason == GW_REASON_INTERNAL)
      return (false);
    pthread_mutex_lock(&src->mutex);
    p->final = true;
    snprintf(p->outcome, sizeof(p->outcome), "%s: not printed: %s", p->name, text);
    pthread_mutex_unlock(&src->mutex);
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
    {
      pthread_mutex_lock(&src->mutex);
      outcome_from_job(p, &job);
      pthread_mutex_unlock(&src->mutex);
    }
    return (true);
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
 * 'may_reply()' - The core's RFC 3834 guard on the message's header.
 */

static bool
may_reply(gw_mail_source_t *src, gw_mail_message_t *msg, const char **reason)
{
  static const char * const names[] = { "Auto-Submitted", "Precedence", "List-Id", "List-Unsubscribe", "List-Post", "Return-Path", "X-Auto-Response-Suppress", "X-Loop" };
  const char *headers[2 * 8 + 1];
  const char *own[2] = { src->user, NULL };
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

  return (gwMailShouldReply(src->sys, headers, gwMailMessageFrom(msg), own, reason));
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
queue_reply(gw_mail_source_t *src, gw_mail_message_t *msg, const char *key, const char *intro, const pending_t *pm, const char *notes)
{
  gw_actor_t   actor;
  gw_outmail_t m;
  char        *body, subject[300], okey[256], refs[600];
  size_t       len = 0, size = 64 * 1024;
  const char  *error = NULL, *msgid = gwMailMessageHeaderN(msg, "Message-ID", 0), *reason = NULL;
  int64_t      id;
  bool         ok;

  if (!may_reply(src, msg, &reason))
  {
    gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: message %s: no reply (%s).", src->name, key, reason ? reason : "guard");
    return (true);
  }
  if ((body = malloc(size)) == NULL)
    return (false);

  append(body, size, &len, "%s\n\n", intro);
  for (int i = 0; pm && i < pm->nparts; i ++)
    append(body, size, &len, "- %s\n", pm->parts[i].outcome);
  if (notes && *notes)
    append(body, size, &len, "\n%s", notes);
  append(body, size, &len, "\nHeld documents wait for you at any printer of this gateway: release them there with your PIN or card, or ask your administrator.\n-- \nPrintgate\n");

  snprintf(subject, sizeof(subject), "Printed: %.250s", gwMailMessageHeader(msg, "Subject"));
  for (char *p = subject; *p; p ++)
    if ((unsigned char)*p < ' ')
      *p = ' ';
  snprintf(okey, sizeof(okey), "reply:%s:%s", src->name, key);
  snprintf(refs, sizeof(refs), "%s", msgid && strlen(msgid) < 250 && msgid[0] == '<' ? msgid : "");

  intake_actor(src, &actor);
  memset(&m, 0, sizeof(m));
  m.to           = gwMailMessageFrom(msg);
  m.subject      = subject;
  m.body         = body;
  m.in_reply_to  = refs[0] ? refs : NULL;
  m.references   = refs[0] ? refs : NULL;
  m.auto_replied = true;
  m.key          = okey;
  ok = gwApiOutboxAdd(src->sys, &actor, &m, &id, &error);
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

  intake_actor(src, &actor);
  gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: message %s from %s refused: %s.", src->name, key, msg ? gwMailMessageFrom(msg) : "?", why);
  gwApiAuditAdd(src->sys, &actor, "mail.reject", msg ? gwMailMessageFrom(msg) : "", NULL, NULL, 0, why);
  if (msg)
  {
    char intro[700];

    snprintf(intro, sizeof(intro), "Your message was not printed: %s.", why);
    if (!queue_reply(src, msg, key, intro, NULL, NULL))
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
 * 'plan_parts()' - The parts to submit (attachments, and the body when
 *                  asked) and the refused ones' lines.  false = too many.
 */

static bool
plan_parts(gw_mail_source_t *src, gw_mail_message_t *msg, const char *key, bool body, pending_t *pm, int *submit)
{
  *submit = 0;
  for (int i = 0; i < gwMailMessagePartCount(msg); i ++)
  {
    const gw_mail_part_t *part = gwMailMessagePart(msg, i);
    pending_part_t       *p;

    if (part->kind == GW_MAIL_PART_SKIPPED || (part->kind == GW_MAIL_PART_BODY && !body))
      continue;
    if (pm->nparts >= PARTS_MAX)
      return (false);
    p = pm->parts + pm->nparts ++;
    snprintf(p->ref, sizeof(p->ref), "%s:%s:%d", src->name, key, part->index);
    snprintf(p->name, sizeof(p->name), "%s", part->kind == GW_MAIL_PART_BODY ? "message body" : part->filename);
    if (part->kind == GW_MAIL_PART_REFUSED)
    {
      p->final = true;
      snprintf(p->outcome, sizeof(p->outcome), "%s: not printed: %s.", p->name, part->why);
    }
    else
      (*submit) ++;
  }

  return (true);
}


/*
 * 'wait_outcomes()' - Wait (bounded) until every part has its outcome.
 */

static bool
wait_outcomes(gw_mail_source_t *src, pending_t *pm)
{
  struct timespec until;
  bool            all = false;

  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += REPLY_WAIT;

  pthread_mutex_lock(&src->mutex);
  while (!src->stop)
  {
    all = true;
    for (int i = 0; i < pm->nparts; i ++)
      all = all && pm->parts[i].final;
    if (all || pthread_cond_timedwait(&src->cond, &src->mutex, &until) != 0)
      break;
  }
  src->pending = NULL;
  pthread_mutex_unlock(&src->mutex);

  return (all);
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
 * '_gwMailIntake()' - Take one whole message (see the file comment).
 */

gw_mail_done_t
_gwMailIntake(gw_mail_source_t *src, const char *key, const char *data, size_t size)
{
  gw_mail_message_t *msg;
  gw_actor_t         actor;
  gw_address_t       addr;
  gw_mail_options_t  o;
  gw_job_options_t   opts;
  pending_t         *pm;
  char               why[512], trust_why[256], notes[3000] = "", intro[600], ref[128];
  const char        *from;
  bool               quarantine, retry = false, all, planned;
  int                submit;
  gw_mail_done_t     done;

  intake_actor(src, &actor);
  if ((msg = gwMailMessageParse(data, size, &src->limits, why, sizeof(why))) == NULL)
  {
    gw_mail_message_t *h = header_only(src, data, size);

    done = refuse_message(src, h, key, why);
    gwMailMessageDelete(&h);
    return (done);
  }

  from = gwMailMessageFrom(msg);
  if (!*from || !gwApiAddressFind(src->sys, &actor, from, &addr) || addr.state == GW_ADDRESS_REVOKED)
  {
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

  if ((pm = calloc(1, sizeof(pending_t))) == NULL)
  {
    gwMailMessageDelete(&msg);
    return (GW_MAIL_RETRY);
  }
  planned = plan_parts(src, msg, key, o.body || src->print_body, pm, &submit);
  if (planned && submit == 0 && pm->nparts > 0)
  {
    /* Only refused parts (winmail.dat ...): the reply lists each with its reason. */
    snprintf(intro, sizeof(intro), "Nothing in your message \"%.200s\" was printed:", gwMailMessageHeader(msg, "Subject"));
    gwApiAuditAdd(src->sys, &actor, "mail.reject", from, NULL, NULL, 0, "no printable attachment");
    done = queue_reply(src, msg, key, intro, pm, notes) ? GW_MAIL_DONE_REJECTED : GW_MAIL_RETRY;
    free(pm);
    gwMailMessageDelete(&msg);
    return (done);
  }
  if (!planned || submit == 0)
  {
    snprintf(why, sizeof(why), !planned ? "the message has more than %d attachments; send fewer per message" : "the message has no attachment this gateway can print", PARTS_MAX);
    free(pm);
    done = refuse_message(src, msg, key, why);
    gwMailMessageDelete(&msg);
    return (done);
  }

  pthread_mutex_lock(&src->mutex);
  src->pending = pm;
  pthread_mutex_unlock(&src->mutex);

  for (int i = 0, j = 0; i < gwMailMessagePartCount(msg) && !retry; i ++)
  {
    const gw_mail_part_t *part = gwMailMessagePart(msg, i);

    snprintf(ref, sizeof(ref), "%s:%s:%d", src->name, key, part->index);
    for (j = 0; j < pm->nparts && strcmp(pm->parts[j].ref, ref); j ++);
    if (j >= pm->nparts || pm->parts[j].final || (part->kind != GW_MAIL_PART_ATTACHMENT && part->kind != GW_MAIL_PART_BODY))
      continue;
    opts.origin_ref = ref;
    retry = !submit_part(src, &actor, addr.user_name, part, &opts, pm->parts + j);
  }

  all = wait_outcomes(src, pm);
  for (int i = 0; i < pm->nparts && !retry; i ++)
    retry = pm->parts[i].interrupted;  /* Its reference is free again: the part is submitted anew */
  if (retry || !all)
  {
    gwLog(gwSystemGetLog(src->sys), GW_LOG_WARN, "Mail source %s: message %s: %s; it is taken again later.", src->name, key, retry ? "the gateway is busy, or a document was interrupted" : "not every document has an outcome yet");
    free(pm);
    gwMailMessageDelete(&msg);
    return (GW_MAIL_RETRY);
  }

  if (quarantine)
    quarantine_note(src, &actor, from, trust_why, notes, sizeof(notes));
  snprintf(intro, sizeof(intro), "Your message \"%.200s\" was received by the print gateway for %s:", gwMailMessageHeader(msg, "Subject"), addr.user_name);
  gwApiAuditAdd(src->sys, &actor, quarantine ? "mail.quarantine" : "mail.receive", addr.user_name, NULL, NULL, pm->nparts, key);
  gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: message %s from %s: %d document(s)%s.", src->name, key, from, pm->nparts, quarantine ? ", quarantined" : "");
  done = queue_reply(src, msg, key, intro, pm, notes) ? GW_MAIL_DONE_PRINTED : GW_MAIL_RETRY;
  free(pm);
  gwMailMessageDelete(&msg);

  return (done);
}
