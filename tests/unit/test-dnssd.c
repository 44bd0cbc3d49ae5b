/*
 * test-dnssd.c - the DNS-SD TXT record and the unicast zone (dnssd.h):
 *  - the TXT record of the printer description agrees, key by key, with
 *    the Get-Printer-Attributes answer made from the same description
 *    (through the whole request path, gwIppServerProcess());
 *  - no "key=value" exceeds 255 bytes (a long pdl list is cut at a comma
 *    and keeps only supported formats); URF is never empty;
 *  - the service name is one DNS label (63 bytes, UTF-8 kept whole);
 *  - the zone escapes names and TXT strings, refuses bad domains, hosts
 *    and addresses, and leaves out-of-zone A records out.
 */

#include <printgate-ipp/dnssd.h>
#include <printgate-ipp/ipp-reader.h>
#include "../../ipp-everywhere/server-private.h"
#include "test.h"

#include <cups/ipp.h>

#include <stdlib.h>
#include <string.h>

#define UUID "urn:uuid:00000000-0000-4000-8000-000000000000"   /* gwIppServerProcess()'s */


/*
 * 'write_cb()' - ippWriteIO() into a test_buf_t.
 */

static ssize_t
write_cb(void *data, ipp_uchar_t *buf, size_t len)
{
  test_buf_add((test_buf_t *)data, buf, len);
  return ((ssize_t)len);
}


/*
 * 'get_printer_attributes()' - The whole Get-Printer-Attributes answer.
 */

static ipp_t *
get_printer_attributes(void)
{
  ipp_t         *req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES), *answer = NULL;
  test_buf_t     b;
  unsigned char *out = NULL;
  size_t         outlen = 0;

  memset(&b, 0, sizeof(b));
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, "ipps://localhost:8631/ipp/print");
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", NULL, "all");
  ippWriteIO(&b, (ipp_iocb_t)write_cb, 1, NULL, req);
  ippDelete(req);
  if (gwIppServerProcess(b.data, b.len, &out, &outlen) == 200)
    answer = gwIppDecodeTrusted(out, outlen);
  free(out);
  free(b.data);
  return (answer);
}


/*
 * 'joined()' - The values of an attribute joined by ',' (strings).
 */

static const char *
joined(ipp_t *ipp, const char *name, char *buf, size_t bufsize)
{
  ipp_attribute_t *attr = ippFindAttribute(ipp, name, IPP_TAG_ZERO);

  buf[0] = '\0';
  for (int i = 0; attr && i < ippGetCount(attr); i ++)
  {
    size_t len = strlen(buf);

    snprintf(buf + len, bufsize - len, "%s%s", i ? "," : "", ippGetString(attr, i, NULL));
  }
  return (attr ? buf : NULL);
}


/*
 * 'in_list()' - Is word one of the comma-separated list's entries?
 */

static bool
in_list(const char *list, const char *word, size_t wordlen)
{
  for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
    if (!strncmp(p, word, wordlen) && (p[wordlen] == ',' || p[wordlen] == '\0'))
      return (true);
  return (false);
}


/*
 * 'each_in()' - Is every entry of sub in list?
 */

static bool
each_in(const char *sub, const char *list)
{
  for (const char *p = sub; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
    if (!in_list(list, p, strcspn(p, ",")))
      return (false);
  return (true);
}


/*
 * 'check_against_ipp()' - The TXT record against Get-Printer-Attributes.
 */

static void
check_against_ipp(void)
{
  gw_ipp_printer_t p;
  gw_dnssd_txt_t   txt;
  ipp_t           *gpa = get_printer_attributes();
  char             buf[8192], want[8200];
  ipp_attribute_t *attr;
  int              longest = 0;
  const char      *v;

  TEST_BEGIN("TXT record = Get-Printer-Attributes");
  TEST_CHECK(gpa != NULL);
  if (!gpa)
    return;
  _gwIppPrinterDefaults(NULL, UUID, &p);
  p.port = 8631;
  gwDnssdTxt(&p, &txt);

  TEST_CHECK(!strcmp(gwDnssdTxtGet(&txt, "txtvers"), "1") && !strcmp(gwDnssdTxtGet(&txt, "qtotal"), "1"));
  v = joined(gpa, "printer-uuid", buf, sizeof(buf));
  TEST_CHECKF(v && !strncmp(v, "urn:uuid:", 9) && !strcmp(gwDnssdTxtGet(&txt, "UUID"), v + 9), "UUID=%s printer-uuid=%s", gwDnssdTxtGet(&txt, "UUID"), v ? v : "");
  v = joined(gpa, "printer-uri-supported", buf, sizeof(buf));
  TEST_CHECKF(v && strstr(v, "://") && !strcmp(strchr(strstr(v, "://") + 3, '/') + 1, gwDnssdTxtGet(&txt, "rp")), "rp=%s uri=%s", gwDnssdTxtGet(&txt, "rp"), v ? v : "");
  TEST_CHECK(!strcmp(gwDnssdTxtGet(&txt, "ty"), joined(gpa, "printer-make-and-model", buf, sizeof(buf))));
  snprintf(want, sizeof(want), "(%s)", buf);
  TEST_CHECK(!strcmp(gwDnssdTxtGet(&txt, "product"), want));
  TEST_CHECK(!strcmp(gwDnssdTxtGet(&txt, "note"), joined(gpa, "printer-location", buf, sizeof(buf))));
  /* pdl: the formats, cut at a comma where a TXT string ends (the rarer ones are listed last). */
  v = gwDnssdTxtGet(&txt, "pdl");
  joined(gpa, "document-format-supported", buf, sizeof(buf));
  TEST_CHECKF(v && !strncmp(buf, v, strlen(v)) && (buf[strlen(v)] == ',' || !buf[strlen(v)]) && strlen(v) <= 251 &&
              strstr(v, "application/pdf") && strstr(v, "image/urf") && strstr(v, "image/pwg-raster") && strstr(v, "application/octet-stream"),
              "pdl=%s\ndocument-format-supported=%s", v ? v : "", buf);
  TEST_CHECK(!strcmp(gwDnssdTxtGet(&txt, "URF"), joined(gpa, "urf-supported", buf, sizeof(buf))) && buf[0]);
  TEST_CHECK(!strcmp(gwDnssdTxtGet(&txt, "kind"), joined(gpa, "printer-kind", buf, sizeof(buf))));
  TEST_CHECK(!strcmp(gwDnssdTxtGet(&txt, "adminurl"), joined(gpa, "printer-more-info", buf, sizeof(buf))));
  TEST_CHECK(!strcmp(gwDnssdTxtGet(&txt, "Color"), ippGetBoolean(ippFindAttribute(gpa, "color-supported", IPP_TAG_BOOLEAN), 0) ? "T" : "F"));
  joined(gpa, "sides-supported", buf, sizeof(buf));
  TEST_CHECK(!strcmp(gwDnssdTxtGet(&txt, "Duplex"), strstr(buf, "two-sided") ? "T" : "F"));
  joined(gpa, "uri-authentication-supported", buf, sizeof(buf));
  TEST_CHECK(!strcmp(gwDnssdTxtGet(&txt, "air"), "username,password") && in_list(buf, "basic", 5));
  joined(gpa, "uri-security-supported", buf, sizeof(buf));
  TEST_CHECK(gwDnssdTxtGet(&txt, "TLS") && in_list(buf, "tls", 3));

  /* PaperMax from the longest media-size-supported (A3 = 42000: tabloid-A3). */
  attr = ippFindAttribute(gpa, "media-size-supported", IPP_TAG_BEGIN_COLLECTION);
  for (int i = 0; attr && i < ippGetCount(attr); i ++)
  {
    ipp_attribute_t *y = ippFindAttribute(ippGetCollection(attr, i), "y-dimension", IPP_TAG_INTEGER);

    if (y && ippGetInteger(y, 0) > longest)
      longest = ippGetInteger(y, 0);
  }
  TEST_CHECKF(!strcmp(gwDnssdTxtGet(&txt, "PaperMax"), longest <= 35560 ? "legal-A4" : longest <= 43180 ? "tabloid-A3" : "isoC-A2"), "PaperMax=%s longest=%d", gwDnssdTxtGet(&txt, "PaperMax"), longest);

  /* media-col-ready carries media-source (iOS 17). */
  attr = ippFindAttribute(gpa, "media-col-ready", IPP_TAG_BEGIN_COLLECTION);
  TEST_CHECK(attr && ippFindAttribute(ippGetCollection(attr, 0), "media-source", IPP_TAG_KEYWORD));
  ippDelete(gpa);
}


/*
 * 'check_limits()' - Long values, empty URF, long names.
 */

static void
check_limits(void)
{
  gw_ipp_printer_t p;
  gw_dnssd_txt_t   txt;
  char             sname[64];

  TEST_BEGIN("TXT limits and the service name");
  _gwIppPrinterDefaults(NULL, UUID, &p);
  p.office = true;
  p.pdl    = "application/pdf,image/urf,image/pwg-raster,image/jpeg,application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.openxmlformats-officedocument.presentationml.presentation,"
             "application/vnd.oasis.opendocument.text";
  p.urf    = "";
  memset(p.location, 'x', sizeof(p.location) - 1);
  p.location[sizeof(p.location) - 1] = '\0';
  gwDnssdTxt(&p, &txt);
  for (int i = 0; i < txt.count; i ++)
    TEST_CHECKF(strlen(txt.keys[i]) + 1 + strlen(txt.values[i]) <= 255, "%s is %zu bytes", txt.keys[i], strlen(txt.values[i]));
  TEST_CHECKF(strlen(gwDnssdTxtGet(&txt, "pdl")) < strlen(p.pdl) && each_in(gwDnssdTxtGet(&txt, "pdl"), p.pdl), "pdl=%s", gwDnssdTxtGet(&txt, "pdl"));
  TEST_CHECK(in_list(gwDnssdTxtGet(&txt, "pdl"), "image/urf", 9) && in_list(gwDnssdTxtGet(&txt, "pdl"), "application/pdf", 15));
  TEST_CHECK(!strcmp(gwDnssdTxtGet(&txt, "URF"), "none"));

  for (int i = 0; i < 60; i ++)                       /* 120 bytes of "é" */
    memcpy(p.name + 2 * i, "\xc3\xa9", 2);
  p.name[120] = '\0';
  gwDnssdServiceName(&p, sname, sizeof(sname));
  TEST_CHECKF(strlen(sname) == 62 && ((unsigned char)sname[61] & 0xc0) == 0x80, "%zu bytes", strlen(sname));
  p.name[0] = '\0';
  gwDnssdServiceName(&p, sname, sizeof(sname));
  TEST_CHECK(!strcmp(sname, "Printgate"));
}


/*
 * 'check_zone()' - The zone fragment.
 */

static void
check_zone(void)
{
  gw_ipp_printer_t   p;
  const char        *error = NULL;
  const char * const addrs[] = { "192.0.2.7", "2001:db8::7" }, *bad[] = { "192.0.2.300" };
  char              *zone;

  TEST_BEGIN("unicast DNS-SD zone");
  _gwIppPrinterDefaults(NULL, UUID, &p);
  p.port = 8631;
  snprintf(p.name, sizeof(p.name), "Lobby 2.0 \"A\"");
  snprintf(p.location, sizeof(p.location), "Hall \"B\" \\ 1");

  zone = gwDnssdZone(&p, "example.com.", "gate", addrs, 2, &error);
  TEST_CHECK(zone != NULL);
  if (zone)
  {
    TEST_CHECK(strstr(zone, "$ORIGIN example.com.\n") != NULL);
    TEST_CHECK(strstr(zone, "b._dns-sd._udp") && strstr(zone, "lb._dns-sd._udp"));
    TEST_CHECKF(strstr(zone, "Lobby\\0322\\0460\\032\\034A\\034._ipps._tcp IN SRV  0 0 8631 gate\n") != NULL, "%s", zone);
    TEST_CHECK(strstr(zone, "_universal._sub._ipps._tcp") && strstr(zone, "_print._sub._ipps._tcp"));
    TEST_CHECKF(strstr(zone, "\"note=Hall \\\"B\\\" \\\\ 1\"") != NULL, "%s", zone);
    TEST_CHECK(strstr(zone, "\"UUID=00000000-0000-4000-8000-000000000000\"") != NULL);
    TEST_CHECK(strstr(zone, " IN A    192.0.2.7\n") && strstr(zone, " IN AAAA 2001:db8::7\n"));
    free(zone);
  }

  zone = gwDnssdZone(&p, "example.com", "gate.example.com", NULL, 0, &error);
  TEST_CHECK(zone && strstr(zone, "8631 gate\n"));
  free(zone);
  zone = gwDnssdZone(&p, "example.com", "gate.example.org", NULL, 0, &error);
  TEST_CHECK(zone && strstr(zone, "8631 gate.example.org.\n") && !strstr(zone, " IN A "));
  free(zone);

  TEST_CHECK(gwDnssdZone(&p, "example.com", "gate.example.org", addrs, 1, &error) == NULL);
  TEST_CHECK(gwDnssdZone(&p, "example.com", "gate", bad, 1, &error) == NULL && error);
  TEST_CHECK(gwDnssdZone(&p, "exa mple.com", "gate", NULL, 0, &error) == NULL);
  TEST_CHECK(gwDnssdZone(&p, "example..com", "gate", NULL, 0, &error) == NULL);
  TEST_CHECK(gwDnssdZone(&p, "example.com", "", NULL, 0, &error) == NULL);
  TEST_CHECK(gwDnssdZone(&p, "a$(id).com", "gate", NULL, 0, &error) == NULL);
  TEST_CHECK(gwDnssdZone(&p, NULL, "gate", NULL, 0, &error) == NULL);
  TEST_CHECK(gwDnssdZone(&p, "-", "gate", NULL, 0, &error) == NULL);
  TEST_CHECK(gwDnssdZone(&p, "example.com", "gate-.example.com", NULL, 0, &error) == NULL);
  zone = gwDnssdZone(&p, "my-site.example.com", "gate-1", NULL, 0, &error);
  TEST_CHECK(zone != NULL);                           /* '-' inside a label is fine */
  free(zone);
}


int
main(void)
{
  check_against_ipp();
  check_limits();
  check_zone();
  TEST_EXIT();
}
