/*
 * fuzz-pdf.c - libFuzzer harness for the PDF check (pdf.h, pdf-qpdf.c).
 *
 * The daemon runs gwPdfSniff() and gwPdfInspect() on every document a
 * phone, a mail or a browser submits, so the input is the document itself.
 * Besides "no crash, no leak, no hang", the harness checks the promises of
 * pdf.h that a user relies on: an accepted document has at least one page
 * and no reason; a refused one has a reason from the documented set and no
 * page count; what does not sniff as a PDF is refused as
 * UNSUPPORTED_FORMAT; and the answer does not change when asked twice.
 */

#include "printgate/pdf.h"

#include <stdio.h>
#include <stdlib.h>


/*
 * 'fail()' - Report a broken promise and abort (libFuzzer saves the input).
 */

static void
fail(const char *what, bool ok, int pages, gw_reason_t reason)
{
  fprintf(stderr, "fuzz-pdf: %s (ok=%d pages=%d reason=%s)\n", what, ok, pages, gwReasonCode(reason));
  abort();
}


/*
 * 'LLVMFuzzerTestOneInput()' - Sniff and inspect one document.
 */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int          pages = -1, pages2 = -1;
  gw_reason_t  reason = GW_REASON_COUNT, reason2 = GW_REASON_COUNT;
  bool         sniff, ok, ok2;

  sniff = gwPdfSniff(data, size);
  ok    = gwPdfInspect(data, size, &pages, &reason);

  if (ok)
  {
    if (reason != GW_REASON_NONE || pages < 1)
      fail("an accepted document must have pages and no reason", ok, pages, reason);
    if (!sniff)
      fail("a document that does not sniff as PDF was accepted", ok, pages, reason);
  }
  else
  {
    if (pages != 0)
      fail("a refused document must report 0 pages", ok, pages, reason);

    switch (reason)
    {
      case GW_REASON_UNSUPPORTED_FORMAT :
      case GW_REASON_CORRUPT_DOCUMENT :
      case GW_REASON_PASSWORD_PROTECTED :
      case GW_REASON_EMPTY_DOCUMENT :
      case GW_REASON_INTERNAL :
          break;
      default :
          fail("a refused document has a reason outside pdf.h's set", ok, pages, reason);
    }

    if (size == 0 && reason != GW_REASON_EMPTY_DOCUMENT)
      fail("an empty input must be EMPTY_DOCUMENT", ok, pages, reason);
    if (size > 0 && !sniff && reason != GW_REASON_UNSUPPORTED_FORMAT)
      fail("a non-PDF must be UNSUPPORTED_FORMAT", ok, pages, reason);
  }

  /*
   * The check keeps no state between calls: the same bytes give the same
   * answer (the daemon may inspect a document again after a restart).
   */

  ok2 = gwPdfInspect(data, size, &pages2, &reason2);
  if (ok2 != ok || pages2 != pages || reason2 != reason)
    fail("a second inspection of the same bytes gave another answer", ok2, pages2, reason2);

  return (0);
}
