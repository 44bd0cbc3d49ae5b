/*
 * api-admin.c - the public front-end API (api.h) for the admin console:
 * roles and their rights, the console's second factor (TOTP and recovery
 * codes), elevated sessions, the users page and user editing
 * (docs/admin.md), and the usage report (gwApiReport(), docs/reports.md).
 *
 * Roles: admin may do everything; helpdesk changes users (never a console
 * role's account), addresses, devices and jobs, but no settings or
 * secrets; auditor reads (users, addresses, jobs, the audit log) and
 * changes nothing.  Every api.h call checks its actor's role with
 * gwRoleHas(), so a front-end cannot give more than the core allows.  A
 * web session of a console role carries that role only once it is
 * elevated (api-web.c, session_fill()).
 *
 * Secrets: a TOTP secret is sealed with the secrets key (it must be read
 * back to compute codes), bound to the tenant and user; a recovery code is
 * kept only as an HMAC with the session key ("recovery:TENANT:USER:CODE").
 * Every code attempt is counted in the lockout table before it is checked,
 * as a sign-in code is (api-web.c).
 */

#include "api-private.h"
#include "outbox-private.h"

#include <printgate/report.h>
#include <printgate/text.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define TOTP_DIGITS 6
#define SEALED_LEN  (GW_TOTP_SECRET_LEN + _GW_SEAL_OVERHEAD)

static const char * const role_names[] = { "user", "admin", "guest", "helpdesk", "auditor" };


/* ---- Roles ------------------------------------------------------------------------ */

/*
 * 'gwRoleHas()' - What a role may do (api.h, gw_right_t).
 */

bool
gwRoleHas(gw_role_t role, gw_right_t right)
{
  switch (right)
  {
    case GW_RIGHT_READ :
        return (role == GW_ROLE_ADMIN || role == GW_ROLE_HELPDESK || role == GW_ROLE_AUDITOR);
    case GW_RIGHT_USERS :
        return (role == GW_ROLE_ADMIN || role == GW_ROLE_HELPDESK);
    case GW_RIGHT_AUDIT :
        return (role == GW_ROLE_ADMIN || role == GW_ROLE_AUDITOR);
    case GW_RIGHT_SETTINGS :
        return (role == GW_ROLE_ADMIN);
  }

  return (false);
}


/*
 * 'gwRoleIsStaff()' - Is this one of the console's roles?
 */

bool
gwRoleIsStaff(gw_role_t role)
{
  return (gwRoleHas(role, GW_RIGHT_READ));
}


/*
 * 'gwRoleString()' - A role's keyword.
 */

const char *
gwRoleString(gw_role_t role)
{
  return ((unsigned)role <= GW_ROLE_LAST ? role_names[role] : "user");
}


/*
 * 'gwRoleParse()' - A role from its keyword.
 */

bool
gwRoleParse(const char *s, gw_role_t *role)
{
  int i = gwKeywordFind(s, role_names, GW_ROLE_LAST + 1);

  if (i < 0)
    return (false);

  *role = (gw_role_t)i;
  return (true);
}


/*
 * '_gwApiMay()' - A valid actor whose role has 'right'; else "permission denied".
 */

bool
_gwApiMay(const gw_actor_t *actor, gw_right_t right, const char **error_r)
{
  if (_gwApiActorValid(actor) && gwRoleHas(actor->role, right))
    return (true);

  _gwApiError(error_r, "permission denied");
  return (false);
}


/*
 * '_gwApiMayChangeUser()' - May the actor change this user?  Itself; an
 *                           admin any; helpdesk users and guests only.
 */

bool
_gwApiMayChangeUser(const gw_actor_t *actor, const gw_user_t *user)
{
  if (!strcmp(user->name, actor->who) || actor->role == GW_ROLE_ADMIN)
    return (true);

  return (gwRoleHas(actor->role, GW_RIGHT_USERS) && !gwRoleIsStaff(user->role));
}


/* ---- Second factor ------------------------------------------------------------------ */

/*
 * 'factor_aad()' - The sealed secret's associated data: tenant and user.
 */

static void
factor_aad(int64_t tenant, int64_t user_id, char *aad, size_t aadsize)
{
  snprintf(aad, aadsize, "totp:%lld:%lld", (long long)tenant, (long long)user_id);
}


/*
 * 'factor_load()' - A user's TOTP secret, opened; *enabled_r and
 *                   *last_step_r from the store.  false = none.
 */

static bool
factor_load(gw_system_t *sys, int64_t tenant, int64_t user_id, unsigned char secret[GW_TOTP_SECRET_LEN], bool *enabled_r, int64_t *last_step_r)
{
  unsigned char sealed[GW_STORE_FACTOR_MAX];
  char          aad[64];
  size_t        len = 0;
  bool          ok;

  factor_aad(tenant, user_id, aad, sizeof(aad));
  ok = gwStoreFactorGet(sys->store, tenant, user_id, sealed, sizeof(sealed), &len, enabled_r, last_step_r) && len == SEALED_LEN &&
       _gwOutboxOpen(sys->keys, aad, sealed, len, secret);
  gwWipe(sealed, sizeof(sealed));

  return (ok);
}


/*
 * 'session_user()' - The account of a session, when it has a console role.
 */

static bool
session_user(gw_system_t *sys, const gw_actor_t *actor, const gw_session_t *session, gw_user_t *user)
{
  return (sys && _gwApiActorValid(actor) && session && gwRoleIsStaff(session->held_role) &&
          gwStoreUserGet(sys->store, actor->tenant, session->user.id, user) && !user->disabled && gwRoleIsStaff(user->role));
}


/*
 * 'gwApiAdminFactorState()' - 0 none, 1 enrolment begun, 2 enrolled, -1 refused.
 */

int
gwApiAdminFactorState(gw_system_t *sys, const gw_actor_t *actor, const gw_session_t *session)
{
  unsigned char sealed[GW_STORE_FACTOR_MAX];
  gw_user_t     user;
  size_t        len = 0;
  bool          enabled = false;
  int64_t       last = 0;
  int           state;

  if (!session_user(sys, actor, session, &user))
    return (-1);

  state = gwStoreFactorGet(sys->store, actor->tenant, user.id, sealed, sizeof(sealed), &len, &enabled, &last) ? (enabled ? 2 : 1) : 0;
  gwWipe(sealed, sizeof(sealed));

  return (state);
}


/*
 * 'gwApiAdminEnrolBegin()' - A new secret for the session's authenticator app.
 */

bool
gwApiAdminEnrolBegin(gw_system_t *sys, const gw_actor_t *actor, const gw_session_t *session, char *secret, size_t secretsize, char *uri, size_t urisize, const char **error_r)
{
  unsigned char raw[GW_TOTP_SECRET_LEN], sealed[SEALED_LEN];
  char          aad[64];
  gw_config_t   c;
  gw_user_t     user;
  bool          ok;
  int           len;

  if (!session_user(sys, actor, session, &user) || !secret || !uri)
  {
    _gwApiError(error_r, "permission denied");
    return (false);
  }
  if (gwApiAdminFactorState(sys, actor, session) == 2)
  {
    _gwApiError(error_r, "an authenticator app is enrolled already; an administrator can reset it");
    return (false);
  }

  _gwSystemConfigCopy(sys, &c);
  factor_aad(actor->tenant, user.id, aad, sizeof(aad));
  ok = gwRandomBytes(raw, sizeof(raw)) && gwBase32Encode(raw, sizeof(raw), secret, secretsize) &&
       _gwOutboxSeal(sys->keys, aad, raw, sizeof(raw), sealed) && gwStoreFactorSet(sys->store, actor->tenant, user.id, sealed, sizeof(sealed));
  gwWipe(raw, sizeof(raw));
  gwWipe(sealed, sizeof(sealed));

  /* otpauth://totp/ISSUER:ACCOUNT?secret=...: names are [A-Za-z0-9._@-], nothing to escape but the server's name */
  len = ok ? snprintf(uri, urisize, "otpauth://totp/Printgate:%s?secret=%s&issuer=Printgate&algorithm=SHA1&digits=%d&period=%d",
                      user.name, secret, TOTP_DIGITS, GW_TOTP_STEP) : -1;
  if (len < 0 || (size_t)len >= urisize)
  {
    gwWipe(secret, secretsize);
    gwWipe(uri, urisize);
    _gwApiError(error_r, "unable to make a secret");
    return (false);
  }

  _gwApiAudit(sys, actor, "admin.enrol", user.name, NULL, NULL, 0, "begin");
  return (true);
}


/*
 * 'recovery_hmac()' - The HMAC of a recovery code as typed (case and '-'
 *                     ignored); false when it cannot be one.
 */

static bool
recovery_hmac(gw_system_t *sys, int64_t tenant, int64_t user_id, const char *code, unsigned char mac[GW_HMAC_LEN])
{
  char   norm[16], uid[32];
  size_t n = 0;
  bool   ok;

  for (const char *p = code; *p; p ++)
  {
    if (*p == '-' || *p == ' ')
      continue;
    if (n >= 10 || !isalnum((unsigned char)*p))
      return (false);
    norm[n ++] = (char)tolower((unsigned char)*p);
  }
  norm[n] = '\0';

  snprintf(uid, sizeof(uid), "%lld", (long long)user_id);
  ok = n == 10 && _gwApiWebHmac(sys, "recovery", tenant, uid, norm, mac);
  gwWipe(norm, sizeof(norm));

  return (ok);
}


/*
 * 'recovery_make()' - GW_API_RECOVERY_CODES new recovery codes, one a line
 *                     in out; the store keeps their HMACs (replacing any).
 */

static bool
recovery_make(gw_system_t *sys, int64_t tenant, int64_t user_id, char *out, size_t outsize)
{
  unsigned char raw[7], macs[GW_API_RECOVERY_CODES][GW_HMAC_LEN];
  char          b32[16], line[GW_API_RECOVERY_CODE_LEN + 2];
  bool          ok = outsize >= GW_API_RECOVERY_CODES * (GW_API_RECOVERY_CODE_LEN + 1) + 1;

  if (ok)
    out[0] = '\0';
  for (int i = 0; ok && i < GW_API_RECOVERY_CODES; i ++)
  {
    ok = gwRandomBytes(raw, sizeof(raw)) && gwBase32Encode(raw, sizeof(raw), b32, sizeof(b32));
    for (int j = 0; ok && j < 10; j ++)
      b32[j] = (char)tolower((unsigned char)b32[j]);
    snprintf(line, sizeof(line), "%.5s-%.5s", b32, b32 + 5);
    ok = ok && recovery_hmac(sys, tenant, user_id, line, macs[i]);
    if (ok)
      snprintf(out + (size_t)i * (GW_API_RECOVERY_CODE_LEN + 1), outsize - (size_t)i * (GW_API_RECOVERY_CODE_LEN + 1), "%s\n", line);
  }
  ok = ok && gwStoreRecoverySet(sys->store, tenant, user_id, (const unsigned char (*)[32])macs, GW_API_RECOVERY_CODES);

  gwWipe(raw, sizeof(raw));
  gwWipe(b32, sizeof(b32));
  gwWipe(line, sizeof(line));
  gwWipe(macs, sizeof(macs));
  if (!ok && out && outsize > 0)
    gwWipe(out, outsize);

  return (ok);
}


/*
 * 'totp_right()' - Is code the TOTP code of now's step, or the step before
 *                  or after, not used yet?  The step used is stored (so it
 *                  works once); *used_r says a right code came again.
 */

static bool
totp_right(gw_system_t *sys, int64_t tenant, int64_t user_id, const unsigned char secret[GW_TOTP_SECRET_LEN], const char *code, bool *used_r)
{
  char    expect[12];
  int64_t step = (int64_t)time(NULL) / GW_TOTP_STEP, found = 0;

  *used_r = false;
  if (strlen(code) != TOTP_DIGITS)
    return (false);

  for (int64_t d = -1; d <= 1; d ++)
  {
    if (gwTotpCode(secret, GW_TOTP_SECRET_LEN, (uint64_t)(step + d), TOTP_DIGITS, expect, sizeof(expect)) &&
        gwConstantTimeEqual(expect, code, TOTP_DIGITS))
      found = step + d;
  }
  gwWipe(expect, sizeof(expect));

  if (found && !gwStoreFactorStep(sys->store, tenant, user_id, found))
  {
    *used_r = true;
    return (false);
  }

  return (found != 0);
}


/*
 * 'code_check()' - One counted second-factor attempt: a TOTP code (or,
 *                  when enrolled, a recovery code).  *detail_r says which
 *                  worked.
 */

static bool
code_check(gw_system_t *sys, const gw_actor_t *actor, const gw_user_t *user, const char *code, bool enabled, const char **detail_r, const char **reason_r, const char **error_r)
{
  char             k_user[GW_LOCKOUT_KEY_MAX_LEN + 1], k_client[GW_LOCKOUT_KEY_MAX_LEN + 1];
  unsigned char    secret[GW_TOTP_SECRET_LEN], mac[GW_HMAC_LEN], none[GW_HMAC_LEN] = { 0 };
  gw_lockout_key_t keys[2];
  gw_config_t      c;
  int64_t          now = (int64_t)time(NULL), until = 0, last = 0;
  bool             right = false, used = false, en = false;

  _gwSystemConfigCopy(sys, &c);
  snprintf(k_user, sizeof(k_user), "totp:%s", user->name);
  snprintf(k_client, sizeof(k_client), "totp:@%.100s", actor->where ? actor->where : "");
  keys[0] = (gw_lockout_key_t){ k_user, c.pin_max_failures, 0 };
  keys[1] = (gw_lockout_key_t){ k_client, c.pin_max_failures_tenant, 0 };

  if (gwStoreCredentialAttempt(sys->store, actor->tenant, GW_CREDENTIAL_NONE, none, keys, 2, now, c.pin_lockout, &until, NULL) < 0)
    return (_gwApiReason(reason_r, "internal", error_r, "the store could not count the attempt"));
  if (until > 0)
  {
    _gwApiAudit(sys, actor, "admin.signin.locked", user->name, NULL, NULL, 0, "totp");
    return (_gwApiReason(reason_r, "locked", error_r, "too many wrong codes; the second factor is locked for a while"));
  }

  if (code && factor_load(sys, actor->tenant, user->id, secret, &en, &last) && en == enabled)
  {
    *detail_r = enabled ? "totp" : "enrol";
    right     = totp_right(sys, actor->tenant, user->id, secret, code, &used);
    if (!right && !used && enabled && recovery_hmac(sys, actor->tenant, user->id, code, mac))
    {
      *detail_r = "recovery";
      right     = gwStoreRecoveryUse(sys->store, actor->tenant, user->id, mac);
    }
  }
  gwWipe(secret, sizeof(secret));
  gwWipe(mac, sizeof(mac));

  if (right)
  {
    gwStoreLockoutRefund(sys->store, actor->tenant, keys, 2);
    return (true);
  }

  _gwApiAudit(sys, actor, "admin.signin.fail", user->name, NULL, NULL, 0,
              keys[0].failures >= keys[0].max_failures || keys[1].failures >= keys[1].max_failures ? "totp locked" : used ? "totp used" : "totp");
  return (_gwApiReason(reason_r, "wrong-code", error_r, used ? "that code was used already; wait for the next one" : "the code is wrong"));
}


/*
 * 'gwApiAdminElevate()' - Past the second factor: a new, elevated session.
 */

bool
gwApiAdminElevate(gw_system_t *sys, const gw_actor_t *actor, const char *sid, const char *code, char *recovery, size_t recoverysize, char *newsid, size_t newsidsize, gw_session_t *session, const char **reason_r, const char **error_r)
{
  unsigned char mac[GW_HMAC_LEN];
  gw_session_t  old;
  gw_user_t     user;
  gw_config_t   c;
  const char   *detail = "no second factor";
  int           state;

  if (!session || !gwApiSessionGet(sys, actor, sid, &old) || !session_user(sys, actor, &old, &user))
    return (_gwApiReason(reason_r, "denied", error_r, "sign in with the password of an administrator, help-desk or auditor account first"));

  _gwSystemConfigCopy(sys, &c);
  if ((state = gwApiAdminFactorState(sys, actor, &old)) < 0)
    return (_gwApiReason(reason_r, "internal", error_r, "the store could not read the second factor"));
  if (state == 0 && strcmp(c.admin_second_factor, "optional"))
    return (_gwApiReason(reason_r, "enrol", error_r, "set up an authenticator app first"));
  if (state == 1 && !recovery)
    return (_gwApiReason(reason_r, "enrol", error_r, "finish setting up the authenticator app first"));
  if (state > 0 && !code_check(sys, actor, &user, code, state == 2, &detail, reason_r, error_r))
    return (false);
  if (state == 1 && !recovery_make(sys, actor->tenant, user.id, recovery, recoverysize))
    return (_gwApiReason(reason_r, "internal", error_r, "unable to make the recovery codes"));
  if (state == 1)
    _gwApiAudit(sys, actor, "admin.enrol", user.name, NULL, NULL, 0, "done");

  /* A new session id for the elevated session; the password-only one ends. */
  if (!_gwApiSessionMake(sys, actor, &user, detail, true, newsid, newsidsize, session))
    return (_gwApiReason(reason_r, "internal", error_r, "unable to make a session"));
  if (_gwApiWebHmac(sys, "session", actor->tenant, sid, NULL, mac))
    gwStoreSessionDelete(sys->store, actor->tenant, mac, 0);
  gwWipe(mac, sizeof(mac));

  _gwApiAudit(sys, actor, "admin.signin", user.name, NULL, NULL, 0, detail);
  return (true);
}


/*
 * 'gwApiAdminFactorReset()' - Forget a user's second factor (settings).
 */

bool
gwApiAdminFactorReset(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char **error_r)
{
  gw_user_t user;

  if (!sys || !_gwApiMay(actor, GW_RIGHT_SETTINGS, error_r))
    return (false);
  if (!name || !gwStoreUserFind(sys->store, actor->tenant, name, &user))
  {
    _gwApiError(error_r, "no such user");
    return (false);
  }

  return (_gwApiAdminDone(sys, actor, gwStoreFactorDelete(sys->store, actor->tenant, user.id), error_r, "the user has no second factor",
                          "admin.factor.reset", user.name, NULL, ""));
}


/* ---- Users --------------------------------------------------------------------------- */

/*
 * 'gwApiUserSearch()' - A page of users by name (read).
 */

bool
gwApiUserSearch(gw_system_t *sys, const gw_actor_t *actor, const char *after, const char *query, int limit, gw_user_cb_t cb, void *data)
{
  char q[128];
  int  i;

  if (!sys || !cb || !_gwApiMay(actor, GW_RIGHT_READ, NULL))
    return (false);

  for (i = 0; query && query[i] && i < (int)sizeof(q) - 1; i ++)
    q[i] = (char)tolower((unsigned char)query[i]);
  q[i] = '\0';

  return (gwStoreUserSearch(sys->store, actor->tenant, after, q, limit, cb, data));
}


/*
 * 'gwApiUserEdit()' - Set a user's display name, role and disabled flag.
 */

bool
gwApiUserEdit(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *display_name, gw_role_t role, bool disabled, const char **error_r)
{
  gw_user_t user;
  char      detail[64];

  if (!sys || !_gwApiMay(actor, GW_RIGHT_USERS, error_r))
    return (false);
  if (!_gwApiUserChange(sys, actor, name, &user, error_r))
    return (false);
  if ((unsigned)role > GW_ROLE_LAST || (actor->role != GW_ROLE_ADMIN && gwRoleIsStaff(role)))
  {
    _gwApiError(error_r, "permission denied");
    return (false);
  }
  if (!strcmp(user.name, actor->who) && (role != user.role || disabled))
  {
    _gwApiError(error_r, "nobody changes their own role or disables themselves");
    return (false);
  }
  if (!gwStoreUserEdit(sys->store, actor->tenant, user.id, display_name ? display_name : user.display_name, role, disabled, error_r))
    return (false);

  if (role != user.role || (disabled && !user.disabled))
  {
    gwStoreSessionDelete(sys->store, actor->tenant, NULL, user.id);
    _gwApiAuthCacheDrop(actor->tenant, user.id);
  }

  snprintf(detail, sizeof(detail), "role %s%s", gwRoleString(role), disabled ? ", disabled" : "");
  _gwApiAudit(sys, actor, "user.edit", user.name, NULL, NULL, 0, detail);
  return (true);
}


/* ---- Jobs ------------------------------------------------------------------------------ */

/*
 * 'gwApiJobUnquarantine()' - A quarantined job goes to its owner's held queue.
 */

bool
gwApiJobUnquarantine(gw_system_t *sys, const gw_actor_t *actor, const char *job_id, const char **error_r)
{
  char source[64];

  if (!sys || !_gwApiMay(actor, GW_RIGHT_USERS, error_r))
    return (false);
  if (!job_id || !gwUUIDValid(job_id))
  {
    _gwApiError(error_r, "no such job");
    return (false);
  }

  _gwApiSource(actor, source, sizeof(source));
  return (gwSystemJobUnquarantine(sys, actor->tenant, job_id, actor->who, source, error_r));
}


/*
 * 'gwApiReport()' - A usage report (admin; the auditor role joins here
 *                   when it lands).  Rows go to cb with no core lock held.
 *                   Audit "report" (detail: the grouping and period).
 */

bool
gwApiReport(gw_system_t *sys, const gw_actor_t *actor, const gw_report_query_t *q, gw_report_cb_t cb, void *data, const char **error_r)
{
  char detail[128];

  if (!sys || !_gwApiMay(actor, GW_RIGHT_AUDIT, error_r))
    return (false);

  if (!q || !cb || (unsigned)q->by > GW_REPORT_BY_PERIOD || (unsigned)q->period > GW_REPORT_MONTH || q->since < 0 || q->until < 0 ||
      (q->until > 0 && q->until <= q->since))
  {
    _gwApiError(error_r, "bad report query (grouping, period, or since after until)");
    return (false);
  }

  snprintf(detail, sizeof(detail), "by=%s period=%s since=%lld until=%lld", gwReportByString(q->by), gwReportPeriodString(q->period), (long long)q->since, (long long)q->until);
  _gwApiAudit(sys, actor, "report", "", NULL, NULL, 0, detail);

  if (!gwStoreReport(sys->store, actor->tenant, q, cb, data))
  {
    _gwApiError(error_r, "store error");
    return (false);
  }

  return (true);
}
