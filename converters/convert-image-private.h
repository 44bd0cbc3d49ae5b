/*
 * convert-image-private.h - images and PWG/URF raster made into a PDF of
 * our own with a cairo PDF surface (docs/converters.md, "Images and
 * raster").
 *
 * convert-image.c owns the PDF being made (gw_conv_pdf_t), the page
 * layout (fit, centre, turn to landscape, EXIF orientation) and the checks
 * every codec shares (the pixel limit, read before any decoding).  Each
 * codec file (convert-image-<codec>.c) is the only file that includes its
 * library, and adds one or more pages through _gwConvPdfImagePage().
 */

#ifndef PRINTGATE_CONVERT_IMAGE_PRIVATE_H
#define PRINTGATE_CONVERT_IMAGE_PRIVATE_H

#include "convert-private.h"

#include <cairo.h>


/*
 * The PDF being made.
 */

typedef struct gw_conv_pdf_s
{
  gw_conv_t           *conv;
  cairo_surface_t     *surface;         /* cairo PDF surface (our file in the private directory) */
  cairo_t             *cr;
  int                  pages;           /* Pages added so far */
  double               paper_w,         /* Policy paper, portrait, in points */
                       paper_h;
  uint64_t             max_pixels;      /* PG_CONVERT_MAX_MPIXELS x 1,000,000 */
  const unsigned char *data;            /* The whole input document (mapped) */
  size_t               len;
} gw_conv_pdf_t;


/*
 * Margin around a fitted image, in points (6 mm: inside the unprintable
 * border of nearly every printer, so the printer does not scale the page).
 */

#define GW_CONV_IMAGE_MARGIN (6.0 * 72.0 / 25.4)


/*
 * convert-image.c
 */

extern bool             _gwConvImageCheckSize(gw_conv_pdf_t *pdf, const char *what, uint64_t width, uint64_t height);
extern cairo_surface_t *_gwConvImageSurface(gw_conv_pdf_t *pdf, int width, int height);
extern void             _gwConvImageFromRGBA(cairo_surface_t *surface, bool premultiplied);
extern bool             _gwConvPdfImagePage(gw_conv_pdf_t *pdf, cairo_surface_t *image, double width, double height, int orientation);
extern bool             _gwConvPdfFitBegin(gw_conv_pdf_t *pdf, double ow, double oh);
extern bool             _gwConvPdfPageBegin(gw_conv_pdf_t *pdf, double width_pt, double height_pt);
extern bool             _gwConvPdfPageEnd(gw_conv_pdf_t *pdf);
extern bool             _gwConvPdfRasterPage(gw_conv_pdf_t *pdf, cairo_surface_t *image, double width_pt, double height_pt);
extern bool             _gwConvPdfOpen(gw_conv_pdf_t *pdf, gw_conv_t *conv, const char *path);
extern bool             _gwConvPdfClose(gw_conv_pdf_t *pdf, bool ok);
extern int              _gwConvExifOrientation(const unsigned char *exif, size_t len);

/*
 * convert-image-<codec>.c: add the document's page(s) to pdf; false with
 * the reason recorded (_gwConvFail) on failure.
 */

extern bool _gwConvImageJpeg(gw_conv_pdf_t *pdf);
extern bool _gwConvImagePng(gw_conv_pdf_t *pdf);
extern bool _gwConvImageTiff(gw_conv_pdf_t *pdf);
extern bool _gwConvImageGif(gw_conv_pdf_t *pdf);
extern bool _gwConvImageWebp(gw_conv_pdf_t *pdf);
extern bool _gwConvImageHeif(gw_conv_pdf_t *pdf);
extern bool _gwConvImageBmp(gw_conv_pdf_t *pdf);
extern bool _gwConvImageSvg(gw_conv_pdf_t *pdf);     /* librsvg: a vector picture, fitted like an image */
extern bool _gwConvImageXps(gw_conv_pdf_t *pdf);     /* libgxps: each page at its own size */
struct _GError;                                      /* GLib's GError */
/* convert-image-xps.c: fail corrupt-document with "what: <the GLib error's message>", clear the error; false. */
extern bool _gwConvFailGError(gw_conv_t *conv, struct _GError **error, const char *what, ...) __attribute__((format(printf, 3, 4)));

/*
 * convert-image-jpeg.c: encode a decoded photo as a JPEG and attach it to
 * its surface, so cairo embeds it as DCT instead of deflating the pixels
 * (HEIC and lossy WebP are photos that were lossy already).
 */

extern bool _gwConvImageAttachJpeg(gw_conv_pdf_t *pdf, cairo_surface_t *surface, int quality);

#endif /* !PRINTGATE_CONVERT_IMAGE_PRIVATE_H */
