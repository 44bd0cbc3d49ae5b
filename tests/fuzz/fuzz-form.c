/*
 * fuzz-form.c - libFuzzer harness for the web portal's
 *               application/x-www-form-urlencoded field parser
 *               (_gwWebFormValue()), the HTML escaping every user string
 *               on a page goes through (_gwWebBufAddHtml()) and the path
 *               part check (_gwWebSafeName()), all in web-upload/web-text.c.
 *
 * Input: byte 0 picks the output buffer's size (0 to 63 bytes, malloc'd to
 * the byte so ASan sees any overrun), byte 1 the field name's length (0 to
 * 7), then the name, then the form body (up to its first NUL, as the
 * portal hands it over).  Promises:
 *
 *   - _gwWebFormValue() agrees with a reference decoder written here from
 *     the rules (fields split at '&', the first field of that exact name,
 *     '+' is a space, %XX with two hex digits, %00 and a value that does
 *     not fit refused): the same answer and the same bytes;
 *   - any value, percent-encoded, comes back byte for byte from a form
 *     that holds it first and a decoy of the same name after (false only
 *     when it does not fit);
 *   - the escaped form body has no raw < > " ' and no control characters,
 *     every '&' starts one of the five entities, and unescaping gives the
 *     body back with control characters as U+FFFD;
 *   - a name _gwWebSafeName() takes is 1 to 127 of [A-Za-z0-9._@-] and
 *     neither "." nor "..".
 */

#define GW_FUZZ_NAME "fuzz-form"
#include "fuzz-common.h"
#include "web-private.h"

#include <printgate/text.h>

#define FORM_MAX  65536


/*
 * 'ref_value()' - The reference decoder: 1 with the value in out, or 0.
 */

static int
ref_value(const char *form, const char *name, char *out, size_t outsize)
{
  size_t      namelen = strlen(name);
  const char *p = form;

  while (p && *p)
  {
    const char *end = strchr(p, '&');
    size_t      seglen = end ? (size_t)(end - p) : strlen(p);

    if (seglen > namelen && !memcmp(p, name, namelen) && p[namelen] == '=')
    {
      size_t o = 0;

      for (size_t i = namelen + 1; i < seglen; i ++)
      {
        int ch = (unsigned char)p[i];

        if (ch == '+')
          ch = ' ';
        else if (ch == '%')
        {
          int hi = i + 1 < seglen ? gwHexValue(p[i + 1]) : -1, lo = i + 2 < seglen ? gwHexValue(p[i + 2]) : -1;

          if (hi < 0 || lo < 0 || hi * 16 + lo == 0)
            return (0);
          ch = hi * 16 + lo;
          i += 2;
        }
        if (o + 1 >= outsize)
          return (0);
        out[o ++] = (char)ch;
      }
      if (outsize == 0)
        return (0);
      out[o] = '\0';
      return (1);
    }
    p = end ? end + 1 : NULL;
  }

  return (0);
}


/*
 * 'check_parser()' - The parser against the reference, with a buffer of
 *                    exactly bufsize bytes.
 */

static void
check_parser(const char *form, const char *name, size_t bufsize)
{
  char *buf = malloc(bufsize ? bufsize : 1), *ref = malloc(bufsize + 1);
  bool  got;
  int   want;

  if (!buf || !ref)
    fail("out of memory");
  if (bufsize == 0)
  {
    free(buf);
    buf = malloc(0);                    /* Any write to it is an overrun */
  }

  got  = _gwWebFormValue(form, name, buf, bufsize);
  want = ref_value(form, name, ref, bufsize);
  if (got != (want == 1))
    fail("the parser and the reference disagree on whether the field is there");
  if (got && (strlen(buf) >= bufsize || strcmp(buf, ref)))
    fail("the parser and the reference decoded different bytes");

  free(buf);
  free(ref);
}


/*
 * 'check_roundtrip()' - A value, percent-encoded, comes back.
 */

static void
check_roundtrip(const char *value, const char *name, size_t bufsize)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t            vlen = strlen(value), nlen = strlen(name), o = 0;
  char             *form = malloc(2 * (nlen + 1) + 3 * vlen + 8), *buf = malloc(bufsize ? bufsize : 1);
  bool              got;

  if (!form || !buf)
    fail("out of memory");

  memcpy(form, name, nlen);
  o = nlen;
  form[o ++] = '=';
  for (size_t i = 0; i < vlen; i ++)
  {
    unsigned char ch = (unsigned char)value[i];

    if (ch == ' ')
      form[o ++] = '+';
    else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.')
      form[o ++] = (char)ch;
    else
    {
      form[o ++] = '%';
      form[o ++] = hex[ch >> 4];
      form[o ++] = hex[ch & 15];
    }
  }
  form[o ++] = '&';
  memcpy(form + o, name, nlen);
  o += nlen;
  memcpy(form + o, "=zz", 4);

  got = bufsize > 0 && _gwWebFormValue(form, name, buf, bufsize);
  if (got != (vlen < bufsize))
    fail("an encoded value that fits was refused, or one that does not fit was taken");
  if (got && strcmp(buf, value))
    fail("an encoded value came back different");

  free(form);
  free(buf);
}


/*
 * 'check_html()' - The escaped text holds no markup and unescapes back.
 */

static void
check_html(const char *text)
{
  static const char * const entities[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
  static const char         plain[] = "&<>\"'";
  web_buf_t                 b;
  size_t                    i = 0, t = 0;

  memset(&b, 0, sizeof(b));
  _gwWebBufAddHtml(&b, text);
  if (b.failed)
    fail("escaping a small text failed");

  while (b.data && b.data[i])
  {
    unsigned char ch = (unsigned char)b.data[i];
    int           e;

    if (ch == '<' || ch == '>' || ch == '"' || ch == '\'' || ch < 0x20 || ch == 0x7f)
      fail("markup or a control character in escaped text");

    if (ch == '&')
    {
      for (e = 0; e < 5 && strncmp(b.data + i, entities[e], strlen(entities[e])); e ++);
      if (e == 5)
        fail("an '&' that starts no entity");
      if (text[t] != plain[e])
        fail("an entity for a different character");
      i += strlen(entities[e]);
      t ++;
    }
    else if (!strncmp(b.data + i, "\xEF\xBF\xBD", 3) && ((unsigned char)text[t] < 0x20 || text[t] == 0x7f))
    {
      i += 3;
      t ++;
    }
    else
    {
      if (text[t] != (char)ch)
        fail("escaped text does not unescape to the input");
      i ++;
      t ++;
    }
  }
  if (text[t])
    fail("escaped text is shorter than the input");

  _gwWebBufFree(&b);
}


/*
 * 'check_safe_name()' - What the path part check takes.
 */

static void
check_safe_name(const char *s)
{
  size_t len = strlen(s);

  if (!_gwWebSafeName(s))
    return;
  if (len < 1 || len > 127 || !strcmp(s, ".") || !strcmp(s, ".."))
    fail("a path part of the wrong length, or a dot name, was taken");
  for (size_t i = 0; i < len; i ++)
    if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@-", s[i]))
      fail("a path part with a character outside [A-Za-z0-9._@-] was taken");
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  static char form[FORM_MAX + 1];
  char        name[8];
  size_t      bufsize, namelen;

  if (size < 2 || size > FORM_MAX)
    return (0);

  bufsize = data[0] % 64;
  namelen = data[1] % 8;
  if (size < 2 + namelen)
    return (0);

  /* The name: never NUL, '&' or '=' (the portal's names are fixed words) */
  for (size_t i = 0; i < namelen; i ++)
  {
    unsigned char ch = data[2 + i];

    if (!ch || ch == '&' || ch == '=')
      return (0);
    name[i] = (char)ch;
  }
  name[namelen] = '\0';

  if (!gw_fuzz_text(data + 2 + namelen, size - 2 - namelen, form, sizeof(form)))
    return (0);

  check_parser(form, name, bufsize);
  check_parser(form, name, 4096);
  check_roundtrip(form, name, bufsize);
  check_html(form);
  check_safe_name(form);

  return (0);
}
