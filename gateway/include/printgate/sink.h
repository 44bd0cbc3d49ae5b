/*
 * sink.h - printer sinks: how a released job reaches a printer.
 *
 * A sink is an ops table selected by the printer URI scheme.  The core
 * registers sinks at start (the IPP and CUPS sinks live in ipp-everywhere/,
 * and only the daemon links them in).  A sink reads the document through
 * callbacks, so it never sees the spool or a key, and it must be able to
 * rewind (a printer answering server-error-busy has already read it all).
 */

#ifndef PRINTGATE_SINK_H
#define PRINTGATE_SINK_H

#include "base.h"
#include "job.h"

typedef enum gw_sink_status_e
{
  GW_SINK_OK,             /* The printer accepted the whole job */
  GW_SINK_HOLD,           /* Not printed; the job goes back to held with the reason */
  GW_SINK_FAILED          /* Not printed and never will be at this printer (reason says why) */
} gw_sink_status_t;

typedef enum gw_sink_found_e     /* Does the printer already have this job? */
{
  GW_SINK_FOUND_NO,       /* It answered: no job of it that will print or has printed */
  GW_SINK_FOUND_YES,      /* It has it (pending, held, printing or printed) */
  GW_SINK_FOUND_UNKNOWN   /* It cannot say (unreachable, refused, no job list) */
} gw_sink_found_t;

struct gw_sink_result_s;
struct gw_sink_doc_s;

typedef struct gw_sink_render_s   /* What a printer needs the held PDF made into */
{
  const char *format;       /* "application/pdf", "image/pwg-raster", "image/urf", "application/vnd.hp-pclxl" */
  bool        color;        /* Raster/PCL-XL: sRGB (true) or sGray */
  int         dpi;          /* Raster/PCL-XL resolution */
} gw_sink_render_t;

typedef struct gw_sink_doc_s
{
  const char *job_id;       /* For logs, and the job-name suffix " [ID]" that lets
                             * find() recognise the job at the printer later */
  const char *job_name;     /* Document name (user text) */
  const char *owner;        /* requesting-user-name */
  const char *format;       /* "application/pdf" */
  int         copies;
  const char *sides;        /* IPP keyword */
  const char *color_mode;   /* IPP print-color-mode keyword */
  int64_t     size;         /* Plaintext bytes */
  ssize_t   (*read)(void *ctx, void *buf, size_t len);  /* <0 = error (spool damaged) */
  bool      (*rewind)(void *ctx);
  void       *ctx;
  /* Release-time rendering (docs/printers.md, "Rendering at release").
   * transform: page ranges, N-up or the watermark must be applied, so
   * even a PDF printer gets a rendered document.  render (NULL = the
   * core cannot render): make the document into spec->format; on true,
   * read/rewind/size/format describe the rendered document from then on;
   * on false it fills result (status, reason, sentence). */
  bool        transform;
  bool      (*render)(void *ctx, const gw_sink_render_t *spec, struct gw_sink_doc_s *doc, struct gw_sink_result_s *result);
} gw_sink_doc_t;

typedef struct gw_sink_options_s
{
  int     timeout;          /* Seconds per request */
  int     retries;          /* Retries on server-error-busy */
  int64_t retry_delay_ms;   /* First backoff step; doubles each retry */
  gw_log_t *log;
  const char *cert_dir;     /* ipps: pinned printer certificates (STATE/printer-certs, 0700);
                             * NULL = ipps printers are refused (nothing to pin into) */
} gw_sink_options_t;

typedef struct gw_sink_result_s
{
  gw_sink_status_t status;
  gw_reason_t      reason;
  char             text[512];       /* Sentence for people (printer name, what happened) */
  int              printer_job_id;  /* Job id at the printer, 0 if none */
} gw_sink_result_t;

typedef struct gw_sink_ops_s
{
  const char *name;                 /* "ipp", "cups" */
  const char *const *schemes;       /* NULL-terminated URI schemes it serves */
  /* Is the printer reachable and does it take this document? Fills result on false. */
  bool (*check)(const char *printer_name, const char *uri, const gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result);
  /* Send the job (check first).  Fills result. */
  void (*send)(const char *printer_name, const char *uri, gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result);
  /* Does the printer already have a job sent for doc->job_id (a release cut
   * short by a restart)?  Looks at its job list (Get-Jobs), never sends a
   * document.  YES: result OK with printer_job_id and a sentence; UNKNOWN:
   * result HOLD, may-have-printed and a sentence saying why. */
  gw_sink_found_t (*find)(const char *printer_name, const char *uri, const gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result);
} gw_sink_ops_t;

#endif /* !PRINTGATE_SINK_H */
