/*
 * reaper-run.c - the reaper itself (see reaper.c, which starts it, and
 * docs/converters.md, "Stopping a conversion"): start the program under a
 * child subreaper, wait for it or for the daemon's word, kill and reap
 * everything, exit as the program did.
 *
 * Shared by two processes, so it is written once:
 *
 *   - printgate-reaper (reaper-program.c), which the daemon starts with
 *     posix_spawn() and which execs the program;
 *   - a helper's zygote (converters/convert-zygote.c, docs/converters.md,
 *     "The zygote"): a loaded converter that never sees a document forks
 *     a reaper for each pooled helper, and that reaper forks the helper
 *     from the same loaded image instead of exec'ing it (sp->path NULL):
 *     then _gwReaperRun() returns, in the helper's process only.
 *
 * System calls only: the code runs in a raw clone of the zygote and, in
 * printgate-reaper, needs nothing more.
 */

#include "printgate/reaper.h"
#include "printgate/io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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

extern char **environ;


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
 *                         errno on report_fd.  With no sp->path (a
 *                         zygote's helper) there is no exec: every other
 *                         descriptor is closed (report_fd too, which the
 *                         reaper reads as a started program), environ
 *                         becomes sp->envp, and it returns.
 *                         Async-signal-safe.
 */

static void
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

  if (!sp->path)
  {
    /* Nothing is exec'd, so nothing close-on-exec may stay open. */
    if (syscall(SYS_close_range, (unsigned)sp->nfds, ~0U, 0U))
    {
      for (int fd = sp->nfds; fd < 4096; fd ++)
        close(fd);
    }
    environ = (char **)sp->envp;
    return;
  }

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
 * '_gwReaperRun()' - The reaper: start the program, wait for it or for the
 *                    daemon's word, kill and reap everything, exit as the
 *                    program did.  Never returns in the reaper; returns
 *                    in the program's process only when sp->path is NULL
 *                    (a zygote's helper: reaper_exec_child()).  System
 *                    calls only.
 */

void
_gwReaperRun(const _gw_reaper_spawn_t *sp, int ctl, pid_t daemon)
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
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  /* It holds the control socket: nobody traces it */
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
    return;                            /* The zygote's helper: on to its work */
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

  pfd_child = _gwReaperPidfd(child);
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


