/*
 * recovery.c - recovery after a crash or stop, at every start: half-received
 * jobs, conversions to run again, interrupted releases, orphan spool files.
 */

#include "system-private.h"
#include "printgate/convert.h"
#include "printgate/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STATES(x) (1u << GW_JOB_STATE_##x)


typedef struct resumed_s        /* A job whose conversion runs again */
{
  gw_job_t         job;
  int64_t          size;                /* Of its original */
  gw_wrapped_key_t key;                 /* Of its original */
} resumed_t;

typedef struct resume_s         /* Jobs whose conversion runs again after recovery */
{
  gw_system_t *sys;
  resumed_t   *jobs;
  size_t       count, alloc;
} resume_t;


/*
 * 'original_exists()' - Is a job's original there: a file in the spool, or
 *                       (a small one) a place in the intake ring its row
 *                       names?
 */

static bool
original_exists(gw_system_t *sys, const gw_job_t *job)
{
  int64_t ring;

  return (gwSpoolExists(sys->spool, job->id, 0) || gwStoreJobOriginalRing(sys->store, job->tenant, job->id, &ring) == 1);
}


/*
 * 'resume_add()' - Keep a converting job whose original and key are there
 *                  (and that was not resumed before), to queue it once the
 *                  spool is cleaned.
 */

static bool
resume_add(resume_t *r, const gw_job_t *job)
{
  resumed_t *slot;

  if (!original_exists(r->sys, job))
    return (false);

  if ((slot = gwArrayGrow(r->jobs, r->count, &r->alloc, sizeof(resumed_t), 16)) == NULL)
    return (false);
  r->jobs = slot;

  slot = r->jobs + r->count;
  if (!gwStoreJobGetOriginal(r->sys->store, job->tenant, job->id, true, &slot->size, &slot->key))
    return (false);
  slot->job = *job;
  r->count ++;

  return (true);
}


/*
 * 'recover_job()' - Settle a job left half-way by a crash.
 */

static bool
recover_job(const gw_job_t *job, void *data)
{
  resume_t    *resume = (resume_t *)data;
  gw_system_t *sys = resume->sys;
  gw_config_t  c;
  char         text[512];
  const char  *error = NULL;

  _gwSystemConfigCopy(sys, &c);

  if (job->state == GW_JOB_STATE_RELEASING)
  {
    /*
     * The gateway stopped while sending it: the printer may or may not
     * have it.  Losing it would be worse than a second copy, so hold it
     * again, as "interrupted" with the printer's name still in the row.
     * The next release of it first asks that printer whether it has the
     * job (release.c, release_interrupted()) and sends it only if not.
     * That is not done here: recovery runs before the daemon serves
     * anyone, and a printer that is off would hold up the start for its
     * timeout; at the release the answer is also the current one.
     */

    snprintf(text, sizeof(text), "%.160s: the gateway restarted while sending this job to %.63s; it may have printed there. It is held again; at its next release %.63s is first asked whether it has it, so it does not print twice.", job->name, job->printer[0] ? job->printer : "the printer", job->printer[0] ? job->printer : "that printer");
    _gwSystemJobTransition(sys, job, job->state, GW_JOB_STATE_HELD, GW_REASON_INTERRUPTED, text, -1, NULL, "system", "recovery", "job.recover", &error);
  }
  else if (job->state == GW_JOB_STATE_CONVERTING && resume_add(resume, job))
  {
    /* Its original is committed with its key: convert it again once the
     * spool is clean (gwSystemRecover()). */
    return (true);
  }
  else
  {
    if (job->state == GW_JOB_STATE_CONVERTING && original_exists(sys, job))
      snprintf(text, sizeof(text), "%s: the gateway stopped twice while converting this document, the second time after a crash; it is not converted a third time (a document that stops the gateway could stop it again). Send it again.", job->name);
    else
      snprintf(text, sizeof(text), "%s: the gateway stopped while %s this document; nothing was kept. Send it again.", job->name, job->state == GW_JOB_STATE_CONVERTING ? "converting" : "receiving");
    _gwSystemJobTransition(sys, job, job->state, GW_JOB_STATE_FAILED, GW_REASON_INTERRUPTED, text, time(NULL) + c.retention, NULL, "system", "recovery", "job.recover", &error);
    for (unsigned doc = 0; doc <= 1; doc ++)
    {
      if (gwSpoolExists(sys->spool, job->id, doc))
        gwSpoolRemove(sys->spool, job->id, doc);
    }
  }

  gwLog(sys->log, GW_LOG_WARN, "Recovery: job %s was %s when the gateway stopped%s%s.", job->id, gwJobStateString(job->state), error ? ": " : "", error ? error : "");

  return (true);
}


typedef struct ring_count_s     /* ring_mark()'s state */
{
  gw_system_t   *sys;           /* NULL: only count */
  unsigned long  count;
} ring_count_t;


typedef struct keyed_s          /* Ids of every job (any tenant) that still has a key */
{
  char   (*ids)[GW_UUID_LEN + 1];
  size_t   count;
} keyed_t;


static int
compare_ids(const void *a, const void *b)
{
  return (strcmp((const char *)a, (const char *)b));
}


typedef struct orphan_s         /* Context of the orphan scan */
{
  gw_system_t *sys;
  keyed_t     *keyed;
  resume_t    *resume;
} orphan_t;


/*
 * 'resuming()' - Is this job's conversion going to run again?
 */

static bool
resuming(const resume_t *r, const char *job_id)
{
  for (size_t i = 0; i < r->count; i ++)
  {
    if (!strcmp(r->jobs[i].job.id, job_id))
      return (true);
  }

  return (false);
}


/*
 * 'remove_orphan()' - Remove a committed spool file whose job row is gone
 *                     or has no key any more (in any tenant), and every
 *                     original (document 0) but those of the jobs whose
 *                     conversion runs again: an original is only kept
 *                     while its job converts.  Those jobs lose any
 *                     converted document instead.
 */

static bool
remove_orphan(const char *job_id, unsigned docnum, void *data)
{
  orphan_t *o = (orphan_t *)data;

  if (resuming(o->resume, job_id))
  {
    /*
     * The original stays for the conversion that runs again; a converted
     * document committed just before the stop (the job row still said
     * converting) goes, or the new conversion could not commit its own.
     */

    if (docnum != 0)
    {
      gwLog(o->sys->log, GW_LOG_WARN, "Recovery: removing the converted document of job %s (it converts again).", job_id);
      gwSpoolRemove(o->sys->spool, job_id, docnum);
    }
    return (true);
  }

  if (docnum == 0)
  {
    gwLog(o->sys->log, GW_LOG_WARN, "Recovery: removing the original of job %s (its conversion was interrupted).", job_id);
    gwSpoolRemove(o->sys->spool, job_id, docnum);
  }
  else if (!o->keyed->count || !bsearch(job_id, o->keyed->ids, o->keyed->count, sizeof(o->keyed->ids[0]), compare_ids))
  {
    gwLog(o->sys->log, GW_LOG_WARN, "Recovery: removing spool file of job %s (no job or key).", job_id);
    gwSpoolRemove(o->sys->spool, job_id, docnum);
  }

  return (true);
}


/*
 * 'ring_mark()' - A document the store says waits in the intake ring.
 */

static bool
ring_mark(int64_t offset, int64_t size, void *data)
{
  ring_count_t *rc = (ring_count_t *)data;

  rc->count ++;
  if (rc->sys && !gwSpoolRingMark(rc->sys->spool, offset, (uint64_t)size))
    gwLog(rc->sys->log, GW_LOG_ERROR, "Recovery: a document waiting in the intake ring at %lld (%lld bytes) overlaps another or lies past its end; its conversion will fail.", (long long)offset, (long long)size);

  return (true);
}


/*
 * 'ring_start()' - Open the spool's intake ring (IntakeRing) and mark the
 *                  blocks of the documents still waiting there.  With
 *                  IntakeRing 0 it is still opened while documents wait in
 *                  it, for them only.
 */

static void
ring_start(gw_system_t *sys)
{
  gw_config_t  c;
  ring_count_t rc = { NULL, 0 };

  _gwSystemConfigCopy(sys, &c);
  if (c.intake_ring <= 0)
  {
    gwStoreJobRingIterate(sys->store, ring_mark, &rc);   /* Count only */
    if (rc.count == 0 || !gwSpoolRingStart(sys->spool, 0, false))
      return;
  }
  else if (!gwSpoolRingStart(sys->spool, c.intake_ring, true))
    return;

  rc.sys   = sys;
  rc.count = 0;
  gwStoreJobRingIterate(sys->store, ring_mark, &rc);
  if (rc.count)
    gwLog(sys->log, GW_LOG_INFO, "Recovery: %lu document(s) wait in the intake ring.", rc.count);
}


/*
 * 'gwSystemRecover()' - Clean up after a crash: empty incoming/, settle
 *                       half-received and half-released jobs, remove
 *                       orphan spool files.
 */

bool
gwSystemRecover(gw_system_t *sys)
{
  unsigned removed = 0;

  sys->recovered = true;
  if (!gwSpoolRecover(sys->spool, &removed))
    return (false);
  if (removed)
    gwLog(sys->log, GW_LOG_WARN, "Recovery: removed %u partial file(s) from the spool's incoming folder.", removed);

  /* The reserve of empty spool files (spool-stock.c), from the first upload on. */
  {
    gw_config_t c;

    _gwSystemConfigCopy(sys, &c);
    gwSpoolStockStart(sys->spool, (unsigned)c.spool_reserve);
  }

  resume_t resume = { sys, NULL, 0, 0 };

  gwStoreJobIterateAll(sys->store, STATES(RECEIVING) | STATES(CONVERTING) | STATES(RELEASING), recover_job, &resume);
  ring_start(sys);

  /* Conversion folders a killed daemon left (with plaintext in them). */
  {
    gw_config_t c;
    int         dirs;

    _gwSystemConfigCopy(sys, &c);
    if ((dirs = gwConvertCleanup(c.conversion_dir)) > 0)
      gwLog(sys->log, GW_LOG_WARN, "Recovery: removed %d conversion folder(s) left in %s.", dirs, c.conversion_dir);
  }

  keyed_t  keyed = { NULL, 0 };
  orphan_t orphan = { sys, &keyed, &resume };
  bool     ok;

  if (!gwStoreJobKeyedIds(sys->store, &keyed.ids, &keyed.count))
  {
    free(resume.jobs);
    return (false);
  }
  if (keyed.count)
    qsort(keyed.ids, keyed.count, sizeof(keyed.ids[0]), compare_ids);

  ok = gwSpoolIterate(sys->spool, remove_orphan, &orphan);
  free(keyed.ids);

  /*
   * Conversions cut short by the stop run again now that the spool is clean
   * (so no orphan scan can meet the PDF they write).
   */

  for (size_t i = 0; i < resume.count; i ++)
  {
    resumed_t *rj = resume.jobs + i;

    if (!_gwSubmissionResume(sys, &rj->job, rj->size, &rj->key))
    {
      char        text[512];
      const char *error = NULL;
      gw_config_t c;

      _gwSystemConfigCopy(sys, &c);
      snprintf(text, sizeof(text), "%s: the gateway stopped while converting this document and could not start again; send it again.", rj->job.name);
      _gwSystemJobTransition(sys, &rj->job, GW_JOB_STATE_CONVERTING, GW_JOB_STATE_FAILED, GW_REASON_INTERRUPTED, text, time(NULL) + c.retention, NULL, "system", "recovery", "job.recover", &error);
      gwSpoolRemove(sys->spool, rj->job.id, 0);
    }
    gwWipe(&rj->key, sizeof(rj->key));
  }
  free(resume.jobs);

  return (ok);
}
