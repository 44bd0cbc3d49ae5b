/*
 * policy.h - the print policy: rules, local groups, printer tags, quotas
 * and delegation (docs/policy.md), as front-ends see them through api.h.
 *
 * One rule engine serves every intake (IPP, mail, web, CLI) and release.
 * Rules are evaluated at submission (after conversion, when the real page
 * and colour-page counts are known, before the job is held) and at release
 * (the printer, its tags and location known).  Each rule is one line of
 * text (the format is in docs/policy.md); the store keeps the lines in
 * order, the core keeps them parsed.
 *
 * Every call here takes an actor as api.h does: rule, group, tag and
 * delegation changes are admin only (audit "rule.add", "rule.remove",
 * "rule.load", "group.add", "group.member", "printer.tags",
 * "delegate.add", "delegate.remove"); a user may read its own quotas and
 * manage its own delegates.
 */

#ifndef PRINTGATE_POLICY_H
#define PRINTGATE_POLICY_H

#include "api.h"

#define GW_POLICY_LINE_MAX     1024   /* Bytes of one rule line (without its newline) */
#define GW_POLICY_NAME_MAX     63     /* Bytes of a rule's, a group's name */
#define GW_POLICY_RULES_MAX    1000   /* Rules in a set */
#define GW_POLICY_FILE_MAX     (1024 * 1024) /* Bytes of a rule file */
#define GW_POLICY_TEXT_MAX     255    /* Bytes of a refusal sentence */
#define GW_POLICY_GROUPS_MAX   32     /* Groups of one user the engine looks at */
#define GW_POLICY_TAGS_MAX     16     /* Tags of one printer */
#define GW_POLICY_QUOTAS_MAX   8      /* Quotas one decision checks */

typedef enum gw_policy_phase_e
{
  GW_POLICY_SUBMIT,                   /* After conversion, before the job is held */
  GW_POLICY_RELEASE                   /* At a printer */
} gw_policy_phase_t;

typedef enum gw_policy_period_e
{
  GW_POLICY_DAY,                      /* Since local midnight */
  GW_POLICY_WEEK,                     /* Since Monday 00:00 local */
  GW_POLICY_MONTH                     /* Since the 1st 00:00 local */
} gw_policy_period_t;

/* A job as a dry-run describes it (what would happen to it?). */
typedef struct gw_policy_job_s
{
  gw_policy_phase_t phase;
  const char *user;                   /* Owner (must exist) */
  const char *intake;                 /* "ipp", "mail", "web", "cli" */
  const char *format;                 /* MIME type, NULL = "application/pdf" */
  int64_t     size;                   /* Bytes */
  int         pages;
  int         color_pages;
  const char *color_mode;             /* NULL = "auto" */
  const char *printer;                /* Release: the printer (its tags and location are looked up) */
  int64_t     time;                   /* Unix time, 0 = now */
} gw_policy_job_t;

/* One quota a decision checked (or the remaining quota of a user). */
typedef struct gw_policy_quota_s
{
  char               rule[GW_POLICY_NAME_MAX + 1];
  char               group[GW_POLICY_NAME_MAX + 1]; /* "" = per user, else shared by the group */
  bool               color;           /* Colour pages, else pages */
  gw_policy_period_t period;
  int                limit;
  int                used;            /* In the current period */
  int                remaining;       /* max(limit - used, 0) */
} gw_policy_quota_t;

/* What the policy decided about a job. */
typedef struct gw_policy_decision_s
{
  bool              allowed;
  gw_reason_t       reason;           /* NONE, POLICY_REFUSED or QUOTA_EXCEEDED */
  bool              force_mono;
  bool              force_duplex;
  bool              watermark;        /* A watermark is printed at release */
  int               max_pages;        /* 0 = no cap, else only pages 1..N print */
  int64_t           retention;        /* 0 = the default, else seconds held */
  char              rule[GW_POLICY_NAME_MAX + 1]; /* The rule that refused, or "" */
  int               matched;          /* Rules that matched */
  int               num_quotas;
  gw_policy_quota_t quotas[GW_POLICY_QUOTAS_MAX];
  char              text[512];        /* The sentence: every change and refusal, with its rule */
} gw_policy_decision_t;

typedef bool (*gw_policy_name_cb_t)(const char *name, const char *value, void *data);

/* ---- Rules (admin) ------------------------------------------------------------ */

/* Append a rule line (parsed first: error_r says what is wrong).  Audit "rule.add" (detail: the name). */
extern bool gwApiRuleAdd(gw_system_t *sys, const gw_actor_t *actor, const char *line, const char **error_r);
/* Audit "rule.remove". */
extern bool gwApiRuleRemove(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char **error_r);
/* Every rule (name, line) in evaluation order (admin, auditor: GW_RIGHT_AUDIT). */
extern bool gwApiRuleIterate(gw_system_t *sys, const gw_actor_t *actor, gw_policy_name_cb_t cb, void *data);
/*
 * Replace every rule by a rule file's (len bytes, at most GW_POLICY_FILE_MAX):
 * all or nothing.  On a parse error *line_r gets the line number and
 * nothing changes.  *count_r gets the rules loaded.  Audit "rule.load".
 */
extern bool gwApiRuleLoad(gw_system_t *sys, const gw_actor_t *actor, const char *text, size_t len, int *count_r, int *line_r, const char **error_r);
/*
 * What would happen to this job (admin, auditor): the rules, the owner's role and
 * groups, the printer's tags and location; at release also the owner's
 * quotas as they stand (nothing is reserved).  Nothing changes.
 */
extern bool gwApiPolicyDryRun(gw_system_t *sys, const gw_actor_t *actor, const gw_policy_job_t *job, gw_policy_decision_t *d, const char **error_r);
/*
 * A user's quotas and what is left of each (admin, or the user itself):
 * the quotas of the release rules that match the user at any printer
 * (rules with printer conditions are not counted).  Returns how many
 * (at most max), -1 = refused.
 */
extern int  gwApiPolicyQuotas(gw_system_t *sys, const gw_actor_t *actor, const char *user, gw_policy_quota_t *quotas, int max);

/* ---- Local groups, printer tags (admin) ------------------------------------------- */

extern bool gwApiGroupAdd(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char **error_r);            /* Audit "group.add" */
extern bool gwApiGroupMember(gw_system_t *sys, const gw_actor_t *actor, const char *group, const char *user, bool add, const char **error_r); /* Audit "group.member" (detail "add GROUP", "remove GROUP") */
extern bool gwApiGroupIterate(gw_system_t *sys, const gw_actor_t *actor, gw_policy_name_cb_t cb, void *data);         /* (group, member or "") */
/* tags: comma-separated names ("" = none), at most GW_POLICY_TAGS_MAX.  Audit "printer.tags". */
extern bool gwApiPrinterTagsSet(gw_system_t *sys, const gw_actor_t *actor, const char *printer, const char *tags, const char **error_r);
extern bool gwApiPrinterTagsGet(gw_system_t *sys, const gw_actor_t *actor, const char *printer, char *tags, size_t tagsize); /* Any actor */

/* ---- Delegation (admin, or the owner itself) ----------------------------------------- */

/* owner names (add) or drops a delegate who may release owner's jobs.  Audit "delegate.add" / "delegate.remove". */
extern bool gwApiDelegateSet(gw_system_t *sys, const gw_actor_t *actor, const char *owner, const char *delegate, bool add, const char **error_r);
/* (owner, delegate) pairs: user NULL = all (admin); else the rows where the user is either. */
extern bool gwApiDelegateIterate(gw_system_t *sys, const gw_actor_t *actor, const char *user, gw_policy_name_cb_t cb, void *data);

#endif /* !PRINTGATE_POLICY_H */
