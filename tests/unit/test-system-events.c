/*
 * test-system-events.c - job events from a real gateway (gw_system_t with
 * a store, spool and the converter): a submission emits receiving ->
 * converting -> held in order, with its origin; a subscriber stuck in its
 * callback delays neither the conversion nor the waiters; a cancel and an
 * expiry emit before the row is purged; a refused transition emits
 * nothing; an origin filter sees only its own jobs.
 */

#include "printgate/system.h"
#include "printgate/store.h"
#include "printgate/event.h"
#include "test.h"
#include "gateway-harness.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct seen_s
{
  pthread_mutex_t mutex;
  pthread_cond_t  cond;
  gw_job_event_t  events[64];
  int             count;
  bool            block;
} seen_t;

static void
record(const gw_job_event_t *e, void *data)
{
  seen_t *s = (seen_t *)data;

  pthread_mutex_lock(&s->mutex);
  while (s->block)
    pthread_cond_wait(&s->cond, &s->mutex);
  if (s->count < 64)
    s->events[s->count] = *e;
  s->count ++;
  pthread_cond_broadcast(&s->cond);
  pthread_mutex_unlock(&s->mutex);
}

static void
seen_init(seen_t *s, bool block)
{
  memset(s, 0, sizeof(*s));
  pthread_mutex_init(&s->mutex, NULL);
  pthread_cond_init(&s->cond, NULL);
  s->block = block;
}

static int
count_for(seen_t *s, const char *job_id, gw_job_state_t to)
{
  int n = 0;

  pthread_mutex_lock(&s->mutex);
  for (int i = 0; i < s->count && i < 64; i ++)
    n += !strcmp(s->events[i].job_id, job_id) && s->events[i].new_state == to;
  pthread_mutex_unlock(&s->mutex);
  return (n);
}

static bool
submit_opts(gw_system_t *sys, const char *origin, const char *file, const gw_job_options_t *options, gw_job_t *job);

static bool
submit(gw_system_t *sys, const char *origin, const char *file, gw_job_t *job)
{
  return (submit_opts(sys, origin, file, NULL, job));
}

static bool
submit_opts(gw_system_t *sys, const char *origin, const char *file, const gw_job_options_t *options, gw_job_t *job)
{
  gw_submission_t *sub;
  gw_reason_t      reason;
  char             text[512];

  if ((sub = gwSubmissionBegin(sys, GW_DEFAULT_TENANT, "eve", "page.ps", origin, options, -1, &reason, text, sizeof(text))) == NULL)
  {
    printf("  Begin: %s\n", text);
    return (false);
  }

  return (test_submission_send(sub, file, job));
}

int
main(void)
{
  char          dir[256], doc[1024];
  const char   *error = NULL;
  gw_system_t  *sys;
  gw_events_t  *events;
  gw_job_t      job, job2, got;
  static seen_t all, slow, web;
  int64_t       uid;

  TEST_BEGIN("a gateway with its events");
  if ((sys = test_gateway_start(dir, sizeof(dir), doc, sizeof(doc), "")) == NULL)
    TEST_EXIT();
  TEST_CHECK((events = gwSystemGetEvents(sys)) != NULL);
  TEST_CHECK(gwStoreUserAdd(gwSystemGetStore(sys), GW_DEFAULT_TENANT, "eve", "", GW_ROLE_USER, NULL, false, &uid, &error));
  seen_init(&all, false);
  seen_init(&slow, true);
  seen_init(&web, false);
  TEST_CHECK(gwEventsSubscribe(events, NULL, record, &all) > 0);
  TEST_CHECK(gwEventsSubscribe(events, NULL, record, &slow) > 0);
  TEST_CHECK(gwEventsSubscribe(events, "web", record, &web) > 0);

  TEST_BEGIN("a submission: converting, then held, with a subscriber stuck in its callback");
  TEST_CHECK(submit(sys, "cli", doc, &job));
  TEST_CHECK(job.state == GW_JOB_STATE_CONVERTING && job.number > 0);
  TEST_CHECK(gwSystemJobWait(sys, GW_DEFAULT_TENANT, job.id, 60000, &got) && got.state == GW_JOB_STATE_HELD && got.pages == 3);
  TEST_CHECK(gwEventsFlush(events, 200) == false);             /* The stuck one still has them */
  pthread_mutex_lock(&all.mutex);
  while (all.count < 2)
    pthread_cond_wait(&all.cond, &all.mutex);
  pthread_mutex_unlock(&all.mutex);
  TEST_CHECK(!strcmp(all.events[0].job_id, job.id) && all.events[0].old_state == GW_JOB_STATE_RECEIVING && all.events[0].new_state == GW_JOB_STATE_CONVERTING);
  TEST_CHECK(all.events[1].old_state == GW_JOB_STATE_CONVERTING && all.events[1].new_state == GW_JOB_STATE_HELD);
  TEST_CHECK(!strcmp(all.events[1].origin, "cli") && all.events[0].seq < all.events[1].seq);
  TEST_CHECK(slow.count == 0);
  pthread_mutex_lock(&slow.mutex);
  slow.block = false;
  pthread_cond_broadcast(&slow.cond);
  pthread_mutex_unlock(&slow.mutex);
  TEST_CHECK(gwEventsFlush(events, 10000));
  TEST_CHECK(slow.count == 2);

  TEST_BEGIN("an origin filter sees only its own jobs");
  TEST_CHECK(submit(sys, "web", doc, &job2));
  TEST_CHECK(gwSystemJobWait(sys, GW_DEFAULT_TENANT, job2.id, 60000, &got) && got.state == GW_JOB_STATE_HELD);
  TEST_CHECK(gwEventsFlush(events, 10000));
  TEST_CHECK(web.count == 2 && !strcmp(web.events[0].job_id, job2.id));

  TEST_BEGIN("cancel emits; a refused transition emits nothing");
  TEST_CHECK(gwSystemJobCancel(sys, GW_DEFAULT_TENANT, job.id, "admin", &error));
  TEST_CHECK(!gwSystemJobCancel(sys, GW_DEFAULT_TENANT, job.id, "admin", &error));   /* Already finished */
  TEST_CHECK(gwEventsFlush(events, 10000));
  TEST_CHECK(count_for(&all, job.id, GW_JOB_STATE_CANCELLED) == 1);
  TEST_CHECK(all.count == 5);

  TEST_BEGIN("a quarantined submission: converted, held back, then released to its owner");
  {
    gw_job_options_t q;
    gw_job_t         qj;

    memset(&q, 0, sizeof(q));
    q.quarantine = true;
    TEST_CHECK(submit_opts(sys, "mail", doc, &q, &qj));
    TEST_CHECK(gwSystemJobWait(sys, GW_DEFAULT_TENANT, qj.id, 60000, &got) && got.state == GW_JOB_STATE_QUARANTINED && got.pages == 3);
    TEST_CHECK(gwEventsFlush(events, 10000));
    TEST_CHECK(count_for(&all, qj.id, GW_JOB_STATE_QUARANTINED) == 1 && count_for(&all, qj.id, GW_JOB_STATE_HELD) == 0);
    error = NULL;
    TEST_CHECK(!gwSystemJobUnquarantine(sys, GW_DEFAULT_TENANT, job2.id, "admin", "cli", &error) && error && strstr(error, "not quarantined"));
    TEST_CHECK(gwSystemJobUnquarantine(sys, GW_DEFAULT_TENANT, qj.id, "admin", "cli", &error));
    TEST_CHECK(gwStoreJobGet(gwSystemGetStore(sys), GW_DEFAULT_TENANT, qj.id, &got) && got.state == GW_JOB_STATE_HELD && got.expires > time(NULL));
    TEST_CHECK(!gwSystemJobUnquarantine(sys, GW_DEFAULT_TENANT, qj.id, "admin", "cli", &error));
    TEST_CHECK(gwEventsFlush(events, 10000));
    TEST_CHECK(count_for(&all, qj.id, GW_JOB_STATE_HELD) == 1);
  }

  TEST_BEGIN("expiry emits before the row is purged");
  TEST_CHECK(gwSystemExpire(sys, time(NULL) + 400 * 86400) >= 1);
  TEST_CHECK(gwEventsFlush(events, 10000));
  TEST_CHECK(count_for(&all, job2.id, GW_JOB_STATE_EXPIRED) == 1);
  TEST_CHECK(!gwStoreJobGet(gwSystemGetStore(sys), GW_DEFAULT_TENANT, job2.id, &got));  /* Purged */

  gwSystemDelete(&sys);
  test_rmtree(dir);
  TEST_EXIT();
}
