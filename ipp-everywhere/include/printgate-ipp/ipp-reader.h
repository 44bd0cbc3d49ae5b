/*
 * ipp-reader.h - a bounded reader for IPP requests, run before libcups
 * decodes anything.
 *
 * Debian 12's libcups 2.4.2 reads nested collections recursively with no
 * bound (20,000 nested media-col crash it).  The reader walks the message
 * header and attribute section as the body arrives, in pieces of any
 * size, and checks the structure: version, request-id, group order, tags,
 * name and value lengths per syntax, collection nesting, the number of
 * attributes and the size of the section.  Only a section that passed is
 * handed to libcups (ippReadIO from memory).  Whatever follows the
 * end-of-attributes tag is document data: the reader never keeps it.
 *
 * Limits: the attribute section (header included) is kept in memory, at
 * most GW_IPP_MAX_SECTION bytes.
 */

#ifndef PRINTGATE_IPP_READER_H
#define PRINTGATE_IPP_READER_H

#include <stdbool.h>
#include <stddef.h>

#define GW_IPP_MAX_SECTION     (256 * 1024)  /* Bytes of header + attributes */
#define GW_IPP_MAX_DEPTH       8             /* Nested collections */
#define GW_IPP_MAX_ATTRIBUTES  1000          /* Named attributes (collection members included) */
#define GW_IPP_MAX_VALUES      10000         /* Values of every kind */

typedef struct _gw_ipp_reader_s gw_ipp_reader_t;

typedef enum gw_ipp_read_e
{
  GW_IPP_READ_MORE,                  /* Send more bytes */
  GW_IPP_READ_DONE,                  /* Attribute section complete (document data may follow) */
  GW_IPP_READ_ERROR                  /* Refused: gwIppReaderStatus() and gwIppReaderError() */
} gw_ipp_read_t;

extern gw_ipp_reader_t *gwIppReaderNew(void);
extern void             gwIppReaderDelete(gw_ipp_reader_t **reader);
/* Feed the next piece of the body.  *used_r = bytes that belong to the attribute section (the rest, after DONE, is document data). */
extern gw_ipp_read_t    gwIppReaderFeed(gw_ipp_reader_t *reader, const void *buf, size_t len, size_t *used_r);
/* The body ended: DONE if the section was complete, else ERROR (truncated). */
extern gw_ipp_read_t    gwIppReaderEnd(gw_ipp_reader_t *reader);
extern int              gwIppReaderStatus(gw_ipp_reader_t *reader);   /* ipp_status_t to answer an ERROR with */
extern const char      *gwIppReaderError(gw_ipp_reader_t *reader);    /* Sentence for the status-message */
extern int              gwIppReaderRequestId(gw_ipp_reader_t *reader); /* 0 until the header is read */
extern int              gwIppReaderVersion(gw_ipp_reader_t *reader, int *minor); /* Major version (0 until read or unsupported) */
/* After DONE: the request decoded by libcups (the caller deletes it), or NULL with the error set. */
extern struct _ipp_s    *gwIppReaderDecode(gw_ipp_reader_t *reader);  /* libcups' ipp_t */

/* Decode a message we made ourselves (an answer, in tests): no limits, never for outside input.  NULL if it does not decode. */
extern struct _ipp_s    *gwIppDecodeTrusted(const void *buf, size_t len);

#endif /* !PRINTGATE_IPP_READER_H */
