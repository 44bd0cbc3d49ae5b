/*
 * fuzz-authres.c - libFuzzer harness for the Authentication-Results reader
 *                  (mail/mail-authres.c, gwMailAuthResCheck()).
 *
 * The input's first line is the From: domain, the rest the header value.
 * Promises: the verdict is one of the three; a pass needs the configured
 * authserv-id and "pass" in the header; the
 * reason is nul-terminated within its buffer.
 */

#include "../../mail/mail-private.h"

#define GW_FUZZ_NAME "fuzz-authres"
#include "fuzz-common.h"

#include <string.h>
#include <strings.h>

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  char            buf[8192], why[64], *nl, *header, *domain;
  gw_mail_trust_t t;

  if (!gw_fuzz_text(data, size, buf, sizeof(buf)))
    return (0);
  domain = buf;
  if ((nl = strchr(buf, '\n')) == NULL)
    return (0);
  *nl    = '\0';
  header = nl + 1;

  t = gwMailAuthResCheck(header, "mx.example.test", domain, why, sizeof(why));
  if (t != GW_MAIL_TRUST_NONE && t != GW_MAIL_TRUST_FAIL && t != GW_MAIL_TRUST_PASS)
    fail("verdict");
  if (strlen(why) >= sizeof(why))
    fail("reason overran");
  if (t == GW_MAIL_TRUST_PASS)
  {
    if (!strcasestr(header, "mx.example.test") || !strcasestr(header, "pass"))
      fail("pass without the trusted id or a pass result");
  }

  return (0);
}
