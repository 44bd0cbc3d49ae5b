/*
 * crypto-private.h - core-internal crypto helpers that are not part of the
 *                    public crypto.h: a reusable AES-256-GCM context for
 *                    streams of chunks (the spool) and SHA-256.
 *
 * They keep OpenSSL inside crypto*.c: the spool code sees only these
 * functions.  Implemented in crypto-aead.c.
 */

#ifndef PRINTGATE_CRYPTO_PRIVATE_H
#define PRINTGATE_CRYPTO_PRIVATE_H

#include "printgate/crypto.h"

#define GW_AEAD_NONCE_LEN 12   /* AES-GCM nonce (96 bits) */
#define GW_AEAD_TAG_LEN   16   /* AES-GCM tag (128 bits) */
#define GW_SHA256_LEN     32

typedef struct _gw_aead_s gw_aead_t;   /* AES-256-GCM keyed once, one nonce per message */

extern gw_aead_t *_gwAeadNew(const unsigned char key[GW_KEY_LEN], bool encrypt);
extern void       _gwAeadDelete(gw_aead_t **aead);
extern bool       _gwAeadSeal(gw_aead_t *aead, const unsigned char nonce[GW_AEAD_NONCE_LEN], const void *aad, size_t aadlen,
                              const void *in, size_t len, void *out, unsigned char tag[GW_AEAD_TAG_LEN]);
extern bool       _gwAeadSealBegin(gw_aead_t *aead, const unsigned char nonce[GW_AEAD_NONCE_LEN], const void *aad, size_t aadlen);
extern bool       _gwAeadSealUpdate(gw_aead_t *aead, const void *in, size_t len, void *out);
extern bool       _gwAeadSealEnd(gw_aead_t *aead, unsigned char tag[GW_AEAD_TAG_LEN]);
extern bool       _gwAeadOpen(gw_aead_t *aead, const unsigned char nonce[GW_AEAD_NONCE_LEN], const void *aad, size_t aadlen,
                              const void *in, size_t len, void *out, const unsigned char tag[GW_AEAD_TAG_LEN]);
extern bool       _gwSha256(const void *data, size_t len, unsigned char out[GW_SHA256_LEN]);

#endif /* !PRINTGATE_CRYPTO_PRIVATE_H */
