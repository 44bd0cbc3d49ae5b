/*
 * convert-landlock.c - the Landlock layer of the helper's sandbox.
 *
 * After this, the helper (and Ghostscript inside it) can read only the
 * Ghostscript resources, fonts and the few system files listed below, and
 * read and write only its private directory.  It can execute nothing,
 * connect or bind no TCP port (ABI 4+), and signal no process outside its
 * own Landlock domain (ABI 6+).  Files that are not in any file system
 * hierarchy (the memfd the daemon hands over as fd 0, pipes) stay usable.
 *
 * The ruleset itself (the rights handled per ABI, rules for paths) is
 * built by sandbox-landlock.c, which the Office sandbox shares.
 */

#include "convert-private.h"

#include "sandbox-landlock.h"

#include <errno.h>
#include <unistd.h>

#define ACCESS_READ    GW_LANDLOCK_READ
#define ACCESS_PRIVATE (ACCESS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
                        LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | \
                        LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_TRUNCATE)


/*
 * What the helper may read.  Ghostscript's own resources, ICC profiles and
 * font map; the files they point to (Resource/Font holds symlinks into
 * /usr/share/fonts, iccprofiles is a link to /usr/share/color/icc, the
 * CJK CMaps link into /usr/share/poppler: Landlock checks the file a link
 * resolves to);
 * fontconfig's configuration and cache; and libpaper's default.  Shared
 * libraries are all mapped before the sandbox starts; nothing is loaded
 * later (checked with strace, docs/converters.md).  Missing paths are
 * skipped.  The same list is all the helper's minimal file system view
 * holds (convert-sandbox.c), so the two layers agree.
 */

const char * const _gwConvReadOnlyPaths[] =
{
  "/usr/share/ghostscript",
  "/usr/share/color/icc",               /* Ghostscript's iccprofiles links here */
  "/var/lib/ghostscript",
  "/usr/share/fonts",
  "/usr/local/share/fonts",             /* fontconfig's font directory for local fonts (text) */
  "/usr/share/poppler",
  "/usr/share/cups/fonts",
  "/etc/fonts",
  "/usr/share/fontconfig",              /* /etc/fonts/conf.d links here */
  "/var/cache/fontconfig",
  "/etc/papersize",
  NULL
};


/*
 * '_gwConvLandlockAbi()' - The Landlock ABI version of the running kernel,
 *                          0 when it has none (or it is disabled).
 */

int
_gwConvLandlockAbi(void)
{
  return (_gwSandboxLandlockAbi());
}


/*
 * 'add_path()' - Allow access below (or to) path; a missing or unreadable
 *                path is skipped.
 */

static bool
add_path(int ruleset, const char *path, int dirfd, uint64_t access, uint64_t handled)
{
  int rc = _gwSandboxLandlockAddPath(ruleset, path, dirfd, access, handled);

  return (rc >= 0 || (path && errno == EACCES));
}


/*
 * '_gwConvLandlockApply()' - Restrict the file system (and, where the ABI
 *                            has them, TCP and signals) for good.
 *
 * No Landlock in the kernel is said once on stderr and the other layers
 * still apply (when not root, _gwConvSandboxApply() has already refused
 * unless PG_CONVERT_REQUIRE_LANDLOCK=0).  Any other failure fails the
 * conversion.
 */

bool
_gwConvLandlockApply(gw_conv_t *conv)
{
  uint64_t handled;
  int      abi = conv->layers.pretend_no_landlock ? 0 : _gwConvLandlockAbi(), ruleset;
  bool     ok = true;

  conv->sandbox.landlock_abi = abi;

  if (abi < 1)
  {
    _gwConvLog("Landlock is not available in this kernel; continuing with the file system view, rlimits, the user switch and seccomp");
    return (true);
  }

  if ((ruleset = _gwSandboxLandlockRuleset(abi, &handled)) < 0)
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to create the Landlock ruleset (errno %d)", errno));

  for (int i = 0; ok && _gwConvReadOnlyPaths[i]; i ++)
    ok = add_path(ruleset, _gwConvReadOnlyPaths[i], -1, ACCESS_READ, handled);

#if defined(__SANITIZE_ADDRESS__) || defined(PRINTGATE_SANITIZE)
  /* LeakSanitizer reads our own /proc entries (maps, task list) at exit. */
  if (ok)
    ok = add_path(ruleset, "/proc/self", -1, ACCESS_READ, handled);
#endif

  if (ok)
    ok = add_path(ruleset, NULL, conv->sandbox.dir_fd, ACCESS_PRIVATE, handled);

  if (!ok)
  {
    close(ruleset);
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to add a Landlock rule (errno %d)", errno));
  }

  if (!_gwSandboxLandlockRestrict(ruleset))
  {
    close(ruleset);
    return (_gwConvFail(conv, GW_REASON_INTERNAL, "unable to enforce Landlock (errno %d)", errno));
  }

  close(ruleset);
  conv->sandbox.landlock_on = true;
  return (true);
}
