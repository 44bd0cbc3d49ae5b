/*
 * test-formats.c - unit tests for the format sniffer and the PWG/URF
 *                  raster decoders (converters/formats/).
 *
 * Real samples are made with Ghostscript (PDF, PostScript, EPS, JPEG, PNG,
 * TIFF, BMP, PWG raster, URF) from a small PostScript job with a known
 * pattern; the formats gs cannot write (GIF, WebP, HEIC, Office containers,
 * text in several charsets) are built here byte by byte, the ZIP and OLE2
 * containers by small writers that follow the specifications.  The raster
 * decoders are checked on what a user would see (pages, sizes, the colour
 * of known pixels), against libcups' own reader on the same files, and on
 * hand-corrupted copies, each refused with its own status and reason.
 *
 * GW_FORMATS_SEEDS=DIR also writes every input into DIR/fuzz-sniff/ (the
 * first 4 KB) and DIR/fuzz-raster/ (raster documents up to 20 KB): that is
 * how the committed seed corpora of tests/fuzz/ are made.
 */

#include "test.h"
#include "printgate-formats/raster.h"
#include "printgate-formats/sniff.h"

#include <cups/raster.h>
#include <stdarg.h>
#include <stdint.h>
#include <unistd.h>


/*
 * A string literal and its length (without the nul).
 */

#define S(lit) lit, (sizeof(lit) - 1)


/*
 * A growing buffer.
 */

typedef test_buf_t buf_t;


/*
 * A document in memory, read through the raster callback.
 */

typedef struct mem_s
{
  gw_mem_src_t src;                     /* The document (read by gwMemSrcRead()) */
  bool         fail;                    /* Return -1 once the data is used up */
} mem_t;


/*
 * A decoded document: status, pages and the first pages' pixels.
 */

#define DOC_MAX_PAGES 4

typedef struct doc_s
{
  gw_raster_status_t status;           /* END when it decoded cleanly */
  char               reason[200];
  unsigned           pages;
  gw_raster_page_t   header[DOC_MAX_PAGES];
  unsigned char      *image[DOC_MAX_PAGES];
} doc_t;


/*
 * One hand-corrupted raster document.
 */

typedef struct corrupt_s
{
  const char         *what;
  int                base;             /* 0: PWG sGray 8-bit, 1: URF sGray 8-bit (from gs) */
  long               offset;           /* Where "bytes" go (-1: nowhere) */
  const char         *bytes;
  size_t             nbytes;
  long               cut;              /* New length (-1: keep; < -1: that many bytes off the end) */
  gw_raster_type_t   type;
  gw_raster_status_t want;
  const char         *reason;          /* Substring of the reason */
} corrupt_t;


/*
 * Local functions.
 */

static void      buf_be32(buf_t *b, uint32_t v);
static void      buf_free(buf_t *b);
static void      buf_le16(buf_t *b, unsigned v);
static void      buf_le32(buf_t *b, uint32_t v);
static void      cfb_build(buf_t *b, const char * const *names, const int *types, const uint32_t *links, int count);
static void      check_cfb(const char *what, const char * const *names, const int *types, const uint32_t *links, int count, gw_format_t want);
static bool      check_sniff(const char *what, const void *data, size_t len, gw_format_t want);
static void      compare_with_cups(const char *what, const buf_t *b, const doc_t *doc);
static uint32_t  crc32_of(const void *data, size_t len);
static void      doc_decode(doc_t *doc, const void *data, size_t len, gw_raster_type_t type, const gw_raster_limits_t *limits, size_t chunk);
static void      doc_free(doc_t *doc);
static int       gs_duplex(const char *tmpdir, const char *file, const char *device, const char *options, gw_raster_type_t type);
static const unsigned char *doc_pixel(const doc_t *doc, unsigned page, unsigned x, unsigned y);
static ssize_t   mem_read(void *ctx, void *buffer, size_t bytes);
static void      pwg_build(buf_t *b, uint32_t width, uint32_t height, uint32_t cspace, uint32_t bpc, uint32_t colors, const void *lines, size_t lineslen);
static bool      run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void      seed_save(const char *harness, const char *what, const void *data, size_t len);
static void      test_format_info(void);
static void      test_raster_corrupt(const buf_t *pwg, const buf_t *urf);
static void      test_raster_gs(const char *tmpdir, buf_t *pwg8, buf_t *urf8);
static void      test_raster_synthetic(void);
static void      test_sniff_bytes(void);
static void      test_sniff_ole2(void);
static void      test_sniff_samples(const char *tmpdir);
static void      test_sniff_text(void);
static void      test_sniff_zip(void);
static void      urf_build(buf_t *b, uint32_t pages, unsigned bpp, unsigned cspace, unsigned duplex, uint32_t width, uint32_t height, uint32_t res, const void *lines, size_t lineslen);
static void      zip_add(buf_t *zip, buf_t *central, const char *name, const void *data, size_t len, bool descriptor);
static void      zip_finish(buf_t *zip, buf_t *central, unsigned count);


/*
 * The test page, 100 x 80 points: at 72 dpi, page 1 has a black square at
 * pixels x 10-29, y 10-29 and a red bar at x 60-89, y 60-69; page 2 a 50%
 * grey block at x 0-49, y 40-79; page 3 is blank.
 */

static const char *test_page_ps =
  "%!PS\n"
  "<< /PageSize [100 80] >> setpagedevice\n"
  "0 setgray 10 50 20 20 rectfill\n"
  "1 0 0 setrgbcolor 60 10 30 10 rectfill\n"
  "showpage\n"
  "0.5 setgray 0 0 50 40 rectfill\n"
  "showpage\n"
  "showpage\n";


/*
 * 'main()' - Run the tests.
 */

int
main(void)
{
  char  tmpdir[1024];
  buf_t pwg8 = { 0 }, urf8 = { 0 };

  if (!test_tempdir(tmpdir, sizeof(tmpdir)))
  {
    puts("FAIL unable to make a temporary folder");
    return (1);
  }

  test_format_info();
  test_sniff_bytes();
  test_sniff_text();
  test_sniff_zip();
  test_sniff_ole2();
  test_sniff_samples(tmpdir);
  test_raster_gs(tmpdir, &pwg8, &urf8);
  test_raster_corrupt(&pwg8, &urf8);
  test_raster_synthetic();

  buf_free(&pwg8);
  buf_free(&urf8);
  test_rmtree(tmpdir);

  TEST_EXIT();
}


/*
 * 'test_format_info()' - Names, MIME types and families of every format.
 */

static void
test_format_info(void)
{
  gw_format_t (*sniff)(const void *head, size_t len) = gwFormatSniff;
  int         f, g;
  bool        ok = true;

  TEST_BEGIN("every format has a keyword, a MIME type and a name");
  for (f = 0; f < GW_FORMAT_COUNT; f ++)
  {
    if (!*gwFormatKeyword((gw_format_t)f) || !*gwFormatMimeType((gw_format_t)f) || !*gwFormatName((gw_format_t)f))
    {
      printf("    format %d has an empty string\n", f);
      ok = false;
    }

    for (g = 0; g < f; g ++)
      if (!strcmp(gwFormatKeyword((gw_format_t)f), gwFormatKeyword((gw_format_t)g)))
        ok = false;

    if ((gwFormatFamily((gw_format_t)f) == GW_FORMAT_FAMILY_TEXT) != (gwFormatCharset((gw_format_t)f) != NULL))
      ok = false;
  }
  TEST_CHECK(ok);
  TEST_CHECK(!strcmp(gwFormatKeyword(GW_FORMAT_COUNT), "unknown"));
  TEST_CHECK(!strcmp(gwFormatKeyword((gw_format_t)-1), "unknown"));
  TEST_CHECK(!strcmp(gwFormatMimeType(GW_FORMAT_JPEG), "image/jpeg"));
  TEST_CHECK(!strcmp(gwFormatMimeType(GW_FORMAT_PWG_RASTER), "image/pwg-raster"));
  TEST_CHECK(!strcmp(gwFormatMimeType(GW_FORMAT_URF), "image/urf"));
  TEST_CHECK(!strcmp(gwFormatMimeType(GW_FORMAT_DOCX), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"));
  TEST_CHECK(!strcmp(gwFormatMimeType(GW_FORMAT_TEXT_WINDOWS1252), "text/plain; charset=windows-1252"));
  TEST_CHECK(!strcmp(gwFormatCharset(GW_FORMAT_TEXT_UTF8), "utf-8"));
  TEST_CHECK(!strcmp(gwFormatCharset(GW_FORMAT_TEXT_ASCII), "us-ascii"));
  TEST_CHECK(gwFormatCharset(GW_FORMAT_PDF) == NULL);
  TEST_CHECK(!strcmp(gwFormatName(GW_FORMAT_HEIC), "HEIC photo"));
  TEST_CHECK(gwFormatFamily(GW_FORMAT_HEIC) == GW_FORMAT_FAMILY_IMAGE);
  TEST_CHECK(gwFormatFamily(GW_FORMAT_MS_OLE2) == GW_FORMAT_FAMILY_OFFICE);
  TEST_CHECK(gwFormatFamily(GW_FORMAT_URF) == GW_FORMAT_FAMILY_RASTER);
  TEST_CHECK(gwFormatFamily(GW_FORMAT_EPS) == GW_FORMAT_FAMILY_POSTSCRIPT);
  TEST_CHECK(gwFormatFamily(GW_FORMAT_UNKNOWN) == GW_FORMAT_FAMILY_NONE);

  TEST_BEGIN("the sniffer sees content only (no name parameter)");
  TEST_CHECK(sniff("\xFF\xD8\xFF\xE0", 4) == GW_FORMAT_JPEG);

  TEST_BEGIN("a name that lies is noticed, the content wins");
  TEST_CHECK(gwFormatFilenameLies(GW_FORMAT_JPEG, "report.pdf"));
  TEST_CHECK(gwFormatFilenameLies(GW_FORMAT_DOC, "budget.xls"));
  TEST_CHECK(gwFormatFilenameLies(GW_FORMAT_PDF, "folder.pdf/photo.jpg"));
  TEST_CHECK(gwFormatFilenameLies(GW_FORMAT_TEXT_UTF8, "notes.docx"));
  TEST_CHECK(!gwFormatFilenameLies(GW_FORMAT_JPEG, "PHOTO.JPG"));
  TEST_CHECK(!gwFormatFilenameLies(GW_FORMAT_JPEG, "scan"));
  TEST_CHECK(!gwFormatFilenameLies(GW_FORMAT_TEXT_UTF8, "server.log"));
  TEST_CHECK(!gwFormatFilenameLies(GW_FORMAT_DOCX, "C:\\Users\\ann\\report.docx"));
  TEST_CHECK(!gwFormatFilenameLies(GW_FORMAT_HEIC, "IMG_0001.HEIC"));
  TEST_CHECK(!gwFormatFilenameLies(GW_FORMAT_MS_OLE2, "old.xls"));
  TEST_CHECK(!gwFormatFilenameLies(GW_FORMAT_PDF, ".pdf"));
  TEST_CHECK(!gwFormatFilenameLies(GW_FORMAT_PDF, "trailing."));
  TEST_CHECK(!gwFormatFilenameLies(GW_FORMAT_PDF, NULL));

  TEST_BEGIN("the supported-format list follows the Office setting");
  TEST_CHECK(strstr(gwFormatSupportedList(false), "PDF") && strstr(gwFormatSupportedList(false), "HEIC"));
  TEST_CHECK(strstr(gwFormatSupportedList(false), "plain text") != NULL);
  TEST_CHECK(strstr(gwFormatSupportedList(false), "Word") == NULL);
  TEST_CHECK(strstr(gwFormatSupportedList(true), "Word (doc, docx)") != NULL);
  TEST_CHECK(strstr(gwFormatSupportedList(true), "OpenDocument") != NULL);
}


/*
 * 'test_sniff_bytes()' - Signatures built by hand, and cut heads.
 */

static void
test_sniff_bytes(void)
{
  static const unsigned char gif[] =
  {
    'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF,
    ',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, ';'
  };
  static const unsigned char bmp[] =
  {
    'B', 'M', 0x3A, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0, 40, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 24, 0
  };
  static const unsigned char webp[] =
  {
    'R', 'I', 'F', 'F', 0x1A, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'L', 0x0D, 0, 0, 0, 0x2F, 0, 0, 0, 0x10
  };
  static const unsigned char heic[] =
  {
    0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0, 'm', 'i', 'f', '1', 'h', 'e', 'i', 'c',
    0, 0, 0, 0x20, 'm', 'e', 't', 'a'
  };
  static const unsigned char heif[] =
  {
    0, 0, 0, 0x14, 'f', 't', 'y', 'p', 'm', 'i', 'f', '1', 0, 0, 0, 0, 'm', 'i', 'f', '1'
  };
  static const unsigned char avif[] =
  {
    0, 0, 0, 0x1C, 'f', 't', 'y', 'p', 'a', 'v', 'i', 'f', 0, 0, 0, 0, 'a', 'v', 'i', 'f', 'm', 'i', 'f', '1',
    'm', 'i', 'a', 'f'
  };
  static const unsigned char mp4[] =
  {
    0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'm', 'p', '4', '1'
  };
  static const unsigned char dos_eps[] =
  {
    0xC5, 0xD0, 0xD3, 0xC6, 30, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF,
    '%', '!', 'P', 'S'
  };
  unsigned char big[2048], pwg[64] = "RaS2PwgRaster", cups[64] = "RaS2Plain";

  TEST_BEGIN("signatures at the start");
  check_sniff("JPEG", S("\xFF\xD8\xFF\xE0\0\x10JFIF\0"), GW_FORMAT_JPEG);
  check_sniff("PNG", S("\x89PNG\r\n\x1A\n\0\0\0\rIHDR"), GW_FORMAT_PNG);
  check_sniff("GIF", gif, sizeof(gif), GW_FORMAT_GIF);
  check_sniff("GIF87a", S("GIF87a\1\0\1\0"), GW_FORMAT_GIF);
  check_sniff("TIFF little-endian", S("II*\0\x08\0\0\0"), GW_FORMAT_TIFF);
  check_sniff("TIFF big-endian", S("MM\0*\0\0\0\x08"), GW_FORMAT_TIFF);
  check_sniff("BigTIFF", S("II+\0\x08\0\0\0\x10\0\0\0\0\0\0\0"), GW_FORMAT_TIFF);
  check_sniff("BMP", bmp, sizeof(bmp), GW_FORMAT_BMP);
  check_sniff("WebP", webp, sizeof(webp), GW_FORMAT_WEBP);
  check_sniff("HEIC (iPhone brands)", heic, sizeof(heic), GW_FORMAT_HEIC);
  check_sniff("HEIF (generic brand only)", heif, sizeof(heif), GW_FORMAT_HEIF);
  check_sniff("AVIF is not HEIF", avif, sizeof(avif), GW_FORMAT_UNKNOWN);
  check_sniff("MP4 video", mp4, sizeof(mp4), GW_FORMAT_UNKNOWN);
  check_sniff("PWG raster", pwg, sizeof(pwg), GW_FORMAT_PWG_RASTER);
  check_sniff("CUPS raster that is not PWG", cups, sizeof(cups), GW_FORMAT_UNKNOWN);
  check_sniff("URF", S("UNIRAST\0\0\0\0\1"), GW_FORMAT_URF);
  check_sniff("PDF", S("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"), GW_FORMAT_PDF);
  check_sniff("PostScript", S("%!PS-Adobe-3.0\n%%Pages: 1\n"), GW_FORMAT_POSTSCRIPT);
  check_sniff("PostScript, short magic", S("%!\n/Times-Roman findfont\n"), GW_FORMAT_POSTSCRIPT);
  check_sniff("EPS", S("%!PS-Adobe-3.0 EPSF-3.0\r\n%%BoundingBox: 0 0 10 10\r\n"), GW_FORMAT_EPS);
  check_sniff("EPSF on a later line is PostScript", S("%!PS-Adobe-3.0\n%%Title: EPSF-3.0\n"), GW_FORMAT_POSTSCRIPT);
  check_sniff("DOS EPS binary header", dos_eps, sizeof(dos_eps), GW_FORMAT_EPS);
  check_sniff("RTF", S("{\\rtf1\\ansi\\deff0 {\\fonttbl}"), GW_FORMAT_RTF);

  TEST_BEGIN("PDF behind a prefix, within the first 1024 bytes only");
  memset(big, 'x', sizeof(big));
  memcpy(big + 1000, "%PDF-1.4", 8);
  check_sniff("PDF at 1000", big, sizeof(big), GW_FORMAT_PDF);
  memset(big, 'x', sizeof(big));
  memcpy(big + 1500, "%PDF-1.4", 8);
  check_sniff("PDF at 1500 is text", big, sizeof(big), GW_FORMAT_TEXT_ASCII);

  TEST_BEGIN("a signature that is not confirmed falls through");
  check_sniff("BM without a bitmap header", S("BMW service notes, 2024\n"), GW_FORMAT_TEXT_ASCII);
  check_sniff("BM with a bad info header size", S("BM\x3A\0\0\0\0\0\0\0\x36\0\0\0\x29\0\0\0"), GW_FORMAT_UNKNOWN);
  check_sniff("RIFF that is not WebP", S("RIFF\x24\0\0\0WAVEfmt "), GW_FORMAT_UNKNOWN);
  check_sniff("RaS2 without PwgRaster", S("RaS2 is a sync word\n"), GW_FORMAT_TEXT_ASCII);

  TEST_BEGIN("cut heads: never the format, never a crash");
  check_sniff("JPEG, 2 bytes", S("\xFF\xD8"), GW_FORMAT_UNKNOWN);
  check_sniff("PNG, 5 bytes", S("\x89PNG\r"), GW_FORMAT_UNKNOWN);
  check_sniff("PNG, 1 byte", S("\x89"), GW_FORMAT_UNKNOWN);
  check_sniff("ZIP, 3 bytes", S("PK\3"), GW_FORMAT_UNKNOWN);
  check_sniff("ZIP, a cut local header", S("PK\3\4\x14\0\0\0\x08\0"), GW_FORMAT_UNKNOWN);
  check_sniff("OLE2, 6 bytes", S("\xD0\xCF\x11\xE0\xA1\xB1"), GW_FORMAT_UNKNOWN);
  check_sniff("OLE2 signature only", S("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), GW_FORMAT_MS_OLE2);
  check_sniff("HEIC, ftyp box cut", heic, 14, GW_FORMAT_UNKNOWN);
  check_sniff("HEIC, brands cut after the major one", heic, 16, GW_FORMAT_HEIC);
  check_sniff("BMP, 12 bytes", bmp, 12, GW_FORMAT_UNKNOWN);
  check_sniff("PWG raster, 10 bytes (only text so far)", pwg, 10, GW_FORMAT_TEXT_ASCII);
  check_sniff("empty", S(""), GW_FORMAT_UNKNOWN);
  check_sniff("NULL", NULL, 10, GW_FORMAT_UNKNOWN);
}


/*
 * 'test_sniff_text()' - Plain text and its charset.
 */

static void
test_sniff_text(void)
{
  static const char cp1251[] = "\xcf\xf0\xe8\xe2\xe5\xf2, \xec\xe8\xf0! \xdd\xf2\xee \xf2\xe5\xea\xf1\xf2.\n";
  static const char utf16le[] = "\xFF\xFEH\0e\0l\0l\0o\0 \0\x3D\xD8\x00\xDE\n\0";
  static const char utf16be[] = "\xFE\xFF\0H\0i\0\n";
  char   text[400];
  size_t i;

  TEST_BEGIN("plain text charsets");
  check_sniff("US-ASCII", S("Dear printer,\r\nplease print this.\n\f"), GW_FORMAT_TEXT_ASCII);
  check_sniff("UTF-8", S("Gr\xC3\xBC\xC3\x9F" "e aus \xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\x96\xA8\n"), GW_FORMAT_TEXT_UTF8);
  check_sniff("UTF-8 with a byte order mark", S("\xEF\xBB\xBFplain ASCII after the mark\n"), GW_FORMAT_TEXT_UTF8);
  check_sniff("UTF-8 cut inside a character", S("caf\xC3\xA9 cr\xC3"), GW_FORMAT_TEXT_UTF8);
  check_sniff("UTF-16LE with a byte order mark", utf16le, sizeof(utf16le) - 1, GW_FORMAT_TEXT_UTF16);
  check_sniff("UTF-16BE with a byte order mark", utf16be, sizeof(utf16be) - 1, GW_FORMAT_TEXT_UTF16);
  check_sniff("UTF-16 with a lone surrogate", S("\xFF\xFE\x00\xDCx\0"), GW_FORMAT_UNKNOWN);
  check_sniff("Latin-1", S("Caf\xE9 cr\xE8me br\xFBl\xE9" "e, \xE0 la carte\n"), GW_FORMAT_TEXT_WINDOWS1252);
  check_sniff("Windows-1252 quotes and euro", S("\x93Quoted\x94 costs 5 \x80 \x96 ok\n"), GW_FORMAT_TEXT_WINDOWS1252);
  check_sniff("overlong UTF-8 is not UTF-8", S("abc\xC0\x80 defghijklmnop\n"), GW_FORMAT_TEXT_WINDOWS1252);
  check_sniff("UTF-8 surrogate is not UTF-8", S("abc\xED\xA0\x80 defghijklmnop\n"), GW_FORMAT_TEXT_WINDOWS1252);
  check_sniff("Cyrillic Windows-1251 is not guessed", cp1251, sizeof(cp1251) - 1, GW_FORMAT_UNKNOWN);
  check_sniff("undefined Windows-1252 code", S("abcdefghij\x81klmnopqrstuvwxyz\n"), GW_FORMAT_UNKNOWN);
  check_sniff("a NUL byte", S("text\0with a nul"), GW_FORMAT_UNKNOWN);
  check_sniff("control bytes", S("text\x01\x02\x03 with controls\n"), GW_FORMAT_UNKNOWN);
  check_sniff("DOS end-of-file mark at the end", S("old DOS text\r\n\x1A"), GW_FORMAT_TEXT_ASCII);
  check_sniff("a bad UTF-8 byte order mark", S("\xEF\xBB\xBF\xFF\xFE bad"), GW_FORMAT_UNKNOWN);

  TEST_BEGIN("one stray control in 400 bytes is still text");
  for (i = 0; i < sizeof(text); i ++)
    text[i] = (char)('a' + i % 26);
  text[150] = '\x07';
  check_sniff("400 bytes with a bell", text, sizeof(text), GW_FORMAT_TEXT_ASCII);
  text[151] = '\x07';
  text[152] = '\x07';
  text[153] = '\x07';
  text[154] = '\x07';
  check_sniff("5 controls in 400 bytes", text, sizeof(text), GW_FORMAT_UNKNOWN);
}


/*
 * 'test_sniff_zip()' - OOXML and OpenDocument containers.
 */

static void
test_sniff_zip(void)
{
  static const char ct[] = "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";
  static const char rels[] = "<?xml version=\"1.0\"?><Relationships/>";
  static const struct
  {
    const char  *what;
    const char  *names[4];
    bool        descriptor;
    gw_format_t want;
  } cases[] =
  {
    { "docx", { "[Content_Types].xml", "_rels/.rels", "word/document.xml", NULL }, false, GW_FORMAT_DOCX },
    { "xlsx", { "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", NULL }, false, GW_FORMAT_XLSX },
    { "pptx", { "[Content_Types].xml", "_rels/.rels", "ppt/presentation.xml", NULL }, false, GW_FORMAT_PPTX },
    { "docx with data descriptors", { "_rels/.rels", "word/document.xml", "[Content_Types].xml", NULL }, true, GW_FORMAT_DOCX },
    { "OOXML that is not Office (XPS)", { "[Content_Types].xml", "Documents/1/FixedDoc.fdoc", NULL, NULL }, false, GW_FORMAT_UNKNOWN },
    { "word/ without content types", { "word/document.xml", NULL, NULL, NULL }, false, GW_FORMAT_UNKNOWN },
    { "a plain archive", { "notes.txt", "photo.jpg", NULL, NULL }, false, GW_FORMAT_UNKNOWN },
    { "odt", { "mimetype", "content.xml", NULL, NULL }, false, GW_FORMAT_ODT },
    { "ods", { "mimetype", "content.xml", NULL, NULL }, false, GW_FORMAT_ODS },
    { "odp", { "mimetype", "content.xml", NULL, NULL }, false, GW_FORMAT_ODP },
    { "ODF template", { "mimetype", "content.xml", NULL, NULL }, false, GW_FORMAT_UNKNOWN },
    { "mimetype not first", { "content.xml", "mimetype", NULL, NULL }, false, GW_FORMAT_UNKNOWN }
  };
  static const char * const odf_types[] =
  {
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation", "application/vnd.oasis.opendocument.text-template",
    "application/vnd.oasis.opendocument.text"
  };
  size_t        i, j, odf = 0;
  buf_t         zip, central;
  unsigned char *image;

  TEST_BEGIN("Office containers (ZIP)");
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i ++)
  {
    memset(&zip, 0, sizeof(zip));
    memset(&central, 0, sizeof(central));

    for (j = 0; j < 4 && cases[i].names[j]; j ++)
    {
      const char *name = cases[i].names[j];

      if (!strcmp(name, "mimetype"))
      {
        const char *mime = odf_types[odf ++];

        zip_add(&zip, &central, name, mime, strlen(mime), false);
      }
      else if (!strcmp(name, "[Content_Types].xml"))
        zip_add(&zip, &central, name, ct, sizeof(ct) - 1, cases[i].descriptor);
      else
        zip_add(&zip, &central, name, rels, sizeof(rels) - 1, cases[i].descriptor);
    }

    zip_finish(&zip, &central, (unsigned)j);
    check_sniff(cases[i].what, zip.data, zip.len, cases[i].want);
    buf_free(&zip);
    buf_free(&central);
  }

 /*
  * A docx whose [Content_Types].xml comes after a 100 KB picture: the
  * 64 KB head cannot tell, the whole file can.  With 16 bytes of junk
  * between two entries (the local headers cannot be walked), only the
  * central directory at the end tells.
  */

  image = calloc(1, 100000);
  for (j = 0; j < 2; j ++)
  {
    TEST_BEGIN(j ? "a docx with a gap between entries (central directory)" : "a docx whose content types come late");
    memset(&zip, 0, sizeof(zip));
    memset(&central, 0, sizeof(central));
    zip_add(&zip, &central, "word/document.xml", rels, sizeof(rels) - 1, false);
    if (j)
      test_buf_add(&zip, "junk between two", 16);
    zip_add(&zip, &central, "word/media/image1.png", image, 100000, false);
    zip_add(&zip, &central, "[Content_Types].xml", ct, sizeof(ct) - 1, false);
    zip_finish(&zip, &central, 3);
    check_sniff("the first 64 KB", zip.data, GW_FORMAT_SNIFF_BYTES, GW_FORMAT_UNKNOWN);
    check_sniff("the whole file", zip.data, zip.len, GW_FORMAT_DOCX);
    check_sniff("the whole file, end record cut", zip.data, zip.len - 1, j ? GW_FORMAT_UNKNOWN : GW_FORMAT_DOCX);
    buf_free(&zip);
    buf_free(&central);
  }
  free(image);

  TEST_BEGIN("a small docx with a gap between entries");
  memset(&zip, 0, sizeof(zip));
  memset(&central, 0, sizeof(central));
  zip_add(&zip, &central, "word/document.xml", rels, sizeof(rels) - 1, false);
  test_buf_add(&zip, "junk between two", 16);
  zip_add(&zip, &central, "[Content_Types].xml", ct, sizeof(ct) - 1, false);
  zip_finish(&zip, &central, 2);
  check_sniff("docx read through its central directory", zip.data, zip.len, GW_FORMAT_DOCX);
  buf_free(&zip);
  buf_free(&central);
}


/*
 * 'test_sniff_ole2()' - Word, Excel and PowerPoint 97-2003 (OLE2).
 */

static void
test_sniff_ole2(void)
{
  /* links: left, right, child per entry (0xFFFFFFFF = none) */
#define N 0xFFFFFFFFU
  static const char * const doc_names[] = { "Root Entry", "WordDocument", "1Table", "\x05SummaryInformation" };
  static const int doc_types[] = { 5, 2, 2, 2 };
  static const uint32_t doc_links[] = { N, N, 1, N, 2, N, N, 3, N, N, N, N };
  static const char * const xls_names[] = { "Root Entry", "Workbook", "ObjectPool", "WordDocument" };
  static const int xls_types[] = { 5, 2, 1, 2 };
  static const uint32_t xls_links[] = { N, N, 1, N, 2, N, N, N, 3, N, N, N };
  static const char * const ppt_names[] = { "Root Entry", "Current User", "Pictures", "x", "y", "z", "PowerPoint Document" };
  static const int ppt_types[] = { 5, 2, 2, 2, 2, 2, 2 };
  static const uint32_t ppt_links[] = { N, N, 1, N, 2, N, N, 6, N, N, N, N, N, N, N, N, N, N, N, N, N };
  static const char * const msg_names[] = { "Root Entry", "__properties_version1.0", "__substg1.0_0037001F" };
  static const int msg_types[] = { 5, 2, 2 };
  static const uint32_t msg_links[] = { N, N, 1, N, 2, N, N, N, N };
  static const char * const loop_names[] = { "Root Entry", "Loop" };
  static const int loop_types[] = { 5, 2 };
  static const uint32_t loop_links[] = { N, N, 1, 1, 1, N };
#undef N
  buf_t b;

  TEST_BEGIN("Office 97-2003 (OLE2 directory)");
  memset(&b, 0, sizeof(b));
  cfb_build(&b, doc_names, doc_types, doc_links, 4);
  check_sniff("doc", b.data, b.len, GW_FORMAT_DOC);
  check_sniff("doc, header and FAT only", b.data, 1024, GW_FORMAT_MS_OLE2);
  check_sniff("doc, 511 bytes", b.data, 511, GW_FORMAT_MS_OLE2);
  b.data[0x1E] = 10;                    /* A sector size no version has */
  check_sniff("bad sector shift", b.data, b.len, GW_FORMAT_UNKNOWN);
  buf_free(&b);

  check_cfb("xls with a Word object inside", xls_names, xls_types, xls_links, 4, GW_FORMAT_XLS);

  cfb_build(&b, ppt_names, ppt_types, ppt_links, 7);
  check_sniff("ppt (entry in the second directory sector)", b.data, b.len, GW_FORMAT_PPT);
  check_sniff("ppt, second directory sector cut", b.data, 512 * 3, GW_FORMAT_MS_OLE2);
  buf_free(&b);

  check_cfb("Outlook message", msg_names, msg_types, msg_links, 3, GW_FORMAT_UNKNOWN);
  check_cfb("a sibling loop ends", loop_names, loop_types, loop_links, 2, GW_FORMAT_MS_OLE2);
}


/*
 * 'test_sniff_samples()' - Files written by Ghostscript.
 */

static void
test_sniff_samples(const char *tmpdir)
{
  static const struct
  {
    const char  *file;
    const char  *device;
    const char  *options;
    gw_format_t want;
  } samples[] =
  {
    { "page.pdf", "pdfwrite", "", GW_FORMAT_PDF },
    { "page-ps2write.ps", "ps2write", "", GW_FORMAT_POSTSCRIPT },
    { "page.eps", "eps2write", "-dLastPage=1", GW_FORMAT_EPS },
    { "page.jpg", "jpeg", "-r72", GW_FORMAT_JPEG },
    { "page.png", "png16m", "-r72", GW_FORMAT_PNG },
    { "page.tif", "tiff24nc", "-r72", GW_FORMAT_TIFF },
    { "pages-g4.tif", "tiffg4", "-r72", GW_FORMAT_TIFF },
    { "page.bmp", "bmp16m", "-r72", GW_FORMAT_BMP },
    { "page.pwg", "pwgraster", "-r72 -dcupsColorSpace=19 -dcupsBitsPerColor=8", GW_FORMAT_PWG_RASTER },
    { "page.urf", "urf", "-r72 -dcupsColorSpace=18 -dcupsBitsPerColor=8", GW_FORMAT_URF }
  };
  char   ps[1100], path[1100];
  buf_t  b, prefixed;
  size_t i;
  FILE   *fp;

  TEST_BEGIN("files written by Ghostscript");
  snprintf(ps, sizeof(ps), "%s/page.ps", tmpdir);
  if ((fp = fopen(ps, "w")) != NULL)
  {
    fputs(test_page_ps, fp);
    fclose(fp);
  }

  TEST_CHECK(test_load_file(ps, &b) && gwFormatSniff(b.data, b.len) == GW_FORMAT_POSTSCRIPT);
  buf_free(&b);

  for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i ++)
  {
    snprintf(path, sizeof(path), "%s/%s", tmpdir, samples[i].file);
    if (!run("gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=%s %s -sOutputFile='%s' '%s' >/dev/null 2>&1",
             samples[i].device, samples[i].options, path, ps) || !test_load_file(path, &b))
    {
      TEST_CHECKF(false, "gs -sDEVICE=%s made no file", samples[i].device);
      continue;
    }

    check_sniff(samples[i].file, b.data, b.len < GW_FORMAT_SNIFF_BYTES ? b.len : GW_FORMAT_SNIFF_BYTES, samples[i].want);

   /*
    * The JPEG, saved under a name that says PDF: the sniffer only sees
    * the bytes, and the name is told to lie.
    */

    if (samples[i].want == GW_FORMAT_JPEG)
    {
      buf_t named;

      snprintf(path, sizeof(path), "%s/photo-really.pdf", tmpdir);
      TEST_CHECK(run("cp '%s/%s' '%s'", tmpdir, samples[i].file, path) && test_load_file(path, &named));
      check_sniff("a JPEG named .pdf", named.data, named.len, GW_FORMAT_JPEG);
      TEST_CHECK(gwFormatFilenameLies(gwFormatSniff(named.data, named.len), "photo-really.pdf"));
      buf_free(&named);
    }

   /*
    * The PDF behind a mail-style prefix.
    */

    if (samples[i].want == GW_FORMAT_PDF)
    {
      memset(&prefixed, 0, sizeof(prefixed));
      test_buf_add(&prefixed, "Content-Type: application/pdf\r\n\r\n", 34);
      test_buf_add(&prefixed, b.data, b.len);
      check_sniff("PDF behind 34 bytes", prefixed.data, prefixed.len, GW_FORMAT_PDF);
      buf_free(&prefixed);
    }

    buf_free(&b);
  }
}


/*
 * 'test_raster_gs()' - PWG raster and URF from Ghostscript: pages, headers,
 *                      known pixels, libcups agreement, reading in small
 *                      pieces, limits.
 */

static void
test_raster_gs(const char *tmpdir,     /* I - Folder for the files */
               buf_t      *pwg8,       /* O - PWG sGray 8-bit document */
               buf_t      *urf8)       /* O - URF sGray 8-bit document */
{
  static const struct
  {
    const char       *file;
    const char       *device;
    int              cspace, bits;
    gw_raster_cspace_t want_cspace;
    unsigned         want_bpp;
  } docs[] =
  {
    { "g8.pwg", "pwgraster", 18, 8, GW_RASTER_CSPACE_SGRAY, 8 },
    { "rgb8.pwg", "pwgraster", 19, 8, GW_RASTER_CSPACE_SRGB, 24 },
    { "rgb16.pwg", "pwgraster", 19, 16, GW_RASTER_CSPACE_SRGB, 48 },
    { "cmyk8.pwg", "pwgraster", 6, 8, GW_RASTER_CSPACE_CMYK, 32 },
    { "k1.pwg", "pwgraster", 3, 1, GW_RASTER_CSPACE_BLACK, 1 },
    { "g8.urf", "urf", 18, 8, GW_RASTER_CSPACE_SGRAY, 8 },
    { "rgb8.urf", "urf", 19, 8, GW_RASTER_CSPACE_SRGB, 24 },
    { "rgb16.urf", "urf", 19, 16, GW_RASTER_CSPACE_SRGB, 48 }
  };
  char     ps[1100], path[1100], what[200];
  buf_t    b;
  doc_t    doc, small;
  size_t   i;
  unsigned x, y, black, minx, miny, maxx, maxy;
  gw_raster_limits_t limits;

  snprintf(ps, sizeof(ps), "%s/page.ps", tmpdir);

  for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i ++)
  {
    snprintf(what, sizeof(what), "%s (gs -sDEVICE=%s -dcupsColorSpace=%d -dcupsBitsPerColor=%d)",
             docs[i].file, docs[i].device, docs[i].cspace, docs[i].bits);
    TEST_BEGIN(what);

    snprintf(path, sizeof(path), "%s/%s", tmpdir, docs[i].file);
    if (!run("gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=%s -dcupsColorSpace=%d -dcupsBitsPerColor=%d -r72 -sOutputFile='%s' '%s' >/dev/null 2>&1",
             docs[i].device, docs[i].cspace, docs[i].bits, path, ps) || !test_load_file(path, &b))
    {
      TEST_CHECKF(false, "gs made no %s", docs[i].file);
      continue;
    }

    seed_save("fuzz-raster", docs[i].file, b.data, b.len);
    doc_decode(&doc, b.data, b.len, GW_RASTER_TYPE_AUTO, NULL, 0);
    TEST_CHECKF(doc.status == GW_RASTER_END, "%s: %s", gwRasterStatusString(doc.status), doc.reason);
    TEST_CHECK(doc.pages == 3);
    TEST_CHECK(doc.header[0].width == 100 && doc.header[0].height == 80);
    TEST_CHECK(doc.header[0].xres == 72 && doc.header[0].yres == 72);
    TEST_CHECK(doc.header[0].color_space == docs[i].want_cspace);
    TEST_CHECK(doc.header[0].bits_per_pixel == docs[i].want_bpp);
    TEST_CHECK(doc.header[0].duplex == GW_RASTER_SIMPLEX);

   /*
    * The black square, exactly where the PostScript put it (continuous
    * tone pages; the 1-bit one is halftoned, but black stays black).
    */

    black = 0;
    minx  = miny = 1000;
    maxx  = maxy = 0;
    for (y = 0; doc.pages >= 1 && y < 80; y ++)
      for (x = 0; x < 100; x ++)
      {
        const unsigned char *px = doc_pixel(&doc, 0, x, y);
        bool                is_black;

        if (docs[i].want_bpp == 1)
          is_black = (px[0] & (0x80 >> (x & 7))) != 0;
        else if (docs[i].want_cspace == GW_RASTER_CSPACE_CMYK)
          is_black = px[3] == 0xFF || (px[0] == 0xFF && px[1] == 0xFF && px[2] == 0xFF);
        else
        {
          unsigned c, bytes = docs[i].want_bpp / 8;

          for (c = 0, is_black = true; c < bytes; c ++)
            if (px[c] != 0)
              is_black = false;
        }

        if (is_black)
        {
          black ++;
          if (x < minx) minx = x;
          if (y < miny) miny = y;
          if (x > maxx) maxx = x;
          if (y > maxy) maxy = y;
        }
      }
    if (docs[i].want_bpp == 1)
    {
     /*
      * Halftoned: the red bar is a dot pattern, but the square is solid
      * and nothing is above it.
      */

      for (y = 10, black = 0; y < 30; y ++)
        for (x = 10; x < 30; x ++)
          if (doc_pixel(&doc, 0, x, y)[0] & (0x80 >> (x & 7)))
            black ++;
      TEST_CHECKF(black == 400 && miny == 10 && minx == 10, "%u black pixels in the square, the first at x %u, y %u", black, minx, miny);
    }
    else
      TEST_CHECKF(black == 400 && minx == 10 && miny == 10 && maxx == 29 && maxy == 29,
                  "%u black pixels in x %u-%u, y %u-%u", black, minx, maxx, miny, maxy);

    if (docs[i].want_bpp == 24)
    {
      TEST_CHECK(!memcmp(doc_pixel(&doc, 0, 75, 65), "\xFF\0\0", 3));        /* Red bar */
      TEST_CHECK(!memcmp(doc_pixel(&doc, 0, 5, 5), "\xFF\xFF\xFF", 3));      /* White */
      TEST_CHECK(doc.pages >= 2 && doc_pixel(&doc, 1, 25, 60)[0] >= 0x7C && doc_pixel(&doc, 1, 25, 60)[0] <= 0x82);
    }
    else if (docs[i].want_bpp == 8)
    {
      TEST_CHECK(doc_pixel(&doc, 0, 5, 5)[0] == 0xFF);
      TEST_CHECK(doc_pixel(&doc, 0, 75, 65)[0] > 0x40 && doc_pixel(&doc, 0, 75, 65)[0] < 0xA0);   /* Red in grey */
      TEST_CHECK(doc.pages >= 2 && doc_pixel(&doc, 1, 25, 60)[0] >= 0x7C && doc_pixel(&doc, 1, 25, 60)[0] <= 0x82);
      TEST_CHECK(doc.pages >= 3 && doc_pixel(&doc, 2, 50, 40)[0] == 0xFF);   /* Blank page */
    }

    compare_with_cups(docs[i].file, &b, &doc);

   /*
    * Read in 1-byte and 7-byte pieces: the same pixels.
    */

    doc_decode(&small, b.data, b.len, GW_RASTER_TYPE_AUTO, NULL, 1);
    TEST_CHECK(small.status == GW_RASTER_END && small.pages == 3 &&
               !memcmp(small.image[0], doc.image[0], doc.header[0].bytes_per_line * 80));
    doc_free(&small);
    doc_decode(&small, b.data, b.len, GW_RASTER_TYPE_AUTO, NULL, 7);
    TEST_CHECK(small.status == GW_RASTER_END && small.pages == 3 &&
               !memcmp(small.image[1], doc.image[1], doc.header[1].bytes_per_line * 80));
    doc_free(&small);

    if (!strcmp(docs[i].file, "g8.pwg"))
      *pwg8 = b;
    else if (!strcmp(docs[i].file, "g8.urf"))
      *urf8 = b;
    else
      buf_free(&b);

    doc_free(&doc);
  }

  if (!pwg8->data || !urf8->data)
    return;

  TEST_BEGIN("duplex from the page header");
  TEST_CHECK(gs_duplex(tmpdir, "duplex.pwg", "pwgraster", "-dDuplex -dTumble", GW_RASTER_TYPE_PWG) == GW_RASTER_DUPLEX_SHORT_EDGE);
  TEST_CHECK(gs_duplex(tmpdir, "duplex.urf", "urf", "-dDuplex", GW_RASTER_TYPE_URF) == GW_RASTER_DUPLEX_LONG_EDGE);

  TEST_BEGIN("limits");
  {
    static const struct
    {
      const char         *what;
      gw_raster_limits_t limits;
      const char         *reason;
    } cases[] =
    {
      { "2 pages at most", { 0, 0, 0, 2 }, "more than 2 pages" },
      { "99 pixels wide at most", { 99, 0, 0, 0 }, "100 pixels wide" },
      { "79 lines at most", { 0, 79, 0, 0 }, "80 pixels high" },
      { "7999 pixels at most", { 0, 0, 7999, 0 }, "8000 pixels (100 x 80)" }
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i ++)
    {
      doc_decode(&doc, pwg8->data, pwg8->len, GW_RASTER_TYPE_PWG, &cases[i].limits, 0);
      TEST_CHECKF(doc.status == GW_RASTER_ERROR_LIMIT && strstr(doc.reason, cases[i].reason),
                  "%s: %s: %s", cases[i].what, gwRasterStatusString(doc.status), doc.reason);
      doc_free(&doc);
    }

    memset(&limits, 0, sizeof(limits));
    limits.max_pages = 3;
    limits.max_pixels = 8000;
    doc_decode(&doc, urf8->data, urf8->len, GW_RASTER_TYPE_URF, &limits, 0);
    TEST_CHECK(doc.status == GW_RASTER_END && doc.pages == 3);        /* Exactly at the limits */
    doc_free(&doc);
  }
}


/*
 * 'test_raster_corrupt()' - Hand-corrupted copies of the gs documents.
 */

static void
test_raster_corrupt(const buf_t *pwg,  /* I - PWG sGray 8-bit, 3 pages */
                    const buf_t *urf)  /* I - URF sGray 8-bit, 3 pages */
{
#define PWGH(field) (4 + (field))      /* Header field offset in the file (page 1) */
#define B4(v) "\0\0\0" v, 4
  static const corrupt_t cases[] =
  {
    { "PWG: the intact copy", 0, -1, NULL, 0, -1, GW_RASTER_TYPE_PWG, GW_RASTER_END, "" },
    { "PWG: bad sync word", 0, 0, "RaS3", 4, -1, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_FORMAT, "not PWG raster" },
    { "PWG: opened as URF", 0, -1, NULL, 0, -1, GW_RASTER_TYPE_URF, GW_RASTER_ERROR_FORMAT, "not Apple raster" },
    { "PWG: not PwgRaster", 0, PWGH(0), "PwgRastex", 9, -1, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_FORMAT, "not a PWG raster header" },
    { "PWG: 12 bits per pixel", 0, PWGH(388), B4("\x0c"), -1, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_HEADER, "12 bits per pixel" },
    { "PWG: 3 bits per colour", 0, PWGH(384), B4("\x03"), -1, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_HEADER, "3 bits per colour" },
    { "PWG: colour space 7", 0, PWGH(400), B4("\x07"), -1, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_HEADER, "colour space 7" },
    { "PWG: 3 colorants in sGray", 0, PWGH(420), B4("\x03"), -1, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_HEADER, "3 colorants" },
    { "PWG: banded colour order", 0, PWGH(396), B4("\x01"), -1, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_HEADER, "colour order 1" },
    { "PWG: bytes per line off by one", 0, PWGH(392), B4("\x65"), -1, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_HEADER, "101 bytes per line" },
    { "PWG: zero resolution", 0, PWGH(280), B4("\0"), -1, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_HEADER, "resolution is zero" },
    { "PWG: zero height", 0, PWGH(376), B4("\0"), -1, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_HEADER, "no pixels" },
    { "PWG: 70000 pixels wide", 0, PWGH(372), "\0\x01\x11\x70", 4, -1, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_HEADER, "bytes per line do not match" },
    { "PWG: a run of 101 pixels", 0, 1801, "\x64", 1, -1, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_DATA, "page 1, line 1: a run of 101 pixels overflows the line (100 left)" },
    { "PWG: 256 repeats of an 80-line page", 0, 1800, "\xff", 1, -1, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_DATA, "repeated 256 times, past the end of the page (80 lines)" },
    { "PWG: cut inside the sync word", 0, -1, NULL, 0, 3, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_TRUNCATED, "sync word" },
    { "PWG: cut inside the first header", 0, -1, NULL, 0, 1000, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_TRUNCATED, "inside the header of page 1" },
    { "PWG: cut inside page 1", 0, -1, NULL, 0, 1805, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_TRUNCATED, "of page 1 (of 80 lines)" },
    { "PWG: the last byte missing", 0, -1, NULL, 0, -2, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_TRUNCATED, "of page 3" },
    { "PWG: empty", 0, -1, NULL, 0, 0, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_TRUNCATED, "empty" },
    { "URF: the intact copy", 1, -1, NULL, 0, -1, GW_RASTER_TYPE_URF, GW_RASTER_END, "" },
    { "URF: bad file header", 1, 4, "ASX", 3, -1, GW_RASTER_TYPE_URF, GW_RASTER_ERROR_FORMAT, "UNIRAST" },
    { "URF: opened as PWG", 1, -1, NULL, 0, -1, GW_RASTER_TYPE_PWG, GW_RASTER_ERROR_FORMAT, "not PWG raster" },
    { "URF: 4 pages announced, 3 there", 1, 8, B4("\x04"), -1, GW_RASTER_TYPE_URF, GW_RASTER_ERROR_TRUNCATED, "after page 3 of the 4" },
    { "URF: 2 pages announced, 3 there", 1, 8, B4("\x02"), -1, GW_RASTER_TYPE_URF, GW_RASTER_ERROR_DATA, "the 2 pages" },
    { "URF: 3 pages announced, 3 there", 1, 8, B4("\x03"), -1, GW_RASTER_TYPE_URF, GW_RASTER_END, "" },
    { "URF: a million pages announced", 1, 8, "\0\x0f\x42\x40", 4, -1, GW_RASTER_TYPE_URF, GW_RASTER_ERROR_LIMIT, "1000000 pages" },
    { "URF: 12 bits per pixel", 1, 12, "\x0c", 1, -1, GW_RASTER_TYPE_URF, GW_RASTER_ERROR_HEADER, "12 bits per pixel" },
    { "URF: colour space 9", 1, 13, "\x09", 1, -1, GW_RASTER_TYPE_URF, GW_RASTER_ERROR_HEADER, "colour space 9" },
    { "URF: CIE Lab", 1, 12, "\x18\x02", 2, -1, GW_RASTER_TYPE_URF, GW_RASTER_ERROR_HEADER, "CIE Lab is not supported" },
    { "URF: duplex 7", 1, 14, "\x07", 1, -1, GW_RASTER_TYPE_URF, GW_RASTER_ERROR_HEADER, "duplex mode 7" },
    { "URF: zero resolution", 1, 32, B4("\0"), -1, GW_RASTER_TYPE_URF, GW_RASTER_ERROR_HEADER, "resolution is zero" },
    { "URF: a run of 101 pixels", 1, 45, "\x64", 1, -1, GW_RASTER_TYPE_URF, GW_RASTER_ERROR_DATA, "a run of 101 pixels" },
    { "URF: cut inside the file header", 1, -1, NULL, 0, 10, GW_RASTER_TYPE_URF, GW_RASTER_ERROR_TRUNCATED, "file header" },
    { "URF: cut inside the last page's header", 1, -1, NULL, 0, -30, GW_RASTER_TYPE_AUTO, GW_RASTER_ERROR_TRUNCATED, "inside the header of page 3" },
    { "URF: garbage after the last page", 1, -1, "\x08\0\1", 3, -1, GW_RASTER_TYPE_URF, GW_RASTER_ERROR_TRUNCATED, "inside the header of page 4" }
  };
#undef B4
#undef PWGH
  size_t i, len;
  buf_t  b;
  doc_t  doc;

  TEST_BEGIN("corrupted raster documents are refused with a reason");
  TEST_CHECKF(pwg->len > 1802 && pwg->data[1800] == 0x09 && pwg->data[1801] == 0x63,
              "gs wrote page 1 as 10 white lines (09 63 ff)");
  TEST_CHECKF(urf->len > 46 && urf->data[44] == 0x09 && urf->data[45] == 0x63,
              "gs wrote page 1 as 10 white lines (09 63 ff)");

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i ++)
  {
    const buf_t *base = cases[i].base ? urf : pwg;

    memset(&b, 0, sizeof(b));
    test_buf_add(&b, base->data, base->len);

    if (cases[i].offset >= 0 && cases[i].bytes)
      memcpy(b.data + cases[i].offset, cases[i].bytes, cases[i].nbytes);
    else if (cases[i].bytes)
      test_buf_add(&b, cases[i].bytes, cases[i].nbytes);     /* Appended */

    len = b.len;
    if (cases[i].cut >= 0)
      len = (size_t)cases[i].cut;
    else if (cases[i].cut < -1)
      len = b.len - (size_t)(-cases[i].cut - 1);

    seed_save("fuzz-raster", cases[i].what, b.data, len);
    doc_decode(&doc, b.data, len, cases[i].type, NULL, 0);
    TEST_CHECKF(doc.status == cases[i].want && strstr(doc.reason, cases[i].reason),
                "%s: got %s \"%s\", want %s \"%s\"", cases[i].what, gwRasterStatusString(doc.status), doc.reason,
                gwRasterStatusString(cases[i].want), cases[i].reason);
    doc_free(&doc);
    buf_free(&b);
  }

  TEST_BEGIN("a read error is reported as such");
  {
    mem_t              m = { { (const unsigned char *)pwg->data, 2000, 0, 0 }, true };
    gw_raster_t        *r = gwRasterOpen(GW_RASTER_TYPE_PWG, mem_read, &m, NULL);
    gw_raster_page_t   page;
    unsigned char      line[100];
    gw_raster_status_t status = GW_RASTER_OK;

    TEST_CHECK(gwRasterNextPage(r, &page) == GW_RASTER_OK);               /* Page 1 is within the 2000 bytes */
    while (status == GW_RASTER_OK)
      status = gwRasterReadLine(r, line, sizeof(line));
    TEST_CHECK(status == GW_RASTER_END);
    TEST_CHECK(gwRasterNextPage(r, &page) == GW_RASTER_ERROR_IO && strstr(gwRasterGetReason(r), "could not be read"));
    TEST_CHECK(gwRasterNextPage(r, &page) == GW_RASTER_ERROR_IO);          /* Sticky */
    TEST_CHECK(gwRasterReadLine(r, line, sizeof(line)) == GW_RASTER_ERROR_IO);
    gwRasterClose(&r);
    TEST_CHECK(r == NULL);
    gwRasterClose(&r);
    gwRasterClose(NULL);
  }

  TEST_BEGIN("usage errors change nothing");
  {
    mem_t            m = { { (const unsigned char *)pwg->data, pwg->len, 0, 0 }, false };
    gw_raster_t      *r = gwRasterOpen(GW_RASTER_TYPE_AUTO, mem_read, &m, NULL);
    gw_raster_page_t page;
    unsigned char    line[100];
    unsigned         y, pages = 0;

    TEST_CHECK(gwRasterOpen(GW_RASTER_TYPE_PWG, NULL, NULL, NULL) == NULL);
    TEST_CHECK(gwRasterOpen((gw_raster_type_t)9, mem_read, &m, NULL) == NULL);
    TEST_CHECK(gwRasterGetType(r) == GW_RASTER_TYPE_AUTO);
    TEST_CHECK(gwRasterReadLine(r, line, sizeof(line)) == GW_RASTER_ERROR_USAGE);     /* No page yet */
    TEST_CHECK(gwRasterNextPage(r, &page) == GW_RASTER_OK && gwRasterGetType(r) == GW_RASTER_TYPE_PWG);
    TEST_CHECK(gwRasterReadLine(r, line, 99) == GW_RASTER_ERROR_USAGE);               /* Too small */
    TEST_CHECK(gwRasterReadLine(r, NULL, 100) == GW_RASTER_ERROR_USAGE);
    for (y = 0; y < 80; y ++)
      if (gwRasterReadLine(r, line, sizeof(line)) != GW_RASTER_OK)
        break;
    TEST_CHECK(y == 80);
    TEST_CHECK(gwRasterReadLine(r, line, sizeof(line)) == GW_RASTER_END);
    pages = 1;
    while (gwRasterNextPage(r, &page) == GW_RASTER_OK)
      pages ++;                                                                    /* Lines skipped */
    TEST_CHECK(pages == 3 && !*gwRasterGetReason(r));
    TEST_CHECK(gwRasterNextPage(r, &page) == GW_RASTER_END);
    TEST_CHECK(gwRasterNextPage(NULL, &page) == GW_RASTER_ERROR_USAGE);
    TEST_CHECK(!strcmp(gwRasterStatusString(GW_RASTER_ERROR_DATA), "bad-data"));
    gwRasterClose(&r);
  }
}


/*
 * 'test_raster_synthetic()' - Documents encoded here, line by line.
 */

static void
test_raster_synthetic(void)
{
  static const struct
  {
    const char         *what;
    uint32_t           cspace, bpc, colors, width, height;
    const char         *lines;
    size_t             len;
    gw_raster_status_t want;
    const char         *reason;
    const char         *pixels;         /* Expected image (width x height x bytes), for OK documents */
  } cases[] =
  {
    { "repeat, run and literal", 18, 8, 1, 4, 2, "\x01\x01\x10\xFF\x20\x30", 6, GW_RASTER_END, "", "\x10\x10\x20\x30\x10\x10\x20\x30" },
    { "fill with white (sGray)", 18, 8, 1, 4, 1, "\x00\x00\x00\x80", 4, GW_RASTER_END, "", "\0\xFF\xFF\xFF" },
    { "fill with white (black colour space)", 3, 8, 1, 4, 1, "\x00\x00\x7F\x80", 4, GW_RASTER_END, "", "\x7F\0\0\0" },
    { "fill with white (16-bit sRGB)", 19, 16, 3, 2, 1, "\x00\x00\x01\x02\x03\x04\x05\x06\x80", 9, GW_RASTER_END, "",
      "\x01\x02\x03\x04\x05\x06\xFF\xFF\xFF\xFF\xFF\xFF" },
    { "1-bit: runs count bytes", 3, 1, 1, 12, 1, "\x00\x01\xAA", 3, GW_RASTER_END, "", "\xAA\xAA" },
    { "DeviceN with 5 colorants", 52, 8, 5, 1, 1, "\x00\x00\x01\x02\x03\x04\x05", 7, GW_RASTER_END, "", "\x01\x02\x03\x04\x05" },
    { "a run past the line", 18, 8, 1, 4, 2, "\x01\x04\x10", 3, GW_RASTER_ERROR_DATA, "a run of 5 pixels overflows the line (4 left)", NULL },
    { "literals past the line", 18, 8, 1, 4, 1, "\x00\x01\x10\xFE\x01\x02\x03", 7, GW_RASTER_ERROR_DATA, "3 literal pixels overflow the line (2 left)", NULL },
    { "a repeat past the page", 18, 8, 1, 4, 2, "\x02\x03\x10", 3, GW_RASTER_ERROR_DATA, "repeated 3 times, past the end of the page (2 lines)", NULL },
    { "a second line repeated past the page", 18, 8, 1, 4, 2, "\x00\x03\x10\x01\x03\x10", 6, GW_RASTER_ERROR_DATA, "page 1, line 2: the line is repeated 2 times", NULL },
    { "data ends in a literal run", 18, 8, 1, 4, 1, "\x00\xFD\x01", 3, GW_RASTER_ERROR_TRUNCATED, "line 1 of page 1", NULL },
    { "width x 64 bits wraps 32 bits", 6, 16, 4, 0x20000001, 1, "", 0, GW_RASTER_ERROR_HEADER, "bytes per line do not match", NULL },
    { "2 bits with 3 colorants", 19, 2, 3, 4, 1, "", 0, GW_RASTER_ERROR_HEADER, "needs a one-colorant colour space", NULL },
    { "DeviceN with the wrong colorants", 52, 8, 4, 1, 1, "", 0, GW_RASTER_ERROR_HEADER, "4 colorants do not fit colour space 52", NULL },
    { "over 100 megapixels", 18, 8, 1, 20000, 5001, "", 0, GW_RASTER_ERROR_LIMIT, "100020000 pixels", NULL },
    { "over the width limit", 18, 8, 1, 65537, 1, "", 0, GW_RASTER_ERROR_LIMIT, "65537 pixels wide", NULL }
  };
  size_t i;
  buf_t  b;
  doc_t  doc;

  TEST_BEGIN("PWG documents encoded by hand");
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i ++)
  {
    memset(&b, 0, sizeof(b));
    pwg_build(&b, cases[i].width, cases[i].height, cases[i].cspace, cases[i].bpc, cases[i].colors, cases[i].lines, cases[i].len);

    if (cases[i].cspace == 6 && cases[i].width == 0x20000001)
    {
     /*
      * Bytes per line as a 32-bit multiplication would wrap it: 8.
      */

      memcpy(b.data + 4 + 392, "\0\0\0\x08", 4);
    }

    seed_save("fuzz-raster", cases[i].what, b.data, b.len);
    doc_decode(&doc, b.data, b.len, GW_RASTER_TYPE_PWG, NULL, 0);
    TEST_CHECKF(doc.status == cases[i].want && strstr(doc.reason, cases[i].reason),
                "%s: got %s \"%s\"", cases[i].what, gwRasterStatusString(doc.status), doc.reason);
    if (cases[i].pixels && doc.pages == 1)
      TEST_CHECKF(!memcmp(doc.image[0], cases[i].pixels, doc.header[0].bytes_per_line * cases[i].height),
                  "%s: pixels", cases[i].what);
    doc_free(&doc);
    buf_free(&b);
  }

  TEST_BEGIN("URF documents encoded by hand");
  memset(&b, 0, sizeof(b));
  urf_build(&b, 2, 24, 1, 1, 2, 1, 300, "\x00\x01\x11\x22\x33", 5);
  urf_build(&b, 0, 32, 6, 3, 2, 1, 600, "\x00\x00\x01\x02\x03\x04\x80", 7);
  seed_save("fuzz-raster", "urf two pages by hand", b.data, b.len);
  doc_decode(&doc, b.data, b.len, GW_RASTER_TYPE_AUTO, NULL, 0);
  TEST_CHECKF(doc.status == GW_RASTER_END && doc.pages == 2, "%s: %s", gwRasterStatusString(doc.status), doc.reason);
  TEST_CHECK(doc.pages >= 1 && !memcmp(doc.image[0], "\x11\x22\x33\x11\x22\x33", 6));
  TEST_CHECK(doc.pages >= 2 && !memcmp(doc.image[1], "\x01\x02\x03\x04\0\0\0\0", 8));    /* CMYK white is 0 */
  TEST_CHECK(doc.pages >= 2 && doc.header[1].xres == 600 && doc.header[1].yres == 600 && doc.header[1].white_is_zero);
  TEST_CHECK(doc.pages >= 2 && doc.header[1].duplex == GW_RASTER_DUPLEX_LONG_EDGE && doc.header[0].total_pages == 2);
  doc_free(&doc);
  buf_free(&b);
}



/*
 * 'buf_be32()', 'buf_le16()', 'buf_le32()' - Append integers.
 */

static void
buf_be32(buf_t *b, uint32_t v)
{
  unsigned char p[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v };

  test_buf_add(b, p, 4);
}

static void
buf_le16(buf_t *b, unsigned v)
{
  unsigned char p[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

  test_buf_add(b, p, 2);
}

static void
buf_le32(buf_t *b, uint32_t v)
{
  unsigned char p[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

  test_buf_add(b, p, 4);
}


/*
 * 'buf_free()' - Free a buffer's bytes.
 */

static void
buf_free(buf_t *b)
{
  free(b->data);
  memset(b, 0, sizeof(*b));
}


/*
 * 'cfb_build()' - Write an OLE2 compound file ([MS-CFB] version 3, 512-byte
 *                 sectors): the header, one FAT sector (sector 0), the
 *                 directory (sectors 1..n, four entries each, chained in
 *                 the FAT).  "links" holds left, right and child per entry.
 */

static void
cfb_build(buf_t *b, const char * const *names, const int *types, const uint32_t *links, int count)
{
  int      sectors = (count + 3) / 4, i, e, c;
  uint32_t fat[128];

  memset(b, 0, sizeof(*b));

 /*
  * Header.
  */

  test_buf_add(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
  test_buf_add(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);    /* CLSID */
  buf_le16(b, 0x3E);                                      /* Minor version */
  buf_le16(b, 3);                                         /* Major version */
  buf_le16(b, 0xFFFE);                                    /* Byte order */
  buf_le16(b, 9);                                         /* Sector shift */
  buf_le16(b, 6);                                         /* Mini sector shift */
  test_buf_add(b, "\0\0\0\0\0\0", 6);
  buf_le32(b, 0);                                         /* Directory sectors (v3: 0) */
  buf_le32(b, 1);                                         /* FAT sectors */
  buf_le32(b, 1);                                         /* First directory sector */
  buf_le32(b, 0);                                         /* Transaction signature */
  buf_le32(b, 4096);                                      /* Mini stream cutoff */
  buf_le32(b, 0xFFFFFFFE);                                /* First mini FAT sector */
  buf_le32(b, 0);
  buf_le32(b, 0xFFFFFFFE);                                /* First DIFAT sector */
  buf_le32(b, 0);
  buf_le32(b, 0);                                         /* DIFAT[0]: the FAT is sector 0 */
  for (i = 1; i < 109; i ++)
    buf_le32(b, 0xFFFFFFFF);

 /*
  * The FAT: sector 0 is the FAT, 1..n the directory chain.
  */

  for (i = 0; i < 128; i ++)
    fat[i] = 0xFFFFFFFF;
  fat[0] = 0xFFFFFFFD;
  for (i = 1; i <= sectors; i ++)
    fat[i] = i < sectors ? (uint32_t)i + 1 : 0xFFFFFFFE;
  for (i = 0; i < 128; i ++)
    buf_le32(b, fat[i]);

 /*
  * Directory entries, padded with empty ones.
  */

  for (e = 0; e < sectors * 4; e ++)
  {
    unsigned char entry[128];

    memset(entry, 0, sizeof(entry));
    if (e < count)
    {
      size_t len = strlen(names[e]);

      for (c = 0; c < (int)len && c < 31; c ++)
        entry[2 * c] = (unsigned char)names[e][c];
      entry[0x40] = (unsigned char)(2 * (c + 1));
      entry[0x42] = (unsigned char)types[e];
      entry[0x43] = 1;
      memcpy(entry + 0x44, links + 3 * e, 4);
      memcpy(entry + 0x48, links + 3 * e + 1, 4);
      memcpy(entry + 0x4C, links + 3 * e + 2, 4);
    }
    else
    {
      memset(entry + 0x44, 0xFF, 12);
    }

    test_buf_add(b, entry, sizeof(entry));
  }
}


/*
 * 'check_cfb()' - Build a compound file of count entries and sniff it.
 */

static void
check_cfb(const char *what, const char * const *names, const int *types, const uint32_t *links, int count, gw_format_t want)
{
  buf_t b;

  memset(&b, 0, sizeof(b));
  cfb_build(&b, names, types, links, count);
  check_sniff(what, b.data, b.len, want);
  buf_free(&b);
}


/*
 * 'check_sniff()' - Sniff and compare, printing what was found on failure.
 */

static bool
check_sniff(const char *what, const void *data, size_t len, gw_format_t want)
{
  gw_format_t got = gwFormatSniff(data, len);

  seed_save("fuzz-sniff", what, data, len < 4096 ? len : 4096);
  TEST_CHECKF(got == want, "%s: got %s, want %s", what, gwFormatKeyword(got), gwFormatKeyword(want));

  return (got == want);
}


/*
 * 'cups_read()' - libcups raster callback over a mem_t.
 */

static ssize_t
cups_read(void *ctx, unsigned char *buffer, size_t bytes)
{
  return (mem_read(ctx, buffer, bytes));
}


/*
 * 'compare_with_cups()' - Decode with libcups' reader and compare the
 *                         headers and every line.
 */

static void
compare_with_cups(const char *what, const buf_t *b, const doc_t *doc)
{
  mem_t               m = { { (const unsigned char *)b->data, b->len, 0, 0 }, false };
  cups_raster_t       *ras = cupsRasterOpenIO(cups_read, &m, CUPS_RASTER_READ);
  cups_page_header2_t h;
  unsigned            page = 0, y;
  unsigned char       *line = NULL;
  bool                same = true;

  while (ras && page < DOC_MAX_PAGES && cupsRasterReadHeader2(ras, &h))
  {
    if (page >= doc->pages || h.cupsWidth != doc->header[page].width || h.cupsHeight != doc->header[page].height ||
        h.cupsBytesPerLine != doc->header[page].bytes_per_line || h.cupsBitsPerPixel != doc->header[page].bits_per_pixel ||
        h.HWResolution[0] != doc->header[page].xres)
    {
      same = false;
      break;
    }

    line = realloc(line, h.cupsBytesPerLine);
    for (y = 0; y < h.cupsHeight; y ++)
    {
      if (cupsRasterReadPixels(ras, line, h.cupsBytesPerLine) != h.cupsBytesPerLine)
      {
        same = false;
        break;
      }

      if (h.cupsBitsPerColor == 16)
      {
        size_t        k;
        unsigned char t;

        for (k = 0; k + 1 < h.cupsBytesPerLine; k += 2)
        {
          t = line[k];                  /* libcups gives host byte order, we keep the file's (big-endian) */
          line[k] = line[k + 1];
          line[k + 1] = t;
        }
      }

      if (memcmp(line, doc->image[page] + (size_t)y * h.cupsBytesPerLine, h.cupsBytesPerLine))
      {
        same = false;
        break;
      }
    }

    page ++;
  }

  TEST_CHECKF(ras && same && page == doc->pages, "%s: libcups reads %u pages, the same pixels: %s", what, page, same ? "yes" : "no");
  free(line);
  if (ras)
    cupsRasterClose(ras);
}


/*
 * 'crc32_of()' - CRC-32 (ZIP) of some bytes.
 */

static uint32_t
crc32_of(const void *data, size_t len)
{
  const unsigned char *p = data;
  uint32_t            crc = 0xFFFFFFFF;
  int                 k;

  while (len --)
  {
    crc ^= *p++;
    for (k = 0; k < 8; k ++)
      crc = (crc >> 1) ^ (0xEDB88320U & (0U - (crc & 1)));
  }

  return (~crc);
}


/*
 * 'doc_decode()' - Decode a whole document from memory, keeping the
 *                  headers and pixels of the first pages.
 */

static void
doc_decode(doc_t *doc, const void *data, size_t len, gw_raster_type_t type, const gw_raster_limits_t *limits, size_t chunk)
{
  mem_t            m = { { data, len, 0, chunk }, false };
  gw_raster_t      *r;
  gw_raster_page_t page;
  unsigned         y;
  unsigned char    *line, scratch[1];

  memset(doc, 0, sizeof(*doc));

  if ((r = gwRasterOpen(type, mem_read, &m, limits)) == NULL)
  {
    doc->status = GW_RASTER_ERROR_MEMORY;
    return;
  }

  while ((doc->status = gwRasterNextPage(r, &page)) == GW_RASTER_OK)
  {
    if (doc->pages < DOC_MAX_PAGES)
    {
      doc->header[doc->pages] = page;
      doc->image[doc->pages]  = calloc(page.height, page.bytes_per_line);

      for (y = 0, line = doc->image[doc->pages]; y < page.height; y ++, line += page.bytes_per_line)
        if ((doc->status = gwRasterReadLine(r, line, page.bytes_per_line)) != GW_RASTER_OK)
          break;
    }

    doc->pages ++;
    if (doc->status != GW_RASTER_OK)
      break;
  }

  if (doc->status == GW_RASTER_END && doc->pages > 0 && gwRasterReadLine(r, scratch, sizeof(scratch)) != GW_RASTER_ERROR_USAGE)
    doc->status = GW_RASTER_ERROR_USAGE;  /* A line after the end? Would be a bug */

  snprintf(doc->reason, sizeof(doc->reason), "%s", gwRasterGetReason(r));
  gwRasterClose(&r);
}


/*
 * 'doc_free()' - Free a decoded document's pixels.
 */

static void
doc_free(doc_t *doc)
{
  unsigned i;

  for (i = 0; i < DOC_MAX_PAGES; i ++)
    free(doc->image[i]);

  memset(doc, 0, sizeof(*doc));
}


/*
 * 'doc_pixel()' - Address of a pixel of a decoded page (8 bits or more per pixel),
 *                 or of its byte (fewer).
 */

static const unsigned char *
doc_pixel(const doc_t *doc, unsigned page, unsigned x, unsigned y)
{
  const gw_raster_page_t *h = doc->header + page;
  size_t                 off = h->bits_per_pixel >= 8 ? (size_t)x * (h->bits_per_pixel / 8) : x / 8;

  return (doc->image[page] + (size_t)y * h->bytes_per_line + off);
}



/*
 * 'mem_read()' - Raster read callback over memory.
 */

static ssize_t
mem_read(void *ctx, void *buffer, size_t bytes)
{
  mem_t *m = ctx;

  if (m->src.pos == m->src.len && m->fail)
    return (-1);

  return (gwMemSrcRead(&m->src, buffer, bytes));
}


/*
 * 'pwg_build()' - Write a one-page PWG raster document.
 */

static void
pwg_build(buf_t *b, uint32_t width, uint32_t height, uint32_t cspace, uint32_t bpc, uint32_t colors, const void *lines, size_t lineslen)
{
  unsigned char h[1796];

#define PUT(off, v) do { uint32_t v_ = (v); h[off] = (unsigned char)(v_ >> 24); h[(off) + 1] = (unsigned char)(v_ >> 16); \
                         h[(off) + 2] = (unsigned char)(v_ >> 8); h[(off) + 3] = (unsigned char)v_; } while (0)

  memset(h, 0, sizeof(h));
  memcpy(h, "PwgRaster", 9);
  PUT(276, 300);
  PUT(280, 300);
  PUT(372, width);
  PUT(376, height);
  PUT(384, bpc);
  PUT(388, bpc * colors);
  PUT(392, (uint32_t)(((uint64_t)width * bpc * colors + 7) / 8));
  PUT(400, cspace);
  PUT(420, colors);
  memcpy(h + 1732, "iso_a4_210x297mm", 16);
#undef PUT

  test_buf_add(b, "RaS2", 4);
  test_buf_add(b, h, sizeof(h));
  test_buf_add(b, lines, lineslen);
}


/*
 * 'seed_save()' - With GW_FORMATS_SEEDS=DIR, write an input into
 *                 DIR/<harness>/<number>-<what>.
 */

static void
seed_save(const char *harness, const char *what, const void *data, size_t len)
{
  static unsigned sniff_count = 0, raster_count = 0;
  const char      *dir = getenv("GW_FORMATS_SEEDS");
  char            name[64], path[1024];
  size_t          i, j = 0;
  FILE            *fp;

  if (!dir || !*dir || !data || len == 0 || len > 20000)
    return;

  for (i = 0; what[i] && j + 1 < sizeof(name); i ++)
  {
    char c = what[i];

    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
      name[j ++] = c;
    else if (c >= 'A' && c <= 'Z')
      name[j ++] = (char)(c - 'A' + 'a');
    else if (j > 0 && name[j - 1] != '-')
      name[j ++] = '-';
  }
  while (j > 0 && name[j - 1] == '-')
    j --;
  name[j] = '\0';

  snprintf(path, sizeof(path), "%s/%s", dir, harness);
  if (!run("mkdir -p '%s'", path))
    return;

  snprintf(path, sizeof(path), "%s/%s/%03u-%s", dir, harness,
           strcmp(harness, "fuzz-sniff") ? ++ raster_count : ++ sniff_count, name);
  if ((fp = fopen(path, "wb")) != NULL)
  {
    if (fwrite(data, 1, len, fp) != len)
      printf("    could not write %s\n", path);
    fclose(fp);
  }
}


/*
 * 'gs_duplex()' - Render the test page (tmpdir/page.ps) with Ghostscript's
 *                 device and duplex options into tmpdir/file and decode it:
 *                 the duplex mode of its first page header, -1 (after a
 *                 FAIL line when gs made no file) otherwise.
 */

static int
gs_duplex(const char       *tmpdir,    /* I - Folder with page.ps */
          const char       *file,      /* I - File to make there */
          const char       *device,    /* I - Ghostscript device */
          const char       *options,   /* I - Duplex options */
          gw_raster_type_t type)       /* I - What to decode it as */
{
  char  ps[1100], path[1100];
  buf_t b;
  doc_t doc;
  int   duplex = -1;

  snprintf(ps, sizeof(ps), "%s/page.ps", tmpdir);
  snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
  if (!run("gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=%s -dcupsColorSpace=18 -dcupsBitsPerColor=8 -r72 %s -sOutputFile='%s' '%s' >/dev/null 2>&1",
           device, options, path, ps) || !test_load_file(path, &b))
  {
    TEST_CHECKF(false, "gs made no %s", file);
    return (-1);
  }

  doc_decode(&doc, b.data, b.len, type, NULL, 0);
  if (doc.status == GW_RASTER_END)
    duplex = (int)doc.header[0].duplex;
  doc_free(&doc);
  buf_free(&b);

  return (duplex);
}


/*
 * 'run()' - Run a shell command.
 */

static bool
run(const char *fmt, ...)
{
  char    cmd[4096];
  va_list ap;
  int     status;

  va_start(ap, fmt);
  vsnprintf(cmd, sizeof(cmd), fmt, ap);
  va_end(ap);

  if ((status = system(cmd)) != 0)
    printf("    command failed (%d): %s\n", status, cmd);

  return (status == 0);
}


/*
 * 'urf_build()' - Append a URF page (and the file header first, when the
 *                 buffer is empty).
 */

static void
urf_build(buf_t *b, uint32_t pages, unsigned bpp, unsigned cspace, unsigned duplex, uint32_t width, uint32_t height, uint32_t res, const void *lines, size_t lineslen)
{
  unsigned char h[32];

  if (b->len == 0)
  {
    test_buf_add(b, "UNIRAST\0", 8);
    buf_be32(b, pages);
  }

  memset(h, 0, sizeof(h));
  h[0] = (unsigned char)bpp;
  h[1] = (unsigned char)cspace;
  h[2] = (unsigned char)duplex;
  h[3] = 4;
  test_buf_add(b, h, 12);
  buf_be32(b, width);
  buf_be32(b, height);
  buf_be32(b, res);
  test_buf_add(b, h + 24, 8);
  test_buf_add(b, lines, lineslen);
}


/*
 * 'zip_add()' - Append a stored entry (and its central directory record).
 */

static void
zip_add(buf_t *zip, buf_t *central, const char *name, const void *data, size_t len, bool descriptor)
{
  uint32_t crc = crc32_of(data, len), offset = (uint32_t)zip->len;
  size_t   namelen = strlen(name);

  test_buf_add(zip, "PK\3\4", 4);
  buf_le16(zip, 20);                                      /* Version needed */
  buf_le16(zip, descriptor ? 8 : 0);                      /* Flags */
  buf_le16(zip, 0);                                       /* Stored */
  buf_le32(zip, 0);                                       /* Time and date */
  buf_le32(zip, descriptor ? 0 : crc);
  buf_le32(zip, descriptor ? 0 : (uint32_t)len);
  buf_le32(zip, descriptor ? 0 : (uint32_t)len);
  buf_le16(zip, (unsigned)namelen);
  buf_le16(zip, 0);                                       /* Extra field */
  test_buf_add(zip, name, namelen);
  test_buf_add(zip, data, len);
  if (descriptor)
  {
    test_buf_add(zip, "PK\7\x08", 4);
    buf_le32(zip, crc);
    buf_le32(zip, (uint32_t)len);
    buf_le32(zip, (uint32_t)len);
  }

  test_buf_add(central, "PK\1\2", 4);
  buf_le16(central, 20);                                  /* Version made by */
  buf_le16(central, 20);
  buf_le16(central, descriptor ? 8 : 0);
  buf_le16(central, 0);
  buf_le32(central, 0);
  buf_le32(central, crc);
  buf_le32(central, (uint32_t)len);
  buf_le32(central, (uint32_t)len);
  buf_le16(central, (unsigned)namelen);
  buf_le16(central, 0);                                   /* Extra */
  buf_le16(central, 0);                                   /* Comment */
  buf_le16(central, 0);                                   /* Disk */
  buf_le16(central, 0);                                   /* Internal attributes */
  buf_le32(central, 0);                                   /* External attributes */
  buf_le32(central, offset);
  test_buf_add(central, name, namelen);
}


/*
 * 'zip_finish()' - Append the central directory and its end record.
 */

static void
zip_finish(buf_t *zip, buf_t *central, unsigned count)
{
  uint32_t offset = (uint32_t)zip->len;

  test_buf_add(zip, central->data, central->len);
  test_buf_add(zip, "PK\5\6", 4);
  buf_le16(zip, 0);
  buf_le16(zip, 0);
  buf_le16(zip, count);
  buf_le16(zip, count);
  buf_le32(zip, (uint32_t)central->len);
  buf_le32(zip, offset);
  buf_le16(zip, 0);                                       /* Comment length */
}
