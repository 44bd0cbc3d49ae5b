/*
 * office-private.h - the Office pool's objects (see office.h).
 *
 * Locking: one mutex per pool guards every instance's state, pid, counters
 * and the pool's flags.  A thread converting a document owns its instance
 * (state BUSY) and talks to it without the lock.  Only the supervisor
 * thread starts instances and reaps them (bounded, reaper.c), so an
 * instance's reaper stays valid until the supervisor has seen the instance
 * DEAD; the thread that owns an instance, or any thread holding the lock,
 * may tell the reaper to kill it (_gwReaperKill).  Lock order: pool -> log (the only other
 * lock taken while the pool lock is held).
 */

#ifndef PRINTGATE_OFFICE_PRIVATE_H
#define PRINTGATE_OFFICE_PRIVATE_H

#include "printgate/office.h"
#include "printgate/config.h"
#include "printgate/log.h"
#include "reaper-private.h"

#include <pthread.h>

#define GW_OFFICE_MAX_WORKERS 64
#define GW_OFFICE_START_TIMEOUT 90      /* Seconds for an instance to say "ready" */
#define GW_OFFICE_LINE_MAX 512          /* Longest protocol line */

typedef enum office_state_e
{
  OFFICE_STOPPED,               /* Not running; the supervisor starts it */
  OFFICE_STARTING,              /* Supervisor is starting it */
  OFFICE_IDLE,                  /* Ready for a document */
  OFFICE_BUSY,                  /* A thread is converting on it */
  OFFICE_DEAD                   /* Must be killed, reaped and cleaned up */
} office_state_t;

typedef struct _gw_office_instance_s
{
  int            index;         /* Position in the pool */
  office_state_t state;
  pid_t          pid;           /* Sandbox/worker process, leader of its group (logs only) */
  _gw_reaper_t   reaper;        /* Its reaper: kills it and everything below it */
  int            sock;          /* Our end of the worker's stdin/stdout socket */
  int            dir_fd;        /* Instance directory (opened before it was handed over) */
  char           dir_name[64];  /* Its name in the session directory */
  unsigned       seq;           /* Document counter (names of per-document dirs) */
  int            jobs;          /* Documents since start */
  int            starts;        /* Times started */
  int            failures;      /* Failed starts in a row (back-off) */
  int64_t        next_start_ms; /* Not before (monotonic ms) */
  char           line[GW_OFFICE_LINE_MAX];  /* Partial protocol line */
  size_t         linelen;
} _gw_office_instance_t;

struct _gw_office_pool_s
{
  gw_office_config_t     cfg;           /* Copy; strings point at the buffers below */
  char                   soffice[GW_PATH_MAX], sandbox[GW_PATH_MAX], worker[GW_PATH_MAX],
                         user[64], tmp_parent[GW_PATH_MAX];
  gw_log_t              *log;
  bool                   as_root;       /* Hand directories to the instances' user */
  uid_t                  uid;           /* The instances' user (as_root) */
  gid_t                  gid;
  char                   session[GW_PATH_MAX + 80];   /* tmp_parent/office-PID-RANDOM */
  int                    session_fd;
  pthread_mutex_t        lock;
  pthread_cond_t         changed;       /* An instance became idle, or the pool stops */
  pthread_cond_t         wake;          /* Wakes the supervisor */
  pthread_t              supervisor;
  bool                   supervisor_running;
  bool                   stopping;
  int                    users;         /* Threads inside gwOfficePoolConvert */
  _gw_office_instance_t *inst;
};

/* office-instance.c */
extern int64_t _gwOfficeNowMs(void);
extern bool    _gwOfficeInstanceStart(gw_office_pool_t *pool, _gw_office_instance_t *inst, char *error, size_t errsize);
extern void    _gwOfficeInstanceKill(_gw_office_instance_t *inst, int64_t wait_ms);
extern void    _gwOfficeInstanceReap(gw_office_pool_t *pool, _gw_office_instance_t *inst);
extern int     _gwOfficeReadLine(_gw_office_instance_t *inst, int64_t deadline_ms, char *line, size_t linesize);
extern bool    _gwOfficeRemoveTree(int parent_fd, const char *name, int depth);

#endif /* !PRINTGATE_OFFICE_PRIVATE_H */
