/*
 * web-admin-rules.c - the admin console's print policy rules
 * (docs/policy.md, docs/admin.md): the page /admin/rules and the API
 * /api/v1/admin/rules: the rules in evaluation order, add a rule line (a
 * line the parser refuses is answered with its sentence, nothing stored),
 * remove one, and the dry-run "what would happen to this job".
 *
 * Admin changes; an auditor lists the rules and runs the dry-run (it
 * changes nothing); the core decides (printgate/policy.h) and audits.
 */

#include "web-private.h"

#include <printgate/policy.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


typedef struct rule_list_s      /* One listing: a page's rows or the API's array */
{
  web_req_t   *r;
  web_buf_t   *b;
  json_object *list;
  bool         admin;           /* Show the remove forms */
} rule_list_t;


/*
 * 'rule_row()' - One rule: a list item (with its remove form) or a JSON object.
 */

static bool
rule_row(const char *name, const char *line, void *data)
{
  rule_list_t *rl = (rule_list_t *)data;
  json_object *o;

  if (rl->list)
  {
    o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "line", json_object_new_string(line));
    json_object_array_add(rl->list, o);
    return (true);
  }

  _gwWebBufAdd(rl->b, "<li class=\"rule\" data-rule=\"");
  _gwWebBufAddHtml(rl->b, name);
  _gwWebBufAdd(rl->b, "\"><code class=\"rule-line\">");
  _gwWebBufAddHtml(rl->b, line);
  _gwWebBufAdd(rl->b, "</code>");
  if (rl->admin && _gwWebSafeName(name))
    _gwWebAdminButton(rl->b, rl->r, "/admin/rules", name, "delete", "Remove");
  _gwWebBufAdd(rl->b, "</li>\n");
  return (true);
}


/*
 * 'dry_run_form()' - The dry-run form.
 */

static void
dry_run_form(web_buf_t *b, web_req_t *r)
{
  _gwWebBufAdd(b, "<h2>What would happen to this job?</h2>");
  _gwWebAdminPostForm(b, r, "/admin/rules/dry-run", "dry-run");
  _gwWebBufAdd(b, "<label for=\"dr-user\">User</label><input id=\"dr-user\" name=\"user\" required>"
                  "<label for=\"dr-at\">When</label><select id=\"dr-at\" name=\"at\"><option value=\"release\">At release</option><option value=\"submit\">At submission</option></select>"
                  "<label for=\"dr-intake\">Intake</label><select id=\"dr-intake\" name=\"intake\"><option>web</option><option>ipp</option><option>mail</option><option>cli</option></select>"
                  "<label for=\"dr-format\">Format (pdf, jpeg, docx, ...)</label><input id=\"dr-format\" name=\"format\" value=\"pdf\">"
                  "<label for=\"dr-pages\">Pages</label><input id=\"dr-pages\" name=\"pages\" type=\"number\" min=\"0\" value=\"1\">"
                  "<label for=\"dr-colour\">Colour pages</label><input id=\"dr-colour\" name=\"colour_pages\" type=\"number\" min=\"0\" value=\"0\">"
                  "<label for=\"dr-printer\">Printer (release)</label><input id=\"dr-printer\" name=\"printer\">"
                  "<label for=\"dr-time\">Time (local, empty = now)</label><input id=\"dr-time\" name=\"time\" type=\"datetime-local\">"
                  "<button type=\"submit\">Dry run</button></form>");
}


/*
 * '_gwWebAdminRulesGet()' - GET /admin/rules, /api/v1/admin/rules (admin, auditor).
 */

void
_gwWebAdminRulesGet(web_req_t *r)
{
  gw_actor_t   actor;
  web_buf_t    b = { 0 };
  rule_list_t  rl = { r, &b, NULL, false };
  json_object *o;

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);
  rl.admin = gwRoleHas(actor.role, GW_RIGHT_SETTINGS);

  if (r->api)
  {
    rl.list = json_object_new_array();
    if (!gwApiRuleIterate(r->web->sys, &actor, rule_row, &rl))
    {
      json_object_put(rl.list);
      _gwWebAdminFail(r, "permission denied");
      return;
    }
    o = json_object_new_object();
    json_object_object_add(o, "rules", rl.list);
    _gwWebJson(r, 200, o);
    return;
  }

  _gwWebAdminPageBegin(&b, r, "Print policy rules");
  _gwWebBufAdd(&b, "<p>Rules are looked at in this order; the first <code>allow</code> or <code>refuse</code> that matches ends it "
                   "(docs/policy.md has the rule line).</p><ol class=\"rules\" id=\"rules\">");
  if (!gwApiRuleIterate(r->web->sys, &actor, rule_row, &rl))
  {
    _gwWebBufFree(&b);
    _gwWebAdminFail(r, "permission denied");
    return;
  }
  _gwWebBufAdd(&b, "</ol>");
  if (rl.admin)
  {
    _gwWebBufAdd(&b, "<h2>Add a rule (last)</h2>");
    _gwWebAdminPostForm(&b, r, "/admin/rules", "rule-new");
    _gwWebBufAdd(&b, "<label for=\"rule-line\">Rule line</label><input id=\"rule-line\" name=\"line\" required "
                     "placeholder=\"guests role=guest =&gt; mono quota-pages=10/day\"><button type=\"submit\">Add</button></form>");
  }
  dry_run_form(&b, r);
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/*
 * '_gwWebAdminRuleAdd()' - POST /admin/rules, /api/v1/admin/rules {line}.
 */

void
_gwWebAdminRuleAdd(web_req_t *r)
{
  gw_actor_t  actor;
  char        line[GW_POLICY_LINE_MAX + 2];
  const char *error = "a rule line is needed";
  bool        ok;

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);
  ok = _gwWebField(r, "line", line, sizeof(line)) && gwApiRuleAdd(r->web->sys, &actor, line, &error);
  _gwWebAdminDone(r, ok, error, "/admin/rules");
}


/*
 * '_gwWebAdminRuleRemove()' - POST /admin/rules/{name}/delete, DELETE /api/v1/admin/rules/{name}.
 */

void
_gwWebAdminRuleRemove(web_req_t *r)
{
  _gwWebAdminRemove(r, gwApiRuleRemove, "/admin/rules");
}


/*
 * 'number_field()' - A whole number field from 0 to max (absent = def); false when malformed.
 */

static bool
number_field(web_req_t *r, const char *name, long long max, long long def, long long *value)
{
  char  buf[32], *end;

  *value = def;
  if (!_gwWebField(r, name, buf, sizeof(buf)) || !buf[0])
    return (true);
  *value = strtoll(buf, &end, 10);
  return (!*end && *value >= 0 && *value <= max);
}


/*
 * 'time_field()' - The dry-run's time: empty = now, Unix time, or local
 *                  "YYYY-MM-DDTHH:MM" (a datetime-local field).
 */

static bool
time_field(web_req_t *r, int64_t *t)
{
  char       buf[32], *end;
  struct tm  tm;
  long long  v;

  *t = 0;
  if (!_gwWebField(r, "time", buf, sizeof(buf)) || !buf[0])
    return (true);
  v = strtoll(buf, &end, 10);
  if (!*end)
  {
    *t = v;
    return (v > 0);
  }

  memset(&tm, 0, sizeof(tm));
  if ((end = strptime(buf, "%Y-%m-%dT%H:%M", &tm)) == NULL || (*end && *end != ':'))
    return (false);
  tm.tm_isdst = -1;
  *t = (int64_t)mktime(&tm);
  return (*t > 0);
}


/*
 * 'dry_run_answer()' - The decision as JSON or as a page.
 */

static void
dry_run_answer(web_req_t *r, const gw_policy_decision_t *d)
{
  json_object *o, *quotas;
  web_buf_t    b = { 0 };

  if (r->api)
  {
    o = json_object_new_object();
    json_object_object_add(o, "allowed", json_object_new_boolean(d->allowed));
    json_object_object_add(o, "reason", json_object_new_string(d->reason == GW_REASON_NONE ? "none" : gwReasonCode(d->reason)));
    json_object_object_add(o, "rule", json_object_new_string(d->rule));
    json_object_object_add(o, "mono", json_object_new_boolean(d->force_mono));
    json_object_object_add(o, "duplex", json_object_new_boolean(d->force_duplex));
    json_object_object_add(o, "watermark", json_object_new_boolean(d->watermark));
    json_object_object_add(o, "max_pages", json_object_new_int(d->max_pages));
    json_object_object_add(o, "retention", json_object_new_int64(d->retention));
    json_object_object_add(o, "matched", json_object_new_int(d->matched));
    json_object_object_add(o, "text", json_object_new_string(d->text));
    quotas = json_object_new_array();
    for (int i = 0; i < d->num_quotas && i < GW_POLICY_QUOTAS_MAX; i ++)
    {
      json_object *q = json_object_new_object();

      json_object_object_add(q, "rule", json_object_new_string(d->quotas[i].rule));
      json_object_object_add(q, "colour", json_object_new_boolean(d->quotas[i].color));
      json_object_object_add(q, "limit", json_object_new_int(d->quotas[i].limit));
      json_object_object_add(q, "used", json_object_new_int(d->quotas[i].used));
      json_object_object_add(q, "remaining", json_object_new_int(d->quotas[i].remaining));
      json_object_array_add(quotas, q);
    }
    json_object_object_add(o, "quotas", quotas);
    _gwWebJson(r, 200, o);
    return;
  }

  _gwWebAdminPageBegin(&b, r, "Dry run");
  _gwWebBufAddf(&b, "<p id=\"dry-run-decision\" class=\"%s\">%s</p><p id=\"dry-run-rule\">", d->allowed ? "ok" : "error",
                d->allowed ? "Allowed" : "Refused");
  _gwWebBufAddHtml(&b, d->rule[0] ? d->rule : "");
  _gwWebBufAdd(&b, "</p><p id=\"dry-run-text\">");
  _gwWebBufAddHtml(&b, d->text[0] ? d->text : "No rule changes this job.");
  _gwWebBufAddf(&b, "</p><ul id=\"dry-run-changes\"><li>mono: %s</li><li>duplex: %s</li><li>watermark: %s</li><li>page cap: %d</li><li>rules matched: %d</li>",
                d->force_mono ? "yes" : "no", d->force_duplex ? "yes" : "no", d->watermark ? "yes" : "no", d->max_pages, d->matched);
  for (int i = 0; i < d->num_quotas && i < GW_POLICY_QUOTAS_MAX; i ++)
  {
    _gwWebBufAdd(&b, "<li class=\"quota\">quota (rule ");
    _gwWebBufAddHtml(&b, d->quotas[i].rule);
    _gwWebBufAddf(&b, "): %d of %d %s left</li>", d->quotas[i].remaining, d->quotas[i].limit, d->quotas[i].color ? "colour pages" : "pages");
  }
  _gwWebBufAdd(&b, "</ul><p><a href=\"/admin/rules\">Back to the rules</a></p>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/*
 * '_gwWebAdminRuleDryRun()' - POST /admin/rules/dry-run,
 *                             /api/v1/admin/rules/dry-run {user, at,
 *                             intake, format, size, pages, colour_pages,
 *                             color_mode, printer, time}.
 */

void
_gwWebAdminRuleDryRun(web_req_t *r)
{
  gw_actor_t           actor;
  gw_policy_job_t      job;
  gw_policy_decision_t d;
  char                 user[128], at[16], intake[16], format[64], mode[16], printer[128];
  long long            pages, colour, size;
  const char          *error = NULL;

  if (!_gwWebAdminGate(r))
    return;
  _gwWebActor(r, &actor);

  memset(&job, 0, sizeof(job));
  if (!_gwWebField(r, "user", user, sizeof(user)) || !number_field(r, "pages", 100000, 1, &pages) ||
      !number_field(r, "colour_pages", 100000, 0, &colour) || !number_field(r, "size", INT64_MAX / 2, 0, &size) ||
      !time_field(r, &job.time))
  {
    _gwWebError(r, 400, "bad-request", "A user is needed; pages, colour pages and size are whole numbers of 0 or more, and the time a date and time.");
    return;
  }
  job.phase       = _gwWebField(r, "at", at, sizeof(at)) && !strcmp(at, "submit") ? GW_POLICY_SUBMIT : GW_POLICY_RELEASE;
  job.user        = user;
  job.intake      = _gwWebField(r, "intake", intake, sizeof(intake)) && intake[0] ? intake : "web";
  job.format      = _gwWebField(r, "format", format, sizeof(format)) && format[0] ? format : NULL;
  job.color_mode  = _gwWebField(r, "color_mode", mode, sizeof(mode)) && mode[0] ? mode : NULL;
  job.printer     = _gwWebField(r, "printer", printer, sizeof(printer)) && printer[0] ? printer : NULL;
  job.pages       = (int)pages;
  job.color_pages = (int)colour;
  job.size        = (int64_t)size;

  if (!gwApiPolicyDryRun(r->web->sys, &actor, &job, &d, &error))
  {
    _gwWebAdminFail(r, error);
    return;
  }
  dry_run_answer(r, &d);
}
