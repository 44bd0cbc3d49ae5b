/*
 * mail-etpan-source.c - the poller of one mail source over libetpan (the
 * only file that calls libetpan's network API): IMAP with IDLE or polling,
 * POP3 with stored UIDLs.
 *
 * TLS: libetpan on Debian verifies nothing (notes/mail-stack.md 0.2).  After
 * the handshake and before any credential is sent, the peer's chain is
 * verified with OpenSSL (gwTLSVerifyChain: chain to cafile or the system
 * store, host name); a failure stops the source with one error line and
 * never falls back, unless the source says verify=no.
 *
 * Exactly once: a message is flagged, moved or deleted (IMAP), or its UIDL
 * written (POP3), only after _gwMailIntake() says its jobs are committed;
 * the jobs' origin references make a message fetched again find its jobs
 * instead of making new ones (docs/mail.md, "Exactly once").
 */

#include "mail-source.h"
#include "printgate/log.h"

#include <libetpan/libetpan.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NET_TIMEOUT   30                /* Seconds per network operation */
#define BACKOFF_MAX   300               /* Seconds between reconnects, at most */
#define BATCH_MAX     100               /* Messages per round */

typedef enum { CONNECT_OK, CONNECT_RETRY, CONNECT_STOP } connect_rc_t;


/*
 * '_gwMailSourceSleep()' - Wait up to 'seconds' or until woken; true when
 *                          the source must stop.
 */

bool
_gwMailSourceSleep(gw_mail_source_t *src, int seconds)
{
  struct pollfd pfd = { src->wake[0], POLLIN, 0 };

  if (src->stop)
    return (true);
  poll(&pfd, 1, seconds * 1000);

  return (src->stop);
}


/*
 * 'set_sni()' - libetpan's TLS callback: the server name (SNI).
 */

static void
set_sni(struct mailstream_ssl_context *ctx, void *data)
{
  mailstream_ssl_set_server_name(ctx, (char *)data);
}


/*
 * 'verify_stream()' - Verify the stream's certificate chain before any
 *                     credential goes out.  false = stop this source.
 */

static bool
verify_stream(gw_mail_source_t *src, mailstream *stream)
{
  gw_log_t            *log = gwSystemGetLog(src->sys);
  carray              *chain;
  const unsigned char *der[16];
  size_t               len[16];
  int                  n = 0;
  char                 why[256];
  bool                 ok;

  if (!src->verify)
  {
    gwLog(log, GW_LOG_WARN, "Mail source %s: certificate verification is off for this source (verify=no).", src->name);
    return (true);
  }
  if (!stream || (chain = mailstream_get_certificate_chain(stream)) == NULL)
  {
    _gwMailHealthError(src, 0, true, "%s:%d sent no certificate; the source is stopped and no password was sent.", src->host, src->port);
    return (false);
  }
  for (unsigned i = 0; i < carray_count(chain) && n < 16; i ++)
  {
    MMAPString *s = carray_get(chain, i);

    der[n]   = (const unsigned char *)s->str;
    len[n ++] = s->len;
  }
  ok = gwTLSVerifyChain(der, len, n, src->host, src->cafile, why, sizeof(why));
  mailstream_certificate_chain_free(chain);
  if (!ok)
    _gwMailHealthError(src, 0, true, "the certificate of %s:%d is not trusted (%s); the source is stopped and no password was sent. Fix the server's certificate or cafile=, then reload.", src->host, src->port, why);

  return (ok);
}


/*
 * 'sasl_line()' - Send one line (wiped by the caller) and read the answer,
 *                 skipping IMAP's untagged lines; NULL = the stream broke.
 */

static char *
sasl_line(mailstream *stream, MMAPString *buffer, const char *line, size_t len)
{
  char *resp;

  if (mailstream_write(stream, line, len) != (ssize_t)len || mailstream_flush(stream) == -1)
    return (NULL);
  while ((resp = mailstream_read_line_remove_eol(stream, buffer)) != NULL && !strncmp(resp, "* ", 2))
    ;

  return (resp);
}


/*
 * 'sasl_oauth()' - AUTHENTICATE (IMAP, tag "pgauth") or AUTH (POP3, RFC
 *                  5034) with XOAUTH2 or OAUTHBEARER on the session's own
 *                  stream: libetpan 1.9.4 has no OAUTHBEARER and no POP3
 *                  XOAUTH2.  The initial response goes in the command
 *                  (SASL-IR) when ir, else after the server's empty "+".
 *                  An error challenge ("+ " base64 JSON) is put in words in
 *                  why and answered with the dummy response (RFC 7628
 *                  3.2.3; XOAUTH2: an empty line), and the server then
 *                  fails the exchange.  1 = signed in, 0 = the token was
 *                  refused (why says how), -1 = the stream broke.
 */

static int
sasl_oauth(gw_mail_source_t *src, mailstream *stream, MMAPString *buffer, bool imap, bool ir, const char *token, char *why, size_t whysize)
{
  const char *mech = src->sasl == GW_SASL_OAUTHBEARER ? "OAUTHBEARER" : "XOAUTH2";
  size_t      size = ((3 * strlen(src->user) + strlen(src->host) + strlen(token) + 64) + 2) / 3 * 4 + 64;
  char       *line = calloc(1, size), *resp = NULL;
  int         prefix, r = -1;

  snprintf(why, whysize, "the server refused the token");
  if (!line)
    return (-1);
  prefix = snprintf(line, size, "%s %s%s", imap ? "pgauth AUTHENTICATE" : "AUTH", mech, ir ? " " : "\r\n");
  if (!gwSaslOAuthResponse(src->sasl, src->user, src->host, src->port, token, line + prefix, size - (size_t)prefix - 2))
    snprintf(why, whysize, "the user name or token cannot go in a %s message", mech);
  else if (ir)
  {
    snprintf(line + strlen(line), size - strlen(line), "\r\n");
    resp = sasl_line(stream, buffer, line, strlen(line));
  }
  else if ((resp = sasl_line(stream, buffer, line, (size_t)prefix)) != NULL && resp[0] == '+')
  {
    snprintf(line + strlen(line), size - strlen(line), "\r\n");
    resp = sasl_line(stream, buffer, line + prefix, strlen(line + prefix));
  }
  if (resp && resp[0] == '+' && (!resp[1] || (resp[1] == ' ' && !resp[2])))   /* An empty continuation here: cancel (RFC 3501, 5034) */
    resp = sasl_line(stream, buffer, "*\r\n", 3);
  else if (resp && resp[0] == '+' && resp[1] == ' ')   /* An error challenge: put in words, answered, then the failure */
  {
    gwSaslOAuthError(resp + 2, why, whysize);
    resp = sasl_line(stream, buffer, src->sasl == GW_SASL_OAUTHBEARER ? GW_SASL_OAUTH_DUMMY "\r\n" : "\r\n", src->sasl == GW_SASL_OAUTHBEARER ? 6 : 2);
  }
  if (resp)
    r = !strncmp(resp, imap ? "pgauth OK" : "+OK", imap ? 9 : 3) ? 1 : 0;
  gwWipe(line, size);
  free(line);

  return (r);
}


/*
 * 'imap_oauth2()' - AUTHENTICATE XOAUTH2 (libetpan's) or OAUTHBEARER (ours,
 *                   sasl_oauth()) with the source's access token (a refused
 *                   token: one new token, one more try).  *r gets the answer.
 */

static connect_rc_t
imap_oauth2(gw_mail_source_t *src, mailimap *imap, int *r)
{
  struct mailimap_capability_data *caps = NULL;
  bool                             tls = false, bearer = src->sasl == GW_SASL_OAUTHBEARER;

  *r = MAILIMAP_ERROR_LOGIN;
  if (mailimap_capability(imap, &caps) == MAILIMAP_NO_ERROR && caps)   /* After TLS: the list afresh */
    mailimap_capability_data_free(caps);
  if (!mailimap_has_authentication(imap, bearer ? "OAUTHBEARER" : "XOAUTH2"))
  {
    _gwMailHealthError(src, 0, true, "%s:%d does not offer AUTH=%s; the source is stopped (auth=oauth2).", src->host, src->port, bearer ? "OAUTHBEARER" : "XOAUTH2");
    return (CONNECT_STOP);
  }
  for (int attempt = 0; attempt < 2 && *r == MAILIMAP_ERROR_LOGIN; attempt ++)
  {
    const char *token = _gwMailOAuthToken(src, &tls);
    char        why[256] = "the server refused the token";
    int         sr;

    if (!token)
      return (tls ? CONNECT_STOP : CONNECT_RETRY);
    if (!bearer)
      *r = mailimap_oauth2_authenticate(imap, src->user, token);
    else if ((sr = sasl_oauth(src, imap->imap_stream, imap->imap_stream_buffer, true, mailimap_has_extension(imap, "SASL-IR") != 0, token, why, sizeof(why))) == 1)
    {
      imap->imap_state = MAILIMAP_STATE_AUTHENTICATED;
      *r = MAILIMAP_NO_ERROR;
    }
    else
      *r = sr == 0 ? MAILIMAP_ERROR_LOGIN : MAILIMAP_ERROR_STREAM;
    if (*r == MAILIMAP_ERROR_LOGIN)
    {
      gwLog(gwSystemGetLog(src->sys), GW_LOG_WARN, "Mail source %s: AUTHENTICATE %s for %s: %s.", src->name, bearer ? "OAUTHBEARER" : "XOAUTH2", src->user, why);
      _gwMailOAuthInvalidate(src);
    }
  }

  return (CONNECT_OK);
}


/*
 * 'imap_connect()' - Connect, TLS, verify, log in, select.
 */

static connect_rc_t
imap_connect(gw_mail_source_t *src, mailimap *imap, uint32_t *uidvalidity)
{
  struct mailimap_capability_data *caps = NULL;
  int                              r;

  mailimap_set_timeout(imap, NET_TIMEOUT);
  if (src->implicit_tls)
    r = mailimap_ssl_connect_with_callback(imap, src->host, (uint16_t)src->port, set_sni, src->host);
  else if ((r = mailimap_socket_connect(imap, src->host, (uint16_t)src->port)) == MAILIMAP_NO_ERROR_NON_AUTHENTICATED || r == MAILIMAP_NO_ERROR)
  {
    if ((r = mailimap_socket_starttls_with_callback(imap, set_sni, src->host)) != MAILIMAP_NO_ERROR)
    {
      _gwMailHealthError(src, 0, true, "%s:%d refused STARTTLS; the source is stopped (it never logs in without TLS).", src->host, src->port);
      return (CONNECT_STOP);
    }
    r = MAILIMAP_NO_ERROR_NON_AUTHENTICATED;
  }
  if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
  {
    _gwMailHealthError(src, 0, false, "cannot connect to %s:%d (libetpan error %d); trying again later.", src->host, src->port, r);
    return (CONNECT_RETRY);
  }

  if (!verify_stream(src, imap->imap_stream))
    return (CONNECT_STOP);

  if (src->auth == GW_MAIL_AUTH_OAUTH2)
  {
    connect_rc_t arc = imap_oauth2(src, imap, &r);

    if (arc != CONNECT_OK)
      return (arc);
  }
  else
    r = mailimap_login(imap, src->user, src->password);
  if (r != MAILIMAP_NO_ERROR)
  {
    _gwMailHealthError(src, 0, false, "the server refused the login of %s (error %d); trying again later.", src->user, r);
    return (CONNECT_RETRY);
  }
  if (mailimap_capability(imap, &caps) == MAILIMAP_NO_ERROR && caps)
    mailimap_capability_data_free(caps);
  if ((r = mailimap_select(imap, src->mailbox)) != MAILIMAP_NO_ERROR || !imap->imap_selection_info)
  {
    _gwMailHealthError(src, 0, false, "cannot open mailbox \"%s\" (error %d); trying again later.", src->mailbox, r);
    return (CONNECT_RETRY);
  }
  *uidvalidity = imap->imap_selection_info->sel_uidvalidity;

  return (CONNECT_OK);
}


/*
 * 'imap_search()' - UIDs of messages not yet done (no $Printed or
 *                   $Rejected keyword), NULL on error.
 */

static clist *
imap_search(mailimap *imap)
{
  struct mailimap_search_key *key = mailimap_search_key_new_multiple_empty();
  clist                      *result = NULL;

  mailimap_search_key_multiple_add(key, mailimap_search_key_new_unkeyword(strdup("$Printed")));
  mailimap_search_key_multiple_add(key, mailimap_search_key_new_unkeyword(strdup("$Rejected")));
  if (mailimap_uid_search(imap, NULL, key, &result) != MAILIMAP_NO_ERROR)
    result = NULL;
  mailimap_search_key_free(key);

  return (result);
}


/*
 * 'imap_fetch()' - RFC822.SIZE (body NULL) or the whole message
 *                  (BODY.PEEK[], copied to *body).  false on error.
 */

static bool
imap_fetch(mailimap *imap, uint32_t uid, size_t *size, char **body)
{
  struct mailimap_set        *set = mailimap_set_new_single(uid);
  struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
  clist                      *res = NULL;
  bool                        ok = false;

  if (body)
    mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
  else
    mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());

  if (mailimap_uid_fetch(imap, set, ft, &res) == MAILIMAP_NO_ERROR)
  {
    for (clistiter *m = clist_begin(res); m; m = clist_next(m))
    {
      struct mailimap_msg_att *att = clist_content(m);

      for (clistiter *i = clist_begin(att->att_list); i; i = clist_next(i))
      {
        struct mailimap_msg_att_item *item = clist_content(i);

        if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
          continue;
        if (!body && item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
        {
          *size = item->att_data.att_static->att_data.att_rfc822_size;
          ok    = true;
        }
        else if (body && item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_BODY_SECTION)
        {
          struct mailimap_msg_att_body_section *sec = item->att_data.att_static->att_data.att_body_section;

          if ((*body = malloc(sec->sec_length + 1)) != NULL)
          {
            memcpy(*body, sec->sec_body_part, sec->sec_length);
            (*body)[sec->sec_length] = '\0';
            *size = sec->sec_length;
            ok    = true;
          }
        }
      }
    }
    mailimap_fetch_list_free(res);
  }
  mailimap_fetch_type_free(ft);
  mailimap_set_free(set);

  return (ok);
}


/*
 * 'imap_move()' - Move one message to a folder (MOVE, or COPY + \Deleted +
 *                 EXPUNGE where the server has no MOVE).
 */

static bool
imap_move(mailimap *imap, struct mailimap_set *set, const char *folder)
{
  struct mailimap_flag_list       *fl;
  struct mailimap_store_att_flags *sa;
  bool                             ok;

  if (mailimap_has_extension(imap, "MOVE"))
    return (mailimap_uid_move(imap, set, folder) == MAILIMAP_NO_ERROR);
  if (mailimap_uid_copy(imap, set, folder) != MAILIMAP_NO_ERROR)
    return (false);
  fl = mailimap_flag_list_new_empty();
  mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
  sa = mailimap_store_att_flags_new_add_flags_silent(fl);
  ok = mailimap_uid_store(imap, set, sa) == MAILIMAP_NO_ERROR && mailimap_expunge(imap) == MAILIMAP_NO_ERROR;
  mailimap_store_att_flags_free(sa);

  return (ok);
}


/*
 * 'imap_done()' - After the commit: keyword (and \Seen), then move to
 *                 the Printed/Rejected folder, or delete, as configured.
 */

static bool
imap_done(gw_mail_source_t *src, mailimap *imap, uint32_t uid, bool printed)
{
  struct mailimap_set       *set = mailimap_set_new_single(uid);
  struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
  struct mailimap_store_att_flags *sa;
  bool                       ok;

  mailimap_flag_list_add(fl, mailimap_flag_new_flag_keyword(strdup(printed ? "$Printed" : "$Rejected")));
  mailimap_flag_list_add(fl, mailimap_flag_new_seen());
  if (!strcmp(src->done, "delete"))
    mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
  sa = mailimap_store_att_flags_new_add_flags_silent(fl);
  ok = mailimap_uid_store(imap, set, sa) == MAILIMAP_NO_ERROR;
  mailimap_store_att_flags_free(sa);

  if (ok && !strcmp(src->done, "move"))
    ok = imap_move(imap, set, printed ? src->printed : src->rejected);
  else if (ok && !strcmp(src->done, "delete"))
    ok = mailimap_expunge(imap) == MAILIMAP_NO_ERROR;
  mailimap_set_free(set);

  return (ok);
}


/*
 * 'imap_move_marked()' - done=move: messages that carry $Printed or
 *                        $Rejected but are still here (a stop or a crash
 *                        between the keyword and the move) are moved now.
 *                        false = the connection broke.
 */

static bool
imap_move_marked(gw_mail_source_t *src, mailimap *imap)
{
  for (int which = 0; which < 2 && !strcmp(src->done, "move"); which ++)
  {
    struct mailimap_search_key *key = mailimap_search_key_new_keyword(strdup(which ? "$Rejected" : "$Printed"));
    clist                      *uids = NULL;
    int                         r = mailimap_uid_search(imap, NULL, key, &uids);

    mailimap_search_key_free(key);
    if (r != MAILIMAP_NO_ERROR)
      return (false);
    for (clistiter *it = clist_begin(uids); it; it = clist_next(it))
    {
      uint32_t             uid = *(uint32_t *)clist_content(it);
      struct mailimap_set *set = mailimap_set_new_single(uid);

      gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: message UID %u is marked %s but was not moved (a stop in between); moving it now.", src->name, (unsigned)uid, which ? "$Rejected" : "$Printed");
      if (!imap_move(imap, set, which ? src->rejected : src->printed))
        gwLog(gwSystemGetLog(src->sys), GW_LOG_WARN, "Mail source %s: message UID %u could not be moved to \"%s\".", src->name, (unsigned)uid, which ? src->rejected : src->printed);
      mailimap_set_free(set);
    }
    mailimap_search_result_free(uids);
  }

  return (true);
}


/*
 * 'imap_done_cb()' - The window's callback: a message is done (tag: its UID).
 */

static bool
imap_done_cb(void *data, const char *key, void *tag, gw_mail_done_t done)
{
  void **ctx = (void **)data;           /* { source, session } */

  (void)key;
  return (imap_done((gw_mail_source_t *)ctx[0], (mailimap *)ctx[1], (uint32_t)(uintptr_t)tag, done == GW_MAIL_DONE_PRINTED));
}


/*
 * 'imap_round()' - Take every waiting message once, up to the window's
 *                  size in flight at a time.  false = the connection broke
 *                  (reconnect).
 */

static bool
imap_round(gw_mail_source_t *src, mailimap *imap, uint32_t uidvalidity)
{
  clist   *uids = imap_search(imap);
  void    *ctx[2] = { src, imap };
  int      n = 0;
  bool     ok = true;
  unsigned taken = src->taken;

  if (!uids)
    return (false);
  if (!imap_move_marked(src, imap))
  {
    mailimap_search_result_free(uids);
    return (false);
  }

  for (clistiter *it = clist_begin(uids); it && n < BATCH_MAX && !src->stop; it = clist_next(it), n ++)
  {
    uint32_t       uid = *(uint32_t *)clist_content(it);
    char           key[96], *body = NULL;
    size_t         size = 0;
    gw_mail_done_t done;

    if (!_gwMailWindowRoom(src, imap_done_cb, ctx))
    {
      ok = false;
      break;
    }
    snprintf(key, sizeof(key), "%u:%u", (unsigned)uidvalidity, (unsigned)uid);
    if (!imap_fetch(imap, uid, &size, NULL))
    {
      ok = false;
      break;
    }
    if (size > src->limits.max_message)
    {
      _gwMailIntakeTooLarge(src, key, size);
      done = GW_MAIL_DONE_REJECTED;
    }
    else if (!imap_fetch(imap, uid, &size, &body))
    {
      ok = false;
      break;
    }
    else
    {
      done = _gwMailIntake(src, key, body, size, (void *)(uintptr_t)uid);
      free(body);
    }
    if (done == GW_MAIL_RETRY || done == GW_MAIL_IN_FLIGHT)
      continue;
    if (!imap_done(src, imap, uid, done == GW_MAIL_DONE_PRINTED))
    {
      ok = false;
      break;
    }
  }
  src->more = ok && clist_count(uids) > BATCH_MAX && src->taken != taken;
  mailimap_search_result_free(uids);
  if (ok)
    ok = _gwMailWindowDrain(src, imap_done_cb, ctx);
  _gwMailWindowAbandon(src);            /* A broken connection or a stop: taken again later */

  return (ok);
}


/*
 * 'imap_wait()' - Wait for new mail: IDLE with a bounded wait when the
 *                 server has it (DONE before poll seconds, so re-IDLE is
 *                 always well before 29 minutes), else sleep.  false =
 *                 the connection broke.
 */

static bool
imap_wait(gw_mail_source_t *src, mailimap *imap)
{
  struct pollfd pfd[2];

  if (!mailimap_has_idle(imap))
  {
    _gwMailSourceSleep(src, src->poll);
    return (true);
  }

  if (mailimap_idle(imap) != MAILIMAP_NO_ERROR)
    return (false);
  pfd[0].fd     = mailimap_idle_get_fd(imap);
  pfd[0].events = POLLIN;
  pfd[1].fd     = src->wake[0];
  pfd[1].events = POLLIN;
  pfd[0].revents = pfd[1].revents = 0;
  poll(pfd, 2, src->poll * 1000);

  return (mailimap_idle_done(imap) == MAILIMAP_NO_ERROR);
}


/*
 * 'run_imap()' - Connect, then rounds and waits until stopped; reconnect
 *                with backoff.  false = stopped for good (TLS).
 */

static void
run_imap(gw_mail_source_t *src)
{
  int backoff = 1;

  while (!src->stop)
  {
    mailimap     *imap = mailimap_new(0, NULL);
    uint32_t      uidvalidity = 0;
    connect_rc_t  rc;

    if (!imap)
      break;
    rc = imap_connect(src, imap, &uidvalidity);
    if (rc == CONNECT_OK)
    {
      gwLog(gwSystemGetLog(src->sys), GW_LOG_INFO, "Mail source %s: connected to %s:%d, mailbox %s (%s).", src->name, src->host, src->port, src->mailbox, mailimap_has_idle(imap) ? "IDLE" : "polling");
      backoff = 1;
      while (!src->stop && imap_round(src, imap, uidvalidity) && !src->stop)
      {
        _gwMailHealthOk(src);
        if (!src->more && !imap_wait(src, imap))   /* More waiting than a round takes: at once */
          break;
      }
      if (!src->stop)
        gwLog(gwSystemGetLog(src->sys), GW_LOG_WARN, "Mail source %s: the connection broke; reconnecting.", src->name);
      else
        mailimap_logout(imap);
    }
    mailimap_free(imap);
    if (rc == CONNECT_STOP)
      return;
    if (_gwMailSourceSleep(src, backoff))
      break;
    backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
  }
}


/*
 * 'uidl_done()' - Whether a POP3 UIDL is in the done file.
 */

static bool
uidl_done(gw_mail_source_t *src, const char *uidl)
{
  FILE *fp = fopen(src->uidl_path, "re");
  char  line[128];
  bool  found = false;

  if (!fp)
    return (false);
  while (!found && fgets(line, sizeof(line), fp))
  {
    line[strcspn(line, "\n")] = '\0';
    found = !strcmp(line, uidl);
  }
  fclose(fp);

  return (found);
}


/*
 * 'uidl_add()' - Append a done UIDL, durably (after its jobs' commit).
 */

static bool
uidl_add(gw_mail_source_t *src, const char *uidl)
{
  int  fd = open(src->uidl_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  char line[128];
  int  len = snprintf(line, sizeof(line), "%s\n", uidl);
  bool ok;

  if (fd < 0)
    return (false);
  ok = write(fd, line, (size_t)len) == len && fsync(fd) == 0;
  close(fd);

  return (ok);
}


/*
 * 'pop3_oauth()' - AUTH with the source's token; on +OK the session is put
 *                  in libetpan's TRANSACTION state (its private enum: 2, as
 *                  mailpop3_pass() does).  A refusal gives
 *                  MAILPOP3_ERROR_BAD_PASSWORD.
 */

static int
pop3_oauth(gw_mail_source_t *src, mailpop3 *pop, const char *token, char *why, size_t whysize)
{
  int r = sasl_oauth(src, pop->pop3_stream, pop->pop3_stream_buffer, false, true, token, why, whysize);

  if (r == 1)
    pop->pop3_state = 2;                /* POP3_STATE_TRANSACTION in mailpop3.c */

  return (r == 1 ? MAILPOP3_NO_ERROR : r == 0 ? MAILPOP3_ERROR_BAD_PASSWORD : MAILPOP3_ERROR_STREAM);
}


/*
 * 'pop3_login()' - USER/PASS, or XOAUTH2 / OAUTHBEARER with the source's
 *                  token (a refused token: one new token, one more try).
 */

static connect_rc_t
pop3_login(gw_mail_source_t *src, mailpop3 *pop, int *r)
{
  bool tls = false;

  if (src->auth != GW_MAIL_AUTH_OAUTH2)
  {
    *r = mailpop3_login(pop, src->user, src->password);
    return (CONNECT_OK);
  }
  *r = MAILPOP3_ERROR_BAD_PASSWORD;
  for (int attempt = 0; attempt < 2 && *r == MAILPOP3_ERROR_BAD_PASSWORD; attempt ++)
  {
    const char *token = _gwMailOAuthToken(src, &tls);
    char        why[256];

    if (!token)
      return (tls ? CONNECT_STOP : CONNECT_RETRY);
    if ((*r = pop3_oauth(src, pop, token, why, sizeof(why))) == MAILPOP3_ERROR_BAD_PASSWORD)
    {
      gwLog(gwSystemGetLog(src->sys), GW_LOG_WARN, "Mail source %s: AUTH %s for %s: %s.", src->name, src->sasl == GW_SASL_OAUTHBEARER ? "OAUTHBEARER" : "XOAUTH2", src->user, why);
      _gwMailOAuthInvalidate(src);
    }
  }

  return (CONNECT_OK);
}


/*
 * 'pop3_done_cb()' - A message is done (key: its UIDL, tag: its number in
 *                    this session): the UIDL written (fsync), then DELE
 *                    with done=delete (committed by QUIT).  false = the
 *                    UIDL could not be written (the session ends).
 */

static bool
pop3_done_cb(void *data, const char *key, void *tag, gw_mail_done_t done)
{
  void             **ctx = (void **)data;   /* { source, session } */
  gw_mail_source_t  *src = (gw_mail_source_t *)ctx[0];

  (void)done;
  if (!uidl_add(src, key))
  {
    _gwMailHealthError(src, 0, false, "cannot write %s: %s.", src->uidl_path, strerror(errno));
    return (false);
  }
  if (!strcmp(src->done, "delete"))
    mailpop3_dele((mailpop3 *)ctx[1], (unsigned int)(uintptr_t)tag);

  return (true);
}


/*
 * 'pop3_open()' - Connect, TLS, verify, log in: *pop_r set when CONNECT_OK.
 */

static connect_rc_t
pop3_open(gw_mail_source_t *src, mailpop3 **pop_r)
{
  mailpop3    *pop = mailpop3_new(0, NULL);
  int          r;
  connect_rc_t rc;

  *pop_r = NULL;
  if (!pop)
    return (CONNECT_RETRY);
  mailpop3_set_timeout(pop, NET_TIMEOUT);
  if (src->implicit_tls)
    r = mailpop3_ssl_connect_with_callback(pop, src->host, (uint16_t)src->port, set_sni, src->host);
  else if ((r = mailpop3_socket_connect(pop, src->host, (uint16_t)src->port)) == MAILPOP3_NO_ERROR &&
           (r = mailpop3_socket_starttls_with_callback(pop, set_sni, src->host)) != MAILPOP3_NO_ERROR)
  {
    _gwMailHealthError(src, 0, true, "%s:%d refused STLS; the source is stopped (it never logs in without TLS).", src->host, src->port);
    mailpop3_free(pop);
    return (CONNECT_STOP);
  }
  if (r != MAILPOP3_NO_ERROR)
  {
    _gwMailHealthError(src, 0, false, "cannot connect to %s:%d (libetpan error %d); trying again later.", src->host, src->port, r);
    mailpop3_free(pop);
    return (CONNECT_RETRY);
  }
  if (!verify_stream(src, pop->pop3_stream))
  {
    mailpop3_free(pop);
    return (CONNECT_STOP);
  }
  if ((rc = pop3_login(src, pop, &r)) != CONNECT_OK)
  {
    mailpop3_free(pop);
    return (rc);
  }
  if (r != MAILPOP3_NO_ERROR)
  {
    _gwMailHealthError(src, 0, false, "the server refused the login of %s (error %d); trying again later.", src->user, r);
    mailpop3_free(pop);
    return (CONNECT_RETRY);
  }
  *pop_r = pop;

  return (CONNECT_OK);
}


/*
 * 'pop3_round()' - One POP3 session: connect, TLS, verify, log in, take
 *                  every message whose UIDL is not done, QUIT.
 */

static connect_rc_t
pop3_round(gw_mail_source_t *src)
{
  mailpop3    *pop;
  carray      *list = NULL;
  connect_rc_t rc;

  if ((rc = pop3_open(src, &pop)) != CONNECT_OK)
    return (rc);
  rc = CONNECT_RETRY;

  src->more = false;
  if (mailpop3_list(pop, &list) == MAILPOP3_NO_ERROR && list)
  {
    void    *ctx[2] = { src, pop };
    unsigned taken = src->taken, n = 0;

    rc = CONNECT_OK;
    for (unsigned i = 0; i < carray_count(list) && n < BATCH_MAX && !src->stop; i ++)
    {
      struct mailpop3_msg_info *info = carray_get(list, i);
      char                      key[128], *msg = NULL;
      size_t                    len = 0;
      gw_mail_done_t            done;

      if (!info || !info->msg_uidl || strlen(info->msg_uidl) > 70)
        continue;
      if (uidl_done(src, info->msg_uidl))
      {
        /* Done before, but its DELE was lost (a crash before QUIT rolls DELE back). */
        if (!strcmp(src->done, "delete"))
          mailpop3_dele(pop, info->msg_index);
        continue;
      }
      n ++;
      if (!_gwMailWindowRoom(src, pop3_done_cb, ctx))
      {
        rc = CONNECT_RETRY;
        break;
      }
      snprintf(key, sizeof(key), "%s", info->msg_uidl);
      if (info->msg_size > src->limits.max_message)
      {
        _gwMailIntakeTooLarge(src, key, info->msg_size);
        done = GW_MAIL_DONE_REJECTED;
      }
      else if (mailpop3_retr(pop, info->msg_index, &msg, &len) != MAILPOP3_NO_ERROR)
      {
        rc = CONNECT_RETRY;
        break;
      }
      else
      {
        done = _gwMailIntake(src, key, msg, len, (void *)(uintptr_t)info->msg_index);
        mailpop3_retr_free(msg);
      }
      if (done == GW_MAIL_RETRY || done == GW_MAIL_IN_FLIGHT)
        continue;
      if (!pop3_done_cb(ctx, key, (void *)(uintptr_t)info->msg_index, done))
      {
        rc = CONNECT_RETRY;
        break;
      }
    }
    /* The window applies within the session: every message is done before QUIT commits the DELEs. */
    if (rc == CONNECT_OK && !_gwMailWindowDrain(src, pop3_done_cb, ctx))
      rc = CONNECT_RETRY;
    src->more = rc == CONNECT_OK && n >= BATCH_MAX && src->taken != taken;
    _gwMailWindowAbandon(src);
  }
  mailpop3_quit(pop);
  mailpop3_free(pop);

  return (rc);
}


/*
 * 'run_pop3()' - A session every poll seconds; backoff after failures.
 */

static void
run_pop3(gw_mail_source_t *src)
{
  int backoff = 1;

  while (!src->stop)
  {
    connect_rc_t rc = pop3_round(src);

    if (rc == CONNECT_STOP)
      return;
    if (rc == CONNECT_OK)
    {
      _gwMailHealthOk(src);
      backoff = src->poll;
    }
    else
      backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
    if (_gwMailSourceSleep(src, rc == CONNECT_OK ? (src->more ? 0 : src->poll) : backoff))
      break;
  }
}


/*
 * '_gwMailSourceProbe()' - Test a source's connection: the steps of a
 *                          poll up to the folder, nothing taken.  The
 *                          health messages already name the step.
 */

bool
_gwMailSourceProbe(gw_mail_source_t *src, char *text, size_t textsize)
{
  connect_rc_t rc = CONNECT_RETRY;
  uint32_t     uidvalidity = 0;

  if (src->proto == GW_MAIL_PROTO_IMAP)
  {
    mailimap *imap = mailimap_new(0, NULL);

    if (imap && (rc = imap_connect(src, imap, &uidvalidity)) == CONNECT_OK)
      mailimap_logout(imap);
    if (imap)
      mailimap_free(imap);
  }
  else if (src->proto == GW_MAIL_PROTO_POP3)
  {
    mailpop3 *pop;

    if ((rc = pop3_open(src, &pop)) == CONNECT_OK)
    {
      mailpop3_quit(pop);
      mailpop3_free(pop);
    }
  }
  else
  {
    snprintf(text, textsize, "The connection test covers IMAP and POP3 sources; a Graph or EWS source's state shows its last poll.");
    return (false);
  }

  pthread_mutex_lock(&src->mutex);
  if (rc == CONNECT_OK)
    snprintf(text, textsize, "Connected to %s:%d with TLS (certificate verified), signed in as %s%s%s.", src->host, src->port, src->user,
             src->proto == GW_MAIL_PROTO_IMAP ? ", opened folder " : "", src->proto == GW_MAIL_PROTO_IMAP ? src->mailbox : "");
  else
  {
    static const char * const steps[][2] =      /* What the health text names -> the step, in words */
    {
      { "TLS", "TLS" }, { "certificate", "TLS" }, { "token", "OAuth2 token" }, { "XOAUTH2", "login" },
      { "login", "login" }, { "mailbox", "folder" }, { "connect", "connection" }
    };
    const char *why = src->health.last_error[0] ? src->health.last_error : "the connection failed", *step = "connection";

    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i ++)
      if (strstr(why, steps[i][0]))
      {
        step = steps[i][1];
        break;
      }
    snprintf(text, textsize, "Failed at the %s step: %s", step, why);
  }
  pthread_mutex_unlock(&src->mutex);

  return (rc == CONNECT_OK);
}


/*
 * '_gwMailSourceRun()' - A source's poller thread.
 */

void *
_gwMailSourceRun(void *arg)
{
  gw_mail_source_t *src = (gw_mail_source_t *)arg;

  pthread_setname_np(pthread_self(), "pg-mail");   /* Seen in top -H and ps -L */
  if (src->proto == GW_MAIL_PROTO_IMAP)
    run_imap(src);
  else if (src->proto == GW_MAIL_PROTO_POP3)
    run_pop3(src);
  else if (src->proto == GW_MAIL_PROTO_GRAPH)
    _gwMailGraphRun(src);
  else
    _gwMailEwsRun(src);
  _gwMailWindowAbandon(src);

  return (NULL);
}
