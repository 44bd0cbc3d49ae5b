/*
 * outbox-private.h - the outbox's insides (outbox*.c): message composition,
 * the retry schedule, the sealed message blob, the SMTP adapter and the
 * sender thread.  See outbox.h and docs/mail.md ("Outgoing mail").
 */

#ifndef PRINTGATE_OUTBOX_PRIVATE_H
#define PRINTGATE_OUTBOX_PRIVATE_H

#include "printgate/outbox.h"
#include "printgate/config.h"

#include <time.h>

typedef struct _gw_outbox_s _gw_outbox_t;   /* The sender thread and its wake-up */

/* ---- Composition (outbox-compose.c; pure) --------------------------------------- */

/*
 * Compose the RFC 5322 message for m (from already resolved) into a new
 * buffer (*msg_r, nul-terminated, CRLF line ends; the caller frees it) and
 * its Message-ID "<32 hex@domain>" into msgid.  false = refused, with the
 * reason in *error_r (nothing allocated).
 */
extern bool   _gwOutboxCompose(const gw_outmail_t *m, const char *from, const char *domain, time_t now, char **msg_r, size_t *len_r, char *msgid, size_t msgidsize, const char **error_r);
/* base64 (url = base64url without padding) of len bytes into out; false = does not fit. */
extern bool   _gwOutboxBase64Encode(const void *in, size_t len, bool url, char *out, size_t outsize);
/* Decode base64url (no padding); returns the byte count, -1 when invalid or too long. */
extern ssize_t _gwOutboxBase64UrlDecode(const char *in, unsigned char *out, size_t outsize);
/* The sender address: SmtpFrom, or printgate@ServerName. */
extern void   _gwOutboxDefaultFrom(const gw_config_t *c, char *buf, size_t bufsize);

/* ---- Retry schedule (outbox-compose.c; pure, time passed in) ------------------------ */

/* Wait after 'attempts' failed attempts: first * 2^(attempts-1), at most max. */
extern int64_t _gwOutboxBackoff(int attempts, int64_t first, int64_t max);

typedef struct _gw_outbox_result_s /* What one SMTP attempt gave */
{
  bool  sent;                   /* The relay accepted the message */
  bool  permanent;              /* 5xx for the message: do not try again */
  bool  auth_refused;           /* The relay refused our AUTH (535 and the like) */
  char  error[GW_OUTMAIL_ERROR_MAX + 1]; /* The server's answer or the local reason */
} _gw_outbox_result_t;

/*
 * The row's next state after an attempt: sent; failed (permanent, or the
 * row was queued give_up seconds ago or more: it is not tried again); else
 * queued with *next_r = now + the backoff for 'attempts'.
 */
extern gw_outbox_state_t _gwOutboxNextState(const _gw_outbox_result_t *r, int attempts, int64_t since, int64_t now, const gw_config_t *c, int64_t *next_r);

/* ---- Sealed messages (outbox-secret.c; GW_KEY_SECRETS, AES-256-GCM) ----------------- */

#define _GW_SEAL_OVERHEAD 28    /* Nonce (12) + tag (16) */

/* Seal len bytes with aad into out (len + _GW_SEAL_OVERHEAD bytes). */
extern bool   _gwOutboxSeal(gw_keys_t *keys, const char *aad, const void *in, size_t len, unsigned char *out);
/* Open what _gwOutboxSeal() made (len includes the overhead) into out (len - overhead bytes); false = tampered or another key. */
extern bool   _gwOutboxOpen(gw_keys_t *keys, const char *aad, const unsigned char *in, size_t len, void *out);
/* The plaintext of an enc:v1: value (keys only: for tests and gwSystemSecretOpen()). */
extern bool   _gwSecretDecrypt(gw_keys_t *keys, const char *value, char *buf, size_t bufsize, const char **error_r);
extern bool   _gwSecretEncrypt(gw_keys_t *keys, const char *secret, char *out, size_t outsize, const char **error_r);

/* ---- SMTP (outbox-smtp.c; with outbox-oauth.c the core's libcurl files) ---------------- */

/*
 * Send one composed message from 'from' to 'to' through the configured
 * relay; password is the decrypted SmtpPassword (or NULL).  The attempt is
 * abandoned within about a second once *cancel (read atomically; may be
 * NULL) becomes true.  Fills r.
 */
extern void   _gwOutboxSmtpSend(const gw_config_t *c, const char *password, const char *from, const char *to, const char *msg, size_t len, const bool *cancel, _gw_outbox_result_t *r);
/* Checks the SMTP settings (SmtpTLS off only for a loopback relay); false with a reason. */
extern bool   _gwOutboxSmtpConfigValid(const gw_config_t *c, const char **why);
extern void   _gwOutboxSmtpGlobalInit(void);

/* ---- Sender thread (outbox.c) ------------------------------------------------------- */

extern _gw_outbox_t *_gwOutboxStart(gw_system_t *sys);
extern void          _gwOutboxWake(_gw_outbox_t *ob);
extern void          _gwOutboxStop(_gw_outbox_t **ob);
/* One pass of the sender: send every due row (the thread's body; tests call it with an injected time). */
extern int           _gwOutboxRunOnce(gw_system_t *sys, int64_t now);

#endif /* !PRINTGATE_OUTBOX_PRIVATE_H */
