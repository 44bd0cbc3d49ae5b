/*
 * policy-store.c - the store's print-policy calls (store.h, "Print
 * policy"): argument checks, then the backend (store-sqlite-policy.c).
 * Lists are copied out of the backend first and handed to the caller's
 * callback with no store lock held (as store.c does).
 */

#include "store-private.h"
#include "policy-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum pairs_e            /* Which list pairs_hand_out() reads */
{
  PAIRS_RULES,
  PAIRS_GROUPS,
  PAIRS_DELEGATES
} pairs_t;


/*
 * 'valid()' - A store, a tenant and a name of the rule syntax.
 */

static bool
valid(gw_store_t *s, int64_t tenant, const char *name)
{
  return (s && tenant > 0 && name && _gwPolicyNameValid(name, strlen(name)));
}


/*
 * 'pairs_hand_out()' - Read a list of pairs and call cb for each.
 */

static bool
pairs_hand_out(gw_store_t *s, int64_t tenant, pairs_t kind, int64_t user_id, gw_policy_name_cb_t cb, void *data)
{
  _gw_store_pair_t *rows;
  int               n, max = kind == PAIRS_RULES ? GW_POLICY_RULES_MAX : 10000;

  if (!s || tenant <= 0 || !cb || (rows = calloc((size_t)max, sizeof(_gw_store_pair_t))) == NULL)
    return (false);

  if (kind == PAIRS_RULES)
    n = s->ops->rule_list(s->backend, tenant, rows, max);
  else if (kind == PAIRS_GROUPS)
    n = s->ops->group_list(s->backend, tenant, rows, max);
  else
    n = s->ops->delegate_list(s->backend, tenant, user_id, rows, max);

  for (int i = 0; i < n && (cb)(rows[i].a, rows[i].b, data); i ++);
  free(rows);

  return (n >= 0);
}


/*
 * 'gwStoreRuleIterate()' - Every rule (name, line) in evaluation order.
 */

bool
gwStoreRuleIterate(gw_store_t *s, int64_t tenant, gw_policy_name_cb_t cb, void *data)
{
  return (pairs_hand_out(s, tenant, PAIRS_RULES, 0, cb, data));
}


/*
 * 'gwStoreRuleAdd()' - Append a rule line (the caller parsed it).
 */

bool
gwStoreRuleAdd(gw_store_t *s, int64_t tenant, const char *name, const char *line, const char **error_r)
{
  if (!valid(s, tenant, name) || !line || strlen(line) > GW_POLICY_LINE_MAX)
  {
    if (error_r)
      *error_r = "invalid rule name or line";
    return (false);
  }

  return (s->ops->rule_add(s->backend, tenant, name, line, error_r));
}


/*
 * 'gwStoreRuleRemove()' - Delete a rule by name.
 */

bool
gwStoreRuleRemove(gw_store_t *s, int64_t tenant, const char *name)
{
  return (valid(s, tenant, name) && s->ops->rule_remove(s->backend, tenant, name));
}


/*
 * 'gwStoreRuleReplace()' - Replace every rule by names[n]/lines[n].
 */

bool
gwStoreRuleReplace(gw_store_t *s, int64_t tenant, const char * const *names, const char * const *lines, int n, const char **error_r)
{
  _gw_store_pair_t *rows;
  bool              ok;
  const char       *error = NULL;

  if (!s || tenant <= 0 || n < 0 || n > GW_POLICY_RULES_MAX || (rows = calloc((size_t)n + 1, sizeof(_gw_store_pair_t))) == NULL)
  {
    if (error_r)
      *error_r = "invalid rule set";
    return (false);
  }

  for (int i = 0; i < n; i ++)
  {
    if (!valid(s, tenant, names[i]) || strlen(lines[i]) > GW_POLICY_LINE_MAX)
    {
      free(rows);
      if (error_r)
        *error_r = "invalid rule name or line";
      return (false);
    }
    snprintf(rows[i].a, sizeof(rows[i].a), "%s", names[i]);
    snprintf(rows[i].b, sizeof(rows[i].b), "%s", lines[i]);
  }

  ok = s->ops->rule_replace(s->backend, tenant, rows, n, &error);
  free(rows);
  if (!ok && error_r)
    *error_r = error;

  return (ok);
}


/*
 * 'gwStoreGroupAdd()' - Add a local group.
 */

bool
gwStoreGroupAdd(gw_store_t *s, int64_t tenant, const char *name, const char **error_r)
{
  const char *error = NULL;

  if (!valid(s, tenant, name))
    error = "a group name is 1 to 63 letters, digits, '.', '_' or '-'";
  else if (s->ops->group_add(s->backend, tenant, name, &error))
    return (true);

  if (error_r)
    *error_r = error;
  return (false);
}


/*
 * 'gwStoreGroupMember()' - Add a user to a group (add) or remove it.
 */

bool
gwStoreGroupMember(gw_store_t *s, int64_t tenant, const char *group, int64_t user_id, bool add, const char **error_r)
{
  const char *error = "no such group";

  if (valid(s, tenant, group) && user_id > 0 && s->ops->group_member(s->backend, tenant, group, user_id, add, &error))
    return (true);

  if (error_r)
    *error_r = error;
  return (false);
}


/*
 * 'gwStoreGroupIterate()' - Every (group, member); a group with no member
 *                           once with "".
 */

bool
gwStoreGroupIterate(gw_store_t *s, int64_t tenant, gw_policy_name_cb_t cb, void *data)
{
  return (pairs_hand_out(s, tenant, PAIRS_GROUPS, 0, cb, data));
}


/*
 * 'gwStoreUserGroups()' - The names of a user's groups.
 */

int
gwStoreUserGroups(gw_store_t *s, int64_t tenant, int64_t user_id, char (*names)[64], int max)
{
  _gw_store_pair_t rows[GW_POLICY_GROUPS_MAX];
  int              n;

  if (!s || tenant <= 0 || max < 0)
    return (-1);
  if (max > GW_POLICY_GROUPS_MAX)
    max = GW_POLICY_GROUPS_MAX;

  n = s->ops->user_groups(s->backend, tenant, user_id, rows, max);
  for (int i = 0; i < n; i ++)
    memcpy(names[i], rows[i].a, sizeof(rows[i].a));   /* Both 64 bytes, NUL-terminated */

  return (n);
}


/*
 * 'gwStorePrinterTagsSet()' / 'gwStorePrinterTagsGet()' - A printer's tags.
 */

bool
gwStorePrinterTagsSet(gw_store_t *s, int64_t tenant, const char *printer, const char *tags)
{
  return (valid(s, tenant, printer) && tags && strlen(tags) < 1024 && s->ops->printer_tags_set(s->backend, tenant, printer, tags));
}

bool
gwStorePrinterTagsGet(gw_store_t *s, int64_t tenant, const char *printer, char *tags, size_t tagsize)
{
  if (!tags || tagsize == 0)
    return (false);
  *tags = '\0';

  return (valid(s, tenant, printer) && s->ops->printer_tags_get(s->backend, tenant, printer, tags, tagsize));
}


/*
 * 'gwStoreDelegate()' - Add (op 1), remove (op -1) or check (op 0) that
 *                       delegate may release owner's jobs.
 */

bool
gwStoreDelegate(gw_store_t *s, int64_t tenant, int64_t owner_id, int64_t delegate_id, int op)
{
  if (!s || tenant <= 0 || owner_id <= 0 || delegate_id <= 0 || owner_id == delegate_id)
    return (false);

  return (s->ops->delegate(s->backend, tenant, owner_id, delegate_id, op));
}


/*
 * 'gwStoreDelegateIterate()' - (owner, delegate) names.
 */

bool
gwStoreDelegateIterate(gw_store_t *s, int64_t tenant, int64_t user_id, gw_policy_name_cb_t cb, void *data)
{
  return (pairs_hand_out(s, tenant, PAIRS_DELEGATES, user_id, cb, data));
}


/*
 * 'gwStoreQuotaAdd()' / 'gwStoreQuotaSum()' - The pages users printed,
 *                                              per day, for quotas.
 */

bool
gwStoreQuotaAdd(gw_store_t *s, int64_t tenant, int64_t user_id, int64_t day, int pages, int color_pages)
{
  if (!s || tenant <= 0 || user_id <= 0 || pages < 0 || color_pages < 0)
    return (false);

  return (s->ops->quota_add(s->backend, tenant, user_id, day, pages, color_pages));
}

bool
gwStoreQuotaSum(gw_store_t *s, int64_t tenant, int64_t user_id, const char *group, int64_t since, int *pages, int *color_pages)
{
  *pages = *color_pages = 0;
  if (!s || tenant <= 0 || (group && !_gwPolicyNameValid(group, strlen(group))))
    return (false);

  return (s->ops->quota_sum(s->backend, tenant, user_id, group, since, pages, color_pages));
}


/*
 * 'gwStoreJobPolicySet()' / 'gwStoreJobPolicyWatermark()' /
 * 'gwStoreJobPolicyReason()' - The policy's marks on a job.
 */

bool
gwStoreJobPolicySet(gw_store_t *s, int64_t tenant, const char *job_id, const char *color_mode, const char *sides, const char *page_ranges, bool watermark)
{
  if (!s || tenant <= 0 || !job_id || !gwJobColorModeValid(color_mode) || !gwJobSidesValid(sides) || !page_ranges)
    return (false);

  return (s->ops->job_policy_set(s->backend, tenant, job_id, color_mode, sides, page_ranges, watermark));
}

bool
gwStoreJobPolicyWatermark(gw_store_t *s, int64_t tenant, const char *job_id)
{
  return (s && tenant > 0 && job_id && s->ops->job_policy_get(s->backend, tenant, job_id));
}

bool
gwStoreJobPolicyReason(gw_store_t *s, int64_t tenant, const char *job_id, gw_reason_t reason, const char *text)
{
  return (s && tenant > 0 && job_id && text && (unsigned)reason < GW_REASON_COUNT && s->ops->job_policy_reason(s->backend, tenant, job_id, reason, text));
}
