/*
 * raster.c - the raster decoder: reading, limits and line decoding (see raster.h).
 *
 * PWG raster and URF share the line encoding (PWG 5102.4 section 4.3):
 *
 *   line   = repeat-byte run* ; the line is given (repeat-byte + 1) times
 *   run    = 0..127 pixel     ; the pixel (count + 1) times
 *          | 129..255 pixel*  ; (257 - count) literal pixels
 *          | 128              ; white to the end of the line
 *
 * where a pixel is bits_per_pixel / 8 bytes, or one byte when a pixel is
 * smaller than a byte.  The runs of one line must fill it exactly and the
 * repeat must stay within the page: anything else is GW_RASTER_ERROR_DATA
 * (CUPS clips such runs silently; a printer would print garbage where we
 * give the owner a reason).  The header parsers (raster-pwg.c,
 * raster-urf.c) check their own fields; the limits, the line size and the
 * line buffer are checked and made here, once, for both formats.
 *
 * Errors are sticky: after the first one, every call returns it, and
 * gwRasterGetReason() says what and where ("page 2, line 37: ...").
 * GW_RASTER_ERROR_USAGE is the exception: it reports a wrong call and
 * changes nothing.
 */

#include "raster-private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * Local functions.
 */

static gw_raster_status_t check_page(gw_raster_t *r);
static gw_raster_status_t decode_line(gw_raster_t *r);
static bool               fill_buffer(gw_raster_t *r);
static int                get_byte(gw_raster_t *r);
static gw_raster_status_t read_sync(gw_raster_t *r);
static gw_raster_status_t skip_lines(gw_raster_t *r);
static gw_raster_status_t truncated_line(gw_raster_t *r);
static const char        *unit_name(const gw_raster_t *r);


/*
 * 'gwRasterOpen()' - Start decoding a document read through a callback.
 *
 * Nothing is read until the first gwRasterNextPage().  "limits" may be
 * NULL, and any zero field takes its default.  Returns NULL when out of
 * memory, or when "cb" is NULL or "type" is not a gw_raster_type_t.  The
 * caller keeps "ctx" alive until gwRasterClose().
 */

gw_raster_t *
gwRasterOpen(gw_raster_type_t         type,    /* I - Format, or AUTO */
             gw_raster_cb_t           cb,      /* I - Read callback */
             void                     *ctx,    /* I - Its context */
             const gw_raster_limits_t *limits) /* I - Limits, or NULL for the defaults */
{
  gw_raster_t *r;

  if (!cb || (type != GW_RASTER_TYPE_AUTO && type != GW_RASTER_TYPE_PWG && type != GW_RASTER_TYPE_URF))
    return (NULL);

  if ((r = calloc(1, sizeof(gw_raster_t))) == NULL)
    return (NULL);

  r->type = type;
  r->cb   = cb;
  r->ctx  = ctx;

  if (limits)
    r->limits = *limits;

  if (!r->limits.max_width)
    r->limits.max_width = GW_RASTER_DEFAULT_MAX_WIDTH;
  if (!r->limits.max_height)
    r->limits.max_height = GW_RASTER_DEFAULT_MAX_HEIGHT;
  if (!r->limits.max_pixels)
    r->limits.max_pixels = GW_RASTER_DEFAULT_MAX_PIXELS;
  if (!r->limits.max_pages)
    r->limits.max_pages = GW_RASTER_DEFAULT_MAX_PAGES;

  return (r);
}


/*
 * 'gwRasterNextPage()' - Read the next page header.
 *
 * Lines of the current page that were not read are decoded and dropped
 * first (so damage there is still found).  Returns OK with "page" filled
 * in, END when the document has no more pages, or an error.
 */

gw_raster_status_t
gwRasterNextPage(gw_raster_t      *r,          /* I - Decoder */
                 gw_raster_page_t *page)       /* O - Page header */
{
  gw_raster_status_t status;

  if (!r || !page)
    return (GW_RASTER_ERROR_USAGE);

  if (r->error != GW_RASTER_OK)
    return (r->error);

  if (r->ended)
    return (GW_RASTER_END);

  if (!r->started && (status = read_sync(r)) != GW_RASTER_OK)
    return (status);

  if (r->in_page)
  {
    if ((status = skip_lines(r)) != GW_RASTER_OK)
      return (status);

    r->in_page = false;
  }

 /*
  * Another page, or the end?
  */

  if (r->bufpos == r->buflen && !fill_buffer(r))
  {
    if (r->error != GW_RASTER_OK)
      return (r->error);

    if (r->announced && r->pages < r->announced)
      return (_gwRasterFail(r, GW_RASTER_ERROR_TRUNCATED, "the document ends after page %u of the %u it announces",
                            r->pages, (unsigned)r->announced));

    r->ended = true;
    return (GW_RASTER_END);
  }

  if (r->pages >= r->limits.max_pages)
    return (_gwRasterFail(r, GW_RASTER_ERROR_LIMIT, "the document has more than %u pages, the limit",
                          (unsigned)r->limits.max_pages));

  if (r->announced && r->pages >= r->announced)
    return (_gwRasterFail(r, GW_RASTER_ERROR_DATA, "data follows the last of the %u pages the document announces",
                          (unsigned)r->announced));

  memset(&r->page, 0, sizeof(r->page));
  r->page.number = r->pages + 1;

  if (r->type == GW_RASTER_TYPE_PWG)
    status = _gwRasterPwgReadHeader(r, &r->page);
  else
    status = _gwRasterUrfReadHeader(r, &r->page);

  if (status != GW_RASTER_OK || (status = check_page(r)) != GW_RASTER_OK)
    return (status);

  r->pages ++;
  r->in_page     = true;
  r->line_y      = 0;
  r->repeat_left = 0;
  *page          = r->page;

  return (GW_RASTER_OK);
}


/*
 * 'gwRasterReadLine()' - Decode the next line of the current page.
 *
 * Writes exactly page.bytes_per_line bytes to "line" (linesize must be at
 * least that).  Returns OK, END when every line of the page was read, or
 * an error.
 */

gw_raster_status_t
gwRasterReadLine(gw_raster_t *r,               /* I - Decoder */
                 void        *line,            /* O - Line buffer */
                 size_t      linesize)         /* I - Its size */
{
  gw_raster_status_t status;

  if (!r)
    return (GW_RASTER_ERROR_USAGE);

  if (r->error != GW_RASTER_OK)
    return (r->error);

  if (!r->in_page || !line || linesize < r->page.bytes_per_line)
    return (GW_RASTER_ERROR_USAGE);

  if (r->line_y >= r->page.height)
    return (GW_RASTER_END);

  if (r->repeat_left == 0 && (status = decode_line(r)) != GW_RASTER_OK)
    return (status);

  memcpy(line, r->line, r->page.bytes_per_line);
  r->repeat_left --;
  r->line_y ++;

  return (GW_RASTER_OK);
}


/*
 * 'gwRasterGetType()' - The format: as asked, or found once the first page
 *                       was asked for (AUTO before that, or when the sync
 *                       word was neither).
 */

gw_raster_type_t
gwRasterGetType(const gw_raster_t *r)
{
  return (r ? r->type : GW_RASTER_TYPE_AUTO);
}


/*
 * 'gwRasterGetReason()' - What went wrong, and where ("" when nothing did).
 */

const char *
gwRasterGetReason(const gw_raster_t *r)
{
  return (r ? r->reason : "");
}


/*
 * 'gwRasterStatusString()' - Keyword of a status for logs and tests.
 */

const char *
gwRasterStatusString(gw_raster_status_t status)
{
  switch (status)
  {
    case GW_RASTER_OK :
        return ("ok");
    case GW_RASTER_END :
        return ("end");
    case GW_RASTER_ERROR_IO :
        return ("io-error");
    case GW_RASTER_ERROR_TRUNCATED :
        return ("truncated");
    case GW_RASTER_ERROR_FORMAT :
        return ("bad-format");
    case GW_RASTER_ERROR_HEADER :
        return ("bad-header");
    case GW_RASTER_ERROR_LIMIT :
        return ("over-limit");
    case GW_RASTER_ERROR_DATA :
        return ("bad-data");
    case GW_RASTER_ERROR_USAGE :
        return ("usage");
    case GW_RASTER_ERROR_MEMORY :
        return ("out-of-memory");
  }

  return ("unknown");
}


/*
 * 'gwRasterClose()' - Free a decoder (NULL is fine) and set the pointer to NULL.
 */

void
gwRasterClose(gw_raster_t **r)
{
  if (!r || !*r)
    return;

  free((*r)->line);
  free(*r);
  *r = NULL;
}


/*
 * '_gwRasterCopyName()' - Copy a fixed-size header string, stopping at its
 *                         nul, with anything but printable ASCII as '?'.
 */

void
_gwRasterCopyName(char                *dst,     /* O - Terminated copy */
                  size_t              dstsize,  /* I - Its size (> 0) */
                  const unsigned char *src,     /* I - Header field */
                  size_t              srclen)   /* I - Field size */
{
  size_t i;

  for (i = 0; i < srclen && i + 1 < dstsize && src[i]; i ++)
    dst[i] = (src[i] >= 0x20 && src[i] < 0x7F) ? (char)src[i] : '?';

  dst[i] = '\0';
}


/*
 * '_gwRasterFail()' - Record the first error and its reason; returns the status.
 */

gw_raster_status_t
_gwRasterFail(gw_raster_t        *r,           /* I - Decoder */
              gw_raster_status_t status,       /* I - Error */
              const char         *fmt,         /* I - Reason (printf format) */
              ...)                             /* I - Arguments */
{
  va_list ap;

  if (r->error != GW_RASTER_OK)
    return (r->error);

  r->error = status;

  va_start(ap, fmt);
  vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
  va_end(ap);

  return (status);
}


/*
 * '_gwRasterRead()' - Read bytes; returns how many (fewer at the end of
 *                     the data or on an error, which is then recorded).
 */

size_t
_gwRasterRead(gw_raster_t *r,                  /* I - Decoder */
              void        *dst,                /* O - Bytes */
              size_t      bytes)               /* I - How many */
{
  unsigned char *p = dst;
  size_t        got = 0, n;

  while (got < bytes)
  {
    if (r->bufpos == r->buflen && !fill_buffer(r))
      break;

    n = r->buflen - r->bufpos;
    if (n > bytes - got)
      n = bytes - got;

    memcpy(p + got, r->buf + r->bufpos, n);
    r->bufpos += n;
    got       += n;
  }

  return (got);
}


/*
 * 'check_page()' - Check a parsed page header against the limits, then
 *                  size the line and its buffer.
 */

static gw_raster_status_t
check_page(gw_raster_t *r)                     /* I - Decoder */
{
  gw_raster_page_t *page = &r->page;
  uint64_t         pixels, bytes;
  unsigned char    *line;

  if (page->width == 0 || page->height == 0)
    return (_gwRasterFail(r, GW_RASTER_ERROR_HEADER, "page %u has no pixels (%u x %u)",
                          page->number, (unsigned)page->width, (unsigned)page->height));

  if (page->width > r->limits.max_width)
    return (_gwRasterFail(r, GW_RASTER_ERROR_LIMIT, "page %u is %u pixels wide, more than the limit of %u",
                          page->number, (unsigned)page->width, (unsigned)r->limits.max_width));

  if (page->height > r->limits.max_height)
    return (_gwRasterFail(r, GW_RASTER_ERROR_LIMIT, "page %u is %u pixels high, more than the limit of %u",
                          page->number, (unsigned)page->height, (unsigned)r->limits.max_height));

  pixels = (uint64_t)page->width * page->height;
  if (pixels > r->limits.max_pixels)
    return (_gwRasterFail(r, GW_RASTER_ERROR_LIMIT, "page %u has %llu pixels (%u x %u), more than the limit of %llu",
                          page->number, (unsigned long long)pixels, (unsigned)page->width, (unsigned)page->height,
                          (unsigned long long)r->limits.max_pixels));

 /*
  * The header parsers allow at most 16 bits x 15 colorants per pixel, and
  * the width is at most 2^32 - 1, so this product cannot overflow.
  */

  bytes = ((uint64_t)page->width * page->bits_per_pixel + 7) / 8;
  if (bytes > SIZE_MAX / 2)
    return (_gwRasterFail(r, GW_RASTER_ERROR_LIMIT, "page %u: a line of %llu bytes is too long",
                          page->number, (unsigned long long)bytes));

  page->bytes_per_line = (size_t)bytes;
  r->unit              = page->bits_per_pixel >= 8 ? page->bits_per_pixel / 8 : 1;
  r->fill              = page->white_is_zero ? 0x00 : 0xFF;

  if (page->bytes_per_line > r->linealloc)
  {
    if ((line = realloc(r->line, page->bytes_per_line)) == NULL)
      return (_gwRasterFail(r, GW_RASTER_ERROR_MEMORY, "page %u: no memory for a line of %zu bytes",
                            page->number, page->bytes_per_line));

    r->line      = line;
    r->linealloc = page->bytes_per_line;
  }

  return (GW_RASTER_OK);
}


/*
 * 'decode_line()' - Decode the next encoded line into r->line and set how
 *                   many times it is given out.
 */

static gw_raster_status_t
decode_line(gw_raster_t *r)                    /* I - Decoder */
{
  size_t   bpl = r->page.bytes_per_line, unit = r->unit, pos = 0, nbytes, k;
  uint32_t repeat;
  int      c;

  if ((c = get_byte(r)) < 0)
    return (truncated_line(r));

  repeat = (uint32_t)c + 1;
  if (repeat > r->page.height - r->line_y)
    return (_gwRasterFail(r, GW_RASTER_ERROR_DATA,
                          "page %u, line %u: the line is repeated %u times, past the end of the page (%u lines)",
                          r->page.number, (unsigned)r->line_y + 1, (unsigned)repeat, (unsigned)r->page.height));

  while (pos < bpl)
  {
    if ((c = get_byte(r)) < 0)
      return (truncated_line(r));

    if (c == 128)
    {
     /*
      * White to the end of the line.
      */

      memset(r->line + pos, r->fill, bpl - pos);
      pos = bpl;
    }
    else if (c > 128)
    {
     /*
      * Literal pixels.
      */

      nbytes = (size_t)(257 - c) * unit;
      if (nbytes > bpl - pos)
        return (_gwRasterFail(r, GW_RASTER_ERROR_DATA,
                              "page %u, line %u: %d literal %s overflow the line (%zu left)",
                              r->page.number, (unsigned)r->line_y + 1, 257 - c, unit_name(r), (bpl - pos) / unit));

      if (_gwRasterRead(r, r->line + pos, nbytes) < nbytes)
        return (truncated_line(r));

      pos += nbytes;
    }
    else
    {
     /*
      * One pixel, repeated.
      */

      nbytes = (size_t)(c + 1) * unit;
      if (nbytes > bpl - pos)
        return (_gwRasterFail(r, GW_RASTER_ERROR_DATA,
                              "page %u, line %u: a run of %d %s overflows the line (%zu left)",
                              r->page.number, (unsigned)r->line_y + 1, c + 1, unit_name(r), (bpl - pos) / unit));

      if (_gwRasterRead(r, r->line + pos, unit) < unit)
        return (truncated_line(r));

      if (unit == 1)
        memset(r->line + pos + 1, r->line[pos], nbytes - 1);
      else
        for (k = unit; k < nbytes; k += unit)
          memcpy(r->line + pos + k, r->line + pos, unit);

      pos += nbytes;
    }
  }

  r->repeat_left = repeat;

  return (GW_RASTER_OK);
}


/*
 * 'fill_buffer()' - Refill the empty read buffer; false at the end of the
 *                   data or on an error (recorded).
 */

static bool
fill_buffer(gw_raster_t *r)                    /* I - Decoder */
{
  ssize_t n;

  if (r->eof || r->error != GW_RASTER_OK)
    return (false);

  n = (r->cb)(r->ctx, r->buf, sizeof(r->buf));

  if (n < 0 || (size_t)n > sizeof(r->buf))
  {
    _gwRasterFail(r, GW_RASTER_ERROR_IO, "the document could not be read");
    return (false);
  }

  if (n == 0)
  {
    r->eof = true;
    return (false);
  }

  r->bufpos = 0;
  r->buflen = (size_t)n;

  return (true);
}


/*
 * 'get_byte()' - Read one byte; -1 at the end of the data or on an error.
 */

static int
get_byte(gw_raster_t *r)                       /* I - Decoder */
{
  if (r->bufpos == r->buflen && !fill_buffer(r))
    return (-1);

  return (r->buf[r->bufpos ++]);
}


/*
 * 'read_sync()' - Read the sync word (and the URF file header) and settle
 *                 the format.
 */

static gw_raster_status_t
read_sync(gw_raster_t *r)                      /* I - Decoder */
{
  unsigned char sync[4];
  size_t        got;

  r->started = true;

  if ((got = _gwRasterRead(r, sync, sizeof(sync))) < sizeof(sync))
  {
    if (r->error != GW_RASTER_OK)
      return (r->error);
    else if (got == 0)
      return (_gwRasterFail(r, GW_RASTER_ERROR_TRUNCATED, "the document is empty"));
    else
      return (_gwRasterFail(r, GW_RASTER_ERROR_TRUNCATED, "the document ends inside its sync word"));
  }

  if (!memcmp(sync, "RaS2", 4) && r->type != GW_RASTER_TYPE_URF)
  {
    r->type = GW_RASTER_TYPE_PWG;
    return (GW_RASTER_OK);
  }

  if (!memcmp(sync, "UNIR", 4) && r->type != GW_RASTER_TYPE_PWG)
  {
    r->type = GW_RASTER_TYPE_URF;
    return (_gwRasterUrfReadFileHeader(r));
  }

  return (_gwRasterFail(r, GW_RASTER_ERROR_FORMAT, "not %s: the document starts with %02X %02X %02X %02X",
                        r->type == GW_RASTER_TYPE_PWG ? "PWG raster" :
                        r->type == GW_RASTER_TYPE_URF ? "Apple raster (URF)" : "PWG or Apple raster",
                        sync[0], sync[1], sync[2], sync[3]));
}


/*
 * 'skip_lines()' - Decode and drop the lines of the current page not yet read.
 */

static gw_raster_status_t
skip_lines(gw_raster_t *r)                     /* I - Decoder */
{
  gw_raster_status_t status;

  while (r->line_y < r->page.height)
  {
    if (r->repeat_left == 0 && (status = decode_line(r)) != GW_RASTER_OK)
      return (status);

    r->line_y      += r->repeat_left;       /* decode_line() kept it within the page */
    r->repeat_left  = 0;
  }

  return (GW_RASTER_OK);
}


/*
 * 'truncated_line()' - The data ended (or failed) inside a line.
 */

static gw_raster_status_t
truncated_line(gw_raster_t *r)                 /* I - Decoder */
{
  if (r->error != GW_RASTER_OK)
    return (r->error);

  return (_gwRasterFail(r, GW_RASTER_ERROR_TRUNCATED, "the document ends at line %u of page %u (of %u lines)",
                        (unsigned)r->line_y + 1, r->page.number, (unsigned)r->page.height));
}


/*
 * 'unit_name()' - What a run counts: pixels, or bytes below 8 bits per pixel.
 */

static const char *
unit_name(const gw_raster_t *r)                /* I - Decoder */
{
  return (r->page.bits_per_pixel >= 8 ? "pixels" : "bytes");
}


/*
 * 'gwMemSrcRead()' - Read from a document in memory (a gw_raster_cb_t; the
 *                    image decoders with callbacks of their own use it too).
 */

ssize_t
gwMemSrcRead(void *ctx, void *buffer, size_t bytes)
{
  gw_mem_src_t *src = (gw_mem_src_t *)ctx;
  size_t        n   = src->len - src->pos;

  if (n > bytes)
    n = bytes;
  if (src->chunk && n > src->chunk)
    n = src->chunk;

  memcpy(buffer, src->data + src->pos, n);
  src->pos += n;

  return ((ssize_t)n);
}
