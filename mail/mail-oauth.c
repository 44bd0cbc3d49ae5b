/*
 * mail-oauth.c - the OAuth2 client of a mail source (docs/mail.md, "OAuth2"):
 * client-credentials or refresh-token grants against the source's
 * token-url (RFC 6749 section 4.4 and 6, form-encoded POST, JSON answer
 * read with json-c), over the same verified HTTPS as the source
 * (mail-http.c: a server whose certificate is not trusted never sees the
 * client secret).
 *
 * The access token is cached until 60 s before it expires (half its life
 * when that is shorter); a token the server refuses (HTTP 401 / IMAP NO) is
 * forgotten with _gwMailOAuthInvalidate(), and the caller asks once more.
 * A new refresh token in the answer replaces the configured one in memory.
 * Only the source's poller thread uses its client, so no lock is needed.
 * Secrets and tokens are wiped from every buffer that held them.
 */

#include "mail-source.h"
#include "printgate/log.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_ANSWER_MAX  (64 * 1024)   /* Bytes of a token endpoint's answer */
#define TOKEN_MARGIN      60            /* Seconds before expiry a token stops being used */


/*
 * 'form_add()' - Append "&name=value" (URL-encoded) to a form.
 */

static bool
form_add(char *form, size_t size, const char *name, const char *value)
{
  size_t len = strlen(form);
  int    n;

  n = snprintf(form + len, size - len, "%s%s=", len ? "&" : "", name);
  if (n < 0 || (size_t)n >= size - len)
    return (false);
  len += (size_t)n;

  return (_gwMailUrlEncode(value, form + len, size - len));
}


/*
 * 'read_answer()' - The token, its lifetime and a new refresh token from
 *                   the JSON answer; false (why set) otherwise.
 */

static bool
read_answer(gw_mail_oauth_t *o, const char *body, char *why, size_t whysize)
{
  json_tokener *tok = json_tokener_new_ex(8);
  json_object  *root, *v;
  const char   *token;
  int64_t       life = 3600;
  bool          ok = false;

  if (!tok)
    return (false);
  root = json_tokener_parse_ex(tok, body, (int)strlen(body));
  json_tokener_free(tok);
  if (!root || !json_object_is_type(root, json_type_object))
    snprintf(why, whysize, "the token endpoint's answer is not a JSON object");
  else if (!json_object_object_get_ex(root, "access_token", &v) || !json_object_is_type(v, json_type_string) ||
           !*(token = json_object_get_string(v)) || strlen(token) >= sizeof(o->access_token) || strpbrk(token, "\r\n"))
    snprintf(why, whysize, "the token endpoint's answer has no usable access_token");
  else
  {
    snprintf(o->access_token, sizeof(o->access_token), "%s", token);
    if (json_object_object_get_ex(root, "expires_in", &v))
      life = json_object_get_int64(v);  /* A number, or a string of digits (older Azure AD) */
    if (life < 1 || life > 86400 * 366)
      life = 3600;
    o->expires = time(NULL) + (life > 2 * TOKEN_MARGIN ? life - TOKEN_MARGIN : life / 2);
    if (json_object_object_get_ex(root, "refresh_token", &v) && json_object_is_type(v, json_type_string) &&
        strlen(json_object_get_string(v)) < sizeof(o->refresh_token) && o->refresh_token[0])
      snprintf(o->refresh_token, sizeof(o->refresh_token), "%s", json_object_get_string(v));
    o->grants ++;
    ok = true;
  }
  json_object_put(root);

  return (ok);
}


/*
 * 'token_error()' - The endpoint's "error" / "error_description", short.
 */

static void
token_error(const gw_mail_http_t *resp, char *why, size_t whysize)
{
  json_object *root = resp->body ? json_tokener_parse(resp->body) : NULL, *v;
  const char  *code = "", *text = "";

  if (root && json_object_object_get_ex(root, "error", &v))
    code = json_object_get_string(v);
  if (root && json_object_object_get_ex(root, "error_description", &v))
    text = json_object_get_string(v);
  snprintf(why, whysize, "HTTP %ld %.60s %.120s", resp->status, code ? code : "", text ? text : "");
  for (char *p = why; *p; p ++)
    if ((unsigned char)*p < ' ')
      *p = ' ';
  json_object_put(root);
}


/*
 * '_gwMailOAuthToken()' - The access token: the cached one while it is
 *                         fresh, else a new grant.  NULL on failure (logged,
 *                         health set; *tls_refused when the endpoint's
 *                         certificate was not trusted: stop the source).
 */

const char *
_gwMailOAuthToken(gw_mail_source_t *src, bool *tls_refused)
{
  gw_mail_oauth_t *o = &src->oauth;
  gw_mail_http_t   resp;
  char            *form, why[256] = "";
  size_t           size = 2 * GW_MAIL_TOKEN_MAX + 4096;
  bool             ok, refresh = o->refresh_token[0] != '\0';

  *tls_refused = false;
  if (o->access_token[0] && time(NULL) < o->expires)
    return (o->access_token);
  gwWipe(o->access_token, sizeof(o->access_token));

  if ((form = calloc(1, size)) == NULL)
    return (NULL);
  ok = form_add(form, size, "grant_type", refresh ? "refresh_token" : "client_credentials") &&
       form_add(form, size, "client_id", o->client_id) &&
       (!o->client_secret[0] || form_add(form, size, "client_secret", o->client_secret)) &&
       (!refresh || form_add(form, size, "refresh_token", o->refresh_token)) &&
       form_add(form, size, "scope", o->scope);
  if (ok)
    ok = _gwMailHttp(src, "POST", o->token_url, "application/x-www-form-urlencoded", form, NULL, o->cafile[0] ? o->cafile : src->cafile, TOKEN_ANSWER_MAX, &resp);
  else
    memset(&resp, 0, sizeof(resp));
  gwWipe(form, size);
  free(form);

  if (!ok)
  {
    *tls_refused = resp.tls_refused;
    if (resp.tls_refused)
      _gwMailHealthError(src, 0, true, "the certificate of the token endpoint %s is not trusted (%s); the source is stopped and no secret was sent.", o->token_url, resp.error);
    else
      _gwMailHealthError(src, 0, false, "cannot reach the token endpoint %s: %s.", o->token_url, resp.error);
  }
  else if (resp.status != 200 || !resp.body)
  {
    token_error(&resp, why, sizeof(why));
    _gwMailHealthError(src, 0, false, "the token endpoint refused the %s grant: %s.", refresh ? "refresh-token" : "client-credentials", why);
    ok = false;
  }
  else if (!(ok = read_answer(o, resp.body, why, sizeof(why))))
    _gwMailHealthError(src, 0, false, "%s.", why);
  else
    gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: new access token (%s grant, %d so far).", src->name, refresh ? "refresh-token" : "client-credentials", o->grants);
  if (resp.body)
    gwWipe(resp.body, resp.len);
  _gwMailHttpFree(&resp);

  return (ok ? o->access_token : NULL);
}


/*
 * '_gwMailOAuthInvalidate()' - Forget a refused token.
 */

void
_gwMailOAuthInvalidate(gw_mail_source_t *src)
{
  gwWipe(src->oauth.access_token, sizeof(src->oauth.access_token));
  src->oauth.expires = 0;
}
