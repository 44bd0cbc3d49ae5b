/*
 * gw-ipp-load.c - an IPP Print-Job load generator for tests/bench/ipp-bench.sh.
 *
 * Usage: gw-ipp-load [--clients N] [--seconds S] [--auth USER:PASSWORD]
 *                    [--tls] [--jobs N] [--interval MS] URI FILE
 *
 * Starts N threads (default 1), each with its own kept-alive connection
 * (libcups http_t; --tls = TLS from the first byte, as ipps://), sends one
 * Print-Job of FILE (read into memory once, sent as application/pdf) as a
 * warm-up (TLS handshake, the server's password check), waits for every
 * thread, then sends Print-Job after Print-Job for S seconds (default 5) or
 * N jobs each (--jobs), each client pausing MS milliseconds after each job
 * (--interval, default none: a steady trickle of uploads for the tests).  A job counts when its response says successful-ok*;
 * server-error-busy (ippeveprinter while a job prints) is counted and sent
 * again.  Prints one line:
 *
 *   clients=N jobs=J busy=B errors=E secs=T jobs_per_s=X p50_ms=A p99_ms=B gen_cpu_pct=C
 *
 * Latency is from the request's first byte to the whole response, per job;
 * gen_cpu_pct is this program's CPU (user + system) over the wall time, in
 * per cent of one core, so a run can show the generator is not the limit.
 * Exit status 0 when no job failed.
 */

#include "printgate/text.h"

#include <cups/cups.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

typedef struct load_s           /* What every thread shares */
{
  char            host[256];    /* From the URI */
  char            resource[1024];
  int             port;
  const char      *uri;
  http_encryption_t encryption;
  char            auth[1024];   /* Base64 of USER:PASSWORD, or "" */
  const char      *user;        /* requesting-user-name */
  unsigned char   *doc;         /* The document */
  size_t          doclen;
  double          seconds;      /* Length of the timed run */
  long            jobs;         /* Or jobs per thread (0 = by time) */
  long            interval_ms;  /* Pause between a client's jobs (0 = none) */
  pthread_barrier_t ready;      /* Warm-up done */
  pthread_barrier_t go;         /* Start time set */
  double          start;        /* Timed run start (set after the barrier) */
} load_t;

typedef struct worker_s         /* One thread's counts */
{
  pthread_t thread;
  load_t    *load;
  double    *lat;               /* Latencies (ms) of counted jobs */
  size_t    nlat, alat;
  long      busy, errors;
  bool      warm_ok;
} worker_t;


/*
 * 'now_s()' - Monotonic time in seconds.
 */

static double
now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}


/*
 * 'send_job()' - Send one Print-Job; return its IPP status (or -1 on a
 *                transport or HTTP error).
 */

static int
send_job(http_t *http, load_t *l, long n)
{
  ipp_t         *req, *resp;
  char          name[64];
  size_t        off;
  http_status_t st;
  int           status;

  req = ippNewRequest(IPP_OP_PRINT_JOB);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, l->uri);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, l->user);
  snprintf(name, sizeof(name), "load-%ld", n);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL, name);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", NULL, "application/pdf");

  if (l->auth[0])
    httpSetAuthString(http, "Basic", l->auth);

  st = cupsSendRequest(http, req, l->resource, ippLength(req) + l->doclen);
  for (off = 0; st == HTTP_STATUS_CONTINUE && off < l->doclen;)
  {
    size_t piece = l->doclen - off > 65536 ? 65536 : l->doclen - off;

    st  = cupsWriteRequestData(http, (const char *)l->doc + off, piece);
    off += piece;
  }

  resp = cupsGetResponse(http, l->resource);
  status = resp ? (int)ippGetStatusCode(resp) : -1;
  if (!resp && httpGetStatus(http) != HTTP_STATUS_OK)
    fprintf(stderr, "gw-ipp-load: HTTP %d: %s\n", (int)httpGetStatus(http), cupsLastErrorString());
  ippDelete(resp);
  ippDelete(req);

  return (status);
}


/*
 * 'one_job()' - Send one job until it is not answered busy; count it.
 *               Returns whether it was taken.
 */

static bool
one_job(http_t *http, worker_t *w, long n, bool record)
{
  for (;;)
  {
    double t0 = now_s();
    int    status = send_job(http, w->load, n);

    if (status == IPP_STATUS_ERROR_BUSY)
    {
      w->busy ++;
      continue;
    }
    if (status < 0 || status > IPP_STATUS_OK_EVENTS_COMPLETE)
    {
      if (w->errors ++ < 3)
        fprintf(stderr, "gw-ipp-load: job %ld: %s (0x%04x)\n", n, status < 0 ? "no response" : ippErrorString((ipp_status_t)status), status < 0 ? 0 : (unsigned)status);
      return (false);
    }
    if (record)
    {
      double *lat = gwArrayGrow(w->lat, w->nlat, &w->alat, sizeof(double), 1024);

      if (!lat)
        return (false);
      w->lat = lat;
      w->lat[w->nlat ++] = (now_s() - t0) * 1000.0;
    }
    return (true);
  }
}


/*
 * 'worker_main()' - One client: connect, warm up, wait for all, then load.
 */

static void *
worker_main(void *arg)
{
  worker_t *w = (worker_t *)arg;
  load_t   *l = w->load;
  http_t   *http;
  long     n;

  http = httpConnect2(l->host, l->port, NULL, AF_INET, l->encryption, 1, 30000, NULL);
  if (http)
    httpSetTimeout(http, 120.0, NULL, NULL);
  else
    fprintf(stderr, "gw-ipp-load: cannot connect to %s:%d: %s\n", l->host, l->port, cupsLastErrorString());
  w->warm_ok = http && one_job(http, w, 0, false);
  pthread_barrier_wait(&l->ready);
  pthread_barrier_wait(&l->go);

  for (n = 1; http && w->warm_ok; n ++)
  {
    if (l->jobs ? n > l->jobs : now_s() - l->start >= l->seconds)
      break;
    if (!one_job(http, w, n, true))
      break;
    if (l->interval_ms > 0)
      usleep((useconds_t)l->interval_ms * 1000);
  }

  if (http)
    httpClose(http);
  return (NULL);
}


/*
 * 'cmp_double()' - qsort() order of doubles.
 */

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return ((x > y) - (x < y));
}


/*
 * 'read_doc()' - Read FILE into memory.
 */

static bool
read_doc(const char *path, load_t *l)
{
  FILE        *fp = fopen(path, "rb");
  struct stat st;

  if (!fp || fstat(fileno(fp), &st) || st.st_size <= 0 || !(l->doc = malloc((size_t)st.st_size)))
  {
    if (fp)
      fclose(fp);
    return (false);
  }
  l->doclen = fread(l->doc, 1, (size_t)st.st_size, fp);
  fclose(fp);
  return (l->doclen == (size_t)st.st_size);
}


/*
 * 'parse_long()' - A whole positive number, or -1.
 */

static long
parse_long(const char *s)
{
  char *end;
  long v;

  errno = 0;
  v = strtol(s, &end, 10);
  return ((errno || end == s || *end || v <= 0) ? -1 : v);
}


/*
 * 'main()' - Parse options, run the threads, print the line.
 */

int
main(int argc, char *argv[])
{
  static load_t l;
  worker_t      *w;
  long          clients = 1, jobs = 0, busy = 0, errors = 0, ok_threads = 0, interval_ms = 0;
  double        seconds = 5.0, wall, *all, cpu;
  const char    *auth = NULL;
  char          scheme[32], userpass[256];
  size_t        nall = 0, i;
  int           arg;
  struct rusage ru;

  l.encryption = HTTP_ENCRYPTION_IF_REQUESTED;
  for (arg = 1; arg < argc - 2; arg ++)
  {
    if (!strcmp(argv[arg], "--clients") && arg + 1 < argc - 2)
      clients = parse_long(argv[++ arg]);
    else if (!strcmp(argv[arg], "--seconds") && arg + 1 < argc - 2)
      seconds = (double)parse_long(argv[++ arg]);
    else if (!strcmp(argv[arg], "--jobs") && arg + 1 < argc - 2)
      jobs = parse_long(argv[++ arg]);
    else if (!strcmp(argv[arg], "--interval") && arg + 1 < argc - 2)
      interval_ms = parse_long(argv[++ arg]);
    else if (!strcmp(argv[arg], "--auth") && arg + 1 < argc - 2)
      auth = argv[++ arg];
    else if (!strcmp(argv[arg], "--tls"))
      l.encryption = HTTP_ENCRYPTION_ALWAYS;
    else
      break;
  }
  if (arg != argc - 2 || clients <= 0 || clients > 1024 || seconds <= 0 || jobs < 0 || interval_ms < 0)
  {
    fputs("Usage: gw-ipp-load [--clients N] [--seconds S] [--jobs N] [--interval MS] [--auth USER:PASSWORD] [--tls] URI FILE\n", stderr);
    return (2);
  }

  l.uri = argv[arg];
  if (httpSeparateURI(HTTP_URI_CODING_ALL, l.uri, scheme, sizeof(scheme), userpass, sizeof(userpass), l.host, sizeof(l.host), &l.port, l.resource, sizeof(l.resource)) < HTTP_URI_STATUS_OK)
  {
    fprintf(stderr, "gw-ipp-load: bad URI %s\n", l.uri);
    return (2);
  }
  if (!read_doc(argv[arg + 1], &l))
  {
    fprintf(stderr, "gw-ipp-load: cannot read %s\n", argv[arg + 1]);
    return (2);
  }
  l.user = "bench";
  if (auth)
  {
    const char *colon = strchr(auth, ':');

    httpEncode64_2(l.auth, sizeof(l.auth), auth, (int)strlen(auth));
    if (colon && (size_t)(colon - auth) < sizeof(userpass))
    {
      memcpy(userpass, auth, (size_t)(colon - auth));
      userpass[colon - auth] = '\0';
      l.user = userpass;
    }
  }
  l.seconds = seconds;
  l.interval_ms = interval_ms;
  l.jobs    = jobs;

  if (!(w = calloc((size_t)clients, sizeof(worker_t))))
    return (1);
  pthread_barrier_init(&l.ready, NULL, (unsigned)clients + 1);
  pthread_barrier_init(&l.go, NULL, (unsigned)clients + 1);
  for (i = 0; i < (size_t)clients; i ++)
  {
    w[i].load = &l;
    if (pthread_create(&w[i].thread, NULL, worker_main, w + i))
      return (1);
  }
  pthread_barrier_wait(&l.ready);
  getrusage(RUSAGE_SELF, &ru);
  cpu     = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  l.start = now_s();
  pthread_barrier_wait(&l.go);
  for (i = 0; i < (size_t)clients; i ++)
    pthread_join(w[i].thread, NULL);
  wall = now_s() - l.start;
  getrusage(RUSAGE_SELF, &ru);
  cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6 - cpu;

  for (i = 0; i < (size_t)clients; i ++)
  {
    nall   += w[i].nlat;
    busy   += w[i].busy;
    errors += w[i].errors;
    ok_threads += w[i].warm_ok;
  }
  if (!(all = calloc(nall ? nall : 1, sizeof(double))))
    return (1);
  for (nall = 0, i = 0; i < (size_t)clients; i ++)
  {
    memcpy(all + nall, w[i].lat, w[i].nlat * sizeof(double));
    nall += w[i].nlat;
  }
  qsort(all, nall, sizeof(double), cmp_double);

  printf("clients=%ld jobs=%zu busy=%ld errors=%ld secs=%.2f jobs_per_s=%.1f p50_ms=%.1f p99_ms=%.1f gen_cpu_pct=%.0f\n",
         clients, nall, busy, errors, wall, nall / wall,
         nall ? all[nall / 2] : 0.0, nall ? all[nall * 99 / 100 < nall ? nall * 99 / 100 : nall - 1] : 0.0,
         100.0 * cpu / wall);

  /* Everything freed: the tests run this tool under LeakSanitizer too (integration/ipp-upload-first). */
  for (i = 0; i < (size_t)clients; i ++)
    free(w[i].lat);
  free(w);
  free(all);
  free(l.doc);
  pthread_barrier_destroy(&l.ready);
  pthread_barrier_destroy(&l.go);

  return ((errors || ok_threads != clients) ? 1 : 0);
}
