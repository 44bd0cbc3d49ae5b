/*
 * test-convert-image.c - printgate-convert on images (JPEG, PNG, TIFF,
 * GIF, BMP, WebP, HEIC/HEIF) and PWG/URF raster, run as the daemon runs it
 * (convert-harness.h): orientation checked by rendering the output, pages,
 * page sizes, colour counts, and hostile or damaged images failing with
 * their reasons.
 */

#include "convert-harness.h"


/*
 * 'page_size()' - Width and height in points of a PDF's first page
 *                 (pdfinfo), false on error.
 */

static bool
page_size(const char *pdf, double *w, double *h)
{
  char        cmd[1200], out[8192];
  const char *size;

  snprintf(cmd, sizeof(cmd), "pdfinfo '%s' 2>/dev/null", pdf);
  test_run(cmd, out, sizeof(out));

  return ((size = test_line_after(out, "Page size:")) != NULL && sscanf(size, "%lf x %lf", w, h) == 2);
}


/*
 * 'find_mark()' - Render a PDF's first page at 18 dpi in grey (pdftoppm)
 *                 and give the centre of its dark pixels (< 64) as a
 *                 fraction of the page width and height (0,0 = top left).
 *                 False when there are none.
 */

static bool
find_mark(const char *pdf, double *fx, double *fy)
{
  char           prefix[1200], pgm[1300];
  unsigned char *data;
  size_t         len;
  int            w, h, maxval, off = 0;
  double         sx = 0, sy = 0, n = 0;

  snprintf(prefix, sizeof(prefix), "%s/mark", work);
  snprintf(pgm, sizeof(pgm), "%s.pgm", prefix);
  if (!shell("pdftoppm -r 18 -gray -singlefile -f 1 -l 1 '%s' '%s' 2>/dev/null", pdf, prefix) ||
      (data = (unsigned char *)test_read_file(pgm, &len)) == NULL)
    return (false);

  if (sscanf((char *)data, "P5 %d %d %d%n", &w, &h, &maxval, &off) != 3 || w <= 0 || h <= 0 ||
      (size_t)off + 1 + (size_t)w * (size_t)h > len)
  {
    free(data);
    return (false);
  }

  for (int y = 0; y < h; y ++)
    for (int x = 0; x < w; x ++)
      if (data[off + 1 + y * w + x] < 64)
      {
        sx += x + 0.5;
        sy += y + 0.5;
        n ++;
      }

  free(data);
  unlink(pgm);

  if (n == 0)
    return (false);

  *fx = sx / n / w;
  *fy = sy / n / h;
  return (true);
}


/*
 * 'has_image()' - Does the PDF hold an image of this width, encoded as
 *                 pdfimages says ("jpeg" for DCT, "image" for Flate)?
 */

static bool
has_image(const char *pdf, int width, const char *enc)
{
  return (shell("pdfimages -list '%s' 2>/dev/null | awk '$3 == \"image\" && $4 == %d && $9 == \"%s\" { f = 1 } END { exit !f }'", pdf, width, enc));
}

#define has_jpeg_image(pdf, width) has_image((pdf), (width), "jpeg")


/*
 * 'crc32_png()' - The CRC-32 of PNG chunks (ISO 3309), for hand-made PNGs.
 */

static uint32_t
crc32_png(const unsigned char *p, size_t len)
{
  uint32_t c = 0xffffffffU;

  for (size_t i = 0; i < len; i ++)
  {
    c ^= p[i];
    for (int k = 0; k < 8; k ++)
      c = (c & 1U) ? 0xedb88320U ^ (c >> 1) : (c >> 1);
  }

  return (c ^ 0xffffffffU);
}


/*
 * 'put_chunk()' - Append a PNG chunk to buf at *pos.
 */

static void
put_chunk(unsigned char *buf, size_t *pos, const char *type, const unsigned char *data, uint32_t len)
{
  unsigned char *start = buf + *pos;
  uint32_t       crc;

  start[0] = (unsigned char)(len >> 24);
  start[1] = (unsigned char)(len >> 16);
  start[2] = (unsigned char)(len >> 8);
  start[3] = (unsigned char)len;
  memcpy(start + 4, type, 4);
  if (len)
    memcpy(start + 8, data, len);
  crc = crc32_png(start + 4, len + 4);
  start[8 + len]  = (unsigned char)(crc >> 24);
  start[9 + len]  = (unsigned char)(crc >> 16);
  start[10 + len] = (unsigned char)(crc >> 8);
  start[11 + len] = (unsigned char)crc;
  *pos += 12 + len;
}


/*
 * 'make_marked_png()' - A 40 x 30 light orange RGB PNG with a black 10 x 10
 *                       mark in its top-left corner, by hand (a stored
 *                       deflate block), with an eXIf chunk giving the
 *                       orientation when orientation > 0.  Returns its
 *                       length in buf (at least 4096 bytes).
 */

static size_t
make_marked_png(unsigned char *buf, int orientation)
{
  static const unsigned char ihdr[13] = { 0, 0, 0, 40, 0, 0, 0, 30, 8, 2, 0, 0, 0 };
  unsigned char               exif[26] =
  {
    'I', 'I', 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00,       /* TIFF header, IFD0 at 8 */
    0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00
  };
  unsigned char               idat[2 + 5 + 30 * 121 + 4], *p = idat;
  uint32_t                    a = 1, b = 0;
  size_t                      pos = 8, raw = 30 * 121;

  exif[18] = (unsigned char)orientation;

  /* zlib header, one stored block, the rows (filter 0), Adler-32. */
  *p++ = 0x78;
  *p++ = 0x01;
  *p++ = 0x01;
  *p++ = (unsigned char)raw;
  *p++ = (unsigned char)(raw >> 8);
  *p++ = (unsigned char)~raw;
  *p++ = (unsigned char)(~raw >> 8);
  for (int y = 0; y < 30; y ++)
  {
    *p++ = 0;
    for (int x = 0; x < 40; x ++)
    {
      bool mark = x < 10 && y < 10;

      *p++ = mark ? 0 : 0xff;
      *p++ = mark ? 0 : 0xe0;
      *p++ = mark ? 0 : 0xa0;
    }
  }
  for (unsigned char *q = idat + 7; q < p; q ++)
  {
    a = (a + *q) % 65521;
    b = (b + a) % 65521;
  }
  *p++ = (unsigned char)(b >> 8);
  *p++ = (unsigned char)b;
  *p++ = (unsigned char)(a >> 8);
  *p++ = (unsigned char)a;

  memcpy(buf, "\211PNG\r\n\032\n", 8);
  put_chunk(buf, &pos, "IHDR", ihdr, sizeof(ihdr));
  if (orientation > 0)
    put_chunk(buf, &pos, "eXIf", exif, sizeof(exif));
  put_chunk(buf, &pos, "IDAT", idat, (uint32_t)(p - idat));
  put_chunk(buf, &pos, "IEND", NULL, 0);

  return (pos);
}



/*
 * 'add_exif_orientation()' - Copy a JPEG with an EXIF APP1 (orientation
 *                            only) put after its SOI marker.
 */

static bool
add_exif_orientation(const char *in, const char *out, int orientation)
{
  unsigned char app1[36] =
  {
    0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
    'I', 'I', 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00,       /* TIFF header, IFD0 at 8 */
    0x01, 0x00,                                         /* 1 entry */
    0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,     /* Orientation, SHORT, 1 */
    0x00, 0x00, 0x00, 0x00,                             /* value (set below) */
    0x00, 0x00, 0x00, 0x00                              /* no next IFD */
  };
  char          *data, *copy;
  size_t         len;
  bool           ok;

  app1[28] = (unsigned char)orientation;

  if ((data = test_read_file(in, &len)) == NULL || len < 4 || (copy = malloc(len + sizeof(app1))) == NULL)
  {
    free(data);
    return (false);
  }

  memcpy(copy, data, 2);
  memcpy(copy + 2, app1, sizeof(app1));
  memcpy(copy + 2 + sizeof(app1), data + 2, len - 2);
  ok = test_write_file(out, copy, len + sizeof(app1));

  free(copy);
  free(data);
  return (ok);
}


/*
 * 'test_images()' - Photos and pictures: each kind converts, on the right
 *                   page, upright, with the right counts.
 */

static void
test_images(void)
{
  opts_t o;
  run_t  r;
  char   out[1200], path[1200], path2[1200];
  double w = 0, h = 0, fx = -1, fy = -1;

  /* A light orange 400 x 300 picture, black mark in its top-left corner. */
  static const char *marked = "convert -size 400x300 xc:'#ffe0a0' -fill black -draw 'rectangle 0,0 59,59'";

  opts_init(&o, out, sizeof(out), "image.pdf");

  TEST_BEGIN("a landscape JPEG: one landscape A4 page, kept as DCT, the mark top left");
  if (make_image(path, sizeof(path), "marked.jpg", marked) && convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, "format=jpeg"), "%s", r.result);
    TEST_CHECKF(page_size(out, &w, &h) && w > 841 && w < 842 && h > 595 && h < 596, "%.1f x %.1f", w, h);
    TEST_CHECK(has_jpeg_image(out, 400));
    TEST_CHECKF(find_mark(out, &fx, &fy) && fx < 0.25 && fy < 0.3, "mark at %.2f, %.2f", fx, fy);
  }

  TEST_BEGIN("EXIF orientation 6 (turn 90 degrees clockwise): portrait page, mark top right, still DCT");
  snprintf(path2, sizeof(path2), "%s/exif6.jpg", work);
  if (add_exif_orientation(path, path2, 6) && convert(path2, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);
    TEST_CHECKF(page_size(out, &w, &h) && w > 595 && w < 596 && h > 841 && h < 842, "%.1f x %.1f", w, h);
    TEST_CHECK(has_jpeg_image(out, 400));
    TEST_CHECKF(find_mark(out, &fx, &fy) && fx > 0.75 && fy < 0.25, "mark at %.2f, %.2f", fx, fy);
  }

  TEST_BEGIN("EXIF orientation 8 (turn 90 degrees anticlockwise): portrait page, mark bottom left");
  snprintf(path2, sizeof(path2), "%s/exif8.jpg", work);
  if (add_exif_orientation(path, path2, 8) && convert(path2, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);
    TEST_CHECKF(page_size(out, &w, &h) && w < h, "%.1f x %.1f", w, h);
    TEST_CHECKF(find_mark(out, &fx, &fy) && fx < 0.25 && fy > 0.75, "mark at %.2f, %.2f", fx, fy);
  }

  TEST_BEGIN("a JPEG named .pdf converts by its content (format=jpeg)");
  snprintf(path2, sizeof(path2), "%s/not-really.pdf", work);
  if (shell("cp '%s' '%s'", path, path2) && convert(path2, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, " format=jpeg\n"), "%s", r.result);

  TEST_BEGIN("PG_CONVERT_PAPER=letter: the image page is Letter");
  {
    const char *env[] = { "PG_CONVERT_PAPER=letter", NULL };

    o.env = env;
    if (convert(path, &o, &r))
      TEST_CHECKF(is_ok(&r, 1, 1) && page_size(out, &w, &h) && w == 792 && h == 612, "%s %.1f x %.1f", r.result, w, h);
    o.env = NULL;
  }

  TEST_BEGIN("a PNG's eXIf orientation 6: portrait page, mark top right (without it: landscape, top left)");
  {
    unsigned char png[8192];
    size_t        len;

    snprintf(path2, sizeof(path2), "%s/exif6.png", work);
    len = make_marked_png(png, 6);
    if (test_write_file(path2, png, len) && convert(path2, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, "format=png"), "%s", r.result);
      TEST_CHECKF(page_size(out, &w, &h) && w < h && find_mark(out, &fx, &fy) && fx > 0.75 && fy < 0.25,
                  "%.1f x %.1f, mark at %.2f, %.2f", w, h, fx, fy);
    }
    snprintf(path2, sizeof(path2), "%s/plain.png", work);
    len = make_marked_png(png, 0);
    if (test_write_file(path2, png, len) && convert(path2, &o, &r))
      TEST_CHECKF(is_ok(&r, 1, 1) && page_size(out, &w, &h) && w > h && find_mark(out, &fx, &fy) && fx < 0.25 && fy < 0.3,
                  "%s %.1f x %.1f, mark at %.2f, %.2f", r.result, w, h, fx, fy);
  }

  TEST_BEGIN("a 3-page TIFF: 3 pages, one in colour; its orientation tag is honoured");
  if (!make_image(path, sizeof(path), "p1.tiff", "convert -size 300x400 xc:white -fill black -draw 'rectangle 0,0 59,59'") ||
      !make_image(path, sizeof(path), "p2.tiff", "convert -size 300x400 xc:white -fill red -draw 'rectangle 100,100 199,199'") ||
      !make_image(path, sizeof(path), "p3.tiff", "convert -size 400x300 xc:'#ffe0a0' -fill black -draw 'rectangle 0,0 59,59' -orient RightTop"))
    TEST_CHECK(!"could not make the TIFF pages");
  snprintf(path, sizeof(path), "%s/three.tiff", work);
  if (shell("cd '%s' && tiffcp p1.tiff p2.tiff p3.tiff three.tiff >/dev/null 2>&1", work) && convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 3, 2), "%s", r.result);
    TEST_CHECK(pdf_pages(out) == 3);
    snprintf(path2, sizeof(path2), "%s/page3.pdf", work);
    if (shell("qpdf --empty --pages '%s' 3 -- '%s'", out, path2))
      TEST_CHECKF(page_size(path2, &w, &h) && w < h && find_mark(path2, &fx, &fy) && fx > 0.75 && fy < 0.25,
                  "%.1f x %.1f, mark at %.2f, %.2f", w, h, fx, fy);
  }
  else
    TEST_CHECK(!"could not make or convert the 3-page TIFF");

  TEST_BEGIN("a TIFF with more pages than PG_CONVERT_MAX_PAGES is refused before decoding");
  check_max_pages(path, &o, 2, "3 pages; at most 2");

  TEST_BEGIN("a HEIC photo (heif-enc) converts, through a pipe too");
  if (!make_image(path, sizeof(path), "photo.png", "convert -size 640x480 plasma:red-yellow -seed 4"))
    TEST_CHECK(!"could not make photo.png");
  snprintf(path2, sizeof(path2), "%s/photo.heic", work);
  if (shell("cd '%s' && heif-enc -q 70 photo.png -o photo.heic >/dev/null 2>&1", work) && convert(path2, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, "format=heic"), "%s", r.result);
    TEST_CHECKF(page_size(out, &w, &h) && w > h, "%.1f x %.1f", w, h);
    TEST_CHECK(has_jpeg_image(out, 640));
    o.pipe_input = true;
    if (convert(path2, &o, &r))
      TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);
    o.pipe_input = false;
  }
  else
    TEST_CHECK(!"could not make or convert the HEIC photo");
  snprintf(path2, sizeof(path2), "%s/alpha.heic", work);
  if (shell("cd '%s' && convert -size 300x300 xc:none -fill '#00a000' -draw 'circle 150,150 150,200' -define png:color-type=6 rgba.png && "
            "heif-enc -q 70 rgba.png -o alpha.heic >/dev/null 2>&1 && heif-info alpha.heic | grep -q 'alpha channel: yes'", work) &&
      convert(path2, &o, &r))
  {
    /* Transparent around the disc: white paper, not black. */
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);
    TEST_CHECK(!find_mark(out, &fx, &fy));
  }
  else
    TEST_CHECK(!"could not make or convert a HEIC with alpha");

  TEST_BEGIN("an animated GIF and an animated WebP print their first frame only (grey, then red: color_pages=0)");
  if (make_image(path, sizeof(path), "anim.gif", "convert -size 200x100 xc:gray60 -size 200x100 xc:red -loop 0") &&
      convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 0) && strstr(r.result, "format=gif"), "%s", r.result);
  if (make_image(path, sizeof(path), "anim.webp", "convert -size 200x100 xc:gray60 -size 200x100 xc:red -loop 0") &&
      shell("grep -q ANMF '%s'", path) && convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 0) && strstr(r.result, "format=webp"), "%s", r.result);
  else
    TEST_CHECK(!"could not make or convert an animated WebP");

  TEST_BEGIN("BMP: 32-bit, 8-bit RLE, 1-bit palette: the mark top left");
  {
    static const char *const bmps[][2] =
    {
      { "a32.bmp", "-alpha set bmp:" },
      { "rle8.bmp", "-type Palette -compress RLE bmp3:" },
      { "p1.bmp", "-type Palette bmp3:" }
    };

    for (size_t i = 0; i < sizeof(bmps) / sizeof(bmps[0]); i ++)
    {
      char cmd[400];

      snprintf(cmd, sizeof(cmd), "convert -size 400x300 xc:'#ffe0a0' -fill black -draw 'rectangle 0,0 59,59' %s", bmps[i][1]);
      /* The bmp3:/bmp: prefix goes right before the name. */
      snprintf(path, sizeof(path), "%s/%s", work, bmps[i][0]);
      if (shell("%s'%s' >/dev/null 2>&1", cmd, path) && convert(path, &o, &r))
      {
        TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, "format=bmp"), "%s: %s", bmps[i][0], r.result);
        TEST_CHECKF(find_mark(out, &fx, &fy) && fx < 0.25 && fy < 0.3, "%s: mark at %.2f, %.2f", bmps[i][0], fx, fy);
      }
      else
        TEST_CHECKF(false, "could not make or convert %s", bmps[i][0]);
    }
  }

  TEST_BEGIN("other encodings of the marked picture: the mark top left, the orange kept (colour) each");
  {
    static const char *const variants[][2] =
    {
      { "cmyk.jpg", "-colorspace CMYK" },               /* Adobe CMYK JPEG: inverted, decoded */
      { "deep.png", "-depth 16" },                      /* 16-bit RGB PNG */
      { "palette.png", "-type Palette" },               /* Indexed PNG */
      { "lzw.tiff", "-compress lzw" },
      { "planar.tiff", "-interlace Plane" },            /* Separate planes */
      { "progressive.jpg", "-interlace Plane" }         /* Progressive JPEG, kept as DCT */
    };

    for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i ++)
    {
      char cmd[400];

      snprintf(cmd, sizeof(cmd), "%s %s", marked, variants[i][1]);
      if (make_image(path, sizeof(path), variants[i][0], cmd) && convert(path, &o, &r))
      {
        TEST_CHECKF(is_ok(&r, 1, 1), "%s: %s", variants[i][0], r.result);
        TEST_CHECKF(find_mark(out, &fx, &fy) && fx < 0.25 && fy < 0.3, "%s: mark at %.2f, %.2f", variants[i][0], fx, fy);
      }
      else
        TEST_CHECKF(false, "could not make or convert %s", variants[i][0]);
    }
    TEST_CHECK(has_jpeg_image(out, 400));               /* The progressive JPEG, last */
  }

  TEST_BEGIN("a JPEG with stray bytes between two markers converts (libjpeg's warning is counted, not fatal)");
  snprintf(path, sizeof(path), "%s/marked.jpg", work);
  snprintf(path2, sizeof(path2), "%s/stray.jpg", work);
  /* After ImageMagick's 16-byte JFIF APP0 segment (bytes 2-19), before the next marker. */
  if (shell("head -c 6 '%s' | od -An -tx1 | grep -q 'ff d8 ff e0 00 10' && { head -c 20 '%s'; printf junk; tail -c +21 '%s'; } > '%s'",
            path, path, path, path2) && convert(path2, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);
    TEST_CHECKF(strstr(r.err, "defects libjpeg could step over") != NULL, "%s", r.err);
    /* cairo's JPEG parser refuses such data and would embed the 1/8 pixels: decoded in full instead. */
    TEST_CHECK(has_image(out, 400, "image"));
  }

  TEST_BEGIN("WebP, lossy (embedded as JPEG) and lossless with alpha");
  if (make_image(path, sizeof(path), "lossy.webp", "convert -size 400x300 xc:'#ffe0a0' -fill black -draw 'rectangle 0,0 59,59' -quality 80") &&
      convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, "format=webp"), "%s", r.result);
    TEST_CHECKF(find_mark(out, &fx, &fy) && fx < 0.25 && fy < 0.3, "mark at %.2f, %.2f", fx, fy);
  }
  if (make_image(path, sizeof(path), "alpha.webp", "convert -size 300x300 xc:none -fill blue -draw 'circle 150,150 150,250' -define webp:lossless=true") &&
      convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);

  TEST_BEGIN("a PNG with alpha: transparent parts print white, the page counts as colour");
  if (make_image(path, sizeof(path), "alpha.png", "convert -size 300x300 xc:none -fill '#00a000' -draw 'circle 150,150 150,200'") &&
      convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, "format=png"), "%s", r.result);
    /* Nothing dark anywhere: the transparent corners are white, not black. */
    TEST_CHECK(!find_mark(out, &fx, &fy));
  }

  TEST_BEGIN("a grey photo stored as RGB (PNG and JPEG): color_pages=0");
  if (make_image(path, sizeof(path), "grey-rgb.png", "convert -size 600x400 plasma:fractal -seed 7 -colorspace gray -type TrueColor -define png:color-type=2") &&
      convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
  if (make_image(path, sizeof(path), "grey-rgb.jpg", "convert -size 600x400 plasma:fractal -seed 7 -colorspace gray -type TrueColor") &&
      shell("identify -format '%%[channels]' '%s' | grep -q srgb", path) && convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
  else
    TEST_CHECK(!"could not make or convert an RGB JPEG of a grey photo");

  TEST_BEGIN("an A4 scan at 300 dpi with a 1 cm colour logo: color_pages=1");
  if (make_image(path, sizeof(path), "logo-1cm.png", "convert -size 2480x3508 xc:white -fill black -draw 'rectangle 300,600 2000,620' -fill '#d02020' -draw 'rectangle 2100,300 2217,417'") &&
      convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);
    TEST_CHECKF(page_size(out, &w, &h) && w < h, "%.1f x %.1f", w, h);
  }
}


/*
 * 'test_raster()' - PWG raster and URF pages (Ghostscript's devices, as a
 *                   phone would send them) become PDF pages of their size.
 */

static void
test_raster(void)
{
  opts_t o;
  run_t  r;
  char   out[1200], path[1200];
  double w = 0, h = 0, fx = -1, fy = -1;

  opts_init(&o, out, sizeof(out), "raster.pdf");

  /* Two 4 x 3 inch pages: a red square and a black mark top left; grey. */
  snprintf(path, sizeof(path), "%s/raster.ps", work);
  if (!shell("printf '%%%%!PS\\n<< /PageSize [288 216] >> setpagedevice\\n1 0 0 setrgbcolor 150 20 72 72 rectfill\\n"
             "0 setgray 0 176 40 40 rectfill showpage\\n0.5 setgray 10 10 100 100 rectfill showpage\\n' > '%s'", path))
  {
    TEST_CHECK(!"could not write raster.ps");
    return;
  }

  TEST_BEGIN("PWG raster, sRGB 8-bit, 2 pages: 288 x 216 pt pages, one in colour, the mark top left");
  if (shell("cd '%s' && gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pwgraster -r100 -dcupsColorSpace=19 -dcupsBitsPerColor=8 -o rgb.pwg raster.ps >/dev/null 2>&1", work))
  {
    snprintf(path, sizeof(path), "%s/rgb.pwg", work);
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 2, 1) && strstr(r.result, "format=pwg-raster"), "%s", r.result);
      TEST_CHECKF(pdf_pages(out) == 2 && page_size(out, &w, &h) && w == 288 && h == 216, "%.1f x %.1f", w, h);
      TEST_CHECKF(find_mark(out, &fx, &fy) && fx < 0.2 && fy < 0.3, "mark at %.2f, %.2f", fx, fy);
    }
  }
  else
    TEST_CHECK(!"gs could not write PWG raster");

  TEST_BEGIN("PWG raster in sGray, black 1-bit (the device default) and CMYK");
  {
    static const char *const kinds[][3] =
    {
      { "gray.pwg", "-dcupsColorSpace=18 -dcupsBitsPerColor=8", "0" },
      { "black1.pwg", "", "0" },
      { "cmyk.pwg", "-dcupsColorSpace=6 -dcupsBitsPerColor=8", "1" },
      { "rgb16.pwg", "-dcupsColorSpace=19 -dcupsBitsPerColor=16", "1" }
    };

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i ++)
    {
      snprintf(path, sizeof(path), "%s/%s", work, kinds[i][0]);
      if (shell("cd '%s' && gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pwgraster -r100 %s -o %s raster.ps >/dev/null 2>&1", work, kinds[i][1], kinds[i][0]) &&
          convert(path, &o, &r))
      {
        TEST_CHECKF(is_ok(&r, 2, kinds[i][2][0] - '0') && page_size(out, &w, &h) && w == 288 && h == 216, "%s: %s", kinds[i][0], r.result);
        TEST_CHECKF(find_mark(out, &fx, &fy) && fx < 0.2 && fy < 0.3, "%s: mark at %.2f, %.2f", kinds[i][0], fx, fy);
      }
      else
        TEST_CHECKF(false, "could not make or convert %s", kinds[i][0]);
    }
  }

  TEST_BEGIN("Apple raster (URF), sRGB and sGray 8-bit; over PG_CONVERT_MAX_PAGES: too-many-pages");
  snprintf(path, sizeof(path), "%s/rgb.urf", work);
  if (shell("cd '%s' && gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=urf -r100 -dcupsColorSpace=19 -dcupsBitsPerColor=8 -o rgb.urf raster.ps >/dev/null 2>&1", work) &&
      convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 2, 1) && strstr(r.result, "format=urf"), "%s", r.result);
    TEST_CHECKF(page_size(out, &w, &h) && w == 288 && h == 216, "%.1f x %.1f", w, h);
  }
  else
    TEST_CHECK(!"could not make or convert the URF");
  check_max_pages(path, &o, 1, "URF) document has more than 1 pages");
  snprintf(path, sizeof(path), "%s/gray.urf", work);
  if (shell("cd '%s' && gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=urf -r100 -dcupsColorSpace=18 -dcupsBitsPerColor=8 -o gray.urf raster.ps >/dev/null 2>&1", work) &&
      convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 2, 0), "%s", r.result);

  TEST_BEGIN("a cut-short PWG raster: corrupt-document; a page over PG_CONVERT_MAX_MPIXELS: too-large");
  snprintf(path, sizeof(path), "%s/cut.pwg", work);
  if (shell("head -c 3000 '%s/rgb.pwg' > '%s'", work, path) && convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "PWG raster document is damaged"), "%s", r.result);
  snprintf(path, sizeof(path), "%s/big.pwg", work);
  if (shell("cd '%s' && gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pwgraster -r400 -dcupsColorSpace=18 -dcupsBitsPerColor=8 -o big.pwg raster.ps >/dev/null 2>&1", work))
  {
    const char *env[] = { "PG_CONVERT_MAX_MPIXELS=1", NULL };   /* 1600 x 1200 = 1.9 megapixels */

    o.env = env;
    if (convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "too-large") && strstr(r.result, "more than the limit of 1000000"), "%s", r.result);
    o.env = NULL;
  }
}


/*
 * 'test_hostile_images()' - Images that must fail, each with its reason,
 *                           nothing on fd 1.
 */

static void
test_hostile_images(void)
{
  opts_t         o;
  run_t          r;
  char           path[1200];
  unsigned char  png[256];
  size_t         pos = 8;
  static const unsigned char ihdr[13] = { 0, 0, 0xc3, 0x50, 0, 0, 0xc3, 0x50, 8, 2, 0, 0, 0 };   /* 50,000 x 50,000 RGB */
  static const unsigned char idat[11] = { 0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00 };

  memset(&o, 0, sizeof(o));

  TEST_BEGIN("a 50,000 x 50,000 PNG header fails fast with too-large, from the header alone");
  memcpy(png, "\211PNG\r\n\032\n", 8);
  put_chunk(png, &pos, "IHDR", ihdr, sizeof(ihdr));
  put_chunk(png, &pos, "IDAT", idat, sizeof(idat));
  put_chunk(png, &pos, "IEND", NULL, 0);
  snprintf(path, sizeof(path), "%s/huge.png", work);
  if (test_write_file(path, png, pos) && convert(path, &o, &r))
  {
    TEST_CHECKF(is_fail(&r, "too-large") && strstr(r.result, "50000 x 50000 pixels (2500 megapixels); at most 100"), "%s", r.result);
    TEST_CHECKF(r.seconds < (SANITIZER_BUILD ? 5.0 : 1.0), "took %.2f s", r.seconds);
  }

  TEST_BEGIN("PG_CONVERT_MAX_MPIXELS=1 refuses a 1200 x 1000 JPEG; out-of-range values are refused");
  if (make_image(path, sizeof(path), "1200x1000.jpg", "convert -size 1200x1000 xc:white"))
  {
    const char *one[] = { "PG_CONVERT_MAX_MPIXELS=1", NULL }, *zero[] = { "PG_CONVERT_MAX_MPIXELS=0", NULL },
               *big[] = { "PG_CONVERT_MAX_MPIXELS=1001", NULL };

    o.env = one;
    if (convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "too-large") && strstr(r.result, "at most 1 megapixels"), "%s", r.result);
    o.env = zero;
    if (convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "internal-error") && r.exit_code == 2 && strstr(r.result, "PG_CONVERT_MAX_MPIXELS"), "%s", r.result);
    o.env = big;
    if (convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "internal-error") && strstr(r.result, "PG_CONVERT_MAX_MPIXELS"), "%s", r.result);
    o.env = NULL;
  }

  TEST_BEGIN("a truncated JPEG: corrupt-document, it ends early");
  if (make_image(path, sizeof(path), "whole.jpg", "convert -size 800x600 plasma:fractal -seed 3 -quality 90"))
  {
    char cut[1200];

    snprintf(cut, sizeof(cut), "%s/cut.jpg", work);
    if (shell("head -c 20000 '%s' > '%s'", path, cut) && convert(cut, &o, &r))
      TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "JPEG image ends early"), "%s", r.result);
  }

  TEST_BEGIN("a corrupt TIFF: a directory past the end, damaged compressed strips");
  snprintf(path, sizeof(path), "%s/bad-ifd.tiff", work);
  if (test_write_file(path, "II*\0\377\377\377\0", 8) && convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "TIFF image is damaged"), "%s", r.result);
  if (make_image(path, sizeof(path), "zip.tiff", "convert -size 600x400 plasma:fractal -seed 5 -compress zip"))
  {
    char bad[1200];

    /* Flip bits in the first half (the strips; ImageMagick puts the directory last). */
    snprintf(bad, sizeof(bad), "%s/bad-strips.tiff", work);
    if (shell("perl -0777 -pe 'for my $i (200 .. int(length($_)/2)) { substr($_, $i, 1) ^= \"Z\" }' '%s' > '%s'", path, bad) &&
        convert(bad, &o, &r))
      TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "page 1 of the TIFF image is damaged"), "%s", r.result);
  }

  TEST_BEGIN("cut-short GIF, PNG, WebP, HEIC and BMP: corrupt-document each");
  if (!shell("cd '%s' && convert photo.png photo.gif && convert photo.png -quality 80 photo.webp", work))
    TEST_CHECK(!"could not make photo.gif and photo.webp");
  {
    static const char *const cuts[][3] =
    {
      { "photo.gif", "5000", "GIF image" },
      { "alpha.png", "400", "PNG image" },
      { "photo.webp", "3000", "WebP image" },
      { "photo.heic", "1500", "HEIF image" },
      { "a32.bmp", "5000", "BMP image" }
    };

    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i ++)
    {
      snprintf(path, sizeof(path), "%s/cut-%s", work, cuts[i][0]);
      if (shell("head -c %s '%s/%s' > '%s'", cuts[i][1], work, cuts[i][0], path) && convert(path, &o, &r))
        TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, cuts[i][2]), "%s: %s", cuts[i][0], r.result);
      else
        TEST_CHECKF(false, "could not cut %s", cuts[i][0]);
    }
  }
}

/*
 * 'main()' - Run the tests.
 */

int
main(void)
{
  static const harness_test_t tests[] = { test_images, test_raster, test_hostile_images, NULL };

  return (harness_main(tests));
}
