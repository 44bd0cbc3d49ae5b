/*
 * mail-filename.c - MIME parameters and filenames: RFC 2231 (charset,
 * language, continuations "name*0*", "name*1"), RFC 2047 encoded-words in
 * a plain value (Gmail and Outlook put them in quoted filenames), charset
 * conversion to UTF-8 and a clean, bounded filename.  libetpan decodes
 * neither RFC 2231 nor RFC 2047 in Content-Disposition (notes/mail-stack.md
 * 0.3), so this is our own, bounded decoder: at most GW_MAIL_PARAM_MAX
 * parameters and GW_MAIL_PARAM_SEGMENTS segments, one pass each, output
 * never longer than its buffer.
 */

#include "mail-private.h"
#include "printgate/text.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define RAW_MAX 2048                    /* Bytes of a parameter before charset conversion */


/*
 * 'utf8_valid_len()' - Length of the valid UTF-8 sequence at s (1-4), or 0.
 */

static size_t
utf8_valid_len(const unsigned char *s, size_t left)
{
  size_t n, i;

  if (s[0] < 0x80)
    return (1);
  else if (s[0] >= 0xc2 && s[0] <= 0xdf)
    n = 2;
  else if (s[0] >= 0xe0 && s[0] <= 0xef)
    n = 3;
  else if (s[0] >= 0xf0 && s[0] <= 0xf4)
    n = 4;
  else
    return (0);

  if (n > left)
    return (0);
  for (i = 1; i < n; i ++)
    if ((s[i] & 0xc0) != 0x80)
      return (0);
  if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
      (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
    return (0);                         /* Overlong, surrogate, above U+10FFFF */

  return (n);
}


/*
 * 'charset_to_utf8()' - Convert len bytes in charset to UTF-8 in out.  A
 *                       charset name must look like one (letters, digits,
 *                       "-_.:", at most 40 bytes).  false if unknown or
 *                       invalid.
 */

static bool
charset_to_utf8(const char *charset, const char *in, size_t len, char *out, size_t outsize)
{
  iconv_t  cd;
  char    *inp = (char *)in, *outp = out;
  size_t   inleft = len, outleft = outsize - 1;
  char     cs[48];
  size_t   i;

  if (outsize == 0)
    return (false);
  *out = '\0';

  for (i = 0; charset[i] && i < sizeof(cs) - 1; i ++)
  {
    if (!isalnum((unsigned char)charset[i]) && !strchr("-_.:", charset[i]))
      return (false);
    cs[i] = charset[i];
  }
  cs[i] = '\0';
  if (charset[i] || i == 0 || i > 40)
    return (false);

  if (!strcasecmp(cs, "utf-8") || !strcasecmp(cs, "utf8") || !strcasecmp(cs, "us-ascii"))
  {
    /* Check, do not convert: an invalid byte fails the parameter. */
    for (i = 0; i < len;)
    {
      size_t n = utf8_valid_len((const unsigned char *)in + i, len - i);

      if (n == 0 || in[i] == '\0')
        return (false);
      i += n;
    }
    if (len >= outsize)
      return (false);
    memcpy(out, in, len);
    out[len] = '\0';
    return (true);
  }

  if ((cd = iconv_open("UTF-8", cs)) == (iconv_t)-1)
    return (false);
  if (iconv(cd, &inp, &inleft, &outp, &outleft) == (size_t)-1)
  {
    iconv_close(cd);
    *out = '\0';
    return (false);
  }
  iconv_close(cd);
  *outp = '\0';

  return (memchr(out, '\0', (size_t)(outp - out)) == NULL);
}


/*
 * 'gwMailCharsetDecode()' - Text in a named charset to UTF-8 (TNEF names).
 */

bool
gwMailCharsetDecode(const char *charset, const char *in, size_t len, char *out, size_t outsize)
{
  return (charset_to_utf8(charset, in, len, out, outsize));
}


/*
 * 'percent_decode()' - Append RFC 2231 %XX-encoded text to buf; false when
 *                      it does not fit.
 */

static bool
percent_decode(const char *s, char *buf, size_t bufsize, size_t *len)
{
  for (; *s; s ++)
  {
    int c = (unsigned char)*s, h, l;

    if (c == '%' && (h = gwHexValue(s[1])) >= 0 && (l = gwHexValue(s[2])) >= 0)
    {
      c = h * 16 + l;
      s += 2;
    }
    if (*len + 1 >= bufsize)
      return (false);
    buf[(*len) ++] = (char)c;
  }
  buf[*len] = '\0';

  return (true);
}


/*
 * 'find_param()' - The value of a parameter by exact (case-insensitive)
 *                  name, or NULL.  The first one wins.
 */

static const char *
find_param(const gw_mail_param_t *params, int count, const char *name)
{
  for (int i = 0; i < count && i < GW_MAIL_PARAM_MAX; i ++)
    if (params[i].name && params[i].value && !strcasecmp(params[i].name, name))
      return (params[i].value);

  return (NULL);
}


/*
 * 'split_charset()' - Split "charset'lang'text" into charset (copied) and
 *                     the text; false if the two quotes are missing.
 */

static bool
split_charset(const char *value, char *charset, size_t charsetsize, const char **text)
{
  const char *q1 = strchr(value, '\''), *q2;

  if (!q1 || (q2 = strchr(q1 + 1, '\'')) == NULL || (size_t)(q1 - value) >= charsetsize)
    return (false);
  memcpy(charset, value, (size_t)(q1 - value));
  charset[q1 - value] = '\0';
  *text = q2 + 1;

  return (true);
}


/*
 * 'decode_2231()' - RFC 2231 forms of 'name': "name*" or the continuations
 *                   "name*0[*]", "name*1[*]", ... (contiguous from 0; a gap
 *                   ends the value, as RFC 2231 says).  1 = decoded, 0 =
 *                   not present, -1 = present but undecodable.
 */

static int
decode_2231(const gw_mail_param_t *params, int count, const char *name, char *out, size_t outsize)
{
  char        key[96], raw[RAW_MAX], charset[48] = "us-ascii";
  const char *v, *text;
  size_t      len = 0;
  int         seg;

  snprintf(key, sizeof(key), "%s*", name);
  if ((v = find_param(params, count, key)) != NULL)
  {
    if (!split_charset(v, charset, sizeof(charset), &text) || !percent_decode(text, raw, sizeof(raw), &len))
      return (-1);
    return (charset_to_utf8(charset[0] ? charset : "us-ascii", raw, len, out, outsize) ? 1 : -1);
  }

  raw[0] = '\0';
  for (seg = 0; seg < GW_MAIL_PARAM_SEGMENTS; seg ++)
  {
    snprintf(key, sizeof(key), "%s*%d*", name, seg);
    if ((v = find_param(params, count, key)) != NULL)
    {
      if (seg == 0)
      {
        if (!split_charset(v, charset, sizeof(charset), &text))
          return (-1);
        v = text;
      }
      if (!percent_decode(v, raw, sizeof(raw), &len))
        return (-1);
      continue;
    }

    snprintf(key, sizeof(key), "%s*%d", name, seg);
    if ((v = find_param(params, count, key)) == NULL)
      break;
    if (len + strlen(v) >= sizeof(raw))
      return (-1);
    memcpy(raw + len, v, strlen(v) + 1);
    len += strlen(v);
  }

  if (seg == 0)
    return (0);

  return (charset_to_utf8(charset[0] ? charset : "us-ascii", raw, len, out, outsize) ? 1 : -1);
}


/*
 * 'gwMailParamDecode()' - Decode a parameter to UTF-8: RFC 2231 first, then
 *                         the plain value with RFC 2047 encoded-words.
 */

bool
gwMailParamDecode(const gw_mail_param_t *params, int count, const char *name, char *out, size_t outsize)
{
  const char *v;
  int         rc;

  if (!outsize)
    return (false);
  *out = '\0';

  if ((rc = decode_2231(params, count, name, out, outsize)) != 0)
    return (rc > 0);

  if ((v = find_param(params, count, name)) == NULL)
    return (false);

  return (gwMailDecodeWords(v, out, outsize));
}


/*
 * 'decode_word()' - One encoded-word "=?cs?E?text?=" at s: its UTF-8 goes
 *                   to out; returns the bytes consumed, 0 if s is not one.
 */

static size_t
decode_word(const char *s, char *out, size_t outsize)
{
  const char *cs = s + 2, *q1, *q2, *end, *star;
  char        charset[48], raw[512];
  size_t      len = 0;
  char        enc;

  if (strncmp(s, "=?", 2) || (q1 = strchr(cs, '?')) == NULL || !q1[1] || q1[2] != '?' ||
      (end = strstr(q1 + 3, "?=")) == NULL || (size_t)(q1 - cs) >= sizeof(charset) || q1 == cs)
    return (0);
  for (const char *p = cs; p < end; p ++)
    if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
      return (0);                       /* An encoded-word has no white space */

  memcpy(charset, cs, (size_t)(q1 - cs));
  charset[q1 - cs] = '\0';
  if ((star = strchr(charset, '*')) != NULL)
    *(char *)star = '\0';               /* RFC 2231 language: "UTF-8*de" */
  enc = (char)toupper((unsigned char)q1[1]);
  q2  = q1 + 3;

  if (enc == 'Q')
  {
    for (const char *p = q2; p < end && len + 1 < sizeof(raw); p ++)
    {
      int h, l;

      if (*p == '_')
        raw[len ++] = ' ';
      else if (*p == '=' && p + 2 < end + 1 && (h = gwHexValue(p[1])) >= 0 && (l = gwHexValue(p[2])) >= 0)
      {
        raw[len ++] = (char)(h * 16 + l);
        p += 2;
      }
      else
        raw[len ++] = *p;
    }
  }
  else if (enc == 'B')
  {
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned bits = 0;
    int      nbits = 0;

    for (const char *p = q2; p < end && *p != '=' && len + 1 < sizeof(raw); p ++)
    {
      const char *c = strchr(b64, *p);

      if (!c || !*p)
        return (0);
      bits   = (bits << 6) | (unsigned)(c - b64);
      nbits += 6;
      if (nbits >= 8)
      {
        nbits -= 8;
        raw[len ++] = (char)((bits >> nbits) & 0xff);
      }
    }
  }
  else
    return (0);

  if (!charset_to_utf8(charset, raw, len, out, outsize))
    return (0);

  return ((size_t)(end + 2 - s));
}


/*
 * 'gwMailDecodeWords()' - Decode RFC 2047 encoded-words in 'in' to UTF-8;
 *                         white space between two encoded-words goes, as
 *                         RFC 2047 says; other text is kept.  false when
 *                         the result does not fit.
 */

bool
gwMailDecodeWords(const char *in, char *out, size_t outsize)
{
  size_t len = 0;
  bool   last_word = false;

  if (!outsize)
    return (false);
  *out = '\0';

  while (*in)
  {
    char   word[512];
    size_t used;

    if (in[0] == '=' && in[1] == '?' && (used = decode_word(in, word, sizeof(word))) > 0)
    {
      size_t wlen = strlen(word);

      if (len + wlen >= outsize)
        return (false);
      memcpy(out + len, word, wlen + 1);
      len      += wlen;
      in       += used;
      last_word = true;
      continue;
    }

    if (last_word && (*in == ' ' || *in == '\t' || *in == '\r' || *in == '\n'))
    {
      const char *p = in;

      while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p ++;
      if (p[0] == '=' && p[1] == '?' && decode_word(p, word, sizeof(word)) > 0)
      {
        in = p;                         /* Drop the space between two words */
        continue;
      }
    }

    if (len + 1 >= outsize)
      return (false);
    out[len ++] = *in ++;
    out[len]    = '\0';
    last_word   = false;
  }

  return (true);
}


/*
 * 'gwMailFilenameClean()' - Keep the last path component, replace control
 *                           characters, path separators and invalid UTF-8
 *                           with '_', drop leading dots and spaces, and cut
 *                           at a character boundary.
 */

void
gwMailFilenameClean(const char *in, char *out, size_t outsize)
{
  const unsigned char *s;
  size_t               len = 0, max = outsize ? outsize - 1 : 0, inlen;

  if (!outsize)
    return;
  if (max > GW_MAIL_FILENAME_MAX)
    max = GW_MAIL_FILENAME_MAX;

  for (const char *p = in; *p; p ++)
    if ((*p == '/' || *p == '\\') && p[1])
      in = p + 1;

  while (*in == '.' || *in == ' ')
    in ++;

  s     = (const unsigned char *)in;
  inlen = strlen(in);
  for (size_t i = 0; i < inlen;)
  {
    size_t n = utf8_valid_len(s + i, inlen - i);

    if (n == 0 || s[i] < 0x20 || s[i] == 0x7f || s[i] == '/' || s[i] == '\\')
    {
      if (len + 1 > max)
        break;
      out[len ++] = '_';
      i += n ? n : 1;
      continue;
    }
    if (len + n > max)
      break;
    memcpy(out + len, s + i, n);
    len += n;
    i   += n;
  }
  out[len] = '\0';
}


/*
 * 'gwMailParamSplit()' - Split a header value in place: skip the value
 *                        before the first ';' (the type), then name=value
 *                        pairs, quoted strings unquoted.  At most max.
 */

int
gwMailParamSplit(char *value, gw_mail_param_t *params, int max)
{
  char *s = value;
  int   count = 0;
  bool  in_quote = false, more;

  for (; *s && (in_quote || *s != ';'); s ++)   /* Skip the type */
    if (*s == '"')
      in_quote = !in_quote;

  more = *s == ';';
  while (more && count < max)
  {
    char *name, *v, *w, *end;

    /* This parameter ends at the next ';' outside quotes. */
    name = ++ s;
    for (end = s, in_quote = false; *end && (in_quote || *end != ';'); end ++)
    {
      if (*end == '\\' && in_quote && end[1])
        end ++;
      else if (*end == '"')
        in_quote = !in_quote;
    }
    more = *end == ';';
    *end = '\0';

    while (isspace((unsigned char)*name))
      name ++;
    if ((v = strchr(name, '=')) != NULL)
    {
      for (w = v; w > name && isspace((unsigned char)w[-1]); w --);
      *w = '\0';
      v ++;
      while (isspace((unsigned char)*v))
        v ++;
      if (*v == '"')
      {
        char *r = ++ v;

        for (w = v; *r && *r != '"'; r ++)
        {
          if (*r == '\\' && r[1])
            r ++;
          *w++ = *r;
        }
        *w = '\0';
      }
      else
      {
        for (w = v + strlen(v); w > v && isspace((unsigned char)w[-1]); w --);
        *w = '\0';
      }
      if (*name)
      {
        params[count].name  = name;
        params[count].value = v;
        count ++;
      }
    }

    s = end;                            /* The loop's ++ s steps past it */
  }

  return (count);
}
