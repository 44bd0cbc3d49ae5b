/*
 * fuzz-html.c - libFuzzer harness for the text rendering of HTML bodies
 *               (mail/mail-html.c: gwMailHtmlToText()).
 *
 * Promises checked besides "no crash, no hang": the output fits
 * gwMailHtmlTextSize() with room to spare, is NUL-terminated at the length
 * returned, and holds no control character but newlines; a small buffer is
 * never overrun (ASan) and is NUL-terminated too.
 */

#include "../../mail/mail-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
fail(const char *what)
{
  fprintf(stderr, "fuzz-html: %s\n", what);
  abort();
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  size_t outsize = gwMailHtmlTextSize(size), n;
  char  *out, small[17];

  if ((out = malloc(outsize)) == NULL)
    return (0);
  n = gwMailHtmlToText((const char *)data, size, out, outsize);
  if (n + 1 >= outsize || out[n] != '\0' || strlen(out) != n)
    fail("output length");
  for (size_t i = 0; i < n; i ++)
    if (((unsigned char)out[i] < ' ' && out[i] != '\n') || out[i] == 0x7f)
      fail("control character in the text");
  free(out);
  n = gwMailHtmlToText((const char *)data, size, small, sizeof(small));
  if (n >= sizeof(small) || small[n] != '\0')
    fail("small buffer");

  return (0);
}
