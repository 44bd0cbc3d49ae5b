/*
 * sink-ipp.c - the IPP printer sink: ipp:// and ipps:// printers (IPP
 * Everywhere, or any IPP/2.0 printer that takes the held format, PDF).
 *
 * The conversation itself (capability check, streaming Print-Job, retries
 * on server-error-busy) lives in sink-ipp-common.c; this file maps the
 * ops table onto it.
 */

#include "sink-private.h"

#include <string.h>

static const char * const ipp_schemes[] = { "ipp", "ipps", NULL };


/*
 * 'ipp_check()' - Is the printer reachable and does it take this document?
 */

static bool
ipp_check(const char *printer_name, const char *uri, const gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result)
{
  return (_gwSinkCheckAt(_GW_SINK_KIND_IPP, printer_name, uri, doc, opts, result));
}


/*
 * 'ipp_send()' - Check the printer, then send the job (Print-Job).
 */

static void
ipp_send(const char *printer_name, const char *uri, gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result)
{
  _gwSinkSendAt(_GW_SINK_KIND_IPP, printer_name, uri, doc, opts, result);
}


/*
 * 'ipp_find()' - Does the printer already have this job (Get-Jobs)?
 */

static gw_sink_found_t
ipp_find(const char *printer_name, const char *uri, const gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result)
{
  return (_gwSinkFindAt(_GW_SINK_KIND_IPP, printer_name, uri, doc, opts, result));
}


static const gw_sink_ops_t ipp_ops =
{
  "ipp",
  ipp_schemes,
  ipp_check,
  ipp_send,
  ipp_find
};


/*
 * 'gwIppSink()' - The sink for ipp:// and ipps:// printers.
 */

const gw_sink_ops_t *
gwIppSink(void)
{
  return (&ipp_ops);
}
