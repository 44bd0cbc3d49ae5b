/*
 * api-mail-source.c - mail sources in the core (mailsrc.h; docs/admin.md,
 * "Mail sources"): the registry of the states the mail front-end
 * publishes, the sources made in the admin console (kept in the store as
 * one JSON spec each, secrets sealed as "enc:v1:" values under the
 * secrets key, as printgate secret encrypt makes them) and handed to the
 * front-end as MailSourceFile lines, and the front-end's hooks (test,
 * changed).
 *
 * Locking: the registry's lock guards its arrays and hooks; no hook is
 * called and no store call made with it held.  gwApiMailSourceSetHooks()
 * waits for the hook calls running to end, so a front-end that stops is
 * never called afterwards.
 */

#include "api-private.h"
#include "mailsrc-private.h"
#include "outbox-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define NAME_CHARS  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."
#define HOST_CHARS  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-."
#define SEALED_MAX  (2 * GW_SECRET_MAX)


/*
 * '_gwMailSrcNew()' - An empty registry.
 */

_gw_mailsrc_t *
_gwMailSrcNew(void)
{
  _gw_mailsrc_t *m = calloc(1, sizeof(_gw_mailsrc_t));

  if (m)
  {
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->idle, NULL);
  }
  return (m);
}


/*
 * '_gwMailSrcDelete()' - Free the registry (device codes wiped).
 */

void
_gwMailSrcDelete(_gw_mailsrc_t **m)
{
  if (!m || !*m)
    return;
  pthread_mutex_destroy(&(*m)->lock);
  pthread_cond_destroy(&(*m)->idle);
  gwWipe(*m, sizeof(_gw_mailsrc_t));
  free(*m);
  *m = NULL;
}


/* ---- The front-end's side ------------------------------------------------------ */


/*
 * 'gwApiMailSourcePublish()' - A source's state (replaces its last one).
 */

void
gwApiMailSourcePublish(gw_system_t *sys, const gw_actor_t *actor, const gw_mail_source_status_t *status)
{
  _gw_mailsrc_t *m;
  int            i;

  if (!sys || (m = sys->mailsrc) == NULL || !_gwApiActorValid(actor) || !status || !status->name[0])
    return;

  pthread_mutex_lock(&m->lock);
  for (i = 0; i < m->nstatus; i ++)
    if (!strcmp(m->status[i].name, status->name))
      break;
  if (i < _GW_MAILSRC_STATUS_MAX)
  {
    m->status[i] = *status;
    m->status[i].name[sizeof(m->status[i].name) - 1]             = '\0';
    m->status[i].last_error[sizeof(m->status[i].last_error) - 1] = '\0';
    m->status[i].published = (int64_t)time(NULL);
    if (i == m->nstatus)
      m->nstatus ++;
  }
  pthread_mutex_unlock(&m->lock);
}


/*
 * 'gwApiMailSourceUnpublishAll()' - Forget every published state.
 */

void
gwApiMailSourceUnpublishAll(gw_system_t *sys, const gw_actor_t *actor)
{
  if (!sys || !sys->mailsrc || !_gwApiActorValid(actor))
    return;
  pthread_mutex_lock(&sys->mailsrc->lock);
  sys->mailsrc->nstatus = 0;
  pthread_mutex_unlock(&sys->mailsrc->lock);
}


/*
 * 'gwApiMailSourceSetHooks()' - The front-end's hooks (NULL: none, once the
 *                               calls running have ended).
 */

void
gwApiMailSourceSetHooks(gw_system_t *sys, const gw_mail_source_hooks_t *hooks)
{
  _gw_mailsrc_t *m;

  if (!sys || (m = sys->mailsrc) == NULL)
    return;
  pthread_mutex_lock(&m->lock);
  while (m->calls > 0)
    pthread_cond_wait(&m->idle, &m->lock);
  m->has_hooks = hooks != NULL;
  if (hooks)
    m->hooks = *hooks;
  else
    memset(&m->hooks, 0, sizeof(m->hooks));
  pthread_mutex_unlock(&m->lock);
}


/*
 * 'hook_begin()' - Take the hooks for one call; false when there are none.
 */

static bool
hook_begin(_gw_mailsrc_t *m, gw_mail_source_hooks_t *hooks)
{
  bool ok;

  pthread_mutex_lock(&m->lock);
  if ((ok = m->has_hooks))
  {
    *hooks = m->hooks;
    m->calls ++;
  }
  pthread_mutex_unlock(&m->lock);
  return (ok);
}


/*
 * 'hook_end()' - A hook call ended.
 */

static void
hook_end(_gw_mailsrc_t *m)
{
  pthread_mutex_lock(&m->lock);
  if (-- m->calls == 0)
    pthread_cond_broadcast(&m->idle);
  pthread_mutex_unlock(&m->lock);
}


/*
 * '_gwMailSrcChanged()' - The console's sources changed: the front-end reads them again.
 */

void
_gwMailSrcChanged(gw_system_t *sys)
{
  gw_mail_source_hooks_t hooks;

  if (!hook_begin(sys->mailsrc, &hooks))
    return;
  if (hooks.changed)
    hooks.changed(sys, hooks.data);
  hook_end(sys->mailsrc);
}


/* ---- Specs (the store's JSON) ---------------------------------------------------- */

typedef struct spec_field_s     /* A text field of the def and its JSON member */
{
  const char *key;
  size_t      offset, size;
} spec_field_t;

#define FIELD(k, f) { k, offsetof(gw_mail_source_def_t, f), sizeof(((gw_mail_source_def_t *)0)->f) }

static const spec_field_t spec_fields[] =
{
  FIELD("kind", kind), FIELD("host", host), FIELD("folder", folder), FIELD("user", user),
  FIELD("auth", auth), FIELD("provider", provider), FIELD("tenant", tenant), FIELD("client_id", client_id),
  FIELD("scope", scope), FIELD("device_url", device_url), FIELD("token_url", token_url),
  FIELD("cafile", cafile), FIELD("token_cafile", token_cafile), FIELD("authserv_id", authserv_id)
};


/*
 * 'spec_parse()' - A stored spec into def (secrets out separately, sealed); false if damaged.
 */

static bool
spec_parse(const char *name, const char *spec, gw_mail_source_def_t *def, char sealed[3][SEALED_MAX])
{
  static const char * const secret_keys[3] = { "password", "client_secret", "refresh_token" };
  json_object *root = json_tokener_parse(spec), *v;

  memset(def, 0, sizeof(*def));
  if (!root || !json_object_is_type(root, json_type_object))
  {
    json_object_put(root);
    return (false);
  }
  snprintf(def->name, sizeof(def->name), "%s", name);
  for (size_t i = 0; i < sizeof(spec_fields) / sizeof(spec_fields[0]); i ++)
    if (json_object_object_get_ex(root, spec_fields[i].key, &v) && json_object_is_type(v, json_type_string))
      snprintf((char *)def + spec_fields[i].offset, spec_fields[i].size, "%s", json_object_get_string(v));
  if (json_object_object_get_ex(root, "port", &v))
    def->port = json_object_get_int(v);
  if (json_object_object_get_ex(root, "poll", &v))
    def->poll = json_object_get_int(v);
  for (int i = 0; i < 3; i ++)
  {
    sealed[i][0] = '\0';
    if (json_object_object_get_ex(root, secret_keys[i], &v) && json_object_is_type(v, json_type_string))
      snprintf(sealed[i], SEALED_MAX, "%s", json_object_get_string(v));
  }
  def->has_password      = sealed[0][0] != '\0';
  def->has_client_secret = sealed[1][0] != '\0';
  def->has_refresh_token = sealed[2][0] != '\0';
  json_object_put(root);

  return (true);
}


/*
 * 'spec_make()' - The JSON spec of def with its sealed secrets (malloc'd).
 */

static char *
spec_make(const gw_mail_source_def_t *def, char sealed[3][SEALED_MAX])
{
  static const char * const secret_keys[3] = { "password", "client_secret", "refresh_token" };
  json_object *root = json_object_new_object();
  char        *out;

  for (size_t i = 0; i < sizeof(spec_fields) / sizeof(spec_fields[0]); i ++)
    json_object_object_add(root, spec_fields[i].key, json_object_new_string((const char *)def + spec_fields[i].offset));
  json_object_object_add(root, "port", json_object_new_int(def->port));
  json_object_object_add(root, "poll", json_object_new_int(def->poll));
  for (int i = 0; i < 3; i ++)
    if (sealed[i][0])
      json_object_object_add(root, secret_keys[i], json_object_new_string(sealed[i]));
  out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put(root);

  return (out);
}


typedef struct find_s           /* One stored source by name */
{
  const char *name;
  char       *spec;             /* malloc'd copy, or NULL */
} find_t;


/*
 * 'find_cb()' - Keep the spec of the source looked for.
 */

static bool
find_cb(const char *name, const char *spec, void *data)
{
  find_t *f = (find_t *)data;

  if (strcmp(name, f->name))
    return (true);
  f->spec = strdup(spec);
  return (false);
}


/*
 * 'load_spec()' - A console source's settings and its three sealed secrets; false = none.
 */

static bool
load_spec(gw_system_t *sys, int64_t tenant, const char *name, gw_mail_source_def_t *def, char sealed[3][SEALED_MAX])
{
  find_t f = { name, NULL };
  bool   ok;

  if (!name || !gwStoreMailSourceIterate(sys->store, tenant, find_cb, &f) || !f.spec)
    return (false);
  ok = spec_parse(name, f.spec, def, sealed);
  gwWipe(f.spec, strlen(f.spec));
  free(f.spec);

  return (ok);
}


/*
 * '_gwMailSrcLoad()' - A console source's settings (and its client secret, opened).
 */

bool
_gwMailSrcLoad(gw_system_t *sys, int64_t tenant, const char *name, gw_mail_source_def_t *def, char *client_secret, size_t secretsize)
{
  char      (*sealed)[SEALED_MAX];
  const char *error = NULL;
  bool        ok;

  if ((sealed = calloc(3, SEALED_MAX)) == NULL)
    return (false);
  ok = load_spec(sys, tenant, name, def, sealed);
  if (ok && client_secret)
  {
    client_secret[0] = '\0';
    if (sealed[1][0])
      ok = _gwSecretDecrypt(sys->keys, sealed[1], client_secret, secretsize, &error);
  }
  gwWipe(sealed, 3 * SEALED_MAX);
  free(sealed);

  return (ok);
}


/*
 * '_gwMailSrcDefaults()' - The provider's endpoints and scope.
 */

void
_gwMailSrcDefaults(gw_mail_source_def_t *def)
{
  const char *tenant = def->tenant[0] ? def->tenant : "organizations";

  if (!strcmp(def->provider, "microsoft"))
  {
    if (!def->device_url[0])
      snprintf(def->device_url, sizeof(def->device_url), "https://login.microsoftonline.com/%s/oauth2/v2.0/devicecode", tenant);
    if (!def->token_url[0])
      snprintf(def->token_url, sizeof(def->token_url), "https://login.microsoftonline.com/%s/oauth2/v2.0/token", tenant);
    if (!def->scope[0])
      snprintf(def->scope, sizeof(def->scope), "%s", def->kind[0] == 'p' ? "https://outlook.office365.com/POP.AccessAsUser.All offline_access" : "https://outlook.office365.com/IMAP.AccessAsUser.All offline_access");
  }
  else if (!strcmp(def->provider, "google"))
  {
    if (!def->device_url[0])
      snprintf(def->device_url, sizeof(def->device_url), "https://oauth2.googleapis.com/device/code");
    if (!def->token_url[0])
      snprintf(def->token_url, sizeof(def->token_url), "https://oauth2.googleapis.com/token");
    if (!def->scope[0])
      snprintf(def->scope, sizeof(def->scope), "https://mail.google.com/");
  }
}


/* ---- Validation ------------------------------------------------------------------ */


/*
 * 'text_ok()' - Printable ASCII, min to max-1 bytes, spaces only when allowed.
 */

static bool
text_ok(const char *s, size_t min, size_t max, bool spaces)
{
  size_t len = strlen(s);

  if (len < min || len >= max)
    return (false);
  for (; *s; s ++)
    if ((unsigned char)*s < ' ' + (spaces ? 0 : 1) || (unsigned char)*s > '~')
      return (false);
  return (true);
}


/*
 * 'file_ok()' - "" or an absolute path of a regular file, no spaces.
 */

static bool
file_ok(const char *path)
{
  struct stat st;

  return (!path[0] || (path[0] == '/' && text_ok(path, 2, 512, false) && !stat(path, &st) && S_ISREG(st.st_mode)));
}


/*
 * 'url_ok()' - "" or https://..., no spaces.
 */

static bool
url_ok(const char *url)
{
  return (!url[0] || (!strncmp(url, "https://", 8) && text_ok(url, 9, 512, false)));
}


/*
 * 'host_ok()' - A DNS name or an IPv4 address: letters, digits, '-', '.',
 *               not starting with '-' or '.'.
 */

static bool
host_ok(const char *host)
{
  size_t len = strlen(host);

  return (len > 0 && len < 254 && strspn(host, HOST_CHARS) == len && host[0] != '-' && host[0] != '.' && !strstr(host, ".."));
}


/*
 * 'def_check()' - Every field of a source; NULL when fine, else why.
 */

static const char *
def_check(const gw_mail_source_def_t *d, bool has_password)
{
  bool oauth = !strcmp(d->auth, "oauth2");

  if (!d->name[0] || strlen(d->name) > 63 || strspn(d->name, NAME_CHARS) != strlen(d->name))
    return ("the name is 1 to 63 letters, digits, '-', '_' or '.'");
  if (strcmp(d->kind, "imaps") && strcmp(d->kind, "imap") && strcmp(d->kind, "pop3s") && strcmp(d->kind, "pop3"))
    return ("the kind is imaps, imap (STARTTLS), pop3s or pop3 (STLS)");
  if (!host_ok(d->host))
    return ("the server is a host name or an IPv4 address (letters, digits, '-' and '.')");
  if (d->port < 0 || d->port > 65535)
    return ("the port is 1 to 65535 (or empty for the usual one)");
  if (d->folder[0] && (d->kind[0] == 'p' || strlen(d->folder) > 127 || strspn(d->folder, NAME_CHARS "/+") != strlen(d->folder)))
    return ("the folder is IMAP's only: letters, digits, '-', '_', '.', '/' or '+' (at most 127)");
  if (!text_ok(d->user, 1, 256, false))
    return ("the account is 1 to 255 printable characters, no spaces");
  if (strcmp(d->auth, "password") && !oauth)
    return ("the sign-in is password or oauth2");
  if (!oauth && !d->password[0] && !has_password)
    return ("a password is needed");
  if (d->password[0] && !text_ok(d->password, 1, GW_SECRET_MAX + 1, true))
    return ("the password is 1 to 1024 printable characters");
  if (oauth && strcmp(d->provider, "microsoft") && strcmp(d->provider, "google") && strcmp(d->provider, "custom"))
    return ("the OAuth2 provider is microsoft, google or custom");
  if (d->tenant[0] && (strlen(d->tenant) > 127 || strspn(d->tenant, NAME_CHARS) != strlen(d->tenant)))
    return ("the Microsoft tenant is a directory id or domain (letters, digits, '-', '_', '.')");
  if (oauth && !text_ok(d->client_id, 1, 256, false))
    return ("OAuth2 needs a client id (1 to 255 printable characters, no spaces)");
  if (d->client_secret[0] && !text_ok(d->client_secret, 1, GW_SECRET_MAX + 1, false))
    return ("the client secret is 1 to 1024 printable characters, no spaces");
  if (d->scope[0] && (!text_ok(d->scope, 1, 256, true) || strchr(d->scope, ',')))
    return ("the scope is printable, words separated by spaces (no commas)");
  if (!url_ok(d->device_url) || !url_ok(d->token_url))
    return ("the OAuth2 endpoints are https:// URLs (no spaces)");
  if (oauth && !strcmp(d->provider, "custom") && (!d->device_url[0] || !d->token_url[0]))
    return ("a custom OAuth2 provider needs its device and token endpoints");
  if (!file_ok(d->cafile) || !file_ok(d->token_cafile))
    return ("a CA file is an absolute path of a readable file (no spaces)");
  if (d->authserv_id[0] && (strlen(d->authserv_id) > 127 || strspn(d->authserv_id, HOST_CHARS) != strlen(d->authserv_id)))
    return ("the trusted authserv-id is a host name");
  if (d->poll < 0 || d->poll > 1500)
    return ("the poll interval is 1 to 1500 seconds");

  return (NULL);
}


/* ---- The console's side ---------------------------------------------------------- */


/*
 * 'published()' - A copy of a source's published state; false = none.
 */

static bool
published(gw_system_t *sys, const char *name, gw_mail_source_status_t *st)
{
  _gw_mailsrc_t *m = sys->mailsrc;
  bool           found = false;

  pthread_mutex_lock(&m->lock);
  for (int i = 0; i < m->nstatus && !found; i ++)
    if (!strcmp(m->status[i].name, name))
    {
      *st   = m->status[i];
      found = true;
    }
  pthread_mutex_unlock(&m->lock);
  return (found);
}


/*
 * 'seal()' - A secret as an "enc:v1:" value ("" stays "").
 */

static bool
seal(gw_system_t *sys, const char *plain, char *out, const char **error_r)
{
  out[0] = '\0';
  return (!plain[0] || _gwSecretEncrypt(sys->keys, plain, out, SEALED_MAX, error_r));
}


/*
 * 'gwApiMailSourceSave()' - Add or edit a console source.
 */

bool
gwApiMailSourceSave(gw_system_t *sys, const gw_actor_t *actor, const gw_mail_source_def_t *def, bool create, const char **error_r)
{
  gw_mail_source_def_t    old;
  gw_mail_source_status_t st;
  char                  (*sealed)[SEALED_MAX], *spec = NULL;
  const char             *why;
  bool                    exists, ok = false;

  if (!sys || !def || !_gwApiMay(actor, GW_RIGHT_SETTINGS, error_r))
    return (false);
  if ((sealed = calloc(3, SEALED_MAX)) == NULL)
  {
    _gwApiError(error_r, "out of memory");
    return (false);
  }
  exists = def->name[0] && load_spec(sys, actor->tenant, def->name, &old, sealed);   /* sealed: the stored secrets */
  if (create && published(sys, def->name, &st) && !strcmp(st.origin, "config"))
    why = "a source of the configuration file has that name";
  else if (create && exists)
    why = "a source by that name exists";
  else if (!create && !exists)
    why = "no such console source (a configuration file's source is changed in MailSourceFile)";
  else
    why = def_check(def, exists && old.has_password);

  if (!why)
  {
    if ((def->password[0] && !seal(sys, def->password, sealed[0], &why)) ||
        (def->client_secret[0] && !seal(sys, def->client_secret, sealed[1], &why)))
      ;
    else
    {
      if (strcmp(def->auth, "password"))
        sealed[0][0] = '\0';
      if (exists && (strcmp(old.client_id, def->client_id) || strcmp(old.token_url, def->token_url) || strcmp(old.provider, def->provider) || strcmp(old.tenant, def->tenant)))
        sealed[2][0] = '\0';   /* Another client or provider: consent again */
      if ((spec = spec_make(def, sealed)) == NULL || !gwStoreMailSourcePut(sys->store, actor->tenant, def->name, spec))
        why = "the source could not be stored";
      else
        ok = true;
    }
  }
  if (spec)
  {
    gwWipe(spec, strlen(spec));
    free(spec);
  }
  gwWipe(sealed, 3 * SEALED_MAX);
  free(sealed);

  _gwApiAdminDone(sys, actor, ok, error_r, why, create ? "mailsource.add" : "mailsource.edit", def->name, NULL, ok ? def->kind : "refused");
  if (ok)
    _gwMailSrcChanged(sys);
  return (ok);
}


/*
 * 'gwApiMailSourceRemove()' - Remove a console source.
 */

bool
gwApiMailSourceRemove(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char **error_r)
{
  bool ok;

  if (!sys || !_gwApiMay(actor, GW_RIGHT_SETTINGS, error_r))
    return (false);
  ok = name && gwStoreMailSourceRemove(sys->store, actor->tenant, name);
  if (ok)
  {
    pthread_mutex_lock(&sys->mailsrc->lock);
    for (int i = 0; i < GW_MAILSRC_MAX; i ++)
      if (!strcmp(sys->mailsrc->flows[i].name, name))
        gwWipe(sys->mailsrc->flows + i, sizeof(_gw_device_flow_t));
    pthread_mutex_unlock(&sys->mailsrc->lock);
  }
  if (!_gwApiAdminDone(sys, actor, ok, error_r, "no such console source (a configuration file's source is removed from MailSourceFile)", "mailsource.remove", name ? name : "", NULL, ""))
    return (false);
  _gwMailSrcChanged(sys);
  return (true);
}


typedef struct iter_s           /* gwApiMailSourceIterate()'s walk over the stored sources */
{
  gw_system_t         *sys;
  gw_mail_source_cb_t  cb;
  void                *data;
  bool                 stop;
  bool                 done[_GW_MAILSRC_STATUS_MAX];  /* Published entries handed out with their def */
  gw_mail_source_status_t status[_GW_MAILSRC_STATUS_MAX];
  int                  nstatus;
} iter_t;


/*
 * 'iter_stored()' - One console source: with its published state, if any.
 */

static bool
iter_stored(const char *name, const char *spec, void *data)
{
  iter_t                   *it = (iter_t *)data;
  gw_mail_source_def_t      def;
  char                    (*sealed)[SEALED_MAX] = calloc(3, SEALED_MAX);
  const gw_mail_source_status_t *st = NULL;
  bool                      ok;

  if (!sealed)
    return (false);
  ok = spec_parse(name, spec, &def, sealed);
  gwWipe(sealed, 3 * SEALED_MAX);
  free(sealed);
  if (!ok)
    return (true);
  for (int i = 0; i < it->nstatus; i ++)
    if (!strcmp(it->status[i].name, name) && !strcmp(it->status[i].origin, "console"))
    {
      st = it->status + i;
      it->done[i] = true;
    }
  if (!it->cb(st, &def, it->data))
    it->stop = true;
  return (!it->stop);
}


/*
 * 'gwApiMailSourceIterate()' - Every source: the console's (with their
 *                              state), then the others published.
 */

bool
gwApiMailSourceIterate(gw_system_t *sys, const gw_actor_t *actor, gw_mail_source_cb_t cb, void *data)
{
  iter_t *it;
  bool    ok;

  if (!sys || !cb || !_gwApiMay(actor, GW_RIGHT_READ, NULL) || (it = calloc(1, sizeof(iter_t))) == NULL)
    return (false);
  it->sys  = sys;
  it->cb   = cb;
  it->data = data;
  pthread_mutex_lock(&sys->mailsrc->lock);
  it->nstatus = sys->mailsrc->nstatus;
  memcpy(it->status, sys->mailsrc->status, (size_t)it->nstatus * sizeof(gw_mail_source_status_t));
  pthread_mutex_unlock(&sys->mailsrc->lock);

  ok = gwStoreMailSourceIterate(sys->store, actor->tenant, iter_stored, it);
  for (int i = 0; ok && !it->stop && i < it->nstatus; i ++)
    if (!it->done[i] && !cb(it->status + i, NULL, data))
      break;
  free(it);

  return (ok);
}


typedef struct lines_s          /* gwApiMailSourceLines()'s walk */
{
  gw_policy_name_cb_t cb;
  void               *data;
  char               *line;     /* GW_STORE_MAILSRC_SPEC_MAX + 1 */
} lines_t;


/*
 * 'line_add()' - Append " key=value" when value is not empty (spaces of a scope become commas).
 */

static void
line_add(char *line, size_t size, const char *key, const char *value)
{
  size_t len = strlen(line);

  if (!value[0] || len >= size - 1)
    return;
  snprintf(line + len, size - len, " %s=%s", key, value);
  if (!strcmp(key, "scope"))
    for (char *p = line + len + 7; *p; p ++)
      if (*p == ' ')
        *p = ',';
}


/*
 * 'lines_cb()' - One console source as a MailSourceFile line (an oauth2
 *                source waiting for its consent has none).
 */

static bool
lines_cb(const char *name, const char *spec, void *data)
{
  lines_t              *l = (lines_t *)data;
  gw_mail_source_def_t  d;
  char                (*sealed)[SEALED_MAX] = calloc(3, SEALED_MAX), poll[16];
  size_t                size = GW_STORE_MAILSRC_SPEC_MAX + 1;
  bool                  oauth, go = true;

  if (!sealed)
    return (false);
  if (spec_parse(name, spec, &d, sealed) && (!(oauth = !strcmp(d.auth, "oauth2")) || sealed[2][0]))
  {
    _gwMailSrcDefaults(&d);
    snprintf(l->line, size, "%s %s://%s:%d%s%s user=%s", name, d.kind, d.host,
             d.port ? d.port : !strcmp(d.kind, "imaps") ? 993 : !strcmp(d.kind, "imap") ? 143 : !strcmp(d.kind, "pop3s") ? 995 : 110,
             d.kind[0] == 'i' ? "/" : "", d.kind[0] == 'i' ? (d.folder[0] ? d.folder : "INBOX") : "", d.user);
    if (oauth)
    {
      line_add(l->line, size, "auth", "oauth2");
      line_add(l->line, size, "token-url", d.token_url);
      line_add(l->line, size, "client-id", d.client_id);
      line_add(l->line, size, "client-secret", sealed[1]);
      line_add(l->line, size, "refresh-token", sealed[2]);
      line_add(l->line, size, "scope", d.scope);
      line_add(l->line, size, "token-cafile", d.token_cafile);
    }
    else
      line_add(l->line, size, "password", sealed[0]);
    line_add(l->line, size, "cafile", d.cafile);
    line_add(l->line, size, "authserv-id", d.authserv_id);
    snprintf(poll, sizeof(poll), "%d", d.poll ? d.poll : 60);
    line_add(l->line, size, "poll", poll);
    go = l->cb(name, l->line, l->data);
    gwWipe(l->line, size);
  }
  gwWipe(sealed, 3 * SEALED_MAX);
  free(sealed);

  return (go);
}


/*
 * 'gwApiMailSourceLines()' - The console's sources as MailSourceFile lines.
 */

bool
gwApiMailSourceLines(gw_system_t *sys, const gw_actor_t *actor, gw_policy_name_cb_t cb, void *data)
{
  lines_t l = { cb, data, NULL };
  bool    ok;

  if (!sys || !cb || !_gwApiActorValid(actor) || (l.line = calloc(1, GW_STORE_MAILSRC_SPEC_MAX + 1)) == NULL)
    return (false);
  ok = gwStoreMailSourceIterate(sys->store, actor->tenant, lines_cb, &l);
  free(l.line);
  return (ok);
}


/*
 * 'gwApiMailSourceTest()' - Test a running source's connection (slow).
 */

bool
gwApiMailSourceTest(gw_system_t *sys, const gw_actor_t *actor, const char *name, char *text, size_t textsize, const char **error_r)
{
  gw_mail_source_hooks_t  hooks;
  gw_mail_source_status_t st;
  bool                    ok;

  if (text && textsize)
    text[0] = '\0';
  if (!sys || !text || !textsize || !_gwApiMay(actor, GW_RIGHT_SETTINGS, error_r))
    return (false);
  if (!name || !published(sys, name, &st))
  {
    _gwApiError(error_r, "no such source running (an OAuth2 source runs once its consent is given)");
    return (false);
  }
  if (!hook_begin(sys->mailsrc, &hooks) || !hooks.test)
  {
    _gwApiError(error_r, "the mail front-end is not running");
    return (false);
  }
  ok = hooks.test(sys, name, text, textsize, hooks.data);
  hook_end(sys->mailsrc);
  for (char *p = text; *p; p ++)
    if ((unsigned char)*p < ' ')
      *p = ' ';
  _gwApiAudit(sys, actor, "mailsource.test", name, "", NULL, ok ? 1 : 0, ok ? "ok" : text);
  if (!ok)
    _gwApiError(error_r, "the connection test failed");

  return (ok);
}


/*
 * '_gwMailSrcSetRefresh()' - Store a console source's new refresh token, sealed.
 */

bool
_gwMailSrcSetRefresh(gw_system_t *sys, int64_t tenant, const char *name, const char *refresh, bool reload, const char **error_r)
{
  gw_mail_source_def_t def;
  char               (*sealed)[SEALED_MAX] = calloc(3, SEALED_MAX), *spec = NULL;
  bool                 ok = false;

  if (!sealed)
    return (false);
  if (!load_spec(sys, tenant, name, &def, sealed))
    *error_r = "the source was removed";
  else if (strlen(refresh) > GW_SECRET_MAX)
    *error_r = "the refresh token is longer than 4096 bytes";
  else if (seal(sys, refresh, sealed[2], error_r))
  {
    if ((spec = spec_make(&def, sealed)) != NULL && gwStoreMailSourcePut(sys->store, tenant, name, spec))
      ok = true;
    else
      *error_r = "the refresh token could not be stored";
  }
  if (spec)
  {
    gwWipe(spec, strlen(spec));
    free(spec);
  }
  gwWipe(sealed, 3 * SEALED_MAX);
  free(sealed);
  if (ok && reload)
    _gwMailSrcChanged(sys);

  return (ok);
}


/*
 * 'gwApiMailSourceKeepRefreshToken()' - A console source's rotated refresh
 *                                       token, stored sealed (no reload:
 *                                       the running source has it).
 */

bool
gwApiMailSourceKeepRefreshToken(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *refresh, const char **error_r)
{
  *error_r = "refused";
  if (!sys || !sys->mailsrc || !_gwApiActorValid(actor) || !name || !refresh || !*refresh)
    return (false);

  return (_gwMailSrcSetRefresh(sys, actor->tenant, name, refresh, false, error_r));
}


/*
 * '_gwMailSrcHealth()' - The published states for /health.
 */

json_object *
_gwMailSrcHealth(gw_system_t *sys)
{
  json_object   *list = json_object_new_array();
  _gw_mailsrc_t *m = sys->mailsrc;
  int64_t        now = (int64_t)time(NULL);

  if (!m)
    return (list);
  pthread_mutex_lock(&m->lock);
  for (int i = 0; i < m->nstatus; i ++)
  {
    const gw_mail_source_status_t *st = m->status + i;
    json_object                   *o = json_object_new_object();

    json_object_object_add(o, "name", json_object_new_string(st->name));
    json_object_object_add(o, "kind", json_object_new_string(st->kind));
    json_object_object_add(o, "origin", json_object_new_string(st->origin));
    json_object_object_add(o, "state", json_object_new_string(st->state));
    json_object_object_add(o, "last_poll", json_object_new_int64(st->last_poll));
    json_object_object_add(o, "lag", json_object_new_int64(st->last_poll ? now - st->last_poll : -1));
    json_object_object_add(o, "last_error", json_object_new_string(st->last_error));
    json_object_object_add(o, "taken", json_object_new_int64(st->taken));
    json_object_array_add(list, o);
  }
  pthread_mutex_unlock(&m->lock);

  return (list);
}


/*
 * '_gwMailSrcSnapshot()' - A copy of up to max published states (for
 *                          /metrics, read without the lock held); their
 *                          number.
 */

int
_gwMailSrcSnapshot(gw_system_t *sys, gw_mail_source_status_t *st, int max)
{
  _gw_mailsrc_t *m = sys->mailsrc;
  int            n = 0;

  if (!m)
    return (0);
  pthread_mutex_lock(&m->lock);
  for (; n < m->nstatus && n < max; n ++)
    st[n] = m->status[n];
  pthread_mutex_unlock(&m->lock);

  return (n);
}
