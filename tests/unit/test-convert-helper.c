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
 * The harness is convert-harness.h; images and raster, text, and the
 * --render mode have test programs of their own (test-convert-image.c,
 * test-convert-text.c, test-convert-render.c).
 *
 * With --run FILE [NAME=VALUE...] this program converts one file and
 * prints the result line and the time taken (tests/bench/convert-bench.sh).
 */

#include "convert-harness.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>


/*
 * 'run_one()' - --run FILE [NAME=VALUE...]: one conversion for the
 *               benchmark; prints "SECONDS RESULT".
 */

static int
run_one(int argc, char *argv[])
{
  opts_t      o;
  run_t       r;
  const char *profile;

  memset(&o, 0, sizeof(o));
  o.env     = (const char *const *)argv + 3;
  o.timeout = 600;
  (void)argc;

  if (!run_helper(argv[2], &o, &r))
    return (1);

  printf("%.4f %s", r.seconds, r.result[0] ? r.result : "none\n");
  if ((profile = strstr(r.err, "profile: ")) != NULL)
    printf("%.*s\n", (int)strcspn(profile, "\n"), profile);
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

  opts_init(&o, out, sizeof(out), "out.pdf");

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
 * 'test_refusals()' - Documents that fail, each with its reason.
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
  check_max_pages("three-pages.ps", &o, 2, "more than 2 pages");

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
 * 'check_refused()' - The helper stops with internal-error, its detail
 *                     naming what.
 */

static void
check_refused(const char *path, const opts_t *o, const char *what)
{
  run_t r;

  if (convert(path, o, &r))
    TEST_CHECKF(is_fail(&r, "internal-error") && strstr(r.result, what), "%s: %s", what, r.result);
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
  check_refused(path, &o, "PG_CONVERT_AS_MB");
  o.env = unknown;
  check_refused(path, &o, "unknown setting PG_CONVERT_MAXPAGES");
  o.env = bad_user;
  check_refused(path, &o, "PG_CONVERT_USER");
  o.env  = NULL;
  o.args = extra_arg;
  check_refused(path, &o, "usage");
  o.args = NULL;

  TEST_BEGIN("PG_CONVERT_TMPDIR must be set and empty");
  o.no_tmpdir = true;
  check_refused(path, &o, "PG_CONVERT_TMPDIR");
  o.no_tmpdir    = false;
  o.dirty_tmpdir = true;
  check_refused(path, &o, "not empty");
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

  opts_init(&o, out, sizeof(out), "hostile.pdf");

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
  if (shell("printf '%%%%!PS\\n/f (%%%%pipe%%%%touch %s; cat >/dev/null) (w) file def f (x) writestring f closefile\\n"
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
  const char *no_landlock_view[] = { "--no-landlock", "--no-view", NULL };
  bool        have_landlock = landlock_abi() > 0;

  opts_init(&o, out, sizeof(out), "control.pdf");
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

    TEST_BEGIN("without Landlock, the file system view stops it too (/etc/passwd is not in it)");
    o.args = no_landlock;
    if (convert("read-passwd.ps", &o, &r))
      TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.err, "view on"), "%s", r.result);

    TEST_BEGIN("and those two are what stop it: with only seccomp, it leaks again");
    o.args = no_landlock_view;
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
 * 'probe()' - Run printgate-convert-unsafe with one --probe-* escape and
 *             the given layer switches; "open", "blocked" (the probe said
 *             so, or seccomp killed it) or "error: ..." (it never ran).
 */

static const char *
probe(const char *what, const char *arg, const char *const *layers, bool as_nobody, run_t *r)
{
  opts_t      o;
  const char *args[12];
  int         n = 0;
  char        want[64];

  for (int i = 0; layers && layers[i] && n < 9; i ++)
    args[n ++] = layers[i];
  args[n ++] = what;
  if (arg)
    args[n ++] = arg;
  args[n] = NULL;

  memset(&o, 0, sizeof(o));
  o.binary    = unsafe_helper;
  o.args      = args;
  o.as_nobody = as_nobody;

  if (!convert("read-passwd.ps", &o, r))
    return ("error: not started");
  if ((!r->exited && r->signal == SIGSYS) || (as_nobody && r->exited && r->exit_code == 128 + SIGSYS))
    return ("blocked");                 /* Killed by seccomp (the shell reports it as 128 + SIGSYS) */

  snprintf(want, sizeof(want), "probe %s: open", what + 8);
  if (strstr(r->err, want))
    return ("open");
  snprintf(want, sizeof(want), "probe %s: blocked", what + 8);
  if (strstr(r->err, want))
    return ("blocked");

  return ("error: no probe line");
}


/*
 * 'check_file_escapes()' - The connect (to sock), read (of key) and /proc
 *                          probes under these sandbox layers: each must
 *                          answer 'want' ("open" or "blocked").
 */

static void
check_file_escapes(const char *sock, const char *key, const char *const *layers, bool as_nobody, const char *want)
{
  static const char * const probes[] = { "--probe-connect", "--probe-read", "--probe-proc" };
  const char                *args[]  = { sock, key, NULL };
  const char                *got;
  run_t                      r;

  for (int i = 0; i < 3; i ++)
    TEST_CHECKF(!strcmp((got = probe(probes[i], args[i], layers, as_nobody, &r)), want), "%s: %s %s", probes[i] + 8, got, r.err);
}


/*
 * 'test_escapes()' - What a compromised helper (code running inside
 *                    Ghostscript, stood in for by --probe-*) can reach:
 *                    the daemon's control socket, its root key, its /proc
 *                    entries, its resource limits.  A state-like folder is
 *                    made open to everyone (0755, key 0644, socket 0666)
 *                    so only the sandbox stands in the way.  Each escape
 *                    works without the sandbox (positive control) and
 *                    fails with it; as root also as nobody under a parent
 *                    of nobody's (the daemon run as its own user), which
 *                    is the case the user switch does not cover.
 */

static void
test_escapes(void)
{
  static const char * const none[]      = { "--no-sandbox", NULL };
  static const char * const full[]      = { NULL };
  static const char * const view_only[] = { "--no-user", "--no-landlock", "--no-seccomp", NULL };
  static const char * const seccomp_only[] = { "--no-user", "--no-landlock", "--no-view", NULL };
  char               state[256], keys[300], key[320], sock[320];
  struct sockaddr_un addr;
  int                lfd = -1, fd;
  run_t              r;
  const char        *got;
  struct rlimit      before, after;

  snprintf(state, sizeof(state), "%s/pgtest.state.XXXXXX", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
  if (!mkdtemp(state))
  {
    TEST_CHECK(!"mkdtemp");
    return;
  }
  snprintf(keys, sizeof(keys), "%s/keys", state);
  snprintf(key, sizeof(key), "%s/root.key", keys);
  snprintf(sock, sizeof(sock), "%s/printgated.sock", state);
  TEST_CHECK(chmod(state, 0755) == 0 && mkdir(keys, 0755) == 0);
  if ((fd = open(key, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) >= 0)
  {
    TEST_CHECK(write(fd, "ROOT-KEY-STAND-IN\n", 18) == 18);
    close(fd);
  }
  chmod(key, 0644);

  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  if (strlen(sock) >= sizeof(addr.sun_path))
  {
    TEST_CHECK(!"state folder path too long for a socket");
    return;
  }
  memcpy(addr.sun_path, sock, strlen(sock) + 1);
  lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  TEST_CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) == 0 && chmod(sock, 0666) == 0 &&
             listen(lfd, 64) == 0);

  for (int nobody = 0; nobody < 1 + (geteuid() == 0); nobody ++)
  {
    const char *who = nobody ? " (as nobody, parent of the same uid)" : "";

    /*
     * Positive controls: the very same probes, no sandbox.
     */

    printf("positive control%s: without the sandbox every escape works\n", who);
    check_file_escapes(sock, key, none, nobody, "open");
    getrlimit(RLIMIT_NOFILE, &before);
    TEST_CHECKF(!strcmp((got = probe("--probe-prlimit", NULL, none, nobody, &r)), "open"), "prlimit: %s %s", got, r.err);
    getrlimit(RLIMIT_NOFILE, &after);
    if (!nobody)
    {
      TEST_CHECKF(after.rlim_cur == before.rlim_cur - 1, "our RLIMIT_NOFILE %llu -> %llu", (unsigned long long)before.rlim_cur, (unsigned long long)after.rlim_cur);
      setrlimit(RLIMIT_NOFILE, &before);
    }

    /*
     * The whole sandbox.
     */

    printf("the sandbox%s: no control socket, no key, no /proc of the parent, no parent's limits\n", who);
    check_file_escapes(sock, key, full, nobody, "blocked");
    getrlimit(RLIMIT_NOFILE, &before);
    TEST_CHECKF(!strcmp((got = probe("--probe-prlimit", NULL, full, nobody, &r)), "blocked"), "prlimit: %s %s", got, r.err);
    getrlimit(RLIMIT_NOFILE, &after);
    TEST_CHECK(after.rlim_cur == before.rlim_cur);

    /*
     * Each layer on its own where it is the one that answers: the view
     * (no Landlock, no seccomp, no user switch) hides the socket, the key
     * and /proc; seccomp alone refuses prlimit on the parent.
     */

    printf("the file system view alone%s hides the socket, the key and /proc\n", who);
    check_file_escapes(sock, key, view_only, nobody, "blocked");

    if (!SANITIZER_BUILD)
    {
      printf("seccomp alone%s refuses prlimit on the parent\n", who);
      getrlimit(RLIMIT_NOFILE, &before);
      TEST_CHECKF(!strcmp((got = probe("--probe-prlimit", NULL, seccomp_only, nobody, &r)), "blocked"), "prlimit: %s %s", got, r.err);
      getrlimit(RLIMIT_NOFILE, &after);
      TEST_CHECK(after.rlim_cur == before.rlim_cur);
    }
  }

  /*
   * No Landlock in the kernel (pretended): as root the helper goes on with
   * the other layers; not as root it refuses unless the daemon says
   * PG_CONVERT_REQUIRE_LANDLOCK=0.
   */

  {
    opts_t      o;
    const char *pretend[] = { "--pretend-no-landlock", NULL };
    const char *optout[]  = { "PG_CONVERT_REQUIRE_LANDLOCK=0", NULL };
    const char *bad[]     = { "PG_CONVERT_REQUIRE_LANDLOCK=maybe", NULL };
    char        out[1200];

    memset(&o, 0, sizeof(o));
    snprintf(out, sizeof(out), "%s/nolandlock.pdf", work);
    o.binary = unsafe_helper;
    o.args   = pretend;
    o.output = out;

    for (int nobody = 0; nobody < 1 + (geteuid() == 0); nobody ++)
    {
      bool root = geteuid() == 0 && !nobody;

      o.as_nobody = nobody;
      o.env       = NULL;
      printf("no Landlock, %s: %s\n", root ? "as root" : "not root", root ? "converts with the other layers" : "refused");
      if (convert("read-passwd.ps", &o, &r))
      {
        if (root)
          TEST_CHECKF(strstr(r.err, "Landlock is not available") && is_fail(&r, "corrupt-document"), "%s", r.result);
        else
          TEST_CHECKF(is_fail(&r, "internal-error") && strstr(r.result, "SandboxRequireLandlock") &&
                      strstr(r.err, "refusing to convert"), "%s", r.result);
      }

      printf("no Landlock, %s, PG_CONVERT_REQUIRE_LANDLOCK=0: converts; the view still hides /etc/passwd\n", root ? "as root" : "not root");
      o.env = optout;
      if (convert("read-passwd.ps", &o, &r))
        TEST_CHECKF(is_fail(&r, "corrupt-document") && strstr(r.err, "view on"), "%s", r.result);
    }

    TEST_BEGIN("PG_CONVERT_REQUIRE_LANDLOCK takes only 0 or 1");
    o.as_nobody = false;
    o.args      = NULL;
    o.binary    = NULL;
    o.env       = bad;
    if (convert("read-passwd.ps", &o, &r))
      TEST_CHECKF(is_fail(&r, "internal-error") && strstr(r.result, "PG_CONVERT_REQUIRE_LANDLOCK"), "%s", r.result);
  }

  if (lfd >= 0)
    close(lfd);
  unlink(sock);
  unlink(key);
  rmdir(keys);
  rmdir(state);
}


/*
 * 'main()' - Run the tests.
 */

int
main(int argc, char *argv[])
{
  static const harness_test_t tests[] = { test_normalise, test_refusals, test_settings, test_hostile, test_positive_controls, test_escapes, NULL };

  if (argc >= 3 && !strcmp(argv[1], "--run"))
  {
    harness_init();
    return (run_one(argc, argv));
  }

  return (harness_main(tests));
}
