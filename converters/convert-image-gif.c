/*
 * convert-image-gif.c - GIF pictures with giflib (the only file that
 * includes it).  Only the first frame of an animation is printed.
 *
 * The logical screen size is checked before anything is decoded, and the
 * first frame is read line by line onto a white canvas of that size (its
 * transparent colour stays white; parts outside the screen are clipped),
 * so an animation of a thousand frames costs one frame.
 */

#include "convert-image-private.h"

#include <gif_lib.h>
#include <printgate-formats/raster.h>
#include <stdlib.h>
#include <string.h>


/*
 * 'gif_read()' - giflib's input callback.
 */

static int
gif_read(GifFileType *gif, GifByteType *buf, int bytes)
{
  if (bytes <= 0)
    return (0);

  return ((int)gwMemSrcRead(gif->UserData, buf, (size_t)bytes));
}


/*
 * 'gif_frame()' - Read the current image descriptor's frame onto the
 *                 canvas.
 */

static bool
gif_frame(gw_conv_pdf_t *pdf, GifFileType *gif, cairo_surface_t *canvas, int transparent)
{
  static const int      start[4] = { 0, 4, 2, 1 }, step[4] = { 8, 8, 4, 2 };
  const GifImageDesc   *desc = &gif->Image;
  const ColorMapObject *cmap = desc->ColorMap ? desc->ColorMap : gif->SColorMap;
  GifPixelType         *line;
  unsigned char        *data = cairo_image_surface_get_data(canvas);
  int                   stride = cairo_image_surface_get_stride(canvas),
                        cw = cairo_image_surface_get_width(canvas),
                        ch = cairo_image_surface_get_height(canvas),
                        passes = desc->Interlace ? 4 : 1;

  if (!cmap || !cmap->Colors || cmap->ColorCount <= 0)
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the GIF image has no colour table"));

  if (desc->Width <= 0 || desc->Height <= 0)
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the GIF image's first frame is empty"));

  if ((line = malloc((size_t)desc->Width)) == NULL)
    return (_gwConvFail(pdf->conv, GW_REASON_CONVERSION_CRASHED, "there is not enough memory to read the GIF image"));

  cairo_surface_flush(canvas);

  for (int pass = 0; pass < passes; pass ++)
  {
    for (int row = desc->Interlace ? start[pass] : 0; row < desc->Height; row += desc->Interlace ? step[pass] : 1)
    {
      int y = desc->Top + row;

      if (DGifGetLine(gif, line, desc->Width) == GIF_ERROR)
      {
        free(line);
        return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the GIF image is damaged or cut short"));
      }

      if (y < 0 || y >= ch)
        continue;

      for (int x = 0; x < desc->Width; x ++)
      {
        int                 cx = desc->Left + x;
        const GifColorType *c;

        if (cx < 0 || cx >= cw || line[x] == transparent)
          continue;

        c = &cmap->Colors[line[x] < cmap->ColorCount ? line[x] : 0];
        ((uint32_t *)(data + (size_t)y * (size_t)stride))[cx] = 0xff000000U | ((uint32_t)c->Red << 16) | ((uint32_t)c->Green << 8) | c->Blue;
      }
    }
  }

  free(line);
  cairo_surface_mark_dirty(canvas);
  return (true);
}


/*
 * '_gwConvImageGif()' - Add the GIF document's page (its first frame).
 */

bool
_gwConvImageGif(gw_conv_pdf_t *pdf)
{
  gw_mem_src_t     src = { pdf->data, pdf->len, 0, 0 };
  GifFileType     *gif;
  GifRecordType    type;
  cairo_surface_t *canvas = NULL;
  int              error = 0, transparent = -1;
  bool             ok = false, done = false;

  if ((gif = DGifOpen(&src, gif_read, &error)) == NULL)
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the GIF image is damaged and cannot be read"));

  if (!_gwConvImageCheckSize(pdf, "GIF image", (uint64_t)(gif->SWidth > 0 ? gif->SWidth : 0), (uint64_t)(gif->SHeight > 0 ? gif->SHeight : 0)) ||
      (canvas = _gwConvImageSurface(pdf, gif->SWidth, gif->SHeight)) == NULL)
  {
    DGifCloseFile(gif, &error);
    return (false);
  }

  /*
   * Records up to the first image; a graphic control extension before it
   * may name a transparent colour.  Each record consumes input, so the
   * loop ends with the data.
   */

  while (!done)
  {
    if (DGifGetRecordType(gif, &type) == GIF_ERROR)
      break;

    if (type == EXTENSION_RECORD_TYPE)
    {
      GifByteType *ext = NULL;
      int          code = 0;

      if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR)
        break;

      if (code == GRAPHICS_EXT_FUNC_CODE && ext && ext[0] >= 4)
      {
        GraphicsControlBlock gcb;

        if (DGifExtensionToGCB(ext[0], ext + 1, &gcb) == GIF_OK)
          transparent = gcb.TransparentColor;
      }

      while (ext)
      {
        if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR)
          break;
      }
      if (ext)
        break;
    }
    else if (type == IMAGE_DESC_RECORD_TYPE)
    {
      if (DGifGetImageDesc(gif) == GIF_ERROR)
        break;

      ok   = gif_frame(pdf, gif, canvas, transparent);
      done = true;
    }
    else if (type == TERMINATE_RECORD_TYPE)
      break;
  }

  DGifCloseFile(gif, &error);

  if (!done)
    ok = _gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the GIF image is damaged or has no picture");

  if (ok)
    ok = _gwConvPdfImagePage(pdf, canvas, cairo_image_surface_get_width(canvas), cairo_image_surface_get_height(canvas), 1);

  cairo_surface_destroy(canvas);

  return (ok);
}
