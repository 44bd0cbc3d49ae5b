/*
 * test-store-scale.c - the store with 10,000 held jobs: every job comes
 * back from iteration once, counts are right, the expiry sweep of all of
 * them works from inside its own iteration, and the store's memory stays
 * small (the daemon's budget is 40 MB RSS with 10,000 held jobs; the store
 * may use a small part of it).
 *
 * The memory ceiling is skipped in sanitizer builds, whose allocator
 * changes RSS beyond meaning.
 */

#include "test.h"
#include "printgate/clock.h"
#include "store-private.h"

#include <time.h>

#define NUM_USERS   50
#define NUM_JOBS    10000
#define STORE_RSS_MAX_KB (12 * 1024)   /* Growth allowed for the store itself */


/*
 * 'rss_kb()' - Resident set size of this process in KiB (from /proc).
 */

static long
rss_kb(void)
{
  FILE *fp = fopen("/proc/self/status", "r");
  char  line[256];
  long  kb = -1;

  if (!fp)
    return (-1);

  while (fgets(line, sizeof(line), fp))
  {
    if (!strncmp(line, "VmRSS:", 6))
    {
      char *end;

      kb = strtol(line + 6, &end, 10);
      break;
    }
  }
  fclose(fp);

  return (kb);
}



typedef struct sweep_s
{
  gw_store_t *s;
  int         seen, expired, purged;
} sweep_t;

TEST_COUNT_CB(count_cb, gw_job_t)

static bool
sweep_cb(const gw_job_t *job, void *data)
{
  sweep_t *sw = (sweep_t *)data;

  sw->seen ++;
  if (gwStoreJobTransition(sw->s, job->tenant, job->id, job->state, GW_JOB_STATE_EXPIRED, GW_REASON_EXPIRED, "expired", -1, NULL, "system", "expiry", "job.expire", NULL))
    sw->expired ++;
  if (gwStoreJobPurge(sw->s, job->tenant, job->id))
    sw->purged ++;

  return (true);
}


int
main(void)
{
  char             dir[1024], path[1100];
  gw_store_t      *s;
  int64_t          users[NUM_USERS];
  gw_job_t         job;
  gw_wrapped_key_t key;
  sweep_t          sw;
  int              held = 0, n = 0;
  long             rss0, rss1, rss2;
  double           t0, t_create, t_iter, t_count, t_sweep;
  int64_t          now = (int64_t)time(NULL);

  if (!test_tempdir(dir, sizeof(dir)))
    return (1);
  snprintf(path, sizeof(path), "%s/scale.db", dir);

  rss0 = rss_kb();
  s    = gwStoreOpen(path, NULL, NULL);
  TEST_CHECK(s != NULL);
  if (!s)
    TEST_EXIT();

  TEST_BEGIN("scale: 10,000 held jobs for 50 users");
  for (int u = 0; u < NUM_USERS; u ++)
  {
    char name[32];

    snprintf(name, sizeof(name), "user%02d", u);
    gwStoreUserAdd(s, GW_DEFAULT_TENANT, name, "", GW_ROLE_USER, NULL, false, users + u, NULL);
  }

  t0 = gwClockMs();
  for (int i = 0; i < NUM_JOBS; i ++)
  {
    memset(&job, 0, sizeof(job));
    snprintf(job.id, sizeof(job.id), "%08x-2222-4000-8000-%012x", (unsigned)i, (unsigned)i);
    job.tenant  = GW_DEFAULT_TENANT;
    job.user_id = users[i % NUM_USERS];
    job.copies  = 1;
    snprintf(job.owner, sizeof(job.owner), "user%02d", i % NUM_USERS);
    snprintf(job.name, sizeof(job.name), "document-%d.pdf", i);
    snprintf(job.origin, sizeof(job.origin), "ipp");
    memset(key.bytes, i & 0xff, sizeof(key.bytes));

    if (gwStoreJobCreate(s, &job, job.owner, "scale", NULL) &&
        gwStoreJobSetDocument(s, GW_DEFAULT_TENANT, job.id, "application/pdf", 50000, 2, 0, &key) &&
        gwStoreJobTransition(s, GW_DEFAULT_TENANT, job.id, GW_JOB_STATE_RECEIVING, GW_JOB_STATE_CONVERTING, GW_REASON_NONE, "", -1, NULL, "system", "scale", "job.convert", NULL) &&
        gwStoreJobTransition(s, GW_DEFAULT_TENANT, job.id, GW_JOB_STATE_CONVERTING, GW_JOB_STATE_HELD, GW_REASON_NONE, "", now + 1 + i % 100, NULL, "system", "scale", "job.hold", NULL))
      held ++;
  }
  t_create = gwClockMs() - t0;
  TEST_CHECK(held == NUM_JOBS);

  t0 = gwClockMs();
  TEST_CHECK(gwStoreJobIterate(s, GW_DEFAULT_TENANT, 0, 1u << GW_JOB_STATE_HELD, count_cb, &n) && n == NUM_JOBS);
  t_iter = gwClockMs() - t0;

  t0 = gwClockMs();
  for (int u = 0; u < NUM_USERS; u ++)
    TEST_CHECK(gwStoreJobCount(s, GW_DEFAULT_TENANT, users[u], 1u << GW_JOB_STATE_HELD) == NUM_JOBS / NUM_USERS);
  t_count = (gwClockMs() - t0) / NUM_USERS;
  TEST_CHECK(gwStoreJobCount(s, GW_DEFAULT_TENANT, 0, 1u << GW_JOB_STATE_HELD) == NUM_JOBS);

  rss1 = rss_kb();

  TEST_BEGIN("scale: one expiry sweep expires and purges all of them");
  memset(&sw, 0, sizeof(sw));
  sw.s = s;
  t0 = gwClockMs();
  TEST_CHECK(gwStoreJobIterateExpired(s, now + 1000, 1u << GW_JOB_STATE_HELD, sweep_cb, &sw));
  t_sweep = gwClockMs() - t0;
  TEST_CHECK(sw.seen == NUM_JOBS && sw.expired == NUM_JOBS && sw.purged == NUM_JOBS);
  TEST_CHECK(gwStoreJobCount(s, GW_DEFAULT_TENANT, 0, 0) == 0);

  rss2 = rss_kb();

  printf("  create+hold %.2f ms/job, iterate 10k %.0f ms, count per user %.2f ms, sweep 10k %.0f ms\n",
         t_create / NUM_JOBS, t_iter, t_count, t_sweep);
  printf("  RSS: %ld KiB before open, %ld KiB with 10,000 held jobs, %ld KiB after the sweep (store growth %ld KiB)\n",
         rss0, rss1, rss2, rss1 - rss0);

#ifndef PRINTGATE_SANITIZE
  TEST_BEGIN("scale: memory");
  TEST_CHECKF(rss1 - rss0 < STORE_RSS_MAX_KB, "store grew RSS by %ld KiB", rss1 - rss0);
  TEST_CHECKF(rss2 - rss0 < STORE_RSS_MAX_KB, "store grew RSS by %ld KiB", rss2 - rss0);
#endif

  gwStoreClose(&s);
  test_rmtree(dir);

  TEST_EXIT();
}
