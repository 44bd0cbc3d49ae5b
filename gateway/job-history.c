/*
 * job-history.c - the jobs that have ended (printed and shredded,
 * cancelled, expired), still listed to their owners for JobHistory
 * (RFC 8011 job history: IPP Get-Jobs which-jobs=completed and
 * Get-Job-Attributes answer for them a while after the core purged the row).
 *
 * Only what a job list shows is kept: the store row as it was just before
 * the purge (name, state, reason, pages, options, times; never the wrapped
 * key, which is not in a gw_job_t).  It lives in memory only, in a ring of
 * the GW_JOB_HISTORY_MAX most recently ended jobs of the gateway, so its
 * memory is bounded whatever the load; an entry older than JobHistory is
 * never handed out and is wiped by the next expiry sweep, and a user's
 * entries are wiped when the user is erased.  Lost at a restart.
 *
 * Locking: the ring's own mutex, taken for copies only; callbacks run
 * with no lock held.
 */

#include "system-private.h"
#include "printgate/api.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GW_JOB_HISTORY_MAX 1024         /* Ended jobs remembered, the whole gateway */

struct _gw_job_history_s
{
  pthread_mutex_t lock;                 /* Guards the rest */
  int             next;                 /* Next slot to fill */
  gw_job_t        ring[GW_JOB_HISTORY_MAX]; /* number 0 = free slot */
};


/*
 * 'history_keep()' - JobHistory now, in seconds.
 */

static int64_t
history_keep(gw_system_t *sys)
{
  int64_t keep;

  pthread_rwlock_rdlock(&sys->rwlock);
  keep = sys->config->job_history;
  pthread_rwlock_unlock(&sys->rwlock);

  return (keep);
}


/*
 * '_gwJobHistoryNew()' - An empty history (the pages of the ring are only
 *                        touched as jobs end).  NULL = out of memory.
 */

_gw_job_history_t *
_gwJobHistoryNew(void)
{
  _gw_job_history_t *h = calloc(1, sizeof(_gw_job_history_t));

  if (h)
    pthread_mutex_init(&h->lock, NULL);

  return (h);
}


/*
 * '_gwJobHistoryDelete()' - Wipe and free the history; NULL is fine.
 */

void
_gwJobHistoryDelete(_gw_job_history_t **h)
{
  if (!h || !*h)
    return;

  pthread_mutex_destroy(&(*h)->lock);
  gwWipe(*h, sizeof(_gw_job_history_t));
  free(*h);
  *h = NULL;
}


/*
 * '_gwJobHistoryAdd()' - Remember a job that has just ended, as its store
 *                        row says (the caller purges the row next, so the
 *                        job is always in one of the two).
 */

void
_gwJobHistoryAdd(gw_system_t *sys, const gw_job_t *job)
{
  _gw_job_history_t *h = sys->history;

  if (!h || !job || job->number <= 0 || history_keep(sys) <= 0)
    return;

  pthread_mutex_lock(&h->lock);
  h->ring[h->next] = *job;
  h->next = (h->next + 1) % GW_JOB_HISTORY_MAX;
  pthread_mutex_unlock(&h->lock);
}


/*
 * '_gwJobHistoryForget()' - Wipe the entries of one user (user_id 0 =
 *                           those older than 'before', every user).
 */

void
_gwJobHistoryForget(gw_system_t *sys, int64_t tenant, int64_t user_id, int64_t before)
{
  _gw_job_history_t *h = sys->history;

  if (!h)
    return;

  pthread_mutex_lock(&h->lock);
  for (int i = 0; i < GW_JOB_HISTORY_MAX; i ++)
  {
    gw_job_t *e = h->ring + i;

    if (e->number > 0 && (user_id ? e->tenant == tenant && e->user_id == user_id : e->updated < before))
      gwWipe(e, sizeof(gw_job_t));
  }
  pthread_mutex_unlock(&h->lock);
}


/*
 * '_gwJobHistoryEach()' - Call cb with a copy of each remembered job of the
 *                         user (user_id 0 = every user of the tenant) that
 *                         ended less than JobHistory ago, oldest first,
 *                         until it returns false.  The copies are made under
 *                         the lock, cb runs without it.
 */

void
_gwJobHistoryEach(gw_system_t *sys, int64_t tenant, int64_t user_id, gw_job_cb_t cb, void *data)
{
  _gw_job_history_t *h = sys->history;
  gw_job_t          *copy = NULL;
  int                count = 0;
  int64_t            keep = history_keep(sys), since = (int64_t)time(NULL) - keep;

  if (!h || !cb || keep <= 0)
    return;

  for (int pass = 0; pass < 2; pass ++)      /* Count, then copy at most that many */
  {
    int room = count;

    count = 0;
    pthread_mutex_lock(&h->lock);
    for (int n = 0; n < GW_JOB_HISTORY_MAX && (!pass || count < room); n ++)
    {
      const gw_job_t *e = h->ring + (h->next + n) % GW_JOB_HISTORY_MAX;

      if (e->number > 0 && e->tenant == tenant && (!user_id || e->user_id == user_id) && e->updated >= since)
      {
        if (pass)
          copy[count] = *e;
        count ++;
      }
    }
    pthread_mutex_unlock(&h->lock);
    if (!pass && (!count || (copy = malloc((size_t)count * sizeof(gw_job_t))) == NULL))
      return;
  }

  for (int i = 0; i < count && (*cb)(copy + i, data); i ++);
  gwWipe(copy, (size_t)count * sizeof(gw_job_t));
  free(copy);
}
