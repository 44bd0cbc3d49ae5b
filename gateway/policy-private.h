/*
 * policy-private.h - the policy rule engine's internals (policy-rule.c:
 * the rule-line parser and the evaluation; policy.c: the core's cached
 * rule set, the submission and release hooks; policy-api.c: api.h's
 * calls; policy-control.c: the control socket's commands).
 *
 * The parser and the evaluation are pure functions (no store, no system):
 * the unit test and the fuzz harness call them directly.
 */

#ifndef PRINTGATE_POLICY_PRIVATE_H
#define PRINTGATE_POLICY_PRIVATE_H

#include "printgate/policy.h"
#include "printgate/records.h"
#include "printgate/system.h"

#include <pthread.h>
#include <time.h>

#define _GW_POLICY_PHASE(p)  (1u << (p))

typedef struct _gw_rule_s       /* One parsed rule line */
{
  char        name[GW_POLICY_NAME_MAX + 1];
  char        line[GW_POLICY_LINE_MAX + 1];  /* The line as given (trimmed), as the store keeps it */
  char        buf[GW_POLICY_LINE_MAX + 1];   /* Condition values, NUL-separated; the pointers below point here */
  unsigned    phases;                        /* _GW_POLICY_PHASE() bits; both when not given */

  /* Conditions (NULL / -1 / 0 = any).  Lists are comma-separated. */
  const char *users, *roles, *groups, *intakes, *formats, *printers, *tags, *locations;
  int64_t     size_min, size_max;
  int         pages_min, pages_max, color_min, color_max;
  int         time_from, time_to;            /* Minutes of the day; from > to crosses midnight */
  unsigned    days;                          /* Bit 0 = Sunday .. bit 6 = Saturday; 0 = every day */

  /* Actions */
  bool        allow, refuse, mono, duplex, watermark;
  const char *refuse_text;                   /* NULL = a default sentence */
  int         max_pages;                     /* 0 = none */
  int64_t     retention;                     /* 0 = none */
  int         quota_pages, quota_color;      /* 0 = none */
  gw_policy_period_t quota_pages_period, quota_color_period;
  bool        quota_per_group;               /* Shared by the rule's (one) group */
} _gw_rule_t;

typedef struct _gw_rules_s      /* An ordered rule set */
{
  int          count;
  size_t       alloc;
  _gw_rule_t **rules;           /* Each allocated alone: its pointers point into itself */
} _gw_rules_t;

/* The facts a rule looks at (the engine's input). */
typedef struct _gw_policy_facts_s
{
  gw_policy_phase_t  phase;
  const char        *user, *role, *intake, *format, *printer, *location;
  const char        *groups[GW_POLICY_GROUPS_MAX];
  int                num_groups;
  const char        *tags[GW_POLICY_TAGS_MAX];
  int                num_tags;
  int64_t            size;
  int                pages, color_pages;     /* color_pages < 0: unknown (counts as all pages) */
  int                copies;                 /* 0 = 1 */
  bool               mono;                   /* The job already prints in black and white */
  int64_t            now;
  const char        *document;               /* The document's name, for the sentence */
} _gw_policy_facts_t;

typedef struct _gw_policy_facts_store_s /* Facts and the text they point to (policy.c) */
{
  _gw_policy_facts_t f;
  char               groups[GW_POLICY_GROUPS_MAX][64];
  char               tags[1024];
  char               role[32];
} _gw_policy_facts_store_t;

/* Pages and colour pages used since 'since' by a user (group NULL) or a group. */
typedef bool (*_gw_policy_usage_cb_t)(void *data, const char *group, int64_t since, int *pages, int *color);

/* policy-rule.c */
extern bool        _gwPolicyNameValid(const char *s, size_t len);
extern bool        _gwRuleParse(const char *line, size_t len, _gw_rule_t *rule, const char **error_r);
extern void        _gwRulesInit(_gw_rules_t *rules);
extern void        _gwRulesFree(_gw_rules_t *rules);
extern bool        _gwRulesAdd(_gw_rules_t *rules, const _gw_rule_t *rule, const char **error_r);
/* A rule file: one rule per line, '#' comments and blank lines skipped; *line_r gets the line of an error. */
extern bool        _gwRulesParseText(const char *text, size_t len, _gw_rules_t *rules, int *line_r, const char **error_r);
extern int64_t     _gwPolicyPeriodStart(gw_policy_period_t period, int64_t now);
extern const char *_gwPolicyPeriodName(gw_policy_period_t period);
extern const char *_gwPolicyRoleName(gw_role_t role);
/* Evaluate: usage may be NULL (quotas are then listed, not checked). */
extern void        _gwPolicyEvaluate(const _gw_rules_t *rules, const _gw_policy_facts_t *facts, _gw_policy_usage_cb_t usage, void *data, gw_policy_decision_t *d);

/* policy.c: the core's rule set and hooks */
typedef struct _gw_policy_hold_s /* The pages of a job being sent, counted against quotas until recorded */
{
  int64_t id, tenant, user_id;
  int     pages, color;
  int     num_groups;
  char    groups[GW_POLICY_GROUPS_MAX][64];
} _gw_policy_hold_t;

typedef struct _gw_policy_s
{
  pthread_rwlock_t   lock;                   /* Guards rules and loaded */
  _gw_rules_t        rules;
  bool               loaded;
  pthread_mutex_t    quota_lock;             /* Guards holds: a quota's check and its hold are one step */
  _gw_policy_hold_t *holds;                  /* Jobs being sent under a quota */
  size_t             num_holds, alloc_holds;
  int64_t            next_hold;
} _gw_policy_t;

typedef struct _gw_policy_release_s /* One release's policy state (policy-release.c) */
{
  char                     by[64];           /* The delegate releasing for the owner, or "" */
  _gw_policy_facts_store_t fs;               /* Owner and printer facts */
  int64_t                  hold_id;          /* The job being sent is held against quotas (0 = none) */
  int                      pages, color;     /* What it prints */
} _gw_policy_release_t;

extern _gw_policy_t *_gwPolicyNew(void);
extern void          _gwPolicyDelete(_gw_policy_t **p);
extern bool          _gwPolicyReload(gw_system_t *sys);
extern void          _gwPolicyFacts(gw_system_t *sys, int64_t tenant, const gw_user_t *user, const gw_printer_t *printer, _gw_policy_facts_store_t *s);
extern void          _gwPolicyFactsJob(_gw_policy_facts_t *f, gw_policy_phase_t phase, const gw_job_t *job, const char *format, int64_t size, int pages, int color_pages);
/* check_quotas: the caller holds sys->policy->quota_lock (lock order: quota_lock, rule lock, store) */
extern void          _gwPolicyDecide(gw_system_t *sys, int64_t tenant, int64_t user_id, const _gw_policy_facts_t *f, bool check_quotas, gw_policy_decision_t *d);
extern bool          _gwPolicyApply(const gw_policy_decision_t *d, gw_job_t *job);

/* The hooks (submission.c, release.c) */
extern bool          _gwPolicySubmit(gw_system_t *sys, const gw_job_t *job, const char *format, int64_t size, int pages, int color_pages, gw_policy_decision_t *d);
extern bool          _gwPolicyReleaseBegin(gw_system_t *sys, int64_t tenant, const gw_release_t *rel, const gw_printer_t *printer, gw_user_t *user, _gw_policy_release_t *pr, gw_release_result_t *result);
extern bool          _gwPolicyReleaseJob(gw_system_t *sys, _gw_policy_release_t *pr, const gw_release_t *rel, gw_job_t *job, gw_config_t *jc, gw_release_result_t *result);
extern void          _gwPolicyReleaseEnd(gw_system_t *sys, _gw_policy_release_t *pr, const gw_job_t *job, bool printed);

#endif /* !PRINTGATE_POLICY_PRIVATE_H */
