/*
 * gw-office-convert.c - convert files with the Office pool, the way the
 * daemon does (document in a sealed memfd, PDF back in a memfd), and print
 * how long each document took.  For tests/bench/office-bench.sh and for
 * trying the pool by hand.
 *
 *   gw-office-convert [-w WORKERS] [-j THREADS] [-r ROUNDS] [-t TIMEOUT] [-o OUTDIR] FILE...
 *
 * The format keyword is the file's extension (docx, xlsx, ...): this tool
 * stands in for the helper's content sniffing.  It waits until every
 * instance is ready, then converts each file ROUNDS times, one at a time,
 * and prints "ms FILE" lines (round 1 too: the caller decides what is
 * warm-up).  With -j THREADS, that many threads each do all the rounds at
 * once, and a last line "total MS DOCS" gives the wall time from the first
 * document to the last (throughput).  Exit status 1 when any conversion
 * failed.
 */

#include "printgate/log.h"
#include "printgate/clock.h"
#include "printgate/office.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>



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
 * One thread's work: every file, ROUNDS times.
 */

typedef struct run_s
{
  gw_office_pool_t *pool;
  int               rounds;
  char            **files;
  int               nfiles;
  const char       *outdir;
  int               status;
  int               docs;
} run_t;

static run_t           run_args[16];
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;


/*
 * 'run_main()' - Convert the files, print each time.
 */

static void *
run_main(void *data)
{
  run_t *a = data;

  for (int r = 0; r < a->rounds; r ++)
  {
    for (int i = 0; i < a->nfiles; i ++)
    {
      const char *ext = strrchr(a->files[i], '.');
      int         in = load(a->files[i]), out = -1;
      gw_reason_t reason;
      char        detail[256];
      long long   start = (long long)gwClockMs();
      bool        ok;

      if (in < 0)
      {
        fprintf(stderr, "gw-office-convert: cannot read %s\n", a->files[i]);
        a->status = 1;
        continue;
      }
      ok = gwOfficePoolConvert(a->pool, in, ext ? ext + 1 : "", &out, &reason, detail, sizeof(detail));
      close(in);
      if (!ok)
      {
        fprintf(stderr, "gw-office-convert: %s: %s (%s)\n", a->files[i], detail, gwReasonCode(reason));
        a->status = 1;
        continue;
      }
      pthread_mutex_lock(&print_lock);
      printf("%lld %s\n", (long long)gwClockMs() - start, a->files[i]);
      fflush(stdout);
      pthread_mutex_unlock(&print_lock);
      a->docs ++;

      if (a->outdir)
      {
        char        path[2048];
        const char *base = strrchr(a->files[i], '/');
        FILE       *fp;
        char        buf[65536];
        ssize_t     n;

        snprintf(path, sizeof(path), "%s/%s.pdf", a->outdir, base ? base + 1 : a->files[i]);
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

  return (NULL);
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
  int                opt, rounds = 1, status = 0, threads = 1;
  bool               print_total = false;
  long long          end;

  memset(&cfg, 0, sizeof(cfg));
  cfg.workers  = 1;
  cfg.timeout  = 120;
  cfg.max_jobs = 100000;

  while ((opt = getopt(argc, argv, "w:j:r:t:o:")) != -1)
  {
    switch (opt)
    {
      case 'w' : cfg.workers = (int)strtol(optarg, NULL, 10); break;
      case 'j' : threads = (int)strtol(optarg, NULL, 10); print_total = true; break;
      case 'r' : rounds = (int)strtol(optarg, NULL, 10); break;
      case 't' : cfg.timeout = (int)strtol(optarg, NULL, 10); break;
      case 'o' : outdir = optarg; break;
      default :
          fputs("Usage: gw-office-convert [-w WORKERS] [-j THREADS] [-r ROUNDS] [-t TIMEOUT] [-o OUTDIR] FILE...\n", stderr);
          return (2);
    }
  }
  if (optind >= argc || rounds < 1 || threads < 1 || threads > 16)
  {
    fputs("Usage: gw-office-convert [-w WORKERS] [-j THREADS] [-r ROUNDS] [-t TIMEOUT] [-o OUTDIR] FILE...\n", stderr);
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

  for (end = (long long)gwClockMs() + 180000; (long long)gwClockMs() < end;)
  {
    gw_office_instance_info_t info[64];
    int                       n = gwOfficePoolGetInstances(pool, info, 64), ready = 0;

    for (int i = 0; i < n; i ++)
      ready += info[i].ready;
    if (ready == cfg.workers)
      break;
    usleep(50000);
  }

  {
    pthread_t th[16];
    long long start = (long long)gwClockMs();
    int       docs = 0;

    for (int t = 0; t < threads; t ++)
    {
      run_args[t].pool   = pool;
      run_args[t].rounds = rounds;
      run_args[t].files  = argv + optind;
      run_args[t].nfiles = argc - optind;
      run_args[t].outdir = outdir;
      pthread_create(th + t, NULL, run_main, run_args + t);
    }
    for (int t = 0; t < threads; t ++)
    {
      pthread_join(th[t], NULL);
      status |= run_args[t].status;
      docs   += run_args[t].docs;
    }
    if (print_total)
      printf("total %lld %d\n", (long long)gwClockMs() - start, docs);
  }

  gwOfficePoolFree(&pool);
  rmdir(shm);
  gwLogDelete(&log);

  return (status);
}
