/*
 * crypto-aead.c - AES-256-GCM for streams of chunks, and SHA-256 (see
 *                 crypto-private.h).
 *
 * A gw_aead_t holds one OpenSSL cipher context keyed once; each message
 * only sets its nonce (EVP_CipherInit_ex2 with a NULL cipher and key keeps
 * the key schedule), which is what makes sealing 64 KiB chunks cheap.  A
 * context is used by one thread at a time.
 */

#include "crypto-private.h"

#include <limits.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

struct _gw_aead_s
{
  EVP_CIPHER_CTX *ctx;        /* Keyed AES-256-GCM context */
  bool            encrypt;    /* Sealing (true) or opening (false) */
};


/*
 * '_gwAeadNew()' - Key a new AES-256-GCM context for sealing (encrypt) or
 *                  opening.  The caller may wipe its copy of the key.
 */

gw_aead_t *
_gwAeadNew(const unsigned char key[GW_KEY_LEN], bool encrypt)
{
  gw_aead_t *aead;

  if (!key || (aead = calloc(1, sizeof(gw_aead_t))) == NULL)
    return (NULL);

  aead->encrypt = encrypt;

  if ((aead->ctx = EVP_CIPHER_CTX_new()) == NULL ||
      EVP_CipherInit_ex2(aead->ctx, EVP_aes_256_gcm(), key, NULL, encrypt ? 1 : 0, NULL) != 1)
    _gwAeadDelete(&aead);

  return (aead);
}


/*
 * '_gwAeadDelete()' - Free a context (OpenSSL wipes the key schedule);
 *                     NULL-safe, sets *aead to NULL.
 */

void
_gwAeadDelete(gw_aead_t **aead)
{
  if (!aead || !*aead)
    return;

  EVP_CIPHER_CTX_free((*aead)->ctx);
  free(*aead);
  *aead = NULL;
}


/*
 * '_gwAeadSealBegin()' - Start sealing one message in pieces: set the
 *                        nonce and take the AAD.  _gwAeadSealUpdate()
 *                        then encrypts each piece (any length, 0 too)
 *                        and _gwAeadSealEnd() gives the tag.  The
 *                        ciphertext is the same as _gwAeadSeal() of the
 *                        whole message, however it is cut.
 */

bool
_gwAeadSealBegin(gw_aead_t *aead, const unsigned char nonce[GW_AEAD_NONCE_LEN], const void *aad, size_t aadlen)
{
  int outl = 0;

  if (!aead || !aead->encrypt || aadlen > INT_MAX)
    return (false);

  return (EVP_CipherInit_ex2(aead->ctx, NULL, NULL, nonce, 1, NULL) == 1 &&
          (aadlen == 0 || EVP_CipherUpdate(aead->ctx, NULL, &outl, aad, (int)aadlen) == 1));
}


/*
 * '_gwAeadSealUpdate()' - Encrypt the next len bytes of the message into
 *                         out (len bytes; out may equal in).
 */

bool
_gwAeadSealUpdate(gw_aead_t *aead, const void *in, size_t len, void *out)
{
  int outl = 0;

  if (!aead || !aead->encrypt || len > INT_MAX)
    return (false);

  return (len == 0 || (EVP_CipherUpdate(aead->ctx, out, &outl, in, (int)len) == 1 && (size_t)outl == len));
}


/*
 * '_gwAeadSealEnd()' - End the message: its 16-byte tag.
 */

bool
_gwAeadSealEnd(gw_aead_t *aead, unsigned char tag[GW_AEAD_TAG_LEN])
{
  unsigned char none[16];
  int           finl = 0;

  if (!aead || !aead->encrypt)
    return (false);

  return (EVP_CipherFinal_ex(aead->ctx, none, &finl) == 1 &&
          EVP_CIPHER_CTX_ctrl(aead->ctx, EVP_CTRL_AEAD_GET_TAG, GW_AEAD_TAG_LEN, tag) == 1);
}


/*
 * '_gwAeadSeal()' - Encrypt len bytes (may be 0) with this nonce and AAD;
 *                   out gets len bytes (it may equal in), tag 16 bytes.
 */

bool
_gwAeadSeal(gw_aead_t *aead, const unsigned char nonce[GW_AEAD_NONCE_LEN], const void *aad, size_t aadlen,
            const void *in, size_t len, void *out, unsigned char tag[GW_AEAD_TAG_LEN])
{
  return (_gwAeadSealBegin(aead, nonce, aad, aadlen) && _gwAeadSealUpdate(aead, in, len, out) && _gwAeadSealEnd(aead, tag));
}


/*
 * '_gwAeadOpen()' - Decrypt and authenticate len bytes (may be 0).  On a
 *                   bad tag (or any error) returns false and wipes out: no
 *                   unauthenticated byte is left behind.
 */

bool
_gwAeadOpen(gw_aead_t *aead, const unsigned char nonce[GW_AEAD_NONCE_LEN], const void *aad, size_t aadlen,
            const void *in, size_t len, void *out, const unsigned char tag[GW_AEAD_TAG_LEN])
{
  int  outl = 0, finl = 0;
  bool ok;

  if (!aead || aead->encrypt || len > INT_MAX || aadlen > INT_MAX)
    return (false);

  ok = EVP_CipherInit_ex2(aead->ctx, NULL, NULL, nonce, 0, NULL) == 1 &&
       (aadlen == 0 || EVP_CipherUpdate(aead->ctx, NULL, &outl, aad, (int)aadlen) == 1) &&
       (len == 0 || EVP_CipherUpdate(aead->ctx, out, &outl, in, (int)len) == 1) &&
       EVP_CIPHER_CTX_ctrl(aead->ctx, EVP_CTRL_AEAD_SET_TAG, GW_AEAD_TAG_LEN, (void *)tag) == 1 &&
       EVP_CipherFinal_ex(aead->ctx, (unsigned char *)out + len, &finl) == 1;

  if (!ok && len > 0)
    OPENSSL_cleanse(out, len);

  return (ok);
}


/*
 * '_gwSha256()' - SHA-256 of a buffer.
 */

bool
_gwSha256(const void *data, size_t len, unsigned char out[GW_SHA256_LEN])
{
  return (SHA256((const unsigned char *)data, len, out) != NULL);
}
