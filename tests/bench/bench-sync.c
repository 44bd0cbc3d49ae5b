/*
 * bench-sync.c - what the disk under a folder charges for the durability
 * points of one IPP Print-Job, without the gateway: the floor of its
 * commit (docs/benchmarks.md, "IPP intake, twelfth round").
 *
 *   build/tests/bench/bench-sync [FOLDER [ROUNDS [DOC_BYTES [WAL_BYTES]]]]
 *
 * FOLDER is on the file system to measure (default "."; a scratch folder is
 * made in it and removed), ROUNDS per leg (300), DOC_BYTES the document's
 * sealed file (102,571: a 100 KB PDF), WAL_BYTES one job's WAL frames
 * (86,520: 21 pages).  Each round runs every leg in turn (so a slow spell of
 * a shared machine touches them all alike); each leg prints its median,
 * p10 and p90 in microseconds:
 *
 *   file       an empty file (as the spool's reserve gives one) renamed
 *              into jobs/, the document written through the page cache,
 *              fsync: its data, then its inode, then the cache flush
 *   wal        the WAL frames written over a kept file, fdatasync
 *   dir        fsync of jobs/ after that rename
 *   file+wal   both at once, on two threads kept running (today's commit)
 *   all three  file, wal and dir at once
 *   overwrite  the document written over a file of the same size whose
 *              blocks are already written, fdatasync: no inode to write
 *              (what a pre-sized spool file would cost)
 *   over+wal   overwrite and wal at once
 *
 * Then the ratio of "file+wal" to "file" plus "wal": 1.00 when the disk
 * serializes the two syncs (a commit costs their sum, whatever the order of
 * the gateway's threads), lower when they overlap.
 */


#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { LEG_FILE, LEG_WAL, LEG_DIR, LEG_FILE_WAL, LEG_ALL, LEG_OVER, LEG_OVER_WAL, NLEGS };

static const char * const leg_names[NLEGS] = { "file", "wal", "dir", "file+wal", "all three", "overwrite", "over+wal" };

typedef struct bench_s
{
  char           work[1024], path[1200];
  int            jobs_fd, free_fd, wal_fd, over_fd;
  unsigned char *doc, *wal;
  size_t         doc_bytes, wal_bytes;
  unsigned       n;
} bench_t;

typedef void (*op_fn_t)(bench_t *b);

typedef struct helper_s                 /* A thread kept running: runs 'op' when asked */
{
  pthread_t       thread;
  pthread_mutex_t lock;
  pthread_cond_t  cond;
  op_fn_t         op;                   /* To run, or NULL */
  bool            stop;
  bench_t        *b;
} helper_t;


static double
now_us(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}


static void
op_file(bench_t *b)
{
  int fd = openat(b->jobs_fd, b->path, O_WRONLY);

  if (fd < 0 || write(fd, b->doc, b->doc_bytes) != (ssize_t)b->doc_bytes || fsync(fd))
    perror("file");
  if (fd >= 0)
    close(fd);
}


static void
op_wal(bench_t *b)
{
  if (pwrite(b->wal_fd, b->wal, b->wal_bytes, (off_t)((b->n % 16) * b->wal_bytes)) != (ssize_t)b->wal_bytes || fdatasync(b->wal_fd))
    perror("wal");
}


static void
op_dir(bench_t *b)
{
  if (fsync(b->jobs_fd))
    perror("dir");
}


static void
op_over(bench_t *b)
{
  if (pwrite(b->over_fd, b->doc, b->doc_bytes, 0) != (ssize_t)b->doc_bytes || fdatasync(b->over_fd))
    perror("overwrite");
}


static void *
helper_run(void *arg)
{
  helper_t *h = (helper_t *)arg;

  pthread_mutex_lock(&h->lock);
  for (;;)
  {
    while (!h->op && !h->stop)
      pthread_cond_wait(&h->cond, &h->lock);
    if (!h->op)
      break;
    pthread_mutex_unlock(&h->lock);
    h->op(h->b);
    pthread_mutex_lock(&h->lock);
    h->op = NULL;
    pthread_cond_broadcast(&h->cond);
  }
  pthread_mutex_unlock(&h->lock);

  return (NULL);
}


static void
helper_give(helper_t *h, op_fn_t op)
{
  pthread_mutex_lock(&h->lock);
  h->op = op;
  pthread_cond_broadcast(&h->cond);
  pthread_mutex_unlock(&h->lock);
}


static void
helper_wait(helper_t *h)
{
  pthread_mutex_lock(&h->lock);
  while (h->op)
    pthread_cond_wait(&h->cond, &h->lock);
  pthread_mutex_unlock(&h->lock);
}


/*
 * 'together()' - Run up to three operations at once: the first on this
 *                thread, the others on the helpers.
 */

static void
together(bench_t *b, helper_t *helpers, op_fn_t a, op_fn_t c, op_fn_t d)
{
  if (c)
    helper_give(helpers + 0, c);
  if (d)
    helper_give(helpers + 1, d);
  a(b);
  if (c)
    helper_wait(helpers + 0);
  if (d)
    helper_wait(helpers + 1);
}


static void
run_leg(bench_t *b, helper_t *helpers, int leg)
{
  switch (leg)
  {
    case LEG_FILE :     op_file(b); break;
    case LEG_WAL :      op_wal(b); break;
    case LEG_DIR :      op_dir(b); break;
    case LEG_FILE_WAL : together(b, helpers, op_file, op_wal, NULL); break;
    case LEG_ALL :      together(b, helpers, op_file, op_wal, op_dir); break;
    case LEG_OVER :     op_over(b); break;
    default :           together(b, helpers, op_over, op_wal, NULL); break;
  }
}


/*
 * 'new_file()' - An empty file made in free/ and renamed into jobs/ (its
 *                name in b->path), as a writer takes one from the reserve.
 */

static bool
new_file(bench_t *b)
{
  char name[64];
  int  fd;

  snprintf(name, sizeof(name), "r%u", b->n);
  snprintf(b->path, sizeof(b->path), "j%u", b->n);
  if ((fd = openat(b->free_fd, name, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
    return (false);
  close(fd);

  return (renameat(b->free_fd, name, b->jobs_fd, b->path) == 0);
}


static int
compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return ((x > y) - (x < y));
}


static bool
setup(bench_t *b, const char *folder)
{
  char path[1100];
  int  fd;

  snprintf(b->work, sizeof(b->work), "%s/bench-sync.XXXXXX", folder);
  if (!mkdtemp(b->work))
    return (false);
  snprintf(path, sizeof(path), "%s/jobs", b->work);
  mkdir(path, 0700);
  b->jobs_fd = open(path, O_RDONLY | O_DIRECTORY);
  snprintf(path, sizeof(path), "%s/free", b->work);
  mkdir(path, 0700);
  b->free_fd = open(path, O_RDONLY | O_DIRECTORY);
  snprintf(path, sizeof(path), "%s/wal", b->work);
  b->wal_fd = open(path, O_WRONLY | O_CREAT, 0600);
  snprintf(path, sizeof(path), "%s/over", b->work);
  b->over_fd = open(path, O_WRONLY | O_CREAT, 0600);
  if (b->jobs_fd < 0 || b->free_fd < 0 || b->wal_fd < 0 || b->over_fd < 0)
    return (false);

  /* The WAL and the overwritten file have their blocks written and synced. */
  for (int i = 0; i < 16; i ++)
    if (pwrite(b->wal_fd, b->wal, b->wal_bytes, (off_t)(i * b->wal_bytes)) != (ssize_t)b->wal_bytes)
      return (false);
  if (pwrite(b->over_fd, b->doc, b->doc_bytes, 0) != (ssize_t)b->doc_bytes || fsync(b->wal_fd) || fsync(b->over_fd))
    return (false);

  fd = open(b->work, O_RDONLY | O_DIRECTORY);
  if (fd >= 0)
  {
    fsync(fd);
    close(fd);
  }

  return (true);
}


static void
cleanup(bench_t *b, unsigned made)
{
  char path[1100];

  for (unsigned i = 0; i <= made; i ++)
  {
    snprintf(path, sizeof(path), "j%u", i);
    unlinkat(b->jobs_fd, path, 0);
  }
  close(b->jobs_fd);
  close(b->free_fd);
  close(b->wal_fd);
  close(b->over_fd);
  snprintf(path, sizeof(path), "%s/wal", b->work);
  unlink(path);
  snprintf(path, sizeof(path), "%s/over", b->work);
  unlink(path);
  snprintf(path, sizeof(path), "%s/jobs", b->work);
  rmdir(path);
  snprintf(path, sizeof(path), "%s/free", b->work);
  rmdir(path);
  rmdir(b->work);
}


int
main(int argc, char *argv[])
{
  const char *folder = argc > 1 ? argv[1] : ".";
  int         rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 300;
  bench_t     b;
  helper_t    helpers[2];
  double     *times[NLEGS], med[NLEGS];

  memset(&b, 0, sizeof(b));
  b.doc_bytes = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 102571;
  b.wal_bytes = argc > 4 ? (size_t)strtoul(argv[4], NULL, 10) : 86520;
  if (rounds < 10 || b.doc_bytes == 0 || b.wal_bytes == 0 ||
      (b.doc = malloc(b.doc_bytes)) == NULL || (b.wal = malloc(b.wal_bytes)) == NULL)
  {
    fputs("usage: bench-sync [FOLDER [ROUNDS>=10 [DOC_BYTES [WAL_BYTES]]]]\n", stderr);
    return (2);
  }
  for (size_t i = 0; i < b.doc_bytes; i ++)
    b.doc[i] = (unsigned char)(i * 131 + 7);
  for (size_t i = 0; i < b.wal_bytes; i ++)
    b.wal[i] = (unsigned char)(i * 71 + 3);
  if (!setup(&b, folder))
  {
    perror(folder);
    return (1);
  }

  for (int i = 0; i < 2; i ++)
  {
    memset(helpers + i, 0, sizeof(helper_t));
    helpers[i].b = &b;
    pthread_mutex_init(&helpers[i].lock, NULL);
    pthread_cond_init(&helpers[i].cond, NULL);
    pthread_create(&helpers[i].thread, NULL, helper_run, helpers + i);
  }
  for (int leg = 0; leg < NLEGS; leg ++)
    times[leg] = calloc((size_t)rounds, sizeof(double));

  for (int r = 0; r < rounds; r ++)
  {
    for (int leg = 0; leg < NLEGS; leg ++)
    {
      double t0;

      b.n ++;
      if (!new_file(&b))
      {
        perror("new file");
        return (1);
      }
      t0 = now_us();
      run_leg(&b, helpers, leg);
      times[leg][r] = now_us() - t0;
      unlinkat(b.jobs_fd, b.path, 0);
    }
  }

  for (int i = 0; i < 2; i ++)
  {
    pthread_mutex_lock(&helpers[i].lock);
    helpers[i].stop = true;
    pthread_cond_broadcast(&helpers[i].cond);
    pthread_mutex_unlock(&helpers[i].lock);
    pthread_join(helpers[i].thread, NULL);
  }

  printf("bench-sync: %s, %d rounds, document %zu bytes, WAL %zu bytes\n", b.work, rounds, b.doc_bytes, b.wal_bytes);
  printf("%-10s %8s %8s %8s\n", "leg", "median", "p10", "p90");
  for (int leg = 0; leg < NLEGS; leg ++)
  {
    qsort(times[leg], (size_t)rounds, sizeof(double), compare_double);
    med[leg] = times[leg][rounds / 2];
    printf("%-10s %8.0f %8.0f %8.0f\n", leg_names[leg], med[leg], times[leg][rounds / 10], times[leg][rounds * 9 / 10]);
    free(times[leg]);
  }
  printf("file+wal against file then wal: %.2f (1.00: the disk serializes them; %.2f: fully side by side)\n",
         med[LEG_FILE_WAL] / (med[LEG_FILE] + med[LEG_WAL]),
         (med[LEG_FILE] > med[LEG_WAL] ? med[LEG_FILE] : med[LEG_WAL]) / (med[LEG_FILE] + med[LEG_WAL]));

  cleanup(&b, b.n);
  free(b.doc);
  free(b.wal);

  return (0);
}
