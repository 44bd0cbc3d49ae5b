/*
 * api.c - the public front-end API (api.h): users, addresses, verification
 * tokens, audit and lockouts.  Printers and jobs are in api-jobs.c, devices
 * and authentication in api-auth.c.  Each call checks what its actor may do, makes the change
 * and writes its audit row here, so no front-end writes one itself.
 */

#include "api-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOKEN_PREFIX "token:"


/*
 * '_gwApiActorValid()' - An actor with a tenant, a name and a front-end.
 */

bool
_gwApiActorValid(const gw_actor_t *actor)
{
  return (actor && actor->tenant > 0 && actor->who && actor->who[0] && actor->frontend && actor->frontend[0]);
}


/*
 * '_gwApiAdmin()' - A valid admin actor; else *error_r = "permission denied".
 */

bool
_gwApiAdmin(const gw_actor_t *actor, const char **error_r)
{
  if (_gwApiActorValid(actor) && actor->role == GW_ROLE_ADMIN)
    return (true);

  _gwApiError(error_r, "permission denied");
  return (false);
}


/*
 * '_gwApiAdminPrinter()' - An admin actor and an existing printer (into
 *                          printer); else *error_r = "permission denied"
 *                          or "no such printer".
 */

bool
_gwApiAdminPrinter(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_printer_t *printer, const char **error_r)
{
  if (!sys || !_gwApiAdmin(actor, error_r))
    return (false);
  if (!name || !gwStorePrinterFind(sys->store, actor->tenant, name, printer))
  {
    _gwApiError(error_r, "no such printer");
    return (false);
  }

  return (true);
}


/*
 * '_gwApiError()' - Set *error_r when the caller wants it.
 */

void
_gwApiError(const char **error_r, const char *error)
{
  if (error_r)
    *error_r = error;
}


/*
 * '_gwApiAdminDone()' - The end of an admin's change: when it worked
 *                       ('ok'), audit it and return true; else set the
 *                       error and return false.
 */

bool
_gwApiAdminDone(gw_system_t *sys, const gw_actor_t *actor, bool ok, const char **error_r, const char *error, const char *action, const char *subject, const char *printer, const char *detail)
{
  if (!ok)
  {
    _gwApiError(error_r, error);
    return (false);
  }

  _gwApiAudit(sys, actor, action, subject, NULL, printer, 0, detail);
  return (true);
}


/*
 * '_gwApiAudit()' - The audit row of one API call: actor = who, source =
 *                   "FRONTEND WHERE" (or the front-end alone).
 */

void
_gwApiAudit(gw_system_t *sys, const gw_actor_t *actor, const char *action, const char *subject, const char *job_id, const char *printer, int pages, const char *detail)
{
  char source[64];

  _gwApiSource(actor, source, sizeof(source));
  _gwSystemAudit(sys, actor->tenant, actor->who, action, subject, job_id, printer, pages, source, detail);
}


/*
 * '_gwApiSource()' - "FRONTEND WHERE", the audit row's source.
 */

void
_gwApiSource(const gw_actor_t *actor, char *buf, size_t bufsize)
{
  if (actor->where && actor->where[0])
    snprintf(buf, bufsize, "%s %s", actor->frontend, actor->where);
  else
    snprintf(buf, bufsize, "%s", actor->frontend);
}


/*
 * '_gwApiUserVisible()' - Find a user the actor may change: any for an
 *                         admin, users and guests for helpdesk
 *                         (_gwApiMayChangeUser()), only itself (by name or
 *                         alias) otherwise.
 */

bool
_gwApiUserVisible(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_user_t *user)
{
  if (!sys || !_gwApiActorValid(actor) || !name || !gwStoreUserFind(sys->store, actor->tenant, name, user))
    return (false);

  return (_gwApiMayChangeUser(actor, user));
}


/*
 * '_gwApiUserChange()' - _gwApiUserVisible() with the reason: "permission
 *                        denied" for a user the actor may see but not
 *                        change (an auditor, a helpdesk actor and an
 *                        admin's account), else "no such user".
 */

bool
_gwApiUserChange(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_user_t *user, const char **error_r)
{
  if (_gwApiUserVisible(sys, actor, name, user))
    return (true);

  _gwApiError(error_r, _gwApiUserReadable(sys, actor, name, user) ? "permission denied" : "no such user");
  return (false);
}


/*
 * '_gwApiUserReadable()' - Find a user the actor may see: any for a
 *                          console role (GW_RIGHT_READ), only itself
 *                          otherwise.
 */

bool
_gwApiUserReadable(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_user_t *user)
{
  if (!sys || !_gwApiActorValid(actor) || !name || !gwStoreUserFind(sys->store, actor->tenant, name, user))
    return (false);

  return (gwRoleHas(actor->role, GW_RIGHT_READ) || !strcmp(user->name, actor->who));
}


/* ---- Users ------------------------------------------------------------------ */

/*
 * 'gwApiUserAdd()' - Add a user (admin).
 */

bool
gwApiUserAdd(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *display_name, gw_role_t role, int64_t *id_r, const char **error_r)
{
  int64_t id;

  if (!sys || !_gwApiMay(actor, GW_RIGHT_USERS, error_r))
    return (false);
  if (!name || !name[0] || role < GW_ROLE_USER || role > GW_ROLE_LAST)
  {
    _gwApiError(error_r, "a user name and a role (user, admin, guest, helpdesk or auditor) are needed");
    return (false);
  }
  if (!strncmp(name, GW_API_ERASED_PREFIX, strlen(GW_API_ERASED_PREFIX)))
  {
    _gwApiError(error_r, "names starting with \"" GW_API_ERASED_PREFIX "\" are kept for erased users");
    return (false);
  }
  if (gwRoleIsStaff(role) && !_gwApiMay(actor, GW_RIGHT_SETTINGS, error_r))
    return (false);
  if (!gwStoreUserAdd(sys->store, actor->tenant, name, display_name ? display_name : "", role, "", false, &id, error_r))
    return (false);

  _gwApiAudit(sys, actor, "user.add", name, NULL, NULL, 0, gwRoleString(role));
  if (id_r)
    *id_r = id;

  return (true);
}


/*
 * 'gwApiUserFind()' - Find a user by name or alias (admin, or itself).
 */

bool
gwApiUserFind(gw_system_t *sys, const gw_actor_t *actor, const char *name_or_alias, gw_user_t *user)
{
  return (user && _gwApiUserReadable(sys, actor, name_or_alias, user));
}


typedef struct user_page_s      /* gwApiUserIterate()'s window */
{
  int          skip, left;      /* left < 0 = no limit */
  gw_user_cb_t cb;
  void        *data;
} user_page_t;


/*
 * 'user_page_cb()' - Skip the first 'offset' users, stop after 'limit'.
 */

static bool
user_page_cb(const gw_user_t *user, void *data)
{
  user_page_t *p = (user_page_t *)data;

  if (p->skip > 0)
  {
    p->skip --;
    return (true);
  }
  if (p->left == 0)
    return (false);
  if (p->left > 0)
    p->left --;

  return ((p->cb)(user, p->data));
}


/*
 * 'gwApiUserIterate()' - Users oldest first, a window of them (admin).
 */

bool
gwApiUserIterate(gw_system_t *sys, const gw_actor_t *actor, int offset, int limit, gw_user_cb_t cb, void *data)
{
  user_page_t p = { offset > 0 ? offset : 0, limit > 0 ? limit : -1, cb, data };

  if (!sys || !cb || !_gwApiMay(actor, GW_RIGHT_READ, NULL))
    return (false);

  return (gwStoreUserIterate(sys->store, actor->tenant, user_page_cb, &p));
}


/*
 * 'gwApiUserCount()' - Number of users (admin); -1 when refused.
 */

int
gwApiUserCount(gw_system_t *sys, const gw_actor_t *actor)
{
  if (!sys || !_gwApiMay(actor, GW_RIGHT_READ, NULL))
    return (-1);

  return (gwStoreUserCount(sys->store, actor->tenant));
}


/*
 * 'gwApiUserSetPassword()' - Set a password, or a generated one-time one.
 */

bool
gwApiUserSetPassword(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *password, char *generated, size_t generatedsize, const char **error_r)
{
  gw_user_t user;
  char      hash[GW_PASSWORD_HASH_MAX];
  size_t    len = password ? strnlen(password, 257) : 0;
  bool      ok;

  if (!_gwApiUserChange(sys, actor, name, &user, error_r))
    return (false);
  if (password && (len < 8 || len > 256))
  {
    _gwApiError(error_r, "a password has 8 to 256 characters");
    return (false);
  }
  if (!password && (!generated || generatedsize < 16 || !gwPasswordGenerate(generated, generatedsize)))
  {
    _gwApiError(error_r, "unable to make a password");
    return (false);
  }

  ok = gwPasswordHash(password ? password : generated, hash, sizeof(hash)) &&
       gwStoreUserSetPassword(sys->store, actor->tenant, user.id, hash, password == NULL);
  gwWipe(hash, sizeof(hash));
  if (!ok)
  {
    if (generated)
      gwWipe(generated, generatedsize);
    _gwApiError(error_r, "unable to set the password");
    return (false);
  }

  _gwApiAuthCacheDrop(actor->tenant, user.id);
  _gwApiAudit(sys, actor, "user.password", user.name, NULL, NULL, 0, password ? "set" : "one-time");
  return (true);
}


/*
 * 'user_name_add()' - Give a visible user another name or address
 *                     ('value', by the store's 'add') and audit it as
 *                     'action' with 'detail'.
 */

static bool
user_name_add(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *value,
              bool (*add)(gw_store_t *s, int64_t tenant, int64_t user_id, const char *value, const char **error_r),
              const char *needed, const char *action, const char *detail, const char **error_r)
{
  gw_user_t user;

  if (!value)
  {
    _gwApiError(error_r, needed);
    return (false);
  }
  if (!_gwApiUserChange(sys, actor, name, &user, error_r))
    return (false);
  if (!(add)(sys->store, actor->tenant, user.id, value, error_r))
    return (false);

  _gwApiAudit(sys, actor, action, user.name, NULL, NULL, 0, detail);
  return (true);
}


/*
 * 'gwApiAliasAdd()' - Give a user another name (admin).
 */

bool
gwApiAliasAdd(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *alias, const char **error_r)
{
  if (!_gwApiMay(actor, GW_RIGHT_USERS, error_r))
    return (false);

  return (user_name_add(sys, actor, name, alias, gwStoreAliasAdd, "an alias is needed", "alias.add", "", error_r));
}


/* ---- Addresses and tokens ------------------------------------------------------ */

/*
 * 'gwApiAddressAdd()' - Add a pending address (admin, or the user itself).
 */

bool
gwApiAddressAdd(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *address, const char **error_r)
{
  return (user_name_add(sys, actor, name, address, gwStoreAddressAdd, "an address is needed", "address.add", "pending", error_r));
}


/*
 * 'gwApiAddressFind()' - Find an address (admin, or its owner).
 */

bool
gwApiAddressFind(gw_system_t *sys, const gw_actor_t *actor, const char *address, gw_address_t *addr)
{
  if (!sys || !_gwApiActorValid(actor) || !address || !addr || !gwStoreAddressFind(sys->store, actor->tenant, address, addr))
    return (false);

  return (gwRoleHas(actor->role, GW_RIGHT_READ) || !strcmp(addr->user_name, actor->who));
}


/*
 * '_gwApiListScope()' - Whose rows a listing shows: *user_id_r = the named
 *                       user's id (admin, or the user itself), 0 for all
 *                       (admin, no name); a non-admin without a name gets
 *                       its own.  false = refused or no such user.
 */

bool
_gwApiListScope(gw_system_t *sys, const gw_actor_t *actor, const char *name, bool cb_set, int64_t *user_id_r)
{
  gw_user_t user;

  if (!sys || !cb_set || !_gwApiActorValid(actor))
    return (false);
  if (!name && !gwRoleHas(actor->role, GW_RIGHT_READ))
    name = actor->who;

  memset(&user, 0, sizeof(user));
  if (name && !_gwApiUserReadable(sys, actor, name, &user))
    return (false);

  *user_id_r = user.id;
  return (true);
}


/*
 * 'gwApiAddressIterate()' - A user's addresses, or all (admin).
 */

bool
gwApiAddressIterate(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_address_cb_t cb, void *data)
{
  int64_t user_id;

  return (_gwApiListScope(sys, actor, name, cb != NULL, &user_id) && gwStoreAddressIterate(sys->store, actor->tenant, user_id, cb, data));
}


/*
 * 'quarantined_cb()' - Collect a user's quarantined mail jobs (64 a round).
 */

typedef struct quarantined_s
{
  char ids[64][GW_UUID_LEN + 1];
  int  count;
} quarantined_t;

static bool
quarantined_cb(const gw_job_t *job, void *data)
{
  quarantined_t *q = (quarantined_t *)data;

  if (!strcmp(job->origin, "mail") && job->state == GW_JOB_STATE_QUARANTINED)
    snprintf(q->ids[q->count ++], sizeof(q->ids[0]), "%s", job->id);

  return (q->count < 64);
}


/*
 * '_gwApiReleaseQuarantine()' - An address of the user was verified: the user's
 *                          quarantined mail jobs (held back because the
 *                          sender was not proven) become held.
 */

void
_gwApiReleaseQuarantine(gw_system_t *sys, const gw_actor_t *actor, int64_t user_id)
{
  quarantined_t *q = calloc(1, sizeof(quarantined_t));
  int            released = 1;

  for (int round = 0; q && released > 0 && round < 1000; round ++)
  {
    q->count = 0;
    released = 0;
    if (!gwStoreJobIterate(sys->store, actor->tenant, user_id, 1u << GW_JOB_STATE_QUARANTINED, quarantined_cb, q))
      break;
    for (int i = 0; i < q->count; i ++)
      released += gwSystemJobUnquarantine(sys, actor->tenant, q->ids[i], actor->who, "address.verify", NULL);
  }
  free(q);
}


/*
 * 'gwApiAddressSetState()' - Verify, revoke or reset an address (admin).
 */

bool
gwApiAddressSetState(gw_system_t *sys, const gw_actor_t *actor, const char *address, gw_address_state_t state, const char **error_r)
{
  static const char * const actions[] = { "address.pending", "address.verify", "address.revoke" };
  gw_address_t addr;
  gw_user_t    owner;

  if (!sys || !_gwApiMay(actor, GW_RIGHT_USERS, error_r))
    return (false);
  if (state < GW_ADDRESS_PENDING || state > GW_ADDRESS_REVOKED)
  {
    _gwApiError(error_r, "no such address state");
    return (false);
  }
  if (!address || !gwStoreAddressFind(sys->store, actor->tenant, address, &addr) ||
      !_gwApiUserVisible(sys, actor, addr.user_name, &owner))
  {
    _gwApiError(error_r, "no such address");
    return (false);
  }
  if (!gwStoreAddressSetState(sys->store, actor->tenant, address, state, actor->who, error_r))
    return (false);

  _gwApiAudit(sys, actor, actions[state], addr.user_name, NULL, NULL, 0, "");
  if (state == GW_ADDRESS_VERIFIED)
  {
    _gwApiReleaseQuarantine(sys, actor, addr.user_id);
    _gwApiMailGuestActivate(sys, actor, &addr);
  }
  return (true);
}


/*
 * 'token_hash()' - HMAC of "token:" + a token with the pepper, so a token
 *                  never matches a PIN or a card.
 */

static bool
token_hash(gw_system_t *sys, const char *token, unsigned char hmac[GW_HMAC_LEN])
{
  char buf[sizeof(TOKEN_PREFIX) + GW_API_TOKEN_LEN];
  bool ok;

  if (!token || strnlen(token, GW_API_TOKEN_LEN + 1) != GW_API_TOKEN_LEN)
    return (false);

  snprintf(buf, sizeof(buf), TOKEN_PREFIX "%s", token);
  ok = gwHmacSha256(gwKeysGet(sys->keys, GW_KEY_PIN_PEPPER), GW_KEY_LEN, buf, strlen(buf), hmac);
  gwWipe(buf, sizeof(buf));

  return (ok);
}


/*
 * 'gwApiTokenCreate()' - A single-use verification token for an address.
 */

bool
gwApiTokenCreate(gw_system_t *sys, const gw_actor_t *actor, const char *address, int64_t ttl, char *token, size_t tokensize, int64_t *expires_r, const char **error_r)
{
  static const char hex[] = "0123456789abcdef";
  gw_address_t  addr;
  gw_user_t     owner;
  unsigned char raw[GW_API_TOKEN_LEN / 2], hmac[GW_HMAC_LEN];
  int64_t       expires = (int64_t)time(NULL) + ttl;
  bool          ok;

  if (!gwApiAddressFind(sys, actor, address, &addr) || !_gwApiUserVisible(sys, actor, addr.user_name, &owner))
  {
    _gwApiError(error_r, "no such address");
    return (false);
  }
  if (ttl < 1 || ttl > GW_API_TOKEN_TTL_MAX || !token || tokensize <= GW_API_TOKEN_LEN)
  {
    _gwApiError(error_r, "a token lives 1 second to 7 days");
    return (false);
  }
  if (addr.state == GW_ADDRESS_REVOKED)
  {
    _gwApiError(error_r, "the address is revoked");
    return (false);
  }
  if (!gwRandomBytes(raw, sizeof(raw)))
  {
    _gwApiError(error_r, "unable to make a token");
    return (false);
  }

  for (size_t i = 0; i < sizeof(raw); i ++)
  {
    token[2 * i]     = hex[raw[i] >> 4];
    token[2 * i + 1] = hex[raw[i] & 15];
  }
  token[GW_API_TOKEN_LEN] = '\0';
  gwWipe(raw, sizeof(raw));

  ok = token_hash(sys, token, hmac) && gwStoreTokenAdd(sys->store, actor->tenant, addr.address, hmac, expires, error_r);
  gwWipe(hmac, sizeof(hmac));
  if (!ok)
  {
    gwWipe(token, tokensize);
    return (false);
  }

  _gwApiAudit(sys, actor, "token.create", addr.user_name, NULL, NULL, 0, "");
  if (expires_r)
    *expires_r = expires;

  return (true);
}


/*
 * 'gwApiTokenConfirm()' - Use up a token: its address becomes verified.
 */

bool
gwApiTokenConfirm(gw_system_t *sys, const gw_actor_t *actor, const char *token, gw_address_t *addr, const char **error_r)
{
  unsigned char hmac[GW_HMAC_LEN];
  gw_address_t  a;
  bool          ok;

  if (!sys || !_gwApiActorValid(actor))
  {
    _gwApiError(error_r, "invalid actor");
    return (false);
  }

  ok = token_hash(sys, token, hmac) && gwStoreTokenUse(sys->store, actor->tenant, hmac, time(NULL), &a);
  gwWipe(hmac, sizeof(hmac));
  if (!ok)
  {
    _gwApiError(error_r, "the link or code is wrong, used or expired");
    return (false);
  }

  _gwApiAudit(sys, actor, "address.verify", a.user_name, NULL, NULL, 0, "token");
  _gwApiReleaseQuarantine(sys, actor, a.user_id);
  _gwApiMailGuestActivate(sys, actor, &a);
  if (addr)
    *addr = a;

  return (true);
}


/* ---- Audit and lockouts ------------------------------------------------------------ */

/*
 * 'gwApiAuditAdd()' - A front-end's own audit row.
 */

bool
gwApiAuditAdd(gw_system_t *sys, const gw_actor_t *actor, const char *action, const char *subject, const char *job_id, const char *printer, int pages, const char *detail)
{
  if (!sys || !_gwApiActorValid(actor) || !action || !action[0])
    return (false);

  _gwApiAudit(sys, actor, action, subject, job_id, printer, pages, detail);
  return (true);
}


/*
 * 'gwApiAuditIterate()' - Audit rows (admin).
 */

bool
gwApiAuditIterate(gw_system_t *sys, const gw_actor_t *actor, int64_t since, int limit, gw_audit_cb_t cb, void *data)
{
  if (!sys || !cb || !_gwApiMay(actor, GW_RIGHT_AUDIT, NULL))
    return (false);

  return (gwStoreAuditIterate(sys->store, actor->tenant, since, limit, cb, data));
}


/*
 * 'gwApiLockoutIterate()' - Counted lockout keys (admin).
 */

bool
gwApiLockoutIterate(gw_system_t *sys, const gw_actor_t *actor, gw_lockout_cb_t cb, void *data)
{
  if (!sys || !cb || !_gwApiMay(actor, GW_RIGHT_AUDIT, NULL))
    return (false);

  return (gwStoreLockoutIterate(sys->store, actor->tenant, cb, data));
}


/*
 * 'gwApiLockoutClear()' - Clear one key's lockout, or all (admin).
 */

bool
gwApiLockoutClear(gw_system_t *sys, const gw_actor_t *actor, const char *key, const char **error_r)
{
  if (!sys || !_gwApiAdmin(actor, error_r))
    return (false);

  return (_gwApiAdminDone(sys, actor, gwStoreLockoutClear(sys->store, actor->tenant, key), error_r, "unable to clear the lockout",
                          "lockout.clear", "", "", key ? key : "all"));
}


/*
 * 'gwApiPlainPort()' - The plain-HTTP (ipp://) listener's port, 0 = none.
 */

int
gwApiPlainPort(gw_system_t *sys)
{
  return (sys && sys->plain_listener ? gwListenerGetPort(sys->plain_listener) : 0);
}


/*
 * 'gwApiHttpsPort()' - The HTTPS listener's port, 0 = none.
 */

int
gwApiHttpsPort(gw_system_t *sys)
{
  return (sys && sys->listener ? gwListenerGetPort(sys->listener) : 0);
}


/*
 * 'gwApiFormatSupported()' - Whether documents of a MIME type are converted
 *                            (the mail front-end asks before it submits an
 *                            HTML body as a page).
 */

bool
gwApiFormatSupported(gw_system_t *sys, const char *mime_type)
{
  if (!sys || !mime_type)
    return (false);
  if (!strcmp(mime_type, "application/pdf") || !strcmp(mime_type, "text/plain"))
    return (true);
  if (!strcmp(mime_type, "text/html") || !strcmp(mime_type, "text/csv"))
    return (sys->office != NULL);

  return (false);
}
