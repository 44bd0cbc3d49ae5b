/*
 * mail-graph.c - the poller of a Microsoft Graph source (graph://, docs/mail.md
 * "Microsoft Graph"): Exchange Online with an app registration
 * (client-credentials OAuth2, application permission Mail.ReadWrite).
 *
 * A round: the unread messages of the folder (GET .../mailFolders/FOLDER/
 * messages?$filter=isRead eq false, every @odata.nextLink page, at most
 * BATCH_MAX ids), then for each its MIME ($value, bounded by the size cap),
 * the intake (the same MIME walk, trust and submission as IMAP), and only
 * after the intake says its jobs are committed: mark it read (PATCH
 * isRead) and move it to the Printed / Rejected folder (made if missing),
 * or delete it.  Ids are immutable ones (Prefer: IdType="ImmutableId"); the
 * jobs' origin references carry a short key of the id, so a message taken
 * again (a crash, a failed PATCH, a dropped download) finds its jobs.
 *
 * HTTP 429 and 503 wait for Retry-After (at most 3 times a request), a 401
 * to the bearer token gets one new token and one more try, a dropped
 * connection ends the round (retried after the backoff), a certificate that
 * is not trusted stops the source before any token is sent.  JSON is read
 * with json-c (already the core's JSON library), depth-limited and bounded.
 */

#include "mail-source.h"
#include "printgate/log.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BATCH_MAX     100               /* Messages per round */
#define PAGES_MAX     20                /* @odata.nextLink pages per listing */
#define LIST_MAX      (4 * 1024 * 1024) /* Bytes of one listing page */

typedef gw_mail_round_t call_rc_t;
#define CALL_OK   GW_MAIL_ROUND_OK
#define CALL_FAIL GW_MAIL_ROUND_FAIL
#define CALL_STOP GW_MAIL_ROUND_STOP

typedef struct graph_s                  /* One round's state */
{
  gw_mail_source_t *src;
  char              base[1200];         /* https://HOST[:PORT]/v1.0/users/UPN */
  char              origin[300];        /* https://HOST[:PORT]/ (nextLink must start so) */
  char              folder_id[2][256];  /* Printed, Rejected ("" = not known yet) */
  char             *ids[BATCH_MAX];
  size_t            sizes[BATCH_MAX];   /* PidTagMessageSize, 0 = not given */
  int               nids;
  call_rc_t         rc;                 /* How the last mark of a message from the window went */
} graph_t;


/*
 * 'graph_url()' - Format a URL; false (nothing to request) when it does
 *                 not fit.
 */

static bool GW_FORMAT(3, 4)
graph_url(char *buf, size_t size, const char *fmt, ...)
{
  va_list ap;
  int     n;

  va_start(ap, fmt);
  n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);

  return (n > 0 && (size_t)n < size);
}


/*
 * 'graph_call()' - One Graph request (mail-http.c: token, one refresh on
 *                  401, Retry-After on 429/503).
 */

static call_rc_t
graph_call(graph_t *g, const char *method, const char *url, const char *body, size_t max, gw_mail_http_t *resp)
{
  return (_gwMailHttpCall(g->src, method, url, body ? "application/json" : NULL, body, max, resp));
}


/*
 * 'parse_json()' - A bounded, depth-limited parse; NULL when not an object.
 */

static json_object *
parse_json(const gw_mail_http_t *resp)
{
  json_tokener *tok = json_tokener_new_ex(16);
  json_object  *root = NULL;

  if (tok && resp->body)
    root = json_tokener_parse_ex(tok, resp->body, (int)resp->len);
  if (tok)
    json_tokener_free(tok);
  if (root && !json_object_is_type(root, json_type_object))
  {
    json_object_put(root);
    root = NULL;
  }

  return (root);
}


/*
 * 'message_size()' - The message's size (the MAPI property PidTagMessageSize,
 *                    "Integer 0x0E08", asked for with $expand), 0 when absent.
 */

static size_t
message_size(json_object *msg)
{
  json_object *props, *v;

  if (!json_object_object_get_ex(msg, "singleValueExtendedProperties", &props) || !json_object_is_type(props, json_type_array))
    return (0);
  for (size_t i = 0; i < json_object_array_length(props); i ++)
  {
    json_object *p = json_object_array_get_idx(props, i);

    if (json_object_object_get_ex(p, "id", &v) && (!strcasecmp(json_object_get_string(v), "Integer 0xe08") || !strcasecmp(json_object_get_string(v), "Integer 0x0e08")) &&
        json_object_object_get_ex(p, "value", &v))
    {
      int64_t n = json_object_get_int64(v);    /* A string of digits in Graph's answer */

      return (n > 0 ? (size_t)n : 0);
    }
  }

  return (0);
}


/*
 * 'list_unread()' - The ids of the folder's unread messages, every page
 *                   (bounded).  CALL_OK when the listing completed.
 */

static call_rc_t
list_unread(graph_t *g)
{
  char           url[2048], folder[400];
  gw_mail_http_t resp;
  call_rc_t      rc = CALL_OK;

  if (!_gwMailUrlEncode(g->src->folder, folder, sizeof(folder)))
    return (CALL_FAIL);
  if (!graph_url(url, sizeof(url), "%s/mailFolders/%s/messages?%%24filter=isRead%%20eq%%20false&%%24select=id,subject&%%24top=50"
                 "&%%24expand=singleValueExtendedProperties(%%24filter=id%%20eq%%20'Integer%%200x0E08')", g->base, folder))
    return (CALL_FAIL);

  for (int page = 0; page < PAGES_MAX && g->nids < BATCH_MAX && url[0]; page ++)
  {
    json_object *root, *value, *next;

    if ((rc = graph_call(g, "GET", url, NULL, LIST_MAX, &resp)) != CALL_OK)
      return (rc);
    root = parse_json(&resp);
    _gwMailHttpFree(&resp);
    if (!root || !json_object_object_get_ex(root, "value", &value) || !json_object_is_type(value, json_type_array))
    {
      _gwMailHealthError(g->src, 0, false, "the message list is not Graph's JSON; trying again later.");
      json_object_put(root);
      return (CALL_FAIL);
    }
    for (size_t i = 0; i < json_object_array_length(value) && g->nids < BATCH_MAX; i ++)
    {
      json_object *id;
      const char  *s;

      json_object *msg = json_object_array_get_idx(value, i);

      if (json_object_object_get_ex(msg, "id", &id) &&
          (s = json_object_get_string(id)) != NULL && *s && strlen(s) < 512 && (g->ids[g->nids] = strdup(s)) != NULL)
        g->sizes[g->nids ++] = message_size(msg);
    }
    url[0] = '\0';
    if (json_object_object_get_ex(root, "@odata.nextLink", &next) && json_object_is_type(next, json_type_string))
    {
      const char *link = json_object_get_string(next);

      /* The token goes only to the configured server. */
      if (!strncmp(link, g->origin, strlen(g->origin)) && strlen(link) < sizeof(url))
        snprintf(url, sizeof(url), "%s", link);
      else
        gwLog(gwSystemGetLog(g->src->sys), GW_LOG_WARN, "Mail source %s: a next page link to another server was ignored.", g->src->name);
    }
    json_object_put(root);
  }

  return (CALL_OK);
}


/*
 * 'find_folder()' - The id of a top-level folder by display name, made
 *                   when it does not exist.
 */

static call_rc_t
find_folder(graph_t *g, const char *name, char *id, size_t idsize)
{
  char           url[1024], body[300], ename[200];
  gw_mail_http_t resp;
  json_object   *root, *value, *v;
  call_rc_t      rc;

  if (!graph_url(url, sizeof(url), "%s/mailFolders?%%24top=100&%%24select=id,displayName", g->base))
    return (CALL_FAIL);
  if ((rc = graph_call(g, "GET", url, NULL, LIST_MAX, &resp)) != CALL_OK)
    return (rc);
  root = parse_json(&resp);
  _gwMailHttpFree(&resp);
  if (root && json_object_object_get_ex(root, "value", &value) && json_object_is_type(value, json_type_array))
  {
    for (size_t i = 0; i < json_object_array_length(value) && !id[0]; i ++)
    {
      json_object *f = json_object_array_get_idx(value, i), *dn;

      if (json_object_object_get_ex(f, "displayName", &dn) && !strcasecmp(json_object_get_string(dn), name) &&
          json_object_object_get_ex(f, "id", &v) && strlen(json_object_get_string(v)) < idsize)
        snprintf(id, idsize, "%s", json_object_get_string(v));
    }
  }
  json_object_put(root);
  if (id[0])
    return (CALL_OK);

  /* Not there: make it (names are letters, digits, '-', '_', '.', checked at load) */
  if (!graph_url(url, sizeof(url), "%s/mailFolders", g->base))
    return (CALL_FAIL);
  snprintf(ename, sizeof(ename), "%s", name);
  snprintf(body, sizeof(body), "{\"displayName\":\"%s\"}", ename);
  if ((rc = graph_call(g, "POST", url, body, LIST_MAX, &resp)) != CALL_OK)
    return (rc);
  if ((root = parse_json(&resp)) != NULL && json_object_object_get_ex(root, "id", &v) && strlen(json_object_get_string(v)) < idsize)
    snprintf(id, idsize, "%s", json_object_get_string(v));
  json_object_put(root);
  _gwMailHttpFree(&resp);
  gwLog(gwSystemGetLog(g->src->sys), GW_LOG_INFO, "Mail source %s: made the folder \"%s\".", g->src->name, name);

  return (id[0] ? CALL_OK : CALL_FAIL);
}


/*
 * 'message_done()' - After the commit: mark read, then move (or delete).
 */

static call_rc_t
message_done(graph_t *g, const char *url, bool printed)
{
  gw_mail_source_t *src = g->src;
  gw_mail_http_t    resp;
  char              move[2100], body[400];
  call_rc_t         rc;
  int               which = printed ? 0 : 1;

  if (!strcmp(src->done, "delete"))
    rc = graph_call(g, "DELETE", url, NULL, 65536, &resp);
  else
    rc = graph_call(g, "PATCH", url, "{\"isRead\":true}", LIST_MAX, &resp);
  if (rc != CALL_OK)
    return (rc);
  _gwMailHttpFree(&resp);
  if (strcmp(src->done, "move"))
    return (CALL_OK);

  if (!g->folder_id[which][0] && (rc = find_folder(g, printed ? src->printed : src->rejected, g->folder_id[which], sizeof(g->folder_id[which]))) != CALL_OK)
    return (rc);
  if (!graph_url(move, sizeof(move), "%s/move", url))
    return (CALL_FAIL);
  snprintf(body, sizeof(body), "{\"destinationId\":\"%s\"}", g->folder_id[which]);
  if ((rc = graph_call(g, "POST", move, body, LIST_MAX, &resp)) == CALL_OK)
    _gwMailHttpFree(&resp);

  return (rc);
}


/*
 * 'graph_done_cb()' - The window's callback: a message is done (tag: its
 *                     id), mark it read and move it.  false = the round ends.
 */

static bool
graph_done_cb(void *data, const char *key, void *tag, gw_mail_done_t done)
{
  graph_t *g = (graph_t *)data;
  char     url[2048], eid[1024];

  (void)key;
  if (!_gwMailUrlEncode((const char *)tag, eid, sizeof(eid)) || !graph_url(url, sizeof(url), "%s/messages/%s", g->base, eid))
    return (false);
  if ((g->rc = message_done(g, url, done == GW_MAIL_DONE_PRINTED)) != CALL_OK)
    return (false);

  return (true);
}


/*
 * 'take_message()' - Download one message's MIME and take it (its mark
 *                    comes when it is done: at once, or from the window).
 */

static call_rc_t
take_message(graph_t *g, const char *id, size_t size)
{
  gw_mail_source_t *src = g->src;
  char              url[2048], eid[1024], key[40];
  gw_mail_http_t    resp;
  gw_mail_done_t    done;
  call_rc_t         rc;

  if (!_gwMailWindowRoom(src, graph_done_cb, g))
    return (g->rc != CALL_OK ? g->rc : CALL_STOP);
  if (!_gwMailUrlEncode(id, eid, sizeof(eid)))
    return (CALL_FAIL);
  _gwMailIdKey(id, key, sizeof(key));
  if (!graph_url(url, sizeof(url), "%s/messages/%s/%%24value", g->base, eid))
    return (CALL_FAIL);

  if (size > src->limits.max_message)
  {
    _gwMailIntakeTooLarge(src, key, size);      /* Refused before download */
    done = GW_MAIL_DONE_REJECTED;
  }
  else if ((rc = graph_call(g, "GET", url, NULL, src->limits.max_message, &resp)) != CALL_OK && resp.too_large)
  {
    _gwMailIntakeTooLarge(src, key, src->limits.max_message + 1);
    done = GW_MAIL_DONE_REJECTED;
  }
  else if (rc != CALL_OK)
    return (rc);
  else
  {
    done = _gwMailIntake(src, key, resp.body ? resp.body : "", resp.len, (void *)id);
    _gwMailHttpFree(&resp);
  }
  if (done == GW_MAIL_RETRY || done == GW_MAIL_IN_FLIGHT)
    return (CALL_OK);

  return (graph_done_cb(g, key, (void *)id, done) ? CALL_OK : (g->rc != CALL_OK ? g->rc : CALL_FAIL));
}


/*
 * 'graph_round()' - One listing and every message in it (those in flight
 *                   done before the ids are freed).
 */

static gw_mail_round_t
graph_round(void *data)
{
  graph_t  *g = (graph_t *)data;
  call_rc_t rc = list_unread(g);
  unsigned  taken = g->src->taken;

  g->rc = CALL_OK;
  for (int i = 0; i < g->nids && rc == CALL_OK && !g->src->stop; i ++)
    rc = take_message(g, g->ids[i], g->sizes[i]);
  /* A failed request (a cut download) breaks no other: the messages in flight are still done and marked. */
  if (rc != CALL_STOP && !_gwMailWindowDrain(g->src, graph_done_cb, g) && rc == CALL_OK)
    rc = g->rc != CALL_OK ? g->rc : CALL_STOP;
  _gwMailWindowAbandon(g->src);
  g->src->more = rc == CALL_OK && g->nids >= BATCH_MAX && g->src->taken != taken;
  for (int i = 0; i < g->nids; i ++)
    free(g->ids[i]);
  g->nids = 0;

  return (g->src->stop ? CALL_STOP : rc);
}


/*
 * '_gwMailGraphRun()' - The poller of a Graph source.
 */

void
_gwMailGraphRun(gw_mail_source_t *src)
{
  graph_t *g = calloc(1, sizeof(graph_t));
  char     upn[600];

  if (!g)
    return;
  g->src = src;
  _gwMailHttpOrigin(src, g->origin, sizeof(g->origin));
  if (!_gwMailUrlEncode(src->user, upn, sizeof(upn)))
    upn[0] = '\0';
  snprintf(g->base, sizeof(g->base), "%.*s%s/users/%s", (int)strlen(g->origin) - 1, g->origin, src->path, upn);
  _gwMailPollLoop(src, graph_round, g);
  free(g);
}
