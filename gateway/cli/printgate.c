/*
 * printgate.c - the Printgate admin CLI.  It talks to printgated over the
 * root-only control socket (JSON lines, see control.h); `job submit`
 * streams the file's bytes, so the daemon never opens a path we name.
 * docs/cli.md documents every command.
 */

#include "printgate/audit.h"
#include "printgate/config.h"
#include "printgate/control.h"
#include "printgate/profile.h"
#include "printgate/report.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CONFIG "/etc/printgate/printgate.conf"

typedef struct cli_s            /* Parsed command line */
{
  const char *conffile;
  bool        json;             /* --json: print the daemon's reply as is */
  int         argc;             /* Words left after the options */
  char      **argv;
} cli_t;


/*
 * 'usage()' - Show program usage.
 */

static int
usage(FILE *fp, int status)
{
  fputs("Usage: printgate [-c FILE] [--json] COMMAND ...\n"
        "\n"
        "Options: -c FILE  configuration file (default $PRINTGATE_CONF, else " DEFAULT_CONFIG ")\n"
        "         --json   print the daemon's reply as is\n"
        "         --help   this help (printgate COMMAND --help: that command's)\n"
        "         --version\n"
        "\n"
        "Commands (see printgate(1)):\n"
        "  status\n"
        "  user add NAME [--email ADDR] [--display TEXT] [--role user|admin|guest|helpdesk|auditor]\n"
        "  user list\n"
        "  user password NAME                 (new one-time password)\n"
        "  user role NAME user|admin|guest|helpdesk|auditor\n"
        "  user factor-reset NAME             (forget the admin console's second factor)\n"
        "  user alias NAME ALIAS\n"
        "  user export NAME                   (everything held about NAME, as JSON; docs/gdpr.md)\n"
        "  user erase NAME                    (crypto-shred NAME's jobs, delete what names NAME,\n"
        "          keep audit rows under the pseudonym erased-ID; cannot be undone)\n"
        "  user restrict NAME --reason TEXT | user restrict NAME --off  (refuse NAME's new jobs and mail)\n"
        "  address add USER ADDR | address verify ADDR | address revoke ADDR | address confirm CODE\n"
        "  address list [--user NAME]\n"
        "  printer add NAME URI [--location TEXT] | printer list | printer delete NAME\n"
        "  printer check NAME                 (reachable? takes PDF?)\n"
        "  job submit --user NAME [--name TEXT] [--copies N] [--sides S] [--color-mode M]\n"
        "             [--pages RANGES] [--number-up 1|2|4|6|9|16] FILE\n"
        "  job list [--user NAME] | job show ID | job cancel ID\n"
        "  pin new USER                       (prints the PIN once)\n"
        "  card set USER CARD|-\n"
        "  device add USER NAME               (prints the token URL and password once)\n"
        "  device list [USER] | device revoke ID\n"
        "  terminal add NAME PRINTER          (a release terminal's key, printed once)\n"
        "  terminal list | terminal revoke NAME\n"
        "  mobileconfig USER DEVICE [--output FILE]  (a new device and its iOS/macOS profile)\n"
        "  qr URL [--output FILE] [--scale PIXELS]    (a PNG QR code of a printer or token URL)\n"
        "  release (--pin PIN|- | --card CARD|- | --user NAME) --printer NAME [--job ID] [--source ID]\n"
        "          [--pages RANGES|all] [--number-up N]   (for this release only)\n"
        "          [--for OWNER]   (release OWNER's jobs, as one of OWNER's delegates)\n"
        "          \"-\" reads the PIN or card from standard input: use it, a PIN or card\n"
        "          on the command line is visible to other processes (/proc/PID/cmdline)\n"
        "  rule list | rule add 'LINE' | rule remove NAME | rule load FILE|-  (print policy, docs/policy.md)\n"
        "  rule dry-run --user NAME [--at submit|release] [--intake I] [--format F] [--size BYTES]\n"
        "          [--pages N] [--colour-pages N] [--color-mode M] [--printer NAME] [--time UNIXTIME]\n"
        "  group add NAME | group member GROUP USER [--remove] | group list\n"
        "  printer tags NAME [TAG,TAG...|\"\"]  (show or set a printer's tags)\n"
        "  delegate add OWNER DELEGATE | delegate remove OWNER DELEGATE | delegate list [USER]\n"
        "  quota show USER                    (quotas and what is left)\n"
        "  lockout list | lockout clear [KEY]  (PIN/card lockouts; KEY as listed, none = all)\n"
        "  audit [--user U] [--action A] [--since T] [--until T] [--printer P] [--outcome ok|refused]\n"
        "        [--limit N] [--after CURSOR] [--csv]   (newest first; T: Unix time or YYYY-MM-DD[THH:MM[:SS]] UTC;\n"
        "        --csv writes every matching row, or N, as CSV)\n"
        "  report [--by user|role|printer|intake|period] [--period day|week|month]\n"
        "         [--since DATE] [--until DATE] [--csv]  (pages and colour pages; DATE is\n"
        "          YYYY-MM-DD, UTC, --until's day included, or a Unix time)\n"
        "  health                             (queues, conversions, mail, outbox, Office,\n"
        "          certificates, disk; --json for all of it)\n"
        "  outbox list [--state queued|sending|sent|failed] | outbox retry ID | outbox delete ID\n"
        "  outbox send ADDRESS SUBJECT [--key KEY] [--in-reply-to MSGID]  (body on standard input;\n"
        "          --in-reply-to marks it an automatic reply)\n"
        "  secret encrypt                     (reads a secret on standard input, prints enc:v1:...)\n"
        "  dnssd-zone DOMAIN [HOST [ADDRESS...]]  (unicast DNS-SD records, zone-file syntax;\n"
        "          HOST defaults to ServerName, ADDRESS to HOST's addresses; docs/dnssd.md)\n", fp);
  return (status);
}


/*
 * 'command_usage()' - Show the usage lines of one command ("printgate user
 *                     --help"): the lines of usage() that start with the
 *                     command's word, with their continuation lines, so a
 *                     command added to usage() gets its help for free.
 *                     Returns 0, or 2 (after saying so) for an unknown
 *                     command.
 */

static int
command_usage(const char *noun)
{
  char   *text = NULL, *line, *next;
  size_t  size = 0, nlen = strlen(noun);
  FILE   *fp;
  bool    found = false, in = false;

  if ((fp = open_memstream(&text, &size)) == NULL)
    return (usage(stdout, 0));
  usage(fp, 0);
  if (fclose(fp) || !text)
  {
    free(text);
    return (usage(stdout, 0));
  }

  for (line = text; line && *line; line = next)
  {
    if ((next = strchr(line, '\n')) != NULL)
      *next++ = '\0';

    if (!strncmp(line, "  ", 2) && line[2] != ' ')
      in = !strncmp(line + 2, noun, nlen) && (line[2 + nlen] == ' ' || !line[2 + nlen]);
    else if (strncmp(line, "   ", 3))
      in = false;                       /* Not a continuation line */

    if (in)
    {
      if (!found)
        puts("Usage: printgate [-c FILE] [--json] COMMAND ...\n");
      found = true;
      puts(line);
    }
  }
  free(text);

  if (!found)
  {
    fprintf(stderr, "printgate: unknown command \"%s\" (printgate --help lists them)\n", noun);
    return (2);
  }

  return (0);
}


/*
 * 'strict_int()' - A whole number from 1 with at most 6 digits, or -1
 *                  (which the daemon refuses with its own sentence).
 */

static int64_t
strict_int(const char *s)
{
  size_t len = strlen(s);

  if (len == 0 || len > 6 || strspn(s, "0123456789") != len || strspn(s, "0") == len)
    return (-1);

  return (strtoll(s, NULL, 10));
}


/*
 * 'whole_number()' - A whole number of 1 to 18 digits (a row id), or -1.
 */

static int64_t
whole_number(const char *s)
{
  size_t len = strlen(s);

  return (len == 0 || len > 18 || strspn(s, "0123456789") != len ? -1 : strtoll(s, NULL, 10));
}


/*
 * 'option()' - Find "--name VALUE" among the words; NULL if absent.
 */

static const char *
option(cli_t *cli, int first, const char *name)
{
  for (int i = first; i + 1 < cli->argc; i ++)
  {
    if (!strcmp(cli->argv[i], name))
      return (cli->argv[i + 1]);
  }

  return (NULL);
}


/*
 * 'positional()' - The n-th word from 'first' that is not an option or an
 *                  option's value.
 */

static const char *
positional(cli_t *cli, int first, int n)
{
  for (int i = first; i < cli->argc; i ++)
  {
    if (!strncmp(cli->argv[i], "--", 2))
    {
      i ++;
      continue;
    }
    if (n -- == 0)
      return (cli->argv[i]);
  }

  return (NULL);
}


/*
 * 'read_secret()' - "-" means: read the secret from stdin (keeps it out
 *                   of the process list).  A secret given on the command
 *                   line works but earns a warning: any process can read
 *                   it in /proc/PID/cmdline while the CLI runs.
 */

static const char *
read_secret(const char *value, const char *what, char *buf, size_t bufsize)
{
  if (value && strcmp(value, "-"))
    fprintf(stderr, "printgate: warning: %s given on the command line can be read by other processes (ps, /proc/PID/cmdline); give \"-\" instead and type it on standard input.\n", what);

  if (!value || strcmp(value, "-"))
    return (value);

  if (!fgets(buf, (int)bufsize, stdin))
    return (NULL);
  buf[strcspn(buf, "\r\n")] = '\0';

  return (buf);
}


/*
 * 'print_time()' - Local time or "never".
 */

static void
print_time(int64_t t, char *buf, size_t bufsize)
{
  time_t    tt = (time_t)t;
  struct tm tmv;

  if (t <= 0)
    snprintf(buf, bufsize, "never");
  else
  {
    localtime_r(&tt, &tmv);
    strftime(buf, bufsize, "%Y-%m-%d %H:%M", &tmv);
  }
}


static const char *
jstr(json_object *o, const char *name)
{
  json_object *v;

  return (json_object_object_get_ex(o, name, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "");
}


static int64_t
jint(json_object *o, const char *name)
{
  json_object *v;

  return (json_object_object_get_ex(o, name, &v) ? json_object_get_int64(v) : 0);
}


/*
 * 'print_used_rows()' - A list of devices or terminals: id, two named
 *                       columns, when added and last used.
 */

static void
print_used_rows(json_object *list, const char *h1, const char *h2, const char *k1, const char *k2)
{
  char t1[32], t2[32];

  printf("%-6s %-24s %-24s %-16s  %s\n", "ID", h1, h2, "ADDED", "LAST USED");
  for (size_t i = 0; i < json_object_array_length(list); i ++)
  {
    json_object *item = json_object_array_get_idx(list, i);

    print_time(jint(item, "created"), t1, sizeof(t1));
    print_time(jint(item, "last_used"), t2, sizeof(t2));
    printf("%-6d %-24s %-24s %-16s  %s\n", (int)jint(item, "id"), jstr(item, k1), jstr(item, k2), t1, t2);
  }
}


/*
 * 'print_reply()' - Human output for a successful reply.
 */

static void
print_reply(const char *cmd, json_object *reply)
{
  json_object *list, *item;
  char         t1[32], t2[32];

  if (!strcmp(cmd, "job.list") && json_object_object_get_ex(reply, "jobs", &list))
  {
    printf("%-36s  %-12s %-11s %5s %6s  %-16s  %-16s  %s\n", "JOB", "OWNER", "STATE", "PAGES", "COLOUR", "CREATED", "EXPIRES", "NAME / REASON");
    for (size_t i = 0; i < json_object_array_length(list); i ++)
    {
      char colour[16];

      item = json_object_array_get_idx(list, i);
      print_time(jint(item, "created"), t1, sizeof(t1));
      print_time(jint(item, "expires"), t2, sizeof(t2));

      /* Colour pages: "-" when they were not counted (CountColorPages no). */
      if (jint(item, "color_pages") >= 0)
        snprintf(colour, sizeof(colour), "%d", (int)jint(item, "color_pages"));
      else
        snprintf(colour, sizeof(colour), "-");
      printf("%-36s  %-12s %-11s %5d %6s  %-16s  %-16s  %s", jstr(item, "id"), jstr(item, "owner"), jstr(item, "state"), (int)jint(item, "pages"), colour, t1, t2, jstr(item, "name"));
      if (*jstr(item, "page_ranges"))
        printf(" [pages %s]", jstr(item, "page_ranges"));
      if (jint(item, "number_up") > 1)
        printf(" [%d-up]", (int)jint(item, "number_up"));
      putchar('\n');
      if (*jstr(item, "reason_text"))
        printf("%*s%s\n", 104, "", jstr(item, "reason_text"));
    }
  }
  else if (!strcmp(cmd, "job.submit") || !strcmp(cmd, "job.show"))
  {
    json_object_object_get_ex(reply, "job", &item);
    if (!strcmp(cmd, "job.submit"))
      printf("%s\n", jstr(item, "id"));
    else
      printf("%s\n", json_object_to_json_string_ext(item, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
  }
  else if (!strcmp(cmd, "user.list") && json_object_object_get_ex(reply, "users", &list))
  {
    printf("%-24s %-8s %s\n", "USER", "ROLE", "ADDRESSES");
    for (size_t i = 0; i < json_object_array_length(list); i ++)
    {
      json_object *addrs;

      item = json_object_array_get_idx(list, i);
      printf("%-24s %-8s", jstr(item, "name"), jstr(item, "role"));
      if (json_object_object_get_ex(item, "addresses", &addrs))
      {
        for (size_t j = 0; j < json_object_array_length(addrs); j ++)
        {
          json_object *a = json_object_array_get_idx(addrs, j);
          printf(" %s (%s)", jstr(a, "address"), jstr(a, "state"));
        }
      }
      putchar('\n');
    }
  }
  else if (!strcmp(cmd, "address.list") && json_object_object_get_ex(reply, "addresses", &list))
  {
    for (size_t i = 0; i < json_object_array_length(list); i ++)
    {
      item = json_object_array_get_idx(list, i);
      print_time(jint(item, "verified_at"), t1, sizeof(t1));
      printf("%-40s %-16s %-9s %s %s\n", jstr(item, "address"), jstr(item, "user"), jstr(item, "state"), jstr(item, "verified_by"), jint(item, "verified_at") ? t1 : "");
    }
  }
  else if (!strcmp(cmd, "printer.list") && json_object_object_get_ex(reply, "printers", &list))
  {
    printf("%-20s %-8s %s\n", "PRINTER", "ENABLED", "URI");
    for (size_t i = 0; i < json_object_array_length(list); i ++)
    {
      item = json_object_array_get_idx(list, i);
      printf("%-20s %-8s %s\n", jstr(item, "name"), json_object_get_boolean(json_object_object_get(item, "enabled")) ? "yes" : "no", jstr(item, "uri"));
    }
  }
  else if (!strncmp(cmd, "audit", 5) && json_object_object_get_ex(reply, "audit", &list))
  {
    for (size_t i = 0; i < json_object_array_length(list); i ++)
    {
      item = json_object_array_get_idx(list, i);
      print_time(jint(item, "time"), t1, sizeof(t1));
      printf("%s  %-16s %-15s %-12s %-36s %-12s %3d  %s %s\n", t1, jstr(item, "actor"), jstr(item, "action"), jstr(item, "subject"), jstr(item, "job"), jstr(item, "printer"), (int)jint(item, "pages"), jstr(item, "source"), jstr(item, "detail"));
    }
    if (jint(reply, "next") > 0)
      fprintf(stderr, "printgate: more rows: --after %lld\n", (long long)jint(reply, "next"));
  }
  else if (!strcmp(cmd, "lockout.list") && json_object_object_get_ex(reply, "lockouts", &list))
  {
    printf("%-40s %8s  %-16s  %s\n", "KEY", "FAILURES", "SINCE", "LOCKED UNTIL");
    for (size_t i = 0; i < json_object_array_length(list); i ++)
    {
      item = json_object_array_get_idx(list, i);
      print_time(jint(item, "first_failure"), t1, sizeof(t1));
      print_time(jint(item, "locked_until") > jint(reply, "now") ? jint(item, "locked_until") : 0, t2, sizeof(t2));
      printf("%-40s %8d  %-16s  %s\n", jstr(item, "key"), (int)jint(item, "failures"), t1, jint(item, "locked_until") > jint(reply, "now") ? t2 : "-");
    }
  }
  else if (!strcmp(cmd, "outbox.list") && json_object_object_get_ex(reply, "outbox", &list))
  {
    printf("%-6s %-8s %4s  %-16s  %-32s %s\n", "ID", "STATE", "TRY", "QUEUED", "TO", "SUBJECT / LAST ERROR");
    for (size_t i = 0; i < json_object_array_length(list); i ++)
    {
      item = json_object_array_get_idx(list, i);
      print_time(jint(item, "created"), t1, sizeof(t1));
      printf("%-6d %-8s %4d  %-16s  %-32s %s\n", (int)jint(item, "id"), jstr(item, "state"), (int)jint(item, "attempts"), t1, jstr(item, "to"), jstr(item, "subject"));
      if (*jstr(item, "last_error"))
        printf("%52s %s\n", "", jstr(item, "last_error"));
    }
  }
  else if (!strcmp(cmd, "user.export") && json_object_object_get_ex(reply, "export", &item))
    printf("%s\n", json_object_to_json_string_ext(item, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
  else if (!strcmp(cmd, "user.erase"))
    printf("Erased; the user's audit rows now name %s.\n", jstr(reply, "pseudonym"));
  else if (!strcmp(cmd, "user.restrict"))
    printf("%s\n", json_object_get_boolean(json_object_object_get(reply, "restricted")) ? "Restricted: new jobs and mail are refused." : "Restriction lifted.");
  else if (!strcmp(cmd, "secret.encrypt"))
    printf("%s\n", jstr(reply, "value"));
  else if (!strcmp(cmd, "outbox.send"))
    printf("Queued as %d.\n", (int)jint(reply, "id"));
  else if (!strcmp(cmd, "pin.new"))
    printf("%s\n", jstr(reply, "pin"));
  else if (!strcmp(cmd, "device.add"))
    printf("Device %d added; shown once, keep them safe:\n  URL:      %s\n  Password: %s\n", (int)jint(reply, "id"), jstr(reply, "url"), jstr(reply, "password"));
  else if (!strcmp(cmd, "device.list") && json_object_object_get_ex(reply, "devices", &list))
    print_used_rows(list, "USER", "DEVICE", "user", "name");
  else if (!strcmp(cmd, "terminal.add"))
    printf("Terminal %d added; its key, shown once:\n  %s\n", (int)jint(reply, "id"), jstr(reply, "key"));
  else if (!strcmp(cmd, "terminal.list") && json_object_object_get_ex(reply, "terminals", &list))
    print_used_rows(list, "TERMINAL", "PRINTER", "name", "printer");
  else if (!strcmp(cmd, "user.password"))
    printf("%s\n", jstr(reply, "password"));
  else if (!strcmp(cmd, "dnssd.zone"))
    fputs(jstr(reply, "zone"), stdout);
  else if (!strcmp(cmd, "release") || !strcmp(cmd, "printer.check"))
    printf("%s\n", jstr(reply, "message"));
  else if (json_object_object_get_ex(reply, "text", &item))
    fputs(json_object_get_string(item), stdout);        /* Policy commands (policy-control.c) */
  else if (!strcmp(cmd, "status"))
    printf("printgated %s: %d user(s), %d held job(s), https port %d\n", jstr(reply, "version"), (int)jint(reply, "users"), (int)jint(reply, "held_jobs"), (int)jint(reply, "https_port"));
}


/*
 * 'print_report()' - A report's rows as a table, or as CSV (RFC 4180).
 */

static void
print_report(json_object *reply, bool csv)
{
  json_object    *list;
  gw_report_by_t  by = GW_REPORT_BY_USER;
  char            line[1024];

  gwReportByParse(jstr(reply, "by"), &by);
  if (csv && gwReportCsvHeader(by, line, sizeof(line)))
    fputs(line, stdout);
  else if (!csv)
    printf("%-32s %8s %10s %12s %7s %6s\n", gwReportByString(by), "PRINTED", "PAGES", "COLOUR PAGES", "FAILED", "HELD");

  if (!json_object_object_get_ex(reply, "rows", &list))
    return;

  for (size_t i = 0; i < json_object_array_length(list); i ++)
  {
    json_object     *item = json_object_array_get_idx(list, i);
    gw_report_row_t  row;

    memset(&row, 0, sizeof(row));
    snprintf(row.key, sizeof(row.key), "%s", jstr(item, "key"));
    row.printed     = jint(item, "printed");
    row.pages       = jint(item, "pages");
    row.color_pages = jint(item, "color_pages");
    row.failed      = jint(item, "failed");
    row.held        = jint(item, "held");
    if (csv && gwReportCsvRow(&row, line, sizeof(line)))
      fputs(line, stdout);
    else if (!csv)
      printf("%-32s %8lld %10lld %12lld %7lld %6lld\n", row.key[0] ? row.key : "(none)", (long long)row.printed, (long long)row.pages, (long long)row.color_pages, (long long)row.failed, (long long)row.held);
  }
}


/*
 * 'print_health()' - The health report in a few lines (--json: all of it).
 */

static void
print_health(json_object *reply)
{
  json_object *h = json_object_object_get(reply, "health"), *o, *certs, *list;
  static const char * const states[] = { "receiving", "converting", "quarantined", "held", "releasing", "failed" };

  printf("jobs:");
  o = json_object_object_get(h, "jobs");
  for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i ++)
    printf(" %s %d%s", states[i], (int)jint(o, states[i]), i + 1 < sizeof(states) / sizeof(states[0]) ? "," : "\n");
  o = json_object_object_get(h, "released_today");
  printf("released today (UTC): printed %d, failed %d, pages %d, colour pages %d\n", (int)jint(o, "printed"), (int)jint(o, "failed"),
         (int)jint(o, "pages"), (int)jint(o, "color_pages"));
  o = json_object_object_get(h, "conversions");
  printf("conversions: %d running, %d queued, %d ok, %d failed since the start\n", (int)jint(o, "running"), (int)jint(o, "queued"), (int)jint(o, "ok"), (int)jint(o, "failed"));
  o = json_object_object_get(h, "outbox");
  printf("outbox: %d queued, %d failed\n", (int)jint(o, "queued"), (int)jint(o, "failed"));
  o = json_object_object_get(h, "office");
  printf("office: %s\n", jstr(o, "status"));
  certs = json_object_object_get(h, "certificates");
  o = json_object_object_get(certs, "gateway");
  if (json_object_object_get(o, "days_left"))
    printf("gateway certificate: %d day(s) left\n", (int)jint(o, "days_left"));
  else
    printf("gateway certificate: unknown\n");
  list = json_object_object_get(certs, "printers");
  for (size_t i = 0; list && i < json_object_array_length(list); i ++)
  {
    o = json_object_array_get_idx(list, i);
    if (json_object_object_get(o, "days_left"))
      printf("printer %s certificate: %d day(s) left\n", jstr(o, "printer"), (int)jint(o, "days_left"));
  }
  o = json_object_object_get(h, "disk");
  printf("spool: %lld bytes held, %lld bytes free\n", (long long)jint(o, "spool_bytes"), (long long)jint(json_object_object_get(o, "spool"), "free_bytes"));
}


/*
 * 'read_reply()' - Read the daemon's reply line, however long (a list of
 *                  10,000 jobs is several MB), up to 1 GB.  Returns a
 *                  malloc'd string or NULL.
 */

static char *
read_reply(int fd, size_t *size_r)
{
  size_t  used = 0, alloc = 64 * 1024;
  char   *buf = malloc(alloc), *nl;
  ssize_t n;

  while (buf)
  {
    if (used + 1 >= alloc)
    {
      char *nbuf = alloc < (size_t)1024 * 1024 * 1024 ? realloc(buf, alloc * 2) : NULL;

      if (!nbuf)
        break;
      buf    = nbuf;
      alloc *= 2;
    }

    if ((n = read(fd, buf + used, alloc - used - 1)) < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    buf[used + (size_t)n] = '\0';
    if ((nl = memchr(buf + used, '\n', (size_t)n)) != NULL)
    {
      *nl     = '\0';
      *size_r = alloc;
      return (buf);
    }
    used += (size_t)n;
  }

  free(buf);
  return (NULL);
}


/*
 * 'write_output()' - Write bytes to a new file (mode 0600; an existing one
 *                    is not overwritten), or to standard output when path
 *                    is NULL.
 */

static bool
write_output(const char *path, const void *data, size_t len)
{
  int fd = path ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : STDOUT_FILENO;

  if (fd < 0)
  {
    fprintf(stderr, "printgate: %s: %s\n", path, strerror(errno));
    return (false);
  }
  if (!gwWriteAll(fd, data, len) || (path && close(fd)))
  {
    fprintf(stderr, "printgate: %s: %s\n", path ? path : "standard output", strerror(errno));
    if (path)
      unlink(path);
    return (false);
  }
  return (true);
}


/*
 * 'qr_command()' - "printgate qr URL [--output FILE] [--scale N]": the PNG
 *                  QR code, made here (no daemon needed).
 */

static int
qr_command(cli_t *cli)
{
  const char    *url = positional(cli, 1, 0), *out = option(cli, 1, "--output"), *error = NULL;
  int            scale = option(cli, 1, "--scale") ? (int)strict_int(option(cli, 1, "--scale")) : 8;
  unsigned char *png;
  size_t         pnglen;
  bool           ok;

  if (!url)
  {
    fprintf(stderr, "printgate: qr: missing URL\n");
    return (2);
  }
  if (!out && isatty(STDOUT_FILENO))
  {
    fprintf(stderr, "printgate: qr: standard output is a terminal: give --output FILE or redirect it\n");
    return (2);
  }
  if (!gwProfileQrPng(url, scale, &png, &pnglen, &error))
  {
    fprintf(stderr, "printgate: qr: %s\n", error);
    return (1);
  }
  ok = write_output(out, png, pnglen);
  free(png);
  return (ok ? 0 : 1);
}


/*
 * 'run()' - Send one request (plus a document for job.submit) and print
 *           the reply.  Returns the exit status.
 */

static int
run(cli_t *cli, const char *sock, json_object *req, int docfd, int64_t docsize)
{
  const char  *cmd = jstr(req, "cmd"), *error = NULL, *text;
  char        *line = NULL;
  size_t       linesize = 0;
  int          fd, status = 1;
  json_object *reply;
  bool         sent;

  if ((fd = gwControlConnect(sock, &error)) < 0)
  {
    fprintf(stderr, "printgate: %s\n", error);
    return (1);
  }

  text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
  sent = gwWriteAll(fd, text, strlen(text)) && gwWriteAll(fd, "\n", 1);

  if (sent && docfd >= 0)
  {
    char    buf[64 * 1024];
    ssize_t n;
    int64_t left = docsize;

    /* If the daemon refuses early it closes; its reply is still readable. */
    while (left > 0 && (n = read(docfd, buf, sizeof(buf))) > 0)
    {
      if ((int64_t)n > left)
        n = (ssize_t)left;
      if (!gwWriteAll(fd, buf, (size_t)n))
        break;
      left -= n;
    }
    if (left > 0 && errno != EPIPE && errno != ECONNRESET)
      fprintf(stderr, "printgate: the file changed or could not be read while sending.\n");
  }

  if ((line = read_reply(fd, &linesize)) == NULL || (reply = json_tokener_parse(line)) == NULL)
  {
    fprintf(stderr, "printgate: no answer from printgated (did it stop?).\n");
    close(fd);
    free(line);
    return (1);
  }
  close(fd);

  if (json_object_get_boolean(json_object_object_get(reply, "ok")))
    status = 0;

  if (cli->json)
    printf("%s\n", json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
  else if (status == 0 && !strcmp(cmd, "device.mobileconfig"))
  {
    const char *profile = jstr(reply, "profile");

    if (!write_output(option(cli, 1, "--output"), profile, strlen(profile)))
      status = 1;
    else if (option(cli, 1, "--output"))
      fprintf(stderr, "Device %d added; its profile (holding its token URL, keep it safe) is in %s.\n", (int)jint(reply, "id"), option(cli, 1, "--output"));
  }
  else if (status == 0 && !strcmp(cmd, "report"))
  {
    bool csv = false;

    for (int i = 1; i < cli->argc; i ++)
      csv |= !strcmp(cli->argv[i], "--csv");
    print_report(reply, csv);
  }
  else if (status == 0 && !strcmp(cmd, "health"))
    print_health(reply);
  else if (status == 0)
    print_reply(cmd, reply);
  else
  {
    const char *reason = jstr(reply, "reason");

    if (*reason)
      fprintf(stderr, "printgate: %s [%s]\n", jstr(reply, "error"), reason);
    else
      fprintf(stderr, "printgate: %s\n", jstr(reply, "error"));
    if (!strcmp(cmd, "job.submit"))
    {
      json_object *job;

      if (json_object_object_get_ex(reply, "job", &job))
        fprintf(stderr, "printgate: job %s failed\n", jstr(job, "id"));
    }
  }

  explicit_bzero(line, linesize);   /* May hold a PIN or password */
  free(line);
  json_object_put(reply);

  return (status);
}


/*
 * 'add()' - Add a string member when value is not NULL.
 */

static void
add(json_object *req, const char *name, const char *value)
{
  if (value)
    json_object_object_add(req, name, json_object_new_string(value));
}


/*
 * 'outbox_request()' - The request of an outbox or secret command, or NULL
 *                      (the reason said).  *mine_r = false for any other
 *                      command (then build_request() makes it).
 */

static json_object *
outbox_request(cli_t *cli, char *secret, size_t secretsize, bool *mine_r)
{
  const char  *noun = cli->argc > 0 ? cli->argv[0] : "", *verb = cli->argc > 1 ? cli->argv[1] : "";
  json_object *req;
  char         cmd[64];

  snprintf(cmd, sizeof(cmd), "%s.%s", noun, verb);
  if ((*mine_r = !strcmp(cmd, "outbox.list") || !strcmp(cmd, "outbox.retry") || !strcmp(cmd, "outbox.delete") ||
                 !strcmp(cmd, "outbox.send") || !strcmp(cmd, "secret.encrypt")) == false)
    return (NULL);

  req = json_object_new_object();
  if (!strcmp(cmd, "outbox.list"))
    add(req, "state", option(cli, 2, "--state"));
  else if (!strcmp(cmd, "outbox.send"))
  {
    static char body[65536];
    size_t      n = fread(body, 1, sizeof(body) - 1, stdin);

    body[n] = '\0';
    if (!positional(cli, 2, 1) || !feof(stdin))
    {
      fprintf(stderr, "printgate: outbox send ADDRESS SUBJECT: the body (up to 64 KB) on standard input\n");
      json_object_put(req);
      return (NULL);
    }
    add(req, "to", positional(cli, 2, 0));
    add(req, "subject", positional(cli, 2, 1));
    add(req, "key", option(cli, 2, "--key"));
    add(req, "in_reply_to", option(cli, 2, "--in-reply-to"));
    add(req, "body", body);
  }
  else if (!strcmp(cmd, "secret.encrypt"))
  {
    if (!read_secret("-", "a secret", secret, secretsize) || !secret[0] || strlen(secret) + 1 >= secretsize)
    {
      fprintf(stderr, "printgate: secret encrypt: give one secret (1 to 4096 bytes) as a line on standard input\n");
      json_object_put(req);
      return (NULL);
    }
    add(req, "secret", secret);
  }
  else if (!positional(cli, 2, 0))
  {
    fprintf(stderr, "printgate: %s %s: missing ID\n", noun, verb);
    json_object_put(req);
    return (NULL);
  }
  else
    json_object_object_add(req, "id", json_object_new_int64(strict_int(positional(cli, 2, 0))));

  json_object_object_add(req, "cmd", json_object_new_string(cmd));

  return (req);
}


/*
 * 'count_arg()' - "--name N" (0 to 10^12) into req[key]; false (after
 *                 saying so) when N is not a whole number.
 */

static bool
count_arg(cli_t *cli, json_object *req, const char *name, const char *key)
{
  const char *v = option(cli, 2, name);
  size_t      len = v ? strlen(v) : 0;

  if (!v)
    return (true);
  if (len == 0 || len > 12 || strspn(v, "0123456789") != len)
  {
    fprintf(stderr, "printgate: %s takes a whole number\n", name);
    return (false);
  }
  json_object_object_add(req, key, json_object_new_int64(strtoll(v, NULL, 10)));
  return (true);
}


/*
 * 'rule_file()' - Read a rule file (FILE or "-" = standard input, at most
 *                 1 MB) into req["text"]: the daemon never opens a path.
 */

static bool
rule_file(const char *path, json_object *req)
{
  static char buf[1024 * 1024 + 1];
  FILE       *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
  size_t      n;
  bool        whole;

  if (!fp)
  {
    fprintf(stderr, "printgate: %s: %s\n", path, strerror(errno));
    return (false);
  }
  n     = fread(buf, 1, sizeof(buf) - 1, fp);
  whole = feof(fp) && !ferror(fp);
  if (fp != stdin)
    fclose(fp);
  if (!whole || memchr(buf, '\0', n))
  {
    fprintf(stderr, "printgate: %s: a rule file is text of at most 1 MB\n", path);
    return (false);
  }
  buf[n] = '\0';
  add(req, "text", buf);

  return (true);
}


/*
 * 'policy_request()' - The request of a policy command (rule, group,
 *                      delegate, quota, printer tags), or NULL (the reason
 *                      said).  *mine_r = false for any other command.
 */

static json_object *
policy_request(cli_t *cli, bool *mine_r)
{
  const char  *noun = cli->argc > 0 ? cli->argv[0] : "", *verb = cli->argc > 1 ? cli->argv[1] : "";
  const char  *a = positional(cli, 2, 0), *b = positional(cli, 2, 1);
  json_object *req;
  char         cmd[64];
  bool         ok = true;

  snprintf(cmd, sizeof(cmd), "%s.%s", noun, verb);
  if ((*mine_r = !strcmp(noun, "rule") || !strcmp(noun, "group") || !strcmp(noun, "delegate") || !strcmp(noun, "quota") || !strcmp(cmd, "printer.tags")) == false)
    return (NULL);

  req = json_object_new_object();
  if (!strcmp(cmd, "rule.add"))
  {
    ok = cli->argc == 3;               /* One word: the line, quoted for the shell */
    add(req, "line", cli->argc == 3 ? cli->argv[2] : NULL);
  }
  else if (!strcmp(cmd, "rule.remove") || !strcmp(cmd, "group.add"))
    add(req, "name", (ok = a != NULL) ? a : NULL);
  else if (!strcmp(cmd, "rule.load"))
    ok = a && rule_file(a, req);
  else if (!strcmp(cmd, "rule.dry-run"))
  {
    static const char * const strs[][2] = { { "--user", "user" }, { "--at", "at" }, { "--intake", "intake" }, { "--format", "format" }, { "--color-mode", "color_mode" }, { "--printer", "printer" } };

    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i ++)
      add(req, strs[i][1], option(cli, 2, strs[i][0]));
    ok = option(cli, 2, "--user") && count_arg(cli, req, "--size", "size") && count_arg(cli, req, "--pages", "pages") &&
         count_arg(cli, req, "--colour-pages", "color_pages") && count_arg(cli, req, "--time", "time");
  }
  else if (!strcmp(cmd, "group.member") || !strcmp(cmd, "delegate.add") || !strcmp(cmd, "delegate.remove"))
  {
    bool group = cmd[0] == 'g';

    ok = a && b;
    add(req, group ? "group" : "owner", a);
    add(req, group ? "user" : "delegate", b);
    for (int i = 2; group && i < cli->argc; i ++)
    {
      if (!strcmp(cli->argv[i], "--remove"))
        json_object_object_add(req, "remove", json_object_new_int(1));
    }
    if (!strcmp(cmd, "delegate.remove"))
      json_object_object_add(req, "remove", json_object_new_int(1));
  }
  else if (!strcmp(cmd, "delegate.list") || !strcmp(cmd, "quota.show"))
  {
    add(req, "user", a);
    ok = a || cmd[0] == 'd';
  }
  else if (!strcmp(cmd, "printer.tags"))
  {
    add(req, "name", a);
    if (cli->argc > 3)
      add(req, "tags", cli->argv[3]);
    ok = a != NULL;
  }
  else if (strcmp(cmd, "rule.list") && strcmp(cmd, "group.list"))
  {
    fprintf(stderr, "printgate: unknown command \"%s %s\"\n", noun, verb);
    ok = false;
  }
  else if (cli->argc > 2)
    ok = false;

  if (!ok)
  {
    command_usage(noun);
    json_object_put(req);
    return (NULL);
  }

  json_object_object_add(req, "cmd", json_object_new_string(cmd));
  return (req);
}


/*
 * 'dnssd_request()' - "dnssd-zone DOMAIN [HOST [ADDRESS...]]".
 */

static json_object *
dnssd_request(cli_t *cli)
{
  json_object *req, *addrs;

  if (!positional(cli, 1, 0))
  {
    fputs("printgate: dnssd-zone: missing DOMAIN\n", stderr);
    return (NULL);
  }
  req = json_object_new_object();
  json_object_object_add(req, "cmd", json_object_new_string("dnssd.zone"));
  add(req, "domain", positional(cli, 1, 0));
  add(req, "host", positional(cli, 1, 1));
  addrs = json_object_new_array();
  for (int n = 2; positional(cli, 1, n); n ++)
    json_object_array_add(addrs, json_object_new_string(positional(cli, 1, n)));
  json_object_object_add(req, "addresses", addrs);
  return (req);
}


/*
 * 'mobileconfig_request()' - "mobileconfig USER DEVICE [--output FILE]"; an
 *                            existing FILE is refused before a device is
 *                            made.  NULL (req freed) on a usage error.
 */

static json_object *
mobileconfig_request(cli_t *cli)
{
  const char  *out = option(cli, 1, "--output");
  json_object *req = json_object_new_object();

  if (!positional(cli, 1, 1))
  {
    fprintf(stderr, "printgate: mobileconfig: missing USER DEVICE\n");
    json_object_put(req);
    return (NULL);
  }
  if (out && access(out, F_OK) == 0)
  {
    fprintf(stderr, "printgate: %s exists; it is not overwritten (no device was made)\n", out);
    json_object_put(req);
    return (NULL);
  }
  json_object_object_add(req, "cmd", json_object_new_string("device.mobileconfig"));
  add(req, "user", positional(cli, 1, 0));
  add(req, "name", positional(cli, 1, 1));
  return (req);
}


/*
 * 'has_flag()' - Is the flag (an option without a value) among the words?
 */

static bool
has_flag(cli_t *cli, const char *flag)
{
  for (int i = 1; i < cli->argc; i ++)
  {
    if (!strcmp(cli->argv[i], flag))
      return (true);
  }

  return (false);
}


/*
 * 'exchange()' - One request without a document, its parsed reply (NULL,
 *                said why, when the daemon cannot be reached or answers
 *                nothing).
 */

static json_object *
exchange(const char *sock, json_object *req)
{
  const char  *error = NULL, *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
  char        *line = NULL;
  size_t       linesize = 0;
  json_object *reply = NULL;
  int          fd;

  if ((fd = gwControlConnect(sock, &error)) < 0)
  {
    fprintf(stderr, "printgate: %s\n", error);
    return (NULL);
  }
  if (gwWriteAll(fd, text, strlen(text)) && gwWriteAll(fd, "\n", 1) && (line = read_reply(fd, &linesize)) != NULL)
    reply = json_tokener_parse(line);
  close(fd);
  free(line);
  if (!reply)
    fprintf(stderr, "printgate: no answer from printgated (did it stop?).\n");

  return (reply);
}


/*
 * 'parse_time()' - A Unix time, or YYYY-MM-DD[THH:MM[:SS]] in UTC; -1 if neither.
 */

static int64_t
parse_time(const char *s)
{
  static const char * const formats[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d" };
  struct tm tmv;
  size_t    len = strlen(s);

  if (len <= 12 && whole_number(s) >= 0)
    return (whole_number(s));

  for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i ++)
  {
    const char *end;

    memset(&tmv, 0, sizeof(tmv));
    if ((end = strptime(s, formats[i], &tmv)) != NULL && (!*end || !strcmp(end, "Z")))
      return ((int64_t)timegm(&tmv));
  }

  return (-1);
}


/*
 * 'gdpr_request()' - "user export|erase|restrict NAME ..." and "audit
 *                    [filters]" (an audit.query request), or NULL (the
 *                    reason said).  *mine_r = false for any other command.
 */

static json_object *
gdpr_request(cli_t *cli, bool *mine_r)
{
  static const char * const filters[][2] = { { "--user", "user" }, { "--action", "action" }, { "--printer", "printer" }, { "--outcome", "outcome" } };
  const char  *noun = cli->argc > 0 ? cli->argv[0] : "", *verb = cli->argc > 1 ? cli->argv[1] : "";
  json_object *req;
  bool         audit = !strcmp(noun, "audit");

  if ((*mine_r = audit || (!strcmp(noun, "user") && (!strcmp(verb, "export") || !strcmp(verb, "erase") || !strcmp(verb, "restrict")))) == false)
    return (NULL);

  req = json_object_new_object();
  if (audit)
  {
    const char *times[2] = { option(cli, 1, "--since"), option(cli, 1, "--until") };

    json_object_object_add(req, "cmd", json_object_new_string("audit.query"));
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i ++)
      add(req, filters[i][1], option(cli, 1, filters[i][0]));
    for (int i = 0; i < 2; i ++)
    {
      if (times[i] && parse_time(times[i]) < 0)
      {
        fprintf(stderr, "printgate: audit: %s: give a Unix time or YYYY-MM-DD[THH:MM[:SS]] (UTC)\n", times[i]);
        json_object_put(req);
        return (NULL);
      }
      if (times[i])
        json_object_object_add(req, i ? "until" : "since", json_object_new_int64(parse_time(times[i])));
    }
    if (option(cli, 1, "--after"))
      json_object_object_add(req, "after", json_object_new_int64(whole_number(option(cli, 1, "--after"))));
    if (option(cli, 1, "--limit"))
      json_object_object_add(req, "limit", json_object_new_int64(strict_int(option(cli, 1, "--limit"))));
    return (req);
  }

  if (!positional(cli, 2, 0) || (!strcmp(verb, "restrict") && !option(cli, 2, "--reason") && !has_flag(cli, "--off")))
  {
    fprintf(stderr, "printgate: user %s: missing NAME%s\n", verb, strcmp(verb, "restrict") ? "" : " and --reason TEXT (or --off)");
    json_object_put(req);
    return (NULL);
  }
  json_object_object_add(req, "cmd", json_object_new_string(!strcmp(verb, "export") ? "user.export" : !strcmp(verb, "erase") ? "user.erase" : "user.restrict"));
  add(req, "name", positional(cli, 2, 0));
  if (!strcmp(verb, "restrict"))
  {
    json_object_object_add(req, "on", json_object_new_boolean(!has_flag(cli, "--off")));
    add(req, "reason", option(cli, 2, "--reason"));
  }

  return (req);
}


/*
 * 'write_stdout()' - The CSV writer's callback.
 */

static bool
write_stdout(const void *bytes, size_t len, void *data)
{
  (void)data;

  return (gwWriteAll(STDOUT_FILENO, bytes, len));
}


/*
 * 'audit_csv()' - "audit ... --csv": every matching row (or --limit of
 *                 them), fetched a page of 1,000 at a time and written as
 *                 CSV as it comes, so memory stays bounded.
 */

static int
audit_csv(cli_t *cli, const char *sock, json_object *req)
{
  int64_t      left = option(cli, 1, "--limit") ? whole_number(option(cli, 1, "--limit")) : -1, next = 0;
  gw_csv_t    *csv = gwCsvNew(write_stdout, NULL);
  json_object *reply = NULL, *list;
  bool         ok;

  if (left == 0 || (left < 0 && option(cli, 1, "--limit")))
  {
    fprintf(stderr, "printgate: audit: --limit takes a whole number from 1\n");
    gwCsvDelete(&csv);
    return (2);
  }
  ok = csv && gwAuditCsvHeader(csv);

  while (ok && left != 0)
  {
    json_object_object_add(req, "limit", json_object_new_int64(left < 0 || left > 1000 ? 1000 : left));
    if ((reply = exchange(sock, req)) == NULL)
      break;
    if (!json_object_get_boolean(json_object_object_get(reply, "ok")) || !json_object_object_get_ex(reply, "audit", &list))
    {
      fprintf(stderr, "printgate: %s\n", jstr(reply, "error"));
      break;
    }
    for (size_t i = 0; ok && i < json_object_array_length(list); i ++)
    {
      json_object *item = json_object_array_get_idx(list, i);
      gw_audit_t   a;

      memset(&a, 0, sizeof(a));
      a.id    = jint(item, "id");
      a.time  = jint(item, "time");
      a.pages = (int)jint(item, "pages");
      snprintf(a.actor, sizeof(a.actor), "%s", jstr(item, "actor"));
      snprintf(a.action, sizeof(a.action), "%s", jstr(item, "action"));
      snprintf(a.subject, sizeof(a.subject), "%s", jstr(item, "subject"));
      snprintf(a.job_id, sizeof(a.job_id), "%s", jstr(item, "job"));
      snprintf(a.printer, sizeof(a.printer), "%s", jstr(item, "printer"));
      snprintf(a.source, sizeof(a.source), "%s", jstr(item, "source"));
      snprintf(a.detail, sizeof(a.detail), "%s", jstr(item, "detail"));
      ok = gwAuditCsvRow(csv, &a);
    }
    if (left > 0)
      left -= (int64_t)json_object_array_length(list);
    if ((next = jint(reply, "next")) <= 0)
      left = 0;
    json_object_object_add(req, "after", json_object_new_int64(next));
    json_object_put(reply);
    reply = NULL;
  }
  json_object_put(reply);

  if (!gwCsvDelete(&csv) || !ok)
    return (1);
  return (left == 0 ? 0 : 1);
}


/*
 * 'report_time()' - "--since"/"--until": parse_time(), where a bare date
 *                   given as the end of a period means the next midnight
 *                   (its day included).  -1 when it is no time.
 */

static int64_t
report_time(const char *s, bool end)
{
  int64_t t = parse_time(s);

  if (t >= 0 && end && strlen(s) == 10 && s[4] == '-')
    t += 86400;

  return (t);
}


/*
 * 'report_request()' - "report [--by ...] [--period ...] [--since DATE]
 *                      [--until DATE] [--csv]".  NULL on a usage error.
 */

static json_object *
report_request(cli_t *cli)
{
  json_object *req = json_object_new_object();
  const char  *names[2] = { "--since", "--until" };

  json_object_object_add(req, "cmd", json_object_new_string("report"));
  add(req, "by", option(cli, 1, "--by"));
  add(req, "period", option(cli, 1, "--period"));
  for (int i = 0; i < 2; i ++)
  {
    const char *value = option(cli, 1, names[i]);
    int64_t     t;

    if (!value)
      continue;
    if ((t = report_time(value, i == 1)) < 0)
    {
      fprintf(stderr, "printgate: report: %s must be YYYY-MM-DD or a Unix time (got \"%s\")\n", names[i], value);
      json_object_put(req);
      return (NULL);
    }
    json_object_object_add(req, names[i] + 2, json_object_new_int64(t));
  }

  return (req);
}


/*
 * 'build_request()' - Turn the command words into a request.  Returns NULL
 *                     (after printing why) on a usage error.  For
 *                     "job submit" opens the file and sets docfd and docsize.
 */

static const struct                   /* Commands that take only positional arguments */
{
  const char *cmd, *key1, *key2, *usage;
} positional_cmds[] =
{
  { "job.show", "id", NULL, "JOB-ID" },
  { "job.cancel", "id", NULL, "JOB-ID" },
  { "pin.new", "user", NULL, "USER" },
  { "device.add", "user", "name", "USER NAME" },
  { "terminal.add", "name", "printer", "NAME PRINTER" },
  { "terminal.revoke", "name", NULL, "NAME" },
  { "user.role", "name", "role", "NAME ROLE" },
  { "user.factor-reset", "name", NULL, "NAME" }
};

static json_object *
build_request(cli_t *cli, int *docfd, int64_t *docsize, char *secret, size_t secretsize)
{
  const char  *noun = cli->argc > 0 ? cli->argv[0] : "", *verb = cli->argc > 1 ? cli->argv[1] : "";
  json_object *req = json_object_new_object();
  char         cmd[64];

#define NEED(x, what) do { if (!(x)) { fprintf(stderr, "printgate: %s %s: missing %s\n", noun, verb, what); json_object_put(req); return (NULL); } } while (0)

  if (!strcmp(noun, "status"))
  {
    json_object_object_add(req, "cmd", json_object_new_string(noun));
    return (req);
  }

  if (!strcmp(noun, "release"))
  {
    json_object_object_add(req, "cmd", json_object_new_string("release"));
    add(req, "pin", read_secret(option(cli, 1, "--pin"), "a PIN", secret, secretsize));
    add(req, "card", read_secret(option(cli, 1, "--card"), "a card number", secret, secretsize));
    add(req, "user", option(cli, 1, "--user"));
    add(req, "printer", option(cli, 1, "--printer"));
    add(req, "job", option(cli, 1, "--job"));
    add(req, "source", option(cli, 1, "--source"));
    add(req, "for", option(cli, 1, "--for"));
    if (option(cli, 1, "--pages"))   /* "all" undoes the job's page ranges */
      add(req, "page_ranges", strcmp(option(cli, 1, "--pages"), "all") ? option(cli, 1, "--pages") : "");
    if (option(cli, 1, "--number-up"))
      json_object_object_add(req, "number_up", json_object_new_int64(strict_int(option(cli, 1, "--number-up"))));
    NEED(option(cli, 1, "--printer"), "--printer NAME");
    NEED(option(cli, 1, "--pin") || option(cli, 1, "--card") || option(cli, 1, "--user"), "--pin, --card or --user");
    return (req);
  }

  snprintf(cmd, sizeof(cmd), "%s.%s", noun, verb);

  for (size_t i = 0; i < sizeof(positional_cmds) / sizeof(positional_cmds[0]); i ++)
  {
    if (!strcmp(cmd, positional_cmds[i].cmd))
    {
      NEED(positional(cli, 2, positional_cmds[i].key2 ? 1 : 0), positional_cmds[i].usage);
      add(req, positional_cmds[i].key1, positional(cli, 2, 0));
      if (positional_cmds[i].key2)
        add(req, positional_cmds[i].key2, positional(cli, 2, 1));
      json_object_object_add(req, "cmd", json_object_new_string(cmd));
      return (req);
    }
  }

  if (!strcmp(cmd, "user.add"))
  {
    NEED(positional(cli, 2, 0), "NAME");
    add(req, "name", positional(cli, 2, 0));
    add(req, "email", option(cli, 2, "--email"));
    add(req, "display", option(cli, 2, "--display"));
    add(req, "role", option(cli, 2, "--role"));
  }
  else if (!strcmp(cmd, "user.password"))
  {
    NEED(positional(cli, 2, 0), "NAME");
    add(req, "name", positional(cli, 2, 0));
  }
  else if (!strcmp(cmd, "user.alias"))
  {
    NEED(positional(cli, 2, 1), "NAME ALIAS");
    snprintf(cmd, sizeof(cmd), "alias.add");
    add(req, "user", positional(cli, 2, 0));
    add(req, "alias", positional(cli, 2, 1));
  }
  else if (!strcmp(cmd, "address.add"))
  {
    NEED(positional(cli, 2, 1), "USER ADDRESS");
    add(req, "user", positional(cli, 2, 0));
    add(req, "address", positional(cli, 2, 1));
  }
  else if (!strcmp(cmd, "address.verify") || !strcmp(cmd, "address.revoke") || !strcmp(cmd, "address.confirm"))
  {
    NEED(positional(cli, 2, 0), strcmp(cmd, "address.confirm") ? "ADDRESS" : "CODE");
    add(req, strcmp(cmd, "address.confirm") ? "address" : "token", positional(cli, 2, 0));
  }
  else if (!strcmp(cmd, "address.list") || !strcmp(cmd, "job.list"))
    add(req, "user", option(cli, 2, "--user"));
  else if (!strcmp(cmd, "printer.add"))
  {
    NEED(positional(cli, 2, 1), "NAME URI");
    add(req, "name", positional(cli, 2, 0));
    add(req, "uri", positional(cli, 2, 1));
    add(req, "location", option(cli, 2, "--location"));
  }
  else if (!strcmp(cmd, "printer.delete") || !strcmp(cmd, "printer.check"))
  {
    NEED(positional(cli, 2, 0), "NAME");
    add(req, "name", positional(cli, 2, 0));
  }
  else if (!strcmp(cmd, "card.set"))
  {
    NEED(positional(cli, 2, 1), "USER CARD");
    add(req, "user", positional(cli, 2, 0));
    add(req, "card", read_secret(positional(cli, 2, 1), "a card number", secret, secretsize));
  }
  else if (!strcmp(cmd, "job.submit"))
  {
    const char *file = positional(cli, 2, 0), *name = option(cli, 2, "--name");
    struct stat st;

    NEED(option(cli, 2, "--user"), "--user NAME");
    NEED(file, "FILE");

    if ((*docfd = open(file, O_RDONLY | O_CLOEXEC)) < 0 || fstat(*docfd, &st) || !S_ISREG(st.st_mode))
    {
      fprintf(stderr, "printgate: %s: %s\n", file, *docfd < 0 ? strerror(errno) : "not a regular file");
      json_object_put(req);
      return (NULL);
    }
    *docsize = (int64_t)st.st_size;

    if (!name)
      name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    add(req, "user", option(cli, 2, "--user"));
    add(req, "name", name);
    add(req, "sides", option(cli, 2, "--sides"));
    add(req, "color_mode", option(cli, 2, "--color-mode"));
    if (option(cli, 2, "--copies"))
      json_object_object_add(req, "copies", json_object_new_int64(strtoll(option(cli, 2, "--copies"), NULL, 10)));
    add(req, "page_ranges", option(cli, 2, "--pages"));
    if (option(cli, 2, "--number-up"))
      json_object_object_add(req, "number_up", json_object_new_int64(strict_int(option(cli, 2, "--number-up"))));
    json_object_object_add(req, "size", json_object_new_int64(*docsize));
  }
  else if (!strcmp(cmd, "lockout.clear") || !strcmp(cmd, "device.list"))
    add(req, cmd[0] == 'l' ? "key" : "user", positional(cli, 2, 0));   /* None: every key, every user's devices */
  else if (!strcmp(cmd, "device.revoke"))
  {
    NEED(positional(cli, 2, 0), "ID");
    json_object_object_add(req, "id", json_object_new_int64(strict_int(positional(cli, 2, 0))));
  }
  else if (strcmp(cmd, "user.list") && strcmp(cmd, "printer.list") && strcmp(cmd, "lockout.list") && strcmp(cmd, "terminal.list"))
  {
    fprintf(stderr, "printgate: unknown command \"%s %s\"\n", noun, verb);
    json_object_put(req);
    return (NULL);
  }

#undef NEED

  json_object_object_add(req, "cmd", json_object_new_string(cmd));
  return (req);
}


/*
 * 'main()' - Parse options and run one command.
 */

int
main(int argc, char *argv[])
{
  cli_t        cli;
  char         err[1024], sock[GW_PATH_MAX], secret[4100];           /* A secret: 1 to 4096 bytes (GW_SECRET_MAX) */
  gw_config_t *config;
  json_object *req;
  int          i, docfd = -1, status;
  int64_t      docsize = 0;
  bool         mine;

  memset(&cli, 0, sizeof(cli));
  cli.conffile = getenv("PRINTGATE_CONF") ? getenv("PRINTGATE_CONF") : DEFAULT_CONFIG;

  for (i = 1; i < argc && argv[i][0] == '-'; i ++)
  {
    if (!strcmp(argv[i], "-c") && i + 1 < argc)
      cli.conffile = argv[++ i];
    else if (!strcmp(argv[i], "--json"))
      cli.json = true;
    else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
      return (usage(stdout, 0));
    else if (!strcmp(argv[i], "--version"))
    {
      puts("printgate " GW_VERSION);
      return (0);
    }
    else
    {
      fprintf(stderr, "printgate: unknown option \"%s\"\n", argv[i]);
      return (usage(stderr, 2));
    }
  }

  cli.argc = argc - i;
  cli.argv = argv + i;
  if (cli.argc < 1)
    return (usage(stderr, 2));

  /* "printgate help [COMMAND]" and "printgate COMMAND ... --help". */
  if (!strcmp(cli.argv[0], "help"))
    return (cli.argc > 1 ? command_usage(cli.argv[1]) : usage(stdout, 0));
  for (int j = 1; j < cli.argc; j ++)
  {
    if (!strcmp(cli.argv[j], "--help") || !strcmp(cli.argv[j], "-h"))
      return (command_usage(cli.argv[0]));
  }

  /* --json may also follow the command words. */
  for (int j = 0; j < cli.argc; j ++)
  {
    if (!strcmp(cli.argv[j], "--json"))
    {
      cli.json = true;
      memmove(cli.argv + j, cli.argv + j + 1, (size_t)(cli.argc - j - 1) * sizeof(char *));
      cli.argc --;
      j --;
    }
  }

  if (!strcmp(cli.argv[0], "qr"))
    return (qr_command(&cli));

  if ((config = gwConfigLoad(cli.conffile, err, sizeof(err))) == NULL)
  {
    fprintf(stderr, "printgate: %s\n", err);
    return (1);
  }
  gwConfigControlSocket(config, sock, sizeof(sock));
  gwConfigDelete(&config);

  if (!strcmp(cli.argv[0], "mobileconfig"))
    req = mobileconfig_request(&cli);
  else if (!strcmp(cli.argv[0], "report"))
    req = report_request(&cli);
  else if (!strcmp(cli.argv[0], "health"))
  {
    req = json_object_new_object();
    json_object_object_add(req, "cmd", json_object_new_string("health"));
  }
  else if (!strcmp(cli.argv[0], "dnssd-zone"))
    req = dnssd_request(&cli);
  else if ((req = outbox_request(&cli, secret, sizeof(secret), &mine)) == NULL && !mine &&
           (req = gdpr_request(&cli, &mine)) == NULL && !mine &&
           (req = policy_request(&cli, &mine)) == NULL && !mine)
    req = build_request(&cli, &docfd, &docsize, secret, sizeof(secret));
  if (!req)
    return (2);

  if (!strcmp(cli.argv[0], "audit") && has_flag(&cli, "--csv"))
  {
    status = audit_csv(&cli, sock, req);
    json_object_put(req);
    return (status);
  }

  status = run(&cli, sock, req, docfd, docsize);

  explicit_bzero(secret, sizeof(secret));
  json_object_put(req);
  if (docfd >= 0)
    close(docfd);

  return (status);
}
