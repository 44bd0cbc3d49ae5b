/*
 * fuzz-common.h - What the libFuzzer harnesses of tests/fuzz/ share: the
 *                 report of a broken promise and the copy of the input into
 *                 a nul-terminated text.
 *
 * A harness defines GW_FUZZ_NAME (its own name, for the report) before it
 * includes this header.
 */

#ifndef GW_FUZZ_COMMON_H
#  define GW_FUZZ_COMMON_H

#  include <stdbool.h>
#  include <stdio.h>
#  include <stdlib.h>
#  include <string.h>

#  ifndef GW_FUZZ_NAME
#    error "define GW_FUZZ_NAME before including fuzz-common.h"
#  endif


/*
 * 'fail()' - Report a broken promise and abort (libFuzzer saves the input).
 */

static inline void
fail(const char *what)
{
  fprintf(stderr, GW_FUZZ_NAME ": %s\n", what);
  abort();
}


/*
 * 'gw_fuzz_text()' - Copy the input into "buf" as a nul-terminated text.
 *
 * Returns false (the harness skips the input) when it does not fit.
 */

static inline bool
gw_fuzz_text(const unsigned char *data, size_t size, char *buf, size_t bufsize)
{
  if (size >= bufsize)
    return (false);
  memcpy(buf, data, size);
  buf[size] = '\0';
  return (true);
}

#endif /* !GW_FUZZ_COMMON_H */
