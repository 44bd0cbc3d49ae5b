/*
 * report-control.c - the control socket's "report" and "health" commands
 * (docs/cli.md): the API's usage report and health report for the
 * printgate CLI, as JSON.  Written on the public API alone.
 */

#include "control-private.h"

#include <stdlib.h>
#include <string.h>


/*
 * 'add_row()' - One report row as JSON.
 */

static bool
add_row(const gw_report_row_t *row, void *data)
{
  json_object *r = json_object_new_object();

  json_object_object_add(r, "key", json_object_new_string(row->key));
  json_object_object_add(r, "printed", json_object_new_int64(row->printed));
  json_object_object_add(r, "pages", json_object_new_int64(row->pages));
  json_object_object_add(r, "color_pages", json_object_new_int64(row->color_pages));
  json_object_object_add(r, "failed", json_object_new_int64(row->failed));
  json_object_object_add(r, "held", json_object_new_int64(row->held));
  json_object_array_add((json_object *)data, r);

  return (true);
}


/*
 * 'member()' - A member of the request, or NULL.
 */

static json_object *
member(json_object *req, const char *name)
{
  json_object *v;

  return (json_object_object_get_ex(req, name, &v) ? v : NULL);
}


/*
 * '_gwControlCmdReport()' - {"cmd":"report","by":"user","period":"month",
 *                           "since":T,"until":T} -> {"ok":true,"rows":[...]}.
 */

bool
_gwControlCmdReport(gw_client_t *cl, json_object *req)
{
  gw_report_query_t q;
  json_object      *by = member(req, "by"), *period = member(req, "period"), *since = member(req, "since"), *until = member(req, "until");
  json_object      *rows, *reply;
  const char       *error = NULL;

  memset(&q, 0, sizeof(q));
  q.period = GW_REPORT_MONTH;
  if (by && !gwReportByParse(json_object_get_string(by), &q.by))
    return (_gwControlError(cl, NULL, "--by must be user, role (or group), printer, intake or period."));
  if (period && !gwReportPeriodParse(json_object_get_string(period), &q.period))
    return (_gwControlError(cl, NULL, "--period must be day, week or month."));
  if ((since && !json_object_is_type(since, json_type_int)) || (until && !json_object_is_type(until, json_type_int)))
    return (_gwControlError(cl, NULL, "--since and --until must be dates (YYYY-MM-DD) or Unix times."));
  q.since = since ? json_object_get_int64(since) : 0;
  q.until = until ? json_object_get_int64(until) : 0;

  rows = json_object_new_array();
  if (!gwApiReport(cl->sys, &cl->as, &q, add_row, rows, &error))
  {
    json_object_put(rows);
    return (_gwControlError(cl, NULL, "Unable to make the report: %s.", error ? error : "store error"));
  }

  reply = json_object_new_object();
  json_object_object_add(reply, "ok", json_object_new_boolean(true));
  json_object_object_add(reply, "by", json_object_new_string(gwReportByString(q.by)));
  json_object_object_add(reply, "period", json_object_new_string(gwReportPeriodString(q.period)));
  json_object_object_add(reply, "rows", rows);

  return (_gwControlReply(cl, reply));
}


/*
 * '_gwControlCmdHealth()' - {"cmd":"health"} -> {"ok":true,"health":{...}}.
 */

bool
_gwControlCmdHealth(gw_client_t *cl, json_object *req)
{
  char        *text = NULL;
  const char  *error = NULL;
  json_object *reply, *health;

  (void)req;

  if (!gwApiHealth(cl->sys, &cl->as, &text, &error) || (health = json_tokener_parse(text)) == NULL)
  {
    free(text);
    return (_gwControlError(cl, NULL, "Unable to make the health report: %s.", error ? error : "internal error"));
  }
  free(text);

  reply = json_object_new_object();
  json_object_object_add(reply, "ok", json_object_new_boolean(true));
  json_object_object_add(reply, "health", health);

  return (_gwControlReply(cl, reply));
}
