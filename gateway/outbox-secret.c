/*
 * outbox-secret.c - AES-256-GCM under the secrets key (GW_KEY_SECRETS,
 * docs/keys.md) for the two things the outbox keeps sealed: configuration
 * secrets ("enc:v1:" values, gwApiSecretEncrypt()/gwSystemSecretOpen())
 * and the composed messages in the store's outbox rows.
 *
 * A sealed blob is nonce (12 random bytes) || ciphertext || tag (16); the
 * AAD names what it is ("printgate secret v1", or the row's Message-ID), so
 * a blob moved to another use does not open.
 */

#include "outbox-private.h"
#include "crypto-private.h"
#include "api-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET_AAD "printgate secret v1"


/*
 * '_gwOutboxSeal()' - Seal len bytes (see outbox-private.h).
 */

bool
_gwOutboxSeal(gw_keys_t *keys, const char *aad, const void *in, size_t len, unsigned char *out)
{
  gw_aead_t *aead;
  bool       ok;

  if (!keys || (aead = _gwAeadNew(gwKeysGet(keys, GW_KEY_SECRETS), true)) == NULL)
    return (false);

  ok = gwRandomBytes(out, GW_AEAD_NONCE_LEN) &&
       _gwAeadSeal(aead, out, aad, strlen(aad), in, len, out + GW_AEAD_NONCE_LEN, out + GW_AEAD_NONCE_LEN + len);
  _gwAeadDelete(&aead);

  return (ok);
}


/*
 * '_gwOutboxOpen()' - Open a sealed blob; false when it was changed, made
 *                     under another key or for another AAD.
 */

bool
_gwOutboxOpen(gw_keys_t *keys, const char *aad, const unsigned char *in, size_t len, void *out)
{
  gw_aead_t *aead;
  bool       ok;

  if (!keys || len < _GW_SEAL_OVERHEAD || (aead = _gwAeadNew(gwKeysGet(keys, GW_KEY_SECRETS), false)) == NULL)
    return (false);

  ok = _gwAeadOpen(aead, in, aad, strlen(aad), in + GW_AEAD_NONCE_LEN, len - _GW_SEAL_OVERHEAD, out, in + len - GW_AEAD_TAG_LEN);
  _gwAeadDelete(&aead);

  return (ok);
}


/*
 * '_gwSecretEncrypt()' - "enc:v1:" + base64url(sealed secret).
 */

bool
_gwSecretEncrypt(gw_keys_t *keys, const char *secret, char *out, size_t outsize, const char **error_r)
{
  unsigned char sealed[GW_SECRET_MAX + _GW_SEAL_OVERHEAD];
  size_t        len = secret ? strlen(secret) : 0, plen = strlen(GW_SECRET_PREFIX);
  bool          ok;

  if (!secret || !*secret || len > GW_SECRET_MAX)
  {
    *error_r = "a secret is 1 to 4096 bytes";
    return (false);
  }

  if (outsize <= plen || !_gwOutboxSeal(keys, SECRET_AAD, secret, len, sealed))
  {
    *error_r = "unable to encrypt the secret";
    return (false);
  }

  memcpy(out, GW_SECRET_PREFIX, plen);
  if ((ok = _gwOutboxBase64Encode(sealed, len + _GW_SEAL_OVERHEAD, true, out + plen, outsize - plen)) == false)
    *error_r = "the encrypted secret does not fit";
  gwWipe(sealed, sizeof(sealed));

  return (ok);
}


/*
 * '_gwSecretDecrypt()' - The plaintext of an "enc:v1:" value.
 */

bool
_gwSecretDecrypt(gw_keys_t *keys, const char *value, char *buf, size_t bufsize, const char **error_r)
{
  unsigned char sealed[GW_SECRET_MAX + _GW_SEAL_OVERHEAD];
  ssize_t       n;

  if (!value || strncmp(value, GW_SECRET_PREFIX, strlen(GW_SECRET_PREFIX)))
  {
    *error_r = "not an enc:v1: value";
    return (false);
  }

  if ((n = _gwOutboxBase64UrlDecode(value + strlen(GW_SECRET_PREFIX), sealed, sizeof(sealed))) < _GW_SEAL_OVERHEAD + 1)
  {
    *error_r = "the enc:v1: value is damaged (not base64url, or too short or long)";
    return (false);
  }

  if ((size_t)n - _GW_SEAL_OVERHEAD >= bufsize)
  {
    *error_r = "the secret is too long for its buffer";
    return (false);
  }

  if (!_gwOutboxOpen(keys, SECRET_AAD, sealed, (size_t)n, buf))
  {
    *error_r = "the enc:v1: value does not open: it was changed, or made under another root key";
    return (false);
  }
  buf[n - _GW_SEAL_OVERHEAD] = '\0';

  if (strlen(buf) != (size_t)n - _GW_SEAL_OVERHEAD)
  {
    gwWipe(buf, bufsize);
    *error_r = "the secret holds a nul byte";
    return (false);
  }

  return (true);
}


/*
 * 'gwApiSecretEncrypt()' - Admin: an "enc:v1:" value for the config file.
 */

bool
gwApiSecretEncrypt(gw_system_t *sys, const gw_actor_t *actor, const char *secret, char *out, size_t outsize, const char **error_r)
{
  const char *error = NULL;
  bool        ok;

  if (!sys || !_gwApiAdmin(actor, error_r))
    return (false);

  if ((ok = _gwSecretEncrypt(sys->keys, secret, out, outsize, &error)) == true)
    _gwApiAudit(sys, actor, "secret.encrypt", "", "", "", 0, "");
  else if (error_r)
    *error_r = error;

  return (ok);
}


/*
 * 'gwSystemSecretOpen()' - The plaintext of a configured secret.
 */

bool
gwSystemSecretOpen(gw_system_t *sys, const char *directive, const char *value, char *buf, size_t bufsize, const char **error_r)
{
  const char *error = NULL;

  if (!sys || !value || !buf || bufsize == 0)
  {
    if (error_r)
      *error_r = "no secret";
    return (false);
  }

  if (strncmp(value, GW_SECRET_PREFIX, strlen(GW_SECRET_PREFIX)))
  {
    if (strlen(value) >= bufsize)
    {
      if (error_r)
        *error_r = "the secret is too long for its buffer";
      return (false);
    }
    gwLog(sys->log, GW_LOG_WARN, "%s is in plain text in the configuration; encrypt it with \"printgate secret encrypt\".", directive ? directive : "A secret");
    snprintf(buf, bufsize, "%s", value);
    return (true);
  }

  if (!_gwSecretDecrypt(sys->keys, value, buf, bufsize, &error))
  {
    gwLog(sys->log, GW_LOG_ERROR, "%s: %s.", directive ? directive : "A secret", error);
    if (error_r)
      *error_r = error;
    return (false);
  }

  return (true);
}
