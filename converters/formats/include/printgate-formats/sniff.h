/*
 * sniff.h - document format detection by content (magic bytes).
 *
 * The gateway decides what a document is from its first bytes only, never
 * from its file name or the MIME type a client claims: a phone, a mail or
 * a browser can name a JPEG "report.pdf", and the content wins.  The name
 * is only compared afterwards, with gwFormatFilenameLies(), so the daemon
 * can log the mismatch.
 *
 * gwFormatSniff() reads at most the bytes it is given and never more than
 * a fixed number of ZIP entries or OLE2 directory sectors within them, so
 * it is safe on any input.  Give it the first GW_FORMAT_SNIFF_BYTES bytes
 * of the document (or the whole document when it is shorter).  A zero-byte
 * document sniffs as GW_FORMAT_UNKNOWN: callers report it as empty first.
 *
 * All functions are thread-safe and allocate nothing.
 */

#ifndef PRINTGATE_FORMATS_SNIFF_H
#define PRINTGATE_FORMATS_SNIFF_H

#include <stdbool.h>
#include <stddef.h>

#define GW_FORMAT_SNIFF_BYTES 65536     /* Head bytes callers should pass */


/*
 * What a document is.  The values are not stored anywhere: use
 * gwFormatKeyword() for logs, the API and tests.
 */

typedef enum gw_format_e
{
  GW_FORMAT_UNKNOWN = 0,                /* "unknown": none of the below */
  GW_FORMAT_PDF,                        /* "pdf": %PDF- within the first 1024 bytes */
  GW_FORMAT_POSTSCRIPT,                 /* "postscript": %! */
  GW_FORMAT_EPS,                        /* "eps": %!PS-Adobe-n.n EPSF, or the DOS EPS binary header */
  GW_FORMAT_JPEG,                       /* "jpeg" */
  GW_FORMAT_PNG,                        /* "png" */
  GW_FORMAT_TIFF,                       /* "tiff" (classic and BigTIFF, either byte order) */
  GW_FORMAT_GIF,                        /* "gif" (87a, 89a) */
  GW_FORMAT_BMP,                        /* "bmp" (Windows/OS2 bitmap with a known info header) */
  GW_FORMAT_WEBP,                       /* "webp" */
  GW_FORMAT_HEIC,                       /* "heic": HEIF with an HEVC brand (iPhone photos) */
  GW_FORMAT_HEIF,                       /* "heif": HEIF with only the generic mif1/msf1 brands */
  GW_FORMAT_PWG_RASTER,                 /* "pwg-raster": RaS2 + PwgRaster */
  GW_FORMAT_URF,                        /* "urf": Apple raster, UNIRAST */
  GW_FORMAT_DOCX,                       /* "docx": OOXML with word/ */
  GW_FORMAT_XLSX,                       /* "xlsx": OOXML with xl/ */
  GW_FORMAT_PPTX,                       /* "pptx": OOXML with ppt/ */
  GW_FORMAT_ODT,                        /* "odt" */
  GW_FORMAT_ODS,                        /* "ods" */
  GW_FORMAT_ODP,                        /* "odp" */
  GW_FORMAT_RTF,                        /* "rtf" */
  GW_FORMAT_DOC,                        /* "doc": OLE2 with a WordDocument stream */
  GW_FORMAT_XLS,                        /* "xls": OLE2 with a Workbook or Book stream */
  GW_FORMAT_PPT,                        /* "ppt": OLE2 with a PowerPoint Document stream */
  GW_FORMAT_MS_OLE2,                    /* "ms-ole2": OLE2 whose directory lies beyond the head given */
  GW_FORMAT_TEXT_ASCII,                 /* "text-us-ascii" */
  GW_FORMAT_TEXT_UTF8,                  /* "text-utf-8" (with or without a byte order mark) */
  GW_FORMAT_TEXT_UTF16,                 /* "text-utf-16": UTF-16 with a byte order mark */
  GW_FORMAT_TEXT_WINDOWS1252,           /* "text-windows-1252": 8-bit Western text (a guess; Latin-1 is a subset) */
  GW_FORMAT_ODG,                        /* "odg": ODF drawing or drawing template */
  GW_FORMAT_SVG,                        /* "svg": XML whose root element is <svg> */
  GW_FORMAT_XPS,                        /* "xps": XPS or OpenXPS (OPC package with fixed-layout parts) */
  GW_FORMAT_CSV,                        /* "csv": comma-, semicolon- or tab-separated values (US-ASCII or UTF-8) */
  GW_FORMAT_HTML,                       /* "html": <!DOCTYPE html> or a root <html> element */
  GW_FORMAT_MAIL,                       /* "mail": message/rfc822, printed as its headers and text body */
  GW_FORMAT_COUNT
} gw_format_t;


/*
 * Which conversion a format takes.
 */

typedef enum gw_format_family_e
{
  GW_FORMAT_FAMILY_NONE = 0,            /* Unknown: refused with gwFormatSupportedList() */
  GW_FORMAT_FAMILY_PDF,                 /* Normalised through Ghostscript pdfwrite */
  GW_FORMAT_FAMILY_POSTSCRIPT,          /* PostScript and EPS, through Ghostscript */
  GW_FORMAT_FAMILY_IMAGE,               /* Photos and pictures: fitted on the page */
  GW_FORMAT_FAMILY_RASTER,              /* PWG raster and URF: raster.h decoders */
  GW_FORMAT_FAMILY_OFFICE,              /* Through LibreOffice, when enabled */
  GW_FORMAT_FAMILY_TEXT                 /* Plain text: paginated in a monospace font */
} gw_format_family_t;


/*
 * Functions.
 */

extern gw_format_t        gwFormatSniff(const void *head, size_t len);
extern gw_format_family_t gwFormatFamily(gw_format_t format);
extern const char        *gwFormatKeyword(gw_format_t format);      /* "jpeg"; never NULL */
extern const char        *gwFormatMimeType(gw_format_t format);     /* "image/jpeg"; never NULL */
extern const char        *gwFormatName(gw_format_t format);         /* "JPEG image"; never NULL */
extern const char        *gwFormatCharset(gw_format_t format);      /* "utf-8" for text, else NULL */
extern bool               gwFormatFilenameLies(gw_format_t format, const char *filename);
extern const char        *gwFormatSupportedList(bool office);       /* "PDF, PostScript, ... or plain text" */

#endif /* !PRINTGATE_FORMATS_SNIFF_H */
