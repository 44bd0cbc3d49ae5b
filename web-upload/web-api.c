/*
 * web-api.c - the REST API under /api/v1 (docs/api/openapi.yaml, which
 * tests/unit/test-web-openapi.c checks against the table below).
 *
 * JSON in and out; an error is {"reason": "<stable code>", "error":
 * "<sentence>"}.  Every call goes through the core API (api.h) with the
 * session's user as the actor, so scoping is the core's: another user's
 * job or device is "no such" (404 here, never 403).  Changes need the
 * session's CSRF token (web-frontend.c).  Secrets the core hands out once
 * (a PIN, a device password and token URL, a session id) are answered and
 * wiped.
 */

#include "web-private.h"

#include <printgate/config.h>
#include <printgate/outbox.h>
#include <printgate/profile.h>
#include <printgate/system.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/*
 * '_gwWebJobJson()' - A job as JSON (no key, nothing secret).
 */

json_object *
_gwWebJobJson(const gw_job_t *job)
{
  json_object *o = json_object_new_object();

  json_object_object_add(o, "id", json_object_new_string(job->id));
  json_object_object_add(o, "name", json_object_new_string(job->name));
  json_object_object_add(o, "state", json_object_new_string(gwJobStateString(job->state)));
  json_object_object_add(o, "reason", json_object_new_string(gwReasonCode(job->reason)));
  json_object_object_add(o, "reason_text", json_object_new_string(job->reason_text));
  json_object_object_add(o, "origin", json_object_new_string(job->origin));
  json_object_object_add(o, "pages", json_object_new_int(job->pages));
  json_object_object_add(o, "color_pages", json_object_new_int(job->color_pages));
  json_object_object_add(o, "copies", json_object_new_int(job->copies));
  json_object_object_add(o, "sides", json_object_new_string(job->sides));
  json_object_object_add(o, "color_mode", json_object_new_string(job->color_mode));
  json_object_object_add(o, "page_ranges", json_object_new_string(job->page_ranges));
  json_object_object_add(o, "number_up", json_object_new_int(job->number_up));
  json_object_object_add(o, "size", json_object_new_int64(job->size));
  json_object_object_add(o, "created", json_object_new_int64(job->created));
  json_object_object_add(o, "expires", json_object_new_int64(job->expires));
  json_object_object_add(o, "printer", json_object_new_string(job->printer));

  return (o);
}


/*
 * 'ok_json()' - {"ok": true} plus one string member (or none).
 */

static json_object *
ok_json(const char *name, const char *value)
{
  json_object *o = json_object_new_object();

  json_object_object_add(o, "ok", json_object_new_boolean(1));
  if (name)
    json_object_object_add(o, name, json_object_new_string(value ? value : ""));

  return (o);
}


/*
 * 'session_json()' - The signed-in user and the CSRF token.
 */

static json_object *
session_json(const gw_session_t *s)
{
  json_object *o = json_object_new_object();

  json_object_object_add(o, "user", json_object_new_string(s->user.name));
  json_object_object_add(o, "display_name", json_object_new_string(s->user.display_name));
  json_object_object_add(o, "role", json_object_new_string(gwRoleString(s->user.role)));
  json_object_object_add(o, "account_role", json_object_new_string(gwRoleString(s->held_role)));
  json_object_object_add(o, "elevated", json_object_new_boolean(s->elevated));
  json_object_object_add(o, "csrf", json_object_new_string(s->csrf));
  json_object_object_add(o, "expires", json_object_new_int64(s->expires));

  return (o);
}


/*
 * 'signin_status()' - The HTTP status of a sign-in reason code.
 */

static int
signin_status(const char *reason)
{
  if (!reason)
    return (500);
  if (!strcmp(reason, "rate-limited") || !strcmp(reason, "locked"))
    return (429);
  if (!strcmp(reason, "bad-address"))
    return (400);
  if (!strcmp(reason, "guests-off") || !strcmp(reason, "revoked") || !strcmp(reason, "disabled"))
    return (403);
  if (!strcmp(reason, "wrong-code"))
    return (401);

  return (500);
}


/*
 * 'mail_code()' - Mail a sign-in code (and link) to an address.  False
 *                 with the HTTP status, the reason code and the sentence.
 */

static bool
mail_code(web_req_t *r, const gw_actor_t *actor, const char *address, int *status_r, const char **reason_r, char *text, size_t textsize)
{
  char        prefix[512];
  const char *reason = NULL, *error = NULL;

  _gwWebLinkPrefix(r, "/signin/link?t=", prefix, sizeof(prefix));
  if (gwApiSigninCodeSend(r->web->sys, actor, address, prefix, &reason, &error))
    return (true);

  *status_r = signin_status(reason);
  *reason_r = reason ? reason : "internal";
  snprintf(text, textsize, "%s", error ? error : "The code could not be sent.");

  return (false);
}


/*
 * 'send_code()' - Mail a sign-in code (and link) to an address and answer
 *                 202, or the reason it was not sent.
 */

static void
send_code(web_req_t *r, const gw_actor_t *actor, const char *address)
{
  char        text[512];
  const char *reason = NULL;
  int         status;

  if (mail_code(r, actor, address, &status, &reason, text, sizeof(text)))
    _gwWebJson(r, 202, ok_json("sent", address));
  else
    _gwWebError(r, status, reason, text);
}


/*
 * 'api_signin_code()' - POST /api/v1/signin/code {address}: mail a code.
 */

static void
api_signin_code(web_req_t *r)
{
  gw_actor_t actor;
  char       address[256];

  if (!_gwWebField(r, "address", address, sizeof(address)))
  {
    _gwWebError(r, 400, "bad-address", "An email address is needed.");
    return;
  }

  _gwWebActor(r, &actor);
  send_code(r, &actor, address);
}


/*
 * 'signed_in()' - A sign-in worked: set the cookie and answer the session.
 */

static void
signed_in(web_req_t *r, char *sid, const gw_session_t *s)
{
  _gwWebSetCookie(r, sid, s->expires - (int64_t)time(NULL));
  gwWipe(sid, GW_API_SESSION_ID_LEN + 1);
  _gwWebJson(r, 200, session_json(s));
}


/*
 * 'api_signin_verify()' - POST /api/v1/signin/verify {address, code} or {link}.
 */

static void
api_signin_verify(web_req_t *r)
{
  gw_actor_t   actor;
  gw_session_t s;
  char         address[256], code[64], sid[GW_API_SESSION_ID_LEN + 1];
  const char  *reason = NULL, *error = NULL, *a = _gwWebField(r, "address", address, sizeof(address));

  if (!_gwWebField(r, a ? "code" : "link", code, sizeof(code)))
  {
    _gwWebError(r, 400, "wrong-code", "An address and its code, or a link token, are needed.");
    return;
  }

  _gwWebActor(r, &actor);
  if (!gwApiSigninCode(r->web->sys, &actor, a, code, sid, sizeof(sid), &s, &reason, &error))
    _gwWebError(r, signin_status(reason), reason ? reason : "internal", error ? error : "Sign-in failed.");
  else
    signed_in(r, sid, &s);
  gwWipe(code, sizeof(code));
}


/*
 * 'api_signin_password()' - POST /api/v1/signin/password {name, password} (slow: Argon2id).
 */

static void
api_signin_password(web_req_t *r)
{
  gw_actor_t   actor;
  gw_session_t s;
  char         name[128], password[300], sid[GW_API_SESSION_ID_LEN + 1];

  if (!_gwWebField(r, "name", name, sizeof(name)) || !_gwWebField(r, "password", password, sizeof(password)))
    _gwWebError(r, 400, "bad-request", "A name and a password are needed.");
  else
  {
    _gwWebActor(r, &actor);
    if (!gwApiSigninPassword(r->web->sys, &actor, name, password, sid, sizeof(sid), &s, NULL))
      _gwWebError(r, 401, "wrong-password", "The name or the password is wrong (or sign-in is locked for a while).");
    else
      signed_in(r, sid, &s);
  }
  gwWipe(password, sizeof(password));
}


/*
 * 'signout()' - End this session or all of its user's; clear the cookie.
 */

static void
signout(web_req_t *r, bool everywhere)
{
  gw_actor_t  actor;

  _gwWebActor(r, &actor);
  if (!gwApiSessionEnd(r->web->sys, &actor, r->sid, everywhere, NULL))
  {
    _gwWebError(r, 401, "signed-out", "Not signed in.");
    return;
  }

  _gwWebSetCookie(r, NULL, 0);
  _gwWebJson(r, 200, ok_json(NULL, NULL));
}

static void api_signout(web_req_t *r) { signout(r, false); }
static void api_signout_everywhere(web_req_t *r) { signout(r, true); }


/*
 * 'api_me()' - GET /api/v1/me.
 */

static void
api_me(web_req_t *r)
{
  _gwWebJson(r, 200, session_json(&r->session));
}


/*
 * 'add_job()' - Add a job to a JSON array (an iteration callback).
 */

static bool
add_job(const gw_job_t *job, void *data)
{
  json_object_array_add((json_object *)data, _gwWebJobJson(job));
  return (true);
}


/*
 * 'api_job_get()' - GET /api/v1/jobs/{id}: another user's is 404.
 */

static void
api_job_get(web_req_t *r)
{
  gw_actor_t actor;
  gw_job_t   job;

  _gwWebActor(r, &actor);
  if (!gwApiJobGet(r->web->sys, &actor, r->param[0], &job))
    _gwWebError(r, 404, "no-such-job", "No such job.");
  else
    _gwWebJson(r, 200, _gwWebJobJson(&job));
}


/*
 * 'api_job_cancel()' - DELETE /api/v1/jobs/{id}.
 */

static void
api_job_cancel(web_req_t *r)
{
  gw_actor_t  actor;
  gw_job_t    job;
  const char *error = NULL;

  _gwWebActor(r, &actor);
  if (!gwApiJobGet(r->web->sys, &actor, r->param[0], &job))
    _gwWebError(r, 404, "no-such-job", "No such job.");
  else if (!gwApiJobCancel(r->web->sys, &actor, r->param[0], &error))
    _gwWebError(r, 409, "not-cancellable", "This job cannot be cancelled now (it is printing, or already gone).");
  else
    _gwWebJson(r, 200, ok_json("id", r->param[0]));
}


/*
 * 'api_job_options()' - POST /api/v1/jobs/{id}/options {copies, sides,
 *                       color_mode, page_ranges, number_up}: the held job
 *                       as it now is.
 */

static void
api_job_options(web_req_t *r)
{
  gw_job_t job;
  char     text[512];
  int      status;

  if (_gwWebJobOptionsChange(r, r->param[0], &job, &status, text, sizeof(text)))
    _gwWebJson(r, 200, _gwWebJobJson(&job));
  else
    _gwWebError(r, status, status == 400 ? "bad-option" : status == 404 ? "no-such-job" : "not-held", text);
}


/*
 * '_gwWebReleaseText()' - Release one job (or all, job_id NULL) of the
 *                         session's user to a printer.  False with the
 *                         status (404 no such job or printer) and text.
 */

bool
_gwWebReleaseText(web_req_t *r, const char *job_id, const char *printer, char *text, size_t textsize, int *status_r)
{
  gw_actor_t          actor;
  gw_job_t            job;
  gw_printer_t        p;
  gw_release_t        rel;
  gw_release_result_t result;
  char                ranges[128], nup[16];

  _gwWebActor(r, &actor);
  *status_r = 404;
  if (job_id && !gwApiJobGet(r->web->sys, &actor, job_id, &job))
  {
    snprintf(text, textsize, "No such job.");
    return (false);
  }
  if (!printer || !gwApiPrinterFind(r->web->sys, &actor, printer, &p))
  {
    snprintf(text, textsize, "No printer \"%s\" on this gateway.", printer ? printer : "");
    return (false);
  }

  memset(&rel, 0, sizeof(rel));
  rel.user        = r->session.user.name;
  rel.printer     = p.name;
  rel.job_id      = job_id;
  rel.page_ranges = _gwWebField(r, "page_ranges", ranges, sizeof(ranges));
  rel.number_up   = _gwWebField(r, "number_up", nup, sizeof(nup)) ? (int)strtol(nup, NULL, 10) : 0;

  gwApiJobRelease(r->web->sys, &actor, &rel, &result);
  snprintf(text, textsize, "%s", result.text[0] ? result.text : result.released ? "Sent to the printer." : "Nothing was released.");
  *status_r = result.released > 0 ? 200 : result.held > 0 ? 502 : 409;

  return (result.released > 0);
}


/*
 * 'release()' - A release call: printer from the body.
 */

static void
release(web_req_t *r, const char *job_id)
{
  char         printer[128], text[600];
  int          status;
  json_object *o;

  if (!_gwWebField(r, "printer", printer, sizeof(printer)))
  {
    _gwWebError(r, 400, "no-printer", "Say which printer to release to.");
    return;
  }

  if (!_gwWebReleaseText(r, job_id, printer, text, sizeof(text), &status))
  {
    _gwWebError(r, status, status == 404 ? (strstr(text, "printer") ? "no-such-printer" : "no-such-job") : status == 502 ? "printer-unreachable" : "not-released", text);
    return;
  }

  o = ok_json("message", text);
  json_object_object_add(o, "printer", json_object_new_string(printer));
  _gwWebJson(r, 200, o);
}

static void api_job_release(web_req_t *r) { release(r, r->param[0]); }
static void api_release_all(web_req_t *r) { release(r, NULL); }


/*
 * 'add_pair()' - Add an object of two strings to a JSON array; true (an
 *                iterator callback's "go on").
 */

static bool
add_pair(json_object *array, const char *key1, const char *value1, const char *key2, const char *value2)
{
  json_object *o = json_object_new_object();

  json_object_object_add(o, key1, json_object_new_string(value1));
  json_object_object_add(o, key2, json_object_new_string(value2));
  json_object_array_add(array, o);
  return (true);
}


/*
 * 'add_printer()' - Add a printer (name and location) to a JSON array.
 */

static bool
add_printer(const gw_printer_t *p, void *data)
{
  return (add_pair((json_object *)data, "name", p->name, "location", p->location));
}


/*
 * 'api_pin()' - POST /api/v1/pin: a new release PIN, shown once.
 */

static void
api_pin(web_req_t *r)
{
  gw_actor_t  actor;
  char        pin[32];

  _gwWebActor(r, &actor);
  if (!gwApiPinNew(r->web->sys, &actor, r->session.user.name, pin, sizeof(pin), NULL))
    _gwWebError(r, 500, "internal", "A PIN could not be made; try again.");
  else
    _gwWebJson(r, 200, ok_json("pin", pin));
  gwWipe(pin, sizeof(pin));
}


/*
 * 'add_address()' - Add an address and its state to a JSON array.
 */

static bool
add_address(const gw_address_t *a, void *data)
{
  static const char * const states[] = { "pending", "verified", "revoked" };

  return (add_pair((json_object *)data, "address", a->address, "state", states[a->state <= GW_ADDRESS_REVOKED ? a->state : 0]));
}


/*
 * '_gwWebAddressAdd()' - Add an address (pending) to the session's user
 *                        and mail it a code.  False with the HTTP status,
 *                        the reason code and the sentence.
 */

bool
_gwWebAddressAdd(web_req_t *r, const char *address, int *status_r, const char **reason_r, char *text, size_t textsize)
{
  gw_actor_t actor;

  _gwWebActor(r, &actor);
  if (!address || !gwOutboxAddressValid(address))
  {
    *status_r = 400;
    *reason_r = "bad-address";
    snprintf(text, textsize, "That is not an email address this gateway can send to.");
    return (false);
  }
  if (!gwApiAddressAdd(r->web->sys, &actor, r->session.user.name, address, NULL))
  {
    *status_r = 409;
    *reason_r = "address-taken";
    snprintf(text, textsize, "That address cannot be added (it may belong to another account).");
    return (false);
  }

  return (mail_code(r, &actor, address, status_r, reason_r, text, textsize));
}


/*
 * 'api_address_add()' - POST /api/v1/addresses {address}: add it (pending)
 *                       and mail it a code.
 */

static void
api_address_add(web_req_t *r)
{
  char        address[256], text[512];
  const char *reason = NULL, *a = _gwWebField(r, "address", address, sizeof(address));
  int         status;

  if (_gwWebAddressAdd(r, a, &status, &reason, text, sizeof(text)))
    _gwWebJson(r, 202, ok_json("sent", address));
  else
    _gwWebError(r, status, reason, text);
}


/*
 * '_gwWebAddressVerify()' - The request's code (field "code") proves its
 *                           address (field "address", copied to address)
 *                           of the session user's (the sign-in it also
 *                           makes is ended at once).  False with the HTTP
 *                           status, the reason code and the sentence.
 */

bool
_gwWebAddressVerify(web_req_t *r, char *address, size_t addresssize, int *status_r, const char **reason_r, char *text, size_t textsize)
{
  gw_actor_t   actor;
  gw_address_t addr;
  gw_session_t s;
  char         sid[GW_API_SESSION_ID_LEN + 1], code[16];
  const char  *reason = NULL, *error = NULL;
  bool         ok;

  _gwWebActor(r, &actor);
  if (!_gwWebField(r, "address", address, addresssize) || !_gwWebField(r, "code", code, sizeof(code)) || !gwApiAddressFind(r->web->sys, &actor, address, &addr) || addr.user_id != r->session.user.id)
  {
    *status_r = 404;
    *reason_r = "no-such-address";
    snprintf(text, textsize, "No such address of yours.");
    return (false);
  }

  if ((ok = gwApiSigninCode(r->web->sys, &actor, address, code, sid, sizeof(sid), &s, &reason, &error)) == false)
  {
    *status_r = signin_status(reason);
    *reason_r = reason ? reason : "internal";
    snprintf(text, textsize, "%s", error ? error : "The code is wrong.");
  }
  else
    gwApiSessionEnd(r->web->sys, &actor, sid, false, NULL);
  gwWipe(sid, sizeof(sid));

  return (ok);
}


/*
 * 'api_address_verify()' - POST /api/v1/addresses/verify {address, code}.
 */

static void
api_address_verify(web_req_t *r)
{
  char        address[256], text[512];
  const char *reason = NULL;
  int         status;

  if (_gwWebAddressVerify(r, address, sizeof(address), &status, &reason, text, sizeof(text)))
    _gwWebJson(r, 200, ok_json("verified", address));
  else
    _gwWebError(r, status, reason, text);
}


/*
 * 'add_device()' - Add a device to a JSON array.
 */

static bool
add_device(const gw_device_t *d, void *data)
{
  json_object *o = json_object_new_object();

  json_object_object_add(o, "id", json_object_new_int64(d->id));
  json_object_object_add(o, "name", json_object_new_string(d->name));
  json_object_object_add(o, "created", json_object_new_int64(d->created));
  json_object_object_add(o, "last_used", json_object_new_int64(d->last_used));
  json_object_array_add((json_object *)data, o);
  return (true);
}


/*
 * 'list()' - GET of one of my lists (jobs oldest first, printers,
 *            addresses, devices with their last use) as {"KEY": [...]}.
 */

typedef enum list_e { LIST_JOBS, LIST_PRINTERS, LIST_ADDRESSES, LIST_DEVICES } list_t;

static void
list(web_req_t *r, list_t what)
{
  static const char * const keys[] = { "jobs", "printers", "addresses", "devices" };
  gw_actor_t                actor;
  const char               *me = r->session.user.name;
  json_object              *o = json_object_new_object(), *a = json_object_new_array();

  _gwWebActor(r, &actor);
  switch (what)
  {
    case LIST_JOBS :
        gwApiJobIterate(r->web->sys, &actor, me, 0, add_job, a);
        break;
    case LIST_PRINTERS :
        gwApiPrinterIterate(r->web->sys, &actor, add_printer, a);
        break;
    case LIST_ADDRESSES :
        gwApiAddressIterate(r->web->sys, &actor, me, add_address, a);
        break;
    case LIST_DEVICES :
        gwApiDeviceIterate(r->web->sys, &actor, me, add_device, a);
        break;
  }
  json_object_object_add(o, keys[what], a);
  _gwWebJson(r, 200, o);
}

static void api_jobs(web_req_t *r) { list(r, LIST_JOBS); }
static void api_printers(web_req_t *r) { list(r, LIST_PRINTERS); }
static void api_addresses(web_req_t *r) { list(r, LIST_ADDRESSES); }
static void api_devices(web_req_t *r) { list(r, LIST_DEVICES); }


/*
 * 'device_new()' - A new device of mine: its URL and password (the caller
 *                  wipes them).  False after answering.
 */

static bool
device_new(web_req_t *r, char *name, size_t namesize, char *url, size_t urlsize, char *password, size_t passwordsize, int64_t *id)
{
  gw_actor_t  actor;
  char        token[GW_API_DEVICE_TOKEN_LEN + 1];
  const char *error = NULL;
  bool        ok;

  _gwWebActor(r, &actor);
  if (!_gwWebField(r, "name", name, namesize) || !_gwWebSafeName(name))
  {
    _gwWebError(r, 400, "bad-name", "Name the device with letters, digits, '.', '_' or '-' (at most 63).");
    return (false);
  }

  ok = gwApiDeviceAdd(r->web->sys, &actor, r->session.user.name, name, token, sizeof(token), password, passwordsize, id, &error) &&
       gwApiDeviceUrl(r->web->sys, token, url, urlsize);
  gwWipe(token, sizeof(token));
  if (!ok)
    _gwWebError(r, 409, "device-exists", error ? error : "The device could not be added.");

  return (ok);
}


/*
 * 'api_device_add()' - POST /api/v1/devices {name}: token URL and password, once.
 */

static void
api_device_add(web_req_t *r)
{
  char         name[64], url[512], password[GW_API_DEVICE_PASSWORD_LEN + 1];
  int64_t      id = 0;
  json_object *o;

  if (!device_new(r, name, sizeof(name), url, sizeof(url), password, sizeof(password), &id))
    return;

  o = json_object_new_object();
  json_object_object_add(o, "id", json_object_new_int64(id));
  json_object_object_add(o, "name", json_object_new_string(name));
  json_object_object_add(o, "url", json_object_new_string(url));
  json_object_object_add(o, "password", json_object_new_string(password));
  gwWipe(url, sizeof(url));
  gwWipe(password, sizeof(password));
  _gwWebJson(r, 201, o);
}


/*
 * '_gwWebDeviceMobileconfig()' - POST /api/v1/devices/mobileconfig {name}:
 *                               a new device as an iOS/macOS profile.
 */

void
_gwWebDeviceMobileconfig(web_req_t *r)
{
  gw_actor_t  actor;
  char        name[64], url[512], password[GW_API_DEVICE_PASSWORD_LEN + 1], display[256], *profile = NULL;
  size_t      len = 0;
  int64_t     id = 0;
  const char *error = NULL;

  if (!device_new(r, name, sizeof(name), url, sizeof(url), password, sizeof(password), &id))
    return;
  gwWipe(password, sizeof(password));

  snprintf(display, sizeof(display), "Printgate for %s (%s)", r->session.user.name, name);
  if (!gwProfileMobileconfig(url, display, &profile, &len, &error))
  {
    _gwWebActor(r, &actor);
    gwApiDeviceRevoke(r->web->sys, &actor, id, NULL);
    _gwWebError(r, 500, "internal", "The profile could not be made.");
  }
  else
  {
    if (r->req)
      gwRequestAddHeader(r->req, "Content-Disposition", "attachment; filename=\"printgate.mobileconfig\"");
    _gwWebRespond(r, 200, "application/x-apple-aspen-config", profile, len);
    gwWipe(profile, len);
    free(profile);
  }
  gwWipe(url, sizeof(url));
}


/*
 * 'api_device_revoke()' - DELETE /api/v1/devices/{id}: another user's is 404.
 */

static void
api_device_revoke(web_req_t *r)
{
  gw_actor_t  actor;
  char       *end;
  long long   id = strtoll(r->param[0], &end, 10);

  _gwWebActor(r, &actor);
  if (*end || id <= 0 || !gwApiDeviceRevoke(r->web->sys, &actor, id, NULL))
    _gwWebError(r, 404, "no-such-device", "No such device.");
  else
    _gwWebJson(r, 200, ok_json("id", r->param[0]));
}


/*
 * 'api_terminal_release()' - POST /api/v1/terminal/release {pin | card, job,
 *                            for} with the terminal's key (Authorization:
 *                            Bearer); "for" names the user whose jobs a
 *                            delegate releases.
 */

static void
api_terminal_release(web_req_t *r)
{
  gw_actor_t          actor;
  gw_terminal_t       t;
  gw_release_result_t result;
  char                pin[64], card[128], job[64], owner[128];
  const char         *p = _gwWebField(r, "pin", pin, sizeof(pin)), *c = _gwWebField(r, "card", card, sizeof(card));
  json_object        *o;

  if (!p == !c)
  {
    _gwWebError(r, 400, "bad-request", "Give a PIN or a card number.");
    return;
  }

  _gwWebActor(r, &actor);
  memset(&t, 0, sizeof(t));
  if (!gwApiTerminalReleaseFor(r->web->sys, &actor, r->terminal_key, p, c, _gwWebField(r, "job", job, sizeof(job)), _gwWebField(r, "for", owner, sizeof(owner)), &t, &result) && !t.name[0])
    _gwWebError(r, 401, "terminal-key", result.text);
  else if (result.released == 0)
    _gwWebError(r, result.held ? 502 : 403, result.held ? "printer-unreachable" : "not-released", result.text);
  else
  {
    o = ok_json("message", result.text);
    json_object_object_add(o, "printer", json_object_new_string(t.printer));
    json_object_object_add(o, "released", json_object_new_int(result.released));
    json_object_object_add(o, "held", json_object_new_int(result.held));
    _gwWebJson(r, 200, o);
  }
  gwWipe(pin, sizeof(pin));
  gwWipe(card, sizeof(card));
}


/*
 * 'api_verify()' - POST /api/v1/verify {token}: a mail sender's
 *                  verification link (its quarantined jobs become held).
 */

static void
api_verify(web_req_t *r)
{
  gw_address_t addr;

  if (!_gwWebTokenConfirm(r, "token", &addr))
    _gwWebError(r, 404, "wrong-token", "The link is wrong, used or expired.");
  else
    _gwWebJson(r, 200, ok_json("verified", addr.address));
}


/*
 * The calls.  fn NULL: the upload (web-upload.c), streamed.
 */

const web_call_t _gwWebApiCalls[] =
{
  { "POST",   "/api/v1/signin/code",          WEB_AUTH_NONE,    false, api_signin_code },
  { "POST",   "/api/v1/signin/verify",        WEB_AUTH_NONE,    false, api_signin_verify },
  { "POST",   "/api/v1/signin/password",      WEB_AUTH_NONE,    true,  api_signin_password },
  { "POST",   "/api/v1/signout",              WEB_AUTH_CSRF,    false, api_signout },
  { "POST",   "/api/v1/signout/everywhere",   WEB_AUTH_CSRF,    false, api_signout_everywhere },
  { "GET",    "/api/v1/me",                   WEB_AUTH_SESSION, false, api_me },
  { "GET",    "/api/v1/jobs",                 WEB_AUTH_SESSION, false, api_jobs },
  { "POST",   "/api/v1/jobs",                 WEB_AUTH_CSRF,    false, NULL },
  { "POST",   "/api/v1/jobs/release",         WEB_AUTH_CSRF,    true,  api_release_all },
  { "GET",    "/api/v1/jobs/{id}",            WEB_AUTH_SESSION, false, api_job_get },
  { "DELETE", "/api/v1/jobs/{id}",            WEB_AUTH_CSRF,    false, api_job_cancel },
  { "POST",   "/api/v1/jobs/{id}/release",    WEB_AUTH_CSRF,    true,  api_job_release },
  { "POST",   "/api/v1/jobs/{id}/options",    WEB_AUTH_CSRF,    false, api_job_options },
  { "GET",    "/api/v1/printers",             WEB_AUTH_SESSION, false, api_printers },
  { "POST",   "/api/v1/pin",                  WEB_AUTH_CSRF,    false, api_pin },
  { "GET",    "/api/v1/addresses",            WEB_AUTH_SESSION, false, api_addresses },
  { "POST",   "/api/v1/addresses",            WEB_AUTH_CSRF,    false, api_address_add },
  { "POST",   "/api/v1/addresses/verify",     WEB_AUTH_CSRF,    false, api_address_verify },
  { "GET",    "/api/v1/devices",              WEB_AUTH_SESSION, false, api_devices },
  { "POST",   "/api/v1/devices",              WEB_AUTH_CSRF,    false, api_device_add },
  { "POST",   "/api/v1/devices/mobileconfig", WEB_AUTH_CSRF,    false, _gwWebDeviceMobileconfig },
  { "DELETE", "/api/v1/devices/{id}",         WEB_AUTH_CSRF,    false, api_device_revoke },
  { "POST",   "/api/v1/terminal/release",     WEB_AUTH_NONE,    true,  api_terminal_release },
  { "POST",   "/api/v1/verify",               WEB_AUTH_NONE,    false, api_verify }
};

const int _gwWebApiNumCalls = (int)(sizeof(_gwWebApiCalls) / sizeof(_gwWebApiCalls[0]));
