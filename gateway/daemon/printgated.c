/*
 * printgated.c - the Printgate daemon.
 *
 *   printgated [-c FILE]        run in the foreground
 *   printgated -t [-c FILE]     check the configuration and exit
 *   printgated --version        the version (CMake's project version)
 *
 * Start-up: turn off core dumps, load the config, open (on first run:
 * create) the state dir, keys, certificate, printer certificate store,
 * store and admin account, recover from a crash, start
 * the HTTPS listener and the control socket, then tell systemd READY=1
 * through $NOTIFY_SOCKET.  SIGHUP reloads the config; SIGTERM/SIGINT drain
 * and exit.  Expiry sweeps run every ExpiryInterval from the main thread.
 */

#include "printgate/config.h"
#include "printgate/control.h"
#include "printgate/listener.h"
#include "printgate/log.h"
#include "printgate/system.h"
#include "printgate-ipp/dnssd.h"
#include "printgate-ipp/server.h"
#include "printgate-ipp/sinks.h"
#include "printgate-mail/mail.h"
#include "printgate-web/web.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CONFIG "/etc/printgate/printgate.conf"


/*
 * 'notify()' - Send a message to systemd's NOTIFY_SOCKET, if set (the
 *              sd_notify datagram protocol; no libsystemd needed).
 */

static void
notify(const char *message)
{
  const char        *path = getenv("NOTIFY_SOCKET");
  struct sockaddr_un addr;
  socklen_t          len;
  int                fd;

  if (!path || !*path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(addr.sun_path))
    return;

  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path, strlen(path));
  if (path[0] == '@')
    addr.sun_path[0] = '\0';              /* Abstract socket */
  len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));

  if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
    return;
  if (sendto(fd, message, strlen(message), MSG_NOSIGNAL, (struct sockaddr *)&addr, len) < 0)
    fprintf(stderr, "printgated: unable to notify systemd: %s\n", strerror(errno));
  close(fd);
}


/*
 * 'no_core_dumps()' - Keep the root key, spool keys and documents in memory
 *                     out of core files and away from other processes of
 *                     the same user.
 *
 * RLIMIT_CORE 0 (also LimitCORE=0 in the unit) means no core file is
 * written; PR_SET_DUMPABLE 0 also makes /proc/PID (maps, mem, environ, fd)
 * root's and stops ptrace by the same uid, which matters when the daemon
 * runs as its own user.  The converter and Office helpers are exec'd
 * programs: exec makes them dumpable again, which they need to write their
 * own /proc/self/uid_map.  The process reads its own /proc/self as before.
 * Returns false (and says why on stderr) if either could not be set.
 */

static bool
no_core_dumps(void)
{
  struct rlimit none = { 0, 0 };
  bool          ok = true;

  if (setrlimit(RLIMIT_CORE, &none))
  {
    fprintf(stderr, "printgated: unable to disable core dumps (RLIMIT_CORE): %s\n", strerror(errno));
    ok = false;
  }

  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
  {
    fprintf(stderr, "printgated: unable to make the process non-dumpable: %s\n", strerror(errno));
    ok = false;
  }

  return (ok);
}


/*
 * 'usage()' - Show program usage.
 */

static int
usage(FILE *fp, int status)
{
  fputs("Usage: printgated [-c FILE] [-t]\n"
        "       printgated --version | --help\n"
        "\n"
        "Printgate print gateway daemon: runs in the foreground (systemd starts it).\n"
        "\n"
        "  -c FILE    configuration file (default " DEFAULT_CONFIG ")\n"
        "  -t         check the configuration and exit\n"
        "  --version  show the version and exit\n"
        "  --help     show this help and exit\n"
        "\n"
        "See printgated(8) and printgate.conf(5).\n", fp);
  return (status);
}


/*
 * 'serve()' - The main thread's loop until SIGTERM/SIGINT: expiry sweeps
 *             every ExpiryInterval, a reload on SIGHUP.
 */

static void
serve(gw_system_t *sys, const char *conffile, const sigset_t *signals)
{
  char   err[1024];
  time_t next_sweep = time(NULL) + gwSystemGetConfig(sys)->expiry_interval;

  for (;;)
  {
    struct timespec timeout;
    siginfo_t       info;
    int             sig;
    time_t          now = time(NULL);

    timeout.tv_sec  = next_sweep > now ? next_sweep - now : 0;
    timeout.tv_nsec = 0;

    if ((sig = sigtimedwait(signals, &info, &timeout)) < 0)
    {
      if (errno == EAGAIN)
      {
        gw_config_t *c = gwSystemGetConfig(sys);

        gwSystemExpire(sys, time(NULL));
        next_sweep = time(NULL) + c->expiry_interval;
      }
      continue;
    }

    if (sig == SIGHUP)
    {
      gw_config_t *newconfig;

      notify("RELOADING=1");
      if ((newconfig = gwConfigLoad(conffile, err, sizeof(err))) == NULL)
        gwLog(gwSystemGetLog(sys), GW_LOG_ERROR, "Reload refused, keeping the running configuration: %s", err);
      else
        gwSystemReload(sys, newconfig);
      next_sweep = time(NULL);
      notify("READY=1");
      continue;
    }

    /* SIGTERM / SIGINT: drain and stop. */
    notify("STOPPING=1");
    gwLog(gwSystemGetLog(sys), GW_LOG_INFO, "Stopping on signal %d: finishing requests in progress.", sig);
    break;
  }
}


/*
 * 'main()' - Run the gateway.
 */

/*
 * 'tune_malloc()' - Few malloc arenas (glibc's default of one per thread
 * keeps freed memory resident in each), and a fixed mmap threshold: an
 * upload's 1 MiB
 * buffers are then mapped and given back when freed (left dynamic, glibc
 * raises the threshold at the first such free and they come from the
 * heap: 32 uploads at once left ~180 MB resident until the next trim).
 * A heap's free top is given back only past 4 MiB: with glibc's 128 KiB
 * every job trimmed and grew a heap again, and each trim (brk or
 * madvise) stops the other core for a TLB flush (docs/benchmarks.md,
 * session 15).
 */

static void
tune_malloc(void)
{
  mallopt(M_ARENA_MAX, 2);
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);
}


int
main(int argc, char *argv[])
{
  const char   *conffile = DEFAULT_CONFIG, *error = NULL;
  bool          test_only = false;
  char          err[1024], sock[GW_PATH_MAX];
  gw_config_t  *config;
  gw_system_t  *sys;
  gw_control_t *ctl;
  gw_ipp_server_t *ipp;
  gw_dnssd_t      *dnssd = NULL;
  gw_web_t        *web = NULL;
  sigset_t      signals;
  int           port = 0;

  if (!no_core_dumps())
    return (1);

  for (int i = 1; i < argc; i ++)
  {
    if (!strcmp(argv[i], "-c") && i + 1 < argc)
      conffile = argv[++ i];
    else if (!strcmp(argv[i], "-t"))
      test_only = true;
    else if (!strcmp(argv[i], "--version"))
    {
      puts("printgated " GW_VERSION);
      return (0);
    }
    else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
      return (usage(stdout, 0));
    else if (!strcmp(argv[i], "--print-config-example") || !strcmp(argv[i], "--print-config-scdoc"))
    {
      /* Hidden: the build generates the example printgate.conf and the
         directive list of printgate.conf(5) from the directive table. */
      return (gwConfigWriteReference(stdout, !strcmp(argv[i], "--print-config-example") ? GW_CONFIG_REF_EXAMPLE : GW_CONFIG_REF_SCDOC) && !fflush(stdout) ? 0 : 1);
    }
    else
    {
      fprintf(stderr, "printgated: unknown option \"%s\"\n", argv[i]);
      return (usage(stderr, 2));
    }
  }

  if ((config = gwConfigLoad(conffile, err, sizeof(err))) == NULL)
  {
    fprintf(stderr, "printgated: %s\n", err);
    return (1);
  }

  if (test_only)
  {
    char why[1024];

    if (!gwSystemCheckConfig(config, why, sizeof(why)))
    {
      fprintf(stderr, "printgated: %s: %s\n", conffile, why);
      gwConfigDelete(&config);
      return (1);
    }
    printf("%s: configuration OK\n", conffile);
    gwConfigDelete(&config);
    return (0);
  }

  /*
   * Signals are taken synchronously by the main thread only: block them
   * before any thread starts so every thread inherits the mask.
   */

  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, NULL);
  signal(SIGPIPE, SIG_IGN);
  umask(0077);

  tune_malloc();

  gwConfigControlSocket(config, sock, sizeof(sock));

  if ((sys = gwSystemNew(config, true, &error)) == NULL)
  {
    fprintf(stderr, "printgated: %s\n", error ? error : "start-up failed");
    return (1);
  }

  gwSystemAddSink(sys, gwIppSink());
  gwSystemAddSink(sys, gwCupsSink());

  if ((ipp = gwIppServerNew(sys, &error)) == NULL || !gwSystemAddFrontend(sys, gwIppServerFrontend(ipp)) ||
      (dnssd = gwDnssdNew(sys, ipp)) == NULL || !gwSystemAddFrontend(sys, gwDnssdFrontend(dnssd)))
  {                                    /* DNS-SD after IPP: its start() reads the port IPP's start() set */
    fprintf(stderr, "printgated: IPP server: %s\n", error ? error : "unable to register");
    gwSystemDelete(&sys);
    gwDnssdDelete(&dnssd);
    gwIppServerDelete(&ipp);
    return (1);
  }

  {
    gw_frontend_t mail;                 /* Mail intake (docs/mail.md): MailSourceFile */

    gwMailFrontend(&mail);
    gwSystemAddFrontend(sys, &mail);
  }
  web = gwWebAdd(sys);                 /* Web portal and REST API (docs/web.md) */

  if (!gwSystemRecover(sys))
    gwLog(gwSystemGetLog(sys), GW_LOG_ERROR, "Recovery did not complete; see the messages above.");

  if (!gwSystemStartListener(sys, &error))
  {
    gwLog(gwSystemGetLog(sys), GW_LOG_ERROR, "HTTPS listener: %s", error ? error : "unable to start");
    fprintf(stderr, "printgated: HTTPS listener: %s\n", error ? error : "unable to start");
    gwSystemDelete(&sys);
    return (1);
  }
  port = gwListenerGetPort(gwSystemGetListener(sys));

  if ((ctl = gwControlStart(sys, sock, &error)) == NULL)
  {
    fprintf(stderr, "printgated: %s\n", error);
    gwSystemDelete(&sys);
    return (1);
  }

  gwSystemExpire(sys, time(NULL));
  gwLog(gwSystemGetLog(sys), GW_LOG_INFO, "printgated " GW_VERSION " ready: https port %d, control socket %s.", port, sock);
  printf("printgated ready: https://%s:%d/health, control socket %s\n", gwSystemGetConfig(sys)->server_name, port, sock);
  fflush(stdout);
  notify("READY=1\nSTATUS=Serving");

  serve(sys, conffile, &signals);

  gwSystemBeginStop(sys);              /* No client waits for a conversion while we drain */
  gwControlStop(&ctl, 30);
  gwSystemDelete(&sys);
  gwDnssdDelete(&dnssd);
  gwIppServerDelete(&ipp);
  gwWebDelete(&web);

  return (0);
}
