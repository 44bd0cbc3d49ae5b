/*
 * outbox.c - the outbox's API calls (outbox.h) and its sender thread.
 *
 * gwApiOutboxAdd() composes and seals the message and stores it queued; the
 * sender thread takes due rows one at a time (queued -> sending in one
 * store transaction), sends each over SMTP (outbox-smtp.c) and records the
 * outcome: sent, failed (a 5xx for the message, or SmtpGiveUp passed), or
 * queued again after the backoff.  A row left "sending" by a crash is
 * queued again at the next start, so a relay outage or a crash loses no
 * message; a crash inside SMTP DATA may send one twice (docs/mail.md).
 *
 * Locking: the sender's mutex guards only its stop and wake flags; no
 * core lock is held while it talks to the relay.  gwSystemDelete() stops
 * the sender after the front-ends, so no API call wakes a freed sender.
 */

#include "outbox-private.h"
#include "api-private.h"
#include "printgate/oauth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SENDER_IDLE_SECS  60    /* Longest sleep between two looks at the outbox */
#define SENDER_BATCH      100   /* Rows per pass before the stop flag is looked at again */

struct _gw_outbox_s
{
  gw_system_t     *sys;
  pthread_t        thread;
  pthread_mutex_t  lock;        /* Guards stop and wake */
  pthread_cond_t   cond;
  bool             stop;
  bool             wake;
  gw_oauth_t       oauth;       /* SmtpTokenURL's client: the sender thread's only */
  unsigned char    oauth_fp[GW_HMAC_LEN]; /* The settings it was filled from */
};

static const char * const state_names[] = { "queued", "sending", "sent", "failed" };


/*
 * 'gwOutboxStateString()' - The state's keyword.
 */

const char *
gwOutboxStateString(gw_outbox_state_t state)
{
  return (state >= GW_OUTBOX_QUEUED && state <= GW_OUTBOX_FAILED ? state_names[state] : "unknown");
}


/*
 * 'message_domain()' - SmtpDomain, or the domain of the sender address.
 */

static const char *
message_domain(const gw_config_t *c, const char *from)
{
  const char *at;

  if (c->smtp_domain[0])
    return (c->smtp_domain);

  return ((at = strchr(from, '@')) != NULL ? at + 1 : "");
}


/*
 * 'store_message()' - Seal a composed message (AAD: its Message-ID) and
 *                     store its row; *existed_r when its key was there.
 */

static bool
store_message(gw_system_t *sys, gw_outbox_entry_t *e, const char *msg, size_t len, int64_t *id_r, bool *existed_r, const char **error_r)
{
  unsigned char *sealed;
  bool           ok;

  if ((sealed = malloc(len + _GW_SEAL_OVERHEAD)) == NULL)
  {
    _gwApiError(error_r, "out of memory");
    return (false);
  }

  if ((ok = _gwOutboxSeal(sys->keys, e->message_id, msg, len, sealed)) == false)
    _gwApiError(error_r, "unable to seal the message");
  else
    ok = gwStoreOutboxAdd(sys->store, e, sealed, len + _GW_SEAL_OVERHEAD, id_r, existed_r, error_r);

  free(sealed);

  return (ok);
}


/*
 * 'gwApiOutboxAdd()' - Queue a message (outbox.h).
 */

bool
gwApiOutboxAdd(gw_system_t *sys, const gw_actor_t *actor, const gw_outmail_t *m, int64_t *id_r, const char **error_r)
{
  gw_config_t        c;
  gw_outbox_entry_t *e;
  char              *msg = NULL;
  size_t             len = 0;
  int64_t            id = 0;
  bool               existed = false, ok = false;
  const char        *error = NULL;

  if (!sys || !m || !_gwApiAdmin(actor, error_r))
    return (false);

  if ((e = calloc(1, sizeof(gw_outbox_entry_t))) == NULL)
  {
    _gwApiError(error_r, "out of memory");
    return (false);
  }

  _gwSystemConfigCopy(sys, &c);
  if (m->from && *m->from)
    snprintf(e->from, sizeof(e->from), "%s", m->from);
  else
    _gwOutboxDefaultFrom(&c, e->from, sizeof(e->from));

  e->tenant  = actor->tenant;
  e->created = (int64_t)time(NULL);

  if (_gwOutboxCompose(m, e->from, message_domain(&c, e->from), (time_t)e->created, &msg, &len, e->message_id, sizeof(e->message_id), &error))
  {
    snprintf(e->key, sizeof(e->key), "%s", m->key ? m->key : "");
    snprintf(e->to, sizeof(e->to), "%s", m->to);
    snprintf(e->subject, sizeof(e->subject), "%s", m->subject ? m->subject : "");
    ok = store_message(sys, e, msg, len, &id, &existed, &error);
    gwWipe(msg, len);
    free(msg);
  }

  if (!ok)
    _gwApiError(error_r, error);
  else
  {
    if (!existed)
    {
      _gwApiAudit(sys, actor, "outbox.add", e->to, "", "", 0, e->message_id);
      _gwOutboxWake(sys->outbox);
    }
    if (id_r)
      *id_r = id;
  }

  free(e);

  return (ok);
}


/*
 * 'gwApiOutboxIterate()' - Admin: the tenant's rows, oldest first.
 */

bool
gwApiOutboxIterate(gw_system_t *sys, const gw_actor_t *actor, unsigned states, gw_outbox_cb_t cb, void *data)
{
  if (!sys || !cb || !_gwApiAdmin(actor, NULL))
    return (false);

  return (gwStoreOutboxIterate(sys->store, actor->tenant, states, cb, data));
}


/*
 * 'gwApiOutboxRetry()' - Admin: try a queued or failed row again now.
 */

bool
gwApiOutboxRetry(gw_system_t *sys, const gw_actor_t *actor, int64_t id, const char **error_r)
{
  char subject[32];

  if (!sys || !_gwApiAdmin(actor, error_r) || !gwStoreOutboxRetry(sys->store, actor->tenant, id, (int64_t)time(NULL), error_r))
    return (false);

  snprintf(subject, sizeof(subject), "%lld", (long long)id);
  _gwApiAudit(sys, actor, "outbox.retry", subject, "", "", 0, "");
  _gwOutboxWake(sys->outbox);

  return (true);
}


/*
 * 'gwApiOutboxDelete()' - Admin: delete a row that is not being sent.
 */

bool
gwApiOutboxDelete(gw_system_t *sys, const gw_actor_t *actor, int64_t id, const char **error_r)
{
  char subject[32];

  if (!sys || !_gwApiAdmin(actor, error_r) || !gwStoreOutboxDelete(sys->store, actor->tenant, id, error_r))
    return (false);

  snprintf(subject, sizeof(subject), "%lld", (long long)id);
  _gwApiAudit(sys, actor, "outbox.delete", subject, "", "", 0, "");

  return (true);
}


/*
 * 'send_row()' - One attempt for a row taken by the sender: open its
 *                message, send it (or record auth_error: no token), record
 *                the outcome and log it.  A relay that refuses a token from
 *                SmtpTokenURL gets one new token, once per pass (*refreshed).
 */

static void
send_row(gw_system_t *sys, const gw_config_t *c, const char *password, gw_oauth_t *oauth, bool *refreshed, const char *auth_error, const gw_outbox_entry_t *e, const unsigned char *sealed, size_t len, int64_t now, const bool *cancel)
{
  _gw_outbox_result_t r;
  gw_outbox_state_t   state;
  int64_t             next = 0;
  char               *msg, why[GW_OUTMAIL_ERROR_MAX];
  bool                tls;

  memset(&r, 0, sizeof(r));
  if ((msg = malloc(len + 1)) == NULL)
    snprintf(r.error, sizeof(r.error), "out of memory");
  else if (!_gwOutboxOpen(sys->keys, e->message_id, sealed, len, msg))
  {
    snprintf(r.error, sizeof(r.error), "the stored message does not open (changed, or made under another root key)");
    r.permanent = true;
  }
  else if (auth_error)
    snprintf(r.error, sizeof(r.error), "%s", auth_error);
  else
  {
    _gwOutboxSmtpSend(c, password, e->from, e->to, msg, len - _GW_SEAL_OVERHEAD, cancel, &r);
    if (r.auth_refused && oauth && !*refreshed)
    {
      *refreshed = true;
      gwLog(sys->log, GW_LOG_WARN, "Outbox: the relay refused the OAuth2 token (%s); asking the token endpoint for a new one.", r.error);
      gwOAuthInvalidate(oauth);
      if ((password = gwOAuthToken(oauth, cancel, &tls, why, sizeof(why))) != NULL)
        _gwOutboxSmtpSend(c, password, e->from, e->to, msg, len - _GW_SEAL_OVERHEAD, cancel, &r);
      else
        snprintf(r.error, sizeof(r.error), "no OAuth2 token: %.400s", why);
    }
  }

  if (msg)
  {
    gwWipe(msg, len + 1);
    free(msg);
  }

  state = _gwOutboxNextState(&r, e->attempts, e->since, now, c, &next);
  if (state == GW_OUTBOX_QUEUED && cancel && __atomic_load_n(cancel, __ATOMIC_ACQUIRE))
    next = now;                         /* Stopped mid-attempt: due again at the next start */
  if (!gwStoreOutboxFinish(sys->store, e->tenant, e->id, state, next, r.error, now))
    gwLog(sys->log, GW_LOG_ERROR, "Outbox %lld: unable to record the outcome (%s); it is sent again at the next start.", (long long)e->id, gwOutboxStateString(state));

  if (state == GW_OUTBOX_SENT)
    gwLog(sys->log, GW_LOG_INFO, "Outbox %lld: sent %s to %s (attempt %d): %s", (long long)e->id, e->message_id, e->to, e->attempts, r.error);
  else if (state == GW_OUTBOX_FAILED)
    gwLog(sys->log, GW_LOG_ERROR, "Outbox %lld: gave up on %s to %s after %d attempts: %s", (long long)e->id, e->message_id, e->to, e->attempts, r.error);
  else
    gwLog(sys->log, GW_LOG_WARN, "Outbox %lld: attempt %d for %s failed, next in %llds: %s", (long long)e->id, e->attempts, e->to, (long long)(next - now), r.error);
}


/*
 * 'open_secret()' - The plaintext of a secret directive (enc:v1: or plain
 *                   text) into buf; false (logged) when it does not open.
 */

static bool
open_secret(gw_system_t *sys, const char *directive, const char *value, char *buf, size_t bufsize)
{
  const char *why;

  if (strncmp(value, GW_SECRET_PREFIX, strlen(GW_SECRET_PREFIX)))
  {
    snprintf(buf, bufsize, "%s", value);
    return (true);
  }
  if (_gwSecretDecrypt(sys->keys, value, buf, bufsize, &why))
    return (true);
  gwLog(sys->log, GW_LOG_ERROR, "%s: %s; nothing is sent until it is fixed.", directive, why);

  return (false);
}


/*
 * 'oauth_setup()' - Fill the client from SmtpTokenURL and friends when they
 *                   changed (a reload drops the cached token); false
 *                   (logged) when a secret does not open.
 */

static bool
oauth_setup(gw_system_t *sys, const gw_config_t *c, gw_oauth_t *o, unsigned char fp[GW_HMAC_LEN])
{
  static const unsigned char label[] = "printgate outbox oauth settings";
  unsigned char              now[GW_HMAC_LEN];
  char                       settings[sizeof(c->smtp_token_url) + sizeof(c->smtp_token_ca_file) + sizeof(c->smtp_client_id) +
                                      sizeof(c->smtp_client_secret) + sizeof(c->smtp_refresh_token) + sizeof(c->smtp_scope) + 8];
  bool                       ok;

  snprintf(settings, sizeof(settings), "%s\n%s\n%s\n%s\n%s\n%s", c->smtp_token_url, c->smtp_token_ca_file, c->smtp_client_id,
           c->smtp_client_secret, c->smtp_refresh_token, c->smtp_scope);
  ok = gwHmacSha256(label, sizeof(label) - 1, settings, strlen(settings), now);
  gwWipe(settings, sizeof(settings));
  if (ok && o->token_url[0] && !memcmp(now, fp, sizeof(now)))
    return (true);

  gwWipe(o, sizeof(*o));
  snprintf(o->token_url, sizeof(o->token_url), "%s", c->smtp_token_url);
  snprintf(o->cafile, sizeof(o->cafile), "%s", c->smtp_token_ca_file);
  snprintf(o->client_id, sizeof(o->client_id), "%s", c->smtp_client_id);
  snprintf(o->scope, sizeof(o->scope), "%s", c->smtp_scope);
  if (!open_secret(sys, "SmtpClientSecret", c->smtp_client_secret, o->client_secret, sizeof(o->client_secret)) ||
      !open_secret(sys, "SmtpRefreshToken", c->smtp_refresh_token, o->refresh_token, sizeof(o->refresh_token)))
  {
    gwWipe(o, sizeof(*o));
    return (false);
  }
  memcpy(fp, now, GW_HMAC_LEN);
  if (c->smtp_client_secret[0] && strncmp(c->smtp_client_secret, GW_SECRET_PREFIX, strlen(GW_SECRET_PREFIX)))
    gwLog(sys->log, GW_LOG_WARN, "SmtpClientSecret is in plain text in the configuration; encrypt it with \"printgate secret encrypt\".");
  if (c->smtp_refresh_token[0] && strncmp(c->smtp_refresh_token, GW_SECRET_PREFIX, strlen(GW_SECRET_PREFIX)))
    gwLog(sys->log, GW_LOG_WARN, "SmtpRefreshToken is in plain text in the configuration; encrypt it with \"printgate secret encrypt\".");

  return (true);
}


/*
 * 'run_once()' - Send every row due at 'now' (up to a batch) with the
 *                sender ob (NULL: a test's pass, no sender).  Returns the
 *                rows tried.  With SmtpTokenURL the bearer token comes from
 *                the sender's OAuth2 client (cached; a new grant when it
 *                expires); when none can be had, each due row records why
 *                and waits.
 */

static int
run_once(gw_system_t *sys, _gw_outbox_t *ob, int64_t now)
{
  gw_config_t       c;
  gw_outbox_entry_t e;
  void             *sealed;
  size_t            len;
  char              password[GW_SECRET_MAX + 1] = "", why[GW_OUTMAIL_ERROR_MAX] = "";
  const char       *token = NULL, *auth_error = NULL;
  int               n = 0;
  const bool       *cancel = ob ? &ob->stop : NULL;   /* The sender's stop flag */
  gw_oauth_t       *oauth = NULL;
  unsigned char     fp[GW_HMAC_LEN] = { 0 };
  bool              tls, refreshed = false, ok;

  _gwSystemConfigCopy(sys, &c);
  if ((ok = _gwOutboxSmtpConfigValid(&c, &auth_error)) == false)
    ;
  else if (c.smtp_token_url[0])
  {
    oauth = ob ? &ob->oauth : calloc(1, sizeof(gw_oauth_t));
    auth_error = NULL;
    if (!oauth || !oauth_setup(sys, &c, oauth, ob ? ob->oauth_fp : fp))
      ok = false;
    else if ((token = gwOAuthToken(oauth, cancel, &tls, why, sizeof(why))) == NULL)
    {
      gwLog(sys->log, GW_LOG_ERROR, "Outbox: no OAuth2 token for %s: %s; the messages wait in the outbox.", c.smtp_user, why);
      auth_error = why;
    }
  }
  else if (c.smtp_password[0])
    ok = open_secret(sys, "SmtpPassword", c.smtp_password, password, sizeof(password));

  while (ok && n < SENDER_BATCH && !(cancel && __atomic_load_n(cancel, __ATOMIC_ACQUIRE)) &&
         gwStoreOutboxTake(sys->store, now, &e, &sealed, &len))
  {
    if (oauth && !auth_error && !oauth->access_token[0])
      auth_error = "the relay refused the OAuth2 token and no new one could be had";
    send_row(sys, &c, !c.smtp_user[0] ? NULL : token ? token : password, oauth, &refreshed, auth_error, &e, sealed, len, now, cancel);
    free(sealed);
    n ++;
  }

  gwWipe(password, sizeof(password));
  gwConfigWipeSecrets(&c);
  if (oauth && !ob)
  {
    gwWipe(oauth, sizeof(*oauth));
    free(oauth);
  }

  return (n);
}


/*
 * '_gwOutboxRunOnce()' - run_once() with the system's sender (if any).
 */

int
_gwOutboxRunOnce(gw_system_t *sys, int64_t now)
{
  return (run_once(sys, sys->outbox, now));
}


/*
 * 'sender_wait()' - Sleep until 'until' (Unix time), a wake-up or a stop;
 *                   true when stopping.
 */

static bool
sender_wait(_gw_outbox_t *ob, int64_t until)
{
  struct timespec ts = { (time_t)until, 0 };
  bool            stop;

  pthread_mutex_lock(&ob->lock);
  while (!ob->stop && !ob->wake && (int64_t)time(NULL) < until)
  {
    if (pthread_cond_timedwait(&ob->cond, &ob->lock, &ts) != 0)
      break;
  }
  ob->wake = false;
  stop     = ob->stop;
  pthread_mutex_unlock(&ob->lock);

  return (stop);
}


/*
 * 'sender_thread()' - Recover interrupted rows, then send due rows, purge
 *                     old ones, and sleep until the next is due.
 */

static void *
sender_thread(void *data)
{
  _gw_outbox_t *ob = (_gw_outbox_t *)data;
  gw_system_t  *sys = ob->sys;
  gw_config_t   c;
  int64_t       now, due, last_purge = 0;
  int           n;
  const char   *why;

  pthread_setname_np(pthread_self(), "pg-outbox");   /* Seen in top -H and ps -L */
  if ((n = gwStoreOutboxSweep(sys->store, true, (int64_t)time(NULL))) > 0)
    gwLog(sys->log, GW_LOG_WARN, "Outbox: %d message(s) were being sent when the daemon stopped; they are sent again (the relay may see one twice).", n);

  _gwSystemConfigCopy(sys, &c);
  if (!_gwOutboxSmtpConfigValid(&c, &why))
    gwLog(sys->log, c.smtp_server[0] ? GW_LOG_ERROR : GW_LOG_INFO, "Outbox: %s.", why);
  else if (c.smtp_password[0] && strncmp(c.smtp_password, GW_SECRET_PREFIX, strlen(GW_SECRET_PREFIX)))
    gwLog(sys->log, GW_LOG_WARN, "SmtpPassword is in plain text in the configuration; encrypt it with \"printgate secret encrypt\".");
  gwConfigWipeSecrets(&c);

  for (;;)
  {
    now = (int64_t)time(NULL);
    run_once(sys, ob, now);

    _gwSystemConfigCopy(sys, &c);
    if (now - last_purge >= SENDER_IDLE_SECS)
    {
      gwStoreOutboxSweep(sys->store, false, now - c.smtp_keep_sent);
      last_purge = now;
    }
    gwConfigWipeSecrets(&c);

    due = gwStoreOutboxNextDue(sys->store);
    now = (int64_t)time(NULL);
    if (due <= 0 || due > now + SENDER_IDLE_SECS)
      due = now + SENDER_IDLE_SECS;
    if (sender_wait(ob, due))
      break;
  }

  return (NULL);
}


/*
 * '_gwOutboxStart()' - Start the sender thread (NULL on error, logged).
 */

_gw_outbox_t *
_gwOutboxStart(gw_system_t *sys)
{
  _gw_outbox_t *ob;

  _gwOutboxSmtpGlobalInit();

  if ((ob = calloc(1, sizeof(_gw_outbox_t))) == NULL)
    return (NULL);

  ob->sys = sys;
  pthread_mutex_init(&ob->lock, NULL);
  pthread_cond_init(&ob->cond, NULL);

  if (pthread_create(&ob->thread, NULL, sender_thread, ob))
  {
    gwLog(sys->log, GW_LOG_ERROR, "Outbox: unable to start the sender thread; queued mail is not sent.");
    pthread_mutex_destroy(&ob->lock);
    pthread_cond_destroy(&ob->cond);
    free(ob);
    return (NULL);
  }

  return (ob);
}


/*
 * '_gwOutboxWake()' - Wake the sender (a row was queued); NULL-safe.
 */

void
_gwOutboxWake(_gw_outbox_t *ob)
{
  if (!ob)
    return;

  pthread_mutex_lock(&ob->lock);
  ob->wake = true;
  pthread_cond_signal(&ob->cond);
  pthread_mutex_unlock(&ob->lock);
}


/*
 * '_gwOutboxStop()' - Stop the sender (an attempt in progress is abandoned
 *                     within about a second and its row is due again at the
 *                     next start) and free it; NULL-safe.
 */

void
_gwOutboxStop(_gw_outbox_t **ob)
{
  if (!ob || !*ob)
    return;

  pthread_mutex_lock(&(*ob)->lock);
  __atomic_store_n(&(*ob)->stop, true, __ATOMIC_RELEASE);   /* Also read by an attempt in progress */
  pthread_cond_signal(&(*ob)->cond);
  pthread_mutex_unlock(&(*ob)->lock);

  pthread_join((*ob)->thread, NULL);
  pthread_mutex_destroy(&(*ob)->lock);
  pthread_cond_destroy(&(*ob)->cond);
  gwWipe(&(*ob)->oauth, sizeof((*ob)->oauth));   /* The cached token and the client's secrets */
  free(*ob);
  *ob = NULL;
}
