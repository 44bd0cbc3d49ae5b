/*
 * mail-source-console.c - the mail front-end's side of the core's mail
 * source registry (printgate/mailsrc.h; docs/admin.md, "Mail sources"):
 * the sources made in the admin console, read through the core as
 * MailSourceFile lines (their secrets sealed, opened at start as the
 * file's are), and each source's state published to the core whenever
 * its health changes, so the console and /health show it without
 * including mail/.
 */

#include "mail-source.h"
#include "printgate/log.h"
#include "printgate/mailsrc.h"

#include <stdio.h>
#include <string.h>


/*
 * 'system_actor()' - The front-end's own actor (the system, for the mail origin).
 */

static void
system_actor(gw_actor_t *actor, const char *where)
{
  memset(actor, 0, sizeof(*actor));
  actor->tenant   = GW_DEFAULT_TENANT;
  actor->who      = "system";
  actor->role     = GW_ROLE_ADMIN;
  actor->where    = where;
  actor->frontend = "mail";
}


typedef struct console_load_s   /* _gwMailSourcesLoadConsole()'s walk */
{
  gw_system_t      *sys;
  gw_mail_source_t *sources;
  int              *count;
} console_load_t;


/*
 * 'console_line()' - One console source's line.
 */

static bool
console_line(const char *name, const char *line, void *data)
{
  console_load_t   *cl = (console_load_t *)data;
  gw_mail_source_t *s;
  char              copy[GW_MAIL_LINE_MAX];
  const char       *error;

  if (*cl->count >= GW_MAIL_SOURCES_MAX)
  {
    gwLog(gwSystemGetLog(cl->sys), GW_LOG_ERROR, "Mail source %s (console) not started: already %d sources.", name, GW_MAIL_SOURCES_MAX);
    return (false);
  }
  s = cl->sources + *cl->count;
  if (strlen(line) >= sizeof(copy))
    error = "its settings are too long";
  else
  {
    snprintf(copy, sizeof(copy), "%s", line);
    error = _gwMailSourceParseLine(copy, s);
    gwWipe(copy, sizeof(copy));
  }
  for (int i = 0; !error && i < *cl->count; i ++)
    if (!strcmp(cl->sources[i].name, s->name))
      error = "a source of MailSourceFile has the same name";
  if (error)
  {
    gwLog(gwSystemGetLog(cl->sys), GW_LOG_ERROR, "Mail source %s (console) not started: %s.", name, error);
    gwWipe(s, sizeof(*s));
    return (true);
  }
  for (char *p = s->oauth.scope; *p; p ++)     /* The line's scope has commas for spaces */
    if (*p == ',')
      *p = ' ';
  s->console = true;
  (*cl->count) ++;

  return (true);
}


/*
 * '_gwMailSourcesLoadConsole()' - The console's sources, after those of the file.
 */

void
_gwMailSourcesLoadConsole(gw_system_t *sys, gw_mail_source_t *sources, int *count)
{
  console_load_t cl = { sys, sources, count };
  gw_actor_t     actor;

  system_actor(&actor, "mail");
  if (!gwApiMailSourceLines(sys, &actor, console_line, &cl))
    gwLog(gwSystemGetLog(sys), GW_LOG_ERROR, "The mail sources made in the console could not be read from the store.");
}


/*
 * '_gwMailSourcesUnpublish()' - Forget every published state (a reload, a stop).
 */

void
_gwMailSourcesUnpublish(gw_system_t *sys)
{
  gw_actor_t actor;

  system_actor(&actor, "mail");
  gwApiMailSourceUnpublishAll(sys, &actor);
}


/*
 * '_gwMailSourcePublish()' - Publish a source's state to the core.
 */

void
_gwMailSourcePublish(gw_mail_source_t *src)
{
  static const char * const kinds[][2] = { { "imap", "imaps" }, { "pop3", "pop3s" }, { "graph", "graph" }, { "ews", "ews" } };
  gw_mail_source_status_t   st;
  gw_mail_health_t          h;
  gw_actor_t                actor;

  if (src->probe)
    return;
  memset(&st, 0, sizeof(st));
  pthread_mutex_lock(&src->mutex);
  h = src->health;
  pthread_mutex_unlock(&src->mutex);

  snprintf(st.name, sizeof(st.name), "%s", src->name);
  snprintf(st.kind, sizeof(st.kind), "%s", kinds[src->proto][src->implicit_tls ? 1 : 0]);
  snprintf(st.server, sizeof(st.server), "%s:%d", src->host, src->port);
  snprintf(st.account, sizeof(st.account), "%s", src->user);
  snprintf(st.folder, sizeof(st.folder), "%s", src->proto == GW_MAIL_PROTO_IMAP ? src->mailbox : src->proto == GW_MAIL_PROTO_POP3 ? "" : src->folder);
  snprintf(st.origin, sizeof(st.origin), "%s", src->console ? "console" : "config");
  snprintf(st.state, sizeof(st.state), "%s", h.stopped ? "stopped" : h.last_error_at > h.last_success ? "error" : h.last_success ? "ok" : "starting");
  st.last_poll     = (int64_t)h.last_success;
  st.last_error_at = (int64_t)h.last_error_at;
  snprintf(st.last_error, sizeof(st.last_error), "%s", h.last_error);
  st.taken         = (int64_t)__atomic_load_n(&src->taken, __ATOMIC_RELAXED);
  st.errors        = h.errors;

  system_actor(&actor, src->name);
  gwApiMailSourcePublish(src->sys, &actor, &st);
}


/*
 * '_gwMailSourceKeepRefresh()' - The token endpoint rotated the refresh
 *                                token: a console source's new one goes to
 *                                the store (sealed there) so a restart
 *                                uses it; a MailSourceFile source's cannot
 *                                be written back, which the log says.
 */

void
_gwMailSourceKeepRefresh(gw_mail_source_t *src)
{
  gw_actor_t  actor;
  const char *error = NULL;

  if (src->probe)
    return;
  if (!src->console)
  {
    gwLog(gwSystemGetLog(src->sys), GW_LOG_WARN, "Mail source %s: the token endpoint sent a new refresh token; MailSourceFile still holds the old one (it is used until a restart, then the old one is tried).", src->name);
    return;
  }
  system_actor(&actor, src->name);
  if (gwApiMailSourceKeepRefreshToken(src->sys, &actor, src->name, src->oauth.refresh_token, &error))
    gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: the token endpoint sent a new refresh token; stored (sealed) for the next start.", src->name);
  else
    gwLog(gwSystemGetLog(src->sys), GW_LOG_ERROR, "Mail source %s: the token endpoint sent a new refresh token that could not be stored: %s.", src->name, error);
}
