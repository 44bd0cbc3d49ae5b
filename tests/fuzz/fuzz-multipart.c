/*
 * fuzz-multipart.c - libFuzzer harness for the streaming multipart/form-data
 *                    parser and the upload file-name helper
 *                    (web-upload/multipart.c).
 *
 * Input: 3 control bytes, then the body.  Byte 0 picks the limits (parts,
 * header bytes, total), byte 1 the field limit, byte 2 seeds the split.
 * The boundary is "AaB03x" (RFC 7578's example; the dictionary has its
 * delimiters); the whole input is also tried as a Content-Type value.
 *
 * Each body is parsed three times: whole, in pieces of 1 to 32 bytes
 * (sizes from the seed), and one byte at a time.  Promises:
 *
 *   - the three give the same callbacks: a hash of the part headers, of
 *     the content bytes (not of how they were cut into calls), of the
 *     part ends, the error and its offset, must be equal;
 *   - part_data() only between part_begin() and part_end(), part_end()
 *     once per part; a part without a file name never gets more than
 *     max_field bytes; no more parts than max_parts, no more content than
 *     the body, no error offset past it; an error is a known code with a
 *     sentence;
 *   - every file name, sanitised, is valid UTF-8 without '/', '\' or
 *     control characters, within GW_WEB_FILENAME_MAX, and sanitising it
 *     again changes nothing;
 *   - a boundary read from a Content-Type is 1 to 70 bytes.
 */

#include "../../web-upload/multipart.h"
#include "../unit/utf8-check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_BOUNDARY "AaB03x"

typedef struct run_s                    /* One parse's record */
{
  uint64_t             hash;            /* FNV-1a of what the callbacks saw */
  uint64_t             field_bytes;     /* Content bytes of the open part */
  uint64_t             content;         /* Content bytes in all */
  bool                 open;            /* A part is open */
  bool                 is_file;         /* It has a file name */
  size_t               max_field;       /* The field limit */
  int                  parts;           /* Parts begun */
} run_t;

static void
fail(const char *what)
{
  fprintf(stderr, "fuzz-multipart: %s\n", what);
  abort();
}

static void
hash_bytes(run_t *r, const void *data, size_t len)
{
  const unsigned char *p = (const unsigned char *)data;

  for (size_t i = 0; i < len; i ++)
    r->hash = (r->hash ^ p[i]) * 0x100000001b3ULL;
}

static void
check_name(const char *raw, size_t len)
{
  char out[GW_WEB_FILENAME_MAX + 1], again[GW_WEB_FILENAME_MAX + 1], small[8];

  gwWebFilenameSanitize(raw, len, out, sizeof(out));
  if (!out[0] || strlen(out) > GW_WEB_FILENAME_MAX || !test_utf8_ok(out) || strchr(out, '/') || strchr(out, '\\'))
    fail("unclean display name");
  for (const char *c = out; *c; c ++)
    if ((unsigned char)*c < ' ' || *c == 0x7f)
      fail("control character in a display name");
  if (gwWebFilenameSanitize(out, strlen(out), again, sizeof(again)) != 0 || strcmp(out, again))
    fail("sanitising is not idempotent");
  gwWebFilenameSanitize(raw, len, small, sizeof(small));
  if (strlen(small) >= sizeof(small) || !test_utf8_ok(small))
    fail("a small display-name buffer overran or was cut inside a character");
}

static bool
cb_begin(void *data, const gw_multipart_part_t *part)
{
  run_t *r = (run_t *)data;

  if (r->open)
    fail("part_begin inside a part");
  if (part->index != r->parts)
    fail("part index out of order");
  r->open        = true;
  r->is_file     = part->filename != NULL;
  r->field_bytes = 0;
  r->parts ++;

  hash_bytes(r, "B", 1);
  hash_bytes(r, part->name, strlen(part->name) + 1);
  hash_bytes(r, part->content_type, strlen(part->content_type) + 1);
  if (part->filename)
  {
    hash_bytes(r, part->filename, part->filename_len);
    check_name(part->filename, part->filename_len);
  }

  return (true);
}

static bool
cb_data(void *data, const char *buf, size_t len)
{
  run_t *r = (run_t *)data;

  if (!r->open)
    fail("part_data outside a part");
  if (len == 0)
    fail("part_data with no bytes");
  r->field_bytes += len;
  r->content     += len;
  if (!r->is_file && r->field_bytes > r->max_field)
    fail("a field went past max_field");
  hash_bytes(r, buf, len);

  return (true);
}

static bool
cb_end(void *data)
{
  run_t *r = (run_t *)data;

  if (!r->open)
    fail("part_end outside a part");
  r->open = false;
  hash_bytes(r, "E", 1);

  return (true);
}

static uint64_t
parse(const gw_multipart_limits_t *limits, const char *body, size_t len, int mode, unsigned seed)
{
  gw_multipart_cb_t    cb = { cb_begin, cb_data, cb_end };
  run_t                r;
  gw_multipart_t       *mp;
  gw_multipart_error_t err;
  size_t               off = 0, n;

  memset(&r, 0, sizeof(r));
  r.hash      = 0xcbf29ce484222325ULL;
  r.max_field = limits->max_field;
  if ((mp = gwMultipartNew(FUZZ_BOUNDARY, limits, &cb, &r, &err)) == NULL)
    fail("gwMultipartNew refused a valid boundary");

  while (off < len)
  {
    if (mode == 0)
      n = len;
    else if (mode == 1)
      n = 1;
    else
    {
      seed = seed * 1103515245u + 12345u;
      n    = 1 + (seed >> 16) % 32;
    }
    if (n > len - off)
      n = len - off;
    gwMultipartFeed(mp, body + off, n);
    off += n;
  }
  gwMultipartFinish(mp);

  err = gwMultipartGetError(mp);
  if (err < GW_MULTIPART_OK || err > GW_MULTIPART_ERROR_NOMEM || !strncmp(gwMultipartErrorString(err), "Unknown", 7))
    fail("unknown error code");
  if (err == GW_MULTIPART_OK && r.open)
    fail("a complete body left a part open");
  if (gwMultipartGetErrorOffset(mp) > len || r.content > len)
    fail("an offset or a byte count past the body");
  if (r.parts > limits->max_parts || gwMultipartGetParts(mp) > limits->max_parts)
    fail("more parts than max_parts");

  hash_bytes(&r, &err, sizeof(err));
  if (err != GW_MULTIPART_OK)
  {
    uint64_t eoff = gwMultipartGetErrorOffset(mp);

    hash_bytes(&r, &eoff, sizeof(eoff));
  }
  gwMultipartDelete(&mp);
  if (mp)
    fail("gwMultipartDelete left the pointer set");

  return (r.hash);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  gw_multipart_limits_t limits;
  char                  ctype[1024], boundary[GW_MULTIPART_BOUNDARY_MAX + 1];
  const char            *body;
  size_t                len;
  uint64_t              whole, pieces, bytes;

  /* The input as a Content-Type value */
  len = size < sizeof(ctype) - 1 ? size : sizeof(ctype) - 1;
  memcpy(ctype, data, len);
  ctype[len] = '\0';
  if (gwMultipartBoundaryGet(ctype, boundary, sizeof(boundary), NULL) &&
      (strlen(boundary) < 1 || strlen(boundary) > GW_MULTIPART_BOUNDARY_MAX))
    fail("boundary length");

  if (size < 3 || size > 65536)
    return (0);

  /* The limits, from the control bytes */
  memset(&limits, 0, sizeof(limits));
  limits.max_parts  = 1 + (data[0] & 7);
  limits.max_header = (size_t)32 << ((data[0] >> 3) & 3);
  limits.max_field  = 1 + (size_t)data[1] * 4;
  limits.max_total  = (data[0] & 0x20) ? 1 + (size / 2) : 0;
  if (limits.max_total == 0)
    limits.max_total = GW_MULTIPART_MAX_TOTAL;
  body = (const char *)data + 3;
  len  = size - 3;

  whole  = parse(&limits, body, len, 0, 0);
  pieces = parse(&limits, body, len, 2, data[2]);
  bytes  = parse(&limits, body, len, 1, 0);
  if (whole != pieces || whole != bytes)
    fail("the same body cut differently gave different callbacks");

  return (0);
}
