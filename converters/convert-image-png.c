/*
 * convert-image-png.c - PNG pictures with libpng (the only file that
 * includes it).
 *
 * The size comes from IHDR and is checked before any row is read, so a
 * 50,000 x 50,000 PNG of a few bytes fails at once.  Every colour type and
 * depth is expanded to 8-bit R, G, B, A; transparency is composed onto
 * white (paper).  The eXIf chunk's orientation is honoured (libexif).
 * libpng's warnings are dropped and its errors longjmp back here; neither
 * is printed (a chunk name in a message would be document text).
 */

#include "convert-image-private.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>


/*
 * Reading from the mapped document.
 */

typedef struct png_src_s
{
  const unsigned char *data;
  size_t               len, pos;
} png_src_t;


/*
 * 'png_read_cb()' - libpng's read callback: bytes from the document, or an
 *                   error at its end.
 */

static void
png_read_cb(png_structp png, png_bytep out, size_t bytes)
{
  png_src_t *src = (png_src_t *)png_get_io_ptr(png);

  if (bytes > src->len - src->pos)
    png_error(png, "truncated");

  memcpy(out, src->data + src->pos, bytes);
  src->pos += bytes;
}


/*
 * 'png_error_cb()', 'png_warning_cb()' - Never print; errors jump back.
 */

static void
png_error_cb(png_structp png, png_const_charp message)
{
  (void)message;
  png_longjmp(png, 1);
}

static void
png_warning_cb(png_structp png, png_const_charp message)
{
  (void)png;
  (void)message;
}


/*
 * '_gwConvImagePng()' - Add the PNG document's page.
 */

bool
_gwConvImagePng(gw_conv_pdf_t *pdf)
{
  png_structp               png;
  png_infop                 info;
  png_src_t                 src = { pdf->data, pdf->len, 0 };
  png_uint_32               width, height;
  int                       depth, type;
  volatile int              orientation = 1;
  cairo_surface_t *volatile surface = NULL;
  png_bytep *volatile       rows = NULL;
  bool                      ok;

  if ((png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, png_error_cb, png_warning_cb)) == NULL ||
      (info = png_create_info_struct(png)) == NULL)
  {
    png_destroy_read_struct(&png, NULL, NULL);
    return (_gwConvFail(pdf->conv, GW_REASON_CONVERSION_CRASHED, "there is not enough memory to read the PNG image"));
  }

  if (setjmp(png_jmpbuf(png)))
  {
    png_destroy_read_struct(&png, &info, NULL);
    if (surface)
      cairo_surface_destroy(surface);
    free(rows);
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the PNG image is damaged or cut short"));
  }

  png_set_read_fn(png, &src, png_read_cb);
  png_set_user_limits(png, 0x7fffffff, 0x7fffffff);    /* Our own limit is checked below */
  png_set_chunk_cache_max(png, 1000);                   /* Ancillary chunks kept */
  png_set_chunk_malloc_max(png, 8 * 1024 * 1024);       /* Largest chunk held in memory */
  png_read_info(png, info);
  png_get_IHDR(png, info, &width, &height, &depth, &type, NULL, NULL, NULL);

  if (!_gwConvImageCheckSize(pdf, "PNG image", width, height))
  {
    png_destroy_read_struct(&png, &info, NULL);
    return (false);
  }

#ifdef PNG_eXIf_SUPPORTED
  {
    png_bytep   exif = NULL;
    png_uint_32 exif_len = 0;

    if (png_get_eXIf_1(png, info, &exif_len, &exif) && exif)
      orientation = _gwConvExifOrientation(exif, exif_len);
  }
#endif /* PNG_eXIf_SUPPORTED */

  /* Any PNG to 8-bit R, G, B, A. */
  png_set_expand(png);
  png_set_strip_16(png);
  png_set_gray_to_rgb(png);
  png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);

  if (png_get_rowbytes(png, info) != (size_t)width * 4)
    png_error(png, "unexpected row size");

  if ((surface = _gwConvImageSurface(pdf, (int)width, (int)height)) == NULL)
  {
    png_destroy_read_struct(&png, &info, NULL);
    return (false);
  }

  /* The rows go straight into the surface (RGBA and RGB24 are 4 bytes). */
  if ((rows = calloc(height, sizeof(png_bytep))) == NULL)
    png_error(png, "no memory");

  cairo_surface_flush(surface);
  for (png_uint_32 y = 0; y < height; y ++)
    rows[y] = cairo_image_surface_get_data(surface) + (size_t)y * (size_t)cairo_image_surface_get_stride(surface);

  png_read_image(png, rows);
  png_read_end(png, NULL);
  png_destroy_read_struct(&png, &info, NULL);
  free(rows);

  _gwConvImageFromRGBA(surface, false);
  ok = _gwConvPdfImagePage(pdf, surface, width, height, orientation);
  cairo_surface_destroy(surface);

  return (ok);
}
