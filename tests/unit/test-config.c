/*
 * test-config.c - unit tests for the configuration (gateway/config.c).
 *
 * Checks the defaults people get with an empty file, that a file setting
 * every directive (tests/data/config/good.conf) is read as written, that
 * each bad file in tests/data/config/ is refused with the right line and
 * directive in the message, and that docs/configuration.md documents
 * every directive in the table.
 */

#include "test.h"
#include "printgate/config.h"

#include <stdarg.h>
#include <strings.h>
#include <unistd.h>


/*
 * Bad files: file name, the line the error must name, and a word the
 * message must contain (the directive, or what is wrong).
 */

typedef struct bad_case_s
{
  const char *file;
  int         line;
  const char *word;
  const char *also;
} bad_case_t;

static const bad_case_t bad_cases[] =
{
  { "bad-unknown.conf",           3, "PrinterSpeed",      "unknown directive" },
  { "bad-int.conf",               4, "MaxPagesPerJob",    "whole number" },
  { "bad-range.conf",             2, "MaxPagesPerJob",    "must be between 1 and 100000 (got \"0\")" },
  { "bad-pinlength.conf",         2, "PinLength",         "between 4 and 12" },
  { "bad-port.conf",              2, "ListenPort",        "between 0 and 65535" },
  { "bad-size.conf",              1, "MaxDocumentSize",   "size" },
  { "bad-size-range.conf",        2, "MaxDocumentSize",   "between 1K and 2G" },
  { "bad-duration.conf",          3, "Retention",         "duration" },
  { "bad-duration-fraction.conf", 1, "ConnectionTimeout", "whole number of seconds" },
  { "bad-duplicate.conf",         4, "ListenPort",        "first set on line 1" },
  { "bad-missing.conf",           2, "LogFile",           "needs a value" },
  { "bad-relative.conf",          2, "StateDir",          "absolute path" },
  { "bad-bool.conf",              1, "KeepPrintedJobs",   "yes or no" },
  { "bad-loglevel.conf",          1, "LogLevel",          "debug, info, warn or error" },
  { "bad-address.conf",           1, "ListenAddress",     "numeric" },
  { "bad-trailing.conf",          2, "ListenPort",        "unexpected text" },
  { "bad-quote.conf",             1, "LogFile",           "closing quote" },
  { "bad-tls-pair.conf",          2, "TLSCertificate",    "together" },
  { "bad-adminuser.conf",         1, "AdminUser",         "account name" },
  { "bad-empty-path.conf",        1, "StateDir",          "empty" },
  { "bad-token-url.conf",         2, "SmtpTokenURL",      "https://" }
};


/*
 * Local functions.
 */

static bool  check_documented(const char *name, const char *type, const char *default_value, const char *help, void *data);
static bool  count_directive(const char *name, const char *type, const char *default_value, const char *help, void *data);


/*
 * 'main()' - Run the tests.
 */

int
main(void)
{
  const char  *srcdir = getenv("GW_SOURCE_DIR");
  char         datadir[1024], path[2048], err[3072], tmpdir[1024], expect[2100];
  gw_config_t *c;
  int          count = 0;

  if (!srcdir)
    srcdir = ".";
  snprintf(datadir, sizeof(datadir), "%s/tests/data/config", srcdir);

  if (!test_tempdir(tmpdir, sizeof(tmpdir)))
  {
    puts("FAIL unable to make a temporary folder");
    return (1);
  }

  /*
   * Defaults (DESIGN.md sections 4 and 5)...
   */

  TEST_BEGIN("defaults");
  c = gwConfigNewDefaults();
  TEST_CHECK(c != NULL);
  if (c)
  {
    char sock[GW_PATH_MAX + 32], cert[GW_PATH_MAX + 32], key[GW_PATH_MAX + 32];

    TEST_CHECK(!strcmp(c->state_dir, "/var/lib/printgate"));
    TEST_CHECK(c->control_socket[0] == '\0');
    TEST_CHECK(c->log_file[0] == '\0');
    TEST_CHECK(c->log_level == GW_LOG_INFO);
    TEST_CHECK(!strcmp(c->listen_address, "*"));
    TEST_CHECK(c->listen_port == 8631);
    TEST_CHECK(c->tls_certificate[0] == '\0' && c->tls_key[0] == '\0');
    TEST_CHECKF(c->server_name[0] != '\0', "ServerName defaults to the host name, got \"%s\"", c->server_name);
    TEST_CHECK(c->max_connections == 256);
    TEST_CHECK(c->connection_timeout == 30);
    TEST_CHECK(c->max_document_size == 100 * 1024 * 1024);
    TEST_CHECK(c->max_pages == 500);
    TEST_CHECK(c->max_held_jobs == 200);
    TEST_CHECK(c->retention == 8 * 3600);
    TEST_CHECK(c->guest_retention == 2 * 3600);
    TEST_CHECK(!c->guest_accounts && c->guest_max_pages == 20 && c->session_idle == 1800 && c->session_lifetime == 12 * 3600 && !c->web_root[0]);
    TEST_CHECK(c->keep_printed_jobs == false);
    TEST_CHECK(c->reprint_retention == 24 * 3600);
    TEST_CHECK(c->expiry_interval == 60);
    TEST_CHECK(c->pin_length == 6);
    TEST_CHECK(c->pin_lifetime == 90 * 86400);
    TEST_CHECK(c->pin_max_failures == 5);
    TEST_CHECK(c->pin_max_failures_tenant == 20);
    TEST_CHECK(c->pin_lockout == 15 * 60);
    TEST_CHECK(c->printer_timeout == 30);
    TEST_CHECK(c->printer_retries == 5);
    TEST_CHECK(c->printer_retry_delay_ms == 500);
    TEST_CHECK(!strcmp(c->admin_user, "admin"));

    gwConfigControlSocket(c, sock, sizeof(sock));
    gwConfigTLSPaths(c, cert, sizeof(cert), key, sizeof(key));
    TEST_CHECK(!strcmp(sock, "/var/lib/printgate/printgated.sock"));
    TEST_CHECK(!strcmp(cert, "/var/lib/printgate/tls/server.crt"));
    TEST_CHECK(!strcmp(key, "/var/lib/printgate/tls/server.key"));
  }
  gwConfigDelete(&c);
  TEST_CHECK(c == NULL);
  gwConfigDelete(&c);                   /* NULL-safe */
  gwConfigDelete(NULL);

  TEST_BEGIN("an empty file gives the defaults");
  snprintf(path, sizeof(path), "%s/empty.conf", tmpdir);
  test_write_file(path, "", 0);
  c = gwConfigLoad(path, err, sizeof(err));
  TEST_CHECKF(c != NULL, "%s", err);
  if (c)
    TEST_CHECK(c->listen_port == 8631 && c->max_pages == 500 && c->pin_length == 6);
  gwConfigDelete(&c);

  TEST_BEGIN("a missing file is an error naming the file");
  snprintf(path, sizeof(path), "%s/nonexistent.conf", tmpdir);
  c = gwConfigLoad(path, err, sizeof(err));
  TEST_CHECK(c == NULL);
  TEST_CHECKF(strstr(err, path) != NULL && strstr(err, "No such file") != NULL, "%s", err);
  gwConfigDelete(&c);

  /*
   * A file with every directive...
   */

  TEST_BEGIN("good.conf sets every directive");
  snprintf(path, sizeof(path), "%s/good.conf", datadir);
  c = gwConfigLoad(path, err, sizeof(err));
  TEST_CHECKF(c != NULL, "%s", err);
  if (c)
  {
    char sock[GW_PATH_MAX + 32], cert[GW_PATH_MAX + 32], key[GW_PATH_MAX + 32];

    TEST_CHECK(!strcmp(c->state_dir, "/srv/printgate/state"));
    TEST_CHECK(!strcmp(c->control_socket, "/run/printgate/ctl.sock"));
    TEST_CHECK(!strcmp(c->log_file, "/var/log/print gate/printgated.log"));
    TEST_CHECK(c->log_level == GW_LOG_DEBUG);
    TEST_CHECK(!strcmp(c->listen_address, "127.0.0.1"));
    TEST_CHECK(c->listen_port == 9443);
    TEST_CHECK(!strcmp(c->tls_certificate, "/etc/printgate/tls/cert.pem"));
    TEST_CHECK(!strcmp(c->tls_key, "/etc/printgate/tls/key.pem"));
    TEST_CHECK(!strcmp(c->server_name, "print.example.org"));
    TEST_CHECK(c->max_connections == 64);
    TEST_CHECK(c->connection_timeout == 120);
    TEST_CHECK(c->max_document_size == 50 * 1024 * 1024);
    TEST_CHECK(c->max_pages == 250);
    TEST_CHECK(c->max_held_jobs == 20);
    TEST_CHECK(c->retention == 12 * 3600);
    TEST_CHECK(c->guest_retention == 30 * 60);
    TEST_CHECK(c->guest_accounts && c->guest_max_pages == 7 && c->session_idle == 600 && c->session_lifetime == 7200 && !strcmp(c->web_root, "/srv/printgate-web"));
    TEST_CHECK(c->keep_printed_jobs == true);
    TEST_CHECK(c->reprint_retention == 2 * 86400);
    TEST_CHECK(c->expiry_interval == 90);
    TEST_CHECK(c->spool_reserve == 128);
    TEST_CHECK(c->pin_length == 8);
    TEST_CHECK(c->pin_lifetime == 0);
    TEST_CHECK(c->pin_max_failures == 3);
    TEST_CHECK(c->pin_max_failures_tenant == 40);
    TEST_CHECK(c->pin_lockout == 3600);
    TEST_CHECK(c->printer_timeout == 45);
    TEST_CHECK(c->printer_retries == 2);
    TEST_CHECK(c->printer_retry_delay_ms == 1000);
    TEST_CHECK(c->watermark == true);
    TEST_CHECK(c->render_timeout == 300);
    TEST_CHECK(!strcmp(c->admin_user, "root-admin"));
    TEST_CHECK(!strcmp(c->smtp_server, "mail.example.org:2525") && !strcmp(c->smtp_tls, "implicit"));
    TEST_CHECK(!strcmp(c->smtp_ca_file, "/etc/printgate/smtp-ca.pem") && !strcmp(c->smtp_user, "print@example.org"));
    TEST_CHECK(!strcmp(c->smtp_password, "enc:v1:AAAA") && !strcmp(c->smtp_from, "print@example.org"));
    TEST_CHECK(!strcmp(c->smtp_auth, "oauthbearer") && !strcmp(c->smtp_token_url, "https://login.example.org/tenant/oauth2/v2.0/token"));
    TEST_CHECK(!strcmp(c->smtp_token_ca_file, "/etc/printgate/idp-ca.pem") && !strcmp(c->smtp_client_id, "app-123"));
    TEST_CHECK(!strcmp(c->smtp_client_secret, "enc:v1:BBBB") && !strcmp(c->smtp_refresh_token, "enc:v1:CCCC"));
    TEST_CHECK(!strcmp(c->smtp_scope, "https://mail.example.org/.default"));
    TEST_CHECK(!strcmp(c->smtp_domain, "gw.example.org") && c->smtp_timeout == 30);
    TEST_CHECK(c->smtp_retry_delay == 120 && c->smtp_retry_max == 7200 && c->smtp_give_up == 3 * 86400 && c->smtp_keep_sent == 86400);

    gwConfigControlSocket(c, sock, sizeof(sock));
    gwConfigTLSPaths(c, cert, sizeof(cert), key, sizeof(key));
    TEST_CHECK(!strcmp(sock, "/run/printgate/ctl.sock"));
    TEST_CHECK(!strcmp(cert, "/etc/printgate/tls/cert.pem"));
    TEST_CHECK(!strcmp(key, "/etc/printgate/tls/key.pem"));
  }
  gwConfigDelete(&c);

  /*
   * Value syntax: sizes, durations, booleans, CRLF and a byte order mark...
   */

  TEST_BEGIN("units, CRLF line ends and a byte order mark");
  {
    static const char text[] =
      "\xEF\xBB\xBFMaxDocumentSize 512K\r\n"
      "PrinterRetryDelay 250\r\n"          /* bare number: milliseconds here */
      "PinLifetime 36h\r\n"
      "KeepPrintedJobs on\r\n"
      "ListenAddress ::1\r\n"
      "ServerName \"\"\r\n"                /* empty = host name */
      "LogFile \"\"\r\n"                   /* empty = stderr */
      "ExpiryInterval 5000ms\r\n";

    snprintf(path, sizeof(path), "%s/units.conf", tmpdir);
    test_write_file(path, text, sizeof(text) - 1);
    c = gwConfigLoad(path, err, sizeof(err));
    TEST_CHECKF(c != NULL, "%s", err);
    if (c)
    {
      TEST_CHECK(c->max_document_size == 512 * 1024);
      TEST_CHECK(c->printer_retry_delay_ms == 250);
      TEST_CHECK(c->pin_lifetime == 36 * 3600);
      TEST_CHECK(c->keep_printed_jobs == true);
      TEST_CHECK(!strcmp(c->listen_address, "::1"));
      TEST_CHECK(c->server_name[0] != '\0');
      TEST_CHECK(c->log_file[0] == '\0');
      TEST_CHECK(c->expiry_interval == 5);
    }
    gwConfigDelete(&c);
  }

  /*
   * Bad files...
   */

  for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i ++)
  {
    const bad_case_t *bc = bad_cases + i;

    printf("%s\n", bc->file);
    snprintf(path, sizeof(path), "%s/%s", datadir, bc->file);
    snprintf(expect, sizeof(expect), "%s:%d: ", path, bc->line);
    err[0] = '\0';
    c = gwConfigLoad(path, err, sizeof(err));
    TEST_CHECKF(c == NULL, "%s was accepted", bc->file);
    TEST_CHECKF(!strncmp(err, expect, strlen(expect)), "want \"%s...\", got \"%s\"", expect, err);
    TEST_CHECKF(strstr(err, bc->word) != NULL, "want \"%s\" in \"%s\"", bc->word, err);
    TEST_CHECKF(strstr(err, bc->also) != NULL, "want \"%s\" in \"%s\"", bc->also, err);
    gwConfigDelete(&c);
  }

  TEST_BEGIN("a line longer than 8192 bytes is refused (a sealed 4,096-byte refresh token fits)");
  {
    char line[9000];

    memset(line, 'x', sizeof(line));
    memcpy(line, "LogFile /", 9);
    snprintf(path, sizeof(path), "%s/long.conf", tmpdir);
    {
      FILE *fp = fopen(path, "w");

      if (fp)
      {
        fputs("LogLevel info\n# comment\n", fp);
        fwrite(line, 1, sizeof(line), fp);
        fputs("\nListenPort 1\n", fp);
        fclose(fp);
      }
    }
    snprintf(expect, sizeof(expect), "%s:3: ", path);
    c = gwConfigLoad(path, err, sizeof(err));
    TEST_CHECK(c == NULL);
    TEST_CHECKF(!strncmp(err, expect, strlen(expect)) && strstr(err, "8192"), "%s", err);
    gwConfigDelete(&c);

    /* A comment of exactly 8192 bytes is fine */
    memset(line, 'x', sizeof(line));
    line[0]    = '#';
    line[8192] = '\n';
    memcpy(line + 8193, "ListenPort 7\n", 13);
    test_write_file(path, line, 8193 + 13);
    c = gwConfigLoad(path, err, sizeof(err));
    TEST_CHECKF(c != NULL && c->listen_port == 7, "%s", err);
    gwConfigDelete(&c);
  }

  TEST_BEGIN("a NUL byte in a line is refused");
  snprintf(path, sizeof(path), "%s/nul.conf", tmpdir);
  test_write_file(path, "LogLevel info\nListenPort 86\00031\n", 28);
  c = gwConfigLoad(path, err, sizeof(err));
  TEST_CHECK(c == NULL);
  TEST_CHECKF(strstr(err, ":2: ") != NULL && strstr(err, "NUL"), "%s", err);
  gwConfigDelete(&c);

  TEST_BEGIN("a state dir too long for the control socket is refused");
  {
    char text[400];

    snprintf(text, sizeof(text), "LogLevel info\nStateDir /%0120d\n", 0);
    snprintf(path, sizeof(path), "%s/sock.conf", tmpdir);
    test_write_file(path, text, strlen(text));
    c = gwConfigLoad(path, err, sizeof(err));
    TEST_CHECK(c == NULL);
    TEST_CHECKF(strstr(err, ":2: ") != NULL && strstr(err, "ControlSocket"), "%s", err);
    gwConfigDelete(&c);

    snprintf(text, sizeof(text), "StateDir /%0120d\nControlSocket /run/pg.sock\n", 0);
    test_write_file(path, text, strlen(text));
    c = gwConfigLoad(path, err, sizeof(err));
    TEST_CHECKF(c != NULL, "%s", err);
    gwConfigDelete(&c);
  }

  /*
   * The directive table and the documentation...
   */

  TEST_BEGIN("every directive is in the table and in docs/configuration.md");
  gwConfigIterateDirectives(count_directive, &count);
  TEST_CHECKF(count == 93, "%d directives", count);
  {
    char *doc;

    snprintf(path, sizeof(path), "%s/docs/configuration.md", srcdir);
    doc = test_read_file(path, NULL);
    TEST_CHECKF(doc != NULL, "unable to read %s", path);
    if (doc)
      gwConfigIterateDirectives(check_documented, doc);
    free(doc);
  }

  test_rmtree(tmpdir);

  TEST_EXIT();
}


/*
 * 'check_documented()' - FAIL unless the directive has a "### Name"
 *                        heading or a "| Name |" table row in the doc.
 */

static bool
check_documented(const char *name, const char *type, const char *default_value, const char *help, void *data)
{
  const char *doc = (const char *)data;
  char        heading[128], row[128], row2[128];

  snprintf(heading, sizeof(heading), "\n### %s\n", name);
  snprintf(row, sizeof(row), "\n| %s |", name);
  snprintf(row2, sizeof(row2), "\n| `%s` |", name);

  TEST_CHECKF(strstr(doc, heading) || strstr(doc, row) || strstr(doc, row2), "%s is not documented in docs/configuration.md", name);
  TEST_CHECKF(type && *type && default_value && help && *help, "%s has no type or help", name);

  return (true);
}


/*
 * 'count_directive()' - Count the directives in the table.
 */

static bool
count_directive(const char *name, const char *type, const char *default_value, const char *help, void *data)
{
  (*(int *)data) ++;

  return (true);
}


