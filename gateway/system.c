/*
 * system.c - the gateway system object: start-up, first run, recovery after
 * a crash, configuration reload, expiry sweeps, cancel and PINs.
 *
 * Submission lives in submission.c, release in release.c, /health in
 * health.c.
 */

#include "system-private.h"
#include "printgate/convert.h"
#include "printgate/pdf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


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
 * 'create_admin()' - Create the first admin account with a one-time
 *                    password, printed once on stdout (never logged).
 */

static bool
create_admin(gw_system_t *sys)
{
  char        password[64], hash[GW_PASSWORD_HASH_MAX];
  const char *error = NULL;
  int64_t     id;

  if (gwStoreUserCount(sys->store, GW_DEFAULT_TENANT) > 0)
    return (true);

  if (!gwPasswordGenerate(password, sizeof(password)) || !gwPasswordHash(password, hash, sizeof(hash)))
    return (false);

  if (!gwStoreUserAdd(sys->store, GW_DEFAULT_TENANT, sys->config->admin_user, "Administrator", GW_ROLE_ADMIN, hash, true, &id, &error))
  {
    gwLog(sys->log, GW_LOG_ERROR, "Unable to create the admin account \"%s\": %s", sys->config->admin_user, error ? error : "unknown error");
    gwWipe(password, sizeof(password));
    return (false);
  }

  printf("First run: created admin account '%s' with one-time password: %s\n"
         "(shown only now; it must be changed at first sign-in)\n", sys->config->admin_user, password);
  fflush(stdout);
  gwWipe(password, sizeof(password));
  _gwSystemAudit(sys, GW_DEFAULT_TENANT, "system", "user.add", sys->config->admin_user, NULL, NULL, 0, "first-run", "admin");

  return (true);
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
  char                sandbox[GW_PATH_MAX + 64], worker[GW_PATH_MAX + 64];
  const char         *dir = c->office_helper_dir[0] ? c->office_helper_dir : PRINTGATE_CONVERTERS_DIR;
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

  if ((sys->office = gwOfficePoolNew(&oc, sys->log, &error)) == NULL)
    gwLog(sys->log, GW_LOG_ERROR, "Office documents are refused: the LibreOffice pool did not start (%s).", error ? error : "unknown error");
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
  pthread_cond_init(&sys->convert_cond, NULL);
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

  if (!gwConfigConverterPath(config, path, sizeof(path)))
    gwLog(sys->log, GW_LOG_ERROR, "The converter %s is missing or not executable: every document will fail until it is installed (ConverterPath).", path);

  {
    char why[1024];
    int  dirfd;

    /* Made at the first conversion when missing; refused when others could change it. */
    if ((dirfd = gwConvertOpenDir(config->conversion_dir, 0700, false, why, sizeof(why))) >= 0)
      close(dirfd);
    else if (errno != ENOENT)
      gwLog(sys->log, GW_LOG_ERROR, "ConversionDir refused: %s; every document will fail until it is fixed.", why);
  }

  start_office(sys);

  return (sys);

  fail:

  gwLog(sys->log, GW_LOG_ERROR, "Start-up failed: %s", *error_r);
  gwSystemDelete(&sys);
  return (NULL);
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
  gwListenerDelete(&s->listener);
  gwOfficePoolFree(&s->office);      /* After the listener: no conversion can start any more */
  gwStoreClose(&s->store);
  gwSpoolClose(&s->spool);
  gwKeysDelete(&s->keys);
  gwLogDelete(&s->log);
  gwConfigDelete(&s->config);
  pthread_rwlock_destroy(&s->rwlock);
  pthread_mutex_destroy(&s->convert_lock);
  pthread_cond_destroy(&s->convert_cond);
  free(s);
  *sys = NULL;
}


/*
 * '_gwSystemConvertSlotTake()', '_gwSystemConvertSlotGive()' - Wait for
 *     one of the ConversionWorkers slots (0 = one per core) and free it.
 *     Renderings at release share the slots with conversions at
 *     submission, so at most that many converters run at once.
 */

void
_gwSystemConvertSlotTake(gw_system_t *sys, const gw_config_t *c)
{
  long workers = c->conversion_workers > 0 ? c->conversion_workers : sysconf(_SC_NPROCESSORS_ONLN);

  if (workers < 1)
    workers = 1;

  pthread_mutex_lock(&sys->convert_lock);
  while (sys->convert_busy >= workers)
    pthread_cond_wait(&sys->convert_cond, &sys->convert_lock);
  sys->convert_busy ++;
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
      strcmp(old->log_file, config->log_file))
  {
    gwLog(sys->log, GW_LOG_WARN, "Reload: StateDir, ControlSocket, LogFile, Listen*, and TLS* changes need a restart; keeping the running values.");
    memcpy(config->state_dir, old->state_dir, sizeof(config->state_dir));
    memcpy(config->control_socket, old->control_socket, sizeof(config->control_socket));
    memcpy(config->log_file, old->log_file, sizeof(config->log_file));
    memcpy(config->listen_address, old->listen_address, sizeof(config->listen_address));
    memcpy(config->tls_certificate, old->tls_certificate, sizeof(config->tls_certificate));
    memcpy(config->tls_key, old->tls_key, sizeof(config->tls_key));
    config->listen_port = old->listen_port;
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
  pthread_rwlock_unlock(&sys->rwlock);

  gwConfigDelete(&old);
  gwLog(sys->log, GW_LOG_INFO, "Configuration reloaded (retention %llds, max document %lld bytes).", (long long)config->retention, (long long)config->max_document_size);

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

  if (!_gwHealthRegister(sys))
  {
    *error_r = "unable to register /health";
    return (false);
  }

  return (gwListenerStart(sys->listener, error_r));
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
 *                           its wrapped key).
 */

void
_gwSystemDiscardJob(gw_system_t *sys, const gw_job_t *job)
{
  if (gwSpoolExists(sys->spool, job->id, 1) && !gwSpoolRemove(sys->spool, job->id, 1))
    gwLog(sys->log, GW_LOG_ERROR, "Job %s: unable to remove the spool file.", job->id);

  if (!gwStoreJobPurge(sys->store, job->tenant, job->id))
    gwLog(sys->log, GW_LOG_ERROR, "Job %s: unable to delete the job row.", job->id);
}
