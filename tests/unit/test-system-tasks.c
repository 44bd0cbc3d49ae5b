/*
 * test-system-tasks.c - gwSystemRunTask(): a front-end's short blocking
 * work (a password check) runs on the core's task workers, not on the
 * caller's thread; a full pool answers busy and leaves the task with the
 * caller; a stop discards what is still queued, so every accepted task
 * gets exactly one of run() or discard().
 */

#include "test.h"
#include "gateway-harness.h"
#include "printgate/system.h"

#include <pthread.h>
#include <unistd.h>

#define FILL 300                        /* More than the pool's threads + queue */

typedef struct state_s
{
  pthread_mutex_t lock;
  pthread_cond_t  cond;
  bool            hold;                 /* Tasks wait while true */
  int             running;              /* Tasks inside run() now */
  int             ran, discarded;
  bool            other_thread;         /* Every run() was on another thread */
  pthread_t       caller;
} state_t;

typedef struct task_s
{
  state_t *st;
  int      num;
} task_t;


/*
 * 'task_run()' - Count, wait while held, free.
 */

static void
task_run(void *arg)
{
  task_t  *t  = (task_t *)arg;
  state_t *st = t->st;

  pthread_mutex_lock(&st->lock);
  if (pthread_equal(pthread_self(), st->caller))
    st->other_thread = false;
  st->running ++;
  pthread_cond_broadcast(&st->cond);
  while (st->hold)
    pthread_cond_wait(&st->cond, &st->lock);
  st->running --;
  st->ran ++;
  pthread_cond_broadcast(&st->cond);
  pthread_mutex_unlock(&st->lock);
  free(t);
}


/*
 * 'task_discard()' - Count, free.
 */

static void
task_discard(void *arg)
{
  task_t  *t  = (task_t *)arg;
  state_t *st = t->st;

  pthread_mutex_lock(&st->lock);
  st->discarded ++;
  pthread_mutex_unlock(&st->lock);
  free(t);
}


/*
 * 'queue_task()' - Queue one; on refusal the task is still ours: free it.
 */

static bool
queue_task(gw_system_t *sys, state_t *st, int num)
{
  task_t *t = calloc(1, sizeof(task_t));

  t->st  = st;
  t->num = num;
  if (gwSystemRunTask(sys, task_run, task_discard, t))
    return (true);

  free(t);
  return (false);
}


/*
 * 'wait_for()' - Wait (up to 10 s) until *value reaches want.
 */

static bool
wait_for(state_t *st, const int *value, int want)
{
  struct timespec deadline;
  bool            ok;

  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 10;
  pthread_mutex_lock(&st->lock);
  while (*value < want && pthread_cond_timedwait(&st->cond, &st->lock, &deadline) == 0)
    ;
  ok = *value >= want;
  pthread_mutex_unlock(&st->lock);

  return (ok);
}


/*
 * 'release_later()' - Let held tasks go after a second.
 */

static void *
release_later(void *arg)
{
  state_t *st = (state_t *)arg;

  sleep(1);
  pthread_mutex_lock(&st->lock);
  st->hold = false;
  pthread_cond_broadcast(&st->cond);
  pthread_mutex_unlock(&st->lock);

  return (NULL);
}


int
main(void)
{
  char         dir[256];
  gw_system_t *sys;
  state_t      st;
  int          accepted = 0, refused = 0, first_refused = -1;

  memset(&st, 0, sizeof(st));
  pthread_mutex_init(&st.lock, NULL);
  pthread_cond_init(&st.cond, NULL);
  st.caller       = pthread_self();
  st.other_thread = true;

  if (!test_tempdir(dir, sizeof(dir)) || (sys = test_gateway(dir, "")) == NULL)
  {
    puts("FAIL unable to start a gateway");
    return (1);
  }

  TEST_BEGIN("a task runs on a task worker, not on the caller's thread");
  TEST_CHECK(!gwSystemRunTask(sys, NULL, task_discard, NULL));
  TEST_CHECK(!gwSystemRunTask(sys, task_run, NULL, NULL));
  TEST_CHECK(queue_task(sys, &st, 0) && queue_task(sys, &st, 1));
  TEST_CHECK(wait_for(&st, &st.ran, 2));
  TEST_CHECK(st.other_thread);

  TEST_BEGIN("a full pool answers busy and keeps nothing");
  st.hold = true;
  for (int i = 0; i < FILL; i ++)
  {
    if (queue_task(sys, &st, i))
      accepted ++;
    else
    {
      if (first_refused < 0)
        first_refused = i;
      refused ++;
    }
    if (i == 1)
      TEST_CHECK(wait_for(&st, &st.running, 2));       /* Both threads busy before the queue fills */
  }
  TEST_CHECKF(accepted == 2 + 256 && refused == FILL - accepted, "accepted %d, refused %d", accepted, refused);
  TEST_CHECKF(first_refused == 258, "first refused at %d", first_refused);

  TEST_BEGIN("draining: the queue runs once the pool is free, and takes new work again");
  pthread_mutex_lock(&st.lock);
  st.hold = false;
  pthread_cond_broadcast(&st.cond);
  pthread_mutex_unlock(&st.lock);
  TEST_CHECKF(wait_for(&st, &st.ran, 2 + accepted), "ran %d of %d", st.ran, 2 + accepted);
  TEST_CHECK(queue_task(sys, &st, 999));
  TEST_CHECK(wait_for(&st, &st.ran, 3 + accepted));

  TEST_BEGIN("a stop runs or discards every accepted task exactly once");
  st.ran = st.discarded = 0;
  st.hold = true;
  accepted = 0;
  for (int i = 0; i < 50; i ++)
    accepted += queue_task(sys, &st, i);
  TEST_CHECK(accepted == 50);
  TEST_CHECK(wait_for(&st, &st.running, 2));
  {
    pthread_t releaser;

    /* The two running tasks are let go a second into the stop, which by
       then has marked the pool as stopping: the 48 queued are discarded. */
    pthread_create(&releaser, NULL, release_later, &st);
    gwSystemDelete(&sys);
    pthread_join(releaser, NULL);
  }
  TEST_CHECKF(st.ran + st.discarded == 50, "ran %d + discarded %d", st.ran, st.discarded);
  TEST_CHECKF(st.ran == 2 && st.discarded == 48, "ran %d, discarded %d", st.ran, st.discarded);

  test_rmtree(dir);
  TEST_EXIT();
}
