/*
 * convert-job.c - one conversion, start to end: --normalize.
 *
 * Input (by content; text first becomes a PDF of our own, images and
 * raster become the output PDF directly, Office documents are handed back
 * to the daemon) → checks → Ghostscript pdfwrite → the output checked and
 * its pages counted with libqpdf →
 * colour pages counted on the output → the PDF sent to the daemon.  The
 * result line is written by main() from what this leaves in the
 * conversion.
 */

#include "convert-private.h"

#include <printgate-convert/pdf.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUTPUT_NAME "out.pdf"


/*
 * 'check_output()' - Count the pages of the normalised PDF with libqpdf
 *                    (strict: any warning fails), and apply the page limit.
 *                    With grey non-NULL the same parse also tells which
 *                    pages certainly print without colour (*grey, one byte
 *                    a page, to free; NULL = render them all).
 */

static bool
check_output(gw_conv_t *conv, unsigned char **grey)
{
  struct stat  st;
  gw_reason_t  reason = GW_REASON_NONE;
  int          fd, pages = 0;
  void        *map;
  bool         ok;

  fd = open(OUTPUT_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) || st.st_size == 0)
  {
    if (fd >= 0)
      close(fd);
    reason = GW_REASON_EMPTY_DOCUMENT;
  }
  else
  {
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
      return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to map the converted document (errno %d)", errno));

    ok = gwPdfInspectColor(map, (size_t)st.st_size, &pages, &reason, grey);
    munmap(map, (size_t)st.st_size);

    if (ok && pages > conv->settings.max_pages)
      return (_gwConvFail(conv, GW_REASON_TOO_MANY_PAGES, "the document has more than %d pages", conv->settings.max_pages));
    if (ok)
    {
      conv->pages = pages;
      return (true);
    }
  }

  if (reason == GW_REASON_EMPTY_DOCUMENT && conv->kind == GW_CONV_KIND_PDF)
    return (_gwConvFail(conv, GW_REASON_CORRUPT_DOCUMENT, "no page of the PDF could be read"));

  if (reason == GW_REASON_EMPTY_DOCUMENT)
    return (_gwConvFail(conv, GW_REASON_EMPTY_DOCUMENT, "the PostScript program printed no pages"));

  return (_gwConvFail(conv, GW_REASON_CORRUPT_DOCUMENT, "the converted document did not pass the PDF check"));
}


/*
 * '_gwConvNormalize()' - Run --normalize.  On success the PDF has been sent
 *                        and conv->pages (and conv->color_pages, unless
 *                        PG_CONVERT_COLOR=0) are set; on failure
 *                        conv->reason and conv->detail say why.
 */

bool
_gwConvNormalize(gw_conv_t *conv)
{
  bool           own_pdf = false;       /* An image or raster made into our PDF */
  bool           ok;
  unsigned char *grey = NULL;           /* Pages that certainly print grey */

  conv->pages       = 0;
  conv->color_pages = -1;

  if (!_gwConvInputOpen(conv))
    return (false);
  _gwConvStageEnd(conv, GW_CONV_STAGE_INPUT);

  /*
   * Formats Ghostscript does not read are first made into a PDF of our
   * own in the private directory; Office documents go back to the daemon.
   */

  switch (conv->kind)
  {
    case GW_CONV_KIND_OFFICE :
        return (true);
    case GW_CONV_KIND_MULTI :
#ifdef PRINTGATE_CONVERT_LEAN
        conv->needs_full = true;
        return (_gwConvFail(conv, GW_REASON_INTERNAL, "several documents: printgate-convert converts them"));
#else
        /* A job's several documents: each converted, all merged by one pdfwrite run (convert-multi.c). */
        if (!_gwConvMultiNormalize(conv, OUTPUT_NAME))
          return (false);
        own_pdf = true;
        break;
#endif /* PRINTGATE_CONVERT_LEAN */
    case GW_CONV_KIND_TEXT :
    case GW_CONV_KIND_IMAGE :
    case GW_CONV_KIND_RASTER :
#ifdef PRINTGATE_CONVERT_LEAN
        /* printgate-convert-pdf has none of these libraries: the daemon runs printgate-convert. */
        conv->needs_full = true;
        return (_gwConvFail(conv, GW_REASON_INTERNAL, "not PDF or PostScript: printgate-convert converts it"));
#else

        /*
         * Our own cairo PDF is the output: a Ghostscript pass over it
         * would change nothing and costs 15 % of a HEIC photo's time, and
         * on text outside Latin-1 (cairo's CID-keyed TrueType fonts) it is
         * 50 times slower than the layout itself (docs/converters.md, "The
         * second pass").  It is still checked and counted below.
         */

        if (!(conv->kind == GW_CONV_KIND_TEXT ? _gwConvTextToPdf(conv, OUTPUT_NAME) :
              conv->kind == GW_CONV_KIND_IMAGE ? _gwConvImageToPdf(conv, OUTPUT_NAME) : _gwConvRasterToPdf(conv, OUTPUT_NAME)))
          return (false);
        own_pdf = true;
        break;
#endif /* PRINTGATE_CONVERT_LEAN */
    default :
        if (!_gwConvInputInspect(conv))
          return (false);
        _gwConvStageEnd(conv, GW_CONV_STAGE_INPUT);
        break;
  }

  if (!own_pdf && !_gwConvGsNormalize(conv, OUTPUT_NAME))
    return (false);

  /* The input copy is no longer needed: free its memory now. */
  if (conv->in_copied)
    unlink("input");

  _gwConvStageEnd(conv, GW_CONV_STAGE_CONVERT);

  /*
   * One libqpdf parse checks the output, counts its pages and, when colour
   * pages are counted, scans each page's content for colour: only the
   * pages it cannot call grey are rendered (docs/converters.md, "Colour
   * pages").
   */

  ok = check_output(conv, conv->settings.color && !conv->settings.color_render_all ? &grey : NULL);
  _gwConvStageEnd(conv, GW_CONV_STAGE_CHECK);

  if (ok && conv->settings.color)
    ok = _gwConvGsCountColor(conv, OUTPUT_NAME, grey);
  free(grey);
  if (!ok)
    return (false);
  _gwConvStageEnd(conv, GW_CONV_STAGE_COLOR);

  ok = _gwConvSendOutput(conv, OUTPUT_NAME);
  _gwConvStageEnd(conv, GW_CONV_STAGE_SEND);

  return (ok);
}


/*
 * '_gwConvCleanDir()' - Remove everything we (or Ghostscript) left in the
 *                       private directory.  The directory itself belongs to
 *                       the daemon, which removes it after the helper exits.
 */

void
_gwConvCleanDir(gw_conv_t *conv)
{
  DIR           *dir;
  struct dirent *ent;
  int            fd;

  if (conv->sandbox.dir_fd < 0 || (fd = dup(conv->sandbox.dir_fd)) < 0)
    return;

  if ((dir = fdopendir(fd)) == NULL)
  {
    close(fd);
    return;
  }

  /*
   * Entries removed while reading may make readdir() skip others, so read
   * again until a pass removes nothing (bounded).  The offset is shared
   * with dir_fd, hence the rewind.
   */

  for (int pass = 0; pass < 4; pass ++)
  {
    int removed = 0;

    rewinddir(dir);
    while ((ent = readdir(dir)) != NULL)
    {
      if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
        continue;

      if (!unlinkat(conv->sandbox.dir_fd, ent->d_name, 0) ||
          (errno == EISDIR && !unlinkat(conv->sandbox.dir_fd, ent->d_name, AT_REMOVEDIR)))
        removed ++;
    }

    if (!removed)
      break;
  }

  closedir(dir);
}
