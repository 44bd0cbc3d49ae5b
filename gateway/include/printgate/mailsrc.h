/*
 * mailsrc.h - mail sources in the core (docs/admin.md, "Mail sources"):
 *
 *  - a registry of every source's state that the mail front-end publishes
 *    (gwApiMailSourcePublish()) and the console and /health read, so the
 *    console never includes mail/;
 *  - the sources made in the admin console, kept in the store with their
 *    secrets sealed as "enc:v1:" values (as printgate secret encrypt makes
 *    them), handed to the mail front-end as MailSourceFile lines;
 *  - the front-end's hooks: test a source's connection, read the console's
 *    sources again after a change (no restart);
 *  - the OAuth2 device authorization grant (RFC 8628) that gets a refresh
 *    token for a console source (oauth-device.c).
 *
 * Rights: the list is GW_RIGHT_READ (admin, helpdesk, auditor: no secret
 * is ever in it); adding, editing, removing, testing and OAuth consent are
 * GW_RIGHT_SETTINGS (admin).  Every change and test is audited, never with
 * a secret.
 */

#ifndef PRINTGATE_MAILSRC_H
#define PRINTGATE_MAILSRC_H

#include "api.h"

#define GW_MAILSRC_MAX  32              /* Sources made in the console */

typedef struct gw_mail_source_status_s  /* One source's state (published by the mail front-end) */
{
  char    name[64];
  char    kind[16];                     /* imaps, imap (STARTTLS), pop3s, pop3 (STLS), graph, ews */
  char    server[300];                  /* host:port */
  char    account[256];
  char    folder[128];
  char    origin[16];                   /* "config" (MailSourceFile) or "console" (the store) */
  char    state[16];                    /* starting, ok, error, stopped */
  int64_t last_poll;                    /* Last round that completed, 0 = never */
  int64_t last_error_at;                /* 0 = none */
  char    last_error[256];
  int64_t taken;                        /* Messages taken since the source started */
  int64_t errors;                       /* Errors (failed rounds, stops) since the source started */
  int64_t published;                    /* When this was published (set by the core) */
} gw_mail_source_status_t;

typedef struct gw_mail_source_def_s     /* A source made in the console (what the form sends) */
{
  char name[64];                        /* [A-Za-z0-9._-]{1,63} */
  char kind[8];                         /* imaps, imap (STARTTLS), pop3s, pop3 (STLS) */
  char host[254];                       /* A DNS name or an IP address */
  int  port;                            /* 1-65535, 0 = the kind's default */
  char folder[128];                     /* IMAP mailbox (default INBOX) */
  char user[256];
  char password[1025];                  /* auth=password; "" on an edit keeps the stored one */
  char auth[16];                        /* password or oauth2 */
  char provider[16];                    /* oauth2: microsoft, google or custom */
  char tenant[128];                     /* microsoft: the directory (default "organizations") */
  char client_id[256];
  char client_secret[1025];             /* Optional (Google's device clients have one); "" on an edit keeps it */
  char scope[256];                      /* "" = the provider's */
  char device_url[512];                 /* https://; "" = the provider's */
  char token_url[512];                  /* https://; "" = the provider's */
  char cafile[512];                     /* The server's CA file ("" = the system store) */
  char token_cafile[512];               /* The OAuth endpoints' CA file ("" = cafile) */
  char authserv_id[128];                /* Trusted Authentication-Results id */
  int  poll;                            /* Seconds, 1-1500, 0 = 60 */
  bool has_password;                    /* Out: a secret is stored (never the secret) */
  bool has_client_secret;
  bool has_refresh_token;
} gw_mail_source_def_t;

typedef struct gw_oauth_device_s        /* A device authorization in progress (RFC 8628) */
{
  char    state[16];                    /* pending, done, denied, expired, error, none */
  char    user_code[64];
  char    verification_uri[512];
  int     interval;                     /* Seconds between token requests (slow_down adds 5) */
  int64_t expires;                      /* When the device code expires */
  int     polls;                        /* Token requests so far */
  char    text[256];                    /* What happened, in words */
} gw_oauth_device_t;

/* ---- The mail front-end's side ---------------------------------------------------- */

/* A source's state, whenever it changes (any actor of the front-end). */
extern void gwApiMailSourcePublish(gw_system_t *sys, const gw_actor_t *actor, const gw_mail_source_status_t *status);
/* A console source's token endpoint rotated its refresh token: store the new one (plain here; sealed in the store) so a restart uses it.  No reload. */
extern bool gwApiMailSourceKeepRefreshToken(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char *refresh, const char **error_r);
/* Every published state forgotten (a reload, a stop). */
extern void gwApiMailSourceUnpublishAll(gw_system_t *sys, const gw_actor_t *actor);

typedef struct gw_mail_source_hooks_s
{
  /* Connect with TLS verified, log in, open the folder of the running source
     'name'; false with the step that failed in words.  Runs on a core task. */
  bool (*test)(gw_system_t *sys, const char *name, char *text, size_t textsize, void *data);
  /* The console's sources changed: read them again (gwApiMailSourceLines()). */
  void (*changed)(gw_system_t *sys, void *data);
  void  *data;
} gw_mail_source_hooks_t;

/* The front-end's hooks (NULL: none, at its stop). */
extern void gwApiMailSourceSetHooks(gw_system_t *sys, const gw_mail_source_hooks_t *hooks);
/* The console's sources as MailSourceFile lines ("NAME URL key=value ..."), secrets sealed. */
extern bool gwApiMailSourceLines(gw_system_t *sys, const gw_actor_t *actor, gw_policy_name_cb_t cb, void *data);

/* ---- The console's side --------------------------------------------------------- */

/* One source: its state (NULL when none is published yet) and, for a console source, its settings (no secret). */
typedef bool (*gw_mail_source_cb_t)(const gw_mail_source_status_t *status, const gw_mail_source_def_t *def, void *data);
/* GW_RIGHT_READ: every source, published ones first (by name), then console sources not running. */
extern bool gwApiMailSourceIterate(gw_system_t *sys, const gw_actor_t *actor, gw_mail_source_cb_t cb, void *data);
/* GW_RIGHT_SETTINGS: add (create) or edit a console source; every field checked; the front-end reloads.  Audit "mailsource.add" / "mailsource.edit". */
extern bool gwApiMailSourceSave(gw_system_t *sys, const gw_actor_t *actor, const gw_mail_source_def_t *def, bool create, const char **error_r);
/* GW_RIGHT_SETTINGS: remove a console source (a config file's is refused).  Audit "mailsource.remove". */
extern bool gwApiMailSourceRemove(gw_system_t *sys, const gw_actor_t *actor, const char *name, const char **error_r);
/* GW_RIGHT_SETTINGS: test a running source (slow); text says what worked or which step failed.  Audit "mailsource.test". */
extern bool gwApiMailSourceTest(gw_system_t *sys, const gw_actor_t *actor, const char *name, char *text, size_t textsize, const char **error_r);
/* GW_RIGHT_SETTINGS: start the device authorization of an oauth2 console source (slow: one HTTPS request). */
extern bool gwApiMailSourceOAuthStart(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_oauth_device_t *device, const char **error_r);
/* GW_RIGHT_SETTINGS: its state; when its interval has passed, one token request (slow).  Done: the refresh token is stored sealed and the front-end reloads. */
extern bool gwApiMailSourceOAuthPoll(gw_system_t *sys, const gw_actor_t *actor, const char *name, gw_oauth_device_t *device, const char **error_r);

#endif /* !PRINTGATE_MAILSRC_H */
