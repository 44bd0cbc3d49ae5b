/*
 * profile.c - the iOS/macOS configuration profile for a token URL
 * (profile.h): an XML property list built with a bounded writer, every
 * string XML-escaped.
 */

#include <printgate/profile.h>
#include <printgate/crypto.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct plist_s                  /* A growing buffer */
{
  char   *buf;
  size_t  len, size;
  bool    failed;
} plist_t;

static void put(plist_t *p, const char *format, ...) GW_FORMAT(2, 3);


/*
 * 'put()' - Append formatted text.
 */

static void
put(plist_t *p, const char *format, ...)
{
  va_list ap;
  int     n;

  if (p->failed)
    return;
  for (;;)
  {
    va_start(ap, format);
    n = vsnprintf(p->buf + p->len, p->size - p->len, format, ap);
    va_end(ap);
    if (n < 0)
    {
      p->failed = true;
      return;
    }
    if ((size_t)n < p->size - p->len)
    {
      p->len += (size_t)n;
      return;
    }

    size_t size = p->size * 2 + (size_t)n;
    char  *buf  = malloc(size);

    if (!buf)
    {
      p->failed = true;
      return;
    }
    memcpy(buf, p->buf, p->len);
    gwWipe(p->buf, p->size);           /* It may already hold the token */
    free(p->buf);
    p->buf  = buf;
    p->size = size;
  }
}


/*
 * 'put_string()' - <key>KEY</key><string>VALUE</string>, escaped.
 */

static void
put_string(plist_t *p, const char *indent, const char *key, const char *value)
{
  put(p, "%s<key>%s</key>\n%s<string>", indent, key, indent);
  for (const char *v = value; *v; v ++)
  {
    switch (*v)
    {
      case '&' :  put(p, "&amp;"); break;
      case '<' :  put(p, "&lt;"); break;
      case '>' :  put(p, "&gt;"); break;
      case '"' :  put(p, "&quot;"); break;
      case '\'' : put(p, "&apos;"); break;
      default :   put(p, "%c", *v); break;
    }
  }
  put(p, "</string>\n");
}


/*
 * 'make_uuid()' - A random UUID in upper case, as Apple's tools write them.
 */

static void
make_uuid(char uuid[GW_UUID_LEN + 1])
{
  gwUUIDNew(uuid);
  for (char *u = uuid; *u; u ++)
    *u = (char)toupper((unsigned char)*u);
}


/*
 * 'split_url()' - ipps://HOST[:PORT]/PATH into its parts (bounded; the
 *                 host a name or an address, the path URL-safe).
 */

static bool
split_url(const char *url, char *host, size_t hostsize, int *port, char *path, size_t pathsize)
{
  const char *h, *end, *slash;
  size_t      hlen;

  if (strncmp(url, "ipps://", 7))
    return (false);
  h = url + 7;
  if ((slash = strchr(h, '/')) == NULL || strlen(slash) >= pathsize || strspn(slash, "/ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") != strlen(slash))
    return (false);
  *port = 631;
  if (*h == '[')                        /* [IPv6]:port */
  {
    if ((end = strchr(h, ']')) == NULL || end > slash)
      return (false);
    hlen = (size_t)(end - h - 1);
    h ++;
    end ++;
  }
  else
  {
    for (end = h; end < slash && *end != ':'; end ++);
    hlen = (size_t)(end - h);
  }
  if (hlen == 0 || hlen >= hostsize)
    return (false);
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  if (strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.:%") != hlen)
    return (false);
  if (*end == ':')
  {
    char *pend;
    long  n = strtol(end + 1, &pend, 10);

    if (pend != slash || n < 1 || n > 65535)
      return (false);
    *port = (int)n;
  }
  else if (end != slash)
    return (false);
  memcpy(path, slash, strlen(slash) + 1);
  return (true);
}


/*
 * 'gwProfileMobileconfig()' - The configuration profile for a token URL.
 */

bool
gwProfileMobileconfig(const char *url, const char *display, char **profile, size_t *profilelen, const char **error_r)
{
  char    host[256], path[512], outer[GW_UUID_LEN + 1], inner[GW_UUID_LEN + 1];
  int     port;
  plist_t p;

  *profile    = NULL;
  *profilelen = 0;
  if (!url || !split_url(url, host, sizeof(host), &port, path, sizeof(path)))
  {
    *error_r = "the URL must be ipps://HOST[:PORT]/PATH";
    return (false);
  }
  make_uuid(outer);
  make_uuid(inner);

  memset(&p, 0, sizeof(p));
  p.size = 4096;
  if ((p.buf = malloc(p.size)) == NULL)
  {
    *error_r = "out of memory";
    return (false);
  }
  put(&p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
          "<plist version=\"1.0\">\n<dict>\n  <key>PayloadContent</key>\n  <array>\n    <dict>\n"
          "      <key>AirPrint</key>\n      <array>\n        <dict>\n");
  put(&p, "          <key>ForceTLS</key>\n          <true/>\n");
  put_string(&p, "          ", "IPAddress", host);
  put(&p, "          <key>Port</key>\n          <integer>%d</integer>\n", port);
  put_string(&p, "          ", "ResourcePath", path);
  put(&p, "        </dict>\n      </array>\n");
  put_string(&p, "      ", "PayloadDisplayName", "AirPrint");
  put(&p, "      <key>PayloadIdentifier</key>\n      <string>org.printgate.%s.%s.airprint</string>\n", host, outer);
  put_string(&p, "      ", "PayloadType", "com.apple.airprint");
  put_string(&p, "      ", "PayloadUUID", inner);
  put(&p, "      <key>PayloadVersion</key>\n      <integer>1</integer>\n    </dict>\n  </array>\n");
  put_string(&p, "  ", "PayloadDescription", "Adds the Printgate print gateway as an AirPrint printer; jobs are held for you until you release them at a printer.");
  put_string(&p, "  ", "PayloadDisplayName", display && *display ? display : "Printgate");
  put(&p, "  <key>PayloadIdentifier</key>\n  <string>org.printgate.%s.%s</string>\n", host, outer);
  put_string(&p, "  ", "PayloadOrganization", "Printgate");
  put(&p, "  <key>PayloadRemovalDisallowed</key>\n  <false/>\n");
  put_string(&p, "  ", "PayloadType", "Configuration");
  put_string(&p, "  ", "PayloadUUID", outer);
  put(&p, "  <key>PayloadVersion</key>\n  <integer>1</integer>\n</dict>\n</plist>\n");

  gwWipe(path, sizeof(path));
  if (p.failed)
  {
    gwWipe(p.buf, p.size);
    free(p.buf);
    *error_r = "out of memory";
    return (false);
  }
  *profile    = p.buf;
  *profilelen = p.len;
  return (true);
}
