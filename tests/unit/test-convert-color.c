/*
 * test-convert-color.c - colour pages from one interpretation (issue 15,
 * docs/converters.md "Colour pages"): the content scan of pdf-color.c on a
 * table of content streams, and the helper's counts with the scan against
 * the method before it (PG_CONVERT_COLOR=render: every page rendered) over
 * a corpus: the test files of tests/data/convert/ made into PDFs, PDFs made
 * here for the cases the scan follows (grey and coloured images, indexed
 * palettes, CMYK, shadings, forms, annotations), and the PDFs Debian ships
 * under /usr/share/doc and /usr/share/cups/data.  The counts must be equal
 * on every document, and the scan must have spared the rendering of some
 * pages (else it does nothing).
 *
 *   test-convert-color                 the tests
 *   test-convert-color --tables        only the content-stream tables (fast)
 *   test-convert-color --scan PDF      print the scan's verdict per page
 */

#include "convert-harness.h"
#include "../../converters/pdf-color.h"

#include <printgate-convert/pdf.h>
#include <printgate-convert/protocol.h>

#include <glob.h>
#include <math.h>


/*
 * 'fake_resource()' - Resources of the table's streams, by name: "Grey*"
 *                     is grey (a DeviceGray space), "Rgb*" an RGB space,
 *                     anything else undecided.
 */

static int
fake_resource(void *ctx, gw_pdf_res_t category, const char *name)
{
  (void)ctx;

  if (category == GW_PDF_RES_OPAQUE)
    return (!strncmp(name, "Plain", 5));
  if (category == GW_PDF_RES_COLORSPACE)
    return (!strncmp(name, "Grey", 4) ? GW_PDF_SPACE_GRAY : !strncmp(name, "Rgb", 3) ? GW_PDF_SPACE_RGB : GW_PDF_SPACE_OTHER);

  return (!strncmp(name, "Grey", 4) ? GW_PDF_GREY : GW_PDF_UNDECIDED);
}


/*
 * 'fake_bounds()' - Boxes of the table's XObjects: "Im*" an image (the
 *                   unit square), "Fm*" a form of 100 x 100, else unknown.
 */

static bool
fake_bounds(void *ctx, const char *name, double bbox[4])
{
  (void)ctx;

  bbox[0] = bbox[1] = 0.0;
  bbox[2] = bbox[3] = !strncmp(name, "Im", 2) ? 1.0 : 100.0;

  return (!strncmp(name, "Im", 2) || !strncmp(name, "Fm", 2));
}


/*
 * 'test_scan_table()' - The scanner on content streams.
 */

static void
test_scan_table(void)
{
  static const struct
  {
    const char     *content;
    bool            cmyk_grey;
    bool            glyph;
    gw_pdf_shade_t  want;
    const char     *why;
  } cases[] =
  {
    { "", true, false, GW_PDF_GREY, "an empty page" },
    { "0 0 m 100 100 l S BT /GreyF1 12 Tf (Hello) Tj ET", true, false, GW_PDF_GREY, "black text and a line (initial DeviceGray black)" },
    { "0.5 g 0.2 G 0 0 10 10 re f", true, false, GW_PDF_GREY, "grey fill and stroke" },
    { "0.6 0.6 0.6 rg 0.1 0.1 0.1 RG", true, false, GW_PDF_GREY, "RGB with R = G = B" },
    { "1 0 0 rg 0 0 1 1 re f", true, false, GW_PDF_UNDECIDED, "red" },
    { "0.5 0.5 0.51 RG", true, false, GW_PDF_UNDECIDED, "an almost-grey stroke" },
    { "0 0 0 0.7 k", true, false, GW_PDF_GREY, "CMYK with only K, no output intent" },
    { "0 0 0 0.7 k", false, false, GW_PDF_UNDECIDED, "CMYK with only K under an output intent" },
    { "0 0.1 0 0 K", true, false, GW_PDF_UNDECIDED, "CMYK with magenta" },
    { "/DeviceRGB cs 0.3 0.3 0.3 sc /DeviceRGB CS 1 1 1 SC", true, false, GW_PDF_GREY, "sc in DeviceRGB, neutral" },
    { "/DeviceRGB cs 0.3 0.3 0.4 scn", true, false, GW_PDF_UNDECIDED, "scn in DeviceRGB, not neutral" },
    { "/Grey1 cs 0.3 scn", true, false, GW_PDF_GREY, "a named grey space" },
    { "/Grey1 cs 0.3 0.2 0.1 scn", true, false, GW_PDF_UNDECIDED, "three components in a grey space (an inherited RGB space)" },
    { "0.3 0.2 0.1 sc", true, false, GW_PDF_UNDECIDED, "sc in the initial grey space with three operands" },
    { "/Rgb2 cs 0.3 0.3 0.3 sc", true, false, GW_PDF_GREY, "a named RGB space, neutral" },
    { "/Pattern cs /P1 scn", true, false, GW_PDF_UNDECIDED, "a pattern" },
    { "/Sep cs 1 scn", true, false, GW_PDF_UNDECIDED, "an unknown space (Separation)" },
    { "q /DeviceRGB cs Q 0.5 sc", true, false, GW_PDF_GREY, "Q restores the grey space" },
    { "q /DeviceRGB cs 0.5 sc Q", true, false, GW_PDF_UNDECIDED, "one operand in RGB" },
    { "(1 0 0 rg) Tj [(a) 1 0 0 (b)] TJ", true, false, GW_PDF_GREY, "colour operators inside strings and arrays are text" },
    { "(a \\) 1 0 0 rg (nested) ) Tj", true, false, GW_PDF_GREY, "escaped and nested parentheses" },
    { "<48656c6c6f> Tj % 1 0 0 rg\n 0 g", true, false, GW_PDF_GREY, "hex strings and comments" },
    { "/Span << /MCID 0 /Alt (1 0 0 rg) >> BDC EMC", true, false, GW_PDF_GREY, "a marked-content dictionary" },
    { "(unterminated 1 0 0 rg", true, false, GW_PDF_UNDECIDED, "an unterminated string" },
    { "[ [ [ 1 ] ] ", true, false, GW_PDF_UNDECIDED, "an unterminated array" },
    { "] 0 g", true, false, GW_PDF_UNDECIDED, "a stray ]" },
    { "/GreyImage Do /GreyForm Do", true, false, GW_PDF_GREY, "grey XObjects" },
    { "/Im1 Do", true, false, GW_PDF_UNDECIDED, "a colour (or unknown) XObject" },
    { "Do", true, false, GW_PDF_UNDECIDED, "Do without a name" },
    { "/Sh1 sh", true, false, GW_PDF_UNDECIDED, "a shading" },
    { "/GreyGS gs /GS1 gs", true, false, GW_PDF_UNDECIDED, "an ExtGState with a transfer function" },
    { "/GreyF 12 Tf /T3 12 Tf", true, false, GW_PDF_UNDECIDED, "a Type 3 font with a coloured glyph" },
    { "0 0 d0 1 0 0 rg 0 0 1 1 re f", true, true, GW_PDF_UNDECIDED, "a coloured Type 3 glyph (d0)" },
    { "1000 0 0 0 750 750 d1 1 0 0 rg 0 0 1 1 re f", true, true, GW_PDF_GREY, "an uncoloured glyph (d1) ignores colour" },
    { "1000 0 0 0 750 750 d1 /Im1 Do", true, true, GW_PDF_UNDECIDED, "an uncoloured glyph still checks its images" },
    { "1000 0 0 0 750 750 d1 1 0 0 rg 0 0 1 1 re f", true, false, GW_PDF_UNDECIDED, "d1 outside a glyph hides no colour (found by fuzz-pdf-color)" },
    { "BI /IM true /W 8 /H 2 ID \x01\x02 EI 0 g", true, false, GW_PDF_GREY, "an inline image mask" },
    { "BI /W 2 /H 2 /CS /G /BPC 8 ID \x01\x02\x03\x04 EI", true, false, GW_PDF_GREY, "an inline grey image" },
    { "BI /W 2 /H 1 /CS /RGB /BPC 8 ID \x01\x02\x03\x04\x05\x06 EI", true, false, GW_PDF_UNDECIDED, "an inline RGB image" },
    { "BI /IM true /W 8 /H 2 /F /Fl ID xy EI", true, false, GW_PDF_UNDECIDED, "a filtered inline image (its end is not known)" },
    { "BI /IM true /W 8 /H 4 ID \x01\x02 EI", true, false, GW_PDF_UNDECIDED, "an inline image shorter than its size" },
    { "BI /IM true /W 8 /H 2 ID \x01\x02 XX 1 0 0 rg", true, false, GW_PDF_UNDECIDED, "an inline image without EI" },
    { "BI /W 100001 /H 1 /CS /G ID x EI", true, false, GW_PDF_UNDECIDED, "an inline image too wide" },
    { "1e999 g", true, false, GW_PDF_UNDECIDED, "a number out of range" },
  };
  gw_pdf_scan_cb_t cb;
  gw_pdf_page_t    a4 = { { 0, 0, 595, 842 }, 0, { { 0 } } };

  memset(&cb, 0, sizeof(cb));
  cb.resource = fake_resource;
  cb.bounds   = fake_bounds;

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i ++)
  {
    size_t len = strlen(cases[i].content);

    /* The inline images hold bytes < 0x20; strlen() stops at none of them (no NUL). */
    cb.cmyk_grey = cases[i].cmyk_grey;
    cb.glyph     = cases[i].glyph;
    TEST_BEGIN(cases[i].why);
    TEST_CHECKF(gwPdfScanContent((const unsigned char *)cases[i].content, len, &cb) == cases[i].want, "%s: want %s",
                cases[i].content, cases[i].want == GW_PDF_GREY ? "grey" : "undecided");
    if (cases[i].want == GW_PDF_GREY)
      TEST_CHECKF(gwPdfProveColour((const unsigned char *)cases[i].content, len, &cb, &a4) != GW_PDF_COLOUR, "%s: proven colour", cases[i].content);
  }

  cb.glyph = false;
  TEST_BEGIN("64 nested q are followed, a 65th is not");
  {
    char deep[200];

    memset(deep, 0, sizeof(deep));
    for (int i = 0; i < 65; i ++)
      memcpy(deep + 2 * i, "q ", 2);
    TEST_CHECK(gwPdfScanContent((const unsigned char *)deep, 128, &cb) == GW_PDF_GREY);
    TEST_CHECK(gwPdfScanContent((const unsigned char *)deep, 130, &cb) == GW_PDF_UNDECIDED);
  }
}


/*
 * 'test_proof_table()' - The colour proof on content streams of an A4
 *                        page: certainly colour only when an opaque,
 *                        clearly coloured rectangle of at least 10 x 10
 *                        points (4 x 4 whole pixels at 36 dpi) is left
 *                        uncovered inside the page and the clip.
 */

#define BLUE "0 0 1 rg 100 100 50 50 re f "

static void
test_proof_table(void)
{
  static const struct
  {
    const char     *content;
    gw_pdf_shade_t  want;
    const char     *why;
  } cases[] =
  {
    { BLUE, GW_PDF_COLOUR, "proof: a blue 50 x 50 rectangle" },
    { BLUE "1 g 90 90 70 70 re f", GW_PDF_UNDECIDED, "proof: covered afterwards by an opaque white rectangle" },
    { BLUE "1 g 100 100 30 50 re f", GW_PDF_COLOUR, "proof: half covered, 16 x 50 points left" },
    { BLUE "1 g 100 100 38 50 re f", GW_PDF_UNDECIDED, "proof: covered but for 8 points (under the size, with the margin)" },
    { "1 g 90 90 70 70 re f " BLUE, GW_PDF_COLOUR, "proof: white painted before the colour does not cover it" },
    { "q 300 300 50 50 re W n " BLUE "Q", GW_PDF_UNDECIDED, "proof: under a clip outside it" },
    { "q 100 100 20 20 re W n " BLUE "Q", GW_PDF_COLOUR, "proof: under a rectangular clip, 20 x 20 inside" },
    { "q 100 100 m 200 100 l 200 200 l h W n " BLUE "Q", GW_PDF_UNDECIDED, "proof: under a clip that is not a rectangle" },
    { "q 100 100 20 20 re W n Q " BLUE, GW_PDF_COLOUR, "proof: Q ends the clip" },
    { "/Trans gs " BLUE, GW_PDF_UNDECIDED, "proof: ca 0.5 (an ExtGState that is not plain)" },
    { "/PlainGS gs " BLUE, GW_PDF_COLOUR, "proof: a plain ExtGState" },
    { "q /Trans gs Q " BLUE, GW_PDF_COLOUR, "proof: Q ends the transparency" },
    { "1 0 0 rg 100 100 9 9 re f", GW_PDF_UNDECIDED, "proof: a 9 x 9 point red square, under the renderer's sure size" },
    { "1 0 0 rg 100 100 10 10 re f", GW_PDF_COLOUR, "proof: a 10 x 10 point red square" },
    { "1 0 0 rg 100 100 300 9 re f", GW_PDF_UNDECIDED, "proof: a long red line 9 points high" },
    { "/Fm1 Do", GW_PDF_UNDECIDED, "proof: colour in a form XObject is not followed" },
    { BLUE "q 1 0 0 1 400 400 cm /Fm1 Do Q", GW_PDF_COLOUR, "proof: a form painted elsewhere afterwards" },
    { BLUE "q 1 0 0 1 80 80 cm /Fm1 Do Q", GW_PDF_UNDECIDED, "proof: a form painted over it afterwards" },
    { BLUE "/Xunknown Do", GW_PDF_UNDECIDED, "proof: an XObject of unknown size afterwards covers the page" },
    { "0.5 0.5 0.5 rg 100 100 50 50 re f", GW_PDF_UNDECIDED, "proof: grey-equal rg" },
    { "0.5 0.5 0.7 rg 100 100 50 50 re f", GW_PDF_UNDECIDED, "proof: a chroma of 0.2, under the proof's 0.25" },
    { "0.4 0.4 0.66 rg 100 100 50 50 re f", GW_PDF_COLOUR, "proof: a chroma of 0.26" },
    { "2 0 0 rg 100 100 50 50 re f", GW_PDF_UNDECIDED, "proof: a component out of range" },
    { "0 0 0 1 k 1 0 0 0 k 100 100 50 50 re f", GW_PDF_UNDECIDED, "proof: CMYK is not proven" },
    { "/Pattern cs /P1 scn 100 100 50 50 re f", GW_PDF_UNDECIDED, "proof: a pattern" },
    { "/DeviceRGB cs 0 0 1 sc 100 100 50 50 re f", GW_PDF_COLOUR, "proof: sc in DeviceRGB" },
    { "/DeviceRGB cs 0 0 1 sc /DeviceRGB cs 100 100 50 50 re f", GW_PDF_UNDECIDED, "proof: cs resets the colour to black" },
    { "/Rgb1 cs 0 0 1 scn 100 100 50 50 re f", GW_PDF_COLOUR, "proof: scn in a named RGB space" },
    { "0 0 1 rg 0 0 1 RG 100 100 50 50 re S", GW_PDF_UNDECIDED, "proof: a stroke is not proven" },
    { BLUE "BT /F1 12 Tf 72 700 Td (text) Tj ET", GW_PDF_UNDECIDED, "proof: text afterwards covers the clip (the page)" },
    { BLUE "q 300 300 100 100 re W n BT /F1 12 Tf 310 310 Td (text) Tj ET Q", GW_PDF_COLOUR, "proof: text afterwards in a clip elsewhere" },
    { "BT /F1 12 Tf 72 700 Td (text) Tj ET " BLUE, GW_PDF_COLOUR, "proof: text before" },
    { BLUE "q 60 0 0 60 95 95 cm /Im1 Do Q", GW_PDF_UNDECIDED, "proof: an image over it afterwards" },
    { BLUE "q 60 0 0 60 300 300 cm /Im1 Do Q", GW_PDF_COLOUR, "proof: an image elsewhere afterwards" },
    { BLUE "q 60 0 0 60 95 95 cm BI /W 1 /H 1 /CS /G /BPC 8 ID \x80 EI Q", GW_PDF_UNDECIDED, "proof: an inline image over it" },
    { BLUE "q 60 0 0 60 300 300 cm BI /W 1 /H 1 /CS /G /BPC 8 ID \x80 EI Q", GW_PDF_COLOUR, "proof: an inline image elsewhere" },
    { BLUE "/Sh1 sh", GW_PDF_UNDECIDED, "proof: a shading afterwards" },
    { BLUE "0 g 1 w 300 300 m 400 300 l S", GW_PDF_COLOUR, "proof: a thin line elsewhere" },
    { BLUE "0 g 1 w 90 125 m 170 125 l S", GW_PDF_UNDECIDED, "proof: a line across it (widened by the miter limit)" },
    { "0 0 1 rg -100 -100 50 50 re f", GW_PDF_UNDECIDED, "proof: off the page" },
    { "0 0 1 rg -20 -20 50 50 re f", GW_PDF_COLOUR, "proof: 30 x 30 points on the page" },
    { "0 0 1 rg 590 100 50 50 re f", GW_PDF_UNDECIDED, "proof: 5 points on the page" },
    { "q 0.1 0 0 0.1 0 0 cm 0 0 1 rg 800 1200 150 150 re f Q", GW_PDF_COLOUR, "proof: pdfwrite's 0.1 scale" },
    { "q 0.7071 0.7071 -0.7071 0.7071 300 300 cm 0 0 1 rg 0 0 50 50 re f Q", GW_PDF_UNDECIDED, "proof: a rotated rectangle" },
    { "q 0 1 -1 0 300 300 cm 0 0 1 rg 0 0 50 50 re f Q", GW_PDF_COLOUR, "proof: a rectangle turned by 90 degrees" },
    { "q 100000000000000 0 0 100000000000000 0 0 cm 100000000000000 0 0 100000000000000 0 0 cm " BLUE "Q", GW_PDF_UNDECIDED, "proof: a CTM far too large" },
    { "q 0.001 0 0 0.001 0 0 cm 0 0 1 rg 100000 100000 50000 50000 re f Q", GW_PDF_COLOUR, "proof: small scale, large numbers" },
    { "/OC /oc1 BDC " BLUE "EMC", GW_PDF_UNDECIDED, "proof: optional content" },
    { "/OC /oc1 BDC EMC /Span << >> BDC " BLUE "EMC", GW_PDF_COLOUR, "proof: after optional content, in other marked content" },
    { "EMC " BLUE, GW_PDF_UNDECIDED, "proof: an EMC without BMC" },
    { "0 0 1 rg 100 100 50 50 re 110 110 30 30 re f*", GW_PDF_UNDECIDED, "proof: two subpaths (even-odd could leave a hole)" },
    { "0 0 1 rg 100 100 m 150 100 l 150 150 l 100 150 l h f", GW_PDF_UNDECIDED, "proof: a rectangle drawn with lines is not followed" },
    { BLUE "foo", GW_PDF_UNDECIDED, "proof: an unknown operator" },
    { "0 1 rg 100 100 50 50 re f", GW_PDF_UNDECIDED, "proof: rg with two operands" },
    { "0 0 1 rg 100 100 50 /x re f", GW_PDF_UNDECIDED, "proof: re with a name" },
    { "Q " BLUE, GW_PDF_UNDECIDED, "proof: Q without q" },
    { "0 0 1 rg 100 100 50 50 re 1 0 0 1 5 5 cm f", GW_PDF_UNDECIDED, "proof: cm inside a path" },
    { "0 0 1 rg 100 100 l f", GW_PDF_UNDECIDED, "proof: l without a current point" },
    { BLUE "BX /x foo EX", GW_PDF_UNDECIDED, "proof: a compatibility section" },
    { BLUE "(unterminated", GW_PDF_UNDECIDED, "proof: a syntax error afterwards" },
    { BLUE "BI /W 2 /H 2 /CS /RGB /F /Fl ID xyz EI", GW_PDF_UNDECIDED, "proof: an inline image we cannot skip" },
    { "7 Tr " BLUE, GW_PDF_UNDECIDED, "proof: text clipping (Tr 7)" },
    { "BT " BLUE "ET", GW_PDF_UNDECIDED, "proof: a rectangle inside a text object" },
    { "ET " BLUE, GW_PDF_UNDECIDED, "proof: ET without BT" },
    { "BT ET " BLUE, GW_PDF_COLOUR, "proof: after a text object" },
  };
  gw_pdf_scan_cb_t cb;
  gw_pdf_page_t    page;

  memset(&cb, 0, sizeof(cb));
  cb.resource  = fake_resource;
  cb.bounds    = fake_bounds;
  cb.cmyk_grey = true;

  memset(&page, 0, sizeof(page));
  page.box[2] = 595;
  page.box[3] = 842;

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i ++)
  {
    TEST_BEGIN(cases[i].why);
    TEST_CHECKF(gwPdfProveColour((const unsigned char *)cases[i].content, strlen(cases[i].content), &cb, &page) == cases[i].want,
                "%s: want %s", cases[i].content, cases[i].want == GW_PDF_COLOUR ? "colour" : "undecided");
  }

  TEST_BEGIN("proof: an annotation printed over the rectangle covers it, one elsewhere does not");
  page.nlate = 1;
  page.late[0][0] = 90;
  page.late[0][1] = 90;
  page.late[0][2] = 160;
  page.late[0][3] = 160;
  TEST_CHECK(gwPdfProveColour((const unsigned char *)BLUE, strlen(BLUE), &cb, &page) == GW_PDF_UNDECIDED);
  page.late[0][0] = 400;
  page.late[0][2] = 500;
  TEST_CHECK(gwPdfProveColour((const unsigned char *)BLUE, strlen(BLUE), &cb, &page) == GW_PDF_COLOUR);
  page.late[0][0] = NAN;
  TEST_CHECK(gwPdfProveColour((const unsigned char *)BLUE, strlen(BLUE), &cb, &page) == GW_PDF_UNDECIDED);

  TEST_BEGIN("proof: a page box smaller than the rectangle, not finite, or larger than 5000 points");
  page.nlate  = 0;
  page.box[2] = 120;
  page.box[3] = 120;
  TEST_CHECK(gwPdfProveColour((const unsigned char *)BLUE, strlen(BLUE), &cb, &page) == GW_PDF_COLOUR);
  page.box[2] = 105;
  TEST_CHECK(gwPdfProveColour((const unsigned char *)BLUE, strlen(BLUE), &cb, &page) == GW_PDF_UNDECIDED);
  page.box[2] = INFINITY;
  TEST_CHECK(gwPdfProveColour((const unsigned char *)BLUE, strlen(BLUE), &cb, &page) == GW_PDF_UNDECIDED);
  page.box[2] = 5000;
  TEST_CHECK(gwPdfProveColour((const unsigned char *)BLUE, strlen(BLUE), &cb, &page) == GW_PDF_COLOUR);
  page.box[2] = 5001;
  TEST_CHECK(gwPdfProveColour((const unsigned char *)BLUE, strlen(BLUE), &cb, &page) == GW_PDF_UNDECIDED);

  TEST_BEGIN("proof: 64 nested q are followed, a 65th is not");
  {
    char deep[300];

    page.box[2] = 595;
    memset(deep, 0, sizeof(deep));
    for (int i = 0; i < 65; i ++)
      memcpy(deep + 2 * i, "q ", 2);
    memcpy(deep + 130, BLUE, strlen(BLUE));
    TEST_CHECK(gwPdfProveColour((const unsigned char *)deep + 2, strlen(deep + 2), &cb, &page) == GW_PDF_COLOUR);
    TEST_CHECK(gwPdfProveColour((const unsigned char *)deep, strlen(deep), &cb, &page) == GW_PDF_UNDECIDED);
  }

  TEST_BEGIN("proof: 32 colour rectangles are followed, then cut by covers");
  {
    char many[4000];
    size_t len = 0;

    for (int i = 0; i < 40; i ++)
      len += (size_t)snprintf(many + len, sizeof(many) - len, "0 0 1 rg %d 100 12 12 re f ", 10 + 14 * i);
    snprintf(many + len, sizeof(many) - len, "1 g 0 0 595 200 re f");
    TEST_CHECK(gwPdfProveColour((const unsigned char *)many, len, &cb, &page) == GW_PDF_COLOUR);
    TEST_CHECK(gwPdfProveColour((const unsigned char *)many, strlen(many), &cb, &page) == GW_PDF_UNDECIDED);
  }
}


/*
 * 'scan_file()' - gwPdfInspectColor() on a file: the pages, and how many
 *                 are certainly grey (-1 on failure).
 */

static int
scan_file(const char *path, int *pages, unsigned char **grey)
{
  FILE          *fp = fopen(path, "rb");
  unsigned char *data = NULL;
  size_t         len = 0;
  long           size;
  gw_reason_t    reason;
  int            n = -1;

  *pages = 0;
  *grey  = NULL;

  if (fp && !fseek(fp, 0, SEEK_END) && (size = ftell(fp)) > 0 && !fseek(fp, 0, SEEK_SET) &&
      (data = malloc((size_t)size)) != NULL)
    len = fread(data, 1, (size_t)size, fp);
  if (fp)
    fclose(fp);

  if (len > 0 && gwPdfInspectColor(data, len, pages, &reason, grey) && *grey)
  {
    n = 0;
    for (int i = 0; i < *pages; i ++)
      n += (*grey)[i] == GW_PDF_PAGE_GREY;
  }

  free(data);
  return (n);
}


/*
 * 'color_count()' - The helper's colour pages for a document (-1 when it
 *                   failed), with PG_CONVERT_COLOR=method; *rendered gets
 *                   the pages its profile says it rendered.
 */

static int
color_count(const char *path, const char *method, int *pages, int *rendered)
{
  char        env[40];
  const char *envs[2] = { env, NULL };
  const char *p;
  opts_t      o;
  run_t       r;
  int         color = -1, total = 0, drawn = -1;

  memset(&o, 0, sizeof(o));
  o.env     = envs;
  o.timeout = 300;
  snprintf(env, sizeof(env), "PG_CONVERT_COLOR=%s", method);

  if (run_helper(path, &o, &r) && r.exited && r.exit_code == 0 &&
      sscanf(r.result, "ok pages=%d color_pages=%d", &total, &color) != 2)
    color = -1;
  if ((p = strstr(r.err, "colour rendered ")) != NULL && sscanf(p, "colour rendered %d", &drawn) != 1)
    drawn = -1;

  *pages    = total;
  *rendered = drawn;
  return (color);
}


/*
 * 'make_corpus_pdf()' - Make a PDF of the corpus from PostScript (a
 *                       program of the test data, or one given inline).
 */

static bool
make_corpus_pdf(const char *name, const char *ps_file, const char *ps_code, char *path, size_t pathsize)
{
  char src[1300];

  snprintf(path, pathsize, "%s/%s.pdf", work, name);
  if (ps_code)
  {
    FILE *fp;

    snprintf(src, sizeof(src), "%s/%s.ps", work, name);
    if ((fp = fopen(src, "w")) == NULL)
      return (false);
    fputs(ps_code, fp);
    fclose(fp);
  }
  else
    snprintf(src, sizeof(src), "%s/%s", data_dir, ps_file);

  return (shell("gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sPAPERSIZE=a4 %s -o '%s' '%s' >/dev/null 2>&1",
                strstr(ps_file ? ps_file : "", ".eps") ? "-dEPSFitPage" : "", path, src));
}


/*
 * 'make_raw_pdf()' - Write a one-page A4 PDF of the corpus by hand: the
 *                    content stream, the page's resources and extra page
 *                    keys, and extra objects (numbered from 5), with a
 *                    correct cross-reference table.  For what PostScript
 *                    cannot say (ca, optional content, annotations).
 */

static bool
make_raw_pdf(const char *name, const char *content, const char *resources, const char *page_keys,
             const char *catalog_keys, const char * const *extra, char *path, size_t pathsize)
{
  FILE  *fp;
  long   offsets[16];
  int    nobj = 0;
  long   xref;

  snprintf(path, pathsize, "%s/%s.pdf", work, name);
  if ((fp = fopen(path, "wb")) == NULL)
    return (false);

  fputs("%PDF-1.7\n", fp);
  offsets[nobj ++] = ftell(fp);
  fprintf(fp, "1 0 obj << /Type /Catalog /Pages 2 0 R %s >> endobj\n", catalog_keys);
  offsets[nobj ++] = ftell(fp);
  fputs("2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n", fp);
  offsets[nobj ++] = ftell(fp);
  fprintf(fp, "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << %s >> /Contents 4 0 R %s >> endobj\n",
          resources, page_keys);
  offsets[nobj ++] = ftell(fp);
  fprintf(fp, "4 0 obj << /Length %zu >> stream\n%s\nendstream endobj\n", strlen(content) + 1, content);
  for (; extra && *extra && nobj < 16; extra ++)
  {
    offsets[nobj] = ftell(fp);
    nobj ++;
    fprintf(fp, "%d 0 obj %s endobj\n", nobj, *extra);
  }

  xref = ftell(fp);
  fprintf(fp, "xref\n0 %d\n0000000000 65535 f \n", nobj + 1);
  for (int i = 0; i < nobj; i ++)
    fprintf(fp, "%010ld 00000 n \n", offsets[i]);
  fprintf(fp, "trailer << /Size %d /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", nobj + 1, xref);

  return (!fclose(fp));
}


/*
 * 'test_corpus()' - The helper's colour counts with the scan against the
 *                   method before it, document by document.
 */

static void
test_corpus(void)
{
  static const char * const data_files[] =
  {
    "grey-rgb.ps", "logo-1cm.ps", "logo.eps", "pale-5mm.ps", "blue-link.ps", "three-pages.ps", "prints-text.ps"
  };
  static const struct
  {
    const char *name, *ps;
  } made[] =
  {
    { "grey-image", "/DeviceGray setcolorspace 100 100 translate 200 200 scale 16 16 8 [16 0 0 16 0 0] "
                    "{ 256 string 0 1 255 { 1 index exch dup put } for } image showpage\n" },
    { "rgb-grey-image", "100 100 translate 200 200 scale 16 16 8 [16 0 0 16 0 0] "
                        "{ 768 string 0 1 767 { 1 index exch dup 3 idiv put } for } false 3 colorimage showpage\n" },
    { "rgb-colour-image", "100 100 translate 200 200 scale 16 16 8 [16 0 0 16 0 0] "
                          "{ 768 string 0 1 767 { 1 index exch dup 7 mul 256 mod put } for } false 3 colorimage showpage\n" },
    { "indexed-grey", "[/Indexed /DeviceRGB 1 <000000 808080>] setcolorspace 100 100 translate 200 200 scale "
                      "<< /ImageType 1 /Width 8 /Height 8 /BitsPerComponent 1 /Decode [0 1] /ImageMatrix [8 0 0 8 0 0] "
                      "/DataSource <55AA55AA55AA55AA> >> image showpage\n" },
    { "indexed-colour", "[/Indexed /DeviceRGB 1 <000000 FF0000>] setcolorspace 100 100 translate 200 200 scale "
                        "<< /ImageType 1 /Width 8 /Height 8 /BitsPerComponent 1 /Decode [0 1] /ImageMatrix [8 0 0 8 0 0] "
                        "/DataSource <55AA55AA55AA55AA> >> image showpage\n" },
    { "cmyk-black", "0 0 0 0.6 setcmykcolor 100 100 300 300 rectfill showpage\n" },
    { "cmyk-cyan", "0.8 0 0 0 setcmykcolor 100 100 300 300 rectfill showpage\n" },
    { "grey-shading", "<< /ShadingType 2 /ColorSpace /DeviceGray /Coords [0 0 400 0] /Function "
                      "<< /FunctionType 2 /Domain [0 1] /C0 [0] /C1 [1] /N 1 >> >> shfill showpage\n" },
    { "colour-shading", "<< /ShadingType 2 /ColorSpace /DeviceRGB /Coords [0 0 400 0] /Function "
                        "<< /FunctionType 2 /Domain [0 1] /C0 [1 0 0] /C1 [0 0 1] /N 1 >> >> shfill showpage\n" },
    { "grey-form", "/F << /FormType 1 /BBox [0 0 100 100] /Matrix [1 0 0 1 0 0] /PaintProc { pop 0.5 setgray 0 0 100 100 rectfill } >> def "
                   "F execform 200 200 translate F execform showpage\n" },
    { "tiny-red-dot", "1 0 0 setrgbcolor 300 400 0.5 0.5 rectfill showpage\n" },
    { "mixed-pages", "/Helvetica findfont 20 scalefont setfont 72 700 moveto (grey page) show showpage "
                     "0 0 1 setrgbcolor 72 700 moveto (blue page) show showpage "
                     "0.3 0.3 0.3 setrgbcolor 72 600 400 100 rectfill showpage "
                     "0 0.5 0 setrgbcolor 100 100 200 200 rectfill showpage\n" },
    { "link-annot", "[ /Rect [72 700 300 720] /Border [0 0 2] /Color [1 0 0] /Subtype /Link /URI (http://example.com) /ANN pdfmark "
                    "/Helvetica findfont 20 scalefont setfont 72 705 moveto (a link) show showpage\n" },
  };
  static const char * const form_blue[] = { "<< /Type /XObject /Subtype /Form /BBox [0 0 300 300] /Length 25 >> stream\n0 0 1 rg 0 0 200 200 re f\nendstream", NULL };
  static const char * const grey_image[] = { "<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1 >> stream\n\x80\nendstream", NULL };
  static const char * const white_annot[] =
  {
    "<< /Type /Annot /Subtype /Square /Rect [90 90 310 310] /F 4 /AP << /N 6 0 R >> >>",
    "<< /Type /XObject /Subtype /Form /BBox [0 0 220 220] /Length 20 >> stream\n1 g 0 0 220 220 re f\nendstream",
    NULL
  };
  static const char * const hidden_oc[] = { "<< /Type /OCG /Name (hidden) >>", NULL };
  static const char * const white_form[] = { "<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Length 30 >> stream\n1 g -1000 -1000 3000 3000 re f\nendstream", NULL };
  static const struct
  {
    const char *name, *content, *resources, *page_keys, *catalog_keys;
    const char * const *extra;
  } raw[] =
  {
    /* Each a case the colour proof must get right: what the renderer says, it says, or it leaves the page to the renderer. */
    { "raw-blue-rect", "0 0 1 rg 100 100 200 200 re f", "", "", "", NULL },
    { "raw-ca-half", "/GS1 gs 0 0 1 rg 100 100 200 200 re f", "/ExtGState << /GS1 << /ca 0.5 >> >>", "", "", NULL },
    { "raw-ca-zero", "/GS1 gs 0 0 1 rg 100 100 200 200 re f", "/ExtGState << /GS1 << /ca 0 >> >>", "", "", NULL },
    { "raw-white-over", "0 0 1 rg 100 100 200 200 re f 1 g 90 90 220 220 re f", "", "", "", NULL },
    { "raw-clip-outside", "q 300 300 50 50 re W n 0 0 1 rg 100 100 100 100 re f Q", "", "", "", NULL },
    { "raw-form-colour", "q 1 0 0 1 100 100 cm /Fm1 Do Q", "/XObject << /Fm1 5 0 R >>", "", "", form_blue },
    { "raw-form-bbox", "0 0 1 rg 100 100 200 200 re f q 1 0 0 1 400 400 cm /Fm1 Do Q", "/XObject << /Fm1 5 0 R >>", "", "", white_form },
    { "raw-tiny-rect", "1 0 0 rg 100 100 3 3 re f", "", "", "", NULL },
    { "raw-grey-equal", "0.5 0.5 0.5 rg 100 100 200 200 re f", "", "", "", NULL },
    { "raw-low-chroma", "0.5 0.5 0.56 rg 100 100 200 200 re f", "", "", "", NULL },
    { "raw-image-over", "0 0 1 rg 100 100 200 200 re f q 220 0 0 220 90 90 cm /Im1 Do Q", "/XObject << /Im1 5 0 R >>", "", "", grey_image },
    { "raw-annot-over", "0 0 1 rg 100 100 200 200 re f", "", "/Annots [5 0 R]", "", white_annot },
    { "raw-rotated", "0 0 1 rg 100 100 200 200 re f", "", "/Rotate 90", "", NULL },
    { "raw-cropped-out", "0 0 1 rg 300 300 200 200 re f", "", "/CropBox [0 0 200 200]", "", NULL },
    { "raw-off-page", "0 0 1 rg 700 100 200 200 re f", "", "", "", NULL },
    { "raw-hidden-oc", "/OC /oc1 BDC 0 0 1 rg 100 100 200 200 re f EMC", "/Properties << /oc1 5 0 R >>", "",
      "/OCProperties << /OCGs [5 0 R] /D << /OFF [5 0 R] >> >>", hidden_oc },
  };
  char       path[1300];
  int        documents = 0, equal = 0, spared = 0, pages_total = 0, proven_docs = 0;
  glob_t     g;

  TEST_BEGIN("colour pages with the content scan equal the method that renders every page, on every document of the corpus");

  /*
   * The corpus: paths collected, then each run with both methods.
   */

  memset(&g, 0, sizeof(g));
  for (size_t i = 0; i < sizeof(data_files) / sizeof(data_files[0]); i ++)
  {
    char name[64];

    snprintf(name, sizeof(name), "data-%s", data_files[i]);
    if (make_corpus_pdf(name, data_files[i], NULL, path, sizeof(path)))
      (void)glob(path, g.gl_pathc ? GLOB_APPEND : 0, NULL, &g);
    else
      TEST_CHECKF(false, "could not make a PDF of %s", data_files[i]);
  }
  for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i ++)
  {
    if (make_corpus_pdf(made[i].name, NULL, made[i].ps, path, sizeof(path)))
      (void)glob(path, GLOB_APPEND, NULL, &g);
    else
      TEST_CHECKF(false, "could not make %s", made[i].name);
  }
  for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i ++)
  {
    if (make_raw_pdf(raw[i].name, raw[i].content, raw[i].resources, raw[i].page_keys, raw[i].catalog_keys, raw[i].extra, path, sizeof(path)))
      (void)glob(path, GLOB_APPEND, NULL, &g);
    else
      TEST_CHECKF(false, "could not make %s", raw[i].name);
  }
  if (make_corpus_pdf("synth100", "../../bench/synth100.ps", NULL, path, sizeof(path)))
    (void)glob(path, GLOB_APPEND, NULL, &g);
  (void)glob("/usr/share/doc/*/*.pdf", GLOB_APPEND, NULL, &g);
  (void)glob("/usr/share/doc/*/*/*.pdf", GLOB_APPEND, NULL, &g);
  (void)glob("/usr/share/cups/data/*.pdf", GLOB_APPEND, NULL, &g);

  for (size_t i = 0; i < g.gl_pathc; i ++)
  {
    struct stat st;
    int         pages_new, pages_old, drawn_new, drawn_old, c_new, c_old;

    if (stat(g.gl_pathv[i], &st) || st.st_size > 20 * 1024 * 1024)
      continue;                         /* The large manuals of some packages: too slow for a unit test */

    c_new = color_count(g.gl_pathv[i], "1", &pages_new, &drawn_new);
    c_old = color_count(g.gl_pathv[i], "render", &pages_old, &drawn_old);

    printf("  %s: %d pages, colour %d (scan, rendered %d) / %d (every page rendered)\n", g.gl_pathv[i], pages_new, c_new, drawn_new, c_old);

    documents ++;
    pages_total += pages_new;
    if (c_new >= 0 && c_new == c_old && pages_new == pages_old && drawn_old == pages_old)
      equal ++;
    else
      TEST_CHECKF(false, "%s: colour pages %d with the scan, %d rendering every page", g.gl_pathv[i], c_new, c_old);
    if (drawn_new >= 0)
      spared += pages_new - drawn_new;
    if (strstr(g.gl_pathv[i], "/synth100.pdf") || strstr(g.gl_pathv[i], "/raw-blue-rect.pdf"))
      proven_docs += drawn_new == 0 && c_new == pages_new;
  }

  globfree(&g);

  TEST_CHECKF(documents >= 20 && equal == documents, "%d of %d documents equal", equal, documents);
  TEST_BEGIN("the scan spares the rendering of pages (the grey ones)");
  TEST_CHECKF(spared > 0, "%d of %d pages not rendered", spared, pages_total);
  TEST_BEGIN("the colour proof spares the rendering of colour pages (synth100's 100 pages, a blue rectangle)");
  TEST_CHECKF(proven_docs == 2, "%d of 2 documents counted without rendering", proven_docs);
  printf("  %d documents, %d pages, %d pages not rendered\n", documents, pages_total, spared);
}


/*
 * 'test_known_pages()' - Which pages the scan calls grey, on documents made
 *                        for it: the colour ones are never called grey.
 */

static void
test_known_pages(void)
{
  char           path[1300];
  int            pages, n;
  unsigned char *grey;

  TEST_BEGIN("mixed pages: the grey text page and the R = G = B page are grey, the green rectangle is colour, the blue text undecided");
  if (make_corpus_pdf("known-mixed", NULL,
                      "/Helvetica findfont 20 scalefont setfont 72 700 moveto (grey) show showpage "
                      "0 0 1 setrgbcolor 72 700 moveto (blue) show showpage "
                      "0.3 0.3 0.3 setrgbcolor 72 600 400 100 rectfill showpage "
                      "0 0.5 0 setrgbcolor 100 100 200 200 rectfill showpage\n", path, sizeof(path)))
  {
    n = scan_file(path, &pages, &grey);
    TEST_CHECKF(n == 2 && pages == 4 && grey[0] == GW_PDF_PAGE_GREY && grey[1] == GW_PDF_PAGE_RENDER && grey[2] == GW_PDF_PAGE_GREY &&
                grey[3] == GW_PDF_PAGE_COLOUR, "%d grey of %d: %d %d %d %d", n, pages, grey[0], grey[1], grey[2], grey[3]);
    free(grey);
  }
  else
    TEST_CHECK(false);
}


/*
 * 'test_lean_helper()' - printgate-convert-pdf converts PDF and PostScript
 *                        as printgate-convert does, in the same sandbox,
 *                        and hands anything else back (exit 4, nothing on
 *                        fd 1).
 */

static void
test_lean_helper(void)
{
  char        lean[1200], out[1200], path[1200];
  opts_t      o;
  run_t       r;

  snprintf(lean, sizeof(lean), "%s/converters/printgate-convert-pdf", build_dir);
  opts_init(&o, out, sizeof(out), "lean.pdf");
  o.binary = lean;

  TEST_BEGIN("printgate-convert-pdf: a 3-page PostScript program with one colour page, in the sandbox");
  if (convert("three-pages.ps", &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 3, 1), "%s", r.result);
    TEST_CHECK(pdf_pages(out) == 3);
    TEST_CHECKF(strstr(r.err, "printgate-convert-pdf: sandbox: user ") && strstr(r.err, "view on"), "%s", r.err);
  }

  TEST_BEGIN("printgate-convert-pdf: a grey RGB photo is mono, a 1 cm logo is colour");
  snprintf(path, sizeof(path), "%s/lean-grey.pdf", work);
  if (gs_to_pdf("grey-rgb.ps", "lean-grey.pdf", NULL) && convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
  snprintf(path, sizeof(path), "%s/lean-logo.pdf", work);
  if (gs_to_pdf("logo-1cm.ps", "lean-logo.pdf", NULL) && convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);

  TEST_BEGIN("printgate-convert-pdf: a PNG, an SVG and a text file are handed back (exit 4, no output)");
  {
    static const char * const others[] = { "sample.svg", "mail-plain.eml" };

    if (make_image(path, sizeof(path), "lean.png", "convert -size 40x30 xc:red") && run_helper(path, &o, &r))
      TEST_CHECKF(r.exited && r.exit_code == GW_CONV_EXIT_FULL && r.out_len == 0 && strstr(r.result, "fail reason=internal-error"), "%d %s", r.exit_code, r.result);
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i ++)
      if (convert(others[i], &o, &r))
        TEST_CHECKF(r.exited && r.exit_code == GW_CONV_EXIT_FULL && r.out_len == 0, "%s: %d %s", others[i], r.exit_code, r.result);
  }

  TEST_BEGIN("printgate-convert-pdf starts with fewer shared libraries than printgate-convert");
  TEST_CHECK(shell("test $(ldd '%s' | wc -l) -lt $(ldd '%s' | wc -l)", lean, helper));
}


/*
 * 'main()' - Run the tests, or --scan PDF.
 */

int
main(int argc, char *argv[])
{
  static const harness_test_t tests[] = { test_scan_table, test_proof_table, test_known_pages, test_lean_helper, test_corpus, NULL };
  static const harness_test_t tables[] = { test_scan_table, test_proof_table, NULL };

  if (argc == 3 && !strcmp(argv[1], "--scan"))
  {
    int            pages, n;
    unsigned char *grey;

    n = scan_file(argv[2], &pages, &grey);
    printf("%d pages, %d certainly grey:", pages, n);
    for (int i = 0; grey && i < pages; i ++)
      printf(" %c", grey[i] == GW_PDF_PAGE_GREY ? 'g' : grey[i] == GW_PDF_PAGE_COLOUR ? 'c' : '?');
    putchar('\n');
    free(grey);
    return (n < 0);
  }

  return (harness_main(argc == 2 && !strcmp(argv[1], "--tables") ? tables : tests));
}
