/*
 * web-frontend.c - the web portal front-end (docs/web.md): its ops table,
 * its routes on the core listener, and what every request goes through.
 *
 * A request: begin() adds the security headers (HSTS, a strict CSP with
 * no inline script or style, nosniff, no referrer, no framing), finds the
 * call (the REST API's table in web-api.c, the pages' in web-pages.c),
 * refuses a cross-site Origin, looks the session cookie up, and refuses a
 * call that needs a session without one (401, or the sign-in page).
 * body() keeps a small body (JSON or a form, WEB_SMALL_BODY at most) or
 * streams an upload (web-upload.c).  finish() checks the CSRF token of
 * every change (the X-CSRF-Token header or the "csrf" field) and runs the
 * call; a slow one (a password check, a release) runs on a core task with
 * the answer deferred, so no listener thread waits.
 *
 * Ownership: a request's state has two owners while a slow call runs (the
 * request and the task); the last to let go frees it.
 */

#include "web-private.h"

#include <printgate/config.h>
#include <printgate/system.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct web_owner_s      /* A request state and its owners */
{
  web_req_t r;
  int       refs;
} web_owner_t;

/* On every answer of the listener (gwListenerSetHeaders()): the pages', and the listener's own 404, 413, 503 */
static const char * const security_headers[] =
{
  "Strict-Transport-Security", "max-age=31536000",
  "Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                             "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options", "nosniff",
  "Referrer-Policy", "same-origin",
  "X-Frame-Options", "DENY",
  "Cache-Control", "no-store",
  NULL
};


/*
 * 'owner_unref()' - Drop one owner of a request state; the last frees it.
 */

static void
owner_unref(web_owner_t *o)
{
  if (__atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL) > 0)
    return;

  _gwWebUploadCleanup(&o->r);
  _gwWebFormUploadCleanup(&o->r);
  _gwWebBufFree(&o->r.body);
  _gwWebBufFree(&o->r.out);
  if (o->r.json)
    json_object_put(o->r.json);
  gwWipe(&o->r, sizeof(web_req_t));
  free(o);
}


/*
 * '_gwWebActor()' - The actor of a request: the session's user, or "web".
 */

void
_gwWebActor(web_req_t *r, gw_actor_t *actor)
{
  memset(actor, 0, sizeof(gw_actor_t));
  actor->tenant   = GW_DEFAULT_TENANT;
  actor->who      = r->signed_in ? r->session.user.name : "web";
  actor->role     = r->signed_in ? r->session.user.role : GW_ROLE_GUEST;
  actor->where    = r->client[0] ? r->client : "web";
  actor->frontend = "web";
}


/*
 * '_gwWebRespond()' - Answer now, or, on a slow call's task, keep the
 *                     answer for the deferred response.
 */

void
_gwWebRespond(web_req_t *r, int status, const char *type, const char *body, size_t len)
{
  if (r->deferred)
  {
    r->status = status;
    snprintf(r->type, sizeof(r->type), "%s", type);
    r->out.len = 0;
    _gwWebBufAppend(&r->out, body, len);
    return;
  }

  if (r->req)
    gwRequestRespond(r->req, status, type, body, len);
}


/*
 * '_gwWebJson()' - Answer a JSON object (and free it).
 */

void
_gwWebJson(web_req_t *r, int status, json_object *obj)
{
  const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

  _gwWebRespond(r, status, "application/json", text, strlen(text));
  json_object_put(obj);
}


/*
 * '_gwWebError()' - An error: JSON {"reason", "error"} for the API, a
 *                   page for people.
 */

void
_gwWebError(web_req_t *r, int status, const char *reason, const char *sentence)
{
  json_object *obj;

  if (!r->api)
  {
    _gwWebPageMessage(r, status, status == 404 ? "Not found" : "That did not work", sentence);
    return;
  }

  obj = json_object_new_object();
  json_object_object_add(obj, "reason", json_object_new_string(reason));
  json_object_object_add(obj, "error", json_object_new_string(sentence));
  _gwWebJson(r, status, obj);
}


/*
 * '_gwWebRedirect()' - 303 See Other to a path of ours.
 */

void
_gwWebRedirect(web_req_t *r, const char *location)
{
  static const char body[] = "See other.\n";

  if (r->req && !r->deferred)
    gwRequestAddHeader(r->req, "Location", location);
  else if (r->deferred)
    snprintf(r->location, sizeof(r->location), "%s", location);   /* A slow call's: sent with its answer */
  _gwWebRespond(r, 303, "text/plain", body, sizeof(body) - 1);
}


/*
 * '_gwWebSetCookie()' - Set (sid) or clear (NULL) the session cookie:
 *                       HttpOnly, Secure, SameSite=Strict, the whole site.
 */

void
_gwWebSetCookie(web_req_t *r, const char *sid, int64_t max_age)
{
  char value[256];

  snprintf(value, sizeof(value), WEB_COOKIE "=%s; Path=/; Max-Age=%lld; HttpOnly; Secure; SameSite=Strict", sid ? sid : "", sid ? (long long)max_age : 0LL);
  if (r->deferred)
    snprintf(r->cookie, sizeof(r->cookie), "%s", value);
  else if (r->req)
    gwRequestAddHeader(r->req, "Set-Cookie", value);
  gwWipe(value, sizeof(value));
}


/*
 * '_gwWebField()' - A field of the body: a JSON string member (numbers are
 *                   given as text) or a form field.  NULL when missing.
 */

const char *
_gwWebField(web_req_t *r, const char *name, char *buf, size_t bufsize)
{
  json_object *v;

  if (r->json)
  {
    if (!json_object_object_get_ex(r->json, name, &v) || !v)
      return (NULL);
    if (json_object_is_type(v, json_type_string) && (size_t)json_object_get_string_len(v) < bufsize &&
        memchr(json_object_get_string(v), 0, (size_t)json_object_get_string_len(v)) == NULL)
      snprintf(buf, bufsize, "%s", json_object_get_string(v));
    else if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_boolean))
      snprintf(buf, bufsize, "%s", json_object_get_string(v));
    else
      return (NULL);
    return (buf);
  }

  return (r->body.data && _gwWebFormValue(r->body.data, name, buf, bufsize) ? buf : NULL);
}


/*
 * '_gwWebLinkPrefix()' - "https://HOST:PORT" + path, the address people
 *                        reach us at (the Host header when it is sane, else
 *                        ServerName and the listener's port).
 */

void
_gwWebLinkPrefix(web_req_t *r, const char *path, char *buf, size_t bufsize)
{
  const char *host = r->req ? gwRequestHeader(r->req, "Host") : NULL;
  bool        sane = host && host[0] && strlen(host) < 256;

  for (const char *p = host; sane && *p; p ++)
    sane = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]", *p) != NULL;

  if (sane)
    snprintf(buf, bufsize, "https://%s%s", host, path);
  else
    snprintf(buf, bufsize, "https://%s:%d%s", gwSystemGetConfig(r->web->sys)->server_name, gwApiHttpsPort(r->web->sys), path);
}


/*
 * '_gwWebTokenConfirm()' - Confirm the address of the verification link
 *                          whose token is in the field 'field' (then its
 *                          quarantined jobs become held); the token is
 *                          wiped.
 */

bool
_gwWebTokenConfirm(web_req_t *r, const char *field, gw_address_t *addr)
{
  gw_actor_t actor;
  char       token[128];
  bool       ok;

  _gwWebActor(r, &actor);
  ok = _gwWebField(r, field, token, sizeof(token)) && gwApiTokenConfirm(r->web->sys, &actor, token, addr, NULL);
  gwWipe(token, sizeof(token));

  return (ok);
}


/*
 * 'match()' - Does a path match a call's pattern?  Fills r->param[] with
 *             its "{...}" parts (each a safe name).
 */

static bool
match(web_req_t *r, const char *pattern, const char *path)
{
  int n = 0;

  while (*pattern && *path)
  {
    if (*pattern == '{')
    {
      size_t len = strcspn(path, "/");

      if (n >= 2 || len == 0 || len >= WEB_PARAM_MAX)
        return (false);
      memcpy(r->param[n], path, len);
      r->param[n][len] = '\0';
      if (!_gwWebSafeName(r->param[n ++]))
        return (false);
      path    += len;
      pattern  = strchr(pattern, '}') + 1;
    }
    else if (*pattern ++ != *path ++)
      return (false);
  }

  return (!*pattern && !*path);
}


/*
 * '_gwWebCall()' - Find the call for the request's method and path in a
 *                  table; false (r->call NULL) when there is none.
 */

bool
_gwWebCall(web_req_t *r, const web_call_t *calls, int ncalls)
{
  const char *method = gwRequestMethod(r->req), *path = gwRequestPath(r->req);

  r->call = NULL;
  for (int i = 0; i < ncalls; i ++)
  {
    if (!strcmp(calls[i].method, method) && match(r, calls[i].pattern, path))
    {
      r->call = calls + i;
      return (true);
    }
  }

  return (false);
}


/*
 * 'session_cookie()' - The session cookie's value from the Cookie header.
 */

static void
session_cookie(web_req_t *r)
{
  const char *cookie = gwRequestHeader(r->req, "Cookie"), *p;
  size_t      len;

  r->sid[0] = '\0';
  for (p = cookie; p && (p = strstr(p, WEB_COOKIE "=")) != NULL; p += strlen(WEB_COOKIE))
  {
    if (p != cookie && p[-1] != ' ' && p[-1] != ';')
      continue;
    p  += strlen(WEB_COOKIE) + 1;
    len = strcspn(p, "; ");
    if (len == GW_API_SESSION_ID_LEN)
    {
      memcpy(r->sid, p, len);
      r->sid[len] = '\0';
    }
    return;
  }
}


/*
 * 'origin_ok()' - A state change from a browser must come from our own
 *                 pages: an Origin header, when there is one, must be
 *                 https:// + the Host we were asked as.
 */

static bool
origin_ok(web_req_t *r)
{
  const char *origin = gwRequestHeader(r->req, "Origin"), *host = gwRequestHeader(r->req, "Host");

  if (!origin || !strcmp(gwRequestMethod(r->req), "GET") || !strcmp(gwRequestMethod(r->req), "HEAD"))
    return (true);

  return (host && !strncmp(origin, "https://", 8) && !strcmp(origin + 8, host));
}


/*
 * 'route_begin()' - Headers arrived: the call, the session, and the
 *                   checks that need no body.
 */

static bool
route_begin(gw_request_t *req, void *data)
{
  web_owner_t *o = calloc(1, sizeof(web_owner_t));
  web_req_t   *r;
  gw_actor_t   actor;
  const char  *path = gwRequestPath(req), *auth;

  if (!o)
  {
    gwRequestRespond(req, 503, "text/plain", "Busy.\n", 6);
    return (false);
  }

  o->refs = 1;
  r       = &o->r;
  r->web  = (web_t *)data;
  r->req  = req;
  r->api  = !strncmp(path, "/api/", 5);
  snprintf(r->client, sizeof(r->client), "%s", gwRequestClientAddress(req));
  gwRequestSetState(req, o);

  if (!(r->api ? _gwWebCall(r, _gwWebApiCalls, _gwWebApiNumCalls) || _gwWebCall(r, _gwWebAdminApiCalls, _gwWebAdminApiNumCalls) :
                 _gwWebCall(r, _gwWebPageCalls, _gwWebPageNumCalls) || _gwWebCall(r, _gwWebAdminPageCalls, _gwWebAdminPageNumCalls)))
  {
    _gwWebError(r, 404, "not-found", "There is nothing at this address.");
    return (false);
  }

  if (!origin_ok(r))
  {
    _gwWebError(r, 403, "cross-site", "This request came from another site and was refused.");
    return (false);
  }

  if ((auth = gwRequestHeader(req, "Authorization")) != NULL && !strncmp(auth, "Bearer ", 7) && strlen(auth + 7) == GW_API_TERMINAL_KEY_LEN)
    snprintf(r->terminal_key, sizeof(r->terminal_key), "%s", auth + 7);

  session_cookie(r);
  _gwWebActor(r, &actor);
  r->signed_in = r->sid[0] && gwApiSessionGet(r->web->sys, &actor, r->sid, &r->session);

  if (r->call->auth != WEB_AUTH_NONE && !r->signed_in)
  {
    char next[256];

    if (r->api)
      _gwWebError(r, 401, "signed-out", "Sign in first.");
    else if (!strncmp(path, "/p/", 3) && _gwWebSafeName(path + 3) && snprintf(next, sizeof(next), "/signin?next=%s", path) < (int)sizeof(next))
      _gwWebRedirect(r, next);
    else if (!strncmp(path, "/admin/", 7))
      _gwWebRedirect(r, "/admin");
    else
      _gwWebRedirect(r, "/signin");
    return (false);
  }

  /* fn NULL: a streamed upload, raw (API) or a form (page) */
  return (r->call->fn != NULL || (r->api ? _gwWebUploadBegin(r) : _gwWebFormUploadBegin(r)));
}


/*
 * 'route_body()' - Keep a small body, or stream an upload.
 */

static bool
route_body(gw_request_t *req, const char *buf, size_t len, void *data)
{
  web_owner_t *o = (web_owner_t *)gwRequestGetState(req);

  (void)data;
  if (!o || !o->r.call)
    return (false);

  if (!o->r.call->fn)
    return (o->r.api ? _gwWebUploadBody(&o->r, buf, len) : _gwWebFormUploadBody(&o->r, buf, len));

  if (o->r.body.len + len > WEB_SMALL_BODY || !_gwWebBufAppend(&o->r.body, buf, len))
  {
    _gwWebError(&o->r, 413, "too-large", "The request is too large.");
    return (false);
  }

  return (true);
}


/*
 * 'task_run()' - A slow call on a core task: run it, answer the deferred
 *                request, let go.
 */

static void
task_run(void *arg)
{
  web_owner_t *o = (web_owner_t *)arg;
  web_req_t   *r = &o->r;

  (r->call->fn)(r);
  if (!r->status)
    _gwWebError(r, 500, "internal", "The gateway could not answer; try again.");
  gwDeferredRespondHeader(&r->deferred, r->status, r->type, r->out.data, r->out.len, r->cookie[0] ? "Set-Cookie" : r->location[0] ? "Location" : NULL,
                          r->cookie[0] ? r->cookie : r->location[0] ? r->location : NULL);
  gwWipe(r->cookie, sizeof(r->cookie));
  owner_unref(o);
}


/*
 * 'task_discard()' - A slow call the stop discarded.
 */

static void
task_discard(void *arg)
{
  web_owner_t *o = (web_owner_t *)arg;

  gwDeferredRespond(&o->r.deferred, 503, "text/plain", "Stopping.\n", 10);
  owner_unref(o);
}


/*
 * 'route_finish()' - The body is complete: parse it, check the CSRF token
 *                    of a change, run the call (now, or on a task).
 */

static void
route_finish(gw_request_t *req, void *data)
{
  web_owner_t *o = (web_owner_t *)gwRequestGetState(req);
  web_req_t   *r;
  const char  *token;
  char         field[GW_API_CSRF_LEN + 2];

  (void)data;
  if (!o || !o->r.call)
  {
    gwRequestRespond(req, 500, "text/plain", "No request state.\n", 18);
    return;
  }
  r = &o->r;

  if (!r->call->fn)
  {
    if (r->api)
      _gwWebUploadFinish(r);
    else
      _gwWebFormUploadFinish(r);
    return;
  }

  if (r->api && r->body.len > 0 && (r->json = json_tokener_parse(r->body.data)) == NULL)
  {
    _gwWebError(r, 400, "bad-json", "The request body is not JSON.");
    return;
  }
  if (r->json && !json_object_is_type(r->json, json_type_object))
  {
    _gwWebError(r, 400, "bad-json", "The request body must be a JSON object.");
    return;
  }

  if (r->call->auth == WEB_AUTH_CSRF)
  {
    if ((token = gwRequestHeader(req, "X-CSRF-Token")) == NULL)
      token = _gwWebField(r, "csrf", field, sizeof(field));
    if (!gwApiSessionCsrfValid(&r->session, token))
    {
      _gwWebError(r, 403, "csrf", "The form is out of date or did not come from this site; reload the page and try again.");
      return;
    }
  }

  if (!r->call->slow)
  {
    (r->call->fn)(r);
    return;
  }

  /* Slow: the task owns a reference and answers the deferred request. */
  if ((r->deferred = gwRequestDefer(req, 120000)) == NULL)
  {
    _gwWebError(r, 503, "busy", "The gateway is busy; try again in a minute.");
    return;
  }
  r->req = NULL;
  __atomic_add_fetch(&o->refs, 1, __ATOMIC_ACQ_REL);
  if (!gwSystemRunTask(r->web->sys, task_run, task_discard, o))
  {
    gwDeferredRespond(&r->deferred, 503, "text/plain", "The gateway is busy; try again in a minute.\n", 44);
    owner_unref(o);
  }
}


/*
 * 'route_cleanup()' - The request ended: let go of its state.
 */

static void
route_cleanup(gw_request_t *req, void *data)
{
  web_owner_t *o = (web_owner_t *)gwRequestGetState(req);

  (void)data;
  if (o)
  {
    gwRequestSetState(req, NULL);
    owner_unref(o);
  }
}


/*
 * 'web_routes()' - Put the API, the pages and the static files on the
 *                  listener.
 */

static bool
web_routes(gw_system_t *sys, gw_listener_t *listener, void *data, const char **error_r)
{
  static const char * const pages[] = { "/", "/signin*", "/signout*", "/jobs*", "/p/*", "/setup*", "/verify*", "/static/*", "/addresses/*", "/admin*" };
  web_t      *web = (web_t *)data;
  gw_route_t  route;
  const char *root = gwSystemGetConfig(sys)->web_root;

  web->sys      = sys;
  web->listener = listener;
  if (root[0])
    snprintf(web->root, sizeof(web->root), "%s", root);
  else if (!access(PRINTGATE_WEB_DIR "/web.css", R_OK))
    snprintf(web->root, sizeof(web->root), "%s", PRINTGATE_WEB_DIR);
  else
    snprintf(web->root, sizeof(web->root), "%s", PRINTGATE_WEB_SOURCE_DIR);

  if (!gwListenerSetHeaders(listener, security_headers))
  {
    *error_r = "unable to set the web portal's security headers";
    return (false);
  }

  memset(&route, 0, sizeof(route));
  route.begin   = route_begin;
  route.body    = route_body;
  route.finish  = route_finish;
  route.cleanup = route_cleanup;
  route.data    = web;

  /*
   * The API: an upload's body may be a whole document.  The listener's
   * limit is a little above MaxDocumentSize so that the upload's own
   * count stops a body without Content-Length first: the job then fails
   * as too-large, not as interrupted.
   */

  route.path     = "/api/v1/*";
  route.max_body = gwSystemGetConfig(sys)->max_document_size + WEB_SMALL_BODY;
  for (int i = 0; i < 3; i ++)
  {
    route.method = (const char * const[]){ "GET", "POST", "DELETE" }[i];
    if (!gwListenerAddRoute(listener, &route))
    {
      *error_r = "unable to add the web API's routes";
      return (false);
    }
  }

  /* The form upload: files and a few fields */
  route.path     = "/jobs/upload";
  route.method   = "POST";
  route.max_body = gwSystemGetConfig(sys)->max_document_size + WEB_SMALL_BODY;
  if (!gwListenerAddRoute(listener, &route))
  {
    *error_r = "unable to add the web upload form's route";
    return (false);
  }

  route.max_body = WEB_SMALL_BODY;
  for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i ++)
  {
    route.path = pages[i];
    for (int m = 0; m < 2; m ++)
    {
      route.method = m ? "POST" : "GET";
      if (!gwListenerAddRoute(listener, &route))
      {
        *error_r = "unable to add the web pages' routes";
        return (false);
      }
    }
  }

  gwLog(gwSystemGetLog(sys), GW_LOG_INFO, "Web portal: static files from %s.", web->root);
  return (true);
}


/*
 * 'gwWebNew()' - A web portal front-end (NULL = out of memory).
 */

gw_web_t *
gwWebNew(void)
{
  return ((gw_web_t *)calloc(1, sizeof(web_t)));
}


/*
 * 'web_reload()' - A reload's MaxDocumentSize applies to the upload
 *                  routes' body cap too (the uploads check it themselves).
 */

static void
web_reload(gw_system_t *sys, const gw_config_t *config, void *data)
{
  web_t *web = (web_t *)data;

  (void)sys;
  if (web->listener)
  {
    gwListenerSetMaxBody(web->listener, "/api/v1/*", config->max_document_size + WEB_SMALL_BODY);
    gwListenerSetMaxBody(web->listener, "/jobs/upload", config->max_document_size + WEB_SMALL_BODY);
  }
}


/*
 * 'gwWebFrontend()' - The web portal's ops table.
 */

void
gwWebFrontend(gw_web_t *web, gw_frontend_t *frontend)
{
  memset(frontend, 0, sizeof(gw_frontend_t));
  frontend->name   = "web";
  frontend->routes = web_routes;
  frontend->reload = web_reload;
  frontend->data   = web;
}


/*
 * 'gwWebAdd()' - A new web portal front-end, registered with the gateway.
 */

gw_web_t *
gwWebAdd(gw_system_t *sys)
{
  gw_web_t     *web = gwWebNew();
  gw_frontend_t fe;

  if (web)
  {
    gwWebFrontend(web, &fe);
    if (!gwSystemAddFrontend(sys, &fe))
      gwWebDelete(&web);
  }

  return (web);
}


/*
 * 'gwWebDelete()' - Free the front-end (after the listener stopped).
 */

void
gwWebDelete(gw_web_t **web)
{
  if (web && *web)
  {
    free(*web);
    *web = NULL;
  }
}


/*
 * 'gwWebApiRouteCount()' - The number of REST API calls.
 */

int
gwWebApiRouteCount(void)
{
  return (_gwWebApiNumCalls + _gwWebAdminApiNumCalls);
}


/*
 * 'gwWebApiRoute()' - One REST API call's method and pattern.
 */

bool
gwWebApiRoute(int i, const char **method, const char **pattern)
{
  const web_call_t *call = i >= 0 && i < _gwWebApiNumCalls ? _gwWebApiCalls + i :
                           i >= _gwWebApiNumCalls && i < _gwWebApiNumCalls + _gwWebAdminApiNumCalls ? _gwWebAdminApiCalls + i - _gwWebApiNumCalls : NULL;

  if (!call)
    return (false);

  *method  = call->method;
  *pattern = call->pattern;
  return (true);
}
