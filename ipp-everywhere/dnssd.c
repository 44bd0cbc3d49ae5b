/*
 * dnssd.c - publication of the IPP printer through Avahi (the only Avahi
 * file): _ipps._tcp with the _universal and _print subtypes on the HTTPS
 * port, IPv4 and IPv6, with the TXT record of dnssd-txt.c; _ipp._tcp the
 * same way on the plain port only when IppPlainPort is on.
 *
 * Threads: every Avahi object belongs to the threaded poll; start(),
 * reload() and stop() take the poll's lock.  A name collision publishes
 * under avahi_alternative_service_name(); when avahi-daemon goes away the
 * client is made again with AVAHI_CLIENT_NO_FAIL and publishes when the
 * daemon is back.  With no daemon at all the gateway serves and says so
 * once in the log.
 */

#include "server-private.h"

#include <printgate-ipp/dnssd.h>

#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/thread-watch.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _gw_dnssd_s
{
  gw_system_t       *sys;
  gw_ipp_server_t   *ipp;
  gw_frontend_t      frontend;
  AvahiThreadedPoll *poll;          /* NULL until start() (or DnssdEnable no) */
  AvahiClient       *client;        /* Owned by the poll thread */
  AvahiEntryGroup   *group;
  gw_ipp_printer_t   printer;       /* What is published */
  char               name[64];      /* Service name (an alternative after a collision) */
  bool               warned;        /* "no avahi-daemon" said once */
};

static void client_cb(AvahiClient *c, AvahiClientState state, void *data);
static void group_cb(AvahiEntryGroup *g, AvahiEntryGroupState state, void *data);


/*
 * 'publish()' - Add the service, its subtypes and the TXT record to the
 *               entry group and commit (poll thread or poll lock held).
 */

static void
publish(gw_dnssd_t *d, AvahiClient *c)
{
  gw_dnssd_txt_t   txt;
  AvahiStringList *list = NULL;
  int              err;
  char             kv[GW_DNSSD_MAX_VALUE + 40];

  if (!d->group && (d->group = avahi_entry_group_new(c, group_cb, d)) == NULL)
  {
    gwLog(gwSystemGetLog(d->sys), GW_LOG_ERROR, "DNS-SD: %s.", avahi_strerror(avahi_client_errno(c)));
    return;
  }
  if (!avahi_entry_group_is_empty(d->group))
    return;

  gwDnssdTxt(&d->printer, &txt);
  for (int i = txt.count - 1; i >= 0; i --)
  {
    snprintf(kv, sizeof(kv), "%s=%s", txt.keys[i], txt.values[i]);
    list = avahi_string_list_add(list, kv);
  }

  for (;;)
  {
    err = avahi_entry_group_add_service_strlst(d->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0, d->name, GW_DNSSD_TYPE, NULL, NULL, (uint16_t)d->printer.port, list);
    if (err != AVAHI_ERR_COLLISION)
      break;
    char *alt = avahi_alternative_service_name(d->name);    /* Taken by a service of ours' kind on this host */

    gwLog(gwSystemGetLog(d->sys), GW_LOG_WARN, "DNS-SD: \"%s\" is taken; publishing as \"%s\".", d->name, alt);
    snprintf(d->name, sizeof(d->name), "%s", alt);
    avahi_free(alt);
    avahi_entry_group_reset(d->group);
  }
  for (int i = 0; !err && gwDnssdSubtypes[i]; i ++)
    err = avahi_entry_group_add_service_subtype(d->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0, d->name, GW_DNSSD_TYPE, NULL, gwDnssdSubtypes[i]);
  if (!err && d->printer.plain_port > 0)      /* _ipp._tcp only when plain ipp:// is on (IppPlainPort) */
  {
    err = avahi_entry_group_add_service_strlst(d->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0, d->name, GW_DNSSD_TYPE_PLAIN, NULL, NULL, (uint16_t)d->printer.plain_port, list);
    for (int i = 0; !err && gwDnssdPlainSubtypes[i]; i ++)
      err = avahi_entry_group_add_service_subtype(d->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0, d->name, GW_DNSSD_TYPE_PLAIN, NULL, gwDnssdPlainSubtypes[i]);
  }
  if (!err)
    err = avahi_entry_group_commit(d->group);
  avahi_string_list_free(list);
  if (err)
    gwLog(gwSystemGetLog(d->sys), GW_LOG_ERROR, "DNS-SD: unable to publish \"%s\": %s.", d->name, avahi_strerror(err));
}


/*
 * 'group_cb()' - Entry group state: on a collision take the next name.
 */

static void
group_cb(AvahiEntryGroup *g, AvahiEntryGroupState state, void *data)
{
  gw_dnssd_t *d = (gw_dnssd_t *)data;

  if (state == AVAHI_ENTRY_GROUP_COLLISION)
  {
    char *alt = avahi_alternative_service_name(d->name);

    gwLog(gwSystemGetLog(d->sys), GW_LOG_WARN, "DNS-SD: \"%s\" is taken on the network; publishing as \"%s\".", d->name, alt);
    snprintf(d->name, sizeof(d->name), "%s", alt);
    avahi_free(alt);
    avahi_entry_group_reset(g);
    publish(d, avahi_entry_group_get_client(g));
  }
  else if (state == AVAHI_ENTRY_GROUP_ESTABLISHED)
    gwLog(gwSystemGetLog(d->sys), GW_LOG_INFO, "DNS-SD: published \"%s\" (" GW_DNSSD_TYPE ", port %d).", d->name, d->printer.port);
  else if (state == AVAHI_ENTRY_GROUP_FAILURE)
    gwLog(gwSystemGetLog(d->sys), GW_LOG_ERROR, "DNS-SD: publishing failed: %s.", avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
}


/*
 * 'client_new()' - A client that waits for avahi-daemon if it is not there
 *                  (poll thread or poll lock held).
 */

static void
client_new(gw_dnssd_t *d)
{
  int err = 0;

  d->group = NULL;
  if ((d->client = avahi_client_new(avahi_threaded_poll_get(d->poll), AVAHI_CLIENT_NO_FAIL, client_cb, d, &err)) == NULL)
    gwLog(gwSystemGetLog(d->sys), GW_LOG_ERROR, "DNS-SD: %s; the printer is not advertised.", avahi_strerror(err));
}


/*
 * 'client_cb()' - Client state: publish when the daemon runs, start over
 *                 when it goes away.
 */

static void
client_cb(AvahiClient *c, AvahiClientState state, void *data)
{
  gw_dnssd_t *d = (gw_dnssd_t *)data;

  switch (state)
  {
    case AVAHI_CLIENT_S_RUNNING :
        if (d->warned)
          gwLog(gwSystemGetLog(d->sys), GW_LOG_INFO, "DNS-SD: avahi-daemon is running.");
        d->warned = false;
        if (d->group && !avahi_entry_group_is_empty(d->group))
          break;
        publish(d, c);
        break;
    case AVAHI_CLIENT_S_COLLISION :     /* The host name changes: publish again once it settles */
    case AVAHI_CLIENT_S_REGISTERING :
        if (d->group)
          avahi_entry_group_reset(d->group);
        break;
    case AVAHI_CLIENT_CONNECTING :
        if (!d->warned)
          gwLog(gwSystemGetLog(d->sys), GW_LOG_WARN, "DNS-SD: no avahi-daemon; the printer is not advertised until it starts (docs/dnssd.md).");
        d->warned = true;
        break;
    case AVAHI_CLIENT_FAILURE :
        if (avahi_client_errno(c) == AVAHI_ERR_DISCONNECTED)
        {
          gwLog(gwSystemGetLog(d->sys), GW_LOG_WARN, "DNS-SD: avahi-daemon went away; publishing again when it is back.");
          d->warned = true;             /* Its absence is said already */
          avahi_client_free(c);         /* Frees the entry group too */
          d->client = NULL;
          client_new(d);
        }
        else
          gwLog(gwSystemGetLog(d->sys), GW_LOG_ERROR, "DNS-SD: %s.", avahi_strerror(avahi_client_errno(c)));
        break;
  }
}


/*
 * 'fe_start()' - Start the poll thread and the client (after the IPP
 *                server's start(): the port is known).
 */

static bool
fe_start(gw_system_t *sys, void *data, const char **error_r)
{
  gw_dnssd_t *d = (gw_dnssd_t *)data;

  (void)error_r;
  if (!gwSystemGetConfig(sys)->dnssd_enable)
  {
    gwLog(gwSystemGetLog(sys), GW_LOG_INFO, "DNS-SD: off (DnssdEnable no).");
    return (true);
  }
  gwIppServerGetPrinter(d->ipp, &d->printer);
  gwDnssdServiceName(&d->printer, d->name, sizeof(d->name));
  if ((d->poll = avahi_threaded_poll_new()) == NULL)
  {
    gwLog(gwSystemGetLog(sys), GW_LOG_ERROR, "DNS-SD: out of memory; the printer is not advertised.");
    return (true);
  }
  avahi_threaded_poll_lock(d->poll);
  client_new(d);
  avahi_threaded_poll_unlock(d->poll);
  if (avahi_threaded_poll_start(d->poll) < 0)
    gwLog(gwSystemGetLog(sys), GW_LOG_ERROR, "DNS-SD: unable to start the Avahi thread; the printer is not advertised.");
  return (true);                        /* The gateway serves without mDNS */
}


/*
 * 'fe_reload()' - New name, location, formats: publish again.
 */

static void
fe_reload(gw_system_t *sys, const gw_config_t *config, void *data)
{
  gw_dnssd_t *d = (gw_dnssd_t *)data;

  (void)sys;
  (void)config;
  if (!d->poll)
    return;
  avahi_threaded_poll_lock(d->poll);
  gwIppServerGetPrinter(d->ipp, &d->printer);
  gwDnssdServiceName(&d->printer, d->name, sizeof(d->name));
  if (d->group)
    avahi_entry_group_reset(d->group);
  if (d->client && avahi_client_get_state(d->client) == AVAHI_CLIENT_S_RUNNING)
    publish(d, d->client);
  avahi_threaded_poll_unlock(d->poll);
}


/*
 * 'fe_stop()' - Withdraw the service and stop the thread.
 */

static void
fe_stop(gw_system_t *sys, void *data)
{
  gw_dnssd_t *d = (gw_dnssd_t *)data;

  (void)sys;
  if (!d->poll)
    return;
  avahi_threaded_poll_stop(d->poll);
  if (d->client)
    avahi_client_free(d->client);       /* Withdraws the entry group */
  d->client = NULL;
  d->group  = NULL;
  avahi_threaded_poll_free(d->poll);
  d->poll = NULL;
}


/*
 * 'fe_command()' - "dnssd-zone DOMAIN [HOST [ADDRESS...]]": the unicast
 *                  DNS-SD zone fragment (HOST defaults to ServerName; with
 *                  no ADDRESS the host name is resolved here).
 */

static bool
fe_command(gw_system_t *sys, const char *command, const char * const *args, int nargs, char **text_r, const char **error_r, void *data)
{
  gw_dnssd_t       *d = (gw_dnssd_t *)data;
  gw_ipp_printer_t  p;
  const char       *host, *addrs[16];
  char              text[16][INET6_ADDRSTRLEN];
  int               naddrs = 0;
  struct addrinfo   hints, *res = NULL;

  (void)sys;
  if (strcmp(command, "dnssd-zone"))
    return (false);
  gwIppServerGetPrinter(d->ipp, &p);
  host = nargs > 1 && args[1][0] ? args[1] : p.server_name;
  for (int i = 2; i < nargs && naddrs < 16; i ++)
    addrs[naddrs ++] = args[i];
  if (nargs <= 2 && strchr(host, ':') == NULL)
  {
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &res) == 0)
    {
      for (struct addrinfo *ai = res; ai && naddrs < 16; ai = ai->ai_next)
      {
        const void *a = ai->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;

        if (inet_ntop(ai->ai_family, a, text[naddrs], sizeof(text[0])))
          addrs[naddrs] = text[naddrs], naddrs ++;
      }
      freeaddrinfo(res);
    }
  }
  *text_r = gwDnssdZone(&p, nargs > 0 ? args[0] : NULL, host, addrs, naddrs, error_r);
  return (true);
}


/*
 * 'gwDnssdNew()' - The DNS-SD front-end of an IPP server.
 */

gw_dnssd_t *
gwDnssdNew(gw_system_t *sys, gw_ipp_server_t *ipp)
{
  gw_dnssd_t *d;

  if ((d = calloc(1, sizeof(gw_dnssd_t))) == NULL)
    return (NULL);
  d->sys               = sys;
  d->ipp               = ipp;
  d->frontend.name     = "dnssd";
  d->frontend.start    = fe_start;
  d->frontend.reload   = fe_reload;
  d->frontend.stop     = fe_stop;
  d->frontend.command  = fe_command;
  d->frontend.data     = d;
  return (d);
}


/*
 * 'gwDnssdFrontend()' - The ops table.
 */

const gw_frontend_t *
gwDnssdFrontend(gw_dnssd_t *dnssd)
{
  return (&dnssd->frontend);
}


/*
 * 'gwDnssdDelete()' - Free (after the system is gone: stop() ran).
 */

void
gwDnssdDelete(gw_dnssd_t **dnssd)
{
  if (!dnssd || !*dnssd)
    return;
  fe_stop(NULL, *dnssd);
  free(*dnssd);
  *dnssd = NULL;
}
