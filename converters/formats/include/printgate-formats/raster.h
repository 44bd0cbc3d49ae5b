/*
 * raster.h - bounded, streaming decoders for PWG raster and Apple raster (URF).
 *
 * Phones print over IPP in these two formats when a printer lists them
 * (PWG 5102.4 "image/pwg-raster" and Apple's "image/urf").  Both are a file
 * header, then for each page a page header and the page's lines, each line
 * a repeat count and PackBits-style runs of whole pixels.  The decoder
 * reads through a callback (a pipe, a memfd, a buffer), never holds more
 * than one line and a 64 KB read buffer, and checks every field and every
 * run against the page and the caller's limits: a malformed document is an
 * error with a short reason, never a read or write out of bounds.
 *
 *   gw_raster_t *r = gwRasterOpen(GW_RASTER_TYPE_AUTO, my_read, &fd, &limits);
 *   while ((status = gwRasterNextPage(r, &page)) == GW_RASTER_OK)
 *     for (y = 0; y < page.height; y ++)
 *       if ((status = gwRasterReadLine(r, line, sizeof(line))) != GW_RASTER_OK) ...
 *   if (status != GW_RASTER_END) log gwRasterGetReason(r);
 *   gwRasterClose(&r);
 *
 * One object per document and per thread; objects share nothing.
 */

#ifndef PRINTGATE_FORMATS_RASTER_H
#define PRINTGATE_FORMATS_RASTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>


/*
 * Default limits (used for a zero field of gw_raster_limits_t).
 */

#define GW_RASTER_DEFAULT_MAX_WIDTH   65536U        /* Pixels per line */
#define GW_RASTER_DEFAULT_MAX_HEIGHT  65536U        /* Lines per page */
#define GW_RASTER_DEFAULT_MAX_PIXELS  100000000U    /* Pixels per page (DESIGN.md 4: 100 megapixels) */
#define GW_RASTER_DEFAULT_MAX_PAGES   500U          /* Pages per document (DESIGN.md 4) */


/*
 * Types.
 */

typedef struct _gw_raster_s gw_raster_t;   /* One document being decoded */

typedef enum gw_raster_type_e
{
  GW_RASTER_TYPE_AUTO = 0,                  /* From the sync word: "RaS2" or "UNIRAST" */
  GW_RASTER_TYPE_PWG,                       /* PWG raster only */
  GW_RASTER_TYPE_URF                        /* Apple raster only */
} gw_raster_type_t;

typedef enum gw_raster_status_e
{
  GW_RASTER_OK = 0,                         /* A page header or a line was read */
  GW_RASTER_END,                            /* No more pages (or no more lines on this page) */
  GW_RASTER_ERROR_IO,                       /* The read callback failed */
  GW_RASTER_ERROR_TRUNCATED,                /* The data ends inside a header or a page */
  GW_RASTER_ERROR_FORMAT,                   /* Not this raster format (sync word, header id) */
  GW_RASTER_ERROR_HEADER,                   /* A header field is invalid or unsupported */
  GW_RASTER_ERROR_LIMIT,                    /* Over a caller limit: width, height, pixels, pages */
  GW_RASTER_ERROR_DATA,                     /* Line data is malformed (a run or repeat too long) */
  GW_RASTER_ERROR_USAGE,                    /* Wrong call: no page, line buffer too small */
  GW_RASTER_ERROR_MEMORY                    /* Out of memory */
} gw_raster_status_t;

typedef enum gw_raster_cspace_e
{
  GW_RASTER_CSPACE_SGRAY = 0,               /* sGray: 0 is black */
  GW_RASTER_CSPACE_SRGB,                    /* sRGB */
  GW_RASTER_CSPACE_ADOBE_RGB,               /* Adobe RGB (1998) */
  GW_RASTER_CSPACE_RGB,                     /* Device RGB */
  GW_RASTER_CSPACE_GRAY,                    /* Device gray, 0 is black (URF only) */
  GW_RASTER_CSPACE_BLACK,                   /* Device black: 0 is white (PWG only) */
  GW_RASTER_CSPACE_CMYK,                    /* Device CMYK: 0 is no ink */
  GW_RASTER_CSPACE_DEVICE_N                 /* 1 to 15 device colorants, 0 is no ink (PWG only) */
} gw_raster_cspace_t;

typedef enum gw_raster_duplex_e
{
  GW_RASTER_SIMPLEX = 0,                    /* One-sided */
  GW_RASTER_DUPLEX_LONG_EDGE,               /* Two-sided, turned on the long edge */
  GW_RASTER_DUPLEX_SHORT_EDGE               /* Two-sided, turned on the short edge (tumble) */
} gw_raster_duplex_t;

typedef struct gw_raster_limits_s           /* Caller limits; 0 means the default */
{
  uint32_t max_width;                       /* Pixels per line */
  uint32_t max_height;                      /* Lines per page */
  uint64_t max_pixels;                      /* Width x height per page */
  uint32_t max_pages;                       /* Pages per document */
} gw_raster_limits_t;

typedef struct gw_raster_page_s             /* One page header, checked */
{
  unsigned           number;                /* 1 for the first page */
  uint32_t           width;                 /* Pixels per line */
  uint32_t           height;                /* Lines */
  unsigned           bits_per_color;        /* 1, 2, 4 (PWG one-colorant only), 8 or 16 */
  unsigned           bits_per_pixel;        /* bits_per_color x num_colors */
  unsigned           num_colors;            /* Colorants per pixel */
  size_t             bytes_per_line;        /* What gwRasterReadLine() writes */
  gw_raster_cspace_t color_space;
  bool               white_is_zero;         /* Subtractive (black, CMYK, DeviceN): white is 0, not all ones */
  unsigned           xres, yres;            /* Dots per inch (> 0) */
  gw_raster_duplex_t duplex;
  unsigned           total_pages;           /* Pages the file announces (0 = not said) */
  unsigned           quality;               /* IPP print-quality: 3 draft, 4 normal, 5 high, 0 = not said */
  char               media[64];             /* PWG media size name ("iso_a4_210x297mm"), printable ASCII; "" when not said */
} gw_raster_page_t;

typedef ssize_t (*gw_raster_cb_t)(void *ctx, void *buffer, size_t bytes);
                                            /* Read up to bytes: the count read, 0 at the end, -1 on error */

typedef struct gw_mem_src_s                 /* A document in memory, read by gwMemSrcRead() */
{
  const unsigned char *data;
  size_t               len;
  size_t               pos;                 /* Next byte to read */
  size_t               chunk;               /* Largest read (0 = all that is asked) */
} gw_mem_src_t;


/*
 * Functions.
 */

extern gw_raster_t       *gwRasterOpen(gw_raster_type_t type, gw_raster_cb_t cb, void *ctx, const gw_raster_limits_t *limits);
extern gw_raster_status_t gwRasterNextPage(gw_raster_t *r, gw_raster_page_t *page);
extern gw_raster_status_t gwRasterReadLine(gw_raster_t *r, void *line, size_t linesize);
extern gw_raster_type_t   gwRasterGetType(const gw_raster_t *r);
extern const char        *gwRasterGetReason(const gw_raster_t *r);
extern const char        *gwRasterStatusString(gw_raster_status_t status);
extern void               gwRasterClose(gw_raster_t **r);
extern ssize_t            gwMemSrcRead(void *ctx, void *buffer, size_t bytes); /* A gw_raster_cb_t over a gw_mem_src_t */

#endif /* !PRINTGATE_FORMATS_RASTER_H */
