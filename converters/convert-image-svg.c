/*
 * convert-image-svg.c - an SVG drawing, drawn by librsvg onto the cairo PDF
 * surface (vector stays vector, text stays text), fitted on one page like a
 * picture (docs/converters.md, "Images and raster"; docs/formats.md §5).
 *
 * External references are refused by construction: the handle is made
 * from memory with no base file, and librsvg resolves an href (an <image>,
 * a <use>, a CSS @import, an XInclude) only against a base file, so it
 * loads nothing by name; the "data:" URLs inside the document still work.
 * The XML is read without RSVG_HANDLE_FLAG_UNLIMITED, so libxml2 keeps its
 * limits on entity expansion (a billion-laughs file is refused) and on
 * depth and sizes.  Landlock (convert-landlock.c) would deny a file read
 * anyway, and seccomp any socket: three walls, each tested on its own in
 * tests/unit/test-convert-formats.c.
 */

#include "convert-image-private.h"

#include <librsvg/rsvg.h>
#include <string.h>

#define SVG_DPI 96.0                    /* CSS pixels per inch (SVG's user unit) */


/*
 * '_gwConvImageSvg()' - Add the SVG drawing as one page.
 */

bool
_gwConvImageSvg(gw_conv_pdf_t *pdf)
{
  GInputStream      *stream;
  RsvgHandle        *handle;
  GError            *error = NULL;
  gboolean           has_w, has_h, has_vb;
  RsvgLength         lw, lh;
  RsvgRectangle      vb, viewport;
  double             w = 0.0, h = 0.0;
  bool               ok;

  stream = g_memory_input_stream_new_from_data(pdf->data, (gssize)pdf->len, NULL);
  handle = rsvg_handle_new_from_stream_sync(stream, NULL /* no base: nothing by name */,
                                            RSVG_HANDLE_FLAGS_NONE, NULL, &error);
  g_object_unref(stream);

  if (!handle)
  {
    return (_gwConvFailGError(pdf->conv, &error, "librsvg could not read the SVG"));
  }

  rsvg_handle_set_dpi(handle, SVG_DPI);

  /*
   * The drawing's size: its width and height in absolute units, else its
   * viewBox (a drawing of "100%" is as large as its viewBox says).
   */

  if (!rsvg_handle_get_intrinsic_size_in_pixels(handle, &w, &h))
  {
    rsvg_handle_get_intrinsic_dimensions(handle, &has_w, &lw, &has_h, &lh, &has_vb, &vb);
    if (has_vb)
    {
      w = vb.width;
      h = vb.height;
    }
  }

  if (!(w > 0.0 && h > 0.0 && w < 1e7 && h < 1e7))
  {
    g_object_unref(handle);
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the SVG has no usable size (width, height or viewBox)"));
  }

  if (!_gwConvPdfFitBegin(pdf, w, h))
  {
    g_object_unref(handle);
    return (false);
  }

  viewport.x      = 0.0;
  viewport.y      = 0.0;
  viewport.width  = w;
  viewport.height = h;

  if (!rsvg_handle_render_document(handle, pdf->cr, &viewport, &error))
  {
    ok = _gwConvFailGError(pdf->conv, &error, "librsvg could not draw the SVG");
    cairo_restore(pdf->cr);
    g_object_unref(handle);
    return (ok);
  }

  g_object_unref(handle);

  return (_gwConvPdfPageEnd(pdf));
}
