/*
 * bench-policy.c - what the print policy costs per submission and per
 *                  release, with N rules (default 100) and with none, in
 *                  one run (tests/bench/policy-bench.sh compares it with
 *                  the release latency of release-latency.sh).
 *
 * Usage: bench-policy [-n ITERATIONS] [-r RULES]
 *        bench-policy -p RULES     (print the rule file and exit)
 *
 * A real gateway core (store, no listener use) in a fresh folder, with a
 * guest user in 2 of 10 local groups, a tagged printer, a usage history
 * of 1,000 releases over 40 days, and RULES rules of every
 * condition kind of which the last three match (mono for a group, quotas
 * for the guest's role, a watermark at the tagged printer): so every rule
 * is looked at and the quotas are summed.  It times the very hooks the
 * core runs:
 *
 *   decision    the owner, the groups and the evaluation at submission
 *   submission  _gwPolicySubmit(): the decision and, when the rules
 *               change the job, the job row's update (one store commit)
 *   release     _gwPolicyReleaseBegin() + _gwPolicyReleaseJob() +
 *               _gwPolicyReleaseEnd(): owner and printer facts, the
 *               evaluation, the quota sums and the job's quota hold (as
 *               for a job that did not print: the usage row a printed
 *               job adds is one store commit, measured apart by
 *               policy-bench.sh through a real release)
 *
 * and prints the mean, median and 99th percentile in microseconds.
 */

#include "policy-private.h"
#include "printgate/clock.h"
#include "printgate/store.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


/*
 * 'remove_entry()' - nftw() callback: remove one file or folder.
 */

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  return (remove(path));
}


/*
 * 'cmp_double()' - qsort() order.
 */

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x < y ? -1 : x > y);
}


/*
 * 'report()' - Mean, median and p99 of n samples (ms) in microseconds.
 */

static void
report(const char *what, int rules, double *ms, int n)
{
  double sum = 0.0;

  for (int i = 0; i < n; i ++)
    sum += ms[i];
  qsort(ms, (size_t)n, sizeof(double), cmp_double);
  printf("%-10s %4d rules: mean %7.1f us  p50 %7.1f us  p99 %7.1f us  (%d runs)\n", what, rules, 1000.0 * sum / n, 1000.0 * ms[n / 2], 1000.0 * ms[n * 99 / 100], n);
}


/*
 * 'rule_text()' - RULES rules: non-matching ones of every kind, then the
 *                 three that match.
 */

static char *
rule_text(int count)
{
  size_t size = (size_t)count * 200 + 1, len = 0;
  char  *text = malloc(size);
  if (!text)
    return (NULL);

  for (int i = 0; i < count - 3 && i < count; i ++)
  {
    int k = i % 50 + 10;

    switch (i % 8)
    {
      case 0 : len += (size_t)snprintf(text + len, size - len, "r%d user=someone%d,other%d => refuse=\"Not you.\"\n", i, k, i); break;
      case 1 : len += (size_t)snprintf(text + len, size - len, "r%d group=nogroup%d => mono\n", i, k); break;
      case 2 : len += (size_t)snprintf(text + len, size - len, "r%d role=admin intake=mail%d => allow\n", i, k); break;
      case 3 : len += (size_t)snprintf(text + len, size - len, "r%d format=jpeg%d size=50M- => refuse\n", i, k); break;
      case 4 : len += (size_t)snprintf(text + len, size - len, "r%d pages=%d000- => max-pages=100\n", i, k); break;
      case 5 : len += (size_t)snprintf(text + len, size - len, "r%d printer=far%d tag=colour location=Basement* => duplex\n", i, k); break;
      case 6 : len += (size_t)snprintf(text + len, size - len, "r%d time=03:00-03:%02d days=sun => refuse=\"Maintenance.\"\n", i, k); break;
      default : len += (size_t)snprintf(text + len, size - len, "r%d colour-pages=%d00- at=release => refuse=\"Too much colour.\"\n", i, k); break;
    }
  }
  if (count >= 3)
    len += (size_t)snprintf(text + len, size - len, "%s",
                            "mono group=g7 => mono\n"
                            "quota role=guest => quota-pages=100000/day quota-colour=100000/week\n"
                            "lab tag=t3 => watermark\n");

  return (text);
}


/*
 * 'setup()' - The gateway, its user, groups, printer, usage and job.
 */

static gw_system_t *
setup(const char *dir, gw_user_t *user, gw_printer_t *printer, gw_job_t *job)
{
  char         conf[512], err[512];
  const char  *error = NULL;
  gw_config_t *c;
  gw_system_t *sys;
  gw_store_t  *st;
  FILE        *fp;
  int64_t      id, now = time(NULL);

  snprintf(conf, sizeof(conf), "%s/printgate.conf", dir);
  if ((fp = fopen(conf, "w")) == NULL)
    return (NULL);
  fprintf(fp, "StateDir %s/state\nListenAddress 127.0.0.1\nListenPort 0\nLogFile %s/log\nOfficeWorkers 0\nConversionDir %s/conv\n", dir, dir, dir);
  fclose(fp);
  snprintf(err, sizeof(err), "%s/state", dir);
  mkdir(err, 0700);
  snprintf(err, sizeof(err), "%s/conv", dir);
  mkdir(err, 0700);

  if ((c = gwConfigLoad(conf, err, sizeof(err))) == NULL || (sys = gwSystemNew(c, true, &error)) == NULL)
  {
    fprintf(stderr, "bench-policy: %s\n", c ? (error ? error : "no gateway") : err);
    return (NULL);
  }
  st = gwSystemGetStore(sys);

  if (!gwStoreUserAdd(st, GW_DEFAULT_TENANT, "bench", "Bench", GW_ROLE_GUEST, NULL, false, &id, &error) || !gwStoreUserGet(st, GW_DEFAULT_TENANT, id, user))
    return (NULL);
  for (int g = 0; g < 10; g ++)
  {
    char name[16];

    snprintf(name, sizeof(name), "g%d", g);
    gwStoreGroupAdd(st, GW_DEFAULT_TENANT, name, &error);
    if (g == 3 || g == 7)
      gwStoreGroupMember(st, GW_DEFAULT_TENANT, name, user->id, true, &error);
  }
  if (!gwStorePrinterAdd(st, GW_DEFAULT_TENANT, "bench", "ipp://127.0.0.1:9/ipp/print", "Floor 2", &error) ||
      !gwStorePrinterFind(st, GW_DEFAULT_TENANT, "bench", printer) || !gwStorePrinterTagsSet(st, GW_DEFAULT_TENANT, "bench", "t1,t3,colour"))
    return (NULL);
  for (int i = 0; i < 1000; i ++)        /* 1,000 releases over the last 40 days */
    gwStoreQuotaAdd(st, GW_DEFAULT_TENANT, user->id, _gwPolicyPeriodStart(GW_POLICY_DAY, now - i * 3456), 10, 2);

  memset(job, 0, sizeof(*job));
  gwUUIDNew(job->id);
  job->tenant      = GW_DEFAULT_TENANT;
  job->user_id     = user->id;
  job->state       = GW_JOB_STATE_RECEIVING;
  job->copies      = 1;
  job->pages       = 10;
  job->color_pages = 3;
  job->size        = 200000;
  job->created     = job->updated = now;
  snprintf(job->owner, sizeof(job->owner), "bench");
  snprintf(job->name, sizeof(job->name), "bench.pdf");
  snprintf(job->origin, sizeof(job->origin), "web");
  snprintf(job->sides, sizeof(job->sides), "one-sided");
  snprintf(job->color_mode, sizeof(job->color_mode), "auto");
  snprintf(job->format, sizeof(job->format), "application/pdf");
  if (!gwStoreJobCreate(st, job, "bench", "bench", &error) ||
      !gwStoreJobTransition(st, GW_DEFAULT_TENANT, job->id, GW_JOB_STATE_RECEIVING, GW_JOB_STATE_CONVERTING, GW_REASON_NONE, "", -1, NULL, "bench", "bench", "job.convert", &error))
  {
    fprintf(stderr, "bench-policy: %s\n", error ? error : "no job");
    return (NULL);
  }

  return (sys);
}


/*
 * 'run()' - Time n submissions and n releases with the current rules.
 */

static bool
run(gw_system_t *sys, const gw_user_t *user, const gw_printer_t *printer, const gw_job_t *job, int rules, int n, double *ms)
{
  gw_policy_decision_t d;
  gw_release_t         rel;
  gw_release_result_t  result;
  _gw_policy_release_t pr;
  gw_config_t          jc;

  /* The decision alone: the owner's facts and the evaluation (what every submission pays). */
  for (int i = 0; i < n; i ++)
  {
    _gw_policy_facts_store_t fs;
    gw_user_t                owner;
    double                   t0 = gwClockMs();

    if (!gwStoreUserGet(gwSystemGetStore(sys), GW_DEFAULT_TENANT, job->user_id, &owner))
      return (false);
    _gwPolicyFacts(sys, GW_DEFAULT_TENANT, &owner, NULL, &fs);
    _gwPolicyFactsJob(&fs.f, GW_POLICY_SUBMIT, job, "pdf", job->size, job->pages, job->color_pages);
    _gwPolicyDecide(sys, GW_DEFAULT_TENANT, owner.id, &fs.f, false, &d);
    ms[i] = gwClockMs() - t0;
  }
  report("decision", rules, ms, n);

  /* The whole hook: with rules that change the job, one more store write (the job row). */
  for (int i = 0; i < n; i ++)
  {
    double t0 = gwClockMs();

    if (!_gwPolicySubmit(sys, job, "pdf", job->size, job->pages, job->color_pages, &d))
    {
      fprintf(stderr, "bench-policy: submission refused: %s\n", d.text);
      return (false);
    }
    ms[i] = gwClockMs() - t0;
  }
  report("submission", rules, ms, n);

  memset(&rel, 0, sizeof(rel));
  memset(&jc, 0, sizeof(jc));
  rel.printer = printer->name;
  rel.actor   = "bench";
  rel.source  = "bench";
  for (int i = 0; i < n; i ++)
  {
    gw_user_t who = *user;
    gw_job_t  copy = *job;
    double    t0 = gwClockMs();

    memset(&result, 0, sizeof(result));
    if (!_gwPolicyReleaseBegin(sys, GW_DEFAULT_TENANT, &rel, printer, &who, &pr, &result) || !_gwPolicyReleaseJob(sys, &pr, &rel, &copy, &jc, &result))
    {
      fprintf(stderr, "bench-policy: release refused: %s\n", result.text);
      return (false);
    }
    _gwPolicyReleaseEnd(sys, &pr, &copy, false);
    ms[i] = gwClockMs() - t0;
    if (i == 0 && rules >= 3 && (strcmp(copy.color_mode, "monochrome") || !jc.watermark))
    {
      fprintf(stderr, "bench-policy: the matching rules did not apply\n");
      return (false);
    }
  }
  report("release", rules, ms, n);

  return (true);
}


int
main(int argc, char *argv[])
{
  int          n = 2000, count = 100;
  char         dir[] = "/tmp/pgbench-policy.XXXXXX";
  gw_user_t    user;
  gw_printer_t printer;
  gw_job_t     job;
  gw_system_t *sys;
  gw_actor_t   admin = { GW_DEFAULT_TENANT, "bench", GW_ROLE_ADMIN, "bench", "cli" };
  double      *ms;
  char        *text = NULL;
  const char  *error = NULL;
  int          loaded = 0, line = 0;
  bool         ok;

  if (argc == 3 && !strcmp(argv[1], "-p") && (text = rule_text((int)strtol(argv[2], NULL, 10))) != NULL)
  {
    fputs(text, stdout);
    free(text);
    return (0);
  }

  for (int i = 1; i + 1 < argc; i += 2)
  {
    long v = strtol(argv[i + 1], NULL, 10);

    if (!strcmp(argv[i], "-n") && v > 0 && v <= 1000000)
      n = (int)v;
    else if (!strcmp(argv[i], "-r") && v >= 3 && v <= GW_POLICY_RULES_MAX)
      count = (int)v;
  }

  if (!mkdtemp(dir) || (ms = calloc((size_t)n, sizeof(double))) == NULL || (sys = setup(dir, &user, &printer, &job)) == NULL)
  {
    fprintf(stderr, "bench-policy: setup failed\n");
    return (1);
  }

  /* No rules first (the hooks' fixed cost), then the rule set. */
  ok = run(sys, &user, &printer, &job, 0, n, ms);
  if (ok && (text = rule_text(count)) != NULL)
  {
    ok = gwApiRuleLoad(sys, &admin, text, strlen(text), &loaded, &line, &error) && loaded == count;
    if (!ok)
      fprintf(stderr, "bench-policy: rules refused at line %d: %s\n", line, error ? error : "?");
    free(text);
    ok = ok && run(sys, &user, &printer, &job, count, n, ms);
  }

  gwSystemDelete(&sys);
  free(ms);
  if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS))
    fprintf(stderr, "bench-policy: could not remove %s\n", dir);

  return (ok ? 0 : 1);
}
