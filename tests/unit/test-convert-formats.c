/*
 * test-convert-formats.c - SVG (librsvg) and XPS/OpenXPS (libgxps) through
 * printgate-convert, run the way the daemon runs it (convert-harness.h):
 * detection by content, page counts and sizes, and the hostile variants
 * (billion laughs, references to /etc/passwd and to a neighbouring file, a
 * 100,000-part XPS package, with and without a lying ZIP directory), each
 * with its positive control; and how the helper hands the new Office-family
 * formats (templates, drawings, CSV, HTML) to the daemon's pool, or prints
 * a CSV as text when there is no pool; and a mail (message/rfc822) printed
 * as its headers and text body, with multipart trees too deep or too wide
 * for the bounds.
 */

#include "convert-harness.h"


/*
 * A refusal "at once": the helper starts, reads the headers or the ZIP
 * directory (100,000 entries at most) and stops: under 0.7 s in an -Werror
 * build and 1.5 s under ASan on a busy machine.  The reason says which
 * check stopped it; the bound only shows that nothing was parsed or
 * unpacked first, with room for a loaded machine (ASan makes every step 2-4
 * times slower).
 */

#define REFUSED_AT_ONCE (SANITIZER_BUILD ? 20.0 : 5.0)


/*
 * 'pdf_image_count()' - Images pdfimages lists (-1 on error).
 */

static int
pdf_image_count(const char *pdf)
{
  char  cmd[1300], line[512];
  FILE *fp;
  int   n = 0;

  snprintf(cmd, sizeof(cmd), "pdfimages -list '%s' 2>/dev/null | tail -n +3", pdf);
  if ((fp = popen(cmd, "r")) == NULL)
    return (-1);

  while (fgets(line, sizeof(line), fp))
    n ++;

  pclose(fp);
  return (n);
}


/*
 * 'test_svg()' - SVG drawings and their hostile variants.
 */

static void
test_svg(void)
{
  opts_t      o;
  run_t       r;
  char        out[1200], path[1200];
  double      w = 0, h = 0;
  const char *no_sandbox[]  = { "--no-sandbox", NULL };
  const char *probe_view[]  = { "--probe-read", "/etc/passwd", NULL };
  const char *probe_ll[]    = { "--no-view", "--probe-read", "/etc/passwd", NULL };

  opts_init(&o, out, sizeof(out), "svg.pdf");

  TEST_BEGIN("an SVG (with a DOCTYPE naming a remote DTD) is one landscape A4 page with its text, in colour");
  if (convert("sample.svg", &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, "format=svg"), "%s", r.result);
    TEST_CHECKF(page_size(out, &w, &h) && w > 841 && w < 842 && h > 595 && h < 596, "%.1f x %.1f", w, h);
    TEST_CHECK(pdf_has_text(out, "Printgate SVG sample"));
    TEST_CHECKF(pdf_image_count(out) == 0, "%d images: the drawing stayed vector", pdf_image_count(out));
  }

  TEST_BEGIN("an SVG named .pdf converts by its content; a Debian icon with only a viewBox is a portrait page");
  snprintf(path, sizeof(path), "%s/drawing.pdf", work);
  if (shell("cp '%s/sample.svg' '%s'", data_dir, path) && convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, "format=svg"), "%s", r.result);
  else
    TEST_CHECKF(false, "the test input could not be made");
  if (convert("/usr/share/icons/hicolor/scalable/apps/libreoffice-writer.svg", &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, "format=svg"), "%s", r.result);
    TEST_CHECKF(page_size(out, &w, &h) && w > 595 && w < 596 && h > 841 && h < 842, "%.1f x %.1f", w, h);
  }

  TEST_BEGIN("a billion-laughs SVG is refused at once (corrupt-document); one internal entity still expands");
  if (convert("billion-laughs.svg", &o, &r))
    TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "entity") && r.seconds < REFUSED_AT_ONCE, "%s (%.2f s)", r.result, r.seconds);
  if (convert("entity-one.svg", &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
    TEST_CHECK(pdf_has_text(out, "Printgate entity text"));
  }

  /*
   * librsvg draws 500,000 references before it stops (6 s in an -Werror
   * build, 17 s under ASan on a busy machine); without the limit it would
   * draw 10^10, for hours.  So the bound only has to be far below that:
   * the helper gets 120 s instead of 60 before the harness kills it.
   */

  TEST_BEGIN("billion laughs by <use> (10 levels of 10 references) stops at librsvg's 500,000 references");
  snprintf(path, sizeof(path), "%s/use-laughs.svg", work);
  o.timeout = 120;
  if (shell("python3 -c 'import sys\n"
            "o = [\"<svg xmlns=\\\"http://www.w3.org/2000/svg\\\" width=\\\"100\\\" height=\\\"100\\\"><defs><rect id=\\\"l0\\\" width=\\\"1\\\" height=\\\"1\\\"/>\"]\n"
            "o += [\"<g id=\\\"l%%d\\\">\" %% i + \"<use href=\\\"#l%%d\\\"/>\" %% (i - 1) * 10 + \"</g>\" for i in range(1, 11)]\n"
            "open(sys.argv[1], \"w\").write(\"\".join(o) + \"</defs><use href=\\\"#l10\\\"/></svg>\")' '%s'", path) &&
      convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "referenced elements") && r.seconds < (SANITIZER_BUILD ? 90.0 : 30.0), "%s (%.2f s)", r.result, r.seconds);
  else
    TEST_CHECKF(false, "the test input could not be made");
  o.timeout = 0;

  TEST_BEGIN("an external entity naming /etc/passwd is not loaded, even without the sandbox");
  o.binary = unsafe_helper;
  o.args   = no_sandbox;
  if (convert("external-entity.svg", &o, &r))
  {
    TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "pw"), "%s", r.result);
    TEST_CHECK(!pdf_has_text(out, "root:"));
  }

  /*
   * References by name.  Positive control: rsvg-convert, which gives
   * librsvg the file's folder as its base, embeds the neighbouring
   * picture; the helper gives no base, so nothing is loaded by name, with
   * the sandbox or without it.
   */

  TEST_BEGIN("references by name (/etc/passwd as image and XInclude, a neighbouring PNG) load nothing");
  snprintf(path, sizeof(path), "%s/external-refs.svg", work);
  if (shell("cp '%s/external-refs.svg' '%s' && convert -size 40x40 xc:blue '%s/mark.png' && "
            "rsvg-convert -f pdf -o '%s/control.pdf' '%s'", data_dir, path, work, work, path))
  {
    char control[1200];

    snprintf(control, sizeof(control), "%s/control.pdf", work);
    TEST_CHECKF(pdf_image_count(control) == 1, "positive control: rsvg-convert embedded %d images", pdf_image_count(control));

    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 1, 0), "no sandbox: %s", r.result);
      TEST_CHECKF(pdf_image_count(out) == 0 && !pdf_has_text(out, "root:"), "no sandbox: %d images", pdf_image_count(out));
      TEST_CHECK(strstr(r.err, "TEST-ONLY UNSAFE BUILD") != NULL);
    }

    o.binary = NULL;
    o.args   = NULL;
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
      TEST_CHECKF(pdf_image_count(out) == 0 && !pdf_has_text(out, "root:"), "%d images", pdf_image_count(out));
    }
  }
  else
    TEST_CHECKF(false, "could not make the positive control (convert, rsvg-convert)");

  /*
   * The sandbox's own wall, on an SVG conversion: a read of /etc/passwd
   * from inside fails, by the file system view (ENOENT) and, without the
   * view, by Landlock (EACCES).
   */

  TEST_BEGIN("inside the helper converting an SVG, /etc/passwd cannot be read (view, then Landlock alone)");
  o.binary = unsafe_helper;
  o.args   = probe_view;
  if (convert("sample.svg", &o, &r))
    TEST_CHECKF(strstr(r.err, "probe read: blocked (errno 2)") != NULL, "%s", r.err);
  if (landlock_abi() > 0)
  {
    o.args = probe_ll;
    if (convert("sample.svg", &o, &r))
      TEST_CHECKF(strstr(r.err, "probe read: blocked (errno 13)") != NULL, "%s", r.err);
  }
  else
    printf("  SKIP Landlock probe: this kernel has no Landlock\n");
  o.binary = NULL;
  o.args   = NULL;

  TEST_BEGIN("an SVG cut short, and one without any size, are corrupt-document");
  snprintf(path, sizeof(path), "%s/cut.svg", work);
  if (shell("head -c 300 '%s/sample.svg' > '%s'", data_dir, path) && convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "librsvg could not read the SVG: "), "%s", r.result);
  else
    TEST_CHECKF(false, "the test input could not be made");
  {
    static const char nosize[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\"><rect width=\"5\" height=\"5\"/></svg>";

    if (convert(write_bytes("nosize.svg", nosize, sizeof(nosize) - 1, path, sizeof(path)), &o, &r))
      TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "size"), "%s", r.result);
    else
      TEST_CHECK(false);
  }
}


/*
 * 'make_parts()' - WORK/three.xps with n empty parts appended (Python's
 *                  zipfile); with lie, the end record's count says 7.
 */

static bool
make_parts(const char *path, int n, int lie)
{
  return (shell("python3 -c 'import sys, zipfile\n"
                "src = zipfile.ZipFile(sys.argv[1]); n = int(sys.argv[3])\n"
                "with zipfile.ZipFile(sys.argv[2], \"w\") as z:\n"
                "  [z.writestr(i.filename, src.read(i.filename)) for i in src.infolist()]\n"
                "  [z.writestr(\"Resources/r%%d.bin\" %% k, b\"\") for k in range(n)]\n"
                "if sys.argv[4] == \"1\":\n"
                "  d = bytearray(open(sys.argv[2], \"rb\").read()); e = d.rfind(b\"PK\\x05\\x06\")\n"
                "  d[e + 8:e + 12] = (7).to_bytes(2, \"little\") * 2; open(sys.argv[2], \"wb\").write(d)\n"
                "' '%s/three.xps' '%s' %d %d", work, path, n, lie));
}


/*
 * 'make_bomb()' - WORK/three.xps whose first page holds an XML comment of
 *                 mb MB of spaces (deflated to a few hundred KB); with lie,
 *                 every size the package declares for that page (local
 *                 header, ZIP64 field, data descriptor, central directory)
 *                 says 1000 bytes.
 */

static bool
make_bomb(const char *path, int mb, int lie)
{
  return (shell("python3 -c 'import struct, sys, zipfile\n"
                "src = zipfile.ZipFile(sys.argv[1]); mb = int(sys.argv[3])\n"
                "with zipfile.ZipFile(sys.argv[2], \"w\", zipfile.ZIP_DEFLATED) as z:\n"
                "  for i in src.infolist():\n"
                "    d = src.read(i.filename)\n"
                "    if i.filename.endswith(\"/1.fpage\"):\n"
                "      h, s, t = d.partition(b\"?>\")\n"
                "      with z.open(i.filename, \"w\", force_zip64=True) as f:\n"
                "        f.write(h + s + b\"<!--\")\n"
                "        [f.write(b\" \" * 1048576) for k in range(mb)]\n"
                "        f.write(b\"-->\" + t)\n"
                "    else:\n"
                "      z.writestr(i.filename, d)\n"
                "if sys.argv[4] == \"1\":\n"
                "  n = [i.file_size for i in zipfile.ZipFile(sys.argv[2]).infolist() if i.filename.endswith(\"/1.fpage\")][0]\n"
                "  d = open(sys.argv[2], \"rb\").read()\n"
                "  d = d.replace(struct.pack(\"<Q\", n), struct.pack(\"<Q\", 1000)).replace(struct.pack(\"<I\", n), struct.pack(\"<I\", 1000))\n"
                "  open(sys.argv[2], \"wb\").write(d)\n"
                "' '%s/three.xps' '%s' %d %d", work, path, mb, lie));
}


/*
 * 'test_xps()' - XPS/OpenXPS documents and their hostile variants.
 */

static void
test_xps(void)
{
  opts_t o;
  run_t  r;
  char   out[1200], path[1200];
  double w = 0, h = 0;


  opts_init(&o, out, sizeof(out), "xps.pdf");

  TEST_BEGIN("an XPS of three A4 pages (Ghostscript's xpswrite) is three A4 pages, through a pipe too");
  if (shell("gs -q -dSAFER -sDEVICE=xpswrite -o '%s/three.xps' '%s/three-pages.ps' >/dev/null 2>&1", work, data_dir))
  {
    snprintf(path, sizeof(path), "%s/three.xps", work);
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 3, 1) && strstr(r.result, "format=xps"), "%s", r.result);
      TEST_CHECKF(pdf_pages(out) == 3, "%d pages", pdf_pages(out));
      TEST_CHECKF(page_size(out, &w, &h) && w > 590 && w < 600 && h > 838 && h < 845, "%.1f x %.1f", w, h);
    }
    o.pipe_input = true;
    if (convert(path, &o, &r))
      TEST_CHECKF(is_ok(&r, 3, 1), "pipe: %s", r.result);
    o.pipe_input = false;
  }
  else
    TEST_CHECKF(false, "gs -sDEVICE=xpswrite failed");

  TEST_BEGIN("an XPS with 100,000 parts is refused before libgxps opens it; 2,000 parts still convert");
  snprintf(path, sizeof(path), "%s/many.xps", work);
  if (make_parts(path, 100000, 0) && convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "too-large") && strstr(r.result, "parts") && r.seconds < REFUSED_AT_ONCE, "%s (%.2f s)", r.result, r.seconds);
  else
    TEST_CHECKF(false, "the test input could not be made");
  snprintf(path, sizeof(path), "%s/lying.xps", work);
  if (make_parts(path, 100000, 1) && convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "too-large") && strstr(r.result, "parts"), "end record says 7: %s", r.result);
  else
    TEST_CHECKF(false, "the test input could not be made");
  snprintf(path, sizeof(path), "%s/some.xps", work);
  if (make_parts(path, 2000, 0) && convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 3, 1), "positive control: %s", r.result);
  else
    TEST_CHECKF(false, "the test input could not be made");

  /*
   * A page that inflates to 200 MB: refused from its declared size, and
   * when every size says 1000 bytes, from what its data really inflates to
   * (before that check, libgxps streamed it into GMarkup and GLib aborted
   * the helper with SIGTRAP at the memory limit).  1 MB converts (control).
   */

  TEST_BEGIN("an XPS page that inflates to 200 MB is too-large, also when its sizes say 1000 bytes; 1 MB converts");
  snprintf(path, sizeof(path), "%s/bomb.xps", work);
  if (make_bomb(path, 200, 0) && convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "too-large") && strstr(r.result, "unpack") && r.seconds < REFUSED_AT_ONCE, "%s (%.2f s)", r.result, r.seconds);
  else
    TEST_CHECKF(false, "the test input could not be made");
  snprintf(path, sizeof(path), "%s/liar.xps", work);
  if (make_bomb(path, 200, 1) && shell("python3 -c 'import sys, zipfile; sys.exit(0 if [i for i in zipfile.ZipFile(sys.argv[1]).infolist() if i.filename.endswith(\"/1.fpage\") and i.file_size == 1000] else 1)' '%s'", path) && convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "too-large") && strstr(r.result, "unpack") && r.seconds < REFUSED_AT_ONCE, "sizes say 1000: %s (%.2f s)", r.result, r.seconds);
  else
    TEST_CHECKF(false, "the test input could not be made (or its page does not say 1000 bytes)");
  snprintf(path, sizeof(path), "%s/padded.xps", work);
  if (make_bomb(path, 1, 0) && convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 3, 1), "positive control: %s", r.result);
  else
    TEST_CHECKF(false, "the test input could not be made");

  TEST_BEGIN("an XPS over PG_CONVERT_MAX_PAGES is too-many-pages; a cut-short one corrupt-document");
  {
    static const char *two_pages[] = { "PG_CONVERT_MAX_PAGES=2", NULL };

    snprintf(path, sizeof(path), "%s/three.xps", work);
    o.env = two_pages;
    if (convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "too-many-pages") && strstr(r.result, "3 pages"), "%s", r.result);
    o.env = NULL;

    snprintf(path, sizeof(path), "%s/cut.xps", work);
    if (shell("head -c 20000 '%s/three.xps' > '%s'", work, path) && convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "corrupt-document"), "%s", r.result);
    else
      TEST_CHECKF(false, "the test input could not be made");
  }
}


/*
 * 'test_office_family()' - Templates, drawings, CSV and HTML: handed to the
 *                          pool ("office format=..."), or a CSV printed as
 *                          text without one.
 */

static void
test_office_family(void)
{
  static const char *office_on[] = { "PG_CONVERT_OFFICE=1", NULL };
  static const struct
  {
    const char *path, *keyword;
  } files[] =
  {
    { "@/tests/data/office/calc.csv", "csv" },
    { "@/tests/data/office/sample.odg", "odg" },
    { "@/tests/data/office/sample.dotx", "docx" },
    { "/usr/lib/libreoffice/share/template/common/presnt/Progress.otp", "odp" },
    { "/usr/share/doc/base-passwd/users-and-groups.html", "html" }
  };
  opts_t      o;
  run_t       r;
  char        out[1200], path[1200], want[64];
  const char *src = getenv("GW_SOURCE_DIR");

  opts_init(&o, out, sizeof(out), "office.pdf");

  TEST_BEGIN("with a pool, templates, drawings, CSV and HTML go to it by their content");
  o.env = office_on;
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i ++)
  {
    if (files[i].path[0] == '@')
      snprintf(path, sizeof(path), "%s%s", src ? src : "..", files[i].path + 1);
    else
      snprintf(path, sizeof(path), "%s", files[i].path);
    snprintf(want, sizeof(want), "office format=%s\n", files[i].keyword);
    if (convert(path, &o, &r))
      TEST_CHECKF(!strcmp(r.result, want) && r.exited && r.exit_code == 3, "%s: %s", path, r.result);
    else
      TEST_CHECKF(false, "could not run the helper on %s", path);
  }
  o.env = NULL;

  TEST_BEGIN("without a pool, a CSV prints as text; HTML is refused with the Office sentence");
  snprintf(path, sizeof(path), "%s/tests/data/office/calc.csv", src ? src : "..");
  if (convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 0) && strstr(r.result, "format=csv"), "%s", r.result);
    TEST_CHECK(pdf_has_text(out, "Printgate Calc sample,3,1.50"));
  }
  if (convert("/usr/share/doc/base-passwd/users-and-groups.html", &o, &r))
    TEST_CHECKF(is_fail(&r, "unsupported-format") && strstr(r.result, "Office documents are not enabled"), "%s", r.result);
}


/*
 * 'test_mail()' - A mail as a document.
 */

static void
test_mail(void)
{
  opts_t o;
  run_t  r;
  char   out[1200], path[1200];

  opts_init(&o, out, sizeof(out), "mail.pdf");

  TEST_BEGIN("a mail prints From, To, Date, Subject (encoded words decoded) and its quoted-printable body");
  if (convert("mail-plain.eml", &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 0) && strstr(r.result, "format=mail"), "%s", r.result);
    TEST_CHECK(pdf_has_text(out, "From: Olga K\xC3\xB6nig <olga@example.org>"));
    TEST_CHECK(pdf_has_text(out, "Subject: Caf\xC3\xA9 menu for the week"));
    TEST_CHECK(pdf_has_text(out, "Date: Fri, 4 Dec 2026 10:00:00 +0000"));
    TEST_CHECK(pdf_has_text(out, "cr\xC3\xA8me br\xC3\xBBl\xC3\xA9" "e"));
    TEST_CHECK(pdf_has_text(out, "must be joined again"));
    TEST_CHECK(!pdf_has_text(out, "Return-Path") && !pdf_has_text(out, "Message-ID") && !pdf_has_text(out, "=C3"));
  }

  TEST_BEGIN("a multipart mail named .txt prints its Latin-1 base64 text part, not the HTML or the attachment");
  snprintf(path, sizeof(path), "%s/forwarded.txt", work);
  if (shell("cp '%s/mail-multipart.eml' '%s'", data_dir, path) && convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 0) && strstr(r.result, "format=mail"), "%s", r.result);
    TEST_CHECK(pdf_has_text(out, "Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln."));
    TEST_CHECK(pdf_has_text(out, "Subject: Report attached"));
    TEST_CHECK(!pdf_has_text(out, "HTML version") && !pdf_has_text(out, "attachment bytes") && !pdf_has_text(out, "JVBER"));
  }
  else
    TEST_CHECKF(false, "the test input could not be made");

  /*
   * Hostile trees: 300 nested multiparts with the text at the bottom, and
   * 20,000 pictures before the text.  The bounds (8 levels, 256 parts)
   * stop both at once; the mail still prints its headers and says why the
   * body is missing.  Positive control: the same text 3 levels deep and
   * after 10 parts is found.  What shows the bounds is the missing text and
   * the sentence; the time only shows that nothing ran away, and each of
   * these is a whole conversion to PDF (under 1 s, ASan on a busy machine),
   * so it gets a wide margin.
   */

  TEST_BEGIN("300 nested multiparts and 20,000 parts stop at the bounds at once; 3 levels and 10 parts print the text");
  {
    static const struct
    {
      const char *name;
      int         depth, parts;
      bool        found;
    } trees[] =
    {
      { "deep.eml", 300, 0, false }, { "wide.eml", 1, 20000, false }, { "shallow.eml", 3, 10, true }
    };

    for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i ++)
    {
      snprintf(path, sizeof(path), "%s/%s", work, trees[i].name);
      if (shell("python3 -c 'import sys\n"
                "d, n = int(sys.argv[2]), int(sys.argv[3])\n"
                "m = \"Content-Type: text/plain\\n\\nThe hidden text.\\n\"\n"
                "for k in range(d):\n"
                "  m = \"Content-Type: multipart/mixed; boundary=b%%d\\n\\n\" %% k + \"\".join(\"--b%%d\\nContent-Type: image/png\\n\\nempty\\n\" %% k for j in range(n if k == d - 1 else 0)) + \"--b%%d\\n\" %% k + m + \"\\n--b%%d--\\n\" %% k\n"
                "open(sys.argv[1], \"w\").write(\"From: a@example.org\\nSubject: tree\\n\" + m)' '%s' %d %d",
                path, trees[i].depth, trees[i].parts) && convert(path, &o, &r))
      {
        TEST_CHECKF(is_ok(&r, 1, 0) && strstr(r.result, "format=mail"), "%s: %s", trees[i].name, r.result);
        TEST_CHECKF(pdf_has_text(out, "The hidden text.") == trees[i].found, "%s: text %s", trees[i].name, trees[i].found ? "missing" : "found");
        TEST_CHECKF(pdf_has_text(out, "no plain-text part") != trees[i].found, "%s: sentence", trees[i].name);
        TEST_CHECKF(r.seconds < (SANITIZER_BUILD ? 30.0 : 10.0), "%s: %.2f s", trees[i].name, r.seconds);
      }
      else
        TEST_CHECKF(false, "the test input could not be made");
    }
  }
}


/*
 * 'main()' - Run the tests.
 */

int
main(void)
{
  if (!harness_init())
    return (1);

  test_svg();
  test_xps();
  test_office_family();
  test_mail();

  test_rmtree(work);
  TEST_EXIT();
}
