/*
 * sniff-private.h - helpers shared by the format sniffer's files.
 *
 * sniff.c holds the table of formats and the magic-byte checks; the
 * container formats (ZIP for OOXML/ODF, OLE2 for the old Office formats)
 * and the text charset guess have a file each.  Every helper reads only
 * within [p, p + len).
 */

#ifndef PRINTGATE_FORMATS_SNIFF_PRIVATE_H
#define PRINTGATE_FORMATS_SNIFF_PRIVATE_H

#include "printgate-formats/sniff.h"

#include <stdbool.h>
#include <stdint.h>


/*
 * A name (a stream, a part prefix, a MIME type) that says a format.
 */

typedef struct _gw_sniff_name_s
{
  const char  *name;
  gw_format_t format;
} _gw_sniff_name_t;


/*
 * Little- and big-endian loads from a byte buffer (the caller checks the
 * bounds).
 */

static inline uint16_t
_gwSniffLe16(const unsigned char *p)
{
  return ((uint16_t)(p[0] | (p[1] << 8)));
}

static inline uint32_t
_gwSniffLe32(const unsigned char *p)
{
  return ((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24));
}

static inline uint32_t
_gwSniffBe32(const unsigned char *p)
{
  return (((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3]);
}


/*
 * Functions.
 */

extern gw_format_t _gwSniffName(const _gw_sniff_name_t *names, size_t count, const unsigned char *name, size_t namelen, bool prefix); /* sniff.c */
extern gw_format_t _gwSniffOle2(const unsigned char *p, size_t len);   /* sniff-ole2.c */
extern gw_format_t _gwSniffText(const unsigned char *p, size_t len);   /* sniff-text.c */
extern gw_format_t _gwSniffZip(const unsigned char *p, size_t len);    /* sniff-zip.c */

#endif /* !PRINTGATE_FORMATS_SNIFF_PRIVATE_H */
