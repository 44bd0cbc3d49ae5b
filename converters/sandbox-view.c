/*
 * sandbox-view.c - the minimal file system view of both sandboxes (see
 * sandbox-view.h, docs/converters.md and docs/office.md).
 *
 * How the view is built, in the caller's new mount namespace:
 *
 *   1. every mount becomes private (nothing propagates back to the host);
 *   2. an empty tmpfs is mounted over /tmp (only in this namespace) and
 *      becomes the new root: the listed paths are bound into it read-only
 *      (keeping the flags the kernel locks in a user namespace: nosuid,
 *      nodev, noexec, atime), device files read-write, the private
 *      directory read-write by its descriptor (so a private directory
 *      below /tmp still works), the host's top-level symlinks (/lib ->
 *      usr/lib) copied, and optionally a private /tmp and a /proc of the
 *      caller's new pid namespace (which shows only the sandbox's own
 *      processes);
 *   3. pivot_root into it and detach the old root, then make the new root
 *      itself read-only.
 *
 * A process that is not root first enters a user namespace that maps only
 * its own uid and gid (_gwSandboxUserns()); the capabilities it has there
 * are dropped by _gwSandboxDropCaps() once the view is built.
 */

#include "sandbox-view.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define STAGE "/tmp"                    /* Where the new root is built */

static bool enter_view(const gw_sandbox_view_t *view, char *error, size_t errsize);


/*
 * 'write_file()' - Write a short string to a /proc file.
 */

static bool
write_file(const char *path, const char *text)
{
  int     fd = open(path, O_WRONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return (false);
  n = write(fd, text, strlen(text));
  close(fd);

  return (n == (ssize_t)strlen(text));
}


/*
 * '_gwSandboxUserns()' - Unshare a user namespace (with extra_flags, e.g.
 *                        CLONE_NEWNS | CLONE_NEWNET) that maps only uid
 *                        and gid to themselves; setgroups is denied.
 */

bool
_gwSandboxUserns(uid_t uid, gid_t gid, int extra_flags, char *error, size_t errsize)
{
  char map[64];

  if (unshare(CLONE_NEWUSER | extra_flags))
  {
    snprintf(error, errsize, "unable to create a user namespace (errno %d); unprivileged user namespaces must be enabled (kernel.unprivileged_userns_clone, user.max_user_namespaces), or run the daemon as root", errno);
    return (false);
  }

  snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
  if (!write_file("/proc/self/setgroups", "deny") || !write_file("/proc/self/uid_map", map))
  {
    snprintf(error, errsize, "unable to map our uid into the user namespace (errno %d)", errno);
    return (false);
  }

  snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
  if (!write_file("/proc/self/gid_map", map))
  {
    snprintf(error, errsize, "unable to map our gid into the user namespace (errno %d)", errno);
    return (false);
  }

  return (true);
}


/*
 * 'make_path()' - mkdir -p STAGE/path; the last component is a directory
 *                 (dir=true) or an empty file.
 */

static bool
make_path(const char *path, bool dir)
{
  char full[PATH_MAX];
  int  fd;

  if (snprintf(full, sizeof(full), STAGE "%s", path) >= (int)sizeof(full))
  {
    errno = ENAMETOOLONG;
    return (false);
  }

  for (char *p = full + sizeof(STAGE); *p; p ++)
  {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(full, 0755) && errno != EEXIST)
      return (false);
    *p = '/';
  }

  if (dir)
    return (mkdir(full, 0755) == 0 || errno == EEXIST);

  if ((fd = open(full, O_RDONLY | O_CREAT | O_CLOEXEC, 0644)) < 0)
    return (false);
  close(fd);

  return (true);
}


/*
 * 'locked_flags()' - The mount flags of path that a user namespace may not
 *                    clear on a bind mount's remount.
 */

static unsigned long
locked_flags(const char *path)
{
  static const unsigned long st_ms[][2] =      /* statvfs flag, mount flag */
  {
    { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV }, { ST_NOEXEC, MS_NOEXEC },
    { ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME }
  };
  struct statvfs sv;
  unsigned long  flags = 0;

  if (statvfs(path, &sv))
    return (MS_NOSUID | MS_NODEV);

  for (size_t i = 0; i < sizeof(st_ms) / sizeof(st_ms[0]); i ++)
  {
    if (sv.f_flag & st_ms[i][0])
      flags |= st_ms[i][1];
  }

  return (flags);
}


/*
 * 'bind_path()' - Bind path at STAGE/path (read-only unless writable).  A
 *                 missing path is skipped.
 */

static bool
bind_path(const char *path, bool writable, char *error, size_t errsize)
{
  struct stat   st;
  char          target[PATH_MAX];
  unsigned long flags;

  if (stat(path, &st))
  {
    if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
      return (true);
    snprintf(error, errsize, "unable to look at %s (errno %d)", path, errno);
    return (false);
  }

  snprintf(target, sizeof(target), STAGE "%s", path);
  flags = locked_flags(path);

  if (!make_path(path, S_ISDIR(st.st_mode)) ||
      mount(path, target, NULL, MS_BIND | MS_REC, NULL) ||
      mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | (writable ? 0 : MS_RDONLY) | MS_NOSUID | flags, NULL))
  {
    snprintf(error, errsize, "unable to bind %s into the sandbox (errno %d)", path, errno);
    return (false);
  }

  return (true);
}


/*
 * 'copy_root_links()' - Copy the host's top-level symlinks (/bin, /lib,
 *                       /lib64 on a merged-/usr system) into STAGE.
 */

static void
copy_root_links(void)
{
  DIR           *dir = opendir("/");
  struct dirent *ent;

  if (!dir)
    return;

  while ((ent = readdir(dir)) != NULL)
  {
    char    from[PATH_MAX], to[PATH_MAX];
    ssize_t len;

    if (ent->d_type != DT_LNK || strlen(ent->d_name) > 64)
      continue;
    snprintf(from, sizeof(from), "/%s", ent->d_name);
    if ((len = readlink(from, to, sizeof(to) - 1)) <= 0)
      continue;
    to[len] = '\0';
    snprintf(from, sizeof(from), STAGE "/%s", ent->d_name);
    if (symlink(to, from)) { /* best effort: a link nobody uses */ }
  }

  closedir(dir);
}


/*
 * '_gwSandboxViewEnter()' - Build the view and pivot into it.  The caller
 *                           is in a new mount namespace (and user
 *                           namespace when not root).  Afterwards the
 *                           caller's cwd is "/": it must reopen its
 *                           private directory by path.
 */

bool
_gwSandboxViewEnter(const gw_sandbox_view_t *view, char *error, size_t errsize)
{
  mode_t old_mask = umask(022);         /* The daemon's 077 would make the view's folders root-only */
  bool   ok = enter_view(view, error, errsize);

  umask(old_mask);
  return (ok);
}


/*
 * 'enter_view()' - _gwSandboxViewEnter() under umask 022.
 */

static bool
enter_view(const gw_sandbox_view_t *view, char *error, size_t errsize)
{
  char target[PATH_MAX], source[64];
  int  root;

  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
  {
    snprintf(error, errsize, "unable to make the mounts private (errno %d)", errno);
    return (false);
  }

  if (mount("printgate-sandbox", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=1000,mode=0755"))
  {
    snprintf(error, errsize, "unable to mount the sandbox's root (errno %d)", errno);
    return (false);
  }

  for (int i = 0; view->read_only && view->read_only[i]; i ++)
  {
    if (!bind_path(view->read_only[i], false, error, errsize))
      return (false);
  }

  for (int i = 0; view->devices && view->devices[i]; i ++)
  {
    if (!bind_path(view->devices[i], true, error, errsize))
      return (false);
  }

  copy_root_links();

  /*
   * The private directory, by its descriptor: its path may be hidden by
   * the new root (a directory below /tmp).
   */

  snprintf(source, sizeof(source), "/proc/self/fd/%d", view->private_fd);
  snprintf(target, sizeof(target), STAGE "%s", view->private_path);
  if (!make_path(view->private_path, true) || mount(source, target, NULL, MS_BIND, NULL))
  {
    snprintf(error, errsize, "unable to bind the private directory into the sandbox (errno %d)", errno);
    return (false);
  }

  if (view->tmp_options &&
      (!make_path("/tmp", true) ||
       mount("printgate-tmp", STAGE "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, view->tmp_options)))
  {
    snprintf(error, errsize, "unable to mount a private tmpfs on /tmp (errno %d)", errno);
    return (false);
  }

  /*
   * A /proc of the new pid namespace.  The kernel refuses it in a user
   * namespace when the host's /proc is partly covered by locked mounts
   * (systemd's ProtectKernelTunables=yes binds /proc/sys read-only): then
   * nothing (the helper copies its document instead) or, where the
   * program cannot run without /proc (LibreOffice), the host's /proc.
   */

  if (view->fresh_proc)
  {
    if (!make_path("/proc", true))
    {
      snprintf(error, errsize, "unable to make /proc in the sandbox (errno %d)", errno);
      return (false);
    }

    if (mount("proc", STAGE "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
    {
      int err = errno;

      if (view->proc_host_fallback && mount("/proc", STAGE "/proc", NULL, MS_BIND | MS_REC, NULL) == 0)
      {
        if (view->proc_is_host)
          *view->proc_is_host = true;
      }
      else if (!view->proc_optional)
      {
        snprintf(error, errsize, "unable to mount a /proc of the new pid namespace (errno %d)", err);
        return (false);
      }
    }
  }

  /*
   * Into it, for good: the old root is detached and cannot be reached.
   */

  if ((root = open(STAGE, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fchdir(root) ||
      syscall(SYS_pivot_root, ".", ".") || umount2(".", MNT_DETACH) || chdir("/"))
  {
    snprintf(error, errsize, "unable to pivot into the sandbox's root (errno %d)", errno);
    if (root >= 0)
      close(root);
    return (false);
  }
  close(root);

  if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL))
  {
    snprintf(error, errsize, "unable to make the sandbox's root read-only (errno %d)", errno);
    return (false);
  }

  return (true);
}


/*
 * '_gwSandboxDropCaps()' - Drop every capability (the ones a user
 *                          namespace gives its creator): bounding set,
 *                          ambient, then effective/permitted/inheritable.
 */

bool
_gwSandboxDropCaps(char *error, size_t errsize)
{
  struct __user_cap_header_struct hdr;
  struct __user_cap_data_struct   data[2];

  for (int cap = 0; cap < 64; cap ++)
  {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
    {
      snprintf(error, errsize, "unable to drop capability %d from the bounding set (errno %d)", cap, errno);
      return (false);
    }
  }

  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);

  memset(&hdr, 0, sizeof(hdr));
  memset(data, 0, sizeof(data));
  hdr.version = _LINUX_CAPABILITY_VERSION_3;
  if (syscall(SYS_capset, &hdr, data) || syscall(SYS_capget, &hdr, data) ||
      data[0].effective || data[0].permitted || data[1].effective || data[1].permitted)
  {
    snprintf(error, errsize, "unable to drop the capabilities (errno %d)", errno);
    return (false);
  }

  return (true);
}


/*
 * '_gwSandboxRelayExit()' - Outside the pid namespace: wait for the
 *                           sandbox's pid 1 and end the way it ended (its
 *                           exit status, or the same signal, e.g. SIGSYS
 *                           from seccomp), so the daemon sees what it would
 *                           have seen without the namespace.
 */

void
_gwSandboxRelayExit(pid_t child)
{
  int      status;
  sigset_t all;

  while (waitpid(child, &status, 0) < 0)
  {
    if (errno != EINTR)
      _exit(2);
  }

  if (WIFEXITED(status))
    _exit(WEXITSTATUS(status));

  if (WIFSIGNALED(status))
  {
    int sig = WTERMSIG(status);

    signal(sig, SIG_DFL);
    sigemptyset(&all);
    sigaddset(&all, sig);
    sigprocmask(SIG_UNBLOCK, &all, NULL);
    raise(sig);
    _exit(128 + sig);
  }

  _exit(2);
}
