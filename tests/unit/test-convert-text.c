/*
 * test-convert-text.c - printgate-convert on plain text, run as the daemon
 * runs it (convert-harness.h): charsets (US-ASCII, UTF-8, UTF-16,
 * Windows-1252) checked with pdftotext, the layout (wrapping, tabs, form
 * feeds, pages, paper sizes) and the limits.
 */

#include "convert-harness.h"


/*
 * 'convert_text()' - Write a text file and convert it: true when it was
 *                    converted, checked to be one mono page of format.
 */

static bool
convert_text(const char *name, const void *data, size_t len, const char *format, const opts_t *o, run_t *r)
{
  char path[1200];

  write_bytes(name, data, len, path, sizeof(path));
  if (!convert(path, o, r))
    return (false);

  TEST_CHECKF(is_ok(r, 1, 0) && strstr(r->result, format), "%s: %s", name, r->result);
  return (true);
}


/*
 * 'test_text_charsets()' - Plain text in every charset the sniffer names
 *                          becomes a mono PDF in a monospace font, with the
 *                          right characters.
 */

static void
test_text_charsets(void)
{
  opts_t o;
  run_t  r;
  char   out[1200];

  opts_init(&o, out, sizeof(out), "text.pdf");

  TEST_BEGIN("Windows-1252 (Latin-1) text: e-acute, u-umlaut and the euro sign come out as UTF-8");
  {
    static const char latin1[] = "Caf\xe9 M\xfcller pays \x80 5 \x93quoted\x94\r\nsecond line\r\n";

    if (convert_text("latin1.txt", latin1, sizeof(latin1) - 1, "format=text-windows-1252", &o, &r))
    {
      TEST_CHECK(pdf_has_text(out, "Caf\xc3\xa9 M\xc3\xbcller pays \xe2\x82\xac 5 \xe2\x80\x9cquoted\xe2\x80\x9d"));
      TEST_CHECK(pdf_has_text(out, "second line"));
      TEST_CHECK(shell("pdffonts '%s' | grep -q DejaVuSansMono", out));
    }
  }

  TEST_BEGIN("UTF-8 text with Greek and Cyrillic");
  {
    static const char utf8[] = "Greek: \xce\xb1\xce\xb2\xce\xb3 \xce\x94\xce\xad\xce\xbb\xcf\x84\xce\xb1\n"
                               "Cyrillic: \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80\n";

    if (convert_text("utf8.txt", utf8, sizeof(utf8) - 1, "format=text-utf-8", &o, &r))
    {
      TEST_CHECK(pdf_has_text(out, "Greek: \xce\xb1\xce\xb2\xce\xb3 \xce\x94\xce\xad\xce\xbb\xcf\x84\xce\xb1"));
      TEST_CHECK(pdf_has_text(out, "Cyrillic: \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80"));
    }
  }

  TEST_BEGIN("UTF-8 with a byte order mark; Hebrew, which DejaVu Sans Mono lacks, comes from a fallback font, right-aligned");
  {
    static const char bom[] = "\xef\xbb\xbfwith BOM\nHebrew \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d\n\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d\n";

    if (convert_text("bom.txt", bom, sizeof(bom) - 1, "format=text-utf-8", &o, &r))
    {
      TEST_CHECK(pdf_has_text(out, "with BOM"));
      TEST_CHECK(shell("pdftotext '%s' - | head -1 | grep -q '^with BOM$'", out));
      TEST_CHECK(shell("pdffonts '%s' | grep -v Mono | grep -q 'DejaVuSans'", out));
      /* The all-Hebrew line is right-to-left: it ends at the column's right edge (541.5 pt on A4). */
      TEST_CHECK(shell("pdftotext -bbox '%s' - | grep -q 'xMax=\"54[01]\\.'", out));
    }
  }

  TEST_BEGIN("UTF-16 with a byte order mark (little and big endian); a surrogate cut off at the end becomes U+FFFD");
  {
    /* "Zo\u00eb \u20ac \u03a9" LF "ok", then half a surrogate pair (the sniffer lets the last one through) */
    static const unsigned char le[] = { 0xFF, 0xFE, 'Z', 0, 'o', 0, 0xEB, 0, ' ', 0, 0xAC, 0x20, ' ', 0, 0xA9, 0x03,
                                        '\n', 0, 'o', 0, 'k', 0, 0x3D, 0xD8 };
    unsigned char        be[sizeof(le)];

    for (size_t i = 0; i < sizeof(le); i += 2)
    {
      be[i]     = le[i + 1];
      be[i + 1] = le[i];
    }

    if (convert_text("utf16le.txt", le, sizeof(le), "format=text-utf-16", &o, &r))
    {
      TEST_CHECK(pdf_has_text(out, "Zo\xc3\xab \xe2\x82\xac \xce\xa9"));
      TEST_CHECK(pdf_has_text(out, "ok\xef\xbf\xbd"));
    }

    if (convert_text("utf16be.txt", be, sizeof(be), "format=text-utf-16", &o, &r))
    {
      TEST_CHECK(pdf_has_text(out, "Zo\xc3\xab \xe2\x82\xac \xce\xa9"));
      TEST_CHECK(pdf_has_text(out, "ok\xef\xbf\xbd"));
    }
  }

  TEST_BEGIN("UTF-8 cut in the middle of a character: U+FFFD, the rest kept");
  {
    static const char cut[] = "caf\xc3\xa9 au lait \xe2\x82";

    if (convert_text("cut.txt", cut, sizeof(cut) - 1, "format=text-utf-8", &o, &r))
    {
      TEST_CHECK(shell("pdftotext '%s' - | grep -qx 'caf\xc3\xa9 au lait \xef\xbf\xbd'", out));   /* One U+FFFD */
    }
  }

  TEST_BEGIN("UTF-8 noncharacters (U+FFFF, U+FDD0) print as U+FFFD (cairo refuses them; found by fuzz-text)");
  {
    static const char nonchar[] = "before \xef\xbf\xbf \xef\xb7\x90 after\n";

    if (convert_text("nonchar.txt", nonchar, sizeof(nonchar) - 1, "format=text-utf-8", &o, &r))
    {
      TEST_CHECK(pdf_has_text(out, "before \xef\xbf\xbd \xef\xbf\xbd after"));
    }
  }

}


/*
 * 'test_text_layout()' - Line ends, tabs, form feeds, wrapping, paper
 *                        sizes, the page limit, and what is refused.
 */

static void
test_text_layout(void)
{
  opts_t      o;
  run_t       r;
  char        out[1200], path[1200], *text, *buf;
  size_t      len, longest;
  const char *letter[] = { "PG_CONVERT_PAPER=letter", NULL };

  opts_init(&o, out, sizeof(out), "text.pdf");

  TEST_BEGIN("CR LF, CR and LF end lines; tabs go to every 8th column; control characters are dropped");
  {
    /* Three controls need 300 bytes of text around them to pass the sniffer's budget. */
    static const char ends[] = "one\r\ntwo\rthree\nx\ty\tz\nab\001c\033d\177e\n"
      "padding padding padding padding padding padding padding padding padding padding\n"
      "padding padding padding padding padding padding padding padding padding padding\n"
      "padding padding padding padding padding padding padding padding padding padding\n"
      "padding padding padding padding padding padding padding padding padding padding\n";

    write_bytes("ends.txt", ends, sizeof(ends) - 1, path, sizeof(path));
    if (convert(path, &o, &r) && (text = pdf_text(out, 1, "-layout")) != NULL)
    {
      TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
      TEST_CHECKF(!strncmp(text, "one\ntwo\nthree\nx       y       z\nabcde\npadding", 45), "%s", text);
      free(text);
    }
    else
      TEST_CHECK(!"could not convert ends.txt");
  }

  TEST_BEGIN("a form feed starts a new page; leading and trailing form feeds make no blank page");
  {
    static const char ff[]  = "page one\n\fpage two\n";
    static const char ff3[] = "\f\n\fleft\f\fright\n\f\n\n";

    write_bytes("ff.txt", ff, sizeof(ff) - 1, path, sizeof(path));
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 2, 0) && strstr(r.result, "format=text-us-ascii"), "%s", r.result);
      TEST_CHECK(pdf_pages(out) == 2);
      TEST_CHECK((text = pdf_text(out, 1, "")) != NULL && strstr(text, "page one") && !strstr(text, "page two"));
      free(text);
      TEST_CHECK((text = pdf_text(out, 2, "")) != NULL && strstr(text, "page two") && !strstr(text, "page one"));
      free(text);
    }

    write_bytes("ff3.txt", ff3, sizeof(ff3) - 1, path, sizeof(path));
    if (convert(path, &o, &r))
    {
      /* "left", a blank page (two form feeds in a row), "right" */
      TEST_CHECKF(is_ok(&r, 3, 0), "%s", r.result);
      TEST_CHECK((text = pdf_text(out, 1, "")) != NULL && strstr(text, "left"));
      free(text);
      TEST_CHECK((text = pdf_text(out, 3, "")) != NULL && strstr(text, "right"));
      free(text);
    }
  }

  TEST_BEGIN("a 10,000-character line wraps at 80 columns onto 3 pages, every character kept");
  if ((buf = malloc(10008)) != NULL)
  {
    for (len = 0; len < 10000; len += 6)
      snprintf(buf + len, 7, "<%04d>", (int)(len / 6));
    buf[10000] = '\n';

    write_bytes("long-line.txt", buf, 10001, path, sizeof(path));
    buf[10000] = '\0';
    if (convert(path, &o, &r) && (text = body_text(out, &longest)) != NULL)
    {
      /* 125 lines of 80 at 62 lines per A4 page */
      TEST_CHECKF(is_ok(&r, 3, 0), "%s", r.result);
      TEST_CHECKF(!strcmp(text, buf), "%zu of 10000 characters", strlen(text));
      TEST_CHECKF(longest == 80, "longest line %zu", longest);
      free(text);
    }
    else
      TEST_CHECK(!"could not convert long-line.txt");
    free(buf);
  }

  TEST_BEGIN("120 lines: 2 A4 pages (62 lines each) or 3 Letter pages (58); 80 columns fit, 81 wrap");
  {
    char line[100];

    snprintf(path, sizeof(path), "%s/lines-120.txt", work);
    if (shell("for i in $(seq 1 120); do printf 'line %%03d %%071d\\n' $i 0; done > '%s'", path) && convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 2, 0), "%s", r.result);
      TEST_CHECK(shell("pdfinfo '%s' | grep -q 'Page size: *595.2[0-9]* x 841.8[0-9]* pts (A4)'", out));
      snprintf(line, sizeof(line), "line 120 %071d", 0);
      TEST_CHECK(pdf_has_text(out, line));
      TEST_CHECK((text = pdf_text(out, 2, "")) != NULL && strstr(text, "line 063 ") && !strstr(text, "line 062 "));
      free(text);
    }

    o.env = letter;
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 3, 0), "%s", r.result);
      TEST_CHECK(shell("pdfinfo '%s' | grep -q 'Page size: *612 x 792 pts (letter)'", out));
    }
    o.env = NULL;

    snprintf(path, sizeof(path), "%s/lines-81.txt", work);
    if (shell("for i in $(seq 1 60); do printf 'line %%03d %%072d\\n' $i 0; done > '%s'", path) && convert(path, &o, &r))
      TEST_CHECKF(is_ok(&r, 2, 0), "%s", r.result);      /* 120 lines */
  }

  TEST_BEGIN("text through a pipe converts the same");
  o.pipe_input = true;
  if (convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 2, 0), "%s", r.result);
  o.pipe_input = false;

  TEST_BEGIN("text over PG_CONVERT_MAX_PAGES: too-many-pages; 20 MB of text fails fast");
  snprintf(path, sizeof(path), "%s/long-line.txt", work);              /* 3 pages */
  check_max_pages(path, &o, 2, "more than 2 pages");

  snprintf(path, sizeof(path), "%s/big.txt", work);
  if (shell("yes 'The quick brown fox jumps over the lazy dog, again and again and again.' 2>/dev/null | head -c 20000000 > '%s'", path) &&
      convert(path, &o, &r))
  {
    TEST_CHECKF(is_fail(&r, "too-many-pages") && strstr(r.result, "more than 500 pages"), "%s", r.result);
    TEST_CHECKF(r.seconds < (SANITIZER_BUILD ? 60.0 : 20.0), "took %.2f s", r.seconds);
  }

  TEST_BEGIN("50,000 combining marks on one letter: at most 30 are kept, so it converts fast");
  if ((buf = malloc(100100)) != NULL)
  {
    memcpy(buf, "before a", 8);
    for (len = 8; len < 8 + 100000; len += 2)
      memcpy(buf + len, "\xcc\x81", 2);           /* U+0301 COMBINING ACUTE ACCENT */
    memcpy(buf + len, " after\n", 7);

    write_bytes("marks.txt", buf, len + 7, path, sizeof(path));
    if (convert(path, &o, &r))
    {
      /* Before the cap Ghostscript's pdfwrite pass took about 20 s on this file. */
      TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
      TEST_CHECKF(r.seconds < (SANITIZER_BUILD ? 15.0 : 5.0), "took %.2f s", r.seconds);
      TEST_CHECK(pdf_has_text(out, "before") && pdf_has_text(out, "after"));
    }
    free(buf);
  }

  TEST_BEGIN("text with nothing to print: empty-document");
  {
    static const char blank[] = "   \n\n\t\f\n  \n";

    write_bytes("blank.txt", blank, sizeof(blank) - 1, path, sizeof(path));
    if (convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "empty-document") && r.dir_clean, "%s", r.result);
  }

  TEST_BEGIN("random binary bytes: unsupported-format, and the sentence lists what can be printed");
  if ((buf = malloc(4096)) != NULL)
  {
    unsigned state = 12345;

    for (len = 0; len < 4096; len ++)
    {
      state    = state * 1103515245U + 12345U;
      buf[len] = (char)(state >> 16);
    }

    write_bytes("random.bin", buf, 4096, path, sizeof(path));
    if (convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "unsupported-format") && strstr(r.result, "PDF") && strstr(r.result, "plain text"), "%s", r.result);
    free(buf);
  }
}


/*
 * 'main()' - Run the tests.
 */

int
main(void)
{
  static const harness_test_t tests[] = { test_text_charsets, test_text_layout, NULL };

  return (harness_main(tests));
}
