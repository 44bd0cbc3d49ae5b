/*
 * server-icons.c - the printer's icons (printer-icons): PNGs at 48, 128
 * and 512 pixels, drawn once when the server starts (a sheet of paper on
 * a blue tile) and served by GET /ipp/icons/printer-SIZE.png.
 */

#include "server-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>


/*
 * 'put32()' - A big-endian 32-bit number.
 */

static void
put32(unsigned char *p, uint32_t v)
{
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}


/*
 * 'chunk()' - Append one PNG chunk (length, type, data, CRC).
 */

static size_t
chunk(unsigned char *out, const char *type, const unsigned char *data, size_t len)
{
  uLong crc;

  put32(out, (uint32_t)len);
  memcpy(out + 4, type, 4);
  if (len)
    memcpy(out + 8, data, len);
  crc = crc32(0L, out + 4, (uInt)(len + 4));
  put32(out + 8 + len, (uint32_t)crc);
  return (len + 12);
}


/*
 * 'pixel()' - The icon's colour at (x, y) of a size x size tile.
 */

static void
pixel(int x, int y, int size, unsigned char *rgba)
{
  int margin = size / 8, left = size / 4, right = size - size / 4, top = size / 6, bottom = size - size / 6;
  int line = (y - top) * 8 / (bottom - top);

  /* Blue tile with a transparent margin */
  if (x < margin / 2 || y < margin / 2 || x >= size - margin / 2 || y >= size - margin / 2)
  {
    memset(rgba, 0, 4);
    return;
  }
  rgba[0] = 0x1f; rgba[1] = 0x4e; rgba[2] = 0x79; rgba[3] = 0xff;

  /* White sheet with grey text lines */
  if (x >= left && x < right && y >= top && y < bottom)
  {
    bool text = line >= 1 && line <= 6 && ((y - top) * 16 / (bottom - top)) % 2 == 0 && x >= left + size / 16 && x < right - size / 16;

    rgba[0] = rgba[1] = rgba[2] = text ? 0x90 : 0xff;
  }
}


/*
 * '_gwIppIconMake()' - A PNG of size x size pixels (RGBA); the caller frees it.
 */

bool
_gwIppIconMake(int size, unsigned char **png, size_t *pnglen)
{
  size_t         rowlen = (size_t)size * 4 + 1, rawlen = rowlen * (size_t)size;
  unsigned char *raw = malloc(rawlen), *out = NULL, ihdr[13];
  uLongf         zlen = compressBound((uLong)rawlen);
  unsigned char *z = malloc(zlen);
  size_t         len = 0;
  static const unsigned char signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

  if (!raw || !z)
    goto fail;
  for (int y = 0; y < size; y ++)
  {
    raw[rowlen * (size_t)y] = 0;               /* Filter: none */
    for (int x = 0; x < size; x ++)
      pixel(x, y, size, raw + rowlen * (size_t)y + 1 + (size_t)x * 4);
  }
  if (compress2(z, &zlen, raw, (uLong)rawlen, 9) != Z_OK || (out = malloc(8 + 25 + zlen + 12 + 12)) == NULL)
    goto fail;

  put32(ihdr, (uint32_t)size);
  put32(ihdr + 4, (uint32_t)size);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;  /* 8-bit RGBA */
  memcpy(out, signature, 8);
  len  = 8;
  len += chunk(out + len, "IHDR", ihdr, 13);
  len += chunk(out + len, "IDAT", z, zlen);
  len += chunk(out + len, "IEND", NULL, 0);
  free(raw);
  free(z);
  *png    = out;
  *pnglen = len;
  return (true);

fail:
  free(raw);
  free(z);
  free(out);
  return (false);
}
