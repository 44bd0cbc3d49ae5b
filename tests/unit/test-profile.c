/*
 * test-profile.c - the iOS/macOS profile and the QR code (profile.h):
 *  1. the profile has the AirPrint payload's keys with the URL's host,
 *     port and path, ForceTLS true, fresh PayloadUUIDs each time, and
 *     escapes what it is given (a display name with <&>"); the port
 *     defaults to 631, an [IPv6] host loses its brackets;
 *  2. URLs it must refuse (http, no path, port 0 or 70000, a host or path
 *     with characters that would break the XML or the URL);
 *  3. the QR matrix has the finder patterns, and the PNG decodes (libpng)
 *     back to that very matrix at the scale asked for, with the quiet
 *     zone; too long a text, scale 0 and 33 are refused.
 */

#include "printgate/profile.h"
#include "test.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>


/*
 * 'profile_of()' - The profile for url (NULL when refused).
 */

static char *
profile_of(const char *url, const char *display)
{
  char       *p = NULL;
  size_t      len = 0;
  const char *error = NULL;

  if (!gwProfileMobileconfig(url, display, &p, &len, &error))
    return (NULL);
  if (strlen(p) != len)
  {
    free(p);
    return (NULL);
  }
  return (p);
}


/*
 * 'uuid_after()' - The string after the n-th "<key>PayloadUUID</key>".
 */

static void
uuid_after(const char *p, int n, char *uuid, size_t uuidsize)
{
  const char *s = p;

  uuid[0] = '\0';
  for (int i = 0; i <= n && s; i ++)
    if ((s = strstr(s, "<key>PayloadUUID</key>")) != NULL)
      s += 10;
  if (s && (s = strstr(s, "<string>")) != NULL)
    snprintf(uuid, uuidsize, "%.36s", s + 8);
}


int
main(void)
{
  char          *p, *q, u1[64], u2[64], u3[64];
  unsigned char *modules = NULL, *png = NULL;
  int            width = 0;
  size_t         pnglen = 0;
  const char    *error = NULL;
  const char    *url = "ipps://gw.example.org:8631/ipp/print/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde";

  TEST_BEGIN("profile");
  TEST_CHECK((p = profile_of(url, "Printgate for <alice> & \"bob\"")) != NULL);
  if (p)
  {
    TEST_CHECK(strstr(p, "<key>PayloadType</key>\n      <string>com.apple.airprint</string>") != NULL);
    TEST_CHECK(strstr(p, "<key>AirPrint</key>\n      <array>\n        <dict>") != NULL);
    TEST_CHECK(strstr(p, "<key>ForceTLS</key>\n          <true/>") != NULL);
    TEST_CHECK(strstr(p, "<key>IPAddress</key>\n          <string>gw.example.org</string>") != NULL);
    TEST_CHECK(strstr(p, "<key>Port</key>\n          <integer>8631</integer>") != NULL);
    TEST_CHECK(strstr(p, "<key>ResourcePath</key>\n          <string>/ipp/print/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde</string>") != NULL);
    TEST_CHECK(strstr(p, "<key>PayloadType</key>\n  <string>Configuration</string>") != NULL);
    TEST_CHECK(strstr(p, "Printgate for &lt;alice&gt; &amp; &quot;bob&quot;") != NULL);
    TEST_CHECK(strstr(p, "<alice>") == NULL);
    TEST_CHECK(strstr(p, "<string>org.printgate.gw.example.org.") != NULL);
    uuid_after(p, 0, u1, sizeof(u1));
    uuid_after(p, 1, u2, sizeof(u2));
    TEST_CHECKF(strlen(u1) == 36 && strlen(u2) == 36 && strcmp(u1, u2), "two payload UUIDs: %s %s", u1, u2);
    TEST_CHECK((q = profile_of(url, "x")) != NULL);
    if (q)
    {
      uuid_after(q, 0, u3, sizeof(u3));
      TEST_CHECKF(strlen(u3) == 36 && strcmp(u1, u3), "a second profile has new UUIDs: %s %s", u1, u3);
      free(q);
    }
    free(p);
  }
  TEST_CHECK((p = profile_of("ipps://printgate/ipp/print/tok", NULL)) != NULL && strstr(p, "<integer>631</integer>") && strstr(p, "<string>Printgate</string>"));
  free(p);
  TEST_CHECK((p = profile_of("ipps://[fd00::1]:8631/ipp/print/tok", "x")) != NULL && strstr(p, "<string>fd00::1</string>") && strstr(p, "<integer>8631</integer>"));
  free(p);

  TEST_BEGIN("refused URLs");
  static const char * const bad[] = {
    "http://gw/ipp/print/tok", "ipps://gw", "ipps://gw:0/ipp/print/tok", "ipps://gw:70000/ipp/print/tok",
    "ipps://gw:86a1/ipp/print/tok", "ipps://g<w/ipp/print/tok", "ipps://gw/ipp/print/to\"k", "ipps://gw/ipp/print/t k",
    "ipps://:631/ipp/print/tok", "ipps://[fd00::1/ipp/print/tok", ""
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i ++)
  {
    p = profile_of(bad[i], "x");
    TEST_CHECKF(p == NULL, "refused: \"%s\"", bad[i]);
    free(p);
  }

  TEST_BEGIN("QR code");
  TEST_CHECK(gwProfileQrMatrix(url, &modules, &width, &error));
  TEST_CHECKF(width >= 21 && (width - 17) % 4 == 0, "width %d is a QR version's", width);
  if (modules && width >= 21)
  {
    /* The three finder patterns: a dark 7x7 ring, light inside it, a dark 3x3 core. */
    int corners[3][2] = { { 0, 0 }, { width - 7, 0 }, { 0, width - 7 } };

    for (int c = 0; c < 3; c ++)
    {
      int x = corners[c][0], y = corners[c][1];

      TEST_CHECKF(modules[y * width + x] && modules[(y + 6) * width + x + 6] && !modules[(y + 1) * width + x + 1] && modules[(y + 3) * width + x + 3],
                  "finder pattern %d", c);
    }
  }

  TEST_CHECK(gwProfileQrPng(url, 3, &png, &pnglen, &error));
  if (png && modules)
  {
    png_image img;
    unsigned char *pixels = NULL;
    int            side = (width + 8) * 3, wrong = 0;

    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    TEST_CHECK(pnglen > 8 && !memcmp(png, "\211PNG\r\n\032\n", 8));
    TEST_CHECK(png_image_begin_read_from_memory(&img, png, pnglen));
    TEST_CHECKF((int)img.width == side && (int)img.height == side, "%ux%u, expected %d", img.width, img.height, side);
    img.format = PNG_FORMAT_GRAY;
    if ((int)img.width == side && (pixels = malloc(PNG_IMAGE_SIZE(img))) != NULL && png_image_finish_read(&img, NULL, pixels, 0, NULL))
    {
      for (int y = 0; y < side; y ++)
        for (int x = 0; x < side; x ++)
        {
          int mx = x / 3 - 4, my = y / 3 - 4;
          int dark = mx >= 0 && my >= 0 && mx < width && my < width && modules[my * width + mx];

          wrong += (pixels[y * side + x] < 128) != dark;
        }
      TEST_CHECKF(wrong == 0, "%d pixels differ from the matrix", wrong);
    }
    else
      TEST_CHECK(!"the PNG decodes");
    png_image_free(&img);
    free(pixels);
  }
  free(png);
  free(modules);

  {
    char long_text[GW_PROFILE_QR_MAX_TEXT + 2];

    memset(long_text, 'a', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    TEST_CHECK(!gwProfileQrPng(long_text, 4, &png, &pnglen, &error) && png == NULL);
    TEST_CHECK(!gwProfileQrPng("", 4, &png, &pnglen, &error));
    TEST_CHECK(!gwProfileQrPng(url, 0, &png, &pnglen, &error));
    TEST_CHECK(!gwProfileQrPng(url, 33, &png, &pnglen, &error));
    TEST_CHECK(gwProfileQrPng(url, 1, &png, &pnglen, &error) && png != NULL);
    free(png);
  }

  TEST_EXIT();
}
