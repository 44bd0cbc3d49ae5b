/*
 * reaper-common.c - what the daemon's side of the reaper (reaper.c) and the
 * reaper itself (reaper-run.c: printgate-reaper, a helper's zygote) both
 * use.
 */

#include "printgate/reaper.h"

#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>


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
 * '_gwReaperPidfd()' - pidfd_open() through syscall() (glibc 2.36 has the
 *                      wrapper, older ones do not); -1 on a kernel before 5.3.
 */

int
_gwReaperPidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
  return ((int)syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return (-1);
#endif
}
