/*
 * test-convert-render.c - printgate-convert --render, run as the daemon
 * runs it at release (convert-harness.h): page ranges, N-up, the
 * hex-encoded watermark (an injection attempt printed verbatim), and PDF,
 * PWG raster, URF and PCL-XL output.
 */

#include "convert-harness.h"


/*
 * 'file_head()' - The first bytes of a file (0 on error).
 */

static size_t
file_head(const char *path, unsigned char *buf, size_t len)
{
  FILE  *fp = fopen(path, "rb");
  size_t n;

  if (!fp)
    return (0);
  n = fread(buf, 1, len, fp);
  fclose(fp);

  return (n);
}


/*
 * 'hex()' - Hex-encode text the way the daemon does for PG_RENDER_WATERMARK.
 */

static void
hex(const char *text, char *buf, size_t bufsize)
{
  size_t len = 0;

  for (; *text && len + 3 < bufsize; text ++, len += 2)
    snprintf(buf + len, bufsize - len, "%02x", (unsigned char)*text);
}


/*
 * 'test_render()' - --render: the held PDF made into what a printer takes.
 */

static void
test_render(void)
{
  opts_t        o;
  run_t         r;
  char          five[1200], ten[1200], out[1200], wm_env[600], wm_hex[500];
  unsigned char head[16];
  const char   *pages_23[]  = { "PG_RENDER_PAGES=2-3", NULL };
  const char   *nup_2[]     = { "PG_RENDER_NUP=2", NULL };
  const char   *nup_4[]     = { "PG_RENDER_NUP=4", NULL };
  const char   *past_end[]  = { "PG_RENDER_PAGES=7-9", NULL };
  const char   *pwg_gray[]  = { "PG_RENDER_FORMAT=pwg", "PG_RENDER_COLOR=gray", "PG_RENDER_DPI=150", "PG_RENDER_PAGES=1,3", NULL };
  const char   *urf_rgb[]   = { "PG_RENDER_FORMAT=urf", "PG_RENDER_COLOR=rgb", "PG_RENDER_DPI=100", "PG_RENDER_NUP=2", NULL };
  const char   *pclxl[]     = { "PG_RENDER_FORMAT=pclxl", "PG_RENDER_COLOR=gray", "PG_RENDER_NUP=4", NULL };
  const char   *wm[]        = { wm_env, NULL };
  const char   *wm_in_norm[]= { "PG_RENDER_WATERMARK=41", NULL };
  static const char *const bad[][2] =
  {
    { "PG_RENDER_PAGES=5-3", "PG_RENDER_PAGES" },
    { "PG_RENDER_PAGES=", "PG_RENDER_PAGES" },
    { "PG_RENDER_NUP=3", "PG_RENDER_NUP" },
    { "PG_RENDER_NUP=2x2", "PG_RENDER_NUP" },
    { "PG_RENDER_FORMAT=cups", "PG_RENDER_FORMAT" },
    { "PG_RENDER_FORMAT=pdfwrite -dNOSAFER", "PG_RENDER_FORMAT" },
    { "PG_RENDER_COLOR=cmyk", "PG_RENDER_COLOR" },
    { "PG_RENDER_DPI=5000", "PG_RENDER_DPI" },
    { "PG_RENDER_WATERMARK=zz", "hex digits" },
    { "PG_RENDER_WATERMARK=414", "hex digits" },
    { "PG_RENDER_WATERMARK=410a42", "printable ASCII" },
    { "PG_RENDER_WATERMARK=28290a", "printable ASCII" },
    { "PG_RENDER_WATERMARK=", "hex digits" },
    { "PG_RENDER_SPEED=1", "unknown setting PG_RENDER_SPEED" }
  };

  memset(&o, 0, sizeof(o));
  o.mode = "--render";
  snprintf(five, sizeof(five), "%s/render-five.pdf", work);
  snprintf(ten, sizeof(ten), "%s/render-ten.pdf", work);
  snprintf(out, sizeof(out), "%s/render-out", work);

  TEST_BEGIN("render: test documents");
  TEST_CHECK(shell("gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o '%s' -c '1 1 5 { /Helvetica findfont 30 scalefont setfont 72 600 moveto (Page number ) show 3 string cvs show showpage } for' >/dev/null 2>&1", five));
  TEST_CHECK(shell("gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o '%s' -c '1 1 10 { /Helvetica findfont 30 scalefont setfont 72 600 moveto (Page number ) show 3 string cvs show showpage } for' >/dev/null 2>&1", ten));
  TEST_CHECK(pdf_pages(five) == 5 && pdf_pages(ten) == 10);

  TEST_BEGIN("render: pages 2-3 of 5 give a 2-page PDF with pages 2 and 3");
  o.env    = pages_23;
  o.output = out;
  if (convert(five, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 2, -1) && strstr(r.result, "format=pdf"), "%s", r.result);
    TEST_CHECK(pdf_pages(out) == 2);
    TEST_CHECK(pdf_has_text(out, "Page number 2") && pdf_has_text(out, "Page number 3") && !pdf_has_text(out, "Page number 1") && !pdf_has_text(out, "Page number 4"));
  }

  TEST_BEGIN("render: 2-up halves the sides (10 pages -> 5) on landscape A4 sheets; 4-up stays portrait");
  o.env = nup_2;
  if (convert(ten, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 5, -1) && pdf_pages(out) == 5 && pdf_has_text(out, "Page number 10"), "%s", r.result);
    TEST_CHECK(shell("pdfinfo '%s' | grep -Eq '^Page size: +842 x 595 pts'", out));
  }
  o.env = nup_4;
  if (convert(ten, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 3, -1) && pdf_pages(out) == 3, "%s", r.result);
    TEST_CHECK(shell("pdfinfo '%s' | grep -Eq '^Page size: +595 x 842 pts'", out));
  }

  TEST_BEGIN("render: page ranges past the end select nothing: empty-document");
  o.env = past_end;
  if (convert(five, &o, &r))
    TEST_CHECKF(is_fail(&r, "empty-document") && strstr(r.result, "5-page document"), "%s", r.result);

  TEST_BEGIN("render: PWG raster, 8-bit sGray; URF with its page count; PCL-XL");
  o.env = pwg_gray;
  if (convert(five, &o, &r))
    TEST_CHECKF(is_ok(&r, 2, -1) && strstr(r.result, "format=pwg") && file_head(out, head, 4) == 4 && !memcmp(head, "RaS2", 4), "%s", r.result);
  o.env = urf_rgb;
  if (convert(five, &o, &r))
    TEST_CHECKF(is_ok(&r, 3, -1) && strstr(r.result, "format=urf") && file_head(out, head, 12) == 12 && !memcmp(head, "UNIRAST", 8) &&
                head[8] == 0 && head[9] == 0 && head[10] == 0 && head[11] == 3, "%s", r.result);
  o.env = pclxl;
  if (convert(ten, &o, &r))
    TEST_CHECKF(is_ok(&r, 3, -1) && strstr(r.result, "format=pclxl") && file_head(out, head, 9) == 9 && !memcmp(head, "\033%-12345X", 9), "%s", r.result);

  TEST_BEGIN("render: the watermark prints the text as written, PostScript specials and all");
  hex("bob) show (INJECTED) show (x \\ % <4142> 2026-11-30 JOB-1234", wm_hex, sizeof(wm_hex));
  snprintf(wm_env, sizeof(wm_env), "PG_RENDER_WATERMARK=%s", wm_hex);
  o.env = wm;
  if (convert(five, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 5, -1), "%s", r.result);
    TEST_CHECK(shell("test \"$(pdftotext '%s' - | grep -cF 'bob) show (INJECTED) show (x \\ %% <4142> 2026-11-30 JOB-1234')\" = 5", out));
    TEST_CHECK(pdf_has_text(out, "Page number 5"));
  }

  TEST_BEGIN("render: settings are parsed strictly (exit 2, internal-error)");
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i ++)
  {
    const char *env[2] = { bad[i][0], NULL };

    o.env = env;
    if (convert(five, &o, &r))
      TEST_CHECKF(is_fail(&r, "internal-error") && r.exit_code == 2 && strstr(r.result, bad[i][1]), "%s: %s", bad[i][0], r.result);
  }

  TEST_BEGIN("render: only a PDF is rendered; --normalize takes no PG_RENDER_*");
  o.env = NULL;
  if (convert("three-pages.ps", &o, &r))
    TEST_CHECKF(is_fail(&r, "unsupported-format"), "%s", r.result);
  o.mode = NULL;
  o.env  = wm_in_norm;
  if (convert(five, &o, &r))
    TEST_CHECKF(is_fail(&r, "internal-error") && strstr(r.result, "--normalize takes no setting PG_RENDER_WATERMARK"), "%s", r.result);
}


/*
 * 'main()' - Run the tests.
 */

int
main(void)
{
  static const harness_test_t tests[] = { test_render, NULL };

  return (harness_main(tests));
}
