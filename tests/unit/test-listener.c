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
 *
 * Then (issue 8, defect 6): the TLS 1.2 cipher suites with an RSA
 * certificate (static RSA and CBC refused, ECDHE AEAD accepted; positive
 * control with the old priority string), slow clients against a 3 s
 * header deadline and a minimum body rate (with a positive control without
 * them), the per-client connection limit by IPv6 /64 (on ::1, and with
 * several addresses in a network namespace of its own when root), and the
 * address lists of HealthDetailsFrom.
 */

#include "test.h"
#include "listener-harness.h"
#include "printgate/clock.h"
#include "printgate/listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>


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
static bool  get(int port, const char *path, int *status, char *body, size_t bodysize);
static bool  make_file(const char *path, size_t len, char fill);
static bool  read_text(const char *path, char *buf, size_t bufsize);

static bool  route_begin(gw_request_t *req, void *data);
static void  route_cleanup(gw_request_t *req, void *data);
static void  hello_finish(gw_request_t *req, void *data);
static gw_listener_t *hello_listener(const char *address, const char *cert, const char *key, gw_log_t *log, seen_t *seen);
static void  files_finish(gw_request_t *req, void *data);
static void  silent_finish(gw_request_t *req, void *data);
static bool  refuse_begin(gw_request_t *req, void *data);
static bool  upload_begin(gw_request_t *req, void *data);
static bool  upload_body(gw_request_t *req, const char *buf, size_t len, void *data);
static void  upload_finish(gw_request_t *req, void *data);
static void  upload_cleanup(gw_request_t *req, void *data);

static void  test_tls_suites(int ecdsa_port, gw_log_t *log);
static void  test_addresses(void);
static void  test_slow_clients(const char *cert, const char *key, gw_log_t *log);
static void  test_client_limit(const char *bind_addr, const char *dst, const char *src1, const char *src2, const char *other, const char *cert, const char *key, gw_log_t *log);
static int   netns_main(const char *dir, const char *cert, const char *key);

static char  test_dir[1024];


/*
 * 'main()' - Run the tests.
 */

int
main(int argc, char *argv[])
{
  char           cert[1100], key[1100], cmd[4096], url[256], body[8192], headers[8192], file[1100], file2[1100];
  gw_listener_t *l;
  const char    *error = NULL;
  seen_t         seen;
  gw_route_t     route;
  int            port, status, begins, cleanups;
  gw_log_t      *log;

  signal(SIGPIPE, SIG_IGN);

  if (argc == 5 && !strcmp(argv[1], "--netns"))
  {
    /* Re-executed by ourselves for the IPv6 /64 test, see below */
    snprintf(test_dir, sizeof(test_dir), "%s", argv[2]);
    return (netns_main(argv[2], argv[3], argv[4]));
  }

  memset(&seen, 0, sizeof(seen));
  pthread_mutex_init(&seen.lock, NULL);

  if (!harness_setup(test_dir, sizeof(test_dir), cert, sizeof(cert), key, sizeof(key), file, sizeof(file), GW_LOG_DEBUG, &log))
    return (1);

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

  {
    /* "/files/exact" wins over the prefix; "/silent" forgets to respond */
    const gw_route_t routes[] =
    {
      { "GET",  "/hello",       0,    route_begin,  NULL,        hello_finish,  route_cleanup,  &seen },
      { "GET",  "/files/*",     0,    route_begin,  NULL,        files_finish,  route_cleanup,  &seen },
      { "GET",  "/files/exact", 0,    route_begin,  NULL,        hello_finish,  route_cleanup,  &seen },
      { "GET",  "/silent",      0,    route_begin,  NULL,        silent_finish, route_cleanup,  &seen },
      { "POST", "/upload",      1000, upload_begin, upload_body, upload_finish, upload_cleanup, &seen },
      { "POST", "/refuse",      1000, refuse_begin, upload_body, upload_finish, upload_cleanup, &seen }
    };

    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i ++)
      TEST_CHECKF(gwListenerAddRoute(l, routes + i), "%s", routes[i].path);
  }

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

  TEST_BEGIN("a listener made without a certificate serves plain HTTP only (IppPlainPort); a key alone is refused");
  TEST_CHECK(gwListenerNew("127.0.0.1", 0, cert, NULL, 16, 5, log, &error) == NULL && strstr(error, "together"));
  {
    gw_listener_t *plain = hello_listener("127.0.0.1", NULL, NULL, log, &seen);
    int            pport = gwListenerGetPort(plain);

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hello?name=plain", pport);
    TEST_CHECK(curl("", url, &status, body, sizeof(body), NULL, 0) && status == 200);
    TEST_CHECKF(!strncmp(body, "hello plain from 127.0.0.1", 26), "body \"%s\"", body);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/hello", pport);
    TEST_CHECK(!curl("", url, &status, body, sizeof(body), NULL, 0) || status != 200);   /* No TLS there */
    gwListenerDelete(&plain);
  }

  TEST_BEGIN("TLS 1.1 is refused");
  {
    int   sport = test_free_port();
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

  TEST_CHECK(get(port, "/upload", &status, body, sizeof(body)));
  TEST_CHECKF(status == 405, "GET /upload: status %d", status);

  TEST_BEGIN("prefix routes, exact paths first");
  TEST_CHECK(get(port, "/files/report.pdf", &status, body, sizeof(body)));
  TEST_CHECKF(status == 200 && !strcmp(body, "file /files/report.pdf"), "%d \"%s\"", status, body);
  TEST_CHECK(get(port, "/files/exact", &status, body, sizeof(body)));
  TEST_CHECKF(status == 200 && !strncmp(body, "hello", 5), "%d \"%s\"", status, body);
  TEST_CHECK(get(port, "/files", &status, body, sizeof(body)));
  TEST_CHECKF(status == 404, "/files: status %d", status);

  TEST_BEGIN("a route that does not respond gives 500");
  TEST_CHECK(get(port, "/silent", &status, body, sizeof(body)));
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
    gw_listener_t *any = hello_listener("*", cert, key, log, &seen);
    int            anyport = gwListenerGetPort(any);

    TEST_CHECK(anyport > 0 && anyport != port);
    TEST_CHECK(get(anyport, "/hello", &status, body, sizeof(body)));
    TEST_CHECKF(status == 200 && strstr(body, "from 127.0.0.1 "), "%d \"%s\"", status, body);
    gwListenerDelete(&any);
  }

  /*
   * Issue 8, defect 6...
   */

  test_tls_suites(port, log);
  test_addresses();
  test_slow_clients(cert, key, log);

  TEST_BEGIN("per-client limit on ::1 (its /64)");
  {
    int fd6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 sin6;

    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    sin6.sin6_addr   = in6addr_loopback;
    if (fd6 >= 0 && !bind(fd6, (struct sockaddr *)&sin6, sizeof(sin6)))
    {
      close(fd6);
      test_client_limit("::1", "::1", "::1", "::1", NULL, cert, key, log);
    }
    else
    {
      if (fd6 >= 0)
        close(fd6);
      puts("  SKIP no IPv6 loopback here");
    }
  }

  if (geteuid() == 0)
  {
    pid_t pid;
    int   wstatus = 0;

    fflush(stdout);
    if ((pid = fork()) == 0)
    {
      execl("/proc/self/exe", argv[0], "--netns", test_dir, cert, key, (char *)NULL);
      _exit(127);
    }
    TEST_CHECKF(pid > 0 && waitpid(pid, &wstatus, 0) == pid && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0, "the network namespace test failed (status %d)", wstatus);
  }
  else
    puts("  SKIP IPv6 /64 limit with several addresses: needs root for a network namespace");

  TEST_BEGIN("delete stops serving");
  gwListenerDelete(&l);
  TEST_CHECK(l == NULL);
  gwListenerDelete(&l);
  TEST_CHECK(!get(port, "/hello", &status, body, sizeof(body)));

  gwLogDelete(&log);
  snprintf(cmd, sizeof(cmd), "%s/listener.log", test_dir);
  test_show_log(cmd, 0);
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
  char cmd[4096], bodyfile[1100], headfile[1100], code[32];
  int  rc;

  snprintf(bodyfile, sizeof(bodyfile), "%s/curl.body", test_dir);
  snprintf(headfile, sizeof(headfile), "%s/curl.head", test_dir);
  unlink(bodyfile);
  unlink(headfile);

  snprintf(cmd, sizeof(cmd), "curl -sk --max-time 20 %s -o '%s' -D '%s' -w '%%{http_code}' '%s'", args, bodyfile, headfile, url);
  if ((rc = test_run(cmd, code, sizeof(code))) < 0)
    return (false);

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
 * 'get()' - curl() a GET of https://127.0.0.1:PORT/PATH without headers.
 */

static bool
get(int port, const char *path, int *status, char *body, size_t bodysize)
{
  char url[1024];

  snprintf(url, sizeof(url), "https://127.0.0.1:%d%s", port, path);

  return (curl("", url, status, body, bodysize, NULL, 0));
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
 * Route callbacks.  seen_count() counts a call under the lock.
 */

static void
seen_count(seen_t *seen, int *calls)
{
  pthread_mutex_lock(&seen->lock);
  (*calls) ++;
  pthread_mutex_unlock(&seen->lock);
}

static bool
route_begin(gw_request_t *req, void *data)
{
  seen_count(data, &((seen_t *)data)->begins);
  return (true);
}

static void
route_cleanup(gw_request_t *req, void *data)
{
  seen_count(data, &((seen_t *)data)->cleanups);
}

/*
 * 'hello_listener()' - A started listener with only GET /hello (TLS with
 *                      cert and key, plain HTTP without), or NULL.
 */

static gw_listener_t *
hello_listener(const char *address, const char *cert, const char *key, gw_log_t *log, seen_t *seen)
{
  gw_listener_t *l = gwListenerNew(address, 0, cert, key, 8, 5, log, NULL);
  gw_route_t     route;
  const char    *error = NULL;

  memset(&route, 0, sizeof(route));
  route.method = "GET";
  route.path   = "/hello";
  route.finish = hello_finish;
  route.data   = seen;
  TEST_CHECK(l && gwListenerAddRoute(l, &route));
  TEST_CHECKF(l && gwListenerStart(l, &error), "%s", error ? error : "");
  return (l);
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
  route_begin(req, data);
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


/*
 * ---- TLS cipher suites ----------------------------------------------------
 */

/*
 * 'test_tls_suites()' - With an RSA certificate (as an admin installs one;
 *                       the self-signed one is ECDSA, with which static RSA
 *                       cannot be negotiated at all): static RSA, DHE and
 *                       CBC suites are refused in TLS 1.2, ECDHE with
 *                       AES-GCM or ChaCha20-Poly1305 and TLS 1.3 accepted.
 *                       Positive control: the same client gets static RSA
 *                       and CBC from a listener with the old "NORMAL"
 *                       priority string.
 */

static void
test_tls_suites(int ecdsa_port, gw_log_t *log)
{
  char           cert[1100], key[1100], cmd[4096], url[256], body[8192];
  gw_listener_t *rsa, *old;
  gw_route_t     route;
  const char    *error = NULL;
  int            status, rsa_port, old_port;
  static const char * const refused[] =
  {
    "AES128-GCM-SHA256",                /* static RSA key exchange, AEAD */
    "AES256-GCM-SHA384",
    "AES128-SHA256",                    /* static RSA, CBC */
    "AES128-SHA",                       /* static RSA, CBC-SHA1 */
    "ECDHE-RSA-AES128-SHA",             /* forward secret but CBC-SHA1 */
    "ECDHE-RSA-AES256-SHA384",          /* forward secret but CBC */
    "DHE-RSA-AES128-GCM-SHA256"         /* finite-field DHE */
  };
  static const char * const accepted[] =
  {
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-RSA-CHACHA20-POLY1305"
  };

  TEST_BEGIN("TLS 1.2 with an RSA certificate: only ECDHE with AEAD ciphers");
  snprintf(cert, sizeof(cert), "%s/rsa.crt", test_dir);
  snprintf(key, sizeof(key), "%s/rsa.key", test_dir);
  snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout '%s' -out '%s' 2>/dev/null", key, cert);
  TEST_CHECK(system(cmd) == 0);

  memset(&route, 0, sizeof(route));
  route.method = "GET";
  route.path   = "/hello";
  route.finish = files_finish;

  rsa = gwListenerNew("127.0.0.1", 0, cert, key, 16, 5, log, &error);
  old = gwListenerNew("127.0.0.1", 0, cert, key, 16, 5, log, &error);
  TEST_CHECK(rsa && old && gwListenerAddRoute(rsa, &route) && gwListenerAddRoute(old, &route));
  TEST_CHECK(old && gwListenerSetTLSPriorities(old, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"));
  TEST_CHECKF(rsa && gwListenerStart(rsa, &error), "%s", error ? error : "");
  TEST_CHECKF(old && gwListenerStart(old, &error), "%s", error ? error : "");
  rsa_port = gwListenerGetPort(rsa);
  old_port = gwListenerGetPort(old);

  for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i ++)
  {
    snprintf(cmd, sizeof(cmd), "--tlsv1.2 --tls-max 1.2 --ciphers %s", refused[i]);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/hello", rsa_port);
    status = 0;
    TEST_CHECKF(!curl(cmd, url, &status, body, sizeof(body), NULL, 0) && status == 0, "%s accepted (status %d)", refused[i], status);
  }

  for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i ++)
  {
    snprintf(cmd, sizeof(cmd), "--tlsv1.2 --tls-max 1.2 --ciphers %s", accepted[i]);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/hello", rsa_port);
    TEST_CHECKF(curl(cmd, url, &status, body, sizeof(body), NULL, 0) && status == 200, "%s refused (status %d)", accepted[i], status);
  }

  snprintf(url, sizeof(url), "https://127.0.0.1:%d/hello", rsa_port);
  TEST_CHECKF(curl("--tlsv1.3", url, &status, body, sizeof(body), NULL, 0) && status == 200, "TLS 1.3 with RSA: status %d", status);

  /* Positive control: the old priority string gives static RSA and CBC to the same client */
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/hello", old_port);
  TEST_CHECKF(curl("--tlsv1.2 --tls-max 1.2 --ciphers AES128-GCM-SHA256", url, &status, body, sizeof(body), NULL, 0) && status == 200, "positive control: old priority refused static RSA (status %d)", status);
  TEST_CHECKF(curl("--tlsv1.2 --tls-max 1.2 --ciphers AES128-SHA", url, &status, body, sizeof(body), NULL, 0) && status == 200, "positive control: old priority refused RSA CBC-SHA1 (status %d)", status);
  TEST_CHECKF(curl("--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-SHA", url, &status, body, sizeof(body), NULL, 0) && status == 200, "positive control: old priority refused ECDHE CBC-SHA1 (status %d)", status);

  gwListenerDelete(&rsa);
  gwListenerDelete(&old);

  TEST_BEGIN("TLS 1.2 with the ECDSA certificate: ECDHE-ECDSA with AES-GCM and ChaCha20 (iOS, Android), no CBC");
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/hello", ecdsa_port);
  TEST_CHECKF(curl("--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256", url, &status, body, sizeof(body), NULL, 0) && status == 200, "status %d", status);
  TEST_CHECKF(curl("--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-CHACHA20-POLY1305", url, &status, body, sizeof(body), NULL, 0) && status == 200, "status %d", status);
  TEST_CHECKF(curl("--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES256-GCM-SHA384", url, &status, body, sizeof(body), NULL, 0) && status == 200, "status %d", status);
  status = 0;
  TEST_CHECKF(!curl("--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-SHA", url, &status, body, sizeof(body), NULL, 0) && status == 0, "CBC-SHA1 accepted (status %d)", status);
}


/*
 * ---- Address lists and client buckets -------------------------------------
 */

/*
 * 'test_addresses()' - gwListenerClientBucket(): IPv4 per address, IPv6 per
 *                      /64; gwListenerAddressListValid()/Match() (the
 *                      HealthDetailsFrom parser).
 */

static void
test_addresses(void)
{
  static const struct { const char *address, *bucket; } buckets[] =
  {
    { "192.0.2.7",                         "192.0.2.7" },
    { "::ffff:192.0.2.7",                  "192.0.2.7" },          /* IPv4-mapped: the IPv4 address */
    { "2001:db8:1:2:aaaa:bbbb:cccc:dddd",  "2001:db8:1:2::/64" },
    { "2001:db8:1:2::1",                   "2001:db8:1:2::/64" },  /* same /64, same bucket */
    { "2001:db8:1:3::1",                   "2001:db8:1:3::/64" },  /* next /64, its own */
    { "::1",                               "::/64" },
    { "fe80::1:2:3:4",                     "fe80::/64" },
    { "not-an-address",                    NULL },
    { "2001:db8::/64",                     NULL }
  };
  static const struct { const char *list, *address; bool match; } lists[] =
  {
    { "127.0.0.0/8,::1",       "127.0.0.1",     true },
    { "127.0.0.0/8,::1",       "127.10.20.30",  true },
    { "127.0.0.0/8,::1",       "::1",           true },
    { "127.0.0.0/8,::1",       "::2",           false },
    { "127.0.0.0/8,::1",       "128.0.0.1",     false },
    { "127.0.0.0/8,::1",       "::ffff:127.0.0.1", true },       /* mapped IPv4 is IPv4 */
    { "192.0.2.0/24",          "127.0.0.1",     false },
    { "192.0.2.0/24",          "192.0.2.255",   true },
    { "192.0.2.0/25",          "192.0.2.128",   false },
    { "192.0.2.0/25",          "192.0.2.127",   true },
    { "10.0.0.1 fd00::/8",     "fd12:3456::9",  true },
    { "fd00::/8",              "fe00::1",       false },
    { "0.0.0.0/0",             "203.0.113.9",   true },
    { "0.0.0.0/0",             "2001:db8::1",   false },          /* families never mix */
    { "",                      "127.0.0.1",     false },          /* empty: nobody */
    { "127.0.0.1",             "unknown",       false }
  };
  static const char * const bad[] = { "127.0.0.0/33", "::1/129", "localhost", "127.0.0.1/", "127.0.0.1/-1", "1.2.3.4/8x", "127.0.0.1;rm" };
  char bucket[64];

  TEST_BEGIN("connection limit buckets: IPv4 address, IPv6 /64");
  for (size_t i = 0; i < sizeof(buckets) / sizeof(buckets[0]); i ++)
  {
    bool ok = gwListenerClientBucket(buckets[i].address, bucket, sizeof(bucket));

    if (buckets[i].bucket)
      TEST_CHECKF(ok && !strcmp(bucket, buckets[i].bucket), "%s -> \"%s\", want \"%s\"", buckets[i].address, ok ? bucket : "(error)", buckets[i].bucket);
    else
      TEST_CHECKF(!ok, "%s accepted", buckets[i].address);
  }

  TEST_BEGIN("address lists (HealthDetailsFrom)");
  for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i ++)
  {
    TEST_CHECKF(gwListenerAddressListValid(lists[i].list, NULL), "\"%s\" invalid", lists[i].list);
    TEST_CHECKF(gwListenerAddressListMatch(lists[i].list, lists[i].address) == lists[i].match, "\"%s\" in \"%s\": %s", lists[i].address, lists[i].list, lists[i].match ? "no" : "yes");
  }
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i ++)
  {
    const char *why = NULL;

    TEST_CHECKF(!gwListenerAddressListValid(bad[i], &why) && why, "\"%s\" accepted", bad[i]);
  }
}


/*
 * ---- Slow clients -----------------------------------------------------------
 */

typedef struct slow_s                   /* One slow TLS client (a thread) */
{
  const char *name;
  int         port;
  const char *head;                     /* Sent at once after the handshake */
  size_t      burst;                    /* Bytes sent right after head */
  size_t      total;                    /* Bytes then sent in steps */
  size_t      chunk;                    /* Bytes per step */
  int         interval_ms;              /* Pause after each step */
  size_t      burst_every;              /* Every this many steps, another burst of `burst` */
  int         max_ms;                   /* Give up (still connected) after this */
  bool        raw;                      /* No TLS: head and trickle go out as they are */
  bool        handshake;                /* TLS handshake done (or TCP connected, raw) */
  bool        cut;                      /* The server closed the connection */
  int         cut_ms;                   /* When, from the end of the handshake */
  int         hs_ms;                    /* The handshake (connected to its end; HeaderTimeout runs from
                                         * the connection, and 9 handshakes at once on a busy machine
                                         * can take a while) */
  int         status;                   /* HTTP status answered, 0 = none */
  pthread_t   thread;
} slow_t;

static slow_t
slow_init(const char *name, int port, const char *head, size_t burst, size_t total, size_t chunk, int interval_ms, size_t burst_every, int max_ms)
{
  slow_t s;

  memset(&s, 0, sizeof(s));
  s.name        = name;
  s.port        = port;
  s.head        = head;
  s.burst       = burst;
  s.total       = total;
  s.chunk       = chunk;
  s.interval_ms = interval_ms;
  s.burst_every = burst_every;
  s.max_ms      = max_ms;

  return (s);
}

static int64_t
slow_now(void)
{
  return ((int64_t)gwClockMs());
}

/*
 * 'slow_read()' - Wait up to ms for the server: true when it closed the
 *                 connection (or answered: *status set).
 */

static bool
slow_read(SSL *ssl, int fd, int ms, int *status)
{
  struct pollfd pfd = { fd, POLLIN, 0 };
  char          buf[4096];
  int           n;

  if (SSL_pending(ssl) <= 0 && poll(&pfd, 1, ms) <= 0)
    return (false);

  if ((n = SSL_read(ssl, buf, sizeof(buf) - 1)) > 0)
  {
    buf[n] = '\0';
    if (!strncmp(buf, "HTTP/1.", 7))
      *status = (int)strtol(buf + 9, NULL, 10);
    return (true);
  }

  n = SSL_get_error(ssl, n);
  ERR_clear_error();

  return (n != SSL_ERROR_WANT_READ && n != SSL_ERROR_WANT_WRITE);
}

static void *
slow_main(void *data)
{
  slow_t             *s = (slow_t *)data;
  SSL_CTX            *ctx = SSL_CTX_new(TLS_client_method());
  SSL                *ssl = NULL;
  int                 fd = harness_connect(NULL, s->port, 0);
  int64_t             connected = slow_now(), start;
  size_t              sent = 0, steps = 0;
  char                buf[65536];

  memset(buf, 'b', sizeof(buf));

  if (!ctx || fd < 0)
    goto done;

  if (s->raw)
  {
    /* A TLS handshake record sent a byte at a time: never complete */
    struct pollfd pfd = { fd, POLLIN, 0 };

    s->handshake = true;
    start        = slow_now();
    s->hs_ms     = (int)(start - connected);
    if (send(fd, s->head, strlen(s->head), MSG_NOSIGNAL) <= 0)
      goto cut;
    for (sent = 0; sent < s->total; sent ++)
    {
      if (slow_now() - start >= s->max_ms)
        goto done;
      if (send(fd, buf, 1, MSG_NOSIGNAL) <= 0 || poll(&pfd, 1, s->interval_ms) > 0)
        goto cut;                       /* Closed (or an alert: the server gave up) */
    }
    goto done;
  }

  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);   /* no post-handshake tickets to read */
  SSL_CTX_clear_mode(ctx, SSL_MODE_AUTO_RETRY);
  ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  if (SSL_connect(ssl) != 1)
    goto done;

  s->handshake = true;
  start        = slow_now();
  s->hs_ms     = (int)(start - connected);

  if (SSL_write(ssl, s->head, (int)strlen(s->head)) <= 0)
    goto cut;

  for (size_t left = s->burst; left > 0;)
  {
    int n = SSL_write(ssl, buf, (int)(left > sizeof(buf) ? sizeof(buf) : left));

    if (n <= 0)
      goto cut;
    left -= (size_t)n;
  }

  while (sent < s->total)
  {
    size_t n = s->chunk < s->total - sent ? s->chunk : s->total - sent;

    if (slow_now() - start >= s->max_ms)
      goto done;                        /* Still connected */

    if (s->burst_every && steps > 0 && steps % s->burst_every == 0)
      n = s->burst;

    if (SSL_write(ssl, buf, (int)n) <= 0)
      goto cut;
    sent += n;
    steps ++;

    if (slow_read(ssl, fd, s->interval_ms, &s->status))
      goto cut;
  }

  /* All sent: the answer */
  while (slow_now() - start < s->max_ms + 5000 && !s->status)
  {
    if (slow_read(ssl, fd, 500, &s->status) && !s->status)
      goto cut;
  }
  goto done;

  cut:
  if (!s->status)
  {
    s->cut    = true;
    s->cut_ms = (int)(slow_now() - start);
  }

  done:
  if (ssl)
    SSL_free(ssl);
  if (ctx)
    SSL_CTX_free(ctx);
  if (fd >= 0)
    close(fd);

  return (NULL);
}


/*
 * Routes that store a body in a file, as an upload front-end would: the
 * file is written as .part and renamed by finish(); cleanup() removes a
 * .part left by an aborted upload.
 */

typedef struct store_s
{
  FILE *fp;
  char  part[1100], done[1100];
} store_t;

static int store_count, store_aborted;
static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;

static bool
store_begin(gw_request_t *req, void *data)
{
  store_t *st = calloc(1, sizeof(store_t));
  int      n;

  (void)data;
  if (!st)
    return (false);

  pthread_mutex_lock(&store_lock);
  n = ++ store_count;
  pthread_mutex_unlock(&store_lock);

  snprintf(st->part, sizeof(st->part), "%s/store-%d.part", test_dir, n);
  snprintf(st->done, sizeof(st->done), "%s/store-%d.done", test_dir, n);
  st->fp = fopen(st->part, "wb");
  gwRequestSetState(req, st);

  return (st->fp != NULL);
}

static bool
store_body(gw_request_t *req, const char *buf, size_t len, void *data)
{
  store_t *st = (store_t *)gwRequestGetState(req);

  (void)data;
  return (fwrite(buf, 1, len, st->fp) == len && fflush(st->fp) == 0);
}

static void
store_finish(gw_request_t *req, void *data)
{
  store_t *st = (store_t *)gwRequestGetState(req);
  char     text[64];
  long     size = ftell(st->fp);

  (void)data;
  fclose(st->fp);
  st->fp = NULL;
  rename(st->part, st->done);
  snprintf(text, sizeof(text), "stored %ld", size);
  gwRequestRespond(req, 200, "text/plain", text, strlen(text));
}

static void
store_cleanup(gw_request_t *req, void *data)
{
  store_t *st = (store_t *)gwRequestGetState(req);

  (void)data;
  if (st && st->fp)
  {
    /* Aborted: nothing of it is kept */
    fclose(st->fp);
    unlink(st->part);
    pthread_mutex_lock(&store_lock);
    store_aborted ++;
    pthread_mutex_unlock(&store_lock);
  }
  free(st);
  gwRequestSetState(req, NULL);
}


/*
 * 'test_slow_clients()' - HeaderTimeout 3 s, MinBodyRate 1000 bytes/s over
 *                         2 s windows.  Clients run at once, as threads.
 *                         Positive control: a listener without deadlines
 *                         (ConnectionTimeout 5 s) keeps the same trickling
 *                         clients past both the deadline and its timeout.
 *                         The listener with deadlines has a 60 s
 *                         ConnectionTimeout, so only a deadline can cut one
 *                         of its clients within their 10-14 s.
 *
 * The cut times leave the watchdog (200 ms period) and a busy machine
 * (ASan, other tests) about 3 s past the deadline; what the checks tell
 * apart is a cut from none at all, or from one after 20 s.
 */

static void
test_slow_clients(const char *cert, const char *key, gw_log_t *log)
{
  gw_listener_t *strict, *open;
  gw_route_t     route;
  const char    *error = NULL;
  char           path[1100];
  struct stat    st;
  enum { HEADER, BODY, BURST, PERIODIC, LEGIT, HANDSHAKE, OPEN_HEADER, OPEN_BODY, OPEN_HANDSHAKE, NUM_SLOW };
  slow_t         s[NUM_SLOW];
  static const char *trickle_head = "GET /hello HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";
  static const char *upload_head  = "POST /store HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n";
  static const char *legit_head   = "POST /store HTTP/1.1\r\nHost: localhost\r\nContent-Length: 18000\r\n\r\n";

  TEST_BEGIN("slow clients: header deadline, minimum body rate (3 s, 1000 B/s per 2 s window)");

  memset(&route, 0, sizeof(route));
  strict = gwListenerNew("127.0.0.1", 0, cert, key, 32, 60, log, &error);
  open   = gwListenerNew("127.0.0.1", 0, cert, key, 32, 5, log, &error);
  TEST_CHECK(strict && open);
  if (!strict || !open)
    return;
  TEST_CHECK(gwListenerSetDeadlines(strict, 3, 1000, 2));
  TEST_CHECK(gwListenerSetDeadlines(open, 0, 0, 0));

  route.method = "GET";
  route.path   = "/hello";
  route.finish = files_finish;
  TEST_CHECK(gwListenerAddRoute(strict, &route) && gwListenerAddRoute(open, &route));

  route.method   = "POST";
  route.path     = "/store";
  route.max_body = 1024 * 1024;
  route.begin    = store_begin;
  route.body     = store_body;
  route.finish   = store_finish;
  route.cleanup  = store_cleanup;
  TEST_CHECK(gwListenerAddRoute(strict, &route) && gwListenerAddRoute(open, &route));

  TEST_CHECKF(gwListenerStart(strict, &error), "%s", error ? error : "");
  TEST_CHECKF(gwListenerStart(open, &error), "%s", error ? error : "");

  memset(s, 0, sizeof(s));
  /* Header, one byte a second */
  s[HEADER]      = slow_init("header trickle", gwListenerGetPort(strict), trickle_head, 0, 100, 1, 1000, 0, 10000);
  /* Body, one byte a second */
  s[BODY]        = slow_init("body trickle", gwListenerGetPort(strict), upload_head, 0, 90000, 1, 1000, 0, 10000);
  /* 20 kB at once (20 s worth of MinBodyRate on average), then one byte a second */
  s[BURST]       = slow_init("burst then trickle", gwListenerGetPort(strict), upload_head, 20000, 70000, 1, 1000, 0, 12000);
  /* 2500 bytes every 3 s: above the rate within the window of each burst, 833 B/s on average */
  s[PERIODIC]    = slow_init("periodic bursts", gwListenerGetPort(strict), upload_head, 2500, 70000, 1, 1000, 3, 14000);
  /* 1000 bytes every 0.25 s (4000 B/s) for 4.5 s: slow but 4 times the rate, so a window still has
   * its 2000 bytes when the sender (or the listener) stalls for 1.5 s in it */
  s[LEGIT]       = slow_init("slow legitimate upload", gwListenerGetPort(strict), legit_head, 0, 18000, 1000, 250, 0, 12000);
  /* Positive controls: no deadlines */
  s[OPEN_HEADER] = slow_init("header trickle, no deadline", gwListenerGetPort(open), trickle_head, 0, 100, 1, 1000, 0, 7000);
  s[OPEN_BODY]   = slow_init("body trickle, no rate", gwListenerGetPort(open), upload_head, 0, 90000, 1, 1000, 0, 7000);
  /* A TLS ClientHello record header announcing 512 bytes, then one byte a second (cut by HeaderTimeout: the
   * strict listener's idle timeout is 60 s, and the open one's 5 s only ends it there) */
  s[HANDSHAKE]      = slow_init("handshake trickle", gwListenerGetPort(strict), "\x16\x03\x01\x02\x00", 0, 500, 1, 1000, 0, 10000);
  s[OPEN_HANDSHAKE] = slow_init("handshake trickle, no deadline", gwListenerGetPort(open), "\x16\x03\x01\x02\x00", 0, 500, 1, 1000, 0, 7000);
  s[HANDSHAKE].raw = s[OPEN_HANDSHAKE].raw = true;

  for (int i = 0; i < NUM_SLOW; i ++)
    pthread_create(&s[i].thread, NULL, slow_main, s + i);
  for (int i = 0; i < NUM_SLOW; i ++)
  {
    pthread_join(s[i].thread, NULL);
    if (s[i].status)
      printf("  %s: handshake %s, answered %d\n", s[i].name, s[i].handshake ? "ok" : "failed", s[i].status);
    else
      printf("  %s: handshake %s (%d ms), %s after %d ms\n", s[i].name, s[i].handshake ? "ok" : "failed", s[i].hs_ms, s[i].cut ? "closed" : "still open", s[i].cut ? s[i].cut_ms : s[i].max_ms);
  }

  for (int i = 0; i < NUM_SLOW; i ++)
    TEST_CHECKF(s[i].handshake, "%s: no TLS handshake", s[i].name);

  /* HeaderTimeout runs from the connection: the header trickle's times count from there */
  TEST_CHECKF(s[HEADER].cut && s[HEADER].hs_ms + s[HEADER].cut_ms >= 2500 && s[HEADER].hs_ms + s[HEADER].cut_ms <= 6500, "header trickle: cut %d after %d + %d ms", s[HEADER].cut, s[HEADER].hs_ms, s[HEADER].cut_ms);
  TEST_CHECKF(s[BODY].cut && s[BODY].cut_ms >= 1500 && s[BODY].cut_ms <= 6000, "body trickle: cut %d after %d ms", s[BODY].cut, s[BODY].cut_ms);
  TEST_CHECKF(s[BURST].cut && s[BURST].cut_ms >= 3500 && s[BURST].cut_ms <= 8500, "burst then trickle: cut %d after %d ms (a running average would keep it 20 s)", s[BURST].cut, s[BURST].cut_ms);
  /* Its 4th window (6-8 s) has no burst when the 3rd caught the one at 6 s: cut at 8 s, plus the lags */
  TEST_CHECKF(s[PERIODIC].cut && s[PERIODIC].cut_ms <= 11500, "periodic bursts: cut %d after %d ms", s[PERIODIC].cut, s[PERIODIC].cut_ms);
  TEST_CHECKF(!s[LEGIT].cut && s[LEGIT].status == 200, "slow legitimate upload: cut %d, status %d", s[LEGIT].cut, s[LEGIT].status);
  TEST_CHECKF(s[HANDSHAKE].cut && s[HANDSHAKE].hs_ms + s[HANDSHAKE].cut_ms >= 2500 && s[HANDSHAKE].hs_ms + s[HANDSHAKE].cut_ms <= 6500, "handshake trickle: cut %d after %d ms", s[HANDSHAKE].cut, s[HANDSHAKE].hs_ms + s[HANDSHAKE].cut_ms);
  /* libmicrohttpd counts a handshake in progress as idle, so without a deadline its 5 s timeout ends it */
  TEST_CHECKF(!s[OPEN_HANDSHAKE].cut || s[OPEN_HANDSHAKE].cut_ms >= 4500, "control: handshake trickle cut after %d ms without a deadline (want the 5 s idle timeout)", s[OPEN_HANDSHAKE].cut_ms);
  TEST_CHECKF(!s[OPEN_HEADER].cut, "positive control: header trickle cut after %d ms without a deadline", s[OPEN_HEADER].cut_ms);
  TEST_CHECKF(!s[OPEN_BODY].cut, "positive control: body trickle cut after %d ms without a rate", s[OPEN_BODY].cut_ms);

  TEST_BEGIN("a cut upload keeps nothing; the slow legitimate one is stored whole");
  gwListenerDelete(&strict);
  gwListenerDelete(&open);

  pthread_mutex_lock(&store_lock);
  TEST_CHECKF(store_count == 5, "%d uploads began (want 5)", store_count);
  TEST_CHECKF(store_aborted == 4, "%d uploads aborted by cleanup() (want 4: 3 cut, the open control ended by the client)", store_aborted);
  for (int i = 1; i <= store_count; i ++)
  {
    snprintf(path, sizeof(path), "%s/store-%d.part", test_dir, i);
    TEST_CHECKF(stat(path, &st) != 0, "%s left behind", path);
  }
  pthread_mutex_unlock(&store_lock);

  {
    int done = 0;

    for (int i = 1; i <= 6; i ++)
    {
      snprintf(path, sizeof(path), "%s/store-%d.done", test_dir, i);
      if (!stat(path, &st))
      {
        done ++;
        TEST_CHECKF(st.st_size == 18000, "%s has %lld bytes", path, (long long)st.st_size);
      }
    }
    TEST_CHECKF(done == 1, "%d uploads stored (want 1)", done);
  }
}


/*
 * ---- Per-client connection limit ------------------------------------------
 */

/*
 * 'raw_connect()' - A TCP connection from src (NULL = any) to [dst]:port.
 */

static int
raw_connect(int family, const char *src, const char *dst, int port)
{
  struct sockaddr_storage ss;
  socklen_t               len = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  int                     fd = socket(family, SOCK_STREAM, 0);

  if (fd < 0)
    return (-1);

  if (src)
  {
    memset(&ss, 0, sizeof(ss));
    ss.ss_family = (sa_family_t)family;
    if (family == AF_INET6)
      inet_pton(AF_INET6, src, &((struct sockaddr_in6 *)&ss)->sin6_addr);
    else
      inet_pton(AF_INET, src, &((struct sockaddr_in *)&ss)->sin_addr);
    if (bind(fd, (struct sockaddr *)&ss, len))
    {
      close(fd);
      return (-1);
    }
  }

  memset(&ss, 0, sizeof(ss));
  ss.ss_family = (sa_family_t)family;
  if (family == AF_INET6)
  {
    inet_pton(AF_INET6, dst, &((struct sockaddr_in6 *)&ss)->sin6_addr);
    ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
  }
  else
  {
    inet_pton(AF_INET, dst, &((struct sockaddr_in *)&ss)->sin_addr);
    ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
  }

  if (connect(fd, (struct sockaddr *)&ss, len))
  {
    close(fd);
    return (-1);
  }

  return (fd);
}


/*
 * 'raw_closed()' - Whether the server closed a connection within ms.
 */

static bool
raw_closed(int fd, int ms)
{
  struct pollfd pfd = { fd, POLLIN, 0 };
  char          c;

  if (fd < 0)
    return (true);
  if (poll(&pfd, 1, ms) <= 0)
    return (false);

  return (recv(fd, &c, 1, MSG_DONTWAIT) <= 0);
}


/*
 * 'test_client_limit()' - MaxConnections 16, so 4 per client.  From the
 *                         sources given (one or two in the same /64, one
 *                         in another /64): four connections stay open, a
 *                         fifth from the same /64 is closed at once, one
 *                         from another /64 is not, and a closed one frees
 *                         its place.
 */

static void
test_client_limit(const char *bind_addr, const char *dst, const char *src1, const char *src2, const char *other, const char *cert, const char *key, gw_log_t *log)
{
  gw_listener_t *l;
  gw_route_t     route;
  const char    *error = NULL;
  int            port, fds[4], extra, far = -1, again;
  bool           open4 = true;

  memset(&route, 0, sizeof(route));
  route.method = "GET";
  route.path   = "/hello";
  route.finish = files_finish;

  l = gwListenerNew(bind_addr, 0, cert, key, 16, 30, log, &error);
  TEST_CHECK(l && gwListenerAddRoute(l, &route));
  TEST_CHECKF(l && gwListenerStart(l, &error), "%s", error ? error : "");
  if (!l)
    return;
  port = gwListenerGetPort(l);

  for (int i = 0; i < 4; i ++)
    fds[i] = raw_connect(AF_INET6, src1, dst, port);
  usleep(300000);
  for (int i = 0; i < 4; i ++)
    open4 = open4 && fds[i] >= 0 && !raw_closed(fds[i], 0);
  TEST_CHECKF(open4, "four connections from %s stay open", src1);

  extra = raw_connect(AF_INET6, src2, dst, port);
  TEST_CHECKF(raw_closed(extra, 2000), "a fifth connection from %s (same /64 as %s) was not closed", src2, src1);

  if (other)
  {
    far = raw_connect(AF_INET6, other, dst, port);
    TEST_CHECKF(far >= 0 && !raw_closed(far, 1000), "positive control: a connection from %s (another /64) was closed", other);
  }

  close(fds[0]);
  usleep(500000);
  again = raw_connect(AF_INET6, src2, dst, port);
  TEST_CHECKF(again >= 0 && !raw_closed(again, 1000), "after one closed, a new connection from %s was closed", src2);

  for (int i = 1; i < 4; i ++)
    if (fds[i] >= 0)
      close(fds[i]);
  if (extra >= 0)
    close(extra);
  if (far >= 0)
    close(far);
  if (again >= 0)
    close(again);

  gwListenerDelete(&l);
}


/*
 * 'netns_main()' - In a network namespace of its own (root only): addresses
 *                  fd00:1:2:3::1 and ::2 (one /64) and fd00:1:2:4::1 on lo,
 *                  and test_client_limit() with them.
 */

static int
netns_main(const char *dir, const char *cert, const char *key)
{
  char      logfile[1100];
  gw_log_t *log;

  if (unshare(CLONE_NEWNET))
  {
    printf("  SKIP IPv6 /64 limit with several addresses: no network namespace (%s); needs root\n", strerror(errno));
    return (0);
  }

  if (system("ip link set lo up && ip -6 addr add fd00:1:2:3::1/64 dev lo nodad && ip -6 addr add fd00:1:2:3::2/64 dev lo nodad && ip -6 addr add fd00:1:2:4::1/64 dev lo nodad"))
  {
    puts("  FAIL unable to add IPv6 addresses in the network namespace");
    return (1);
  }

  snprintf(logfile, sizeof(logfile), "%s/netns.log", dir);
  log = gwLogNew(logfile, GW_LOG_DEBUG);

  TEST_BEGIN("per-client limit by /64: two addresses of one /64 share it, another /64 does not (network namespace)");
  test_client_limit("::", "fd00:1:2:3::1", "fd00:1:2:3::1", "fd00:1:2:3::2", "fd00:1:2:4::1", cert, key, log);

  gwLogDelete(&log);

  return (test_failures ? 1 : 0);
}
