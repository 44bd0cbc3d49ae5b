/*
 * oauth-device.c - the OAuth 2.0 device authorization grant (RFC 8628)
 * for a mail source made in the admin console (mailsrc.h; docs/admin.md,
 * "OAuth2 consent"): the console starts it (one request to the device
 * endpoint: the user code and the verification URL to show), then asks
 * for its state; each ask past the interval makes one token request,
 * honouring authorization_pending, slow_down (interval + 5 s),
 * expired_token and access_denied (RFC 8628 section 3.5).  The refresh
 * token granted is stored sealed for that source and the mail front-end
 * reloads; the intake then uses the refresh-token grant.
 *
 * HTTPS only, the certificate and host name verified (token-cafile, else
 * the source's cafile, else the system store), no redirects, bounded
 * answers and timeouts.  The device code and tokens are wiped after use.
 * Token requests run on a core task (the console's slow call), never on
 * the listener's thread; one at a time per source.
 */

#include "api-private.h"
#include "mailsrc-private.h"
#include "printgate/clock.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FORM_MAX  8192

typedef struct answer_s         /* A bounded answer */
{
  char   *data;
  size_t  len;
  bool    too_large;
} answer_t;


/*
 * 'write_cb()' - Keep the answer, up to _GW_OAUTH_ANSWER_MAX bytes.
 */

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *data)
{
  answer_t *a = (answer_t *)data;
  size_t    n = size * nmemb;
  char     *p;

  if (a->len + n > _GW_OAUTH_ANSWER_MAX || (p = realloc(a->data, a->len + n + 1)) == NULL)
  {
    a->too_large = true;
    return (0);
  }
  a->data = p;
  memcpy(a->data + a->len, ptr, n);
  a->len += n;
  a->data[a->len] = '\0';
  return (n);
}


/*
 * 'form_add()' - Append "&name=value" (URL-encoded).
 */

static bool
form_add(CURL *curl, char *form, const char *name, const char *value)
{
  char  *enc = curl_easy_escape(curl, value, 0);
  size_t len = strlen(form);
  int    n;

  if (!enc)
    return (false);
  n = snprintf(form + len, FORM_MAX - len, "%s%s=%s", len ? "&" : "", name, enc);
  gwWipe(enc, strlen(enc));
  curl_free(enc);
  return (n > 0 && (size_t)n < FORM_MAX - len);
}


/*
 * 'post_form()' - POST a form over verified HTTPS; the answer's status and
 *                 JSON body (NULL on a transport error, why set).
 */

static json_object *
post_form(const char *url, const char *form, const char *cafile, long *status, char *why, size_t whysize)
{
  CURL        *curl = curl_easy_init();
  answer_t     a = { NULL, 0, false };
  char         errbuf[CURL_ERROR_SIZE] = "";
  json_object *root = NULL;
  CURLcode     rc;

  *status = 0;
  if (!curl)
  {
    snprintf(why, whysize, "out of memory");
    return (NULL);
  }
  if (curl_easy_setopt(curl, CURLOPT_URL, url) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
      (cafile[0] && curl_easy_setopt(curl, CURLOPT_CAINFO, cafile) != CURLE_OK) ||
      curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a) != CURLE_OK)
    snprintf(why, whysize, "the HTTPS request could not be set up");
  else if ((rc = curl_easy_perform(curl)) != CURLE_OK)
    snprintf(why, whysize, "%s: %s", rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ? "TLS: the endpoint's certificate is not trusted" : a.too_large ? "the answer is too large" : "cannot reach the endpoint",
             errbuf[0] ? errbuf : curl_easy_strerror(rc));
  else
  {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    if ((root = a.data ? json_tokener_parse(a.data) : NULL) == NULL || !json_object_is_type(root, json_type_object))
    {
      json_object_put(root);
      root = NULL;
      snprintf(why, whysize, "HTTP %ld: the answer is not a JSON object", *status);
    }
  }
  if (a.data)
    gwWipe(a.data, a.len);
  free(a.data);
  curl_easy_cleanup(curl);

  return (root);
}


/*
 * 'json_text()' - A string member, or "".
 */

static const char *
json_text(json_object *root, const char *key)
{
  json_object *v;

  return (json_object_object_get_ex(root, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "");
}


/*
 * 'source_def()' - The console source's settings, checked for OAuth2
 *                  (admin), with its client secret opened into def.
 */

static bool
source_def(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_mail_source_def_t *def, const char **error_r)
{
  if (!sys || !_gwApiMay(actor, GW_RIGHT_SETTINGS, error_r))
    return (false);
  if (!name || !_gwMailSrcLoad(sys, actor->tenant, name, def, def->client_secret, sizeof(def->client_secret)))
  {
    _gwApiError(error_r, "no such console source");
    return (false);
  }
  if (strcmp(def->auth, "oauth2"))
  {
    _gwApiError(error_r, "the source does not sign in with OAuth2");
    return (false);
  }
  _gwMailSrcDefaults(def);
  return (true);
}


/*
 * 'client_form()' - The client's part of a form (client_id, client_secret).
 */

static bool
client_form(CURL *curl, const gw_mail_source_def_t *def, char *form)
{
  return (form_add(curl, form, "client_id", def->client_id) &&
          (!def->client_secret[0] || form_add(curl, form, "client_secret", def->client_secret)));
}


/*
 * 'request_end()' - Free a request's handle and its form (wiped: it may hold a secret).
 */

static void
request_end(CURL *curl, char *form)
{
  if (form)
  {
    gwWipe(form, FORM_MAX);
    free(form);
  }
  if (curl)
    curl_easy_cleanup(curl);
}


/*
 * 'flow_slot()' - The source's flow (a new slot when create); lock held.
 */

static _gw_device_flow_t *
flow_slot(_gw_mailsrc_t *m, const char *name, bool create)
{
  _gw_device_flow_t *free_slot = NULL;

  for (int i = 0; i < GW_MAILSRC_MAX; i ++)
  {
    if (!strcmp(m->flows[i].name, name))
      return (m->flows + i);
    if (!m->flows[i].name[0] && !free_slot)
      free_slot = m->flows + i;
  }
  if (create && free_slot)
  {
    memset(free_slot, 0, sizeof(*free_slot));
    snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
  }
  return (create ? free_slot : NULL);
}


/*
 * 'gwApiMailSourceOAuthStart()' - Ask the device endpoint for a user code.
 */

bool
gwApiMailSourceOAuthStart(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_oauth_device_t *device, const char **error_r)
{
  gw_mail_source_def_t def;
  _gw_device_flow_t   *f;
  CURL                *curl;
  json_object         *root = NULL, *v;
  char                *form = NULL, why[256] = "";
  long                 status = 0;
  int                  interval = 5;
  int64_t              life = 900;
  const char          *code, *user_code, *uri;

  memset(device, 0, sizeof(*device));
  if (!source_def(sys, actor, name, &def, error_r))
    return (false);
  if ((curl = curl_easy_init()) == NULL || (form = calloc(1, FORM_MAX)) == NULL)
    snprintf(why, sizeof(why), "out of memory");
  else if (!client_form(curl, &def, form) || !form_add(curl, form, "scope", def.scope))
    snprintf(why, sizeof(why), "the request does not fit");
  else
    root = post_form(def.device_url, form, def.token_cafile[0] ? def.token_cafile : def.cafile, &status, why, sizeof(why));
  if (root && status != 200)
    snprintf(why, sizeof(why), "the device endpoint answered HTTP %ld %.60s %.120s", status, json_text(root, "error"), json_text(root, "error_description"));
  else if (root)
  {
    code      = json_text(root, "device_code");
    user_code = json_text(root, "user_code");
    uri       = json_text(root, "verification_uri");
    if (!uri[0])
      uri = json_text(root, "verification_url");   /* Google's name */
    if (json_object_object_get_ex(root, "interval", &v))
      interval = json_object_get_int(v);
    if (json_object_object_get_ex(root, "expires_in", &v))
      life = json_object_get_int64(v);
    if (!code[0] || strlen(code) >= sizeof(f->device_code) || !user_code[0] || strlen(user_code) >= sizeof(device->user_code) ||
        strncmp(uri, "https://", 8) || strlen(uri) >= sizeof(device->verification_uri) || strpbrk(user_code, "<>&\"'") || strpbrk(uri, "<>\"' "))
      snprintf(why, sizeof(why), "the device endpoint's answer lacks a usable device_code, user_code or https verification_uri");
    else
    {
      snprintf(device->state, sizeof(device->state), "pending");
      snprintf(device->user_code, sizeof(device->user_code), "%s", user_code);
      snprintf(device->verification_uri, sizeof(device->verification_uri), "%s", uri);
      device->interval = interval < 1 ? 5 : interval > 60 ? 60 : interval;
      device->expires  = (int64_t)time(NULL) + (life < 10 || life > 3600 ? 900 : life);
      snprintf(device->text, sizeof(device->text), "Open %s and enter the code %s.", uri, user_code);
      pthread_mutex_lock(&sys->mailsrc->lock);
      if ((f = flow_slot(sys->mailsrc, name, true)) == NULL)
        snprintf(why, sizeof(why), "too many consents in progress");
      else
      {
        gwWipe(f->device_code, sizeof(f->device_code));
        snprintf(f->device_code, sizeof(f->device_code), "%s", code);
        f->pub       = *device;
        f->next_poll = gwClockMs() + 1000.0 * device->interval;
        f->busy      = false;
      }
      pthread_mutex_unlock(&sys->mailsrc->lock);
    }
  }
  json_object_put(root);
  request_end(curl, form);
  gwWipe(&def, sizeof(def));

  _gwApiAudit(sys, actor, "mailsource.oauth.start", name, "", NULL, why[0] ? 0 : 1, why[0] ? why : "pending");
  if (why[0])
  {
    memset(device, 0, sizeof(*device));
    snprintf(device->state, sizeof(device->state), "error");
    snprintf(device->text, sizeof(device->text), "%s", why);
    _gwApiError(error_r, "the device authorization could not start");
    return (false);
  }
  return (true);
}


/*
 * 'token_answer()' - What a token answer means for the flow (lock not held);
 *                    a granted refresh token is copied into refresh.
 */

static void
token_answer(json_object *root, long status, gw_oauth_device_t *pub, int *interval_add, char *refresh, size_t refreshsize)
{
  const char *error = json_text(root, "error"), *rt = json_text(root, "refresh_token");

  *interval_add = 0;
  if (status == 200 && rt[0] && strlen(rt) < refreshsize && !strpbrk(rt, " \t\r\n"))
  {
    snprintf(refresh, refreshsize, "%s", rt);
    snprintf(pub->state, sizeof(pub->state), "done");
    snprintf(pub->text, sizeof(pub->text), "Consent given: the refresh token is stored (encrypted) and the source starts.");
  }
  else if (status == 200)
  {
    snprintf(pub->state, sizeof(pub->state), "error");
    snprintf(pub->text, sizeof(pub->text), "The token endpoint gave no usable refresh token (add offline_access to the scope).");
  }
  else if (!strcmp(error, "authorization_pending"))
    snprintf(pub->text, sizeof(pub->text), "Waiting for the consent at %.150s (code %.40s).", pub->verification_uri, pub->user_code);
  else if (!strcmp(error, "slow_down"))
  {
    *interval_add = 5;
    snprintf(pub->text, sizeof(pub->text), "The provider asked to poll more slowly: every %d s now.", pub->interval + 5);
  }
  else if (!strcmp(error, "access_denied"))
  {
    snprintf(pub->state, sizeof(pub->state), "denied");
    snprintf(pub->text, sizeof(pub->text), "The consent was refused (access_denied); start again to retry.");
  }
  else if (!strcmp(error, "expired_token"))
  {
    snprintf(pub->state, sizeof(pub->state), "expired");
    snprintf(pub->text, sizeof(pub->text), "The code expired before the consent (expired_token); start again.");
  }
  else
  {
    snprintf(pub->state, sizeof(pub->state), "error");
    snprintf(pub->text, sizeof(pub->text), "The token endpoint answered HTTP %ld %.60s %.120s", status, error, json_text(root, "error_description"));
  }
  for (char *p = pub->text; *p; p ++)
    if ((unsigned char)*p < ' ')
      *p = ' ';
}


/*
 * 'token_request()' - One device-code token request; the flow's new state in pub.
 */

static void
token_request(const gw_mail_source_def_t *def, const char *device_code, gw_oauth_device_t *pub, int *interval_add, char *refresh, size_t refreshsize)
{
  CURL        *curl = curl_easy_init();
  char        *form = calloc(1, FORM_MAX), why[256] = "";
  json_object *root = NULL;
  long         status = 0;

  *interval_add = 0;
  if (!curl || !form)
    snprintf(why, sizeof(why), "out of memory");
  else if (!form_add(curl, form, "grant_type", "urn:ietf:params:oauth:grant-type:device_code") ||
           !form_add(curl, form, "device_code", device_code) || !client_form(curl, def, form))
    snprintf(why, sizeof(why), "the request does not fit");
  else
    root = post_form(def->token_url, form, def->token_cafile[0] ? def->token_cafile : def->cafile, &status, why, sizeof(why));
  if (root)
    token_answer(root, status, pub, interval_add, refresh, refreshsize);
  else
  {
    snprintf(pub->state, sizeof(pub->state), "error");
    snprintf(pub->text, sizeof(pub->text), "%s", why);
  }
  json_object_put(root);
  request_end(curl, form);
}


/*
 * 'gwApiMailSourceOAuthPoll()' - The flow's state; one token request when due.
 */

bool
gwApiMailSourceOAuthPoll(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_oauth_device_t *device, const char **error_r)
{
  gw_mail_source_def_t def;
  _gw_device_flow_t   *f;
  char                 code[1024], refresh[GW_SECRET_MAX + 1] = "";
  int64_t              now = (int64_t)time(NULL);
  int                  add = 0;
  const char          *error = NULL;
  bool                 due = false;

  memset(device, 0, sizeof(*device));
  if (!source_def(sys, actor, name, &def, error_r))
    return (false);

  pthread_mutex_lock(&sys->mailsrc->lock);
  if ((f = flow_slot(sys->mailsrc, name, false)) == NULL)
    snprintf(device->state, sizeof(device->state), "none");
  else
  {
    if (!strcmp(f->pub.state, "pending") && now >= f->pub.expires)
    {
      snprintf(f->pub.state, sizeof(f->pub.state), "expired");
      snprintf(f->pub.text, sizeof(f->pub.text), "The code expired before the consent; start again.");
    }
    if ((due = !strcmp(f->pub.state, "pending") && !f->busy && gwClockMs() >= f->next_poll))
    {
      f->busy = true;
      snprintf(code, sizeof(code), "%s", f->device_code);
      *device = f->pub;
    }
    else
      *device = f->pub;
  }
  pthread_mutex_unlock(&sys->mailsrc->lock);

  if (due)
  {
    token_request(&def, code, device, &add, refresh, sizeof(refresh));
    gwWipe(code, sizeof(code));
    device->polls ++;
    device->interval += add;
    if (refresh[0] && !_gwMailSrcSetRefresh(sys, actor->tenant, name, refresh, true, &error))
    {
      snprintf(device->state, sizeof(device->state), "error");
      snprintf(device->text, sizeof(device->text), "%s", error ? error : "the refresh token could not be stored");
    }
    gwWipe(refresh, sizeof(refresh));
    pthread_mutex_lock(&sys->mailsrc->lock);
    if ((f = flow_slot(sys->mailsrc, name, false)) != NULL)
    {
      f->pub       = *device;
      f->busy      = false;
      f->next_poll = gwClockMs() + 1000.0 * device->interval;
      if (strcmp(device->state, "pending"))
        gwWipe(f->device_code, sizeof(f->device_code));   /* Over: the code is of no more use */
    }
    pthread_mutex_unlock(&sys->mailsrc->lock);
    if (strcmp(device->state, "pending"))
      _gwApiAudit(sys, actor, "mailsource.oauth", name, "", NULL, !strcmp(device->state, "done") ? 1 : 0, device->state);
  }
  gwWipe(&def, sizeof(def));

  return (true);
}
