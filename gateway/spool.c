/*
 * spool.c - the encrypted spool of held documents (see spool.h and
 *           docs/spool-format.md for the byte format): the folders and
 *           the format helpers.  Writing is in spool-writer.c, reading in
 *           spool-reader.c.
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
 * Recycled files (dir/free): a removed document's file is emptied and
 * moved to free/ instead of being unlinked, and a new writer takes one
 * from there before it creates a file.  The key is what protects a
 * document (crypto-shred), so an emptied file is as gone as an unlinked
 * one.  Why: ext4 without a journal (this project's test machines) skips,
 * for every new inode, each inode of the group freed in the last minute or
 * more, reading its table block; with thousands of originals removed after
 * their conversion, creating the next upload's file cost more than the
 * rest of its intake (docs/benchmarks.md, session 15).  At most
 * SPOOL_FREE_MAX files wait there; gwSpoolRecover() adopts them at start,
 * and recycling is on only from then on.
 *
 * Thread safety: the spool object is read-only after gwSpoolOpen() (paths,
 * folder descriptors, keys, log) but for its counters and lists, each
 * under its own lock, so any number of threads may use it at once.  A
 * writer or a reader belongs to one thread at a time.
 */

#include "spool-private.h"
#include "printgate/clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/*
 * '_gwSpoolPutBE32()', '_gwSpoolGetBE32()' - Big-endian 32-bit fields.
 */

void
_gwSpoolPutBE32(unsigned char *p, uint32_t v)
{
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

uint32_t
_gwSpoolGetBE32(const unsigned char *p)
{
  return (((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3]);
}


/*
 * '_gwSpoolMakeName()' - File name of a document: "<job id>-<docnum>.pgs".
 */

bool
_gwSpoolMakeName(const char *job_id, unsigned docnum, char name[SPOOL_NAME_MAX])
{
  int len;

  if (!gwUUIDValid(job_id))
    return (false);

  len = snprintf(name, SPOOL_NAME_MAX, "%s-%u" SPOOL_SUFFIX, job_id, docnum);

  return (len > 0 && (size_t)len < SPOOL_NAME_MAX);
}


/*
 * 'parse_name()' - Split a committed file name; false for anything that
 *                  _gwSpoolMakeName() would not have produced.
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
 * '_gwSpoolMakeAAD()' - AAD of every chunk: SHA-256(header | job id | docnum).
 *                The job id and docnum are the ones the caller asked for,
 *                so a file moved under another name does not decrypt.
 */

bool
_gwSpoolMakeAAD(const unsigned char hdr[SPOOL_HEADER_LEN], const char *job_id, unsigned docnum, unsigned char aad[SPOOL_AAD_LEN])
{
  unsigned char buf[SPOOL_HEADER_LEN + GW_UUID_LEN + 4];

  memcpy(buf, hdr, SPOOL_HEADER_LEN);
  memcpy(buf + SPOOL_HEADER_LEN, job_id, GW_UUID_LEN);
  _gwSpoolPutBE32(buf + SPOOL_HEADER_LEN + GW_UUID_LEN, docnum);

  return (_gwSha256(buf, sizeof(buf), aad));
}


/*
 * '_gwSpoolMakeNonce()' - Chunk nonce: 0^3 | uint64_be(index) | last_flag.
 */

void
_gwSpoolMakeNonce(unsigned char nonce[SPOOL_NONCE_LEN], uint64_t index, bool last)
{
  nonce[0] = nonce[1] = nonce[2] = 0;
  for (int i = 0; i < 8; i ++)
    nonce[3 + i] = (unsigned char)(index >> (56 - 8 * i));
  nonce[11] = last ? 1 : 0;
}


/*
 * '_gwSpoolWrapAAD()' - AAD of the key wrap: "printgate-wrap-v1" | kek_id |
 *                job id | docnum.
 */

size_t
_gwSpoolWrapAAD(unsigned char *aad, uint32_t kek_id, const char *job_id, unsigned docnum)
{
  size_t len = sizeof(WRAP_INFO) - 1;

  memcpy(aad, WRAP_INFO, len);
  _gwSpoolPutBE32(aad + len, kek_id);
  memcpy(aad + len + 4, job_id, GW_UUID_LEN);
  _gwSpoolPutBE32(aad + len + 4 + GW_UUID_LEN, docnum);

  return (len + 4 + GW_UUID_LEN + 4);
}


/*
 * '_gwSpoolGCM()' - Seal or open one small message (the DEK) with
 *                   AES-256-GCM.  For opening, the tag is an input and out
 *                   is wiped on failure.
 */

bool
_gwSpoolGCM(bool enc, const unsigned char *key, const unsigned char *nonce, const unsigned char *aad, size_t aadlen,
            const unsigned char *in, size_t len, unsigned char *out, unsigned char tag[SPOOL_TAG_LEN])
{
  gw_aead_t *aead = _gwAeadNew(key, enc);
  bool       ok;

  if (!aead)
    return (false);

  if (enc)
    ok = _gwAeadSeal(aead, nonce, aad, aadlen, in, len, out, tag);
  else
    ok = _gwAeadOpen(aead, nonce, aad, aadlen, in, len, out, tag);

  _gwAeadDelete(&aead);

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
 * 'read_dir()' - Open one of the spool's folders (by its descriptor) for
 *                reading; logs and returns NULL on error.
 */

static DIR *
read_dir(gw_spool_t *spool, int dir_fd, const char *path)
{
  DIR *d;
  int  fd;

  if ((fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || (d = fdopendir(fd)) == NULL)
  {
    gwLog(spool->log, GW_LOG_ERROR, "Unable to read the spool folder %s: %s", path, strerror(errno));
    if (fd >= 0)
      close(fd);
    return (NULL);
  }

  return (d);
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
  spool->free_fd     = -1;
  pthread_mutex_init(&spool->sync_lock, NULL);
  pthread_mutex_init(&spool->free_lock, NULL);
  _gwGroupSyncInit(&spool->jobs_sync);
  _gwSpoolWriterPoolInit(spool);

  /* Tests only: a slow disk under each spool file's fsync (integration/ipp-durable). */
  if (getenv("PRINTGATE_TEST_SPOOL_SYNC_DELAY_MS"))
    spool->sync_delay_ms = (int)strtol(getenv("PRINTGATE_TEST_SPOOL_SYNC_DELAY_MS"), NULL, 10);
  /* Tests only: the spool commit before the store's, not beside it (the positive control of integration/ipp-durable). */
  spool->serial_commit = getenv("PRINTGATE_TEST_SPOOL_COMMIT_SERIAL") != NULL;

  if ((size_t)snprintf(spool->dir, sizeof(spool->dir), "%s", dir) >= sizeof(spool->dir) ||
      (size_t)snprintf(spool->incoming, sizeof(spool->incoming), "%s/incoming", dir) >= sizeof(spool->incoming) ||
      (size_t)snprintf(spool->jobs, sizeof(spool->jobs), "%s/jobs", dir) >= sizeof(spool->jobs) ||
      (size_t)snprintf(spool->free, sizeof(spool->free), "%s/free", dir) >= sizeof(spool->free))
  {
    gwLog(log, GW_LOG_ERROR, "The spool folder path is too long.");
    gwSpoolClose(&spool);
    return (NULL);
  }

  if ((fd = open_dir(spool->dir, log)) < 0)
  {
    gwSpoolClose(&spool);
    return (NULL);
  }
  close(fd);

  if ((spool->incoming_fd = open_dir(spool->incoming, log)) < 0 || (spool->jobs_fd = open_dir(spool->jobs, log)) < 0 ||
      (spool->free_fd = open_dir(spool->free, log)) < 0)
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

  _gwSpoolStockStop(*spool);
  _gwSpoolRingStop(*spool);
  if ((*spool)->incoming_fd >= 0)
    close((*spool)->incoming_fd);
  if ((*spool)->jobs_fd >= 0)
    close((*spool)->jobs_fd);
  if ((*spool)->free_fd >= 0)
    close((*spool)->free_fd);
  free((*spool)->free_ids);
  pthread_mutex_destroy(&(*spool)->free_lock);
  _gwSpoolWriterPoolFree(*spool);
  _gwGroupSyncDestroy(&(*spool)->jobs_sync);
  pthread_mutex_destroy(&(*spool)->sync_lock);
  free(*spool);
  *spool = NULL;
}


/*
 * 'sync_jobs()' - fsync jobs/; false (logged) on error.
 */

static bool
sync_jobs(void *data)
{
  gw_spool_t *spool = (gw_spool_t *)data;

  if (spool->sync_delay_ms > 0)
    usleep((useconds_t)spool->sync_delay_ms * 1000);   /* Tests only: a slow disk */

  if (fsync(spool->jobs_fd))
  {
    gwLog(spool->log, GW_LOG_ERROR, "Unable to sync the spool folder %s: %s", spool->jobs, strerror(errno));
    return (false);
  }

  return (true);
}


/*
 * '_gwSpoolSyncJobs()' - A file was renamed into jobs/: return once an
 *                        fsync of jobs/ that started after the rename has
 *                        finished (running it when no other thread is).
 *                        One fsync covers every rename before it, so
 *                        concurrent commits share it (group-sync.c,
 *                        as the store's WAL fsyncs); entered: the commit
 *                        was announced (_gwGroupSyncEnter()).
 *                        False when the fsync failed (logged).
 */

bool
_gwSpoolSyncJobs(gw_spool_t *spool, bool entered)
{
  if (entered)
    return (_gwGroupSyncWaitEntered(&spool->jobs_sync, sync_jobs, spool));
  else
    return (_gwGroupSyncWait(&spool->jobs_sync, sync_jobs, spool));
}


/*
 * '_gwSpoolRenamed()' - A file was renamed into jobs/ (entered: its commit
 *                       was announced): its ticket for
 *                       _gwSpoolSyncJobsFor(), which another thread may
 *                       call.
 */

uint64_t
_gwSpoolRenamed(gw_spool_t *spool, bool entered)
{
  return (_gwGroupSyncDone(&spool->jobs_sync, entered));
}


/*
 * '_gwSpoolSyncJobsFor()' - Return once an fsync of jobs/ that started
 *                           after the rename numbered 'ticket' has
 *                           finished (running it when no other thread
 *                           is).  False when the fsync failed (logged).
 */

bool
_gwSpoolSyncJobsFor(gw_spool_t *spool, uint64_t ticket)
{
  return (_gwGroupSyncWaitFor(&spool->jobs_sync, ticket, sync_jobs, spool));
}


/*
 * 'gwSpoolSyncCounts()' - How many fsyncs of spool files and of jobs/ the
 *                         spool has run (tests and benchmarks).
 */

void
gwSpoolSyncCounts(gw_spool_t *spool, unsigned long *file_syncs, unsigned long *dir_syncs)
{
  pthread_mutex_lock(&spool->sync_lock);
  *file_syncs = spool->file_syncs;
  pthread_mutex_unlock(&spool->sync_lock);
  *dir_syncs = _gwGroupSyncCount(&spool->jobs_sync);
}


/*
 * '_gwSpoolFreeName()' - The name in free/ of recycled file 'id'.
 */

void
_gwSpoolFreeName(unsigned id, char name[32])
{
  snprintf(name, 32, "r%u", id);
}


/*
 * 'free_adopt()' - Read free/ at start: each file r<id> is emptied again
 *                  (a crash may have come between its truncation and its
 *                  rename) and listed; anything else, or past
 *                  SPOOL_FREE_MAX, is removed.  Then recycling is on.
 */

static void
free_adopt(gw_spool_t *spool)
{
  DIR           *d;
  struct dirent *de;
  unsigned       id, next = 0;
  char           name[32];
  int            fd;

  if (!spool->free_ids && (spool->free_ids = calloc(SPOOL_FREE_MAX, sizeof(unsigned))) == NULL)
    return;
  if ((d = read_dir(spool, spool->free_fd, spool->free)) == NULL)
    return;

  pthread_mutex_lock(&spool->free_lock);
  spool->free_count = 0;
  while ((de = readdir(d)) != NULL)
  {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;

    fd = -1;
    if (sscanf(de->d_name, "r%u", &id) == 1 && (_gwSpoolFreeName(id, name), !strcmp(name, de->d_name)) &&
        spool->free_count < SPOOL_FREE_MAX &&
        (fd = openat(spool->free_fd, de->d_name, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) >= 0)
    {
      spool->free_ids[spool->free_count ++] = id;
      if (id >= next)
        next = id + 1;
    }
    else
      unlinkat(spool->free_fd, de->d_name, 0);
    if (fd >= 0)
      close(fd);
  }
  spool->free_next  = next;
  spool->free_ready = true;
  pthread_mutex_unlock(&spool->free_lock);
  closedir(d);
}


/*
 * 'free_put()' - Recycle a file instead of unlinking it: empty it and move
 *                it to free/.  False (the caller unlinks) when recycling is
 *                off, the list is full or a step fails.
 */

static bool
free_put(gw_spool_t *spool, int dir_fd, const char *name)
{
  unsigned id;
  char     fname[32];
  int      fd;
  bool     ok;

  pthread_mutex_lock(&spool->free_lock);
  if ((ok = spool->free_ready && spool->free_count + spool->free_pending < SPOOL_FREE_MAX) == true)
  {
    spool->free_pending ++;
    id = spool->free_next ++;
  }
  pthread_mutex_unlock(&spool->free_lock);
  if (!ok)
    return (false);

  _gwSpoolFreeName(id, fname);
  if ((fd = openat(dir_fd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
    ok = false;
  else
  {
    ok = ftruncate(fd, 0) == 0;
    close(fd);
  }
  ok = ok && renameat2(dir_fd, name, spool->free_fd, fname, RENAME_NOREPLACE) == 0;

  pthread_mutex_lock(&spool->free_lock);
  spool->free_pending --;
  if (ok)
    spool->free_ids[spool->free_count ++] = id;
  pthread_mutex_unlock(&spool->free_lock);

  return (ok);
}


/*
 * '_gwSpoolFreeTake()' - A recycled file for a new writer: moved from
 *                        free/ to incoming/name (never over an existing
 *                        file) and opened for writing.  -1 when there is
 *                        none (the caller creates one); errno EEXIST when
 *                        incoming/name exists.  'intake': the writer of a
 *                        new upload's original (the reserve waits until
 *                        none has begun for a while, spool-stock.c).
 */

int
_gwSpoolFreeTake(gw_spool_t *spool, const char *name, bool intake)
{
  struct stat st;
  unsigned    id;
  char        fname[32];
  int         fd;

  if (intake)
  {
    pthread_mutex_lock(&spool->free_lock);
    spool->free_intake    = true;
    spool->free_intake_ms = gwClockMs();
    pthread_mutex_unlock(&spool->free_lock);
  }

  for (;;)
  {
    pthread_mutex_lock(&spool->free_lock);
    _gwSpoolStockNoted(spool);          /* The reserve may want refilling now */
    if (!spool->free_ready || spool->free_count == 0)
    {
      pthread_mutex_unlock(&spool->free_lock);
      errno = ENOENT;
      return (-1);
    }
    id = spool->free_ids[-- spool->free_count];
    pthread_mutex_unlock(&spool->free_lock);

    _gwSpoolFreeName(id, fname);
    if (renameat2(spool->free_fd, fname, spool->incoming_fd, name, RENAME_NOREPLACE) == 0)
    {
      /* Only an empty regular file with one link is written through. */
      if ((fd = openat(spool->incoming_fd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) >= 0 &&
          !fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size == 0 && st.st_nlink == 1)
        return (fd);
      if (fd >= 0)
        close(fd);
      unlinkat(spool->incoming_fd, name, 0);
      continue;
    }
    if (errno == EEXIST)
    {
      bool kept;

      pthread_mutex_lock(&spool->free_lock);
      if ((kept = spool->free_count + spool->free_pending < SPOOL_FREE_MAX) == true)
        spool->free_ids[spool->free_count ++] = id;
      pthread_mutex_unlock(&spool->free_lock);
      if (!kept)
        unlinkat(spool->free_fd, fname, 0);
      errno = EEXIST;
      return (-1);
    }
    if (errno == EINVAL)                /* No RENAME_NOREPLACE here: recycling off */
    {
      pthread_mutex_lock(&spool->free_lock);
      spool->free_ready = false;
      pthread_mutex_unlock(&spool->free_lock);
      errno = ENOENT;
      return (-1);
    }
    /* Gone (removed by hand?): try the next one. */
  }
}


/*
 * 'gwSpoolRecover()' - Remove every file in incoming/ (partial writes of a
 *                      previous run) and adopt the recycled files of
 *                      free/.  Call at start, before any writer exists.
 *                      *removed_r (may be NULL) gets the count.
 */

bool
gwSpoolRecover(gw_spool_t *spool, unsigned *removed_r)
{
  DIR           *d;
  struct dirent *de;
  unsigned       removed = 0;
  bool           ok = true;

  if (removed_r)
    *removed_r = 0;
  if (!spool)
    return (false);

  if ((d = read_dir(spool, spool->incoming_fd, spool->incoming)) == NULL)
    return (false);

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

  free_adopt(spool);

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

  if (!spool || !_gwSpoolMakeName(job_id, docnum, name))
    return (false);

  if (unlinkat(spool->jobs_fd, name, 0) && errno != ENOENT)
  {
    gwLog(spool->log, GW_LOG_ERROR, "Unable to remove the spool file of job %s document %u: %s", job_id, docnum, strerror(errno));
    return (false);
  }

  return (true);
}


/*
 * 'gwSpoolRecycle()' - Remove a committed document that no reader has open
 *                      (a reader of an emptied file would fail, where an
 *                      unlinked one stays readable): emptied and moved to
 *                      free/ for the next writer, else unlinked.
 */

bool
gwSpoolRecycle(gw_spool_t *spool, const char *job_id, unsigned docnum)
{
  char name[SPOOL_NAME_MAX];

  if (!spool || !_gwSpoolMakeName(job_id, docnum, name))
    return (false);

  return (free_put(spool, spool->jobs_fd, name) || gwSpoolRemove(spool, job_id, docnum));
}


/*
 * 'gwSpoolExists()' - Is there a committed file for this document?
 */

bool
gwSpoolExists(gw_spool_t *spool, const char *job_id, unsigned docnum)
{
  char        name[SPOOL_NAME_MAX];
  struct stat st;

  if (!spool || !_gwSpoolMakeName(job_id, docnum, name))
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

  if (!spool || !buf || !bufsize || !_gwSpoolMakeName(job_id, docnum, name))
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

  if (!spool || !cb)
    return (false);

  if ((d = read_dir(spool, spool->jobs_fd, spool->jobs)) == NULL)
    return (false);

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
