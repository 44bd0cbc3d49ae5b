/*
 * office.c - the Office pool: a supervisor thread keeps N confined
 * LibreOffice instances running; gwOfficePoolConvert() borrows one per
 * document (see office.h, office-private.h for locking, docs/office.md).
 *
 * One document:
 *
 *   wait (bounded) for an idle instance, mark it busy
 *   mkdir INSTANCE/dN (0700, handed to the instances' user), copy the memfd
 *     into dN/in.FORMAT
 *   "convert dN FORMAT\n" -> worker;  wait for its line until the timeout
 *   "ok"   -> dN/out.pdf (opened without following links, a regular file,
 *             not larger than max_output) copied into a new memfd
 *   "fail" -> its reason and sentence;  timeout -> SIGKILL to the group;
 *   end of file -> the instance died (killed or crashed)
 *   remove dN whatever happened; a dead, timed-out or worn instance
 *   (max_jobs) goes to the supervisor, which reaps and restarts it
 */

#include "office-private.h"
#include "printgate/convert.h"
#include "printgate/crypto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>


/*
 * The format keywords of printgate-convert's "office format=..." line
 * (converters/formats), which the worker maps to LibreOffice filters.
 */

static const char * const formats[] =
{
  "docx", "xlsx", "pptx", "odt", "ods", "odp", "rtf", "doc", "xls", "ppt", "odg", "csv", "html", NULL
};


/*
 * 'gwOfficeFormatKnown()' - Is this a format keyword of the pool?
 */

bool
gwOfficeFormatKnown(const char *format_keyword)
{
  for (int i = 0; format_keyword && formats[i]; i ++)
  {
    if (!strcmp(format_keyword, formats[i]))
      return (true);
  }

  return (false);
}


/*
 * 'gwOfficeAvailable()' - soffice.bin next to soffice, Python and
 *                         python3-uno (Debian's uno.py).
 */

bool
gwOfficeAvailable(const char *soffice)
{
  char        bin[GW_PATH_MAX + 16];
  const char *slash;

  if (!soffice || soffice[0] != '/' || (slash = strrchr(soffice, '/')) == NULL)
    return (false);

  snprintf(bin, sizeof(bin), "%.*s/soffice.bin", (int)(slash - soffice), soffice);

  return (access(bin, X_OK) == 0 && access("/usr/bin/python3", X_OK) == 0 &&
          access("/usr/lib/python3/dist-packages/uno.py", R_OK) == 0);
}


/*
 * 'supervisor_main()' - Start stopped instances (with back-off after a
 *                       failed start), reap dead ones; at the end, stop all.
 */

static void *
supervisor_main(void *data)
{
  gw_office_pool_t *pool = data;

  pthread_setname_np(pthread_self(), "pg-office");   /* Seen in top -H and ps -L */
  pthread_mutex_lock(&pool->lock);

  while (!pool->stopping)
  {
    int64_t next_ms = _gwOfficeNowMs() + 1000;

    for (int i = 0; i < pool->cfg.workers && !pool->stopping; i ++)
    {
      _gw_office_instance_t *inst = pool->inst + i;

      if (inst->state == OFFICE_DEAD)
      {
        pthread_mutex_unlock(&pool->lock);
        _gwOfficeInstanceReap(pool, inst);
        pthread_mutex_lock(&pool->lock);
        inst->state = OFFICE_STOPPED;
      }

      if (inst->state == OFFICE_STOPPED && _gwOfficeNowMs() >= inst->next_start_ms)
      {
        char    error[GW_OFFICE_LINE_MAX];
        bool    ok;
        int64_t start = _gwOfficeNowMs();

        inst->state = OFFICE_STARTING;
        pthread_mutex_unlock(&pool->lock);
        ok = _gwOfficeInstanceStart(pool, inst, error, sizeof(error));
        if (!ok)
          _gwOfficeInstanceReap(pool, inst);
        pthread_mutex_lock(&pool->lock);

        if (ok)
        {
          inst->state    = OFFICE_IDLE;
          inst->failures = 0;
          gwLog(pool->log, GW_LOG_INFO, "Office instance %d started (pid %d, %lld ms).", i, (int)inst->pid, (long long)(_gwOfficeNowMs() - start));
          pthread_cond_broadcast(&pool->changed);
        }
        else
        {
          int delay = 1 << (inst->failures < 5 ? inst->failures : 5);   /* 1..32 s */

          inst->failures ++;
          inst->state         = OFFICE_STOPPED;
          inst->next_start_ms = _gwOfficeNowMs() + delay * 1000;
          gwLog(pool->log, GW_LOG_ERROR, "Office instance %d could not start: %s (retrying in %d s).", i, error, delay);
        }
      }

      if (inst->state == OFFICE_STOPPED && inst->next_start_ms < next_ms)
        next_ms = inst->next_start_ms;
    }

    if (!pool->stopping)
    {
      struct timespec ts;
      int64_t         wait_ms = next_ms - _gwOfficeNowMs();

      if (wait_ms < 10)
        wait_ms = 10;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      ts.tv_sec  += wait_ms / 1000;
      ts.tv_nsec += (wait_ms % 1000) * 1000000;
      if (ts.tv_nsec >= 1000000000)
      {
        ts.tv_sec ++;
        ts.tv_nsec -= 1000000000;
      }
      pthread_cond_timedwait(&pool->wake, &pool->lock, &ts);
    }
  }

  /*
   * Stopping: converting threads were told (their instances killed); wait
   * until none is inside the pool, then stop every instance.
   */

  while (pool->users > 0)
    pthread_cond_wait(&pool->wake, &pool->lock);

  pthread_mutex_unlock(&pool->lock);

  for (int i = 0; i < pool->cfg.workers; i ++)
    _gwOfficeInstanceReap(pool, pool->inst + i);

  return (NULL);
}


/*
 * 'remove_stale_sessions()' - Remove office-PID-* directories of daemons
 *                             that are gone (a crash leaves profiles and
 *                             per-document files with plaintext behind).
 */

static void
remove_stale_sessions(gw_office_pool_t *pool, int parent_fd)
{
  int            dupfd = dup(parent_fd);
  DIR           *dir;
  struct dirent *ent;

  if (dupfd < 0 || (dir = fdopendir(dupfd)) == NULL)
  {
    if (dupfd >= 0)
      close(dupfd);
    return;
  }

  while ((ent = readdir(dir)) != NULL)
  {
    char *end;
    long  pid;

    if (strncmp(ent->d_name, "office-", 7))
      continue;
    pid = strtol(ent->d_name + 7, &end, 10);
    if (end == ent->d_name + 7 || *end != '-' || pid <= 0 || (kill((pid_t)pid, 0) && errno == ESRCH))
    {
      gwLog(pool->log, GW_LOG_INFO, "Removing the Office directory %s/%s left by a daemon that is gone.", pool->tmp_parent, ent->d_name);
      _gwOfficeRemoveTree(parent_fd, ent->d_name, 64);
    }
  }

  closedir(dir);
}


/*
 * 'ancestors_passable()' - Can uid/gid pass through every folder above
 *                          path (x permission by mode bits)?  Otherwise
 *                          the instances cannot reach their directories.
 */

static bool
ancestors_passable(const char *path, uid_t uid, gid_t gid, const char **error_r)
{
  char        dir[GW_PATH_MAX];
  char       *slash;
  struct stat st;

  snprintf(dir, sizeof(dir), "%s", path);
  while ((slash = strrchr(dir, '/')) != NULL)
  {
    if (slash == dir)
      slash[1] = '\0';
    else
      *slash = '\0';

    if (stat(dir, &st))
    {
      *error_r = "a folder above OfficeTmpDir cannot be examined";
      return (false);
    }
    if (!(st.st_mode & S_IXOTH) && !(st.st_uid == uid && (st.st_mode & S_IXUSR)) &&
        !(st.st_gid == gid && (st.st_mode & S_IXGRP)))
    {
      *error_r = "a folder above OfficeTmpDir is closed to OfficeUser (it needs search permission, o+x)";
      return (false);
    }
    if (slash == dir)
      break;
  }

  return (true);
}


/*
 * 'copy_string()' - Copy a setting into the pool, refusing truncation.
 */

static bool
copy_string(char *dst, size_t dstsize, const char *src, bool path)
{
  if (!src || !*src || strlen(src) >= dstsize || (path && src[0] != '/'))
    return (false);

  memcpy(dst, src, strlen(src) + 1);
  return (true);
}


/*
 * 'gwOfficePoolNew()' - Check the settings, make the session directory and
 *                       start the supervisor (instances start in the
 *                       background; a conversion waits for one).
 */

gw_office_pool_t *
gwOfficePoolNew(const gw_office_config_t *cfg, gw_log_t *log, const char **error_r)
{
  gw_office_pool_t *pool;
  const char       *error = NULL;
  int               parent_fd = -1;
  struct stat       st;
  unsigned char     rnd[6];
  char              name[64], why[1024];

  if (!error_r)
    error_r = &error;

  if (!cfg || cfg->workers < 1 || cfg->workers > GW_OFFICE_MAX_WORKERS)
  {
    *error_r = "the Office pool needs between 1 and 64 workers";
    return (NULL);
  }
  if (cfg->timeout < 1 || cfg->max_jobs < 1 || cfg->max_output < 1024)
  {
    *error_r = "the Office timeout, job count and output limit must be positive";
    return (NULL);
  }

  if ((pool = calloc(1, sizeof(gw_office_pool_t))) == NULL)
  {
    *error_r = "out of memory";
    return (NULL);
  }

  pool->log        = log;
  pool->session_fd = -1;
  pthread_mutex_init(&pool->lock, NULL);

  {
    pthread_condattr_t ca;

    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&pool->changed, &ca);
    pthread_cond_init(&pool->wake, &ca);
    pthread_condattr_destroy(&ca);
  }

  if (!copy_string(pool->soffice, sizeof(pool->soffice), cfg->soffice, true) ||
      !copy_string(pool->sandbox, sizeof(pool->sandbox), cfg->sandbox, true) ||
      !copy_string(pool->worker, sizeof(pool->worker), cfg->worker, true) ||
      !copy_string(pool->tmp_parent, sizeof(pool->tmp_parent), cfg->tmp_parent, true) ||
      !copy_string(pool->user, sizeof(pool->user), cfg->user ? cfg->user : "nobody", false))
  {
    *error_r = "an Office path is missing, relative or too long";
    goto fail;
  }

  pool->cfg            = *cfg;
  pool->cfg.soffice    = pool->soffice;
  pool->cfg.sandbox    = pool->sandbox;
  pool->cfg.worker     = pool->worker;
  pool->cfg.user       = pool->user;
  pool->cfg.tmp_parent = pool->tmp_parent;
  if (pool->cfg.max_memory <= 0)
    pool->cfg.max_memory = (int64_t)2048 * 1024 * 1024;

  if (!gwOfficeAvailable(pool->soffice))
  {
    *error_r = "LibreOffice (soffice.bin) or python3-uno is not installed";
    goto fail;
  }
  if (access(pool->sandbox, X_OK) || access(pool->worker, R_OK))
  {
    *error_r = "printgate-office-sandbox or printgate-office-worker.py is missing (OfficeHelperDir)";
    goto fail;
  }

  /*
   * The instances' user, when we are root.
   */

  if ((pool->as_root = geteuid() == 0))
  {
    struct passwd pw, *pwr = NULL;
    char          buf[4096];

    if (getpwnam_r(pool->user, &pw, buf, sizeof(buf), &pwr) || !pwr)
    {
      *error_r = "OfficeUser does not exist";
      goto fail;
    }
    if (pw.pw_uid == 0 || pw.pw_gid == 0)
    {
      *error_r = "OfficeUser must not be root";
      goto fail;
    }
    pool->uid = pw.pw_uid;
    pool->gid = pw.pw_gid;
  }

  /*
   * tmp_parent (made if missing) must be on tmpfs-like storage the
   * instances' user can pass through (mode o+x, no listing needed); the
   * session directory below it is made fresh for this pool.
   */

  /* The same rule as ConversionDir (gwConvertOpenDir(), convert.c). */
  if ((parent_fd = gwConvertOpenDir(pool->tmp_parent, 0711, true, why, sizeof(why))) < 0 || fstat(parent_fd, &st))
  {
    gwLog(log, GW_LOG_ERROR, "OfficeTmpDir refused: %s", why);
    *error_r = "OfficeTmpDir must be a folder of the daemon's user that nobody else can write, below folders only root or "
               "the daemon's user can change (or sticky ones such as /dev/shm); see the log";
    goto fail;
  }
  if (pool->as_root && (st.st_mode & 0001) == 0 && fchmod(parent_fd, (st.st_mode & 07777) | 0011))
  {
    *error_r = "unable to make OfficeTmpDir passable for OfficeUser (mode 0711)";
    goto fail;
  }

  if (pool->as_root && !ancestors_passable(pool->tmp_parent, pool->uid, pool->gid, error_r))
    goto fail;

  remove_stale_sessions(pool, parent_fd);

  if (!gwRandomBytes(rnd, sizeof(rnd)))
  {
    *error_r = "no random bytes";
    goto fail;
  }
  snprintf(name, sizeof(name), "office-%d-%02x%02x%02x%02x%02x%02x", (int)getpid(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
  snprintf(pool->session, sizeof(pool->session), "%s/%s", pool->tmp_parent, name);
  if (mkdirat(parent_fd, name, pool->as_root ? 0711 : 0700) ||
      (pool->session_fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
      (pool->as_root && fchmod(pool->session_fd, 0711)))
  {
    *error_r = "unable to create the Office session directory in OfficeTmpDir";
    goto fail;
  }
  close(parent_fd);
  parent_fd = -1;

  if ((pool->inst = calloc((size_t)pool->cfg.workers, sizeof(_gw_office_instance_t))) == NULL)
  {
    *error_r = "out of memory";
    goto fail;
  }
  for (int i = 0; i < pool->cfg.workers; i ++)
  {
    pool->inst[i].index  = i;
    pool->inst[i].state  = OFFICE_STOPPED;
    pool->inst[i].sock   = -1;
    pool->inst[i].dir_fd = -1;
    pool->inst[i].reaper.pidfd       = -1;
    pool->inst[i].reaper.ctl         = -1;
    pool->inst[i].reaper.child_pidfd = -1;
  }

  if (pthread_create(&pool->supervisor, NULL, supervisor_main, pool))
  {
    *error_r = "unable to start the Office supervisor thread";
    goto fail;
  }
  pool->supervisor_running = true;

  gwLog(log, GW_LOG_INFO, "Office pool: %d LibreOffice instance(s) starting in %s (timeout %d s, restart after %d documents).",
        pool->cfg.workers, pool->session, pool->cfg.timeout, pool->cfg.max_jobs);

  return (pool);

  fail:

  if (parent_fd >= 0)
    close(parent_fd);
  gwLog(log, GW_LOG_ERROR, "Office pool not started: %s.", *error_r);
  gwOfficePoolFree(&pool);
  return (NULL);
}


/*
 * 'gwOfficePoolFree()' - Stop everything and remove the session directory.
 */

void
gwOfficePoolFree(gw_office_pool_t **pool)
{
  gw_office_pool_t *p;

  if (!pool || (p = *pool) == NULL)
    return;

  if (p->supervisor_running)
  {
    pthread_mutex_lock(&p->lock);
    __atomic_store_n(&p->stopping, true, __ATOMIC_RELAXED);   /* Also read by a starting instance, unlocked */
    for (int i = 0; i < p->cfg.workers; i ++)
    {
      if (p->inst[i].state == OFFICE_BUSY && p->inst[i].pid > 0)
        _gwReaperKill(&p->inst[i].reaper); /* Its converting thread sees end of file */
    }
    pthread_cond_broadcast(&p->changed);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->supervisor, NULL);
  }

  if (p->session_fd >= 0)
  {
    int   parent_fd;
    char *slash = strrchr(p->session, '/');

    close(p->session_fd);
    if (slash && (parent_fd = open(p->tmp_parent, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
    {
      if (!_gwOfficeRemoveTree(parent_fd, slash + 1, 64))
        gwLog(p->log, GW_LOG_ERROR, "Unable to remove %s completely.", p->session);
      close(parent_fd);
    }
  }

  free(p->inst);
  pthread_cond_destroy(&p->changed);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->lock);
  free(p);
  *pool = NULL;
}


/*
 * 'gwOfficePoolGetInstances()' - Snapshot of the instances.
 */

int
gwOfficePoolGetInstances(gw_office_pool_t *pool, gw_office_instance_info_t *info, int max)
{
  int n = 0;

  if (!pool || !info)
    return (0);

  pthread_mutex_lock(&pool->lock);
  for (int i = 0; i < pool->cfg.workers && n < max; i ++, n ++)
  {
    _gw_office_instance_t *inst = pool->inst + i;

    info[n].pid    = (inst->state == OFFICE_IDLE || inst->state == OFFICE_BUSY) ? inst->pid : 0;
    info[n].ready  = inst->state == OFFICE_IDLE || inst->state == OFFICE_BUSY;
    info[n].busy   = inst->state == OFFICE_BUSY;
    info[n].jobs   = inst->jobs;
    info[n].starts = inst->starts;
  }
  pthread_mutex_unlock(&pool->lock);

  return (n);
}


/*
 * 'borrow_instance()' - Wait (at most the timeout) for an idle instance and
 *                       mark it busy.  NULL with a reason on failure.
 */

static _gw_office_instance_t *
borrow_instance(gw_office_pool_t *pool, gw_reason_t *reason_r, char *detail, size_t detailsize)
{
  _gw_office_instance_t *found = NULL;
  struct timespec        deadline;

  /*
   * The longest wait: a busy instance may time out and then need a restart.
   */

  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += pool->cfg.timeout + GW_OFFICE_START_TIMEOUT;

  pthread_mutex_lock(&pool->lock);
  pool->users ++;

  while (!pool->stopping)
  {
    for (int i = 0; i < pool->cfg.workers && !found; i ++)
    {
      if (pool->inst[i].state == OFFICE_IDLE)
        found = pool->inst + i;
    }
    if (found || pthread_cond_timedwait(&pool->changed, &pool->lock, &deadline) == ETIMEDOUT)
      break;
  }

  if (!found && !pool->stopping)
  {
    for (int i = 0; i < pool->cfg.workers && !found; i ++)
    {
      if (pool->inst[i].state == OFFICE_IDLE)
        found = pool->inst + i;
    }
  }

  if (found)
  {
    found->state = OFFICE_BUSY;
    found->seq ++;
  }
  else
  {
    bool any_ready = false;

    for (int i = 0; i < pool->cfg.workers; i ++)
      any_ready |= pool->inst[i].state == OFFICE_BUSY;

    *reason_r = GW_REASON_CONVERSION_TIMEOUT;
    if (pool->stopping)
      snprintf(detail, detailsize, "the gateway is stopping; send it again in a moment");
    else if (any_ready)
      snprintf(detail, detailsize, "all %d Office converters stayed busy for %d seconds; send it again later", pool->cfg.workers, pool->cfg.timeout + GW_OFFICE_START_TIMEOUT);
    else
      snprintf(detail, detailsize, "the Office converter could not be started; tell the administrator (see the gateway's log)");
    pool->users --;
    pthread_cond_broadcast(&pool->wake);
  }

  pthread_mutex_unlock(&pool->lock);

  return (found);
}


/*
 * 'return_instance()' - Give the instance back: idle, or dead (restart).
 */

static void
return_instance(gw_office_pool_t *pool, _gw_office_instance_t *inst, bool dead)
{
  pthread_mutex_lock(&pool->lock);
  inst->jobs ++;
  if (dead || inst->jobs >= pool->cfg.max_jobs || pool->stopping)
    inst->state = OFFICE_DEAD;
  else
    inst->state = OFFICE_IDLE;
  pool->users --;
  pthread_cond_broadcast(&pool->changed);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->lock);
}


/*
 * 'copy_fd()' - Copy in_fd (from offset 0, with pread: the caller's offset
 *               is left alone) to out_fd, at most limit bytes.  Returns the
 *               bytes copied, -1 on error, -2 over the limit.
 */

static int64_t
copy_fd(int in_fd, int out_fd, int64_t limit)
{
  unsigned char buf[64 * 1024];
  int64_t       total = 0;
  ssize_t       n;

  while ((n = pread(in_fd, buf, sizeof(buf), (off_t)total)) != 0)
  {
    const unsigned char *p = buf;
    size_t               left;

    if (n < 0)
    {
      if (errno == EINTR)
        continue;
      total = -1;
      break;
    }
    if (total + n > limit)
    {
      total = -2;
      break;
    }
    for (left = (size_t)n; left > 0;)
    {
      ssize_t w = write(out_fd, p, left);

      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
      {
        gwWipe(buf, sizeof(buf));
        return (-1);
      }
      p    += w;
      left -= (size_t)w;
    }
    total += n;
  }

  gwWipe(buf, sizeof(buf));
  return (total);
}


/*
 * 'read_output()' - dN/out.pdf into a new memfd, rewound.  The file must
 *                   be a regular file (no link followed) and fit the limit.
 */

static int
read_output(gw_office_pool_t *pool, int doc_fd, gw_reason_t *reason_r, char *detail, size_t detailsize)
{
  struct stat st;
  int         fd, mfd;
  int64_t     n;

  if ((fd = openat(doc_fd, "out.pdf", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0 ||
      fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 5)
  {
    if (fd >= 0)
      close(fd);
    *reason_r = GW_REASON_CONVERSION_CRASHED;
    snprintf(detail, detailsize, "LibreOffice reported success but made no PDF");
    return (-1);
  }
  if (st.st_size > pool->cfg.max_output)
  {
    close(fd);
    *reason_r = GW_REASON_TOO_LARGE;
    snprintf(detail, detailsize, "its PDF would be larger than %lld MB", (long long)(pool->cfg.max_output / (1024 * 1024)));
    return (-1);
  }

  if ((mfd = memfd_create("printgate-office-pdf", MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0)
  {
    close(fd);
    *reason_r = GW_REASON_INTERNAL;
    snprintf(detail, detailsize, "no memory for the converted document");
    return (-1);
  }

  n = copy_fd(fd, mfd, pool->cfg.max_output);
  close(fd);
  if (n < 0 || lseek(mfd, 0, SEEK_SET) != 0)
  {
    close(mfd);
    *reason_r = n == -2 ? GW_REASON_TOO_LARGE : GW_REASON_INTERNAL;
    snprintf(detail, detailsize, n == -2 ? "its PDF is too large" : "the converted document could not be read");
    return (-1);
  }

  return (mfd);
}


/*
 * 'convert_on()' - One document on a borrowed instance.  Returns the PDF
 *                  memfd or -1; *dead_r when the instance must restart.
 */

static int
convert_on(gw_office_pool_t *pool, _gw_office_instance_t *inst, int in_fd, const char *format, bool *dead_r,
           gw_reason_t *reason_r, char *detail, size_t detailsize)
{
  char    docname[32], infile[16], request[64], line[GW_OFFICE_LINE_MAX];
  int     doc_fd = -1, file_fd = -1, out_fd = -1, rc;
  int64_t n;
  size_t  reqlen;

  snprintf(docname, sizeof(docname), "d%u", inst->seq);
  snprintf(infile, sizeof(infile), "in.%s", format);

  /*
   * The per-document directory and the input copy, both the instances'.
   */

  if (mkdirat(inst->dir_fd, docname, 0700) ||
      (doc_fd = openat(inst->dir_fd, docname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
      (pool->as_root && fchown(doc_fd, pool->uid, pool->gid)) ||
      (file_fd = openat(doc_fd, infile, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 ||
      (pool->as_root && fchown(file_fd, pool->uid, pool->gid)))
  {
    *reason_r = GW_REASON_INTERNAL;
    snprintf(detail, detailsize, "the Office converter's working directory could not be prepared");
    *dead_r = true;
    goto done;
  }

  n = copy_fd(in_fd, file_fd, INT64_MAX);
  close(file_fd);
  file_fd = -1;
  if (n <= 0)
  {
    *reason_r = n == 0 ? GW_REASON_EMPTY_DOCUMENT : GW_REASON_INTERNAL;
    snprintf(detail, detailsize, n == 0 ? "the document is empty" : "the document could not be handed to the Office converter");
    goto done;
  }

  /*
   * Ask, and wait for the answer until the timeout.
   */

  reqlen = (size_t)snprintf(request, sizeof(request), "convert %s %s\n", docname, format);
  if (send(inst->sock, request, reqlen, MSG_NOSIGNAL) != (ssize_t)reqlen)
    rc = 0;
  else
    rc = _gwOfficeReadLine(inst, _gwOfficeNowMs() + (int64_t)pool->cfg.timeout * 1000, line, sizeof(line));

  if (rc == 1 && !strcmp(line, "ok"))
  {
    out_fd = read_output(pool, doc_fd, reason_r, detail, detailsize);
  }
  else if (rc == 1 && !strncmp(line, "fail reason=", 12))
  {
    char       *code = line + 12, *sentence = strstr(line, " detail=");
    gw_reason_t reason;

    if (sentence)
    {
      *sentence = '\0';
      sentence += 8;
    }
    if (!gwReasonParse(code, &reason) || reason == GW_REASON_NONE)
      reason = GW_REASON_CONVERSION_CRASHED;
    *reason_r = reason;
    snprintf(detail, detailsize, "%s", sentence ? sentence : "LibreOffice could not convert it");

    /* Anything but a document problem: start afresh. */
    *dead_r = reason != GW_REASON_CORRUPT_DOCUMENT && reason != GW_REASON_PASSWORD_PROTECTED;
  }
  else if (rc == -1)
  {
    _gwReaperKill(&inst->reaper); /* The whole instance, now; the supervisor restarts it */
    *dead_r   = true;
    *reason_r = GW_REASON_CONVERSION_TIMEOUT;
    snprintf(detail, detailsize, "LibreOffice took longer than %d seconds to convert it", pool->cfg.timeout);
  }
  else
  {
    *dead_r   = true;
    *reason_r = GW_REASON_CONVERSION_CRASHED;
    snprintf(detail, detailsize, rc == 0 ? "the Office converter stopped while converting it (it crashed or was stopped)" :
                                           "the Office converter gave an answer it should not");
  }

  done:

  /*
   * An instance that will be restarted is stopped now, before its document
   * directory is removed: nothing of it may still be writing there.
   */

  if (*dead_r && inst->pid > 0)
    _gwOfficeInstanceKill(inst, GW_REAPER_GRACE_MS);

  if (file_fd >= 0)
    close(file_fd);
  if (doc_fd >= 0)
    close(doc_fd);
  if (!_gwOfficeRemoveTree(inst->dir_fd, docname, 16))
  {
    /* Leftover plaintext in the instance directory: reaping removes it. */
    *dead_r = true;
  }

  return (out_fd);
}


/*
 * 'gwOfficePoolConvert()' - Convert one Office document to PDF.
 */

bool
gwOfficePoolConvert(gw_office_pool_t *pool, int in_fd, const char *format_keyword, int *out_fd_r,
                    gw_reason_t *reason_r, char *detail, size_t detailsize)
{
  _gw_office_instance_t *inst;
  gw_reason_t            reason = GW_REASON_INTERNAL;
  char                   sentence[256] = "";
  bool                   dead = false;
  int                    out_fd;
  int64_t                start = _gwOfficeNowMs();

  if (out_fd_r)
    *out_fd_r = -1;

  if (!pool || in_fd < 0 || !out_fd_r)
  {
    reason = pool ? GW_REASON_INTERNAL : GW_REASON_UNSUPPORTED_FORMAT;
    snprintf(sentence, sizeof(sentence), "Office documents are not enabled on this gateway; send a PDF instead");
    goto fail;
  }
  if (!gwOfficeFormatKnown(format_keyword))
  {
    reason = GW_REASON_UNSUPPORTED_FORMAT;
    snprintf(sentence, sizeof(sentence), "this kind of Office document cannot be converted; send a PDF instead");
    goto fail;
  }

  if ((inst = borrow_instance(pool, &reason, sentence, sizeof(sentence))) == NULL)
    goto fail;

  out_fd = convert_on(pool, inst, in_fd, format_keyword, &dead, &reason, sentence, sizeof(sentence));

  gwLog(pool->log, out_fd >= 0 ? GW_LOG_DEBUG : GW_LOG_INFO, "Office instance %d: %s document %s in %lld ms%s%s%s.",
        inst->index, format_keyword, out_fd >= 0 ? "converted" : "failed", (long long)(_gwOfficeNowMs() - start),
        out_fd >= 0 ? "" : " (", out_fd >= 0 ? "" : gwReasonCode(reason), out_fd >= 0 ? "" : ")");
  if (dead)
    gwLog(pool->log, GW_LOG_INFO, "Office instance %d will be restarted.", inst->index);

  return_instance(pool, inst, dead);

  if (out_fd >= 0)
  {
    *out_fd_r = out_fd;
    if (reason_r)
      *reason_r = GW_REASON_NONE;
    if (detail && detailsize)
      *detail = '\0';
    return (true);
  }

  fail:

  if (reason_r)
    *reason_r = reason;
  if (detail && detailsize)
    snprintf(detail, detailsize, "%s", sentence);

  return (false);
}
