/*
 * convert-main.c - printgate-convert, the sandboxed converter helper.
 *
 * The daemon starts it with posix_spawn and a fixed argv:
 *
 *     printgate-convert --normalize      (a document becomes the held PDF)
 *     printgate-convert --render         (the held PDF becomes what a printer takes)
 *
 * the document on fd 0, the normalised PDF (or the rendered output) on fd 1, diagnostics on
 * fd 2 and one result line on fd 3; limits in PG_CONVERT_* variables.  The
 * protocol is in docs/converters.md.  Exit status: 0 ok, 1 the document
 * failed (the result line says why), 2 the helper could not run (bad
 * settings, no sandbox: internal-error), 3 an Office document for the
 * daemon's LibreOffice pool (nothing written on fd 1).
 *
 * Built with PRINTGATE_CONVERT_TEST_UNSAFE this becomes
 * printgate-convert-unsafe, a test-only program for the sandbox's positive
 * controls: it always passes -dNOSAFER to Ghostscript (standing in for a
 * SAFER bypass) and also takes --no-sandbox (no view, no user switch,
 * no Landlock, seccomp or RLIMIT_AS), --no-view, --no-user, --no-landlock,
 * --no-seccomp, --pretend-no-landlock, and one --probe-* escape (below)
 * tried in C after the sandbox is on, standing in for code an exploit
 * runs inside Ghostscript.  It is never installed.
 */

#include "convert-private.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef PRINTGATE_CONVERT_TEST_UNSAFE
#  include <sys/resource.h>
#  include <sys/socket.h>
#  include <sys/un.h>
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(PRINTGATE_SANITIZE)
#  define SANITIZER_BUILD 1
#else
#  define SANITIZER_BUILD 0
#endif


/*
 * 'usage_ok()' - Check argv.  The normal helper takes exactly --normalize
 *                or --render.
 */

static bool
usage_ok(gw_conv_t *conv, int argc, char *argv[])
{
  if (argc < 2 || (strcmp(argv[1], "--normalize") && strcmp(argv[1], "--render")))
    return (false);

  conv->render_mode = !strcmp(argv[1], "--render");

#ifdef PRINTGATE_CONVERT_TEST_UNSAFE
  conv->nosafer = true;

  for (int i = 2; i < argc; i ++)
  {
    if (!strcmp(argv[i], "--no-sandbox"))
    {
      conv->layers.landlock  = false;
      conv->layers.seccomp   = false;
      conv->layers.rlimit_as = false;
      conv->layers.view      = false;
      conv->layers.user      = false;
    }
    else if (!strcmp(argv[i], "--no-view"))
      conv->layers.view = false;
    else if (!strcmp(argv[i], "--no-user"))
      conv->layers.user = false;
    else if (!strcmp(argv[i], "--pretend-no-landlock"))
      conv->layers.pretend_no_landlock = true;
    else if ((!strcmp(argv[i], "--probe-connect") || !strcmp(argv[i], "--probe-read")) && i + 1 < argc)
    {
      conv->probe     = argv[i];
      conv->probe_arg = argv[++ i];
    }
    else if (!strcmp(argv[i], "--probe-proc") || !strcmp(argv[i], "--probe-prlimit"))
      conv->probe = argv[i];
    else if (!strcmp(argv[i], "--no-landlock"))
      conv->layers.landlock = false;
    else if (!strcmp(argv[i], "--no-seccomp"))
      conv->layers.seccomp = false;
    else
      return (false);
  }

  _gwConvLog("TEST-ONLY UNSAFE BUILD: -dNOSAFER%s%s%s%s%s", conv->layers.landlock ? "" : ", no Landlock",
             conv->layers.seccomp ? "" : ", no seccomp", conv->layers.rlimit_as ? "" : ", no RLIMIT_AS",
             conv->layers.view ? "" : ", no view", conv->layers.user ? "" : ", no user switch");
  return (true);
#else
  (void)conv;
  return (argc == 2);
#endif /* PRINTGATE_CONVERT_TEST_UNSAFE */
}


/*
 * 'setup_fds()' - Keep fds 0-3 as private copies, close everything else,
 *                 and give fd 3 to stderr when the helper is run by hand.
 */

static bool
setup_fds(gw_conv_t *conv)
{
  if (fcntl(GW_CONV_FD_INPUT, F_GETFD) < 0 || fcntl(GW_CONV_FD_OUTPUT, F_GETFD) < 0)
    return (false);

  if (fcntl(GW_CONV_FD_RESULT, F_GETFD) < 0 && dup2(GW_CONV_FD_LOG, GW_CONV_FD_RESULT) != GW_CONV_FD_RESULT)
    return (false);

  /* Nothing else of the daemon's may be open here; make sure. */
  if (close_range(GW_CONV_FD_RESULT + 1, ~0U, 0))
    return (false);

  conv->result_fd = GW_CONV_FD_RESULT;
  conv->in_fd     = fcntl(GW_CONV_FD_INPUT, F_DUPFD_CLOEXEC, GW_CONV_FD_RESULT + 1);
  conv->out_fd    = fcntl(GW_CONV_FD_OUTPUT, F_DUPFD_CLOEXEC, GW_CONV_FD_RESULT + 1);

  return (conv->in_fd >= 0 && conv->out_fd >= 0);
}


#ifdef PRINTGATE_CONVERT_TEST_UNSAFE
/*
 * 'run_probe()' - Try one escape from inside the sandbox and say on stderr
 *                 "probe NAME: open" or "probe NAME: blocked (errno N)"
 *                 (a seccomp kill says it by SIGSYS).  Test-only.
 *
 *   --probe-connect PATH  connect to a Unix socket (the control socket)
 *   --probe-read PATH     read a file (the root key)
 *   --probe-proc          read the parent's /proc environ and cmdline
 *   --probe-prlimit       lower the parent's RLIMIT_NOFILE soft limit by 1
 *
 * "The parent" is the daemon's pid as the helper saw it at the start (in
 * the pid namespace, getppid() says 0): the number an exploit would use.
 */

static void
run_probe(gw_conv_t *conv)
{
  bool open_ = false;
  int  err = 0;
  char buf[256];

  if (!strcmp(conv->probe, "--probe-connect"))
  {
    struct sockaddr_un addr;
    int                fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", conv->probe_arg);
    open_ = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
    err   = errno;
    if (fd >= 0)
      close(fd);
  }
  else if (!strcmp(conv->probe, "--probe-read"))
  {
    int fd = open(conv->probe_arg, O_RDONLY | O_CLOEXEC);

    open_ = fd >= 0 && read(fd, buf, sizeof(buf)) > 0;
    err   = errno;
    if (fd >= 0)
      close(fd);
  }
  else if (!strcmp(conv->probe, "--probe-proc"))
  {
    static const char * const files[] = { "environ", "cmdline" };

    for (int i = 0; i < 2 && !open_; i ++)
    {
      char path[64];
      int  fd;

      snprintf(path, sizeof(path), "/proc/%d/%s", (int)conv->sandbox.parent, files[i]);
      fd    = open(path, O_RDONLY | O_CLOEXEC);
      open_ = fd >= 0 && read(fd, buf, sizeof(buf)) > 0;
      err   = errno;
      if (fd >= 0)
        close(fd);
    }
  }
  else
  {
    struct rlimit old, lower;

    if (prlimit(conv->sandbox.parent, RLIMIT_NOFILE, NULL, &old) == 0)
    {
      lower          = old;
      lower.rlim_cur = old.rlim_cur - 1;
      open_          = prlimit(conv->sandbox.parent, RLIMIT_NOFILE, &lower, NULL) == 0;
    }
    err = errno;
  }

  if (open_)
    _gwConvLog("probe %s: open", conv->probe + 8);
  else
    _gwConvLog("probe %s: blocked (errno %d)", conv->probe + 8, err);

  _gwConvFail(conv, GW_REASON_INTERNAL, "probe done");
}
#endif /* PRINTGATE_CONVERT_TEST_UNSAFE */


/*
 * 'wait_document()' - Wait until fd 0 (a pipe) has the document's first
 *                     bytes or its end.  Nothing for a memfd.
 */

static void
wait_document(gw_conv_t *conv)
{
  struct stat   st;
  struct pollfd pfd;

  if (fstat(conv->in_fd, &st) || !S_ISFIFO(st.st_mode))
    return;

  pfd.fd     = conv->in_fd;
  pfd.events = POLLIN;
  while (poll(&pfd, 1, -1) < 0 && errno == EINTR);

  _gwConvStageEnd(conv, GW_CONV_STAGE_WAIT);
}


/*
 * 'main()' - Run one conversion.
 */

/*
 * 'finish()' - End after the result is written.  Everything that matters
 *              is done by then (Ghostscript's instance deleted, the private
 *              folder emptied, the output and the result line written with
 *              write(2)), so the helper leaves with _exit(): no exit
 *              handlers, no library destructors, ~6 ms less between its
 *              result and the daemon seeing its pipes close
 *              (docs/benchmarks.md).  A sanitizer build returns normally,
 *              so LeakSanitizer still looks at every run.
 */

static int
finish(int status)
{
#if !SANITIZER_BUILD
  fflush(NULL);
  _exit(status);
#endif
  return (status);
}


int
main(int argc, char *argv[])
{
  gw_conv_t conv;
  char      error[GW_CONV_DETAIL_MAX];
  bool      ok;

  /*
   * Started as a zygote, this process forks helpers and never gets past
   * here itself; a helper it forked goes on from here like one exec'd.
   */

  _gwConvZygote();

  memset(&conv, 0, sizeof(conv));
  _gwConvStageEnd(&conv, GW_CONV_STAGE_SETUP);
  conv.color_rendered     = -1;
  conv.in_fd              = -1;
  conv.out_fd             = -1;
  conv.result_fd          = -1;
  conv.sandbox.dir_fd     = -1;
  conv.sandbox.devnull_fd = -1;
  conv.color_pages        = -1;
  conv.layers.landlock    = true;
  conv.layers.seccomp     = !SANITIZER_BUILD;
  conv.layers.rlimit_as   = !SANITIZER_BUILD;
  conv.layers.view        = true;
  conv.layers.user        = true;

  if (!setup_fds(&conv))
  {
    _gwConvLog("fds 0 (document), 1 (PDF) and 3 (result) must be open");
    return (2);
  }

  if (!usage_ok(&conv, argc, argv))
  {
    _gwConvFail(&conv, GW_REASON_INTERNAL, "usage: printgate-convert --normalize | --render");
    _gwConvWriteResult(&conv, false);
    return (2);
  }

  if (!_gwConvSettingsLoad(&conv.settings, error, sizeof(error)) ||
      !_gwConvRenderSettingsLoad(&conv.render, conv.render_mode, error, sizeof(error)))
  {
    _gwConvFail(&conv, GW_REASON_INTERNAL, "%s", error);
    _gwConvWriteResult(&conv, false);
    return (2);
  }

  _gwConvStageEnd(&conv, GW_CONV_STAGE_SETUP);

  if (SANITIZER_BUILD)
    _gwConvLog("sanitizer build: no RLIMIT_AS and no seccomp filter (DESIGN.md 6)");

  if (!_gwConvSandboxApply(&conv))
  {
    _gwConvCleanDir(&conv);
    _gwConvWriteResult(&conv, false);
    return (2);
  }

  _gwConvStageEnd(&conv, GW_CONV_STAGE_SANDBOX);
  _gwConvLog("sandbox: user %s, view %s, Landlock %s (ABI %d), seccomp %s, RLIMIT_AS %s",
             conv.sandbox.dropped_user ? conv.settings.user : conv.sandbox.userns ? "unchanged (own user namespace)" : "unchanged",
             conv.sandbox.view_on ? "on" : "off",
             conv.sandbox.landlock_on ? "on" : "off", conv.sandbox.landlock_abi,
             conv.sandbox.seccomp_on ? "on" : "off", conv.layers.rlimit_as ? "on" : "off");

#ifdef PRINTGATE_CONVERT_TEST_UNSAFE
  if (conv.probe)
  {
    run_probe(&conv);
    _gwConvCleanDir(&conv);
    _gwConvWriteResult(&conv, false);
    return (2);
  }
#endif

  /*
   * A pooled helper (fd 0 a pipe: docs/converters.md, "The helper pool")
   * waits here, every layer of its sandbox on, until the daemon hands it
   * its one document; the wait is a stage of its own in the profile.
   */

  wait_document(&conv);

  /* Ghostscript never sees the protocol's fds 0 and 1. */
  if (dup2(conv.sandbox.devnull_fd, GW_CONV_FD_INPUT) < 0 || dup2(conv.sandbox.devnull_fd, GW_CONV_FD_OUTPUT) < 0)
  {
    _gwConvFail(&conv, GW_REASON_INTERNAL, "unable to detach fds 0 and 1");
    ok = false;
  }
  else if (conv.render_mode)
    ok = _gwConvRender(&conv);
  else
    ok = _gwConvNormalize(&conv);

  _gwConvCleanDir(&conv);
  _gwConvLogProfile(&conv);

  if (!_gwConvWriteResult(&conv, ok))
    return (2);

  if (ok && conv.kind == GW_CONV_KIND_OFFICE)
    return (finish(GW_CONV_EXIT_OFFICE));
  if (conv.needs_full)
    return (finish(GW_CONV_EXIT_FULL));
  if (ok)
    return (finish(0));

  return (finish(conv.reason == GW_REASON_INTERNAL ? 2 : 1));
}
