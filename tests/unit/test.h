/*
 * test.h - a one-header unit test framework for Printgate.
 *
 * TEST_BEGIN("what"); ... TEST_CHECK(expr); ... prints PASS/FAIL per check on
 * stdout; TEST_EXIT() returns non-zero if anything failed.  tempdir helpers
 * make a private folder under $TMPDIR and remove it at exit.
 */

#ifndef PRINTGATE_TEST_H
#define PRINTGATE_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
   text file can be searched), which may hold binary data. */
typedef struct test_buf_s
{
  char   *data;
  size_t  len;
  size_t  size;
} test_buf_t;

/* Append bytes (exits on out of memory). */
static inline void test_buf_add(test_buf_t *b, const void *data, size_t len)
{
  if (b->len + len + 1 > b->size)
  {
    size_t newsize = (b->len + len + 1) * 2 + 256;
    char  *newdata = realloc(b->data, newsize);

    if (!newdata)
    {
      puts("FAIL out of memory");
      exit(1);
    }
    b->data = newdata;
    b->size = newsize;
  }

  if (len)
    memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
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

#endif /* !PRINTGATE_TEST_H */
