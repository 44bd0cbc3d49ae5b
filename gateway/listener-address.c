/*
 * listener-address.c - client addresses for the HTTPS listener: the key
 * connections are counted under (an IPv4 address, or an IPv6 /64: one
 * IPv6 client usually holds a whole /64), and lists of addresses and CIDR
 * blocks (HealthDetailsFrom), and the buckets connections are counted
 * in.  No libmicrohttpd here.
 */

#include "listener-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * Local functions.
 */

static bool  parse_cidr(const char *text, size_t len, int *family, unsigned char addr[16], int *bits);


/*
 * 'gwListenerClientBucket()' - The key connections are counted under for a
 *                              numeric client address: the IPv4 address
 *                              itself ("192.0.2.7", also for "::ffff:"
 *                              mapped ones), or the IPv6 /64
 *                              ("2001:db8:1:2::/64").  For tests and logs.
 */

bool
gwListenerClientBucket(const char *address, char *bucket, size_t bucketsize)
{
  struct sockaddr_storage ss;
  struct sockaddr_in     *sin  = (struct sockaddr_in *)&ss;
  struct sockaddr_in6    *sin6 = (struct sockaddr_in6 *)&ss;
  unsigned char           key[LISTENER_KEY_SIZE], addr[16];
  char                    text[INET6_ADDRSTRLEN];
  int                     n;

  if (!address || !bucket || bucketsize == 0)
    return (false);

  memset(&ss, 0, sizeof(ss));
  if (inet_pton(AF_INET, address, &sin->sin_addr) == 1)
    sin->sin_family = AF_INET;
  else if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1)
    sin6->sin6_family = AF_INET6;
  else
    return (false);

  if (!_gwListenerAddressKey((struct sockaddr *)&ss, key))
    return (false);

  memset(addr, 0, sizeof(addr));
  if (key[0] == 4)
  {
    memcpy(addr, key + 1, 4);
    if (!inet_ntop(AF_INET, addr, text, sizeof(text)))
      return (false);
    n = snprintf(bucket, bucketsize, "%s", text);
  }
  else
  {
    memcpy(addr, key + 1, 8);
    if (!inet_ntop(AF_INET6, addr, text, sizeof(text)))
      return (false);
    n = snprintf(bucket, bucketsize, "%s/64", text);
  }

  return (n > 0 && (size_t)n < bucketsize);
}


/*
 * 'gwListenerAddressListValid()' - Check a list of addresses and CIDR
 *                                  blocks ("127.0.0.0/8 ::1 10.1.0.0/16",
 *                                  spaces or commas between them; "" is a
 *                                  valid, empty list).
 */

bool
gwListenerAddressListValid(const char *list, const char **error_r)
{
  const char   *p, *end;
  int           family, bits;
  unsigned char addr[16];

  if (!list)
    return (false);

  for (p = list; *p; p = end)
  {
    while (*p == ' ' || *p == ',' || *p == '\t')
      p ++;
    if (!*p)
      break;
    for (end = p; *end && *end != ' ' && *end != ',' && *end != '\t'; end ++);

    if (!parse_cidr(p, (size_t)(end - p), &family, addr, &bits))
    {
      if (error_r)
        *error_r = "must be numeric IPv4/IPv6 addresses or CIDR blocks such as 127.0.0.0/8 or fd00::/8, separated by spaces";
      return (false);
    }
  }

  return (true);
}


/*
 * 'gwListenerAddressListMatch()' - Whether a numeric client address (as
 *                                  gwRequestClientAddress() gives it) is in
 *                                  a list of addresses and CIDR blocks.
 *                                  Entries that do not parse never match.
 */

bool
gwListenerAddressListMatch(const char *list, const char *address)
{
  unsigned char client[16], addr[16];
  int           cfamily, family, bits;
  const char   *p, *end;

  if (!list || !address)
    return (false);

  memset(client, 0, sizeof(client));
  if (inet_pton(AF_INET, address, client) == 1)
    cfamily = AF_INET;
  else if (inet_pton(AF_INET6, address, client) == 1)
  {
    cfamily = AF_INET6;
    if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)client))
    {
      memmove(client, client + 12, 4);
      memset(client + 4, 0, 12);
      cfamily = AF_INET;
    }
  }
  else
    return (false);

  for (p = list; *p; p = end)
  {
    int whole, rest;

    while (*p == ' ' || *p == ',' || *p == '\t')
      p ++;
    if (!*p)
      break;
    for (end = p; *end && *end != ' ' && *end != ',' && *end != '\t'; end ++);

    if (!parse_cidr(p, (size_t)(end - p), &family, addr, &bits) || family != cfamily)
      continue;

    whole = bits / 8;
    rest  = bits % 8;
    if (memcmp(client, addr, (size_t)whole))
      continue;
    if (rest && ((client[whole] ^ addr[whole]) & (0xff << (8 - rest)) & 0xff))
      continue;

    return (true);
  }

  return (false);
}


/*
 * '_gwListenerAddressKey()' - The bucket key of a client address: 4 and the IPv4
 *                   address (also for IPv4-mapped IPv6), or 6 and the
 *                   first 64 bits of an IPv6 address.
 */

bool
_gwListenerAddressKey(const struct sockaddr *sa, unsigned char key[LISTENER_KEY_SIZE])
{
  memset(key, 0, LISTENER_KEY_SIZE);

  if (sa->sa_family == AF_INET)
  {
    key[0] = 4;
    memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    return (true);
  }
  else if (sa->sa_family == AF_INET6)
  {
    const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

    if (IN6_IS_ADDR_V4MAPPED(a))
    {
      key[0] = 4;
      memcpy(key + 1, a->s6_addr + 12, 4);
    }
    else
    {
      key[0] = 6;
      memcpy(key + 1, a->s6_addr, 8);
    }
    return (true);
  }

  return (false);
}


/*
 * 'parse_cidr()' - Parse "ADDRESS" or "ADDRESS/BITS" (len bytes, not
 *                  nul-terminated).
 */

static bool
parse_cidr(const char *text, size_t len, int *family, unsigned char addr[16], int *bits)
{
  char  buf[INET6_ADDRSTRLEN + 8], *slash, *end;
  long  n;
  int   max;

  if (len == 0 || len >= sizeof(buf))
    return (false);

  memcpy(buf, text, len);
  buf[len] = '\0';

  if ((slash = strchr(buf, '/')) != NULL)
    *slash++ = '\0';

  memset(addr, 0, 16);
  if (inet_pton(AF_INET, buf, addr) == 1)
  {
    *family = AF_INET;
    max     = 32;
  }
  else if (inet_pton(AF_INET6, buf, addr) == 1)
  {
    *family = AF_INET6;
    max     = 128;
  }
  else
    return (false);

  *bits = max;
  if (slash)
  {
    if (!*slash || *slash < '0' || *slash > '9')
      return (false);
    errno = 0;
    n     = strtol(slash, &end, 10);
    if (errno || *end || n < 0 || n > max)
      return (false);
    *bits = (int)n;
  }

  return (true);
}


/*
 * '_gwListenerBucketFind()' - Find a client's bucket, or (add) a free slot
 *                             for it.  Caller holds l->lock.
 */

listener_bucket_t *
_gwListenerBucketFind(gw_listener_t *l, const unsigned char *key, bool add)
{
  listener_bucket_t *free_slot = NULL;

  for (int i = 0; i < l->num_buckets; i ++)
  {
    listener_bucket_t *b = l->buckets + i;

    if (b->count > 0 && !memcmp(b->key, key, LISTENER_KEY_SIZE))
      return (b);
    if (b->count == 0 && !free_slot)
      free_slot = b;
  }

  if (!add || !free_slot)
    return (NULL);

  memcpy(free_slot->key, key, LISTENER_KEY_SIZE);

  return (free_slot);
}
