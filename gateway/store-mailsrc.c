/*
 * store-mailsrc.c - the store's calls for the mail sources made in the
 * admin console (store.h, "Mail sources"): argument checks, then the
 * backend (store-sqlite-mailsrc.c).  The list is copied out of the backend
 * first and handed to the caller with no store lock held.
 */

#include "store-private.h"

#include <stdlib.h>
#include <string.h>


/*
 * 'name_valid()' - A source name: 1 to 63 of [A-Za-z0-9._-].
 */

static bool
name_valid(const char *name)
{
  size_t len = name ? strlen(name) : 0;

  return (len > 0 && len < 64 && strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == len);
}


/*
 * 'gwStoreMailSourceIterate()' - Every source (name, spec), by name.
 */

bool
gwStoreMailSourceIterate(gw_store_t *s, int64_t tenant, gw_policy_name_cb_t cb, void *data)
{
  _gw_store_mailsrc_t *rows;
  int                  n;

  if (!s || tenant <= 0 || !cb || (rows = calloc(GW_STORE_MAILSRC_MAX, sizeof(_gw_store_mailsrc_t))) == NULL)
    return (false);

  n = s->ops->mailsrc_list(s->backend, tenant, rows, GW_STORE_MAILSRC_MAX);
  for (int i = 0; i < n; i ++)
    if (!cb(rows[i].name, rows[i].spec, data))
      break;
  gwWipe(rows, GW_STORE_MAILSRC_MAX * sizeof(_gw_store_mailsrc_t));
  free(rows);

  return (n >= 0);
}


/*
 * 'gwStoreMailSourcePut()' - Add a source or replace its spec.
 */

bool
gwStoreMailSourcePut(gw_store_t *s, int64_t tenant, const char *name, const char *spec)
{
  return (s && tenant > 0 && name_valid(name) && _gwStoreTextValid(spec, GW_STORE_MAILSRC_SPEC_MAX, false) &&
          s->ops->mailsrc_put(s->backend, tenant, name, spec));
}


/*
 * 'gwStoreMailSourceRemove()' - Delete a source; false if there is none.
 */

bool
gwStoreMailSourceRemove(gw_store_t *s, int64_t tenant, const char *name)
{
  return (s && tenant > 0 && name_valid(name) && s->ops->mailsrc_remove(s->backend, tenant, name));
}
