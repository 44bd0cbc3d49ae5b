/*
 * sqlite-writes.h - for store tests: count, and on demand fail (ENOSPC),
 * the write system calls of SQLite's unix VFS (xSetSystemCall), so a test
 * can play a full or failing disk under a commit.  Include in one test
 * file; call sqlite_hook_writes() before opening a database.
 */

#ifndef PRINTGATE_TEST_SQLITE_WRITES_H
#define PRINTGATE_TEST_SQLITE_WRITES_H

#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <sys/types.h>

static int  sqlite_writes = 0;          /* Write system calls SQLite made (atomic) */
static bool sqlite_fail_writes = false; /* Make them fail (atomic) */
static sqlite3_syscall_ptr real_pwrite = NULL, real_pwrite64 = NULL, real_write = NULL;


/*
 * 'sqlite_write_fails()' - Count a write; true (errno ENOSPC) if writes
 *                          fail now.
 */

static bool
sqlite_write_fails(void)
{
  __atomic_add_fetch(&sqlite_writes, 1, __ATOMIC_RELAXED);
  if (!__atomic_load_n(&sqlite_fail_writes, __ATOMIC_ACQUIRE))
    return (false);
  errno = ENOSPC;
  return (true);
}


static ssize_t
count_pwrite(int fd, const void *buf, size_t len, off_t off)
{
  return (sqlite_write_fails() ? -1 : ((ssize_t (*)(int, const void *, size_t, off_t))real_pwrite)(fd, buf, len, off));
}


static ssize_t
count_pwrite64(int fd, const void *buf, size_t len, off_t off)
{
  return (sqlite_write_fails() ? -1 : ((ssize_t (*)(int, const void *, size_t, off_t))real_pwrite64)(fd, buf, len, off));
}


static ssize_t
count_write(int fd, const void *buf, size_t len)
{
  return (sqlite_write_fails() ? -1 : ((ssize_t (*)(int, const void *, size_t))real_write)(fd, buf, len));
}


/*
 * 'sqlite_hook_writes()' - Count (and on demand fail) the unix VFS's
 *                          writes.
 */

static void
sqlite_hook_writes(void)
{
  sqlite3_vfs *unix_vfs = sqlite3_vfs_find("unix");

  real_pwrite   = unix_vfs->xGetSystemCall(unix_vfs, "pwrite");
  real_pwrite64 = unix_vfs->xGetSystemCall(unix_vfs, "pwrite64");
  real_write    = unix_vfs->xGetSystemCall(unix_vfs, "write");
  if (real_pwrite)
    unix_vfs->xSetSystemCall(unix_vfs, "pwrite", (sqlite3_syscall_ptr)count_pwrite);
  if (real_pwrite64)
    unix_vfs->xSetSystemCall(unix_vfs, "pwrite64", (sqlite3_syscall_ptr)count_pwrite64);
  if (real_write)
    unix_vfs->xSetSystemCall(unix_vfs, "write", (sqlite3_syscall_ptr)count_write);
}


/*
 * 'sqlite_set_fail_writes()' - Make SQLite's writes fail (or not) from now on.
 */

static void
sqlite_set_fail_writes(bool fail)
{
  __atomic_store_n(&sqlite_fail_writes, fail, __ATOMIC_RELEASE);
}

#endif /* !PRINTGATE_TEST_SQLITE_WRITES_H */
