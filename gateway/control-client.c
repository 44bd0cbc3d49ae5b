/*
 * control-client.c - the client side of the control socket (see
 * control.h): connect, write, read a line.  Kept apart from control.c so
 * the printgate CLI links none of the daemon's code or libraries.
 */

#include "printgate/control.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>


/*
 * 'gwControlConnect()' - Connect to the daemon (CLI side).
 */

int
gwControlConnect(const char *path, const char **error_r)
{
  struct sockaddr_un addr;
  int                fd;

  if (strlen(path) >= sizeof(addr.sun_path))
  {
    *error_r = "the control socket path is too long";
    return (-1);
  }

  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);

  if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
  {
    *error_r = strerror(errno);
    return (-1);
  }

  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
  {
    *error_r = errno == ENOENT || errno == ECONNREFUSED ? "printgated is not running (no control socket)" :
               errno == EACCES ? "permission denied (the control socket is for root)" : strerror(errno);
    close(fd);
    return (-1);
  }

  return (fd);
}


/*
 * 'gwControlReadLine()' - Read one reply line (CLI side; byte at a time is
 *                         fine for one short line per command).
 */

bool
gwControlReadLine(int fd, char *buf, size_t bufsize)
{
  size_t used = 0;

  while (used + 1 < bufsize)
  {
    ssize_t n = read(fd, buf + used, 1);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    if (buf[used] == '\n')
    {
      buf[used] = '\0';
      return (true);
    }
    used ++;
  }

  buf[used] = '\0';
  return (false);
}
