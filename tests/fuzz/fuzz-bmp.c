/*
 * fuzz-bmp.c - libFuzzer harness for the BMP decoder of printgate-convert
 *              (converters/convert-bmp.c).
 *
 * The input is a whole BMP file, as a user uploads it.  Its headers are
 * read; when they are accepted and the picture is at most 1024 x 1024
 * pixels (the helper's limit is checked by its caller, so this keeps one
 * input to a few megabytes), the pixels are decoded into a buffer of
 * exactly width x height pixels, so a write past it is an ASan report.
 *
 * Promises checked besides "no crash, no leak, no hang":
 * - accepted headers are consistent: a size, a known depth and
 *   compression, a row size that holds a row, pixel data that starts
 *   inside the file, a palette of at most 256 entries for 1-8 bits, and
 *   for uncompressed data every row inside the file;
 * - a failure always comes with a sentence;
 * - every decoded pixel is opaque (0xff alpha: transparency is composed
 *   onto white), and decoding twice gives the same pixels.
 */

#include "convert-bmp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * 'check()' - Abort with a message when a promise is broken.
 */

static void
check(int ok, const char *what)
{
  if (!ok)
  {
    fprintf(stderr, "fuzz-bmp: broken promise: %s\n", what);
    abort();
  }
}


/*
 * 'LLVMFuzzerTestOneInput()' - One input.
 */

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t len)
{
  gw_bmp_info_t info;
  const char   *why = NULL;
  uint32_t     *pixels, *again;
  size_t        count;
  bool          ok;

  if (!_gwConvBmpInfo(data, len, &info, &why))
  {
    check(why != NULL && why[0] != '\0', "a refused header has a reason");
    return (0);
  }

  check(info.width > 0 && info.height > 0, "a size");
  check(info.bpp == 1 || info.bpp == 4 || info.bpp == 8 || info.bpp == 16 || info.bpp == 24 || info.bpp == 32, "a known depth");
  check(info.compression <= 3, "a known compression");
  check(info.row_bytes * 8 >= (uint64_t)info.width * info.bpp && info.row_bytes % 4 == 0, "a row size that holds a row");
  check(info.data_offset < len, "pixel data inside the file");
  check(info.bpp > 8 || (info.palette_size > 0 && info.palette_size <= 256), "a palette for 1-8 bits");
  check(info.compression == 1 || info.compression == 2 ||
        (uint64_t)info.data_offset + (uint64_t)info.row_bytes * info.height <= len, "uncompressed rows inside the file");

  if ((uint64_t)info.width * info.height > 1024 * 1024)
    return (0);

  count  = (size_t)info.width * info.height;
  pixels = malloc(count * sizeof(uint32_t));
  again  = malloc(count * sizeof(uint32_t));
  if (!pixels || !again)
  {
    free(pixels);
    free(again);
    return (0);
  }

  memset(pixels, 0xff, count * sizeof(uint32_t));
  memset(again, 0xff, count * sizeof(uint32_t));

  ok = _gwConvBmpDecode(data, len, &info, pixels, info.width, &why);
  check(ok || (why != NULL && why[0] != '\0'), "a failed decode has a reason");

  if (ok)
  {
    for (size_t i = 0; i < count; i ++)
      check((pixels[i] >> 24) == 0xff, "opaque pixels");

    check(_gwConvBmpDecode(data, len, &info, again, info.width, &why) && !memcmp(pixels, again, count * sizeof(uint32_t)),
          "the same pixels twice");
  }

  free(pixels);
  free(again);
  return (0);
}
