/*
 * convert-mail.c - a mail (message/rfc822) made into the text that the
 * text converter prints: the From, To, Cc, Date and Subject headers, a
 * blank line, and the message's plain-text body.
 *
 * Headers are unfolded and their encoded words (RFC 2047, B and Q) decoded
 * when the charset is UTF-8, US-ASCII, ISO-8859-1 or Windows-1252; others
 * are left as they are written.  The body is the message itself when it is
 * text/plain (or says nothing), else the first text/plain part of a
 * multipart tree (RFC 2046), with its transfer encoding (base64,
 * quoted-printable) undone and Latin-1/Windows-1252 turned into UTF-8.  A
 * message with no plain-text part prints its headers and a sentence that
 * says so.  Attachments are not printed.
 *
 * Every walk is bounded: MAIL_MAX_DEPTH nested multiparts, MAIL_MAX_PARTS
 * parts, MAIL_HEADER_MAX bytes of one unfolded header, and the output at
 * twice the input plus 64 KB (nothing the decoders do makes more).  The
 * input is the mapped document, read only within its length.
 */

#include "convert-private.h"

#include <printgate/text.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAIL_MAX_DEPTH   8              /* Nested multiparts */
#define MAIL_MAX_PARTS   256            /* Parts looked at in all */
#define MAIL_HEADER_MAX  4096           /* One unfolded header value */


/*
 * The text being made.
 */

typedef struct mail_out_s
{
  unsigned char *buf;
  size_t         len, size;
  int            parts;                 /* Parts looked at so far */
} mail_out_t;


/*
 * 'out_add()' - Append bytes (silently cut at the bound, which the
 *               decoders cannot reach).
 */

static void
out_add(mail_out_t *out, const void *data, size_t len)
{
  if (len > out->size - out->len)
    len = out->size - out->len;

  memcpy(out->buf + out->len, data, len);
  out->len += len;
}


/*
 * 'out_latin1()' - Append Latin-1/Windows-1252 bytes as UTF-8 (the
 *                  Windows-1252 C1 range is taken as Latin-1: rare, and
 *                  printable either way).
 */

static void
out_latin1(mail_out_t *out, const unsigned char *p, size_t len)
{
  for (size_t i = 0; i < len; i ++)
  {
    unsigned char u[2];

    if (p[i] < 0x80)
      out_add(out, p + i, 1);
    else
    {
      u[0] = (unsigned char)(0xC0 | (p[i] >> 6));
      u[1] = (unsigned char)(0x80 | (p[i] & 0x3F));
      out_add(out, u, 2);
    }
  }
}


/*
 * 'is_latin1()' - Is a charset name one we turn from 8-bit into UTF-8?
 */

static bool
is_latin1(const char *charset)
{
  return (!strcasecmp(charset, "iso-8859-1") || !strcasecmp(charset, "latin1") ||
          !strcasecmp(charset, "iso-8859-15") || !strcasecmp(charset, "windows-1252"));
}


/*
 * 'out_text()' - Append text in a charset: Latin-1 kinds converted, the
 *                rest (UTF-8, US-ASCII, unknown) as it is.
 */

static void
out_text(mail_out_t *out, const unsigned char *p, size_t len, const char *charset)
{
  if (is_latin1(charset))
    out_latin1(out, p, len);
  else
    out_add(out, p, len);
}


/*
 * 'decode_qp()' - Undo quoted-printable (RFC 2045 6.7; with q, the RFC
 *                 2047 Q form where "_" is a space) into dst (at least
 *                 len bytes); returns the bytes written.
 */

static size_t
decode_qp(const unsigned char *p, size_t len, unsigned char *dst, bool q)
{
  size_t i, n = 0;

  for (i = 0; i < len; i ++)
  {
    if (p[i] == '=' && i + 1 < len && (p[i + 1] == '\n' || (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n')))
      i += p[i + 1] == '\r' ? 2 : 1;    /* Soft line break */
    else if (p[i] == '=' && i + 2 < len && gwHexValue(p[i + 1]) >= 0 && gwHexValue(p[i + 2]) >= 0)
    {
      dst[n ++] = (unsigned char)(gwHexValue(p[i + 1]) * 16 + gwHexValue(p[i + 2]));
      i += 2;
    }
    else if (q && p[i] == '_')
      dst[n ++] = ' ';
    else
      dst[n ++] = p[i];
  }

  return (n);
}


/*
 * 'decode_base64()' - Undo base64 into dst (at least len bytes), skipping
 *                     anything that is not of the alphabet; returns the
 *                     bytes written.
 */

static size_t
decode_base64(const unsigned char *p, size_t len, unsigned char *dst)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint32_t          acc = 0;
  int               bits = 0;
  size_t            i, n = 0;
  const char       *c;

  for (i = 0; i < len && p[i] != '='; i ++)
  {
    if (!p[i] || (c = strchr(alphabet, p[i])) == NULL)
      continue;

    acc   = (acc << 6) | (uint32_t)(c - alphabet);
    bits += 6;
    if (bits >= 8)
    {
      bits -= 8;
      dst[n ++] = (unsigned char)(acc >> bits);
    }
  }

  return (n);
}


/*
 * 'header_block()' - Length of the header block at p (up to and including
 *                    the blank line), len when there is no blank line.
 */

static size_t
header_block(const unsigned char *p, size_t len)
{
  if (len >= 1 && p[0] == '\n')
    return (1);                         /* No headers */
  if (len >= 2 && p[0] == '\r' && p[1] == '\n')
    return (2);

  for (size_t i = 0; i < len; i ++)
  {
    if (p[i] != '\n')
      continue;
    if (i + 1 < len && p[i + 1] == '\n')
      return (i + 2);
    if (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n')
      return (i + 3);
  }

  return (len);
}


/*
 * 'header_get()' - The first header called name in a header block,
 *                  unfolded (CR and LF dropped, a tab as a space) into
 *                  value; "" when absent.
 */

static void
header_get(const unsigned char *p, size_t len, const char *name, char *value, size_t valuesize)
{
  size_t nlen = strlen(name), i, n = 0;

  value[0] = '\0';

  for (i = 0; i < len; i ++)
  {
    if ((i == 0 || p[i - 1] == '\n') && len - i > nlen && p[i + nlen] == ':' &&
        !strncasecmp((const char *)p + i, name, nlen))
    {
      for (i += nlen + 1; i < len && (p[i] == ' ' || p[i] == '\t'); i ++);

      for (; i < len && n + 1 < valuesize; i ++)
      {
        if (p[i] == '\n' && (i + 1 >= len || (p[i + 1] != ' ' && p[i + 1] != '\t')))
          break;                        /* The header ends (no continuation) */
        if (p[i] == '\r' || p[i] == '\n')
          continue;
        value[n ++] = p[i] == '\t' ? ' ' : (char)p[i];
      }

      value[n] = '\0';
      return;
    }
  }
}


/*
 * 'param_get()' - A parameter of a structured header value
 *                 (boundary="abc", charset=utf-8) into dest; "" if absent.
 */

static void
param_get(const char *value, const char *name, char *dest, size_t destsize)
{
  size_t      nlen = strlen(name), n = 0;
  const char *p;

  dest[0] = '\0';

  for (p = strchr(value, ';'); p; p = strchr(p + 1, ';'))
  {
    const char *q = p + 1;

    while (*q == ' ')
      q ++;

    if (strncasecmp(q, name, nlen) || q[nlen] != '=')
      continue;

    q += nlen + 1;
    if (*q == '"')
      for (q ++; *q && *q != '"' && n + 1 < destsize; q ++)
        dest[n ++] = *q;
    else
      for (; *q && *q != ';' && *q != ' ' && n + 1 < destsize; q ++)
        dest[n ++] = *q;

    dest[n] = '\0';
    return;
  }
}


/*
 * 'out_header()' - Append "Name: value\n" with the value's encoded words
 *                  (=?charset?B|Q?text?=) decoded where the charset is one
 *                  we know; nothing when the header is absent.
 */

static void
out_header(mail_out_t *out, const unsigned char *hdr, size_t hlen, const char *name)
{
  char          value[MAIL_HEADER_MAX], charset[64];
  unsigned char decoded[MAIL_HEADER_MAX];
  const char   *p, *start, *q, *text, *end;
  size_t        n;

  header_get(hdr, hlen, name, value, sizeof(value));
  if (!value[0])
    return;

  out_add(out, name, strlen(name));
  out_add(out, ": ", 2);

  for (p = value; *p;)
  {
    if ((start = strstr(p, "=?")) == NULL ||
        (q = strchr(start + 2, '?')) == NULL || (size_t)(q - start - 2) >= sizeof(charset) ||
        !strchr("BbQq", q[1]) || !q[1] || q[2] != '?' ||
        (end = strstr((text = q + 3), "?=")) == NULL)
    {
      out_add(out, p, strlen(p));
      break;
    }

    /* Plain text before the word; white space between two words goes. */
    if (start > p && strspn(p, " ") < (size_t)(start - p))
      out_add(out, p, (size_t)(start - p));

    memcpy(charset, start + 2, (size_t)(q - start - 2));
    charset[q - start - 2] = '\0';

    if (strcasecmp(charset, "utf-8") && strcasecmp(charset, "us-ascii") && !is_latin1(charset))
      out_add(out, start, (size_t)(end + 2 - start));
    else
    {
      if (q[1] == 'B' || q[1] == 'b')
        n = decode_base64((const unsigned char *)text, (size_t)(end - text), decoded);
      else
        n = decode_qp((const unsigned char *)text, (size_t)(end - text), decoded, true);
      out_text(out, decoded, n, charset);
    }

    p = end + 2;
  }

  out_add(out, "\n", 1);
}


/*
 * 'find_text()' - Append the first text/plain body of the entity at p
 *                 (headers, then body), looking into multiparts; false
 *                 when there is none.
 */

static bool
find_text(mail_out_t *out, const unsigned char *p, size_t len, int depth)
{
  char                 type[MAIL_HEADER_MAX], cte[256], param[256], delim[300];
  size_t               hlen = header_block(p, len), dlen, n;
  const unsigned char *body = p + hlen, *part, *next;
  size_t               blen = len - hlen;
  unsigned char       *tmp;

  if (depth > MAIL_MAX_DEPTH || ++ out->parts > MAIL_MAX_PARTS)
    return (false);

  header_get(p, hlen, "Content-Type", type, sizeof(type));

  if (!strncasecmp(type, "multipart/", 10))
  {
    param_get(type, "boundary", param, sizeof(param));
    if (!param[0])
      return (false);

    dlen = (size_t)snprintf(delim, sizeof(delim), "\n--%s", param);

    /* Parts lie between "\n--boundary" lines; the preamble is skipped. */
    for (part = memmem(body > p ? body - 1 : body, blen + (body > p), delim, dlen); part;)
    {
      part += dlen;
      if ((size_t)(p + len - part) >= 2 && part[0] == '-' && part[1] == '-')
        break;                          /* The closing delimiter */

      while (part < p + len && *part != '\n')
        part ++;                        /* The rest of the delimiter line */
      if (part >= p + len)
        break;
      part ++;

      next = memmem(part, (size_t)(p + len - part), delim, dlen);
      if (find_text(out, part, (size_t)((next ? next : p + len) - part), depth + 1))
        return (true);
      part = next;
    }

    return (false);
  }

  if (type[0] && strncasecmp(type, "text/plain", 10))
    return (false);

  header_get(p, hlen, "Content-Transfer-Encoding", cte, sizeof(cte));
  param_get(type, "charset", param, sizeof(param));

  if (!strcasecmp(cte, "base64") || !strcasecmp(cte, "quoted-printable"))
  {
    if ((tmp = malloc(blen + 1)) == NULL)
      return (false);
    n = !strcasecmp(cte, "base64") ? decode_base64(body, blen, tmp) : decode_qp(body, blen, tmp, false);
    out_text(out, tmp, n, param);
    free(tmp);
  }
  else
    out_text(out, body, blen, param);

  return (true);
}


/*
 * '_gwConvMailToText()' - Make the printed text of a mail: a malloc'd
 *                         UTF-8 buffer (the caller frees it) of *textlen
 *                         bytes, or NULL with the reason recorded.
 */

unsigned char *
_gwConvMailToText(gw_conv_t *conv, const unsigned char *data, size_t len, size_t *textlen)
{
  static const char * const shown[] = { "From", "To", "Cc", "Date", "Subject" };
  static const char         none[] = "(This message has no plain-text part; its other parts are not printed.)\n";
  mail_out_t                out;
  size_t                    hlen = header_block(data, len);

  memset(&out, 0, sizeof(out));
  out.size = 2 * len + 65536;
  if ((out.buf = malloc(out.size)) == NULL)
  {
    _gwConvFail(conv, GW_REASON_CONVERSION_CRASHED, "not enough memory for the mail's text");
    return (NULL);
  }

  for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i ++)
    out_header(&out, data, hlen, shown[i]);

  out_add(&out, "\n", 1);

  if (!find_text(&out, data, len, 0))
    out_add(&out, none, sizeof(none) - 1);

  *textlen = out.len;
  return (out.buf);
}
