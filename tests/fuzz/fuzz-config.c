/*
 * fuzz-config.c - libFuzzer harness for the configuration parser
 *                 (config.h, config.c).
 *
 * The input is the whole configuration file.  It is written to one memfd
 * made at start-up (gwConfigLoad() takes a path, and /proc/self/fd/N of a
 * memfd is a regular file), so nothing reaches the disk and no state is
 * kept between inputs: the memfd is truncated and rewritten every time.
 *
 * Besides "no crash, no leak, no hang", the harness checks what a person
 * editing the file relies on: a refused file has an error that names the
 * file, and an accepted one has every value inside the limits of the
 * directive table (config.c), every string terminated, and the resolved
 * paths computed without overflow.
 */

#include "printgate/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>


/*
 * The memfd the input is written to, made once.
 */

static int  config_fd = -1;
static char config_path[64];


/*
 * 'fail()' - Report a broken promise and abort (libFuzzer saves the input).
 */

static void
fail(const char *what, const char *err)
{
  fprintf(stderr, "fuzz-config: %s (err=\"%s\")\n", what, err);
  abort();
}


/*
 * 'check_string()' - A string field must be terminated inside its array.
 */

static void
check_string(const char *field, size_t size, const char *name)
{
  if (strnlen(field, size) >= size)
  {
    fprintf(stderr, "fuzz-config: %s is not terminated\n", name);
    abort();
  }
}


/*
 * 'check_range()' - A number must be inside the limits of its directive.
 */

static void
check_range(int64_t value, int64_t min, int64_t max, const char *name)
{
  if (value < min || value > max)
  {
    fprintf(stderr, "fuzz-config: %s = %lld is outside [%lld, %lld]\n", name, (long long)value, (long long)min, (long long)max);
    abort();
  }
}


/*
 * 'check_config()' - Check an accepted configuration.  The limits are
 *                    those of the directive table in config.c, written
 *                    out again here so that a change there has to be
 *                    made on purpose.
 */

static void
check_config(const gw_config_t *c)
{
  char sock[GW_PATH_MAX + 64], cert[GW_PATH_MAX + 64], key[GW_PATH_MAX + 64];

  check_string(c->state_dir, sizeof(c->state_dir), "StateDir");
  check_string(c->control_socket, sizeof(c->control_socket), "ControlSocket");
  check_string(c->log_file, sizeof(c->log_file), "LogFile");
  check_string(c->listen_address, sizeof(c->listen_address), "ListenAddress");
  check_string(c->tls_certificate, sizeof(c->tls_certificate), "TLSCertificate");
  check_string(c->tls_key, sizeof(c->tls_key), "TLSKey");
  check_string(c->server_name, sizeof(c->server_name), "ServerName");
  check_string(c->admin_user, sizeof(c->admin_user), "AdminUser");

  if (c->state_dir[0] != '/')
    fail("StateDir is not an absolute path", c->state_dir);
  if (c->control_socket[0] && c->control_socket[0] != '/')
    fail("ControlSocket is not an absolute path", c->control_socket);
  if (c->log_file[0] && c->log_file[0] != '/')
    fail("LogFile is not an absolute path", c->log_file);
  if (!c->server_name[0])
    fail("ServerName was not resolved", "");
  if (!c->admin_user[0])
    fail("AdminUser is empty", "");
  if (!c->tls_certificate[0] != !c->tls_key[0])
    fail("TLSCertificate and TLSKey are not set together", c->tls_certificate);

  check_range(c->log_level, GW_LOG_DEBUG, GW_LOG_ERROR, "LogLevel");
  check_range(c->listen_port, 0, 65535, "ListenPort");
  check_range(c->max_connections, 1, 10000, "MaxConnections");
  check_range(c->connection_timeout, 1, 3600, "ConnectionTimeout");
  check_range(c->max_document_size, 1024, (int64_t)2 * 1024 * 1024 * 1024, "MaxDocumentSize");
  check_range(c->max_pages, 1, 100000, "MaxPagesPerJob");
  check_range(c->max_held_jobs, 1, 100000, "MaxHeldJobsPerUser");
  check_range(c->retention, 1, 365 * 86400, "Retention");
  check_range(c->guest_retention, 1, 365 * 86400, "GuestRetention");
  check_range(c->reprint_retention, 1, 365 * 86400, "ReprintRetention");
  check_range(c->expiry_interval, 1, 86400, "ExpiryInterval");
  check_range(c->pin_length, 4, 12, "PinLength");
  check_range(c->pin_lifetime, 0, (int64_t)3650 * 86400, "PinLifetime");
  check_range(c->pin_max_failures, 1, 100, "PinMaxFailures");
  check_range(c->pin_lockout, 1, 30 * 86400, "PinLockout");
  check_range(c->printer_timeout, 1, 600, "PrinterTimeout");
  check_range(c->printer_retries, 0, 100, "PrinterRetries");
  check_range(c->printer_retry_delay_ms, 10, 60000, "PrinterRetryDelay");

  /*
   * The resolved paths: the control socket must fit a Unix socket address
   * (108 bytes with the nul), which the loader promises to check.
   */

  gwConfigControlSocket(c, sock, sizeof(sock));
  gwConfigTLSPaths(c, cert, sizeof(cert), key, sizeof(key));

  if (strlen(sock) > 107)
    fail("the control socket path does not fit a Unix socket address", sock);
  if (!cert[0] || !key[0])
    fail("the TLS paths were not resolved", cert);
}


/*
 * 'LLVMFuzzerInitialize()' - Make the memfd.
 */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  if ((config_fd = memfd_create("printgate.conf", MFD_CLOEXEC)) < 0)
  {
    perror("fuzz-config: memfd_create");
    exit(1);
  }

  snprintf(config_path, sizeof(config_path), "/proc/self/fd/%d", config_fd);

  return (0);
}


/*
 * 'LLVMFuzzerTestOneInput()' - Load one configuration file.
 */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  gw_config_t *c;
  char         err[2048], small[24];
  size_t       off = 0;

  if (ftruncate(config_fd, 0))
    fail("cannot truncate the memfd", "");

  while (off < size)
  {
    ssize_t n = pwrite(config_fd, data + off, size - off, (off_t)off);

    if (n <= 0)
      fail("cannot write the memfd", "");
    off += (size_t)n;
  }

  memset(err, 'x', sizeof(err));

  if ((c = gwConfigLoad(config_path, err, sizeof(err))) == NULL)
  {
    /*
     * Refused: the error is a terminated "FILE[:LINE]: reason" line.  The
     * same file with a tiny error buffer must be refused the same way,
     * with the message cut, never written past the buffer.
     */

    if (strnlen(err, sizeof(err)) >= sizeof(err))
      fail("the error message is not terminated", "");
    if (strncmp(err, config_path, strlen(config_path)) || err[strlen(config_path)] != ':' || !err[strlen(config_path) + 1])
      fail("the error message does not start with the file name", err);

    if ((c = gwConfigLoad(config_path, small, sizeof(small))) != NULL)
      fail("the same file was accepted with a smaller error buffer", err);
    if (strnlen(small, sizeof(small)) >= sizeof(small) || strncmp(small, err, strlen(small)))
      fail("the cut error message is not a prefix of the full one", small);
  }
  else
  {
    check_config(c);
    gwConfigDelete(&c);

    if (c)
      fail("gwConfigDelete() did not clear the pointer", "");
  }

  return (0);
}
