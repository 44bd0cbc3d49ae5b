/*
 * fuzz-text.c - libFuzzer harness for the converter's text path
 *               (converters/convert-text.c): the charset decoders and the
 *               layout with pango and cairo, and a mail's headers and
 *               MIME tree (convert-mail.c).
 *
 * The first input byte picks the charset the text is decoded as (bits
 * 0-1: US-ASCII, UTF-8, UTF-16, Windows-1252, whatever the bytes are, so
 * every decoder meets invalid sequences the sniffer would have turned
 * away), the paper (bit 2) and, with bit 3, a mail (message/rfc822,
 * made into text by convert-mail.c first); the rest is the document, handed over in a
 * memfd as the daemon does.  The page limit is 3, so one input costs at
 * most three pages of layout.  Besides "no crash, no leak, no hang", the
 * harness checks:
 *
 * - a text that converts gives a PDF that libqpdf's strict check accepts,
 *   with 1 to 3 pages;
 * - a text that does not convert fails as too-many-pages or
 *   empty-document, with a printable one-line detail, and never as
 *   anything else.
 *
 * The layout runs in a temporary directory made once and removed at exit;
 * the PDF is removed after each input.
 */

#include "../../converters/convert-private.h"

#include <printgate-convert/pdf.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PDF_NAME  "fuzz-text.pdf"
#define MAX_PAGES 3


/*
 * 'fail()' - Report a broken promise and abort (libFuzzer saves the input).
 */

static void
fail(const char *what, const gw_conv_t *conv)
{
  fprintf(stderr, "fuzz-text: %s (format %s, reason %s, detail \"%s\")\n", what, gwFormatKeyword(conv->format),
          gwReasonCode(conv->reason), conv->detail);
  abort();
}


static char tempdir[1024];               /* Where the harness works */


/*
 * 'remove_tempdir()' - Remove the temporary directory at exit (it is empty:
 *                      each input's PDF is removed after it).
 */

static void
remove_tempdir(void)
{
  unlink(PDF_NAME);
  rmdir(tempdir);
}


/*
 * 'enter_tempdir()' - Work in a private temporary directory (once).
 */

static void
enter_tempdir(void)
{
  const char *tmp = getenv("TMPDIR");

  if (tempdir[0])
    return;

  snprintf(tempdir, sizeof(tempdir), "%s/printgate-fuzz-text-XXXXXX", tmp ? tmp : "/tmp");
  if (!mkdtemp(tempdir) || chdir(tempdir))
  {
    perror("fuzz-text: temporary directory");
    abort();
  }

  atexit(remove_tempdir);
}


/*
 * 'check_pdf()' - The PDF made passes libqpdf's strict check with 1 to
 *                 MAX_PAGES pages.
 */

static void
check_pdf(const gw_conv_t *conv)
{
  struct stat st;
  gw_reason_t reason = GW_REASON_NONE;
  int         fd, pages = 0;
  void       *map;

  if ((fd = open(PDF_NAME, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) || st.st_size == 0)
    fail("no PDF after a successful layout", conv);

  if ((map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)
    fail("cannot map the PDF", conv);
  close(fd);

  if (!gwPdfInspect(map, (size_t)st.st_size, &pages, &reason))
    fail("the PDF made from the text fails the PDF check", conv);
  if (pages < 1 || pages > MAX_PAGES)
    fail("the PDF made from the text has a page count out of range", conv);

  munmap(map, (size_t)st.st_size);
}


/*
 * 'LLVMFuzzerTestOneInput()' - Lay out one text.
 */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const gw_format_t formats[4] = { GW_FORMAT_TEXT_ASCII, GW_FORMAT_TEXT_UTF8, GW_FORMAT_TEXT_UTF16, GW_FORMAT_TEXT_WINDOWS1252 };
  gw_conv_t conv;
  bool      ok;
  int       fd;

  if (size < 2)
    return (0);                         /* The helper refuses 0 bytes before this */

  enter_tempdir();

  memset(&conv, 0, sizeof(conv));
  conv.settings.max_pages = MAX_PAGES;
  conv.settings.fsize_mb  = 64;
  snprintf(conv.settings.paper, sizeof(conv.settings.paper), "%s", (data[0] & 4) ? "letter" : "a4");
  conv.format  = (data[0] & 8) ? GW_FORMAT_MAIL : formats[data[0] & 3];   /* A mail: convert-mail.c first */
  conv.kind    = GW_CONV_KIND_TEXT;
  conv.in_size = (int64_t)(size - 1);

  if ((fd = memfd_create("fuzz-text", MFD_CLOEXEC)) < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
  {
    perror("fuzz-text: memfd");
    abort();
  }
  conv.in_fd = fd;
  snprintf(conv.in_path, sizeof(conv.in_path), "/proc/self/fd/%d", fd);

  ok = _gwConvTextToPdf(&conv, PDF_NAME);

  if (ok)
  {
    if (conv.reason != GW_REASON_NONE)
      fail("a reason after a successful layout", &conv);
    check_pdf(&conv);
  }
  else
  {
    if (conv.reason != GW_REASON_TOO_MANY_PAGES && conv.reason != GW_REASON_EMPTY_DOCUMENT)
      fail("an unexpected reason", &conv);
    if (!conv.detail[0] || strchr(conv.detail, '\n'))
      fail("no one-line detail", &conv);
  }

  unlink(PDF_NAME);
  close(fd);
  return (0);
}
