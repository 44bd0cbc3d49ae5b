/*
 * spool-reader.c - reading a document from the encrypted spool: check the
 *                  header and the length, unwrap the data key, decrypt and
 *                  authenticate chunk by chunk; and verify a whole file.
 *                  See spool.h and docs/spool-format.md.
 */

#include "spool-private.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/*
 * 'reader_free()' - Wipe and free a reader.
 */

static void
reader_free(gw_spool_reader_t *r)
{
  if (r->fd >= 0)
    close(r->fd);
  _gwAeadDelete(&r->aead);
  if (r->plain)
  {
    gwWipe(r->plain, SPOOL_CHUNK);
    free(r->plain);
  }
  free(r->in);
  free(r->image);                       /* Ciphertext only */
  gwWipe(r, sizeof(*r));
  free(r);
}


static bool reader_setup(gw_spool_reader_t *r, const unsigned char hdr[SPOOL_HEADER_LEN], const gw_wrapped_key_t *key, const char **error_r);


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

  if (memcmp(hdr + HDR_JOB_ID, r->job_id, GW_UUID_LEN) || _gwSpoolGetBE32(hdr + HDR_DOCNUM) != r->docnum)
  {
    *error_r = "the spool file belongs to another job or document";
    return (false);
  }

  /*
   * The wrapped key names the KEK that can unwrap it.  The header's kek_id
   * records the KEK the file was first written under: it is covered by the
   * AAD but not compared, so that a key rotation can re-wrap the DEKs in
   * the store without rewriting spool files (docs/keys.md).
   */

  if (_gwSpoolGetBE32(key->bytes) != gwKeysGetKekId(spool->keys))
  {
    *error_r = "the data key was wrapped under another root key";
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
  size_t        aadlen = _gwSpoolWrapAAD(aad, _gwSpoolGetBE32(key->bytes), r->job_id, r->docnum);
  bool          ok;

  memcpy(tag, key->bytes + WRAP_TAG_OFF, SPOOL_TAG_LEN);
  if (!_gwSpoolGCM(false, gwKeysGet(r->spool->keys, GW_KEY_SPOOL_KEK), key->bytes + WRAP_NONCE_OFF, aad, aadlen,
                   key->bytes + WRAP_CT_OFF, GW_KEY_LEN, dek, tag))
  {
    *error_r = "the data key does not unwrap (wrong key, job or document)";
    return (false);
  }

  ok = (r->aead = _gwAeadNew(dek, false)) != NULL;
  gwWipe(dek, sizeof(dek));
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

  if (!spool || !key || !_gwSpoolMakeName(job_id, docnum, name))
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

  if ((r->fd = openat(spool->jobs_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
  {
    *error_r = errno == ENOENT ? "the spool file is missing" : "the spool file cannot be opened";
    gwLog(spool->log, GW_LOG_ERROR, "Unable to open the spool file of job %s document %u: %s", job_id, docnum, strerror(errno));
    reader_free(r);
    return (NULL);
  }

  if (fstat(r->fd, &st) || !S_ISREG(st.st_mode))
  {
    *error_r = "the spool file cannot be read";
    goto fail;
  }

  if (st.st_size < SPOOL_HEADER_LEN + SPOOL_TAG_LEN)
  {
    *error_r = "the spool file has an impossible length (truncated or extended)";
    goto fail;
  }

  if (pread(r->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
  {
    *error_r = "the spool file cannot be read";
    goto fail;
  }

  r->file_size = (uint64_t)st.st_size;

  if (!reader_setup(r, hdr, key, error_r))
    goto fail;

  posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  return (r);

  fail:

  gwLog(spool->log, GW_LOG_ERROR, "Refusing the spool file of job %s document %u: %s.", job_id, docnum, *error_r ? *error_r : "unknown error");
  reader_free(r);

  return (NULL);
}


/*
 * 'reader_setup()' - Check the header and length (r->file_size), unwrap
 *                    the key and get the buffers.
 */

static bool
reader_setup(gw_spool_reader_t *r, const unsigned char hdr[SPOOL_HEADER_LEN], const gw_wrapped_key_t *key, const char **error_r)
{
  if (!reader_check_header(r, hdr, key, error_r) || !_gwSpoolMakeAAD(hdr, r->job_id, r->docnum, r->aad) || !reader_unwrap(r, key, error_r))
    return (false);

  /*
   * Read-ahead sized to the file: most documents are far below the 1 MiB
   * batch, and a fresh 1 MiB buffer costs page faults on every release.
   */

  r->in_size = SPOOL_BATCH * SPOOL_CCHUNK;
  if (r->file_size - SPOOL_HEADER_LEN < r->in_size)
    r->in_size = (size_t)(r->file_size - SPOOL_HEADER_LEN);

  if ((r->plain = malloc(SPOOL_CHUNK)) == NULL || (r->in = malloc(r->in_size)) == NULL)
  {
    *error_r = "out of memory";
    return (false);
  }

  r->offset = SPOOL_HEADER_LEN;

  return (true);
}


/*
 * 'gwSpoolReaderOpenImage()' - gwSpoolReaderOpen() over the bytes a file
 *                              would hold, kept elsewhere (a small
 *                              original in the store, gwSpoolWriterImage()):
 *                              the same checks, the same authentication.
 */

gw_spool_reader_t *
gwSpoolReaderOpenImage(gw_spool_t *spool, const char *job_id, unsigned docnum, const gw_wrapped_key_t *key, const void *image, size_t len, const char **error_r)
{
  unsigned char *copy = NULL;

  if (image && len > 0 && (copy = malloc(len)) == NULL)
  {
    if (error_r)
      *error_r = "out of memory";
    return (NULL);
  }
  if (copy)
    memcpy(copy, image, len);

  return (_gwSpoolReaderAdoptImage(spool, job_id, docnum, key, copy, len, error_r));   /* No image: refused there */
}


/*
 * '_gwSpoolReaderAdoptImage()' - gwSpoolReaderOpenImage() over a malloc'd
 *                                image the reader takes (freed with it, or
 *                                here on failure): no second copy.
 */

gw_spool_reader_t *
_gwSpoolReaderAdoptImage(gw_spool_t *spool, const char *job_id, unsigned docnum, const gw_wrapped_key_t *key, unsigned char *image, size_t len, const char **error_r)
{
  gw_spool_reader_t *r;
  const char        *error = NULL;

  if (!error_r)
    error_r = &error;

  if (!spool || !key || !image || !job_id || !gwUUIDValid(job_id))
  {
    free(image);
    *error_r = "the job id is not valid";
    return (NULL);
  }

  if ((r = calloc(1, sizeof(gw_spool_reader_t))) == NULL)
  {
    free(image);
    *error_r = "out of memory";
    return (NULL);
  }

  r->spool     = spool;
  r->docnum    = docnum;
  r->fd        = -1;
  r->image     = image;
  r->file_size = len;
  memcpy(r->job_id, job_id, GW_UUID_LEN + 1);

  if (len < SPOOL_HEADER_LEN + SPOOL_TAG_LEN)
    *error_r = "the spool file has an impossible length (truncated or extended)";
  else if (reader_setup(r, r->image, key, error_r))
    return (r);

  gwLog(spool->log, GW_LOG_ERROR, "Refusing the stored original of job %s document %u: %s.", job_id, docnum, *error_r ? *error_r : "unknown error");
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

  if (want > r->in_size)
    want = r->in_size;

  if (r->image)
  {
    memcpy(r->in, r->image + r->offset, (size_t)want);
    got = (size_t)want;
  }

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

  if (r->in_pos + len + SPOOL_TAG_LEN > r->in_len)
  {
    if (r->in_pos != r->in_len || !reader_fill(r) || len + SPOOL_TAG_LEN > r->in_len)
    {
      r->failed = true;
      return (false);
    }
  }

  src = r->in + r->in_pos;
  _gwSpoolMakeNonce(nonce, r->next, last);

  if (!_gwAeadOpen(r->aead, nonce, r->aad, SPOOL_AAD_LEN, src, len, dst, src + len))
  {
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

  gwWipe(p, total);

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

  gwWipe(r->plain, SPOOL_CHUNK);
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
 * 'gwSpoolReaderVerify()' - Decrypt the rest of a document to nowhere from
 *                           its start, then rewind: true only if the
 *                           header, the key and every chunk authenticate.
 *
 * Use before streaming to a printer, so that a damaged file never prints
 * half a job.  The check and the send read the same descriptor, so the
 * bytes that were checked are the bytes that are sent: there is no second
 * open of the path, and no window to swap the file between the two.
 */

bool
gwSpoolReaderVerify(gw_spool_reader_t *r, const char **error_r)
{
  unsigned char *buf;
  ssize_t        n;
  const char    *error = NULL;
  size_t         bufsize = SPOOL_BATCH * SPOOL_CHUNK;

  if (!error_r)
    error_r = &error;

  if (!r || !gwSpoolReaderRewind(r))
  {
    *error_r = "no spool file to verify";
    return (false);
  }

  if (gwSpoolReaderSize(r) < bufsize)
    bufsize = (size_t)gwSpoolReaderSize(r) + 1;

  if ((buf = malloc(bufsize)) == NULL)
  {
    *error_r = "out of memory";
    return (false);
  }

  while ((n = gwSpoolReaderRead(r, buf, bufsize)) > 0);

  gwWipe(buf, bufsize);
  free(buf);

  if (n < 0)
  {
    *error_r = "the spool file failed authentication (damaged or tampered with)";
    return (false);
  }

  return (gwSpoolReaderRewind(r));
}


/*
 * 'gwSpoolVerify()' - Open a document and verify it (gwSpoolReaderVerify()).
 */

bool
gwSpoolVerify(gw_spool_t *spool, const char *job_id, unsigned docnum, const gw_wrapped_key_t *key, const char **error_r)
{
  gw_spool_reader_t *r;
  const char        *error = NULL;
  bool               ok;

  if (!error_r)
    error_r = &error;

  if ((r = gwSpoolReaderOpen(spool, job_id, docnum, key, error_r)) == NULL)
    return (false);

  ok = gwSpoolReaderVerify(r, error_r);
  gwSpoolReaderClose(&r);

  return (ok);
}
