/*
 * test-office.c - the Office pool against real, confined LibreOffice
 * instances (docs/office.md).
 *
 * Skipped (exit 77) only when LibreOffice or python3-uno is not installed;
 * scripts/deps.sh --test installs them, so CI runs it.  It shows:
 *
 *   - each corpus format (tests/data/office/) becomes a PDF that pdfinfo
 *     counts at least one page in and pdftotext finds the document's text
 *     in; the docx's embedded picture is in its PDF (pdfimages);
 *   - two conversions run at once on two instances;
 *   - killing soffice.bin mid-conversion fails that document only, with
 *     conversion-failed, and the next conversion works;
 *   - a document that outlasts the timeout gives conversion-timeout, the
 *     instance is restarted and the next conversion works;
 *   - corrupt docx files give corrupt-document;
 *   - no network: a docx whose picture links to http://127.0.0.1:PORT/
 *     makes plain soffice connect to our listener (positive control), and
 *     through the pool no connection arrives;
 *   - no per-document directory survives a conversion, and nothing is left
 *     in the tmpfs directory after gwOfficePoolFree().
 *
 * Before all that, and without LibreOffice: reaping an instance is bounded
 * and leaves nothing alive, with stand-in sandboxes (shell and perl) whose
 * processes leave their process group or start a session of their own
 * (test_office_reap*() at the end of the file).
 */

#include "test.h"
#include "printgate/clock.h"
#include "printgate/office.h"
#include "printgate/log.h"
#include "office-private.h"

#include <printgate-formats/sniff.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SOFFICE "/usr/lib/libreoffice/program/soffice"

extern char **environ;

static char srcdir[1024], builddir[1024], tmpdir[1024], shmdir[1024];
static gw_log_t *test_log;



/*
 * 'memfd_from()' - A sealed memfd holding len bytes.
 */

static int
memfd_from(const void *data, size_t len)
{
  int fd = memfd_create("test-office", MFD_CLOEXEC | MFD_ALLOW_SEALING);

  if (fd < 0 || write(fd, data, len) != (ssize_t)len ||
      fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) ||
      lseek(fd, 0, SEEK_SET) != 0)
  {
    if (fd >= 0)
      close(fd);
    return (-1);
  }

  return (fd);
}



/*
 * 'memfd_of_file()' - A sealed memfd with a corpus file.
 */

static int
memfd_of_file(const char *path)
{
  size_t len = 0;
  char  *data = test_read_file(path, &len);
  int    fd;

  if (!data)
    return (-1);
  fd = memfd_from(data, len);
  free(data);

  return (fd);
}


/*
 * 'save_fd()' - Copy an fd (from its current offset) to a file.
 */

static bool
save_fd(int fd, const char *path)
{
  FILE   *fp = fopen(path, "wb");
  char    buf[65536];
  ssize_t n;
  bool    ok = fp != NULL;

  while (ok && (n = read(fd, buf, sizeof(buf))) > 0)
    ok = fwrite(buf, 1, (size_t)n, fp) == (size_t)n;
  if (fp)
    fclose(fp);

  return (ok);
}


/*
 * 'run_capture()' - Run a command line, return its stdout (malloc'd).
 */

static char *
run_capture(const char *cmd)
{
  FILE  *fp = popen(cmd, "r");
  char  *out;
  size_t len = 0, size = 65536;
  size_t n;

  if (!fp)
    return (NULL);
  out = calloc(1, size);
  while (out && (n = fread(out + len, 1, size - len - 1, fp)) > 0)
  {
    len += n;
    if (len + 1 >= size)
    {
      char *bigger = realloc(out, size * 2);

      if (!bigger)
        break;
      out   = bigger;
      size *= 2;
      memset(out + len, 0, size - len);
    }
  }
  pclose(fp);

  return (out);
}


/*
 * 'sniff_file()' - What the content sniffer says of a whole file (at most
 *                  16 MB of it).
 */

static gw_format_t
sniff_file(const char *path)
{
  static unsigned char data[16 * 1024 * 1024];
  size_t      len = 0;
  FILE        *fp;

  if ((fp = fopen(path, "rb")) == NULL)
    return (GW_FORMAT_UNKNOWN);
  len = fread(data, 1, sizeof(data), fp);
  fclose(fp);

  return (gwFormatSniff(data, len));
}


/*
 * 'pdf_pages()' - Pages pdfinfo counts, -1 when it cannot read the file.
 */

static int
pdf_pages(const char *pdf)
{
  char  cmd[2048], *out, *p;
  int   pages = -1;

  snprintf(cmd, sizeof(cmd), "pdfinfo '%s' 2>/dev/null", pdf);
  if ((out = run_capture(cmd)) != NULL && (p = strstr(out, "Pages:")) != NULL)
    pages = (int)strtol(p + 6, NULL, 10);
  free(out);

  return (pages);
}


/*
 * 'pdf_has_text()' - Does pdftotext find the phrase?
 */

static bool
pdf_has_text(const char *pdf, const char *phrase)
{
  char  cmd[2048], *out;
  bool  found;

  snprintf(cmd, sizeof(cmd), "pdftotext -q '%s' - | tr -s ' \\n' ' '", pdf);
  out   = run_capture(cmd);
  found = out && strstr(out, phrase) != NULL;
  free(out);

  return (found);
}


/*
 * 'pdf_images()' - Images pdfimages lists.
 */

static int
pdf_images(const char *pdf)
{
  char  cmd[2048], *out, *p;
  int   lines = 0;

  snprintf(cmd, sizeof(cmd), "pdfimages -list '%s' 2>/dev/null", pdf);
  if ((out = run_capture(cmd)) == NULL)
    return (-1);
  for (p = out; *p; p ++)
    lines += *p == '\n';
  free(out);

  return (lines > 2 ? lines - 2 : 0);   /* Two header lines */
}


/*
 * 'convert_file()' - Convert a file with the pool; save the PDF to out.
 */

static bool
convert_file(gw_office_pool_t *pool, const char *path, const char *format, const char *out,
             gw_reason_t *reason, char *detail, size_t detailsize)
{
  int  in = memfd_of_file(path), pdf = -1;
  bool ok;

  if (in < 0)
  {
    snprintf(detail, detailsize, "cannot read %s", path);
    return (false);
  }
  ok = gwOfficePoolConvert(pool, in, format, &pdf, reason, detail, detailsize);
  close(in);
  if (ok)
  {
    ok = out ? save_fd(pdf, out) : true;
    close(pdf);
  }

  return (ok);
}


/*
 * 'new_pool()' - A pool over the build tree's helpers in shmdir.
 */

static gw_office_pool_t *
new_pool(int workers, int timeout, int max_jobs)
{
  gw_office_config_t cfg;
  char               sandbox[1200], worker[1200];
  const char        *error = NULL;
  gw_office_pool_t  *pool;

  snprintf(sandbox, sizeof(sandbox), "%s/converters/printgate-office-sandbox", builddir);
  snprintf(worker, sizeof(worker), "%s/converters/printgate-office-worker.py", builddir);

  memset(&cfg, 0, sizeof(cfg));
  cfg.workers    = workers;
  cfg.timeout    = timeout;
  cfg.max_jobs   = max_jobs;
  cfg.max_output = 256 * 1024 * 1024;
  cfg.soffice    = SOFFICE;
  cfg.sandbox    = sandbox;
  cfg.worker     = worker;
  cfg.user       = "nobody";
  cfg.tmp_parent = shmdir;

  pool = gwOfficePoolNew(&cfg, test_log, &error);
  if (!pool)
    printf("  gwOfficePoolNew: %s\n", error ? error : "?");

  return (pool);
}


/*
 * 'wait_ready()' - Wait until n instances are ready (at most 120 s).
 */

static bool
wait_ready(gw_office_pool_t *pool, int n)
{
  gw_office_instance_info_t info[8];
  long long                 end = (long long)gwClockMs() + 120000;

  while ((long long)gwClockMs() < end)
  {
    int got = gwOfficePoolGetInstances(pool, info, 8), ready = 0;

    for (int i = 0; i < got; i ++)
      ready += info[i].ready && !info[i].busy;
    if (ready >= n)
      return (true);
    usleep(100000);
  }

  return (false);
}


/*
 * 'count_doc_dirs()' - Per-document directories (d*) left in the session.
 */

static int
count_leftovers(const char *dir, int depth, bool docs_only)
{
  DIR           *d = opendir(dir);
  struct dirent *ent;
  int            count = 0;

  if (!d)
    return (0);
  while ((ent = readdir(d)) != NULL)
  {
    char path[2048];

    if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
    if (!docs_only)
      count ++;
    else if (depth == 2 && ent->d_name[0] == 'd' && ent->d_name[1] >= '0' && ent->d_name[1] <= '9')
      count ++;
    if (docs_only && depth < 2 && ent->d_type == DT_DIR)
      count += count_leftovers(path, depth + 1, docs_only);
  }
  closedir(d);

  return (count);
}


/*
 * Two conversions at once.
 */

typedef struct job_s
{
  gw_office_pool_t *pool;
  const char       *path, *format;
  bool              ok;
  gw_reason_t       reason;
  char              detail[256];
  char              out[1100];
  long long         ms;
} job_t;

static void *
job_main(void *data)
{
  job_t    *job = data;
  long long start = (long long)gwClockMs();

  job->ok = convert_file(job->pool, job->path, job->format, job->out[0] ? job->out : NULL,
                         &job->reason, job->detail, sizeof(job->detail));
  job->ms = (long long)gwClockMs() - start;

  return (NULL);
}


/*
 * 'make_big_rtf()' - An RTF of many pages of text (slow to lay out).
 */

static bool
make_big_rtf(const char *path, int paragraphs)
{
  FILE *fp = fopen(path, "w");

  if (!fp)
    return (false);
  fputs("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\\f0\\fs24\n", fp);
  for (int i = 0; i < paragraphs; i ++)
    fprintf(fp, "Paragraph %d of the long Printgate test document: the quick brown fox jumps over the lazy dog again and again.\\par\n", i);
  fputs("}\n", fp);

  return (fclose(fp) == 0);
}


/*
 * 'proc_ppid()' - The parent of pid (0 if unknown); name is set to its
 *                 command name.
 */

static pid_t
proc_ppid(long pid, char *name, size_t namesize)
{
  char  path[300], stat[1024], *lp, *rp;
  FILE *fp;
  int   ppid = 0;
  size_t n;

  snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
  if ((fp = fopen(path, "r")) == NULL)
    return (0);
  n = fread(stat, 1, sizeof(stat) - 1, fp);     /* procfs files have no size: read, don't seek */
  fclose(fp);
  stat[n] = '\0';
  lp      = strchr(stat, '(');
  rp      = strrchr(stat, ')');
  if (!lp || !rp || rp < lp || sscanf(rp + 2, "%*c %d", &ppid) != 1)
    return (0);
  snprintf(name, namesize, "%.*s", (int)(rp - lp - 1), lp + 1);

  return ((pid_t)ppid);
}


/*
 * 'find_soffice_bin()' - The soffice.bin of the instance pid: the child of
 *                        the worker, which is pid 1 of the instance's pid
 *                        namespace and the child of the instance pid (the
 *                        sandbox launcher, which waits outside).
 */

static pid_t
find_soffice_bin(pid_t parent)
{
  DIR           *d = opendir("/proc");
  struct dirent *ent;
  pid_t          found = 0;

  while (d && (ent = readdir(d)) != NULL && !found)
  {
    long  pid = strtol(ent->d_name, NULL, 10);
    char  name[64], pname[64];
    pid_t ppid;

    if (pid <= 0 || (ppid = proc_ppid(pid, name, sizeof(name))) <= 0 || strcmp(name, "soffice.bin"))
      continue;
    if (proc_ppid(ppid, pname, sizeof(pname)) == parent)
      found = (pid_t)pid;
  }
  if (d)
    closedir(d);

  return (found);
}


/*
 * SSRF listener: counts connections on 127.0.0.1:port.
 */

typedef struct listener_s
{
  int             fd;
  int             port;
  volatile int    connections;
  volatile bool   stop;
  pthread_t       thread;
} listener_t;

static void *
listener_main(void *data)
{
  listener_t *l = data;

  while (!l->stop)
  {
    struct pollfd pfd = { l->fd, POLLIN, 0 };

    if (poll(&pfd, 1, 100) > 0)
    {
      int c = accept(l->fd, NULL, NULL);

      if (c >= 0)
      {
        static const char reply[] = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";

        l->connections ++;
        if (write(c, reply, sizeof(reply) - 1) < 0)
          perror("write");
        close(c);
      }
    }
  }

  return (NULL);
}

static bool
listener_start(listener_t *l)
{
  memset(l, 0, sizeof(*l));
  if ((l->fd = test_loopback_socket(16, &l->port)) < 0)
    return (false);

  return (pthread_create(&l->thread, NULL, listener_main, l) == 0);
}

static void
listener_stop(listener_t *l)
{
  l->stop = true;
  pthread_join(l->thread, NULL);
  close(l->fd);
}


/*
 * 'run_wait()' - posix_spawn argv, wait at most timeout seconds (then
 *                SIGKILL its group); returns the exit status or -1.
 */

static int
run_wait(char *const argv[], int timeout)
{
  posix_spawnattr_t          attr;
  posix_spawn_file_actions_t fa;
  pid_t                      pid;
  int                        status = -1;
  long long                  end = (long long)gwClockMs() + timeout * 1000LL;

  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  if (posix_spawn(&pid, argv[0], &fa, &attr, argv, environ))
    pid = -1;
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  if (pid < 0)
    return (-1);

  while (waitpid(pid, &status, WNOHANG) == 0)
  {
    if ((long long)gwClockMs() > end)
    {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      return (-1);
    }
    usleep(50000);
  }
  kill(-pid, SIGKILL);    /* Leftover soffice.bin of the control run */

  return (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}


/*
 * 'test_rmtree_at()' - rm -rf DIR/NAME (the probe's instance directories).
 */

static void
test_rmtree_at(const char *dir, const char *name)
{
  char cmd[2600];

  snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s'", dir, name);
  if (system(cmd)) { /* best effort */ }
}


/*
 * 'run_probe()' - Run tests/data/office/sandbox-probe.py directly or under
 *                 printgate-office-sandbox; its one output line into line.
 */

static bool
run_probe(bool sandboxed, const char *request, char *line, size_t linesize)
{
  posix_spawn_file_actions_t fa;
  int                        in[2], out[2], status;
  pid_t                      pid;
  char                       probe[1200], sandbox[1200], dir[1200], e_dir[1300], e_worker[1300];
  ssize_t                    n;
  size_t                     len = 0;

  snprintf(probe, sizeof(probe), "%s/tests/data/office/sandbox-probe.py", srcdir);
  snprintf(sandbox, sizeof(sandbox), "%s/converters/printgate-office-sandbox", builddir);
  snprintf(dir, sizeof(dir), "%s/probe-%d", shmdir, sandboxed);
  if (mkdir(dir, 0700) && errno != EEXIST)
    return (false);
  snprintf(e_dir, sizeof(e_dir), "PG_OFFICE_DIR=%s", dir);
  snprintf(e_worker, sizeof(e_worker), "PG_OFFICE_WORKER=%s", probe);

  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
    return (false);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);

  {
    char *const envp[] = { e_dir, e_worker, "PG_OFFICE_USER=nobody", "PG_OFFICE_SOFFICE=" SOFFICE,
                           "PG_OFFICE_PIPE=probe", NULL };
    char *const direct[] = { "/usr/bin/python3", probe, NULL };
    char *const confined[] = { "printgate-office-sandbox", NULL };

    if (posix_spawn(&pid, sandboxed ? sandbox : direct[0], &fa, NULL, sandboxed ? confined : direct,
                    sandboxed ? envp : environ))
      pid = -1;
  }
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  if (pid > 0 && write(in[1], request, strlen(request)) < 0)
    perror("write");
  close(in[1]);
  while (pid > 0 && len + 1 < linesize && (n = read(out[0], line + len, linesize - len - 1)) > 0)
    len += (size_t)n;
  line[len] = '\0';
  line[strcspn(line, "\n")] = '\0';
  close(out[0]);
  if (pid > 0)
    waitpid(pid, &status, 0);

  return (pid > 0 && len > 0);
}


/*
 * 'probe_limits()' - run_probe(), then our RLIMIT_NOFILE into after and the
 *                    probe's line on the output.
 */

static bool
probe_limits(bool sandboxed, const char *request, char *line, size_t linesize, struct rlimit *after)
{
  bool ok = run_probe(sandboxed, request, line, linesize);

  getrlimit(RLIMIT_NOFILE, after);
  printf("  (%s %s)\n", sandboxed ? "sandboxed:" : "direct:   ", line);

  return (ok);
}


/*
 * 'main()' - Run the cases.
 */

static void test_office_reap(void);
static void test_office_csv(gw_office_pool_t *pool);
static void test_office_html(gw_office_pool_t *pool);


int
main(void)
{
  static const struct
  {
    const char *format, *phrase;
  } corpus[] =
  {
    { "docx", "Printgate Writer sample" }, { "odt", "Printgate Writer sample" },
    { "rtf", "Printgate Writer sample" },  { "doc", "Printgate Writer sample" },
    { "xlsx", "Printgate Calc sample" },   { "ods", "Printgate Calc sample" },
    { "xls", "Printgate Calc sample" },    { "pptx", "Printgate Impress sample" },
    { "odp", "Printgate Impress sample" }, { "ppt", "Printgate Impress sample" }
  };
  const char       *s;
  gw_office_pool_t *pool;
  char              path[1200], out[1200], detail[256];
  gw_reason_t       reason;

  test_office_reap();

  if (!gwOfficeAvailable(SOFFICE))
  {
    if (test_failures)
      TEST_EXIT();
    puts("SKIP: LibreOffice (soffice.bin) or python3-uno is not installed (scripts/deps.sh --test)");
    return (77);
  }

  snprintf(srcdir, sizeof(srcdir), "%s", (s = getenv("GW_SOURCE_DIR")) ? s : "..");
  snprintf(builddir, sizeof(builddir), "%s", (s = getenv("GW_BUILD_DIR")) ? s : ".");
  signal(SIGPIPE, SIG_IGN);
  test_log = gwLogNew(NULL, GW_LOG_INFO);

  if (!test_tempdir(tmpdir, sizeof(tmpdir)))
    return (1);
  snprintf(shmdir, sizeof(shmdir), "/dev/shm/pgtest.XXXXXX");
  if (!mkdtemp(shmdir))
    return (1);

  /*
   * The sandbox itself, with a probe in place of the worker: everything it
   * tries works outside (positive control) and fails inside.
   */

  TEST_BEGIN("the instance sandbox blocks network, files outside, exec, root, the control socket, the root key, the daemon's /proc and limits");
  {
    listener_t l;
    char       open_dir[1100], secret[1200], request[6000], line[512], state[1100], keys[1200], key[1300],
               sock[1300];
    FILE      *fp;
    int        ctl_fd;
    struct sockaddr_un addr;
    struct rlimit before, after;

    /*
     * A state-like folder open to everyone (0755, the key 0644, the
     * socket 0666): only the sandbox stands between it and the probe.
     */

    snprintf(state, sizeof(state), "%s/state", shmdir);
    snprintf(keys, sizeof(keys), "%s/keys", state);
    snprintf(key, sizeof(key), "%s/root.key", keys);
    snprintf(sock, sizeof(sock), "%s/printgated.sock", state);
    TEST_CHECK(mkdir(state, 0755) == 0 && chmod(state, 0755) == 0 && mkdir(keys, 0755) == 0 && chmod(keys, 0755) == 0);
    if ((fp = fopen(key, "w")) != NULL)
    {
      fputs("ROOT-KEY-STAND-IN\n", fp);
      fclose(fp);
    }
    chmod(key, 0644);
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    TEST_CHECK(strlen(sock) < sizeof(addr.sun_path));
    memcpy(addr.sun_path, sock, strlen(sock) < sizeof(addr.sun_path) ? strlen(sock) + 1 : 0);
    ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    TEST_CHECK(ctl_fd >= 0 && bind(ctl_fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 && chmod(sock, 0666) == 0 &&
               listen(ctl_fd, 16) == 0);

    snprintf(open_dir, sizeof(open_dir), "%s/open", shmdir);
    snprintf(secret, sizeof(secret), "%s/secret", open_dir);
    TEST_CHECK(chmod(shmdir, 0711) == 0 && mkdir(open_dir, 0777) == 0 && chmod(open_dir, 01777) == 0);
    if ((fp = fopen(secret, "w")) != NULL)
    {
      fputs("not for LibreOffice\n", fp);
      fclose(fp);
    }
    chmod(secret, 0644);     /* Readable by anyone: only the sandbox stands in the way */
    TEST_CHECK(listener_start(&l));
    snprintf(request, sizeof(request), "%d %s %s %s %s %d\n", l.port, secret, open_dir, sock, key, (int)getpid());

    getrlimit(RLIMIT_NOFILE, &before);
    TEST_CHECK(probe_limits(false, request, line, sizeof(line), &after));
    TEST_CHECKF(strstr(line, "tcp=open inet=open read=open write=open exec=open ctl=open key=open proc=open prlimit=open") != NULL,
                "positive control: %s", line);
    TEST_CHECKF(after.rlim_cur == before.rlim_cur - 1, "positive control: our RLIMIT_NOFILE %llu -> %llu",
                (unsigned long long)before.rlim_cur, (unsigned long long)after.rlim_cur);
    setrlimit(RLIMIT_NOFILE, &before);

    TEST_CHECK(probe_limits(true, request, line, sizeof(line), &after));
    TEST_CHECKF(strstr(line, "tcp=blocked inet=blocked read=blocked write=blocked exec=blocked ctl=blocked key=blocked proc=blocked prlimit=blocked") != NULL,
                "%s", line);
    TEST_CHECK(after.rlim_cur == before.rlim_cur);
    if (geteuid() == 0)
      TEST_CHECKF(strstr(line, "uid=65534") != NULL, "%s", line);
    else
    {
      char want[32];

      snprintf(want, sizeof(want), "uid=%u", (unsigned)geteuid());
      TEST_CHECKF(strstr(line, want) != NULL, "%s", line);
    }
    TEST_CHECK(l.connections == 1);     /* Only the direct probe's */

    /*
     * The network namespace on its own (seccomp already stops the sockets
     * above): inside, the only interface is lo; outside, the probe sees the
     * host's interfaces (the control, when the host has more than lo).
     */

    TEST_CHECKF(strstr(line, " ifaces=0") != NULL, "%s", line);
    TEST_CHECK(run_probe(false, request, line, sizeof(line)));
    if (strstr(line, " ifaces=0"))
      puts("  (this host has no interface but lo: the namespace check has no positive control here)");
    else
      printf("  (direct again: %s)\n", strstr(line, "ifaces="));
    TEST_CHECK(l.connections == 2);
    listener_stop(&l);
    if (ctl_fd >= 0)
      close(ctl_fd);
    unlink(sock);
    unlink(key);
    rmdir(keys);
    rmdir(state);
    unlink(secret);
    rmdir(open_dir);
    {
      char probe_dir[1200];

      for (int i = 0; i < 2; i ++)
      {
        snprintf(probe_dir, sizeof(probe_dir), "probe-%d", i);
        test_rmtree_at(shmdir, probe_dir);
      }
    }
  }

  /*
   * Every format, on a pool of two.
   */

  TEST_BEGIN("a pool of two instances starts");
  pool = new_pool(2, 60, 100);
  TEST_CHECK(pool != NULL);
  if (!pool)
    TEST_EXIT();
  TEST_CHECK(wait_ready(pool, 2));
  TEST_CHECK(!gwOfficeFormatKnown("pdf") && gwOfficeFormatKnown("docx"));

  for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i ++)
  {
    bool ok;

    printf("%s to PDF\n", corpus[i].format);
    snprintf(path, sizeof(path), "%s/tests/data/office/sample.%s", srcdir, corpus[i].format);
    snprintf(out, sizeof(out), "%s/out-%s.pdf", tmpdir, corpus[i].format);
    ok = convert_file(pool, path, corpus[i].format, out, &reason, detail, sizeof(detail));
    TEST_CHECKF(ok, "%s: %s (%s)", corpus[i].format, detail, gwReasonCode(reason));
    TEST_CHECKF(pdf_pages(out) >= 1, "%s: %d pages", corpus[i].format, pdf_pages(out));
    TEST_CHECKF(pdf_has_text(out, corpus[i].phrase), "%s: no \"%s\" in the PDF", corpus[i].format, corpus[i].phrase);
    if (!strcmp(corpus[i].format, "docx"))
      TEST_CHECKF(pdf_images(out) >= 1, "docx: %d images in the PDF", pdf_images(out));
    if (!strcmp(corpus[i].format, "pptx"))
      TEST_CHECKF(pdf_pages(out) == 2, "pptx: %d pages (2 slides)", pdf_pages(out));
  }

  /*
   * Templates (ODF from Debian's LibreOffice, OOXML made by
   * make-corpus.sh) and drawings: the sniffer names them by content (a
   * template by the kind of document it makes), the worker picks the
   * template filter from the package, and the page counts are exact.
   */

  TEST_BEGIN("templates, drawings, CSV and HTML are sniffed by content and converted with their pages");
  {
    static const struct
    {
      const char *path, *format, *phrase;
      int         pages;
    } more[] =
    {
      { "@/tests/data/office/sample.odg", "odg", "Printgate Draw sample", 2 },
      { "@/tests/data/office/sample.dotx", "docx", "Printgate Writer sample", 1 },
      { "@/tests/data/office/sample.xltx", "xlsx", "Printgate Calc sample", 1 },
      { "@/tests/data/office/sample.potx", "pptx", "Printgate Impress sample", 2 },
      { "/usr/lib/libreoffice/share/template/common/presnt/Progress.otp", "odp", NULL, 4 },
      { "/usr/lib/libreoffice/share/template/common/officorr/Modern_business_letter_serif.ott", "odt", NULL, 1 },
      { "/usr/lib/libreoffice/share/template/common/wizard/styles/default.ots", "ods", NULL, 1 },
      { "/usr/lib/libreoffice/share/template/common/draw/bpmn.otg", "odg", NULL, 7 },
      { "@/tests/data/office/calc.csv", "csv", "Printgate Calc sample", 1 },
      { "/usr/share/distro-info/debian.csv", "csv", "Bookworm", 1 },
      { "/usr/share/doc/base-passwd/users-and-groups.html", "html", "Users and Groups", 0 }
    };

    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i ++)
    {
      const char *format;
      bool        ok;

      if (more[i].path[0] == '@')
        snprintf(path, sizeof(path), "%s%s", srcdir, more[i].path + 1);
      else
        snprintf(path, sizeof(path), "%s", more[i].path);
      snprintf(out, sizeof(out), "%s/out-more-%d.pdf", tmpdir, (int)i);
      format = gwFormatKeyword(sniff_file(path));
      TEST_CHECKF(!strcmp(format, more[i].format), "%s: sniffed as %s, not %s", path, format, more[i].format);
      ok = convert_file(pool, path, more[i].format, out, &reason, detail, sizeof(detail));
      TEST_CHECKF(ok, "%s: %s (%s)", path, detail, gwReasonCode(reason));
      if (more[i].pages > 0)
        TEST_CHECKF(pdf_pages(out) == more[i].pages, "%s: %d pages, not %d", path, pdf_pages(out), more[i].pages);
      else
        TEST_CHECKF(pdf_pages(out) >= 2, "%s: %d pages", path, pdf_pages(out));
      if (more[i].phrase)
        TEST_CHECKF(pdf_has_text(out, more[i].phrase), "%s: no \"%s\" in the PDF", path, more[i].phrase);
    }
  }

  TEST_BEGIN("no pool: Office documents are refused as unsupported-format");
  {
    int pdf = -1;

    TEST_CHECK(!gwOfficePoolConvert(NULL, 0, "docx", &pdf, &reason, detail, sizeof(detail)));
    TEST_CHECK(reason == GW_REASON_UNSUPPORTED_FORMAT && pdf == -1);
    TEST_CHECK(strstr(detail, "Office documents are not enabled on this gateway; send a PDF instead") != NULL);
  }

  TEST_BEGIN("a format the pool does not know is refused");
  {
    int in = memfd_from("%PDF-1.4\n", 9), pdf = -1;

    TEST_CHECK(!gwOfficePoolConvert(pool, in, "pdf", &pdf, &reason, detail, sizeof(detail)));
    TEST_CHECK(reason == GW_REASON_UNSUPPORTED_FORMAT && pdf == -1);
    close(in);
  }

  TEST_BEGIN("no per-document directory is left after the conversions");
  TEST_CHECKF(count_leftovers(shmdir, 0, true) == 0, "%d left", count_leftovers(shmdir, 0, true));

  /*
   * Two at once.
   */

  TEST_BEGIN("two conversions at once use both instances");
  {
    job_t                     a, b;
    pthread_t                 ta, tb;
    gw_office_instance_info_t info[2];
    int                       max_busy = 0;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.pool = b.pool = pool;
    snprintf(path, sizeof(path), "%s/tests/data/office/sample.pptx", srcdir);
    a.path = path; a.format = "pptx";
    snprintf(out, sizeof(out), "%s/tests/data/office/sample.docx", srcdir);
    b.path = out;  b.format = "docx";
    snprintf(a.out, sizeof(a.out), "%s/two-a.pdf", tmpdir);
    snprintf(b.out, sizeof(b.out), "%s/two-b.pdf", tmpdir);

    pthread_create(&ta, NULL, job_main, &a);
    pthread_create(&tb, NULL, job_main, &b);
    for (int i = 0; i < 400 && (a.ms == 0 || b.ms == 0); i ++)
    {
      int n = gwOfficePoolGetInstances(pool, info, 2), busy = 0;

      for (int j = 0; j < n; j ++)
        busy += info[j].busy;
      if (busy > max_busy)
        max_busy = busy;
      usleep(5000);
    }
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    TEST_CHECKF(a.ok && b.ok, "%s / %s", a.detail, b.detail);
    TEST_CHECKF(max_busy == 2, "at most %d busy at once", max_busy);
    TEST_CHECK(pdf_has_text(a.out, "Printgate Impress sample") && pdf_has_text(b.out, "Printgate Writer sample"));
    printf("  (pptx %lld ms, docx %lld ms at once)\n", a.ms, b.ms);
  }

  TEST_BEGIN("six conversions from six threads on two instances all finish");
  {
    static const char * const fmts[6] = { "docx", "xlsx", "pptx", "odt", "ods", "rtf" };
    job_t                     jobs[6];
    pthread_t                 th[6];
    char                      paths[6][1100];
    int                       ok = 0;

    for (int i = 0; i < 6; i ++)
    {
      memset(jobs + i, 0, sizeof(job_t));
      snprintf(paths[i], sizeof(paths[i]), "%s/tests/data/office/sample.%s", srcdir, fmts[i]);
      jobs[i].pool   = pool;
      jobs[i].path   = paths[i];
      jobs[i].format = fmts[i];
      pthread_create(th + i, NULL, job_main, jobs + i);
    }
    for (int i = 0; i < 6; i ++)
    {
      pthread_join(th[i], NULL);
      ok += jobs[i].ok;
      if (!jobs[i].ok)
        printf("  %s: %s\n", fmts[i], jobs[i].detail);
    }
    TEST_CHECKF(ok == 6, "%d of 6 converted", ok);
  }

  /*
   * soffice.bin killed mid-conversion.
   */

  TEST_BEGIN("soffice.bin killed mid-conversion fails that document only");
  {
    job_t                     big;
    pthread_t                 t;
    gw_office_instance_info_t info[2];
    pid_t                     victim = 0;
    char                      bigpath[1200];

    snprintf(bigpath, sizeof(bigpath), "%s/big.rtf", tmpdir);
    TEST_CHECK(make_big_rtf(bigpath, 60000));
    memset(&big, 0, sizeof(big));
    big.pool = pool; big.path = bigpath; big.format = "rtf";
    TEST_CHECK(wait_ready(pool, 2));
    pthread_create(&t, NULL, job_main, &big);

    for (int i = 0; i < 2000 && !victim && big.ms == 0; i ++)
    {
      int n = gwOfficePoolGetInstances(pool, info, 2);

      for (int j = 0; j < n && !victim; j ++)
      {
        if (info[j].busy && info[j].pid > 0)
          victim = find_soffice_bin(info[j].pid);
      }
      usleep(5000);
    }
    TEST_CHECK(victim > 0);
    if (victim > 0)
    {
      usleep(500000);   /* Well into loading the document */
      TEST_CHECK(kill(victim, SIGKILL) == 0);
    }
    pthread_join(t, NULL);
    TEST_CHECKF(!big.ok && big.reason == GW_REASON_CONVERSION_CRASHED, "ok %d, %s: %s", big.ok, gwReasonCode(big.reason), big.detail);
    printf("  (%s: %s)\n", gwReasonCode(big.reason), big.detail);

    snprintf(path, sizeof(path), "%s/tests/data/office/sample.odt", srcdir);
    snprintf(out, sizeof(out), "%s/after-kill.pdf", tmpdir);
    TEST_CHECKF(convert_file(pool, path, "odt", out, &reason, detail, sizeof(detail)), "%s", detail);
    TEST_CHECK(pdf_has_text(out, "Printgate Writer sample"));
    TEST_CHECK(wait_ready(pool, 2));
    {
      int n = gwOfficePoolGetInstances(pool, info, 2), starts = 0;

      for (int j = 0; j < n; j ++)
        starts += info[j].starts;
      TEST_CHECKF(starts == 3, "%d starts in all (one restart expected)", starts);
    }
  }

  /*
   * Corrupt documents.
   */

  TEST_BEGIN("corrupt docx files give corrupt-document, a password odt password-protected");
  {
    static const char junk[] = "PK\003\004this is not really a zip file at all, only its magic number";
    size_t            len = 0;
    char             *docx;
    int               in, pdf = -1;

    snprintf(path, sizeof(path), "%s/tests/data/office/sample.docx", srcdir);
    docx = test_read_file(path, &len);
    TEST_CHECK(docx != NULL);

    in = memfd_from(junk, sizeof(junk) - 1);
    TEST_CHECK(!gwOfficePoolConvert(pool, in, "docx", &pdf, &reason, detail, sizeof(detail)));
    TEST_CHECKF(reason == GW_REASON_CORRUPT_DOCUMENT, "%s: %s", gwReasonCode(reason), detail);
    printf("  (%s: %s)\n", gwReasonCode(reason), detail);
    close(in);

    if (docx)
    {
      in = memfd_from(docx, len / 3);     /* Cut off: no central directory */
      TEST_CHECK(!gwOfficePoolConvert(pool, in, "docx", &pdf, &reason, detail, sizeof(detail)));
      TEST_CHECKF(reason == GW_REASON_CORRUPT_DOCUMENT, "%s: %s", gwReasonCode(reason), detail);
      close(in);
    }
    free(docx);

    snprintf(path, sizeof(path), "%s/tests/data/office/sample-password.odt", srcdir);
    TEST_CHECK(!convert_file(pool, path, "odt", NULL, &reason, detail, sizeof(detail)));
    TEST_CHECKF(reason == GW_REASON_PASSWORD_PROTECTED, "password odt: %s: %s", gwReasonCode(reason), detail);
    printf("  (%s: %s)\n", gwReasonCode(reason), detail);

    /*
     * The same package as a text template: sniffed as odt, and the
     * template path still refuses it for its password (the worker reads
     * the manifest before choosing the template filter).
     */

    {
      char cmd[4096], ott[1200], *res;

      snprintf(ott, sizeof(ott), "%s/password.ott", tmpdir);
      snprintf(cmd, sizeof(cmd),
               "/usr/bin/python3 -c 'import sys, zipfile\n"
               "src = zipfile.ZipFile(sys.argv[1]); dst = zipfile.ZipFile(sys.argv[2], \"w\")\n"
               "dst.writestr(\"mimetype\", \"application/vnd.oasis.opendocument.text-template\", zipfile.ZIP_STORED)\n"
               "[dst.writestr(i, src.read(i.filename)) for i in src.infolist() if i.filename != \"mimetype\"]\n"
               "dst.close(); print(\"made\")' '%s' '%s'", path, ott);
      res = run_capture(cmd);
      TEST_CHECKF(res && strstr(res, "made"), "%s", res ? res : "python3 failed");
      free(res);
      TEST_CHECK(sniff_file(ott) == GW_FORMAT_ODT);
      TEST_CHECK(!convert_file(pool, ott, "odt", NULL, &reason, detail, sizeof(detail)));
      TEST_CHECKF(reason == GW_REASON_PASSWORD_PROTECTED, "password ott: %s: %s", gwReasonCode(reason), detail);
    }

    in = memfd_from("", 0);
    TEST_CHECK(!gwOfficePoolConvert(pool, in, "docx", &pdf, &reason, detail, sizeof(detail)));
    TEST_CHECKF(reason == GW_REASON_EMPTY_DOCUMENT, "%s: %s", gwReasonCode(reason), detail);
    close(in);
  }

  /*
   * No network, with the positive control first.
   */

  TEST_BEGIN("a linked picture reaches 127.0.0.1 from plain soffice, not from the pool");
  {
    listener_t l;
    char       ssrf[1200], url[128], script[1200], profile[1300];
    int        before;

    TEST_CHECK(listener_start(&l));
    snprintf(ssrf, sizeof(ssrf), "%s/ssrf.docx", tmpdir);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/x.png", l.port);
    snprintf(script, sizeof(script), "%s/tests/data/office/make-ssrf-docx.py", srcdir);
    {
      char *const argv[] = { "/usr/bin/python3", script, ssrf, url, NULL };

      TEST_CHECK(run_wait(argv, 30) == 0);
    }

    snprintf(profile, sizeof(profile), "-env:UserInstallation=file://%s/control-profile", tmpdir);
    {
      char outdir[1200];
      char *const argv[] = { SOFFICE, profile, "--headless", "--norestore", "--convert-to", "pdf",
                             "--outdir", outdir, ssrf, NULL };

      snprintf(outdir, sizeof(outdir), "%s/control", tmpdir);
      run_wait(argv, 120);
    }
    TEST_CHECKF(l.connections >= 1, "positive control: %d connections from plain soffice", l.connections);
    printf("  (plain soffice: %d connection(s) to port %d)\n", l.connections, l.port);

    before = l.connections;
    snprintf(out, sizeof(out), "%s/ssrf.pdf", tmpdir);
    {
      bool ok = convert_file(pool, ssrf, "docx", out, &reason, detail, sizeof(detail));

      TEST_CHECKF(ok, "the document still converts, without the picture: %s", detail);
      usleep(1000000);
      TEST_CHECKF(l.connections == before, "%d connections from the pool", l.connections - before);
      TEST_CHECK(!ok || pdf_has_text(out, "Printgate linked picture test"));
    }
    listener_stop(&l);
  }

  test_office_csv(pool);
  test_office_html(pool);

  gwOfficePoolFree(&pool);
  TEST_CHECK(pool == NULL);

  TEST_BEGIN("nothing is left on tmpfs after gwOfficePoolFree");
  TEST_CHECKF(count_leftovers(shmdir, 0, false) == 0, "%d entries left in %s", count_leftovers(shmdir, 0, false), shmdir);

  /*
   * Timeout: one instance, a 3 s limit, a document that takes longer.
   */

  TEST_BEGIN("a document over the timeout gives conversion-timeout, and the instance restarts");
  pool = new_pool(1, 3, 100);
  TEST_CHECK(pool != NULL);
  if (pool)
  {
    gw_office_instance_info_t info[1];
    char                      bigpath[1200];
    long long                 start;
    bool                      ok;

    TEST_CHECK(wait_ready(pool, 1));
    snprintf(bigpath, sizeof(bigpath), "%s/big.rtf", tmpdir);
    start = (long long)gwClockMs();
    ok    = convert_file(pool, bigpath, "rtf", NULL, &reason, detail, sizeof(detail));
    TEST_CHECKF(!ok && reason == GW_REASON_CONVERSION_TIMEOUT, "%s: %s", gwReasonCode(reason), detail);
    TEST_CHECKF((long long)gwClockMs() - start < 10000, "%lld ms", (long long)gwClockMs() - start);   /* the document alone takes minutes */
    printf("  (%s: %s)\n", gwReasonCode(reason), detail);

    /*
     * The supervisor starts the instance again, and the new one says
     * "ready".  No document goes to it: with a 3 s limit, a cold instance
     * loading Calc on a busy machine could itself time out (the spreadsheet
     * below gets a pool with a normal limit).
     */

    {
      long long end = (long long)gwClockMs() + 120000;
      int       n;

      while ((n = gwOfficePoolGetInstances(pool, info, 1)) == 1 && (info[0].starts < 2 || !info[0].ready) &&
             (long long)gwClockMs() < end)
        usleep(100000);
      TEST_CHECKF(n == 1 && info[0].starts == 2 && info[0].ready, "%d instance(s), %d start(s), %s", n,
                  n == 1 ? info[0].starts : 0, n == 1 && info[0].ready ? "ready" : "not ready");
    }
    gwOfficePoolFree(&pool);
  }
  TEST_CHECK(count_leftovers(shmdir, 0, false) == 0);

  TEST_BEGIN("a spreadsheet converts (Calc, loaded cold)");
  pool = new_pool(1, 60, 100);
  TEST_CHECK(pool != NULL);
  if (pool)
  {
    snprintf(path, sizeof(path), "%s/tests/data/office/sample.xlsx", srcdir);
    snprintf(out, sizeof(out), "%s/sample-xlsx.pdf", tmpdir);
    TEST_CHECKF(convert_file(pool, path, "xlsx", out, &reason, detail, sizeof(detail)), "%s", detail);
    TEST_CHECK(pdf_has_text(out, "Printgate Calc sample"));
    gwOfficePoolFree(&pool);
  }
  TEST_CHECK(count_leftovers(shmdir, 0, false) == 0);

  TEST_BEGIN("max_jobs restarts an instance");
  pool = new_pool(1, 60, 2);
  TEST_CHECK(pool != NULL);
  if (pool)
  {
    gw_office_instance_info_t info[1];

    snprintf(path, sizeof(path), "%s/tests/data/office/sample.rtf", srcdir);
    for (int i = 0; i < 3; i ++)
      TEST_CHECKF(convert_file(pool, path, "rtf", NULL, &reason, detail, sizeof(detail)), "%s", detail);
    TEST_CHECK(gwOfficePoolGetInstances(pool, info, 1) == 1 && info[0].starts == 2);
    gwOfficePoolFree(&pool);
  }

  rmdir(shmdir);
  test_rmtree(tmpdir);
  gwLogDelete(&test_log);

  TEST_EXIT();
}


/*
 * 'test_office_reap_one()' - Start one instance of a pool whose sandbox is
 *                            the stand-in SCRIPT (it records the pid of
 *                            every process it makes in PIDFILE, then says
 *                            "ready"), reap it, and check that the reap
 *                            took at most a few seconds and that none of
 *                            those processes is left.
 */

static void
test_office_reap_one(const char *dir, const char *name, const char *script, int want_pids)
{
  gw_office_pool_t      *pool = calloc(1, sizeof(gw_office_pool_t));
  _gw_office_instance_t  inst;
  char                   session[1100], pidfile[1100], error[GW_OFFICE_LINE_MAX];
  FILE                  *fp;
  pid_t                  pids[8];
  int                    npids = 0, alive, pid;
  long long              start, end;

  if (!pool)
    return;

  snprintf(pidfile, sizeof(pidfile), "%s/%s.pids", dir, name);
  snprintf(pool->sandbox, sizeof(pool->sandbox), "%s/%s.sh", dir, name);
  if ((fp = fopen(pool->sandbox, "w")) != NULL)
  {
    fprintf(fp, "#!/bin/sh\nPATH=/usr/bin:/bin\nPIDS='%s'\nexport PATH PIDS\n%s", pidfile, script);
    fclose(fp);
  }
  chmod(pool->sandbox, 0700);
  snprintf(pool->soffice, sizeof(pool->soffice), "/nonexistent/soffice");
  snprintf(pool->worker, sizeof(pool->worker), "/nonexistent/worker.py");
  snprintf(pool->user, sizeof(pool->user), "nobody");
  pool->cfg.max_output = 1 << 20;
  pool->cfg.max_memory = (int64_t)512 << 20;
  pool->log            = gwLogNew(NULL, GW_LOG_INFO);
  snprintf(session, sizeof(session), "%s/session-%s", dir, name);
  snprintf(pool->session, sizeof(pool->session), "%s", session);
  TEST_CHECK(mkdir(session, 0700) == 0);
  pool->session_fd = open(session, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  memset(&inst, 0, sizeof(inst));
  TEST_CHECKF(_gwOfficeInstanceStart(pool, &inst, error, sizeof(error)), "%s", error);

  if ((fp = fopen(pidfile, "r")) != NULL)
  {
    while (npids < 8 && fscanf(fp, "%d", &pid) == 1)
      pids[npids ++] = (pid_t)pid;
    fclose(fp);
  }
  TEST_CHECKF(npids == want_pids, "%d pids", npids);

  start = (long long)gwClockMs();
  _gwOfficeInstanceReap(pool, &inst);
  end = (long long)gwClockMs();
  printf("  (%s: reaped in %lld ms)\n", name, end - start);
  TEST_CHECKF(end - start <= 3000, "the reap took %lld ms", end - start);

  /* Nothing of it is left after a short grace (zombies would count too). */
  do
  {
    alive = 0;
    for (int i = 0; i < npids; i ++)
    {
      if (kill(pids[i], 0) == 0 || errno != ESRCH)
        alive ++;
    }
    if (alive)
      usleep(20000);
  }
  while (alive && (long long)gwClockMs() < end + 500);
  TEST_CHECKF(alive == 0, "%d process(es) of the instance still alive", alive);
  for (int i = 0; i < npids; i ++)
  {
    if (kill(pids[i], 0) == 0)
      kill(pids[i], SIGKILL);          /* Leave nothing behind, whatever the result */
  }

  close(pool->session_fd);
  rmdir(session);
  gwLogDelete(&pool->log);
  free(pool);
}


/*
 * 'test_office_reap()' - Reaping is bounded and complete, whatever group or
 *                        session the instance's processes moved to.
 */

static void
test_office_reap(void)
{
  char dir[1024];

  if (!test_tempdir(dir, sizeof(dir)))
    return;

  TEST_BEGIN("reaping an instance whose child started a session of its own leaves nothing");
  test_office_reap_one(dir, "setsid",
                       "echo $$ >> \"$PIDS\"\n"
                       "setsid sh -c 'echo $$ >> \"$PIDS\"; exec sleep 60' </dev/null >/dev/null 2>&1 &\n"
                       "while [ \"$(wc -l < \"$PIDS\")\" -lt 2 ]; do sleep 0.05; done\n"
                       "echo ready\n"
                       "exec sleep 60\n", 2);

  TEST_BEGIN("reaping an instance that left its process group is bounded and leaves nothing");
  test_office_reap_one(dir, "leave-group",
                       "exec perl -e '\n"
                       "  sub rec { open(my $f, \">>\", $ENV{PIDS}) or die; print $f \"$$\\n\"; close($f); }\n"
                       "  rec();\n"
                       "  my $c = fork();\n"
                       "  if ($c == 0) { rec(); setpgrp(0, 0); sleep(60); exit(0); }\n"   /* its pid written before the group it waits for */
                       "  select(undef, undef, undef, 0.01) until getpgrp($c) == $c;\n"
                       "  setpgrp(0, $c) or die;\n"
                       "  $| = 1; print \"ready\\n\"; sleep(60);'\n", 2);

  test_rmtree(dir);
}


/*
 * 'write_text()' - Write a string to a file; false on error.
 */

static bool
write_text(const char *path, const char *text)
{
  FILE *fp;
  bool  ok;

  if ((fp = fopen(path, "w")) == NULL)
    return (false);
  ok = fputs(text, fp) >= 0;
  return (fclose(fp) == 0 && ok);
}


/*
 * 'has_mark_image()' - Does the PDF embed a 16 x 16 image (the test's
 *                      PNG; LibreOffice's placeholders for pictures it
 *                      could not load have other sizes)?  pdfimages -list
 *                      is printed for the log.
 */

static bool
has_mark_image(const char *pdf)
{
  char cmd[2048], *res;
  bool found;

  snprintf(cmd, sizeof(cmd), "pdfimages -list '%s' 2>/dev/null | awk 'NR > 2 { print \"  image\", $4, \"x\", $5 }'", pdf);
  res   = run_capture(cmd);
  found = res && strstr(res, "image 16 x 16") != NULL;
  printf("%s", res ? res : "");
  free(res);

  return (found);
}


/*
 * 'test_office_csv()' - The page setup of a table: one page wide, the
 *                       first row on every page.
 */

static void
test_office_csv(gw_office_pool_t *pool)
{
  char        path[1200], out[1200], detail[256];
  gw_reason_t reason;
  FILE       *fp;

  TEST_BEGIN("a CSV of 30 columns is one page wide; 400 rows repeat the header row on every page");
  snprintf(path, sizeof(path), "%s/wide.csv", tmpdir);
  if ((fp = fopen(path, "w")) != NULL)
  {
    for (int r = 0; r < 10; r ++)
      for (int c = 0; c < 30; c ++)
        fprintf(fp, "%s%02d%c", r ? "value" : "Heading", c, c == 29 ? '\n' : ',');
    TEST_CHECK(fclose(fp) == 0);
  }
  TEST_CHECKF(sniff_file(path) == GW_FORMAT_CSV, "sniffed as %s", gwFormatKeyword(sniff_file(path)));
  snprintf(out, sizeof(out), "%s/wide.pdf", tmpdir);
  TEST_CHECKF(convert_file(pool, path, "csv", out, &reason, detail, sizeof(detail)), "%s", detail);
  TEST_CHECKF(pdf_pages(out) == 1, "%d pages (Calc's default page setup gives several)", pdf_pages(out));
  TEST_CHECK(pdf_has_text(out, "Heading29"));

  snprintf(path, sizeof(path), "%s/long.csv", tmpdir);
  if ((fp = fopen(path, "w")) != NULL)
  {
    fputs("Name;Count;Price\n", fp);
    for (int r = 1; r < 400; r ++)
      fprintf(fp, "row %d;%d;%d.5\n", r, r * 3, r);
    TEST_CHECK(fclose(fp) == 0);
  }
  TEST_CHECKF(sniff_file(path) == GW_FORMAT_CSV, "semicolons: sniffed as %s", gwFormatKeyword(sniff_file(path)));
  snprintf(out, sizeof(out), "%s/long.pdf", tmpdir);
  TEST_CHECKF(convert_file(pool, path, "csv", out, &reason, detail, sizeof(detail)), "%s", detail);
  TEST_CHECKF(pdf_pages(out) >= 4, "%d pages", pdf_pages(out));
  {
    char cmd[2048], *page2;

    snprintf(cmd, sizeof(cmd), "pdftotext -q -f 2 -l 2 '%s' -", out);
    page2 = run_capture(cmd);
    TEST_CHECKF(page2 && strstr(page2, "Price") && strstr(page2, "row 3") == NULL, "page 2: %.80s", page2 ? page2 : "(none)");
    free(page2);
  }
}


/*
 * 'test_office_html()' - An HTML page through the pool: converted, and
 *                        neither a remote image nor a local file outside
 *                        the instance's view is fetched; plain soffice
 *                        fetches both (positive control).
 */

static void
test_office_html(gw_office_pool_t *pool)
{
  listener_t  l;
  char        html[1300], open_dir[1100], png[1200], page[4096], out[1300], profile[1300], detail[256], *res;
  gw_reason_t reason;
  int         before;

  TEST_BEGIN("an HTML page converts; its remote image, file:///etc/passwd and a readable PNG outside are not fetched");
  snprintf(open_dir, sizeof(open_dir), "%s/html-open", shmdir);
  snprintf(png, sizeof(png), "%s/mark.png", open_dir);
  TEST_CHECK(mkdir(open_dir, 0755) == 0 && chmod(open_dir, 0755) == 0);
  {
    char cmd[2048];

    snprintf(cmd, sizeof(cmd),
             "/usr/bin/python3 -c 'import struct, sys, zlib\n"
             "c = lambda t, d: struct.pack(\">I\", len(d)) + t + d + struct.pack(\">I\", zlib.crc32(t + d))\n"
             "rows = (b\"\\0\" + b\"\\0\\0\\xff\" * 16) * 16\n"
             "open(sys.argv[1], \"wb\").write(b\"\\x89PNG\\r\\n\\x1a\\n\" + c(b\"IHDR\", struct.pack(\">IIBBBBB\", 16, 16, 8, 2, 0, 0, 0))"
             " + c(b\"IDAT\", zlib.compress(rows)) + c(b\"IEND\", b\"\")); print(\"made\")' '%s'", png);
    res = run_capture(cmd);
    TEST_CHECKF(res && strstr(res, "made"), "%s", res ? res : "python3 failed");
    free(res);
    chmod(png, 0644);
  }

  TEST_CHECK(listener_start(&l));
  snprintf(page, sizeof(page),
           "<!DOCTYPE html>\n<html><head><title>t</title><link rel=\"stylesheet\" href=\"http://127.0.0.1:%d/style.css\"></head>\n"
           "<body><p>Printgate HTML sample</p>\n"
           "<img src=\"http://127.0.0.1:%d/img.png\" width=\"50\" height=\"50\">\n"
           "<img src=\"file://%s\" width=\"50\" height=\"50\">\n"
           "<img src=\"file:///etc/passwd\" width=\"50\" height=\"50\">\n"
           "<iframe src=\"file:///etc/passwd\" width=\"400\" height=\"200\"></iframe>\n"
           "<p>end of page</p></body></html>\n", l.port, l.port, png);
  snprintf(html, sizeof(html), "%s/page.html", tmpdir);
  TEST_CHECK(write_text(html, page));
  TEST_CHECK(sniff_file(html) == GW_FORMAT_HTML);

  snprintf(profile, sizeof(profile), "-env:UserInstallation=file://%s/control-profile", tmpdir);
  {
    char outdir[1200];
    char *const argv[] = { SOFFICE, profile, "--headless", "--norestore", "--infilter=HTML (StarWriter)",
                           "--convert-to", "pdf", "--outdir", outdir, html, NULL };

    snprintf(outdir, sizeof(outdir), "%s/html-control", tmpdir);
    run_wait(argv, 120);
    snprintf(out, sizeof(out), "%s/page.pdf", outdir);
  }
  TEST_CHECKF(l.connections >= 1, "positive control: %d connections from plain soffice", l.connections);
  TEST_CHECKF(has_mark_image(out), "positive control: plain soffice did not embed the 16 x 16 PNG");
  printf("  (plain soffice: %d connection(s), %d image(s))\n", l.connections, pdf_images(out));

  before = l.connections;
  snprintf(out, sizeof(out), "%s/page-pool.pdf", tmpdir);
  TEST_CHECKF(convert_file(pool, html, "html", out, &reason, detail, sizeof(detail)), "%s", detail);
  usleep(1000000);
  TEST_CHECKF(l.connections == before, "%d connections from the pool", l.connections - before);
  TEST_CHECKF(!has_mark_image(out), "the pool embedded the 16 x 16 PNG from outside its view");
  TEST_CHECK(pdf_has_text(out, "Printgate HTML sample") && pdf_has_text(out, "end of page"));
  TEST_CHECK(!pdf_has_text(out, "root:"));
  listener_stop(&l);
  unlink(png);
  rmdir(open_dir);
}
