/*
 * web-admin-gdpr.c - the admin console's GDPR tools on a user's page
 * (docs/gdpr.md, docs/admin.md): the export of everything held about the
 * user as JSON (right of access), restriction of processing, and erasure
 * (the jobs crypto-shredded, the audit and report rows kept under the
 * pseudonym "erased-<id>").  The export is the core's to allow (admin,
 * helpdesk: gwApiUserExport()); restriction and erasure are the admin's.  Pages and the REST API alike; the core
 * decides who may (admin only) and writes the audit rows.
 */

#include "web-private.h"

#include <stdio.h>
#include <string.h>


/*
 * '_gwWebAdminGdprSection()' - The user page's section: export link,
 *                              restrict and erase forms (admin only).
 */

void
_gwWebAdminGdprSection(web_buf_t *b, web_req_t *r, const gw_actor_t *actor, const gw_user_t *u)
{
  char action[200], reason[256];
  bool restricted;

  if (!gwRoleHas(actor->role, GW_RIGHT_USERS) || !_gwWebSafeName(u->name))
    return;

  /* The export: whoever the core lets (admin, helpdesk); restriction and erasure: admin. */
  _gwWebBufAddf(b, "<h2>Privacy (GDPR)</h2><p><a id=\"user-export\" download=\"%s.json\" href=\"/admin/users/%s/export\">Export everything held about %s (JSON)</a></p>",
                u->name, u->name, u->name);
  if (!gwRoleHas(actor->role, GW_RIGHT_SETTINGS))
    return;

  restricted = gwApiUserRestricted(r->web->sys, actor, u->name, reason, sizeof(reason));

  snprintf(action, sizeof(action), "/admin/users/%s/restrict", u->name);
  _gwWebAdminPostForm(b, r, action, "user-restrict");
  if (restricted)
  {
    _gwWebBufAdd(b, "<p id=\"restricted\">Processing is restricted: ");
    _gwWebBufAddHtml(b, reason);
    _gwWebBufAdd(b, "</p><input type=\"hidden\" name=\"on\" value=\"off\"><button type=\"submit\">Lift the restriction</button></form>");
  }
  else
    _gwWebBufAdd(b, "<label for=\"restrict-reason\">Restrict processing (new jobs refused) because</label>"
                    "<input id=\"restrict-reason\" name=\"reason\" maxlength=\"255\" required><input type=\"hidden\" name=\"on\" value=\"on\">"
                    "<button type=\"submit\">Restrict</button></form>");

  snprintf(action, sizeof(action), "/admin/users/%s/erase", u->name);
  _gwWebAdminPostForm(b, r, action, "user-erase");
  _gwWebBufAddf(b, "<label for=\"erase-confirm\">Erase: type the user's name (%s) to confirm. Jobs are destroyed; audit and report rows stay under a pseudonym.</label>"
                   "<input id=\"erase-confirm\" name=\"confirm\" autocomplete=\"off\" required><button type=\"submit\" class=\"danger\" id=\"erase-button\">Erase the user</button></form>",
                u->name);
}


/*
 * 'export_write()' - Append the export's bytes to the answer.
 */

static bool
export_write(const void *bytes, size_t len, void *data)
{
  return (_gwWebBufAppend((web_buf_t *)data, bytes, len));
}


/*
 * '_gwWebAdminUserExport()' - GET /admin/users/{name}/export,
 *                             /api/v1/admin/users/{name}/export: the JSON.
 */

void
_gwWebAdminUserExport(web_req_t *r)
{
  gw_actor_t  actor;
  web_buf_t   b = { 0 };
  const char *error = NULL;

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);
  if (!gwApiUserExport(r->web->sys, &actor, r->param[0], export_write, &b, &error))
  {
    _gwWebBufFree(&b);
    _gwWebAdminFail(r, error ? error : "no such user");
    return;
  }
  _gwWebRespond(r, 200, "application/json", b.data ? b.data : "", b.len);
  _gwWebBufFree(&b);
}


/*
 * '_gwWebAdminUserRestrict()' - POST /admin/users/{name}/restrict,
 *                   /api/v1/admin/users/{name}/restrict {on: "on"|"off", reason}.
 */

void
_gwWebAdminUserRestrict(web_req_t *r)
{
  gw_actor_t  actor;
  char        on[8], reason[256], back[200];
  const char *error = NULL;
  bool        ok;

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);
  if (!_gwWebField(r, "on", on, sizeof(on)))
    snprintf(on, sizeof(on), "on");
  ok = gwApiUserRestrict(r->web->sys, &actor, r->param[0], strcmp(on, "off") != 0, _gwWebField(r, "reason", reason, sizeof(reason)), &error);
  snprintf(back, sizeof(back), "/admin/users/%s", r->param[0]);
  _gwWebAdminDone(r, ok, error, back);
}


/*
 * '_gwWebAdminUserErase()' - POST /admin/users/{name}/erase,
 *                  /api/v1/admin/users/{name}/erase {confirm: NAME} (slow).
 */

void
_gwWebAdminUserErase(web_req_t *r)
{
  gw_actor_t   actor;
  char         confirm[128], pseudonym[64];
  const char  *error = NULL;
  web_buf_t    b = { 0 };
  json_object *o;

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);
  if (!_gwWebField(r, "confirm", confirm, sizeof(confirm)) || strcmp(confirm, r->param[0]))
  {
    _gwWebError(r, 400, "confirm", "Type the user's name to confirm the erasure; nothing was erased.");
    return;
  }
  if (!gwApiUserErase(r->web->sys, &actor, r->param[0], pseudonym, sizeof(pseudonym), &error))
  {
    _gwWebAdminFail(r, error);
    return;
  }

  if (r->api)
  {
    o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(1));
    json_object_object_add(o, "pseudonym", json_object_new_string(pseudonym));
    _gwWebJson(r, 200, o);
    return;
  }
  _gwWebAdminPageBegin(&b, r, "User erased");
  _gwWebBufAdd(&b, "<p class=\"ok\" id=\"erased\">The user was erased. Audit and report rows now name <strong id=\"pseudonym\">");
  _gwWebBufAddHtml(&b, pseudonym);
  _gwWebBufAdd(&b, "</strong>.</p><p><a href=\"/admin/users\">Back to the users</a></p>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}
