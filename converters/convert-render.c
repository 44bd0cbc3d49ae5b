/*
 * convert-render.c - --render: the held (normalised) PDF made into what a
 * printer takes, at release (docs/converters.md, "--render").
 *
 * The held document is always the whole normalised PDF (DESIGN.md 4); page
 * ranges, N-up and the watermark are applied here, and printers without
 * PDF get PWG raster, URF or PCL-XL.  Copies, sides and colour mode stay
 * IPP attributes of the Print-Job.
 *
 * held PDF (fd 0) ─► libqpdf page count ─► pages selected (none → refused)
 *   ─► [watermark.ps: EndPage prolog, the text as a <hex> string]
 *   ─► libgs: one fixed device, -sPageList, -sNupControl ─► ./out
 *   ─► pages written == ceil(selected / number-up) (libqpdf for PDF, the
 *      device's PageCount for the others; URF gets its page count in the
 *      file header) ─► fd 1; "ok pages=N format=F" ─► fd 3
 */

#include "convert-private.h"

#include <printgate/pdf.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define RENDER_OUTPUT  "out"
#define RENDER_PROLOG  "watermark.ps"


/*
 * 'write_prolog()' - Write the watermark prolog: an EndPage procedure that
 *                    shows the text in 8 pt grey at the bottom left of
 *                    every page, in device space.  The text goes in only
 *                    as a hex string (<...>), so none of its bytes is
 *                    PostScript syntax, whatever the user's name holds.
 */

static bool
write_prolog(gw_conv_t *conv)
{
  static const char head[] =
    "%!PS\n"
    "<< /EndPage { exch pop 2 eq { false } {\n"
    "  gsave initmatrix /Helvetica findfont 8 scalefont setfont 0.4 setgray\n"
    "  20 12 moveto <";
  static const char tail[] =
    "> show grestore true } ifelse } bind >> setpagedevice\n";
  static const char digits[] = "0123456789abcdef";
  char   buf[sizeof(head) + 2 * GW_CONV_WATERMARK_MAX + sizeof(tail)];
  size_t len = 0;
  int    fd;
  bool   ok;

  memcpy(buf, head, sizeof(head) - 1);
  len = sizeof(head) - 1;

  for (const char *p = conv->render.watermark; *p; p ++)
  {
    buf[len ++] = digits[((unsigned char)*p) >> 4];
    buf[len ++] = digits[((unsigned char)*p) & 15];
  }

  memcpy(buf + len, tail, sizeof(tail) - 1);
  len += sizeof(tail) - 1;

  if ((fd = open(RENDER_PROLOG, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to write the watermark prolog (errno %d)", errno));

  ok = write(fd, buf, len) == (ssize_t)len;
  if (close(fd))
    ok = false;

  return (ok ? true : _gwConvFail(conv, GW_REASON_INTERNAL, "unable to write the watermark prolog"));
}


/*
 * 'count_pdf()' - Pages of the rendered PDF (libqpdf, strict), -1 when it
 *                 does not pass the check.
 */

static int
count_pdf(void)
{
  struct stat st;
  gw_reason_t reason = GW_REASON_NONE;
  int         fd, pages = -1;
  void       *map;

  if ((fd = open(RENDER_OUTPUT, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    return (-1);

  if (!fstat(fd, &st) && st.st_size > 0 &&
      (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) != MAP_FAILED)
  {
    if (!gwPdfInspect(map, (size_t)st.st_size, &pages, &reason))
      pages = -1;
    munmap(map, (size_t)st.st_size);
  }

  close(fd);
  return (pages);
}


/*
 * 'patch_urf_pages()' - Write the page count into the URF file header
 *                       (bytes 8-11, big-endian): Ghostscript streams URF
 *                       and leaves it 0.
 */

static bool
patch_urf_pages(int pages)
{
  unsigned char head[12], count[4];
  int           fd;
  bool          ok;

  if ((fd = open(RENDER_OUTPUT, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0)
    return (false);

  count[0] = (unsigned char)(pages >> 24);
  count[1] = (unsigned char)(pages >> 16);
  count[2] = (unsigned char)(pages >> 8);
  count[3] = (unsigned char)pages;

  ok = pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) && !memcmp(head, "UNIRAST", 8) &&
       pwrite(fd, count, sizeof(count), 8) == (ssize_t)sizeof(count);

  if (close(fd))
    ok = false;

  return (ok);
}


/*
 * '_gwConvRender()' - Run --render.  On success the output has been sent
 *                     and conv->pages is the number of pages (sheet sides)
 *                     written; on failure conv->reason and conv->detail
 *                     say why.
 */

bool
_gwConvRender(gw_conv_t *conv)
{
  gw_conv_render_t *r = &conv->render;
  int               selected, expected, written = -1, device_pages = -1;

  conv->pages       = 0;
  conv->color_pages = -1;

  if (!_gwConvInputOpen(conv))
    return (false);

  if (conv->kind != GW_CONV_KIND_PDF)
    return (_gwConvFail(conv, GW_REASON_UNSUPPORTED_FORMAT, "the held document is not a PDF"));

  if (!_gwConvInputInspect(conv))
    return (false);

  if (conv->in_pages < 1)
    return (_gwConvFail(conv, GW_REASON_CORRUPT_DOCUMENT, "the held PDF did not pass the PDF check"));

  /*
   * What will come out: the pages the ranges select (a range past the end
   * is cut at the last page), number_up of them on each side.
   */

  selected = gwJobPageRangesCount(r->ranges, r->num_ranges, conv->in_pages);
  if (selected < 1)
    return (_gwConvFail(conv, GW_REASON_EMPTY_DOCUMENT, "the page ranges select no page of this %d-page document", conv->in_pages));

  expected = (selected + r->number_up - 1) / r->number_up;

  if (r->watermark[0] && !write_prolog(conv))
    return (false);

  if (!_gwConvGsRender(conv, r->watermark[0] ? RENDER_PROLOG : NULL, RENDER_OUTPUT, &device_pages))
    return (false);

  if (r->watermark[0])
    unlink(RENDER_PROLOG);

  /*
   * Check what was written.  A PDF is counted by libqpdf (and must pass
   * its check); the raster and PCL-XL devices say how many pages they
   * printed.
   */

  written = r->format == GW_CONV_RENDER_PDF ? count_pdf() : device_pages;

  if (written != expected)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "rendering wrote %d pages where %d were expected", written, expected));

  if (r->format == GW_CONV_RENDER_URF && !patch_urf_pages(written))
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "the URF output has no valid file header"));

  conv->pages = written;

  return (_gwConvSendOutput(conv, RENDER_OUTPUT));
}
