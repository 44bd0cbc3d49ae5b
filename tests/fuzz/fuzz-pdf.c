/*
 * fuzz-pdf.c - libFuzzer harness for the PDF check (pdf.h, pdf-qpdf.c).
 *
 * The daemon runs gwPdfSniff() and gwPdfInspect() on every document a
 * phone, a mail or a browser submits, so the input is the document itself.
 * Besides "no crash, no leak, no hang", the harness checks the promises of
 * pdf.h that a user relies on: an accepted document has at least one page
 * and no reason; a refused one has a reason from the documented set and no
 * page count; what does not sniff as a PDF is refused as
 * UNSUPPORTED_FORMAT; the answer does not change when asked twice; and
 * the check writes nothing to standard error.  That last one matters
 * because the daemon's stderr is its journal: libqpdf's C API writes
 * "WARNING: application did not handle error: <text>" there from
 * qpdf_cleanup() when an error was left unread, whatever
 * qpdf_silence_errors() says, and the text carries offsets and object
 * numbers of the user's file.  The second inspection runs with fd 2
 * pointed at a memfd (the first one runs as usual, so a sanitizer report
 * from a crash is never swallowed).
 */

#include "printgate-convert/pdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>


/*
 * Standard error during the second inspection: a memfd made once.
 */

static int capture_fd = -1;


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
 * 'LLVMFuzzerInitialize()' - Make the memfd that catches stderr.
 */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  if ((capture_fd = memfd_create("fuzz-pdf-stderr", MFD_CLOEXEC)) < 0)
  {
    perror("fuzz-pdf: memfd_create");
    exit(1);
  }

  return (0);
}


/*
 * 'inspect_quietly()' - Inspect with stderr caught; returns the number of
 *                       bytes written to stderr (the first of them in
 *                       text).
 */

static off_t
inspect_quietly(const uint8_t *data, size_t size, bool *ok, int *pages, gw_reason_t *reason, char *text, size_t textsize)
{
  int     saved;
  off_t   written;
  ssize_t n;

  fflush(stderr);
  if (ftruncate(capture_fd, 0) || lseek(capture_fd, 0, SEEK_SET) || (saved = dup(2)) < 0 || dup2(capture_fd, 2) < 0)
  {
    perror("fuzz-pdf: redirect stderr");
    abort();
  }

  *ok = gwPdfInspect(data, size, pages, reason);

  fflush(stderr);
  dup2(saved, 2);
  close(saved);

  written = lseek(capture_fd, 0, SEEK_END);
  n       = written > 0 ? pread(capture_fd, text, textsize - 1, 0) : 0;
  text[n > 0 ? n : 0] = '\0';

  return (written);
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
  char         text[512];

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

  if (inspect_quietly(data, size, &ok2, &pages2, &reason2, text, sizeof(text)) > 0)
  {
    fprintf(stderr, "fuzz-pdf: the check wrote to stderr: %s\n", text);
    fail("the PDF check must not write to stderr", ok2, pages2, reason2);
  }

  if (ok2 != ok || pages2 != pages || reason2 != reason)
    fail("a second inspection of the same bytes gave another answer", ok2, pages2, reason2);

  return (0);
}
