/*
 * convert.c - run the sandboxed converter helper (see convert.h and
 * docs/converters.md).
 */

#include "printgate/convert.h"
#include <printgate-convert/protocol.h>
#include "printgate/crypto.h"
#include "printgate/log.h"
#include "convert-pool-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONVERT_CANCEL_POLL_MS 200   /* How often a cancellable run looks at its flag */

#define STDERR_MAX 2048          /* Stderr bytes kept for the log */
#define CONVERT_PIPE_SIZE (1024 * 1024)   /* A pooled helper's fd 0 pipe */

extern char **environ;


/*
 * 'now_ms()' - Monotonic milliseconds.
 */

static int64_t
now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}


/*
 * 'gwConvertMemfd()' - Copy plaintext from a read callback into a fresh
 *                      memfd (plaintext stays in memory), seal it against
 *                      any change and rewind it.  At most max_bytes are
 *                      taken (0 = no limit).  Returns the fd or -1.
 */

int
gwConvertMemfd(ssize_t (*read_cb)(void *ctx, void *buf, size_t len), void *ctx, int64_t max_bytes)
{
  int           fd = memfd_create("printgate-doc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  unsigned char buf[64 * 1024];
  int64_t       total = 0;
  ssize_t       n;

  if (fd < 0)
    return (-1);

  while ((n = read_cb(ctx, buf, sizeof(buf))) > 0)
  {
    const unsigned char *p = buf;
    size_t               left = (size_t)n;

    if (max_bytes > 0 && (total += n) > max_bytes)
    {
      n = -1;
      break;
    }

    while (left > 0)
    {
      ssize_t w = write(fd, p, left);

      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
      {
        gwWipe(buf, sizeof(buf));
        close(fd);
        return (-1);
      }
      p    += w;
      left -= (size_t)w;
    }
  }

  gwWipe(buf, sizeof(buf));
  if (n < 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) || lseek(fd, 0, SEEK_SET) != 0)
  {
    close(fd);
    return (-1);
  }

  return (fd);
}


/*
 * 'gwConvertOpenDir()' - Open a folder that holds plaintext of conversions
 *                        (ConversionDir, OfficeTmpDir), made with 'mode'
 *                        when missing and 'create'.  Refused unless it is a
 *                        directory (not a link) of the daemon's user that
 *                        nobody else can write, below folders that belong
 *                        to root or the daemon's user and that nobody else
 *                        can write, or that carry the sticky bit (like
 *                        /dev/shm and /tmp: nobody else can then rename or
 *                        replace our folder in them).  Returns an
 *                        O_DIRECTORY descriptor, or -1 with the reason in
 *                        error (errno ENOENT: missing and not 'create').
 */

int
gwConvertOpenDir(const char *path, mode_t mode, bool create, char *error, size_t errsize)
{
  char        dir[4096];
  struct stat st;
  int         fd;
  uid_t       uid = geteuid();

  if (!path || path[0] != '/' || strlen(path) >= sizeof(dir))
  {
    snprintf(error, errsize, "%s is not an absolute path", path ? path : "(none)");
    errno = EINVAL;
    return (-1);
  }

  /*
   * The folders above: checked by name from the root down to the parent.
   */

  snprintf(dir, sizeof(dir), "%s", path);
  for (size_t len = strlen(dir); len > 1 && dir[len - 1] == '/'; len --)
    dir[len - 1] = '\0';              /* Trailing slashes */

  for (size_t i = 0; dir[i]; i ++)
  {
    char above[sizeof(dir)];

    if (dir[i] != '/' || (i > 0 && dir[i - 1] == '/'))
      continue;
    if (!dir[i + 1])
      break;
    snprintf(above, sizeof(above), "%.*s", i ? (int)i : 1, dir);

    if (stat(above, &st))
    {
      snprintf(error, errsize, "the folder %s above %s cannot be examined: %s", above, path, strerror(errno));
      return (-1);
    }
    if ((st.st_uid != 0 && st.st_uid != uid) || ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)))
    {
      snprintf(error, errsize, "the folder %s above %s belongs to another user or can be written by others without the sticky bit", above, path);
      errno = EPERM;
      return (-1);
    }
  }

  /*
   * The folder itself.
   */

  if (create && mkdir(path, mode) && errno != EEXIST)
  {
    snprintf(error, errsize, "unable to create %s: %s", path, strerror(errno));
    return (-1);
  }
  if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
  {
    int e = errno;

    snprintf(error, errsize, "%s cannot be opened as a folder (a link is refused): %s", path, strerror(e));
    errno = e;
    return (-1);
  }
  if (fstat(fd, &st) || st.st_uid != uid || (st.st_mode & 022))
  {
    snprintf(error, errsize, "%s must be a folder of the daemon's user (uid %d) that nobody else can write (it is uid %d, mode %04o)", path,
             (int)uid, (int)st.st_uid, (unsigned)(st.st_mode & 07777));
    close(fd);
    errno = EPERM;
    return (-1);
  }

  return (fd);
}


/*
 * 'make_dir()' - Make this conversion's own directory under the parent:
 *                "conv-<random>", mode 0700.  The parent is made (0700)
 *                when missing and must pass gwConvertOpenDir().
 */

static bool
make_dir(const char *parent, char *path, size_t pathsize, char *error, size_t errsize)
{
  unsigned char rnd[8];
  char          hex[17];
  int           fd;
  bool          ok;

  if ((fd = gwConvertOpenDir(parent, 0700, true, error, errsize)) < 0)
    return (false);

  if (!gwRandomBytes(rnd, sizeof(rnd)))
  {
    snprintf(error, errsize, "no random bytes");
    close(fd);
    return (false);
  }
  for (size_t i = 0; i < sizeof(rnd); i ++)
    snprintf(hex + 2 * i, 3, "%02x", rnd[i]);

  if ((size_t)snprintf(path, pathsize, "%s/conv-%s", parent, hex) >= pathsize)
  {
    snprintf(error, errsize, "the path of ConversionDir is too long");
    close(fd);
    return (false);
  }

  if (!(ok = !mkdirat(fd, strrchr(path, '/') + 1, 0700)))
    snprintf(error, errsize, "unable to make a conversion directory under %s: %s", parent, strerror(errno));
  close(fd);
  return (ok);
}


/*
 * 'remove_tree()' - Remove a directory and everything in it, never
 *                   following a link (the helper, or Ghostscript after a
 *                   SIGKILL, may have left files with plaintext in it).
 *                   Bounded depth.
 */

static void
remove_tree_at(int parent_fd, const char *name, int depth)
{
  DIR           *dir;
  struct dirent *ent;
  int            fd;

  if (depth > 8 || (fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    return;

  if ((dir = fdopendir(fd)) == NULL)
  {
    close(fd);
    return;
  }

  while ((ent = readdir(dir)) != NULL)
  {
    if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
      continue;

    if (unlinkat(fd, ent->d_name, 0) && errno == EISDIR)
      remove_tree_at(fd, ent->d_name, depth + 1);
  }

  closedir(dir);
  unlinkat(parent_fd, name, AT_REMOVEDIR);
}

static void
remove_tree(const char *path)
{
  remove_tree_at(AT_FDCWD, path, 0);
}


/*
 * 'gwConvertCleanup()' - Remove the conversion folders a killed daemon left
 *                        under parent (they may hold plaintext).  Only at
 *                        start-up, when no conversion runs.  Returns how
 *                        many were removed.
 */

int
gwConvertCleanup(const char *parent)
{
  DIR           *dir;
  struct dirent *ent;
  int            fd, count = 0;

  if (!parent || (fd = open(parent, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    return (0);

  if ((dir = fdopendir(fd)) == NULL)
  {
    close(fd);
    return (0);
  }

  while ((ent = readdir(dir)) != NULL)
  {
    if (!strncmp(ent->d_name, "conv-", 5))
    {
      remove_tree_at(fd, ent->d_name, 0);
      count ++;
    }
  }

  closedir(dir);
  return (count);
}


/*
 * 'gwConvertParseResult()' - Parse "ok pages=N color_pages=M" or
 *                            "fail reason=CODE detail=TEXT".
 */

bool
gwConvertParseResult(const char *line, gw_convert_result_t *result)
{
  char        copy[GW_CONV_RESULT_MAX], *word, *save = NULL;
  bool        ok;

  snprintf(copy, sizeof(copy), "%s", line ? line : "");
  copy[strcspn(copy, "\r\n")] = '\0';

  result->office = false;
  if (!strncmp(copy, GW_CONV_RESULT_OK, 2) && (copy[2] == ' ' || !copy[2]))
    ok = true;
  else if (!strncmp(copy, GW_CONV_RESULT_FAIL, 4) && (copy[4] == ' ' || !copy[4]))
    ok = false;
  else if (!strncmp(copy, GW_CONV_RESULT_OFFICE " ", 7))
    ok = result->office = true;
  else
    return (false);

  result->pages       = 0;
  result->color_pages = -1;
  result->format[0]   = '\0';
  result->reason      = ok ? GW_REASON_NONE : GW_REASON_INTERNAL;

  for (word = strtok_r(copy, " ", &save); word; word = strtok_r(NULL, " ", &save))
  {
    char *end;
    long  v;

    if (!strncmp(word, "pages=", 6) || !strncmp(word, "color_pages=", 12))
    {
      const char *num = strchr(word, '=') + 1;

      errno = 0;
      v = strtol(num, &end, 10);
      if (errno || end == num || *end || v < 0 || v > 10000000)
        return (false);
      if (word[0] == 'p')
        result->pages = (int)v;
      else
        result->color_pages = (int)v;
    }
    else if (!strncmp(word, "format=", 7))
    {
      /* A keyword of the sniffer: lower-case letters, digits and '-' (a list
         of them, comma-separated, for a job of several documents). */
      if (strspn(word + 7, "abcdefghijklmnopqrstuvwxyz0123456789-,") != strlen(word + 7) || strlen(word + 7) >= sizeof(result->format))
        return (false);
      snprintf(result->format, sizeof(result->format), "%s", word + 7);
    }
    else if (!strncmp(word, "reason=", 7))
    {
      if (!gwReasonParse(word + 7, &result->reason))
        result->reason = GW_REASON_INTERNAL;
    }
    else if (!strncmp(word, "detail=", 7))
    {
      /* The detail runs to the end of the line. */
      const char *start = line + (word - copy) + 7;

      snprintf(result->detail, sizeof(result->detail), "%.*s", (int)strcspn(start, "\r\n"), start);
      break;
    }
  }

  if (result->office)
    return (result->format[0] != '\0');

  if (ok && result->pages < 1)
    return (false);

  return (ok || result->reason != GW_REASON_NONE);
}


/*
 * The state of one run of the helper, as gwConvertRun() sees it.
 */

typedef struct conv_run_s
{
  _gw_conv_slot_t slot;                 /* The helper: its reaper, pipes and directory */
  int          in;                      /* The document (a sealed memfd) */
  int64_t      in_size, in_off;         /* Its size, and how much went down slot.in_w */
  char         resbuf[GW_CONV_RESULT_MAX];      /* The result line */
  size_t       reslen;
  char         errbuf[STDERR_MAX];      /* The start of stderr, for the log */
  size_t       errlen;
  bool         write_failed;            /* The write callback refused, or the output got too large */
} conv_run_t;

#define RUN_OUT 0
#define RUN_RES 1
#define RUN_ERR 2
#define RUN_IN  3                       /* The document's pipe (a pooled helper) */


/*
 * '_gwConvertJobKey()' - Serialise what a helper is started with (path,
 *                        argv, a \001 mark, the parent of its directory,
 *                        nice, environment) into key: a pooled helper fits a job only
 *                        when both have the same key.  Returns the length,
 *                        0 when it does not fit.
 */

size_t
_gwConvertJobKey(const gw_convert_job_t *cj, char *key, size_t keysize)
{
  size_t len = 0;
  char   nice[16];

#define KEY_ADD(str) do { size_t l_ = strlen(str) + 1; if (len + l_ >= keysize) return (0); memcpy(key + len, (str), l_); len += l_; } while (0)
  snprintf(nice, sizeof(nice), "%d", cj->nice);
  KEY_ADD(cj->helper ? cj->helper : "");
  for (const char * const *a = cj->argv; a && *a; a ++)
    KEY_ADD(*a);
  KEY_ADD("\001");                      /* The kind of helper ends here (convert-pool.c) */
  KEY_ADD(cj->tmp_parent ? cj->tmp_parent : "");
  KEY_ADD(nice);
  for (const char * const *e = cj->envp; e && *e; e ++)
    KEY_ADD(*e);
#undef KEY_ADD

  return (len);
}


/*
 * '_gwConvertSlotStart()' - Start one helper under its own reaper, with its
 *                           own directory and fds 0-3: fd 0 is in_fd (a
 *                           memfd) or, when in_fd < 0, a pipe whose other
 *                           end is slot->in_w (a pooled helper builds its
 *                           sandbox and waits on it for its document).
 *                           zygote >= 0: the socket of a zygote of this
 *                           job's helper, argv and environment (the
 *                           pool's), which forks it (_gwReaperSpawnFrom());
 *                           -1: printgate-reaper execs it.
 */

bool
_gwConvertSlotStart(const gw_convert_job_t *cj, int in_fd, int zygote, _gw_conv_slot_t *slot, char *error, size_t errsize)
{
  _gw_reaper_spawn_t sp;
  int                spawn_err = 0, in[2] = { -1, -1 }, out[2] = { -1, -1 }, res[2] = { -1, -1 }, err[2] = { -1, -1 };
  char               dirvar[600];
  const char        *env[40];
  char * const      *envp = cj->envp ? (char * const *)cj->envp : environ;
  bool               ok = false;

  memset(slot, 0, sizeof(*slot));
  slot->reaper.pidfd       = -1;
  slot->reaper.ctl         = -1;
  slot->reaper.child_pidfd = -1;
  slot->in_w  = -1;
  slot->fd[0] = slot->fd[1] = slot->fd[2] = -1;

  /*
   * The conversion's own directory, and the environment that names it.
   */

  if (cj->tmp_parent)
  {
    size_t nenv = 0;

    if (!make_dir(cj->tmp_parent, slot->dir, sizeof(slot->dir), error, errsize))
    {
      if (cj->log)
        gwLog(cj->log, GW_LOG_ERROR, "ConversionDir refused: %s", error);
      slot->dir[0] = '\0';
      return (false);
    }

    snprintf(dirvar, sizeof(dirvar), GW_CONV_ENV_TMPDIR "=%s", slot->dir);
    for (char * const *e = envp; e && *e && nenv < sizeof(env) / sizeof(env[0]) - 2; e ++)
    {
      if (strncmp(*e, GW_CONV_ENV_TMPDIR "=", sizeof(GW_CONV_ENV_TMPDIR)))
        env[nenv ++] = *e;
    }
    env[nenv ++] = dirvar;
    env[nenv]    = NULL;
    envp         = (char * const *)env;
  }

  if ((in_fd < 0 && pipe2(in, O_CLOEXEC)) || pipe2(out, O_CLOEXEC) || pipe2(res, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
  {
    snprintf(error, errsize, "unable to create pipes: %s", strerror(errno));
    goto done;
  }

  /*
   * The helper gets exactly fds 0-3, default signals (the daemon blocks
   * SIGHUP/SIGTERM in every thread) and a process group of its own, and
   * runs under a reaper of its own (reaper.c) that kills it, its group and
   * every descendant, whatever group or session they moved to.
   */

  memset(&sp, 0, sizeof(sp));
  sp.path   = cj->helper;
  sp.argv   = (char * const *)cj->argv;
  sp.envp   = envp;
  sp.fds[GW_CONV_FD_INPUT]  = in_fd >= 0 ? in_fd : in[0];
  sp.fds[GW_CONV_FD_OUTPUT] = out[1];
  sp.fds[GW_CONV_FD_LOG]    = err[1];
  sp.fds[GW_CONV_FD_RESULT] = res[1];
  sp.nfds                   = GW_CONV_NUM_FDS;
  sp.nice                   = cj->nice;

  if (zygote >= 0 ? !_gwReaperSpawnFrom(&slot->reaper, &sp, zygote, &spawn_err) : !_gwReaperSpawn(&slot->reaper, &sp, &spawn_err))
  {
    if (zygote >= 0)
      snprintf(error, errsize, "unable to start %s from its zygote: %s", cj->helper, strerror(spawn_err));
    else if (_gwReaperMissing())
      snprintf(error, errsize, "unable to start %s: printgate-reaper is missing (%s)", cj->helper, _gwReaperMissing());
    else
      snprintf(error, errsize, "unable to start %s: %s", cj->helper, strerror(spawn_err));
    goto done;
  }

  slot->fd[RUN_OUT] = out[0]; out[0] = -1;
  slot->fd[RUN_RES] = res[0]; res[0] = -1;
  slot->fd[RUN_ERR] = err[0]; err[0] = -1;
  if (in[1] >= 0)
  {
    slot->in_w = in[1];
    in[1]      = -1;
    fcntl(slot->in_w, F_SETFL, O_NONBLOCK);   /* Written between reads (run_read()) */
    /* Most documents in one write: fewer wake-ups of a helper at nice 10 (best effort, pipe-max-size). */
    fcntl(slot->in_w, F_SETPIPE_SZ, CONVERT_PIPE_SIZE);
  }
  ok = true;

  done:

  for (int i = 0; i < 2; i ++)
  {
    if (in[i] >= 0)
      close(in[i]);
    if (out[i] >= 0)
      close(out[i]);
    if (res[i] >= 0)
      close(res[i]);
    if (err[i] >= 0)
      close(err[i]);
  }
  if (!ok)
    _gwConvertSlotStop(slot);

  return (ok);
}


/*
 * '_gwConvertSlotAlive()' - True when a waiting helper still waits: its
 *                           reaper runs, the reading end of its document
 *                           is open and none of its pipes was closed.
 */

bool
_gwConvertSlotAlive(_gw_conv_slot_t *slot)
{
  struct pollfd pfd[4];
  int           n = 0;

  if (slot->reaper.pid <= 0 || _gwReaperWait(&slot->reaper, 0))
    return (false);                    /* The reaper (and so the helper) is gone */

  if (slot->in_w >= 0)
  {
    pfd[n].fd     = slot->in_w;
    pfd[n].events = POLLOUT;
    n ++;
  }
  for (int i = 0; i < 3; i ++)
  {
    if (slot->fd[i] < 0)
      return (false);
    pfd[n].fd     = slot->fd[i];
    pfd[n].events = POLLIN;
    n ++;
  }

  if (poll(pfd, (nfds_t)n, 0) < 0)
    return (false);
  for (int i = 0; i < n; i ++)
  {
    if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL))
      return (false);
  }

  return (true);
}


/*
 * '_gwConvertSlotStop()' - Kill what is left of a helper, reap its reaper,
 *                          close our pipes and remove its directory with
 *                          whatever is in it.  Safe to call twice.
 */

void
_gwConvertSlotStop(_gw_conv_slot_t *slot)
{
  _gwReaperStop(&slot->reaper, GW_REAPER_GRACE_MS);   /* Nothing when already stopped */
  slot->reaper.pid = 0;
  if (slot->in_w >= 0)
    close(slot->in_w);
  slot->in_w = -1;
  for (int i = 0; i < 3; i ++)
  {
    if (slot->fd[i] >= 0)
      close(slot->fd[i]);
    slot->fd[i] = -1;
  }
  if (slot->dir[0])
    remove_tree(slot->dir);
  slot->dir[0] = '\0';
}


/*
 * 'run_take()' - Take what was read from one of the helper's descriptors
 *                (n <= 0: it closed).
 */

static void
run_take(conv_run_t *run, int which, const gw_convert_job_t *cj, const char *buf, ssize_t n, gw_convert_result_t *result)
{
  if (n <= 0)
  {
    close(run->slot.fd[which]);
    run->slot.fd[which] = -1;
  }
  else if (which == RUN_OUT)
  {
    if (run->write_failed)
      return;

    result->output_size += n;
    if (result->output_size > cj->max_output || !cj->write(cj->write_ctx, buf, (size_t)n))
    {
      /* Stop the helper: its output is not wanted any more. */
      run->write_failed = true;
      _gwReaperKill(&run->slot.reaper);
    }
  }
  else if (which == RUN_RES)
  {
    if (run->reslen + (size_t)n < sizeof(run->resbuf))
    {
      memcpy(run->resbuf + run->reslen, buf, (size_t)n);
      run->reslen += (size_t)n;
    }
  }
  else if (run->errlen + 1 < sizeof(run->errbuf))
  {
    size_t keep = (size_t)n < sizeof(run->errbuf) - 1 - run->errlen ? (size_t)n : sizeof(run->errbuf) - 1 - run->errlen;

    memcpy(run->errbuf + run->errlen, buf, keep);
    run->errlen += keep;
  }
}


/*
 * 'run_feed()' - Write the next piece of the document down a pooled
 *                helper's fd 0 (non-blocking), closing it after the last
 *                byte.  A helper that closed its end gets no more: what it
 *                then reports (or not) decides the run.
 */

static void
run_feed(conv_run_t *run, char *buf, size_t bufsize)
{
  ssize_t n = run->in_size - run->in_off < (int64_t)bufsize ? (ssize_t)(run->in_size - run->in_off) : (ssize_t)bufsize;
  ssize_t w = 0;

  if (n > 0 && (n = pread(run->in, buf, (size_t)n, (off_t)run->in_off)) > 0)
  {
    sigset_t pipe_set, old;
    int      err;

    /* A helper that closed its end gives EPIPE, never a SIGPIPE here. */
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    w   = write(run->slot.in_w, buf, (size_t)n);
    err = errno;
    if (w < 0 && err == EPIPE)
    {
      struct timespec zero = { 0, 0 };

      sigtimedwait(&pipe_set, NULL, &zero);   /* Take the SIGPIPE the write left pending */
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    if (w < 0 && (err == EAGAIN || err == EINTR))
      return;
    if (w > 0)
      run->in_off += w;
  }

  if (n <= 0 || w <= 0 || run->in_off >= run->in_size)
  {
    close(run->slot.in_w);               /* End of the document (or a helper that went away) */
    run->slot.in_w = -1;
  }
}


/*
 * 'run_read()' - Feed a pooled helper its document, and read output,
 *                result and stderr until all three close or the deadline
 *                passes (then the helper is killed).
 */

static void
run_read(conv_run_t *run, const gw_convert_job_t *cj, int64_t deadline, gw_convert_result_t *result)
{
  char buf[64 * 1024];

  while (run->slot.fd[RUN_OUT] >= 0 || run->slot.fd[RUN_RES] >= 0 || run->slot.fd[RUN_ERR] >= 0)
  {
    struct pollfd pfd[4];
    int           which[4], nfds = 0, left = (int)(deadline - now_ms());

    if (cj->cancel && __atomic_load_n(cj->cancel, __ATOMIC_ACQUIRE))
    {
      result->cancelled = true;
      _gwReaperKill(&run->slot.reaper);
      break;
    }
    if (left <= 0)
    {
      result->timed_out = true;
      _gwReaperKill(&run->slot.reaper);     /* The helper and everything below it */
      break;
    }
    if (cj->cancel && left > CONVERT_CANCEL_POLL_MS)
      left = CONVERT_CANCEL_POLL_MS;   /* Look at the cancel flag now and then */

    for (int i = 0; i < 3; i ++)
    {
      if (run->slot.fd[i] >= 0)
      {
        pfd[nfds].fd     = run->slot.fd[i];
        pfd[nfds].events = POLLIN;
        which[nfds ++]   = i;
      }
    }
    if (run->slot.in_w >= 0)
    {
      pfd[nfds].fd     = run->slot.in_w;
      pfd[nfds].events = POLLOUT;
      which[nfds ++]   = RUN_IN;
    }

    if (poll(pfd, (nfds_t)nfds, left) < 0)
    {
      if (errno == EINTR)
        continue;
      break;
    }

    for (int i = 0; i < nfds; i ++)
    {
      ssize_t n;

      if (!pfd[i].revents)
        continue;
      if (which[i] == RUN_IN)
      {
        run_feed(run, buf, sizeof(buf));
        continue;
      }
      if ((n = read(pfd[i].fd, buf, sizeof(buf))) < 0 && errno == EINTR)
        continue;
      run_take(run, which[i], cj, buf, n, result);
    }
  }

  gwWipe(buf, sizeof(buf));
}


/*
 * 'run_wait()' - Wait for the reaper until the deadline, looking at the
 *                cancel flag (if any) every CONVERT_CANCEL_POLL_MS.  False
 *                at the deadline or on a cancel (result->cancelled).
 */

static bool
run_wait(conv_run_t *run, const gw_convert_job_t *cj, int64_t deadline, gw_convert_result_t *result)
{
  if (result->cancelled)
    return (false);
  if (!cj->cancel)
    return (_gwReaperWait(&run->slot.reaper, deadline));

  for (;;)
  {
    int64_t now = now_ms(), slice = now + CONVERT_CANCEL_POLL_MS;

    if (__atomic_load_n(cj->cancel, __ATOMIC_ACQUIRE))
    {
      result->cancelled = true;
      return (false);
    }
    if (_gwReaperWait(&run->slot.reaper, slice < deadline ? slice : deadline))
      return (true);
    if (now_ms() >= deadline)
      return (false);
  }
}


/*
 * 'run_judge()' - Decide the result from the helper's wait status, its
 *                 result line and what happened while it ran.
 */

static void
run_judge(conv_run_t *run, const gw_convert_job_t *cj, int status, gw_convert_result_t *result)
{
  bool parsed = false;

  run->resbuf[run->reslen] = '\0';
  run->errbuf[run->errlen] = '\0';
  if (run->errlen && cj->log)
  {
    for (char *p = run->errbuf; *p; p ++)
    {
      if (*p == '\n')
        *p = ' ';
    }
    gwLog(cj->log, GW_LOG_DEBUG, "Converter stderr: %s", run->errbuf);
  }

  if (WIFSIGNALED(status))
    result->signal = WTERMSIG(status);
  else if (WIFEXITED(status))
    result->exit_status = WEXITSTATUS(status);

  if (result->timed_out || result->signal == SIGXCPU)
  {
    result->timed_out = true;
    result->reason = GW_REASON_CONVERSION_TIMEOUT;
    snprintf(result->detail, sizeof(result->detail), "the conversion took longer than %d seconds", cj->timeout);
  }
  else if (result->output_size > cj->max_output)
  {
    result->reason = GW_REASON_TOO_LARGE;
    snprintf(result->detail, sizeof(result->detail), "the converted document is larger than %lld bytes", (long long)cj->max_output);
  }
  else if (run->write_failed)
    snprintf(result->detail, sizeof(result->detail), "the converted document could not be stored");
  else if (!(parsed = gwConvertParseResult(run->resbuf, result)))
  {
    result->ok     = false;
    result->reason = result->signal ? GW_REASON_CONVERSION_CRASHED : GW_REASON_INTERNAL;
    if (result->signal)
      snprintf(result->detail, sizeof(result->detail), "the converter was stopped by signal %d (a limit was reached or it crashed)", result->signal);
    else
      snprintf(result->detail, sizeof(result->detail), "the converter gave no valid result (exit status %d)", result->exit_status);
  }
  else if (result->office && (result->signal || result->exit_status != GW_CONV_EXIT_OFFICE))
  {
    result->office = false;
    snprintf(result->detail, sizeof(result->detail), "the converter gave no valid result (exit status %d)", result->exit_status);
  }
  else if (!result->office)
    result->ok = !strncmp(run->resbuf, GW_CONV_RESULT_OK, 2) && result->signal == 0 && result->exit_status == 0;

  if (parsed && !result->ok && !result->office && result->reason == GW_REASON_NONE)
    result->reason = GW_REASON_INTERNAL;
}


/*
 * 'run_helper()' - Hand the document to a started or taken helper, read
 *                  what it gives until it ends or the deadline, and judge
 *                  its result.  The deadline (cj->timeout) starts now:
 *                  for a pooled helper, when it gets the document.
 */

static void
run_helper(conv_run_t *run, const gw_convert_job_t *cj, bool pooled, gw_convert_result_t *result)
{
  int64_t deadline;

  result->helper_pid = run->slot.reaper.child;
  result->pooled     = pooled;

  /*
   * The deadline holds for the wait too: a helper that closed its pipes and
   * sleeps (it uses no CPU, so its CPU limit never fires) is killed at the
   * deadline like one that still writes.
   */

  deadline = now_ms() + (int64_t)cj->timeout * 1000;
  run_read(run, cj, deadline, result);

  if (!run_wait(run, cj, deadline, result))
  {
    result->timed_out = !result->cancelled;
    _gwReaperKill(&run->slot.reaper);
  }
  _gwReaperStop(&run->slot.reaper, GW_REAPER_GRACE_MS);

  if (run->slot.reaper.exec_errno)
    snprintf(result->detail, sizeof(result->detail), "unable to start %s: %s", cj->helper, strerror(run->slot.reaper.exec_errno));
  else
    run_judge(run, cj, run->slot.reaper.status, result);
}


/*
 * 'run_lost_before_start()' - Did the helper die by a signal (not its CPU
 *                             limit, not our deadline or a cancel) with no
 *                             output and no result line?  Its stderr does
 *                             not count: a pooled helper writes its sandbox
 *                             line there while it waits.  A document that
 *                             crashes its helper looks the same, so the
 *                             caller retries once only.
 */

static bool
run_lost_before_start(const conv_run_t *run, const gw_convert_result_t *result)
{
  return (result->signal != 0 && result->signal != SIGXCPU && !result->timed_out && !result->cancelled &&
          !run->write_failed && result->output_size == 0 && run->reslen == 0);
}


/*
 * 'run_reset()' - Forget one run of a helper (its slot is stopped) before
 *                 the document goes to another.
 */

static void
run_reset(conv_run_t *run, gw_convert_result_t *result)
{
  memset(&run->slot, 0, sizeof(run->slot));
  run->slot.reaper.pidfd       = -1;
  run->slot.reaper.ctl         = -1;
  run->slot.reaper.child_pidfd = -1;
  run->slot.in_w               = -1;
  run->slot.fd[0] = run->slot.fd[1] = run->slot.fd[2] = -1;
  run->in_off = 0;
  run->reslen = run->errlen = 0;
  run->write_failed = false;

  memset(result, 0, sizeof(*result));
  result->reason      = GW_REASON_INTERNAL;
  result->color_pages = -1;
}


/*
 * 'gwConvertRun()' - Run one conversion.  Returns true only when the helper
 *                    reported "ok", exited 0 within the timeout, and every
 *                    output byte was accepted by the write callback.  The
 *                    timeout covers the whole run, the wait included.
 *                    With cj->pool, a pre-started helper that fits the job
 *                    is taken when one is ready (it gets the document on
 *                    its fd 0 pipe); else one is started for this job.
 */

bool
gwConvertRun(const gw_convert_job_t *cj, gw_convert_result_t *result)
{
  conv_run_t        *run;
  struct stat        st;
  bool               pooled = false;

  memset(result, 0, sizeof(*result));
  result->reason      = GW_REASON_INTERNAL;
  result->color_pages = -1;

  if ((run = calloc(1, sizeof(conv_run_t))) == NULL)
  {
    snprintf(result->detail, sizeof(result->detail), "out of memory");
    return (false);
  }
  run_reset(run, result);
  run->in = -1;

  if (cj->read)
    run->in = gwConvertMemfd(cj->read, cj->read_ctx, 0);
  else if (cj->in_fd >= 0)
    run->in = fcntl(cj->in_fd, F_DUPFD_CLOEXEC, 3);
  if (run->in < 0 || lseek(run->in, 0, SEEK_SET) != 0 || fstat(run->in, &st))
  {
    snprintf(result->detail, sizeof(result->detail), "unable to hand the document to the converter");
    goto done;
  }
  run->in_size = (int64_t)st.st_size;

  /*
   * A pre-started helper that fits (already in its sandbox, waiting on its
   * fd 0 pipe), or one started now with the memfd as its fd 0.
   */

  if (cj->pool)
    pooled = _gwConvertPoolTake(cj->pool, cj, &run->slot);
  if (!pooled && !_gwConvertSlotStart(cj, run->in, -1, &run->slot, result->detail, sizeof(result->detail)))
    goto done;

  run_helper(run, cj, pooled, result);

  if (pooled && run_lost_before_start(run, result))
  {
    /*
     * A waiting helper killed from outside (the OOM killer, an admin) can
     * still look alive for a moment when it is taken.  It died by a signal
     * having given no output and no result, so the document goes to a
     * helper started for it, once.
     */

    if (cj->log)
      gwLog(cj->log, GW_LOG_WARN, "A waiting conversion helper (pid %d) is gone (signal %d before it answered); starting another for the document.", (int)run->slot.reaper.child, result->signal);
    _gwConvertSlotStop(&run->slot);
    _gwConvertPoolGive(cj->pool);
    pooled = false;
    run_reset(run, result);
    if (lseek(run->in, 0, SEEK_SET) != 0)
    {
      snprintf(result->detail, sizeof(result->detail), "unable to hand the document to the converter");
      goto done;
    }
    if (!_gwConvertSlotStart(cj, run->in, -1, &run->slot, result->detail, sizeof(result->detail)))
      goto done;
    run_helper(run, cj, false, result);
  }

  done:

  _gwConvertSlotStop(&run->slot);
  if (pooled)
    _gwConvertPoolGive(cj->pool);
  if (run->in >= 0)
    close(run->in);
  free(run);

  return (result->ok);
}
