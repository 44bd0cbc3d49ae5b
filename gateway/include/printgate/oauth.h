/*
 * oauth.h - the core's OAuth 2.0 client and the SASL messages that carry
 * its tokens (gateway/outbox-oauth.c; docs/mail.md, "OAuth2").
 *
 * One client serves the core's SMTP outbox (SmtpAuth xoauth2/oauthbearer
 * with SmtpTokenURL) and the mail front-end's sources (auth=oauth2): a
 * client-credentials (RFC 6749 section 4.4) or refresh-token (section 6)
 * grant, a form-encoded POST over verified HTTPS (no redirects, a bounded
 * answer), the JSON answer read with json-c.  The access token is cached
 * until 60 s before it expires (half its life when that is shorter); a
 * token a server refuses is forgotten with gwOAuthInvalidate(), and the
 * caller asks once more.  A new refresh token in an answer replaces the
 * configured one in memory.
 *
 * A client is used by one thread at a time (its owner's); no lock.  Tokens
 * and secrets never reach a log line or an error text, and are wiped from
 * every buffer that held them; the owner wipes the struct (gwWipe()).
 */

#ifndef PRINTGATE_OAUTH_H
#define PRINTGATE_OAUTH_H

#include "base.h"

#include <time.h>

#define GW_OAUTH_TOKEN_MAX  4096        /* Bytes of an access or refresh token */
#define GW_OAUTH_SEALED_MAX 6144        /* Bytes of a refresh token as configured: "enc:v1:" + base64url of 4096 + 28 sealed bytes (5,506), NUL */

typedef enum gw_sasl_oauth_e            /* The SASL mechanism a token goes in */
{
  GW_SASL_XOAUTH2,                      /* Google / Microsoft: "user=U^Aauth=Bearer T^A^A" */
  GW_SASL_OAUTHBEARER                   /* RFC 7628: GS2 header, host, port, auth */
} gw_sasl_oauth_t;

typedef struct gw_oauth_s               /* One OAuth2 client (zero it, then fill the settings) */
{
  /* Settings */
  char   token_url[512];                /* The token endpoint (https://) */
  char   client_id[256];
  char   client_secret[1024];           /* "" with a refresh token: a public client */
  char   refresh_token[GW_OAUTH_SEALED_MAX]; /* Set: the refresh-token grant, else client credentials (sealed until opened in place) */
  char   scope[256];
  char   cafile[1024];                  /* The endpoint's CA ("" = the system store) */
  bool   no_verify;                     /* The admin turned certificate verification off */
  /* State */
  char   access_token[GW_OAUTH_TOKEN_MAX]; /* Cached */
  time_t expires;                       /* When the cached token stops being used */
  int    grants;                        /* Tokens obtained (log, tests) */
  bool   rotated;                       /* A grant brought a new refresh token (now in refresh_token): the owner keeps it, then clears this */
} gw_oauth_t;

/*
 * The access token: the cached one while it is fresh, else a new grant.
 * NULL on failure, with why (no secret in it) and *tls_refused (the
 * endpoint's certificate was not trusted: nothing was sent).  A transfer
 * is abandoned within about a second once *cancel (may be NULL) is true.
 */
extern const char *gwOAuthToken(gw_oauth_t *o, const volatile bool *cancel, bool *tls_refused, char *why, size_t whysize);
/* A server refused the token: forget it, so the next call grants a new one. */
extern void        gwOAuthInvalidate(gw_oauth_t *o);
/* "client-credentials" or "refresh-token": the grant the client uses (for log lines). */
extern const char *gwOAuthGrantName(const gw_oauth_t *o);

/*
 * The base64 initial client response of mechanism mech (RFC 7628 section
 * 3.1: "n,a=USER,^Ahost=HOST^Aport=PORT^Aauth=Bearer TOKEN^A^A", the
 * authzid's ',' and '=' escaped as =2C and =3D; XOAUTH2: "user=USER^Aauth=
 * Bearer TOKEN^A^A").  false when a field holds a control character or the
 * answer does not fit outsize.  The caller wipes out.
 */
extern bool        gwSaslOAuthResponse(gw_sasl_oauth_t mech, const char *user, const char *host, int port, const char *token, char *out, size_t outsize);
/*
 * A server's error challenge (base64 of RFC 7628 section 3.2.2's JSON:
 * "status", "scope", "openid-configuration"; XOAUTH2's is the same JSON
 * with "schemes") in words for a log line: 'status "invalid_token", scope
 * "..."'.  false (why says so) when it is not base64 JSON.  The client
 * answers such a challenge with GW_SASL_OAUTH_DUMMY, and the server then
 * fails the exchange.
 */
extern bool        gwSaslOAuthError(const char *challenge, char *why, size_t whysize);
#define GW_SASL_OAUTH_DUMMY "AQ=="      /* base64 of the single byte 0x01 (RFC 7628 section 3.2.3) */

#endif /* !PRINTGATE_OAUTH_H */
