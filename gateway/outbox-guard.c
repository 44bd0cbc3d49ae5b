/*
 * outbox-guard.c - RFC 3834's rules for automatic replies: never answer
 * automatic, bulk or list mail, a null return path, the gateway's own
 * addresses or a system mailbox (see gwMailShouldReply() in outbox.h).
 */

#include "outbox-private.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>


/*
 * 'trimmed_equal()' - Case-insensitive match of a value (spaces around it,
 *                     and an RFC 5322 comment after it, ignored).
 */

static bool
trimmed_equal(const char *value, const char *word)
{
  size_t len = strlen(word);

  while (*value == ' ' || *value == '\t')
    value ++;

  if (strncasecmp(value, word, len))
    return (false);

  value += len;
  while (*value == ' ' || *value == '\t')
    value ++;

  return (!*value || *value == '(' || *value == ';');
}


/*
 * 'address_in()' - True when value contains addr (case-insensitively, as a
 *                  whole address: not preceded or followed by an atext
 *                  character).
 */

static bool
address_in(const char *value, const char *addr)
{
  size_t      len = strlen(addr);
  const char *p;

  if (!len)
    return (false);

  for (p = value; *p; p ++)
  {
    if (!strncasecmp(p, addr, len) &&
        (p == value || !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_+", p[-1])) &&
        !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_+", p[len] ? p[len] : ' '))
      return (true);
  }

  return (false);
}


/*
 * 'is_own()' - True when addr is SmtpFrom or one of 'own'.
 */

static bool
is_own(const char *addr, const char *from, const char *const *own)
{
  if (from && *from && !strcasecmp(addr, from))
    return (true);

  for (; own && *own; own ++)
  {
    if (!strcasecmp(addr, *own))
      return (true);
  }

  return (false);
}


/*
 * 'mentions_own()' - True when value names SmtpFrom or one of 'own'.
 */

static bool
mentions_own(const char *value, const char *from, const char *const *own)
{
  if (from && *from && address_in(value, from))
    return (true);

  for (; own && *own; own ++)
  {
    if (address_in(value, *own))
      return (true);
  }

  return (false);
}


/*
 * 'system_local_part()' - MAILER-DAEMON, postmaster, noreply and the like.
 */

static bool
system_local_part(const char *addr)
{
  static const char * const names[] = { "mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply", "donotreply", "bounce", "bounces" };
  size_t      i, len;
  const char *at = strchr(addr, '@');

  len = at ? (size_t)(at - addr) : strlen(addr);
  for (i = 0; i < sizeof(names) / sizeof(names[0]); i ++)
  {
    size_t nlen = strlen(names[i]);

    if ((len == nlen || (len > nlen && (addr[nlen] == '+' || addr[nlen] == '-'))) && !strncasecmp(addr, names[i], nlen))
      return (true);
  }

  return (false);
}


/*
 * 'header_refuses()' - The reason one header field forbids a reply, or NULL.
 */

static const char *
header_refuses(const char *name, const char *value, const char *from, const char *const *own)
{
  const char *p;

  if (!strcasecmp(name, "Auto-Submitted"))
    return (trimmed_equal(value, "no") ? NULL : "auto-submitted");

  if (!strcasecmp(name, "Precedence"))
    return (trimmed_equal(value, "bulk") || trimmed_equal(value, "list") || trimmed_equal(value, "junk") ? "precedence" : NULL);

  if (!strcasecmp(name, "List-Id") || !strcasecmp(name, "List-Unsubscribe") || !strcasecmp(name, "List-Post"))
    return ("list");

  if (!strcasecmp(name, "Return-Path"))
  {
    for (p = value; *p == ' ' || *p == '\t' || *p == '<' || *p == '>'; p ++);
    return (*p ? NULL : "null-return-path");
  }

  if (!strcasecmp(name, "X-Auto-Response-Suppress"))
    return (strcasestr(value, "all") || strcasestr(value, "autoreply") ? "suppressed" : NULL);

  if (!strcasecmp(name, "X-Loop"))
    return (mentions_own(value, from, own) ? "loop" : NULL);

  return (NULL);
}


/*
 * 'gwMailShouldReply()' - May an automatic reply be sent? (outbox.h)
 */

bool
gwMailShouldReply(gw_system_t *sys, const char *const *headers, const char *to, const char *const *own, const char **reason_r)
{
  char        from[GW_OUTMAIL_ADDRESS_MAX + 1] = "";
  const char *reason = NULL;

  if (sys)
    _gwOutboxDefaultFrom(gwSystemGetConfig(sys), from, sizeof(from));

  for (; headers && headers[0] && headers[1] && !reason; headers += 2)
    reason = header_refuses(headers[0], headers[1], from, own);

  if (!reason)
  {
    if (!to || !gwOutboxAddressValid(to))
      reason = "no-address";
    else if (is_own(to, from, own))
      reason = "own-address";
    else if (system_local_part(to))
      reason = "system-address";
  }

  if (reason_r)
    *reason_r = reason;

  return (reason == NULL);
}
