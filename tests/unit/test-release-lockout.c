/*
 * test-release-lockout.c - PIN and card guessing against the real release
 * path: gwSystemRelease() on a real system (store, keys, spool in a private
 * temporary folder), attacked the way a guesser would.
 *
 * The checks read what the person at the printer would see (the release
 * answer): "PIN not recognised" means the attempt reached the PIN lookup,
 * "Too many wrong PINs" means it was refused before.  Limits here:
 * PinMaxFailures 5 (per printer and per client), PinMaxFailuresTenant 12.
 */

#include "test.h"
#include "system-private.h"

#include <pthread.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#define T       GW_DEFAULT_TENANT
#define LIMIT   5
#define TENANT  12
#define THREADS 50

static char         tempdir[900];
static gw_system_t *sys;
static char         alice_pin[32];
static char         wrong[THREADS + 20][16];     /* PINs nobody has */


/*
 * 'fake_send()' - A printer that takes everything (not reached: nobody here has held jobs).
 */

static void
fake_send(const char *printer_name, const char *uri, gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result)
{
  (void)printer_name; (void)uri; (void)doc; (void)opts;
  memset(result, 0, sizeof(*result));
  result->status = GW_SINK_OK;
}

static const char *const fake_schemes[] = { "ipp", NULL };
static const gw_sink_ops_t fake_sink = { "fake", fake_schemes, NULL, fake_send, NULL };


/*
 * 'release()' - One release attempt; returns the answer's text in buf.
 */

static const char *
release(const char *printer, const char *client, const char *source, const char *pin, const char *card, char *buf, size_t bufsize)
{
  gw_release_t        rel;
  gw_release_result_t result;

  memset(&rel, 0, sizeof(rel));
  rel.pin     = pin;
  rel.card    = card;
  rel.printer = printer;
  rel.source  = source;
  rel.client  = client;
  rel.actor   = "test";
  gwSystemRelease(sys, T, &rel, &result);
  snprintf(buf, bufsize, "%s", result.text);

  return (buf);
}

#define IS_WRONG(text)   (strstr((text), "not recognised") != NULL)  /* Reached the lookup */
#define IS_LOCKED(text)  (strstr((text), "Too many wrong") != NULL)  /* Refused before it */
#define IS_ALICE(text)   (strstr((text), "alice has no held jobs") != NULL)  /* Identified */


/* ---- Parallel guessing ---------------------------------------------------------- */

typedef struct guess_s
{
  int  n;
  char text[512];
} guess_t;

static pthread_barrier_t barrier;

static void *
guess_thread(void *data)
{
  guess_t *g = (guess_t *)data;

  pthread_barrier_wait(&barrier);
  release("lobby", "term-parallel", "lobby", wrong[g->n], NULL, g->text, sizeof(g->text));

  return (NULL);
}


/*
 * 'setup()' - A system with printers lobby, p0..p9, users alice and bob,
 *             and PINs nobody has.
 */

static bool
setup(void)
{
  gw_config_t *c = gwConfigNewDefaults();
  const char  *error = NULL;
  char         name[16];
  int64_t      id;

  if (!test_tempdir(tempdir, sizeof(tempdir)))
    return (false);

  snprintf(c->state_dir, sizeof(c->state_dir), "%s", tempdir);
  snprintf(c->log_file, sizeof(c->log_file), "%s/printgated.log", tempdir);
  c->office_workers          = 0;
  c->pin_max_failures        = LIMIT;
  c->pin_max_failures_tenant = TENANT;
  c->pin_lockout             = 900;

  if ((sys = gwSystemNew(c, true, &error)) == NULL)
  {
    printf("gwSystemNew: %s\n", error ? error : "?");
    return (false);
  }
  gwSystemAddSink(sys, &fake_sink);

  if (!gwStorePrinterAdd(gwSystemGetStore(sys), T, "lobby", "ipp://127.0.0.1:9/ipp/print", "", NULL))
    return (false);
  for (int i = 0; i < 10; i ++)
  {
    snprintf(name, sizeof(name), "p%d", i);
    if (!gwStorePrinterAdd(gwSystemGetStore(sys), T, name, "ipp://127.0.0.1:9/ipp/print", "", NULL))
      return (false);
  }
  if (!gwStoreUserAdd(gwSystemGetStore(sys), T, "alice", "", GW_ROLE_USER, "", false, &id, NULL) ||
      !gwStoreUserAdd(gwSystemGetStore(sys), T, "bob", "", GW_ROLE_USER, "", false, &id, NULL) ||
      !gwSystemPinNew(sys, T, "alice", alice_pin, sizeof(alice_pin), &error))
    return (false);

  /* Wrong PINs: valid-looking 6 digits, none of them alice's (bob has no PIN). */
  for (int i = 0; i < (int)(sizeof(wrong) / sizeof(wrong[0])); i ++)
    snprintf(wrong[i], sizeof(wrong[i]), "%06d", (int)((strtol(alice_pin, NULL, 10) + 1 + i) % 1000000));

  return (true);
}


int
main(void)
{
  char        text[512], card[80];
  const char *error;
  pthread_t   threads[THREADS];
  guess_t     guesses[THREADS];
  int         reached, locked, other;
  gw_store_t *store;

  if (!setup())
  {
    printf("FAIL setup\n");
    return (1);
  }
  store = gwSystemGetStore(sys);

  /*
   * Interleaving: wrong x4, one's own right PIN, wrong: the fifth failure
   * locks the printer although a right PIN came between, and then the
   * right PIN is refused too.
   */

  TEST_BEGIN("interleave: a right PIN between wrong ones forgives nothing");
  for (int i = 0; i < LIMIT - 1; i ++)
    TEST_CHECKF(IS_WRONG(release("lobby", "term-1", "lobby", wrong[i], NULL, text, sizeof(text))), "%s", text);
  TEST_CHECKF(IS_ALICE(release("lobby", "term-1", "lobby", alice_pin, NULL, text, sizeof(text))), "%s", text);
  TEST_CHECKF(IS_WRONG(release("lobby", "term-1", "lobby", wrong[LIMIT], NULL, text, sizeof(text))), "%s", text);
  TEST_CHECKF(IS_LOCKED(release("lobby", "term-1", "lobby", wrong[LIMIT + 1], NULL, text, sizeof(text))), "%s", text);
  TEST_CHECKF(IS_LOCKED(release("lobby", "term-1", "lobby", alice_pin, NULL, text, sizeof(text))), "right PIN while locked: %s", text);

  /* Another printer from another client is not locked (the tenant limit is higher). */
  TEST_CHECKF(IS_ALICE(release("p0", "term-other", "p0", alice_pin, NULL, text, sizeof(text))), "%s", text);

  /* The source label does not choose the counter: a new label at lobby is still locked. */
  TEST_CHECKF(IS_LOCKED(release("lobby", "term-new", "a-new-label", wrong[0], NULL, text, sizeof(text))), "%s", text);

  TEST_BEGIN("admin clear lifts the lock");
  TEST_CHECK(gwStoreLockoutClear(store, T, NULL));
  TEST_CHECKF(IS_ALICE(release("lobby", "term-1", "lobby", alice_pin, NULL, text, sizeof(text))), "%s", text);

  /*
   * 50 parallel wrong attempts at one printer from one client: exactly
   * LIMIT reach the lookup, the rest are refused before it.
   */

  TEST_BEGIN("parallel: 50 wrong PINs at once, exactly PinMaxFailures reach the lookup");
  TEST_CHECK(gwStoreLockoutClear(store, T, NULL));
  pthread_barrier_init(&barrier, NULL, THREADS);
  for (int i = 0; i < THREADS; i ++)
  {
    guesses[i].n = i;
    pthread_create(threads + i, NULL, guess_thread, guesses + i);
  }
  reached = locked = other = 0;
  for (int i = 0; i < THREADS; i ++)
  {
    pthread_join(threads[i], NULL);
    if (IS_WRONG(guesses[i].text))
      reached ++;
    else if (IS_LOCKED(guesses[i].text))
      locked ++;
    else
    {
      other ++;
      printf("  unexpected answer: %s\n", guesses[i].text);
    }
  }
  pthread_barrier_destroy(&barrier);
  TEST_CHECKF(reached == LIMIT && locked == THREADS - LIMIT && other == 0, "reached the lookup %d, locked %d, other %d", reached, locked, other);
  TEST_CHECKF(IS_LOCKED(release("lobby", "term-parallel", "lobby", alice_pin, NULL, text, sizeof(text))), "%s", text);

  /*
   * A guesser that rotates printers (and source labels) from one client is
   * stopped by the client limit.
   */

  TEST_BEGIN("rotating printers: stopped by the client limit");
  TEST_CHECK(gwStoreLockoutClear(store, T, NULL));
  reached = 0;
  for (int i = 0; i < 10; i ++)
  {
    char printer[8], label[16];

    snprintf(printer, sizeof(printer), "p%d", i);
    snprintf(label, sizeof(label), "label-%d", i);
    if (IS_WRONG(release(printer, "term-rotating", label, wrong[i], NULL, text, sizeof(text))))
      reached ++;
  }
  TEST_CHECKF(reached == LIMIT, "reached the lookup %d times", reached);
  TEST_CHECKF(IS_LOCKED(text) && strstr(text, "from this terminal"), "%s", text);

  /*
   * A guesser that rotates clients (and printers) is stopped by the tenant
   * limit, which then refuses everyone until it ends or an admin clears it.
   */

  TEST_BEGIN("rotating clients: stopped by the tenant limit");
  TEST_CHECK(gwStoreLockoutClear(store, T, NULL));
  reached = 0;
  for (int i = 0; i < TENANT + 8; i ++)
  {
    char printer[8], client[32];

    snprintf(printer, sizeof(printer), "p%d", i % 10);
    snprintf(client, sizeof(client), "bot-%d", i);
    if (IS_WRONG(release(printer, client, printer, wrong[i], NULL, text, sizeof(text))))
      reached ++;
  }
  TEST_CHECKF(reached == TENANT, "reached the lookup %d times", reached);
  TEST_CHECKF(IS_LOCKED(text) && strstr(text, "on this gateway"), "%s", text);
  TEST_CHECKF(IS_LOCKED(release("lobby", "term-fresh", "lobby", alice_pin, NULL, text, sizeof(text))), "%s", text);
  TEST_CHECK(gwStoreLockoutClear(store, T, NULL));
  TEST_CHECKF(IS_ALICE(release("lobby", "term-fresh", "lobby", alice_pin, NULL, text, sizeof(text))), "%s", text);

  TEST_BEGIN("no client id: PIN release refused");
  TEST_CHECKF(strstr(release("lobby", NULL, "lobby", alice_pin, NULL, text, sizeof(text)), "did not say which client") != NULL, "%s", text);

  /*
   * Cards: 64 characters register and release; 65 are refused with a
   * sentence (the "card:" prefix used to overflow a 64-byte limit at 60).
   */

  TEST_BEGIN("cards: 60 to 64 characters work, 65 are refused clearly");
  for (int len = 59; len <= 64; len ++)
  {
    for (int i = 0; i < len; i ++)
      card[i] = "0123456789ABCDEF"[(i * 7 + len) % 16];
    card[len] = '\0';
    error = NULL;
    TEST_CHECKF(gwSystemCardSet(sys, T, "alice", card, &error), "%d characters: %s", len, error ? error : "");
    TEST_CHECKF(IS_ALICE(release("lobby", "term-card", "lobby", NULL, card, text, sizeof(text))), "%d characters: %s", len, text);
  }
  memset(card, 'A', 65);
  card[65] = '\0';
  error = NULL;
  TEST_CHECKF(!gwSystemCardSet(sys, T, "alice", card, &error) && error && strstr(error, "4 to 64 characters"), "%s", error ? error : "(accepted)");
  TEST_CHECKF(strstr(release("lobby", "term-card", "lobby", NULL, card, text, sizeof(text)), "Card not accepted: a card number has 4 to 64 characters") != NULL, "%s", text);
  /* A card registered before the fix (gwPinHash of "card:" + number) still releases. */
  {
    unsigned char hmac[GW_HMAC_LEN];
    gw_user_t     bob;

    TEST_CHECK(gwStoreUserFind(store, T, "bob", &bob) && gwPinHash(sys->keys, "card:04A1B2C3D4", hmac) &&
               gwStoreCardSet(store, T, bob.id, hmac, NULL));
    TEST_CHECKF(strstr(release("lobby", "term-card", "lobby", NULL, "04A1B2C3D4", text, sizeof(text)), "bob has no held jobs") != NULL, "%s", text);
  }
  /* A card is not a PIN: alice's PIN given as a card does not match. */
  TEST_CHECKF(strstr(release("lobby", "term-card2", "lobby", NULL, alice_pin, text, sizeof(text)), "Card not recognised") != NULL, "%s", text);

  /*
   * A store error refuses (positive control above: the same release worked).
   * The lockout table is dropped behind the daemon's back.
   */

  TEST_BEGIN("store error: the attempt is refused");
  {
    char     path[1100];
    sqlite3 *db = NULL;

    snprintf(path, sizeof(path), "%s/printgate.db", tempdir);
    TEST_CHECK(sqlite3_open(path, &db) == SQLITE_OK && sqlite3_exec(db, "DROP TABLE lockouts", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    TEST_CHECKF(strstr(release("lobby", "term-fresh", "lobby", alice_pin, NULL, text, sizeof(text)), "PIN and card release is unavailable") != NULL, "%s", text);
  }

  gwSystemDelete(&sys);
  test_rmtree(tempdir);

  TEST_EXIT();
}
