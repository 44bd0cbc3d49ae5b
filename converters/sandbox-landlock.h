/*
 * sandbox-landlock.h - the Landlock ruleset both sandboxes build
 * (printgate-convert, convert-landlock.c; printgate-office-sandbox).
 *
 * Raw system calls: glibc has no wrappers.  The kernel headers on Debian 12
 * (linux-libc-dev 6.1) stop at ABI 2, so the newer constants and the
 * extended ruleset attribute are defined here; the ABI the running kernel
 * supports decides which of them are used.  Each sandbox keeps its own
 * list of paths and rights; what is the same (the handled rights per ABI,
 * opening a path for a rule, the file/directory rights split) is here.
 */

#ifndef PRINTGATE_SANDBOX_LANDLOCK_H
#define PRINTGATE_SANDBOX_LANDLOCK_H

#include <linux/landlock.h>
#include <stdbool.h>
#include <stdint.h>

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

#define GW_LANDLOCK_FS_ABI1 ((1ULL << 13) - 1)   /* EXECUTE ... MAKE_SYM */

/* Rights that make sense on a regular file (the rest are directory rights). */
#define GW_LANDLOCK_FILE    (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
                             LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
                             LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define GW_LANDLOCK_READ    (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)

extern int  _gwSandboxLandlockAbi(void);                              /* 0 = none */
extern int  _gwSandboxLandlockRuleset(int abi, uint64_t *handled_fs); /* fd, or -1 (errno) */
extern bool _gwSandboxLandlockRestrict(int ruleset);                 /* Enforce it on this thread, for good */
extern int  _gwSandboxLandlockAddPath(int ruleset, const char *path, int dirfd, uint64_t access, uint64_t handled_fs);
                                                                      /* 1 added, 0 path missing, -1 error (errno) */

#endif /* !PRINTGATE_SANDBOX_LANDLOCK_H */
