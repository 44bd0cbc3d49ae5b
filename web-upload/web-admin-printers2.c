/*
 * web-admin-printers2.c - the admin console's printer edit and state
 * (docs/admin.md, "Printers"): the state in the printers list and its API
 * (reachable from the cached check, jobs printed today, the last failed
 * release), a printer's own page GET /admin/printers/{name} with its state
 * and the edit form, and the edit itself (POST /admin/printers/{name}/edit,
 * POST /api/v1/admin/printers/{name}/edit {uri, location}): a new URI
 * passes the capability check again or the old one stays.
 */

#include "web-private.h"

#include <stdio.h>
#include <string.h>
#include <time.h>


/*
 * 'when_text()' - A time as "YYYY-MM-DD HH:MM" (local), "" for 0.
 */

static void
when_text(int64_t t, char *buf, size_t bufsize)
{
  time_t    tt = (time_t)t;
  struct tm tmv;

  buf[0] = '\0';
  if (t > 0)
    strftime(buf, bufsize, "%Y-%m-%d %H:%M", localtime_r(&tt, &tmv));
}


/*
 * 'reachable_word()' - "yes", "no" or "checking" (not checked yet, or a check under way).
 */

static const char *
reachable_word(const gw_printer_state_t *st)
{
  return (st->checked == 0 ? "checking" : st->reachable > 0 ? "yes" : st->reachable == 0 ? "no" : "checking");
}


/*
 * '_gwWebAdminPrinterStateJson()' - A printer's state into its JSON object
 *                                   (the printers list): {state: {...}}.
 */

void
_gwWebAdminPrinterStateJson(web_req_t *r, const gw_actor_t *actor, const char *name, json_object *o)
{
  gw_printer_state_t st;
  json_object       *s;

  if (!gwApiPrinterState(r->web->sys, actor, name, &st, NULL))
    return;

  s = json_object_new_object();
  json_object_object_add(s, "reachable", json_object_new_string(reachable_word(&st)));
  json_object_object_add(s, "checked", json_object_new_int64(st.checked));
  json_object_object_add(s, "check_text", json_object_new_string(st.check_text));
  json_object_object_add(s, "released_today", json_object_new_int(st.released_today));
  json_object_object_add(s, "last_error", json_object_new_string(st.error));
  json_object_object_add(s, "last_error_time", json_object_new_int64(st.error_time));
  json_object_object_add(o, "state", s);
}


/*
 * '_gwWebAdminPrinterStateHtml()' - A printer's state as the list's cell
 *                                   content (or the printer page's).
 */

void
_gwWebAdminPrinterStateHtml(web_req_t *r, const gw_actor_t *actor, const char *name, web_buf_t *b)
{
  gw_printer_state_t st;
  char               when[32];
  const char        *word;

  if (!gwApiPrinterState(r->web->sys, actor, name, &st, NULL))
    return;

  word = reachable_word(&st);
  _gwWebBufAddf(b, "<span class=\"printer-reachable reachable-%s\" data-reachable=\"%s\">%s</span>", word, word,
                !strcmp(word, "yes") ? "Reachable" : !strcmp(word, "no") ? "Not reachable" : "Checking&hellip;");
  if (st.check_text[0])
  {
    _gwWebBufAdd(b, " <span class=\"printer-check-text\">");
    _gwWebBufAddHtml(b, st.check_text);
    _gwWebBufAdd(b, "</span>");
  }
  _gwWebBufAddf(b, "<br><span class=\"printer-today\" data-today=\"%d\">%d released today</span>", st.released_today, st.released_today);
  if (st.error_time)
  {
    when_text(st.error_time, when, sizeof(when));
    _gwWebBufAddf(b, "<br><span class=\"printer-error\">Last error (%s): ", when);
    _gwWebBufAddHtml(b, st.error);
    _gwWebBufAdd(b, "</span>");
  }
}


/*
 * '_gwWebAdminPrinterPage()' - GET /admin/printers/{name}: its state, and
 *                              for an admin the edit form.
 */

void
_gwWebAdminPrinterPage(web_req_t *r)
{
  gw_actor_t   actor;
  gw_printer_t p;
  web_buf_t    b = { 0 };
  char         action[160];

  if (!_gwWebAdminPrinterOf(r, &actor, &p))
    return;

  _gwWebAdminPageBegin(&b, r, p.name);
  _gwWebBufAdd(&b, "<h2>State</h2><p class=\"printer-state\" id=\"printer-state\">");
  _gwWebAdminPrinterStateHtml(r, &actor, p.name, &b);
  _gwWebBufAdd(&b, "</p><p>Location: <span id=\"printer-location\">");
  _gwWebBufAddHtml(&b, p.location);
  _gwWebBufAdd(&b, "</span></p>");
  if (gwRoleHas(actor.role, GW_RIGHT_SETTINGS))
  {
    snprintf(action, sizeof(action), "/admin/printers/%s/edit", p.name);
    _gwWebBufAdd(&b, "<h2>Edit</h2>");
    _gwWebAdminPostForm(&b, r, action, "printer-edit");
    _gwWebBufAdd(&b, "<label for=\"edit-uri\">New URI (empty: keep the current one; a new one is checked first)</label>"
                     "<input id=\"edit-uri\" name=\"uri\" autocomplete=\"off\">"
                     "<label for=\"edit-location\">Location</label><input id=\"edit-location\" name=\"location\" value=\"");
    _gwWebBufAddHtml(&b, p.location);
    _gwWebBufAdd(&b, "\"><button type=\"submit\" id=\"edit-save\">Save</button></form>");
  }
  _gwWebBufAdd(&b, "<p><a href=\"/admin/printers\">Back to the printers</a></p>");
  gwWipe(&p, sizeof(p));
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/*
 * '_gwWebAdminPrinterEdit()' - POST /admin/printers/{name}/edit,
 *                  /api/v1/admin/printers/{name}/edit {uri, location}
 *                  (slow when the URI changes: the check talks to it).
 */

void
_gwWebAdminPrinterEdit(web_req_t *r)
{
  gw_actor_t       actor;
  gw_sink_result_t check;
  char             uri[1024], location[128], back[160];
  const char      *u, *l, *error = NULL;

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);
  u = _gwWebField(r, "uri", uri, sizeof(uri));
  l = _gwWebField(r, "location", location, sizeof(location));
  if (!_gwWebSafeName(r->param[0]))
    _gwWebAdminFail(r, "no such printer");
  else if (gwApiPrinterEdit(r->web->sys, &actor, r->param[0], u, l, &check, &error))
  {
    snprintf(back, sizeof(back), "/admin/printers/%s", r->param[0]);
    _gwWebAdminDone(r, true, NULL, back);
  }
  else if (check.reason == GW_REASON_NONE && error && (!strcmp(error, "permission denied") || !strcmp(error, "no such printer")))
    _gwWebAdminFail(r, error);
  else
    _gwWebAdminPrinterRefused(r, "changed", &check, error);   /* The check's (or the store's) sentence says why */
  gwWipe(uri, sizeof(uri));
}
