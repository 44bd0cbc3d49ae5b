/*
 * dnssd.h - DNS-SD for the IPP Everywhere printer: the TXT record (made
 * from the same gw_ipp_printer_t as Get-Printer-Attributes), publication
 * through Avahi as a front-end of its own (docs/dnssd.md), and the unicast
 * DNS-SD zone fragment for networks mDNS does not reach.
 */

#ifndef PRINTGATE_IPP_DNSSD_H
#define PRINTGATE_IPP_DNSSD_H

#include <printgate-ipp/server.h>

#define GW_DNSSD_TYPE      "_ipps._tcp"
#define GW_DNSSD_TYPE_PLAIN "_ipp._tcp"                /* Only with IppPlainPort */
#define GW_DNSSD_MAX_TXT   24                   /* Keys in the TXT record */
#define GW_DNSSD_MAX_VALUE 256                  /* "key=value" is at most 255 bytes (RFC 6763) */

typedef struct gw_dnssd_txt_s                   /* The TXT record, in order */
{
  int   count;
  char  keys[GW_DNSSD_MAX_TXT][32];
  char  values[GW_DNSSD_MAX_TXT][GW_DNSSD_MAX_VALUE];
} gw_dnssd_txt_t;

typedef struct _gw_dnssd_s gw_dnssd_t;

/* The service's subtypes, NULL-terminated ("_universal._sub._ipps._tcp", ...). */
extern const char * const gwDnssdSubtypes[];
extern const char * const gwDnssdPlainSubtypes[];      /* The same for _ipp._tcp */

/* dnssd-txt.c: the TXT record of a printer description. */
extern void        gwDnssdTxt(const gw_ipp_printer_t *printer, gw_dnssd_txt_t *txt);
extern const char *gwDnssdTxtGet(const gw_dnssd_txt_t *txt, const char *key);
/* The service instance name: printer-name cut to 63 bytes on a UTF-8 boundary (one DNS label). */
extern void        gwDnssdServiceName(const gw_ipp_printer_t *printer, char *name, size_t namesize);

/*
 * dnssd-zone.c: the unicast DNS-SD records of the printer under DOMAIN as a
 * zone-file fragment (malloc'd text; NULL and *error_r on a bad argument).
 * host is the target host name (relative to DOMAIN or absolute with a final
 * '.'); addrs are its IPv4/IPv6 addresses (A/AAAA records).
 */
extern char *gwDnssdZone(const gw_ipp_printer_t *printer, const char *domain, const char *host, const char * const *addrs, int naddrs, const char **error_r);

/*
 * dnssd.c: publication through Avahi.  The daemon registers the front-end
 * after the IPP server's (so the port is known at start()); with no
 * avahi-daemon the gateway runs, logs it once and publishes when it comes.
 */
extern gw_dnssd_t          *gwDnssdNew(gw_system_t *sys, gw_ipp_server_t *ipp);
extern const gw_frontend_t *gwDnssdFrontend(gw_dnssd_t *dnssd);
extern void                 gwDnssdDelete(gw_dnssd_t **dnssd);

#endif /* !PRINTGATE_IPP_DNSSD_H */
