/*
 * store.h - the Printgate store: users, addresses, PINs, cards, printers,
 * jobs and documents, and the audit log.
 *
 * Callers see domain operations only; SQL lives in the backend
 * (store-sqlite.c today, behind the ops table in store-private.h, so a
 * PostgreSQL backend can follow without touching callers).  Every call is
 * scoped by a tenant id.  Records are copied out to the caller (plain
 * structs, no pointers into the store).  All functions are thread-safe.
 *
 * Errors: functions return false (or -1) and, when error_r is not NULL, set
 * it to a static English sentence suitable for a CLI or API error.
 */

#ifndef PRINTGATE_STORE_H
#define PRINTGATE_STORE_H

#include "printgate/base.h"
#include "printgate/job.h"
#include "printgate/records.h"
#include "printgate/outbox.h"
#include "printgate/report.h"
#include "printgate/policy.h"

/* The records (gw_user_t, gw_address_t, gw_printer_t, gw_audit_t, gw_lockout_t) are public: records.h. */

extern gw_store_t *gwSystemGetStore(gw_system_t *sys);   /* The core's store (core and tests only) */

/* ---- Life cycle ----------------------------------------------------------- */

extern gw_store_t *gwStoreOpen(const char *path, gw_log_t *log, const char **error_r);  /* Creates + migrates */
extern void        gwStoreClose(gw_store_t **store);
extern int         gwStoreSchemaVersion(gw_store_t *store);
extern int         gwStoreLatestSchemaVersion(void);
extern bool        gwStoreCheck(gw_store_t *store);   /* Cheap liveness query, for /health */

/* ---- Users, aliases, addresses -------------------------------------------- */

extern bool gwStoreUserAdd(gw_store_t *s, int64_t tenant, const char *name, const char *display_name, gw_role_t role, const char *password_hash, bool must_change, int64_t *id_r, const char **error_r);
extern bool gwStoreUserFind(gw_store_t *s, int64_t tenant, const char *name_or_alias, gw_user_t *user);
extern bool gwStoreUserGet(gw_store_t *s, int64_t tenant, int64_t id, gw_user_t *user);
extern bool gwStoreUserGetPasswordHash(gw_store_t *s, int64_t tenant, int64_t id, char *buf, size_t bufsize);
extern bool gwStoreUserSetPassword(gw_store_t *s, int64_t tenant, int64_t id, const char *password_hash, bool must_change);
extern int  gwStoreUserCount(gw_store_t *s, int64_t tenant);
extern bool gwStoreUserIterate(gw_store_t *s, int64_t tenant, gw_user_cb_t cb, void *data);
extern bool gwStoreAliasAdd(gw_store_t *s, int64_t tenant, int64_t user_id, const char *alias, const char **error_r);

extern bool gwStoreAddressAdd(gw_store_t *s, int64_t tenant, int64_t user_id, const char *address, const char **error_r);
extern bool gwStoreAddressFind(gw_store_t *s, int64_t tenant, const char *address, gw_address_t *addr);
extern bool gwStoreAddressSetState(gw_store_t *s, int64_t tenant, const char *address, gw_address_state_t state, const char *by, const char **error_r);
extern bool gwStoreAddressIterate(gw_store_t *s, int64_t tenant, int64_t user_id /* 0 = all */, gw_address_cb_t cb, void *data);

/*
 * Address verification tokens (only their HMAC with the pepper).
 * gwStoreTokenAdd() keeps one for an address until expires.
 * gwStoreTokenUse() finds an unexpired token, deletes it in the same
 * transaction (single use; expired ones of the tenant go too) and sets its
 * address verified by "self"; addr gets the address.  false = no such
 * (unexpired, unused) token, or a store error.
 */
extern bool gwStoreTokenAdd(gw_store_t *s, int64_t tenant, const char *address, const unsigned char hmac[32], int64_t expires, const char **error_r);
extern bool gwStoreTokenUse(gw_store_t *s, int64_t tenant, const unsigned char hmac[32], int64_t now, gw_address_t *addr);
/* Deletes every tenant's tokens with expires <= now (the expiry sweep); returns how many, -1 = error. */
extern int  gwStoreTokenPurge(gw_store_t *s, int64_t now);

/* ---- Release credentials (PIN and card: HMAC-SHA256 with the pepper) ---------- */

/* Replaces the user's PIN.  expires 0 = never.  Fails if the hash collides with another user's PIN. */
extern bool gwStorePinSet(gw_store_t *s, int64_t tenant, int64_t user_id, const unsigned char hmac[32], int64_t expires, const char **error_r);
/* Looks a PIN up.  Returns the user id, 0 if no valid (unexpired) PIN matches. */
extern int64_t gwStorePinLookup(gw_store_t *s, int64_t tenant, const unsigned char hmac[32], int64_t now);
extern bool gwStoreCardSet(gw_store_t *s, int64_t tenant, int64_t user_id, const unsigned char hmac[32], const char **error_r);
extern int64_t gwStoreCardLookup(gw_store_t *s, int64_t tenant, const unsigned char hmac[32]);

/*
 * Lockout of PIN, card, password and device attempts (docs/store.md,
 * "Lockout").  One attempt is counted against several keys at once, each
 * with its own limit: the printer ("printer:NAME"), the client
 * ("client:ID"), the tenant ("tenant"), a login ("login:USER@CLIENT").
 * Failures count in a window of lock_secs from a key's first one; the
 * failure that reaches a key's max_failures locks that key for lock_secs.
 *
 * gwStoreCredentialAttempt() is one attempt in one transaction: if any key
 * is locked it looks nothing up, counts nothing and returns 0 with
 * *locked_until_r (> 0) and *locked_key_r (the key's index); otherwise it
 * looks the credential's HMAC up (an unexpired PIN, a card, a device token
 * or a device password, of a user who is not disabled; a device's
 * last_used is set to now) and returns the user id, or, when nobody
 * matches, counts the failure in every key and returns 0 (keys[i].failures
 * then say how many).  GW_CREDENTIAL_NONE matches nothing: it counts a
 * failure up front (a reservation before a slow check made elsewhere, such
 * as Argon2id), and gwStoreLockoutRefund() takes that one failure back when
 * the slow check succeeds.  A right one writes nothing and forgives
 * nothing.  GW_CREDENTIAL_VERIFIED is a credential the caller has already
 * found right (a password its cache remembers): only the locks are
 * checked; nothing is looked up, counted or written, and it returns 0
 * (*locked_until_r > 0 when a key is locked).  -1 = store error (nothing
 * counted: refuse).
 */
#define GW_LOCKOUT_KEYS_MAX    4

typedef enum gw_credential_e    /* What gwStoreCredentialAttempt() looks up */
{
  GW_CREDENTIAL_PIN,            /* An unexpired release PIN */
  GW_CREDENTIAL_CARD,           /* A card number */
  GW_CREDENTIAL_DEVICE_TOKEN,   /* A device's token (its URL) */
  GW_CREDENTIAL_DEVICE_PASSWORD,/* A device's password (its HMAC binds the owner's id) */
  GW_CREDENTIAL_NONE,           /* Nothing: count a failure (reservation) */
  GW_CREDENTIAL_VERIFIED        /* Found right by the caller: check the locks only, write nothing */
} gw_credential_t;

typedef struct gw_lockout_key_s
{
  const char *key;             /* In: "printer:NAME", "client:ID", "tenant", "login:USER@ID" */
  int         max_failures;    /* In: failures within the window that lock the key */
  int64_t     failures;        /* Out: failures in the key's window after a wrong attempt (0 otherwise) */
} gw_lockout_key_t;


extern int64_t gwStoreCredentialAttempt(gw_store_t *s, int64_t tenant, gw_credential_t kind, const unsigned char hmac[32], gw_lockout_key_t *keys, int nkeys, int64_t now, int64_t lock_secs, int64_t *locked_until_r, int *locked_key_r);
/* Takes back one reserved failure (GW_CREDENTIAL_NONE) in every key, and a lock it set. */
extern bool    gwStoreLockoutRefund(gw_store_t *s, int64_t tenant, const gw_lockout_key_t *keys, int nkeys);
/* Clears one key's failures and lock (key NULL = every key of the tenant): the admin's unlock. */
extern bool    gwStoreLockoutClear(gw_store_t *s, int64_t tenant, const char *key);
extern bool    gwStoreLockoutIterate(gw_store_t *s, int64_t tenant, gw_lockout_cb_t cb, void *data);

/* ---- Devices (api.h: a token and a password per device, as keyed HMACs) ------- */

/* Names [A-Za-z0-9._-]{1,63}, unique per user.  Fails if a hash collides. */
extern bool gwStoreDeviceAdd(gw_store_t *s, int64_t tenant, int64_t user_id, const char *name, const unsigned char token_hmac[32], const unsigned char password_hmac[32], int64_t *id_r, const char **error_r);
/* By id (hmac NULL), or by its token or password HMAC (id 0). */
extern bool gwStoreDeviceFind(gw_store_t *s, int64_t tenant, int64_t id, const unsigned char hmac[32], gw_device_t *device);
/* user_id 0 = every user's; by owner, then name. */
extern bool gwStoreDeviceIterate(gw_store_t *s, int64_t tenant, int64_t user_id, gw_device_cb_t cb, void *data);
/* Deletes the device (its token and password stop at once); false = no such device. */
extern bool gwStoreDeviceRevoke(gw_store_t *s, int64_t tenant, int64_t id);

/* ---- Printers ---------------------------------------------------------------- */

extern bool gwStorePrinterAdd(gw_store_t *s, int64_t tenant, const char *name, const char *uri, const char *location, const char **error_r);
extern bool gwStorePrinterFind(gw_store_t *s, int64_t tenant, const char *name, gw_printer_t *printer);
/* Set its URI and location (checked as at add); false = invalid (error_r says which) or no such printer. */
extern bool gwStorePrinterUpdate(gw_store_t *s, int64_t tenant, const char *name, const char *uri, const char *location, const char **error_r);
extern bool gwStorePrinterDelete(gw_store_t *s, int64_t tenant, const char *name);
extern bool gwStorePrinterIterate(gw_store_t *s, int64_t tenant, gw_printer_cb_t cb, void *data);

/* ---- Jobs --------------------------------------------------------------------- */

/*
 * gwStoreJobCreate() inserts job->id (filled by the caller) in state
 * RECEIVING with an audit row "job.submit".  gwStoreJobSetDocument() records
 * document 1's format, size, pages, colour pages and wrapped key (without
 * waiting for an fsync while the job converts: its move to held waits for
 * one that covers both).
 * gwStoreJobTransition() moves a job from 'from' to 'to' only if the job is
 * in 'from' and gwJobStateAllowed(from, to); it writes the audit row
 * (action, actor, source, printer, pages) in the same transaction; with
 * 'expires' >= 0 it also sets the expiry time; with a printer name it records
 * it (and bumps print_count when 'to' is PRINTED).
 */
extern bool gwStoreJobCreate(gw_store_t *s, const gw_job_t *job, const char *actor, const char *source, const char **error_r);
/*
 * The same, refused with the error "too-many" when the user already has
 * max_open jobs receiving, converting, quarantined or held (the count and
 * the insert in one transaction, so parallel submissions cannot pass the
 * limit together; max_open <= 0: no limit).  *number_r (may be NULL): the
 * job number the store gave it.
 */
extern bool gwStoreJobCreateWithin(gw_store_t *s, const gw_job_t *job, const char *actor, const char *source, int max_open, int *number_r, const char **error_r);
/*
 * A job's original (document 0) as its upload's end records it: its size, its
 * wrapped key, and where its sealed file is: a file in spool/jobs/, or (ring
 * >= 0) that offset in the spool's intake ring (docs/spool-format.md, "The
 * intake ring").
 */
typedef struct gw_original_s
{
  int64_t                 size;         /* Plaintext bytes */
  const gw_wrapped_key_t *key;
  int64_t                 ring;         /* Offset in the intake ring, or -1: a spool file */
  /*
   * Or NULL.  gwStoreJobCreateConverting() calls it once, after the row
   * was written and before it waits for the WAL fsync that makes the row
   * durable, so that fsync starts after it returned: the ring's write of
   * the bytes runs while the row is written (gwSubmissionEnd()).
   */
  bool                  (*ready)(void *data);
  void                   *ready_data;
} gw_original_t;
extern bool gwStoreJobCreateConverting(gw_store_t *s, const gw_job_t *job, const char *actor, const char *source, int max_open, const gw_original_t *original, int *number_r, const char **error_r);
extern bool gwStoreJobSetDocument(gw_store_t *s, int64_t tenant, const char *job_id, const char *format, int64_t size, int pages, int color_pages, const gw_wrapped_key_t *key);
extern bool gwStoreJobGet(gw_store_t *s, int64_t tenant, const char *job_id, gw_job_t *job);
/* A held job's options (copies, sides, color_mode, page_ranges, number_up of 'options'), with the audit row "job.options"; false when it is not held (any more). */
extern bool gwStoreJobSetOptions(gw_store_t *s, int64_t tenant, const char *job_id, const gw_job_t *options, const char *actor, const char *source);
/* Document 1's wrapped key (never part of a gw_job_t): false once shredded, or if there is none.  The caller wipes it. */
extern bool gwStoreJobGetKey(gw_store_t *s, int64_t tenant, const char *job_id, gw_wrapped_key_t *key);
/* The ids of every job (all tenants) whose document 1 has its key, in byte order; the caller frees *ids_r. */
extern bool gwStoreJobKeyedIds(gw_store_t *s, char (**ids_r)[GW_UUID_LEN + 1], size_t *count_r);
/*
 * The original (document 0) while its job converts: its wrapped key and size
 * are recorded when it is committed, so a conversion cut short by a stop runs
 * again at the next start; the row goes in the transaction that moves the
 * job from converting to held or quarantined (the held PDF is committed), and
 * with every other key when the job ends.  gwStoreJobGetOriginal() with
 * 'resume' succeeds once per job (it counts the resumption in the same
 * transaction), so a document that stops the gateway is not retried forever.
 * gwStoreJobUncountOriginals() forgets those counts for every job still
 * converting when the gateway stops cleanly (it stopped them itself): only
 * a crash counts.
 */
extern bool gwStoreJobSetOriginal(gw_store_t *s, int64_t tenant, const char *job_id, int64_t size, const gw_wrapped_key_t *key);
extern bool gwStoreJobGetOriginal(gw_store_t *s, int64_t tenant, const char *job_id, bool resume, int64_t *size, gw_wrapped_key_t *key);
extern bool gwStoreJobDropOriginal(gw_store_t *s, int64_t tenant, const char *job_id);
extern int  gwStoreJobUncountOriginals(gw_store_t *s);   /* Rows changed, -1 on error */
extern bool gwStoreJobTransition(gw_store_t *s, int64_t tenant, const char *job_id, gw_job_state_t from, gw_job_state_t to, gw_reason_t reason, const char *reason_text, int64_t expires, const char *printer, const char *actor, const char *source, const char *action, const char **error_r);
/* gwStoreJobSetOriginal() and the move from receiving to converting in one transaction (one commit for an upload's end), with no audit row. */
extern bool gwStoreJobConverting(gw_store_t *s, int64_t tenant, const char *job_id, const gw_original_t *original, const char **error_r);
/* Where a job's original is: 1 and *ring_r its offset in the intake ring, 0 a spool file (or none), -1 an error. */
extern int  gwStoreJobOriginalRing(gw_store_t *s, int64_t tenant, const char *job_id, int64_t *ring_r);
/* Every original still in the intake ring with its key (all tenants; recovery): cb(offset, size, data) until it returns false. */
typedef bool (*gw_ring_cb_t)(int64_t offset, int64_t size, void *data);
extern bool gwStoreJobRingIterate(gw_store_t *s, gw_ring_cb_t cb, void *data);
/* Deletes the job row, its documents and so its wrapped keys (crypto-shred). */
extern bool gwStoreJobPurge(gw_store_t *s, int64_t tenant, const char *job_id);
/* user_id 0 = all users; states is a bit mask of (1 << state), 0 = all. Oldest first. */
extern bool gwStoreJobIterate(gw_store_t *s, int64_t tenant, int64_t user_id, unsigned states, gw_job_cb_t cb, void *data);
extern int  gwStoreJobCount(gw_store_t *s, int64_t tenant, int64_t user_id, unsigned states);
/* Jobs (any tenant) whose expires is > 0 and <= now and whose state is in states. */
extern bool gwStoreJobIterateExpired(gw_store_t *s, int64_t now, unsigned states, gw_job_cb_t cb, void *data);
/* Jobs (any tenant) in the given states, e.g. RECEIVING|CONVERTING|RELEASING after a crash. */
extern bool gwStoreJobIterateAll(gw_store_t *s, unsigned states, gw_job_cb_t cb, void *data);

/* ---- Audit -------------------------------------------------------------------- */

extern bool gwStoreAuditAdd(gw_store_t *s, int64_t tenant, const gw_audit_t *entry);
extern bool gwStoreAuditIterate(gw_store_t *s, int64_t tenant, int64_t since, int limit, gw_audit_cb_t cb, void *data);

/* ---- Outbox (outbox.h; store-outbox.c) ------------------------------------------ */

/*
 * gwStoreOutboxAdd() inserts e (tenant, key, from, to, subject, message_id,
 * created) as "queued", due at created, with the sealed message; a key
 * already in the tenant's outbox inserts nothing: *existed_r and that
 * row's id.  gwStoreOutboxTake() makes the oldest due queued row of any
 * tenant "sending" (attempts + 1) and copies its sealed message out
 * (*sealed_r, the caller frees it); false = none due.
 * gwStoreOutboxFinish() moves a sending row to sent (its message dropped),
 * failed or queued (due at next_attempt) with its last error.
 * gwStoreOutboxSweep(): recover = queue every "sending" row again (at
 * start), else delete sent and failed rows last changed before 'when'.
 */
extern bool    gwStoreOutboxAdd(gw_store_t *s, const gw_outbox_entry_t *e, const void *sealed, size_t len, int64_t *id_r, bool *existed_r, const char **error_r);
extern bool    gwStoreOutboxTake(gw_store_t *s, int64_t now, gw_outbox_entry_t *e, void **sealed_r, size_t *len_r);
extern bool    gwStoreOutboxFinish(gw_store_t *s, int64_t tenant, int64_t id, gw_outbox_state_t state, int64_t next_attempt, const char *last_error, int64_t now);
extern bool    gwStoreOutboxIterate(gw_store_t *s, int64_t tenant, unsigned states, gw_outbox_cb_t cb, void *data);
extern bool    gwStoreOutboxRetry(gw_store_t *s, int64_t tenant, int64_t id, int64_t now, const char **error_r);
extern bool    gwStoreOutboxDelete(gw_store_t *s, int64_t tenant, int64_t id, const char **error_r);
extern int     gwStoreOutboxSweep(gw_store_t *s, bool recover, int64_t when);
extern int64_t gwStoreOutboxNextDue(gw_store_t *s);   /* Earliest due time of a queued row; 0 = none, -1 = error */

/* ---- Web sign-in codes, sessions and terminals (api-web.c, docs/web.md) ------- */

/* One pending sign-in per address (a new one replaces it; expired ones are swept). */
extern bool gwStoreSigninSet(gw_store_t *s, int64_t tenant, const char *address, const unsigned char code_hmac[32], const unsigned char link_hmac[32], int64_t now, int64_t expires);
/* The unexpired code HMAC of an address (the caller compares in constant time). */
extern bool gwStoreSigninGet(gw_store_t *s, int64_t tenant, const char *address, int64_t now, unsigned char code_hmac[32]);
/* Use a sign-in up: address + its code HMAC, or address NULL + a link HMAC.  Deletes the row
   (exactly one: two parallel uses cannot both succeed); addr_r gets the address. */
extern bool gwStoreSigninUse(gw_store_t *s, int64_t tenant, const char *address, const unsigned char hmac[32], int64_t now, char *addr_r, size_t addrsize);
extern bool gwStoreSessionAdd(gw_store_t *s, int64_t tenant, int64_t user_id, const unsigned char hmac[32], int64_t now, int64_t expires);
/* A session that has neither passed expires nor been idle idle seconds; its last use becomes now. */
extern bool gwStoreSessionGet(gw_store_t *s, int64_t tenant, const unsigned char hmac[32], int64_t now, int64_t idle, int64_t *user_id_r, int64_t *created_r, int64_t *expires_r);
/* hmac: that session; hmac NULL: every session of user_id.  Returns how many went, -1 = error. */
extern int  gwStoreSessionDelete(gw_store_t *s, int64_t tenant, const unsigned char hmac[32], int64_t user_id);
extern bool gwStoreTerminalAdd(gw_store_t *s, int64_t tenant, const char *name, const char *printer, const unsigned char hmac[32], int64_t *id_r, const char **error_r);
/* By its key's HMAC; its last use becomes now. */
extern bool gwStoreTerminalFind(gw_store_t *s, int64_t tenant, const unsigned char hmac[32], int64_t now, gw_terminal_t *terminal);
extern bool gwStoreTerminalIterate(gw_store_t *s, int64_t tenant, gw_terminal_cb_t cb, void *data);
extern bool gwStoreTerminalRevoke(gw_store_t *s, int64_t tenant, const char *name);

/* ---- GDPR and the audit query (store-gdpr.c, store-sqlite-gdpr.c, docs/gdpr.md) -- */

typedef enum gw_export_section_e   /* The parts of a user's export, in order */
{
  GW_EXPORT_USER, GW_EXPORT_ALIASES, GW_EXPORT_ADDRESSES, GW_EXPORT_ADDRESS_TOKENS, GW_EXPORT_PINS,
  GW_EXPORT_CARDS, GW_EXPORT_DEVICES, GW_EXPORT_SESSIONS, GW_EXPORT_SIGNIN_CODES, GW_EXPORT_LOCKOUTS,
  GW_EXPORT_JOBS, GW_EXPORT_OUTBOX, GW_EXPORT_AUDIT, GW_EXPORT_USAGE, GW_EXPORT_GROUPS,
  GW_EXPORT_DELEGATES, GW_EXPORT_QUOTA_USAGE,
  GW_EXPORT_COUNT
} gw_export_section_t;

extern const char *gwStoreExportSectionName(gw_export_section_t section);   /* "jobs" */
/* Is the user's processing restricted?  reason gets the admin's reason.  false = not restricted (or no such user). */
extern bool gwStoreUserRestricted(gw_store_t *s, int64_t tenant, int64_t user_id, char *reason, size_t reasonsize);
/* Restrict (on, with a reason of 1 to 255 bytes) or lift it.  false = no such (unerased) user. */
extern bool gwStoreUserRestrict(gw_store_t *s, int64_t tenant, int64_t user_id, bool on, const char *reason);
/*
 * One section of a user's export as JSON objects, after *cursor (0 at the
 * start; advanced): *text_r (malloc'd, the caller frees it) gets up to
 * 'max' objects separated by commas.  Returns the number, 0 at the end,
 * -1 on error.  Never a secret (hashes, HMACs, keys) or document content.
 */
extern int  gwStoreUserExportPage(gw_store_t *s, int64_t tenant, int64_t user_id, gw_export_section_t section, int64_t *cursor, int max, char **text_r);
/*
 * Erase a user in one transaction (docs/gdpr.md): its jobs, documents
 * (wrapped keys), aliases, addresses, tokens, PIN, card, devices, sessions,
 * sign-in codes, lockout keys and outbox rows to its addresses go; audit
 * rows about it keep their place with its name, aliases and addresses
 * replaced by 'pseudonym'; the user row stays, blanked and disabled, named
 * 'pseudonym'.  Refused ("busy") while one of its jobs is being received,
 * converted or released.  *jobs_r = jobs deleted.
 */
extern bool gwStoreUserErase(gw_store_t *s, int64_t tenant, int64_t user_id, const char *pseudonym, int64_t now, int *jobs_r, const char **error_r);
/* Audit rows newest first (gw_audit_query_t); *next_r = the cursor of the next page, 0 = no more.  No lock held in cb. */
extern bool gwStoreAuditQuery(gw_store_t *s, int64_t tenant, const gw_audit_query_t *q, gw_audit_cb_t cb, void *data, int64_t *next_r);
/* ---- Totals and reports (store-sqlite-report.c; docs/metrics.md, docs/reports.md) ---- */

typedef struct gw_store_totals_s  /* Gateway-wide counts, every tenant */
{
  int64_t jobs[GW_JOB_STATE_COUNT]; /* Jobs by state (kept by triggers: no count of the jobs) */
  int64_t spool_bytes;              /* Plaintext bytes of the documents that still have a key */
  int64_t outbox_queued;            /* Outgoing messages queued or being sent */
  int64_t outbox_failed;            /* ... that gave up */
} gw_store_totals_t;

extern bool gwStoreTotals(gw_store_t *s, gw_store_totals_t *totals);
/* The report's rows, ordered by key, handed out with no store lock held; false = store error (or q invalid). */
extern bool gwStoreReport(gw_store_t *s, int64_t tenant, const gw_report_query_t *q, gw_report_cb_t cb, void *data);
/* ---- Print policy (policy-store.c, docs/policy.md) ------------------------------ */

/* Rules (name, line) in evaluation order; names unique per tenant (any case). */
extern bool gwStoreRuleIterate(gw_store_t *s, int64_t tenant, gw_policy_name_cb_t cb, void *data);
extern bool gwStoreRuleAdd(gw_store_t *s, int64_t tenant, const char *name, const char *line, const char **error_r);   /* Appended last */
extern bool gwStoreRuleRemove(gw_store_t *s, int64_t tenant, const char *name);
extern bool gwStoreRuleReplace(gw_store_t *s, int64_t tenant, const char * const *names, const char * const *lines, int n, const char **error_r); /* All or nothing */
/* Local groups: names as rule names ([A-Za-z0-9._-]{1,63}). */
extern bool gwStoreGroupAdd(gw_store_t *s, int64_t tenant, const char *name, const char **error_r);
extern bool gwStoreGroupMember(gw_store_t *s, int64_t tenant, const char *group, int64_t user_id, bool add, const char **error_r);
extern bool gwStoreGroupIterate(gw_store_t *s, int64_t tenant, gw_policy_name_cb_t cb, void *data);   /* (group, member or "") */
/* The groups of a user, into names[max][64]; returns how many, -1 = error. */
extern int  gwStoreUserGroups(gw_store_t *s, int64_t tenant, int64_t user_id, char (*names)[64], int max);
/* A printer's tags, comma-separated ("" = none). */
extern bool gwStorePrinterTagsSet(gw_store_t *s, int64_t tenant, const char *printer, const char *tags);
extern bool gwStorePrinterTagsGet(gw_store_t *s, int64_t tenant, const char *printer, char *tags, size_t tagsize);
/* Delegation: op 1 adds, -1 removes, 0 checks (true = delegate may release owner's jobs). */
extern bool gwStoreDelegate(gw_store_t *s, int64_t tenant, int64_t owner_id, int64_t delegate_id, int op);
extern bool gwStoreDelegateIterate(gw_store_t *s, int64_t tenant, int64_t user_id, gw_policy_name_cb_t cb, void *data); /* (owner, delegate); user_id 0 = all */
/* Pages printed (quotas): add to a user's day (its local midnight), sum the days since a day (group NULL = the user). */
extern bool gwStoreQuotaAdd(gw_store_t *s, int64_t tenant, int64_t user_id, int64_t day, int pages, int color_pages);
extern bool gwStoreQuotaSum(gw_store_t *s, int64_t tenant, int64_t user_id, const char *group, int64_t since, int *pages, int *color_pages);
/* A job's options as the policy changed them at submission (the job converting), and its watermark flag. */
extern bool gwStoreJobPolicySet(gw_store_t *s, int64_t tenant, const char *job_id, const char *color_mode, const char *sides, const char *page_ranges, bool watermark);
extern bool gwStoreJobPolicyWatermark(gw_store_t *s, int64_t tenant, const char *job_id);
/* A held job's reason and sentence (a refusal at release: the job stays held and says why). */
extern bool gwStoreJobPolicyReason(gw_store_t *s, int64_t tenant, const char *job_id, gw_reason_t reason, const char *text);
/* ---- Admin console (api-admin.c, store-admin.c, docs/admin.md) ----------------- */

/* Up to limit users (1 to 500) by name after 'after' ("" = from the start) whose name or display name holds 'query' (lower-cased; "" = all). */
extern bool gwStoreUserSearch(gw_store_t *s, int64_t tenant, const char *after, const char *query, int limit, gw_user_cb_t cb, void *data);
extern bool gwStoreUserEdit(gw_store_t *s, int64_t tenant, int64_t id, const char *display_name, gw_role_t role, bool disabled, const char **error_r);
/* A user's TOTP secret, sealed by the caller (at most GW_STORE_FACTOR_MAX bytes): a new one is not enabled and drops the recovery codes. */
#define GW_STORE_FACTOR_MAX 256
extern bool gwStoreFactorSet(gw_store_t *s, int64_t tenant, int64_t user_id, const void *sealed, size_t len);
extern bool gwStoreFactorGet(gw_store_t *s, int64_t tenant, int64_t user_id, void *sealed, size_t sealedsize, size_t *len_r, bool *enabled_r, int64_t *last_step_r);
/* Use time step 'step' (enabling the factor): false when a step as late was used already. */
extern bool gwStoreFactorStep(gw_store_t *s, int64_t tenant, int64_t user_id, int64_t step);
extern bool gwStoreFactorDelete(gw_store_t *s, int64_t tenant, int64_t user_id);
extern bool gwStoreRecoverySet(gw_store_t *s, int64_t tenant, int64_t user_id, const unsigned char (*hmacs)[32], int n);
extern bool gwStoreRecoveryUse(gw_store_t *s, int64_t tenant, int64_t user_id, const unsigned char hmac[32]);
extern int  gwStoreRecoveryCount(gw_store_t *s, int64_t tenant, int64_t user_id);
extern bool gwStoreSessionElevate(gw_store_t *s, int64_t tenant, const unsigned char hmac[32]);
extern int  gwStoreSessionElevated(gw_store_t *s, int64_t tenant, const unsigned char hmac[32]);   /* 1, 0 (not, or no session), -1 error */
/* ---- Mail sources made in the console (store-mailsrc.c, docs/admin.md) ------------ */

#define GW_STORE_MAILSRC_SPEC_MAX 16383 /* Bytes of a source's JSON settings (three sealed secrets, a refresh token up to 4,096 bytes) */
#define GW_STORE_MAILSRC_MAX      32    /* Sources per tenant */
/* Every source (name, spec JSON), by name, handed out with no store lock held. */
extern bool gwStoreMailSourceIterate(gw_store_t *s, int64_t tenant, gw_policy_name_cb_t cb, void *data);
extern bool gwStoreMailSourcePut(gw_store_t *s, int64_t tenant, const char *name, const char *spec);   /* Add or replace */
extern bool gwStoreMailSourceRemove(gw_store_t *s, int64_t tenant, const char *name);                  /* false = none */

#endif /* !PRINTGATE_STORE_H */
