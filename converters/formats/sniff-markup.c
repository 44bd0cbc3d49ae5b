/*
 * sniff-markup.c - text formats told by their first element (SVG, HTML)
 * or their shape (CSV).
 *
 * These documents are text, so they are checked after every binary
 * signature and before the plain-text guess.  The prolog an XML file may
 * start with is skipped, within the head and a fixed number of items: a
 * UTF-8 byte order mark, white space, processing instructions
 * ("<?xml ...?>"), comments and one document type declaration, with its
 * internal subset ("<!DOCTYPE svg [ <!ENTITY ...> ]>", as a billion-laughs
 * file has).  What decides is the root element's name: "<svg", or (ASCII
 * case-insensitive, as HTML is) "<html" or a "<!DOCTYPE html".  Nothing is
 * parsed beyond that: the converter's library (librsvg, LibreOffice) reads
 * the file itself, with its own limits.
 *
 * A mail (message/rfc822) starts with a header block: lines "Name: value"
 * (a name of printable ASCII without a colon) or their continuations,
 * ended by a blank line within the head, with a From header and one of
 * Date, Subject, To or Message-ID.  An mbox ("From " first) is not one.
 *
 * CSV is text whose records (lines, a quoted field may hold line breaks)
 * all have at least one and at most as many separators (comma, semicolon or
 * tab, the one the first record has most of) as the first record, over at
 * least two records, with a comma or semicolon almost never followed by a
 * space (prose writes ", "; CSV writes ",") and no record starting with a
 * tab (indented text).  Ragged rows (fewer fields than the header) are
 * common in real files and allowed.
 */

#include "sniff-private.h"

#include <string.h>
#include <strings.h>


/*
 * Limits.
 */

#define MARKUP_PROLOG_ITEMS 64          /* Comments, PIs and DOCTYPEs skipped before the root */
#define CSV_MAX_RECORDS     10000       /* Records checked */
#define MAIL_MAX_HEADERS    1000        /* Header lines read */


/*
 * Local functions.
 */

static bool   is_csv(const unsigned char *p, size_t len);
static bool   is_mail(const unsigned char *p, size_t len);
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
      return (is_mail(p, len) ? GW_FORMAT_MAIL : is_csv(p, len) ? GW_FORMAT_CSV : GW_FORMAT_UNKNOWN);

    if (len - off >= 2 && p[off + 1] == '?')
      off = skip_past(p, len, off + 2, "?>");
    else if (len - off >= 4 && !memcmp(p + off, "<!--", 4))
      off = skip_past(p, len, off + 4, "-->");
    else if (len - off >= 15 && !strncasecmp((const char *)p + off, "<!DOCTYPE html", 14) &&
             (p[off + 14] == '>' || p[off + 14] == ' ' || p[off + 14] == '\t' || p[off + 14] == '\r' || p[off + 14] == '\n'))
      return (GW_FORMAT_HTML);
    else if (len - off >= 9 && !strncasecmp((const char *)p + off, "<!DOCTYPE", 9))
      off = skip_doctype(p, len, off + 9);
    else
      break;
  }

  if (off < len && is_element(p, len, off, "svg"))
    return (GW_FORMAT_SVG);

  if (off < len && len - off >= 6 && !strncasecmp((const char *)p + off, "<html", 5) &&
      (p[off + 5] == '>' || p[off + 5] == ' ' || p[off + 5] == '\t' || p[off + 5] == '\r' || p[off + 5] == '\n'))
    return (GW_FORMAT_HTML);

  return (GW_FORMAT_UNKNOWN);
}


/*
 * 'is_mail()' - Tell whether a head starts with a mail's header block.
 */

static bool
is_mail(const unsigned char *p,        /* I - Head */
        size_t              len)       /* I - Head length */
{
  static const char * const others[] = { "Date", "Subject", "To", "Message-ID" };
  size_t off = 0, end, name, lines;
  bool   from = false, other = false;

  for (lines = 0; off < len && lines < MAIL_MAX_HEADERS; lines ++, off = end + 1)
  {
    const unsigned char *nl = memchr(p + off, '\n', len - off);

    if (!nl)
      return (false);                   /* No end of the header block in the head */

    end = (size_t)(nl - p);

    if (end == off || (end == off + 1 && p[off] == '\r'))
      return (lines >= 2 && from && other);

    if (p[off] == ' ' || p[off] == '\t')
    {
      if (lines == 0)
        return (false);
      continue;                         /* A folded header's next line */
    }

    for (name = off; name < end && p[name] > ' ' && p[name] < 0x7F && p[name] != ':'; name ++);

    if (name == off || name >= end || p[name] != ':')
      return (false);

    if (name - off == 4 && !strncasecmp((const char *)p + off, "From", 4))
      from = true;

    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i ++)
      if (name - off == strlen(others[i]) && !strncasecmp((const char *)p + off, others[i], name - off))
        other = true;
  }

  return (false);
}


/*
 * 'is_csv()' - Tell whether a head is comma-, semicolon- or tab-separated
 *              values (see the file comment), in US-ASCII or UTF-8.
 */

static bool
is_csv(const unsigned char *p,         /* I - Head */
       size_t              len)        /* I - Head length */
{
  static const unsigned char seps[3] = { ',', ';', '\t' };
  size_t        i, first[3] = { 0, 0, 0 }, records = 0, count = 0, header = 0, spaced = 0, total = 0;
  unsigned char sep = 0;
  bool          quoted = false, start = true;
  gw_format_t   text;

  /* The separator: the one the first line has most of, outside quotes. */
  for (i = 0; i < len && p[i] != '\n'; i ++)
  {
    if (p[i] == '"')
      quoted = !quoted;
    for (size_t s = 0; !quoted && s < 3; s ++)
      first[s] += p[i] == seps[s];
  }

  for (i = 0; i < 3; i ++)
  {
    if (first[i] > header)
    {
      header = first[i];
      sep    = seps[i];
    }
  }

  if (header == 0)
    return (false);

  /* Every record: 1 to header separators. */
  for (i = 0, quoted = false; i < len && records < CSV_MAX_RECORDS; i ++)
  {
    if (start && p[i] == '\t')
      return (false);                   /* Indented text */
    start = false;

    if (p[i] == '"')
      quoted = !quoted;
    else if (!quoted && p[i] == sep)
    {
      count ++;
      total ++;
      if (sep != '\t' && i + 1 < len && p[i + 1] == ' ')
        spaced ++;
    }
    else if (!quoted && p[i] == '\n')
    {
      bool blank = i == 0 || p[i - 1] == '\n' || (p[i - 1] == '\r' && (i < 2 || p[i - 2] == '\n'));

      if (!blank && (count == 0 || count > header))
        return (false);
      if (!blank)
        records ++;
      count = 0;
      start = true;
    }
  }

  if (count > header || records < 2 || spaced * 10 > total)
    return (false);

  text = _gwSniffText(p, len);
  return (text == GW_FORMAT_TEXT_ASCII || text == GW_FORMAT_TEXT_UTF8);
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
