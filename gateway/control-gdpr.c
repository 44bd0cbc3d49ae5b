/*
 * control-gdpr.c - the control socket's GDPR commands (docs/gdpr.md,
 * docs/cli.md): "user.export" (the export streamed as the reply's
 * "export" member), "user.erase" and "user.restrict".  Each acts through
 * api.h as the socket's admin actor.
 */

#include "control-private.h"
#include "printgate/io.h"

#include <stdio.h>
#include <string.h>


/*
 * 'text_member()' - A string member of the request, or NULL.
 */

static const char *
text_member(json_object *req, const char *name)
{
  json_object *v = NULL;

  return (json_object_object_get_ex(req, name, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL);
}


/*
 * 'write_client()' - The export's write callback: the client's socket.
 */

static bool
write_client(const void *bytes, size_t len, void *data)
{
  gw_client_t *cl = (gw_client_t *)data;

  return (gwWriteAll(cl->fd, bytes, len));
}


/*
 * '_gwControlUserExport()' - {"ok":true,"export":{...}} streamed.
 */

bool
_gwControlUserExport(gw_client_t *cl, json_object *req)
{
  const char *name = text_member(req, "name"), *error = NULL;
  gw_user_t   user;

  if (!name || !gwApiUserFind(cl->sys, &cl->as, name, &user))
    return (_gwControlError(cl, NULL, "No user \"%s\".", name ? name : ""));

  /* Once the head is written an error can only cut the line short: the CLI then says the daemon stopped answering. */
  if (!gwWriteAll(cl->fd, "{\"ok\":true,\"export\":", 20) || !gwApiUserExport(cl->sys, &cl->as, name, write_client, cl, &error))
    return (false);

  return (gwWriteAll(cl->fd, "}\n", 2));
}


/*
 * '_gwControlUserErase()' - Erase a user; the reply names its pseudonym.
 */

bool
_gwControlUserErase(gw_client_t *cl, json_object *req)
{
  const char  *name = text_member(req, "name"), *error = NULL;
  char         pseudonym[64];
  json_object *reply;

  if (!gwApiUserErase(cl->sys, &cl->as, name, pseudonym, sizeof(pseudonym), &error))
    return (_gwControlError(cl, NULL, "Unable to erase \"%s\": %s.", name ? name : "", error ? error : "store error"));

  reply = json_object_new_object();
  json_object_object_add(reply, "ok", json_object_new_boolean(true));
  json_object_object_add(reply, "pseudonym", json_object_new_string(pseudonym));

  return (_gwControlReply(cl, reply));
}


/*
 * '_gwControlUserRestrict()' - Restrict a user ("on": true, "reason") or lift it.
 */

bool
_gwControlUserRestrict(gw_client_t *cl, json_object *req)
{
  const char  *name = text_member(req, "name"), *reason = text_member(req, "reason"), *error = NULL;
  json_object *on = NULL, *reply;
  bool         restrict_on;

  restrict_on = !json_object_object_get_ex(req, "on", &on) || json_object_get_boolean(on);
  if (!gwApiUserRestrict(cl->sys, &cl->as, name, restrict_on, reason, &error))
    return (_gwControlError(cl, NULL, "Unable to %s \"%s\": %s.", restrict_on ? "restrict" : "lift the restriction of", name ? name : "", error ? error : "store error"));

  reply = json_object_new_object();
  json_object_object_add(reply, "ok", json_object_new_boolean(true));
  json_object_object_add(reply, "restricted", json_object_new_boolean(restrict_on));

  return (_gwControlReply(cl, reply));
}
