/*
 * store-sqlite-vfs.c - a thin SQLite VFS over the default one that gathers
 * a commit's WAL frames into one write.
 *
 * SQLite writes every WAL frame with two pwrite() calls, its 24-byte
 * header and its page: a job's creation (about 23 frames) costs some 46
 * system calls, and each costs ~1.5 us on the paravirtualised machines we
 * measure on (docs/benchmarks.md, "IPP intake, tenth round"); one pwrite()
 * of the same 95 KB costs ~5 us.  This VFS ("printgate") keeps the
 * frames' bytes in a buffer while they arrive back to back and writes them
 * at once:
 *
 *   - after the page of a commit frame (a frame header whose "database size
 *     after commit" field is not zero, the WAL format's mark of a commit),
 *     so the frames are in the file, with any error returned by that
 *     xWrite, before SQLite publishes them in the wal-index (only then can
 *     another connection, or a checkpoint, read them);
 *   - before anything that looks at the file: xRead, xSync, xFileSize,
 *     xTruncate, xFileControl, xClose; before a write that does not follow
 *     the buffered bytes; and when the buffer is full.
 *
 * Only the -wal file of the connection the store opens is buffered; the
 * database file and everything else go straight to the default VFS.  The
 * group commit's fsync (store-sqlite-sync.c) runs after the commit has
 * returned, so after its frames were written; _gwSqlVfsSettle() checks, in
 * _gwSqlUnlock(), that no bytes stayed buffered.
 */

#include "store-sqlite-private.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define VFS_NAME     "printgate"
#define WAL_BUF_SIZE 0x1ffff           /* The unix VFS writes at most 128 KB - 1 at once */
#define FRAME_HDR    24                 /* WAL frame header size (SQLite file format) */


typedef struct vfs_file_s               /* One open file */
{
  sqlite3_file  base;                   /* Our methods */
  sqlite3_file *real;                   /* The default VFS's file, just after us */
  bool          wal;                    /* The -wal file: buffered */
  bool          commit_next;            /* The buffered frame header was a commit's */
  unsigned char *buf;                   /* Buffered bytes (WAL_BUF_SIZE) */
  size_t        len;                    /* ... how many */
  sqlite3_int64 off;                    /* ... their file offset */
} vfs_file_t;


static sqlite3_vfs        vfs;          /* Ours */
static sqlite3_io_methods vfs_methods;  /* Filled from the default VFS's on first open */
static pthread_once_t     vfs_once = PTHREAD_ONCE_INIT;
static bool               vfs_ok = false;
static pthread_mutex_t    vfs_methods_lock = PTHREAD_MUTEX_INITIALIZER;
static bool               vfs_methods_set = false;


#define REAL(f)       (((vfs_file_t *)(f))->real)
#define REAL_VFS      ((sqlite3_vfs *)vfs.pAppData)


/*
 * 'wal_flush()' - Write the buffered bytes.  SQLite's error code.
 */

static int
wal_flush(vfs_file_t *f)
{
  int rc;

  if (f->len == 0)
    return (SQLITE_OK);

  rc = f->real->pMethods->xWrite(f->real, f->buf, (int)f->len, f->off);
  f->len         = 0;
  f->commit_next = false;

  return (rc);
}


/*
 * File methods: the -wal file's writes are gathered, everything else is the
 * default VFS's, after a flush where the file's contents matter.
 */

static int
vfs_close(sqlite3_file *file)
{
  vfs_file_t *f = (vfs_file_t *)file;
  int         rc = wal_flush(f), rc2;

  rc2 = f->real->pMethods->xClose(f->real);
  free(f->buf);
  f->buf = NULL;

  return (rc != SQLITE_OK ? rc : rc2);
}


static int
vfs_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
  int rc = wal_flush((vfs_file_t *)file);

  return (rc != SQLITE_OK ? rc : REAL(file)->pMethods->xRead(REAL(file), buf, amt, off));
}


static int
vfs_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 off)
{
  vfs_file_t          *f = (vfs_file_t *)file;
  const unsigned char *p = data;
  int                  rc;

  if (!f->wal || amt <= 0 || amt > WAL_BUF_SIZE)
  {
    if ((rc = wal_flush(f)) != SQLITE_OK)
      return (rc);
    return (f->real->pMethods->xWrite(f->real, data, amt, off));
  }

  if (f->len > 0 && (f->off + (sqlite3_int64)f->len != off || f->len + (size_t)amt > WAL_BUF_SIZE))
  {
    if ((rc = wal_flush(f)) != SQLITE_OK)
      return (rc);
  }

  if (!f->buf && (f->buf = malloc(WAL_BUF_SIZE)) == NULL)
    return (f->real->pMethods->xWrite(f->real, data, amt, off));

  if (f->len == 0)
    f->off = off;
  memcpy(f->buf + f->len, data, (size_t)amt);
  f->len += (size_t)amt;

  if (amt == FRAME_HDR)
  {
    /* A frame header: bytes 4-7 are the database size after a commit, 0 otherwise. */
    f->commit_next = p[4] || p[5] || p[6] || p[7];
    return (SQLITE_OK);
  }

  if (f->commit_next)
    return (wal_flush(f));              /* The commit frame's page: write it all now */

  return (SQLITE_OK);
}


static int
vfs_truncate(sqlite3_file *file, sqlite3_int64 size)
{
  int rc = wal_flush((vfs_file_t *)file);

  return (rc != SQLITE_OK ? rc : REAL(file)->pMethods->xTruncate(REAL(file), size));
}


static int
vfs_sync(sqlite3_file *file, int flags)
{
  int rc = wal_flush((vfs_file_t *)file);

  return (rc != SQLITE_OK ? rc : REAL(file)->pMethods->xSync(REAL(file), flags));
}


static int
vfs_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
  int rc = wal_flush((vfs_file_t *)file);

  return (rc != SQLITE_OK ? rc : REAL(file)->pMethods->xFileSize(REAL(file), size));
}


static int
vfs_lock(sqlite3_file *file, int level)
{
  return (REAL(file)->pMethods->xLock(REAL(file), level));
}


static int
vfs_unlock(sqlite3_file *file, int level)
{
  return (REAL(file)->pMethods->xUnlock(REAL(file), level));
}


static int
vfs_check_reserved(sqlite3_file *file, int *out)
{
  return (REAL(file)->pMethods->xCheckReservedLock(REAL(file), out));
}


static int
vfs_file_control(sqlite3_file *file, int op, void *arg)
{
  int rc = wal_flush((vfs_file_t *)file);

  return (rc != SQLITE_OK ? rc : REAL(file)->pMethods->xFileControl(REAL(file), op, arg));
}


static int
vfs_sector_size(sqlite3_file *file)
{
  return (REAL(file)->pMethods->xSectorSize(REAL(file)));
}


static int
vfs_device_characteristics(sqlite3_file *file)
{
  return (REAL(file)->pMethods->xDeviceCharacteristics(REAL(file)));
}


static int
vfs_shm_map(sqlite3_file *file, int region, int size, int extend, void volatile **p)
{
  return (REAL(file)->pMethods->xShmMap(REAL(file), region, size, extend, p));
}


static int
vfs_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
  return (REAL(file)->pMethods->xShmLock(REAL(file), offset, n, flags));
}


static void
vfs_shm_barrier(sqlite3_file *file)
{
  REAL(file)->pMethods->xShmBarrier(REAL(file));
}


static int
vfs_shm_unmap(sqlite3_file *file, int delete_flag)
{
  return (REAL(file)->pMethods->xShmUnmap(REAL(file), delete_flag));
}


static int
vfs_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **pp)
{
  return (REAL(file)->pMethods->xFetch(REAL(file), off, amt, pp));
}


static int
vfs_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
  return (REAL(file)->pMethods->xUnfetch(REAL(file), off, p));
}


/*
 * 'methods_set()' - Our method table, as capable as the default VFS's
 *                   (its iVersion; the shared-memory and mmap methods only
 *                   when it has them).
 */

static void
methods_set(const sqlite3_io_methods *real)
{
  pthread_mutex_lock(&vfs_methods_lock);
  if (!vfs_methods_set)
  {
    vfs_methods.iVersion               = real->iVersion;
    vfs_methods.xClose                 = vfs_close;
    vfs_methods.xRead                  = vfs_read;
    vfs_methods.xWrite                 = vfs_write;
    vfs_methods.xTruncate              = vfs_truncate;
    vfs_methods.xSync                  = vfs_sync;
    vfs_methods.xFileSize              = vfs_file_size;
    vfs_methods.xLock                  = vfs_lock;
    vfs_methods.xUnlock                = vfs_unlock;
    vfs_methods.xCheckReservedLock     = vfs_check_reserved;
    vfs_methods.xFileControl           = vfs_file_control;
    vfs_methods.xSectorSize            = vfs_sector_size;
    vfs_methods.xDeviceCharacteristics = vfs_device_characteristics;
    if (real->iVersion >= 2)
    {
      vfs_methods.xShmMap     = vfs_shm_map;
      vfs_methods.xShmLock    = vfs_shm_lock;
      vfs_methods.xShmBarrier = vfs_shm_barrier;
      vfs_methods.xShmUnmap   = vfs_shm_unmap;
    }
    if (real->iVersion >= 3)
    {
      vfs_methods.xFetch   = vfs_fetch;
      vfs_methods.xUnfetch = vfs_unfetch;
    }
    vfs_methods_set = true;
  }
  pthread_mutex_unlock(&vfs_methods_lock);
}


/*
 * 'vfs_open()' - Open a file through the default VFS; buffer it if it is a
 *                -wal file.
 */

static int
vfs_open(sqlite3_vfs *v, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
  vfs_file_t *f = (vfs_file_t *)file;
  int         rc;

  (void)v;

  memset(f, 0, sizeof(vfs_file_t));
  f->real = (sqlite3_file *)(f + 1);
  f->wal  = (flags & SQLITE_OPEN_WAL) != 0;

  rc = REAL_VFS->xOpen(REAL_VFS, name, f->real, flags, out_flags);
  if (f->real->pMethods)
  {
    methods_set(f->real->pMethods);
    f->base.pMethods = &vfs_methods;
  }

  return (rc);
}


/*
 * The VFS's other methods: the default VFS's, called with the default VFS.
 */

static int
vfs_delete(sqlite3_vfs *v, const char *name, int sync_dir)
{
  (void)v;
  return (REAL_VFS->xDelete(REAL_VFS, name, sync_dir));
}


static int
vfs_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
  (void)v;
  return (REAL_VFS->xAccess(REAL_VFS, name, flags, out));
}


static int
vfs_full_pathname(sqlite3_vfs *v, const char *name, int size, char *out)
{
  (void)v;
  return (REAL_VFS->xFullPathname(REAL_VFS, name, size, out));
}


static int
vfs_randomness(sqlite3_vfs *v, int size, char *out)
{
  (void)v;
  return (REAL_VFS->xRandomness(REAL_VFS, size, out));
}


static int
vfs_sleep(sqlite3_vfs *v, int us)
{
  (void)v;
  return (REAL_VFS->xSleep(REAL_VFS, us));
}


static int
vfs_current_time(sqlite3_vfs *v, double *out)
{
  (void)v;
  return (REAL_VFS->xCurrentTime(REAL_VFS, out));
}


static int
vfs_last_error(sqlite3_vfs *v, int size, char *out)
{
  (void)v;
  return (REAL_VFS->xGetLastError ? REAL_VFS->xGetLastError(REAL_VFS, size, out) : 0);
}


static int
vfs_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
  (void)v;
  return (REAL_VFS->xCurrentTimeInt64(REAL_VFS, out));
}


/*
 * 'vfs_register()' - Register "printgate" over the default VFS, once.
 */

static void
vfs_register(void)
{
  sqlite3_vfs *real = sqlite3_vfs_find(NULL);

  if (!real || real->iVersion < 2 || !real->xCurrentTimeInt64)
    return;

  memset(&vfs, 0, sizeof(vfs));
  vfs.iVersion          = 2;
  vfs.szOsFile          = (int)sizeof(vfs_file_t) + real->szOsFile;
  vfs.mxPathname        = real->mxPathname;
  vfs.zName             = VFS_NAME;
  vfs.pAppData          = real;
  vfs.xOpen             = vfs_open;
  vfs.xDelete           = vfs_delete;
  vfs.xAccess           = vfs_access;
  vfs.xFullPathname     = vfs_full_pathname;
  vfs.xRandomness       = vfs_randomness;
  vfs.xSleep            = vfs_sleep;
  vfs.xCurrentTime      = vfs_current_time;
  vfs.xGetLastError     = vfs_last_error;
  vfs.xCurrentTimeInt64 = vfs_current_time64;

  vfs_ok = sqlite3_vfs_register(&vfs, 0) == SQLITE_OK;
}


/*
 * '_gwSqlVfsName()' - The VFS name for sqlite3_open_v2(): "printgate", or
 *                     NULL (the default VFS) if it could not be registered.
 */

const char *
_gwSqlVfsName(void)
{
  pthread_once(&vfs_once, vfs_register);

  return (vfs_ok ? VFS_NAME : NULL);
}


/*
 * '_gwSqlVfsSettle()' - Write what the connection's -wal file still buffers
 *                       (connection mutex held).  Returns how many bytes
 *                       that was: 0 after every commit, as the commit frame
 *                       writes them; -1 if writing them failed.
 */

long
_gwSqlVfsSettle(sqlite3 *db)
{
  sqlite3_file *file = NULL;
  vfs_file_t   *f;
  long          len;

  if (!vfs_ok || sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file) != SQLITE_OK || !file || file->pMethods != &vfs_methods)
    return (0);

  f   = (vfs_file_t *)file;
  len = (long)f->len;

  return (wal_flush(f) == SQLITE_OK ? len : -1);
}
