/*
 * reaper-private.h - run a sandboxed program under a small reaper process of
 * its own, so that the program and everything it starts can be stopped
 * within a deadline (see reaper.c and docs/converters.md, "Stopping a
 * conversion").
 *
 * The daemon owns the reaper (its child, the program printgate-reaper);
 * the reaper owns the program (its
 * child) and, being a child subreaper, every descendant the program leaves
 * behind, even one that left its process group or session.  Used by the
 * converter (convert.c) and the Office pool (office-instance.c).
 *
 * Locking: _gwReaperKill() may be called from any thread while another
 * thread owns the object; every other function belongs to one thread.
 */

#ifndef PRINTGATE_REAPER_PRIVATE_H
#define PRINTGATE_REAPER_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define GW_REAPER_MAX_FDS 4             /* Descriptors handed to the program */
#define GW_REAPER_GRACE_MS 2000         /* Time the reaper gets to kill and reap */

/*
 * How the daemon starts printgate-reaper (reaper.c, reaper-program.c): the
 * control socket on GW_REAPER_CTL_FD, the program's descriptor i on
 * GW_REAPER_FIRST_FD + i, and these arguments.
 */

#define GW_REAPER_CTL_FD 3
#define GW_REAPER_FIRST_FD 4
#define GW_REAPER_ARG_DAEMON 1          /* The daemon's pid: the reaper's parent */
#define GW_REAPER_ARG_NFDS 2            /* How many descriptors the program gets */
#define GW_REAPER_ARG_FDMASK 3          /* Bit i set: descriptor i is passed, else /dev/null */
#define GW_REAPER_ARG_ALL_SIGNALS 4     /* 1: every signal to its default in the program */
#define GW_REAPER_ARG_NICE 5            /* 0, or the program's lower priority (1-19) */
#define GW_REAPER_ARG_PATH 6            /* The program */
#define GW_REAPER_ARG_ARGV 7            /* Its argv from here, argv[0] first */

typedef struct _gw_reaper_s             /* One reaper and its program */
{
  pid_t pid;                    /* The reaper (our child), 0 when none */
  int   pidfd;                  /* Its pidfd, -1 without pidfd_open() */
  int   ctl;                    /* Our end of the control socket, -1 when closed */
  pid_t child;                  /* The program's pid (logs; signalled only through child_pidfd) */
  int   child_pidfd;            /* pidfd of the program (made by the reaper before it ran), or -1 */
  int   exec_errno;             /* Once reaped: why the program could not be started, or 0 */
  bool  reaped;                 /* The reaper was waited for */
  int   status;                 /* Then: the program's wait status, as the reaper's own */
} _gw_reaper_t;

typedef struct _gw_reaper_spawn_s       /* What to start */
{
  const char   *path;           /* Program */
  char * const *argv;
  char * const *envp;
  int           fds[GW_REAPER_MAX_FDS];   /* fds[i] becomes descriptor i; -1 = /dev/null */
  int           nfds;           /* How many of fds[] are used */
  bool          all_signals;    /* Reset every signal to default (else PIPE, HUP, TERM, INT) */
  int           nice;           /* 0, or a lower CPU priority (1-19) for the program and what it starts */
} _gw_reaper_spawn_t;

extern bool _gwReaperSpawn(_gw_reaper_t *r, const _gw_reaper_spawn_t *sp, int *error_r);
extern void _gwReaperKill(_gw_reaper_t *r);
extern bool _gwReaperWait(_gw_reaper_t *r, int64_t deadline_ms);
extern void _gwReaperStop(_gw_reaper_t *r, int grace_ms);
extern int64_t _gwReaperNowMs(void);
extern int _gwReaperPidfd(pid_t pid);
extern const char *_gwReaperMissing(void);

#endif /* !PRINTGATE_REAPER_PRIVATE_H */
