/*
 * test-convert-helper.c - printgate-convert, run the way the daemon runs
 * it (docs/converters.md): posix_spawn with a fixed argv, the document on
 * fd 0 as a memfd (or a pipe), the PDF read from fd 1, the result line from
 * fd 3, a private PG_CONVERT_TMPDIR, and a wall-clock timeout enforced with
 * SIGKILL.
 *
 * What a user would see is checked: page and colour-page counts, the
 * output's pages and text (pdfinfo, pdftotext), the reason of each failure;
 * hostile PostScript failing while the next conversion still works; and
 * the sandbox proven by positive controls with printgate-convert-unsafe
 * (-dNOSAFER): without the sandbox /etc/passwd leaks into the output and a
 * %pipe% command creates its file; with it, neither happens.
 *
 * The sanitizer build relaxes RLIMIT_AS and seccomp (DESIGN.md 6), so the
 * memory-bomb and seccomp checks run in the normal build only.
 *
 * With --run FILE [NAME=VALUE...] this program converts one file and
 * prints the result line and the time taken (tests/bench/convert-bench.sh).
 */

#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(PRINTGATE_SANITIZE)
#  define SANITIZER_BUILD 1
#else
#  define SANITIZER_BUILD 0
#endif


/*
 * One run of the helper, as the daemon sees it.
 */

typedef struct run_s
{
  bool    exited;                       /* Exited (else killed by a signal) */
  int     exit_code;
  int     signal;
  bool    timed_out;                    /* We killed it at the deadline */
  char    result[512];                  /* fd 3 */
  char    err[8192];                    /* fd 2 (first 8 KiB) */
  size_t  out_len;                      /* Bytes on fd 1 */
  bool    dir_clean;                    /* PG_CONVERT_TMPDIR empty afterwards */
  double  seconds;
} run_t;

typedef struct opts_s                   /* How to run it */
{
  const char        *binary;            /* Default: printgate-convert */
  const char        *mode;              /* Default: --normalize */
  const char *const *args;              /* After the mode */
  const char *const *env;               /* Extra NAME=VALUE */
  bool               pipe_input;        /* Pipe instead of memfd */
  bool               no_tmpdir;         /* Leave PG_CONVERT_TMPDIR unset */
  bool               dirty_tmpdir;      /* Put a file in it first */
  int                timeout;           /* Seconds (default 60) */
  const char        *output;            /* Save fd 1 here */
} opts_t;

static char build_dir[1024], data_dir[1024], work[1024], helper[1200], unsafe_helper[1200];


/*
 * 'now()' - Monotonic seconds.
 */

static double
now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}


/*
 * 'read_file()' - Read a whole file (caller frees); NULL on error.
 */

static char *
read_file(const char *path, size_t *len)
{
  FILE  *fp = fopen(path, "rb");
  char  *data = NULL;
  long   size;

  *len = 0;
  if (!fp)
    return (NULL);

  if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
      (data = malloc((size_t)size + 1)) != NULL)
  {
    *len = fread(data, 1, (size_t)size, fp);
    data[*len] = '\0';
  }

  fclose(fp);
  return (data);
}


/*
 * 'clear_dir()' - Remove a private directory as the daemon does after the
 *                 helper exits; tell whether it was already empty.
 */

static bool
clear_dir(const char *path)
{
  DIR           *dir;
  struct dirent *ent;
  bool           empty = true;

  if ((dir = opendir(path)) != NULL)
  {
    while ((ent = readdir(dir)) != NULL)
    {
      if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
        continue;

      empty = false;
      unlinkat(dirfd(dir), ent->d_name, 0);
    }
    closedir(dir);
  }

  rmdir(path);
  return (empty);
}


/*
 * 'run_helper()' - Convert input_path like the daemon would.
 */

static bool
run_helper(const char *input_path, const opts_t *o, run_t *r)
{
  char                       tmpdir[256], envbuf[300], *argv[16], *envp[24], *input = NULL, buf[65536];
  size_t                     inlen = 0, inpos = 0, errlen = 0, reslen = 0;
  int                        in = -1, in_w = -1, out[2], err[2], res[2], argc = 0, envc = 0, status;
  int                        timeout = o->timeout > 0 ? o->timeout : 60;
  pid_t                      pid;
  posix_spawn_file_actions_t fa;
  FILE                      *save = NULL;
  double                     start, deadline;

  memset(r, 0, sizeof(*r));

  if ((input = read_file(input_path, &inlen)) == NULL)
    return (false);

  /* On tmpfs, as the daemon does (plaintext stays in memory). */
  snprintf(tmpdir, sizeof(tmpdir), "%s/pgtest.conv.XXXXXX", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
  if (!mkdtemp(tmpdir))
  {
    free(input);
    return (false);
  }

  if (o->dirty_tmpdir)
  {
    char stray[300];
    int  fd;

    snprintf(stray, sizeof(stray), "%s/leftover", tmpdir);
    if ((fd = open(stray, O_WRONLY | O_CREAT, 0600)) >= 0)
      close(fd);
  }

  /*
   * The document: a sealed memfd like the daemon's, or a pipe we feed.
   */

  if (o->pipe_input)
  {
    int p[2];

    if (pipe2(p, O_CLOEXEC))
      return (false);
    in   = p[0];
    in_w = p[1];
    fcntl(in_w, F_SETFL, O_NONBLOCK);
  }
  else
  {
    in = memfd_create("test-doc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (in < 0 || (inlen > 0 && write(in, input, inlen) != (ssize_t)inlen) || lseek(in, 0, SEEK_SET) != 0 ||
        fcntl(in, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL))
      return (false);
  }

  if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(res, O_CLOEXEC))
    return (false);

  argv[argc ++] = (char *)(o->binary ? o->binary : helper);
  argv[argc ++] = (char *)(o->mode ? o->mode : "--normalize");
  for (int i = 0; o->args && o->args[i] && argc < 14; i ++)
    argv[argc ++] = (char *)o->args[i];
  argv[argc] = NULL;

  if (!o->no_tmpdir)
  {
    snprintf(envbuf, sizeof(envbuf), "PG_CONVERT_TMPDIR=%s", tmpdir);
    envp[envc ++] = envbuf;
  }
  for (int i = 0; o->env && o->env[i] && envc < 22; i ++)
    envp[envc ++] = (char *)o->env[i];
  envp[envc] = NULL;

  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawn_file_actions_adddup2(&fa, res[1], 3);

  start = now();
  errno = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  if (errno)
    return (false);

  close(in);
  close(out[1]);
  close(err[1]);
  close(res[1]);

  if (o->output)
    save = fopen(o->output, "wb");

  /*
   * Feed the pipe (if any) and read fds 1, 2 and 3 until they close or the
   * deadline passes; then SIGKILL, as the daemon does.
   */

  deadline = start + timeout;
  if (in_w >= 0 && inlen == 0)
  {
    close(in_w);
    in_w = -1;
  }

  while (out[0] >= 0 || err[0] >= 0 || res[0] >= 0)
  {
    struct pollfd pfd[4];
    int           n = 0, left = (int)((deadline - now()) * 1000);

    if (left <= 0)
    {
      r->timed_out = true;
      kill(pid, SIGKILL);
      break;
    }

    if (out[0] >= 0) { pfd[n].fd = out[0]; pfd[n ++].events = POLLIN; }
    if (err[0] >= 0) { pfd[n].fd = err[0]; pfd[n ++].events = POLLIN; }
    if (res[0] >= 0) { pfd[n].fd = res[0]; pfd[n ++].events = POLLIN; }
    if (in_w >= 0)   { pfd[n].fd = in_w;   pfd[n ++].events = POLLOUT; }

    if (poll(pfd, (nfds_t)n, left) < 0)
      continue;

    for (int i = 0; i < n; i ++)
    {
      ssize_t got;

      if (!pfd[i].revents)
        continue;

      if (pfd[i].fd == in_w)
      {
        ssize_t w = write(in_w, input + inpos, inlen - inpos);

        if (w > 0)
          inpos += (size_t)w;
        if ((w < 0 && errno != EAGAIN) || inpos >= inlen)
        {
          close(in_w);
          in_w = -1;
        }
        continue;
      }

      got = read(pfd[i].fd, buf, sizeof(buf));

      if (pfd[i].fd == out[0])
      {
        if (got <= 0) { close(out[0]); out[0] = -1; continue; }
        r->out_len += (size_t)got;
        if (save)
          fwrite(buf, 1, (size_t)got, save);
      }
      else if (pfd[i].fd == err[0])
      {
        if (got <= 0) { close(err[0]); err[0] = -1; continue; }
        if (errlen + (size_t)got < sizeof(r->err))
        {
          memcpy(r->err + errlen, buf, (size_t)got);
          errlen += (size_t)got;
        }
      }
      else
      {
        if (got <= 0) { close(res[0]); res[0] = -1; continue; }
        if (reslen + (size_t)got < sizeof(r->result))
        {
          memcpy(r->result + reslen, buf, (size_t)got);
          reslen += (size_t)got;
        }
      }
    }
  }

  while (waitpid(pid, &status, 0) < 0 && errno == EINTR);
  r->seconds = now() - start;

  if (out[0] >= 0) close(out[0]);
  if (err[0] >= 0) close(err[0]);
  if (res[0] >= 0) close(res[0]);
  if (in_w >= 0)   close(in_w);
  if (save)
    fclose(save);
  free(input);

  r->exited    = WIFEXITED(status);
  r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r->signal    = WIFSIGNALED(status) ? WTERMSIG(status) : 0;

  /* The daemon's duty after every helper: remove the private directory. */
  r->dir_clean = clear_dir(tmpdir);

  return (true);
}


/*
 * 'convert()' - run_helper() with a file from tests/data/convert or work.
 */

static bool
convert(const char *name, const opts_t *o, run_t *r)
{
  char path[1200];

  if (name[0] == '/')
    snprintf(path, sizeof(path), "%s", name);
  else
    snprintf(path, sizeof(path), "%s/%s", data_dir, name);

  if (!run_helper(path, o, r))
  {
    printf("  (could not run the helper on %s)\n", name);
    return (false);
  }

  printf("  %s: %.*s (%.2f s)\n", strrchr(name, '/') ? strrchr(name, '/') + 1 : name,
         r->result[0] ? (int)strcspn(r->result, "\n") : 16, r->result[0] ? r->result : "(no result line)", r->seconds);
  return (true);
}


/*
 * 'shell()' - Run a command line (ours, fixed), true on exit 0.
 */

static bool
shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static bool
shell(const char *fmt, ...)
{
  char    cmd[4096];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(cmd, sizeof(cmd), fmt, ap);
  va_end(ap);

  return (system(cmd) == 0);
}


/*
 * 'pdf_pages()' - Pages of a PDF according to pdfinfo (-1 on error).
 */

static int
pdf_pages(const char *path)
{
  char  cmd[1200], line[512];
  FILE *fp;
  int   pages = -1;

  snprintf(cmd, sizeof(cmd), "pdfinfo '%s' 2>/dev/null", path);
  if ((fp = popen(cmd, "r")) == NULL)
    return (-1);

  while (fgets(line, sizeof(line), fp))
  {
    if (!strncmp(line, "Pages:", 6))
      pages = (int)strtol(line + 6, NULL, 10);
  }

  pclose(fp);
  return (pages);
}


/*
 * 'pdf_has_text()' - Does pdftotext find text in a PDF?
 */

static bool
pdf_has_text(const char *path, const char *text)
{
  char cmd[1400];

  snprintf(cmd, sizeof(cmd), "pdftotext '%s' - 2>/dev/null | grep -qF '%s'", path, text);
  return (system(cmd) == 0);
}


/*
 * 'gs_to_pdf()' - Make a PDF from one of our PostScript files with the gs
 *                 command (as a user's application would have).
 */

static bool
gs_to_pdf(const char *ps, const char *pdf, const char *extra)
{
  return (shell("gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite %s -o '%s/%s' '%s/%s' >/dev/null 2>&1",
                extra ? extra : "", work, pdf, data_dir, ps));
}


/*
 * 'is_ok()', 'is_fail()' - Check a result line.
 */

static bool
is_ok(const run_t *r, int pages, int color_pages)
{
  char want[80];

  /* The line ends with the format the sniffer found ("format=pdf"). */
  if (color_pages >= 0)
    snprintf(want, sizeof(want), "ok pages=%d color_pages=%d format=", pages, color_pages);
  else
    snprintf(want, sizeof(want), "ok pages=%d format=", pages);

  return (!strncmp(r->result, want, strlen(want)) && strchr(r->result, '\n') == r->result + strlen(r->result) - 1 &&
          r->exited && r->exit_code == 0 && r->dir_clean);
}

static bool
is_fail(const run_t *r, const char *reason)
{
  char want[80];

  snprintf(want, sizeof(want), "fail reason=%s detail=", reason);
  return (!strncmp(r->result, want, strlen(want)) && strchr(r->result, '\n') == r->result + strlen(r->result) - 1 &&
          r->exited && r->exit_code != 0 && r->out_len == 0);
}


/*
 * 'landlock_abi()' - The kernel's Landlock ABI (0 = none).
 */

static int
landlock_abi(void)
{
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U);

  return (abi < 0 ? 0 : (int)abi);
}


/*
 * 'run_one()' - --run FILE [NAME=VALUE...]: one conversion for the
 *               benchmark; prints "SECONDS RESULT".
 */

static int
run_one(int argc, char *argv[])
{
  opts_t o;
  run_t  r;

  memset(&o, 0, sizeof(o));
  o.env     = (const char *const *)argv + 3;
  o.timeout = 600;
  (void)argc;

  if (!run_helper(argv[2], &o, &r))
    return (1);

  printf("%.4f %s", r.seconds, r.result[0] ? r.result : "none\n");
  return (r.exited && r.exit_code == 0 ? 0 : 1);
}


/*
 * 'test_normalise()' - Conversions that succeed, with counts and text.
 */

static void
test_normalise(void)
{
  opts_t o;
  run_t  r;
  char   out[1200], path[1200];

  memset(&o, 0, sizeof(o));
  snprintf(out, sizeof(out), "%s/out.pdf", work);
  o.output = out;

  TEST_BEGIN("a 3-page PDF with one colour page: pages=3 color_pages=1, text kept");
  snprintf(path, sizeof(path), "%s/three-pages.pdf", work);
  if (gs_to_pdf("three-pages.ps", "three-pages.pdf", NULL) && convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 3, 1), "%s", r.result);
    TEST_CHECK(pdf_pages(out) == 3);
    TEST_CHECK(pdf_has_text(out, "Page one: black text only"));
    TEST_CHECK(pdf_has_text(out, "Page two: a red box"));
    TEST_CHECK(pdf_has_text(out, "Page three: grey"));
    TEST_CHECK(strstr(r.err, "sandbox: ") != NULL);
    if (landlock_abi() > 0)
      TEST_CHECKF(strstr(r.err, "Landlock on") != NULL, "%s", r.err);
    if (!SANITIZER_BUILD)
      TEST_CHECKF(strstr(r.err, "seccomp on") != NULL && strstr(r.err, "RLIMIT_AS on") != NULL, "%s", r.err);
    if (geteuid() == 0)
      TEST_CHECKF(strstr(r.err, "user nobody") != NULL, "%s", r.err);
  }
  else
    TEST_CHECK(!"could not make or convert three-pages.pdf");

  TEST_BEGIN("the same PDF through a pipe (copied into the private directory)");
  o.pipe_input = true;
  if (convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 3, 1), "%s", r.result);
    TEST_CHECK(pdf_pages(out) == 3);
  }
  o.pipe_input = false;

  TEST_BEGIN("PG_CONVERT_COLOR=0: pages only");
  {
    const char *env[] = { "PG_CONVERT_COLOR=0", NULL };

    o.env = env;
    if (convert(path, &o, &r))
      TEST_CHECKF(is_ok(&r, 3, -1), "%s", r.result);
    o.env = NULL;
  }

  TEST_BEGIN("grey in RGB, DeviceGray and CMYK black counts as mono (also as a JPEG image)");
  snprintf(path, sizeof(path), "%s/grey-rgb.pdf", work);
  if (gs_to_pdf("grey-rgb.ps", "grey-rgb.pdf", NULL) && convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
  snprintf(path, sizeof(path), "%s/grey-jpeg.pdf", work);
  if (gs_to_pdf("grey-rgb.ps", "grey-jpeg.pdf", "-dAutoFilterColorImages=false -dColorImageFilter=/DCTEncode") &&
      shell("pdfimages -list '%s' | grep -q jpeg", path) && convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
  else
    TEST_CHECK(!"could not make a PDF with a grey JPEG");

  TEST_BEGIN("small colour counts: a 1 cm logo, a 5 mm pale mark, an 8 pt blue link");
  snprintf(path, sizeof(path), "%s/logo-1cm.pdf", work);
  if (gs_to_pdf("logo-1cm.ps", "logo-1cm.pdf", NULL) && convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);
  snprintf(path, sizeof(path), "%s/pale-5mm.pdf", work);
  if (gs_to_pdf("pale-5mm.ps", "pale-5mm.pdf", NULL) && convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);
  snprintf(path, sizeof(path), "%s/blue-link.pdf", work);
  if (gs_to_pdf("blue-link.ps", "blue-link.pdf", NULL) && convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);

  TEST_BEGIN("PostScript input becomes a PDF with its pages and text");
  if (convert("three-pages.ps", &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 3, 1), "%s", r.result);
    TEST_CHECK(pdf_pages(out) == 3);
    TEST_CHECK(pdf_has_text(out, "Page two: a red box"));
  }

  TEST_BEGIN("EPS input is fitted on an A4 page");
  if (convert("logo.eps", &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);
    TEST_CHECK(pdf_has_text(out, "EPS logo text"));
    TEST_CHECK(shell("pdfinfo '%s' | grep -q 'Page size: *595[.0-9]* x 84[12]'", out));
  }

  TEST_BEGIN("an owner-password-only PDF converts; the output is not encrypted");
  snprintf(path, sizeof(path), "%s/owner-only.pdf", work);
  if (shell("qpdf --encrypt '' owner 256 --print=none -- '%s/three-pages.pdf' '%s'", work, path) && convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 3, 1), "%s", r.result);
    TEST_CHECK(shell("pdfinfo '%s' | grep -q 'Encrypted: *no'", out));
  }

  TEST_BEGIN("nothing the document prints reaches the helper's stderr");
  if (convert("prints-text.ps", &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
    TEST_CHECKF(strstr(r.err, "PGC-DOCUMENT-TEXT-MARKER") == NULL, "%s", r.err);
    TEST_CHECK(strstr(r.err, "not shown") != NULL);
  }
}


/*
 * 'test_failures()' - Documents that fail, each with its reason.
 */

static void
test_refusals(void)
{
  opts_t o;
  run_t  r;
  char   path[1200];

  memset(&o, 0, sizeof(o));

  TEST_BEGIN("a zero-byte document: empty-document");
  snprintf(path, sizeof(path), "%s/empty.pdf", work);
  if (shell(": > '%s'", path) && convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "empty-document") && strstr(r.result, "0 bytes"), "%s", r.result);

  TEST_BEGIN("a corrupt PDF: corrupt-document");
  snprintf(path, sizeof(path), "%s/corrupt.pdf", work);
  if (shell("printf '%%%%PDF-1.4\\n1 0 obj garbage\\nxref\\n0 1\\ntrailer <<>>\\n%%%%%%%%EOF\\n' > '%s'", path) && convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "corrupt-document") && r.dir_clean, "%s", r.result);

  TEST_BEGIN("a PDF that needs a user password: password-protected");
  snprintf(path, sizeof(path), "%s/user-password.pdf", work);
  if (shell("qpdf --encrypt user owner 256 -- '%s/three-pages.pdf' '%s'", work, path) && convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "password-protected"), "%s", r.result);

  TEST_BEGIN("not PDF, PostScript or EPS: unsupported-format");
  snprintf(path, sizeof(path), "%s/photo.png", work);
  if (shell("printf '\\211PNG\\r\\n\\032\\nrest' > '%s'", path) && convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "unsupported-format"), "%s", r.result);

  TEST_BEGIN("PostScript that prints no page: empty-document");
  if (convert("no-pages.ps", &o, &r))
    TEST_CHECKF(is_fail(&r, "empty-document"), "%s", r.result);

  TEST_BEGIN("a 20,000-page PDF is refused fast as too-many-pages");
  snprintf(path, sizeof(path), "%s/pages-20000.pdf", work);
  if (shell("gs -q -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o '%s' -c '1 1 20000 { pop showpage } for' >/dev/null 2>&1", path) &&
      pdf_pages(path) == 20000 && convert(path, &o, &r))
  {
    TEST_CHECKF(is_fail(&r, "too-many-pages") && strstr(r.result, "20000 pages; at most 500"), "%s", r.result);
    TEST_CHECKF(r.seconds < (SANITIZER_BUILD ? 30.0 : 10.0), "took %.2f s", r.seconds);
  }
  else
    TEST_CHECK(!"could not make the 20,000-page PDF");

  TEST_BEGIN("PostScript with more pages than allowed stops at the limit");
  {
    const char *env[] = { "PG_CONVERT_MAX_PAGES=2", NULL };

    o.env = env;
    if (convert("three-pages.ps", &o, &r))
      TEST_CHECKF(is_fail(&r, "too-many-pages") && strstr(r.result, "more than 2 pages"), "%s", r.result);
    o.env = NULL;
  }

  TEST_BEGIN("a document over PG_CONVERT_FSIZE_MB through a pipe: too-large");
  {
    const char *env[] = { "PG_CONVERT_FSIZE_MB=1", NULL };

    o.env        = env;
    o.pipe_input = true;
    if (convert(path, &o, &r))           /* The 20,000-page PDF is 6 MB */
      TEST_CHECKF(is_fail(&r, "too-large"), "%s", r.result);
    o.env        = NULL;
    o.pipe_input = false;
  }
}


/*
 * 'test_settings()' - Bad settings and directories stop the helper before
 *                     it reads anything (exit 2, internal-error).
 */

static void
test_settings(void)
{
  opts_t      o;
  run_t       r;
  char        path[1200];
  const char *bad_number[] = { "PG_CONVERT_MAX_PAGES=12abc", NULL };
  const char *too_big[]    = { "PG_CONVERT_AS_MB=99999999", NULL };
  const char *unknown[]    = { "PG_CONVERT_MAXPAGES=10", NULL };
  const char *bad_user[]   = { "PG_CONVERT_USER=../root", NULL };
  const char *extra_arg[]  = { "--no-sandbox", NULL };

  memset(&o, 0, sizeof(o));
  snprintf(path, sizeof(path), "%s/three-pages.ps", data_dir);

  TEST_BEGIN("settings are parsed strictly; the normal helper takes no other argument");
  o.env = bad_number;
  if (convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "internal-error") && r.exit_code == 2 && strstr(r.result, "PG_CONVERT_MAX_PAGES"), "%s", r.result);
  o.env = too_big;
  if (convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "internal-error") && strstr(r.result, "PG_CONVERT_AS_MB"), "%s", r.result);
  o.env = unknown;
  if (convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "internal-error") && strstr(r.result, "unknown setting PG_CONVERT_MAXPAGES"), "%s", r.result);
  o.env = bad_user;
  if (convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "internal-error") && strstr(r.result, "PG_CONVERT_USER"), "%s", r.result);
  o.env  = NULL;
  o.args = extra_arg;
  if (convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "internal-error") && strstr(r.result, "usage"), "%s", r.result);
  o.args = NULL;

  TEST_BEGIN("PG_CONVERT_TMPDIR must be set and empty");
  o.no_tmpdir = true;
  if (convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "internal-error") && strstr(r.result, "PG_CONVERT_TMPDIR"), "%s", r.result);
  o.no_tmpdir    = false;
  o.dirty_tmpdir = true;
  if (convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "internal-error") && strstr(r.result, "not empty"), "%s", r.result);
}


/*
 * 'test_hostile()' - Hostile PostScript fails with a reason, and the next
 *                    conversion still works.
 */

static void
test_hostile(void)
{
  opts_t o;
  run_t  r;
  char   out[1200], path[1200], marker[256];

  memset(&o, 0, sizeof(o));
  snprintf(out, sizeof(out), "%s/hostile.pdf", work);
  o.output = out;

  TEST_BEGIN("PostScript that reads /etc/passwd fails and leaks nothing");
  if (convert("read-passwd.ps", &o, &r))
  {
    TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "invalidfileaccess"), "%s", r.result);
    TEST_CHECK(!pdf_has_text(out, "root:"));
  }

  TEST_BEGIN("a %pipe% command fails and runs nothing");
  snprintf(marker, sizeof(marker), "/tmp/pgtest-pwned-%d", (int)getpid());
  snprintf(path, sizeof(path), "%s/pipe.ps", work);
  unlink(marker);
  if (shell("printf '%%%%!PS\\n/f (%%%%pipe%%%%touch %s) (w) file def f (x) writestring f closefile\\n"
            "/Helvetica findfont 10 scalefont setfont 72 700 moveto (piped) show showpage\\n' > '%s'", marker, path) &&
      convert(path, &o, &r))
  {
    TEST_CHECKF(is_fail(&r, "corrupt-document"), "%s", r.result);
    TEST_CHECK(access(marker, F_OK) != 0);
  }

  TEST_BEGIN("an endless loop is killed by the wall-clock timeout (SIGKILL)");
  o.timeout = 3;
  if (convert("endless-loop.ps", &o, &r))
    TEST_CHECKF(r.timed_out && r.signal == SIGKILL && r.result[0] == '\0' && r.seconds < 10.0,
                "timed_out=%d signal=%d %.2f s", r.timed_out, r.signal, r.seconds);
  o.timeout = 0;

  TEST_BEGIN("RLIMIT_CPU is the backstop when nobody kills it");
  {
    const char *env[] = { "PG_CONVERT_CPU_S=1", NULL };

    o.env = env;
    if (convert("endless-loop.ps", &o, &r))
      TEST_CHECKF(!r.timed_out && (r.signal == SIGXCPU || r.signal == SIGKILL) && r.result[0] == '\0',
                  "signal=%d %.2f s", r.signal, r.seconds);
    o.env = NULL;
  }

  if (!SANITIZER_BUILD)
  {
    const char *env[] = { "PG_CONVERT_AS_MB=256", NULL };

    TEST_BEGIN("a memory bomb fails at RLIMIT_AS with conversion-failed");
    o.env = env;
    if (convert("memory-bomb.ps", &o, &r))
      TEST_CHECKF(is_fail(&r, "conversion-failed") && strstr(r.result, "more memory") && !r.timed_out, "%s", r.result);
    o.env = NULL;
  }

  TEST_BEGIN("after all that, the next conversion works");
  snprintf(path, sizeof(path), "%s/three-pages.pdf", work);
  if (convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 3, 1), "%s", r.result);
    TEST_CHECK(pdf_pages(out) == 3);
  }
}


/*
 * 'test_positive_controls()' - The sandbox proven: with -dNOSAFER standing
 *                              in for a SAFER bypass, the attacks work
 *                              without the sandbox and fail with it.
 */

static void
test_positive_controls(void)
{
  opts_t      o;
  run_t       r;
  char        out[1200], path[1200], marker[256];
  const char *no_sandbox[]  = { "--no-sandbox", NULL };
  const char *no_seccomp[]  = { "--no-seccomp", NULL };
  const char *no_landlock[] = { "--no-landlock", NULL };
  bool        have_landlock = landlock_abi() > 0;

  memset(&o, 0, sizeof(o));
  snprintf(out, sizeof(out), "%s/control.pdf", work);
  o.output = out;
  o.binary = unsafe_helper;

  snprintf(marker, sizeof(marker), "/tmp/pgtest-pwned-%d", (int)getpid());
  snprintf(path, sizeof(path), "%s/pipe.ps", work);
  unlink(marker);

  TEST_BEGIN("positive control: without the sandbox, /etc/passwd leaks into the output");
  o.args = no_sandbox;
  if (convert("read-passwd.ps", &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
    TEST_CHECK(pdf_has_text(out, "root:"));
    TEST_CHECK(strstr(r.err, "TEST-ONLY UNSAFE BUILD") != NULL);
  }

  TEST_BEGIN("positive control: without the sandbox, the %pipe% command runs");
  if (SANITIZER_BUILD)
  {
    /*
     * libgs 10.0.0 copies overlapping strings (strcpy) on its %pipe% path,
     * which ASan aborts on; that code is only reachable with -dNOSAFER.
     */

    static const char *asan_env[] = { "ASAN_OPTIONS=replace_str=0", NULL };

    o.env = asan_env;
  }
  if (convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
    TEST_CHECK(access(marker, F_OK) == 0);
  }
  unlink(marker);
  o.env = NULL;

  if (!have_landlock)
    printf("  SKIP Landlock checks: this kernel has no Landlock\n");
  else
  {
    TEST_BEGIN("with the sandbox (still -dNOSAFER), Landlock stops the /etc/passwd read");
    o.args = NULL;
    if (convert("read-passwd.ps", &o, &r))
    {
      TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.err, "Landlock on"), "%s", r.result);
      TEST_CHECK(!pdf_has_text(out, "root:"));
    }

    TEST_BEGIN("and Landlock is what stops it: with only seccomp, it leaks again");
    o.args = no_landlock;
    if (convert("read-passwd.ps", &o, &r))
      TEST_CHECKF(is_ok(&r, 1, 0) && pdf_has_text(out, "root:"), "%s", r.result);

    TEST_BEGIN("Landlock alone also stops the %pipe% command (nothing may be executed)");
    o.args = no_seccomp;
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_fail(&r, "corrupt-document"), "%s", r.result);
      TEST_CHECK(access(marker, F_OK) != 0);
    }
    unlink(marker);
  }

  if (!SANITIZER_BUILD)
  {
    TEST_BEGIN("with the sandbox, seccomp kills the helper at the %pipe% fork/exec (SIGSYS)");
    o.args = NULL;
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(!r.exited && r.signal == SIGSYS && r.result[0] == '\0', "exited=%d signal=%d", r.exited, r.signal);
      TEST_CHECK(access(marker, F_OK) != 0);
    }

    TEST_BEGIN("seccomp alone (no Landlock) kills it too");
    o.args = no_landlock;
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(!r.exited && r.signal == SIGSYS, "exited=%d signal=%d", r.exited, r.signal);
      TEST_CHECK(access(marker, F_OK) != 0);
    }
    unlink(marker);
  }
}


/*
 * 'file_head()' - The first bytes of a file (0 on error).
 */

static size_t
file_head(const char *path, unsigned char *buf, size_t len)
{
  FILE  *fp = fopen(path, "rb");
  size_t n;

  if (!fp)
    return (0);
  n = fread(buf, 1, len, fp);
  fclose(fp);

  return (n);
}


/*
 * 'hex()' - Hex-encode text the way the daemon does for PG_RENDER_WATERMARK.
 */

static void
hex(const char *text, char *buf, size_t bufsize)
{
  size_t len = 0;

  for (; *text && len + 3 < bufsize; text ++, len += 2)
    snprintf(buf + len, bufsize - len, "%02x", (unsigned char)*text);
}


/*
 * 'test_render()' - --render: the held PDF made into what a printer takes.
 */

static void
test_render(void)
{
  opts_t        o;
  run_t         r;
  char          five[1200], ten[1200], out[1200], wm_env[600], wm_hex[500];
  unsigned char head[16];
  const char   *pages_23[]  = { "PG_RENDER_PAGES=2-3", NULL };
  const char   *nup_2[]     = { "PG_RENDER_NUP=2", NULL };
  const char   *nup_4[]     = { "PG_RENDER_NUP=4", NULL };
  const char   *past_end[]  = { "PG_RENDER_PAGES=7-9", NULL };
  const char   *pwg_gray[]  = { "PG_RENDER_FORMAT=pwg", "PG_RENDER_COLOR=gray", "PG_RENDER_DPI=150", "PG_RENDER_PAGES=1,3", NULL };
  const char   *urf_rgb[]   = { "PG_RENDER_FORMAT=urf", "PG_RENDER_COLOR=rgb", "PG_RENDER_DPI=100", "PG_RENDER_NUP=2", NULL };
  const char   *pclxl[]     = { "PG_RENDER_FORMAT=pclxl", "PG_RENDER_COLOR=gray", "PG_RENDER_NUP=4", NULL };
  const char   *wm[]        = { wm_env, NULL };
  const char   *wm_in_norm[]= { "PG_RENDER_WATERMARK=41", NULL };
  static const char *const bad[][2] =
  {
    { "PG_RENDER_PAGES=5-3", "PG_RENDER_PAGES" },
    { "PG_RENDER_PAGES=", "PG_RENDER_PAGES" },
    { "PG_RENDER_NUP=3", "PG_RENDER_NUP" },
    { "PG_RENDER_NUP=2x2", "PG_RENDER_NUP" },
    { "PG_RENDER_FORMAT=cups", "PG_RENDER_FORMAT" },
    { "PG_RENDER_FORMAT=pdfwrite -dNOSAFER", "PG_RENDER_FORMAT" },
    { "PG_RENDER_COLOR=cmyk", "PG_RENDER_COLOR" },
    { "PG_RENDER_DPI=5000", "PG_RENDER_DPI" },
    { "PG_RENDER_WATERMARK=zz", "hex digits" },
    { "PG_RENDER_WATERMARK=414", "hex digits" },
    { "PG_RENDER_WATERMARK=410a42", "printable ASCII" },
    { "PG_RENDER_WATERMARK=28290a", "printable ASCII" },
    { "PG_RENDER_WATERMARK=", "hex digits" },
    { "PG_RENDER_SPEED=1", "unknown setting PG_RENDER_SPEED" }
  };

  memset(&o, 0, sizeof(o));
  o.mode = "--render";
  snprintf(five, sizeof(five), "%s/render-five.pdf", work);
  snprintf(ten, sizeof(ten), "%s/render-ten.pdf", work);
  snprintf(out, sizeof(out), "%s/render-out", work);

  TEST_BEGIN("render: test documents");
  TEST_CHECK(shell("gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o '%s' -c '1 1 5 { /Helvetica findfont 30 scalefont setfont 72 600 moveto (Page number ) show 3 string cvs show showpage } for' >/dev/null 2>&1", five));
  TEST_CHECK(shell("gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o '%s' -c '1 1 10 { /Helvetica findfont 30 scalefont setfont 72 600 moveto (Page number ) show 3 string cvs show showpage } for' >/dev/null 2>&1", ten));
  TEST_CHECK(pdf_pages(five) == 5 && pdf_pages(ten) == 10);

  TEST_BEGIN("render: pages 2-3 of 5 give a 2-page PDF with pages 2 and 3");
  o.env    = pages_23;
  o.output = out;
  if (convert(five, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 2, -1) && strstr(r.result, "format=pdf"), "%s", r.result);
    TEST_CHECK(pdf_pages(out) == 2);
    TEST_CHECK(pdf_has_text(out, "Page number 2") && pdf_has_text(out, "Page number 3") && !pdf_has_text(out, "Page number 1") && !pdf_has_text(out, "Page number 4"));
  }

  TEST_BEGIN("render: 2-up halves the sides (10 pages -> 5) on landscape A4 sheets; 4-up stays portrait");
  o.env = nup_2;
  if (convert(ten, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 5, -1) && pdf_pages(out) == 5 && pdf_has_text(out, "Page number 10"), "%s", r.result);
    TEST_CHECK(shell("pdfinfo '%s' | grep -Eq '^Page size: +842 x 595 pts'", out));
  }
  o.env = nup_4;
  if (convert(ten, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 3, -1) && pdf_pages(out) == 3, "%s", r.result);
    TEST_CHECK(shell("pdfinfo '%s' | grep -Eq '^Page size: +595 x 842 pts'", out));
  }

  TEST_BEGIN("render: page ranges past the end select nothing: empty-document");
  o.env = past_end;
  if (convert(five, &o, &r))
    TEST_CHECKF(is_fail(&r, "empty-document") && strstr(r.result, "5-page document"), "%s", r.result);

  TEST_BEGIN("render: PWG raster, 8-bit sGray; URF with its page count; PCL-XL");
  o.env = pwg_gray;
  if (convert(five, &o, &r))
    TEST_CHECKF(is_ok(&r, 2, -1) && strstr(r.result, "format=pwg") && file_head(out, head, 4) == 4 && !memcmp(head, "RaS2", 4), "%s", r.result);
  o.env = urf_rgb;
  if (convert(five, &o, &r))
    TEST_CHECKF(is_ok(&r, 3, -1) && strstr(r.result, "format=urf") && file_head(out, head, 12) == 12 && !memcmp(head, "UNIRAST", 8) &&
                head[8] == 0 && head[9] == 0 && head[10] == 0 && head[11] == 3, "%s", r.result);
  o.env = pclxl;
  if (convert(ten, &o, &r))
    TEST_CHECKF(is_ok(&r, 3, -1) && strstr(r.result, "format=pclxl") && file_head(out, head, 9) == 9 && !memcmp(head, "\033%-12345X", 9), "%s", r.result);

  TEST_BEGIN("render: the watermark prints the text as written, PostScript specials and all");
  hex("bob) show (INJECTED) show (x \\ % <4142> 2026-11-30 JOB-1234", wm_hex, sizeof(wm_hex));
  snprintf(wm_env, sizeof(wm_env), "PG_RENDER_WATERMARK=%s", wm_hex);
  o.env = wm;
  if (convert(five, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 5, -1), "%s", r.result);
    TEST_CHECK(shell("test \"$(pdftotext '%s' - | grep -cF 'bob) show (INJECTED) show (x \\ %% <4142> 2026-11-30 JOB-1234')\" = 5", out));
    TEST_CHECK(pdf_has_text(out, "Page number 5"));
  }

  TEST_BEGIN("render: settings are parsed strictly (exit 2, internal-error)");
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i ++)
  {
    const char *env[2] = { bad[i][0], NULL };

    o.env = env;
    if (convert(five, &o, &r))
      TEST_CHECKF(is_fail(&r, "internal-error") && r.exit_code == 2 && strstr(r.result, bad[i][1]), "%s: %s", bad[i][0], r.result);
  }

  TEST_BEGIN("render: only a PDF is rendered; --normalize takes no PG_RENDER_*");
  o.env = NULL;
  if (convert("three-pages.ps", &o, &r))
    TEST_CHECKF(is_fail(&r, "unsupported-format"), "%s", r.result);
  o.mode = NULL;
  o.env  = wm_in_norm;
  if (convert(five, &o, &r))
    TEST_CHECKF(is_fail(&r, "internal-error") && strstr(r.result, "--normalize takes no setting PG_RENDER_WATERMARK"), "%s", r.result);
}


/*
 * 'main()' - Run the tests (or one conversion with --run).
 */

int
main(int argc, char *argv[])
{
  const char *b = getenv("GW_BUILD_DIR"), *s = getenv("GW_SOURCE_DIR");

  snprintf(build_dir, sizeof(build_dir), "%s", b ? b : ".");
  snprintf(data_dir, sizeof(data_dir), "%s/tests/data/convert", s ? s : "..");
  snprintf(helper, sizeof(helper), "%s/converters/printgate-convert", build_dir);
  snprintf(unsafe_helper, sizeof(unsafe_helper), "%s/converters/printgate-convert-unsafe", build_dir);

  signal(SIGPIPE, SIG_IGN);             /* A helper that stops reading its pipe */
  setvbuf(stdout, NULL, _IOLBF, 0);

  if (argc >= 3 && !strcmp(argv[1], "--run"))
    return (run_one(argc, argv));

  if (access(helper, X_OK) || access(unsafe_helper, X_OK))
  {
    printf("FAIL: %s or %s is missing (build them first)\n", helper, unsafe_helper);
    return (1);
  }

  if (!test_tempdir(work, sizeof(work)))
  {
    printf("FAIL: no temporary directory\n");
    return (1);
  }

  test_normalise();
  test_refusals();
  test_settings();
  test_hostile();
  test_render();
  test_positive_controls();

  test_rmtree(work);
  TEST_EXIT();
}
