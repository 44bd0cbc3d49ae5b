/*
 * job-lifecycle.c - what happens to held jobs besides release: expiry
 * sweeps, cancel, and release from quarantine.
 */

#include "system-private.h"
#include "printgate/convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STATES(x) (1u << GW_JOB_STATE_##x)

typedef struct sweep_s          /* State of one expiry sweep */
{
  gw_system_t *sys;
  int          removed;
} sweep_t;


/*
 * 'expire_job()' - Expire one job whose time has come.
 */

static bool
expire_job(const gw_job_t *job, void *data)
{
  sweep_t     *sw = (sweep_t *)data;
  gw_system_t *sys = sw->sys;
  const char  *error = NULL;
  gw_log_ctx_t lc;

  gwLogCtxJob(&lc, sys->log, job->id, job->owner);

  if (!gwJobStateIsTerminal(job->state))
  {
    char text[512];

    snprintf(text, sizeof(text), "%s: not released before it expired; it was deleted.", job->name);
    if (!_gwSystemJobTransition(sys, job, job->state, GW_JOB_STATE_EXPIRED, GW_REASON_EXPIRED, text, -1, NULL, "system", "expiry", "job.expire", &error))
    {
      /* Someone released or cancelled it at the same moment: leave it. */
      gwLogCtx(&lc, GW_LOG_DEBUG, "not expired (%s).", error ? error : "state changed");
      return (true);
    }
  }

  gwLogCtx(&lc, GW_LOG_INFO, "expired (%s).", gwJobStateString(job->state));
  _gwSystemDiscardJob(sys, job);
  sw->removed ++;

  return (true);
}


/*
 * 'gwSystemExpire()' - One expiry sweep.  Returns the number of jobs removed.
 */

int
gwSystemExpire(gw_system_t *sys, int64_t now)
{
  sweep_t sw = { sys, 0 };
  int64_t before;

  if (!sys)
    return (0);

  gwStoreJobIterateExpired(sys->store, now, STATES(HELD) | STATES(QUARANTINED) | STATES(PRINTED) | STATES(FAILED) | STATES(EXPIRED) | STATES(CANCELLED), expire_job, &sw);
  pthread_rwlock_rdlock(&sys->rwlock);
  before = now - sys->config->job_history;
  pthread_rwlock_unlock(&sys->rwlock);
  _gwJobHistoryForget(sys, 0, 0, before);             /* Ended jobs past JobHistory: wiped */
  if (gwStoreTokenPurge(sys->store, now) < 0)          /* Address verification tokens past their time */
    gwLog(sys->log, GW_LOG_ERROR, "Unable to delete expired address verification tokens.");

  return (sw.removed);
}


/*
 * 'gwSystemJobUnquarantine()' - A quarantined job becomes held (its
 *                               sender's address is verified now, or an
 *                               admin approved it); its retention runs from
 *                               now (GuestRetention for guests).
 */

bool
gwSystemJobUnquarantine(gw_system_t *sys, int64_t tenant, const char *job_id, const char *actor, const char *source, const char **error_r)
{
  gw_job_t    job;
  gw_log_ctx_t lc;
  gw_user_t   user;
  gw_config_t c;
  int64_t     retention;
  const char *unused;

  if (!error_r)                         /* NULL = the caller wants no sentence */
    error_r = &unused;
  if (!gwStoreJobGet(sys->store, tenant, job_id, &job))
  {
    *error_r = "no such job";
    return (false);
  }
  if (job.state != GW_JOB_STATE_QUARANTINED)
  {
    *error_r = "the job is not quarantined";
    return (false);
  }

  _gwSystemConfigCopy(sys, &c);
  retention = gwStoreUserGet(sys->store, tenant, job.user_id, &user) && user.role == GW_ROLE_GUEST ? c.guest_retention : c.retention;

  if (!_gwSystemJobTransition(sys, &job, GW_JOB_STATE_QUARANTINED, GW_JOB_STATE_HELD, GW_REASON_NONE, "", time(NULL) + retention, NULL, actor ? actor : "system", source ? source : "", "job.unquarantine", error_r))
    return (false);

  gwLogCtxJob(&lc, sys->log, job.id, job.owner);
  gwLogCtx(&lc, GW_LOG_INFO, "released from quarantine by %s.", actor ? actor : "system");
  return (true);
}


/*
 * 'gwSystemJobCancel()' - Cancel a held (or kept, or quarantined) job: the
 *                         spool file and the wrapped key go at once.
 */

bool
gwSystemJobCancel(gw_system_t *sys, int64_t tenant, const char *job_id, const char *actor, const char **error_r)
{
  return (_gwSystemJobCancelAs(sys, tenant, job_id, actor, "cli", error_r));
}


/*
 * '_gwSystemJobCancelAs()' - gwSystemJobCancel() with the audit row's source.
 */

bool
_gwSystemJobCancelAs(gw_system_t *sys, int64_t tenant, const char *job_id, const char *actor, const char *source, const char **error_r)
{
  gw_job_t     job;
  char         text[512];
  gw_log_ctx_t lc;
  const char  *unused;

  if (!error_r)                         /* NULL = the caller wants no sentence */
    error_r = &unused;
  if (!gwStoreJobGet(sys->store, tenant, job_id, &job))
  {
    *error_r = "no such job";
    return (false);
  }

  if (job.state != GW_JOB_STATE_HELD && job.state != GW_JOB_STATE_PRINTED && job.state != GW_JOB_STATE_QUARANTINED)
  {
    *error_r = job.state == GW_JOB_STATE_RELEASING ? "the job is being sent to a printer right now" :
               job.state == GW_JOB_STATE_RECEIVING || job.state == GW_JOB_STATE_CONVERTING ? "the job is still being received" :
               "the job is already finished";
    return (false);
  }

  snprintf(text, sizeof(text), "%s: cancelled by %s.", job.name, actor);
  if (!_gwSystemJobTransition(sys, &job, job.state, GW_JOB_STATE_CANCELLED, GW_REASON_CANCELLED, text, -1, NULL, actor, source, "job.cancel", error_r))
    return (false);

  _gwSystemDiscardJob(sys, &job);
  gwLogCtxJob(&lc, sys->log, job.id, job.owner);
  gwLogCtx(&lc, GW_LOG_INFO, "cancelled by %s.", actor);

  return (true);
}
