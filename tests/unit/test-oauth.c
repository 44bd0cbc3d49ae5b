/*
 * test-oauth.c - the core's OAuth2 client and SASL messages (oauth.h):
 * the OAUTHBEARER initial response against RFC 7628 section 4.1's example
 * (byte for byte), XOAUTH2 against Google's documented example, the
 * authzid's ',' and '=' escaped (RFC 5801), fields with control characters
 * and a buffer one byte short refused, the error challenge of RFC 7628
 * section 4.3 put in words (and a challenge that is not base64 or not JSON
 * said so; control characters in it blanked), and the token client's
 * refusals (not https://, an endpoint that does not answer) with no secret
 * in the error text and no token cached.
 */

#include "test.h"
#include "printgate/oauth.h"
#include "printgate/crypto.h"
#include "outbox-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 7628 section 4.1 (the example's token and host; the base64 as the RFC prints it, joined). */
#define RFC7628_RESPONSE "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB"
/* RFC 7628 section 4.3: the server's error challenge. */
#define RFC7628_CHALLENGE "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0="
/* Google's XOAUTH2 example (developers.google.com/gmail/imap/xoauth2-protocol). */
#define GOOGLE_XOAUTH2   "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="


/*
 * 'b64()' - Standard base64 of a string (the expected values built here).
 */

static void
b64(const char *in, char *out)
{
  _gwOutboxBase64Encode(in, strlen(in), false, out, 1024);
}


int
main(void)
{
  char       out[1024], want[1024], why[512];
  gw_oauth_t *o;
  bool       tls = true;

  TEST_BEGIN("OAUTHBEARER: RFC 7628 section 4.1, byte for byte");
  TEST_CHECK(gwSaslOAuthResponse(GW_SASL_OAUTHBEARER, "user@example.com", "server.example.com", 143, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", out, sizeof(out)));
  TEST_CHECKF(!strcmp(out, RFC7628_RESPONSE), "got %s", out);
  TEST_CHECK(!gwSaslOAuthResponse(GW_SASL_OAUTHBEARER, "user@example.com", "server.example.com", 143, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", out, strlen(RFC7628_RESPONSE)));
  TEST_CHECK(gwSaslOAuthResponse(GW_SASL_OAUTHBEARER, "user@example.com", "server.example.com", 143, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", out, strlen(RFC7628_RESPONSE) + 1));

  TEST_BEGIN("XOAUTH2: Google's example, byte for byte");
  TEST_CHECK(gwSaslOAuthResponse(GW_SASL_XOAUTH2, "someuser@example.com", NULL, 0, "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", out, sizeof(out)));
  TEST_CHECKF(!strcmp(out, GOOGLE_XOAUTH2), "got %s", out);

  TEST_BEGIN("OAUTHBEARER: the authzid's ',' and '=' escaped; no authzid when the user is empty");
  TEST_CHECK(gwSaslOAuthResponse(GW_SASL_OAUTHBEARER, "a,b=c", "h", 993, "T", out, sizeof(out)));
  b64("n,a=a=2Cb=3Dc,\001host=h\001port=993\001auth=Bearer T\001\001", want);
  TEST_CHECKF(!strcmp(out, want), "got %s want %s", out, want);
  TEST_CHECK(gwSaslOAuthResponse(GW_SASL_OAUTHBEARER, "", "h", 110, "T", out, sizeof(out)));
  b64("n,,\001host=h\001port=110\001auth=Bearer T\001\001", want);
  TEST_CHECKF(!strcmp(out, want), "got %s want %s", out, want);

  TEST_BEGIN("refused: control characters (they delimit the message), no token, no host or port for OAUTHBEARER");
  TEST_CHECK(!gwSaslOAuthResponse(GW_SASL_OAUTHBEARER, "u", "h", 143, "to\001ken", out, sizeof(out)));
  TEST_CHECK(!gwSaslOAuthResponse(GW_SASL_XOAUTH2, "u\001auth=Bearer x", NULL, 0, "t", out, sizeof(out)));
  TEST_CHECK(!gwSaslOAuthResponse(GW_SASL_OAUTHBEARER, "u", "h\r\n", 143, "t", out, sizeof(out)));
  TEST_CHECK(!gwSaslOAuthResponse(GW_SASL_OAUTHBEARER, "u", "h", 0, "t", out, sizeof(out)));
  TEST_CHECK(!gwSaslOAuthResponse(GW_SASL_OAUTHBEARER, "u", "h", 65536, "t", out, sizeof(out)));
  TEST_CHECK(!gwSaslOAuthResponse(GW_SASL_OAUTHBEARER, "u", "", 143, "t", out, sizeof(out)));
  TEST_CHECK(!gwSaslOAuthResponse(GW_SASL_XOAUTH2, "u", NULL, 0, "", out, sizeof(out)));
  TEST_CHECK(gwSaslOAuthResponse(GW_SASL_XOAUTH2, "u", NULL, 0, "t", out, sizeof(out)));   /* Positive control */

  TEST_BEGIN("the error challenge of RFC 7628 section 4.3 in words");
  TEST_CHECK(gwSaslOAuthError(RFC7628_CHALLENGE, why, sizeof(why)));
  TEST_CHECKF(strstr(why, "status \"invalid_token\"") && strstr(why, "scope \"example_scope\""), "got %s", why);
  TEST_CHECK(!strcmp(GW_SASL_OAUTH_DUMMY, "AQ=="));
  b64("\001", want);
  TEST_CHECK(!strcmp(want, GW_SASL_OAUTH_DUMMY));
  b64("{\"status\":\"bad\\r\\nFAKE LOG LINE\",\"schemes\":\"bearer\"}", want);
  TEST_CHECK(gwSaslOAuthError(want, why, sizeof(why)) && !strchr(why, '\r') && !strchr(why, '\n') && strstr(why, "FAKE LOG LINE"));
  TEST_CHECK(!gwSaslOAuthError("not base64!", why, sizeof(why)) && strstr(why, "not base64"));
  b64("plain text", want);
  TEST_CHECK(!gwSaslOAuthError(want, why, sizeof(why)) && strstr(why, "not JSON"));
  TEST_CHECK(!gwSaslOAuthError("", why, sizeof(why)));

  TEST_BEGIN("token client: refusals say why, never the secret, and cache nothing");
  o = calloc(1, sizeof(*o));
  snprintf(o->token_url, sizeof(o->token_url), "http://127.0.0.1:1/token");
  snprintf(o->client_id, sizeof(o->client_id), "app");
  snprintf(o->client_secret, sizeof(o->client_secret), "s3cr3t-value");
  TEST_CHECK(gwOAuthToken(o, NULL, &tls, why, sizeof(why)) == NULL && strstr(why, "https://") && !tls);
  TEST_CHECK(!strcmp(gwOAuthGrantName(o), "client-credentials"));
  snprintf(o->token_url, sizeof(o->token_url), "https://127.0.0.1:1/token");
  TEST_CHECK(gwOAuthToken(o, NULL, &tls, why, sizeof(why)) == NULL && strstr(why, "cannot reach") && !tls);
  TEST_CHECKF(!strstr(why, "s3cr3t"), "%s", why);
  TEST_CHECK(!o->access_token[0] && o->grants == 0);
  snprintf(o->refresh_token, sizeof(o->refresh_token), "r1");
  TEST_CHECK(!strcmp(gwOAuthGrantName(o), "refresh-token"));
  snprintf(o->access_token, sizeof(o->access_token), "cached");
  o->expires = time(NULL) + 100;
  TEST_CHECK(gwOAuthToken(o, NULL, &tls, why, sizeof(why)) == o->access_token && !strcmp(o->access_token, "cached"));
  gwOAuthInvalidate(o);
  TEST_CHECK(!o->access_token[0] && o->expires == 0);
  gwWipe(o, sizeof(*o));
  free(o);

  TEST_EXIT();
}
