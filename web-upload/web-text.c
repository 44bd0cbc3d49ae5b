/*
 * web-text.c - text for the web portal: a growing buffer with a ceiling,
 * HTML escaping (every user string on a page goes through
 * _gwWebBufAddHtml()), urlencoded form fields, base64 (QR codes as data:
 * images) and the name check for path parts.
 */

#include "web-private.h"

#include <printgate/text.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * '_gwWebBufAppend()' - Append bytes; false (and the buffer marked failed)
 *                       past WEB_BUF_MAX or out of memory.
 */

bool
_gwWebBufAppend(web_buf_t *b, const void *data, size_t len)
{
  if (b->failed)
    return (false);

  if (b->len + len + 1 > b->size)
  {
    size_t size = b->size ? b->size : 1024;
    char  *p;

    while (size < b->len + len + 1)
      size *= 2;
    if (size > WEB_BUF_MAX + 1 || (p = realloc(b->data, size)) == NULL)
    {
      b->failed = true;
      return (false);
    }
    b->data = p;
    b->size = size;
  }

  memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';

  return (true);
}


/*
 * '_gwWebBufAdd()' - Append a string.
 */

void
_gwWebBufAdd(web_buf_t *b, const char *s)
{
  if (s)
    _gwWebBufAppend(b, s, strlen(s));
}


/*
 * '_gwWebBufAddf()' - Append formatted text (never user text: that goes
 *                     through _gwWebBufAddHtml()).
 */

void
_gwWebBufAddf(web_buf_t *b, const char *format, ...)
{
  char    buf[2048];
  va_list ap;
  int     n;

  va_start(ap, format);
  n = vsnprintf(buf, sizeof(buf), format, ap);
  va_end(ap);

  if (n < 0 || (size_t)n >= sizeof(buf))
    b->failed = true;
  else
    _gwWebBufAppend(b, buf, (size_t)n);
}


/*
 * '_gwWebBufAddHtml()' - Append a string HTML-escaped (text and attribute
 *                        values alike); control characters become U+FFFD.
 */

void
_gwWebBufAddHtml(web_buf_t *b, const char *s)
{
  static const char         specials[] = "&<>\"'";
  static const char * const entities[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };

  for (; s && *s; s ++)
  {
    unsigned char ch = (unsigned char)*s;
    const char   *special = strchr(specials, ch);   /* ch is not NUL here */

    if (special)
      _gwWebBufAdd(b, entities[special - specials]);
    else if (ch < 0x20 || ch == 0x7f)
      _gwWebBufAdd(b, "\xEF\xBF\xBD");
    else
      _gwWebBufAppend(b, s, 1);
  }
}


/*
 * '_gwWebBufFree()' - Free a buffer's text (wiped: it may be a secret).
 */

void
_gwWebBufFree(web_buf_t *b)
{
  if (b->data)
  {
    gwWipe(b->data, b->size);
    free(b->data);
  }
  memset(b, 0, sizeof(web_buf_t));
}


/*
 * '_gwWebFormValue()' - A field of an application/x-www-form-urlencoded
 *                       body, decoded ('+' = space, %XX); false when it is
 *                       missing, too long for buf, or holds a NUL.
 *                       tests/fuzz/fuzz-form.c holds it to a reference.
 */

bool
_gwWebFormValue(const char *form, const char *name, char *buf, size_t bufsize)
{
  size_t namelen = strlen(name);

  if (bufsize == 0)
    return (false);                     /* Not even room for the NUL */

  for (const char *p = form; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
  {
    size_t o = 0;

    if (strncmp(p, name, namelen) || p[namelen] != '=')
      continue;

    for (p += namelen + 1; *p && *p != '&'; p ++)
    {
      int ch = *p;

      if (ch == '+')
        ch = ' ';
      else if (ch == '%')
      {
        int hi = gwHexValue(p[1]), lo = hi < 0 ? -1 : gwHexValue(p[2]);

        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
          return (false);
        ch = hi * 16 + lo;
        p += 2;
      }
      if (o + 1 >= bufsize)
        return (false);
      buf[o ++] = (char)ch;
    }
    buf[o] = '\0';
    return (true);
  }

  return (false);
}


/*
 * '_gwWebBase64()' - Append base64 (with padding) of some bytes (the core's
 *                    encoder, gwBufferAddBase64(), into a web buffer).
 */

bool
_gwWebBase64(const unsigned char *in, size_t len, web_buf_t *b)
{
  gw_buffer_t enc = { 0 };
  bool        ok;

  gwBufferAddBase64(&enc, in, len);
  ok = !enc.failed && (enc.len == 0 || _gwWebBufAppend(b, enc.data, enc.len));
  free(enc.data);

  return (ok);
}


/*
 * '_gwWebSafeName()' - Is s a path part we take: [A-Za-z0-9._@-]{1,127},
 *                      not "." or ".."?
 */

bool
_gwWebSafeName(const char *s)
{
  size_t i;

  if (!s || !strcmp(s, ".") || !strcmp(s, ".."))
    return (false);

  for (i = 0; s[i]; i ++)
  {
    char ch = s[i];

    if (i >= WEB_PARAM_MAX - 1 || !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '@' || ch == '-'))
      return (false);
  }

  return (i > 0);
}
