/*
 * store-outbox.c - the store's outbox calls (see store.h): argument checks,
 * then the backend.  Iteration copies a page out and calls back with no
 * backend lock held.
 */

#include "store-private.h"

#include <stdlib.h>
#include <string.h>


/*
 * 'gwStoreOutboxAdd()' - Queue a sealed message, or find its key's row.
 */

bool
gwStoreOutboxAdd(gw_store_t *s, const gw_outbox_entry_t *e, const void *sealed, size_t len, int64_t *id_r, bool *existed_r, const char **error_r)
{
  int64_t id = 0;
  bool    existed = false;

  if (!s || !e || e->tenant <= 0 || !sealed || len == 0 || len > INT32_MAX)
  {
    if (error_r)
      *error_r = "bad outbox row";
    return (false);
  }

  if (!s->ops->outbox_add(s->backend, e, sealed, len, &id, &existed, error_r))
    return (false);

  if (id_r)
    *id_r = id;
  if (existed_r)
    *existed_r = existed;

  return (true);
}


/*
 * 'gwStoreOutboxTake()' - The next due row, now "sending".
 */

bool
gwStoreOutboxTake(gw_store_t *s, int64_t now, gw_outbox_entry_t *e, void **sealed_r, size_t *len_r)
{
  if (!s || !e || !sealed_r || !len_r)
    return (false);

  return (s->ops->outbox_take(s->backend, now, e, sealed_r, len_r));
}


/*
 * 'gwStoreOutboxFinish()' - A sending row's outcome.
 */

bool
gwStoreOutboxFinish(gw_store_t *s, int64_t tenant, int64_t id, gw_outbox_state_t state, int64_t next_attempt, const char *last_error, int64_t now)
{
  if (!s || tenant <= 0 || id <= 0 || state < GW_OUTBOX_QUEUED || state > GW_OUTBOX_FAILED || state == GW_OUTBOX_SENDING)
    return (false);

  return (s->ops->outbox_finish(s->backend, tenant, id, state, next_attempt, last_error, now));
}


/*
 * 'gwStoreOutboxIterate()' - A tenant's rows, oldest first (states 0 = all).
 */

bool
gwStoreOutboxIterate(gw_store_t *s, int64_t tenant, unsigned states, gw_outbox_cb_t cb, void *data)
{
  _gw_store_cursor_t cursor;
  gw_outbox_entry_t *rows;
  int                n, i;
  bool               ok = true;

  if (!s || tenant <= 0 || !cb)
    return (false);

  if (states == 0)
    states = 0xf;

  if ((rows = calloc(_GW_STORE_PAGE, sizeof(gw_outbox_entry_t))) == NULL)
    return (false);

  memset(&cursor, 0, sizeof(cursor));
  while (ok && (n = s->ops->outbox_page(s->backend, tenant, states, &cursor, rows, _GW_STORE_PAGE)) != 0)
  {
    if (n < 0)
    {
      ok = false;
      break;
    }
    for (i = 0; i < n && ok; i ++)
      ok = (cb)(&rows[i], data);
    if (!ok)
    {
      ok = true;                        /* Stopped by the callback: not an error */
      break;
    }
  }

  free(rows);

  return (ok);
}


/*
 * 'gwStoreOutboxRetry()' - A queued or failed row is due now.
 */

bool
gwStoreOutboxRetry(gw_store_t *s, int64_t tenant, int64_t id, int64_t now, const char **error_r)
{
  if (s && tenant > 0 && id > 0 && s->ops->outbox_retry(s->backend, tenant, id, now))
    return (true);

  if (error_r)
    *error_r = "no such queued or failed message";

  return (false);
}


/*
 * 'gwStoreOutboxDelete()' - Delete a row that is not being sent.
 */

bool
gwStoreOutboxDelete(gw_store_t *s, int64_t tenant, int64_t id, const char **error_r)
{
  if (s && tenant > 0 && id > 0 && s->ops->outbox_delete(s->backend, tenant, id))
    return (true);

  if (error_r)
    *error_r = "no such message (or it is being sent)";

  return (false);
}


/*
 * 'gwStoreOutboxSweep()' - Recover "sending" rows, or purge old ones.
 */

int
gwStoreOutboxSweep(gw_store_t *s, bool recover, int64_t when)
{
  return (s ? s->ops->outbox_sweep(s->backend, recover, when) : -1);
}


/*
 * 'gwStoreOutboxNextDue()' - The earliest due time of a queued row.
 */

int64_t
gwStoreOutboxNextDue(gw_store_t *s)
{
  return (s ? s->ops->outbox_next_due(s->backend) : -1);
}
