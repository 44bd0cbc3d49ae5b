/*
 * server.h - the IPP Everywhere server (/ipp/print on the core HTTPS
 * listener), as a front-end ops table for the daemon, plus the request
 * path without the network for the fuzz harness and unit tests.
 */

#ifndef PRINTGATE_IPP_SERVER_H
#define PRINTGATE_IPP_SERVER_H

#include <printgate/frontend.h>

typedef struct _gw_ipp_server_s gw_ipp_server_t;

/*
 * The printer description: one table that Get-Printer-Attributes is made
 * from (and the DNS-SD TXT record, later), so the two cannot disagree.
 */
typedef struct gw_ipp_printer_s
{
  char        uuid[64];             /* "urn:uuid:..." stable across restarts (STATE/ipp-printer-uuid) */
  char        name[128];            /* IppPrinterName */
  char        info[256];            /* IppPrinterInfo */
  char        location[256];        /* IppPrinterLocation */
  char        server_name[256];     /* ServerName */
  int         port;                 /* HTTPS port */
  int         plain_port;           /* Plain ipp:// port (IppPlainPort), 0 = off */
  bool        office;               /* Office formats taken (OfficeWorkers > 0) */
  bool        letter;               /* PaperSize letter (else A4) */
  int64_t     max_document;         /* MaxDocumentSize */
  const char *make_and_model;       /* "Printgate" */
  const char *urf;                  /* urf-supported / TXT URF, comma separated */
  const char *pdl;                  /* document-format-supported / TXT pdl, comma separated */
  bool        color, duplex;        /* TXT Color / Duplex */
  const char *kind;                 /* printer-kind / TXT kind, comma separated */
  const char *paper_max;            /* TXT PaperMax, from the largest media-size-supported */
  const char *resource;             /* "/ipp/print": printer-uri-supported's path / TXT rp */
} gw_ipp_printer_t;

/* A new server for the daemon to register (gwSystemAddFrontend(sys, gwIppServerFrontend(...))). */
extern gw_ipp_server_t     *gwIppServerNew(gw_system_t *sys, const char **error_r);
extern void                 gwIppServerDelete(gw_ipp_server_t **server);
extern const gw_frontend_t *gwIppServerFrontend(gw_ipp_server_t *server);
extern void                 gwIppServerGetPrinter(gw_ipp_server_t *server, gw_ipp_printer_t *printer);

/*
 * The whole request path without the network (fuzz harness, tests): read,
 * decode, check, dispatch with no authenticated user and no core (sys
 * NULL: operations that need the core answer as if unauthenticated).
 * Returns the HTTP status and writes the encoded IPP answer (if any) to
 * out (*outlen bytes, the caller frees it).
 */
extern int gwIppServerProcess(const void *data, size_t len, unsigned char **out, size_t *outlen);

#endif /* !PRINTGATE_IPP_SERVER_H */
