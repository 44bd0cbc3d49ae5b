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

#include "system-private.h"

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
 * 'frontends_status()' - Each started front-end's own health object
 *                        (frontend.h: mail sources ...), by name.
 */

static json_object *
frontends_status(gw_system_t *sys)
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
  json_object_object_add(root, "frontends", frontends_status(sys));

  text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
  gwRequestRespond(req, store_ok && spool_ok ? 200 : 503, "application/json", text, strlen(text));
  json_object_put(root);
}


/*
 * '_gwHealthRegister()' - Add GET /health to the listener.
 */

bool
_gwHealthRegister(gw_system_t *sys)
{
  gw_route_t route;

  memset(&route, 0, sizeof(route));
  route.method = "GET";
  route.path   = "/health";
  route.finish = health_finish;
  route.data   = sys;

  return (gwListenerAddRoute(sys->listener, &route));
}
