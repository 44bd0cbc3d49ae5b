/*
 * reaper.h - what the reaper's two sides share (gateway/reaper-private.h
 * is the daemon's side): how the daemon starts printgate-reaper, what a
 * reaper starts, and the reaper itself (_gwReaperRun(), gateway/reaper-run.c),
 * which runs in printgate-reaper and in a converter helper's zygote
 * (converters/convert-zygote.c).  Private to the core and the converter
 * helper (gateway/include-private/).
 */

#ifndef PRINTGATE_REAPER_H
#define PRINTGATE_REAPER_H

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

/*
 * The reaper.  sp->path NULL: the program is not exec'd, _gwReaperRun()
 * returns in its process (a zygote's helper) with descriptors 0..nfds-1
 * only and environ = sp->envp.  It never returns in the reaper.
 */

extern void    _gwReaperRun(const _gw_reaper_spawn_t *sp, int ctl, pid_t daemon);
extern int64_t _gwReaperNowMs(void);
extern int     _gwReaperPidfd(pid_t pid);

#endif /* !PRINTGATE_REAPER_H */
