/*
 * mhd-discard.c - the upload benchmark's peer (tests/bench/upload-bench.sh):
 * a minimal libmicrohttpd HTTPS server with the same TLS set-up as
 * printgated's listener (gateway/listener.c) that reads a POST body,
 * throws it away and answers 200 with the byte count.
 *
 *   mhd-discard --cert PEM --key PEM [--port N] [--threads N] [--priorities STRING]
 *
 * Like the listener: MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
 * MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TLS, a thread pool of twice the
 * online CPUs within 4..16 (pool_size()), the same GnuTLS priority string
 * (LISTENER_TLS_PRIORITIES: TLS 1.3 and 1.2, ECDHE, AEAD only), 256
 * connections, a 30 s timeout, 128 KiB of memory per connection (which
 * sets the size of the body pieces libmicrohttpd hands over), bound to
 * 127.0.0.1.  Port 0 (the default) takes a free one.  It prints
 * "mhd-discard: listening on port N" once ready, and runs until SIGTERM
 * or SIGINT.  A GET answers "mhd-discard" (a readiness probe).
 */

#include <microhttpd.h>

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The listener's priority string (gateway/listener.c, LISTENER_TLS_PRIORITIES) */
#define DISCARD_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-RSA:-DHE-RSA:-DHE-DSS:-CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM:-MAC-ALL:+AEAD"
#define DISCARD_MEMORY_LIMIT   (128 * 1024)
#define DISCARD_PEM_MAX        (1024 * 1024)

static volatile sig_atomic_t stop = 0;

static void
on_signal(int sig)
{
  (void)sig;
  stop = 1;
}

static char *
read_pem(const char *path)
{
  FILE   *fp = fopen(path, "rb");
  char   *buf;
  size_t n;

  if (!fp)
  {
    perror(path);
    return (NULL);
  }
  if ((buf = malloc(DISCARD_PEM_MAX + 1)) == NULL)
  {
    fclose(fp);
    return (NULL);
  }
  n = fread(buf, 1, DISCARD_PEM_MAX, fp);
  fclose(fp);
  buf[n] = '\0';

  return (buf);
}

static enum MHD_Result
respond(struct MHD_Connection *conn, unsigned int status, const char *text)
{
  struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
  enum MHD_Result     ret;

  if (!r)
    return (MHD_NO);
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
  ret = MHD_queue_response(conn, status, r);
  MHD_destroy_response(r);

  return (ret);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
        const char *upload_data, size_t *upload_data_size, void **con_cls)
{
  uint64_t *count = (uint64_t *)*con_cls;
  char     text[64];

  (void)cls; (void)url; (void)version; (void)upload_data;

  if (strcmp(method, "POST"))
    return (respond(conn, MHD_HTTP_OK, "mhd-discard\n"));

  if (!count)
  {
    /* Headers only: set up the byte counter */
    if ((count = calloc(1, sizeof(uint64_t))) == NULL)
      return (MHD_NO);
    *con_cls = count;
    return (MHD_YES);
  }
  if (*upload_data_size)
  {
    *count           += *upload_data_size;
    *upload_data_size = 0;
    return (MHD_YES);
  }

  snprintf(text, sizeof(text), "%" PRIu64 "\n", *count);
  return (respond(conn, MHD_HTTP_OK, text));
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
  (void)cls; (void)conn; (void)toe;
  free(*con_cls);
  *con_cls = NULL;
}

static unsigned int
pool_size(int threads)
{
  long n = threads > 0 ? threads : 2 * sysconf(_SC_NPROCESSORS_ONLN);

  if (n < 4 && threads <= 0)
    n = 4;
  if (n > 16)
    n = 16;

  return ((unsigned int)n);
}

int
main(int argc, char *argv[])
{
  const char          *certfile = NULL, *keyfile = NULL, *priorities = DISCARD_TLS_PRIORITIES;
  char                *cert, *key;
  int                 port = 0, threads = 0;
  struct sockaddr_in  addr;
  struct MHD_Daemon   *d;
  const union MHD_DaemonInfo *info;

  for (int i = 1; i < argc; i ++)
  {
    if (!strcmp(argv[i], "--cert") && i + 1 < argc)
      certfile = argv[++ i];
    else if (!strcmp(argv[i], "--key") && i + 1 < argc)
      keyfile = argv[++ i];
    else if (!strcmp(argv[i], "--port") && i + 1 < argc)
      port = (int)strtol(argv[++ i], NULL, 10);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = (int)strtol(argv[++ i], NULL, 10);
    else if (!strcmp(argv[i], "--priorities") && i + 1 < argc)
      priorities = argv[++ i];
    else
    {
      fprintf(stderr, "usage: %s --cert PEM --key PEM [--port N] [--threads N] [--priorities STRING]\n", argv[0]);
      return (2);
    }
  }
  if (!certfile || !keyfile || port < 0 || port > 65535)
  {
    fprintf(stderr, "%s: --cert and --key are required, --port is 0..65535\n", argv[0]);
    return (2);
  }
  if ((cert = read_pem(certfile)) == NULL || (key = read_pem(keyfile)) == NULL)
    return (1);

  memset(&addr, 0, sizeof(addr));
  addr.sin_family      = AF_INET;
  addr.sin_port        = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TLS | MHD_USE_ERROR_LOG,
                       (uint16_t)port, NULL, NULL, handler, NULL,
                       MHD_OPTION_SOCK_ADDR, &addr,
                       MHD_OPTION_HTTPS_MEM_CERT, cert,
                       MHD_OPTION_HTTPS_MEM_KEY, key,
                       MHD_OPTION_HTTPS_PRIORITIES, priorities,
                       MHD_OPTION_THREAD_POOL_SIZE, pool_size(threads),
                       MHD_OPTION_CONNECTION_LIMIT, 256u,
                       MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                       MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)DISCARD_MEMORY_LIMIT,
                       MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                       MHD_OPTION_END);
  if (!d)
  {
    fprintf(stderr, "%s: libmicrohttpd did not start (port %d in use, or a bad certificate/key)\n", argv[0], port);
    return (1);
  }

  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  printf("mhd-discard: listening on port %u (%u threads)\n", info ? (unsigned)info->port : (unsigned)port, pool_size(threads));
  fflush(stdout);

  while (!stop)
    usleep(100000);

  MHD_stop_daemon(d);
  free(cert);
  free(key);

  return (0);
}
