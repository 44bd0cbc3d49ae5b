/*
 * outbox-compose.c - the RFC 5322 message the outbox sends, and its retry
 * schedule (see outbox-private.h).  Pure functions: no I/O, no lock.
 *
 * Every header value is checked before it is written (no CR, LF or other
 * control character, bounded), so no caller can add a header or a body
 * part.  The subject is RFC 2047 "B"-encoded when it is not ASCII, the body
 * is quoted-printable (lines of at most 76 characters, CRLF line ends).
 */

#include "outbox-private.h"
#include "printgate/crypto.h"
#include "printgate/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


/*
 * 'buf_str()' - Append strings, up to a NULL.
 */

static void
buf_strs(gw_buffer_t *b, const char *s, ...)
{
  va_list ap;

  va_start(ap, s);
  for (; s; s = va_arg(ap, const char *))
    gwBufferAdd(b, s, strlen(s));
  va_end(ap);
}


/*
 * '_gwOutboxBase64Encode()' - base64 or base64url (no padding).
 */

bool
_gwOutboxBase64Encode(const void *in, size_t len, bool url, char *out, size_t outsize)
{
  const unsigned char *p = (const unsigned char *)in;
  const char          *alpha = url ? b64_url : b64_std;
  size_t               i, o = 0, need = url ? (len * 4 + 2) / 3 : (len + 2) / 3 * 4;

  if (need + 1 > outsize)
    return (false);

  for (i = 0; i + 2 < len; i += 3)
  {
    out[o++] = alpha[p[i] >> 2];
    out[o++] = alpha[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
    out[o++] = alpha[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
    out[o++] = alpha[p[i + 2] & 63];
  }
  if (i < len)
  {
    out[o++] = alpha[p[i] >> 2];
    if (i + 1 < len)
    {
      out[o++] = alpha[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
      out[o++] = alpha[(p[i + 1] & 15) << 2];
    }
    else
      out[o++] = alpha[(p[i] & 3) << 4];
    if (!url)
    {
      while (o % 4)
        out[o++] = '=';
    }
  }
  out[o] = '\0';

  return (true);
}


/*
 * '_gwOutboxBase64UrlDecode()' - Decode base64url without padding.
 */

ssize_t
_gwOutboxBase64UrlDecode(const char *in, unsigned char *out, size_t outsize)
{
  unsigned bits = 0, nbits = 0;
  size_t   o = 0;
  const char *p, *c;

  for (p = in; *p; p ++)
  {
    if ((c = strchr(b64_url, *p)) == NULL)
      return (-1);
    bits   = (bits << 6) | (unsigned)(c - b64_url);
    nbits += 6;
    if (nbits >= 8)
    {
      if (o >= outsize)
        return (-1);
      nbits -= 8;
      out[o++] = (unsigned char)(bits >> nbits);
      bits &= (1u << nbits) - 1;
    }
  }

  if (nbits >= 6 || bits != 0)          /* A dangling character, or non-zero pad bits: not canonical */
    return (-1);

  return ((ssize_t)o);
}


/*
 * 'utf8_valid()' - True for well-formed UTF-8 (no overlongs, surrogates or
 *                  code points past U+10FFFF).
 */

static bool
utf8_valid(const char *s)
{
  const unsigned char *p = (const unsigned char *)s;

  while (*p)
  {
    unsigned c = *p, need, cp, min;

    if (c < 0x80)
    {
      p ++;
      continue;
    }
    else if ((c & 0xe0) == 0xc0)
      need = 1, cp = c & 0x1f, min = 0x80;
    else if ((c & 0xf0) == 0xe0)
      need = 2, cp = c & 0x0f, min = 0x800;
    else if ((c & 0xf8) == 0xf0)
      need = 3, cp = c & 0x07, min = 0x10000;
    else
      return (false);

    for (p ++; need > 0; need --, p ++)
    {
      if ((*p & 0xc0) != 0x80)
        return (false);
      cp = (cp << 6) | (*p & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return (false);
  }

  return (true);
}


/*
 * 'header_value_ok()' - A header value: at most max bytes, no control
 *                       character (CR and LF above all), valid UTF-8.
 */

static bool
header_value_ok(const char *s, size_t max)
{
  const unsigned char *p;

  if (strlen(s) > max)
    return (false);

  for (p = (const unsigned char *)s; *p; p ++)
  {
    if (*p < 0x20 || *p == 0x7f)
      return (false);
  }

  return (utf8_valid(s));
}


/*
 * 'gwOutboxAddressValid()' - An ASCII addr-spec: a dot-atom local part of
 *                            at most 64 characters, '@', a domain of
 *                            letters, digits, '-' and '.' labels.
 */

bool
gwOutboxAddressValid(const char *address)
{
  const char *at, *p;
  size_t      len;

  if (!address || (len = strlen(address)) == 0 || len > GW_OUTMAIL_ADDRESS_MAX ||
      (at = strchr(address, '@')) == NULL || strchr(at + 1, '@') ||
      at == address || at - address > 64 || !at[1])
    return (false);

  for (p = address; p < at; p ++)     /* Local part: atext and single dots, not at the ends */
  {
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-.", *p) ||
        (*p == '.' && (p == address || p[1] == '.' || p + 1 == at)))
      return (false);
  }

  for (p = at + 1; *p; p ++)          /* Domain: labels of letters, digits and '-' */
  {
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.", *p) ||
        (*p == '.' && (p == at + 1 || p[1] == '.' || !p[1])) ||
        (*p == '-' && (p == at + 1 || p[-1] == '.' || p[1] == '.' || !p[1])))
      return (false);
  }

  return (true);
}


/*
 * 'msgid_list_ok()' - One or more "<id>" separated by spaces (max bytes,
 *                     printable ASCII only).
 */

static bool
msgid_list_ok(const char *s, size_t max, bool single)
{
  const char *p = s;
  int         n = 0;

  if (!header_value_ok(s, max))
    return (false);

  while (*p)
  {
    const char *end;

    while (*p == ' ')
      p ++;
    if (!*p)
      break;
    if (*p != '<' || (end = strchr(p, '>')) == NULL || end - p < 3)
      return (false);
    for (p ++; p < end; p ++)
    {
      if (*p <= ' ' || *p > '~' || *p == '<')
        return (false);
    }
    p ++;
    if (*p && *p != ' ')
      return (false);
    n ++;
  }

  return (n >= 1 && (!single || n == 1));
}


/*
 * 'add_subject()' - "Subject:", as is when ASCII (folded before a space
 *                   past column 70; a subject without spaces stays one
 *                   line, at most 409 characters),
 *                   else RFC 2047 encoded words of at most 39 bytes
 *                   (52 base64 characters, 64 in all, so the first line
 *                   is 73 characters) each, never splitting a UTF-8
 *                   sequence.
 */

static void
add_subject(gw_buffer_t *b, const char *subject)
{
  const unsigned char *p;
  bool                 ascii = true;
  size_t               len = strlen(subject), start, chunk, col;
  char                 word[64];

  for (p = (const unsigned char *)subject; *p; p ++)
  {
    if (*p >= 0x80)
      ascii = false;
  }

  if (ascii)
  {
    const char *s;

    buf_strs(b, "Subject: ", NULL);
    for (s = subject, col = 9; *s; s ++, col ++)
    {
      if (*s == ' ' && col > 70 && s[1] && s[1] != ' ')
      {
        gwBufferAdd(b, "\r\n", 2);        /* Fold: the space starts the next line */
        col = 0;
      }
      gwBufferAdd(b, s, 1);
    }
    gwBufferAdd(b, "\r\n", 2);
    return;
  }

  buf_strs(b, "Subject:", NULL);
  for (start = 0; start < len; start += chunk)
  {
    chunk = len - start > 39 ? 39 : len - start;
    while (chunk > 0 && start + chunk < len && (subject[start + chunk] & 0xc0) == 0x80)
      chunk --;                         /* Do not cut a UTF-8 sequence */
    _gwOutboxBase64Encode(subject + start, chunk, false, word, sizeof(word));
    buf_strs(b, start ? "\r\n =?UTF-8?B?" : " =?UTF-8?B?", word, "?=", NULL);
  }
  gwBufferAdd(b, "\r\n", 2);
}


/*
 * 'add_references()' - "References:" folded between message ids.
 */

static void
add_references(gw_buffer_t *b, const char *refs)
{
  const char *p = refs, *end;
  size_t      col = 11;

  buf_strs(b, "References:", NULL);
  while (*p)
  {
    while (*p == ' ')
      p ++;
    if (!*p)
      break;
    end = strchr(p, '>') + 1;           /* Checked by msgid_list_ok() */
    if (col > 11 && col + (size_t)(end - p) > 76)
    {
      gwBufferAdd(b, "\r\n", 2);
      col = 0;
    }
    gwBufferAdd(b, " ", 1);
    gwBufferAdd(b, p, (size_t)(end - p));
    col += 1 + (size_t)(end - p);
    p = end;
  }
  gwBufferAdd(b, "\r\n", 2);
}


/*
 * 'add_body_qp()' - The body in quoted-printable: CRLF line ends, soft
 *                   breaks before column 76, '=', non-ASCII, a leading
 *                   '.' and trailing spaces encoded.
 */

static void
add_body_qp(gw_buffer_t *b, const char *body)
{
  const unsigned char *p;
  size_t               col = 0;
  char                 enc[4];

  for (p = (const unsigned char *)body; *p; p ++)
  {
    bool literal;

    if (*p == '\r' && p[1] == '\n')
      continue;
    if (*p == '\n' || *p == '\r')
    {
      gwBufferAdd(b, "\r\n", 2);
      col = 0;
      continue;
    }

    literal = (*p >= 0x21 && *p <= 0x7e && *p != '=' && !(*p == '.' && col == 0)) ||
              ((*p == ' ' || *p == '\t') && p[1] && p[1] != '\n' && p[1] != '\r');

    if (col + (literal ? 1 : 3) > 75)
    {
      gwBufferAdd(b, "=\r\n", 3);
      col = 0;
      if (*p == '.')
        literal = false;
    }

    if (literal)
    {
      gwBufferAdd(b, (const char *)p, 1);
      col ++;
    }
    else
    {
      snprintf(enc, sizeof(enc), "=%02X", *p);
      gwBufferAdd(b, enc, 3);
      col += 3;
    }
  }

  if (col > 0)
    gwBufferAdd(b, "\r\n", 2);
}


/*
 * 'add_date()' - "Date:" in RFC 5322 form, UTC, without the locale.
 */

static void
add_date(gw_buffer_t *b, time_t now)
{
  static const char * const days[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
  static const char * const months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  struct tm tm;
  char      line[64];

  gmtime_r(&now, &tm);
  snprintf(line, sizeof(line), "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday % 7],
           tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  buf_strs(b, line, NULL);
}


/*
 * 'check_message()' - Every field of m within its limits and free of
 *                     control characters; the reason otherwise.
 */

static const char *
check_message(const gw_outmail_t *m, const char *from, const char *domain)
{
  char probe[256];

  if (!gwOutboxAddressValid(from))
    return ("the sender address is not valid (SmtpFrom)");
  if (!m->to || !gwOutboxAddressValid(m->to))
    return ("the recipient is not a valid address");
  if (!domain || strlen(domain) > 200 || snprintf(probe, sizeof(probe), "x@%s", domain) <= 2 || !gwOutboxAddressValid(probe))
    return ("the Message-ID domain is not valid (SmtpDomain)");
  if (m->subject && !header_value_ok(m->subject, GW_OUTMAIL_SUBJECT_MAX))
    return ("the subject is too long, not UTF-8, or holds a control character");
  if (!m->body || strlen(m->body) > GW_OUTMAIL_BODY_MAX || !utf8_valid(m->body))
    return ("the body is missing, too long or not UTF-8");
  if (m->in_reply_to && *m->in_reply_to && !msgid_list_ok(m->in_reply_to, GW_OUTMAIL_MSGID_MAX, true))
    return ("In-Reply-To must be one <message-id>");
  if (m->references && *m->references && !msgid_list_ok(m->references, GW_OUTMAIL_REFERENCES_MAX, false))
    return ("References must be <message-id>s separated by spaces");
  if (m->key && !header_value_ok(m->key, GW_OUTMAIL_KEY_MAX))
    return ("the idempotency key is too long or holds a control character");

  return (NULL);
}


/*
 * '_gwOutboxCompose()' - Compose the message (see outbox-private.h).
 */

bool
_gwOutboxCompose(const gw_outmail_t *m, const char *from, const char *domain, time_t now, char **msg_r, size_t *len_r, char *msgid, size_t msgidsize, const char **error_r)
{
  gw_buffer_t         b = { NULL, 0, 0, false };
  unsigned char rnd[16];
  char          hex[33];
  const char   *why;
  int           i;

  *msg_r = NULL;
  if ((why = check_message(m, from, domain)) != NULL)
  {
    *error_r = why;
    return (false);
  }

  if (!gwRandomBytes(rnd, sizeof(rnd)))
  {
    *error_r = "no random bytes";
    return (false);
  }
  for (i = 0; i < 16; i ++)
    snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
  if ((size_t)snprintf(msgid, msgidsize, "<%s@%s>", hex, domain) >= msgidsize)
  {
    *error_r = "the Message-ID domain is too long";
    return (false);
  }

  buf_strs(&b, "From: ", from, "\r\nTo: ", m->to, "\r\n", NULL);
  add_subject(&b, m->subject ? m->subject : "");
  add_date(&b, now);
  buf_strs(&b, "Message-ID: ", msgid, "\r\n", NULL);
  if (m->in_reply_to && *m->in_reply_to)
    buf_strs(&b, "In-Reply-To: ", m->in_reply_to, "\r\n", NULL);
  if (m->references && *m->references)
    add_references(&b, m->references);
  if (m->auto_replied)
    buf_strs(&b, "Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n", NULL);
  buf_strs(&b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n\r\n", NULL);
  add_body_qp(&b, m->body);

  if (b.failed || !b.data)
  {
    free(b.data);
    *error_r = "out of memory";
    return (false);
  }

  *msg_r = b.data;
  *len_r = b.len;

  return (true);
}


/*
 * '_gwOutboxDefaultFrom()' - SmtpFrom, or printgate@ServerName.
 */

void
_gwOutboxDefaultFrom(const gw_config_t *c, char *buf, size_t bufsize)
{
  if (c->smtp_from[0])
    snprintf(buf, bufsize, "%s", c->smtp_from);
  else
    snprintf(buf, bufsize, "printgate@%s", c->server_name);
}


/*
 * '_gwOutboxBackoff()' - first * 2^(attempts-1), at most max.
 */

int64_t
_gwOutboxBackoff(int attempts, int64_t first, int64_t max)
{
  int64_t wait = first;

  if (first <= 0)
    return (max > 0 ? max : 1);

  for (; attempts > 1 && wait < max; attempts --)
    wait *= 2;

  return (wait > max ? max : wait);
}


/*
 * '_gwOutboxNextState()' - sent, failed or queued with the next attempt.
 */

gw_outbox_state_t
_gwOutboxNextState(const _gw_outbox_result_t *r, int attempts, int64_t since, int64_t now, const gw_config_t *c, int64_t *next_r)
{
  *next_r = 0;

  if (r->sent)
    return (GW_OUTBOX_SENT);
  if (r->permanent || now - since >= c->smtp_give_up)
    return (GW_OUTBOX_FAILED);

  *next_r = now + _gwOutboxBackoff(attempts, c->smtp_retry_delay, c->smtp_retry_max);

  return (GW_OUTBOX_QUEUED);
}
