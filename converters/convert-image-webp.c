/*
 * convert-image-webp.c - WebP pictures with libwebp and libwebpdemux (the
 * only file that includes them).
 *
 * The demuxer gives the canvas size (checked before decoding), the first
 * frame of an animation, and the EXIF chunk (orientation, libexif).  The
 * frame is decoded as R, G, B, A straight into the page's surface and its
 * transparency composed onto white.  A lossy WebP is a photo that was
 * lossy already: it is embedded as a JPEG (quality 92) instead of deflated
 * pixels, which keeps the PDF near the WebP's size.
 */

#include "convert-image-private.h"

#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>


/*
 * '_gwConvImageWebp()' - Add the WebP document's page.
 */

bool
_gwConvImageWebp(gw_conv_pdf_t *pdf)
{
  WebPData              in = { pdf->data, pdf->len };
  WebPDemuxer          *demux;
  WebPIterator          frame;
  WebPChunkIterator     chunk;
  WebPDecoderConfig     config;
  WebPDemuxState        state;
  cairo_surface_t      *surface;
  int                   orientation = 1;
  bool                  ok, lossy;

  if ((demux = WebPDemuxPartial(&in, &state)) == NULL || state != WEBP_DEMUX_DONE)
  {
    WebPDemuxDelete(demux);
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the WebP image is damaged or cut short"));
  }

  if (!_gwConvImageCheckSize(pdf, "WebP image", WebPDemuxGetI(demux, WEBP_FF_CANVAS_WIDTH), WebPDemuxGetI(demux, WEBP_FF_CANVAS_HEIGHT)))
  {
    WebPDemuxDelete(demux);
    return (false);
  }

  if (WebPDemuxGetChunk(demux, "EXIF", 1, &chunk))
  {
    orientation = _gwConvExifOrientation(chunk.chunk.bytes, chunk.chunk.size);
    WebPDemuxReleaseChunkIterator(&chunk);
  }

  if (!WebPDemuxGetFrame(demux, 1, &frame))
  {
    WebPDemuxDelete(demux);
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the WebP image has no picture"));
  }

  if (!WebPInitDecoderConfig(&config) ||
      WebPGetFeatures(frame.fragment.bytes, frame.fragment.size, &config.input) != VP8_STATUS_OK ||
      !_gwConvImageCheckSize(pdf, "WebP image", (uint64_t)config.input.width, (uint64_t)config.input.height))
  {
    WebPDemuxReleaseIterator(&frame);
    WebPDemuxDelete(demux);
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the WebP image is damaged"));
  }

  if ((surface = _gwConvImageSurface(pdf, config.input.width, config.input.height)) == NULL)
  {
    WebPDemuxReleaseIterator(&frame);
    WebPDemuxDelete(demux);
    return (false);
  }

  lossy = config.input.format == 1 && !config.input.has_alpha;

  cairo_surface_flush(surface);
  config.output.colorspace         = MODE_RGBA;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba        = cairo_image_surface_get_data(surface);
  config.output.u.RGBA.stride      = cairo_image_surface_get_stride(surface);
  config.output.u.RGBA.size        = (size_t)cairo_image_surface_get_stride(surface) * (size_t)config.input.height;

  ok = WebPDecode(frame.fragment.bytes, frame.fragment.size, &config) == VP8_STATUS_OK;
  WebPFreeDecBuffer(&config.output);
  WebPDemuxReleaseIterator(&frame);
  WebPDemuxDelete(demux);

  if (!ok)
  {
    cairo_surface_destroy(surface);
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the WebP image is damaged or cut short"));
  }

  _gwConvImageFromRGBA(surface, false);

  if (lossy)
    _gwConvImageAttachJpeg(pdf, surface, 92);

  ok = _gwConvPdfImagePage(pdf, surface, config.input.width, config.input.height, orientation);
  cairo_surface_destroy(surface);

  return (ok);
}
