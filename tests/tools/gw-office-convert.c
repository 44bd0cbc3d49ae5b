/*
 * gw-office-convert.c - convert files with the Office pool, the way the
 * daemon does (document in a sealed memfd, PDF back in a memfd), and print
 * how long each document took.  For tests/bench/office-bench.sh and for
 * trying the pool by hand.
 *
 *   gw-office-convert [-w WORKERS] [-r ROUNDS] [-t TIMEOUT] [-o OUTDIR] FILE...
 *
 * The format keyword is the file's extension (docx, xlsx, ...): this tool
 * stands in for the helper's content sniffing.  It waits until every
 * instance is ready, then converts each file ROUNDS times, one at a time,
 * and prints "ms FILE" lines (round 1 too: the caller decides what is
 * warm-up).  Exit status 1 when any conversion failed.
 */

#include "printgate/log.h"
#include "printgate/office.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


/*
 * 'now_ms()' - Monotonic milliseconds.
 */

static long long
now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}


/*
 * 'load()' - A sealed memfd with the file.
 */

static int
load(const char *path)
{
  int     fd = open(path, O_RDONLY | O_CLOEXEC), mfd;
  char    buf[65536];
  ssize_t n;

  if (fd < 0 || (mfd = memfd_create("gw-office-convert", MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0)
    return (-1);
  while ((n = read(fd, buf, sizeof(buf))) > 0)
  {
    if (write(mfd, buf, (size_t)n) != n)
      n = -1;
  }
  close(fd);
  if (n < 0 || fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK) || lseek(mfd, 0, SEEK_SET))
  {
    close(mfd);
    return (-1);
  }

  return (mfd);
}


/*
 * 'main()' - Parse the options, run the conversions.
 */

int
main(int argc, char *argv[])
{
  gw_office_config_t cfg;
  gw_office_pool_t  *pool;
  gw_log_t          *log = gwLogNew(NULL, GW_LOG_WARN);
  const char        *error = NULL, *build = getenv("GW_BUILD_DIR"), *outdir = NULL;
  char               sandbox[1024], worker[1024], shm[] = "/dev/shm/pgbench.XXXXXX";
  int                opt, rounds = 1, status = 0;
  long long          end;

  memset(&cfg, 0, sizeof(cfg));
  cfg.workers  = 1;
  cfg.timeout  = 120;
  cfg.max_jobs = 100000;

  while ((opt = getopt(argc, argv, "w:r:t:o:")) != -1)
  {
    switch (opt)
    {
      case 'w' : cfg.workers = (int)strtol(optarg, NULL, 10); break;
      case 'r' : rounds = (int)strtol(optarg, NULL, 10); break;
      case 't' : cfg.timeout = (int)strtol(optarg, NULL, 10); break;
      case 'o' : outdir = optarg; break;
      default :
          fputs("Usage: gw-office-convert [-w WORKERS] [-r ROUNDS] [-t TIMEOUT] [-o OUTDIR] FILE...\n", stderr);
          return (2);
    }
  }
  if (optind >= argc || rounds < 1)
  {
    fputs("Usage: gw-office-convert [-w WORKERS] [-r ROUNDS] [-t TIMEOUT] [-o OUTDIR] FILE...\n", stderr);
    return (2);
  }

  snprintf(sandbox, sizeof(sandbox), "%s/converters/printgate-office-sandbox", build ? build : ".");
  snprintf(worker, sizeof(worker), "%s/converters/printgate-office-worker.py", build ? build : ".");
  if (!mkdtemp(shm))
  {
    perror(shm);
    return (1);
  }

  cfg.max_output = 512 * 1024 * 1024;
  cfg.soffice    = "/usr/lib/libreoffice/program/soffice";
  cfg.sandbox    = sandbox;
  cfg.worker     = worker;
  cfg.user       = "nobody";
  cfg.tmp_parent = shm;

  if ((pool = gwOfficePoolNew(&cfg, log, &error)) == NULL)
  {
    fprintf(stderr, "gw-office-convert: %s\n", error ? error : "no pool");
    rmdir(shm);
    return (1);
  }

  /*
   * Wait for every instance (their start-up is not what is measured).
   */

  for (end = now_ms() + 180000; now_ms() < end;)
  {
    gw_office_instance_info_t info[64];
    int                       n = gwOfficePoolGetInstances(pool, info, 64), ready = 0;

    for (int i = 0; i < n; i ++)
      ready += info[i].ready;
    if (ready == cfg.workers)
      break;
    usleep(50000);
  }

  for (int r = 0; r < rounds; r ++)
  {
    for (int i = optind; i < argc; i ++)
    {
      const char *ext = strrchr(argv[i], '.');
      int         in = load(argv[i]), out = -1;
      gw_reason_t reason;
      char        detail[256];
      long long   start = now_ms();
      bool        ok;

      if (in < 0)
      {
        fprintf(stderr, "gw-office-convert: cannot read %s\n", argv[i]);
        status = 1;
        continue;
      }
      ok = gwOfficePoolConvert(pool, in, ext ? ext + 1 : "", &out, &reason, detail, sizeof(detail));
      close(in);
      if (!ok)
      {
        fprintf(stderr, "gw-office-convert: %s: %s (%s)\n", argv[i], detail, gwReasonCode(reason));
        status = 1;
        continue;
      }
      printf("%lld %s\n", now_ms() - start, argv[i]);
      fflush(stdout);

      if (outdir)
      {
        char        path[2048];
        const char *base = strrchr(argv[i], '/');
        FILE       *fp;
        char        buf[65536];
        ssize_t     n;

        snprintf(path, sizeof(path), "%s/%s.pdf", outdir, base ? base + 1 : argv[i]);
        if ((fp = fopen(path, "wb")) != NULL)
        {
          while ((n = read(out, buf, sizeof(buf))) > 0)
            fwrite(buf, 1, (size_t)n, fp);
          fclose(fp);
        }
      }
      close(out);
    }
  }

  gwOfficePoolFree(&pool);
  rmdir(shm);
  gwLogDelete(&log);

  return (status);
}
