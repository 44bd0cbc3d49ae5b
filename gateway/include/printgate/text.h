/*
 * text.h - small text helpers shared by the core, the converter helper and
 * the front-ends' parsers, the growing byte buffer the core composes
 * messages and images in, and growing arrays.
 */

#ifndef PRINTGATE_TEXT_H
#define PRINTGATE_TEXT_H

#include "base.h"

typedef struct gw_buffer_s      /* A growing byte buffer (zero it to start) */
{
  char   *data;                 /* The bytes, nul-terminated after the last; the owner frees it */
  size_t  len;                  /* Bytes held */
  size_t  size;                 /* Bytes allocated */
  bool    failed;               /* Out of memory: what came after was not added */
} gw_buffer_t;

extern int  gwHexValue(int c);  /* Value of a hex digit (0-9, a-f, A-F), or -1 */
extern int  gwKeywordFind(const char *s, const char * const *keywords, int count);  /* Index of s in keywords[count] (an enum's names), or -1 */
extern void gwBufferAdd(gw_buffer_t *b, const void *data, size_t len);   /* Append; nothing once failed */
extern void gwBufferAddf(gw_buffer_t *b, const char *format, ...) __attribute__((format(printf, 2, 3))); /* Formatted (< 2 KB a call, else failed) */
extern void gwBufferAddBase64(gw_buffer_t *b, const void *data, size_t len); /* Append the base64 (RFC 4648, padded) of the bytes */
extern void *gwArrayGrow(void *array, size_t count, size_t *alloc, size_t elemsize, size_t first); /* Room for one more; NULL = out of memory */

#endif /* !PRINTGATE_TEXT_H */
