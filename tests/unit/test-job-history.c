/*
 * test-job-history.c - the core's job history (gateway/job-history.c,
 * JobHistory) on a real gateway:
 *  - a real job cancelled through the API is gone from the store and
 *    listed by gwApiJobHistoryIterate() as it ended (cancelled, its name
 *    and pages), to its owner and an admin, never to another user;
 *  - scope: a user lists only its own entries and may not name another
 *    user; an admin lists all or one user's;
 *  - JobHistory: an entry that ended longer ago is not listed, but stays in
 *    memory until the expiry sweep wipes it (a longer JobHistory lists it
 *    again before the sweep, not after: the control that the sweep, not
 *    the filter, removed it); with JobHistory 0 nothing is remembered;
 *  - the bound: 1,100 ended jobs leave the newest 1,024, oldest first;
 *  - erasing a user wipes its entries and keeps the others';
 *  - threads adding and listing at once (for ASan/TSan): each listing is
 *    ordered and bounded, and the ring ends full.
 */

#include "test.h"
#include "gateway-harness.h"
#include "system-private.h"
#include "printgate/store.h"

#include <pthread.h>
#include <time.h>

#define T GW_DEFAULT_TENANT

static const gw_actor_t admin = { T, "cli:root", GW_ROLE_ADMIN, "control:cli:root", "cli" };
static const gw_actor_t alice = { T, "alice", GW_ROLE_USER, "192.0.2.10", "ipp" };
static const gw_actor_t bob   = { T, "bob", GW_ROLE_USER, "192.0.2.11", "ipp" };
static char             dir[256];
static gw_system_t     *sys;

typedef struct list_s           /* What one listing handed out */
{
  int  numbers[2048];
  int  count;
  bool ordered;                 /* Ascending 'updated', then insertion (numbers rise here) */
  int  last;
  gw_job_t first;
} list_t;


/*
 * 'list_cb()' - Collect numbers.
 */

static bool
list_cb(const gw_job_t *job, void *data)
{
  list_t *l = (list_t *)data;

  if (!l->count)
    l->first = *job;
  if (job->number < l->last)
    l->ordered = false;
  l->last = job->number;
  if (l->count < 2048)
    l->numbers[l->count ++] = job->number;
  return (true);
}


/*
 * 'listing()' - List as 'a' (user NULL = its scope); false = refused.
 */

static bool
listing(const gw_actor_t *a, const char *user, list_t *l)
{
  memset(l, 0, sizeof(*l));
  l->ordered = true;
  return (gwApiJobHistoryIterate(sys, a, user, list_cb, l));
}


/*
 * 'has()' - Whether a listing holds a number.
 */

static bool
has(const list_t *l, int number)
{
  for (int i = 0; i < l->count; i ++)
    if (l->numbers[i] == number)
      return (true);
  return (false);
}


/*
 * 'ended()' - Put a made-up ended job of 'user' into the history.
 */

static void
ended(const char *user, int number, int64_t when)
{
  gw_user_t u;
  gw_job_t  job;

  memset(&job, 0, sizeof(job));
  if (!gwStoreUserFind(sys->store, T, user, &u))
    return;
  job.tenant  = T;
  job.user_id = u.id;
  job.number  = number;
  job.state   = GW_JOB_STATE_PRINTED;
  job.updated = when;
  snprintf(job.owner, sizeof(job.owner), "%s", user);
  snprintf(job.name, sizeof(job.name), "doc-%d.pdf", number);
  _gwJobHistoryAdd(sys, &job);
}


/*
 * 'reload()' - Set JobHistory in the configuration and reload it.
 */

static bool
reload(const char *value)
{
  char         conf[512], err[512], text[4096] = "", line[1024];
  size_t       len = 0;
  gw_config_t *c;
  FILE        *fp;

  snprintf(conf, sizeof(conf), "%s/printgate.conf", dir);
  if ((fp = fopen(conf, "r")) == NULL)
    return (false);
  while (fgets(line, sizeof(line), fp))
    if (strncmp(line, "JobHistory ", 11))
      len += (size_t)snprintf(text + len, sizeof(text) - len, "%s", line);
  fclose(fp);
  if ((fp = fopen(conf, "w")) == NULL)
    return (false);
  fprintf(fp, "%sJobHistory %s\n", text, value);
  fclose(fp);
  if ((c = gwConfigLoad(conf, err, sizeof(err))) == NULL)
    printf("    %s\n", err);
  return (c && gwSystemReload(sys, c));
}


/* ---- Threads ----------------------------------------------------------------------- */

static void *
adder(void *arg)
{
  int base = (int)(intptr_t)arg;

  for (int i = 0; i < 2000; i ++)
    ended(i % 2 ? "alice" : "bob", base + i, time(NULL));
  return (NULL);
}

static void *
lister(void *arg)
{
  static list_t lists[2];
  list_t       *l = lists + (intptr_t)arg;
  bool          ok = true;

  for (int i = 0; i < 200; i ++)
    ok &= listing(&admin, NULL, l) && l->count <= 1024;
  return (ok ? l : NULL);
}


int
main(void)
{
  char             doc[1024], text[512];
  gw_reason_t      why;
  gw_submission_t *sub;
  gw_job_t         job;
  const char      *error = NULL;
  static list_t    l;
  int64_t          now = time(NULL);

  TEST_BEGIN("a gateway with alice, bob and JobHistory 1h");
  if ((sys = test_gateway_start(dir, sizeof(dir), doc, sizeof(doc), "JobHistory 1h\n")) == NULL)
    TEST_EXIT();
  TEST_CHECK(gwApiUserAdd(sys, &admin, "alice", "Alice", GW_ROLE_USER, NULL, &error) && gwApiUserAdd(sys, &admin, "bob", "", GW_ROLE_USER, NULL, &error));

  TEST_BEGIN("a real job cancelled: gone from the store, listed as it ended to alice and the admin, not bob");
  memset(&job, 0, sizeof(job));
  TEST_CHECKF((sub = gwApiJobSubmit(sys, &alice, NULL, "three.ps", NULL, -1, &why, text, sizeof(text))) != NULL, "%s", text);
  if (sub)
    TEST_CHECK(test_submission_send(sub, doc, &job));
  TEST_CHECK(gwSystemJobWait(sys, T, job.id, 60000, &job) && job.state == GW_JOB_STATE_HELD);
  TEST_CHECK(listing(&alice, NULL, &l) && l.count == 0);                 /* Control: nothing ended yet */
  TEST_CHECK(gwApiJobCancel(sys, &alice, job.id, &error));
  TEST_CHECK(!gwApiJobGet(sys, &alice, job.id, &job));
  TEST_CHECKF(listing(&alice, NULL, &l) && l.count == 1 && l.first.state == GW_JOB_STATE_CANCELLED && l.first.pages == 3 &&
              !strcmp(l.first.name, "three.ps") && !strcmp(l.first.owner, "alice"), "%d entries, state %d, %d pages", l.count, l.first.state, l.first.pages);
  TEST_CHECK(listing(&admin, NULL, &l) && l.count == 1);
  TEST_CHECK(listing(&bob, NULL, &l) && l.count == 0);

  TEST_BEGIN("scope: each user its own; naming another user is refused; an admin names anyone");
  ended("alice", 101, now);
  ended("bob", 102, now);
  TEST_CHECK(listing(&alice, NULL, &l) && l.count == 2 && has(&l, 101) && !has(&l, 102));
  TEST_CHECK(listing(&bob, NULL, &l) && l.count == 1 && has(&l, 102));
  TEST_CHECK(!listing(&alice, "bob", &l) && l.count == 0);
  TEST_CHECK(listing(&admin, "bob", &l) && l.count == 1 && has(&l, 102));
  TEST_CHECK(listing(&admin, NULL, &l) && l.count == 3);

  TEST_BEGIN("JobHistory: older entries are not listed, and the sweep wipes them");
  ended("alice", 103, now - 2 * 3600);
  TEST_CHECK(listing(&alice, NULL, &l) && !has(&l, 103));
  TEST_CHECK(reload("3h") && listing(&alice, NULL, &l) && has(&l, 103));   /* Still in memory */
  TEST_CHECK(reload("1h"));
  gwSystemExpire(sys, time(NULL));
  TEST_CHECK(reload("3h") && listing(&alice, NULL, &l) && !has(&l, 103) && has(&l, 101));   /* Wiped, the new one kept */
  TEST_CHECK(reload("0") && listing(&admin, NULL, &l) && l.count == 0);
  ended("alice", 104, now);
  TEST_CHECK(reload("1h") && listing(&alice, NULL, &l) && !has(&l, 104) && has(&l, 101));

  TEST_BEGIN("the bound: 1,100 ended jobs leave the newest 1,024, oldest first");
  for (int i = 0; i < 1100; i ++)
    ended("alice", 1000 + i, now);
  TEST_CHECKF(listing(&admin, NULL, &l) && l.count == 1024 && l.numbers[0] == 1076 && l.numbers[1023] == 2099 && l.ordered, "%d entries, %d..%d", l.count, l.numbers[0], l.count ? l.numbers[l.count - 1] : 0);

  TEST_BEGIN("erasing alice wipes her entries, bob's stay");
  ended("bob", 3001, now);
  ended("alice", 3002, now);
  TEST_CHECK(gwApiUserErase(sys, &admin, "alice", NULL, 0, &error));
  TEST_CHECKF(listing(&admin, NULL, &l) && l.count == 1 && has(&l, 3001), "%d entries", l.count);

  TEST_BEGIN("four threads adding and two listing at once");
  TEST_CHECK(gwApiUserAdd(sys, &admin, "alice", "", GW_ROLE_USER, NULL, &error));
  {
    pthread_t add[4], list[2];
    void     *res[2];

    for (intptr_t i = 0; i < 4; i ++)
      pthread_create(add + i, NULL, adder, (void *)(10000 + i * 10000));
    for (intptr_t i = 0; i < 2; i ++)
      pthread_create(list + i, NULL, lister, (void *)i);
    for (int i = 0; i < 4; i ++)
      pthread_join(add[i], NULL);
    for (int i = 0; i < 2; i ++)
      pthread_join(list[i], res + i);
    TEST_CHECK(res[0] != NULL && res[1] != NULL);
    TEST_CHECK(listing(&admin, NULL, &l) && l.count == 1024);
  }

  gwSystemDelete(&sys);
  test_rmtree(dir);
  TEST_EXIT();
}
