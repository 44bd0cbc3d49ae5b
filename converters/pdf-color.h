/*
 * pdf-color.h - does a PDF content stream certainly paint only grey?
 * (converters/pdf-color.c; the resources it names are looked up by the
 * caller, pdf-qpdf.c, through gw_pdf_scan_cb_t).
 *
 * The answer is GW_PDF_GREY only when every colour the stream can paint is
 * neutral; anything else (a non-grey colour, an RGB image, a pattern, an
 * operator sequence we do not follow, a budget reached) is
 * GW_PDF_UNDECIDED, and the page is rendered as before.  Private to
 * printgate-pdf and its unit test.
 */

#ifndef PRINTGATE_PDF_COLOR_H
#define PRINTGATE_PDF_COLOR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum gw_pdf_shade_e
{
  GW_PDF_GREY,                          /* Paints only neutral colours */
  GW_PDF_UNDECIDED                      /* May paint colour: render to know */
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
  GW_PDF_RES_FONT                       /* Tf */
} gw_pdf_res_t;

typedef struct gw_pdf_scan_cb_s
{
  void *ctx;
  bool  cmyk_grey;                      /* C = M = Y = 0 renders neutral (no output intent) */
  bool  glyph;                          /* A Type 3 glyph: d1 makes it uncoloured; elsewhere d0/d1 are undecided */
  int (*resource)(void *ctx, gw_pdf_res_t category, const char *name);
} gw_pdf_scan_cb_t;

#define GW_PDF_NAME_MAX 127             /* Longest resource name followed */

extern gw_pdf_shade_t gwPdfScanContent(const unsigned char *data, size_t len, const gw_pdf_scan_cb_t *cb);
extern gw_pdf_space_t gwPdfSpaceByName(const char *name);   /* Device names and inline abbreviations */

#endif /* !PRINTGATE_PDF_COLOR_H */
