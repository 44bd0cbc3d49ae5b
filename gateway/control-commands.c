/*
 * control-commands.c - what each control-socket command does.  Every
 * command takes a JSON object and answers one JSON object with "ok".
 * docs/cli.md documents them as the printgate CLI exposes them.
 *
 * Written on the public front-end API alone (printgate/api.h): every
 * command acts as the socket's peer (an admin actor "cli:USER" from
 * "control:cli:USER"), and the API checks, writes and audits.
 */

#include "control-private.h"
#include "printgate/outbox.h"
#include "printgate/profile.h"
#include "printgate/frontend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef bool (*command_fn_t)(gw_client_t *cl, json_object *req);


/*
 * 'get_string()' - A string member, or NULL.
 */

static const char *
get_string(json_object *req, const char *name)
{
  json_object *v;

  if (!json_object_object_get_ex(req, name, &v) || !json_object_is_type(v, json_type_string))
    return (NULL);

  return (json_object_get_string(v));
}


/*
 * 'get_int()' - An integer member, or def.
 */

static int64_t
get_int(json_object *req, const char *name, int64_t def)
{
  json_object *v;

  if (!json_object_object_get_ex(req, name, &v) || !json_object_is_type(v, json_type_int))
    return (def);

  return (json_object_get_int64(v));
}


/*
 * 'ok_reply()' - A new {"ok":true} object.
 */

static json_object *
ok_reply(void)
{
  json_object *reply = json_object_new_object();

  json_object_object_add(reply, "ok", json_object_new_boolean(true));
  return (reply);
}


/*
 * 'job_json()' - A job as JSON (metadata only).
 */

static json_object *
job_json(const gw_job_t *job)
{
  json_object *j = json_object_new_object();

  json_object_object_add(j, "id", json_object_new_string(job->id));
  json_object_object_add(j, "owner", json_object_new_string(job->owner));
  json_object_object_add(j, "name", json_object_new_string(job->name));
  json_object_object_add(j, "origin", json_object_new_string(job->origin));
  json_object_object_add(j, "state", json_object_new_string(gwJobStateString(job->state)));
  json_object_object_add(j, "reason", json_object_new_string(gwReasonCode(job->reason)));
  json_object_object_add(j, "reason_text", json_object_new_string(job->reason_text));
  json_object_object_add(j, "format", json_object_new_string(job->format));
  json_object_object_add(j, "pages", json_object_new_int(job->pages));
  json_object_object_add(j, "color_pages", json_object_new_int(job->color_pages));
  json_object_object_add(j, "copies", json_object_new_int(job->copies));
  json_object_object_add(j, "sides", json_object_new_string(job->sides));
  json_object_object_add(j, "color_mode", json_object_new_string(job->color_mode));
  json_object_object_add(j, "page_ranges", json_object_new_string(job->page_ranges));
  json_object_object_add(j, "number_up", json_object_new_int(job->number_up));
  json_object_object_add(j, "size", json_object_new_int64(job->size));
  json_object_object_add(j, "number", json_object_new_int(job->number));
  json_object_object_add(j, "created", json_object_new_int64(job->created));
  json_object_object_add(j, "expires", json_object_new_int64(job->expires));
  json_object_object_add(j, "printer", json_object_new_string(job->printer));
  json_object_object_add(j, "print_count", json_object_new_int(job->print_count));

  return (j);
}


/*
 * Streamed lists: a reply with thousands of jobs or audit rows is written
 * element by element as the store hands them over, so the daemon never
 * builds the whole list in memory.
 */

typedef struct stream_s
{
  gw_client_t *cl;
  bool         first;       /* No element written yet */
  bool         ok;          /* All writes succeeded */
} stream_t;


/*
 * 'stream_begin()' - Write {"ok":true,"NAME":[ .
 */

static void
stream_begin(stream_t *st, gw_client_t *cl, const char *name)
{
  char head[64];

  snprintf(head, sizeof(head), "{\"ok\":true,\"%s\":[", name);
  st->cl    = cl;
  st->first = true;
  st->ok    = gwWriteAll(cl->fd, head, strlen(head));
}


/*
 * 'stream_add()' - Write one element (and release it).
 */

static bool
stream_add(stream_t *st, json_object *element)
{
  const char *text = json_object_to_json_string_ext(element, JSON_C_TO_STRING_PLAIN);

  if (st->ok)
    st->ok = (st->first || gwWriteAll(st->cl->fd, ",", 1)) && gwWriteAll(st->cl->fd, text, strlen(text));
  st->first = false;
  json_object_put(element);

  return (st->ok);
}


/*
 * 'stream_end()' - Close the array and the reply line.
 */

static bool
stream_end(stream_t *st)
{
  return (st->ok && gwWriteAll(st->cl->fd, "]}\n", 3));
}


/* ---- status ------------------------------------------------------------- */

static bool
cmd_status(gw_client_t *cl, json_object *req)
{
  json_object *reply = ok_reply();

  json_object_object_add(reply, "version", json_object_new_string(GW_VERSION));
  json_object_object_add(reply, "users", json_object_new_int(gwApiUserCount(cl->sys, &cl->as)));
  json_object_object_add(reply, "held_jobs", json_object_new_int(gwApiJobCount(cl->sys, &cl->as, NULL, 1u << GW_JOB_STATE_HELD)));
  if (gwApiHttpsPort(cl->sys) > 0)
    json_object_object_add(reply, "https_port", json_object_new_int(gwApiHttpsPort(cl->sys)));
  if (gwApiPlainPort(cl->sys) > 0)
    json_object_object_add(reply, "plain_port", json_object_new_int(gwApiPlainPort(cl->sys)));

  return (_gwControlReply(cl, reply));
}


/* ---- users and addresses ------------------------------------------------ */

static bool
cmd_user_add(gw_client_t *cl, json_object *req)
{
  const char *name = get_string(req, "name"), *email = get_string(req, "email"), *display = get_string(req, "display"), *role_s = get_string(req, "role");
  const char *error = NULL;
  gw_role_t   role = GW_ROLE_USER;
  int64_t     id;
  json_object *reply;

  if (!name)
    return (_gwControlError(cl, NULL, "A user name is needed."));
  if (role_s && !gwRoleParse(role_s, &role))
    return (_gwControlError(cl, NULL, "The role must be user, admin, guest, helpdesk or auditor."));

  if (!gwApiUserAdd(cl->sys, &cl->as, name, display, role, &id, &error))
    return (_gwControlError(cl, NULL, "Unable to add user \"%s\": %s.", name, error ? error : "store error"));

  if (email && !gwApiAddressAdd(cl->sys, &cl->as, name, email, &error))
    return (_gwControlError(cl, NULL, "User \"%s\" was added, but not the address \"%s\": %s.", name, email, error ? error : "store error"));

  reply = ok_reply();
  json_object_object_add(reply, "id", json_object_new_int64(id));
  return (_gwControlReply(cl, reply));
}


static bool
add_address(const gw_address_t *addr, void *data)
{
  static const char * const states[] = { "pending", "verified", "revoked" };
  json_object *a = json_object_new_object();

  json_object_object_add(a, "user", json_object_new_string(addr->user_name));
  json_object_object_add(a, "address", json_object_new_string(addr->address));
  json_object_object_add(a, "state", json_object_new_string(states[addr->state]));
  json_object_object_add(a, "verified_by", json_object_new_string(addr->verified_by));
  json_object_object_add(a, "verified_at", json_object_new_int64(addr->verified_at));
  json_object_array_add((json_object *)data, a);

  return (true);
}


typedef struct user_list_s
{
  gw_client_t *cl;
  json_object *array;
} user_list_t;

static bool
add_user(const gw_user_t *user, void *data)
{
  user_list_t *ul = (user_list_t *)data;
  json_object *u = json_object_new_object(), *addrs = json_object_new_array();

  json_object_object_add(u, "name", json_object_new_string(user->name));
  json_object_object_add(u, "display_name", json_object_new_string(user->display_name));
  json_object_object_add(u, "role", json_object_new_string(gwRoleString(user->role)));
  json_object_object_add(u, "disabled", json_object_new_boolean(user->disabled));
  gwApiAddressIterate(ul->cl->sys, &ul->cl->as, user->name, add_address, addrs);
  json_object_object_add(u, "addresses", addrs);
  json_object_array_add(ul->array, u);

  return (true);
}


static bool
cmd_user_list(gw_client_t *cl, json_object *req)
{
  json_object *reply = ok_reply();
  user_list_t  ul = { cl, json_object_new_array() };

  gwApiUserIterate(cl->sys, &cl->as, 0, 0, add_user, &ul);
  json_object_object_add(reply, "users", ul.array);

  return (_gwControlReply(cl, reply));
}


static bool
cmd_user_password(gw_client_t *cl, json_object *req)
{
  const char *name = get_string(req, "name"), *error = NULL;
  gw_user_t   user;
  char        password[64];
  json_object *reply;

  if (!name || !gwApiUserFind(cl->sys, &cl->as, name, &user))
    return (_gwControlError(cl, NULL, "No user \"%s\".", name ? name : ""));

  if (!gwApiUserSetPassword(cl->sys, &cl->as, user.name, NULL, password, sizeof(password), &error))
  {
    gwWipe(password, sizeof(password));
    return (_gwControlError(cl, NULL, "Unable to set a new password."));
  }
  reply = ok_reply();
  json_object_object_add(reply, "password", json_object_new_string(password));
  gwWipe(password, sizeof(password));

  return (_gwControlReply(cl, reply));
}


/*
 * 'cmd_user_role()' - user.role {name, role}: give a user a role (admin
 *                     console roles included; docs/admin.md).
 */

static bool
cmd_user_role(gw_client_t *cl, json_object *req)
{
  const char *name = get_string(req, "name"), *role_s = get_string(req, "role"), *error = NULL;
  gw_user_t   user;
  gw_role_t   role;

  if (!name || !gwApiUserFind(cl->sys, &cl->as, name, &user))
    return (_gwControlError(cl, NULL, "No user \"%s\".", name ? name : ""));
  if (!role_s || !gwRoleParse(role_s, &role))
    return (_gwControlError(cl, NULL, "The role must be user, admin, guest, helpdesk or auditor."));
  if (!gwApiUserEdit(cl->sys, &cl->as, user.name, NULL, role, user.disabled, &error))
    return (_gwControlError(cl, NULL, "Unable to change the role of \"%s\": %s.", user.name, error ? error : "store error"));

  return (_gwControlReply(cl, ok_reply()));
}


/*
 * 'cmd_user_factor_reset()' - user.factor-reset {name}: forget a user's
 *                             second factor (a lost phone; docs/admin.md).
 */

static bool
cmd_user_factor_reset(gw_client_t *cl, json_object *req)
{
  const char *name = get_string(req, "name"), *error = NULL;

  if (!name || !gwApiAdminFactorReset(cl->sys, &cl->as, name, &error))
    return (_gwControlError(cl, NULL, "Unable to reset the second factor of \"%s\": %s.", name ? name : "", error ? error : "store error"));

  return (_gwControlReply(cl, ok_reply()));
}


static bool
cmd_alias_add(gw_client_t *cl, json_object *req)
{
  const char *name = get_string(req, "user"), *alias = get_string(req, "alias"), *error = NULL;
  gw_user_t   user;

  if (!name || !alias || !gwApiUserFind(cl->sys, &cl->as, name, &user))
    return (_gwControlError(cl, NULL, "No user \"%s\".", name ? name : ""));
  if (!gwApiAliasAdd(cl->sys, &cl->as, user.name, alias, &error))
    return (_gwControlError(cl, NULL, "Unable to add alias \"%s\": %s.", alias, error ? error : "store error"));
  return (_gwControlReply(cl, ok_reply()));
}


static bool
cmd_address_add(gw_client_t *cl, json_object *req)
{
  const char *name = get_string(req, "user"), *address = get_string(req, "address"), *error = NULL;
  gw_user_t   user;

  if (!name || !address || !gwApiUserFind(cl->sys, &cl->as, name, &user))
    return (_gwControlError(cl, NULL, "No user \"%s\".", name ? name : ""));
  if (!gwApiAddressAdd(cl->sys, &cl->as, user.name, address, &error))
    return (_gwControlError(cl, NULL, "Unable to add address \"%s\": %s.", address, error ? error : "store error"));
  return (_gwControlReply(cl, ok_reply()));
}


static bool
set_address_state(gw_client_t *cl, json_object *req, gw_address_state_t state)
{
  const char  *address = get_string(req, "address"), *error = NULL;
  gw_address_t addr;

  if (!address || !gwApiAddressFind(cl->sys, &cl->as, address, &addr))
    return (_gwControlError(cl, NULL, "No address \"%s\" on this gateway.", address ? address : ""));
  if (!gwApiAddressSetState(cl->sys, &cl->as, address, state, &error))
    return (_gwControlError(cl, NULL, "Unable to change \"%s\": %s.", address, error ? error : "store error"));

  return (_gwControlReply(cl, ok_reply()));
}

static bool cmd_address_verify(gw_client_t *cl, json_object *req) { return (set_address_state(cl, req, GW_ADDRESS_VERIFIED)); }
static bool cmd_address_revoke(gw_client_t *cl, json_object *req) { return (set_address_state(cl, req, GW_ADDRESS_REVOKED)); }


/*
 * 'cmd_address_confirm()' - A verification code (a mail reply's): the
 *                           address becomes verified and its user's
 *                           quarantined mail jobs held (gwApiTokenConfirm).
 */

static bool
cmd_address_confirm(gw_client_t *cl, json_object *req)
{
  const char  *token = get_string(req, "token"), *error = NULL;
  gw_address_t addr;

  if (!token || !gwApiTokenConfirm(cl->sys, &cl->as, token, &addr, &error))
    return (_gwControlError(cl, NULL, "Unable to confirm: %s.", error ? error : "no code"));

  return (_gwControlReply(cl, ok_reply()));
}


static bool
cmd_address_list(gw_client_t *cl, json_object *req)
{
  const char  *name = get_string(req, "user");
  gw_user_t    user;
  json_object *reply, *array;

  if (name && !gwApiUserFind(cl->sys, &cl->as, name, &user))
    return (_gwControlError(cl, NULL, "No user \"%s\".", name));

  reply = ok_reply();
  array = json_object_new_array();
  gwApiAddressIterate(cl->sys, &cl->as, name ? user.name : NULL, add_address, array);
  json_object_object_add(reply, "addresses", array);

  return (_gwControlReply(cl, reply));
}


/* ---- printers ------------------------------------------------------------- */

static bool
cmd_printer_add(gw_client_t *cl, json_object *req)
{
  const char *name = get_string(req, "name"), *uri = get_string(req, "uri"), *location = get_string(req, "location"), *error = NULL;

  if (!name || !uri)
    return (_gwControlError(cl, NULL, "A printer name and URI are needed."));
  if (!gwApiPrinterUriSupported(cl->sys, uri))
    return (_gwControlError(cl, NULL, "Unsupported printer URI \"%s\": use ipp://, ipps:// or cups://HOST:PORT/QUEUE.", uri));
  if (!gwApiPrinterAdd(cl->sys, &cl->as, name, uri, location, &error))
    return (_gwControlError(cl, NULL, "Unable to add printer \"%s\": %s.", name, error ? error : "store error"));
  return (_gwControlReply(cl, ok_reply()));
}


static bool
add_printer(const gw_printer_t *printer, void *data)
{
  json_object *p = json_object_new_object();

  json_object_object_add(p, "name", json_object_new_string(printer->name));
  json_object_object_add(p, "uri", json_object_new_string(printer->uri));
  json_object_object_add(p, "location", json_object_new_string(printer->location));
  json_object_object_add(p, "enabled", json_object_new_boolean(printer->enabled));
  json_object_array_add((json_object *)data, p);

  return (true);
}


static bool
cmd_printer_list(gw_client_t *cl, json_object *req)
{
  json_object *reply = ok_reply(), *array = json_object_new_array();

  gwApiPrinterIterate(cl->sys, &cl->as, add_printer, array);
  json_object_object_add(reply, "printers", array);

  return (_gwControlReply(cl, reply));
}


static bool
cmd_printer_delete(gw_client_t *cl, json_object *req)
{
  const char *name = get_string(req, "name");

  if (!name || !gwApiPrinterDelete(cl->sys, &cl->as, name, NULL))
    return (_gwControlError(cl, NULL, "No printer \"%s\".", name ? name : ""));
  return (_gwControlReply(cl, ok_reply()));
}


static bool
cmd_printer_check(gw_client_t *cl, json_object *req)
{
  const char      *name = get_string(req, "name"), *error = NULL;
  gw_printer_t     printer;
  gw_sink_result_t result;
  json_object     *reply;
  bool             ok;

  if (!name || !gwApiPrinterFind(cl->sys, &cl->as, name, &printer))
    return (_gwControlError(cl, NULL, "No printer \"%s\".", name ? name : ""));

  ok = gwApiPrinterCheck(cl->sys, &cl->as, name, &result, &error);
  if (!ok && error)
    return (_gwControlError(cl, NULL, "Printer \"%s\" has a URI this gateway cannot print to.", name));

  reply = json_object_new_object();
  json_object_object_add(reply, "ok", json_object_new_boolean(ok));
  if (ok)
    json_object_object_add(reply, "message", json_object_new_string(result.text[0] ? result.text : "The printer answers and accepts PDF."));
  else
  {
    json_object_object_add(reply, "reason", json_object_new_string(gwReasonCode(result.reason)));
    json_object_object_add(reply, "error", json_object_new_string(result.text));
  }

  return (_gwControlReply(cl, reply));
}


/* ---- jobs ------------------------------------------------------------------- */

static bool
cmd_job_submit(gw_client_t *cl, json_object *req)
{
  const char      *user = get_string(req, "user"), *name = get_string(req, "name");
  int64_t          size = get_int(req, "size", -1), left, nup;
  gw_job_options_t options;
  gw_submission_t *sub;
  gw_reason_t      reason;
  gw_job_t         job;
  char             text[512], *buf;
  json_object     *reply;
  bool             ok;

  if (size < 0)
    return (_gwControlError(cl, NULL, "job.submit needs the document size."));

  memset(&options, 0, sizeof(options));
  options.copies     = (int)get_int(req, "copies", 0);
  options.sides      = get_string(req, "sides");
  options.color_mode = get_string(req, "color_mode");
  options.page_ranges = get_string(req, "page_ranges");
  nup                = get_int(req, "number_up", 0);
  options.number_up  = (nup < 0 || nup > 16) ? -1 : (int)nup;   /* -1 is refused */

  if ((sub = gwApiJobSubmit(cl->sys, &cl->as, user, name, &options, size, &reason, text, sizeof(text))) == NULL)
  {
    /* The bytes that follow are not read: the connection ends here. */
    _gwControlError(cl, reason == GW_REASON_NONE ? NULL : gwReasonCode(reason), "%s", text);
    return (false);
  }

  if ((buf = malloc(64 * 1024)) == NULL)
  {
    gwSubmissionAbort(&sub, GW_REASON_INTERNAL);
    _gwControlError(cl, "internal-error", "Out of memory.");
    return (false);
  }

  for (left = size; left > 0;)
  {
    ssize_t n = _gwControlRead(cl, buf, left > 64 * 1024 ? 64 * 1024 : (size_t)left);

    if (n <= 0)
    {
      /* The client went away mid-document: nothing is kept. */
      free(buf);
      gwSubmissionAbort(&sub, GW_REASON_INTERRUPTED);
      return (false);
    }
    left -= n;
    gwSubmissionWrite(sub, buf, (size_t)n);   /* After a failure, the rest is read and dropped */
  }
  gwWipe(buf, 64 * 1024);
  free(buf);

  /*
   * End returns once the document is stored and the job converting; the CLI
   * answers with the outcome, so wait for the job event that ends the
   * conversion (or the gateway stopping), unless asked not to ("wait": 0:
   * the reply then says "converting").
   */

  if ((ok = gwSubmissionEnd(&sub, &job)) == true && get_int(req, "wait", 1) &&
      gwApiJobWait(cl->sys, &cl->as, job.id, -1, &job))
    ok = job.state == GW_JOB_STATE_HELD;
  reply = json_object_new_object();
  json_object_object_add(reply, "ok", json_object_new_boolean(ok));
  if (!ok)
  {
    json_object_object_add(reply, "error", json_object_new_string(job.reason_text));
    json_object_object_add(reply, "reason", json_object_new_string(gwReasonCode(job.reason)));
  }
  json_object_object_add(reply, "job", job_json(&job));

  return (_gwControlReply(cl, reply));
}


static bool
add_job(const gw_job_t *job, void *data)
{
  return (stream_add((stream_t *)data, job_json(job)));
}


static bool
cmd_job_list(gw_client_t *cl, json_object *req)
{
  const char  *name = get_string(req, "user");
  gw_user_t    user;
  stream_t     st;

  if (name && !gwApiUserFind(cl->sys, &cl->as, name, &user))
    return (_gwControlError(cl, NULL, "No user \"%s\".", name));

  stream_begin(&st, cl, "jobs");
  gwApiJobIterate(cl->sys, &cl->as, name ? user.name : NULL, 0, add_job, &st);

  return (stream_end(&st));
}


static bool
cmd_job_show(gw_client_t *cl, json_object *req)
{
  const char  *id = get_string(req, "id");
  gw_job_t     job;
  json_object *reply;

  if (!id || !gwApiJobGet(cl->sys, &cl->as, id, &job))
    return (_gwControlError(cl, NULL, "No job \"%s\".", id ? id : ""));

  reply = ok_reply();
  json_object_object_add(reply, "job", job_json(&job));

  return (_gwControlReply(cl, reply));
}


static bool
cmd_job_cancel(gw_client_t *cl, json_object *req)
{
  const char *id = get_string(req, "id"), *error = NULL;

  if (!id || !gwApiJobCancel(cl->sys, &cl->as, id, &error))
    return (_gwControlError(cl, NULL, "Unable to cancel job \"%s\": %s.", id ? id : "", error ? error : "no such job"));

  return (_gwControlReply(cl, ok_reply()));
}


/* ---- devices ----------------------------------------------------------------- */

/*
 * 'device_new()' - A new device of user: its token URL and password
 *                  (the caller wipes them).  false: why says it.
 */

static bool
device_new(gw_client_t *cl, const char *user, const char *name, char *url, size_t urlsize, char *password, size_t passwordsize, int64_t *id, char *why, size_t whysize)
{
  char        token[GW_API_DEVICE_TOKEN_LEN + 1];
  const char *error = NULL;
  bool        ok;

  if (!user || !name)
  {
    snprintf(why, whysize, "A user name and a device name are needed.");
    return (false);
  }
  if (!gwApiDeviceAdd(cl->sys, &cl->as, user, name, token, sizeof(token), password, passwordsize, id, &error))
  {
    snprintf(why, whysize, "Unable to add device \"%s\" for \"%s\": %s.", name, user, error ? error : "store error");
    return (false);
  }
  ok = gwApiDeviceUrl(cl->sys, token, url, urlsize);
  gwWipe(token, sizeof(token));
  if (!ok)
  {
    gwApiDeviceRevoke(cl->sys, &cl->as, *id, NULL);
    gwWipe(password, passwordsize);
    snprintf(why, whysize, "Unable to add device \"%s\": the server name is too long for a URL.", name);
  }
  return (ok);
}


static bool
cmd_device_add(gw_client_t *cl, json_object *req)
{
  char         password[GW_API_DEVICE_PASSWORD_LEN + 1], url[512], why[512];
  int64_t      id = 0;
  json_object *reply;

  if (!device_new(cl, get_string(req, "user"), get_string(req, "name"), url, sizeof(url), password, sizeof(password), &id, why, sizeof(why)))
    return (_gwControlError(cl, NULL, "%s", why));

  reply = ok_reply();
  json_object_object_add(reply, "id", json_object_new_int64(id));
  json_object_object_add(reply, "url", json_object_new_string(url));
  json_object_object_add(reply, "password", json_object_new_string(password));
  gwWipe(password, sizeof(password));
  gwWipe(url, sizeof(url));
  return (_gwControlReply(cl, reply));
}


/*
 * 'cmd_device_mobileconfig()' - A new device and an iOS/macOS profile
 *                               with its token URL (a token is stored only
 *                               as a keyed hash: an existing device's
 *                               cannot be put in a profile).
 */

static bool
cmd_device_mobileconfig(gw_client_t *cl, json_object *req)
{
  const char  *user = get_string(req, "user"), *name = get_string(req, "name"), *error = NULL;
  char         password[GW_API_DEVICE_PASSWORD_LEN + 1], url[512], why[512], display[256], *profile = NULL;
  size_t       profilelen = 0;
  int64_t      id = 0;
  json_object *reply;

  if (!device_new(cl, user, name, url, sizeof(url), password, sizeof(password), &id, why, sizeof(why)))
    return (_gwControlError(cl, NULL, "%s", why));
  gwWipe(password, sizeof(password));
  snprintf(display, sizeof(display), "Printgate for %s (%s)", user, name);
  if (!gwProfileMobileconfig(url, display, &profile, &profilelen, &error))
  {
    gwApiDeviceRevoke(cl->sys, &cl->as, id, NULL);
    gwWipe(url, sizeof(url));
    return (_gwControlError(cl, NULL, "Unable to make a profile for \"%s\": %s.", name, error));
  }

  reply = ok_reply();
  json_object_object_add(reply, "id", json_object_new_int64(id));
  json_object_object_add(reply, "profile", json_object_new_string_len(profile, (int)profilelen));
  gwWipe(profile, profilelen);
  gwWipe(url, sizeof(url));
  free(profile);
  return (_gwControlReply(cl, reply));
}


static bool
add_device(const gw_device_t *device, void *data)
{
  json_object *d = json_object_new_object();

  json_object_object_add(d, "id", json_object_new_int64(device->id));
  json_object_object_add(d, "user", json_object_new_string(device->user_name));
  json_object_object_add(d, "name", json_object_new_string(device->name));
  json_object_object_add(d, "created", json_object_new_int64(device->created));
  json_object_object_add(d, "last_used", json_object_new_int64(device->last_used));
  json_object_array_add((json_object *)data, d);

  return (true);
}


static bool
cmd_device_list(gw_client_t *cl, json_object *req)
{
  const char  *user = get_string(req, "user");
  json_object *reply, *array = json_object_new_array();

  if (!gwApiDeviceIterate(cl->sys, &cl->as, user, add_device, array))
  {
    json_object_put(array);
    return (_gwControlError(cl, NULL, "No user \"%s\".", user ? user : ""));
  }

  reply = ok_reply();
  json_object_object_add(reply, "devices", array);
  return (_gwControlReply(cl, reply));
}


static bool
cmd_device_revoke(gw_client_t *cl, json_object *req)
{
  int64_t     id = get_int(req, "id", 0);
  const char *error = NULL;

  if (!gwApiDeviceRevoke(cl->sys, &cl->as, id, &error))
    return (_gwControlError(cl, NULL, "Unable to revoke device %lld: %s.", (long long)id, error ? error : "store error"));

  return (_gwControlReply(cl, ok_reply()));
}


/* ---- release terminals (docs/web.md) ------------------------------------------- */

static bool
cmd_terminal_add(gw_client_t *cl, json_object *req)
{
  const char  *name = get_string(req, "name"), *printer = get_string(req, "printer"), *error = NULL;
  char         key[GW_API_TERMINAL_KEY_LEN + 1];
  int64_t      id = 0;
  json_object *reply;

  if (!gwApiTerminalAdd(cl->sys, &cl->as, name, printer, key, sizeof(key), &id, &error))
    return (_gwControlError(cl, NULL, "Unable to add terminal \"%s\": %s.", name ? name : "", error ? error : "store error"));

  reply = ok_reply();
  json_object_object_add(reply, "id", json_object_new_int64(id));
  json_object_object_add(reply, "key", json_object_new_string(key));
  gwWipe(key, sizeof(key));
  return (_gwControlReply(cl, reply));
}


static bool
add_terminal(const gw_terminal_t *t, void *data)
{
  json_object *o = json_object_new_object();

  json_object_object_add(o, "id", json_object_new_int64(t->id));
  json_object_object_add(o, "name", json_object_new_string(t->name));
  json_object_object_add(o, "printer", json_object_new_string(t->printer));
  json_object_object_add(o, "created", json_object_new_int64(t->created));
  json_object_object_add(o, "last_used", json_object_new_int64(t->last_used));
  json_object_array_add((json_object *)data, o);

  return (true);
}


static bool
cmd_terminal_list(gw_client_t *cl, json_object *req)
{
  json_object *reply, *array = json_object_new_array();

  (void)req;
  if (!gwApiTerminalIterate(cl->sys, &cl->as, add_terminal, array))
  {
    json_object_put(array);
    return (_gwControlError(cl, NULL, "Unable to list the terminals."));
  }

  reply = ok_reply();
  json_object_object_add(reply, "terminals", array);
  return (_gwControlReply(cl, reply));
}


static bool
cmd_terminal_revoke(gw_client_t *cl, json_object *req)
{
  const char *name = get_string(req, "name"), *error = NULL;

  if (!gwApiTerminalRevoke(cl->sys, &cl->as, name, &error))
    return (_gwControlError(cl, NULL, "Unable to revoke terminal \"%s\": %s.", name ? name : "", error ? error : "store error"));

  return (_gwControlReply(cl, ok_reply()));
}


/* ---- DNS-SD --------------------------------------------------------------- */

static bool
cmd_dnssd_zone(gw_client_t *cl, json_object *req)
{
  const char  *args[18], *error = NULL;
  char        *text = NULL;
  int          nargs = 0;
  json_object *addrs, *reply;

  if ((args[nargs] = get_string(req, "domain")) == NULL)
    return (_gwControlError(cl, NULL, "Missing domain."));
  nargs ++;
  args[nargs ++] = get_string(req, "host") ? get_string(req, "host") : "";
  if (json_object_object_get_ex(req, "addresses", &addrs) && json_object_is_type(addrs, json_type_array))
  {
    for (size_t i = 0; i < json_object_array_length(addrs) && nargs < 18; i ++)
      args[nargs ++] = json_object_get_string(json_object_array_get_idx(addrs, i));
  }
  if (!gwSystemFrontendCommand(cl->sys, "dnssd-zone", args, nargs, &text, &error))
    return (_gwControlError(cl, NULL, "DNS-SD is not running in this gateway."));
  if (!text)
    return (_gwControlError(cl, NULL, "Unable to make the zone: %s.", error ? error : "error"));

  reply = ok_reply();
  json_object_object_add(reply, "zone", json_object_new_string(text));
  free(text);

  return (_gwControlReply(cl, reply));
}


/* ---- release credentials and release --------------------------------------- */

static bool
cmd_pin_new(gw_client_t *cl, json_object *req)
{
  const char  *user = get_string(req, "user"), *error = NULL;
  char         pin[32];
  json_object *reply;

  if (!user || !gwApiPinNew(cl->sys, &cl->as, user, pin, sizeof(pin), &error))
    return (_gwControlError(cl, NULL, "Unable to make a PIN for \"%s\": %s.", user ? user : "", error ? error : "no such user"));

  reply = ok_reply();
  json_object_object_add(reply, "pin", json_object_new_string(pin));
  gwWipe(pin, sizeof(pin));

  return (_gwControlReply(cl, reply));
}


static bool
cmd_card_set(gw_client_t *cl, json_object *req)
{
  const char *user = get_string(req, "user"), *card = get_string(req, "card"), *error = NULL;

  if (!user || !card || !gwApiCardSet(cl->sys, &cl->as, user, card, &error))
    return (_gwControlError(cl, NULL, "Unable to register the card for \"%s\": %s.", user ? user : "", error ? error : "missing card number"));

  return (_gwControlReply(cl, ok_reply()));
}


static bool
cmd_release(gw_client_t *cl, json_object *req)
{
  gw_release_t        rel;
  gw_release_result_t result;
  json_object        *reply;
  int64_t             nup;
  bool                ok;

  memset(&rel, 0, sizeof(rel));
  rel.pin     = get_string(req, "pin");
  rel.card    = get_string(req, "card");
  rel.user    = get_string(req, "user");
  rel.printer = get_string(req, "printer");
  rel.job_id  = get_string(req, "job");
  rel.source  = get_string(req, "source");
  rel.owner   = get_string(req, "for");     /* A delegate's release of another user's jobs */
  /* The actor and the client for PIN lockout (cl->as.where) come from the socket's peer (SO_PEERCRED), never from the request. */
  rel.page_ranges = get_string(req, "page_ranges");
  nup             = get_int(req, "number_up", 0);
  rel.number_up   = (nup < 0 || nup > 16) ? -1 : (int)nup;   /* -1 is refused */

  ok    = gwApiJobRelease(cl->sys, &cl->as, &rel, &result);
  ok    = ok && result.released > 0 && result.held == 0 && result.failed == 0;
  reply = json_object_new_object();
  json_object_object_add(reply, "ok", json_object_new_boolean(ok));
  json_object_object_add(reply, "released", json_object_new_int(result.released));
  json_object_object_add(reply, "held", json_object_new_int(result.held));
  json_object_object_add(reply, "failed", json_object_new_int(result.failed));
  if (result.reason != GW_REASON_NONE)
    json_object_object_add(reply, "reason", json_object_new_string(gwReasonCode(result.reason)));
  json_object_object_add(reply, ok ? "message" : "error", json_object_new_string(result.text));

  return (_gwControlReply(cl, reply));
}


/* ---- lockout -------------------------------------------------------------------- */

static bool
add_lockout(const gw_lockout_t *l, void *data)
{
  json_object *e = json_object_new_object();

  json_object_object_add(e, "key", json_object_new_string(l->key));
  json_object_object_add(e, "failures", json_object_new_int64(l->failures));
  json_object_object_add(e, "first_failure", json_object_new_int64(l->first_failure));
  json_object_object_add(e, "locked_until", json_object_new_int64(l->locked_until));
  json_object_array_add((json_object *)data, e);

  return (true);
}


static bool
cmd_lockout_list(gw_client_t *cl, json_object *req)
{
  json_object *reply = ok_reply(), *array = json_object_new_array();

  (void)req;
  gwApiLockoutIterate(cl->sys, &cl->as, add_lockout, array);
  json_object_object_add(reply, "lockouts", array);
  json_object_object_add(reply, "now", json_object_new_int64((int64_t)time(NULL)));

  return (_gwControlReply(cl, reply));
}


static bool
cmd_lockout_clear(gw_client_t *cl, json_object *req)
{
  const char *key = get_string(req, "key");

  if (!gwApiLockoutClear(cl->sys, &cl->as, key, NULL))
    return (_gwControlError(cl, NULL, "Unable to clear the lockout%s%s.", key ? " of " : "", key ? key : ""));
  return (_gwControlReply(cl, ok_reply()));
}


/* ---- audit -------------------------------------------------------------------- */

static bool
add_audit(const gw_audit_t *a, void *data)
{
  json_object *e = json_object_new_object();

  json_object_object_add(e, "id", json_object_new_int64(a->id));
  json_object_object_add(e, "time", json_object_new_int64(a->time));
  json_object_object_add(e, "actor", json_object_new_string(a->actor));
  json_object_object_add(e, "action", json_object_new_string(a->action));
  json_object_object_add(e, "subject", json_object_new_string(a->subject));
  json_object_object_add(e, "job", json_object_new_string(a->job_id));
  json_object_object_add(e, "printer", json_object_new_string(a->printer));
  json_object_object_add(e, "pages", json_object_new_int(a->pages));
  json_object_object_add(e, "source", json_object_new_string(a->source));
  json_object_object_add(e, "detail", json_object_new_string(a->detail));

  return (stream_add((stream_t *)data, e));
}


static bool
cmd_audit(gw_client_t *cl, json_object *req)
{
  int64_t  limit = get_int(req, "limit", 1000);
  stream_t st;

  if (limit < 1 || limit > 1000000)
    limit = 1000;
  stream_begin(&st, cl, "audit");
  gwApiAuditIterate(cl->sys, &cl->as, get_int(req, "since", 0), (int)limit, add_audit, &st);

  return (stream_end(&st));
}


/*
 * 'cmd_audit_query()' - "audit.query": filtered rows newest first
 *                       (gwApiAuditQuery()), then "next", the cursor of
 *                       the next page (0 = none).
 */

static bool
cmd_audit_query(gw_client_t *cl, json_object *req)
{
  gw_audit_query_t q;
  const char      *outcome = get_string(req, "outcome"), *error = NULL;
  int64_t          next = 0;
  char             tail[64];
  stream_t         st;

  memset(&q, 0, sizeof(q));
  q.user    = get_string(req, "user");
  q.action  = get_string(req, "action");
  q.printer = get_string(req, "printer");
  q.since   = get_int(req, "since", 0);
  q.until   = get_int(req, "until", 0);
  q.after   = get_int(req, "after", 0);
  q.limit   = (int)get_int(req, "limit", 1000);
  q.outcome = !outcome ? GW_AUDIT_OUTCOME_ANY : !strcmp(outcome, "ok") ? GW_AUDIT_OUTCOME_OK :
              !strcmp(outcome, "refused") ? GW_AUDIT_OUTCOME_REFUSED : (gw_audit_outcome_t)-1;
  if (get_int(req, "limit", 1000) < 1 || get_int(req, "limit", 1000) > GW_AUDIT_QUERY_MAX || (unsigned)q.outcome > GW_AUDIT_OUTCOME_REFUSED ||
      q.since < 0 || q.until < 0 || q.after < 0)
    return (_gwControlError(cl, NULL, "Bad audit query: --limit 1 to %d, --outcome ok or refused, times and --after not negative.", GW_AUDIT_QUERY_MAX));

  stream_begin(&st, cl, "audit");
  if (!gwApiAuditQuery(cl->sys, &cl->as, &q, add_audit, &st, &next, &error))
    return (false);                         /* Half-written reply: close, the CLI says so */

  snprintf(tail, sizeof(tail), "],\"next\":%lld}\n", (long long)next);
  return (st.ok && gwWriteAll(cl->fd, tail, strlen(tail)));
}


/* ---- outbox and secrets (outbox.h) ------------------------------------------------ */

static bool
add_outbox(const gw_outbox_entry_t *e, void *data)
{
  json_object *o = json_object_new_object();

  json_object_object_add(o, "id", json_object_new_int64(e->id));
  json_object_object_add(o, "state", json_object_new_string(gwOutboxStateString(e->state)));
  json_object_object_add(o, "attempts", json_object_new_int(e->attempts));
  json_object_object_add(o, "created", json_object_new_int64(e->created));
  json_object_object_add(o, "next_attempt", json_object_new_int64(e->next_attempt));
  json_object_object_add(o, "updated", json_object_new_int64(e->updated));
  json_object_object_add(o, "key", json_object_new_string(e->key));
  json_object_object_add(o, "from", json_object_new_string(e->from));
  json_object_object_add(o, "to", json_object_new_string(e->to));
  json_object_object_add(o, "subject", json_object_new_string(e->subject));
  json_object_object_add(o, "message_id", json_object_new_string(e->message_id));
  json_object_object_add(o, "last_error", json_object_new_string(e->last_error));

  return (stream_add((stream_t *)data, o));
}


static bool
cmd_outbox_list(gw_client_t *cl, json_object *req)
{
  const char *state = get_string(req, "state");
  unsigned    states = 0;
  stream_t    st;

  for (int i = GW_OUTBOX_QUEUED; state && i <= GW_OUTBOX_FAILED; i ++)
  {
    if (!strcmp(state, gwOutboxStateString((gw_outbox_state_t)i)))
      states = GW_OUTBOX_STATE_BIT(i);
  }
  if (state && !states)
    return (_gwControlError(cl, NULL, "Unknown outbox state \"%s\" (queued, sending, sent or failed).", state));

  stream_begin(&st, cl, "outbox");
  gwApiOutboxIterate(cl->sys, &cl->as, states, add_outbox, &st);

  return (stream_end(&st));
}


static bool
cmd_outbox_retry_delete(gw_client_t *cl, json_object *req, bool retry)
{
  const char *error = NULL;
  int64_t     id = get_int(req, "id", 0);

  if (!(retry ? gwApiOutboxRetry : gwApiOutboxDelete)(cl->sys, &cl->as, id, &error))
    return (_gwControlError(cl, NULL, "Unable to %s outbox message %lld: %s.", retry ? "retry" : "delete", (long long)id, error ? error : "refused"));
  return (_gwControlReply(cl, ok_reply()));
}

static bool cmd_outbox_retry(gw_client_t *cl, json_object *req)  { return (cmd_outbox_retry_delete(cl, req, true)); }
static bool cmd_outbox_delete(gw_client_t *cl, json_object *req) { return (cmd_outbox_retry_delete(cl, req, false)); }


static bool
cmd_outbox_send(gw_client_t *cl, json_object *req)
{
  gw_outmail_t m;
  int64_t      id = 0;
  const char  *error = NULL;
  json_object *reply;

  memset(&m, 0, sizeof(m));
  m.to           = get_string(req, "to");
  m.subject      = get_string(req, "subject");
  m.body         = get_string(req, "body");
  m.key          = get_string(req, "key");
  m.in_reply_to  = get_string(req, "in_reply_to");
  m.references   = m.in_reply_to;
  m.auto_replied = m.in_reply_to != NULL;

  if (!gwApiOutboxAdd(cl->sys, &cl->as, &m, &id, &error))
    return (_gwControlError(cl, NULL, "Unable to queue the message: %s.", error ? error : "refused"));

  reply = ok_reply();
  json_object_object_add(reply, "id", json_object_new_int64(id));

  return (_gwControlReply(cl, reply));
}


static bool
cmd_secret_encrypt(gw_client_t *cl, json_object *req)
{
  char         value[2 * GW_SECRET_MAX];
  const char  *error = NULL;
  json_object *reply;

  if (!gwApiSecretEncrypt(cl->sys, &cl->as, get_string(req, "secret"), value, sizeof(value), &error))
    return (_gwControlError(cl, NULL, "Unable to encrypt the secret: %s.", error ? error : "refused"));

  reply = ok_reply();
  json_object_object_add(reply, "value", json_object_new_string(value));

  return (_gwControlReply(cl, reply));
}


/* ---- dispatch ------------------------------------------------------------------ */

static const struct
{
  const char  *name;
  command_fn_t fn;
} commands[] =
{
  { "address.add",    cmd_address_add },
  { "address.confirm", cmd_address_confirm },
  { "address.list",   cmd_address_list },
  { "address.revoke", cmd_address_revoke },
  { "address.verify", cmd_address_verify },
  { "alias.add",      cmd_alias_add },
  { "audit",          cmd_audit },
  { "audit.query",    cmd_audit_query },
  { "user.erase",     _gwControlUserErase },
  { "user.export",    _gwControlUserExport },
  { "user.restrict",  _gwControlUserRestrict },
  { "card.set",       cmd_card_set },
  { "device.add",     cmd_device_add },
  { "device.list",    cmd_device_list },
  { "device.revoke",  cmd_device_revoke },
  { "device.mobileconfig", cmd_device_mobileconfig },
  { "health",         _gwControlCmdHealth },
  { "report",         _gwControlCmdReport },
  { "terminal.add",   cmd_terminal_add },
  { "terminal.list",  cmd_terminal_list },
  { "terminal.revoke", cmd_terminal_revoke },
  { "dnssd.zone",     cmd_dnssd_zone },
  { "job.cancel",     cmd_job_cancel },
  { "job.list",       cmd_job_list },
  { "job.show",       cmd_job_show },
  { "job.submit",     cmd_job_submit },
  { "lockout.clear",  cmd_lockout_clear },
  { "lockout.list",   cmd_lockout_list },
  { "outbox.delete",  cmd_outbox_delete },
  { "outbox.list",    cmd_outbox_list },
  { "outbox.retry",   cmd_outbox_retry },
  { "outbox.send",    cmd_outbox_send },
  { "pin.new",        cmd_pin_new },
  { "printer.add",    cmd_printer_add },
  { "printer.check",  cmd_printer_check },
  { "printer.delete", cmd_printer_delete },
  { "printer.list",   cmd_printer_list },
  { "release",        cmd_release },
  { "secret.encrypt", cmd_secret_encrypt },
  { "status",         cmd_status },
  { "user.add",       cmd_user_add },
  { "user.list",      cmd_user_list },
  { "user.password",  cmd_user_password },
  { "user.role",      cmd_user_role },
  { "user.factor-reset", cmd_user_factor_reset }
};


/*
 * '_gwControlDispatch()' - Run one command.  false = end the connection.
 */

bool
_gwControlDispatch(gw_client_t *cl, json_object *req)
{
  const char *cmd = get_string(req, "cmd");
  bool        policy_result;

  /* Every command acts as the socket's peer, an admin (only root and the daemon's own user connect). */
  snprintf(cl->where, sizeof(cl->where), "control:%s", cl->actor);
  cl->as.tenant   = GW_DEFAULT_TENANT;
  cl->as.who      = cl->actor;
  cl->as.role     = GW_ROLE_ADMIN;
  cl->as.where    = cl->where;
  cl->as.frontend = "cli";

  for (size_t i = 0; cmd && i < sizeof(commands) / sizeof(commands[0]); i ++)
  {
    if (!strcmp(cmd, commands[i].name))
    {
      if (strcmp(cmd, "status") && strcmp(cmd, "job.list") && strcmp(cmd, "user.list") && strcmp(cmd, "printer.list") && strcmp(cmd, "audit") && strcmp(cmd, "outbox.list") && strcmp(cmd, "audit.query"))
        gwLog(gwSystemGetLog(cl->sys), GW_LOG_DEBUG, "Control: %s by %s.", cmd, cl->actor);
      return (commands[i].fn(cl, req));
    }
  }

  if (cmd && _gwPolicyControlDispatch(cl, cmd, req, &policy_result))
    return (policy_result);

  return (_gwControlError(cl, NULL, "Unknown command \"%s\".", cmd ? cmd : ""));
}
