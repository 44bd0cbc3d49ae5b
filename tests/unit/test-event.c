/*
 * test-event.c - the job event bus: order, origin filter, a slow
 * subscriber delays neither the emitter nor the others, a full queue loses
 * events and says how many, a callback may emit, delete delivers what is
 * queued, parallel emitters.
 */

#include "printgate/event.h"
#include "printgate/log.h"
#include "test.h"

#include <pthread.h>
#include <unistd.h>

typedef struct rec_s                    /* What one subscriber saw */
{
  pthread_mutex_t mutex;
  pthread_cond_t  cond;
  int             count;
  uint64_t        seqs[20000];
  int             values[20000];        /* event.printer as a number */
  uint64_t        lost[20000];
  bool            block;                /* Callback waits while true */
  bool            in_callback;
  gw_events_t    *emit_back;            /* Emit one more event on the first one */
} rec_t;

static void rec_init(rec_t *r) { memset(r, 0, sizeof(*r)); pthread_mutex_init(&r->mutex, NULL); pthread_cond_init(&r->cond, NULL); }

static void
record(const gw_job_event_t *e, void *data)
{
  rec_t *r = (rec_t *)data;

  pthread_mutex_lock(&r->mutex);
  r->in_callback = true;
  pthread_cond_broadcast(&r->cond);
  while (r->block)
    pthread_cond_wait(&r->cond, &r->mutex);
  if (r->count < 20000)
  {
    r->seqs[r->count]   = e->seq;
    r->values[r->count] = (int)strtol(e->printer, NULL, 10);
    r->lost[r->count]   = e->lost;
  }
  r->count ++;
  r->in_callback = false;
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->mutex);

  if (r->emit_back && r->count == 1)
  {
    gw_job_event_t back = *e;
    snprintf(back.printer, sizeof(back.printer), "999");
    gwEventsEmit(r->emit_back, &back);
  }
}

static void
wait_count(rec_t *r, int n)
{
  pthread_mutex_lock(&r->mutex);
  while (r->count < n)
    pthread_cond_wait(&r->cond, &r->mutex);
  pthread_mutex_unlock(&r->mutex);
}

static void
wait_in_callback(rec_t *r)
{
  pthread_mutex_lock(&r->mutex);
  while (!r->in_callback)
    pthread_cond_wait(&r->cond, &r->mutex);
  pthread_mutex_unlock(&r->mutex);
}

static gw_events_t *
events_with(gw_log_t *log, size_t queue_max, rec_t *r)
{
  gw_events_t *ev = gwEventsNew(log, queue_max);

  rec_init(r);
  gwEventsSubscribe(ev, NULL, record, r);
  return (ev);
}

static void
set_block(rec_t *r, bool block)
{
  pthread_mutex_lock(&r->mutex);
  r->block = block;
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->mutex);
}

static uint64_t
emit(gw_events_t *ev, const char *origin, int value)
{
  gw_job_event_t e;

  memset(&e, 0, sizeof(e));
  e.tenant    = 1;
  snprintf(e.job_id, sizeof(e.job_id), "00000000-0000-4000-8000-000000000001");
  snprintf(e.origin, sizeof(e.origin), "%s", origin);
  e.old_state = GW_JOB_STATE_CONVERTING;
  e.new_state = GW_JOB_STATE_HELD;
  snprintf(e.printer, sizeof(e.printer), "%d", value);
  return (gwEventsEmit(ev, &e));
}

typedef struct emitter_s { gw_events_t *ev; int base; } emitter_t;

static void *
emitter_thread(void *arg)
{
  emitter_t *em = (emitter_t *)arg;
  for (int i = 0; i < 1000; i ++)
    emit(em->ev, "ipp", em->base + i);
  return (NULL);
}

int
main(void)
{
  gw_log_t    *log = gwLogNew(NULL, GW_LOG_WARN);
  gw_events_t *ev;
  static rec_t all, mail, slow, fast;
  bool         ok;

  TEST_BEGIN("order and origin filter");
  ev = gwEventsNew(log, 0);
  rec_init(&all); rec_init(&mail);
  TEST_CHECK(gwEventsSubscribe(ev, NULL, record, &all) > 0);
  TEST_CHECK(gwEventsSubscribe(ev, "mail", record, &mail) > 0);
  TEST_CHECK(gwEventsSubscribe(ev, "a-very-long-origin-name", record, &mail) == 0);
  for (int i = 0; i < 1000; i ++)
    emit(ev, i % 3 == 0 ? "mail" : "web", i);
  TEST_CHECK(gwEventsFlush(ev, 10000));
  TEST_CHECK(all.count == 1000);
  TEST_CHECK(mail.count == 334);
  ok = true;
  for (int i = 0; i < all.count; i ++)
    ok = ok && all.values[i] == i && all.seqs[i] == (uint64_t)i + 1;
  TEST_CHECKF(ok, "every event in emission order with its seq");
  ok = true;
  for (int i = 0; i < mail.count; i ++)
    ok = ok && mail.values[i] == i * 3;
  TEST_CHECKF(ok, "the mail subscriber sees only mail events, in order");
  gwEventsDelete(&ev);
  TEST_CHECK(ev == NULL);

  TEST_BEGIN("a slow subscriber delays neither the emitter nor the others");
  ev = events_with(log, 0, &slow);
  slow.block = true;
  rec_init(&fast);
  gwEventsSubscribe(ev, NULL, record, &fast);
  for (int i = 0; i < 10; i ++)
    TEST_CHECK(emit(ev, "mail", i) == (uint64_t)i + 1);   /* Returns while slow is stuck */
  wait_count(&fast, 10);
  TEST_CHECK(fast.count == 10);
  TEST_CHECK(slow.count == 0);
  TEST_CHECK(!gwEventsFlush(ev, 200));                     /* Slow still has them */
  set_block(&slow, false);
  TEST_CHECK(gwEventsFlush(ev, 10000));
  TEST_CHECK(slow.count == 10 && slow.values[9] == 9);
  gwEventsDelete(&ev);

  TEST_BEGIN("a full queue loses the newest events and says how many");
  ev = events_with(log, 4, &slow);
  slow.block = true;
  emit(ev, "web", 1);
  wait_in_callback(&slow);                                 /* Event 1 is being delivered */
  for (int i = 2; i <= 11; i ++)
    emit(ev, "web", i);                                    /* 2..5 queued, 6..11 lost */
  set_block(&slow, false);
  TEST_CHECK(gwEventsFlush(ev, 10000));
  emit(ev, "web", 12);
  TEST_CHECK(gwEventsFlush(ev, 10000));
  TEST_CHECKF(slow.count == 6, "count %d", slow.count);
  TEST_CHECK(slow.values[0] == 1 && slow.values[4] == 5 && slow.values[5] == 12);
  TEST_CHECK(slow.lost[4] == 0);
  TEST_CHECKF(slow.lost[5] == 6, "lost %llu", (unsigned long long)slow.lost[5]);
  gwEventsDelete(&ev);

  TEST_BEGIN("a callback may emit; delete delivers what is queued");
  ev = events_with(log, 0, &all);
  all.emit_back = ev;
  emit(ev, "cli", 1);
  TEST_CHECK(gwEventsFlush(ev, 10000));
  TEST_CHECK(all.count == 2 && all.values[1] == 999);
  all.emit_back = NULL;
  for (int i = 0; i < 100; i ++)
    emit(ev, "cli", i);
  gwEventsDelete(&ev);
  TEST_CHECK(all.count == 102);

  TEST_BEGIN("unsubscribe delivers its queue and stops its events");
  ev = gwEventsNew(log, 0);
  rec_init(&all);
  {
    int id = gwEventsSubscribe(ev, "ipp", record, &all);
    for (int i = 0; i < 50; i ++)
      emit(ev, "ipp", i);
    gwEventsUnsubscribe(ev, id);
    TEST_CHECK(all.count == 50);
    emit(ev, "ipp", 51);
    TEST_CHECK(gwEventsFlush(ev, 1000));
    TEST_CHECK(all.count == 50);
  }
  gwEventsDelete(&ev);

  TEST_BEGIN("eight parallel emitters: every event once, each emitter's in order");
  ev = events_with(log, 20000, &all);
  {
    pthread_t th[8];
    emitter_t em[8];
    int       last[8];

    for (int t = 0; t < 8; t ++)
    {
      em[t].ev = ev; em[t].base = t * 1000;
      pthread_create(th + t, NULL, emitter_thread, em + t);
    }
    for (int t = 0; t < 8; t ++)
      pthread_join(th[t], NULL);
    TEST_CHECK(gwEventsFlush(ev, 20000));
    TEST_CHECK(all.count == 8000);
    ok = true;
    for (int t = 0; t < 8; t ++)
      last[t] = -1;
    for (int i = 0; i < all.count; i ++)
    {
      int t = all.values[i] / 1000, v = all.values[i] % 1000;
      ok = ok && v == last[t] + 1 && (i == 0 || all.seqs[i] > all.seqs[i - 1]);
      last[t] = v;
    }
    TEST_CHECKF(ok, "per-emitter order and increasing seq");
  }
  gwEventsDelete(&ev);
  gwEventsDelete(&ev);                                     /* NULL is fine */

  gwLogDelete(&log);
  TEST_EXIT();
}
