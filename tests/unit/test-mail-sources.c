/*
 * test-mail-sources.c - MailSourceFile lines (mail-source-config.c) for the
 * graph://, ews:// and OAuth2 sources, table-driven: what each line becomes,
 * and every incomplete or hostile line refused with its reason (positive
 * controls: the line with the one thing fixed is taken).  Also the short
 * message keys of long server ids and the URL encoder (mail-http.c).
 */

#include "../../mail/mail-source.h"
#include "test.h"

#include <stdlib.h>
#include <sys/stat.h>

static gw_mail_source_t sources[GW_MAIL_SOURCES_MAX];

#define TOKEN "token-url=https://login.example.test/t/oauth2/v2.0/token client-id=app"


/*
 * 'load()' - Write one line to a 0600 file and load it; the count, or -1
 *            with why.
 */

static int
load(const char *dir, const char *line, mode_t mode, char *why, size_t whysize)
{
  char  path[1024];
  FILE *fp;
  int   count = 0;

  snprintf(path, sizeof(path), "%s/sources", dir);
  if ((fp = fopen(path, "w")) == NULL)
    return (-2);
  fprintf(fp, "# a comment\n%s\n", line);
  fclose(fp);
  chmod(path, mode);
  why[0] = '\0';

  return (_gwMailSourcesLoad(path, sources, &count, why, whysize) ? count : -1);
}

static const struct
{
  const char *line, *why;               /* why NULL: taken */
} cases[] =
{
  { "g graph://graph.microsoft.com user=p@example.test " TOKEN " client-secret=s", NULL },
  { "g graph://graph.microsoft.com user=p@example.test " TOKEN, "client-secret= (client credentials) or refresh-token=" },
  { "g graph://graph.microsoft.com user=p@example.test " TOKEN " refresh-token=r", NULL },
  { "g graph://graph.microsoft.com user=p@example.test client-id=app client-secret=s", "needs token-url=https://" },
  { "g graph://graph.microsoft.com user=p@example.test token-url=http://login.example.test/t client-id=app client-secret=s", "needs token-url=https://" },
  { "g graph://graph.microsoft.com user=p@example.test password=x auth=password", "auth=oauth2 only" },
  { "g graph://graph.microsoft.com user=p@example.test " TOKEN " client-secret=s folder=Print/../x", "folder=, printed= and rejected= must be" },
  { "e ews://exchange.example.test user=u password=pw printed=Done\"/><x", "folder=, printed= and rejected= must be" },
  { "e ews://exchange.example.test user=u password=pw printed=Done.2026 rejected=Not-printed", NULL },
  { "g graph://graph.microsoft.com user=p@example.test " TOKEN " client-secret=s folder=AAMkAGI2TAAA=", NULL },
  { "g graph://graph.microsoft.com user=p@example.test " TOKEN " client-secret=s printed=Done=", "folder=, printed= and rejected= must be" },
  { "g graph://graph.microsoft.com/v1.0?x=1 user=p@example.test " TOKEN " client-secret=s", "path must be" },
  { "g graph://graph.microsoft.com user=a<b@example.test " TOKEN " client-secret=s", "no <, >, &, quotes" },
  { "e ews://exchange.example.test user=EXAMPLE\\print password=pw", NULL },
  { "e ews://exchange.example.test user=EXAMPLE\\print password=pw auth=ntlm", NULL },
  { "e ews://exchange.example.test user=EXAMPLE\\print", "needs password=" },
  { "e ews://exchange.example.test user=print@example.test auth=oauth2 " TOKEN " client-secret=s", NULL },
  { "e ews://exchange.example.test user=print@example.test auth=kerberos password=pw", "auth takes password, ntlm or oauth2" },
  { "i imaps://mail.example.test user=print@example.test auth=ntlm password=pw", "auth=ntlm is for ews://" },
  { "i imaps://mail.example.test user=print@example.test auth=oauth2 " TOKEN " client-secret=s token-cafile=/etc/ca.pem", NULL },
  { "p pop3s://mail.example.test user=print@example.test auth=oauth2 " TOKEN " client-secret=s", NULL },
  { "p pop3s://mail.example.test user=print@example.test auth=oauth2 client-secret=s", "needs token-url" },
  { "x smtp://mail.example.test user=print@example.test password=pw", "must start with imaps://" },
  { "i imaps://mail.example.test user=print@example.test password=pw in-flight=1", NULL },
  { "i imaps://mail.example.test user=print@example.test password=pw in-flight=64", NULL },
  { "i imaps://mail.example.test user=print@example.test password=pw in-flight=0", "in-flight takes a number from 1 to 64" },
  { "i imaps://mail.example.test user=print@example.test password=pw in-flight=65", "in-flight takes a number from 1 to 64" },
  { "i imaps://mail.example.test user=print@example.test password=pw in-flight=4x", "in-flight takes a number from 1 to 64" },
  { "i imaps://mail.example.test user=print@example.test auth=oauth2 sasl=oauthbearer " TOKEN " client-secret=s", NULL },
  { "p pop3s://mail.example.test user=print@example.test auth=oauth2 sasl=OAUTHBEARER " TOKEN " client-secret=s", NULL },
  { "i imaps://mail.example.test user=print@example.test auth=oauth2 sasl=xoauth2 " TOKEN " client-secret=s", NULL },
  { "i imaps://mail.example.test user=print@example.test auth=oauth2 sasl=plain " TOKEN " client-secret=s", "sasl takes xoauth2 or oauthbearer" },
  { "i imaps://mail.example.test user=print@example.test password=pw sasl=oauthbearer", "sasl=oauthbearer is for imap:// and pop3:// sources with auth=oauth2" },
  { "g graph://graph.microsoft.com user=p@example.test sasl=oauthbearer " TOKEN " client-secret=s", "sasl=oauthbearer is for imap:// and pop3://" },
  { "i imaps://mail.example.test user=print@example.test password=pw busy-retries=1", NULL },
  { "i imaps://mail.example.test user=print@example.test password=pw busy-retries=0", "busy-retries take a number from 1" },
};


int
main(void)
{
  char        dir[256], why[1200], key[40], key2[40], enc[64];
  char       *longline;
  int         n;

  TEST_BEGIN("test-mail-sources");
  TEST_CHECK(test_tempdir(dir, sizeof(dir)) != NULL);

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i ++)
  {
    n = load(dir, cases[i].line, 0600, why, sizeof(why));
    if (!cases[i].why)
      TEST_CHECKF(n == 1, "taken: %s (%s)", cases[i].line, why);
    else
      TEST_CHECKF(n == -1 && strstr(why, cases[i].why) && strstr(why, "sources:2:"), "refused with \"%s\": %s -> %s", cases[i].why, cases[i].line, why);
  }

  /* sasl= and busy-retries=: what they become, and their defaults */
  TEST_CHECK(load(dir, "i imaps://mail.example.test user=print@example.test auth=oauth2 sasl=oauthbearer busy-retries=7 " TOKEN " client-secret=s", 0600, why, sizeof(why)) == 1);
  TEST_CHECK(sources[0].sasl == GW_SASL_OAUTHBEARER && sources[0].busy_retries == 7);
  TEST_CHECK(load(dir, "i imaps://mail.example.test user=print@example.test auth=oauth2 " TOKEN " client-secret=s", 0600, why, sizeof(why)) == 1);
  TEST_CHECK(sources[0].sasl == GW_SASL_XOAUTH2 && sources[0].busy_retries == GW_MAIL_BUSY_RETRIES);

  /* What a Graph line becomes: defaults per kind */
  TEST_CHECK(load(dir, "g graph://graph.microsoft.com user=p@example.test " TOKEN " client-secret=s", 0600, why, sizeof(why)) == 1);
  TEST_CHECK(sources[0].proto == GW_MAIL_PROTO_GRAPH && sources[0].port == 443 && sources[0].auth == GW_MAIL_AUTH_OAUTH2);
  TEST_CHECK(!strcmp(sources[0].path, "/v1.0") && !strcmp(sources[0].folder, "inbox"));
  TEST_CHECK(!strcmp(sources[0].oauth.scope, "https://graph.microsoft.com/.default"));
  TEST_CHECK(!strcmp(sources[0].oauth.client_secret, "s") && !strcmp(sources[0].done, "move") && !strcmp(sources[0].printed, "Printed"));

  /* EWS: port, path, Basic by default */
  TEST_CHECK(load(dir, "e ews://exchange.example.test:8443/EWS/Exchange.asmx user=EXAMPLE\\print password=pw", 0600, why, sizeof(why)) == 1);
  TEST_CHECK(sources[0].proto == GW_MAIL_PROTO_EWS && sources[0].port == 8443 && sources[0].auth == GW_MAIL_AUTH_PASSWORD);
  TEST_CHECK(!strcmp(sources[0].path, "/EWS/Exchange.asmx") && !strcmp(sources[0].host, "exchange.example.test"));

  /* in-flight=: absent is 0 (the default, 2 x ConversionWorkers, set at start), else the number */
  TEST_CHECK(load(dir, "i imaps://mail.example.test user=print@example.test password=pw", 0600, why, sizeof(why)) == 1 && sources[0].in_flight == 0);
  TEST_CHECK(load(dir, "i imaps://mail.example.test user=print@example.test password=pw in-flight=12", 0600, why, sizeof(why)) == 1 && sources[0].in_flight == 12);

  /* IMAP with OAuth2: the Outlook scope, the token's own CA */
  TEST_CHECK(load(dir, "i imaps://mail.example.test user=print@example.test auth=oauth2 " TOKEN " client-secret=s token-cafile=/etc/ca.pem", 0600, why, sizeof(why)) == 1);
  TEST_CHECK(!strcmp(sources[0].oauth.scope, "https://outlook.office365.com/.default") && !strcmp(sources[0].oauth.cafile, "/etc/ca.pem"));

  /* The file holds secrets: group- or world-readable is refused (positive control: 0600 above) */
  TEST_CHECK(load(dir, "e ews://exchange.example.test user=u password=pw", 0640, why, sizeof(why)) == -1 && strstr(why, "chmod 600"));

  /* A refresh token longer than a sealed 4,096-byte one does not fit: refused, nothing cut (positive controls: 3 KB and 5,506 bytes fit) */
  longline = malloc(8192);
  TEST_CHECK(longline != NULL);
  if (longline)
  {
    int len = snprintf(longline, 8192, "g graph://graph.microsoft.com user=p@example.test " TOKEN " refresh-token=");

    memset(longline + len, 'r', 3000);
    longline[len + 3000] = '\0';
    TEST_CHECK(load(dir, longline, 0600, why, sizeof(why)) == 1 && strlen(sources[0].oauth.refresh_token) == 3000);
    memset(longline + len, 'r', 5506);           /* A sealed 4,096-byte token (enc:v1: + base64url of 4,124 bytes) fits */
    longline[len + 5506] = '\0';
    TEST_CHECK(load(dir, longline, 0600, why, sizeof(why)) == 1 && strlen(sources[0].oauth.refresh_token) == 5506);
    memset(longline + len, 'r', GW_OAUTH_SEALED_MAX);
    longline[len + GW_OAUTH_SEALED_MAX] = '\0';
    TEST_CHECK(load(dir, longline, 0600, why, sizeof(why)) == -1 && strstr(why, "value too long"));
    free(longline);
  }

  /* Message keys: 32 hex digits, stable, different ids differ */
  _gwMailIdKey("AAMkADExample=", key, sizeof(key));
  _gwMailIdKey("AAMkADExample=", key2, sizeof(key2));
  TEST_CHECK(strlen(key) == 32 && strspn(key, "0123456789abcdef") == 32 && !strcmp(key, key2));
  _gwMailIdKey("AAMkADExamplf=", key2, sizeof(key2));
  TEST_CHECK(strcmp(key, key2) != 0);
  _gwMailIdKey("x", key2, 9);
  TEST_CHECK(strlen(key2) == 8);        /* Bounded by the buffer */

  /* URL encoding: unreserved kept, the rest %XX, bounded */
  TEST_CHECK(_gwMailUrlEncode("a@b c/+=~", enc, sizeof(enc)) && !strcmp(enc, "a%40b%20c%2F%2B%3D~"));
  TEST_CHECK(!_gwMailUrlEncode("@@@@", enc, 12));   /* 12 bytes do not fit "%40" x 4 */
  TEST_CHECK(_gwMailUrlEncode("@@@", enc, 10) && !strcmp(enc, "%40%40%40"));

  test_rmtree(dir);
  TEST_EXIT();
}
