/*
 * spool-writer.c - writing a document into the encrypted spool: encrypt
 *                  as bytes arrive, finish (final chunk, fsync, wrap the
 *                  data key), commit (rename into jobs/) or abort.  See
 *                  spool.h and docs/spool-format.md.
 */

#include "spool-private.h"
#include "printgate/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void wb_stop(gw_spool_writer_t *w);
static gw_spool_writer_t *writer_new(gw_spool_t *spool, const char *job_id, unsigned docnum, bool deferred, const char **error_r);
static bool writer_create(gw_spool_writer_t *w, const char **error_r);


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
 * Output buffers: each writer needs SPOOL_OUTSIZE (~2 MiB, aligned for
 * O_DIRECT).  Allocated per document, a 100 KB Print-Job paid an mmap, a
 * page fault per 4 KiB it touched and an munmap with its TLB shoot-down on
 * every thread of the daemon (docs/benchmarks.md, fifth IPP round).  So a
 * freed writer's buffer is kept for the next one, up to SPOOL_SPARE_BUFS:
 * as many as the uploads a busy gateway takes at once (with 8, 32 clients
 * still paid that per job for the writers past the eighth:
 * docs/benchmarks.md, eleventh IPP round).  Once no writer holds a buffer
 * the spares past SPOOL_SPARE_IDLE are freed, so a burst does not leave
 * its peak resident.  The buffer only ever holds sealed (encrypted) bytes
 * and the header.
 */

/*
 * 'buffer_get()' - A kept output buffer, or a new one (NULL when out of memory).
 */

static unsigned char *
buffer_get(gw_spool_t *spool)
{
  unsigned char *buf = NULL;

  pthread_mutex_lock(&spool->pool_lock);
  if (spool->nspare > 0)
    buf = spool->spare[-- spool->nspare];
  spool->nbusy ++;                      /* Counted now; taken back below if none can be had */
  pthread_mutex_unlock(&spool->pool_lock);

  if (!buf && posix_memalign((void **)&buf, SPOOL_DIRECT_ALIGN, SPOOL_OUTSIZE))
  {
    pthread_mutex_lock(&spool->pool_lock);
    spool->nbusy --;
    pthread_mutex_unlock(&spool->pool_lock);
    buf = NULL;
  }

  return (buf);
}


/*
 * 'buffer_put()' - Keep an output buffer for the next writer, or free it;
 *                  the last one given back frees the spares past
 *                  SPOOL_SPARE_IDLE (NULL-safe).
 */

static void
buffer_put(gw_spool_t *spool, unsigned char *buf)
{
  unsigned char *extra[SPOOL_SPARE_BUFS];
  int            nextra = 0;

  if (!buf)
    return;

  if (!spool)
  {
    free(buf);
    return;
  }

  pthread_mutex_lock(&spool->pool_lock);
  spool->nbusy --;
  if (spool->nspare < SPOOL_SPARE_BUFS)
  {
    spool->spare[spool->nspare ++] = buf;
    buf = NULL;
  }
  while (spool->nbusy == 0 && spool->nspare > SPOOL_SPARE_IDLE)
    extra[nextra ++] = spool->spare[-- spool->nspare];
  pthread_mutex_unlock(&spool->pool_lock);

  free(buf);
  while (nextra > 0)
    free(extra[-- nextra]);
}


/*
 * '_gwSpoolSpareCount()' - Output buffers kept for the next writers, and
 *                          (nbusy_r, may be NULL) those writers hold now
 *                          (tests).
 */

int
_gwSpoolSpareCount(gw_spool_t *spool, int *nbusy_r)
{
  int n;

  pthread_mutex_lock(&spool->pool_lock);
  n = spool->nspare;
  if (nbusy_r)
    *nbusy_r = spool->nbusy;
  pthread_mutex_unlock(&spool->pool_lock);

  return (n);
}


/*
 * 'writer_free()' - Wipe and free a writer (the file is left alone).
 */

static void
writer_free(gw_spool_writer_t *w)
{
  wb_stop(w);
  if (w->fd >= 0)
    close(w->fd);
  _gwAeadDelete(&w->aead);
  buffer_put(w->spool, w->out);
  pthread_cond_destroy(&w->commit_cond);
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
  return (writer_new(spool, job_id, docnum, false, error_r));
}


/*
 * 'gwSpoolWriterNewDeferred()' - The same, but the file is only made when
 *                                the first sealed bytes go to the disk: a
 *                                small document whose sealed image the
 *                                caller keeps elsewhere (gwSpoolWriterImage())
 *                                never touches the spool's folders.
 */

gw_spool_writer_t *
gwSpoolWriterNewDeferred(gw_spool_t *spool, const char *job_id, unsigned docnum, const char **error_r)
{
  return (writer_new(spool, job_id, docnum, true, error_r));
}


/*
 * 'writer_create()' - Make the writer's file in incoming/: a recycled one
 *                     when there is one (spool.c), else a new one.  False
 *                     (logged, *error_r) on failure.
 */

static bool
writer_create(gw_spool_writer_t *w, const char **error_r)
{
  gw_spool_t *spool = w->spool;
  int         flags;

  if ((w->fd = _gwSpoolFreeTake(spool, w->name, w->docnum == 0)) < 0 &&
      (errno == EEXIST || (w->fd = openat(spool->incoming_fd, w->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0))
  {
    *error_r = errno == EEXIST ? "this document is already being written" : "unable to create the spool file";
    gwLog(spool->log, GW_LOG_ERROR, "Unable to create %s/%s: %s", spool->incoming, w->name, strerror(errno));
    return (false);
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

  return (true);
}


/*
 * 'writer_new()' - gwSpoolWriterNew(), with the file made now or
 *                  ('deferred') at the first write.
 */

static gw_spool_writer_t *
writer_new(gw_spool_t *spool, const char *job_id, unsigned docnum, bool deferred, const char **error_r)
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
  pthread_cond_init(&w->commit_cond, NULL);
  memcpy(w->job_id, job_id, GW_UUID_LEN + 1);
  _gwSpoolMakeName(job_id, docnum, w->name);

  if ((w->out = buffer_get(spool)) == NULL)
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

  if (!deferred && !writer_create(w, error_r))
  {
    writer_free(w);
    return (NULL);
  }

  memcpy(w->out, hdr, SPOOL_HEADER_LEN);
  w->out_len = SPOOL_HEADER_LEN;

  return (w);
}


/*
 * A large writer's write-behind lanes (below) each run on a
 * spool_thread_t: started with a small stack, stopped by setting 'stop'
 * under the lock and joined.  A lane leaves once it has nothing left to
 * write and 'stop' is set.
 */

typedef struct spool_thread_s
{
  pthread_t       thread;
  pthread_mutex_t lock;
  pthread_cond_t  cond;
  bool            stop;                   /* Leave once the work handed over is done */
} spool_thread_t;


/*
 * 'thread_start()' - Start run(arg) on t; false when it cannot be had.
 */

static bool
thread_start(spool_thread_t *t, void *(*run)(void *), void *arg)
{
  pthread_attr_t attr;
  bool           ok;

  pthread_mutex_init(&t->lock, NULL);
  pthread_cond_init(&t->cond, NULL);
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  ok = pthread_create(&t->thread, &attr, run, arg) == 0;
  pthread_attr_destroy(&attr);

  if (!ok)
  {
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->lock);
  }

  return (ok);
}


/*
 * 'thread_stop()' - Ask t to stop once its work is done, and join it.
 */

static void
thread_stop(spool_thread_t *t)
{
  pthread_mutex_lock(&t->lock);
  t->stop = true;
  pthread_cond_broadcast(&t->cond);
  pthread_mutex_unlock(&t->lock);
  pthread_join(t->thread, NULL);
  pthread_cond_destroy(&t->cond);
  pthread_mutex_destroy(&t->lock);
}


/*
 * 'write_all()' - Write len bytes at offset; 0 or an errno.  A write the file system
 *                 refuses under O_DIRECT (EINVAL: its block size is above
 *                 SPOOL_DIRECT_ALIGN) turns O_DIRECT off and goes on
 *                 through the page cache (*undirect set).
 */

static int
write_all(int fd, const unsigned char *buf, size_t len, uint64_t offset, bool *undirect)
{
  size_t done = 0;

  while (done < len)
  {
    ssize_t n = pwrite(fd, buf + done, len - done, (off_t)(offset + done));

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
 * The sealed bytes are written by write-behind threads (SPOOL_WB_LANES
 * lanes, taken in turn, each writing its round at its own offset with
 * pwrite()): the caller's thread hands each sealed round (~2 MiB) over
 * and seals the next pieces while the disk takes the last ones, so
 * AES-GCM and the disk overlap, and the disk has two requests to work on (a virtual disk's
 * throughput grows with its queue depth).  A lane takes its next round
 * once its last is written.  A lane touches only its own buffer and the
 * file descriptor.
 */

struct spool_wb_s
{
  spool_thread_t  t;                      /* The thread, its lock and condition */
  int             fd;                     /* The writer's file */
  unsigned char  *buf;                    /* The round in flight, or the spare buffer */
  size_t          len;
  uint64_t        offset;                 /* Where it goes in the file */
  bool            busy;                   /* buf holds a round to write */
  bool            undirect;               /* O_DIRECT was turned off on the way */
  int             error;                  /* errno of a failed write, or 0 */
};


/*
 * 'wb_run()' - The write-behind thread: write each round handed over
 *              until stopped.
 */

static void *
wb_run(void *arg)
{
  spool_wb_t *wb = (spool_wb_t *)arg;

  pthread_setname_np(pthread_self(), "pg-spool-write");   /* Seen in top -H and ps -L */
  pthread_mutex_lock(&wb->t.lock);
  for (;;)
  {
    bool undirect = false;
    int  error;

    while (!wb->busy && !wb->t.stop)
      pthread_cond_wait(&wb->t.cond, &wb->t.lock);
    if (!wb->busy)
      break;

    pthread_mutex_unlock(&wb->t.lock);
    error = wb->error ? 0 : write_all(wb->fd, wb->buf, wb->len, wb->offset, &undirect);
    pthread_mutex_lock(&wb->t.lock);

    if (error)
      wb->error = error;
    wb->undirect |= undirect;
    wb->busy      = false;
    pthread_cond_broadcast(&wb->t.cond);
  }
  pthread_mutex_unlock(&wb->t.lock);

  return (NULL);
}


/*
 * 'wb_start()' - Start a write-behind lane (with a spare sealed buffer);
 *                false when it cannot be had (then writes stay
 *                synchronous).
 */

static bool
wb_start(gw_spool_writer_t *w, spool_wb_t **lane)
{
  spool_wb_t *wb;

  if ((wb = calloc(1, sizeof(spool_wb_t))) == NULL)
    return (false);
  if (posix_memalign((void **)&wb->buf, SPOOL_DIRECT_ALIGN, SPOOL_OUTSIZE))
  {
    free(wb);
    return (false);
  }

  wb->fd = w->fd;
  if (!thread_start(&wb->t, wb_run, wb))
  {
    free(wb->buf);
    free(wb);
    return (false);
  }

  *lane = wb;

  return (true);
}


/*
 * 'wb_wait()' - Wait until the lane's round is written; false (logged)
 *               when one could not be written.  NULL-safe.
 */

static bool
wb_wait(gw_spool_writer_t *w, spool_wb_t *wb)
{
  int error;

  if (!wb)
    return (true);

  pthread_mutex_lock(&wb->t.lock);
  if (wb->busy)
  {
    double start = gwClockMs();

    while (wb->busy)
      pthread_cond_wait(&wb->t.cond, &wb->t.lock);
    w->wb_ms += gwClockMs() - start;
  }
  error = wb->error;
  if (wb->undirect)
    w->direct = false;
  pthread_mutex_unlock(&wb->t.lock);

  if (error)
  {
    gwLog(w->spool->log, GW_LOG_ERROR, "Unable to write the spool file %s/%s: %s", w->spool->incoming, w->name, strerror(error));
    return (false);
  }

  return (true);
}


/*
 * 'wb_stop()' - Let the rounds in flight finish, stop and free the
 *               write-behind lanes.  NULL-safe.
 */

static void
wb_stop(gw_spool_writer_t *w)
{
  for (int i = 0; i < SPOOL_WB_LANES; i ++)
  {
    spool_wb_t *wb = w->wb[i];

    if (!wb)
      continue;

    thread_stop(&wb->t);
    if (wb->undirect)
      w->direct = false;
    free(wb->buf);
    free(wb);
    w->wb[i] = NULL;
  }
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
 *                    on a write thread) and keep the rest at its front.
 */

static bool
writer_write(gw_spool_writer_t *w, size_t len)
{
  bool undirect = false;
  int  error    = write_all(w->fd, w->out, len, w->written, &undirect);

  if (undirect)
    w->direct = false;
  if (error)
  {
    gwLog(w->spool->log, GW_LOG_ERROR, "Unable to write the spool file %s/%s: %s", w->spool->incoming, w->name, strerror(error));
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
 *                    w->out and goes with the next round.  A round that is
 *                    not the end goes to the next write-behind lane
 *                    (started at its first); the end is written here,
 *                    after all the lanes'.  Logs and returns false on error (the
 *                    caller marks the writer failed).
 */

static bool
writer_flush(gw_spool_writer_t *w, bool all)
{
  spool_wb_t **lane = w->wb + w->wb_next;
  size_t       len;
  const char  *error = NULL;

  if (w->fd < 0 && !w->created && !writer_create(w, &error))
    return (false);                     /* A deferred file (gwSpoolWriterNewDeferred()) */

  for (int i = 0; i < SPOOL_WB_LANES; i ++)
  {
    if ((all || i == w->wb_next) && !wb_wait(w, w->wb[i]))
      return (false);
  }

  if (all && w->direct)
  {
    /*
     * The end: its whole blocks still without the page cache (a document
     * of one batch, up to ~1 MiB, is all end), only the tail through it.
     */

    int flags;

    if (w->out_len >= SPOOL_DIRECT_ALIGN && (w->written > 0 || w->out_len > SPOOL_BUFFERED_END) &&
        !writer_write(w, w->out_len & ~(size_t)(SPOOL_DIRECT_ALIGN - 1)))
      return (false);
    if ((flags = fcntl(w->fd, F_GETFL)) >= 0)
      fcntl(w->fd, F_SETFL, flags & ~O_DIRECT);
    w->direct = false;
  }

  len = w->direct ? w->out_len & ~(size_t)(SPOOL_DIRECT_ALIGN - 1) : w->out_len;

  if (!all && len > 0 && (*lane || wb_start(w, lane)))
  {
    spool_wb_t    *wb   = *lane;
    unsigned char *full = w->out;

    /*
     * The lane is idle (wb_wait() above): the tail goes to the front of
     * the spare buffer, which becomes w->out, and the full one is handed
     * over.
     */

    memcpy(wb->buf, full + len, w->out_len - len);
    pthread_mutex_lock(&wb->t.lock);
    w->out   = wb->buf;
    wb->buf  = full;
    wb->len    = len;
    wb->offset = w->written;
    wb->busy   = true;
    pthread_cond_broadcast(&wb->t.cond);
    pthread_mutex_unlock(&wb->t.lock);
    w->wb_next = (w->wb_next + 1) % SPOOL_WB_LANES;
  }
  else
    return (writer_write(w, len));

  w->written += len;
  w->out_len -= len;
  writer_kick(w);

  return (true);
}


/*
 * Chunks are sealed in place in the batch buffer as the pieces arrive:
 * the first byte of a chunk opens it (nonce, AAD) at the end of w->out,
 * each piece is encrypted from the caller's buffer straight behind the
 * last, and the 64 KiB-th byte closes it (its tag after it).  No
 * plaintext is copied or kept.  Only the final chunk's nonce differs (its
 * "last" bit), and the end of a document is only known at finish: there
 * writer_seal_last() turns the open chunk back into plaintext in place
 * (CTR mode: sealing again with the same nonce XORs the same key stream)
 * and seals it with the final nonce.  That costs two passes over less
 * than one chunk per document.
 */


/*
 * 'writer_open()' - Open the next chunk at the end of w->out with this
 *                   nonce, flushing first when a whole sealed chunk
 *                   would not fit.
 */

static bool
writer_open(gw_spool_writer_t *w, bool last)
{
  unsigned char nonce[SPOOL_NONCE_LEN];

  if (w->out_len + SPOOL_CCHUNK > SPOOL_OUTSIZE && !writer_flush(w, false))
    return (false);

  _gwSpoolMakeNonce(nonce, w->chunk, last);
  if (!_gwAeadSealBegin(w->aead, nonce, w->aad, SPOOL_AAD_LEN))
    return (false);

  w->open     = true;
  w->open_len = 0;

  return (true);
}


/*
 * 'writer_close()' - Close the open chunk: its tag goes after it.
 */

static bool
writer_close(gw_spool_writer_t *w)
{
  if (!_gwAeadSealEnd(w->aead, w->out + w->out_len + w->open_len))
    return (false);

  w->out_len += w->open_len + SPOOL_TAG_LEN;
  w->open     = false;
  w->open_len = 0;
  w->chunk ++;

  return (true);
}


/*
 * 'writer_seal_last()' - Seal the final chunk (0 to SPOOL_CHUNK - 1
 *                        bytes): the open chunk, re-sealed with the final
 *                        nonce, or an empty one.
 */

static bool
writer_seal_last(gw_spool_writer_t *w)
{
  unsigned char  nonce[SPOOL_NONCE_LEN], tag[SPOOL_TAG_LEN];
  unsigned char *dst;
  size_t         len = w->open ? w->open_len : 0;
  bool           ok;

  if (!w->open && !writer_open(w, true))
    return (false);

  dst = w->out + w->out_len;

  /*
   * Ciphertext back to plaintext: the same nonce's key stream again (the
   * tag of either pass is dropped), then the final seal over it.
   */

  _gwSpoolMakeNonce(nonce, w->chunk, false);
  ok = _gwAeadSealEnd(w->aead, tag) &&
       (len == 0 || (_gwAeadSealBegin(w->aead, nonce, w->aad, SPOOL_AAD_LEN) &&
                     _gwAeadSealUpdate(w->aead, dst, len, dst) && _gwAeadSealEnd(w->aead, tag)));
  _gwSpoolMakeNonce(nonce, w->chunk, true);
  ok = ok && _gwAeadSeal(w->aead, nonce, w->aad, SPOOL_AAD_LEN, dst, len, dst, dst + len);

  if (!ok)
  {
    gwWipe(dst, len);
    return (false);
  }

  w->out_len += len + SPOOL_TAG_LEN;
  w->open     = false;
  w->open_len = 0;
  w->chunk ++;

  return (true);
}


/*
 * 'gwSpoolWriterWrite()' - Encrypt and write bytes as they arrive, in
 *                          pieces of any size.  Only the batch buffer of
 *                          sealed bytes is held; the plaintext is
 *                          encrypted straight from buf and never reaches
 *                          the disk.
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
    size_t n;
    bool   ok;

    if (!w->open && !writer_open(w, false))
    {
      w->failed = true;                 /* A failed write is logged by writer_flush() */
      return (false);
    }

    if ((n = SPOOL_CHUNK - w->open_len) > len)
      n = len;
    ok           = _gwAeadSealUpdate(w->aead, p, n, w->out + w->out_len + w->open_len);
    w->open_len += n;
    p           += n;
    len         -= n;
    if (!ok || (w->open_len == SPOOL_CHUNK && !writer_close(w)))
    {
      gwLog(w->spool->log, GW_LOG_ERROR, "Unable to encrypt chunk %llu of job %s document %u.", (unsigned long long)w->chunk, w->job_id, w->docnum);
      w->failed = true;
      return (false);
    }
  }

  return (true);
}


/*
 * 'gwSpoolWriterSeal()' - Seal the final chunk and wrap the DEK into *key
 *                         (the caller stores it in the store row).  The
 *                         last sealed bytes are written by the commit
 *                         (gwSpoolWriterFinish() here, or
 *                         gwSpoolWriterCommitStart() on a commit thread,
 *                         while the caller commits its row): a write that
 *                         fails then fails the commit.  *plain_size_r (may
 *                         be NULL) gets the size.
 */

bool
gwSpoolWriterSeal(gw_spool_writer_t *w, gw_wrapped_key_t *key, uint64_t *plain_size_r)
{
  unsigned char aad[64];
  size_t        aadlen;
  uint32_t      kek_id;

  if (!w || !key || w->failed || w->sealed)
    return (false);

  if (!writer_seal_last(w))
  {
    gwLog(w->spool->log, GW_LOG_ERROR, "Unable to finish the spool file %s/%s.", w->spool->incoming, w->name);
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
  w->sealed       = true;
  w->tail_pending = true;               /* Written by writer_write_tail(), maybe on a commit thread */

  if (plain_size_r)
    *plain_size_r = w->plain_size;

  return (true);
}


/*
 * 'gwSpoolWriterImage()' - The whole sealed file of a sealed deferred
 *                          writer whose bytes never went to the disk (a
 *                          document of at most ~2 MiB): the same bytes the
 *                          file would hold, header first, valid until the
 *                          writer is freed.  False when part of it is in a
 *                          file (or the writer is not sealed).  The caller
 *                          that keeps the image elsewhere aborts the writer.
 */

bool
gwSpoolWriterImage(gw_spool_writer_t *w, const unsigned char **data_r, size_t *len_r)
{
  if (!w || !data_r || !len_r || !w->sealed || w->failed || w->created || w->fd >= 0 || w->written || w->wb[0] || w->wb[1])
    return (false);

  *data_r = w->out;
  *len_r  = w->out_len;

  return (true);
}


/*
 * 'ring_image()' - Write the sealed image of a small deferred writer into
 *                  the intake ring (spool-ring.c), waiting for the disk or
 *                  only starting its write: its offset, or -1 (commit a
 *                  file instead).  w->out is aligned and has room for the
 *                  padding to a whole block.
 */

static int64_t
ring_image(gw_spool_writer_t *w, bool wait)
{
  const unsigned char *data;
  size_t               len;

  if (!gwSpoolWriterImage(w, &data, &len) || len + 4096 > SPOOL_OUTSIZE)
    return (-1);

  return (wait ? _gwSpoolRingPut(w->spool, w->out, len) : _gwSpoolRingPutStart(w->spool, w->out, len));
}


/*
 * 'gwSpoolWriterToRing()' - The image in the ring, once the disk has it.
 */

int64_t
gwSpoolWriterToRing(gw_spool_writer_t *w)
{
  return (ring_image(w, true));
}


/*
 * 'gwSpoolWriterToRingStart()', 'gwSpoolWriterToRingFinish()' - The same
 *                                                               in two
 *                                                               steps: the
 *                                                               caller
 *                                                               works
 *                                                               while the
 *                                                               disk writes.
 */

int64_t
gwSpoolWriterToRingStart(gw_spool_writer_t *w)
{
  return (ring_image(w, false));
}

bool
gwSpoolWriterToRingFinish(gw_spool_writer_t *w, int64_t offset)
{
  return (w && _gwSpoolRingPutFinish(w->spool, offset, w->out_len));
}


/*
 * 'writer_write_tail()' - Write the sealed bytes gwSpoolWriterSeal() left
 *                         (after the write-behind lanes' rounds) and stop
 *                         the lanes.  False (logged, the writer failed) on
 *                         error.
 */

static bool
writer_write_tail(gw_spool_writer_t *w)
{
  bool ok;

  if (!w->tail_pending)
    return (!w->failed);

  w->tail_pending = false;
  ok              = writer_flush(w, true);
  if (w->wb[0])
    gwLog(w->spool->log, GW_LOG_DEBUG, "Spool file %s: %llu bytes; the writer waited %.0f ms for the disk.", w->name, (unsigned long long)w->plain_size, w->wb_ms);
  wb_stop(w);
  if (!ok)
  {
    gwLog(w->spool->log, GW_LOG_ERROR, "Unable to finish the spool file %s/%s.", w->spool->incoming, w->name);
    w->failed = true;
  }

  return (ok);
}


/*
 * 'writer_sync()' - Write what is left of a sealed file, fsync and close
 *                   it (finished then).  False (logged, the writer
 *                   failed) on error.
 */

static bool
writer_sync(gw_spool_writer_t *w)
{
  gw_spool_t *spool = w->spool;
  int         fd;

  if (w->finished)
    return (true);
  if (!w->sealed || w->failed || !writer_write_tail(w))
    return (false);

  fd = w->fd;

  if (spool->sync_delay_ms > 0)
    usleep((useconds_t)spool->sync_delay_ms * 1000);   /* Tests only: a slow disk */

  w->fd = -1;
  if (fsync(fd) || close(fd))
  {
    gwLog(spool->log, GW_LOG_ERROR, "Unable to sync the spool file %s/%s: %s", spool->incoming, w->name, strerror(errno));
    w->failed = true;
    return (false);
  }

  pthread_mutex_lock(&spool->sync_lock);
  spool->file_syncs ++;
  pthread_mutex_unlock(&spool->sync_lock);
  w->finished = true;

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
  if (!w || w->finished || !gwSpoolWriterSeal(w, key, plain_size_r))
    return (false);

  if (!writer_sync(w))
  {
    gwWipe(key, sizeof(*key));
    return (false);
  }

  return (true);
}


/*
 * 'commit_rename()' - Move a commit's file from incoming/ to jobs/.  False
 *                     (logged) on error.
 */

static bool
commit_rename(gw_spool_writer_t *w)
{
  gw_spool_t *spool = w->spool;

  if (renameat2(spool->incoming_fd, w->name, spool->jobs_fd, w->name, RENAME_NOREPLACE) &&
      (errno != EINVAL || renameat(spool->incoming_fd, w->name, spool->jobs_fd, w->name)))
  {
    /*
     * RENAME_NOREPLACE is refused (EINVAL) by some file systems; job ids
     * are random, so a plain rename is the fallback there.
     */

    gwLog(spool->log, GW_LOG_ERROR, "Unable to commit the spool file of job %s document %u: %s", w->job_id, w->docnum, strerror(errno));
    return (false);
  }
  w->created = false;

  return (true);
}


/*
 * 'commit_work()' - The commit of a sealed or finished file in order, on
 *                   the caller's thread: fsync it (if not yet), move it
 *                   from incoming/ to jobs/ and wait for an fsync of jobs/
 *                   after the rename (shared with the other commits of
 *                   the moment).  Sets w->commit_ok.
 */

static void
commit_work(gw_spool_writer_t *w)
{
  gw_spool_t *spool = w->spool;

  w->commit_ok = false;

  if (!writer_sync(w))
  {
    gwLog(spool->log, GW_LOG_ERROR, "Refusing to commit job %s document %u: it was not finished.", w->job_id, w->docnum);
  }
  else if (commit_rename(w))
  {
    if (_gwSpoolSyncJobs(spool, w->commit_entered))
      w->commit_ok = true;
    else
      unlinkat(spool->jobs_fd, w->name, 0);
    w->commit_entered = false;
  }

  if (w->commit_entered)
  {
    _gwGroupSyncLeave(&spool->jobs_sync);  /* No rename: a gathering leader need not wait for it */
    w->commit_entered = false;
  }

  if (w->created)
  {
    unlinkat(spool->incoming_fd, w->name, 0);
    w->created = false;
  }
}


/*
 * The commit pool: gwSpoolWriterCommitStart() queues a sealed writer and
 * returns; one of the spool's commit threads runs commit_work() (fsync,
 * rename, the shared fsync of jobs/) meanwhile; gwSpoolWriterCommitEnd()
 * waits for it.  The threads are started on demand, one more whenever a
 * commit is queued and no idle thread is left for it, up to SPOOL_COMMIT_THREADS (the
 * fsyncs of many commits then wait at once and share jobs/), and live
 * until gwSpoolClose().  Before, each commit started and joined a thread
 * of its own (clone, a stack mapped and unmapped, per job).
 */

struct spool_commits_s
{
  pthread_cond_t     work;                /* A writer was queued, or stop */
  pthread_cond_t     dir_work;            /* A writer was queued for the jobs/ thread, or stop */
  gw_spool_writer_t *dir_first, *dir_last; /* Renamed, waiting for an fsync of jobs/ */
  pthread_t          dir_thread;          /* The jobs/ thread (dir_run()), once started */
  bool               dir_started;
  gw_spool_writer_t *first, *last;        /* Queued, not yet taken */
  int                nthreads, idle;  /* Threads, and those waiting for work */
  int                nqueued;         /* Writers queued, not yet taken */
  bool               stop;
  pthread_t          threads[SPOOL_COMMIT_THREADS];
};


/*
 * 'pool_thread_start()' - Start one of the commit pool's threads (a commit
 *                         thread or the jobs/ thread) with a small stack.
 *                         False when it cannot be had.
 */

static bool
pool_thread_start(pthread_t *thread, void *(*run)(void *), gw_spool_t *spool)
{
  pthread_attr_t attr;
  bool           ok;

  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  ok = pthread_create(thread, &attr, run, spool) == 0;
  pthread_attr_destroy(&attr);

  return (ok);
}


/*
 * 'dir_run()' - The pool's jobs/ thread: for the writers renamed since its
 *               last round, wait for (or run) one fsync of jobs/ that
 *               started after the last of their renames.  It runs beside
 *               the commit threads' file fsyncs and the callers' WAL
 *               fsyncs: the three durability points of a submission
 *               side by side.
 */

static void *
dir_run(void *arg)
{
  gw_spool_t        *spool = (gw_spool_t *)arg;
  spool_commits_t   *c     = spool->commits;
  gw_spool_writer_t *w, *next;
  uint64_t           ticket;
  bool               ok;

  pthread_setname_np(pthread_self(), "pg-spool-dir");   /* Seen in top -H and ps -L */
  pthread_mutex_lock(&spool->pool_lock);
  for (;;)
  {
    while (!c->dir_first && !c->stop)
      pthread_cond_wait(&c->dir_work, &spool->pool_lock);
    if ((w = c->dir_first) == NULL)
      break;                              /* Stopping and nothing left */
    c->dir_first = c->dir_last = NULL;
    for (ticket = 0, next = w; next; next = next->dir_next)
      if (next->commit_ticket > ticket)
        ticket = next->commit_ticket;
    pthread_mutex_unlock(&spool->pool_lock);

    ok = _gwSpoolSyncJobsFor(spool, ticket);

    pthread_mutex_lock(&spool->pool_lock);
    for (; w; w = next)
    {
      next               = w->dir_next;   /* w may be freed once its caller sees dir_done */
      w->commit_dir_ok   = ok;
      w->commit_dir_done = true;
      pthread_cond_signal(&w->commit_cond);
    }
  }
  pthread_mutex_unlock(&spool->pool_lock);

  return (NULL);
}


/*
 * 'dir_post()' - Queue a renamed writer for the jobs/ thread, starting it
 *                the first time (pool_lock held).  False when it cannot
 *                be had: the commit thread syncs jobs/ itself.
 */

static bool
dir_post(spool_commits_t *c, gw_spool_writer_t *w)
{
  if (!c->dir_started && !(c->dir_started = pool_thread_start(&c->dir_thread, dir_run, w->spool)))
    return (false);

  w->dir_next = NULL;
  if (c->dir_last)
    c->dir_last->dir_next = w;
  else
    c->dir_first = w;
  c->dir_last = w;
  pthread_cond_signal(&c->dir_work);

  return (true);
}


/*
 * 'commit_split()' - A queued commit, on a thread of the pool: write what
 *                    is left of the file, move it into jobs/, hand it to
 *                    the jobs/ thread (dir_run()) and fsync the file
 *                    meanwhile.  The fsyncs of the file and of jobs/ run
 *                    side by side instead of one after the other: a crash
 *                    between them leaves a file in jobs/ that is short
 *                    or unsynced, for a job that was never answered,
 *                    which recovery fails (docs/spool-format.md,
 *                    "Commit").  Sets w->commit_ok for the file's side.
 */

static void
commit_split(gw_spool_writer_t *w)
{
  gw_spool_t *spool  = w->spool;
  bool        posted = false;

  w->commit_ok      = false;
  w->commit_renamed = false;

  if (!w->sealed || w->failed)
    gwLog(spool->log, GW_LOG_ERROR, "Refusing to commit job %s document %u: it was not finished.", w->job_id, w->docnum);
  else if (writer_write_tail(w) && commit_rename(w))
  {
    w->commit_renamed = true;
    w->commit_ticket  = _gwSpoolRenamed(spool, w->commit_entered);
    w->commit_entered = false;
  }

  if (w->commit_entered)
  {
    _gwGroupSyncLeave(&spool->jobs_sync);  /* No rename: a gathering leader need not wait for it */
    w->commit_entered = false;
  }

  pthread_mutex_lock(&spool->pool_lock);
  if (w->commit_renamed)
    posted = dir_post(spool->commits, w);
  else
    w->commit_dir_done = true;          /* Nothing of it in jobs/ */
  pthread_mutex_unlock(&spool->pool_lock);

  if (w->commit_renamed)
  {
    w->commit_ok = writer_sync(w);
    if (!posted)
    {
      bool ok = _gwSpoolSyncJobsFor(spool, w->commit_ticket);

      pthread_mutex_lock(&spool->pool_lock);
      w->commit_dir_ok   = ok;
      w->commit_dir_done = true;
      pthread_mutex_unlock(&spool->pool_lock);
    }
  }
  else if (w->created)
  {
    unlinkat(spool->incoming_fd, w->name, 0);
    w->created = false;
  }
}


/*
 * 'commit_wait()' - The caller's side of a queued commit: wait until the
 *                   file is synced and jobs/ was synced after its rename.
 *                   True once both are durable; else the file is removed.
 */

static bool
commit_wait(gw_spool_writer_t *w)
{
  gw_spool_t *spool = w->spool;
  bool        ok;

  pthread_mutex_lock(&spool->pool_lock);
  while (!w->commit_done || !w->commit_dir_done)
    pthread_cond_wait(&w->commit_cond, &spool->pool_lock);
  pthread_mutex_unlock(&spool->pool_lock);

  ok = w->commit_renamed && w->commit_ok && w->commit_dir_ok;
  if (w->commit_renamed && !ok)
    unlinkat(spool->jobs_fd, w->name, 0);

  return (ok);
}


/*
 * 'commit_run()' - One commit thread: run each queued commit.
 */

static void *
commit_run(void *arg)
{
  gw_spool_t        *spool = (gw_spool_t *)arg;
  spool_commits_t   *c     = spool->commits;
  gw_spool_writer_t *w;

  pthread_setname_np(pthread_self(), "pg-spool-commit");   /* Seen in top -H and ps -L */
  pthread_mutex_lock(&spool->pool_lock);
  for (;;)
  {
    c->idle ++;
    while (!c->first && !c->stop)
      pthread_cond_wait(&c->work, &spool->pool_lock);
    c->idle --;
    if ((w = c->first) == NULL)
      break;                              /* Stopping and nothing left */
    if ((c->first = w->commit_next) == NULL)
      c->last = NULL;
    c->nqueued --;
    pthread_mutex_unlock(&spool->pool_lock);

    commit_split(w);

    pthread_mutex_lock(&spool->pool_lock);
    w->commit_done = true;
    pthread_cond_signal(&w->commit_cond);  /* Its caller waits in commit_wait() */
  }
  pthread_mutex_unlock(&spool->pool_lock);

  return (NULL);
}


/*
 * '_gwSpoolWriterPoolInit()' - Set up the spool's commit pool and spare
 *                              buffers (gwSpoolOpen(); no thread yet).
 */

void
_gwSpoolWriterPoolInit(gw_spool_t *spool)
{
  pthread_mutex_init(&spool->pool_lock, NULL);
  spool->commits = NULL;
  spool->nspare  = 0;
  spool->nbusy   = 0;
}


/*
 * '_gwSpoolWriterPoolFree()' - Stop the commit threads (every writer is
 *                              closed: nothing is queued) and free the
 *                              spare buffers (gwSpoolClose()).
 */

void
_gwSpoolWriterPoolFree(gw_spool_t *spool)
{
  spool_commits_t *c;

  pthread_mutex_lock(&spool->pool_lock);
  if ((c = spool->commits) != NULL)
  {
    c->stop = true;
    pthread_cond_broadcast(&c->work);
    pthread_cond_broadcast(&c->dir_work);
  }
  pthread_mutex_unlock(&spool->pool_lock);

  if (c)
  {
    for (int i = 0; i < c->nthreads; i ++)
      pthread_join(c->threads[i], NULL);
    if (c->dir_started)
      pthread_join(c->dir_thread, NULL);
    pthread_cond_destroy(&c->work);
    pthread_cond_destroy(&c->dir_work);
    free(c);
    spool->commits = NULL;
  }

  while (spool->nspare > 0)
    free(spool->spare[-- spool->nspare]);
  pthread_mutex_destroy(&spool->pool_lock);
}


/*
 * 'commit_queue()' - Queue w for a commit thread, starting one when none
 *                    is idle (under pool_lock).  False when no thread can
 *                    be had: the caller commits itself.
 */

static bool
commit_queue(gw_spool_writer_t *w)
{
  gw_spool_t      *spool = w->spool;
  spool_commits_t *c;

  if ((c = spool->commits) == NULL)
  {
    if ((c = calloc(1, sizeof(spool_commits_t))) == NULL)
      return (false);
    pthread_cond_init(&c->work, NULL);
    pthread_cond_init(&c->dir_work, NULL);
    spool->commits = c;
  }

  if (c->idle <= c->nqueued && c->nthreads < SPOOL_COMMIT_THREADS)
  {
    if (pool_thread_start(c->threads + c->nthreads, commit_run, spool))
      c->nthreads ++;
  }
  if (c->nthreads == 0)
    return (false);

  w->commit_next = NULL;
  if (c->last)
    c->last->commit_next = w;
  else
    c->first = w;
  c->last = w;
  c->nqueued ++;
  pthread_cond_signal(&c->work);

  return (true);
}


/*
 * 'gwSpoolWriterCommitStart()' - Start the commit of a sealed file on a
 *                                thread of the spool's commit pool (fsync,
 *                                rename, fsync of jobs/), so the caller
 *                                commits its store row meanwhile;
 *                                gwSpoolWriterCommitEnd() waits for it.
 *                                Runs it here when no thread can be had.
 */

void
gwSpoolWriterCommitStart(gw_spool_writer_t *w)
{
  if (!w || w->committing)
    return;

  w->committing = true;
  if (!w->spool->serial_commit)
  {
    /*
     * Announced to the group sync of jobs/ before its last write and
     * rename run: a commit that syncs jobs/ first waits briefly for this
     * one's rename, and one fsync of jobs/ covers both (group-sync.c).
     */

    _gwGroupSyncEnter(&w->spool->jobs_sync);
    w->commit_entered = true;
    pthread_mutex_lock(&w->spool->pool_lock);
    w->commit_queued = commit_queue(w);
    pthread_mutex_unlock(&w->spool->pool_lock);
  }

  if (!w->commit_queued)
    commit_work(w);
}


/*
 * 'gwSpoolWriterCommitEnd()' - Wait for the commit gwSpoolWriterCommitStart()
 *                              started: true once the file's data and its
 *                              name in jobs/ are durable.  Always frees the
 *                              writer and sets *w to NULL; on failure the
 *                              file is gone.
 */

bool
gwSpoolWriterCommitEnd(gw_spool_writer_t **w)
{
  bool ok;

  if (!w || !*w)
    return (false);

  if (!(*w)->committing)
    gwSpoolWriterCommitStart(*w);
  ok = (*w)->commit_queued ? commit_wait(*w) : (*w)->commit_ok;
  writer_free(*w);
  *w = NULL;

  return (ok);
}


/*
 * 'gwSpoolWriterCommit()' - Move a finished file from incoming/ to jobs/
 *                           and fsync jobs/ (one fsync for the commits of
 *                           the moment).  Always frees the writer and sets
 *                           *w to NULL; on failure the file is gone.
 */

bool
gwSpoolWriterCommit(gw_spool_writer_t **w)
{
  if (!w || !*w)
    return (false);

  if (!(*w)->finished || (*w)->failed)
  {
    gwLog((*w)->spool->log, GW_LOG_ERROR, "Refusing to commit job %s document %u: it was not finished.", (*w)->job_id, (*w)->docnum);
    gwSpoolWriterAbort(w);
    return (false);
  }

  (*w)->committing = true;               /* Here, on this thread */
  commit_work(*w);

  return (gwSpoolWriterCommitEnd(w));
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

  if ((*w)->committing)
  {
    gwSpoolWriterCommitEnd(w);          /* Started: it ends (a committed file is the caller's to remove) */
    return;
  }

  wb_stop(*w);
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
