/*
 * api.h - the public front-end API of the Printgate core.
 *
 * A front-end (the control socket's commands, IPP, mail, the web portal)
 * calls these functions and the submission calls of system.h; it never
 * calls the store, the spool or a core-private function.  Every call takes
 * an actor: who asks, with which role, from where and through which
 * front-end.  The call checks what the actor may do, makes the change and
 * writes the audit row itself, in one place: a front-end never writes an
 * audit row of its own except through gwApiAuditAdd().
 *
 * Scoping: an admin actor sees and acts on everything of its tenant; any
 * other actor sees only its own user's jobs and addresses.  A job of
 * another user is reported as "no such job" (its existence is not
 * revealed).  Admin-only calls refuse other actors with "permission
 * denied".
 *
 * Audit rows written here carry actor = who and source = "FRONTEND WHERE"
 * (e.g. "cli control:cli:root"), and never a secret (password, PIN, card
 * number, token).
 *
 * Errors: false (or -1) and, when error_r is not NULL, a static English
 * fragment ("no such user", "permission denied") a front-end can put in a
 * sentence.
 *
 * Ownership and locking: records (gw_user_t, gw_job_t, ...) are copied out
 * to the caller; a gw_job_t from this API never carries its wrapped key
 * (it is zeroed).  Every call is thread-safe; iteration callbacks run with
 * no core lock held, so they may call the API again (and may block, e.g.
 * to write to a slow client).  The actor's strings are only read during
 * the call.
 */

#ifndef PRINTGATE_API_H
#define PRINTGATE_API_H

#include "audit.h"      /* gw_write_cb_t, the audit CSV writer */
#include "crypto.h"     /* gwWipe() for the secrets this API returns */
#include "system.h"
#include "report.h"

typedef struct gw_actor_s
{
  int64_t     tenant;          /* GW_DEFAULT_TENANT today */
  const char *who;             /* User name, "system", or the CLI's "cli:root" */
  gw_role_t   role;            /* GW_ROLE_ADMIN may do everything; HELPDESK and AUDITOR what gwRoleHas() says; USER and GUEST only their own */
  const char *where;           /* Client address, "control:cli:root", terminal id */
  const char *frontend;        /* "cli", "ipp", "mail", "web" (also the origin of submitted jobs) */
} gw_actor_t;

/* ---- Roles (api-admin.c, docs/admin.md) ------------------------------------- */

typedef enum gw_right_e         /* What a console role may do (gwRoleHas()) */
{
  GW_RIGHT_READ,                /* See every user, address, device and job (metadata): admin, helpdesk, auditor */
  GW_RIGHT_USERS,               /* Change users (a helpdesk actor never a console role's), addresses, devices, jobs: admin, helpdesk */
  GW_RIGHT_AUDIT,               /* Read the audit log, lockouts and health: admin, auditor */
  GW_RIGHT_SETTINGS             /* Printers, terminals, the outbox, secrets, lockout clearing, second factors: admin */
} gw_right_t;

extern bool        gwRoleHas(gw_role_t role, gw_right_t right);
extern bool        gwRoleIsStaff(gw_role_t role);          /* admin, helpdesk, auditor: the console's roles */
extern const char *gwRoleString(gw_role_t role);           /* "user", "admin", "guest", "helpdesk", "auditor" */
extern bool        gwRoleParse(const char *s, gw_role_t *role);

#define GW_API_TOKEN_LEN       64   /* Verification token: 32 random bytes in lower-case hex */
#define GW_API_TOKEN_TTL_MAX   (7 * 86400)

/* ---- Users ------------------------------------------------------------------ */

/* Admin.  Audit "user.add" (detail: the role). */
extern bool gwApiUserAdd(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *display_name, gw_role_t role, int64_t *id_r, const char **error_r);
/* Admin, or the user itself.  false = no such user (or not visible to the actor). */
extern bool gwApiUserFind(gw_system_t *sys, const gw_actor_t *actor, const char *name_or_alias, gw_user_t *user);
/* Admin.  Users oldest first, skipping 'offset' and stopping after 'limit' (0 = all). */
extern bool gwApiUserIterate(gw_system_t *sys, const gw_actor_t *actor, int offset, int limit, gw_user_cb_t cb, void *data);
/* Admin: the number of users (-1 = refused or store error). */
extern int  gwApiUserCount(gw_system_t *sys, const gw_actor_t *actor);
/*
 * Admin (any user), or the user itself.  password NULL: a random one-time
 * password is made, returned in generated (the caller wipes it) and must
 * be changed at the next login; else password (8 to 256 bytes) is set as
 * is.  Audit "user.password" (detail "one-time" or "set").
 */
extern bool gwApiUserSetPassword(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *password, char *generated, size_t generatedsize, const char **error_r);
/* Admin.  Audit "alias.add". */
extern bool gwApiAliasAdd(gw_system_t *sys, const gw_actor_t *actor, const char *user, const char *alias, const char **error_r);

/* ---- Addresses and verification tokens -------------------------------------- */

/* Admin, or the user itself (a new address is pending).  Audit "address.add". */
extern bool gwApiAddressAdd(gw_system_t *sys, const gw_actor_t *actor, const char *user, const char *address, const char **error_r);
/* Admin, or the address's owner. */
extern bool gwApiAddressFind(gw_system_t *sys, const gw_actor_t *actor, const char *address, gw_address_t *addr);
/* user NULL = all (admin) ; a non-admin always gets its own. */
extern bool gwApiAddressIterate(gw_system_t *sys, const gw_actor_t *actor, const char *user, gw_address_cb_t cb, void *data);
/* Admin: VERIFIED (approve/verify), REVOKED or PENDING.  Audit "address.verify", "address.revoke", "address.pending".
   VERIFIED also releases the user's quarantined mail jobs into the held queue (as gwApiTokenConfirm). */
/*
 * Admin (the mail front-end): with MailGuests on, a pending guest for an
 * unknown sender's address (its mail is quarantined under it): a guest
 * user with that address pending, no PIN.  Proving the address
 * (gwApiTokenConfirm(), gwApiAddressSetState() verified) makes it a guest
 * and mails it a release PIN, once.  Refused when MailGuests is off or
 * MailGuestsMax mail guests (pending or not) were made in the last 24 hours.  addr gets
 * the new address.  Audit "guest.pending" (and "guest.create" on proof).
 */
extern bool gwApiMailGuestAdd(gw_system_t *sys, const gw_actor_t *actor, const char *address, gw_address_t *addr, const char **error_r);
extern bool gwApiAddressSetState(gw_system_t *sys, const gw_actor_t *actor, const char *address, gw_address_state_t state, const char **error_r);
/*
 * A single-use verification token for an address (admin, or the address's
 * owner), valid ttl seconds (1 to GW_API_TOKEN_TTL_MAX).  The token is
 * returned once in token (tokensize > GW_API_TOKEN_LEN; the caller wipes
 * it); the store keeps only its HMAC with the server pepper, like a PIN.
 * Audit "token.create" (never the token).
 */
extern bool gwApiTokenCreate(gw_system_t *sys, const gw_actor_t *actor, const char *address, int64_t ttl, char *token, size_t tokensize, int64_t *expires_r, const char **error_r);
/*
 * Confirm a token (any actor: holding it is the proof): the token is used
 * up in the same store transaction that finds it, its address becomes
 * verified (by "self"), and addr (if not NULL) gets the address.  An
 * unknown, used or expired token is refused.  Audit "address.verify"
 * (detail "token").  The user's quarantined mail jobs (origin "mail",
 * held back until the sender proved the address) then become held.
 */
extern bool gwApiTokenConfirm(gw_system_t *sys, const gw_actor_t *actor, const char *token, gw_address_t *addr, const char **error_r);

/* ---- Printers --------------------------------------------------------------- */

/* True when a sink takes this URI (ipp://, ipps://, cups://HOST:PORT/QUEUE). */
extern bool gwApiPrinterUriSupported(gw_system_t *sys, const char *uri);
/* Admin; the URI must be one a sink takes.  Audit "printer.add". */
extern bool gwApiPrinterAdd(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *uri, const char *location, const char **error_r);
/* Admin.  Audit "printer.delete". */
extern bool gwApiPrinterDelete(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char **error_r);
/* Any actor (printers are not secret to the tenant's users). */
extern bool gwApiPrinterFind(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_printer_t *printer);
extern bool gwApiPrinterIterate(gw_system_t *sys, const gw_actor_t *actor, gw_printer_cb_t cb, void *data);
/*
 * Admin: ask the printer whether it answers and what it takes (the sink's
 * capability check; nothing is printed).  Returns the check's result (its
 * reason and sentence in result); false with error_r set when the printer
 * is unknown or its URI has no sink.  Talks to the printer: may take up to
 * PrinterTimeout.
 */
extern bool gwApiPrinterCheck(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_sink_result_t *result, const char **error_r);
/*
 * Admin: print a built-in one-page test page on the printer: submitted as
 * the actor's own job (converted as any job), released there at once; one
 * that did not print is cancelled.  result as a release's; false with
 * error_r set (the release's sentence) when it did not print.  Audit
 * "printer.testpage".  Slow: call from a worker.
 */
extern bool gwApiPrinterTestPage(gw_system_t *sys, const gw_actor_t *actor, const char *printer, gw_release_result_t *result, const char **error_r);
/*
 * Admin: change a printer's URI and/or location (NULL = keep).  A new URI
 * must pass the capability check (result, as gwApiPrinterCheck()'s) or the
 * old one is put back and false says why.  Audit "printer.edit" (detail:
 * what changed; never the URI, which may hold a password).  Slow when the
 * URI changes.  (printer-state.c)
 */
extern bool gwApiPrinterEdit(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *uri, const char *location, gw_sink_result_t *result, const char **error_r);

typedef struct gw_printer_state_s   /* gwApiPrinterState() */
{
  int     reachable;          /* 1 it answered the last check, 0 it did not, -1 not checked yet */
  int64_t checked;            /* When that check was (0 = never; a new one is under way) */
  char    check_text[512];    /* The last check's sentence ("" when it answered) */
  int     released_today;     /* Jobs printed there since local midnight (job.print rows) */
  int64_t error_time;         /* The last release or test page that failed there (0 = none) */
  char    error[512];         /* ... its sentence (the job's reason, or the reason code) */
} gw_printer_state_t;

/*
 * A console role (GW_RIGHT_READ): a printer's state.  Reachability is
 * cached: a check (gwApiPrinterCheck()'s) runs on a thread of its own,
 * never the caller's, when the cached one is older than
 * GW_PRINTER_STATE_MAX_AGE seconds, so this never waits for a printer.
 */
#define GW_PRINTER_STATE_MAX_AGE 60
extern bool gwApiPrinterState(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_printer_state_t *state, const char **error_r);

/* ---- Jobs ------------------------------------------------------------------- */

/*
 * Begin a submission for 'user' (NULL = the actor itself; a non-admin may
 * submit only for itself: else unknown-user), with origin = the actor's
 * front-end.  Then gwSubmissionWrite/End/Abort (system.h).
 */
extern gw_submission_t *gwApiJobSubmit(gw_system_t *sys, const gw_actor_t *actor, const char *user, const char *name, const gw_job_options_t *options, int64_t declared_size, gw_reason_t *reason_r, char *text, size_t textsize);
/* A job, scoped (key zeroed).  false = "no such job". */
extern bool gwApiJobGet(gw_system_t *sys, const gw_actor_t *actor, const char *job_id, gw_job_t *job);
/* Wait as gwSystemJobWait(), scoped. */
extern bool gwApiJobWait(gw_system_t *sys, const gw_actor_t *actor, const char *job_id, int timeout_ms, gw_job_t *job);
/* user NULL = every user (admin) or the actor's own; states as gwStoreJobIterate (0 = all).  Keys zeroed. */
extern bool gwApiJobIterate(gw_system_t *sys, const gw_actor_t *actor, const char *user, unsigned states, gw_job_cb_t cb, void *data);
extern int  gwApiJobCount(gw_system_t *sys, const gw_actor_t *actor, const char *user, unsigned states);
/* Jobs that have ended (printed, cancelled, expired) and whose rows are gone, as they ended, for JobHistory,
   oldest first, scoped as gwApiJobIterate (gateway/job-history.c).  A job is in one of the two lists, or in
   both for a moment while it ends: a caller listing both skips a number it has seen. */
extern bool gwApiJobHistoryIterate(gw_system_t *sys, const gw_actor_t *actor, const char *user, gw_job_cb_t cb, void *data);
/* Scoped cancel.  Audit "job.cancel" (in the transition's transaction). */
extern bool gwApiJobCancel(gw_system_t *sys, const gw_actor_t *actor, const char *job_id, const char **error_r);
/* Change a held job's options (copies, sides, color_mode, page_ranges, number_up; absent ones take their defaults),
   checked as at submission for its owner (guests: black and white).  Owner or admin; another's job is "no such job".
   False with *reason_r (GW_REASON_BAD_OPTION, or GW_REASON_NONE: no such job / not held) and the sentence.  Audit "job.options". */
extern bool gwApiJobSetOptions(gw_system_t *sys, const gw_actor_t *actor, const char *job_id, const gw_job_options_t *options, gw_reason_t *reason_r, char *text, size_t textsize);
/*
 * Release (gwSystemRelease), with actor, client (lockout) and source filled
 * from the actor (rel->source, when set, labels the audit row instead).
 * A non-admin releases by PIN or card, or its own jobs by name: naming
 * another user answers "no such job".
 */
extern bool gwApiJobRelease(gw_system_t *sys, const gw_actor_t *actor, const gw_release_t *rel, gw_release_result_t *result);
/*
 * Who a PIN or a card (exactly one of them) belongs to, at a printer: the
 * check release makes, in the same store transaction and under the same
 * lockout (per printer, per client = the actor's where, per tenant).  Any
 * actor (holding the PIN is the proof).  On success user gets the user;
 * else text gets the sentence (wrong, locked for N minutes, no printer).
 * A wrong one writes "pin.fail" / "card.fail", a locked one
 * "release.locked", like a release.
 */
extern bool gwApiIdentify(gw_system_t *sys, const gw_actor_t *actor, const char *printer, const char *pin, const char *card, gw_user_t *user, char *text, size_t textsize);
/* Admin, or the user itself.  Audit "pin.new" / "card.set" (never the PIN or card). */
extern bool gwApiPinNew(gw_system_t *sys, const gw_actor_t *actor, const char *user, char *pin, size_t pinsize, const char **error_r);
extern bool gwApiCardSet(gw_system_t *sys, const gw_actor_t *actor, const char *user, const char *card, const char **error_r);

/* ---- Devices ---------------------------------------------------------------- */

#define GW_API_DEVICE_TOKEN_LEN    43   /* 32 random bytes in base64url (no padding) */
#define GW_API_DEVICE_PASSWORD_LEN 20   /* gwPasswordGenerate(): ~115 bits, unambiguous letters and digits */

/*
 * A device (a phone, a laptop) of a user (admin, or the user itself),
 * named 'device' ([A-Za-z0-9._-]{1,63}, unique per user).  Its token
 * (token, tokensize > GW_API_DEVICE_TOKEN_LEN: the token URL's last part)
 * and its password (password, passwordsize > GW_API_DEVICE_PASSWORD_LEN)
 * are returned once, for the caller to show and wipe; the store keeps only
 * their HMAC with the device key (docs/keys.md).  Audit "device.add"
 * (detail: the device's name; never the token or password).
 */
extern bool gwApiDeviceAdd(gw_system_t *sys, const gw_actor_t *actor, const char *user, const char *device, char *token, size_t tokensize, char *password, size_t passwordsize, int64_t *id_r, const char **error_r);
/* user NULL = all (admin) ; a non-admin always gets its own.  Oldest first. */
extern bool gwApiDeviceIterate(gw_system_t *sys, const gw_actor_t *actor, const char *user, gw_device_cb_t cb, void *data);
/* The token URL a device prints to: ipps://SERVERNAME:PORT/ipp/print/TOKEN (ServerName, the HTTPS port).  false = too long. */
extern bool gwApiDeviceUrl(gw_system_t *sys, const char *token, char *url, size_t urlsize);
/* Admin, or the device's owner ("no such device" otherwise): its token and password stop at once.  Audit "device.revoke". */
extern bool gwApiDeviceRevoke(gw_system_t *sys, const gw_actor_t *actor, int64_t id, const char **error_r);

/* ---- Authentication ------------------------------------------------------------ */

/*
 * Every call here needs the actor's where (the client's address): it is
 * the lockout key.  A password attempt counts under "login:USER@WHERE"
 * ("login:?@WHERE" for an unknown or disabled user), a token attempt under
 * "device:WHERE", each locked for PinLockout seconds after PinMaxFailures
 * failures in its window (gwApiLockoutIterate/Clear list and clear them).
 * The failure is counted in the store before the credential is checked,
 * so parallel attempts never get more than the limit checked, and a right
 * one never forgives another's failures.  A refusal writes an audit row
 * "login.fail" (detail "password" or "token", plus " locked" when it
 * locked the key; the subject is the user's name only when it is one, so a
 * password typed into the name field is not logged); a locked key refuses
 * before anything is checked.  A success writes nothing (a session does,
 * later).  Never a secret in a row or the log.
 *
 * A right password check (Argon2id, ~0.4 s and 64 MiB: call these from a
 * worker, not a listener thread) is remembered for 60 s, keyed by an HMAC
 * of the name and password with a per-process random key, and trusted only
 * while the user's stored password hash is unchanged and the user is not
 * disabled (gwApiUserSetPassword() also drops it).
 */

/* A user's password (not a device password).  On success user gets the user. */
extern bool gwApiAuthPassword(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *password, gw_user_t *user, const char **error_r);
/* HTTP Basic: the user's password or one of its device passwords (device, if not NULL, gets it; id 0 for the password). */
extern bool gwApiAuthBasic(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *password, gw_user_t *user, gw_device_t *device, const char **error_r);
/* HTTP Basic when no Argon2id is needed (cheap enough for a listener thread): 1 a user's password the cache
   remembers as right, 0 refused (its pair is locked), -1 anything else: ask gwApiAuthBasic() (nothing was counted). */
extern int  gwApiAuthBasicCached(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *password, gw_user_t *user, const char **error_r);
/* A device token (a token URL's last part): its owner (user) and device; a revoked token fails at once. */
extern bool gwApiAuthToken(gw_system_t *sys, const gw_actor_t *actor, const char *token, gw_user_t *user, gw_device_t *device, const char **error_r);

/* ---- Web sign-in, sessions and terminals (api-web.c, docs/web.md) ------------- */

#define GW_API_SIGNIN_CODE_LEN  6    /* Digits of a sign-in code */
#define GW_API_SIGNIN_TTL       900  /* A code and its link live 15 minutes */
#define GW_API_SESSION_ID_LEN   43   /* 32 random bytes in base64url (the cookie's value) */
#define GW_API_CSRF_LEN         43   /* base64url of an HMAC bound to the session */
#define GW_API_TERMINAL_KEY_LEN 43   /* 32 random bytes in base64url */

typedef struct gw_session_s     /* A signed-in web session, as a lookup gives it */
{
  gw_user_t user;                             /* Who (role: admin, user or guest) */
  char      csrf[GW_API_CSRF_LEN + 1];        /* The CSRF token every state change must carry */
  int64_t   created;                          /* Sign-in time */
  int64_t   expires;                          /* Absolute end (SessionLifetime) */
  gw_role_t held_role;                        /* The account's role: user.role is a console role only when elevated */
  bool      elevated;                         /* Past the admin console's second factor (gwApiAdminElevate()) */
} gw_session_t;

/*
 * Ask for a sign-in code (any actor; actor->where is the client's
 * address).  A 6-digit code and a link token are made for the address,
 * kept only as HMACs with the session key bound to the address (one
 * pending sign-in per address: a new one replaces the old), valid
 * GW_API_SIGNIN_TTL seconds, and mailed through the outbox with the link
 * link_prefix + token (link_prefix: "https://HOST:PORT/signin/link?t=").
 * Rate limited: 5 requests per address and 20 per client address in 15
 * minutes (lockout keys "signin-send:ADDRESS", "signin-send:@WHERE").  An
 * address of no user is refused unless GuestAccounts is on (reason
 * "guests-off"), a revoked one is refused ("revoked").  reason_r gets a
 * stable code ("bad-address", "rate-limited", "guests-off", "revoked",
 * "mail"), error_r the sentence.  Audit "signin.code" (never the code).
 */
extern bool gwApiSigninCodeSend(gw_system_t *sys, const gw_actor_t *actor, const char *address, const char *link_prefix, const char **reason_r, const char **error_r);
/*
 * Sign in with an address and its code, or (address NULL) with a link
 * token.  A code attempt is counted before it is checked (lockout keys
 * "signin:ADDRESS", PinMaxFailures, and "signin:@WHERE",
 * PinMaxFailuresTenant; both for PinLockout): parallel guesses never get
 * more than the limit checked, a right code takes back only its own count
 * (a right code for another address forgives nothing), and the failure
 * that locks writes "signin.fail" with detail "code locked".  The code
 * HMAC is compared in constant time and used up in the same statement
 * that finds it.  Proof of an address verifies it (quarantined mail jobs
 * are released as by gwApiTokenConfirm()); an unknown address becomes a
 * guest account when GuestAccounts is on.  Then a session is made: sid
 * (sidsize > GW_API_SESSION_ID_LEN) gets its id once (the caller sets the
 * cookie and wipes it) and session the user and CSRF token.  reason_r:
 * "wrong-code", "locked", "guests-off", "revoked", "internal".  Audit
 * "signin" (detail "code", "link"; "guest" for a new guest).
 */
extern bool gwApiSigninCode(gw_system_t *sys, const gw_actor_t *actor, const char *address, const char *code, char *sid, size_t sidsize, gw_session_t *session, const char **reason_r, const char **error_r);
/* Sign in with a password (gwApiAuthPassword(): Argon2id, call from a worker): a session as above.  Audit "signin" (detail "password"). */
extern bool gwApiSigninPassword(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *password, char *sid, size_t sidsize, gw_session_t *session, const char **error_r);
/* The session of a cookie value (any actor): false when unknown, ended, idle past SessionIdleTimeout, past SessionLifetime, or its user is disabled.  Restarts the idle clock. */
extern bool gwApiSessionGet(gw_system_t *sys, const gw_actor_t *actor, const char *sid, gw_session_t *session);
/* Sign out (the session's holder): everywhere false ends this session, true every session of its user.  Audit "signout" (detail "everywhere" and the count). */
extern bool gwApiSessionEnd(gw_system_t *sys, const gw_actor_t *actor, const char *sid, bool everywhere, const char **error_r);
/* Is token the session's CSRF token?  Constant time. */
extern bool gwApiSessionCsrfValid(const gw_session_t *session, const char *token);

/*
 * Admin: a release terminal (a card reader, a kiosk) named 'name' that
 * releases only to 'printer' (which must exist).  Its key (key, keysize >
 * GW_API_TERMINAL_KEY_LEN) is returned once; the store keeps its HMAC with
 * the device key.  Audit "terminal.add".
 */
extern bool gwApiTerminalAdd(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *printer, char *key, size_t keysize, int64_t *id_r, const char **error_r);
extern bool gwApiTerminalIterate(gw_system_t *sys, const gw_actor_t *actor, gw_terminal_cb_t cb, void *data);   /* Admin */
extern bool gwApiTerminalRevoke(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char **error_r); /* Admin.  Audit "terminal.revoke" */
/*
 * A terminal releases (any actor: the key is the proof): the PIN's or
 * card's owner's held jobs (job_id NULL = all) go to the terminal's own
 * printer, never another.  The PIN or card is checked as gwApiJobRelease()
 * checks it, with the terminal ("terminal:NAME") as the lockout's client
 * and the actor of the audit rows.  An unknown key: false with
 * result->reason GW_REASON_NONE and its sentence in result->text.
 */
extern bool gwApiTerminalRelease(gw_system_t *sys, const gw_actor_t *actor, const char *key, const char *pin, const char *card, const char *job_id, gw_terminal_t *terminal, gw_release_result_t *result);
/* The same for a delegate: the PIN's or card's owner releases the jobs of 'owner' (NULL or "" = their own), who
   must have named them a delegate (docs/policy.md); audited "released by X for Y", refused "not a delegate". */
extern bool gwApiTerminalReleaseFor(gw_system_t *sys, const gw_actor_t *actor, const char *key, const char *pin, const char *card, const char *job_id, const char *owner, gw_terminal_t *terminal, gw_release_result_t *result);

/* ---- Audit and lockouts -------------------------------------------------------- */

/* Any actor: a row for a front-end's own event ("mail.reject"); actor and source from the actor. */
extern bool gwApiAuditAdd(gw_system_t *sys, const gw_actor_t *actor, const char *action, const char *subject, const char *job_id, const char *printer, int pages, const char *detail);
/* Admin: the newest 'limit' rows (<= 0: all) with time >= 'since' (Unix time), handed out oldest first. */
extern bool gwApiAuditIterate(gw_system_t *sys, const gw_actor_t *actor, int64_t since, int limit, gw_audit_cb_t cb, void *data);
/* Admin. */
extern bool gwApiLockoutIterate(gw_system_t *sys, const gw_actor_t *actor, gw_lockout_cb_t cb, void *data);
/* Admin: key NULL = every key.  Audit "lockout.clear" (detail: the key or "all"). */
extern bool gwApiLockoutClear(gw_system_t *sys, const gw_actor_t *actor, const char *key, const char **error_r);

/* ---- GDPR and the audit query (api-gdpr.c, docs/gdpr.md) --------------------------- */

#define GW_API_ERASED_PREFIX "erased-"   /* An erased user's pseudonym: "erased-<user id>" */

/*
 * Right of access: everything held about one user (by name or alias) as
 * one JSON object, streamed to write (no newline in it): "format"
 * ("printgate-user-export/1"), "exported", "user", then arrays "aliases",
 * "addresses", "address_tokens", "pins", "cards" (times only), "devices"
 * (no token or password), "sessions" (times only), "signin_codes" (times
 * only), "lockouts", "jobs" (metadata and documents' formats and page
 * counts; never content or keys), "outbox" (rows to the user's addresses,
 * never the sealed message), "audit" (rows by or about the user, its jobs
 * or its addresses).  No core lock is held while write runs.  Admin, or
 * the user itself.  Audit "user.export".
 */
extern bool gwApiUserExport(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_write_cb_t write, void *data, const char **error_r);
/*
 * Erasure (admin only, not oneself): the user's jobs are crypto-shredded
 * (rows and wrapped keys deleted, spool files removed), its aliases,
 * addresses, tokens, PIN, card, devices, sessions, sign-in codes, lockout
 * keys and the outbox rows to its addresses deleted, and the audit rows
 * kept with its name, aliases and addresses replaced by the pseudonym
 * "erased-<id>" (returned in pseudonym), which also names the user row
 * that stays, blanked and disabled.  Refused while one of its jobs is being
 * received, converted or printed, or a mail to it is being sent (try again).  Audit "user.erase" (subject:
 * the pseudonym).  Log lines from then on carry only the pseudonym.
 */
extern bool gwApiUserErase(gw_system_t *sys, const gw_actor_t *actor, const char *name, char *pseudonym, size_t pseudonymsize, const char **error_r);
/*
 * Restriction of processing (admin only): on, every new job of the user
 * (IPP, mail, web, CLI) is refused with reason GW_REASON_RESTRICTED and a
 * sentence quoting 'reason' (1 to 255 bytes); off lifts it.  Held jobs
 * stay held.  Audit "user.restrict" (detail: the reason) / "user.unrestrict".
 */
extern bool gwApiUserRestrict(gw_system_t *sys, const gw_actor_t *actor, const char *name, bool on, const char *reason, const char **error_r);
/* Is the user restricted?  reason (if not NULL) gets why.  Admin, or the user itself. */
extern bool gwApiUserRestricted(gw_system_t *sys, const gw_actor_t *actor, const char *name, char *reason, size_t reasonsize);
/*
 * The audit log, filtered (gw_audit_query_t in records.h): up to q->limit
 * rows newest first (by time, then id), after the cursor q->after (the id
 * of the previous page's last row); *next_r (if not NULL) gets the cursor
 * of the next page, 0 when there is none.  A cursor that is no row is
 * refused.  Every filter has
 * its index (no full scan; tests/unit/test-gdpr.c checks the plans).
 * GW_RIGHT_AUDIT (admin, auditor).  cb runs with no core lock held.
 */
extern bool gwApiAuditQuery(gw_system_t *sys, const gw_actor_t *actor, const gw_audit_query_t *q, gw_audit_cb_t cb, void *data, int64_t *next_r, const char **error_r);
/*
 * The same rows as CSV (printgate/audit.h: header, then one row each),
 * streamed to write a page of 1,000 rows at a time, from q->after on:
 * every matching row when q->limit is 0, else up to q->limit (any number).
 * For a console's download: memory stays bounded, no core lock is held
 * while write runs.  GW_RIGHT_AUDIT.  false when refused, or when write failed.
 */
extern bool gwApiAuditCsv(gw_system_t *sys, const gw_actor_t *actor, const gw_audit_query_t *q, gw_write_cb_t write, void *data, const char **error_r);
/* ---- Reports and health (report.c, health.c; docs/reports.md, docs/metrics.md) ---- */

/*
 * A usage report (GW_RIGHT_AUDIT: admin, auditor): rows
 * ordered by key, handed to cb with no core lock held (cb false stops).
 * Metadata only.  Audit "report" (detail: grouping, period, bounds).
 */
extern bool gwApiReport(gw_system_t *sys, const gw_actor_t *actor, const gw_report_query_t *q, gw_report_cb_t cb, void *data, const char **error_r);
/*
 * The health report (GW_RIGHT_AUDIT: admin, auditor) as JSON
 * text in *json_r (malloc'd; the caller frees it): jobs by state,
 * conversions running, queued and their recent times, mail sources,
 * outbox backlog, the Office pool, certificate expiry of the gateway and
 * of each ipps printer whose certificate is pinned, disk and spool use.
 */
extern bool gwApiHealth(gw_system_t *sys, const gw_actor_t *actor, char **json_r, const char **error_r);
/* ---- Admin console (api-admin.c, docs/admin.md) ------------------------------------ */

#define GW_API_RECOVERY_CODES    10    /* Recovery codes made at enrolment */
#define GW_API_RECOVERY_CODE_LEN 11    /* "xxxxx-xxxxx" (50 random bits) */

/*
 * The console's sign-in: a password session (gwApiSigninPassword()) of a
 * console role acts as a plain user until it is elevated here with the
 * second factor, a TOTP code (RFC 6238: HMAC-SHA1, 30 s steps, the step
 * before and after accepted, each step once) or a recovery code (single
 * use).  Every attempt is counted before it is checked (lockout keys
 * "totp:USER", PinMaxFailures, and "totp:@WHERE", PinMaxFailuresTenant;
 * PinLockout), a right one takes back only its own count.  Elevation
 * makes a new session (newsid, shown once) and ends the old one.
 *
 * gwApiAdminFactorState(): 0 = no factor, 1 = enrolment begun (a code
 * finishes it), 2 = enrolled; -1 = refused (the session's user is not a
 * console role) or a store error.
 */
extern int  gwApiAdminFactorState(gw_system_t *sys, const gw_actor_t *actor, const gw_session_t *session);
/*
 * Begin (or begin again) the enrolment of the session's own authenticator
 * app: a new 160-bit secret (kept sealed with the secrets key) is returned
 * in base32 (secret, secretsize > 32) and as an otpauth:// URI (uri, for a
 * QR code).  Refused when a factor is enrolled (an admin resets it).
 * Audit "admin.enrol" (never the secret).
 */
extern bool gwApiAdminEnrolBegin(gw_system_t *sys, const gw_actor_t *actor, const gw_session_t *session, char *secret, size_t secretsize, char *uri, size_t urisize, const char **error_r);
/*
 * Elevate a session (sid) past the second factor with a code: the first
 * right code of an enrolment finishes it and returns the recovery codes
 * once in recovery (GW_API_RECOVERY_CODES lines, recoverysize >= 128; NULL
 * refuses an enrolment); with AdminSecondFactor optional, a user with no
 * factor is elevated without a code.  reason_r: "wrong-code", "locked",
 * "enrol" (a factor is required and there is none), "denied",
 * "internal".  Audit "admin.signin" (detail "totp", "recovery", "enrol",
 * "no second factor"), "admin.signin.fail" (detail "totp", plus " locked").
 */
extern bool gwApiAdminElevate(gw_system_t *sys, const gw_actor_t *actor, const char *sid, const char *code, char *recovery, size_t recoverysize, char *newsid, size_t newsidsize, gw_session_t *session, const char **reason_r, const char **error_r);
/* GW_RIGHT_SETTINGS: forget a user's second factor and recovery codes (it enrols again).  Audit "admin.factor.reset". */
extern bool gwApiAdminFactorReset(gw_system_t *sys, const gw_actor_t *actor, const char *user, const char **error_r);
/* GW_RIGHT_READ: up to limit (1 to 500) users by name after 'after' (NULL or "" = first) whose name or display name holds query. */
extern bool gwApiUserSearch(gw_system_t *sys, const gw_actor_t *actor, const char *after, const char *query, int limit, gw_user_cb_t cb, void *data);
/*
 * GW_RIGHT_USERS: set a user's display name, role and disabled flag (a
 * helpdesk actor: never to or of a console role; nobody changes their own
 * role or disables themselves).  A change of role or a disable ends the
 * user's sessions.  Audit "user.edit" (detail: the new role and state).
 */
extern bool gwApiUserEdit(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *display_name, gw_role_t role, bool disabled, const char **error_r);
/* GW_RIGHT_USERS: a quarantined job goes to its owner's held queue.  Audit "job.unquarantine". */
extern bool gwApiJobUnquarantine(gw_system_t *sys, const gw_actor_t *actor, const char *job_id, const char **error_r);

/* ---- Status ------------------------------------------------------------------- */

extern int  gwApiHttpsPort(gw_system_t *sys);      /* The listener's port, 0 = no listener */
extern int  gwApiPlainPort(gw_system_t *sys);      /* The plain ipp:// port (IppPlainPort), 0 = off */
/* Whether a document of this MIME type is converted here: application/pdf and text/plain always,
   text/html and text/csv only with the Office pool (OfficeWorkers > 0); any other type: false. */
extern bool gwApiFormatSupported(gw_system_t *sys, const char *mime_type);

#endif /* !PRINTGATE_API_H */

/* The print policy's calls (rules, dry-run, quotas, groups, printer tags, delegation) are part of this API. */
#include "policy.h"
