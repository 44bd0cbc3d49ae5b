/*
 * mail-frontend.c - the mail front-end's ops table (frontend.h): sources
 * from MailSourceFile, one poller thread each, job events of origin "mail"
 * routed to the source whose message waits for them (docs/mail.md).
 */

#include "mail-source.h"
#include "printgate-mail/mail.h"
#include "printgate/outbox.h"
#include "printgate/log.h"
#include "printgate/mailsrc.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct mail_frontend_s
{
  gw_mail_source_t sources[GW_MAIL_SOURCES_MAX];
  int              count;
  int              subscription;
  pthread_mutex_t  lock;                /* The sources (events against a reload) */
} mail_frontend_t;


/* The front-end's state while it runs, for /health (which may ask while stop() runs) */
static pthread_mutex_t  live_mutex = PTHREAD_MUTEX_INITIALIZER;
static mail_frontend_t *live = NULL;


/*
 * 'mail_event()' - A job event of origin "mail": to every source (each
 *                  matches it against its waiting message).
 */

static void
mail_event(const gw_job_event_t *event, void *data)
{
  mail_frontend_t *fe = (mail_frontend_t *)data;

  pthread_mutex_lock(&fe->lock);
  for (int i = 0; i < fe->count; i ++)
    _gwMailIntakeEvent(fe->sources + i, event);
  pthread_mutex_unlock(&fe->lock);
}


/*
 * 'open_secret()' - Decrypt an "enc:v1:" value of a source in place (plain
 *                   text is kept, with the core's warning).
 */

static bool
open_secret(gw_system_t *sys, char *field, size_t size, const char **error_r)
{
  char *plain;
  bool  ok;

  if (!field[0])
    return (true);
  if ((plain = calloc(1, size)) == NULL)
    return (false);
  if ((ok = gwSystemSecretOpen(sys, "MailSourceFile", field, plain, size, error_r)))
    snprintf(field, size, "%s", plain);
  gwWipe(plain, size);
  free(plain);

  return (ok);
}


/*
 * 'window_default()' - Messages in flight per source when in-flight= is not
 *                      given: two per conversion worker, so the workers
 *                      never wait for the poller.
 */

static int
window_default(const gw_config_t *c)
{
  long workers = c->conversion_workers > 0 ? c->conversion_workers : sysconf(_SC_NPROCESSORS_ONLN);

  if (workers < 1)
    workers = 1;

  return (2 * workers > GW_MAIL_IN_FLIGHT_MAX ? GW_MAIL_IN_FLIGHT_MAX : (int)(2 * workers));
}


/*
 * 'start_sources()' - Open the secrets and start a poller per source;
 *                     false with why on the first that cannot start.
 */

static bool
start_sources(gw_system_t *sys, mail_frontend_t *fe, char *why, size_t whysize)
{
  const gw_config_t *c = gwSystemGetConfig(sys);

  for (int i = 0; i < fe->count; i ++)
  {
    gw_mail_source_t *src = fe->sources + i;
    const char       *error = NULL;

    src->sys = sys;
    src->wake[0] = src->wake[1] = -1;
    snprintf(src->uidl_path, sizeof(src->uidl_path), "%s/mail-%.63s.uidl", c->state_dir, src->name);
    if (!open_secret(sys, src->password, sizeof(src->password), &error) ||
        !open_secret(sys, src->oauth.client_secret, sizeof(src->oauth.client_secret), &error) ||
        !open_secret(sys, src->oauth.refresh_token, sizeof(src->oauth.refresh_token), &error))
    {
      snprintf(why, whysize, "mail source %.63s: a secret (password, client-secret or refresh-token) cannot be read: %.200s", src->name, error ? error : "bad secret");
      return (false);
    }

    src->window = src->in_flight > 0 ? src->in_flight : window_default(c);
    pthread_mutex_init(&src->mutex, NULL);
    pthread_cond_init(&src->cond, NULL);
    if (pipe2(src->wake, O_CLOEXEC | O_NONBLOCK) || pthread_create(&src->thread, NULL, _gwMailSourceRun, src))
    {
      snprintf(why, whysize, "mail source %.63s: cannot start its poller", src->name);
      return (false);
    }
    src->started = true;
    _gwMailSourcePublish(src);
  }

  return (true);
}


static void mail_changed(gw_system_t *sys, void *data);
static bool mail_test(gw_system_t *sys, const char *name, char *text, size_t textsize, void *data);


/*
 * 'mail_start()' - Read the sources (MailSourceFile, then the console's)
 *                  and start their pollers; the core's hooks set.
 */

static bool
mail_start(gw_system_t *sys, void *data, const char **error_r)
{
  mail_frontend_t        *fe = (mail_frontend_t *)data;
  const gw_config_t      *c = gwSystemGetConfig(sys);
  gw_mail_source_hooks_t  hooks = { mail_test, mail_changed, data };
  static char             why[1200];         /* Only written here, at start, before any thread */

  pthread_mutex_init(&fe->lock, NULL);
  if (c->mail_source_file[0] && !_gwMailSourcesLoad(c->mail_source_file, fe->sources, &fe->count, why, sizeof(why)))
  {
    *error_r = why;
    return (false);
  }
  _gwMailSourcesLoadConsole(sys, fe->sources, &fe->count);

  _gwMailHttpInit();
  fe->subscription = gwEventsSubscribe(gwSystemGetEvents(sys), "mail", mail_event, fe);
  if (!start_sources(sys, fe, why, sizeof(why)))
  {
    *error_r = why;
    return (false);
  }
  pthread_mutex_lock(&live_mutex);
  live = fe;
  pthread_mutex_unlock(&live_mutex);
  gwApiMailSourceSetHooks(sys, &hooks);

  return (true);
}


/*
 * 'source_health()' - One source's health entry.
 */

static json_object *
source_health(gw_mail_source_t *src)
{
  static const char * const kinds[] = { "imap", "pop3", "graph", "ews" };
  json_object              *o = json_object_new_object();
  gw_mail_health_t          h;
  int                       inflight;

  pthread_mutex_lock(&src->mutex);
  h        = src->health;
  inflight = src->ninflight;
  pthread_mutex_unlock(&src->mutex);

  json_object_object_add(o, "name", json_object_new_string(src->name));
  json_object_object_add(o, "kind", json_object_new_string(kinds[src->proto]));
  json_object_object_add(o, "status", json_object_new_string(h.stopped ? "stopped" : h.last_error_at > h.last_success ? "error" : h.last_success ? "ok" : "starting"));
  json_object_object_add(o, "last_success", json_object_new_int64((int64_t)h.last_success));
  json_object_object_add(o, "last_error_at", json_object_new_int64((int64_t)h.last_error_at));
  json_object_object_add(o, "last_error", json_object_new_string(h.last_error));
  json_object_object_add(o, "backoff", json_object_new_int(h.backoff));
  json_object_object_add(o, "in_flight", json_object_new_int(inflight));
  json_object_object_add(o, "window", json_object_new_int(src->window));

  return (o);
}


/*
 * 'mail_health()' - The sources' health for /health's details.
 */

static bool
mail_health(gw_system_t *sys, char **json_r, void *data)
{
  json_object *root, *list;

  (void)sys;
  pthread_mutex_lock(&live_mutex);
  if (live != data)
  {
    pthread_mutex_unlock(&live_mutex);
    return (false);
  }
  root = json_object_new_object();
  list = json_object_new_array();
  for (int i = 0; i < live->count; i ++)
    if (live->sources[i].started)
      json_object_array_add(list, source_health(live->sources + i));
  pthread_mutex_unlock(&live_mutex);

  json_object_object_add(root, "sources", list);
  *json_r = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
  json_object_put(root);

  return (*json_r != NULL);
}


/*
 * 'stop_sources()' - Stop and join every poller, wipe the secrets.
 */

static void
stop_sources(mail_frontend_t *fe)
{
  for (int i = 0; i < fe->count; i ++)
  {
    gw_mail_source_t *src = fe->sources + i;

    src->stop = true;
    if (src->started && src->wake[1] >= 0)
    {
      ssize_t n = write(src->wake[1], "x", 1);   /* A full pipe is woken already */

      (void)n;
    }
    if (src->started)
    {
      pthread_mutex_lock(&src->mutex);
      pthread_cond_broadcast(&src->cond);
      pthread_mutex_unlock(&src->mutex);
    }
  }
  for (int i = 0; i < fe->count; i ++)
  {
    gw_mail_source_t *src = fe->sources + i;

    if (src->started)
    {
      pthread_join(src->thread, NULL);
      pthread_mutex_destroy(&src->mutex);
      pthread_cond_destroy(&src->cond);
      if (src->wake[0] >= 0)
        close(src->wake[0]);
      if (src->wake[1] >= 0)
        close(src->wake[1]);
    }
    gwWipe(src->password, sizeof(src->password));
    gwWipe(&src->oauth, sizeof(src->oauth));
    src->started = false;
  }
}


/*
 * 'reload_sources()' - Read MailSourceFile (when set) and the console's
 *                      sources again; when they read well, stop every
 *                      poller and start the new sources (a message in
 *                      progress is taken again: exactly once holds as
 *                      after a stop).  A file that does not read keeps
 *                      the running sources, with a log line.
 */

static void
reload_sources(gw_system_t *sys, mail_frontend_t *fe, const char *file)
{
  gw_mail_source_t *fresh;
  int               count = 0;
  char              why[1200];
  bool              ok;

  if ((fresh = calloc(GW_MAIL_SOURCES_MAX, sizeof(gw_mail_source_t))) == NULL)
    return;
  if (file[0] && !_gwMailSourcesLoad(file, fresh, &count, why, sizeof(why)))
  {
    gwLog(gwSystemGetLog(sys), GW_LOG_ERROR, "Mail sources not reloaded (the running ones go on): %s", why);
    free(fresh);
    return;
  }
  _gwMailSourcesLoadConsole(sys, fresh, &count);

  pthread_mutex_lock(&live_mutex);
  live = NULL;
  pthread_mutex_unlock(&live_mutex);
  pthread_mutex_lock(&fe->lock);
  stop_sources(fe);
  _gwMailSourcesUnpublish(sys);
  memcpy(fe->sources, fresh, sizeof(fe->sources));
  fe->count = count;
  gwWipe(fresh, GW_MAIL_SOURCES_MAX * sizeof(gw_mail_source_t));
  free(fresh);
  if (fe->subscription <= 0)
  {
    _gwMailHttpInit();
    fe->subscription = gwEventsSubscribe(gwSystemGetEvents(sys), "mail", mail_event, fe);
  }
  ok = start_sources(sys, fe, why, sizeof(why));
  pthread_mutex_unlock(&fe->lock);
  pthread_mutex_lock(&live_mutex);
  live = fe;
  pthread_mutex_unlock(&live_mutex);

  if (ok)
    gwLog(gwSystemGetLog(sys), GW_LOG_INFO, "Mail sources reloaded%s%s: %d source(s).", file[0] ? " from " : "", file, count);
  else
    gwLog(gwSystemGetLog(sys), GW_LOG_ERROR, "Mail sources reloaded, but %s; the sources before it run.", why);
}


/*
 * 'mail_reload()' - SIGHUP: the sources again.
 */

static void
mail_reload(gw_system_t *sys, const gw_config_t *config, void *data)
{
  reload_sources(sys, (mail_frontend_t *)data, config->mail_source_file);
}


/*
 * 'mail_changed()' - The console's sources changed (the core's hook): the sources again.
 */

static void
mail_changed(gw_system_t *sys, void *data)
{
  char file[GW_PATH_MAX];

  snprintf(file, sizeof(file), "%s", gwSystemGetConfig(sys)->mail_source_file);
  reload_sources(sys, (mail_frontend_t *)data, file);
}


/*
 * 'mail_test()' - Test a running source's connection (the core's hook, on
 *                 a core task): a copy of its settings, not the poller.
 */

static bool
mail_test(gw_system_t *sys, const char *name, char *text, size_t textsize, void *data)
{
  mail_frontend_t  *fe = (mail_frontend_t *)data;
  gw_mail_source_t *copy = calloc(1, sizeof(gw_mail_source_t));
  bool              found = false, ok = false;

  if (!copy)
    return (false);
  pthread_mutex_lock(&fe->lock);
  for (int i = 0; i < fe->count && !found; i ++)
    if (fe->sources[i].started && !strcmp(fe->sources[i].name, name))
    {
      memcpy(copy, fe->sources + i, sizeof(*copy));
      found = true;
    }
  pthread_mutex_unlock(&fe->lock);

  if (found)
  {
    copy->sys       = sys;
    copy->probe     = true;
    copy->started   = false;
    copy->wake[0]   = copy->wake[1] = -1;
    copy->inflight  = NULL;
    copy->ninflight = 0;
    memset(&copy->health, 0, sizeof(copy->health));
    pthread_mutex_init(&copy->mutex, NULL);
    ok = _gwMailSourceProbe(copy, text, textsize);
    pthread_mutex_destroy(&copy->mutex);
  }
  else
    snprintf(text, textsize, "The source %s is not running.", name);
  gwWipe(copy, sizeof(*copy));
  free(copy);

  return (ok);
}


/*
 * 'mail_stop()' - Stop and join every poller, then free.
 */

static void
mail_stop(gw_system_t *sys, void *data)
{
  mail_frontend_t *fe = (mail_frontend_t *)data;

  gwApiMailSourceSetHooks(sys, NULL);      /* Waits for a test or change running */
  _gwMailSourcesUnpublish(sys);
  pthread_mutex_lock(&live_mutex);
  if (live == fe)
    live = NULL;
  pthread_mutex_unlock(&live_mutex);
  pthread_mutex_lock(&fe->lock);
  stop_sources(fe);
  pthread_mutex_unlock(&fe->lock);
  if (fe->subscription > 0)
    gwEventsUnsubscribe(gwSystemGetEvents(sys), fe->subscription);
  pthread_mutex_destroy(&fe->lock);
  free(fe);
}


/*
 * 'gwMailFrontend()' - The mail front-end's ops table (its state is made
 *                      here and freed by stop()).
 */

void
gwMailFrontend(gw_frontend_t *frontend)
{
  memset(frontend, 0, sizeof(*frontend));
  frontend->name  = "mail";
  frontend->start = mail_start;
  frontend->stop  = mail_stop;
  frontend->health = mail_health;
  frontend->reload = mail_reload;
  frontend->data  = calloc(1, sizeof(mail_frontend_t));
}
