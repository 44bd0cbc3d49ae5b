/*
 * svg-chart.c - a horizontal bar chart as a standalone SVG document
 * (report.h, docs/reports.md), for the admin pages to put inline: no
 * script, no style sheet, no font or image from anywhere, only rect and
 * text elements.  Labels are user text (user and printer names): they are
 * written as XML text, escaped, invalid UTF-8 and control characters
 * replaced, and cut to LABEL_MAX characters.
 */

#include "printgate/report.h"
#include "printgate/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHART_WIDTH   640           /* Pixels */
#define LABEL_WIDTH   200           /* Left column with the labels */
#define VALUE_WIDTH   80            /* Right column with the values */
#define BAR_HEIGHT    18
#define BAR_GAP       6
#define TITLE_HEIGHT  30
#define LABEL_MAX     32            /* Characters of a label shown */

#define ADD_LITERAL(b, s) gwBufferAdd((b), (s), sizeof(s) - 1)


/*
 * 'utf8_len()' - Length of the valid UTF-8 sequence at s (1 to 4), or 0.
 */

static int
utf8_len(const unsigned char *s)
{
  int len, min;

  if (s[0] < 0x80)
    return (1);
  else if ((s[0] & 0xe0) == 0xc0)
    len = 2, min = 0x80;
  else if ((s[0] & 0xf0) == 0xe0)
    len = 3, min = 0x800;
  else if ((s[0] & 0xf8) == 0xf0)
    len = 4, min = 0x10000;
  else
    return (0);

  unsigned cp = s[0] & (0x7f >> len);

  for (int i = 1; i < len; i ++)
  {
    if ((s[i] & 0xc0) != 0x80)
      return (0);
    cp = (cp << 6) | (s[i] & 0x3f);
  }

  /* Overlong forms, surrogates, beyond U+10FFFF and U+FFFE/FFFF are not XML characters */
  if (cp < (unsigned)min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || cp == 0xfffe || cp == 0xffff)
    return (0);

  return (len);
}


/*
 * 'add_text()' - Append text escaped for XML character data or an
 *                attribute value, at most max characters ("..." after a
 *                cut); control characters and invalid UTF-8 become '?'.
 */

static void
add_text(gw_buffer_t *b, const char *text, int max)
{
  const unsigned char *s = (const unsigned char *)(text ? text : "");
  int                  chars = 0, len;

  for (; *s && chars < max; s += len, chars ++)
  {
    len = utf8_len(s);

    if (len == 0 || (*s < 0x20) || *s == 0x7f)
    {
      ADD_LITERAL(b, "?");
      len = 1;
    }
    else if (*s == '&')
      ADD_LITERAL(b, "&amp;");
    else if (*s == '<')
      ADD_LITERAL(b, "&lt;");
    else if (*s == '>')
      ADD_LITERAL(b, "&gt;");
    else if (*s == '"')
      ADD_LITERAL(b, "&quot;");
    else if (*s == '\'')
      ADD_LITERAL(b, "&#39;");
    else
      gwBufferAdd(b, s, (size_t)len);
  }

  if (*s)
    ADD_LITERAL(b, "...");
}


/*
 * 'gwChartBarSvg()' - One bar per label, scaled to the largest value, the
 *                     value written after the bar.  Negative values draw
 *                     no bar.
 */

char *
gwChartBarSvg(const char *title, const char * const *labels, const int64_t *values, int count)
{
  gw_buffer_t b;
  int64_t     max = 0;
  int         height, bar_space = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH;

  if (count < 0 || count > GW_CHART_MAX_BARS || (count > 0 && (!labels || !values)))
    return (NULL);

  for (int i = 0; i < count; i ++)
  {
    if (values[i] > max)
      max = values[i];
  }
  height = TITLE_HEIGHT + count * (BAR_HEIGHT + BAR_GAP) + BAR_GAP;

  memset(&b, 0, sizeof(b));
  gwBufferAddf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">\n",
               CHART_WIDTH, height, CHART_WIDTH, height);
  ADD_LITERAL(&b, "<title>");
  add_text(&b, title, 200);
  ADD_LITERAL(&b, "</title>\n<text x=\"4\" y=\"18\" font-size=\"14\" font-weight=\"bold\">");
  add_text(&b, title, 80);
  ADD_LITERAL(&b, "</text>\n");

  for (int i = 0; i < count; i ++)
  {
    int y = TITLE_HEIGHT + i * (BAR_HEIGHT + BAR_GAP);
    int w = (max > 0 && values[i] > 0) ? (int)((double)values[i] * bar_space / (double)max) : 0;

    if (values[i] > 0 && w < 1)
      w = 1;
    gwBufferAddf(&b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_WIDTH - 6, y + BAR_HEIGHT - 5);
    add_text(&b, labels[i], LABEL_MAX);
    gwBufferAddf(&b, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#3b6ea5\"/>"
                     "<text x=\"%d\" y=\"%d\">%lld</text>\n",
                 LABEL_WIDTH, y, w, BAR_HEIGHT, LABEL_WIDTH + w + 4, y + BAR_HEIGHT - 5, (long long)values[i]);
  }
  ADD_LITERAL(&b, "</svg>\n");

  if (b.failed)
  {
    free(b.data);
    return (NULL);
  }

  return (b.data);
}
