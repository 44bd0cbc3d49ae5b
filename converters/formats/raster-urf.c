/*
 * raster-urf.c - Apple raster (URF) file and page headers.
 *
 * URF has no public specification; the layout here is the one CUPS and
 * Ghostscript write and read (CUPS raster-stream.c, Ghostscript's urf
 * device), which is what iPhones send:
 *
 *   file header  "UNIRAST\0", page count (uint32 BE, 0 when streamed)
 *   page header  32 bytes:
 *     0  bits per pixel (8, 16, 24, 32, 48, 64)
 *     1  colour space: 0 sGray, 1 sRGB, 2 CIE Lab, 3 Adobe RGB,
 *        4 device gray, 5 device RGB, 6 device CMYK
 *     2  duplex: 1 one-sided (0 read as 1), 2 short edge, 3 long edge
 *     3  print quality: 3 draft, 4 normal, 5 high (0 not said)
 *     4  media type, 5 input slot, 6..11 reserved
 *     12 width, 16 height, 20 resolution (uint32 BE, dots per inch, same
 *        in both directions), 24..31 reserved
 *   then the page's encoded lines (raster.c).
 *
 * CIE Lab is refused: its white is not a repeated byte, no phone sends it,
 * and CUPS itself fills it wrongly.  A page count that is not 0 is held to
 * (raster.c): fewer pages is a truncated document, more is damage.
 */

#include "raster-private.h"

#include <string.h>


/*
 * The colour spaces, by the byte at offset 1.
 */

typedef struct urf_cspace_s
{
  gw_raster_cspace_t cspace;
  unsigned           colors;           /* Colorants; 0 = refused */
  bool               white_is_zero;    /* Subtractive */
  const char         *name;            /* For reasons */
} urf_cspace_t;

static const urf_cspace_t urf_cspaces[] =
{
  { GW_RASTER_CSPACE_SGRAY,     1, false, "sGray" },
  { GW_RASTER_CSPACE_SRGB,      3, false, "sRGB" },
  { GW_RASTER_CSPACE_SRGB,      0, false, "CIE Lab" },
  { GW_RASTER_CSPACE_ADOBE_RGB, 3, false, "Adobe RGB" },
  { GW_RASTER_CSPACE_GRAY,      1, false, "device gray" },
  { GW_RASTER_CSPACE_RGB,       3, false, "device RGB" },
  { GW_RASTER_CSPACE_CMYK,      4, true,  "device CMYK" }
};


/*
 * '_gwRasterUrfReadFileHeader()' - Read the rest of the file header after
 *                                  "UNIR": "AST\0" and the page count.
 */

gw_raster_status_t
_gwRasterUrfReadFileHeader(gw_raster_t *r)     /* I - Decoder */
{
  unsigned char h[RASTER_URF_FILE - 4];

  if (_gwRasterRead(r, h, sizeof(h)) < sizeof(h))
  {
    if (r->error != GW_RASTER_OK)
      return (r->error);

    return (_gwRasterFail(r, GW_RASTER_ERROR_TRUNCATED, "the document ends inside its file header"));
  }

  if (memcmp(h, "AST\0", 4))
    return (_gwRasterFail(r, GW_RASTER_ERROR_FORMAT, "not Apple raster (URF): the document does not start with UNIRAST"));

  r->announced = _gwRasterBe32(h + 4);

  if (r->announced > r->limits.max_pages)
    return (_gwRasterFail(r, GW_RASTER_ERROR_LIMIT, "the document announces %u pages, more than the limit of %u",
                          (unsigned)r->announced, (unsigned)r->limits.max_pages));

  return (GW_RASTER_OK);
}


/*
 * '_gwRasterUrfReadHeader()' - Read and check one URF page header.
 */

gw_raster_status_t
_gwRasterUrfReadHeader(gw_raster_t      *r,    /* I - Decoder */
                       gw_raster_page_t *page) /* O - Header fields (number set by the caller) */
{
  unsigned char      h[RASTER_URF_HEADER];
  unsigned           bpp, bpc;
  const urf_cspace_t *cs;

  if (_gwRasterRead(r, h, sizeof(h)) < sizeof(h))
  {
    if (r->error != GW_RASTER_OK)
      return (r->error);

    return (_gwRasterFail(r, GW_RASTER_ERROR_TRUNCATED, "the document ends inside the header of page %u", page->number));
  }

  if (h[1] >= sizeof(urf_cspaces) / sizeof(urf_cspaces[0]))
    return (_gwRasterFail(r, GW_RASTER_ERROR_HEADER, "page %u: colour space %u is not one URF defines", page->number, h[1]));

  cs = urf_cspaces + h[1];
  if (!cs->colors)
    return (_gwRasterFail(r, GW_RASTER_ERROR_HEADER, "page %u: colour space %s is not supported", page->number, cs->name));

  bpp = h[0];
  bpc = bpp / cs->colors;
  if (bpp % cs->colors || (bpc != 8 && bpc != 16))
    return (_gwRasterFail(r, GW_RASTER_ERROR_HEADER, "page %u: %u bits per pixel is not 8 or 16 bits for each of %u colorants (%s)",
                          page->number, bpp, cs->colors, cs->name));

  if (h[2] > 3)
    return (_gwRasterFail(r, GW_RASTER_ERROR_HEADER, "page %u: duplex mode %u is not 1, 2 or 3", page->number, h[2]));

  page->width          = _gwRasterBe32(h + 12);
  page->height         = _gwRasterBe32(h + 16);
  page->xres           = _gwRasterBe32(h + 20);
  page->yres           = page->xres;
  page->bits_per_color = bpc;
  page->bits_per_pixel = bpp;
  page->num_colors     = cs->colors;
  page->color_space    = cs->cspace;
  page->white_is_zero  = cs->white_is_zero;
  page->duplex         = h[2] == 2 ? GW_RASTER_DUPLEX_SHORT_EDGE : h[2] == 3 ? GW_RASTER_DUPLEX_LONG_EDGE : GW_RASTER_SIMPLEX;
  page->quality        = (h[3] >= 3 && h[3] <= 5) ? h[3] : 0;
  page->total_pages    = r->announced;
  page->media[0]       = '\0';

  if (page->xres == 0)
    return (_gwRasterFail(r, GW_RASTER_ERROR_HEADER, "page %u: the resolution is zero", page->number));

  return (GW_RASTER_OK);
}
