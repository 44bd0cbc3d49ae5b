/*
 * test-convert-run.c - the daemon side of a conversion (gwConvertRun())
 * against small shell scripts standing in for printgate-convert: output and
 * result line, failure reasons, the wall-clock timeout, a crash, an output
 * over the limit, a failing write, the child's signal mask and descriptors,
 * its priority (nice and SCHED_BATCH when the job asks for a nice value).
 *
 * Then helpers that try to outlive the timeout (issue 8, defect 3), played
 * by this program itself (--stand-in MODE PIDFILE): one that closes its
 * descriptors 1-3 and sleeps, one that leaves its process group, one whose
 * child calls setsid() (with and without holding the pipes, with a
 * grandchild).  Each writes the pid of every process it makes to PIDFILE;
 * after gwConvertRun() returns within the timeout, none of them may be
 * alive.  Last, ConversionDir must belong to the daemon's user and be
 * writable by nobody else (defect 7).
 */

#include "test.h"
#include "convert-buf.h"
#include "printgate/clock.h"
#include "printgate/config.h"

#include <printgate/convert.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS 16
#define ALIVE_GRACE_MS 2000             /* For a killed stand-in to exit on a busy machine */

static int run_nice = 0;                /* cj.nice of the next run() */

/*
 * 'run()' - Run SCRIPT (a /bin/sh program) as the helper.
 */

static bool
run(const char *script, const char *input, int timeout, int64_t max_output, buf_t *b, gw_convert_result_t *r)
{
  const char      *argv[] = { "/bin/sh", "-c", script, "printgate-convert", NULL };
  const char      *envp[] = { "PATH=/usr/bin:/bin", NULL };
  gw_convert_job_t cj;

  buf_job(&cj, b, argv, envp, input, strlen(input), timeout, max_output);
  cj.nice = run_nice;
  return (gwConvertRun(&cj, r));
}



/*
 * 'record_pid()' - Append our pid to the stand-in's pid file.
 */

static void
record_pid(const char *file)
{
  int  fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  char line[32];
  int  len = snprintf(line, sizeof(line), "%d\n", (int)getpid());

  if (fd >= 0)
  {
    if (write(fd, line, (size_t)len) != len)
      _exit(99);
    close(fd);
  }
}


/*
 * 'stand_in()' - Play a helper that tries to outlive its conversion.
 *
 *   close-sleep     close 1-3, sleep 60 s (no CPU used: no CPU limit)
 *   leave-group     a child makes a new process group, the helper joins it
 *                   (a group leader cannot leave by setpgid(0,0): that is a
 *                   no-op), both close 1-3 and sleep
 *   setsid-child    report ok and exit; a child called setsid(), closed its
 *                   pipes and sleeps, and so does a grandchild it started
 *   setsid-holds    exit without a result; a setsid() child keeps stdout
 *                   and fd 3 open and sleeps
 *   stop-reaper     clear its parent-death signal, SIGSTOP its reaper,
 *                   close 1-3, sleep
 *   kill-reaper     the same with SIGKILL
 */

static int
stand_in(const char *mode, const char *file)
{
  int   sync[2];
  pid_t child;
  char  c;

  record_pid(file);

  if (!strcmp(mode, "close-sleep"))
  {
    close(1); close(2); close(3);
    sleep(60);
    return (0);
  }

  if (!strcmp(mode, "stop-reaper") || !strcmp(mode, "kill-reaper"))
  {
    /*
     * Turn on the reaper (same uid here; the real helper's seccomp filter
     * lets it signal only itself), with no parent-death signal left.  The
     * code before the reaper had none: the parent was the test itself,
     * which is spared (PG_TEST_DAEMON), so this is close-sleep there.
     */

    const char *daemon = getenv("PG_TEST_DAEMON");

    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    if (!daemon || strtol(daemon, NULL, 10) != (long)getppid())
      kill(getppid(), mode[0] == 's' ? SIGSTOP : SIGKILL);
    close(1); close(2); close(3);
    sleep(60);
    return (0);
  }

  if (pipe(sync))
    return (2);

  if (!strcmp(mode, "leave-group"))
  {
    if ((child = fork()) == 0)
    {
      setpgid(0, 0);
      record_pid(file);
      close(1); close(2); close(3);
      if (write(sync[1], "x", 1) != 1)
        _exit(2);
      sleep(60);
      _exit(0);
    }
    if (child < 0 || read(sync[0], &c, 1) != 1 || setpgid(0, child))
      return (2);
    close(1); close(2); close(3);
    sleep(60);
    return (0);
  }

  if (!strcmp(mode, "setsid-child") || !strcmp(mode, "setsid-holds"))
  {
    bool holds = !strcmp(mode, "setsid-holds");

    if ((child = fork()) == 0)
    {
      if (setsid() < 0)
        _exit(2);
      record_pid(file);
      if (!holds)
      {
        close(0); close(1); close(2); close(3);
        if (fork() == 0)
        {
          record_pid(file);
          if (write(sync[1], "x", 1) != 1)
            _exit(2);
          sleep(60);
          _exit(0);
        }
      }
      if (write(sync[1], "x", 1) != 1)
        _exit(2);
      sleep(60);
      _exit(0);
    }
    if (child < 0 || read(sync[0], &c, 1) != 1 || (!holds && read(sync[0], &c, 1) != 1))
      return (2);
    if (!holds && write(3, "ok pages=1\n", 11) != 11)
      return (2);
    return (0);                        /* Without waiting for the child */
  }

  return (2);
}


/*
 * 'read_pids()' - The pids a stand-in recorded.
 */

static int
read_pids(const char *file, pid_t *pids, int max)
{
  FILE *fp = fopen(file, "r");
  int   n = 0, pid;

  if (!fp)
    return (0);
  while (n < max && fscanf(fp, "%d", &pid) == 1)
    pids[n ++] = (pid_t)pid;
  fclose(fp);
  return (n);
}


/*
 * 'is_alive()' - Does the process exist and is it not a zombie?  (A process
 *                whose reaper was killed is reparented to init, which may
 *                take a moment to reap it: dead, but kill(pid, 0) works.)
 */

static bool
is_alive(pid_t pid)
{
  char  path[64], line[512], *paren;
  FILE *fp;
  bool  zombie = false;

  if (kill(pid, 0) && errno == ESRCH)
    return (false);

  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  if ((fp = fopen(path, "r")) != NULL)
  {
    if (fgets(line, sizeof(line), fp) && (paren = strrchr(line, ')')) != NULL)
      zombie = paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
    fclose(fp);
  }
  return (!zombie);
}


/*
 * 'alive_after()' - How many of the pids are still alive grace_ms after now
 *                   (kill(pid, 0) does not fail with ESRCH and the process
 *                   is not a zombie).  Survivors are killed, so the old
 *                   code leaves nothing behind either.
 */

static int
alive_after(const pid_t *pids, int n, int grace_ms)
{
  long long end = (long long)gwClockMs() + grace_ms;
  int       alive;

  do
  {
    alive = 0;
    for (int i = 0; i < n; i ++)
    {
      if (is_alive(pids[i]))
        alive ++;
    }
    if (alive)
      usleep(20000);
  }
  while (alive && (long long)gwClockMs() < end);

  for (int i = 0; i < n && alive; i ++)
  {
    if (is_alive(pids[i]))
    {
      printf("  (pid %d is still alive: killed now)\n", (int)pids[i]);
      kill(pids[i], SIGKILL);
    }
  }
  return (alive);
}


/*
 * 'run_stand_in_tag()' - Convert with this program as the helper in MODE
 *                        (TAG keeps parallel runs' pid files apart).
 *                        Returns the milliseconds gwConvertRun() took and
 *                        the pids the stand-in made.
 */

static long long
run_stand_in_tag(const char *self, const char *mode, const char *tag, const char *dir, int timeout, gw_convert_result_t *r,
                 pid_t *pids, int *npids)
{
  buf_t           *bp = calloc(1, sizeof(buf_t));
  char             file[1100];
  const char      *argv[5];
  char             daemon[64];
  const char      *envp[] = { "PATH=/usr/bin:/bin", daemon, NULL };
  gw_convert_job_t cj;
  long long        start;

  snprintf(daemon, sizeof(daemon), "PG_TEST_DAEMON=%d", (int)getpid());
  snprintf(file, sizeof(file), "%s/%s%s.pids", dir, mode, tag);
  unlink(file);
  argv[0] = self; argv[1] = "--stand-in"; argv[2] = mode; argv[3] = file; argv[4] = NULL;

  if (!bp)
    return (-1);
  bp->in = "x"; bp->inlen = 1;
  memset(&cj, 0, sizeof(cj));
  cj.helper     = self;
  cj.argv       = argv;
  cj.envp       = envp;
  cj.timeout    = timeout;
  cj.max_output = 1000;
  cj.read       = read_cb;
  cj.read_ctx   = bp;
  cj.write      = write_cb;
  cj.write_ctx  = bp;

  start = (long long)gwClockMs();
  gwConvertRun(&cj, r);
  start = (long long)gwClockMs() - start;
  free(bp);
  *npids = read_pids(file, pids, MAX_PIDS);
  printf("  (%s%s: %lld ms, %d process(es), %s, signal %d)\n", mode, tag, start, *npids, gwReasonCode(r->reason), r->signal);
  return (start);
}


/*
 * 'run_reaped()' - The same, untagged, checking that want_pids processes
 *                  ran and that none is left (ALIVE_GRACE_MS for the
 *                  killed ones to exit; the sleepers would live 60 s).
 */

static long long
run_reaped(const char *self, const char *mode, const char *dir, int timeout, gw_convert_result_t *r, int want_pids)
{
  pid_t     pids[MAX_PIDS];
  int       npids;
  long long ms = run_stand_in_tag(self, mode, "", dir, timeout, r, pids, &npids);

  TEST_CHECKF(npids == want_pids, "%s: %d process(es), want %d", mode, npids, want_pids);
  TEST_CHECK(alive_after(pids, npids, ALIVE_GRACE_MS) == 0);

  return (ms);
}


/*
 * Helpers that try to outlive the conversion, and what must come of each.
 * The stand-ins are this program (under ASan, slow to start on a busy
 * machine), so the times leave a wide margin: one killed at its 2 s
 * timeout would otherwise sleep 60 s, and the setsid cases, which end
 * when the helper exits (under 0.3 s), would otherwise end at their 10 s
 * timeout.
 */

typedef struct outlive_s
{
  const char *what;                     /* Test name */
  const char *mode;                     /* Stand-in mode */
  int         timeout;                  /* Seconds */
  int         npids;                    /* Processes it makes, all reaped */
  int         min_ms, max_ms;           /* How long the conversion takes */
  bool        ok;                       /* Converted (1 page)? */
  int         timed_out;                /* 1, 0, or -1 for either */
  int         reason;                   /* gw_reason_t, or -1 for any */
} outlive_t;

static const outlive_t outlive[] =
{
  { "a helper that closes its descriptors and sleeps is killed at the timeout",
    "close-sleep", 2, 1, 1900, 6000, false, 1, GW_REASON_CONVERSION_TIMEOUT },
  { "a helper that leaves its process group is killed at the timeout",
    "leave-group", 2, 2, 1900, 6000, false, 1, GW_REASON_CONVERSION_TIMEOUT },
  { "a child (and grandchild) in a session of its own does not outlive the conversion",
    "setsid-child", 10, 3, 0, 5000, true, -1, -1 },
  { "a child in a session of its own that holds the pipes does not hold the conversion",
    "setsid-holds", 10, 2, 0, 5000, false, 0, GW_REASON_INTERNAL },
  { "a helper that stops its reaper is still killed at the timeout",
    "stop-reaper", 2, 1, 1900, 6000, false, 1, GW_REASON_CONVERSION_TIMEOUT },
  { "a helper that kills its reaper does not outlive the conversion",
    "kill-reaper", 2, 1, 0, 6000, false, -1, -1 }
};


typedef struct parallel_s              /* One of the parallel stand-in runs */
{
  const char          *self, *mode, *dir;
  char                 tag[8];
  gw_convert_result_t  r;
  long long            ms;
  pid_t                pids[MAX_PIDS];
  int                  npids;
} parallel_t;

/*
 * 'parallel_main()' - A thread: one stand-in run.
 */

static void *
parallel_main(void *data)
{
  parallel_t *p = (parallel_t *)data;

  p->ms = run_stand_in_tag(p->self, p->mode, p->tag, p->dir, 2, &p->r, p->pids, &p->npids);
  return (NULL);
}


/*
 * 'long_conversion()' - A thread: a conversion of 6 s, started 100 ms late.
 */

static void *
long_conversion(void *data)
{
  static buf_t        lb;
  gw_convert_result_t lr;

  (void)data;
  usleep(100000);
  run("sleep 6; echo 'ok pages=1' >&3", "x", 10, 1000, &lb, &lr);
  return (NULL);
}


int
main(int argc, char *argv[])
{
  static buf_t        b;
  gw_convert_result_t r;
  time_t              start;
  sigset_t            block;
  int                 leak;
  char                self[1024], tmp[1024];
  ssize_t             len;
  long long           ms;

  if (argc == 4 && !strcmp(argv[1], "--stand-in"))
    return (stand_in(argv[2], argv[3]));

  if ((len = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
    return (1);
  self[len] = '\0';
  if (!test_tempdir(tmp, sizeof(tmp)))
    return (1);

  TEST_BEGIN("printgate-reaper started by hand (not by the daemon): refused, exit 127");
  {
    char reaper[1200], cmd[1400];

    TEST_CHECK(gwConfigHelperPath("printgate-reaper", reaper, sizeof(reaper)));
    snprintf(cmd, sizeof(cmd), "'%s' 2>/dev/null", reaper);
    TEST_CHECKF(WEXITSTATUS(system(cmd)) == 127, "no arguments");
    snprintf(cmd, sizeof(cmd), "'%s' 1 9 0 0 0 /bin/true true 2>/dev/null", reaper);
    TEST_CHECKF(WEXITSTATUS(system(cmd)) == 127, "nine descriptors (at most 4)");
    snprintf(cmd, sizeof(cmd), "'%s' %d 0 0 0 0 /bin/true true 2>/dev/null", reaper, (int)getppid());
    TEST_CHECKF(WEXITSTATUS(system(cmd)) == 127, "a daemon pid that is not its parent");
  }

  TEST_BEGIN("a helper that converts (here: copies) and reports ok");
  TEST_CHECK(run("cat; echo 'ok pages=3 color_pages=1' >&3", "%PDF-1.4 hello", 10, 1000000, &b, &r));
  TEST_CHECK(r.ok && r.pages == 3 && r.color_pages == 1);
  TEST_CHECK(b.outlen == 14 && !memcmp(b.out, "%PDF-1.4 hello", 14));
  TEST_CHECK(r.output_size == 14);

  TEST_BEGIN("a conversion below intake: nice and SCHED_BATCH (policy 3) for the helper and its children");
  {
    int  own = getpriority(PRIO_PROCESS, 0);    /* Under `nice` the control is that, not 0 */
    char want[32];

    run_nice = 10;
    snprintf(want, sizeof(want), "%d 3", own > 10 && geteuid() ? own : 10);
    TEST_CHECK(run("cat >/dev/null; awk '{ printf \"%s %s\", $19, $41 }' /proc/self/stat; echo 'ok pages=1' >&3", "x", 10, 1000, &b, &r));
    TEST_CHECKF(b.outlen == strlen(want) && !memcmp(b.out, want, b.outlen), "nice and policy \"%.*s\", want \"%s\"", (int)b.outlen, b.out, want);
    run_nice = 0;
    snprintf(want, sizeof(want), "%d 0", own);
    TEST_CHECK(run("cat >/dev/null; awk '{ printf \"%s %s\", $19, $41 }' /proc/self/stat; echo 'ok pages=1' >&3", "x", 10, 1000, &b, &r));
    TEST_CHECKF(b.outlen == strlen(want) && !memcmp(b.out, want, b.outlen), "control: nice and policy \"%.*s\", want \"%s\"", (int)b.outlen, b.out, want);
  }

  TEST_BEGIN("the input is a seekable memfd (gs needs to seek in a PDF)");
  TEST_CHECK(run("tail -c 5; echo 'ok pages=1' >&3", "0123456789", 10, 1000, &b, &r));
  TEST_CHECK(b.outlen == 5 && !memcmp(b.out, "56789", 5));

  TEST_BEGIN("a refusal carries its reason and detail");
  TEST_CHECK(!run("echo 'fail reason=corrupt-document detail=xref table damaged' >&3; exit 1", "x", 10, 1000, &b, &r));
  TEST_CHECK(r.reason == GW_REASON_CORRUPT_DOCUMENT);
  TEST_CHECK(!strcmp(r.detail, "xref table damaged"));

  TEST_BEGIN("ok on fd 3 but a non-zero exit is not ok");
  TEST_CHECK(!run("echo 'ok pages=1' >&3; exit 3", "x", 10, 1000, &b, &r));
  TEST_CHECK(r.exit_status == 3);

  TEST_BEGIN("no result line");
  TEST_CHECK(!run("cat >/dev/null", "x", 10, 1000, &b, &r));
  TEST_CHECK(r.reason == GW_REASON_INTERNAL);

  TEST_BEGIN("a garbage result line");
  TEST_CHECK(!run("echo 'ok pages=-4' >&3", "x", 10, 1000, &b, &r));
  TEST_CHECK(!run("echo 'maybe' >&3", "x", 10, 1000, &b, &r));

  TEST_BEGIN("the wall-clock timeout kills a hanging helper");
  start = time(NULL);
  TEST_CHECK(!run("exec sleep 30", "x", 1, 1000, &b, &r));
  TEST_CHECK(r.timed_out && r.signal == SIGKILL && r.reason == GW_REASON_CONVERSION_TIMEOUT);
  TEST_CHECKF(time(NULL) - start <= 5, "took %ld s", (long)(time(NULL) - start));

  TEST_BEGIN("a crash fails only this conversion, with a reason");
  TEST_CHECK(!run("kill -SEGV $$", "x", 10, 1000, &b, &r));
  TEST_CHECK(r.signal == SIGSEGV && r.reason == GW_REASON_CONVERSION_CRASHED);

  TEST_BEGIN("output over the limit is cut off");
  TEST_CHECK(!run("head -c 200000 /dev/zero; echo 'ok pages=1' >&3", "x", 10, 1000, &b, &r));
  TEST_CHECK(r.reason == GW_REASON_TOO_LARGE);

  TEST_BEGIN("a failing write (spool full) stops the helper");
  b.fail_write = true;
  {
    const char      *wargv[] = { "/bin/sh", "-c", "yes; echo 'ok pages=1' >&3", "printgate-convert", NULL };
    gw_convert_job_t cj;

    memset(&cj, 0, sizeof(cj));
    b.in = "x"; b.inlen = 1; b.inpos = 0;
    cj.helper = "/bin/sh"; cj.argv = wargv; cj.timeout = 10; cj.max_output = 1 << 30;
    cj.read = read_cb; cj.read_ctx = &b; cj.write = write_cb; cj.write_ctx = &b;
    TEST_CHECK(!gwConvertRun(&cj, &r));
    TEST_CHECK(r.signal == SIGKILL && !r.timed_out);
  }

  TEST_BEGIN("the child starts with no blocked signals (the daemon blocks SIGTERM)");
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigprocmask(SIG_BLOCK, &block, NULL);
  TEST_CHECK(!run("kill -TERM $$; sleep 5; echo 'ok pages=1' >&3", "x", 10, 1000, &b, &r));
  TEST_CHECK(r.signal == SIGTERM);
  sigprocmask(SIG_UNBLOCK, &block, NULL);

  TEST_BEGIN("no descriptor of the daemon leaks into the helper");
  int spare = open("/dev/null", O_RDONLY);
  leak = open("/dev/null", O_RDONLY);   /* Deliberately without O_CLOEXEC */
  TEST_CHECK(leak >= 4);
  TEST_CHECK(run("ls /proc/self/fd >/dev/null; for f in 4 5 6 7 8 9 10 11 12; do [ -e /proc/$$/fd/$f ] && { echo \"fail reason=internal-error detail=fd $f open\" >&3; exit 1; }; done; echo 'ok pages=1' >&3", "x", 10, 1000, &b, &r));
  close(leak);
  close(spare);

  /*
   * Helpers that try to outlive the timeout (2 s here, 10 s for setsid).
   */

  for (size_t i = 0; i < sizeof(outlive) / sizeof(outlive[0]); i ++)
  {
    const outlive_t *c = outlive + i;

    TEST_BEGIN(c->what);
    ms = run_reaped(self, c->mode, tmp, c->timeout, &r, c->npids);
    TEST_CHECKF(r.ok == c->ok && (!r.ok || r.pages == 1) && (c->timed_out < 0 || r.timed_out == (c->timed_out > 0)) &&
                (c->reason < 0 || (int)r.reason == c->reason), "%s: ok %d, timed out %d, %s", c->mode, r.ok, r.timed_out, gwReasonCode(r.reason));
    TEST_CHECKF(ms >= c->min_ms && ms <= c->max_ms, "took %lld ms", ms);
  }

  TEST_BEGIN("six misbehaving helpers at once (two of each kind) are all killed at the timeout");
  {
    static const char * const modes[] = { "close-sleep", "leave-group", "stop-reaper" };
    parallel_t par[6];
    pthread_t  th[6];
    int        left = 0;
    long long  worst = 0;

    for (int i = 0; i < 6; i ++)
    {
      memset(&par[i], 0, sizeof(par[i]));
      par[i].self = self;
      par[i].mode = modes[i % 3];
      par[i].dir  = tmp;
      snprintf(par[i].tag, sizeof(par[i].tag), "-p%d", i);
      TEST_CHECK(pthread_create(&th[i], NULL, parallel_main, &par[i]) == 0);
    }
    for (int i = 0; i < 6; i ++)
    {
      pthread_join(th[i], NULL);
      TEST_CHECKF(par[i].r.timed_out, "%s%s", par[i].mode, par[i].tag);
      if (par[i].ms > worst)
        worst = par[i].ms;
      left += alive_after(par[i].pids, par[i].npids, ALIVE_GRACE_MS);
    }
    TEST_CHECKF(worst <= 6000, "the slowest took %lld ms", worst);
    TEST_CHECK(left == 0);
  }

  TEST_BEGIN("a helper that cannot be started says why");
  {
    const char      *nargv[] = { "/nonexistent/printgate-convert", NULL };
    gw_convert_job_t cj;

    memset(&cj, 0, sizeof(cj));
    memset(&b, 0, sizeof(b));
    b.in = "x"; b.inlen = 1;
    cj.helper = nargv[0]; cj.argv = nargv; cj.timeout = 10; cj.max_output = 1000;
    cj.read = read_cb; cj.read_ctx = &b; cj.write = write_cb; cj.write_ctx = &b;
    TEST_CHECKF(!gwConvertRun(&cj, &r) && r.reason == GW_REASON_INTERNAL && strstr(r.detail, "unable to start") != NULL &&
                strstr(r.detail, "No such file") != NULL, "%s", r.detail);
  }

  TEST_BEGIN("parallel conversions: a long one's reaper does not hold a short one's pipes");
  {
    pthread_t t;
    long long t0 = (long long)gwClockMs();

    /* The long one's reaper is forked while the short one's pipes exist. */
    TEST_CHECK(pthread_create(&t, NULL, long_conversion, NULL) == 0);
    TEST_CHECK(run("sleep 0.5; echo 'ok pages=1' >&3", "x", 10, 1000, &b, &r));
    ms = (long long)gwClockMs() - t0;
    TEST_CHECKF(ms < 4000, "the short conversion took %lld ms (held, it would take the long one's 6 s)", ms);
    pthread_join(t, NULL);
  }

  /*
   * ConversionDir (defect 7): made when missing, refused when others could
   * change it, and gwConvertRun() refuses to use such a folder.
   */

  TEST_BEGIN("ConversionDir must be the daemon's and writable by nobody else");
  {
    char path[1200], above[1200], error[1024];
    int  fd;

    snprintf(path, sizeof(path), "%s/conv", tmp);
    TEST_CHECK((fd = gwConvertOpenDir(path, 0700, false, error, sizeof(error))) < 0 && errno == ENOENT);
    TEST_CHECK((fd = gwConvertOpenDir(path, 0700, true, error, sizeof(error))) >= 0);
    if (fd >= 0)
      close(fd);

    TEST_CHECK(chmod(path, 0777) == 0);
    TEST_CHECKF((fd = gwConvertOpenDir(path, 0700, true, error, sizeof(error))) < 0, "accepted a mode 0777 folder");
    printf("  (%s)\n", error);
    {
      const char      *hargv[] = { "/bin/sh", "-c", "echo 'ok pages=1' >&3", "printgate-convert", NULL };
      gw_convert_job_t cj;

      memset(&cj, 0, sizeof(cj));
      memset(&b, 0, sizeof(b));
      b.in = "x"; b.inlen = 1;
      cj.helper = "/bin/sh"; cj.argv = hargv; cj.timeout = 10; cj.max_output = 1000; cj.tmp_parent = path;
      cj.read = read_cb; cj.read_ctx = &b; cj.write = write_cb; cj.write_ctx = &b;
      TEST_CHECK(!gwConvertRun(&cj, &r) && r.reason == GW_REASON_INTERNAL && strstr(r.detail, "nobody else") != NULL);
      TEST_CHECK(chmod(path, 0700) == 0);
      TEST_CHECK(gwConvertRun(&cj, &r));
    }

    TEST_CHECK(chmod(path, 01777) == 0);   /* Sticky does not make the folder itself safe */
    TEST_CHECK((fd = gwConvertOpenDir(path, 0700, true, error, sizeof(error))) < 0);
    TEST_CHECK(chmod(path, 0700) == 0);

    /* A link in its place is refused, even to a good folder. */
    snprintf(above, sizeof(above), "%s/link", tmp);
    TEST_CHECK(symlink(path, above) == 0);
    TEST_CHECK((fd = gwConvertOpenDir(above, 0700, true, error, sizeof(error))) < 0);
    unlink(above);

    /* A folder above it that others can write (no sticky bit): they could swap it. */
    snprintf(above, sizeof(above), "%s/open", tmp);
    snprintf(path, sizeof(path), "%s/open/conv", tmp);
    TEST_CHECK(mkdir(above, 0700) == 0 && chmod(above, 0777) == 0);
    TEST_CHECK((fd = gwConvertOpenDir(path, 0700, true, error, sizeof(error))) < 0);
    printf("  (%s)\n", error);
    TEST_CHECK(chmod(above, 01777) == 0);   /* Like /dev/shm and /tmp: fine */
    TEST_CHECKF((fd = gwConvertOpenDir(path, 0700, true, error, sizeof(error))) >= 0, "%s", error);
    if (fd >= 0)
      close(fd);

    if (geteuid() == 0)
    {
      /* Owned by another user (as root only: we can give it away). */
      TEST_CHECK(chown(path, 65534, 65534) == 0);
      TEST_CHECK((fd = gwConvertOpenDir(path, 0700, true, error, sizeof(error))) < 0);
      printf("  (%s)\n", error);
    }
  }

  test_rmtree(tmp);
  TEST_EXIT();
}
