/*
 * test-mail-html-clean.c - an HTML mail body made safe for the Office pool
 * (mail/mail-html-clean.c): cid: pictures become data: URIs (PNG, JPEG,
 * GIF, within the caps), every remote or local URL is gone (src, srcset,
 * background, style url(), CSS @import, <link>, <meta refresh>, <iframe>,
 * <object>, entity and escape tricks), and malformed input stays bounded.
 * Each attack is first checked to be seen by the detector (so the test
 * can fail), then checked to be gone after cleaning.
 */

#include "../../mail/mail-private.h"
#include "test.h"

#include <printgate/text.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct image_s                  /* The message's pictures for the callback */
{
  const char *cid, *type;
  const char *data;
  size_t      size;
} image_t;

static image_t images[4];
static int     nimages;


/*
 * 'lookup()' - gw_mail_cid_cb_t over images[].
 */

static bool
lookup(void *ctx, const char *cid, const char **type, const char **data, size_t *size)
{
  (void)ctx;
  for (int i = 0; i < nimages; i ++)
    if (!strcmp(images[i].cid, cid))
    {
      *type = images[i].type;
      *data = images[i].data;
      *size = images[i].size;
      return (true);
    }

  return (false);
}


/*
 * 'has()' - Whether s holds pattern (case-insensitive); with 'unless',
 *           an occurrence right after 'unless' does not count.
 */

static bool
has(const char *s, const char *pattern, const char *unless)
{
  size_t plen = strlen(pattern), ulen = unless ? strlen(unless) : 0;

  for (size_t i = 0; s[i]; i ++)
    if (!strncasecmp(s + i, pattern, plen) && !(unless && i >= ulen && !strncasecmp(s + i - ulen, unless, ulen)))
      return (true);

  return (false);
}


/*
 * 'remote()' - Whether a page could still make LibreOffice fetch something.
 */

static bool
remote(const char *s)
{
  static const char * const bad[] =
  {
    "=\"http", "=http", "=\"//", "=//", "=\"file:", "=file:", "=\"ftp:", "=ftp:", "=\"&#", "=\" http", "@import",
    "u&#114;", "\\72l", "<link", "<iframe", "<object", "<embed", "<base", "refresh", "<script", "onerror", "srcset", "cid:"
  };

  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i ++)
    if (has(s, bad[i], NULL))
      return (true);

  return (has(s, "url(", "x-") || has(s, "image-set(", "x-"));
}


/*
 * 'clean()' - gwMailHtmlClean on a C string (NULL when refused).
 */

static char *
clean(const char *in, size_t *len)
{
  size_t dummy;

  return (gwMailHtmlClean(in, strlen(in), lookup, NULL, len ? len : &dummy));
}

static const char * const attacks[] =
{
  "<img src=\"http://127.0.0.1:9/x.png\">",
  "<IMG SRC=HTTPS://a/b.png>",
  "<img src=\" http://a/x.png\">",
  "<img/src=file:///etc/passwd>",
  "<img src=\"&#104;ttp://a/x.png\">",
  "<img src=\"//a/x.png\">",
  "<img srcset=\"http://a/x.png 1x, http://a/y.png 2x\">",
  "<picture><source srcset=\"http://a/x.png\"><img src=\"ftp://a/x.png\"></picture>",
  "<body background=\"http://a/bg.png\">",
  "<table><td background=http://a/bg.png>cell</td></table>",
  "<div style=\"background:url(http://a/x.png)\">",
  "<div style=\"background:URL( 'http://a/x.png' )\">",
  "<div style='background:url(\"http://a/x.png\")'>",
  "<div style=\"background:u&#114;l(http://a/x.png)\">",
  "<div style=\"background-image:image-set('http://a/x.png' 1x)\">",
  "<style>@import url(http://a/s.css); body{background:url(\"http://a/b.png\")}</style>",
  "<style>@import \"http://a/s.css\";</style>",
  "<style>b{background:u\\72l(http://a/x.png)}</style>",
  "<STYLE type=text/css>p{background:Url(http://a/x.png)}</STYLE>",
  "<link rel=stylesheet href=\"http://a/s.css\">",
  "<meta http-equiv=\"refresh\" content=\"0;url=http://a/\">",
  "<base href=\"http://a/\"><img src=\"x.png\">",
  "<iframe src=\"http://a/\"></iframe>",
  "<object data=\"http://a/x.swf\" type=\"application/x-shockwave-flash\"></object>",
  "<embed src=//a/x.swf>",
  "<svg><image xlink:href=\"http://a/x.png\"/></svg>",
  "<svg><image href=\"http://a/x.png\"/></svg>",
  "<video poster=\"http://a/p.png\"></video>",
  "<script>new Image().src=\"http://a/x\";</script>",
  "<img src=\"cid:none\" onerror=\"this.src='http://a/x'\">",
  "<a href=\"ftp://a/x\">link</a>",
  "<!-- <img src=http://a/c.png> --><img src=x onerror=1>",
  "<img src=\"data:image/png;base64,AAAA\">",      /* Not from the message: dropped too */
  "<iframe\xa0src=\"http://a/\"><img x\xa0src=\"http://a/\">",  /* Names split by a parser elsewhere */
};


/*
 * 'main()' - Run the cases.
 */

int
main(void)
{
  static char png[] = "\x89PNG\r\n\x1a\n-not-really-but-bytes";
  char        *out, *big, *in;
  size_t       len;

  TEST_BEGIN("gwBufferAddBase64: the RFC 4648 test vectors");
  {
    static const char * const vec[][2] = { { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" }, { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" } };

    for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i ++)
    {
      gw_buffer_t b = { NULL, 0, 0, false };

      gwBufferAdd(&b, "", 0);
      gwBufferAddBase64(&b, vec[i][0], strlen(vec[i][0]));
      TEST_CHECKF(b.data && !strcmp(b.data, vec[i][1]), "%s -> %s", vec[i][0], b.data ? b.data : "(null)");
      free(b.data);
    }
  }

  TEST_BEGIN("cid: pictures of the message become data: URIs; unknown or other types are dropped");
  images[0] = (image_t){ "logo@example", "image/png", png, sizeof(png) - 1 };
  images[1] = (image_t){ "vector@example", "image/svg+xml", "<svg/>", 6 };
  images[2] = (image_t){ "photo", "image/jpeg", "\xff\xd8\xff\xe0", 4 };
  nimages   = 3;
  out = clean("<p>Hello</p><img src=\"cid:logo@example\" alt=\"Logo\" width=64><img src=\"CID:photo\"><img src=cid:missing><img src=\"cid:vector@example\">", &len);
  TEST_CHECK(out != NULL);
  TEST_CHECK(out && !strncmp(out, "<!DOCTYPE html>", 15));
  TEST_CHECK(out && strstr(out, "<img src=\"data:image/png;base64,iVBORw0KGgot") != NULL);
  TEST_CHECK(out && strstr(out, "alt=\"Logo\" width=\"64\"") != NULL);
  TEST_CHECK(out && strstr(out, "<img src=\"data:image/jpeg;base64,/9j/4A==\">") != NULL);
  TEST_CHECK(out && has(out, "<img>", NULL));            /* cid:missing: the src is dropped */
  TEST_CHECK(out && !has(out, "svg", NULL) && !has(out, "cid:", NULL));
  TEST_CHECK(out && strstr(out, "<p>Hello</p>") != NULL && strlen(out) == len);
  free(out);

  TEST_BEGIN("remote and local URLs are removed (each attack is seen before cleaning)");
  for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i ++)
  {
    char page[1024];

    snprintf(page, sizeof(page), "<html><body>%s<p>KEEP</p></body></html>", attacks[i]);
    TEST_CHECKF(remote(page) || strstr(page, "data:"), "detector misses: %s", attacks[i]);
    out = clean(page, NULL);
    TEST_CHECKF(out && !remote(out) && !has(out, "data:", NULL), "still remote: %s -> %s", attacks[i], out ? out : "(null)");
    TEST_CHECKF(out && strstr(out, "<p>KEEP</p>"), "text lost: %s -> %s", attacks[i], out ? out : "(null)");
    free(out);
  }
  out = clean("<a href=\"#top\" style=\"color:red; font-weight:bold\">x</a>", NULL);
  TEST_CHECK(out && strstr(out, "<a href=\"#top\" style=\"color:red; font-weight:bold\">x</a>"));   /* What is safe is kept */
  free(out);

  TEST_BEGIN("size caps: one picture, all pictures, attribute length, input");
  big = calloc(1, GW_MAIL_HTML_IMAGE_MAX + 1);
  TEST_CHECK(big != NULL);
  images[0] = (image_t){ "a", "image/gif", big, GW_MAIL_HTML_IMAGE_MAX };      /* At the cap: kept */
  images[1] = (image_t){ "b", "image/gif", big, GW_MAIL_HTML_IMAGE_MAX + 1 };  /* Over it: dropped */
  images[2] = (image_t){ "c", "image/gif", big, 1 };
  nimages   = 3;
  out = clean("<img src=cid:b><img src=cid:a><img src=cid:a><img src=cid:c>", NULL);
  TEST_CHECK(out != NULL);
  /* b over the cap; a twice = the 10 MB total; c then over the total. */
  TEST_CHECK(out && !strncmp(strstr(out, "<img"), "<img><img src=\"data:image/gif", 29));
  TEST_CHECK(out && strstr(out, "\"><img src=\"data:image/gif;base64,") != NULL);
  TEST_CHECK(out && !strcmp(out + strlen(out) - 7, "\"><img>"));
  TEST_CHECK(out && has(out, "base64", NULL) && strstr(strstr(out, "base64") + 6, "base64") != NULL);
  TEST_CHECK(out && strlen(out) < 2 * (size_t)GW_MAIL_HTML_IMAGES_MAX);
  free(out);
  free(big);

  in = malloc(GW_MAIL_HTML_ATTR_MAX + 64);
  TEST_CHECK(in != NULL);
  snprintf(in, 64, "<p title=\"");
  memset(in + strlen(in), 'a', GW_MAIL_HTML_ATTR_MAX + 1);
  in[10 + GW_MAIL_HTML_ATTR_MAX + 1] = '\0';
  strncat(in, "\" id=x>KEEP</p>", 20);
  out = clean(in, NULL);
  TEST_CHECK(out && strstr(out, "<p id=\"x\">KEEP</p>") != NULL);
  free(out);
  in[10 + GW_MAIL_HTML_ATTR_MAX] = '"';                 /* At the cap: kept */
  in[10 + GW_MAIL_HTML_ATTR_MAX + 1] = '\0';
  strncat(in, " id=x>KEEP</p>", 20);
  out = clean(in, NULL);
  TEST_CHECK(out && strstr(out, "aaa\" id=\"x\">KEEP</p>") != NULL);
  free(out);
  free(in);

  big = malloc(GW_MAIL_HTML_CLEAN_MAX + 1);
  TEST_CHECK(big != NULL);
  memset(big, 'x', GW_MAIL_HTML_CLEAN_MAX + 1);
  TEST_CHECK(gwMailHtmlClean(big, GW_MAIL_HTML_CLEAN_MAX + 1, lookup, NULL, &len) == NULL);
  out = gwMailHtmlClean(big, GW_MAIL_HTML_CLEAN_MAX, lookup, NULL, &len);
  TEST_CHECK(out && len == GW_MAIL_HTML_CLEAN_MAX + 39);
  free(out);
  free(big);

  TEST_BEGIN("malformed HTML: unterminated tags, values, comments; stray '<'; NUL bytes");
  {
    static const char * const bad[] =
    {
      "<p>KEEP</p><img src=\"http://a/x.png", "<p>KEEP</p><img src=http://a/x.png", "<p>KEEP</p><!-- <img src=http://a>",
      "<p>KEEP</p><style>b{background:url(http://a)}", "<p>KEEP</p><script>http://a", "<p>KEEP</p><<<img src=//a>>>",
      "<p>KEEP</p></><//>", "<p>KEEP</p><img ===== src=http://a>", "<p>KEEP</p><img src='x\" onerror=\"http://a'>",
      "<p>KEEP</p><averyveryveryveryverylongtagnamethatgoesonandon src=http://a>"
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i ++)
    {
      out = clean(bad[i], NULL);
      TEST_CHECKF(out && !has(out, "=http", NULL) && !has(out, "=\"http", NULL) && !has(out, "url(", "x-") && strstr(out, "<p>KEEP</p>"),
                  "%s -> %s", bad[i], out ? out : "(null)");
      free(out);
    }
    out = gwMailHtmlClean("<p>a\0b</p><img src=\0http://a>", 29, lookup, NULL, &len);
    TEST_CHECK(out && len > 39 && !has(out, "=\"http", NULL));
    free(out);
  }

  TEST_EXIT();
}
