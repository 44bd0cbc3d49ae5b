/*
 * spool-stock.c - a reserve of empty files in the spool's free/ folder,
 *                 made ahead while no upload arrives.
 *
 * A new spool file costs an inode, and on ext4 without a journal (this
 * project's test machines) the allocator reads, for each new inode, the
 * table block of every inode of the group freed in the last minutes: with
 * thousands of files removed nearby, creating an upload's file cost more
 * CPU than the rest of its intake (docs/benchmarks.md, "IPP intake, eighth
 * round").  Recycling (spool.c) gives a removed document's inode to the
 * next writer, but a burst of uploads outruns it: the jobs are held, so
 * nothing is removed meanwhile.  So one thread keeps up to SpoolReserve
 * empty files r<id> in free/, for the writers that take recycled files.
 *
 * - It starts making them only once the gateway has received a document
 *   (a daemon that never takes one costs nothing), and only while no
 *   upload has begun for 'quiet_ms': it never competes with a burst.  It
 *   runs at nice 10, like the converters.
 * - Each file is created with O_EXCL and O_NOFOLLOW, empty, mode 0600:
 *   a name already taken (by hand, a symlink) is skipped, never written.
 *   Nothing is fsync'd: a file lost in a crash is only one less in the
 *   reserve, and gwSpoolRecover() adopts (and empties) what is there.
 * - The reserve and the recycled files share SPOOL_FREE_MAX.
 *
 * Locking: the stock's state lives under spool->free_lock (with the free
 * list); the thread never holds it while it creates a file.
 */

#include "spool-private.h"
#include "printgate/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define STOCK_QUIET_MS  200                    /* No upload begun for this long before a file is made */
#define STOCK_NICE      10                     /* The thread's nice value (the converters' too) */

struct spool_stock_s
{
  pthread_t       thread;
  pthread_cond_t  cond;                 /* With spool->free_lock: stop, or the list went below the target */
  bool            stop;
  bool            sleeping;             /* The thread waits for a take (the reserve is full or not yet wanted) */
  size_t          target;               /* Files wanted in free/ (<= SPOOL_FREE_MAX) */
  double          quiet_ms;
  unsigned long   made;                 /* Files made so far (tests) */
};


/*
 * 'stock_wait_until()' - Wait on the stock's condition for 'ms' at most.
 *                        free_lock held.
 */

static void
stock_wait_until(gw_spool_t *spool, double ms)
{
  struct timespec ts;

  gwClockDeadline(&ts, CLOCK_MONOTONIC, (int64_t)ms + 1);
  pthread_cond_timedwait(&spool->stock->cond, &spool->free_lock, &ts);
}


/*
 * 'stock_make()' - Create one empty file in free/ and list it.  False when
 *                  the name was taken (skipped) or the create failed.
 *                  free_lock not held.
 */

static bool
stock_make(gw_spool_t *spool, unsigned id)
{
  char name[32];
  int  fd;
  bool ok;

  _gwSpoolFreeName(id, name);
  if ((fd = openat(spool->free_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600)) < 0)
  {
    pthread_mutex_lock(&spool->free_lock);
    spool->free_pending --;
    pthread_mutex_unlock(&spool->free_lock);
    return (false);
  }
  close(fd);

  pthread_mutex_lock(&spool->free_lock);
  spool->free_pending --;
  if ((ok = spool->free_count < SPOOL_FREE_MAX) == true)
  {
    spool->free_ids[spool->free_count ++] = id;
    spool->stock->made ++;
  }
  pthread_mutex_unlock(&spool->free_lock);
  if (!ok)
    unlinkat(spool->free_fd, name, 0);

  return (ok);
}


/*
 * 'stock_run()' - The thread: top free/ up to the target while no upload
 *                 arrives.
 */

static void *
stock_run(void *arg)
{
  gw_spool_t    *spool = (gw_spool_t *)arg;
  spool_stock_t *st    = spool->stock;
  unsigned       id, failures = 0;
  double         idle;

  pthread_setname_np(pthread_self(), "pg-spool-stock");   /* Seen in top -H and ps -L */
  setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), STOCK_NICE);

  pthread_mutex_lock(&spool->free_lock);
  while (!st->stop)
  {
    if (!spool->free_ready || !spool->free_intake || spool->free_count + spool->free_pending >= st->target || failures > 100)
    {
      /* Nothing wanted until a writer takes a file (or the first upload). */
      st->sleeping = true;
      failures     = 0;
      pthread_cond_wait(&st->cond, &spool->free_lock);
      st->sleeping = false;
      continue;
    }

    if ((idle = gwClockMs() - spool->free_intake_ms) < st->quiet_ms)
    {
      stock_wait_until(spool, st->quiet_ms - idle);
      continue;
    }

    spool->free_pending ++;
    id = spool->free_next ++;
    pthread_mutex_unlock(&spool->free_lock);

    if (!stock_make(spool, id))
      failures ++;

    pthread_mutex_lock(&spool->free_lock);
  }
  pthread_mutex_unlock(&spool->free_lock);

  return (NULL);
}


/*
 * '_gwSpoolStockNoted()' - A writer took a file or began an upload: wake
 *                          the thread if it sleeps and the reserve is
 *                          short (not once per upload while it is still
 *                          full).  free_lock held.
 */

void
_gwSpoolStockNoted(gw_spool_t *spool)
{
  if (spool->stock && spool->stock->sleeping && spool->free_count + spool->free_pending <= spool->stock->target)   /* Called before the take */
  {
    spool->stock->sleeping = false;     /* One wake-up per sleep */
    pthread_cond_signal(&spool->stock->cond);
  }
}


/*
 * 'gwSpoolStockStart()' - Keep up to 'target' empty files in free/ (0:
 *                         none; at most SPOOL_FREE_MAX), from the first
 *                         upload on.  Call after gwSpoolRecover().
 */

bool
gwSpoolStockStart(gw_spool_t *spool, unsigned target)
{
  spool_stock_t *st;
  pthread_attr_t attr;
  bool           ok;

  if (!spool || !target || spool->stock)
    return (spool != NULL);
  if ((st = calloc(1, sizeof(spool_stock_t))) == NULL)
    return (false);

  st->target   = target < SPOOL_FREE_MAX ? target : SPOOL_FREE_MAX;
  st->quiet_ms = STOCK_QUIET_MS;
  {
    pthread_condattr_t ca;              /* stock_wait_until() counts on CLOCK_MONOTONIC */

    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&st->cond, &ca);
    pthread_condattr_destroy(&ca);
  }
  spool->stock = st;

  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  ok = pthread_create(&st->thread, &attr, stock_run, spool) == 0;
  pthread_attr_destroy(&attr);
  if (!ok)
  {
    spool->stock = NULL;
    pthread_cond_destroy(&st->cond);
    free(st);
    gwLog(spool->log, GW_LOG_WARN, "Unable to start the spool reserve's thread; new uploads create their files.");
  }

  return (ok);
}


/*
 * '_gwSpoolStockStop()' - Stop and free the thread (gwSpoolClose()).
 */

void
_gwSpoolStockStop(gw_spool_t *spool)
{
  spool_stock_t *st = spool->stock;

  if (!st)
    return;

  pthread_mutex_lock(&spool->free_lock);
  st->stop = true;
  pthread_cond_signal(&st->cond);
  pthread_mutex_unlock(&spool->free_lock);
  pthread_join(st->thread, NULL);
  pthread_cond_destroy(&st->cond);
  spool->stock = NULL;
  free(st);
}


/*
 * '_gwSpoolStockSet()' - Tests: the quiet time (ms, < 0: unchanged) and
 *                        the files made so far (NULL: not wanted).
 */

void
_gwSpoolStockSet(gw_spool_t *spool, double quiet_ms, unsigned long *made_r)
{
  pthread_mutex_lock(&spool->free_lock);
  if (spool->stock)
  {
    if (quiet_ms >= 0)
    {
      spool->stock->quiet_ms = quiet_ms;
      pthread_cond_signal(&spool->stock->cond);
    }
    if (made_r)
      *made_r = spool->stock->made;
  }
  else if (made_r)
    *made_r = 0;
  pthread_mutex_unlock(&spool->free_lock);
}
