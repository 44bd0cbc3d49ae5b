/*
 * sink-cups.c - the CUPS sink: hand a released job to an existing CUPS
 * queue, held there under its owner's name.
 *
 * cups://HOST[:PORT]/QUEUE becomes an IPP conversation with
 * http://HOST:PORT/printers/QUEUE (plain IPP; CUPS upgrades to TLS itself
 * when its policy asks).  The Print-Job carries job-hold-until=indefinite
 * and requesting-user-name=owner, so the job waits on the CUPS server as
 * pending-held, owned by the person, for whatever release the site uses
 * there.  The capability check also requires the queue to offer
 * job-hold-until "indefinite".
 */

#include "sink-private.h"

#include <string.h>

static const char * const cups_schemes[] = { "cups", NULL };


/*
 * 'cups_check()' - Does the queue exist, take jobs and take this document?
 */

static bool
cups_check(const char *printer_name, const char *uri, const gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result)
{
  return (_gwSinkCheckAt(_GW_SINK_KIND_CUPS, printer_name, uri, doc, opts, result));
}


/*
 * 'cups_send()' - Check the queue, then submit the job held.
 */

static void
cups_send(const char *printer_name, const char *uri, gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result)
{
  _gwSinkSendAt(_GW_SINK_KIND_CUPS, printer_name, uri, doc, opts, result);
}


/*
 * 'cups_find()' - Does the CUPS queue already have this job (Get-Jobs)?
 */

static gw_sink_found_t
cups_find(const char *printer_name, const char *uri, const gw_sink_doc_t *doc, const gw_sink_options_t *opts, gw_sink_result_t *result)
{
  return (_gwSinkFindAt(_GW_SINK_KIND_CUPS, printer_name, uri, doc, opts, result));
}


static const gw_sink_ops_t cups_ops =
{
  "cups",
  cups_schemes,
  cups_check,
  cups_send,
  cups_find
};


/*
 * 'gwCupsSink()' - The sink for cups://HOST:PORT/QUEUE printers.
 */

const gw_sink_ops_t *
gwCupsSink(void)
{
  return (&cups_ops);
}
