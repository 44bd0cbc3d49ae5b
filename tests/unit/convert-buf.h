/*
 * convert-buf.h - the in-memory document and output of gwConvertRun() in
 * the tests that drive it with stand-in helpers (test-convert-run.c,
 * test-convert-pool.c).
 */

#ifndef PRINTGATE_TEST_CONVERT_BUF_H
#define PRINTGATE_TEST_CONVERT_BUF_H

#include <stdbool.h>
#include <string.h>
#include <sys/types.h>

#include <printgate/convert.h>

typedef struct buf_s            /* In-memory input and output */
{
  const char *in;
  size_t      inlen, inpos;
  char        out[256 * 1024];  /* Always NUL-terminated */
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

  if (b->fail_write || b->outlen + len >= sizeof(b->out))
    return (false);
  memcpy(b->out + b->outlen, data, len);
  b->outlen += len;
  b->out[b->outlen] = '\0';
  return (true);
}

/*
 * 'buf_job()' - A job for /bin/sh with argv and envp that reads b's input
 *               (input, inlen) and writes into b.
 */

static void
buf_job(gw_convert_job_t *cj, buf_t *b, const char * const *argv, const char * const *envp, const char *input,
        size_t inlen, int timeout, int64_t max_output)
{
  memset(b, 0, sizeof(*b));
  b->in    = input;
  b->inlen = inlen;

  memset(cj, 0, sizeof(*cj));
  cj->helper     = "/bin/sh";
  cj->argv       = argv;
  cj->envp       = envp;
  cj->timeout    = timeout;
  cj->max_output = max_output;
  cj->read       = read_cb;
  cj->read_ctx   = b;
  cj->write      = write_cb;
  cj->write_ctx  = b;
}

#endif /* !PRINTGATE_TEST_CONVERT_BUF_H */
