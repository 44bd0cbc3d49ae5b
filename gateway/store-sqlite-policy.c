/*
 * store-sqlite-policy.c - the SQLite backend of the print policy's rows
 * (schema version 10; docs/policy.md): rule lines in order, local groups
 * and their members, printer tags, delegates, and the pages each release
 * used (for quotas).
 */

#include "store-sqlite-private.h"

#include <stdio.h>
#include <string.h>


/*
 * 'pair_row()' - Copy two text columns into a _gw_store_pair_t.
 */

static void
pair_row(sqlite3_stmt *stmt, void *row)
{
  _gw_store_pair_t *p = (_gw_store_pair_t *)row;

  memset(p, 0, sizeof(_gw_store_pair_t));
  _gwSqlColumnsf(stmt, "tt", p->a, sizeof(p->a), p->b, sizeof(p->b));
}


/*
 * '_gwSqlRuleList()' - Up to max rules (name, line), in evaluation order.
 */

int
_gwSqlRuleList(void *backend, int64_t tenant, _gw_store_pair_t *rows, int max)
{
  return (_gwSqlRowsf((_gw_sql_t *)backend, _GW_SQL_RULE_LIST, "SELECT name, line FROM policy_rules WHERE tenant_id = ?1 ORDER BY position, id LIMIT ?2",
                      pair_row, rows, sizeof(_gw_store_pair_t), max, "li", tenant, max));
}


/*
 * 'rule_insert()' - Append one rule after the last (lock held).
 */

static bool
rule_insert(_gw_sql_t *b, int64_t tenant, const char *name, const char *line)
{
  _gw_sql_step_t r;

  _gwSqlRunf(b, _GW_SQL_RULE_ADD,
             "INSERT OR IGNORE INTO policy_rules (tenant_id, position, name, line, created)"
             " VALUES (?1, (SELECT IFNULL(MAX(position), 0) + 1 FROM policy_rules WHERE tenant_id = ?1), ?2, ?3, strftime('%s', 'now'))",
             "rule add", &r, "ltt", tenant, name, line);

  return (r.rc == SQLITE_DONE && r.changes == 1);
}


/*
 * '_gwSqlRuleAdd()' - Append a rule (names unique per tenant).
 */

bool
_gwSqlRuleAdd(void *backend, int64_t tenant, const char *name, const char *line, const char **error_r)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;
  bool       ok;

  _gwSqlLock(b);
  ok = rule_insert(b, tenant, name, line);
  _gwSqlUnlock(b);

  if (!ok && error_r)
    *error_r = "a rule by that name exists";

  return (ok);
}


/*
 * '_gwSqlRuleRemove()' - Delete a rule by name; false if there is none.
 */

bool
_gwSqlRuleRemove(void *backend, int64_t tenant, const char *name)
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_RULE_REMOVE, "DELETE FROM policy_rules WHERE tenant_id = ?1 AND name = ?2", "lt", tenant, name));
}


/*
 * '_gwSqlRuleReplace()' - Replace every rule of the tenant by rows[n], in
 *                         one transaction (a rule file's load: all or
 *                         nothing).
 */

bool
_gwSqlRuleReplace(void *backend, int64_t tenant, const _gw_store_pair_t *rows, int n, const char **error_r)
{
  _gw_sql_t     *b = (_gw_sql_t *)backend;
  _gw_sql_step_t r;
  bool           ok;

  _gwSqlLock(b);
  if (!_gwSqlBegin(b))
  {
    _gwSqlUnlock(b);
    *error_r = "store error";
    return (false);
  }

  ok = _gwSqlRunf(b, _GW_SQL_RULE_CLEAR, "DELETE FROM policy_rules WHERE tenant_id = ?1", "rule clear", &r, "l", tenant) == SQLITE_DONE;
  for (int i = 0; ok && i < n; i ++)
  {
    if ((ok = rule_insert(b, tenant, rows[i].a, rows[i].b)) == false)
      *error_r = "two rules have the same name";
  }

  ok = _gwSqlEnd(b, ok);
  _gwSqlUnlock(b);

  if (!ok && !*error_r)
    *error_r = "store error";

  return (ok);
}


/*
 * '_gwSqlGroupAdd()' - Add a local group (names unique per tenant).
 */

bool
_gwSqlGroupAdd(void *backend, int64_t tenant, const char *name, const char **error_r)
{
  if (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_GROUP_ADD, "INSERT OR IGNORE INTO user_groups (tenant_id, name, created) VALUES (?1, ?2, strftime('%s', 'now'))", "lt", tenant, name))
    return (true);

  *error_r = "a group by that name exists";
  return (false);
}


/*
 * '_gwSqlGroupMember()' - Add a user to a group, or remove it.
 */

bool
_gwSqlGroupMember(void *backend, int64_t tenant, const char *group, int64_t user_id, bool add, const char **error_r)
{
  bool ok;

  if (add)
    ok = _gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_GROUP_MEMBER_ADD,
                       "INSERT OR IGNORE INTO group_members (tenant_id, group_id, user_id)"
                       " SELECT ?1, id, ?3 FROM user_groups WHERE tenant_id = ?1 AND name = ?2", "ltl", tenant, group, user_id);
  else
    ok = _gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_GROUP_MEMBER_REMOVE,
                       "DELETE FROM group_members WHERE tenant_id = ?1 AND user_id = ?3"
                       " AND group_id = (SELECT id FROM user_groups WHERE tenant_id = ?1 AND name = ?2)", "ltl", tenant, group, user_id);

  if (!ok)
    *error_r = add ? "no such group, or the user is in it already" : "no such group, or the user is not in it";

  return (ok);
}


/*
 * '_gwSqlGroupList()' - Groups and members (group, user; a group with no
 *                       member once with ""), by group then user.
 */

int
_gwSqlGroupList(void *backend, int64_t tenant, _gw_store_pair_t *rows, int max)
{
  return (_gwSqlRowsf((_gw_sql_t *)backend, _GW_SQL_GROUP_LIST,
                      "SELECT g.name, IFNULL(u.name, '') FROM user_groups g LEFT JOIN group_members m ON m.group_id = g.id"
                      " LEFT JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id"
                      " WHERE g.tenant_id = ?1 ORDER BY g.name, u.name LIMIT ?2",
                      pair_row, rows, sizeof(_gw_store_pair_t), max, "li", tenant, max));
}


/*
 * '_gwSqlUserGroups()' - The groups of one user (name in a, "" in b).
 */

int
_gwSqlUserGroups(void *backend, int64_t tenant, int64_t user_id, _gw_store_pair_t *rows, int max)
{
  return (_gwSqlRowsf((_gw_sql_t *)backend, _GW_SQL_USER_GROUPS,
                      "SELECT g.name, '' FROM group_members m JOIN user_groups g ON g.id = m.group_id"
                      " WHERE m.tenant_id = ?1 AND m.user_id = ?2 ORDER BY g.name LIMIT ?3",
                      pair_row, rows, sizeof(_gw_store_pair_t), max, "lli", tenant, user_id, max));
}


/*
 * '_gwSqlPrinterTagsSet()' / '_gwSqlPrinterTagsGet()' - A printer's tags
 *                                                       (comma-separated).
 */

bool
_gwSqlPrinterTagsSet(void *backend, int64_t tenant, const char *printer, const char *tags)
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_TAGS_SET, "INSERT OR REPLACE INTO printer_tags (tenant_id, printer, tags) VALUES (?1, ?2, ?3)", "ltt", tenant, printer, tags));
}

bool
_gwSqlPrinterTagsGet(void *backend, int64_t tenant, const char *printer, char *tags, size_t tagsize)
{
  _gw_store_pair_t row;
  int              n;

  *tags = '\0';
  if ((n = _gwSqlRowsf((_gw_sql_t *)backend, _GW_SQL_TAGS_GET, "SELECT printer, tags FROM printer_tags WHERE tenant_id = ?1 AND printer = ?2",
                       pair_row, &row, sizeof(row), 1, "lt", tenant, printer)) < 0)
    return (false);

  if (n == 1)
    snprintf(tags, tagsize, "%s", row.b);
  return (true);
}


/*
 * '_gwSqlDelegate()' - op 1: owner names delegate; op -1: removes it;
 *                      op 0: is delegate one of owner's delegates?
 */

bool
_gwSqlDelegate(void *backend, int64_t tenant, int64_t owner_id, int64_t delegate_id, int op)
{
  _gw_sql_t *b = (_gw_sql_t *)backend;

  if (op > 0)
    return (_gwSqlChangef(b, _GW_SQL_DELEGATE_ADD, "INSERT OR IGNORE INTO delegates (tenant_id, owner_id, delegate_id, created) VALUES (?1, ?2, ?3, strftime('%s', 'now'))",
                          "lll", tenant, owner_id, delegate_id));
  if (op < 0)
    return (_gwSqlChangef(b, _GW_SQL_DELEGATE_REMOVE, "DELETE FROM delegates WHERE tenant_id = ?1 AND owner_id = ?2 AND delegate_id = ?3", "lll", tenant, owner_id, delegate_id));

  return (_gwSqlStepf(b, _GW_SQL_DELEGATE_CHECK, "SELECT 1 FROM delegates WHERE tenant_id = ?1 AND owner_id = ?2 AND delegate_id = ?3",
                      "delegate check", NULL, "lll", tenant, owner_id, delegate_id) == SQLITE_ROW);
}


/*
 * '_gwSqlDelegateList()' - (owner, delegate) names; user_id 0 = all, else
 *                          the rows where the user is owner or delegate.
 */

int
_gwSqlDelegateList(void *backend, int64_t tenant, int64_t user_id, _gw_store_pair_t *rows, int max)
{
  return (_gwSqlRowsf((_gw_sql_t *)backend, _GW_SQL_DELEGATE_LIST,
                      "SELECT o.name, d.name FROM delegates x JOIN users o ON o.tenant_id = x.tenant_id AND o.id = x.owner_id"
                      " JOIN users d ON d.tenant_id = x.tenant_id AND d.id = x.delegate_id"
                      " WHERE x.tenant_id = ?1 AND (?2 = 0 OR x.owner_id = ?2 OR x.delegate_id = ?2) ORDER BY o.name, d.name LIMIT ?3",
                      pair_row, rows, sizeof(_gw_store_pair_t), max, "lli", tenant, user_id, max));
}


/*
 * '_gwSqlQuotaAdd()' - Add printed pages to a user's day.
 */

bool
_gwSqlQuotaAdd(void *backend, int64_t tenant, int64_t user_id, int64_t day, int pages, int color_pages)
{
  _gw_sql_step_t r;

  _gwSqlStepf((_gw_sql_t *)backend, _GW_SQL_QUOTA_ADD,
              "INSERT INTO quota_usage (tenant_id, user_id, day, pages, color_pages) VALUES (?1, ?2, ?3, ?4, ?5)"
              " ON CONFLICT (tenant_id, user_id, day) DO UPDATE SET pages = pages + excluded.pages, color_pages = color_pages + excluded.color_pages",
              "usage add", &r, "lllii", tenant, user_id, day, pages, color_pages);

  return (r.rc == SQLITE_DONE);
}


/*
 * 'usage_row()' - Two integer sums.
 */

static void
usage_row(sqlite3_stmt *stmt, void *row)
{
  int *sums = (int *)row;

  _gwSqlColumnsf(stmt, "ii", sums, sums + 1);
}


/*
 * '_gwSqlQuotaSum()' - Pages and colour pages used since 'since' by a user
 *                      (group NULL) or by every member of a group.
 */

bool
_gwSqlQuotaSum(void *backend, int64_t tenant, int64_t user_id, const char *group, int64_t since, int *pages, int *color_pages)
{
  int sums[2] = { 0, 0 }, n;

  if (group)
    n = _gwSqlRowsf((_gw_sql_t *)backend, _GW_SQL_QUOTA_SUM_GROUP,
                    "SELECT IFNULL(SUM(pages), 0), IFNULL(SUM(color_pages), 0) FROM quota_usage WHERE tenant_id = ?1 AND day >= ?3"
                    " AND user_id IN (SELECT m.user_id FROM group_members m JOIN user_groups g ON g.id = m.group_id WHERE g.tenant_id = ?1 AND g.name = ?2)",
                    usage_row, sums, sizeof(sums), 1, "ltl", tenant, group, since);
  else
    n = _gwSqlRowsf((_gw_sql_t *)backend, _GW_SQL_QUOTA_SUM_USER,
                    "SELECT IFNULL(SUM(pages), 0), IFNULL(SUM(color_pages), 0) FROM quota_usage WHERE tenant_id = ?1 AND user_id = ?2 AND day >= ?3",
                    usage_row, sums, sizeof(sums), 1, "lll", tenant, user_id, since);

  *pages       = sums[0];
  *color_pages = sums[1];
  return (n == 1);
}


/*
 * '_gwSqlJobPolicySet()' - A converting job's options as the policy set
 *                          them, and its watermark flag.
 */

bool
_gwSqlJobPolicySet(void *backend, int64_t tenant, const char *job_id, const char *color_mode, const char *sides, const char *page_ranges, bool watermark)
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_JOB_POLICY_SET,
                        "UPDATE jobs SET color_mode = ?3, sides = ?4, page_ranges = ?5, policy_watermark = ?6"
                        " WHERE tenant_id = ?1 AND id = ?2 AND state = 'converting'",
                        "ltttti", tenant, job_id, color_mode, sides, page_ranges, watermark ? 1 : 0));
}


/*
 * '_gwSqlJobPolicyGet()' - Did the policy ask for a watermark on the job?
 */

bool
_gwSqlJobPolicyGet(void *backend, int64_t tenant, const char *job_id)
{
  return (_gwSqlStepf((_gw_sql_t *)backend, _GW_SQL_JOB_POLICY_GET, "SELECT 1 FROM jobs WHERE tenant_id = ?1 AND id = ?2 AND policy_watermark <> 0",
                      "job policy", NULL, "lt", tenant, job_id) == SQLITE_ROW);
}


/*
 * '_gwSqlJobPolicyReason()' - A held job's reason and sentence.
 */

bool
_gwSqlJobPolicyReason(void *backend, int64_t tenant, const char *job_id, gw_reason_t reason, const char *text)
{
  return (_gwSqlChangef((_gw_sql_t *)backend, _GW_SQL_JOB_POLICY_REASON,
                        "UPDATE jobs SET reason = ?3, reason_text = ?4 WHERE tenant_id = ?1 AND id = ?2 AND state = 'held'",
                        "lttt", tenant, job_id, gwReasonCode(reason), text));
}
