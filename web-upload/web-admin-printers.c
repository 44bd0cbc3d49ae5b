/*
 * web-admin-printers.c - the admin console's printers and release
 * terminals (docs/admin.md): pages under /admin/printers and
 * /admin/terminals, and the same in the REST API under
 * /api/v1/admin/printers and /api/v1/admin/terminals.
 *
 * Printers: the list with URI (credentials never shown), location and
 * tags; add by URI with the sink's capability check (a printer that does
 * not pass is not kept, and the check's sentence is shown); tags; remove;
 * the capability check on demand; the test page (gwApiPrinterTestPage());
 * the printable QR-code sheet for /p/NAME.  Terminals: create (the key
 * shown once), list, revoke.  Every handler serves its page and its API
 * call (r->api); the core decides what a role may do (GW_RIGHT_SETTINGS
 * for changes), and writes the audit rows.
 */

#include "web-private.h"

#include <printgate/policy.h>
#include <printgate/profile.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * 'uri_public()' - A printer URI without any user name or password in it.
 */

static void
uri_public(const char *uri, char *buf, size_t bufsize)
{
  const char *start = strstr(uri, "://"), *at, *slash;

  if (start && (at = strchr(start + 3, '@')) != NULL && (!(slash = strchr(start + 3, '/')) || at < slash))
    snprintf(buf, bufsize, "%.*s%s", (int)(start + 3 - uri), uri, at + 1);
  else
    snprintf(buf, bufsize, "%s", uri);
}


/*
 * '_gwWebAdminDone()' - The end of a change: the API's {"ok": true} or
 *                       the page 'back'; a refusal as _gwWebAdminFail()
 *                       (403 denied, 404, 400 with the core's sentence).
 */

void
_gwWebAdminDone(web_req_t *r, bool ok, const char *error, const char *back)
{
  json_object *o;

  if (!ok)
    _gwWebAdminFail(r, error);
  else if (!r->api)
    _gwWebRedirect(r, back);
  else
  {
    o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(1));
    _gwWebJson(r, 200, o);
  }
}


/*
 * '_gwWebAdminButton()' - A one-button POST form to BASE/NAME/WHAT.
 */

void
_gwWebAdminButton(web_buf_t *b, web_req_t *r, const char *base, const char *name, const char *what, const char *label)
{
  char action[256], id[160];

  snprintf(action, sizeof(action), "%s/%s/%s", base, name, what);
  snprintf(id, sizeof(id), "%s-%s", what, name);   /* Ids are unique on the page: one form per row */
  _gwWebAdminPostForm(b, r, action, id);
  _gwWebBufAddf(b, "<button type=\"submit\" class=\"%s-button\">%s</button></form>", what, label);
}


/*
 * '_gwWebAdminRemove()' - A removal by the name in the path (a printer,
 *                         a terminal, a rule): fn is the core's call.
 */

void
_gwWebAdminRemove(web_req_t *r, web_admin_remove_fn_t fn, const char *back)
{
  gw_actor_t  actor;
  const char *error = NULL;
  bool        ok;

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);
  ok = (fn)(r->web->sys, &actor, r->param[0], &error);
  _gwWebAdminDone(r, ok, error, back);
}


/*
 * 'sentence_done()' - An outcome with a sentence for people (a check, a
 *                     test page): JSON {ok, reason, text} or a page.
 */

static void
sentence_done(web_req_t *r, bool ok, const char *reason, const char *text, const char *id)
{
  json_object *o;
  web_buf_t    b = { 0 };

  if (r->api)
  {
    o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(ok));
    json_object_object_add(o, "reason", json_object_new_string(reason));
    json_object_object_add(o, "text", json_object_new_string(text));
    _gwWebJson(r, ok ? 200 : 409, o);
    return;
  }

  _gwWebAdminPageBegin(&b, r, "Printer");
  _gwWebBufAddf(&b, "<p class=\"%s\" id=\"%s\">", ok ? "ok" : "error", id);
  _gwWebBufAddHtml(&b, text);
  _gwWebBufAdd(&b, "</p><p><a href=\"/admin/printers\">Back to the printers</a></p>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, ok ? 200 : 409, &b);
}


/* ---- Printers ---------------------------------------------------------------- */

typedef struct printer_list_s   /* One listing: a page's rows or the API's array */
{
  web_req_t         *r;
  const gw_actor_t  *actor;
  web_buf_t         *b;
  json_object       *list;
} printer_list_t;


/*
 * 'printer_row()' - One printer: a table row with its forms, or a JSON object.
 */

static bool
printer_row(const gw_printer_t *p, void *data)
{
  printer_list_t *pl = (printer_list_t *)data;
  web_buf_t      *b = pl->b;
  char            uri[1024], tags[1024], action[160], id[96];
  json_object    *o;
  bool            admin = gwRoleHas(pl->actor->role, GW_RIGHT_SETTINGS), safe = _gwWebSafeName(p->name);

  uri_public(p->uri, uri, sizeof(uri));
  if (!gwApiPrinterTagsGet(pl->r->web->sys, pl->actor, p->name, tags, sizeof(tags)))
    tags[0] = '\0';

  if (pl->list)
  {
    o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(p->name));
    json_object_object_add(o, "uri", json_object_new_string(uri));
    json_object_object_add(o, "location", json_object_new_string(p->location));
    json_object_object_add(o, "tags", json_object_new_string(tags));
    json_object_object_add(o, "enabled", json_object_new_boolean(p->enabled));
    json_object_object_add(o, "created", json_object_new_int64(p->created));
    _gwWebAdminPrinterStateJson(pl->r, pl->actor, p->name, o);
    json_object_array_add(pl->list, o);
    return (true);
  }

  _gwWebBufAdd(b, "<tr class=\"printer\" data-printer=\"");
  _gwWebBufAddHtml(b, p->name);
  _gwWebBufAdd(b, "\"><td class=\"printer-name\">");
  if (safe)
    _gwWebBufAddf(b, "<a class=\"printer-link\" href=\"/admin/printers/%s\">%s</a>", p->name, p->name);
  else
    _gwWebBufAddHtml(b, p->name);
  _gwWebBufAdd(b, "</td><td class=\"printer-state\">");
  _gwWebAdminPrinterStateHtml(pl->r, pl->actor, p->name, b);
  _gwWebBufAdd(b, "</td><td class=\"printer-uri\">");
  _gwWebBufAddHtml(b, uri);
  _gwWebBufAdd(b, "</td><td class=\"printer-location\">");
  _gwWebBufAddHtml(b, p->location);
  _gwWebBufAdd(b, "</td><td class=\"printer-tags\">");
  if (admin && safe)
  {
    snprintf(action, sizeof(action), "/admin/printers/%s/tags", p->name);
    snprintf(id, sizeof(id), "tags-form-%s", p->name);   /* Ids are unique on the page */
    _gwWebAdminPostForm(b, pl->r, action, id);
    _gwWebBufAdd(b, "<input name=\"tags\" class=\"tags-input\" aria-label=\"Tags\" value=\"");
    _gwWebBufAddHtml(b, tags);
    _gwWebBufAdd(b, "\"><button type=\"submit\" class=\"tags-button\">Save</button></form>");
  }
  else
    _gwWebBufAddHtml(b, tags);
  _gwWebBufAdd(b, "</td><td>");
  if (safe)
  {
    _gwWebBufAddf(b, "<a class=\"qr-link\" href=\"/admin/printers/%s/qr\">QR sheet</a>", p->name);
    if (admin)
    {
      static const char * const what[][2] = { { "check", "Check" }, { "test-page", "Test page" }, { "delete", "Remove" } };

      for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i ++)
        _gwWebAdminButton(b, pl->r, "/admin/printers", p->name, what[i][0], what[i][1]);
    }
  }
  _gwWebBufAdd(b, "</td></tr>\n");
  return (true);
}


/*
 * '_gwWebAdminPrintersGet()' - GET /admin/printers and /api/v1/admin/printers.
 */

void
_gwWebAdminPrintersGet(web_req_t *r)
{
  gw_actor_t     actor;
  web_buf_t      b = { 0 };
  printer_list_t pl = { r, &actor, &b, NULL };
  json_object   *o;

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);

  if (r->api)
  {
    pl.list = json_object_new_array();
    gwApiPrinterIterate(r->web->sys, &actor, printer_row, &pl);
    o = json_object_new_object();
    json_object_object_add(o, "printers", pl.list);
    _gwWebJson(r, 200, o);
    return;
  }

  _gwWebAdminPageBegin(&b, r, "Printers");
  _gwWebBufAdd(&b, "<table class=\"printers\" id=\"printers\"><thead><tr><th>Name</th><th>State</th><th>URI</th><th>Location</th><th>Tags</th><th></th></tr></thead><tbody>\n");
  gwApiPrinterIterate(r->web->sys, &actor, printer_row, &pl);
  _gwWebBufAdd(&b, "</tbody></table>");
  if (gwRoleHas(actor.role, GW_RIGHT_SETTINGS))
  {
    _gwWebBufAdd(&b, "<h2>Add a printer</h2>");
    _gwWebAdminPostForm(&b, r, "/admin/printers", "printer-new");
    _gwWebBufAdd(&b, "<label for=\"new-name\">Name</label><input id=\"new-name\" name=\"name\" required>"
                     "<label for=\"new-uri\">URI (ipp://, ipps://, cups://HOST:PORT/QUEUE)</label><input id=\"new-uri\" name=\"uri\" required>"
                     "<label for=\"new-location\">Location</label><input id=\"new-location\" name=\"location\">"
                     "<label for=\"new-tags\">Tags (comma-separated)</label><input id=\"new-tags\" name=\"tags\">"
                     "<button type=\"submit\">Check and add</button></form>");
  }
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/*
 * '_gwWebAdminPrinterOf()' - The gate, the actor, and the printer named in
 *                            the path; false when answered (404 for an
 *                            unknown or unsafe name).
 */

bool
_gwWebAdminPrinterOf(web_req_t *r, gw_actor_t *actor, gw_printer_t *p)
{
  if (!_gwWebAdminGate(r))
    return (false);
  _gwWebActor(r, actor);
  if (!_gwWebSafeName(r->param[0]) || !gwApiPrinterFind(r->web->sys, actor, r->param[0], p))
  {
    _gwWebAdminFail(r, "no such printer");
    return (false);
  }
  return (true);
}


/*
 * '_gwWebAdminPrinterRefused()' - 400 "The printer was not WHAT: " and the
 *                                 check's sentence (or the core's error),
 *                                 with the check's reason code.
 */

void
_gwWebAdminPrinterRefused(web_req_t *r, const char *what, const gw_sink_result_t *check, const char *error)
{
  char sentence[600];

  snprintf(sentence, sizeof(sentence), "The printer was not %s: %s", what, check->text[0] ? check->text : error ? error : "it did not pass the check.");
  _gwWebError(r, 400, check->reason != GW_REASON_NONE ? gwReasonCode(check->reason) : "refused", sentence);
}


/*
 * '_gwWebAdminPrinterAdd()' - POST /admin/printers, /api/v1/admin/printers {name,
 *                   uri, location, tags} (slow: the capability check
 *                   talks to the printer).  A printer that does not pass
 *                   the check is removed again, and the check's sentence
 *                   answers.
 */

void
_gwWebAdminPrinterAdd(web_req_t *r)
{
  gw_actor_t       actor;
  gw_sink_result_t check;
  char             name[64], uri[1024], location[128], tags[1024];
  const char      *error = "a printer name and URI are needed";

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);

  if (!_gwWebField(r, "name", name, sizeof(name)) || !_gwWebField(r, "uri", uri, sizeof(uri)) ||
      !gwApiPrinterAdd(r->web->sys, &actor, name, uri, _gwWebField(r, "location", location, sizeof(location)), &error))
  {
    _gwWebAdminFail(r, error);
    return;
  }

  if (!gwApiPrinterCheck(r->web->sys, &actor, name, &check, &error) || check.status != GW_SINK_OK ||
      (_gwWebField(r, "tags", tags, sizeof(tags)) && !gwApiPrinterTagsSet(r->web->sys, &actor, name, tags, &error)))
  {
    /* Not kept: the check's (or the tags') sentence says why. */
    gwApiPrinterDelete(r->web->sys, &actor, name, NULL);
    _gwWebAdminPrinterRefused(r, "added", &check, error);
    return;
  }

  _gwWebAdminDone(r, true, NULL, "/admin/printers");
}


/*
 * '_gwWebAdminPrinterTags()' - POST /admin/printers/{name}/tags, /api/v1/admin/printers/{name}/tags {tags}.
 */

void
_gwWebAdminPrinterTags(web_req_t *r)
{
  gw_actor_t  actor;
  char        tags[1024];
  const char *error = NULL;
  bool        ok;

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);
  if (!_gwWebField(r, "tags", tags, sizeof(tags)))
    tags[0] = '\0';
  ok = gwApiPrinterTagsSet(r->web->sys, &actor, r->param[0], tags, &error);
  _gwWebAdminDone(r, ok, error, "/admin/printers");
}


/*
 * '_gwWebAdminPrinterDelete()' - POST /admin/printers/{name}/delete, DELETE /api/v1/admin/printers/{name}.
 */

void
_gwWebAdminPrinterDelete(web_req_t *r)
{
  _gwWebAdminRemove(r, gwApiPrinterDelete, "/admin/printers");
}


/*
 * '_gwWebAdminPrinterCheck()' - POST /admin/printers/{name}/check (slow): the
 *                     capability check now, with its sentence.
 */

void
_gwWebAdminPrinterCheck(web_req_t *r)
{
  gw_actor_t       actor;
  gw_sink_result_t check;
  const char      *error = NULL;

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);
  if (!gwApiPrinterCheck(r->web->sys, &actor, r->param[0], &check, &error) && error)   /* Refused; else the printer's answer */
  {
    _gwWebAdminFail(r, error);
    return;
  }
  if (check.status == GW_SINK_OK)
    snprintf(check.text, sizeof(check.text), "Printer '%s' answers and takes what the gateway sends.", r->param[0]);
  sentence_done(r, check.status == GW_SINK_OK, check.status == GW_SINK_OK ? "none" : gwReasonCode(check.reason), check.text, "check-result");
}


/*
 * '_gwWebAdminPrinterTestPage()' - POST /admin/printers/{name}/test-page (slow).
 */

void
_gwWebAdminPrinterTestPage(web_req_t *r)
{
  gw_actor_t          actor;
  gw_release_result_t result;
  const char         *error = NULL;
  bool                ok;

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);
  ok = gwApiPrinterTestPage(r->web->sys, &actor, r->param[0], &result, &error);
  if (!ok && (!error || !strcmp(error, "permission denied") || !strcmp(error, "no such printer")))
  {
    _gwWebAdminFail(r, error);
    return;
  }
  if (ok)
    snprintf(result.text, sizeof(result.text), "The test page was sent to printer '%s'.", r->param[0]);
  else if (!result.text[0])
    snprintf(result.text, sizeof(result.text), "%s", error);
  sentence_done(r, ok, ok ? "none" : gwReasonCode(result.reason), result.text, "test-page-result");
}


/*
 * '_gwWebAdminPrinterQr()' - GET /admin/printers/{name}/qr: a printable sheet with
 *                  the QR code of https://SERVER:PORT/p/NAME.
 */

void
_gwWebAdminPrinterQr(web_req_t *r)
{
  gw_actor_t     actor;
  gw_printer_t   p;
  web_buf_t      b = { 0 };
  char           path[128], url[512];
  unsigned char *png = NULL;
  size_t         pnglen = 0;
  const char    *error = NULL;

  if (!_gwWebAdminPrinterOf(r, &actor, &p))
    return;

  snprintf(path, sizeof(path), "/p/%s", p.name);
  _gwWebLinkPrefix(r, path, url, sizeof(url));
  if (!gwProfileQrPng(url, 8, &png, &pnglen, &error))
  {
    _gwWebError(r, 500, "internal", error ? error : "The QR code could not be made.");
    return;
  }

  _gwWebPageBegin(&b, r, p.name);
  _gwWebBufAdd(&b, "<div class=\"qr-sheet\" id=\"qr-sheet\"><p class=\"qr-printer\">Printer <strong>");
  _gwWebBufAddHtml(&b, p.name);
  _gwWebBufAdd(&b, "</strong> ");
  _gwWebBufAddHtml(&b, p.location);
  _gwWebBufAdd(&b, "</p><p><img class=\"qr\" id=\"printer-qr\" alt=\"QR code of the printer page\" src=\"data:image/png;base64,");
  _gwWebBase64(png, pnglen, &b);
  free(png);
  _gwWebBufAdd(&b, "\"></p><p>Scan to print your held jobs here, or open</p><p class=\"qr-url\" id=\"qr-url\">");
  _gwWebBufAddHtml(&b, url);
  _gwWebBufAdd(&b, "</p></div>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/* ---- Release terminals (admin) --------------------------------------------------- */

/*
 * 'terminal_item()' - One terminal: a list item with its revoke form, or a JSON object.
 */

static bool
terminal_item(const gw_terminal_t *t, void *data)
{
  printer_list_t *pl = (printer_list_t *)data;

  _gwWebBufAdd(pl->b, "<li class=\"terminal\" data-terminal=\"");
  _gwWebBufAddHtml(pl->b, t->name);
  _gwWebBufAdd(pl->b, "\"><span class=\"terminal-name\">");
  _gwWebBufAddHtml(pl->b, t->name);
  _gwWebBufAdd(pl->b, "</span> &rarr; <span class=\"terminal-printer\">");
  _gwWebBufAddHtml(pl->b, t->printer);
  _gwWebBufAddf(pl->b, "</span> <span class=\"terminal-used\">%s</span>", t->last_used ? "used" : "never used");
  if (_gwWebSafeName(t->name))
    _gwWebAdminButton(pl->b, pl->r, "/admin/terminals", t->name, "revoke", "Revoke");
  _gwWebBufAdd(pl->b, "</li>\n");
  return (true);
}


/*
 * '_gwWebAdminTerminalsGet()' - GET /admin/terminals (admin).
 */

void
_gwWebAdminTerminalsGet(web_req_t *r)
{
  gw_actor_t     actor;
  web_buf_t      b = { 0 };
  printer_list_t pl = { r, &actor, &b, NULL };

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);

  _gwWebAdminPageBegin(&b, r, "Release terminals");
  _gwWebBufAdd(&b, "<ul class=\"terminals\" id=\"terminals\">");
  if (!gwApiTerminalIterate(r->web->sys, &actor, terminal_item, &pl))
  {
    _gwWebBufFree(&b);
    _gwWebAdminFail(r, "permission denied");
    return;
  }
  _gwWebBufAdd(&b, "</ul><h2>Add a terminal</h2>");
  _gwWebAdminPostForm(&b, r, "/admin/terminals", "terminal-new");
  _gwWebBufAdd(&b, "<label for=\"terminal-name\">Name</label><input id=\"terminal-name\" name=\"name\" required>"
                   "<label for=\"terminal-printer\">Printer it releases to</label><input id=\"terminal-printer\" name=\"printer\" required>"
                   "<button type=\"submit\">Add</button></form>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/*
 * '_gwWebAdminTerminalAdd()' - POST /admin/terminals, /api/v1/admin/terminals
 *                    {name, printer}: the key, shown once.
 */

void
_gwWebAdminTerminalAdd(web_req_t *r)
{
  gw_actor_t   actor;
  char         name[64], printer[128], key[GW_API_TERMINAL_KEY_LEN + 1];
  int64_t      id = 0;
  const char  *error = "a terminal name and printer are needed";
  web_buf_t    b = { 0 };
  json_object *o;

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);
  if (!_gwWebField(r, "name", name, sizeof(name)) || !_gwWebField(r, "printer", printer, sizeof(printer)) ||
      !gwApiTerminalAdd(r->web->sys, &actor, name, printer, key, sizeof(key), &id, &error))
  {
    _gwWebAdminFail(r, error);
    return;
  }

  if (r->api)
  {
    o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "printer", json_object_new_string(printer));
    json_object_object_add(o, "key", json_object_new_string(key));
    gwWipe(key, sizeof(key));
    _gwWebJson(r, 201, o);
    return;
  }

  _gwWebAdminPageBegin(&b, r, "Terminal key");
  _gwWebBufAdd(&b, "<p>The key of terminal <strong>");
  _gwWebBufAddHtml(&b, name);
  _gwWebBufAdd(&b, "</strong>, which releases only to <strong>");
  _gwWebBufAddHtml(&b, printer);
  _gwWebBufAdd(&b, "</strong>:</p><p class=\"secret\" id=\"terminal-key\">");
  _gwWebBufAddHtml(&b, key);
  _gwWebBufAdd(&b, "</p><p>It is shown only now: the gateway keeps only a hash of it. The terminal sends it as "
                   "<code>Authorization: Bearer KEY</code>.</p><p><a href=\"/admin/terminals\">Back to the terminals</a></p>");
  gwWipe(key, sizeof(key));
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 201, &b);
}


/*
 * '_gwWebAdminTerminalRevoke()' - POST /admin/terminals/{name}/revoke, DELETE /api/v1/admin/terminals/{name}.
 */

void
_gwWebAdminTerminalRevoke(web_req_t *r)
{
  _gwWebAdminRemove(r, gwApiTerminalRevoke, "/admin/terminals");
}
