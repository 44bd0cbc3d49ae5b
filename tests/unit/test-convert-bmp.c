/*
 * test-convert-bmp.c - the BMP decoder of printgate-convert
 *                      (converters/convert-bmp.c), table-driven.
 *
 * Every seed of the fuzz corpus (tests/fuzz/corpus/fuzz-bmp/: ImageMagick
 * files and hand-made RLE4, RLE8 with deltas, 5-6-5 bit fields, top-down
 * 5-5-5 and OS/2 1.x bitmaps) is decoded and compared pixel by pixel with
 * ImageMagick's decoding of the same file (transparency composed onto
 * white, at most 2 levels apart for rounding).  ImageMagick 6 refuses
 * rle8-delta.bmp ("unexpected end-of-file" after an end-of-line delta),
 * so that one is checked against its pixels worked out by hand.  Then
 * malformed bitmaps, each with the phrase its refusal must give.
 */

#include "test.h"
#include "convert-bmp.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * 'read_all()' - Read a file (caller frees).
 */

static unsigned char *
read_all(const char *path, size_t *len)
{
  FILE          *fp = fopen(path, "rb");
  unsigned char *data = NULL;
  long           size;

  *len = 0;
  if (!fp)
    return (NULL);

  if (!fseek(fp, 0, SEEK_END) && (size = ftell(fp)) > 0 && !fseek(fp, 0, SEEK_SET) && (data = malloc((size_t)size)) != NULL)
    *len = fread(data, 1, (size_t)size, fp);

  fclose(fp);
  return (data);
}


/*
 * 'compare_with_imagemagick()' - Decode a seed with ours and with
 *                                ImageMagick; true when they agree.
 */

static bool
compare_with_imagemagick(const char *path, char *why, size_t whysize)
{
  gw_bmp_info_t  info;
  unsigned char *data, *ref = NULL;
  uint32_t      *pixels = NULL;
  size_t         len, reflen = 0;
  const char    *reason;
  char           cmd[4000], rgb[1500];
  bool           ok = false;

  snprintf(why, whysize, "?");
  if ((data = read_all(path, &len)) == NULL)
  {
    snprintf(why, whysize, "unreadable");
    return (false);
  }

  if (!_gwConvBmpInfo(data, len, &info, &reason))
  {
    snprintf(why, whysize, "refused: %s", reason);
    goto done;
  }

  pixels = malloc((size_t)info.width * info.height * 4);
  memset(pixels, 0xff, (size_t)info.width * info.height * 4);
  if (!_gwConvBmpDecode(data, len, &info, pixels, info.width, &reason))
  {
    snprintf(why, whysize, "decode failed: %s", reason);
    goto done;
  }

  snprintf(rgb, sizeof(rgb), "%s.rgb", path);
  snprintf(cmd, sizeof(cmd), "convert '%s' -background white -alpha remove -depth 8 'rgb:%s' 2>/dev/null", path, rgb);
  if (system(cmd) || (ref = read_all(rgb, &reflen)) == NULL || reflen != (size_t)info.width * info.height * 3)
  {
    snprintf(why, whysize, "ImageMagick gave %u bytes for %ux%u", (unsigned)reflen, info.width, info.height);
    remove(rgb);
    goto done;
  }
  remove(rgb);

  for (size_t i = 0; i < (size_t)info.width * info.height; i ++)
  {
    int r = (int)((pixels[i] >> 16) & 255), g = (int)((pixels[i] >> 8) & 255), b = (int)(pixels[i] & 255);

    if (abs(r - ref[3 * i]) > 2 || abs(g - ref[3 * i + 1]) > 2 || abs(b - ref[3 * i + 2]) > 2)
    {
      snprintf(why, whysize, "pixel %u,%u: ours %02x%02x%02x, ImageMagick %02x%02x%02x", (unsigned)(i % info.width),
               (unsigned)(i / info.width), r, g, b, ref[3 * i], ref[3 * i + 1], ref[3 * i + 2]);
      goto done;
    }
  }

  snprintf(why, whysize, "%ux%u, %u bits, compression %u", info.width, info.height, info.bpp, info.compression);
  ok = true;

 done:
  free(data);
  free(ref);
  free(pixels);
  return (ok);
}


/*
 * 'check_rle8_delta()' - rle8-delta.bmp (6 x 4, bottom-up) against its
 *                        pixels worked out by hand: bottom row a run of 3
 *                        x index 7 and the literals 1, 2, 3; then a
 *                        delta (+2, +1) to the third row from the bottom,
 *                        one pixel of index 9 there; the rest skipped
 *                        (white).  Palette: 0 white, i = (i/2, 255-i, i).
 */

static bool
check_rle8_delta(const char *path, char *why, size_t whysize)
{
  static const int expect[4][6] =
  {
    { 0, 0, 0, 0, 0, 0 },
    { 0, 0, 9, 0, 0, 0 },
    { 0, 0, 0, 0, 0, 0 },
    { 7, 7, 7, 1, 2, 3 }
  };
  gw_bmp_info_t  info;
  unsigned char *data;
  uint32_t       pixels[24];
  size_t         len;
  const char    *reason = "";
  bool           ok;

  if ((data = read_all(path, &len)) == NULL)
    return (false);

  memset(pixels, 0xff, sizeof(pixels));
  ok = _gwConvBmpInfo(data, len, &info, &reason) && info.width == 6 && info.height == 4 &&
       _gwConvBmpDecode(data, len, &info, pixels, 6, &reason);
  free(data);

  for (int y = 0; ok && y < 4; y ++)
  {
    for (int x = 0; ok && x < 6; x ++)
    {
      int      i = expect[y][x];
      uint32_t want = i ? 0xff000000U | ((uint32_t)(i / 2) << 16) | ((uint32_t)(255 - i) << 8) | (uint32_t)i : 0xffffffffU;

      if (pixels[y * 6 + x] != want)
      {
        snprintf(why, whysize, "pixel %d,%d is %08x, not %08x", x, y, pixels[y * 6 + x], want);
        return (false);
      }
    }
  }

  snprintf(why, whysize, ok ? "6x4, 8 bits, RLE8 with a delta, as worked out by hand" : "refused: %s", reason);
  return (ok);
}


/*
 * 'put32()', 'put16()' - Little-endian writers for hand-made headers.
 */

static void
put32(unsigned char *p, uint32_t v)
{
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16);
  p[3] = (unsigned char)(v >> 24);
}

static void
put16(unsigned char *p, uint32_t v)
{
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
}


/*
 * 'make_bmp()' - A BITMAPINFOHEADER bitmap in buf (zeroed data): width,
 *                height, bpp, compression; returns its length.
 */

static size_t
make_bmp(unsigned char *buf, size_t size, int32_t w, int32_t h, unsigned bpp, unsigned comp, size_t datalen)
{
  size_t pal = bpp <= 8 ? (4U << bpp) : 0, off = 54 + pal;

  memset(buf, 0, size);
  buf[0] = 'B';
  buf[1] = 'M';
  put32(buf + 2, (uint32_t)(off + datalen));
  put32(buf + 10, (uint32_t)off);
  put32(buf + 14, 40);
  put32(buf + 18, (uint32_t)w);
  put32(buf + 22, (uint32_t)h);
  put16(buf + 26, 1);
  put16(buf + 28, bpp);
  put32(buf + 30, comp);
  return (off + datalen);
}


/*
 * 'main()' - Run the tests.
 */

int
main(void)
{
  const char    *s = getenv("GW_SOURCE_DIR");
  char           dir[1024], path[1400], why[256];
  DIR           *d;
  struct dirent *ent;
  int            seeds = 0;
  unsigned char  buf[4096];
  size_t         len;
  gw_bmp_info_t  info;
  const char    *reason;
  uint32_t       pixels[64];

  snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/fuzz-bmp", s ? s : "..");

  TEST_BEGIN("every seed decodes like ImageMagick decodes it");
  if ((d = opendir(dir)) == NULL)
    TEST_CHECKF(false, "no %s", dir);
  else
  {
    while ((ent = readdir(d)) != NULL)
    {
      if (!strstr(ent->d_name, ".bmp"))
        continue;

      snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
      if (!strcmp(ent->d_name, "rle8-delta.bmp"))
        TEST_CHECKF(check_rle8_delta(path, why, sizeof(why)), "%s: %s", ent->d_name, why);
      else
        TEST_CHECKF(compare_with_imagemagick(path, why, sizeof(why)), "%s: %s", ent->d_name, why);
      printf("  %s: %s\n", ent->d_name, why);
      seeds ++;
    }
    closedir(d);
    TEST_CHECKF(seeds >= 10, "%d seeds", seeds);
  }

  TEST_BEGIN("malformed bitmaps are refused with a sentence");
  {
    static const struct
    {
      const char *name;
      int32_t     w, h;
      unsigned    bpp, comp;
      size_t      datalen;
      int         patch;                  /* What to break after make_bmp() */
      const char *phrase;
    } cases[] =
    {
      { "no BM",                   4, 4, 24, 0, 48, 1, "damaged" },
      { "planes 2",                4, 4, 24, 0, 48, 2, "damaged" },
      { "7 bits",                  4, 4, 7, 0, 48, 0, "damaged" },
      { "zero width",              0, 4, 24, 0, 48, 0, "damaged" },
      { "negative width",         -4, 4, 24, 0, 48, 0, "damaged" },
      { "zero height",             4, 0, 24, 0, 48, 0, "damaged" },
      { "rows missing",            4, 4, 24, 0, 47, 0, "damaged or cut short" },
      { "huge height, 1 row",      4, 1000000, 24, 0, 16, 0, "damaged or cut short" },
      { "RLE8 top-down",           4, -4, 8, 1, 2, 0, "damaged" },
      { "RLE8 with 24 bits",       4, 4, 24, 1, 2, 0, "damaged" },
      { "embedded JPEG",           4, 4, 24, 4, 48, 0, "embedded JPEG or PNG" },
      { "bit fields of 24 bits",   4, 4, 24, 3, 48, 0, "damaged" },
      { "bit fields all zero",     4, 4, 32, 3, 64, 0, "damaged" },
      { "data offset past the end", 4, 4, 24, 0, 48, 3, "damaged" },
      { "unknown header size",     4, 4, 24, 0, 48, 4, "header the gateway does not know" }
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i ++)
    {
      len = make_bmp(buf, sizeof(buf), cases[i].w, cases[i].h, cases[i].bpp, cases[i].comp, cases[i].datalen);
      switch (cases[i].patch)
      {
        case 1 : buf[1] = 'A'; break;
        case 2 : put16(buf + 26, 2); break;
        case 3 : put32(buf + 10, 100000); break;
        case 4 : put32(buf + 14, 41); break;
        default : break;
      }

      TEST_CHECKF(!_gwConvBmpInfo(buf, len, &info, &reason) && strstr(reason, cases[i].phrase), "%s: %s", cases[i].name, reason);
    }
  }

  TEST_BEGIN("an RLE8 bitmap that ends before its end-of-bitmap mark fails in decoding");
  len = make_bmp(buf, sizeof(buf), 4, 4, 8, 1, 4);
  buf[len - 4] = 4;                     /* A run of 4, an end of line, and no more */
  buf[len - 3] = 1;
  buf[len - 2] = 0;
  buf[len - 1] = 0;
  memset(pixels, 0xff, sizeof(pixels));
  TEST_CHECKF(_gwConvBmpInfo(buf, len, &info, &reason), "%s", reason);
  TEST_CHECKF(!_gwConvBmpDecode(buf, len, &info, pixels, 4, &reason) && strstr(reason, "cut short"), "%s", reason);

  TEST_BEGIN("RLE runs and deltas that leave the bitmap are dropped, not written");
  len = make_bmp(buf, sizeof(buf), 2, 2, 8, 1, 10);
  {
    static const unsigned char rle[10] = { 255, 1, 0, 2, 200, 200, 3, 1, 0, 1 };

    memcpy(buf + len - 10, rle, 10);
  }
  memset(pixels, 0xff, sizeof(pixels));
  TEST_CHECKF(_gwConvBmpInfo(buf, len, &info, &reason), "%s", reason);
  TEST_CHECKF(_gwConvBmpDecode(buf, len, &info, pixels, 2, &reason), "%s", reason);
  TEST_CHECK(pixels[4] == 0xffffffffU && pixels[5] == 0xffffffffU);  /* Past the 2 x 2 pixels: untouched */

  TEST_EXIT();
}
