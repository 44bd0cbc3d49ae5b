/*
 * reaper.c - run a sandboxed program under a small reaper process of its
 * own (see reaper-private.h and docs/converters.md, "Stopping a
 * conversion"): the daemon's side.  The reaper is printgate-reaper
 * (reaper-program.c).
 *
 * Why: a process group is no fence.  The program (printgate-convert, the
 * Office sandbox, or an exploit running in either) may call setpgid() or
 * setsid(), and a child it leaves behind is reparented to init, out of the
 * daemon's reach.  So the daemon starts a reaper that marks itself a child
 * subreaper (PR_SET_CHILD_SUBREAPER): every orphan below it is reparented
 * to it, whatever group or session it is in.  When the program exits, or
 * the daemon asks (a byte on, or the end of, the control socket), the
 * reaper kills the program by pid and its group, then kills and reaps
 * every child it has (/proc/thread-self/children) until none is left, and
 * exits with the program's own wait status: it re-raises the signal that
 * killed the program, or exits with its code.
 *
 * The daemon holds a pidfd of the program from before the program runs (the
 * reaper makes it and passes it over the control socket, and the program
 * waits for that before its exec), so it also kills the program itself at
 * once, wherever its group went, and even if it stopped or killed its
 * reaper (possible for a program of the same uid without the helpers'
 * seccomp filter, which lets them signal only themselves).
 *
 * The reaper is started with posix_spawn() (glibc: a vfork-like clone, so
 * the daemon's memory is neither copied nor shared copy-on-write while the
 * conversion runs).  It gets the control socket and the program's
 * descriptors and nothing else of the daemon's, every signal blocked; it
 * cannot be traced or read by the sandbox's uid (not dumpable), and dies
 * with the daemon thread that started it (parent-death signal); the
 * program dies with the reaper (parent-death signal set before exec; the
 * helpers set it again after dropping their user).  The same works as root
 * and unprivileged: no namespace, no cgroup.
 */

#include "reaper-private.h"
#include "printgate/config.h"
#include "printgate-convert/protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HIGH_FD 64                      /* Where the reaper's descriptors wait for posix_spawn() */

static pthread_once_t reaper_once = PTHREAD_ONCE_INIT;
static char           reaper_path[GW_PATH_MAX];
static bool           reaper_found;


/*
 * 'reaper_find()' - Where printgate-reaper is (once per process): next to
 *                   this program, in the build tree's converters/ folder
 *                   or in the installed helper folder.
 */

static void
reaper_find(void)
{
  reaper_found = gwConfigHelperPath("printgate-reaper", reaper_path, sizeof(reaper_path));
}


/*
 * 'recv_word()' - Read one word of the reaper (two ints, maybe a
 *                 descriptor) before deadline_ms (0: only what is there).
 */

static bool
recv_word(int ctl, int64_t deadline_ms, int *msg, int *fd_r)
{
  size_t got = 0;

  *fd_r = -1;
  while (got < 2 * sizeof(int))
  {
    struct pollfd  pfd = { ctl, POLLIN, 0 };
    int            left = (int)(deadline_ms - _gwReaperNowMs());
    struct iovec   iov = { (char *)msg + got, 2 * sizeof(int) - got };
    struct msghdr  mh;
    union
    {
      struct cmsghdr hdr;
      char           buf[CMSG_SPACE(sizeof(int))];
    }              cm;
    ssize_t        n;

    if (poll(&pfd, 1, left > 0 ? left : 0) < 0 && errno != EINTR)
      return (false);
    if (!pfd.revents)
    {
      if (left <= 0)
        return (false);
      continue;
    }

    memset(&mh, 0, sizeof(mh));
    mh.msg_iov        = &iov;
    mh.msg_iovlen     = 1;
    mh.msg_control    = cm.buf;
    mh.msg_controllen = sizeof(cm.buf);
    if ((n = recvmsg(ctl, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)) < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0)
      return (false);

    if (mh.msg_controllen >= CMSG_LEN(sizeof(int)) && cm.hdr.cmsg_level == SOL_SOCKET && cm.hdr.cmsg_type == SCM_RIGHTS)
    {
      if (*fd_r >= 0)
        close(*fd_r);
      memcpy(fd_r, CMSG_DATA(&cm.hdr), sizeof(int));
    }
    got += (size_t)n;
  }

  return (true);
}


/*
 * '_gwReaperMissing()' - The path printgate-reaper was last looked for at
 *                        when it is missing, else NULL.
 */

const char *
_gwReaperMissing(void)
{
  pthread_once(&reaper_once, reaper_find);
  return (reaper_found ? NULL : reaper_path);
}


/*
 * 'spawn_reaper()' - posix_spawn() printgate-reaper with the control
 *                    socket ctl on descriptor 3 and the program's
 *                    descriptors on 4 and up (reaper-program.c), every
 *                    other descriptor closed and every signal blocked.
 *                    Returns 0 or an errno value.
 */

static int
spawn_reaper(pid_t *pid, const _gw_reaper_spawn_t *sp, int ctl)
{
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t          at;
  sigset_t                   all;
  int                        high[GW_REAPER_MAX_FDS + 1], err = 0, nargs = 0, mask = 0;
  char                       daemon[16], nfds[16], fdmask[16], allsig[16], nice[16];
  char                     **args = NULL;

  for (int i = 0; i <= GW_REAPER_MAX_FDS; i ++)
    high[i] = -1;
  while (sp->argv[nargs])
    nargs ++;

  /*
   * Every source at HIGH_FD or above first, so no dup2() onto 3.. clobbers
   * another source (the Office socket is two of them).
   */

  if ((high[0] = fcntl(ctl, F_DUPFD_CLOEXEC, HIGH_FD)) < 0)
    return (errno);
  for (int i = 0; i < sp->nfds; i ++)
  {
    if (sp->fds[i] < 0)
      continue;
    if ((high[i + 1] = fcntl(sp->fds[i], F_DUPFD_CLOEXEC, HIGH_FD)) < 0)
    {
      err = errno;
      goto done;
    }
    mask |= 1 << i;
  }

  if ((args = calloc((size_t)(GW_REAPER_ARG_ARGV + nargs + 1), sizeof(char *))) == NULL)
  {
    err = ENOMEM;
    goto done;
  }
  snprintf(daemon, sizeof(daemon), "%d", (int)getpid());
  snprintf(nfds, sizeof(nfds), "%d", sp->nfds);
  snprintf(fdmask, sizeof(fdmask), "%d", mask);
  snprintf(allsig, sizeof(allsig), "%d", sp->all_signals ? 1 : 0);
  snprintf(nice, sizeof(nice), "%d", sp->nice > 0 && sp->nice < 20 ? sp->nice : 0);
  args[0]                         = "printgate-reaper";
  args[GW_REAPER_ARG_DAEMON]      = daemon;
  args[GW_REAPER_ARG_NFDS]        = nfds;
  args[GW_REAPER_ARG_FDMASK]      = fdmask;
  args[GW_REAPER_ARG_ALL_SIGNALS] = allsig;
  args[GW_REAPER_ARG_NICE]        = nice;
  args[GW_REAPER_ARG_PATH]        = (char *)sp->path;
  for (int i = 0; i < nargs; i ++)
    args[GW_REAPER_ARG_ARGV + i] = sp->argv[i];

  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&at);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&at, &all);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
  if ((err = posix_spawn_file_actions_adddup2(&fa, high[0], GW_REAPER_CTL_FD)) == 0)
  {
    for (int i = 0; i < sp->nfds && !err; i ++)
    {
      if (high[i + 1] >= 0)
        err = posix_spawn_file_actions_adddup2(&fa, high[i + 1], GW_REAPER_FIRST_FD + i);
    }
  }
  if (!err)
    err = posix_spawn_file_actions_addclosefrom_np(&fa, GW_REAPER_FIRST_FD + sp->nfds);
  if (!err)
    err = posix_spawn(pid, reaper_path, &fa, &at, args, sp->envp ? sp->envp : (char * const *)environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);

  done:

  for (int i = 0; i <= GW_REAPER_MAX_FDS; i ++)
  {
    if (high[i] >= 0)
      close(high[i]);
  }
  free(args);
  return (err);
}


/*
 * 'reaper_init()' - No reaper yet.
 */

static void
reaper_init(_gw_reaper_t *r)
{
  r->pid         = 0;
  r->pidfd       = -1;
  r->ctl         = -1;
  r->child       = 0;
  r->child_pidfd = -1;
  r->exec_errno  = 0;
  r->reaped      = false;
  r->status      = 0;
}


/*
 * 'reaper_started()' - The reaper r->pid (our child) runs with sv[1] as its
 *                      control socket: keep sv[0], take its pidfd and its
 *                      first word (the program's pid and pidfd).
 */

static bool
reaper_started(_gw_reaper_t *r, int sv[2], int *error_r)
{
  int msg[2] = { 0, 0 }, err, fd = -1;

  close(sv[1]);
  r->ctl   = sv[0];
  r->pidfd = _gwReaperPidfd(r->pid);   /* Our unreaped child: no pid reuse race */

  /*
   * The reaper's first word: 0, the program's pid and its pidfd, or an
   * errno value.  Only our code runs until then: the program waits for it.
   */

  if (recv_word(r->ctl, _gwReaperNowMs() + 10000, msg, &fd) && msg[0] == 0 && msg[1] > 0)
  {
    r->child       = (pid_t)msg[1];
    r->child_pidfd = fd;
    return (true);
  }
  if (fd >= 0)
    close(fd);

  err = msg[0] > 0 ? msg[0] : EIO;
  _gwReaperStop(r, GW_REAPER_GRACE_MS);
  *error_r = err;
  return (false);
}


/*
 * '_gwReaperSpawn()' - Start the reaper and, under it, the program.
 *                      Returns false with an errno value in *error_r when
 *                      the program could not be started (ENOENT when
 *                      printgate-reaper is missing).
 */

bool
_gwReaperSpawn(_gw_reaper_t *r, const _gw_reaper_spawn_t *sp, int *error_r)
{
  int sv[2], err;

  reaper_init(r);
  *error_r = 0;

  if (sp->nfds < 0 || sp->nfds > GW_REAPER_MAX_FDS)
  {
    *error_r = EINVAL;
    return (false);
  }
  pthread_once(&reaper_once, reaper_find);
  if (!reaper_found)
  {
    *error_r = ENOENT;
    return (false);
  }

  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
  {
    *error_r = errno;
    return (false);
  }

  if ((err = spawn_reaper(&r->pid, sp, sv[1])) != 0)
  {
    *error_r = err;
    r->pid   = 0;
    close(sv[0]);
    close(sv[1]);
    return (false);
  }

  return (reaper_started(r, sv, error_r));
}


/*
 * 'zygote_answer()' - A zygote's answer (protocol.h) within timeout_ms: 0
 *                     with the pid it names, or an errno value.
 */

static int
zygote_answer(int zygote, int timeout_ms, pid_t *pid)
{
  struct pollfd pfd = { zygote, POLLIN, 0 };
  int           msg[2] = { 0, 0 };
  ssize_t       n;

  while ((n = poll(&pfd, 1, timeout_ms)) < 0 && errno == EINTR);
  if (n != 1)
    return (ETIMEDOUT);
  while ((n = recv(zygote, msg, sizeof(msg), MSG_DONTWAIT)) < 0 && errno == EINTR);
  if (n != (ssize_t)sizeof(msg))
    return (n < 0 ? errno : EPIPE);
  if (msg[0])
    return (msg[0] > 0 ? msg[0] : EIO);
  if (msg[1] <= 0)
    return (EIO);

  *pid = (pid_t)msg[1];
  return (0);
}


/*
 * '_gwReaperZygoteStart()' - Start path (a converter helper) as a zygote
 *                            (protocol.h, docs/converters.md, "The
 *                            zygote"): argv and envp plus
 *                            GW_CONV_ENV_ZYGOTE and LD_BIND_NOW, a
 *                            SOCK_SEQPACKET socket on GW_CONV_ZYGOTE_FD
 *                            (our end in *fd_r), /dev/null on 0 and 1,
 *                            default signals; then wait up to 30 s for
 *                            its word that it is ready.  The calling
 *                            thread is the parent-death signal's of
 *                            every reaper it clones.  Returns false with
 *                            an errno value, ENOEXEC when the program ran
 *                            but did not say it is ready (it cannot be a
 *                            zygote: it is stopped).
 */

bool
_gwReaperZygoteStart(const char *path, char * const *argv, char * const *envp, pid_t *pid_r, int *fd_r, int *error_r)
{
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t          at;
  sigset_t                   none, dfl;
  const char                *env[66];
  char                       zvar[64];
  int                        sv[2], n = 0, err;
  pid_t                      pid, said = 0;

  snprintf(zvar, sizeof(zvar), GW_CONV_ENV_ZYGOTE "=%d", (int)getpid());
  for (char * const *e = envp; e && *e && n < (int)(sizeof(env) / sizeof(env[0])) - 3; e ++)
    env[n ++] = *e;
  env[n ++] = zvar;
  env[n ++] = "LD_BIND_NOW=1";        /* Every symbol bound once, there, for all its helpers */
  env[n]    = NULL;

  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
  {
    *error_r = errno;
    return (false);
  }

  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&at);
  sigemptyset(&none);
  sigemptyset(&dfl);
  sigaddset(&dfl, SIGHUP);
  sigaddset(&dfl, SIGTERM);
  sigaddset(&dfl, SIGINT);
  sigaddset(&dfl, SIGPIPE);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &dfl);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  if ((err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) == 0 &&
      (err = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0)) == 0 &&
      (err = posix_spawn_file_actions_adddup2(&fa, sv[1], GW_CONV_ZYGOTE_FD)) == 0 &&
      (err = posix_spawn_file_actions_addclosefrom_np(&fa, GW_CONV_ZYGOTE_FD + 1)) == 0)
    err = posix_spawn(&pid, path, &fa, &at, argv, (char * const *)env);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  close(sv[1]);

  if (err)
  {
    close(sv[0]);
    *error_r = err;
    return (false);
  }

  /*
   * Its word that it is ready: 0 and its own pid.  A program that cannot be
   * a zygote (an older helper, a test's stand-in) exits or says nothing.
   */

  if (zygote_answer(sv[0], 30000, &said) || said != pid)
  {
    _gwReaperZygoteStop(pid, sv[0]);
    *error_r = ENOEXEC;
    return (false);
  }

  *pid_r = pid;
  *fd_r  = sv[0];
  return (true);
}


/*
 * '_gwReaperZygoteStop()' - Stop a zygote (our unreaped child) and close
 *                           our end of its socket.  The reapers it cloned
 *                           are our children, not its, and go on.
 */

void
_gwReaperZygoteStop(pid_t pid, int fd)
{
  if (fd >= 0)
    close(fd);
  if (pid > 0)
  {
    kill(pid, SIGKILL);                /* Unreaped child: the pid is still ours */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR);
  }
}


/*
 * 'zygote_ask()' - Send a zygote one request (protocol.h): sp's settings
 *                  and environment, the control socket ctl and sp's
 *                  descriptors; wait up to 10 s for its answer.  Returns
 *                  0 with the reaper's pid, or an errno value.
 */

static int
zygote_ask(int zygote, const _gw_reaper_spawn_t *sp, int ctl, pid_t *pid)
{
  char                 buf[sizeof(gw_conv_zygote_req_t) + GW_CONV_ZYGOTE_ENV_MAX];
  gw_conv_zygote_req_t req;
  size_t               len = sizeof(req);
  int                  fds[GW_REAPER_MAX_FDS + 1], nfds = 0;
  struct iovec         iov;
  struct msghdr        mh;
  union
  {
    struct cmsghdr hdr;
    char           buf[CMSG_SPACE(sizeof(int) * (GW_REAPER_MAX_FDS + 1))];
  }                    cm;
  ssize_t              n;

  memset(&req, 0, sizeof(req));
  req.magic       = GW_CONV_ZYGOTE_MAGIC;
  req.nfds        = sp->nfds;
  req.all_signals = sp->all_signals ? 1 : 0;
  req.nice        = sp->nice > 0 && sp->nice < 20 ? sp->nice : 0;
  fds[nfds ++]    = ctl;
  for (int i = 0; i < sp->nfds; i ++)
  {
    if (sp->fds[i] >= 0)
    {
      req.fdmask |= 1 << i;
      fds[nfds ++] = sp->fds[i];
    }
  }
  for (char * const *e = sp->envp; e && *e; e ++)
  {
    size_t l = strlen(*e) + 1;

    if (len + l > sizeof(buf))
      return (E2BIG);
    memcpy(buf + len, *e, l);
    len += l;
  }
  req.envlen = (int)(len - sizeof(req));
  memcpy(buf, &req, sizeof(req));

  memset(&mh, 0, sizeof(mh));
  memset(&cm, 0, sizeof(cm));
  iov.iov_base          = buf;
  iov.iov_len           = len;
  mh.msg_iov            = &iov;
  mh.msg_iovlen         = 1;
  mh.msg_control        = cm.buf;
  mh.msg_controllen     = CMSG_SPACE(sizeof(int) * (size_t)nfds);
  cm.hdr.cmsg_level     = SOL_SOCKET;
  cm.hdr.cmsg_type      = SCM_RIGHTS;
  cm.hdr.cmsg_len       = CMSG_LEN(sizeof(int) * (size_t)nfds);
  memcpy(CMSG_DATA(&cm.hdr), fds, sizeof(int) * (size_t)nfds);

  while ((n = sendmsg(zygote, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR);
  if (n != (ssize_t)len)
    return (n < 0 ? errno : EIO);

  return (zygote_answer(zygote, 10000, pid));
}


/*
 * '_gwReaperSpawnFrom()' - Like _gwReaperSpawn(), but the reaper is cloned
 *                          by a converter helper's zygote (protocol.h,
 *                          converters/convert-zygote.c), which it is
 *                          connected to by the SOCK_SEQPACKET socket
 *                          zygote, and the program (sp->path, sp->argv:
 *                          the zygote's own) is forked from the zygote's
 *                          loaded image, not exec'd.  The reaper is our
 *                          child (CLONE_PARENT); everything after its
 *                          start is as for _gwReaperSpawn().  The calling
 *                          thread must be the one that started the zygote
 *                          (the reaper's parent-death signal is that
 *                          thread's), and the only one using its socket.
 */

bool
_gwReaperSpawnFrom(_gw_reaper_t *r, const _gw_reaper_spawn_t *sp, int zygote, int *error_r)
{
  int sv[2], err;

  reaper_init(r);
  *error_r = 0;

  if (sp->nfds < 0 || sp->nfds > GW_REAPER_MAX_FDS)
  {
    *error_r = EINVAL;
    return (false);
  }
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
  {
    *error_r = errno;
    return (false);
  }

  if ((err = zygote_ask(zygote, sp, sv[1], &r->pid)) != 0)
  {
    *error_r = err;
    r->pid   = 0;
    close(sv[0]);
    close(sv[1]);
    return (false);
  }

  return (reaper_started(r, sv, error_r));
}


/*
 * '_gwReaperKill()' - Ask the reaper to kill the program and everything
 *                     below it now.  Does not wait.  Any thread.
 */

void
_gwReaperKill(_gw_reaper_t *r)
{
  int fd = __atomic_load_n(&r->ctl, __ATOMIC_RELAXED);

  if (fd >= 0)
    send(fd, "k", 1, MSG_NOSIGNAL | MSG_DONTWAIT);

#ifdef SYS_pidfd_send_signal
  /* And the program itself, now, by pidfd: wherever its group went. */
  if ((fd = __atomic_load_n(&r->child_pidfd, __ATOMIC_RELAXED)) >= 0)
    syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);

  /* A reaper stopped by a program of the same uid goes on. */
  if ((fd = __atomic_load_n(&r->pidfd, __ATOMIC_RELAXED)) >= 0)
    syscall(SYS_pidfd_send_signal, fd, SIGCONT, NULL, 0);
#endif
}


/*
 * '_gwReaperWait()' - Wait for the reaper (which exits only after reaping
 *                     everything below it) until deadline_ms.  Returns true
 *                     once it is reaped, with the program's status in
 *                     r->status.
 */

bool
_gwReaperWait(_gw_reaper_t *r, int64_t deadline_ms)
{
  for (;;)
  {
    int   st, left;
    pid_t w;

    if (r->reaped || r->pid <= 0)
      return (true);

    if ((w = waitpid(r->pid, &st, WNOHANG)) == r->pid)
    {
      int msg[2] = { 0, 0 }, fd = -1;

      r->reaped = true;
      r->status = st;

      /* A failed exec leaves its errno as the reaper's second word. */
      if (r->ctl >= 0 && recv_word(r->ctl, 0, msg, &fd) && msg[0] > 0)
        r->exec_errno = msg[0];
      if (fd >= 0)
        close(fd);
      return (true);
    }
    if (w < 0 && errno != EINTR)
    {
      /* Not our child any more (cannot happen): nothing to wait for. */
      r->reaped = true;
      r->status = 0;
      return (true);
    }

    if ((left = (int)(deadline_ms - _gwReaperNowMs())) <= 0)
      return (false);

    if (r->pidfd >= 0)
    {
      struct pollfd pfd = { r->pidfd, POLLIN, 0 };

      poll(&pfd, 1, left);
    }
    else
    {
      struct timespec ts = { 0, (left < 10 ? left : 10) * 1000000L };

      nanosleep(&ts, NULL);
    }
  }
}


/*
 * '_gwReaperStop()' - Kill everything, wait up to grace_ms for the reaper
 *                     to report, then kill the reaper itself (its program
 *                     dies with it: parent-death signal) and reap it.
 *                     Closes the descriptors.  Safe to call twice.
 */

void
_gwReaperStop(_gw_reaper_t *r, int grace_ms)
{
  if (r->pid > 0 && !r->reaped)
  {
    _gwReaperKill(r);
    if (!_gwReaperWait(r, _gwReaperNowMs() + grace_ms))
    {
      /*
       * A stopped reaper (SIGSTOP from a program of the same uid) gets a
       * last chance; then it is killed, and the program with it (its
       * parent-death signal) or, if it cleared that, by its pidfd above.
       */

      kill(r->pid, SIGCONT);           /* Unreaped child: the pid is still ours */
      _gwReaperKill(r);
      if (_gwReaperWait(r, _gwReaperNowMs() + 500))
        goto closing;
#ifdef SYS_pidfd_send_signal
      if (r->pidfd < 0 || syscall(SYS_pidfd_send_signal, r->pidfd, SIGKILL, NULL, 0))
#endif
        kill(r->pid, SIGKILL);         /* Unreaped child: the pid is still ours */
      while (!_gwReaperWait(r, _gwReaperNowMs() + 60000));
    }
  }

  closing:

  if (r->child_pidfd >= 0)
  {
    int fd = r->child_pidfd;

#ifdef SYS_pidfd_send_signal
    /*
     * Normally long gone (then this fails: the pidfd still names that
     * process, never a new one with its pid); alive only if it killed its
     * reaper after clearing its parent-death signal.
     */

    syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
#endif
    __atomic_store_n(&r->child_pidfd, -1, __ATOMIC_RELAXED);
    close(fd);
  }
  if (r->ctl >= 0)
  {
    int fd = r->ctl;

    __atomic_store_n(&r->ctl, -1, __ATOMIC_RELAXED);
    close(fd);
  }
  if (r->pidfd >= 0)
  {
    int fd = r->pidfd;

    __atomic_store_n(&r->pidfd, -1, __ATOMIC_RELAXED);
    close(fd);
  }
}
