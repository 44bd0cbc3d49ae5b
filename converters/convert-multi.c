/*
 * convert-multi.c - a job with several documents (IPP Create-Job and one
 * Send-Document each): the daemon hands over one container
 * (printgate-formats/container.h), which is split here, in the private
 * directory, into one file per document; each is converted the way its
 * own content says (images, raster and text into PDFs of our own, PDF
 * checked, EPS fitted on its page) and one Ghostscript pdfwrite run merges
 * them, in order, into the output.  A failure names its document
 * ("document 2 of 3 (jpeg): ...").  Office documents are refused here:
 * LibreOffice runs in the daemon's pool, one document per job.
 */

#include "convert-private.h"

#include <printgate-formats/container.h>
#include "printgate/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PART_NAME   "part-%03d"         /* A document as sent */
#define PART_PDF    "part-%03d.pdf"     /* ... made into a PDF of our own */


/*
 * The split: one file per document, written as the records are parsed.
 */

typedef struct split_s
{
  gw_conv_t *conv;
  int        fd;                        /* The current document's file */
  int        err;                       /* errno of a failed open or write */
} split_t;


/*
 * 'split_cb()' - gwContainerParse() callback: a document begins (a new
 *                file) or bytes of it (appended).  The files are bounded
 *                by RLIMIT_FSIZE like any file of ours (EFBIG).
 */

static bool
split_cb(void *ctx, int type, int doc, const unsigned char *data, size_t len)
{
  split_t *s = (split_t *)ctx;
  char     name[32];

  if (type == GW_CONTAINER_DOC)
  {
    if (s->fd >= 0)
      close(s->fd);
    snprintf(name, sizeof(name), PART_NAME, doc);
    if ((s->fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
    {
      s->err = errno;
      return (false);
    }
    return (true);
  }

  if (!gwWriteAll(s->fd, data, len))
  {
    s->err = errno ? errno : EIO;
    return (false);
  }

  return (true);
}


/*
 * 'split()' - The container into part files.  Returns the number of
 *             documents, or 0 after failing the conversion.
 */

static int
split(gw_conv_t *conv)
{
  const unsigned char *map;
  split_t              s = { conv, -1, 0 };
  char                 error[128];
  int                  count;

  if ((map = _gwConvInputMap(conv)) == NULL)
    return (0);

  count = gwContainerParse(map, (size_t)conv->in_size, split_cb, &s, error, sizeof(error));
  munmap((void *)map, (size_t)conv->in_size);
  if (s.fd >= 0)
    close(s.fd);

  if (count > 0)
    return (count);

  if (s.err == EFBIG)
    _gwConvFail(conv, GW_REASON_TOO_LARGE, "the documents are larger than %d MB", conv->settings.fsize_mb);
  else if (s.err)
    _gwConvFail(conv, GW_REASON_INTERNAL, "unable to store a document in the private directory (errno %d)", s.err);
  else
    _gwConvFail(conv, GW_REASON_CORRUPT_DOCUMENT, "the job's documents could not be read apart (%s)", error);
  return (0);
}


/*
 * 'add_format()' - Add a document's format keyword to conv->formats once.
 */

static void
add_format(gw_conv_t *conv, const char *keyword)
{
  size_t len = strlen(conv->formats), klen = strlen(keyword);

  for (const char *p = conv->formats; *p; p += strcspn(p, ","), p += *p == ',')
    if (strcspn(p, ",") == klen && !strncmp(p, keyword, klen))
      return;
  if (len + 1 + klen < sizeof(conv->formats))
    snprintf(conv->formats + len, sizeof(conv->formats) - len, ",%s", keyword);
}


/*
 * 'name_document()' - Put "document N of M (format): " before the detail
 *                     of a failure.
 */

static bool
name_document(gw_conv_t *conv, int doc, int count, const char *format)
{
  char   detail[sizeof(conv->detail)];
  size_t len;

  memcpy(detail, conv->detail, sizeof(detail));
  if (format && *format && strcmp(format, "unknown"))
    len = (size_t)snprintf(conv->detail, sizeof(conv->detail), "document %d of %d (%.24s): ", doc + 1, count, format);
  else
    len = (size_t)snprintf(conv->detail, sizeof(conv->detail), "document %d of %d: ", doc + 1, count);
  if (len < sizeof(conv->detail))
    snprintf(conv->detail + len, sizeof(conv->detail) - len, "%.*s", (int)(sizeof(conv->detail) - len - 1), detail);
  return (false);
}


/*
 * 'prepare()' - One document, made ready for the merge: its input path
 *               (the file as sent, or a PDF of our own made of it) in
 *               path.  False after failing the conversion.
 */

static bool
prepare(gw_conv_t *conv, int doc, char *path, size_t pathsize)
{
  struct stat st;
  char        pdf[32];

  snprintf(conv->in_path, sizeof(conv->in_path), "./" PART_NAME, doc);
  conv->in_copied = false;
  conv->in_pages  = -1;
  if (stat(conv->in_path, &st))
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "its file is missing (errno %d)", errno));
  conv->in_size = (int64_t)st.st_size;
  snprintf(path, pathsize, "./" PART_NAME, doc);
  snprintf(pdf, sizeof(pdf), PART_PDF, doc);

  if (!_gwConvInputSniff(conv))
    return (false);

  switch (conv->kind)
  {
    case GW_CONV_KIND_PDF :
    case GW_CONV_KIND_PS :
        return (_gwConvInputInspect(conv));
    case GW_CONV_KIND_EPS :               /* Fitted on its page on its own (-dEPSFitPage is for the whole run) */
    case GW_CONV_KIND_TEXT :
    case GW_CONV_KIND_IMAGE :
    case GW_CONV_KIND_RASTER :
        if (!(conv->kind == GW_CONV_KIND_EPS ? _gwConvGsNormalize(conv, pdf) :
              conv->kind == GW_CONV_KIND_TEXT ? _gwConvTextToPdf(conv, pdf) :
              conv->kind == GW_CONV_KIND_IMAGE ? _gwConvImageToPdf(conv, pdf) : _gwConvRasterToPdf(conv, pdf)))
          return (false);
        break;
    case GW_CONV_KIND_OFFICE :
        return (_gwConvFail(conv, GW_REASON_UNSUPPORTED_FORMAT, "Office documents print one per job; send it as a job of its own, or as a PDF"));
    case GW_CONV_KIND_MULTI :
        return (_gwConvFail(conv, GW_REASON_UNSUPPORTED_FORMAT, "a document cannot itself hold several documents"));
    default :
        return (_gwConvFail(conv, GW_REASON_UNSUPPORTED_FORMAT, "this file type cannot be printed"));
  }

  unlink(conv->in_path);                /* The PDF of our own stands in for it */
  snprintf(path, pathsize, "%s", pdf);
  return (true);
}


/*
 * '_gwConvMultiNormalize()' - Split, prepare each document, merge into
 *                             out_path.  conv->documents is set; the kind
 *                             stays GW_CONV_KIND_MULTI and the format
 *                             reported is "multi" and each document's
 *                             ("multi,pdf,jpeg": the policy sees them).
 */

bool
_gwConvMultiNormalize(gw_conv_t *conv, const char *out_path)
{
  char  (*paths)[32];
  const char **inputs;
  char   formats[GW_CONTAINER_MAX_DOCS][24];
  gw_conv_kind_t kinds[GW_CONTAINER_MAX_DOCS];
  char   in_path[sizeof(conv->in_path)];
  int64_t in_size = conv->in_size;
  bool   in_copied = conv->in_copied;
  int    count, failed = -1;
  bool   ok = true;

  snprintf(in_path, sizeof(in_path), "%s", conv->in_path);

  if ((count = split(conv)) <= 0)
    return (false);
  conv->documents = count;
  snprintf(conv->formats, sizeof(conv->formats), "multi");

  paths  = calloc((size_t)count, sizeof(*paths));
  inputs = calloc((size_t)count, sizeof(*inputs));
  if (!paths || !inputs)
  {
    free(paths);
    free(inputs);
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "out of memory"));
  }

  for (int i = 0; ok && i < count; i ++)
  {
    if ((ok = prepare(conv, i, paths[i], sizeof(paths[i]))) == false)
      name_document(conv, i, count, gwFormatKeyword(conv->format));
    snprintf(formats[i], sizeof(formats[i]), "%s", gwFormatKeyword(conv->format));
    add_format(conv, formats[i]);
    kinds[i]  = conv->kind == GW_CONV_KIND_PS ? GW_CONV_KIND_PS : GW_CONV_KIND_PDF;   /* Ours are PDFs */
    inputs[i] = paths[i];
  }

  /* The container again, as the rest of the conversion knows it. */
  conv->kind      = GW_CONV_KIND_MULTI;
  conv->format    = GW_FORMAT_UNKNOWN;
  conv->in_size   = in_size;
  conv->in_copied = in_copied;
  conv->in_pages  = -1;
  snprintf(conv->in_path, sizeof(conv->in_path), "%s", in_path);

  if (ok && (ok = _gwConvGsMerge(conv, inputs, kinds, count, out_path, &failed)) == false && failed >= 0)
    name_document(conv, failed, count, formats[failed]);
  else if (ok)
    _gwConvLog("%d documents merged", count);

  for (int i = 0; i < count; i ++)
    unlink(paths[i]);
  free(paths);
  free(inputs);
  return (ok);
}
