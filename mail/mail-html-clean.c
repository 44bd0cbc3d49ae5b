/*
 * mail-html-clean.c - an HTML mail body made safe to hand to the Office
 * pool (docs/mail.md, "What is printed"): every `cid:` picture becomes a
 * `data:` URI of that part's bytes (PNG, JPEG, GIF only, capped), and every
 * other URL is removed before LibreOffice sees the page, besides the
 * network namespace it runs in (defence in depth).
 *
 * Policy, by allow-list:
 *   - URL attributes (src, href, background, poster, data, action, ...):
 *     kept only as "#fragment"; "cid:X" becomes "data:TYPE;base64,..." when
 *     X is a picture of the message (within the caps); anything else
 *     (http:, https:, file:, ftp:, //host, entity-encoded schemes) is dropped.
 *   - srcset, on* handlers, and attributes longer than GW_MAIL_HTML_ATTR_MAX
 *     are dropped; a style attribute with '&', '"' or '\' in it is dropped.
 *   - CSS (style attributes and <style> elements): backslashes and '<'
 *     become spaces, "@import" becomes "@x-import", and url(, image(, image-set(,
 *     src( functions get an "x-" prefix (an unknown function: ignored).
 *   - <script> elements are dropped with their content; <meta>, <link>,
 *     <base>, <iframe>, <frame>, <frameset>, <object>, <embed>, <applet>,
 *     <form>, <audio>, <video>, <source>, <track> tags are dropped (their
 *     text content, if any, stays as text); comments, <!...> and <?...>
 *     are dropped.
 *   - A tag or attribute whose name is not [A-Za-z0-9:_.-]+ is dropped (a
 *     parser that ends names elsewhere sees no attribute we did not
 *     check); an unterminated tag or comment at the end drops the rest;
 *     NUL bytes are dropped.
 *
 * One pass, no recursion, no regular expression; input capped at
 * GW_MAIL_HTML_CLEAN_MAX bytes, tag and attribute names at fixed sizes,
 * the output at the input plus the pictures (base64) plus a small
 * constant per tag.  Thread-safe.
 */

#include "mail-private.h"

#include <printgate/text.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct clean_s                  /* The output and the caps' state */
{
  gw_buffer_t         out;              /* The page (out.failed: out of memory) */
  gw_mail_cid_cb_t    cb;
  void               *ctx;
  size_t              images;           /* Bytes of pictures embedded so far */
} clean_t;

static const char * const url_attrs[] = /* Attributes whose value is a URL */
{
  "action", "archive", "background", "cite", "classid", "codebase", "data", "dynsrc", "formaction", "href",
  "icon", "longdesc", "lowsrc", "manifest", "ping", "poster", "profile", "src", "usemap", "xlink:href", "xmlns:xlink"
};

static const char * const dropped_tags[] = /* Tags removed (their text content stays) */
{
  "applet", "audio", "base", "embed", "form", "frame", "frameset", "iframe", "link", "meta", "object", "source",
  "track", "video"
};

static const char * const css_functions[] = /* CSS functions that fetch */
{
  "url", "image", "image-set", "-webkit-image-set", "src", "cross-fade", "element"
};


/*
 * 'out_put()' - Append bytes.
 */

static void
out_put(clean_t *c, const char *s, size_t n)
{
  gwBufferAdd(&c->out, s, n);
}


/*
 * 'in_list()' - Whether 'name' is one of 'list' (case-insensitive).
 */

static bool
in_list(const char *name, const char * const *list, size_t count)
{
  for (size_t i = 0; i < count; i ++)
    if (!strcasecmp(name, list[i]))
      return (true);

  return (false);
}


/*
 * 'name_ok()' - Whether a tag or attribute name is plain ([A-Za-z0-9:_.-]+):
 *               a parser that splits names elsewhere cannot find an
 *               attribute inside one.
 */

static bool
name_ok(const char *name)
{
  if (!*name)
    return (false);
  for (; *name; name ++)
    if (!isalnum((unsigned char)*name) && !strchr(":_.-", *name))
      return (false);

  return (true);
}


/*
 * 'put_css()' - Append CSS with its fetching parts neutralised.
 */

static void
put_css(clean_t *c, const char *s, size_t n)
{
  size_t i = 0, start;
  char   ident[32];

  while (i < n && !c->out.failed)
  {
    if (s[i] == '\\' || s[i] == '<')
    {
      out_put(c, " ", 1);               /* No escapes ("u\rl(" must not become url(), no '<' */
      i ++;
      continue;
    }
    if (s[i] == '@')
    {
      out_put(c, "@x-", 3);             /* @import, @font-face, @namespace: all unknown at-rules now */
      i ++;
      continue;
    }
    if (!isalpha((unsigned char)s[i]) && s[i] != '-')
    {
      if (s[i])
        out_put(c, s + i, 1);
      i ++;
      continue;
    }
    for (start = i; i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_'); i ++);
    snprintf(ident, sizeof(ident), "%.*s", (int)(i - start < sizeof(ident) ? i - start : sizeof(ident) - 1), s + start);
    if (i < n && s[i] == '(' && in_list(ident, css_functions, sizeof(css_functions) / sizeof(css_functions[0])))
      out_put(c, "x-", 2);
    out_put(c, s + start, i - start);
  }
}


/*
 * 'put_cid()' - Append the data: URI of picture 'cid' (its value without
 *               "cid:"); false when there is none, it is not PNG, JPEG
 *               or GIF, or a cap is reached.
 */

static bool
put_cid(clean_t *c, const char *cid)
{
  const char *type, *data;
  size_t      size;

  if (!c->cb || !(c->cb)(c->ctx, cid, &type, &data, &size) || size == 0 || size > GW_MAIL_HTML_IMAGE_MAX ||
      size > GW_MAIL_HTML_IMAGES_MAX - c->images)
    return (false);
  if (strcasecmp(type, "image/png") && strcasecmp(type, "image/jpeg") && strcasecmp(type, "image/gif"))
    return (false);
  c->images += size;
  out_put(c, " src=\"data:", 11);
  out_put(c, type, strlen(type));
  out_put(c, ";base64,", 8);
  gwBufferAddBase64(&c->out, data, size);
  out_put(c, "\"", 1);

  return (true);
}


/*
 * 'put_value()' - Append an attribute value: '"' as &quot;, no NUL byte.
 */

static void
put_value(clean_t *c, const char *value, size_t vlen)
{
  for (size_t i = 0; i < vlen; i ++)
    if (value[i] == '"')
      out_put(c, "&quot;", 6);
    else if (value[i])
      out_put(c, value + i, 1);
}


/*
 * 'put_attr()' - Append one attribute, by the policy at the top; 'value'
 *                is NULL for an attribute without one.
 */

static void
put_attr(clean_t *c, const char *name, const char *value, size_t vlen)
{
  if (!name_ok(name) || !strncasecmp(name, "on", 2) || !strcasecmp(name, "srcset") || !strcasecmp(name, "imagesrcset") || vlen > GW_MAIL_HTML_ATTR_MAX)
    return;
  if (value && in_list(name, url_attrs, sizeof(url_attrs) / sizeof(url_attrs[0])))
  {
    char v[GW_MAIL_HTML_ATTR_MAX + 1];
    const char *p;

    snprintf(v, sizeof(v), "%.*s", (int)vlen, value);
    for (p = v; *p && isspace((unsigned char)*p); p ++);
    if (!strncasecmp(p, "cid:", 4) && !strcasecmp(name, "src") && memchr(value, '"', vlen) == NULL)
      put_cid(c, p + 4);
    else if (*p == '#')
    {
      out_put(c, " ", 1);
      out_put(c, name, strlen(name));
      out_put(c, "=\"", 2);
      put_value(c, p, strlen(p));       /* Without the leading white space */
      out_put(c, "\"", 1);
    }
    return;
  }
  if (value && !strcasecmp(name, "style") && (memchr(value, '&', vlen) || memchr(value, '\\', vlen) || memchr(value, '"', vlen)))
    return;

  out_put(c, " ", 1);
  out_put(c, name, strlen(name));
  if (!value)
    return;
  out_put(c, "=\"", 2);
  if (!strcasecmp(name, "style"))
    put_css(c, value, vlen);
  else
    put_value(c, value, vlen);
  out_put(c, "\"", 1);
}


/*
 * 'skip_to()' - The index just past 'end' at or after i (n when absent).
 */

static size_t
skip_to(const char *s, size_t i, size_t n, const char *end)
{
  size_t elen = strlen(end);

  for (; i + elen <= n; i ++)
    if (!strncasecmp(s + i, end, elen))
      return (i + elen);

  return (n);
}


/*
 * 'close_raw()' - The index of "</name" at or after i (n when absent).
 */

static size_t
close_raw(const char *s, size_t i, size_t n, const char *name)
{
  size_t nlen = strlen(name);

  for (; i + 2 + nlen <= n; i ++)
    if (s[i] == '<' && s[i + 1] == '/' && !strncasecmp(s + i + 2, name, nlen))
      return (i);

  return (n);
}


/*
 * 'tag()' - One tag at s[i] == '<' (a letter or '/' follows); returns the
 *           index past it, with its name in 'name'.
 */

static size_t
tag(clean_t *c, const char *s, size_t i, size_t n, char *name, size_t namesize)
{
  size_t start, nlen = 0, vstart, vlen, mark = c->out.len;
  bool   end = s[i + 1] == '/', drop;
  char   aname[64];

  for (i += end ? 2 : 1, start = i; i < n && !isspace((unsigned char)s[i]) && s[i] != '/' && s[i] != '>'; i ++, nlen ++);
  snprintf(name, namesize, "%.*s", (int)(nlen < namesize ? nlen : namesize - 1), s + start);
  drop = nlen >= namesize || !name_ok(name) || in_list(name, dropped_tags, sizeof(dropped_tags) / sizeof(dropped_tags[0])) || !strcasecmp(name, "script");
  if (!drop)
  {
    out_put(c, end ? "</" : "<", end ? 2 : 1);
    out_put(c, name, strlen(name));
  }
  while (i < n && s[i] != '>')
  {
    if (isspace((unsigned char)s[i]) || s[i] == '/')
    {
      i ++;
      continue;
    }
    for (start = i; i < n && !isspace((unsigned char)s[i]) && s[i] != '/' && s[i] != '>' && s[i] != '=' && i - start < sizeof(aname) - 1; i ++);
    if (i == start)
    {
      i ++;                             /* A lone '=': skip it */
      continue;
    }
    snprintf(aname, sizeof(aname), "%.*s", (int)(i - start), s + start);
    for (; i < n && !isspace((unsigned char)s[i]) && s[i] != '/' && s[i] != '>' && s[i] != '='; i ++);   /* Over-long name: the rest */
    for (; i < n && isspace((unsigned char)s[i]); i ++);
    if (i >= n || s[i] != '=')
    {
      if (!drop && !end && aname[0])
        put_attr(c, aname, NULL, 0);
      continue;
    }
    for (i ++; i < n && isspace((unsigned char)s[i]); i ++);
    if (i < n && (s[i] == '"' || s[i] == '\''))
    {
      char q = s[i ++];

      for (vstart = i; i < n && s[i] != q; i ++);
      if (i >= n)
        break;                          /* Unterminated value: the rest is dropped */
      vlen = i ++ - vstart;
    }
    else
    {
      for (vstart = i; i < n && !isspace((unsigned char)s[i]) && s[i] != '>'; i ++);
      vlen = i - vstart;
    }
    if (!drop && !end && aname[0])
      put_attr(c, aname, s + vstart, vlen);
  }
  if (i >= n)
  {
    if (!c->out.failed)                 /* Unterminated tag: dropped, with what was written of it */
      c->out.data[c->out.len = mark] = '\0';
    return (n);
  }
  if (!drop)
    out_put(c, ">", 1);
  if (drop && !strcasecmp(name, "script") && !end)
    return (skip_to(s, close_raw(s, i + 1, n, "script"), n, ">"));

  return (i + 1);
}


/*
 * 'gwMailHtmlClean()' - The page to convert: a UTF-8 HTML document with
 *                       cid: pictures inlined and nothing remote; NULL
 *                       when out of memory or the input is over the cap.
 */

char *
gwMailHtmlClean(const char *in, size_t len, gw_mail_cid_cb_t cb, void *ctx, size_t *outlen)
{
  clean_t c = { { NULL, 0, 0, false }, cb, ctx, 0 };
  size_t  i = 0, start;
  char    name[32];

  if (len > GW_MAIL_HTML_CLEAN_MAX)
    return (NULL);
  out_put(&c, "<!DOCTYPE html>\n<meta charset=\"utf-8\">\n", 39);

  while (i < len && !c.out.failed)
  {
    for (start = i; i < len && in[i] != '<' && in[i] != '\0'; i ++);
    out_put(&c, in + start, i - start);
    if (i >= len)
      break;
    if (in[i] == '\0')
    {
      i ++;                             /* NUL bytes are dropped everywhere */
      continue;
    }
    if (i + 1 < len && (isalpha((unsigned char)in[i + 1]) || (in[i + 1] == '/' && i + 2 < len && isalpha((unsigned char)in[i + 2]))))
    {
      bool endtag = in[i + 1] == '/';

      i = tag(&c, in, i, len, name, sizeof(name));
      if (!endtag && !strcasecmp(name, "style") && in[i - 1] == '>' && in[i - 2] != '/')
      {
        size_t end = close_raw(in, i, len, "style");

        put_css(&c, in + i, end - i);
        i = end;
      }
    }
    else if (i + 3 < len && !strncmp(in + i, "<!--", 4))
      i = skip_to(in, i + 4, len, "-->");
    else if (i + 1 < len && (in[i + 1] == '!' || in[i + 1] == '?'))
      i = skip_to(in, i + 2, len, ">");
    else
    {
      out_put(&c, "&lt;", 4);
      i ++;
    }
  }
  if (c.out.failed)
  {
    free(c.out.data);
    return (NULL);
  }
  *outlen = c.out.len;

  return (c.out.data);
}
