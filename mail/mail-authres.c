/*
 * mail-authres.c - the receiving server's Authentication-Results header
 * (RFC 8601), read to decide whether a From: address can be believed
 * (DESIGN.md section 4, docs/mail.md "Sender trust").
 *
 * Only a header whose authserv-id is the configured one counts (the
 * receiving MTA removes forged ones bearing its id; a sender cannot add a
 * header above it).  It passes when it shows dmarc=pass for the From:
 * domain, or spf=pass / dkim=pass for a domain aligned with it (the same
 * domain, or a subdomain of the From: domain, or a parent of it that has
 * a dot itself: relaxed alignment without the public suffix list).
 * Bounded: 4 KB of header, comments nested at most 8 deep, 32 results.
 */

#include "mail-private.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define AR_MAX        4096
#define AR_DEPTH      8
#define AR_RESULTS    32


/*
 * 'strip_comments()' - Copy without (comments), keeping quoted strings;
 *                      false when too deep, unbalanced or too long.
 */

static bool
strip_comments(const char *in, char *out, size_t outsize)
{
  size_t len = 0;
  int    depth = 0;
  bool   quoted = false;

  for (; *in; in ++)
  {
    if (!quoted && *in == '(')
    {
      if (++ depth > AR_DEPTH)
        return (false);
      continue;
    }
    if (!quoted && *in == ')' && depth > 0)
    {
      depth --;
      if (len + 1 < outsize)
        out[len ++] = ' ';
      continue;
    }
    if (depth > 0)
    {
      if (*in == '\\' && in[1])
        in ++;
      continue;
    }
    if (*in == '"')
      quoted = !quoted;
    if (len + 1 >= outsize)
      return (false);
    out[len ++] = (*in == '\r' || *in == '\n' || *in == '\t') ? ' ' : *in;
  }
  out[len] = '\0';

  return (depth == 0 && !quoted);
}


/*
 * 'aligned()' - Relaxed alignment of an authenticated domain with the
 *               From: domain (see the file comment).
 */

static bool
aligned(const char *auth, const char *from)
{
  size_t al = strlen(auth), fl = strlen(from);

  if (!al || !fl)
    return (false);
  if (!strcasecmp(auth, from))
    return (true);
  if (al > fl && auth[al - fl - 1] == '.' && !strcasecmp(auth + al - fl, from))
    return (true);                      /* mail.example.test for example.test */
  if (fl > al && from[fl - al - 1] == '.' && !strcasecmp(from + fl - al, auth) && strchr(auth, '.'))
    return (true);                      /* example.test for sub.example.test */

  return (false);
}


/*
 * 'prop_domain()' - The domain of a property value: after '@' if any,
 *                   without quotes, copied bounded.
 */

static void
prop_domain(const char *value, char *out, size_t outsize)
{
  const char *at = strrchr(value, '@');
  size_t      len = 0;

  if (at)
    value = at + 1;
  for (; *value && len + 1 < outsize; value ++)
    if (*value != '"')
      out[len ++] = *value;
  out[len] = '\0';
}


/*
 * 'check_result()' - One "method=result prop=value ..." clause: true when
 *                    it is an aligned pass.  'seen' collects "spf=fail"
 *                    style words for the reason.
 */

static bool
check_result(char *clause, const char *from_domain, char *seen, size_t seensize)
{
  char *tok, *save = NULL, method[32] = "", result[32] = "", domain[256];
  bool  pass = false, first = true;

  for (tok = strtok_r(clause, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
  {
    char *eq = strchr(tok, '=');

    if (!eq)
      continue;
    *eq = '\0';
    if (first)
    {
      char *slash = strchr(tok, '/');

      if (slash)
        *slash = '\0';                  /* method/version */
      snprintf(method, sizeof(method), "%s", tok);
      snprintf(result, sizeof(result), "%s", eq + 1);
      first = false;
      {
        size_t used = strlen(seen);

        snprintf(seen + used, seensize - used, "%s%s=%s", used ? ", " : "", method, result);
      }
      continue;
    }
    if (strcasecmp(result, "pass"))
      continue;

    prop_domain(eq + 1, domain, sizeof(domain));
    if ((!strcasecmp(method, "dmarc") && !strcasecmp(tok, "header.from")) ||
        (!strcasecmp(method, "spf") && (!strcasecmp(tok, "smtp.mailfrom") || !strcasecmp(tok, "smtp.helo"))) ||
        (!strcasecmp(method, "dkim") && (!strcasecmp(tok, "header.d") || !strcasecmp(tok, "header.i"))))
    {
      if (!strcasecmp(method, "dmarc") ? !strcasecmp(domain, from_domain) : aligned(domain, from_domain))
        pass = true;
    }
  }

  return (pass);
}


/*
 * 'gwMailAuthResCheck()' - The verdict of one Authentication-Results
 *                          header value for a From: domain.
 */

gw_mail_trust_t
gwMailAuthResCheck(const char *header, const char *authserv_id, const char *from_domain, char *why, size_t whysize)
{
  char        buf[AR_MAX], seen[256] = "", *clause, *save = NULL, *id;
  int         results = 0;

  if (why && whysize)
    *why = '\0';
  if (!header || !authserv_id || !*authserv_id || !from_domain || !*from_domain)
    return (GW_MAIL_TRUST_NONE);
  if (strlen(header) >= AR_MAX || !strip_comments(header, buf, sizeof(buf)))
  {
    if (why)
      snprintf(why, whysize, "the Authentication-Results header could not be read");
    return (GW_MAIL_TRUST_FAIL);
  }

  /* authserv-id [version] ; */
  if ((clause = strtok_r(buf, ";", &save)) == NULL)
    return (GW_MAIL_TRUST_NONE);
  while (isspace((unsigned char)*clause))
    clause ++;
  id = clause;
  while (*clause && !isspace((unsigned char)*clause))
    clause ++;
  *clause = '\0';
  if (strcasecmp(id, authserv_id))
    return (GW_MAIL_TRUST_NONE);

  while ((clause = strtok_r(NULL, ";", &save)) != NULL && results < AR_RESULTS)
  {
    char copy[AR_MAX];

    results ++;
    snprintf(copy, sizeof(copy), "%s", clause);
    if (check_result(copy, from_domain, seen, sizeof(seen)))
    {
      if (why)
        snprintf(why, whysize, "%s", seen);
      return (GW_MAIL_TRUST_PASS);
    }
  }

  if (why)
    snprintf(why, whysize, "%s", seen[0] ? seen : "no authentication results");

  return (GW_MAIL_TRUST_FAIL);
}
