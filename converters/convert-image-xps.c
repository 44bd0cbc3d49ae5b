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
 * checked against PG_CONVERT_MAX_PAGES before any page is drawn.  The
 * unpacked sizes the parts declare (central directory and local headers,
 * ZIP64 included) are bounded too, and so is what each part's data really
 * inflates to (counted with zlib, the output dropped): libgxps allocates a
 * part's declared size at once and streams a page through GMarkup whatever
 * its header says, and a GLib allocation that fails aborts the process.
 *
 * libgxps reads the package through GIO.  GIO_USE_VFS=local and an empty
 * GIO_MODULE_DIR keep GIO from loading modules (gvfs would try the
 * session bus, which seccomp forbids): only the local file system, which
 * here is the document's own descriptor.
 */

#include "convert-image-private.h"

#include <libgxps/gxps.h>
#include <zlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XPS_MAX_PARTS  10000            /* Parts (ZIP entries) per package */
#define XPS_MAX_PART   (128ULL << 20)   /* Unpacked bytes one part may declare */
#define XPS_MAX_TOTAL  (512ULL << 20)   /* Unpacked bytes all parts may declare */
#define XPS_UNIT       (72.0 / 96.0)    /* XPS units are 1/96 inch */


/*
 * 'le16()', 'le32()', 'le64()' - Little-endian loads (bounds checked by the caller).
 */

static uint32_t le16(const unsigned char *p) { return ((uint32_t)p[0] | ((uint32_t)p[1] << 8)); }
static uint32_t le32(const unsigned char *p) { return (le16(p) | (le16(p + 2) << 16)); }
static uint64_t le64(const unsigned char *p) { return ((uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32)); }


/*
 * What the ZIP structures of a package say, counted before libgxps opens it.
 */

typedef struct xps_zip_s
{
  long long parts;                      /* Largest count claimed or found (at most XPS_MAX_PARTS + 1) */
  uint64_t  largest;                    /* Largest unpacked size a part declares */
  uint64_t  total;                      /* Unpacked sizes the central directory declares, summed */
  uint64_t  real;                       /* What the local headers' data unpacks to, summed (stops past the bound) */
} xps_zip_t;


/*
 * 'zip64_size()' - The unpacked size of a ZIP64 extra field (tag 1, whose
 *                  first value is the size when the 32-bit one is all
 *                  ones); 0 when there is none.
 */

static uint64_t
zip64_size(const unsigned char *extra, size_t len)
{
  for (size_t off = 0; off + 4 <= len;)
  {
    size_t n = le16(extra + off + 2);

    if (le16(extra + off) == 1 && n >= 8 && off + 4 + 8 <= len)
      return (le64(extra + off + 4));

    off += 4 + n;
  }

  return (0);
}


/*
 * 'zip_declared()' - The unpacked size a local (30-byte) or central
 *                    (46-byte) header declares, its ZIP64 field read when
 *                    the 32-bit size is all ones.
 */

static uint64_t
zip_declared(const unsigned char *p, size_t len, size_t off, bool central)
{
  size_t   hdr = central ? 46 : 30, name, extra;
  uint32_t size;

  if (off + hdr > len)
    return (0);

  size  = le32(p + off + (central ? 24 : 22));
  name  = le16(p + off + (central ? 28 : 26));
  extra = le16(p + off + (central ? 30 : 28));

  if (size != 0xFFFFFFFFU)
    return (size);

  if (off + hdr + name + extra > len)
    return (UINT64_MAX);                /* A ZIP64 size we cannot read: as large as can be */

  return (zip64_size(p + off + hdr + name, extra));
}


/*
 * 'zip_inflated()' - What the part whose local header is at off really
 *                    unpacks to (stored: its size; deflated: inflated and
 *                    counted, the output dropped), stopping past cap.
 */

static uint64_t
zip_inflated(const unsigned char *p, size_t len, size_t off, uint64_t cap)
{
  unsigned char out[65536];
  z_stream      z;
  size_t        data;
  uint64_t      total = 0;
  int           status;

  if (off + 30 > len)
    return (0);

  data = off + 30 + le16(p + off + 26) + le16(p + off + 28);
  if (data > len)
    return (0);

  if (le16(p + off + 8) == 0)
    return (zip_declared(p, len, off, false));

  if (le16(p + off + 8) != 8)
    return (0);                         /* Not a method libgxps reads either */

  memset(&z, 0, sizeof(z));
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
    return (UINT64_MAX);

  z.next_in  = (Bytef *)(p + data);
  z.avail_in = len - data > UINT_MAX ? UINT_MAX : (uInt)(len - data);

  do
  {
    z.next_out  = out;
    z.avail_out = sizeof(out);
    status      = inflate(&z, Z_NO_FLUSH);
    total      += sizeof(out) - z.avail_out;
  }
  while (status == Z_OK && total <= cap && z.avail_out == 0);

  inflateEnd(&z);
  return (total);
}


/*
 * 'xps_zip_read()' - Count the parts (the end record's count or the ZIP64
 *                    one, the local headers present, at most limit + 1)
 *                    and the unpacked sizes they declare (central
 *                    directory and local headers); false when there is no
 *                    end of central directory record.
 */

static bool
xps_zip_read(const unsigned char *p, size_t len, long long limit, xps_zip_t *zip)
{
  const unsigned char *found;
  size_t               eocd, off, stop;
  uint64_t             cd = 0, size;
  long long            claimed = -1, local = 0, n;

  memset(zip, 0, sizeof(*zip));

  /* The end record: the last "PK\5\6" within the comment's reach. */
  for (eocd = len >= 22 ? len - 22 + 1 : 0, stop = len > 65557 ? len - 65557 : 0; eocd > stop;)
  {
    eocd --;
    if (!memcmp(p + eocd, "PK\5\6", 4))
    {
      claimed = le16(p + eocd + 10);
      cd      = le32(p + eocd + 16);
      break;
    }
  }

  if (claimed < 0)
    return (false);

  /* ZIP64: the locator just before it names the ZIP64 end record. */
  if (eocd >= 20 && !memcmp(p + eocd - 20, "PK\6\7", 4))
  {
    uint64_t z64 = le64(p + eocd - 20 + 8);

    if (z64 < len && len - z64 >= 56 && !memcmp(p + z64, "PK\6\6", 4))
    {
      claimed = le64(p + z64 + 32) > (uint64_t)limit ? limit + 1 : (long long)le64(p + z64 + 32);
      cd      = le64(p + z64 + 48);
    }
    else
      claimed = limit + 1;              /* A ZIP64 package we cannot count: refuse it */
  }

  /* The central directory's declared sizes. */
  for (off = cd < len ? (size_t)cd : len, n = 0; n < claimed && n <= limit && off + 46 <= len && !memcmp(p + off, "PK\1\2", 4); n ++)
  {
    size        = zip_declared(p, len, off, true);
    zip->total  = size > UINT64_MAX - zip->total ? UINT64_MAX : zip->total + size;
    zip->largest = size > zip->largest ? size : zip->largest;
    off        += 46 + le16(p + off + 28) + le16(p + off + 30) + le16(p + off + 32);
  }

  /*
   * The local headers actually present: what they declare, and what their
   * data really unpacks to (libgxps streams a page through GMarkup whatever
   * its header says).
   */

  for (off = 0; local <= limit && off + 4 <= len; off = (size_t)(found - p) + 4, local ++)
  {
    if ((found = memmem(p + off, len - off, "PK\3\4", 4)) == NULL)
      break;
    size         = zip_declared(p, len, (size_t)(found - p), false);
    zip->largest = size > zip->largest ? size : zip->largest;
    if (zip->largest <= XPS_MAX_PART && zip->real <= XPS_MAX_TOTAL)
    {
      size         = zip_inflated(p, len, (size_t)(found - p), XPS_MAX_PART);
      zip->largest = size > zip->largest ? size : zip->largest;
      zip->real    = size > UINT64_MAX - zip->real ? UINT64_MAX : zip->real + size;
    }
  }

  zip->parts = claimed > local ? claimed : local;
  return (true);
}


/*
 * '_gwConvFailGError()' - Fail corrupt-document with what a GLib library
 *                         said: 'what' (a printf format), then ": " and
 *                         the error's message.  Clears the error; returns
 *                         false.
 */

bool
_gwConvFailGError(gw_conv_t *conv, GError **error, const char *what, ...)
{
  char    text[256];
  va_list ap;

  va_start(ap, what);
  vsnprintf(text, sizeof(text), what, ap);
  va_end(ap);

  _gwConvFail(conv, GW_REASON_CORRUPT_DOCUMENT, "%s: %.200s", text, *error ? (*error)->message : "no reason given");
  g_clear_error(error);

  return (false);
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
    return (_gwConvFailGError(pdf->conv, &error, "libgxps could not read page %u", n + 1));
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
    ok = _gwConvFailGError(pdf->conv, &error, "libgxps could not draw page %u", n + 1);
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
  xps_zip_t     zip;
  guint         d, n, pages, total = 0;
  bool          ok = true;

  if (!xps_zip_read(pdf->data, pdf->len, XPS_MAX_PARTS, &zip))
    return (_gwConvFail(pdf->conv, GW_REASON_CORRUPT_DOCUMENT, "the XPS package has no ZIP directory (it is cut short)"));
  if (zip.parts > XPS_MAX_PARTS)
    return (_gwConvFail(pdf->conv, GW_REASON_TOO_LARGE, "the XPS package has more than %d parts", XPS_MAX_PARTS));
  if (zip.largest > XPS_MAX_PART || zip.total > XPS_MAX_TOTAL || zip.real > XPS_MAX_TOTAL)
    return (_gwConvFail(pdf->conv, GW_REASON_TOO_LARGE, "the XPS package would unpack to more than %llu MB (%llu MB in one part at most)",
                        (unsigned long long)(XPS_MAX_TOTAL >> 20), (unsigned long long)(XPS_MAX_PART >> 20)));

  setenv("GIO_USE_VFS", "local", 1);
  setenv("GIO_MODULE_DIR", "/nonexistent", 1);

  file = g_file_new_for_path(pdf->conv->in_path);
  xps  = gxps_file_new(file, &error);
  g_object_unref(file);

  if (!xps)
  {
    return (_gwConvFailGError(pdf->conv, &error, "libgxps could not open the XPS package"));
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
      ok = _gwConvFailGError(pdf->conv, &error, "libgxps could not read document %u", d + 1);
      break;
    }

    for (n = 0, pages = gxps_document_get_n_pages(doc); ok && n < pages; n ++)
      ok = xps_page(pdf, doc, n);

    g_object_unref(doc);
  }

  g_object_unref(xps);
  return (ok);
}
