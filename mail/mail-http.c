/*
 * mail-http.c - one HTTPS request of an EWS or Graph source over libcurl
 * (the GnuTLS build on Debian 12); the OAuth2 token endpoint is the core's
 * (printgate/oauth.h, through mail-oauth.c).
 *
 * The server's certificate chain and host name are verified in the TLS
 * handshake (against the source's cafile= or the system store), before the
 * request, so a server that is not trusted never sees an Authorization
 * header, a password or a client secret; verify=no turns this off for that
 * one source (with a warning).  HTTPS only, no redirects (a token never
 * follows a Location elsewhere), bounded answers, a stop of the source
 * abandons a transfer within about a second, and a connection that stalls
 * for 30 s is given up (a dropped download is retried later; nothing was
 * taken from it).
 */

#include "mail-source.h"
#include "printgate/log.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_CONNECT_TIMEOUT 15         /* Seconds to connect and shake hands */
#define HTTP_STALL_TIME      30         /* Seconds without a byte: the connection dropped */
#define HTTP_TIMEOUT         600        /* Seconds for one whole exchange, at most */
#define RETRY_AFTER_MAX      600        /* Retry-After honoured up to this */
#define THROTTLE_MAX         3          /* 429/503 waits per request */
#define BACKOFF_MAX          300        /* Seconds between failed rounds, at most */

typedef struct http_state_s
{
  gw_mail_source_t *src;
  gw_mail_http_t   *resp;
  size_t            max, alloc;
} http_state_t;


/*
 * '_gwMailHttpInit()' - libcurl's global set-up, before any poller thread
 *                       (curl_global_init counts its callers; the core's
 *                       outbox calls it too).
 */

void
_gwMailHttpInit(void)
{
  curl_global_init(CURL_GLOBAL_DEFAULT);
}


/*
 * 'write_cb()' - Keep the answer, up to the limit.
 */

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *user)
{
  http_state_t *st = (http_state_t *)user;
  size_t        n = size * nmemb;

  if (st->resp->len + n > st->max)
  {
    st->resp->too_large = true;
    return (0);
  }
  if (st->resp->len + n + 1 > st->alloc)
  {
    size_t need = st->resp->len + n + 1, alloc = st->alloc ? st->alloc : 16384;
    char  *p;

    while (alloc < need)
      alloc *= 2;
    if ((p = realloc(st->resp->body, alloc)) == NULL)
      return (0);
    st->resp->body = p;
    st->alloc      = alloc;
  }
  memcpy(st->resp->body + st->resp->len, data, n);
  st->resp->len += n;
  st->resp->body[st->resp->len] = '\0';

  return (n);
}


/*
 * 'header_cb()' - Retry-After (seconds; an HTTP date counts as 30 s) and
 *                 a bearer token's refusal (WWW-Authenticate).
 */

static size_t
header_cb(char *data, size_t size, size_t nmemb, void *user)
{
  http_state_t *st = (http_state_t *)user;
  size_t        n = size * nmemb;
  char          line[256];

  snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1), data);
  if (!strncasecmp(line, "Retry-After:", 12))
  {
    char *end;
    long  secs = strtol(line + 12, &end, 10);

    if (end == line + 12 || secs < 0)
      secs = 30;
    st->resp->retry_after = secs > RETRY_AFTER_MAX ? RETRY_AFTER_MAX : secs < 1 ? 1 : (int)secs;
  }
  else if (!strncasecmp(line, "WWW-Authenticate:", 17) && strstr(line, "invalid_token"))
    st->resp->invalid_token = true;

  return (n);
}


/*
 * 'progress_cb()' - Abandon the transfer when the source stops.
 */

static int
progress_cb(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
  http_state_t *st = (http_state_t *)user;

  (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;

  return (st->src->stop ? 1 : 0);
}


/*
 * 'set_auth()' - The credentials of the request: a bearer token, or the
 *                source's user and password (Basic or NTLM).
 */

static bool
set_auth(CURL *curl, gw_mail_source_t *src, const char *bearer)
{
  if (bearer)
    return (curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, bearer) == CURLE_OK);
  if (!src->password[0] || src->auth == GW_MAIL_AUTH_OAUTH2)
    return (true);                      /* No password, or OAuth2 without a token: nothing to send */

  return (curl_easy_setopt(curl, CURLOPT_HTTPAUTH, src->auth == GW_MAIL_AUTH_NTLM ? (long)CURLAUTH_NTLM : (long)CURLAUTH_BASIC) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_USERNAME, src->user) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_PASSWORD, src->password) == CURLE_OK);
}


/*
 * '_gwMailHttp()' - One request; true when an answer came (any status).
 *                   resp is filled either way (free with _gwMailHttpFree).
 *                   cafile "" = the system store.
 */

bool
_gwMailHttp(gw_mail_source_t *src, const char *method, const char *url, const char *type, const char *body, const char *bearer, const char *cafile, size_t max, gw_mail_http_t *resp)
{
  CURL              *curl;
  struct curl_slist *headers = NULL;
  http_state_t       st;
  char               errbuf[CURL_ERROR_SIZE] = "", ctype[128];
  CURLcode           rc;
  bool               ok;

  memset(resp, 0, sizeof(*resp));
  memset(&st, 0, sizeof(st));
  st.src  = src;
  st.resp = resp;
  st.max  = max;

  if ((curl = curl_easy_init()) == NULL)
  {
    snprintf(resp->error, sizeof(resp->error), "out of memory");
    return (false);
  }
  if (type)
  {
    snprintf(ctype, sizeof(ctype), "Content-Type: %s", type);
    headers = curl_slist_append(headers, ctype);
  }
  headers = curl_slist_append(headers, "Accept: */*");
  if (src->proto == GW_MAIL_PROTO_GRAPH)  /* Ids that survive a move (Graph's default ids change) */
    headers = curl_slist_append(headers, "Prefer: IdType=\"ImmutableId\"");
  headers = curl_slist_append(headers, "Expect:");

  ok = curl_easy_setopt(curl, CURLOPT_URL, url) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https") == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)HTTP_CONNECT_TIMEOUT) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)HTTP_TIMEOUT) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, (long)HTTP_STALL_TIME) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, src->verify ? 1L : 0L) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, src->verify ? 2L : 0L) == CURLE_OK &&
       (!cafile[0] || curl_easy_setopt(curl, CURLOPT_CAINFO, cafile) == CURLE_OK) &&
       curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK &&
       (!body || (curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body) == CURLE_OK &&
                  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body)) == CURLE_OK)) &&
       curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_WRITEDATA, &st) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header_cb) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_HEADERDATA, &st) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress_cb) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &st) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L) == CURLE_OK &&
       set_auth(curl, src, bearer);

  if (!ok)
    snprintf(resp->error, sizeof(resp->error), "this libcurl lacks an option the mail source needs");
  else if ((rc = curl_easy_perform(curl)) != CURLE_OK)
  {
    resp->tls_refused = src->verify && (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_ISSUER_ERROR);
    snprintf(resp->error, sizeof(resp->error), "%s: %.180s", curl_easy_strerror(rc), errbuf[0] ? errbuf : resp->too_large ? "the answer is too large" : "no detail");
    ok = false;
  }
  else
  {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
    if (resp->status != 401)
      resp->invalid_token = false;
    else if (bearer)
      resp->invalid_token = true;       /* 401 to a bearer: the token, whatever the header says */
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);

  return (ok);
}


/*
 * '_gwMailHttpFree()' - Free an answer.
 */

void
_gwMailHttpFree(gw_mail_http_t *resp)
{
  free(resp->body);
  resp->body = NULL;
  resp->len  = 0;
}


/*
 * '_gwMailIdKey()' - 32 hex digits naming a long server id (Graph and EWS
 *                    ids are 100-200 bytes of base64, too long for the
 *                    jobs' origin references): HMAC-SHA256 under a fixed
 *                    label, so it is stable across restarts.
 */

void
_gwMailIdKey(const char *id, char *key, size_t keysize)
{
  static const char label[] = "printgate mail message id";
  unsigned char     mac[GW_HMAC_LEN];
  size_t            i;

  if (!gwHmacSha256((const unsigned char *)label, sizeof(label) - 1, id, strlen(id), mac))
    memset(mac, 0, sizeof(mac));
  for (i = 0; i < 16 && 2 * i + 2 < keysize; i ++)
    snprintf(key + 2 * i, 3, "%02x", mac[i]);
  key[2 * i < keysize ? 2 * i : keysize - 1] = '\0';
}


/*
 * '_gwMailUrlEncode()' - Percent-encode everything but unreserved
 *                        characters; false when it does not fit.
 */

bool
_gwMailUrlEncode(const char *in, char *out, size_t outsize)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t            o = 0;

  for (const unsigned char *p = (const unsigned char *)in; *p; p ++)
  {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-_.~", *p))
    {
      if (o + 2 > outsize)
        return (false);
      out[o ++] = (char)*p;
    }
    else
    {
      if (o + 4 > outsize)
        return (false);
      out[o ++] = '%';
      out[o ++] = hex[*p >> 4];
      out[o ++] = hex[*p & 15];
    }
  }
  if (o >= outsize)
    return (false);
  out[o] = '\0';

  return (true);
}


/*
 * '_gwMailHealthOk()' - A round completed.
 */

void
_gwMailHealthOk(gw_mail_source_t *src)
{
  pthread_mutex_lock(&src->mutex);
  src->health.last_success = time(NULL);
  src->health.backoff      = 0;
  pthread_mutex_unlock(&src->mutex);
  _gwMailSourcePublish(src);
}


/*
 * '_gwMailHealthError()' - An error: logged (warning, or error when the
 *                          source stops) and kept for /health.
 */

void
_gwMailHealthError(gw_mail_source_t *src, int backoff, bool stopped, const char *fmt, ...)
{
  va_list ap;
  char    text[640];

  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);

  gwLog(gwSystemGetLog(src->sys), stopped ? GW_LOG_ERROR : GW_LOG_WARN, "Mail source %s: %s", src->name, text);
  pthread_mutex_lock(&src->mutex);
  src->health.last_error_at = time(NULL);
  src->health.errors ++;
  snprintf(src->health.last_error, sizeof(src->health.last_error), "%.255s", text);
  src->health.backoff = backoff;
  src->health.stopped = stopped;
  pthread_mutex_unlock(&src->mutex);
  _gwMailSourcePublish(src);
}


/*
 * '_gwMailHttpOrigin()' - "https://HOST[:PORT]/".
 */

void
_gwMailHttpOrigin(gw_mail_source_t *src, char *origin, size_t size)
{
  if (src->port == 443)
    snprintf(origin, size, "https://%s/", src->host);
  else
    snprintf(origin, size, "https://%s:%d/", src->host, src->port);
}


/*
 * '_gwMailHttpCall()' - A request with the source's credentials (see
 *                       mail-source.h).
 */

gw_mail_round_t
_gwMailHttpCall(gw_mail_source_t *src, const char *method, const char *url, const char *type, const char *body, size_t max, gw_mail_http_t *resp)
{
  bool oauth = src->auth == GW_MAIL_AUTH_OAUTH2, refreshed = false, tls = false;
  int  throttled = 0;
  char shown[140];                      /* The URL for the log: ids make it long */
  size_t len = strlen(url);

  if (len < sizeof(shown))
    snprintf(shown, sizeof(shown), "%s", url);
  else
    snprintf(shown, sizeof(shown), "%.70s...%s", url, url + len - 60);

  for (;;)
  {
    const char *token = oauth ? _gwMailOAuthToken(src, &tls) : NULL;

    if (oauth && !token)
    {
      memset(resp, 0, sizeof(*resp));
      return (tls || src->stop ? GW_MAIL_ROUND_STOP : GW_MAIL_ROUND_FAIL);
    }
    if (!_gwMailHttp(src, method, url, type, body, token, src->cafile, max, resp))
    {
      if (resp->tls_refused)
        _gwMailHealthError(src, 0, true, "the certificate of %s is not trusted (%s); the source is stopped and no credential was sent. Fix the server's certificate or cafile=, then restart.", src->host, resp->error);
      else if (!src->stop && !resp->too_large)   /* Too large: the caller refuses the message */
        _gwMailHealthError(src, 0, false, "%s %s: %s; trying again later.", method, shown, resp->error);
      _gwMailHttpFree(resp);
      return (resp->tls_refused || src->stop ? GW_MAIL_ROUND_STOP : GW_MAIL_ROUND_FAIL);
    }
    if (resp->status >= 200 && resp->status < 300)
      return (GW_MAIL_ROUND_OK);
    _gwMailHttpFree(resp);

    if (resp->status == 401 && oauth && !refreshed)
    {
      gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: the access token was refused (expired?); getting a new one.", src->name);
      _gwMailOAuthInvalidate(src);
      refreshed = true;
      continue;
    }
    if ((resp->status == 429 || resp->status == 503) && throttled < THROTTLE_MAX)
    {
      int wait = resp->retry_after > 0 ? resp->retry_after : 5 << throttled;

      throttled ++;
      gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: HTTP %ld (throttled); waiting %d s as Retry-After asks.", src->name, resp->status, wait);
      if (_gwMailSourceSleep(src, wait))
        return (GW_MAIL_ROUND_STOP);
      continue;
    }
    _gwMailHealthError(src, 0, false, "%s %s: HTTP %ld; trying again later.", method, shown, resp->status);
    return (GW_MAIL_ROUND_FAIL);
  }
}


/*
 * '_gwMailPollLoop()' - Rounds until stopped (see mail-source.h).
 */

void
_gwMailPollLoop(gw_mail_source_t *src, gw_mail_round_t (*round)(void *data), void *data)
{
  int backoff = 1;

  if (!src->verify)
    gwLog(gwSystemGetLog(src->sys), GW_LOG_WARN, "Mail source %s: certificate verification is off for this source (verify=no).", src->name);
  gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: polling %s:%d%s every %d s.", src->name, src->host, src->port, src->path, src->poll);

  while (!src->stop)
  {
    gw_mail_round_t rc = round(data);

    if (rc == GW_MAIL_ROUND_STOP)
      break;
    if (rc == GW_MAIL_ROUND_OK)
    {
      _gwMailHealthOk(src);
      backoff = 1;
    }
    else
    {
      pthread_mutex_lock(&src->mutex);
      src->health.backoff = backoff;
      pthread_mutex_unlock(&src->mutex);
    }
    if (_gwMailSourceSleep(src, rc == GW_MAIL_ROUND_OK ? (src->more ? 0 : src->poll) : backoff))
      break;
    if (rc != GW_MAIL_ROUND_OK)
      backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
  }
}
