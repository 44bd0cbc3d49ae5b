/*
 * gateway-harness.h - a real gateway (gw_system_t with its store, spool,
 * converter and the IPP sink) in a private folder, for the API tests.
 * Include after test.h.
 */

#ifndef PRINTGATE_GATEWAY_HARNESS_H
#define PRINTGATE_GATEWAY_HARNESS_H

#include "printgate/api.h"
#include "printgate-ipp/sinks.h"

#include <sqlite3.h>
#include <sys/stat.h>

/*
 * 'test_gateway()' - Write DIR/printgate.conf (state, log and conversion
 *                    folders in DIR, a loopback listener on a free port, no
 *                    Office workers, then the lines in 'extra'), and start a
 *                    gateway on it.  NULL (after a FAIL line) on error.
 */

static inline gw_system_t *
test_gateway(const char *dir, const char *extra)
{
  char         conf[512], err[512], path[600];
  const char  *error = NULL;
  gw_config_t *c;
  gw_system_t *sys = NULL;
  FILE        *fp;

  snprintf(conf, sizeof(conf), "%s/printgate.conf", dir);
  if ((fp = fopen(conf, "w")) == NULL)
    return (NULL);
  fprintf(fp, "StateDir %s/state\nListenAddress 127.0.0.1\nListenPort 0\nLogFile %s/log\nOfficeWorkers 0\nConversionDir %s/conv\n%s", dir, dir, dir, extra);
  fclose(fp);
  snprintf(path, sizeof(path), "%s/state", dir);
  mkdir(path, 0700);
  snprintf(path, sizeof(path), "%s/conv", dir);
  mkdir(path, 0700);

  TEST_CHECKF((c = gwConfigLoad(conf, err, sizeof(err))) != NULL, "%s", err);
  if (c)
    TEST_CHECKF((sys = gwSystemNew(c, true, &error)) != NULL, "%s", error ? error : "");
  if (sys)
    gwSystemAddSink(sys, gwIppSink());

  return (sys);
}


/*
 * 'test_gateway_start()' - A private folder (in dir), the path of the
 *                          three-page PostScript test document (in doc,
 *                          below $GW_SOURCE_DIR) and test_gateway() in the
 *                          folder.  NULL (after a FAIL line) on error.
 */

static inline gw_system_t *
test_gateway_start(char *dir, size_t dirsize, char *doc, size_t docsize, const char *extra)
{
  const char *src = getenv("GW_SOURCE_DIR");

  snprintf(doc, docsize, "%s/tests/data/convert/three-pages.ps", src ? src : ".");
  if (!test_tempdir(dir, dirsize))
  {
    TEST_CHECK(!"a private folder");
    return (NULL);
  }

  return (test_gateway(dir, extra));
}


/*
 * 'test_file_has()' - Whether DIR/NAME holds a string (first 16 MB).
 */

static inline bool
test_file_has(const char *dir, const char *name, const char *needle)
{
  char    path[600], *buf;
  FILE   *fp;
  size_t  n, len = strlen(needle);
  bool    found = false;

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  if ((fp = fopen(path, "rb")) == NULL || (buf = malloc(1 << 24)) == NULL)
  {
    if (fp)
      fclose(fp);
    return (false);
  }
  n = fread(buf, 1, (1 << 24) - 1, fp);
  fclose(fp);
  for (size_t i = 0; i + len <= n && !found; i ++)
    found = !memcmp(buf + i, needle, len);
  free(buf);

  return (found);
}


/*
 * 'db_has()' - Whether the store's database (or its WAL) holds a string.
 */

static inline bool
db_has(const char *dir, const char *needle)
{
  return (test_file_has(dir, "state/printgate.db", needle) || test_file_has(dir, "state/printgate.db-wal", needle));
}

/*
 * 'test_sql()' - Run SQL on DIR's gateway database from another connection
 *                (as another process could).
 */

static inline bool
test_sql(const char *dir, const char *statement)
{
  char     path[600];
  sqlite3 *db;
  bool     ok;

  snprintf(path, sizeof(path), "%s/state/printgate.db", dir);
  if (sqlite3_open(path, &db) != SQLITE_OK)
    return (false);
  sqlite3_busy_timeout(db, 5000);
  ok = sqlite3_exec(db, statement, NULL, NULL, NULL) == SQLITE_OK;
  sqlite3_close(db);
  return (ok);
}


/*
 * 'test_submission_send()' - Write a file's bytes into a begun submission
 *                            and end it (the job comes back converting);
 *                            false if the file cannot be read or End fails.
 */

static inline bool
test_submission_send(gw_submission_t *sub, const char *file, gw_job_t *job)
{
  FILE   *fp = fopen(file, "rb");
  char    buf[65536];
  size_t  n;

  if (!fp)
  {
    gwSubmissionAbort(&sub, GW_REASON_INTERNAL);
    return (false);
  }
  while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
    gwSubmissionWrite(sub, buf, n);
  fclose(fp);

  return (gwSubmissionEnd(&sub, job));
}


#endif /* !PRINTGATE_GATEWAY_HARNESS_H */
