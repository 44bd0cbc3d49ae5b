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
 * inline image or comment).  Resource names beginning with 'G' stand for
 * grey resources, 'R' for an RGB space, others for undecided ones.
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

  if (category == GW_PDF_RES_COLORSPACE)
    return (name[0] == 'G' ? GW_PDF_SPACE_GRAY : name[0] == 'R' ? GW_PDF_SPACE_RGB : GW_PDF_SPACE_OTHER);

  return (name[0] == 'G' ? GW_PDF_GREY : GW_PDF_UNDECIDED);
}


/*
 * 'LLVMFuzzerTestOneInput()' - One content stream.
 */

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  static const char red[] = "\n1 0 0 rg";
  gw_pdf_scan_cb_t  cb = { NULL, true, false, resource_by_name };
  gw_pdf_shade_t    shade, again;
  unsigned char    *more;

  shade = gwPdfScanContent(data, size, &cb);
  again = gwPdfScanContent(data, size, &cb);

  if (shade != GW_PDF_GREY && shade != GW_PDF_UNDECIDED)
    fail("an answer that is neither grey nor undecided");
  if (shade != again)
    fail("a different answer the second time");

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
