/*
 * sniff-text.c - plain text and its character set.
 *
 * Text has no signature, so this is the last check, and a guess:
 *
 * - a byte order mark names UTF-16 (little or big endian) or UTF-8;
 * - otherwise the head must hold no NUL and almost no control characters
 *   (tab, line feed, vertical tab, form feed and carriage return are text;
 *   a DOS end-of-file mark is allowed as the last byte; any other control
 *   counts against a budget of 1 per 100 bytes, so a short head has none);
 * - all bytes below 0x80: US-ASCII;
 * - valid UTF-8 (strict: no overlong forms, no surrogates, nothing above
 *   U+10FFFF; a sequence cut by the end of the head is allowed): UTF-8;
 * - otherwise Windows-1252 (a superset of the printable Latin-1 range),
 *   when the bytes above 0x7F are at most a quarter of the head (Western
 *   text is mostly ASCII) and none is one of the five codes Windows-1252
 *   leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D, which count as
 *   controls).  Text in other legacy charsets (Cyrillic, Greek, CJK) is
 *   mostly high bytes and is therefore unknown rather than mis-rendered.
 */

#include "sniff-private.h"


/*
 * Local functions.
 */

static bool        is_text_control(unsigned c, bool last);
static gw_format_t sniff_utf16(const unsigned char *p, size_t len);
static bool        utf8_valid(const unsigned char *p, size_t len);


/*
 * '_gwSniffText()' - Plain text and its charset, or unknown.
 */

gw_format_t
_gwSniffText(const unsigned char *p,   /* I - Head */
             size_t              len)  /* I - Head length (> 0) */
{
  size_t   i, start = 0, controls = 0, undefined = 0, high = 0, budget;
  unsigned c;
  bool     bom8;

  if (len >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
    return (sniff_utf16(p, len));

  if ((bom8 = (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)) == true)
    start = 3;

  for (i = start; i < len; i ++)
  {
    c = p[i];

    if (c == 0)
      return (GW_FORMAT_UNKNOWN);
    else if (is_text_control(c, i == len - 1))
      controls ++;
    else if (c >= 0x80)
    {
      high ++;
      if (c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 || c == 0x9D)
        undefined ++;
    }
  }

  budget = (len - start) / 100;
  if (controls > budget)
    return (GW_FORMAT_UNKNOWN);

  if (high == 0)
    return (bom8 ? GW_FORMAT_TEXT_UTF8 : GW_FORMAT_TEXT_ASCII);

  if (utf8_valid(p + start, len - start))
    return (GW_FORMAT_TEXT_UTF8);

  if (bom8 || controls + undefined > budget || high > (len - start) / 4)
    return (GW_FORMAT_UNKNOWN);

  return (GW_FORMAT_TEXT_WINDOWS1252);
}


/*
 * 'is_text_control()' - Tell whether a byte or code unit is a control
 *                       character that text does not use.
 */

static bool
is_text_control(unsigned c,            /* I - Byte or UTF-16 code unit */
                bool     last)         /* I - Last one of the head */
{
  if (c == 0x7F)
    return (true);

  if (c >= 0x20)
    return (false);

  if (c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r')
    return (false);

  return (!(c == 0x1A && last));        /* DOS end-of-file mark */
}


/*
 * 'sniff_utf16()' - UTF-16 text after a byte order mark: no NUL, no lone
 *                   surrogate, no noncharacter, almost no controls.
 */

static gw_format_t
sniff_utf16(const unsigned char *p,    /* I - Head, starting with FF FE or FE FF */
            size_t              len)   /* I - Head length */
{
  bool     big = p[0] == 0xFE;
  size_t   i, units = (len - 2) / 2, controls = 0;
  unsigned u, next;

  for (i = 0; i < units; i ++)
  {
    const unsigned char *q = p + 2 + 2 * i;

    u = big ? (unsigned)(q[0] << 8 | q[1]) : (unsigned)(q[1] << 8 | q[0]);

    if (u == 0 || u == 0xFFFE || u == 0xFFFF || (u >= 0xDC00 && u <= 0xDFFF))
      return (GW_FORMAT_UNKNOWN);

    if (u >= 0xD800 && u <= 0xDBFF)
    {
      if (i + 1 == units)
        break;                          /* Pair cut by the end of the head */

      q += 2;
      next = big ? (unsigned)(q[0] << 8 | q[1]) : (unsigned)(q[1] << 8 | q[0]);
      if (next < 0xDC00 || next > 0xDFFF)
        return (GW_FORMAT_UNKNOWN);

      i ++;
      continue;
    }

    if (is_text_control(u, i + 1 == units))
      controls ++;
  }

  return (controls > units / 100 ? GW_FORMAT_UNKNOWN : GW_FORMAT_TEXT_UTF16);
}


/*
 * 'utf8_valid()' - Tell whether bytes are strict UTF-8 (RFC 3629), allowing
 *                  a sequence cut by the end.
 */

static bool
utf8_valid(const unsigned char *p,     /* I - Bytes */
           size_t              len)    /* I - Length */
{
  size_t   i = 0, k, n;
  unsigned c, lo, hi;

  while (i < len)
  {
    c = p[i];

    if (c < 0x80)
    {
      i ++;
      continue;
    }

    lo = 0x80;
    hi = 0xBF;

    if (c >= 0xC2 && c <= 0xDF)
      n = 1;
    else if (c == 0xE0)
    {
      n  = 2;
      lo = 0xA0;                        /* No overlong three-byte forms */
    }
    else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
      n = 2;
    else if (c == 0xED)
    {
      n  = 2;
      hi = 0x9F;                        /* No surrogates */
    }
    else if (c == 0xF0)
    {
      n  = 3;
      lo = 0x90;                        /* No overlong four-byte forms */
    }
    else if (c >= 0xF1 && c <= 0xF3)
      n = 3;
    else if (c == 0xF4)
    {
      n  = 3;
      hi = 0x8F;                        /* Nothing above U+10FFFF */
    }
    else
      return (false);

    for (k = 1; k <= n; k ++)
    {
      if (i + k >= len)
        return (true);                  /* Cut by the end of the head: fine so far */

      if (p[i + k] < lo || p[i + k] > hi)
        return (false);

      lo = 0x80;
      hi = 0xBF;
    }

    i += n + 1;
  }

  return (true);
}
