/*
 * gw-notify-listen.c - test tool: bind a datagram Unix socket (like
 * systemd's NOTIFY_SOCKET) and print every message received, one per line,
 * flushing after each, until killed.
 *
 *   gw-notify-listen SOCKET-PATH
 */

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
  struct sockaddr_un addr;
  int                fd;
  char               buf[4096];

  if (argc != 2 || strlen(argv[1]) >= sizeof(addr.sun_path))
  {
    fputs("Usage: gw-notify-listen SOCKET-PATH\n", stderr);
    return (2);
  }

  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", argv[1]);
  unlink(argv[1]);

  if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)))
  {
    perror("gw-notify-listen");
    return (1);
  }

  for (;;)
  {
    ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

    if (n <= 0)
      continue;
    buf[n] = '\0';
    for (char *p = buf; *p; p ++)
    {
      if (*p == '\n')
        *p = ' ';
    }
    printf("%s\n", buf);
    fflush(stdout);
  }
}
