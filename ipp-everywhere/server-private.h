/*
 * server-private.h - the IPP Everywhere server's private types: the
 * front-end object, one request in flight, the printer description every
 * answer (and, later, the DNS-SD TXT record) is made from.
 *
 * Threads: a request's state belongs to the listener callbacks of that
 * request only (whatever thread runs them); the server object is read-only
 * after routes() but for the printer description, which reload() swaps
 * under the server's lock.  Nothing is thread-local.
 */

#ifndef PRINTGATE_IPP_SERVER_PRIVATE_H
#define PRINTGATE_IPP_SERVER_PRIVATE_H

#include <printgate/api.h>
#include <printgate/frontend.h>
#include <printgate/listener.h>
#include <printgate-ipp/ipp-reader.h>
#include <printgate-ipp/server.h>

#include <cups/cups.h>
#include <pthread.h>
#include <time.h>

#define GW_IPP_RESOURCE   "/ipp/print"
#define GW_IPP_ICONS      "/ipp/icons"
#define GW_IPP_NUM_ICONS  3             /* 48, 128, 512 px */
#define GW_IPP_MAX_OPEN   64            /* Created jobs waiting for their document */
#define GW_IPP_OPEN_TIMEOUT 60          /* multiple-operation-time-out, seconds */
#define GW_IPP_COMMIT_THREADS 8         /* Submissions ended (durably committed) at once off the listener (server-commit.c) */
#define GW_IPP_COMMIT_DEADLINE_MS 120000 /* A commit's deferred answer waits at most this long */
#define GW_IPP_PAUSE_MS 60000           /* A document paused for its password check waits at most this long */

typedef struct _gw_ipp_commits_s gw_ipp_commits_t; /* The commit threads (server-commit.c) */

typedef struct gw_ipp_open_s            /* A Create-Job waiting for Send-Document */
{
  int              number;              /* 0 = free slot */
  char             owner[64];
  gw_submission_t *sub;
  time_t           deadline;
} gw_ipp_open_t;

struct _gw_ipp_server_s
{
  gw_system_t       *sys;
  pthread_mutex_t    lock;          /* Guards printer */
  gw_ipp_printer_t   printer;       /* What the printer says of itself */
  gw_listener_t     *listeners[2];  /* Where its routes are: HTTPS, plain (fe_reload()) */
  time_t             started;       /* For printer-up-time */
  bool               auth_inline;   /* Tests only (PRINTGATE_TEST_IPP_AUTH_INLINE): the old password check on the listener thread */
  bool               no_pause;      /* Tests only (PRINTGATE_TEST_IPP_NO_PAUSE): a document waits for its check on the listener thread */
  int                pause_ms;      /* GW_IPP_PAUSE_MS (tests: PRINTGATE_TEST_IPP_PAUSE_MS) */
  const char        *auth_hold;     /* Tests only (PRINTGATE_TEST_IPP_AUTH_HOLD): each check waits for this file */
  const char        *commit_hold;   /* Tests only (PRINTGATE_TEST_IPP_COMMIT_HOLD): each document commit waits for this file */
  int                open_timeout;  /* GW_IPP_OPEN_TIMEOUT (tests: PRINTGATE_TEST_IPP_OPEN_TIMEOUT) */
  gw_frontend_t      frontend;      /* The ops table, data = this server */
  unsigned char     *icons[GW_IPP_NUM_ICONS]; /* PNGs (read-only after New) */
  size_t             icon_lens[GW_IPP_NUM_ICONS];
  gw_ipp_open_t      open[GW_IPP_MAX_OPEN];   /* Guarded by lock */
  gw_ipp_commits_t  *commits;       /* Guarded by lock: the commit threads, NULL when none */
};

typedef enum gw_ipp_auth_e          /* Outcome of _gwIppAuthenticate() */
{
  GW_IPP_AUTH_OK,                   /* user is set */
  GW_IPP_AUTH_NONE,                 /* No credentials: 401 */
  GW_IPP_AUTH_FAILED,               /* Wrong credentials: 401 */
  GW_IPP_AUTH_LOCKED,               /* Too many failures: client-error-not-authorized */
  GW_IPP_AUTH_BAD_TOKEN,            /* Unknown or revoked token URL: client-error-not-authorized */
  GW_IPP_AUTH_PENDING,              /* The password check runs on a core task: finish() defers */
  GW_IPP_AUTH_BUSY,                 /* The task pool is full: server-error-busy (HTTP 503) */
  GW_IPP_AUTH_PLAIN                 /* Plain ipp://: no credentials, no tokens: client-error-not-authorized */
} gw_ipp_auth_t;

typedef struct _gw_ipp_check_s gw_ipp_check_t; /* A password check on a core task (server.c) */

typedef struct _gw_ipp_request_s    /* One request in flight */
{
  gw_ipp_server_t  *server;
  gw_system_t      *sys;
  gw_request_t     *http;           /* NULL in the fuzz harness and unit tests */
  gw_ipp_printer_t  printer;        /* Copy for this request */
  gw_ipp_reader_t  *reader;
  ipp_t            *request;        /* Decoded attributes */
  ipp_t            *response;       /* Set once the answer is known */
  ipp_t            *unsupported;    /* Attributes to echo in the unsupported group */
  bool              ignored;        /* Some were ignored (successful-ok-ignored-...) */
  char              job_name[256];  /* job-name (or document-name) */
  int               http_status;    /* 200, 401, or 503 (busy) */
  ipp_op_t          op;
  gw_submission_t  *sub;            /* Print-Job's document, streaming */
  int64_t           received;       /* Body bytes so far */
  int64_t           max_document;   /* MaxDocumentSize when the request began */
  bool              authenticated;
  bool              auth_pending;   /* finish() must defer until check is done */
  bool              commit_pending; /* finish() hands the submission's end to a commit thread */
  bool              head_wait;      /* A document's head waits for its password check (paused) */
  bool              more_docs;      /* Send-Document with last-document false: more documents follow */
  bool              token_uri;      /* /ipp/print/<token>: the token names the owner */
  bool              plain;          /* On the plain ipp:// listener (IppPlainPort) */
  bool              has_credentials; /* ... and it came with an Authorization header */
  char              token[64];      /* ... that token ("" when not URL-safe or too long) */
  gw_ipp_check_t   *check;          /* The Basic check on a core task, or NULL */
  gw_user_t         user;
  char              client[64];     /* Client address */
  char              host[280];      /* Host header, checked ("localhost:8631") */
  char              path[256];      /* Request path */
  char              printer_uri[512]; /* ipps://HOST/ipp/print (ipp:// on the plain listener) */
  char              page_ranges[GW_JOB_PAGE_RANGES_MAX + 1];
  gw_job_options_t  options;        /* Job template values (strings point into request) */
} gw_ipp_request_t;

/* server-attrs.c */
extern void   _gwIppPrinterDefaults(const gw_config_t *config, const char *uuid, gw_ipp_printer_t *printer);
extern ipp_t *_gwIppPrinterAttributes(const gw_ipp_request_t *r, time_t started);
extern bool   _gwIppFormatSupported(const gw_ipp_printer_t *printer, const char *format);
extern bool   _gwIppMediaSupported(const char *media);

/* server-ops.c */
extern void   _gwIppRequestHead(gw_ipp_request_t *r);
extern void   _gwIppRequestHeadDoc(gw_ipp_request_t *r, gw_ipp_auth_t auth);
extern void   _gwIppRequestData(gw_ipp_request_t *r, const char *buf, size_t len);
extern void   _gwIppRequestFinish(gw_ipp_request_t *r);
extern bool   _gwIppAuthAnswer(gw_ipp_request_t *r, gw_ipp_auth_t auth);
extern ipp_status_t _gwIppReasonStatus(gw_reason_t reason);
extern void   _gwIppBeginSubmission(gw_ipp_request_t *r);
extern void   _gwIppSubmissionEnd(gw_ipp_request_t *r);
extern int    _gwIppWant(void *data, ipp_t *dst, ipp_attribute_t *attr);
extern void   _gwIppJobCreated(gw_ipp_request_t *r, int number, ipp_jstate_t state, const char *reason, const char *message);
extern ipp_t *_gwIppResponseNew(gw_ipp_request_t *r, ipp_status_t status, const char *message);

/* server-jobs.c */
extern bool   _gwIppJobDone(const gw_job_t *job);
extern bool   _gwIppJobFind(gw_ipp_request_t *r, int number, gw_job_t *job);
extern bool   _gwIppRequestJob(gw_ipp_request_t *r, gw_job_t *job);
extern void   _gwIppGetJobs(gw_ipp_request_t *r);
extern void   _gwIppGetJobAttributes(gw_ipp_request_t *r);
extern void   _gwIppCancelJob(gw_ipp_request_t *r);

/* server-options.c */
extern bool   _gwIppJobTemplateCheck(gw_ipp_request_t *r);

/* server-icons.c */
extern bool   _gwIppIconMake(int size, unsigned char **png, size_t *pnglen);

/* server-commit.c */
extern bool   _gwIppCommitStart(gw_ipp_server_t *server);
extern void   _gwIppCommitStop(gw_ipp_server_t *server);
extern bool   _gwIppCommitDefer(gw_request_t *req, gw_ipp_request_t *r);
extern unsigned long _gwIppCommitCount(gw_ipp_server_t *server);

/* server-create.c */
extern void   _gwIppCreateJob(gw_ipp_request_t *r);
extern bool   _gwIppSendDocumentHead(gw_ipp_request_t *r);
extern void   _gwIppCloseJob(gw_ipp_request_t *r);
extern void   _gwIppCancelMyJobs(gw_ipp_request_t *r);
extern bool   _gwIppOpenCancel(gw_ipp_server_t *server, const char *owner, int number, gw_reason_t reason);
extern void   _gwIppOpenSweep(gw_ipp_server_t *server, bool all);
extern void   _gwIppSendDocumentMore(gw_ipp_request_t *r);

/* server.c */
extern gw_ipp_auth_t _gwIppAuthenticate(gw_ipp_request_t *r, bool wait);
extern void   _gwIppActor(const gw_ipp_request_t *r, gw_actor_t *actor);
extern void   _gwIppRequestReply(gw_ipp_request_t *r, gw_deferred_t **deferred);
extern void   _gwIppRequestFree(gw_ipp_request_t *r);

#endif /* !PRINTGATE_IPP_SERVER_PRIVATE_H */
