/*
 * policy-control.c - the control socket's print-policy commands (the
 * `printgate rule|group|delegate|quota|printer tags` CLI; docs/cli.md,
 * docs/policy.md).  Each reply carries, besides its data, "text": what
 * the CLI prints.  Every command acts as the socket's peer (an admin)
 * through the API of policy.h, which checks and audits.
 */

#include "control-private.h"
#include "printgate/policy.h"
#include "printgate/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef bool (*policy_fn_t)(gw_client_t *cl, json_object *req, json_object *reply, gw_buffer_t *text, bool *keep);
/* A command returns true with its data in reply and text, or false after
 * replying with an error: *keep then gets _gwControlError()'s result. */


/*
 * 'arg()' - A string member of the request, or NULL.
 */

static const char *
arg(json_object *req, const char *name)
{
  json_object *v;

  return (json_object_object_get_ex(req, name, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL);
}


/*
 * 'num()' - An integer member of the request, or def.
 */

static int64_t
num(json_object *req, const char *name, int64_t def)
{
  json_object *v;

  return (json_object_object_get_ex(req, name, &v) && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : def);
}


/*
 * 'add_pair()' - gw_policy_name_cb_t: a pair into the reply's array and text.
 */

typedef struct pairs_s
{
  json_object *array;
  gw_buffer_t *text;
  const char  *k1, *k2, *sep;   /* Text line: A SEP B, or B alone when sep is NULL */
} pairs_t;

static bool
add_pair(const char *a, const char *b, void *data)
{
  pairs_t     *p = (pairs_t *)data;
  json_object *o = json_object_new_object();

  json_object_object_add(o, p->k1, json_object_new_string(a));
  json_object_object_add(o, p->k2, json_object_new_string(b));
  json_object_array_add(p->array, o);
  if (p->sep)
    gwBufferAddf(p->text, "%-24s%s%s\n", a, p->sep, b);
  else
    gwBufferAddf(p->text, "%s\n", b);

  return (true);
}


/*
 * 'list_pairs()' - Hand a listing to add_pair() under reply[key].
 */

static bool
list_pairs(gw_client_t *cl, bool *keep, json_object *reply, gw_buffer_t *text, const char *key, const char *k1, const char *k2, const char *sep, bool (*iter)(gw_policy_name_cb_t, void *, void *), void *ctx)
{
  pairs_t p = { json_object_new_array(), text, k1, k2, sep };
  bool    ok = (iter)(add_pair, &p, ctx);

  json_object_object_add(reply, key, p.array);
  if (!ok)
    *keep = _gwControlError(cl, NULL, "Unable to list the %s.", key);

  return (ok);
}


/* ---- rules ------------------------------------------------------------------------ */

static bool
iter_rules(gw_policy_name_cb_t cb, void *data, void *ctx)
{
  gw_client_t *cl = (gw_client_t *)ctx;

  return (gwApiRuleIterate(cl->sys, &cl->as, cb, data));
}

static bool
cmd_rule_list(gw_client_t *cl, json_object *req, json_object *reply, gw_buffer_t *text, bool *keep)
{
  (void)req;
  return (list_pairs(cl, keep, reply, text, "rules", "name", "line", NULL, iter_rules, cl));
}

static bool
cmd_rule_add(gw_client_t *cl, json_object *req, json_object *reply, gw_buffer_t *text, bool *keep)
{
  const char *error = NULL;

  (void)reply;
  if (!gwApiRuleAdd(cl->sys, &cl->as, arg(req, "line"), &error))
    return (*keep = _gwControlError(cl, NULL, "Unable to add the rule: %s.", error ? error : "refused"), false);

  gwBufferAddf(text, "Rule added.\n");
  return (true);
}

static bool
cmd_rule_remove(gw_client_t *cl, json_object *req, json_object *reply, gw_buffer_t *text, bool *keep)
{
  const char *error = NULL, *name = arg(req, "name");

  (void)reply;
  if (!gwApiRuleRemove(cl->sys, &cl->as, name, &error))
    return (*keep = _gwControlError(cl, NULL, "Unable to remove rule \"%s\": %s.", name ? name : "", error ? error : "refused"), false);

  gwBufferAddf(text, "Rule %s removed.\n", name);
  return (true);
}

static bool
cmd_rule_load(gw_client_t *cl, json_object *req, json_object *reply, gw_buffer_t *text, bool *keep)
{
  const char *error = NULL, *file = arg(req, "text");
  int         count = 0, line = 0;

  if (!gwApiRuleLoad(cl->sys, &cl->as, file, file ? strlen(file) : 0, &count, &line, &error))
  {
    if (line > 0)
      return (*keep = _gwControlError(cl, NULL, "Rule file refused, nothing changed: line %d: %s.", line, error ? error : "invalid"), false);
    return (*keep = _gwControlError(cl, NULL, "Rule file refused, nothing changed: %s.", error ? error : "invalid"), false);
  }

  json_object_object_add(reply, "count", json_object_new_int(count));
  gwBufferAddf(text, "%d rule(s) loaded.\n", count);
  return (true);
}


/*
 * 'quotas_json()' - Quotas into reply["quotas"] and the text.
 */

static void
quotas_json(const gw_policy_quota_t *q, int n, json_object *reply, gw_buffer_t *text)
{
  json_object *array = json_object_new_array();
  static const char * const periods[] = { "day", "week", "month" };

  for (int i = 0; i < n; i ++, q ++)
  {
    json_object *o = json_object_new_object();

    json_object_object_add(o, "rule", json_object_new_string(q->rule));
    json_object_object_add(o, "group", json_object_new_string(q->group));
    json_object_object_add(o, "kind", json_object_new_string(q->color ? "colour-pages" : "pages"));
    json_object_object_add(o, "period", json_object_new_string(periods[q->period]));
    json_object_object_add(o, "limit", json_object_new_int(q->limit));
    json_object_object_add(o, "used", json_object_new_int(q->used));
    json_object_object_add(o, "remaining", json_object_new_int(q->remaining));
    json_object_array_add(array, o);
    gwBufferAddf(text, "%s: %d of %d %s left this %s%s%s (rule %s)\n", q->group[0] ? "group" : "user", q->remaining, q->limit, q->color ? "colour page(s)" : "page(s)", periods[q->period], q->group[0] ? ", shared by " : "", q->group, q->rule);
  }
  json_object_object_add(reply, "quotas", array);
}

static bool
cmd_rule_dry_run(gw_client_t *cl, json_object *req, json_object *reply, gw_buffer_t *text, bool *keep)
{
  gw_policy_job_t      job;
  gw_policy_decision_t d;
  const char          *error = NULL, *at = arg(req, "at");

  memset(&job, 0, sizeof(job));
  job.phase       = at && !strcmp(at, "submit") ? GW_POLICY_SUBMIT : GW_POLICY_RELEASE;
  job.user        = arg(req, "user");
  job.intake      = arg(req, "intake");
  job.format      = arg(req, "format");
  job.size        = num(req, "size", 0);
  job.pages       = (int)num(req, "pages", 1);
  job.color_pages = (int)num(req, "color_pages", 0);
  job.color_mode  = arg(req, "color_mode");
  job.printer     = arg(req, "printer");
  job.time        = num(req, "time", 0);
  if ((at && strcmp(at, "submit") && strcmp(at, "release")) || job.pages > 1000000 || job.color_pages > 1000000)
    return (*keep = _gwControlError(cl, NULL, "Dry-run: --at takes submit or release, pages at most 1000000."), false);

  if (!gwApiPolicyDryRun(cl->sys, &cl->as, &job, &d, &error))
    return (*keep = _gwControlError(cl, NULL, "Dry-run refused: %s.", error ? error : "refused"), false);

  json_object_object_add(reply, "allowed", json_object_new_boolean(d.allowed));
  json_object_object_add(reply, "reason", json_object_new_string(gwReasonCode(d.reason)));
  json_object_object_add(reply, "rule", json_object_new_string(d.rule));
  json_object_object_add(reply, "matched", json_object_new_int(d.matched));
  json_object_object_add(reply, "mono", json_object_new_boolean(d.force_mono));
  json_object_object_add(reply, "duplex", json_object_new_boolean(d.force_duplex));
  json_object_object_add(reply, "watermark", json_object_new_boolean(d.watermark));
  json_object_object_add(reply, "max_pages", json_object_new_int(d.max_pages));
  json_object_object_add(reply, "retention", json_object_new_int64(d.retention));
  json_object_object_add(reply, "sentence", json_object_new_string(d.text));
  gwBufferAddf(text, "%s%s%s\n", d.allowed ? "allowed" : "refused", d.text[0] ? ": " : "", d.text);
  quotas_json(d.quotas, d.num_quotas, reply, text);

  return (true);
}


/* ---- groups, printer tags, delegates, quotas ----------------------------------------- */

static bool
iter_groups(gw_policy_name_cb_t cb, void *data, void *ctx)
{
  gw_client_t *cl = (gw_client_t *)ctx;

  return (gwApiGroupIterate(cl->sys, &cl->as, cb, data));
}

static bool
cmd_group_list(gw_client_t *cl, json_object *req, json_object *reply, gw_buffer_t *text, bool *keep)
{
  (void)req;
  return (list_pairs(cl, keep, reply, text, "groups", "group", "member", " ", iter_groups, cl));
}

static bool
cmd_group_add(gw_client_t *cl, json_object *req, json_object *reply, gw_buffer_t *text, bool *keep)
{
  const char *error = NULL, *name = arg(req, "name");

  (void)reply;
  if (!gwApiGroupAdd(cl->sys, &cl->as, name, &error))
    return (*keep = _gwControlError(cl, NULL, "Unable to add group \"%s\": %s.", name ? name : "", error ? error : "refused"), false);

  gwBufferAddf(text, "Group %s added.\n", name);
  return (true);
}

static bool
cmd_group_member(gw_client_t *cl, json_object *req, json_object *reply, gw_buffer_t *text, bool *keep)
{
  const char *error = NULL, *group = arg(req, "group"), *user = arg(req, "user");
  bool        remove = num(req, "remove", 0) != 0;

  (void)reply;
  if (!gwApiGroupMember(cl->sys, &cl->as, group, user, !remove, &error))
    return (*keep = _gwControlError(cl, NULL, "Unable to %s \"%s\" %s group \"%s\": %s.", remove ? "remove" : "add", user ? user : "", remove ? "from" : "to", group ? group : "", error ? error : "refused"), false);

  gwBufferAddf(text, "%s %s group %s.\n", user, remove ? "removed from" : "added to", group);
  return (true);
}

static bool
cmd_printer_tags(gw_client_t *cl, json_object *req, json_object *reply, gw_buffer_t *text, bool *keep)
{
  const char *error = NULL, *name = arg(req, "name"), *tags = arg(req, "tags");
  char        now[1024];

  if (tags && !gwApiPrinterTagsSet(cl->sys, &cl->as, name, tags, &error))
    return (*keep = _gwControlError(cl, NULL, "Unable to tag printer \"%s\": %s.", name ? name : "", error ? error : "refused"), false);
  if (!gwApiPrinterTagsGet(cl->sys, &cl->as, name, now, sizeof(now)))
    return (*keep = _gwControlError(cl, NULL, "No printer \"%s\".", name ? name : ""), false);

  json_object_object_add(reply, "tags", json_object_new_string(now));
  gwBufferAddf(text, "%s\n", now);
  return (true);
}

static bool
cmd_delegate_set(gw_client_t *cl, json_object *req, json_object *reply, gw_buffer_t *text, bool *keep)
{
  const char *error = NULL, *owner = arg(req, "owner"), *delegate = arg(req, "delegate");
  bool        remove = num(req, "remove", 0) != 0;

  (void)reply;
  if (!gwApiDelegateSet(cl->sys, &cl->as, owner, delegate, !remove, &error))
    return (*keep = _gwControlError(cl, NULL, "Unable to %s delegate \"%s\" for \"%s\": %s.", remove ? "remove" : "add", delegate ? delegate : "", owner ? owner : "", error ? error : "refused"), false);

  gwBufferAddf(text, "%s %s release the jobs of %s.\n", delegate, remove ? "may no longer" : "may", owner);
  return (true);
}

typedef struct delegate_ctx_s
{
  gw_client_t *cl;
  const char  *user;
} delegate_ctx_t;

static bool
iter_delegates(gw_policy_name_cb_t cb, void *data, void *ctx)
{
  delegate_ctx_t *d = (delegate_ctx_t *)ctx;

  return (gwApiDelegateIterate(d->cl->sys, &d->cl->as, d->user, cb, data));
}

static bool
cmd_delegate_list(gw_client_t *cl, json_object *req, json_object *reply, gw_buffer_t *text, bool *keep)
{
  delegate_ctx_t d = { cl, arg(req, "user") };

  return (list_pairs(cl, keep, reply, text, "delegates", "owner", "delegate", " may be released by ", iter_delegates, &d));
}

static bool
cmd_quota_show(gw_client_t *cl, json_object *req, json_object *reply, gw_buffer_t *text, bool *keep)
{
  gw_policy_quota_t q[GW_POLICY_QUOTAS_MAX];
  const char       *user = arg(req, "user");
  int               n = gwApiPolicyQuotas(cl->sys, &cl->as, user, q, GW_POLICY_QUOTAS_MAX);

  if (n < 0)
    return (*keep = _gwControlError(cl, NULL, "No user \"%s\".", user ? user : ""), false);
  if (n == 0)
    gwBufferAddf(text, "No quota applies to %s.\n", user);
  quotas_json(q, n, reply, text);

  return (true);
}


static const struct
{
  const char  *name;
  policy_fn_t  fn;
} commands[] =
{
  { "delegate.add",    cmd_delegate_set },
  { "delegate.list",   cmd_delegate_list },
  { "delegate.remove", cmd_delegate_set },
  { "group.add",       cmd_group_add },
  { "group.list",      cmd_group_list },
  { "group.member",    cmd_group_member },
  { "printer.tags",    cmd_printer_tags },
  { "quota.show",      cmd_quota_show },
  { "rule.add",        cmd_rule_add },
  { "rule.dry-run",    cmd_rule_dry_run },
  { "rule.list",       cmd_rule_list },
  { "rule.load",       cmd_rule_load },
  { "rule.remove",     cmd_rule_remove }
};


/*
 * '_gwPolicyControlDispatch()' - Run a policy command.  false when cmd is
 *                                not one (the caller goes on); else true
 *                                with *result_r = the reply's outcome.
 */

bool
_gwPolicyControlDispatch(gw_client_t *cl, const char *cmd, json_object *req, bool *result_r)
{
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i ++)
  {
    if (!strcmp(cmd, commands[i].name))
    {
      json_object *reply = json_object_new_object();
      gw_buffer_t  text;

      memset(&text, 0, sizeof(text));
      bool         keep = true;

      if ((commands[i].fn)(cl, req, reply, &text, &keep))
      {
        gwBufferAdd(&text, "", 1);
        json_object_object_add(reply, "ok", json_object_new_boolean(true));
        json_object_object_add(reply, "text", json_object_new_string(text.data && !text.failed ? text.data : ""));
        *result_r = _gwControlReply(cl, reply);
      }
      else
      {
        json_object_put(reply);
        *result_r = keep;               /* The error reply went out */
      }
      free(text.data);
      return (true);
    }
  }

  return (false);
}
