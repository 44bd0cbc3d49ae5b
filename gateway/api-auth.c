/*
 * api-auth.c - the public front-end API (api.h): devices and
 * authentication (password, device password, device token) with the
 * lockout counters of the store, and the cache of successful password
 * checks.
 *
 * A device's token and password are random and high-entropy, so the store
 * keeps only HMAC-SHA256 of them with the device key (GW_KEY_DEVICE,
 * docs/keys.md); a user's password is Argon2id (~0.4 s a check here), so a
 * successful check is remembered for AUTH_CACHE_TTL seconds, keyed by an
 * HMAC of the name and password with a per-process random key, and only
 * trusted while the user's stored hash is the one it was checked against
 * and the user is not disabled.  A hit in the last AUTH_CACHE_REFRESH
 * seconds of an entry's life gives it AUTH_CACHE_TTL more, up to its
 * maximum age (AUTH_CACHE_MAX_AGE less a random part of up to a quarter),
 * so the entries of users who keep printing do not all expire at once
 * under load (each expiry costs one Argon2id run, ~0.4 s of a core).
 *
 * Lockout: a password attempt counts under "login:USER@CLIENT" (an unknown
 * user name under "login:?@CLIENT", so a password typed into the name
 * field is never stored), a token attempt under "device:CLIENT".  Every
 * attempt is counted in the store's transaction before the password is
 * checked (gwStoreCredentialAttempt() with GW_CREDENTIAL_DEVICE_PASSWORD,
 * which also looks up the user's device passwords, or
 * GW_CREDENTIAL_NONE); a right password then takes its own failure back
 * (gwStoreLockoutRefund()).  So parallel attempts never get more than the
 * limit to a password check, and a valid login forgives nobody else's
 * failures.  A password the cache remembers as right skips the reservation
 * and its refund (GW_CREDENTIAL_VERIFIED: the lock is read, nothing is
 * written): a phone sends one Basic header per request, and the two
 * writes were most of a cached login's cost.
 */

#include "api-private.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define AUTH_CACHE_SIZE    256  /* Remembered password checks */
#define AUTH_CACHE_TTL     60   /* Seconds one is trusted after its check or refresh */
#define AUTH_CACHE_REFRESH 20   /* A hit this close to expiry refreshes it */
#define AUTH_CACHE_MAX_AGE 900  /* Seconds after the Argon2id check at most (less up to 1/4, random) */

#define AUTH_FLIGHTS       16   /* Argon2id checks shared at once (more run alone) */

typedef struct auth_flight_s    /* One Argon2id check others may wait for */
{
  unsigned char mac[GW_HMAC_LEN];       /* As in auth_entry_t */
  unsigned char hash_mac[GW_HMAC_LEN];
  int64_t       tenant, user_id;
  bool          running;                /* Argon2id under way */
  bool          result;                 /* Its answer, once !running */
  int           waiters;                /* Threads waiting for it (the slot is kept while > 0) */
} auth_flight_t;

typedef struct auth_entry_s     /* One remembered password check */
{
  unsigned char mac[GW_HMAC_LEN];       /* HMAC(cache key, tenant, name, password) */
  unsigned char hash_mac[GW_HMAC_LEN];  /* HMAC(cache key, the stored Argon2id string) */
  int64_t       tenant, user_id;
  int64_t       expires;                /* 0 = free slot */
  int64_t       until;                  /* Refreshes end here (checked + max age - jitter) */
} auth_entry_t;

static struct                   /* The process's cache */
{
  pthread_mutex_t lock;
  bool            keyed;                /* key made */
  unsigned char   key[GW_KEY_LEN];      /* Per-process random key */
  auth_entry_t    entries[AUTH_CACHE_SIZE];
  auth_flight_t   flights[AUTH_FLIGHTS];
  pthread_cond_t  landed;               /* A flight ended */
  unsigned long   argon2, hits, shared; /* Counters (tests) */
  int64_t         shift;                /* Seconds added to the clock (tests) */
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER, .landed = PTHREAD_COND_INITIALIZER };

typedef enum auth_outcome_e     /* What an attempt came to */
{
  AUTH_OK,                      /* A right credential */
  AUTH_WRONG,                   /* Wrong (counted) */
  AUTH_LOCKED,                  /* Refused: a key is locked (not counted) */
  AUTH_ERROR,                   /* Store error (refused, nothing counted) */
  AUTH_UNCACHED                 /* Cache only: not a password the cache knows (nothing counted) */
} auth_outcome_t;


/*
 * 'device_hmac()' - HMAC-SHA256 with the device key of "KIND:OWNER:SECRET"
 *                   (owner 0 for tokens, which name their owner).
 */

static bool
device_hmac(gw_system_t *sys, const char *kind, int64_t owner, const char *secret, unsigned char hmac[GW_HMAC_LEN])
{
  char buf[320];
  int  len;
  bool ok;

  if (!secret || strnlen(secret, 257) > 256)
    return (false);

  len = snprintf(buf, sizeof(buf), "%s:%lld:%s", kind, (long long)owner, secret);
  ok  = len > 0 && (size_t)len < sizeof(buf) && gwHmacSha256(gwKeysGet(sys->keys, GW_KEY_DEVICE), GW_KEY_LEN, buf, (size_t)len, hmac);
  gwWipe(buf, sizeof(buf));

  return (ok);
}


/*
 * 'cache_mac()' - The cache's HMAC of some bytes (lock held; makes the key).
 */

static bool
cache_mac(const void *data, size_t len, unsigned char mac[GW_HMAC_LEN])
{
  if (!cache.keyed && !(cache.keyed = gwRandomBytes(cache.key, sizeof(cache.key))))
    return (false);

  return (gwHmacSha256(cache.key, sizeof(cache.key), data, len, mac));
}


/*
 * 'cache_keys()' - The cache's HMACs of (tenant, name, password) and of the
 *                  stored hash (false when they cannot be made).
 */

static bool
cache_keys(const gw_user_t *u, const char *password, const char *hash, unsigned char mac[GW_HMAC_LEN], unsigned char hash_mac[GW_HMAC_LEN])
{
  char buf[400];
  int  len = snprintf(buf, sizeof(buf), "%lld:%s", (long long)u->tenant, u->name);
  bool ok;

  memset(mac, 0, GW_HMAC_LEN);
  memset(hash_mac, 0, GW_HMAC_LEN);
  pthread_mutex_lock(&cache.lock);
  ok = len > 0 && (size_t)len + 1 + strlen(password) < sizeof(buf);
  if (ok)
  {
    memcpy(buf + len + 1, password, strlen(password));   /* "TENANT:NAME\0PASSWORD" */
    ok = cache_mac(buf, (size_t)len + 1 + strlen(password), mac) && cache_mac(hash, strlen(hash), hash_mac);
  }
  pthread_mutex_unlock(&cache.lock);
  gwWipe(buf, sizeof(buf));

  return (ok);
}


/*
 * 'cache_hit_locked()' - Is (user, mac) a check remembered against the
 *                        user's current hash (hash_mac)?  A hit near its
 *                        expiry is refreshed.  The lock is held.
 */

static bool
cache_hit_locked(const gw_user_t *u, const unsigned char mac[GW_HMAC_LEN], const unsigned char hash_mac[GW_HMAC_LEN])
{
  int64_t now = (int64_t)time(NULL) + cache.shift;

  for (int i = 0; i < AUTH_CACHE_SIZE; i ++)
  {
    auth_entry_t *e = cache.entries + i;

    if (e->expires > now && e->tenant == u->tenant && e->user_id == u->id &&
        gwConstantTimeEqual(e->mac, mac, GW_HMAC_LEN) && gwConstantTimeEqual(e->hash_mac, hash_mac, GW_HMAC_LEN))
    {
      if (e->expires - now <= AUTH_CACHE_REFRESH)
        e->expires = now + AUTH_CACHE_TTL < e->until ? now + AUTH_CACHE_TTL : e->until;
      return (true);
    }
  }

  return (false);
}


/*
 * 'cache_add()' - Remember a right password check (in a free, expired or
 *                 the oldest slot).
 */

static void
cache_add(const gw_user_t *u, const unsigned char mac[GW_HMAC_LEN], const unsigned char hash_mac[GW_HMAC_LEN])
{
  auth_entry_t *slot = cache.entries;
  int64_t       now;
  uint16_t      jitter = 0;

  if (!gwRandomBytes(&jitter, sizeof(jitter)))
    jitter = 0;
  pthread_mutex_lock(&cache.lock);
  now = (int64_t)time(NULL) + cache.shift;
  for (int i = 0; i < AUTH_CACHE_SIZE; i ++)
  {
    if (cache.entries[i].expires < slot->expires)
      slot = cache.entries + i;
  }
  memcpy(slot->mac, mac, GW_HMAC_LEN);
  memcpy(slot->hash_mac, hash_mac, GW_HMAC_LEN);
  slot->tenant  = u->tenant;
  slot->user_id = u->id;
  slot->expires = now + AUTH_CACHE_TTL;
  slot->until   = now + AUTH_CACHE_MAX_AGE - jitter % (AUTH_CACHE_MAX_AGE / 4 + 1);
  pthread_mutex_unlock(&cache.lock);
}


/*
 * '_gwApiAuthCacheDrop()' - Forget a user's remembered password checks
 *                           (its password changed).
 */

void
_gwApiAuthCacheDrop(int64_t tenant, int64_t user_id)
{
  pthread_mutex_lock(&cache.lock);
  for (int i = 0; i < AUTH_CACHE_SIZE; i ++)
  {
    if (cache.entries[i].tenant == tenant && cache.entries[i].user_id == user_id)
      memset(cache.entries + i, 0, sizeof(auth_entry_t));
  }
  pthread_mutex_unlock(&cache.lock);
}


/*
 * '_gwApiAuthCacheShift()' - Move the cache's clock forward (tests only).
 */

void
_gwApiAuthCacheShift(int64_t seconds)
{
  pthread_mutex_lock(&cache.lock);
  cache.shift += seconds;
  pthread_mutex_unlock(&cache.lock);
}


/*
 * '_gwApiAuthCounters()' - Argon2id checks run and cache hits so far (tests).
 */

void
_gwApiAuthCounters(unsigned long *argon2_r, unsigned long *hits_r)
{
  pthread_mutex_lock(&cache.lock);
  *argon2_r = cache.argon2;
  *hits_r   = cache.hits;
  pthread_mutex_unlock(&cache.lock);
}


/*
 * '_gwApiAuthShared()' - Checks answered by another thread's Argon2id run
 *                        so far (tests).
 */

unsigned long
_gwApiAuthShared(void)
{
  unsigned long n;

  pthread_mutex_lock(&cache.lock);
  n = cache.shared;
  pthread_mutex_unlock(&cache.lock);

  return (n);
}


/*
 * 'flight_leave()' - A thread is done with a flight: the last one out of a
 *                    flight that has landed clears it.  The lock is held.
 */

static void
flight_leave(auth_flight_t *f)
{
  if (f->running || f->waiters > 0)
    return;

  gwWipe(f->mac, sizeof(f->mac));
  gwWipe(f->hash_mac, sizeof(f->hash_mac));
  f->tenant = f->user_id = 0;
}


/*
 * 'password_right()' - Is this the user's password?  The cache, else
 *                      Argon2id, remembered when right.  Argon2id runs once
 *                      for all the threads that ask about the same user,
 *                      password and stored hash at the same time (eight
 *                      clients of one account signing in at once cost one
 *                      run, ~0.4 s of a core, not eight): the first runs
 *                      it, the others wait for its answer.  Every attempt
 *                      is still counted by the caller (auth_attempt()).
 *                      With cached_only, only the cache is asked (false on
 *                      a miss, and no Argon2id).
 */

static bool
password_right(gw_system_t *sys, const gw_user_t *u, const char *password, bool cached_only)
{
  char           hash[GW_PASSWORD_HASH_MAX];
  unsigned char  mac[GW_HMAC_LEN], hash_mac[GW_HMAC_LEN];
  auth_flight_t *f = NULL, *mine = NULL;
  bool           ok = false;

  if (u->disabled || !gwStoreUserGetPasswordHash(sys->store, u->tenant, u->id, hash, sizeof(hash)) || !hash[0])
  {
    gwWipe(hash, sizeof(hash));
    return (false);
  }

  if (!cache_keys(u, password, hash, mac, hash_mac))
  {
    /* A password too long for the cache's key: checked alone, not remembered. */
    if (cached_only)
    {
      gwWipe(hash, sizeof(hash));
      return (false);
    }

    pthread_mutex_lock(&cache.lock);
    cache.argon2 ++;
    pthread_mutex_unlock(&cache.lock);
    ok = gwPasswordVerify(hash, password);
    gwWipe(hash, sizeof(hash));
    return (ok);
  }

  /* A hit, a check under way to wait for, or a flight of our own. */
  pthread_mutex_lock(&cache.lock);
  if (cache_hit_locked(u, mac, hash_mac))
  {
    cache.hits ++;
    ok = true;
  }
  else if (!cached_only)                /* A miss asked cache-only stays false */
  {
    for (int i = 0; i < AUTH_FLIGHTS && !f; i ++)
    {
      auth_flight_t *g = cache.flights + i;

      if (g->running && g->tenant == u->tenant && g->user_id == u->id &&
          gwConstantTimeEqual(g->mac, mac, GW_HMAC_LEN) && gwConstantTimeEqual(g->hash_mac, hash_mac, GW_HMAC_LEN))
        f = g;
      else if (!g->running && g->waiters == 0 && !mine)
        mine = g;
    }

    if (f)
    {
      f->waiters ++;
      while (f->running)
        pthread_cond_wait(&cache.landed, &cache.lock);
      ok = f->result;
      f->waiters --;
      cache.shared ++;
      flight_leave(f);
    }
    else
    {
      if (mine)                         /* Else (all slots busy) it runs alone */
      {
        memcpy(mine->mac, mac, GW_HMAC_LEN);
        memcpy(mine->hash_mac, hash_mac, GW_HMAC_LEN);
        mine->tenant  = u->tenant;
        mine->user_id = u->id;
        mine->running = true;
      }
      cache.argon2 ++;
    }
  }
  pthread_mutex_unlock(&cache.lock);

  if (!ok && !f && !cached_only)
  {
    /* Remembered before the waiters wake: who comes later hits the cache. */
    if ((ok = gwPasswordVerify(hash, password)) == true)
      cache_add(u, mac, hash_mac);

    if (mine)
    {
      pthread_mutex_lock(&cache.lock);
      mine->result  = ok;
      mine->running = false;
      flight_leave(mine);
      pthread_cond_broadcast(&cache.landed);
      pthread_mutex_unlock(&cache.lock);
    }
  }

  gwWipe(hash, sizeof(hash));
  gwWipe(mac, sizeof(mac));
  gwWipe(hash_mac, sizeof(hash_mac));

  return (ok);
}


/*
 * 'auth_attempt()' - One counted attempt under one lockout key: the store
 *                    looks 'kind' up (or reserves a failure), and with
 *                    'user' set a miss is then checked against the user's
 *                    password (a right one takes its failure back).
 *                    *user_id_r gets the matching user.
 */

static auth_outcome_t
auth_attempt(gw_system_t *sys, const gw_actor_t *actor, const char *key, gw_credential_t kind, const unsigned char hmac[GW_HMAC_LEN], const gw_user_t *user, const char *password, bool cached_only, int64_t *user_id_r, bool *locks_r)
{
  gw_config_t      c;
  gw_lockout_key_t k;
  int64_t          id, until = 0;
  int              which = -1;

  _gwSystemConfigCopy(sys, &c);
  k.key          = key;
  k.max_failures = c.pin_max_failures;
  k.failures     = 0;
  *locks_r       = false;

  /*
   * A password the cache remembers as right (Argon2id found it right for
   * the same stored hash moments ago): nothing to reserve or take back, so
   * the store only reads the lock and writes nothing.  A lock still
   * refuses it; a miss goes the counted way below (or, asked for the
   * cache only, nowhere: nothing is counted).
   */

  if (user && password_right(sys, user, password, true))
  {
    if (gwStoreCredentialAttempt(sys->store, actor->tenant, GW_CREDENTIAL_VERIFIED, hmac, &k, 1, (int64_t)time(NULL), c.pin_lockout, &until, &which) < 0)
      return (AUTH_ERROR);
    if (until > 0)
      return (AUTH_LOCKED);
    *user_id_r = user->id;
    return (AUTH_OK);
  }
  if (cached_only)
    return (AUTH_UNCACHED);

  if ((id = gwStoreCredentialAttempt(sys->store, actor->tenant, kind, hmac, &k, 1, (int64_t)time(NULL), c.pin_lockout, &until, &which)) < 0)
    return (AUTH_ERROR);
  if (until > 0)
    return (AUTH_LOCKED);
  if (id > 0)
  {
    *user_id_r = id;
    return (AUTH_OK);
  }

  /* Counted: now (and only now) the slow password check. */
  if (user && password_right(sys, user, password, false))
  {
    if (!gwStoreLockoutRefund(sys->store, actor->tenant, &k, 1))
      gwLog(sys->log, GW_LOG_ERROR, "Login of %s: a right password's reserved failure could not be taken back.", user->name);
    *user_id_r = user->id;
    return (AUTH_OK);
  }

  *locks_r = k.failures >= k.max_failures;
  return (AUTH_WRONG);
}


/*
 * 'auth_refused()' - The error and audit row of a refused attempt.
 */

static bool
auth_refused(gw_system_t *sys, const gw_actor_t *actor, auth_outcome_t outcome, const char *subject, const char *detail, bool locks, const char *wrong, const char **error_r)
{
  char d[64];

  if (outcome == AUTH_LOCKED)
    _gwApiError(error_r, "too many wrong attempts: try again later");
  else if (outcome == AUTH_ERROR)
    _gwApiError(error_r, "unable to check the credentials now: try again later");
  else
  {
    snprintf(d, sizeof(d), "%s%s", detail, locks ? " locked" : "");
    _gwApiAudit(sys, actor, "login.fail", subject, NULL, NULL, 0, d);
    _gwApiError(error_r, wrong);
  }

  return (false);
}


/*
 * 'auth_where_valid()' - Does the actor say which client asks (the lockout key)?
 */

static bool
auth_where_valid(gw_system_t *sys, const gw_actor_t *actor)
{
  return (sys && _gwApiActorValid(actor) && actor->where && actor->where[0] && strlen(actor->where) <= GW_LOCKOUT_KEY_MAX_LEN - 80);
}


/*
 * 'auth_login()' - A password (and, when devices is true, a device
 *                  password) for a user name: 1 right, 0 refused.  With
 *                  cached_only, -1 (nothing counted) unless the cache
 *                  remembers it as the user's password.
 */

static int
auth_login(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *password, bool devices, bool cached_only, gw_user_t *user, gw_device_t *device, const char **error_r)
{
  char           key[GW_LOCKOUT_KEY_MAX_LEN + 1];
  unsigned char  hmac[GW_HMAC_LEN];
  gw_user_t      u;
  gw_device_t    d;
  bool           known, locks = false;
  int64_t        id = 0;
  auth_outcome_t outcome;

  if (!auth_where_valid(sys, actor) || !name || !password || strnlen(name, 65) > 64 || strnlen(password, 257) > 256)
  {
    _gwApiError(error_r, "a user name, a password and the client are needed");
    return (false);
  }

  memset(&u, 0, sizeof(u));
  known = gwStoreUserFind(sys->store, actor->tenant, name, &u) && !u.disabled;
  snprintf(key, sizeof(key), "login:%s@%s", u.name[0] ? u.name : "?", actor->where);

  if (cached_only && !known)
    outcome = AUTH_UNCACHED;
  else if (known && devices && device_hmac(sys, "password", u.id, password, hmac))
    outcome = auth_attempt(sys, actor, key, GW_CREDENTIAL_DEVICE_PASSWORD, hmac, &u, password, cached_only, &id, &locks);
  else if (gwRandomBytes(hmac, sizeof(hmac)))
    outcome = auth_attempt(sys, actor, key, GW_CREDENTIAL_NONE, hmac, known ? &u : NULL, password, cached_only, &id, &locks);
  else
    outcome = AUTH_ERROR;

  if (outcome == AUTH_UNCACHED)
  {
    gwWipe(hmac, sizeof(hmac));
    return (-1);
  }

  memset(&d, 0, sizeof(d));
  if (outcome == AUTH_OK && id == u.id && devices && id > 0)
    gwStoreDeviceFind(sys->store, actor->tenant, 0, hmac, &d);   /* A device password: which device */
  gwWipe(hmac, sizeof(hmac));

  if (outcome != AUTH_OK || id != u.id)
  {
    auth_refused(sys, actor, outcome == AUTH_OK ? AUTH_WRONG : outcome, u.name, "password", locks, "wrong user name or password", error_r);
    return (0);
  }

  if (user)
    *user = u;
  if (device)
    *device = d;

  return (1);
}


/*
 * 'gwApiAuthPassword()' - Check a password, rate-limited per user and client.
 */

bool
gwApiAuthPassword(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *password, gw_user_t *user, const char **error_r)
{
  return (auth_login(sys, actor, name, password, false, false, user, NULL, error_r) > 0);
}


/*
 * 'gwApiAuthBasic()' - A user's password or one of its device passwords.
 */

bool
gwApiAuthBasic(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *password, gw_user_t *user, gw_device_t *device, const char **error_r)
{
  return (auth_login(sys, actor, name, password, true, false, user, device, error_r) > 0);
}


/*
 * 'gwApiAuthBasicCached()' - gwApiAuthBasic() when it needs no Argon2id:
 *                            a user's password the cache remembers as
 *                            right (1, or 0 when the pair is locked).
 *                            Anything else (-1) is left to
 *                            gwApiAuthBasic(), on a worker: nothing was
 *                            counted.
 */

int
gwApiAuthBasicCached(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *password, gw_user_t *user, const char **error_r)
{
  return (auth_login(sys, actor, name, password, false, true, user, NULL, error_r));
}


/*
 * 'gwApiAuthToken()' - The owner of a device token, rate-limited per client.
 */

bool
gwApiAuthToken(gw_system_t *sys, const gw_actor_t *actor, const char *token, gw_user_t *user, gw_device_t *device, const char **error_r)
{
  char           key[GW_LOCKOUT_KEY_MAX_LEN + 1];
  unsigned char  hmac[GW_HMAC_LEN];
  gw_user_t      u;
  gw_device_t    d;
  int64_t        id = 0;
  bool           locks = false;
  auth_outcome_t outcome = AUTH_ERROR;

  if (!auth_where_valid(sys, actor) || !token)
  {
    _gwApiError(error_r, "a token and the client are needed");
    return (false);
  }

  snprintf(key, sizeof(key), "device:%s", actor->where);
  if (device_hmac(sys, "token", 0, token, hmac) || gwRandomBytes(hmac, sizeof(hmac)))
    outcome = auth_attempt(sys, actor, key, GW_CREDENTIAL_DEVICE_TOKEN, hmac, NULL, NULL, false, &id, &locks);

  memset(&d, 0, sizeof(d));
  if (outcome == AUTH_OK && (!gwStoreUserGet(sys->store, actor->tenant, id, &u) || u.disabled ||
                             !gwStoreDeviceFind(sys->store, actor->tenant, 0, hmac, &d) || d.user_id != id))
    outcome = AUTH_WRONG;               /* Revoked or disabled since */
  gwWipe(hmac, sizeof(hmac));

  if (outcome != AUTH_OK)
    return (auth_refused(sys, actor, outcome, "", "token", locks, "unknown or revoked device token", error_r));

  if (user)
    *user = u;
  if (device)
    *device = d;

  return (true);
}


/* ---- Devices ------------------------------------------------------------------ */


/*
 * '_gwApiTokenMake()' - GW_API_DEVICE_TOKEN_LEN base64url characters from 32
 *                  random bytes (256 bits).
 */

bool
_gwApiTokenMake(char *token, size_t tokensize)
{
  static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  unsigned char     raw[33];
  size_t            o = 0;

  if (tokensize <= GW_API_DEVICE_TOKEN_LEN || !gwRandomBytes(raw, 32))
    return (false);

  raw[32] = 0;
  for (size_t i = 0; i < 33; i += 3)
  {
    uint32_t v = ((uint32_t)raw[i] << 16) | ((uint32_t)raw[i + 1] << 8) | raw[i + 2];

    for (int j = 18; j >= 0 && o < GW_API_DEVICE_TOKEN_LEN; j -= 6)
      token[o ++] = b64url[(v >> j) & 63];
  }
  token[o] = '\0';
  gwWipe(raw, sizeof(raw));

  return (o == GW_API_DEVICE_TOKEN_LEN);
}


/*
 * 'gwApiDeviceAdd()' - A device for a user (admin, or the user itself): its
 *                      token and password are returned once.
 */

bool
gwApiDeviceAdd(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *device, char *token, size_t tokensize, char *password, size_t passwordsize, int64_t *id_r, const char **error_r)
{
  gw_user_t     user;
  unsigned char token_hmac[GW_HMAC_LEN], password_hmac[GW_HMAC_LEN];
  bool          ok;

  if (!_gwApiUserChange(sys, actor, name, &user, error_r))
    return (false);
  if (!token || !password || passwordsize <= GW_API_DEVICE_PASSWORD_LEN || !_gwApiTokenMake(token, tokensize) || !gwPasswordGenerate(password, passwordsize))
  {
    if (token)
      gwWipe(token, tokensize);
    _gwApiError(error_r, "unable to make the device's token and password");
    return (false);
  }

  ok = device_hmac(sys, "token", 0, token, token_hmac) && device_hmac(sys, "password", user.id, password, password_hmac) &&
       gwStoreDeviceAdd(sys->store, actor->tenant, user.id, device, token_hmac, password_hmac, id_r, error_r);
  gwWipe(token_hmac, sizeof(token_hmac));
  gwWipe(password_hmac, sizeof(password_hmac));
  if (!ok)
  {
    gwWipe(token, tokensize);
    gwWipe(password, passwordsize);
    return (false);
  }

  _gwApiAudit(sys, actor, "device.add", user.name, NULL, NULL, 0, device);
  return (true);
}


/*
 * 'gwApiDeviceUrl()' - The token URL of a device: the ServerName (bracketed
 *                      when it is an IPv6 address) and the HTTPS port.
 */

bool
gwApiDeviceUrl(gw_system_t *sys, const char *token, char *url, size_t urlsize)
{
  gw_config_t c;
  int         port, len;
  bool        v6;

  if (!sys || !token || !url || urlsize == 0)
    return (false);

  _gwSystemConfigCopy(sys, &c);
  port = gwApiHttpsPort(sys) > 0 ? gwApiHttpsPort(sys) : c.listen_port;
  v6   = strchr(c.server_name, ':') != NULL;
  len  = snprintf(url, urlsize, "ipps://%s%s%s:%d/ipp/print/%s", v6 ? "[" : "", c.server_name, v6 ? "]" : "", port, token);

  return (len > 0 && (size_t)len < urlsize);
}


/*
 * 'gwApiDeviceIterate()' - A user's devices, or all (admin).
 */

bool
gwApiDeviceIterate(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_device_cb_t cb, void *data)
{
  int64_t user_id;

  return (_gwApiListScope(sys, actor, name, cb != NULL, &user_id) && gwStoreDeviceIterate(sys->store, actor->tenant, user_id, cb, data));
}


/*
 * 'gwApiDeviceRevoke()' - Revoke a device (admin, or its owner): its token
 *                         and password stop at once.
 */

bool
gwApiDeviceRevoke(gw_system_t *sys, const gw_actor_t *actor, int64_t id, const char **error_r)
{
  gw_device_t d;
  gw_user_t   owner;

  if (!sys || !_gwApiActorValid(actor) || id <= 0 || !gwStoreDeviceFind(sys->store, actor->tenant, id, NULL, &d) ||
      !_gwApiUserVisible(sys, actor, d.user_name, &owner))
  {
    _gwApiError(error_r, "no such device");
    return (false);
  }
  if (!gwStoreDeviceRevoke(sys->store, actor->tenant, id))
  {
    _gwApiError(error_r, "unable to revoke the device");
    return (false);
  }

  _gwApiAudit(sys, actor, "device.revoke", d.user_name, NULL, NULL, 0, d.name);
  return (true);
}
