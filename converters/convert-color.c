/*
 * convert-color.c - does a rendered page really use colour?
 *
 * The colour pass (convert-gs.c) renders every page of the normalised PDF
 * at GW_CONV_COLOR_DPI into 8-bit RGB, without anti-aliasing, so every
 * pixel holds a colour the document painted.  A pixel is coloured when its
 * chroma (largest minus smallest of R, G and B) is above CHROMA_MIN; a page
 * is a colour page when at least PIXELS_MIN pixels are.
 *
 *  - Grey in any colour space (DeviceGray, RGB with R = G = B, CMYK with
 *    only K, a greyscale JPEG stored as YCbCr) renders with a chroma of a
 *    few units at most (colour management and JPEG rounding), well below
 *    CHROMA_MIN, so the page is mono.
 *  - A 1 cm logo at 36 dpi covers about 14 x 14 = 196 pixels; a coloured
 *    hairline or a word in blue still paints whole pixels (PostScript's
 *    any-part-of-a-pixel rule), so small colour survives the low
 *    resolution.  Pale colours such as a yellow highlighter (chroma ~100)
 *    or a light pink (~25) are above CHROMA_MIN.
 *  - PIXELS_MIN ignores a stray pixel or two of rounding noise.
 *
 * tests/integration/convert-helper.sh checks each of these cases.  The
 * content scan (pdf-color.c) decides the pages it can without rendering:
 * certainly grey ones, and certainly colour ones on the assumptions
 * checked below.
 */

#include "convert-private.h"
#include "pdf-color.h"

#define CHROMA_MIN  16                  /* Of 255 */
#define PIXELS_MIN  4

/*
 * The content scan proves a page colour without rendering it (pdf-color.c,
 * gwPdfProveColour()) on what it assumes of this test: hold it to them.
 */

_Static_assert(GW_CONV_COLOR_DPI >= GW_PDF_PROOF_DPI, "the colour proof assumes at least GW_PDF_PROOF_DPI");
_Static_assert(PIXELS_MIN <= GW_PDF_PROOF_PIXELS, "the colour proof assumes at most GW_PDF_PROOF_PIXELS pixels");
_Static_assert(CHROMA_MIN <= GW_PDF_PROOF_CHROMA, "the colour proof assumes a chroma threshold of at most GW_PDF_PROOF_CHROMA");


/*
 * '_gwConvColorPage()' - Scan one page of 8-bit RGB (3 bytes per pixel,
 *                        rows raster bytes apart) and tell whether it is a
 *                        colour page.  Stops as soon as it knows.
 */

bool
_gwConvColorPage(const unsigned char *rgb, int width, int height, size_t raster)
{
  int found = 0;

  if (!rgb || width <= 0 || height <= 0 || raster < (size_t)width * 3)
    return (false);

  for (int y = 0; y < height; y ++)
  {
    const unsigned char *p = rgb + (size_t)y * raster;

    for (int x = 0; x < width; x ++, p += 3)
    {
      int r = p[0], g = p[1], b = p[2];
      int hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
      int lo = r < g ? (r < b ? r : b) : (g < b ? g : b);

      if (hi - lo > CHROMA_MIN && ++ found >= PIXELS_MIN)
        return (true);
    }
  }

  return (false);
}
