/*
 * utf8-check.h - an independent UTF-8 check for the tests and fuzzers
 * that must not trust the validator of the code they test.
 */

#ifndef PRINTGATE_TEST_UTF8_CHECK_H
#define PRINTGATE_TEST_UTF8_CHECK_H

#include <stdbool.h>

/* Is the nul-terminated s valid UTF-8 (no overlong 2-byte forms, lead bytes
   up to U+10FFFF)?  Simple on purpose: stricter checks are the code's. */
static inline bool test_utf8_ok(const char *s)
{
  const unsigned char *u = (const unsigned char *)s;

  while (*u)
  {
    int n = *u < 0x80 ? 1 : (*u >= 0xc2 && *u <= 0xdf) ? 2 : (*u & 0xf0) == 0xe0 ? 3 : (*u >= 0xf0 && *u <= 0xf4) ? 4 : 0;

    if (n == 0)
      return (false);
    for (int k = 1; k < n; k ++)
      if ((u[k] & 0xc0) != 0x80)
        return (false);
    u += n;
  }
  return (true);
}

#endif /* !PRINTGATE_TEST_UTF8_CHECK_H */
