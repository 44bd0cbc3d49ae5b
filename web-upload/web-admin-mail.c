/*
 * web-admin-mail.c - the admin console's mail sources (docs/admin.md,
 * "Mail sources"): the page /admin/mail-sources and the API
 * /api/v1/admin/mail-sources: every source with its kind, server,
 * account, folder, state, last poll, last error, messages taken and lag
 * (from the core's registry, which the mail front-end fills: printgate/
 * mailsrc.h); add, edit and remove the sources made in the console (those
 * of MailSourceFile are shown read-only); test a source's connection; the
 * OAuth2 device-code consent for Microsoft 365 and Google.
 *
 * Everyone of the console reads the list (no secret is ever in it: a
 * stored password shows as "set"); changes, tests and consent are the
 * admin's (GW_RIGHT_SETTINGS), decided and audited by the core.  Changes,
 * tests and the consent's polls are slow calls (a core task): the mail
 * front-end reloads its sources, or a server is asked, never on the
 * listener's thread.
 */

#include "web-private.h"

#include <printgate/mailsrc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BASE     "/admin/mail-sources"
#define FIELD_MAX 4096


typedef struct mail_list_s      /* One listing: a page's rows or the API's array */
{
  web_req_t   *r;
  web_buf_t   *b;
  json_object *list;
  bool         admin;
  int64_t      now;
} mail_list_t;


/*
 * 'when_text()' - A time as "YYYY-MM-DD HH:MM:SS UTC", or "never".
 */

static void
when_text(int64_t t, char *buf, size_t bufsize)
{
  struct tm tmv;
  time_t    tt = (time_t)t;

  if (t <= 0)
    snprintf(buf, bufsize, "never");
  else
    strftime(buf, bufsize, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&tt, &tmv));
}


/*
 * 'source_json()' - One source as the API's object (no secret: only whether one is set).
 */

static json_object *
source_json(const gw_mail_source_status_t *st, const gw_mail_source_def_t *def, int64_t now)
{
  json_object *o = json_object_new_object();
  char         server[300];

  if (def)
    snprintf(server, sizeof(server), "%s:%d", def->host, def->port);
  json_object_object_add(o, "name", json_object_new_string(st ? st->name : def->name));
  json_object_object_add(o, "origin", json_object_new_string(def ? "console" : st->origin));
  json_object_object_add(o, "kind", json_object_new_string(st ? st->kind : def->kind));
  json_object_object_add(o, "server", json_object_new_string(st ? st->server : server));
  json_object_object_add(o, "account", json_object_new_string(st ? st->account : def->user));
  json_object_object_add(o, "folder", json_object_new_string(st ? st->folder : def->folder));
  json_object_object_add(o, "state", json_object_new_string(st ? st->state : def && !strcmp(def->auth, "oauth2") && !def->has_refresh_token ? "needs-consent" : "not-running"));
  json_object_object_add(o, "last_poll", json_object_new_int64(st ? st->last_poll : 0));
  json_object_object_add(o, "lag", json_object_new_int64(st && st->last_poll ? now - st->last_poll : -1));
  json_object_object_add(o, "last_error_at", json_object_new_int64(st ? st->last_error_at : 0));
  json_object_object_add(o, "last_error", json_object_new_string(st ? st->last_error : ""));
  json_object_object_add(o, "taken", json_object_new_int64(st ? st->taken : 0));
  if (def)
  {
    json_object_object_add(o, "auth", json_object_new_string(def->auth));
    json_object_object_add(o, "provider", json_object_new_string(def->provider));
    json_object_object_add(o, "password_set", json_object_new_boolean(def->has_password));
    json_object_object_add(o, "client_secret_set", json_object_new_boolean(def->has_client_secret));
    json_object_object_add(o, "consent_given", json_object_new_boolean(def->has_refresh_token));
  }
  return (o);
}


/*
 * 'source_row()' - One source: a table row (with its buttons) or a JSON object.
 */

static bool
source_row(const gw_mail_source_status_t *st, const gw_mail_source_def_t *def, void *data)
{
  mail_list_t *ml = (mail_list_t *)data;
  json_object *o = source_json(st, def, ml->now), *v;
  const char  *name;
  char         poll[40], lag[32];

  if (ml->list)
  {
    json_object_array_add(ml->list, o);
    return (true);
  }

  name = json_object_get_string(json_object_object_get_ex(o, "name", &v) ? v : NULL);
  when_text(json_object_get_int64(json_object_object_get_ex(o, "last_poll", &v) ? v : NULL), poll, sizeof(poll));
  snprintf(lag, sizeof(lag), "%lld s", (long long)json_object_get_int64(json_object_object_get_ex(o, "lag", &v) ? v : NULL));
  _gwWebBufAdd(ml->b, "<tr class=\"mail-source\" data-source=\"");
  _gwWebBufAddHtml(ml->b, name);
  _gwWebBufAdd(ml->b, "\">");
  static const char * const cols[] = { "name", "origin", "kind", "server", "account", "folder", "state" };
  for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i ++)
  {
    _gwWebBufAddf(ml->b, "<td class=\"ms-%s\">", cols[i]);
    _gwWebBufAddHtml(ml->b, json_object_get_string(json_object_object_get_ex(o, cols[i], &v) ? v : NULL));
    _gwWebBufAdd(ml->b, "</td>");
  }
  _gwWebBufAddf(ml->b, "<td class=\"ms-last-poll\">%s</td><td class=\"ms-lag\">%s</td><td class=\"ms-taken\">%lld</td><td class=\"ms-last-error\">",
                poll, strcmp(lag, "-1 s") ? lag : "-", (long long)json_object_get_int64(json_object_object_get_ex(o, "taken", &v) ? v : NULL));
  _gwWebBufAddHtml(ml->b, json_object_get_string(json_object_object_get_ex(o, "last_error", &v) ? v : NULL));
  _gwWebBufAdd(ml->b, "</td><td>");
  if (ml->admin && _gwWebSafeName(name))
  {
    if (st)
      _gwWebAdminButton(ml->b, ml->r, BASE, name, "test", "Test connection");
    if (def)
    {
      _gwWebBufAddf(ml->b, "<a href=\"" BASE "/%s\" class=\"edit-link\">Edit</a>", name);
      if (!strcmp(def->auth, "oauth2"))
        _gwWebAdminButton(ml->b, ml->r, BASE, name, "oauth", "OAuth2 consent");
      _gwWebAdminButton(ml->b, ml->r, BASE, name, "delete", "Remove");
    }
  }
  _gwWebBufAdd(ml->b, "</td></tr>\n");
  json_object_put(o);
  return (true);
}


/*
 * 'source_form()' - The add form, or the edit form of def (secrets never shown).
 */

static void
source_form(web_buf_t *b, web_req_t *r, const gw_mail_source_def_t *def)
{
  static const char * const kinds[] = { "imaps", "imap", "pop3s", "pop3" };
  static const char * const providers[] = { "microsoft", "google", "custom" };
  char                      action[128], port[16] = "", poll[16] = "";

  snprintf(action, sizeof(action), "%s%s%s", BASE, def ? "/" : "", def ? def->name : "");
  _gwWebAdminPostForm(b, r, action, def ? "source-edit" : "source-new");
  if (!def)
    _gwWebBufAdd(b, "<label for=\"ms-name\">Name</label><input id=\"ms-name\" name=\"name\" required maxlength=\"63\" pattern=\"[A-Za-z0-9._-]+\">");
  _gwWebBufAdd(b, "<label for=\"ms-kind\">Kind</label><select id=\"ms-kind\" name=\"kind\">");
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i ++)
    _gwWebBufAddf(b, "<option%s>%s</option>", def && !strcmp(def->kind, kinds[i]) ? " selected" : "", kinds[i]);
  if (def && def->port)
    snprintf(port, sizeof(port), "%d", def->port);
  if (def && def->poll)
    snprintf(poll, sizeof(poll), "%d", def->poll);
  _gwWebBufAdd(b, "</select><label for=\"ms-host\">Server</label><input id=\"ms-host\" name=\"host\" required maxlength=\"253\" value=\"");
  _gwWebBufAddHtml(b, def ? def->host : "");
  _gwWebBufAddf(b, "\"><label for=\"ms-port\">Port (empty: the usual one)</label><input id=\"ms-port\" name=\"port\" type=\"number\" min=\"1\" max=\"65535\" value=\"%s\">", port);
  _gwWebBufAdd(b, "<label for=\"ms-folder\">Folder (IMAP)</label><input id=\"ms-folder\" name=\"folder\" maxlength=\"127\" placeholder=\"INBOX\" value=\"");
  _gwWebBufAddHtml(b, def ? def->folder : "");
  _gwWebBufAdd(b, "\"><label for=\"ms-user\">Account</label><input id=\"ms-user\" name=\"user\" required maxlength=\"255\" autocomplete=\"off\" value=\"");
  _gwWebBufAddHtml(b, def ? def->user : "");
  _gwWebBufAddf(b, "\"><label for=\"ms-auth\">Sign-in</label><select id=\"ms-auth\" name=\"auth\"><option%s>password</option><option%s>oauth2</option></select>",
                def && !strcmp(def->auth, "password") ? " selected" : "", def && !strcmp(def->auth, "oauth2") ? " selected" : "");
  _gwWebBufAddf(b, "<label for=\"ms-password\">Password%s</label><input id=\"ms-password\" name=\"password\" type=\"password\" maxlength=\"1024\" autocomplete=\"new-password\">",
                def && def->has_password ? " (set; empty keeps it)" : "");
  _gwWebBufAdd(b, "<fieldset><legend>OAuth2 (device code)</legend><label for=\"ms-provider\">Provider</label><select id=\"ms-provider\" name=\"provider\"><option value=\"\"></option>");
  for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i ++)
    _gwWebBufAddf(b, "<option%s>%s</option>", def && !strcmp(def->provider, providers[i]) ? " selected" : "", providers[i]);
  static const struct { const char *name, *label; size_t off; } texts[] =
  {
    { "tenant", "Microsoft tenant (empty: organizations)", offsetof(gw_mail_source_def_t, tenant) },
    { "client_id", "Client id", offsetof(gw_mail_source_def_t, client_id) },
    { "scope", "Scope (empty: the provider's)", offsetof(gw_mail_source_def_t, scope) },
    { "device_url", "Device endpoint (empty: the provider's)", offsetof(gw_mail_source_def_t, device_url) },
    { "token_url", "Token endpoint (empty: the provider's)", offsetof(gw_mail_source_def_t, token_url) },
    { "token_cafile", "CA file of the endpoints (empty: the server's)", offsetof(gw_mail_source_def_t, token_cafile) }
  };
  _gwWebBufAdd(b, "</select>");
  for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i ++)
  {
    _gwWebBufAddf(b, "<label for=\"ms-%s\">%s</label><input id=\"ms-%s\" name=\"%s\" value=\"", texts[i].name, texts[i].label, texts[i].name, texts[i].name);
    _gwWebBufAddHtml(b, def ? (const char *)def + texts[i].off : "");
    _gwWebBufAdd(b, "\">");
  }
  _gwWebBufAddf(b, "<label for=\"ms-client-secret\">Client secret (optional%s)</label><input id=\"ms-client-secret\" name=\"client_secret\" type=\"password\" maxlength=\"1024\" autocomplete=\"off\"></fieldset>",
                def && def->has_client_secret ? "; set, empty keeps it" : "");
  _gwWebBufAdd(b, "<label for=\"ms-cafile\">CA file of the server (empty: the system's)</label><input id=\"ms-cafile\" name=\"cafile\" value=\"");
  _gwWebBufAddHtml(b, def ? def->cafile : "");
  _gwWebBufAdd(b, "\"><label for=\"ms-authserv\">Trusted Authentication-Results id</label><input id=\"ms-authserv\" name=\"authserv_id\" value=\"");
  _gwWebBufAddHtml(b, def ? def->authserv_id : "");
  _gwWebBufAddf(b, "\"><label for=\"ms-poll\">Poll every (seconds)</label><input id=\"ms-poll\" name=\"poll\" type=\"number\" min=\"1\" max=\"1500\" value=\"%s\">"
                   "<button type=\"submit\">%s</button></form>", poll, def ? "Save" : "Add");
}


/*
 * '_gwWebAdminMailGet()' - GET /admin/mail-sources, /api/v1/admin/mail-sources (every console role).
 */

void
_gwWebAdminMailGet(web_req_t *r)
{
  gw_actor_t   actor;
  web_buf_t    b = { 0 };
  mail_list_t  ml = { r, &b, NULL, false, (int64_t)time(NULL) };
  json_object *o;

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);
  ml.admin = gwRoleHas(actor.role, GW_RIGHT_SETTINGS);
  if (r->api)
  {
    ml.list = json_object_new_array();
    if (!gwApiMailSourceIterate(r->web->sys, &actor, source_row, &ml))
    {
      json_object_put(ml.list);
      _gwWebAdminFail(r, "permission denied");
      return;
    }
    o = json_object_new_object();
    json_object_object_add(o, "sources", ml.list);
    _gwWebJson(r, 200, o);
    return;
  }

  _gwWebAdminPageBegin(&b, r, "Mail sources");
  _gwWebBufAdd(&b, "<p>Sources of the configuration file (MailSourceFile) are shown read-only; those made here are kept in the store, "
                   "their secrets encrypted, and start at once.</p><table class=\"mail-sources\" id=\"mail-sources\"><thead><tr>"
                   "<th>Name</th><th>Origin</th><th>Kind</th><th>Server</th><th>Account</th><th>Folder</th><th>State</th>"
                   "<th>Last poll</th><th>Lag</th><th>Taken</th><th>Last error</th><th></th></tr></thead><tbody>");
  if (!gwApiMailSourceIterate(r->web->sys, &actor, source_row, &ml))
  {
    _gwWebBufFree(&b);
    _gwWebAdminFail(r, "permission denied");
    return;
  }
  _gwWebBufAdd(&b, "</tbody></table>");
  if (ml.admin)
  {
    _gwWebBufAdd(&b, "<h2>Add a source</h2>");
    source_form(&b, r, NULL);
  }
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


typedef struct find_def_s       /* One console source by name */
{
  const char           *name;
  gw_mail_source_def_t *def;
  bool                  found;
} find_def_t;


/*
 * 'find_def()' - Keep the console source looked for.
 */

static bool
find_def(const gw_mail_source_status_t *st, const gw_mail_source_def_t *def, void *data)
{
  find_def_t *f = (find_def_t *)data;

  (void)st;
  if (!def || strcmp(def->name, f->name))
    return (true);
  *f->def   = *def;
  f->found  = true;
  return (false);
}


/*
 * '_gwWebAdminMailEditPage()' - GET /admin/mail-sources/{name}: the edit form (admin).
 */

void
_gwWebAdminMailEditPage(web_req_t *r)
{
  gw_actor_t           actor;
  gw_mail_source_def_t def;
  find_def_t           f = { r->param[0], &def, false };
  web_buf_t            b = { 0 };

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);
  if (!gwRoleHas(actor.role, GW_RIGHT_SETTINGS))
  {
    _gwWebAdminFail(r, "permission denied");
    return;
  }
  if (!gwApiMailSourceIterate(r->web->sys, &actor, find_def, &f) || !f.found)
  {
    _gwWebAdminFail(r, "no such console source");
    return;
  }
  _gwWebAdminPageBegin(&b, r, "Edit a mail source");
  _gwWebBufAdd(&b, "<h2 id=\"source-name\">");
  _gwWebBufAddHtml(&b, def.name);
  _gwWebBufAdd(&b, "</h2>");
  source_form(&b, r, &def);
  _gwWebBufAdd(&b, "<p><a href=\"" BASE "\">Back to the mail sources</a></p>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/*
 * 'text_field()' - A text field into buf (absent = ""); false when too long.
 */

static bool
text_field(web_req_t *r, const char *name, char *buf, size_t bufsize, char *tmp)
{
  json_object *v;

  buf[0] = '\0';
  if (!_gwWebField(r, name, tmp, FIELD_MAX))
    return (!(r->json && json_object_object_get_ex(r->json, name, &v) && v && !json_object_is_type(v, json_type_null)));
  if (strlen(tmp) >= bufsize)
    return (false);
  snprintf(buf, bufsize, "%s", tmp);
  return (true);
}


/*
 * 'number_field()' - A whole number 0 to max (absent or "" = 0); false when malformed.
 */

static bool
number_field(web_req_t *r, const char *name, int max, int *value, char *tmp)
{
  char *end;
  long  n;

  *value = 0;
  if (!_gwWebField(r, name, tmp, 32) || !tmp[0])
    return (true);
  n = strtol(tmp, &end, 10);
  if (*end || n < 1 || n > max)
    return (false);
  *value = (int)n;
  return (true);
}


/*
 * 'read_def()' - The form's or JSON's fields; NULL when they read, else why.
 */

static const char *
read_def(web_req_t *r, gw_mail_source_def_t *d, char *tmp)
{
  static const struct { const char *name; size_t off, size; } texts[] =
  {
#define T(n, f) { n, offsetof(gw_mail_source_def_t, f), sizeof(((gw_mail_source_def_t *)0)->f) }
    T("kind", kind), T("host", host), T("folder", folder), T("user", user), T("password", password), T("auth", auth),
    T("provider", provider), T("tenant", tenant), T("client_id", client_id), T("client_secret", client_secret),
    T("scope", scope), T("device_url", device_url), T("token_url", token_url), T("cafile", cafile),
    T("token_cafile", token_cafile), T("authserv_id", authserv_id)
#undef T
  };
  static char why[96];

  for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i ++)
    if (!text_field(r, texts[i].name, (char *)d + texts[i].off, texts[i].size, tmp))
    {
      snprintf(why, sizeof(why), "the field %s is too long (at most %d bytes)", texts[i].name, (int)texts[i].size - 1);
      return (why);
    }
  if (!number_field(r, "port", 65535, &d->port, tmp))
    return ("the port is 1 to 65535 (or empty for the usual one)");
  if (!number_field(r, "poll", 1500, &d->poll, tmp))
    return ("the poll interval is 1 to 1500 seconds");
  if (!d->auth[0])
    snprintf(d->auth, sizeof(d->auth), "password");
  return (NULL);
}


/*
 * 'save()' - Add (create) or edit a source from the request.
 */

static void
save(web_req_t *r, bool create)
{
  gw_actor_t            actor;
  gw_mail_source_def_t *d = calloc(1, sizeof(gw_mail_source_def_t));
  char                 *tmp = calloc(1, FIELD_MAX);
  const char           *error = NULL;
  bool                  ok = false;

  if (!d || !tmp || !_gwWebAdminGate(r))
  {
    if (!d || !tmp)
      _gwWebAdminFail(r, NULL);
    free(d);
    free(tmp);
    return;
  }
  _gwWebActor(r, &actor);
  if (create && !text_field(r, "name", d->name, sizeof(d->name), tmp))
    error = "the name is 1 to 63 letters, digits, '-', '_' or '.'";
  else if (!create && strlen(r->param[0]) >= sizeof(d->name))
    error = "no such console source";
  else if ((error = read_def(r, d, tmp)) == NULL)
  {
    if (!create)
      memcpy(d->name, r->param[0], strlen(r->param[0]) + 1);
    ok = gwApiMailSourceSave(r->web->sys, &actor, d, create, &error);
  }
  gwWipe(d, sizeof(*d));
  gwWipe(tmp, FIELD_MAX);
  free(d);
  free(tmp);
  _gwWebAdminDone(r, ok, error, BASE);
}


/*
 * '_gwWebAdminMailAdd()' - POST /admin/mail-sources, /api/v1/admin/mail-sources (slow).
 */

void
_gwWebAdminMailAdd(web_req_t *r)
{
  save(r, true);
}


/*
 * '_gwWebAdminMailEdit()' - POST /admin/mail-sources/{name}, /api/v1/admin/mail-sources/{name} (slow).
 */

void
_gwWebAdminMailEdit(web_req_t *r)
{
  save(r, false);
}


/*
 * '_gwWebAdminMailRemove()' - POST /admin/mail-sources/{name}/delete, DELETE /api/v1/admin/mail-sources/{name} (slow).
 */

void
_gwWebAdminMailRemove(web_req_t *r)
{
  _gwWebAdminRemove(r, gwApiMailSourceRemove, BASE);
}


/*
 * 'outcome()' - A test's or consent's outcome: JSON or a page with the sentence.
 */

static void
outcome(web_req_t *r, int status, json_object *o, const char *title, const char *id, bool ok, const char *text, const char *extra)
{
  web_buf_t b = { 0 };

  if (r->api)
  {
    _gwWebJson(r, status, o);
    return;
  }
  json_object_put(o);
  _gwWebAdminPageBegin(&b, r, title);
  if (extra)
    _gwWebBufAdd(&b, extra);
  _gwWebBufAddf(&b, "<p class=\"%s\" id=\"%s\">", ok ? "ok" : "error", id);
  _gwWebBufAddHtml(&b, text);
  _gwWebBufAdd(&b, "</p><p><a href=\"" BASE "\">Back to the mail sources</a></p>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, status, &b);
}


/*
 * '_gwWebAdminMailTest()' - POST /admin/mail-sources/{name}/test, /api/v1/... (slow).
 */

void
_gwWebAdminMailTest(web_req_t *r)
{
  gw_actor_t   actor;
  char         text[512] = "";
  const char  *error = NULL;
  json_object *o;
  bool         ok;

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);
  ok = gwApiMailSourceTest(r->web->sys, &actor, r->param[0], text, sizeof(text), &error);
  if (!ok && !text[0])
  {
    _gwWebAdminFail(r, error);
    return;
  }
  o = json_object_new_object();
  json_object_object_add(o, "ok", json_object_new_boolean(ok));
  json_object_object_add(o, "text", json_object_new_string(text));
  outcome(r, ok ? 200 : 409, o, "Connection test", "test-result", ok, text, NULL);
}


/*
 * '_gwWebAdminMailOAuth()' - POST .../{name}/oauth (start), GET .../{name}/oauth (state, and a token request when due) (slow).
 */

void
_gwWebAdminMailOAuth(web_req_t *r)
{
  gw_actor_t        actor;
  gw_oauth_device_t dev;
  const char       *error = NULL;
  json_object      *o;
  web_buf_t         extra = { 0 };
  bool              ok, start = !strcmp(r->call->method, "POST");   /* Not the request: a slow call runs on a task */

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);
  ok = start ? gwApiMailSourceOAuthStart(r->web->sys, &actor, r->param[0], &dev, &error) : gwApiMailSourceOAuthPoll(r->web->sys, &actor, r->param[0], &dev, &error);
  if (!ok && !dev.text[0])
  {
    _gwWebAdminFail(r, error);
    return;
  }
  o = json_object_new_object();
  json_object_object_add(o, "state", json_object_new_string(dev.state));
  json_object_object_add(o, "user_code", json_object_new_string(dev.user_code));
  json_object_object_add(o, "verification_uri", json_object_new_string(dev.verification_uri));
  json_object_object_add(o, "interval", json_object_new_int(dev.interval));
  json_object_object_add(o, "expires", json_object_new_int64(dev.expires));
  json_object_object_add(o, "text", json_object_new_string(dev.text));
  if (!r->api && !strcmp(dev.state, "pending"))
  {
    _gwWebBufAdd(&extra, "<p>Open <a id=\"verification-uri\" href=\"");
    _gwWebBufAddHtml(&extra, dev.verification_uri);
    _gwWebBufAdd(&extra, "\">");
    _gwWebBufAddHtml(&extra, dev.verification_uri);
    _gwWebBufAdd(&extra, "</a> and enter the code <strong id=\"user-code\">");
    _gwWebBufAddHtml(&extra, dev.user_code);
    _gwWebBufAddf(&extra, "</strong>.  This page checks again every %d s.</p><meta http-equiv=\"refresh\" content=\"%d;url=" BASE "/%s/oauth\">",
                  dev.interval, dev.interval, r->param[0]);
  }
  outcome(r, ok ? 200 : 409, o, "OAuth2 consent", "oauth-state", ok && strcmp(dev.state, "denied") && strcmp(dev.state, "expired") && strcmp(dev.state, "error"),
          dev.text, extra.data);
  _gwWebBufFree(&extra);
}
