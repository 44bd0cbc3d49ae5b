/*
 * listener-harness.h - what the listener tests (test-listener.c,
 * test-listener-defer.c, test-listener-pause.c) share: a self-signed
 * certificate, a TCP connection to the listener on 127.0.0.1, and a wait
 * for a counter the listener's threads raise.
 */

#ifndef PRINTGATE_LISTENER_HARNESS_H
#define PRINTGATE_LISTENER_HARNESS_H

#include "printgate/log.h"
#include "test.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>


/*
 * 'harness_connect()' - A TCP connection to 127.0.0.1:port from src (an
 *                       IPv4 loopback address such as "127.0.0.2", or NULL
 *                       for any), reads timing out after recv_ms (0 =
 *                       never); -1 on error.
 */

static inline int
harness_connect(const char *src, int port, int recv_ms)
{
  struct sockaddr_in sin;
  struct timeval     tv = { recv_ms / 1000, (recv_ms % 1000) * 1000 };
  int                fd = socket(AF_INET, SOCK_STREAM, 0);

  if (fd < 0)
    return (-1);

  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  if (src && (inet_pton(AF_INET, src, &sin.sin_addr) != 1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin))))
  {
    close(fd);
    return (-1);
  }

  sin.sin_port        = htons((uint16_t)port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  if ((recv_ms > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) || connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
  {
    close(fd);
    return (-1);
  }

  return (fd);
}


/*
 * 'harness_make_cert()' - A self-signed ECDSA certificate for localhost in
 *                         dir (cert.pem, key.pem), made with the openssl
 *                         tool; their paths in cert and key.
 */

static inline bool
harness_make_cert(const char *dir, char *cert, size_t certsize, char *key, size_t keysize)
{
  char cmd[4096];

  snprintf(cert, certsize, "%s/cert.pem", dir);
  snprintf(key, keysize, "%s/key.pem", dir);
  snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost -keyout '%s' -out '%s' 2>/dev/null", key, cert);

  return (system(cmd) == 0);
}

/*
 * 'harness_setup()' - A fresh temporary folder (dir), a certificate in it
 *                     and a log there (logfile); false after a FAIL line.
 */

static inline bool
harness_setup(char *dir, size_t dirsize, char *cert, size_t certsize, char *key, size_t keysize, char *logfile, size_t logsize, gw_loglevel_t level, gw_log_t **log)
{
  if (!test_tempdir(dir, dirsize))
  {
    puts("FAIL unable to make a temporary folder");
    return (false);
  }

  TEST_BEGIN("self-signed certificate");
  TEST_CHECK(harness_make_cert(dir, cert, certsize, key, keysize));

  snprintf(logfile, logsize, "%s/listener.log", dir);
  *log = gwLogNew(logfile, level);

  return (true);
}


/*
 * 'harness_wait_count()' - Wait up to ms until *counter (guarded by lock,
 *                          signalled on cond) reaches n; its value then.
 */

static inline int
harness_wait_count(pthread_mutex_t *lock, pthread_cond_t *cond, int *counter, int n, int ms)
{
  struct timespec deadline;
  int             value;

  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec  += ms / 1000;
  deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L)
  {
    deadline.tv_sec ++;
    deadline.tv_nsec -= 1000000000L;
  }

  pthread_mutex_lock(lock);
  while (*counter < n && pthread_cond_timedwait(cond, lock, &deadline) == 0);
  value = *counter;
  pthread_mutex_unlock(lock);

  return (value);
}


#endif /* !PRINTGATE_LISTENER_HARNESS_H */
