/*
 * convert-pool.c - a small pool of pre-started helpers (docs/converters.md,
 * "The helper pool").
 *
 * Each pooled helper is started exactly as gwConvertRun() starts one (its
 * own reaper, its own private directory, fixed argv and environment), but
 * with a pipe as its fd 0: it loads, builds every sandbox layer and then
 * blocks reading its document.  When a job arrives, gwConvertRun() takes a
 * helper whose argv and environment are the job's, writes the document
 * into that pipe and goes on as for a fresh helper; the pool's thread
 * starts a replacement.  A helper serves exactly one document: after it,
 * it is stopped and its directory removed, as always.
 *
 * The reapers are forked by the pool's own thread, which lives until the
 * pool is deleted and every taken helper was given back: a reaper's
 * parent-death signal belongs to the thread that forked it.  When the
 * daemon dies (kill -9), every reaper gets that signal and sees its
 * control socket close, and its helper dies with it.
 *
 * What a job needs is learnt from the jobs: the first job of a kind (the
 * helper and its argv) misses and becomes the template; a job of the same
 * kind with other settings (folder, priority, environment: a reload)
 * replaces it, and
 * the helpers of the old template are stopped.  At most POOL_KINDS
 * templates are kept.
 */

#include "convert-pool-private.h"
#include "printgate/log.h"
#include "printgate-convert/protocol.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POOL_MAX_SIZE 16         /* Helpers per template (ConversionPool's largest value) */
#define POOL_KINDS    4          /* Templates kept: e.g. printgate-convert-pdf and printgate-convert */
#define POOL_SWEEP_MS 1000       /* How often the waiting helpers are looked at */
#define POOL_RETRY_MS 1000       /* After a helper could not be started */
#define POOL_MAX_ARGS 32         /* argv and envp entries of a template */

typedef struct pool_tpl_s        /* What the helpers of one kind are started with */
{
  size_t   keylen;               /* 0 = unused */
  char     key[GW_CONVERT_KEY_MAX];   /* _gwConvertJobKey() */
  unsigned gen;                  /* Bumped when the key changes */
  int64_t  used;                 /* Last job of this kind (ms) */
  pid_t    zpid;                 /* Its zygote (the pool's thread only), 0 = none */
  int      zfd;                  /* Our end of the zygote's socket */
  unsigned zgen;                 /* The generation it was started for */
  int      zforks;               /* Helpers it has forked */
  bool     znone;                /* This generation's helper cannot be a zygote */
} pool_tpl_t;

typedef struct pool_entry_s      /* One waiting helper */
{
  _gw_conv_slot_t slot;
  int             tpl;           /* Its template ... */
  unsigned        gen;           /* ... and that template's generation */
} pool_entry_t;

struct gw_convert_pool_s
{
  pthread_mutex_t lock;          /* Guards everything below */
  pthread_cond_t  cond;          /* A helper was taken or given back, a size change, the stop */
  pthread_t       thread;        /* Starts and sweeps the helpers (and owns their reapers) */
  bool            stopping;
  int             size;          /* Waiting helpers wanted per template */
  gw_log_t       *log;
  pool_tpl_t      tpl[POOL_KINDS];
  pool_entry_t    ready[POOL_KINDS * POOL_MAX_SIZE];
  int             nready;
  int             in_use;        /* Taken and not yet given back */
  int             started, taken, dead;   /* Counters (gwConvertPoolStats()) */
  bool            no_zygote;     /* ConversionZygote no */
  bool            new_zygotes;   /* A reload: stop the zygotes (the helper program may be new) */
  bool            zygote_set;    /* gwConvertPoolSetZygote() was called (at the start) */
  char            fill_key[GW_CONVERT_KEY_MAX];   /* pool_fill()'s copy of a template (the pool's thread only) */
};


/*
 * 'now_ms()' - Monotonic milliseconds.
 */

static int64_t
now_ms(void)
{
  return (_gwReaperNowMs());
}


/*
 * 'kind_len()' - Length of the part of a key that names the kind of helper
 *                (its path and argv: up to the \001 mark).
 */

static size_t
kind_len(const char *key, size_t keylen)
{
  const char *mark = memchr(key, '\001', keylen);

  return (mark ? (size_t)(mark - key) : keylen);
}


/*
 * 'key_job()' - Make a job (helper, argv, envp, folder, priority) out of a
 *               copy of a template's key.  False when it does not parse.
 */

static bool
key_job(char *key, size_t keylen, gw_log_t *log, gw_convert_job_t *cj, const char **argv, const char **envp)
{
  char *p = key, *end = key + keylen;
  int   nargv = 0, nenv = 0, after = -1;   /* Fields after the \001 mark (-1: not yet) */

  memset(cj, 0, sizeof(*cj));
  cj->in_fd = -1;
  cj->log   = log;

  for (int field = 0; p < end; field ++, p += strlen(p) + 1)
  {
    if (field == 0)
      cj->helper = p;
    else if (after < 0 && !strcmp(p, "\001"))
      after = 0;
    else if (after < 0 && nargv < POOL_MAX_ARGS - 1)
      argv[nargv ++] = p;
    else if (after == 0)
    {
      cj->tmp_parent = *p ? p : NULL;
      after ++;
    }
    else if (after == 1)
    {
      cj->nice = (int)strtol(p, NULL, 10);
      after ++;
    }
    else if (after > 1 && nenv < POOL_MAX_ARGS - 1)
      envp[nenv ++] = p;
    else
      return (false);
  }

  argv[nargv] = NULL;
  envp[nenv]  = NULL;
  cj->argv    = argv;
  cj->envp    = envp;

  return (after > 1 && nargv > 0 && cj->helper && cj->helper[0]);
}


/*
 * 'pool_count()' - Waiting helpers of template t (current generation).
 */

static int
pool_count(gw_convert_pool_t *pool, int t)
{
  int n = 0;

  for (int i = 0; i < pool->nready; i ++)
  {
    if (pool->ready[i].tpl == t && pool->ready[i].gen == pool->tpl[t].gen)
      n ++;
  }

  return (n);
}


/*
 * 'pool_pull()' - Take waiting helper i out of the list (lock held).
 */

static void
pool_pull(gw_convert_pool_t *pool, int i, _gw_conv_slot_t *slot)
{
  *slot = pool->ready[i].slot;
  pool->ready[i] = pool->ready[-- pool->nready];
}


/*
 * 'pool_unwanted()' - Index of a waiting helper to stop (lock held): of an
 *                     old template, dead, or one too many; -1 when none.
 */

static int
pool_unwanted(gw_convert_pool_t *pool, bool sweep)
{
  for (int i = 0; i < pool->nready; i ++)
  {
    pool_entry_t *e = pool->ready + i;

    if (pool->stopping || e->gen != pool->tpl[e->tpl].gen || pool_count(pool, e->tpl) > pool->size)
      return (i);
    if (sweep && !_gwConvertSlotAlive(&e->slot))
    {
      pool->dead ++;
      if (pool->log)
        gwLog(pool->log, GW_LOG_WARN, "A waiting conversion helper (pid %d) is gone; starting another.", (int)e->slot.reaper.child);
      return (i);
    }
  }

  return (-1);
}


/*
 * 'zygote_stop()' - Stop template t's zygote, if any (the pool's thread).
 *                   Its helpers are not its children and go on.
 */

static void
zygote_stop(pool_tpl_t *tpl)
{
  if (tpl->zpid > 0)
    _gwReaperZygoteStop(tpl->zpid, tpl->zfd);
  tpl->zpid   = 0;
  tpl->zfd    = -1;
  tpl->zforks = 0;
}


/*
 * 'zygote_gone()' - True when template t's zygote has exited (it is then
 *                   reaped and forgotten).  The pool's thread.
 */

static bool
zygote_gone(pool_tpl_t *tpl)
{
  if (tpl->zpid > 0 && waitpid(tpl->zpid, NULL, WNOHANG) == tpl->zpid)
  {
    close(tpl->zfd);
    tpl->zpid = 0;
    tpl->zfd  = -1;
  }
  return (tpl->zpid <= 0);
}


/*
 * 'zygote_for()' - The socket of template t's zygote for generation gen,
 *                  started (or replaced: another generation, gone, or
 *                  GW_CONV_ZYGOTE_MAX_FORKS helpers forked) as needed; -1
 *                  when there is none or zygotes are off (!on: it is
 *                  stopped).  The pool's thread, without the lock.
 */

static int
zygote_for(gw_convert_pool_t *pool, pool_tpl_t *tpl, unsigned gen, bool on, const gw_convert_job_t *cj)
{
  if (!on)
  {
    zygote_stop(tpl);
    return (-1);
  }
  if (!zygote_gone(tpl) && (tpl->zgen != gen || tpl->zforks >= GW_CONV_ZYGOTE_MAX_FORKS))
    zygote_stop(tpl);
  if (tpl->zgen != gen)
    tpl->znone = false;                /* New settings: another try */
  tpl->zgen = gen;
  if (tpl->zpid <= 0)
  {
    int err = 0;

    if (tpl->znone)
      return (-1);
    if (!_gwReaperZygoteStart(cj->helper, (char * const *)cj->argv, (char * const *)cj->envp, &tpl->zpid, &tpl->zfd, &err))
    {
      tpl->zpid  = 0;
      tpl->zfd   = -1;
      tpl->znone = err == ENOEXEC;     /* It cannot be one: its helpers are exec'd */
      if (pool->log)
        gwLog(pool->log, GW_LOG_DEBUG, "No zygote of %s: %s.", cj->helper,
              err == ENOEXEC ? "it did not start as one; its helpers are started one by one" : strerror(err));
      return (-1);
    }
    tpl->zforks = 0;
    if (pool->log)
      gwLog(pool->log, GW_LOG_DEBUG, "Started a zygote of %s (pid %d).", cj->helper, (int)tpl->zpid);
  }

  tpl->zforks ++;
  return (tpl->zfd);
}


/*
 * 'pool_fill()' - Start one helper for a template that has fewer waiting
 *                 than wanted (lock held; released while it starts).
 *                 False when none needs one, or the start failed.
 */

static bool
pool_fill(gw_convert_pool_t *pool)
{
  char            *key = pool->fill_key;
  gw_convert_job_t cj;
  const char      *argv[POOL_MAX_ARGS], *envp[POOL_MAX_ARGS];
  pool_entry_t     e;
  char             error[384] = "the template does not parse";
  size_t           keylen;
  int              t, zfd;
  bool             started, zyg;

  for (t = 0; t < POOL_KINDS; t ++)
  {
    if (pool->tpl[t].keylen && pool_count(pool, t) < pool->size)
      break;
  }
  if (t >= POOL_KINDS || pool->nready >= (int)(sizeof(pool->ready) / sizeof(pool->ready[0])))
    return (false);

  keylen = pool->tpl[t].keylen;
  memcpy(key, pool->tpl[t].key, keylen);
  e.tpl = t;
  e.gen = pool->tpl[t].gen;
  zyg   = !pool->no_zygote;
  pthread_mutex_unlock(&pool->lock);

  if (!key_job(key, keylen, pool->log, &cj, argv, envp))
    started = false;
  else if ((zfd = zygote_for(pool, pool->tpl + t, e.gen, zyg, &cj)) >= 0 &&
           (started = _gwConvertSlotStart(&cj, -1, zfd, &e.slot, error, sizeof(error))) == false)
  {
    /* A zygote that fails is replaced; this helper is started the usual way. */
    if (pool->log)
      gwLog(pool->log, GW_LOG_WARN, "A conversion helper zygote (pid %d) failed (%s); stopping it.", (int)pool->tpl[t].zpid, error);
    zygote_stop(pool->tpl + t);
    started = _gwConvertSlotStart(&cj, -1, -1, &e.slot, error, sizeof(error));
  }
  else if (zfd < 0)
    started = _gwConvertSlotStart(&cj, -1, -1, &e.slot, error, sizeof(error));

  if (!started)
  {
    if (pool->log)
      gwLog(pool->log, GW_LOG_DEBUG, "Unable to pre-start a conversion helper: %s", error);
    pthread_mutex_lock(&pool->lock);
    return (false);
  }

  pthread_mutex_lock(&pool->lock);
  pool->started ++;
  pool->ready[pool->nready ++] = e;    /* An old generation by now is stopped by the next round */
  return (true);
}


/*
 * 'pool_thread()' - Keep 'size' helpers waiting for each template; stop
 *                   those not wanted any more; at the stop, stop every
 *                   waiting helper and stay until every taken one was
 *                   given back (their reapers' parent-death signal is
 *                   this thread's).
 */

static void *
pool_thread(void *data)
{
  gw_convert_pool_t *pool = (gw_convert_pool_t *)data;
  int64_t            next_sweep = now_ms() + POOL_SWEEP_MS;

  pthread_setname_np(pthread_self(), "pg-convert");   /* Seen in top -H and ps -L */
  pthread_mutex_lock(&pool->lock);
  for (;;)
  {
    _gw_conv_slot_t slot;
    struct timespec ts;
    bool            sweep = now_ms() >= next_sweep;
    int             i;

    if (sweep)
    {
      next_sweep = now_ms() + POOL_SWEEP_MS;
      for (int t = 0; t < POOL_KINDS; t ++)
      {
        if (pool->no_zygote || pool->new_zygotes)
          zygote_stop(pool->tpl + t);
        else
          zygote_gone(pool->tpl + t);  /* One that died is reaped */
      }
      pool->new_zygotes = false;
    }

    if ((i = pool_unwanted(pool, sweep)) >= 0)
    {
      pool_pull(pool, i, &slot);
      pthread_mutex_unlock(&pool->lock);
      _gwConvertSlotStop(&slot);
      pthread_mutex_lock(&pool->lock);
      continue;
    }

    if (pool->stopping)
    {
      for (int t = 0; t < POOL_KINDS; t ++)
        zygote_stop(pool->tpl + t);
      if (pool->in_use == 0)
        break;
      pthread_cond_wait(&pool->cond, &pool->lock);
      continue;
    }

    if (pool_fill(pool))
      continue;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += POOL_RETRY_MS / 1000;
    pthread_cond_timedwait(&pool->cond, &pool->lock, &ts);
  }
  pthread_mutex_unlock(&pool->lock);

  return (NULL);
}


/*
 * 'pool_template()' - The template for a job's key: the same key, else
 *                     the same kind (its key replaced: the old helpers go),
 *                     else a free or the least recently used one (lock
 *                     held).  *fits says whether the key was there already.
 */

static int
pool_template(gw_convert_pool_t *pool, const char *key, size_t keylen, bool *fits)
{
  size_t kind = kind_len(key, keylen);
  int    t, lru = 0;

  *fits = false;
  for (t = 0; t < POOL_KINDS; t ++)
  {
    if (pool->tpl[t].keylen == keylen && !memcmp(pool->tpl[t].key, key, keylen))
    {
      *fits = true;
      return (t);
    }
  }
  for (t = 0; t < POOL_KINDS; t ++)
  {
    if (pool->tpl[t].keylen && kind_len(pool->tpl[t].key, pool->tpl[t].keylen) == kind && !memcmp(pool->tpl[t].key, key, kind))
      break;
  }
  if (t >= POOL_KINDS)
  {
    for (t = 0; t < POOL_KINDS && pool->tpl[t].keylen; t ++)
    {
      if (pool->tpl[t].used < pool->tpl[lru].used)
        lru = t;
    }
    if (t >= POOL_KINDS)
      t = lru;
  }

  memcpy(pool->tpl[t].key, key, keylen);
  pool->tpl[t].keylen = keylen;
  pool->tpl[t].gen ++;
  return (t);
}


/*
 * '_gwConvertPoolTake()' - Take a waiting helper started for exactly this
 *                          job's helper, argv and environment.  A helper
 *                          found dead is stopped and the next one tried.
 *                          False when none is ready (then the job starts
 *                          its own, and the pool learns the job's kind).
 *                          A taken helper is given back with
 *                          _gwConvertPoolGive() once it was stopped.
 */

bool
_gwConvertPoolTake(gw_convert_pool_t *pool, const gw_convert_job_t *cj, _gw_conv_slot_t *slot)
{
  char   *key;
  size_t  keylen;
  bool    fits, taken = false;
  int     t;

  if (!pool || (key = malloc(GW_CONVERT_KEY_MAX)) == NULL)
    return (false);
  if ((keylen = _gwConvertJobKey(cj, key, GW_CONVERT_KEY_MAX)) == 0)
  {
    free(key);
    return (false);
  }

  if (cj->tmp_parent)
  {
    /* ConversionDir is checked before every conversion: a refused one is the fresh start's to report. */
    char why[256];
    int  dirfd = gwConvertOpenDir(cj->tmp_parent, 0700, false, why, sizeof(why));

    if (dirfd < 0)
    {
      free(key);
      return (false);
    }
    close(dirfd);
  }

  pthread_mutex_lock(&pool->lock);
  if (pool->stopping || pool->size < 1)
  {
    pthread_mutex_unlock(&pool->lock);
    free(key);
    return (false);
  }

  t = pool_template(pool, key, keylen, &fits);
  pool->tpl[t].used = now_ms();
  free(key);

  while (fits && !taken)
  {
    int i;

    for (i = 0; i < pool->nready; i ++)
    {
      if (pool->ready[i].tpl == t && pool->ready[i].gen == pool->tpl[t].gen)
        break;
    }
    if (i >= pool->nready)
      break;

    pool_pull(pool, i, slot);
    if ((taken = _gwConvertSlotAlive(slot)) == false)
    {
      pool->dead ++;
      pthread_mutex_unlock(&pool->lock);
      if (pool->log)
        gwLog(pool->log, GW_LOG_WARN, "A waiting conversion helper (pid %d) is gone; using the next.", (int)slot->reaper.child);
      _gwConvertSlotStop(slot);
      pthread_mutex_lock(&pool->lock);
    }
  }

  if (taken)
  {
    pool->in_use ++;
    pool->taken ++;
  }
  pthread_cond_broadcast(&pool->cond);   /* A replacement, or the first helpers of a new template */
  pthread_mutex_unlock(&pool->lock);

  return (taken);
}


/*
 * '_gwConvertPoolGive()' - A taken helper was stopped.
 */

void
_gwConvertPoolGive(gw_convert_pool_t *pool)
{
  pthread_mutex_lock(&pool->lock);
  pool->in_use --;
  pthread_cond_broadcast(&pool->cond);
  pthread_mutex_unlock(&pool->lock);
}


/*
 * 'gwConvertPoolNew()' - Make a pool that keeps 'size' (0-16) helpers
 *                        waiting for each kind of job it has seen.
 */

gw_convert_pool_t *
gwConvertPoolNew(int size, gw_log_t *log)
{
  gw_convert_pool_t *pool;

  if ((pool = calloc(1, sizeof(gw_convert_pool_t))) == NULL)
    return (NULL);

  pool->size = size < 0 ? 0 : size > POOL_MAX_SIZE ? POOL_MAX_SIZE : size;
  pool->log  = log;
  for (int t = 0; t < POOL_KINDS; t ++)
    pool->tpl[t].zfd = -1;
  pthread_mutex_init(&pool->lock, NULL);
  pthread_cond_init(&pool->cond, NULL);

  if (pthread_create(&pool->thread, NULL, pool_thread, pool))
  {
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->cond);
    free(pool);
    return (NULL);
  }

  return (pool);
}


/*
 * 'gwConvertPoolSetSize()' - Change how many helpers wait (a reload).
 */

void
gwConvertPoolSetSize(gw_convert_pool_t *pool, int size)
{
  if (!pool)
    return;

  pthread_mutex_lock(&pool->lock);
  pool->size = size < 0 ? 0 : size > POOL_MAX_SIZE ? POOL_MAX_SIZE : size;
  pthread_cond_broadcast(&pool->cond);
  pthread_mutex_unlock(&pool->lock);
}


/*
 * 'gwConvertPoolSetZygote()' - Fork the pooled helpers from a zygote or
 *                              not (ConversionZygote), at the start and
 *                              at every reload.  At a reload the running
 *                              zygotes are stopped at the next sweep
 *                              (within a second), so a reload after an
 *                              upgrade picks up the new helper program;
 *                              the helpers they started go on.
 */

void
gwConvertPoolSetZygote(gw_convert_pool_t *pool, bool on)
{
  if (!pool)
    return;

  pthread_mutex_lock(&pool->lock);
  pool->no_zygote   = !on;
  pool->new_zygotes = pool->zygote_set;   /* Not at the start */
  pool->zygote_set  = true;
  pthread_cond_broadcast(&pool->cond);
  pthread_mutex_unlock(&pool->lock);
}


/*
 * 'gwConvertPoolStats()' - Helpers waiting now, and started, taken and
 *                          found dead so far.  Any pointer may be NULL.
 */

void
gwConvertPoolStats(gw_convert_pool_t *pool, int *ready, int *started, int *taken, int *dead)
{
  if (!pool)
    return;

  pthread_mutex_lock(&pool->lock);
  if (ready)
    *ready = pool->nready;
  if (started)
    *started = pool->started;
  if (taken)
    *taken = pool->taken;
  if (dead)
    *dead = pool->dead;
  pthread_mutex_unlock(&pool->lock);
}


/*
 * 'gwConvertPoolDelete()' - Stop every waiting helper and the pool's
 *                           thread, once every taken helper was given
 *                           back.  Nothing of the pool is left running.
 */

void
gwConvertPoolDelete(gw_convert_pool_t **pool)
{
  gw_convert_pool_t *p;

  if (!pool || !*pool)
    return;

  p = *pool;
  pthread_mutex_lock(&p->lock);
  p->stopping = true;
  pthread_cond_broadcast(&p->cond);
  pthread_mutex_unlock(&p->lock);
  pthread_join(p->thread, NULL);

  pthread_mutex_destroy(&p->lock);
  pthread_cond_destroy(&p->cond);
  free(p);
  *pool = NULL;
}
