/*
 * convert-image.c - a photo or picture (JPEG, PNG, TIFF, GIF, BMP, WebP,
 * HEIC/HEIF) made into a PDF of our own, which then goes the PDF way
 * (docs/converters.md, "Images and raster").
 *
 * Each image becomes one page of the policy paper (PG_CONVERT_PAPER),
 * turned to landscape when the image is wider than tall, with the image
 * upright (EXIF orientation, or libheif's irot/imir), fitted inside a 6 mm
 * margin and centred.  The pixel limit (PG_CONVERT_MAX_MPIXELS) is checked
 * on the size the header announces, before any pixel is decoded.
 *
 * This file holds what every codec shares: the cairo PDF surface, the page
 * layout, the limit, and the EXIF orientation (libexif).  The codecs are in
 * convert-image-<codec>.c, one library each.
 */

#include "convert-image-private.h"

#include <cairo-pdf.h>
#include <errno.h>
#include <fcntl.h>
#include <libexif/exif-data.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CAIRO_MAX_SIDE 32767            /* cairo's largest image surface side */


/*
 * '_gwConvImageCheckSize()' - Check an image's announced size against the
 *                             pixel limit (and cairo's side limit) before
 *                             anything is decoded or allocated.
 */

bool
_gwConvImageCheckSize(gw_conv_pdf_t *pdf, const char *what, uint64_t width, uint64_t height)
{
  uint64_t pixels = width * height;     /* Both are at most 32 bits */

  if (width == 0 || height == 0)
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the %s says it is %llu x %llu pixels", what,
                        (unsigned long long)width, (unsigned long long)height));

  if (pixels > pdf->max_pixels)
    return (_gwConvFail(pdf->conv, GW_REASON_TOO_LARGE, "the %s is %llu x %llu pixels (%llu megapixels); at most %d megapixels are allowed",
                        what, (unsigned long long)width, (unsigned long long)height,
                        (unsigned long long)((pixels + 999999) / 1000000), pdf->conv->settings.max_mpixels));

  if (width > CAIRO_MAX_SIDE || height > CAIRO_MAX_SIDE)
    return (_gwConvFail(pdf->conv, GW_REASON_TOO_LARGE, "the %s is %llu x %llu pixels; a side of at most %d pixels is allowed",
                        what, (unsigned long long)width, (unsigned long long)height, CAIRO_MAX_SIDE));

  return (true);
}


/*
 * '_gwConvImageSurface()' - A white RGB24 image surface of width x height
 *                           (already checked), or NULL with the reason
 *                           recorded.  The caller destroys it.
 */

cairo_surface_t *
_gwConvImageSurface(gw_conv_pdf_t *pdf, int width, int height)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);

  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
  {
    cairo_surface_destroy(s);
    _gwConvFail(pdf->conv, GW_REASON_CONVERSION_CRASHED, "there is not enough memory for an image of %d x %d pixels", width, height);
    return (NULL);
  }

  memset(cairo_image_surface_get_data(s), 0xff, (size_t)cairo_image_surface_get_stride(s) * (size_t)height);
  cairo_surface_mark_dirty(s);
  return (s);
}


/*
 * '_gwConvImageFromRGBA()' - Turn a surface whose rows hold R, G, B, A
 *                            bytes into cairo's RGB24 pixels in place, the
 *                            alpha composed onto white paper.
 */

void
_gwConvImageFromRGBA(cairo_surface_t *surface, bool premultiplied)
{
  unsigned char *data   = cairo_image_surface_get_data(surface);
  int            stride = cairo_image_surface_get_stride(surface),
                 width  = cairo_image_surface_get_width(surface),
                 height = cairo_image_surface_get_height(surface);

  cairo_surface_flush(surface);

  for (int y = 0; y < height; y ++)
  {
    unsigned char *p   = data + (size_t)y * (size_t)stride;
    uint32_t      *out = (uint32_t *)p;

    for (int x = 0; x < width; x ++, p += 4)
    {
      unsigned a = p[3], c[3];

      for (int i = 0; i < 3; i ++)
      {
        if (a == 255)
          c[i] = p[i];
        else if (premultiplied)
          c[i] = p[i] + 255 - a > 255 ? 255 : p[i] + 255 - a;
        else
          c[i] = (p[i] * a + 255 * (255 - a) + 127) / 255;
      }

      out[x] = 0xff000000U | (c[0] << 16) | (c[1] << 8) | c[2];
    }
  }

  cairo_surface_mark_dirty(surface);
}


/*
 * 'orientation_matrix()' - The matrix that takes a stored image of
 *                          width x height to its upright position, for
 *                          EXIF/TIFF orientation 1-8 (stored row 0 is the
 *                          visual top, right, bottom or left, mirrored
 *                          or not).
 */

static void
orientation_matrix(cairo_matrix_t *m, int orientation, double w, double h)
{
  switch (orientation)
  {
    default :
    case 1 : cairo_matrix_init(m,  1,  0,  0,  1, 0, 0); break;  /* As stored */
    case 2 : cairo_matrix_init(m, -1,  0,  0,  1, w, 0); break;  /* Mirrored left-right */
    case 3 : cairo_matrix_init(m, -1,  0,  0, -1, w, h); break;  /* Turned 180 degrees */
    case 4 : cairo_matrix_init(m,  1,  0,  0, -1, 0, h); break;  /* Mirrored top-bottom */
    case 5 : cairo_matrix_init(m,  0,  1,  1,  0, 0, 0); break;  /* Transposed */
    case 6 : cairo_matrix_init(m,  0,  1, -1,  0, h, 0); break;  /* Turned 90 degrees clockwise */
    case 7 : cairo_matrix_init(m,  0, -1, -1,  0, h, w); break;  /* Transversed */
    case 8 : cairo_matrix_init(m,  0, -1,  1,  0, 0, w); break;  /* Turned 90 degrees anticlockwise */
  }
}


/*
 * 'finish_page()' - Emit the page drawn on pdf->cr and check cairo's state.
 */

static bool
finish_page(gw_conv_pdf_t *pdf)
{
  cairo_show_page(pdf->cr);

  pdf->pages ++;

  if (cairo_status(pdf->cr) != CAIRO_STATUS_SUCCESS)
    return (_gwConvFail(pdf->conv, GW_REASON_CONVERSION_CRASHED, "the page could not be made (cairo status %d)", (int)cairo_status(pdf->cr)));

  return (true);
}


/*
 * '_gwConvPdfFitBegin()' - Start a page for a picture of ow x oh (upright,
 *                          any unit): the policy paper, landscape when the
 *                          picture is wider than tall, and pdf->cr saved
 *                          and set so that (0, 0)-(ow, oh) is the picture
 *                          fitted inside the margin and centred.  The
 *                          caller draws, then calls _gwConvPdfPageEnd().
 */

bool
_gwConvPdfFitBegin(gw_conv_pdf_t *pdf, double ow, double oh)
{
  double pw, ph, scale;

  if (pdf->pages >= pdf->conv->settings.max_pages)
    return (_gwConvFail(pdf->conv, GW_REASON_TOO_MANY_PAGES, "the document has more than %d pages", pdf->conv->settings.max_pages));

  pw = ow > oh ? pdf->paper_h : pdf->paper_w;
  ph = ow > oh ? pdf->paper_w : pdf->paper_h;

  scale = (pw - 2.0 * GW_CONV_IMAGE_MARGIN) / ow;
  if ((ph - 2.0 * GW_CONV_IMAGE_MARGIN) / oh < scale)
    scale = (ph - 2.0 * GW_CONV_IMAGE_MARGIN) / oh;

  cairo_pdf_surface_set_size(pdf->surface, pw, ph);

  cairo_save(pdf->cr);
  cairo_translate(pdf->cr, (pw - ow * scale) / 2.0, (ph - oh * scale) / 2.0);
  cairo_scale(pdf->cr, scale, scale);

  return (true);
}


/*
 * '_gwConvPdfPageBegin()' - Start a page of exactly width_pt x height_pt
 *                           (an XPS page), pdf->cr saved; the caller
 *                           draws, then calls _gwConvPdfPageEnd().
 */

bool
_gwConvPdfPageBegin(gw_conv_pdf_t *pdf, double width_pt, double height_pt)
{
  if (pdf->pages >= pdf->conv->settings.max_pages)
    return (_gwConvFail(pdf->conv, GW_REASON_TOO_MANY_PAGES, "the document has more than %d pages", pdf->conv->settings.max_pages));

  cairo_pdf_surface_set_size(pdf->surface, width_pt, height_pt);
  cairo_save(pdf->cr);

  return (true);
}


/*
 * '_gwConvPdfPageEnd()' - Restore pdf->cr and emit the page (after
 *                         _gwConvPdfFitBegin() or _gwConvPdfPageBegin()).
 */

bool
_gwConvPdfPageEnd(gw_conv_pdf_t *pdf)
{
  cairo_restore(pdf->cr);

  return (finish_page(pdf));
}


/*
 * '_gwConvPdfImagePage()' - Add a page showing an image: width x height is
 *                           the image's stored size in pixels (the surface
 *                           may be smaller, e.g. a JPEG decoded at 1/8 that
 *                           carries its DCT data), orientation 1-8 how it
 *                           must be turned.  The page is the policy paper,
 *                           landscape for a wide image; the image is fitted
 *                           inside the margin and centred.
 */

bool
_gwConvPdfImagePage(gw_conv_pdf_t *pdf, cairo_surface_t *image, double width, double height, int orientation)
{
  cairo_matrix_t m;
  int            sw = cairo_image_surface_get_width(image),
                 sh = cairo_image_surface_get_height(image);

  if (orientation < 1 || orientation > 8)
    orientation = 1;

  /* Upright size, and the page turned the same way. */
  if (!_gwConvPdfFitBegin(pdf, orientation >= 5 ? height : width, orientation >= 5 ? width : height))
    return (false);

  orientation_matrix(&m, orientation, width, height);
  cairo_transform(pdf->cr, &m);
  cairo_scale(pdf->cr, width / sw, height / sh);
  cairo_set_source_surface(pdf->cr, image, 0, 0);
  cairo_paint(pdf->cr);

  return (_gwConvPdfPageEnd(pdf));
}


/*
 * '_gwConvPdfRasterPage()' - Add a page of exactly width_pt x height_pt
 *                            covered by the image (a PWG or URF page).
 */

bool
_gwConvPdfRasterPage(gw_conv_pdf_t *pdf, cairo_surface_t *image, double width_pt, double height_pt)
{
  cairo_pdf_surface_set_size(pdf->surface, width_pt, height_pt);

  cairo_save(pdf->cr);
  cairo_scale(pdf->cr, width_pt / cairo_image_surface_get_width(image), height_pt / cairo_image_surface_get_height(image));
  cairo_set_source_surface(pdf->cr, image, 0, 0);
  cairo_paint(pdf->cr);
  cairo_restore(pdf->cr);

  return (finish_page(pdf));
}


/*
 * '_gwConvExifOrientation()' - The orientation (1-8) an EXIF block gives,
 *                              1 when it gives none.  The block is the
 *                              JPEG APP1 payload ("Exif\0\0" + TIFF) or a
 *                              bare TIFF structure (PNG eXIf, WebP EXIF).
 *                              libexif parses it (bounded by len).
 */

int
_gwConvExifOrientation(const unsigned char *exif, size_t len)
{
  static const unsigned char header[6] = { 'E', 'x', 'i', 'f', 0, 0 };
  ExifData                  *ed;
  ExifEntry                 *e;
  unsigned char             *copy = NULL;
  int                        orientation = 1;

  if (!exif || len < 8 || len > 0x100000)
    return (1);

  if (memcmp(exif, header, sizeof(header)))
  {
    /* libexif wants the APP1 header in front of a bare TIFF structure. */
    if ((copy = malloc(len + sizeof(header))) == NULL)
      return (1);
    memcpy(copy, header, sizeof(header));
    memcpy(copy + sizeof(header), exif, len);
    exif = copy;
    len += sizeof(header);
  }

  if ((ed = exif_data_new()) != NULL)
  {
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_load_data(ed, exif, (unsigned int)len);

    if ((e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION)) != NULL &&
        e->format == EXIF_FORMAT_SHORT && e->components >= 1 && e->data && e->size >= 2)
    {
      int v = exif_get_short(e->data, exif_data_get_byte_order(ed));

      if (v >= 1 && v <= 8)
        orientation = v;
    }

    exif_data_unref(ed);
  }

  free(copy);
  return (orientation);
}


/*
 * '_gwConvPdfOpen()' - Start the PDF in the private directory.
 */

bool
_gwConvPdfOpen(gw_conv_pdf_t *pdf, gw_conv_t *conv, const char *path)
{
  pdf->conv       = conv;
  pdf->pages      = 0;
  pdf->max_pixels = (uint64_t)conv->settings.max_mpixels * 1000000U;

  if (!strcmp(conv->settings.paper, "letter"))
  {
    pdf->paper_w = 612.0;
    pdf->paper_h = 792.0;
  }
  else
  {
    pdf->paper_w = 210.0 * 72.0 / 25.4;
    pdf->paper_h = 297.0 * 72.0 / 25.4;
  }

  pdf->surface = cairo_pdf_surface_create(path, pdf->paper_w, pdf->paper_h);
  pdf->cr      = cairo_create(pdf->surface);

  if (cairo_status(pdf->cr) != CAIRO_STATUS_SUCCESS)
  {
    _gwConvPdfClose(pdf, false);
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to start the PDF in the private directory"));
  }

  return (true);
}


/*
 * '_gwConvPdfClose()' - Finish (ok) or drop the PDF, and free it.  Returns
 *                       false (with the reason) when it could not be
 *                       written.
 */

bool
_gwConvPdfClose(gw_conv_pdf_t *pdf, bool ok)
{
  cairo_status_t status;

  if (!pdf->surface)
    return (false);

  cairo_destroy(pdf->cr);
  cairo_surface_finish(pdf->surface);
  status = cairo_surface_status(pdf->surface);
  cairo_surface_destroy(pdf->surface);
  pdf->cr      = NULL;
  pdf->surface = NULL;

  if (!ok)
    return (false);

  if (pdf->pages == 0)
    return (_gwConvFail(pdf->conv, GW_REASON_EMPTY_DOCUMENT, "the document has no image"));

  switch (status)
  {
    case CAIRO_STATUS_SUCCESS :
        return (true);
    case CAIRO_STATUS_WRITE_ERROR :
        return (_gwConvFail(pdf->conv, GW_REASON_TOO_LARGE, "the PDF made from the document is larger than %d MB", pdf->conv->settings.fsize_mb));
    case CAIRO_STATUS_NO_MEMORY :
        return (_gwConvFail(pdf->conv, GW_REASON_CONVERSION_CRASHED, "there is not enough memory to make the PDF"));
    default :
        return (_gwConvFail(pdf->conv, GW_REASON_INTERNAL, "the PDF could not be made (cairo status %d)", (int)status));
  }
}


/*
 * '_gwConvImageToPdf()' - Make the image document into pdf_path.
 */

bool
_gwConvImageToPdf(gw_conv_t *conv, const char *pdf_path)
{
  static const struct
  {
    gw_format_t format;                 /* Sniffed format */
    bool        (*decode)(gw_conv_pdf_t *pdf);
  } decoders[] =
  {
    { GW_FORMAT_JPEG, _gwConvImageJpeg }, { GW_FORMAT_PNG, _gwConvImagePng }, { GW_FORMAT_TIFF, _gwConvImageTiff },
    { GW_FORMAT_GIF, _gwConvImageGif }, { GW_FORMAT_WEBP, _gwConvImageWebp }, { GW_FORMAT_HEIC, _gwConvImageHeif },
    { GW_FORMAT_HEIF, _gwConvImageHeif }, { GW_FORMAT_BMP, _gwConvImageBmp },
    { GW_FORMAT_SVG, _gwConvImageSvg }, { GW_FORMAT_XPS, _gwConvImageXps }
  };
  gw_conv_pdf_t pdf;
  void         *map;
  bool          ok;
  size_t        i;

  memset(&pdf, 0, sizeof(pdf));

  /* The document: fd 0's memfd, or the pipe's copy in the private directory. */
  if ((map = (void *)_gwConvInputMap(conv)) == NULL)
    return (false);

  pdf.data = map;
  pdf.len  = (size_t)conv->in_size;

  if (!_gwConvPdfOpen(&pdf, conv, pdf_path))
  {
    munmap(map, pdf.len);
    return (false);
  }

  for (i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i ++)
  {
    if (decoders[i].format == conv->format)
      break;
  }

  if (i < sizeof(decoders) / sizeof(decoders[0]))
    ok = (decoders[i].decode)(&pdf);
  else
    ok = _gwConvFail(conv, GW_REASON_UNSUPPORTED_FORMAT, "%s documents cannot be converted by this build of the gateway", gwFormatName(conv->format));

  /* cairo may still read JPEG data attached to a surface: finish first. */
  ok = _gwConvPdfClose(&pdf, ok);
  munmap(map, pdf.len);

  return (ok);
}
