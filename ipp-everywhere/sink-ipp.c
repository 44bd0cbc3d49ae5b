/*
 * sink-ipp.c - the two printer sinks' ops tables.  Both speak IPP through
 * the conversation in sink-ipp-common.c; the printer's URI scheme picks the
 * target (_gwSinkTargetInit()).
 *
 * The IPP sink: ipp:// and ipps:// printers (IPP Everywhere, or any
 * IPP/2.0 printer that takes the held format, PDF).
 *
 * The CUPS sink hands a released job to an existing CUPS queue, held there
 * under its owner's name.  cups://HOST[:PORT]/QUEUE becomes an IPP
 * conversation with http://HOST:PORT/printers/QUEUE (plain IPP; CUPS
 * upgrades to TLS itself when its policy asks).  The Print-Job carries
 * job-hold-until=indefinite and requesting-user-name=owner, so the job
 * waits on the CUPS server as pending-held, owned by the person, for
 * whatever release the site uses there.  The capability check also
 * requires the queue to offer job-hold-until "indefinite".
 */

#include "sink-private.h"

static const char * const ipp_schemes[]  = { "ipp", "ipps", NULL };
static const char * const cups_schemes[] = { "cups", NULL };

static const gw_sink_ops_t sinks[] =
{
  { "ipp",  ipp_schemes,  _gwSinkCheck, _gwSinkSend, _gwSinkFind },
  { "cups", cups_schemes, _gwSinkCheck, _gwSinkSend, _gwSinkFind }
};


/*
 * 'gwIppSink()' - The sink for ipp:// and ipps:// printers.
 */

const gw_sink_ops_t *
gwIppSink(void)
{
  return (sinks + 0);
}


/*
 * 'gwCupsSink()' - The sink for cups://HOST:PORT/QUEUE printers.
 */

const gw_sink_ops_t *
gwCupsSink(void)
{
  return (sinks + 1);
}
