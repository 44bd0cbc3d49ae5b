/*
 * web-pages-setup.c - /setup, the page that makes printing from a phone
 * work in a minute (docs/web.md): it recognises the platform from the
 * User-Agent (or ?platform=) and shows only its steps; it makes a device
 * (iPhone, iPad and Mac: a configuration profile carrying the device's
 * token URL, so iOS never asks for a password; the others: the token URL,
 * with a copy button and a QR code, and the device password, shown once),
 * lists my devices with their last use, and revokes one.
 */

#include "web-private.h"

#include <printgate/profile.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct platform_s       /* One platform's steps */
{
  const char *id, *name, *steps;
  bool        profile;          /* Set up by a configuration profile */
} platform_t;

static const platform_t platforms[] =
{
  { "ios", "iPhone or iPad", "Name this device and download its profile. Then open Settings, tap <em>Profile Downloaded</em> and "
    "<em>Install</em>. Printgate then shows in every Print menu; nothing asks for a password.", true },
  { "mac", "Mac", "Name this Mac and download its profile; open it, then install it in System Settings, <em>Privacy &amp; Security</em>, "
    "<em>Profiles</em>. Printgate then shows in every Print dialog.", true },
  { "android", "Android", "Name this phone and get its printer address. Then open Settings, search for <em>Printing</em>, open "
    "<em>Default Print Service</em>, tap the menu, <em>Add printer</em>, and paste the address. Android cannot send a password: "
    "the address itself is the key, so keep it to yourself.", false },
  { "chromebook", "Chromebook", "Name this Chromebook and get its printer address. Then open Settings, <em>Print and scan</em>, "
    "<em>Printers</em>, <em>Add printer</em>, <em>Add manually</em>, and paste the address (protocol IPPS).", false },
  { "windows", "Windows", "Name this PC and get its printer address. Then open Settings, <em>Printers &amp; scanners</em>, "
    "<em>Add device</em>, <em>Add manually</em>, <em>Select a shared printer by name</em>, and paste the address with "
    "<code>https://</code> in place of <code>ipps://</code>.", false },
  { "linux", "Linux", "Name this computer and get its printer address. Then run <code>lpadmin -p printgate -E -m everywhere -v</code> "
    "followed by the address, or add it in your desktop's printer settings as an IPP Everywhere printer.", false }
};


/*
 * 'platform_of()' - The platform asked for (?platform=), else the one the
 *                   User-Agent names (Linux last: Android says Linux too).
 */

static const platform_t *
platform_of(web_req_t *r)
{
  const char *want = r->req ? gwRequestQuery(r->req, "platform") : NULL, *ua = r->req ? gwRequestHeader(r->req, "User-Agent") : NULL;

  for (size_t i = 0; want && i < sizeof(platforms) / sizeof(platforms[0]); i ++)
    if (!strcmp(want, platforms[i].id))
      return (platforms + i);

  if (!ua)
    return (NULL);
  if (strstr(ua, "iPhone") || strstr(ua, "iPad"))
    return (platforms + 0);
  if (strstr(ua, "Android"))
    return (platforms + 2);
  if (strstr(ua, "CrOS"))
    return (platforms + 3);
  if (strstr(ua, "Windows"))
    return (platforms + 4);
  if (strstr(ua, "Macintosh"))
    return (platforms + 1);
  if (strstr(ua, "Linux"))
    return (platforms + 5);

  return (NULL);
}


typedef struct device_list_s    /* The device list being written */
{
  web_buf_t *b;
  web_req_t *r;
  int        count;
} device_list_t;


/*
 * 'device_row()' - One of my devices, with its last use and a revoke form.
 */

static bool
device_row(const gw_device_t *d, void *data)
{
  device_list_t *dl = (device_list_t *)data;
  char           used[32];
  struct tm      tmv;
  time_t         t = (time_t)d->last_used;

  if (d->last_used > 0)
    strftime(used, sizeof(used), "%Y-%m-%d %H:%M", localtime_r(&t, &tmv));
  else
    snprintf(used, sizeof(used), "never");

  dl->count ++;
  _gwWebBufAdd(dl->b, "<li class=\"device\"><span class=\"device-name\">");
  _gwWebBufAddHtml(dl->b, d->name);
  _gwWebBufAddf(dl->b, "</span> &middot; last used %s <form method=\"post\" action=\"/setup/revoke\" class=\"inline\">"
                       "<input type=\"hidden\" name=\"id\" value=\"%lld\"><input type=\"hidden\" name=\"csrf\" value=\"", used, (long long)d->id);
  _gwWebBufAddHtml(dl->b, dl->r->session.csrf);
  _gwWebBufAdd(dl->b, "\"><button type=\"submit\" class=\"revoke-button\">Revoke</button></form></li>");

  return (true);
}


/*
 * '_gwWebSetupPage()' - GET /setup.
 */

void
_gwWebSetupPage(web_req_t *r)
{
  const platform_t *p = platform_of(r);
  gw_actor_t        actor;
  web_buf_t         b = { 0 };
  device_list_t     dl = { &b, r, 0 };

  _gwWebPageBegin(&b, r, "Phone set-up");
  if (!p)
    _gwWebBufAdd(&b, "<p>Which device do you want to print from?</p>");
  else
  {
    _gwWebBufAddf(&b, "<section id=\"platform\" data-platform=\"%s\"><h2>%s</h2><p>%s</p><form method=\"post\" action=\"%s\" id=\"device-new\">",
                  p->id, p->name, p->steps, p->profile ? "/setup/mobileconfig" : "/setup/device");
    _gwWebBufAdd(&b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    _gwWebBufAddHtml(&b, r->session.csrf);
    _gwWebBufAddf(&b, "\"><label for=\"device-name\">Name of this device</label><input id=\"device-name\" name=\"name\" pattern=\"[A-Za-z0-9._-]{1,63}\" "
                      "maxlength=\"63\" required value=\"my-%s\"><button type=\"submit\">%s</button></form></section>",
                  p->id, p->profile ? "Download the profile" : "Get the printer address");
  }

  _gwWebBufAdd(&b, "<p class=\"platforms\">Other devices:");
  for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i ++)
    _gwWebBufAddf(&b, " <a href=\"/setup?platform=%s\">%s</a>", platforms[i].id, platforms[i].name);
  _gwWebBufAdd(&b, "</p><section><h2>My devices</h2><ul class=\"devices\" id=\"devices\">");
  _gwWebActor(r, &actor);
  gwApiDeviceIterate(r->web->sys, &actor, r->session.user.name, device_row, &dl);
  _gwWebBufAdd(&b, dl.count ? "</ul>" : "</ul><p>None yet.</p>");
  _gwWebBufAdd(&b, "</section>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 200, &b);
}


/*
 * 'device_made()' - The page that shows a new device's address and password once.
 */

static void
device_made(web_req_t *r, const char *name, const char *url, const char *password)
{
  web_buf_t      b = { 0 };
  unsigned char *png = NULL;
  size_t         pnglen = 0;
  const char    *error = NULL;

  _gwWebPageBegin(&b, r, "Your printer address");
  _gwWebBufAdd(&b, "<p>For <strong>");
  _gwWebBufAddHtml(&b, name);
  _gwWebBufAdd(&b, "</strong>; shown only now.</p><label for=\"device-url\">Printer address</label>"
                   "<textarea id=\"device-url\" class=\"secret\" readonly rows=\"3\">");
  _gwWebBufAddHtml(&b, url);
  _gwWebBufAdd(&b, "</textarea><button type=\"button\" class=\"copy\" data-copy=\"device-url\" hidden>Copy</button>"
                   "<label for=\"device-password\">Device password (where a password is asked)</label>"
                   "<input id=\"device-password\" class=\"secret\" readonly value=\"");
  _gwWebBufAddHtml(&b, password);
  _gwWebBufAdd(&b, "\">");
  if (gwProfileQrPng(url, 4, &png, &pnglen, &error))
  {
    _gwWebBufAdd(&b, "<p><img class=\"qr\" id=\"device-qr\" alt=\"QR code of the printer address\" src=\"data:image/png;base64,");
    _gwWebBase64(png, pnglen, &b);
    _gwWebBufAdd(&b, "\"></p>");
    free(png);
  }
  _gwWebBufAdd(&b, "<p><a href=\"/setup\">Back to phone set-up</a></p>");
  _gwWebPageEnd(&b);
  _gwWebPageSend(r, 201, &b);
}


/*
 * '_gwWebSetupDevice()' - POST /setup/device (name): a device's token
 *                         URL and password; POST /setup/revoke (id).
 */

void
_gwWebSetupDevice(web_req_t *r)
{
  gw_actor_t  actor;
  char        name[64], url[512], token[GW_API_DEVICE_TOKEN_LEN + 1], password[GW_API_DEVICE_PASSWORD_LEN + 1], id[32], *end;
  const char *error = NULL;
  int64_t     num = 0;

  _gwWebActor(r, &actor);
  if (!strcmp(gwRequestPath(r->req), "/setup/revoke"))
  {
    if (!_gwWebField(r, "id", id, sizeof(id)) || (num = strtoll(id, &end, 10)) <= 0 || *end || !gwApiDeviceRevoke(r->web->sys, &actor, num, &error))
      _gwWebError(r, 404, "no-such-device", "No such device.");
    else
      _gwWebRedirect(r, "/setup");
    return;
  }

  if (!_gwWebField(r, "name", name, sizeof(name)) || !_gwWebSafeName(name) ||
      !gwApiDeviceAdd(r->web->sys, &actor, r->session.user.name, name, token, sizeof(token), password, sizeof(password), &num, &error) ||
      !gwApiDeviceUrl(r->web->sys, token, url, sizeof(url)))
  {
    gwWipe(token, sizeof(token));
    _gwWebError(r, 400, "bad-name", "Name the device with letters, digits, '.', '_' or '-' (a name not used yet).");
    return;
  }

  device_made(r, name, url, password);
  gwWipe(token, sizeof(token));
  gwWipe(url, sizeof(url));
  gwWipe(password, sizeof(password));
}
