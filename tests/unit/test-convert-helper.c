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
#include <stdint.h>
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

  TEST_BEGIN("a kind of file the gateway does not print (an ELF program): unsupported-format");
  snprintf(path, sizeof(path), "%s/program.bin", work);
  if (shell("printf '\\177ELF\\002\\001\\001\\000\\000\\000\\000\\000\\000\\000\\000\\000\\003\\000' > '%s'", path) && convert(path, &o, &r))
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
 * 'write_bytes()' - Write a test input (work/name) and return its path.
 */

static const char *
write_bytes(const char *name, const void *data, size_t len, char *path, size_t pathsize)
{
  FILE *fp;

  snprintf(path, pathsize, "%s/%s", work, name);
  if ((fp = fopen(path, "wb")) == NULL)
    return (path);
  if (len > 0 && fwrite(data, 1, len, fp) != len)
    printf("  (short write of %s)\n", path);
  fclose(fp);
  return (path);
}


/*
 * 'pdf_text()' - All of pdftotext's output for a PDF (or for one page when
 *                page > 0); the caller frees it.
 */

static char *
pdf_text(const char *pdf, int page, const char *flags)
{
  char   txt[1200];
  size_t len;

  snprintf(txt, sizeof(txt), "%s/pdftotext.txt", work);
  if (page > 0)
  {
    if (!shell("pdftotext %s -f %d -l %d '%s' '%s' 2>/dev/null", flags, page, page, pdf, txt))
      return (NULL);
  }
  else if (!shell("pdftotext %s '%s' '%s' 2>/dev/null", flags, pdf, txt))
    return (NULL);

  return (read_file(txt, &len));
}


/*
 * 'body_text()' - pdftotext's text without line ends, form feeds and the
 *                 page-number footers (lines of digits only), and the
 *                 longest line; the caller frees it.
 */

static char *
body_text(const char *pdf, size_t *longest)
{
  char       *text = pdf_text(pdf, 0, ""), *body, *line, *end, *q;

  *longest = 0;
  if (!text || (body = malloc(strlen(text) + 1)) == NULL)
  {
    free(text);
    return (NULL);
  }

  for (line = text, q = body; *line; line = *end ? end + 1 : end)
  {
    size_t n;

    while (*line == '\f')
      line ++;
    end = line + strcspn(line, "\n");
    n   = (size_t)(end - line);

    if (strspn(line, "0123456789") == n)
      continue;

    memcpy(q, line, n);
    q += n;
    if (n > *longest)
      *longest = n;
  }
  *q = '\0';

  free(text);
  return (body);
}


/*
 * 'test_text_charsets()' - Plain text in every charset the sniffer names
 *                          becomes a mono PDF in a monospace font, with the
 *                          right characters.
 */

static void
test_text_charsets(void)
{
  opts_t o;
  run_t  r;
  char   out[1200], path[1200];

  memset(&o, 0, sizeof(o));
  snprintf(out, sizeof(out), "%s/text.pdf", work);
  o.output = out;

  TEST_BEGIN("Windows-1252 (Latin-1) text: e-acute, u-umlaut and the euro sign come out as UTF-8");
  {
    static const char latin1[] = "Caf\xe9 M\xfcller pays \x80 5 \x93quoted\x94\r\nsecond line\r\n";

    write_bytes("latin1.txt", latin1, sizeof(latin1) - 1, path, sizeof(path));
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 1, 0) && strstr(r.result, "format=text-windows-1252"), "%s", r.result);
      TEST_CHECK(pdf_has_text(out, "Caf\xc3\xa9 M\xc3\xbcller pays \xe2\x82\xac 5 \xe2\x80\x9cquoted\xe2\x80\x9d"));
      TEST_CHECK(pdf_has_text(out, "second line"));
      TEST_CHECK(shell("pdffonts '%s' | grep -q DejaVuSansMono", out));
    }
  }

  TEST_BEGIN("UTF-8 text with Greek and Cyrillic");
  {
    static const char utf8[] = "Greek: \xce\xb1\xce\xb2\xce\xb3 \xce\x94\xce\xad\xce\xbb\xcf\x84\xce\xb1\n"
                               "Cyrillic: \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80\n";

    write_bytes("utf8.txt", utf8, sizeof(utf8) - 1, path, sizeof(path));
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 1, 0) && strstr(r.result, "format=text-utf-8"), "%s", r.result);
      TEST_CHECK(pdf_has_text(out, "Greek: \xce\xb1\xce\xb2\xce\xb3 \xce\x94\xce\xad\xce\xbb\xcf\x84\xce\xb1"));
      TEST_CHECK(pdf_has_text(out, "Cyrillic: \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80"));
    }
  }

  TEST_BEGIN("UTF-8 with a byte order mark; Hebrew, which DejaVu Sans Mono lacks, comes from a fallback font, right-aligned");
  {
    static const char bom[] = "\xef\xbb\xbfwith BOM\nHebrew \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d\n\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d\n";

    write_bytes("bom.txt", bom, sizeof(bom) - 1, path, sizeof(path));
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 1, 0) && strstr(r.result, "format=text-utf-8"), "%s", r.result);
      TEST_CHECK(pdf_has_text(out, "with BOM"));
      TEST_CHECK(shell("pdftotext '%s' - | head -1 | grep -q '^with BOM$'", out));
      TEST_CHECK(shell("pdffonts '%s' | grep -v Mono | grep -q 'DejaVuSans'", out));
      /* The all-Hebrew line is right-to-left: it ends at the column's right edge (541.5 pt on A4). */
      TEST_CHECK(shell("pdftotext -bbox '%s' - | grep -q 'xMax=\"54[01]\\.'", out));
    }
  }

  TEST_BEGIN("UTF-16 with a byte order mark (little and big endian); a surrogate cut off at the end becomes U+FFFD");
  {
    /* "Zo\u00eb \u20ac \u03a9" LF "ok", then half a surrogate pair (the sniffer lets the last one through) */
    static const unsigned char le[] = { 0xFF, 0xFE, 'Z', 0, 'o', 0, 0xEB, 0, ' ', 0, 0xAC, 0x20, ' ', 0, 0xA9, 0x03,
                                        '\n', 0, 'o', 0, 'k', 0, 0x3D, 0xD8 };
    unsigned char        be[sizeof(le)];

    for (size_t i = 0; i < sizeof(le); i += 2)
    {
      be[i]     = le[i + 1];
      be[i + 1] = le[i];
    }

    write_bytes("utf16le.txt", le, sizeof(le), path, sizeof(path));
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 1, 0) && strstr(r.result, "format=text-utf-16"), "%s", r.result);
      TEST_CHECK(pdf_has_text(out, "Zo\xc3\xab \xe2\x82\xac \xce\xa9"));
      TEST_CHECK(pdf_has_text(out, "ok\xef\xbf\xbd"));
    }

    write_bytes("utf16be.txt", be, sizeof(be), path, sizeof(path));
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 1, 0) && strstr(r.result, "format=text-utf-16"), "%s", r.result);
      TEST_CHECK(pdf_has_text(out, "Zo\xc3\xab \xe2\x82\xac \xce\xa9"));
      TEST_CHECK(pdf_has_text(out, "ok\xef\xbf\xbd"));
    }
  }

  TEST_BEGIN("UTF-8 cut in the middle of a character: U+FFFD, the rest kept");
  {
    static const char cut[] = "caf\xc3\xa9 au lait \xe2\x82";

    write_bytes("cut.txt", cut, sizeof(cut) - 1, path, sizeof(path));
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 1, 0) && strstr(r.result, "format=text-utf-8"), "%s", r.result);
      TEST_CHECK(shell("pdftotext '%s' - | grep -qx 'caf\xc3\xa9 au lait \xef\xbf\xbd'", out));   /* One U+FFFD */
    }
  }

  TEST_BEGIN("UTF-8 noncharacters (U+FFFF, U+FDD0) print as U+FFFD (cairo refuses them; found by fuzz-text)");
  {
    static const char nonchar[] = "before \xef\xbf\xbf \xef\xb7\x90 after\n";

    write_bytes("nonchar.txt", nonchar, sizeof(nonchar) - 1, path, sizeof(path));
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 1, 0) && strstr(r.result, "format=text-utf-8"), "%s", r.result);
      TEST_CHECK(pdf_has_text(out, "before \xef\xbf\xbd \xef\xbf\xbd after"));
    }
  }

}


/*
 * 'test_text_layout()' - Line ends, tabs, form feeds, wrapping, paper
 *                        sizes, the page limit, and what is refused.
 */

static void
test_text_layout(void)
{
  opts_t      o;
  run_t       r;
  char        out[1200], path[1200], *text, *buf;
  size_t      len, longest;
  const char *letter[] = { "PG_CONVERT_PAPER=letter", NULL };
  const char *max2[]   = { "PG_CONVERT_MAX_PAGES=2", NULL };

  memset(&o, 0, sizeof(o));
  snprintf(out, sizeof(out), "%s/text.pdf", work);
  o.output = out;

  TEST_BEGIN("CR LF, CR and LF end lines; tabs go to every 8th column; control characters are dropped");
  {
    /* Three controls need 300 bytes of text around them to pass the sniffer's budget. */
    static const char ends[] = "one\r\ntwo\rthree\nx\ty\tz\nab\001c\033d\177e\n"
      "padding padding padding padding padding padding padding padding padding padding\n"
      "padding padding padding padding padding padding padding padding padding padding\n"
      "padding padding padding padding padding padding padding padding padding padding\n"
      "padding padding padding padding padding padding padding padding padding padding\n";

    write_bytes("ends.txt", ends, sizeof(ends) - 1, path, sizeof(path));
    if (convert(path, &o, &r) && (text = pdf_text(out, 1, "-layout")) != NULL)
    {
      TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
      TEST_CHECKF(!strncmp(text, "one\ntwo\nthree\nx       y       z\nabcde\npadding", 45), "%s", text);
      free(text);
    }
    else
      TEST_CHECK(!"could not convert ends.txt");
  }

  TEST_BEGIN("a form feed starts a new page; leading and trailing form feeds make no blank page");
  {
    static const char ff[]  = "page one\n\fpage two\n";
    static const char ff3[] = "\f\n\fleft\f\fright\n\f\n\n";

    write_bytes("ff.txt", ff, sizeof(ff) - 1, path, sizeof(path));
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 2, 0) && strstr(r.result, "format=text-us-ascii"), "%s", r.result);
      TEST_CHECK(pdf_pages(out) == 2);
      TEST_CHECK((text = pdf_text(out, 1, "")) != NULL && strstr(text, "page one") && !strstr(text, "page two"));
      free(text);
      TEST_CHECK((text = pdf_text(out, 2, "")) != NULL && strstr(text, "page two") && !strstr(text, "page one"));
      free(text);
    }

    write_bytes("ff3.txt", ff3, sizeof(ff3) - 1, path, sizeof(path));
    if (convert(path, &o, &r))
    {
      /* "left", a blank page (two form feeds in a row), "right" */
      TEST_CHECKF(is_ok(&r, 3, 0), "%s", r.result);
      TEST_CHECK((text = pdf_text(out, 1, "")) != NULL && strstr(text, "left"));
      free(text);
      TEST_CHECK((text = pdf_text(out, 3, "")) != NULL && strstr(text, "right"));
      free(text);
    }
  }

  TEST_BEGIN("a 10,000-character line wraps at 80 columns onto 3 pages, every character kept");
  if ((buf = malloc(10008)) != NULL)
  {
    for (len = 0; len < 10000; len += 6)
      snprintf(buf + len, 7, "<%04d>", (int)(len / 6));
    buf[10000] = '\n';

    write_bytes("long-line.txt", buf, 10001, path, sizeof(path));
    buf[10000] = '\0';
    if (convert(path, &o, &r) && (text = body_text(out, &longest)) != NULL)
    {
      /* 125 lines of 80 at 62 lines per A4 page */
      TEST_CHECKF(is_ok(&r, 3, 0), "%s", r.result);
      TEST_CHECKF(!strcmp(text, buf), "%zu of 10000 characters", strlen(text));
      TEST_CHECKF(longest == 80, "longest line %zu", longest);
      free(text);
    }
    else
      TEST_CHECK(!"could not convert long-line.txt");
    free(buf);
  }

  TEST_BEGIN("120 lines: 2 A4 pages (62 lines each) or 3 Letter pages (58); 80 columns fit, 81 wrap");
  {
    char line[100];

    snprintf(path, sizeof(path), "%s/lines-120.txt", work);
    if (shell("for i in $(seq 1 120); do printf 'line %%03d %%071d\\n' $i 0; done > '%s'", path) && convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 2, 0), "%s", r.result);
      TEST_CHECK(shell("pdfinfo '%s' | grep -q 'Page size: *595.2[0-9]* x 841.8[0-9]* pts (A4)'", out));
      snprintf(line, sizeof(line), "line 120 %071d", 0);
      TEST_CHECK(pdf_has_text(out, line));
      TEST_CHECK((text = pdf_text(out, 2, "")) != NULL && strstr(text, "line 063 ") && !strstr(text, "line 062 "));
      free(text);
    }

    o.env = letter;
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 3, 0), "%s", r.result);
      TEST_CHECK(shell("pdfinfo '%s' | grep -q 'Page size: *612 x 792 pts (letter)'", out));
    }
    o.env = NULL;

    snprintf(path, sizeof(path), "%s/lines-81.txt", work);
    if (shell("for i in $(seq 1 60); do printf 'line %%03d %%072d\\n' $i 0; done > '%s'", path) && convert(path, &o, &r))
      TEST_CHECKF(is_ok(&r, 2, 0), "%s", r.result);      /* 120 lines */
  }

  TEST_BEGIN("text through a pipe converts the same");
  o.pipe_input = true;
  if (convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 2, 0), "%s", r.result);
  o.pipe_input = false;

  TEST_BEGIN("text over PG_CONVERT_MAX_PAGES: too-many-pages; 20 MB of text fails fast");
  o.env = max2;
  snprintf(path, sizeof(path), "%s/long-line.txt", work);              /* 3 pages */
  if (convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "too-many-pages") && strstr(r.result, "more than 2 pages"), "%s", r.result);
  o.env = NULL;

  snprintf(path, sizeof(path), "%s/big.txt", work);
  if (shell("yes 'The quick brown fox jumps over the lazy dog, again and again and again.' 2>/dev/null | head -c 20000000 > '%s'", path) &&
      convert(path, &o, &r))
  {
    TEST_CHECKF(is_fail(&r, "too-many-pages") && strstr(r.result, "more than 500 pages"), "%s", r.result);
    TEST_CHECKF(r.seconds < (SANITIZER_BUILD ? 60.0 : 20.0), "took %.2f s", r.seconds);
  }

  TEST_BEGIN("50,000 combining marks on one letter: at most 30 are kept, so it converts fast");
  if ((buf = malloc(100100)) != NULL)
  {
    memcpy(buf, "before a", 8);
    for (len = 8; len < 8 + 100000; len += 2)
      memcpy(buf + len, "\xcc\x81", 2);           /* U+0301 COMBINING ACUTE ACCENT */
    memcpy(buf + len, " after\n", 7);

    write_bytes("marks.txt", buf, len + 7, path, sizeof(path));
    if (convert(path, &o, &r))
    {
      /* Before the cap Ghostscript's pdfwrite pass took about 20 s on this file. */
      TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
      TEST_CHECKF(r.seconds < (SANITIZER_BUILD ? 15.0 : 5.0), "took %.2f s", r.seconds);
      TEST_CHECK(pdf_has_text(out, "before") && pdf_has_text(out, "after"));
    }
    free(buf);
  }

  TEST_BEGIN("text with nothing to print: empty-document");
  {
    static const char blank[] = "   \n\n\t\f\n  \n";

    write_bytes("blank.txt", blank, sizeof(blank) - 1, path, sizeof(path));
    if (convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "empty-document") && r.dir_clean, "%s", r.result);
  }

  TEST_BEGIN("random binary bytes: unsupported-format, and the sentence lists what can be printed");
  if ((buf = malloc(4096)) != NULL)
  {
    unsigned state = 12345;

    for (len = 0; len < 4096; len ++)
    {
      state    = state * 1103515245U + 12345U;
      buf[len] = (char)(state >> 16);
    }

    write_bytes("random.bin", buf, 4096, path, sizeof(path));
    if (convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "unsupported-format") && strstr(r.result, "PDF") && strstr(r.result, "plain text"), "%s", r.result);
    free(buf);
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
 * 'make_image()' - Make a test image in work with ImageMagick's convert
 *                  (or another of the tools the test uses); the command
 *                  line ends with the output name, which goes in path.
 */

static bool
make_image(char *path, size_t pathsize, const char *name, const char *cmd)
{
  snprintf(path, pathsize, "%s/%s", work, name);
  if (shell("%s '%s' >/dev/null 2>&1", cmd, path))
    return (true);

  printf("  (could not make %s)\n", name);
  return (false);
}


/*
 * 'page_size()' - Width and height in points of a PDF's first page
 *                 (pdfinfo), false on error.
 */

static bool
page_size(const char *pdf, double *w, double *h)
{
  char  cmd[1200], line[512];
  FILE *fp;
  bool  found = false;

  snprintf(cmd, sizeof(cmd), "pdfinfo '%s' 2>/dev/null", pdf);
  if ((fp = popen(cmd, "r")) == NULL)
    return (false);

  while (fgets(line, sizeof(line), fp))
  {
    if (!strncmp(line, "Page size:", 10) && sscanf(line + 10, "%lf x %lf", w, h) == 2)
      found = true;
  }

  pclose(fp);
  return (found);
}


/*
 * 'find_mark()' - Render a PDF's first page at 18 dpi in grey (pdftoppm)
 *                 and give the centre of its dark pixels (< 64) as a
 *                 fraction of the page width and height (0,0 = top left).
 *                 False when there are none.
 */

static bool
find_mark(const char *pdf, double *fx, double *fy)
{
  char           prefix[1200], pgm[1300];
  unsigned char *data;
  size_t         len;
  int            w, h, maxval, off = 0;
  double         sx = 0, sy = 0, n = 0;

  snprintf(prefix, sizeof(prefix), "%s/mark", work);
  snprintf(pgm, sizeof(pgm), "%s.pgm", prefix);
  if (!shell("pdftoppm -r 18 -gray -singlefile -f 1 -l 1 '%s' '%s' 2>/dev/null", pdf, prefix) ||
      (data = (unsigned char *)read_file(pgm, &len)) == NULL)
    return (false);

  if (sscanf((char *)data, "P5 %d %d %d%n", &w, &h, &maxval, &off) != 3 || w <= 0 || h <= 0 ||
      (size_t)off + 1 + (size_t)w * (size_t)h > len)
  {
    free(data);
    return (false);
  }

  for (int y = 0; y < h; y ++)
    for (int x = 0; x < w; x ++)
      if (data[off + 1 + y * w + x] < 64)
      {
        sx += x + 0.5;
        sy += y + 0.5;
        n ++;
      }

  free(data);
  unlink(pgm);

  if (n == 0)
    return (false);

  *fx = sx / n / w;
  *fy = sy / n / h;
  return (true);
}


/*
 * 'has_image()' - Does the PDF hold an image of this width, encoded as
 *                 pdfimages says ("jpeg" for DCT, "image" for Flate)?
 */

static bool
has_image(const char *pdf, int width, const char *enc)
{
  return (shell("pdfimages -list '%s' 2>/dev/null | awk '$3 == \"image\" && $4 == %d && $9 == \"%s\" { f = 1 } END { exit !f }'", pdf, width, enc));
}

#define has_jpeg_image(pdf, width) has_image((pdf), (width), "jpeg")


/*
 * 'crc32_png()' - The CRC-32 of PNG chunks (ISO 3309), for hand-made PNGs.
 */

static uint32_t
crc32_png(const unsigned char *p, size_t len)
{
  uint32_t c = 0xffffffffU;

  for (size_t i = 0; i < len; i ++)
  {
    c ^= p[i];
    for (int k = 0; k < 8; k ++)
      c = (c & 1U) ? 0xedb88320U ^ (c >> 1) : (c >> 1);
  }

  return (c ^ 0xffffffffU);
}


/*
 * 'put_chunk()' - Append a PNG chunk to buf at *pos.
 */

static void
put_chunk(unsigned char *buf, size_t *pos, const char *type, const unsigned char *data, uint32_t len)
{
  unsigned char *start = buf + *pos;
  uint32_t       crc;

  start[0] = (unsigned char)(len >> 24);
  start[1] = (unsigned char)(len >> 16);
  start[2] = (unsigned char)(len >> 8);
  start[3] = (unsigned char)len;
  memcpy(start + 4, type, 4);
  if (len)
    memcpy(start + 8, data, len);
  crc = crc32_png(start + 4, len + 4);
  start[8 + len]  = (unsigned char)(crc >> 24);
  start[9 + len]  = (unsigned char)(crc >> 16);
  start[10 + len] = (unsigned char)(crc >> 8);
  start[11 + len] = (unsigned char)crc;
  *pos += 12 + len;
}


/*
 * 'make_marked_png()' - A 40 x 30 light orange RGB PNG with a black 10 x 10
 *                       mark in its top-left corner, by hand (a stored
 *                       deflate block), with an eXIf chunk giving the
 *                       orientation when orientation > 0.  Returns its
 *                       length in buf (at least 4096 bytes).
 */

static size_t
make_marked_png(unsigned char *buf, int orientation)
{
  static const unsigned char ihdr[13] = { 0, 0, 0, 40, 0, 0, 0, 30, 8, 2, 0, 0, 0 };
  unsigned char               exif[26] =
  {
    'I', 'I', 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00,       /* TIFF header, IFD0 at 8 */
    0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00
  };
  unsigned char               idat[2 + 5 + 30 * 121 + 4], *p = idat;
  uint32_t                    a = 1, b = 0;
  size_t                      pos = 8, raw = 30 * 121;

  exif[18] = (unsigned char)orientation;

  /* zlib header, one stored block, the rows (filter 0), Adler-32. */
  *p++ = 0x78;
  *p++ = 0x01;
  *p++ = 0x01;
  *p++ = (unsigned char)raw;
  *p++ = (unsigned char)(raw >> 8);
  *p++ = (unsigned char)~raw;
  *p++ = (unsigned char)(~raw >> 8);
  for (int y = 0; y < 30; y ++)
  {
    *p++ = 0;
    for (int x = 0; x < 40; x ++)
    {
      bool mark = x < 10 && y < 10;

      *p++ = mark ? 0 : 0xff;
      *p++ = mark ? 0 : 0xe0;
      *p++ = mark ? 0 : 0xa0;
    }
  }
  for (unsigned char *q = idat + 7; q < p; q ++)
  {
    a = (a + *q) % 65521;
    b = (b + a) % 65521;
  }
  *p++ = (unsigned char)(b >> 8);
  *p++ = (unsigned char)b;
  *p++ = (unsigned char)(a >> 8);
  *p++ = (unsigned char)a;

  memcpy(buf, "\211PNG\r\n\032\n", 8);
  put_chunk(buf, &pos, "IHDR", ihdr, sizeof(ihdr));
  if (orientation > 0)
    put_chunk(buf, &pos, "eXIf", exif, sizeof(exif));
  put_chunk(buf, &pos, "IDAT", idat, (uint32_t)(p - idat));
  put_chunk(buf, &pos, "IEND", NULL, 0);

  return (pos);
}


/*
 * 'write_file()' - Write a file of ours.
 */

static bool
write_file(const char *path, const void *data, size_t len)
{
  FILE *fp = fopen(path, "wb");
  bool  ok;

  if (!fp)
    return (false);
  ok = fwrite(data, 1, len, fp) == len;
  return (fclose(fp) == 0 && ok);
}


/*
 * 'add_exif_orientation()' - Copy a JPEG with an EXIF APP1 (orientation
 *                            only) put after its SOI marker.
 */

static bool
add_exif_orientation(const char *in, const char *out, int orientation)
{
  unsigned char app1[36] =
  {
    0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
    'I', 'I', 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00,       /* TIFF header, IFD0 at 8 */
    0x01, 0x00,                                         /* 1 entry */
    0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,     /* Orientation, SHORT, 1 */
    0x00, 0x00, 0x00, 0x00,                             /* value (set below) */
    0x00, 0x00, 0x00, 0x00                              /* no next IFD */
  };
  char          *data, *copy;
  size_t         len;
  bool           ok;

  app1[28] = (unsigned char)orientation;

  if ((data = read_file(in, &len)) == NULL || len < 4 || (copy = malloc(len + sizeof(app1))) == NULL)
  {
    free(data);
    return (false);
  }

  memcpy(copy, data, 2);
  memcpy(copy + 2, app1, sizeof(app1));
  memcpy(copy + 2 + sizeof(app1), data + 2, len - 2);
  ok = write_file(out, copy, len + sizeof(app1));

  free(copy);
  free(data);
  return (ok);
}


/*
 * 'test_images()' - Photos and pictures: each kind converts, on the right
 *                   page, upright, with the right counts.
 */

static void
test_images(void)
{
  opts_t o;
  run_t  r;
  char   out[1200], path[1200], path2[1200];
  double w = 0, h = 0, fx = -1, fy = -1;

  /* A light orange 400 x 300 picture, black mark in its top-left corner. */
  static const char *marked = "convert -size 400x300 xc:'#ffe0a0' -fill black -draw 'rectangle 0,0 59,59'";

  memset(&o, 0, sizeof(o));
  snprintf(out, sizeof(out), "%s/image.pdf", work);
  o.output = out;

  TEST_BEGIN("a landscape JPEG: one landscape A4 page, kept as DCT, the mark top left");
  if (make_image(path, sizeof(path), "marked.jpg", marked) && convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, "format=jpeg"), "%s", r.result);
    TEST_CHECKF(page_size(out, &w, &h) && w > 841 && w < 842 && h > 595 && h < 596, "%.1f x %.1f", w, h);
    TEST_CHECK(has_jpeg_image(out, 400));
    TEST_CHECKF(find_mark(out, &fx, &fy) && fx < 0.25 && fy < 0.3, "mark at %.2f, %.2f", fx, fy);
  }

  TEST_BEGIN("EXIF orientation 6 (turn 90 degrees clockwise): portrait page, mark top right, still DCT");
  snprintf(path2, sizeof(path2), "%s/exif6.jpg", work);
  if (add_exif_orientation(path, path2, 6) && convert(path2, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);
    TEST_CHECKF(page_size(out, &w, &h) && w > 595 && w < 596 && h > 841 && h < 842, "%.1f x %.1f", w, h);
    TEST_CHECK(has_jpeg_image(out, 400));
    TEST_CHECKF(find_mark(out, &fx, &fy) && fx > 0.75 && fy < 0.25, "mark at %.2f, %.2f", fx, fy);
  }

  TEST_BEGIN("EXIF orientation 8 (turn 90 degrees anticlockwise): portrait page, mark bottom left");
  snprintf(path2, sizeof(path2), "%s/exif8.jpg", work);
  if (add_exif_orientation(path, path2, 8) && convert(path2, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);
    TEST_CHECKF(page_size(out, &w, &h) && w < h, "%.1f x %.1f", w, h);
    TEST_CHECKF(find_mark(out, &fx, &fy) && fx < 0.25 && fy > 0.75, "mark at %.2f, %.2f", fx, fy);
  }

  TEST_BEGIN("a JPEG named .pdf converts by its content (format=jpeg)");
  snprintf(path2, sizeof(path2), "%s/not-really.pdf", work);
  if (shell("cp '%s' '%s'", path, path2) && convert(path2, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, " format=jpeg\n"), "%s", r.result);

  TEST_BEGIN("PG_CONVERT_PAPER=letter: the image page is Letter");
  {
    const char *env[] = { "PG_CONVERT_PAPER=letter", NULL };

    o.env = env;
    if (convert(path, &o, &r))
      TEST_CHECKF(is_ok(&r, 1, 1) && page_size(out, &w, &h) && w == 792 && h == 612, "%s %.1f x %.1f", r.result, w, h);
    o.env = NULL;
  }

  TEST_BEGIN("a PNG's eXIf orientation 6: portrait page, mark top right (without it: landscape, top left)");
  {
    unsigned char png[8192];
    size_t        len;

    snprintf(path2, sizeof(path2), "%s/exif6.png", work);
    len = make_marked_png(png, 6);
    if (write_file(path2, png, len) && convert(path2, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, "format=png"), "%s", r.result);
      TEST_CHECKF(page_size(out, &w, &h) && w < h && find_mark(out, &fx, &fy) && fx > 0.75 && fy < 0.25,
                  "%.1f x %.1f, mark at %.2f, %.2f", w, h, fx, fy);
    }
    snprintf(path2, sizeof(path2), "%s/plain.png", work);
    len = make_marked_png(png, 0);
    if (write_file(path2, png, len) && convert(path2, &o, &r))
      TEST_CHECKF(is_ok(&r, 1, 1) && page_size(out, &w, &h) && w > h && find_mark(out, &fx, &fy) && fx < 0.25 && fy < 0.3,
                  "%s %.1f x %.1f, mark at %.2f, %.2f", r.result, w, h, fx, fy);
  }

  TEST_BEGIN("a 3-page TIFF: 3 pages, one in colour; its orientation tag is honoured");
  if (!make_image(path, sizeof(path), "p1.tiff", "convert -size 300x400 xc:white -fill black -draw 'rectangle 0,0 59,59'") ||
      !make_image(path, sizeof(path), "p2.tiff", "convert -size 300x400 xc:white -fill red -draw 'rectangle 100,100 199,199'") ||
      !make_image(path, sizeof(path), "p3.tiff", "convert -size 400x300 xc:'#ffe0a0' -fill black -draw 'rectangle 0,0 59,59' -orient RightTop"))
    TEST_CHECK(!"could not make the TIFF pages");
  snprintf(path, sizeof(path), "%s/three.tiff", work);
  if (shell("cd '%s' && tiffcp p1.tiff p2.tiff p3.tiff three.tiff >/dev/null 2>&1", work) && convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 3, 2), "%s", r.result);
    TEST_CHECK(pdf_pages(out) == 3);
    snprintf(path2, sizeof(path2), "%s/page3.pdf", work);
    if (shell("qpdf --empty --pages '%s' 3 -- '%s'", out, path2))
      TEST_CHECKF(page_size(path2, &w, &h) && w < h && find_mark(path2, &fx, &fy) && fx > 0.75 && fy < 0.25,
                  "%.1f x %.1f, mark at %.2f, %.2f", w, h, fx, fy);
  }
  else
    TEST_CHECK(!"could not make or convert the 3-page TIFF");

  TEST_BEGIN("a TIFF with more pages than PG_CONVERT_MAX_PAGES is refused before decoding");
  {
    const char *env[] = { "PG_CONVERT_MAX_PAGES=2", NULL };

    o.env = env;
    if (convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "too-many-pages") && strstr(r.result, "3 pages; at most 2"), "%s", r.result);
    o.env = NULL;
  }

  TEST_BEGIN("a HEIC photo (heif-enc) converts, through a pipe too");
  if (!make_image(path, sizeof(path), "photo.png", "convert -size 640x480 plasma:red-yellow -seed 4"))
    TEST_CHECK(!"could not make photo.png");
  snprintf(path2, sizeof(path2), "%s/photo.heic", work);
  if (shell("cd '%s' && heif-enc -q 70 photo.png -o photo.heic >/dev/null 2>&1", work) && convert(path2, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, "format=heic"), "%s", r.result);
    TEST_CHECKF(page_size(out, &w, &h) && w > h, "%.1f x %.1f", w, h);
    TEST_CHECK(has_jpeg_image(out, 640));
    o.pipe_input = true;
    if (convert(path2, &o, &r))
      TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);
    o.pipe_input = false;
  }
  else
    TEST_CHECK(!"could not make or convert the HEIC photo");
  snprintf(path2, sizeof(path2), "%s/alpha.heic", work);
  if (shell("cd '%s' && convert -size 300x300 xc:none -fill '#00a000' -draw 'circle 150,150 150,200' -define png:color-type=6 rgba.png && "
            "heif-enc -q 70 rgba.png -o alpha.heic >/dev/null 2>&1 && heif-info alpha.heic | grep -q 'alpha channel: yes'", work) &&
      convert(path2, &o, &r))
  {
    /* Transparent around the disc: white paper, not black. */
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);
    TEST_CHECK(!find_mark(out, &fx, &fy));
  }
  else
    TEST_CHECK(!"could not make or convert a HEIC with alpha");

  TEST_BEGIN("an animated GIF and an animated WebP print their first frame only (grey, then red: color_pages=0)");
  if (make_image(path, sizeof(path), "anim.gif", "convert -size 200x100 xc:gray60 -size 200x100 xc:red -loop 0") &&
      convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 0) && strstr(r.result, "format=gif"), "%s", r.result);
  if (make_image(path, sizeof(path), "anim.webp", "convert -size 200x100 xc:gray60 -size 200x100 xc:red -loop 0") &&
      shell("grep -q ANMF '%s'", path) && convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 0) && strstr(r.result, "format=webp"), "%s", r.result);
  else
    TEST_CHECK(!"could not make or convert an animated WebP");

  TEST_BEGIN("BMP: 32-bit, 8-bit RLE, 1-bit palette: the mark top left");
  {
    static const char *const bmps[][2] =
    {
      { "a32.bmp", "-alpha set bmp:" },
      { "rle8.bmp", "-type Palette -compress RLE bmp3:" },
      { "p1.bmp", "-type Palette bmp3:" }
    };

    for (size_t i = 0; i < sizeof(bmps) / sizeof(bmps[0]); i ++)
    {
      char cmd[400];

      snprintf(cmd, sizeof(cmd), "convert -size 400x300 xc:'#ffe0a0' -fill black -draw 'rectangle 0,0 59,59' %s", bmps[i][1]);
      /* The bmp3:/bmp: prefix goes right before the name. */
      snprintf(path, sizeof(path), "%s/%s", work, bmps[i][0]);
      if (shell("%s'%s' >/dev/null 2>&1", cmd, path) && convert(path, &o, &r))
      {
        TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, "format=bmp"), "%s: %s", bmps[i][0], r.result);
        TEST_CHECKF(find_mark(out, &fx, &fy) && fx < 0.25 && fy < 0.3, "%s: mark at %.2f, %.2f", bmps[i][0], fx, fy);
      }
      else
        TEST_CHECKF(false, "could not make or convert %s", bmps[i][0]);
    }
  }

  TEST_BEGIN("other encodings of the marked picture: the mark top left, the orange kept (colour) each");
  {
    static const char *const variants[][2] =
    {
      { "cmyk.jpg", "-colorspace CMYK" },               /* Adobe CMYK JPEG: inverted, decoded */
      { "deep.png", "-depth 16" },                      /* 16-bit RGB PNG */
      { "palette.png", "-type Palette" },               /* Indexed PNG */
      { "lzw.tiff", "-compress lzw" },
      { "planar.tiff", "-interlace Plane" },            /* Separate planes */
      { "progressive.jpg", "-interlace Plane" }         /* Progressive JPEG, kept as DCT */
    };

    for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i ++)
    {
      char cmd[400];

      snprintf(cmd, sizeof(cmd), "%s %s", marked, variants[i][1]);
      if (make_image(path, sizeof(path), variants[i][0], cmd) && convert(path, &o, &r))
      {
        TEST_CHECKF(is_ok(&r, 1, 1), "%s: %s", variants[i][0], r.result);
        TEST_CHECKF(find_mark(out, &fx, &fy) && fx < 0.25 && fy < 0.3, "%s: mark at %.2f, %.2f", variants[i][0], fx, fy);
      }
      else
        TEST_CHECKF(false, "could not make or convert %s", variants[i][0]);
    }
    TEST_CHECK(has_jpeg_image(out, 400));               /* The progressive JPEG, last */
  }

  TEST_BEGIN("a JPEG with stray bytes between two markers converts (libjpeg's warning is counted, not fatal)");
  snprintf(path, sizeof(path), "%s/marked.jpg", work);
  snprintf(path2, sizeof(path2), "%s/stray.jpg", work);
  /* After ImageMagick's 16-byte JFIF APP0 segment (bytes 2-19), before the next marker. */
  if (shell("head -c 6 '%s' | od -An -tx1 | grep -q 'ff d8 ff e0 00 10' && { head -c 20 '%s'; printf junk; tail -c +21 '%s'; } > '%s'",
            path, path, path, path2) && convert(path2, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);
    TEST_CHECKF(strstr(r.err, "defects libjpeg could step over") != NULL, "%s", r.err);
    /* cairo's JPEG parser refuses such data and would embed the 1/8 pixels: decoded in full instead. */
    TEST_CHECK(has_image(out, 400, "image"));
  }

  TEST_BEGIN("WebP, lossy (embedded as JPEG) and lossless with alpha");
  if (make_image(path, sizeof(path), "lossy.webp", "convert -size 400x300 xc:'#ffe0a0' -fill black -draw 'rectangle 0,0 59,59' -quality 80") &&
      convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, "format=webp"), "%s", r.result);
    TEST_CHECKF(find_mark(out, &fx, &fy) && fx < 0.25 && fy < 0.3, "mark at %.2f, %.2f", fx, fy);
  }
  if (make_image(path, sizeof(path), "alpha.webp", "convert -size 300x300 xc:none -fill blue -draw 'circle 150,150 150,250' -define webp:lossless=true") &&
      convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);

  TEST_BEGIN("a PNG with alpha: transparent parts print white, the page counts as colour");
  if (make_image(path, sizeof(path), "alpha.png", "convert -size 300x300 xc:none -fill '#00a000' -draw 'circle 150,150 150,200'") &&
      convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1) && strstr(r.result, "format=png"), "%s", r.result);
    /* Nothing dark anywhere: the transparent corners are white, not black. */
    TEST_CHECK(!find_mark(out, &fx, &fy));
  }

  TEST_BEGIN("a grey photo stored as RGB (PNG and JPEG): color_pages=0");
  if (make_image(path, sizeof(path), "grey-rgb.png", "convert -size 600x400 plasma:fractal -seed 7 -colorspace gray -type TrueColor -define png:color-type=2") &&
      convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
  if (make_image(path, sizeof(path), "grey-rgb.jpg", "convert -size 600x400 plasma:fractal -seed 7 -colorspace gray -type TrueColor") &&
      shell("identify -format '%%[channels]' '%s' | grep -q srgb", path) && convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 1, 0), "%s", r.result);
  else
    TEST_CHECK(!"could not make or convert an RGB JPEG of a grey photo");

  TEST_BEGIN("an A4 scan at 300 dpi with a 1 cm colour logo: color_pages=1");
  if (make_image(path, sizeof(path), "logo-1cm.png", "convert -size 2480x3508 xc:white -fill black -draw 'rectangle 300,600 2000,620' -fill '#d02020' -draw 'rectangle 2100,300 2217,417'") &&
      convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 1, 1), "%s", r.result);
    TEST_CHECKF(page_size(out, &w, &h) && w < h, "%.1f x %.1f", w, h);
  }
}


/*
 * 'test_raster()' - PWG raster and URF pages (Ghostscript's devices, as a
 *                   phone would send them) become PDF pages of their size.
 */

static void
test_raster(void)
{
  opts_t o;
  run_t  r;
  char   out[1200], path[1200];
  double w = 0, h = 0, fx = -1, fy = -1;

  memset(&o, 0, sizeof(o));
  snprintf(out, sizeof(out), "%s/raster.pdf", work);
  o.output = out;

  /* Two 4 x 3 inch pages: a red square and a black mark top left; grey. */
  snprintf(path, sizeof(path), "%s/raster.ps", work);
  if (!shell("printf '%%%%!PS\\n<< /PageSize [288 216] >> setpagedevice\\n1 0 0 setrgbcolor 150 20 72 72 rectfill\\n"
             "0 setgray 0 176 40 40 rectfill showpage\\n0.5 setgray 10 10 100 100 rectfill showpage\\n' > '%s'", path))
  {
    TEST_CHECK(!"could not write raster.ps");
    return;
  }

  TEST_BEGIN("PWG raster, sRGB 8-bit, 2 pages: 288 x 216 pt pages, one in colour, the mark top left");
  if (shell("cd '%s' && gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pwgraster -r100 -dcupsColorSpace=19 -dcupsBitsPerColor=8 -o rgb.pwg raster.ps >/dev/null 2>&1", work))
  {
    snprintf(path, sizeof(path), "%s/rgb.pwg", work);
    if (convert(path, &o, &r))
    {
      TEST_CHECKF(is_ok(&r, 2, 1) && strstr(r.result, "format=pwg-raster"), "%s", r.result);
      TEST_CHECKF(pdf_pages(out) == 2 && page_size(out, &w, &h) && w == 288 && h == 216, "%.1f x %.1f", w, h);
      TEST_CHECKF(find_mark(out, &fx, &fy) && fx < 0.2 && fy < 0.3, "mark at %.2f, %.2f", fx, fy);
    }
  }
  else
    TEST_CHECK(!"gs could not write PWG raster");

  TEST_BEGIN("PWG raster in sGray, black 1-bit (the device default) and CMYK");
  {
    static const char *const kinds[][3] =
    {
      { "gray.pwg", "-dcupsColorSpace=18 -dcupsBitsPerColor=8", "0" },
      { "black1.pwg", "", "0" },
      { "cmyk.pwg", "-dcupsColorSpace=6 -dcupsBitsPerColor=8", "1" },
      { "rgb16.pwg", "-dcupsColorSpace=19 -dcupsBitsPerColor=16", "1" }
    };

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i ++)
    {
      snprintf(path, sizeof(path), "%s/%s", work, kinds[i][0]);
      if (shell("cd '%s' && gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pwgraster -r100 %s -o %s raster.ps >/dev/null 2>&1", work, kinds[i][1], kinds[i][0]) &&
          convert(path, &o, &r))
      {
        TEST_CHECKF(is_ok(&r, 2, kinds[i][2][0] - '0') && page_size(out, &w, &h) && w == 288 && h == 216, "%s: %s", kinds[i][0], r.result);
        TEST_CHECKF(find_mark(out, &fx, &fy) && fx < 0.2 && fy < 0.3, "%s: mark at %.2f, %.2f", kinds[i][0], fx, fy);
      }
      else
        TEST_CHECKF(false, "could not make or convert %s", kinds[i][0]);
    }
  }

  TEST_BEGIN("Apple raster (URF), sRGB and sGray 8-bit; over PG_CONVERT_MAX_PAGES: too-many-pages");
  snprintf(path, sizeof(path), "%s/rgb.urf", work);
  if (shell("cd '%s' && gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=urf -r100 -dcupsColorSpace=19 -dcupsBitsPerColor=8 -o rgb.urf raster.ps >/dev/null 2>&1", work) &&
      convert(path, &o, &r))
  {
    TEST_CHECKF(is_ok(&r, 2, 1) && strstr(r.result, "format=urf"), "%s", r.result);
    TEST_CHECKF(page_size(out, &w, &h) && w == 288 && h == 216, "%.1f x %.1f", w, h);
  }
  else
    TEST_CHECK(!"could not make or convert the URF");
  {
    const char *env[] = { "PG_CONVERT_MAX_PAGES=1", NULL };

    o.env = env;
    if (convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "too-many-pages") && strstr(r.result, "URF) document has more than 1 pages"), "%s", r.result);
    o.env = NULL;
  }
  snprintf(path, sizeof(path), "%s/gray.urf", work);
  if (shell("cd '%s' && gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=urf -r100 -dcupsColorSpace=18 -dcupsBitsPerColor=8 -o gray.urf raster.ps >/dev/null 2>&1", work) &&
      convert(path, &o, &r))
    TEST_CHECKF(is_ok(&r, 2, 0), "%s", r.result);

  TEST_BEGIN("a cut-short PWG raster: corrupt-document; a page over PG_CONVERT_MAX_MPIXELS: too-large");
  snprintf(path, sizeof(path), "%s/cut.pwg", work);
  if (shell("head -c 3000 '%s/rgb.pwg' > '%s'", work, path) && convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "PWG raster document is damaged"), "%s", r.result);
  snprintf(path, sizeof(path), "%s/big.pwg", work);
  if (shell("cd '%s' && gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pwgraster -r400 -dcupsColorSpace=18 -dcupsBitsPerColor=8 -o big.pwg raster.ps >/dev/null 2>&1", work))
  {
    const char *env[] = { "PG_CONVERT_MAX_MPIXELS=1", NULL };   /* 1600 x 1200 = 1.9 megapixels */

    o.env = env;
    if (convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "too-large") && strstr(r.result, "more than the limit of 1000000"), "%s", r.result);
    o.env = NULL;
  }
}


/*
 * 'test_hostile_images()' - Images that must fail, each with its reason,
 *                           nothing on fd 1.
 */

static void
test_hostile_images(void)
{
  opts_t         o;
  run_t          r;
  char           path[1200];
  unsigned char  png[256];
  size_t         pos = 8;
  static const unsigned char ihdr[13] = { 0, 0, 0xc3, 0x50, 0, 0, 0xc3, 0x50, 8, 2, 0, 0, 0 };   /* 50,000 x 50,000 RGB */
  static const unsigned char idat[11] = { 0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00 };

  memset(&o, 0, sizeof(o));

  TEST_BEGIN("a 50,000 x 50,000 PNG header fails fast with too-large, from the header alone");
  memcpy(png, "\211PNG\r\n\032\n", 8);
  put_chunk(png, &pos, "IHDR", ihdr, sizeof(ihdr));
  put_chunk(png, &pos, "IDAT", idat, sizeof(idat));
  put_chunk(png, &pos, "IEND", NULL, 0);
  snprintf(path, sizeof(path), "%s/huge.png", work);
  if (write_file(path, png, pos) && convert(path, &o, &r))
  {
    TEST_CHECKF(is_fail(&r, "too-large") && strstr(r.result, "50000 x 50000 pixels (2500 megapixels); at most 100"), "%s", r.result);
    TEST_CHECKF(r.seconds < (SANITIZER_BUILD ? 5.0 : 1.0), "took %.2f s", r.seconds);
  }

  TEST_BEGIN("PG_CONVERT_MAX_MPIXELS=1 refuses a 1200 x 1000 JPEG; out-of-range values are refused");
  if (make_image(path, sizeof(path), "1200x1000.jpg", "convert -size 1200x1000 xc:white"))
  {
    const char *one[] = { "PG_CONVERT_MAX_MPIXELS=1", NULL }, *zero[] = { "PG_CONVERT_MAX_MPIXELS=0", NULL },
               *big[] = { "PG_CONVERT_MAX_MPIXELS=1001", NULL };

    o.env = one;
    if (convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "too-large") && strstr(r.result, "at most 1 megapixels"), "%s", r.result);
    o.env = zero;
    if (convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "internal-error") && r.exit_code == 2 && strstr(r.result, "PG_CONVERT_MAX_MPIXELS"), "%s", r.result);
    o.env = big;
    if (convert(path, &o, &r))
      TEST_CHECKF(is_fail(&r, "internal-error") && strstr(r.result, "PG_CONVERT_MAX_MPIXELS"), "%s", r.result);
    o.env = NULL;
  }

  TEST_BEGIN("a truncated JPEG: corrupt-document, it ends early");
  if (make_image(path, sizeof(path), "whole.jpg", "convert -size 800x600 plasma:fractal -seed 3 -quality 90"))
  {
    char cut[1200];

    snprintf(cut, sizeof(cut), "%s/cut.jpg", work);
    if (shell("head -c 20000 '%s' > '%s'", path, cut) && convert(cut, &o, &r))
      TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "JPEG image ends early"), "%s", r.result);
  }

  TEST_BEGIN("a corrupt TIFF: a directory past the end, damaged compressed strips");
  snprintf(path, sizeof(path), "%s/bad-ifd.tiff", work);
  if (write_file(path, "II*\0\377\377\377\0", 8) && convert(path, &o, &r))
    TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "TIFF image is damaged"), "%s", r.result);
  if (make_image(path, sizeof(path), "zip.tiff", "convert -size 600x400 plasma:fractal -seed 5 -compress zip"))
  {
    char bad[1200];

    /* Flip bits in the first half (the strips; ImageMagick puts the directory last). */
    snprintf(bad, sizeof(bad), "%s/bad-strips.tiff", work);
    if (shell("perl -0777 -pe 'for my $i (200 .. int(length($_)/2)) { substr($_, $i, 1) ^= \"Z\" }' '%s' > '%s'", path, bad) &&
        convert(bad, &o, &r))
      TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, "page 1 of the TIFF image is damaged"), "%s", r.result);
  }

  TEST_BEGIN("cut-short GIF, PNG, WebP, HEIC and BMP: corrupt-document each");
  if (!shell("cd '%s' && convert photo.png photo.gif && convert photo.png -quality 80 photo.webp", work))
    TEST_CHECK(!"could not make photo.gif and photo.webp");
  {
    static const char *const cuts[][3] =
    {
      { "photo.gif", "5000", "GIF image" },
      { "alpha.png", "400", "PNG image" },
      { "photo.webp", "3000", "WebP image" },
      { "photo.heic", "1500", "HEIF image" },
      { "a32.bmp", "5000", "BMP image" }
    };

    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i ++)
    {
      snprintf(path, sizeof(path), "%s/cut-%s", work, cuts[i][0]);
      if (shell("head -c %s '%s/%s' > '%s'", cuts[i][1], work, cuts[i][0], path) && convert(path, &o, &r))
        TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.result, cuts[i][2]), "%s: %s", cuts[i][0], r.result);
      else
        TEST_CHECKF(false, "could not cut %s", cuts[i][0]);
    }
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
  test_images();
  test_raster();
  test_hostile_images();
  test_refusals();
  test_text_charsets();
  test_text_layout();
  test_settings();
  test_hostile();
  test_render();
  test_positive_controls();

  test_rmtree(work);
  TEST_EXIT();
}
