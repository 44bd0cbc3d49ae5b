/*
 * sniff-markup.c - text formats told by their first element: SVG.
 *
 * These documents are text, so they are checked after every binary
 * signature and before the plain-text guess.  The prolog an XML file may
 * start with is skipped, within the head and a fixed number of items: a
 * UTF-8 byte order mark, white space, processing instructions
 * ("<?xml ...?>"), comments and one document type declaration, with its
 * internal subset ("<!DOCTYPE svg [ <!ENTITY ...> ]>", as a billion-laughs
 * file has).  What decides is the root element's name: "<svg".  Nothing is
 * parsed beyond that: the converter's library (librsvg) reads the file
 * itself, with its own limits.
 */

#include "sniff-private.h"

#include <string.h>
#include <strings.h>


/*
 * Limits.
 */

#define MARKUP_PROLOG_ITEMS 64          /* Comments, PIs and DOCTYPEs skipped before the root */


/*
 * Local functions.
 */

static size_t skip_past(const unsigned char *p, size_t len, size_t off, const char *end);
static size_t skip_space(const unsigned char *p, size_t len, size_t off);
static size_t skip_doctype(const unsigned char *p, size_t len, size_t off);
static bool   is_element(const unsigned char *p, size_t len, size_t off, const char *name);


/*
 * '_gwSniffMarkup()' - Tell an SVG drawing from other text.
 */

gw_format_t
_gwSniffMarkup(const unsigned char *p, /* I - Head */
               size_t              len)/* I - Head length */
{
  size_t off = 0;
  int    items;

  if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
    off = 3;

  for (items = 0; items < MARKUP_PROLOG_ITEMS; items ++)
  {
    if ((off = skip_space(p, len, off)) >= len || p[off] != '<')
      return (GW_FORMAT_UNKNOWN);

    if (len - off >= 2 && p[off + 1] == '?')
      off = skip_past(p, len, off + 2, "?>");
    else if (len - off >= 4 && !memcmp(p + off, "<!--", 4))
      off = skip_past(p, len, off + 4, "-->");
    else if (len - off >= 9 && !strncasecmp((const char *)p + off, "<!DOCTYPE", 9))
      off = skip_doctype(p, len, off + 9);
    else
      break;
  }

  if (off < len && is_element(p, len, off, "svg"))
    return (GW_FORMAT_SVG);

  return (GW_FORMAT_UNKNOWN);
}


/*
 * 'is_element()' - Tell whether an element named "name" (ASCII, case
 *                  sensitive as XML is) starts at p[off] ("<svg>",
 *                  "<svg xmlns=...", "<svg/>").
 */

static bool
is_element(const unsigned char *p,     /* I - Head */
           size_t              len,    /* I - Head length */
           size_t              off,    /* I - Offset of '<' */
           const char          *name)  /* I - Element name */
{
  size_t n = strlen(name);
  int    c;

  if (len - off < n + 2 || p[off] != '<' || memcmp(p + off + 1, name, n))
    return (false);

  c = p[off + 1 + n];
  return (c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\r' || c == '\n');
}


/*
 * 'skip_doctype()' - Offset after a document type declaration whose
 *                    keyword ends at off: up to '>', or past "]" and '>'
 *                    when it has an internal subset.  len when it does not
 *                    end within the head.
 */

static size_t
skip_doctype(const unsigned char *p,   /* I - Head */
             size_t              len,  /* I - Head length */
             size_t              off)  /* I - Offset after "<!DOCTYPE" */
{
  for (; off < len; off ++)
  {
    if (p[off] == '>')
      return (off + 1);

    if (p[off] == '[')
      return (skip_past(p, len, skip_past(p, len, off + 1, "]"), ">"));
  }

  return (len);
}


/*
 * 'skip_past()' - Offset after the next "end" from off, len when there is
 *                 none within the head.
 */

static size_t
skip_past(const unsigned char *p,      /* I - Head */
          size_t              len,     /* I - Head length */
          size_t              off,     /* I - Where to start */
          const char          *end)    /* I - What ends the item */
{
  const unsigned char *found;
  size_t               n = strlen(end);

  if (off >= len || (found = memmem(p + off, len - off, end, n)) == NULL)
    return (len);

  return ((size_t)(found - p) + n);
}


/*
 * 'skip_space()' - Offset of the first byte from off that is not XML
 *                  white space.
 */

static size_t
skip_space(const unsigned char *p,     /* I - Head */
           size_t              len,    /* I - Head length */
           size_t              off)    /* I - Where to start */
{
  while (off < len && (p[off] == ' ' || p[off] == '\t' || p[off] == '\r' || p[off] == '\n'))
    off ++;

  return (off);
}
