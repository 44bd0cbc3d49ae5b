/*
 * convert-bmp.c - the bounded BMP decoder (convert-bmp.h).
 *
 * Every read goes through rd16()/rd32() or a range checked against len
 * first; sizes are computed in 64 bits; RLE runs that leave the bitmap are
 * dropped, not written; the work is bounded by the data (an RLE pair of two
 * bytes paints at most 255 pixels, and the caller has checked width x
 * height against the pixel limit before any of this).
 */

#include "convert-bmp.h"

#include <string.h>


/*
 * Little-endian readers; the caller has checked the range.
 */

static inline uint32_t
rd16(const unsigned char *p)
{
  return ((uint32_t)p[0] | ((uint32_t)p[1] << 8));
}

static inline uint32_t
rd32(const unsigned char *p)
{
  return ((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24));
}


/*
 * 'mask_value()' - A bit field's value of v, scaled to 0-255.
 */

static inline unsigned
mask_value(uint32_t v, uint32_t mask)
{
  unsigned shift = 0;
  uint32_t max;

  if (!mask)
    return (255);

  while (!(mask & 1U))
  {
    mask >>= 1;
    shift ++;
  }

  max = mask;
  return ((unsigned)(((uint64_t)((v >> shift) & max) * 255U + max / 2) / max));
}


/*
 * 'over_white()' - 0xffRRGGBB for r, g, b with alpha a composed on white.
 */

static inline uint32_t
over_white(unsigned r, unsigned g, unsigned b, unsigned a)
{
  if (a < 255)
  {
    r = (r * a + 255 * (255 - a) + 127) / 255;
    g = (g * a + 255 * (255 - a) + 127) / 255;
    b = (b * a + 255 * (255 - a) + 127) / 255;
  }

  return (0xff000000U | (r << 16) | (g << 8) | b);
}


/*
 * '_gwConvBmpInfo()' - Read and check the headers and the palette.
 */

bool
_gwConvBmpInfo(const unsigned char *data, size_t len, gw_bmp_info_t *info, const char **why)
{
  uint32_t hsize, offset, colors = 0, pal_at, pal_entry;
  int64_t  w, h;
  unsigned planes;
  uint64_t row;

  memset(info, 0, sizeof(*info));
  *why = "the BMP image is damaged or cut short";

  if (len < 26 || data[0] != 'B' || data[1] != 'M')
    return (false);

  offset = rd32(data + 10);
  hsize  = rd32(data + 14);

  if (hsize == 12)
  {
    /* OS/2 1.x BITMAPCOREHEADER: 16-bit sizes, 3-byte palette entries. */
    w         = rd16(data + 18);
    h         = rd16(data + 20);
    planes    = rd16(data + 22);
    info->bpp = rd16(data + 24);
    pal_entry = 3;
  }
  else if (hsize == 16 || hsize == 40 || hsize == 52 || hsize == 56 || hsize == 64 || hsize == 108 || hsize == 124)
  {
    if (len < 14 + (size_t)hsize || len < 54)
      return (false);

    w                 = (int32_t)rd32(data + 18);
    h                 = (int32_t)rd32(data + 22);
    planes            = rd16(data + 26);
    info->bpp         = rd16(data + 28);
    info->compression = hsize >= 20 ? rd32(data + 30) : 0;
    colors            = hsize >= 36 ? rd32(data + 46) : 0;
    pal_entry         = 4;

    if (hsize == 16 || hsize == 64)
    {
      /* OS/2 2.x: 3 and 4 are Huffman 1D and RLE24, not bit fields. */
      if (info->compression == 3 || info->compression == 4)
      {
        *why = "the BMP image uses an OS/2 compression the gateway cannot read";
        return (false);
      }
    }
  }
  else
  {
    *why = "the BMP image has a header the gateway does not know";
    return (false);
  }

  if (planes != 1 || w <= 0 || h == 0 || h == INT32_MIN)
    return (false);

  info->top_down = h < 0;
  info->width    = (uint32_t)w;
  info->height   = (uint32_t)(h < 0 ? -h : h);

  switch (info->compression)
  {
    case 0 :                            /* BI_RGB */
        if (info->bpp != 1 && info->bpp != 4 && info->bpp != 8 && info->bpp != 16 && info->bpp != 24 && info->bpp != 32)
          return (false);
        if (info->bpp == 16)
        {
          info->masks[0] = 0x7c00;      /* 5-5-5 */
          info->masks[1] = 0x03e0;
          info->masks[2] = 0x001f;
        }
        else if (info->bpp == 32)
        {
          info->masks[0] = 0x00ff0000;  /* The fourth byte is not alpha in BI_RGB */
          info->masks[1] = 0x0000ff00;
          info->masks[2] = 0x000000ff;
        }
        break;
    case 1 :                            /* BI_RLE8 */
        if (info->bpp != 8 || info->top_down)
          return (false);
        break;
    case 2 :                            /* BI_RLE4 */
        if (info->bpp != 4 || info->top_down)
          return (false);
        break;
    case 3 :                            /* BI_BITFIELDS */
    case 6 :                            /* BI_ALPHABITFIELDS */
        if (info->bpp != 16 && info->bpp != 32)
          return (false);
        {
          /* In the header from V2 on; after a 40-byte header otherwise. */
          size_t at = 54, n = info->compression == 6 || hsize >= 56 ? 4 : 3;

          if (len < at + 4 * n)
            return (false);
          for (size_t i = 0; i < n; i ++)
            info->masks[i] = rd32(data + at + 4 * i);
          if (hsize == 40)
            hsize += (uint32_t)(4 * n);
          if (!info->masks[0] && !info->masks[1] && !info->masks[2])
            return (false);
        }
        info->compression = 3;
        break;
    default :
        *why = "the BMP image uses a compression the gateway cannot read (embedded JPEG or PNG)";
        return (false);
  }

  /* The palette, right after the headers. */
  if (info->bpp <= 8)
  {
    uint32_t max = 1U << info->bpp;

    if (colors == 0 || colors > max)
      colors = max;

    pal_at = 14 + hsize;
    if (pal_at > len || (len - pal_at) / pal_entry < colors)
    {
      /* Some writers give fewer entries than they announce. */
      colors = pal_at > len ? 0 : (uint32_t)((len - pal_at) / pal_entry);
      if (colors == 0)
        return (false);
    }

    for (uint32_t i = 0; i < colors; i ++)
    {
      const unsigned char *p = data + pal_at + (size_t)i * pal_entry;

      info->palette[i] = 0xff000000U | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
    }
    info->palette_size = colors;
  }

  row = (((uint64_t)info->width * info->bpp + 31) / 32) * 4;
  if (offset >= len || row > SIZE_MAX / 2)
    return (false);

  info->data_offset = offset;
  info->row_bytes   = (size_t)row;

  /* Uncompressed data must all be there. */
  if (info->compression != 1 && info->compression != 2 && (uint64_t)(len - offset) / row < info->height)
    return (false);

  return (true);
}


/*
 * 'palette_pixel()' - A palette colour (an index past the palette is black).
 */

static inline uint32_t
palette_pixel(const gw_bmp_info_t *info, unsigned index)
{
  return (index < info->palette_size ? info->palette[index] : 0xff000000U);
}


/*
 * 'decode_rle()' - RLE8 and RLE4 (bottom-up).
 */

static bool
decode_rle(const unsigned char *data, size_t len, const gw_bmp_info_t *info, uint32_t *pixels, size_t stride, const char **why)
{
  size_t   pos = info->data_offset;
  uint64_t x = 0, y = 0;
  bool     rle4 = info->compression == 2;

#define PUT(index) do { if (x < info->width && y < info->height) \
                          pixels[(size_t)(info->height - 1 - y) * stride + x] = palette_pixel(info, (index)); \
                        x ++; } while (0)

  while (y < info->height)
  {
    unsigned n, c;

    if (len - pos < 2)
    {
      *why = "the BMP image is cut short";
      return (false);
    }

    n    = data[pos];
    c    = data[pos + 1];
    pos += 2;

    if (n > 0)
    {
      /* A run of n pixels: one index, or (RLE4) two alternating. */
      for (unsigned i = 0; i < n && x < info->width; i ++)
        PUT(rle4 ? ((i & 1) ? c & 15 : c >> 4) : c);
    }
    else if (c == 0)
    {
      x = 0;                            /* End of line */
      y ++;
    }
    else if (c == 1)
      break;                            /* End of bitmap */
    else if (c == 2)
    {
      if (len - pos < 2)
      {
        *why = "the BMP image is cut short";
        return (false);
      }
      x   += data[pos];                 /* Delta: skipped pixels stay white */
      y   += data[pos + 1];
      pos += 2;
    }
    else
    {
      /* c literal pixels, padded to a 16-bit boundary. */
      size_t bytes = rle4 ? (c + 1) / 2 : c;

      if (len - pos < bytes)
      {
        *why = "the BMP image is cut short";
        return (false);
      }

      for (unsigned i = 0; i < c && x < info->width; i ++)
        PUT(rle4 ? ((i & 1) ? data[pos + i / 2] & 15 : data[pos + i / 2] >> 4) : data[pos + i]);

      pos += bytes + (bytes & 1);
      if (pos > len)
        pos = len;
    }
  }

#undef PUT

  return (true);
}


/*
 * '_gwConvBmpDecode()' - Decode the pixels (info from _gwConvBmpInfo()).
 */

bool
_gwConvBmpDecode(const unsigned char *data, size_t len, const gw_bmp_info_t *info, uint32_t *pixels, size_t stride, const char **why)
{
  *why = "the BMP image is damaged or cut short";

  if (info->compression == 1 || info->compression == 2)
    return (decode_rle(data, len, info, pixels, stride, why));

  for (uint32_t y = 0; y < info->height; y ++)
  {
    const unsigned char *p   = data + info->data_offset + (size_t)y * info->row_bytes;
    uint32_t            *out = pixels + (size_t)(info->top_down ? y : info->height - 1 - y) * stride;

    for (uint32_t x = 0; x < info->width; x ++)
    {
      uint32_t v;

      switch (info->bpp)
      {
        case 1 :
            out[x] = palette_pixel(info, (p[x / 8] >> (7 - x % 8)) & 1);
            break;
        case 4 :
            out[x] = palette_pixel(info, (p[x / 2] >> ((x & 1) ? 0 : 4)) & 15);
            break;
        case 8 :
            out[x] = palette_pixel(info, p[x]);
            break;
        case 24 :
            out[x] = 0xff000000U | ((uint32_t)p[3 * x + 2] << 16) | ((uint32_t)p[3 * x + 1] << 8) | p[3 * x];
            break;
        default :                       /* 16 or 32 bits with bit fields */
            v      = info->bpp == 16 ? rd16(p + 2 * (size_t)x) : rd32(p + 4 * (size_t)x);
            out[x] = over_white(mask_value(v, info->masks[0]), mask_value(v, info->masks[1]),
                                mask_value(v, info->masks[2]), info->masks[3] ? mask_value(v, info->masks[3]) : 255);
            break;
      }
    }
  }

  return (true);
}
