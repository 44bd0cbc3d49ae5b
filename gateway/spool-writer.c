/*
 * spool-writer.c - writing a document into the encrypted spool: encrypt
 *                  as bytes arrive, finish (final chunk, fsync, wrap the
 *                  data key), commit (rename into jobs/) or abort.  See
 *                  spool.h and docs/spool-format.md.
 */

#include "spool-private.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void io_stop(gw_spool_writer_t *w);


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
  _gwSpoolPutBE32(hdr + HDR_KEK_ID, kek_id);
  _gwSpoolPutBE32(hdr + HDR_DOCNUM, docnum);
  memcpy(hdr + HDR_JOB_ID, job_id, GW_UUID_LEN);
}


/*
 * 'writer_free()' - Wipe and free a writer (the file is left alone).
 */

static void
writer_free(gw_spool_writer_t *w)
{
  io_stop(w);
  if (w->fd >= 0)
    close(w->fd);
  _gwAeadDelete(&w->aead);
  if (w->plain)
  {
    gwWipe(w->plain, SPOOL_CHUNK);
    free(w->plain);
  }
  free(w->out);
  gwWipe(w, sizeof(*w));
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
  int                flags;

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
  _gwSpoolMakeName(job_id, docnum, w->name);

  if ((w->plain = malloc(SPOOL_CHUNK)) == NULL || posix_memalign((void **)&w->out, 4096, SPOOL_BUFSIZE))
  {
    *error_r = "out of memory";
    writer_free(w);
    return (NULL);
  }

  if (!gwRandomBytes(w->dek, sizeof(w->dek)) || (w->aead = _gwAeadNew(w->dek, true)) == NULL)
  {
    *error_r = "unable to set up encryption";
    writer_free(w);
    return (NULL);
  }

  make_header(hdr, gwKeysGetKekId(spool->keys), job_id, docnum);
  if (!_gwSpoolMakeAAD(hdr, job_id, docnum, w->aad))
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

  /*
   * Sealed batches are written with O_DIRECT where the file system takes
   * it: a large upload then costs no copy into the page cache (the largest
   * cost of an upload on a VM, docs/benchmarks.md) and the fsync() at the
   * end has nothing left to write.  w->out is aligned for it.
   */

  if ((flags = fcntl(w->fd, F_GETFL)) >= 0 && fcntl(w->fd, F_SETFL, flags | O_DIRECT) == 0)
    w->direct = true;

  memcpy(w->out, hdr, SPOOL_HEADER_LEN);
  w->out_len = SPOOL_HEADER_LEN;

  return (w);
}


/*
 * A document larger than one batch is written by a thread of its own: the
 * listener thread hands each full batch over and encrypts the next one
 * while the disk takes the last (O_DIRECT writes wait for the device).
 * One batch at most is in flight; the next hand-over waits for it.
 */

struct spool_io_s
{
  pthread_t       thread;
  pthread_mutex_t lock;
  pthread_cond_t  cond;
  int             fd;                     /* The writer's file */
  unsigned char  *buf;                    /* The batch in flight, or the spare buffer */
  size_t          len;
  bool            busy;                   /* buf holds a batch to write */
  bool            stop;                   /* Leave once buf is written */
  bool            undirect;               /* O_DIRECT was turned off on the way */
  int             error;                  /* errno of a failed write, or 0 */
};


/*
 * 'write_all()' - Write len bytes; 0 or an errno.  A write the file system
 *                 refuses under O_DIRECT (EINVAL: its block size is above
 *                 SPOOL_DIRECT_ALIGN) turns O_DIRECT off and goes on
 *                 through the page cache (*undirect set).
 */

static int
write_all(int fd, const unsigned char *buf, size_t len, bool *undirect)
{
  size_t done = 0;

  while (done < len)
  {
    ssize_t n = write(fd, buf + done, len - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EINVAL)
    {
      int flags = fcntl(fd, F_GETFL);

      if (flags >= 0 && (flags & O_DIRECT) && fcntl(fd, F_SETFL, flags & ~O_DIRECT) == 0)
      {
        *undirect = true;
        continue;
      }
      errno = EINVAL;
    }
    if (n <= 0)
      return (n < 0 ? errno : EIO);
    done += (size_t)n;
  }

  return (0);
}


/*
 * 'io_run()' - The I/O thread: write each batch handed over until stopped.
 */

static void *
io_run(void *arg)
{
  spool_io_t *io = (spool_io_t *)arg;

  pthread_mutex_lock(&io->lock);
  for (;;)
  {
    bool undirect = false;
    int  error;

    while (!io->busy && !io->stop)
      pthread_cond_wait(&io->cond, &io->lock);
    if (!io->busy)
      break;

    pthread_mutex_unlock(&io->lock);
    error = io->error ? 0 : write_all(io->fd, io->buf, io->len, &undirect);
    pthread_mutex_lock(&io->lock);

    if (error)
      io->error = error;
    io->undirect |= undirect;
    io->busy      = false;
    pthread_cond_broadcast(&io->cond);
  }
  pthread_mutex_unlock(&io->lock);

  return (NULL);
}


/*
 * 'io_start()' - Start the I/O thread (with a spare batch buffer); false
 *                when it cannot be had (then writes stay synchronous).
 */

static bool
io_start(gw_spool_writer_t *w)
{
  spool_io_t     *io;
  pthread_attr_t  attr;
  bool            ok;

  if ((io = calloc(1, sizeof(spool_io_t))) == NULL)
    return (false);
  if (posix_memalign((void **)&io->buf, SPOOL_DIRECT_ALIGN, SPOOL_BUFSIZE))
  {
    free(io);
    return (false);
  }

  io->fd = w->fd;
  pthread_mutex_init(&io->lock, NULL);
  pthread_cond_init(&io->cond, NULL);
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  ok = pthread_create(&io->thread, &attr, io_run, io) == 0;
  pthread_attr_destroy(&attr);

  if (!ok)
  {
    pthread_cond_destroy(&io->cond);
    pthread_mutex_destroy(&io->lock);
    free(io->buf);
    free(io);
    return (false);
  }

  w->io = io;

  return (true);
}


/*
 * 'io_wait()' - Wait until no batch is in flight; false (logged, the
 *               writer failed) when one could not be written.
 */

static bool
io_wait(gw_spool_writer_t *w)
{
  spool_io_t *io = w->io;
  int         error;

  if (!io)
    return (true);

  pthread_mutex_lock(&io->lock);
  while (io->busy)
    pthread_cond_wait(&io->cond, &io->lock);
  error = io->error;
  if (io->undirect)
    w->direct = false;
  pthread_mutex_unlock(&io->lock);

  if (error)
  {
    gwLog(w->spool->log, GW_LOG_ERROR, "Unable to write the spool file %s/%s: %s", w->spool->incoming, w->name, strerror(error));
    w->failed = true;
    return (false);
  }

  return (true);
}


/*
 * 'io_stop()' - Let the batch in flight finish, stop and free the I/O
 *               thread.  NULL-safe.
 */

static void
io_stop(gw_spool_writer_t *w)
{
  spool_io_t *io = w->io;

  if (!io)
    return;

  pthread_mutex_lock(&io->lock);
  io->stop = true;
  pthread_cond_broadcast(&io->cond);
  pthread_mutex_unlock(&io->lock);
  pthread_join(io->thread, NULL);

  if (io->undirect)
    w->direct = false;
  pthread_cond_destroy(&io->cond);
  pthread_mutex_destroy(&io->lock);
  free(io->buf);
  free(io);
  w->io = NULL;
}


/*
 * 'writer_kick()' - Large documents through the page cache: start writeback
 *                   of what was written so far, so the disk works while
 *                   the next chunks are encrypted and the fsync() at the
 *                   end has little left to do.  Advisory only: errors
 *                   surface at fsync().
 */

static void
writer_kick(gw_spool_writer_t *w)
{
  if (!w->direct && w->written - w->kicked >= SPOOL_WRITEBACK)
  {
    sync_file_range(w->fd, (off_t)w->kicked, (off_t)(w->written - w->kicked), SYNC_FILE_RANGE_WRITE);
    w->kicked = w->written;
  }
}


/*
 * 'writer_write()' - Write the first len sealed bytes of w->out here (not
 *                    on the I/O thread) and keep the rest at its front.
 */

static bool
writer_write(gw_spool_writer_t *w, size_t len)
{
  bool undirect = false;
  int  error    = write_all(w->fd, w->out, len, &undirect);

  if (undirect)
    w->direct = false;
  if (error)
  {
    gwLog(w->spool->log, GW_LOG_ERROR, "Unable to write the spool file %s/%s: %s", w->spool->incoming, w->name, strerror(error));
    w->failed = true;
    return (false);
  }
  if (len < w->out_len)
    memmove(w->out, w->out + len, w->out_len - len);
  w->written += len;
  w->out_len -= len;
  writer_kick(w);

  return (true);
}


/*
 * 'writer_flush()' - Write the sealed bytes in w->out.  With O_DIRECT only
 *                    whole blocks go unless 'all' (the end): the tail
 *                    (< SPOOL_DIRECT_ALIGN bytes) moves to the front of
 *                    w->out and goes with the next batch.  A batch that is
 *                    not the end goes to the I/O thread (started at the
 *                    first); the end is written here, after the thread's.
 */

static bool
writer_flush(gw_spool_writer_t *w, bool all)
{
  size_t len;

  if (!io_wait(w))
    return (false);

  if (all && w->direct)
  {
    /*
     * The end: its whole blocks still without the page cache (a document
     * of one batch, up to ~1 MiB, is all end), only the tail through it.
     */

    int flags;

    if (w->out_len >= SPOOL_DIRECT_ALIGN && !writer_write(w, w->out_len & ~(size_t)(SPOOL_DIRECT_ALIGN - 1)))
      return (false);
    if ((flags = fcntl(w->fd, F_GETFL)) >= 0)
      fcntl(w->fd, F_SETFL, flags & ~O_DIRECT);
    w->direct = false;
  }

  len = w->direct ? w->out_len & ~(size_t)(SPOOL_DIRECT_ALIGN - 1) : w->out_len;

  if (!all && len > 0 && (w->io || io_start(w)))
  {
    spool_io_t    *io   = w->io;
    unsigned char *full = w->out;

    /*
     * The thread is idle (io_wait() above): the tail goes to the front of
     * the spare buffer, which becomes w->out, and the full one is handed
     * over.
     */

    memcpy(io->buf, full + len, w->out_len - len);
    pthread_mutex_lock(&io->lock);
    w->out   = io->buf;
    io->buf  = full;
    io->len  = len;
    io->busy = true;
    pthread_cond_broadcast(&io->cond);
    pthread_mutex_unlock(&io->lock);
  }
  else
    return (writer_write(w, len));

  w->written += len;
  w->out_len -= len;
  writer_kick(w);

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

  if (w->out_len + len + SPOOL_TAG_LEN > SPOOL_BUFSIZE && !writer_flush(w, false))
    return (false);

  dst = w->out + w->out_len;
  _gwSpoolMakeNonce(nonce, w->chunk, last);

  if (!_gwAeadSeal(w->aead, nonce, w->aad, SPOOL_AAD_LEN, src, len, dst, dst + len))
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

  if (!writer_seal(w, w->plain, w->plain_len, true) || !writer_flush(w, true))
    return (false);
  gwWipe(w->plain, SPOOL_CHUNK);
  w->plain_len = 0;
  io_stop(w);

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
  _gwSpoolPutBE32(key->bytes, kek_id);
  aadlen = _gwSpoolWrapAAD(aad, kek_id, w->job_id, w->docnum);

  if (!gwRandomBytes(key->bytes + WRAP_NONCE_OFF, SPOOL_NONCE_LEN) ||
      !_gwSpoolGCM(true, gwKeysGet(w->spool->keys, GW_KEY_SPOOL_KEK), key->bytes + WRAP_NONCE_OFF, aad, aadlen,
                   w->dek, GW_KEY_LEN, key->bytes + WRAP_CT_OFF, key->bytes + WRAP_TAG_OFF))
  {
    gwLog(w->spool->log, GW_LOG_ERROR, "Unable to wrap the data key of job %s document %u.", w->job_id, w->docnum);
    gwWipe(key, sizeof(*key));
    w->failed = true;
    return (false);
  }

  gwWipe(w->dek, sizeof(w->dek));
  _gwAeadDelete(&w->aead);
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

  io_stop(*w);
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
