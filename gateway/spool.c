/*
 * spool.c - the encrypted spool of held documents (see spool.h and
 *           docs/spool-format.md for the byte format).
 *
 * A spool file is a 64-byte plaintext header followed by chunks of 64 KiB
 * plaintext, each sealed with AES-256-GCM under a random per-file data key
 * (DEK).  The nonce of chunk i is 0^3 | uint64_be(i) | last_flag; the AAD of
 * every chunk is SHA-256(header | job id | uint32_be(docnum)).  The final
 * chunk always holds 0..65535 bytes (a document of 2 x 64 KiB has an empty
 * third chunk), so the chunk count and the plaintext size follow from the
 * file length alone, and any length that is not possible is refused before
 * decrypting anything.
 *
 * The DEK is wrapped with the spool KEK (AES-256-GCM, random nonce, AAD
 * "printgate-wrap-v1" | kek_id | job id | docnum) and handed to the caller,
 * who keeps it in the store row only.
 *
 * Thread safety: the spool object is read-only after gwSpoolOpen() (paths,
 * folder descriptors, keys, log), so any number of threads may use it at
 * once.  A writer or a reader belongs to one thread at a time.
 */

#include "printgate/spool.h"
#include "printgate/crypto.h"
#include "printgate/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

/*
 * Format constants (docs/spool-format.md).
 */

#define SPOOL_MAGIC        "PGQS"
#define SPOOL_VERSION      1
#define SPOOL_AEAD_AES_GCM 1              /* AES-256-GCM, 96-bit nonce, 128-bit tag */
#define SPOOL_CHUNK_LOG2   16
#define SPOOL_CHUNK        (1u << SPOOL_CHUNK_LOG2)
#define SPOOL_TAG_LEN      16
#define SPOOL_CCHUNK       (SPOOL_CHUNK + SPOOL_TAG_LEN)   /* Sealed full chunk */
#define SPOOL_HEADER_LEN   64
#define SPOOL_NONCE_LEN    12
#define SPOOL_AAD_LEN      SHA256_DIGEST_LENGTH

#define HDR_VERSION        4               /* Header field offsets */
#define HDR_AEAD           5
#define HDR_CHUNK_LOG2     6
#define HDR_KEK_ID         8
#define HDR_DOCNUM         12
#define HDR_JOB_ID         16
#define HDR_RESERVED       (HDR_JOB_ID + GW_UUID_LEN)      /* 52..63, zero */

#define WRAP_INFO          "printgate-wrap-v1"
#define WRAP_NONCE_OFF     4               /* Wrapped key field offsets */
#define WRAP_CT_OFF        16
#define WRAP_TAG_OFF       48

#define SPOOL_BATCH        16              /* Chunks per write()/read(): ~1 MiB */
#define SPOOL_BUFSIZE      (SPOOL_HEADER_LEN + SPOOL_BATCH * SPOOL_CCHUNK)
#define SPOOL_SUFFIX       ".pgs"
#define SPOOL_NAME_MAX     (GW_UUID_LEN + 1 + 10 + sizeof(SPOOL_SUFFIX))
#define SPOOL_WRITEBACK    (8 * 1024 * 1024)   /* Start writeback every 8 MiB */
#define SPOOL_PATH_MAX     4096

struct _gw_spool_s
{
  char        dir[SPOOL_PATH_MAX];        /* Spool folder */
  char        incoming[SPOOL_PATH_MAX];   /* dir/incoming: files being written */
  char        jobs[SPOOL_PATH_MAX];       /* dir/jobs: committed files */
  int         incoming_fd;                /* O_DIRECTORY descriptors */
  int         jobs_fd;
  gw_keys_t  *keys;                       /* Not owned */
  gw_log_t   *log;                        /* Not owned */
};

struct _gw_spool_writer_s
{
  gw_spool_t     *spool;
  char            job_id[GW_UUID_LEN + 1];
  unsigned        docnum;
  char            name[SPOOL_NAME_MAX];   /* File name in incoming/ and jobs/ */
  int             fd;                     /* Open file in incoming/, or -1 */
  bool            created;                /* incoming/name exists (ours) */
  bool            finished;               /* gwSpoolWriterFinish() succeeded */
  bool            failed;                 /* A write failed: only abort remains */
  EVP_CIPHER_CTX *ctx;                    /* AES-256-GCM keyed with the DEK */
  unsigned char   dek[GW_KEY_LEN];        /* Wiped once wrapped */
  unsigned char   aad[SPOOL_AAD_LEN];
  uint64_t        chunk;                  /* Index of the next chunk */
  uint64_t        plain_size;             /* Bytes accepted so far */
  unsigned char  *plain;                  /* Partial chunk (SPOOL_CHUNK) */
  size_t          plain_len;
  unsigned char  *out;                    /* Sealed bytes not yet written */
  size_t          out_len;
  uint64_t        written;                /* Bytes written to the file */
  uint64_t        kicked;                 /* Bytes handed to writeback */
};

struct _gw_spool_reader_s
{
  gw_spool_t     *spool;
  char            job_id[GW_UUID_LEN + 1];
  unsigned        docnum;
  int             fd;
  bool            failed;                 /* Sticky until rewind */
  EVP_CIPHER_CTX *ctx;                    /* AES-256-GCM keyed with the DEK */
  unsigned char   aad[SPOOL_AAD_LEN];
  uint64_t        file_size;              /* At open */
  uint64_t        nchunks;                /* Including the final chunk */
  size_t          last_len;               /* Plaintext bytes of the final chunk */
  uint64_t        plain_size;
  uint64_t        next;                   /* Next chunk to decrypt */
  uint64_t        offset;                 /* File offset of the next read */
  unsigned char  *in;                     /* Sealed chunks read ahead */
  size_t          in_pos, in_len;
  unsigned char  *plain;                  /* One decrypted chunk (SPOOL_CHUNK) */
  size_t          plain_pos, plain_len;
};


/*
 * 'put_be32()', 'get_be32()' - Big-endian 32-bit fields.
 */

static void
put_be32(unsigned char *p, uint32_t v)
{
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

static uint32_t
get_be32(const unsigned char *p)
{
  return (((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3]);
}


/*
 * 'make_name()' - File name of a document: "<job id>-<docnum>.pgs".
 */

static bool
make_name(const char *job_id, unsigned docnum, char name[SPOOL_NAME_MAX])
{
  int len;

  if (!gwUUIDValid(job_id))
    return (false);

  len = snprintf(name, SPOOL_NAME_MAX, "%s-%u" SPOOL_SUFFIX, job_id, docnum);

  return (len > 0 && (size_t)len < SPOOL_NAME_MAX);
}


/*
 * 'parse_name()' - Split a committed file name; false for anything that
 *                  make_name() would not have produced.
 */

static bool
parse_name(const char *name, char job_id[GW_UUID_LEN + 1], unsigned *docnum)
{
  size_t        len = strnlen(name, SPOOL_NAME_MAX);
  const char   *num = name + GW_UUID_LEN + 1;
  char         *end;
  unsigned long v;

  if (len >= SPOOL_NAME_MAX || len < GW_UUID_LEN + 2 + sizeof(SPOOL_SUFFIX) - 1 || name[GW_UUID_LEN] != '-' ||
      strcmp(name + len - (sizeof(SPOOL_SUFFIX) - 1), SPOOL_SUFFIX))
    return (false);

  memcpy(job_id, name, GW_UUID_LEN);
  job_id[GW_UUID_LEN] = '\0';
  if (!gwUUIDValid(job_id) || *num < '0' || *num > '9' || (*num == '0' && num[1] != '.'))
    return (false);

  errno = 0;
  v     = strtoul(num, &end, 10);
  if (errno || end != name + len - (sizeof(SPOOL_SUFFIX) - 1) || v > UINT32_MAX)
    return (false);

  *docnum = (unsigned)v;

  return (true);
}


/*
 * 'make_header()' - Build the 64-byte plaintext header.
 */

static void
make_header(unsigned char hdr[SPOOL_HEADER_LEN], uint32_t kek_id, const char *job_id, unsigned docnum)
{
  memset(hdr, 0, SPOOL_HEADER_LEN);
  memcpy(hdr, SPOOL_MAGIC, 4);
  hdr[HDR_VERSION]    = SPOOL_VERSION;
  hdr[HDR_AEAD]       = SPOOL_AEAD_AES_GCM;
  hdr[HDR_CHUNK_LOG2] = SPOOL_CHUNK_LOG2;
  put_be32(hdr + HDR_KEK_ID, kek_id);
  put_be32(hdr + HDR_DOCNUM, docnum);
  memcpy(hdr + HDR_JOB_ID, job_id, GW_UUID_LEN);
}


/*
 * 'make_aad()' - AAD of every chunk: SHA-256(header | job id | docnum).
 *                The job id and docnum are the ones the caller asked for,
 *                so a file moved under another name does not decrypt.
 */

static bool
make_aad(const unsigned char hdr[SPOOL_HEADER_LEN], const char *job_id, unsigned docnum, unsigned char aad[SPOOL_AAD_LEN])
{
  unsigned char buf[SPOOL_HEADER_LEN + GW_UUID_LEN + 4];

  memcpy(buf, hdr, SPOOL_HEADER_LEN);
  memcpy(buf + SPOOL_HEADER_LEN, job_id, GW_UUID_LEN);
  put_be32(buf + SPOOL_HEADER_LEN + GW_UUID_LEN, docnum);

  return (SHA256(buf, sizeof(buf), aad) != NULL);
}


/*
 * 'make_nonce()' - Chunk nonce: 0^3 | uint64_be(index) | last_flag.
 */

static void
make_nonce(unsigned char nonce[SPOOL_NONCE_LEN], uint64_t index, bool last)
{
  nonce[0] = nonce[1] = nonce[2] = 0;
  for (int i = 0; i < 8; i ++)
    nonce[3 + i] = (unsigned char)(index >> (56 - 8 * i));
  nonce[11] = last ? 1 : 0;
}


/*
 * 'wrap_aad()' - AAD of the key wrap: "printgate-wrap-v1" | kek_id |
 *                job id | docnum.
 */

static size_t
wrap_aad(unsigned char *aad, uint32_t kek_id, const char *job_id, unsigned docnum)
{
  size_t len = sizeof(WRAP_INFO) - 1;

  memcpy(aad, WRAP_INFO, len);
  put_be32(aad + len, kek_id);
  memcpy(aad + len + 4, job_id, GW_UUID_LEN);
  put_be32(aad + len + 4 + GW_UUID_LEN, docnum);

  return (len + 4 + GW_UUID_LEN + 4);
}


/*
 * 'gcm_oneshot()' - Seal or open one small message (the DEK) with
 *                   AES-256-GCM.  For decryption the tag is an input.
 */

static bool
gcm_oneshot(bool enc, const unsigned char *key, const unsigned char *nonce, const unsigned char *aad, size_t aadlen,
            const unsigned char *in, size_t len, unsigned char *out, unsigned char tag[SPOOL_TAG_LEN])
{
  EVP_CIPHER_CTX *ctx;
  int             outl, finl;
  bool            ok;

  if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
    return (false);

  ok = EVP_CipherInit_ex2(ctx, EVP_aes_256_gcm(), key, nonce, enc ? 1 : 0, NULL) == 1 &&
       EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aadlen) == 1 &&
       EVP_CipherUpdate(ctx, out, &outl, in, (int)len) == 1 &&
       (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, SPOOL_TAG_LEN, tag) == 1) &&
       EVP_CipherFinal_ex(ctx, out + outl, &finl) == 1 &&
       (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, SPOOL_TAG_LEN, tag) == 1);

  EVP_CIPHER_CTX_free(ctx);
  if (!ok && !enc)
    OPENSSL_cleanse(out, len);

  return (ok);
}


/*
 * 'open_dir()' - Create (0700) if needed and open a folder.
 */

static int
open_dir(const char *path, gw_log_t *log)
{
  int fd;

  if (mkdir(path, 0700) && errno != EEXIST)
  {
    gwLog(log, GW_LOG_ERROR, "Unable to create the spool folder %s: %s", path, strerror(errno));
    return (-1);
  }

  if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    gwLog(log, GW_LOG_ERROR, "Unable to open the spool folder %s: %s", path, strerror(errno));

  return (fd);
}


/*
 * 'gwSpoolOpen()' - Open the spool in dir, creating dir, dir/incoming and
 *                   dir/jobs (mode 0700) when missing.  keys and log are
 *                   borrowed and must outlive the spool.
 */

gw_spool_t *
gwSpoolOpen(const char *dir, gw_keys_t *keys, gw_log_t *log)
{
  gw_spool_t *spool;
  int         fd;

  if (!dir || !*dir || !keys || !gwKeysGet(keys, GW_KEY_SPOOL_KEK))
    return (NULL);

  if ((spool = calloc(1, sizeof(gw_spool_t))) == NULL)
    return (NULL);

  spool->keys        = keys;
  spool->log         = log;
  spool->incoming_fd = -1;
  spool->jobs_fd     = -1;

  if ((size_t)snprintf(spool->dir, sizeof(spool->dir), "%s", dir) >= sizeof(spool->dir) ||
      (size_t)snprintf(spool->incoming, sizeof(spool->incoming), "%s/incoming", dir) >= sizeof(spool->incoming) ||
      (size_t)snprintf(spool->jobs, sizeof(spool->jobs), "%s/jobs", dir) >= sizeof(spool->jobs))
  {
    gwLog(log, GW_LOG_ERROR, "The spool folder path is too long.");
    free(spool);
    return (NULL);
  }

  if ((fd = open_dir(spool->dir, log)) < 0)
  {
    free(spool);
    return (NULL);
  }
  close(fd);

  if ((spool->incoming_fd = open_dir(spool->incoming, log)) < 0 || (spool->jobs_fd = open_dir(spool->jobs, log)) < 0)
  {
    gwSpoolClose(&spool);
    return (NULL);
  }

  return (spool);
}


/*
 * 'gwSpoolClose()' - Close the spool; NULL-safe, sets *spool to NULL.
 *                    Writers and readers must be closed first.
 */

void
gwSpoolClose(gw_spool_t **spool)
{
  if (!spool || !*spool)
    return;

  if ((*spool)->incoming_fd >= 0)
    close((*spool)->incoming_fd);
  if ((*spool)->jobs_fd >= 0)
    close((*spool)->jobs_fd);
  free(*spool);
  *spool = NULL;
}


/*
 * 'gwSpoolRecover()' - Remove every file in incoming/ (partial writes of a
 *                      previous run).  Call at start, before any writer
 *                      exists.  *removed_r (may be NULL) gets the count.
 */

bool
gwSpoolRecover(gw_spool_t *spool, unsigned *removed_r)
{
  DIR           *d;
  struct dirent *de;
  unsigned       removed = 0;
  bool           ok = true;
  int            fd;

  if (removed_r)
    *removed_r = 0;
  if (!spool)
    return (false);

  if ((fd = dup(spool->incoming_fd)) < 0 || (d = fdopendir(fd)) == NULL)
  {
    gwLog(spool->log, GW_LOG_ERROR, "Unable to read the spool folder %s: %s", spool->incoming, strerror(errno));
    if (fd >= 0)
      close(fd);
    return (false);
  }
  rewinddir(d);

  while ((de = readdir(d)) != NULL)
  {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;

    if (unlinkat(spool->incoming_fd, de->d_name, 0) == 0)
      removed ++;
    else if (errno != ENOENT)
    {
      gwLog(spool->log, GW_LOG_ERROR, "Unable to remove %s/%s: %s", spool->incoming, de->d_name, strerror(errno));
      ok = false;
    }
  }
  closedir(d);

  if (removed && fsync(spool->incoming_fd))
    gwLog(spool->log, GW_LOG_WARN, "Unable to sync the spool folder %s: %s", spool->incoming, strerror(errno));

  if (removed_r)
    *removed_r = removed;

  return (ok);
}


/*
 * 'gwSpoolRemove()' - Remove a committed document.  Removing a document
 *                     that is not there succeeds (nothing is left).
 */

bool
gwSpoolRemove(gw_spool_t *spool, const char *job_id, unsigned docnum)
{
  char name[SPOOL_NAME_MAX];

  if (!spool || !make_name(job_id, docnum, name))
    return (false);

  if (unlinkat(spool->jobs_fd, name, 0) && errno != ENOENT)
  {
    gwLog(spool->log, GW_LOG_ERROR, "Unable to remove the spool file of job %s document %u: %s", job_id, docnum, strerror(errno));
    return (false);
  }

  return (true);
}


/*
 * 'gwSpoolExists()' - Is there a committed file for this document?
 */

bool
gwSpoolExists(gw_spool_t *spool, const char *job_id, unsigned docnum)
{
  char        name[SPOOL_NAME_MAX];
  struct stat st;

  if (!spool || !make_name(job_id, docnum, name))
    return (false);

  return (fstatat(spool->jobs_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode));
}


/*
 * 'gwSpoolPath()' - Path of a document's file in incoming/ or jobs/.
 */

bool
gwSpoolPath(gw_spool_t *spool, const char *job_id, unsigned docnum, bool incoming, char *buf, size_t bufsize)
{
  char name[SPOOL_NAME_MAX];
  int  len;

  if (!spool || !buf || !bufsize || !make_name(job_id, docnum, name))
    return (false);

  len = snprintf(buf, bufsize, "%s/%s", incoming ? spool->incoming : spool->jobs, name);

  return (len > 0 && (size_t)len < bufsize);
}


/*
 * 'gwSpoolIterate()' - Call cb for every committed (job id, docnum) until it
 *                      returns false.  Files with other names are skipped.
 *                      The callback may remove the file it is given.
 *                      Returns false if jobs/ cannot be read.
 */

bool
gwSpoolIterate(gw_spool_t *spool, gw_spool_cb_t cb, void *data)
{
  DIR           *d;
  struct dirent *de;
  char           job_id[GW_UUID_LEN + 1];
  unsigned       docnum;
  int            fd;

  if (!spool || !cb)
    return (false);

  if ((fd = dup(spool->jobs_fd)) < 0 || (d = fdopendir(fd)) == NULL)
  {
    gwLog(spool->log, GW_LOG_ERROR, "Unable to read the spool folder %s: %s", spool->jobs, strerror(errno));
    if (fd >= 0)
      close(fd);
    return (false);
  }
  rewinddir(d);

  while ((de = readdir(d)) != NULL)
  {
    if (!parse_name(de->d_name, job_id, &docnum))
    {
      if (de->d_name[0] != '.')
        gwLog(spool->log, GW_LOG_WARN, "Ignoring an unexpected file in the spool: %s/%s", spool->jobs, de->d_name);
      continue;
    }

    if (!(*cb)(job_id, docnum, data))
      break;
  }
  closedir(d);

  return (true);
}


/*
 * 'writer_free()' - Wipe and free a writer (the file is left alone).
 */

static void
writer_free(gw_spool_writer_t *w)
{
  if (w->fd >= 0)
    close(w->fd);
  EVP_CIPHER_CTX_free(w->ctx);
  if (w->plain)
  {
    OPENSSL_cleanse(w->plain, SPOOL_CHUNK);
    free(w->plain);
  }
  free(w->out);
  OPENSSL_cleanse(w, sizeof(*w));
  free(w);
}


/*
 * 'gwSpoolWriterNew()' - Start writing a document: creates
 *                        incoming/<job id>-<docnum>.pgs (0600, exclusive)
 *                        with a fresh random DEK.  *error_r (may be NULL)
 *                        gets a reason on failure.
 */

gw_spool_writer_t *
gwSpoolWriterNew(gw_spool_t *spool, const char *job_id, unsigned docnum, const char **error_r)
{
  gw_spool_writer_t *w;
  unsigned char      hdr[SPOOL_HEADER_LEN];
  const char        *error = NULL;

  if (!error_r)
    error_r = &error;

  if (!spool || !job_id || !gwUUIDValid(job_id))
  {
    *error_r = "the job id is not valid";
    return (NULL);
  }

  if ((w = calloc(1, sizeof(gw_spool_writer_t))) == NULL)
  {
    *error_r = "out of memory";
    return (NULL);
  }

  w->spool  = spool;
  w->docnum = docnum;
  w->fd     = -1;
  memcpy(w->job_id, job_id, GW_UUID_LEN + 1);
  make_name(job_id, docnum, w->name);

  if ((w->plain = malloc(SPOOL_CHUNK)) == NULL || posix_memalign((void **)&w->out, 4096, SPOOL_BUFSIZE) ||
      (w->ctx = EVP_CIPHER_CTX_new()) == NULL)
  {
    *error_r = "out of memory";
    writer_free(w);
    return (NULL);
  }

  if (!gwRandomBytes(w->dek, sizeof(w->dek)) || EVP_CipherInit_ex2(w->ctx, EVP_aes_256_gcm(), w->dek, NULL, 1, NULL) != 1)
  {
    *error_r = "unable to set up encryption";
    writer_free(w);
    return (NULL);
  }

  make_header(hdr, gwKeysGetKekId(spool->keys), job_id, docnum);
  if (!make_aad(hdr, job_id, docnum, w->aad))
  {
    *error_r = "unable to set up encryption";
    writer_free(w);
    return (NULL);
  }

  if ((w->fd = openat(spool->incoming_fd, w->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
  {
    *error_r = errno == EEXIST ? "this document is already being written" : "unable to create the spool file";
    gwLog(spool->log, GW_LOG_ERROR, "Unable to create %s/%s: %s", spool->incoming, w->name, strerror(errno));
    writer_free(w);
    return (NULL);
  }

  w->created = true;
  memcpy(w->out, hdr, SPOOL_HEADER_LEN);
  w->out_len = SPOOL_HEADER_LEN;

  return (w);
}


/*
 * 'writer_flush()' - Write the sealed bytes in w->out.
 */

static bool
writer_flush(gw_spool_writer_t *w)
{
  size_t done = 0;

  while (done < w->out_len)
  {
    ssize_t n = write(w->fd, w->out + done, w->out_len - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
    {
      gwLog(w->spool->log, GW_LOG_ERROR, "Unable to write the spool file %s/%s: %s", w->spool->incoming, w->name, n < 0 ? strerror(errno) : "no progress");
      w->failed = true;
      return (false);
    }
    done += (size_t)n;
  }

  w->written += w->out_len;
  w->out_len  = 0;

  /*
   * Large documents: start writeback of what was written so far, so the
   * disk works while the next chunks are encrypted and the fsync() at the
   * end has little left to do.  Advisory only: errors surface at fsync().
   */

  if (w->written - w->kicked >= SPOOL_WRITEBACK)
  {
    sync_file_range(w->fd, (off_t)w->kicked, (off_t)(w->written - w->kicked), SYNC_FILE_RANGE_WRITE);
    w->kicked = w->written;
  }

  return (true);
}


/*
 * 'writer_seal()' - Encrypt one chunk (len <= SPOOL_CHUNK, only the final
 *                   chunk may be shorter) into w->out, flushing first
 *                   when the batch buffer is full.
 */

static bool
writer_seal(gw_spool_writer_t *w, const unsigned char *src, size_t len, bool last)
{
  unsigned char  nonce[SPOOL_NONCE_LEN];
  unsigned char *dst;
  int            outl = 0, finl = 0;

  if (w->out_len + len + SPOOL_TAG_LEN > SPOOL_BUFSIZE && !writer_flush(w))
    return (false);

  dst = w->out + w->out_len;
  make_nonce(nonce, w->chunk, last);

  if (EVP_CipherInit_ex2(w->ctx, NULL, NULL, nonce, 1, NULL) != 1 ||
      EVP_CipherUpdate(w->ctx, NULL, &outl, w->aad, SPOOL_AAD_LEN) != 1 ||
      (len > 0 && EVP_CipherUpdate(w->ctx, dst, &outl, src, (int)len) != 1) ||
      EVP_CipherFinal_ex(w->ctx, dst + len, &finl) != 1 ||
      EVP_CIPHER_CTX_ctrl(w->ctx, EVP_CTRL_AEAD_GET_TAG, SPOOL_TAG_LEN, dst + len) != 1)
  {
    gwLog(w->spool->log, GW_LOG_ERROR, "Unable to encrypt chunk %llu of job %s document %u.", (unsigned long long)w->chunk, w->job_id, w->docnum);
    w->failed = true;
    return (false);
  }

  w->out_len += len + SPOOL_TAG_LEN;
  w->chunk ++;

  return (true);
}


/*
 * 'gwSpoolWriterWrite()' - Encrypt and write bytes as they arrive.  Only a
 *                          partial chunk (< 64 KiB) stays in memory; the
 *                          plaintext never reaches the disk.
 */

bool
gwSpoolWriterWrite(gw_spool_writer_t *w, const void *buf, size_t len)
{
  const unsigned char *p = (const unsigned char *)buf;

  if (!w || w->failed || w->finished || (!buf && len))
    return (false);

  if (w->plain_size + len < w->plain_size)
  {
    w->failed = true;
    return (false);
  }
  w->plain_size += len;

  while (len > 0)
  {
    if (w->plain_len == 0 && len >= SPOOL_CHUNK)
    {
      /*
       * Whole chunks are sealed straight from the caller's buffer.
       */

      if (!writer_seal(w, p, SPOOL_CHUNK, false))
        return (false);
      p   += SPOOL_CHUNK;
      len -= SPOOL_CHUNK;
    }
    else
    {
      size_t n = SPOOL_CHUNK - w->plain_len;

      if (n > len)
        n = len;
      memcpy(w->plain + w->plain_len, p, n);
      w->plain_len += n;
      p            += n;
      len          -= n;

      if (w->plain_len == SPOOL_CHUNK)
      {
        if (!writer_seal(w, w->plain, SPOOL_CHUNK, false))
          return (false);
        w->plain_len = 0;
      }
    }
  }

  return (true);
}


/*
 * 'gwSpoolWriterFinish()' - Seal the final chunk, write, fsync and close
 *                           the file, and wrap the DEK into *key (the
 *                           caller stores it in the store row).
 *                           *plain_size_r (may be NULL) gets the size.
 */

bool
gwSpoolWriterFinish(gw_spool_writer_t *w, gw_wrapped_key_t *key, uint64_t *plain_size_r)
{
  unsigned char aad[64];
  size_t        aadlen;
  uint32_t      kek_id;
  int           fd;

  if (!w || !key || w->failed || w->finished)
    return (false);

  if (!writer_seal(w, w->plain, w->plain_len, true) || !writer_flush(w))
    return (false);
  OPENSSL_cleanse(w->plain, SPOOL_CHUNK);
  w->plain_len = 0;

  fd    = w->fd;
  w->fd = -1;
  if (fsync(fd) || close(fd))
  {
    gwLog(w->spool->log, GW_LOG_ERROR, "Unable to sync the spool file %s/%s: %s", w->spool->incoming, w->name, strerror(errno));
    w->failed = true;
    return (false);
  }

  /*
   * Wrap the DEK: kek_id | nonce | AES-256-GCM(KEK, DEK) | tag.
   */

  kek_id = gwKeysGetKekId(w->spool->keys);
  put_be32(key->bytes, kek_id);
  aadlen = wrap_aad(aad, kek_id, w->job_id, w->docnum);

  if (!gwRandomBytes(key->bytes + WRAP_NONCE_OFF, SPOOL_NONCE_LEN) ||
      !gcm_oneshot(true, gwKeysGet(w->spool->keys, GW_KEY_SPOOL_KEK), key->bytes + WRAP_NONCE_OFF, aad, aadlen,
                   w->dek, GW_KEY_LEN, key->bytes + WRAP_CT_OFF, key->bytes + WRAP_TAG_OFF))
  {
    gwLog(w->spool->log, GW_LOG_ERROR, "Unable to wrap the data key of job %s document %u.", w->job_id, w->docnum);
    OPENSSL_cleanse(key, sizeof(*key));
    w->failed = true;
    return (false);
  }

  OPENSSL_cleanse(w->dek, sizeof(w->dek));
  EVP_CIPHER_CTX_free(w->ctx);
  w->ctx      = NULL;
  w->finished = true;

  if (plain_size_r)
    *plain_size_r = w->plain_size;

  return (true);
}


/*
 * 'gwSpoolWriterCommit()' - Move a finished file from incoming/ to jobs/
 *                           and fsync jobs/.  Always frees the writer and
 *                           sets *w to NULL; on failure the file is gone.
 */

bool
gwSpoolWriterCommit(gw_spool_writer_t **w)
{
  gw_spool_writer_t *wr;
  gw_spool_t        *spool;
  bool               ok = false;

  if (!w || !*w)
    return (false);

  wr    = *w;
  spool = wr->spool;

  if (!wr->finished || wr->failed)
  {
    gwLog(spool->log, GW_LOG_ERROR, "Refusing to commit job %s document %u: it was not finished.", wr->job_id, wr->docnum);
  }
  else if (renameat2(spool->incoming_fd, wr->name, spool->jobs_fd, wr->name, RENAME_NOREPLACE) &&
           (errno != EINVAL || renameat(spool->incoming_fd, wr->name, spool->jobs_fd, wr->name)))
  {
    /*
     * RENAME_NOREPLACE is refused (EINVAL) by some file systems; job ids
     * are random, so a plain rename is the fallback there.
     */

    gwLog(spool->log, GW_LOG_ERROR, "Unable to commit the spool file of job %s document %u: %s", wr->job_id, wr->docnum, strerror(errno));
  }
  else
  {
    wr->created = false;
    if (fsync(spool->jobs_fd))
    {
      gwLog(spool->log, GW_LOG_ERROR, "Unable to sync the spool folder %s: %s", spool->jobs, strerror(errno));
      unlinkat(spool->jobs_fd, wr->name, 0);
    }
    else
      ok = true;
  }

  if (wr->created)
    unlinkat(spool->incoming_fd, wr->name, 0);

  writer_free(wr);
  *w = NULL;

  return (ok);
}


/*
 * 'gwSpoolWriterAbort()' - Stop writing: unlink the file from incoming/,
 *                          wipe and free; NULL-safe, sets *w to NULL.
 */

void
gwSpoolWriterAbort(gw_spool_writer_t **w)
{
  if (!w || !*w)
    return;

  if ((*w)->fd >= 0)
  {
    close((*w)->fd);
    (*w)->fd = -1;
  }
  if ((*w)->created)
    unlinkat((*w)->spool->incoming_fd, (*w)->name, 0);

  writer_free(*w);
  *w = NULL;
}


/*
 * 'reader_free()' - Wipe and free a reader.
 */

static void
reader_free(gw_spool_reader_t *r)
{
  if (r->fd >= 0)
    close(r->fd);
  EVP_CIPHER_CTX_free(r->ctx);
  if (r->plain)
  {
    OPENSSL_cleanse(r->plain, SPOOL_CHUNK);
    free(r->plain);
  }
  free(r->in);
  OPENSSL_cleanse(r, sizeof(*r));
  free(r);
}


/*
 * 'reader_check_header()' - Check the header and the file length, and
 *                           compute the chunk count and plaintext size.
 */

static bool
reader_check_header(gw_spool_reader_t *r, const unsigned char hdr[SPOOL_HEADER_LEN], const gw_wrapped_key_t *key, const char **error_r)
{
  gw_spool_t *spool = r->spool;
  uint64_t    body, rem;

  if (memcmp(hdr, SPOOL_MAGIC, 4) || hdr[HDR_VERSION] != SPOOL_VERSION || hdr[HDR_AEAD] != SPOOL_AEAD_AES_GCM ||
      hdr[HDR_CHUNK_LOG2] != SPOOL_CHUNK_LOG2 || hdr[7])
  {
    *error_r = "the spool file has a damaged or unknown header";
    return (false);
  }

  for (int i = HDR_RESERVED; i < SPOOL_HEADER_LEN; i ++)
  {
    if (hdr[i])
    {
      *error_r = "the spool file has a damaged or unknown header";
      return (false);
    }
  }

  if (memcmp(hdr + HDR_JOB_ID, r->job_id, GW_UUID_LEN) || get_be32(hdr + HDR_DOCNUM) != r->docnum)
  {
    *error_r = "the spool file belongs to another job or document";
    return (false);
  }

  if (get_be32(hdr + HDR_KEK_ID) != get_be32(key->bytes) || get_be32(key->bytes) != gwKeysGetKekId(spool->keys))
  {
    *error_r = "the spool file or its data key was made under another root key";
    return (false);
  }

  /*
   * Every chunk but the last is SPOOL_CCHUNK bytes; the last holds 0..65535
   * bytes of plaintext plus the tag, so the remainder must be >= 16.
   */

  body = r->file_size - SPOOL_HEADER_LEN;
  rem  = body % SPOOL_CCHUNK;
  if (rem < SPOOL_TAG_LEN)
  {
    *error_r = "the spool file has an impossible length (truncated or extended)";
    return (false);
  }

  r->nchunks    = body / SPOOL_CCHUNK + 1;
  r->last_len   = (size_t)(rem - SPOOL_TAG_LEN);
  r->plain_size = (r->nchunks - 1) * SPOOL_CHUNK + r->last_len;

  return (true);
}


/*
 * 'reader_unwrap()' - Unwrap the DEK and key the reader's cipher context.
 */

static bool
reader_unwrap(gw_spool_reader_t *r, const gw_wrapped_key_t *key, const char **error_r)
{
  unsigned char aad[64], dek[GW_KEY_LEN], tag[SPOOL_TAG_LEN];
  size_t        aadlen = wrap_aad(aad, get_be32(key->bytes), r->job_id, r->docnum);
  bool          ok;

  memcpy(tag, key->bytes + WRAP_TAG_OFF, SPOOL_TAG_LEN);
  if (!gcm_oneshot(false, gwKeysGet(r->spool->keys, GW_KEY_SPOOL_KEK), key->bytes + WRAP_NONCE_OFF, aad, aadlen,
                   key->bytes + WRAP_CT_OFF, GW_KEY_LEN, dek, tag))
  {
    *error_r = "the data key does not unwrap (wrong key, job or document)";
    return (false);
  }

  ok = (r->ctx = EVP_CIPHER_CTX_new()) != NULL && EVP_CipherInit_ex2(r->ctx, EVP_aes_256_gcm(), dek, NULL, 0, NULL) == 1;
  OPENSSL_cleanse(dek, sizeof(dek));
  if (!ok)
    *error_r = "unable to set up decryption";

  return (ok);
}


/*
 * 'gwSpoolReaderOpen()' - Open a committed document for reading with its
 *                         wrapped key.  Refuses (NULL, *error_r and a log
 *                         line) a damaged header, an impossible length,
 *                         a file of another job/document and a key that
 *                         does not unwrap.
 */

gw_spool_reader_t *
gwSpoolReaderOpen(gw_spool_t *spool, const char *job_id, unsigned docnum, const gw_wrapped_key_t *key, const char **error_r)
{
  gw_spool_reader_t *r;
  unsigned char      hdr[SPOOL_HEADER_LEN];
  char               name[SPOOL_NAME_MAX];
  struct stat        st;
  const char        *error = NULL;

  if (!error_r)
    error_r = &error;

  if (!spool || !key || !make_name(job_id, docnum, name))
  {
    *error_r = "the job id is not valid";
    return (NULL);
  }

  if ((r = calloc(1, sizeof(gw_spool_reader_t))) == NULL)
  {
    *error_r = "out of memory";
    return (NULL);
  }

  r->spool  = spool;
  r->docnum = docnum;
  memcpy(r->job_id, job_id, GW_UUID_LEN + 1);

  if ((r->fd = openat(spool->jobs_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
  {
    *error_r = errno == ENOENT ? "the spool file is missing" : "the spool file cannot be opened";
    gwLog(spool->log, GW_LOG_ERROR, "Unable to open the spool file of job %s document %u: %s", job_id, docnum, strerror(errno));
    reader_free(r);
    return (NULL);
  }

  if (fstat(r->fd, &st) || !S_ISREG(st.st_mode) || st.st_size < SPOOL_HEADER_LEN + SPOOL_TAG_LEN ||
      pread(r->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
  {
    *error_r = "the spool file is too short or unreadable";
    goto fail;
  }

  r->file_size = (uint64_t)st.st_size;

  if (!reader_check_header(r, hdr, key, error_r) || !make_aad(hdr, job_id, docnum, r->aad) || !reader_unwrap(r, key, error_r))
    goto fail;

  if ((r->plain = malloc(SPOOL_CHUNK)) == NULL || (r->in = malloc(SPOOL_BATCH * SPOOL_CCHUNK)) == NULL)
  {
    *error_r = "out of memory";
    goto fail;
  }

  r->offset = SPOOL_HEADER_LEN;
  posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  return (r);

  fail:

  gwLog(spool->log, GW_LOG_ERROR, "Refusing the spool file of job %s document %u: %s.", job_id, docnum, *error_r ? *error_r : "unknown error");
  reader_free(r);

  return (NULL);
}


/*
 * 'reader_fill()' - Read ahead up to SPOOL_BATCH whole sealed chunks.
 */

static bool
reader_fill(gw_spool_reader_t *r)
{
  uint64_t want = r->file_size - r->offset;
  size_t   got = 0;

  if (want > SPOOL_BATCH * SPOOL_CCHUNK)
    want = SPOOL_BATCH * SPOOL_CCHUNK;

  while (got < want)
  {
    ssize_t n = pread(r->fd, r->in + got, (size_t)want - got, (off_t)(r->offset + got));

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
    {
      gwLog(r->spool->log, GW_LOG_ERROR, "Unable to read the spool file of job %s document %u: %s", r->job_id, r->docnum, n < 0 ? strerror(errno) : "it became shorter while reading");
      return (false);
    }
    got += (size_t)n;
  }

  r->offset += got;
  r->in_pos  = 0;
  r->in_len  = got;

  return (true);
}


/*
 * 'reader_open_chunk()' - Decrypt and authenticate chunk r->next into dst
 *                         (its plaintext length is returned in *len_r).
 *                         On failure dst is wiped and the reader fails.
 */

static bool
reader_open_chunk(gw_spool_reader_t *r, unsigned char *dst, size_t *len_r)
{
  unsigned char  nonce[SPOOL_NONCE_LEN];
  bool           last = r->next + 1 == r->nchunks;
  size_t         len = last ? r->last_len : SPOOL_CHUNK;
  unsigned char *src;
  int            outl = 0, finl = 0;

  if (r->in_pos + len + SPOOL_TAG_LEN > r->in_len)
  {
    if (r->in_pos != r->in_len || !reader_fill(r) || len + SPOOL_TAG_LEN > r->in_len)
    {
      r->failed = true;
      return (false);
    }
  }

  src = r->in + r->in_pos;
  make_nonce(nonce, r->next, last);

  if (EVP_CipherInit_ex2(r->ctx, NULL, NULL, nonce, 0, NULL) != 1 ||
      EVP_CipherUpdate(r->ctx, NULL, &outl, r->aad, SPOOL_AAD_LEN) != 1 ||
      (len > 0 && EVP_CipherUpdate(r->ctx, dst, &outl, src, (int)len) != 1) ||
      EVP_CIPHER_CTX_ctrl(r->ctx, EVP_CTRL_AEAD_SET_TAG, SPOOL_TAG_LEN, src + len) != 1 ||
      EVP_CipherFinal_ex(r->ctx, dst + len, &finl) != 1)
  {
    OPENSSL_cleanse(dst, len);
    gwLog(r->spool->log, GW_LOG_ERROR, "Spool file of job %s document %u: chunk %llu of %llu failed authentication (damaged, truncated, reordered or tampered with, or the wrong key).",
          r->job_id, r->docnum, (unsigned long long)r->next, (unsigned long long)r->nchunks);
    r->failed = true;
    return (false);
  }

  r->in_pos += len + SPOOL_TAG_LEN;
  r->next ++;
  *len_r = len;

  return (true);
}


/*
 * 'gwSpoolReaderRead()' - Read up to len decrypted bytes.  Returns the
 *                         count, 0 at the authenticated end, or -1 (and a
 *                         log line) on any authentication or read error;
 *                         no unauthenticated byte is ever returned.
 */

ssize_t
gwSpoolReaderRead(gw_spool_reader_t *r, void *buf, size_t len)
{
  unsigned char *p = (unsigned char *)buf;
  size_t         total = 0, n;

  if (!r || r->failed || (!buf && len))
    return (-1);

  if (len > SSIZE_MAX)
    len = SSIZE_MAX;

  while (total < len)
  {
    if (r->plain_pos < r->plain_len)
    {
      n = r->plain_len - r->plain_pos;
      if (n > len - total)
        n = len - total;
      memcpy(p + total, r->plain + r->plain_pos, n);
      r->plain_pos += n;
      total        += n;
      continue;
    }

    if (r->next >= r->nchunks)
      break;

    if (len - total >= SPOOL_CHUNK || (r->next + 1 == r->nchunks && len - total >= r->last_len))
    {
      /*
       * Room for the whole chunk: decrypt in place in the caller's buffer.
       */

      if (!reader_open_chunk(r, p + total, &n))
        goto fail;
      total += n;
    }
    else
    {
      if (!reader_open_chunk(r, r->plain, &n))
        goto fail;
      r->plain_pos = 0;
      r->plain_len = n;
    }
  }

  /*
   * An empty final chunk is authenticated now, so returning the last
   * bytes of a document always means its end was authenticated too.
   */

  if (r->plain_pos == r->plain_len && r->next + 1 == r->nchunks && r->last_len == 0 && !reader_open_chunk(r, r->plain, &n))
    goto fail;

  return ((ssize_t)total);

  fail:

  OPENSSL_cleanse(p, total);

  return (-1);
}


/*
 * 'gwSpoolReaderRewind()' - Start reading again from the first byte.
 */

bool
gwSpoolReaderRewind(gw_spool_reader_t *r)
{
  if (!r)
    return (false);

  OPENSSL_cleanse(r->plain, SPOOL_CHUNK);
  r->plain_pos = r->plain_len = 0;
  r->in_pos    = r->in_len = 0;
  r->next      = 0;
  r->offset    = SPOOL_HEADER_LEN;
  r->failed    = false;

  return (true);
}


/*
 * 'gwSpoolReaderSize()' - Plaintext size, from the file length checked at
 *                         open (impossible lengths were refused there).
 */

uint64_t
gwSpoolReaderSize(gw_spool_reader_t *r)
{
  return (r ? r->plain_size : 0);
}


/*
 * 'gwSpoolReaderClose()' - Wipe and free a reader; NULL-safe.
 */

void
gwSpoolReaderClose(gw_spool_reader_t **r)
{
  if (!r || !*r)
    return;

  reader_free(*r);
  *r = NULL;
}


/*
 * 'gwSpoolVerify()' - Decrypt a whole document to nowhere: true only if
 *                     the header, the key and every chunk authenticate.
 *                     Use before streaming to a printer, so that a damaged
 *                     file never prints half a job.
 */

bool
gwSpoolVerify(gw_spool_t *spool, const char *job_id, unsigned docnum, const gw_wrapped_key_t *key, const char **error_r)
{
  gw_spool_reader_t *r;
  unsigned char     *buf;
  ssize_t            n;
  const char        *error = NULL;
  const size_t       bufsize = SPOOL_BATCH * SPOOL_CHUNK;

  if (!error_r)
    error_r = &error;

  if ((r = gwSpoolReaderOpen(spool, job_id, docnum, key, error_r)) == NULL)
    return (false);

  if ((buf = malloc(bufsize)) == NULL)
  {
    *error_r = "out of memory";
    gwSpoolReaderClose(&r);
    return (false);
  }

  while ((n = gwSpoolReaderRead(r, buf, bufsize)) > 0);

  OPENSSL_cleanse(buf, bufsize);
  free(buf);
  gwSpoolReaderClose(&r);

  if (n < 0)
  {
    *error_r = "the spool file failed authentication (damaged or tampered with)";
    return (false);
  }

  return (true);
}
