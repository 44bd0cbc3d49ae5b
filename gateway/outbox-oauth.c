/*
 * outbox-oauth.c - the core's OAuth 2.0 client (printgate/oauth.h): the
 * token grants of the SMTP outbox and of the mail front-end's sources, and
 * the XOAUTH2 / OAUTHBEARER (RFC 7628) messages that carry a token.
 *
 * The token endpoint is reached over libcurl (https only, no redirects: a
 * client secret never follows a Location elsewhere), its certificate chain
 * and host name verified before the form goes out, the answer bounded and
 * read with json-c.  Every buffer that held a secret or a token is wiped.
 */

#include "outbox-private.h"
#include "printgate/crypto.h"
#include "printgate/oauth.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_ANSWER_MAX  (64 * 1024)   /* Bytes of a token endpoint's answer */
#define TOKEN_MARGIN      60            /* Seconds before expiry a token stops being used */
#define TOKEN_TIMEOUT     60            /* Seconds for one grant, at most */

typedef struct answer_s         /* The endpoint's answer, bounded */
{
  char                *body;    /* TOKEN_ANSWER_MAX + 1 bytes, allocated once (never moved: it is wiped) */
  size_t               len;
  bool                 too_large;
  const volatile bool *cancel;
} answer_t;


/*
 * 'answer_cb()' - Keep the answer, up to TOKEN_ANSWER_MAX.
 */

static size_t
answer_cb(char *data, size_t size, size_t nmemb, void *user)
{
  answer_t *a = (answer_t *)user;
  size_t    n = size * nmemb;

  if (a->len + n > TOKEN_ANSWER_MAX)
  {
    a->too_large = true;
    return (0);
  }
  memcpy(a->body + a->len, data, n);
  a->len += n;
  a->body[a->len] = '\0';

  return (n);
}


/*
 * 'cancel_cb()' - Abandon the grant when the owner stops.
 */

static int
cancel_cb(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
  const answer_t *a = (const answer_t *)user;

  (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;

  return (a->cancel && *a->cancel ? 1 : 0);
}


/*
 * 'form_add()' - Append "&name=value" (value URL-encoded) to the form
 *                (allocated once, big enough: never moved, as it is wiped).
 */

static bool
form_add(CURL *curl, char *form, size_t size, const char *name, const char *value)
{
  char  *esc = curl_easy_escape(curl, value, 0);
  size_t len = strlen(form);
  int    n = -1;

  if (esc)
  {
    n = snprintf(form + len, size - len, "%s%s=%s", len ? "&" : "", name, esc);
    gwWipe(esc, strlen(esc));
    curl_free(esc);
  }

  return (n >= 0 && (size_t)n < size - len);
}


/*
 * 'post_form()' - POST the grant's form; true when an answer came (any
 *                 status, in *status and a->body).
 */

static bool
post_form(gw_oauth_t *o, CURL *curl, const char *form, answer_t *a, long *status, bool *tls_refused, char *why, size_t whysize)
{
  char     errbuf[CURL_ERROR_SIZE] = "";
  CURLcode rc;

  if (curl_easy_setopt(curl, CURLOPT_URL, o->token_url) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)TOKEN_TIMEOUT) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, o->no_verify ? 0L : 1L) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, o->no_verify ? 0L : 2L) != CURLE_OK ||
      (o->cafile[0] && curl_easy_setopt(curl, CURLOPT_CAINFO, o->cafile) != CURLE_OK) ||
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(form)) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, answer_cb) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_WRITEDATA, a) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, cancel_cb) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_XFERINFODATA, a) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L) != CURLE_OK)
  {
    snprintf(why, whysize, "this libcurl lacks an option the OAuth2 client needs");
    return (false);
  }

  rc = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);   /* errbuf ends with this call */
  if (rc != CURLE_OK)
  {
    *tls_refused = !o->no_verify && (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_ISSUER_ERROR);
    if (*tls_refused)
      snprintf(why, whysize, "the certificate of the token endpoint %.200s is not trusted (%.150s); no secret was sent", o->token_url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    else
      snprintf(why, whysize, "cannot reach the token endpoint %.200s: %.60s: %.150s", o->token_url, curl_easy_strerror(rc),
               a->too_large ? "the answer is too large" : errbuf[0] ? errbuf : "no detail");
    return (false);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);

  return (true);
}


/*
 * 'json_string()' - A member's string value, or "" (json_object_get_string
 *                   of a number or an object is its text: refused here).
 */

static const char *
json_string(json_object *root, const char *name)
{
  json_object *v;

  if (!root || !json_object_object_get_ex(root, name, &v) || !json_object_is_type(v, json_type_string))
    return ("");

  return (json_object_get_string(v));
}


/*
 * 'read_answer()' - The token, its lifetime and a new refresh token from
 *                   the JSON answer; false (why set) otherwise.
 */

static bool
read_answer(gw_oauth_t *o, const char *body, char *why, size_t whysize)
{
  json_tokener *tok = json_tokener_new_ex(8);
  json_object  *root, *v;
  const char   *token, *refresh;
  int64_t       life = 3600;

  if (!tok)
    return (false);
  root = json_tokener_parse_ex(tok, body, (int)strlen(body));
  json_tokener_free(tok);
  token = json_string(root, "access_token");
  if (!root || !json_object_is_type(root, json_type_object))
    snprintf(why, whysize, "the token endpoint's answer is not a JSON object");
  else if (!*token || strlen(token) >= sizeof(o->access_token) || strpbrk(token, "\r\n\001"))
    snprintf(why, whysize, "the token endpoint's answer has no usable access_token");
  else
  {
    snprintf(o->access_token, sizeof(o->access_token), "%s", token);
    if (json_object_object_get_ex(root, "expires_in", &v))
      life = json_object_get_int64(v);  /* A number, or a string of digits (older Azure AD) */
    if (life < 1 || life > 86400 * 366)
      life = 3600;
    o->expires = time(NULL) + (life > 2 * TOKEN_MARGIN ? life - TOKEN_MARGIN : life / 2);
    refresh = json_string(root, "refresh_token");
    if (*refresh && o->refresh_token[0] && strlen(refresh) <= GW_OAUTH_TOKEN_MAX && strcmp(refresh, o->refresh_token))
    {
      snprintf(o->refresh_token, sizeof(o->refresh_token), "%s", refresh);
      o->rotated = true;
    }
    o->grants ++;
  }
  json_object_put(root);

  return (o->access_token[0] != '\0');
}


/*
 * 'refusal()' - The endpoint's refusal in words: "error" and
 *               "error_description", short, control characters blanked.
 */

static void
refusal(gw_oauth_t *o, long status, const char *body, char *why, size_t whysize)
{
  json_object *root = body ? json_tokener_parse(body) : NULL;

  snprintf(why, whysize, "the token endpoint refused the %s grant: HTTP %ld %.60s %.120s", gwOAuthGrantName(o), status,
           json_string(root, "error"), json_string(root, "error_description"));
  for (char *p = why; *p; p ++)
    if ((unsigned char)*p < ' ')
      *p = ' ';
  json_object_put(root);
}


/*
 * 'gwOAuthGrantName()' - The grant the client uses.
 */

const char *
gwOAuthGrantName(const gw_oauth_t *o)
{
  return (o->refresh_token[0] ? "refresh-token" : "client-credentials");
}


/*
 * 'gwOAuthToken()' - The access token (see oauth.h).
 */

const char *
gwOAuthToken(gw_oauth_t *o, const volatile bool *cancel, bool *tls_refused, char *why, size_t whysize)
{
  answer_t    a;
  char       *form;
  size_t      size = 3 * (sizeof(o->client_id) + sizeof(o->client_secret) + sizeof(o->refresh_token) + sizeof(o->scope)) + 128;
  CURL       *curl;
  long        status = 0;
  bool        refresh = o->refresh_token[0] != '\0', ok = false;

  *tls_refused = false;
  why[0]       = '\0';
  if (o->access_token[0] && time(NULL) < o->expires)
    return (o->access_token);
  gwOAuthInvalidate(o);

  if (strncmp(o->token_url, "https://", 8))
  {
    snprintf(why, whysize, "the token endpoint must be an https:// URL");
    return (NULL);
  }
  _gwOutboxSmtpGlobalInit();
  memset(&a, 0, sizeof(a));
  a.cancel = cancel;
  form     = calloc(1, size);
  a.body   = calloc(1, TOKEN_ANSWER_MAX + 1);
  if ((curl = curl_easy_init()) == NULL || !form || !a.body)
    snprintf(why, whysize, "out of memory");
  else if (!form_add(curl, form, size, "grant_type", refresh ? "refresh_token" : "client_credentials") ||
           !form_add(curl, form, size, "client_id", o->client_id) ||
           (o->client_secret[0] && !form_add(curl, form, size, "client_secret", o->client_secret)) ||
           (refresh && !form_add(curl, form, size, "refresh_token", o->refresh_token)) ||
           (o->scope[0] && !form_add(curl, form, size, "scope", o->scope)))
    snprintf(why, whysize, "out of memory");
  else if (post_form(o, curl, form, &a, &status, tls_refused, why, whysize))
  {
    if (status != 200 || !a.len)
      refusal(o, status, a.body, why, whysize);
    else
      ok = read_answer(o, a.body, why, whysize);
  }
  curl_easy_cleanup(curl);

  if (form)
    gwWipe(form, size);
  if (a.body)
    gwWipe(a.body, TOKEN_ANSWER_MAX + 1);
  free(form);
  free(a.body);

  return (ok ? o->access_token : NULL);
}


/*
 * 'gwOAuthInvalidate()' - Forget the cached token.
 */

void
gwOAuthInvalidate(gw_oauth_t *o)
{
  gwWipe(o->access_token, sizeof(o->access_token));
  o->expires = 0;
}


/*
 * 'sasl_field_ok()' - No control character (they delimit the message).
 */

static bool
sasl_field_ok(const char *s)
{
  for (; *s; s ++)
    if ((unsigned char)*s < ' ' || *s == 0x7f)
      return (false);

  return (true);
}


/*
 * 'gwSaslOAuthResponse()' - The base64 initial response (see oauth.h).
 */

bool
gwSaslOAuthResponse(gw_sasl_oauth_t mech, const char *user, const char *host, int port, const char *token, char *out, size_t outsize)
{
  size_t size, len = 0;
  char  *msg;
  bool   ok;

  if (!user || !token || !*token || !sasl_field_ok(user) || !sasl_field_ok(token) ||
      (mech == GW_SASL_OAUTHBEARER && (!host || !*host || !sasl_field_ok(host) || port < 1 || port > 65535)))
    return (false);

  size = 3 * strlen(user) + (host ? strlen(host) : 0) + strlen(token) + 64;
  if ((msg = calloc(1, size)) == NULL)        /* Allocated once: never moved, as it is wiped */
    return (false);
  if (mech == GW_SASL_XOAUTH2)
    len = (size_t)snprintf(msg, size, "user=%s", user);
  else
  {
    len = (size_t)snprintf(msg, size, "n,%s", *user ? "a=" : "");
    for (const char *p = user; *p; p ++)  /* RFC 5801 saslname: ',' and '=' escaped */
      len += (size_t)snprintf(msg + len, size - len, "%s", *p == ',' ? "=2C" : *p == '=' ? "=3D" : (char[2]){ *p, '\0' });
    len += (size_t)snprintf(msg + len, size - len, ",\001host=%s\001port=%d", host, port);
  }
  len += (size_t)snprintf(msg + len, size - len, "\001auth=Bearer %s\001\001", token);

  ok = len < size && _gwOutboxBase64Encode(msg, len, false, out, outsize);
  gwWipe(msg, size);
  free(msg);

  return (ok);
}


/*
 * 'gwSaslOAuthError()' - A server's error challenge in words (see oauth.h).
 */

bool
gwSaslOAuthError(const char *challenge, char *why, size_t whysize)
{
  char          url[4096];
  unsigned char json[3072];
  size_t        len = 0;
  ssize_t       n;
  json_object  *root;

  for (const char *p = challenge; *p && *p != '=' && len + 1 < sizeof(url); p ++)   /* base64 -> base64url, no padding */
    url[len ++] = *p == '+' ? '-' : *p == '/' ? '_' : *p;
  url[len] = '\0';

  if ((n = _gwOutboxBase64UrlDecode(url, json, sizeof(json) - 1)) <= 0)
  {
    snprintf(why, whysize, "the server refused the token (its error challenge is not base64)");
    return (false);
  }
  json[n] = '\0';
  if ((root = json_tokener_parse((const char *)json)) == NULL || !json_object_is_type(root, json_type_object))
  {
    json_object_put(root);
    snprintf(why, whysize, "the server refused the token (its error challenge is not JSON)");
    return (false);
  }

  snprintf(why, whysize, "the server refused the token: status \"%.40s\"%s%.100s%s", json_string(root, "status"),
           *json_string(root, "scope") ? ", scope \"" : "", json_string(root, "scope"), *json_string(root, "scope") ? "\"" : "");
  for (char *p = why; *p; p ++)
    if ((unsigned char)*p < ' ' || *p == 0x7f)
      *p = '?';
  json_object_put(root);

  return (true);
}
