/*
 * fuzz-sniff.c - libFuzzer harness for the format sniffer
 *                (converters/formats/sniff*.c).
 *
 * The input is the head of a submitted document, exactly as the converter
 * passes it: the sniffer decides which conversion runs, so it meets every
 * byte a phone, a mail or a browser sends.  Besides "no crash, no
 * out-of-bounds read, no hang", the harness checks the promises of sniff.h
 * that the rest of the gateway relies on:
 *
 * - the answer is a valid format with a keyword, MIME type and name, and
 *   it does not change when asked twice;
 * - a format found by a signature really has it: PWG raster starts with
 *   "RaS2PwgRaster\0", URF with "UNIRAST\0", PDF has "%PDF-" in its first
 *   1024 bytes, and so on;
 * - text is text: no NUL byte (outside UTF-16), US-ASCII has no byte
 *   above 0x7F;
 * - shorter heads (the input cut at a few lengths) are sniffed too, so
 *   cut signatures and containers are exercised from every seed;
 * - the file name check (gwFormatFilenameLies(), which meets names from
 *   mail and IPP) takes the input's first line as a name, and a name
 *   without a dot never lies.
 */

#include "printgate-formats/sniff.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * 'fail()' - Report a broken promise and abort (libFuzzer saves the input).
 */

static void
fail(const char *what, gw_format_t format, size_t size)
{
  fprintf(stderr, "fuzz-sniff: %s (format %d \"%s\", %zu bytes)\n", what, (int)format, gwFormatKeyword(format), size);
  abort();
}


/*
 * 'starts()' - Tell whether data starts with a signature.
 */

static bool
starts(const uint8_t *data, size_t size, const char *magic, size_t len)
{
  return (size >= len && !memcmp(data, magic, len));
}


/*
 * 'check_one()' - Sniff one head and check what the answer promises.
 */

static void
check_one(const uint8_t *data, size_t size)
{
  gw_format_t format = gwFormatSniff(data, size);
  size_t      i;

  if ((int)format < 0 || format >= GW_FORMAT_COUNT)
    fail("format out of range", format, size);

  if (gwFormatSniff(data, size) != format)
    fail("a second sniff gave another answer", format, size);

  if (!*gwFormatKeyword(format) || !*gwFormatMimeType(format) || !*gwFormatName(format))
    fail("a format without a keyword, MIME type or name", format, size);

  if (size == 0 && format != GW_FORMAT_UNKNOWN)
    fail("an empty head has a format", format, size);

  switch (format)
  {
    case GW_FORMAT_PWG_RASTER :
        if (!starts(data, size, "RaS2PwgRaster", 14))
          fail("PWG raster without its sync word and header id", format, size);
        break;

    case GW_FORMAT_URF :
        if (!starts(data, size, "UNIRAST", 8))
          fail("URF without UNIRAST", format, size);
        break;

    case GW_FORMAT_PDF :
        if (!memmem(data, size < 1024 ? size : 1024, "%PDF-", 5))
          fail("PDF without %PDF- in the first 1024 bytes", format, size);
        break;

    case GW_FORMAT_JPEG :
        if (!starts(data, size, "\xFF\xD8\xFF", 3))
          fail("JPEG without its signature", format, size);
        break;

    case GW_FORMAT_PNG :
        if (!starts(data, size, "\x89PNG\r\n\x1A\n", 8))
          fail("PNG without its signature", format, size);
        break;

    case GW_FORMAT_DOCX :
    case GW_FORMAT_XLSX :
    case GW_FORMAT_PPTX :
    case GW_FORMAT_ODT :
    case GW_FORMAT_ODS :
    case GW_FORMAT_ODP :
    case GW_FORMAT_ODG :
        if (!starts(data, size, "PK\3\4", 4))
          fail("an Office container that is not a ZIP", format, size);
        break;

    case GW_FORMAT_XPS :
        if (!starts(data, size, "PK\3\4", 4))
          fail("an XPS package that is not a ZIP", format, size);
        break;

    case GW_FORMAT_CSV :
        if (memchr(data, 0, size) || !memchr(data, '\n', size))
          fail("CSV with a NUL or without a line", format, size);
        break;

    case GW_FORMAT_HTML :
        if (!memmem(data, size, "<", 1))
          fail("HTML without a tag", format, size);
        break;

    case GW_FORMAT_SVG :
        if (!memmem(data, size, "<svg", 4))
          fail("an SVG without <svg", format, size);
        break;

    case GW_FORMAT_DOC :
    case GW_FORMAT_XLS :
    case GW_FORMAT_PPT :
    case GW_FORMAT_MS_OLE2 :
        if (!starts(data, size, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
          fail("an OLE2 format without the OLE2 signature", format, size);
        break;

    case GW_FORMAT_TEXT_ASCII :
        for (i = 0; i < size; i ++)
          if (data[i] == 0 || data[i] >= 0x80)
            fail("US-ASCII text with a NUL or a byte above 0x7F", format, size);
        break;

    case GW_FORMAT_TEXT_UTF8 :
    case GW_FORMAT_TEXT_WINDOWS1252 :
        if (memchr(data, 0, size))
          fail("8-bit text with a NUL", format, size);
        break;

    default :
        break;
  }

  if (gwFormatFamily(format) == GW_FORMAT_FAMILY_TEXT && !gwFormatCharset(format))
    fail("text without a charset", format, size);
}


/*
 * 'check_name()' - Check the file name test with the input's first line
 *                  as a name.
 */

static void
check_name(gw_format_t format, const uint8_t *data, size_t size)
{
  char   *name;
  size_t len;

  for (len = 0; len < size && len < 255 && data[len] != '\n' && data[len] != 0; len ++);

  if ((name = malloc(len + 1)) == NULL)
    return;

  memcpy(name, data, len);
  name[len] = '\0';

  if (gwFormatFilenameLies(format, name) && !strchr(name, '.'))
    fail("a name without an extension lies", format, len);

  free(name);
}


/*
 * 'LLVMFuzzerTestOneInput()' - Sniff the input and a few of its prefixes.
 */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  uint8_t *copy;
  size_t  cut;

  check_one(data, size);
  check_name(gwFormatSniff(data, size), data, size);

 /*
  * Cut heads, each in a buffer of its own size so a read past the head
  * is a read past the allocation.
  */

  for (cut = size / 2; cut > 0 && cut < size; cut = size - (size - cut) / 2)
  {
    if ((copy = malloc(cut)) == NULL)
      return (0);

    memcpy(copy, data, cut);
    check_one(copy, cut);
    free(copy);

    if (size - cut <= 1)
      break;
  }

  return (0);
}
