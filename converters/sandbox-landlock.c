/*
 * sandbox-landlock.c - the Landlock ruleset both sandboxes build
 * (sandbox-landlock.h).
 */

#include "sandbox-landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>


/*
 * The ruleset attribute as of ABI 6 (the kernel takes a shorter one from
 * an older ABI; we pass the size that matches the ABI we use).
 */

typedef struct landlock_attr_s
{
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
} landlock_attr_t;


/*
 * '_gwSandboxLandlockAbi()' - The running kernel's Landlock ABI version,
 *                             0 when it has none (or it is disabled).
 */

int
_gwSandboxLandlockAbi(void)
{
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

  return (abi < 0 ? 0 : (int)abi);
}


/*
 * '_gwSandboxLandlockRuleset()' - A ruleset that handles every file system
 *                                 right the ABI knows, TCP bind and connect
 *                                 (ABI 4+), and abstract Unix sockets and
 *                                 signals outside the domain (ABI 6+): all
 *                                 refused unless a rule allows them.
 *                                 Returns its fd, or -1 with errno.
 */

int
_gwSandboxLandlockRuleset(int abi, uint64_t *handled_fs)
{
  landlock_attr_t attr;
  size_t          attr_size;

  if (abi < 1)
  {
    errno = EOPNOTSUPP;
    return (-1);
  }

  memset(&attr, 0, sizeof(attr));
  attr.handled_access_fs = GW_LANDLOCK_FS_ABI1;
  attr_size              = sizeof(attr.handled_access_fs);

  if (abi >= 2)
    attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3)
    attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
  if (abi >= 4)
  {
    attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
    attr_size               = offsetof(landlock_attr_t, scoped);
  }
  if (abi >= 5)
    attr.handled_access_fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
  if (abi >= 6)
  {
    attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
    attr_size   = sizeof(attr);
  }

  *handled_fs = attr.handled_access_fs;

  return ((int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0));
}


/*
 * '_gwSandboxLandlockAddPath()' - Allow 'access' below (or on) path, or on
 *                                 dirfd when path is NULL.  Directory
 *                                 rights are dropped for a file.  Returns 1
 *                                 when the rule is added, 0 when the path
 *                                 does not exist (skipped), -1 with errno.
 */

int
_gwSandboxLandlockAddPath(int ruleset, const char *path, int dirfd, uint64_t access, uint64_t handled_fs)
{
  struct landlock_path_beneath_attr rule;
  struct stat                        st;
  int                                fd = dirfd, saved;
  long                               rc;

  if (path && (fd = open(path, O_PATH | O_CLOEXEC)) < 0)
    return ((errno == ENOENT || errno == ENOTDIR) ? 0 : -1);

  if (fstat(fd, &st))
  {
    saved = errno;
    if (path)
      close(fd);
    errno = saved;
    return (-1);
  }

  if (!S_ISDIR(st.st_mode))
    access &= GW_LANDLOCK_FILE;

  memset(&rule, 0, sizeof(rule));
  rule.allowed_access = access & handled_fs;
  rule.parent_fd      = fd;

  rc    = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
  saved = errno;
  if (path)
    close(fd);
  errno = saved;

  return (rc == 0 ? 1 : -1);
}


/*
 * '_gwSandboxLandlockRestrict()' - Enforce the ruleset on the calling
 *                                  thread (and what it executes) for good;
 *                                  no_new_privs must be set already.
 */

bool
_gwSandboxLandlockRestrict(int ruleset)
{
  return (syscall(SYS_landlock_restrict_self, ruleset, 0) == 0);
}
