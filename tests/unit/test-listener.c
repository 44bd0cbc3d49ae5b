/*
 * test-listener.c - unit tests for the HTTPS listener (gateway/listener.c).
 *
 * Starts a listener on 127.0.0.1 with a port the system picks and a
 * self-signed certificate made with the openssl tool, registers a few
 * routes, and talks to it with the curl tool as a client would: answers
 * over TLS 1.2/1.3, TLS 1.1 refused (with a positive control showing the
 * same client does speak TLS 1.1 to a server that allows it), 404, 405,
 * 413 for bodies past the route's limit (declared or chunked), bodies
 * delivered intact, security headers, and cleanup() for every request.
 */

#include "test.h"
#include "printgate/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


/*
 * What the routes saw (shared by the listener's threads).
 */

typedef struct seen_s
{
  pthread_mutex_t lock;
  int             begins;               /* begin() calls */
  int             cleanups;             /* cleanup() calls */
  size_t          max_delivered;        /* Most body bytes one upload request got */
  char            client[64];           /* gwRequestClientAddress() of the last GET */
} seen_t;

typedef struct upload_s                 /* Per-request state of POST /upload */
{
  char   data[1000];
  size_t len;
} upload_t;


/*
 * Local functions.
 */

static bool  curl(const char *args, const char *url, int *status, char *body, size_t bodysize, char *headers, size_t headersize);
static int   free_port(void);
static bool  make_file(const char *path, size_t len, char fill);
static bool  read_text(const char *path, char *buf, size_t bufsize);

static bool  route_begin(gw_request_t *req, void *data);
static void  route_cleanup(gw_request_t *req, void *data);
static void  hello_finish(gw_request_t *req, void *data);
static void  files_finish(gw_request_t *req, void *data);
static void  silent_finish(gw_request_t *req, void *data);
static bool  refuse_begin(gw_request_t *req, void *data);
static bool  upload_begin(gw_request_t *req, void *data);
static bool  upload_body(gw_request_t *req, const char *buf, size_t len, void *data);
static void  upload_finish(gw_request_t *req, void *data);
static void  upload_cleanup(gw_request_t *req, void *data);

static char  test_dir[1024];


/*
 * 'main()' - Run the tests.
 */

int
main(void)
{
  char           cert[1100], key[1100], cmd[4096], url[256], body[8192], headers[8192], file[1100], file2[1100];
  gw_listener_t *l;
  const char    *error = NULL;
  seen_t         seen;
  gw_route_t     route;
  int            port, status, begins, cleanups;
  gw_log_t      *log;

  signal(SIGPIPE, SIG_IGN);
  memset(&seen, 0, sizeof(seen));
  pthread_mutex_init(&seen.lock, NULL);

  if (!test_tempdir(test_dir, sizeof(test_dir)))
  {
    puts("FAIL unable to make a temporary folder");
    return (1);
  }

  snprintf(cert, sizeof(cert), "%s/cert.pem", test_dir);
  snprintf(key, sizeof(key), "%s/key.pem", test_dir);
  snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost -keyout '%s' -out '%s' 2>/dev/null", key, cert);

  TEST_BEGIN("self-signed certificate");
  TEST_CHECK(system(cmd) == 0);

  snprintf(file, sizeof(file), "%s/listener.log", test_dir);
  log = gwLogNew(file, GW_LOG_DEBUG);

  /*
   * Errors before serving...
   */

  TEST_BEGIN("refuses to start without a readable key");
  snprintf(file2, sizeof(file2), "%s/missing.key", test_dir);
  l = gwListenerNew("127.0.0.1", 0, cert, file2, 16, 5, log, &error);
  TEST_CHECK(l != NULL);
  TEST_CHECK(!gwListenerStart(l, &error) && error && strstr(error, "does not exist"));
  gwListenerDelete(&l);
  TEST_CHECK(l == NULL);
  TEST_CHECK(gwListenerNew("127.0.0.1", 0, NULL, key, 16, 5, log, &error) == NULL);
  TEST_CHECK(gwListenerNew("127.0.0.1", 70000, cert, key, 16, 5, log, &error) == NULL);

  /*
   * A listener with a few routes...
   */

  TEST_BEGIN("start on 127.0.0.1, port 0");
  l = gwListenerNew("127.0.0.1", 0, cert, key, 16, 5, log, &error);
  TEST_CHECKF(l != NULL, "%s", error ? error : "");
  if (!l)
    return (1);

  memset(&route, 0, sizeof(route));
  route.method  = "GET";
  route.path    = "/hello";
  route.begin   = route_begin;
  route.finish  = hello_finish;
  route.cleanup = route_cleanup;
  route.data    = &seen;
  TEST_CHECK(gwListenerAddRoute(l, &route));

  route.path    = "/files/*";
  route.finish  = files_finish;
  TEST_CHECK(gwListenerAddRoute(l, &route));

  route.path    = "/files/exact";           /* exact wins over the prefix */
  route.finish  = hello_finish;
  TEST_CHECK(gwListenerAddRoute(l, &route));

  route.path    = "/silent";                /* forgets to respond */
  route.finish  = silent_finish;
  TEST_CHECK(gwListenerAddRoute(l, &route));

  memset(&route, 0, sizeof(route));
  route.method   = "POST";
  route.path     = "/upload";
  route.max_body = 1000;
  route.begin    = upload_begin;
  route.body     = upload_body;
  route.finish   = upload_finish;
  route.cleanup  = upload_cleanup;
  route.data     = &seen;
  TEST_CHECK(gwListenerAddRoute(l, &route));

  route.path     = "/refuse";
  route.begin    = refuse_begin;
  TEST_CHECK(gwListenerAddRoute(l, &route));

  memset(&route, 0, sizeof(route));
  route.path   = "/nofinish";
  TEST_CHECK(!gwListenerAddRoute(l, &route));   /* finish is required */

  TEST_CHECKF(gwListenerStart(l, &error), "%s", error ? error : "");
  port = gwListenerGetPort(l);
  TEST_CHECKF(port > 0 && port < 65536, "port %d", port);

  route.path   = "/late";
  route.finish = hello_finish;
  TEST_CHECK(!gwListenerAddRoute(l, &route));   /* after start */

  /*
   * GET over TLS 1.2 and 1.3...
   */

  TEST_BEGIN("GET answers over TLS 1.2 and TLS 1.3");
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/hello?name=printgate", port);
  TEST_CHECK(curl("--tlsv1.2 --tls-max 1.2 -H 'X-Test: yes'", url, &status, body, sizeof(body), headers, sizeof(headers)));
  TEST_CHECKF(status == 200, "status %d", status);
  TEST_CHECKF(!strcmp(body, "hello printgate from 127.0.0.1 (X-Test: yes)"), "body \"%s\"", body);
  TEST_CHECKF(strcasestr(headers, "\nX-Content-Type-Options: nosniff") != NULL, "%s", headers);
  TEST_CHECKF(strcasestr(headers, "\nCache-Control: no-store") != NULL, "%s", headers);
  TEST_CHECKF(strcasestr(headers, "\nContent-Type: text/plain") != NULL, "%s", headers);
  TEST_CHECKF(strcasestr(headers, "\nX-Route: hello") != NULL, "%s", headers);
  TEST_CHECK(!strcmp(seen.client, "127.0.0.1"));

  TEST_CHECK(curl("--tlsv1.3", url, &status, body, sizeof(body), NULL, 0));
  TEST_CHECKF(status == 200, "status %d", status);

  TEST_BEGIN("plain HTTP is not served");
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/hello", port);
  TEST_CHECK(!curl("", url, &status, body, sizeof(body), NULL, 0) || status != 200);

  TEST_BEGIN("TLS 1.1 is refused");
  {
    int   sport = free_port();
    pid_t pid;

    /* Positive control: the same client speaks TLS 1.1 to a server that allows it */
    if (sport > 0 && (pid = fork()) == 0)
    {
      char portarg[32];
      int  devnull = open("/dev/null", O_RDWR);

      snprintf(portarg, sizeof(portarg), "%d", sport);
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
      execlp("openssl", "openssl", "s_server", "-accept", portarg, "-cert", cert, "-key", key, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-www", "-quiet", (char *)NULL);
      _exit(127);
    }
    else if (sport > 0 && pid > 0)
    {
      bool ok = false;

      snprintf(url, sizeof(url), "https://127.0.0.1:%d/", sport);
      for (int i = 0; i < 50 && !ok; i ++)
      {
        usleep(100000);
        ok = curl("--tlsv1.1 --tls-max 1.1 --ciphers DEFAULT@SECLEVEL=0", url, &status, body, sizeof(body), NULL, 0) && status == 200;
      }
      TEST_CHECKF(ok, "positive control: curl could not speak TLS 1.1 to openssl s_server on port %d", sport);
      kill(pid, SIGTERM);
      waitpid(pid, NULL, 0);
    }
    else
      TEST_CHECKF(false, "unable to start openssl s_server");

    snprintf(url, sizeof(url), "https://127.0.0.1:%d/hello", port);
    TEST_CHECK(!curl("--tlsv1.1 --tls-max 1.1 --ciphers DEFAULT@SECLEVEL=0", url, &status, body, sizeof(body), NULL, 0));
    TEST_CHECKF(status != 200, "status %d", status);
  }

  /*
   * Routing...
   */

  TEST_BEGIN("404 and 405 with JSON bodies");
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/nothing-here", port);
  TEST_CHECK(curl("", url, &status, body, sizeof(body), headers, sizeof(headers)));
  TEST_CHECKF(status == 404, "status %d", status);
  TEST_CHECKF(strstr(body, "\"error\":\"not-found\"") != NULL, "%s", body);
  TEST_CHECKF(strcasestr(headers, "\nContent-Type: application/json") != NULL, "%s", headers);
  TEST_CHECKF(strcasestr(headers, "\nX-Content-Type-Options: nosniff") != NULL, "%s", headers);

  snprintf(url, sizeof(url), "https://127.0.0.1:%d/hello", port);
  TEST_CHECK(curl("-X DELETE", url, &status, body, sizeof(body), headers, sizeof(headers)));
  TEST_CHECKF(status == 405, "status %d", status);
  TEST_CHECKF(strstr(body, "\"error\":\"method-not-allowed\"") != NULL, "%s", body);
  TEST_CHECKF(strcasestr(headers, "\nAllow: GET\r") != NULL, "%s", headers);

  snprintf(url, sizeof(url), "https://127.0.0.1:%d/files/exact", port);
  TEST_CHECK(curl("-X PUT", url, &status, body, sizeof(body), headers, sizeof(headers)));
  TEST_CHECKF(status == 405, "status %d", status);
  TEST_CHECKF(strcasestr(headers, "\nAllow: GET\r") != NULL, "one GET for two matching GET routes: %s", headers);

  snprintf(url, sizeof(url), "https://127.0.0.1:%d/upload", port);
  TEST_CHECK(curl("", url, &status, body, sizeof(body), NULL, 0));
  TEST_CHECKF(status == 405, "GET /upload: status %d", status);

  TEST_BEGIN("prefix routes, exact paths first");
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/files/report.pdf", port);
  TEST_CHECK(curl("", url, &status, body, sizeof(body), NULL, 0));
  TEST_CHECKF(status == 200 && !strcmp(body, "file /files/report.pdf"), "%d \"%s\"", status, body);
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/files/exact", port);
  TEST_CHECK(curl("", url, &status, body, sizeof(body), NULL, 0));
  TEST_CHECKF(status == 200 && !strncmp(body, "hello", 5), "%d \"%s\"", status, body);
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/files", port);
  TEST_CHECK(curl("", url, &status, body, sizeof(body), NULL, 0));
  TEST_CHECKF(status == 404, "/files: status %d", status);

  TEST_BEGIN("a route that does not respond gives 500");
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/silent", port);
  TEST_CHECK(curl("", url, &status, body, sizeof(body), NULL, 0));
  TEST_CHECKF(status == 500 && strstr(body, "internal-error"), "%d \"%s\"", status, body);

  /*
   * Bodies...
   */

  TEST_BEGIN("POST 500 bytes is delivered intact");
  snprintf(file, sizeof(file), "%s/500.bin", test_dir);
  TEST_CHECK(make_file(file, 500, 0));
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/upload", port);
  snprintf(cmd, sizeof(cmd), "-H 'Content-Type: application/octet-stream' --data-binary @'%s'", file);
  TEST_CHECK(curl(cmd, url, &status, body, sizeof(body), NULL, 0));
  TEST_CHECKF(status == 200, "status %d", status);
  {
    char want[600];

    read_text(file, want, sizeof(want));
    TEST_CHECKF(!strcmp(body, want), "echo differs: \"%.40s...\"", body);
  }

  TEST_BEGIN("POST 1000 bytes chunked is delivered intact");
  snprintf(file, sizeof(file), "%s/1000.bin", test_dir);
  TEST_CHECK(make_file(file, 1000, 0));
  snprintf(cmd, sizeof(cmd), "-H 'Transfer-Encoding: chunked' --data-binary @'%s'", file);
  TEST_CHECK(curl(cmd, url, &status, body, sizeof(body), NULL, 0));
  TEST_CHECKF(status == 200 && strlen(body) == 1000, "status %d, %zu bytes", status, strlen(body));

  TEST_BEGIN("POST 2000 bytes is refused with 413");
  snprintf(file, sizeof(file), "%s/2000.bin", test_dir);
  TEST_CHECK(make_file(file, 2000, 0));
  snprintf(cmd, sizeof(cmd), "--data-binary @'%s'", file);
  TEST_CHECK(curl(cmd, url, &status, body, sizeof(body), NULL, 0));
  TEST_CHECKF(status == 413, "status %d", status);
  TEST_CHECKF(strstr(body, "\"error\":\"too-large\"") != NULL, "%s", body);

  TEST_BEGIN("POST 2000 bytes chunked (no Content-Length) is refused with 413");
  snprintf(cmd, sizeof(cmd), "-H 'Transfer-Encoding: chunked' --data-binary @'%s'", file);
  TEST_CHECK(curl(cmd, url, &status, body, sizeof(body), NULL, 0));
  TEST_CHECKF(status == 413, "status %d", status);

  TEST_BEGIN("POST 3 MiB chunked: not delivered, connection closed");
  snprintf(file2, sizeof(file2), "%s/3m.bin", test_dir);
  TEST_CHECK(make_file(file2, 3 * 1024 * 1024, 'x'));
  snprintf(cmd, sizeof(cmd), "-H 'Transfer-Encoding: chunked' --data-binary @'%s'", file2);
  curl(cmd, url, &status, body, sizeof(body), NULL, 0);
  TEST_CHECKF(status != 200, "status %d", status);

  pthread_mutex_lock(&seen.lock);
  TEST_CHECKF(seen.max_delivered <= 1000, "the body callback saw %zu bytes", seen.max_delivered);
  pthread_mutex_unlock(&seen.lock);

  TEST_BEGIN("begin() refusing answers its own status");
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/refuse", port);
  snprintf(file, sizeof(file), "%s/500.bin", test_dir);
  snprintf(cmd, sizeof(cmd), "--data-binary @'%s'", file);
  TEST_CHECK(curl(cmd, url, &status, body, sizeof(body), NULL, 0));
  TEST_CHECKF(status == 403 && strstr(body, "not today"), "%d \"%s\"", status, body);

  /*
   * Every routed request got its cleanup()...
   */

  TEST_BEGIN("cleanup() ran for every request");
  for (int i = 0; i < 50; i ++)
  {
    pthread_mutex_lock(&seen.lock);
    begins   = seen.begins;
    cleanups = seen.cleanups;
    pthread_mutex_unlock(&seen.lock);
    if (cleanups >= 11)
      break;
    usleep(100000);
  }
  TEST_CHECKF(cleanups == 11, "%d cleanup() calls for 11 routed requests", cleanups);
  TEST_CHECKF(begins == 10, "%d begin() calls (10 requests got past the Content-Length check)", begins);

  TEST_BEGIN("ListenAddress * serves IPv4 (IPv4-mapped clients show as 127.0.0.1)");
  {
    gw_listener_t *any = gwListenerNew("*", 0, cert, key, 8, 5, log, &error);
    int            anyport;

    memset(&route, 0, sizeof(route));
    route.method = "GET";
    route.path   = "/hello";
    route.finish = hello_finish;
    route.data   = &seen;
    TEST_CHECK(any && gwListenerAddRoute(any, &route));
    TEST_CHECKF(any && gwListenerStart(any, &error), "%s", error ? error : "");
    anyport = gwListenerGetPort(any);
    TEST_CHECK(anyport > 0 && anyport != port);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/hello", anyport);
    TEST_CHECK(curl("", url, &status, body, sizeof(body), NULL, 0));
    TEST_CHECKF(status == 200 && strstr(body, "from 127.0.0.1 "), "%d \"%s\"", status, body);
    gwListenerDelete(&any);
  }

  TEST_BEGIN("delete stops serving");
  gwListenerDelete(&l);
  TEST_CHECK(l == NULL);
  gwListenerDelete(&l);
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/hello", port);
  TEST_CHECK(!curl("", url, &status, body, sizeof(body), NULL, 0));

  gwLogDelete(&log);
  if (test_failures || getenv("GW_TEST_SHOW_LOG"))
  {
    snprintf(cmd, sizeof(cmd), "cat '%s/listener.log'", test_dir);
    fflush(stdout);
    if (system(cmd)) { /* best effort */ }
  }
  test_rmtree(test_dir);
  pthread_mutex_destroy(&seen.lock);

  TEST_EXIT();
}


/*
 * 'curl()' - Run the curl tool; true if it exited 0.  *status is the HTTP
 *            status (0 if none), body and headers what it received.
 */

static bool
curl(const char *args, const char *url, int *status, char *body, size_t bodysize, char *headers, size_t headersize)
{
  char  cmd[4096], bodyfile[1100], headfile[1100], code[32] = "";
  FILE *fp;
  int   rc;

  snprintf(bodyfile, sizeof(bodyfile), "%s/curl.body", test_dir);
  snprintf(headfile, sizeof(headfile), "%s/curl.head", test_dir);
  unlink(bodyfile);
  unlink(headfile);

  snprintf(cmd, sizeof(cmd), "curl -sk --max-time 20 %s -o '%s' -D '%s' -w '%%{http_code}' '%s'", args, bodyfile, headfile, url);
  if ((fp = popen(cmd, "r")) == NULL)
    return (false);
  if (!fgets(code, sizeof(code), fp))
    code[0] = '\0';
  rc = pclose(fp);

  *status = (int)strtol(code, NULL, 10);
  read_text(bodyfile, body, bodysize);
  if (headers)
  {
    headers[0] = '\n';
    read_text(headfile, headers + 1, headersize - 1);
  }

  return (WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
}


/*
 * 'free_port()' - A TCP port on 127.0.0.1 that is free right now.
 */

static int
free_port(void)
{
  struct sockaddr_in sin;
  socklen_t          len = sizeof(sin);
  int                fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

  if (fd < 0)
    return (-1);

  memset(&sin, 0, sizeof(sin));
  sin.sin_family      = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!bind(fd, (struct sockaddr *)&sin, sizeof(sin)) && !getsockname(fd, (struct sockaddr *)&sin, &len))
    port = ntohs(sin.sin_port);
  close(fd);

  return (port);
}


/*
 * 'make_file()' - Write len bytes: fill, or printable varying text if 0.
 */

static bool
make_file(const char *path, size_t len, char fill)
{
  FILE *fp = fopen(path, "wb");

  if (!fp)
    return (false);

  for (size_t i = 0; i < len; i ++)
    putc(fill ? fill : "abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7 + i / 36) % 36], fp);

  return (fclose(fp) == 0);
}


/*
 * 'read_text()' - Read a (small) file as text; "" if missing.
 */

static bool
read_text(const char *path, char *buf, size_t bufsize)
{
  FILE   *fp = fopen(path, "rb");
  size_t  len = 0;

  buf[0] = '\0';
  if (!fp)
    return (false);

  len = fread(buf, 1, bufsize - 1, fp);
  buf[len] = '\0';
  fclose(fp);

  return (true);
}


/*
 * Route callbacks.
 */

static bool
route_begin(gw_request_t *req, void *data)
{
  seen_t *seen = (seen_t *)data;

  pthread_mutex_lock(&seen->lock);
  seen->begins ++;
  pthread_mutex_unlock(&seen->lock);

  return (true);
}

static void
route_cleanup(gw_request_t *req, void *data)
{
  seen_t *seen = (seen_t *)data;

  pthread_mutex_lock(&seen->lock);
  seen->cleanups ++;
  pthread_mutex_unlock(&seen->lock);
}

static void
hello_finish(gw_request_t *req, void *data)
{
  seen_t     *seen = (seen_t *)data;
  const char *name = gwRequestQuery(req, "name"), *xtest = gwRequestHeader(req, "x-test");
  char        text[256];

  pthread_mutex_lock(&seen->lock);
  snprintf(seen->client, sizeof(seen->client), "%s", gwRequestClientAddress(req));
  pthread_mutex_unlock(&seen->lock);

  snprintf(text, sizeof(text), "hello %s from %s (X-Test: %s)", name ? name : "?", gwRequestClientAddress(req), xtest ? xtest : "-");
  gwRequestAddHeader(req, "X-Route", "hello");
  TEST_CHECK(!gwRequestAddHeader(req, "X-Bad", "a\r\nInjected: yes"));
  gwRequestRespond(req, 200, "text/plain", text, strlen(text));
  TEST_CHECK(!gwRequestRespond(req, 200, "text/plain", "again", 5));   /* once only */
}

static void
files_finish(gw_request_t *req, void *data)
{
  char text[512];

  snprintf(text, sizeof(text), "file %s", gwRequestPath(req));
  gwRequestRespond(req, 200, "text/plain", text, strlen(text));
}

static void
silent_finish(gw_request_t *req, void *data)
{
}

static bool
refuse_begin(gw_request_t *req, void *data)
{
  seen_t *seen = (seen_t *)data;

  pthread_mutex_lock(&seen->lock);
  seen->begins ++;
  pthread_mutex_unlock(&seen->lock);

  gwRequestRespond(req, 403, "text/plain", "not today", 9);
  return (false);
}

static bool
upload_begin(gw_request_t *req, void *data)
{
  upload_t *up = calloc(1, sizeof(upload_t));

  route_begin(req, data);
  gwRequestSetState(req, up);

  return (up != NULL);
}

static bool
upload_body(gw_request_t *req, const char *buf, size_t len, void *data)
{
  seen_t   *seen = (seen_t *)data;
  upload_t *up = (upload_t *)gwRequestGetState(req);
  size_t    copy = len;

  if (copy > sizeof(up->data) - up->len)
    copy = sizeof(up->data) - up->len;
  memcpy(up->data + up->len, buf, copy);

  pthread_mutex_lock(&seen->lock);
  if (up->len + len > seen->max_delivered)
    seen->max_delivered = up->len + len;
  pthread_mutex_unlock(&seen->lock);

  up->len += copy;

  return (true);
}

static void
upload_finish(gw_request_t *req, void *data)
{
  upload_t *up = (upload_t *)gwRequestGetState(req);

  gwRequestRespond(req, 200, "application/octet-stream", up->data, up->len);
}

static void
upload_cleanup(gw_request_t *req, void *data)
{
  free(gwRequestGetState(req));
  gwRequestSetState(req, NULL);
  route_cleanup(req, data);
}
