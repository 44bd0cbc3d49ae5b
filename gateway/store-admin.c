/*
 * store-admin.c - the store's calls for the admin console (store.h, "Admin
 * console"): arguments are checked here, SQL is the backend's
 * (store-sqlite-admin.c).
 */

#include "store-private.h"

#include <stdlib.h>
#include <string.h>


/*
 * 'gwStoreUserSearch()' - A page of users by name, optionally searched.
 *                         No store lock is held during the callback.
 */

bool
gwStoreUserSearch(gw_store_t *s, int64_t tenant, const char *after, const char *query, int limit, gw_user_cb_t cb, void *data)
{
  gw_user_t *rows;
  int        n;

  if (!s || tenant <= 0 || !cb || limit < 1 || limit > 500 || !_gwStoreTextValid(after ? after : "", 63, true) ||
      !_gwStoreTextValid(query ? query : "", 127, true) || (rows = calloc((size_t)limit, sizeof(gw_user_t))) == NULL)
    return (false);

  n = s->ops->user_search(s->backend, tenant, after ? after : "", query ? query : "", rows, limit);
  for (int i = 0; i < n && (cb)(rows + i, data); i ++);
  free(rows);

  return (n >= 0);
}


/*
 * 'gwStoreUserEdit()' - Set a user's display name, role and disabled flag.
 */

bool
gwStoreUserEdit(gw_store_t *s, int64_t tenant, int64_t id, const char *display_name, gw_role_t role, bool disabled, const char **error_r)
{
  const char *error = NULL;

  if (!s || tenant <= 0 || id <= 0)
    error = "invalid store, tenant or user";
  else if (!display_name || !_gwStoreTextValid(display_name, 127, true))
    error = "display names are at most 127 bytes without control characters";
  else if ((unsigned)role > GW_ROLE_LAST)
    error = "unknown role";
  else if (!s->ops->user_edit(s->backend, tenant, id, display_name, role, disabled))
    error = "no such user";

  if (error && error_r)
    *error_r = error;

  return (error == NULL);
}


/*
 * 'gwStoreFactorSet()' - Keep a user's new sealed TOTP secret (not enabled).
 */

bool
gwStoreFactorSet(gw_store_t *s, int64_t tenant, int64_t user_id, const void *sealed, size_t len)
{
  if (!s || tenant <= 0 || user_id <= 0 || !sealed || len == 0 || len > GW_STORE_FACTOR_MAX)
    return (false);

  return (s->ops->factor_set(s->backend, tenant, user_id, sealed, len));
}


/*
 * 'gwStoreFactorGet()' - A user's sealed TOTP secret and its state.
 */

bool
gwStoreFactorGet(gw_store_t *s, int64_t tenant, int64_t user_id, void *sealed, size_t sealedsize, size_t *len_r, bool *enabled_r, int64_t *last_step_r)
{
  if (!s || tenant <= 0 || user_id <= 0 || !sealed || !len_r || !enabled_r || !last_step_r)
    return (false);

  return (s->ops->factor_get(s->backend, tenant, user_id, sealed, sealedsize, len_r, enabled_r, last_step_r));
}


/*
 * 'gwStoreFactorStep()' - Use a time step (once) and enable the factor.
 */

bool
gwStoreFactorStep(gw_store_t *s, int64_t tenant, int64_t user_id, int64_t step)
{
  if (!s || tenant <= 0 || user_id <= 0 || step <= 0)
    return (false);

  return (s->ops->factor_step(s->backend, tenant, user_id, step));
}


/*
 * 'gwStoreFactorDelete()' - Forget a user's second factor and recovery codes.
 */

bool
gwStoreFactorDelete(gw_store_t *s, int64_t tenant, int64_t user_id)
{
  if (!s || tenant <= 0 || user_id <= 0)
    return (false);

  return (s->ops->factor_delete(s->backend, tenant, user_id));
}


/*
 * 'gwStoreRecoverySet()' - Replace a user's recovery codes (HMACs only).
 */

bool
gwStoreRecoverySet(gw_store_t *s, int64_t tenant, int64_t user_id, const unsigned char (*hmacs)[32], int n)
{
  if (!s || tenant <= 0 || user_id <= 0 || !hmacs || n < 1 || n > 100)
    return (false);

  return (s->ops->recovery_set(s->backend, tenant, user_id, hmacs, n));
}


/*
 * 'gwStoreRecoveryUse()' - Use up one recovery code (single use).
 */

bool
gwStoreRecoveryUse(gw_store_t *s, int64_t tenant, int64_t user_id, const unsigned char hmac[32])
{
  if (!s || tenant <= 0 || user_id <= 0 || !hmac)
    return (false);

  return (s->ops->recovery_use(s->backend, tenant, user_id, hmac));
}


/*
 * 'gwStoreRecoveryCount()' - Unused recovery codes of a user (-1 = error).
 */

int
gwStoreRecoveryCount(gw_store_t *s, int64_t tenant, int64_t user_id)
{
  if (!s || tenant <= 0 || user_id <= 0)
    return (-1);

  return (s->ops->recovery_count(s->backend, tenant, user_id));
}


/*
 * 'gwStoreSessionElevate()' - Mark a session as past the second factor.
 */

bool
gwStoreSessionElevate(gw_store_t *s, int64_t tenant, const unsigned char hmac[32])
{
  if (!s || tenant <= 0 || !hmac)
    return (false);

  return (s->ops->session_elevate(s->backend, tenant, hmac));
}


/*
 * 'gwStoreSessionElevated()' - Is a session past the second factor?
 */

int
gwStoreSessionElevated(gw_store_t *s, int64_t tenant, const unsigned char hmac[32])
{
  if (!s || tenant <= 0 || !hmac)
    return (-1);

  return (s->ops->session_elevated(s->backend, tenant, hmac));
}
