/*
 * convert-zygote.c - a helper's zygote (docs/converters.md, "The zygote").
 *
 * Started by the daemon's helper pool with GW_CONV_ENV_ZYGOTE set (to the
 * daemon's pid) and a SOCK_SEQPACKET socket on GW_CONV_ZYGOTE_FD, the
 * helper becomes a zygote before main() does anything else: its libraries
 * are loaded and relocated once, and it never reads a document, builds no
 * sandbox and starts no Ghostscript instance.  For each request of the
 * daemon (gw_conv_zygote_req_t, the environment of one helper and, as
 * SCM_RIGHTS, the reaper's control socket and the helper's descriptors) it
 * clones a reaper with CLONE_PARENT, so that reaper is the daemon's child
 * exactly as a printgate-reaper the daemon spawned would be, and answers
 * with its pid.  That reaper runs the reaper's own code (_gwReaperRun(),
 * gateway/reaper-run.c) and forks the helper from the loaded image instead
 * of exec'ing it; _gwConvZygote() then returns true in that helper, which
 * goes on through main() like a helper the reaper exec'd: its own
 * descriptors 0-3 only, its own environment, every sandbox layer built
 * after it.  One document per process, as always.
 *
 * What a zygote saves is the exec and the dynamic loading of 65 (or 106)
 * shared libraries per document.  What it gives up: the helpers forked from
 * one zygote share its address-space layout (ASLR is per exec); the daemon
 * replaces a zygote after GW_CONV_ZYGOTE_MAX_FORKS helpers for that reason.
 */

#include "convert-private.h"
#include "printgate/reaper.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ZYGOTE_MAX_ENV 64               /* Environment entries of one helper */


/*
 * 'zygote_recv()' - Read one request: its header, its environment (NUL-
 *                   separated, into env/envp) and its descriptors (the
 *                   control socket first).  Returns the number of
 *                   descriptors (>= 0), or -1 at end of file or on error.
 */

static int
zygote_recv(gw_conv_zygote_req_t *req, char *env, char **envp, int *fds)
{
  char          buf[sizeof(gw_conv_zygote_req_t) + GW_CONV_ZYGOTE_ENV_MAX];
  struct iovec  iov = { buf, sizeof(buf) };
  struct msghdr mh;
  union
  {
    struct cmsghdr hdr;
    char           buf[CMSG_SPACE(sizeof(int) * (GW_REAPER_MAX_FDS + 1))];
  }             cm;
  ssize_t       n;
  int           nfds = 0, nenv = 0;

  memset(&mh, 0, sizeof(mh));
  mh.msg_iov        = &iov;
  mh.msg_iovlen     = 1;
  mh.msg_control    = cm.buf;
  mh.msg_controllen = sizeof(cm.buf);

  while ((n = recvmsg(GW_CONV_ZYGOTE_FD, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR);
  if (n <= 0)
    return (-1);

  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
  {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
    {
      int got = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

      for (int i = 0; i < got; i ++)
      {
        int fd;

        memcpy(&fd, CMSG_DATA(c) + (size_t)i * sizeof(int), sizeof(int));
        if (nfds < GW_REAPER_MAX_FDS + 1)
          fds[nfds ++] = fd;
        else
          close(fd);
      }
    }
  }

  if ((size_t)n < sizeof(*req) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
    goto bad;
  memcpy(req, buf, sizeof(*req));
  if (req->magic != GW_CONV_ZYGOTE_MAGIC || req->envlen < 0 || (size_t)req->envlen != (size_t)n - sizeof(*req) ||
      req->nfds < 0 || req->nfds > GW_REAPER_MAX_FDS || req->fdmask < 0 || req->fdmask >= (1 << req->nfds) ||
      req->nice < 0 || req->nice > 19 || nfds != 1 + __builtin_popcount((unsigned)req->fdmask))
    goto bad;

  /* The environment: NUL-terminated strings, each "NAME=value". */
  memcpy(env, buf + sizeof(*req), (size_t)req->envlen);
  for (int off = 0; off < req->envlen; )
  {
    char *e   = env + off;
    char *nul = memchr(e, '\0', (size_t)(req->envlen - off));

    if (!nul || !strchr(e, '=') || nenv >= ZYGOTE_MAX_ENV - 1)
      goto bad;
    envp[nenv ++] = e;
    off = (int)(nul - env) + 1;
  }
  envp[nenv] = NULL;

  return (nfds);

  bad:

  for (int i = 0; i < nfds; i ++)
    close(fds[i]);
  return (0);
}


/*
 * 'zygote_reply()' - Answer a request: 0 and the reaper's pid, or an errno
 *                    value.
 */

static void
zygote_reply(int err, pid_t pid)
{
  int msg[2] = { err, (int)pid };

  while (send(GW_CONV_ZYGOTE_FD, msg, sizeof(msg), MSG_NOSIGNAL) < 0 && errno == EINTR);
}


/*
 * '_gwConvZygote()' - Be a zygote when the daemon started this process as
 *                     one (GW_CONV_ENV_ZYGOTE).  Returns false at once in
 *                     a helper started the ordinary way, true in a helper
 *                     forked by one of the zygote's reapers; the zygote
 *                     itself exits when the daemon closes its socket.
 */

bool
_gwConvZygote(void)
{
  static char          env[GW_CONV_ZYGOTE_ENV_MAX];
  static char         *envp[ZYGOTE_MAX_ENV];
  const char          *value = getenv(GW_CONV_ENV_ZYGOTE);
  gw_conv_zygote_req_t req;
  pid_t                daemon;
  int                  fds[GW_REAPER_MAX_FDS + 1], n;

  if (!value)
    return (false);

  daemon = (pid_t)strtol(value, NULL, 10);
  unsetenv(GW_CONV_ENV_ZYGOTE);
  if (daemon < 2 || prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != daemon)
    _exit(2);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  /* Like a reaper: nobody traces it */
  zygote_reply(0, getpid());           /* Ready: the daemon waits for this before it asks */

  while ((n = zygote_recv(&req, env, envp, fds)) >= 0)
  {
    _gw_reaper_spawn_t sp;
    long               pid;
    int                next = 1;

    if (n == 0)
    {
      zygote_reply(EINVAL, 0);
      continue;
    }

    memset(&sp, 0, sizeof(sp));
    sp.path        = NULL;             /* Fork from this image, no exec */
    sp.envp        = envp;
    sp.nfds        = req.nfds;
    sp.all_signals = req.all_signals != 0;
    sp.nice        = req.nice;
    for (int i = 0; i < req.nfds; i ++)
      sp.fds[i] = (req.fdmask & (1 << i)) ? fds[next ++] : -1;

    /*
     * CLONE_PARENT: the reaper is the daemon's child (it reaps it and holds
     * its pidfd), with the daemon's pool thread as the parent its death
     * signal follows.  A raw clone, so glibc's fork handlers do not run:
     * the reaper uses system calls only, and the helper it forks with
     * _Fork() gets glibc's state set up as in any fork.
     */

    pid = syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL, 0UL);
    if (pid == 0)
    {
      _gwReaperRun(&sp, fds[0], daemon);
      return (true);                   /* Only the helper gets here */
    }

    zygote_reply(pid < 0 ? errno : 0, pid < 0 ? 0 : (pid_t)pid);
    for (int i = 0; i < n; i ++)
      close(fds[i]);
  }

  _exit(0);
}
