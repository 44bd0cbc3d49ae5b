/*
 * test-log.c - log lines and log contexts: a job context prefixes every
 * line with its id, a request context with front-end, client, method and
 * path (bounded); control characters from user text (a path with a
 * newline) cannot forge a second line; levels filter.
 */

#include "printgate/log.h"
#include "test.h"

int
main(void)
{
  char         dir[256], path[512], text[8192];
  gw_log_t    *log;
  gw_log_ctx_t job, req;
  FILE        *fp;
  size_t       n;
  int          lines = 0;
  char         longpath[400];

  if (!test_tempdir(dir, sizeof(dir)))
    return (1);
  snprintf(path, sizeof(path), "%s/log", dir);

  TEST_BEGIN("contexts");
  TEST_CHECK((log = gwLogNew(path, GW_LOG_INFO)) != NULL);
  gwLogCtxJob(&job, log, "2aa28d62-6558-42a4-8b89-d427753a0483", "alice");
  gwLogCtx(&job, GW_LOG_INFO, "held: %d page(s).", 3);
  gwLogCtx(&job, GW_LOG_DEBUG, "not written (below the level)");
  gwLogCtxRequest(&req, log, "ipp", "192.0.2.7", "POST", "/ipp/print\nFAKE [error] forged");
  gwLogCtx(&req, GW_LOG_WARN, "refused.");
  memset(longpath, 'a', sizeof(longpath) - 1);
  longpath[0] = '/';
  longpath[sizeof(longpath) - 1] = '\0';
  gwLogCtxRequest(&req, log, "web", "2001:db8::1", "GET", longpath);
  gwLogCtx(&req, GW_LOG_ERROR, "end");
  gwLogDelete(&log);

  fp = fopen(path, "r");
  n = fp ? fread(text, 1, sizeof(text) - 1, fp) : 0;
  text[n] = '\0';
  if (fp)
    fclose(fp);
  for (char *p = text; *p; p ++)
    lines += *p == '\n';
  TEST_CHECKF(strstr(text, "[info] Job 2aa28d62-6558-42a4-8b89-d427753a0483 of alice: held: 3 page(s).\n") != NULL, "%s", text);
  TEST_CHECK(strstr(text, "not written") == NULL);
  TEST_CHECKF(strstr(text, "[warn] ipp 192.0.2.7 POST /ipp/print?FAKE [error] forged: refused.\n") != NULL, "%s", text);
  TEST_CHECKF(lines == 3, "%d lines", lines);
  TEST_CHECK(strstr(text, "[error] web 2001:db8::1 GET /aaaa") != NULL && strstr(text, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") == NULL);

  test_rmtree(dir);
  TEST_EXIT();
}
