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

#include <printgate-convert/pdf.h>
#include <printgate-formats/raster.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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
 * 'count_raster()' - Decode the whole PWG or URF output with our own
 *                    decoder (converters/formats/) and count its pages;
 *                    -1 when it does not decode or a page is not 8 bits
 *                    per colour in the colour space asked for.
 */

static ssize_t
raster_read(void *ctx, void *buf, size_t len)
{
  ssize_t n;

  while ((n = read(*(int *)ctx, buf, len)) < 0 && errno == EINTR);
  return (n);
}

static int
count_raster(const gw_conv_t *conv)
{
  gw_raster_limits_t limits;
  gw_raster_t       *r;
  gw_raster_page_t   page;
  gw_raster_status_t status;
  unsigned char     *line = NULL;
  int                fd, pages = 0;

  if ((fd = open(RENDER_OUTPUT, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    return (-1);

  memset(&limits, 0, sizeof(limits));
  limits.max_pages = (uint32_t)conv->settings.max_pages;

  if ((r = gwRasterOpen(conv->render.format == GW_CONV_RENDER_URF ? GW_RASTER_TYPE_URF : GW_RASTER_TYPE_PWG, raster_read, &fd, &limits)) == NULL)
  {
    close(fd);
    return (-1);
  }

  while ((status = gwRasterNextPage(r, &page)) == GW_RASTER_OK)
  {
    if (page.bits_per_color != 8 || page.color_space != (conv->render.color ? GW_RASTER_CSPACE_SRGB : GW_RASTER_CSPACE_SGRAY))
      break;

    free(line);
    if ((line = malloc(page.bytes_per_line)) == NULL)
      break;

    for (uint32_t y = 0; y < page.height && status == GW_RASTER_OK; y ++)
      status = gwRasterReadLine(r, line, page.bytes_per_line);

    if (status != GW_RASTER_OK)
      break;
    pages ++;
  }

  free(line);
  gwRasterClose(&r);
  close(fd);

  return (status == GW_RASTER_END ? pages : -1);
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
   * its check), PWG raster and URF by our decoder (every line, 8 bits in
   * the colour space asked for).  PCL-XL is not decoded: the device says
   * how many sides it printed, asked before it is closed, so an N-up side
   * that is not full yet (flushed when the device closes) is not counted.
   */

  if (r->format == GW_CONV_RENDER_PDF)
    written = count_pdf();
  else if (r->format == GW_CONV_RENDER_PCLXL)
    written = (device_pages >= 0 && r->number_up > 1 && selected % r->number_up) ? device_pages + 1 : device_pages;
  else if ((written = count_raster(conv)) < 0)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "the rendered %s raster did not decode as 8-bit %s", r->format == GW_CONV_RENDER_URF ? "URF" : "PWG", r->color ? "sRGB" : "sGray"));

  if (written != expected)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "rendering wrote %d pages where %d were expected", written, expected));

  if (r->format == GW_CONV_RENDER_URF && !patch_urf_pages(written))
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "the URF output has no valid file header"));

  conv->pages = written;

  return (_gwConvSendOutput(conv, RENDER_OUTPUT));
}
