/*
 * mail-source.h - mail sources (IMAP, POP3) and the intake of one message:
 * the mail front-end's internals (docs/mail.md).  Only mail/ includes it.
 */

#ifndef PRINTGATE_MAIL_SOURCE_H
#define PRINTGATE_MAIL_SOURCE_H

#include "mail-private.h"
#include "printgate/api.h"
#include "printgate/oauth.h"

#include <pthread.h>
#include <time.h>

#define GW_MAIL_SOURCES_MAX  32

typedef enum gw_mail_proto_e
{
  GW_MAIL_PROTO_IMAP,
  GW_MAIL_PROTO_POP3,
  GW_MAIL_PROTO_GRAPH,                  /* Microsoft Graph (graph://), HTTPS */
  GW_MAIL_PROTO_EWS                     /* Exchange Web Services (ews://), HTTPS */
} gw_mail_proto_t;

typedef enum gw_mail_auth_e             /* auth= */
{
  GW_MAIL_AUTH_PASSWORD,                /* LOGIN / USER+PASS / HTTP Basic */
  GW_MAIL_AUTH_NTLM,                    /* EWS only: HTTP NTLM */
  GW_MAIL_AUTH_OAUTH2                   /* XOAUTH2 (IMAP, POP3), bearer (EWS, Graph) */
} gw_mail_auth_t;

#define GW_MAIL_TOKEN_MAX    GW_OAUTH_TOKEN_MAX  /* Bytes of an access or refresh token */
#define GW_MAIL_LINE_MAX     12288      /* Bytes of a source's line (a sealed refresh token is up to 5,506) */

typedef gw_oauth_t gw_mail_oauth_t;     /* OAuth2 client of one source (the core's, printgate/oauth.h; mail-oauth.c) */

typedef struct gw_mail_health_s         /* The source's health (/health details) */
{
  time_t last_success;                  /* Last round that completed, 0 = never */
  time_t last_error_at;
  char   last_error[256];
  int    backoff;                       /* Seconds until the next attempt after an error, 0 = none */
  int64_t errors;                       /* Errors since the source started (/metrics) */
  bool   stopped;                       /* Stopped for good (TLS, configuration) */
} gw_mail_health_t;

typedef enum gw_mail_done_e             /* What became of a message */
{
  GW_MAIL_DONE_PRINTED,                 /* Its jobs are committed (or were before): flag/move/delete it */
  GW_MAIL_DONE_REJECTED,                /* Nothing to print, for good: flag/move it to Rejected */
  GW_MAIL_RETRY,                        /* The gateway could not take it now: leave it, try later */
  GW_MAIL_IN_FLIGHT                     /* Its parts are submitted: it is done later, through the window */
} gw_mail_done_t;

#define GW_MAIL_IN_FLIGHT_MAX  64       /* in-flight= at most */
#define GW_MAIL_RETRIES        3        /* Submissions again of a part whose job failed internal-error */
#define GW_MAIL_BUSY_RETRIES   30       /* busy-retries= default: rounds a message may be left for later */
#define GW_MAIL_RETRY_SLOTS    32       /* Messages whose rounds left for later are counted at once */

typedef struct gw_mail_retry_s          /* A message left for later (busy, a storage error), and how often */
{
  char key[128];
  int  count;
} gw_mail_retry_t;

typedef struct _gw_mail_inflight_s gw_mail_inflight_t;   /* A message waiting for its outcomes (mail-intake.c) */

/* What a poller does once a message is done (PRINTED or REJECTED): flag, move, delete, UIDL.
   key and tag are those the message was taken with; false = the connection broke. */
typedef bool (*gw_mail_done_cb_t)(void *data, const char *key, void *tag, gw_mail_done_t done);

typedef struct gw_mail_source_s
{
  /* From the MailSourceFile line */
  char             name[64];
  gw_mail_proto_t  proto;
  bool             implicit_tls;        /* imaps:// pop3s:// (else STARTTLS / STLS, required) */
  char             host[256];
  int              port;
  char             mailbox[128];        /* IMAP only */
  char             path[256];           /* EWS / Graph: the URL's path ("/EWS/Exchange.asmx", "/v1.0") */
  char             folder[128];         /* EWS / Graph: folder= (default inbox) */
  char             user[256];
  char             password[256];
  gw_mail_auth_t   auth;
  gw_mail_oauth_t  oauth;
  gw_sasl_oauth_t  sasl;                /* sasl=: xoauth2 (default) or oauthbearer (IMAP, POP3 with auth=oauth2) */
  char             cafile[1024];        /* "" = the system store */
  bool             verify;              /* verify=no: the admin turned verification off for this source */
  char             authserv_id[256];    /* Trusted Authentication-Results id ("" = none trusted) */
  int              poll;                /* Seconds between polls (and the bounded IDLE wait) */
  char             done[16];            /* "move", "flag" or "delete" */
  char             printed[64], rejected[64];
  bool             force_mono, force_duplex, print_body;
  int              quarantine_max;      /* Quarantined jobs per sender address */
  int              in_flight;           /* in-flight=: messages in flight at once (0 = 2 x ConversionWorkers) */
  int              busy_retries;        /* busy-retries=: rounds a message may be left for later, then it is answered */
  gw_mail_limits_t limits;
  bool             console;             /* Made in the admin console (the store), not MailSourceFile */
  bool             probe;               /* A copy for the console's connection test: publishes nothing */

  /* Runtime */
  gw_system_t     *sys;
  pthread_t        thread;
  bool             started;
  int              wake[2];             /* Pipe: a byte wakes the poller (stop) */
  volatile bool    stop;
  char             uidl_path[GW_PATH_MAX + 96];     /* POP3: done UIDLs, one a line */
  pthread_mutex_t  mutex;               /* Guards the window (the poller and the event thread) and health */
  pthread_cond_t   cond;                /* An outcome arrived */
  gw_mail_inflight_t *inflight;         /* The window: messages waiting for their outcomes, oldest first */
  int              ninflight;
  int              window;              /* Its size (in_flight, or the default), set at start */
  bool             resync;              /* Events were lost: read the waiting parts' jobs again */
  unsigned         taken;               /* Messages taken (done or in flight, not left for later): the poller's */
  bool             more;                /* The last round stopped at its batch size having taken some: go on at once */
  gw_mail_retry_t  retries[GW_MAIL_RETRY_SLOTS]; /* Messages left for later (the poller's only) */
  unsigned         retry_next;          /* The slot a new one takes when none is free */
  gw_mail_health_t health;              /* Guarded by mutex */
} gw_mail_source_t;

typedef struct gw_mail_http_s           /* One HTTPS exchange (mail-http.c) */
{
  long    status;                       /* HTTP status, 0 = no answer */
  char   *body;                         /* The answer (malloc'd, NUL-terminated), or NULL */
  size_t  len;
  int     retry_after;                  /* Retry-After seconds (429, 503), 0 = none */
  bool    tls_refused;                  /* The server's certificate was not trusted: stop the source */
  bool    too_large;                    /* The answer passed the limit */
  bool    invalid_token;                /* 401: the bearer token was refused */
  char    error[256];                   /* Transport error, "" if an answer came */
} gw_mail_http_t;

/* mail-source-config.c: one source line (split in place); NULL when fine, else why. */
extern const char    *_gwMailSourceParseLine(char *line, gw_mail_source_t *s);
/* mail-source-console.c: the admin console's sources (the store, through the core) after the count there are;
   a line that does not read, or a name taken, is logged and skipped. */
extern void           _gwMailSourcesLoadConsole(gw_system_t *sys, gw_mail_source_t *sources, int *count);
/* Publish a source's state to the core (mailsrc.h), from its health (thread-safe). */
extern void           _gwMailSourcePublish(gw_mail_source_t *src);
extern void           _gwMailSourcesUnpublish(gw_system_t *sys);
/* The token endpoint rotated the source's refresh token (now in src->oauth): a console source's is stored (sealed) for the next start. */
extern void           _gwMailSourceKeepRefresh(gw_mail_source_t *src);
/* mail-etpan-source.c: test a source's connection (a copy, not running): TLS verified, log in, open the folder (IMAP);
   false with the step that failed, in words. */
extern bool           _gwMailSourceProbe(gw_mail_source_t *src, char *text, size_t textsize);
/* mail-source-config.c: read MailSourceFile; false with "FILE:LINE: why". */
extern bool           _gwMailSourcesLoad(const char *path, gw_mail_source_t *sources, int *count, char *why, size_t whysize);
/* mail-etpan-source.c: the poller thread of one source (IMAP or POP3; EWS and Graph handed on). */
extern void          *_gwMailSourceRun(void *arg);
/* mail-graph.c, mail-ews.c: the poller of a Graph or EWS source. */
extern void           _gwMailGraphRun(gw_mail_source_t *src);
extern void           _gwMailEwsRun(gw_mail_source_t *src);
typedef enum gw_mail_round_e           /* How a round (or one request of it) went */
{
  GW_MAIL_ROUND_OK,
  GW_MAIL_ROUND_FAIL,                   /* Try again after the backoff */
  GW_MAIL_ROUND_STOP                    /* Stopped (asked, or for good: TLS) */
} gw_mail_round_t;

/* mail-http.c: libcurl's global set-up (mail_start, before the pollers start). */
extern void           _gwMailHttpInit(void);
/* One HTTPS request of a source (TLS verified, bounded answer, no redirects). */
extern bool           _gwMailHttp(gw_mail_source_t *src, const char *method, const char *url, const char *type, const char *body, const char *bearer, const char *cafile, size_t max, gw_mail_http_t *resp);
extern void           _gwMailHttpFree(gw_mail_http_t *resp);
/* A request with the source's credentials: the OAuth2 token (one new one on 401), Retry-After
   waits on 429/503.  ROUND_OK: a 2xx answer in resp (free it); else logged, resp freed. */
extern gw_mail_round_t _gwMailHttpCall(gw_mail_source_t *src, const char *method, const char *url, const char *type, const char *body, size_t max, gw_mail_http_t *resp);
/* "https://HOST[:PORT]/" of an EWS or Graph source. */
extern void           _gwMailHttpOrigin(gw_mail_source_t *src, char *origin, size_t size);
/* Rounds every poll seconds, backoff (1 s doubling to 5 min) after a failed one, until stopped. */
extern void           _gwMailPollLoop(gw_mail_source_t *src, gw_mail_round_t (*round)(void *data), void *data);
/* A stable, short key (32 hex digits) for a long server id (Graph, EWS). */
extern void           _gwMailIdKey(const char *id, char *key, size_t keysize);
/* URL-encode a path segment or form value. */
extern bool           _gwMailUrlEncode(const char *in, char *out, size_t outsize);
/* mail-oauth.c: the access token (cached, or a new grant); NULL (health and log set) on failure. */
extern const char    *_gwMailOAuthToken(gw_mail_source_t *src, bool *tls_refused);
/* The token was refused (401): forget it, so the next call grants a new one. */
extern void           _gwMailOAuthInvalidate(gw_mail_source_t *src);
/* mail-source-health.c: health of a source (thread-safe). */
extern void           _gwMailHealthOk(gw_mail_source_t *src);
extern void           _gwMailHealthError(gw_mail_source_t *src, int backoff, bool stopped, const char *fmt, ...) GW_FORMAT(4, 5);
/* True when the stop was asked; waits up to seconds (or until woken). */
extern bool           _gwMailSourceSleep(gw_mail_source_t *src, int seconds);
/* mail-intake.c: one whole message, its key (for the jobs' origin references) unique in the source:
   done at once (PRINTED, REJECTED, RETRY), or IN_FLIGHT (kept in the window with its tag, done later by
   _gwMailWindowRoom / _gwMailWindowDrain).  data may be freed when it returns. */
extern gw_mail_done_t _gwMailIntake(gw_mail_source_t *src, const char *key, const char *data, size_t size, void *tag);
/* A message of the window whose parts all have outcomes (or past its wait): its reply; freed. */
extern gw_mail_done_t _gwMailIntakeFinish(gw_mail_source_t *src, gw_mail_inflight_t **m, char *key, size_t keysize, void **tag);
/* mail-intake-window.c: finish the done messages of the window (done() for each), then wait while it is
   full.  false = stopped, or done() failed (the connection broke). */
extern bool           _gwMailWindowRoom(gw_mail_source_t *src, gw_mail_done_cb_t done, void *data);
/* Finish every message in flight (the end of a round or POP3 session).  false as above. */
extern bool           _gwMailWindowDrain(gw_mail_source_t *src, gw_mail_done_cb_t done, void *data);
/* Forget the messages in flight (a stop, a broken connection): not marked, taken again later. */
extern void           _gwMailWindowAbandon(gw_mail_source_t *src);
/* Put a message in the window / take it out (mail-intake.c, under no lock). */
extern void           _gwMailWindowAdd(gw_mail_source_t *src, gw_mail_inflight_t *m);
extern void           _gwMailWindowRemove(gw_mail_source_t *src, gw_mail_inflight_t *m);
/* A job event of origin "mail" (the front-end's subscriber thread). */
extern void           _gwMailIntakeEvent(gw_mail_source_t *src, const gw_job_event_t *event);
/* A message over the size cap, refused before download. */
extern void           _gwMailIntakeTooLarge(gw_mail_source_t *src, const char *key, size_t size);

#endif /* !PRINTGATE_MAIL_SOURCE_H */
