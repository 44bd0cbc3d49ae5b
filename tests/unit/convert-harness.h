/*
 * convert-harness.h - the shared harness of the printgate-convert tests
 * (test-convert-helper.c, -image.c, -text.c, -render.c): run the helper
 * the way the daemon runs it (docs/converters.md): posix_spawn with a fixed
 * argv, the document on fd 0 as a memfd (or a pipe), the PDF read from fd
 * 1, the result line from fd 3, a private PG_CONVERT_TMPDIR, and a
 * wall-clock timeout enforced with SIGKILL; plus small checks of the output
 * (pdfinfo, pdftotext).
 *
 * Each test program includes it once; not every program uses every
 * function, hence -Wunused-function is off for this header.
 */

#ifndef PRINTGATE_CONVERT_HARNESS_H
#define PRINTGATE_CONVERT_HARNESS_H

#pragma GCC diagnostic ignored "-Wunused-function"

#include "test.h"
#include "printgate/clock.h"

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
  bool               as_nobody;         /* As root: run it as nobody under a shell of nobody's
                                         * (the parent stands in for a daemon of that uid) */
} opts_t;

static char build_dir[1024], data_dir[1024], work[1024], helper[1200], unsafe_helper[1200];


/*
 * 'opts_init()' - Fresh options whose output is WORK/name (the path is
 *                 written to out, which must outlive the options).
 */

static inline void
opts_init(opts_t *o, char *out, size_t outsize, const char *name)
{
  memset(o, 0, sizeof(*o));
  snprintf(out, outsize, "%s/%s", work, name);
  o->output = out;
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
  char                       tmpdir[256], envbuf[300], *argv[28], *envp[24], *input = NULL, buf[65536];
  size_t                     inlen = 0, inpos = 0, errlen = 0, reslen = 0;
  int                        in = -1, in_w = -1, out[2], err[2], res[2], argc = 0, envc = 0, status;
  int                        timeout = o->timeout > 0 ? o->timeout : 60;
  pid_t                      pid;
  posix_spawn_file_actions_t fa;
  FILE                      *save = NULL;
  double                     start, deadline;

  memset(r, 0, sizeof(*r));

  if ((input = test_read_file(input_path, &inlen)) == NULL)
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

  if (o->as_nobody && geteuid() == 0)
  {
    static const char * const prefix[] =
    {
      "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
      "/bin/sh", "-c", "\"$@\"; exit $?", "sh", NULL
    };

    for (int i = 0; prefix[i]; i ++)
      argv[argc ++] = (char *)prefix[i];
    if (chown(tmpdir, 65534, 65534))
      return (false);
  }
  argv[argc ++] = (char *)(o->binary ? o->binary : helper);
  argv[argc ++] = (char *)(o->mode ? o->mode : "--normalize");
  for (int i = 0; o->args && o->args[i] && argc < 26; i ++)
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

  start = (gwClockMs() / 1000.0);
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
    int           n = 0, left = (int)((deadline - (gwClockMs() / 1000.0)) * 1000);

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
  r->seconds = (gwClockMs() / 1000.0) - start;

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
  char        cmd[1300], out[8192];
  const char *pages;

  snprintf(cmd, sizeof(cmd), "pdfinfo '%s' 2>/dev/null", path);
  test_run(cmd, out, sizeof(out));

  return ((pages = test_line_after(out, "Pages:")) != NULL ? (int)strtol(pages, NULL, 10) : -1);
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
 * 'check_max_pages()' - convert() with PG_CONVERT_MAX_PAGES=max (and o's
 *                       other options): it must fail as too-many-pages
 *                       with 'text' in its result line.
 */

static void
check_max_pages(const char *name, const opts_t *o, int max, const char *text)
{
  char        limit[64];
  const char *env[] = { limit, NULL };
  opts_t      limited = *o;
  run_t       r;

  memset(&r, 0, sizeof(r));
  snprintf(limit, sizeof(limit), "PG_CONVERT_MAX_PAGES=%d", max);
  limited.env = env;
  TEST_CHECKF(convert(name, &limited, &r) && is_fail(&r, "too-many-pages") && strstr(r.result, text), "%s: %s", name, r.result);
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

  return (test_read_file(txt, &len));
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
 * 'harness_init()' - Find the helpers and make the work directory.
 */

static bool
harness_init(void)
{
  const char *b = getenv("GW_BUILD_DIR"), *s = getenv("GW_SOURCE_DIR");

  snprintf(build_dir, sizeof(build_dir), "%s", b ? b : ".");
  snprintf(data_dir, sizeof(data_dir), "%s/tests/data/convert", s ? s : "..");
  snprintf(helper, sizeof(helper), "%s/converters/printgate-convert", build_dir);
  snprintf(unsafe_helper, sizeof(unsafe_helper), "%s/converters/printgate-convert-unsafe", build_dir);

  signal(SIGPIPE, SIG_IGN);             /* A helper that stops reading its pipe */
  setvbuf(stdout, NULL, _IOLBF, 0);

  if (access(helper, X_OK) || access(unsafe_helper, X_OK))
  {
    printf("FAIL: %s or %s is missing (build them first)\n", helper, unsafe_helper);
    return (false);
  }

  if (!test_tempdir(work, sizeof(work)))
  {
    printf("FAIL: no temporary directory\n");
    return (false);
  }

  return (true);
}


/*
 * 'harness_main()' - A test program's main: harness_init(), each test of
 *                    the NULL-terminated list, then the work directory is
 *                    removed.  Returns the exit status.
 */

typedef void (*harness_test_t)(void);

static int
harness_main(const harness_test_t *tests)
{
  if (!harness_init())
    return (1);

  for (; *tests; tests ++)
    (*tests)();

  test_rmtree(work);
  TEST_EXIT();
}

#endif /* !PRINTGATE_CONVERT_HARNESS_H */
