/*
 * fuzz-ipp.c - libFuzzer harness for the IPP request path without the
 *              network (ipp-reader.h, gwIppServerProcess()).
 *
 * The input is a whole request body as a phone would POST it to
 * /ipp/print: it goes through the bounded reader in uneven pieces, is
 * decoded by libcups, checked (operation attributes, job template values)
 * and dispatched with no authenticated user and no core, and the answer is
 * encoded.  Any crash, leak or sanitizer report is a bug; the class of
 * input that crashes Debian 12's libcups 2.4.2 (deeply nested collections)
 * must be stopped by the reader before libcups sees it.
 *
 * The answer must also always be a well-formed IPP message: when the path
 * says HTTP 200, the first 8 bytes are a version and status it can stand
 * behind (checked below).
 */

#include <printgate-ipp/server.h>

#include <stdint.h>
#include <stdlib.h>


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  unsigned char *out = NULL;
  size_t         outlen = 0;
  int            http = gwIppServerProcess(data, size, &out, &outlen);

  if (http == 200 && (!out || outlen < 9 || out[0] < 1 || out[0] > 2 || out[outlen - 1] != 0x03))
    abort();                                  /* An answer that is not an IPP message */
  if (http != 200 && http != 401)
    abort();
  free(out);
  return (0);
}
