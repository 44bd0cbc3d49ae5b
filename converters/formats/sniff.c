/*
 * sniff.c - document format detection by content (see sniff.h).
 *
 * The table below names every format once (keyword, MIME type, human name,
 * conversion family, file name extensions).  gwFormatSniff() checks the
 * magic bytes at offset 0 first, in an order where no signature is a
 * prefix of another, then "%PDF-" anywhere in the first 1024 bytes (as PDF
 * readers allow, for PDFs behind a mail or PJL prefix), then plain text.
 * A signature that starts right but fails its confirmation (a "BM" that is
 * not followed by a bitmap header, an "ftyp" box without a HEIF brand)
 * falls through to the later checks, so "BMW service notes" is still text.
 */

#include "sniff-private.h"

#include <string.h>
#include <strings.h>


/*
 * Limits.
 */

#define SNIFF_PDF_BYTES    1024        /* "%PDF-" must start within this many bytes */
#define SNIFF_FTYP_MAX     4096        /* Largest ftyp box whose brands we read */
#define SNIFF_PS_LINE      256         /* First PostScript line searched for "EPSF-" */


/*
 * One format.
 */

typedef struct sniff_format_s
{
  const char         *keyword;         /* Stable name for logs, the API and tests */
  const char         *mime;            /* MIME type (with a charset for text) */
  const char         *name;            /* What a person calls it */
  gw_format_family_t  family;          /* Which conversion it takes */
  const char         *charset;         /* Text only */
  const char         *extensions;      /* Usual file name extensions, space separated */
} sniff_format_t;


/*
 * The formats, indexed by gw_format_t.
 */

static const sniff_format_t formats[GW_FORMAT_COUNT] =
{
  [GW_FORMAT_UNKNOWN]          = { "unknown", "application/octet-stream", "unknown format", GW_FORMAT_FAMILY_NONE, NULL, "" },
  [GW_FORMAT_PDF]              = { "pdf", "application/pdf", "PDF document", GW_FORMAT_FAMILY_PDF, NULL, "pdf" },
  [GW_FORMAT_POSTSCRIPT]       = { "postscript", "application/postscript", "PostScript document", GW_FORMAT_FAMILY_POSTSCRIPT, NULL, "ps prn" },
  [GW_FORMAT_EPS]              = { "eps", "application/postscript", "EPS graphic", GW_FORMAT_FAMILY_POSTSCRIPT, NULL, "eps epsf epsi ps" },
  [GW_FORMAT_JPEG]             = { "jpeg", "image/jpeg", "JPEG image", GW_FORMAT_FAMILY_IMAGE, NULL, "jpg jpeg jpe jfif" },
  [GW_FORMAT_PNG]              = { "png", "image/png", "PNG image", GW_FORMAT_FAMILY_IMAGE, NULL, "png" },
  [GW_FORMAT_TIFF]             = { "tiff", "image/tiff", "TIFF image", GW_FORMAT_FAMILY_IMAGE, NULL, "tif tiff" },
  [GW_FORMAT_GIF]              = { "gif", "image/gif", "GIF image", GW_FORMAT_FAMILY_IMAGE, NULL, "gif" },
  [GW_FORMAT_BMP]              = { "bmp", "image/bmp", "BMP image", GW_FORMAT_FAMILY_IMAGE, NULL, "bmp dib" },
  [GW_FORMAT_WEBP]             = { "webp", "image/webp", "WebP image", GW_FORMAT_FAMILY_IMAGE, NULL, "webp" },
  [GW_FORMAT_HEIC]             = { "heic", "image/heic", "HEIC photo", GW_FORMAT_FAMILY_IMAGE, NULL, "heic heif hif" },
  [GW_FORMAT_HEIF]             = { "heif", "image/heif", "HEIF image", GW_FORMAT_FAMILY_IMAGE, NULL, "heif heic hif" },
  [GW_FORMAT_PWG_RASTER]       = { "pwg-raster", "image/pwg-raster", "PWG raster", GW_FORMAT_FAMILY_RASTER, NULL, "pwg ras" },
  [GW_FORMAT_URF]              = { "urf", "image/urf", "Apple raster (URF)", GW_FORMAT_FAMILY_RASTER, NULL, "urf" },
  [GW_FORMAT_DOCX]             = { "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document", GW_FORMAT_FAMILY_OFFICE, NULL, "docx docm dotx dotm" },
  [GW_FORMAT_XLSX]             = { "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel workbook", GW_FORMAT_FAMILY_OFFICE, NULL, "xlsx xlsm xltx xltm" },
  [GW_FORMAT_PPTX]             = { "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint presentation", GW_FORMAT_FAMILY_OFFICE, NULL, "pptx pptm ppsx potx" },
  [GW_FORMAT_ODT]              = { "odt", "application/vnd.oasis.opendocument.text", "OpenDocument text", GW_FORMAT_FAMILY_OFFICE, NULL, "odt" },
  [GW_FORMAT_ODS]              = { "ods", "application/vnd.oasis.opendocument.spreadsheet", "OpenDocument spreadsheet", GW_FORMAT_FAMILY_OFFICE, NULL, "ods" },
  [GW_FORMAT_ODP]              = { "odp", "application/vnd.oasis.opendocument.presentation", "OpenDocument presentation", GW_FORMAT_FAMILY_OFFICE, NULL, "odp" },
  [GW_FORMAT_RTF]              = { "rtf", "application/rtf", "RTF document", GW_FORMAT_FAMILY_OFFICE, NULL, "rtf" },
  [GW_FORMAT_DOC]              = { "doc", "application/msword", "Word 97-2003 document", GW_FORMAT_FAMILY_OFFICE, NULL, "doc dot" },
  [GW_FORMAT_XLS]              = { "xls", "application/vnd.ms-excel", "Excel 97-2003 workbook", GW_FORMAT_FAMILY_OFFICE, NULL, "xls xlt" },
  [GW_FORMAT_PPT]              = { "ppt", "application/vnd.ms-powerpoint", "PowerPoint 97-2003 presentation", GW_FORMAT_FAMILY_OFFICE, NULL, "ppt pps pot" },
  [GW_FORMAT_MS_OLE2]          = { "ms-ole2", "application/x-ole-storage", "Office 97-2003 document", GW_FORMAT_FAMILY_OFFICE, NULL, "doc dot xls xlt ppt pps pot" },
  [GW_FORMAT_TEXT_ASCII]       = { "text-us-ascii", "text/plain; charset=us-ascii", "plain text (US-ASCII)", GW_FORMAT_FAMILY_TEXT, "us-ascii", "txt text asc" },
  [GW_FORMAT_TEXT_UTF8]        = { "text-utf-8", "text/plain; charset=utf-8", "plain text (UTF-8)", GW_FORMAT_FAMILY_TEXT, "utf-8", "txt text asc" },
  [GW_FORMAT_TEXT_UTF16]       = { "text-utf-16", "text/plain; charset=utf-16", "plain text (UTF-16)", GW_FORMAT_FAMILY_TEXT, "utf-16", "txt text asc" },
  [GW_FORMAT_TEXT_WINDOWS1252] = { "text-windows-1252", "text/plain; charset=windows-1252", "plain text (Western European)", GW_FORMAT_FAMILY_TEXT, "windows-1252", "txt text asc" },
};


/*
 * Local functions.
 */

static bool        extension_in(const char *list, const char *ext, size_t extlen);
static const sniff_format_t *format_get(gw_format_t format);
static bool        is_bmp(const unsigned char *p, size_t len);
static bool        is_dos_eps(const unsigned char *p, size_t len);
static bool        is_signature_prefix(const unsigned char *p, size_t len);
static gw_format_t sniff_ftyp(const unsigned char *p, size_t len);
static gw_format_t sniff_postscript(const unsigned char *p, size_t len);
static bool        starts(const unsigned char *p, size_t len, const void *magic, size_t magiclen);


/*
 * '_gwSniffName()' - The format of the first of 'names' that is 'name'
 *                    (namelen bytes, not terminated) or, with 'prefix',
 *                    that 'name' starts with and goes on after;
 *                    GW_FORMAT_UNKNOWN if none.
 */

gw_format_t
_gwSniffName(const _gw_sniff_name_t *names,    /* I - Names and their formats */
             size_t                 count,     /* I - Number of names */
             const unsigned char    *name,     /* I - Name seen */
             size_t                 namelen,   /* I - Its length */
             bool                   prefix)    /* I - Match a prefix of it */
{
  for (size_t i = 0; i < count; i ++)
  {
    size_t len = strlen(names[i].name);

    if ((prefix ? namelen > len : namelen == len) && !memcmp(name, names[i].name, len))
      return (names[i].format);
  }

  return (GW_FORMAT_UNKNOWN);
}


/*
 * 'gwFormatSniff()' - Tell what a document is from its first bytes.
 *
 * "head" is the start of the document (GW_FORMAT_SNIFF_BYTES bytes, or the
 * whole document when it is shorter).  Only those bytes are read.
 */

gw_format_t
gwFormatSniff(const void *head, size_t len)
{
  const unsigned char *p = head;
  gw_format_t         format;

  if (!p || len == 0)
    return (GW_FORMAT_UNKNOWN);

 /*
  * Signatures at offset 0.
  */

  if (starts(p, len, "%PDF-", 5))
    return (GW_FORMAT_PDF);

  if (starts(p, len, "\xFF\xD8\xFF", 3))
    return (GW_FORMAT_JPEG);

  if (starts(p, len, "\x89PNG\r\n\x1A\n", 8))
    return (GW_FORMAT_PNG);

  if (starts(p, len, "GIF87a", 6) || starts(p, len, "GIF89a", 6))
    return (GW_FORMAT_GIF);

  if (starts(p, len, "II*\0", 4) || starts(p, len, "MM\0*", 4) ||
      starts(p, len, "II+\0\x08\0\0\0", 8) || starts(p, len, "MM\0+\0\x08\0\0", 8))
    return (GW_FORMAT_TIFF);

  if (is_bmp(p, len))
    return (GW_FORMAT_BMP);

  if (len >= 12 && starts(p, len, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
    return (GW_FORMAT_WEBP);

  if (len >= 16 && !memcmp(p + 4, "ftyp", 4) && (format = sniff_ftyp(p, len)) != GW_FORMAT_UNKNOWN)
    return (format);

  if (starts(p, len, "RaS2PwgRaster\0", 14))
    return (GW_FORMAT_PWG_RASTER);

  if (starts(p, len, "UNIRAST\0", 8))
    return (GW_FORMAT_URF);

  if (starts(p, len, "PK\3\4", 4))
    return (_gwSniffZip(p, len));

  if (starts(p, len, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
    return (_gwSniffOle2(p, len));

  if (is_dos_eps(p, len))
    return (GW_FORMAT_EPS);

  if (starts(p, len, "{\\rtf", 5))
    return (GW_FORMAT_RTF);

  if (starts(p, len, "%!", 2))
    return (sniff_postscript(p, len));

  if (is_signature_prefix(p, len))
    return (GW_FORMAT_UNKNOWN);

 /*
  * A PDF behind a short prefix, then text.
  */

  if (memmem(p, len < SNIFF_PDF_BYTES ? len : SNIFF_PDF_BYTES, "%PDF-", 5))
    return (GW_FORMAT_PDF);

  return (_gwSniffText(p, len));
}


/*
 * 'gwFormatFamily()' - Which conversion a format takes.
 */

gw_format_family_t
gwFormatFamily(gw_format_t format)
{
  return (format_get(format)->family);
}


/*
 * 'gwFormatKeyword()' - Stable keyword for logs, the API and tests.
 */

const char *
gwFormatKeyword(gw_format_t format)
{
  return (format_get(format)->keyword);
}


/*
 * 'gwFormatMimeType()' - MIME type ("image/jpeg", "text/plain; charset=utf-8").
 */

const char *
gwFormatMimeType(gw_format_t format)
{
  return (format_get(format)->mime);
}


/*
 * 'gwFormatName()' - What a person calls the format ("JPEG image").
 */

const char *
gwFormatName(gw_format_t format)
{
  return (format_get(format)->name);
}


/*
 * 'gwFormatCharset()' - Character set of a text format, NULL for others.
 */

const char *
gwFormatCharset(gw_format_t format)
{
  return (format_get(format)->charset);
}


/*
 * 'gwFormatFilenameLies()' - Tell whether a file name's extension belongs
 *                            to another format than the content's.
 *
 * "report.pdf" lies about a JPEG; "scan", "notes.log" and "PHOTO.JPG" do
 * not lie about a JPEG or about text (an extension no format claims is
 * not a lie).  The directory part of a name (with / or \) is ignored.
 */

bool
gwFormatFilenameLies(gw_format_t format, const char *filename)
{
  const char *base, *dot, *slash;
  size_t      extlen;
  int         f;

  if (!filename)
    return (false);

  base = filename;
  if ((slash = strrchr(base, '/')) != NULL)
    base = slash + 1;
  if ((slash = strrchr(base, '\\')) != NULL)
    base = slash + 1;

  if ((dot = strrchr(base, '.')) == NULL || dot == base || !dot[1])
    return (false);

  dot ++;
  extlen = strlen(dot);

  if (extension_in(format_get(format)->extensions, dot, extlen))
    return (false);

  for (f = GW_FORMAT_UNKNOWN + 1; f < GW_FORMAT_COUNT; f ++)
  {
    if (extension_in(formats[f].extensions, dot, extlen))
      return (true);
  }

  return (false);
}


/*
 * 'gwFormatSupportedList()' - The formats this gateway converts, for the
 *                             "unsupported format" reason sentence.
 */

const char *
gwFormatSupportedList(bool office)
{
  if (office)
    return ("PDF, PostScript, EPS, JPEG, PNG, TIFF, GIF, BMP, WebP, HEIC/HEIF, PWG raster, Apple raster (URF), "
            "plain text, Word (doc, docx), Excel (xls, xlsx), PowerPoint (ppt, pptx), "
            "OpenDocument (odt, ods, odp) and RTF");
  else
    return ("PDF, PostScript, EPS, JPEG, PNG, TIFF, GIF, BMP, WebP, HEIC/HEIF, PWG raster, Apple raster (URF) "
            "and plain text");
}


/*
 * 'extension_in()' - Tell whether an extension is in a space-separated
 *                    list (ASCII case-insensitive).
 */

static bool
extension_in(const char *list,         /* I - "jpg jpeg jpe" */
             const char *ext,          /* I - Extension without the dot */
             size_t     extlen)        /* I - Its length */
{
  const char *item, *end;

  for (item = list; *item; item = end)
  {
    while (*item == ' ')
      item ++;

    for (end = item; *end && *end != ' '; end ++);

    if (end > item && (size_t)(end - item) == extlen && !strncasecmp(item, ext, extlen))
      return (true);
  }

  return (false);
}


/*
 * 'format_get()' - Table entry of a format (UNKNOWN for values out of range).
 */

static const sniff_format_t *
format_get(gw_format_t format)
{
  if ((int)format < 0 || format >= GW_FORMAT_COUNT)
    format = GW_FORMAT_UNKNOWN;

  return (formats + format);
}


/*
 * 'is_bmp()' - "BM", then a file header whose info header has a size that
 *              a BMP version defines and whose pixel data starts after it.
 */

static bool
is_bmp(const unsigned char *p,         /* I - Head */
       size_t              len)        /* I - Head length */
{
  uint32_t info, offset;

  if (len < 18 || !starts(p, len, "BM", 2))
    return (false);

  offset = _gwSniffLe32(p + 10);
  info   = _gwSniffLe32(p + 14);

  if (info != 12 && info != 16 && info != 40 && info != 52 && info != 56 && info != 64 && info != 108 && info != 124)
    return (false);

  return (offset >= 14 + info);
}


/*
 * 'is_dos_eps()' - The DOS EPS binary header: C5 D0 D3 C6, then the
 *                  PostScript section's offset, which follows the 30-byte
 *                  header.
 */

static bool
is_dos_eps(const unsigned char *p,     /* I - Head */
           size_t              len)    /* I - Head length */
{
  if (len < 30 || !starts(p, len, "\xC5\xD0\xD3\xC6", 4))
    return (false);

  return (_gwSniffLe32(p + 4) >= 30 && _gwSniffLe32(p + 8) > 0);
}


/*
 * 'is_signature_prefix()' - Tell whether a head is only the start of a
 *                           binary signature ("\x89PNG" of a cut PNG),
 *                           which is not text even when its bytes could be.
 */

static bool
is_signature_prefix(const unsigned char *p,    /* I - Head */
                    size_t              len)   /* I - Head length */
{
  static const struct
  {
    const char *magic;
    size_t     len;
  } binary[] =
  {
    { "\xFF\xD8\xFF", 3 },                                /* JPEG */
    { "\x89PNG\r\n\x1A\n", 8 },                           /* PNG */
    { "PK\3\4", 4 },                                      /* ZIP */
    { "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8 },            /* OLE2 */
    { "\xC5\xD0\xD3\xC6", 4 }                             /* DOS EPS */
  };
  size_t i;

  for (i = 0; i < sizeof(binary) / sizeof(binary[0]); i ++)
  {
    if (len < binary[i].len && !memcmp(p, binary[i].magic, len))
      return (true);
  }

  return (false);
}


/*
 * 'sniff_ftyp()' - HEIC or HEIF from an ISO base media "ftyp" box.
 *
 * The major brand and the compatible brands are read, within the box and
 * the head.  An HEVC brand makes it HEIC; the generic image brands (mif1,
 * msf1) alone make it HEIF, unless an AVIF brand says the images are AV1,
 * which is not a format we take.  Videos (isom, qt) are unknown.
 */

static gw_format_t
sniff_ftyp(const unsigned char *p,     /* I - Head */
           size_t              len)    /* I - Head length */
{
  static const char * const hevc[] = { "heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs" };
  static const char * const generic[] = { "mif1", "msf1" };
  uint32_t size;
  size_t   end, off, i;
  bool     is_hevc = false, is_generic = false, is_avif = false;

  size = _gwSniffBe32(p);
  if (size < 16 || size > SNIFF_FTYP_MAX)
    return (GW_FORMAT_UNKNOWN);

  end = size < len ? size : len;

  for (off = 8; off + 4 <= end; off += 4)
  {
    if (off == 12)
      continue;                         /* Minor version, not a brand */

    for (i = 0; i < sizeof(hevc) / sizeof(hevc[0]); i ++)
      if (!memcmp(p + off, hevc[i], 4))
        is_hevc = true;

    for (i = 0; i < sizeof(generic) / sizeof(generic[0]); i ++)
      if (!memcmp(p + off, generic[i], 4))
        is_generic = true;

    if (!memcmp(p + off, "avif", 4) || !memcmp(p + off, "avis", 4))
      is_avif = true;
  }

  if (is_hevc)
    return (GW_FORMAT_HEIC);
  else if (is_generic && !is_avif)
    return (GW_FORMAT_HEIF);
  else
    return (GW_FORMAT_UNKNOWN);
}


/*
 * 'sniff_postscript()' - PostScript or EPS from the first line ("%!PS-Adobe-3.0 EPSF-3.0").
 */

static gw_format_t
sniff_postscript(const unsigned char *p,       /* I - Head, starting with "%!" */
                 size_t              len)      /* I - Head length */
{
  size_t linelen;

  for (linelen = 0; linelen < len && linelen < SNIFF_PS_LINE && p[linelen] != '\r' && p[linelen] != '\n'; linelen ++);

  if (starts(p, len, "%!PS-Adobe-", 11) && memmem(p, linelen, " EPSF-", 6))
    return (GW_FORMAT_EPS);

  return (GW_FORMAT_POSTSCRIPT);
}


/*
 * 'starts()' - Tell whether the head starts with a signature.
 */

static bool
starts(const unsigned char *p,         /* I - Head */
       size_t              len,        /* I - Head length */
       const void          *magic,     /* I - Signature */
       size_t              magiclen)   /* I - Signature length */
{
  return (len >= magiclen && !memcmp(p, magic, magiclen));
}
