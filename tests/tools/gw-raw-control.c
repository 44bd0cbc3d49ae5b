/*
 * gw-raw-control.c - test tool: connect to the control socket, copy stdin
 * to it, then print whatever comes back until the daemon closes (or 3 s of
 * silence).  Used to send malformed requests.
 *
 *   gw-raw-control SOCKET < request
 */

#include "printgate/control.h"

#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
  const char   *error = NULL;
  char          buf[65536];
  ssize_t       n;
  int           fd;
  struct pollfd pfd;

  if (argc != 2)
  {
    fputs("Usage: gw-raw-control SOCKET < request\n", stderr);
    return (2);
  }

  if ((fd = gwControlConnect(argv[1], &error)) < 0)
  {
    fprintf(stderr, "gw-raw-control: %s\n", error);
    return (1);
  }

  while ((n = read(0, buf, sizeof(buf))) > 0)
  {
    if (!gwWriteAll(fd, buf, (size_t)n))
      break;
  }
  shutdown(fd, SHUT_WR);

  pfd.fd     = fd;
  pfd.events = POLLIN;
  while (poll(&pfd, 1, 3000) > 0 && (n = read(fd, buf, sizeof(buf))) > 0)
    fwrite(buf, 1, (size_t)n, stdout);

  close(fd);
  return (0);
}
