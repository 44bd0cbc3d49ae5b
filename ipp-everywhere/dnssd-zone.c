/*
 * dnssd-zone.c - the printer's unicast DNS-SD records (RFC 6763) as a
 * zone-file fragment, for networks where mDNS does not reach: the browse
 * domain records, the service PTRs (with the subtypes), SRV, the same TXT
 * record Avahi publishes (dnssd-txt.c), and A/AAAA of the target host.
 * docs/dnssd.md says how to load it into BIND or Windows DNS.
 */

#include "server-private.h"

#include <printgate-ipp/dnssd.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * 'valid_name()' - A host or domain name: letters, digits, '-', '_' in
 *                  labels of 1..63 bytes that neither start nor end with
 *                  '-', at most 253 in all; an optional final '.'.
 */

static bool
valid_name(const char *name)
{
  size_t len = strlen(name), label = 0;

  if (len == 0 || len > 254 || (len == 254 && name[253] != '.') || name[0] == '.')
    return (false);
  for (const char *p = name; *p; p ++)
  {
    if (*p == '.')
    {
      if (label == 0)
        return (false);
      label = 0;
    }
    else if (*p == '-' && (label == 0 || p[1] == '.' || p[1] == '\0'))
      return (false);
    else if ((isalnum((unsigned char)*p) || *p == '-' || *p == '_') && ++ label <= 63)
      continue;
    else
      return (false);
  }
  return (true);
}


/*
 * 'put_label()' - One label in master-file syntax (RFC 1035 5.1): letters,
 *                 digits, '-' and '_' as they are, every other byte \DDD.
 */

static void
put_label(FILE *fp, const char *label)
{
  for (const unsigned char *p = (const unsigned char *)label; *p; p ++)
  {
    if (isalnum(*p) || *p == '-' || *p == '_')
      putc(*p, fp);
    else
      fprintf(fp, "\\%03u", *p);
  }
}


/*
 * 'put_string()' - One TXT character-string, quoted: '"' and '\' escaped,
 *                  bytes outside printable ASCII as \DDD.
 */

static void
put_string(FILE *fp, const char *key, const char *value)
{
  char kv[GW_DNSSD_MAX_VALUE + 40];

  snprintf(kv, sizeof(kv), "%s=%s", key, value);
  putc(' ', fp);
  putc('"', fp);
  for (const unsigned char *p = (const unsigned char *)kv; *p; p ++)
  {
    if (*p == '"' || *p == '\\')
      fprintf(fp, "\\%c", *p);
    else if (*p < 0x20 || *p > 0x7e)
      fprintf(fp, "\\%03u", *p);
    else
      putc(*p, fp);
  }
  putc('"', fp);
}


/*
 * 'host_in_domain()' - The host's name relative to the domain (in rel), or
 *                      false when it lies outside the zone.  A host name
 *                      without a dot is taken as a name in the domain.
 */

static bool
host_in_domain(const char *host, const char *domain, char *rel, size_t relsize)
{
  size_t hlen = strlen(host), dlen = strlen(domain);

  if (hlen && host[hlen - 1] == '.')
    hlen --;
  if (!memchr(host, '.', hlen))
  {
    snprintf(rel, relsize, "%.*s", (int)hlen, host);
    return (true);
  }
  if (hlen > dlen + 1 && host[hlen - dlen - 1] == '.' && !strncasecmp(host + hlen - dlen, domain, dlen))
  {
    snprintf(rel, relsize, "%.*s", (int)(hlen - dlen - 1), host);
    return (true);
  }
  snprintf(rel, relsize, "%.*s.", (int)hlen, host);    /* Absolute, out of zone */
  return (false);
}


/*
 * 'put_addresses()' - A/AAAA records of the host (checked addresses).
 */

static bool
put_addresses(FILE *fp, const char *rel, const char * const *addrs, int naddrs, const char **error_r)
{
  unsigned char bin[16];
  char          text[INET6_ADDRSTRLEN];

  for (int i = 0; i < naddrs; i ++)
  {
    int family = strchr(addrs[i], ':') ? AF_INET6 : AF_INET;

    if (inet_pton(family, addrs[i], bin) != 1 || !inet_ntop(family, bin, text, sizeof(text)))
    {
      *error_r = "bad IPv4 or IPv6 address";
      return (false);
    }
    fprintf(fp, "%-40s IN %-4s %s\n", rel, family == AF_INET ? "A" : "AAAA", text);
  }
  return (true);
}


/*
 * 'gwDnssdZone()' - The zone-file fragment.
 */

char *
gwDnssdZone(const gw_ipp_printer_t *printer, const char *domain, const char *host, const char * const *addrs, int naddrs, const char **error_r)
{
  char            dom[256], rel[300], name[64], *text = NULL;
  size_t          textlen = 0, dlen;
  bool            inzone;
  FILE           *fp;
  gw_dnssd_txt_t  txt;

  if (!domain || !valid_name(domain) || !host || !valid_name(host))
  {
    *error_r = "bad domain or host name (letters, digits, '-', '_' and dots)";
    return (NULL);
  }
  snprintf(dom, sizeof(dom), "%s", domain);
  if ((dlen = strlen(dom)) > 0 && dom[dlen - 1] == '.')
    dom[dlen - 1] = '\0';
  inzone = host_in_domain(host, dom, rel, sizeof(rel));
  if (!inzone && naddrs > 0)
  {
    *error_r = "the host is outside the domain: give its addresses in its own zone";
    return (NULL);
  }
  if ((fp = open_memstream(&text, &textlen)) == NULL)
  {
    *error_r = "out of memory";
    return (NULL);
  }

  gwDnssdServiceName(printer, name, sizeof(name));
  gwDnssdTxt(printer, &txt);

  fprintf(fp, "; Printgate unicast DNS-SD records for %s. (printgate dnssd-zone; docs/dnssd.md)\n", dom);
  fprintf(fp, "$ORIGIN %s.\n", dom);
  fprintf(fp, "%-40s IN PTR  @\n", "b._dns-sd._udp");
  fprintf(fp, "%-40s IN PTR  @\n", "lb._dns-sd._udp");
  fprintf(fp, "%-40s IN PTR  ", GW_DNSSD_TYPE);
  put_label(fp, name);
  fputs("." GW_DNSSD_TYPE "\n", fp);
  for (int i = 0; gwDnssdSubtypes[i]; i ++)
  {
    fprintf(fp, "%-40s IN PTR  ", gwDnssdSubtypes[i]);
    put_label(fp, name);
    fputs("." GW_DNSSD_TYPE "\n", fp);
  }
  put_label(fp, name);
  fprintf(fp, "." GW_DNSSD_TYPE " IN SRV  0 0 %d %s\n", printer->port, rel);
  put_label(fp, name);
  fputs("." GW_DNSSD_TYPE " IN TXT ", fp);
  for (int i = 0; i < txt.count; i ++)
    put_string(fp, txt.keys[i], txt.values[i]);
  putc('\n', fp);
  if (inzone && !put_addresses(fp, rel, addrs, naddrs, error_r))
  {
    fclose(fp);
    free(text);
    return (NULL);
  }
  if (!inzone)
    fprintf(fp, "; %s is outside %s.: its A/AAAA records belong in its own zone\n", rel, dom);
  fclose(fp);
  return (text);
}
