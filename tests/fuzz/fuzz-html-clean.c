/*
 * fuzz-html-clean.c - libFuzzer harness for the HTML body made safe for the
 *                     Office pool (mail/mail-html-clean.c: gwMailHtmlClean()).
 *
 * Promises checked besides "no crash, no hang": the output starts with the
 * page's own prolog, is NUL-terminated at the length returned (no NUL
 * byte in it), is bounded
 * (input + prolog + per-tag slack + the pictures' base64), has only plain
 * tag and attribute names ([A-Za-z0-9:_.-]), and holds no
 * tag that fetches (<link, <iframe, <object, <embed, <base, <script, <meta
 * but the prolog's) and no URL attribute value other than data: or '#'.
 * The cid: callback knows "a" (a PNG of 3 bytes) and "big" (over the
 * per-picture cap), so both paths are reached.
 */

#include "../../mail/mail-private.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PROLOG "<!DOCTYPE html>\n<meta charset=\"utf-8\">\n"

static void
fail(const char *what, const char *out)
{
  fprintf(stderr, "fuzz-html-clean: %s\n%.2000s\n", what, out);
  abort();
}

static bool
lookup(void *ctx, const char *cid, const char **type, const char **data, size_t *size)
{
  (void)ctx;
  *type = "image/png";
  *data = "\x89PN";
  if (!strcmp(cid, "a"))
    *size = 3;
  else if (!strcmp(cid, "big"))
    *size = GW_MAIL_HTML_IMAGE_MAX + 1;  /* Never read: over the cap */
  else
    return (false);
  return (true);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  static const char * const tags[] = { "<link", "<iframe", "<object", "<embed", "<base", "<script", "<meta", "<frame", "<applet" };
  static const char * const attrs[] = { "src", "href", "background", "poster", "data", "action", "xlink:href", "srcset" };
  char   *out;
  size_t  len;

  if ((out = gwMailHtmlClean((const char *)data, size, lookup, NULL, &len)) == NULL)
    return (0);
  if (out[len] != '\0' || strlen(out) != len || strncmp(out, PROLOG, strlen(PROLOG)))
    fail("prolog, length or a NUL byte", out);
  if (len > strlen(PROLOG) + 6 * size + 16 + 8 * size)   /* &quot; and " src=\"data:image/png;base64,iVBO\"" per byte at worst */
    fail("output too long", out);
  /* Every '<' of the output opens a tag the cleaner wrote: <name( attr(="value")?)*> with
     no '"' inside a value; walk them all as a browser would. */
  for (const char *p = out + strlen(PROLOG); (p = strchr(p, '<')) != NULL;)
  {
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i ++)
      if (!strncasecmp(p, tags[i], strlen(tags[i])) && (p[strlen(tags[i])] == ' ' || p[strlen(tags[i])] == '>'))
        fail("a fetching tag", out);
    for (p += p[1] == '/' ? 2 : 1; *p && *p != ' ' && *p != '>'; p ++)
      if (!isalnum((unsigned char)*p) && !strchr(":_.-", *p))
        fail("a tag name that is not plain", out);
    while (*p == ' ')
    {
      const char *name = ++ p;
      size_t      nlen;

      for (; *p && *p != ' ' && *p != '>' && *p != '='; p ++)
        if (!isalnum((unsigned char)*p) && !strchr(":_.-", *p))
          fail("an attribute name that is not plain", out);
      nlen = (size_t)(p - name);
      if (*p != '=')
        continue;
      if (p[1] != '"')
        fail("an unquoted value", out);
      for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i ++)
        if (nlen == strlen(attrs[i]) && !strncasecmp(name, attrs[i], nlen) && strncmp(p + 2, "data:image/png;base64,", 22) && p[2] != '#')
          fail("a URL attribute survived", out);
      if ((p = strchr(p + 2, '"')) == NULL)
        fail("an unterminated value", out);
      p ++;
    }
    if (*p != '>')
      fail("a tag not closed", out);
  }
  free(out);

  return (0);
}
