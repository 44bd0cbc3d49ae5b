/*
 * api-jobs.c - the public front-end API (api.h): printers and jobs.  Jobs
 * are scoped: a non-admin actor sees, cancels and releases only its own
 * user's jobs, and another user's job is "no such job".
 */

#include "api-private.h"

#include <stdio.h>
#include <string.h>


/* ---- Printers ---------------------------------------------------------------- */

/*
 * 'gwApiPrinterUriSupported()' - True when a sink takes the URI.
 */

bool
gwApiPrinterUriSupported(gw_system_t *sys, const char *uri)
{
  return (sys && uri && _gwSystemFindSink(sys, uri) != NULL);
}


/*
 * 'gwApiPrinterAdd()' - Add a printer whose URI a sink takes (admin).
 */

bool
gwApiPrinterAdd(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *uri, const char *location, const char **error_r)
{
  if (!sys || !_gwApiAdmin(actor, error_r))
    return (false);
  if (!name || !uri)
  {
    _gwApiError(error_r, "a printer name and URI are needed");
    return (false);
  }
  if (!gwApiPrinterUriSupported(sys, uri))
  {
    _gwApiError(error_r, "unsupported printer URI: use ipp://, ipps:// or cups://HOST:PORT/QUEUE");
    return (false);
  }
  if (!gwStorePrinterAdd(sys->store, actor->tenant, name, uri, location ? location : "", error_r))
    return (false);

  _gwApiAudit(sys, actor, "printer.add", "", NULL, name, 0, "");
  return (true);
}


/*
 * 'gwApiPrinterDelete()' - Delete a printer (admin).
 */

bool
gwApiPrinterDelete(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char **error_r)
{
  if (!sys || !_gwApiAdmin(actor, error_r))
    return (false);

  return (_gwApiAdminDone(sys, actor, name && gwStorePrinterDelete(sys->store, actor->tenant, name), error_r, "no such printer",
                          "printer.delete", "", name, ""));
}


/*
 * 'gwApiPrinterFind()' - Find a printer by name.
 */

bool
gwApiPrinterFind(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_printer_t *printer)
{
  return (sys && _gwApiActorValid(actor) && name && printer && gwStorePrinterFind(sys->store, actor->tenant, name, printer));
}


/*
 * 'gwApiPrinterIterate()' - Every printer of the actor's tenant.
 */

bool
gwApiPrinterIterate(gw_system_t *sys, const gw_actor_t *actor, gw_printer_cb_t cb, void *data)
{
  return (sys && cb && _gwApiActorValid(actor) && gwStorePrinterIterate(sys->store, actor->tenant, cb, data));
}


/*
 * 'gwApiPrinterCheck()' - The sink's capability check of a printer (admin).
 */

bool
gwApiPrinterCheck(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_sink_result_t *result, const char **error_r)
{
  gw_printer_t         printer;
  const gw_sink_ops_t *sink;
  gw_sink_doc_t        doc;
  gw_sink_options_t    opts;
  gw_config_t          c;
  char                 certs[GW_PATH_MAX + 32];
  bool                 ok;

  if (!sys || !result || !_gwApiAdmin(actor, error_r))
    return (false);
  memset(result, 0, sizeof(*result));
  if (!name || !gwStorePrinterFind(sys->store, actor->tenant, name, &printer))
  {
    _gwApiError(error_r, "no such printer");
    return (false);
  }
  if ((sink = _gwSystemFindSink(sys, printer.uri)) == NULL)
  {
    _gwApiError(error_r, "the printer has a URI this gateway cannot print to");
    return (false);
  }

  _gwSystemConfigCopy(sys, &c);
  memset(&doc, 0, sizeof(doc));
  doc.job_name   = "capability check";
  doc.owner      = "printgate";
  doc.format     = "application/pdf";
  doc.copies     = 1;
  doc.sides      = "one-sided";
  doc.color_mode = "auto";
  doc.render     = _gwReleaseDocRender;   /* Rendering is available (a check never calls it) */
  memset(&opts, 0, sizeof(opts));
  opts.timeout        = c.printer_timeout;
  opts.retries        = 0;
  opts.retry_delay_ms = c.printer_retry_delay_ms;
  opts.log            = sys->log;
  gwConfigPrinterCertDir(&c, certs, sizeof(certs));
  opts.cert_dir       = certs;

  _gwApiError(error_r, NULL);
  ok = sink->check(printer.name, printer.uri, &doc, &opts, result);
  _gwPrinterStateRecord(sys, actor->tenant, printer.name, ok && result->status == GW_SINK_OK, result->text);   /* The console's state (printer-state.c) */
  return (ok);
}


/* ---- Jobs ------------------------------------------------------------------------ */

/*
 * 'actor_user_id()' - The user id whose jobs the actor may see: 0 (all)
 *                     for an admin, its own for anyone else, -1 = none.
 */

static int64_t
actor_user_id(gw_system_t *sys, const gw_actor_t *actor)
{
  gw_user_t user;

  if (!sys || !_gwApiActorValid(actor))
    return (-1);
  if (gwRoleHas(actor->role, GW_RIGHT_READ))
    return (0);
  if (!gwStoreUserFind(sys->store, actor->tenant, actor->who, &user) || strcmp(user.name, actor->who))
    return (-1);

  return (user.id);
}


/*
 * 'gwApiJobSubmit()' - Begin a submission (for itself, or any user for an admin).
 */

gw_submission_t *
gwApiJobSubmit(gw_system_t *sys, const gw_actor_t *actor, const char *user, const char *name, const gw_job_options_t *options, int64_t declared_size, gw_reason_t *reason_r, char *text, size_t textsize)
{
  if (!_gwApiActorValid(actor))
  {
    *reason_r = GW_REASON_INTERNAL;
    snprintf(text, textsize, "No actor.");
    return (NULL);
  }
  if (!user)
    user = actor->who;
  if (actor->role != GW_ROLE_ADMIN && strcmp(user, actor->who))
  {
    *reason_r = GW_REASON_UNKNOWN_USER;
    snprintf(text, textsize, "No active user \"%s\".", user);
    return (NULL);
  }

  return (gwSubmissionBegin(sys, actor->tenant, user, name, actor->frontend, options, declared_size, reason_r, text, textsize));
}


/*
 * 'gwApiJobGet()' - A job the actor may see, without its key.
 */

bool
gwApiJobGet(gw_system_t *sys, const gw_actor_t *actor, const char *job_id, gw_job_t *job)
{
  int64_t uid = actor_user_id(sys, actor);
  bool    ok;

  if (uid < 0 || !job_id || !job)
    return (false);

  ok = gwStoreJobGet(sys->store, actor->tenant, job_id, job) && (uid == 0 || job->user_id == uid);
  if (!ok)
    memset(job, 0, sizeof(*job));

  return (ok);
}


/*
 * 'gwApiJobWait()' - gwSystemJobWait() on a job the actor may see.
 */

bool
gwApiJobWait(gw_system_t *sys, const gw_actor_t *actor, const char *job_id, int timeout_ms, gw_job_t *job)
{
  bool ok;

  if (!gwApiJobGet(sys, actor, job_id, job))
    return (false);

  ok = gwSystemJobWait(sys, actor->tenant, job_id, timeout_ms, job);

  return (ok);
}


typedef struct job_iter_s       /* Hands out copies without keys */
{
  gw_job_cb_t cb;
  void       *data;
} job_iter_t;


/*
 * 'job_iter_cb()' - Hand the caller a copy of the job without its key.
 */

static bool
job_iter_cb(const gw_job_t *job, void *data)
{
  job_iter_t *it = (job_iter_t *)data;
  gw_job_t    copy = *job;
  bool        ok;

  ok = (it->cb)(&copy, it->data);
  gwWipe(&copy, sizeof(copy));

  return (ok);
}


/*
 * 'job_scope()' - The user id to list: a named user (admin: anyone; else
 *                 only itself), or the actor's scope.  -1 = refused.
 */

static int64_t
job_scope(gw_system_t *sys, const gw_actor_t *actor, const char *user)
{
  int64_t   uid = actor_user_id(sys, actor);
  gw_user_t u;

  if (uid < 0 || !user)
    return (uid);
  if (!_gwApiUserReadable(sys, actor, user, &u))
    return (-1);

  return (u.id);
}


/*
 * 'gwApiJobIterate()' - Jobs the actor may see, oldest first, keys zeroed.
 */

bool
gwApiJobIterate(gw_system_t *sys, const gw_actor_t *actor, const char *user, unsigned states, gw_job_cb_t cb, void *data)
{
  job_iter_t it = { cb, data };
  int64_t    uid;

  if (!cb || (uid = job_scope(sys, actor, user)) < 0)
    return (false);

  return (gwStoreJobIterate(sys->store, actor->tenant, uid, states, job_iter_cb, &it));
}


/*
 * 'gwApiJobHistoryIterate()' - Ended jobs the actor may see, oldest first.
 */

bool
gwApiJobHistoryIterate(gw_system_t *sys, const gw_actor_t *actor, const char *user, gw_job_cb_t cb, void *data)
{
  int64_t uid;

  if (!cb || (uid = job_scope(sys, actor, user)) < 0)
    return (false);

  _gwJobHistoryEach(sys, actor->tenant, uid, cb, data);
  return (true);
}


/*
 * 'gwApiJobCount()' - Number of jobs the actor may see (-1 = refused).
 */

int
gwApiJobCount(gw_system_t *sys, const gw_actor_t *actor, const char *user, unsigned states)
{
  int64_t uid;

  if ((uid = job_scope(sys, actor, user)) < 0)
    return (-1);

  return (gwStoreJobCount(sys->store, actor->tenant, uid, states));
}


/*
 * 'gwApiJobCancel()' - Cancel a job the actor may see.
 */

bool
gwApiJobCancel(gw_system_t *sys, const gw_actor_t *actor, const char *job_id, const char **error_r)
{
  gw_job_t job;
  char     source[64];

  if (!gwApiJobGet(sys, actor, job_id, &job))
  {
    _gwApiError(error_r, "no such job");
    return (false);
  }
  if (strcmp(job.owner, actor->who) && !_gwApiMay(actor, GW_RIGHT_USERS, error_r))
    return (false);

  _gwApiSource(actor, source, sizeof(source));
  return (_gwSystemJobCancelAs(sys, actor->tenant, job_id, actor->who, source, error_r));
}


/*
 * 'gwApiJobSetOptions()' - Change a held job's options, as the actor.
 */

bool
gwApiJobSetOptions(gw_system_t *sys, const gw_actor_t *actor, const char *job_id, const gw_job_options_t *options, gw_reason_t *reason_r, char *text, size_t textsize)
{
  gw_job_t  job;
  gw_user_t owner;
  char      source[64];

  *reason_r = GW_REASON_NONE;
  if (!gwApiJobGet(sys, actor, job_id, &job))
  {
    snprintf(text, textsize, "No such job.");
    return (false);
  }
  if (job.state != GW_JOB_STATE_HELD)
  {
    snprintf(text, textsize, "Only a job waiting to print can change its options; this one is %s.", gwJobStateString(job.state));
    return (false);
  }
  if (!gwStoreUserGet(sys->store, job.tenant, job.user_id, &owner))
  {
    snprintf(text, textsize, "No such job.");
    return (false);
  }
  if (!_gwSystemJobOptionsValid(options, owner.role, text, textsize))
  {
    *reason_r = GW_REASON_BAD_OPTION;
    return (false);
  }

  _gwSystemJobOptionsSet(options, owner.role, &job);
  _gwApiSource(actor, source, sizeof(source));
  if (!gwStoreJobSetOptions(sys->store, job.tenant, job_id, &job, actor->who, source))
  {
    snprintf(text, textsize, "Only a job waiting to print can change its options; this one is no longer waiting.");
    return (false);
  }

  return (true);
}


/*
 * 'gwApiJobRelease()' - Release, as the actor.
 */

bool
gwApiJobRelease(gw_system_t *sys, const gw_actor_t *actor, const gw_release_t *rel, gw_release_result_t *result)
{
  gw_release_t r;
  char         source[64];

  memset(result, 0, sizeof(*result));
  if (!sys || !rel || !_gwApiActorValid(actor) || !actor->where || !actor->where[0])
  {
    result->reason = GW_REASON_INTERNAL;
    snprintf(result->text, sizeof(result->text), "A release needs an actor and its client.");
    return (false);
  }

  r = *rel;
  if (actor->role != GW_ROLE_ADMIN)
  {
    if (r.user && strcmp(r.user, actor->who))
    {
      snprintf(result->text, sizeof(result->text), "No such job.");
      return (false);
    }
    if (!r.pin && !r.card)
      r.user = actor->who;
  }

  _gwApiSource(actor, source, sizeof(source));
  r.actor  = actor->who;
  r.client = actor->where;
  if (!r.source)
    r.source = source;

  return (gwSystemRelease(sys, actor->tenant, &r, result));
}


/*
 * 'gwApiIdentify()' - Who a PIN or card belongs to, at a printer, under
 *                     the release lockout (the very check release makes).
 */

bool
gwApiIdentify(gw_system_t *sys, const gw_actor_t *actor, const char *printer, const char *pin, const char *card, gw_user_t *user, char *text, size_t textsize)
{
  gw_release_t        r;
  gw_release_result_t result;
  gw_printer_t        p;
  gw_config_t         c;
  gw_user_t           u;
  char                source[64];
  bool                ok = false;

  memset(&result, 0, sizeof(result));
  memset(&r, 0, sizeof(r));
  if (!sys || !_gwApiActorValid(actor) || !actor->where || !actor->where[0] || (!pin == !card))
    snprintf(result.text, sizeof(result.text), "A PIN or a card, and the client, are needed.");
  else if (!printer || !gwStorePrinterFind(sys->store, actor->tenant, printer, &p) || !p.enabled)
    snprintf(result.text, sizeof(result.text), "No printer \"%s\" on this gateway.", printer ? printer : "");
  else
  {
    _gwApiSource(actor, source, sizeof(source));
    _gwSystemConfigCopy(sys, &c);
    r.pin     = pin;
    r.card    = card;
    r.printer = p.name;
    r.actor   = actor->who;
    r.client  = actor->where;
    r.source  = source;
    if ((ok = _gwReleaseIdentify(sys, actor->tenant, &c, &r, &p, source, &u, &result)) == true && user)
      *user = u;
  }

  if (text && textsize > 0)
    snprintf(text, textsize, "%s", ok ? "" : result.text);

  return (ok);
}


/*
 * 'credential_user()' - The user whose PIN or card changes (admin, or the
 *                       user itself) and the audit source of the change.
 */

static bool
credential_user(gw_system_t *sys, const gw_actor_t *actor, const char *user, gw_user_t *u, char *source, size_t sourcesize, const char **error_r)
{
  if (!_gwApiUserChange(sys, actor, user, u, error_r))
    return (false);

  _gwApiSource(actor, source, sourcesize);
  return (true);
}


/*
 * 'gwApiPinNew()' - A new release PIN (admin, or the user itself).
 */

bool
gwApiPinNew(gw_system_t *sys, const gw_actor_t *actor, const char *user, char *pin, size_t pinsize, const char **error_r)
{
  gw_user_t   u;
  char        source[64];
  const char *error = "unable to change the user's credentials";

  if (!credential_user(sys, actor, user, &u, source, sizeof(source), error_r))
    return (false);
  if (!_gwSystemPinNewAs(sys, actor->tenant, u.name, pin, pinsize, actor->who, source, &error))
  {
    _gwApiError(error_r, error);
    return (false);
  }

  return (true);
}


/*
 * 'gwApiCardSet()' - Register a card (admin, or the user itself).
 */

bool
gwApiCardSet(gw_system_t *sys, const gw_actor_t *actor, const char *user, const char *card, const char **error_r)
{
  gw_user_t   u;
  char        source[64];
  const char *error = "unable to change the user's credentials";

  if (!credential_user(sys, actor, user, &u, source, sizeof(source), error_r))
    return (false);
  if (!_gwSystemCardSetAs(sys, actor->tenant, u.name, card, actor->who, source, &error))
  {
    _gwApiError(error_r, error);
    return (false);
  }

  return (true);
}
