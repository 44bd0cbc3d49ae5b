/*
 * test-listener-defer.c - deferred answers hold no thread (issue 9, the
 * front-end seam: "answering later without holding a thread").
 *
 * The clients run in a child process of their own (this program,
 * re-executed with --clients), so the threads counted in /proc/self/task
 * are the listener's alone:
 *
 *  - 200 requests deferred at once: the process keeps the same number of
 *    threads as an idle listener (a thread per connection, the old model,
 *    would add 200), /health is answered promptly meanwhile, a client
 *    that sends no header is still cut by HeaderTimeout while the
 *    deferred ones (held past it) are not, and each of the 200 gets its
 *    own answer, given from the test's main thread in reverse order;
 *  - the deadline: a deferral nobody answers gives 503 with Retry-After
 *    on time, and the late answers are refused;
 *  - answers racing the deadline (many rounds): every answer the route
 *    was told was taken (true) reached its client as 200, every other
 *    client got 503, never both or neither;
 *  - answers racing clients that hang up: every request's cleanup() runs
 *    once, the listener keeps serving (and ASan sees no use after free);
 *  - a stop with requests still deferred: it returns at once, every
 *    cleanup() has run, no client got 200, later answers are refused;
 *  - a stop while an answer resumes its connection (an answer resumes
 *    after releasing the deferred's mutex; a test hook widens that window
 *    to 300 ms): the stop waits for the resume, so libmicrohttpd never
 *    stops with that connection suspended and the resume never touches a
 *    freed connection (ASan).
 */

#include "test.h"
#include "listener-harness.h"
#include "listener-private.h"
#include "printgate/clock.h"
#include "printgate/listener.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_HELD 256

/*
 * What the deferring route holds (shared with the listener's threads).
 */

static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  held_cond = PTHREAD_COND_INITIALIZER;
static gw_deferred_t  *held[MAX_HELD];          /* Handles, by request number */
static int             num_held;                /* Deferred so far */
static int             num_cleanups;            /* cleanup() calls */
static char            self_exe[1024];          /* This program, for --clients */


/*
 * 'defer_finish()' - GET /defer?i=N&ms=T: defer for T ms, keep the handle.
 */

static void
defer_finish(gw_request_t *req, void *data)
{
  const char    *si = gwRequestQuery(req, "i"), *sms = gwRequestQuery(req, "ms");
  int            i = si ? (int)strtol(si, NULL, 10) : -1, ms = sms ? (int)strtol(sms, NULL, 10) : 1000;
  gw_deferred_t *d;

  (void)data;
  if (i < 0 || i >= MAX_HELD)
  {
    gwRequestRespond(req, 400, "text/plain", "bad i", 5);
    return;
  }

  d = gwRequestDefer(req, ms);

  pthread_mutex_lock(&held_lock);
  held[i] = d;
  num_held ++;
  pthread_cond_broadcast(&held_cond);
  pthread_mutex_unlock(&held_lock);
}

static void
defer_cleanup(gw_request_t *req, void *data)
{
  (void)req;
  (void)data;
  pthread_mutex_lock(&held_lock);
  num_cleanups ++;
  pthread_cond_broadcast(&held_cond);
  pthread_mutex_unlock(&held_lock);
}

static void
health_finish(gw_request_t *req, void *data)
{
  (void)data;
  gwRequestRespond(req, 200, "application/json", "{\"status\":\"ok\"}\n", 16);
}


/*
 * 'held_reset()' - Forget the handles of the previous case.
 */

static void
held_reset(void)
{
  pthread_mutex_lock(&held_lock);
  memset(held, 0, sizeof(held));
  num_held     = 0;
  num_cleanups = 0;
  pthread_mutex_unlock(&held_lock);
}


/*
 * 'held_wait()' - Wait up to ms until *counter (num_held or num_cleanups)
 *                 reaches n; its value then.
 */

static int
held_wait(int *counter, int n, int ms)
{
  return (harness_wait_count(&held_lock, &held_cond, counter, n, ms));
}


/*
 * 'answer_all()' - Answer handles first..n-1 (in reverse order) with
 *                  "answer <i>", pausing pause_us between answers; the
 *                  number of answers taken (true).
 */

static int
answer_all(int n, int pause_us)
{
  int taken = 0;

  for (int i = n - 1; i >= 0; i --)
  {
    gw_deferred_t *d;
    char           text[32];

    pthread_mutex_lock(&held_lock);
    d       = held[i];
    held[i] = NULL;
    pthread_mutex_unlock(&held_lock);

    snprintf(text, sizeof(text), "answer %d", i);
    if (gwDeferredRespond(&d, 200, "text/plain", text, strlen(text)))
      taken ++;
    if (pause_us)
      usleep((useconds_t)pause_us);
  }

  return (taken);
}


/*
 * 'count_threads()' - Threads of this process (/proc/self/task).
 */

static int
count_threads(void)
{
  DIR           *dir = opendir("/proc/self/task");
  struct dirent *ent;
  int            n = 0;

  if (!dir)
    return (-1);
  while ((ent = readdir(dir)) != NULL)
  {
    if (ent->d_name[0] != '.')
      n ++;
  }
  closedir(dir);

  return (n);
}


/*
 * 'now_ms()' - Monotonic milliseconds.
 */

static int64_t
now_ms(void)
{
  return ((int64_t)gwClockMs());
}


/*
 * ---- The clients (child process) -------------------------------------------
 */

/*
 * 'clients_main()' - --clients PORT N MS HANGUP_MS: N TLS connections, each
 *                    sending GET /defer?i=<k>&ms=MS; prints "sent", then
 *                    either hangs up (HANGUP_MS >= 0: connection k after
 *                    k * 7 % HANGUP_MS ms) or reads every answer and prints
 *                    "ok=<200 with its own body> busy=<503 with
 *                    Retry-After> other=<anything else> ms=<elapsed since
 *                    the last request was sent>" (the N handshakes before
 *                    it are not what the deadlines are about).
 */

static int
clients_main(int port, int n, int ms, int hangup_ms)
{
  SSL_CTX            *ctx = SSL_CTX_new(TLS_client_method());
  SSL                *ssl[MAX_HELD];
  int                 fds[MAX_HELD], ok = 0, busy = 0, other = 0;
  int64_t             start;

  if (!ctx || n < 1 || n > MAX_HELD)
    return (1);

  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);

  for (int k = 0; k < n; k ++)
  {
    char req[256];

    ssl[k] = NULL;
    if ((fds[k] = harness_connect(NULL, port, 60000)) < 0)
      continue;
    ssl[k] = SSL_new(ctx);
    SSL_set_fd(ssl[k], fds[k]);
    snprintf(req, sizeof(req), "GET /defer?i=%d&ms=%d HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", k, ms);
    if (SSL_connect(ssl[k]) != 1 || SSL_write(ssl[k], req, (int)strlen(req)) <= 0)
    {
      SSL_free(ssl[k]);
      ssl[k] = NULL;
    }
  }
  printf("sent\n");
  fflush(stdout);
  start = now_ms();

  if (hangup_ms >= 0)
  {
    /* Hang up at staggered times, never reading an answer */
    for (int t = 0; t < hangup_ms; t ++)
    {
      for (int k = 0; k < n; k ++)
      {
        if (fds[k] >= 0 && (k * 7) % hangup_ms == t)
        {
          if (ssl[k])
            SSL_free(ssl[k]);
          close(fds[k]);
          fds[k] = -1;
        }
      }
      usleep(1000);
    }
    SSL_CTX_free(ctx);
    printf("hung up\n");
    fflush(stdout);
    return (0);
  }

  for (int k = 0; k < n; k ++)
  {
    char   buf[4096], want[64];
    size_t len = 0;
    int    got;

    while (ssl[k] && len < sizeof(buf) - 1 && (got = SSL_read(ssl[k], buf + len, (int)(sizeof(buf) - 1 - len))) > 0)
      len += (size_t)got;
    buf[len] = '\0';
    ERR_clear_error();

    snprintf(want, sizeof(want), "\r\n\r\nanswer %d", k);
    if (!strncmp(buf, "HTTP/1.1 200", 12) && strstr(buf, want) && !strcmp(strstr(buf, want), want))
      ok ++;
    else if (!strncmp(buf, "HTTP/1.1 503", 12) && strcasestr(buf, "\r\nRetry-After: 5\r\n") && strstr(buf, "server-busy"))
      busy ++;
    else
      other ++;

    if (ssl[k])
      SSL_free(ssl[k]);
    if (fds[k] >= 0)
      close(fds[k]);
  }

  SSL_CTX_free(ctx);
  printf("ok=%d busy=%d other=%d ms=%d\n", ok, busy, other, (int)(now_ms() - start));
  fflush(stdout);

  return (0);
}


/*
 * 'clients_start()' - Run the clients; returns their output stream once
 *                     they have sent every request ("sent"), or NULL.
 */

static FILE *
clients_start(int port, int n, int ms, int hangup_ms)
{
  char  cmd[2048], line[256];
  FILE *fp;

  snprintf(cmd, sizeof(cmd), "'%s' --clients %d %d %d %d", self_exe, port, n, ms, hangup_ms);
  if ((fp = popen(cmd, "r")) == NULL)
    return (NULL);

  if (!fgets(line, sizeof(line), fp) || strcmp(line, "sent\n"))
  {
    pclose(fp);
    return (NULL);
  }

  return (fp);
}


/*
 * 'clients_finish()' - Read the clients' summary; true if they ran.
 */

static bool
clients_finish(FILE *fp, int *ok, int *busy, int *other, int *ms)
{
  char line[256] = "";
  bool got;

  *ok = *busy = *other = *ms = -1;
  if (!fp)
    return (false);
  got = fgets(line, sizeof(line), fp) != NULL;
  pclose(fp);

  return (got && sscanf(line, "ok=%d busy=%d other=%d ms=%d", ok, busy, other, ms) == 4);
}


/*
 * 'health_ms()' - GET /health with curl: milliseconds to a 200, or -1 if
 *                 none came within max_s seconds.
 */

#define HEALTH_WAIT_S 10                /* When an answer is expected: curl and a handshake may be slow */

static int
health_ms(int port, int max_s)
{
  char    cmd[512], code[16];
  int64_t start = now_ms();
  int     rc;

  snprintf(cmd, sizeof(cmd), "curl -sk --max-time %d -o /dev/null -w '%%{http_code}' https://127.0.0.1:%d/health", max_s, port);
  rc = test_run(cmd, code, sizeof(code));

  return (rc == 0 && !strcmp(code, "200") ? (int)(now_ms() - start) : -1);
}


/*
 * 'raw_idle_closed_ms()' - Connect and send nothing: milliseconds until
 *                          the server closes the connection, or -1 if it
 *                          is still open after ms.
 */

static int
raw_idle_closed_ms(int port, int ms)
{
  int64_t start = now_ms();
  int     fd = harness_connect(NULL, port, ms), result = -1;
  char    c;

  if (fd < 0)
    return (-1);
  if (recv(fd, &c, 1, 0) <= 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    result = (int)(now_ms() - start);
  close(fd);

  return (result);
}


/*
 * ---- The tests -----------------------------------------------------------------
 */

/*
 * 'new_listener()' - A started listener with /defer and /health:
 *                    max_connections (1024: 256 per client),
 *                    HeaderTimeout header_timeout s.
 */

static gw_listener_t *
new_listener(const char *cert, const char *key, int max_connections, int header_timeout, gw_log_t *log)
{
  gw_listener_t *l;
  gw_route_t     route;
  const char    *error = NULL;

  if ((l = gwListenerNew("127.0.0.1", 0, cert, key, max_connections, 30, log, &error)) == NULL)
    return (NULL);

  memset(&route, 0, sizeof(route));
  route.method  = "GET";
  route.path    = "/defer";
  route.finish  = defer_finish;
  route.cleanup = defer_cleanup;
  gwListenerAddRoute(l, &route);

  memset(&route, 0, sizeof(route));
  route.method = "GET";
  route.path   = "/health";
  route.finish = health_finish;
  gwListenerAddRoute(l, &route);

  gwListenerSetDeadlines(l, header_timeout, 0, 0);
  TEST_CHECKF(gwListenerStart(l, &error), "the listener did not start: %s", error ? error : "?");
  if (!gwListenerGetPort(l))
    gwListenerDelete(&l);

  return (l);
}


/*
 * 'test_no_thread_held()' - 200 deferred at once (see the file comment).
 */

static void
test_no_thread_held(const char *cert, const char *key, gw_log_t *log)
{
  gw_listener_t *l;
  FILE          *fp;
  int            before, idle, busy, hms, cut, n, taken, ok, s503, other, ms;

  TEST_BEGIN("200 deferred requests hold no thread; /health answers meanwhile");
  held_reset();
  before = count_threads();
  if ((l = new_listener(cert, key, 1024, 2, log)) == NULL)
    return;
  usleep(100000);
  idle = count_threads();

  fp = clients_start(gwListenerGetPort(l), 200, 30000, -1);
  TEST_CHECKF(fp != NULL, "the clients did not start");
  n    = held_wait(&num_held, 200, 30000);
  busy = count_threads();
  hms  = health_ms(gwListenerGetPort(l), HEALTH_WAIT_S);
  cut  = raw_idle_closed_ms(gwListenerGetPort(l), 8000);

  printf("  threads: %d before the listener, %d idle, %d with %d requests deferred; /health in %d ms; a silent client cut after %d ms\n", before, idle, busy, n, hms, cut);
  TEST_CHECKF(n == 200, "%d of 200 requests deferred", n);
  TEST_CHECKF(idle - before <= 17, "the idle listener added %d threads (pool of at most 16 and the watchdog)", idle - before);
  TEST_CHECKF(busy <= idle + 1, "%d threads with 200 deferred requests, %d idle: threads are held", busy, idle);
  /* Held threads would keep /health waiting until the deferrals end (30 s); the bounds leave curl, its
   * handshake and the watchdog (200 ms period) seconds on a busy machine */
  TEST_CHECKF(hms >= 0 && hms < 5000, "/health took %d ms (or failed) during the deferral", hms);
  TEST_CHECKF(cut >= 1500 && cut <= 5500, "a client without a header was cut after %d ms (HeaderTimeout 2 s)", cut);

  taken = answer_all(200, 0);
  TEST_CHECKF(taken == 200, "%d of 200 answers taken", taken);
  TEST_CHECK(clients_finish(fp, &ok, &s503, &other, &ms));
  TEST_CHECKF(ok == 200 && s503 == 0 && other == 0, "clients: %d got their own answer, %d got 503, %d other (the deferred ones were held past HeaderTimeout)", ok, s503, other);
  TEST_CHECKF(held_wait(&num_cleanups, 200, 10000) == 200, "%d cleanup() calls for 200 requests", num_cleanups);

  gwListenerDelete(&l);
}


/*
 * 'test_deadline()' - Five deferred for 500 ms, never answered.
 */

static void
test_deadline(const char *cert, const char *key, gw_log_t *log)
{
  gw_listener_t *l;
  FILE          *fp;
  int            ok, s503, other, ms, late = 0;

  TEST_BEGIN("a deferral nobody answers: 503 with Retry-After at its deadline");
  held_reset();
  if ((l = new_listener(cert, key, 1024, 30, log)) == NULL)
    return;

  fp = clients_start(gwListenerGetPort(l), 5, 500, -1);
  TEST_CHECK(clients_finish(fp, &ok, &s503, &other, &ms));
  printf("  %d answered 503, the last %d ms after the last request\n", s503, ms);
  TEST_CHECKF(s503 == 5 && ok == 0 && other == 0, "%d 503, %d 200, %d other", s503, ok, other);
  TEST_CHECKF(ms >= 450 && ms <= 3000, "503 after %d ms (from the last request) for a 500 ms deadline", ms);
  TEST_CHECKF(held_wait(&num_cleanups, 5, 5000) == 5, "%d cleanup() calls", num_cleanups);

  for (int i = 0; i < 5; i ++)
  {
    pthread_mutex_lock(&held_lock);
    late += gwDeferredRespond(held + i, 200, "text/plain", "late", 4);
    pthread_mutex_unlock(&held_lock);
  }
  TEST_CHECKF(late == 0, "%d late answers taken", late);

  gwListenerDelete(&l);
}


/*
 * 'test_race_deadline()' - Rounds of 50 deferred for 150 ms, answered one
 *                          by one around the deadline.
 */

static void
test_race_deadline(const char *cert, const char *key, gw_log_t *log)
{
  gw_listener_t *l;
  int            total_taken = 0, total_ok = 0, total_503 = 0;

  TEST_BEGIN("answers racing the deadline: taken answers arrive, the others get 503");
  if ((l = new_listener(cert, key, 1024, 30, log)) == NULL)
    return;

  for (int round = 0; round < 8; round ++)
  {
    FILE *fp;
    int   taken, ok, s503, other, ms;

    held_reset();
    fp = clients_start(gwListenerGetPort(l), 50, 150, -1);
    TEST_CHECKF(held_wait(&num_held, 50, 20000) == 50, "round %d: %d of 50 deferred", round, num_held);
    usleep((useconds_t)(60000 + round * 5000));
    taken = answer_all(50, 2000);                  /* 100 ms of answers across the deadlines */
    TEST_CHECK(clients_finish(fp, &ok, &s503, &other, &ms));
    TEST_CHECKF(ok == taken && s503 == 50 - taken && other == 0, "round %d: %d answers taken, clients got %d answers, %d 503, %d other", round, taken, ok, s503, other);
    TEST_CHECKF(held_wait(&num_cleanups, 50, 10000) == 50, "round %d: %d cleanup() calls", round, num_cleanups);
    total_taken += taken;
    total_ok    += ok;
    total_503   += s503;
  }
  printf("  400 requests: %d answered in time, %d got 503 (%d answers taken)\n", total_ok, total_503, total_taken);
  TEST_CHECKF(total_ok > 0 && total_503 > 0, "the race did not happen: %d answered, %d 503", total_ok, total_503);

  gwListenerDelete(&l);
}


/*
 * 'test_race_hangup()' - Rounds of 50 deferred whose clients hang up at
 *                        staggered times while the route answers.
 */

static void
test_race_hangup(const char *cert, const char *key, gw_log_t *log)
{
  gw_listener_t *l;
  int            hms;

  TEST_BEGIN("answers racing clients that hang up: every cleanup() runs once");
  if ((l = new_listener(cert, key, 1024, 30, log)) == NULL)
    return;

  for (int round = 0; round < 6; round ++)
  {
    FILE *fp;
    char  line[64] = "";
    int   n;

    held_reset();
    /* Rounds 0-2 answer; 3-5 leave it to a 300 ms deadline */
    fp = clients_start(gwListenerGetPort(l), 50, round < 3 ? 30000 : 300, 50);
    n  = held_wait(&num_held, 50, 20000);
    TEST_CHECKF(n == 50, "round %d: %d of 50 deferred", round, n);
    if (round < 3)
      answer_all(50, 1000);
    if (fp)
    {
      if (!fgets(line, sizeof(line), fp))
        line[0] = '\0';
      pclose(fp);
    }
    TEST_CHECKF(!strcmp(line, "hung up\n"), "round %d: clients said \"%s\"", round, line);
    TEST_CHECKF(held_wait(&num_cleanups, 50, 10000) == 50, "round %d: %d cleanup() calls for 50 requests", round, num_cleanups);
    if (round >= 3)
      TEST_CHECKF(answer_all(50, 0) == 0, "round %d: answers taken after the clients and the deadline went", round);
  }

  usleep(200000);
  pthread_mutex_lock(&held_lock);
  TEST_CHECKF(num_cleanups == 50, "%d cleanup() calls in the last round (none twice)", num_cleanups);
  pthread_mutex_unlock(&held_lock);
  hms = health_ms(gwListenerGetPort(l), HEALTH_WAIT_S);
  TEST_CHECKF(hms >= 0, "/health after the hang-ups failed");

  gwListenerDelete(&l);
}


/*
 * 'test_stop()' - A stop with 50 requests still deferred.
 */

static void
test_stop(const char *cert, const char *key, gw_log_t *log)
{
  gw_listener_t *l;
  FILE          *fp;
  int64_t        start;
  int            n, ok, s503, other, ms, late;

  TEST_BEGIN("a stop with 50 requests deferred: prompt, every cleanup() ran, late answers refused");
  held_reset();
  if ((l = new_listener(cert, key, 1024, 30, log)) == NULL)
    return;

  fp = clients_start(gwListenerGetPort(l), 50, 60000, -1);
  n  = held_wait(&num_held, 50, 20000);
  TEST_CHECKF(n == 50, "%d of 50 deferred", n);

  start = now_ms();
  gwListenerDelete(&l);
  ms = (int)(now_ms() - start);
  printf("  stopped in %d ms\n", ms);
  TEST_CHECKF(ms < 5000, "the stop took %d ms", ms);

  pthread_mutex_lock(&held_lock);
  TEST_CHECKF(num_cleanups == 50, "%d cleanup() calls when the stop returned", num_cleanups);
  pthread_mutex_unlock(&held_lock);

  TEST_CHECK(clients_finish(fp, &ok, &s503, &other, &ms));
  TEST_CHECKF(ok == 0 && s503 + other == 50, "clients: %d answered 200, %d 503, %d closed", ok, s503, other);

  late = answer_all(50, 0);
  TEST_CHECKF(late == 0, "%d answers taken after the stop", late);
}


/*
 * 'answer_one()' - A thread: answer handle 0.
 */

static void *
answer_one(void *arg)
{
  *(int *)arg = answer_all(1, 0);

  return (NULL);
}


/*
 * 'test_stop_racing_answer()' - A stop while an answer is resuming its
 *                               connection.
 */

static void
test_stop_racing_answer(const char *cert, const char *key, gw_log_t *log)
{
  gw_listener_t *l;
  FILE          *fp;
  pthread_t      thread;
  int64_t        start;
  int            n, ok, s503, other, ms, taken = 0, late;

  TEST_BEGIN("a stop while an answer resumes its connection: the stop waits for the resume");
  held_reset();
  if ((l = new_listener(cert, key, 1024, 30, log)) == NULL)
    return;

  fp = clients_start(gwListenerGetPort(l), 5, 60000, -1);
  n  = held_wait(&num_held, 5, 20000);
  TEST_CHECKF(n == 5, "%d of 5 deferred", n);

  _gwDeferTestResumeDelayUs = 300000;
  if (pthread_create(&thread, NULL, answer_one, &taken))
  {
    TEST_CHECK(!"pthread_create");
    _gwDeferTestResumeDelayUs = 0;
    gwListenerDelete(&l);
    return;
  }
  usleep(100000);                       /* The answer is in its resume window now */
  start = now_ms();
  gwListenerDelete(&l);
  ms = (int)(now_ms() - start);
  pthread_join(thread, NULL);
  _gwDeferTestResumeDelayUs = 0;
  printf("  stopped in %d ms (the answer resumed 300 ms after it was taken)\n", ms);

  TEST_CHECKF(taken == 1, "the answer was taken: %d", taken);
  TEST_CHECKF(ms >= 150, "the stop returned after %d ms, before the answer's resume", ms);
  pthread_mutex_lock(&held_lock);
  TEST_CHECKF(num_cleanups == 5, "%d cleanup() calls when the stop returned", num_cleanups);
  pthread_mutex_unlock(&held_lock);

  TEST_CHECK(clients_finish(fp, &ok, &s503, &other, &ms));
  TEST_CHECKF(ok <= 1 && ok + s503 + other == 5, "clients: %d answered 200, %d 503, %d closed", ok, s503, other);

  late = answer_all(5, 0);
  TEST_CHECKF(late == 0, "%d answers taken after the stop", late);
}


/*
 * 'test_max_connections()' - MaxConnections 16 (4 per client), split
 *                            across the pool threads: four clients
 *                            (127.0.0.2-5) with four connections each
 *                            fill it, and a fifth client (127.0.0.1) is
 *                            served only when one of them closes.
 */

static void
test_max_connections(const char *cert, const char *key, gw_log_t *log)
{
  gw_listener_t *l;
  int            fds[16], open16 = 0, hms;

  TEST_BEGIN("MaxConnections 16 with the pool: sixteen held, another client served only when one closes");
  if ((l = new_listener(cert, key, 16, 30, log)) == NULL)
    return;

  /* Positive control: served while there is room */
  hms = health_ms(gwListenerGetPort(l), HEALTH_WAIT_S);
  TEST_CHECKF(hms >= 0, "/health with no connection open failed");

  for (int i = 0; i < 16; i ++)
  {
    char src[32];

    snprintf(src, sizeof(src), "127.0.0.%d", 2 + i / 4);
    fds[i] = harness_connect(src, gwListenerGetPort(l), 0);
  }
  usleep(500000);
  for (int i = 0; i < 16; i ++)
  {
    struct pollfd pfd = { fds[i], POLLIN, 0 };

    open16 += fds[i] >= 0 && poll(&pfd, 1, 0) == 0;
  }
  TEST_CHECKF(open16 == 16, "%d of 16 connections open", open16);

  hms = health_ms(gwListenerGetPort(l), 3);      /* Not answered: a longer wait only takes longer */
  TEST_CHECKF(hms < 0, "/health answered in %d ms with 16 of 16 connections taken", hms);

  close(fds[0]);
  fds[0] = -1;
  hms = health_ms(gwListenerGetPort(l), HEALTH_WAIT_S);
  TEST_CHECKF(hms >= 0, "/health failed after one of the 16 connections closed");

  for (int i = 1; i < 16; i ++)
    if (fds[i] >= 0)
      close(fds[i]);
  gwListenerDelete(&l);
}


/*
 * 'main()' - Run the tests (or, with --clients, be the clients).
 */

int
main(int argc, char *argv[])
{
  char        dir[1024], cert[1100], key[1100], logfile[1100];
  gw_log_t   *log;
  ssize_t     len;

  signal(SIGPIPE, SIG_IGN);

  if (argc == 6 && !strcmp(argv[1], "--clients"))
    return (clients_main((int)strtol(argv[2], NULL, 10), (int)strtol(argv[3], NULL, 10), (int)strtol(argv[4], NULL, 10), (int)strtol(argv[5], NULL, 10)));

  if ((len = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1)) <= 0)
  {
    puts("FAIL unable to find this program");
    return (1);
  }
  self_exe[len] = '\0';

  if (!harness_setup(dir, sizeof(dir), cert, sizeof(cert), key, sizeof(key), logfile, sizeof(logfile), GW_LOG_INFO, &log))
    return (1);

  test_no_thread_held(cert, key, log);
  test_deadline(cert, key, log);
  test_race_deadline(cert, key, log);
  test_race_hangup(cert, key, log);
  test_stop(cert, key, log);
  test_stop_racing_answer(cert, key, log);
  test_max_connections(cert, key, log);

  gwLogDelete(&log);
  test_show_log(logfile, 50);
  test_rmtree(dir);

  TEST_EXIT();
}
