/*
 * multipart.c - the streaming multipart/form-data parser (multipart.h).
 *
 * The body is a byte-at-a-time state machine, with fast paths: content is
 * scanned with memchr() for the CR that may start a delimiter, and every
 * run of bytes that cannot belong to one goes to part_data() straight
 * from the caller's buffer.  The delimiter is "\r\n--" + boundary; since
 * a boundary has no CR (RFC 2046's bchars), a CR can only ever start a
 * delimiter at its first byte, so a partial match that fails is all
 * content except the byte that broke it, which is looked at again from
 * the start: no look-behind buffer, only the count of matched bytes (the
 * matched bytes are the delimiter's own, handed out from mp->delim).
 *
 * The preamble is scanned the same way, as if a CRLF came before the
 * body (so the first delimiter may start the body), and thrown away.
 *
 * States (mp->state):
 *
 *   PREAMBLE    before the first delimiter: looking for it, discarding;
 *   DATA        a part's content: looking for the delimiter, emitting;
 *   AFTER_DELIM the delimiter matched: "--" closes, SP/HT pad, CR ends
 *               the line; anything else means it was content after all;
 *   AFTER_DASH  one '-' after it: a second closes the body;
 *   PADDING     spaces or tabs after it, until CR;
 *   DELIM_LF    CR seen, LF must follow: the next part's headers start;
 *   HEADERS     a part's header block, kept (max_header) until the blank
 *               line, then parsed and handed to part_begin();
 *   DONE        after the close delimiter: the epilogue, ignored;
 *   ERROR       sticky.
 */

#include "multipart.h"
#include "printgate/text.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>


/*
 * Types.
 */

typedef enum mp_state_e                 /* Where the parser is */
{
  MP_PREAMBLE,
  MP_DATA,
  MP_AFTER_DELIM,
  MP_AFTER_DASH,
  MP_PADDING,
  MP_DELIM_LF,
  MP_HEADERS,
  MP_DONE,
  MP_ERROR
} mp_state_t;

struct _gw_multipart_s                  /* A parser */
{
  gw_multipart_cb_t     cb;             /* Callbacks */
  void                  *cb_data;       /* Their data */
  gw_multipart_limits_t limits;         /* Ceilings (defaults filled in) */
  char                  delim[4 + GW_MULTIPART_BOUNDARY_MAX + 1];
                                        /* "\r\n--" + boundary */
  size_t                delim_len;      /* Its length */
  mp_state_t            state;          /* Current state */
  size_t                match;          /* Delimiter bytes matched so far */
  bool                  in_part;        /* A part is open (begun, not ended) */
  bool                  is_file;        /* The open part has a file name */
  uint64_t              part_bytes;     /* Content bytes of the open part */
  uint64_t              total;          /* Body bytes consumed before this feed */
  const char            *feed_start;    /* Start of the piece being fed */
  int                   parts;          /* Parts started */
  gw_multipart_error_t  error;          /* First error */
  uint64_t              error_offset;   /* Body offset of the byte that caused it */
  char                  *hbuf;          /* Raw header block (max_header + 1) */
  size_t                hlen;           /* Bytes in it */
  char                  *vbuf;          /* Decoded parameter values (max_header + 1) */
};

typedef struct mp_param_s               /* One "; name=value" parameter */
{
  const char            *name;          /* Its name (not terminated) */
  size_t                namelen;        /* Name length */
  char                  *value;         /* Its value, unquoted and nul-terminated */
  size_t                valuelen;       /* Value length */
} mp_param_t;


/*
 * Local functions.
 */

static bool             boundary_valid(const char *b, size_t len);
static bool             emit(gw_multipart_t *mp, const char *buf, size_t len, uint64_t offset);
static const char       *feed_content(gw_multipart_t *mp, const char *p, const char *end);
static const char       *feed_delimiter(gw_multipart_t *mp, const char *p);
static const char       *feed_headers(gw_multipart_t *mp, const char *p, const char *end);
static size_t           filename_char(const unsigned char *s, size_t len, size_t *i, unsigned char ch[4], unsigned *changes);
static uint64_t         at(const gw_multipart_t *mp, const char *p);
static bool             fail(gw_multipart_t *mp, gw_multipart_error_t error, uint64_t offset);
static bool             is_tchar(int c);
static bool             not_delimiter(gw_multipart_t *mp, bool dash, const char *p);
static bool             part_next(gw_multipart_t *mp, const char *lf);
static int              param_next(const char **s, char **out, const char *outend, mp_param_t *param, bool any_escape);
static bool             param_is(const mp_param_t *param, const char *name);
static gw_multipart_error_t parse_disposition(gw_multipart_t *mp, const char *value, gw_multipart_part_t *part);
static ssize_t          parse_ext_value(char *value, size_t len);
static gw_multipart_error_t parse_headers(gw_multipart_t *mp, gw_multipart_part_t *part);
static const char       *skip_ows(const char *s);


/*
 * 'gwMultipartBoundaryGet()' - Get the boundary from a Content-Type value.
 *
 * The type must be multipart/form-data (any case); the boundary parameter
 * a token or a quoted-string (RFC 7230 quoted-pairs), given once, 1 to 70
 * of RFC 2046's bchars, not ending in a space.  A boundary that does not
 * fit in bsize bytes is invalid (GW_MULTIPART_BOUNDARY_MAX + 1 fits every
 * valid one); so is any parameter value longer than 255 bytes, or
 * malformed parameters.  On failure *error (when not NULL) says why: TYPE,
 * BOUNDARY_MISSING or BOUNDARY_INVALID, and boundary is emptied.
 */

bool                                    /* O - true when found and valid */
gwMultipartBoundaryGet(
    const char           *content_type, /* I - Content-Type header value, or NULL */
    char                 *boundary,     /* O - Boundary (nul-terminated) */
    size_t               bsize,         /* I - Size of boundary */
    gw_multipart_error_t *error)        /* O - Why not, or NULL */
{
  static const char type[] = "multipart/form-data";
  const char  *s = NULL;                /* Position in content_type */
  char        vbuf[256], *out;          /* One parameter's value */
  mp_param_t  param;                    /* That parameter */
  int         ret;                      /* param_next() result */
  bool        found = false;            /* Boundary seen */
  gw_multipart_error_t err = GW_MULTIPART_OK;

  if (!boundary || bsize == 0)
    err = GW_MULTIPART_ERROR_BOUNDARY_INVALID;
  else if (!content_type || strncasecmp((s = skip_ows(content_type)), type, sizeof(type) - 1) ||
           (s[sizeof(type) - 1] && s[sizeof(type) - 1] != ';' && s[sizeof(type) - 1] != ' ' && s[sizeof(type) - 1] != '\t'))
    err = GW_MULTIPART_ERROR_TYPE;
  else
  {
    boundary[0] = '\0';
    for (s += sizeof(type) - 1; err == GW_MULTIPART_OK;)
    {
      out = vbuf;
      if ((ret = param_next(&s, &out, vbuf + sizeof(vbuf), &param, true)) == 0)
        break;
      if (ret < 0)
        err = GW_MULTIPART_ERROR_BOUNDARY_INVALID;
      else if (param_is(&param, "boundary"))
      {
        if (found || param.valuelen >= bsize || !boundary_valid(param.value, param.valuelen))
          err = GW_MULTIPART_ERROR_BOUNDARY_INVALID;
        else
          memcpy(boundary, param.value, param.valuelen + 1);
        found = true;
      }
    }
    if (err == GW_MULTIPART_OK && !found)
      err = GW_MULTIPART_ERROR_BOUNDARY_MISSING;
  }

  if (err != GW_MULTIPART_OK && boundary && bsize)
    boundary[0] = '\0';
  if (error)
    *error = err;

  return (err == GW_MULTIPART_OK);
}


/*
 * 'gwMultipartDelete()' - Free a parser; accepts NULL, sets *mp to NULL.
 */

void
gwMultipartDelete(gw_multipart_t **mp)  /* IO - Parser */
{
  if (!mp || !*mp)
    return;

  free((*mp)->hbuf);
  free((*mp)->vbuf);
  free(*mp);
  *mp = NULL;
}


/*
 * 'gwMultipartErrorString()' - The sentence for an error code.
 */

const char *                            /* O - Sentence (static) */
gwMultipartErrorString(
    gw_multipart_error_t error)         /* I - Error code */
{
  switch (error)
  {
    case GW_MULTIPART_OK :
        return ("No error.");
    case GW_MULTIPART_ERROR_TYPE :
        return ("The request's Content-Type is not multipart/form-data.");
    case GW_MULTIPART_ERROR_BOUNDARY_MISSING :
        return ("The multipart/form-data Content-Type has no boundary parameter.");
    case GW_MULTIPART_ERROR_BOUNDARY_INVALID :
        return ("The multipart boundary is invalid: it must be given once, 1 to 70 letters, digits or '()+_,-./:=? characters (inner spaces allowed), quoted when needed.");
    case GW_MULTIPART_ERROR_HEADER_TOO_LONG :
        return ("A part's headers are too long.");
    case GW_MULTIPART_ERROR_TOO_MANY_PARTS :
        return ("The form has too many parts.");
    case GW_MULTIPART_ERROR_NO_DISPOSITION :
        return ("A part has no \"Content-Disposition: form-data\" header.");
    case GW_MULTIPART_ERROR_NO_NAME :
        return ("A part's Content-Disposition has no field name.");
    case GW_MULTIPART_ERROR_HEADER_SYNTAX :
        return ("A part's headers are malformed (a line without a colon, a bad name, an unclosed quote, a parameter given twice, a NUL byte or a CR without LF).");
    case GW_MULTIPART_ERROR_BARE_LF :
        return ("A line of the form ends in a bare LF; multipart/form-data lines must end in CRLF.");
    case GW_MULTIPART_ERROR_DELIMITER :
        return ("A boundary line has text after the boundary or does not end in CRLF.");
    case GW_MULTIPART_ERROR_FIELD_TOO_LARGE :
        return ("A form field (not a file) is too large.");
    case GW_MULTIPART_ERROR_TOO_LARGE :
        return ("The upload is too large.");
    case GW_MULTIPART_ERROR_TRUNCATED :
        return ("The upload ended before the form's closing boundary: it was cut short.");
    case GW_MULTIPART_ERROR_ABORTED :
        return ("The upload was stopped by its receiver.");
    case GW_MULTIPART_ERROR_NOMEM :
        return ("Out of memory.");
  }

  return ("Unknown multipart error.");
}


/*
 * 'gwMultipartFeed()' - Parse the next piece of the body.
 *
 * Any piece size, 0 included.  Bytes past max_total are not looked at:
 * the ones up to it are parsed, then the error is TOO_LARGE.
 */

bool                                    /* O - false after an error */
gwMultipartFeed(gw_multipart_t *mp,     /* I - Parser */
                const char     *buf,    /* I - Bytes */
                size_t         len)     /* I - Number of bytes */
{
  const char *p, *end;                  /* Position, end of what may be parsed */
  uint64_t   room;                      /* Bytes left under max_total */

  if (!mp || mp->state == MP_ERROR)
    return (false);
  if (!buf || len == 0)
    return (true);

  room = mp->limits.max_total - mp->total;
  end  = buf + (len > room ? (size_t)room : len);
  mp->feed_start = buf;

  for (p = buf; p < end && mp->state != MP_ERROR;)
  {
    switch (mp->state)
    {
      case MP_PREAMBLE :
      case MP_DATA :
          p = feed_content(mp, p, end);
          break;
      case MP_HEADERS :
          p = feed_headers(mp, p, end);
          break;
      case MP_DONE :
          p = end;                      /* Epilogue: ignored */
          break;
      default :
          p = feed_delimiter(mp, p);
          break;
    }
  }

  if (mp->state != MP_ERROR && len > room)
    fail(mp, GW_MULTIPART_ERROR_TOO_LARGE, at(mp, end));
  mp->total += (uint64_t)(end - buf);

  return (mp->state != MP_ERROR);
}


/*
 * 'gwMultipartFinish()' - End of the body: true only when the close
 *                         delimiter was read (else TRUNCATED).
 */

bool                                    /* O - true when the body was complete */
gwMultipartFinish(gw_multipart_t *mp)   /* I - Parser */
{
  if (!mp || mp->state == MP_ERROR)
    return (false);
  if (mp->state != MP_DONE)
  {
    return (fail(mp, GW_MULTIPART_ERROR_TRUNCATED, mp->total));
  }

  return (true);
}


/*
 * 'gwMultipartGetError()' - The error, or GW_MULTIPART_OK.
 */

gw_multipart_error_t                    /* O - Error code */
gwMultipartGetError(
    const gw_multipart_t *mp)           /* I - Parser */
{
  return (mp ? mp->error : GW_MULTIPART_ERROR_NOMEM);
}


/*
 * 'gwMultipartGetErrorOffset()' - Offset in the body of the byte at which
 *                                 the error was found (the body's length
 *                                 for TRUNCATED).
 */

uint64_t                                /* O - Byte offset */
gwMultipartGetErrorOffset(
    const gw_multipart_t *mp)           /* I - Parser */
{
  return (mp ? mp->error_offset : 0);
}


/*
 * 'gwMultipartGetParts()' - Number of parts started so far.
 */

int                                     /* O - Parts */
gwMultipartGetParts(
    const gw_multipart_t *mp)           /* I - Parser */
{
  return (mp ? mp->parts : 0);
}


/*
 * 'gwMultipartNew()' - Create a parser for one body.
 *
 * The boundary is the one gwMultipartBoundaryGet() returned (checked
 * again here).  limits may be NULL (all defaults); callbacks may be NULL.
 * Returns NULL with *error BOUNDARY_INVALID or NOMEM.
 */

gw_multipart_t *                        /* O - Parser, or NULL */
gwMultipartNew(
    const char                  *boundary,  /* I - Boundary */
    const gw_multipart_limits_t *limits,    /* I - Ceilings, or NULL */
    const gw_multipart_cb_t     *cb,        /* I - Callbacks, or NULL */
    void                        *cb_data,   /* I - Their data */
    gw_multipart_error_t        *error)     /* O - Why not, or NULL */
{
  gw_multipart_t *mp;                   /* New parser */
  size_t         blen;                  /* Boundary length */

  if (error)
    *error = GW_MULTIPART_ERROR_BOUNDARY_INVALID;
  if (!boundary || (blen = strnlen(boundary, GW_MULTIPART_BOUNDARY_MAX + 1)) > GW_MULTIPART_BOUNDARY_MAX ||
      !boundary_valid(boundary, blen))
    return (NULL);

  if (error)
    *error = GW_MULTIPART_ERROR_NOMEM;
  if ((mp = calloc(1, sizeof(gw_multipart_t))) == NULL)
    return (NULL);

  if (limits)
    mp->limits = *limits;
  if (mp->limits.max_parts <= 0)
    mp->limits.max_parts = GW_MULTIPART_MAX_PARTS;
  if (mp->limits.max_header == 0)
    mp->limits.max_header = GW_MULTIPART_MAX_HEADER;
  if (mp->limits.max_field == 0)
    mp->limits.max_field = GW_MULTIPART_MAX_FIELD;
  if (mp->limits.max_total == 0)
    mp->limits.max_total = GW_MULTIPART_MAX_TOTAL;
  if (cb)
    mp->cb = *cb;
  mp->cb_data = cb_data;

  memcpy(mp->delim, "\r\n--", 4);
  memcpy(mp->delim + 4, boundary, blen);
  mp->delim_len = 4 + blen;
  mp->state     = MP_PREAMBLE;
  mp->match     = 2;                    /* As if a CRLF came before the body */

  if ((mp->hbuf = malloc(mp->limits.max_header + 1)) == NULL ||
      (mp->vbuf = malloc(mp->limits.max_header + 1)) == NULL)
  {
    gwMultipartDelete(&mp);
    return (NULL);
  }

  if (error)
    *error = GW_MULTIPART_OK;

  return (mp);
}


/*
 * 'gwWebFilenameSanitize()' - Make a safe display name from a raw file
 *                             name.
 *
 * Keeps the last path component (after the last '/' or '\'); drops C0
 * and C1 control characters, DEL, and the bidirectional marks, overrides
 * and isolates (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069:
 * "evil<U+202E>fdp.exe" would read as "evilexe.pdf"); replaces invalid
 * UTF-8 by U+FFFD; trims leading dots and spaces and trailing spaces;
 * shortens the result to outsize - 1 bytes (at most GW_WEB_FILENAME_MAX)
 * at a character boundary, keeping an extension of up to 16 bytes.  An
 * empty result becomes "upload".  out is always nul-terminated valid
 * UTF-8 without '/', '\' or control characters (outsize must be at least
 * 8, else out is emptied).  It is not escaped for HTML: do that where it
 * is shown.  Returns what was changed (GW_WEB_FILENAME_* bits), 0 when
 * out is the raw name.
 */

static unsigned                         /* O - GW_WEB_FILENAME_* changes */
sanitize_once(
    const char *raw,                    /* I - Raw name (may hold NUL), or NULL */
    size_t     rawlen,                  /* I - Its length in bytes */
    char       *out,                    /* O - Display name */
    size_t     outsize)                 /* I - Size of out (>= 8) */
{
  const unsigned char *s = (const unsigned char *)raw;
  unsigned  changes = 0;                /* What was changed */
  size_t    start = 0, i, max, pos, n;  /* Name start, index, room, output position, char bytes */
  size_t    clean_end = 0, dot = 0;     /* Cleaned length (trailing spaces trimmed), last '.' */
  size_t    head, len = 0;              /* Bytes of the head to keep, bytes written */
  unsigned char ch[4];                  /* One output character */
  bool      lead, head_done = false;    /* Still in leading dots/spaces, head cut */

  if (!out || outsize < 8)
  {
    if (out && outsize)
      *out = '\0';
    return (GW_WEB_FILENAME_EMPTY);
  }
  max = outsize - 1 > GW_WEB_FILENAME_MAX ? GW_WEB_FILENAME_MAX : outsize - 1;
  if (!raw)
    rawlen = 0;

  /* The last path component ('/' and '\' never occur inside UTF-8 sequences) */
  for (i = 0; i < rawlen; i ++)
    if (s[i] == '/' || s[i] == '\\')
      start = i + 1;
  if (start)
    changes |= GW_WEB_FILENAME_PATH;

  /* Pass 1: the cleaned length and where its extension starts */
  for (i = start, pos = 0, lead = true; i < rawlen;)
  {
    if ((n = filename_char(s, rawlen, &i, ch, &changes)) == 0)
      continue;
    if (lead && (ch[0] == '.' || ch[0] == ' '))
    {
      changes |= GW_WEB_FILENAME_TRIMMED;
      continue;
    }
    lead = false;
    if (ch[0] == '.')
      dot = pos;
    pos += n;
    if (ch[0] != ' ')
      clean_end = pos;
  }
  if (clean_end < pos)
    changes |= GW_WEB_FILENAME_TRIMMED;

  /* Pass 2: write it, cut to max with the extension kept when it is short */
  head = clean_end;
  if (clean_end > max)
  {
    changes |= GW_WEB_FILENAME_TRUNCATED;
    head = (dot > 0 && clean_end - dot <= 16 && clean_end - dot <= max / 2) ? max - (clean_end - dot) : max;
    if (head == max)
      dot = clean_end;
  }
  else
    dot = clean_end;

  for (i = start, pos = 0, lead = true; i < rawlen && pos < clean_end;)
  {
    unsigned ignored = 0;

    if ((n = filename_char(s, rawlen, &i, ch, &ignored)) == 0 || (lead && (ch[0] == '.' || ch[0] == ' ')))
      continue;
    lead = false;
    if (pos + n > head || pos + n > dot)
      head_done = true;
    if ((!head_done && pos + n <= head) || pos >= dot)
    {
      memcpy(out + len, ch, n);
      len += n;
    }
    pos += n;
  }

  if (len == 0)
  {
    memcpy(out, "upload", 7);
    changes |= GW_WEB_FILENAME_EMPTY;
    len = 6;
  }
  out[len] = '\0';

  return (changes);
}


/*
 * 'gwWebFilenameSanitize()' - sanitize_once() until the name no longer
 *                             changes: a cut at the length limit can
 *                             leave what a second pass would trim
 *                             (found by fuzz-multipart), and a display
 *                             name must come out the same when cleaned
 *                             again.  Each pass only shortens, so a few
 *                             are enough.
 */

unsigned                                /* O - GW_WEB_FILENAME_* changes */
gwWebFilenameSanitize(
    const char *raw,                    /* I - Raw name (may hold NUL), or NULL */
    size_t     rawlen,                  /* I - Its length in bytes */
    char       *out,                    /* O - Display name */
    size_t     outsize)                 /* I - Size of out (>= 8) */
{
  unsigned changes = sanitize_once(raw, rawlen, out, outsize);
  char     again[GW_WEB_FILENAME_MAX + 1];

  for (int pass = 0; pass < 8 && outsize >= 8; pass ++)
  {
    sanitize_once(out, strlen(out), again, sizeof(again) < outsize ? sizeof(again) : outsize);
    if (!strcmp(again, out))
      break;
    snprintf(out, outsize, "%s", again);
  }

  return (changes);
}


/*
 * 'at()' - Body offset of a byte of the piece being fed.
 */

static uint64_t                         /* O - Offset */
at(const gw_multipart_t *mp,            /* I - Parser */
   const char           *p)             /* I - Byte in the piece */
{
  return (mp->total + (uint64_t)(p - mp->feed_start));
}


/*
 * 'boundary_valid()' - Is this a boundary RFC 2046 allows: 1 to 70 of
 *                      DIGIT ALPHA '()+_,-./:=? and space, not ending in
 *                      a space?
 */

static bool                             /* O - true when valid */
boundary_valid(const char *b,           /* I - Boundary */
               size_t     len)          /* I - Its length */
{
  if (len == 0 || len > GW_MULTIPART_BOUNDARY_MAX || b[len - 1] == ' ')
    return (false);

  for (size_t i = 0; i < len; i ++)
  {
    char c = b[i];

    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c && strchr("'()+_,-./:=? ", c))))
      return (false);
  }

  return (true);
}


/*
 * 'emit()' - Hand content to part_data(), counting it against max_field
 *            for a part that is not a file (the bytes up to the limit
 *            are handed over, then the error).
 */

static bool                             /* O - false after an error */
emit(gw_multipart_t *mp,                /* I - Parser */
     const char     *buf,               /* I - Content */
     size_t         len,                /* I - Its length */
     uint64_t       offset)             /* I - Body offset of its first byte */
{
  bool over = false;                    /* The field goes past max_field */

  if (len == 0)
    return (true);

  if (!mp->is_file && (uint64_t)len > mp->limits.max_field - mp->part_bytes)
  {
    len  = (size_t)(mp->limits.max_field - mp->part_bytes);
    over = true;
  }

  mp->part_bytes += len;
  if (len && mp->cb.part_data && !mp->cb.part_data(mp->cb_data, buf, len))
    return (fail(mp, GW_MULTIPART_ERROR_ABORTED, offset));
  if (over)
    return (fail(mp, GW_MULTIPART_ERROR_FIELD_TOO_LARGE, offset + len));

  return (true);
}


/*
 * 'fail()' - Record the first error; the parser stops.
 */

static bool                             /* O - false */
fail(gw_multipart_t       *mp,          /* I - Parser */
     gw_multipart_error_t error,        /* I - Error */
     uint64_t             offset)       /* I - Body offset of the byte at fault */
{
  if (mp->state == MP_ERROR)
    return (false);

  mp->state        = MP_ERROR;
  mp->error        = error;
  mp->error_offset = offset;

  return (false);
}


/*
 * 'feed_content()' - Parse preamble or part content: look for the
 *                    delimiter, hand the content to emit() (discard the
 *                    preamble).
 */

static const char *                     /* O - First byte not consumed */
feed_content(gw_multipart_t *mp,        /* I - Parser */
             const char     *p,         /* I - Bytes */
             const char     *end)       /* I - Their end */
{
  bool keep = mp->state == MP_DATA;     /* Content (not preamble) */

  while (p < end)
  {
    if (mp->match == 0)
    {
      /* Everything before the next CR is content */
      const char *cr = memchr(p, '\r', (size_t)(end - p));

      if (!cr)
      {
        if (keep)
          emit(mp, p, (size_t)(end - p), at(mp, p));
        return (end);
      }
      if (keep && !emit(mp, p, (size_t)(cr - p), at(mp, p)))
        return (end);
      p          = cr + 1;
      mp->match  = 1;
    }
    else if (*p == mp->delim[mp->match])
    {
      p ++;
      if (++ mp->match == mp->delim_len)
      {
        mp->match = 0;
        mp->state = MP_AFTER_DELIM;
        return (p);
      }
    }
    else
    {
      /* Not the delimiter: what matched is content, *p is looked at again */
      if (keep && !emit(mp, mp->delim, mp->match, at(mp, p) - mp->match))
        return (end);
      mp->match = 0;
    }
  }

  return (p);
}


/*
 * 'feed_delimiter()' - Parse one byte after a delimiter.
 */

static const char *                     /* O - First byte not consumed */
feed_delimiter(gw_multipart_t *mp,      /* I - Parser */
               const char     *p)       /* I - The byte */
{
  char c = *p;                          /* The byte */

  switch (mp->state)
  {
    case MP_AFTER_DELIM :
        if (c == '-')
          mp->state = MP_AFTER_DASH;
        else if (c == ' ' || c == '\t')
          mp->state = MP_PADDING;
        else if (c == '\r')
          mp->state = MP_DELIM_LF;
        else if (c == '\n')
          fail(mp, GW_MULTIPART_ERROR_BARE_LF, at(mp, p));
        else
        {
          not_delimiter(mp, false, p);       /* Content after all: c again as content */
          return (p);
        }
        return (p + 1);

    case MP_AFTER_DASH :
        if (c != '-')
        {
          not_delimiter(mp, true, p);
          return (p);
        }
        if (mp->in_part)
        {
          mp->in_part = false;
          if (mp->cb.part_end && !mp->cb.part_end(mp->cb_data))
            return (fail(mp, GW_MULTIPART_ERROR_ABORTED, at(mp, p)), p);
        }
        mp->state = MP_DONE;
        return (p + 1);

    case MP_PADDING :
        if (c == '\r')
          mp->state = MP_DELIM_LF;
        else if (c != ' ' && c != '\t')
          fail(mp, c == '\n' ? GW_MULTIPART_ERROR_BARE_LF : GW_MULTIPART_ERROR_DELIMITER, at(mp, p));
        return (p + 1);

    default :                           /* MP_DELIM_LF */
        if (c != '\n')
          fail(mp, GW_MULTIPART_ERROR_DELIMITER, at(mp, p));
        else
          part_next(mp, p);
        return (p + 1);
  }
}


/*
 * 'feed_headers()' - Collect a part's header block (CRLF lines, at most
 *                    max_header bytes), then parse it and begin the part.
 */

static const char *                     /* O - First byte not consumed */
feed_headers(gw_multipart_t *mp,        /* I - Parser */
             const char     *p,         /* I - Bytes */
             const char     *end)       /* I - Their end */
{
  gw_multipart_part_t  part;            /* The part's description */
  gw_multipart_error_t err;             /* Header error */

  while (p < end)
  {
    char c    = *p;                     /* This byte */
    char prev = mp->hlen ? mp->hbuf[mp->hlen - 1] : '\0';

    if (mp->hlen >= mp->limits.max_header)
      return (fail(mp, GW_MULTIPART_ERROR_HEADER_TOO_LONG, at(mp, p)), p);
    if (c == '\0' || (prev == '\r' && c != '\n'))
      return (fail(mp, GW_MULTIPART_ERROR_HEADER_SYNTAX, at(mp, p)), p);
    if (c == '\n' && prev != '\r')
      return (fail(mp, GW_MULTIPART_ERROR_BARE_LF, at(mp, p)), p);

    mp->hbuf[mp->hlen ++] = c;
    p ++;

    /* The block ends with an empty line (a block of only CRLF has no header) */
    if (c == '\n' && (mp->hlen == 2 || (mp->hlen >= 4 && mp->hbuf[mp->hlen - 3] == '\n')))
    {
      mp->hbuf[mp->hlen] = '\0';
      if ((err = parse_headers(mp, &part)) != GW_MULTIPART_OK)
        return (fail(mp, err, at(mp, p - 1)), p);

      mp->in_part    = true;
      mp->is_file    = part.filename != NULL;
      mp->part_bytes = 0;
      mp->match      = 0;
      mp->state      = MP_DATA;
      if (mp->cb.part_begin && !mp->cb.part_begin(mp->cb_data, &part))
        fail(mp, GW_MULTIPART_ERROR_ABORTED, at(mp, p - 1));
      return (p);
    }
  }

  return (p);
}


/*
 * 'filename_char()' - The next character of a raw file name, cleaned:
 *                     0 bytes when it is dropped (control, bidi), U+FFFD
 *                     for an invalid UTF-8 byte.
 */

static size_t                           /* O - Bytes in ch, 0 when dropped */
filename_char(const unsigned char *s,   /* I - Raw name */
              size_t              len,  /* I - Its length */
              size_t              *i,   /* IO - Position */
              unsigned char       ch[4],/* O - The character's bytes */
              unsigned            *changes) /* IO - GW_WEB_FILENAME_* bits */
{
  uint32_t cp = 0;                      /* Code point */
  size_t   n, k;                        /* Sequence length, index */

  if (s[*i] < 0x80)
    n = 1, cp = s[*i];
  else if (s[*i] >= 0xc2 && s[*i] <= 0xdf)
    n = 2, cp = s[*i] & 0x1f;
  else if ((s[*i] & 0xf0) == 0xe0)
    n = 3, cp = s[*i] & 0x0f;
  else if (s[*i] >= 0xf0 && s[*i] <= 0xf4)
    n = 4, cp = s[*i] & 0x07;
  else
    n = 0;

  for (k = 1; n && k < n; k ++)
  {
    if (*i + k >= len || (s[*i + k] & 0xc0) != 0x80)
      n = 0;
    else
      cp = (cp << 6) | (s[*i + k] & 0x3f);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
    n = 0;

  if (n == 0)
  {
    /* Invalid: U+FFFD for this one byte */
    (*i) ++;
    *changes |= GW_WEB_FILENAME_UTF8;
    memcpy(ch, "\xef\xbf\xbd", 3);
    return (3);
  }

  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
      (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
  {
    *i += n;
    *changes |= GW_WEB_FILENAME_CONTROL;
    return (0);
  }

  memcpy(ch, s + *i, n);
  *i += n;

  return (n);
}


/*
 * 'is_tchar()' - Is c a token character (RFC 7230)?
 */

static bool                             /* O - true for a tchar */
is_tchar(int c)                         /* I - Character */
{
  return ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c && strchr("!#$%&'*+-.^_`|~", c)));
}


/*
 * 'not_delimiter()' - The delimiter matched but what follows it makes it
 *                     content: hand it over (with the '-' that followed
 *                     when dash) and look for the next one.
 */

static bool                             /* O - false after an error */
not_delimiter(gw_multipart_t *mp,       /* I - Parser */
              bool           dash,      /* I - A '-' followed it */
              const char     *p)        /* I - The byte after them */
{
  uint64_t offset = at(mp, p) - mp->delim_len - (dash ? 1 : 0);

  mp->match = 0;
  mp->state = mp->in_part ? MP_DATA : MP_PREAMBLE;
  if (!mp->in_part)
    return (true);

  return (emit(mp, mp->delim, mp->delim_len, offset) && (!dash || emit(mp, "-", 1, offset + mp->delim_len)));
}


/*
 * 'param_next()' - Parse the next "; name=value" of a header value.
 *
 * The value (a token, or a quoted-string) is written unquoted and
 * nul-terminated at *out, which moves past it.  In a quoted-string a
 * backslash escapes any character when any_escape (RFC 7230), else only
 * '"' and '\' (RFC 7578 file names: a Windows path keeps its '\').  A
 * trailing ';' is allowed.
 */

static int                              /* O - 1 = a parameter, 0 = end, -1 = malformed or no room */
param_next(const char **sp,             /* IO - Position in the header value */
           char       **out,            /* IO - Where values go */
           const char *outend,          /* I - End of that buffer */
           mp_param_t *param,           /* O - The parameter */
           bool       any_escape)       /* I - Backslash escapes anything */
{
  const char *s = skip_ows(*sp);        /* Position */
  char       *o = *out;                 /* Output */

  if (!*s)
    return (0);
  if (*s != ';')
    return (-1);
  if (!*(s = skip_ows(s + 1)))
  {
    *sp = s;
    return (0);
  }

  for (param->name = s; is_tchar((unsigned char)*s); s ++);
  if ((param->namelen = (size_t)(s - param->name)) == 0 || *(s = skip_ows(s)) != '=')
    return (-1);
  s = skip_ows(s + 1);

  param->value = o;
  if (*s == '"')
  {
    for (s ++; *s != '"'; s ++, o ++)
    {
      if (!*s || o >= outend - 1)
        return (-1);
      if (*s == '\\' && s[1] && (any_escape || s[1] == '"' || s[1] == '\\'))
        s ++;
      *o = *s;
    }
    s ++;
  }
  else
  {
    for (; is_tchar((unsigned char)*s) || (unsigned char)*s >= 0x80; s ++, o ++)
    {
      if (o >= outend - 1)
        return (-1);
      *o = *s;
    }
    if (o == param->value)
      return (-1);
  }

  param->valuelen = (size_t)(o - param->value);
  *o ++ = '\0';
  *out  = o;
  *sp   = s;

  return (1);
}


/*
 * 'param_is()' - Is this parameter called name (any case)?
 */

static bool                             /* O - true when it is */
param_is(const mp_param_t *param,       /* I - Parameter */
         const char       *name)        /* I - Name */
{
  return (param->namelen == strlen(name) && !strncasecmp(param->name, name, param->namelen));
}


/*
 * 'parse_disposition()' - Parse "form-data; name=...; filename=...;
 *                         filename*=..." into part (values in mp->vbuf).
 */

static gw_multipart_error_t             /* O - Error or GW_MULTIPART_OK */
parse_disposition(
    gw_multipart_t      *mp,            /* I - Parser */
    const char          *value,         /* I - Content-Disposition value */
    gw_multipart_part_t *part)          /* IO - Part */
{
  const char *s = value, *t;            /* Position, end of the type */
  char       *out = mp->vbuf;           /* Where decoded values go */
  const char *outend = mp->vbuf + mp->limits.max_header + 1;
  const char *filename = NULL, *ext = NULL;   /* filename=, filename*= (decoded) */
  size_t     filename_len = 0, ext_len = 0;
  bool       ext_seen = false;          /* filename*= given */
  mp_param_t param;                     /* One parameter */
  ssize_t    n;                         /* Decoded filename* length */
  int        ret;                       /* param_next() result */

  for (t = s; is_tchar((unsigned char)*t); t ++);
  if (t - s != 9 || strncasecmp(s, "form-data", 9))
    return (GW_MULTIPART_ERROR_NO_DISPOSITION);

  for (s = t; (ret = param_next(&s, &out, outend, &param, false)) > 0;)
  {
    if (param_is(&param, "name"))
    {
      if (part->name)
        return (GW_MULTIPART_ERROR_HEADER_SYNTAX);
      part->name = param.value;
    }
    else if (param_is(&param, "filename"))
    {
      if (filename)
        return (GW_MULTIPART_ERROR_HEADER_SYNTAX);
      filename     = param.value;
      filename_len = param.valuelen;
    }
    else if (param_is(&param, "filename*"))
    {
      /* RFC 5987: used when its charset is one we read, else ignored */
      if (ext_seen || (n = parse_ext_value(param.value, param.valuelen)) == -1)
        return (GW_MULTIPART_ERROR_HEADER_SYNTAX);
      ext_seen = true;
      if (n >= 0)
      {
        ext     = param.value;
        ext_len = (size_t)n;
      }
    }
  }
  if (ret < 0)
    return (GW_MULTIPART_ERROR_HEADER_SYNTAX);
  if (!part->name)
    return (GW_MULTIPART_ERROR_NO_NAME);

  part->filename     = ext ? ext : filename;
  part->filename_len = ext ? ext_len : filename_len;

  return (GW_MULTIPART_OK);
}


/*
 * 'parse_ext_value()' - Decode an RFC 5987 ext-value (charset'language'
 *                       percent-encoded) in place: UTF-8 as is,
 *                       ISO-8859-1 to UTF-8.
 */

static ssize_t                          /* O - Decoded length, -1 = malformed, -2 = other charset */
parse_ext_value(char   *value,          /* IO - Value, decoded in place (nul-terminated) */
                size_t len)             /* I - Its length */
{
  char  *q1, *q2, *r, *w, *end = value + len;   /* Quotes, read, write, end */
  bool  latin1;                         /* ISO-8859-1, not UTF-8 */
  int   c, hi, lo;                      /* Byte, hex digits */

  if ((q1 = memchr(value, '\'', len)) == NULL || (q2 = memchr(q1 + 1, '\'', (size_t)(end - q1 - 1))) == NULL)
    return (-1);

  if (q1 - value == 5 && !strncasecmp(value, "UTF-8", 5))
    latin1 = false;
  else if (q1 - value == 10 && !strncasecmp(value, "ISO-8859-1", 10))
    latin1 = true;
  else
    return (-2);

  /* Each input byte or %XX becomes at most as many bytes: safe in place */
  for (r = q2 + 1, w = value; r < end;)
  {
    if (*r == '%')
    {
      if (end - r < 3 || (hi = gwHexValue(r[1])) < 0 || (lo = gwHexValue(r[2])) < 0)
        return (-1);
      c  = hi * 16 + lo;
      r += 3;
    }
    else if (is_tchar((unsigned char)*r) && *r != '\'' && *r != '*')
      c = (unsigned char)*r ++;
    else
      return (-1);

    if (latin1 && c >= 0x80)
    {
      *w ++ = (char)(0xc0 | (c >> 6));
      *w ++ = (char)(0x80 | (c & 0x3f));
    }
    else
      *w ++ = (char)c;
  }
  *w = '\0';

  return (w - value);
}


/*
 * 'parse_headers()' - Parse a complete header block (mp->hbuf, CRLF
 *                     lines ending with an empty one): Content-Disposition
 *                     (required, once) and Content-Type (once); other
 *                     headers are ignored.
 */

static gw_multipart_error_t             /* O - Error or GW_MULTIPART_OK */
parse_headers(gw_multipart_t      *mp,  /* I - Parser */
              gw_multipart_part_t *part)/* O - Part */
{
  char       *h = mp->hbuf, *line, *eol, *colon, *v, *e;   /* Block, line, its end, ':', value */
  const char *disp = NULL, *ctype = NULL;                  /* The two headers' values */
  size_t     i;                         /* Index */

  memset(part, 0, sizeof(gw_multipart_part_t));

  /* Join folded lines (obsolete, RFC 5322 3.2.2): CRLF + SP/HT becomes spaces */
  if (h[0] == ' ' || h[0] == '\t')
    return (GW_MULTIPART_ERROR_HEADER_SYNTAX);
  for (i = 0; i + 2 < mp->hlen; i ++)
    if (h[i] == '\r' && (h[i + 2] == ' ' || h[i + 2] == '\t'))
      h[i] = h[i + 1] = ' ';

  /* Every CR is followed by LF (feed_headers() checked), the block ends in CRLFCRLF */
  for (line = h; *line != '\r'; line = eol + 2)
  {
    eol  = strstr(line, "\r\n");
    *eol = '\0';
    if ((colon = strchr(line, ':')) == NULL || colon == line)
      return (GW_MULTIPART_ERROR_HEADER_SYNTAX);
    for (v = line; v < colon; v ++)
      if (!is_tchar((unsigned char)*v))
        return (GW_MULTIPART_ERROR_HEADER_SYNTAX);

    v = (char *)skip_ows(colon + 1);
    for (e = eol; e > v && (e[-1] == ' ' || e[-1] == '\t'); e --);
    *e = '\0';

    if (colon - line == 19 && !strncasecmp(line, "Content-Disposition", 19))
    {
      if (disp)
        return (GW_MULTIPART_ERROR_HEADER_SYNTAX);
      disp = v;
    }
    else if (colon - line == 12 && !strncasecmp(line, "Content-Type", 12))
    {
      if (ctype)
        return (GW_MULTIPART_ERROR_HEADER_SYNTAX);
      ctype = v;
    }
  }

  if (!disp)
    return (GW_MULTIPART_ERROR_NO_DISPOSITION);

  part->index        = mp->parts - 1;
  part->content_type = (ctype && *ctype) ? ctype : "text/plain";

  return (parse_disposition(mp, disp, part));
}


/*
 * 'part_next()' - A delimiter line ended: end the open part, start the
 *                 next one's headers.
 */

static bool                             /* O - false after an error */
part_next(gw_multipart_t *mp,           /* I - Parser */
          const char     *lf)           /* I - The LF that ended the line */
{
  if (mp->in_part)
  {
    mp->in_part = false;
    if (mp->cb.part_end && !mp->cb.part_end(mp->cb_data))
      return (fail(mp, GW_MULTIPART_ERROR_ABORTED, at(mp, lf)));
  }
  if (mp->parts >= mp->limits.max_parts)
    return (fail(mp, GW_MULTIPART_ERROR_TOO_MANY_PARTS, at(mp, lf)));

  mp->parts ++;
  mp->hlen  = 0;
  mp->state = MP_HEADERS;

  return (true);
}


/*
 * 'skip_ows()' - Skip spaces and tabs.
 */

static const char *                     /* O - First other character */
skip_ows(const char *s)                 /* I - String */
{
  while (*s == ' ' || *s == '\t')
    s ++;

  return (s);
}
