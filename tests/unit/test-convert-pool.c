/*
 * test-convert-pool.c - the pool of pre-started helpers (convert-pool.c,
 * docs/converters.md "The helper pool") with shell stand-ins for
 * printgate-convert.  The stand-in copies its fd 0 to fd 1 and appends
 * "pid=<its pid> x=<$PG_X>", so each output says which process converted
 * it and with which settings:
 *
 *   - the first job of a kind starts its own helper; then every job gets a
 *     waiting one, the document reaches it, and no two jobs share a pid
 *     (and each pid is the one gwConvertRun() reports);
 *   - a waiting helper killed (SIGKILL) is skipped: the job still converts,
 *     by another process, and the death is counted;
 *   - a taken helper that dies by SIGKILL with no output or result (as one
 *     killed from outside a moment before the take would) is replaced by a
 *     helper started for the document, once: the job converts; a document
 *     that kills every helper fails after exactly two tries;
 *   - waiting helpers that close their pipes are skipped the same way;
 *     one that closes fd 0 after reading a little of a 4 MB document does
 *     not kill the caller with SIGPIPE, and its own answer counts;
 *   - a job with other settings (a reload) gets a helper with its
 *     settings, and the helpers of the old ones are stopped;
 *   - the size is followed (2, then 0: nothing waits);
 *   - gwConvertPoolDelete() leaves no process: every pid recorded while
 *     the pool ran (reapers and helpers) is gone.
 */

#include "test.h"
#include "convert-buf.h"

#include <printgate/convert.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS 64

static const char *test_parent = NULL;   /* ConversionDir of the jobs, NULL = none */

/*
 * 'run()' - One conversion of input through the pool with SCRIPT as the
 *           helper and PG_X=x in its environment.
 */

static bool
run(gw_convert_pool_t *pool, const char *script, const char *x, const char *input, size_t inlen, int timeout,
    buf_t *b, gw_convert_result_t *r)
{
  const char      *argv[] = { "/bin/sh", "-c", script, "printgate-convert", NULL };
  char             xvar[64];
  const char      *envp[] = { "PATH=/usr/bin:/bin", xvar, NULL };
  gw_convert_job_t cj;

  snprintf(xvar, sizeof(xvar), "PG_X=%s", x);
  buf_job(&cj, b, argv, envp, input, inlen, timeout, 100 * 1024 * 1024);
  cj.pool       = pool;
  cj.tmp_parent = test_parent;

  return (gwConvertRun(&cj, r));
}


/*
 * 'wait_ready()' - Wait up to 10 s until 'want' helpers wait.
 */

static bool
wait_ready(gw_convert_pool_t *pool, int want)
{
  for (int i = 0; i < 1000; i ++)
  {
    int ready;

    gwConvertPoolStats(pool, &ready, NULL, NULL, NULL);
    if (ready == want)
      return (true);
    usleep(10000);
  }

  return (false);
}


/*
 * 'children_of()' - The pids whose parent is ppid (from /proc), added to
 *                   pids[] (at most MAX_PIDS).  Returns the new count.
 */

static int
children_of(pid_t ppid, pid_t *pids, int n)
{
  DIR           *dir = opendir("/proc");
  struct dirent *ent;

  while (dir && (ent = readdir(dir)) != NULL && n < MAX_PIDS)
  {
    char  path[300], line[512], *p;
    FILE *fp;
    int   ppid_read;

    if (ent->d_name[0] < '1' || ent->d_name[0] > '9')
      continue;
    snprintf(path, sizeof(path), "/proc/%s/stat", ent->d_name);
    if ((fp = fopen(path, "r")) == NULL)
      continue;
    if (fgets(line, sizeof(line), fp) && (p = strrchr(line, ')')) != NULL && sscanf(p + 1, " %*c %d", &ppid_read) == 1 &&
        ppid_read == (int)ppid)
      pids[n ++] = (pid_t)strtol(ent->d_name, NULL, 10);
    fclose(fp);
  }
  if (dir)
    closedir(dir);

  return (n);
}


/*
 * 'is_reaper_program()' - Is pid running printgate-reaper (not a fork of
 *                         this process, which would share its memory
 *                         copy-on-write while the conversion runs)?
 */

static bool
is_reaper_program(pid_t pid)
{
  char    path[64], exe[1024];
  ssize_t len;

  snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
  if ((len = readlink(path, exe, sizeof(exe) - 1)) <= 0)
    return (false);
  exe[len] = '\0';
  return (strlen(exe) >= 17 && !strcmp(exe + strlen(exe) - 17, "/printgate-reaper"));
}


/*
 * 'helpers()' - Our reapers (children) and their helpers (grandchildren).
 *               Returns how many reapers; *nall says how many pids in all.
 */

static int
helpers(pid_t *pids, int *nall)
{
  int nreapers = children_of(getpid(), pids, 0), n = nreapers;

  for (int i = 0; i < nreapers; i ++)
    n = children_of(pids[i], pids, n);
  *nall = n;

  return (nreapers);
}


/*
 * 'alive()' - How many of pids[] still exist (a zombie counts as gone).
 */

static int
alive(const pid_t *pids, int n)
{
  int count = 0;

  for (int i = 0; i < n; i ++)
  {
    char  path[64], line[512], *p, state = 'X';
    FILE *fp;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
    if ((fp = fopen(path, "r")) == NULL)
      continue;
    if (fgets(line, sizeof(line), fp) && (p = strrchr(line, ')')) != NULL)
      sscanf(p + 1, " %c", &state);
    fclose(fp);
    if (state != 'Z' && state != 'X')
      count ++;
  }

  return (count);
}


/*
 * 'wait_gone()' - Wait up to 10 s until none of pids[] runs (the pool
 *                 stops helpers in its own thread, and a busy machine may
 *                 take a while to run it); returns how many still run.
 */

static int
wait_gone(const pid_t *pids, int n)
{
  int count = alive(pids, n);

  for (int i = 0; i < 1000 && count > 0; i ++)
  {
    usleep(10000);
    count = alive(pids, n);
  }

  return (count);
}


/*
 * 'wait_no_helpers()' - Wait up to 10 s until we have no reaper or helper
 *                       left; returns how many pids are left.
 */

static int
wait_no_helpers(void)
{
  pid_t pids[MAX_PIDS];
  int   n;

  helpers(pids, &n);
  for (int i = 0; i < 1000 && n > 0; i ++)
  {
    usleep(10000);
    helpers(pids, &n);
  }

  return (n);
}


/*
 * 'out_pid()' - The pid the stand-in wrote ("pid=N"), or -1.
 */

static int
out_pid(const buf_t *b)
{
  const char *p = strstr(b->out, "pid=");

  return (p ? atoi(p + 4) : -1);
}


int
main(void)
{
  /* One stand-in (one kind of helper), its behaviour chosen by PG_X (its settings). */
  /* A stand-in cannot be a zygote: started as one, it exits (the pool then starts each helper itself). */
  static const char  copy[] = "[ -n \"$PG_CONVERT_ZYGOTE\" ] && exit 0; case $PG_X in "
                              "closes) exec 0<&- 1>&- 3>&-; sleep 60;; "
                              "early) head -c 10 >/dev/null; exec 0<&-; echo 'ok pages=2' >&3; echo \" pid=$$\";; "
                              "lost) echo 'sandbox: waiting' >&2; if [ -p /dev/stdin ]; then head -c 1 >/dev/null; kill -9 $$; fi; "
                              "cat; echo \" pid=$$\"; echo 'ok pages=1' >&3;; "
                              "always:*) echo 'sandbox: waiting' >&2; head -c 1 >/dev/null; echo got >> \"${PG_X#always:}\"; kill -9 $$;; "
                              "*) cat; echo \" pid=$$ x=$PG_X\"; echo 'ok pages=1' >&3;; esac";
  static const char *closes = copy, *early = copy;
  static buf_t       b;
  static pid_t       seen[MAX_PIDS], tree[MAX_PIDS], all[MAX_PIDS];
  gw_convert_result_t r;
  gw_convert_pool_t *pool;
  char               *big;
  int                nseen = 0, nall = 0, ntree, started, taken, dead;
  bool               distinct = true, reported = true, pooled = true, got_doc = true;

  signal(SIGPIPE, SIG_DFL);     /* The daemon ignores it; gwConvertRun() must not need that */

  TEST_BEGIN("a pool of 2: the first job of a kind starts its own helper");
  TEST_CHECK((pool = gwConvertPoolNew(2, NULL)) != NULL);
  TEST_CHECK(run(pool, copy, "one", "%PDF first", 10, 10, &b, &r));
  TEST_CHECK(!r.pooled && out_pid(&b) == r.helper_pid && !strncmp(b.out, "%PDF first", 10));
  seen[nseen ++] = r.helper_pid;
  TEST_CHECK(wait_ready(pool, 2));

  TEST_BEGIN("then 8 jobs in a row: each a waiting helper, each its own process, each gets its document");
  for (int i = 0; i < 8; i ++)
  {
    char doc[32];

    TEST_CHECK(wait_ready(pool, 2));
    helpers(tree, &ntree);
    for (int k = 0; k < ntree && nall < MAX_PIDS; k ++)
      all[nall ++] = tree[k];

    snprintf(doc, sizeof(doc), "%%PDF doc %d", i);
    TEST_CHECK(run(pool, copy, "one", doc, strlen(doc), 10, &b, &r));
    got_doc  = got_doc && !strncmp(b.out, doc, strlen(doc));
    pooled   = pooled && r.pooled;
    reported = reported && out_pid(&b) == r.helper_pid;
    for (int k = 0; k < nseen; k ++)
      distinct = distinct && seen[k] != r.helper_pid;
    seen[nseen ++] = r.helper_pid;
  }
  TEST_CHECKF(pooled, "every job took a waiting helper");
  TEST_CHECKF(got_doc, "every helper got its own document");
  TEST_CHECKF(reported, "the pid gwConvertRun() reports is the one that converted");
  TEST_CHECKF(distinct, "no two documents reached one helper");
  gwConvertPoolStats(pool, NULL, &started, &taken, &dead);
  TEST_CHECKF(taken == 8 && dead == 0, "taken %d, dead %d", taken, dead);

  TEST_BEGIN("a waiting helper killed with SIGKILL: skipped, the job converts by another, the death counted");
  {
    pid_t victims[MAX_PIDS];
    int   nv, nr;

    TEST_CHECK(wait_ready(pool, 2));
    nr = helpers(victims, &nv);
    TEST_CHECKF(nr == 2 && nv == 4, "2 reapers and 2 helpers wait (%d, %d)", nr, nv - nr);
    for (int k = 0; k < nr; k ++)
      TEST_CHECKF(is_reaper_program(victims[k]), "reaper %d runs printgate-reaper, not a copy of this process", (int)victims[k]);
    for (int k = nr; k < nv; k ++)
      kill(victims[k], SIGKILL);       /* Both helpers: the job must not get either */
    /* Before the job looks: the helpers dead, and their reapers, which end once their helper is dead */
    TEST_CHECKF(wait_gone(victims, nv) == 0, "the killed helpers and their reapers ended (%d left after 10 s)", alive(victims, nv));
    TEST_CHECK(run(pool, copy, "one", "%PDF after", 10, 10, &b, &r));
    TEST_CHECK(!strncmp(b.out, "%PDF after", 10) && out_pid(&b) == r.helper_pid);
    for (int k = nr; k < nv; k ++)
      TEST_CHECKF(r.helper_pid != victims[k], "not the killed helper %d", (int)victims[k]);
    gwConvertPoolStats(pool, NULL, NULL, NULL, &dead);
    TEST_CHECKF(dead == 2, "2 deaths counted (%d)", dead);
    TEST_CHECK(wait_ready(pool, 2));
    TEST_CHECK(run(pool, copy, "one", "%PDF again", 10, 10, &b, &r));
    TEST_CHECKF(r.pooled && !strncmp(b.out, "%PDF again", 10), "the replacements serve the next job");
  }

  TEST_BEGIN("a taken helper killed before it answers (stderr written, no output): the document goes to a fresh helper, once");
  {
    char        tmp[1024], count[1100], x[1200], line[16];
    FILE       *fp;
    int         gots = 0;

    TEST_CHECK(run(pool, copy, "lost", "%PDF lost0", 10, 10, &b, &r));      /* Learns the kind: not pooled, converts */
    TEST_CHECK(!r.pooled && r.ok);
    TEST_CHECK(wait_ready(pool, 2));
    TEST_CHECK(run(pool, copy, "lost", "%PDF lost1", 10, 10, &b, &r));
    TEST_CHECKF(r.ok && !r.pooled && !strncmp(b.out, "%PDF lost1", 10) && out_pid(&b) == r.helper_pid,
                "converted by a helper started for it (ok %d, pooled %d, %s)", r.ok, r.pooled, r.detail);

    TEST_CHECK(test_tempdir(tmp, sizeof(tmp)) != NULL);
    snprintf(count, sizeof(count), "%s/got", tmp);
    snprintf(x, sizeof(x), "always:%s", count);
    TEST_CHECK(!run(pool, copy, x, "%PDF bomb0", 10, 10, &b, &r));          /* Learns the kind: 1 try */
    TEST_CHECK(wait_ready(pool, 2));
    TEST_CHECK(!run(pool, copy, x, "%PDF bomb1", 10, 10, &b, &r));          /* Pooled, then once more */
    TEST_CHECKF(r.reason == GW_REASON_CONVERSION_CRASHED && r.signal == SIGKILL, "crashed by signal 9 (%s, %d)",
                gwReasonCode(r.reason), r.signal);
    if ((fp = fopen(count, "r")) != NULL)
    {
      while (fgets(line, sizeof(line), fp))
        gots ++;
      fclose(fp);
    }
    TEST_CHECKF(gots == 3, "3 helpers got a document: 1 for the first job, 2 for the second (%d)", gots);
    TEST_CHECK(run(pool, copy, "one", "%PDF back", 9, 10, &b, &r));         /* Back to the usual kind */
    TEST_CHECK(wait_ready(pool, 2));
    usleep(200000);
    test_rmtree(tmp);
  }

  TEST_BEGIN("other settings (a reload): a helper with the new settings; the old ones are stopped");
  {
    pid_t old[MAX_PIDS];
    int   nold, nr;

    TEST_CHECK(wait_ready(pool, 2));
    nr = helpers(old, &nold);
    TEST_CHECK(run(pool, copy, "two", "%PDF new", 8, 10, &b, &r));
    TEST_CHECKF(!r.pooled && strstr(b.out, "x=two"), "the first job of the new settings: its own helper");
    TEST_CHECK(wait_ready(pool, 2));
    TEST_CHECKF(wait_gone(old, nold) == 0, "the %d processes of the old settings are gone (%d left after 10 s)",
                nold, alive(old, nold));
    TEST_CHECK(run(pool, copy, "two", "%PDF new2", 9, 10, &b, &r));
    TEST_CHECKF(r.pooled && strstr(b.out, "x=two"), "then pooled, with x=two: %s", b.out);
    (void)nr;
  }

  TEST_BEGIN("waiting helpers that close their pipes: skipped; a fresh one closes them too and times out, nothing left");
  {
    int64_t t0;
    int     dead2;

    TEST_CHECK(!run(pool, closes, "closes", "%PDF x", 6, 2, &b, &r));    /* Learns the kind */
    TEST_CHECK(r.reason == GW_REASON_CONVERSION_TIMEOUT);
    usleep(300000);
    gwConvertPoolStats(pool, NULL, NULL, NULL, &dead);
    t0 = (int64_t)time(NULL);
    TEST_CHECK(!run(pool, closes, "closes", "%PDF y", 6, 2, &b, &r));
    TEST_CHECKF(r.reason == GW_REASON_CONVERSION_TIMEOUT, "reason %s", gwReasonCode(r.reason));
    TEST_CHECK((int64_t)time(NULL) - t0 <= 6);
    gwConvertPoolStats(pool, NULL, NULL, NULL, &dead2);
    TEST_CHECKF(dead2 > dead, "the closed helpers were found dead (%d before, %d after)", dead, dead2);
  }

  TEST_BEGIN("a taken helper that closes fd 0 early (4 MB document): no SIGPIPE, its answer counts");
  big = malloc(4 * 1024 * 1024);
  TEST_CHECK(big != NULL);
  memset(big, 'x', 4 * 1024 * 1024);
  memcpy(big, "%PDF-1.4", 8);
  TEST_CHECK(run(pool, early, "early", big, 4 * 1024 * 1024, 10, &b, &r));         /* Learns the kind */
  TEST_CHECK(wait_ready(pool, 2));
  TEST_CHECK(run(pool, early, "early", big, 4 * 1024 * 1024, 10, &b, &r));
  TEST_CHECKF(r.ok && r.pooled && r.pages == 2, "ok %d pooled %d pages %d", r.ok, r.pooled, r.pages);
  free(big);

  TEST_BEGIN("ConversionDir is checked at every job: opened to others, a waiting helper is not taken");
  {
    char tmp[1024], parent[1100];

    TEST_CHECK(test_tempdir(tmp, sizeof(tmp)) != NULL);
    snprintf(parent, sizeof(parent), "%s/conv", tmp);
    TEST_CHECK(mkdir(parent, 0700) == 0);
    test_parent = parent;
    TEST_CHECK(run(pool, copy, "dir", "%PDF d1", 7, 10, &b, &r));          /* Learns the new folder */
    TEST_CHECK(wait_ready(pool, 2));
    TEST_CHECK(run(pool, copy, "dir", "%PDF d2", 7, 10, &b, &r));
    TEST_CHECKF(r.ok && r.pooled, "with the folder as it should be: pooled (%d)", r.pooled);
    TEST_CHECK(wait_ready(pool, 2));
    TEST_CHECK(chmod(parent, 0777) == 0);
    TEST_CHECK(!run(pool, copy, "dir", "%PDF d3", 7, 10, &b, &r));
    TEST_CHECKF(!r.pooled && r.reason == GW_REASON_INTERNAL, "refused, not pooled (%d, %s)", r.pooled, r.detail);
    TEST_CHECK(chmod(parent, 0700) == 0);
    TEST_CHECK(run(pool, copy, "dir", "%PDF d4", 7, 10, &b, &r));
    TEST_CHECKF(r.ok && r.pooled, "fixed: pooled again (%d)", r.pooled);
    test_parent = NULL;
    TEST_CHECK(run(pool, copy, "two", "%PDF d5", 7, 10, &b, &r));          /* Back to no folder */
    TEST_CHECK(wait_ready(pool, 2));
    usleep(200000);
    test_rmtree(tmp);
  }

  TEST_BEGIN("size 0: nothing waits, jobs start their own helpers");
  gwConvertPoolSetSize(pool, 0);
  TEST_CHECK(wait_ready(pool, 0));
  ntree = wait_no_helpers();
  TEST_CHECKF(ntree == 0, "no process left of the pool (%d after 10 s)", ntree);
  TEST_CHECK(run(pool, copy, "two", "%PDF z", 6, 10, &b, &r));
  TEST_CHECK(r.ok && !r.pooled);

  TEST_BEGIN("size 2 again, then the pool is deleted: every reaper and helper it had is gone");
  gwConvertPoolSetSize(pool, 2);
  TEST_CHECK(run(pool, copy, "two", "%PDF w", 6, 10, &b, &r));
  TEST_CHECK(wait_ready(pool, 2));
  {
    int n, nr = helpers(tree, &n);

    TEST_CHECKF(nr == 2 && n == 4 && alive(tree, n) == 4, "2 reapers and 2 helpers wait (%d of %d)", nr, n);
    for (int k = 0; k < n && nall < MAX_PIDS; k ++)
      all[nall ++] = tree[k];
  }
  gwConvertPoolDelete(&pool);
  TEST_CHECK(pool == NULL);
  TEST_CHECKF(alive(all, nall) == 0, "of %d pids seen, %d still run", nall, alive(all, nall));
  helpers(tree, &ntree);
  TEST_CHECK(ntree == 0);

  TEST_EXIT();
}
