/*
 * outbox.h - outgoing mail, a core service (docs/mail.md, "Outgoing mail").
 *
 * A front-end (mail replies, the web portal's sign-in codes) queues a
 * plain-text message with gwApiOutboxAdd(); the core composes the RFC 5322
 * message itself (Date, a Message-ID under SmtpDomain, MIME-Version,
 * text/plain; charset=utf-8 in quoted-printable, an RFC 2047 subject when it
 * is not ASCII), keeps it in the store's outbox and sends it from a sender
 * thread over SMTP (libcurl; STARTTLS or implicit TLS, certificate and host
 * name verified), retrying with backoff (1 min doubling to 1 h, given up
 * as "failed" after SmtpGiveUp, 48 h by default).  Delivery to the relay is
 * at least once: a crash in the middle of SMTP DATA may send a message
 * twice (docs/mail.md says why that is the accepted trade-off).
 *
 * Exactly-once queuing: a message may carry an idempotency key (e.g.
 * "SOURCE:UIDVALIDITY:UID"), unique per tenant.  Queuing a key that is
 * already in the outbox adds nothing and returns the existing row's id, so
 * a front-end that re-queues its reply after a crash (before its own
 * position was committed) sends it once.
 *
 * Header injection is impossible: every header value (addresses, subject,
 * In-Reply-To, References, key) is refused when it holds CR, LF or another
 * control character, and every field is bounded (the GW_OUTMAIL_*_MAX
 * sizes, in bytes, without the nul).
 *
 * Calls follow api.h: an actor on every call, false and a static English
 * fragment in error_r on refusal, thread-safe, callbacks run with no core
 * lock held.
 */

#ifndef PRINTGATE_OUTBOX_H
#define PRINTGATE_OUTBOX_H

#include "api.h"

#define GW_OUTMAIL_ADDRESS_MAX    254        /* RFC 5321 path limit */
#define GW_OUTMAIL_SUBJECT_MAX    400        /* UTF-8 bytes before encoding */
#define GW_OUTMAIL_BODY_MAX       (256 * 1024) /* UTF-8 bytes */
#define GW_OUTMAIL_MSGID_MAX      250        /* One "<id@domain>" */
#define GW_OUTMAIL_REFERENCES_MAX 2000       /* Folded on spaces when composed */
#define GW_OUTMAIL_KEY_MAX        255        /* Idempotency key */
#define GW_OUTMAIL_ERROR_MAX      512        /* Last error kept in a row */

/* ---- Queuing ------------------------------------------------------------------ */

typedef struct gw_outmail_s     /* A message to queue (strings read during the call only) */
{
  const char *from;             /* addr-spec; NULL or "" = SmtpFrom */
  const char *to;               /* One addr-spec (local@domain), required */
  const char *subject;          /* UTF-8, one line; may be "" */
  const char *body;             /* UTF-8 text, lines end in \n or \r\n */
  const char *in_reply_to;      /* "<msgid>" or NULL */
  const char *references;       /* "<a> <b> ..." or NULL */
  bool        auto_replied;     /* Adds "Auto-Submitted: auto-replied" (RFC 3834) */
  const char *key;              /* Idempotency key, unique per tenant; NULL or "" = none */
} gw_outmail_t;

/*
 * Queue a message (admin actor: the mail front-end and the web portal act
 * as "system").  The message is composed and checked now (a bad address,
 * CR/LF in a header value, an over-long field, a body that is not UTF-8 are
 * refused with the reason and queue nothing), then sealed and stored as
 * "queued" (one row, committed before the call returns), audited
 * ("outbox.add", subject: the recipient, detail: the Message-ID), and the
 * sender thread is woken.  id_r gets the row's id.  A key already in the
 * tenant's outbox queues nothing (and writes no audit row) and returns
 * true with that row's id (whatever its state).
 */
extern bool gwApiOutboxAdd(gw_system_t *sys, const gw_actor_t *actor, const gw_outmail_t *m, int64_t *id_r, const char **error_r);

/* True for an addr-spec the outbox sends to: ASCII local@domain, no quotes or comments, within the limits. */
extern bool gwOutboxAddressValid(const char *address);

/* ---- Listing and managing the outbox (admin) --------------------------------- */

typedef enum gw_outbox_state_e
{
  GW_OUTBOX_QUEUED,             /* Waiting for its next attempt */
  GW_OUTBOX_SENDING,            /* Taken by the sender (queued again at the next start if it crashed) */
  GW_OUTBOX_SENT,               /* The relay accepted it (kept SmtpKeepSent, then purged) */
  GW_OUTBOX_FAILED              /* Refused for good (5xx) or given up after SmtpGiveUp */
} gw_outbox_state_t;

#define GW_OUTBOX_STATE_BIT(s) (1u << (s))   /* For the 'states' masks below (0 = all) */

typedef struct gw_outbox_entry_s /* One outbox row, copied out */
{
  int64_t           id;
  int64_t           tenant;
  gw_outbox_state_t state;
  int               attempts;                            /* SMTP attempts made */
  int64_t           created;                             /* Unix time */
  int64_t           next_attempt;                        /* Unix time (queued) */
  int64_t           updated;                             /* Last change (sent: when) */
  int64_t           since;                               /* Start of the give-up clock (queued, or the last retry) */
  char              key[GW_OUTMAIL_KEY_MAX + 1];
  char              from[GW_OUTMAIL_ADDRESS_MAX + 1];
  char              to[GW_OUTMAIL_ADDRESS_MAX + 1];
  char              subject[GW_OUTMAIL_SUBJECT_MAX + 1]; /* As given (UTF-8) */
  char              message_id[GW_OUTMAIL_MSGID_MAX + 1];
  char              last_error[GW_OUTMAIL_ERROR_MAX + 1]; /* The server's last answer, or the local reason */
} gw_outbox_entry_t;

typedef bool (*gw_outbox_cb_t)(const gw_outbox_entry_t *entry, void *data);   /* false stops */

extern const char *gwOutboxStateString(gw_outbox_state_t state);   /* "queued", "sending", "sent", "failed" */

/* Admin.  Rows oldest first; states is a mask of GW_OUTBOX_STATE_BIT() (0 = all). */
extern bool gwApiOutboxIterate(gw_system_t *sys, const gw_actor_t *actor, unsigned states, gw_outbox_cb_t cb, void *data);
/* Admin.  A queued or failed row is tried again now (attempts and give-up time start afresh).  Audit "outbox.retry". */
extern bool gwApiOutboxRetry(gw_system_t *sys, const gw_actor_t *actor, int64_t id, const char **error_r);
/* Admin.  Delete a row that is not being sent.  Audit "outbox.delete". */
extern bool gwApiOutboxDelete(gw_system_t *sys, const gw_actor_t *actor, int64_t id, const char **error_r);

/* ---- RFC 3834: may an automatic reply be sent? --------------------------------- */

/*
 * 'gwMailShouldReply()' - The loop guard the mail intake calls before it
 * queues a reply to a message it received.
 *
 * headers: the received message's header fields as a NULL-terminated list
 *          of name/value pairs { "Auto-Submitted", "auto-generated",
 *          "Precedence", "bulk", ..., NULL } (names in any case, values
 *          unfolded and RFC 2047-undecoded; other fields are ignored, so
 *          passing every parsed field is fine).  The fields read are
 *          Auto-Submitted, Precedence, List-Id, List-Unsubscribe,
 *          List-Post, Return-Path, X-Auto-Response-Suppress and
 *          X-Loop (when it names one of the gateway's addresses).
 * to:      the addr-spec the reply would go to (Reply-To or From), without
 *          angle brackets or display name.
 * own:     the intake's own mailbox addresses (NULL-terminated, may be
 *          NULL); SmtpFrom always counts as the gateway's own.
 *
 * Returns true when a reply may be sent.  Otherwise false and *reason_r
 * (if not NULL) gets a stable code: "auto-submitted" (anything but "no"),
 * "precedence" (bulk, list, junk), "list" (List-Id, List-Unsubscribe,
 * List-Post), "null-return-path" (Return-Path "<>" or empty), "suppressed"
 * (X-Auto-Response-Suppress All or AutoReply), "loop" (X-Loop of ours),
 * "own-address" (to is ours), "system-address" (MAILER-DAEMON,
 * postmaster, or a local part starting "noreply"/"no-reply"),
 * "no-address" (to is missing or not an addr-spec).  sys may be NULL
 * (then only 'own' counts as the gateway's).  Pure: no I/O, no lock.
 */
extern bool gwMailShouldReply(gw_system_t *sys, const char *const *headers, const char *to, const char *const *own, const char **reason_r);

/* ---- Secrets in the configuration ------------------------------------------------ */

#define GW_SECRET_PREFIX "enc:v1:"
#define GW_SECRET_MAX    4096       /* Plaintext bytes (a Microsoft 365 refresh token can pass 1,024) */

/*
 * Admin: encrypt a secret (a password, an OAuth client secret) for the
 * configuration file: out gets "enc:v1:" and base64url of nonce,
 * AES-256-GCM ciphertext and tag under the secrets key (GW_KEY_SECRETS,
 * docs/keys.md), with the AAD "printgate secret v1".  outsize of
 * 2 * GW_SECRET_MAX is always enough.  Audit "secret.encrypt" (never the
 * secret).  printgate secret encrypt calls this through the control socket.
 */
extern bool gwApiSecretEncrypt(gw_system_t *sys, const gw_actor_t *actor, const char *secret, char *out, size_t outsize, const char **error_r);

/*
 * The plaintext of a configuration value that may be a secret: an
 * "enc:v1:" value is decrypted (a damaged value, one made under another
 * root key, or a tampered one is refused); any other value is copied as it
 * is and a warning naming the directive (never the value) is logged
 * at each call.  The caller wipes buf (gwWipe()).  For front-ends
 * that need a configured credential (IMAP passwords, OAuth secrets).
 */
extern bool gwSystemSecretOpen(gw_system_t *sys, const char *directive, const char *value, char *buf, size_t bufsize, const char **error_r);

#endif /* !PRINTGATE_OUTBOX_H */
