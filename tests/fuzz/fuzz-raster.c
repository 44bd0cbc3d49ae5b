/*
 * fuzz-raster.c - libFuzzer harness for the PWG raster and URF decoders
 *                 (converters/formats/raster*.c).
 *
 * The input is a whole raster document, as a phone sends it over IPP.  It
 * is decoded page by page, line by line, four times: as PWG raster and
 * as URF, each read in one piece; with the format found from the sync
 * word (GW_RASTER_TYPE_AUTO), read in 7-byte pieces so every field and run
 * straddles the read buffer's refills; and by its sync word again, reading
 * only the first half of each page's lines and leaving the rest to
 * gwRasterNextPage().  Limits are small (1024 x 1024
 * pixels, 256 K pixels, 4 pages) so one input costs at most a few
 * megabytes of decoding.  Every line goes into a buffer of exactly
 * bytes_per_line bytes, so a write past it is an ASan report.
 *
 * Promises checked besides "no crash, no leak, no hang":
 * - a page header that is accepted is within the limits and consistent
 *   (bits per pixel = bits per colour x colorants, bytes per line =
 *   width x bits per pixel rounded up to bytes, a resolution);
 * - a document ends with END or an error that has a reason, and the
 *   error is sticky;
 * - the AUTO decode, read in small pieces, gives exactly the same outcome
 *   (status, reason, pages, a hash of every pixel) as the decode of the
 *   format the sync word names, read in one piece;
 * - lines that are not read are still decoded and checked: skipping them
 *   gives the same status, reason and pages.
 */

#include "printgate-formats/raster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * Limits.
 */

static const gw_raster_limits_t fuzz_limits = { 1024, 1024, 262144, 4 };


/*
 * An input read through the raster callback.
 */

typedef gw_mem_src_t input_t;        /* The input, read in chunks of at most .chunk bytes */


/*
 * What one decode gave.
 */

typedef struct outcome_s
{
  gw_raster_status_t status;
  char               reason[200];
  unsigned           pages;
  uint64_t           hash;             /* FNV-1a of every header field used and every pixel */
} outcome_t;


/*
 * 'fail()' - Report a broken promise and abort (libFuzzer saves the input).
 */

static void
fail(const char *what, const char *detail)
{
  fprintf(stderr, "fuzz-raster: %s (%s)\n", what, detail);
  abort();
}


/*
 * 'hash_add()' - Add bytes to an FNV-1a hash.
 */

static uint64_t
hash_add(uint64_t hash, const void *data, size_t len)
{
  const unsigned char *p = data;

  while (len --)
  {
    hash ^= *p++;
    hash *= 0x100000001B3ULL;
  }

  return (hash);
}


/*
 * 'check_page()' - Check an accepted page header.
 */

static void
check_page(const gw_raster_page_t *page, unsigned number)
{
  uint64_t bpl = ((uint64_t)page->width * page->bits_per_pixel + 7) / 8;

  if (page->number != number)
    fail("page numbers out of order", "number");
  if (page->width == 0 || page->height == 0 || page->width > fuzz_limits.max_width ||
      page->height > fuzz_limits.max_height || (uint64_t)page->width * page->height > fuzz_limits.max_pixels)
    fail("a page over the limits was accepted", "size");
  if (page->bits_per_pixel != page->bits_per_color * page->num_colors || page->num_colors == 0 || page->num_colors > 15)
    fail("bits per pixel do not match the colorants", "bits");
  if (page->bits_per_color != 1 && page->bits_per_color != 2 && page->bits_per_color != 4 &&
      page->bits_per_color != 8 && page->bits_per_color != 16)
    fail("unsupported bits per colour accepted", "bits");
  if (page->bytes_per_line != bpl)
    fail("bytes per line do not match the width", "bytes_per_line");
  if (page->xres == 0 || page->yres == 0)
    fail("a zero resolution was accepted", "resolution");
  if (memchr(page->media, 0, sizeof(page->media)) == NULL)
    fail("the media name is not terminated", "media");
}


/*
 * 'decode()' - Decode the whole input once.
 */

static void
decode(const uint8_t *data, size_t size, gw_raster_type_t type, size_t chunk, bool skip, outcome_t *out)
{
  input_t          in = { data, size, 0, chunk };
  gw_raster_t      *r;
  gw_raster_page_t page;
  unsigned char    *line;
  uint32_t         y;

  memset(out, 0, sizeof(*out));
  out->hash = 0xCBF29CE484222325ULL;

  if ((r = gwRasterOpen(type, gwMemSrcRead, &in, &fuzz_limits)) == NULL)
    fail("gwRasterOpen failed", "memory");

  while ((out->status = gwRasterNextPage(r, &page)) == GW_RASTER_OK)
  {
    out->pages ++;
    if (out->pages > fuzz_limits.max_pages)
      fail("more pages than the limit", "pages");

    check_page(&page, out->pages);
    out->hash = hash_add(out->hash, &page.width, sizeof(page.width));
    out->hash = hash_add(out->hash, &page.height, sizeof(page.height));
    out->hash = hash_add(out->hash, &page.bits_per_pixel, sizeof(page.bits_per_pixel));
    out->hash = hash_add(out->hash, &page.color_space, sizeof(page.color_space));

    if ((line = malloc(page.bytes_per_line)) == NULL)
      fail("no memory for a line", "memory");

    for (y = 0; y < (skip ? page.height / 2 : page.height); y ++)
    {
      if ((out->status = gwRasterReadLine(r, line, page.bytes_per_line)) != GW_RASTER_OK)
        break;

      out->hash = hash_add(out->hash, line, page.bytes_per_line);
    }

    if (out->status == GW_RASTER_OK && !skip && gwRasterReadLine(r, line, page.bytes_per_line) != GW_RASTER_END)
      fail("a line after the last line of the page", "lines");

    free(line);

    if (out->status != GW_RASTER_OK)
      break;
  }

  if (out->status == GW_RASTER_OK || out->status == GW_RASTER_ERROR_USAGE)
    fail("the decode ended with a status that is not an outcome", gwRasterStatusString(out->status));

  if (out->status != GW_RASTER_END)
  {
    if (!*gwRasterGetReason(r))
      fail("an error without a reason", gwRasterStatusString(out->status));
    if (gwRasterNextPage(r, &page) != out->status)
      fail("the error is not sticky", gwRasterGetReason(r));
  }

  snprintf(out->reason, sizeof(out->reason), "%s", gwRasterGetReason(r));
  gwRasterClose(&r);
}


/*
 * 'LLVMFuzzerTestOneInput()' - Decode the input as PWG, as URF, and by its
 *                              sync word in small pieces.
 */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  outcome_t pwg, urf, autodetect, skipped;
  const outcome_t *same;

  decode(data, size, GW_RASTER_TYPE_PWG, 0, false, &pwg);
  decode(data, size, GW_RASTER_TYPE_URF, 0, false, &urf);
  decode(data, size, GW_RASTER_TYPE_AUTO, 7, false, &autodetect);
  decode(data, size, GW_RASTER_TYPE_AUTO, 0, true, &skipped);

  if (skipped.status != autodetect.status || skipped.pages != autodetect.pages || strcmp(skipped.reason, autodetect.reason))
  {
    fprintf(stderr, "fuzz-raster: all lines: %s \"%s\" %u pages; half the lines: %s \"%s\" %u pages\n",
            gwRasterStatusString(autodetect.status), autodetect.reason, autodetect.pages,
            gwRasterStatusString(skipped.status), skipped.reason, skipped.pages);
    fail("skipping lines changed the outcome", "skip");
  }

  if (size >= 4 && !memcmp(data, "RaS2", 4))
    same = &pwg;
  else if (size >= 4 && !memcmp(data, "UNIR", 4))
    same = &urf;
  else
    same = NULL;

  if (same && (same->status != autodetect.status || same->pages != autodetect.pages ||
               same->hash != autodetect.hash || strcmp(same->reason, autodetect.reason)))
  {
    fprintf(stderr, "fuzz-raster: one piece: %s \"%s\" %u pages; 7-byte pieces: %s \"%s\" %u pages\n",
            gwRasterStatusString(same->status), same->reason, same->pages,
            gwRasterStatusString(autodetect.status), autodetect.reason, autodetect.pages);
    fail("reading in small pieces changed the outcome", "auto");
  }

  if (!same && autodetect.status != GW_RASTER_ERROR_FORMAT && autodetect.status != GW_RASTER_ERROR_TRUNCATED)
    fail("a document with neither sync word was not refused as such", gwRasterStatusString(autodetect.status));

  return (0);
}
