/*
 * io.c - writing a whole buffer to a descriptor (io.h).
 *
 * One loop serves the control socket, the converter helper's pipes, the
 * rendering pipe and the reaper's report: all of them must survive short
 * writes and EINTR, and none may die of SIGPIPE when the peer went away.
 */

#include "printgate/io.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>


/*
 * 'gwWriteAll()' - Write all of buf to fd.
 *
 * A socket is written with send(MSG_NOSIGNAL), so a peer that closed
 * gives EPIPE instead of killing the process; anything else (a pipe, a
 * file) with write().  Async-signal-safe (the reaper calls it between
 * fork and exec).  Returns false on an error or a zero-length write,
 * with errno set by the failing call.
 */

bool
gwWriteAll(int fd, const void *buf, size_t len)
{
  const char *p         = (const char *)buf;
  bool        is_socket = true;

  while (len > 0)
  {
    ssize_t n;

    if (is_socket)
    {
      n = send(fd, p, len, MSG_NOSIGNAL);
      if (n < 0 && errno == ENOTSOCK)
      {
        is_socket = false;
        continue;
      }
    }
    else
      n = write(fd, p, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return (false);

    p   += n;
    len -= (size_t)n;
  }

  return (true);
}
