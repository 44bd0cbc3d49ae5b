/*
 * sandbox-view.h - the minimal file system view both sandboxes run in
 * (printgate-convert and printgate-office-sandbox; docs/converters.md,
 * docs/office.md "The file system view").
 *
 * In a mount namespace of its own, the sandbox gets an empty tmpfs as its
 * root with only the listed system paths bound into it read-only, its one
 * private directory read-write, and (Office) a private /tmp and a fresh
 * /proc.  Everything else of the host, the daemon's state directory, keys,
 * database and control socket among it, does not exist there, whatever
 * the uid and whether or not the kernel has Landlock.
 */

#ifndef PRINTGATE_SANDBOX_VIEW_H
#define PRINTGATE_SANDBOX_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct gw_sandbox_view_s
{
  const char * const *read_only;        /* Bound read-only at the same path (NULL-terminated; missing skipped) */
  const char * const *devices;          /* Device files bound read-write (NULL-terminated; missing skipped) */
  const char         *private_path;     /* Where the private directory appears (same path as outside) */
  int                 private_fd;       /* The private directory, opened before */
  const char         *tmp_options;      /* Non-NULL: a tmpfs on /tmp with these options */
  bool                fresh_proc;       /* Mount a new /proc (the caller is in a new pid namespace) */
  bool                proc_optional;    /* A /proc that cannot be mounted is left out */
  bool                proc_host_fallback; /* ... or the host's /proc is bound instead (Office) */
  bool               *proc_is_host;     /* Out: set when that fallback was taken */
} gw_sandbox_view_t;

extern bool _gwSandboxUserns(uid_t uid, gid_t gid, int extra_flags, char *error, size_t errsize);
extern bool _gwSandboxViewEnter(const gw_sandbox_view_t *view, char *error, size_t errsize);
extern bool _gwSandboxDropCaps(char *error, size_t errsize);
/* Outside the sandbox's pid namespace: wait for its pid 1 and end the same way */
extern void _gwSandboxRelayExit(pid_t child) __attribute__((noreturn));

#endif /* !PRINTGATE_SANDBOX_VIEW_H */
