/*
 * policy-api.c - the print policy's front-end API (policy.h): rules, the
 * dry-run, quotas, local groups, printer tags and delegation, each with
 * the actor's role checked and its audit row written here.
 */

#include "api-private.h"
#include "policy-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>


/* ---- Rules ------------------------------------------------------------------ */

/*
 * 'gwApiRuleAdd()' - Append a rule line (admin).
 */

bool
gwApiRuleAdd(gw_system_t *sys, const gw_actor_t *actor, const char *line, const char **error_r)
{
  _gw_rule_t *rule;
  bool        ok;
  const char *error = "invalid rule";

  if (!sys || !_gwApiAdmin(actor, error_r))
    return (false);
  if (!line || (rule = malloc(sizeof(_gw_rule_t))) == NULL)
  {
    _gwApiError(error_r, line ? "out of memory" : "no rule");
    return (false);
  }

  ok = _gwRuleParse(line, strlen(line), rule, &error) && gwStoreRuleAdd(sys->store, actor->tenant, rule->name, rule->line, &error);
  ok = _gwApiAdminDone(sys, actor, ok, error_r, error, "rule.add", "", NULL, rule->name);
  free(rule);
  if (ok)
    _gwPolicyReload(sys);

  return (ok);
}


/*
 * 'gwApiRuleRemove()' - Delete a rule by name (admin).
 */

bool
gwApiRuleRemove(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char **error_r)
{
  bool ok;

  if (!sys || !_gwApiAdmin(actor, error_r))
    return (false);

  ok = _gwApiAdminDone(sys, actor, gwStoreRuleRemove(sys->store, actor->tenant, name), error_r, "no such rule", "rule.remove", "", NULL, name);
  if (ok)
    _gwPolicyReload(sys);

  return (ok);
}


/*
 * 'gwApiRuleIterate()' - Every rule in order (admin, auditor).
 */

bool
gwApiRuleIterate(gw_system_t *sys, const gw_actor_t *actor, gw_policy_name_cb_t cb, void *data)
{
  if (!sys || !_gwApiMay(actor, GW_RIGHT_AUDIT, NULL))
    return (false);

  return (gwStoreRuleIterate(sys->store, actor->tenant, cb, data));
}


/*
 * 'gwApiRuleLoad()' - Replace every rule by a rule file's (admin): parsed
 *                     whole first, then replaced in one store transaction.
 */

bool
gwApiRuleLoad(gw_system_t *sys, const gw_actor_t *actor, const char *text, size_t len, int *count_r, int *line_r, const char **error_r)
{
  _gw_rules_t  rules;
  const char **names = NULL, **lines = NULL, *error = "invalid rule file";
  bool         ok;
  char         detail[32];

  *count_r = 0;
  *line_r  = 0;
  if (!sys || !_gwApiAdmin(actor, error_r))
    return (false);

  _gwRulesInit(&rules);
  ok = text && _gwRulesParseText(text, len, &rules, line_r, &error);
  if (ok && ((names = calloc((size_t)rules.count + 1, sizeof(char *))) == NULL || (lines = calloc((size_t)rules.count + 1, sizeof(char *))) == NULL))
  {
    ok    = false;
    error = "out of memory";
  }
  for (int i = 0; ok && i < rules.count; i ++)
  {
    names[i] = rules.rules[i]->name;
    lines[i] = rules.rules[i]->line;
  }
  ok = ok && gwStoreRuleReplace(sys->store, actor->tenant, names, lines, rules.count, &error);

  snprintf(detail, sizeof(detail), "%d rule(s)", rules.count);
  if ((ok = _gwApiAdminDone(sys, actor, ok, error_r, error, "rule.load", "", NULL, detail)) == true)
    *count_r = rules.count;

  free(names);
  free(lines);
  _gwRulesFree(&rules);
  if (ok)
    _gwPolicyReload(sys);

  return (ok);
}


/*
 * 'gwApiPolicyDryRun()' - What would happen to a job (admin, auditor).
 */

bool
gwApiPolicyDryRun(gw_system_t *sys, const gw_actor_t *actor, const gw_policy_job_t *pj, gw_policy_decision_t *d, const char **error_r)
{
  _gw_policy_facts_store_t *fs;
  gw_user_t                 user;
  gw_printer_t              printer;
  gw_job_t                  job;

  memset(d, 0, sizeof(*d));
  if (!sys || !_gwApiMay(actor, GW_RIGHT_AUDIT, error_r))   /* Changes nothing: the auditor too */
    return (false);
  if (!pj || !pj->user || !gwStoreUserFind(sys->store, actor->tenant, pj->user, &user))
  {
    _gwApiError(error_r, "no such user");
    return (false);
  }
  if (pj->printer && *pj->printer && !gwStorePrinterFind(sys->store, actor->tenant, pj->printer, &printer))
  {
    _gwApiError(error_r, "no such printer");
    return (false);
  }
  if (pj->pages < 0 || pj->color_pages > pj->pages || pj->size < 0 || (pj->color_mode && !gwJobColorModeValid(pj->color_mode)))
  {
    _gwApiError(error_r, "pages, colour pages (at most the pages) and size must be 0 or more, colour auto, color or monochrome");
    return (false);
  }
  if ((fs = malloc(sizeof(_gw_policy_facts_store_t))) == NULL)
  {
    _gwApiError(error_r, "out of memory");
    return (false);
  }

  memset(&job, 0, sizeof(job));
  snprintf(job.name, sizeof(job.name), "job");
  snprintf(job.origin, sizeof(job.origin), "%s", pj->intake ? pj->intake : actor->frontend);
  snprintf(job.color_mode, sizeof(job.color_mode), "%s", pj->color_mode ? pj->color_mode : "auto");
  job.copies = 1;

  _gwPolicyFacts(sys, actor->tenant, &user, pj->printer && *pj->printer ? &printer : NULL, fs);
  _gwPolicyFactsJob(&fs->f, pj->phase, &job, pj->format ? pj->format : "pdf", pj->size, pj->pages, pj->color_pages);
  if (pj->time > 0)
    fs->f.now = pj->time;
  pthread_mutex_lock(&sys->policy->quota_lock);
  _gwPolicyDecide(sys, actor->tenant, user.id, &fs->f, pj->phase == GW_POLICY_RELEASE, d);
  pthread_mutex_unlock(&sys->policy->quota_lock);
  free(fs);

  return (true);
}


/*
 * 'gwApiPolicyQuotas()' - A user's quotas and what is left (admin, or the
 *                         user itself).
 */

int
gwApiPolicyQuotas(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_policy_quota_t *quotas, int max)
{
  _gw_policy_facts_store_t *fs;
  gw_user_t                 user;
  gw_job_t                  job;
  gw_policy_decision_t      d;
  int                       n;

  if (!sys || !quotas || max < 0 || !_gwApiUserVisible(sys, actor, name ? name : actor->who, &user) || (fs = malloc(sizeof(_gw_policy_facts_store_t))) == NULL)
    return (-1);

  /* A job of no pages at no printer: every matching rule's quota, none refused for it. */
  memset(&job, 0, sizeof(job));
  snprintf(job.name, sizeof(job.name), "quota");
  snprintf(job.origin, sizeof(job.origin), "%s", actor->frontend);
  snprintf(job.color_mode, sizeof(job.color_mode), "auto");
  _gwPolicyFacts(sys, actor->tenant, &user, NULL, fs);
  _gwPolicyFactsJob(&fs->f, GW_POLICY_RELEASE, &job, "pdf", 0, 0, 0);
  pthread_mutex_lock(&sys->policy->quota_lock);
  _gwPolicyDecide(sys, actor->tenant, user.id, &fs->f, true, &d);
  pthread_mutex_unlock(&sys->policy->quota_lock);
  free(fs);

  n = d.num_quotas < max ? d.num_quotas : max;
  memcpy(quotas, d.quotas, (size_t)n * sizeof(gw_policy_quota_t));

  return (n);
}


/* ---- Groups and printer tags ---------------------------------------------------- */

/*
 * 'gwApiGroupAdd()' - Add a local group (admin).
 */

bool
gwApiGroupAdd(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char **error_r)
{
  const char *error = NULL;

  if (!sys || !_gwApiAdmin(actor, error_r))
    return (false);

  return (_gwApiAdminDone(sys, actor, gwStoreGroupAdd(sys->store, actor->tenant, name, &error), error_r, error, "group.add", "", NULL, name));
}


/*
 * 'gwApiGroupMember()' - Add a user to a group or remove it (admin).
 */

bool
gwApiGroupMember(gw_system_t *sys, const gw_actor_t *actor, const char *group, const char *name, bool add, const char **error_r)
{
  gw_user_t   user;
  const char *error = "no such user";
  char        detail[96];
  bool        ok;

  if (!sys || !_gwApiAdmin(actor, error_r))
    return (false);

  ok = name && gwStoreUserFind(sys->store, actor->tenant, name, &user) && gwStoreGroupMember(sys->store, actor->tenant, group, user.id, add, &error);
  snprintf(detail, sizeof(detail), "%s %.64s", add ? "add" : "remove", group ? group : "");
  return (_gwApiAdminDone(sys, actor, ok, error_r, error, "group.member", ok ? user.name : "", NULL, detail));
}


/*
 * 'gwApiGroupIterate()' - Groups and members (admin).
 */

bool
gwApiGroupIterate(gw_system_t *sys, const gw_actor_t *actor, gw_policy_name_cb_t cb, void *data)
{
  if (!sys || !_gwApiAdmin(actor, NULL))
    return (false);

  return (gwStoreGroupIterate(sys->store, actor->tenant, cb, data));
}


/*
 * 'gwApiPrinterTagsSet()' - A printer's tags (admin).
 */

bool
gwApiPrinterTagsSet(gw_system_t *sys, const gw_actor_t *actor, const char *printer, const char *tags, const char **error_r)
{
  gw_printer_t p;
  int          count = 0;
  bool         ok;

  if (!_gwApiAdminPrinter(sys, actor, printer, &p, error_r))
    return (false);
  if (!tags)
    tags = "";

  for (const char *t = tags; *t; count ++)
  {
    size_t len = strcspn(t, ",");

    if (!_gwPolicyNameValid(t, len) || count >= GW_POLICY_TAGS_MAX)
    {
      _gwApiError(error_r, "tags are up to 16 comma-separated names of letters, digits, '.', '_' or '-'");
      return (false);
    }
    t += len;
    if (*t == ',' && *++t == '\0')
    {
      _gwApiError(error_r, "an empty tag");
      return (false);
    }
  }

  ok = gwStorePrinterTagsSet(sys->store, actor->tenant, p.name, tags);
  return (_gwApiAdminDone(sys, actor, ok, error_r, "store error", "printer.tags", "", p.name, tags));
}


/*
 * 'gwApiPrinterTagsGet()' - A printer's tags (any actor).
 */

bool
gwApiPrinterTagsGet(gw_system_t *sys, const gw_actor_t *actor, const char *printer, char *tags, size_t tagsize)
{
  if (!sys || !_gwApiActorValid(actor))
    return (false);

  return (gwStorePrinterTagsGet(sys->store, actor->tenant, printer, tags, tagsize));
}


/* ---- Delegation ---------------------------------------------------------------- */

/*
 * 'gwApiDelegateSet()' - owner names or drops a delegate (admin, or the
 *                        owner itself).
 */

bool
gwApiDelegateSet(gw_system_t *sys, const gw_actor_t *actor, const char *owner, const char *delegate, bool add, const char **error_r)
{
  gw_user_t   o, d;
  bool        ok;
  const char *error = add ? "already a delegate" : "not a delegate";

  if (!sys || !_gwApiActorValid(actor) || !owner || !_gwApiUserVisible(sys, actor, owner, &o))
  {
    _gwApiError(error_r, "no such user");
    return (false);
  }
  if (!delegate || !gwStoreUserFind(sys->store, actor->tenant, delegate, &d) || d.disabled)
  {
    _gwApiError(error_r, "no such delegate");
    return (false);
  }
  if (o.id == d.id)
  {
    _gwApiError(error_r, "a user releases its own jobs already");
    return (false);
  }

  ok = gwStoreDelegate(sys->store, actor->tenant, o.id, d.id, add ? 1 : -1);
  if (!ok)
  {
    _gwApiError(error_r, error);
    return (false);
  }
  _gwApiAudit(sys, actor, add ? "delegate.add" : "delegate.remove", o.name, NULL, NULL, 0, d.name);

  return (true);
}


/*
 * 'gwApiDelegateIterate()' - Delegations: all (admin, user NULL), or those
 *                            of one user (admin, or the user itself).
 */

bool
gwApiDelegateIterate(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_policy_name_cb_t cb, void *data)
{
  gw_user_t user;

  if (!sys || !_gwApiActorValid(actor))
    return (false);
  if (!name && actor->role == GW_ROLE_ADMIN)
    return (gwStoreDelegateIterate(sys->store, actor->tenant, 0, cb, data));
  if (!_gwApiUserVisible(sys, actor, name ? name : actor->who, &user))
    return (false);

  return (gwStoreDelegateIterate(sys->store, actor->tenant, user.id, cb, data));
}
