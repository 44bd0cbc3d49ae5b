/*
 * convert-image-jpeg.c - JPEG photos with libjpeg-turbo (the only file that
 * includes libjpeg).
 *
 * A JPEG in grey or YCbCr is kept as it is: cairo embeds the original DCT
 * data (CAIRO_MIME_TYPE_JPEG), so a photo is neither re-encoded nor
 * inflated.  It is still decoded completely, at 1/8 scale (libjpeg reads
 * every coefficient but computes only the DC term), which proves the data
 * is whole: a truncated file fails here with corrupt-document instead of
 * printing a grey half.  CMYK, YCCK and RGB JPEGs are decoded to RGB and
 * deflated.  The EXIF orientation (APP1) is read with libexif.
 *
 * libjpeg reports fatal errors through error_exit, which must not return:
 * we longjmp back.  Its warnings (extraneous bytes, a premature end) are
 * counted, never printed.
 */

#include "convert-image-private.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>


/*
 * Error manager.
 */

typedef struct jpeg_err_s
{
  struct jpeg_error_mgr pub;            /* libjpeg's */
  jmp_buf               jmp;            /* Back to the caller on a fatal error */
  bool                  ended_early;    /* "Premature end of JPEG file" */
  int                   warnings;       /* Other warnings (ignored) */
} jpeg_err_t;


/*
 * 'jpeg_error_exit()' - A fatal error: leave through the jump.
 */

static void
jpeg_error_exit(j_common_ptr cinfo)
{
  jpeg_err_t *err = (jpeg_err_t *)cinfo->err;

  longjmp(err->jmp, 1);
}


/*
 * 'jpeg_emit_message()' - Count warnings, note a truncated file, print
 *                         nothing.
 */

static void
jpeg_emit_message(j_common_ptr cinfo, int level)
{
  jpeg_err_t *err = (jpeg_err_t *)cinfo->err;

  if (level < 0)
  {
    if (err->pub.msg_code == JWRN_JPEG_EOF)
      err->ended_early = true;
    else
      err->warnings ++;
  }
}


/*
 * 'jpeg_output_message()' - Never print libjpeg's messages.
 */

static void
jpeg_output_message(j_common_ptr cinfo)
{
  (void)cinfo;
}


/*
 * 'exif_orientation()' - The orientation in the first EXIF APP1 marker.
 */

static int
exif_orientation(struct jpeg_decompress_struct *cinfo)
{
  for (jpeg_saved_marker_ptr m = cinfo->marker_list; m; m = m->next)
  {
    if (m->marker == JPEG_APP0 + 1 && m->data_length > 6 && !memcmp(m->data, "Exif\0\0", 6))
      return (_gwConvExifOrientation(m->data, m->data_length));
  }

  return (1);
}


/*
 * 'cmyk_row()' - Naive CMYK to RGB for one row (Adobe JPEGs store CMYK
 *                inverted: 255 is no ink).
 */

static void
cmyk_row(uint32_t *out, const unsigned char *in, unsigned width, bool inverted)
{
  for (unsigned x = 0; x < width; x ++, in += 4)
  {
    unsigned c = in[0], m = in[1], y = in[2], k = in[3], r, g, b;

    if (!inverted)
    {
      c = 255 - c;
      m = 255 - m;
      y = 255 - y;
      k = 255 - k;
    }

    r = c * k / 255;
    g = m * k / 255;
    b = y * k / 255;

    out[x] = 0xff000000U | (r << 16) | (g << 8) | b;
  }
}


/*
 * The outcome of one decoding pass.
 */

typedef struct jpeg_pass_s
{
  cairo_surface_t *surface;             /* Full size, or 1/8 when keep_dct */
  bool             keep_dct;            /* The original DCT data can be embedded */
  unsigned         width, height;       /* The JPEG's own size */
  int              orientation;         /* EXIF, 1-8 */
  int              warnings;            /* Defects libjpeg stepped over */
} jpeg_pass_t;


/*
 * 'jpeg_err_init()' - Route libjpeg's errors to us: a fatal one longjmps
 *                     back (err->jmp), messages are dropped.
 */

static struct jpeg_error_mgr *
jpeg_err_init(jpeg_err_t *err)
{
  memset(err, 0, sizeof(*err));
  jpeg_std_error(&err->pub);
  err->pub.error_exit     = jpeg_error_exit;
  err->pub.emit_message   = jpeg_emit_message;
  err->pub.output_message = jpeg_output_message;

  return (&err->pub);
}


/*
 * 'jpeg_pass()' - Decode the JPEG once: at 1/8 when its DCT data may be
 *                 kept (try_dct and a grey or YCbCr baseline/progressive
 *                 JPEG), else in full.  False with the reason recorded.
 */

static bool
jpeg_pass(gw_conv_pdf_t *pdf, bool try_dct, jpeg_pass_t *pass)
{
  struct jpeg_decompress_struct cinfo;
  jpeg_err_t                    err;
  cairo_surface_t *volatile     surface = NULL;
  unsigned char *volatile       row = NULL;
  volatile bool                 keep_dct = false, cmyk = false;

  memset(pass, 0, sizeof(*pass));
  cinfo.err = jpeg_err_init(&err);

  if (setjmp(err.jmp))
  {
    jpeg_destroy_decompress(&cinfo);
    if (surface)
      cairo_surface_destroy(surface);
    free(row);
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the JPEG image is damaged and cannot be read"));
  }

  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, pdf->data, (unsigned long)pdf->len);
  jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header(&cinfo, TRUE);

  if (!_gwConvImageCheckSize(pdf, "JPEG image", cinfo.image_width, cinfo.image_height))
  {
    jpeg_destroy_decompress(&cinfo);
    return (false);
  }

  pass->width       = cinfo.image_width;
  pass->height      = cinfo.image_height;
  pass->orientation = exif_orientation(&cinfo);

  keep_dct = try_dct && cinfo.data_precision == 8 && !cinfo.arith_code &&
             ((cinfo.num_components == 1 && cinfo.jpeg_color_space == JCS_GRAYSCALE) ||
              (cinfo.num_components == 3 && cinfo.jpeg_color_space == JCS_YCbCr));
  cmyk     = cinfo.num_components == 4;

  if (keep_dct)
  {
    cinfo.scale_num   = 1;
    cinfo.scale_denom = 8;
  }

  if (cmyk)
    cinfo.out_color_space = JCS_CMYK;
  else
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    cinfo.out_color_space = JCS_EXT_BGRX;   /* cairo RGB24 in memory */
#else
    cinfo.out_color_space = JCS_EXT_XRGB;
#endif

  jpeg_start_decompress(&cinfo);

  if ((surface = _gwConvImageSurface(pdf, (int)cinfo.output_width, (int)cinfo.output_height)) == NULL)
  {
    jpeg_destroy_decompress(&cinfo);
    return (false);
  }

  if (cmyk && (row = malloc((size_t)cinfo.output_width * 4)) == NULL)
    longjmp(err.jmp, 1);

  cairo_surface_flush(surface);

  while (cinfo.output_scanline < cinfo.output_height)
  {
    unsigned char *line = cairo_image_surface_get_data(surface) +
                          (size_t)cinfo.output_scanline * (size_t)cairo_image_surface_get_stride(surface);
    JSAMPROW       rows[1];

    rows[0] = cmyk ? row : line;
    if (jpeg_read_scanlines(&cinfo, rows, 1) != 1)
      break;

    if (cmyk)
      cmyk_row((uint32_t *)line, row, cinfo.output_width, cinfo.saw_Adobe_marker);
  }

  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  free(row);
  cairo_surface_mark_dirty(surface);

  if (err.ended_early)
  {
    cairo_surface_destroy(surface);
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the JPEG image ends early (the file is cut short)"));
  }

  pass->surface  = surface;
  pass->keep_dct = keep_dct;
  pass->warnings = err.warnings;

  return (true);
}


/*
 * '_gwConvImageJpeg()' - Add the JPEG document's page.
 *
 * A JPEG with defects libjpeg stepped over (stray bytes between markers,
 * a damaged segment) is decoded again in full and its pixels embedded:
 * cairo's own small JPEG parser would refuse its data and silently fall
 * back to the 1/8 pixels.
 */

bool
_gwConvImageJpeg(gw_conv_pdf_t *pdf)
{
  jpeg_pass_t pass;
  bool        ok;

  if (!jpeg_pass(pdf, true, &pass))
    return (false);

  if (pass.warnings)
  {
    _gwConvLog("the JPEG image has %d defects libjpeg could step over", pass.warnings);

    if (pass.keep_dct)
    {
      cairo_surface_destroy(pass.surface);
      if (!jpeg_pass(pdf, false, &pass))
        return (false);
    }
  }

  if (pass.keep_dct &&
      cairo_surface_set_mime_data(pass.surface, CAIRO_MIME_TYPE_JPEG, pdf->data, pdf->len, NULL, NULL) != CAIRO_STATUS_SUCCESS)
  {
    cairo_surface_destroy(pass.surface);
    if (!jpeg_pass(pdf, false, &pass))
      return (false);
  }

  ok = _gwConvPdfImagePage(pdf, pass.surface, pass.width, pass.height, pass.orientation);
  cairo_surface_destroy(pass.surface);

  return (ok);
}


/*
 * 'attach_free()' - Free JPEG data cairo no longer needs.
 */

static void
attach_free(void *data)
{
  free(data);
}


/*
 * '_gwConvImageAttachJpeg()' - Encode the surface's pixels as a JPEG of the
 *                              given quality and attach it, so cairo embeds
 *                              DCT data instead of deflating the pixels.
 *                              Returns false (nothing attached, no reason
 *                              recorded) if that failed: the pixels are
 *                              then deflated as usual.
 */

bool
_gwConvImageAttachJpeg(gw_conv_pdf_t *pdf, cairo_surface_t *surface, int quality)
{
  struct jpeg_compress_struct cinfo;
  jpeg_err_t                  err;
  unsigned long               size = 0;
  unsigned char              *buf = NULL;

  (void)pdf;

  cinfo.err = jpeg_err_init(&err);

  if (setjmp(err.jmp))
  {
    jpeg_destroy_compress(&cinfo);
    free(buf);                          /* Where jpeg_mem_dest keeps it */
    return (false);
  }

  cairo_surface_flush(surface);

  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &buf, &size);

  cinfo.image_width      = (JDIMENSION)cairo_image_surface_get_width(surface);
  cinfo.image_height     = (JDIMENSION)cairo_image_surface_get_height(surface);
  cinfo.input_components = 4;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  cinfo.in_color_space   = JCS_EXT_BGRX;
#else
  cinfo.in_color_space   = JCS_EXT_XRGB;
#endif
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);

  while (cinfo.next_scanline < cinfo.image_height)
  {
    JSAMPROW rows[1];

    rows[0] = cairo_image_surface_get_data(surface) + (size_t)cinfo.next_scanline * (size_t)cairo_image_surface_get_stride(surface);
    jpeg_write_scanlines(&cinfo, rows, 1);
  }

  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);

  if (cairo_surface_set_mime_data(surface, CAIRO_MIME_TYPE_JPEG, buf, size, attach_free, buf) != CAIRO_STATUS_SUCCESS)
  {
    free(buf);
    return (false);
  }

  return (true);
}
