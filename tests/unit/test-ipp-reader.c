/*
 * test-ipp-reader.c - the bounded IPP request reader and the request path
 * without the network (ipp-reader.h, gwIppServerProcess()):
 *  - a request read in pieces of every size ends where its attributes end
 *    (the document data after it is not taken) and decodes with libcups;
 *  - version, request-id, group order, tags, lengths per syntax, nesting,
 *    attribute count and section size are checked, each at its limit and
 *    one past it (the limit itself is accepted: positive controls);
 *  - 20,000 nested collections (what crashes libcups 2.4.2) are refused
 *    cleanly; a truncated section is refused;
 *  - Get-Printer-Attributes answers without a user; Print-Job and a valid
 *    Validate-Job ask for one (401); an unsupported value is echoed in the
 *    unsupported group.
 */

#include <printgate-ipp/ipp-reader.h>
#include <printgate-ipp/server.h>
#include "test.h"

#include <cups/ipp.h>

#include <stdint.h>

typedef struct buf_s
{
  unsigned char *data;
  size_t         len, size;
} buf_t;

static void
put(buf_t *b, const void *p, size_t n)
{
  if (b->len + n > b->size)
  {
    b->size = (b->len + n) * 2;
    b->data = realloc(b->data, b->size);
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void
put_byte(buf_t *b, int c)
{
  unsigned char u = (unsigned char)c;

  put(b, &u, 1);
}

static void
put_attr(buf_t *b, int tag, const char *name, const void *value, size_t len)
{
  size_t nl = strlen(name);

  put_byte(b, tag);
  put_byte(b, (int)(nl >> 8));
  put_byte(b, (int)(nl & 255));
  put(b, name, nl);
  put_byte(b, (int)(len >> 8));
  put_byte(b, (int)(len & 255));
  if (len)
    put(b, value, len);
}

static void
put_int(buf_t *b, int tag, const char *name, int v)
{
  unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v };

  put_attr(b, tag, name, x, 4);
}

/* Header + charset + language + printer-uri, op group open. */
static void
start(buf_t *b, int major, int minor, int op, int reqid)
{
  unsigned char h[8] = { (unsigned char)major, (unsigned char)minor, (unsigned char)(op >> 8), (unsigned char)op,
                         (unsigned char)(reqid >> 24), (unsigned char)(reqid >> 16), (unsigned char)(reqid >> 8), (unsigned char)reqid };

  b->len = 0;
  put(b, h, 8);
  put_byte(b, 0x01);
  put_attr(b, 0x47, "attributes-charset", "utf-8", 5);
  put_attr(b, 0x48, "attributes-natural-language", "en", 2);
  put_attr(b, 0x45, "printer-uri", "ipps://localhost/ipp/print", 26);
}

static void
nested(buf_t *b, int depth)
{
  put_attr(b, 0x34, "media-col", "", 0);
  for (int i = 1; i < depth; i ++)
  {
    put_attr(b, 0x4A, "", "media-col", 9);
    put_attr(b, 0x34, "", "", 0);
  }
  for (int i = 0; i < depth; i ++)
    put_attr(b, 0x37, "", "", 0);
}

/* Feed in pieces of 'piece' bytes (0 = all at once); returns the result and the status. */
static gw_ipp_read_t
read_all(const buf_t *b, size_t piece, ipp_status_t *status, size_t *section)
{
  gw_ipp_reader_t *r = gwIppReaderNew();
  gw_ipp_read_t    result = GW_IPP_READ_MORE;
  size_t           used, total = 0;

  for (size_t i = 0; i < b->len && result == GW_IPP_READ_MORE; i += piece ? piece : b->len)
  {
    size_t n = piece && piece < b->len - i ? piece : b->len - i;

    result = gwIppReaderFeed(r, b->data + i, n, &used);
    total += used;
  }
  if (result == GW_IPP_READ_MORE)
    result = gwIppReaderEnd(r);
  *status = (ipp_status_t)gwIppReaderStatus(r);
  if (section)
    *section = total;
  if (result == GW_IPP_READ_DONE)
  {
    ipp_t *ipp = gwIppReaderDecode(r);

    if (!ipp)
      result = GW_IPP_READ_ERROR;
    ippDelete(ipp);
  }
  gwIppReaderDelete(&r);
  return (result);
}

static bool
refused(const buf_t *b, ipp_status_t want)
{
  ipp_status_t status;

  return (read_all(b, 0, &status, NULL) == GW_IPP_READ_ERROR && status == want);
}

static bool
accepted(const buf_t *b)
{
  ipp_status_t status;

  return (read_all(b, 0, &status, NULL) == GW_IPP_READ_DONE);
}

/* Run the request path: the IPP status of the answer (-1: none, -2: 'unsupported' not echoed) and the HTTP status. */
static int
process(const buf_t *b, int *http, const char *unsupported)
{
  unsigned char *out;
  size_t         outlen;
  int            status = -1;

  *http = gwIppServerProcess(b->data, b->len, &out, &outlen);
  if (out && outlen >= 8)
  {
    ipp_t           *answer = gwIppDecodeTrusted(out, outlen);
    ipp_attribute_t *attr;

    status = (out[2] << 8) | out[3];
    if (unsupported && (!answer ||
                        (attr = ippFindAttribute(answer, unsupported, IPP_TAG_ZERO)) == NULL ||
                        ippGetGroupTag(attr) != IPP_TAG_UNSUPPORTED_GROUP))
      status = -2;
    ippDelete(answer);
  }
  free(out);
  return (status);
}

int
main(void)
{
  buf_t        b = { NULL, 0, 0 };
  ipp_status_t status;
  size_t       section;
  char         big[2048];
  int          http;

  memset(big, 'x', sizeof(big));

  TEST_BEGIN("a valid request, in pieces of every size, ends where its attributes end");
  start(&b, 2, 0, IPP_OP_PRINT_JOB, 7);
  put_byte(&b, 0x02);
  put_int(&b, 0x21, "copies", 2);
  nested(&b, 3);
  put_byte(&b, 0x03);
  {
    size_t attrs_len = b.len;
    bool   all = true;

    put(&b, "%PDF-1.4 document data", 22);
    for (size_t piece = 1; piece <= b.len; piece ++)
      all &= read_all(&b, piece, &status, &section) == GW_IPP_READ_DONE && section == attrs_len;
    TEST_CHECK(all);
  }

  TEST_BEGIN("versions: 1.0 to 2.2 taken; 0.0, 2.3 and 9.9 refused with version-not-supported");
  start(&b, 1, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_byte(&b, 3);
  TEST_CHECK(accepted(&b));
  start(&b, 2, 2, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_byte(&b, 3);
  TEST_CHECK(accepted(&b));
  start(&b, 0, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_VERSION_NOT_SUPPORTED));
  start(&b, 2, 3, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_VERSION_NOT_SUPPORTED));
  start(&b, 9, 9, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_VERSION_NOT_SUPPORTED));
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 0); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_BAD_REQUEST));

  TEST_BEGIN("collections: 8 levels taken, 9 refused, 20,000 refused without recursion");
  start(&b, 2, 0, IPP_OP_VALIDATE_JOB, 1); put_byte(&b, 2); nested(&b, GW_IPP_MAX_DEPTH); put_byte(&b, 3);
  TEST_CHECK(accepted(&b));
  start(&b, 2, 0, IPP_OP_VALIDATE_JOB, 1); put_byte(&b, 2);    /* A member that is a 1setOf collection, then a second value of the whole */
  put_attr(&b, 0x34, "x-col", "", 0); put_attr(&b, 0x4A, "", "x-set", 5);
  put_attr(&b, 0x34, "", "", 0); put_attr(&b, 0x37, "", "", 0); put_attr(&b, 0x34, "", "", 0); put_attr(&b, 0x37, "", "", 0);
  put_attr(&b, 0x37, "", "", 0); put_attr(&b, 0x34, "", "", 0); put_attr(&b, 0x37, "", "", 0); put_byte(&b, 3);
  TEST_CHECK(accepted(&b));
  start(&b, 2, 0, IPP_OP_VALIDATE_JOB, 1); put_byte(&b, 2); nested(&b, GW_IPP_MAX_DEPTH + 1); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_BAD_REQUEST));
  start(&b, 2, 0, IPP_OP_VALIDATE_JOB, 1); put_byte(&b, 2); nested(&b, 20000); put_byte(&b, 3);
  TEST_CHECK(b.len > 380000 && refused(&b, IPP_STATUS_ERROR_BAD_REQUEST));
  TEST_CHECK(process(&b, &http, NULL) == IPP_STATUS_ERROR_BAD_REQUEST && http == 200);

  TEST_BEGIN("attribute count: 1,000 taken, 1,001 and 10,000 refused as too large");
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1);
  for (int i = 4; i < GW_IPP_MAX_ATTRIBUTES; i ++)
    put_attr(&b, 0x44, "x-a", "y", 1);
  put_attr(&b, 0x44, "x-last", "y", 1);
  put_byte(&b, 3);
  TEST_CHECK(accepted(&b));
  b.len --;
  put_attr(&b, 0x44, "x-one-more", "y", 1);
  put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_REQUEST_ENTITY));
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1);
  for (int i = 0; i < 10000; i ++)
    put_attr(&b, 0x44, "x-a", "y", 1);
  put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_REQUEST_ENTITY));

  TEST_BEGIN("section size: more than 256 KB of attributes is too large");
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1);
  for (int i = 0; i < 300; i ++)
    put_attr(&b, 0x30, "x-octets", big, 1000);
  put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_REQUEST_ENTITY));

  TEST_BEGIN("lengths per syntax: each limit taken, one more refused");
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_attr(&b, 0x44, "x", big, 255); put_byte(&b, 3);
  TEST_CHECK(accepted(&b));
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_attr(&b, 0x44, "x", big, 256); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_REQUEST_VALUE));
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_attr(&b, 0x41, "x", big, 1023); put_byte(&b, 3);
  TEST_CHECK(accepted(&b));
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_attr(&b, 0x41, "x", big, 1024); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_REQUEST_VALUE));
  big[255] = '\0';
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_attr(&b, 0x44, big, "y", 1); put_byte(&b, 3);
  TEST_CHECK(accepted(&b));
  big[255] = 'x'; big[256] = '\0';
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_attr(&b, 0x44, big, "y", 1); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_REQUEST_VALUE));
  big[256] = 'x';
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_attr(&b, 0x21, "x", "abc", 3); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_BAD_REQUEST));

  TEST_BEGIN("structure: tags and groups out of place are bad requests");
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_attr(&b, 0x7F, "x", "abcd", 4); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_BAD_REQUEST));
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_byte(&b, 0x0B); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_BAD_REQUEST));
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_byte(&b, 0x01); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_BAD_REQUEST));
  b.len = 8; put_byte(&b, 0x02); put_int(&b, 0x21, "copies", 1); put_byte(&b, 0x01); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_BAD_REQUEST));
  b.len = 8; put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_BAD_REQUEST));
  b.len = 8; put_byte(&b, 0x01); put_attr(&b, 0x44, "", "y", 1); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_BAD_REQUEST));
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_attr(&b, 0x4A, "", "x", 1); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_BAD_REQUEST));
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_attr(&b, 0x34, "media-col", "", 0); put_attr(&b, 0x4A, "", "x", 1); put_attr(&b, 0x37, "", "", 0); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_BAD_REQUEST));      /* A member name with no value (found by fuzz-ipp) */
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_attr(&b, 0x37, "", "", 0); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_BAD_REQUEST));
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_attr(&b, 0x34, "media-col", "", 0); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_BAD_REQUEST));
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_attr(&b, 0x34, "media-col", "", 0); put_int(&b, 0x21, "named", 1); put_attr(&b, 0x37, "", "", 0); put_byte(&b, 3);
  TEST_CHECK(refused(&b, IPP_STATUS_ERROR_BAD_REQUEST));

  TEST_BEGIN("truncated: every cut of a valid request is refused as a bad request");
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_byte(&b, 3);
  {
    size_t full = b.len;
    bool   all  = true;

    for (b.len = 0; b.len < full; b.len ++)
      all &= refused(&b, IPP_STATUS_ERROR_BAD_REQUEST) || (b.len < 8 && !accepted(&b));
    TEST_CHECK(all);
  }

  TEST_BEGIN("the request path: Get-Printer-Attributes needs no user, jobs do");
  start(&b, 2, 0, IPP_OP_GET_PRINTER_ATTRIBUTES, 1); put_byte(&b, 3);
  TEST_CHECK(process(&b, &http, NULL) == IPP_STATUS_OK && http == 200);
  start(&b, 2, 0, IPP_OP_PRINT_JOB, 1); put_byte(&b, 3); put(&b, "%PDF-1.4", 8);
  TEST_CHECK(process(&b, &http, NULL) == -1 && http == 401);
  start(&b, 2, 0, IPP_OP_VALIDATE_JOB, 1); put_byte(&b, 2); put_int(&b, 0x21, "copies", 3); put_byte(&b, 3);
  TEST_CHECK(process(&b, &http, NULL) == -1 && http == 401);
  start(&b, 2, 0, IPP_OP_VALIDATE_JOB, 1); put_byte(&b, 2); put_int(&b, 0x21, "copies", 5000); put_byte(&b, 3);
  TEST_CHECK(process(&b, &http, "copies") == IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES && http == 200);
  start(&b, 2, 0, IPP_OP_VALIDATE_JOB, 1); put_byte(&b, 2); put_attr(&b, 0x44, "sides", "three-sided", 11); put_byte(&b, 3);
  TEST_CHECK(process(&b, &http, "sides") == IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES);
  start(&b, 2, 0, IPP_OP_VALIDATE_JOB, 1); put_attr(&b, 0x49, "document-format", "application/x-shockwave-flash", 29); put_byte(&b, 3);
  TEST_CHECK(process(&b, &http, "document-format") == IPP_STATUS_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED);
  start(&b, 2, 0, 0x4001, 1); put_byte(&b, 3);
  TEST_CHECK(process(&b, &http, NULL) == IPP_STATUS_ERROR_OPERATION_NOT_SUPPORTED);
  b.len = 8; put_byte(&b, 0x01); put_attr(&b, 0x45, "printer-uri", "ipps://x/ipp/print", 18); put_byte(&b, 3);
  TEST_CHECK(process(&b, &http, NULL) == IPP_STATUS_ERROR_BAD_REQUEST);

  TEST_BEGIN("overrides (options per page range) are refused and echoed, never silently dropped");
  {
    unsigned char pages[8] = { 0, 0, 0, 2, 0, 0, 0, 3 };

    start(&b, 2, 0, IPP_OP_VALIDATE_JOB, 1); put_byte(&b, 2);
    put_attr(&b, 0x34, "overrides", "", 0);
    put_attr(&b, 0x4A, "", "pages", 5); put_attr(&b, 0x33, "", pages, 8);
    put_attr(&b, 0x4A, "", "sides", 5); put_attr(&b, 0x44, "", "one-sided", 9);
    put_attr(&b, 0x37, "", "", 0);
    put_byte(&b, 3);
    TEST_CHECK(process(&b, &http, "overrides") == IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES && http == 200);
    start(&b, 2, 0, IPP_OP_PRINT_JOB, 1); put_byte(&b, 2);
    put_attr(&b, 0x34, "overrides", "", 0);
    put_attr(&b, 0x4A, "", "pages", 5); put_attr(&b, 0x33, "", pages, 8);
    put_attr(&b, 0x37, "", "", 0);
    put_byte(&b, 3); put(&b, "%PDF-1.4", 8);
    TEST_CHECK(process(&b, &http, "overrides") == IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES && http == 200);
    start(&b, 2, 0, IPP_OP_VALIDATE_JOB, 1); put_byte(&b, 2);        /* Control: another unknown one is only ignored */
    put_attr(&b, 0x44, "x-unknown-template", "y", 1);
    put_byte(&b, 3);
    TEST_CHECK(process(&b, &http, NULL) == -1 && http == 401);
  }

  free(b.data);
  TEST_EXIT();
}
