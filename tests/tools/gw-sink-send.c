/*
 * gw-sink-send.c - send one file through a printer sink, as a release would.
 *
 * Usage: gw-sink-send [--check] [--copies N] [--sides S] [--color-mode M]
 *                     [--format MIME] [--name JOBNAME] [--printer NAME]
 *                     [--timeout SECS] [--retries N] [--retry-delay MS]
 *                     [--damage-after BYTES] [--job-id ID] [--cert-dir DIR]
 *                     --owner NAME URI FILE
 *
 * Picks gwIppSink() or gwCupsSink() by the URI scheme, reads FILE through
 * read/rewind callbacks (like the spool reader) and prints one line:
 *
 *   status=<ok|hold|failed> reason=<code> printer_job_id=N text=<sentence>
 *
 * Exit status 0 only for ok.  --damage-after makes the read callback fail
 * once that many bytes were read, as a damaged spool file would.  --cert-dir
 * is where ipps:// certificates are pinned (without it ipps is refused, as
 * in the daemon without its store).  Sink log
 * lines go to stderr.
 */

#include <printgate-ipp/sinks.h>
#include <printgate/log.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct file_ctx_s       /* Read callbacks over a file */
{
  int     fd;
  int64_t offset;               /* Bytes read since the last rewind */
  int64_t damage_after;         /* Fail reads past this offset (-1 = never) */
} file_ctx_t;


/*
 * 'file_read()' - Read callback: <0 on error (or simulated damage).
 */

static ssize_t
file_read(void *data, void *buf, size_t len)
{
  file_ctx_t *ctx = (file_ctx_t *)data;
  ssize_t     bytes;

  if (ctx->damage_after >= 0 && ctx->offset >= ctx->damage_after)
    return (-1);

  if (ctx->damage_after >= 0 && (int64_t)len > ctx->damage_after - ctx->offset)
    len = (size_t)(ctx->damage_after - ctx->offset);

  do
    bytes = read(ctx->fd, buf, len);
  while (bytes < 0 && errno == EINTR);

  if (bytes > 0)
    ctx->offset += bytes;

  return (bytes);
}


/*
 * 'file_rewind()' - Rewind callback.
 */

static bool
file_rewind(void *data)
{
  file_ctx_t *ctx = (file_ctx_t *)data;

  ctx->offset = 0;
  return (lseek(ctx->fd, 0, SEEK_SET) == 0);
}


/*
 * 'parse_int()' - Parse a bounded integer option.
 */

static bool
parse_int(const char *s, long long min, long long max, long long *value)
{
  char *end;

  errno  = 0;
  *value = strtoll(s, &end, 10);

  return (!errno && end != s && !*end && *value >= min && *value <= max);
}


/*
 * 'usage()' - Show usage and exit.
 */

static int
usage(void)
{
  fputs("Usage: gw-sink-send [--check] [--copies N] [--sides S] [--color-mode M]\n"
        "                    [--format MIME] [--name JOBNAME] [--printer NAME]\n"
        "                    [--timeout SECS] [--retries N] [--retry-delay MS]\n"
        "                    [--damage-after BYTES] [--job-id ID] [--cert-dir DIR]\n"
        "                    --owner NAME URI FILE\n", stderr);
  return (2);
}


/*
 * 'main()' - Send or check.
 */

int
main(int argc, char *argv[])
{
  const gw_sink_ops_t *sinks[2] = { gwIppSink(), gwCupsSink() }, *sink = NULL;
  gw_sink_doc_t        doc;
  gw_sink_options_t    opts;
  gw_sink_result_t     result;
  file_ctx_t           ctx = { -1, 0, -1 };
  const char          *uri = NULL, *file = NULL, *printer = "test-printer", *status;
  char                 name[256];
  bool                 check = false;
  long long            value;
  struct stat          st;
  int                  i;

  memset(&doc, 0, sizeof(doc));
  memset(&opts, 0, sizeof(opts));
  memset(&result, 0, sizeof(result));

  doc.job_id         = "00000000-0000-4000-8000-000000000000";
  doc.format         = "application/pdf";
  doc.copies         = 1;
  doc.sides          = "one-sided";
  doc.color_mode     = "auto";
  opts.timeout       = 10;
  opts.retries       = 3;
  opts.retry_delay_ms = 500;
  name[0]            = '\0';

  for (i = 1; i < argc; i ++)
  {
    const char *opt = argv[i], *arg = (i + 1 < argc) ? argv[i + 1] : NULL;

    if (!strcmp(opt, "--check"))
    {
      check = true;
      continue;
    }
    else if (opt[0] != '-' || opt[1] != '-')
    {
      if (!uri)
        uri = opt;
      else if (!file)
        file = opt;
      else
        return (usage());
      continue;
    }

    if (!arg)
      return (usage());
    i ++;

    if (!strcmp(opt, "--owner"))
      doc.owner = arg;
    else if (!strcmp(opt, "--sides"))
      doc.sides = arg;
    else if (!strcmp(opt, "--color-mode"))
      doc.color_mode = arg;
    else if (!strcmp(opt, "--format"))
      doc.format = arg;
    else if (!strcmp(opt, "--name"))
      snprintf(name, sizeof(name), "%s", arg);
    else if (!strcmp(opt, "--printer"))
      printer = arg;
    else if (!strcmp(opt, "--job-id"))
      doc.job_id = arg;
    else if (!strcmp(opt, "--cert-dir"))
      opts.cert_dir = arg;
    else if (!strcmp(opt, "--copies") && parse_int(arg, 1, 999, &value))
      doc.copies = (int)value;
    else if (!strcmp(opt, "--timeout") && parse_int(arg, 1, 3600, &value))
      opts.timeout = (int)value;
    else if (!strcmp(opt, "--retries") && parse_int(arg, 0, 100, &value))
      opts.retries = (int)value;
    else if (!strcmp(opt, "--retry-delay") && parse_int(arg, 1, 600000, &value))
      opts.retry_delay_ms = value;
    else if (!strcmp(opt, "--damage-after") && parse_int(arg, 0, LLONG_MAX, &value))
      ctx.damage_after = value;
    else
      return (usage());
  }

  if (!uri || !file || !doc.owner)
    return (usage());

  for (size_t s = 0; !sink && s < sizeof(sinks) / sizeof(sinks[0]); s ++)
  {
    for (const char *const *scheme = sinks[s]->schemes; *scheme; scheme ++)
    {
      size_t len = strlen(*scheme);

      if (!strncmp(uri, *scheme, len) && uri[len] == ':')
        sink = sinks[s];
    }
  }

  if (!sink)
  {
    fprintf(stderr, "gw-sink-send: no sink for \"%s\" (ipp, ipps, cups).\n", uri);
    return (2);
  }

  if ((ctx.fd = open(file, O_RDONLY | O_CLOEXEC)) < 0 || fstat(ctx.fd, &st))
  {
    fprintf(stderr, "gw-sink-send: %s: %s\n", file, strerror(errno));
    return (2);
  }

  if (!name[0])
  {
    const char *base = strrchr(file, '/');

    snprintf(name, sizeof(name), "%s", base ? base + 1 : file);
  }

  doc.job_name = name;
  doc.size     = (int64_t)st.st_size;
  doc.read     = file_read;
  doc.rewind   = file_rewind;
  doc.ctx      = &ctx;

  if (check)
  {
    if (sink->check(printer, uri, &doc, &opts, &result))
      result.status = GW_SINK_OK;
  }
  else
    sink->send(printer, uri, &doc, &opts, &result);

  close(ctx.fd);

  status = result.status == GW_SINK_OK ? "ok" : result.status == GW_SINK_HOLD ? "hold" : "failed";
  printf("status=%s reason=%s printer_job_id=%d text=%s\n", status, gwReasonCode(result.reason), result.printer_job_id, result.text);

  return (result.status == GW_SINK_OK ? 0 : 1);
}
