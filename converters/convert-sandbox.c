/*
 * convert-sandbox.c - confine the helper before it touches the document.
 *
 * The layers, in the order they are applied (docs/converters.md says what
 * each one stops):
 *
 *   0. when not root, a refusal to run at all if the kernel has no Landlock
 *      (unless the daemon says PG_CONVERT_REQUIRE_LANDLOCK=0);
 *   1. namespaces and a minimal view (sandbox-view.c): new mount, network
 *      and IPC namespaces (when not root inside a user namespace that maps
 *      only our uid, whose capabilities are dropped again), an empty root
 *      with only the read-only paths Landlock also allows and the private
 *      directory, no /proc: the daemon's state directory, keys, database
 *      and control socket do not exist for the helper, and no other
 *      process's /proc entries either;
 *      the private directory (PG_CONVERT_TMPDIR) becomes the working
 *      directory; everything the helper writes goes there, by relative name;
 *   2. resource limits: RLIMIT_CORE 0, RLIMIT_NOFILE, RLIMIT_FSIZE,
 *      RLIMIT_CPU and RLIMIT_AS (hard = soft, so they cannot be raised);
 *   3. when started as root: become PG_CONVERT_USER (default "nobody") with
 *      no supplementary groups, which also drops every capability;
 *   4. a parent-death signal, a clean environment (Ghostscript reads
 *      GS_OPTIONS and GS_LIB, which could switch SAFER off), not dumpable
 *      (no core, /proc entries and ptrace closed even to our own uid);
 *   5. no_new_privs, then Landlock (convert-landlock.c), then seccomp
 *      (convert-seccomp.c).
 *
 * A sanitizer build cannot run under RLIMIT_AS (the shadow memory needs
 * terabytes of address space) or the seccomp filter (LeakSanitizer clones
 * and ptraces a helper task at exit); DESIGN.md lets it relax exactly those
 * two, which main() does.  The sandbox tests run in the normal build.
 */

#include "convert-private.h"
#include "sandbox-view.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


/*
 * 'set_limit()' - Set a soft and hard resource limit.
 */

static bool
set_limit(int resource, rlim_t soft, rlim_t hard)
{
  struct rlimit rl = { soft, hard };

  return (setrlimit(resource, &rl) == 0);
}


/*
 * 'open_private_dir()' - Open PG_CONVERT_TMPDIR and check that it is this
 *                        conversion's own: a real directory (not a symlink),
 *                        owned by us, mode 0700 or tighter, and empty.
 */

static bool
open_private_dir(gw_conv_t *conv)
{
  struct stat    st;
  DIR           *dir;
  struct dirent *ent;
  int            fd, dupfd;
  bool           empty = true;

  fd = open(conv->settings.tmpdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "PG_CONVERT_TMPDIR cannot be opened as a directory (errno %d)", errno));

  if (fstat(fd, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
  {
    close(fd);
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "PG_CONVERT_TMPDIR must be a directory of the daemon's user with mode 0700"));
  }

  if ((dupfd = dup(fd)) < 0 || (dir = fdopendir(dupfd)) == NULL)
  {
    if (dupfd >= 0)
      close(dupfd);
    close(fd);
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "PG_CONVERT_TMPDIR cannot be listed"));
  }

  while ((ent = readdir(dir)) != NULL && empty)
    empty = !strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..");
  closedir(dir);

  if (!empty)
  {
    close(fd);
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "PG_CONVERT_TMPDIR is not empty"));
  }

  conv->sandbox.dir_fd = fd;
  return (true);
}


/*
 * 'lookup_user()' - Find PG_CONVERT_USER; refuse root's uid or gid.
 */

static bool
lookup_user(gw_conv_t *conv)
{
  struct passwd pw, *result = NULL;
  char          buf[4096];

  if (getpwnam_r(conv->settings.user, &pw, buf, sizeof(buf), &result) || !result)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "PG_CONVERT_USER does not exist"));

  if (pw.pw_uid == 0 || pw.pw_gid == 0)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "PG_CONVERT_USER must not be root"));

  conv->sandbox.uid = pw.pw_uid;
  conv->sandbox.gid = pw.pw_gid;
  return (true);
}


/*
 * 'drop_user()' - Become the sandbox user for good (all three uids and
 *                 gids, no supplementary groups) and check it stuck.
 */

static bool
drop_user(gw_conv_t *conv)
{
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;

  if (setgroups(0, NULL) || setresgid(conv->sandbox.gid, conv->sandbox.gid, conv->sandbox.gid) ||
      setresuid(conv->sandbox.uid, conv->sandbox.uid, conv->sandbox.uid))
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to become PG_CONVERT_USER (errno %d)", errno));

  if (getresuid(&ruid, &euid, &suid) || getresgid(&rgid, &egid, &sgid) ||
      ruid != conv->sandbox.uid || euid != ruid || suid != ruid ||
      rgid != conv->sandbox.gid || egid != rgid || sgid != rgid ||
      getgroups(0, NULL) != 0 || setuid(0) == 0)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "the switch to PG_CONVERT_USER did not hold"));

  conv->sandbox.dropped_user = true;
  return (true);
}


/*
 * 'enter_pid_ns()' - Fork into the new pid namespace.  The parent stays
 *                    outside as the daemon's child: it keeps nothing of the
 *                    protocol's descriptors, drops what it can and waits
 *                    (_gwSandboxRelayExit()).  The child (pid 1 inside)
 *                    arms its parent-death signal and goes on; false if
 *                    the parent is already gone.
 */

static bool
enter_pid_ns(gw_conv_t *conv, bool as_root)
{
  int   alive[2];
  pid_t child;

  if (pipe2(alive, O_CLOEXEC))
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to create a pipe (errno %d)", errno));

  if ((child = fork()) < 0)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to start in a new pid namespace (errno %d)", errno));

  if (child > 0)
  {
    char error[200];

    /* Only the pipe end the child watches stays open, as fd 4. */
    for (int fd = 0; fd <= GW_CONV_FD_RESULT; fd ++)
      dup2(conv->sandbox.devnull_fd, fd);
    if (dup2(alive[1], GW_CONV_FD_RESULT + 1) < 0)
      _exit(2);
    close_range(GW_CONV_FD_RESULT + 2, ~0U, 0);
    set_limit(RLIMIT_CORE, 0, 0);
    if (as_root && conv->layers.user)
    {
      if (!drop_user(conv))
        _exit(2);
    }
    else if (conv->sandbox.userns && !_gwSandboxDropCaps(error, sizeof(error)))
      _exit(2);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    _gwSandboxRelayExit(child);
  }

  close(alive[1]);
  conv->sandbox.alive_fd = alive[0];

  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || !_gwConvSandboxParentAlive(conv))
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "the daemon went away"));

  return (true);
}


/*
 * '_gwConvSandboxParentAlive()' - Is our parent still there?  Outside a pid
 *                                 namespace by getppid(), inside by the
 *                                 pipe the parent holds open.
 */

bool
_gwConvSandboxParentAlive(gw_conv_t *conv)
{
  struct pollfd pfd;

  if (conv->sandbox.alive_fd < 0)
    return (getppid() == conv->sandbox.parent);

  pfd.fd      = conv->sandbox.alive_fd;
  pfd.events  = POLLIN;
  pfd.revents = 0;

  return (poll(&pfd, 1, 0) == 0);
}


/*
 * 'reopen_tmpdir()' - Reopen PG_CONVERT_TMPDIR by path, check it is still
 *                     the directory 'before' describes and put the new
 *                     descriptor in place of the old one.
 */

static bool
reopen_tmpdir(gw_conv_t *conv, const struct stat *before, const char *where)
{
  struct stat after;
  int         fd;

  fd = open(conv->settings.tmpdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &after) || after.st_dev != before->st_dev || after.st_ino != before->st_ino)
  {
    if (fd >= 0)
      close(fd);
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "PG_CONVERT_TMPDIR is not the same %s", where));
  }
  close(conv->sandbox.dir_fd);
  conv->sandbox.dir_fd = fd;

  return (true);
}


/*
 * 'enter_view()' - New namespaces (a user namespace of our own when not
 *                  root), pid 1 of a new pid namespace, and the minimal
 *                  file system view with a /proc of that namespace only;
 *                  the private directory is reopened there and checked to
 *                  be the same.
 */

static bool
enter_view(gw_conv_t *conv, bool as_root)
{
  gw_sandbox_view_t view;
  char              error[GW_CONV_DETAIL_MAX - 40];
  struct stat       before;
  int               flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWPID;

  if (fstat(conv->sandbox.dir_fd, &before))
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to stat PG_CONVERT_TMPDIR"));

  if (as_root)
  {
    if (unshare(flags))
      return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to create mount, network, IPC and pid namespaces (errno %d)", errno));
  }
  else
  {
    if (!_gwSandboxUserns(getuid(), getgid(), flags, error, sizeof(error)))
      return (_gwConvFail(conv, GW_REASON_INTERNAL, "%s", error));
    conv->sandbox.userns = true;
  }

  if (!enter_pid_ns(conv, as_root))
    return (false);

  /*
   * A descriptor from before the unshare names a mount of the daemon's
   * namespace, which cannot be bound here: reopen by path and check it is
   * the same directory.
   */

  if (!reopen_tmpdir(conv, &before, "in the new mount namespace"))
    return (false);

  memset(&view, 0, sizeof(view));
  view.read_only    = _gwConvReadOnlyPaths;
  view.private_path = conv->settings.tmpdir;
  view.private_fd   = conv->sandbox.dir_fd;
  view.fresh_proc   = true;             /* Only pid 1, us: Ghostscript opens the memfd as /proc/self/fd/N */
  view.proc_optional = true;            /* Without it the document is copied (convert-input.c) */

  if (!_gwSandboxViewEnter(&view, error, sizeof(error)))
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "%s", error));

  /* The old descriptor reaches the host's tree (".."): gone. */
  if (!reopen_tmpdir(conv, &before, "inside the sandbox's view"))
    return (false);
  conv->sandbox.view_on = true;

  return (true);
}


/*
 * '_gwConvSandboxApply()' - Apply every layer, in order.  On failure the
 *                           conversion is failed (internal-error) and the
 *                           caller must not touch the document.
 */

bool
_gwConvSandboxApply(gw_conv_t *conv)
{
  const gw_conv_settings_t *s = &conv->settings;
  bool                      as_root = geteuid() == 0;
  rlim_t                    fsize = (rlim_t)s->fsize_mb * 1024 * 1024;

  /*
   * A write over RLIMIT_FSIZE must fail with EFBIG (reported as too-large),
   * not kill us; a daemon that stops reading must give EPIPE.
   */

  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);
  conv->sandbox.parent   = getppid();
  conv->sandbox.alive_fd = -1;

  /*
   * Not root and no Landlock: the sandbox would share the daemon's uid
   * with nothing but the view between the helper and everything that uid
   * owns.  Refused unless the admin said otherwise.
   */

  if (!as_root && conv->layers.landlock && conv->settings.require_landlock &&
      (conv->layers.pretend_no_landlock || _gwConvLandlockAbi() < 1))
  {
    _gwConvLog("refusing to convert: the kernel has no Landlock and the daemon does not run as root (SandboxRequireLandlock no allows it)");
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "the kernel has no Landlock and the daemon does not run as root; refusing to convert (SandboxRequireLandlock)"));
  }

  if ((conv->sandbox.devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to open /dev/null"));

  if (!open_private_dir(conv))
    return (false);

  if (as_root && conv->layers.user)
  {
    if (!lookup_user(conv))
      return (false);
    if (fchown(conv->sandbox.dir_fd, conv->sandbox.uid, conv->sandbox.gid))
      return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to hand PG_CONVERT_TMPDIR to PG_CONVERT_USER"));
  }

  if (conv->layers.view && !enter_view(conv, as_root))
    return (false);

  if (fchdir(conv->sandbox.dir_fd))
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to enter PG_CONVERT_TMPDIR"));

  /*
   * Resource limits.
   */

  if (!set_limit(RLIMIT_CORE, 0, 0) ||
      !set_limit(RLIMIT_NOFILE, GW_CONV_NOFILE, GW_CONV_NOFILE) ||
      !set_limit(RLIMIT_FSIZE, fsize, fsize) ||
      !set_limit(RLIMIT_CPU, (rlim_t)s->cpu_s, (rlim_t)s->cpu_s + 1))
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to set resource limits (errno %d)", errno));

  if (conv->layers.rlimit_as)
  {
    rlim_t as = (rlim_t)s->as_mb * 1024 * 1024;

    if (!set_limit(RLIMIT_AS, as, as))
      return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to set the address-space limit (errno %d)", errno));
  }

  /*
   * Become the sandbox user.  The parent-death signal is set afterwards:
   * a credential change clears it.
   */

  if (as_root && conv->layers.user && !drop_user(conv))
    return (false);

  if (conv->sandbox.userns)
  {
    char error[200];

    if (!_gwSandboxDropCaps(error, sizeof(error)))
      return (_gwConvFail(conv, GW_REASON_INTERNAL, "%s", error));
  }

  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || !_gwConvSandboxParentAlive(conv))
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "the daemon went away"));

  /*
   * A clean environment: only what Ghostscript needs, with its temporary
   * files in the private directory.
   */

  if (clearenv() || setenv("TMPDIR", ".", 1) || setenv("TZ", "UTC0", 1))
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to reset the environment"));

  /*
   * Not dumpable: no core file, and /proc entries and ptrace closed even
   * to processes of our own uid (after the user namespace's maps were
   * written: they need a dumpable writer).  The seccomp filter then
   * refuses PR_SET_DUMPABLE, so this cannot be undone.
   */

  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to clear the dumpable flag"));

  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to set no_new_privs"));

  if (conv->layers.landlock && !_gwConvLandlockApply(conv))
    return (false);

  if (conv->layers.seccomp && !_gwConvSeccompApply(conv))
    return (false);

  return (true);
}
