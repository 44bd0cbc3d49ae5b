/*
 * test-devices.c - devices and authentication through the public API
 * (api.h) on a real gateway: a device token names its owner and a revoked
 * one fails at once; a device password works for its owner only and stops
 * with its device; a right password is remembered (the Argon2id counter
 * does not move on a hit) and forgotten when the password changes or the
 * user is disabled or deleted; ten wrong passwords lock the (user, client)
 * pair even with a right one in between, and parallel attempts never get
 * more than ten checked; unknown tokens lock their client; a user cannot
 * revoke another's device; PIN identification is release's own check; no
 * token or password reaches the log, an audit row or the database.
 * Positive controls: the same calls succeed for the owner and the admin,
 * the scans find a planted string.
 */

#include "test.h"
#include "gateway-harness.h"
#include "api-private.h"

#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

static const gw_actor_t admin = { GW_DEFAULT_TENANT, "cli:root", GW_ROLE_ADMIN, "control:cli:root", "cli" };
static const gw_actor_t alice = { GW_DEFAULT_TENANT, "alice", GW_ROLE_USER, "192.0.2.10", "ipp" };
static const gw_actor_t bob   = { GW_DEFAULT_TENANT, "bob", GW_ROLE_USER, "192.0.2.11", "ipp" };
static const gw_actor_t phone = { GW_DEFAULT_TENANT, "ipp", GW_ROLE_GUEST, "192.0.2.20", "ipp" };   /* Not yet known */
static char             test_dir[256];

typedef struct secrets_s        /* Strings no audit row may hold */
{
  const char *s[6];
  int         leaks, rows;
  gw_audit_t  last;
} secrets_t;

static bool
audit_cb(const gw_audit_t *a, void *data)
{
  secrets_t  *sc = (secrets_t *)data;
  const char *fields[] = { a->actor, a->action, a->subject, a->job_id, a->printer, a->source, a->detail };

  sc->rows ++;
  sc->last = *a;
  for (int i = 0; i < 6 && sc->s[i]; i ++)
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f ++)
      if (strstr(fields[f], sc->s[i]))
        sc->leaks ++;
  return (true);
}

/* Audit rows holding one of the secrets (and the newest row in sc->last). */
static int
audit_leaks(gw_system_t *sys, secrets_t *sc)
{
  sc->leaks = sc->rows = 0;
  gwApiAuditIterate(sys, &admin, 0, 0, audit_cb, sc);
  return (sc->leaks);
}

/* Whether the log or the database (and its WAL) holds a string. */
static bool
leaked(const char *needle)
{
  return (test_file_has(test_dir, "log", needle) || db_has(test_dir, needle));
}

/* Run SQL on the gateway's database from another connection (another process could). */
static bool
sql(const char *statement)
{
  return (test_sql(test_dir, statement));
}

typedef struct count_s
{
  int     n;
  int64_t last_used, id;
  char    owner[64];
} count_t;

static bool
count_cb(const gw_device_t *d, void *data)
{
  count_t *c = (count_t *)data;

  c->n ++;
  c->last_used = d->last_used;
  c->id        = d->id;
  snprintf(c->owner, sizeof(c->owner), "%s", d->user_name);
  return (true);
}

static int
devices(gw_system_t *sys, const gw_actor_t *a, const char *user, count_t *c)
{
  memset(c, 0, sizeof(*c));
  return (gwApiDeviceIterate(sys, a, user, count_cb, c) ? c->n : -1);
}

typedef struct lockout_s
{
  const char *key;
  int64_t     failures, until;
} lockout_t;

static bool
lockout_cb(const gw_lockout_t *l, void *data)
{
  lockout_t *k = (lockout_t *)data;

  if (!strcmp(l->key, k->key))
  {
    k->failures = l->failures;
    k->until    = l->locked_until;
  }
  return (true);
}

/* A key's failures (-1 = not counted) and lock end. */
static int64_t
failures(gw_system_t *sys, const char *key, int64_t *until)
{
  lockout_t k = { key, -1, 0 };

  gwApiLockoutIterate(sys, &admin, lockout_cb, &k);
  if (until)
    *until = k.until;
  return (k.failures);
}

typedef struct race_s           /* Many attempts at once */
{
  gw_system_t    *sys;
  const char     *name, *secret;  /* name NULL = a token attempt */
  pthread_mutex_t mutex;
  pthread_cond_t  cond;
  bool            go;
  int             wrong, locked, right;
} race_t;

static void *
race_attempt(void *data)
{
  race_t     *r = (race_t *)data;
  const char *error = "";
  gw_user_t   u;
  bool        ok;

  pthread_mutex_lock(&r->mutex);
  while (!r->go)
    pthread_cond_wait(&r->cond, &r->mutex);
  pthread_mutex_unlock(&r->mutex);

  ok = r->name ? gwApiAuthBasic(r->sys, &phone, r->name, r->secret, &u, NULL, &error) : gwApiAuthToken(r->sys, &phone, r->secret, &u, NULL, &error);
  pthread_mutex_lock(&r->mutex);
  if (ok)
    r->right ++;
  else if (strstr(error, "try again later"))
    r->locked ++;
  else
    r->wrong ++;
  pthread_mutex_unlock(&r->mutex);
  return (NULL);
}

static void
race_ready(gw_system_t *sys, race_t *r, int n, pthread_t *threads)
{
  r->sys = sys;
  r->go  = false;
  r->wrong = r->locked = r->right = 0;
  pthread_mutex_init(&r->mutex, NULL);
  pthread_cond_init(&r->cond, NULL);
  for (int i = 0; i < n; i ++)
    pthread_create(threads + i, NULL, race_attempt, r);
}

static void
race_go(race_t *r)
{
  pthread_mutex_lock(&r->mutex);
  r->go = true;
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->mutex);
}

static void
race(gw_system_t *sys, race_t *r, int n)
{
  pthread_t threads[32];

  race_ready(sys, r, n, threads);
  race_go(r);
  for (int i = 0; i < n; i ++)
    pthread_join(threads[i], NULL);
}

/* Two races of n attempts each, started together. */
static void
race2(gw_system_t *sys, race_t *r, race_t *r2, int n)
{
  pthread_t threads[32], threads2[32];

  race_ready(sys, r, n, threads);
  race_ready(sys, r2, n, threads2);
  race_go(r);
  race_go(r2);
  for (int i = 0; i < n; i ++)
  {
    pthread_join(threads[i], NULL);
    pthread_join(threads2[i], NULL);
  }
}

static bool
base64url(const char *s, size_t len)
{
  if (strlen(s) != len)
    return (false);
  for (; *s; s ++)
    if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *s))
      return (false);
  return (true);
}

int
main(void)
{
  char          token[64], token2[64], password[32], password2[32], pin[32];
  char          text[512], before_pw[] = "correct horse battery", after_pw[] = "a new staple battery";
  const char   *error = NULL;
  gw_system_t  *sys;
  gw_user_t     user;
  gw_device_t   dev;
  count_t       cnt;
  secrets_t     sc;
  race_t        r, r2;
  int64_t       id, id2, id3, until;
  unsigned long argon2, hits, argon2b, hitsb, shared = 0;
  int           ok;

  memset(&sc, 0, sizeof(sc));
  if (!test_tempdir(test_dir, sizeof(test_dir)))
    return (1);

  TEST_BEGIN("a gateway with alice, bob and carol");
  if ((sys = test_gateway(test_dir, "LogLevel debug\nPinMaxFailures 10\nPinMaxFailuresTenant 1000\nPinLockout 600\nPrinterRetries 0\nPrinterTimeout 5\n")) == NULL)
    TEST_EXIT();
  TEST_CHECK(gwApiUserAdd(sys, &admin, "alice", "Alice", GW_ROLE_USER, NULL, &error));
  TEST_CHECK(gwApiUserAdd(sys, &admin, "bob", "Bob", GW_ROLE_USER, NULL, &error));
  TEST_CHECK(gwApiUserAdd(sys, &admin, "carol", "Carol", GW_ROLE_USER, NULL, &error));
  TEST_CHECK(gwApiUserSetPassword(sys, &admin, "alice", before_pw, NULL, 0, &error));
  TEST_CHECK(gwApiUserSetPassword(sys, &admin, "carol", before_pw, NULL, 0, &error));

  TEST_BEGIN("devices: the owner or an admin adds one; token and password once, random");
  TEST_CHECK(gwApiDeviceAdd(sys, &alice, "alice", "alice-iphone", token, sizeof(token), password, sizeof(password), &id, &error) && id > 0);
  TEST_CHECK(base64url(token, GW_API_DEVICE_TOKEN_LEN) && strlen(password) == GW_API_DEVICE_PASSWORD_LEN);
  TEST_CHECK(gwApiDeviceAdd(sys, &admin, "alice", "alice-mac", token2, sizeof(token2), password2, sizeof(password2), &id2, &error) && id2 > id);
  TEST_CHECK(strcmp(token, token2) && strcmp(password, password2));
  TEST_CHECK(!gwApiDeviceAdd(sys, &bob, "alice", "evil", token2 + 50, 10, password2, sizeof(password2), NULL, &error) && !strcmp(error, "no such user"));
  TEST_CHECK(!gwApiDeviceAdd(sys, &alice, "alice", "alice-iphone", text, sizeof(text), pin, sizeof(pin), NULL, &error) && strstr(error, "already has a device"));
  TEST_CHECK(!gwApiDeviceAdd(sys, &alice, "alice", "bad name", text, sizeof(text), pin, sizeof(pin), NULL, &error) && strstr(error, "device names"));
  TEST_CHECK(!gwApiDeviceAdd(sys, &alice, "alice", "short", text, 20, pin, sizeof(pin), NULL, &error));   /* Buffer too small */
  TEST_CHECK(gwApiDeviceAdd(sys, &bob, "bob", "bob-phone", text, sizeof(text), pin, sizeof(pin), &id3, &error));

  TEST_BEGIN("devices: a user lists its own, an admin all");
  TEST_CHECK(devices(sys, &alice, NULL, &cnt) == 2 && !strcmp(cnt.owner, "alice"));
  TEST_CHECK(devices(sys, &alice, "bob", &cnt) == -1);
  TEST_CHECK(devices(sys, &bob, NULL, &cnt) == 1 && !strcmp(cnt.owner, "bob"));
  TEST_CHECK(devices(sys, &admin, NULL, &cnt) == 3 && devices(sys, &admin, "alice", &cnt) == 2);

  TEST_BEGIN("token: names its owner and device, and marks it used");
  TEST_CHECK(devices(sys, &alice, NULL, &cnt) == 2 && cnt.last_used == 0);
  TEST_CHECK(gwApiAuthToken(sys, &phone, token2, &user, &dev, &error) && !strcmp(user.name, "alice") && dev.id == id2 && !strcmp(dev.name, "alice-mac"));
  TEST_CHECK(devices(sys, &alice, NULL, &cnt) == 2 && cnt.id == id2 && cnt.last_used > 0);
  TEST_CHECK(gwApiAuthToken(sys, &phone, token, &user, &dev, &error) && dev.id == id);
  TEST_CHECK(!gwApiAuthToken(sys, &phone, "not-a-token", &user, &dev, &error) && strstr(error, "unknown or revoked"));
  TEST_CHECK(!gwApiAuthToken(sys, &phone, password, &user, &dev, &error));   /* A password is not a token */

  TEST_BEGIN("device password: its owner only; the user's own password works too");
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", password, &user, &dev, &error) && user.id > 0 && dev.id == id);
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", before_pw, &user, &dev, &error) && dev.id == 0 && !strcmp(user.name, "alice"));
  TEST_CHECK(!gwApiAuthBasic(sys, &phone, "bob", password, &user, &dev, &error) && strstr(error, "wrong user name or password"));
  TEST_CHECK(!gwApiAuthPassword(sys, &phone, "alice", password, &user, &error));   /* Not a device-password call */
  TEST_CHECK(!gwApiAuthBasic(sys, &phone, "alice", token, &user, &dev, &error));   /* A token is not a password */

  TEST_BEGIN("revoke: not another user's device; the owner's revoke stops token and password at once");
  TEST_CHECK(!gwApiDeviceRevoke(sys, &bob, id, &error) && !strcmp(error, "no such device"));
  TEST_CHECK(gwApiAuthToken(sys, &phone, token, &user, &dev, &error));
  TEST_CHECK(gwApiDeviceRevoke(sys, &alice, id, &error));
  TEST_CHECK(!gwApiAuthToken(sys, &phone, token, &user, &dev, &error) && strstr(error, "unknown or revoked"));
  TEST_CHECK(!gwApiAuthBasic(sys, &phone, "alice", password, &user, &dev, &error));
  TEST_CHECK(!gwApiDeviceRevoke(sys, &alice, id, &error));                   /* Gone */
  TEST_CHECK(gwApiAuthToken(sys, &phone, token2, &user, &dev, &error));      /* The other device still works */
  TEST_CHECK(gwApiDeviceRevoke(sys, &admin, id3, &error) && devices(sys, &admin, NULL, &cnt) == 1);

  TEST_BEGIN("password cache: a hit runs no Argon2id; a new password, disabling and deleting drop it");
  _gwApiAuthCounters(&argon2, &hits);
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", before_pw, &user, NULL, &error));   /* Checked above: a hit */
  _gwApiAuthCounters(&argon2b, &hitsb);
  TEST_CHECK(argon2b == argon2 && hitsb == hits + 1);
  TEST_CHECK(!gwApiAuthBasic(sys, &phone, "alice", "wrong password!", &user, NULL, &error));
  _gwApiAuthCounters(&argon2, &hits);
  TEST_CHECK(argon2 == argon2b + 1 && hits == hitsb);                           /* A wrong one is never cached */
  TEST_CHECK(gwApiUserSetPassword(sys, &alice, "alice", after_pw, NULL, 0, &error));
  TEST_CHECK(!gwApiAuthBasic(sys, &phone, "alice", before_pw, &user, NULL, &error));
  _gwApiAuthCounters(&argon2b, &hitsb);
  TEST_CHECK(argon2b == argon2 + 1 && hitsb == hits);                           /* The old one: checked, and wrong */
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", after_pw, &user, NULL, &error));
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", after_pw, &user, NULL, &error));
  _gwApiAuthCounters(&argon2, &hits);
  TEST_CHECK(argon2 == argon2b + 1 && hits == hitsb + 1);
  /* A hash changed by another process (no API call to drop the entry): the stored hash is compared. */
  TEST_CHECK(sql("UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE name = 'carol') WHERE name = 'alice'"));
  TEST_CHECK(!gwApiAuthBasic(sys, &phone, "alice", after_pw, &user, NULL, &error));
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", before_pw, &user, NULL, &error));   /* carol's hash = before_pw */
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", before_pw, &user, NULL, &error));
  _gwApiAuthCounters(&argon2b, &hitsb);
  TEST_CHECK(argon2b == argon2 + 2 && hitsb == hits + 1);
  TEST_CHECK(sql("UPDATE users SET disabled = 1 WHERE name = 'alice'"));
  TEST_CHECK(!gwApiAuthBasic(sys, &phone, "alice", before_pw, &user, NULL, &error) && strstr(error, "wrong user name or password"));
  TEST_CHECK(!gwApiAuthToken(sys, &phone, token2, &user, NULL, &error));        /* A disabled user's device too */
  _gwApiAuthCounters(&argon2, &hits);
  TEST_CHECK(argon2 == argon2b && hits == hitsb);
  TEST_CHECK(sql("UPDATE users SET disabled = 0 WHERE name = 'alice'"));
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", before_pw, &user, NULL, &error));   /* Still cached: disabling is checked each time */
  TEST_CHECK(sql("PRAGMA foreign_keys = ON; DELETE FROM users WHERE name = 'carol'"));
  TEST_CHECK(!gwApiAuthBasic(sys, &phone, "carol", before_pw, &user, NULL, &error));
  _gwApiAuthCounters(&argon2b, &hitsb);
  TEST_CHECK(argon2b == argon2 && hitsb == hits + 1);                           /* carol: neither a hit nor a check */
  TEST_CHECK(gwApiLockoutClear(sys, &admin, NULL, &error));

  TEST_BEGIN("password cache: a hit near expiry refreshes it, up to its maximum age; an unused one expires");
  TEST_CHECK(gwApiUserSetPassword(sys, &alice, "alice", after_pw, NULL, 0, &error));
  TEST_CHECK(gwApiUserSetPassword(sys, &admin, "bob", before_pw, NULL, 0, &error));
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", after_pw, &user, NULL, &error));   /* Both checked now */
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "bob", before_pw, &user, NULL, &error));
  _gwApiAuthCounters(&argon2, &hits);
  _gwApiAuthCacheShift(45);                                                     /* 15 s left: a hit refreshes */
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", after_pw, &user, NULL, &error));
  _gwApiAuthCacheShift(45);                                                     /* 90 s after both checks */
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", after_pw, &user, NULL, &error));
  _gwApiAuthCounters(&argon2b, &hitsb);
  TEST_CHECKF(argon2b == argon2 && hitsb == hits + 2, "%lu Argon2id, %lu hits", argon2b - argon2, hitsb - hits);
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "bob", before_pw, &user, NULL, &error));   /* Unused: expired */
  _gwApiAuthCounters(&argon2, &hits);
  TEST_CHECKF(argon2 == argon2b + 1 && hits == hitsb, "%lu Argon2id, %lu hits", argon2 - argon2b, hits - hitsb);
  /* Kept in use every 45 s for 25 x 45 s: the maximum age (675-900 s) ends it once, one Argon2id run. */
  for (int i = 0; i < 25; i ++)
  {
    _gwApiAuthCacheShift(45);
    TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", after_pw, &user, NULL, &error));
  }
  _gwApiAuthCounters(&argon2b, &hitsb);
  TEST_CHECKF(argon2b == argon2 + 1 && hitsb == hits + 24, "%lu Argon2id, %lu hits", argon2b - argon2, hitsb - hits);
  TEST_CHECK(gwApiUserSetPassword(sys, &alice, "alice", before_pw, NULL, 0, &error));

  TEST_BEGIN("lockout: ten wrong passwords lock (user, client), a right one in between forgives nothing");
  for (int i = 0; i < 9; i ++)
    TEST_CHECK(!gwApiAuthBasic(sys, &phone, "alice", "wrong password!", &user, NULL, &error) && strstr(error, "wrong user name"));
  TEST_CHECK(failures(sys, "login:alice@192.0.2.20", NULL) == 9);
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", before_pw, &user, NULL, &error));   /* Right: takes its own failure back only */
  TEST_CHECK(failures(sys, "login:alice@192.0.2.20", &until) == 9 && until == 0);
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", password2, &user, &dev, &error) && dev.id == id2);
  TEST_CHECK(failures(sys, "login:alice@192.0.2.20", NULL) == 9);
  TEST_CHECK(!gwApiAuthBasic(sys, &phone, "alice", "wrong password!", &user, NULL, &error));
  TEST_CHECK(audit_leaks(sys, &sc) == 0 && !strcmp(sc.last.action, "login.fail") && !strcmp(sc.last.detail, "password locked"));
  TEST_CHECK(failures(sys, "login:alice@192.0.2.20", &until) == 10 && until > 0);
  TEST_CHECK(!gwApiAuthBasic(sys, &phone, "alice", before_pw, &user, NULL, &error) && strstr(error, "try again later"));
  TEST_CHECK(!gwApiAuthBasic(sys, &phone, "alice", password2, &user, NULL, &error) && strstr(error, "try again later"));
  TEST_CHECK(gwApiAuthBasic(sys, &alice, "alice", before_pw, &user, NULL, &error));   /* Another client is not locked */
  TEST_CHECK(failures(sys, "login:alice@192.0.2.20", NULL) == 10);              /* Refusals while locked count nothing */
  TEST_CHECK(gwApiLockoutClear(sys, &admin, "login:alice@192.0.2.20", &error));
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", before_pw, &user, NULL, &error));

  TEST_BEGIN("lockout: 24 parallel wrong passwords: exactly 10 checked, 14 refused as locked");
  _gwApiAuthCounters(&argon2, &hits);
  shared = _gwApiAuthShared();
  memset(&r, 0, sizeof(r));
  r.name   = "alice";
  r.secret = "wrong password!";
  race(sys, &r, 24);
  _gwApiAuthCounters(&argon2b, &hitsb);
  TEST_CHECKF(r.wrong == 10 && r.locked == 14 && r.right == 0, "wrong %d locked %d right %d", r.wrong, r.locked, r.right);
  /* The 10 counted attempts share Argon2id runs of the same wrong password. */
  TEST_CHECKF(argon2b - argon2 >= 1 && argon2b - argon2 + (_gwApiAuthShared() - shared) == 10,
              "%lu Argon2id checks, %lu shared", argon2b - argon2, _gwApiAuthShared() - shared);
  TEST_CHECK(failures(sys, "login:alice@192.0.2.20", NULL) == 10);

  TEST_BEGIN("password cache: 8 parallel sign-ins of one account run Argon2id once, each still counted");
  TEST_CHECK(gwApiLockoutClear(sys, &admin, "login:alice@192.0.2.20", &error));
  TEST_CHECK(gwApiUserSetPassword(sys, &alice, "alice", before_pw, NULL, 0, &error));   /* Drops the cached check */
  _gwApiAuthCounters(&argon2, &hits);
  shared = _gwApiAuthShared();
  r.name   = "alice";
  r.secret = before_pw;
  race(sys, &r, 8);
  _gwApiAuthCounters(&argon2b, &hitsb);
  TEST_CHECKF(r.right == 8 && r.wrong == 0 && r.locked == 0, "right %d wrong %d locked %d", r.right, r.wrong, r.locked);
  TEST_CHECKF(argon2b - argon2 == 1 && (argon2b - argon2) + (hitsb - hits) + (_gwApiAuthShared() - shared) == 8,
              "%lu Argon2id, %lu hits, %lu shared", argon2b - argon2, hitsb - hits, _gwApiAuthShared() - shared);
  TEST_CHECK(failures(sys, "login:alice@192.0.2.20", NULL) == 0);              /* Each took its own failure back */
  /* Sharing never turns a wrong password right: 4 parallel wrong ones beside 4 right ones (8
     counted at once stay under the lockout's 10: every attempt is counted before its check). */
  shared = _gwApiAuthShared();
  memset(&r2, 0, sizeof(r2));
  r2.name   = "alice";
  r2.secret = "wrong password!";
  r.secret  = before_pw;
  TEST_CHECK(gwApiUserSetPassword(sys, &alice, "alice", before_pw, NULL, 0, &error));
  race2(sys, &r, &r2, 4);
  TEST_CHECKF(r.right == 4 && r.wrong == 0 && r.locked == 0 && r2.right == 0 && r2.wrong == 4 && r2.locked == 0,
              "right: %d right %d wrong; wrong: %d right %d wrong %d locked", r.right, r.wrong, r2.right, r2.wrong, r2.locked);
  TEST_CHECK(gwApiLockoutClear(sys, &admin, "login:alice@192.0.2.20", &error));

  TEST_BEGIN("lockout: 16 cached right sign-ins racing 16 wrong ones: still exactly 10 wrong checked, nothing forgiven");
  /* The right password is in the cache now: its sign-ins write nothing (GW_CREDENTIAL_VERIFIED). */
  _gwApiAuthCounters(&argon2, &hits);
  memset(&r, 0, sizeof(r));
  memset(&r2, 0, sizeof(r2));
  r.name    = "alice";
  r.secret  = before_pw;
  r2.name   = "alice";
  r2.secret = "wrong password!";
  race2(sys, &r, &r2, 16);
  _gwApiAuthCounters(&argon2b, &hitsb);
  TEST_CHECKF(r2.wrong == 10 && r2.locked == 6 && r2.right == 0, "wrong ones: %d wrong %d locked %d right", r2.wrong, r2.locked, r2.right);
  TEST_CHECKF(r.wrong == 0 && r.right + r.locked == 16, "right ones: %d right %d locked %d wrong", r.right, r.locked, r.wrong);
  TEST_CHECK(failures(sys, "login:alice@192.0.2.20", &until) == 10 && until > 0);
  TEST_CHECK(!gwApiAuthBasic(sys, &phone, "alice", before_pw, &user, NULL, &error) && strstr(error, "try again later"));   /* Cached, still locked */
  TEST_CHECKF(hitsb - hits >= (unsigned long)r.right, "%lu hits for %d right", hitsb - hits, r.right);
  TEST_CHECK(gwApiLockoutClear(sys, &admin, "login:alice@192.0.2.20", &error));

  TEST_BEGIN("cache-only check (gwApiAuthBasicCached(), IPP's listener path): only a password the cache knows as right; nothing else counted; a lock still refuses it");
  _gwApiAuthCounters(&argon2, &hits);
  memset(&user, 0, sizeof(user));
  TEST_CHECK(gwApiAuthBasicCached(sys, &phone, "alice", before_pw, &user, &error) == 1 && !strcmp(user.name, "alice"));
  TEST_CHECK(gwApiAuthBasicCached(sys, &phone, "alice", "wrong password!", &user, &error) == -1);
  TEST_CHECK(gwApiAuthBasicCached(sys, &phone, "alice", password2, &user, &error) == -1);   /* A device password: the full check */
  TEST_CHECK(gwApiAuthBasicCached(sys, &phone, "nobody", before_pw, &user, &error) == -1);
  _gwApiAuthCounters(&argon2b, &hitsb);
  TEST_CHECKF(argon2b == argon2 && hitsb == hits + 1, "%lu Argon2id, %lu hits", argon2b - argon2, hitsb - hits);
  TEST_CHECKF(failures(sys, "login:alice@192.0.2.20", NULL) <= 0, "%lld failures counted (-1: no row)", (long long)failures(sys, "login:alice@192.0.2.20", NULL));
  memset(&r, 0, sizeof(r));
  r.name   = "alice";
  r.secret = "wrong password!";
  race(sys, &r, 12);
  TEST_CHECK(failures(sys, "login:alice@192.0.2.20", &until) == 10 && until > 0);
  error = NULL;
  TEST_CHECK(gwApiAuthBasicCached(sys, &phone, "alice", before_pw, &user, &error) == 0 && error && strstr(error, "try again later"));
  TEST_CHECK(gwApiAuthBasicCached(sys, &alice, "alice", before_pw, &user, &error) == 1);   /* Another client is not locked */
  TEST_CHECK(failures(sys, "login:alice@192.0.2.20", NULL) == 10);
  TEST_CHECK(gwApiLockoutClear(sys, &admin, "login:alice@192.0.2.20", &error));
  TEST_CHECK(gwApiUserSetPassword(sys, &alice, "alice", before_pw, NULL, 0, &error));   /* Drops the cached check */
  TEST_CHECK(gwApiAuthBasicCached(sys, &phone, "alice", before_pw, &user, &error) == -1);
  TEST_CHECK(gwApiAuthBasic(sys, &phone, "alice", before_pw, &user, NULL, &error));

  TEST_BEGIN("lockout: unknown tokens lock their client (parallel too); a valid token then waits too");
  r.name   = NULL;
  r.secret = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  race(sys, &r, 30);
  TEST_CHECKF(r.wrong == 10 && r.locked == 20, "wrong %d locked %d", r.wrong, r.locked);
  TEST_CHECK(failures(sys, "device:192.0.2.20", &until) == 10 && until > 0);
  TEST_CHECK(!gwApiAuthToken(sys, &phone, token2, &user, NULL, &error) && strstr(error, "try again later"));
  TEST_CHECK(gwApiAuthToken(sys, &bob, token2, &user, NULL, &error));          /* From elsewhere it works */
  TEST_CHECK(gwApiLockoutClear(sys, &admin, NULL, &error));

  TEST_BEGIN("identify: PIN to user at a printer, release's own check and lockout");
  TEST_CHECK(gwApiPrinterAdd(sys, &admin, "p1", "ipp://127.0.0.1:9/ipp/print", "", &error));
  TEST_CHECK(gwApiPinNew(sys, &admin, "alice", pin, sizeof(pin), &error));
  TEST_CHECK(gwApiIdentify(sys, &phone, "p1", pin, NULL, &user, text, sizeof(text)) && !strcmp(user.name, "alice"));
  ok = 0;
  for (int i = 0; i < 10; i ++)
    ok += !gwApiIdentify(sys, &phone, "p1", "000000", NULL, &user, text, sizeof(text)) && strstr(text, "PIN not recognised");
  TEST_CHECK(ok == 10);
  TEST_CHECK(audit_leaks(sys, &sc) == 0 && !strcmp(sc.last.action, "pin.fail"));
  TEST_CHECK(!gwApiIdentify(sys, &phone, "p1", pin, NULL, &user, text, sizeof(text)) && strstr(text, "Too many wrong"));
  TEST_CHECK(!gwApiIdentify(sys, &phone, "nope", pin, NULL, &user, text, sizeof(text)) && strstr(text, "No printer"));
  TEST_CHECK(!gwApiIdentify(sys, &phone, "p1", pin, "1234", &user, text, sizeof(text)) && strstr(text, "A PIN or a card"));
  TEST_CHECK(gwApiLockoutClear(sys, &admin, NULL, &error));
  TEST_CHECK(gwApiIdentify(sys, &phone, "p1", pin, NULL, &user, text, sizeof(text)));

  TEST_BEGIN("secrets: no token or password in the log, an audit row or the database (positive control first)");
  memset(&sc, 0, sizeof(sc));
  sc.s[0] = "planted-secret-xyz";
  TEST_CHECK(gwApiAuditAdd(sys, &bob, "test.plant", "", NULL, NULL, 0, "planted-secret-xyz") && audit_leaks(sys, &sc) == 1);
  TEST_CHECK(leaked("planted-secret-xyz"));
  sc.s[0] = token;
  sc.s[1] = token2;
  sc.s[2] = password;
  sc.s[3] = password2;
  sc.s[4] = before_pw;
  sc.s[5] = after_pw;
  TEST_CHECK(audit_leaks(sys, &sc) == 0 && sc.rows > 20);
  for (int i = 0; i < 6; i ++)
    TEST_CHECKF(!leaked(sc.s[i]), "secret %d leaked", i);

  gwSystemDelete(&sys);
  TEST_EXIT();
}
