/*
 * crypto.c - keys, hashes and random numbers for the Printgate core
 *            (see crypto.h and docs/keys.md).
 *
 * One 32-byte root key lives in KEYDIR/root.key (mode 0400).  At load it is
 * read into a private, mlock()ed page that is excluded from core dumps and
 * wiped in forked children, the four working keys are derived from it with
 * HKDF-SHA256 (one info string per use), and the root key is wiped again.
 * Nothing else in this file keeps state: every other function is a pure
 * primitive and thread-safe.
 */

#include "printgate/crypto.h"
#include "printgate/log.h"

#include <argon2.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define GW_KEY_USES        5         /* Number of gw_key_use_t values */
#define ROOT_KEY_NAME      "root.key"

/*
 * Argon2id cost for passwords: RFC 9106's second recommended option
 * (t=3, m=64 MiB) with one lane.  Measured on the reference machine (2 vCPU
 * AMD EPYC, libargon2 20190702): 0.41-0.45 s per hash (t=2: 0.27-0.35 s).
 * Slow enough to make offline guessing expensive, fast enough for a
 * sign-in; callers must not verify a password per request (docs/keys.md).
 */

#define ARGON2_T_COST      3
#define ARGON2_M_COST_KIB  65536
#define ARGON2_PARALLELISM 1
#define ARGON2_SALT_LEN    16
#define ARGON2_HASH_LEN    32

#define PIN_MIN_DIGITS     4
#define PIN_MAX_DIGITS     32
#define PASSWORD_LEN       20        /* Generated password length (~115 bits) */
#define PIN_MAX_LEN        64        /* Longest PIN or card number hashed */

/*
 * Keys object: one whole page from mmap(), so that exactly the key material
 * is locked and excluded from dumps, and nothing else shares the page.
 */

struct _gw_keys_s
{
  unsigned char derived[GW_KEY_USES][GW_KEY_LEN];  /* Indexed by gw_key_use_t */
  unsigned char root[GW_KEY_LEN];                  /* Only during gwKeysLoad() */
  uint32_t      kek_id;                            /* Id of the spool KEK */
  size_t        mapsize;                           /* Size of the mapping */
  bool          locked;                            /* mlock() succeeded */
};

static const char * const key_info[GW_KEY_USES] =  /* HKDF info per use */
{
  "printgate spool kek v1",
  "printgate pin pepper v1",
  "printgate secrets v1",
  "printgate session v1",
  "printgate device v1"
};

/* Unambiguous alphabet for generated passwords: no 0/O/o, 1/l/I/i, L */
static const char password_alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";


/*
 * 'create_root_key()' - Create KEYDIR/root.key with 32 random bytes, mode
 *                       0400, O_EXCL; fsync the file and the folder.
 *                       Returns false and logs on error; EEXIST (another
 *                       process won the race) counts as success.
 */

static bool
create_root_key(const char *keydir, const char *path, gw_log_t *log)
{
  unsigned char key[GW_KEY_LEN];
  int           fd, dfd;
  ssize_t       n;
  bool          ok;

  if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400)) < 0)
  {
    if (errno == EEXIST)
      return (true);
    gwLog(log, GW_LOG_ERROR, "Unable to create the root key %s: %s", path, strerror(errno));
    return (false);
  }

  if (!gwRandomBytes(key, sizeof(key)))
  {
    gwLog(log, GW_LOG_ERROR, "Unable to create the root key %s: no random numbers.", path);
    close(fd);
    unlink(path);
    return (false);
  }

  n  = write(fd, key, sizeof(key));
  ok = n == (ssize_t)sizeof(key) && fsync(fd) == 0;
  gwWipe(key, sizeof(key));

  if (!ok)
  {
    gwLog(log, GW_LOG_ERROR, "Unable to write the root key %s: %s", path, n < 0 ? strerror(errno) : "short write");
    close(fd);
    unlink(path);
    return (false);
  }

  if (close(fd))
  {
    gwLog(log, GW_LOG_ERROR, "Unable to write the root key %s: %s", path, strerror(errno));
    unlink(path);
    return (false);
  }

  if ((dfd = open(keydir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
  {
    if (fsync(dfd))
      gwLog(log, GW_LOG_WARN, "Unable to sync the key directory %s: %s", keydir, strerror(errno));
    close(dfd);
  }

  gwLog(log, GW_LOG_INFO, "Created a new root key in %s; back it up together with the database (docs/keys.md).", path);

  return (true);
}


/*
 * 'check_key_dir()' - Refuse a KEYDIR that is not a real directory owned by
 *                     the gateway's uid with no access for group or others
 *                     (0700): whoever can list or write it can read or
 *                     swap the root key (a renamed-in file, a backup copy
 *                     left next to it).
 */

static bool
check_key_dir(const char *keydir, gw_log_t *log)
{
  struct stat st;

  if (lstat(keydir, &st))
  {
    gwLog(log, GW_LOG_ERROR, "Unable to check the key directory %s: %s", keydir, strerror(errno));
    return (false);
  }

  if (!S_ISDIR(st.st_mode))
  {
    gwLog(log, GW_LOG_ERROR, "Refusing the key directory %s: it is not a directory (a symbolic link is not accepted).", keydir);
    return (false);
  }

  if (st.st_uid != geteuid())
  {
    gwLog(log, GW_LOG_ERROR, "Refusing the key directory %s: it is owned by uid %u, not by the gateway's uid %u; run 'chown %u %s'.", keydir, (unsigned)st.st_uid, (unsigned)geteuid(), (unsigned)geteuid(), keydir);
    return (false);
  }

  if (st.st_mode & (S_IRWXG | S_IRWXO))
  {
    gwLog(log, GW_LOG_ERROR, "Refusing the key directory %s: it is accessible by group or others (mode %04o); run 'chmod 0700 %s'.", keydir, (unsigned)(st.st_mode & 07777), keydir);
    return (false);
  }

  return (true);
}


/*
 * 'read_root_key()' - Read and check KEYDIR/root.key into keys->root.
 */

static bool
read_root_key(gw_keys_t *keys, const char *path, gw_log_t *log)
{
  struct stat st;
  int         fd;
  ssize_t     n;
  char        extra;

  if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
  {
    gwLog(log, GW_LOG_ERROR, "Unable to open the root key %s: %s", path, strerror(errno));
    return (false);
  }

  if (fstat(fd, &st))
  {
    gwLog(log, GW_LOG_ERROR, "Unable to check the root key %s: %s", path, strerror(errno));
    close(fd);
    return (false);
  }

  if (!S_ISREG(st.st_mode))
  {
    gwLog(log, GW_LOG_ERROR, "Refusing the root key %s: it is not a regular file.", path);
    close(fd);
    return (false);
  }

  if (st.st_mode & (S_IRWXG | S_IRWXO))
  {
    gwLog(log, GW_LOG_ERROR, "Refusing the root key %s: it is accessible by group or others (mode %04o); run 'chmod 0400 %s'.", path, (unsigned)(st.st_mode & 07777), path);
    close(fd);
    return (false);
  }

  if (st.st_size != GW_KEY_LEN)
  {
    gwLog(log, GW_LOG_ERROR, "Refusing the root key %s: it is %lld bytes long, expected %d.", path, (long long)st.st_size, GW_KEY_LEN);
    close(fd);
    return (false);
  }

  if (st.st_uid != geteuid())
  {
    /* Its owner could read it or replace it: every spool key, PIN and
     * secret hangs on this file. */
    gwLog(log, GW_LOG_ERROR, "Refusing the root key %s: it is owned by uid %u, not by the gateway's uid %u; run 'chown %u %s' (and keep it mode 0400).", path, (unsigned)st.st_uid, (unsigned)geteuid(), (unsigned)geteuid(), path);
    close(fd);
    return (false);
  }

  n = read(fd, keys->root, sizeof(keys->root));
  if (n != (ssize_t)sizeof(keys->root) || read(fd, &extra, 1) != 0)
  {
    gwLog(log, GW_LOG_ERROR, "Unable to read the root key %s: %s", path, n < 0 ? strerror(errno) : "wrong length");
    close(fd);
    return (false);
  }

  close(fd);

  return (true);
}


/*
 * 'hkdf_sha256()' - Derive outlen bytes from key with HKDF-SHA256 and the
 *                   given info string (no salt: the root key is uniform).
 */

static bool
hkdf_sha256(const unsigned char *key, size_t keylen, const char *info, unsigned char *out, size_t outlen)
{
  EVP_KDF     *kdf;
  EVP_KDF_CTX *kctx;
  OSSL_PARAM   params[4];
  bool         ok;

  if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL)
    return (false);
  kctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (!kctx)
    return (false);

  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
  params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, keylen);
  params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info));
  params[3] = OSSL_PARAM_construct_end();

  ok = EVP_KDF_derive(kctx, out, outlen, params) == 1;
  EVP_KDF_CTX_free(kctx);

  return (ok);
}


/*
 * 'gwKeysLoad()' - Load KEYDIR/root.key (creating it first when create is
 *                  true and it is missing) and derive the working keys.
 *                  Returns NULL and logs the reason on any error: a key
 *                  folder not ours or open to group/others, a missing
 *                  file, wrong size, another owner, or readable by
 *                  group/others.
 */

gw_keys_t *
gwKeysLoad(const char *keydir, bool create, gw_log_t *log)
{
  gw_keys_t     *keys;
  void          *map;
  long           pagesize = sysconf(_SC_PAGESIZE);
  size_t         mapsize;
  char           path[4096];
  unsigned char  mac[GW_HMAC_LEN];
  int            len;

  if (!keydir || !*keydir)
    return (NULL);

  len = snprintf(path, sizeof(path), "%s/" ROOT_KEY_NAME, keydir);
  if (len < 0 || (size_t)len >= sizeof(path))
  {
    gwLog(log, GW_LOG_ERROR, "The key directory path is too long.");
    return (NULL);
  }

  if (!check_key_dir(keydir, log))
    return (NULL);

  if (create && access(path, F_OK) && errno == ENOENT && !create_root_key(keydir, path, log))
    return (NULL);

  /*
   * One private page for the keys: locked in RAM (so never written to
   * swap), left out of core dumps and zeroed in any forked child.
   */

  mapsize = pagesize > 0 && (size_t)pagesize >= sizeof(gw_keys_t) ? (size_t)pagesize : 4096;
  if ((map = mmap(NULL, mapsize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
  {
    gwLog(log, GW_LOG_ERROR, "Unable to allocate key memory: %s", strerror(errno));
    return (NULL);
  }

  keys          = (gw_keys_t *)map;
  keys->mapsize = mapsize;

  if (madvise(map, mapsize, MADV_DONTDUMP))
    gwLog(log, GW_LOG_WARN, "Unable to exclude key memory from core dumps: %s", strerror(errno));
#ifdef MADV_WIPEONFORK
  if (madvise(map, mapsize, MADV_WIPEONFORK))
    gwLog(log, GW_LOG_WARN, "Unable to wipe key memory in forked children: %s", strerror(errno));
#endif /* MADV_WIPEONFORK */
  if (mlock(map, mapsize) == 0)
    keys->locked = true;
  else
    gwLog(log, GW_LOG_WARN, "Unable to lock key memory in RAM (%s); keys may reach swap.", strerror(errno));

  if (!read_root_key(keys, path, log))
  {
    gwKeysDelete(&keys);
    return (NULL);
  }

  for (int use = 0; use < GW_KEY_USES; use ++)
  {
    if (!hkdf_sha256(keys->root, sizeof(keys->root), key_info[use], keys->derived[use], GW_KEY_LEN))
    {
      gwLog(log, GW_LOG_ERROR, "Unable to derive the working keys (HKDF-SHA256 unavailable).");
      gwKeysDelete(&keys);
      return (NULL);
    }
  }

  gwWipe(keys->root, sizeof(keys->root));

  /*
   * The KEK id names the KEK without revealing it: the first four bytes of
   * HMAC-SHA256(KEK, "printgate kek id v1").  Another root key gives
   * another id, which is how a reader tells "wrong key" from "damaged".
   */

  if (!gwHmacSha256(keys->derived[GW_KEY_SPOOL_KEK], GW_KEY_LEN, "printgate kek id v1", 19, mac))
  {
    gwKeysDelete(&keys);
    return (NULL);
  }

  keys->kek_id = ((uint32_t)mac[0] << 24) | ((uint32_t)mac[1] << 16) | ((uint32_t)mac[2] << 8) | (uint32_t)mac[3];
  gwWipe(mac, sizeof(mac));

  return (keys);
}


/*
 * 'gwKeysDelete()' - Wipe and free the keys; NULL-safe, sets *keys to NULL.
 */

void
gwKeysDelete(gw_keys_t **keys)
{
  size_t mapsize;
  bool   locked;

  if (!keys || !*keys)
    return;

  mapsize = (*keys)->mapsize;
  locked  = (*keys)->locked;

  OPENSSL_cleanse(*keys, mapsize);
  if (locked)
    munlock(*keys, mapsize);
  munmap(*keys, mapsize);
  *keys = NULL;
}


/*
 * 'gwKeysGet()' - Return the GW_KEY_LEN-byte key for a use, or NULL.  The
 *                 pointer is valid until gwKeysDelete(); never copy it to
 *                 memory that is not wiped.
 */

const unsigned char *
gwKeysGet(gw_keys_t *keys, gw_key_use_t use)
{
  if (!keys || (int)use < 0 || (int)use >= GW_KEY_USES)
    return (NULL);

  return (keys->derived[use]);
}


/*
 * 'gwKeysGetKekId()' - Return the id of the spool KEK (0 for NULL keys).
 */

uint32_t
gwKeysGetKekId(gw_keys_t *keys)
{
  return (keys ? keys->kek_id : 0);
}


/*
 * 'gwRandomBytes()' - Fill a buffer from the OpenSSL CSPRNG.
 */

bool
gwRandomBytes(void *buf, size_t len)
{
  unsigned char *p = (unsigned char *)buf;

  while (len > 0)
  {
    int n = len > 0x40000000 ? 0x40000000 : (int)len;

    if (RAND_bytes(p, n) != 1)
      return (false);
    p   += n;
    len -= (size_t)n;
  }

  return (true);
}


/*
 * 'gwWipe()' - Wipe a secret (not optimised away); NULL-safe.
 */

void
gwWipe(void *buf, size_t len)
{
  if (buf && len)
    OPENSSL_cleanse(buf, len);
}


/*
 * 'gwHmacSha256()' - HMAC-SHA256 of data under key.
 */

bool
gwHmacSha256(const unsigned char *key, size_t keylen, const void *data, size_t datalen, unsigned char out[GW_HMAC_LEN])
{
  unsigned int outlen = 0;

  if (!key || !out || (!data && datalen) || keylen > 0x7fffffff)
    return (false);

  if (!HMAC(EVP_sha256(), key, (int)keylen, data ? data : (const void *)"", datalen, out, &outlen))
    return (false);

  return (outlen == GW_HMAC_LEN);
}


/*
 * 'gwConstantTimeEqual()' - Compare two buffers in constant time.
 */

bool
gwConstantTimeEqual(const void *a, const void *b, size_t len)
{
  if (!a || !b)
    return (false);

  return (CRYPTO_memcmp(a, b, len) == 0);
}


/*
 * 'gwUUIDNew()' - Make a random (version 4) UUID in lowercase text.
 */

void
gwUUIDNew(char out[GW_UUID_LEN + 1])
{
  static const char hex[] = "0123456789abcdef";
  unsigned char     u[16];
  char             *p = out;

  if (!gwRandomBytes(u, sizeof(u)))
  {
    /*
     * The CSPRNG only fails when the process cannot reach any entropy
     * source; an id must never be guessable, so do not invent one.
     */

    abort();
  }

  u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);   /* Version 4 */
  u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);   /* RFC 4122 variant */

  for (int i = 0; i < 16; i ++)
  {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      *p++ = '-';
    *p++ = hex[u[i] >> 4];
    *p++ = hex[u[i] & 15];
  }
  *p = '\0';
}


/*
 * 'gwUUIDValid()' - Check the canonical form: 36 characters, lowercase hex
 *                   with hyphens at positions 8, 13, 18 and 23.
 */

bool
gwUUIDValid(const char *s)
{
  if (!s)
    return (false);

  for (int i = 0; i < GW_UUID_LEN; i ++)
  {
    if (i == 8 || i == 13 || i == 18 || i == 23)
    {
      if (s[i] != '-')
        return (false);
    }
    else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
      return (false);
  }

  return (s[GW_UUID_LEN] == '\0');
}


/*
 * 'gwPinHash()' - HMAC-SHA256 of a PIN (or card number) under the pepper.
 */

bool
gwPinHash(gw_keys_t *keys, const char *pin, unsigned char out[GW_HMAC_LEN])
{
  size_t len;

  if (!keys || !pin || !out || (len = strnlen(pin, PIN_MAX_LEN + 1)) == 0 || len > PIN_MAX_LEN)
    return (false);

  return (gwHmacSha256(keys->derived[GW_KEY_PIN_PEPPER], GW_KEY_LEN, pin, len, out));
}


/*
 * 'gwPinAcceptable()' - Check a PIN: exactly `digits` ASCII digits, not one
 *                       digit repeated, not a run of consecutive digits
 *                       (either direction, 0 following 9).  *why_r (may be
 *                       NULL) gets a sentence for the person choosing it.
 */

bool
gwPinAcceptable(const char *pin, unsigned digits, const char **why_r)
{
  const char *why = NULL;
  size_t      len;
  bool        same = true, up = true, down = true;

  if (digits < PIN_MIN_DIGITS || digits > PIN_MAX_DIGITS)
    why = "The PIN length is not supported; use 4 to 32 digits.";
  else if (!pin || (len = strnlen(pin, PIN_MAX_DIGITS + 1)) != digits)
    why = "The PIN does not have the required number of digits.";
  else
  {
    for (size_t i = 0; i < len && !why; i ++)
    {
      if (pin[i] < '0' || pin[i] > '9')
        why = "The PIN must contain digits only.";
      else if (i > 0)
      {
        int step = (pin[i] - pin[i - 1] + 10) % 10;

        same = same && step == 0;
        up   = up && step == 1;
        down = down && step == 9;
      }
    }

    if (!why && same)
      why = "The PIN must not repeat a single digit (like 111111); choose another.";
    else if (!why && (up || down))
      why = "The PIN must not be a run of consecutive digits (like 123456 or 654321); choose another.";
  }

  if (why_r)
    *why_r = why;

  return (why == NULL);
}


/*
 * 'gwPinGenerate()' - Make a random PIN of `digits` digits that passes
 *                     gwPinAcceptable().  Digits come from random bytes
 *                     below 250 (rejection sampling: no modulo bias).
 */

bool
gwPinGenerate(unsigned digits, char *out, size_t outlen)
{
  unsigned char rnd[64];

  if (!out || digits < PIN_MIN_DIGITS || digits > PIN_MAX_DIGITS || outlen < (size_t)digits + 1)
    return (false);

  for (int attempt = 0; attempt < 100; attempt ++)
  {
    unsigned have = 0;

    while (have < digits)
    {
      if (!gwRandomBytes(rnd, sizeof(rnd)))
      {
        gwWipe(out, outlen);
        return (false);
      }

      for (size_t i = 0; i < sizeof(rnd) && have < digits; i ++)
      {
        if (rnd[i] < 250)
          out[have ++] = (char)('0' + rnd[i] % 10);
      }
    }
    out[digits] = '\0';

    if (gwPinAcceptable(out, digits, NULL))
    {
      gwWipe(rnd, sizeof(rnd));
      return (true);
    }
  }

  gwWipe(rnd, sizeof(rnd));
  gwWipe(out, outlen);

  return (false);
}


/*
 * 'gwPasswordHash()' - Hash a password with Argon2id (random 16-byte salt)
 *                      into a self-describing "$argon2id$v=19$..." string.
 */

bool
gwPasswordHash(const char *password, char *out, size_t outlen)
{
  unsigned char salt[ARGON2_SALT_LEN];
  size_t        pwdlen;
  int           rc;

  if (!password || !out)
    return (false);

  if (outlen < argon2_encodedlen(ARGON2_T_COST, ARGON2_M_COST_KIB, ARGON2_PARALLELISM, ARGON2_SALT_LEN, ARGON2_HASH_LEN, Argon2_id) ||
      (pwdlen = strlen(password)) > ARGON2_MAX_PWD_LENGTH || !gwRandomBytes(salt, sizeof(salt)))
    return (false);

  rc = argon2id_hash_encoded(ARGON2_T_COST, ARGON2_M_COST_KIB, ARGON2_PARALLELISM, password, pwdlen, salt, sizeof(salt), ARGON2_HASH_LEN, out, outlen);
  gwWipe(salt, sizeof(salt));

  return (rc == ARGON2_OK);
}


/*
 * 'gwPasswordVerify()' - Check a password against an encoded Argon2id hash.
 *                        Only Argon2id strings are accepted.
 */

bool
gwPasswordVerify(const char *encoded, const char *password)
{
  if (!encoded || !password || strncmp(encoded, "$argon2id$", 10) || strnlen(encoded, GW_PASSWORD_HASH_MAX) >= GW_PASSWORD_HASH_MAX)
    return (false);

  return (argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK);
}


/*
 * 'gwPasswordGenerate()' - Make a random 20-character password from an
 *                          unambiguous alphabet (outlen must be > 20).
 */

bool
gwPasswordGenerate(char *out, size_t outlen)
{
  const size_t  nalpha = sizeof(password_alphabet) - 1;
  const size_t  limit  = 256 - 256 % nalpha;   /* Rejection bound, no bias */
  unsigned char rnd[64];
  size_t        have = 0;

  if (!out || outlen < PASSWORD_LEN + 1)
    return (false);

  while (have < PASSWORD_LEN)
  {
    if (!gwRandomBytes(rnd, sizeof(rnd)))
    {
      gwWipe(out, outlen);
      return (false);
    }

    for (size_t i = 0; i < sizeof(rnd) && have < PASSWORD_LEN; i ++)
    {
      if (rnd[i] < limit)
        out[have ++] = password_alphabet[rnd[i] % nalpha];
    }
  }
  out[have] = '\0';
  gwWipe(rnd, sizeof(rnd));

  return (true);
}
