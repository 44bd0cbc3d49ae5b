/*
 * container.h - the framed original of a job with several documents
 * (IPP Create-Job and one Send-Document per document; docs/spool-format.md,
 * "Jobs with several documents").
 *
 * A job's original is one spool file whatever the number of documents.
 * With one document it is that document's bytes, as sent.  With several,
 * the daemon writes them into one stream of records as they arrive, and
 * the sandboxed converter splits it, converts each document and merges the
 * results into the one PDF that is held.  The daemon never parses it; the
 * converter does, with gwContainerParse(), which is bounded and fuzzed
 * (tests/fuzz/fuzz-container.c).
 *
 *   magic   GW_CONTAINER_MAGIC (8 bytes)
 *   record  type (1 byte) + length (4 bytes, big-endian) + length bytes
 *     'D'   a document begins; the payload is the format the client named
 *           (printable ASCII, at most GW_CONTAINER_FORMAT_MAX bytes, may be
 *           empty; informational only: the converter goes by content)
 *     'B'   bytes of the current document, 1 to GW_CONTAINER_CHUNK_MAX
 *     'E'   the end (length 0); nothing may follow it
 *
 * A document with no bytes gets no record.  At most GW_CONTAINER_MAX_DOCS
 * documents.  Anything else (a 'B' before any 'D', an unknown type, a
 * length out of range, a cut record, no 'E', bytes after it) is refused.
 *
 * All functions are thread-safe and allocate nothing.
 */

#ifndef PRINTGATE_FORMATS_CONTAINER_H
#define PRINTGATE_FORMATS_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_CONTAINER_MAGIC      "\x89PGDOCS\n"
#define GW_CONTAINER_MAGIC_LEN  8
#define GW_CONTAINER_HEADER_LEN 5           /* Type and length of a record */
#define GW_CONTAINER_MAX_DOCS   100         /* Documents in one job */
#define GW_CONTAINER_CHUNK_MAX  (1024 * 1024)
#define GW_CONTAINER_FORMAT_MAX 127

#define GW_CONTAINER_DOC  'D'
#define GW_CONTAINER_DATA 'B'
#define GW_CONTAINER_END  'E'

/* What the parser found, one call per record: a document begins (data is
 * its format, NUL-terminated, len its length) or bytes of it.  doc counts
 * from 0.  Returning false stops the parse (it then fails with "stopped"). */
typedef bool (*gw_container_cb_t)(void *ctx, int type, int doc, const unsigned char *data, size_t len);

extern bool   gwContainerIs(const void *data, size_t len);   /* Starts with the magic */
extern size_t gwContainerRecord(unsigned char header[GW_CONTAINER_HEADER_LEN], int type, uint32_t len);
extern int    gwContainerParse(const void *data, size_t len, gw_container_cb_t cb, void *ctx, char *error, size_t errsize);
                                            /* Documents found, or -1 with why in error */

#endif /* !PRINTGATE_FORMATS_CONTAINER_H */
