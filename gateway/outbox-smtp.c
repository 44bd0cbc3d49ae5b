/*
 * outbox-smtp.c - sending one composed message over SMTP with libcurl (with
 * outbox-oauth.c, the core's libcurl adapter).  libcurl here is the
 * GnuTLS build (docs/mail.md): the relay's certificate chain and host name
 * are verified by default, against SmtpCAFile or the system store, before
 * AUTH; SmtpTLS off is refused unless the relay is on loopback.
 */

#include "outbox-private.h"
#include "printgate/oauth.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct upload_s         /* The message being read by libcurl */
{
  const char *data;
  size_t      len, pos;
} upload_t;

typedef struct reply_s          /* The relay's last answer line */
{
  char line[256];
  char challenge[256];          /* The last "334 " challenge's text (an OAuth2 error is base64 JSON) */
} reply_t;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;


/*
 * 'curl_init()' - curl_global_init() once per process.
 */

static void
curl_init(void)
{
  curl_global_init(CURL_GLOBAL_DEFAULT);
}


/*
 * '_gwOutboxSmtpGlobalInit()' - Initialise libcurl (before any thread uses it).
 */

void
_gwOutboxSmtpGlobalInit(void)
{
  pthread_once(&curl_once, curl_init);
}


/*
 * 'split_server()' - HOST[:PORT] or [V6]:PORT into host and port (0 = none).
 */

static bool
split_server(const char *server, char *host, size_t hostsize, int *port)
{
  const char *colon;
  size_t      len;
  long        p = 0;
  char       *end;

  *port = 0;
  if (server[0] == '[')
  {
    const char *close = strchr(server, ']');

    if (!close)
      return (false);
    len   = (size_t)(close - server) + 1;
    colon = close[1] == ':' ? close + 1 : NULL;
    if (!colon && close[1])
      return (false);
  }
  else
  {
    colon = strrchr(server, ':');
    len   = colon ? (size_t)(colon - server) : strlen(server);
  }

  if (len == 0 || len >= hostsize)
    return (false);
  memcpy(host, server, len);
  host[len] = '\0';

  if (colon)
  {
    p = strtol(colon + 1, &end, 10);
    if (*end || p < 1 || p > 65535)
      return (false);
    *port = (int)p;
  }

  return (true);
}


/*
 * 'is_loopback()' - 127.0.0.0/8, ::1 or localhost.
 */

static bool
is_loopback(const char *host)
{
  return (!strncmp(host, "127.", 4) || !strcmp(host, "[::1]") || !strcasecmp(host, "localhost"));
}


/*
 * '_gwOutboxSmtpConfigValid()' - SmtpServer parses; SmtpTLS off only on loopback.
 */

bool
_gwOutboxSmtpConfigValid(const gw_config_t *c, const char **why)
{
  char host[256];
  int  port;

  if (!c->smtp_server[0])
  {
    *why = "SmtpServer is not set: nothing is sent";
    return (false);
  }
  if (!split_server(c->smtp_server, host, sizeof(host), &port))
  {
    *why = "SmtpServer must be HOST or HOST:PORT";
    return (false);
  }
  if (!strcmp(c->smtp_tls, "off") && !is_loopback(host))
  {
    *why = "SmtpTLS off is only allowed for a relay on loopback (127.0.0.1, ::1, localhost)";
    return (false);
  }
  if (c->smtp_token_url[0] && (!strcmp(c->smtp_auth, "password") || !c->smtp_user[0] || !c->smtp_client_id[0] ||
                               (!c->smtp_client_secret[0] && !c->smtp_refresh_token[0])))
  {
    *why = "SmtpTokenURL needs SmtpAuth xoauth2 or oauthbearer, SmtpUser, SmtpClientId and SmtpClientSecret or SmtpRefreshToken";
    return (false);
  }

  return (true);
}


/*
 * 'read_cb()' - Hand libcurl the next part of the message.
 */

static size_t
read_cb(char *buffer, size_t size, size_t nitems, void *data)
{
  upload_t *u = (upload_t *)data;
  size_t    n = size * nitems;

  if (n > u->len - u->pos)
    n = u->len - u->pos;
  memcpy(buffer, u->data + u->pos, n);
  u->pos += n;

  return (n);
}


/*
 * 'debug_cb()' - Keep the relay's last answer line (only what the server
 *                sent: never our own commands, which carry AUTH).
 */

static int
debug_cb(CURL *curl, curl_infotype type, char *text, size_t size, void *data)
{
  reply_t *r = (reply_t *)data;
  size_t   i, n = 0;

  (void)curl;

  if (type != CURLINFO_HEADER_IN)
    return (0);

  for (i = 0; i < size && n + 1 < sizeof(r->line); i ++)
  {
    if (text[i] == '\r' || text[i] == '\n')
      break;
    r->line[n++] = (text[i] >= 0x20 && text[i] < 0x7f) ? text[i] : '?';
  }
  r->line[n] = '\0';
  if (!strncmp(r->line, "334 ", 4))
    snprintf(r->challenge, sizeof(r->challenge), "%s", r->line + 4);

  return (0);
}


/*
 * 'progress_cb()' - Abandon the attempt when the sender is stopping.
 */

static int
progress_cb(void *data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
  const bool *cancel = (const bool *)data;

  (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;

  return (cancel && __atomic_load_n(cancel, __ATOMIC_ACQUIRE) ? 1 : 0);
}


/*
 * 'permanent_code()' - A 5xx answer about the message (not about our
 *                      login or TLS, which the admin can fix): no retry.
 */

static bool
permanent_code(CURLcode rc, long code)
{
  if (rc == CURLE_LOGIN_DENIED || rc == CURLE_USE_SSL_FAILED || code < 500 || code > 599)
    return (false);

  return (code != 530 && code != 534 && code != 535 && code != 538);
}


/*
 * 'set_options()' - The handle's options for one message.
 */

static bool
set_options(CURL *curl, const gw_config_t *c, const char *url, const char *password, const char *from, struct curl_slist *rcpt, upload_t *u, reply_t *reply, char *errbuf, const bool *cancel)
{
  bool        tls_required = !strcmp(c->smtp_tls, "required"), bearer = strcmp(c->smtp_auth, "password") != 0;
  const char *mech = !strcmp(c->smtp_auth, "oauthbearer") ? "AUTH=OAUTHBEARER" : "AUTH=XOAUTH2";

  return (curl_easy_setopt(curl, CURLOPT_URL, url) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps") == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)c->smtp_timeout) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_USE_SSL, tls_required ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
          (!c->smtp_ca_file[0] || curl_easy_setopt(curl, CURLOPT_CAINFO, c->smtp_ca_file) == CURLE_OK) &&
          (!c->smtp_user[0] || curl_easy_setopt(curl, CURLOPT_USERNAME, c->smtp_user) == CURLE_OK) &&
          (!c->smtp_user[0] || !password || bearer || curl_easy_setopt(curl, CURLOPT_PASSWORD, password) == CURLE_OK) &&
          (!c->smtp_user[0] || !password || !bearer ||
           (curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, password) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_LOGIN_OPTIONS, mech) == CURLE_OK)) &&
          curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_READDATA, u) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->len) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, debug_cb) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_DEBUGDATA, reply) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress_cb) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)cancel) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L) == CURLE_OK &&
          curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L) == CURLE_OK);
}


/*
 * '_gwOutboxSmtpSend()' - One attempt (see outbox-private.h).
 */

void
_gwOutboxSmtpSend(const gw_config_t *c, const char *password, const char *from, const char *to, const char *msg, size_t len, const bool *cancel, _gw_outbox_result_t *r)
{
  CURL              *curl;
  struct curl_slist *rcpt = NULL;
  upload_t           u = { msg, len, 0 };
  reply_t            reply;
  char               url[300], host[256], addr[GW_OUTMAIL_ADDRESS_MAX + 3], errbuf[CURL_ERROR_SIZE];
  const char        *why;
  int                port;
  long               code = 0;
  CURLcode           rc;
  bool               implicit = !strcmp(c->smtp_tls, "implicit");

  memset(r, 0, sizeof(*r));
  memset(&reply, 0, sizeof(reply));
  errbuf[0] = '\0';

  if (!_gwOutboxSmtpConfigValid(c, &why) || !split_server(c->smtp_server, host, sizeof(host), &port))
  {
    snprintf(r->error, sizeof(r->error), "%s", why);
    return;
  }
  if (!port)
    port = implicit ? 465 : !strcmp(c->smtp_tls, "off") ? 25 : 587;
  snprintf(url, sizeof(url), "%s://%s:%d", implicit ? "smtps" : "smtp", host, port);

  _gwOutboxSmtpGlobalInit();
  snprintf(addr, sizeof(addr), "<%s>", to);
  if ((curl = curl_easy_init()) == NULL || (rcpt = curl_slist_append(NULL, addr)) == NULL)
  {
    snprintf(r->error, sizeof(r->error), "out of memory");
    curl_easy_cleanup(curl);
    return;
  }

  snprintf(addr, sizeof(addr), "<%s>", from);
  if (!set_options(curl, c, url, password, addr, rcpt, &u, &reply, errbuf, cancel))
  {
    snprintf(r->error, sizeof(r->error), "this libcurl lacks an SMTP option the outbox needs");
  }
  else if ((rc = curl_easy_perform(curl)) == CURLE_OK)
  {
    r->sent = true;
    snprintf(r->error, sizeof(r->error), "%s", reply.line);
  }
  else
  {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    char words[200] = "";

    r->permanent    = permanent_code(rc, code);
    r->auth_refused = rc == CURLE_LOGIN_DENIED;
    if (r->auth_refused && strcmp(c->smtp_auth, "password") && reply.challenge[0] && !gwSaslOAuthError(reply.challenge, words, sizeof(words)))
      words[0] = '\0';                 /* Not an OAuth2 error challenge */
    snprintf(r->error, sizeof(r->error), "%.100s (%.60s): %.120s%s%.120s%s%.80s", url, curl_easy_strerror(rc), errbuf[0] ? errbuf : "no detail",
             reply.line[0] ? "; last answer: " : "", reply.line, words[0] ? "; " : "", words);
  }

  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
}
