/*
 * test-listener-stream.c - streamed answers (gwRequestRespondStream(),
 * listener.h) over TLS with curl: 5 MB in 1,000-byte pieces arrive whole
 * and in order, chunked, with the route's and the listener's headers;
 * done() runs exactly once after the end, after a reader error (the
 * client sees a cut-short answer, never a complete one), after a client
 * that hangs up early (the reader is not run to the end), and when a
 * second answer is refused.
 */

#include "test.h"
#include "listener-harness.h"
#include "printgate/listener.h"

#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#define PIECE 1000

static atomic_int  done_count;   /* done() calls */
static atomic_long pieces_read;  /* Pieces handed out, all streams */
static atomic_int  second_ok = -1; /* /twice: what the second answer returned */

typedef struct stream_s
{
  long pieces;                   /* Pieces to give */
  long given;
  long fail_after;               /* -1 after this many pieces (0 = never) */
} stream_t;


/*
 * 'stream_read()' - One piece: PIECE bytes of 'a' + piece % 26.
 */

static ssize_t
stream_read(void *data, char *buf, size_t max)
{
  stream_t *st = (stream_t *)data;

  if (st->fail_after && st->given >= st->fail_after)
    return (-1);
  if (st->given >= st->pieces)
    return (0);
  if (max > PIECE)
    max = PIECE;

  memset(buf, 'a' + (int)(st->given % 26), max);
  st->given ++;
  atomic_fetch_add(&pieces_read, 1);

  return ((ssize_t)max);
}


/*
 * 'stream_done()' - Count and free.
 */

static void
stream_done(void *data)
{
  free(data);
  atomic_fetch_add(&done_count, 1);
}


/*
 * 'stream_finish()' - /stream?n=PIECES&fail=AFTER, and /twice.
 */

static void
stream_finish(gw_request_t *req, void *data)
{
  const char *n = gwRequestQuery(req, "n"), *fail = gwRequestQuery(req, "fail");
  stream_t   *st = calloc(1, sizeof(stream_t));

  (void)data;
  st->pieces     = n ? strtol(n, NULL, 10) : 10;
  st->fail_after = fail ? strtol(fail, NULL, 10) : 0;
  gwRequestAddHeader(req, "Content-Disposition", "attachment; filename=\"x.txt\"");
  gwRequestRespondStream(req, 200, "text/plain", stream_read, stream_done, st);
  if (!strcmp(gwRequestPath(req), "/twice"))
    atomic_store(&second_ok, gwRequestRespondStream(req, 200, "text/plain", stream_read, stream_done, calloc(1, sizeof(stream_t))));
}


/*
 * 'wait_done()' - Wait up to 5 s for done_count to reach want.
 */

static bool
wait_done(int want)
{
  for (int i = 0; i < 500 && atomic_load(&done_count) < want; i ++)
  {
    struct timespec ts = { 0, 10000000 };

    nanosleep(&ts, NULL);
  }

  return (atomic_load(&done_count) == want);
}


/*
 * 'run()' - Run a shell command; its exit status.
 */

static int
run(const char *cmd)
{
  int status = system(cmd);

  return (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}


int
main(void)
{
  static const char * const headers[] = { "X-Test-Listener", "yes", NULL };
  char           dir[1024], cert[1100], key[1100], logfile[1100], cmd[8192], body[1200], hdr[1200];
  gw_log_t      *log;
  gw_listener_t *l;
  gw_route_t     route;
  const char    *error = NULL;
  int            port;
  FILE          *fp;
  long           size = 0, bad = 0;
  int            c;

  signal(SIGPIPE, SIG_IGN);
  if (!harness_setup(dir, sizeof(dir), cert, sizeof(cert), key, sizeof(key), logfile, sizeof(logfile), GW_LOG_INFO, &log))
    return (1);

  TEST_BEGIN("a listener with /stream and /twice");
  TEST_CHECK((l = gwListenerNew("127.0.0.1", 0, cert, key, 64, 30, log, &error)) != NULL);
  if (!l)
    TEST_EXIT();
  memset(&route, 0, sizeof(route));
  route.method = "GET";
  route.path   = "/stream";
  route.finish = stream_finish;
  gwListenerAddRoute(l, &route);
  route.path = "/twice";
  gwListenerAddRoute(l, &route);
  gwListenerSetHeaders(l, headers);
  TEST_CHECK(gwListenerStart(l, &error));
  port = gwListenerGetPort(l);
  snprintf(body, sizeof(body), "%s/body", dir);
  snprintf(hdr, sizeof(hdr), "%s/hdr", dir);

  TEST_BEGIN("5 MB streamed in 1,000-byte pieces arrive whole and in order");
  snprintf(cmd, sizeof(cmd), "curl -sk -o '%s' -D '%s' 'https://127.0.0.1:%d/stream?n=5000'", body, hdr, port);
  TEST_CHECK(run(cmd) == 0);
  if ((fp = fopen(body, "rb")) != NULL)
  {
    while ((c = getc(fp)) != EOF)
    {
      bad += c != 'a' + (int)((size / PIECE) % 26);
      size ++;
    }
    fclose(fp);
  }
  TEST_CHECKF(size == 5000 * PIECE && bad == 0, "%ld bytes, %ld out of place", size, bad);
  TEST_CHECK(wait_done(1));

  TEST_BEGIN("chunked, with the route's and the listener's headers and the defaults");
  snprintf(cmd, sizeof(cmd), "grep -qi '^Transfer-Encoding: chunked' '%s' && grep -qi '^Content-Disposition: attachment; filename=\"x.txt\"' '%s' && "
                             "grep -qi '^X-Test-Listener: yes' '%s' && grep -qi '^Cache-Control: no-store' '%s' && grep -qi '^Content-Type: text/plain' '%s'",
           hdr, hdr, hdr, hdr, hdr);
  TEST_CHECK(run(cmd) == 0);

  TEST_BEGIN("a reader error after 10 pieces: the client sees a cut-short answer; done() once");
  snprintf(cmd, sizeof(cmd), "curl -sk -o '%s' 'https://127.0.0.1:%d/stream?n=100&fail=10'", body, port);
  TEST_CHECK(run(cmd) != 0);
  TEST_CHECK(wait_done(2));

  TEST_BEGIN("a client that hangs up after 100 KB of 1 GB: done() runs, the reader stops");
  atomic_store(&pieces_read, 0);
  snprintf(cmd, sizeof(cmd), "curl -sk 'https://127.0.0.1:%d/stream?n=1000000' 2>/dev/null | head -c 100000 > /dev/null", port);
  run(cmd);
  TEST_CHECK(wait_done(3));
  TEST_CHECKF(atomic_load(&pieces_read) < 100000, "%ld pieces read", (long)atomic_load(&pieces_read));

  TEST_BEGIN("a second answer is refused and its done() still runs");
  snprintf(cmd, sizeof(cmd), "curl -sk -o /dev/null 'https://127.0.0.1:%d/twice?n=3'", port);
  TEST_CHECK(run(cmd) == 0);
  TEST_CHECK(atomic_load(&second_ok) == 0);
  TEST_CHECK(wait_done(5));

  gwListenerDelete(&l);
  gwLogDelete(&log);
  test_show_log(logfile, 20);
  test_rmtree(dir);

  TEST_EXIT();
}
