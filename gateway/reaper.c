/*
 * reaper.c - run a sandboxed program under a small reaper process of its
 * own (see reaper-private.h and docs/converters.md, "Stopping a
 * conversion").
 *
 * Why: a process group is no fence.  The program (printgate-convert, the
 * Office sandbox, or an exploit running in either) may call setpgid() or
 * setsid(), and a child it leaves behind is reparented to init, out of the
 * daemon's reach.  So the daemon forks a reaper that marks itself a child
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
 * The reaper is a fork of the threaded daemon, so between _Fork() and its
 * _exit() it calls only async-signal-safe functions (system calls, no
 * malloc, no stdio).  It blocks every signal, cannot be traced or read by
 * the sandbox's uid (not dumpable), keeps no descriptor of the daemon but
 * its control socket, and dies with the daemon thread that started it
 * (parent-death signal); the program dies with the reaper (parent-death
 * signal set before exec; the helpers set it again after dropping their
 * user).  The same works as root and unprivileged: no namespace, no cgroup.
 */

#include "reaper-private.h"
#include "printgate/io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#  define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define HIGH_FD 64                      /* First free descriptor while moving ours */
#define CTL_FD 10                       /* The reaper's control socket */
#define PROG_FD 11                      /* 11..14: the program's descriptors, in the reaper */
#define REPORT_FD 20                    /* 20, 21: the exec report pipe; 22, 23: the word to go */


/*
 * '_gwReaperNowMs()' - Monotonic milliseconds.
 */

int64_t
_gwReaperNowMs(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}


/*
 * 'pidfd_of()' - pidfd_open() through syscall() (glibc 2.36 has the
 *                wrapper, older ones do not); -1 on a kernel before 5.3.
 */

static int
pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
  return ((int)syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return (-1);
#endif
}


/*
 * 'reaper_kill_children()' - SIGKILL every child the reaper has now, as
 *                            listed in /proc/thread-self/children (the
 *                            reaper has one thread).  Returns false when
 *                            the list cannot be read.  Async-signal-safe.
 */

static bool
reaper_kill_children(void)
{
  char    buf[4096];
  ssize_t n;
  int     fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
  long    pid = 0;
  bool    digits = false;

  if (fd < 0)
    return (false);

  /* A pid may straddle two reads: the number is carried over. */
  while ((n = read(fd, buf, sizeof(buf))) > 0)
  {
    for (ssize_t i = 0; i < n; i ++)
    {
      if (buf[i] >= '0' && buf[i] <= '9')
      {
        if (pid < 100000000)
          pid = pid * 10 + (buf[i] - '0');
        digits = true;
      }
      else
      {
        if (digits && pid > 1)
          kill((pid_t)pid, SIGKILL);   /* Our unreaped child: the pid cannot have been reused */
        pid    = 0;
        digits = false;
      }
    }
  }
  if (digits && pid > 1)
    kill((pid_t)pid, SIGKILL);

  close(fd);
  return (true);
}


/*
 * 'reaper_finish()' - Kill the program, its group and every descendant the
 *                     reaper has collected, reap them all and keep the
 *                     program's status.  Async-signal-safe.
 */

static void
reaper_finish(pid_t child, bool *have_status, int *status)
{
  int64_t give_up = 0;

  if (!*have_status)
  {
    /* Unreaped, so its pid still names it and its group. */
    kill(child, SIGKILL);              /* By pid: it may have left its group */
    kill(-child, SIGKILL);
  }

  /*
   * Never a blocking wait: the children list may miss a process that was
   * being reparented while it was read, so it is read again until no child
   * is left.
   */

  for (;;)
  {
    struct timespec one_ms = { 0, 1000000 };
    int             st;
    bool            listed = reaper_kill_children();
    pid_t           w = waitpid(-1, &st, WNOHANG | __WALL);

    if (w == 0)
    {
      /* Children left, none dead yet. */
      if (!listed)
      {
        /* Without /proc they cannot be listed: what dies within a second is reaped, the rest left. */
        if (!give_up)
          give_up = _gwReaperNowMs() + 1000;
        else if (_gwReaperNowMs() >= give_up)
          break;
      }
      nanosleep(&one_ms, NULL);
      continue;
    }

    if (w < 0)
    {
      if (errno == EINTR)
        continue;
      break;                           /* ECHILD: nothing is left */
    }
    if (w == child && !*have_status)
    {
      *have_status = true;
      *status      = st;
    }
  }
}


/*
 * 'reaper_exec_child()' - In the program's process: its own process group,
 *                         descriptors 0..nfds-1, default signals, death
 *                         with the reaper, wait for the word to go (one
 *                         byte on go_fd), exec.  Reports a failed exec's
 *                         errno on report_fd.  Async-signal-safe.
 */

__attribute__((noreturn)) static void
reaper_exec_child(const _gw_reaper_spawn_t *sp, const int *high, int report_fd, int go_fd, pid_t reaper)
{
  struct sigaction dfl;
  sigset_t         none;
  int              err;
  char             go;

  setpgid(0, 0);

  for (int i = 0; i < sp->nfds; i ++)
  {
    /* The sources are above REPORT_FD, so no dup2() clobbers another's. */
    int fd = high[i] >= 0 ? high[i] : open("/dev/null", i == 0 ? O_RDONLY : O_WRONLY);

    if (fd < 0 || dup2(fd, i) != i)
      goto fail;
  }
  if (syscall(SYS_close_range, (unsigned)sp->nfds, ~0U, CLOSE_RANGE_CLOEXEC))
  {
    /* Older kernel: mark them one by one (report_fd is already close-on-exec). */
    for (int fd = sp->nfds; fd < 1024; fd ++)
      fcntl(fd, F_SETFD, FD_CLOEXEC);
  }

  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s ++)
  {
    if (s == SIGKILL || s == SIGSTOP)
      continue;
    if (sp->all_signals || s == SIGPIPE || s == SIGHUP || s == SIGTERM || s == SIGINT)
      sigaction(s, &dfl, NULL);         /* Fails harmlessly for the real-time signals glibc keeps */
  }
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);

  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != reaper)
    goto fail;

  /*
   * Below the daemon's threads (inherited by everything it starts): see the
   * caller.  SCHED_BATCH too: the program's wake-ups never preempt a
   * listener thread (its share of the CPU is the nice value's, no less).
   */
  if (sp->nice > 0 && sp->nice < 20)
  {
    struct sched_param batch = { 0 };

    setpriority(PRIO_PROCESS, 0, sp->nice);
    sched_setscheduler(0, SCHED_BATCH, &batch);
  }

  /*
   * Not a line of the program runs before the daemon holds a pidfd of this
   * process: then it can kill it even if it turns on its reaper.
   */

  while (read(go_fd, &go, 1) < 0 && errno == EINTR);
  close(go_fd);

  execve(sp->path, sp->argv, sp->envp);

  fail:

  err = errno ? errno : EINVAL;
  (void)gwWriteAll(report_fd, &err, sizeof(err));
  _exit(127);
}


/*
 * 'send_first_word()' - Tell the daemon the program's pid, with its pidfd
 *                       (-1: none) as SCM_RIGHTS.  Async-signal-safe.
 */

static void
send_first_word(int ctl, pid_t child, int pidfd)
{
  int            msg[2] = { 0, (int)child };
  struct iovec   iov = { msg, sizeof(msg) };
  struct msghdr  mh;
  union
  {
    struct cmsghdr hdr;
    char           buf[CMSG_SPACE(sizeof(int))];
  }              cm;

  memset(&mh, 0, sizeof(mh));
  memset(&cm, 0, sizeof(cm));
  mh.msg_iov    = &iov;
  mh.msg_iovlen = 1;
  if (pidfd >= 0)
  {
    mh.msg_control           = cm.buf;
    mh.msg_controllen        = sizeof(cm.buf);
    cm.hdr.cmsg_level        = SOL_SOCKET;
    cm.hdr.cmsg_type         = SCM_RIGHTS;
    cm.hdr.cmsg_len          = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(&cm.hdr), &pidfd, sizeof(int));
  }

  while (sendmsg(ctl, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR);
}


/*
 * 'reaper_fds()' - Keep the control socket (CTL_FD), the program's
 *                  descriptors (PROG_FD on, high[]), the exec report pipe
 *                  (REPORT_FD, +1) and the pipe of the word to go
 *                  (REPORT_FD + 2, + 3) at fixed numbers, all
 *                  close-on-exec, and close every other descriptor of the
 *                  daemon's: one kept open here would, for one, hold
 *                  another conversion's pipe open.  Returns 0 or an errno
 *                  value.  Async-signal-safe.
 */

static int
reaper_fds(const _gw_reaper_spawn_t *sp, int ctl, int *high)
{
  int tmp[GW_REAPER_MAX_FDS + 1], p[2];

  if ((tmp[0] = fcntl(ctl, F_DUPFD_CLOEXEC, HIGH_FD)) < 0)
    _exit(127);                        /* Not even the control socket: the daemon sees end of file */
  for (int i = 0; i < sp->nfds; i ++)
  {
    if ((tmp[i + 1] = sp->fds[i] >= 0 ? fcntl(sp->fds[i], F_DUPFD_CLOEXEC, HIGH_FD) : -1) < 0 && sp->fds[i] >= 0)
      _exit(127);
  }
  syscall(SYS_close_range, 0U, (unsigned)HIGH_FD - 1, 0U);
  if (dup3(tmp[0], CTL_FD, O_CLOEXEC) != CTL_FD)
    _exit(127);
  for (int i = 0; i < sp->nfds; i ++)
  {
    high[i] = -1;
    if (tmp[i + 1] >= 0 && (high[i] = dup3(tmp[i + 1], PROG_FD + i, O_CLOEXEC)) != PROG_FD + i)
      _exit(127);
  }

  for (int i = 0; i < 2; i ++)
  {
    if (pipe2(p, O_CLOEXEC) || dup3(p[0], REPORT_FD + 2 * i, O_CLOEXEC) != REPORT_FD + 2 * i ||
        dup3(p[1], REPORT_FD + 2 * i + 1, O_CLOEXEC) != REPORT_FD + 2 * i + 1)
      return (errno ? errno : EMFILE);
  }

  if (syscall(SYS_close_range, (unsigned)REPORT_FD + 4, ~0U, 0U))
  {
    for (int fd = REPORT_FD + 4; fd < 4096; fd ++)
      close(fd);
  }
  for (int fd = 0; fd < CTL_FD; fd ++)
    close(fd);                         /* The originals of the two pipes */

  return (0);
}


/*
 * 'reaper_wait()' - Wait for the program to end or for the daemon's word
 *                   (a byte, or end of file when the daemon went away).
 *                   A program that ended is reaped here, after its group
 *                   was killed.  Async-signal-safe.
 */

static void
reaper_wait(int ctl, pid_t child, int pfd_child, bool *have_status, int *status)
{
  for (;;)
  {
    struct pollfd pfd[2];
    int           n = 1;

    pfd[0].fd      = ctl;
    pfd[0].events  = POLLIN;
    pfd[0].revents = 0;
    pfd[1].revents = 0;
    if (pfd_child >= 0)
    {
      pfd[1].fd     = pfd_child;
      pfd[1].events = POLLIN;
      n = 2;
    }

    if (poll(pfd, (nfds_t)n, pfd_child >= 0 ? -1 : 20) < 0 && errno != EINTR)
      return;
    if (pfd[0].revents)
      return;                          /* Kill now */
    if ((n == 2 && pfd[1].revents) || pfd_child < 0)
    {
      siginfo_t info;

      /*
       * Ended?  Look without reaping: while it is a zombie its pid still
       * names its group, which is killed before the pid is given back.
       */

      memset(&info, 0, sizeof(info));
      if (waitid(P_PID, (id_t)child, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == child)
      {
        int st;

        kill(-child, SIGKILL);
        if (waitpid(child, &st, 0) == child)
        {
          *have_status = true;
          *status      = st;
        }
        return;                        /* Its leftovers go now */
      }
    }
  }
}


/*
 * 'reaper_exit()' - Exit as the program did: the signal that killed it is
 *                   raised again, or its exit code given.  Async-signal-
 *                   safe.
 */

__attribute__((noreturn)) static void
reaper_exit(bool have_status, int status)
{
  if (have_status && WIFSIGNALED(status))
  {
    struct sigaction dfl;
    sigset_t         one;
    int              sig = WTERMSIG(status);

    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    sigemptyset(&one);
    sigaddset(&one, sig);
    kill(getpid(), sig);
    sigprocmask(SIG_UNBLOCK, &one, NULL);
    _exit(128 + sig);                   /* Not reached for a fatal signal */
  }
  _exit(have_status && WIFEXITED(status) ? WEXITSTATUS(status) : 127);
}


/*
 * 'reaper_main()' - The reaper process: start the program, wait for it or
 *                   for the daemon's word, kill and reap everything, exit
 *                   as the program did.  Async-signal-safe.
 */

__attribute__((noreturn)) static void
reaper_main(const _gw_reaper_spawn_t *sp, int ctl, pid_t daemon)
{
  int           high[GW_REAPER_MAX_FDS], msg[2], err = 0, status = 0, pfd_child;
  pid_t         self = getpid(), child;
  bool          have_status = false;
  sigset_t      all;
  struct rlimit zero = { 0, 0 };

  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);

  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != daemon)
    _exit(127);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  /* A copy of the daemon's memory: nobody reads it */
  setrlimit(RLIMIT_CORE, &zero);       /* The re-raised signal leaves no core */

  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
  {
    err = errno;
    goto report;
  }

  if ((err = reaper_fds(sp, ctl, high)) != 0)
  {
    ctl = CTL_FD;
    goto report;
  }
  ctl = CTL_FD;

  if ((child = _Fork()) < 0)
  {
    err = errno;
    goto report;
  }
  if (child == 0)
  {
    close(REPORT_FD);
    close(REPORT_FD + 3);
    reaper_exec_child(sp, high, REPORT_FD + 1, REPORT_FD + 2, self);
  }

  close(REPORT_FD + 1);
  close(REPORT_FD + 2);
  for (int i = 0; i < sp->nfds; i ++)
  {
    if (high[i] >= 0)
      close(high[i]);                  /* Else the daemon never sees end of file */
  }

  /*
   * First word to the daemon: the program's pid and a pidfd of it, made
   * while it is our unreaped child and before it runs (so it names that
   * process and no other); then the program may go.
   */

  pfd_child = pidfd_of(child);
  send_first_word(ctl, child, pfd_child);
  (void)gwWriteAll(REPORT_FD + 3, "g", 1);
  close(REPORT_FD + 3);

  /* Second word, only if the exec failed: its errno. */
  while (read(REPORT_FD, &err, sizeof(err)) < 0 && errno == EINTR);
  close(REPORT_FD);
  if (err)
  {
    while (waitpid(child, &status, 0) < 0 && errno == EINTR);
    goto report;
  }

  reaper_wait(ctl, child, pfd_child, &have_status, &status);
  reaper_finish(child, &have_status, &status);
  reaper_exit(have_status, status);

  report:

  msg[0] = err ? err : EINVAL;
  msg[1] = 0;
  (void)gwWriteAll(ctl, msg, sizeof(msg));
  _exit(127);
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
 * '_gwReaperSpawn()' - Start the reaper and, under it, the program.
 *                      Returns false with an errno value in *error_r when
 *                      the program could not be started.  Everything the
 *                      reaper needs is prepared before the fork.
 */

bool
_gwReaperSpawn(_gw_reaper_t *r, const _gw_reaper_spawn_t *sp, int *error_r)
{
  int     sv[2], msg[2] = { 0, 0 }, err = 0, fd = -1;
  pid_t   daemon = getpid();

  r->pid    = 0;
  r->pidfd  = -1;
  r->ctl    = -1;
  r->child  = 0;
  r->child_pidfd = -1;
  r->exec_errno  = 0;
  r->reaped = false;
  r->status = 0;
  *error_r  = 0;

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

  if ((r->pid = _Fork()) < 0)
  {
    *error_r = errno;
    r->pid   = 0;
    close(sv[0]);
    close(sv[1]);
    return (false);
  }
  if (r->pid == 0)
  {
    close(sv[0]);
    reaper_main(sp, sv[1], daemon);
  }

  close(sv[1]);
  r->ctl   = sv[0];
  r->pidfd = pidfd_of(r->pid);         /* Our unreaped child: no pid reuse race */

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
