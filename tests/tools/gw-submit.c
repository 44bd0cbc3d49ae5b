/*
 * gw-submit.c - test tool: submit a document over the control socket with
 * control over pacing and repetition, which the printgate CLI does not
 * offer (and should not).
 *
 *   gw-submit [--rate BYTES-PER-SEC] [--count N] [--no-wait] SOCKET USER FILE
 *
 * --rate slows the stream down (crash tests kill the daemon mid-document);
 * --count submits the same file N times over one connection (RSS bench).
 * --no-wait asks for the reply as soon as the document is stored (the job
 * is then converting) instead of after its conversion.
 * Prints the daemon's reply line for the last submission; exit 0 if it was ok.
 */

#include "printgate/control.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
  const char *error = NULL, *sock = NULL, *user = NULL, *file = NULL;
  long long   rate = 0, count = 1;
  int         wait = 1;
  static char buf[64 * 1024], line[GW_CONTROL_LINE_MAX + 1];
  struct stat st;
  int         fd, docfd, i;
  bool        ok = false;

  for (i = 1; i < argc; i ++)
  {
    if (!strcmp(argv[i], "--rate") && i + 1 < argc)
      rate = strtoll(argv[++ i], NULL, 10);
    else if (!strcmp(argv[i], "--count") && i + 1 < argc)
      count = strtoll(argv[++ i], NULL, 10);
    else if (!strcmp(argv[i], "--no-wait"))
      wait = 0;
    else if (!sock)
      sock = argv[i];
    else if (!user)
      user = argv[i];
    else if (!file)
      file = argv[i];
  }

  if (!file || count < 1)
  {
    fputs("Usage: gw-submit [--rate BYTES-PER-SEC] [--count N] [--no-wait] SOCKET USER FILE\n", stderr);
    return (2);
  }

  if ((docfd = open(file, O_RDONLY)) < 0 || fstat(docfd, &st))
  {
    perror(file);
    return (1);
  }

  if ((fd = gwControlConnect(sock, &error)) < 0)
  {
    fprintf(stderr, "gw-submit: %s\n", error);
    return (1);
  }

  for (long long n = 0; n < count; n ++)
  {
    char    req[512];
    ssize_t got;
    off_t   left = st.st_size;

    snprintf(req, sizeof(req), "{\"cmd\":\"job.submit\",\"user\":\"%s\",\"name\":\"bench-%lld.pdf\",\"size\":%lld,\"wait\":%d}\n", user, n, (long long)st.st_size, wait);
    if (!gwWriteAll(fd, req, strlen(req)) || lseek(docfd, 0, SEEK_SET))
      break;

    while (left > 0 && (got = read(docfd, buf, sizeof(buf))) > 0)
    {
      if (!gwWriteAll(fd, buf, (size_t)got))
        break;
      left -= got;
      if (rate > 0)
      {
        struct timespec ts = { 0, 0 };
        long long       ns = (long long)got * 1000000000LL / rate;

        ts.tv_sec  = ns / 1000000000LL;
        ts.tv_nsec = ns % 1000000000LL;
        nanosleep(&ts, NULL);
      }
    }

    if (!gwControlReadLine(fd, line, sizeof(line)))
    {
      fprintf(stderr, "gw-submit: no reply for submission %lld\n", n);
      ok = false;
      break;
    }
    ok = strstr(line, "\"ok\":true") != NULL;
    if (!ok || n + 1 == count)
      printf("%s\n", line);
    if (!ok)
      break;
  }

  close(fd);
  close(docfd);

  return (ok ? 0 : 1);
}
