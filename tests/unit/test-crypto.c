/*
 * test-crypto.c - keys, PINs, passwords, UUIDs and the self-signed
 *                 certificate (crypto.h).
 *
 * The key derivation is checked against an HKDF-SHA256 written out here
 * from RFC 5869 on top of gwHmacSha256() (itself checked against RFC 4231),
 * so a change of derivation in crypto.c cannot pass unnoticed.  The
 * certificate is checked with the openssl command line tool, which is an
 * independent parser.
 */

#include "test.h"
#include "printgate/crypto.h"
#include "printgate/log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char pwd_alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";


/*
 * 'hex_equal()' - Compare bytes to a hex string.
 */

static bool
hex_equal(const unsigned char *b, size_t len, const char *hex)
{
  char buf[256];

  for (size_t i = 0; i < len && i < 127; i ++)
    snprintf(buf + 2 * i, 3, "%02x", b[i]);

  return (strlen(hex) == 2 * len && !strcmp(buf, hex));
}


/*
 * 'read_file()' - Read a small file; returns the byte count or -1.
 */

static ssize_t
read_file(const char *path, unsigned char *buf, size_t bufsize)
{
  int     fd = open(path, O_RDONLY);
  ssize_t n;

  if (fd < 0)
    return (-1);
  n = read(fd, buf, bufsize);
  close(fd);

  return (n);
}


/*
 * 'write_file()' - Write a small file with a mode.
 */

static bool
write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
  int  fd;
  bool ok;

  unlink(path);
  if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) < 0)
    return (false);
  ok = write(fd, buf, len) == (ssize_t)len;
  close(fd);

  return (ok && chmod(path, mode) == 0);
}


/*
 * 'hkdf_ref()' - RFC 5869 HKDF-SHA256 with an empty salt and one output
 *                block, built on gwHmacSha256().
 */

static void
hkdf_ref(const unsigned char *ikm, size_t ikmlen, const char *info, unsigned char out[32])
{
  unsigned char salt[32] = { 0 }, prk[32], msg[128];
  size_t        infolen = strlen(info);

  gwHmacSha256(salt, sizeof(salt), ikm, ikmlen, prk);
  memcpy(msg, info, infolen);
  msg[infolen] = 1;
  gwHmacSha256(prk, sizeof(prk), msg, infolen + 1, out);
}


/*
 * 'test_primitives()' - HMAC (RFC 4231 case 2), constant-time compare and
 *                       random bytes.
 */

static void
test_primitives(void)
{
  unsigned char mac[GW_HMAC_LEN], a[64] = { 0 }, b[64] = { 0 }, zero[64] = { 0 };

  TEST_BEGIN("primitives: HMAC-SHA256 known answer, constant-time compare, random bytes");

  TEST_CHECK(gwHmacSha256((const unsigned char *)"Jefe", 4, "what do ya want for nothing?", 28, mac));
  TEST_CHECK(hex_equal(mac, sizeof(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));

  TEST_CHECK(gwConstantTimeEqual(a, b, sizeof(a)));
  b[63] = 1;
  TEST_CHECK(!gwConstantTimeEqual(a, b, sizeof(a)));

  TEST_CHECK(gwRandomBytes(a, sizeof(a)) && gwRandomBytes(b, sizeof(b)));
  TEST_CHECK(memcmp(a, zero, sizeof(a)) && memcmp(a, b, sizeof(a)));

  gwWipe(a, sizeof(a));
  TEST_CHECK(!memcmp(a, zero, sizeof(a)));
}


/*
 * 'test_keys()' - Root key creation, reload, refusal and derivation.
 */

static void
test_keys(const char *tmp)
{
  static const char * const infos[5] = { "printgate spool kek v1", "printgate pin pepper v1", "printgate secrets v1", "printgate session v1", "printgate device v1" };
  char          dir1[1024], dir2[1024], dir3[1024], path[1100];
  unsigned char root[64], expect[32], saved[5][GW_KEY_LEN], mac[GW_HMAC_LEN];
  gw_keys_t    *k1, *k2, *k3;
  struct stat   st;
  uint32_t      id1;
  bool          distinct = true, derived_ok = true;

  TEST_BEGIN("keys: create 0400, reload, derive, refuse bad root keys");

  test_subdir(dir1, sizeof(dir1), tmp, "keys1");
  test_subdir(dir2, sizeof(dir2), tmp, "keys2");
  test_subdir(dir3, sizeof(dir3), tmp, "keys3");

  TEST_CHECKF(gwKeysLoad(dir1, false, NULL) == NULL, "no root key and create=false must fail");

  k1 = gwKeysLoad(dir1, true, NULL);
  TEST_CHECK(k1 != NULL);
  if (!k1)
    return;

  snprintf(path, sizeof(path), "%s/root.key", dir1);
  TEST_CHECK(stat(path, &st) == 0);
  TEST_CHECKF((st.st_mode & 07777) == 0400, "mode %04o", (unsigned)(st.st_mode & 07777));
  TEST_CHECKF(st.st_size == 32, "size %lld", (long long)st.st_size);
  TEST_CHECK(read_file(path, root, sizeof(root)) == 32);

  /*
   * Each use gets HKDF-SHA256(root, info), and they all differ.
   */

  for (int use = 0; use < 5; use ++)
  {
    hkdf_ref(root, 32, infos[use], expect);
    if (!gwKeysGet(k1, (gw_key_use_t)use) || memcmp(gwKeysGet(k1, (gw_key_use_t)use), expect, 32))
      derived_ok = false;
    memcpy(saved[use], gwKeysGet(k1, (gw_key_use_t)use), GW_KEY_LEN);
    for (int other = 0; other < use; other ++)
      if (!memcmp(saved[use], saved[other], GW_KEY_LEN))
        distinct = false;
  }
  TEST_CHECKF(derived_ok, "derived keys differ from HKDF-SHA256(root, info)");
  TEST_CHECKF(distinct, "two uses share a key");
  TEST_CHECK(gwKeysGet(k1, (gw_key_use_t)5) == NULL);

  /*
   * The KEK id is the first 4 bytes of HMAC(KEK, "printgate kek id v1").
   */

  id1 = gwKeysGetKekId(k1);
  gwHmacSha256(saved[GW_KEY_SPOOL_KEK], GW_KEY_LEN, "printgate kek id v1", 19, mac);
  TEST_CHECK(id1 == (((uint32_t)mac[0] << 24) | ((uint32_t)mac[1] << 16) | ((uint32_t)mac[2] << 8) | mac[3]));

  /*
   * Reload: same keys, and create=true does not replace an existing key.
   */

  k2 = gwKeysLoad(dir1, true, NULL);
  TEST_CHECK(k2 != NULL);
  TEST_CHECK(k2 && gwKeysGetKekId(k2) == id1);
  TEST_CHECK(k2 && !memcmp(gwKeysGet(k2, GW_KEY_PIN_PEPPER), saved[GW_KEY_PIN_PEPPER], GW_KEY_LEN));
  TEST_CHECK(k2 && !memcmp(gwKeysGet(k2, GW_KEY_SESSION), saved[GW_KEY_SESSION], GW_KEY_LEN));
  gwKeysDelete(&k2);
  TEST_CHECK(k2 == NULL);
  gwKeysDelete(&k2);

  /*
   * Another root key: other keys, other KEK id.
   */

  k3 = gwKeysLoad(dir2, true, NULL);
  TEST_CHECK(k3 != NULL);
  TEST_CHECK(k3 && gwKeysGetKekId(k3) != id1);
  TEST_CHECK(k3 && memcmp(gwKeysGet(k3, GW_KEY_SPOOL_KEK), saved[GW_KEY_SPOOL_KEK], GW_KEY_LEN));
  gwKeysDelete(&k3);

  /*
   * Refusals: group/world readable, wrong size, symlink.
   */

  snprintf(path, sizeof(path), "%s/root.key", dir3);
  TEST_CHECK(write_file(path, root, 32, 0400));
  k3 = gwKeysLoad(dir3, false, NULL);
  TEST_CHECKF(k3 != NULL, "positive control: a copied 0400 key loads");
  TEST_CHECK(k3 && gwKeysGetKekId(k3) == id1);
  gwKeysDelete(&k3);

  TEST_CHECK(chmod(path, 0644) == 0);
  TEST_CHECKF(gwKeysLoad(dir3, false, NULL) == NULL, "world-readable root key must be refused");
  TEST_CHECK(chmod(path, 0440) == 0);
  TEST_CHECKF(gwKeysLoad(dir3, true, NULL) == NULL, "group-readable root key must be refused (and not replaced)");

  TEST_CHECK(write_file(path, root, 31, 0400));
  TEST_CHECKF(gwKeysLoad(dir3, false, NULL) == NULL, "31-byte root key must be refused");
  TEST_CHECK(write_file(path, root, 33, 0400));
  TEST_CHECKF(gwKeysLoad(dir3, false, NULL) == NULL, "33-byte root key must be refused");

  unlink(path);
  snprintf(dir2, sizeof(dir2), "%s/keys1/root.key", tmp);
  TEST_CHECK(symlink(dir2, path) == 0);
  TEST_CHECKF(gwKeysLoad(dir3, false, NULL) == NULL, "a symlinked root key must be refused");

  gwWipe(root, sizeof(root));
  gwWipe(saved, sizeof(saved));
  gwKeysDelete(&k1);
}


/*
 * 'log_has()' - Does the log file contain all of the given strings?
 */

static bool
log_has(const char *logfile, const char *a, const char *b)
{
  unsigned char buf[16384];
  ssize_t       n = read_file(logfile, buf, sizeof(buf) - 1);

  if (n < 0)
    return (false);
  buf[n] = '\0';

  return (strstr((char *)buf, a) && (!b || strstr((char *)buf, b)));
}


/*
 * 'test_key_owner_and_dir()' - A root key owned by another uid, and a key
 *                              folder open to group or others (or not a
 *                              real folder, or not ours), are refused with
 *                              a log line naming the file and the fix.
 */

static void
test_key_owner_and_dir(const char *tmp)
{
  static const mode_t open_modes[] = { 0750, 0705, 0770, 0702, 0720, 0711 };
  char          dir[1024], link[1024], path[1100], logfile[1100], want[1200];
  unsigned char root[GW_KEY_LEN];
  gw_keys_t    *k;
  gw_log_t     *log;
  bool          refused = true, logged = true;

  TEST_BEGIN("keys: a root key of another uid and a key folder open to group/others are refused, naming the fix");

  snprintf(dir, sizeof(dir), "%s/keys-perm", tmp);
  snprintf(link, sizeof(link), "%s/keys-link", tmp);
  snprintf(path, sizeof(path), "%s/root.key", dir);
  snprintf(logfile, sizeof(logfile), "%s/keys-perm.log", tmp);
  mkdir(dir, 0700);
  TEST_CHECK(gwRandomBytes(root, sizeof(root)) && write_file(path, root, sizeof(root), 0400));
  gwWipe(root, sizeof(root));

  if ((log = gwLogNew(logfile, GW_LOG_DEBUG)) == NULL)
  {
    TEST_CHECK(!"log file");
    return;
  }

  k = gwKeysLoad(dir, false, log);
  TEST_CHECKF(k != NULL, "positive control: our 0400 key in our 0700 folder loads");
  gwKeysDelete(&k);

  /* The folder open to group or others in any way (read, write, search) */
  for (size_t i = 0; i < sizeof(open_modes) / sizeof(open_modes[0]); i ++)
  {
    TEST_CHECK(chmod(dir, open_modes[i]) == 0);
    if ((k = gwKeysLoad(dir, false, log)) != NULL)
    {
      refused = false;
      printf("    key folder mode %04o was accepted\n", (unsigned)open_modes[i]);
      gwKeysDelete(&k);
    }
    snprintf(want, sizeof(want), "mode %04o); run 'chmod 0700 %s'", (unsigned)open_modes[i], dir);
    if (!log_has(logfile, "Refusing the key directory", want))
      logged = false;
  }
  TEST_CHECKF(refused, "a key folder open to group or others must be refused");
  TEST_CHECKF(logged, "the log names the folder and 'chmod 0700 FOLDER'");

  /* create=true does not make a key in such a folder either */
  TEST_CHECK(unlink(path) == 0 && chmod(dir, 0755) == 0);
  TEST_CHECKF(gwKeysLoad(dir, true, log) == NULL && access(path, F_OK) != 0, "no root key may be created in a 0755 folder");
  TEST_CHECK(chmod(dir, 0700) == 0);
  k = gwKeysLoad(dir, true, log);
  TEST_CHECKF(k != NULL && access(path, F_OK) == 0, "control: created in the 0700 folder");
  gwKeysDelete(&k);

  /* A symbolic link to a good folder */
  TEST_CHECK(symlink(dir, link) == 0);
  TEST_CHECKF(gwKeysLoad(link, false, log) == NULL && log_has(logfile, "Refusing the key directory", "not a directory"), "a symlinked key folder must be refused");

  /* Owned by another uid (root can make that happen; others cannot) */
  if (geteuid() == 0)
  {
    TEST_CHECK(chown(path, 65534, 65534) == 0);
    TEST_CHECKF(gwKeysLoad(dir, false, log) == NULL, "a root key owned by another uid must be refused");
    snprintf(want, sizeof(want), "Refusing the root key %s: it is owned by uid 65534", path);
    TEST_CHECKF(log_has(logfile, want, "run 'chown 0 "), "the log names the key and 'chown'");
    TEST_CHECK(chown(path, 0, 0) == 0 && chown(dir, 65534, 65534) == 0);
    TEST_CHECKF(gwKeysLoad(dir, false, log) == NULL, "a key folder owned by another uid must be refused");
    snprintf(want, sizeof(want), "Refusing the key directory %s: it is owned by uid 65534", dir);
    TEST_CHECKF(log_has(logfile, want, NULL), "the log names the folder");
    TEST_CHECK(chown(dir, 0, 0) == 0);
    k = gwKeysLoad(dir, false, log);
    TEST_CHECKF(k != NULL, "control: loads again once both are ours");
    gwKeysDelete(&k);
  }
  else
    puts("  (not root: the other-owner cases need chown and run in CI as root)");

  gwLogDelete(&log);
}


/*
 * 'test_pin_hash()' - PIN hashes: deterministic, keyed by the pepper.
 */

static void
test_pin_hash(const char *tmp)
{
  char          d1[1024], d2[1024];
  gw_keys_t    *k1, *k2;
  unsigned char h1[GW_HMAC_LEN], h2[GW_HMAC_LEN], h3[GW_HMAC_LEN], h4[GW_HMAC_LEN], ref[GW_HMAC_LEN];

  TEST_BEGIN("PIN hash: HMAC-SHA256 under the pepper");

  k1 = gwKeysLoad(test_subdir(d1, sizeof(d1), tmp, "pin1"), true, NULL);
  k2 = gwKeysLoad(test_subdir(d2, sizeof(d2), tmp, "pin2"), true, NULL);
  TEST_CHECK(k1 && k2);
  if (!k1 || !k2)
    return;

  TEST_CHECK(gwPinHash(k1, "482916", h1) && gwPinHash(k1, "482916", h2));
  TEST_CHECK(!memcmp(h1, h2, sizeof(h1)));
  TEST_CHECK(gwPinHash(k1, "482917", h3) && memcmp(h1, h3, sizeof(h1)));
  TEST_CHECK(gwPinHash(k2, "482916", h4) && memcmp(h1, h4, sizeof(h1)));
  TEST_CHECK(gwHmacSha256(gwKeysGet(k1, GW_KEY_PIN_PEPPER), GW_KEY_LEN, "482916", 6, ref) && !memcmp(h1, ref, sizeof(h1)));
  TEST_CHECK(!gwPinHash(k1, "", h1));
  TEST_CHECK(!gwPinHash(k1, NULL, h1));

  gwKeysDelete(&k1);
  gwKeysDelete(&k2);
}


/*
 * 'test_pin_rules()' - gwPinAcceptable() table and gwPinGenerate().
 */

static void
test_pin_rules(void)
{
  static const struct
  {
    const char *pin;
    unsigned    digits;
    bool        ok;
  } table[] =
  {
    { "482916",   6, true  },
    { "000001",   6, true  },
    { "135790",   6, true  },
    { "112233",   6, true  },
    { "5830",     4, true  },
    { "83920174", 8, true  },
    { "111111",   6, false },   /* One digit repeated */
    { "000000",   6, false },
    { "123456",   6, false },   /* Ascending run */
    { "654321",   6, false },   /* Descending run */
    { "890123",   6, false },   /* Ascending, 0 after 9 */
    { "210987",   6, false },   /* Descending, 9 after 0 */
    { "12345",    6, false },   /* Too short */
    { "4829161",  6, false },   /* Too long */
    { "48291a",   6, false },   /* Not a digit */
    { " 48291",   6, false },
    { "",         6, false },
    { "4829",     3, false },   /* Unsupported length */
    { NULL,       6, false }
  };
  char        pin[40];
  const char *why;
  int         bad = 0, counts[10] = { 0 };
  bool        acceptable = true, lengths = true;

  TEST_BEGIN("PIN rules: table, and 1000 generated PINs");

  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i ++)
  {
    why = "unset";
    bool ok = gwPinAcceptable(table[i].pin, table[i].digits, &why);

    if (ok != table[i].ok || (ok && why) || (!ok && (!why || !*why)))
    {
      printf("  \"%s\" (%u digits): got %s, why=%s\n", table[i].pin ? table[i].pin : "(null)", table[i].digits, ok ? "accepted" : "refused", why ? why : "(null)");
      bad ++;
    }
  }
  TEST_CHECKF(bad == 0, "%d table rows differ", bad);

  TEST_CHECK(!gwPinAcceptable("111111", 6, &why) && strstr(why, "repeat"));
  TEST_CHECK(!gwPinAcceptable("123456", 6, &why) && strstr(why, "consecutive"));

  for (int i = 0; i < 1000; i ++)
  {
    if (!gwPinGenerate(6, pin, sizeof(pin)) || strlen(pin) != 6)
      lengths = false;
    else if (!gwPinAcceptable(pin, 6, NULL))
      acceptable = false;
    for (const char *p = pin; *p; p ++)
      if (*p >= '0' && *p <= '9')
        counts[*p - '0'] ++;
  }
  TEST_CHECK(lengths);
  TEST_CHECK(acceptable);

  /*
   * 6000 digits: each digit is expected 600 times (sd ~23); a modulo bias
   * or a stuck digit would fall outside 450..750.
   */

  bad = 0;
  for (int d = 0; d < 10; d ++)
    if (counts[d] < 450 || counts[d] > 750)
      bad ++;
  TEST_CHECKF(bad == 0, "digit counts uneven: %d %d %d %d %d %d %d %d %d %d", counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], counts[7], counts[8], counts[9]);

  TEST_CHECK(gwPinGenerate(4, pin, sizeof(pin)) && strlen(pin) == 4);
  TEST_CHECK(gwPinGenerate(8, pin, sizeof(pin)) && strlen(pin) == 8 && gwPinAcceptable(pin, 8, NULL));
  TEST_CHECK(!gwPinGenerate(6, pin, 6));
  TEST_CHECK(!gwPinGenerate(2, pin, sizeof(pin)));
}


/*
 * 'test_passwords()' - Argon2id hash/verify and generated passwords.
 */

static void
test_passwords(void)
{
  char            h1[GW_PASSWORD_HASH_MAX], h2[GW_PASSWORD_HASH_MAX], small[40], p1[64], p2[64];
  struct timespec t0, t1;
  bool            alphabet_ok = true;

  TEST_BEGIN("passwords: Argon2id hash and verify, generation");

  clock_gettime(CLOCK_MONOTONIC, &t0);
  TEST_CHECK(gwPasswordHash("correct horse battery staple", h1, sizeof(h1)));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("  (one Argon2id hash took %.3f s)\n", (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);

  TEST_CHECKF(!strncmp(h1, "$argon2id$v=19$m=65536,t=3,p=1$", 31), "%s", h1);
  TEST_CHECK(gwPasswordVerify(h1, "correct horse battery staple"));
  TEST_CHECK(!gwPasswordVerify(h1, "correct horse battery stapl"));
  TEST_CHECK(!gwPasswordVerify(h1, ""));
  TEST_CHECK(gwPasswordHash("correct horse battery staple", h2, sizeof(h2)));
  TEST_CHECKF(strcmp(h1, h2), "two hashes of one password must differ (random salt)");
  TEST_CHECK(!gwPasswordVerify("$argon2i$v=19$m=65536,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaA", "x"));
  TEST_CHECK(!gwPasswordVerify("garbage", "correct horse battery staple"));
  TEST_CHECK(!gwPasswordHash("pw", small, sizeof(small)));

  TEST_CHECK(gwPasswordGenerate(p1, sizeof(p1)) && gwPasswordGenerate(p2, sizeof(p2)));
  TEST_CHECKF(strlen(p1) >= 16, "length %zu", strlen(p1));
  TEST_CHECK(strcmp(p1, p2));
  for (const char *p = p1; *p; p ++)
    if (!strchr(pwd_alphabet, *p))
      alphabet_ok = false;
  TEST_CHECK(alphabet_ok);
  TEST_CHECK(strpbrk(p1, "0O1lIi") == NULL);
  TEST_CHECK(!gwPasswordGenerate(small, 16));
}


/*
 * 'test_uuid()' - UUID generation and the strict format check.
 */

static void
test_uuid(void)
{
  static const char * const bad[] =
  {
    "",
    "0f8fad5b-d9cb-469f-a165-70867728950",     /* 35 characters */
    "0f8fad5b-d9cb-469f-a165-70867728950e1",   /* 37 characters */
    "0F8FAD5B-D9CB-469F-A165-70867728950E",    /* Uppercase */
    "0f8fad5bd-9cb-469f-a165-70867728950e",    /* Hyphen moved */
    "0f8fad5b-d9cb-469f-a165+70867728950e",
    "0f8fad5b-d9cb-469f-a165-70867728950g",    /* Not hex */
    "../../../etc/passwd-0000-000000000000",
    "0f8fad5b-d9cb-469f-a165-70867728950\n"
  };
  char u[GW_UUID_LEN + 1], prev[GW_UUID_LEN + 1] = "";
  bool all_valid = true, v4 = true, distinct = true;

  TEST_BEGIN("UUIDs: random v4 lowercase, strict format check");

  for (int i = 0; i < 1000; i ++)
  {
    gwUUIDNew(u);
    if (!gwUUIDValid(u) || strlen(u) != GW_UUID_LEN)
      all_valid = false;
    if (u[14] != '4' || !strchr("89ab", u[19]))
      v4 = false;
    if (!strcmp(u, prev))
      distinct = false;
    memcpy(prev, u, sizeof(prev));
  }
  TEST_CHECK(all_valid);
  TEST_CHECK(v4);
  TEST_CHECK(distinct);

  TEST_CHECK(gwUUIDValid("0f8fad5b-d9cb-469f-a165-70867728950e"));
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i ++)
    TEST_CHECKF(!gwUUIDValid(bad[i]), "accepted \"%s\"", bad[i]);
  TEST_CHECK(!gwUUIDValid(NULL));
}


/*
 * 'test_tls()' - The self-signed certificate, read back by openssl(1).
 */

static void
test_tls(const char *tmp)
{
  char        cert[1024], key[1024], cmd[4096], out[8192], pub1[1024], pub2[1024];
  struct stat st;

  TEST_BEGIN("TLS: self-signed certificate and key");

  snprintf(cert, sizeof(cert), "%s/server.crt", tmp);
  snprintf(key, sizeof(key), "%s/server.key", tmp);

  TEST_CHECK(!gwTLSCreateSelfSigned(cert, key, "bad name; rm -rf", NULL));
  TEST_CHECK(stat(cert, &st) != 0);

  TEST_CHECK(gwTLSCreateSelfSigned(cert, key, "printgate.example.test", NULL));
  TEST_CHECK(stat(key, &st) == 0 && (st.st_mode & 07777) == 0600);
  TEST_CHECK(stat(cert, &st) == 0 && st.st_size > 0);

  snprintf(cmd, sizeof(cmd), "openssl x509 -noout -in '%s' -subject -ext subjectAltName,basicConstraints,extendedKeyUsage 2>&1", cert);
  TEST_CHECK(test_run(cmd, out, sizeof(out)) == 0);
  printf("%s", out);
  TEST_CHECK(strstr(out, "CN = printgate.example.test") != NULL);
  TEST_CHECK(strstr(out, "DNS:printgate.example.test") != NULL);
  TEST_CHECK(strstr(out, "DNS:localhost") != NULL);
  TEST_CHECK(strstr(out, "IP Address:127.0.0.1") != NULL);
  TEST_CHECK(strstr(out, "TLS Web Server Authentication") != NULL);

  /*
   * Valid for 9 more years at least, not yet expired, verifies as its
   * own trust anchor, and the key file holds the matching private key.
   */

  snprintf(cmd, sizeof(cmd), "openssl x509 -noout -in '%s' -checkend %ld >/dev/null 2>&1", cert, 9L * 365 * 86400);
  TEST_CHECK(test_run(cmd, out, sizeof(out)) == 0);
  snprintf(cmd, sizeof(cmd), "openssl verify -CAfile '%s' '%s' 2>&1", cert, cert);
  TEST_CHECKF(test_run(cmd, out, sizeof(out)) == 0, "%s", out);
  snprintf(cmd, sizeof(cmd), "openssl x509 -noout -pubkey -in '%s'", cert);
  TEST_CHECK(test_run(cmd, pub1, sizeof(pub1)) == 0);
  snprintf(cmd, sizeof(cmd), "openssl pkey -pubout -in '%s'", key);
  TEST_CHECK(test_run(cmd, pub2, sizeof(pub2)) == 0);
  TEST_CHECK(pub1[0] && !strcmp(pub1, pub2));
  snprintf(cmd, sizeof(cmd), "openssl pkey -noout -text -in '%s' 2>&1", key);
  TEST_CHECK(test_run(cmd, out, sizeof(out)) == 0 && strstr(out, "prime256v1") != NULL);

  /*
   * An IP address as the server name goes in as an IP SAN.
   */

  TEST_CHECK(gwTLSCreateSelfSigned(cert, key, "192.0.2.7", NULL));
  snprintf(cmd, sizeof(cmd), "openssl x509 -noout -in '%s' -ext subjectAltName 2>&1", cert);
  TEST_CHECK(test_run(cmd, out, sizeof(out)) == 0 && strstr(out, "IP Address:192.0.2.7") != NULL);
  snprintf(cmd, sizeof(cmd), "%s.tmp", cert);
  TEST_CHECK(stat(cmd, &st) != 0);
}


/*
 * 'main()' - Run the crypto tests.
 */

int
main(void)
{
  char tmp[512];

  if (!test_tempdir(tmp, sizeof(tmp)))
  {
    perror("mkdtemp");
    return (1);
  }

  test_primitives();
  test_keys(tmp);
  test_key_owner_and_dir(tmp);
  test_pin_hash(tmp);
  test_pin_rules();
  test_passwords();
  test_uuid();
  test_tls(tmp);

  test_rmtree(tmp);

  TEST_EXIT();
}
