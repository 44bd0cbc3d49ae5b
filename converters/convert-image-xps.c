/*
 * convert-image-xps.c - an XPS or OpenXPS document, drawn page by page by
 * libgxps onto the cairo PDF surface, each page at its own size
 * (docs/converters.md, "Images and raster"; docs/formats.md §5).
 *
 * An XPS file is a ZIP package.  Before libgxps (and libarchive under it)
 * opens it, the package's part count is checked against XPS_MAX_PARTS
 * from the ZIP structures themselves: the end record's count (or the
 * ZIP64 one), and the local headers found in the file (a package whose end
 * record lies about its count is still counted).  The page count is
 * checked against PG_CONVERT_MAX_PAGES before any page is drawn.
 *
 * libgxps reads the package through GIO.  GIO_USE_VFS=local and an empty
 * GIO_MODULE_DIR keep GIO from loading modules (gvfs would try the
 * session bus, which seccomp forbids): only the local file system, which
 * here is the document's own descriptor.
 */

#include "convert-image-private.h"

#include <libgxps/gxps.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XPS_MAX_PARTS  10000            /* Parts (ZIP entries) per package */
#define XPS_UNIT       (72.0 / 96.0)    /* XPS units are 1/96 inch */


/*
 * 'le16()', 'le32()', 'le64()' - Little-endian loads (bounds checked by the caller).
 */

static uint32_t le16(const unsigned char *p) { return ((uint32_t)p[0] | ((uint32_t)p[1] << 8)); }
static uint32_t le32(const unsigned char *p) { return (le16(p) | (le16(p + 2) << 16)); }
static uint64_t le64(const unsigned char *p) { return ((uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32)); }


/*
 * 'xps_count_parts()' - The largest part count the package claims or
 *                       holds, counting at most limit + 1; -1 when it has
 *                       no end of central directory record.
 */

static long long
xps_count_parts(const unsigned char *p, size_t len, long long limit)
{
  const unsigned char *found;
  size_t               eocd, off, stop;
  long long            claimed = -1, local = 0;

  /* The end record: the last "PK\5\6" within the comment's reach. */
  if (len < 22)
    return (-1);

  for (eocd = len - 22 + 1, stop = len > 65557 ? len - 65557 : 0; eocd > stop;)
  {
    eocd --;
    if (!memcmp(p + eocd, "PK\5\6", 4))
    {
      claimed = le16(p + eocd + 10);
      break;
    }
  }

  if (claimed < 0)
    return (-1);

  /* ZIP64: the locator just before it names the ZIP64 end record. */
  if (eocd >= 20 && !memcmp(p + eocd - 20, "PK\6\7", 4))
  {
    uint64_t z64 = le64(p + eocd - 20 + 8);

    if (z64 < len && len - z64 >= 56 && !memcmp(p + z64, "PK\6\6", 4))
      claimed = le64(p + z64 + 32) > (uint64_t)limit ? limit + 1 : (long long)le64(p + z64 + 32);
    else
      claimed = limit + 1;              /* A ZIP64 package we cannot count: refuse it */
  }

  /* The local headers actually present. */
  for (off = 0; local <= limit && off + 4 <= len; off = (size_t)(found - p) + 4, local ++)
  {
    if ((found = memmem(p + off, len - off, "PK\3\4", 4)) == NULL)
      break;
  }

  return (claimed > local ? claimed : local);
}


/*
 * 'xps_page()' - Draw one page at its own size.
 */

static bool
xps_page(gw_conv_pdf_t *pdf, GXPSDocument *doc, guint n)
{
  GXPSPage *page;
  GError   *error = NULL;
  gdouble   w = 0.0, h = 0.0;
  bool      ok;

  if ((page = gxps_document_get_page(doc, n, &error)) == NULL)
  {
    ok = _gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "libgxps could not read page %u: %.200s", n + 1,
                     error ? error->message : "no reason given");
    g_clear_error(&error);
    return (ok);
  }

  gxps_page_get_size(page, &w, &h);
  if (!(w > 0.0 && h > 0.0 && w < 1e6 && h < 1e6))
  {
    g_object_unref(page);
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "page %u has no usable size", n + 1));
  }

  if (!_gwConvPdfPageBegin(pdf, w * XPS_UNIT, h * XPS_UNIT))
  {
    g_object_unref(page);
    return (false);
  }

  cairo_scale(pdf->cr, XPS_UNIT, XPS_UNIT);
  ok = gxps_page_render(page, pdf->cr, &error);
  g_object_unref(page);

  if (!ok)
  {
    ok = _gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "libgxps could not draw page %u: %.200s", n + 1,
                     error ? error->message : "no reason given");
    g_clear_error(&error);
    cairo_restore(pdf->cr);
    return (ok);
  }

  return (_gwConvPdfPageEnd(pdf));
}


/*
 * '_gwConvImageXps()' - Add every page of every fixed document.
 */

bool
_gwConvImageXps(gw_conv_pdf_t *pdf)
{
  GFile        *file;
  GXPSFile     *xps;
  GXPSDocument *doc;
  GError       *error = NULL;
  long long     parts;
  guint         d, n, pages, total = 0;
  bool          ok = true;

  if ((parts = xps_count_parts(pdf->data, pdf->len, XPS_MAX_PARTS)) < 0)
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the XPS package has no ZIP directory (it is cut short)"));
  if (parts > XPS_MAX_PARTS)
    return (_gwConvFail(pdf->conv, GW_REASON_TOO_LARGE, "the XPS package has more than %d parts", XPS_MAX_PARTS));

  setenv("GIO_USE_VFS", "local", 1);
  setenv("GIO_MODULE_DIR", "/nonexistent", 1);

  file = g_file_new_for_path(pdf->conv->in_path);
  xps  = gxps_file_new(file, &error);
  g_object_unref(file);

  if (!xps)
  {
    ok = _gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "libgxps could not open the XPS package: %.200s",
                     error ? error->message : "no reason given");
    g_clear_error(&error);
    return (ok);
  }

  /* Count every page first: the limit holds before anything is drawn. */
  for (d = 0; d < gxps_file_get_n_documents(xps); d ++)
  {
    if ((doc = gxps_file_get_document(xps, d, NULL)) != NULL)
    {
      total += gxps_document_get_n_pages(doc);
      g_object_unref(doc);
    }
  }

  if (total > (guint)pdf->conv->settings.max_pages)
    ok = _gwConvFail(pdf->conv, GW_REASON_TOO_MANY_PAGES, "the document has %u pages; at most %d are allowed", total,
                     pdf->conv->settings.max_pages);

  for (d = 0; ok && d < gxps_file_get_n_documents(xps); d ++)
  {
    if ((doc = gxps_file_get_document(xps, d, &error)) == NULL)
    {
      ok = _gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "libgxps could not read document %u: %.200s", d + 1,
                       error ? error->message : "no reason given");
      g_clear_error(&error);
      break;
    }

    for (n = 0, pages = gxps_document_get_n_pages(doc); ok && n < pages; n ++)
      ok = xps_page(pdf, doc, n);

    g_object_unref(doc);
  }

  g_object_unref(xps);
  return (ok);
}
