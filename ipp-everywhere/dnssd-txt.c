/*
 * dnssd-txt.c - the DNS-SD TXT record of the IPP printer (Bonjour Printing
 * 1.2.1, PWG 5100.14 section 4.2), made from the gw_ipp_printer_t that
 * Get-Printer-Attributes is made from, so the two cannot disagree
 * (tests/unit/test-dnssd.c compares them key by key).  No Avahi here: the
 * zone exporter uses the same record.
 */

#include "server-private.h"

#include <printgate-ipp/dnssd.h>

#include <stdio.h>
#include <string.h>

const char * const gwDnssdSubtypes[] =
{
  "_universal._sub." GW_DNSSD_TYPE,     /* AirPrint (iOS lists only these) */
  "_print._sub." GW_DNSSD_TYPE,         /* IPP Everywhere */
  NULL
};

const char * const gwDnssdPlainSubtypes[] =
{
  "_universal._sub." GW_DNSSD_TYPE_PLAIN,
  "_print._sub." GW_DNSSD_TYPE_PLAIN,
  NULL
};


/*
 * 'txt_add()' - Add "key=value" (a value that would not fit in 255 bytes
 *               is cut at the last ',' that fits: lists stay lists).
 */

static void
txt_add(gw_dnssd_txt_t *txt, const char *key, const char *value)
{
  size_t room, len;
  char  *v;

  if (txt->count >= GW_DNSSD_MAX_TXT)
    return;
  snprintf(txt->keys[txt->count], sizeof(txt->keys[0]), "%s", key);
  v    = txt->values[txt->count];
  room = GW_DNSSD_MAX_VALUE - 1 - strlen(key) - 1;     /* 255 - "key=" */
  len  = strlen(value);
  if (len > room)
  {
    len = room;
    while (len > 0 && value[len] != ',')
      len --;
  }
  memcpy(v, value, len);
  v[len] = '\0';
  txt->count ++;
}


/*
 * 'gwDnssdTxt()' - The TXT record of a printer description.
 */

void
gwDnssdTxt(const gw_ipp_printer_t *p, gw_dnssd_txt_t *txt)
{
  char buf[GW_DNSSD_MAX_VALUE + 64];
  const char *uuid = strncmp(p->uuid, "urn:uuid:", 9) ? p->uuid : p->uuid + 9;

  memset(txt, 0, sizeof(gw_dnssd_txt_t));
  txt_add(txt, "txtvers", "1");
  txt_add(txt, "qtotal", "1");
  txt_add(txt, "rp", p->resource[0] == '/' ? p->resource + 1 : p->resource);
  txt_add(txt, "ty", p->make_and_model);
  snprintf(buf, sizeof(buf), "(%s)", p->make_and_model);
  txt_add(txt, "product", buf);
  txt_add(txt, "note", p->location);
  txt_add(txt, "pdl", p->pdl);
  txt_add(txt, "URF", p->urf[0] ? p->urf : "none");
  txt_add(txt, "Color", p->color ? "T" : "F");
  txt_add(txt, "Duplex", p->duplex ? "T" : "F");
  txt_add(txt, "TLS", "1.2");                          /* The listener's lowest version (listener.c) */
  txt_add(txt, "UUID", uuid);
  txt_add(txt, "air", "username,password");
  snprintf(buf, sizeof(buf), "https://%s:%d/", p->server_name, p->port);
  txt_add(txt, "adminurl", buf);
  txt_add(txt, "kind", p->kind);
  txt_add(txt, "PaperMax", p->paper_max);
  txt_add(txt, "priority", "0");
}


/*
 * 'gwDnssdTxtGet()' - The value of a key, or NULL.
 */

const char *
gwDnssdTxtGet(const gw_dnssd_txt_t *txt, const char *key)
{
  for (int i = 0; i < txt->count; i ++)
    if (!strcmp(txt->keys[i], key))
      return (txt->values[i]);
  return (NULL);
}


/*
 * 'gwDnssdServiceName()' - printer-name as one DNS label (at most 63
 *                          bytes, cut between UTF-8 characters).
 */

void
gwDnssdServiceName(const gw_ipp_printer_t *printer, char *name, size_t namesize)
{
  size_t len = strlen(printer->name);

  if (len > 63)
  {
    len = 63;
    while (len > 0 && ((unsigned char)printer->name[len] & 0xc0) == 0x80)
      len --;                           /* Not in the middle of a character */
  }
  if (len == 0)
    snprintf(name, namesize, "Printgate");
  else
    snprintf(name, namesize, "%.*s", (int)len, printer->name);
}
