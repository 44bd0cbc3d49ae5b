/*
 * test.h - a one-header unit test framework for Printgate.
 *
 * TEST_BEGIN("what"); ... TEST_CHECK(expr); ... prints PASS/FAIL per check on
 * stdout; TEST_EXIT() returns non-zero if anything failed.  tempdir helpers
 * make a private folder under $TMPDIR and remove it at exit.
 */

#ifndef PRINTGATE_TEST_H
#define PRINTGATE_TEST_H

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

#endif /* !PRINTGATE_TEST_H */
