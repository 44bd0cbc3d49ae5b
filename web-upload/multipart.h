/*
 * multipart.h - a bounded, streaming multipart/form-data parser (RFC 7578
 * on RFC 2046) for browser uploads, and the file-name helper that goes
 * with it.
 *
 * Pure C, no I/O, no threads: the caller (the web portal's upload route)
 * feeds the body in whatever pieces the listener hands it (any split, one
 * byte at a time included) and gets three callbacks per part:
 *
 *   part_begin(part)     the part's headers were read and checked: its
 *                        field name, its file name when it is a file
 *                        (decoded, otherwise raw: see below) and its
 *                        Content-Type;
 *   part_data(buf, len)  a piece of the part's content (any number of
 *                        calls, any sizes; the pieces point into the
 *                        caller's buffer or the parser's delimiter, valid
 *                        during the call only);
 *   part_end()           the part's closing delimiter was read.
 *
 * Memory is constant: the parser never holds a part's content.  It keeps
 * one part's header block (at most max_header bytes, twice: raw and
 * decoded) and its delimiter ("\r\n--" + boundary, at most 74 bytes); a
 * delimiter that arrives split between pieces is remembered as a count of
 * matched bytes, not as bytes.  Every limit counts bytes as they pass,
 * so no split of the body can get round one, and an error happens at the
 * same byte of the body whatever the split: what the callbacks saw before
 * it (headers, data bytes, ends) is the same for every split.
 *
 * What it accepts (strict where the RFCs are):
 *
 *   - lines end in CRLF: a bare LF in a delimiter line or in part headers
 *     is GW_MULTIPART_ERROR_BARE_LF, so a body written with bare LFs fails
 *     at its first delimiter line when the body starts with it (as every
 *     browser's does; after a preamble "\n--BOUNDARY" is not a delimiter,
 *     and such a body ends TRUNCATED); inside content any byte is content;
 *   - a preamble before the first delimiter and an epilogue after the
 *     close delimiter are ignored (RFC 2046 5.1.1), though they count
 *     towards max_total;
 *   - "\r\n--BOUNDARY" followed by anything but '-', a space, a tab, CR
 *     or LF is content (it is not a delimiter), and so is "\r\n--BOUNDARY-"
 *     followed by anything but a second '-'; transport padding (spaces,
 *     tabs) after a delimiter must end in CRLF (else DELIMITER);
 *   - each part needs Content-Disposition: form-data with a name;
 *     filename="..." (quoted-string, backslash escaping only '"' and '\'
 *     so a Windows path keeps its separators) is reported as sent, not
 *     percent-decoded (RFC 7578 4.2: percent-encoding there is only a
 *     convention); filename*=UTF-8''... (RFC 5987; ISO-8859-1 too) is
 *     decoded and wins over filename;
 *   - a part without Content-Type is text/plain (RFC 7578 4.4);
 *   - header continuation lines (obsolete folding) are joined;
 *   - a part is bounded by max_field when it has no file name, a file
 *     part only by max_total: the caller counts each file against its own
 *     cap; a part of type multipart/mixed (RFC 2388's old way of sending
 *     several files in one field) is content like any other;
 *   - a parameter given twice, a NUL byte in the headers, a CR without LF
 *     are syntax errors.
 *
 * File names are reported raw (they may hold "../", control characters,
 * invalid UTF-8, and a NUL when decoded from filename*): sanitising is the
 * caller's job, for which gwWebFilenameSanitize() gives a safe display
 * name.
 *
 * Errors are sticky: after one, every call returns false with the same
 * error; no part_end() is called for the part that was open.
 *
 * Use, from an upload route (HTTP statuses are the caller's choice; 413
 * fits TOO_LARGE, FIELD_TOO_LARGE and TOO_MANY_PARTS, 400 the others,
 * ABORTED whatever stopped it):
 *
 *   char boundary[GW_MULTIPART_BOUNDARY_MAX + 1];
 *
 *   if (!gwMultipartBoundaryGet(content_type, boundary, sizeof(boundary), &err))
 *     -> refuse with gwMultipartErrorString(err)
 *   mp = gwMultipartNew(boundary, &limits, &callbacks, ctx, &err);
 *   for each piece of the body:
 *     if (!gwMultipartFeed(mp, piece, len)) -> refuse with gwMultipartGetError(mp)
 *   at the end of the body:
 *     if (!gwMultipartFinish(mp)) -> refuse (TRUNCATED)
 *   gwMultipartDelete(&mp);
 */

#ifndef PRINTGATE_WEB_MULTIPART_H
#define PRINTGATE_WEB_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


/*
 * Limits and their defaults (a limit given as 0 takes its default).
 */

#define GW_MULTIPART_BOUNDARY_MAX     70                  /* RFC 2046 5.1.1 */
#define GW_MULTIPART_MAX_PARTS        64                  /* Parts per body */
#define GW_MULTIPART_MAX_HEADER       8192                /* Header bytes per part */
#define GW_MULTIPART_MAX_FIELD        (64 * 1024)         /* Bytes of a non-file field */
#define GW_MULTIPART_MAX_TOTAL        ((uint64_t)1 << 30) /* Bytes of the whole body */
#define GW_WEB_FILENAME_MAX           255                 /* Bytes of a sanitised name */


/*
 * Types.
 */

typedef enum gw_multipart_error_e       /* Why a body was refused */
{
  GW_MULTIPART_OK = 0,                  /* No error */
  GW_MULTIPART_ERROR_TYPE,              /* Content-Type is not multipart/form-data */
  GW_MULTIPART_ERROR_BOUNDARY_MISSING,  /* No boundary parameter */
  GW_MULTIPART_ERROR_BOUNDARY_INVALID,  /* Empty, too long, bad characters */
  GW_MULTIPART_ERROR_HEADER_TOO_LONG,   /* A part's headers exceed max_header */
  GW_MULTIPART_ERROR_TOO_MANY_PARTS,    /* More than max_parts parts */
  GW_MULTIPART_ERROR_NO_DISPOSITION,    /* A part without Content-Disposition */
  GW_MULTIPART_ERROR_NO_NAME,           /* form-data without a name */
  GW_MULTIPART_ERROR_HEADER_SYNTAX,     /* Malformed part header */
  GW_MULTIPART_ERROR_BARE_LF,           /* A line ends in LF without CR */
  GW_MULTIPART_ERROR_DELIMITER,         /* Text after a delimiter on its line */
  GW_MULTIPART_ERROR_FIELD_TOO_LARGE,   /* A non-file field exceeds max_field */
  GW_MULTIPART_ERROR_TOO_LARGE,         /* The body exceeds max_total */
  GW_MULTIPART_ERROR_TRUNCATED,         /* The body ended before the close delimiter */
  GW_MULTIPART_ERROR_ABORTED,           /* A callback returned false */
  GW_MULTIPART_ERROR_NOMEM              /* Out of memory (creation only) */
} gw_multipart_error_t;

typedef struct gw_multipart_limits_s    /* Ceilings; 0 = the default */
{
  int           max_parts;              /* Parts per body */
  size_t        max_header;             /* Header bytes of one part (the blank line included) */
  size_t        max_field;              /* Content bytes of a part without a file name */
  uint64_t      max_total;              /* Bytes of the whole body, preamble and epilogue included */
} gw_multipart_limits_t;

typedef struct gw_multipart_part_s      /* One part, as given to part_begin() */
{
  int           index;                  /* 0 for the first part */
  const char    *name;                  /* Field name (nul-terminated, raw) */
  const char    *filename;              /* File name as sent, or NULL when not a file */
  size_t        filename_len;           /* Its length in bytes (may hold a NUL from filename*) */
  const char    *content_type;          /* As sent (trimmed), or "text/plain" */
} gw_multipart_part_t;

typedef struct gw_multipart_cb_s        /* The callbacks; false stops the parse (ABORTED) */
{
  bool          (*part_begin)(void *data, const gw_multipart_part_t *part);
  bool          (*part_data)(void *data, const char *buf, size_t len);
  bool          (*part_end)(void *data);
} gw_multipart_cb_t;

typedef struct _gw_multipart_s gw_multipart_t;   /* A parser (one body) */

enum                                    /* What gwWebFilenameSanitize() changed */
{
  GW_WEB_FILENAME_PATH      = 0x01,     /* Directory parts (/ or \) removed */
  GW_WEB_FILENAME_CONTROL   = 0x02,     /* Control or bidi-override characters dropped */
  GW_WEB_FILENAME_UTF8      = 0x04,     /* Invalid UTF-8 replaced by U+FFFD */
  GW_WEB_FILENAME_TRUNCATED = 0x08,     /* Shortened to fit (extension kept) */
  GW_WEB_FILENAME_EMPTY     = 0x10,     /* Nothing usable left: "upload" */
  GW_WEB_FILENAME_TRIMMED   = 0x20      /* Leading dots/spaces or trailing spaces removed */
};


/*
 * Functions.
 */

extern bool                 gwMultipartBoundaryGet(const char *content_type, char *boundary, size_t bsize, gw_multipart_error_t *error);
extern gw_multipart_t       *gwMultipartNew(const char *boundary, const gw_multipart_limits_t *limits, const gw_multipart_cb_t *cb, void *cb_data, gw_multipart_error_t *error);
extern bool                 gwMultipartFeed(gw_multipart_t *mp, const char *buf, size_t len);
extern bool                 gwMultipartFinish(gw_multipart_t *mp);
extern gw_multipart_error_t gwMultipartGetError(const gw_multipart_t *mp);
extern uint64_t             gwMultipartGetErrorOffset(const gw_multipart_t *mp);
extern int                  gwMultipartGetParts(const gw_multipart_t *mp);
extern void                 gwMultipartDelete(gw_multipart_t **mp);
extern const char           *gwMultipartErrorString(gw_multipart_error_t error);
extern unsigned             gwWebFilenameSanitize(const char *raw, size_t rawlen, char *out, size_t outsize);

#endif /* !PRINTGATE_WEB_MULTIPART_H */
