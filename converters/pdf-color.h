/*
 * pdf-color.h - does a PDF content stream certainly paint only grey, or
 * certainly colour?  (converters/pdf-color.c; the resources it names are
 * looked up by the caller, pdf-qpdf.c, through gw_pdf_scan_cb_t).
 *
 * gwPdfScanContent() answers GW_PDF_GREY only when every colour the stream
 * can paint is neutral; gwPdfProveColour() answers GW_PDF_COLOUR only when
 * an opaque, clearly coloured rectangle large enough for the renderer to
 * see is left uncovered on the page.  Anything else (an operator sequence
 * we do not follow, a budget reached, ...) is GW_PDF_UNDECIDED, and the
 * page is rendered as before.  Private to printgate-pdf and its unit test.
 */

#ifndef PRINTGATE_PDF_COLOR_H
#define PRINTGATE_PDF_COLOR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum gw_pdf_shade_e
{
  GW_PDF_GREY,                          /* Paints only neutral colours */
  GW_PDF_UNDECIDED,                     /* May paint colour: render to know */
  GW_PDF_COLOUR                         /* Certainly renders as a colour page (gwPdfProveColour()) */
} gw_pdf_shade_t;

typedef enum gw_pdf_space_e             /* A colour space as far as greyness goes */
{
  GW_PDF_SPACE_GRAY,                    /* DeviceGray, CalGray, ICCBased N=1, grey Indexed */
  GW_PDF_SPACE_RGB,                     /* DeviceRGB: grey when R = G = B */
  GW_PDF_SPACE_CMYK,                    /* DeviceCMYK: grey when C = M = Y = 0 */
  GW_PDF_SPACE_OTHER                    /* Anything else */
} gw_pdf_space_t;

typedef enum gw_pdf_res_e               /* Resource categories a content stream names */
{
  GW_PDF_RES_COLORSPACE,                /* cs, CS, BI /CS: answer a gw_pdf_space_t */
  GW_PDF_RES_XOBJECT,                   /* Do: answer a gw_pdf_shade_t */
  GW_PDF_RES_SHADING,                   /* sh */
  GW_PDF_RES_EXTGSTATE,                 /* gs */
  GW_PDF_RES_FONT,                      /* Tf */
  GW_PDF_RES_OPAQUE                     /* gs, for the proof: 1 when painting stays opaque and its
                                           colours unchanged (no transparency, soft mask, blend mode,
                                           overprint, transfer, line width or miter limit), else 0 */
} gw_pdf_res_t;

typedef struct gw_pdf_scan_cb_s
{
  void *ctx;
  bool  cmyk_grey;                      /* C = M = Y = 0 renders neutral (no output intent) */
  bool  glyph;                          /* A Type 3 glyph: d1 makes it uncoloured; elsewhere d0/d1 are undecided */
  int (*resource)(void *ctx, gw_pdf_res_t category, const char *name);
  bool (*bounds)(void *ctx, const char *name, double bbox[4]);
                                        /* For the proof: an XObject's box in the space Do paints it in
                                           (an image [0 0 1 1], a form its BBox through its Matrix);
                                           false when unknown.  NULL: always unknown */
} gw_pdf_scan_cb_t;

#define GW_PDF_NAME_MAX 127             /* Longest resource name followed */
#define GW_PDF_LATE_MAX 64              /* Rectangles painted after the content that a page may have */

/*
 * What the colour proof assumes of the renderer it stands in for
 * (convert-color.c checks them at compile time): pages rendered at least
 * GW_PDF_PROOF_DPI, without anti-aliasing, a page is colour when more than
 * GW_PDF_PROOF_PIXELS pixels have a chroma above GW_PDF_PROOF_CHROMA (of
 * 255).  The proof asks for a rectangle with 4 x 4 whole pixels at that
 * resolution and a chroma of 64 in DeviceRGB.
 */

#define GW_PDF_PROOF_DPI     36
#define GW_PDF_PROOF_PIXELS  16
#define GW_PDF_PROOF_CHROMA  32
#define GW_PDF_PROOF_PAGE_MAX 5000.0    /* Largest MediaBox side proven (points): larger pages are
                                           rendered, as they may be too large to render */

typedef struct gw_pdf_page_s            /* The page around a content stream, for the proof */
{
  double box[4];                        /* What is rendered: MediaBox and CropBox intersected (x0 y0 x1 y1) */
  int    nlate;                         /* Rectangles painted after the content (printed annotations) */
  double late[GW_PDF_LATE_MAX][4];
} gw_pdf_page_t;

extern gw_pdf_shade_t gwPdfScanContent(const unsigned char *data, size_t len, const gw_pdf_scan_cb_t *cb);
extern gw_pdf_shade_t gwPdfProveColour(const unsigned char *data, size_t len, const gw_pdf_scan_cb_t *cb, const gw_pdf_page_t *page);
extern gw_pdf_space_t gwPdfSpaceByName(const char *name);   /* Device names and inline abbreviations */

#endif /* !PRINTGATE_PDF_COLOR_H */
