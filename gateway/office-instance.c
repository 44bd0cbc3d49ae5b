/*
 * office-instance.c - start, talk to, stop and clean up one instance of the
 * Office pool (docs/office.md).
 *
 * An instance is printgate-office-sandbox started under a reaper of its
 * own (reaper.c) in a process group of its own, with one end of a
 * socketpair as its stdin and stdout; it confines itself and becomes the
 * Python worker, which starts soffice.bin.  Stopping it is the reaper
 * killing the sandbox by pid, its group and every descendant (even one
 * that called setsid()), a wait bounded by GW_REAPER_GRACE_MS, and removing
 * its directory (profile, temporary files, any per-document directory:
 * they may hold plaintext).
 *
 * Only the supervisor thread calls _gwOfficeInstanceStart/Reap (see
 * office-private.h); the instance's process therefore stays tied to a
 * thread that lives as long as the pool (the parent-death signal fires when
 * the spawning thread ends).
 */

#include "office-private.h"
#include "printgate/crypto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


/*
 * '_gwOfficeNowMs()' - Monotonic milliseconds.
 */

int64_t
_gwOfficeNowMs(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}


/*
 * '_gwOfficeReadLine()' - Read one protocol line from the instance before
 *                         the deadline.  Returns 1 with the line (no
 *                         newline), 0 at end of file (the instance died),
 *                         -1 on timeout or error, -2 for a line that is too
 *                         long.
 */

int
_gwOfficeReadLine(_gw_office_instance_t *inst, int64_t deadline_ms, char *line, size_t linesize)
{
  for (;;)
  {
    char          *nl = memchr(inst->line, '\n', inst->linelen);
    struct pollfd  pfd;
    ssize_t        n;
    int            left;

    if (nl)
    {
      size_t len = (size_t)(nl - inst->line);

      snprintf(line, linesize, "%.*s", (int)len, inst->line);
      memmove(inst->line, nl + 1, inst->linelen - len - 1);
      inst->linelen -= len + 1;
      return (1);
    }

    if (inst->linelen >= sizeof(inst->line) - 1)
      return (-2);

    if ((left = (int)(deadline_ms - _gwOfficeNowMs())) <= 0)
      return (-1);

    pfd.fd     = inst->sock;
    pfd.events = POLLIN;
    if (poll(&pfd, 1, left) < 0)
    {
      if (errno == EINTR)
        continue;
      return (-1);
    }
    if (!pfd.revents)
      continue;

    n = read(inst->sock, inst->line + inst->linelen, sizeof(inst->line) - 1 - inst->linelen);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0)
      return (n == 0 ? 0 : -1);
    inst->linelen += (size_t)n;
  }
}


/*
 * '_gwOfficeRemoveTree()' - Remove parent_fd/name and everything below it
 *                           without following any link (the instance may
 *                           have planted links).  A tree deeper than
 *                           'depth' is left and false returned.
 */

bool
_gwOfficeRemoveTree(int parent_fd, const char *name, int depth)
{
  int            fd, dupfd;
  DIR           *dir;
  struct dirent *ent;
  bool           ok = true;

  if (!unlinkat(parent_fd, name, 0) || errno == ENOENT)
    return (true);
  if (errno != EISDIR && errno != EPERM)
    return (false);
  if (depth <= 0)
    return (false);

  if ((fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    return (false);
  if ((dupfd = dup(fd)) < 0 || (dir = fdopendir(dupfd)) == NULL)
  {
    if (dupfd >= 0)
      close(dupfd);
    close(fd);
    return (false);
  }

  while ((ent = readdir(dir)) != NULL)
  {
    if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
      continue;
    if (!_gwOfficeRemoveTree(fd, ent->d_name, depth - 1))
      ok = false;
  }

  closedir(dir);
  close(fd);

  if (unlinkat(parent_fd, name, AT_REMOVEDIR) && errno != ENOENT)
    ok = false;

  return (ok);
}


/*
 * 'spawn_sandbox()' - posix_spawn the sandbox with the socket on fds 0 and
 *                     1, /dev/null on 2, a fixed environment, default
 *                     signals and its own process group.
 */

static pid_t
spawn_sandbox(gw_office_pool_t *pool, _gw_office_instance_t *inst, int child_sock, const char *dir, char *error, size_t errsize)
{
  _gw_reaper_spawn_t sp;
  char               e_dir[GW_PATH_MAX + 200], e_user[96], e_soffice[GW_PATH_MAX + 32],
                     e_worker[GW_PATH_MAX + 32], e_pipe[96], e_as[64], e_fsize[64], e_landlock[40];
  unsigned char      rnd[8];
  char              *envp[9], *argv[2];
  int64_t            fsize_mb = pool->cfg.max_output / (1024 * 1024) + 64;
  int                err;

  if (!gwRandomBytes(rnd, sizeof(rnd)))
  {
    snprintf(error, errsize, "no random bytes for the UNO pipe name");
    return (-1);
  }

  snprintf(e_dir, sizeof(e_dir), "PG_OFFICE_DIR=%s", dir);
  snprintf(e_user, sizeof(e_user), "PG_OFFICE_USER=%s", pool->user);
  snprintf(e_soffice, sizeof(e_soffice), "PG_OFFICE_SOFFICE=%s", pool->soffice);
  snprintf(e_worker, sizeof(e_worker), "PG_OFFICE_WORKER=%s", pool->worker);
  snprintf(e_pipe, sizeof(e_pipe), "PG_OFFICE_PIPE=printgate-%d-%02x%02x%02x%02x%02x%02x%02x%02x", inst->index,
           rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
  snprintf(e_as, sizeof(e_as), "PG_OFFICE_AS_MB=%lld", (long long)(pool->cfg.max_memory / (1024 * 1024)));
  snprintf(e_fsize, sizeof(e_fsize), "PG_OFFICE_FSIZE_MB=%lld", (long long)(fsize_mb > 65536 ? 65536 : fsize_mb));
  snprintf(e_landlock, sizeof(e_landlock), "PG_OFFICE_REQUIRE_LANDLOCK=%d", pool->cfg.allow_no_landlock ? 0 : 1);
  envp[0] = e_dir; envp[1] = e_user; envp[2] = e_soffice; envp[3] = e_worker;
  envp[4] = e_pipe; envp[5] = e_as; envp[6] = e_fsize; envp[7] = e_landlock; envp[8] = NULL;
  argv[0] = "printgate-office-sandbox";
  argv[1] = NULL;

  /* The socket on 0 and 1, /dev/null on 2, every signal at its default. */
  memset(&sp, 0, sizeof(sp));
  sp.path        = pool->sandbox;
  sp.argv        = argv;
  sp.envp        = envp;
  sp.fds[0]      = child_sock;
  sp.fds[1]      = child_sock;
  sp.fds[2]      = -1;
  sp.nfds        = 3;
  sp.all_signals = true;

  if (!_gwReaperSpawn(&inst->reaper, &sp, &err))
  {
    if (_gwReaperMissing())
      snprintf(error, errsize, "unable to start %s: printgate-reaper is missing (%s)", pool->sandbox, _gwReaperMissing());
    else
      snprintf(error, errsize, "unable to start %s: %s", pool->sandbox, strerror(err));
    return (-1);
  }

  return (inst->reaper.child);
}


/*
 * '_gwOfficeInstanceStart()' - Make the instance's directory, start it and
 *                              wait for "ready".  Supervisor thread only.
 */

bool
_gwOfficeInstanceStart(gw_office_pool_t *pool, _gw_office_instance_t *inst, char *error, size_t errsize)
{
  int           sv[2] = { -1, -1 };
  unsigned char rnd[6];
  char          dir[GW_PATH_MAX + 160], line[GW_OFFICE_LINE_MAX];
  int           rc;

  inst->sock    = -1;
  inst->dir_fd  = -1;
  inst->pid     = 0;
  inst->linelen = 0;
  memset(&inst->reaper, 0, sizeof(inst->reaper));
  inst->reaper.pidfd       = -1;
  inst->reaper.ctl         = -1;
  inst->reaper.child_pidfd = -1;

  if (!gwRandomBytes(rnd, sizeof(rnd)))
  {
    snprintf(error, errsize, "no random bytes");
    return (false);
  }
  snprintf(inst->dir_name, sizeof(inst->dir_name), "i%d-%02x%02x%02x%02x%02x%02x", inst->index,
           rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);

  if (mkdirat(pool->session_fd, inst->dir_name, 0700) ||
      (inst->dir_fd = openat(pool->session_fd, inst->dir_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
  {
    snprintf(error, errsize, "unable to create the instance directory: %s", strerror(errno));
    return (false);
  }
  snprintf(dir, sizeof(dir), "%s/%s", pool->session, inst->dir_name);

  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
  {
    snprintf(error, errsize, "unable to create a socket pair: %s", strerror(errno));
    return (false);
  }

  inst->pid = spawn_sandbox(pool, inst, sv[1], dir, error, errsize);
  close(sv[1]);
  inst->sock = sv[0];
  if (inst->pid <= 0)
  {
    inst->pid = 0;
    return (false);
  }

  inst->starts ++;
  inst->jobs = 0;
  inst->seq  = 0;

  /*
   * Wait for "ready" in short slices, so a pool that is stopping does not
   * wait for a slow start.
   */

  for (int64_t deadline = _gwOfficeNowMs() + GW_OFFICE_START_TIMEOUT * 1000;;)
  {
    int64_t slice = _gwOfficeNowMs() + 250;

    rc = _gwOfficeReadLine(inst, slice < deadline ? slice : deadline, line, sizeof(line));
    if (rc != -1 || _gwOfficeNowMs() >= deadline)
      break;
    if (__atomic_load_n(&pool->stopping, __ATOMIC_RELAXED))
    {
      snprintf(error, errsize, "the pool is stopping");
      return (false);
    }
  }

  if (rc == 1 && !strcmp(line, "ready"))
    return (true);

  if (rc == 1)
    snprintf(error, errsize, "%s", strncmp(line, "fail ", 5) ? line : line + 5);
  else if (rc == 0 && _gwReaperWait(&inst->reaper, _gwOfficeNowMs() + 1000) && inst->reaper.exec_errno)
    snprintf(error, errsize, "unable to start %s: %s", pool->sandbox, strerror(inst->reaper.exec_errno));
  else if (rc == 0)
    snprintf(error, errsize, "the instance exited while starting");
  else
    snprintf(error, errsize, "the instance did not become ready within %d seconds", GW_OFFICE_START_TIMEOUT);

  return (false);
}


/*
 * '_gwOfficeInstanceKill()' - Have the instance killed (sandbox, worker,
 *                             soffice.bin and anything they started, in
 *                             whatever group or session) and wait up to
 *                             wait_ms for all of it to be gone, without
 *                             reaping (the supervisor reaps).  The thread
 *                             that owns the instance.
 */

void
_gwOfficeInstanceKill(_gw_office_instance_t *inst, int64_t wait_ms)
{
  struct pollfd pfd;

  _gwReaperKill(&inst->reaper);

  /* The reaper exits only once everything below it is reaped. */
  if ((pfd.fd = inst->reaper.pidfd) >= 0 && wait_ms > 0)
  {
    pfd.events = POLLIN;
    while (poll(&pfd, 1, (int)wait_ms) < 0 && errno == EINTR);
  }
}


/*
 * '_gwOfficeInstanceReap()' - Have the instance killed, wait for it (at
 *                             most GW_REAPER_GRACE_MS, then the reaper
 *                             itself is killed) and remove its directory.
 *                             Supervisor thread only (or the pool's last
 *                             thread).
 */

void
_gwOfficeInstanceReap(gw_office_pool_t *pool, _gw_office_instance_t *inst)
{
  if (inst->reaper.pid > 0)
  {
    _gwReaperStop(&inst->reaper, GW_REAPER_GRACE_MS);
    inst->reaper.pid = 0;
  }
  inst->pid = 0;

  if (inst->sock >= 0)
  {
    close(inst->sock);
    inst->sock = -1;
  }
  if (inst->dir_fd >= 0)
  {
    close(inst->dir_fd);
    inst->dir_fd = -1;
  }
  if (inst->dir_name[0])
  {
    if (!_gwOfficeRemoveTree(pool->session_fd, inst->dir_name, 64))
      gwLog(pool->log, GW_LOG_ERROR, "Office instance %d: unable to remove its directory %s/%s completely.", inst->index, pool->session, inst->dir_name);
    inst->dir_name[0] = '\0';
  }
  inst->linelen = 0;
}
