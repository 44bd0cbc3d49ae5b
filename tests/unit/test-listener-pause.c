/*
 * test-listener-pause.c - a route may pause a request's body
 * (gwRequestPause()) while something slow runs elsewhere, holding no
 * listener thread, and read on once told (gwDeferredContinue()):
 *
 *  - 16 uploads of 1 MB at once, each paused twice (at its first piece,
 *    giving half of it back, and again past 512 KB), continued from
 *    another thread 40 ms later: every byte reaches body() once and in
 *    order (each client gets back the length and FNV-1a hash of what it
 *    sent), and /health is answered while all 16 are paused; the route
 *    takes exactly 1 MB, so bytes given back and counted twice would end
 *    in 413 (negative control, tried: they do);
 *  - a pause continued at once from inside body() (before the listener
 *    parks it) reads on as well;
 *  - a pause nobody continues: 503 with Retry-After at its deadline, the
 *    rest of the body dropped, cleanup() ran, a late continue refused,
 *    the listener serves the next request;
 *  - a stop while requests are paused: prompt, every cleanup() ran, late
 *    continues refused;
 *  - misuse: more unused bytes than the piece has, or a pause outside
 *    body(), is refused (NULL).
 */

#include "test.h"
#include "listener-harness.h"
#include "printgate/clock.h"
#include "printgate/listener.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAUSED  64
#define UPLOAD_SIZE (1024 * 1024)


/*
 * Per-request state of the /pause route.
 */

typedef struct upload_s
{
  uint64_t bytes;                       /* Body bytes taken */
  uint64_t hash;                        /* FNV-1a of them */
  int      pauses;                      /* Pauses so far */
  int      mode;                        /* ?mode=: 0 continued later, 1 at once, 2 never */
  int      ms;                          /* ?ms=: the pause's deadline */
} upload_t;


/*
 * What the test shares with the listener's threads.
 */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  cond = PTHREAD_COND_INITIALIZER;
static gw_deferred_t  *paused[MAX_PAUSED];      /* Waiting for the continuer */
static int64_t         due[MAX_PAUSED];         /* When to continue them */
static int             num_paused;              /* In paused[] now */
static int             total_paused;            /* Pauses so far */
static int             num_cleanups;            /* cleanup() calls */
static int             refused_misuse;          /* gwRequestPause() misuse refused (NULL) */
static gw_deferred_t  *never[MAX_PAUSED];       /* mode 2: never continued (until the test does) */
static int             num_never;
static bool            continuer_stop;
static bool            continuer_hold;          /* Continue nothing while set */


/*
 * 'fnv()' - FNV-1a over buf, from hash.
 */

static uint64_t
fnv(uint64_t hash, const unsigned char *buf, size_t len)
{
  for (size_t i = 0; i < len; i ++)
    hash = (hash ^ buf[i]) * 0x100000001b3ULL;

  return (hash);
}


/*
 * 'pause_begin()' - POST /pause?mode=M&ms=T: start counting.
 */

static bool
pause_begin(gw_request_t *req, void *data)
{
  upload_t   *u = calloc(1, sizeof(upload_t));
  const char *mode = gwRequestQuery(req, "mode"), *ms = gwRequestQuery(req, "ms");

  (void)data;
  if (!u)
    return (false);
  u->hash = 0xcbf29ce484222325ULL;
  u->mode = mode ? (int)strtol(mode, NULL, 10) : 0;
  u->ms   = ms ? (int)strtol(ms, NULL, 10) : 30000;
  gwRequestSetState(req, u);

  return (true);
}


/*
 * 'pause_body()' - Take the piece, or pause: at the first piece (giving
 *                  half of it back) and again past 512 KB.
 */

static bool
pause_body(gw_request_t *req, const char *buf, size_t len, void *data)
{
  upload_t      *u = (upload_t *)gwRequestGetState(req);
  size_t         unused = 0;
  gw_deferred_t *d;

  (void)data;
  if ((u->pauses == 0 && len >= 2) || (u->pauses == 1 && u->bytes >= UPLOAD_SIZE / 2))
    unused = u->pauses == 0 ? len / 2 : len;

  if (unused > 0)
  {
    pthread_mutex_lock(&lock);
    if (gwRequestPause(req, len + 1, u->ms) == NULL)
      refused_misuse ++;
    pthread_mutex_unlock(&lock);

    if ((d = gwRequestPause(req, unused, u->ms)) != NULL)
    {
      u->pauses ++;
      pthread_mutex_lock(&lock);
      total_paused ++;
      if (u->mode == 1)
      {
        pthread_mutex_unlock(&lock);
        gwDeferredContinue(&d);         /* Before the listener parks it */
      }
      else if (u->mode == 2 && num_never < MAX_PAUSED)
      {
        never[num_never ++] = d;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
      }
      else if (num_paused < MAX_PAUSED)
      {
        due[num_paused]      = (int64_t)gwClockMs() + 40;
        paused[num_paused ++] = d;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
      }
      else
      {
        pthread_mutex_unlock(&lock);
        gwDeferredContinue(&d);
      }
      len -= unused;                    /* The rest comes again */
    }
  }

  u->bytes += len;
  u->hash   = fnv(u->hash, (const unsigned char *)buf, len);

  return (true);
}


/*
 * 'pause_finish()' - Answer with what was taken; a pause here is refused.
 */

static void
pause_finish(gw_request_t *req, void *data)
{
  upload_t *u = (upload_t *)gwRequestGetState(req);
  char      text[128];

  (void)data;
  pthread_mutex_lock(&lock);
  if (gwRequestPause(req, 0, 1000) == NULL)
    refused_misuse ++;
  pthread_mutex_unlock(&lock);

  snprintf(text, sizeof(text), "bytes=%llu fnv=%016llx pauses=%d", (unsigned long long)u->bytes, (unsigned long long)u->hash, u->pauses);
  gwRequestRespond(req, 200, "text/plain", text, strlen(text));
}

static void
pause_cleanup(gw_request_t *req, void *data)
{
  (void)data;
  free(gwRequestGetState(req));
  pthread_mutex_lock(&lock);
  num_cleanups ++;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&lock);
}

static void
health_finish(gw_request_t *req, void *data)
{
  (void)data;
  gwRequestRespond(req, 200, "application/json", "{\"status\":\"ok\"}\n", 16);
}


/*
 * 'continuer()' - The other thread: continue each pause once it is due.
 */

static void *
continuer(void *arg)
{
  (void)arg;
  pthread_mutex_lock(&lock);
  while (!continuer_stop)
  {
    int64_t now = (int64_t)gwClockMs();

    for (int i = 0; i < num_paused && !continuer_hold; i ++)
    {
      if (due[i] <= now)
      {
        gw_deferred_t *d = paused[i];

        paused[i] = paused[-- num_paused];
        due[i]    = due[num_paused];
        i --;
        pthread_mutex_unlock(&lock);
        gwDeferredContinue(&d);
        pthread_mutex_lock(&lock);
      }
    }
    pthread_mutex_unlock(&lock);
    usleep(5000);
    pthread_mutex_lock(&lock);
  }
  pthread_mutex_unlock(&lock);

  return (NULL);
}


/*
 * 'counter_wait()' - Wait up to ms until *counter reaches n; its value.
 */

static int
counter_wait(int *counter, int n, int ms)
{
  return (harness_wait_count(&lock, &cond, counter, n, ms));
}


/*
 * 'reset()' - Forget the previous case.
 */

static void
reset(void)
{
  pthread_mutex_lock(&lock);
  num_paused = total_paused = num_cleanups = refused_misuse = num_never = 0;
  continuer_hold = false;
  pthread_mutex_unlock(&lock);
}


/*
 * 'uploads_start()' - n uploads of file with curl at once (mode, ms), each
 *                     printing "<body> <status> retry=<Retry-After>
 *                     rc=<curl's exit status>" on a line of its own.
 */

static FILE *
uploads_start(int port, const char *file, int n, int mode, int ms)
{
  char cmd[4096];

  snprintf(cmd, sizeof(cmd),
           "for i in $(seq %d); do (o=$(curl -sk --max-time 60 -H 'Expect:' --data-binary @'%s' -w ' %%{http_code} retry=%%header{retry-after}' "
           "'https://127.0.0.1:%d/pause?mode=%d&ms=%d'); rc=$?; echo \"$(printf '%%s' \"$o\" | tr '\\n' ' ') rc=$rc\") & done; wait", n, file, port, mode, ms);

  return (popen(cmd, "r"));
}


/*
 * 'uploads_count()' - Read the uploads' lines: how many answered 200 with
 *                     want (bytes and hash), how many 503 with Retry-After.
 */

static void
uploads_count(FILE *fp, const char *want, int *ok, int *busy, int *other)
{
  char line[512];

  *ok = *busy = *other = 0;
  while (fp && fgets(line, sizeof(line), fp))
  {
    if (strstr(line, want) && strstr(line, " 200 retry="))
      (*ok) ++;
    else if (strstr(line, " 503 retry=5"))
      (*busy) ++;
    else
    {
      (*other) ++;
      printf("  other: %s", line);
    }
  }
  if (fp)
    pclose(fp);
}


/*
 * 'health_ms()' - GET /health: milliseconds to a 200, or -1.
 */

static int
health_ms(int port)
{
  char    cmd[512], code[16];
  int64_t start = (int64_t)gwClockMs();

  snprintf(cmd, sizeof(cmd), "curl -sk --max-time 10 -o /dev/null -w '%%{http_code}' https://127.0.0.1:%d/health", port);

  return (test_run(cmd, code, sizeof(code)) == 0 && !strcmp(code, "200") ? (int)((int64_t)gwClockMs() - start) : -1);
}


/*
 * 'new_listener()' - A started listener with /pause and /health.
 */

static gw_listener_t *
new_listener(const char *cert, const char *key, gw_log_t *log)
{
  gw_listener_t *l;
  gw_route_t     route;
  const char    *error = NULL;

  if ((l = gwListenerNew("127.0.0.1", 0, cert, key, 1024, 30, log, &error)) == NULL)
    return (NULL);

  memset(&route, 0, sizeof(route));
  route.method   = "POST";
  route.path     = "/pause";
  route.max_body = UPLOAD_SIZE;           /* Exactly: bytes given back must not count twice */
  route.begin    = pause_begin;
  route.body     = pause_body;
  route.finish   = pause_finish;
  route.cleanup  = pause_cleanup;
  gwListenerAddRoute(l, &route);

  memset(&route, 0, sizeof(route));
  route.method = "GET";
  route.path   = "/health";
  route.finish = health_finish;
  gwListenerAddRoute(l, &route);

  TEST_CHECKF(gwListenerStart(l, &error), "the listener did not start: %s", error ? error : "?");
  if (!gwListenerGetPort(l))
    gwListenerDelete(&l);

  return (l);
}


/*
 * 'test_paused_uploads()' - 16 uploads paused twice each, continued later.
 */

static void
test_paused_uploads(const char *cert, const char *key, gw_log_t *log, const char *file, const char *want)
{
  gw_listener_t *l;
  FILE          *fp;
  int            ok, busy, other, n, hms;

  TEST_BEGIN("16 uploads of 1 MB paused twice each: every byte once, in order; /health answered meanwhile");
  reset();
  if ((l = new_listener(cert, key, log)) == NULL)
    return;

  pthread_mutex_lock(&lock);
  continuer_hold = true;                /* Until /health was asked */
  pthread_mutex_unlock(&lock);

  fp = uploads_start(gwListenerGetPort(l), file, 16, 0, 30000);
  n  = counter_wait(&num_paused, 16, 30000);
  TEST_CHECKF(n == 16, "%d of 16 uploads paused", n);
  hms = health_ms(gwListenerGetPort(l));
  TEST_CHECKF(hms >= 0, "/health was not answered with 16 uploads paused");

  pthread_mutex_lock(&lock);
  continuer_hold = false;
  pthread_mutex_unlock(&lock);

  uploads_count(fp, want, &ok, &busy, &other);
  TEST_CHECKF(ok == 16 && busy == 0 && other == 0, "%d uploads answered with their own length and hash, %d 503, %d other", ok, busy, other);
  TEST_CHECKF(total_paused == 32, "%d pauses (2 per upload)", total_paused);
  TEST_CHECKF(refused_misuse == 32 + 16, "%d misused pauses refused (more unused bytes than the piece; in finish())", refused_misuse);
  gwListenerDelete(&l);
  TEST_CHECKF(num_cleanups == 16, "%d cleanup() calls", num_cleanups);
}


/*
 * 'test_continue_at_once()' - Continued from inside body().
 */

static void
test_continue_at_once(const char *cert, const char *key, gw_log_t *log, const char *file, const char *want)
{
  gw_listener_t *l;
  int            ok, busy, other;

  TEST_BEGIN("a pause continued at once, before it is parked, reads on");
  reset();
  if ((l = new_listener(cert, key, log)) == NULL)
    return;

  uploads_count(uploads_start(gwListenerGetPort(l), file, 4, 1, 30000), want, &ok, &busy, &other);
  TEST_CHECKF(ok == 4 && busy == 0 && other == 0, "%d answered right, %d 503, %d other", ok, busy, other);
  TEST_CHECKF(total_paused == 8, "%d pauses", total_paused);
  gwListenerDelete(&l);
}


/*
 * 'test_deadline()' - Never continued: 503 at the deadline.
 */

static void
test_deadline(const char *cert, const char *key, gw_log_t *log, const char *file, const char *want)
{
  gw_listener_t *l;
  int            ok, busy, other, late = 0, n;
  int64_t        start = (int64_t)gwClockMs();

  TEST_BEGIN("a pause nobody continues: 503 with Retry-After at its deadline, late continues refused");
  reset();
  if ((l = new_listener(cert, key, log)) == NULL)
    return;

  uploads_count(uploads_start(gwListenerGetPort(l), file, 4, 2, 500), want, &ok, &busy, &other);
  printf("  answered in %d ms\n", (int)((int64_t)gwClockMs() - start));
  TEST_CHECKF(busy == 4 && ok == 0 && other == 0, "%d 503, %d 200, %d other", busy, ok, other);
  n = counter_wait(&num_cleanups, 4, 10000);
  TEST_CHECKF(n == 4, "%d cleanup() calls", n);
  for (int i = 0; i < num_never; i ++)
    late += gwDeferredContinue(never + i);
  TEST_CHECKF(num_never == 4 && late == 0, "%d of %d late continues taken", late, num_never);

  uploads_count(uploads_start(gwListenerGetPort(l), file, 1, 0, 30000), want, &ok, &busy, &other);
  TEST_CHECKF(ok == 1, "the next upload: %d answered right, %d 503, %d other", ok, busy, other);
  gwListenerDelete(&l);
}


/*
 * 'test_stop()' - A stop with uploads paused.
 */

static void
test_stop(const char *cert, const char *key, gw_log_t *log, const char *file, const char *want)
{
  gw_listener_t *l;
  FILE          *fp;
  int            ok, busy, other, n, late = 0, ms;
  int64_t        start;

  TEST_BEGIN("a stop with 8 uploads paused: prompt, every cleanup() ran, late continues refused");
  reset();
  if ((l = new_listener(cert, key, log)) == NULL)
    return;

  fp = uploads_start(gwListenerGetPort(l), file, 8, 2, 60000);
  n  = counter_wait(&num_never, 8, 30000);
  TEST_CHECKF(n == 8, "%d of 8 paused", n);

  start = (int64_t)gwClockMs();
  gwListenerDelete(&l);
  ms = (int)((int64_t)gwClockMs() - start);
  TEST_CHECKF(ms < 5000, "the stop took %d ms", ms);
  TEST_CHECKF(num_cleanups == 8, "%d cleanup() calls when the stop returned", num_cleanups);

  uploads_count(fp, want, &ok, &busy, &other);
  TEST_CHECKF(ok == 0 && busy + other == 8, "clients: %d answered 200, %d 503, %d closed", ok, busy, other);
  for (int i = 0; i < num_never; i ++)
    late += gwDeferredContinue(never + i);
  TEST_CHECKF(late == 0, "%d continues taken after the stop", late);
}


/*
 * 'main()' - Run the tests.
 */

int
main(void)
{
  char            dir[1024], cert[1100], key[1100], logfile[1100], file[1100], want[128];
  unsigned char  *data;
  gw_log_t       *log;
  pthread_t       thread;
  FILE           *fp;

  signal(SIGPIPE, SIG_IGN);
  if (!harness_setup(dir, sizeof(dir), cert, sizeof(cert), key, sizeof(key), logfile, sizeof(logfile), GW_LOG_INFO, &log))
    return (1);

  /* The upload: 1 MB of varied bytes, and what the route must answer for it */
  snprintf(file, sizeof(file), "%s/upload.bin", dir);
  if ((data = malloc(UPLOAD_SIZE)) == NULL || (fp = fopen(file, "wb")) == NULL)
  {
    puts("FAIL unable to write the upload");
    return (1);
  }
  for (size_t i = 0; i < UPLOAD_SIZE; i ++)
    data[i] = (unsigned char)((i * 2654435761u) >> 13);
  fwrite(data, 1, UPLOAD_SIZE, fp);
  fclose(fp);
  snprintf(want, sizeof(want), "bytes=%d fnv=%016llx pauses=2", UPLOAD_SIZE, (unsigned long long)fnv(0xcbf29ce484222325ULL, data, UPLOAD_SIZE));
  free(data);

  pthread_create(&thread, NULL, continuer, NULL);

  test_paused_uploads(cert, key, log, file, want);
  test_continue_at_once(cert, key, log, file, want);
  test_deadline(cert, key, log, file, want);
  test_stop(cert, key, log, file, want);

  pthread_mutex_lock(&lock);
  continuer_stop = true;
  pthread_mutex_unlock(&lock);
  pthread_join(thread, NULL);

  gwLogDelete(&log);
  test_show_log(logfile, 50);
  test_rmtree(dir);

  TEST_EXIT();
}
