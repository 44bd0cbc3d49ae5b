/*
 * convert-landlock.c - the Landlock layer of the helper's sandbox.
 *
 * After this, the helper (and Ghostscript inside it) can read only the
 * Ghostscript resources, fonts and the few system files listed below, and
 * read and write only its private directory.  It can execute nothing,
 * connect or bind no TCP port (ABI 4+), and signal no process outside its
 * own Landlock domain (ABI 6+).  Files that are not in any file system
 * hierarchy (the memfd the daemon hands over as fd 0, pipes) stay usable.
 *
 * Raw system calls: glibc has no wrappers.  The kernel headers on Debian 12
 * (linux-libc-dev 6.1) stop at ABI 2, so the newer constants and the
 * extended ruleset attribute are defined here; the ABI the running kernel
 * supports decides which of them are used.
 */

#include "convert-private.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>


/*
 * Constants newer than linux-libc-dev 6.1.
 */

#ifndef LANDLOCK_ACCESS_FS_REFER
#  define LANDLOCK_ACCESS_FS_REFER            (1ULL << 13)   /* ABI 2 */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#  define LANDLOCK_ACCESS_FS_TRUNCATE         (1ULL << 14)   /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#  define LANDLOCK_ACCESS_FS_IOCTL_DEV        (1ULL << 15)   /* ABI 5 */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#  define LANDLOCK_ACCESS_NET_BIND_TCP        (1ULL << 0)    /* ABI 4 */
#  define LANDLOCK_ACCESS_NET_CONNECT_TCP     (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#  define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)    /* ABI 6 */
#  define LANDLOCK_SCOPE_SIGNAL               (1ULL << 1)
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#  define LANDLOCK_CREATE_RULESET_VERSION     (1U << 0)
#endif

#define ACCESS_FS_ABI1 ((1ULL << 13) - 1)   /* EXECUTE ... MAKE_SYM */

/* Rights that make sense on a regular file (the rest are directory rights). */
#define ACCESS_FILE    (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
                        LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
                        LANDLOCK_ACCESS_FS_IOCTL_DEV)

#define ACCESS_READ    (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define ACCESS_PRIVATE (ACCESS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
                        LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | \
                        LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_TRUNCATE)


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
 * What the helper may read.  Ghostscript's own resources, ICC profiles and
 * font map; the files they point to (Resource/Font holds symlinks into
 * /usr/share/fonts, iccprofiles is a link to /usr/share/color/icc, the
 * CJK CMaps link into /usr/share/poppler: Landlock checks the file a link
 * resolves to);
 * fontconfig's configuration and cache; and libpaper's default.  Shared
 * libraries are all mapped before the sandbox starts; nothing is loaded
 * later (checked with strace, docs/converters.md).  Missing paths are
 * skipped.  The same list is all the helper's minimal file system view
 * holds (convert-sandbox.c), so the two layers agree.
 */

const char * const _gwConvReadOnlyPaths[] =
{
  "/usr/share/ghostscript",
  "/usr/share/color/icc",               /* Ghostscript's iccprofiles links here */
  "/var/lib/ghostscript",
  "/usr/share/fonts",
  "/usr/local/share/fonts",             /* fontconfig's font directory for local fonts (text) */
  "/usr/share/poppler",
  "/usr/share/cups/fonts",
  "/etc/fonts",
  "/usr/share/fontconfig",              /* /etc/fonts/conf.d links here */
  "/var/cache/fontconfig",
  "/etc/papersize",
  NULL
};


/*
 * '_gwConvLandlockAbi()' - The Landlock ABI version of the running kernel,
 *                          0 when it has none (or it is disabled).
 */

int
_gwConvLandlockAbi(void)
{
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

  return (abi < 0 ? 0 : (int)abi);
}


/*
 * 'add_path()' - Allow access below (or to) path; a missing path is fine.
 */

static bool
add_path(int ruleset, const char *path, int dirfd, uint64_t access, uint64_t handled)
{
  struct landlock_path_beneath_attr rule;
  struct stat                        st;
  int                                fd = dirfd;
  long                               rc;

  if (path && (fd = open(path, O_PATH | O_CLOEXEC)) < 0)
    return (errno == ENOENT || errno == ENOTDIR || errno == EACCES);

  if (fstat(fd, &st))
  {
    if (path)
      close(fd);
    return (false);
  }

  if (!S_ISDIR(st.st_mode))
    access &= ACCESS_FILE;

  memset(&rule, 0, sizeof(rule));
  rule.allowed_access = access & handled;
  rule.parent_fd      = fd;

  rc = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);

  if (path)
    close(fd);

  return (rc == 0);
}


/*
 * '_gwConvLandlockApply()' - Restrict the file system (and, where the ABI
 *                            has them, TCP and signals) for good.
 *
 * No Landlock in the kernel is said once on stderr and the other layers
 * still apply (when not root, _gwConvSandboxApply() has already refused
 * unless PG_CONVERT_REQUIRE_LANDLOCK=0).  Any other failure fails the
 * conversion.
 */

bool
_gwConvLandlockApply(gw_conv_t *conv)
{
  landlock_attr_t attr;
  size_t          attr_size;
  int             abi = conv->layers.pretend_no_landlock ? 0 : _gwConvLandlockAbi(), ruleset;
  bool            ok = true;

  conv->sandbox.landlock_abi = abi;

  if (abi < 1)
  {
    _gwConvLog("Landlock is not available in this kernel; continuing with the file system view, rlimits, the user switch and seccomp");
    return (true);
  }

  memset(&attr, 0, sizeof(attr));
  attr.handled_access_fs = ACCESS_FS_ABI1;
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

  if ((ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0)) < 0)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to create the Landlock ruleset (errno %d)", errno));

  for (int i = 0; ok && _gwConvReadOnlyPaths[i]; i ++)
    ok = add_path(ruleset, _gwConvReadOnlyPaths[i], -1, ACCESS_READ, attr.handled_access_fs);

#if defined(__SANITIZE_ADDRESS__) || defined(PRINTGATE_SANITIZE)
  /* LeakSanitizer reads our own /proc entries (maps, task list) at exit. */
  if (ok)
    ok = add_path(ruleset, "/proc/self", -1, ACCESS_READ, attr.handled_access_fs);
#endif

  if (ok)
    ok = add_path(ruleset, NULL, conv->sandbox.dir_fd, ACCESS_PRIVATE, attr.handled_access_fs);

  if (!ok)
  {
    close(ruleset);
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to add a Landlock rule (errno %d)", errno));
  }

  if (syscall(SYS_landlock_restrict_self, ruleset, 0))
  {
    close(ruleset);
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to enforce Landlock (errno %d)", errno));
  }

  close(ruleset);
  conv->sandbox.landlock_on = true;
  return (true);
}
