/*
 * test-convert-multi.c - printgate-convert --normalize on a job's several
 * documents (printgate-formats/container.h, converters/convert-multi.c),
 * run the way the daemon runs it: each document converted by its content,
 * all merged in order into one PDF; a bad document named by its number;
 * a malformed container refused.
 */

#include "convert-harness.h"

#include <printgate-formats/container.h>


/*
 * A container being built in memory.
 */

typedef struct box_s
{
  unsigned char *data;
  size_t         len, size;
} box_t;


static void
box_add(box_t *b, const void *data, size_t len)
{
  if (b->len + len > b->size)
  {
    size_t         size = (b->len + len) * 2 + 1024;
    unsigned char *grown = realloc(b->data, size);

    if (!grown)
    {
      printf("FAIL: out of memory\n");
      exit(1);
    }
    b->data = grown;
    b->size = size;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
}


static void
box_record(box_t *b, int type, const void *payload, size_t len)
{
  unsigned char header[GW_CONTAINER_HEADER_LEN];

  gwContainerRecord(header, type, (uint32_t)len);
  box_add(b, header, sizeof(header));
  if (len)
    box_add(b, payload, len);
}


/*
 * 'box_document()' - A document's record and its bytes (from a file, or
 *                    given), in records of at most 64 KiB.
 */

static bool
box_document(box_t *b, const char *format, const char *path, const void *bytes, size_t len)
{
  unsigned char *file = NULL;

  if (!b->len)
    box_add(b, GW_CONTAINER_MAGIC, GW_CONTAINER_MAGIC_LEN);
  if (path && (file = (unsigned char *)test_read_file(path, &len)) == NULL)
  {
    printf("  (cannot read %s)\n", path);
    return (false);
  }
  box_record(b, GW_CONTAINER_DOC, format, strlen(format));
  for (size_t off = 0; off < len; off += 65536)
    box_record(b, GW_CONTAINER_DATA, (file ? file : (const unsigned char *)bytes) + off, len - off > 65536 ? 65536 : len - off);
  free(file);
  return (true);
}


static const char *
box_write(box_t *b, const char *name, bool end, char *path, size_t pathsize)
{
  if (end)
    box_record(b, GW_CONTAINER_END, NULL, 0);
  write_bytes(name, b->data, b->len, path, pathsize);
  free(b->data);
  memset(b, 0, sizeof(*b));
  return (path);
}


static char three_pdf[1200], text_a[1200], text_c[1200], photo[1200];


/*
 * 'make_inputs()' - A 3-page PDF, a JPEG and two texts.
 */

static bool
make_inputs(void)
{
  static const char a[] = "Alpha document, first of the job.\n", c[] = "Gamma document, last of the job.\n";

  snprintf(three_pdf, sizeof(three_pdf), "%s/three.pdf", work);
  snprintf(photo, sizeof(photo), "%s/photo.jpg", work);
  write_bytes("a.txt", a, sizeof(a) - 1, text_a, sizeof(text_a));
  write_bytes("c.txt", c, sizeof(c) - 1, text_c, sizeof(text_c));
  return (gs_to_pdf("three-pages.ps", "three.pdf", NULL) &&
          shell("gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=jpeg -r30 -dLastPage=1 -o '%s' '%s' >/dev/null 2>&1", photo, three_pdf));
}


static void
test_merge(void)
{
  opts_t o;
  run_t  r;
  box_t  b = { 0 };
  char   out[1200], path[1200], *first, *last;

  opts_init(&o, out, sizeof(out), "multi.pdf");

  TEST_BEGIN("text, a 3-page PDF (1 page in colour), a grey JPEG and text in one job: one PDF of 6 pages (1 in colour), in the order sent, format multi and each format once");
  if (!make_inputs())
  {
    TEST_CHECKF(false, "the test inputs could not be made");
    return;
  }
  box_document(&b, "text/plain", text_a, NULL, 0);
  box_document(&b, "application/pdf", three_pdf, NULL, 0);
  box_document(&b, "image/jpeg", photo, NULL, 0);
  box_document(&b, "", text_c, NULL, 0);
  if (convert(box_write(&b, "four.bin", true, path, sizeof(path)), &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 6, 1) && strstr(r.result, "format=multi,text-us-ascii,pdf,jpeg\n"), "%s", r.result);
    TEST_CHECKF(pdf_pages(out) == 6, "%d pages", pdf_pages(out));
    first = pdf_text(out, 1, "");
    last  = pdf_text(out, 6, "");
    TEST_CHECKF(first && strstr(first, "Alpha document"), "page 1: %.80s", first ? first : "(none)");
    TEST_CHECKF(last && strstr(last, "Gamma document"), "page 6: %.80s", last ? last : "(none)");
    free(first);
    free(last);
  }

  TEST_BEGIN("one document in a container converts like the document alone");
  box_document(&b, "application/pdf", three_pdf, NULL, 0);
  if (convert(box_write(&b, "one.bin", true, path, sizeof(path)), &o, &r))
    TEST_CHECKF(is_ok(&r, 3, 1) && strstr(r.result, "format=multi,pdf\n"), "%s", r.result);

  TEST_BEGIN("the documents' pages count against the page limit together");
  box_document(&b, "application/pdf", three_pdf, NULL, 0);
  box_document(&b, "application/pdf", three_pdf, NULL, 0);
  check_max_pages(box_write(&b, "six.bin", true, path, sizeof(path)), &o, 4, "more than 4 pages");
}


static void
test_bad_document(void)
{
  opts_t o;
  run_t  r;
  box_t  b = { 0 };
  char   out[1200], path[1200];
  static const char broken[] = "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\nthis is not a PDF at all\n%%EOF\n";
  static const unsigned char junk[] = { 0x00, 0x01, 0x02, 0xfe, 0xff, 0x13, 0x37, 0x00, 0x42, 0x99 };

  opts_init(&o, out, sizeof(out), "bad.pdf");

  TEST_BEGIN("a damaged PDF as the second of three documents: corrupt-document, naming document 2 of 3");
  box_document(&b, "text/plain", text_a, NULL, 0);
  box_document(&b, "application/pdf", NULL, broken, sizeof(broken) - 1);
  box_document(&b, "text/plain", text_c, NULL, 0);
  if (convert(box_write(&b, "broken.bin", true, path, sizeof(path)), &o, &r))
    TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "document 2 of 3"), "%s", r.result);

  TEST_BEGIN("a file of no known type as the second document: unsupported-format, naming document 2 of 2");
  box_document(&b, "application/pdf", three_pdf, NULL, 0);
  box_document(&b, "application/octet-stream", NULL, junk, sizeof(junk));
  if (convert(box_write(&b, "junk.bin", true, path, sizeof(path)), &o, &r))
    TEST_CHECKF(is_fail(&r, "unsupported-format") && strstr(r.result, "document 2 of 2"), "%s", r.result);

  TEST_BEGIN("a PostScript document that prints nothing: empty-document, naming it");
  box_document(&b, "application/pdf", three_pdf, NULL, 0);
  snprintf(path, sizeof(path), "%s/no-pages.ps", data_dir);
  box_document(&b, "application/postscript", path, NULL, 0);
  if (convert(box_write(&b, "nopages.bin", true, path, sizeof(path)), &o, &r))
    TEST_CHECKF(is_fail(&r, "empty-document") && strstr(r.result, "document 2 of 2 (postscript)"), "%s", r.result);

  TEST_BEGIN("a container inside a container is refused");
  {
    box_t inner = { 0 };
    char  ipath[1200];
    unsigned char *bytes;
    size_t         len = 0;

    box_document(&inner, "text/plain", text_a, NULL, 0);
    box_write(&inner, "inner.bin", true, ipath, sizeof(ipath));
    bytes = (unsigned char *)test_read_file(ipath, &len);
    box_document(&b, "text/plain", text_a, NULL, 0);
    box_document(&b, "", NULL, bytes ? bytes : (unsigned char *)"", bytes ? len : 0);
    free(bytes);
    if (convert(box_write(&b, "nested.bin", true, path, sizeof(path)), &o, &r))
      TEST_CHECKF(is_fail(&r, "unsupported-format") && strstr(r.result, "document 2 of 2") && strstr(r.result, "several"), "%s", r.result);
  }
}


static void
test_bad_container(void)
{
  opts_t o;
  run_t  r;
  box_t  b = { 0 };
  char   out[1200], path[1200];
  static const unsigned char bad_type[] = { 'X', 0, 0, 0, 0 };

  opts_init(&o, out, sizeof(out), "box.pdf");

  TEST_BEGIN("a container cut before its end record is refused (corrupt-document), nothing written");
  box_document(&b, "text/plain", text_a, NULL, 0);
  if (convert(box_write(&b, "cut.bin", false, path, sizeof(path)), &o, &r))
    TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "read apart") && strstr(r.result, "no end record"), "%s", r.result);

  TEST_BEGIN("an unknown record type is refused");
  box_document(&b, "text/plain", text_a, NULL, 0);
  box_add(&b, bad_type, sizeof(bad_type));
  if (convert(box_write(&b, "type.bin", true, path, sizeof(path)), &o, &r))
    TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "unknown record type 0x58"), "%s", r.result);

  TEST_BEGIN("bytes after the end record are refused");
  box_document(&b, "text/plain", text_a, NULL, 0);
  box_record(&b, GW_CONTAINER_END, NULL, 0);
  box_add(&b, "x", 1);
  if (convert(box_write(&b, "after.bin", false, path, sizeof(path)), &o, &r))
    TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "after the end record"), "%s", r.result);

  TEST_BEGIN("a record claiming more bytes than there are is refused");
  box_add(&b, GW_CONTAINER_MAGIC, GW_CONTAINER_MAGIC_LEN);
  box_record(&b, GW_CONTAINER_DOC, "", 0);
  {
    unsigned char header[GW_CONTAINER_HEADER_LEN];

    gwContainerRecord(header, GW_CONTAINER_DATA, 0x7fffffff);
    box_add(&b, header, sizeof(header));
    box_add(&b, "abc", 3);
  }
  if (convert(box_write(&b, "long.bin", false, path, sizeof(path)), &o, &r))
    TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "longer than the rest"), "%s", r.result);

  TEST_BEGIN("more than 100 documents are refused before any is converted");
  for (int i = 0; i <= GW_CONTAINER_MAX_DOCS; i ++)
    box_document(&b, "text/plain", NULL, "x\n", 2);
  if (convert(box_write(&b, "many.bin", true, path, sizeof(path)), &o, &r))
    TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "more than 100 documents") && r.seconds < 10.0, "%s", r.result);
}


int
main(void)
{
  static const harness_test_t tests[] = { test_merge, test_bad_document, test_bad_container, NULL };

  return (harness_main(tests));
}
