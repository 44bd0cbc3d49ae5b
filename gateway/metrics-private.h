/*
 * metrics-private.h - the core's in-memory counters for /metrics and the
 * health report (metrics.c, docs/metrics.md).  Counting is a relaxed
 * atomic add (a release also takes a mutex to find its printer's row);
 * nothing here touches the store.
 */

#ifndef PRINTGATE_METRICS_PRIVATE_H
#define PRINTGATE_METRICS_PRIVATE_H

#include "printgate/base.h"
#include "printgate/sink.h"

#include <pthread.h>
#include <stdatomic.h>

#define _GW_METRICS_BUCKETS  10     /* Conversion duration buckets, +Inf not counted */
#define _GW_METRICS_PRINTERS 64     /* Printers with their own release counters; more count as "_other" */
#define _GW_METRICS_RECENT   32     /* Recent conversion times kept for the health report */
#define _GW_METRICS_OUTCOMES 3      /* printed, held, failed */

typedef struct _gw_metrics_printer_s
{
  char                 name[64];
  atomic_uint_fast64_t releases[_GW_METRICS_OUTCOMES];
} _gw_metrics_printer_t;

typedef struct _gw_metrics_s
{
  atomic_uint_fast64_t  conversions[2];                     /* ok, failed */
  atomic_uint_fast64_t  conversions_deferred;               /* Conversions that waited for uploads to pause */
  atomic_uint_fast64_t  conversion_le[_GW_METRICS_BUCKETS]; /* Conversions per bucket (not cumulative) */
  atomic_uint_fast64_t  conversion_ms;                      /* Sum of their times, ms */
  atomic_uint           recent_next;                        /* Next slot of recent_ms */
  atomic_uint           recent_ms[_GW_METRICS_RECENT];      /* Recent conversion times, ms (0 = none yet) */
  pthread_mutex_t       printer_lock;                       /* Guards num_printers and the names */
  _gw_metrics_printer_t printers[_GW_METRICS_PRINTERS + 1]; /* The last one is "_other" */
  int                   num_printers;
} _gw_metrics_t;

extern const double _gwMetricsBuckets[_GW_METRICS_BUCKETS];   /* Upper bounds, seconds */

extern void _gwMetricsInit(_gw_metrics_t *m);
extern void _gwMetricsDestroy(_gw_metrics_t *m);
extern void _gwMetricsConversion(_gw_metrics_t *m, bool ok, double ms);
extern void _gwMetricsRelease(_gw_metrics_t *m, const char *printer, gw_sink_status_t status);
extern int  _gwMetricsRecent(_gw_metrics_t *m, int *ms, int max);   /* Recent conversion times, newest first */

#endif /* !PRINTGATE_METRICS_PRIVATE_H */
