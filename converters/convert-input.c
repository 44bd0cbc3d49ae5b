/*
 * convert-input.c - the document the daemon gives on fd 0: how Ghostscript
 * gets at it, what kind it is (by content), and the checks a PDF gets
 * before any rendering (a user password, too many pages).
 *
 * Ghostscript needs a file name and, for PDF, a seekable file.  When fd 0
 * is a regular file (the daemon's memfd) Ghostscript opens it again as
 * /proc/self/fd/N: no copy, and Landlock lets it through because a memfd
 * lives in no file system hierarchy.  Anything else (a pipe) is copied into
 * the private directory first, bounded by RLIMIT_FSIZE.
 */

#include "convert-private.h"

#include <printgate-convert/pdf.h>
#include <printgate-formats/container.h>
#include <printgate-formats/sniff.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>



/*
 * 'copy_input()' - Copy a non-seekable fd 0 into "./input".  Returns the
 *                  bytes copied or -1.
 */

static int64_t
copy_input(gw_conv_t *conv)
{
  unsigned char buf[64 * 1024];
  int64_t       total = 0;
  ssize_t       n;
  int           fd;

  if ((fd = open("input", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
  {
    _gwConvFail(conv, GW_REASON_INTERNAL, "unable to create the input copy (errno %d)", errno);
    return (-1);
  }

  conv->in_copied = true;

  while ((n = read(conv->in_fd, buf, sizeof(buf))) != 0)
  {
    const unsigned char *p = buf;
    size_t               left;

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
    {
      close(fd);
      _gwConvFail(conv, GW_REASON_INTERNAL, "unable to read the document (errno %d)", errno);
      return (-1);
    }

    for (left = (size_t)n; left > 0;)
    {
      ssize_t w = write(fd, p, left);

      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
      {
        int err = errno;

        close(fd);
        if (err == EFBIG)
          _gwConvFail(conv, GW_REASON_TOO_LARGE, "the document is larger than %d MB", conv->settings.fsize_mb);
        else
          _gwConvFail(conv, GW_REASON_INTERNAL, "unable to store the input copy (errno %d)", err);
        return (-1);
      }
      p    += w;
      left -= (size_t)w;
    }

    total += n;
  }

  close(fd);
  return (total);
}


/*
 * '_gwConvInputMap()' - Map the whole document read-only: fd 0's private
 *                       copy, or a file of ours in the private directory
 *                       (the pipe's copy).  Returns NULL after failing the
 *                       conversion; the caller unmaps conv->in_size bytes.
 */

const unsigned char *
_gwConvInputMap(gw_conv_t *conv)
{
  void *map;
  int   fd = conv->in_fd;

  if (!strncmp(conv->in_path, "./", 2) && (fd = open(conv->in_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
  {
    _gwConvFail(conv, GW_REASON_INTERNAL, "unable to reopen the document in the private directory");
    return (NULL);
  }

  map = mmap(NULL, (size_t)conv->in_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (fd != conv->in_fd)
    close(fd);

  if (map == MAP_FAILED)
  {
    _gwConvFail(conv, GW_REASON_INTERNAL, "unable to map the document (errno %d)", errno);
    return (NULL);
  }

  return ((const unsigned char *)map);
}


/*
 * '_gwConvInputSniff()' - Tell the document's format by its content (the
 *                         sniffer of converters/formats/ sees the whole
 *                         document, so an OLE2 or ZIP directory anywhere in
 *                         it is found) and pick the way it is converted.  A
 *                         job's several documents in one container
 *                         (container.h) are GW_CONV_KIND_MULTI.
 */

bool
_gwConvInputSniff(gw_conv_t *conv)
{
  const unsigned char *map;
  bool                 multi;

  if ((map = _gwConvInputMap(conv)) == NULL)
    return (false);

  multi        = gwContainerIs(map, (size_t)conv->in_size);
  conv->format = multi ? GW_FORMAT_UNKNOWN : gwFormatSniff(map, (size_t)conv->in_size);
  munmap((void *)map, (size_t)conv->in_size);

  if (multi)
  {
    conv->kind = GW_CONV_KIND_MULTI;
    return (true);
  }

  switch (gwFormatFamily(conv->format))
  {
    case GW_FORMAT_FAMILY_PDF :
        conv->kind = GW_CONV_KIND_PDF;
        break;
    case GW_FORMAT_FAMILY_POSTSCRIPT :
        conv->kind = conv->format == GW_FORMAT_EPS ? GW_CONV_KIND_EPS : GW_CONV_KIND_PS;
        break;
    case GW_FORMAT_FAMILY_IMAGE :
        conv->kind = GW_CONV_KIND_IMAGE;
        break;
    case GW_FORMAT_FAMILY_RASTER :
        conv->kind = GW_CONV_KIND_RASTER;
        break;
    case GW_FORMAT_FAMILY_TEXT :
        conv->kind = GW_CONV_KIND_TEXT;
        break;
    case GW_FORMAT_FAMILY_OFFICE :
        if (!conv->settings.office && conv->format == GW_FORMAT_CSV)
        {
          /* A table is still text: without Calc it prints as such (the sniffer took US-ASCII or UTF-8 only). */
          conv->kind = GW_CONV_KIND_TEXT;
          break;
        }
        if (!conv->settings.office)
          return (_gwConvFail(conv, GW_REASON_UNSUPPORTED_FORMAT, "Office documents are not enabled on this gateway; send a PDF instead"));
        conv->kind = GW_CONV_KIND_OFFICE;
        break;
    default :
        conv->kind = GW_CONV_KIND_NONE;
        return (_gwConvFail(conv, GW_REASON_UNSUPPORTED_FORMAT, "this file type cannot be printed; the gateway prints %s", gwFormatSupportedList(conv->settings.office)));
  }

  return (true);
}


/*
 * '_gwConvInputOpen()' - Make the document reachable by name and tell its
 *                        kind.  Fails with empty-document,
 *                        unsupported-format or too-large.
 */

bool
_gwConvInputOpen(gw_conv_t *conv)
{
  struct stat st;
  int         fd;

  if (fstat(conv->in_fd, &st))
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "no document on fd 0"));

  snprintf(conv->in_path, sizeof(conv->in_path), "/proc/self/fd/%d", conv->in_fd);

  if (S_ISREG(st.st_mode) && (fd = open(conv->in_path, O_RDONLY | O_CLOEXEC)) >= 0)
  {
    close(fd);
    conv->in_size = (int64_t)st.st_size;
  }
  else
  {
    if ((conv->in_size = copy_input(conv)) < 0)
      return (false);
    snprintf(conv->in_path, sizeof(conv->in_path), "./input");
  }

  if (conv->in_size == 0)
    return (_gwConvFail(conv, GW_REASON_EMPTY_DOCUMENT, "the document is empty (0 bytes)"));

  return (_gwConvInputSniff(conv));
}


/*
 * '_gwConvInputInspect()' - Check a PDF before rendering: refuse one that
 *                           needs a user password or has more pages than
 *                           allowed, without interpreting any page.
 *
 * A PDF that libqpdf finds damaged is not refused here: Ghostscript repairs
 * many of them, and the output is checked anyway.
 */

bool
_gwConvInputInspect(gw_conv_t *conv)
{
  gw_reason_t          reason = GW_REASON_NONE;
  int                  pages = 0;
  const unsigned char *map;
  bool                 ok;

  conv->in_pages = -1;

  if (conv->kind != GW_CONV_KIND_PDF)
    return (true);

  if ((map = _gwConvInputMap(conv)) == NULL)
    return (false);

  ok = gwPdfInspect(map, (size_t)conv->in_size, &pages, &reason);
  munmap((void *)map, (size_t)conv->in_size);

  if (reason == GW_REASON_PASSWORD_PROTECTED)
    return (_gwConvFail(conv, GW_REASON_PASSWORD_PROTECTED, "the PDF needs a password to open"));

  if (pages > conv->settings.max_pages)
    return (_gwConvFail(conv, GW_REASON_TOO_MANY_PAGES, "the document has %d pages; at most %d are allowed", pages, conv->settings.max_pages));

  if (reason == GW_REASON_EMPTY_DOCUMENT)
    return (_gwConvFail(conv, GW_REASON_EMPTY_DOCUMENT, "the PDF has no pages"));

  if (ok)
    conv->in_pages = pages;

  return (true);
}
