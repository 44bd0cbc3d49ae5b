/*
 * test-frontend.c - front-ends plug into the core through one ops table,
 * and a route can answer later from another thread:
 *  - routes(), the listener start, start(), reload(), stop() in that order;
 *    no front-end can be added once the listener runs;
 *  - its health() part appears in /health's details under its name;
 *  - eight requests deferred at once, answered together from one other
 *    thread (proving none holds up the others: the answering thread waits
 *    until all eight are deferred);
 *  - a route that answers after its deadline: the client gets 503 with
 *    Retry-After, the late answer is refused, nothing leaks;
 *  - a request still deferred when the gateway stops: the stop is not held
 *    up by it (the client's connection is closed, as for any request in
 *    flight at a stop), and the route's late answer is refused.
 */

#include "printgate/frontend.h"
#include "printgate/system.h"
#include "printgate/listener.h"
#include "test.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  cond = PTHREAD_COND_INITIALIZER;
static char            calls[256];              /* "routes,start,reload,stop" */
static gw_deferred_t  *waiting[16];
static int             num_waiting;
static int             late_result = -1;        /* gwDeferredRespond() after the deadline (-1 = not yet) */

static void
called(const char *what)
{
  pthread_mutex_lock(&lock);
  if (calls[0])
    strncat(calls, ",", sizeof(calls) - strlen(calls) - 1);
  strncat(calls, what, sizeof(calls) - strlen(calls) - 1);
  pthread_mutex_unlock(&lock);
}

/* health(): this front-end's part of /health's details. */
static bool
fe_health(gw_system_t *sys, char **json_r, void *data)
{
  (void)sys; (void)data;
  *json_r = strdup("{\"answer\":42}");
  return (*json_r != NULL);
}

/* /fe/batch: defer, and park the handle for the answering thread. */
static void
batch_finish(gw_request_t *req, void *data)
{
  gw_deferred_t *d = gwRequestDefer(req, 20000);

  (void)data;
  pthread_mutex_lock(&lock);
  waiting[num_waiting ++] = d;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&lock);
}

/* Answers the eight batch requests once all eight are deferred. */
static void *
batch_answerer(void *arg)
{
  (void)arg;
  pthread_mutex_lock(&lock);
  while (num_waiting < 8)
    pthread_cond_wait(&cond, &lock);
  for (int i = 0; i < 8; i ++)
    gwDeferredRespond(waiting + i, 200, "text/plain", "together\n", 9);
  num_waiting = 0;
  pthread_mutex_unlock(&lock);
  return (NULL);
}

/* /fe/late: 300 ms deadline, answered after 3 s (so even a watchdog late by seconds on a busy machine
 * has given the 503 first). */
static void *
late_answerer(void *arg)
{
  gw_deferred_t *d = (gw_deferred_t *)arg;
  int            result;

  usleep(3000000);
  result = gwDeferredRespond(&d, 200, "text/plain", "late\n", 5);
  pthread_mutex_lock(&lock);
  late_result = result;
  pthread_mutex_unlock(&lock);
  return (NULL);
}

static void
late_finish(gw_request_t *req, void *data)
{
  pthread_t th;

  (void)data;
  pthread_create(&th, NULL, late_answerer, gwRequestDefer(req, 300));
  pthread_detach(th);
}

/* /fe/never: deferred for a minute; nobody answers before the stop. */
static void
never_finish(gw_request_t *req, void *data)
{
  (void)data;
  pthread_mutex_lock(&lock);
  waiting[num_waiting ++] = gwRequestDefer(req, 60000);
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&lock);
}

static bool
fe_routes(gw_system_t *sys, gw_listener_t *listener, void *data, const char **error_r)
{
  static const gw_route_t batch = { "GET", "/fe/batch", 0, NULL, NULL, batch_finish, NULL, NULL };
  static const gw_route_t late  = { "GET", "/fe/late", 0, NULL, NULL, late_finish, NULL, NULL };
  static const gw_route_t never = { "GET", "/fe/never", 0, NULL, NULL, never_finish, NULL, NULL };

  (void)sys; (void)data; (void)error_r;
  called("routes");
  return (gwListenerAddRoute(listener, &batch) && gwListenerAddRoute(listener, &late) && gwListenerAddRoute(listener, &never));
}

static bool fe_start(gw_system_t *sys, void *data, const char **error_r) { (void)sys; (void)data; (void)error_r; called("start"); return (true); }
static void fe_stop(gw_system_t *sys, void *data) { (void)sys; (void)data; called("stop"); }
static void fe_reload(gw_system_t *sys, const gw_config_t *c, void *data)
{
  char buf[64];

  (void)sys; (void)data;
  snprintf(buf, sizeof(buf), "reload(%lld)", (long long)c->retention);
  called(buf);
}

int
main(void)
{
  char         dir[256], path[512], conf[1024], cmd[2048], out[4096], err[512];
  gw_config_t *c;
  gw_system_t *sys;
  const char  *error = NULL;
  int          port;
  FILE        *fp;
  pthread_t    answerer;
  gw_frontend_t fe = { "test", fe_routes, fe_start, fe_reload, fe_stop, NULL, NULL, fe_health, NULL };

  if (!test_tempdir(dir, sizeof(dir)))
    return (1);

  snprintf(conf, sizeof(conf), "%s/printgate.conf", dir);
  fp = fopen(conf, "w");
  fprintf(fp, "StateDir %s/state\nListenAddress 127.0.0.1\nListenPort 0\nServerName localhost\nLogFile %s/log\nOfficeWorkers 0\nRetention 8h\n", dir, dir);
  fclose(fp);
  snprintf(path, sizeof(path), "%s/state", dir);
  mkdir(path, 0700);

  TEST_BEGIN("front-end lifecycle");
  TEST_CHECKF((c = gwConfigLoad(conf, err, sizeof(err))) != NULL, "%s", err);
  TEST_CHECKF((sys = gwSystemNew(c, true, &error)) != NULL, "%s", error ? error : "");
  if (!sys)
    TEST_EXIT();
  TEST_CHECK(!gwSystemAddFrontend(sys, NULL));
  TEST_CHECK(gwSystemAddFrontend(sys, &fe));
  TEST_CHECKF(gwSystemStartListener(sys, &error), "%s", error ? error : "");
  TEST_CHECKF(!strcmp(calls, "routes,start"), "calls: %s", calls);
  TEST_CHECK(!gwSystemAddFrontend(sys, &fe));          /* Too late: the listener runs */
  port = gwListenerGetPort(gwSystemGetListener(sys));

  TEST_BEGIN("/health's details carry the front-end's own part");
  snprintf(cmd, sizeof(cmd), "curl -sk -m 30 https://127.0.0.1:%d/health", port);
  test_run(cmd, out, sizeof(out));
  TEST_CHECKF(strstr(out, "\"frontends\":{\"test\":{\"answer\":42}}"), "%s", out);

  TEST_BEGIN("eight deferred requests answered together from another thread");
  pthread_create(&answerer, NULL, batch_answerer, NULL);
  snprintf(cmd, sizeof(cmd), "for i in 1 2 3 4 5 6 7 8; do curl -sk -m 30 https://127.0.0.1:%d/fe/batch & done; wait", port);
  test_run(cmd, out, sizeof(out));
  pthread_join(answerer, NULL);
  {
    int n = 0;
    for (const char *p = out; (p = strstr(p, "together")) != NULL; p ++)
      n ++;
    TEST_CHECKF(n == 8, "%d of 8 answered: %s", n, out);
  }

  TEST_BEGIN("an answer after the deadline: 503 with Retry-After, the late answer refused");
  snprintf(cmd, sizeof(cmd), "curl -sk -m 30 -D - https://127.0.0.1:%d/fe/late", port);
  test_run(cmd, out, sizeof(out));
  TEST_CHECKF(strstr(out, " 503") && strcasestr(out, "Retry-After: 5") && strstr(out, "server-busy"), "%s", out);
  {
    int result = -1;

    /* The late answer comes 3 s after the request; wait for it (20 s at most) */
    for (int i = 0; i < 200 && result < 0; i ++)
    {
      usleep(100000);
      pthread_mutex_lock(&lock);
      result = late_result;
      pthread_mutex_unlock(&lock);
    }
    TEST_CHECKF(result == 0, "late gwDeferredRespond() returned %d (-1: not called within 20 s)", result);
  }

  TEST_BEGIN("reload reaches the front-end with the new configuration");
  fp = fopen(conf, "a");
  fputs("Retention 2h\n", fp);
  fclose(fp);
  {
    /* A duplicate directive is refused: rewrite instead */
    fp = fopen(conf, "w");
    fprintf(fp, "StateDir %s/state\nListenAddress 127.0.0.1\nListenPort 0\nServerName localhost\nLogFile %s/log\nOfficeWorkers 0\nRetention 2h\n", dir, dir);
    fclose(fp);
  }
  TEST_CHECK((c = gwConfigLoad(conf, err, sizeof(err))) != NULL && gwSystemReload(sys, c));
  TEST_CHECKF(strstr(calls, "reload(7200)") != NULL, "calls: %s", calls);

  TEST_BEGIN("a request still deferred at the stop: the stop is not held up");
  snprintf(cmd, sizeof(cmd), "curl -sk -m 90 -o %s/never.out -w '%%{http_code}' https://127.0.0.1:%d/fe/never > %s/never.code", dir, port, dir);
  fp = popen(cmd, "r");
  pthread_mutex_lock(&lock);
  while (num_waiting < 1)
    pthread_cond_wait(&cond, &lock);
  pthread_mutex_unlock(&lock);
  {
    time_t t0 = time(NULL);

    gwSystemDelete(&sys);
    TEST_CHECKF(time(NULL) - t0 < 20, "the stop took %ld s", (long)(time(NULL) - t0));
  }
  pclose(fp);
  snprintf(path, sizeof(path), "%s/never.code", dir);
  fp = fopen(path, "r");
  out[0] = '\0';
  if (fp)
  {
    if (!fgets(out, sizeof(out), fp))
      out[0] = '\0';
    fclose(fp);
  }
  TEST_CHECKF(strcmp(out, "200"), "status %s (no answer, or 503)", out);
  TEST_CHECK(!gwDeferredRespond(waiting, 200, "text/plain", "x", 1));   /* Too late, and freed */
  TEST_CHECKF(strstr(calls, "stop") != NULL && strcmp(strstr(calls, "stop"), "stop") == 0, "calls: %s", calls);

  test_rmtree(dir);
  TEST_EXIT();
}
