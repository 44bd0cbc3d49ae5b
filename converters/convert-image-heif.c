/*
 * convert-image-heif.c - HEIC/HEIF photos (the iPhone camera's default)
 * with libheif (the only file that includes it; Debian 12's libheif 1.15
 * has its HEVC and AV1 decoders linked in, no plugins are loaded).
 *
 * The primary image's size is checked before decoding.  libheif's default
 * decoding applies the irot/imir transforms (and the clean aperture), so
 * the picture comes out upright; the EXIF orientation an iPhone also
 * writes describes the same turn and must not be applied again.  The
 * decoded photo is embedded as a JPEG of quality 92: it was lossy already,
 * and a JPEG keeps the PDF a few MB instead of 36 MB of pixels to deflate.
 */

#include "convert-image-private.h"

#include <libheif/heif.h>
#include <string.h>


/*
 * '_gwConvImageHeif()' - Add the HEIF document's page (its primary image).
 */

bool
_gwConvImageHeif(gw_conv_pdf_t *pdf)
{
  struct heif_context      *ctx;
  struct heif_image_handle *handle = NULL;
  struct heif_image        *img = NULL;
  struct heif_error         herr;
  cairo_surface_t          *surface;
  const uint8_t            *plane;
  int                       stride = 0, width, height;
  bool                      alpha, ok;

  if ((ctx = heif_context_alloc()) == NULL)
    return (_gwConvFail(pdf->conv, GW_REASON_CONVERSION_CRASHED, "there is not enough memory to read the HEIF image"));

  heif_context_set_maximum_image_size_limit(ctx, 32767);

  herr = heif_context_read_from_memory_without_copy(ctx, pdf->data, pdf->len, NULL);
  if (herr.code == heif_error_Ok)
    herr = heif_context_get_primary_image_handle(ctx, &handle);
  if (herr.code != heif_error_Ok)
  {
    heif_context_free(ctx);
    if (herr.code == heif_error_Memory_allocation_error)
      return (_gwConvFail(pdf->conv, GW_REASON_CONVERSION_CRASHED, "there is not enough memory to read the HEIF image"));
    if (herr.code == heif_error_Unsupported_feature || herr.code == heif_error_Unsupported_filetype)
      return (_gwConvFail(pdf->conv, GW_REASON_UNSUPPORTED_FORMAT, "the HEIF image uses a feature the gateway cannot read"));
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the HEIF image is damaged or cut short"));
  }

  width  = heif_image_handle_get_width(handle);
  height = heif_image_handle_get_height(handle);
  alpha  = heif_image_handle_has_alpha_channel(handle) != 0;

  if (!_gwConvImageCheckSize(pdf, "HEIF image", (uint64_t)(width > 0 ? width : 0), (uint64_t)(height > 0 ? height : 0)))
  {
    heif_image_handle_release(handle);
    heif_context_free(ctx);
    return (false);
  }

  herr = heif_decode_image(handle, &img, heif_colorspace_RGB, alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, NULL);
  heif_image_handle_release(handle);

  if (herr.code != heif_error_Ok || !img ||
      (plane = heif_image_get_plane_readonly(img, heif_channel_interleaved, &stride)) == NULL)
  {
    if (img)
      heif_image_release(img);
    heif_context_free(ctx);
    if (herr.code == heif_error_Memory_allocation_error)
      return (_gwConvFail(pdf->conv, GW_REASON_CONVERSION_CRASHED, "there is not enough memory to decode the HEIF image"));
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the HEIF image is damaged and cannot be decoded"));
  }

  /* The decoded (turned) size, checked again. */
  width  = heif_image_get_width(img, heif_channel_interleaved);
  height = heif_image_get_height(img, heif_channel_interleaved);

  if (!_gwConvImageCheckSize(pdf, "HEIF image", (uint64_t)(width > 0 ? width : 0), (uint64_t)(height > 0 ? height : 0)) ||
      (surface = _gwConvImageSurface(pdf, width, height)) == NULL)
  {
    heif_image_release(img);
    heif_context_free(ctx);
    return (false);
  }

  cairo_surface_flush(surface);
  for (int y = 0; y < height; y ++)
  {
    const uint8_t *in  = plane + (size_t)y * (size_t)stride;
    uint8_t       *out = cairo_image_surface_get_data(surface) + (size_t)y * (size_t)cairo_image_surface_get_stride(surface);

    if (alpha)
      memcpy(out, in, (size_t)width * 4);         /* RGBA, composed onto white below */
    else
    {
      uint32_t *px = (uint32_t *)out;             /* Straight to cairo's RGB24 */

      for (int x = 0; x < width; x ++, in += 3)
        px[x] = 0xff000000U | ((uint32_t)in[0] << 16) | ((uint32_t)in[1] << 8) | in[2];
    }
  }
  cairo_surface_mark_dirty(surface);

  heif_image_release(img);
  heif_context_free(ctx);

  if (alpha)
    _gwConvImageFromRGBA(surface, false);
  else
    _gwConvImageAttachJpeg(pdf, surface, 92);

  ok = _gwConvPdfImagePage(pdf, surface, width, height, 1);
  cairo_surface_destroy(surface);

  return (ok);
}
