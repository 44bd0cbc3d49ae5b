/*
 * convert-bmp.h - a bounded decoder for Windows and OS/2 bitmaps (BMP).
 *
 * Debian 12 has no small, well-kept BMP library: gdk-pixbuf's loader needs
 * GLib, its module cache and a dlopen inside the sandbox, and ImageMagick
 * is far larger than the format (docs/formats.md).  The format is a header
 * and rows, so it is decoded here, from memory, with every offset checked
 * against the data; tests/fuzz/fuzz-bmp.c fuzzes it.  No cairo, no libc
 * I/O: the helper and the fuzzer both link it.
 *
 * Read: BITMAPCOREHEADER (OS/2 1.x), BITMAPINFOHEADER and its V2-V5
 * extensions, OS/2 2.x headers; 1, 4 and 8 bits with a palette, 16, 24
 * and 32 bits (with bit fields), RLE8 and RLE4.  Refused: embedded
 * JPEG/PNG, OS/2 Huffman and RLE24 (no printer sends them).
 */

#ifndef PRINTGATE_CONVERT_BMP_H
#define PRINTGATE_CONVERT_BMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


/*
 * What the headers say, checked.
 */

typedef struct gw_bmp_info_s
{
  uint32_t width, height;               /* Pixels (> 0) */
  bool     top_down;                    /* First row in the file is the top */
  unsigned bpp;                         /* 1, 4, 8, 16, 24, 32 */
  unsigned compression;                 /* 0 none, 1 RLE8, 2 RLE4, 3 bit fields */
  uint32_t masks[4];                    /* R, G, B, A bit fields (16/32 bits) */
  unsigned palette_size;                /* Entries (<= 256) */
  uint32_t palette[256];                /* 0xffRRGGBB */
  size_t   data_offset;                 /* Pixel data */
  size_t   row_bytes;                   /* Uncompressed row size (4-byte aligned) */
} gw_bmp_info_t;


/*
 * Functions.  *why gets a fixed sentence on failure ("the BMP image ...").
 */

extern bool _gwConvBmpInfo(const unsigned char *data, size_t len, gw_bmp_info_t *info, const char **why);
extern bool _gwConvBmpDecode(const unsigned char *data, size_t len, const gw_bmp_info_t *info, uint32_t *pixels,
                             size_t stride, const char **why);
                                        /* pixels: width x height of 0xffRRGGBB, white-prefilled by the caller
                                         * (pixels an RLE bitmap skips stay white); stride in pixels */

#endif /* !PRINTGATE_CONVERT_BMP_H */
