/*
 * convert-seccomp.c - the seccomp layer of the helper's sandbox (libseccomp).
 *
 * Default allow, with the system calls an exploit needs to get out killed:
 * after this, the helper cannot start a program, create a process, open a
 * socket, trace or read another process, mount, load BPF or kernel modules,
 * touch the kernel keyrings or use io_uring (whose operations bypass
 * seccomp).  Any of them kills the whole helper with SIGSYS, which the
 * daemon reports as a failed conversion.
 *
 * Threads stay allowed (clone with CLONE_THREAD).  clone3 takes its flags
 * in memory that a filter cannot read, so it fails with ENOSYS and glibc
 * falls back to clone, which is checked.  Signals may only go to ourselves,
 * and TIOCSTI (typing into a terminal) is refused.  Calls that act on
 * another process by pid (prlimit64, setpriority, the scheduler and I/O
 * priority calls, migrate_pages, move_pages) are refused unless the pid is
 * 0, "ourselves" (glibc's getrlimit and setrlimit pass 0), and so are
 * setpgid and setsid: the daemon kills the helper by its process group,
 * which it must not leave.
 */

#include "convert-private.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>


/*
 * System calls that kill the helper.  Names libseccomp does not know on
 * this architecture are skipped.
 */

static const char * const killed[] =
{
  /* Programs and processes */
  "execve", "execveat", "fork", "vfork",
  /* Network and local sockets */
  "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
  /* Other processes */
  "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp", "process_madvise",
  /* Mounts, namespaces, file handles */
  "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_by_handle_at",
  "name_to_handle_at", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
  "mount_setattr",
  /* Kernel attack surface */
  "bpf", "keyctl", "add_key", "request_key", "perf_event_open", "userfaultfd",
  "io_uring_setup", "io_uring_enter", "io_uring_register", "init_module", "finit_module",
  "delete_module", "kexec_load", "kexec_file_load", "personality", "uselib", "iopl", "ioperm",
  /* The system */
  "reboot", "swapon", "swapoff", "acct", "quotactl", "syslog", "sethostname",
  "setdomainname", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "vhangup",
  NULL
};


/*
 * 'add_rule()' - Add a rule for a system call by name (skipped when the
 *                name is unknown here).
 */

static int
add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned count, const struct scmp_arg_cmp *args)
{
  int nr = seccomp_syscall_resolve_name(name);

  if (nr == __NR_SCMP_ERROR)
    return (0);

  return (seccomp_rule_add_array(ctx, action, nr, count, args));
}


/*
 * '_gwConvSeccompApply()' - Load the filter.
 */

bool
_gwConvSeccompApply(gw_conv_t *conv)
{
  scmp_filter_ctx     ctx;
  int                 rc = 0;
  pid_t               self = getpid();
  struct scmp_arg_cmp not_thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0);
  struct scmp_arg_cmp other_pid  = SCMP_A0(SCMP_CMP_NE, (scmp_datum_t)self, 0);
  struct scmp_arg_cmp tiocsti    = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffU, TIOCSTI);
  struct scmp_arg_cmp dumpable   = SCMP_A0(SCMP_CMP_EQ, PR_SET_DUMPABLE, 0);
  struct scmp_arg_cmp a0_other   = SCMP_A0(SCMP_CMP_NE, 0, 0);
  struct scmp_arg_cmp a1_other   = SCMP_A1(SCMP_CMP_NE, 0, 0);
  static const char * const by_a0[] =
  {
    "prlimit64", "sched_setaffinity", "sched_setscheduler", "sched_setparam", "sched_setattr",
    "migrate_pages", "move_pages", NULL
  };

  if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to create the seccomp filter"));

  /* System calls of another ABI (x32, i386) kill too. */
  rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);

  for (int i = 0; rc == 0 && killed[i]; i ++)
    rc = add_rule(ctx, SCMP_ACT_KILL_PROCESS, killed[i], 0, NULL);

  if (rc == 0)
    rc = add_rule(ctx, SCMP_ACT_KILL_PROCESS, "clone", 1, &not_thread);
  if (rc == 0)
    rc = add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);

  /* Signals only to ourselves. */
  if (rc == 0)
    rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "kill", 1, &other_pid);
  if (rc == 0)
    rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "tgkill", 1, &other_pid);
  if (rc == 0)
    rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "rt_sigqueueinfo", 1, &other_pid);
  if (rc == 0)
    rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "rt_tgsigqueueinfo", 1, &other_pid);
  if (rc == 0)
    rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "tkill", 0, NULL);
  if (rc == 0)
    rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "pidfd_open", 0, NULL);
  if (rc == 0)
    rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "pidfd_send_signal", 0, NULL);

  /* Nothing done to another process by its pid; no leaving the process group. */
  for (int i = 0; rc == 0 && by_a0[i]; i ++)
    rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), by_a0[i], 1, &a0_other);
  if (rc == 0)
    rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "setpriority", 1, &a1_other);
  if (rc == 0)
    rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "ioprio_set", 1, &a1_other);
  if (rc == 0)
    rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "setpgid", 0, NULL);
  if (rc == 0)
    rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "setsid", 0, NULL);

  /* No typing into a terminal, no way back to being traceable. */
  if (rc == 0)
    rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, &tiocsti);
  if (rc == 0)
    rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "prctl", 1, &dumpable);

  if (rc == 0)
    rc = seccomp_load(ctx);

  seccomp_release(ctx);

  if (rc)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to load the seccomp filter (%d)", rc));

  conv->sandbox.seccomp_on = true;
  return (true);
}
