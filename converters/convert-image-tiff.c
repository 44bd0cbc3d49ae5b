/*
 * convert-image-tiff.c - TIFF images with libtiff (the only file that
 * includes it); every page (directory) becomes a PDF page.
 *
 * The pages are counted first (libtiff's directory walk stops at loops)
 * and a TIFF with more than PG_CONVERT_MAX_PAGES is refused before any
 * pixel is read; each page's size is checked before it is decoded.
 * libtiff's RGBA interface reads every photometric, depth and compression
 * it knows; the stored row order is kept and the TIFF orientation tag
 * (the same eight values as EXIF) is applied on the PDF page.  libtiff's
 * warnings and errors go to a handler of ours that prints nothing.
 */

#include "convert-image-private.h"

#include <stdarg.h>
#include <string.h>
#include <tiffio.h>

#define TIFF_MAX_ALLOC (256 * 1024 * 1024)  /* libtiff's largest single allocation */


/*
 * The mapped document as a libtiff file.
 */

typedef struct tiff_src_s
{
  const unsigned char *data;
  toff_t               len, pos;
} tiff_src_t;


/*
 * libtiff client callbacks: read-only memory.
 */

static tmsize_t
tiff_read(thandle_t h, void *buf, tmsize_t size)
{
  tiff_src_t *src = (tiff_src_t *)h;
  toff_t      n;

  if (size <= 0 || src->pos >= src->len)
    return (0);

  n = (toff_t)size < src->len - src->pos ? (toff_t)size : src->len - src->pos;
  memcpy(buf, src->data + src->pos, (size_t)n);
  src->pos += n;

  return ((tmsize_t)n);
}

static tmsize_t
tiff_write(thandle_t h, void *buf, tmsize_t size)
{
  (void)h;
  (void)buf;
  (void)size;
  return (-1);
}

static toff_t
tiff_seek(thandle_t h, toff_t off, int whence)
{
  tiff_src_t *src = (tiff_src_t *)h;
  toff_t      base = whence == SEEK_CUR ? src->pos : whence == SEEK_END ? src->len : 0;

  if (off > UINT64_MAX - base)
    return ((toff_t)-1);

  src->pos = base + off;
  return (src->pos);
}

static int
tiff_close(thandle_t h)
{
  (void)h;
  return (0);
}

static toff_t
tiff_size(thandle_t h)
{
  return (((tiff_src_t *)h)->len);
}


/*
 * 'tiff_quiet()' - libtiff's error and warning handler: print nothing,
 *                  count errors.
 */

static int
tiff_quiet(TIFF *tif, void *user_data, const char *module, const char *fmt, va_list ap)
{
  (void)tif;
  (void)module;
  (void)fmt;
  (void)ap;

  if (user_data)
    (*(int *)user_data) ++;

  return (1);
}


/*
 * 'tiff_page()' - Add the current directory as a page.
 */

static bool
tiff_page(gw_conv_pdf_t *pdf, TIFF *tif, int page)
{
  TIFFRGBAImage    img;
  cairo_surface_t *surface;
  uint32_t         width = 0, height = 0;
  uint16_t         orientation = ORIENTATION_TOPLEFT;
  char             what[40], emsg[1024];
  bool             ok;

  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height);
  TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &orientation);

  snprintf(what, sizeof(what), "TIFF image (page %d)", page);
  if (!_gwConvImageCheckSize(pdf, what, width, height))
    return (false);

  if (!TIFFRGBAImageOK(tif, emsg) || !TIFFRGBAImageBegin(&img, tif, 1, emsg))
    return (_gwConvFail(pdf->conv, GW_REASON_UNSUPPORTED_FORMAT, "page %d of the TIFF image uses a kind of pixel data the gateway cannot read", page));

  if ((surface = _gwConvImageSurface(pdf, (int)width, (int)height)) == NULL)
  {
    TIFFRGBAImageEnd(&img);
    return (false);
  }

  /*
   * Rows in stored order (the orientation is applied on the page, where
   * the quarter turns are possible too); the raster is the surface.
   */

  img.req_orientation = ORIENTATION_TOPLEFT;
  img.orientation     = ORIENTATION_TOPLEFT;

  cairo_surface_flush(surface);
  ok = TIFFRGBAImageGet(&img, (uint32_t *)cairo_image_surface_get_data(surface), width, height) != 0;
  TIFFRGBAImageEnd(&img);

  if (!ok)
  {
    cairo_surface_destroy(surface);
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "page %d of the TIFF image is damaged", page));
  }

  /*
   * libtiff packs A, B, G, R (TIFFGetR() is the low byte): as bytes on a
   * little-endian machine that is R, G, B, A, premultiplied.
   */

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
  {
    uint32_t *p = (uint32_t *)cairo_image_surface_get_data(surface);

    for (size_t i = 0; i < (size_t)width * height; i ++)
      p[i] = __builtin_bswap32(p[i]);
  }
#endif
  _gwConvImageFromRGBA(surface, true);

  ok = _gwConvPdfImagePage(pdf, surface, width, height, orientation);
  cairo_surface_destroy(surface);

  return (ok);
}


/*
 * '_gwConvImageTiff()' - Add a page for every page of the TIFF document.
 */

bool
_gwConvImageTiff(gw_conv_pdf_t *pdf)
{
  tiff_src_t       src = { pdf->data, pdf->len, 0 };
  TIFFOpenOptions *opts;
  TIFF            *tif;
  int              errors = 0, pages;
  bool             ok = true;

  if ((opts = TIFFOpenOptionsAlloc()) == NULL)
    return (_gwConvFail(pdf->conv, GW_REASON_CONVERSION_CRASHED, "there is not enough memory to read the TIFF image"));

  TIFFOpenOptionsSetMaxSingleMemAlloc(opts, TIFF_MAX_ALLOC);
  TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_quiet, &errors);
  TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_quiet, NULL);

  /* "m": no memory-mapping of our callbacks; "h": headers only at open. */
  tif = TIFFClientOpenExt("document", "rm", (thandle_t)&src, tiff_read, tiff_write, tiff_seek, tiff_close,
                          tiff_size, NULL, NULL, opts);
  TIFFOpenOptionsFree(opts);

  if (!tif)
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the TIFF image is damaged and cannot be read"));

  pages = TIFFNumberOfDirectories(tif);
  if (pages > pdf->conv->settings.max_pages)
  {
    TIFFClose(tif);
    return (_gwConvFail(pdf->conv, GW_REASON_TOO_MANY_PAGES, "the TIFF image has %d pages; at most %d are allowed", pages, pdf->conv->settings.max_pages));
  }

  for (int page = 1; ok && page <= pages; page ++)
  {
    if (!TIFFSetDirectory(tif, (tdir_t)(page - 1)))
      ok = _gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "page %d of the TIFF image is damaged", page);
    else
      ok = tiff_page(pdf, tif, page);
  }

  TIFFClose(tif);

  return (ok);
}
