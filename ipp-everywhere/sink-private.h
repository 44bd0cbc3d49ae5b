/*
 * sink-private.h - what the IPP and CUPS printer sinks share.
 *
 * Both sinks speak IPP through libcups: one connection (http_t) per call,
 * no process-wide libcups state (no cupsSetUser, no cupsSetServer; the
 * owner travels in requesting-user-name), so any number of releases can
 * run on different threads at once.  sink-ipp-common.c holds the target
 * parsing, the capability check and the streaming Print-Job with retries;
 * sink-ipp.c holds the two ops tables (the URI's scheme picks the target
 * kind).
 */

#ifndef PRINTGATE_IPP_SINK_PRIVATE_H
#define PRINTGATE_IPP_SINK_PRIVATE_H

#include <printgate-ipp/sinks.h>
#include <printgate/log.h>

#include <cups/cups.h>

#define GW_SINK_CHUNK         65536   /* Document bytes per write */
#define GW_SINK_MAX_RETRIES   100     /* Ceiling on opts->retries (PrinterRetries allows 0-100) */
#define GW_SINK_MAX_DELAY_MS  60000   /* Ceiling on one backoff step */
#define GW_SINK_DEF_TIMEOUT   30      /* Seconds, when opts->timeout <= 0 */
#define GW_SINK_DEF_DELAY_MS  1000    /* When opts->retry_delay_ms <= 0 */

typedef enum _gw_sink_kind_e
{
  _GW_SINK_KIND_IPP,          /* ipp:// or ipps:// printer */
  _GW_SINK_KIND_CUPS          /* cups://host:port/QUEUE (held on a CUPS server) */
} _gw_sink_kind_t;

typedef struct _gw_sink_target_s  /* Where and how to talk to a printer */
{
  _gw_sink_kind_t   kind;
  const char       *name;                 /* Printer name people know ("lobby") */
  char              display[1024];        /* URI for texts and logs (no user info) */
  char              host[256];
  int               port;
  char              resource[1024];       /* HTTP resource to POST to */
  char              printer_uri[1024];    /* printer-uri attribute value */
  char              queue[128];           /* CUPS queue name ("" for IPP) */
  http_encryption_t encryption;
  bool              tls;                  /* ipps: check the certificate trust */
} _gw_sink_target_t;

typedef struct _gw_sink_plan_s    /* What the Print-Job will carry */
{
  bool             render;        /* Render the held PDF first (into render.format) */
  gw_sink_render_t render_spec;   /* Format, colour and resolution to render to */
  int         copies;             /* 0 = do not send copies */
  const char *sides;              /* NULL = do not send sides */
  const char *color_mode;         /* NULL = do not send print-color-mode */
} _gw_sink_plan_t;

typedef struct _gw_sink_settings_s  /* Options with defaults and ceilings applied */
{
  int       timeout;              /* Seconds per request */
  int       retries;              /* Retries on server-error-busy */
  int64_t   delay_ms;             /* First backoff step */
  gw_log_t *log;
  const char *cert_dir;           /* Pinned ipps certificates (NULL = none) */
} _gw_sink_settings_t;

extern bool _gwSinkTargetInit(_gw_sink_target_t *t, const char *printer_name, const char *uri, const gw_sink_doc_t *doc, gw_sink_result_t *result);
extern void _gwSinkSettings(const gw_sink_options_t *opts, _gw_sink_settings_t *s);
extern bool _gwSinkCheck(const char *printer_name, const char *uri, const gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result);
extern gw_sink_found_t _gwSinkFind(const char *printer_name, const char *uri, const gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result);
extern void _gwSinkSend(const char *printer_name, const char *uri, gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result);

#endif /* !PRINTGATE_IPP_SINK_PRIVATE_H */
