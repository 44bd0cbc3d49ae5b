/*
 * store.c - the public store calls (see store.h, store-private.h and
 * docs/store.md).
 *
 * Every call checks and normalises its arguments here (tenant and id
 * ranges, name syntax, lower-cased user names and addresses, job state
 * machine) and then dispatches to the backend's ops table, so a backend
 * only ever sees valid input.  Iterations call back with no store lock
 * held: rows are copied out a page at a time.
 */

#include "store-private.h"
#include "printgate/crypto.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NAME_MAX_LEN 63        /* User, alias, printer, actor names */
#define ADDR_MAX_LEN 255       /* Email addresses */
#define HASH_MAX_LEN 255       /* Encoded password hashes */
#define ALL_STATES   ((1u << GW_JOB_STATE_COUNT) - 1)


/*
 * Messages for a transition refused by the state machine, indexed
 * [from][to], and for a job that is not in the state the caller expected,
 * indexed [current][expected].  Built from literals so that error_r always
 * points to static text.
 */

#define ST_RECEIVING   "receiving"
#define ST_CONVERTING  "converting"
#define ST_QUARANTINED "quarantined"
#define ST_HELD        "held"
#define ST_RELEASING   "releasing"
#define ST_PRINTED     "printed"
#define ST_FAILED      "failed"
#define ST_EXPIRED     "expired"
#define ST_CANCELLED   "cancelled"

#define CANNOT_ROW(f) { "cannot go from " f " to " ST_RECEIVING, "cannot go from " f " to " ST_CONVERTING, \
    "cannot go from " f " to " ST_QUARANTINED, "cannot go from " f " to " ST_HELD, \
    "cannot go from " f " to " ST_RELEASING, "cannot go from " f " to " ST_PRINTED, \
    "cannot go from " f " to " ST_FAILED, "cannot go from " f " to " ST_EXPIRED, \
    "cannot go from " f " to " ST_CANCELLED }

#define NOT_ROW(c) { "job is " c ", not " ST_RECEIVING, "job is " c ", not " ST_CONVERTING, \
    "job is " c ", not " ST_QUARANTINED, "job is " c ", not " ST_HELD, "job is " c ", not " ST_RELEASING, \
    "job is " c ", not " ST_PRINTED, "job is " c ", not " ST_FAILED, "job is " c ", not " ST_EXPIRED, \
    "job is " c ", not " ST_CANCELLED }

static const char * const cannot_msgs[GW_JOB_STATE_COUNT][GW_JOB_STATE_COUNT] =
{
  CANNOT_ROW(ST_RECEIVING), CANNOT_ROW(ST_CONVERTING), CANNOT_ROW(ST_QUARANTINED),
  CANNOT_ROW(ST_HELD), CANNOT_ROW(ST_RELEASING), CANNOT_ROW(ST_PRINTED),
  CANNOT_ROW(ST_FAILED), CANNOT_ROW(ST_EXPIRED), CANNOT_ROW(ST_CANCELLED)
};

static const char * const not_msgs[GW_JOB_STATE_COUNT][GW_JOB_STATE_COUNT] =
{
  NOT_ROW(ST_RECEIVING), NOT_ROW(ST_CONVERTING), NOT_ROW(ST_QUARANTINED),
  NOT_ROW(ST_HELD), NOT_ROW(ST_RELEASING), NOT_ROW(ST_PRINTED),
  NOT_ROW(ST_FAILED), NOT_ROW(ST_EXPIRED), NOT_ROW(ST_CANCELLED)
};


/*
 * '_gwStoreMismatchMessage()' - "job is X, not Y" (static text), for backends.
 */

const char *
_gwStoreMismatchMessage(gw_job_state_t current, gw_job_state_t expected)
{
  if ((unsigned)current >= GW_JOB_STATE_COUNT || (unsigned)expected >= GW_JOB_STATE_COUNT)
    return ("the job is not in the expected state");

  return (not_msgs[current][expected]);
}


/*
 * 'set_error()' - Set *error_r when the caller asked for it; returns false
 *                 (a refused call returns set_error(...)).
 */

static bool
set_error(const char **error_r, const char *message)
{
  if (error_r)
    *error_r = message;

  return (false);
}


/*
 * 'valid_text()' - Is s a string of at most maxlen bytes without control
 *                  characters (empty allowed when allow_empty)?
 */

static bool
valid_text(const char *s, size_t maxlen, bool allow_empty)
{
  size_t len;

  if (!s)
    return (false);

  len = strnlen(s, maxlen + 1);
  if (len > maxlen || (len == 0 && !allow_empty))
    return (false);

  for (const unsigned char *p = (const unsigned char *)s; *p; p ++)
  {
    if (*p < 0x20 || *p == 0x7f)
      return (false);
  }

  return (true);
}


/*
 * '_gwStoreTextValid()' - valid_text() for the store's other files.
 */

bool
_gwStoreTextValid(const char *s, size_t maxlen, bool allow_empty)
{
  return (valid_text(s, maxlen, allow_empty));
}


/*
 * 'norm_user_name()' - Lower-case a user name or alias into out[64] and
 *                      check it is [a-z0-9._@-]{1,63}.
 */

static bool
norm_user_name(const char *in, char out[NAME_MAX_LEN + 1])
{
  size_t i;

  if (!in)
    return (false);

  for (i = 0; in[i]; i ++)
  {
    unsigned char ch = (unsigned char)tolower((unsigned char)in[i]);

    if (i >= NAME_MAX_LEN || !((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '@' || ch == '-'))
      return (false);

    out[i] = (char)ch;
  }

  out[i] = '\0';

  return (i > 0);
}


/*
 * 'norm_address()' - Lower-case an email address into out[256] and check
 *                    it has one '@' with something on both sides, and no
 *                    spaces or control characters.
 */

static bool
norm_address(const char *in, char out[ADDR_MAX_LEN + 1])
{
  size_t i, at = 0, ats = 0;

  if (!in)
    return (false);

  for (i = 0; in[i]; i ++)
  {
    unsigned char ch = (unsigned char)in[i];

    if (i >= ADDR_MAX_LEN || ch <= 0x20 || ch == 0x7f)
      return (false);

    if (ch == '@')
    {
      at = i;
      ats ++;
    }

    out[i] = (char)tolower(ch);
  }

  out[i] = '\0';

  return (ats == 1 && at > 0 && at + 1 < i);
}


/*
 * 'valid_printer_name()' - Is s [A-Za-z0-9._-]{1,63}?
 */

static bool
valid_printer_name(const char *s)
{
  size_t i;

  if (!s)
    return (false);

  for (i = 0; s[i]; i ++)
  {
    unsigned char ch = (unsigned char)s[i];

    if (i >= NAME_MAX_LEN || !(isalnum(ch) || ch == '.' || ch == '_' || ch == '-'))
      return (false);
  }

  return (i > 0);
}


/*
 * 'states_mask()' - A caller's state mask: 0 means all states; bits beyond
 *                   the known states are ignored.
 */

static unsigned
states_mask(unsigned states)
{
  return (states == 0 ? ALL_STATES : (states & ALL_STATES));
}


/*
 * Iteration: every gwStoreXIterate() pages through its rows with
 * iterate_pages(), which asks the backend for a page (fetch_page()) and
 * calls back for each row with no store lock held.  The callbacks differ only in their record type, so they travel in
 * a union and call_back() picks the member.
 */

typedef enum row_kind_e
{
  ROW_USER, ROW_ADDRESS, ROW_PRINTER, ROW_JOB, ROW_AUDIT, ROW_DEVICE
} row_kind_t;

typedef union row_cb_u
{
  gw_user_cb_t    user;
  gw_address_cb_t address;
  gw_printer_cb_t printer;
  gw_job_cb_t     job;
  gw_audit_cb_t   audit;
  gw_device_cb_t  device;
} row_cb_t;



/*
 * 'call_back()' - Call a caller's callback with one row of its type.
 */

static bool
call_back(row_kind_t kind, row_cb_t cb, const void *row, void *data)
{
  switch (kind)
  {
    case ROW_USER :    return ((cb.user)((const gw_user_t *)row, data));
    case ROW_ADDRESS : return ((cb.address)((const gw_address_t *)row, data));
    case ROW_PRINTER : return ((cb.printer)((const gw_printer_t *)row, data));
    case ROW_JOB :     return ((cb.job)((const gw_job_t *)row, data));
    case ROW_AUDIT :   return ((cb.audit)((const gw_audit_t *)row, data));
    case ROW_DEVICE :  return ((cb.device)((const gw_device_t *)row, data));
  }

  return (false);
}


/*
 * 'fetch_page()' - The backend's page of one record type: query is the
 *                  job filter for jobs, else int64_t { tenant, user_id }
 *                  ({ tenant, since, limit } for audit rows).
 */

static int
fetch_page(gw_store_t *s, row_kind_t kind, const void *query, _gw_store_cursor_t *cursor, void *rows, int max)
{
  const int64_t *q = (const int64_t *)query;

  switch (kind)
  {
    case ROW_USER :    return (s->ops->user_page(s->backend, q[0], cursor, (gw_user_t *)rows, max));
    case ROW_ADDRESS : return (s->ops->address_page(s->backend, q[0], q[1], cursor, (gw_address_t *)rows, max));
    case ROW_PRINTER : return (s->ops->printer_page(s->backend, q[0], cursor, (gw_printer_t *)rows, max));
    case ROW_JOB :     return (s->ops->job_page(s->backend, (const _gw_job_filter_t *)query, cursor, (gw_job_t *)rows, max));
    case ROW_AUDIT :   return (s->ops->audit_page(s->backend, q[0], q[1], (int)q[2], cursor, (gw_audit_t *)rows, max));
    case ROW_DEVICE :  return (s->ops->device_page(s->backend, q[0], q[1], cursor, (gw_device_t *)rows, max));
  }

  return (-1);
}


/*
 * 'iterate_pages()' - Page through rows (fetch_page() fills at most
 *                     _GW_STORE_PAGE after the cursor) and call back for
 *                     each with no store lock held.  'wipe': the rows hold
 *                     secrets (wrapped keys), wiped before they are freed.
 *                     True at the end or when a callback stopped.
 */

static bool
iterate_pages(gw_store_t *s, const void *query, size_t rowsize, row_kind_t kind, row_cb_t cb, void *data, bool wipe)
{
  _gw_store_cursor_t cursor;
  char               *page;
  int                n = 0;
  bool               more = true;

  if ((page = calloc(_GW_STORE_PAGE, rowsize)) == NULL)
    return (false);

  memset(&cursor, 0, sizeof(cursor));
  while (more && (n = fetch_page(s, kind, query, &cursor, page, _GW_STORE_PAGE)) > 0)
  {
    for (int i = 0; more && i < n; i ++)
      more = call_back(kind, cb, page + (size_t)i * rowsize, data);
  }

  if (wipe)
    explicit_bzero(page, _GW_STORE_PAGE * rowsize);   /* libc's non-elidable wipe, as gwWipe() */
  free(page);

  return (!more || n == 0);
}


/*
 * 'iterate_user_rows()' - Rows of a tenant, or of one user (user_id > 0),
 *                         that belong to users (addresses, devices).
 */

static bool
iterate_user_rows(gw_store_t *s, int64_t tenant, int64_t user_id, row_kind_t kind, size_t rowsize, row_cb_t cb, bool cb_set, void *data)
{
  int64_t q[2] = { tenant, user_id };

  if (!s || tenant <= 0 || user_id < 0 || !cb_set)
    return (false);

  return (iterate_pages(s, q, rowsize, kind, cb, data, false));
}


/* ---- Life cycle ------------------------------------------------------------ */


/*
 * '_gwStoreOpenVersion()' - Open a store and migrate it up to 'version'
 *                           (tests use it to build old databases).
 */

gw_store_t *
_gwStoreOpenVersion(const char *path, gw_log_t *log, int version, const char **error_r)
{
  const _gw_store_ops_t *ops = &_gwStoreSqliteOps;
  gw_store_t            *store;

  if (!path || !*path)
  {
    set_error(error_r, "no database path was given");
    return (NULL);
  }

  if (version < 1 || version > ops->latest_version)
  {
    set_error(error_r, "unknown schema version");
    return (NULL);
  }

  if ((store = calloc(1, sizeof(gw_store_t))) == NULL)
  {
    set_error(error_r, "out of memory");
    return (NULL);
  }

  store->ops = ops;
  store->log = log;

  if ((store->backend = ops->open(path, log, version, error_r)) == NULL)
  {
    free(store);
    return (NULL);
  }

  return (store);
}


/*
 * 'gwStoreOpen()' - Open (creating it if needed) and migrate the store at
 *                   'path' to the latest schema.
 */

gw_store_t *
gwStoreOpen(const char *path, gw_log_t *log, const char **error_r)
{
  return (_gwStoreOpenVersion(path, log, gwStoreLatestSchemaVersion(), error_r));
}


/*
 * 'gwStoreClose()' - Close a store; NULL-safe, sets *store to NULL.
 */

void
gwStoreClose(gw_store_t **store)
{
  if (!store || !*store)
    return;

  (*store)->ops->close((*store)->backend);
  free(*store);
  *store = NULL;
}


/*
 * 'gwStoreSchemaVersion()' - Schema version of an open store (-1 on error).
 */

int
gwStoreSchemaVersion(gw_store_t *store)
{
  return (store ? store->ops->schema_version(store->backend) : -1);
}


/*
 * 'gwStoreLatestSchemaVersion()' - Newest schema version this build knows.
 */

int
gwStoreLatestSchemaVersion(void)
{
  return (_gwStoreSqliteOps.latest_version);
}


/*
 * 'gwStoreCheck()' - Cheap liveness query, for /health.
 */

bool
gwStoreCheck(gw_store_t *store)
{
  return (store && store->ops->check(store->backend));
}


/*
 * '_gwStoreTenantAdd()' - Add a tenant (id > 1; tenant 1 always exists).
 */

bool
_gwStoreTenantAdd(gw_store_t *store, int64_t id, const char *name, const char **error_r)
{
  if (!store || id <= 0 || !valid_text(name, NAME_MAX_LEN, false))
    return (set_error(error_r, "invalid tenant"));

  return (store->ops->tenant_add(store->backend, id, name, error_r));
}


/* ---- Users, aliases, addresses ---------------------------------------------- */


/*
 * 'gwStoreUserAdd()' - Add a user.  The name is lower-cased; it must not be
 *                      taken by another user or an alias of the tenant.
 */

bool
gwStoreUserAdd(gw_store_t *s, int64_t tenant, const char *name, const char *display_name, gw_role_t role, const char *password_hash, bool must_change, int64_t *id_r, const char **error_r)
{
  char norm[NAME_MAX_LEN + 1];

  if (id_r)
    *id_r = 0;

  if (!s || tenant <= 0)
    return (set_error(error_r, "invalid store or tenant"));

  if (!norm_user_name(name, norm))
    return (set_error(error_r, "user names are 1 to 63 characters: letters, digits, '.', '_', '@' and '-'"));

  if (!display_name)
    display_name = "";
  if (!valid_text(display_name, 127, true))
    return (set_error(error_r, "display names are at most 127 bytes without control characters"));

  if ((unsigned)role > GW_ROLE_LAST)
    return (set_error(error_r, "unknown role"));

  if (password_hash && !*password_hash)
    password_hash = NULL;                 /* "" = no password (yet) */
  if (password_hash && !valid_text(password_hash, HASH_MAX_LEN, false))
    return (set_error(error_r, "invalid password hash"));

  return (s->ops->user_add(s->backend, tenant, norm, display_name, role, password_hash, must_change, id_r, error_r));
}


/*
 * 'gwStoreUserFind()' - Find a user by name or alias (case-insensitive).
 */

bool
gwStoreUserFind(gw_store_t *s, int64_t tenant, const char *name_or_alias, gw_user_t *user)
{
  char norm[NAME_MAX_LEN + 1];

  if (!s || tenant <= 0 || !user || !norm_user_name(name_or_alias, norm))
    return (false);

  return (s->ops->user_find(s->backend, tenant, norm, user));
}


/*
 * 'gwStoreUserGet()' - Get a user by id.
 */

bool
gwStoreUserGet(gw_store_t *s, int64_t tenant, int64_t id, gw_user_t *user)
{
  if (!s || tenant <= 0 || id <= 0 || !user)
    return (false);

  return (s->ops->user_get(s->backend, tenant, id, user));
}


/*
 * 'gwStoreUserGetPasswordHash()' - Copy a user's password hash; false if
 *                                  the user has none or buf is too small.
 */

bool
gwStoreUserGetPasswordHash(gw_store_t *s, int64_t tenant, int64_t id, char *buf, size_t bufsize)
{
  if (!s || tenant <= 0 || id <= 0 || !buf || bufsize == 0)
    return (false);

  buf[0] = '\0';

  return (s->ops->user_get_password_hash(s->backend, tenant, id, buf, bufsize));
}


/*
 * 'gwStoreUserSetPassword()' - Replace a user's password hash.
 */

bool
gwStoreUserSetPassword(gw_store_t *s, int64_t tenant, int64_t id, const char *password_hash, bool must_change)
{
  if (!s || tenant <= 0 || id <= 0 || !valid_text(password_hash, HASH_MAX_LEN, false))
    return (false);

  return (s->ops->user_set_password(s->backend, tenant, id, password_hash, must_change));
}


/*
 * 'gwStoreUserCount()' - Number of users of a tenant (-1 on error).
 */

int
gwStoreUserCount(gw_store_t *s, int64_t tenant)
{
  if (!s || tenant <= 0)
    return (-1);

  return (s->ops->user_count(s->backend, tenant));
}


/*
 * 'gwStoreUserIterate()' - Call back for each user of a tenant, by name.
 *                          No store lock is held during the callback.
 */

bool
gwStoreUserIterate(gw_store_t *s, int64_t tenant, gw_user_cb_t cb, void *data)
{
  if (!s || tenant <= 0 || !cb)
    return (false);

  return (iterate_pages(s, &tenant, sizeof(gw_user_t), ROW_USER, (row_cb_t){ .user = cb }, data, false));
}


/*
 * 'gwStoreAliasAdd()' - Give a user another name (lower-cased) that
 *                       gwStoreUserFind() resolves.
 */

bool
gwStoreAliasAdd(gw_store_t *s, int64_t tenant, int64_t user_id, const char *alias, const char **error_r)
{
  char norm[NAME_MAX_LEN + 1];

  if (!s || tenant <= 0 || user_id <= 0)
    return (set_error(error_r, "invalid store, tenant or user"));

  if (!norm_user_name(alias, norm))
    return (set_error(error_r, "aliases are 1 to 63 characters: letters, digits, '.', '_', '@' and '-'"));

  return (s->ops->alias_add(s->backend, tenant, user_id, norm, error_r));
}


/*
 * 'gwStoreAddressAdd()' - Register an email address (pending) for a user.
 */

bool
gwStoreAddressAdd(gw_store_t *s, int64_t tenant, int64_t user_id, const char *address, const char **error_r)
{
  char norm[ADDR_MAX_LEN + 1];

  if (!s || tenant <= 0 || user_id <= 0)
    return (set_error(error_r, "invalid store, tenant or user"));

  if (!norm_address(address, norm))
    return (set_error(error_r, "not an email address (one '@', no spaces, at most 255 bytes)"));

  return (s->ops->address_add(s->backend, tenant, user_id, norm, error_r));
}


/*
 * 'gwStoreAddressFind()' - Find a registered address (case-insensitive).
 */

bool
gwStoreAddressFind(gw_store_t *s, int64_t tenant, const char *address, gw_address_t *addr)
{
  char norm[ADDR_MAX_LEN + 1];

  if (!s || tenant <= 0 || !addr || !norm_address(address, norm))
    return (false);

  return (s->ops->address_find(s->backend, tenant, norm, addr));
}


/*
 * 'gwStoreAddressSetState()' - Verify, revoke or reset an address.
 *                              Verifying records 'by' ("self" or an admin
 *                              name) and the time.
 */

bool
gwStoreAddressSetState(gw_store_t *s, int64_t tenant, const char *address, gw_address_state_t state, const char *by, const char **error_r)
{
  char norm[ADDR_MAX_LEN + 1];

  if (!s || tenant <= 0 || (unsigned)state > GW_ADDRESS_REVOKED)
    return (set_error(error_r, "invalid store, tenant or address state"));

  if (!norm_address(address, norm))
    return (set_error(error_r, "not an email address (one '@', no spaces, at most 255 bytes)"));

  if (!by)
    by = "";
  if (!valid_text(by, NAME_MAX_LEN, state != GW_ADDRESS_VERIFIED))
    return (set_error(error_r, "say who verified the address (\"self\" or an admin name)"));

  return (s->ops->address_set_state(s->backend, tenant, norm, state, by, error_r));
}


/*
 * 'gwStoreAddressIterate()' - Call back for each address of a tenant (or
 *                             of one user), by address.
 */

bool
gwStoreAddressIterate(gw_store_t *s, int64_t tenant, int64_t user_id, gw_address_cb_t cb, void *data)
{
  return (iterate_user_rows(s, tenant, user_id, ROW_ADDRESS, sizeof(gw_address_t), (row_cb_t){ .address = cb }, cb != NULL, data));
}


/* ---- Release credentials ------------------------------------------------------ */


/*
 * 'gwStorePinSet()' - Replace a user's release PIN (its HMAC).
 */

bool
gwStorePinSet(gw_store_t *s, int64_t tenant, int64_t user_id, const unsigned char hmac[32], int64_t expires, const char **error_r)
{
  if (!s || tenant <= 0 || user_id <= 0 || !hmac || expires < 0)
    return (set_error(error_r, "invalid store, tenant, user or expiry"));

  return (s->ops->pin_set(s->backend, tenant, user_id, hmac, expires, error_r));
}


/*
 * 'gwStorePinLookup()' - User id of an unexpired PIN, 0 if none matches.
 */

int64_t
gwStorePinLookup(gw_store_t *s, int64_t tenant, const unsigned char hmac[32], int64_t now)
{
  if (!s || tenant <= 0 || !hmac)
    return (0);

  return (s->ops->pin_lookup(s->backend, tenant, hmac, now));
}


/*
 * 'gwStoreTokenAdd()' - Keep an address verification token's HMAC.
 */

bool
gwStoreTokenAdd(gw_store_t *s, int64_t tenant, const char *address, const unsigned char hmac[32], int64_t expires, const char **error_r)
{
  if (!s || tenant <= 0 || !address || !hmac || expires <= 0)
    return (set_error(error_r, "invalid store, tenant, address or expiry"));

  return (s->ops->token_add(s->backend, tenant, address, hmac, expires, error_r));
}


/*
 * 'gwStoreTokenUse()' - Use up an unexpired token and verify its address.
 */

bool
gwStoreTokenUse(gw_store_t *s, int64_t tenant, const unsigned char hmac[32], int64_t now, gw_address_t *addr)
{
  if (!s || tenant <= 0 || !hmac || !addr)
    return (false);

  return (s->ops->token_use(s->backend, tenant, hmac, now, addr));
}


/*
 * 'gwStoreTokenPurge()' - Delete expired tokens (every tenant).
 */

int
gwStoreTokenPurge(gw_store_t *s, int64_t now)
{
  if (!s)
    return (-1);

  return (s->ops->token_purge(s->backend, now));
}


/*
 * 'gwStoreCardSet()' - Replace a user's card (its HMAC).
 */

bool
gwStoreCardSet(gw_store_t *s, int64_t tenant, int64_t user_id, const unsigned char hmac[32], const char **error_r)
{
  if (!s || tenant <= 0 || user_id <= 0 || !hmac)
    return (set_error(error_r, "invalid store, tenant or user"));

  return (s->ops->card_set(s->backend, tenant, user_id, hmac, error_r));
}


/*
 * 'gwStoreCardLookup()' - User id of a card, 0 if none matches.
 */

int64_t
gwStoreCardLookup(gw_store_t *s, int64_t tenant, const unsigned char hmac[32])
{
  if (!s || tenant <= 0 || !hmac)
    return (0);

  return (s->ops->card_lookup(s->backend, tenant, hmac));
}


/*
 * 'lockout_keys_valid()' - Are the lockout keys and limits usable?
 */

static bool
lockout_keys_valid(const gw_lockout_key_t *keys, int nkeys)
{
  if (!keys || nkeys < 1 || nkeys > GW_LOCKOUT_KEYS_MAX)
    return (false);

  for (int i = 0; i < nkeys; i ++)
  {
    if (!valid_text(keys[i].key, GW_LOCKOUT_KEY_MAX_LEN, false) || keys[i].max_failures < 1)
      return (false);
  }

  return (true);
}


/*
 * 'gwStoreCredentialAttempt()' - One PIN, card or device attempt under the lockout
 *                                keys, in one transaction: refused while a
 *                                key is locked, else looked up, and a wrong
 *                                one counted in every key.  Returns the
 *                                user id, 0 (wrong or locked), -1 (error).
 */

int64_t
gwStoreCredentialAttempt(gw_store_t *s, int64_t tenant, gw_credential_t kind, const unsigned char hmac[32], gw_lockout_key_t *keys, int nkeys, int64_t now, int64_t lock_secs, int64_t *locked_until_r, int *locked_key_r)
{
  if (locked_until_r)
    *locked_until_r = 0;
  if (locked_key_r)
    *locked_key_r = -1;

  if (!s || tenant <= 0 || !hmac || (unsigned)kind > GW_CREDENTIAL_VERIFIED || !lockout_keys_valid(keys, nkeys) || lock_secs < 1)
    return (-1);

  for (int i = 0; i < nkeys; i ++)
    keys[i].failures = 0;

  return (s->ops->credential_attempt(s->backend, tenant, kind, hmac, keys, nkeys, now, lock_secs, locked_until_r, locked_key_r));
}


/*
 * 'gwStoreLockoutRefund()' - Take back the failure a reservation counted.
 */

bool
gwStoreLockoutRefund(gw_store_t *s, int64_t tenant, const gw_lockout_key_t *keys, int nkeys)
{
  if (!s || tenant <= 0 || !lockout_keys_valid(keys, nkeys))
    return (false);

  return (s->ops->lockout_refund(s->backend, tenant, keys, nkeys));
}


/*
 * 'gwStoreLockoutClear()' - Clear the failures and lock of one key, or of
 *                           every key of the tenant (key NULL).
 */

bool
gwStoreLockoutClear(gw_store_t *s, int64_t tenant, const char *key)
{
  if (!s || tenant <= 0 || (key && !valid_text(key, GW_LOCKOUT_KEY_MAX_LEN, false)))
    return (false);

  return (s->ops->lockout_clear(s->backend, tenant, key));
}


/*
 * 'gwStoreLockoutIterate()' - Call cb for every counted key of the tenant
 *                             (current and ended windows alike).
 */

bool
gwStoreLockoutIterate(gw_store_t *s, int64_t tenant, gw_lockout_cb_t cb, void *data)
{
  if (!s || tenant <= 0 || !cb)
    return (false);

  return (s->ops->lockout_iterate(s->backend, tenant, cb, data));
}


/* ---- Devices -------------------------------------------------------------------- */


/*
 * 'gwStoreDeviceAdd()' - Add a device (token and password HMACs) to a user.
 */

bool
gwStoreDeviceAdd(gw_store_t *s, int64_t tenant, int64_t user_id, const char *name, const unsigned char token_hmac[32], const unsigned char password_hmac[32], int64_t *id_r, const char **error_r)
{
  if (id_r)
    *id_r = 0;

  if (!s || tenant <= 0 || user_id <= 0 || !token_hmac || !password_hmac)
    return (set_error(error_r, "invalid store, tenant or user"));

  if (!valid_printer_name(name))
    return (set_error(error_r, "device names are 1 to 63 characters: letters, digits, '.', '_' and '-'"));

  return (s->ops->device_add(s->backend, tenant, user_id, name, token_hmac, password_hmac, id_r, error_r));
}


/*
 * 'gwStoreDeviceFind()' - A device by id (hmac NULL) or by one of its HMACs.
 */

bool
gwStoreDeviceFind(gw_store_t *s, int64_t tenant, int64_t id, const unsigned char hmac[32], gw_device_t *device)
{
  if (!s || tenant <= 0 || !device || (hmac ? id != 0 : id <= 0))
    return (false);

  return (s->ops->device_find(s->backend, tenant, id, hmac, device));
}


/*
 * 'gwStoreDeviceIterate()' - Devices of a tenant (or one user), oldest first.
 */

bool
gwStoreDeviceIterate(gw_store_t *s, int64_t tenant, int64_t user_id, gw_device_cb_t cb, void *data)
{
  return (iterate_user_rows(s, tenant, user_id, ROW_DEVICE, sizeof(gw_device_t), (row_cb_t){ .device = cb }, cb != NULL, data));
}


/*
 * 'gwStoreDeviceRevoke()' - Delete a device; false if there is none.
 */

bool
gwStoreDeviceRevoke(gw_store_t *s, int64_t tenant, int64_t id)
{
  if (!s || tenant <= 0 || id <= 0)
    return (false);

  return (s->ops->device_revoke(s->backend, tenant, id));
}


/* ---- Printers ------------------------------------------------------------------- */


/*
 * 'gwStorePrinterAdd()' - Add a printer (names unique per tenant, ignoring case).
 */

bool
gwStorePrinterAdd(gw_store_t *s, int64_t tenant, const char *name, const char *uri, const char *location, const char **error_r)
{
  if (!s || tenant <= 0)
    return (set_error(error_r, "invalid store or tenant"));

  if (!valid_printer_name(name))
    return (set_error(error_r, "printer names are 1 to 63 characters: letters, digits, '.', '_' and '-'"));

  if (!valid_text(uri, 1023, false) || strchr(uri, ' ') || !strstr(uri, "://"))
    return (set_error(error_r, "printer URIs look like ipp://host/path, ipps://host/path or cups://host:port/queue"));

  if (!location)
    location = "";
  if (!valid_text(location, 127, true))
    return (set_error(error_r, "printer locations are at most 127 bytes without control characters"));

  return (s->ops->printer_add(s->backend, tenant, name, uri, location, error_r));
}


/*
 * 'gwStorePrinterUpdate()' - Set a printer's URI and location (checked as
 *                            gwStorePrinterAdd() checks them).
 */

bool
gwStorePrinterUpdate(gw_store_t *s, int64_t tenant, const char *name, const char *uri, const char *location, const char **error_r)
{
  if (!s || tenant <= 0 || !valid_printer_name(name))
    return (set_error(error_r, "no such printer"));

  if (!uri || !valid_text(uri, 1023, false) || strchr(uri, ' ') || !strstr(uri, "://"))
    return (set_error(error_r, "printer URIs look like ipp://host/path, ipps://host/path or cups://host:port/queue"));

  if (!location || !valid_text(location, 127, true))
    return (set_error(error_r, "printer locations are at most 127 bytes without control characters"));

  if (!s->ops->printer_update(s->backend, tenant, name, uri, location))
    return (set_error(error_r, "no such printer"));

  return (true);
}


/*
 * 'gwStorePrinterFind()' - Find a printer by name (case-insensitive).
 */

bool
gwStorePrinterFind(gw_store_t *s, int64_t tenant, const char *name, gw_printer_t *printer)
{
  if (!s || tenant <= 0 || !printer || !valid_printer_name(name))
    return (false);

  return (s->ops->printer_find(s->backend, tenant, name, printer));
}


/*
 * 'gwStorePrinterDelete()' - Delete a printer; false if there is none.
 */

bool
gwStorePrinterDelete(gw_store_t *s, int64_t tenant, const char *name)
{
  if (!s || tenant <= 0 || !valid_printer_name(name))
    return (false);

  return (s->ops->printer_delete(s->backend, tenant, name));
}


/*
 * 'gwStorePrinterIterate()' - Call back for each printer of a tenant, by name.
 */

bool
gwStorePrinterIterate(gw_store_t *s, int64_t tenant, gw_printer_cb_t cb, void *data)
{
  if (!s || tenant <= 0 || !cb)
    return (false);

  return (iterate_pages(s, &tenant, sizeof(gw_printer_t), ROW_PRINTER, (row_cb_t){ .printer = cb }, data, false));
}


/* ---- Jobs ------------------------------------------------------------------------ */


static bool job_create(gw_store_t *s, const gw_job_t *job, const char *actor, const char *source, int max_open, const gw_original_t *original, int *number_r, const char **error_r);


/*
 * 'gwStoreJobCreate()' - Insert a new job (state RECEIVING) and its
 *                        "job.submit" audit row.
 */

bool
gwStoreJobCreate(gw_store_t *s, const gw_job_t *job, const char *actor, const char *source, const char **error_r)
{
  return (gwStoreJobCreateWithin(s, job, actor, source, 0, NULL, error_r));
}


/*
 * 'gwStoreJobCreateWithin()' - The same, unless the user already has
 *                              max_open unfinished jobs (error "too-many").
 */

bool
gwStoreJobCreateWithin(gw_store_t *s, const gw_job_t *job, const char *actor, const char *source, int max_open, int *number_r, const char **error_r)
{
  return (job_create(s, job, actor, source, max_open, NULL, number_r, error_r));
}


/*
 * 'original_valid()' - An original as an upload's end records it.
 */

static bool
original_valid(const gw_original_t *o)
{
  return (o && o->size >= 0 && o->key && o->ring >= -1);
}


/*
 * 'gwStoreJobCreateConverting()' - A job whose document has already arrived:
 *                                  its row (state CONVERTING), its
 *                                  original's size and wrapped key and
 *                                  "job.submit" in one transaction (one
 *                                  commit, one WAL fsync waited for),
 *                                  unless the user already has max_open
 *                                  unfinished jobs (error "too-many").
 */

bool
gwStoreJobCreateConverting(gw_store_t *s, const gw_job_t *job, const char *actor, const char *source, int max_open, const gw_original_t *original, int *number_r, const char **error_r)
{
  if (!original_valid(original))
    return (set_error(error_r, "invalid original size or key"));

  return (job_create(s, job, actor, source, max_open, original, number_r, error_r));
}


/*
 * 'job_create()' - Check and store a new job: receiving, or converting with
 *                  its original when 'key' is given.
 */

static bool
job_create(gw_store_t *s, const gw_job_t *job, const char *actor, const char *source, int max_open, const gw_original_t *original, int *number_r, const char **error_r)
{
  gw_job_t j;

  if (!s || !job || job->tenant <= 0 || job->user_id < 0 || !gwUUIDValid(job->id))
    return (set_error(error_r, "invalid store, tenant, user or job id"));

  /*
   * Work on a copy: fill the defaults and make sure every text field is
   * terminated and within its column's limits.
   */

  j = *job;
  if (!valid_text(j.owner, sizeof(j.owner) - 1, false) ||
      !valid_text(j.origin, sizeof(j.origin) - 1, false) ||
      strnlen(j.name, sizeof(j.name)) >= sizeof(j.name) ||
      strnlen(j.format, sizeof(j.format)) >= sizeof(j.format) ||
      strnlen(j.sides, sizeof(j.sides)) >= sizeof(j.sides) ||
      strnlen(j.color_mode, sizeof(j.color_mode)) >= sizeof(j.color_mode))
    return (set_error(error_r, "invalid job owner, origin, name or format"));

  if (!j.sides[0])
    snprintf(j.sides, sizeof(j.sides), "one-sided");
  if (!j.color_mode[0])
    snprintf(j.color_mode, sizeof(j.color_mode), "auto");
  if (!j.format[0])
    snprintf(j.format, sizeof(j.format), "application/octet-stream");

  if (!gwJobCopiesValid(j.copies) || !gwJobSidesValid(j.sides) || !gwJobColorModeValid(j.color_mode))
    return (set_error(error_r, "copies must be 1 to 999, sides one-sided or two-sided-long/short-edge, colour auto, color or monochrome"));

  if (j.expires < 0 || j.created < 0)
    return (set_error(error_r, "invalid job times"));

  j.state       = original ? GW_JOB_STATE_CONVERTING : GW_JOB_STATE_RECEIVING;
  j.reason      = GW_REASON_NONE;
  j.reason_text[0] = '\0';
  j.print_count = 0;
  j.printer[0]  = '\0';
  if (j.created == 0)
    j.created = time(NULL);
  j.updated = j.created;

  if (!actor || !valid_text(actor, NAME_MAX_LEN, false))
    actor = j.owner;
  if (!source || !valid_text(source, NAME_MAX_LEN, true))
    source = "";

  return (s->ops->job_create(s->backend, &j, actor, source, max_open, original, number_r, error_r));
}


/*
 * 'gwStoreJobSetDocument()' - Record document 1 of a job that is not
 *                             finished (a shredded key never comes back).
 */

bool
gwStoreJobSetDocument(gw_store_t *s, int64_t tenant, const char *job_id, const char *format, int64_t size, int pages, int color_pages, const gw_wrapped_key_t *key)
{
  if (!s || tenant <= 0 || !gwUUIDValid(job_id) || !valid_text(format, 63, false) || size < 0 || pages < 0 || color_pages < -1)
    return (false);

  return (s->ops->job_set_document(s->backend, tenant, job_id, format, size, pages, color_pages, key));
}


/*
 * 'gwStoreJobSetOptions()' - Change a held job's options (checked by the
 *                            caller: job-options.c).
 */

bool
gwStoreJobSetOptions(gw_store_t *s, int64_t tenant, const char *job_id, const gw_job_t *options, const char *actor, const char *source)
{
  if (!s || tenant <= 0 || !gwUUIDValid(job_id) || !options || !valid_text(options->sides, 63, false) || !valid_text(options->color_mode, 63, false) ||
      !valid_text(options->page_ranges, GW_JOB_PAGE_RANGES_MAX, true) || !gwJobCopiesValid(options->copies) || !gwJobNumberUpValid(options->number_up))
    return (false);

  return (s->ops->job_set_options(s->backend, tenant, job_id, options, actor, source));
}


/*
 * 'gwStoreJobSetOriginal()', 'gwStoreJobGetOriginal()',
 * 'gwStoreJobDropOriginal()', 'gwStoreJobUncountOriginals()' - The
 * original's key while its job converts.
 */

bool
gwStoreJobSetOriginal(gw_store_t *s, int64_t tenant, const char *job_id, int64_t size, const gw_wrapped_key_t *key)
{
  if (!s || tenant <= 0 || !gwUUIDValid(job_id) || size < 0 || !key)
    return (false);

  return (s->ops->job_original_set(s->backend, tenant, job_id, size, key));
}

bool
gwStoreJobGetOriginal(gw_store_t *s, int64_t tenant, const char *job_id, bool resume, int64_t *size, gw_wrapped_key_t *key)
{
  if (!s || tenant <= 0 || !gwUUIDValid(job_id) || !size || !key)
    return (false);

  return (s->ops->job_original_get(s->backend, tenant, job_id, resume, size, key));
}

bool
gwStoreJobDropOriginal(gw_store_t *s, int64_t tenant, const char *job_id)
{
  if (!s || tenant <= 0 || !gwUUIDValid(job_id))
    return (false);

  return (s->ops->job_original_drop(s->backend, tenant, job_id));
}

int
gwStoreJobUncountOriginals(gw_store_t *s)
{
  if (!s)
    return (-1);

  return (s->ops->job_originals_uncount(s->backend));
}


/*
 * 'gwStoreJobGet()' - Copy a job (with document 1) out of the store.
 */

bool
gwStoreJobGet(gw_store_t *s, int64_t tenant, const char *job_id, gw_job_t *job)
{
  if (!s || tenant <= 0 || !job || !gwUUIDValid(job_id))
    return (false);

  return (s->ops->job_get(s->backend, tenant, job_id, job));
}


/*
 * 'gwStoreJobGetKey()' - Document 1's wrapped key (false once shredded).
 */

bool
gwStoreJobGetKey(gw_store_t *s, int64_t tenant, const char *job_id, gw_wrapped_key_t *key)
{
  if (!s || tenant <= 0 || !key || !gwUUIDValid(job_id))
    return (false);

  return (s->ops->job_get_key(s->backend, tenant, job_id, key));
}


/*
 * 'gwStoreJobKeyedIds()' - Ids of the jobs whose document 1 has its key.
 */

bool
gwStoreJobKeyedIds(gw_store_t *s, char (**ids_r)[GW_UUID_LEN + 1], size_t *count_r)
{
  if (!s || !ids_r || !count_r)
    return (false);

  *ids_r   = NULL;
  *count_r = 0;

  return (s->ops->job_keyed_ids(s->backend, ids_r, count_r));
}


/*
 * 'gwStoreJobTransition()' - Move a job from 'from' to 'to' in one
 *                            transaction with its audit row.  A move to a
 *                            terminal state also shreds the wrapped key.
 */

bool
gwStoreJobTransition(gw_store_t *s, int64_t tenant, const char *job_id, gw_job_state_t from, gw_job_state_t to, gw_reason_t reason, const char *reason_text, int64_t expires, const char *printer, const char *actor, const char *source, const char *action, const char **error_r)
{
  char default_action[32];

  if (!s || tenant <= 0 || !gwUUIDValid(job_id))
    return (set_error(error_r, "invalid store, tenant or job id"));

  if ((unsigned)from >= GW_JOB_STATE_COUNT || (unsigned)to >= GW_JOB_STATE_COUNT || (unsigned)reason >= GW_REASON_COUNT)
    return (set_error(error_r, "unknown job state or reason"));

  if (!gwJobStateAllowed(from, to))
    return (set_error(error_r, cannot_msgs[from][to]));

  if (!reason_text)
    reason_text = "";
  if (strnlen(reason_text, sizeof(((gw_job_t *)0)->reason_text)) >= sizeof(((gw_job_t *)0)->reason_text))
    return (set_error(error_r, "the reason text is too long"));

  if (printer && *printer && !valid_printer_name(printer))
    return (set_error(error_r, "invalid printer name"));

  if (!actor || !valid_text(actor, NAME_MAX_LEN, false))
    actor = "system";
  if (!source || !valid_text(source, NAME_MAX_LEN, true))
    source = "";
  if (!action || !valid_text(action, sizeof(default_action) - 1, false))
  {
    snprintf(default_action, sizeof(default_action), "job.%s", gwJobStateString(to));
    action = default_action;
  }

  if (expires < -1)
    expires = -1;

  return (s->ops->job_transition(s->backend, tenant, job_id, from, to, reason, reason_text, expires, printer && *printer ? printer : NULL, actor, source, action, NULL, error_r));
}


/*
 * 'gwStoreJobConverting()' - The original is stored: record its size and
 *                            wrapped key and move the job from receiving to
 *                            converting, in one transaction (one commit, one
 *                            WAL fsync waited for).  No audit row: the
 *                            job's "job.submit" row (its creation) and the
 *                            one of its outcome ("job.hold", "job.fail")
 *                            frame it, and a row here would be about a
 *                            quarter of the pages an upload writes to the
 *                            WAL.
 */

bool
gwStoreJobConverting(gw_store_t *s, int64_t tenant, const char *job_id, const gw_original_t *original, const char **error_r)
{
  if (!s || tenant <= 0 || !gwUUIDValid(job_id))
    return (set_error(error_r, "invalid store, tenant or job id"));
  if (!original_valid(original))
    return (set_error(error_r, "invalid original size or key"));

  return (s->ops->job_transition(s->backend, tenant, job_id, GW_JOB_STATE_RECEIVING, GW_JOB_STATE_CONVERTING, GW_REASON_NONE, "", -1, NULL, "system", "", NULL, original, error_r));
}


/*
 * 'gwStoreJobOriginalRing()' - Where the original of a job is: 1 and its
 *                              offset in the intake ring, 0 a spool file
 *                              (or no original), -1 on error.
 */

int
gwStoreJobOriginalRing(gw_store_t *s, int64_t tenant, const char *job_id, int64_t *ring_r)
{
  if (!s || tenant <= 0 || !gwUUIDValid(job_id) || !ring_r)
    return (-1);

  *ring_r = -1;

  return (s->ops->job_original_ring(s->backend, tenant, job_id, ring_r));
}


/*
 * 'gwStoreJobRingIterate()' - Every original in the intake ring that still
 *                             has its key, all tenants (recovery marks
 *                             their blocks used).
 */

bool
gwStoreJobRingIterate(gw_store_t *s, gw_ring_cb_t cb, void *data)
{
  if (!s || !cb)
    return (false);

  return (s->ops->job_ring_iterate(s->backend, cb, data));
}


/*
 * 'gwStoreJobPurge()' - Delete a job and its documents (crypto-shred).
 *                       False if there was no such job.
 */

bool
gwStoreJobPurge(gw_store_t *s, int64_t tenant, const char *job_id)
{
  if (!s || tenant <= 0 || !gwUUIDValid(job_id))
    return (false);

  return (s->ops->job_purge(s->backend, tenant, job_id));
}


/*
 * 'iterate_jobs()' - Page through the jobs a filter selects.
 */

static bool
iterate_jobs(gw_store_t *s, const _gw_job_filter_t *filter, gw_job_cb_t cb, void *data)
{
  return (iterate_pages(s, filter, sizeof(gw_job_t), ROW_JOB, (row_cb_t){ .job = cb }, data, false));
}


/*
 * 'gwStoreJobIterate()' - Jobs of a tenant (and user), oldest first.
 */

bool
gwStoreJobIterate(gw_store_t *s, int64_t tenant, int64_t user_id, unsigned states, gw_job_cb_t cb, void *data)
{
  _gw_job_filter_t filter = { _GW_JOB_QUERY_TENANT, tenant, user_id, states_mask(states), 0 };

  if (!s || tenant <= 0 || user_id < 0 || !cb)
    return (false);

  return (iterate_jobs(s, &filter, cb, data));
}


/*
 * 'gwStoreJobCount()' - Number of jobs of a tenant (and user) in 'states'
 *                       (-1 on error).
 */

int
gwStoreJobCount(gw_store_t *s, int64_t tenant, int64_t user_id, unsigned states)
{
  _gw_job_filter_t filter = { _GW_JOB_QUERY_TENANT, tenant, user_id, states_mask(states), 0 };

  if (!s || tenant <= 0 || user_id < 0)
    return (-1);

  return (s->ops->job_count(s->backend, &filter));
}


/*
 * 'gwStoreJobIterateExpired()' - Jobs of any tenant whose time has come.
 */

bool
gwStoreJobIterateExpired(gw_store_t *s, int64_t now, unsigned states, gw_job_cb_t cb, void *data)
{
  _gw_job_filter_t filter = { _GW_JOB_QUERY_EXPIRED, 0, 0, states_mask(states), now };

  if (!s || !cb)
    return (false);

  return (iterate_jobs(s, &filter, cb, data));
}


/*
 * 'gwStoreJobIterateAll()' - Jobs of any tenant in 'states', oldest first.
 */

bool
gwStoreJobIterateAll(gw_store_t *s, unsigned states, gw_job_cb_t cb, void *data)
{
  _gw_job_filter_t filter = { _GW_JOB_QUERY_ALL, 0, 0, states_mask(states), 0 };

  if (!s || !cb)
    return (false);

  return (iterate_jobs(s, &filter, cb, data));
}


/* ---- Audit -------------------------------------------------------------------------- */


/*
 * 'gwStoreAuditAdd()' - Write an audit row (metadata only).  A zero time
 *                       means now.
 */

bool
gwStoreAuditAdd(gw_store_t *s, int64_t tenant, const gw_audit_t *entry)
{
  gw_audit_t e;

  if (!s || tenant <= 0 || !entry)
    return (false);

  e = *entry;
  if (!valid_text(e.action, sizeof(e.action) - 1, false) ||
      strnlen(e.actor, sizeof(e.actor)) >= sizeof(e.actor) ||
      strnlen(e.subject, sizeof(e.subject)) >= sizeof(e.subject) ||
      strnlen(e.job_id, sizeof(e.job_id)) >= sizeof(e.job_id) ||
      strnlen(e.printer, sizeof(e.printer)) >= sizeof(e.printer) ||
      strnlen(e.source, sizeof(e.source)) >= sizeof(e.source) ||
      strnlen(e.detail, sizeof(e.detail)) >= sizeof(e.detail))
    return (false);

  if (!e.actor[0])
    snprintf(e.actor, sizeof(e.actor), "system");
  if (e.time <= 0)
    e.time = time(NULL);

  return (s->ops->audit_add(s->backend, tenant, &e));
}


/*
 * 'gwStoreAuditIterate()' - Audit rows of a tenant at or after 'since': the
 *                           newest 'limit' of them (0 = all), oldest first.
 */

bool
gwStoreAuditIterate(gw_store_t *s, int64_t tenant, int64_t since, int limit, gw_audit_cb_t cb, void *data)
{
  int64_t q[3] = { tenant, since, limit };

  if (!s || tenant <= 0 || limit < 0 || !cb)
    return (false);

  return (iterate_pages(s, q, sizeof(gw_audit_t), ROW_AUDIT, (row_cb_t){ .audit = cb }, data, false));
}


/* ---- Web sign-in codes, sessions and terminals ------------------------------------ */


/*
 * 'gwStoreSigninSet()' - Keep the one pending sign-in of an address.
 */

bool
gwStoreSigninSet(gw_store_t *s, int64_t tenant, const char *address, const unsigned char code_hmac[32], const unsigned char link_hmac[32], int64_t now, int64_t expires)
{
  char norm[ADDR_MAX_LEN + 1];

  if (!s || tenant <= 0 || !code_hmac || !link_hmac || expires <= now || !norm_address(address, norm))
    return (false);

  return (s->ops->signin_set(s->backend, tenant, norm, code_hmac, link_hmac, now, expires));
}


/*
 * 'gwStoreSigninGet()' - The unexpired code HMAC of an address.
 */

bool
gwStoreSigninGet(gw_store_t *s, int64_t tenant, const char *address, int64_t now, unsigned char code_hmac[32])
{
  char norm[ADDR_MAX_LEN + 1];

  if (!s || tenant <= 0 || !code_hmac || !norm_address(address, norm))
    return (false);

  return (s->ops->signin_get(s->backend, tenant, norm, now, code_hmac));
}


/*
 * 'gwStoreSigninUse()' - Use a pending sign-in up (by code or by link).
 */

bool
gwStoreSigninUse(gw_store_t *s, int64_t tenant, const char *address, const unsigned char hmac[32], int64_t now, char *addr_r, size_t addrsize)
{
  char norm[ADDR_MAX_LEN + 1];

  if (!s || tenant <= 0 || !hmac || (address && !norm_address(address, norm)))
    return (false);

  return (s->ops->signin_use(s->backend, tenant, address ? norm : NULL, hmac, now, addr_r, addrsize));
}


/*
 * 'gwStoreSessionAdd()' - Keep a new session (its id's HMAC only).
 */

bool
gwStoreSessionAdd(gw_store_t *s, int64_t tenant, int64_t user_id, const unsigned char hmac[32], int64_t now, int64_t expires)
{
  if (!s || tenant <= 0 || user_id <= 0 || !hmac || expires <= now)
    return (false);

  return (s->ops->session_add(s->backend, tenant, user_id, hmac, now, expires));
}


/*
 * 'gwStoreSessionGet()' - A live session; its idle clock restarts.
 */

bool
gwStoreSessionGet(gw_store_t *s, int64_t tenant, const unsigned char hmac[32], int64_t now, int64_t idle, int64_t *user_id_r, int64_t *created_r, int64_t *expires_r)
{
  if (!s || tenant <= 0 || !hmac || idle < 1 || !user_id_r)
    return (false);

  return (s->ops->session_get(s->backend, tenant, hmac, now, idle, user_id_r, created_r, expires_r));
}


/*
 * 'gwStoreSessionDelete()' - End one session, or every session of a user.
 */

int
gwStoreSessionDelete(gw_store_t *s, int64_t tenant, const unsigned char hmac[32], int64_t user_id)
{
  if (!s || tenant <= 0 || (!hmac && user_id <= 0))
    return (-1);

  return (s->ops->session_delete(s->backend, tenant, hmac, user_id));
}


/*
 * 'gwStoreTerminalAdd()' - Add a release terminal bound to one printer.
 */

bool
gwStoreTerminalAdd(gw_store_t *s, int64_t tenant, const char *name, const char *printer, const unsigned char hmac[32], int64_t *id_r, const char **error_r)
{
  if (!s || tenant <= 0 || !hmac)
  {
    set_error(error_r, "invalid store or tenant");
    return (false);
  }

  if (!valid_printer_name(name) || !valid_printer_name(printer))
  {
    set_error(error_r, "terminal and printer names are 1 to 63 characters: letters, digits, '.', '_' and '-'");
    return (false);
  }

  return (s->ops->terminal_add(s->backend, tenant, name, printer, hmac, id_r, error_r));
}


/*
 * 'gwStoreTerminalFind()' - A terminal by its key's HMAC.
 */

bool
gwStoreTerminalFind(gw_store_t *s, int64_t tenant, const unsigned char hmac[32], int64_t now, gw_terminal_t *terminal)
{
  if (!s || tenant <= 0 || !hmac || !terminal)
    return (false);

  return (s->ops->terminal_find(s->backend, tenant, hmac, now, terminal));
}


/*
 * 'gwStoreTerminalIterate()' - Every terminal of a tenant, by name (at
 *                              most 1,024: terminals are few).
 */

bool
gwStoreTerminalIterate(gw_store_t *s, int64_t tenant, gw_terminal_cb_t cb, void *data)
{
  gw_terminal_t *rows;
  int            n;

  if (!s || tenant <= 0 || !cb || (rows = calloc(1024, sizeof(gw_terminal_t))) == NULL)
    return (false);

  n = s->ops->terminal_list(s->backend, tenant, rows, 1024);
  for (int i = 0; i < n && (cb)(rows + i, data); i ++);
  free(rows);

  return (n >= 0);
}


/*
 * 'gwStoreTerminalRevoke()' - Delete a terminal (its key stops at once).
 */

bool
gwStoreTerminalRevoke(gw_store_t *s, int64_t tenant, const char *name)
{
  if (!s || tenant <= 0 || !valid_printer_name(name))
    return (false);

  return (s->ops->terminal_revoke(s->backend, tenant, name));
}


/*
 * 'gwStoreTotals()' - Jobs by state, spool bytes and the outbox backlog,
 *                     gateway-wide (for /metrics and the health report).
 */

bool
gwStoreTotals(gw_store_t *s, gw_store_totals_t *totals)
{
  if (!s || !totals)
    return (false);

  memset(totals, 0, sizeof(*totals));

  return (s->ops->totals(s->backend, totals));
}


/*
 * 'gwStoreReport()' - A report's rows (GW_REPORT_MAX_ROWS at most), handed
 *                     to cb with no store lock held.
 */

bool
gwStoreReport(gw_store_t *s, int64_t tenant, const gw_report_query_t *q, gw_report_cb_t cb, void *data)
{
  gw_report_row_t *rows;
  int              n;

  if (!s || tenant <= 0 || !q || !cb || (q->until && q->until <= q->since))
    return (false);

  if ((rows = calloc(GW_REPORT_MAX_ROWS, sizeof(gw_report_row_t))) == NULL)
    return (false);

  n = s->ops->report(s->backend, tenant, q, rows, GW_REPORT_MAX_ROWS);
  for (int i = 0; i < n && (cb)(rows + i, data); i ++);
  free(rows);

  return (n >= 0);
}
