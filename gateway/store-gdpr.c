/*
 * store-gdpr.c - the store's GDPR and audit query calls (see store.h,
 * "GDPR and the audit query"): argument checks, then the backend.  The
 * audit query copies a page out and calls back with no backend lock held.
 */

#include "store-private.h"

#include <stdlib.h>
#include <string.h>

#define AUDIT_PAGE 64                  /* Rows per backend page */


/*
 * 'gwStoreExportSectionName()' - The JSON member of an export section.
 */

const char *
gwStoreExportSectionName(gw_export_section_t section)
{
  static const char * const names[GW_EXPORT_COUNT] =
  {
    "user", "aliases", "addresses", "address_tokens", "pins", "cards", "devices", "sessions",
    "signin_codes", "lockouts", "jobs", "outbox", "audit", "usage", "groups",
    "delegates", "quota_usage"
  };

  return ((unsigned)section < GW_EXPORT_COUNT ? names[section] : "unknown");
}


/*
 * 'gwStoreUserRestricted()' - Is a user's processing restricted?
 */

bool
gwStoreUserRestricted(gw_store_t *s, int64_t tenant, int64_t user_id, char *reason, size_t reasonsize)
{
  if (reason && reasonsize)
    *reason = '\0';
  if (!s || tenant <= 0 || user_id <= 0)
    return (false);

  return (s->ops->user_restricted(s->backend, tenant, user_id, reason, reasonsize));
}


/*
 * 'gwStoreUserRestrict()' - Restrict a user's processing, or lift it.
 */

bool
gwStoreUserRestrict(gw_store_t *s, int64_t tenant, int64_t user_id, bool on, const char *reason)
{
  if (!s || tenant <= 0 || user_id <= 0 || (on && (!reason || !reason[0] || strlen(reason) > 255)))
    return (false);

  return (s->ops->user_restrict(s->backend, tenant, user_id, on, reason));
}


/*
 * 'gwStoreUserExportPage()' - One page of one export section.
 */

int
gwStoreUserExportPage(gw_store_t *s, int64_t tenant, int64_t user_id, gw_export_section_t section, int64_t *cursor, int max, char **text_r)
{
  if (text_r)
    *text_r = NULL;
  if (!s || tenant <= 0 || user_id <= 0 || (unsigned)section >= GW_EXPORT_COUNT || !cursor || max < 1 || !text_r)
    return (-1);

  return (s->ops->user_export_page(s->backend, tenant, user_id, section, cursor, max, text_r));
}


/*
 * 'gwStoreUserErase()' - Erase a user (one transaction).
 */

bool
gwStoreUserErase(gw_store_t *s, int64_t tenant, int64_t user_id, const char *pseudonym, int64_t now, int *jobs_r, const char **error_r)
{
  const char *unused;
  int         jobs;

  if (!error_r)
    error_r = &unused;
  if (!jobs_r)
    jobs_r = &jobs;
  if (!s || tenant <= 0 || user_id <= 0 || !pseudonym || !pseudonym[0] || strlen(pseudonym) > 63)
  {
    *error_r = "bad arguments";
    return (false);
  }

  return (s->ops->user_erase(s->backend, tenant, user_id, pseudonym, now, jobs_r, error_r));
}


/*
 * 'gwStoreAuditQuery()' - Audit rows newest first, in pages, calling back
 *                         with no lock held.
 */

bool
gwStoreAuditQuery(gw_store_t *s, int64_t tenant, const gw_audit_query_t *q, gw_audit_cb_t cb, void *data, int64_t *next_r)
{
  gw_audit_t *rows;
  int64_t     before;
  int         left, n = 0;
  bool        ok = true;

  if (next_r)
    *next_r = 0;
  if (!s || tenant <= 0 || !q || !cb || q->limit < 1 || q->limit > GW_AUDIT_QUERY_MAX || q->after < 0 ||
      (unsigned)q->outcome > GW_AUDIT_OUTCOME_REFUSED || (rows = calloc(AUDIT_PAGE, sizeof(gw_audit_t))) == NULL)
    return (false);

  /* One row more than asked for says whether there is a next page. */
  for (before = q->after, left = q->limit; ok && left > 0; left -= n)
  {
    if ((n = s->ops->audit_query(s->backend, tenant, q, before, rows, left < AUDIT_PAGE ? left : AUDIT_PAGE)) <= 0)
    {
      ok = n == 0;
      break;
    }
    for (int i = 0; ok && i < n; i ++)
      ok = (*cb)(&rows[i], data);
    before = rows[n - 1].id;
  }

  if (ok && left == 0 && next_r && s->ops->audit_query(s->backend, tenant, q, before, rows, 1) == 1)
    *next_r = before;

  free(rows);
  return (ok);
}
