/*
 * convert-text.c - plain text to PDF, inside the sandbox.
 *
 * The text (US-ASCII, UTF-8 with or without a byte order mark, UTF-16 with
 * one, or Windows-1252, as the sniffer said) is decoded here, one code
 * point at a time, to UTF-8: no iconv, so no gconv module has to be loaded
 * under Landlock, and every invalid sequence becomes U+FFFD instead of
 * stopping the conversion.  The characters are then set in a monospace
 * font (DejaVu Sans Mono 10 pt, 80 columns, 12 pt line pitch) with pango
 * on a cairo PDF surface; pango asks fontconfig for another font when the
 * monospace font lacks a character.  The PDF is written to the output
 * name in the private directory; it gets the libqpdf check and the colour
 * count like any converted PDF, but no Ghostscript pdfwrite pass (which
 * would change nothing, and is very slow on cairo's CID-keyed TrueType
 * fonts: 8 s for 10 pages of Cyrillic, docs/converters.md).
 *
 * Layout rules (docs/converters.md):
 *
 *   - LF, CR LF, CR, U+2028 and U+2029 end a line; a form feed starts a new
 *     page (a form feed before any text is ignored, so is anything blank
 *     after the last printed character: no trailing blank pages);
 *   - tabs go to the next multiple of 8 columns; other C0 and C1 control
 *     characters and DEL are dropped; noncharacters (U+FFFE, U+FFFF,
 *     U+FDD0-U+FDEF and their kin in every plane) become U+FFFD;
 *   - a line longer than 80 columns wraps at any character (char-wrap);
 *   - at most 30 combining marks (zero-width characters) in a row are kept;
 *   - each page has its number in a small footer.
 *
 * Bounds: pango is never given more than CHUNK_COLUMNS columns (or
 * CHUNK_BYTES bytes) of one line at a time, so a line of 100 MB costs no
 * more per character than a short one, and the conversion fails with
 * too-many-pages as soon as a page past PG_CONVERT_MAX_PAGES would be
 * started; the input size is bounded by the daemon and RLIMIT_FSIZE.
 */

#include "convert-private.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>


/*
 * Layout constants (points unless said otherwise).
 */

#define TEXT_FONT          "DejaVu Sans Mono"
#define TEXT_SIZE          10           /* Font size */
#define TEXT_PITCH         12.0         /* Line pitch: 6 lines per inch */
#define TEXT_COLUMNS       80           /* Columns per line */
#define TEXT_TAB           8            /* Tab stops every 8 columns */
#define TEXT_MARGIN_TOP    42.0
#define TEXT_MARGIN_BOTTOM 48.0         /* The footer sits inside it */
#define FOOTER_SIZE        8            /* Page number font size */
#define FOOTER_TOP         30.0         /* Footer's top, from the page's bottom */

#define CHUNK_LINES        25           /* Wrapped lines pango lays out at once */
#define CHUNK_COLUMNS      (TEXT_COLUMNS * CHUNK_LINES)
#define CHUNK_BYTES        16384        /* And at most this much UTF-8 */

#define REPLACEMENT        0xFFFD       /* For every invalid sequence */
#define MAX_MARKS          30           /* Zero-width characters kept in a row (UAX #15 stream-safe) */


/*
 * The decoder: the document's bytes and where we are in them.
 */

typedef struct text_input_s
{
  const unsigned char *data;
  size_t               len;
  size_t               pos;
  gw_format_t          format;          /* GW_FORMAT_TEXT_* */
  bool                 big_endian;      /* UTF-16 byte order (from the BOM) */
} text_input_t;


/*
 * The document being laid out.
 */

typedef struct text_doc_s
{
  gw_conv_t        *conv;
  int               fd;                 /* The PDF being written */
  int               write_errno;        /* First write error, 0 = none */
  cairo_surface_t  *surface;
  cairo_t          *cr;
  PangoLayout      *layout;             /* The text */
  PangoLayout      *footer;             /* The page number */
  double            page_width, page_height;
  double            left;               /* Left edge of the text column */
  double            ascent;             /* Top of a line to its baseline */
  int               wrap_width;         /* Pango units */
  int               lines_per_page;

  int               pages;              /* Pages started */
  int               line;               /* Lines used on the current page */
  bool              page_open;
  bool              any_text;           /* Something was printed */
  long              pending_breaks;     /* Form feeds not yet acted on */
  long              pending_blank;      /* Blank lines not yet placed */

  char              chunk[CHUNK_BYTES + 8];  /* The current piece of a line, UTF-8 */
  size_t            chunk_len;
  int               chunk_cols;
  bool              chunk_blank;        /* Only spaces so far */
  bool              chunk_simple;       /* Only characters below U+0250 (one advance each) */
  bool              line_started;       /* The current line has a character */
  long              line_col;           /* Column in the whole line (for tabs) */
  int               marks;              /* Zero-width characters in a row */
} text_doc_t;


/*
 * Windows-1252 0x80-0x9F (0 = undefined); the rest is Latin-1.
 */

static const unsigned short cp1252_high[32] =
{
  0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
  0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178
};


/*
 * 'next_utf8()' - Decode one UTF-8 sequence (strict: no overlong forms, no
 *                 surrogates, nothing above U+10FFFF).  An invalid byte
 *                 gives U+FFFD and is skipped alone; so is a cut sequence,
 *                 with the continuation bytes it had.
 */

static int32_t
next_utf8(text_input_t *in)
{
  const unsigned char *p = in->data + in->pos;
  size_t               left = in->len - in->pos;
  uint32_t             c = p[0], min;
  int                  n;

  if (c < 0x80)
  {
    in->pos ++;
    return ((int32_t)c);
  }

  if (c >= 0xC2 && c <= 0xDF)
  {
    n = 1; c &= 0x1F; min = 0x80;
  }
  else if (c >= 0xE0 && c <= 0xEF)
  {
    n = 2; c &= 0x0F; min = 0x800;
  }
  else if (c >= 0xF0 && c <= 0xF4)
  {
    n = 3; c &= 0x07; min = 0x10000;
  }
  else
  {
    in->pos ++;
    return (REPLACEMENT);
  }

  /*
   * A sequence cut short (by the end of the text or a byte that does not
   * continue it) is one U+FFFD for all the bytes it had.
   */

  for (int i = 1; i <= n; i ++)
  {
    if ((size_t)i >= left || (p[i] & 0xC0) != 0x80)
    {
      in->pos += (size_t)i;
      return (REPLACEMENT);
    }
    c = (c << 6) | (p[i] & 0x3F);
  }

  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
  {
    in->pos ++;
    return (REPLACEMENT);
  }

  in->pos += (size_t)n + 1;
  return ((int32_t)c);
}


/*
 * 'next_utf16()' - Decode one UTF-16 unit or surrogate pair.  A lone
 *                  surrogate or an odd last byte gives U+FFFD.
 */

static int32_t
next_utf16(text_input_t *in)
{
  const unsigned char *p = in->data + in->pos;
  size_t               left = in->len - in->pos;
  uint32_t             c, d;

  if (left < 2)
  {
    in->pos = in->len;
    return (REPLACEMENT);
  }

  c = in->big_endian ? ((uint32_t)p[0] << 8 | p[1]) : ((uint32_t)p[1] << 8 | p[0]);
  in->pos += 2;

  if (c < 0xD800 || c > 0xDFFF)
    return ((int32_t)c);

  if (c >= 0xDC00 || left < 4)
    return (REPLACEMENT);

  d = in->big_endian ? ((uint32_t)p[2] << 8 | p[3]) : ((uint32_t)p[3] << 8 | p[2]);
  if (d < 0xDC00 || d > 0xDFFF)
    return (REPLACEMENT);                /* The next unit is read on its own */

  in->pos += 2;
  return ((int32_t)(0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00)));
}


/*
 * 'next_char()' - The next code point of the document, -1 at its end.
 */

static int32_t
next_char(text_input_t *in)
{
  unsigned c;

  if (in->pos >= in->len)
    return (-1);

  switch (in->format)
  {
    case GW_FORMAT_TEXT_UTF16 :
        return (next_utf16(in));

    case GW_FORMAT_TEXT_WINDOWS1252 :
        c = in->data[in->pos ++];
        if (c >= 0x80 && c < 0xA0)
          return (cp1252_high[c - 0x80] ? (int32_t)cp1252_high[c - 0x80] : REPLACEMENT);
        return ((int32_t)c);

    default :                           /* US-ASCII is UTF-8 */
        return (next_utf8(in));
  }
}


/*
 * 'start_input()' - Set up the decoder and skip a byte order mark.
 */

static void
start_input(text_input_t *in, gw_format_t format, const unsigned char *data, size_t len)
{
  memset(in, 0, sizeof(*in));
  in->data   = data;
  in->len    = len;
  in->format = format;

  if (format == GW_FORMAT_TEXT_UTF16 && len >= 2)
  {
    in->big_endian = data[0] == 0xFE && data[1] == 0xFF;
    if (in->big_endian || (data[0] == 0xFF && data[1] == 0xFE))
      in->pos = 2;
  }
  else if (format != GW_FORMAT_TEXT_WINDOWS1252 && len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF)
    in->pos = 3;
}


/*
 * 'write_pdf()' - cairo's write callback: append to the PDF and
 *                 keep the first error (EFBIG is RLIMIT_FSIZE).
 */

static cairo_status_t
write_pdf(void *ctx, const unsigned char *data, unsigned int length)
{
  text_doc_t *doc = (text_doc_t *)ctx;

  while (length > 0)
  {
    ssize_t n = write(doc->fd, data, length);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
    {
      if (!doc->write_errno)
        doc->write_errno = n < 0 ? errno : EIO;
      return (CAIRO_STATUS_WRITE_ERROR);
    }

    data   += n;
    length -= (unsigned)n;
  }

  return (CAIRO_STATUS_SUCCESS);
}


/*
 * 'cairo_failed()' - Fail the conversion after a cairo error.
 */

static bool
cairo_failed(text_doc_t *doc)
{
  if (doc->write_errno == EFBIG)
    return (_gwConvFail(doc->conv, GW_REASON_TOO_LARGE, "the converted text is larger than %d MB", doc->conv->settings.fsize_mb));

  if (doc->write_errno)
    return (_gwConvFail(doc->conv, GW_REASON_INTERNAL, "unable to write the PDF made from the text (errno %d)", doc->write_errno));

  return (_gwConvFail(doc->conv, GW_REASON_CONVERSION_CRASHED, "the text could not be laid out (cairo status %d)", (int)cairo_status(doc->cr)));
}


/*
 * 'end_page()' - Print the page number and finish the page.
 */

static bool
end_page(text_doc_t *doc)
{
  char num[16];
  int  width, height;

  snprintf(num, sizeof(num), "%d", doc->pages);
  pango_layout_set_text(doc->footer, num, -1);
  pango_layout_get_size(doc->footer, &width, &height);

  cairo_move_to(doc->cr, (doc->page_width - (double)width / PANGO_SCALE) / 2.0, doc->page_height - FOOTER_TOP);
  pango_cairo_show_layout(doc->cr, doc->footer);
  cairo_show_page(doc->cr);

  doc->page_open = false;

  if (cairo_status(doc->cr) != CAIRO_STATUS_SUCCESS)
    return (cairo_failed(doc));

  return (true);
}


/*
 * 'start_page()' - Start a page, unless it would be one too many.
 */

static bool
start_page(text_doc_t *doc)
{
  if (doc->pages >= doc->conv->settings.max_pages)
    return (_gwConvFail(doc->conv, GW_REASON_TOO_MANY_PAGES, "the text makes more than %d pages", doc->conv->settings.max_pages));

  doc->pages ++;
  doc->line      = 0;
  doc->page_open = true;
  return (true);
}


/*
 * 'next_line()' - Take the next line of the page (starting a page when
 *                 needed) and return its baseline, or a negative number
 *                 when the page limit is reached.
 */

static double
next_line(text_doc_t *doc)
{
  if (doc->page_open && doc->line >= doc->lines_per_page && !end_page(doc))
    return (-1.0);

  if (!doc->page_open && !start_page(doc))
    return (-1.0);

  doc->line ++;
  return (TEXT_MARGIN_TOP + (doc->line - 1) * TEXT_PITCH + doc->ascent);
}


/*
 * 'place_pending()' - Act on the form feeds and blank lines seen since the
 *                     last printed line: they matter only when text follows.
 */

static bool
place_pending(text_doc_t *doc)
{
  if (doc->pending_breaks > 0 && doc->page_open)
  {
    if (!end_page(doc))
      return (false);
    doc->pending_breaks --;
  }

  /* Form feed after form feed: the pages between them stay blank. */
  for (; doc->pending_breaks > 0; doc->pending_breaks --)
  {
    if (!start_page(doc) || !end_page(doc))
      return (false);
  }

  for (; doc->pending_blank > 0; doc->pending_blank --)
  {
    if (next_line(doc) < 0.0)
      return (false);
  }

  return (true);
}


/*
 * 'flush_chunk()' - Lay out the current piece of a line (wrapped by pango
 *                   at any character) and print its lines.  A blank piece
 *                   only counts blank lines.
 */

static bool
flush_chunk(text_doc_t *doc)
{
  PangoLayoutIter *iter;
  bool             ok = true;

  if (doc->chunk_blank)
  {
    int wrapped = (doc->chunk_cols + TEXT_COLUMNS - 1) / TEXT_COLUMNS;

    doc->pending_blank += wrapped > 1 ? wrapped : 1;
  }
  else
  {
    if (!place_pending(doc))
      return (false);

    /*
     * A short piece of Latin text cannot need wrapping: laying it out
     * without a width spares pango the line-breaking pass (a third of
     * its time on ordinary text).
     */

    pango_layout_set_width(doc->layout, doc->chunk_simple && doc->chunk_cols <= TEXT_COLUMNS ? -1 : doc->wrap_width);
    pango_layout_set_text(doc->layout, doc->chunk, (int)doc->chunk_len);

    /*
     * Each wrapped line at its own offset in the column (not 0 for a
     * right-to-left paragraph, which pango aligns right).
     */

    iter = pango_layout_get_iter(doc->layout);
    do
    {
      PangoRectangle logical;
      double         baseline = next_line(doc);

      if (baseline < 0.0)
      {
        ok = false;
        break;
      }

      pango_layout_iter_get_line_extents(iter, NULL, &logical);
      cairo_move_to(doc->cr, doc->left + (double)logical.x / PANGO_SCALE, baseline);
      pango_cairo_show_layout_line(doc->cr, pango_layout_iter_get_line_readonly(iter));
    }
    while (pango_layout_iter_next_line(iter));
    pango_layout_iter_free(iter);

    doc->any_text = true;
  }

  doc->chunk_len    = 0;
  doc->chunk_cols   = 0;
  doc->chunk_blank  = true;
  doc->chunk_simple = true;

  return (ok);
}


/*
 * 'end_line()' - End the current line (a blank one if it has nothing).
 */

static bool
end_line(text_doc_t *doc)
{
  bool ok = flush_chunk(doc);

  doc->line_started = false;
  doc->line_col     = 0;
  doc->marks        = 0;
  return (ok);
}


/*
 * 'char_width()' - Columns a character takes (0 for combining marks and
 *                  other zero-width characters, 2 for East Asian wide).
 */

static int
char_width(int32_t c)
{
  if (c < 0x300)
    return (1);
  if (g_unichar_iszerowidth((gunichar)c))
    return (0);
  return (g_unichar_iswide((gunichar)c) ? 2 : 1);
}


/*
 * 'add_char()' - Add a printable character to the current line.  A piece
 *                of CHUNK_COLUMNS columns (or CHUNK_BYTES) is laid out
 *                before the next one starts, on a new wrapped line.  More
 *                than MAX_MARKS zero-width characters in a row (combining
 *                marks stacked on one letter) are dropped: no script needs
 *                them, and each costs Ghostscript a glyph.
 */

static bool
add_char(text_doc_t *doc, int32_t c)
{
  int width = char_width(c);

  if (width > 0)
    doc->marks = 0;
  else if (doc->marks >= MAX_MARKS)
    return (true);
  else
    doc->marks ++;

  if (doc->chunk_cols + width > CHUNK_COLUMNS || doc->chunk_len + 4 > CHUNK_BYTES)
  {
    if (!flush_chunk(doc))
      return (false);
  }

  doc->chunk_len   += (size_t)g_unichar_to_utf8((gunichar)c, doc->chunk + doc->chunk_len);
  doc->chunk_cols  += width;
  doc->line_col    += width;
  doc->line_started = true;

  if (c != ' ')
    doc->chunk_blank = false;
  if (c >= 0x250)
    doc->chunk_simple = false;

  return (true);
}


/*
 * 'lay_out()' - Read the whole text and set it on pages.
 */

static bool
lay_out(text_doc_t *doc, text_input_t *in)
{
  int32_t c;

  while ((c = next_char(in)) >= 0)
  {
    bool ok = true;

    switch (c)
    {
      case '\r' :
          if (in->pos < in->len)
          {
            size_t  pos = in->pos;

            if (next_char(in) != '\n')
              in->pos = pos;
          }
          ok = end_line(doc);
          break;

      case '\n' :
      case 0x2028 :                     /* LINE SEPARATOR */
      case 0x2029 :                     /* PARAGRAPH SEPARATOR */
          ok = end_line(doc);
          break;

      case '\f' :
          if (doc->line_started)
            ok = end_line(doc);
          if (doc->any_text)
            doc->pending_breaks ++;     /* Before any text: no blank first page */
          doc->pending_blank = 0;
          break;

      case '\t' :
          do
            ok = add_char(doc, ' ');
          while (ok && doc->line_col % TEXT_TAB);
          break;

      default :
          if (c < 0x20 || (c >= 0x7F && c < 0xA0))
            break;                      /* Other controls, DEL, C1 */
          if ((c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE)
            c = REPLACEMENT;            /* Noncharacters: cairo refuses them (found by fuzz-text) */
          ok = add_char(doc, c);
          break;
    }

    if (!ok)
      return (false);
  }

  if (doc->line_started && !end_line(doc))
    return (false);

  if (doc->page_open && !end_page(doc))
    return (false);

  if (doc->pages == 0)
    return (_gwConvFail(doc->conv, GW_REASON_EMPTY_DOCUMENT, "the text has nothing to print (only blank lines or control characters)"));

  return (true);
}


/*
 * 'set_up()' - The PDF surface, the fonts and the page geometry.
 */

static bool
set_up(text_doc_t *doc)
{
  PangoFontDescription *font;
  PangoFontMetrics     *metrics;
  cairo_font_options_t *options;
  int                   width, height;

  if (!strcmp(doc->conv->settings.paper, "letter"))
  {
    doc->page_width  = 612.0;
    doc->page_height = 792.0;
  }
  else
  {
    doc->page_width  = 595.276;         /* 210 x 297 mm */
    doc->page_height = 841.89;
  }

  doc->surface = cairo_pdf_surface_create_for_stream(write_pdf, doc, doc->page_width, doc->page_height);
  doc->cr      = cairo_create(doc->surface);
  if (cairo_status(doc->cr) != CAIRO_STATUS_SUCCESS)
    return (cairo_failed(doc));

  cairo_set_source_rgb(doc->cr, 0.0, 0.0, 0.0);

  /* Outlines as designed: no hinting on paper. */
  options = cairo_font_options_create();
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);

  doc->layout = pango_cairo_create_layout(doc->cr);
  doc->footer = pango_cairo_create_layout(doc->cr);
  pango_cairo_context_set_font_options(pango_layout_get_context(doc->layout), options);
  pango_cairo_context_set_font_options(pango_layout_get_context(doc->footer), options);
  /*
   * 1 pt = 1 unit, and glyphs where the font puts them: rounded to whole
   * points (pango's default), a 6.02 pt advance becomes 6 pt, and cairo
   * corrects every other glyph in the PDF, which makes the PDF larger and
   * Ghostscript's pass over it slower.
   */

  pango_cairo_context_set_resolution(pango_layout_get_context(doc->layout), 72.0);
  pango_cairo_context_set_resolution(pango_layout_get_context(doc->footer), 72.0);
  pango_context_set_round_glyph_positions(pango_layout_get_context(doc->layout), FALSE);
  pango_context_set_round_glyph_positions(pango_layout_get_context(doc->footer), FALSE);
  pango_layout_context_changed(doc->layout);
  pango_layout_context_changed(doc->footer);
  cairo_font_options_destroy(options);

  font = pango_font_description_new();
  pango_font_description_set_family_static(font, TEXT_FONT);
  pango_font_description_set_size(font, FOOTER_SIZE * PANGO_SCALE);
  pango_layout_set_font_description(doc->footer, font);

  pango_font_description_set_size(font, TEXT_SIZE * PANGO_SCALE);
  pango_layout_set_font_description(doc->layout, font);
  pango_layout_set_single_paragraph_mode(doc->layout, TRUE);

  metrics     = pango_context_get_metrics(pango_layout_get_context(doc->layout), font, NULL);
  doc->ascent = (double)pango_font_metrics_get_ascent(metrics) / PANGO_SCALE;
  pango_font_metrics_unref(metrics);
  pango_font_description_free(font);

  /*
   * The column is 80 advances of the monospace font, measured, centred
   * on the page; half an advance more so that rounding never wraps the
   * 80th character.
   */

  pango_layout_set_text(doc->layout, "MMMMMMMMMM", -1);
  pango_layout_get_size(doc->layout, &width, &height);
  if (width <= 0)
    return (_gwConvFail(doc->conv, GW_REASON_INTERNAL, "no monospace font could be loaded"));

  doc->wrap_width = width * TEXT_COLUMNS / 10 + width / 20;
  pango_layout_set_wrap(doc->layout, PANGO_WRAP_CHAR);

  doc->left           = (doc->page_width - (double)width * TEXT_COLUMNS / 10.0 / PANGO_SCALE) / 2.0;
  doc->lines_per_page = (int)((doc->page_height - TEXT_MARGIN_TOP - TEXT_MARGIN_BOTTOM) / TEXT_PITCH);
  doc->chunk_blank    = true;
  doc->chunk_simple   = true;

  return (true);
}


#if defined(__SANITIZE_ADDRESS__) || defined(PRINTGATE_SANITIZE)
/*
 * '__lsan_default_suppressions()' - Sanitizer builds only: fontconfig's
 *                                   configuration and the fonts pango and
 *                                   cairo cache in it live until the
 *                                   process ends, by design.
 *
 * Freeing them (pango_cairo_font_map_set_default(NULL),
 * cairo_debug_reset_static_data(), FcFini()) was tried: cairo then fails
 * an assertion now and then (a scaled font still referenced), so the
 * helper leaves them to the exit, and LeakSanitizer is told about exactly
 * these allocations (those made inside libfontconfig).
 *
 * librsvg 2.54 (convert-image-svg.c) keeps each internal entity an SVG
 * declares in an xmlEntity it never frees (100 bytes for entity-one.svg,
 * made by libxml2's xmlNewEntity on librsvg's behalf): a library leak per
 * document in a process that exits after it, so allocations made inside
 * libxml2 are left out too.
 */

extern const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
  return ("leak:libfontconfig.so\nleak:libxml2.so\n");
}
#endif /* __SANITIZE_ADDRESS__ || PRINTGATE_SANITIZE */


/*
 * '_gwConvTextToPdf()' - Make a PDF of the text document in the private
 *                        directory under the name path.  On failure the
 *                        conversion says why (too-many-pages, empty-document,
 *                        too-large, internal-error) and path may be partly
 *                        written (the private directory is emptied anyway).
 */

bool
_gwConvTextToPdf(gw_conv_t  *conv,     /* I - Conversion (format = GW_FORMAT_TEXT_*) */
                 const char *path)     /* I - PDF to write, relative to the private dir */
{
  text_doc_t          *doc;
  text_input_t         in;
  const unsigned char *data;
  unsigned char       *mail = NULL;
  bool                 ok;
  struct timespec      start, end;

  clock_gettime(CLOCK_MONOTONIC, &start);

  if ((data = _gwConvInputMap(conv)) == NULL)
    return (false);

  if ((doc = calloc(1, sizeof(text_doc_t))) == NULL)
  {
    munmap((void *)data, (size_t)conv->in_size);
    return (_gwConvFail(conv, GW_REASON_CONVERSION_CRASHED, "not enough memory to lay out the text"));
  }

  doc->conv = conv;
  doc->fd   = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

  if (doc->fd < 0)
    ok = _gwConvFail(conv, GW_REASON_INTERNAL, "unable to create the PDF for the text (errno %d)", errno);
  else
  {
    if (conv->format == GW_FORMAT_MAIL)
    {
      /* A mail prints as its main headers and its text body (convert-mail.c). */
      size_t textlen = 0;

      if ((mail = _gwConvMailToText(conv, data, (size_t)conv->in_size, &textlen)) != NULL)
        start_input(&in, GW_FORMAT_TEXT_UTF8, mail, textlen);
      ok = mail != NULL;
    }
    else
    {
      /* A CSV without the Office pool is UTF-8 (or US-ASCII) text (convert-input.c). */
      start_input(&in, conv->format == GW_FORMAT_CSV ? GW_FORMAT_TEXT_UTF8 : conv->format, data, (size_t)conv->in_size);
      ok = true;
    }
    ok = ok && set_up(doc) && lay_out(doc, &in);
  }

  /*
   * Finish the PDF (cairo writes its fonts and cross-reference table now)
   * and free everything, also after a failure.
   */

  if (doc->layout)
    g_object_unref(doc->layout);
  if (doc->footer)
    g_object_unref(doc->footer);
  if (doc->cr)
    cairo_destroy(doc->cr);
  if (doc->surface)
  {
    cairo_surface_finish(doc->surface);
    if (ok && cairo_surface_status(doc->surface) != CAIRO_STATUS_SUCCESS)
    {
      if (doc->write_errno == EFBIG)
        ok = _gwConvFail(conv, GW_REASON_TOO_LARGE, "the converted text is larger than %d MB", conv->settings.fsize_mb);
      else
        ok = _gwConvFail(conv, GW_REASON_INTERNAL, "unable to finish the PDF made from the text (errno %d)", doc->write_errno);
    }
    cairo_surface_destroy(doc->surface);
  }

  if (doc->fd >= 0 && close(doc->fd) && ok)
    ok = _gwConvFail(conv, GW_REASON_INTERNAL, "unable to close the PDF made from the text (errno %d)", errno);

  clock_gettime(CLOCK_MONOTONIC, &end);
  if (ok)
    _gwConvLog("text: %d pages laid out in %.0f ms", doc->pages,
               (double)(end.tv_sec - start.tv_sec) * 1000.0 + (double)(end.tv_nsec - start.tv_nsec) / 1e6);

  free(doc);
  free(mail);
  munmap((void *)data, (size_t)conv->in_size);

  return (ok);
}
