/*
 * test-sinks.c - the IPP and CUPS printer sinks against a scripted fake
 * printer (an IPP server on a loopback port, written with libcups' server
 * side), for the answers real printers give rarely or not on demand:
 * busy until the retries run out, credentials asked, an error with a
 * status message, a stopped printer, too many copies, documents that
 * change length while being sent, a rewind that fails, HTTP 503, chunked
 * sending, and many releases at once.  tests/integration/sinks.sh covers
 * the same sinks against ippeveprinter and cupsd.
 */

#include "test.h"

#include <printgate-ipp/sinks.h>
#include <printgate/job.h>
#include <printgate/log.h>

#include <cups/cups.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef enum mode_e             /* How the fake printer answers Print-Job */
{
  MODE_OK,                      /* successful-ok */
  MODE_BUSY,                    /* server-error-busy, always */
  MODE_BUSY_ONCE,               /* server-error-busy the first time only */
  MODE_HTTP_503,                /* HTTP 503 Service Unavailable */
  MODE_AUTH,                    /* HTTP 401 with Basic */
  MODE_ERROR,                   /* server-error-internal-error + status-message */
  MODE_STOPPED,                 /* Get-Printer-Attributes: stopped, media-jam-error */
  MODE_ONE_COPY,                /* copies-supported 1-1 */
  MODE_URF,                     /* No PDF: image/urf (W8, SRGB24, RS300-600) and PCL-XL */
  MODE_PWG_GRAY_600,            /* No PDF: image/pwg-raster, sgray_8 only, 600 dpi only; black and white */
  MODE_PCLXL,                   /* No PDF: PCL-XL only, 300/600/1200 dpi */
  MODE_TEXT                     /* No PDF: text/plain only */
} mode_t_;

typedef struct fake_s           /* The fake printer */
{
  pthread_mutex_t lock;
  int             fd;           /* Listening socket */
  int             port;
  mode_t_         mode;
  int             print_jobs;   /* Print-Job requests seen */
  int             job_ids;      /* Last job-id handed out */
  int             active;       /* Connection threads running */
  size_t          last_bytes;   /* Document bytes in the last Print-Job */
  bool            last_chunked;
  char            last_user[256], last_name[256], last_sides[64], last_color[64], last_format[64];
  int             last_copies;
  bool            bytes_ok;     /* Every Print-Job carried the whole pattern */
  bool            tls;          /* Speak ipps (certificate from cupsSetServerCredentials()) */
  int             requests;     /* IPP requests of any kind seen */
  /* Get-Jobs (release cut short by a restart, find()) */
  int             jobs_mode;    /* JOBS_* below */
  int             njobs;        /* Print-Jobs remembered (names and ids) */
  char            job_names[32][256];
  int             job_nums[32];
  int             get_jobs;     /* Get-Jobs requests seen */
  char            last_which[128], last_jobs_user[256];
  bool            last_my_jobs;
} fake_t;

enum                            /* How the fake printer answers Get-Jobs */
{
  JOBS_UNSUPPORTED,             /* operation-not-supported (the default) */
  JOBS_LIST,                    /* Every job it took, as completed */
  JOBS_EMPTY,                   /* successful-ok, no job */
  JOBS_ABORTED                  /* Every job it took, as aborted */
};

typedef struct conn_s
{
  fake_t *fake;
  http_t *http;
} conn_t;

typedef struct doc_s            /* A generated document: byte i = i * 7 % 251 */
{
  size_t len, pos;
  size_t lie;                   /* Extra bytes delivered beyond len */
  bool   fail_rewind;
  int    rewinds;
} doc_t;


/*
 * 'pattern()' - The document's byte at an offset.
 */

static unsigned char
pattern(size_t i)
{
  return ((unsigned char)(i * 7 % 251));
}


/*
 * 'respond()' - Send an IPP response.
 */

static void
respond(http_t *http, ipp_t *response)
{
  httpClearFields(http);
  httpSetField(http, HTTP_FIELD_CONTENT_TYPE, "application/ipp");
  httpSetLength(http, ippLength(response));
  httpWriteResponse(http, HTTP_STATUS_OK);
  ippWrite(http, response);
  httpFlushWrite(http);
}


/*
 * 'printer_attributes()' - Answer Get-Printer-Attributes.
 */

static void
printer_attributes(fake_t *fake, ipp_t *response)
{
  static const char * const sides[] = { "one-sided", "two-sided-long-edge", "two-sided-short-edge" };
  static const char * const modes[] = { "auto", "color", "monochrome" };
  bool stopped = fake->mode == MODE_STOPPED;

  ippAddInteger(response, IPP_TAG_PRINTER, IPP_TAG_ENUM, "printer-state", stopped ? IPP_PSTATE_STOPPED : IPP_PSTATE_IDLE);
  ippAddString(response, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "printer-state-reasons", NULL, stopped ? "media-jam-error" : "none");
  ippAddBoolean(response, IPP_TAG_PRINTER, "printer-is-accepting-jobs", 1);
  switch (fake->mode)
  {
    case MODE_URF :
      {
        static const char * const formats[] = { "application/vnd.hp-pclxl", "image/urf" };
        static const char * const urf[]     = { "V1.4", "W8", "SRGB24", "RS300-600", "DM1" };

        ippAddStrings(response, IPP_TAG_PRINTER, IPP_TAG_MIMETYPE, "document-format-supported", 2, NULL, formats);
        ippAddStrings(response, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "urf-supported", 5, NULL, urf);
        ippAddBoolean(response, IPP_TAG_PRINTER, "color-supported", 1);
        break;
      }
    case MODE_PWG_GRAY_600 :
      {
        static const char * const formats[] = { "image/urf", "image/pwg-raster" };

        /* URF without urf-supported cannot be used: PWG is chosen */
        ippAddStrings(response, IPP_TAG_PRINTER, IPP_TAG_MIMETYPE, "document-format-supported", 2, NULL, formats);
        ippAddString(response, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "pwg-raster-document-type-supported", NULL, "sgray_8");
        ippAddResolution(response, IPP_TAG_PRINTER, "pwg-raster-document-resolution-supported", IPP_RES_PER_INCH, 600, 600);
        ippAddBoolean(response, IPP_TAG_PRINTER, "color-supported", 0);
        break;
      }
    case MODE_PCLXL :
      {
        ipp_attribute_t *res;

        ippAddString(response, IPP_TAG_PRINTER, IPP_TAG_MIMETYPE, "document-format-supported", NULL, "application/vnd.hp-pclxl");
        res = ippAddResolution(response, IPP_TAG_PRINTER, "printer-resolution-supported", IPP_RES_PER_INCH, 1200, 1200);
        ippSetResolution(response, &res, 1, IPP_RES_PER_INCH, 600, 600);
        ippSetResolution(response, &res, 2, IPP_RES_PER_INCH, 300, 300);
        ippAddBoolean(response, IPP_TAG_PRINTER, "color-supported", 1);
        break;
      }
    case MODE_TEXT :
        ippAddString(response, IPP_TAG_PRINTER, IPP_TAG_MIMETYPE, "document-format-supported", NULL, "text/plain");
        ippAddBoolean(response, IPP_TAG_PRINTER, "color-supported", 1);
        break;
    default :
        ippAddString(response, IPP_TAG_PRINTER, IPP_TAG_MIMETYPE, "document-format-supported", NULL, "application/pdf");
        ippAddBoolean(response, IPP_TAG_PRINTER, "color-supported", 1);
        break;
  }
  ippAddStrings(response, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "sides-supported", 3, NULL, sides);
  ippAddStrings(response, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "print-color-mode-supported", 3, NULL, modes);
  ippAddRange(response, IPP_TAG_PRINTER, "copies-supported", 1, fake->mode == MODE_ONE_COPY ? 1 : 99);
}


/*
 * 'get_text()' - Copy an attribute value from a request.
 */

static void
get_text(ipp_t *request, const char *name, char *buf, size_t size)
{
  ipp_attribute_t *attr = ippFindAttribute(request, name, IPP_TAG_ZERO);
  const char      *s    = attr ? ippGetString(attr, 0, NULL) : NULL;

  snprintf(buf, size, "%s", s ? s : "");
}


/*
 * 'print_job()' - Answer Print-Job after reading the whole document.
 */

static bool
print_job(fake_t *fake, http_t *http, ipp_t *request, ipp_t *response)
{
  unsigned char buf[8192];
  ssize_t       bytes;
  size_t        total = 0;
  bool          same = true, busy;
  bool          chunked = httpGetField(http, HTTP_FIELD_TRANSFER_ENCODING)[0] != '\0';
  int           id;

  while ((bytes = httpRead2(http, (char *)buf, sizeof(buf))) > 0)
  {
    for (ssize_t i = 0; i < bytes; i ++)
      same = same && buf[i] == pattern(total + (size_t)i);
    total += (size_t)bytes;
  }

  /* A request cut short is no job (as on a real printer) */
  if (bytes < 0 || httpError(http) || httpGetRemaining(http) > 0)
    return (false);

  pthread_mutex_lock(&fake->lock);
  fake->print_jobs ++;
  fake->last_bytes   = total;
  fake->last_chunked = chunked;
  fake->bytes_ok     = fake->bytes_ok && same;
  get_text(request, "requesting-user-name", fake->last_user, sizeof(fake->last_user));
  get_text(request, "job-name", fake->last_name, sizeof(fake->last_name));
  get_text(request, "sides", fake->last_sides, sizeof(fake->last_sides));
  get_text(request, "print-color-mode", fake->last_color, sizeof(fake->last_color));
  get_text(request, "document-format", fake->last_format, sizeof(fake->last_format));
  fake->last_copies = ippGetInteger(ippFindAttribute(request, "copies", IPP_TAG_INTEGER), 0);
  busy = fake->mode == MODE_BUSY || (fake->mode == MODE_BUSY_ONCE && fake->print_jobs == 1);
  id   = ++ fake->job_ids;
  if (fake->njobs < 32)
  {
    snprintf(fake->job_names[fake->njobs], sizeof(fake->job_names[0]), "%s", fake->last_name);
    fake->job_nums[fake->njobs ++] = id;
  }
  pthread_mutex_unlock(&fake->lock);

  if (fake->mode == MODE_HTTP_503)
  {
    httpClearFields(http);
    httpSetLength(http, 0);
    httpWriteResponse(http, HTTP_STATUS_SERVICE_UNAVAILABLE);
    httpFlushWrite(http);
    return (false);
  }

  if (busy)
  {
    ippSetStatusCode(response, IPP_STATUS_ERROR_BUSY);
    ippAddString(response, IPP_TAG_OPERATION, IPP_TAG_TEXT, "status-message", NULL, "Currently printing another job.");
  }
  else if (fake->mode == MODE_ERROR)
  {
    ippSetStatusCode(response, IPP_STATUS_ERROR_INTERNAL);
    ippAddString(response, IPP_TAG_OPERATION, IPP_TAG_TEXT, "status-message", NULL, "Fuser too hot\n\001");
  }
  else
  {
    ippAddInteger(response, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-id", id);
    ippAddInteger(response, IPP_TAG_JOB, IPP_TAG_ENUM, "job-state", IPP_JSTATE_PENDING);
  }

  respond(http, response);
  return (true);
}


/*
 * 'get_jobs()' - Answer Get-Jobs: which-jobs=completed lists every job
 *                taken (completed or aborted, by jobs_mode), anything
 *                else lists none.
 */

static void
get_jobs(fake_t *fake, ipp_t *request, ipp_t *response)
{
  char which[64];

  get_text(request, "which-jobs", which, sizeof(which));

  pthread_mutex_lock(&fake->lock);
  fake->get_jobs ++;
  if (strlen(fake->last_which) + strlen(which) + 2 < sizeof(fake->last_which))
    snprintf(fake->last_which + strlen(fake->last_which), sizeof(fake->last_which) - strlen(fake->last_which), "%s%s", fake->last_which[0] ? "," : "", which);
  get_text(request, "requesting-user-name", fake->last_jobs_user, sizeof(fake->last_jobs_user));
  fake->last_my_jobs = ippGetBoolean(ippFindAttribute(request, "my-jobs", IPP_TAG_BOOLEAN), 0);

  if (fake->jobs_mode != JOBS_EMPTY && !strcmp(which, "completed"))
  {
    for (int i = 0; i < fake->njobs; i ++)
    {
      if (i > 0)
        ippAddSeparator(response);
      ippAddInteger(response, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-id", fake->job_nums[i]);
      ippAddString(response, IPP_TAG_JOB, IPP_TAG_NAME, "job-name", NULL, fake->job_names[i]);
      ippAddInteger(response, IPP_TAG_JOB, IPP_TAG_ENUM, "job-state", fake->jobs_mode == JOBS_ABORTED ? IPP_JSTATE_ABORTED : IPP_JSTATE_COMPLETED);
    }
  }
  pthread_mutex_unlock(&fake->lock);
}


/*
 * 'drain()' - Read and drop what is left of a request body.
 */

static void
drain(http_t *http)
{
  char buf[4096];

  while (httpRead2(http, buf, sizeof(buf)) > 0)
    ;
}


/*
 * 'conn_thread()' - Serve one client connection.
 */

static void *
conn_thread(void *data)
{
  conn_t *conn = (conn_t *)data;
  fake_t *fake = conn->fake;
  http_t *http = conn->http;
  char    uri[1024];

  if (fake->tls && httpEncryption(http, HTTP_ENCRYPTION_ALWAYS))
    httpShutdown(http);                 /* The loop below then ends at once */

  while (httpWait(http, 10000))
  {
    http_state_t  state = httpReadRequest(http, uri, sizeof(uri));
    http_status_t status;
    ipp_t        *request, *response;
    ipp_state_t   istate;
    bool          keep = true;

    if (state == HTTP_STATE_WAITING)
      continue;
    if (state != HTTP_STATE_POST)
      break;

    while ((status = httpUpdate(http)) == HTTP_STATUS_CONTINUE)
      ;
    if (status != HTTP_STATUS_OK)
      break;

    if (fake->mode == MODE_AUTH && !httpGetField(http, HTTP_FIELD_AUTHORIZATION)[0])
    {
      httpFlush(http);
      httpClearFields(http);
      httpSetField(http, HTTP_FIELD_WWW_AUTHENTICATE, "Basic realm=\"fake\"");
      httpSetLength(http, 0);
      httpWriteResponse(http, HTTP_STATUS_UNAUTHORIZED);
      httpFlushWrite(http);
      break;
    }

    if (httpGetExpect(http) == HTTP_STATUS_CONTINUE)
      httpWriteResponse(http, HTTP_STATUS_CONTINUE);

    request = ippNew();
    while ((istate = ippRead(http, request)) != IPP_STATE_DATA && istate != IPP_STATE_ERROR)
      ;
    if (istate == IPP_STATE_ERROR)
    {
      ippDelete(request);
      break;
    }

    response = ippNewResponse(request);

    pthread_mutex_lock(&fake->lock);
    fake->requests ++;
    pthread_mutex_unlock(&fake->lock);

    if (ippGetOperation(request) == IPP_OP_GET_PRINTER_ATTRIBUTES)
    {
      drain(http);
      printer_attributes(fake, response);
      respond(http, response);
    }
    else if (ippGetOperation(request) == IPP_OP_PRINT_JOB)
      keep = print_job(fake, http, request, response);
    else if (ippGetOperation(request) == IPP_OP_GET_JOBS && fake->jobs_mode != JOBS_UNSUPPORTED)
    {
      drain(http);
      get_jobs(fake, request, response);
      respond(http, response);
    }
    else
    {
      drain(http);
      ippSetStatusCode(response, IPP_STATUS_ERROR_OPERATION_NOT_SUPPORTED);
      respond(http, response);
    }

    ippDelete(request);
    ippDelete(response);

    if (!keep)
      break;
  }

  httpClose(http);
  free(conn);

  pthread_mutex_lock(&fake->lock);
  fake->active --;
  pthread_mutex_unlock(&fake->lock);

  return (NULL);
}


/*
 * 'accept_thread()' - Accept connections until the socket is shut down.
 */

static void *
accept_thread(void *data)
{
  fake_t *fake = (fake_t *)data;
  http_t *http;

  while ((http = httpAcceptConnection(fake->fd, 1)) != NULL)
  {
    conn_t   *conn = calloc(1, sizeof(conn_t));
    pthread_t tid;

    conn->fake = fake;
    conn->http = http;

    pthread_mutex_lock(&fake->lock);
    fake->active ++;
    pthread_mutex_unlock(&fake->lock);

    if (pthread_create(&tid, NULL, conn_thread, conn))
    {
      httpClose(http);
      free(conn);
      pthread_mutex_lock(&fake->lock);
      fake->active --;
      pthread_mutex_unlock(&fake->lock);
    }
    else
      pthread_detach(tid);
  }

  return (NULL);
}


/*
 * 'fake_start()' - Listen on a random loopback port.
 */

static bool
fake_start(fake_t *fake, pthread_t *tid)
{
  memset(fake, 0, sizeof(*fake));
  pthread_mutex_init(&fake->lock, NULL);
  fake->bytes_ok = true;

  if ((fake->fd = test_loopback_socket(64, &fake->port)) < 0)
    return (false);

  return (pthread_create(tid, NULL, accept_thread, fake) == 0);
}


/*
 * 'fake_stop()' - Stop accepting and wait for connection threads.
 */

static void
fake_stop(fake_t *fake, pthread_t tid)
{
  shutdown(fake->fd, SHUT_RDWR);
  pthread_join(tid, NULL);
  close(fake->fd);

  for (int i = 0; i < 200; i ++)
  {
    int active;

    pthread_mutex_lock(&fake->lock);
    active = fake->active;
    pthread_mutex_unlock(&fake->lock);
    if (!active)
      break;
    usleep(50000);
  }
}


static ssize_t
doc_read(void *ctx, void *buf, size_t len)
{
  doc_t         *d = (doc_t *)ctx;
  unsigned char *b = (unsigned char *)buf;
  size_t         n = 0;

  while (n < len && d->pos < d->len + d->lie)
  {
    b[n ++] = pattern(d->pos);
    d->pos ++;
  }

  return ((ssize_t)n);
}


static bool
doc_rewind(void *ctx)
{
  doc_t *d = (doc_t *)ctx;

  d->rewinds ++;
  d->pos = 0;
  return (!d->fail_rewind);
}


/*
 * 'doc_render()' - A render callback that records what the sink asked for
 *                  and keeps the same bytes (the fake printer checks them).
 */

static gw_sink_render_t last_render;
static int              renders;
static bool             render_fails;

static bool
doc_render(void *ctx, const gw_sink_render_t *spec, gw_sink_doc_t *doc, gw_sink_result_t *result)
{
  (void)ctx;

  renders ++;
  last_render = *spec;

  if (render_fails)
  {
    result->status = GW_SINK_HOLD;
    result->reason = GW_REASON_EMPTY_DOCUMENT;
    snprintf(result->text, sizeof(result->text), "minutes.pdf: the page ranges select no page");
    return (false);
  }

  doc->format = spec->format;
  return (true);
}


/*
 * 'make_doc()' - A sink document over a doc_t.
 */

static gw_sink_doc_t
make_doc(doc_t *d, size_t len, int64_t declared)
{
  gw_sink_doc_t doc;

  memset(d, 0, sizeof(*d));
  d->len = len;

  memset(&doc, 0, sizeof(doc));
  doc.job_id     = "6f1c2a9e-0000-4000-8000-000000000001";
  doc.job_name   = "minutes.pdf";
  doc.owner      = "dana";
  doc.format     = "application/pdf";
  doc.copies     = 1;
  doc.sides      = "two-sided-long-edge";
  doc.color_mode = "monochrome";
  doc.size       = declared;
  doc.read       = doc_read;
  doc.rewind     = doc_rewind;
  doc.ctx        = d;

  return (doc);
}


/*
 * 'render_doc()' - A 4000-byte document the sink may have rendered, in
 *                  color_mode (NULL: make_doc()'s).
 */

static gw_sink_doc_t
render_doc(doc_t *d, const char *color_mode)
{
  gw_sink_doc_t doc = make_doc(d, 4000, 4000);

  doc.render = doc_render;
  if (color_mode)
    doc.color_mode = color_mode;

  return (doc);
}


typedef struct many_s           /* One of many concurrent releases */
{
  const char       *uri;
  gw_sink_result_t  result;
  doc_t             d;
  size_t            len;
  const char       *cert_dir;   /* ipps: pinned certificates */
} many_t;


static void *
many_thread(void *data)
{
  many_t            *m   = (many_t *)data;
  gw_sink_doc_t      doc = make_doc(&m->d, m->len, (int64_t)m->len);
  gw_sink_options_t  opts = { 10, 0, 10, NULL, m->cert_dir };

  gwIppSink()->send("fake", m->uri, &doc, &opts, &m->result);
  return (NULL);
}


/*
 * 'send_in_child()' - Release a document from a fresh process (no libcups
 *                     or sink state carried over), as user 'uid' when we
 *                     are root and uid is not 0, and return its result.
 */

static gw_sink_result_t
send_in_child(const char *uri, const char *cert_dir, uid_t uid, gid_t gid)
{
  gw_sink_result_t r;
  int              fds[2];
  pid_t            pid;
  ssize_t          n;

  memset(&r, 0, sizeof(r));
  r.status = GW_SINK_FAILED;
  snprintf(r.text, sizeof(r.text), "the child process did not answer");

  if (pipe(fds))
    return (r);

  fflush(stdout);
  if ((pid = fork()) == 0)
  {
    gw_sink_options_t opts;
    gw_sink_doc_t     doc;
    doc_t             d;

    close(fds[0]);
    if (getuid() == 0 && uid != 0 && (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid)))
      _exit(1);

    memset(&opts, 0, sizeof(opts));
    opts.timeout        = 5;
    opts.retry_delay_ms = 20;
    opts.cert_dir       = cert_dir;
    doc = make_doc(&d, 5000, 5000);
    gwIppSink()->send("secure", uri, &doc, &opts, &r);
    if (write(fds[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
      _exit(1);
    _exit(0);
  }

  close(fds[1]);
  if (pid > 0)
  {
    gw_sink_result_t got;

    if ((n = read(fds[0], &got, sizeof(got))) == (ssize_t)sizeof(got))
      r = got;
    waitpid(pid, NULL, 0);
  }
  close(fds[0]);

  return (r);
}


/*
 * 'test_trust()' - ipps certificate pinning in the daemon's own store
 *                  (STATE/printer-certs): pinned on first use, trusted
 *                  from a fresh process without pinning again, a changed
 *                  certificate refused, and a store that cannot be used
 *                  holds the job instead of sending it.
 */

static void
test_trust(gw_log_t *log)
{
  fake_t            fake;
  pthread_t         tid;
  char              tmp[256], keys1[300], keys2[300], store[300], pin[400], uri[256];
  gw_sink_options_t opts;
  gw_sink_result_t  r;
  gw_sink_doc_t     doc;
  doc_t             d;
  struct stat       st1, st2;
  struct passwd    *nobody = getpwnam("nobody");
  uid_t             uid = getuid() == 0 && nobody ? nobody->pw_uid : getuid();
  gid_t             gid = getuid() == 0 && nobody ? nobody->pw_gid : getgid();
  int               before;

  if (!test_tempdir(tmp, sizeof(tmp)))
  {
    TEST_CHECK(!"temporary folder");
    return;
  }
  chmod(tmp, 0755);                     /* The unprivileged child reaches its store through it */
  test_subdir(keys1, sizeof(keys1), tmp, "printer-keys-1");
  test_subdir(keys2, sizeof(keys2), tmp, "printer-keys-2");
  test_subdir(store, sizeof(store), tmp, "printer-certs");
  snprintf(pin, sizeof(pin), "%s/127.0.0.1.crt", store);

  cupsSetServerCredentials(keys1, "fake-printer", 1);
  if (!fake_start(&fake, &tid))
  {
    TEST_CHECK(!"TLS fake printer started");
    test_rmtree(tmp);
    return;
  }
  fake.tls = true;
  snprintf(uri, sizeof(uri), "ipps://127.0.0.1:%d/ipp/print", fake.port);

  memset(&opts, 0, sizeof(opts));
  opts.timeout        = 5;
  opts.retry_delay_ms = 20;
  opts.log            = log;
  opts.cert_dir       = store;

  TEST_BEGIN("sinks: ipps: first release pins the printer's certificate in the store (0600), not in a libcups keystore");
  doc = make_doc(&d, 5000, 5000);
  gwIppSink()->send("secure", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_OK && fake.print_jobs == 1, "%s", r.text);
  TEST_CHECKF(!stat(pin, &st1) && S_ISREG(st1.st_mode) && (st1.st_mode & 0777) == 0600, "pin file %s", pin);

  TEST_BEGIN("sinks: ipps: a fresh process trusts the pinned certificate without pinning again");
  if (getuid() == 0)
  {
    /* The child runs as nobody: the store must be its own */
    TEST_CHECK(!chown(store, uid, gid) && !chown(pin, uid, gid));
  }
  sleep(1);                             /* A re-pin would show in the mtime */
  r = send_in_child(uri, store, uid, gid);
  TEST_CHECKF(r.status == GW_SINK_OK && fake.print_jobs == 2, "%s", r.text);
  TEST_CHECK(!stat(pin, &st2) && st2.st_ino == st1.st_ino && st2.st_mtime == st1.st_mtime);

  TEST_BEGIN("sinks: ipps: a store the daemon cannot write holds a first-use job; nothing is sent");
  {
    char other[300];

    snprintf(other, sizeof(other), "%s/readonly-certs", tmp);
    mkdir(other, 0500);
    TEST_CHECK(getuid() != 0 || !chown(other, uid, gid));
    before = fake.requests;
    r = send_in_child(uri, other, uid, gid);
    TEST_CHECKF(r.status == GW_SINK_HOLD && r.reason == GW_REASON_PRINTER_REFUSED && strstr(r.text, "not writable") && strstr(r.text, "the job stays held"), "%s", r.text);
    TEST_CHECKF(fake.requests == before, "%d request(s) reached the printer", fake.requests - before);
  }

  TEST_BEGIN("sinks: ipps: a missing store, one open to others or a link holds the job");
  {
    char missing[300], open_dir[300], link_dir[300];

    snprintf(missing, sizeof(missing), "%s/no-such-dir", tmp);
    snprintf(open_dir, sizeof(open_dir), "%s/open-certs", tmp);
    snprintf(link_dir, sizeof(link_dir), "%s/link-certs", tmp);
    mkdir(open_dir, 0700);
    chmod(open_dir, 0777);
    TEST_CHECK(!symlink(store, link_dir));
    before = fake.requests;

    opts.cert_dir = missing;
    doc = make_doc(&d, 5000, 5000);
    gwIppSink()->send("secure", uri, &doc, &opts, &r);
    TEST_CHECKF(r.status == GW_SINK_HOLD && strstr(r.text, "cannot be opened"), "%s", r.text);
    opts.cert_dir = open_dir;
    gwIppSink()->send("secure", uri, &doc, &opts, &r);
    TEST_CHECKF(r.status == GW_SINK_HOLD && strstr(r.text, "mode 0700"), "%s", r.text);
    opts.cert_dir = link_dir;
    gwIppSink()->send("secure", uri, &doc, &opts, &r);
    TEST_CHECKF(r.status == GW_SINK_HOLD && strstr(r.text, "cannot be opened"), "%s", r.text);
    opts.cert_dir = NULL;
    gwIppSink()->send("secure", uri, &doc, &opts, &r);
    TEST_CHECKF(r.status == GW_SINK_HOLD && strstr(r.text, "no certificate store"), "%s", r.text);
    TEST_CHECKF(fake.requests == before && !stat(open_dir, &st2), "%d request(s) reached the printer", fake.requests - before);
    opts.cert_dir = store;
  }

  TEST_BEGIN("sinks: ipps: a printer presenting a different certificate for the same name is refused");
  cupsSetServerCredentials(keys2, "fake-printer", 1);
  before = fake.requests;
  if (getuid() == 0)
    TEST_CHECK(!chown(store, 0, 0) && !chown(pin, 0, 0));
  doc = make_doc(&d, 5000, 5000);
  gwIppSink()->send("secure", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_HOLD && r.reason == GW_REASON_PRINTER_REFUSED && strstr(r.text, "changed since it was first seen"), "%s", r.text);
  TEST_CHECKF(fake.requests == before, "%d request(s) reached the impostor", fake.requests - before);
  TEST_CHECK(!stat(pin, &st2) && st2.st_ino == st1.st_ino);

  TEST_BEGIN("sinks: ipps: 8 first releases at once to a new printer pin one certificate, all accepted");
  {
    enum { N = 8 };
    many_t    many[N];
    pthread_t tids[N];
    int       ok = 0;

    unlink(pin);
    for (int i = 0; i < N; i ++)
    {
      memset(&many[i], 0, sizeof(many[i]));
      many[i].uri      = uri;
      many[i].len      = 5000;
      many[i].cert_dir = store;
      pthread_create(&tids[i], NULL, many_thread, &many[i]);
    }
    for (int i = 0; i < N; i ++)
    {
      pthread_join(tids[i], NULL);
      ok += many[i].result.status == GW_SINK_OK;
    }
    TEST_CHECKF(ok == N && !stat(pin, &st2) && st2.st_size > 0, "%d of %d ok", ok, N);
  }

  fake_stop(&fake, tid);
  test_rmtree(tmp);
}
static void test_find(fake_t *fake, const char *uri, const gw_sink_options_t *opts);
static void test_find_gone(const char *uri, const gw_sink_options_t *opts);


int
main(void)
{
  fake_t             fake;
  pthread_t          tid;
  char               uri[256];
  gw_sink_result_t   r;
  gw_sink_options_t  opts;
  gw_sink_doc_t      doc;
  doc_t              d;
  gw_log_t          *log = gwLogNew(NULL, GW_LOG_DEBUG);

  memset(&opts, 0, sizeof(opts));
  opts.timeout        = 5;
  opts.retries        = 2;
  opts.retry_delay_ms = 20;
  opts.log            = log;

  TEST_BEGIN("sinks: ops tables");
  TEST_CHECK(!strcmp(gwIppSink()->name, "ipp"));
  TEST_CHECK(!strcmp(gwIppSink()->schemes[0], "ipp") && !strcmp(gwIppSink()->schemes[1], "ipps") && !gwIppSink()->schemes[2]);
  TEST_CHECK(!strcmp(gwCupsSink()->name, "cups") && !strcmp(gwCupsSink()->schemes[0], "cups") && !gwCupsSink()->schemes[1]);

  TEST_BEGIN("sinks: URIs that cannot be used hold the job");
  doc = make_doc(&d, 1000, 1000);
  TEST_CHECK(!gwCupsSink()->check("front", "cups://127.0.0.1:631/", &doc, &opts, &r));
  TEST_CHECKF(r.status == GW_SINK_HOLD && r.reason == GW_REASON_PRINTER_REFUSED && strstr(r.text, "no CUPS queue name"), "%s", r.text);
  TEST_CHECK(!gwIppSink()->check("lobby", "ipp:///ipp/print", &doc, &opts, &r));
  TEST_CHECKF(r.status == GW_SINK_HOLD && r.reason == GW_REASON_PRINTER_REFUSED && strstr(r.text, "minutes.pdf: printer 'lobby'"), "%s", r.text);
  gwIppSink()->send("lobby", "ipp://user:secret@127.0.0.1:1/ipp/print", &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_HOLD && r.reason == GW_REASON_PRINTER_UNREACHABLE && !strstr(r.text, "secret") && strstr(r.text, "ipp://127.0.0.1:1/ipp/print"), "%s", r.text);

  if (!fake_start(&fake, &tid))
  {
    TEST_CHECK(!"fake printer started");
    TEST_EXIT();
  }
  snprintf(uri, sizeof(uri), "ipp://127.0.0.1:%d/ipp/print", fake.port);

  TEST_BEGIN("sinks: a good printer gets the job and its options");
  doc = make_doc(&d, 300000, 300000);
  doc.copies = 3;
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_OK && r.printer_job_id == fake.job_ids, "%s", r.text);
  TEST_CHECK(fake.last_bytes == 300000 && fake.bytes_ok && !fake.last_chunked);
  TEST_CHECKF(!strcmp(fake.last_user, "dana") && !strcmp(fake.last_name, "minutes.pdf [6f1c2a9e-0000-4000-8000-000000000001]"), "job-name '%s'", fake.last_name);
  TEST_CHECK(fake.last_copies == 3 && !strcmp(fake.last_sides, "two-sided-long-edge") && !strcmp(fake.last_color, "monochrome"));

  TEST_BEGIN("sinks: a plain job to a PDF printer is not rendered; a transformed one is rendered to PDF");
  doc = render_doc(&d, NULL);
  renders    = 0;
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_OK && renders == 0 && !strcmp(fake.last_format, "application/pdf"), "%s", r.text);
  doc = render_doc(&d, NULL);
  doc.transform = true;
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_OK && renders == 1 && !strcmp(last_render.format, "application/pdf") && !strcmp(fake.last_format, "application/pdf"), "%s", r.text);

  TEST_BEGIN("sinks: no PDF: URF before PCL-XL, 300 dpi from RS300-600, sGray for a monochrome job");
  fake.mode = MODE_URF;
  doc = render_doc(&d, NULL);
  renders    = 0;
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_OK && renders == 1, "%s", r.text);
  TEST_CHECK(!strcmp(last_render.format, "image/urf") && last_render.dpi == 300 && !last_render.color && !strcmp(fake.last_format, "image/urf") && fake.bytes_ok);
  doc = render_doc(&d, "auto");
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_OK && last_render.color, "auto on a colour printer: sRGB; %s", r.text);
  doc = render_doc(&d, "auto");
  TEST_CHECK(gwIppSink()->check("fake", uri, &doc, &opts, &r) && strstr(r.text, "image/urf (rendered at release, sRGB, 300 dpi)"));

  TEST_BEGIN("sinks: no PDF: PWG with sgray_8 at 600 dpi only; a colour job on it is held first");
  fake.mode = MODE_PWG_GRAY_600;
  doc = render_doc(&d, "auto");
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_OK && !strcmp(last_render.format, "image/pwg-raster") && last_render.dpi == 600 && !last_render.color, "%s", r.text);
  renders        = 0;
  doc.color_mode = "color";
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_HOLD && r.reason == GW_REASON_PRINTER_NO_COLOR && renders == 0, "%s", r.text);

  TEST_BEGIN("sinks: no PDF: PCL-XL at 300 dpi from 1200/600/300");
  fake.mode = MODE_PCLXL;
  doc = render_doc(&d, "auto");
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_OK && !strcmp(last_render.format, "application/vnd.hp-pclxl") && last_render.dpi == 300 && last_render.color && !strcmp(fake.last_format, "application/vnd.hp-pclxl"), "%s", r.text);

  TEST_BEGIN("sinks: a failed rendering holds the job with its reason; nothing reaches the printer");
  fake.print_jobs = 0;
  render_fails    = true;
  doc = render_doc(&d, NULL);
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_HOLD && r.reason == GW_REASON_EMPTY_DOCUMENT && fake.print_jobs == 0, "%s", r.text);
  render_fails = false;

  TEST_BEGIN("sinks: no format Printgate renders: held, printer-format-unsupported; without a renderer, the old sentence");
  fake.mode = MODE_TEXT;
  renders   = 0;
  doc = render_doc(&d, NULL);
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_HOLD && r.reason == GW_REASON_PRINTER_NO_PDF && renders == 0 && strstr(r.text, "cannot take PDF, PWG raster, URF or PCL-XL (it takes text/plain)"), "%s", r.text);
  fake.mode  = MODE_URF;
  doc = make_doc(&d, 4000, 4000);
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_HOLD && r.reason == GW_REASON_PRINTER_NO_PDF && strstr(r.text, "cannot take PDF (it takes"), "%s", r.text);
  fake.mode = MODE_OK;

  TEST_BEGIN("sinks: unknown size goes chunked");
  doc = make_doc(&d, 200001, 0);
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_OK, "%s", r.text);
  TEST_CHECK(fake.last_bytes == 200001 && fake.last_chunked && fake.bytes_ok);

  TEST_BEGIN("sinks: busy once, then accepted after one rewind");
  fake.mode = MODE_BUSY_ONCE;
  fake.print_jobs = 0;
  doc = make_doc(&d, 150000, 150000);
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_OK, "%s", r.text);
  TEST_CHECK(fake.print_jobs == 2 && d.rewinds == 1 && fake.last_bytes == 150000 && fake.bytes_ok);

  TEST_BEGIN("sinks: busy for good -> printer-busy after 1 + retries tries");
  fake.mode = MODE_BUSY;
  fake.print_jobs = 0;
  doc = make_doc(&d, 5000, 5000);
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_HOLD && r.reason == GW_REASON_PRINTER_BUSY && strstr(r.text, "stayed busy after 3 tries"), "%s", r.text);
  TEST_CHECK(fake.print_jobs == 3 && d.rewinds == 2);

  TEST_BEGIN("sinks: HTTP 503 counts as busy");
  fake.mode = MODE_HTTP_503;
  fake.print_jobs = 0;
  doc = make_doc(&d, 5000, 5000);
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_HOLD && r.reason == GW_REASON_PRINTER_BUSY, "%s", r.text);
  TEST_CHECK(fake.print_jobs == 3);

  TEST_BEGIN("sinks: a rewind that fails is spool damage");
  fake.mode = MODE_BUSY;
  doc = make_doc(&d, 5000, 5000);
  d.fail_rewind = true;
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_FAILED && r.reason == GW_REASON_SPOOL_DAMAGED, "%s", r.text);

  TEST_BEGIN("sinks: a document longer or shorter than its size is spool damage");
  fake.mode = MODE_OK;
  fake.print_jobs = 0;
  doc = make_doc(&d, 70000, 70000);
  d.lie = 10;
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_FAILED && r.reason == GW_REASON_SPOOL_DAMAGED, "%s", r.text);
  doc = make_doc(&d, 70000, 70010);
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_FAILED && r.reason == GW_REASON_SPOOL_DAMAGED, "%s", r.text);
  usleep(200000);
  TEST_CHECKF(fake.print_jobs == 0, "the fake printer accepted %d truncated job(s)", fake.print_jobs);

  TEST_BEGIN("sinks: credentials asked -> printer-refused, no prompt");
  fake.mode = MODE_AUTH;
  doc = make_doc(&d, 5000, 5000);
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_HOLD && r.reason == GW_REASON_PRINTER_REFUSED && strstr(r.text, "credentials"), "%s", r.text);

  TEST_BEGIN("sinks: an IPP error carries the printer's message, cleaned");
  fake.mode = MODE_ERROR;
  doc = make_doc(&d, 5000, 5000);
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_HOLD && r.reason == GW_REASON_PRINTER_REFUSED && strstr(r.text, "(Fuser too hot  )"), "%s", r.text);

  TEST_BEGIN("sinks: a stopped printer holds the job with its reasons");
  fake.mode = MODE_STOPPED;
  doc = make_doc(&d, 5000, 5000);
  TEST_CHECK(!gwIppSink()->check("fake", uri, &doc, &opts, &r));
  TEST_CHECKF(r.reason == GW_REASON_PRINTER_REFUSED && strstr(r.text, "stopped (media-jam-error)"), "%s", r.text);

  TEST_BEGIN("sinks: more copies than copies-supported");
  fake.mode = MODE_ONE_COPY;
  doc = make_doc(&d, 5000, 5000);
  doc.copies = 2;
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_HOLD && r.reason == GW_REASON_PRINTER_REFUSED && strstr(r.text, "at most 1 copy"), "%s", r.text);

  TEST_BEGIN("sinks: 16 releases at once (no shared libcups state)");
  {
    enum { N = 16 };
    many_t    many[N];
    pthread_t tids[N];
    int       ok = 0, before;

    fake.mode = MODE_OK;
    before    = fake.job_ids;
    fake.print_jobs = 0;

    for (int i = 0; i < N; i ++)
    {
      memset(&many[i], 0, sizeof(many[i]));
      many[i].uri = uri;
      many[i].len = 10000 + (size_t)i * 7919;
      pthread_create(&tids[i], NULL, many_thread, &many[i]);
    }
    for (int i = 0; i < N; i ++)
    {
      pthread_join(tids[i], NULL);
      ok += many[i].result.status == GW_SINK_OK && many[i].result.printer_job_id > before;
    }
    TEST_CHECKF(ok == N && fake.print_jobs == N && fake.bytes_ok, "%d of %d ok", ok, N);
  }

  test_find(&fake, uri, &opts);

  fake_stop(&fake, tid);

  TEST_BEGIN("sinks: the printer went away");
  doc = make_doc(&d, 5000, 5000);
  gwIppSink()->send("fake", uri, &doc, &opts, &r);
  TEST_CHECKF(r.status == GW_SINK_HOLD && r.reason == GW_REASON_PRINTER_UNREACHABLE && strstr(r.text, "did not answer"), "%s", r.text);

  test_trust(log);
  test_find_gone(uri, &opts);

  gwLogDelete(&log);
  TEST_EXIT();
}


/*
 * 'test_find()' - A release cut short by a restart: find() asks the
 *                 printer's job list (Get-Jobs) whether it already has the
 *                 job, by the job id the Print-Job put in job-name.
 */

static void
test_find(fake_t *fake, const char *uri, const gw_sink_options_t *opts)
{
  gw_sink_result_t r;
  gw_sink_doc_t    doc;
  doc_t            d;
  char             cups_uri[256];
  int              printed, job;
  gw_sink_found_t  found;

  fake->mode      = MODE_OK;
  fake->jobs_mode = JOBS_LIST;
  fake->njobs     = 0;            /* Forget the jobs of the tests above */

  TEST_BEGIN("sinks: find: a job the printer took is found by its job id; nothing is sent");
  doc = make_doc(&d, 5000, 5000);
  gwIppSink()->send("fake", uri, &doc, &opts[0], &r);
  job = r.printer_job_id;
  TEST_CHECKF(r.status == GW_SINK_OK && job > 0, "%s", r.text);
  printed = fake->print_jobs;
  d.pos   = 0;
  fake->get_jobs      = 0;
  fake->last_which[0] = '\0';
  found = gwIppSink()->find("fake", uri, &doc, opts, &r);
  TEST_CHECKF(found == GW_SINK_FOUND_YES && r.status == GW_SINK_OK && r.printer_job_id == job && strstr(r.text, "minutes.pdf: found on printer 'fake' as job") && strstr(r.text, "not sent again"), "%d: %s", (int)found, r.text);
  TEST_CHECKF(fake->print_jobs == printed && d.pos == 0, "find() sent %d Print-Job(s), read %zu bytes", fake->print_jobs - printed, d.pos);
  TEST_CHECKF(!strcmp(fake->last_which, "not-completed,completed") && !fake->last_my_jobs && !strcmp(fake->last_jobs_user, "dana"), "which-jobs %s, my-jobs %d, user %s", fake->last_which, fake->last_my_jobs, fake->last_jobs_user);

  TEST_BEGIN("sinks: find: the CUPS sink asks the queue the same way");
  snprintf(cups_uri, sizeof(cups_uri), "cups://127.0.0.1:%d/front", fake->port);
  TEST_CHECKF(gwCupsSink()->find("front", cups_uri, &doc, opts, &r) == GW_SINK_FOUND_YES && r.printer_job_id == job, "%s", r.text);

  TEST_BEGIN("sinks: find: another job id, or a reprint of the same job, is not found (positive control of the match)");
  doc.job_id = "6f1c2a9e-0000-4000-8000-000000000002";
  found = gwIppSink()->find("fake", uri, &doc, opts, &r);
  TEST_CHECKF(found == GW_SINK_FOUND_NO && r.status == GW_SINK_OK && r.reason == GW_REASON_NONE, "%d: %s", (int)found, r.text);
  doc.job_id = "6f1c2a9e-0000-4000-8000-000000000001#2";
  found = gwIppSink()->find("fake", uri, &doc, opts, &r);
  TEST_CHECKF(found == GW_SINK_FOUND_NO, "a reprint (#2) is not the first print: %d: %s", (int)found, r.text);
  gwIppSink()->send("fake", uri, &doc, opts, &r);
  TEST_CHECKF(r.status == GW_SINK_OK && !strcmp(fake->last_name, "minutes.pdf [6f1c2a9e-0000-4000-8000-000000000001#2]"), "%s", fake->last_name);
  found = gwIppSink()->find("fake", uri, &doc, opts, &r);
  TEST_CHECKF(found == GW_SINK_FOUND_YES && r.printer_job_id == fake->job_ids, "the reprint once sent is found: %d: %s", (int)found, r.text);
  printed = fake->print_jobs;
  doc.job_id = "6f1c2a9e-0000-4000-8000-000000000001";

  TEST_BEGIN("sinks: find: an empty job list: not found");
  fake->jobs_mode = JOBS_EMPTY;
  found = gwIppSink()->find("fake", uri, &doc, opts, &r);
  TEST_CHECKF(found == GW_SINK_FOUND_NO, "%d: %s", (int)found, r.text);

  TEST_BEGIN("sinks: find: a copy the printer aborted (a Print-Job cut short) does not count");
  fake->jobs_mode = JOBS_ABORTED;
  found = gwIppSink()->find("fake", uri, &doc, opts, &r);
  TEST_CHECKF(found == GW_SINK_FOUND_NO, "%d: %s", (int)found, r.text);

  TEST_BEGIN("sinks: find: a printer without Get-Jobs cannot say: held, may-have-printed");
  fake->jobs_mode = JOBS_UNSUPPORTED;
  found = gwIppSink()->find("fake", uri, &doc, opts, &r);
  TEST_CHECKF(found == GW_SINK_FOUND_UNKNOWN && r.status == GW_SINK_HOLD && r.reason == GW_REASON_MAY_HAVE_PRINTED && strstr(r.text, "minutes.pdf: ") && strstr(r.text, "it may already have printed") && strstr(r.text, "does not list its jobs"), "%d: %s", (int)found, r.text);
  TEST_CHECK(fake->print_jobs == printed);
}


/*
 * 'test_find_gone()' - find() at a printer that does not answer.
 */

static void
test_find_gone(const char *uri, const gw_sink_options_t *opts)
{
  gw_sink_result_t r;
  gw_sink_doc_t    doc;
  doc_t            d;
  gw_sink_found_t  found;

  TEST_BEGIN("sinks: find: a printer that does not answer cannot say: held, may-have-printed");
  doc   = make_doc(&d, 5000, 5000);
  found = gwIppSink()->find("fake", uri, &doc, opts, &r);
  TEST_CHECKF(found == GW_SINK_FOUND_UNKNOWN && r.status == GW_SINK_HOLD && r.reason == GW_REASON_MAY_HAVE_PRINTED && strstr(r.text, "did not answer") && strstr(r.text, "may already have printed"), "%d: %s", (int)found, r.text);
}
