/*
 * convert-image-bmp.c - BMP pictures through our bounded decoder
 * (convert-bmp.c): the size is checked from the header before the page's
 * surface is made, and the rows are decoded straight into it.
 */

#include "convert-image-private.h"
#include "convert-bmp.h"


/*
 * '_gwConvImageBmp()' - Add the BMP document's page.
 */

bool
_gwConvImageBmp(gw_conv_pdf_t *pdf)
{
  gw_bmp_info_t    info;
  cairo_surface_t *surface;
  const char      *why;
  bool             ok;

  if (!_gwConvBmpInfo(pdf->data, pdf->len, &info, &why))
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "%s", why));

  if (!_gwConvImageCheckSize(pdf, "BMP image", info.width, info.height) ||
      (surface = _gwConvImageSurface(pdf, (int)info.width, (int)info.height)) == NULL)
    return (false);

  cairo_surface_flush(surface);
  ok = _gwConvBmpDecode(pdf->data, pdf->len, &info, (uint32_t *)cairo_image_surface_get_data(surface),
                        (size_t)cairo_image_surface_get_stride(surface) / 4, &why);
  cairo_surface_mark_dirty(surface);

  if (!ok)
  {
    cairo_surface_destroy(surface);
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "%s", why));
  }

  ok = _gwConvPdfImagePage(pdf, surface, info.width, info.height, 1);
  cairo_surface_destroy(surface);

  return (ok);
}
