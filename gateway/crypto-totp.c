/*
 * crypto-totp.c - time-based one-time passwords (RFC 6238) for the admin
 * console's second factor (api-admin.c): HOTP (RFC 4226) with HMAC-SHA1
 * from OpenSSL, and base32 (RFC 4648) for the otpauth:// URI.  Pure
 * functions; the time step, the window and single use are the caller's.
 */

#include "printgate/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>


/*
 * 'gwTotpCode()' - The HOTP code of a counter (a TOTP time step), as
 *                  'digits' decimal digits.
 */

bool
gwTotpCode(const unsigned char *key, size_t keylen, uint64_t step, unsigned digits, char *code, size_t codesize)
{
  static const uint32_t mod[] = { 1000000, 10000000, 100000000 };
  unsigned char         msg[8], mac[EVP_MAX_MD_SIZE];
  unsigned int          maclen = 0;
  uint32_t              bin;
  int                   offset;

  if (!key || keylen == 0 || keylen > 64 || digits < 6 || digits > 8 || !code || codesize <= digits)
    return (false);

  for (int i = 7; i >= 0; i --, step >>= 8)
    msg[i] = (unsigned char)(step & 255);

  if (!HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof(msg), mac, &maclen) || maclen != 20)
    return (false);

  /* Dynamic truncation (RFC 4226 section 5.3) */
  offset = mac[19] & 15;
  bin    = ((uint32_t)(mac[offset] & 0x7f) << 24) | ((uint32_t)mac[offset + 1] << 16) | ((uint32_t)mac[offset + 2] << 8) | (uint32_t)mac[offset + 3];
  snprintf(code, codesize, "%0*u", (int)digits, (unsigned)(bin % mod[digits - 6]));
  gwWipe(mac, sizeof(mac));
  bin = 0;

  return (true);
}


/*
 * 'gwBase32Encode()' - RFC 4648 base32, upper case, no padding.
 */

bool
gwBase32Encode(const unsigned char *in, size_t len, char *out, size_t outsize)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  size_t            o = 0;
  unsigned          buffer = 0, bits = 0;

  if (!in || !out || outsize <= (len * 8 + 4) / 5)
    return (false);

  for (size_t i = 0; i < len; i ++)
  {
    buffer = (buffer << 8) | in[i];
    bits  += 8;
    while (bits >= 5)
    {
      out[o ++] = alphabet[(buffer >> (bits - 5)) & 31];
      bits     -= 5;
    }
  }
  if (bits > 0)
    out[o ++] = alphabet[(buffer << (5 - bits)) & 31];
  out[o] = '\0';

  return (true);
}
