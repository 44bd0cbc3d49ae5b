/*
 * profile-qr.c - QR codes (profile.h): libqrencode makes the matrix,
 * libpng writes it as a grey-scale PNG into memory.  The one file that
 * includes <qrencode.h>.
 */

#include <printgate/profile.h>
#include <printgate/text.h>

#include <png.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#define QR_QUIET 4                      /* Modules of white around the code */


/*
 * 'gwProfileQrMatrix()' - The modules of text's QR code.
 */

bool
gwProfileQrMatrix(const char *text, unsigned char **modules, int *width, const char **error_r)
{
  QRcode *qr;
  size_t  n;

  *modules = NULL;
  *width   = 0;
  if (!text || !*text || strlen(text) > GW_PROFILE_QR_MAX_TEXT)
  {
    *error_r = "the text must be 1 to 1024 characters";
    return (false);
  }
  if ((qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M)) == NULL)
  {
    *error_r = "the text does not fit in a QR code";
    return (false);
  }
  n = (size_t)qr->width * (size_t)qr->width;
  if ((*modules = malloc(n)) == NULL)
  {
    QRcode_free(qr);
    *error_r = "out of memory";
    return (false);
  }
  for (size_t i = 0; i < n; i ++)
    (*modules)[i] = qr->data[i] & 1;    /* Bit 0: dark */
  *width = qr->width;
  QRcode_free(qr);
  return (true);
}




/*
 * 'png_write()' - libpng write callback.
 */

static void
png_write(png_structp png, png_bytep data, size_t len)
{
  gwBufferAdd((gw_buffer_t *)png_get_io_ptr(png), data, len);
}


/*
 * 'png_flush()' - libpng flush callback (nothing to do in memory).
 */

static void
png_flush(png_structp png)
{
  (void)png;
}


/*
 * 'encode_png()' - The matrix as a PNG (false on any libpng error).
 */

static bool
encode_png(const unsigned char *modules, int width, int scale, gw_buffer_t *out)
{
  png_structp   png;
  png_infop     info;
  int           side = (width + 2 * QR_QUIET) * scale;
  unsigned char *row = malloc((size_t)side);
  volatile bool ok = false;

  if (!row)
    return (false);
  if ((png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL)) == NULL)
  {
    free(row);
    return (false);
  }
  if ((info = png_create_info_struct(png)) == NULL || setjmp(png_jmpbuf(png)))
  {
    png_destroy_write_struct(&png, info ? &info : NULL);
    free(row);
    return (false);
  }
  png_set_write_fn(png, out, png_write, png_flush);
  png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < side; y ++)
  {
    int my = y / scale - QR_QUIET;

    for (int x = 0; x < side; x ++)
    {
      int mx = x / scale - QR_QUIET;

      row[x] = (mx >= 0 && my >= 0 && mx < width && my < width && modules[my * width + mx]) ? 0 : 255;
    }
    png_write_row(png, row);
  }
  png_write_end(png, NULL);
  ok = !out->failed;
  png_destroy_write_struct(&png, &info);
  free(row);
  return (ok);
}


/*
 * 'gwProfileQrPng()' - text's QR code as a PNG.
 */

bool
gwProfileQrPng(const char *text, int scale, unsigned char **png, size_t *pnglen, const char **error_r)
{
  unsigned char *modules;
  int            width;
  gw_buffer_t    out;

  *png    = NULL;
  *pnglen = 0;
  if (scale < 1 || scale > 32)
  {
    *error_r = "the scale must be 1 to 32 pixels per module";
    return (false);
  }
  if (!gwProfileQrMatrix(text, &modules, &width, error_r))
    return (false);
  memset(&out, 0, sizeof(out));
  if (!encode_png(modules, width, scale, &out))
  {
    free(modules);
    free(out.data);
    *error_r = "unable to write the PNG";
    return (false);
  }
  free(modules);
  *png    = (unsigned char *)out.data;
  *pnglen = out.len;
  return (true);
}
