/*
 * mail-html.c - the text rendering of an HTML mail body (docs/mail.md,
 * "What is printed"): tags stripped, block elements as line breaks, list
 * items as "- ", entities decoded, <script>, <style>, <head> and comments
 * dropped.  Nothing is ever fetched: the output is plain text, and images
 * (remote or cid:) are left out.
 *
 * One pass over the input, no recursion, no allocation: the output is at
 * most twice the input plus a few bytes (gwMailHtmlTextSize()), and every
 * write is bounded by the buffer anyway.  Thread-safe.
 */

#include "mail-private.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

typedef struct html_out_s               /* The output buffer */
{
  char   *buf;
  size_t  size, len;
  int     newlines;                     /* Newlines at the end of the output (collapse: at most 2) */
  bool    space;                        /* A space is pending (collapsed white space) */
} html_out_t;


/*
 * 'gwMailHtmlTextSize()' - The buffer size that always holds the text of
 *                          'len' bytes of HTML.
 */

size_t
gwMailHtmlTextSize(size_t len)
{
  return (2 * len + 16);
}


/*
 * 'put()' - Append bytes (dropped when the buffer is full).
 */

static void
put(html_out_t *o, const char *s, size_t n)
{
  if (n == 0)
    return;
  if (o->space && o->newlines == 0 && o->len > 0 && o->len + 1 < o->size)
    o->buf[o->len ++] = ' ';
  o->space = false;
  if (n > o->size - 1 - o->len)
    n = o->size - 1 - o->len;
  memcpy(o->buf + o->len, s, n);
  o->len     += n;
  o->newlines = 0;
}


/*
 * 'newline()' - End the line (at most one empty line in a row, none at
 *               the start).
 */

static void
newline(html_out_t *o, int want)
{
  o->space = false;
  while (o->len > 0 && o->newlines < want && o->len + 1 < o->size)
  {
    o->buf[o->len ++] = '\n';
    o->newlines ++;
  }
}


/*
 * 'put_codepoint()' - Append a code point as UTF-8 (U+FFFD for one that
 *                     is not a character).
 */

static void
put_codepoint(html_out_t *o, uint32_t c)
{
  char u[4];

  if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
    c = 0xFFFD;
  if (c == 0xA0 || c == '\t' || c == '\n' || c == '\r')
  {
    o->space = true;
    return;
  }
  if (c < 0x20 || c == 0x7F)
    return;                             /* Control characters are not printed */
  if (c < 0x80)
    u[0] = (char)c, put(o, u, 1);
  else if (c < 0x800)
    u[0] = (char)(0xC0 | (c >> 6)), u[1] = (char)(0x80 | (c & 0x3F)), put(o, u, 2);
  else if (c < 0x10000)
    u[0] = (char)(0xE0 | (c >> 12)), u[1] = (char)(0x80 | ((c >> 6) & 0x3F)), u[2] = (char)(0x80 | (c & 0x3F)), put(o, u, 3);
  else
    u[0] = (char)(0xF0 | (c >> 18)), u[1] = (char)(0x80 | ((c >> 12) & 0x3F)), u[2] = (char)(0x80 | ((c >> 6) & 0x3F)), u[3] = (char)(0x80 | (c & 0x3F)), put(o, u, 4);
}


/*
 * 'entity()' - Decode the entity at in[*i] ('&'); false (nothing used)
 *              when it is not one.
 */

static bool
entity(const char *in, size_t len, size_t *i, html_out_t *o)
{
  static const struct { const char *name; uint32_t c; } names[] =
  {
    { "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' }, { "nbsp", 0xA0 },
    { "copy", 0xA9 }, { "reg", 0xAE }, { "trade", 0x2122 }, { "euro", 0x20AC }, { "pound", 0xA3 },
    { "ndash", 0x2013 }, { "mdash", 0x2014 }, { "hellip", 0x2026 }, { "laquo", 0xAB }, { "raquo", 0xBB },
    { "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "ldquo", 0x201C }, { "rdquo", 0x201D }, { "bull", 0x2022 },
    { "middot", 0xB7 }, { "deg", 0xB0 }, { "auml", 0xE4 }, { "ouml", 0xF6 }, { "uuml", 0xFC }, { "Auml", 0xC4 },
    { "Ouml", 0xD6 }, { "Uuml", 0xDC }, { "szlig", 0xDF }, { "eacute", 0xE9 }, { "egrave", 0xE8 }, { "agrave", 0xE0 },
    { "ccedil", 0xE7 }, { "shy", 0xAD }, { "zwnj", 0x200C }, { "zwj", 0x200D }
  };
  size_t   j = *i + 1, start;
  uint32_t c = 0;

  if (j < len && in[j] == '#')
  {
    bool hex = ++ j < len && (in[j] == 'x' || in[j] == 'X');
    int  digits = 0;

    j += hex;
    for (; j < len && digits < 8 && (hex ? isxdigit((unsigned char)in[j]) : isdigit((unsigned char)in[j])); j ++, digits ++)
      c = c * (hex ? 16 : 10) + (uint32_t)(isdigit((unsigned char)in[j]) ? in[j] - '0' : (tolower((unsigned char)in[j]) - 'a' + 10));
    if (digits == 0 || digits >= 8)
      return (false);
    if (j < len && in[j] == ';')
      j ++;
    if (c != 0xAD && c != 0x200B && c != 0x200C && c != 0x200D)
      put_codepoint(o, c);
    *i = j;
    return (true);
  }

  for (start = j; j < len && j - start < 8 && isalnum((unsigned char)in[j]); j ++);
  if (j >= len || in[j] != ';')
    return (false);
  for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k ++)
  {
    if (strlen(names[k].name) == j - start && !strncmp(names[k].name, in + start, j - start))
    {
      if (names[k].c != 0xAD && names[k].c != 0x200C && names[k].c != 0x200D)
        put_codepoint(o, names[k].c);
      *i = j + 1;
      return (true);
    }
  }

  return (false);
}


/*
 * 'skip_to_close()' - Index after "</NAME ...>" from i (case-insensitive),
 *                     or len when there is none (the rest is dropped).
 */

static size_t
skip_to_close(const char *in, size_t len, size_t i, const char *name)
{
  size_t n = strlen(name);

  for (; i + 2 + n <= len; i ++)
  {
    if (in[i] == '<' && in[i + 1] == '/' && !strncasecmp(in + i + 2, name, n) && (i + 2 + n == len || !isalnum((unsigned char)in[i + 2 + n])))
    {
      const char *gt = memchr(in + i, '>', len - i);

      return (gt ? (size_t)(gt - in) + 1 : len);
    }
  }

  return (len);
}


/*
 * 'tag_end()' - Index after the '>' closing the tag at i (quotes in
 *               attributes respected), or len.
 */

static size_t
tag_end(const char *in, size_t len, size_t i)
{
  char quote = 0;

  for (i ++; i < len; i ++)
  {
    if (quote)
      quote = in[i] == quote ? 0 : quote;
    else if (in[i] == '"' || in[i] == '\'')
      quote = in[i];
    else if (in[i] == '>')
      return (i + 1);
  }

  return (len);
}


/*
 * 'is_block()' - Whether a tag name breaks the line.
 */

static int
is_block(const char *name)
{
  static const char * const two[] = { "p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre", "ul", "ol", "dl", "hr" };
  static const char * const one[] = { "br", "div", "tr", "li", "dt", "dd", "section", "article", "header", "footer", "address", "nav", "aside", "main", "form", "fieldset", "caption", "center", "title" };

  for (size_t k = 0; k < sizeof(two) / sizeof(two[0]); k ++)
    if (!strcmp(name, two[k]))
      return (2);
  for (size_t k = 0; k < sizeof(one) / sizeof(one[0]); k ++)
    if (!strcmp(name, one[k]))
      return (1);

  return (0);
}


/*
 * 'gwMailHtmlToText()' - Render HTML as text into out (NUL-terminated);
 *                        returns the length.
 */

size_t
gwMailHtmlToText(const char *in, size_t len, char *out, size_t outsize)
{
  html_out_t o = { out, outsize, 0, 0, false };
  int        pre = 0;

  if (outsize == 0)
    return (0);
  for (size_t i = 0; i < len;)
  {
    char c = in[i];

    if (c == '<' && i + 1 < len && (isalpha((unsigned char)in[i + 1]) || in[i + 1] == '/' || in[i + 1] == '!' || in[i + 1] == '?'))
    {
      char   name[16];
      size_t n = 0, j = i + 1;
      bool   closing = in[j] == '/';

      if (in[j] == '!' && j + 2 < len && in[j + 1] == '-' && in[j + 2] == '-')
      {
        const char *end = memmem(in + j + 3, len - j - 3, "-->", 3);

        i = end ? (size_t)(end - in) + 3 : len;
        continue;
      }
      for (j += closing; j < len && n + 1 < sizeof(name) && (isalnum((unsigned char)in[j]) || in[j] == ':'); j ++)
        name[n ++] = (char)tolower((unsigned char)in[j]);
      name[n] = '\0';
      i = tag_end(in, len, i);
      if (!closing && (!strcmp(name, "script") || !strcmp(name, "style") || !strcmp(name, "head") || !strcmp(name, "title") || !strcmp(name, "xml")))
      {
        i = skip_to_close(in, len, i, name);
        continue;
      }
      if (!strcmp(name, "pre"))
        pre = closing ? (pre > 0 ? pre - 1 : 0) : pre + 1;
      if (!closing && !strcmp(name, "li"))
      {
        newline(&o, 1);
        put(&o, "- ", 2);
      }
      else if (!closing && (!strcmp(name, "td") || !strcmp(name, "th")))
        o.space = true;
      else if (!strcmp(name, "hr") && !closing)
      {
        newline(&o, 1);
        put(&o, "----", 4);
        newline(&o, 1);
      }
      else if (is_block(name))
        newline(&o, strcmp(name, "br") ? is_block(name) : (o.newlines < 1 ? 1 : 2));
      continue;
    }
    if (c == '&' && entity(in, len, &i, &o))
      continue;
    if (pre && c == '\n')
    {
      newline(&o, o.newlines + 1 > 2 ? 2 : o.newlines + 1);
      i ++;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f')
    {
      o.space = o.newlines == 0;
      i ++;
      continue;
    }
    if ((unsigned char)c < 0x20 || c == 0x7F)
    {
      i ++;
      continue;
    }
    put(&o, in + i, 1);
    i ++;
  }
  while (o.len > 0 && (out[o.len - 1] == '\n' || out[o.len - 1] == ' '))
    o.len --;
  if (o.len + 1 < outsize && o.len > 0)
    out[o.len ++] = '\n';
  out[o.len] = '\0';

  return (o.len);
}
