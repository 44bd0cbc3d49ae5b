/*
 * reaper-program.c - printgate-reaper, the small program that runs one
 * sandboxed program (printgate-convert, the Office sandbox) and fences
 * everything it starts (see reaper.c, which starts it, and
 * docs/converters.md, "Stopping a conversion").
 *
 * Why a program of its own: the reaper lives as long as its conversion.
 * As a fork() of the daemon it shared the daemon's memory copy-on-write
 * all that time, so every page a daemon thread wrote faulted and was
 * copied (about 15 % of the listener threads' time at 8 IPP clients), and
 * each fork copied the page tables of the whole daemon.  The daemon now
 * starts it with posix_spawn() (no copy of its memory) and it execs the
 * program from its own small address space.
 *
 * Started by the daemon only, as
 *
 *   printgate-reaper DAEMON-PID NFDS FDMASK ALL-SIGNALS NICE PATH ARGV0 [ARG...]
 *
 * with the control socket on descriptor 3 and, for each bit i of FDMASK,
 * the program's descriptor i on 4 + i (a clear bit: /dev/null), every
 * signal blocked, and the program's environment as its own.  It checks
 * that its parent is DAEMON-PID once its parent-death signal is set, so it
 * never outlives the daemon thread that started it.
 */

#include "printgate/reaper.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;


/*
 * 'number()' - A decimal argument in [lo, hi], or exit.
 */

static long
number(const char *s, long lo, long hi)
{
  char *end;
  long  v;

  errno = 0;
  v     = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi)
  {
    fputs("printgate-reaper: started by printgated only\n", stderr);
    exit(127);
  }
  return (v);
}


/*
 * 'main()' - Read the daemon's arguments, then be the reaper.
 */

int
main(int argc, char *argv[])
{
  _gw_reaper_spawn_t sp;
  long               mask;

  if (argc < GW_REAPER_ARG_ARGV + 1)
  {
    fputs("printgate-reaper: started by printgated only\n", stderr);
    return (127);
  }

  memset(&sp, 0, sizeof(sp));
  sp.nfds        = (int)number(argv[GW_REAPER_ARG_NFDS], 0, GW_REAPER_MAX_FDS);
  mask           = number(argv[GW_REAPER_ARG_FDMASK], 0, (1L << GW_REAPER_MAX_FDS) - 1);
  sp.all_signals = number(argv[GW_REAPER_ARG_ALL_SIGNALS], 0, 1) != 0;
  sp.nice        = (int)number(argv[GW_REAPER_ARG_NICE], 0, 19);
  sp.path        = argv[GW_REAPER_ARG_PATH];
  sp.argv        = argv + GW_REAPER_ARG_ARGV;
  sp.envp        = environ;
  for (int i = 0; i < sp.nfds; i ++)
    sp.fds[i] = (mask & (1L << i)) ? GW_REAPER_FIRST_FD + i : -1;

  _gwReaperRun(&sp, GW_REAPER_CTL_FD, (pid_t)number(argv[GW_REAPER_ARG_DAEMON], 2, INT_MAX));
  return (127);                        /* Not reached: a path is always given */
}
