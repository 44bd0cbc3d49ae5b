/*
 * crypto.h - keys, hashes and random numbers for the Printgate core.
 *
 * This header and crypto*.c are the only places that include OpenSSL.
 *
 * All keys derive (HKDF-SHA256) from one 32-byte root key kept in the state
 * dir's keys/root.key (mode 0400).  Derived keys are held in memory locked
 * with mlock() and excluded from core dumps (MADV_DONTDUMP), and wiped on
 * gwKeysDelete().
 */

#ifndef PRINTGATE_CRYPTO_H
#define PRINTGATE_CRYPTO_H

#include "base.h"

#define GW_KEY_LEN        32    /* Every symmetric key is 256 bits */
#define GW_HMAC_LEN       32    /* HMAC-SHA256 output */
#define GW_PASSWORD_HASH_MAX 128 /* Encoded Argon2id string, with nul */

typedef enum gw_key_use_e       /* What a derived key is for (the HKDF info) */
{
  GW_KEY_SPOOL_KEK,             /* Wraps per-document spool data keys */
  GW_KEY_PIN_PEPPER,            /* HMAC key for release PINs and card numbers */
  GW_KEY_SECRETS,               /* AES-GCM key for secrets kept in the config/store */
  GW_KEY_SESSION,               /* MAC key for web sessions */
  GW_KEY_DEVICE                 /* HMAC key for device tokens and device passwords */
} gw_key_use_t;

/* Root key and derived keys */
extern gw_keys_t *gwKeysLoad(const char *keydir, bool create, gw_log_t *log);
extern void       gwKeysDelete(gw_keys_t **keys);
extern const unsigned char *gwKeysGet(gw_keys_t *keys, gw_key_use_t use);
extern uint32_t   gwKeysGetKekId(gw_keys_t *keys);

/* Primitives */
extern bool gwRandomBytes(void *buf, size_t len);
extern void gwWipe(void *buf, size_t len);
extern bool gwHmacSha256(const unsigned char *key, size_t keylen, const void *data, size_t datalen, unsigned char out[GW_HMAC_LEN]);
extern bool gwConstantTimeEqual(const void *a, const void *b, size_t len);
extern void gwUUIDNew(char out[GW_UUID_LEN + 1]);
extern bool gwUUIDValid(const char *s);

/* Release PINs and card numbers: HMAC-SHA256 with the server pepper. */
extern bool gwPinHash(gw_keys_t *keys, const char *pin, unsigned char out[GW_HMAC_LEN]);
extern bool gwPinGenerate(unsigned digits, char *out, size_t outlen);
extern bool gwPinAcceptable(const char *pin, unsigned digits, const char **why_r);

/* Passwords: Argon2id (libargon2), encoded self-describing strings. */
extern bool gwPasswordHash(const char *password, char *out, size_t outlen);
extern bool gwPasswordVerify(const char *encoded, const char *password);
extern bool gwPasswordGenerate(char *out, size_t outlen);

/* TOTP (RFC 6238 over RFC 4226 HOTP, HMAC-SHA1; crypto-totp.c): the 'digits'-digit (6 to 8) code of counter 'step'. */
#define GW_TOTP_STEP       30   /* Seconds a code lives */
#define GW_TOTP_SECRET_LEN 20   /* 160-bit secrets, as RFC 4226 recommends */
extern bool gwTotpCode(const unsigned char *key, size_t keylen, uint64_t step, unsigned digits, char *code, size_t codesize);
/* RFC 4648 base32 without padding (what authenticator apps take): false when out is too small. */
extern bool gwBase32Encode(const unsigned char *in, size_t len, char *out, size_t outsize);

/* TLS: create a self-signed certificate + key (PEM) for the HTTPS listener. */
extern bool gwTLSCreateSelfSigned(const char *certfile, const char *keyfile, const char *common_name, gw_log_t *log);
/* notAfter of the first certificate of a PEM file (Unix time); false when it cannot be read. */
extern bool gwTLSCertificateExpiry(const char *certfile, int64_t *not_after);
/*
 * TLS: verify a server's certificate chain as received (DER, leaf first;
 * for a client library that does not, e.g. libetpan on Debian): chain to
 * cafile (NULL or "" = the system store), purpose TLS server, and the host
 * name (or IP address) matching.  false with a short reason in why.
 */
extern bool gwTLSVerifyChain(const unsigned char * const *der, const size_t *derlen, int count, const char *host, const char *cafile, char *why, size_t whysize);

#endif /* !PRINTGATE_CRYPTO_H */
