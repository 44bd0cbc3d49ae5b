/*
 * system-private.h - the gateway system object (see system.h).
 *
 * Locking: 'rwlock' guards the 'config' pointer only (a reload swaps it);
 * code that needs settings takes a copy with _gwSystemConfigCopy().  The
 * store, spool and log are thread-safe themselves.  Lock order: system
 * rwlock -> store (never the other way round); no core lock is held while
 * a sink talks to a printer.  'convert_lock' only counts conversion slots
 * (ConversionWorkers); nothing else is taken while it is held.  'wait_lock'
 * is taken by wake_waiters() after a job's event (when someone waits) and
 * by gwSystemJobWait(), which reads
 * the store while holding it (order: wait_lock -> store); events are
 * emitted with no core lock held.
 */

#ifndef PRINTGATE_SYSTEM_PRIVATE_H
#define PRINTGATE_SYSTEM_PRIVATE_H

#include "printgate/system.h"
#include "printgate/crypto.h"
#include "printgate/frontend.h"
#include "worker-private.h"
#include "metrics-private.h"
#include "printgate/listener.h"
#include "printgate/office.h"
#include "printgate/spool.h"
#include "printgate/store.h"

#include <pthread.h>
#include <time.h>

#define GW_MAX_SINKS 8
#define GW_SYSTEM_TASK_THREADS 2      /* gwSystemRunTask(): two password checks at once (Argon2id is memory-hard) */
#define GW_SYSTEM_TASK_QUEUE   256    /* ... and this many waiting, then "busy" */

struct _gw_system_s
{
  pthread_rwlock_t     rwlock;                   /* Guards config */
  gw_config_t         *config;                   /* Current configuration (owned) */
  gw_log_t            *log;                      /* Log (owned) */
  gw_keys_t           *keys;                     /* Derived keys (owned) */
  gw_spool_t          *spool;                    /* Encrypted spool (owned) */
  gw_store_t          *store;                    /* Store (owned) */
  gw_listener_t       *listener;                 /* HTTPS listener (owned, may be NULL) */
  gw_listener_t       *plain_listener;           /* Plain HTTP for ipp:// (IppPlainPort; owned, usually NULL) */
  gw_office_pool_t    *office;                   /* LibreOffice pool (owned, NULL = Office refused) */
  struct gw_convert_pool_s *convert_pool;        /* Pre-started converter helpers (owned, may be NULL; convert-pool.c) */
  const gw_sink_ops_t *sinks[GW_MAX_SINKS];      /* Registered printer sinks */
  int                  num_sinks;
  time_t               start_time;               /* For /health uptime */
  pthread_mutex_t      convert_lock;             /* Guards convert_busy */
  pthread_cond_t       convert_cond;             /* Signalled when a conversion slot frees */
  int                  convert_busy;             /* Conversions running now */
  double               uploads_ms;               /* When an upload last began or ended (gwClockMs(), under convert_lock) */
  double               uploads_quiet_ms;         /* Uploads this recent make a conversion wait (system.c) */
  gw_events_t         *events;                   /* Job events (owned) */
  _gw_workers_t       *workers;                  /* Conversion worker pool (owned) */
  _gw_workers_t       *tasks;                    /* Short blocking work for front-ends (owned; gwSystemRunTask()) */
  pthread_mutex_t      wait_lock;                /* gwSystemJobWait(): guards stopping, */
  pthread_cond_t       wait_cond;                /* broadcast on every job event */
  bool                 stopping;                 /* gwSystemDelete() has begun */
  bool                 recovered;                /* gwSystemRecover() ran: the daemon, which converts */
  int                  job_waiters;              /* gwSystemJobWait() callers (atomic; wake_waiters()) */
  gw_frontend_t        frontends[GW_MAX_FRONTENDS]; /* Registered front-ends (frontend.h) */
  int                  num_frontends;
  int                  started_frontends;        /* start() succeeded for the first N */
  struct _gw_outbox_s *outbox;                   /* Outgoing mail sender (owned; outbox.c) */
  _gw_metrics_t        metrics;                  /* Counters for /metrics and the health report (metrics.c) */
  struct _gw_policy_s *policy;                   /* Print policy rules (owned; policy.c) */
  struct _gw_job_history_s *history;             /* Ended jobs still listed to their owners (owned; job-history.c) */
  struct _gw_mailsrc_s *mailsrc;                 /* Mail sources' registry (owned; api-mail-source.c) */
  struct _gw_pstates_s *printer_states;         /* Printers' cached reachability (owned; printer-state.c) */
};

typedef struct _gw_release_doc_s  /* The document one release sends (release-render.c) */
{
  gw_system_t       *sys;
  const gw_config_t *config;
  const gw_job_t    *job;
  const char        *printer;        /* Printer name, for sentences */
  gw_spool_reader_t *reader;         /* The held PDF */
  int                memfd;          /* The rendered copy the sink reads, -1 = none */
  int                render_fd;      /* Being rendered, -1 = none */
  int                pages;          /* Pages rendered (0 = sent as held) */
} _gw_release_doc_t;

extern void _gwSystemConfigCopy(gw_system_t *sys, gw_config_t *copy);
typedef struct _gw_job_history_s _gw_job_history_t;  /* job-history.c: ended jobs, metadata only */
extern _gw_job_history_t *_gwJobHistoryNew(void);
extern void _gwJobHistoryDelete(_gw_job_history_t **h);
extern void _gwJobHistoryAdd(gw_system_t *sys, const gw_job_t *job);
extern void _gwJobHistoryForget(gw_system_t *sys, int64_t tenant, int64_t user_id, int64_t before);
extern void _gwJobHistoryEach(gw_system_t *sys, int64_t tenant, int64_t user_id, gw_job_cb_t cb, void *data);
extern const gw_sink_ops_t *_gwSystemFindSink(gw_system_t *sys, const char *uri);
extern void _gwSystemDiscardJob(gw_system_t *sys, const gw_job_t *job);
extern void _gwSystemAudit(gw_system_t *sys, int64_t tenant, const char *actor, const char *action, const char *subject, const char *job_id, const char *printer, int pages, const char *source, const char *detail);
extern bool _gwHealthRegister(gw_system_t *sys);
extern bool _gwSystemAddGetRoute(gw_system_t *sys, const char *path, void (*finish)(gw_request_t *req, void *data)); /* health.c */
extern bool _gwMetricsRegister(gw_system_t *sys);                      /* GET /metrics (metrics.c) */
extern struct json_object *_gwHealthFrontends(gw_system_t *sys);      /* Each started front-end's health object, by name (health.c) */
extern bool _gwSystemJobOptionsCheck(const gw_job_options_t *options, char *text, size_t textsize);
extern void _gwSystemJobOptionsApply(const gw_job_options_t *options, gw_job_t *job);
extern bool _gwSystemJobOptionsValid(const gw_job_options_t *options, gw_role_t role, char *text, size_t textsize);
extern void _gwSystemJobOptionsSet(const gw_job_options_t *options, gw_role_t role, gw_job_t *job);
extern ssize_t _gwReleaseDocRead(void *ctx, void *buf, size_t len);
extern bool    _gwReleaseDocRewind(void *ctx);
/* PIN, card or name to a user at a printer, PIN and card under the lockout (release.c; gwApiIdentify()). */
extern bool    _gwReleaseIdentify(gw_system_t *sys, int64_t tenant, const gw_config_t *c, const gw_release_t *rel, const gw_printer_t *printer, const char *source, gw_user_t *user, gw_release_result_t *result);
extern bool    _gwReleaseDocRender(void *ctx, const gw_sink_render_t *spec, gw_sink_doc_t *doc, gw_sink_result_t *result);
extern void    _gwReleaseDocClose(_gw_release_doc_t *d);
extern bool    _gwReleaseDocTransform(const gw_config_t *c, const gw_job_t *job);
extern bool    _gwReleaseWatermark(const gw_job_t *job, time_t now, char *hex, size_t hexsize);
extern void    _gwSystemConvertSlotTake(gw_system_t *sys, const gw_config_t *c, double queued_ms);
extern void    _gwSystemUploadActive(gw_system_t *sys);
extern void    _gwSystemConvertSlotGive(gw_system_t *sys);
extern bool    _gwSystemJobTransition(gw_system_t *sys, const gw_job_t *job, gw_job_state_t from, gw_job_state_t to, gw_reason_t reason, const char *text, int64_t expires, const char *printer, const char *actor, const char *source, const char *action, const char **error_r);
extern bool    _gwSystemJobConverting(gw_system_t *sys, const gw_job_t *job, const gw_original_t *original, const char **error_r);
extern bool    _gwSystemJobCreateConverting(gw_system_t *sys, gw_job_t *job, int max_open, const gw_original_t *original, const char **error_r);
extern bool    _gwSystemJobCancelAs(gw_system_t *sys, int64_t tenant, const char *job_id, const char *actor, const char *source, const char **error_r);
extern bool    _gwSystemPinNewAs(gw_system_t *sys, int64_t tenant, const char *username, char *pin, size_t pinsize, const char *actor, const char *source, const char **error_r);
extern bool    _gwSystemCardSetAs(gw_system_t *sys, int64_t tenant, const char *username, const char *card, const char *actor, const char *source, const char **error_r);
extern bool    _gwSubmissionResume(gw_system_t *sys, const gw_job_t *job, int64_t size, const gw_wrapped_key_t *key);
/* api-gdpr.c: is the user's processing restricted?  Then *reason_r = GW_REASON_RESTRICTED, text gets the sentence and a "job.refuse" row is written. */
extern bool    _gwSystemRestricted(gw_system_t *sys, int64_t tenant, const gw_user_t *user, const char *origin, gw_reason_t *reason_r, char *text, size_t textsize);

/* printer-state.c: the printers' cached reachability (gwApiPrinterState()). */
extern struct _gw_pstates_s *_gwPrinterStatesNew(void);
extern void _gwPrinterStatesDelete(struct _gw_pstates_s **ps);   /* Waits for the checks running */
extern void _gwPrinterStateRecord(gw_system_t *sys, int64_t tenant, const char *printer, bool reachable, const char *text);

#endif /* !PRINTGATE_SYSTEM_PRIVATE_H */
