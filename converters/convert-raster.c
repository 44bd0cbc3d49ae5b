/*
 * convert-raster.c - PWG raster and Apple raster (URF), as phones send them
 * over IPP, made into a PDF of our own (docs/converters.md, "Images and
 * raster").
 *
 * The bounded decoders of converters/formats/ (raster.h) read the
 * document; every raster page becomes a PDF page of the size its header
 * gives (pixels / resolution), covered by the page's pixels as 8-bit grey
 * or RGB.  Colour spaces: sGray, device gray, black (inverted), sRGB,
 * device RGB, Adobe RGB (taken as RGB) and CMYK (naive conversion); 16-bit
 * samples keep their high byte, 1/2/4-bit grey or black is spread to 8
 * bits.  DeviceN has no meaning outside the printer it was made for and
 * is refused.  The limits (pages, pixels per page, cairo's 32767-pixel
 * side) are the decoder's, so a page over them is refused from its header.
 */

#include "convert-image-private.h"

#include <errno.h>
#include <fcntl.h>
#include <printgate-formats/raster.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>


/*
 * 'sample()' - Colorant c of pixel x in a decoded line, as 0-255.
 */

static inline unsigned
sample(const gw_raster_page_t *page, const unsigned char *line, uint32_t x, unsigned c)
{
  size_t i = (size_t)x * page->num_colors + c;

  switch (page->bits_per_color)
  {
    case 8 :
        return (line[i]);
    case 16 :
        return (line[2 * i]);           /* Big-endian: the high byte first */
    default :
      {
        /* 1, 2 or 4 bits, one colorant, first pixel in the high bits. */
        unsigned bpc   = page->bits_per_color,
                 mask  = (1U << bpc) - 1,
                 shift = 8 - bpc - (unsigned)((i * bpc) % 8);

        return (((line[i * bpc / 8] >> shift) & mask) * 255 / mask);
      }
  }
}


/*
 * 'raster_line()' - One decoded line to cairo RGB24 pixels.
 */

static void
raster_line(const gw_raster_page_t *page, const unsigned char *line, uint32_t *out)
{
  for (uint32_t x = 0; x < page->width; x ++)
  {
    unsigned r, g, b;

    switch (page->color_space)
    {
      case GW_RASTER_CSPACE_SGRAY :
      case GW_RASTER_CSPACE_GRAY :
          r = g = b = sample(page, line, x, 0);
          break;
      case GW_RASTER_CSPACE_BLACK :
          r = g = b = 255 - sample(page, line, x, 0);
          break;
      case GW_RASTER_CSPACE_CMYK :
        {
          unsigned k = 255 - sample(page, line, x, 3);

          r = (255 - sample(page, line, x, 0)) * k / 255;
          g = (255 - sample(page, line, x, 1)) * k / 255;
          b = (255 - sample(page, line, x, 2)) * k / 255;
        }
        break;
      default :                         /* sRGB, Adobe RGB, device RGB */
          r = sample(page, line, x, 0);
          g = sample(page, line, x, 1);
          b = sample(page, line, x, 2);
          break;
    }

    out[x] = 0xff000000U | (r << 16) | (g << 8) | b;
  }
}


/*
 * 'raster_fail()' - Map a decoder status to our reason.
 */

static bool
raster_fail(gw_conv_t *conv, gw_raster_t *r, gw_raster_status_t st, const char *name)
{
  const char *why = r ? gwRasterGetReason(r) : "";

  switch (st)
  {
    case GW_RASTER_ERROR_LIMIT :
        if (strstr(why, " pages"))
          return (_gwConvFail(conv, GW_REASON_TOO_MANY_PAGES, "the %s has more than %d pages", name, conv->settings.max_pages));
        return (_gwConvFail(conv, GW_REASON_TOO_LARGE, "the %s is too large: %s", name, why));
    case GW_RASTER_ERROR_MEMORY :
        return (_gwConvFail(conv, GW_REASON_CONVERSION_CRASHED, "there is not enough memory to read the %s", name));
    case GW_RASTER_ERROR_IO :
    case GW_RASTER_ERROR_USAGE :
        return (_gwConvFail(conv, GW_REASON_INTERNAL, "the %s could not be read (%s)", name, gwRasterStatusString(st)));
    default :
        return (_gwConvFail(conv, GW_REASON_CORRUPT_DOCUMENT, "the %s is damaged: %s", name, why));
  }
}


/*
 * 'raster_page()' - Decode the current page into a new PDF page.
 */

static bool
raster_page(gw_conv_pdf_t *pdf, gw_raster_t *r, const gw_raster_page_t *page, unsigned char *line, const char *name)
{
  cairo_surface_t   *surface;
  gw_raster_status_t st;
  bool               ok;

  if (page->color_space == GW_RASTER_CSPACE_DEVICE_N)
    return (_gwConvFail(pdf->conv, GW_REASON_UNSUPPORTED_FORMAT, "page %u of the %s uses device colorants (DeviceN) only its printer knows", page->number, name));

  if (!_gwConvImageCheckSize(pdf, name, page->width, page->height) ||
      (surface = _gwConvImageSurface(pdf, (int)page->width, (int)page->height)) == NULL)
    return (false);

  cairo_surface_flush(surface);
  for (uint32_t y = 0; y < page->height; y ++)
  {
    if ((st = gwRasterReadLine(r, line, page->bytes_per_line)) != GW_RASTER_OK)
    {
      cairo_surface_destroy(surface);
      return (raster_fail(pdf->conv, r, st == GW_RASTER_END ? GW_RASTER_ERROR_TRUNCATED : st, name));
    }

    raster_line(page, line, (uint32_t *)(cairo_image_surface_get_data(surface) + (size_t)y * (size_t)cairo_image_surface_get_stride(surface)));
  }
  cairo_surface_mark_dirty(surface);

  ok = _gwConvPdfRasterPage(pdf, surface, page->width * 72.0 / page->xres, page->height * 72.0 / page->yres);
  cairo_surface_destroy(surface);

  return (ok);
}


/*
 * '_gwConvRasterToPdf()' - Make the raster document into pdf_path.
 */

bool
_gwConvRasterToPdf(gw_conv_t *conv, const char *pdf_path)
{
  gw_conv_pdf_t      pdf;
  gw_raster_limits_t limits;
  gw_raster_t       *r;
  gw_raster_page_t   page;
  gw_raster_status_t st = GW_RASTER_END;
  gw_mem_src_t       src;
  unsigned char     *line = NULL;
  size_t             linesize = 0;
  const char        *name = conv->format == GW_FORMAT_URF ? "Apple raster (URF) document" : "PWG raster document";
  void              *map;
  bool               ok = true;

  memset(&pdf, 0, sizeof(pdf));

  if ((map = (void *)_gwConvInputMap(conv)) == NULL)
    return (false);

  src.data = map;
  src.len  = (size_t)conv->in_size;
  src.pos  = 0;
  src.chunk = 0;

  memset(&limits, 0, sizeof(limits));
  limits.max_width  = 32767;            /* cairo's largest image side */
  limits.max_height = 32767;
  limits.max_pixels = (uint64_t)conv->settings.max_mpixels * 1000000U;
  limits.max_pages  = (uint32_t)conv->settings.max_pages;

  if ((r = gwRasterOpen(GW_RASTER_TYPE_AUTO, gwMemSrcRead, &src, &limits)) == NULL)
  {
    munmap(map, src.len);
    return (_gwConvFail(conv, GW_REASON_CONVERSION_CRASHED, "there is not enough memory to read the %s", name));
  }

  if (!_gwConvPdfOpen(&pdf, conv, pdf_path))
  {
    gwRasterClose(&r);
    munmap(map, src.len);
    return (false);
  }

  while (ok && (st = gwRasterNextPage(r, &page)) == GW_RASTER_OK)
  {
    if (page.bytes_per_line > linesize)
    {
      unsigned char *bigger = realloc(line, page.bytes_per_line);

      if (!bigger)
      {
        ok = _gwConvFail(conv, GW_REASON_CONVERSION_CRASHED, "there is not enough memory to read the %s", name);
        break;
      }
      line     = bigger;
      linesize = page.bytes_per_line;
    }

    ok = raster_page(&pdf, r, &page, line, name);
  }

  if (ok && st != GW_RASTER_END)
    ok = raster_fail(conv, r, st, name);
  else if (ok && pdf.pages == 0)
    ok = _gwConvFail(conv, GW_REASON_EMPTY_DOCUMENT, "the %s has no pages", name);

  ok = _gwConvPdfClose(&pdf, ok);

  free(line);
  gwRasterClose(&r);
  munmap(map, src.len);

  return (ok);
}
