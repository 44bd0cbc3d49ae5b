/*
 * policy.c - the print policy in the core: the parsed rule set (loaded
 * from the store once, reloaded after each change), the facts of a job
 * (its owner's role and groups, the printer's tags and location), and the
 * two hooks: at submission (after conversion, before the job is held) and
 * at release (delegation, the rules at this printer, quotas).
 *
 * Locking: the rule set has one rwlock (read for an evaluation, write for
 * a reload); quota_lock guards the holds (jobs being sent under a quota,
 * counted as used until their pages are recorded) and makes a quota's
 * check and the job's hold one step, so parallel releases cannot both fit
 * in the last pages.  Lock order: quota_lock, the rule lock, the store's
 * own lock.
 * No event is raised and no front-end called with either held.
 */

#include "system-private.h"
#include "policy-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct usage_ctx_s      /* What the usage callback sums */
{
  gw_system_t *sys;
  int64_t      tenant, user_id;
} usage_ctx_t;


/*
 * 'hold_in_group()' - Is a hold's user in the group?
 */

static bool
hold_in_group(const _gw_policy_hold_t *h, const char *group)
{
  for (int i = 0; i < h->num_groups; i ++)
  {
    if (!strcasecmp(h->groups[i], group))
      return (true);
  }
  return (false);
}


/*
 * '_gwPolicyNew()' / '_gwPolicyDelete()' - The core's policy object.
 */

_gw_policy_t *
_gwPolicyNew(void)
{
  _gw_policy_t *p = calloc(1, sizeof(_gw_policy_t));

  if (p)
  {
    pthread_rwlock_init(&p->lock, NULL);
    pthread_mutex_init(&p->quota_lock, NULL);
    _gwRulesInit(&p->rules);
  }

  return (p);
}

void
_gwPolicyDelete(_gw_policy_t **pp)
{
  _gw_policy_t *p = pp ? *pp : NULL;

  if (!p)
    return;

  _gwRulesFree(&p->rules);
  free(p->holds);
  pthread_rwlock_destroy(&p->lock);
  pthread_mutex_destroy(&p->quota_lock);
  free(p);
  *pp = NULL;
}


/*
 * 'load_rule()' - gwStoreRuleIterate() callback: parse and keep one rule.
 */

typedef struct load_ctx_s
{
  gw_system_t *sys;
  _gw_rules_t *rules;
  _gw_rule_t   rule;
} load_ctx_t;

static bool
load_rule(const char *name, const char *line, void *data)
{
  load_ctx_t *l = (load_ctx_t *)data;
  const char *error = NULL;

  if (!_gwRuleParse(line, strlen(line), &l->rule, &error) || !_gwRulesAdd(l->rules, &l->rule, &error))
    gwLog(l->sys->log, GW_LOG_ERROR, "Policy rule %s in the store is skipped: %s.", name, error ? error : "invalid");

  return (true);
}


/*
 * '_gwPolicyReload()' - Read the rules from the store again (after a
 *                       change, and on first use).  false: the store could
 *                       not be read; the old rules stay.
 */

bool
_gwPolicyReload(gw_system_t *sys)
{
  load_ctx_t   *l;
  _gw_rules_t   rules;
  bool          ok;

  if (!sys->policy || (l = calloc(1, sizeof(load_ctx_t))) == NULL)
    return (false);

  _gwRulesInit(&rules);
  l->sys   = sys;
  l->rules = &rules;
  ok = gwStoreRuleIterate(sys->store, GW_DEFAULT_TENANT, load_rule, l);
  free(l);

  pthread_rwlock_wrlock(&sys->policy->lock);
  if (ok)
  {
    _gwRulesFree(&sys->policy->rules);
    sys->policy->rules  = rules;
    sys->policy->loaded = true;
  }
  pthread_rwlock_unlock(&sys->policy->lock);

  if (!ok)
  {
    _gwRulesFree(&rules);
    gwLog(sys->log, GW_LOG_ERROR, "The policy rules could not be read from the store.");
  }

  return (ok);
}


/*
 * 'rules_read()' - Take the rule set for reading (loading it first if it
 *                  never was).  Returns NULL (nothing taken) when the
 *                  rules could not be read.
 */

static const _gw_rules_t *
rules_read(gw_system_t *sys)
{
  bool loaded;

  if (!sys->policy)
    return (NULL);

  pthread_rwlock_rdlock(&sys->policy->lock);
  loaded = sys->policy->loaded;
  pthread_rwlock_unlock(&sys->policy->lock);
  if (!loaded)
    _gwPolicyReload(sys);

  pthread_rwlock_rdlock(&sys->policy->lock);
  if (!sys->policy->loaded)
  {
    pthread_rwlock_unlock(&sys->policy->lock);
    return (NULL);
  }

  return (&sys->policy->rules);
}


/*
 * 'rules_done()' - Give the rule set back.
 */

static void
rules_done(gw_system_t *sys)
{
  pthread_rwlock_unlock(&sys->policy->lock);
}


/*
 * '_gwPolicyFacts()' - The facts of a user (role, groups) and, when
 *                      printer is not NULL, of a printer (name, location,
 *                      tags).  The job's own facts are the caller's.
 */

void
_gwPolicyFacts(gw_system_t *sys, int64_t tenant, const gw_user_t *user, const gw_printer_t *printer, _gw_policy_facts_store_t *s)
{
  int            n;
  char          *tag, *next;

  memset(s, 0, sizeof(*s));
  s->f.user = user->name;
  snprintf(s->role, sizeof(s->role), "%s", _gwPolicyRoleName(user->role));
  s->f.role = s->role;
  s->f.now  = (int64_t)time(NULL);

  n = gwStoreUserGroups(sys->store, tenant, user->id, s->groups, GW_POLICY_GROUPS_MAX);
  for (int i = 0; i < n; i ++)
    s->f.groups[s->f.num_groups ++] = s->groups[i];

  if (!printer)
    return;

  s->f.printer  = printer->name;
  s->f.location = printer->location;
  gwStorePrinterTagsGet(sys->store, tenant, printer->name, s->tags, sizeof(s->tags));
  for (tag = s->tags; *tag && s->f.num_tags < GW_POLICY_TAGS_MAX; tag = next)
  {
    if ((next = strchr(tag, ',')) != NULL)
      *next++ = '\0';
    else
      next = tag + strlen(tag);
    s->f.tags[s->f.num_tags ++] = tag;
  }
}


/*
 * '_gwPolicyFactsJob()' - Add a job's own facts.
 */

void
_gwPolicyFactsJob(_gw_policy_facts_t *f, gw_policy_phase_t phase, const gw_job_t *job, const char *format, int64_t size, int pages, int color_pages)
{
  f->phase       = phase;
  f->intake      = job->origin;
  f->format      = format;
  f->size        = size;
  f->pages       = pages;
  f->color_pages = color_pages;
  f->copies      = job->copies;
  f->mono        = !strcmp(job->color_mode, "monochrome");
  f->document    = job->name;
}


/*
 * 'usage_sum()' - _gw_policy_usage_cb_t on the store.
 */

static bool
usage_sum(void *data, const char *group, int64_t since, int *pages, int *color)
{
  usage_ctx_t  *u = (usage_ctx_t *)data;
  _gw_policy_t *p = u->sys->policy;

  if (!gwStoreQuotaSum(u->sys->store, u->tenant, u->user_id, group, since, pages, color))
    return (false);

  /* Jobs being sent count as used (quota_lock held). */
  for (size_t i = 0; i < p->num_holds; i ++)
  {
    const _gw_policy_hold_t *h = p->holds + i;

    if (h->tenant == u->tenant && (group ? hold_in_group(h, group) : h->user_id == u->user_id))
    {
      *pages += h->pages;
      *color += h->color;
    }
  }

  return (true);
}


/*
 * '_gwPolicyDecide()' - Evaluate the current rules against the facts;
 *                       quotas are checked (for user_id) when
 *                       check_quotas.  No rules: allowed.  Rules that
 *                       cannot be read refuse (the policy fails closed).
 */

void
_gwPolicyDecide(gw_system_t *sys, int64_t tenant, int64_t user_id, const _gw_policy_facts_t *f, bool check_quotas, gw_policy_decision_t *d)
{
  const _gw_rules_t *rules = rules_read(sys);
  usage_ctx_t        u = { sys, tenant, user_id };

  if (!rules)
  {
    memset(d, 0, sizeof(*d));
    d->reason = GW_REASON_INTERNAL;
    snprintf(d->text, sizeof(d->text), "%.200s: not printed: the gateway could not read its print policy; try again later.", f->document ? f->document : "job");
    return;
  }

  _gwPolicyEvaluate(rules, f, check_quotas ? usage_sum : NULL, &u, d);
  rules_done(sys);
}


/*
 * 'cap_ranges()' - The first 'max' pages of a job's page selection
 *                  (ranges "" = all of 'pages') as page ranges.
 */

static void
cap_ranges(const char *ranges, int pages, int max, char *out, size_t outsize)
{
  gw_page_range_t r[GW_JOB_MAX_PAGE_RANGES];
  int             n = 0, left = max, m = 0;

  if (!ranges[0] || !gwJobPageRangesParse(ranges, r, &n, NULL))
  {
    r[0].first = 1;
    r[0].last  = pages > 0 ? pages : max;
    n = 1;
  }

  for (m = 0; m < n && left > 0; m ++)
  {
    if (r[m].last - r[m].first + 1 > left)
      r[m].last = r[m].first + left - 1;
    left -= r[m].last - r[m].first + 1;
  }

  if (!gwJobPageRangesFormat(r, m, out, outsize))
    snprintf(out, outsize, "1-%d", max);
}


/*
 * '_gwPolicyApply()' - The decision's changes on a job (colour, sides,
 *                      page ranges).  Returns whether anything changed.
 */

bool
_gwPolicyApply(const gw_policy_decision_t *d, gw_job_t *job)
{
  bool changed = false;
  int  selected;
  gw_page_range_t r[GW_JOB_MAX_PAGE_RANGES];
  int  n = 0;

  if (d->force_mono && strcmp(job->color_mode, "monochrome"))
  {
    snprintf(job->color_mode, sizeof(job->color_mode), "monochrome");
    changed = true;
  }
  if (d->force_duplex && !strcmp(job->sides, "one-sided"))
  {
    snprintf(job->sides, sizeof(job->sides), "two-sided-long-edge");
    changed = true;
  }

  selected = job->page_ranges[0] && gwJobPageRangesParse(job->page_ranges, r, &n, NULL) ? gwJobPageRangesCount(r, n, job->pages) : job->pages;
  if (d->max_pages > 0 && selected > d->max_pages)
  {
    char capped[GW_JOB_PAGE_RANGES_MAX + 1];

    cap_ranges(job->page_ranges, job->pages, d->max_pages, capped, sizeof(capped));
    snprintf(job->page_ranges, sizeof(job->page_ranges), "%s", capped);
    changed = true;
  }

  return (changed || d->watermark);
}


/*
 * '_gwPolicySubmit()' - The submission hook: evaluate the rules for a job
 *                       just converted (format, size, pages and colour
 *                       pages of the result), before it is held.  A
 *                       refusal returns false (d says why: the job fails
 *                       with d->reason and d->text); a change is written
 *                       to the job row (colour, sides, page ranges,
 *                       watermark flag) and d->text says what changed,
 *                       for the held job's reason sentence.
 */

bool
_gwPolicySubmit(gw_system_t *sys, const gw_job_t *job, const char *format, int64_t size, int pages, int color_pages, gw_policy_decision_t *d)
{
  _gw_policy_facts_store_t fs;
  gw_user_t     user;
  gw_job_t      changed = *job;

  memset(d, 0, sizeof(*d));
  d->allowed = true;

  if (!gwStoreUserGet(sys->store, job->tenant, job->user_id, &user))
    return (true);                      /* Owner gone: the hold will say so */

  _gwPolicyFacts(sys, job->tenant, &user, NULL, &fs);
  _gwPolicyFactsJob(&fs.f, GW_POLICY_SUBMIT, job, format && *format ? format : "application/pdf", size, pages, color_pages);
  _gwPolicyDecide(sys, job->tenant, user.id, &fs.f, false, d);

  if (!d->allowed)
  {
    gwLog(sys->log, GW_LOG_INFO, "Job %s of %s refused at submission by policy rule %s.", job->id, job->owner, d->rule);
    return (false);
  }

  changed.pages = pages;
  if (_gwPolicyApply(d, &changed) && !gwStoreJobPolicySet(sys->store, job->tenant, job->id, changed.color_mode, changed.sides, changed.page_ranges, d->watermark))
  {
    d->allowed = false;
    d->reason  = GW_REASON_INTERNAL;
    snprintf(d->text, sizeof(d->text), "%s: the gateway could not record what the print policy changed; try again later.", job->name);
    return (false);
  }

  return (true);
}
