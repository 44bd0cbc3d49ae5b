/*
 * raster-pwg.c - PWG raster page headers (PWG 5102.4).
 *
 * A PWG raster document is the sync word "RaS2", then per page a 1796-byte
 * header (the CUPS version 2 page header, big-endian, with the fields PWG
 * does not use set to zero) and the page's encoded lines (raster.c).  The
 * offsets below are the header's, counted after the sync word.  We use
 * the fields that say how to decode the lines and how to place the page;
 * the others (media type, tray, rendering intent, vendor data) are not
 * needed to turn the page into PDF and are not read.
 *
 * A header is refused when it could not have been written by a PWG raster
 * writer: MediaClass not "PwgRaster", a colour space PWG does not list,
 * colorants or bits that do not agree with it, planes instead of chunky
 * pixels, a zero resolution, or a BytesPerLine that does not match the
 * width and the bits per pixel (decoding would otherwise read lines of the
 * wrong length).
 */

#include "raster-private.h"

#include <string.h>


/*
 * Header offsets (after the 4-byte sync word).
 */

#define PWG_MEDIA_CLASS        0       /* char[64]: "PwgRaster" */
#define PWG_DUPLEX             272
#define PWG_HW_RESOLUTION_X    276
#define PWG_HW_RESOLUTION_Y    280
#define PWG_TUMBLE             368
#define PWG_WIDTH              372
#define PWG_HEIGHT             376
#define PWG_BITS_PER_COLOR     384
#define PWG_BITS_PER_PIXEL     388
#define PWG_BYTES_PER_LINE     392
#define PWG_COLOR_ORDER        396
#define PWG_COLOR_SPACE        400
#define PWG_NUM_COLORS         420
#define PWG_TOTAL_PAGE_COUNT   452
#define PWG_PRINT_QUALITY      484
#define PWG_PAGE_SIZE_NAME     1732    /* char[64] */


/*
 * The colour spaces PWG 5102.4 allows (CUPS cups_cspace_t numbers).
 */

typedef struct pwg_cspace_s
{
  uint32_t           value;            /* In the header */
  gw_raster_cspace_t cspace;
  unsigned           colors;           /* Colorants */
  bool               white_is_zero;    /* Subtractive */
} pwg_cspace_t;

static const pwg_cspace_t pwg_cspaces[] =
{
  { 1,  GW_RASTER_CSPACE_RGB,       3, false },
  { 3,  GW_RASTER_CSPACE_BLACK,     1, true },
  { 6,  GW_RASTER_CSPACE_CMYK,      4, true },
  { 18, GW_RASTER_CSPACE_SGRAY,     1, false },
  { 19, GW_RASTER_CSPACE_SRGB,      3, false },
  { 20, GW_RASTER_CSPACE_ADOBE_RGB, 3, false }
  /* 48..62: Device1..Device15, below */
};


/*
 * '_gwRasterPwgReadHeader()' - Read and check one PWG page header.
 */

gw_raster_status_t
_gwRasterPwgReadHeader(gw_raster_t      *r,    /* I - Decoder */
                       gw_raster_page_t *page) /* O - Header fields (number set by the caller) */
{
  unsigned char h[RASTER_PWG_HEADER];
  size_t        i;
  uint32_t      cspace, colors, bpc, bpp, bpl, order, quality;
  const pwg_cspace_t *cs = NULL;
  pwg_cspace_t  device;

  if (_gwRasterRead(r, h, sizeof(h)) < sizeof(h))
  {
    if (r->error != GW_RASTER_OK)
      return (r->error);

    return (_gwRasterFail(r, GW_RASTER_ERROR_TRUNCATED, "the document ends inside the header of page %u", page->number));
  }

  if (memcmp(h + PWG_MEDIA_CLASS, "PwgRaster", 10))
    return (_gwRasterFail(r, GW_RASTER_ERROR_FORMAT, "page %u: the header is not a PWG raster header", page->number));

 /*
  * Colour space, colorants, bits.
  */

  cspace = _gwRasterBe32(h + PWG_COLOR_SPACE);
  for (i = 0; i < sizeof(pwg_cspaces) / sizeof(pwg_cspaces[0]); i ++)
    if (pwg_cspaces[i].value == cspace)
      cs = pwg_cspaces + i;

  if (!cs && cspace >= 48 && cspace <= 62)
  {
    device.value         = cspace;
    device.cspace        = GW_RASTER_CSPACE_DEVICE_N;
    device.colors        = cspace - 47;
    device.white_is_zero = true;
    cs                   = &device;
  }

  if (!cs)
    return (_gwRasterFail(r, GW_RASTER_ERROR_HEADER, "page %u: colour space %u is not one PWG raster allows",
                          page->number, (unsigned)cspace));

  if ((order = _gwRasterBe32(h + PWG_COLOR_ORDER)) != 0)
    return (_gwRasterFail(r, GW_RASTER_ERROR_HEADER, "page %u: colour order %u is not chunky pixels (0)",
                          page->number, (unsigned)order));

  colors = _gwRasterBe32(h + PWG_NUM_COLORS);
  if (colors == 0)
    colors = cs->colors;                /* Older writers leave it zero */
  else if (colors != cs->colors)
    return (_gwRasterFail(r, GW_RASTER_ERROR_HEADER, "page %u: %u colorants do not fit colour space %u",
                          page->number, (unsigned)colors, (unsigned)cspace));

  bpc = _gwRasterBe32(h + PWG_BITS_PER_COLOR);
  if (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16)
    return (_gwRasterFail(r, GW_RASTER_ERROR_HEADER, "page %u: %u bits per colour is not supported (1, 2, 4, 8 or 16)",
                          page->number, (unsigned)bpc));

  if (bpc < 8 && colors != 1)
    return (_gwRasterFail(r, GW_RASTER_ERROR_HEADER, "page %u: %u bits per colour needs a one-colorant colour space",
                          page->number, (unsigned)bpc));

  bpp = _gwRasterBe32(h + PWG_BITS_PER_PIXEL);
  if (bpp != bpc * colors)
    return (_gwRasterFail(r, GW_RASTER_ERROR_HEADER, "page %u: %u bits per pixel is not %u colorants x %u bits",
                          page->number, (unsigned)bpp, (unsigned)colors, (unsigned)bpc));

 /*
  * Size and resolution.
  */

  page->width  = _gwRasterBe32(h + PWG_WIDTH);
  page->height = _gwRasterBe32(h + PWG_HEIGHT);
  page->xres   = _gwRasterBe32(h + PWG_HW_RESOLUTION_X);
  page->yres   = _gwRasterBe32(h + PWG_HW_RESOLUTION_Y);

  if (page->xres == 0 || page->yres == 0)
    return (_gwRasterFail(r, GW_RASTER_ERROR_HEADER, "page %u: the resolution is zero", page->number));

  bpl = _gwRasterBe32(h + PWG_BYTES_PER_LINE);
  if ((uint64_t)bpl != ((uint64_t)page->width * bpp + 7) / 8)
    return (_gwRasterFail(r, GW_RASTER_ERROR_HEADER, "page %u: %u bytes per line do not match %u pixels of %u bits",
                          page->number, (unsigned)bpl, (unsigned)page->width, (unsigned)bpp));

 /*
  * The rest: what the page is, as far as placing it goes.
  */

  page->bits_per_color = bpc;
  page->bits_per_pixel = bpp;
  page->num_colors     = colors;
  page->color_space    = cs->cspace;
  page->white_is_zero  = cs->white_is_zero;
  page->total_pages    = _gwRasterBe32(h + PWG_TOTAL_PAGE_COUNT);

  if (!_gwRasterBe32(h + PWG_DUPLEX))
    page->duplex = GW_RASTER_SIMPLEX;
  else if (_gwRasterBe32(h + PWG_TUMBLE))
    page->duplex = GW_RASTER_DUPLEX_SHORT_EDGE;
  else
    page->duplex = GW_RASTER_DUPLEX_LONG_EDGE;

  quality       = _gwRasterBe32(h + PWG_PRINT_QUALITY);
  page->quality = (quality >= 3 && quality <= 5) ? quality : 0;

  _gwRasterCopyName(page->media, sizeof(page->media), h + PWG_PAGE_SIZE_NAME, 64);

  return (GW_RASTER_OK);
}
