/*
 * mail-source-config.c - the mail sources file (MailSourceFile, docs/mail.md
 * "Mail sources"): one source a line,
 *
 *   NAME URL [key=value ...]
 *
 * URL is imaps://HOST[:PORT][/MAILBOX], imap://... (STARTTLS required),
 * pop3s://HOST[:PORT] or pop3://... (STLS required), graph://HOST[:PORT][/PATH]
 * (Microsoft Graph over HTTPS, PATH default /v1.0) or ews://HOST[:PORT][/PATH]
 * (EWS over HTTPS, PATH default /EWS/Exchange.asmx).  The file holds
 * passwords: it must be a regular file not readable by group or others.
 * Bounded: GW_MAIL_SOURCES_MAX sources, 8 KB lines.
 */

#include "mail-source.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>


/*
 * 'parse_url()' - Scheme, host, port and mailbox.
 */

static bool
parse_url(gw_mail_source_t *s, const char *url, const char **why)
{
  const char *rest, *slash, *colon;
  size_t      hostlen;
  long        port = 0;

  if (!strncasecmp(url, "imaps://", 8))
    s->proto = GW_MAIL_PROTO_IMAP, s->implicit_tls = true, rest = url + 8, port = 993;
  else if (!strncasecmp(url, "imap://", 7))
    s->proto = GW_MAIL_PROTO_IMAP, s->implicit_tls = false, rest = url + 7, port = 143;
  else if (!strncasecmp(url, "pop3s://", 8))
    s->proto = GW_MAIL_PROTO_POP3, s->implicit_tls = true, rest = url + 8, port = 995;
  else if (!strncasecmp(url, "pop3://", 7))
    s->proto = GW_MAIL_PROTO_POP3, s->implicit_tls = false, rest = url + 7, port = 110;
  else if (!strncasecmp(url, "graph://", 8))
    s->proto = GW_MAIL_PROTO_GRAPH, s->implicit_tls = true, rest = url + 8, port = 443;
  else if (!strncasecmp(url, "ews://", 6))
    s->proto = GW_MAIL_PROTO_EWS, s->implicit_tls = true, rest = url + 6, port = 443;
  else
  {
    *why = "the URL must start with imaps://, imap://, pop3s://, pop3://, graph:// or ews://";
    return (false);
  }

  slash = strchr(rest, '/');
  colon = strchr(rest, ':');
  if (colon && slash && colon > slash)
    colon = NULL;
  hostlen = colon ? (size_t)(colon - rest) : slash ? (size_t)(slash - rest) : strlen(rest);
  if (hostlen == 0 || hostlen >= sizeof(s->host) || strchr(rest, '@'))
  {
    *why = "the URL needs a host name (and no user: use user=)";
    return (false);
  }
  memcpy(s->host, rest, hostlen);
  s->host[hostlen] = '\0';
  if (colon)
  {
    char *end;

    port = strtol(colon + 1, &end, 10);
    if (port < 1 || port > 65535 || (*end && *end != '/'))
    {
      *why = "the port must be 1 to 65535";
      return (false);
    }
  }
  s->port = (int)port;
  snprintf(s->mailbox, sizeof(s->mailbox), "%s", slash && slash[1] ? slash + 1 : "INBOX");
  if (s->proto == GW_MAIL_PROTO_GRAPH || s->proto == GW_MAIL_PROTO_EWS)
  {
    const char *dflt = s->proto == GW_MAIL_PROTO_GRAPH ? "/v1.0" : "/EWS/Exchange.asmx";

    if (slash && (strlen(slash) >= sizeof(s->path) || strspn(slash, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") != strlen(slash)))
    {
      *why = "the URL's path must be letters, digits, '-', '_', '.' or '/'";
      return (false);
    }
    snprintf(s->path, sizeof(s->path), "%s", slash && slash[1] ? slash : dflt);
    s->auth = s->proto == GW_MAIL_PROTO_GRAPH ? GW_MAIL_AUTH_OAUTH2 : GW_MAIL_AUTH_PASSWORD;
  }

  return (true);
}


/*
 * 'set_option()' - One key=value.
 */

static bool
set_option(gw_mail_source_t *s, const char *key, const char *value, const char **why)
{
  struct { const char *key; char *field; size_t size; } strings[] =
  {
    { "user", s->user, sizeof(s->user) },
    { "password", s->password, sizeof(s->password) },
    { "cafile", s->cafile, sizeof(s->cafile) },
    { "authserv-id", s->authserv_id, sizeof(s->authserv_id) },
    { "printed", s->printed, sizeof(s->printed) },
    { "rejected", s->rejected, sizeof(s->rejected) },
    { "folder", s->folder, sizeof(s->folder) },
    { "token-url", s->oauth.token_url, sizeof(s->oauth.token_url) },
    { "client-id", s->oauth.client_id, sizeof(s->oauth.client_id) },
    { "client-secret", s->oauth.client_secret, sizeof(s->oauth.client_secret) },
    { "refresh-token", s->oauth.refresh_token, sizeof(s->oauth.refresh_token) },
    { "scope", s->oauth.scope, sizeof(s->oauth.scope) },
    { "token-cafile", s->oauth.cafile, sizeof(s->oauth.cafile) }
  };

  for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i ++)
  {
    if (!strcasecmp(key, strings[i].key))
    {
      if (strlen(value) >= strings[i].size)
      {
        *why = "value too long";
        return (false);
      }
      snprintf(strings[i].field, strings[i].size, "%s", value);
      return (true);
    }
  }

  if (!strcasecmp(key, "verify") || !strcasecmp(key, "body"))
  {
    bool yes = !strcasecmp(value, "yes") || !strcasecmp(value, "on");

    if (!yes && strcasecmp(value, "no") && strcasecmp(value, "off"))
    {
      *why = "verify and body take yes or no";
      return (false);
    }
    if (!strcasecmp(key, "verify"))
      s->verify = yes;
    else
      s->print_body = yes;
  }
  else if (!strcasecmp(key, "poll") || !strcasecmp(key, "quarantine-max") || !strcasecmp(key, "max-message-mb") || !strcasecmp(key, "busy-retries"))
  {
    char *end;
    long  n = strtol(value, &end, 10);

    if (*end || n < 1 || n > 100000)
    {
      *why = "poll, quarantine-max, max-message-mb and busy-retries take a number from 1";
      return (false);
    }
    if (!strcasecmp(key, "poll"))
      s->poll = n > 1500 ? 1500 : (int)n;   /* Re-IDLE before 29 minutes */
    else if (!strcasecmp(key, "quarantine-max"))
      s->quarantine_max = (int)n;
    else if (!strcasecmp(key, "busy-retries"))
      s->busy_retries = (int)n;
    else
      s->limits.max_message = (size_t)n * 1024 * 1024;
  }
  else if (!strcasecmp(key, "in-flight"))
  {
    char *end;
    long  n = strtol(value, &end, 10);

    if (*end || n < 1 || n > GW_MAIL_IN_FLIGHT_MAX)
    {
      *why = "in-flight takes a number from 1 to 64";
      return (false);
    }
    s->in_flight = (int)n;
  }
  else if (!strcasecmp(key, "done"))
  {
    if (strcmp(value, "move") && strcmp(value, "flag") && strcmp(value, "delete"))
    {
      *why = "done takes move, flag or delete";
      return (false);
    }
    snprintf(s->done, sizeof(s->done), "%s", value);
  }
  else if (!strcasecmp(key, "force"))
  {
    s->force_mono   = strstr(value, "mono") != NULL;
    s->force_duplex = strstr(value, "duplex") != NULL;
  }
  else if (!strcasecmp(key, "auth"))
  {
    if (!strcasecmp(value, "password"))
      s->auth = GW_MAIL_AUTH_PASSWORD;
    else if (!strcasecmp(value, "ntlm"))
      s->auth = GW_MAIL_AUTH_NTLM;
    else if (!strcasecmp(value, "oauth2"))
      s->auth = GW_MAIL_AUTH_OAUTH2;
    else
    {
      *why = "auth takes password, ntlm or oauth2";
      return (false);
    }
  }
  else if (!strcasecmp(key, "sasl"))
  {
    if (!strcasecmp(value, "xoauth2"))
      s->sasl = GW_SASL_XOAUTH2;
    else if (!strcasecmp(value, "oauthbearer"))
      s->sasl = GW_SASL_OAUTHBEARER;
    else
    {
      *why = "sasl takes xoauth2 or oauthbearer";
      return (false);
    }
  }
  else if (!strcasecmp(key, "attached-messages"))
    s->limits.rfc822_as_document = !strcasecmp(value, "document");
  else
  {
    *why = "unknown option";
    return (false);
  }

  return (true);
}


/*
 * 'source_defaults()' - A source before its line is read.
 */

static void
source_defaults(gw_mail_source_t *s)
{
  memset(s, 0, sizeof(*s));
  s->verify         = true;
  s->poll           = 60;
  s->quarantine_max = 10;
  s->busy_retries   = GW_MAIL_BUSY_RETRIES;
  s->wake[0]        = s->wake[1] = -1;
  snprintf(s->done, sizeof(s->done), "move");
  snprintf(s->printed, sizeof(s->printed), "Printed");
  snprintf(s->rejected, sizeof(s->rejected), "Rejected");
  gwMailLimitsDefault(&s->limits);
}


/*
 * 'folder_name_ok()' - A folder name that goes into a JSON or XML request
 *                      as it is: letters, digits, '-', '_', '.' (and '=',
 *                      of a Graph folder id, when id is true).
 */

static bool
folder_name_ok(const char *name, bool id)
{
  const char *chars = id ? "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.=" : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

  return (*name && strspn(name, chars) == strlen(name));
}


/*
 * 'check_source()' - What a complete source line needs; NULL when it is fine.
 */

static const char *
check_source(gw_mail_source_t *s)
{
  bool http = s->proto == GW_MAIL_PROTO_GRAPH || s->proto == GW_MAIL_PROTO_EWS;

  if (!s->user[0])
    return ("a source needs user= (the mailbox's account or address)");
  if (s->auth != GW_MAIL_AUTH_OAUTH2 && !s->password[0])
    return ("a source needs password= (or auth=oauth2)");
  if (s->auth == GW_MAIL_AUTH_NTLM && s->proto != GW_MAIL_PROTO_EWS)
    return ("auth=ntlm is for ews:// sources only");
  if (s->proto == GW_MAIL_PROTO_GRAPH && s->auth != GW_MAIL_AUTH_OAUTH2)
    return ("a graph:// source signs in with auth=oauth2 only");
  if (s->sasl == GW_SASL_OAUTHBEARER && (s->auth != GW_MAIL_AUTH_OAUTH2 || http))
    return ("sasl=oauthbearer is for imap:// and pop3:// sources with auth=oauth2");
  if (s->auth == GW_MAIL_AUTH_OAUTH2)
  {
    if (strncasecmp(s->oauth.token_url, "https://", 8))
      return ("auth=oauth2 needs token-url=https://...");
    if (!s->oauth.client_id[0] || (!s->oauth.client_secret[0] && !s->oauth.refresh_token[0]))
      return ("auth=oauth2 needs client-id= and client-secret= (client credentials) or refresh-token=");
    if (!s->oauth.scope[0])
      snprintf(s->oauth.scope, sizeof(s->oauth.scope), "%s", s->proto == GW_MAIL_PROTO_GRAPH ? "https://graph.microsoft.com/.default" : "https://outlook.office365.com/.default");
  }
  if (http && strpbrk(s->user, "<>&\"'"))
    return ("user= of an ews:// or graph:// source is an account or address (no <, >, &, quotes)");
  if (http && !s->folder[0])
    snprintf(s->folder, sizeof(s->folder), "inbox");
  if (http && (!folder_name_ok(s->folder, true) || !folder_name_ok(s->printed, false) || !folder_name_ok(s->rejected, false)))
    return ("folder=, printed= and rejected= must be letters, digits, '-', '_' or '.' ('=' too in folder=) (ews:// and graph://)");

  return (NULL);
}


/*
 * '_gwMailSourceParseLine()' - One source line (changed in place: split
 *                              into words); NULL when fine, else why.
 */

const char *
_gwMailSourceParseLine(char *p, gw_mail_source_t *s)
{
  const char *error = NULL;
  char       *word, *save = NULL;
  int         nword = 0;

  source_defaults(s);
  for (word = strtok_r(p, " \t\r\n", &save); word && !error; word = strtok_r(NULL, " \t\r\n", &save), nword ++)
  {
    char *eq;

    if (nword == 0)
    {
      if (strlen(word) >= sizeof(s->name) || strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(word))
        error = "the name must be letters, digits, '-', '_' or '.' (at most 63)";
      else
        snprintf(s->name, sizeof(s->name), "%s", word);
    }
    else if (nword == 1)
      parse_url(s, word, &error);
    else if ((eq = strchr(word, '=')) == NULL)
      error = "options are key=value";
    else
    {
      *eq = '\0';
      set_option(s, word, eq + 1, &error);
    }
  }
  if (!error && nword < 2)
    error = "a source needs a name and a URL";
  if (!error)
    error = check_source(s);

  return (error);
}


/*
 * '_gwMailSourcesLoad()' - Read the sources file.
 */

bool
_gwMailSourcesLoad(const char *path, gw_mail_source_t *sources, int *count, char *why, size_t whysize)
{
  FILE        *fp;
  char         line[GW_MAIL_LINE_MAX];
  int          lineno = 0;
  struct stat  st;
  const char  *error = NULL;

  *count = 0;
  if ((fp = fopen(path, "re")) == NULL)
  {
    snprintf(why, whysize, "%s: %s", path, strerror(errno));
    return (false);
  }
  if (fstat(fileno(fp), &st) || !S_ISREG(st.st_mode) || (st.st_mode & 077))
  {
    snprintf(why, whysize, "%s: must be a regular file readable only by its owner (it holds passwords): chmod 600", path);
    fclose(fp);
    return (false);
  }

  while (fgets(line, sizeof(line), fp))
  {
    char             *p = line;
    gw_mail_source_t *s;

    lineno ++;
    if (!strchr(line, '\n') && !feof(fp))
    {
      error = "line too long";
      break;
    }
    while (isspace((unsigned char)*p))
      p ++;
    if (!*p || *p == '#')
      continue;
    if (*count >= GW_MAIL_SOURCES_MAX)
    {
      error = "too many sources";
      break;
    }
    s = sources + *count;
    error = _gwMailSourceParseLine(p, s);
    for (int i = 0; !error && i < *count; i ++)
      if (!strcmp(sources[i].name, s->name))
        error = "two sources with the same name";
    if (error)
      break;
    (*count) ++;
  }
  fclose(fp);

  if (error)
  {
    snprintf(why, whysize, "%s:%d: %s", path, lineno, error);
    for (int i = 0; i <= *count && i < GW_MAIL_SOURCES_MAX; i ++)
      gwWipe(sources + i, sizeof(sources[i]));
    *count = 0;
    return (false);
  }

  return (true);
}
