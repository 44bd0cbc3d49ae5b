/*
 * web-admin-api.c - the admin console's REST API under /api/v1/admin
 * (docs/admin.md, docs/api/openapi.yaml): the second factor (enrol,
 * elevate), users (list with search and paging, create, edit, aliases,
 * password, PIN, card, devices), addresses, quarantined jobs and
 * terminals (the audit log, reports and health: web-admin-reports.c).
 *
 * A call needs an elevated session of a console role (admin, helpdesk,
 * auditor; web-admin.c, _gwWebAdminGate()); what the role may do is the
 * core's decision (api.h, gwRoleHas()): a refusal is 403 with reason
 * "denied" and changes nothing.  The core writes the audit rows.
 */

#include "web-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/*
 * '_gwWebAdminFail()' - Answer a core refusal: 403 "denied" for
 *                       "permission denied", 404 for "no such ...", else
 *                       400 with the core's sentence.
 */

void
_gwWebAdminFail(web_req_t *r, const char *error)
{
  if (!error)
    _gwWebError(r, 500, "internal", "The gateway could not do that.");
  else if (!strcmp(error, "permission denied"))
    _gwWebError(r, 403, "denied", "Your role may not do that.");
  else if (!strncmp(error, "no such", 7))
    _gwWebError(r, 404, "not-found", error);
  else
    _gwWebError(r, 400, "refused", error);
}


/*
 * 'ok_done()' - {"ok": true}, or the core's refusal (*error, read after
 *               the call that set it: C leaves the order of arguments open).
 */

static void
ok_done(web_req_t *r, bool ok, const char * const *error)
{
  json_object *o;

  if (!ok)
  {
    _gwWebAdminFail(r, *error);
    return;
  }

  o = json_object_new_object();
  json_object_object_add(o, "ok", json_object_new_boolean(1));
  _gwWebJson(r, 200, o);
}


/*
 * '_gwWebUserJson()' - A user as JSON.
 */

json_object *
_gwWebUserJson(const gw_user_t *u)
{
  json_object *o = json_object_new_object();

  json_object_object_add(o, "name", json_object_new_string(u->name));
  json_object_object_add(o, "display_name", json_object_new_string(u->display_name));
  json_object_object_add(o, "role", json_object_new_string(gwRoleString(u->role)));
  json_object_object_add(o, "disabled", json_object_new_boolean(u->disabled));
  json_object_object_add(o, "created", json_object_new_int64(u->created));

  return (o);
}


/*
 * 'add_user()', 'add_address()', 'add_device()', 'add_job()',
 * 'add_terminal()' - Iteration callbacks that add to a JSON array.
 */

static bool
add_user(const gw_user_t *u, void *data)
{
  json_object_array_add((json_object *)data, _gwWebUserJson(u));
  return (true);
}

static bool
add_address(const gw_address_t *a, void *data)
{
  static const char * const states[] = { "pending", "verified", "revoked" };
  json_object              *o = json_object_new_object();

  json_object_object_add(o, "address", json_object_new_string(a->address));
  json_object_object_add(o, "user", json_object_new_string(a->user_name));
  json_object_object_add(o, "state", json_object_new_string(states[a->state <= GW_ADDRESS_REVOKED ? a->state : 0]));
  json_object_object_add(o, "verified_by", json_object_new_string(a->verified_by));
  json_object_object_add(o, "verified_at", json_object_new_int64(a->verified_at));
  json_object_array_add((json_object *)data, o);
  return (true);
}

static bool
add_device(const gw_device_t *d, void *data)
{
  json_object *o = json_object_new_object();

  json_object_object_add(o, "id", json_object_new_int64(d->id));
  json_object_object_add(o, "name", json_object_new_string(d->name));
  json_object_object_add(o, "user", json_object_new_string(d->user_name));
  json_object_object_add(o, "created", json_object_new_int64(d->created));
  json_object_object_add(o, "last_used", json_object_new_int64(d->last_used));
  json_object_array_add((json_object *)data, o);
  return (true);
}

static bool
add_job(const gw_job_t *job, void *data)
{
  json_object *o = _gwWebJobJson(job);

  json_object_object_add(o, "owner", json_object_new_string(job->owner));
  json_object_array_add((json_object *)data, o);
  return (true);
}

static bool
add_terminal(const gw_terminal_t *t, void *data)
{
  json_object *o = json_object_new_object();

  json_object_object_add(o, "name", json_object_new_string(t->name));
  json_object_object_add(o, "printer", json_object_new_string(t->printer));
  json_object_object_add(o, "last_used", json_object_new_int64(t->last_used));
  json_object_array_add((json_object *)data, o);
  return (true);
}


/*
 * 'list_done()' - {"NAME": [...]} when the listing ran, else 403 (the
 *                 core refused the actor's role).
 */

static void
list_done(web_req_t *r, bool ok, const char *name, json_object *list)
{
  json_object *o;

  if (!ok)
  {
    json_object_put(list);
    _gwWebAdminFail(r, "permission denied");
    return;
  }

  o = json_object_new_object();
  json_object_object_add(o, name, list);
  _gwWebJson(r, 200, o);
}


/*
 * 'gate()' - The actor of an elevated console session; false = answered.
 */

static bool
gate(web_req_t *r, gw_actor_t *actor)
{
  if (!_gwWebAdminGate(r))
    return (false);

  _gwWebActor(r, actor);
  return (true);
}


/*
 * 'api_enrol()' - POST /api/v1/admin/enrol: a new authenticator secret.
 */

static void
api_enrol(web_req_t *r)
{
  gw_actor_t   actor;
  char         secret[64], uri[512];
  const char  *error = NULL;
  json_object *o;

  _gwWebActor(r, &actor);
  if (!gwApiAdminEnrolBegin(r->web->sys, &actor, &r->session, secret, sizeof(secret), uri, sizeof(uri), &error))
  {
    _gwWebError(r, 403, "denied", error ? error : "Not a console account.");
    return;
  }

  o = json_object_new_object();
  json_object_object_add(o, "secret", json_object_new_string(secret));
  json_object_object_add(o, "uri", json_object_new_string(uri));
  gwWipe(secret, sizeof(secret));
  gwWipe(uri, sizeof(uri));
  _gwWebJson(r, 200, o);
}


/*
 * 'api_elevate()' - POST /api/v1/admin/elevate {code}: past the second
 *                   factor; a new session cookie (and, ending an
 *                   enrolment, the recovery codes, once).
 */

static void
api_elevate(web_req_t *r)
{
  gw_actor_t   actor;
  gw_session_t s;
  char         code[64], recovery[256], sid[GW_API_SESSION_ID_LEN + 1];
  const char  *reason = NULL, *error = NULL;
  json_object *o, *codes;
  int          status;

  _gwWebActor(r, &actor);
  recovery[0] = '\0';
  if (!gwApiAdminElevate(r->web->sys, &actor, r->sid, _gwWebField(r, "code", code, sizeof(code)), recovery, sizeof(recovery), sid, sizeof(sid), &s, &reason, &error))
  {
    status = !reason ? 500 : !strcmp(reason, "locked") ? 429 : !strcmp(reason, "wrong-code") ? 401 : !strcmp(reason, "internal") ? 500 : 403;
    _gwWebError(r, status, reason ? reason : "internal", error ? error : "The second factor was refused.");
    gwWipe(code, sizeof(code));
    return;
  }
  gwWipe(code, sizeof(code));

  _gwWebSetCookie(r, sid, s.expires - (int64_t)time(NULL));
  gwWipe(sid, sizeof(sid));
  o = json_object_new_object();
  json_object_object_add(o, "user", json_object_new_string(s.user.name));
  json_object_object_add(o, "role", json_object_new_string(gwRoleString(s.user.role)));
  json_object_object_add(o, "csrf", json_object_new_string(s.csrf));
  if (recovery[0])
  {
    codes = json_object_new_array();
    for (char *line = recovery, *nl; *line && (nl = strchr(line, '\n')) != NULL; line = nl + 1)
      json_object_array_add(codes, json_object_new_string_len(line, (int)(nl - line)));
    json_object_object_add(o, "recovery_codes", codes);
  }
  gwWipe(recovery, sizeof(recovery));
  _gwWebJson(r, 200, o);
}


/*
 * 'api_users()' - GET /api/v1/admin/users?q=&after=&limit=: a page by name.
 */

static void
api_users(web_req_t *r)
{
  gw_actor_t   actor;
  const char  *q = gwRequestQuery(r->req, "q"), *after = gwRequestQuery(r->req, "after"), *l = gwRequestQuery(r->req, "limit");
  long         limit = l ? strtol(l, NULL, 10) : 50;
  json_object *list = json_object_new_array();

  if (!gate(r, &actor))
  {
    json_object_put(list);
    return;
  }
  if (limit < 1 || limit > 500)
    limit = 50;

  list_done(r, gwApiUserSearch(r->web->sys, &actor, after, q, (int)limit, add_user, list), "users", list);
}


/*
 * 'api_user_add()' - POST /api/v1/admin/users {name, display_name, role, email}.
 */

static void
api_user_add(web_req_t *r)
{
  gw_actor_t  actor;
  gw_role_t   role = GW_ROLE_USER;
  char        name[128], display[160], rs[32], email[256];
  const char *error = NULL;
  bool        ok;

  if (!gate(r, &actor))
    return;
  if (!_gwWebField(r, "name", name, sizeof(name)) || (_gwWebField(r, "role", rs, sizeof(rs)) && !gwRoleParse(rs, &role)))
  {
    _gwWebError(r, 400, "bad-request", "A name (and a role: user, guest, helpdesk, auditor or admin) is needed.");
    return;
  }

  ok = gwApiUserAdd(r->web->sys, &actor, name, _gwWebField(r, "display_name", display, sizeof(display)), role, NULL, &error) &&
       (!_gwWebField(r, "email", email, sizeof(email)) || gwApiAddressAdd(r->web->sys, &actor, name, email, &error));
  ok_done(r, ok, &error);
}


/*
 * 'api_user()' - GET /api/v1/admin/users/{name}: the user, its addresses and devices.
 */

static void
api_user(web_req_t *r)
{
  gw_actor_t   actor;
  gw_user_t    u;
  json_object *o, *addrs, *devices;

  if (!gate(r, &actor))
    return;
  if (!gwApiUserFind(r->web->sys, &actor, r->param[0], &u))
  {
    _gwWebAdminFail(r, "no such user");
    return;
  }

  o       = _gwWebUserJson(&u);
  addrs   = json_object_new_array();
  devices = json_object_new_array();
  gwApiAddressIterate(r->web->sys, &actor, u.name, add_address, addrs);
  gwApiDeviceIterate(r->web->sys, &actor, u.name, add_device, devices);
  json_object_object_add(o, "addresses", addrs);
  json_object_object_add(o, "devices", devices);
  _gwWebJson(r, 200, o);
}


/*
 * '_gwWebAdminUserEdit()' - Edit a user from the body's display_name, role
 *                           and disabled (missing: unchanged).
 */

bool
_gwWebAdminUserEdit(web_req_t *r, const gw_actor_t *actor, const char *name, const char **error_r)
{
  gw_user_t u;
  gw_role_t role;
  char      display[160], rs[32], dis[16];

  if (!gwApiUserFind(r->web->sys, actor, name, &u))
  {
    *error_r = "no such user";
    return (false);
  }

  role = u.role;
  if (_gwWebField(r, "role", rs, sizeof(rs)) && !gwRoleParse(rs, &role))
  {
    *error_r = "the role is user, guest, helpdesk, auditor or admin";
    return (false);
  }
  if (_gwWebField(r, "disabled", dis, sizeof(dis)))
    u.disabled = !strcmp(dis, "true") || !strcmp(dis, "on") || !strcmp(dis, "1");
  else if (!r->json)
    u.disabled = false;    /* An unticked checkbox sends nothing */

  return (gwApiUserEdit(r->web->sys, actor, u.name, _gwWebField(r, "display_name", display, sizeof(display)), role, u.disabled, error_r));
}


/*
 * 'api_user_edit()' - POST /api/v1/admin/users/{name} {display_name, role, disabled}.
 */

static void
api_user_edit(web_req_t *r)
{
  gw_actor_t  actor;
  const char *error = NULL;

  if (gate(r, &actor))
    ok_done(r, _gwWebAdminUserEdit(r, &actor, r->param[0], &error), &error);
}


/*
 * 'api_alias_add()' - POST /api/v1/admin/users/{name}/aliases {alias}.
 */

static void
api_alias_add(web_req_t *r)
{
  gw_actor_t  actor;
  char        alias[128];
  const char *error = "an alias is needed";

  if (gate(r, &actor))
    ok_done(r, _gwWebField(r, "alias", alias, sizeof(alias)) && gwApiAliasAdd(r->web->sys, &actor, r->param[0], alias, &error), &error);
}


/*
 * 'secret_done()' - {"NAME": secret} (then wiped), or the refusal.
 */

static void
secret_done(web_req_t *r, bool ok, const char * const *error, const char *name, char *secret, size_t secretsize)
{
  json_object *o;

  if (!ok)
  {
    gwWipe(secret, secretsize);
    _gwWebAdminFail(r, *error);
    return;
  }

  o = json_object_new_object();
  json_object_object_add(o, "ok", json_object_new_boolean(1));
  if (secret[0])
    json_object_object_add(o, name, json_object_new_string(secret));
  gwWipe(secret, secretsize);
  _gwWebJson(r, 200, o);
}


/*
 * 'api_password()' - POST /api/v1/admin/users/{name}/password {password?}:
 *                    set it, or make a one-time one (answered once).
 */

static void
api_password(web_req_t *r)
{
  gw_actor_t  actor;
  char        password[300], generated[64];
  const char *error = NULL, *p;
  bool        ok;

  if (!gate(r, &actor))
    return;

  generated[0] = '\0';
  p  = _gwWebField(r, "password", password, sizeof(password));
  ok = gwApiUserSetPassword(r->web->sys, &actor, r->param[0], p, generated, sizeof(generated), &error);
  gwWipe(password, sizeof(password));
  secret_done(r, ok, &error, "password", generated, sizeof(generated));
}


/*
 * 'api_pin()' - POST /api/v1/admin/users/{name}/pin: a new release PIN (answered once).
 */

static void
api_pin(web_req_t *r)
{
  gw_actor_t  actor;
  char        pin[32];
  const char *error = NULL;

  pin[0] = '\0';
  if (gate(r, &actor))
    secret_done(r, gwApiPinNew(r->web->sys, &actor, r->param[0], pin, sizeof(pin), &error), &error, "pin", pin, sizeof(pin));
}


/*
 * 'api_card()' - POST /api/v1/admin/users/{name}/card {card}.
 */

static void
api_card(web_req_t *r)
{
  gw_actor_t  actor;
  char        card[128];
  const char *error = "a card number is needed";
  bool        ok;

  if (!gate(r, &actor))
    return;

  ok = _gwWebField(r, "card", card, sizeof(card)) && gwApiCardSet(r->web->sys, &actor, r->param[0], card, &error);
  gwWipe(card, sizeof(card));
  ok_done(r, ok, &error);
}


/*
 * 'api_devices()' - GET /api/v1/admin/users/{name}/devices.
 */

static void
api_devices(web_req_t *r)
{
  gw_actor_t   actor;
  json_object *list = json_object_new_array();

  if (!gate(r, &actor))
  {
    json_object_put(list);
    return;
  }

  list_done(r, gwApiDeviceIterate(r->web->sys, &actor, r->param[0], add_device, list), "devices", list);
}


/*
 * 'api_device_revoke()' - DELETE /api/v1/admin/devices/{id}.
 */

static void
api_device_revoke(web_req_t *r)
{
  gw_actor_t  actor;
  const char *error = NULL;

  if (gate(r, &actor))
    ok_done(r, gwApiDeviceRevoke(r->web->sys, &actor, strtoll(r->param[0], NULL, 10), &error), &error);
}


/*
 * 'address_filter_t', 'add_address_in()' - Addresses in one state.
 */

typedef struct address_filter_s
{
  json_object *list;
  int          state;           /* -1 = all */
} address_filter_t;

static bool
add_address_in(const gw_address_t *a, void *data)
{
  address_filter_t *f = (address_filter_t *)data;

  return ((f->state >= 0 && (int)a->state != f->state) || add_address(a, f->list));
}


/*
 * '_gwWebAdminAddressState()' - An address state from "approve", "reject",
 *                               "revoke", "pending", "verified", "revoked"; -1 = none.
 */

int
_gwWebAdminAddressState(const char *s)
{
  if (!s)
    return (-1);
  if (!strcmp(s, "approve") || !strcmp(s, "verified"))
    return (GW_ADDRESS_VERIFIED);
  if (!strcmp(s, "reject") || !strcmp(s, "revoke") || !strcmp(s, "revoked"))
    return (GW_ADDRESS_REVOKED);
  if (!strcmp(s, "pending"))
    return (GW_ADDRESS_PENDING);

  return (-1);
}


/*
 * 'api_addresses()' - GET /api/v1/admin/addresses?state=: every address (or one state's).
 */

static void
api_addresses(web_req_t *r)
{
  gw_actor_t       actor;
  const char      *state = gwRequestQuery(r->req, "state");
  address_filter_t f = { json_object_new_array(), _gwWebAdminAddressState(state) };

  if (!gate(r, &actor))
  {
    json_object_put(f.list);
    return;
  }

  list_done(r, gwApiAddressIterate(r->web->sys, &actor, NULL, add_address_in, &f), "addresses", f.list);
}


/*
 * 'api_address_state()' - POST /api/v1/admin/addresses/state {address, state}:
 *                         approve (verified), reject or revoke (revoked), pending.
 */

static void
api_address_state(web_req_t *r)
{
  gw_actor_t  actor;
  char        address[256], state[32];
  const char *error = "an address and a state (approve, reject, revoke, pending) are needed";
  int         s;

  if (!gate(r, &actor))
    return;

  s = _gwWebAdminAddressState(_gwWebField(r, "state", state, sizeof(state)));
  ok_done(r, s >= 0 && _gwWebField(r, "address", address, sizeof(address)) &&
             gwApiAddressSetState(r->web->sys, &actor, address, (gw_address_state_t)s, &error), &error);
}


/*
 * 'api_jobs()' - GET /api/v1/admin/jobs?state=: every user's jobs (quarantined by default).
 */

static void
api_jobs(web_req_t *r)
{
  gw_actor_t     actor;
  const char    *state = gwRequestQuery(r->req, "state");
  gw_job_state_t st = GW_JOB_STATE_QUARANTINED;
  json_object   *list = json_object_new_array();

  if (!gate(r, &actor))
  {
    json_object_put(list);
    return;
  }
  if (state && !gwJobStateParse(state, &st))
  {
    json_object_put(list);
    _gwWebError(r, 400, "bad-state", "No such job state.");
    return;
  }

  list_done(r, gwApiJobIterate(r->web->sys, &actor, NULL, 1u << st, add_job, list), "jobs", list);
}


/*
 * 'api_job_release()' - POST /api/v1/admin/jobs/{id}/release: a quarantined job goes to its owner.
 */

static void
api_job_release(web_req_t *r)
{
  gw_actor_t  actor;
  const char *error = NULL;

  if (gate(r, &actor))
    ok_done(r, gwApiJobUnquarantine(r->web->sys, &actor, r->param[0], &error), &error);
}


/*
 * 'api_job_delete()' - DELETE /api/v1/admin/jobs/{id}: cancel (shred) a job.
 */

static void
api_job_delete(web_req_t *r)
{
  gw_actor_t  actor;
  const char *error = NULL;

  if (gate(r, &actor))
    ok_done(r, gwApiJobCancel(r->web->sys, &actor, r->param[0], &error), &error);
}


/*
 * 'api_terminals()' - GET /api/v1/admin/terminals (settings: admin).
 */

static void
api_terminals(web_req_t *r)
{
  gw_actor_t   actor;
  json_object *list = json_object_new_array();

  if (!gate(r, &actor))
  {
    json_object_put(list);
    return;
  }

  list_done(r, gwApiTerminalIterate(r->web->sys, &actor, add_terminal, list), "terminals", list);
}


/*
 * 'api_factor_reset()' - POST /api/v1/admin/factor/reset {user} (settings: admin).
 */

static void
api_factor_reset(web_req_t *r)
{
  gw_actor_t  actor;
  char        user[128];
  const char *error = "a user is needed";

  if (gate(r, &actor))
    ok_done(r, _gwWebField(r, "user", user, sizeof(user)) && gwApiAdminFactorReset(r->web->sys, &actor, user, &error), &error);
}


const web_call_t _gwWebAdminApiCalls[] =
{
  { "POST",   "/api/v1/admin/enrol",                   WEB_AUTH_CSRF,    false, api_enrol },
  { "POST",   "/api/v1/admin/elevate",                 WEB_AUTH_CSRF,    false, api_elevate },
  { "GET",    "/api/v1/admin/users",                   WEB_AUTH_SESSION, false, api_users },
  { "POST",   "/api/v1/admin/users",                   WEB_AUTH_CSRF,    false, api_user_add },
  { "GET",    "/api/v1/admin/users/{name}",            WEB_AUTH_SESSION, false, api_user },
  { "POST",   "/api/v1/admin/users/{name}",            WEB_AUTH_CSRF,    false, api_user_edit },
  { "POST",   "/api/v1/admin/users/{name}/aliases",    WEB_AUTH_CSRF,    false, api_alias_add },
  { "POST",   "/api/v1/admin/users/{name}/password",   WEB_AUTH_CSRF,    true,  api_password },
  { "POST",   "/api/v1/admin/users/{name}/pin",        WEB_AUTH_CSRF,    false, api_pin },
  { "POST",   "/api/v1/admin/users/{name}/card",       WEB_AUTH_CSRF,    false, api_card },
  { "GET",    "/api/v1/admin/users/{name}/devices",    WEB_AUTH_SESSION, false, api_devices },
  { "GET",    "/api/v1/admin/users/{name}/export",     WEB_AUTH_SESSION, true,  _gwWebAdminUserExport },
  { "POST",   "/api/v1/admin/users/{name}/restrict",   WEB_AUTH_CSRF,    false, _gwWebAdminUserRestrict },
  { "POST",   "/api/v1/admin/users/{name}/erase",      WEB_AUTH_CSRF,    true,  _gwWebAdminUserErase },
  { "DELETE", "/api/v1/admin/devices/{id}",            WEB_AUTH_CSRF,    false, api_device_revoke },
  { "GET",    "/api/v1/admin/addresses",               WEB_AUTH_SESSION, false, api_addresses },
  { "POST",   "/api/v1/admin/addresses/state",         WEB_AUTH_CSRF,    false, api_address_state },
  { "GET",    "/api/v1/admin/jobs",                    WEB_AUTH_SESSION, false, api_jobs },
  { "POST",   "/api/v1/admin/jobs/{id}/release",       WEB_AUTH_CSRF,    false, api_job_release },
  { "DELETE", "/api/v1/admin/jobs/{id}",               WEB_AUTH_CSRF,    false, api_job_delete },
  { "GET",    "/api/v1/admin/audit",                   WEB_AUTH_SESSION, false, _gwWebAdminAuditApi },
  { "GET",    "/api/v1/admin/audit.csv",               WEB_AUTH_SESSION, false, _gwWebAdminAuditCsv },
  { "GET",    "/api/v1/admin/reports",                 WEB_AUTH_SESSION, false, _gwWebAdminReportApi },
  { "GET",    "/api/v1/admin/reports.csv",             WEB_AUTH_SESSION, false, _gwWebAdminReportCsv },
  { "GET",    "/api/v1/admin/reports.svg",             WEB_AUTH_SESSION, false, _gwWebAdminReportSvg },
  { "GET",    "/api/v1/admin/health",                  WEB_AUTH_SESSION, false, _gwWebAdminHealthApi },
  { "GET",    "/api/v1/admin/terminals",               WEB_AUTH_SESSION, false, api_terminals },
  { "POST",   "/api/v1/admin/factor/reset",            WEB_AUTH_CSRF,    false, api_factor_reset },
  { "GET",    "/api/v1/admin/printers",                WEB_AUTH_SESSION, false, _gwWebAdminPrintersGet },
  { "POST",   "/api/v1/admin/printers",                WEB_AUTH_CSRF,    true,  _gwWebAdminPrinterAdd },
  { "DELETE", "/api/v1/admin/printers/{name}",         WEB_AUTH_CSRF,    false, _gwWebAdminPrinterDelete },
  { "POST",   "/api/v1/admin/printers/{name}/tags",    WEB_AUTH_CSRF,    false, _gwWebAdminPrinterTags },
  { "POST",   "/api/v1/admin/printers/{name}/check",   WEB_AUTH_CSRF,    true,  _gwWebAdminPrinterCheck },
  { "POST",   "/api/v1/admin/printers/{name}/test-page", WEB_AUTH_CSRF,  true,  _gwWebAdminPrinterTestPage },
  { "POST",   "/api/v1/admin/printers/{name}/edit",    WEB_AUTH_CSRF,    true,  _gwWebAdminPrinterEdit },
  { "POST",   "/api/v1/admin/terminals",               WEB_AUTH_CSRF,    false, _gwWebAdminTerminalAdd },
  { "DELETE", "/api/v1/admin/terminals/{name}",        WEB_AUTH_CSRF,    false, _gwWebAdminTerminalRevoke },
  { "GET",    "/api/v1/admin/rules",                   WEB_AUTH_SESSION, false, _gwWebAdminRulesGet },
  { "POST",   "/api/v1/admin/rules",                   WEB_AUTH_CSRF,    false, _gwWebAdminRuleAdd },
  { "POST",   "/api/v1/admin/rules/dry-run",           WEB_AUTH_CSRF,    false, _gwWebAdminRuleDryRun },
  { "DELETE", "/api/v1/admin/rules/{name}",            WEB_AUTH_CSRF,    false, _gwWebAdminRuleRemove },
  { "GET",    "/api/v1/admin/mail-sources",            WEB_AUTH_SESSION, false, _gwWebAdminMailGet },
  { "POST",   "/api/v1/admin/mail-sources",            WEB_AUTH_CSRF,    true,  _gwWebAdminMailAdd },
  { "POST",   "/api/v1/admin/mail-sources/{name}",     WEB_AUTH_CSRF,    true,  _gwWebAdminMailEdit },
  { "DELETE", "/api/v1/admin/mail-sources/{name}",     WEB_AUTH_CSRF,    true,  _gwWebAdminMailRemove },
  { "POST",   "/api/v1/admin/mail-sources/{name}/test", WEB_AUTH_CSRF,   true,  _gwWebAdminMailTest },
  { "POST",   "/api/v1/admin/mail-sources/{name}/oauth", WEB_AUTH_CSRF,  true,  _gwWebAdminMailOAuth },
  { "GET",    "/api/v1/admin/mail-sources/{name}/oauth", WEB_AUTH_SESSION, true, _gwWebAdminMailOAuth }
};

const int _gwWebAdminApiNumCalls = (int)(sizeof(_gwWebAdminApiCalls) / sizeof(_gwWebAdminApiCalls[0]));
