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
 * SAFER bypass) and also takes --no-sandbox, --no-landlock and
 * --no-seccomp.  It is never installed.
 */

#include "convert-private.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
    }
    else if (!strcmp(argv[i], "--no-landlock"))
      conv->layers.landlock = false;
    else if (!strcmp(argv[i], "--no-seccomp"))
      conv->layers.seccomp = false;
    else
      return (false);
  }

  _gwConvLog("TEST-ONLY UNSAFE BUILD: -dNOSAFER%s%s%s", conv->layers.landlock ? "" : ", no Landlock",
             conv->layers.seccomp ? "" : ", no seccomp", conv->layers.rlimit_as ? "" : ", no RLIMIT_AS");
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


/*
 * 'main()' - Run one conversion.
 */

int
main(int argc, char *argv[])
{
  gw_conv_t conv;
  char      error[GW_CONV_DETAIL_MAX];
  bool      ok;

  memset(&conv, 0, sizeof(conv));
  conv.in_fd              = -1;
  conv.out_fd             = -1;
  conv.result_fd          = -1;
  conv.sandbox.dir_fd     = -1;
  conv.sandbox.devnull_fd = -1;
  conv.color_pages        = -1;
  conv.layers.landlock    = true;
  conv.layers.seccomp     = !SANITIZER_BUILD;
  conv.layers.rlimit_as   = !SANITIZER_BUILD;

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

  if (SANITIZER_BUILD)
    _gwConvLog("sanitizer build: no RLIMIT_AS and no seccomp filter (DESIGN.md 6)");

  if (!_gwConvSandboxApply(&conv))
  {
    _gwConvCleanDir(&conv);
    _gwConvWriteResult(&conv, false);
    return (2);
  }

  _gwConvLog("sandbox: user %s, Landlock %s (ABI %d), seccomp %s, RLIMIT_AS %s",
             conv.sandbox.dropped_user ? conv.settings.user : "unchanged",
             conv.sandbox.landlock_on ? "on" : "off", conv.sandbox.landlock_abi,
             conv.sandbox.seccomp_on ? "on" : "off", conv.layers.rlimit_as ? "on" : "off");

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

  if (!_gwConvWriteResult(&conv, ok))
    return (2);

  if (ok && conv.kind == GW_CONV_KIND_OFFICE)
    return (3);
  if (ok)
    return (0);

  return (conv.reason == GW_REASON_INTERNAL ? 2 : 1);
}
