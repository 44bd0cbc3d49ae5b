/*
 * policy-release.c - the print policy at release (release.c's hooks):
 * delegation (a delegate releases the jobs of a user who named them), the
 * rules at this printer, and page quotas checked with each job's real
 * pages and colour pages and reserved before the job is sent (taken back
 * when nothing printed).
 */

#include "system-private.h"
#include "policy-private.h"
#include "printgate/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>


/*
 * '_gwPolicyReleaseBegin()' - Before the jobs are picked: when the release
 *                             names an owner other than the releasing user
 *                             (rel->owner), check that the user is one of
 *                             the owner's delegates and release the owner's
 *                             jobs (user becomes the owner; pr->by keeps
 *                             the delegate).  Then the owner's and the
 *                             printer's facts.  false with result->text
 *                             when the delegation is refused.
 */

bool
_gwPolicyReleaseBegin(gw_system_t *sys, int64_t tenant, const gw_release_t *rel, const gw_printer_t *printer, gw_user_t *user, _gw_policy_release_t *pr, gw_release_result_t *result)
{
  gw_user_t owner;

  memset(pr, 0, sizeof(*pr));

  if (rel->owner && *rel->owner && strcasecmp(rel->owner, user->name))
  {
    if (!gwStoreUserFind(sys->store, tenant, rel->owner, &owner) || owner.disabled || !gwStoreDelegate(sys->store, tenant, owner.id, user->id, 0))
    {
      /* An unknown owner and one who did not name this user look the same. */
      snprintf(result->text, sizeof(result->text), "%s may not release the jobs of \"%.64s\": only delegates that user named may (printgate delegate add).", user->name, rel->owner);
      _gwSystemAudit(sys, tenant, user->name, "release.refuse", rel->owner, NULL, printer->name, 0, rel->source && *rel->source ? rel->source : printer->name, "not a delegate");
      return (false);
    }
    snprintf(pr->by, sizeof(pr->by), "%s", user->name);
    *user = owner;
  }

  _gwPolicyFacts(sys, tenant, user, printer, &pr->fs);
  return (true);
}


/*
 * 'refuse_job()' - A job the policy does not let print now: it stays held,
 *                  its reason sentence says why.
 */

static void
refuse_job(gw_system_t *sys, const gw_release_t *rel, const gw_job_t *job, const gw_policy_decision_t *d, gw_release_result_t *result)
{
  gwStoreJobPolicyReason(sys->store, job->tenant, job->id, d->reason, d->text);
  _gwSystemAudit(sys, job->tenant, rel->actor, "release.refuse", job->owner, job->id, rel->printer, 0, rel->source, gwReasonCode(d->reason));
  snprintf(result->text, sizeof(result->text), "%s", d->text);
  result->reason = d->reason;
  result->held ++;
}


/*
 * 'printed_pages()' - Pages and colour pages one release of the job will
 *                     print (page ranges, copies; none in colour when it
 *                     prints in black and white).
 */

static void
printed_pages(const gw_job_t *job, int *pages, int *color)
{
  gw_page_range_t r[GW_JOB_MAX_PAGE_RANGES];
  int             n = 0, copies = job->copies > 0 ? job->copies : 1;
  int             selected = job->pages;

  if (job->page_ranges[0] && gwJobPageRangesParse(job->page_ranges, r, &n, NULL))
    selected = gwJobPageRangesCount(r, n, job->pages);

  *pages = selected * copies;
  if (!strcmp(job->color_mode, "monochrome"))
    *color = 0;
  else
    *color = (job->color_pages < 0 || job->color_pages > selected ? selected : job->color_pages) * copies;
}


/*
 * 'hold_add()' - Count a job being sent against its owner's quotas
 *                (quota_lock held).  false = out of memory.
 */

static bool
hold_add(_gw_policy_t *p, const gw_job_t *job, _gw_policy_release_t *pr)
{
  _gw_policy_hold_t *h;

  if ((h = gwArrayGrow(p->holds, p->num_holds, &p->alloc_holds, sizeof(_gw_policy_hold_t), 8)) == NULL)
    return (false);
  p->holds = h;

  h = p->holds + p->num_holds ++;
  memset(h, 0, sizeof(*h));
  h->id         = pr->hold_id = ++ p->next_hold;
  h->tenant     = job->tenant;
  h->user_id    = job->user_id;
  h->pages      = pr->pages;
  h->color      = pr->color;
  h->num_groups = pr->fs.f.num_groups;
  memcpy(h->groups, pr->fs.groups, sizeof(h->groups));

  return (true);
}


/*
 * '_gwPolicyReleaseJob()' - Before one job is sent: the rules at this
 *                           printer with the job's real counts and the
 *                           owner's quotas.  Refused: the job stays held
 *                           with the sentence (false).  Allowed: the
 *                           changes are made on the job copy and on jc
 *                           (the watermark); a job under a quota is held
 *                           against it (in memory) until it is recorded
 *                           or given back (_gwPolicyReleaseEnd()); a
 *                           delegate's release is audited "released by X
 *                           for Y".  Nothing is written to the store here
 *                           unless the job is refused or delegated.
 */

bool
_gwPolicyReleaseJob(gw_system_t *sys, _gw_policy_release_t *pr, const gw_release_t *rel, gw_job_t *job, gw_config_t *jc, gw_release_result_t *result)
{
  gw_policy_decision_t d;
  bool                 held = true;

  pr->hold_id = 0;
  _gwPolicyFactsJob(&pr->fs.f, GW_POLICY_RELEASE, job, job->format, job->size, job->pages, job->color_pages);
  pr->fs.f.now = (int64_t)time(NULL);

  pthread_mutex_lock(&sys->policy->quota_lock);
  _gwPolicyDecide(sys, job->tenant, job->user_id, &pr->fs.f, true, &d);
  if (d.allowed)
  {
    _gwPolicyApply(&d, job);
    printed_pages(job, &pr->pages, &pr->color);
    if (d.num_quotas > 0)
      held = hold_add(sys->policy, job, pr);
  }
  pthread_mutex_unlock(&sys->policy->quota_lock);

  if (d.allowed && !held)
  {
    d.allowed = false;
    d.reason  = GW_REASON_INTERNAL;
    snprintf(d.text, sizeof(d.text), "%s: not printed: the gateway is out of memory to count the quota; try again later.", job->name);
  }
  if (!d.allowed)
  {
    refuse_job(sys, rel, job, &d, result);
    return (false);
  }

  if (d.watermark || gwStoreJobPolicyWatermark(sys->store, job->tenant, job->id))
    jc->watermark = true;

  if (d.text[0])
    gwLog(sys->log, GW_LOG_INFO, "Job %s at %s: %s", job->id, rel->printer, d.text);

  if (pr->by[0])
  {
    char detail[160];

    snprintf(detail, sizeof(detail), "released by %s for %s", pr->by, job->owner);
    _gwSystemAudit(sys, job->tenant, pr->by, "job.delegate", job->owner, job->id, rel->printer, pr->pages, rel->source, detail);
  }

  return (true);
}


/*
 * '_gwPolicyReleaseEnd()' - After one job was sent: a job under a quota
 *                           that printed has its pages recorded (before
 *                           its hold goes, so no parallel release sees
 *                           them missing); then the hold goes.
 */

void
_gwPolicyReleaseEnd(gw_system_t *sys, _gw_policy_release_t *pr, const gw_job_t *job, bool printed)
{
  _gw_policy_t *p = sys->policy;
  int64_t       now = (int64_t)time(NULL);

  if (!pr->hold_id)
    return;

  if (printed && !gwStoreQuotaAdd(sys->store, job->tenant, job->user_id, _gwPolicyPeriodStart(GW_POLICY_DAY, now), pr->pages, pr->color))
    gwLog(sys->log, GW_LOG_ERROR, "Job %s printed %d page(s) (%d in colour) that could not be counted against its owner's quota (store error).", job->id, pr->pages, pr->color);

  pthread_mutex_lock(&p->quota_lock);
  for (size_t i = 0; i < p->num_holds; i ++)
  {
    if (p->holds[i].id == pr->hold_id)
    {
      p->holds[i] = p->holds[-- p->num_holds];
      break;
    }
  }
  pthread_mutex_unlock(&p->quota_lock);

  pr->hold_id = 0;
}
