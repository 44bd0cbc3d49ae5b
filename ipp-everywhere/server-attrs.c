/*
 * server-attrs.c - what the printer says of itself: the description
 * (gw_ipp_printer_t, from the configuration) and the Get-Printer-Attributes
 * set made from it.  The DNS-SD TXT record (dnssd-txt.c) is made from the
 * same description, so the two cannot disagree.
 */

#include "server-private.h"

#include <stdio.h>
#include <string.h>

/* Every format the converters take, as IPP MIME types (docs/formats.md). */
#define PDL_BASE   "application/pdf,application/postscript,image/jpeg,image/png,image/tiff,image/gif,image/bmp," \
                   "image/webp,image/heic,image/heif,image/pwg-raster,image/urf,text/plain,application/octet-stream," \
                   "image/svg+xml,application/oxps,application/vnd.ms-xpsdocument,message/rfc822"
#define PDL_OFFICE PDL_BASE ",application/vnd.openxmlformats-officedocument.wordprocessingml.document," \
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet," \
                   "application/vnd.openxmlformats-officedocument.presentationml.presentation," \
                   "application/vnd.oasis.opendocument.text,application/vnd.oasis.opendocument.spreadsheet," \
                   "application/vnd.oasis.opendocument.presentation,application/rtf,application/msword," \
                   "application/vnd.ms-excel,application/vnd.ms-powerpoint,text/csv,text/html," \
                   "application/vnd.oasis.opendocument.graphics,application/vnd.oasis.opendocument.text-template," \
                   "application/vnd.oasis.opendocument.spreadsheet-template," \
                   "application/vnd.oasis.opendocument.presentation-template," \
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.template," \
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.template," \
                   "application/vnd.openxmlformats-officedocument.presentationml.template"
#define URF        "V1.4,W8,SRGB24,CP1,RS300-600,DM1,PQ3-4-5,IS1,MT1"

typedef struct media_s                 /* A paper size (hundredths of millimetres) */
{
  const char *name;
  int         width, length;
} media_t;

static const media_t media_sizes[] =
{
  { "iso_a4_210x297mm",        21000, 29700 },
  { "na_letter_8.5x11in",      21590, 27940 },
  { "na_legal_8.5x14in",       21590, 35560 },
  { "iso_a5_148x210mm",        14800, 21000 },
  { "iso_a3_297x420mm",        29700, 42000 },
  { "na_index-4x6_4x6in",      10160, 15240 },
  { "na_5x7_5x7in",            12700, 17780 },
  { "om_small-photo_100x150mm", 10000, 15000 }
};

static const int number_ups[]  = { 1, 2, 4, 6, 9, 16 };
static const int qualities[]   = { IPP_QUALITY_DRAFT, IPP_QUALITY_NORMAL, IPP_QUALITY_HIGH };
static const int orients[]     = { IPP_ORIENT_PORTRAIT, IPP_ORIENT_LANDSCAPE, IPP_ORIENT_REVERSE_LANDSCAPE, IPP_ORIENT_REVERSE_PORTRAIT };
static const int resolutions[] = { 300, 600 };

static const char * const operations_names[] = { "Print-Job", "Validate-Job", "Create-Job", "Send-Document", "Cancel-Job", "Get-Job-Attributes", "Get-Jobs", "Get-Printer-Attributes", "Cancel-My-Jobs", "Close-Job", "Identify-Printer" };
static const char * const sides[]      = { "one-sided", "two-sided-long-edge", "two-sided-short-edge" };
static const char * const colors[]     = { "auto", "color", "monochrome" };
static const char * const creation[]   = { "copies", "finishings", "ipp-attribute-fidelity", "job-name", "media", "media-col", "number-up", "orientation-requested", "output-bin", "page-ranges", "print-color-mode", "print-content-optimize", "print-quality", "print-rendering-intent", "print-scaling", "printer-resolution", "sides" };
static const char * const media_col[]  = { "media-bottom-margin", "media-left-margin", "media-right-margin", "media-size", "media-source", "media-top-margin", "media-type" };
static const char * const raster[]     = { "black_1", "sgray_8", "srgb_8" };
static const char * const which[]      = { "completed", "not-completed", "all" };
static const char * const scalings[]   = { "auto", "auto-fit", "fill", "fit", "none" };


/*
 * 'paper_max()' - The TXT PaperMax class of the longest size in media_sizes
 *                 (Bonjour Printing 1.2.1: up to legal/A4, tabloid/A3, C/A2).
 */

static const char *
paper_max(void)
{
  int longest = 0;

  for (size_t i = 0; i < sizeof(media_sizes) / sizeof(media_sizes[0]); i ++)
    if (media_sizes[i].length > longest)
      longest = media_sizes[i].length;
  if (longest <= 35560)                 /* Legal: 14 in */
    return ("legal-A4");
  if (longest <= 43180)                 /* Tabloid: 17 in (A3 is 420 mm) */
    return ("tabloid-A3");
  if (longest <= 59400)                 /* A2 */
    return ("isoC-A2");
  return (">isoC-A2");
}


/*
 * '_gwIppPrinterDefaults()' - The description from the configuration
 *                             (config NULL: built-in defaults, for tests).
 */

void
_gwIppPrinterDefaults(const gw_config_t *config, const char *uuid, gw_ipp_printer_t *p)
{
  memset(p, 0, sizeof(gw_ipp_printer_t));
  snprintf(p->uuid, sizeof(p->uuid), "%s", uuid);
  snprintf(p->name, sizeof(p->name), "%s", config ? config->ipp_printer_name : "Printgate");
  snprintf(p->info, sizeof(p->info), "%s", config ? config->ipp_printer_info : "Printgate secure print");
  snprintf(p->location, sizeof(p->location), "%s", config ? config->ipp_printer_location : "");
  snprintf(p->server_name, sizeof(p->server_name), "%s", config ? config->server_name : "localhost");
  p->port           = config ? config->listen_port : 8631;
  p->office         = config && config->office_workers > 0;
  p->letter         = config && !strcmp(config->paper_size, "letter");
  p->max_document   = config ? config->max_document_size : 100 * 1024 * 1024;
  p->make_and_model = "Printgate";
  p->urf            = URF;
  p->pdl            = p->office ? PDL_OFFICE : PDL_BASE;
  p->color          = true;
  p->duplex         = true;
  p->kind           = "document,photo";
  p->paper_max      = paper_max();
  p->resource       = GW_IPP_RESOURCE;
}


/*
 * 'add_list()' - A keyword-ish attribute from a comma-separated list.
 */

static void
add_list(ipp_t *ipp, ipp_tag_t tag, const char *name, const char *list)
{
  const char *values[64];
  char        buf[2048], *p, *next;
  int         n = 0;

  snprintf(buf, sizeof(buf), "%s", list);
  for (p = buf; p && n < 64; p = next)
  {
    if ((next = strchr(p, ',')) != NULL)
      *next++ = '\0';
    values[n ++] = p;
  }
  ippAddStrings(ipp, IPP_TAG_PRINTER, tag, name, n, NULL, values);
}


/*
 * '_gwIppFormatSupported()' - Is this document-format one we take?
 */

bool
_gwIppFormatSupported(const gw_ipp_printer_t *printer, const char *format)
{
  size_t      len = strlen(format);
  const char *p   = printer->pdl;

  if (len == 0)
    return (false);
  while ((p = strstr(p, format)) != NULL)
  {
    if ((p == printer->pdl || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
      return (true);
    p += len;
  }
  return (false);
}


/*
 * '_gwIppMediaSupported()' - Is this media keyword one we list?
 */

bool
_gwIppMediaSupported(const char *media)
{
  if (!media)
    return (false);
  for (size_t i = 0; i < sizeof(media_sizes) / sizeof(media_sizes[0]); i ++)
    if (!strcmp(media, media_sizes[i].name))
      return (true);
  return (false);
}


/*
 * 'media_col_new()' - A media-col for one size (borderless: the gateway
 *                     keeps the document; the printer's margins apply at
 *                     release).
 */

static ipp_t *
media_col_new(const media_t *m, bool source)
{
  ipp_t *col = ippNew(), *size = ippNew();

  ippAddInteger(size, IPP_TAG_ZERO, IPP_TAG_INTEGER, "x-dimension", m->width);
  ippAddInteger(size, IPP_TAG_ZERO, IPP_TAG_INTEGER, "y-dimension", m->length);
  ippAddCollection(col, IPP_TAG_ZERO, "media-size", size);
  ippDelete(size);
  ippAddInteger(col, IPP_TAG_ZERO, IPP_TAG_INTEGER, "media-bottom-margin", 0);
  ippAddInteger(col, IPP_TAG_ZERO, IPP_TAG_INTEGER, "media-left-margin", 0);
  ippAddInteger(col, IPP_TAG_ZERO, IPP_TAG_INTEGER, "media-right-margin", 0);
  ippAddInteger(col, IPP_TAG_ZERO, IPP_TAG_INTEGER, "media-top-margin", 0);
  if (source)
    ippAddString(col, IPP_TAG_ZERO, IPP_TAG_KEYWORD, "media-source", NULL, "main");
  ippAddString(col, IPP_TAG_ZERO, IPP_TAG_KEYWORD, "media-type", NULL, "stationery");
  return (col);
}


/*
 * 'add_media()' - media-*, media-col-* (database, default, ready with media-source).
 */

static void
add_media(ipp_t *ipp, const gw_ipp_printer_t *p)
{
  size_t          count = sizeof(media_sizes) / sizeof(media_sizes[0]);
  const media_t  *def   = media_sizes + (p->letter ? 1 : 0);
  const char     *names[16];
  ipp_attribute_t *attr = NULL;
  ipp_t          *col;
  static const int zero = 0;

  for (size_t i = 0; i < count; i ++)
    names[i] = media_sizes[i].name;
  ippAddStrings(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "media-supported", (int)count, NULL, names);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "media-default", NULL, def->name);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "media-ready", NULL, def->name);

  for (size_t i = 0; i < count; i ++)
  {
    col = media_col_new(media_sizes + i, false);
    if (!attr)
      attr = ippAddCollection(ipp, IPP_TAG_PRINTER, "media-col-database", col);
    else
      ippSetCollection(ipp, &attr, ippGetCount(attr), col);
    ippDelete(col);
  }

  attr = NULL;
  for (size_t i = 0; i < count; i ++)
  {
    ipp_t *size = ippNew();

    ippAddInteger(size, IPP_TAG_ZERO, IPP_TAG_INTEGER, "x-dimension", media_sizes[i].width);
    ippAddInteger(size, IPP_TAG_ZERO, IPP_TAG_INTEGER, "y-dimension", media_sizes[i].length);
    if (!attr)
      attr = ippAddCollection(ipp, IPP_TAG_PRINTER, "media-size-supported", size);
    else
      ippSetCollection(ipp, &attr, ippGetCount(attr), size);
    ippDelete(size);
  }

  col = media_col_new(def, true);
  ippAddCollection(ipp, IPP_TAG_PRINTER, "media-col-default", col);
  ippAddCollection(ipp, IPP_TAG_PRINTER, "media-col-ready", col);
  ippDelete(col);

  ippAddStrings(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "media-col-supported", (int)(sizeof(media_col) / sizeof(media_col[0])), NULL, media_col);
  ippAddIntegers(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "media-bottom-margin-supported", 1, &zero);
  ippAddIntegers(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "media-left-margin-supported", 1, &zero);
  ippAddIntegers(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "media-right-margin-supported", 1, &zero);
  ippAddIntegers(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "media-top-margin-supported", 1, &zero);
  add_list(ipp, IPP_TAG_KEYWORD, "media-source-supported", "auto,main");
  add_list(ipp, IPP_TAG_KEYWORD, "media-type-supported", "stationery,photographic");
}


/*
 * 'add_uris()' - printer-uri-supported and its security and
 *                authentication.  On the plain ipp:// listener the ipps://
 *                URI (same host, the TLS port) comes first, where jobs go;
 *                the plain one is listed after it with security and
 *                authentication none (it takes no credentials at all).
 */

static void
add_uris(ipp_t *ipp, const gw_ipp_request_t *r)
{
  char        host[sizeof(r->host)], secure[sizeof(r->host) + 64];
  const char *uris[2], *security[2] = { "tls", "none" }, *auth[2] = { "basic", "none" };
  char       *colon;

  if (!r->plain)
  {
    ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-uri-supported", NULL, r->printer_uri);
    ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "uri-security-supported", NULL, "tls");
    ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "uri-authentication-supported", NULL, r->token_uri ? "none" : "basic");
    return;
  }
  snprintf(host, sizeof(host), "%s", r->host);
  if ((colon = strrchr(host, ':')) != NULL && !strchr(colon, ']') && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1))
    *colon = '\0';                    /* "name:631" and "[::1]:631" lose the plain port */
  snprintf(secure, sizeof(secure), "ipps://%s:%d%s", host, r->printer.port, GW_IPP_RESOURCE);
  uris[0] = secure;
  uris[1] = r->printer_uri;
  ippAddStrings(ipp, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-uri-supported", 2, NULL, uris);
  ippAddStrings(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "uri-security-supported", 2, NULL, security);
  ippAddStrings(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "uri-authentication-supported", 2, NULL, auth);
}


/*
 * 'add_description()' - Names, URIs, state and time.
 */

static void
add_description(ipp_t *ipp, const gw_ipp_request_t *r, time_t started)
{
  const gw_ipp_printer_t *p = &r->printer;
  char                    buf[1024];
  time_t                  now = time(NULL);
  int                     up  = (int)(now - started) + 1;

  add_uris(ipp, r);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_NAME, "printer-name", NULL, p->name);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-info", NULL, p->info);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-location", NULL, p->location);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-make-and-model", NULL, p->make_and_model);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-organization", NULL, "");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-organizational-unit", NULL, "");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-uuid", NULL, p->uuid);
  ippAddOutOfBand(ipp, IPP_TAG_PRINTER, IPP_TAG_UNKNOWN, "printer-geo-location");
  snprintf(buf, sizeof(buf), "https://%s/", r->host);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-more-info", NULL, buf);
  snprintf(buf, sizeof(buf), "MFG:Printgate;MDL:Printgate;CMD:PDF,JPEG,PWGRaster,URF;");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-device-id", NULL, buf);
  add_list(ipp, IPP_TAG_KEYWORD, "printer-kind", p->kind);
  snprintf(buf, sizeof(buf), "https://%s" GW_IPP_ICONS "/printer-48.png,https://%s" GW_IPP_ICONS "/printer-128.png,https://%s" GW_IPP_ICONS "/printer-512.png", r->host, r->host, r->host);
  add_list(ipp, IPP_TAG_URI, "printer-icons", buf);

  /* A virtual printer has no supplies: one entry that says so (RFC 3805: max -2 unknown, level -3 some left). */
  ippAddOctetString(ipp, IPP_TAG_PRINTER, "printer-supply", "index=1;class=unknown;type=other;unit=other;max=-2;level=-3;", 60);
  snprintf(buf, sizeof(buf), "https://%s/", r->host);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-supply-info-uri", NULL, buf);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-supply-description", NULL, "No supplies: jobs are held, then printed on a printer of your choice");

  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_ENUM, "printer-state", IPP_PSTATE_IDLE);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "printer-state-reasons", NULL, "none");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-state-message", NULL, "Ready: jobs are held until their owner releases them.");
  ippAddBoolean(ipp, IPP_TAG_PRINTER, "printer-is-accepting-jobs", 1);
  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "printer-up-time", up);
  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "printer-state-change-time", 1);
  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "printer-config-change-time", 1);
  ippAddDate(ipp, IPP_TAG_PRINTER, "printer-current-time", ippTimeToDate(now));
  ippAddDate(ipp, IPP_TAG_PRINTER, "printer-state-change-date-time", ippTimeToDate(started));
  ippAddDate(ipp, IPP_TAG_PRINTER, "printer-config-change-date-time", ippTimeToDate(started));
  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "queued-job-count", 0);
}


/*
 * 'add_capabilities()' - Operations, versions, formats and job template
 *                        values.
 */

static void
add_capabilities(ipp_t *ipp, const gw_ipp_printer_t *p)
{
  int ops[sizeof(operations_names) / sizeof(operations_names[0])];

  for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i ++)
    ops[i] = ippOpValue(operations_names[i]);
  ippAddIntegers(ipp, IPP_TAG_PRINTER, IPP_TAG_ENUM, "operations-supported", (int)(sizeof(ops) / sizeof(ops[0])), ops);
  add_list(ipp, IPP_TAG_KEYWORD, "ipp-versions-supported", "1.1,2.0");
  add_list(ipp, IPP_TAG_KEYWORD, "ipp-features-supported", "ipp-everywhere");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_CHARSET, "charset-configured", NULL, "utf-8");
  add_list(ipp, IPP_TAG_CHARSET, "charset-supported", "utf-8,us-ascii");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_LANGUAGE, "natural-language-configured", NULL, "en");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_LANGUAGE, "generated-natural-language-supported", NULL, "en");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "compression-supported", NULL, "none");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_MIMETYPE, "document-format-default", NULL, "application/octet-stream");
  add_list(ipp, IPP_TAG_MIMETYPE, "document-format-supported", p->pdl);
  add_list(ipp, IPP_TAG_KEYWORD, "urf-supported", p->urf);
  ippAddResolutions(ipp, IPP_TAG_PRINTER, "pwg-raster-document-resolution-supported", 2, IPP_RES_PER_INCH, resolutions, resolutions);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "pwg-raster-document-sheet-back", NULL, "normal");
  ippAddStrings(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "pwg-raster-document-type-supported", 3, NULL, raster);
  ippAddResolution(ipp, IPP_TAG_PRINTER, "printer-resolution-default", IPP_RES_PER_INCH, 300, 300);
  ippAddResolutions(ipp, IPP_TAG_PRINTER, "printer-resolution-supported", 2, IPP_RES_PER_INCH, resolutions, resolutions);
  ippAddBoolean(ipp, IPP_TAG_PRINTER, "color-supported", p->color);
  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "copies-default", 1);
  ippAddRange(ipp, IPP_TAG_PRINTER, "copies-supported", 1, 999);
  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_ENUM, "finishings-default", IPP_FINISHINGS_NONE);
  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_ENUM, "finishings-supported", IPP_FINISHINGS_NONE);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "identify-actions-default", NULL, "display");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "identify-actions-supported", NULL, "display");
  ippAddStrings(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "job-creation-attributes-supported", (int)(sizeof(creation) / sizeof(creation[0])), NULL, creation);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "job-hold-until-default", NULL, "no-hold");
  add_list(ipp, IPP_TAG_KEYWORD, "job-hold-until-supported", "no-hold,indefinite");
  ippAddBoolean(ipp, IPP_TAG_PRINTER, "job-ids-supported", 1);
  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "job-priority-default", 50);
  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "job-priority-supported", 1);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "job-sheets-default", NULL, "none");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "job-sheets-supported", NULL, "none");
  ippAddBoolean(ipp, IPP_TAG_PRINTER, "multiple-document-jobs-supported", 1);   /* One held job, its documents merged in order */
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "multiple-document-handling-supported", NULL, "single-document");
  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "multiple-operation-time-out", GW_IPP_OPEN_TIMEOUT);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "multiple-operation-time-out-action", NULL, "abort-job");
  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "number-up-default", 1);
  ippAddIntegers(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "number-up-supported", 6, number_ups);
  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_ENUM, "orientation-requested-default", IPP_ORIENT_PORTRAIT);
  ippAddIntegers(ipp, IPP_TAG_PRINTER, IPP_TAG_ENUM, "orientation-requested-supported", 4, orients);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "output-bin-default", NULL, "face-down");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "output-bin-supported", NULL, "face-down");
  ippAddBoolean(ipp, IPP_TAG_PRINTER, "page-ranges-supported", 1);
  add_list(ipp, IPP_TAG_KEYWORD, "overrides-supported", "document-number,pages");
  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "pages-per-minute", 60);
  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "pages-per-minute-color", 60);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "pdl-override-supported", NULL, "attempted");
  ippAddBoolean(ipp, IPP_TAG_PRINTER, "preferred-attributes-supported", 0);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "print-color-mode-default", NULL, "auto");
  ippAddStrings(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "print-color-mode-supported", 3, NULL, colors);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "print-content-optimize-default", NULL, "auto");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "print-content-optimize-supported", NULL, "auto");
  ippAddInteger(ipp, IPP_TAG_PRINTER, IPP_TAG_ENUM, "print-quality-default", IPP_QUALITY_NORMAL);
  ippAddIntegers(ipp, IPP_TAG_PRINTER, IPP_TAG_ENUM, "print-quality-supported", 3, qualities);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "print-rendering-intent-default", NULL, "auto");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "print-rendering-intent-supported", NULL, "auto");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "print-scaling-default", NULL, "auto");
  ippAddStrings(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "print-scaling-supported", 5, NULL, scalings);
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "printer-get-attributes-supported", NULL, "document-format");
  ippAddString(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "sides-default", NULL, "one-sided");
  ippAddStrings(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "sides-supported", 3, NULL, sides);
  ippAddStrings(ipp, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "which-jobs-supported", 3, NULL, which);
}


/*
 * '_gwIppPrinterAttributes()' - Every printer attribute (the caller
 *                               filters by requested-attributes and
 *                               deletes the set).
 */

ipp_t *
_gwIppPrinterAttributes(const gw_ipp_request_t *r, time_t started)
{
  ipp_t *ipp = ippNew();

  add_description(ipp, r, started);
  add_capabilities(ipp, &r->printer);
  add_media(ipp, &r->printer);
  return (ipp);
}
