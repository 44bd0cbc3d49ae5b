/*
 * health.c - GET /health on the core HTTPS listener.
 *
 * Anyone gets a bare liveness answer, {"status":"ok"} with 200 or
 * {"status":"degraded"} with 503, which is all a load balancer needs.
 * Clients whose address is in HealthDetailsFrom (loopback by default) get
 * the summary for monitoring too: version, store, spool, printers, held
 * jobs, the Office pool.  Those details help an attacker (the version to
 * pick an exploit, printer names, how busy the site is), so they are not
 * public.  It says whether things work, never who printed what.
 */

#include "api-private.h"
#include "mailsrc-private.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/statvfs.h>
#include <time.h>


/*
 * 'count_printer()' - Add a printer to the health report.
 */

static bool
count_printer(const gw_printer_t *printer, void *data)
{
  json_object *p = json_object_new_object();

  json_object_object_add(p, "name", json_object_new_string(printer->name));
  json_object_object_add(p, "enabled", json_object_new_boolean(printer->enabled));
  json_object_array_add((json_object *)data, p);

  return (true);
}


/*
 * 'office_status()' - The Office pool: off, or its instances (ready, busy,
 *                     starts: a count that keeps growing means documents
 *                     that crash or hang LibreOffice).  Not part of
 *                     "status": PDFs still work without it.
 */

static json_object *
office_status(gw_system_t *sys)
{
  json_object               *office = json_object_new_object();
  gw_office_instance_info_t  info[64];
  int                        n, ready = 0, busy = 0, starts = 0;

  if (!sys->office)
  {
    json_object_object_add(office, "status", json_object_new_string("off"));
    return (office);
  }

  n = gwOfficePoolGetInstances(sys->office, info, 64);
  for (int i = 0; i < n; i ++)
  {
    ready  += info[i].ready;
    busy   += info[i].busy;
    starts += info[i].starts;
  }
  json_object_object_add(office, "status", json_object_new_string(ready > 0 ? "ok" : "starting"));
  json_object_object_add(office, "instances", json_object_new_int(n));
  json_object_object_add(office, "ready", json_object_new_int(ready));
  json_object_object_add(office, "busy", json_object_new_int(busy));
  json_object_object_add(office, "starts", json_object_new_int(starts));

  return (office);
}


/*
 * '_gwHealthFrontends()' - Each started front-end's own health object
 *                          (frontend.h: mail sources ...), by name.
 */

json_object *
_gwHealthFrontends(gw_system_t *sys)
{
  json_object *all = json_object_new_object();

  for (int i = 0; i < sys->started_frontends; i ++)
  {
    gw_frontend_t *fe = sys->frontends + i;
    char          *text = NULL;
    json_object   *obj;

    if (fe->health && (fe->health)(sys, &text, fe->data) && text && (obj = json_tokener_parse(text)) != NULL)
      json_object_object_add(all, fe->name, obj);
    free(text);
  }

  return (all);
}


/*
 * 'health_finish()' - Answer GET /health.
 */

static void
health_finish(gw_request_t *req, void *data)
{
  gw_system_t   *sys = (gw_system_t *)data;
  gw_config_t    c;
  json_object   *root = json_object_new_object(), *spool = json_object_new_object(), *printers = json_object_new_array();
  struct statvfs vfs;
  char           path[GW_PATH_MAX + 16];
  bool           store_ok = gwStoreCheck(sys->store), spool_ok;
  const char    *text;

  _gwSystemConfigCopy(sys, &c);
  snprintf(path, sizeof(path), "%s/spool", c.state_dir);
  spool_ok = statvfs(path, &vfs) == 0;

  json_object_object_add(root, "status", json_object_new_string(store_ok && spool_ok ? "ok" : "degraded"));

  if (!gwListenerAddressListMatch(c.health_details_from, gwRequestClientAddress(req)))
  {
    /* Not an address allowed to see the details: liveness only */
    json_object_put(spool);
    json_object_put(printers);
    text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
    gwRequestRespond(req, store_ok && spool_ok ? 200 : 503, "application/json", text, strlen(text));
    json_object_put(root);
    return;
  }

  json_object_object_add(root, "version", json_object_new_string(GW_VERSION));
  json_object_object_add(root, "uptime", json_object_new_int64((int64_t)(time(NULL) - sys->start_time)));
  json_object_object_add(root, "store", json_object_new_string(store_ok ? "ok" : "error"));
  json_object_object_add(root, "schema_version", json_object_new_int(gwStoreSchemaVersion(sys->store)));
  json_object_object_add(spool, "status", json_object_new_string(spool_ok ? "ok" : "error"));
  if (spool_ok)
    json_object_object_add(spool, "free_bytes", json_object_new_int64((int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize));
  json_object_object_add(root, "spool", spool);
  gwStorePrinterIterate(sys->store, GW_DEFAULT_TENANT, count_printer, printers);
  json_object_object_add(root, "printers", printers);
  json_object_object_add(root, "held_jobs", json_object_new_int(gwStoreJobCount(sys->store, GW_DEFAULT_TENANT, 0, 1u << GW_JOB_STATE_HELD)));
  json_object_object_add(root, "office", office_status(sys));
  json_object_object_add(root, "frontends", _gwHealthFrontends(sys));

  text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
  gwRequestRespond(req, store_ok && spool_ok ? 200 : 503, "application/json", text, strlen(text));
  json_object_put(root);
}


/*
 * '_gwSystemAddGetRoute()' - Add a core GET route (no body) to the
 *                            HTTPS listener: /health, /metrics.
 */

bool
_gwSystemAddGetRoute(gw_system_t *sys, const char *path, void (*finish)(gw_request_t *req, void *data))
{
  gw_route_t route;

  memset(&route, 0, sizeof(route));
  route.method = "GET";
  route.path   = path;
  route.finish = finish;
  route.data   = sys;

  return (gwListenerAddRoute(sys->listener, &route));
}


/*
 * '_gwHealthRegister()' - Add GET /health to the listener.
 */

bool
_gwHealthRegister(gw_system_t *sys)
{
  return (_gwSystemAddGetRoute(sys, "/health", health_finish));
}


/*
 * 'cert_json()' - Expiry of a certificate file: {"not_after", "days_left"}
 *                 or {"status": "unknown"} when it cannot be read.
 */

static json_object *
cert_json(const char *certfile, time_t now)
{
  json_object *o = json_object_new_object();
  int64_t      not_after;

  if (gwTLSCertificateExpiry(certfile, &not_after))
  {
    json_object_object_add(o, "not_after", json_object_new_int64(not_after));
    json_object_object_add(o, "days_left", json_object_new_int64((not_after - (int64_t)now) / 86400));
  }
  else
    json_object_object_add(o, "status", json_object_new_string("unknown"));

  return (o);
}


/*
 * 'printer_cert()' - An ipps printer's pinned certificate (the sink keeps
 *                    it as CERTDIR/HOST.crt, the host name's characters
 *                    other than letters, digits, '-' and '.' as '_').
 */

typedef struct health_certs_s
{
  json_object *list;
  const char  *dir;
  time_t       now;
} health_certs_t;

static bool
printer_cert(const gw_printer_t *printer, void *data)
{
  health_certs_t *hc = (health_certs_t *)data;
  const char     *host = printer->uri + 7, *end;
  char            path[GW_PATH_MAX + 300], *p;
  json_object    *o;

  if (strncmp(printer->uri, "ipps://", 7) || strlen(hc->dir) + 262 >= sizeof(path))
    return (true);

  end = *host == '[' ? strchr(host, ']') : host + strcspn(host, ":/");
  if (!end)
    return (true);
  if (*host == '[')
    end ++;

  snprintf(path, sizeof(path), "%s/%.*s", hc->dir, (int)(end - host) < 255 ? (int)(end - host) : 255, host);
  for (p = path + strlen(hc->dir) + 1; *p; p ++)
  {
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
      *p = '_';
  }
  if (p[-1] != '.')
    *p++ = '.';
  snprintf(p, sizeof(path) - (size_t)(p - path), "crt");

  o = cert_json(path, hc->now);
  json_object_object_add(o, "printer", json_object_new_string(printer->name));
  json_object_array_add(hc->list, o);

  return (true);
}


/*
 * 'disk_json()' - Size and free space of the file system of a folder.
 */

static json_object *
disk_json(const char *path)
{
  json_object   *o = json_object_new_object();
  struct statvfs vfs;

  if (statvfs(path, &vfs) == 0)
  {
    json_object_object_add(o, "total_bytes", json_object_new_int64((int64_t)vfs.f_blocks * (int64_t)vfs.f_frsize));
    json_object_object_add(o, "free_bytes", json_object_new_int64((int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize));
  }
  else
    json_object_object_add(o, "status", json_object_new_string("error"));

  return (o);
}


/*
 * 'conversions_json()' - Conversions running, queued, counted and their
 *                        recent times (ms, newest first).
 */

static json_object *
conversions_json(gw_system_t *sys)
{
  json_object *o = json_object_new_object(), *recent = json_object_new_array();
  int          running = 0, queued = 0, ms[_GW_METRICS_RECENT], n;

  _gwWorkersCounts(sys->workers, &running, &queued);
  json_object_object_add(o, "running", json_object_new_int(running));
  json_object_object_add(o, "queued", json_object_new_int(queued));
  json_object_object_add(o, "ok", json_object_new_int64((int64_t)atomic_load(&sys->metrics.conversions[0])));
  json_object_object_add(o, "failed", json_object_new_int64((int64_t)atomic_load(&sys->metrics.conversions[1])));
  n = _gwMetricsRecent(&sys->metrics, ms, _GW_METRICS_RECENT);
  for (int i = 0; i < n; i ++)
    json_object_array_add(recent, json_object_new_int(ms[i]));
  json_object_object_add(o, "recent_ms", recent);

  return (o);
}


/*
 * 'released_cb()' - Add one report row to the day's sums.
 */

static bool
released_cb(const gw_report_row_t *row, void *data)
{
  gw_report_row_t *sum = (gw_report_row_t *)data;

  sum->printed     += row->printed;
  sum->failed      += row->failed;
  sum->pages       += row->pages;
  sum->color_pages += row->color_pages;
  return (true);
}


/*
 * 'released_today()' - Jobs printed and failed since midnight UTC, with
 *                      their pages, from print_usage (the rows written as
 *                      jobs print: a printed job is discarded at once
 *                      unless KeepPrintedJobs, so the jobs' "printed"
 *                      state counts only those kept for a reprint).  The
 *                      default tenant, on the print_usage_time index.
 */

static json_object *
released_today(gw_system_t *sys, time_t now)
{
  gw_report_query_t q;
  gw_report_row_t   sum;
  json_object      *o = json_object_new_object();

  memset(&q, 0, sizeof(q));
  memset(&sum, 0, sizeof(sum));
  q.by    = GW_REPORT_BY_INTAKE;
  q.since = (int64_t)(now - now % 86400);
  if (!gwStoreReport(sys->store, GW_DEFAULT_TENANT, &q, released_cb, &sum))
  {
    json_object_object_add(o, "error", json_object_new_string("store error"));
    return (o);
  }
  json_object_object_add(o, "printed", json_object_new_int64(sum.printed));
  json_object_object_add(o, "failed", json_object_new_int64(sum.failed));
  json_object_object_add(o, "pages", json_object_new_int64(sum.pages));
  json_object_object_add(o, "color_pages", json_object_new_int64(sum.color_pages));
  return (o);
}


/*
 * 'gwApiHealth()' - The health report for the admin pages and the CLI
 *                   (api.h).  Counts only: no user, no document.
 */

bool
gwApiHealth(gw_system_t *sys, const gw_actor_t *actor, char **json_r, const char **error_r)
{
  json_object      *root, *jobs, *outbox, *certs, *disk;
  gw_store_totals_t t;
  gw_config_t       c;
  health_certs_t    hc;
  char              cert[GW_PATH_MAX], key[GW_PATH_MAX], dir[GW_PATH_MAX + 16];
  time_t            now = time(NULL);

  if (!sys || !json_r || !_gwApiMay(actor, GW_RIGHT_AUDIT, error_r))
    return (false);
  if (!gwStoreTotals(sys->store, &t))
  {
    _gwApiError(error_r, "store error");
    return (false);
  }

  _gwSystemConfigCopy(sys, &c);
  root   = json_object_new_object();
  jobs   = json_object_new_object();
  outbox = json_object_new_object();
  certs  = json_object_new_object();
  disk   = json_object_new_object();

  json_object_object_add(root, "time", json_object_new_int64((int64_t)now));
  for (int s = 0; s < GW_JOB_STATE_COUNT; s ++)
    json_object_object_add(jobs, gwJobStateString((gw_job_state_t)s), json_object_new_int64(t.jobs[s]));
  json_object_object_add(root, "jobs", jobs);
  json_object_object_add(root, "released_today", released_today(sys, now));
  json_object_object_add(root, "conversions", conversions_json(sys));
  json_object_object_add(root, "frontends", _gwHealthFrontends(sys));
  json_object_object_add(root, "mail_sources", _gwMailSrcHealth(sys));
  json_object_object_add(outbox, "queued", json_object_new_int64(t.outbox_queued));
  json_object_object_add(outbox, "failed", json_object_new_int64(t.outbox_failed));
  json_object_object_add(root, "outbox", outbox);
  json_object_object_add(root, "office", office_status(sys));

  gwConfigTLSPaths(&c, cert, sizeof(cert), key, sizeof(key));
  json_object_object_add(certs, "gateway", cert_json(cert, now));
  gwConfigPrinterCertDir(&c, dir, sizeof(dir));
  hc.list = json_object_new_array();
  hc.dir  = dir;
  hc.now  = now;
  gwStorePrinterIterate(sys->store, actor->tenant, printer_cert, &hc);
  json_object_object_add(certs, "printers", hc.list);
  json_object_object_add(root, "certificates", certs);

  snprintf(dir, sizeof(dir), "%s/spool", c.state_dir);
  json_object_object_add(disk, "spool", disk_json(dir));
  json_object_object_add(disk, "spool_bytes", json_object_new_int64(t.spool_bytes));
  json_object_object_add(disk, "conversion_dir", disk_json(c.conversion_dir));
  json_object_object_add(root, "disk", disk);

  *json_r = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
  json_object_put(root);
  gwConfigWipeSecrets(&c);

  if (!*json_r)
    _gwApiError(error_r, "out of memory");

  return (*json_r != NULL);
}
