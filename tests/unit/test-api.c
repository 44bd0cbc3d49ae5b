/*
 * test-api.c - the public front-end API (printgate/api.h) on a real
 * gateway (gw_system_t with a store, spool, the converter and the IPP
 * sink): jobs are scoped to their user unless the actor is an admin (get,
 * list, count, wait, cancel, release); every mutating call writes exactly
 * one audit row with the actor's who, where and front-end, and no secret;
 * bad input and non-admins are refused with a clear error; verification
 * tokens are single-use, expire and are stored only as an HMAC; password
 * authentication locks after PinMaxFailures.  Positive controls: the same
 * calls succeed for the job's owner and for an admin, the secret scanner
 * finds a planted string, and the database scan finds the address it
 * stores in clear.
 */

#include "test.h"
#include "gateway-harness.h"

#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct audit_scan_s
{
  int        count;
  gw_audit_t last;
  const char *secrets[8];       /* Strings no row may contain */
  int        leaks;
} audit_scan_t;

static bool
scan_cb(const gw_audit_t *a, void *data)
{
  audit_scan_t *s = (audit_scan_t *)data;

  s->count ++;
  s->last = *a;
  for (int i = 0; i < 8 && s->secrets[i]; i ++)
  {
    const char *fields[] = { a->actor, a->action, a->subject, a->job_id, a->printer, a->source, a->detail };

    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f ++)
      if (s->secrets[i][0] && strstr(fields[f], s->secrets[i]))
        s->leaks ++;
  }
  return (true);
}

static const gw_actor_t admin = { GW_DEFAULT_TENANT, "cli:root", GW_ROLE_ADMIN, "control:cli:root", "cli" };
static const gw_actor_t alice = { GW_DEFAULT_TENANT, "alice", GW_ROLE_USER, "192.0.2.10", "web" };
static const gw_actor_t bob   = { GW_DEFAULT_TENANT, "bob", GW_ROLE_USER, "192.0.2.11", "ipp" };
static audit_scan_t     scan;

/* The number of audit rows now (and the newest in scan.last). */
static int
audit_rows(gw_system_t *sys)
{
  scan.count = 0;
  scan.leaks = 0;
  gwApiAuditIterate(sys, &admin, 0, 1000000, scan_cb, &scan);
  return (scan.count);
}

/* One more row than before, by this actor, with this action. */
static bool
one_row(gw_system_t *sys, int before, const gw_actor_t *a, const char *action)
{
  char source[128];
  int  now = audit_rows(sys);

  snprintf(source, sizeof(source), "%s %s", a->frontend, a->where);
  if (now != before + 1 || strcmp(scan.last.actor, a->who) || strcmp(scan.last.source, source) || strcmp(scan.last.action, action))
  {
    printf("  rows %d -> %d, last: actor=%s source=%s action=%s\n", before, now, scan.last.actor, scan.last.source, scan.last.action);
    return (false);
  }
  return (true);
}

typedef struct race_s           /* Eight confirmations of one token at once */
{
  gw_system_t    *sys;
  const char     *token;
  pthread_mutex_t mutex;
  pthread_cond_t  cond;
  bool            go;
  int             ok;
} race_t;

static void *
race_confirm(void *data)
{
  race_t      *r = (race_t *)data;
  gw_address_t addr;
  const char  *error;
  bool         ok;

  pthread_mutex_lock(&r->mutex);
  while (!r->go)
    pthread_cond_wait(&r->cond, &r->mutex);
  pthread_mutex_unlock(&r->mutex);

  ok = gwApiTokenConfirm(r->sys, &bob, r->token, &addr, &error);
  pthread_mutex_lock(&r->mutex);
  r->ok += ok;
  pthread_mutex_unlock(&r->mutex);
  return (NULL);
}

static bool
submit(gw_system_t *sys, const gw_actor_t *a, const char *user, const char *file, gw_job_t *job)
{
  gw_submission_t *sub;
  gw_reason_t      reason;
  char             text[512];

  if ((sub = gwApiJobSubmit(sys, a, user, "page.ps", NULL, -1, &reason, text, sizeof(text))) == NULL)
  {
    printf("  Submit: %s (%s)\n", text, gwReasonCode(reason));
    return (false);
  }

  return (test_submission_send(sub, file, job) && gwApiJobWait(sys, a, job->id, 60000, job) && job->state == GW_JOB_STATE_HELD);
}

TEST_COUNT_CB(count_job, gw_job_t)

/* Rows in the store's address_tokens table (-1 = error). */
static int
token_rows(const char *dir)
{
  char          path[600];
  sqlite3      *db;
  sqlite3_stmt *stmt;
  int           n = -1;

  snprintf(path, sizeof(path), "%s/state/printgate.db", dir);
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT count(*) FROM address_tokens", -1, &stmt, NULL) == SQLITE_OK)
  {
    if (sqlite3_step(stmt) == SQLITE_ROW)
      n = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return (n);
}

int
main(void)
{
  char          dir[256], doc[1024], pin[32], password[64], token[GW_API_TOKEN_LEN + 1], token2[GW_API_TOKEN_LEN + 1];
  const char   *error = NULL;
  gw_system_t  *sys;
  gw_job_t      job, job2, got;
  gw_user_t     user;
  gw_address_t  addr;
  gw_release_t  rel;
  gw_release_result_t result;
  int64_t       id, expires;
  int           before, n;

  TEST_BEGIN("a gateway");
  if ((sys = test_gateway_start(dir, sizeof(dir), doc, sizeof(doc), "PinMaxFailures 3\nPinLockout 600\nPrinterRetries 0\nPrinterTimeout 5\n")) == NULL)
    TEST_EXIT();

  TEST_BEGIN("users: an admin adds them, one audit row each, with who/where/front-end");
  before = audit_rows(sys);
  TEST_CHECK(gwApiUserAdd(sys, &admin, "alice", "Alice", GW_ROLE_USER, &id, &error) && id > 0);
  TEST_CHECK(one_row(sys, before, &admin, "user.add") && !strcmp(scan.last.subject, "alice") && !strcmp(scan.last.detail, "user"));
  TEST_CHECK(gwApiUserAdd(sys, &admin, "bob", "", GW_ROLE_USER, NULL, &error));
  before = audit_rows(sys);
  TEST_CHECK(!gwApiUserAdd(sys, &alice, "mallory", "", GW_ROLE_ADMIN, NULL, &error) && !strcmp(error, "permission denied"));
  TEST_CHECK(!gwApiUserAdd(sys, &admin, NULL, "", GW_ROLE_USER, NULL, &error) && strstr(error, "user name"));
  TEST_CHECK(!gwApiUserAdd(sys, &admin, "carol", "", (gw_role_t)7, NULL, &error) && strstr(error, "role"));
  TEST_CHECK(!gwApiUserAdd(sys, &admin, "alice", "", GW_ROLE_USER, NULL, &error) && error && error[0]);   /* Taken */
  TEST_CHECK(audit_rows(sys) == before);                             /* Refusals write nothing */
  TEST_CHECK(gwApiUserCount(sys, &admin) == 3 && gwApiUserCount(sys, &alice) == -1);
  TEST_CHECK(gwApiUserFind(sys, &alice, "alice", &user) && !gwApiUserFind(sys, &alice, "bob", &user) && gwApiUserFind(sys, &admin, "bob", &user));
  n = 0;
  TEST_CHECK(!gwApiUserIterate(sys, &alice, 0, 0, (gw_user_cb_t)count_job, &n));

  TEST_BEGIN("aliases, passwords, PINs and cards: one row each, never the secret");
  before = audit_rows(sys);
  TEST_CHECK(gwApiAliasAdd(sys, &admin, "alice", "ally", &error) && one_row(sys, before, &admin, "alias.add"));
  before = audit_rows(sys);
  TEST_CHECK(gwApiUserSetPassword(sys, &admin, "bob", NULL, password, sizeof(password), &error) && one_row(sys, before, &admin, "user.password"));
  TEST_CHECK(!strcmp(scan.last.detail, "one-time"));
  scan.secrets[0] = password;
  before = audit_rows(sys);
  TEST_CHECK(gwApiUserSetPassword(sys, &alice, "alice", "correct horse battery", NULL, 0, &error) && one_row(sys, before, &alice, "user.password"));
  TEST_CHECK(!gwApiUserSetPassword(sys, &alice, "bob", "correct horse battery", NULL, 0, &error) && !strcmp(error, "no such user"));
  TEST_CHECK(!gwApiUserSetPassword(sys, &alice, "alice", "short", NULL, 0, &error) && strstr(error, "8 to 256"));
  before = audit_rows(sys);
  TEST_CHECK(gwApiPinNew(sys, &alice, "alice", pin, sizeof(pin), &error) && one_row(sys, before, &alice, "pin.new"));
  scan.secrets[1] = pin;
  TEST_CHECK(!gwApiPinNew(sys, &alice, "bob", pin + 16, sizeof(pin) - 16, &error));
  before = audit_rows(sys);
  TEST_CHECK(gwApiCardSet(sys, &admin, "bob", "CARD4242", &error) && one_row(sys, before, &admin, "card.set"));
  scan.secrets[2] = "CARD4242";
  scan.secrets[3] = "correct horse";

  TEST_BEGIN("addresses: the owner adds, only an admin verifies or revokes");
  before = audit_rows(sys);
  TEST_CHECK(gwApiAddressAdd(sys, &alice, "alice", "alice@example.org", &error) && one_row(sys, before, &alice, "address.add"));
  TEST_CHECK(!gwApiAddressAdd(sys, &alice, "bob", "bob@example.org", &error) && !strcmp(error, "no such user"));
  TEST_CHECK(gwApiAddressAdd(sys, &admin, "bob", "bob@example.org", &error));
  TEST_CHECK(gwApiAddressFind(sys, &alice, "alice@example.org", &addr) && addr.state == GW_ADDRESS_PENDING);
  TEST_CHECK(!gwApiAddressFind(sys, &alice, "bob@example.org", &addr));
  TEST_CHECK(!gwApiAddressSetState(sys, &alice, "alice@example.org", GW_ADDRESS_VERIFIED, &error) && !strcmp(error, "permission denied"));
  before = audit_rows(sys);
  TEST_CHECK(gwApiAddressSetState(sys, &admin, "bob@example.org", GW_ADDRESS_VERIFIED, &error) && one_row(sys, before, &admin, "address.verify"));
  TEST_CHECK(!gwApiAddressSetState(sys, &admin, "nobody@example.org", GW_ADDRESS_REVOKED, &error) && !strcmp(error, "no such address"));

  TEST_BEGIN("verification tokens: single use, expiring, kept only as an HMAC");
  before = audit_rows(sys);
  TEST_CHECK(gwApiTokenCreate(sys, &alice, "alice@example.org", 3600, token, sizeof(token), &expires, &error) && strlen(token) == GW_API_TOKEN_LEN);
  TEST_CHECK(one_row(sys, before, &alice, "token.create") && expires > time(NULL));
  scan.secrets[4] = token;
  TEST_CHECK(!gwApiTokenCreate(sys, &alice, "bob@example.org", 3600, token2, sizeof(token2), NULL, &error) && !strcmp(error, "no such address"));
  TEST_CHECK(!gwApiTokenCreate(sys, &alice, "alice@example.org", 0, token2, sizeof(token2), NULL, &error) && strstr(error, "7 days"));
  TEST_CHECK(db_has(dir, "alice@example.org"));                     /* Positive control: the scan sees stored text */
  TEST_CHECK(!db_has(dir, token));                                   /* The token itself is not stored */
  TEST_CHECK(!gwApiTokenConfirm(sys, &bob, "0000000000000000000000000000000000000000000000000000000000000000", &addr, &error));
  TEST_CHECK(!gwApiTokenConfirm(sys, &bob, "short", &addr, &error));
  before = audit_rows(sys);
  TEST_CHECK(gwApiTokenConfirm(sys, &bob, token, &addr, &error) && addr.state == GW_ADDRESS_VERIFIED && !strcmp(addr.verified_by, "self"));
  TEST_CHECK(one_row(sys, before, &bob, "address.verify") && !strcmp(scan.last.detail, "token"));
  TEST_CHECK(!gwApiTokenConfirm(sys, &bob, token, &addr, &error) && strstr(error, "used"));     /* Single use */
  TEST_CHECK(gwApiAddressAdd(sys, &alice, "alice", "alice2@example.org", &error));
  TEST_CHECK(gwApiTokenCreate(sys, &alice, "alice2@example.org", 1, token2, sizeof(token2), NULL, &error));
  scan.secrets[5] = token2;
  sleep(2);
  TEST_CHECK(token_rows(dir) == 1);                                  /* The expired one is still there ... */
  TEST_CHECK(gwSystemExpire(sys, time(NULL)) == 0 && token_rows(dir) == 0);   /* ... until the expiry sweep */
  TEST_CHECK(!gwApiTokenConfirm(sys, &alice, token2, &addr, &error));                        /* Expired */
  TEST_CHECK(gwApiAddressFind(sys, &alice, "alice2@example.org", &addr) && addr.state == GW_ADDRESS_PENDING);

  TEST_BEGIN("eight confirmations of one token at once: exactly one wins");
  {
    race_t    race = { sys, token2, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0 };
    pthread_t threads[8];

    TEST_CHECK(gwApiAddressAdd(sys, &admin, "bob", "bob2@example.org", &error));
    TEST_CHECK(gwApiTokenCreate(sys, &admin, "bob2@example.org", 600, token2, sizeof(token2), NULL, &error));
    for (int i = 0; i < 8; i ++)
      pthread_create(threads + i, NULL, race_confirm, &race);
    pthread_mutex_lock(&race.mutex);
    race.go = true;
    pthread_cond_broadcast(&race.cond);
    pthread_mutex_unlock(&race.mutex);
    for (int i = 0; i < 8; i ++)
      pthread_join(threads[i], NULL);
    TEST_CHECK(race.ok == 1);
  }

  TEST_BEGIN("printers: an admin adds one a sink takes");
  TEST_CHECK(!gwApiPrinterAdd(sys, &admin, "web", "http://192.0.2.1/print", "", &error) && strstr(error, "unsupported printer URI"));
  TEST_CHECK(!gwApiPrinterAdd(sys, &alice, "p1", "ipp://127.0.0.1:1/ipp/print", "", &error) && !strcmp(error, "permission denied"));
  before = audit_rows(sys);
  TEST_CHECK(gwApiPrinterAdd(sys, &admin, "p1", "ipp://127.0.0.1:1/ipp/print", "lab", &error) && one_row(sys, before, &admin, "printer.add"));
  TEST_CHECK(gwApiPrinterAdd(sys, &admin, "p2", "ipp://127.0.0.1:1/ipp/print", "", &error));
  before = audit_rows(sys);
  TEST_CHECK(gwApiPrinterDelete(sys, &admin, "p2", &error) && one_row(sys, before, &admin, "printer.delete"));
  TEST_CHECK(!gwApiPrinterDelete(sys, &admin, "p2", &error) && !strcmp(error, "no such printer"));

  TEST_BEGIN("jobs: scoped to their user unless the actor is an admin");
  TEST_CHECK(submit(sys, &alice, NULL, doc, &job) && !strcmp(job.owner, "alice") && !strcmp(job.origin, "web"));
  TEST_CHECK(submit(sys, &admin, "bob", doc, &job2) && !strcmp(job2.owner, "bob"));
  TEST_CHECK(!submit(sys, &bob, "alice", doc, &got));                /* Not for someone else */
  n = 0;
  TEST_CHECK(gwApiJobGet(sys, &alice, job.id, &got) && count_job(&got, &n) && n == 1);  /* Owner: yes (positive control), no key */
  TEST_CHECK(gwApiJobGet(sys, &admin, job.id, &got));                                  /* Admin: yes */
  TEST_CHECK(!gwApiJobGet(sys, &bob, job.id, &got) && got.id[0] == '\0');              /* Another user: no such job */
  TEST_CHECK(!gwApiJobWait(sys, &bob, job.id, 0, &got));
  n = 0;
  TEST_CHECK(gwApiJobIterate(sys, &bob, NULL, 0, count_job, &n) && n == 1);            /* Only bob's, no keys */
  n = 0;
  TEST_CHECK(gwApiJobIterate(sys, &admin, NULL, 0, count_job, &n) && n == 2);
  n = 0;
  TEST_CHECK(!gwApiJobIterate(sys, &bob, "alice", 0, count_job, &n) && n == 0);
  TEST_CHECK(gwApiJobCount(sys, &bob, NULL, 0) == 1 && gwApiJobCount(sys, &admin, NULL, 0) == 2 && gwApiJobCount(sys, &bob, "alice", 0) == -1);

  before = audit_rows(sys);
  TEST_CHECK(!gwApiJobCancel(sys, &bob, job.id, &error) && !strcmp(error, "no such job"));
  TEST_CHECK(!gwApiJobCancel(sys, &bob, job.id, NULL));        /* NULL error_r: no sentence, no crash */
  TEST_CHECK(audit_rows(sys) == before && gwApiJobGet(sys, &alice, job.id, &got) && got.state == GW_JOB_STATE_HELD);

  memset(&rel, 0, sizeof(rel));
  rel.user    = "alice";
  rel.printer = "p1";
  rel.job_id  = job.id;
  TEST_CHECK(!gwApiJobRelease(sys, &bob, &rel, &result) && result.released == 0 && strstr(result.text, "No such job"));
  rel.user = NULL;                                                     /* Bob by his own name: not his job */
  TEST_CHECK(gwApiJobRelease(sys, &bob, &rel, &result) == false || (result.released == 0 && result.held == 0));
  TEST_CHECK(gwApiJobGet(sys, &alice, job.id, &got) && got.state == GW_JOB_STATE_HELD && got.print_count == 0);
  rel.user = "alice";                                                  /* The admin gets as far as the printer (down) */
  TEST_CHECK(gwApiJobRelease(sys, &admin, &rel, &result) && result.held == 1);
  TEST_CHECK(gwApiJobGet(sys, &admin, job.id, &got) && got.state == GW_JOB_STATE_HELD && !strcmp(got.printer, "p1"));
  TEST_CHECK(audit_rows(sys) > before);
  TEST_CHECK(strcmp(scan.last.actor, "cli:root") == 0 || strcmp(scan.last.actor, "system") == 0);

  before = audit_rows(sys);
  TEST_CHECK(gwApiJobCancel(sys, &alice, job.id, &error) && one_row(sys, before, &alice, "job.cancel"));
  TEST_CHECK(gwApiJobCancel(sys, &admin, job2.id, &error));
  TEST_CHECK(!gwApiJobCancel(sys, &admin, job2.id, NULL));      /* Already cancelled, NULL error_r */

  TEST_BEGIN("password authentication, rate-limited");
  TEST_CHECK(gwApiAuthPassword(sys, &bob, "alice", "correct horse battery", &user, &error) && !strcmp(user.name, "alice"));
  before = audit_rows(sys);
  TEST_CHECK(!gwApiAuthPassword(sys, &bob, "typed-my-secret", "correct horse battery", &user, &error) && strstr(error, "wrong user name or password"));
  TEST_CHECK(one_row(sys, before, &bob, "login.fail") && scan.last.subject[0] == '\0');   /* An unknown name is not logged */
  scan.secrets[6] = "typed-my-secret";
  before = audit_rows(sys);
  TEST_CHECK(!gwApiAuthPassword(sys, &bob, "alice", "wrong password 1", &user, &error) && one_row(sys, before, &bob, "login.fail"));
  TEST_CHECK(!strcmp(scan.last.subject, "alice"));
  TEST_CHECK(!gwApiAuthPassword(sys, &bob, "alice", "wrong password 2", &user, &error));
  TEST_CHECK(!gwApiAuthPassword(sys, &bob, "alice", "wrong password 3", &user, &error));
  TEST_CHECK(!gwApiAuthPassword(sys, &bob, "alice", "correct horse battery", &user, &error) && strstr(error, "try again later"));   /* Locked */
  before = audit_rows(sys);
  TEST_CHECK(!gwApiLockoutClear(sys, &alice, NULL, &error) && !strcmp(error, "permission denied"));
  TEST_CHECK(gwApiLockoutClear(sys, &admin, NULL, &error) && one_row(sys, before, &admin, "lockout.clear"));
  TEST_CHECK(gwApiAuthPassword(sys, &bob, "alice", "correct horse battery", &user, &error));

  TEST_BEGIN("audit: admins read it; no row holds a secret (and the scan finds a planted one)");
  TEST_CHECK(!gwApiAuditIterate(sys, &alice, 0, 10, scan_cb, &scan));
  TEST_CHECK(audit_rows(sys) > 20 && scan.leaks == 0);
  scan.secrets[7] = "planted-secret";
  before = audit_rows(sys);
  TEST_CHECK(gwApiAuditAdd(sys, &bob, "mail.reject", "bob", NULL, NULL, 0, "planted-secret") && one_row(sys, before, &bob, "mail.reject"));
  TEST_CHECK(audit_rows(sys) > 20 && scan.leaks == 1);
  TEST_CHECK(!gwApiAuditAdd(sys, &bob, "", NULL, NULL, NULL, 0, NULL));

  gwWipe(password, sizeof(password));
  gwWipe(pin, sizeof(pin));
  gwSystemDelete(&sys);
  test_rmtree(dir);
  TEST_EXIT();
}
