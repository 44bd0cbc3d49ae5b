/*
 * fuzz-pdf-color.c - libFuzzer harness for the colour scan of content
 * streams (converters/pdf-color.c, docs/converters.md "Colour pages").
 *
 * The input is a content stream, as it comes out of pdfwrite from what a
 * user sent.  Besides "no crash, no leak, no hang", the harness checks the
 * promises the colour count relies on: the answer is GREY or UNDECIDED and
 * the same when asked twice; a stream judged GREY is judged UNDECIDED once
 * a red fill ("1 0 0 rg") follows it on a new line (so nothing the scanner
 * accepts can leave it blind to what comes after: an open string, array,
 * inline image or comment).  The colour proof (gwPdfProveColour()) on the
 * same stream, on an A4 page: the answer is COLOUR or UNDECIDED and the
 * same when asked twice; a stream proven colour is never judged grey, and
 * is no longer proven once an annotation covers the whole page.  Resource
 * names beginning with 'G' stand for grey resources (and a plain
 * ExtGState), 'R' for an RGB space, others for undecided ones; XObjects
 * beginning with 'I' are images, 'F' forms of 100 x 100.
 */

#define GW_FUZZ_NAME "fuzz-pdf-color"
#include "fuzz-common.h"
#include "../../converters/pdf-color.h"

#include <stdlib.h>
#include <string.h>


/*
 * 'resource_by_name()' - 'G...' is grey (a grey space, a grey XObject), the
 *                        rest undecided (an RGB space for 'R...').
 */

static int
resource_by_name(void *ctx, gw_pdf_res_t category, const char *name)
{
  (void)ctx;

  if (category == GW_PDF_RES_OPAQUE)
    return (name[0] == 'G');
  if (category == GW_PDF_RES_COLORSPACE)
    return (name[0] == 'G' ? GW_PDF_SPACE_GRAY : name[0] == 'R' ? GW_PDF_SPACE_RGB : GW_PDF_SPACE_OTHER);

  return (name[0] == 'G' ? GW_PDF_GREY : GW_PDF_UNDECIDED);
}


/*
 * 'bounds_by_name()' - 'I...' is an image, 'F...' a form of 100 x 100.
 */

static bool
bounds_by_name(void *ctx, const char *name, double bbox[4])
{
  (void)ctx;

  bbox[0] = bbox[1] = 0.0;
  bbox[2] = bbox[3] = name[0] == 'I' ? 1.0 : 100.0;

  return (name[0] == 'I' || name[0] == 'F');
}


/*
 * 'check_proof()' - The colour proof's promises on one stream.
 */

static void
check_proof(const unsigned char *data, size_t size, const gw_pdf_scan_cb_t *cb, gw_pdf_shade_t shade)
{
  static gw_pdf_page_t page;            /* Large: not on the stack */
  gw_pdf_shade_t       proof, again;

  memset(&page, 0, sizeof(page));
  page.box[2] = 595;
  page.box[3] = 842;

  proof = gwPdfProveColour(data, size, cb, &page);
  again = gwPdfProveColour(data, size, cb, &page);

  if (proof != GW_PDF_COLOUR && proof != GW_PDF_UNDECIDED)
    fail("a proof that is neither colour nor undecided");
  if (proof != again)
    fail("a different proof the second time");
  if (proof == GW_PDF_COLOUR && shade == GW_PDF_GREY)
    fail("a stream both grey and proven colour");

  if (proof == GW_PDF_COLOUR)
  {
    page.nlate      = 1;
    page.late[0][0] = -1000;
    page.late[0][1] = -1000;
    page.late[0][2] = 2000;
    page.late[0][3] = 2000;
    if (gwPdfProveColour(data, size, cb, &page) != GW_PDF_UNDECIDED)
      fail("proven colour under an annotation covering the page");
  }
}


/*
 * 'LLVMFuzzerTestOneInput()' - One content stream.
 */

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  static const char red[] = "\n1 0 0 rg";
  gw_pdf_scan_cb_t  cb = { NULL, true, false, resource_by_name, bounds_by_name };
  gw_pdf_shade_t    shade, again;
  unsigned char    *more;

  shade = gwPdfScanContent(data, size, &cb);
  again = gwPdfScanContent(data, size, &cb);

  if (shade != GW_PDF_GREY && shade != GW_PDF_UNDECIDED)
    fail("an answer that is neither grey nor undecided");
  if (shade != again)
    fail("a different answer the second time");

  check_proof(data, size, &cb, shade);

  if (shade == GW_PDF_GREY)
  {
    if ((more = malloc(size + sizeof(red))) == NULL)
      return (0);
    memcpy(more, data, size);
    memcpy(more + size, red, sizeof(red) - 1);
    if (gwPdfScanContent(more, size + sizeof(red) - 1, &cb) != GW_PDF_UNDECIDED)
      fail("a red fill after a grey stream was not seen");
    free(more);
  }

  return (0);
}
