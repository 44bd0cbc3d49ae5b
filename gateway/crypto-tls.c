/*
 * crypto-tls.c - the self-signed certificate a fresh install serves until
 *                the admin installs a real one (see crypto.h).
 *
 * ECDSA P-256 key, X.509 v3 certificate valid for ten years, subject and
 * issuer CN=<server name>, subjectAltName DNS:<name>, DNS:localhost and
 * IP:127.0.0.1, serverAuth only.  Both PEM files are written to a temporary
 * name, fsync()ed and renamed into place; the key file is mode 0600.
 */

#include "printgate/crypto.h"
#include "printgate/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define TLS_VALID_DAYS (10 * 365 + 3)    /* Ten years, leap days included */
#define TLS_CN_MAX     200               /* Longest common name accepted */


/*
 * 'add_ext()' - Add one X.509v3 extension given in openssl.cnf syntax.
 */

static bool
add_ext(X509 *cert, int nid, const char *value)
{
  X509V3_CTX      ctx;
  X509_EXTENSION *ext;
  bool            ok;

  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);

  if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
    return (false);

  ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);

  return (ok);
}


/*
 * 'is_ip()' - Is the name an IPv4 or IPv6 address?
 */

static bool
is_ip(const char *cn)
{
  unsigned char addr[16];

  return (inet_pton(AF_INET, cn, addr) == 1 || inet_pton(AF_INET6, cn, addr) == 1);
}


/*
 * 'name_ok()' - Check that a common name is a plain host name or an IP
 *               address, which can go into the subjectAltName
 *               configuration string unescaped.
 */

static bool
name_ok(const char *cn)
{
  size_t len = strnlen(cn, TLS_CN_MAX + 1);

  if (len == 0 || len > TLS_CN_MAX)
    return (false);

  if (is_ip(cn))
    return (true);

  for (const char *p = cn; *p; p ++)
  {
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_'))
      return (false);
  }

  return (true);
}


/*
 * 'ssl_error()' - The reason of the last OpenSSL error, never NULL.
 */

static const char *
ssl_error(void)
{
  const char *reason = ERR_reason_error_string(ERR_get_error());

  return (reason ? reason : "unknown OpenSSL error");
}


/*
 * 'make_cert()' - Build and sign the certificate for key.
 */

static X509 *
make_cert(EVP_PKEY *key, const char *cn)
{
  X509          *cert;
  X509_NAME     *name;
  ASN1_INTEGER  *serial = NULL;
  BIGNUM        *bn = NULL;
  unsigned char  rnd[16];
  char           san[TLS_CN_MAX + 64];
  bool           ok = false;

  if ((cert = X509_new()) == NULL)
    return (NULL);

  /*
   * Random positive 127-bit serial, so two installs never share one.
   */

  if (!gwRandomBytes(rnd, sizeof(rnd)))
    goto done;
  rnd[0] &= 0x7f;
  if ((bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) == NULL || (serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL)
    goto done;

  if (!X509_set_version(cert, 2) || !X509_set_serialNumber(cert, serial) ||
      !X509_gmtime_adj(X509_getm_notBefore(cert), -3600) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert), TLS_VALID_DAYS, 0, NULL) ||
      !X509_set_pubkey(cert, key))
    goto done;

  name = X509_get_subject_name(cert);
  if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) ||
      !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"Printgate", -1, -1, 0) ||
      !X509_set_issuer_name(cert, name))
    goto done;

  if (!strcmp(cn, "localhost") || !strcmp(cn, "127.0.0.1"))
    snprintf(san, sizeof(san), "DNS:localhost,IP:127.0.0.1");
  else
    snprintf(san, sizeof(san), "%s:%s,DNS:localhost,IP:127.0.0.1", is_ip(cn) ? "IP" : "DNS", cn);

  if (!add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") ||
      !add_ext(cert, NID_key_usage, "critical,digitalSignature") ||
      !add_ext(cert, NID_ext_key_usage, "serverAuth") ||
      !add_ext(cert, NID_subject_key_identifier, "hash") ||
      !add_ext(cert, NID_subject_alt_name, san))
    goto done;

  if (X509_sign(cert, key, EVP_sha256()) <= 0)
    goto done;

  ok = true;

  done:

  ASN1_INTEGER_free(serial);
  BN_free(bn);
  if (!ok)
  {
    X509_free(cert);
    cert = NULL;
  }

  return (cert);
}


/*
 * 'write_pem()' - Write a PEM file through path.tmp + fsync + rename, with
 *                 the given mode; fsync the folder.  Exactly one of cert
 *                 and key is non-NULL.
 */

static bool
write_pem(const char *path, mode_t mode, X509 *cert, EVP_PKEY *key, gw_log_t *log)
{
  char  tmp[4096], dir[4096];
  int   fd, dfd, len;
  FILE *fp;
  bool  ok;

  len = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  if (len < 0 || (size_t)len >= sizeof(tmp))
  {
    gwLog(log, GW_LOG_ERROR, "The path %s is too long.", path);
    return (false);
  }

  unlink(tmp);
  if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)) < 0)
  {
    gwLog(log, GW_LOG_ERROR, "Unable to create %s: %s", tmp, strerror(errno));
    return (false);
  }

  if (fchmod(fd, mode) || (fp = fdopen(fd, "w")) == NULL)
  {
    gwLog(log, GW_LOG_ERROR, "Unable to write %s: %s", tmp, strerror(errno));
    close(fd);
    unlink(tmp);
    return (false);
  }

  if (cert)
    ok = PEM_write_X509(fp, cert) == 1;
  else
    ok = PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL) == 1;

  ok = ok && fflush(fp) == 0 && fsync(fileno(fp)) == 0;
  if (fclose(fp))
    ok = false;

  if (!ok || rename(tmp, path))
  {
    gwLog(log, GW_LOG_ERROR, "Unable to write %s: %s", path, errno ? strerror(errno) : "OpenSSL error");
    unlink(tmp);
    return (false);
  }

  snprintf(dir, sizeof(dir), "%s", path);
  if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
  {
    fsync(dfd);
    close(dfd);
  }

  return (true);
}


/*
 * 'gwTLSCreateSelfSigned()' - Create a self-signed certificate and its
 *                             private key as PEM files.  The key file is
 *                             written first, so a certificate never exists
 *                             without its key.
 */

bool
gwTLSCreateSelfSigned(const char *certfile, const char *keyfile, const char *common_name, gw_log_t *log)
{
  EVP_PKEY *key;
  X509     *cert;
  bool      ok;

  if (!certfile || !keyfile || !common_name || !name_ok(common_name))
  {
    gwLog(log, GW_LOG_ERROR, "Unable to create a self-signed certificate: the server name must be a host name (letters, digits, '-', '.').");
    return (false);
  }

  if ((key = EVP_EC_gen("P-256")) == NULL)
  {
    gwLog(log, GW_LOG_ERROR, "Unable to create a P-256 key: %s", ssl_error());
    return (false);
  }

  if ((cert = make_cert(key, common_name)) == NULL)
  {
    gwLog(log, GW_LOG_ERROR, "Unable to create the self-signed certificate: %s", ssl_error());
    EVP_PKEY_free(key);
    return (false);
  }

  errno = 0;
  ok    = write_pem(keyfile, 0600, NULL, key, log) && write_pem(certfile, 0644, cert, NULL, log);

  X509_free(cert);
  EVP_PKEY_free(key);

  if (ok)
    gwLog(log, GW_LOG_INFO, "Created a self-signed ECDSA P-256 certificate for \"%s\" (valid 10 years): %s", common_name, certfile);

  return (ok);
}


/*
 * 'gwTLSVerifyChain()' - Verify a peer's chain (DER, leaf first) and host
 *                        name with OpenSSL (notes/mail-stack.md 2.1).
 */

bool
gwTLSVerifyChain(const unsigned char * const *der, const size_t *derlen, int count, const char *host, const char *cafile, char *why, size_t whysize)
{
  X509            *leaf = NULL;
  STACK_OF(X509)  *untrusted = NULL;
  X509_STORE      *store = NULL;
  X509_STORE_CTX  *ctx = NULL;
  X509_VERIFY_PARAM *vp;
  bool             ok = false;

  snprintf(why, whysize, "no certificate");
  if (count < 1 || count > 16 || !host || !*host)
    return (false);

  for (int i = 0; i < count; i ++)
  {
    const unsigned char *p = der[i];
    X509                *x = d2i_X509(NULL, &p, (long)derlen[i]);

    if (!x)
    {
      snprintf(why, whysize, "a certificate could not be read");
      goto done;
    }
    if (i == 0)
      leaf = x;
    else if ((untrusted || (untrusted = sk_X509_new_null()) != NULL) && sk_X509_push(untrusted, x))
      ;
    else
    {
      X509_free(x);
      goto done;
    }
  }

  if ((store = X509_STORE_new()) == NULL || (ctx = X509_STORE_CTX_new()) == NULL)
    goto done;
  if (cafile && *cafile ? X509_STORE_load_file(store, cafile) != 1 : X509_STORE_set_default_paths(store) != 1)
  {
    snprintf(why, whysize, "the trusted certificates could not be loaded");
    goto done;
  }
  if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1)
    goto done;
  vp = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_purpose(vp, X509_PURPOSE_SSL_SERVER);
  if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1 && X509_VERIFY_PARAM_set1_host(vp, host, 0) != 1)
    goto done;

  if (X509_verify_cert(ctx) == 1)
    ok = true;
  else
    snprintf(why, whysize, "%s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));

 done:
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  sk_X509_pop_free(untrusted, X509_free);
  X509_free(leaf);
  ERR_clear_error();

  return (ok);
}


/*
 * 'gwTLSCertificateExpiry()' - notAfter of the first certificate in a PEM
 *                              file, as Unix time (for the health report).
 */

bool
gwTLSCertificateExpiry(const char *certfile, int64_t *not_after)
{
  FILE      *fp;
  X509      *cert;
  struct tm  tm;
  bool       ok = false;

  if (!certfile || !not_after || (fp = fopen(certfile, "re")) == NULL)
    return (false);

  if ((cert = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL)
  {
    memset(&tm, 0, sizeof(tm));
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1)
    {
      *not_after = (int64_t)timegm(&tm);
      ok         = true;
    }
    X509_free(cert);
  }
  fclose(fp);

  return (ok);
}
