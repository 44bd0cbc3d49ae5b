/*
 * printer-state.c - the public front-end API (api.h): a printer's edit
 * and its state for the admin console (docs/admin.md, "Printers").
 *
 * Reachability is cached per printer: gwApiPrinterState() answers from
 * the cache at once and, when the entry is missing or older than
 * GW_PRINTER_STATE_MAX_AGE, starts one check on a detached thread of its
 * own (never the caller's: a listener thread must not wait for a printer
 * that does not answer, and the core's task workers are kept for
 * sign-ins).  Every capability check (gwApiPrinterCheck(): the console's
 * "Check", an add, an edit) records its outcome here too.  At most
 * PSTATE_THREADS checks run at once; _gwPrinterStatesDelete() waits for
 * them (each is bounded by PrinterTimeout).
 *
 * The rest of the state comes from the audit log, so it survives a
 * restart: jobs printed there today (job.print) and the last release that
 * failed there (job.hold, job.fail: a release's or a test page's).
 */

#include "api-private.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PSTATE_MAX     1024   /* Printers cached (per gateway); more are checked on demand only */
#define PSTATE_THREADS 8      /* Checks running at once */

typedef struct pstate_s       /* One printer's cached reachability */
{
  int64_t tenant;
  char    name[64];
  int     reachable;          /* 1, 0, -1 = not yet */
  int64_t checked;
  bool    running;            /* A check is under way */
  char    text[512];
} pstate_t;

struct _gw_pstates_s
{
  pthread_mutex_t lock;       /* Guards everything below */
  pthread_cond_t  idle;       /* Signalled when a check ends */
  pstate_t        items[PSTATE_MAX];
  int             count;
  int             running;    /* Checks under way */
  bool            stopping;
};

typedef struct pcheck_s       /* A check's work: the printer to check */
{
  gw_system_t *sys;
  int64_t      tenant;
  char         name[64];
} pcheck_t;


/*
 * '_gwPrinterStatesNew()' - An empty cache.
 */

struct _gw_pstates_s *
_gwPrinterStatesNew(void)
{
  struct _gw_pstates_s *ps = calloc(1, sizeof(struct _gw_pstates_s));

  if (ps)
  {
    pthread_mutex_init(&ps->lock, NULL);
    pthread_cond_init(&ps->idle, NULL);
  }
  return (ps);
}


/*
 * '_gwPrinterStatesDelete()' - Refuse new checks, wait for the running
 *                              ones, free the cache.
 */

void
_gwPrinterStatesDelete(struct _gw_pstates_s **ps)
{
  struct _gw_pstates_s *p;

  if (!ps || (p = *ps) == NULL)
    return;

  pthread_mutex_lock(&p->lock);
  p->stopping = true;
  while (p->running > 0)
    pthread_cond_wait(&p->idle, &p->lock);
  pthread_mutex_unlock(&p->lock);

  pthread_mutex_destroy(&p->lock);
  pthread_cond_destroy(&p->idle);
  free(p);
  *ps = NULL;
}


/*
 * 'entry_find()' - The cache entry of a printer, made when 'make' (NULL
 *                  when the cache is full).  Lock held.
 */

static pstate_t *
entry_find(struct _gw_pstates_s *ps, int64_t tenant, const char *name, bool make)
{
  pstate_t *e;

  for (int i = 0; i < ps->count; i ++)
    if (ps->items[i].tenant == tenant && !strcasecmp(ps->items[i].name, name))
      return (ps->items + i);

  if (!make || ps->count >= PSTATE_MAX)
    return (NULL);

  e = ps->items + ps->count ++;
  memset(e, 0, sizeof(pstate_t));
  e->tenant    = tenant;
  e->reachable = -1;
  snprintf(e->name, sizeof(e->name), "%s", name);
  return (e);
}


/*
 * '_gwPrinterStateRecord()' - A check's outcome into the cache.
 */

void
_gwPrinterStateRecord(gw_system_t *sys, int64_t tenant, const char *printer, bool reachable, const char *text)
{
  struct _gw_pstates_s *ps = sys ? sys->printer_states : NULL;
  pstate_t             *e;

  if (!ps || !printer)
    return;

  pthread_mutex_lock(&ps->lock);
  if ((e = entry_find(ps, tenant, printer, true)) != NULL)
  {
    e->reachable = reachable ? 1 : 0;
    e->checked   = (int64_t)time(NULL);
    snprintf(e->text, sizeof(e->text), "%s", reachable ? "" : text ? text : "");
  }
  pthread_mutex_unlock(&ps->lock);
}


/*
 * 'state_forget()' - Drop what the cache says of a printer (the next look
 *                    checks it again).
 */

static void
state_forget(gw_system_t *sys, int64_t tenant, const char *printer)
{
  struct _gw_pstates_s *ps = sys->printer_states;
  pstate_t             *e;

  pthread_mutex_lock(&ps->lock);
  if ((e = entry_find(ps, tenant, printer, false)) != NULL && !e->running)
  {
    e->reachable = -1;
    e->checked   = 0;
    e->text[0]   = '\0';
  }
  pthread_mutex_unlock(&ps->lock);
}


/*
 * 'check_thread()' - Check one printer (as the gateway itself), record it,
 *                    and say this check is over.
 */

static void *
check_thread(void *arg)
{
  pcheck_t             *pc = (pcheck_t *)arg;
  struct _gw_pstates_s *ps = pc->sys->printer_states;
  gw_actor_t            actor = { pc->tenant, "system", GW_ROLE_ADMIN, "printer-state", "system" };
  gw_sink_result_t      result;
  const char           *error = NULL;
  pstate_t             *e;

  pthread_setname_np(pthread_self(), "pg-printer");   /* Seen in top -H and ps -L */
  if (!gwApiPrinterCheck(pc->sys, &actor, pc->name, &result, &error) && error)
    _gwPrinterStateRecord(pc->sys, pc->tenant, pc->name, false, error);   /* Gone, or a URI no sink takes */

  pthread_mutex_lock(&ps->lock);
  if ((e = entry_find(ps, pc->tenant, pc->name, false)) != NULL)
    e->running = false;
  ps->running --;
  pthread_cond_broadcast(&ps->idle);
  pthread_mutex_unlock(&ps->lock);

  free(pc);
  return (NULL);
}


/*
 * 'check_start()' - Start a check of the printer unless its entry is fresh,
 *                   one is under way, too many run, or the gateway stops.
 *                   Copies the entry into state.  Lock not held.
 */

static void
check_start(gw_system_t *sys, int64_t tenant, const char *name, gw_printer_state_t *state)
{
  struct _gw_pstates_s *ps = sys->printer_states;
  pstate_t             *e;
  pcheck_t             *pc = NULL;
  pthread_t             tid;
  pthread_attr_t        attr;
  int64_t               now = (int64_t)time(NULL);

  pthread_mutex_lock(&ps->lock);
  if ((e = entry_find(ps, tenant, name, true)) != NULL)
  {
    state->reachable = e->reachable;
    state->checked   = e->checked;
    snprintf(state->check_text, sizeof(state->check_text), "%s", e->text);
    if (!e->running && !ps->stopping && ps->running < PSTATE_THREADS && (e->checked == 0 || now - e->checked >= GW_PRINTER_STATE_MAX_AGE || now < e->checked) &&
        (pc = calloc(1, sizeof(pcheck_t))) != NULL)
    {
      pc->sys    = sys;
      pc->tenant = tenant;
      snprintf(pc->name, sizeof(pc->name), "%s", name);
      pthread_attr_init(&attr);
      pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
      if (pthread_create(&tid, &attr, check_thread, pc) == 0)
      {
        e->running = true;
        ps->running ++;
        state->checked = 0;     /* A new check is under way */
      }
      else
        free(pc);
      pthread_attr_destroy(&attr);
    }
  }
  pthread_mutex_unlock(&ps->lock);
}


typedef struct audit_scan_s   /* What the audit rows of one printer say */
{
  int        count;
  gw_audit_t last;
} audit_scan_t;


/*
 * 'audit_count()' - Count a row; keep the first (the newest).
 */

static bool
audit_count(const gw_audit_t *entry, void *data)
{
  audit_scan_t *as = (audit_scan_t *)data;

  if (as->count ++ == 0)
    as->last = *entry;
  return (true);
}


/*
 * 'audit_scan()' - The rows of one action at a printer since 'since'
 *                  (counted when 'all', else only the newest).
 */

static void
audit_scan(gw_system_t *sys, int64_t tenant, const char *printer, const char *action, int64_t since, bool all, audit_scan_t *as)
{
  gw_audit_query_t q;
  int64_t          next = 0;

  memset(as, 0, sizeof(*as));
  memset(&q, 0, sizeof(q));
  q.action  = action;
  q.printer = printer;
  q.since   = since;
  q.limit   = all ? GW_AUDIT_QUERY_MAX : 1;
  do
  {
    if (!gwStoreAuditQuery(sys->store, tenant, &q, audit_count, as, &next))
      break;
    q.after = next;
  }
  while (all && next > 0);
}


/*
 * 'gwApiPrinterState()' - A printer's state (console roles).
 */

bool
gwApiPrinterState(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_printer_state_t *state, const char **error_r)
{
  gw_printer_t  printer;
  gw_job_t      job;
  audit_scan_t  hold, fail, *last;
  struct tm     tm;
  time_t        now = time(NULL);

  if (!sys || !state || !_gwApiMay(actor, GW_RIGHT_READ, error_r))
    return (false);
  memset(state, 0, sizeof(*state));
  state->reachable = -1;
  if (!name || !gwStorePrinterFind(sys->store, actor->tenant, name, &printer))
  {
    _gwApiError(error_r, "no such printer");
    return (false);
  }

  check_start(sys, actor->tenant, printer.name, state);

  localtime_r(&now, &tm);
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_isdst = -1;
  audit_scan(sys, actor->tenant, printer.name, "job.print", (int64_t)mktime(&tm), true, &hold);
  state->released_today = hold.count;

  audit_scan(sys, actor->tenant, printer.name, "job.hold", 0, false, &hold);
  audit_scan(sys, actor->tenant, printer.name, "job.fail", 0, false, &fail);
  last = fail.count && (!hold.count || fail.last.id > hold.last.id) ? &fail : hold.count ? &hold : NULL;
  if (last)
  {
    state->error_time = last->last.time;
    if (last->last.job_id[0] && gwStoreJobGet(sys->store, actor->tenant, last->last.job_id, &job) && job.reason_text[0])
      snprintf(state->error, sizeof(state->error), "%s", job.reason_text);
    else
      snprintf(state->error, sizeof(state->error), "%s", last->last.detail[0] ? last->last.detail : last->last.action);
    gwWipe(&job, sizeof(job));
  }

  _gwApiError(error_r, NULL);
  return (true);
}


/*
 * 'gwApiPrinterEdit()' - Change a printer's URI and/or location (admin); a
 *                        new URI must pass the capability check.
 */

bool
gwApiPrinterEdit(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *uri, const char *location, gw_sink_result_t *result, const char **error_r)
{
  gw_printer_t     p;
  gw_sink_result_t check, *res = result ? result : &check;
  char             detail[64];
  bool             new_uri;

  memset(res, 0, sizeof(*res));
  if (!sys || !_gwApiAdminPrinter(sys, actor, name, &p, error_r))
    return (false);

  new_uri = uri && uri[0] && strcmp(uri, p.uri);
  if (new_uri && !gwApiPrinterUriSupported(sys, uri))
  {
    _gwApiError(error_r, "unsupported printer URI: use ipp://, ipps:// or cups://HOST:PORT/QUEUE");
    return (false);
  }
  if (!gwStorePrinterUpdate(sys->store, actor->tenant, p.name, new_uri ? uri : p.uri, location ? location : p.location, error_r))
    return (false);

  if (new_uri)
  {
    if (!gwApiPrinterCheck(sys, actor, p.name, res, error_r) || res->status != GW_SINK_OK)
    {
      /* Not kept: the old URI (and location) come back. */
      gwStorePrinterUpdate(sys->store, actor->tenant, p.name, p.uri, p.location, NULL);
      state_forget(sys, actor->tenant, p.name);   /* That check was of the refused URI: check the old one again */
      _gwApiError(error_r, res->text[0] ? res->text : "the printer did not pass the check");
      gwWipe(&p, sizeof(p));
      return (false);
    }
  }

  snprintf(detail, sizeof(detail), "%s%s%s", new_uri ? "uri" : "", new_uri && location ? "," : "", location ? "location" : "");
  gwWipe(&p, sizeof(p));
  return (_gwApiAdminDone(sys, actor, true, error_r, NULL, "printer.edit", "", name, detail[0] ? detail : "nothing"));
}
