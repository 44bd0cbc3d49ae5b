/*
 * api-web.c - the public front-end API (api.h) for the web portal:
 * sign-in codes and links, sessions, guest accounts and release
 * terminals (docs/web.md).
 *
 * Secrets: a sign-in code (6 digits), its link token, a session id and a
 * terminal key are made here and handed out once; the store keeps only
 * HMAC-SHA256 of them with the session key (GW_KEY_SESSION, docs/keys.md),
 * each HMAC bound to what it is for ("signin-code:TENANT:ADDRESS:CODE",
 * "signin-link:TENANT:TOKEN", "session:TENANT:ID", "terminal:TENANT:KEY").
 * A session's CSRF token is not stored at all: it is an HMAC of the
 * session id ("csrf:TENANT:ID"), so it dies with the session.
 *
 * Guessing: a 6-digit code has 10^6 values, so every attempt is counted in
 * the store's lockout table before it is checked (gwStoreCredentialAttempt()
 * with GW_CREDENTIAL_NONE, as a password is), per address and per client;
 * a right code takes back only its own count.  Asking for codes is limited
 * the same way (a count that locks), so nobody can mail an address more
 * than 5 codes in 15 minutes.
 */

#include "api-private.h"
#include "outbox-private.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SIGNIN_ADDRESS_MAX   128   /* Longest address that signs in (fits a lockout key) */
#define SIGNIN_SEND_MAX      5     /* Codes per address per SIGNIN_SEND_WINDOW */
#define SIGNIN_SEND_CLIENT   20    /* Codes per client address per SIGNIN_SEND_WINDOW */
#define SIGNIN_SEND_WINDOW   900


/*
 * '_gwApiWebHmac()' - HMAC-SHA256 with the session key of "KIND:TENANT:A[:B]".
 */

bool
_gwApiWebHmac(gw_system_t *sys, const char *kind, int64_t tenant, const char *a, const char *b, unsigned char hmac[GW_HMAC_LEN])
{
  char buf[512];
  int  len;
  bool ok;

  if (!a || strnlen(a, 300) >= 300 || (b && strnlen(b, 100) >= 100))
    return (false);

  len = snprintf(buf, sizeof(buf), "%s:%lld:%s%s%s", kind, (long long)tenant, a, b ? ":" : "", b ? b : "");
  ok  = len > 0 && (size_t)len < sizeof(buf) && gwHmacSha256(gwKeysGet(sys->keys, GW_KEY_SESSION), GW_KEY_LEN, buf, (size_t)len, hmac);
  gwWipe(buf, sizeof(buf));

  return (ok);
}


/*
 * 'norm_address()' - Lower-case an address that may sign in; false when it
 *                    is not one the outbox sends to or is too long.
 */

static bool
norm_address(const char *in, char out[SIGNIN_ADDRESS_MAX + 1])
{
  size_t i;

  if (!in || strnlen(in, SIGNIN_ADDRESS_MAX + 1) > SIGNIN_ADDRESS_MAX || !gwOutboxAddressValid(in))
    return (false);

  for (i = 0; in[i]; i ++)
    out[i] = (char)tolower((unsigned char)in[i]);
  out[i] = '\0';

  return (true);
}


/*
 * 'system_actor()' - The actor's tenant, where and front-end as "system"
 *                    (admin): the outbox and guest accounts are made so.
 */

static gw_actor_t
system_actor(const gw_actor_t *actor)
{
  gw_actor_t sa = *actor;

  sa.who  = "system";
  sa.role = GW_ROLE_ADMIN;

  return (sa);
}


/*
 * '_gwApiReason()' - Set the reason code and sentence (each may be NULL); false.
 */

bool
_gwApiReason(const char **reason_r, const char *reason, const char **error_r, const char *error)
{
  if (reason_r)
    *reason_r = reason;
  _gwApiError(error_r, error);

  return (false);
}


/*
 * 'gwApiSigninCodeSend()' - Make a sign-in code and link for an address
 *                           and mail them through the outbox.
 */

bool
gwApiSigninCodeSend(gw_system_t *sys, const gw_actor_t *actor, const char *address, const char *link_prefix, const char **reason_r, const char **error_r)
{
  char             addr[SIGNIN_ADDRESS_MAX + 1], k_addr[GW_LOCKOUT_KEY_MAX_LEN + 1], k_client[GW_LOCKOUT_KEY_MAX_LEN + 1];
  char             code[GW_API_SIGNIN_CODE_LEN + 1], link[GW_API_SESSION_ID_LEN + 1], body[1024], subject[80];
  unsigned char    code_hmac[GW_HMAC_LEN], link_hmac[GW_HMAC_LEN], none[GW_HMAC_LEN] = { 0 };
  gw_lockout_key_t keys[2];
  gw_address_t     known;
  gw_config_t      c;
  gw_actor_t       sa;
  gw_outmail_t     m;
  int64_t          now = (int64_t)time(NULL), until = 0;
  uint32_t         r = UINT32_MAX;
  bool             ok;

  if (!sys || !_gwApiActorValid(actor) || !link_prefix || strlen(link_prefix) > 300)
    return (_gwApiReason(reason_r, "internal", error_r, "invalid actor"));
  if (!norm_address(address, addr))
    return (_gwApiReason(reason_r, "bad-address", error_r, "that is not an email address this gateway can send to"));

  _gwSystemConfigCopy(sys, &c);
  if (gwStoreAddressFind(sys->store, actor->tenant, addr, &known))
  {
    if (known.state == GW_ADDRESS_REVOKED)
      return (_gwApiReason(reason_r, "revoked", error_r, "this address was revoked by the administrator"));
  }
  else if (!c.guest_accounts)
    return (_gwApiReason(reason_r, "guests-off", error_r, "this address is not registered here and guest accounts are off; ask the administrator to add it"));

  /* Count the request first: a locked key refuses before anything is made or sent. */
  snprintf(k_addr, sizeof(k_addr), "signin-send:%s", addr);
  snprintf(k_client, sizeof(k_client), "signin-send:@%.100s", actor->where ? actor->where : "");
  keys[0] = (gw_lockout_key_t){ k_addr, SIGNIN_SEND_MAX, 0 };
  keys[1] = (gw_lockout_key_t){ k_client, SIGNIN_SEND_CLIENT, 0 };
  if (gwStoreCredentialAttempt(sys->store, actor->tenant, GW_CREDENTIAL_NONE, none, keys, 2, now, SIGNIN_SEND_WINDOW, &until, NULL) < 0)
    return (_gwApiReason(reason_r, "internal", error_r, "the store could not count the request"));
  if (until > 0)
    return (_gwApiReason(reason_r, "rate-limited", error_r, "too many codes were asked for; wait 15 minutes and try again"));

  /* A uniform 6-digit code (rejection sampling) and a 256-bit link token. */
  while (r >= 4294000000u)
  {
    if (!gwRandomBytes(&r, sizeof(r)))
      return (_gwApiReason(reason_r, "internal", error_r, "unable to make a code"));
  }
  snprintf(code, sizeof(code), "%06u", (unsigned)(r % 1000000u));
  r = 0;

  ok = _gwApiTokenMake(link, sizeof(link)) && _gwApiWebHmac(sys, "signin-code", actor->tenant, addr, code, code_hmac) &&
       _gwApiWebHmac(sys, "signin-link", actor->tenant, link, NULL, link_hmac) &&
       gwStoreSigninSet(sys->store, actor->tenant, addr, code_hmac, link_hmac, now, now + GW_API_SIGNIN_TTL);
  gwWipe(code_hmac, sizeof(code_hmac));
  gwWipe(link_hmac, sizeof(link_hmac));

  if (ok)
  {
    snprintf(subject, sizeof(subject), "Your Printgate sign-in code");   /* Not the code: the subject is kept unsealed */
    snprintf(body, sizeof(body),
             "Your sign-in code is %s\n\nOr open this link to sign in:\n%s%s\n\n"
             "The code and the link work once, for 15 minutes.  If you did not ask to sign in\n"
             "to the print gateway %s, ignore this message.\n", code, link_prefix, link, c.server_name);
    memset(&m, 0, sizeof(m));
    m.to      = addr;
    m.subject = subject;
    m.body    = body;
    sa        = system_actor(actor);
    ok        = gwApiOutboxAdd(sys, &sa, &m, NULL, error_r);
    gwWipe(body, sizeof(body));
    gwWipe(subject, sizeof(subject));
    if (!ok)
      _gwApiReason(reason_r, "mail", NULL, NULL);
  }
  else
    _gwApiReason(reason_r, "internal", error_r, "unable to keep the code");

  gwWipe(code, sizeof(code));
  gwWipe(link, sizeof(link));

  if (ok)
    _gwApiAudit(sys, actor, "signin.code", addr, NULL, NULL, 0, "");

  return (ok);
}


/*
 * '_gwApiGuestAdd()' - A guest user (system actor sa) and its pending
 *                      address: named as the address when that is a valid
 *                      user name, else "guest-" and random hex.
 */

bool
_gwApiGuestAdd(gw_system_t *sys, const gw_actor_t *sa, const char *addr, const char *display_name, char *name, size_t namesize, const char **error_r)
{
  unsigned char raw[5];
  bool          ok = false;

  for (int attempt = 0; attempt < 3 && !ok; attempt ++)
  {
    if (attempt == 0 && strlen(addr) < namesize)
      snprintf(name, namesize, "%s", addr);
    else if (gwRandomBytes(raw, sizeof(raw)))
      snprintf(name, namesize, "guest-%02x%02x%02x%02x%02x", raw[0], raw[1], raw[2], raw[3], raw[4]);
    else
      break;
    ok = gwApiUserAdd(sys, sa, name, display_name, GW_ROLE_GUEST, NULL, NULL);
  }

  return (ok && gwApiAddressAdd(sys, sa, name, addr, error_r));
}


/*
 * 'guest_add()' - Make a guest account for a proven address: named as the
 *                 address when that is a valid user name, else
 *                 "guest-" and random hex.  false when guests are off.
 */

static bool
guest_add(gw_system_t *sys, const gw_actor_t *actor, const char *addr, gw_user_t *user, const char **reason_r, const char **error_r)
{
  gw_config_t   c;
  gw_actor_t    sa = system_actor(actor);
  char          name[64];

  _gwSystemConfigCopy(sys, &c);
  if (!c.guest_accounts)
    return (_gwApiReason(reason_r, "guests-off", error_r, "this address is not registered here and guest accounts are off; ask the administrator to add it"));

  if (!_gwApiGuestAdd(sys, &sa, addr, addr, name, sizeof(name), error_r) ||
      !gwStoreAddressSetState(sys->store, actor->tenant, addr, GW_ADDRESS_VERIFIED, "self", error_r) ||
      !gwStoreUserFind(sys->store, actor->tenant, name, user))
    return (_gwApiReason(reason_r, "internal", error_r, "unable to make the guest account"));

  return (true);
}


/*
 * 'proven_user()' - The user of an address its holder just proved: a
 *                   pending address becomes verified (and its quarantined
 *                   mail jobs held), an unknown one a guest account.
 */

static bool
proven_user(gw_system_t *sys, const gw_actor_t *actor, const char *addr, gw_user_t *user, bool *guest_r, const char **reason_r, const char **error_r)
{
  gw_address_t a;

  *guest_r = false;
  if (!gwStoreAddressFind(sys->store, actor->tenant, addr, &a))
  {
    *guest_r = true;
    return (guest_add(sys, actor, addr, user, reason_r, error_r));
  }

  if (a.state == GW_ADDRESS_REVOKED)
    return (_gwApiReason(reason_r, "revoked", error_r, "this address was revoked by the administrator"));

  if (a.state == GW_ADDRESS_PENDING)
  {
    if (!gwStoreAddressSetState(sys->store, actor->tenant, addr, GW_ADDRESS_VERIFIED, "self", error_r))
      return (_gwApiReason(reason_r, "internal", NULL, NULL));
    _gwApiAudit(sys, actor, "address.verify", a.user_name, NULL, NULL, 0, "signin");
    _gwApiReleaseQuarantine(sys, actor, a.user_id);
  }

  if (!gwStoreUserGet(sys->store, actor->tenant, a.user_id, user) || user->disabled)
    return (_gwApiReason(reason_r, "disabled", error_r, "this account is disabled"));

  return (true);
}


/*
 * 'session_fill()' - A session's record from its user and id.  A console
 *                    role (admin, helpdesk, auditor) is the session's only
 *                    once it is elevated (past the second factor); before,
 *                    its holder acts as a plain user.
 */

static bool
session_fill(gw_system_t *sys, int64_t tenant, const char *sid, const gw_user_t *user, int64_t created, int64_t expires, bool elevated, gw_session_t *session)
{
  unsigned char mac[GW_HMAC_LEN];
  bool          ok;

  memset(session, 0, sizeof(gw_session_t));
  session->user      = *user;
  session->created   = created;
  session->expires   = expires;
  session->held_role = user->role;
  session->elevated  = elevated && gwRoleIsStaff(user->role);
  if (gwRoleIsStaff(user->role) && !session->elevated)
    session->user.role = GW_ROLE_USER;
  ok = _gwApiWebHmac(sys, "csrf", tenant, sid, NULL, mac) && _gwOutboxBase64Encode(mac, sizeof(mac), true, session->csrf, sizeof(session->csrf));
  gwWipe(mac, sizeof(mac));

  return (ok);
}


/*
 * '_gwApiSessionMake()' - A new session (elevated: past the second factor)
 *                         for a user who just proved who they are; audit
 *                         "signin" with detail.
 */

bool
_gwApiSessionMake(gw_system_t *sys, const gw_actor_t *actor, const gw_user_t *user, const char *detail, bool elevated, char *sid, size_t sidsize, gw_session_t *session)
{
  unsigned char mac[GW_HMAC_LEN];
  gw_config_t   c;
  int64_t       now = (int64_t)time(NULL);
  bool          ok;

  _gwSystemConfigCopy(sys, &c);
  ok = sid && sidsize > GW_API_SESSION_ID_LEN && _gwApiTokenMake(sid, sidsize) && _gwApiWebHmac(sys, "session", actor->tenant, sid, NULL, mac) &&
       gwStoreSessionAdd(sys->store, actor->tenant, user->id, mac, now, now + c.session_lifetime) &&
       (!elevated || gwStoreSessionElevate(sys->store, actor->tenant, mac)) &&
       session_fill(sys, actor->tenant, sid, user, now, now + c.session_lifetime, elevated, session);
  gwWipe(mac, sizeof(mac));

  if (!ok)
  {
    if (sid)
      gwWipe(sid, sidsize);
    return (false);
  }

  _gwApiAudit(sys, actor, "signin", user->name, NULL, NULL, 0, detail);
  return (true);
}


/*
 * 'code_check()' - One counted code attempt for an address: locked, wrong
 *                  or right (used up).  The failure that locks a key is
 *                  audited.
 */

static bool
code_check(gw_system_t *sys, const gw_actor_t *actor, const char *addr, const char *code, const char **reason_r, const char **error_r)
{
  char             k_addr[GW_LOCKOUT_KEY_MAX_LEN + 1], k_client[GW_LOCKOUT_KEY_MAX_LEN + 1];
  unsigned char    mac[GW_HMAC_LEN], stored[GW_HMAC_LEN], none[GW_HMAC_LEN] = { 0 };
  gw_lockout_key_t keys[2];
  gw_config_t      c;
  int64_t          now = (int64_t)time(NULL), until = 0;
  bool             right, digits = code && strlen(code) == GW_API_SIGNIN_CODE_LEN;

  _gwSystemConfigCopy(sys, &c);
  snprintf(k_addr, sizeof(k_addr), "signin:%s", addr);
  snprintf(k_client, sizeof(k_client), "signin:@%.100s", actor->where ? actor->where : "");
  keys[0] = (gw_lockout_key_t){ k_addr, c.pin_max_failures, 0 };
  keys[1] = (gw_lockout_key_t){ k_client, c.pin_max_failures_tenant, 0 };

  if (gwStoreCredentialAttempt(sys->store, actor->tenant, GW_CREDENTIAL_NONE, none, keys, 2, now, c.pin_lockout, &until, NULL) < 0)
    return (_gwApiReason(reason_r, "internal", error_r, "the store could not count the attempt"));
  if (until > 0)
  {
    _gwApiAudit(sys, actor, "signin.locked", addr, NULL, NULL, 0, "code");
    return (_gwApiReason(reason_r, "locked", error_r, "too many wrong codes; sign-in for this address is locked for a while, ask for a new code later"));
  }

  for (size_t i = 0; digits && i < GW_API_SIGNIN_CODE_LEN; i ++)
    digits = isdigit((unsigned char)code[i]) != 0;

  right = digits && _gwApiWebHmac(sys, "signin-code", actor->tenant, addr, code, mac) &&
          gwStoreSigninGet(sys->store, actor->tenant, addr, now, stored) && gwConstantTimeEqual(mac, stored, GW_HMAC_LEN) &&
          gwStoreSigninUse(sys->store, actor->tenant, addr, mac, now, NULL, 0);
  gwWipe(mac, sizeof(mac));
  gwWipe(stored, sizeof(stored));

  if (right)
  {
    gwStoreLockoutRefund(sys->store, actor->tenant, keys, 2);
    return (true);
  }

  _gwApiAudit(sys, actor, "signin.fail", addr, NULL, NULL, 0,
              keys[0].failures >= keys[0].max_failures || keys[1].failures >= keys[1].max_failures ? "code locked" : "code");

  return (_gwApiReason(reason_r, "wrong-code", error_r, "the code is wrong, used or expired"));
}


/*
 * 'gwApiSigninCode()' - Sign in with an address and its code, or a link.
 */

bool
gwApiSigninCode(gw_system_t *sys, const gw_actor_t *actor, const char *address, const char *code, char *sid, size_t sidsize, gw_session_t *session, const char **reason_r, const char **error_r)
{
  char          addr[SIGNIN_ADDRESS_MAX + 1], used[256];
  unsigned char mac[GW_HMAC_LEN];
  gw_user_t     user;
  bool          guest, ok;

  if (!sys || !_gwApiActorValid(actor) || !session || !code)
    return (_gwApiReason(reason_r, "internal", error_r, "invalid actor"));

  if (address)
  {
    if (!norm_address(address, addr))
      return (_gwApiReason(reason_r, "wrong-code", error_r, "the code is wrong, used or expired"));
    if (!code_check(sys, actor, addr, code, reason_r, error_r))
      return (false);
  }
  else
  {
    /* A link token has 256 bits: nothing to count. */
    ok = strlen(code) == GW_API_SESSION_ID_LEN && _gwApiWebHmac(sys, "signin-link", actor->tenant, code, NULL, mac) &&
         gwStoreSigninUse(sys->store, actor->tenant, NULL, mac, (int64_t)time(NULL), used, sizeof(used)) && norm_address(used, addr);
    gwWipe(mac, sizeof(mac));
    if (!ok)
      return (_gwApiReason(reason_r, "wrong-code", error_r, "the link is wrong, used or expired; ask for a new code"));
  }

  if (!proven_user(sys, actor, addr, &user, &guest, reason_r, error_r))
    return (false);

  if (!_gwApiSessionMake(sys, actor, &user, guest ? "guest" : address ? "code" : "link", false, sid, sidsize, session))
    return (_gwApiReason(reason_r, "internal", error_r, "unable to make a session"));

  return (true);
}


/*
 * 'gwApiSigninPassword()' - Sign in with a password (slow: Argon2id).
 */

bool
gwApiSigninPassword(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *password, char *sid, size_t sidsize, gw_session_t *session, const char **error_r)
{
  gw_user_t user;

  if (!session || !gwApiAuthPassword(sys, actor, name, password, &user, error_r))
    return (false);

  if (!_gwApiSessionMake(sys, actor, &user, "password", false, sid, sidsize, session))
  {
    _gwApiError(error_r, "unable to make a session");
    return (false);
  }

  return (true);
}


/*
 * 'gwApiSessionGet()' - The live session of a cookie value.
 */

bool
gwApiSessionGet(gw_system_t *sys, const gw_actor_t *actor, const char *sid, gw_session_t *session)
{
  unsigned char mac[GW_HMAC_LEN];
  gw_config_t   c;
  gw_user_t     user;
  int64_t       user_id = 0, created = 0, expires = 0;
  bool          ok;

  if (!sys || !_gwApiActorValid(actor) || !sid || strlen(sid) != GW_API_SESSION_ID_LEN || !session)
    return (false);

  _gwSystemConfigCopy(sys, &c);
  ok = _gwApiWebHmac(sys, "session", actor->tenant, sid, NULL, mac) &&
       gwStoreSessionGet(sys->store, actor->tenant, mac, (int64_t)time(NULL), c.session_idle, &user_id, &created, &expires) &&
       gwStoreUserGet(sys->store, actor->tenant, user_id, &user) && !user.disabled &&
       session_fill(sys, actor->tenant, sid, &user, created, expires, gwStoreSessionElevated(sys->store, actor->tenant, mac) == 1, session);
  gwWipe(mac, sizeof(mac));

  return (ok);
}


/*
 * 'gwApiSessionEnd()' - Sign out here, or everywhere.
 */

bool
gwApiSessionEnd(gw_system_t *sys, const gw_actor_t *actor, const char *sid, bool everywhere, const char **error_r)
{
  unsigned char mac[GW_HMAC_LEN];
  gw_session_t  session;
  char          detail[64];
  int           n;

  if (!gwApiSessionGet(sys, actor, sid, &session))
  {
    _gwApiError(error_r, "not signed in");
    return (false);
  }

  if (!_gwApiWebHmac(sys, "session", actor->tenant, sid, NULL, mac))
    return (false);
  n = gwStoreSessionDelete(sys->store, actor->tenant, everywhere ? NULL : mac, session.user.id);
  gwWipe(mac, sizeof(mac));
  if (n < 0)
  {
    _gwApiError(error_r, "the store could not end the session");
    return (false);
  }

  if (everywhere)
    snprintf(detail, sizeof(detail), "everywhere %d", n);
  else
    detail[0] = '\0';
  _gwApiAudit(sys, actor, "signout", session.user.name, NULL, NULL, 0, detail);
  return (true);
}


/*
 * 'gwApiSessionCsrfValid()' - Is token the session's CSRF token?
 */

bool
gwApiSessionCsrfValid(const gw_session_t *session, const char *token)
{
  if (!session || !token || !session->csrf[0] || strnlen(token, GW_API_CSRF_LEN + 1) != GW_API_CSRF_LEN)
    return (false);

  return (gwConstantTimeEqual(session->csrf, token, GW_API_CSRF_LEN));
}


/* ---- Release terminals ------------------------------------------------------------- */


/*
 * 'gwApiTerminalAdd()' - A terminal bound to one printer (admin).
 */

bool
gwApiTerminalAdd(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *printer, char *key, size_t keysize, int64_t *id_r, const char **error_r)
{
  gw_printer_t  p;
  unsigned char mac[GW_HMAC_LEN];
  bool          ok;

  if (!_gwApiAdminPrinter(sys, actor, printer, &p, error_r))
    return (false);
  if (!key || keysize <= GW_API_TERMINAL_KEY_LEN || !_gwApiTokenMake(key, keysize))
  {
    _gwApiError(error_r, "unable to make a key");
    return (false);
  }

  ok = _gwApiWebHmac(sys, "terminal", actor->tenant, key, NULL, mac) && gwStoreTerminalAdd(sys->store, actor->tenant, name, p.name, mac, id_r, error_r);
  gwWipe(mac, sizeof(mac));
  if (!ok)
  {
    gwWipe(key, keysize);
    return (false);
  }

  _gwApiAudit(sys, actor, "terminal.add", name, NULL, p.name, 0, "");
  return (true);
}


/*
 * 'gwApiTerminalIterate()' - Every terminal (admin).
 */

bool
gwApiTerminalIterate(gw_system_t *sys, const gw_actor_t *actor, gw_terminal_cb_t cb, void *data)
{
  if (!sys || !cb || !_gwApiAdmin(actor, NULL))
    return (false);

  return (gwStoreTerminalIterate(sys->store, actor->tenant, cb, data));
}


/*
 * 'gwApiTerminalRevoke()' - Delete a terminal: its key stops at once (admin).
 */

bool
gwApiTerminalRevoke(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char **error_r)
{
  if (!sys || !_gwApiAdmin(actor, error_r))
    return (false);

  return (_gwApiAdminDone(sys, actor, name && gwStoreTerminalRevoke(sys->store, actor->tenant, name), error_r, "no such terminal",
                          "terminal.revoke", name, NULL, ""));
}


/*
 * 'gwApiTerminalRelease()' - Release by PIN or card at a terminal's own printer.
 */

bool
gwApiTerminalRelease(gw_system_t *sys, const gw_actor_t *actor, const char *key, const char *pin, const char *card, const char *job_id, gw_terminal_t *terminal, gw_release_result_t *result)
{
  return (gwApiTerminalReleaseFor(sys, actor, key, pin, card, job_id, NULL, terminal, result));
}


/*
 * 'gwApiTerminalReleaseFor()' - Release by PIN or card at a terminal's own
 *                               printer, of the owner's jobs when the
 *                               PIN's user is the owner's delegate.
 */

bool
gwApiTerminalReleaseFor(gw_system_t *sys, const gw_actor_t *actor, const char *key, const char *pin, const char *card, const char *job_id, const char *owner, gw_terminal_t *terminal, gw_release_result_t *result)
{
  unsigned char mac[GW_HMAC_LEN];
  gw_terminal_t t;
  gw_release_t  rel;
  gw_actor_t    ta;
  char          where[80];
  bool          found;

  if (!result)
    return (false);
  memset(result, 0, sizeof(gw_release_result_t));

  if (!sys || !_gwApiActorValid(actor) || !key || strlen(key) != GW_API_TERMINAL_KEY_LEN)
    found = false;
  else
  {
    found = _gwApiWebHmac(sys, "terminal", actor->tenant, key, NULL, mac) && gwStoreTerminalFind(sys->store, actor->tenant, mac, (int64_t)time(NULL), &t);
    gwWipe(mac, sizeof(mac));
  }
  if (!found)
  {
    result->reason = GW_REASON_NONE;
    snprintf(result->text, sizeof(result->text), "The terminal key is not known to this gateway.");
    return (false);
  }
  if (terminal)
    *terminal = t;

  /* The terminal is the client of the PIN lockout and the label of the audit rows. */
  snprintf(where, sizeof(where), "terminal:%s", t.name);
  ta       = *actor;
  ta.who   = where;
  ta.role  = GW_ROLE_USER;
  ta.where = where;
  memset(&rel, 0, sizeof(rel));
  rel.pin     = pin && pin[0] ? pin : NULL;
  rel.card    = card && card[0] ? card : NULL;
  rel.printer = t.printer;
  rel.job_id  = job_id && job_id[0] ? job_id : NULL;
  rel.owner   = owner && owner[0] ? owner : NULL;

  return (gwApiJobRelease(sys, &ta, &rel, result));
}
