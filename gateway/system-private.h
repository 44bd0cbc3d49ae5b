/*
 * system-private.h - the gateway system object (see system.h).
 *
 * Locking: 'rwlock' guards the 'config' pointer only (a reload swaps it);
 * code that needs settings takes a copy with _gwSystemConfigCopy().  The
 * store, spool and log are thread-safe themselves.  Lock order: system
 * rwlock -> store (never the other way round); no core lock is held while
 * a sink talks to a printer.
 */

#ifndef PRINTGATE_SYSTEM_PRIVATE_H
#define PRINTGATE_SYSTEM_PRIVATE_H

#include "printgate/system.h"
#include "printgate/crypto.h"
#include "printgate/listener.h"
#include "printgate/office.h"
#include "printgate/spool.h"

#include <pthread.h>
#include <time.h>

#define GW_MAX_SINKS 8

struct _gw_system_s
{
  pthread_rwlock_t     rwlock;                   /* Guards config */
  gw_config_t         *config;                   /* Current configuration (owned) */
  gw_log_t            *log;                      /* Log (owned) */
  gw_keys_t           *keys;                     /* Derived keys (owned) */
  gw_spool_t          *spool;                    /* Encrypted spool (owned) */
  gw_store_t          *store;                    /* Store (owned) */
  gw_listener_t       *listener;                 /* HTTPS listener (owned, may be NULL) */
  gw_office_pool_t    *office;                   /* LibreOffice pool (owned, NULL = Office refused) */
  const gw_sink_ops_t *sinks[GW_MAX_SINKS];      /* Registered printer sinks */
  int                  num_sinks;
  time_t               start_time;               /* For /health uptime */
};

extern void _gwSystemConfigCopy(gw_system_t *sys, gw_config_t *copy);
extern const gw_sink_ops_t *_gwSystemFindSink(gw_system_t *sys, const char *uri);
extern void _gwSystemDiscardJob(gw_system_t *sys, const gw_job_t *job);
extern void _gwSystemAudit(gw_system_t *sys, int64_t tenant, const char *actor, const char *action, const char *subject, const char *job_id, const char *printer, int pages, const char *source, const char *detail);
extern bool _gwHealthRegister(gw_system_t *sys);

#endif /* !PRINTGATE_SYSTEM_PRIVATE_H */
