/*
 * fuzz-tnef.c - libFuzzer harness for winmail.dat (mail/mail-tnef.c:
 *               gwMailTnefUnpack() over libytnef, the long-name decoding
 *               and the caps) with small caps so they are reached.
 *
 * Promises checked besides "no crash, no leak, no hang": at most max_files
 * files and max_bytes in all are handed on; every file's bytes are there
 * (ASan reads them); every name is bounded, has no control character and
 * no path separator; a refusal has a reason.
 */

#include "../../mail/mail-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 8
#define MAX_BYTES (64 * 1024)

typedef struct seen_s { int files; size_t bytes; } seen_t;

static void
fail(const char *what)
{
  fprintf(stderr, "fuzz-tnef: %s\n", what);
  abort();
}

static bool
file_cb(void *ctx, const char *filename, const char *data, size_t size)
{
  seen_t                *s = (seen_t *)ctx;
  volatile unsigned char sum = 0;

  s->files ++;
  s->bytes += size;
  if (s->files > MAX_FILES || s->bytes > MAX_BYTES)
    fail("over a cap");
  if (!*filename || strlen(filename) > GW_MAIL_FILENAME_MAX || strchr(filename, '/') || strchr(filename, '\\'))
    fail("bad filename");
  for (const char *c = filename; *c; c ++)
    if ((unsigned char)*c < ' ' || *c == 0x7f)
      fail("control character in a filename");
  for (size_t i = 0; i < size; i ++)
    sum ^= (unsigned char)data[i];
  (void)sum;

  return (true);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  seen_t s = { 0, 0 };
  char   why[256];
  int    n;

  if (size > 256 * 1024)
    return (0);
  n = gwMailTnefUnpack((const char *)data, size, MAX_FILES, MAX_BYTES, file_cb, &s, why, sizeof(why));
  if (n < 0 && !why[0])
    fail("refused without a reason");
  if (n >= 0 && n != s.files)
    fail("count differs from the files handed on");

  return (0);
}
