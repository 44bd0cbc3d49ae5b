/*
 * mail-oauth.c - the OAuth2 client of a mail source (docs/mail.md, "OAuth2"):
 * a thin wrapper over the core's client (printgate/oauth.h, shared with the
 * SMTP outbox), which makes the client-credentials or refresh-token grant
 * against the source's token-url and caches the token.  Here: the source's
 * settings (token-cafile= or else cafile=, verify=), its stop flag, and the
 * log line and health entry of each grant.  Only the source's poller thread
 * uses its client, so no lock is needed.
 */

#include "mail-source.h"
#include "printgate/log.h"

#include <stdio.h>
#include <string.h>


/*
 * '_gwMailOAuthToken()' - The access token: the cached one while it is
 *                         fresh, else a new grant.  NULL on failure (logged,
 *                         health set; *tls_refused when the endpoint's
 *                         certificate was not trusted: stop the source).
 */

const char *
_gwMailOAuthToken(gw_mail_source_t *src, bool *tls_refused)
{
  gw_mail_oauth_t *o = &src->oauth;
  const char      *token;
  char             why[512];
  int              grants = o->grants;

  o->no_verify = !src->verify;
  if (!o->cafile[0])
    snprintf(o->cafile, sizeof(o->cafile), "%s", src->cafile);
  if ((token = gwOAuthToken(o, &src->stop, tls_refused, why, sizeof(why))) == NULL)
    _gwMailHealthError(src, 0, *tls_refused, "%s%s.", why, *tls_refused ? "; the source is stopped" : "");
  else if (o->grants != grants)
    gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: new access token (%s grant, %d so far).", src->name, gwOAuthGrantName(o), o->grants);
  if (token && o->rotated)
  {
    o->rotated = false;
    _gwMailSourceKeepRefresh(src);
  }

  return (token);
}


/*
 * '_gwMailOAuthInvalidate()' - Forget a refused token.
 */

void
_gwMailOAuthInvalidate(gw_mail_source_t *src)
{
  gwOAuthInvalidate(&src->oauth);
}
