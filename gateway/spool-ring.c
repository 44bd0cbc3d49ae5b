/*
 * spool-ring.c - the intake ring: small documents' sealed files, kept in
 *                one file of written blocks until they are converted, so
 *                that their upload's end costs no file of its own, no
 *                rename, no fsync of a file or a folder: the store's WAL
 *                fsync that records the job also makes its document
 *                durable (docs/spool-format.md, "The intake ring").
 *
 * STATE/spool/intake.ring is a header block, then blocks of 4 KiB.  A
 * document's sealed file (the same bytes a spool file would hold) takes a
 * run of whole blocks; its place is recorded in its store row, and its
 * length follows from the document's size there.  The blocks are only ever
 * overwritten, never allocated: the file's blocks are written (zeros) and
 * synced before they are used ("prepared"), so writing a document changes
 * no metadata, and the cache flush of the next fsync on the disk makes it
 * durable.  That holds where the file system overwrites in place (ext4,
 * XFS); elsewhere (a copy-on-write file system) the ring stays off.
 *
 * Which blocks are used is kept in memory only: at start the store's rows
 * name the documents still waiting (gwSpoolRingMark()), every other block
 * is free.
 */

#include "spool-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define RING_BLOCK      4096
#define RING_MAGIC      "PGRING1\n"
#define RING_STEP_MIN   (4 * 1024 * 1024)    /* Prepared at a time: at least, */
#define RING_STEP_MAX   (32 * 1024 * 1024)   /* at most */
#define RING_ZEROS      (1024 * 1024)        /* The preparer's buffer of zeros */
#define RING_MAX_FILE   (16ULL * 1024 * 1024 * 1024)   /* IntakeRing's limit */
#define FS_EXT4_MAGIC   0xEF53               /* ext2/3/4 */
#define FS_XFS_MAGIC    0x58465342


struct spool_ring_s
{
  int             fd;                     /* intake.ring, O_RDWR, through the page cache (_gwSpoolRingPutStart()) */
  pthread_mutex_t lock;                   /* Guards the rest */
  pthread_cond_t  cond;                   /* Wakes the preparer */
  uint64_t        max;                    /* IntakeRing, bytes (a multiple of RING_BLOCK) */
  uint64_t        prepared;               /* Written and synced, header included */
  uint64_t        nblocks;                /* prepared / RING_BLOCK */
  uint64_t        nfree;                  /* Free blocks among them */
  uint64_t        cursor;                 /* Where the next search starts */
  unsigned char  *used;                   /* One bit per block of max */
  bool            want;                   /* A put found no room: prepare more */
  bool            stop;
  bool            started;                /* The preparer thread runs */
  pthread_t       thread;
  bool            read_only;              /* IntakeRing 0 with documents still in it: no puts, no growth */
  unsigned long   puts, misses;
};


/*
 * 'ring_get()' / 'ring_set()' - A block's bit.  Lock held.
 */

static bool
ring_get(spool_ring_t *r, uint64_t b)
{
  return ((r->used[b / 8] >> (b % 8)) & 1);
}

static void
ring_set(spool_ring_t *r, uint64_t b, bool on)
{
  if (on)
    r->used[b / 8] |= (unsigned char)(1u << (b % 8));
  else
    r->used[b / 8] &= (unsigned char)~(1u << (b % 8));
}


/*
 * '_gwSpoolSealedLength()' - The length of the sealed file of a document of
 *                            'plain' bytes (docs/spool-format.md).
 */

uint64_t
_gwSpoolSealedLength(uint64_t plain)
{
  return (SPOOL_HEADER_LEN + (plain / SPOOL_CHUNK) * SPOOL_CCHUNK + (plain % SPOOL_CHUNK) + SPOOL_TAG_LEN);
}


/*
 * 'write_header()' - Record the prepared size in the header block and sync
 *                    it.  False on error.
 */

static bool
write_header(spool_ring_t *r, unsigned char *block, uint64_t prepared)
{
  memset(block, 0, RING_BLOCK);
  memcpy(block, RING_MAGIC, 8);
  for (int i = 0; i < 8; i ++)
    block[8 + i] = (unsigned char)(prepared >> (56 - 8 * i));

  return (pwrite(r->fd, block, RING_BLOCK, 0) == RING_BLOCK && fdatasync(r->fd) == 0);
}


/*
 * 'ring_prepare()' - Write zeros over the next step of the file, sync it,
 *                    then record the new prepared size.  No lock held.
 */

static bool
ring_prepare(spool_ring_t *r, unsigned char *zeros, unsigned char *header, uint64_t from, uint64_t step)
{
  for (uint64_t off = 0; off < step; off += RING_ZEROS)
  {
    size_t n = step - off < RING_ZEROS ? (size_t)(step - off) : RING_ZEROS;

    if (pwrite(r->fd, zeros, n, (off_t)(from + off)) != (ssize_t)n)
      return (false);
  }

  /* The blocks and the file's size first, then the header that names them. */
  return (fdatasync(r->fd) == 0 && write_header(r, header, from + step));
}


/*
 * 'preparer_run()' - The preparer: makes more of the ring usable when a put
 *                    found no room or a quarter is left, in steps, up to
 *                    max.  At low priority, off the intake's threads.
 */

static void *
preparer_run(void *arg)
{
  gw_spool_t    *spool = (gw_spool_t *)arg;
  spool_ring_t  *r = spool->ring;
  unsigned char *zeros = NULL, *header = NULL;

  if (posix_memalign((void **)&zeros, RING_BLOCK, RING_ZEROS) || posix_memalign((void **)&header, RING_BLOCK, RING_BLOCK))
  {
    free(zeros);
    return (NULL);
  }
  memset(zeros, 0, RING_ZEROS);

  pthread_setname_np(pthread_self(), "pg-spool-ring");   /* Seen in top -H and ps -L */
  pthread_mutex_lock(&r->lock);
  for (;;)
  {
    uint64_t from, step;
    bool     ok;

    while (!r->stop && (r->prepared >= r->max || (!r->want && r->nfree * 4 >= r->nblocks)))
      pthread_cond_wait(&r->cond, &r->lock);
    if (r->stop)
      break;

    from = r->prepared;
    step = from / 8;
    if (step < RING_STEP_MIN)
      step = RING_STEP_MIN;
    if (step > RING_STEP_MAX)
      step = RING_STEP_MAX;
    step &= ~(uint64_t)(RING_BLOCK - 1);
    if (step > r->max - from)
      step = r->max - from;
    pthread_mutex_unlock(&r->lock);

    ok = ring_prepare(r, zeros, header, from, step);

    pthread_mutex_lock(&r->lock);
    if (!ok)
    {
      gwLog(spool->log, GW_LOG_WARN, "Spool: the intake ring could not grow past %llu bytes (%s); small documents go to files.", (unsigned long long)from, strerror(errno));
      r->max = from;                    /* Not again */
      continue;
    }
    r->prepared = from + step;
    r->nblocks  = r->prepared / RING_BLOCK;
    r->nfree   += step / RING_BLOCK;
    r->want     = false;
  }
  pthread_mutex_unlock(&r->lock);

  free(zeros);
  free(header);

  return (NULL);
}


/*
 * 'ring_open()' - Open or create intake.ring.  False (and errno or *why) when
 *                 it cannot serve.
 */

static bool
ring_open(gw_spool_t *spool, spool_ring_t *r, const char **why)
{
  struct statfs  fs;
  struct stat    st;
  unsigned char *block = NULL;
  int            dfd;
  uint64_t       prepared = 0;
  bool           ok = false;

  if ((dfd = open(spool->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return (false);

  if (fstatfs(dfd, &fs) || (fs.f_type != FS_EXT4_MAGIC && fs.f_type != FS_XFS_MAGIC))
  {
    *why = "the spool's file system may not overwrite in place (only ext4 and XFS are known to)";
    close(dfd);
    return (false);
  }

  if ((r->fd = openat(dfd, "intake.ring", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 ||
      fstat(r->fd, &st) || !S_ISREG(st.st_mode) || posix_memalign((void **)&block, RING_BLOCK, RING_BLOCK))
    goto done;

  if (st.st_size < RING_BLOCK)
  {
    /* New: the header alone, then the folder's entry. */
    if (!write_header(r, block, RING_BLOCK) || ftruncate(r->fd, RING_BLOCK) || fdatasync(r->fd) || fsync(dfd))
      goto done;
    prepared = RING_BLOCK;
  }
  else
  {
    if (pread(r->fd, block, RING_BLOCK, 0) != RING_BLOCK || memcmp(block, RING_MAGIC, 8))
    {
      *why = "intake.ring has no valid header";
      goto done;
    }
    for (int i = 0; i < 8; i ++)
      prepared = (prepared << 8) | block[8 + i];
    prepared &= ~(uint64_t)(RING_BLOCK - 1);
    if (prepared < RING_BLOCK || prepared > (uint64_t)st.st_size)
    {
      *why = "intake.ring's header names more than the file holds";
      goto done;
    }
    /* A step cut short by a crash: only what the header names was synced. */
    if ((uint64_t)st.st_size > prepared && (ftruncate(r->fd, (off_t)prepared) || fdatasync(r->fd)))
      goto done;
  }

  if (prepared > r->max || r->read_only)
    r->max = prepared;                  /* IntakeRing was lowered: no growth, but what is there stays readable */
  r->prepared = prepared;
  r->nblocks  = prepared / RING_BLOCK;
  r->nfree    = r->nblocks - 1;         /* Block 0 is the header */
  r->cursor   = 1;
  ring_set(r, 0, true);

  ok = true;

  done:

  free(block);
  close(dfd);

  return (ok);
}


/*
 * 'gwSpoolRingStart()' - Open (or create) the intake ring with room for at
 *                        most max_bytes, and start its preparer.  False
 *                        (logged once; small documents then go to files)
 *                        when it is off or cannot be had.  Call before any
 *                        writer exists (recovery), then gwSpoolRingMark()
 *                        for every document the store says is in it.
 */

bool
gwSpoolRingStart(gw_spool_t *spool, int64_t max_bytes, bool puts)
{
  spool_ring_t *r;
  const char   *why = NULL;

  if (!spool || spool->ring || (puts && max_bytes < 2 * RING_BLOCK))
    return (false);
  if (!puts)
    max_bytes = (int64_t)RING_MAX_FILE;   /* As much as the file holds, no more */

  if ((r = calloc(1, sizeof(spool_ring_t))) == NULL)
    return (false);
  r->fd        = -1;
  r->max       = (uint64_t)max_bytes & ~(uint64_t)(RING_BLOCK - 1);
  r->read_only = !puts;
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->cond, NULL);

  if ((r->used = calloc(1, (size_t)(r->max / RING_BLOCK / 8 + 1))) == NULL || !ring_open(spool, r, &why))
  {
    gwLog(spool->log, GW_LOG_INFO, "Spool: no intake ring (%s); small documents go to files.", why ? why : strerror(errno));
    if (r->fd >= 0)
      close(r->fd);
    free(r->used);
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->lock);
    free(r);
    return (false);
  }

  spool->ring = r;
  if (pthread_create(&r->thread, NULL, preparer_run, spool) == 0)
    r->started = true;
  else
    gwLog(spool->log, GW_LOG_WARN, "Spool: the intake ring has no preparer thread; it stays at %llu bytes.", (unsigned long long)r->prepared);

  return (true);
}


/*
 * '_gwSpoolRingStop()' - Stop the preparer and close the ring (gwSpoolClose()).
 */

void
_gwSpoolRingStop(gw_spool_t *spool)
{
  spool_ring_t *r = spool->ring;

  if (!r)
    return;

  pthread_mutex_lock(&r->lock);
  r->stop = true;
  pthread_cond_signal(&r->cond);
  pthread_mutex_unlock(&r->lock);
  if (r->started)
    pthread_join(r->thread, NULL);

  gwLog(spool->log, GW_LOG_DEBUG, "Spool: the intake ring took %lu documents (%lu found no room); %llu bytes prepared.", r->puts, r->misses, (unsigned long long)r->prepared);
  close(r->fd);
  free(r->used);
  pthread_cond_destroy(&r->cond);
  pthread_mutex_destroy(&r->lock);
  free(r);
  spool->ring = NULL;
}


/*
 * 'ring_range()' - The first block and the block count of a document at
 *                  offset with plain_size bytes of plaintext; false when
 *                  it cannot be in the prepared ring.  Lock held.
 */

static bool
ring_range(spool_ring_t *r, int64_t offset, uint64_t plain_size, uint64_t *first, uint64_t *count)
{
  uint64_t len = _gwSpoolSealedLength(plain_size);

  if (offset < RING_BLOCK || offset % RING_BLOCK || plain_size > (uint64_t)r->max)
    return (false);

  *first = (uint64_t)offset / RING_BLOCK;
  *count = (len + RING_BLOCK - 1) / RING_BLOCK;

  return (*first + *count <= r->nblocks);
}


/*
 * 'gwSpoolRingMark()' - At start: the store says a document of plain_size
 *                       bytes waits at offset.  False (nothing marked)
 *                       when that cannot be, or overlaps another.
 */

bool
gwSpoolRingMark(gw_spool_t *spool, int64_t offset, uint64_t plain_size)
{
  spool_ring_t *r = spool ? spool->ring : NULL;
  uint64_t      first, count;
  bool          ok = false;

  if (!r)
    return (false);

  pthread_mutex_lock(&r->lock);
  if (ring_range(r, offset, plain_size, &first, &count))
  {
    ok = true;
    for (uint64_t b = first; b < first + count && ok; b ++)
      ok = !ring_get(r, b);
    for (uint64_t b = first; b < first + count && ok; b ++)
      ring_set(r, b, true);
    if (ok)
      r->nfree -= count;
  }
  pthread_mutex_unlock(&r->lock);

  return (ok);
}


/*
 * 'gwSpoolRingRelease()' - The document at offset is converted (its row no
 *                          longer names it, durably): its blocks are free.
 */

void
gwSpoolRingRelease(gw_spool_t *spool, int64_t offset, uint64_t plain_size)
{
  spool_ring_t *r = spool ? spool->ring : NULL;
  uint64_t      first, count;

  if (!r)
    return;

  pthread_mutex_lock(&r->lock);
  if (ring_range(r, offset, plain_size, &first, &count))
  {
    for (uint64_t b = first; b < first + count; b ++)
    {
      if (ring_get(r, b))
      {
        ring_set(r, b, false);
        r->nfree ++;
      }
    }
  }
  pthread_mutex_unlock(&r->lock);
}


/*
 * 'ring_take()' - Find and mark count free blocks in a row, searching
 *                 from the cursor round the ring once.  The first block,
 *                 or 0 (the header's) when there is no room.  Lock held.
 */

static uint64_t
ring_take(spool_ring_t *r, uint64_t count)
{
  uint64_t start = r->cursor, run = 0, b = start, seen = 0;

  if (count == 0 || count > r->nfree)
    return (0);

  while (seen < r->nblocks + count)
  {
    if (b >= r->nblocks)
    {
      b   = 1;                          /* A run never wraps */
      run = 0;
    }
    if (ring_get(r, b))
      run = 0;
    else if (++ run == count)
    {
      uint64_t first = b + 1 - count;

      for (uint64_t i = first; i <= b; i ++)
        ring_set(r, i, true);
      r->nfree  -= count;
      r->cursor  = b + 1 < r->nblocks ? b + 1 : 1;
      return (first);
    }
    b ++;
    seen ++;
  }

  return (0);
}


/*
 * 'ring_give_back()' - Free the blocks of a put whose write failed.
 */

static void
ring_give_back(spool_ring_t *r, uint64_t first, uint64_t count)
{
  pthread_mutex_lock(&r->lock);
  for (uint64_t b = first; b < first + count; b ++)
    ring_set(r, b, false);
  r->nfree += count;
  pthread_mutex_unlock(&r->lock);
}


/*
 * '_gwSpoolRingPutStart()' - Write a sealed file of len bytes (buf, 4 KiB
 *                            aligned, with room for len rounded up to a
 *                            block; the padding is zeroed) into free
 *                            blocks and start their writeback, without
 *                            waiting for it.  The offset, or -1 when the
 *                            ring is off, full or the write failed (the
 *                            caller uses a file).  A started put must be
 *                            ended with _gwSpoolRingPutFinish() before
 *                            anything may count on it.
 */

int64_t
_gwSpoolRingPutStart(gw_spool_t *spool, unsigned char *buf, size_t len)
{
  spool_ring_t *r = spool ? spool->ring : NULL;
  uint64_t      count = (len + RING_BLOCK - 1) / RING_BLOCK, first;
  size_t        padded = (size_t)count * RING_BLOCK;
  ssize_t       n;

  if (!r || r->read_only || len == 0)
    return (-1);

  pthread_mutex_lock(&r->lock);
  if ((first = ring_take(r, count)) == 0)
  {
    r->misses ++;
    r->want = true;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
    return (-1);
  }
  if (r->nfree * 4 < r->nblocks)
    pthread_cond_signal(&r->cond);     /* A quarter left: prepare the next step meanwhile */
  pthread_mutex_unlock(&r->lock);

  /*
   * Through the page cache, then its writeback started: the disk writes
   * while the caller records the job (a direct write would hold this
   * thread until the disk has it).  _gwSpoolRingPutFinish() waits for it.
   */

  memset(buf + len, 0, padded - len);
  while ((n = pwrite(r->fd, buf, padded, (off_t)(first * RING_BLOCK))) < 0 && errno == EINTR);
  if (n == (ssize_t)padded &&
      sync_file_range(r->fd, (off_t)(first * RING_BLOCK), (off_t)padded, SYNC_FILE_RANGE_WRITE))
    n = -1;

  if (n != (ssize_t)padded)
  {
    gwLog(spool->log, GW_LOG_ERROR, "Spool: unable to write to the intake ring: %s", n < 0 ? strerror(errno) : "short write");
    ring_give_back(r, first, count);
    return (-1);
  }

  return ((int64_t)(first * RING_BLOCK));
}


/*
 * '_gwSpoolRingPutFinish()' - Wait until the disk has a started put's
 *                             blocks (not yet past its cache: the
 *                             caller's next fsync of the WAL, started
 *                             after this returns, flushes that).  False
 *                             when the writeback failed (logged).  The
 *                             blocks stay taken: a row may name them
 *                             already, so the caller gives them back
 *                             (gwSpoolRingRelease()) once none does.
 */

bool
_gwSpoolRingPutFinish(gw_spool_t *spool, int64_t offset, size_t len)
{
  spool_ring_t *r = spool ? spool->ring : NULL;
  uint64_t      count = (len + RING_BLOCK - 1) / RING_BLOCK;

  if (!r || offset < RING_BLOCK)
    return (false);

  if (sync_file_range(r->fd, (off_t)offset, (off_t)(count * RING_BLOCK), SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER))
  {
    gwLog(spool->log, GW_LOG_ERROR, "Spool: unable to write to the intake ring: %s", strerror(errno));
    return (false);
  }

  pthread_mutex_lock(&r->lock);
  r->puts ++;
  pthread_mutex_unlock(&r->lock);

  return (true);
}


/*
 * '_gwSpoolRingPut()' - Both: the offset once the disk has the bytes, or
 *                       -1 (the caller uses a file).
 */

int64_t
_gwSpoolRingPut(gw_spool_t *spool, unsigned char *buf, size_t len)
{
  int64_t offset = _gwSpoolRingPutStart(spool, buf, len);

  if (offset >= 0 && !_gwSpoolRingPutFinish(spool, offset, len))
  {
    ring_give_back(spool->ring, (uint64_t)offset / RING_BLOCK, (len + RING_BLOCK - 1) / RING_BLOCK);
    offset = -1;                        /* Nothing names it yet */
  }

  return (offset);
}


/*
 * 'gwSpoolReaderOpenRing()' - A reader of the document of plain_size
 *                             bytes at offset in the ring: the sealed
 *                             bytes read into memory, then checked and
 *                             authenticated as a file's.
 */

gw_spool_reader_t *
gwSpoolReaderOpenRing(gw_spool_t *spool, const char *job_id, unsigned docnum, const gw_wrapped_key_t *key, int64_t offset, uint64_t plain_size, const char **error_r)
{
  spool_ring_t      *r = spool ? spool->ring : NULL;
  gw_spool_reader_t *reader = NULL;
  unsigned char     *buf = NULL;
  uint64_t           first, count;
  const char        *error = NULL;
  bool               in;

  if (!error_r)
    error_r = &error;

  if (!r)
  {
    *error_r = "the intake ring is not open";
    return (NULL);
  }

  pthread_mutex_lock(&r->lock);
  in = ring_range(r, offset, plain_size, &first, &count);
  pthread_mutex_unlock(&r->lock);

  if (!in)
    *error_r = "the document's place in the intake ring is not valid";
  else if (posix_memalign((void **)&buf, RING_BLOCK, (size_t)count * RING_BLOCK))
    *error_r = "out of memory";
  else if (pread(r->fd, buf, (size_t)count * RING_BLOCK, (off_t)offset) != (ssize_t)(count * RING_BLOCK))
    *error_r = "the intake ring cannot be read";
  else
  {
    reader = _gwSpoolReaderAdoptImage(spool, job_id, docnum, key, buf, (size_t)_gwSpoolSealedLength(plain_size), error_r);
    buf    = NULL;                      /* The reader's now (or freed by it) */
  }

  if (!reader && !in)
    gwLog(spool->log, GW_LOG_ERROR, "Refusing the intake ring's copy of job %s document %u: %s.", job_id, docnum, *error_r);
  free(buf);                            /* Ciphertext */

  return (reader);
}
