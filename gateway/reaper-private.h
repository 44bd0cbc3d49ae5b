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

#include "printgate/reaper.h"

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

extern bool _gwReaperSpawn(_gw_reaper_t *r, const _gw_reaper_spawn_t *sp, int *error_r);
extern bool _gwReaperSpawnFrom(_gw_reaper_t *r, const _gw_reaper_spawn_t *sp, int zygote, int *error_r);
extern bool _gwReaperZygoteStart(const char *path, char * const *argv, char * const *envp, pid_t *pid_r, int *fd_r, int *error_r);
extern void _gwReaperZygoteStop(pid_t pid, int fd);
extern void _gwReaperKill(_gw_reaper_t *r);
extern bool _gwReaperWait(_gw_reaper_t *r, int64_t deadline_ms);
extern void _gwReaperStop(_gw_reaper_t *r, int grace_ms);
extern const char *_gwReaperMissing(void);

#endif /* !PRINTGATE_REAPER_PRIVATE_H */
