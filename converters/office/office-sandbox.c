/*
 * office-sandbox.c - printgate-office-sandbox: confine one LibreOffice
 * instance of the Office pool, then become its Python worker.
 *
 * The daemon starts this with posix_spawn, a fixed argv ("printgate-office-
 * sandbox") and a fixed environment (below), in a process group of its own.
 * It applies, in order:
 *
 *   0. when not root, a refusal to start at all if the kernel has no
 *      Landlock (unless PG_OFFICE_REQUIRE_LANDLOCK=0: the admin's
 *      "SandboxRequireLandlock no");
 *   1. namespaces: a new network namespace (only a loopback that is down:
 *      no address of any kind can be reached, not even 127.0.0.1), a new
 *      IPC namespace, a new pid namespace (the instance sees only its own
 *      processes and can name, signal or prlimit no other) and a new mount
 *      namespace holding the minimal view of sandbox-view.c: an empty root
 *      with the read-only system paths below, the instance directory, a
 *      private, size-limited tmpfs on /tmp (LibreOffice puts its UNO pipe
 *      sockets and temporary files there; the kernel frees it when the
 *      instance ends) and a fresh /proc of the new pid namespace.  The
 *      daemon's state directory, keys, database and control socket are not
 *      in it.  As root directly; otherwise inside a new user namespace that
 *      maps only our own uid and gid (its capabilities are dropped again).
 *      No namespaces, no instance: the launcher fails.  This process stays
 *      outside the pid namespace, as the daemon's child, and only waits for
 *      the instance (pid 1 inside) and passes on how it ended; when it is
 *      killed the instance is killed with it (parent-death signal), and
 *      when pid 1 ends the kernel kills everything left in the namespace;
 *   2. resource limits: RLIMIT_CORE 0, RLIMIT_NOFILE, RLIMIT_FSIZE, and
 *      RLIMIT_AS last (hard = soft);
 *   3. when root: the unprivileged user PG_OFFICE_USER (setgroups(0),
 *      setresgid, setresuid, checked), which drops every capability;
 *   4. a parent-death signal and a clean environment;
 *   5. no_new_privs, Landlock (read-only system files, read-write only the
 *      instance directory, execute only Python and LibreOffice's program
 *      directory, no TCP, no signals or abstract sockets outside the
 *      instance) and seccomp (only AF_UNIX sockets; no ptrace, mounts,
 *      namespaces, BPF, keyrings, io_uring, modules);
 *
 * then execs /usr/bin/python3 -I -B -c <the source of PG_OFFICE_WORKER, read
 * before the namespaces>, whose soffice.bin
 * inherits all of it.  docs/office.md explains each layer.
 *
 * Environment (set by the daemon, never from a document):
 *   PG_OFFICE_DIR      the instance directory (absolute, 0700, the daemon's)
 *   PG_OFFICE_USER     user to become when started as root (not root)
 *   PG_OFFICE_SOFFICE  path of soffice (its program directory may be executed)
 *   PG_OFFICE_WORKER   path of printgate-office-worker.py
 *   PG_OFFICE_PIPE     UNO pipe name of this instance
 *   PG_OFFICE_AS_MB    RLIMIT_AS in MiB (256-65536)
 *   PG_OFFICE_FSIZE_MB RLIMIT_FSIZE in MiB (1-65536)
 *   PG_OFFICE_REQUIRE_LANDLOCK  0 or 1 (default 1): refuse to start without
 *                      Landlock when not root
 *
 * Exit status 2 and one "fail reason=internal-error detail=..." line on
 * stdout when a layer cannot be applied (the pool logs the sentence).
 */

#include "sandbox-landlock.h"
#include "sandbox-view.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define OFFICE_NOFILE 1024      /* RLIMIT_NOFILE (soffice.bin keeps a few hundred) */
#define PYTHON        "/usr/bin/python3"
#if defined(__x86_64__)
#  define LOADER      "/lib64/ld-linux-x86-64.so.2"
#elif defined(__aarch64__)
#  define LOADER      "/lib/ld-linux-aarch64.so.1"
#else
#  error "set LOADER (the ELF interpreter) for this architecture"
#endif

#define ACCESS_READ    GW_LANDLOCK_READ
#define ACCESS_EXEC    (ACCESS_READ | LANDLOCK_ACCESS_FS_EXECUTE)
#define ACCESS_DEV     (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE)
#define ACCESS_PRIVATE (ACCESS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
                        LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | \
                        LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
                        LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_TRUNCATE | \
                        LANDLOCK_ACCESS_FS_REFER)

typedef struct settings_s
{
  const char *dir, *user, *soffice, *worker, *pipe;
  long        as_mb, fsize_mb;
  bool        require_landlock;
  uid_t       uid;
  gid_t       gid;
} settings_t;


/*
 * Read-only for the instance: the system's programs and libraries (/usr:
 * Python, LibreOffice, fonts; nothing secret lives there), and the few
 * files of /etc and /proc they read (from strace of real conversions).
 * Missing paths are skipped.
 */

static const char * const read_only[] =
{
  "/usr",
  "/etc/fonts", "/etc/libreoffice", "/etc/locale.alias", "/etc/ld.so.cache", "/etc/localtime", "/etc/papersize",
  "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/mime.types", "/etc/python3",
  "/etc/python3.11", "/etc/ssl/openssl.cnf",
  "/var/cache/fontconfig",
  "/var/spool/libreoffice",             /* share/uno_packages/cache links here */
  "/proc",                              /* The pid namespace's own /proc: only the instance's processes */
  "/sys/devices/system/cpu",
  "/dev/urandom", "/dev/random",
  NULL
};


/*
 * What the file system view holds besides the instance directory, /tmp and
 * /proc: the same paths (bound read-only), and the devices.
 */

static const char * const devices[] = { "/dev/null", "/dev/urandom", "/dev/random", NULL };


/*
 * System calls refused with EPERM (default allow: Python and LibreOffice
 * need processes, threads and exec of their own programs, which Landlock
 * limits).
 */

static const char * const refused[] =
{
  "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
  "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_by_handle_at",
  "name_to_handle_at", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
  "mount_setattr", "bpf", "keyctl", "add_key", "request_key", "perf_event_open", "userfaultfd",
  "io_uring_setup", "io_uring_enter", "io_uring_register", "init_module", "finit_module",
  "delete_module", "kexec_load", "kexec_file_load", "iopl", "ioperm", "reboot", "swapon",
  "swapoff", "acct", "quotactl", "syslog", "sethostname", "setdomainname", "settimeofday",
  "clock_settime", "clock_adjtime", "adjtimex", "vhangup",
  NULL
};


/*
 * 'die()' - Say why on stdout (the pool's protocol) and exit 2.
 */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
  char    msg[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);

  for (char *p = msg; *p; p ++)
  {
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  }

  dprintf(1, "fail reason=internal-error detail=office sandbox: %s\n", msg);
  _exit(2);
}


/*
 * 'get_setting()' - An environment variable that must be an absolute path
 *                   (path=true) or a plain name.
 */

static const char *
get_setting(const char *name, bool path)
{
  const char *v = getenv(name);

  if (!v || !*v || strlen(v) >= PATH_MAX)
    die("%s is not set", name);
  if (path && v[0] != '/')
    die("%s must be an absolute path", name);
  if (!path && strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != strlen(v))
    die("%s has characters that are not allowed", name);

  return (v);
}


/*
 * 'get_number()' - A number setting in [min, max] (digits only).
 */

static long
get_number(const char *name, long min, long max, long def)
{
  const char *v = getenv(name);
  char       *end;
  long        n;

  if (!v)
    return (def);

  errno = 0;
  n     = strtol(v, &end, 10);
  if (errno || end == v || *end || n < min || n > max || v[0] == '-' || v[0] == '+')
    die("%s must be a number between %ld and %ld", name, min, max);

  return (n);
}


/*
 * 'read_worker()' - Read the worker's Python source into memory before the
 *                   mount namespace hides anything: it is run with
 *                   "python3 -c", so the worker file need not be reachable
 *                   (or readable under Landlock) inside the sandbox, even
 *                   when it lives under /tmp, which gets a private tmpfs.
 *                   The source must fit one argv string (no NUL bytes).
 */

#define WORKER_MAX (120 * 1024)          /* Below the kernel's 128 KiB per argv string */

static char *
read_worker(const char *path)
{
  static char src[WORKER_MAX + 1];
  size_t      len = 0;
  ssize_t     n;
  int         fd;

  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
    die("unable to open PG_OFFICE_WORKER (errno %d)", errno);

  while (len < sizeof(src) && (n = read(fd, src + len, sizeof(src) - len)) != 0)
  {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      die("unable to read PG_OFFICE_WORKER (errno %d)", errno);
    len += (size_t)n;
  }
  close(fd);

  if (len == 0 || len > WORKER_MAX || memchr(src, '\0', len))
    die("PG_OFFICE_WORKER must be a Python source of 1 to %d bytes", WORKER_MAX);
  src[len] = '\0';

  return (src);
}


/*
 * 'enter_namespaces()' - New network, IPC, mount and pid namespaces (and a
 *                        user namespace when not root).  The pid namespace
 *                        takes effect for our next child.
 */

static void
enter_namespaces(bool as_root)
{
  char error[300];
  int  flags = CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWPID;

  if (!as_root)
  {
    if (!_gwSandboxUserns(getuid(), getgid(), flags, error, sizeof(error)))
      die("%s", error);
  }
  else if (unshare(flags))
    die("unable to create network, IPC, mount and pid namespaces (errno %d)", errno);
}


/*
 * 'enter_view()' - In the new pid namespace: the minimal view with the
 *                  instance directory, a private tmpfs on /tmp and a fresh
 *                  /proc; then into the instance directory, checked to be
 *                  the one we checked before.
 */

static void
enter_view(const settings_t *s, bool as_root, const struct stat *st)
{
  gw_sandbox_view_t view;
  const char       *paths[sizeof(read_only) / sizeof(read_only[0]) + 2];
  char              tmp[256], error[300], program[PATH_MAX], real[PATH_MAX];
  const char       *slash;
  size_t            n = 0;
  struct stat       st2;
  int               fd;
  bool              proc_is_host = false;

  /* The system paths, and LibreOffice's program directory wherever it is. */
  for (int i = 0; read_only[i]; i ++)
  {
    if (strcmp(read_only[i], "/proc") && strncmp(read_only[i], "/dev/", 5))
      paths[n ++] = read_only[i];
  }
  if ((slash = strrchr(s->soffice, '/')) == NULL || (size_t)(slash - s->soffice) >= sizeof(program))
    die("PG_OFFICE_SOFFICE is not a path");
  snprintf(program, sizeof(program), "%.*s", (int)(slash - s->soffice), s->soffice);
  if (realpath(program, real))
    paths[n ++] = real;
  paths[n] = NULL;

  /* The directory, reopened in the new mount namespace (see main()). */
  if ((fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(fd, &st2) ||
      st2.st_ino != st->st_ino || st2.st_dev != st->st_dev)
    die("PG_OFFICE_DIR is not the same in the new mount namespace");

  if (as_root)
    snprintf(tmp, sizeof(tmp), "size=%ldm,nr_inodes=10000,mode=0700,uid=%u,gid=%u", s->fsize_mb, (unsigned)s->uid, (unsigned)s->gid);
  else
    snprintf(tmp, sizeof(tmp), "size=%ldm,nr_inodes=10000,mode=0700", s->fsize_mb);

  memset(&view, 0, sizeof(view));
  view.read_only    = paths;
  view.devices      = devices;
  view.private_path = s->dir;
  view.private_fd   = fd;
  view.tmp_options  = tmp;
  view.fresh_proc   = true;
  view.proc_host_fallback = true;       /* LibreOffice does not start without /proc */
  view.proc_is_host = &proc_is_host;

  if (!_gwSandboxViewEnter(&view, error, sizeof(error)))
    die("%s", error);
  close(fd);

  if (proc_is_host)
    fputs("printgate-office-sandbox: the kernel refused a /proc of the instance's own (the host's /proc is partly covered, e.g. systemd's ProtectKernelTunables=yes); the host's /proc is bound instead: the instance can see other processes' command lines (Landlock still denies their environment and memory)\n", stderr);

  /*
   * Enter the directory by its path in the view, and check it is still
   * the one we checked.
   */

  if ((fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(fd, &st2) ||
      st2.st_ino != st->st_ino || st2.st_dev != st->st_dev || fchdir(fd))
    die("unable to enter PG_OFFICE_DIR (errno %d)", errno);
  close(fd);
}


/*
 * 'drop_user()' - Become PG_OFFICE_USER for good and check it held.
 */

static void
drop_user(const settings_t *s)
{
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;

  if (setgroups(0, NULL) || setresgid(s->gid, s->gid, s->gid) || setresuid(s->uid, s->uid, s->uid))
    die("unable to become PG_OFFICE_USER (errno %d)", errno);

  if (getresuid(&ruid, &euid, &suid) || getresgid(&rgid, &egid, &sgid) ||
      ruid != s->uid || euid != ruid || suid != ruid || rgid != s->gid || egid != rgid ||
      sgid != rgid || getgroups(0, NULL) != 0 || setuid(0) == 0)
    die("the switch to PG_OFFICE_USER did not hold");
}


/*
 * 'add_path()' - A Landlock rule below (or on) path; missing paths are skipped.
 */

static void
add_path(int ruleset, const char *path, uint64_t access, uint64_t handled)
{
  if (_gwSandboxLandlockAddPath(ruleset, path, -1, access, handled) < 0)
    die("unable to add a Landlock rule for %s (errno %d)", path, errno);
}


/*
 * 'apply_landlock()' - Restrict files, TCP and signals for good.  A kernel
 *                      without Landlock is said on stderr; the namespaces,
 *                      user and seccomp still hold.
 */

static void
apply_landlock(const settings_t *s)
{
  uint64_t    handled;
  int         abi = _gwSandboxLandlockAbi(), ruleset;
  char        program[PATH_MAX], python[PATH_MAX];
  const char *slash;

  if (abi < 1)
  {
    fputs("printgate-office-sandbox: Landlock is not available in this kernel\n", stderr);
    return;
  }

  if ((ruleset = _gwSandboxLandlockRuleset(abi, &handled)) < 0)
    die("unable to create the Landlock ruleset (errno %d)", errno);

  for (int i = 0; read_only[i]; i ++)
    add_path(ruleset, read_only[i], ACCESS_READ, handled);

  /*
   * Execute: Python itself, the ELF loader and LibreOffice's program
   * directory only.
   */

  if (!realpath(PYTHON, python))
    die("%s is missing", PYTHON);
  add_path(ruleset, python, ACCESS_EXEC, handled);
  if (!realpath(LOADER, python))
    die("%s is missing", LOADER);
  add_path(ruleset, python, ACCESS_EXEC, handled);   /* the kernel opens it for exec too */

  if ((slash = strrchr(s->soffice, '/')) == NULL || (size_t)(slash - s->soffice) >= sizeof(program))
    die("PG_OFFICE_SOFFICE is not a path");
  snprintf(program, sizeof(program), "%.*s", (int)(slash - s->soffice), s->soffice);
  add_path(ruleset, program, ACCESS_EXEC, handled);
  if (realpath(program, python))
    add_path(ruleset, python, ACCESS_EXEC, handled);

  add_path(ruleset, "/dev/null", ACCESS_DEV, handled);

  /*
   * Read-write: the instance directory, and the private tmpfs on /tmp.
   */

  add_path(ruleset, s->dir, ACCESS_PRIVATE, handled);
  add_path(ruleset, "/tmp", ACCESS_PRIVATE, handled);

  if (!_gwSandboxLandlockRestrict(ruleset))
    die("unable to enforce Landlock (errno %d)", errno);

  close(ruleset);
}


/*
 * 'apply_seccomp()' - Only AF_UNIX sockets; the refused list fails with
 *                     EPERM; prlimit only on ourselves (pid 0); no setsid
 *                     or setpgid.
 */

static void
apply_seccomp(void)
{
  scmp_filter_ctx ctx;
  int             rc = 0;

  if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
    die("unable to start the seccomp filter");

  for (int i = 0; refused[i] && !rc; i ++)
  {
    int nr = seccomp_syscall_resolve_name(refused[i]);

    if (nr != __NR_SCMP_ERROR)
      rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
  }

  /*
   * Nothing done to another process by pid (the pid namespace already
   * hides every process but the instance's), and no leaving the process
   * group the daemon kills.
   */

  if (!rc)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(prlimit64), 1, SCMP_A0(SCMP_CMP_NE, 0, 0));
  if (!rc)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(setsid), 0);
  if (!rc)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(setpgid), 0);
  if (!rc)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX, 0));
  if (!rc)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socketpair), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX, 0));
  if (!rc)
    rc = seccomp_load(ctx);

  seccomp_release(ctx);
  if (rc)
    die("unable to load the seccomp filter (%d)", rc);
}


/*
 * 'set_limit()' - Soft = hard.
 */

static void
set_limit(int resource, rlim_t value, const char *name)
{
  struct rlimit rl = { value, value };

  if (setrlimit(resource, &rl))
    die("unable to set %s (errno %d)", name, errno);
}


/*
 * 'read_settings()' - The settings from the environment, the Landlock
 *                     requirement, and the instance directory (a real
 *                     directory of ours, 0700; handed to the instance's
 *                     user when root).  Dies on any problem.
 */

static void
read_settings(settings_t *s, bool as_root, struct stat *st)
{
  int dirfd;

  memset(s, 0, sizeof(*s));
  s->dir      = get_setting("PG_OFFICE_DIR", true);
  s->soffice  = get_setting("PG_OFFICE_SOFFICE", true);
  s->worker   = get_setting("PG_OFFICE_WORKER", true);
  s->pipe     = get_setting("PG_OFFICE_PIPE", false);
  s->user     = as_root ? get_setting("PG_OFFICE_USER", false) : NULL;
  s->as_mb    = get_number("PG_OFFICE_AS_MB", 256, 65536, 2048);
  s->fsize_mb = get_number("PG_OFFICE_FSIZE_MB", 1, 65536, 512);
  s->require_landlock = get_number("PG_OFFICE_REQUIRE_LANDLOCK", 0, 1, 1) == 1;

  /*
   * Not root and no Landlock: the instance would share the daemon's uid
   * with only the namespaces between it and everything that uid owns.
   */

  if (!as_root && s->require_landlock && _gwSandboxLandlockAbi() < 1)
  {
    fputs("printgate-office-sandbox: refusing to start: the kernel has no Landlock and the daemon does not run as root (SandboxRequireLandlock no allows it)\n", stderr);
    die("the kernel has no Landlock and the daemon does not run as root; refusing to start an instance (SandboxRequireLandlock)");
  }

  /*
   * The instance directory: a real directory of ours, 0700; when root it
   * is handed to the instance's user.
   */

  if ((dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
      fstat(dirfd, st) || st->st_uid != geteuid() || (st->st_mode & 077))
    die("PG_OFFICE_DIR must be a directory of the daemon's user with mode 0700");

  if (as_root)
  {
    struct passwd pw, *pwr = NULL;
    char          buf[4096];

    if (getpwnam_r(s->user, &pw, buf, sizeof(buf), &pwr) || !pwr)
      die("PG_OFFICE_USER does not exist");
    if (pw.pw_uid == 0 || pw.pw_gid == 0)
      die("PG_OFFICE_USER must not be root");
    s->uid = pw.pw_uid;
    s->gid = pw.pw_gid;
    if (fchown(dirfd, s->uid, s->gid))
      die("unable to hand PG_OFFICE_DIR to PG_OFFICE_USER (errno %d)", errno);
  }
  close(dirfd);       /* A descriptor from before the unshare cannot be bound in the view */
}


/*
 * 'main()' - Confine, then exec the worker.
 */

int
main(int argc, char *argv[])
{
  settings_t  s;
  char       *worker_src;
  bool        as_root = geteuid() == 0;
  pid_t       parent = getppid(), child;
  char        env_soffice[PATH_MAX + 32], env_pipe[128], env_home[PATH_MAX + 8];
  struct stat st;
  int         nullfd, alive[2];

  if (argc != 1)
    die("takes no arguments");

  read_settings(&s, as_root, &st);

  worker_src = read_worker(s.worker);
  enter_namespaces(as_root);

  /*
   * The instance runs as pid 1 of the new pid namespace; we stay outside
   * as the daemon's child and wait.  A pipe tells the instance whether we
   * are still there once its parent-death signal is armed.
   */

  if ((nullfd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 || pipe2(alive, O_CLOEXEC))
    die("unable to open /dev/null or a pipe (errno %d)", errno);

  if ((child = fork()) < 0)
    die("unable to start the instance in its pid namespace (errno %d)", errno);

  if (child > 0)
  {
    char error[200];

    /* Nothing of the daemon's socket stays with us: EOF when the instance ends. */
    close(alive[0]);
    if (dup2(nullfd, 0) < 0 || dup2(nullfd, 1) < 0)
      _exit(2);
    if (as_root)
      drop_user(&s);
    else if (!_gwSandboxDropCaps(error, sizeof(error)))
      _exit(2);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != parent)
      _exit(2);           /* The instance follows: its parent-death signal */
    _gwSandboxRelayExit(child);
  }

  close(alive[1]);
  close(nullfd);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
    die("unable to set the parent-death signal");
  {
    struct pollfd pfd = { alive[0], POLLIN, 0 };

    if (poll(&pfd, 1, 0) != 0)
      die("the launcher went away");
  }

  enter_view(&s, as_root, &st);

  set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE");
  set_limit(RLIMIT_NOFILE, OFFICE_NOFILE, "RLIMIT_NOFILE");
  set_limit(RLIMIT_FSIZE, (rlim_t)s.fsize_mb * 1024 * 1024, "RLIMIT_FSIZE");

  if (as_root)
    drop_user(&s);
  else
  {
    char error[200];

    if (!_gwSandboxDropCaps(error, sizeof(error)))
      die("%s", error);
  }

  /* After the credential change, which clears it. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
    die("unable to set the parent-death signal");
  {
    struct pollfd pfd = { alive[0], POLLIN, 0 };

    if (poll(&pfd, 1, 0) != 0)
      die("the launcher went away");
  }
  close(alive[0]);

  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
    die("unable to set no_new_privs (errno %d)", errno);

  apply_landlock(&s);
  apply_seccomp();

  /*
   * A clean environment: only what the worker and LibreOffice need.
   */

  snprintf(env_soffice, sizeof(env_soffice), "PG_OFFICE_SOFFICE=%s", s.soffice);
  snprintf(env_pipe, sizeof(env_pipe), "PG_OFFICE_PIPE=%s", s.pipe);
  snprintf(env_home, sizeof(env_home), "HOME=%s", s.dir);

  {
    char *const envp[] =
    {
      env_soffice, env_pipe, env_home, "TMPDIR=/tmp", "PATH=/usr/bin:/bin", "LANG=C.UTF-8",
      "TZ=UTC0", "SAL_USE_VCLPLUGIN=svp", "PYTHONDONTWRITEBYTECODE=1", NULL
    };
    char *const args[] = { PYTHON, "-I", "-B", "-c", worker_src, NULL };

    /* Last: nothing after this point allocates much. */
    set_limit(RLIMIT_AS, (rlim_t)s.as_mb * 1024 * 1024, "RLIMIT_AS");

    execve(PYTHON, args, envp);
  }

  die("unable to start %s (errno %d)", PYTHON, errno);
}
