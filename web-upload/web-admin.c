/*
 * web-admin.c - the admin console's pages under /admin (docs/admin.md):
 * sign-in with a password and the second factor (enrolment with the
 * otpauth:// URI and its QR code, then a code or a recovery code), the
 * dashboard with navigation by role, users (search and paging, create,
 * edit, aliases, password, PIN, card, devices), addresses awaiting
 * verification, quarantined jobs and settings (the audit log, reports
 * and health: web-admin-reports.c).
 *
 * Server-rendered and working without JavaScript, with the portal's
 * conventions (web-pages.c): no inline script or style, every user string
 * HTML-escaped, every change a POST form with the CSRF token.  What a role
 * may do is decided by the core (api.h): a page only hides the links a
 * role cannot use, and a refused change is a 403 page with nothing done.
 */

#include "web-private.h"

#include <printgate/config.h>
#include <printgate/profile.h>
#include <printgate/system.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define USERS_PAGE 50   /* Users a page */


/*
 * '_gwWebAdminGate()' - An elevated session of a console role; else
 *                       answer (401, 403, or back to /admin for the second
 *                       factor) and return false.
 */

bool
_gwWebAdminGate(web_req_t *r)
{
  if (!r->signed_in)
  {
    if (r->api)
      _gwWebError(r, 401, "signed-out", "Sign in first.");
    else
      _gwWebRedirect(r, "/admin");
    return (false);
  }
  if (!gwRoleIsStaff(r->session.held_role))
  {
    _gwWebError(r, 403, "not-admin", "This part is for administrators, the help desk and auditors.");
    return (false);
  }
  if (!r->session.elevated)
  {
    if (r->api)
      _gwWebError(r, 403, "second-factor", "Confirm the sign-in with the second factor first (POST /api/v1/admin/elevate).");
    else
      _gwWebRedirect(r, "/admin");
    return (false);
  }

  return (true);
}


/*
 * 'page_begin()' - An admin page's head and the console's navigation (by role).
 */

static void
page_begin(web_buf_t *b, web_req_t *r, const char *title)
{
  gw_role_t role = r->session.user.role;

  _gwWebPageBegin(b, r, title);
  if (!r->session.elevated)
    return;

  _gwWebBufAdd(b, "<nav class=\"admin-nav\" id=\"admin-nav\" aria-label=\"Console\"><a href=\"/admin\" id=\"nav-admin\">Dashboard</a> "
                  "<a href=\"/admin/users\" id=\"nav-users\">Users</a> <a href=\"/admin/addresses\" id=\"nav-addresses\">Addresses</a> "
                  "<a href=\"/admin/jobs\" id=\"nav-quarantine\">Quarantine</a>");
  if (gwRoleHas(role, GW_RIGHT_AUDIT))
    _gwWebBufAdd(b, " <a href=\"/admin/audit\" id=\"nav-audit\">Audit log</a> <a href=\"/admin/reports\" id=\"nav-reports\">Reports</a>"
                    " <a href=\"/admin/health\" id=\"nav-health\">Health</a>");
  if (gwRoleHas(role, GW_RIGHT_SETTINGS))
    _gwWebBufAdd(b, " <a href=\"/admin/settings\" id=\"nav-settings\">Settings</a>");
  _gwWebBufAdd(b, " <a href=\"/admin/printers\" id=\"nav-printers\">Printers</a>");
  _gwWebBufAdd(b, " <a href=\"/admin/mail-sources\" id=\"nav-mail-sources\">Mail sources</a>");
  if (gwRoleHas(role, GW_RIGHT_AUDIT))
    _gwWebBufAdd(b, " <a href=\"/admin/rules\" id=\"nav-rules\">Rules</a>");
  if (gwRoleHas(role, GW_RIGHT_SETTINGS))
    _gwWebBufAdd(b, " <a href=\"/admin/terminals\" id=\"nav-terminals\">Terminals</a>");
  _gwWebBufAdd(b, "</nav><p class=\"role\" id=\"role\">Signed in as <strong>");
  _gwWebBufAddHtml(b, r->session.user.name);
  _gwWebBufAddf(b, "</strong> (%s)</p>\n", gwRoleString(role));
}


/*
 * '_gwWebAdminPageBegin()' - page_begin() for the console's other files.
 */

void
_gwWebAdminPageBegin(web_buf_t *b, web_req_t *r, const char *title)
{
  page_begin(b, r, title);
}


/*
 * 'page_fail()' - A page for a refusal of the core (403 for a role that may not).
 */

static void
page_fail(web_req_t *r, const char *error)
{
  _gwWebAdminFail(r, error);
}


/*
 * 'post_form()' - The start of a POST form with its CSRF field.
 */

static void
post_form(web_buf_t *b, web_req_t *r, const char *action, const char *id)
{
  _gwWebBufAdd(b, "<form method=\"post\" action=\"");
  _gwWebBufAddHtml(b, action);
  _gwWebBufAdd(b, "\" id=\"");
  _gwWebBufAddHtml(b, id);
  _gwWebBufAdd(b, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
  _gwWebBufAddHtml(b, r->session.csrf);
  _gwWebBufAdd(b, "\">");
}


/*
 * '_gwWebAdminPostForm()' - post_form() for the console's other files.
 */

void
_gwWebAdminPostForm(web_buf_t *b, web_req_t *r, const char *action, const char *id)
{
  post_form(b, r, action, id);
}


/*
 * 'signin_form()' - The console's password form.
 */

static void
signin_form(web_req_t *r, int status, const char *sentence)
{
  web_buf_t b = { 0 };

  _gwWebPageBegin(&b, r, "Admin sign-in");
  if (sentence)
  {
    _gwWebBufAdd(&b, "<p class=\"error\" id=\"error\" role=\"alert\">");
    _gwWebBufAddHtml(&b, sentence);
    _gwWebBufAdd(&b, "</p>");
  }
  _gwWebBufAdd(&b, "<form method=\"post\" action=\"/admin/signin\" id=\"admin-signin\">"
                   "<label for=\"name\">Name</label><input id=\"name\" name=\"name\" autocomplete=\"username\" required autofocus>"
                   "<label for=\"password\">Password</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>"
                   "<button type=\"submit\">Next</button></form>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, status, &b);
}


/*
 * 'factor_form()' - The second step: a code (or recovery code), the
 *                   enrolment button, or (AdminSecondFactor optional and
 *                   nothing enrolled) a button to go on.
 */

static void
factor_form(web_req_t *r, int status, const char *sentence)
{
  gw_actor_t actor;
  web_buf_t  b = { 0 };
  int        state;
  bool       optional = !strcmp(gwSystemGetConfig(r->web->sys)->admin_second_factor, "optional");

  _gwWebActor(r, &actor);
  state = gwApiAdminFactorState(r->web->sys, &actor, &r->session);
  _gwWebPageBegin(&b, r, "Second factor");
  if (sentence)
  {
    _gwWebBufAdd(&b, "<p class=\"error\" id=\"error\" role=\"alert\">");
    _gwWebBufAddHtml(&b, sentence);
    _gwWebBufAdd(&b, "</p>");
  }
  if (state == 2)
  {
    post_form(&b, r, "/admin/elevate", "admin-code");
    _gwWebBufAdd(&b, "<label for=\"code\">The 6-digit code of your authenticator app, or a recovery code</label>"
                     "<input id=\"code\" name=\"code\" autocomplete=\"one-time-code\" required autofocus maxlength=\"16\">"
                     "<button type=\"submit\">Sign in</button></form>");
  }
  else
  {
    _gwWebBufAdd(&b, "<p>The console needs a second factor: an authenticator app (TOTP) on your phone.</p>");
    post_form(&b, r, "/admin/enrol", "admin-enrol");
    _gwWebBufAdd(&b, "<button type=\"submit\">Set up an authenticator app</button></form>");
    if (state == 0 && optional)
    {
      post_form(&b, r, "/admin/elevate", "admin-continue");
      _gwWebBufAdd(&b, "<button type=\"submit\">Continue without one</button></form>");
    }
  }
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, status, &b);
}


typedef struct count_s          /* Counts for the dashboard */
{
  int n;
  int state;                    /* Addresses: the state counted */
} count_t;

static bool count_job(const gw_job_t *job, void *data) { (void)job; ((count_t *)data)->n ++; return (true); }
static bool count_address(const gw_address_t *a, void *data) { count_t *c = (count_t *)data; c->n += (int)a->state == c->state; return (true); }


/*
 * 'page_admin()' - GET /admin: sign-in, the second factor, or the dashboard.
 */

static void
page_admin(web_req_t *r)
{
  gw_actor_t actor;
  web_buf_t  b = { 0 };
  count_t    pending = { 0, GW_ADDRESS_PENDING }, quarantined = { 0, 0 };

  if (!r->signed_in)
  {
    signin_form(r, 200, NULL);
    return;
  }
  if (!gwRoleIsStaff(r->session.held_role))
  {
    _gwWebError(r, 403, "not-admin", "This part is for administrators, the help desk and auditors.");
    return;
  }
  if (!r->session.elevated)
  {
    factor_form(r, 200, NULL);
    return;
  }

  _gwWebActor(r, &actor);
  gwApiAddressIterate(r->web->sys, &actor, NULL, count_address, &pending);
  gwApiJobIterate(r->web->sys, &actor, NULL, 1u << GW_JOB_STATE_QUARANTINED, count_job, &quarantined);
  page_begin(&b, r, "Console");
  _gwWebBufAddf(&b, "<ul class=\"dashboard\" id=\"dashboard\"><li><a href=\"/admin/users\"><span id=\"count-users\">%d</span> users</a></li>"
                    "<li><a href=\"/admin/addresses\"><span id=\"count-pending\">%d</span> addresses awaiting verification</a></li>"
                    "<li><a href=\"/admin/jobs\"><span id=\"count-quarantined\">%d</span> quarantined jobs</a></li></ul>",
                gwApiUserCount(r->web->sys, &actor), pending.n, quarantined.n);
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/*
 * 'page_signin()' - POST /admin/signin (slow: Argon2id on a task): a
 *                   password session, then on to the second factor.
 */

static void
page_signin(web_req_t *r)
{
  if (!_gwWebPasswordSignin(r, "/admin"))
    signin_form(r, 401, "The name or the password is wrong (or sign-in is locked for a while).");
}


/*
 * 'page_enrol()' - POST /admin/enrol: the secret as an otpauth:// URI, its
 *                  QR code, and the form for the first code.
 */

static void
page_enrol(web_req_t *r)
{
  gw_actor_t     actor;
  web_buf_t      b = { 0 };
  char           secret[64], uri[512];
  unsigned char *png = NULL;
  size_t         pnglen = 0;
  const char    *error = NULL;

  _gwWebActor(r, &actor);
  if (!gwApiAdminEnrolBegin(r->web->sys, &actor, &r->session, secret, sizeof(secret), uri, sizeof(uri), &error))
  {
    _gwWebError(r, 403, "denied", error ? error : "Not a console account.");
    return;
  }

  _gwWebPageBegin(&b, r, "Set up an authenticator app");
  _gwWebBufAdd(&b, "<p>Scan this code with your authenticator app, or type the key into it.</p>");
  if (gwProfileQrPng(uri, 4, &png, &pnglen, &error))
  {
    _gwWebBufAdd(&b, "<p><img class=\"qr\" id=\"totp-qr\" alt=\"QR code of the authenticator key\" src=\"data:image/png;base64,");
    _gwWebBase64(png, pnglen, &b);
    _gwWebBufAdd(&b, "\"></p>");
    gwWipe(png, pnglen);
    free(png);
  }
  _gwWebBufAdd(&b, "<p>Key: <span class=\"secret\" id=\"totp-secret\">");
  _gwWebBufAddHtml(&b, secret);
  _gwWebBufAdd(&b, "</span></p><p class=\"secret\" id=\"totp-uri\">");
  _gwWebBufAddHtml(&b, uri);
  _gwWebBufAdd(&b, "</p>");
  post_form(&b, r, "/admin/elevate", "admin-enrol-confirm");
  _gwWebBufAdd(&b, "<label for=\"code\">The 6-digit code the app shows now</label>"
                   "<input id=\"code\" name=\"code\" inputmode=\"numeric\" pattern=\"[0-9]{6}\" maxlength=\"6\" autocomplete=\"one-time-code\" required autofocus>"
                   "<button type=\"submit\">Confirm</button></form>");
  _gwWebPageEnd(&b);
  gwWipe(secret, sizeof(secret));
  gwWipe(uri, sizeof(uri));
  _gwWebPageSend(r, 200, &b);
}


/*
 * 'page_elevate()' - POST /admin/elevate (code): the elevated session (a
 *                    new cookie); ending an enrolment, the recovery codes.
 */

static void
page_elevate(web_req_t *r)
{
  gw_actor_t   actor;
  gw_session_t s;
  web_buf_t    b = { 0 };
  char         code[64], recovery[256], sid[GW_API_SESSION_ID_LEN + 1];
  const char  *reason = NULL, *error = NULL;
  bool         ok;

  _gwWebActor(r, &actor);
  recovery[0] = '\0';
  ok = gwApiAdminElevate(r->web->sys, &actor, r->sid, _gwWebField(r, "code", code, sizeof(code)), recovery, sizeof(recovery), sid, sizeof(sid), &s, &reason, &error);
  gwWipe(code, sizeof(code));
  if (!ok)
  {
    factor_form(r, reason && !strcmp(reason, "locked") ? 429 : 401, error ? error : "The code was refused.");
    return;
  }

  _gwWebSetCookie(r, sid, s.expires - (int64_t)time(NULL));
  gwWipe(sid, sizeof(sid));
  if (!recovery[0])
  {
    _gwWebRedirect(r, "/admin");
    return;
  }

  _gwWebPageBegin(&b, r, "Recovery codes");
  _gwWebBufAdd(&b, "<p>Keep these codes somewhere safe: each one signs you in once if you lose your phone. They are shown only now.</p>"
                   "<ol class=\"secret\" id=\"recovery-codes\">");
  for (char *line = recovery, *nl; *line && (nl = strchr(line, '\n')) != NULL; line = nl + 1)
  {
    *nl = '\0';       /* One code a line; _gwWebBufAddHtml() would show a newline as U+FFFD */
    _gwWebBufAdd(&b, "<li>");
    _gwWebBufAddHtml(&b, line);
    _gwWebBufAdd(&b, "</li>");
  }
  _gwWebBufAdd(&b, "</ol><p><a href=\"/admin\" id=\"continue\">Continue to the console</a></p>");
  _gwWebPageEnd(&b);
  gwWipe(recovery, sizeof(recovery));
  _gwWebPageSend(r, 200, &b);
}


typedef struct users_page_s     /* The users table */
{
  web_buf_t *b;
  int        n;
  char       last[64];
} users_page_t;


/*
 * 'user_row()' - A user as a table row.
 */

static bool
user_row(const gw_user_t *u, void *data)
{
  users_page_t *up = (users_page_t *)data;

  _gwWebBufAdd(up->b, "<tr class=\"user\" data-user=\"");
  _gwWebBufAddHtml(up->b, u->name);
  _gwWebBufAdd(up->b, "\"><td><a href=\"/admin/users/");
  _gwWebBufAddHtml(up->b, u->name);
  _gwWebBufAdd(up->b, "\">");
  _gwWebBufAddHtml(up->b, u->name);
  _gwWebBufAdd(up->b, "</a></td><td>");
  _gwWebBufAddHtml(up->b, u->display_name);
  _gwWebBufAddf(up->b, "</td><td class=\"user-role\">%s</td><td>%s</td></tr>\n", gwRoleString(u->role), u->disabled ? "disabled" : "");
  snprintf(up->last, sizeof(up->last), "%s", u->name);
  up->n ++;

  return (true);
}


/*
 * 'page_users()' - GET /admin/users?q=&after=: search, a page, the add form.
 */

static void
page_users(web_req_t *r)
{
  gw_actor_t   actor;
  web_buf_t    b = { 0 };
  users_page_t up = { &b, 0, "" };
  const char  *q = gwRequestQuery(r->req, "q"), *after = gwRequestQuery(r->req, "after");

  if (!_gwWebAdminGate(r))
    return;

  _gwWebActor(r, &actor);
  page_begin(&b, r, "Users");
  _gwWebBufAdd(&b, "<form method=\"get\" action=\"/admin/users\" id=\"user-search\"><label for=\"q\">Search</label><input id=\"q\" name=\"q\" value=\"");
  _gwWebBufAddHtml(&b, q ? q : "");
  _gwWebBufAdd(&b, "\"><button type=\"submit\">Search</button></form>"
                   "<table class=\"users\" id=\"users\"><thead><tr><th>Name</th><th>Display name</th><th>Role</th><th>State</th></tr></thead><tbody>\n");
  if (!gwApiUserSearch(r->web->sys, &actor, after, q, USERS_PAGE, user_row, &up))
  {
    _gwWebBufFree(&b);
    page_fail(r, "permission denied");
    return;
  }
  _gwWebBufAdd(&b, "</tbody></table>");
  if (up.n == USERS_PAGE)
  {
    _gwWebBufAdd(&b, "<p><a id=\"next\" href=\"/admin/users?after=");
    _gwWebBufAddHtml(&b, up.last);
    if (q)
    {
      _gwWebBufAdd(&b, "&amp;q=");
      for (const char *p = q; *p; p ++)
        _gwWebBufAddf(&b, strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_@", *p) ? "%c" : "%%%02X", (unsigned char)*p);
    }
    _gwWebBufAdd(&b, "\">Next page</a></p>");
  }
  if (gwRoleHas(r->session.user.role, GW_RIGHT_USERS))
  {
    _gwWebBufAdd(&b, "<h2>Add a user</h2>");
    post_form(&b, r, "/admin/users", "user-new");
    _gwWebBufAdd(&b, "<label for=\"new-name\">Name</label><input id=\"new-name\" name=\"name\" required>"
                     "<label for=\"new-display\">Display name</label><input id=\"new-display\" name=\"display_name\">"
                     "<label for=\"new-email\">Email address (optional)</label><input type=\"email\" id=\"new-email\" name=\"email\">"
                     "<label for=\"new-role\">Role</label><select id=\"new-role\" name=\"role\"><option>user</option><option>guest</option>");
    if (gwRoleHas(r->session.user.role, GW_RIGHT_SETTINGS))
      _gwWebBufAdd(&b, "<option>helpdesk</option><option>auditor</option><option>admin</option>");
    _gwWebBufAdd(&b, "</select><button type=\"submit\">Add</button></form>");
  }
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/*
 * 'page_user_add()' - POST /admin/users: add, then the user's page.
 */

static void
page_user_add(web_req_t *r)
{
  gw_actor_t  actor;
  gw_role_t   role = GW_ROLE_USER;
  char        name[128], display[160], rs[32], email[256], to[200];
  const char *error = "a name and a role are needed";

  if (!_gwWebAdminGate(r))
    return;

  _gwWebActor(r, &actor);
  if (!_gwWebField(r, "name", name, sizeof(name)) || (_gwWebField(r, "role", rs, sizeof(rs)) && !gwRoleParse(rs, &role)) ||
      !gwApiUserAdd(r->web->sys, &actor, name, _gwWebField(r, "display_name", display, sizeof(display)), role, NULL, &error) ||
      (_gwWebField(r, "email", email, sizeof(email)) && email[0] && !gwApiAddressAdd(r->web->sys, &actor, name, email, &error)))
  {
    page_fail(r, error);
    return;
  }

  snprintf(to, sizeof(to), "/admin/users/%s", name);
  _gwWebRedirect(r, _gwWebSafeName(name) ? to : "/admin/users");
}


typedef struct user_page_s      /* One user's page */
{
  web_buf_t  *b;
  web_req_t  *r;
} user_page_t;


/*
 * 'address_item()' - An address of the user's page.
 */

static bool
address_item(const gw_address_t *a, void *data)
{
  static const char * const states[] = { "pending", "verified", "revoked" };
  user_page_t              *up = (user_page_t *)data;

  _gwWebBufAdd(up->b, "<li class=\"address\">");
  _gwWebBufAddHtml(up->b, a->address);
  _gwWebBufAddf(up->b, " <span class=\"address-state\">%s</span></li>", states[a->state <= GW_ADDRESS_REVOKED ? a->state : 0]);
  return (true);
}


/*
 * 'device_item()' - A device of the user's page, with its revoke form.
 */

static bool
device_item(const gw_device_t *d, void *data)
{
  user_page_t *up = (user_page_t *)data;
  char         action[96];

  _gwWebBufAdd(up->b, "<li class=\"device\">");
  _gwWebBufAddHtml(up->b, d->name);
  snprintf(action, sizeof(action), "/admin/devices/%lld/revoke", (long long)d->id);
  post_form(up->b, up->r, action, action + 7);   /* "devices/ID/revoke": unique on the page */
  _gwWebBufAdd(up->b, "<button type=\"submit\" class=\"revoke-button\">Revoke</button></form></li>");
  return (true);
}


/*
 * 'user_action()' - One button or one-field form of the user's page.
 */

static void
user_action(web_buf_t *b, web_req_t *r, const char *name, const char *what, const char *id, const char *field, const char *label, const char *button)
{
  char action[200];

  snprintf(action, sizeof(action), "/admin/users/%s/%s", name, what);
  post_form(b, r, action, id);
  if (field)
  {
    _gwWebBufAddf(b, "<label for=\"%s-%s\">%s</label><input id=\"%s-%s\" name=\"%s\" required>", id, field, label, id, field, field);
  }
  _gwWebBufAddf(b, "<button type=\"submit\">%s</button></form>", button);
}


/*
 * 'page_user()' - GET /admin/users/{name}: edit, aliases, password, PIN,
 *                 card, devices and addresses.
 */

static void
page_user(web_req_t *r)
{
  static const gw_role_t roles[] = { GW_ROLE_USER, GW_ROLE_GUEST, GW_ROLE_HELPDESK, GW_ROLE_AUDITOR, GW_ROLE_ADMIN };
  gw_actor_t  actor;
  gw_user_t   u;
  web_buf_t   b = { 0 };
  user_page_t up = { &b, r };
  char        action[200];

  if (!_gwWebAdminGate(r))
    return;

  _gwWebActor(r, &actor);
  if (!gwApiUserFind(r->web->sys, &actor, r->param[0], &u))
  {
    page_fail(r, "no such user");
    return;
  }

  page_begin(&b, r, u.name);
  snprintf(action, sizeof(action), "/admin/users/%s", u.name);
  post_form(&b, r, action, "user-edit");
  _gwWebBufAdd(&b, "<label for=\"display_name\">Display name</label><input id=\"display_name\" name=\"display_name\" value=\"");
  _gwWebBufAddHtml(&b, u.display_name);
  _gwWebBufAdd(&b, "\"><label for=\"role-select\">Role</label><select id=\"role-select\" name=\"role\">");
  for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i ++)
    _gwWebBufAddf(&b, "<option%s>%s</option>", roles[i] == u.role ? " selected" : "", gwRoleString(roles[i]));
  _gwWebBufAddf(&b, "</select><label><input type=\"checkbox\" name=\"disabled\" id=\"disabled\" value=\"on\"%s> Disabled</label>"
                    "<button type=\"submit\">Save</button></form>", u.disabled ? " checked" : "");

  _gwWebBufAdd(&b, "<h2>Addresses</h2><ul class=\"addresses\" id=\"user-addresses\">");
  gwApiAddressIterate(r->web->sys, &actor, u.name, address_item, &up);
  _gwWebBufAdd(&b, "</ul><h2>Devices</h2><ul class=\"devices\" id=\"devices\">");
  gwApiDeviceIterate(r->web->sys, &actor, u.name, device_item, &up);
  _gwWebBufAdd(&b, "</ul><h2>Sign-in and release</h2>");
  user_action(&b, r, u.name, "alias", "alias-add", "alias", "Another name", "Add the name");
  user_action(&b, r, u.name, "password", "password-reset", NULL, NULL, "Make a one-time password");
  user_action(&b, r, u.name, "pin", "pin-set", NULL, NULL, "Make a new release PIN");
  user_action(&b, r, u.name, "card", "card-set", "card", "Card number", "Register the card");
  _gwWebAdminGdprSection(&b, r, &actor, &u);
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/*
 * 'back_to_user()' - After a change on a user's page: back to it (or the
 *                    refusal *error, read after the call that set it).
 */

static void
back_to_user(web_req_t *r, bool ok, const char * const *error)
{
  char to[200];

  if (!ok)
  {
    page_fail(r, *error);
    return;
  }

  snprintf(to, sizeof(to), "/admin/users/%s", r->param[0]);
  _gwWebRedirect(r, to);
}


/*
 * 'page_user_edit()' - POST /admin/users/{name}.
 */

static void
page_user_edit(web_req_t *r)
{
  gw_actor_t  actor;
  const char *error = NULL;

  if (!_gwWebAdminGate(r))
    return;

  _gwWebActor(r, &actor);
  back_to_user(r, _gwWebAdminUserEdit(r, &actor, r->param[0], &error), &error);
}


/*
 * 'page_alias()' - POST /admin/users/{name}/alias.
 */

static void
page_alias(web_req_t *r)
{
  gw_actor_t  actor;
  char        alias[128];
  const char *error = "an alias is needed";

  if (!_gwWebAdminGate(r))
    return;

  _gwWebActor(r, &actor);
  back_to_user(r, _gwWebField(r, "alias", alias, sizeof(alias)) && gwApiAliasAdd(r->web->sys, &actor, r->param[0], alias, &error), &error);
}


/*
 * 'card_set()' - POST /admin/users/{name}/card.
 */

static void
page_card(web_req_t *r)
{
  gw_actor_t  actor;
  char        card[128];
  const char *error = "a card number is needed";
  bool        ok;

  if (!_gwWebAdminGate(r))
    return;

  _gwWebActor(r, &actor);
  ok = _gwWebField(r, "card", card, sizeof(card)) && gwApiCardSet(r->web->sys, &actor, r->param[0], card, &error);
  gwWipe(card, sizeof(card));
  back_to_user(r, ok, &error);
}


/*
 * 'secret_page()' - A secret shown once (a one-time password, a PIN).
 */

static void
secret_page(web_req_t *r, bool ok, const char * const *error, const char *title, const char *id, char *secret, size_t secretsize)
{
  web_buf_t b = { 0 };

  if (!ok)
  {
    gwWipe(secret, secretsize);
    page_fail(r, *error);
    return;
  }

  page_begin(&b, r, title);
  _gwWebBufAddf(&b, "<p class=\"secret\" id=\"%s\">", id);
  _gwWebBufAddHtml(&b, secret);
  _gwWebBufAdd(&b, "</p><p>It is shown only now.</p><p><a href=\"/admin/users/");
  _gwWebBufAddHtml(&b, r->param[0]);
  _gwWebBufAdd(&b, "\">Back to the user</a></p>");
  _gwWebPageEnd(&b);
  gwWipe(secret, secretsize);
  _gwWebPageSend(r, 200, &b);
}


/*
 * 'page_password()' - POST /admin/users/{name}/password: a one-time password (slow).
 */

static void
page_password(web_req_t *r)
{
  gw_actor_t  actor;
  char        generated[64];
  const char *error = NULL;

  if (!_gwWebAdminGate(r))
    return;

  _gwWebActor(r, &actor);
  generated[0] = '\0';
  secret_page(r, gwApiUserSetPassword(r->web->sys, &actor, r->param[0], NULL, generated, sizeof(generated), &error), &error,
              "One-time password", "one-time-password", generated, sizeof(generated));
}


/*
 * 'page_pin()' - POST /admin/users/{name}/pin: a new release PIN.
 */

static void
page_pin(web_req_t *r)
{
  gw_actor_t  actor;
  char        pin[32];
  const char *error = NULL;

  if (!_gwWebAdminGate(r))
    return;

  _gwWebActor(r, &actor);
  pin[0] = '\0';
  secret_page(r, gwApiPinNew(r->web->sys, &actor, r->param[0], pin, sizeof(pin), &error), &error, "New release PIN", "pin", pin, sizeof(pin));
}


/*
 * 'page_device_revoke()' - POST /admin/devices/{id}/revoke.
 */

static void
page_device_revoke(web_req_t *r)
{
  gw_actor_t  actor;
  const char *error = NULL;

  if (!_gwWebAdminGate(r))
    return;

  _gwWebActor(r, &actor);
  if (!gwApiDeviceRevoke(r->web->sys, &actor, strtoll(r->param[0], NULL, 10), &error))
    page_fail(r, error);
  else
    _gwWebRedirect(r, "/admin/users");
}


/*
 * 'address_row()' - An address with its approve / reject / revoke forms.
 */

static bool
address_row(const gw_address_t *a, void *data)
{
  static const char * const states[] = { "pending", "verified", "revoked" };
  user_page_t              *up = (user_page_t *)data;
  web_buf_t                *b = up->b;

  _gwWebBufAddf(b, "<tr class=\"address state-%s\" data-address=\"", states[a->state <= GW_ADDRESS_REVOKED ? a->state : 0]);
  _gwWebBufAddHtml(b, a->address);
  _gwWebBufAdd(b, "\"><td>");
  _gwWebBufAddHtml(b, a->address);
  _gwWebBufAdd(b, "</td><td>");
  _gwWebBufAddHtml(b, a->user_name);
  _gwWebBufAddf(b, "</td><td>%s", states[a->state <= GW_ADDRESS_REVOKED ? a->state : 0]);
  if (a->verified_by[0])
  {
    _gwWebBufAdd(b, " by ");
    _gwWebBufAddHtml(b, a->verified_by);
  }
  _gwWebBufAdd(b, "</td><td>");
  for (int i = 0; i < 3; i ++)
  {
    static const char * const actions[] = { "approve", "reject", "revoke" };

    if ((i < 2 && a->state != GW_ADDRESS_PENDING) || (i == 2 && a->state != GW_ADDRESS_VERIFIED))
      continue;
    char id[64];

    snprintf(id, sizeof(id), "%s-%lld", actions[i], (long long)a->id);   /* Ids are unique on the page */
    post_form(b, up->r, "/admin/addresses", id);
    _gwWebBufAdd(b, "<input type=\"hidden\" name=\"address\" value=\"");
    _gwWebBufAddHtml(b, a->address);
    _gwWebBufAddf(b, "\"><input type=\"hidden\" name=\"state\" value=\"%s\"><button type=\"submit\" class=\"%s-button\">%s</button></form>",
                  actions[i], actions[i], actions[i]);
  }
  _gwWebBufAdd(b, "</td></tr>\n");

  return (true);
}


/*
 * 'list_page()' - A console page around one listing: the gate, the
 *                 heading HTML, the listing (false: the core refused the
 *                 role, a 403 page), the closing HTML and 'after' (NULL:
 *                 nothing more).
 */

typedef bool (*list_fn_t)(web_req_t *r, const gw_actor_t *actor, web_buf_t *b);

static void
list_page(web_req_t *r, const char *title, const char *head, list_fn_t list, const char *tail, void (*after)(web_req_t *r, web_buf_t *b))
{
  gw_actor_t actor;
  web_buf_t  b = { 0 };

  if (!_gwWebAdminGate(r))
    return;

  _gwWebActor(r, &actor);
  page_begin(&b, r, title);
  _gwWebBufAdd(&b, head);
  if (!(list)(r, &actor, &b))
  {
    _gwWebBufFree(&b);
    page_fail(r, "permission denied");
    return;
  }
  _gwWebBufAdd(&b, tail);
  if (after)
    (after)(r, &b);
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/*
 * 'list_addresses()' - Every address (list_page()).
 */

static bool
list_addresses(web_req_t *r, const gw_actor_t *actor, web_buf_t *b)
{
  user_page_t up = { b, r };

  return (gwApiAddressIterate(r->web->sys, actor, NULL, address_row, &up));
}


/*
 * 'page_addresses()' - GET /admin/addresses: every address.
 */

static void
page_addresses(web_req_t *r)
{
  list_page(r, "Email addresses", "<table class=\"addresses\" id=\"addresses\"><thead><tr><th>Address</th><th>User</th><th>State</th><th></th></tr></thead><tbody>\n",
            list_addresses, "</tbody></table>", NULL);
}


/*
 * 'page_address_state()' - POST /admin/addresses (address, state).
 */

static void
page_address_state(web_req_t *r)
{
  gw_actor_t  actor;
  char        address[256], state[32];
  const char *error = "an address and a state are needed";
  int         s;

  if (!_gwWebAdminGate(r))
    return;

  _gwWebActor(r, &actor);
  s = _gwWebAdminAddressState(_gwWebField(r, "state", state, sizeof(state)));
  if (s < 0 || !_gwWebField(r, "address", address, sizeof(address)) || !gwApiAddressSetState(r->web->sys, &actor, address, (gw_address_state_t)s, &error))
    page_fail(r, error);
  else
    _gwWebRedirect(r, "/admin/addresses");
}


/*
 * 'quarantined_row()' - A quarantined job with release and delete forms.
 */

static bool
quarantined_row(const gw_job_t *job, void *data)
{
  user_page_t *up = (user_page_t *)data;
  web_buf_t   *b = up->b;
  char         action[128];

  _gwWebBufAddf(b, "<li class=\"job\" data-job=\"%s\"><h2 class=\"job-name\">", job->id);
  _gwWebBufAddHtml(b, job->name);
  _gwWebBufAdd(b, "</h2><p class=\"job-facts\">");
  _gwWebBufAddHtml(b, job->owner);
  _gwWebBufAddf(b, " &middot; %d pages &middot; %s</p>", job->pages, job->origin);
  snprintf(action, sizeof(action), "/admin/jobs/%s/release", job->id);
  post_form(b, up->r, action, action + 7);   /* Ids ("jobs/ID/release") are unique on the page */
  _gwWebBufAdd(b, "<button type=\"submit\" class=\"release-button\">Release to the owner</button></form>");
  snprintf(action, sizeof(action), "/admin/jobs/%s/delete", job->id);
  post_form(b, up->r, action, action + 7);
  _gwWebBufAdd(b, "<button type=\"submit\" class=\"cancel-button\">Delete</button></form></li>\n");

  return (true);
}


/*
 * 'list_quarantined()' - Quarantined jobs of every user (list_page()).
 */

static bool
list_quarantined(web_req_t *r, const gw_actor_t *actor, web_buf_t *b)
{
  user_page_t up = { b, r };

  return (gwApiJobIterate(r->web->sys, actor, NULL, 1u << GW_JOB_STATE_QUARANTINED, quarantined_row, &up));
}


/*
 * 'page_jobs()' - GET /admin/jobs: quarantined jobs.
 */

static void
page_jobs(web_req_t *r)
{
  list_page(r, "Quarantined jobs", "<p>Mailed documents from senders who have not proved their address yet.</p><ul class=\"jobs\" id=\"quarantined\">",
            list_quarantined, "</ul>", NULL);
}


/*
 * 'page_job_release()', 'page_job_delete()' - POST /admin/jobs/{id}/release|delete.
 */

static void
job_done(web_req_t *r, bool release)
{
  gw_actor_t  actor;
  const char *error = NULL;
  bool        ok;

  if (!_gwWebAdminGate(r))
    return;

  _gwWebActor(r, &actor);
  ok = release ? gwApiJobUnquarantine(r->web->sys, &actor, r->param[0], &error) : gwApiJobCancel(r->web->sys, &actor, r->param[0], &error);
  if (!ok)
    page_fail(r, error);
  else
    _gwWebRedirect(r, "/admin/jobs");
}

static void page_job_release(web_req_t *r) { job_done(r, true); }
static void page_job_delete(web_req_t *r) { job_done(r, false); }


/*
 * 'terminal_row()' - A release terminal of the settings page.
 */

static bool
terminal_row(const gw_terminal_t *t, void *data)
{
  web_buf_t *b = (web_buf_t *)data;

  _gwWebBufAdd(b, "<li class=\"terminal\">");
  _gwWebBufAddHtml(b, t->name);
  _gwWebBufAdd(b, " &rarr; ");
  _gwWebBufAddHtml(b, t->printer);
  _gwWebBufAdd(b, "</li>");

  return (true);
}


/*
 * 'list_terminals()' - Release terminals (list_page(); admin).
 */

static bool
list_terminals(web_req_t *r, const gw_actor_t *actor, web_buf_t *b)
{
  return (gwApiTerminalIterate(r->web->sys, actor, terminal_row, b));
}


/*
 * 'settings_after()' - The second-factor part of the settings page.
 */

static void
settings_after(web_req_t *r, web_buf_t *b)
{
  _gwWebBufAddf(b, "<h2>Second factor</h2><p>AdminSecondFactor is <strong id=\"second-factor\">%s</strong> (configuration file).</p>",
                gwSystemGetConfig(r->web->sys)->admin_second_factor);
  post_form(b, r, "/admin/settings/factor-reset", "factor-reset");
  _gwWebBufAdd(b, "<label for=\"reset-user\">Reset the authenticator app of</label><input id=\"reset-user\" name=\"user\" required>"
                  "<button type=\"submit\">Reset</button></form>");
}


/*
 * 'page_settings()' - GET /admin/settings: terminals and second factors (admin).
 */

static void
page_settings(web_req_t *r)
{
  list_page(r, "Settings", "<h2>Release terminals</h2><ul class=\"terminals\" id=\"terminals\">", list_terminals, "</ul>", settings_after);
}


/*
 * 'page_factor_reset()' - POST /admin/settings/factor-reset (user).
 */

static void
page_factor_reset(web_req_t *r)
{
  gw_actor_t  actor;
  char        user[128];
  const char *error = "a user is needed";

  if (!_gwWebAdminGate(r))
    return;

  _gwWebActor(r, &actor);
  if (!_gwWebField(r, "user", user, sizeof(user)) || !gwApiAdminFactorReset(r->web->sys, &actor, user, &error))
    page_fail(r, error);
  else
    _gwWebRedirect(r, "/admin/settings");
}


const web_call_t _gwWebAdminPageCalls[] =
{
  { "GET",  "/admin",                           WEB_AUTH_NONE,    false, page_admin },
  { "POST", "/admin/signin",                    WEB_AUTH_NONE,    true,  page_signin },
  { "POST", "/admin/enrol",                     WEB_AUTH_CSRF,    false, page_enrol },
  { "POST", "/admin/elevate",                   WEB_AUTH_CSRF,    false, page_elevate },
  { "GET",  "/admin/users",                     WEB_AUTH_SESSION, false, page_users },
  { "POST", "/admin/users",                     WEB_AUTH_CSRF,    false, page_user_add },
  { "GET",  "/admin/users/{name}",              WEB_AUTH_SESSION, false, page_user },
  { "POST", "/admin/users/{name}",              WEB_AUTH_CSRF,    false, page_user_edit },
  { "POST", "/admin/users/{name}/alias",        WEB_AUTH_CSRF,    false, page_alias },
  { "POST", "/admin/users/{name}/password",     WEB_AUTH_CSRF,    true,  page_password },
  { "POST", "/admin/users/{name}/pin",          WEB_AUTH_CSRF,    false, page_pin },
  { "POST", "/admin/users/{name}/card",         WEB_AUTH_CSRF,    false, page_card },
  { "GET",  "/admin/users/{name}/export",       WEB_AUTH_SESSION, true,  _gwWebAdminUserExport },
  { "POST", "/admin/users/{name}/restrict",     WEB_AUTH_CSRF,    false, _gwWebAdminUserRestrict },
  { "POST", "/admin/users/{name}/erase",        WEB_AUTH_CSRF,    true,  _gwWebAdminUserErase },
  { "POST", "/admin/devices/{id}/revoke",       WEB_AUTH_CSRF,    false, page_device_revoke },
  { "GET",  "/admin/addresses",                 WEB_AUTH_SESSION, false, page_addresses },
  { "POST", "/admin/addresses",                 WEB_AUTH_CSRF,    false, page_address_state },
  { "GET",  "/admin/jobs",                      WEB_AUTH_SESSION, false, page_jobs },
  { "POST", "/admin/jobs/{id}/release",         WEB_AUTH_CSRF,    false, page_job_release },
  { "POST", "/admin/jobs/{id}/delete",          WEB_AUTH_CSRF,    false, page_job_delete },
  { "GET",  "/admin/audit",                     WEB_AUTH_SESSION, false, _gwWebAdminAuditPage },
  { "GET",  "/admin/reports",                   WEB_AUTH_SESSION, false, _gwWebAdminReportPage },
  { "GET",  "/admin/health",                    WEB_AUTH_SESSION, false, _gwWebAdminHealthPage },
  { "GET",  "/admin/settings",                  WEB_AUTH_SESSION, false, page_settings },
  { "POST", "/admin/settings/factor-reset",     WEB_AUTH_CSRF,    false, page_factor_reset },
  { "GET",  "/admin/printers",                  WEB_AUTH_SESSION, false, _gwWebAdminPrintersGet },
  { "POST", "/admin/printers",                  WEB_AUTH_CSRF,    true,  _gwWebAdminPrinterAdd },
  { "POST", "/admin/printers/{name}/tags",      WEB_AUTH_CSRF,    false, _gwWebAdminPrinterTags },
  { "POST", "/admin/printers/{name}/delete",    WEB_AUTH_CSRF,    false, _gwWebAdminPrinterDelete },
  { "POST", "/admin/printers/{name}/check",     WEB_AUTH_CSRF,    true,  _gwWebAdminPrinterCheck },
  { "POST", "/admin/printers/{name}/test-page", WEB_AUTH_CSRF,    true,  _gwWebAdminPrinterTestPage },
  { "GET",  "/admin/printers/{name}/qr",        WEB_AUTH_SESSION, false, _gwWebAdminPrinterQr },
  { "GET",  "/admin/printers/{name}",           WEB_AUTH_SESSION, false, _gwWebAdminPrinterPage },
  { "POST", "/admin/printers/{name}/edit",      WEB_AUTH_CSRF,    true,  _gwWebAdminPrinterEdit },
  { "GET",  "/admin/terminals",                 WEB_AUTH_SESSION, false, _gwWebAdminTerminalsGet },
  { "POST", "/admin/terminals",                 WEB_AUTH_CSRF,    false, _gwWebAdminTerminalAdd },
  { "POST", "/admin/terminals/{name}/revoke",   WEB_AUTH_CSRF,    false, _gwWebAdminTerminalRevoke },
  { "GET",  "/admin/rules",                     WEB_AUTH_SESSION, false, _gwWebAdminRulesGet },
  { "POST", "/admin/rules",                     WEB_AUTH_CSRF,    false, _gwWebAdminRuleAdd },
  { "POST", "/admin/rules/dry-run",             WEB_AUTH_CSRF,    false, _gwWebAdminRuleDryRun },
  { "POST", "/admin/rules/{name}/delete",       WEB_AUTH_CSRF,    false, _gwWebAdminRuleRemove },
  { "GET",  "/admin/mail-sources",              WEB_AUTH_SESSION, false, _gwWebAdminMailGet },
  { "POST", "/admin/mail-sources",              WEB_AUTH_CSRF,    true,  _gwWebAdminMailAdd },
  { "GET",  "/admin/mail-sources/{name}",       WEB_AUTH_SESSION, false, _gwWebAdminMailEditPage },
  { "POST", "/admin/mail-sources/{name}",       WEB_AUTH_CSRF,    true,  _gwWebAdminMailEdit },
  { "POST", "/admin/mail-sources/{name}/delete", WEB_AUTH_CSRF,   true,  _gwWebAdminMailRemove },
  { "POST", "/admin/mail-sources/{name}/test",  WEB_AUTH_CSRF,    true,  _gwWebAdminMailTest },
  { "POST", "/admin/mail-sources/{name}/oauth", WEB_AUTH_CSRF,    true,  _gwWebAdminMailOAuth },
  { "GET",  "/admin/mail-sources/{name}/oauth", WEB_AUTH_SESSION, true,  _gwWebAdminMailOAuth }
};

const int _gwWebAdminPageNumCalls = (int)(sizeof(_gwWebAdminPageCalls) / sizeof(_gwWebAdminPageCalls[0]));
