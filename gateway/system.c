/*
 * system.c - the gateway system object: start-up, first run, recovery after
 * a crash, configuration reload, expiry sweeps, cancel and PINs.
 *
 * Submission lives in submission.c, release in release.c, /health in
 * health.c.
 */

#include "system-private.h"
#include "outbox-private.h"
#include "policy-private.h"
#include "mailsrc-private.h"
#include "printgate/clock.h"
#include "printgate/convert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONVERT_DEFER_QUIET_MS 100.0    /* Uploads first (_gwSystemConvertSlotTake()) */
#define CONVERT_DEFER_MAX_MS   5000.0


#define GW_INITIAL_PASSWORD_FILE "initial-admin-password"  /* In StateDir (docs/keys.md) */

static void stop_frontends(gw_system_t *sys);


/*
 * 'make_dir()' - Create a folder with a mode if it does not exist.
 */

static bool
make_dir(const char *path, mode_t mode, gw_log_t *log)
{
  if (mkdir(path, mode) && errno != EEXIST)
  {
    gwLog(log, GW_LOG_ERROR, "Unable to create \"%s\": %s", path, strerror(errno));
    return (false);
  }

  return (true);
}


/*
 * 'first_run()' - Create the state dir, keys folder and self-signed
 *                 certificate when they are missing.
 */

static bool
first_run(gw_system_t *sys, const char **error_r)
{
  gw_config_t *c = sys->config;
  char         path[GW_PATH_MAX + 32], cert[GW_PATH_MAX], key[GW_PATH_MAX];
  struct stat  st;

  if (!make_dir(c->state_dir, 0700, sys->log))
  {
    *error_r = "unable to create the state directory";
    return (false);
  }

  snprintf(path, sizeof(path), "%s/tls", c->state_dir);
  if (!make_dir(path, 0700, sys->log))
  {
    *error_r = "unable to create the TLS directory";
    return (false);
  }

  /*
   * Pinned ipps printer certificates (docs/printers.md): the sinks refuse
   * a store that is not ours or open to others, so say so at start too.
   */

  gwConfigPrinterCertDir(c, path, sizeof(path));
  if (!make_dir(path, 0700, sys->log))
  {
    *error_r = "unable to create the printer certificate directory";
    return (false);
  }
  if (stat(path, &st) || st.st_uid != geteuid() || (st.st_mode & 077))
    gwLog(sys->log, GW_LOG_ERROR, "%s must belong to the daemon's user with mode 0700 (chown; chmod 0700 %s): jobs for ipps:// printers stay held until it does.", path, path);

  gwConfigTLSPaths(c, cert, sizeof(cert), key, sizeof(key));
  if (!c->tls_certificate[0] && (stat(cert, &st) || stat(key, &st)))
  {
    gwLog(sys->log, GW_LOG_INFO, "Creating a self-signed certificate for \"%s\" in %s (replace it with TLSCertificate/TLSKey).", c->server_name, path);
    if (!gwTLSCreateSelfSigned(cert, key, c->server_name, sys->log))
    {
      *error_r = "unable to create the self-signed certificate";
      return (false);
    }
  }

  return (true);
}


/*
 * 'write_password_file()' - Write the one-time password to
 *                           STATE/initial-admin-password (0600, created
 *                           new: O_EXCL and O_NOFOLLOW, so nothing planted
 *                           there is followed or reused).
 *
 * A file left by an earlier first run (its store since removed) is ours
 * (the state dir is 0700) and is replaced.
 */

static bool
write_password_file(gw_system_t *sys, const char *path, const char *password)
{
  size_t  len = strlen(password), done = 0;
  ssize_t n;
  int     fd;

  if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 && errno == EEXIST && !unlink(path))
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

  if (fd < 0)
  {
    gwLog(sys->log, GW_LOG_ERROR, "Unable to create \"%s\": %s", path, strerror(errno));
    return (false);
  }

  while (done < len + 1)
  {
    if ((n = write(fd, done < len ? password + done : "\n", done < len ? len - done : 1)) < 0)
    {
      if (errno == EINTR)
        continue;
      break;
    }
    done += (size_t)n;
  }

  if (done < len + 1 || fchmod(fd, 0600) || fsync(fd) || close(fd))
  {
    gwLog(sys->log, GW_LOG_ERROR, "Unable to write \"%s\": %s", path, strerror(errno));
    unlink(path);
    return (false);
  }

  return (true);
}


/*
 * 'create_admin()' - Create the first admin account with a one-time
 *                    password, never logged: printed once when stdout is
 *                    a terminal; otherwise (systemd's journal, a pipe, a
 *                    file) written to STATE/initial-admin-password, 0600,
 *                    and only that path is printed and logged.
 */

static bool
create_admin(gw_system_t *sys)
{
  char        password[64], hash[GW_PASSWORD_HASH_MAX];
  const char *error = NULL;
  char        path[GW_PATH_MAX + 32];
  bool        tty = isatty(STDOUT_FILENO) == 1;
  int64_t     id;

  if (gwStoreUserCount(sys->store, GW_DEFAULT_TENANT) > 0)
    return (true);

  snprintf(path, sizeof(path), "%s/" GW_INITIAL_PASSWORD_FILE, sys->config->state_dir);

  if (!gwPasswordGenerate(password, sizeof(password)) || !gwPasswordHash(password, hash, sizeof(hash)))
    return (false);

  if (!gwStoreUserAdd(sys->store, GW_DEFAULT_TENANT, sys->config->admin_user, "Administrator", GW_ROLE_ADMIN, hash, true, &id, &error))
  {
    gwLog(sys->log, GW_LOG_ERROR, "Unable to create the admin account \"%s\": %s", sys->config->admin_user, error ? error : "unknown error");
    gwWipe(password, sizeof(password));
    return (false);
  }

  if (tty)
  {
    printf("First run: created admin account '%s' with one-time password: %s\n"
           "(shown only now; it must be changed at first sign-in)\n", sys->config->admin_user, password);
    fflush(stdout);
  }
  else if (!write_password_file(sys, path, password))
  {
    /* The account exists but nobody can know its password: say how out. */
    gwLog(sys->log, GW_LOG_ERROR, "First run: created admin account '%s', but its one-time password could not be stored; set a new one with 'printgate user password %s'.", sys->config->admin_user, sys->config->admin_user);
    printf("First run: created admin account '%s'; its password could not be stored: run 'printgate user password %s'.\n", sys->config->admin_user, sys->config->admin_user);
    fflush(stdout);
  }
  else
  {
    gwLog(sys->log, GW_LOG_INFO, "First run: created admin account '%s'; its one-time password is in %s (readable by the daemon's user only; it must be changed at first sign-in, then the file is removed).", sys->config->admin_user, path);
    printf("First run: created admin account '%s'; its one-time password is in %s\n", sys->config->admin_user, path);
    fflush(stdout);
  }
  gwWipe(password, sizeof(password));
  _gwSystemAudit(sys, GW_DEFAULT_TENANT, "system", "user.add", sys->config->admin_user, NULL, NULL, 0, "first-run", "admin");

  return (true);
}


/*
 * 'forget_initial_password()' - Remove STATE/initial-admin-password once
 *                               the admin has replaced the one-time
 *                               password (checked at each start).
 */

static void
forget_initial_password(gw_system_t *sys)
{
  char      path[GW_PATH_MAX + 32];
  gw_user_t user;

  snprintf(path, sizeof(path), "%s/" GW_INITIAL_PASSWORD_FILE, sys->config->state_dir);
  if (access(path, F_OK) || !gwStoreUserFind(sys->store, GW_DEFAULT_TENANT, sys->config->admin_user, &user) || user.must_change_password)
    return;

  if (unlink(path))
    gwLog(sys->log, GW_LOG_ERROR, "Unable to remove \"%s\" (the admin's password has been changed): %s", path, strerror(errno));
  else
    gwLog(sys->log, GW_LOG_INFO, "Removed %s: the admin's one-time password has been changed.", path);
}


/*
 * 'start_office()' - Start the Office pool when OfficeWorkers > 0 and
 *                    LibreOffice is installed.  Office documents are then
 *                    converted; otherwise they are refused with a reason
 *                    (a pool that cannot start is not a start-up failure:
 *                    PDFs and images still work).
 */

static void
start_office(gw_system_t *sys)
{
  const gw_config_t  *c = sys->config;
  gw_office_config_t  oc;
  char                sandbox[GW_PATH_MAX + 64], worker[GW_PATH_MAX + 64], dir[GW_PATH_MAX];
  const char         *error = NULL;
  int64_t             max_output = c->max_document_size * 4;

  if (c->office_workers < 1)
  {
    gwLog(sys->log, GW_LOG_INFO, "Office documents are refused (OfficeWorkers is 0).");
    return;
  }
  if (!gwOfficeAvailable(c->office_path))
  {
    gwLog(sys->log, GW_LOG_WARN, "OfficeWorkers is %d but LibreOffice is not installed (%s, python3-uno); Office documents are refused.", c->office_workers, c->office_path);
    return;
  }

  gwConfigOfficeHelperDir(c, dir, sizeof(dir));
  snprintf(sandbox, sizeof(sandbox), "%s/printgate-office-sandbox", dir);
  snprintf(worker, sizeof(worker), "%s/printgate-office-worker.py", dir);

  memset(&oc, 0, sizeof(oc));
  oc.workers    = c->office_workers;
  oc.timeout    = c->office_timeout;
  oc.max_jobs   = c->office_max_jobs;
  oc.max_output = max_output < 64 * 1024 * 1024 ? 64 * 1024 * 1024 : max_output;
  oc.max_memory = c->office_memory_limit;
  oc.soffice    = c->office_path;
  oc.sandbox    = sandbox;
  oc.worker     = worker;
  oc.user       = c->office_user;
  oc.tmp_parent = c->office_tmp_dir;
  oc.allow_no_landlock = !c->sandbox_require_landlock;

  if ((sys->office = gwOfficePoolNew(&oc, sys->log, &error)) == NULL)
    gwLog(sys->log, GW_LOG_ERROR, "Office documents are refused: the LibreOffice pool did not start (%s).", error ? error : "unknown error");
}


/*
 * 'wake_waiters()' - A job changed state (committed): wake the
 *                    gwSystemJobWait() callers, if there are any.  Called
 *                    by job_event() on the committing thread, not through
 *                    an event subscription: that cost every job's every
 *                    change a wake-up of a delivery thread, for a caller
 *                    that is rarely there (the CLI's "submit --wait").
 *                    A waiter counts itself before it reads the store,
 *                    and the fence orders this thread's commit before its
 *                    read of the count: either the waiter's read sees the
 *                    change, or this sees the waiter.
 */

static void
wake_waiters(gw_system_t *sys)
{
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  if (__atomic_load_n(&sys->job_waiters, __ATOMIC_SEQ_CST) == 0)
    return;

  pthread_mutex_lock(&sys->wait_lock);
  pthread_cond_broadcast(&sys->wait_cond);
  pthread_mutex_unlock(&sys->wait_lock);
}


/*
 * 'start_workers()' - The job-event bus and the conversion worker pool
 *                     (twice ConversionWorkers threads, ConversionQueue
 *                     waiting).  At most ConversionWorkers of them convert
 *                     at once (the slots, _gwSystemConvertSlotTake()); the
 *                     others commit a converted document (fsyncs) or wait
 *                     for a slot, so no slot stays idle while a job's
 *                     output is made durable (docs/benchmarks.md).
 */

static bool
start_workers(gw_system_t *sys, const char **error_r)
{
  long slots = sys->config->conversion_workers > 0 ? sys->config->conversion_workers : sysconf(_SC_NPROCESSORS_ONLN), threads;

  if (slots < 1)
    slots = 1;
  if (slots > 64)
    slots = 64;
  threads = slots > 32 ? 64 : 2 * slots;

  if ((sys->events = gwEventsNew(sys->log, 0)) == NULL)
  {
    *error_r = "unable to start the job events";
    return (false);
  }

  if ((sys->workers = _gwWorkersNew(sys->log, "conversion worker", (int)threads, sys->config->conversion_queue)) == NULL)
  {
    *error_r = "unable to start the conversion workers";
    return (false);
  }
  _gwWorkersSetSpare(sys->workers, (int)(threads - slots));   /* ConversionQueue counts as before */

  if ((sys->tasks = _gwWorkersNew(sys->log, "task worker", GW_SYSTEM_TASK_THREADS, GW_SYSTEM_TASK_QUEUE)) == NULL)
  {
    *error_r = "unable to start the task workers";
    return (false);
  }

  return (true);
}


/*
 * 'gwSystemRunTask()' - Run a short blocking piece of a front-end's work
 *                       (a password check: Argon2id takes ~0.4 s) on the
 *                       core's task workers, never on a listener thread.
 *
 * The task pool is not the conversion pool, so a sign-in never waits behind
 * a conversion.  False when the pool is full or stopping: nothing was
 * queued and arg is still the caller's (answer "busy").  A task still
 * queued at the stop is handed to discard() instead of run() (it must
 * free arg, and answer a deferred request), so exactly one of the two is
 * called for every task accepted.
 */

bool
gwSystemRunTask(gw_system_t *sys, gw_task_fn_t run, gw_task_fn_t discard, void *arg)
{
  if (!sys || !run || !discard || _gwWorkersFull(sys->tasks))
    return (false);

  return (_gwWorkersQueue(sys->tasks, run, discard, arg));
}


/*
 * 'gwSystemCheckConfig()' - What `printgated -t` checks beyond the syntax:
 *                           ConversionDir holds plaintext, so one that
 *                           others could change is refused
 *                           (gwConvertOpenDir()); a missing one is made at
 *                           the first conversion.  False and why.
 */

bool
gwSystemCheckConfig(const gw_config_t *config, char *why, size_t whysize)
{
  char reason[1024];
  int  dirfd;

  if ((dirfd = gwConvertOpenDir(config->conversion_dir, 0700, false, reason, sizeof(reason))) < 0 && errno != ENOENT)
  {
    snprintf(why, whysize, "ConversionDir refused: %s", reason);
    return (false);
  }
  if (dirfd >= 0)
    close(dirfd);

  return (true);
}


/*
 * 'gwSystemNew()' - Open (and on first run create) the gateway state:
 *                   keys, spool, store, certificate and admin account.
 */

gw_system_t *
gwSystemNew(gw_config_t *config, bool first_run_setup, const char **error_r)
{
  gw_system_t *sys;
  char         path[GW_PATH_MAX + 32];
  const char  *error = NULL;
  bool         store_exists;

  if (!error_r)
    error_r = &error;

  if ((sys = calloc(1, sizeof(gw_system_t))) == NULL)
  {
    gwConfigDelete(&config);
    *error_r = "out of memory";
    return (NULL);
  }

  pthread_rwlock_init(&sys->rwlock, NULL);
  pthread_mutex_init(&sys->convert_lock, NULL);
  sys->uploads_quiet_ms = CONVERT_DEFER_QUIET_MS;
  /* Tests only: a longer quiet time, so a loaded machine's gaps between a test's uploads do not end a wait (integration/ipp-upload-first). */
  if (getenv("PRINTGATE_TEST_UPLOAD_QUIET_MS"))
    sys->uploads_quiet_ms = strtod(getenv("PRINTGATE_TEST_UPLOAD_QUIET_MS"), NULL);
  {
    pthread_condattr_t ca;              /* _gwSystemConvertSlotTake() waits on CLOCK_MONOTONIC */

    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&sys->convert_cond, &ca);
    pthread_condattr_destroy(&ca);
  }
  pthread_mutex_init(&sys->wait_lock, NULL);
  pthread_cond_init(&sys->wait_cond, NULL);
  _gwMetricsInit(&sys->metrics);
  sys->config     = config;
  sys->start_time = time(NULL);

  if ((sys->log = gwLogNew(config->log_file, config->log_level)) == NULL)
  {
    *error_r = "unable to open the log file";
    goto fail;
  }

  if (first_run_setup && !first_run(sys, error_r))
    goto fail;

  /*
   * A new root key is made only on a true first run: if the store already
   * exists, a missing key means lost or misplaced keys/, and a fresh key
   * would silently make every held job and PIN unusable.
   */

  snprintf(path, sizeof(path), "%s/printgate.db", config->state_dir);
  store_exists = access(path, F_OK) == 0;

  snprintf(path, sizeof(path), "%s/keys", config->state_dir);
  if (first_run_setup && !make_dir(path, 0700, sys->log))
  {
    *error_r = "unable to create the keys directory";
    goto fail;
  }
  if ((sys->keys = gwKeysLoad(path, first_run_setup && !store_exists, sys->log)) == NULL)
  {
    *error_r = store_exists ? "unable to load keys/root.key although printgate.db exists; restore keys/ from the backup taken with the database (docs/keys.md)" :
                              "unable to load the root key (see the log)";
    goto fail;
  }

  snprintf(path, sizeof(path), "%s/spool", config->state_dir);
  if ((first_run_setup && !make_dir(path, 0700, sys->log)) || (sys->spool = gwSpoolOpen(path, sys->keys, sys->log)) == NULL)
  {
    *error_r = "unable to open the spool";
    goto fail;
  }

  snprintf(path, sizeof(path), "%s/printgate.db", config->state_dir);
  if ((sys->store = gwStoreOpen(path, sys->log, error_r)) == NULL)
    goto fail;

  if (first_run_setup && !create_admin(sys))
  {
    *error_r = "unable to create the admin account";
    goto fail;
  }
  if (first_run_setup)
    forget_initial_password(sys);

  if (!gwConfigConverterPath(config, path, sizeof(path)))
    gwLog(sys->log, GW_LOG_ERROR, "The converter %s is missing or not executable: every document will fail until it is installed (ConverterPath).", path);
  if (!gwConfigHelperPath("printgate-reaper", path, sizeof(path)))
    gwLog(sys->log, GW_LOG_ERROR, "The reaper %s is missing or not executable: every document will fail until it is installed.", path);

  {
    char why[1024];
    int  dirfd;

    /* Made at the first conversion when missing; refused when others could change it. */
    if ((dirfd = gwConvertOpenDir(config->conversion_dir, 0700, false, why, sizeof(why))) >= 0)
      close(dirfd);
    else if (errno != ENOENT)
      gwLog(sys->log, GW_LOG_ERROR, "ConversionDir refused: %s; every document will fail until it is fixed.", why);
  }

  if ((sys->policy = _gwPolicyNew()) == NULL || (sys->history = _gwJobHistoryNew()) == NULL ||
      (sys->mailsrc = _gwMailSrcNew()) == NULL || (sys->printer_states = _gwPrinterStatesNew()) == NULL)
  {
    *error_r = "out of memory";
    goto fail;
  }

  if (!start_workers(sys, error_r))
    goto fail;

  start_office(sys);
  if ((sys->convert_pool = gwConvertPoolNew(config->conversion_pool, sys->log)) == NULL)
    gwLog(sys->log, GW_LOG_WARN, "Unable to start the pool of converter helpers; each document starts its own.");
  gwConvertPoolSetZygote(sys->convert_pool, config->conversion_zygote);
  sys->outbox = _gwOutboxStart(sys);

  return (sys);

  fail:

  gwLog(sys->log, GW_LOG_ERROR, "Start-up failed: %s", *error_r);
  gwSystemDelete(&sys);
  return (NULL);
}


/*
 * 'gwSystemBeginStop()' - The gateway is stopping: wake every
 *                         gwSystemJobWait() (it returns the job as it is)
 *                         and stop running conversions (their jobs stay
 *                         converting, with their originals, and run again
 *                         at the next start, as queued ones do).  Called
 *                         before front-ends are drained, so no client waits
 *                         for a conversion during a stop.  Idempotent.
 */

void
gwSystemBeginStop(gw_system_t *sys)
{
  if (!sys)
    return;

  pthread_mutex_lock(&sys->wait_lock);
  __atomic_store_n(&sys->stopping, true, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&sys->wait_cond);
  pthread_mutex_unlock(&sys->wait_lock);
}


/*
 * 'gwSystemDelete()' - Stop the listener and close everything.
 */

void
gwSystemDelete(gw_system_t **sys)
{
  gw_system_t *s;

  if (!sys || !*sys)
    return;

  s = *sys;
  stop_frontends(s);
  _gwOutboxStop(&s->outbox);          /* Before the store: the sender records each outcome there */
  gwListenerDelete(&s->listener);
  gwListenerDelete(&s->plain_listener);
  gwSystemBeginStop(s);
  _gwWorkersDelete(&s->workers);
  _gwWorkersDelete(&s->tasks);       /* After the listener: no front-end queues one any more */
  if (s->recovered)
  {
    /*
     * Every conversion has ended, or was stopped or never started: the
     * jobs still converting were stopped by this clean stop, not by their
     * document, so their next start is no retry (gwStoreJobGetOriginal()
     * allows one after a crash).  Two restarts in a row lose nothing.
     */

    int uncounted = gwStoreJobUncountOriginals(s->store);

    if (uncounted > 0)
      gwLog(s->log, GW_LOG_INFO, "Stop: %d job(s) whose conversion was already resumed once will convert again at the next start (a clean stop is no crash).", uncounted);
    else if (uncounted < 0)
      gwLog(s->log, GW_LOG_WARN, "Stop: could not record that the conversions were stopped cleanly; a job stopped twice may fail at the next start.");
  }
  _gwPrinterStatesDelete(&s->printer_states);   /* Before the store: a printer's check records nothing there, but reads it */

  gwOfficePoolFree(&s->office);      /* After the listener and workers: no conversion can start any more */
  gwConvertPoolDelete(&s->convert_pool);   /* Likewise: stops every waiting helper */
  gwEventsDelete(&s->events);        /* Delivers what is queued */
  gwStoreClose(&s->store);
  _gwPolicyDelete(&s->policy);
  _gwJobHistoryDelete(&s->history);
  _gwMailSrcDelete(&s->mailsrc);
  gwSpoolClose(&s->spool);
  gwKeysDelete(&s->keys);
  gwLogDelete(&s->log);
  gwConfigDelete(&s->config);
  pthread_rwlock_destroy(&s->rwlock);
  pthread_mutex_destroy(&s->convert_lock);
  pthread_cond_destroy(&s->convert_cond);
  pthread_mutex_destroy(&s->wait_lock);
  pthread_cond_destroy(&s->wait_cond);
  _gwMetricsDestroy(&s->metrics);
  free(s);
  *sys = NULL;
}


/*
 * '_gwSystemConvertSlotTake()', '_gwSystemConvertSlotGive()' - Wait for
 *     one of the ConversionWorkers slots (0 = one per core) and free it.
 *     Renderings at release share the slots with conversions at
 *     submission, so at most that many converters run at once.
 *
 *     Uploads first: a conversion at submission (queued_ms > 0, when it
 *     was queued) does not start while uploads are arriving (one began or
 *     ended in the last CONVERT_DEFER_QUIET_MS), for CONVERT_DEFER_MAX_MS
 *     after it was queued at most.  A phone waits for its upload's answer;
 *     nobody waits for a conversion before walking to a printer, and on a
 *     small machine the converters took a third of the CPU from a burst of
 *     uploads (docs/benchmarks.md, "IPP intake, eighth round").  Never
 *     deferred: a rendering at release (queued_ms 0: someone is at the
 *     printer), or any conversion once half of ConversionQueue waits (a
 *     deferral must not make new uploads be refused as busy sooner), or
 *     while the daemon stops.
 */

static bool
convert_deferred(gw_system_t *sys, const gw_config_t *c, double queued_ms, double *wait_ms)
{
  double now = gwClockMs(), quiet, waited;
  int    queued = 0;

  if (queued_ms <= 0 || (waited = now - queued_ms) >= CONVERT_DEFER_MAX_MS || (quiet = now - sys->uploads_ms) >= sys->uploads_quiet_ms)
    return (false);

  pthread_mutex_unlock(&sys->convert_lock);
  _gwWorkersCounts(sys->workers, NULL, &queued);
  pthread_mutex_lock(&sys->convert_lock);
  if (queued * 2 >= c->conversion_queue || _gwWorkersFull(sys->workers))
    return (false);

  *wait_ms = sys->uploads_quiet_ms - quiet;
  if (*wait_ms > CONVERT_DEFER_MAX_MS - waited)
    *wait_ms = CONVERT_DEFER_MAX_MS - waited;

  return (true);
}

void
_gwSystemConvertSlotTake(gw_system_t *sys, const gw_config_t *c, double queued_ms)
{
  long   workers = c->conversion_workers > 0 ? c->conversion_workers : sysconf(_SC_NPROCESSORS_ONLN);
  double wait_ms;
  bool   deferred = false;

  if (workers < 1)
    workers = 1;

  pthread_mutex_lock(&sys->convert_lock);
  for (;;)
  {
    if (sys->convert_busy >= workers)
      pthread_cond_wait(&sys->convert_cond, &sys->convert_lock);
    else if (convert_deferred(sys, c, queued_ms, &wait_ms))
    {
      struct timespec ts;

      gwClockDeadline(&ts, CLOCK_MONOTONIC, (int64_t)wait_ms + 1);
      pthread_cond_timedwait(&sys->convert_cond, &sys->convert_lock, &ts);
      deferred = true;
    }
    else if (sys->convert_busy < workers)   /* Again: convert_deferred() may have let go of the lock */
      break;
  }
  sys->convert_busy ++;
  pthread_mutex_unlock(&sys->convert_lock);
  if (deferred)
    atomic_fetch_add_explicit(&sys->metrics.conversions_deferred, 1, memory_order_relaxed);
}


/*
 * '_gwSystemUploadActive()' - An upload began or ended now.
 */

void
_gwSystemUploadActive(gw_system_t *sys)
{
  pthread_mutex_lock(&sys->convert_lock);
  sys->uploads_ms = gwClockMs();
  pthread_mutex_unlock(&sys->convert_lock);
}

void
_gwSystemConvertSlotGive(gw_system_t *sys)
{
  pthread_mutex_lock(&sys->convert_lock);
  sys->convert_busy --;
  pthread_cond_signal(&sys->convert_cond);
  pthread_mutex_unlock(&sys->convert_lock);
}


/*
 * 'gwSystemReload()' - Swap in a new configuration (SIGHUP).  Settings that
 *                      need a restart (paths, listener) are kept and a
 *                      warning says so.
 */

bool
gwSystemReload(gw_system_t *sys, gw_config_t *config)
{
  gw_config_t *old;

  if (!sys || !config)
    return (false);

  pthread_rwlock_wrlock(&sys->rwlock);
  old = sys->config;

  if (strcmp(old->state_dir, config->state_dir) || strcmp(old->listen_address, config->listen_address) ||
      old->listen_port != config->listen_port || strcmp(old->tls_certificate, config->tls_certificate) ||
      strcmp(old->tls_key, config->tls_key) || strcmp(old->control_socket, config->control_socket) ||
      strcmp(old->log_file, config->log_file) || old->ipp_plain_port != config->ipp_plain_port)
  {
    gwLog(sys->log, GW_LOG_WARN, "Reload: StateDir, ControlSocket, LogFile, Listen*, IppPlainPort and TLS* changes need a restart; keeping the running values.");
    memcpy(config->state_dir, old->state_dir, sizeof(config->state_dir));
    memcpy(config->control_socket, old->control_socket, sizeof(config->control_socket));
    memcpy(config->log_file, old->log_file, sizeof(config->log_file));
    memcpy(config->listen_address, old->listen_address, sizeof(config->listen_address));
    memcpy(config->tls_certificate, old->tls_certificate, sizeof(config->tls_certificate));
    memcpy(config->tls_key, old->tls_key, sizeof(config->tls_key));
    config->listen_port    = old->listen_port;
    config->ipp_plain_port = old->ipp_plain_port;
  }

  if (old->office_workers != config->office_workers || old->office_timeout != config->office_timeout ||
      old->office_max_jobs != config->office_max_jobs || old->office_memory_limit != config->office_memory_limit ||
      strcmp(old->office_path, config->office_path) || strcmp(old->office_user, config->office_user) ||
      strcmp(old->office_tmp_dir, config->office_tmp_dir) || strcmp(old->office_helper_dir, config->office_helper_dir))
  {
    gwLog(sys->log, GW_LOG_WARN, "Reload: Office* changes need a restart; keeping the running values.");
    config->office_workers      = old->office_workers;
    config->office_timeout      = old->office_timeout;
    config->office_max_jobs     = old->office_max_jobs;
    config->office_memory_limit = old->office_memory_limit;
    memcpy(config->office_path, old->office_path, sizeof(config->office_path));
    memcpy(config->office_user, old->office_user, sizeof(config->office_user));
    memcpy(config->office_tmp_dir, old->office_tmp_dir, sizeof(config->office_tmp_dir));
    memcpy(config->office_helper_dir, old->office_helper_dir, sizeof(config->office_helper_dir));
  }

  sys->config = config;
  gwLogSetLevel(sys->log, config->log_level);
  gwConvertPoolSetSize(sys->convert_pool, config->conversion_pool);
  gwConvertPoolSetZygote(sys->convert_pool, config->conversion_zygote);
  pthread_rwlock_unlock(&sys->rwlock);

  gwConfigDelete(&old);

  /* Front-ends get a copy: the running one may be swapped again meanwhile. */
  gw_config_t copy;

  _gwSystemConfigCopy(sys, &copy);
  for (int i = 0; i < sys->started_frontends; i ++)
  {
    if (sys->frontends[i].reload)
      (sys->frontends[i].reload)(sys, &copy, sys->frontends[i].data);
  }

  /* Last: what waits for this line (an admin's script, the tests'
   * gw_reload) finds the front-ends' settings in force too. */
  gwLog(sys->log, GW_LOG_INFO, "Configuration reloaded (retention %llds, max document %lld bytes).", (long long)copy.retention, (long long)copy.max_document_size);

  return (true);
}


/*
 * '_gwSystemConfigCopy()' - Copy the current settings.
 */

void
_gwSystemConfigCopy(gw_system_t *sys, gw_config_t *copy)
{
  pthread_rwlock_rdlock(&sys->rwlock);
  memcpy(copy, sys->config, sizeof(*copy));
  pthread_rwlock_unlock(&sys->rwlock);
}


/*
 * Accessors.
 */

gw_config_t *gwSystemGetConfig(gw_system_t *sys)     { return (sys ? sys->config : NULL); }
gw_log_t    *gwSystemGetLog(gw_system_t *sys)        { return (sys ? sys->log : NULL); }
gw_store_t  *gwSystemGetStore(gw_system_t *sys)      { return (sys ? sys->store : NULL); }
gw_events_t *gwSystemGetEvents(gw_system_t *sys)     { return (sys ? sys->events : NULL); }
gw_listener_t *gwSystemGetListener(gw_system_t *sys) { return (sys ? sys->listener : NULL); }
gw_office_pool_t *gwSystemGetOfficePool(gw_system_t *sys) { return (sys ? sys->office : NULL); }


/*
 * 'gwSystemAddSink()' - Register a printer sink.
 */

void
gwSystemAddSink(gw_system_t *sys, const gw_sink_ops_t *ops)
{
  if (sys && ops && sys->num_sinks < GW_MAX_SINKS)
    sys->sinks[sys->num_sinks ++] = ops;
}


/*
 * '_gwSystemFindSink()' - The sink serving a URI's scheme, or NULL.
 */

const gw_sink_ops_t *
_gwSystemFindSink(gw_system_t *sys, const char *uri)
{
  const char *colon = uri ? strchr(uri, ':') : NULL;
  size_t      len;

  if (!colon)
    return (NULL);

  len = (size_t)(colon - uri);
  for (int i = 0; i < sys->num_sinks; i ++)
  {
    for (const char *const *scheme = sys->sinks[i]->schemes; scheme && *scheme; scheme ++)
    {
      if (strlen(*scheme) == len && !strncmp(*scheme, uri, len))
        return (sys->sinks[i]);
    }
  }

  return (NULL);
}


/*
 * 'start_plain_listener()' - With IppPlainPort set, a plain-HTTP listener
 *                            with the routes front-ends give it (only the
 *                            IPP server's; no /health, no web pages).
 */

static bool
start_plain_listener(gw_system_t *sys, const gw_config_t *c, const char **error_r)
{
  if (c->ipp_plain_port <= 0)
    return (true);
  if ((sys->plain_listener = gwListenerNew(c->listen_address, c->ipp_plain_port, NULL, NULL, c->max_connections, c->connection_timeout, sys->log, error_r)) == NULL)
    return (false);
  gwListenerSetDeadlines(sys->plain_listener, c->header_timeout, c->min_body_rate, c->body_rate_window);
  for (int i = 0; i < sys->num_frontends; i ++)
  {
    gw_frontend_t *fe = sys->frontends + i;

    if (fe->plain_routes && !(fe->plain_routes)(sys, sys->plain_listener, fe->data, error_r))
    {
      gwLog(sys->log, GW_LOG_ERROR, "Front-end %s could not register its plain-HTTP routes: %s", fe->name, *error_r ? *error_r : "unknown error");
      return (false);
    }
  }
  return (gwListenerStart(sys->plain_listener, error_r));
}


/*
 * 'gwSystemStartListener()' - Start the HTTPS listener with /health and
 *                             whatever routes front-ends registered.
 */

bool
gwSystemStartListener(gw_system_t *sys, const char **error_r)
{
  gw_config_t c;
  char        cert[GW_PATH_MAX], key[GW_PATH_MAX];

  _gwSystemConfigCopy(sys, &c);
  gwConfigTLSPaths(&c, cert, sizeof(cert), key, sizeof(key));

  if ((sys->listener = gwListenerNew(c.listen_address, c.listen_port, cert, key, c.max_connections, c.connection_timeout, sys->log, error_r)) == NULL)
    return (false);

  gwListenerSetDeadlines(sys->listener, c.header_timeout, c.min_body_rate, c.body_rate_window);

  if (!_gwHealthRegister(sys) || !_gwMetricsRegister(sys))
  {
    *error_r = "unable to register /health and /metrics";
    return (false);
  }

  for (int i = 0; i < sys->num_frontends; i ++)
  {
    gw_frontend_t *fe = sys->frontends + i;

    if (fe->routes && !(fe->routes)(sys, sys->listener, fe->data, error_r))
    {
      gwLog(sys->log, GW_LOG_ERROR, "Front-end %s could not register its routes: %s", fe->name, *error_r ? *error_r : "unknown error");
      return (false);
    }
  }

  if (!gwListenerStart(sys->listener, error_r) || !start_plain_listener(sys, &c, error_r))
    return (false);

  for (sys->started_frontends = 0; sys->started_frontends < sys->num_frontends; sys->started_frontends ++)
  {
    gw_frontend_t *fe = sys->frontends + sys->started_frontends;

    if (fe->start && !(fe->start)(sys, fe->data, error_r))
    {
      gwLog(sys->log, GW_LOG_ERROR, "Front-end %s did not start: %s", fe->name, *error_r ? *error_r : "unknown error");
      return (false);
    }
  }

  return (true);
}


/*
 * 'gwSystemAddFrontend()' - Register a front-end's ops table (copied),
 *                           before the listener starts (frontend.h).
 */

bool
gwSystemAddFrontend(gw_system_t *sys, const gw_frontend_t *frontend)
{
  if (!sys || !frontend || !frontend->name || sys->listener || sys->num_frontends >= GW_MAX_FRONTENDS)
    return (false);

  sys->frontends[sys->num_frontends ++] = *frontend;

  return (true);
}


/*
 * 'gwSystemFrontendCommand()' - Run an admin command a front-end answers
 *                               (started front-ends only; frontend.h).
 */

bool
gwSystemFrontendCommand(gw_system_t *sys, const char *command, const char * const *args, int nargs, char **text_r, const char **error_r)
{
  *text_r  = NULL;
  *error_r = NULL;
  for (int i = 0; i < sys->started_frontends; i ++)
  {
    gw_frontend_t *fe = sys->frontends + i;

    if (fe->command && (fe->command)(sys, command, args, nargs, text_r, error_r, fe->data))
      return (true);
  }
  return (false);
}


/*
 * 'stop_frontends()' - stop() of every started front-end, last first.
 */

static void
stop_frontends(gw_system_t *sys)
{
  while (sys->started_frontends > 0)
  {
    gw_frontend_t *fe = sys->frontends + -- sys->started_frontends;

    if (fe->stop)
      (fe->stop)(sys, fe->data);
  }
}


/*
 * '_gwSystemAudit()' - Write one audit row (metadata only).
 */

void
_gwSystemAudit(gw_system_t *sys, int64_t tenant, const char *actor, const char *action, const char *subject, const char *job_id, const char *printer, int pages, const char *source, const char *detail)
{
  gw_audit_t a;

  memset(&a, 0, sizeof(a));
  a.time  = time(NULL);
  a.pages = pages;
  snprintf(a.actor, sizeof(a.actor), "%s", actor ? actor : "system");
  snprintf(a.action, sizeof(a.action), "%s", action ? action : "");
  snprintf(a.subject, sizeof(a.subject), "%s", subject ? subject : "");
  snprintf(a.job_id, sizeof(a.job_id), "%s", job_id ? job_id : "");
  snprintf(a.printer, sizeof(a.printer), "%s", printer ? printer : "");
  snprintf(a.source, sizeof(a.source), "%s", source ? source : "");
  snprintf(a.detail, sizeof(a.detail), "%s", detail ? detail : "");

  if (!gwStoreAuditAdd(sys->store, tenant, &a))
    gwLog(sys->log, GW_LOG_ERROR, "Unable to write the audit row for %s.", a.action);
}


/*
 * '_gwSystemDiscardJob()' - Remove a job's spool file and its row (and so
 *                           its wrapped key); the row as it ended goes to
 *                           the job history first (job-history.c).
 */

void
_gwSystemDiscardJob(gw_system_t *sys, const gw_job_t *job)
{
  gw_log_ctx_t lc;

  gw_job_t     ended;

  gwLogCtxJob(&lc, sys->log, job->id, job->owner);
  if (gwSpoolExists(sys->spool, job->id, 1) && !gwSpoolRemove(sys->spool, job->id, 1))
    gwLogCtx(&lc, GW_LOG_ERROR, "unable to remove the spool file.");

  if (gwStoreJobGet(sys->store, job->tenant, job->id, &ended))
  {
    _gwJobHistoryAdd(sys, &ended);     /* Its owner still sees it ended, for JobHistory */
    gwWipe(&ended, sizeof(ended));
  }

  if (!gwStoreJobPurge(sys->store, job->tenant, job->id))
    gwLogCtx(&lc, GW_LOG_ERROR, "unable to delete the job row.");
}


/*
 * 'job_event()' - Emit the event of a committed transition (no core lock held).
 */

static void
job_event(gw_system_t *sys, const gw_job_t *job, gw_job_state_t from, gw_job_state_t to, gw_reason_t reason, const char *text, const char *printer)
{
  gw_job_event_t event;

  memset(&event, 0, sizeof(event));
  event.tenant    = job->tenant;
  event.old_state = from;
  event.new_state = to;
  event.reason    = reason;
  event.time      = time(NULL);
  snprintf(event.job_id, sizeof(event.job_id), "%s", job->id);
  snprintf(event.origin, sizeof(event.origin), "%s", job->origin);
  snprintf(event.origin_ref, sizeof(event.origin_ref), "%s", job->origin_ref);
  snprintf(event.text, sizeof(event.text), "%s", text ? text : "");
  snprintf(event.printer, sizeof(event.printer), "%s", printer ? printer : "");
  gwEventsEmit(sys->events, &event);
  wake_waiters(sys);
}


/*
 * '_gwSystemJobTransition()' - The one way a job changes state: the store
 *                              transition (row + audit in one transaction),
 *                              then, after the commit and with no core lock
 *                              held, the job event.  'job' gives the tenant,
 *                              id and origin.
 */

bool
_gwSystemJobTransition(gw_system_t *sys, const gw_job_t *job, gw_job_state_t from, gw_job_state_t to, gw_reason_t reason, const char *text, int64_t expires, const char *printer, const char *actor, const char *source, const char *action, const char **error_r)
{
  if (!gwStoreJobTransition(sys->store, job->tenant, job->id, from, to, reason, text, expires, printer, actor, source, action, error_r))
    return (false);

  job_event(sys, job, from, to, reason, text, printer);

  return (true);
}


/*
 * '_gwSystemJobConverting()' - The same for an upload's end: the original's
 *                              size and key and the move from receiving to
 *                              converting in one store transaction.
 */

bool
_gwSystemJobConverting(gw_system_t *sys, const gw_job_t *job, const gw_original_t *original, const char **error_r)
{
  if (!gwStoreJobConverting(sys->store, job->tenant, job->id, original, error_r))
    return (false);

  job_event(sys, job, GW_JOB_STATE_RECEIVING, GW_JOB_STATE_CONVERTING, GW_REASON_NONE, "", NULL);

  return (true);
}


/*
 * '_gwSystemJobCreateConverting()' - A job recorded only once its document
 *                                    arrived (gw_job_options_t.record_late):
 *                                    its row, converting, with the
 *                                    original's size and key in one
 *                                    transaction (job->number set), and
 *                                    the same event as a job moved from
 *                                    receiving.
 */

bool
_gwSystemJobCreateConverting(gw_system_t *sys, gw_job_t *job, int max_open, const gw_original_t *original, const char **error_r)
{
  if (!gwStoreJobCreateConverting(sys->store, job, job->owner, job->origin, max_open, original, &job->number, error_r))
    return (false);

  job_event(sys, job, GW_JOB_STATE_RECEIVING, GW_JOB_STATE_CONVERTING, GW_REASON_NONE, "", NULL);

  return (true);
}


/*
 * 'gwSystemJobWait()' - Wait until a job has left receiving/converting, the
 *                       timeout passes (< 0 = none) or the gateway stops.
 *                       The store is read under wait_lock, and the event
 *                       callback takes wait_lock after the commit, so an
 *                       outcome between the read and the wait is not missed.
 */

bool
gwSystemJobWait(gw_system_t *sys, int64_t tenant, const char *job_id, int timeout_ms, gw_job_t *job)
{
  struct timespec deadline;
  bool            found;

  if (!sys || !job_id || !job)
    return (false);

  gwClockDeadline(&deadline, CLOCK_REALTIME, timeout_ms);

  pthread_mutex_lock(&sys->wait_lock);
  __atomic_add_fetch(&sys->job_waiters, 1, __ATOMIC_SEQ_CST);   /* Before the read: wake_waiters() */
  while ((found = gwStoreJobGet(sys->store, tenant, job_id, job)) &&
         (job->state == GW_JOB_STATE_RECEIVING || job->state == GW_JOB_STATE_CONVERTING) && !sys->stopping)
  {
    if (timeout_ms < 0)
      pthread_cond_wait(&sys->wait_cond, &sys->wait_lock);
    else if (timeout_ms == 0 || pthread_cond_timedwait(&sys->wait_cond, &sys->wait_lock, &deadline) == ETIMEDOUT)
    {
      found = gwStoreJobGet(sys->store, tenant, job_id, job);
      break;
    }
  }
  __atomic_sub_fetch(&sys->job_waiters, 1, __ATOMIC_SEQ_CST);
  pthread_mutex_unlock(&sys->wait_lock);

  return (found);
}
