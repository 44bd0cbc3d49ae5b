/*
 * sinks.h - printer sinks provided by ipp-everywhere/.
 *
 * gwIppSink(): ipp:// and ipps:// printers (IPP Everywhere, libcups client).
 * gwCupsSink(): cups://host:port/QUEUE - hands the job to an existing CUPS
 * queue, held (job-hold-until=indefinite) under its owner's name.
 */

#ifndef PRINTGATE_IPP_SINKS_H
#define PRINTGATE_IPP_SINKS_H

#include <printgate/sink.h>

extern const gw_sink_ops_t *gwIppSink(void);
extern const gw_sink_ops_t *gwCupsSink(void);

#endif /* !PRINTGATE_IPP_SINKS_H */
