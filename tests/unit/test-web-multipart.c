/*
 * test-web-multipart.c - the streaming multipart/form-data parser and the
 * upload file-name helper (web-upload/multipart.c).
 *
 * Every parse is written down as a transcript of what the callbacks saw:
 * "B(index|name|filename|content type)" per part_begin, the content as
 * escaped text (so how it was cut into part_data() calls does not show),
 * "E" per part_end, then "OK" or "!error@offset".  A case is then checked
 * against its hand-written transcript fed whole, and against the whole
 * feed cut at every position (and one byte at a time): an error must be
 * the same error at the same byte, with the same callbacks before it,
 * whatever the split, so no limit can be got round by splitting.
 */

#include "test.h"
#include "multipart.h"
#include "utf8-check.h"

#include <inttypes.h>
#include <sys/resource.h>


/*
 * The transcript recorder.
 */

typedef struct rec_s
{
  test_buf_t  out;              /* Transcript */
  int         stop_at;          /* Return false at this callback number (0 = never) */
  int         calls;            /* Callbacks so far */
} rec_t;

static void
rec_text(rec_t *r, const char *s, size_t len)
{
  char hex[8];

  for (size_t i = 0; i < len; i ++)
  {
    unsigned char c = (unsigned char)s[i];

    if (c >= ' ' && c < 0x7f && c != '\\')
      test_buf_add(&r->out, s + i, 1);
    else
    {
      snprintf(hex, sizeof(hex), "\\x%02x", c);
      test_buf_add(&r->out, hex, 4);
    }
  }
}

static bool
rec_begin(void *data, const gw_multipart_part_t *part)
{
  rec_t *r = (rec_t *)data;
  char   num[16];

  snprintf(num, sizeof(num), "B(%d|", part->index);
  test_buf_add(&r->out, num, strlen(num));
  rec_text(r, part->name, strlen(part->name));
  test_buf_add(&r->out, "|", 1);
  if (part->filename)
    rec_text(r, part->filename, part->filename_len);
  else
    test_buf_add(&r->out, "-", 1);
  test_buf_add(&r->out, "|", 1);
  rec_text(r, part->content_type, strlen(part->content_type));
  test_buf_add(&r->out, ")", 1);

  return (++ r->calls != r->stop_at);
}

static bool
rec_data(void *data, const char *buf, size_t len)
{
  rec_t *r = (rec_t *)data;

  rec_text(r, buf, len);
  return (++ r->calls != r->stop_at);
}

static bool
rec_end(void *data)
{
  rec_t *r = (rec_t *)data;

  test_buf_add(&r->out, "E", 1);
  return (++ r->calls != r->stop_at);
}

static const gw_multipart_cb_t rec_cb = { rec_begin, rec_data, rec_end };


/*
 * 'parse()' - Parse body cut into pieces at the given positions (sorted),
 *             or one byte at a time when bytewise; the transcript is
 *             returned (the caller frees it).
 */

static char *
parse(const char *boundary, const gw_multipart_limits_t *limits, int stop_at,
      const char *body, size_t len, const size_t *cuts, int ncuts, bool bytewise)
{
  rec_t                r;
  gw_multipart_t       *mp;
  gw_multipart_error_t err;
  size_t               from = 0;
  char                 tail[64];

  memset(&r, 0, sizeof(r));
  r.stop_at = stop_at;
  test_buf_add(&r.out, "", 0);
  if ((mp = gwMultipartNew(boundary, limits, &rec_cb, &r, &err)) == NULL)
  {
    snprintf(tail, sizeof(tail), "!new:%d", (int)err);
    test_buf_add(&r.out, tail, strlen(tail));
    return (r.out.data);
  }

  if (bytewise)
  {
    for (size_t i = 0; i < len; i ++)
      gwMultipartFeed(mp, body + i, 1);
  }
  else
  {
    for (int i = 0; i <= ncuts; i ++)
    {
      size_t to = i < ncuts ? cuts[i] : len;

      gwMultipartFeed(mp, body + from, to - from);
      from = to;
    }
  }
  gwMultipartFinish(mp);

  if (gwMultipartGetError(mp) == GW_MULTIPART_OK)
    snprintf(tail, sizeof(tail), "OK");
  else
    snprintf(tail, sizeof(tail), "!%d@%" PRIu64, (int)gwMultipartGetError(mp), gwMultipartGetErrorOffset(mp));
  test_buf_add(&r.out, tail, strlen(tail));
  gwMultipartDelete(&mp);
  TEST_CHECK(mp == NULL);

  return (r.out.data);
}


/*
 * 'check_splits()' - The transcript of body fed whole is want, and every
 *                    split (2 pieces at every position, 3 pieces at every
 *                    pair when pairs, 1 byte at a time) gives the same.
 */

static void
check_splits(const char *what, const char *boundary, const gw_multipart_limits_t *limits, int stop_at,
             const char *body, size_t len, const char *want, bool pairs)
{
  char   *whole, *got;
  size_t cuts[2];
  int    bad = 0, tried = 0;

  whole = parse(boundary, limits, stop_at, body, len, NULL, 0, false);
  TEST_CHECKF(!strcmp(whole, want), "%s: got\n    %s\n  want\n    %s", what, whole, want);

  for (cuts[0] = 0; cuts[0] <= len; cuts[0] ++)
  {
    for (cuts[1] = pairs ? cuts[0] : len; cuts[1] <= len; cuts[1] ++)
    {
      got = parse(boundary, limits, stop_at, body, len, cuts, 2, false);
      tried ++;
      if (strcmp(got, whole) && bad ++ == 0)
        printf("  %s: cut at %zu and %zu gives\n    %s\n", what, cuts[0], cuts[1], got);
      free(got);
    }
  }
  got = parse(boundary, limits, stop_at, body, len, NULL, 0, true);
  tried ++;
  if (strcmp(got, whole) && bad ++ == 0)
    printf("  %s: one byte at a time gives\n    %s\n", what, got);
  free(got);

  TEST_CHECKF(bad == 0, "%s: %d of %d splits differ from the whole feed", what, bad, tried);
  free(whole);
}


/*
 * The 3-part body: a field, a file whose content holds everything that
 * looks like a delimiter without being one, and a file named by
 * filename* (RFC 5987).
 */

#define B3 "XyZ-b0undary"

static const char body3_ok[] =
  "preamble --" B3 "\r\n"
  "--" B3 "\r\n"
  "Content-Disposition: form-data; name=\"title\"\r\n"
  "\r\n"
  "Hello, world\r\n"
  "--" B3 "  \t\r\n"
  "content-disposition: FORM-DATA; Name=doc; filename=\"report.pdf\"\r\n"
  "Content-Type:  application/pdf \r\n"
  "X-Other: ignored\r\n"
  "\r\n"
  "%PDF-1.4\r\n"
  "--" B3 "X not a delimiter\r\n"
  "\r\n--" B3 "-x neither\r\n"
  "\r\n--XyZ-b0undar\r\r\n-\r\n--\rx"
  "\n--" B3 "\n"
  "end\r\n"
  "--" B3 "\r\n"
  "Content-Disposition: form-data; name=\"photo\"; filename=\"fallback.jpg\";\r\n"
  " filename*=UTF-8''%e2%82%ac%20caf%C3%A9.jpg\r\n"
  "\r\n"
  "\r\n"
  "--" B3 "--\r\n"
  "epilogue: ignored, even --" B3 "\r\n\r\n";

static const char body3_want[] =
  "B(0|title|-|text/plain)Hello, worldE"
  "B(1|doc|report.pdf|application/pdf)%PDF-1.4\\x0d\\x0a--" B3 "X not a delimiter\\x0d\\x0a"
  "\\x0d\\x0a--" B3 "-x neither\\x0d\\x0a"
  "\\x0d\\x0a--XyZ-b0undar\\x0d\\x0d\\x0a-\\x0d\\x0a--\\x0dx"
  "\\x0a--" B3 "\\x0a"
  "endE"
  "B(2|photo|\\xe2\\x82\\xac caf\\xc3\\xa9.jpg|text/plain)E"
  "OK";

static void
test_splits(void)
{
  TEST_BEGIN("a 3-part body gives the same parts for every split");
  check_splits("3 parts", B3, NULL, 0, body3_ok, sizeof(body3_ok) - 1, body3_want, true);
}


/*
 * Errors and limits: each body with its limits, fed whole, split at every
 * position and one byte at a time.  Positive controls beside each limit.
 */

typedef struct err_case_s
{
  const char            *what;
  gw_multipart_limits_t limits;
  int                   stop_at;
  const char            *body;
  const char            *want;
  size_t                len;            /* Body length when it holds a NUL, else 0 */
} err_case_t;

#define D   "--b\r\n"
#define CD  "Content-Disposition: form-data; name="
#define END "\r\n--b--\r\n"

static const err_case_t err_cases[] =
{
  { "positive: one field", {0, 0, 0, 0}, 0, D CD "a\r\n\r\nv" END, "B(0|a|-|text/plain)vEOK", 0 },
  { "positive: empty form", {0, 0, 0, 0}, 0, "--b--", "OK", 0 },
  { "positive: epilogue ignored", {0, 0, 0, 0}, 0, D CD "a\r\n\r\nv" END "junk\r\n--b\r\n" CD "x\r\n\r\n", "B(0|a|-|text/plain)vEOK", 0 },
  { "truncated: no close delimiter", {0, 0, 0, 0}, 0, D CD "a\r\n\r\nv\r\n--b\r\n", "B(0|a|-|text/plain)vE!13@55", 0 },
  { "truncated: in the content", {0, 0, 0, 0}, 0, D CD "a\r\n\r\nvalue\r\n--", "B(0|a|-|text/plain)value!13@56", 0 },
  { "truncated: empty body", {0, 0, 0, 0}, 0, "", "!13@0", 0 },
  { "truncated: preamble only", {0, 0, 0, 0}, 0, "just text --b", "!13@13", 0 },
  { "header too long", {0, 67, 0, 0}, 0, D CD "\"0123456789012345678901234\"\r\n\r\nv" END, "!4@72", 0 },
  { "positive: header of exactly the limit", {0, 67, 0, 0}, 0, D CD "\"012345678901234567890123\"\r\n\r\nv" END, "B(0|012345678901234567890123|-|text/plain)vEOK", 0 },
  { "too many parts", {2, 0, 0, 0}, 0, D CD "a\r\n\r\n1\r\n" D CD "b\r\n\r\n2\r\n" D CD "c\r\n\r\n3" END,
    "B(0|a|-|text/plain)1EB(1|b|-|text/plain)2E!5@104", 0 },
  { "positive: as many parts as allowed", {2, 0, 0, 0}, 0, D CD "a\r\n\r\n1\r\n" D CD "b\r\n\r\n2" END,
    "B(0|a|-|text/plain)1EB(1|b|-|text/plain)2EOK", 0 },
  { "no Content-Disposition", {0, 0, 0, 0}, 0, D "Content-Type: text/plain\r\n\r\nv" END, "!6@32", 0 },
  { "no headers at all", {0, 0, 0, 0}, 0, D "\r\nv" END, "!6@6", 0 },
  { "Content-Disposition not form-data", {0, 0, 0, 0}, 0, D "Content-Disposition: attachment; name=a\r\n\r\nv" END, "!6@47", 0 },
  { "form-data without a name", {0, 0, 0, 0}, 0, D "Content-Disposition: form-data; filename=\"a.pdf\"\r\n\r\nv" END, "!7@56", 0 },
  { "header line without a colon", {0, 0, 0, 0}, 0, D CD "a\r\nnot a header\r\n\r\nv" END, "!8@60", 0 },
  { "space before the colon", {0, 0, 0, 0}, 0, D "Content-Disposition : form-data; name=a\r\n\r\nv" END, "!8@47", 0 },
  { "unclosed quote", {0, 0, 0, 0}, 0, D CD "\"a\r\n\r\nv" END, "!8@47", 0 },
  { "name given twice", {0, 0, 0, 0}, 0, D CD "a; name=b\r\n\r\nv" END, "!8@54", 0 },
  { "Content-Disposition twice", {0, 0, 0, 0}, 0, D CD "a\r\n" CD "b\r\n\r\nv" END, "!8@86", 0 },
  { "NUL in a header", {0, 0, 0, 0}, 0, D CD "a\0b\r\n\r\nv" END, "!8@43", sizeof(D CD "a\0b\r\n\r\nv" END) - 1 },
  { "CR without LF in a header", {0, 0, 0, 0}, 0, D CD "a\rb\r\n\r\nv" END, "!8@44", 0 },
  { "bad percent in filename*", {0, 0, 0, 0}, 0, D CD "a; filename*=UTF-8''%zz\r\n\r\nv" END, "!8@68", 0 },
  { "continuation line first", {0, 0, 0, 0}, 0, D " " CD "a\r\n\r\nv" END, "!8@47", 0 },
  { "bare LF: the first delimiter line", {0, 0, 0, 0}, 0, "--b\n" CD "a\n\nv\n--b--\n", "!9@3", 0 },
  { "bare LF: a whole body after a preamble", {0, 0, 0, 0}, 0, "x\n--b\n" CD "a\n\nv\n--b--\n", "!13@54", 0 },
  { "bare LF: a header line", {0, 0, 0, 0}, 0, D CD "a\n\r\nv" END, "!9@43", 0 },
  { "bare LF: after padding", {0, 0, 0, 0}, 0, "--b \n", "!9@4", 0 },
  { "positive: bare LF in content is content", {0, 0, 0, 0}, 0, D CD "a\r\n\r\nx\n--b\ny" END, "B(0|a|-|text/plain)x\\x0a--b\\x0ayEOK", 0 },
  { "text after the delimiter's padding", {0, 0, 0, 0}, 0, D CD "a\r\n\r\nv\r\n--b  x\r\n", "B(0|a|-|text/plain)v!10@55", 0 },
  { "CR then not LF after the delimiter", {0, 0, 0, 0}, 0, D CD "a\r\n\r\nv\r\n--b\rx", "B(0|a|-|text/plain)v!10@54", 0 },
  { "field too large", {0, 0, 4, 0}, 0, D CD "a\r\n\r\n12345" END, "B(0|a|-|text/plain)1234!11@51", 0 },
  { "field too large, delimiter-like bytes held back", {0, 0, 4, 0}, 0, D CD "a\r\n\r\n12\r\n-" END, "B(0|a|-|text/plain)12\\x0d\\x0a!11@51", 0 },
  { "positive: field of exactly the limit", {0, 0, 4, 0}, 0, D CD "a\r\n\r\n1234" END, "B(0|a|-|text/plain)1234EOK", 0 },
  { "positive: a file is not a field", {0, 0, 4, 0}, 0, D CD "a; filename=f\r\n\r\n123456789" END, "B(0|a|f|text/plain)123456789EOK", 0 },
  { "body too large", {0, 0, 0, 56}, 0, D CD "a\r\n\r\nv" END, "B(0|a|-|text/plain)vE!12@56", 0 },
  { "positive: body of exactly the limit", {0, 0, 0, 57}, 0, D CD "a\r\n\r\nv" END, "B(0|a|-|text/plain)vEOK", 0 },
  { "body too large in the epilogue", {0, 0, 0, 58}, 0, D CD "a\r\n\r\nv" END "xxx", "B(0|a|-|text/plain)vE!12@58", 0 },
  { "file name reported raw: ../", {0, 0, 0, 0}, 0, D CD "f; filename=\"../../etc/passwd\"" "\r\n\r\nv" END, "B(0|f|../../etc/passwd|text/plain)vEOK", 0 },
  { "file name reported raw: escapes, Windows path", {0, 0, 0, 0}, 0, D CD "f; filename=\"C:\\x\\a\\\"b\\\\.pdf\"" "\r\n\r\nv" END,
    "B(0|f|C:\\x5cx\\x5ca\"b\\x5c.pdf|text/plain)vEOK", 0 },
  { "file name reported raw: control characters", {0, 0, 0, 0}, 0, D CD "f; filename=\"a\x1b[1mb\x7f.pdf\"" "\r\n\r\nv" END,
    "B(0|f|a\\x1b[1mb\\x7f.pdf|text/plain)vEOK", 0 },
  { "file name: filename* UTF-8 with %00", {0, 0, 0, 0}, 0, D CD "f; filename=\"x\"; filename*=utf-8'en'a%00b%E2%82%AC.pdf" "\r\n\r\nv" END,
    "B(0|f|a\\x00b\\xe2\\x82\\xac.pdf|text/plain)vEOK", 0 },
  { "file name: filename* ISO-8859-1", {0, 0, 0, 0}, 0, D CD "f; filename*=ISO-8859-1''%E9t%E9.pdf" "\r\n\r\nv" END,
    "B(0|f|\\xc3\\xa9t\\xc3\\xa9.pdf|text/plain)vEOK", 0 },
  { "file name: other charset falls back to filename", {0, 0, 0, 0}, 0, D CD "f; filename*=KOI8-R''%C1; filename=fb.txt" "\r\n\r\nv" END,
    "B(0|f|fb.txt|text/plain)vEOK", 0 },
  { "file name: empty (no file chosen)", {0, 0, 0, 0}, 0, D CD "f; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n" END,
    "B(0|f||application/octet-stream)EOK", 0 },
  { "folded header line joined", {0, 0, 0, 0}, 0, D "Content-Disposition: form-data;\r\n\tname=\"caf\xc3\xa9\"\r\n\r\nv" END,
    "B(0|caf\\xc3\\xa9|-|text/plain)vEOK", 0 },
  { "aborted by part_begin", {0, 0, 0, 0}, 1, D CD "a\r\n\r\nv" END, "B(0|a|-|text/plain)!14@46", 0 },
  { "aborted by part_end", {0, 0, 0, 0}, 3, D CD "a\r\n\r\nv" END, "B(0|a|-|text/plain)vE!14@54", 0 },
};

static void
test_errors(void)
{
  TEST_BEGIN("errors and limits: whole, every split, one byte at a time");
  for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i ++)
  {
    const err_case_t *c = err_cases + i;

    check_splits(c->what, "b", &c->limits, c->stop_at, c->body, c->len ? c->len : strlen(c->body),
                 c->want, false);
  }
}


/*
 * Two parsers fed alternately, a byte at a time: one body that is refused
 * (too many parts) beside a valid one.  Nothing is shared: the valid one
 * gives its parts, the other its error, as when each is parsed alone.
 */

static void
test_interleaved(void)
{
  static const char    good[] = D CD "a\r\n\r\n1\r\n" D CD "b\r\n\r\n2" END;
  static const char    bad[]  = D CD "a\r\n\r\n1\r\n" D CD "b\r\n\r\n2\r\n" D CD "c\r\n\r\n3" END;
  gw_multipart_limits_t limits = { 2, 0, 0, 0 };
  rec_t                rg, rb;
  gw_multipart_t       *mg, *mb;
  size_t               glen = sizeof(good) - 1, blen = sizeof(bad) - 1;

  TEST_BEGIN("two parsers fed alternately do not share state");
  memset(&rg, 0, sizeof(rg));
  memset(&rb, 0, sizeof(rb));
  test_buf_add(&rg.out, "", 0);
  test_buf_add(&rb.out, "", 0);
  mg = gwMultipartNew("b", &limits, &rec_cb, &rg, NULL);
  mb = gwMultipartNew("b", &limits, &rec_cb, &rb, NULL);
  for (size_t i = 0; i < glen || i < blen; i ++)
  {
    if (i < blen)
      gwMultipartFeed(mb, bad + i, 1);
    if (i < glen)
      gwMultipartFeed(mg, good + i, 1);
  }
  TEST_CHECK(gwMultipartFinish(mg) && !strcmp(rg.out.data, "B(0|a|-|text/plain)1EB(1|b|-|text/plain)2E"));
  TEST_CHECK(!gwMultipartFinish(mb) && gwMultipartGetError(mb) == GW_MULTIPART_ERROR_TOO_MANY_PARTS &&
             gwMultipartGetErrorOffset(mb) == 104 && gwMultipartGetParts(mb) == 2);
  TEST_CHECK(!gwMultipartFeed(mb, "x", 1) && gwMultipartGetError(mb) == GW_MULTIPART_ERROR_TOO_MANY_PARTS);
  gwMultipartDelete(&mg);
  gwMultipartDelete(&mb);
  free(rg.out.data);
  free(rb.out.data);
}


/*
 * Boundaries from Content-Type values.
 */

typedef struct boundary_case_s
{
  const char           *content_type;
  gw_multipart_error_t want;
  const char           *boundary;
} boundary_case_t;

#define B70 "0123456789012345678901234567890123456789012345678901234567890123456789"

static const boundary_case_t boundary_cases[] =
{
  { "multipart/form-data; boundary=abc", GW_MULTIPART_OK, "abc" },
  { "Multipart/Form-Data;BOUNDARY=\"a b:c?\"", GW_MULTIPART_OK, "a b:c?" },
  { "multipart/form-data; charset=utf-8; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", GW_MULTIPART_OK, "----WebKitFormBoundary7MA4YWxkTrZu0gW" },
  { " multipart/form-data ; boundary = \"x\\yz\" ;", GW_MULTIPART_OK, "xyz" },
  { "multipart/form-data; boundary=" B70, GW_MULTIPART_OK, B70 },
  { "multipart/form-data; boundary=" B70 "0", GW_MULTIPART_ERROR_BOUNDARY_INVALID, "" },
  { "multipart/form-data; boundary=", GW_MULTIPART_ERROR_BOUNDARY_INVALID, "" },
  { "multipart/form-data; boundary=\"\"", GW_MULTIPART_ERROR_BOUNDARY_INVALID, "" },
  { "multipart/form-data; boundary=\"abc \"", GW_MULTIPART_ERROR_BOUNDARY_INVALID, "" },
  { "multipart/form-data; boundary=\"a\\\"b\"", GW_MULTIPART_ERROR_BOUNDARY_INVALID, "" },
  { "multipart/form-data; boundary=a@b", GW_MULTIPART_ERROR_BOUNDARY_INVALID, "" },
  { "multipart/form-data; boundary=\"a\rb\"", GW_MULTIPART_ERROR_BOUNDARY_INVALID, "" },
  { "multipart/form-data; boundary=\"abc", GW_MULTIPART_ERROR_BOUNDARY_INVALID, "" },
  { "multipart/form-data; boundary=a; boundary=b", GW_MULTIPART_ERROR_BOUNDARY_INVALID, "" },
  { "multipart/form-data", GW_MULTIPART_ERROR_BOUNDARY_MISSING, "" },
  { "multipart/form-data; charset=utf-8", GW_MULTIPART_ERROR_BOUNDARY_MISSING, "" },
  { "multipart/mixed; boundary=abc", GW_MULTIPART_ERROR_TYPE, "" },
  { "multipart/form-datax; boundary=abc", GW_MULTIPART_ERROR_TYPE, "" },
  { "application/x-www-form-urlencoded", GW_MULTIPART_ERROR_TYPE, "" },
  { "", GW_MULTIPART_ERROR_TYPE, "" },
  { NULL, GW_MULTIPART_ERROR_TYPE, "" },
};

static void
test_boundary(void)
{
  char                 b[GW_MULTIPART_BOUNDARY_MAX + 1], small[4];
  gw_multipart_error_t err;
  gw_multipart_t       *mp;
  const char           *bad[] = { "", "a@b", "abc ", B70 "0", "a\nb" };

  TEST_BEGIN("boundaries from Content-Type values");
  for (size_t i = 0; i < sizeof(boundary_cases) / sizeof(boundary_cases[0]); i ++)
  {
    const boundary_case_t *c = boundary_cases + i;
    bool                  ok;

    memset(b, 'Z', sizeof(b));
    ok = gwMultipartBoundaryGet(c->content_type, b, sizeof(b), &err);
    TEST_CHECKF(ok == (c->want == GW_MULTIPART_OK) && err == c->want && !strcmp(b, c->boundary),
                "\"%s\": got %d \"%s\" (%s), want %d \"%s\"", c->content_type ? c->content_type : "(null)",
                (int)err, b, gwMultipartErrorString(err), (int)c->want, c->boundary);
  }

  TEST_CHECK(!gwMultipartBoundaryGet("multipart/form-data; boundary=abcd", small, sizeof(small), &err) &&
             err == GW_MULTIPART_ERROR_BOUNDARY_INVALID && small[0] == '\0');
  TEST_CHECK(gwMultipartBoundaryGet("multipart/form-data; boundary=abc", small, sizeof(small), &err) && !strcmp(small, "abc"));

  /* The parser refuses the same boundaries itself */
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i ++)
  {
    mp = gwMultipartNew(bad[i], NULL, NULL, NULL, &err);
    TEST_CHECKF(mp == NULL && err == GW_MULTIPART_ERROR_BOUNDARY_INVALID, "gwMultipartNew(\"%s\")", bad[i]);
    gwMultipartDelete(&mp);
  }
  mp = gwMultipartNew(B70, NULL, NULL, NULL, &err);
  TEST_CHECK(mp != NULL && err == GW_MULTIPART_OK);
  TEST_CHECK(gwMultipartFeed(mp, "--" B70 "--", 74) && gwMultipartFinish(mp) && gwMultipartGetParts(mp) == 0);
  gwMultipartDelete(&mp);
  TEST_CHECK(mp == NULL);

  /* Every error has its own sentence */
  for (int e = GW_MULTIPART_OK; e <= GW_MULTIPART_ERROR_NOMEM; e ++)
    for (int f = e + 1; f <= GW_MULTIPART_ERROR_NOMEM; f ++)
      if (!strcmp(gwMultipartErrorString((gw_multipart_error_t)e), gwMultipartErrorString((gw_multipart_error_t)f)))
        TEST_CHECKF(false, "errors %d and %d share a sentence", e, f);
}


/*
 * A 10 MB part streams with bounded memory.  The body is made on the fly
 * (body_byte()) and fed in pieces of varying size from one 64 KiB buffer,
 * so nothing in the test holds it either; the content is full of CRs and
 * delimiter prefixes.  The receiver checks every byte and counts them.
 * Positive control: a receiver that keeps the content raises the peak RSS
 * by about its size, so the measurement would see a parser that buffers.
 */

#define BIG_SIZE   (10 * 1024 * 1024)
#define BIG_HEAD   "--" B3 "\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"big.bin\"\r\n\r\n"
#define BIG_TAIL   "\r\n--" B3 "--\r\n"
#define BIG_PAT    "\r\n--XyZ-b0undar\r\r\n-\r\n--" B3 "X0123456789abcdef\r"

typedef struct big_s
{
  uint64_t    bytes;            /* Content bytes received */
  uint64_t    bad;              /* Bytes that differ from content_byte() */
  int         begins, ends;
  test_buf_t  *keep;            /* Positive control: keep the content here */
} big_t;

static char
content_byte(uint64_t i)
{
  return (BIG_PAT[i % (sizeof(BIG_PAT) - 1)]);
}

static char
body_byte(uint64_t off)
{
  if (off < sizeof(BIG_HEAD) - 1)
    return (BIG_HEAD[off]);
  off -= sizeof(BIG_HEAD) - 1;
  if (off < BIG_SIZE)
    return (content_byte(off));
  return (BIG_TAIL[off - BIG_SIZE]);
}

static bool
big_begin(void *data, const gw_multipart_part_t *part)
{
  ((big_t *)data)->begins ++;
  return (!strcmp(part->filename, "big.bin"));
}

static bool
big_data(void *data, const char *buf, size_t len)
{
  big_t *b = (big_t *)data;

  for (size_t i = 0; i < len; i ++)
    if (buf[i] != content_byte(b->bytes + i))
      b->bad ++;
  b->bytes += len;
  if (b->keep)
    test_buf_add(b->keep, buf, len);
  return (true);
}

static bool
big_end(void *data)
{
  ((big_t *)data)->ends ++;
  return (true);
}

static long
peak_rss_kb(void)
{
  struct rusage ru;

  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_maxrss);
}

static long
stream_big(test_buf_t *keep, big_t *b)
{
  static char          piece[65536];
  gw_multipart_cb_t    cb = { big_begin, big_data, big_end };
  gw_multipart_limits_t limits = { 0, 0, 0, (uint64_t)BIG_SIZE + 4096 };
  gw_multipart_t       *mp;
  uint64_t             total = sizeof(BIG_HEAD) - 1 + BIG_SIZE + sizeof(BIG_TAIL) - 1, off = 0;
  uint32_t             seed = 12345;
  long                 before;

  memset(b, 0, sizeof(*b));
  b->keep = keep;
  before  = peak_rss_kb();
  mp      = gwMultipartNew(B3, &limits, &cb, b, NULL);
  while (off < total && mp)
  {
    size_t n;

    seed = seed * 1103515245 + 12345;
    n    = 1 + (seed >> 8) % sizeof(piece);
    if (n > total - off)
      n = (size_t)(total - off);
    for (size_t i = 0; i < n; i ++)
      piece[i] = body_byte(off + i);
    if (!gwMultipartFeed(mp, piece, n))
      break;
    off += n;
  }
  TEST_CHECK(mp && gwMultipartFinish(mp));
  gwMultipartDelete(&mp);

  return (peak_rss_kb() - before);
}

static void
test_large(void)
{
  big_t      b;
  test_buf_t keep;
  long       growth;

  TEST_BEGIN("a 10 MB part streams with bounded memory");
  growth = stream_big(NULL, &b);
  TEST_CHECKF(b.begins == 1 && b.ends == 1 && b.bytes == BIG_SIZE && b.bad == 0,
              "begins %d ends %d bytes %" PRIu64 " bad %" PRIu64, b.begins, b.ends, b.bytes, b.bad);
  TEST_CHECKF(growth < 1024, "peak RSS grew by %ld kB while streaming 10 MB", growth);
  printf("  peak RSS growth streaming 10 MB: %ld kB\n", growth);

  memset(&keep, 0, sizeof(keep));
  growth = stream_big(&keep, &b);
  TEST_CHECKF(growth > 8 * 1024 && b.bytes == BIG_SIZE && keep.len == BIG_SIZE,
              "positive control: keeping the content grew the peak RSS by %ld kB", growth);
  free(keep.data);
}


/*
 * The display name helper.
 */

typedef struct name_case_s
{
  const char *raw;
  size_t     len;               /* 0 = strlen */
  const char *want;             /* NULL: checked by the properties only */
  unsigned   changes;
} name_case_t;

static const name_case_t name_cases[] =
{
  { "report.pdf", 0, "report.pdf", 0 },
  { "caf\xc3\xa9 menu.pdf", 0, "caf\xc3\xa9 menu.pdf", 0 },
  { "../../etc/passwd", 0, "passwd", GW_WEB_FILENAME_PATH },
  { "C:\\Users\\x\\doc.pdf", 0, "doc.pdf", GW_WEB_FILENAME_PATH },
  { "<script>alert(1)</script>.pdf", 0, "script>.pdf", GW_WEB_FILENAME_PATH },
  { "a\0b.pdf", 7, "ab.pdf", GW_WEB_FILENAME_CONTROL },
  { "\x1b[31mred\r\n.pdf\x7f", 0, "[31mred.pdf", GW_WEB_FILENAME_CONTROL },
  { "x\xc2\x85y", 0, "xy", GW_WEB_FILENAME_CONTROL },
  { "evil\xe2\x80\xae" "fdp.exe", 0, "evilfdp.exe", GW_WEB_FILENAME_CONTROL },
  { "\xff.pdf", 0, "\xef\xbf\xbd.pdf", GW_WEB_FILENAME_UTF8 },
  { "\xc0\xaf" "x", 0, "\xef\xbf\xbd\xef\xbf\xbdx", GW_WEB_FILENAME_UTF8 },
  { "\xed\xa0\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", GW_WEB_FILENAME_UTF8 },
  { "\xe2\x82", 0, "\xef\xbf\xbd\xef\xbf\xbd", GW_WEB_FILENAME_UTF8 },
  { "  .hidden  ", 0, "hidden", GW_WEB_FILENAME_TRIMMED },
  { "..", 0, "upload", GW_WEB_FILENAME_TRIMMED | GW_WEB_FILENAME_EMPTY },
  { "dir/", 0, "upload", GW_WEB_FILENAME_PATH | GW_WEB_FILENAME_EMPTY },
  { "", 0, "upload", GW_WEB_FILENAME_EMPTY },
  { "\x01\x02", 0, "upload", GW_WEB_FILENAME_CONTROL | GW_WEB_FILENAME_EMPTY },
};

static void
check_name(const char *what, const char *raw, size_t len, size_t outsize, const char *want, unsigned changes, bool check_changes)
{
  char     out[GW_WEB_FILENAME_MAX + 1], again[GW_WEB_FILENAME_MAX + 1];
  unsigned got = gwWebFilenameSanitize(raw, len, out, outsize);
  bool     clean = test_utf8_ok(out) && !strchr(out, '/') && !strchr(out, '\\') && strlen(out) < outsize &&
                   strlen(out) <= GW_WEB_FILENAME_MAX && out[0] != '.' && out[0] != ' ' && out[0];

  for (const char *c = out; *c; c ++)
    if ((unsigned char)*c < 0x20 || *c == 0x7f)
      clean = false;
  TEST_CHECKF(clean, "%s: \"%s\" is not a clean name", what, out);
  if (want)
    TEST_CHECKF(!strcmp(out, want), "%s: got \"%s\", want \"%s\"", what, out, want);
  if (check_changes)
    TEST_CHECKF(got == changes, "%s: changes 0x%x, want 0x%x", what, got, changes);
  TEST_CHECKF(gwWebFilenameSanitize(out, strlen(out), again, outsize) == 0 && !strcmp(again, out),
              "%s: cleaning \"%s\" again changes it to \"%s\"", what, out, again);
}

static void
test_sanitize(void)
{
  char long_name[6000], out[GW_WEB_FILENAME_MAX + 1], small[8];

  TEST_BEGIN("gwWebFilenameSanitize(): a safe display name");
  for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i ++)
    check_name(name_cases[i].raw, name_cases[i].raw, name_cases[i].len ? name_cases[i].len : strlen(name_cases[i].raw),
               sizeof(out), name_cases[i].want, name_cases[i].changes, true);

  /* 5,000 characters: cut to the limit, the extension kept */
  memset(long_name, 'a', 5000);
  memcpy(long_name + 5000, ".pdf", 5);
  check_name("5000 characters", long_name, 5004, sizeof(out), NULL, GW_WEB_FILENAME_TRUNCATED, true);
  gwWebFilenameSanitize(long_name, 5004, out, sizeof(out));
  TEST_CHECKF(strlen(out) == GW_WEB_FILENAME_MAX && !strcmp(out + GW_WEB_FILENAME_MAX - 4, ".pdf"), "got %zu bytes", strlen(out));

  /* Two-byte characters: cut at a character boundary */
  for (int i = 0; i < 200; i ++)
    memcpy(long_name + 2 * i, "\xc3\xa9", 2);
  memcpy(long_name + 400, ".pdf", 5);
  check_name("200 x U+00E9", long_name, 404, sizeof(out), NULL, GW_WEB_FILENAME_TRUNCATED, true);
  gwWebFilenameSanitize(long_name, 404, out, sizeof(out));
  TEST_CHECKF(strlen(out) == 254 && !strcmp(out + 250, ".pdf"), "got %zu bytes", strlen(out));

  /* An extension too long to keep: a plain cut */
  memset(long_name, 'b', 300);
  memcpy(long_name + 300, ".averyveryverylongextension", 28);
  check_name("long extension", long_name, 327, sizeof(out), NULL, GW_WEB_FILENAME_TRUNCATED, true);
  gwWebFilenameSanitize(long_name, 327, out, sizeof(out));
  TEST_CHECK(strlen(out) == GW_WEB_FILENAME_MAX && out[GW_WEB_FILENAME_MAX - 1] == 'b');

  /* A small output buffer */
  check_name("small buffer", "document.pdf", 12, sizeof(small), "documen", GW_WEB_FILENAME_TRUNCATED, true);
  check_name("small buffer, short extension", "documents.md", 12, sizeof(small), "docu.md", GW_WEB_FILENAME_TRUNCATED, true);
  TEST_CHECK(gwWebFilenameSanitize("abc", 3, small, 4) == GW_WEB_FILENAME_EMPTY && small[0] == '\0');
  TEST_CHECK(gwWebFilenameSanitize(NULL, 10, out, sizeof(out)) == GW_WEB_FILENAME_EMPTY && !strcmp(out, "upload"));
}


int
main(void)
{
  test_large();                 /* First: it measures the peak RSS */
  test_splits();
  test_errors();
  test_interleaved();
  test_boundary();
  test_sanitize();

  TEST_EXIT();
}
