/*
 * test.h - a one-header unit test framework for Printgate.
 *
 * TEST_BEGIN("what"); ... TEST_CHECK(expr); ... prints PASS/FAIL per check on
 * stdout; TEST_EXIT() returns non-zero if anything failed.  tempdir helpers
 * make a private folder under $TMPDIR and remove it at exit.  Also: whole
 * files in and out, a command's output (test_run()), a loopback socket on a
 * free port (test_loopback_socket()) and a log shown on failure
 * (test_show_log()).
 */

#ifndef PRINTGATE_TEST_H
#define PRINTGATE_TEST_H

#include "printgate/text.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int test_failures = 0;
static int test_checks = 0;

#define TEST_CHECK(expr) do { \
    test_checks ++; \
    if (expr) { printf("  PASS %s\n", #expr); } \
    else { test_failures ++; printf("  FAIL %s (%s:%d)\n", #expr, __FILE__, __LINE__); fflush(stdout); } \
  } while (0)

#define TEST_CHECKF(expr, ...) do { \
    test_checks ++; \
    if (expr) { printf("  PASS %s\n", #expr); } \
    else { test_failures ++; printf("  FAIL %s (%s:%d): ", #expr, __FILE__, __LINE__); printf(__VA_ARGS__); putchar('\n'); fflush(stdout); } \
  } while (0)

#define TEST_BEGIN(name) printf("%s\n", name)

/* Define 'static bool fn(const type *row, void *data)', an iterator callback that counts rows in *(int *)data. */
#define TEST_COUNT_CB(fn, type) \
  static bool fn(const type *row, void *data) \
  { \
    (void)row; \
    (*(int *)data) ++; \
    return (true); \
  }

#define TEST_EXIT() do { \
    printf("%d checks, %d failed\n", test_checks, test_failures); \
    return (test_failures ? 1 : 0); \
  } while (0)

/* Make a fresh temporary folder; the caller removes it with test_rmtree(). */
static inline char *test_tempdir(char *buf, size_t bufsize)
{
  const char *tmp = getenv("TMPDIR");
  snprintf(buf, bufsize, "%s/pgtest.XXXXXX", tmp ? tmp : "/tmp");
  return (mkdtemp(buf));
}

static inline void test_rmtree(const char *dir)
{
  char cmd[2048];
  if (!dir || !*dir || strstr(dir, "pgtest.") == NULL)
    return;
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  if (system(cmd)) { /* best effort */ }
}

/* A growing byte buffer, always nul-terminated after its last byte (so a
   text file can be searched), which may hold binary data: the core's own
   (printgate/text.h). */
typedef gw_buffer_t test_buf_t;

/* Append bytes (exits on out of memory). */
static inline void test_buf_add(test_buf_t *b, const void *data, size_t len)
{
  gwBufferAdd(b, data, len);
  if (b->failed)
  {
    puts("FAIL out of memory");
    exit(1);
  }
}

/* Read a whole file into a fresh buffer (b->data is then never NULL, also
   for an empty file); false if it cannot be read. */
static inline bool test_load_file(const char *path, test_buf_t *b)
{
  FILE   *fp = fopen(path, "rb");
  char    chunk[8192];
  size_t  n;
  bool    ok;

  memset(b, 0, sizeof(*b));
  if (!fp)
    return (false);
  test_buf_add(b, "", 0);
  while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
    test_buf_add(b, chunk, n);
  ok = !ferror(fp);
  fclose(fp);

  return (ok);
}

/* Read a whole file into new memory (nul-terminated; the caller frees it);
   NULL if it cannot be read. */
static inline char *test_read_file(const char *path, size_t *len)
{
  test_buf_t b;

  if (!test_load_file(path, &b))
  {
    free(b.data);
    return (NULL);
  }
  if (len)
    *len = b.len;

  return (b.data);
}

/* Write a whole file. */
static inline bool test_write_file(const char *path, const void *data, size_t len)
{
  FILE *fp = fopen(path, "wb");
  bool  ok;

  if (!fp)
    return (false);
  ok = fwrite(data, 1, len, fp) == len;

  return (fclose(fp) == 0 && ok);
}

/* Make DIR/NAME (mode 0700; it may exist already); its path in buf. */
static inline char *test_subdir(char *buf, size_t bufsize, const char *dir, const char *name)
{
  snprintf(buf, bufsize, "%s/%s", dir, name);
  mkdir(buf, 0700);
  return (buf);
}

/* Run a shell command: its stdout (the first bufsize-1 bytes) in buf, nul-
   terminated.  Returns its wait status (pclose()), -1 if it cannot start. */
static inline int test_run(const char *cmd, char *buf, size_t bufsize)
{
  FILE   *fp = popen(cmd, "r");
  size_t  n;

  buf[0] = '\0';
  if (!fp)
    return (-1);
  n = fread(buf, 1, bufsize - 1, fp);
  buf[n] = '\0';

  return (pclose(fp));
}

/* What follows 'key' on the line of 'text' that starts with it (a tool's
   "Pages: 3"), or NULL. */
static inline const char *test_line_after(const char *text, const char *key)
{
  size_t      len = strlen(key);
  const char *line = text;

  while (line && strncmp(line, key, len))
  {
    if ((line = strchr(line, '\n')) != NULL)
      line ++;
  }

  return (line ? line + len : NULL);
}

/* A TCP socket (close-on-exec) bound to a free port on 127.0.0.1 (*port),
   listening when backlog > 0; -1 on error. */
static inline int test_loopback_socket(int backlog, int *port)
{
  struct sockaddr_in sin;
  socklen_t          len = sizeof(sin);
  int                fd;

  memset(&sin, 0, sizeof(sin));
  sin.sin_family      = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
      (backlog > 0 && listen(fd, backlog)) || getsockname(fd, (struct sockaddr *)&sin, &len))
  {
    if (fd >= 0)
      close(fd);
    return (-1);
  }
  *port = ntohs(sin.sin_port);

  return (fd);
}

/* A TCP port on 127.0.0.1 that is free right now, nothing listening
   (-1 on error). */
static inline int test_free_port(void)
{
  int port = -1, fd = test_loopback_socket(0, &port);

  if (fd < 0)
    return (-1);
  close(fd);

  return (port);
}

/* Show a log file (its last 'lines' lines; 0 = all of it) when a check
   failed or GW_TEST_SHOW_LOG is set. */
static inline void test_show_log(const char *path, int lines)
{
  char cmd[4200];

  if (!test_failures && !getenv("GW_TEST_SHOW_LOG"))
    return;
  if (lines > 0)
    snprintf(cmd, sizeof(cmd), "tail -n %d '%s'", lines, path);
  else
    snprintf(cmd, sizeof(cmd), "cat '%s'", path);
  fflush(stdout);
  if (system(cmd)) { /* best effort */ }
}

#endif /* !PRINTGATE_TEST_H */
