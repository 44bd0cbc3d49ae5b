/*
 * test-web-core.c - the web portal's core calls (api.h, api-web.c) on a
 * real gateway: sign-in codes (mailed through the outbox, single use,
 * 15 minutes, bound to their address, kept only as HMACs), the lockout
 * after 5 wrong codes with its audit row (a right code for another
 * address in between forgives nothing; 8 parallel guesses get at most 5
 * checked), the per-address request limit, sign-in links, sessions (id
 * kept only as an HMAC, CSRF token bound to the session, idle and absolute
 * expiry, sign out and sign out everywhere), guest accounts (refused when
 * GuestAccounts is off; black and white and GuestMaxPages when on) and
 * release terminals (admin only, key shown once, release only at the
 * terminal's own printer, revoked at once).  Positive controls: the right
 * code, a user's colour and page count, another address's code.
 */

#include "test.h"
#include "gateway-harness.h"
#include "api-private.h"
#include "outbox-private.h"

#include <pthread.h>
#include <sqlite3.h>
#include <unistd.h>

static const gw_actor_t admin = { GW_DEFAULT_TENANT, "cli:root", GW_ROLE_ADMIN, "control:cli:root", "cli" };
static const gw_actor_t web   = { GW_DEFAULT_TENANT, "web", GW_ROLE_GUEST, "192.0.2.30", "web" };
static const gw_actor_t web2  = { GW_DEFAULT_TENANT, "web", GW_ROLE_GUEST, "192.0.2.31", "web" };
static char             test_dir[256];

typedef struct mail_s           /* The newest outbox message to an address */
{
  const char *to;
  int64_t     id;
  char        msgid[GW_OUTMAIL_MSGID_MAX + 1];
  int         count;
} mail_t;

static bool
mail_cb(const gw_outbox_entry_t *e, void *data)
{
  mail_t *m = (mail_t *)data;

  if (!strcmp(e->to, m->to))
  {
    m->id = e->id;
    m->count ++;
    snprintf(m->msgid, sizeof(m->msgid), "%s", e->message_id);
  }
  return (true);
}

/* The code and link of the newest sign-in mail to 'to', read from the sealed outbox row. */
static bool
mail_code(gw_system_t *sys, const char *to, char code[7], char link[64], int *count_r)
{
  mail_t        m = { to, 0, "", 0 };
  char          path[600], *text = NULL, *p, *q;
  sqlite3      *db;
  sqlite3_stmt *st;
  bool          ok = false;

  if (!gwApiOutboxIterate(sys, &admin, 0, mail_cb, &m) || !m.id)
    return (false);
  if (count_r)
    *count_r = m.count;
  snprintf(path, sizeof(path), "%s/state/printgate.db", test_dir);
  if (sqlite3_open(path, &db) != SQLITE_OK)
    return (false);
  if (sqlite3_prepare_v2(db, "SELECT message FROM outbox WHERE id = ?1", -1, &st, NULL) == SQLITE_OK)
  {
    sqlite3_bind_int64(st, 1, m.id);
    if (sqlite3_step(st) == SQLITE_ROW)
    {
      size_t len = (size_t)sqlite3_column_bytes(st, 0);

      if (len > _GW_SEAL_OVERHEAD && (text = calloc(1, len)) != NULL &&
          _gwOutboxOpen(sys->keys, m.msgid, sqlite3_column_blob(st, 0), len, text))
        ok = true;
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);

  /* Undo quoted-printable's soft breaks and "=3D" */
  for (p = q = text; ok && *p; )
  {
    if (!strncmp(p, "=\r\n", 3))
      p += 3;
    else if (!strncmp(p, "=3D", 3))
    {
      *q ++ = '=';
      p += 3;
    }
    else
      *q ++ = *p ++;
  }
  if (ok)
    *q = '\0';

  ok = ok && (p = strstr(text, "code is ")) != NULL && sscanf(p + 8, "%6[0-9]", code) == 1 &&
       (p = strstr(text, "?t=")) != NULL && sscanf(p + 3, "%63[A-Za-z0-9_-]", link) == 1;
  free(text);
  return (ok);
}

/* Run SQL on the gateway's database from another connection. */
static bool
sql(const char *statement)
{
  return (test_sql(test_dir, statement));
}

typedef struct audit_count_s    /* Rows of one action and detail */
{
  const char *action, *detail;
  int         n;
} audit_count_t;

static bool
audit_cb(const gw_audit_t *a, void *data)
{
  audit_count_t *c = (audit_count_t *)data;

  if (!strcmp(a->action, c->action) && (!c->detail || !strcmp(a->detail, c->detail)))
    c->n ++;
  return (true);
}

static int
audit_count(gw_system_t *sys, const char *action, const char *detail)
{
  audit_count_t c = { action, detail, 0 };

  gwApiAuditIterate(sys, &admin, 0, 0, audit_cb, &c);
  return (c.n);
}

typedef struct race_s           /* Parallel wrong codes */
{
  gw_system_t    *sys;
  pthread_mutex_t lock;
  int             wrong, locked;
} race_t;

static void *
race_thread(void *data)
{
  race_t      *r = (race_t *)data;
  gw_session_t s;
  char         sid[64];
  const char  *reason = NULL;

  for (int i = 0; i < 2; i ++)
  {
    bool ok = gwApiSigninCode(r->sys, &web2, "carol@example.test", "999999", sid, sizeof(sid), &s, &reason, NULL);

    pthread_mutex_lock(&r->lock);
    if (!ok && reason && !strcmp(reason, "wrong-code"))
      r->wrong ++;
    else if (!ok && reason && !strcmp(reason, "locked"))
      r->locked ++;
    pthread_mutex_unlock(&r->lock);
  }
  return (NULL);
}

/* Sign an address in by its newest code; sid gets the session id. */
static bool
signin(gw_system_t *sys, const char *address, char *sid, size_t sidsize, gw_session_t *s)
{
  char code[7], link[64];

  return (gwApiSigninCodeSend(sys, &web, address, "https://gw.test/signin/link?t=", NULL, NULL) &&
          mail_code(sys, address, code, link, NULL) && gwApiSigninCode(sys, &web, address, code, sid, sidsize, s, NULL, NULL));
}

/* Reload with extra configuration lines. */
static bool
reload(gw_system_t *sys, const char *extra)
{
  char         conf[512], err[512];
  gw_config_t *c;
  FILE        *fp;

  snprintf(conf, sizeof(conf), "%s/printgate.conf", test_dir);
  if ((fp = fopen(conf, "a")) == NULL)
    return (false);
  fputs(extra, fp);
  fclose(fp);
  return ((c = gwConfigLoad(conf, err, sizeof(err))) != NULL && gwSystemReload(sys, c));
}

int
main(void)
{
  char                code[7], code2[7], link[64], sid[64], sid2[64], key[64], key2[64], pin[32], doc[600], text[512], wrong[16];
  const char         *error = NULL, *reason = NULL, *src = getenv("GW_SOURCE_DIR");
  gw_system_t        *sys;
  gw_session_t        s, s2;
  gw_job_t            job;
  gw_job_options_t    opts;
  gw_submission_t    *sub;
  gw_reason_t         why;
  gw_release_result_t rr;
  gw_terminal_t       term;
  gw_actor_t          alice = { GW_DEFAULT_TENANT, "alice", GW_ROLE_USER, "192.0.2.30", "web" };
  race_t              race;
  pthread_t           threads[4];
  int                 count = 0, n;

  if (!test_tempdir(test_dir, sizeof(test_dir)))
    return (1);
  snprintf(doc, sizeof(doc), "%s/tests/data/convert/three-pages.ps", src ? src : ".");

  TEST_BEGIN("a gateway with alice and bob (verified addresses), guests off");
  if ((sys = test_gateway(test_dir, "LogLevel debug\nPinMaxFailures 5\nPinMaxFailuresTenant 1000\nPinLockout 600\nPrinterRetries 0\nPrinterTimeout 2\n")) == NULL)
    TEST_EXIT();
  TEST_CHECK(gwApiUserAdd(sys, &admin, "alice", "Alice", GW_ROLE_USER, NULL, &error));
  TEST_CHECK(gwApiUserAdd(sys, &admin, "bob", "Bob", GW_ROLE_USER, NULL, &error));
  TEST_CHECK(gwApiUserAdd(sys, &admin, "carol", "Carol", GW_ROLE_USER, NULL, &error));
  TEST_CHECK(gwApiAddressAdd(sys, &admin, "alice", "alice@example.test", &error) && gwApiAddressSetState(sys, &admin, "alice@example.test", GW_ADDRESS_VERIFIED, &error));
  TEST_CHECK(gwApiAddressAdd(sys, &admin, "bob", "bob@example.test", &error) && gwApiAddressSetState(sys, &admin, "bob@example.test", GW_ADDRESS_VERIFIED, &error));
  TEST_CHECK(gwApiAddressAdd(sys, &admin, "carol", "carol@example.test", &error));   /* Pending: a code proves it */

  TEST_BEGIN("code send: bad and unknown addresses refused with their reason, nothing mailed");
  TEST_CHECK(!gwApiSigninCodeSend(sys, &web, "not an address", "x", &reason, &error) && !strcmp(reason, "bad-address"));
  TEST_CHECK(!gwApiSigninCodeSend(sys, &web, "a@b\r\nBcc: x@y", "x", &reason, &error) && !strcmp(reason, "bad-address"));
  TEST_CHECK(!gwApiSigninCodeSend(sys, &web, "eve@example.test", "x", &reason, &error) && !strcmp(reason, "guests-off") && strstr(error, "guest accounts are off"));
  TEST_CHECK(!mail_code(sys, "eve@example.test", code, link, NULL));

  TEST_BEGIN("code: mailed through the outbox; signs alice in once; the session has her and a CSRF token");
  TEST_CHECK(gwApiSigninCodeSend(sys, &web, "Alice@Example.test", "https://gw.test/signin/link?t=", &reason, &error));
  TEST_CHECK(mail_code(sys, "alice@example.test", code, link, NULL) && strlen(code) == 6 && strlen(link) == 43);
  snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 1) % 1000000);
  TEST_CHECK(!gwApiSigninCode(sys, &web, "bob@example.test", code, sid, sizeof(sid), &s, &reason, &error) && !strcmp(reason, "wrong-code"));
  TEST_CHECK(gwApiSigninCode(sys, &web, "alice@example.test", code, sid, sizeof(sid), &s, &reason, &error) && !strcmp(s.user.name, "alice"));
  TEST_CHECK(strlen(sid) == GW_API_SESSION_ID_LEN && strlen(s.csrf) == GW_API_CSRF_LEN);
  TEST_CHECK(!gwApiSigninCode(sys, &web, "alice@example.test", code, sid2, sizeof(sid2), &s2, &reason, &error) && !strcmp(reason, "wrong-code"));
  TEST_CHECK(!gwApiSigninCode(sys, &web, NULL, link, sid2, sizeof(sid2), &s2, &reason, &error));   /* The link went with the code */
  TEST_CHECK(gwApiSessionGet(sys, &web, sid, &s2) && !strcmp(s2.user.name, "alice") && !strcmp(s2.csrf, s.csrf));
  TEST_CHECK(gwApiSessionCsrfValid(&s2, s.csrf) && !gwApiSessionCsrfValid(&s2, "") && !gwApiSessionCsrfValid(&s2, NULL));
  s.csrf[0] = s.csrf[0] == 'A' ? 'B' : 'A';
  TEST_CHECK(!gwApiSessionCsrfValid(&s2, s.csrf));
  TEST_CHECK(!db_has(test_dir, sid) && !db_has(test_dir, link) && !db_has(test_dir, s2.csrf) && !test_file_has(test_dir, "log", sid) && !test_file_has(test_dir, "log", link));

  TEST_BEGIN("link: signs in once");
  TEST_CHECK(gwApiSigninCodeSend(sys, &web, "bob@example.test", "https://gw.test/signin/link?t=", &reason, &error) && mail_code(sys, "bob@example.test", code, link, NULL));
  TEST_CHECK(gwApiSigninCode(sys, &web, NULL, link, sid2, sizeof(sid2), &s2, &reason, &error) && !strcmp(s2.user.name, "bob"));
  TEST_CHECK(!gwApiSigninCode(sys, &web, NULL, link, sid2, sizeof(sid2), &s2, &reason, &error) && !strcmp(reason, "wrong-code"));
  TEST_CHECK(!gwApiSigninCode(sys, &web, "bob@example.test", code, sid2, sizeof(sid2), &s2, &reason, &error));

  TEST_BEGIN("lockout: 5 wrong codes lock the address with an audit row; bob's right code in between forgives nothing");
  TEST_CHECK(gwApiLockoutClear(sys, &admin, NULL, &error));
  TEST_CHECK(gwApiSigninCodeSend(sys, &web, "alice@example.test", "https://gw.test/signin/link?t=", &reason, &error) && mail_code(sys, "alice@example.test", code, link, NULL));
  TEST_CHECK(gwApiSigninCodeSend(sys, &web, "bob@example.test", "https://gw.test/signin/link?t=", &reason, &error) && mail_code(sys, "bob@example.test", code2, link, NULL));
  snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 1) % 1000000);
  n = 0;
  for (int i = 0; i < 4; i ++)
    n += !gwApiSigninCode(sys, &web, "alice@example.test", wrong, sid2, sizeof(sid2), &s2, &reason, &error) && !strcmp(reason, "wrong-code");
  TEST_CHECK(n == 4);
  TEST_CHECK(gwApiSigninCode(sys, &web, "bob@example.test", code2, sid2, sizeof(sid2), &s2, &reason, &error));   /* Positive control */
  TEST_CHECK(audit_count(sys, "signin.fail", "code locked") == 0);
  TEST_CHECK(!gwApiSigninCode(sys, &web, "alice@example.test", wrong, sid2, sizeof(sid2), &s2, &reason, &error) && !strcmp(reason, "wrong-code"));
  TEST_CHECK(audit_count(sys, "signin.fail", "code locked") == 1);
  TEST_CHECK(!gwApiSigninCode(sys, &web, "alice@example.test", code, sid2, sizeof(sid2), &s2, &reason, &error) && !strcmp(reason, "locked"));
  TEST_CHECK(!gwApiSigninCode(sys, &web2, "alice@example.test", code, sid2, sizeof(sid2), &s2, &reason, &error) && !strcmp(reason, "locked"));
  TEST_CHECK(audit_count(sys, "signin.locked", NULL) == 2);
  TEST_CHECK(gwApiLockoutClear(sys, &admin, "signin:alice@example.test", &error));
  TEST_CHECK(gwApiSigninCode(sys, &web, "alice@example.test", code, sid2, sizeof(sid2), &s2, &reason, &error));   /* The code survived the lock */

  TEST_BEGIN("lockout: 8 parallel wrong codes get at most 5 checked; proving carol's pending address verifies it");
  TEST_CHECK(gwApiSigninCodeSend(sys, &web2, "carol@example.test", "https://gw.test/signin/link?t=", &reason, &error) && mail_code(sys, "carol@example.test", code, link, NULL));
  memset(&race, 0, sizeof(race));
  race.sys = sys;
  pthread_mutex_init(&race.lock, NULL);
  for (int i = 0; i < 4; i ++)
    pthread_create(threads + i, NULL, race_thread, &race);
  for (int i = 0; i < 4; i ++)
    pthread_join(threads[i], NULL);
  TEST_CHECKF((!strcmp(code, "999999") || race.wrong == 5) && race.locked == 8 - race.wrong, "%d wrong, %d locked", race.wrong, race.locked);
  TEST_CHECK(gwApiLockoutClear(sys, &admin, NULL, &error));
  TEST_CHECK(gwApiSigninCode(sys, &web2, "carol@example.test", code, sid2, sizeof(sid2), &s2, &reason, &error) && !strcmp(s2.user.name, "carol"));
  {
    gw_address_t a;
    TEST_CHECK(gwApiAddressFind(sys, &admin, "carol@example.test", &a) && a.state == GW_ADDRESS_VERIFIED);
  }

  TEST_BEGIN("code requests: 5 per address in 15 minutes, the 6th refused and not mailed");
  n = 0;
  for (int i = 0; i < 6; i ++)
    n += gwApiSigninCodeSend(sys, &web, "bob@example.test", "https://gw.test/signin/link?t=", &reason, &error);
  TEST_CHECKF(n == 5 && !strcmp(reason, "rate-limited"), "%d sent", n);
  TEST_CHECK(mail_code(sys, "bob@example.test", code, link, &count) && count == 7);   /* Two were sent above */
  TEST_CHECK(gwApiLockoutClear(sys, &admin, NULL, &error));

  TEST_BEGIN("sessions: sign out ends one; everywhere ends all; idle and absolute expiry");
  TEST_CHECK(signin(sys, "alice@example.test", sid2, sizeof(sid2), &s2));
  TEST_CHECK(gwApiSessionGet(sys, &web, sid, &s) && gwApiSessionGet(sys, &web, sid2, &s2));
  TEST_CHECK(gwApiSessionEnd(sys, &web, sid2, false, &error) && !gwApiSessionGet(sys, &web, sid2, &s2) && gwApiSessionGet(sys, &web, sid, &s));
  TEST_CHECK(!gwApiSessionEnd(sys, &web, sid2, false, &error));
  TEST_CHECK(signin(sys, "alice@example.test", sid2, sizeof(sid2), &s2));
  TEST_CHECK(gwApiSessionEnd(sys, &web, sid2, true, &error) && !gwApiSessionGet(sys, &web, sid2, &s2) && !gwApiSessionGet(sys, &web, sid, &s));
  TEST_CHECK(audit_count(sys, "signout", NULL) == 2);
  TEST_CHECK(signin(sys, "alice@example.test", sid, sizeof(sid), &s));
  TEST_CHECK(sql("UPDATE sessions SET last_used = last_used - 1801") && !gwApiSessionGet(sys, &web, sid, &s));
  TEST_CHECK(signin(sys, "alice@example.test", sid, sizeof(sid), &s) && gwApiSessionGet(sys, &web, sid, &s));
  TEST_CHECK(sql("UPDATE sessions SET expires = strftime('%s', 'now') - 1") && !gwApiSessionGet(sys, &web, sid, &s));
  TEST_CHECK(!gwApiSessionGet(sys, &web, "short", &s) && !gwApiSessionGet(sys, &web, NULL, &s));

  TEST_BEGIN("guests: on, an unknown address becomes a guest who prints black and white up to GuestMaxPages");
  TEST_CHECK(reload(sys, "GuestAccounts yes\nGuestMaxPages 2\n"));
  TEST_CHECK(signin(sys, "eve@example.test", sid, sizeof(sid), &s) && s.user.role == GW_ROLE_GUEST && !strcmp(s.user.name, "eve@example.test"));
  TEST_CHECK(audit_count(sys, "signin", "guest") == 1);
  {
    gw_actor_t eve = { GW_DEFAULT_TENANT, "eve@example.test", GW_ROLE_GUEST, "192.0.2.40", "web" };

    memset(&opts, 0, sizeof(opts));
    opts.color_mode = "color";
    TEST_CHECK((sub = gwApiJobSubmit(sys, &eve, NULL, "c.ps", &opts, 0, &why, text, sizeof(text))) == NULL && why == GW_REASON_BAD_OPTION && strstr(text, "black and white"));
    TEST_CHECK((sub = gwApiJobSubmit(sys, &eve, NULL, "three.ps", NULL, 0, &why, text, sizeof(text))) != NULL && test_submission_send(sub, doc, &job));
    TEST_CHECKF(gwApiJobWait(sys, &eve, job.id, 60000, &job) && job.state == GW_JOB_STATE_FAILED && job.reason == GW_REASON_TOO_MANY_PAGES && !strcmp(job.color_mode, "monochrome"),
                "%s %s %s", gwJobStateString(job.state), job.reason_text, job.color_mode);
    opts.color_mode = "color";
    TEST_CHECK((sub = gwApiJobSubmit(sys, &alice, NULL, "three.ps", &opts, 0, &why, text, sizeof(text))) != NULL && test_submission_send(sub, doc, &job));
    TEST_CHECK(gwApiJobWait(sys, &alice, job.id, 60000, &job) && job.state == GW_JOB_STATE_HELD && job.pages == 3 && !strcmp(job.color_mode, "color"));
  }

  TEST_BEGIN("terminals: admin only; the key once, as an HMAC; release only at the terminal's printer; revoked at once");
  TEST_CHECK(gwApiPrinterAdd(sys, &admin, "p1", "ipp://127.0.0.1:9/ipp/print", "Lobby", &error));
  TEST_CHECK(gwApiPrinterAdd(sys, &admin, "p2", "ipp://127.0.0.1:9/ipp/print", "Basement", &error));
  TEST_CHECK(!gwApiTerminalAdd(sys, &alice, "t1", "p1", key, sizeof(key), NULL, &error) && !strcmp(error, "permission denied"));
  TEST_CHECK(!gwApiTerminalAdd(sys, &admin, "t1", "nope", key, sizeof(key), NULL, &error));
  TEST_CHECK(gwApiTerminalAdd(sys, &admin, "t1", "p1", key, sizeof(key), NULL, &error) && strlen(key) == GW_API_TERMINAL_KEY_LEN);
  TEST_CHECK(gwApiTerminalAdd(sys, &admin, "t2", "p2", key2, sizeof(key2), NULL, &error) && strcmp(key, key2));
  TEST_CHECK(!gwApiTerminalAdd(sys, &admin, "T1", "p2", key2, sizeof(key2), NULL, &error));
  TEST_CHECK(!db_has(test_dir, key) && !test_file_has(test_dir, "log", key));
  TEST_CHECK(gwApiPinNew(sys, &admin, "alice", pin, sizeof(pin), &error));
  TEST_CHECK(!gwApiTerminalRelease(sys, &web, "x", pin, NULL, NULL, &term, &rr) && strstr(rr.text, "not known"));
  TEST_CHECK(!gwApiTerminalRelease(sys, &web, key, "000000", NULL, NULL, &term, &rr) && rr.released == 0);
  gwApiTerminalRelease(sys, &web, key, pin, NULL, NULL, &term, &rr);   /* p1 does not answer: the job stays held */
  TEST_CHECKF(!strcmp(term.printer, "p1") && rr.held == 1 && strstr(rr.text, "'p1'"), "%d %d %d %s", rr.released, rr.held, rr.failed, rr.text);
  {
    gw_job_t j;
    TEST_CHECK(gwApiJobGet(sys, &admin, job.id, &j) && j.state == GW_JOB_STATE_HELD && !strcmp(j.printer, "p1"));
  }
  TEST_CHECK(gwApiTerminalRevoke(sys, &admin, "t1", &error) && !gwApiTerminalRevoke(sys, &admin, "t1", &error));
  TEST_CHECK(!gwApiTerminalRelease(sys, &web, key, pin, NULL, NULL, &term, &rr) && strstr(rr.text, "not known"));

  gwSystemDelete(&sys);
  test_rmtree(test_dir);
  TEST_EXIT();
}
