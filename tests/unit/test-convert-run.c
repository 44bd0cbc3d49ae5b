/*
 * test-convert-run.c - the daemon side of a conversion (gwConvertRun())
 * against small shell scripts standing in for printgate-convert: output and
 * result line, failure reasons, the wall-clock timeout, a crash, an output
 * over the limit, a failing write, the child's signal mask and descriptors.
 */

#include "test.h"

#include <printgate/convert.h>

#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

typedef struct buf_s            /* In-memory input and output */
{
  const char *in;
  size_t      inlen, inpos;
  char        out[256 * 1024];
  size_t      outlen;
  bool        fail_write;
} buf_t;

static ssize_t
read_cb(void *ctx, void *data, size_t len)
{
  buf_t *b = (buf_t *)ctx;
  size_t n = b->inlen - b->inpos < len ? b->inlen - b->inpos : len;

  memcpy(data, b->in + b->inpos, n);
  b->inpos += n;
  return ((ssize_t)n);
}

static bool
write_cb(void *ctx, const void *data, size_t len)
{
  buf_t *b = (buf_t *)ctx;

  if (b->fail_write || b->outlen + len > sizeof(b->out))
    return (false);
  memcpy(b->out + b->outlen, data, len);
  b->outlen += len;
  return (true);
}


/*
 * 'run()' - Run SCRIPT (a /bin/sh program) as the helper.
 */

static bool
run(const char *script, const char *input, int timeout, int64_t max_output, buf_t *b, gw_convert_result_t *r)
{
  const char      *argv[] = { "/bin/sh", "-c", script, "printgate-convert", NULL };
  const char      *envp[] = { "PATH=/usr/bin:/bin", NULL };
  gw_convert_job_t cj;

  memset(b, 0, sizeof(*b));
  b->in    = input;
  b->inlen = strlen(input);

  memset(&cj, 0, sizeof(cj));
  cj.helper     = "/bin/sh";
  cj.argv       = argv;
  cj.envp       = envp;
  cj.timeout    = timeout;
  cj.max_output = max_output;
  cj.read       = read_cb;
  cj.read_ctx   = b;
  cj.write      = write_cb;
  cj.write_ctx  = b;

  return (gwConvertRun(&cj, r));
}


int
main(void)
{
  static buf_t        b;
  gw_convert_result_t r;
  time_t              start;
  sigset_t            block;
  int                 leak;

  TEST_BEGIN("a helper that converts (here: copies) and reports ok");
  TEST_CHECK(run("cat; echo 'ok pages=3 color_pages=1' >&3", "%PDF-1.4 hello", 10, 1000000, &b, &r));
  TEST_CHECK(r.ok && r.pages == 3 && r.color_pages == 1);
  TEST_CHECK(b.outlen == 14 && !memcmp(b.out, "%PDF-1.4 hello", 14));
  TEST_CHECK(r.output_size == 14);

  TEST_BEGIN("the input is a seekable memfd (gs needs to seek in a PDF)");
  TEST_CHECK(run("tail -c 5; echo 'ok pages=1' >&3", "0123456789", 10, 1000, &b, &r));
  TEST_CHECK(b.outlen == 5 && !memcmp(b.out, "56789", 5));

  TEST_BEGIN("a refusal carries its reason and detail");
  TEST_CHECK(!run("echo 'fail reason=corrupt-document detail=xref table damaged' >&3; exit 1", "x", 10, 1000, &b, &r));
  TEST_CHECK(r.reason == GW_REASON_CORRUPT_DOCUMENT);
  TEST_CHECK(!strcmp(r.detail, "xref table damaged"));

  TEST_BEGIN("ok on fd 3 but a non-zero exit is not ok");
  TEST_CHECK(!run("echo 'ok pages=1' >&3; exit 3", "x", 10, 1000, &b, &r));
  TEST_CHECK(r.exit_status == 3);

  TEST_BEGIN("no result line");
  TEST_CHECK(!run("cat >/dev/null", "x", 10, 1000, &b, &r));
  TEST_CHECK(r.reason == GW_REASON_INTERNAL);

  TEST_BEGIN("a garbage result line");
  TEST_CHECK(!run("echo 'ok pages=-4' >&3", "x", 10, 1000, &b, &r));
  TEST_CHECK(!run("echo 'maybe' >&3", "x", 10, 1000, &b, &r));

  TEST_BEGIN("the wall-clock timeout kills a hanging helper");
  start = time(NULL);
  TEST_CHECK(!run("exec sleep 30", "x", 1, 1000, &b, &r));
  TEST_CHECK(r.timed_out && r.signal == SIGKILL && r.reason == GW_REASON_CONVERSION_TIMEOUT);
  TEST_CHECKF(time(NULL) - start <= 5, "took %ld s", (long)(time(NULL) - start));

  TEST_BEGIN("a crash fails only this conversion, with a reason");
  TEST_CHECK(!run("kill -SEGV $$", "x", 10, 1000, &b, &r));
  TEST_CHECK(r.signal == SIGSEGV && r.reason == GW_REASON_CONVERSION_CRASHED);

  TEST_BEGIN("output over the limit is cut off");
  TEST_CHECK(!run("head -c 200000 /dev/zero; echo 'ok pages=1' >&3", "x", 10, 1000, &b, &r));
  TEST_CHECK(r.reason == GW_REASON_TOO_LARGE);

  TEST_BEGIN("a failing write (spool full) stops the helper");
  b.fail_write = true;
  {
    const char      *argv[] = { "/bin/sh", "-c", "yes; echo 'ok pages=1' >&3", "printgate-convert", NULL };
    gw_convert_job_t cj;

    memset(&cj, 0, sizeof(cj));
    b.in = "x"; b.inlen = 1; b.inpos = 0;
    cj.helper = "/bin/sh"; cj.argv = argv; cj.timeout = 10; cj.max_output = 1 << 30;
    cj.read = read_cb; cj.read_ctx = &b; cj.write = write_cb; cj.write_ctx = &b;
    TEST_CHECK(!gwConvertRun(&cj, &r));
    TEST_CHECK(r.signal == SIGKILL && !r.timed_out);
  }

  TEST_BEGIN("the child starts with no blocked signals (the daemon blocks SIGTERM)");
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigprocmask(SIG_BLOCK, &block, NULL);
  TEST_CHECK(!run("kill -TERM $$; sleep 5; echo 'ok pages=1' >&3", "x", 10, 1000, &b, &r));
  TEST_CHECK(r.signal == SIGTERM);
  sigprocmask(SIG_UNBLOCK, &block, NULL);

  TEST_BEGIN("no descriptor of the daemon leaks into the helper");
  int spare = open("/dev/null", O_RDONLY);
  leak = open("/dev/null", O_RDONLY);   /* Deliberately without O_CLOEXEC */
  TEST_CHECK(leak >= 4);
  TEST_CHECK(run("ls /proc/self/fd >/dev/null; for f in 4 5 6 7 8 9 10 11 12; do [ -e /proc/$$/fd/$f ] && { echo \"fail reason=internal-error detail=fd $f open\" >&3; exit 1; }; done; echo 'ok pages=1' >&3", "x", 10, 1000, &b, &r));
  close(leak);
  close(spare);

  TEST_EXIT();
}
