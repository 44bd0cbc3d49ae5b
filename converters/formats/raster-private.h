/*
 * raster-private.h - the raster decoder object, shared by raster.c (the
 * reader, line decoding and limits) and the two header parsers
 * (raster-pwg.c, raster-urf.c).
 */

#ifndef PRINTGATE_FORMATS_RASTER_PRIVATE_H
#define PRINTGATE_FORMATS_RASTER_PRIVATE_H

#include "printgate-formats/raster.h"


/*
 * Sizes.
 */

#define RASTER_BUFSIZE       65536     /* Read buffer */
#define RASTER_REASON_MAX    192       /* Longest reason, with its nul */
#define RASTER_PWG_HEADER    1796      /* PWG 5102.4 page header */
#define RASTER_URF_FILE      12        /* "UNIRAST\0" + page count */
#define RASTER_URF_HEADER    32        /* URF page header */


/*
 * A document being decoded.
 */

struct _gw_raster_s
{
  gw_raster_type_t   type;             /* Asked for, then found by the sync word */
  gw_raster_cb_t     cb;               /* Read callback */
  void               *ctx;             /* Its context */
  gw_raster_limits_t limits;           /* Caller limits, defaults filled in */
  gw_raster_status_t error;            /* First error, returned by every later call (OK: none) */
  char               reason[RASTER_REASON_MAX];
  bool               started;          /* The sync word (and URF file header) was read */
  bool               ended;            /* gwRasterNextPage() returned END */
  bool               eof;              /* The callback said the end */
  unsigned           pages;            /* Page headers read */
  uint32_t           announced;        /* URF: pages the file header announces (0 = not said) */

  bool               in_page;          /* A page header was read */
  gw_raster_page_t   page;             /* Its fields */
  size_t             unit;             /* Bytes per run element: a pixel, or a byte below 8 bits per pixel */
  unsigned char      fill;             /* White byte (0xFF additive, 0x00 subtractive) */
  uint32_t           line_y;           /* Lines given out on this page */
  uint32_t           repeat_left;      /* Times the decoded line is still to be given out */
  unsigned char      *line;            /* Decoded line */
  size_t             linealloc;        /* Its allocated size */

  size_t             bufpos;           /* Next unread byte in buf */
  size_t             buflen;           /* Bytes in buf */
  unsigned char      buf[RASTER_BUFSIZE];
};


/*
 * Functions.
 */

extern gw_raster_status_t _gwRasterFail(gw_raster_t *r, gw_raster_status_t status, const char *fmt, ...)
                          __attribute__((format(printf, 3, 4)));
extern size_t             _gwRasterRead(gw_raster_t *r, void *dst, size_t bytes);
extern void               _gwRasterCopyName(char *dst, size_t dstsize, const unsigned char *src, size_t srclen);

extern gw_raster_status_t _gwRasterPwgReadHeader(gw_raster_t *r, gw_raster_page_t *page);    /* raster-pwg.c */
extern gw_raster_status_t _gwRasterUrfReadFileHeader(gw_raster_t *r);                        /* raster-urf.c */
extern gw_raster_status_t _gwRasterUrfReadHeader(gw_raster_t *r, gw_raster_page_t *page);    /* raster-urf.c */


/*
 * Big-endian loads (the caller checks the bounds).
 */

static inline uint32_t
_gwRasterBe32(const unsigned char *p)
{
  return (((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3]);
}

#endif /* !PRINTGATE_FORMATS_RASTER_PRIVATE_H */
