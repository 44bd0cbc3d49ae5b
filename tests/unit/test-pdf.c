/*
 * test-pdf.c - unit tests for the PDF check (gateway/pdf-qpdf.c).
 *
 * Real PDFs are made with Ghostscript (1 and 3 pages) and encrypted with
 * the qpdf tool; damaged ones are cut from them or built by hand with a
 * correct cross-reference table and then broken in one place.  The
 * outcome checked is what a user would see: the page count, or the reason
 * the document is refused.
 */

#include "test.h"
#include "printgate-convert/pdf.h"

#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>


/*
 * A growing buffer.
 */

typedef test_buf_t buf_t;


/*
 * Local functions.
 */

static void  buf_printf(buf_t *b, const char *fmt, ...) GW_FORMAT(2, 3);
static void  build_pdf(buf_t *out, const char * const *objects, int count, size_t *offsets);
static void  check_many_pages(int count, int want_pages);
static bool  check_inspect(const char *what, const void *data, size_t len, bool want_ok, int want_pages, gw_reason_t want_reason);
static int   qpdf_tool_pages(const char *path);
static bool  run(const char *cmd);
static bool  save_file(const char *path, const buf_t *b);


/*
 * 'main()' - Run the tests.
 */

int
main(void)
{
  char   tmpdir[1024], p1[1100], p3[1100], user[1100], owner[1100], cmd[4096], path[1100];
  buf_t  b1 = { 0 }, b3 = { 0 }, bu = { 0 }, bo = { 0 };
  int    pages = -1;
  gw_reason_t reason = GW_REASON_NONE;

  if (!test_tempdir(tmpdir, sizeof(tmpdir)))
  {
    puts("FAIL unable to make a temporary folder");
    return (1);
  }

  snprintf(p1, sizeof(p1), "%s/one.pdf", tmpdir);
  snprintf(p3, sizeof(p3), "%s/three.pdf", tmpdir);
  snprintf(user, sizeof(user), "%s/user.pdf", tmpdir);
  snprintf(owner, sizeof(owner), "%s/owner.pdf", tmpdir);

  /*
   * Sniffing...
   */

  TEST_BEGIN("sniff");
  {
    char junk[2048];

    TEST_CHECK(gwPdfSniff("%PDF-1.7\n", 9));
    TEST_CHECK(!gwPdfSniff("%PDF", 4));
    TEST_CHECK(!gwPdfSniff("hello, not a pdf", 16));
    TEST_CHECK(!gwPdfSniff(NULL, 0));

    memset(junk, ' ', sizeof(junk));
    memcpy(junk + 1000, "%PDF-1.4", 8);     /* Within the first 1024 bytes */
    TEST_CHECK(gwPdfSniff(junk, sizeof(junk)));
    memset(junk, ' ', sizeof(junk));
    memcpy(junk + 1020, "%PDF-1.4", 8);     /* Starts inside, ends outside */
    TEST_CHECK(!gwPdfSniff(junk, sizeof(junk)));
    memset(junk, ' ', sizeof(junk));
    memcpy(junk + 1500, "%PDF-1.4", 8);     /* Too far in */
    TEST_CHECK(!gwPdfSniff(junk, sizeof(junk)));
  }

  /*
   * Real PDFs from Ghostscript and qpdf...
   */

  TEST_BEGIN("make PDFs with gs and qpdf");
  snprintf(cmd, sizeof(cmd), "gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -sOutputFile='%s' -c '/Helvetica findfont 24 scalefont setfont 72 700 moveto (one page) show showpage' >/dev/null", p1);
  TEST_CHECK(run(cmd));
  snprintf(cmd, sizeof(cmd), "gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -sOutputFile='%s' -c '1 1 3 { /Helvetica findfont 24 scalefont setfont 72 700 moveto (page ) show 3 string cvs show showpage } for' >/dev/null", p3);
  TEST_CHECK(run(cmd));
  snprintf(cmd, sizeof(cmd), "qpdf --encrypt user owner 256 -- '%s' '%s'", p3, user);
  TEST_CHECK(run(cmd));
  snprintf(cmd, sizeof(cmd), "qpdf --encrypt '' owner 256 -- '%s' '%s'", p3, owner);
  TEST_CHECK(run(cmd));
  TEST_CHECK(test_load_file(p1, &b1) && test_load_file(p3, &b3) && test_load_file(user, &bu) && test_load_file(owner, &bo));

  TEST_BEGIN("good PDFs give their page count");
  check_inspect("1-page PDF", b1.data, b1.len, true, 1, GW_REASON_NONE);
  check_inspect("3-page PDF", b3.data, b3.len, true, 3, GW_REASON_NONE);
  check_inspect("owner-password-only PDF", bo.data, bo.len, true, 3, GW_REASON_NONE);

  TEST_BEGIN("refused documents say why");
  check_inspect("user-password PDF", bu.data, bu.len, false, 0, GW_REASON_PASSWORD_PROTECTED);
  check_inspect("not a PDF", "Dear printer, please print this.\n", 33, false, 0, GW_REASON_UNSUPPORTED_FORMAT);
  check_inspect("empty file", "", 0, false, 0, GW_REASON_EMPTY_DOCUMENT);
  check_inspect("just a header", "%PDF-1.7\n", 9, false, 0, GW_REASON_CORRUPT_DOCUMENT);
  if (b3.len > 100)
  {
    check_inspect("3-page PDF, first half", b3.data, b3.len / 2, false, 0, GW_REASON_CORRUPT_DOCUMENT);

    /* Cut anywhere: never accepted */
    for (int tenth = 1; tenth <= 9; tenth ++)
    {
      char what[64];

      snprintf(what, sizeof(what), "3-page PDF cut at %d0%%", tenth);
      check_inspect(what, b3.data, b3.len * (size_t)tenth / 10, false, 0, GW_REASON_CORRUPT_DOCUMENT);
    }
  }

  /* Inspect must not touch *pages_r on refusal beyond 0, and take NULL out-pointers */
  pages = 42;
  TEST_CHECK(!gwPdfInspect(bu.data, bu.len, &pages, &reason) && pages == 0 && reason == GW_REASON_PASSWORD_PROTECTED);
  TEST_CHECK(gwPdfInspect(b1.data, b1.len, NULL, NULL));

  /*
   * Hand-built PDFs, each broken in one way...
   */

  TEST_BEGIN("hand-built PDFs");
  {
    static const char * const good[] =
    {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 0 R >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 7 0 R >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 8 0 R >>",
      "<< /Length 37 >>\nstream\nBT /F1 12 Tf 72 720 Td (Page 1) Tj ET\nendstream",
      "<< /Length 37 >>\nstream\nBT /F1 12 Tf 72 720 Td (Page 2) Tj ET\nendstream",
      "<< /Length 37 >>\nstream\nBT /F1 12 Tf 72 720 Td (Page 3) Tj ET\nendstream"
    };
    const char *objs[8];
    buf_t       pdf = { 0 }, cut = { 0 };
    size_t      offsets[8];
    char       *xref;
    int         tool_pages;

    build_pdf(&pdf, good, 8, offsets);
    check_inspect("hand-built 3 pages", pdf.data, pdf.len, true, 3, GW_REASON_NONE);

    /*
     * Truncated in the middle of the page tree, with the cross-reference
     * table and trailer still at the end: qpdf (the tool) repairs it and
     * counts 3 pages (the positive control), gwPdfInspect() must refuse.
     */

    if (pdf.data && (xref = strstr(pdf.data, "xref\n")) != NULL)
    {
      test_buf_add(&cut, pdf.data, offsets[3] + 20);
      test_buf_add(&cut, xref, pdf.len - (size_t)(xref - pdf.data));
      snprintf(path, sizeof(path), "%s/midtree.pdf", tmpdir);
      save_file(path, &cut);
      tool_pages = qpdf_tool_pages(path);
      TEST_CHECKF(tool_pages == 3, "positive control: the qpdf tool should repair the file and count 3 pages, got %d", tool_pages);
      check_inspect("cut in the page tree, trailer kept", cut.data, cut.len, false, 0, GW_REASON_CORRUPT_DOCUMENT);
      free(cut.data);
      memset(&cut, 0, sizeof(cut));
    }

    /* Same offsets, page 3's object blanked out */
    if (pdf.data)
    {
      char *end = strstr(pdf.data + offsets[4], "endobj");

      test_buf_add(&cut, pdf.data, pdf.len);
      if (end)
        memset(cut.data + offsets[4], ' ', (size_t)(end - pdf.data) + 6 - offsets[4]);
      check_inspect("page object missing", cut.data, cut.len, false, 0, GW_REASON_CORRUPT_DOCUMENT);
      free(cut.data);
      memset(&cut, 0, sizeof(cut));
    }
    free(pdf.data);

    /*
     * Variants of the good file: one or two objects replaced, each with the
     * outcome gwPdfInspect() must give.
     */

    static const struct
    {
      const char *name;
      int         obj1;         /* Object index to replace */
      const char *text1;
      int         obj2;         /* Second one (text2 NULL = none) */
      const char *text2;
      int         count;        /* Objects written */
      bool        ok;
      int         pages;
      gw_reason_t reason;
    } variants[] =
    {
      { "kid is a missing object", 1, "<< /Type /Pages /Kids [3 0 R 4 0 R 99 0 R] /Count 3 >>", 0, NULL, 8, false, 0, GW_REASON_CORRUPT_DOCUMENT },
      { "contents is a missing object", 4, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 99 0 R >>", 0, NULL, 8, false, 0, GW_REASON_CORRUPT_DOCUMENT },
      { "content stream shorter than its /Length", 7, "<< /Length 500 >>\nstream\nBT /F1 12 Tf 72 720 Td (Page 3) Tj ET\nendstream", 0, NULL, 8, false, 0, GW_REASON_CORRUPT_DOCUMENT },
      { "a blank page (no /Contents) is fine", 4, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>", 0, NULL, 8, true, 3, GW_REASON_NONE },
      { "content arrays and shared streams are fine", 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents [6 0 R 7 0 R] >>", 4, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 0 R >>", 8, true, 3, GW_REASON_NONE },
      { "no pages", 1, "<< /Type /Pages /Kids [] /Count 0 >>", 0, NULL, 2, false, 0, GW_REASON_EMPTY_DOCUMENT },
      { "page tree with a loop", 1, "<< /Type /Pages /Kids [3 0 R 4 0 R 2 0 R] /Count 3 >>", 0, NULL, 8, false, 0, GW_REASON_CORRUPT_DOCUMENT },
      { "a /Columns of 1,000,000 is fine", 7, "<< /Length 37 /DecodeParms << /Columns 1000000 >> >>\nstream\nBT /F1 12 Tf 72 720 Td (Page 3) Tj ET\nendstream", 0, NULL, 8, true, 3, GW_REASON_NONE },
      { "a /Columns of 40000000000 is refused (qpdf took 1.6 GB for it: fuzz-pdf)", 7, "<< /Length 37 /DecodeParms << /Columns 40000000000 >> >>\nstream\nBT /F1 12 Tf 72 720 Td (Page 3) Tj ET\nendstream", 0, NULL, 8, false, 0, GW_REASON_CORRUPT_DOCUMENT }
    };

    for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v ++)
    {
      memcpy(objs, good, sizeof(objs));
      objs[variants[v].obj1] = variants[v].text1;
      if (variants[v].text2)
        objs[variants[v].obj2] = variants[v].text2;
      build_pdf(&pdf, objs, variants[v].count, offsets);
      check_inspect(variants[v].name, pdf.data, pdf.len, variants[v].ok, variants[v].pages, variants[v].reason);
      free(pdf.data);
    }

    /* A PDF after some junk (allowed within the first 1024 bytes) */
    memset(&pdf, 0, sizeof(pdf));
    buf_printf(&pdf, "%s", "garbage before the header\n");
    build_pdf(&cut, good, 8, offsets);
    test_buf_add(&pdf, cut.data, cut.len);
    check_inspect("leading junk, then a PDF", pdf.data, pdf.len, true, 3, GW_REASON_NONE);
    free(pdf.data);
    free(cut.data);
  }

  TEST_BEGIN("page counts are exact up to 100000, bounded beyond");
  check_many_pages(1000, 1000);
  check_many_pages(100500, 100500);     /* Walk stops at 100001; the document's /Count is reported */

  free(b1.data);
  free(b3.data);
  free(bu.data);
  free(bo.data);
  test_rmtree(tmpdir);

  TEST_EXIT();
}



/*
 * 'buf_printf()' - Append formatted text.
 */

static void
buf_printf(buf_t *b, const char *fmt, ...)
{
  char    text[1024];
  va_list ap;
  int     len;

  va_start(ap, fmt);
  len = vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);

  if (len > 0)
    test_buf_add(b, text, (size_t)len < sizeof(text) ? (size_t)len : sizeof(text) - 1);
}


/*
 * 'build_pdf()' - Build a PDF from objects 1..count with a correct
 *                 cross-reference table; offsets[i] is object i+1's.
 */

static void
build_pdf(buf_t *out, const char * const *objects, int count, size_t *offsets)
{
  size_t xref;

  memset(out, 0, sizeof(*out));
  buf_printf(out, "%%PDF-1.4\n");

  for (int i = 0; i < count; i ++)
  {
    offsets[i] = out->len;
    buf_printf(out, "%d 0 obj\n", i + 1);
    test_buf_add(out, objects[i], strlen(objects[i]));
    buf_printf(out, "\nendobj\n");
  }

  xref = out->len;
  buf_printf(out, "xref\n0 %d\n0000000000 65535 f \n", count + 1);
  for (int i = 0; i < count; i ++)
    buf_printf(out, "%010zu 00000 n \n", offsets[i]);
  buf_printf(out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", count + 1, xref);
}


/*
 * 'check_many_pages()' - Build a PDF with count pages (inner nodes of 1000
 *                        pages sharing one content stream) and inspect it.
 */

static void
check_many_pages(int count, int want_pages)
{
  int          inner = (count + 999) / 1000, total = 3 + inner + count;
  char       **text = calloc((size_t)total, sizeof(char *));
  size_t      *offsets = calloc((size_t)total, sizeof(size_t));
  buf_t        pdf = { 0 }, kids = { 0 };
  char         what[64];

  if (!text || !offsets)
  {
    TEST_CHECKF(false, "out of memory");
    free(text);
    free(offsets);
    return;
  }

  /* 1 = catalog, 2 = root node, 3 = content, 4.. = inner nodes, then pages */
  text[0] = strdup("<< /Type /Catalog /Pages 2 0 R >>");
  buf_printf(&kids, "<< /Type /Pages /Count %d /Kids [", count);
  for (int i = 0; i < inner; i ++)
    buf_printf(&kids, " %d 0 R", 4 + i);
  buf_printf(&kids, " ] >>");
  text[1] = kids.data;
  text[2] = strdup("<< /Length 37 >>\nstream\nBT /F1 12 Tf 72 720 Td (Page 1) Tj ET\nendstream");

  for (int i = 0; i < inner; i ++)
  {
    int first = i * 1000, n = count - first < 1000 ? count - first : 1000;

    memset(&kids, 0, sizeof(kids));
    buf_printf(&kids, "<< /Type /Pages /Parent 2 0 R /Count %d /Kids [", n);
    for (int j = 0; j < n; j ++)
      buf_printf(&kids, " %d 0 R", 4 + inner + first + j);
    buf_printf(&kids, " ] >>");
    text[3 + i] = kids.data;

    for (int j = 0; j < n; j ++)
    {
      char page[128];

      snprintf(page, sizeof(page), "<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>", 4 + i);
      text[3 + inner + first + j] = strdup(page);
    }
  }

  build_pdf(&pdf, (const char * const *)text, total, offsets);
  snprintf(what, sizeof(what), "%d pages", count);
  check_inspect(what, pdf.data, pdf.len, true, want_pages, GW_REASON_NONE);

  for (int i = 0; i < total; i ++)
    free(text[i]);
  free(text);
  free(offsets);
  free(pdf.data);
}


/*
 * 'check_inspect()' - Inspect and compare with what a user should get.
 */

static bool
check_inspect(const char *what, const void *data, size_t len, bool want_ok, int want_pages, gw_reason_t want_reason)
{
  int         pages = -1;
  gw_reason_t reason = GW_REASON_INTERNAL;
  bool        ok = gwPdfInspect(data, len, &pages, &reason);

  TEST_CHECKF(ok == want_ok && pages == want_pages && reason == want_reason,
              "%s: got ok=%d pages=%d reason=%s, want ok=%d pages=%d reason=%s", what,
              ok, pages, gwReasonCode(reason), want_ok, want_pages, gwReasonCode(want_reason));

  return (ok == want_ok && pages == want_pages && reason == want_reason);
}



/*
 * 'qpdf_tool_pages()' - The page count the lenient qpdf tool reports (it
 *                       repairs damaged files), or -1.
 */

static int
qpdf_tool_pages(const char *path)
{
  char cmd[2048], out[256];

  snprintf(cmd, sizeof(cmd), "qpdf --show-npages '%s' 2>/dev/null", path);
  if (test_run(cmd, out, sizeof(out)) < 0 || !out[0])
    return (-1);

  return ((int)strtol(out, NULL, 10));
}


/*
 * 'run()' - Run a shell command; true if it exited 0.
 */

static bool
run(const char *cmd)
{
  int status = system(cmd);

  if (status)
    printf("    command failed (%d): %s\n", status, cmd);

  return (status == 0);
}


/*
 * 'save_file()' - Write a buffer to a file.
 */

static bool
save_file(const char *path, const buf_t *b)
{
  FILE *fp = fopen(path, "wb");
  bool  ok;

  if (!fp)
    return (false);

  ok = fwrite(b->data, 1, b->len, fp) == b->len;

  return (fclose(fp) == 0 && ok);
}
