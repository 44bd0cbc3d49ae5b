/*
 * fuzz-mime-filename.c - libFuzzer harness for the MIME parameter and
 *                        filename decoder (mail/mail-filename.c): the
 *                        input is a Content-Disposition value, split, the
 *                        "filename" and "name" parameters decoded (RFC 2231
 *                        continuations and charsets, RFC 2047), then
 *                        cleaned.
 *
 * Promises: the decoder never writes past its buffer (a small one is used
 * too) and what it accepts is nul-terminated; the cleaned name is valid
 * UTF-8 without path separators or control characters, at most
 * GW_MAIL_FILENAME_MAX bytes; cleaning is idempotent.
 */

#include "../../mail/mail-private.h"

#define GW_FUZZ_NAME "fuzz-mime-filename"
#include "fuzz-common.h"

#include <string.h>

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  char            buf[8192], out[1024], small[8], clean[GW_MAIL_FILENAME_MAX + 1], again[GW_MAIL_FILENAME_MAX + 1];
  gw_mail_param_t params[GW_MAIL_PARAM_MAX];
  int             n;

  if (!gw_fuzz_text(data, size, buf, sizeof(buf)))
    return (0);
  n = gwMailParamSplit(buf, params, GW_MAIL_PARAM_MAX);
  if (n < 0 || n > GW_MAIL_PARAM_MAX)
    fail("parameter count");

  for (int k = 0; k < 2; k ++)
  {
    const char *name = k ? "name" : "filename";

    if (gwMailParamDecode(params, n, name, out, sizeof(out)))
    {
      gwMailFilenameClean(out, clean, sizeof(clean));
      if (strlen(clean) > GW_MAIL_FILENAME_MAX || strchr(clean, '/') || strchr(clean, '\\'))
        fail("unclean name");
      for (const char *c = clean; *c; c ++)
        if ((unsigned char)*c < ' ' || *c == 0x7f)
          fail("control character");
      gwMailFilenameClean(clean, again, sizeof(again));
      if (strcmp(clean, again))
        fail("cleaning is not idempotent");
    }
    if (gwMailParamDecode(params, n, name, small, sizeof(small)) && strlen(small) >= sizeof(small))
      fail("overran a small buffer");
  }
  if (gwMailDecodeWords(buf, out, sizeof(out)) && strlen(out) >= sizeof(out))
    fail("encoded-words overran");

  return (0);
}
