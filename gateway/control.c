/*
 * control.c - the admin control socket, daemon side (see control.h).
 *
 * One accept thread; one detached thread per client (at most
 * GW_CONTROL_MAX_CLIENTS), counted so that gwControlStop() can drain them.
 * Commands are in the table at the end of control-commands.c.
 */

#include "control-private.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/printbuf.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_PEERPIDFD
#  define SO_PEERPIDFD 77               /* Linux 6.5; not in Debian 12's headers */
#endif

struct _gw_control_s
{
  gw_system_t    *sys;
  int             fd;              /* Listening socket */
  int             wake[2];         /* Pipe that stops the accept thread */
  char            path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  pthread_t       thread;          /* Accept thread */
  pthread_mutex_t lock;            /* Guards active */
  pthread_cond_t  cond;            /* Signalled when a client ends */
  int             active;          /* Client threads running */
};


/*
 * '_gwControlRead()' - Read up to len bytes: buffered bytes first, then
 *                      the socket.  Returns 0 at end of stream, -1 on error.
 */

ssize_t
_gwControlRead(gw_client_t *cl, void *buf, size_t len)
{
  ssize_t n;

  if (cl->pos < cl->len)
  {
    n = (ssize_t)(cl->len - cl->pos);
    if ((size_t)n > len)
      n = (ssize_t)len;
    memcpy(buf, cl->buf + cl->pos, (size_t)n);
    cl->pos += (size_t)n;
    return (n);
  }

  do
    n = read(cl->fd, buf, len);
  while (n < 0 && errno == EINTR);

  return (n);
}


/*
 * 'read_request()' - Read one newline-terminated request line.  false at
 *                    end of stream or when the line is too long.
 */

static bool
read_request(gw_client_t *cl, char *line, size_t linesize)
{
  size_t used = 0;

  for (;;)
  {
    char   *nl;
    ssize_t n;

    if (cl->pos < cl->len)
    {
      size_t avail = cl->len - cl->pos;

      if ((nl = memchr(cl->buf + cl->pos, '\n', avail)) != NULL)
        avail = (size_t)(nl - (cl->buf + cl->pos)) + 1;
      if (used + avail >= linesize)
        return (false);
      memcpy(line + used, cl->buf + cl->pos, avail);
      used     += avail;
      cl->pos  += avail;
      if (nl)
      {
        line[used - 1] = '\0';
        return (true);
      }
    }

    cl->pos = 0;
    do
      n = read(cl->fd, cl->buf, sizeof(cl->buf));
    while (n < 0 && errno == EINTR);
    if (n <= 0)
      return (false);
    cl->len = (size_t)n;
  }
}


/*
 * 'wipe_json()' - Overwrite every string in a parsed request or a reply
 *                 (PINs, passwords) before json-c frees it.  json-c keeps
 *                 the bytes in memory it owns; const is cast away for
 *                 this only.
 */

static void
wipe_json(json_object *obj)
{
  switch (json_object_get_type(obj))
  {
    case json_type_string :
        explicit_bzero((char *)json_object_get_string(obj), (size_t)json_object_get_string_len(obj));
        break;
    case json_type_object :
        {
          json_object_object_foreach(obj, key, value)
          {
            (void)key;
            wipe_json(value);
          }
        }
        break;
    case json_type_array :
        for (size_t i = 0; i < json_object_array_length(obj); i ++)
          wipe_json(json_object_array_get_idx(obj, i));
        break;
    default :
        break;
  }
}


/*
 * 'wipe_tokener()' - Overwrite the tokener's copy of the request's strings.
 */

static void
wipe_tokener(json_tokener *tok)
{
  if (tok && tok->pb && tok->pb->buf)
    explicit_bzero(tok->pb->buf, (size_t)tok->pb->size);
}


/*
 * '_gwControlReply()' - Send one JSON line and release the object.
 */

bool
_gwControlReply(gw_client_t *cl, json_object *reply)
{
  const char *text = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
  bool        ok = gwWriteAll(cl->fd, text, strlen(text)) && gwWriteAll(cl->fd, "\n", 1);

  /* A reply may carry a new PIN: wipe its text and strings before freeing. */
  explicit_bzero((char *)text, strlen(text));
  wipe_json(reply);
  json_object_put(reply);
  return (ok);
}


/*
 * '_gwControlError()' - Send {"ok":false,"error":...[,"reason":...]}.
 */

bool
_gwControlError(gw_client_t *cl, const char *reason, const char *fmt, ...)
{
  json_object *reply = json_object_new_object();
  char         text[1024];
  va_list      ap;

  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);

  json_object_object_add(reply, "ok", json_object_new_boolean(false));
  json_object_object_add(reply, "error", json_object_new_string(text));
  if (reason)
    json_object_object_add(reply, "reason", json_object_new_string(reason));

  return (_gwControlReply(cl, reply));
}


/*
 * 'client_thread()' - Serve one client until it hangs up.
 */

static void *
client_thread(void *arg)
{
  gw_client_t  *cl = (gw_client_t *)arg;
  gw_control_t *ctl = cl->ctl;
  char         *line = malloc(GW_CONTROL_LINE_MAX + 1);

  pthread_setname_np(pthread_self(), "pg-control-cli");   /* Seen in top -H and ps -L */
  while (line && read_request(cl, line, GW_CONTROL_LINE_MAX + 1))
  {
    json_tokener *tok = json_tokener_new_ex(8);
    json_object  *req = tok ? json_tokener_parse_ex(tok, line, (int)strlen(line)) : NULL;
    bool          ok;

    if (tok && json_tokener_get_error(tok) != json_tokener_success)
    {
      wipe_json(req);
      json_object_put(req);
      req = NULL;
    }
    wipe_tokener(tok);
    json_tokener_free(tok);
    explicit_bzero(line, GW_CONTROL_LINE_MAX + 1);

    if (!req || !json_object_is_type(req, json_type_object))
    {
      wipe_json(req);
      json_object_put(req);
      _gwControlError(cl, NULL, "The request is not a JSON object.");
      break;
    }

    ok = _gwControlDispatch(cl, req);
    wipe_json(req);
    json_object_put(req);
    if (!ok)
      break;
  }

  /* Requests carry PINs and passwords: nothing of them stays in freed memory. */
  if (line)
    explicit_bzero(line, GW_CONTROL_LINE_MAX + 1);
  explicit_bzero(cl->buf, sizeof(cl->buf));
  free(line);
  close(cl->fd);
  free(cl);

  pthread_mutex_lock(&ctl->lock);
  ctl->active --;
  pthread_cond_broadcast(&ctl->cond);
  pthread_mutex_unlock(&ctl->lock);

  return (NULL);
}


/*
 * 'same_user_ns()' - Is the peer (by SO_PEERCRED's pid) in our own user
 *                    namespace?  A sandbox in a user namespace of its own
 *                    keeps the daemon's uid as seen from here, so the uid
 *                    alone does not tell it from the daemon's user.
 *
 * The namespace link is read by pid right after accept.  Where the kernel
 * has SO_PEERPIDFD (6.5+), the peer's pidfd is taken first and checked to
 * be still running after the read, so the pid cannot have been reused by
 * another process in between; on older kernels the window is the few
 * microseconds between accept and the read, and the pid would have to be
 * reused by a process of our namespace.  Any error is "no".
 */

static bool
same_user_ns(pid_t pid, char *why, size_t whysize, bool *denied)
{
  char          path[64], mine[64], theirs[64];
  ssize_t       n, m;

  *denied = false;
  if (pid <= 0)
  {
    snprintf(why, whysize, "no peer pid");
    return (false);
  }

  snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
  if ((n = readlink("/proc/self/ns/user", mine, sizeof(mine) - 1)) <= 0 ||
      (m = readlink(path, theirs, sizeof(theirs) - 1)) <= 0)
  {
    *denied = errno == EACCES || errno == EPERM;
    snprintf(why, whysize, "unable to read the peer's user namespace (%s)", strerror(errno));
    return (false);
  }
  mine[n]   = '\0';
  theirs[m] = '\0';

  if (strcmp(mine, theirs))
  {
    snprintf(why, whysize, "the peer is in another user namespace (%s, ours %s)", theirs, mine);
    return (false);
  }

  return (true);
}


/*
 * 'peer_alive()' - With the peer's pidfd (SO_PEERPIDFD), is it still
 *                  running?  true when the kernel has no SO_PEERPIDFD.
 */

static bool
peer_alive(int pidfd)
{
  struct pollfd pfd;

  if (pidfd < 0)
    return (true);

  pfd.fd      = pidfd;
  pfd.events  = POLLIN;
  pfd.revents = 0;

  return (poll(&pfd, 1, 0) == 0);       /* Readable = exited */
}


/*
 * 'peer_allowed()' - Only root and the daemon's own user may connect, and
 *                    only from the daemon's user namespace (a sandbox's
 *                    user namespace maps the daemon's uid, docs/office.md).
 *
 * A peer of uid 0 whose namespace a non-root daemon cannot read (the
 * kernel asks for ptrace access to read another user's ns link) is let
 * through: uid 0 as seen from here is real root, which no sandbox can be
 * (a sandbox's user namespace maps only the daemon's uid; a root daemon's
 * sandboxes become an unprivileged user).
 */

static bool
peer_allowed(gw_control_t *ctl, int fd, char *actor, size_t actorsize)
{
  struct ucred   cred;
  socklen_t      len = sizeof(cred);
  struct passwd  pw, *result = NULL;
  char           pwbuf[1024], why[200] = "";
  int            pidfd = -1;
  socklen_t      pidfd_len = sizeof(pidfd);
  bool           ns_ok, denied;

  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) || len != sizeof(cred))
    return (false);

  if (cred.uid != 0 && cred.uid != geteuid())
  {
    gwLog(gwSystemGetLog(ctl->sys), GW_LOG_WARN, "Control socket: refused a client with uid %u.", (unsigned)cred.uid);
    return (false);
  }

  if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &pidfd_len) || pidfd_len != sizeof(pidfd))
  {
    if (errno != ENOPROTOOPT && errno != EINVAL)
    {
      gwLog(gwSystemGetLog(ctl->sys), GW_LOG_WARN, "Control socket: refused a client with uid %u, pid %d: %s.",
            (unsigned)cred.uid, (int)cred.pid, strerror(errno));
      return (false);
    }
    pidfd = -1;                         /* Kernel before 6.5: no pidfd */
  }

  ns_ok = same_user_ns(cred.pid, why, sizeof(why), &denied);
  if (!ns_ok && denied && cred.uid == 0 && geteuid() != 0)
    ns_ok = true;                       /* Real root: see above */
  if (ns_ok && !peer_alive(pidfd))
  {
    ns_ok = false;
    snprintf(why, sizeof(why), "it exited before it could be checked");
  }
  if (pidfd >= 0)
    close(pidfd);

  if (!ns_ok)
  {
    gwLog(gwSystemGetLog(ctl->sys), GW_LOG_WARN, "Control socket: refused a client with uid %u, pid %d: %s.",
          (unsigned)cred.uid, (int)cred.pid, why);
    return (false);
  }

  if (!getpwuid_r(cred.uid, &pw, pwbuf, sizeof(pwbuf), &result) && result)
    snprintf(actor, actorsize, "cli:%s", pw.pw_name);
  else
    snprintf(actor, actorsize, "cli:uid%u", (unsigned)cred.uid);

  return (true);
}


/*
 * 'accept_thread()' - Accept clients until gwControlStop().
 */

static void *
accept_thread(void *arg)
{
  gw_control_t *ctl = (gw_control_t *)arg;
  struct pollfd pfd[2];

  pthread_setname_np(pthread_self(), "pg-control");   /* Seen in top -H and ps -L */
  pfd[0].fd     = ctl->fd;
  pfd[0].events = POLLIN;
  pfd[1].fd     = ctl->wake[0];
  pfd[1].events = POLLIN;

  for (;;)
  {
    gw_client_t   *cl;
    pthread_t      thread;
    pthread_attr_t attr;
    int            fd;

    if (poll(pfd, 2, -1) < 0)
    {
      if (errno == EINTR)
        continue;
      break;
    }
    if (pfd[1].revents)
      break;
    if (!(pfd[0].revents & POLLIN))
      continue;

    if ((fd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
      continue;

    if ((cl = calloc(1, sizeof(gw_client_t))) == NULL)
    {
      close(fd);
      continue;
    }
    cl->fd  = fd;
    cl->ctl = ctl;
    cl->sys = ctl->sys;

    if (!peer_allowed(ctl, fd, cl->actor, sizeof(cl->actor)))
    {
      close(fd);
      free(cl);
      continue;
    }

    pthread_mutex_lock(&ctl->lock);
    if (ctl->active >= GW_CONTROL_MAX_CLIENTS)
    {
      pthread_mutex_unlock(&ctl->lock);
      _gwControlError(cl, NULL, "Too many control clients at once; try again.");
      close(fd);
      free(cl);
      continue;
    }
    ctl->active ++;
    pthread_mutex_unlock(&ctl->lock);

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    if (pthread_create(&thread, &attr, client_thread, cl))
    {
      close(fd);
      free(cl);
      pthread_mutex_lock(&ctl->lock);
      ctl->active --;
      pthread_mutex_unlock(&ctl->lock);
    }
    pthread_attr_destroy(&attr);
  }

  return (NULL);
}


/*
 * 'start_failed()' - Undo a start that failed after the wake pipe: close,
 *                    free, and say why.
 */

static gw_control_t *
start_failed(gw_control_t *ctl, const char **error_r, const char *why)
{
  *error_r = why;
  if (ctl->fd >= 0)
    close(ctl->fd);
  close(ctl->wake[0]);
  close(ctl->wake[1]);
  free(ctl);

  return (NULL);
}


/*
 * 'gwControlStart()' - Listen on the control socket.
 */

gw_control_t *
gwControlStart(gw_system_t *sys, const char *path, const char **error_r)
{
  gw_control_t      *ctl;
  struct sockaddr_un addr;
  mode_t             old_mask;

  if (strlen(path) >= sizeof(addr.sun_path))
  {
    *error_r = "the control socket path is too long";
    return (NULL);
  }

  if ((ctl = calloc(1, sizeof(gw_control_t))) == NULL)
  {
    *error_r = "out of memory";
    return (NULL);
  }

  ctl->sys = sys;
  ctl->fd  = -1;
  pthread_mutex_init(&ctl->lock, NULL);
  pthread_cond_init(&ctl->cond, NULL);
  snprintf(ctl->path, sizeof(ctl->path), "%s", path);

  if (pipe2(ctl->wake, O_CLOEXEC))
  {
    *error_r = "unable to create a pipe";
    free(ctl);
    return (NULL);
  }

  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
  unlink(path);

  old_mask = umask(0077);
  if ((ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
      bind(ctl->fd, (struct sockaddr *)&addr, sizeof(addr)) || chmod(path, 0600) || listen(ctl->fd, 16))
  {
    umask(old_mask);
    gwLog(gwSystemGetLog(sys), GW_LOG_ERROR, "Control socket \"%s\": %s", path, strerror(errno));
    return (start_failed(ctl, error_r, "unable to listen on the control socket"));
  }
  umask(old_mask);

  if (pthread_create(&ctl->thread, NULL, accept_thread, ctl))
  {
    unlink(path);
    return (start_failed(ctl, error_r, "unable to start the control thread"));
  }

  return (ctl);
}


/*
 * 'gwControlStop()' - Stop accepting, wait up to drain_seconds for running
 *                     clients (a submission in progress finishes), remove
 *                     the socket.
 */

void
gwControlStop(gw_control_t **ctlp, int drain_seconds)
{
  gw_control_t   *ctl;
  struct timespec deadline;

  if (!ctlp || !*ctlp)
    return;

  ctl = *ctlp;
  if (write(ctl->wake[1], "x", 1) != 1)
    gwLog(gwSystemGetLog(ctl->sys), GW_LOG_WARN, "Control socket: unable to wake the accept thread.");
  pthread_join(ctl->thread, NULL);
  close(ctl->fd);
  unlink(ctl->path);

  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += drain_seconds;

  pthread_mutex_lock(&ctl->lock);
  while (ctl->active > 0)
  {
    if (pthread_cond_timedwait(&ctl->cond, &ctl->lock, &deadline) == ETIMEDOUT)
      break;
  }
  if (ctl->active > 0)
  {
    /* Clients still running keep pointers to ctl: leak it rather than free it under them. */
    gwLog(gwSystemGetLog(ctl->sys), GW_LOG_WARN, "Control socket: %d client(s) still busy after %d seconds.", ctl->active, drain_seconds);
    pthread_mutex_unlock(&ctl->lock);
    *ctlp = NULL;
    return;
  }
  pthread_mutex_unlock(&ctl->lock);

  close(ctl->wake[0]);
  close(ctl->wake[1]);
  pthread_mutex_destroy(&ctl->lock);
  pthread_cond_destroy(&ctl->cond);
  free(ctl);
  *ctlp = NULL;
}
