/*
 * test-outbox.c - outgoing mail (outbox.h): the composed message (header
 * injection refused in every field, RFC 2047 subject that decodes back
 * without a cut UTF-8 sequence, quoted-printable lines of at most 76
 * characters that decode back, unique Message-IDs), the RFC 3834 guard
 * (each rule, each with a positive control), the idempotency key, the
 * backoff schedule with the time injected (a closed port: 60 s doubling to
 * 1 h, failed after 48 h, nothing tried before it is due), delivery to a
 * small loopback SMTP responder in this file (sent once; a 550 fails at
 * once; the server saw Auto-Submitted and the QP body; a row left "sending"
 * by a crash is not taken again until the next start's sender, which sends
 * it; a stop during an attempt hanging on a silent relay returns at once
 * and leaves the row due), the sealed message
 * (its text is not in the database), and enc:v1: secrets (round trip; a
 * changed character, another root key, a truncated value are refused; the
 * plain-text warning never logs the value).
 */

#include "test.h"
#include "gateway-harness.h"
#include "outbox-private.h"
#include "api-private.h"
#include "store-private.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const gw_actor_t admin = { GW_DEFAULT_TENANT, "system", GW_ROLE_ADMIN, "mail", "mail" };
static const gw_actor_t alice = { GW_DEFAULT_TENANT, "alice", GW_ROLE_USER, "192.0.2.10", "web" };


/* ---- Decoders for the checks ------------------------------------------------------ */

static int
b64val(int c)
{
  const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char *p = c ? strchr(a, c) : NULL;

  return (p ? (int)(p - a) : -1);
}


/* Standard base64 (with padding) into out; returns the length. */
static size_t
b64dec(const char *in, size_t len, unsigned char *out)
{
  unsigned bits = 0, n = 0;
  size_t   o = 0, i;

  for (i = 0; i < len && in[i] != '='; i ++)
  {
    bits = (bits << 6) | (unsigned)b64val(in[i]);
    if ((n += 6) >= 8)
    {
      n -= 8;
      out[o++] = (unsigned char)(bits >> n);
    }
  }

  return (o);
}


/* The body of a message (after the blank line), QP-decoded, CRLF as \n. */
static void
qp_decode(const char *msg, test_buf_t *out)
{
  const char *p = strstr(msg, "\r\n\r\n");

  for (p = p ? p + 4 : msg; *p; p ++)
  {
    if (*p == '=' && p[1] == '\r' && p[2] == '\n')
      p += 2;
    else if (*p == '=' && p[1] && p[2])
    {
      char hex[3] = { p[1], p[2], 0 }, c = (char)strtol(hex, NULL, 16);

      test_buf_add(out, &c, 1);
      p += 2;
    }
    else if (*p == '\r' && p[1] == '\n')
      ;
    else
      test_buf_add(out, p, 1);
  }
}


/* The longest line of a message (without CRLF); *bare_lf when a LF has no CR. */
static size_t
longest_line(const char *msg, bool *bare_lf)
{
  size_t longest = 0, len = 0;

  *bare_lf = false;
  for (const char *p = msg; *p; p ++)
  {
    if (*p == '\n')
    {
      if (p == msg || p[-1] != '\r')
        *bare_lf = true;
      longest = len > longest ? len : longest;
      len = 0;
    }
    else if (*p != '\r')
      len ++;
  }

  return (len > longest ? len : longest);
}


/* ---- A loopback SMTP responder ------------------------------------------------------- */

typedef struct smtp_s
{
  int        fd, port;
  pthread_t  thread;
  int        messages;          /* Messages accepted (250 after DATA) */
  char       last[8192];        /* The last message's DATA */
  const char *refuse_rcpt;      /* Recipient answered with 550 */
} smtp_t;

static bool
smtp_line(int fd, char *buf, size_t size)
{
  size_t n = 0;

  while (n + 1 < size && read(fd, buf + n, 1) == 1)
  {
    if (buf[n ++] == '\n')
    {
      buf[n] = '\0';
      return (true);
    }
  }

  return (false);
}

static void
smtp_say(int fd, const char *s)
{
  if (write(fd, s, strlen(s)) < 0)
    perror("smtp write");
}

static void *
smtp_thread(void *data)
{
  smtp_t *s = (smtp_t *)data;
  int     fd;
  char    line[1024];

  while ((fd = accept(s->fd, NULL, NULL)) >= 0)
  {
    smtp_say(fd, "220 fake ESMTP\r\n");
    while (smtp_line(fd, line, sizeof(line)))
    {
      if (!strncasecmp(line, "EHLO", 4) || !strncasecmp(line, "HELO", 4))
        smtp_say(fd, "250 fake\r\n");
      else if (!strncasecmp(line, "RCPT", 4) && s->refuse_rcpt && strstr(line, s->refuse_rcpt))
        smtp_say(fd, "550 5.1.1 No such user here\r\n");
      else if (!strncasecmp(line, "DATA", 4))
      {
        size_t n = 0;

        smtp_say(fd, "354 go ahead\r\n");
        while (smtp_line(fd, line, sizeof(line)) && strcmp(line, ".\r\n"))
        {
          size_t len = strlen(line);

          if (n + len < sizeof(s->last))
          {
            memcpy(s->last + n, line, len);
            n += len;
          }
        }
        s->last[n] = '\0';
        __atomic_add_fetch(&s->messages, 1, __ATOMIC_SEQ_CST);
        smtp_say(fd, "250 2.0.0 Ok: queued as FAKE1\r\n");
      }
      else if (!strncasecmp(line, "QUIT", 4))
      {
        smtp_say(fd, "221 bye\r\n");
        break;
      }
      else
        smtp_say(fd, "250 ok\r\n");
    }
    close(fd);
  }

  return (NULL);
}

static bool
smtp_start(smtp_t *s)
{
  if ((s->fd = test_loopback_socket(4, &s->port)) < 0)
    return (false);

  return (pthread_create(&s->thread, NULL, smtp_thread, s) == 0);
}

static void
smtp_stop(smtp_t *s)
{
  shutdown(s->fd, SHUT_RDWR);
  close(s->fd);
  pthread_join(s->thread, NULL);
}



/* ---- Rows ------------------------------------------------------------------------ */

typedef struct rows_s
{
  int               n;
  gw_outbox_entry_t last;
} rows_t;

static bool
row_cb(const gw_outbox_entry_t *e, void *data)
{
  rows_t *r = (rows_t *)data;

  r->n ++;
  r->last = *e;
  return (true);
}

static rows_t
rows_of(gw_system_t *sys, unsigned states)
{
  rows_t r;

  memset(&r, 0, sizeof(r));
  gwApiOutboxIterate(sys, &admin, states, row_cb, &r);
  return (r);
}


/* Delete every row (none is being sent: the sender thread is stopped). */
static void
clear_outbox(gw_system_t *sys)
{
  rows_t all = rows_of(sys, 0);

  while (all.n > 0 && gwApiOutboxDelete(sys, &admin, all.last.id, NULL))
    all = rows_of(sys, 0);
}


/* ---- Tests ------------------------------------------------------------------------ */

static void
test_compose(void)
{
  gw_outmail_t m = { NULL, "alice@example.test", "Your print job", "Held: report.pdf (3 pages).\n", NULL, NULL, true, NULL };
  char        *msg = NULL, msgid[GW_OUTMAIL_MSGID_MAX + 1], bad[600];
  size_t       len;
  const char  *error = NULL;
  bool         bare;

  TEST_BEGIN("composition: headers, injection refused in every field");
  TEST_CHECKF(_gwOutboxCompose(&m, "print@example.test", "example.test", 1796414400, &msg, &len, msgid, sizeof(msgid), &error), "%s", error);
  TEST_CHECK(msg && strstr(msg, "From: print@example.test\r\nTo: alice@example.test\r\nSubject: Your print job\r\n"));
  TEST_CHECK(msg && strstr(msg, "\r\nDate: Fri, 04 Dec 2026 20:00:00 +0000\r\n"));
  TEST_CHECK(msg && strstr(msg, "\r\nAuto-Submitted: auto-replied\r\n"));
  TEST_CHECK(msg && strstr(msg, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"));
  TEST_CHECK(strlen(msgid) == 47 && msgid[0] == '<' && !strcmp(msgid + 33, "@example.test>"));
  TEST_CHECK(msg && (longest_line(msg, &bare), !bare));
  free(msg);

  /* Each field with CR, LF, CRLF+header, a NUL-free control character: refused, nothing allocated */
  {
    const char *evil[] = { "x\r\nBcc: victim@example.org", "x\nBcc: victim@example.org", "x\rBcc: v@example.org", "tab\there", "del\x7f" };

    for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i ++)
    {
      gw_outmail_t e = m;

      msg = (char *)1;
      e.subject = evil[i];
      TEST_CHECK(!_gwOutboxCompose(&e, "print@example.test", "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error) && msg == NULL);
      e = m;
      snprintf(bad, sizeof(bad), "alice@example.test%s", evil[i]);
      e.to = bad;
      TEST_CHECK(!_gwOutboxCompose(&e, "print@example.test", "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error));
      TEST_CHECK(!_gwOutboxCompose(&m, bad, "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error));
      e = m;
      snprintf(bad, sizeof(bad), "<a@b>%s", evil[i]);
      e.in_reply_to = bad;
      TEST_CHECK(!_gwOutboxCompose(&e, "print@example.test", "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error));
      e = m;
      e.references = bad;
      TEST_CHECK(!_gwOutboxCompose(&e, "print@example.test", "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error));
      e = m;
      e.key = evil[i];
      TEST_CHECK(!_gwOutboxCompose(&e, "print@example.test", "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error));
      TEST_CHECK(!_gwOutboxCompose(&m, "print@example.test", evil[i], 0, &msg, &len, msgid, sizeof(msgid), &error));
    }
  }

  /* Addresses: display names, two recipients, quotes, no domain: refused; a plain one passes */
  TEST_CHECK(gwOutboxAddressValid("a.b+tag@mail.example.test"));
  TEST_CHECK(!gwOutboxAddressValid("Alice <alice@example.test>"));
  TEST_CHECK(!gwOutboxAddressValid("a@example.test,b@example.test"));
  TEST_CHECK(!gwOutboxAddressValid("\"a b\"@example.test"));
  TEST_CHECK(!gwOutboxAddressValid("alice@"));
  TEST_CHECK(!gwOutboxAddressValid(".alice@example.test"));
  TEST_CHECK(!gwOutboxAddressValid("alice@example..test"));

  /* Bounds: subject, body, In-Reply-To with two ids, not UTF-8 */
  {
    gw_outmail_t e = m;
    char        *big = malloc(GW_OUTMAIL_BODY_MAX + 2);

    memset(big, 'a', GW_OUTMAIL_BODY_MAX + 1);
    big[GW_OUTMAIL_BODY_MAX + 1] = '\0';
    e.body = big;
    TEST_CHECK(!_gwOutboxCompose(&e, "print@example.test", "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error));
    big[GW_OUTMAIL_BODY_MAX] = '\0';
    TEST_CHECKF(_gwOutboxCompose(&e, "print@example.test", "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error), "%s", error);
    free(msg);
    e = m;
    big[GW_OUTMAIL_SUBJECT_MAX + 1] = '\0';
    e.subject = big;
    TEST_CHECK(!_gwOutboxCompose(&e, "print@example.test", "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error));
    big[GW_OUTMAIL_SUBJECT_MAX] = '\0';
    TEST_CHECK(_gwOutboxCompose(&e, "print@example.test", "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error) && (longest_line(msg, &bare) <= 998));
    free(msg);
    free(big);
    e = m;
    e.in_reply_to = "<a@b> <c@d>";
    TEST_CHECK(!_gwOutboxCompose(&e, "print@example.test", "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error));
    e = m;
    e.body = "caf\xe9\n";             /* Latin-1, not UTF-8 */
    TEST_CHECK(!_gwOutboxCompose(&e, "print@example.test", "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error));
    e = m;
    e.subject = "\xed\xa0\x80";      /* A UTF-16 surrogate */
    TEST_CHECK(!_gwOutboxCompose(&e, "print@example.test", "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error));
  }
}


static void
test_compose_encoding(void)
{
  const char  *subject = "Grüße aus Köln: Ihr Druckauftrag »Quartalsbericht über Ökologie« wurde angehalten — 3 Seiten ✓";
  char         body[4000], *msg = NULL, msgid[GW_OUTMAIL_MSGID_MAX + 1], decoded[1024];
  gw_outmail_t m = { NULL, "alice@example.test", subject, body, "<orig@example.test>", "<a1@example.test> <a2@example.test> <a3-long-long-long-long-long-long@example.test> <a4@example.test>", false, NULL };
  size_t       len, dlen = 0;
  const char  *error = NULL, *p;
  bool         bare, cut = false;
  test_buf_t   qp;

  TEST_BEGIN("composition: RFC 2047 subject, quoted-printable body, folding");
  memset(body, 'x', 1000);
  snprintf(body + 1000, sizeof(body) - 1000, "\n.leading dot\n=equals= and trailing space \nümlaut line ✓\r\nlast line without newline");
  TEST_CHECKF(_gwOutboxCompose(&m, "print@example.test", "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error), "%s", error);
  if (!msg)
    return;

  TEST_CHECKF(longest_line(msg, &bare) <= 76, "longest line %zu", longest_line(msg, &bare));
  TEST_CHECK(!bare);
  TEST_CHECK(!strstr(msg, "\r\n.leading"));         /* A leading dot is encoded, never a bare "." line */
  TEST_CHECK(strstr(msg, "\r\nIn-Reply-To: <orig@example.test>\r\n") != NULL);
  TEST_CHECK(strstr(msg, "References: <a1@example.test> <a2@example.test>") != NULL && strstr(msg, "\r\n <a3-long") != NULL);
  TEST_CHECK(!strstr(msg, "Auto-Submitted"));
  free(msg);

  /* A long ASCII subject is folded before a space: every line at most 78, the words kept */
  m.subject = "Your print job quarterly-report-final-v2.pdf is held at the gateway until you release it at a printer";
  TEST_CHECKF(_gwOutboxCompose(&m, "print@example.test", "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error), "%s", error);
  TEST_CHECK(msg && strstr(msg, "Subject: Your print job quarterly-report-final-v2.pdf is held at the gateway\r\n until you release it at a printer\r\n"));
  TEST_CHECK(msg && longest_line(msg, &bare) <= 78);
  free(msg);
  m.subject = subject;
  if (!_gwOutboxCompose(&m, "print@example.test", "example.test", 0, &msg, &len, msgid, sizeof(msgid), &error))
    return;

  /* Every encoded word decodes to whole UTF-8 characters; together, the subject */
  for (p = strstr(msg, "Subject:"); p && (p = strstr(p, "=?UTF-8?B?")) != NULL && p < strstr(msg, "\r\nDate:"); )
  {
    const char *end = strstr(p + 10, "?=");
    size_t      n = b64dec(p + 10, (size_t)(end - p - 10), (unsigned char *)decoded + dlen);

    TEST_CHECK(end - p + 2 <= 75);
    if ((decoded[dlen] & 0xc0) == 0x80)
      cut = true;
    dlen += n;
    p = end + 2;
  }
  decoded[dlen] = '\0';
  TEST_CHECKF(!strcmp(decoded, subject), "decoded subject \"%s\"", decoded);
  TEST_CHECK(!cut);

  /* The QP body decodes back to the text (CRLF as LF) */
  memset(&qp, 0, sizeof(qp));
  qp_decode(msg, &qp);
  memcpy(body + 1000 + strlen("\n.leading dot\n=equals= and trailing space \nümlaut line ✓"), "\n", 1);
  memmove(body + 1000 + strlen("\n.leading dot\n=equals= and trailing space \nümlaut line ✓") + 1,
          body + 1000 + strlen("\n.leading dot\n=equals= and trailing space \nümlaut line ✓") + 2, strlen("last line without newline") + 1);
  TEST_CHECKF(qp.data && !strncmp(qp.data, body, strlen(body)), "decoded body differs");
  free(qp.data);
  free(msg);

  /* Message-IDs: 2000 in a row, all different */
  {
    static char ids[2000][64];
    int         dup = 0;

    for (int i = 0; i < 2000; i ++)
    {
      gw_outmail_t s = { NULL, "a@example.test", "", "x", NULL, NULL, false, NULL };

      _gwOutboxCompose(&s, "p@example.test", "example.test", 0, &msg, &len, ids[i], sizeof(ids[i]), &error);
      free(msg);
    }
    for (int i = 0; i < 2000; i ++)
      for (int j = i + 1; j < 2000; j ++)
        dup += !strcmp(ids[i], ids[j]);
    TEST_CHECK(dup == 0 && ids[1999][0] == '<');
  }
}


static void
test_guard(gw_system_t *sys)
{
  static const struct
  {
    const char *h[5];           /* name, value, name, value, NULL */
    const char *to;
    const char *reason;         /* NULL = reply */
  } cases[] =
  {
    { { "Subject", "print this", NULL }, "alice@example.test", NULL },
    { { "Auto-Submitted", "no", NULL }, "alice@example.test", NULL },
    { { "Auto-Submitted", " No (manual)", NULL }, "alice@example.test", NULL },
    { { "Auto-Submitted", "auto-replied", NULL }, "alice@example.test", "auto-submitted" },
    { { "auto-submitted", "auto-generated", NULL }, "alice@example.test", "auto-submitted" },
    { { "Precedence", "bulk", NULL }, "alice@example.test", "precedence" },
    { { "Precedence", "List", NULL }, "alice@example.test", "precedence" },
    { { "Precedence", "junk", NULL }, "alice@example.test", "precedence" },
    { { "Precedence", "first-class", NULL }, "alice@example.test", NULL },
    { { "List-Id", "<staff.example.test>", NULL }, "alice@example.test", "list" },
    { { "List-Unsubscribe", "<mailto:leave@example.test>", NULL }, "alice@example.test", "list" },
    { { "Return-Path", "<>", NULL }, "alice@example.test", "null-return-path" },
    { { "Return-Path", " < > ", NULL }, "alice@example.test", "null-return-path" },
    { { "Return-Path", "", NULL }, "alice@example.test", "null-return-path" },
    { { "Return-Path", "<alice@example.test>", NULL }, "alice@example.test", NULL },
    { { "X-Auto-Response-Suppress", "All", NULL }, "alice@example.test", "suppressed" },
    { { "X-Auto-Response-Suppress", "OOF", NULL }, "alice@example.test", NULL },
    { { "X-Loop", "print@example.test", NULL }, "alice@example.test", "loop" },
    { { "X-Loop", "someone-else@example.test", NULL }, "alice@example.test", NULL },
    { { "Subject", "hi", NULL }, "print@example.test", "own-address" },
    { { "Subject", "hi", NULL }, "PRINT@Example.Test", "own-address" },
    { { "Subject", "hi", NULL }, "printgate@gw.example.test", "own-address" },
    { { "Subject", "hi", NULL }, "printer@example.test", NULL },
    { { "Subject", "hi", NULL }, "MAILER-DAEMON@example.test", "system-address" },
    { { "Subject", "hi", NULL }, "postmaster@example.test", "system-address" },
    { { "Subject", "hi", NULL }, "no-reply@example.test", "system-address" },
    { { "Subject", "hi", NULL }, "postmasters-friend@example.test", NULL },
    { { "Subject", "hi", NULL }, "Alice <alice@example.test>", "no-address" },
    { { "Subject", "hi", NULL }, "", "no-address" },
    { { "Subject", "hi", "Precedence", "bulk", NULL }, "alice@example.test", "precedence" },
  };
  static const char * const own[] = { "print@example.test", NULL };

  TEST_BEGIN("RFC 3834 guard: each rule, each with a reply that passes");
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i ++)
  {
    const char *reason = "unset";
    bool        ok = gwMailShouldReply(sys, cases[i].h, cases[i].to, own, &reason);

    TEST_CHECKF(ok == (cases[i].reason == NULL) && (ok ? reason == NULL : !strcmp(reason, cases[i].reason)),
                "case %zu (%s: %s, to %s): %s, reason %s", i, cases[i].h[0], cases[i].h[1], cases[i].to, ok ? "reply" : "no reply", reason ? reason : "none");
  }
  TEST_CHECK(gwMailShouldReply(NULL, NULL, "alice@example.test", NULL, NULL));
  TEST_CHECK(!gwMailShouldReply(NULL, NULL, "print@example.test", own, NULL));
}


typedef struct racer_s          /* One of the threads queuing the same key at once */
{
  gw_system_t *sys;
  int64_t      id;
  bool         ok;
} racer_t;

static void *
racer(void *data)
{
  racer_t     *r = (racer_t *)data;
  gw_outmail_t m = { NULL, "frank@example.test", "race", "Same key from eight threads.\n", NULL, NULL, true, "race:1" };

  r->ok = gwApiOutboxAdd(r->sys, &admin, &m, &r->id, NULL);
  return (NULL);
}


static void
test_queue(gw_system_t *sys, const char *dir)
{
  gw_outmail_t m = { NULL, "bob@example.test", "Re: scan", "Marker-body-7f3a: held.\n", NULL, NULL, true, "imap:1:42" };
  int64_t      id1 = 0, id2 = 0, id3 = 0, id4 = 0;
  const char  *error = NULL;
  rows_t       r;

  TEST_BEGIN("queue: idempotency key, scope, sealed at rest");
  TEST_CHECKF(gwApiOutboxAdd(sys, &admin, &m, &id1, &error), "%s", error);
  TEST_CHECK(gwApiOutboxAdd(sys, &admin, &m, &id2, &error) && id2 == id1);   /* Same key: nothing new */
  m.key = "imap:1:43";
  TEST_CHECK(gwApiOutboxAdd(sys, &admin, &m, &id3, &error) && id3 != id1);
  m.key = NULL;
  TEST_CHECK(gwApiOutboxAdd(sys, &admin, &m, &id4, &error) && id4 != id3);
  TEST_CHECK(gwApiOutboxAdd(sys, &admin, &m, &id2, &error) && id2 != id4);   /* No key: each call queues */
  r = rows_of(sys, GW_OUTBOX_STATE_BIT(GW_OUTBOX_QUEUED));
  TEST_CHECKF(r.n == 4, "%d rows", r.n);
  TEST_CHECK(!strcmp(r.last.from, "printgate@gw.example.test") && !strcmp(r.last.to, "bob@example.test") && r.last.attempts == 0);

  /* A user may not queue or list; a bad message queues nothing */
  error = NULL;
  TEST_CHECK(!gwApiOutboxAdd(sys, &alice, &m, &id2, &error) && error && !strcmp(error, "permission denied"));
  TEST_CHECK(!gwApiOutboxIterate(sys, &alice, 0, row_cb, &r));
  m.to = "bob@example.test\r\nBcc: all@example.test";
  TEST_CHECK(!gwApiOutboxAdd(sys, &admin, &m, &id2, &error));
  TEST_CHECK(rows_of(sys, 0).n == 4);

  /* The message text is sealed: not in the database; the planted control is */
  TEST_CHECK(!db_has(dir, "Marker-body-7f3a"));
  TEST_CHECK(db_has(dir, "imap:1:43"));

  /* Eight threads queue the same key at once: one row, every caller gets its id */
  {
    pthread_t threads[8];
    racer_t   racers[8];
    int       same = 0, before = rows_of(sys, 0).n;

    for (int i = 0; i < 8; i ++)
    {
      racers[i].sys = sys;
      pthread_create(&threads[i], NULL, racer, &racers[i]);
    }
    for (int i = 0; i < 8; i ++)
    {
      pthread_join(threads[i], NULL);
      same += racers[i].ok && racers[i].id == racers[0].id && racers[0].id > 0;
    }
    TEST_CHECKF(same == 8 && rows_of(sys, 0).n == before + 1, "%d same ids, %d new rows", same, rows_of(sys, 0).n - before);
  }

  /* Delete, retry */
  TEST_CHECK(gwApiOutboxDelete(sys, &admin, id4, &error));
  TEST_CHECK(!gwApiOutboxDelete(sys, &admin, id4, &error));
  TEST_CHECK(rows_of(sys, 0).n == 4);
}


static void
test_backoff(gw_system_t *sys, const char *dir)
{
  gw_config_t *c = gwSystemGetConfig(sys);
  int64_t      t0, id = 0, expect[] = { 60, 120, 240, 480, 960, 1920, 3600, 3600 };
  gw_outmail_t m = { NULL, "carol@example.test", "later", "Body\n", NULL, NULL, true, "backoff:1" };
  const char  *error = NULL;
  rows_t       r;
  int          i;

  TEST_BEGIN("backoff: 60 s doubling to 1 h, nothing before it is due, failed after 48 h");
  for (i = 0; i < 8; i ++)
    TEST_CHECKF(_gwOutboxBackoff(i + 1, 60, 3600) == expect[i], "attempt %d: %lld", i + 1, (long long)_gwOutboxBackoff(i + 1, 60, 3600));

  /* The rows of the test before are removed, then a row against a closed port */
  clear_outbox(sys);
  snprintf(c->smtp_server, sizeof(c->smtp_server), "127.0.0.1:%d", test_free_port());
  snprintf(c->smtp_tls, sizeof(c->smtp_tls), "off");
  TEST_CHECKF(gwApiOutboxAdd(sys, &admin, &m, &id, &error), "%s", error);
  t0 = rows_of(sys, 0).last.created;

  TEST_CHECK(_gwOutboxRunOnce(sys, t0) == 1);
  r = rows_of(sys, 0);
  TEST_CHECKF(r.last.state == GW_OUTBOX_QUEUED && r.last.attempts == 1 && r.last.next_attempt == t0 + 60, "state %d, attempts %d, next +%lld", r.last.state, r.last.attempts, (long long)(r.last.next_attempt - t0));
  TEST_CHECK(strstr(r.last.last_error, "onnect") != NULL);
  TEST_CHECK(_gwOutboxRunOnce(sys, t0 + 59) == 0);                 /* Not due yet */
  TEST_CHECK(_gwOutboxRunOnce(sys, t0 + 60) == 1);
  r = rows_of(sys, 0);
  TEST_CHECK(r.last.attempts == 2 && r.last.next_attempt == t0 + 60 + 120);

  /* 47 h 59 min later it is still queued; the first attempt after 48 h fails it, the last answer logged */
  TEST_CHECK(_gwOutboxRunOnce(sys, t0 + 48 * 3600 - 60) == 1);
  r = rows_of(sys, 0);
  TEST_CHECK(r.last.state == GW_OUTBOX_QUEUED && r.last.attempts == 3);
  TEST_CHECK(_gwOutboxRunOnce(sys, t0 + 48 * 3600 - 1) == 0);       /* Its next attempt (+240 s) is not due */
  TEST_CHECK(_gwOutboxRunOnce(sys, t0 + 48 * 3600 + 180) == 1);
  r = rows_of(sys, 0);
  TEST_CHECKF(r.last.state == GW_OUTBOX_FAILED && r.last.attempts == 4, "state %s", gwOutboxStateString(r.last.state));
  TEST_CHECK(test_file_has(dir, "log", "gave up on"));
  TEST_CHECK(_gwOutboxRunOnce(sys, t0 + 100 * 3600) == 0);         /* Failed rows are not tried */

  /* Retry makes it due now, with a fresh give-up clock; a sending row recovers at the next start */
  TEST_CHECK(gwApiOutboxRetry(sys, &admin, id, &error));
  r = rows_of(sys, 0);
  TEST_CHECK(r.last.state == GW_OUTBOX_QUEUED && r.last.attempts == 0);
  TEST_CHECK(!gwApiOutboxRetry(sys, &alice, id, &error));
}


static void
test_delivery(gw_system_t *sys, const char *dir)
{
  gw_config_t *c = gwSystemGetConfig(sys);
  smtp_t       s;
  gw_outmail_t m = { "print@example.test", "dave@example.test", "Réponse", "Done: 2 pages.\n", "<in@example.test>", NULL, true, "deliver:1" };
  int64_t      id = 0, id_nobody = 0, now;
  const char  *error = NULL;
  rows_t       r;

  TEST_BEGIN("delivery: a loopback relay gets the message once; a 550 fails at once");
  memset(&s, 0, sizeof(s));
  s.refuse_rcpt = "nobody@example.test";
  if (!smtp_start(&s))
  {
    TEST_CHECK(!"fake SMTP server");
    return;
  }
  clear_outbox(sys);
  snprintf(c->smtp_server, sizeof(c->smtp_server), "127.0.0.1:%d", s.port);
  snprintf(c->smtp_tls, sizeof(c->smtp_tls), "off");

  TEST_CHECKF(gwApiOutboxAdd(sys, &admin, &m, &id, &error), "%s", error);
  now = rows_of(sys, 0).last.created;
  TEST_CHECK(_gwOutboxRunOnce(sys, now) == 1);
  TEST_CHECK(_gwOutboxRunOnce(sys, now + 3600) == 0);             /* Sent: never again */
  r = rows_of(sys, 0);
  TEST_CHECKF(r.last.state == GW_OUTBOX_SENT && r.last.attempts == 1, "%s: %s", gwOutboxStateString(r.last.state), r.last.last_error);
  TEST_CHECK(s.messages == 1);
  TEST_CHECK(strstr(s.last, "Auto-Submitted: auto-replied\r\n") && strstr(s.last, "In-Reply-To: <in@example.test>\r\n"));
  TEST_CHECK(strstr(s.last, "Subject: =?UTF-8?B?UsOpcG9uc2U=?=\r\n") != NULL);
  TEST_CHECK(strstr(s.last, r.last.message_id) != NULL);
  TEST_CHECK(gwApiOutboxAdd(sys, &admin, &m, &id, &error) && _gwOutboxRunOnce(sys, now + 7200) == 0 && s.messages == 1);   /* Same key, already sent */

  m.to  = "nobody@example.test";
  m.key = "deliver:2";
  TEST_CHECK(gwApiOutboxAdd(sys, &admin, &m, &id_nobody, &error));
  TEST_CHECK(_gwOutboxRunOnce(sys, now + 7200) == 1);
  r = rows_of(sys, GW_OUTBOX_STATE_BIT(GW_OUTBOX_FAILED));
  TEST_CHECKF(r.n == 1 && r.last.attempts == 1 && strstr(r.last.last_error, "550"), "%d failed: %s", r.n, r.last.last_error);
  TEST_CHECK(s.messages == 1);

  /* A row left "sending" (a crash during its attempt) is not taken again; the next start's sender queues it and sends it */
  {
    gw_outbox_entry_t e;
    void             *sealed = NULL;
    size_t            slen;

    m.to  = "erin@example.test";
    m.key = "deliver:3";
    TEST_CHECK(gwApiOutboxAdd(sys, &admin, &m, &id, &error));
    TEST_CHECK(gwStoreOutboxTake(gwSystemGetStore(sys), (int64_t)time(NULL), &e, &sealed, &slen) && e.id == id && e.state == GW_OUTBOX_SENDING);
    free(sealed);
    TEST_CHECK(_gwOutboxRunOnce(sys, (int64_t)time(NULL) + 7200) == 0);
    sys->outbox = _gwOutboxStart(sys);
    for (int i = 0; i < 100 && __atomic_load_n(&s.messages, __ATOMIC_SEQ_CST) < 2; i ++)
      usleep(50000);
    _gwOutboxStop(&sys->outbox);
    TEST_CHECKF(s.messages == 2 && strstr(s.last, "To: erin@example.test\r\n"), "%d messages", s.messages);
    r = rows_of(sys, GW_OUTBOX_STATE_BIT(GW_OUTBOX_SENT));
    TEST_CHECKF(r.n == 2 && r.last.id == id && r.last.attempts == 2, "%d sent, last %lld, %d attempts", r.n, (long long)r.last.id, r.last.attempts);
    TEST_CHECK(test_file_has(dir, "log", "were being sent when the daemon stopped"));
  }

  /* SmtpTLS off refused for a relay that is not on loopback: nothing is tried */
  snprintf(c->smtp_server, sizeof(c->smtp_server), "192.0.2.1:%d", s.port);
  TEST_CHECK(gwApiOutboxRetry(sys, &admin, id_nobody, &error));
  TEST_CHECK(_gwOutboxRunOnce(sys, now + 7300) == 0);
  c->smtp_server[0] = '\0';

  smtp_stop(&s);
}


static void
test_stop(gw_system_t *sys)
{
  gw_config_t *c = gwSystemGetConfig(sys);
  gw_outmail_t m = { NULL, "gina@example.test", "tarpit", "Never greeted.\n", NULL, NULL, true, "tarpit:1" };
  int64_t      id = 0, t0;
  int          port = 0, fd, i;
  rows_t       r;
  struct timespec a, b;

  TEST_BEGIN("stop: an attempt hanging on a silent relay is abandoned at once, its row due again");
  clear_outbox(sys);
  if ((fd = test_loopback_socket(4, &port)) < 0)
  {
    TEST_CHECK(!"tarpit socket");
    return;
  }
  snprintf(c->smtp_server, sizeof(c->smtp_server), "127.0.0.1:%d", port);
  snprintf(c->smtp_tls, sizeof(c->smtp_tls), "off");
  c->smtp_timeout = 60;
  TEST_CHECK(gwApiOutboxAdd(sys, &admin, &m, &id, NULL));
  sys->outbox = _gwOutboxStart(sys);
  for (i = 0; i < 100 && rows_of(sys, 0).last.state != GW_OUTBOX_SENDING; i ++)
    usleep(20000);
  TEST_CHECK(rows_of(sys, 0).last.state == GW_OUTBOX_SENDING);
  usleep(300000);                       /* Connected, waiting for a greeting that never comes */

  clock_gettime(CLOCK_MONOTONIC, &a);
  _gwOutboxStop(&sys->outbox);
  clock_gettime(CLOCK_MONOTONIC, &b);
  t0 = (int64_t)time(NULL);
  TEST_CHECKF((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 3000, "the stop took %lld ms",
              (long long)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000));
  r = rows_of(sys, 0);
  TEST_CHECKF(r.last.state == GW_OUTBOX_QUEUED && r.last.attempts == 1 && r.last.next_attempt <= t0, "%s, %d attempts, next in %llds",
              gwOutboxStateString(r.last.state), r.last.attempts, (long long)(r.last.next_attempt - t0));
  close(fd);
  c->smtp_server[0] = '\0';
  c->smtp_timeout   = 5;
}


static void
test_secrets(gw_system_t *sys, gw_system_t *other, const char *dir)
{
  char        value[2 * GW_SECRET_MAX], plain[GW_SECRET_MAX + 1], changed[2 * GW_SECRET_MAX];
  const char *error = NULL;
  int         refused = 0, tried = 0;

  TEST_BEGIN("secrets: enc:v1: round trip; changed, truncated, other key refused; plain text warned, never logged");
  TEST_CHECKF(gwApiSecretEncrypt(sys, &admin, "s3cret-Pa55word", value, sizeof(value), &error), "%s", error);
  TEST_CHECK(!strncmp(value, "enc:v1:", 7) && !strstr(value, "s3cret"));
  TEST_CHECK(gwSystemSecretOpen(sys, "SmtpPassword", value, plain, sizeof(plain), &error) && !strcmp(plain, "s3cret-Pa55word"));
  TEST_CHECK(!gwApiSecretEncrypt(sys, &alice, "x", value + 0, 0, &error));
  TEST_CHECK(!gwSystemSecretOpen(other, "SmtpPassword", value, plain, sizeof(plain), &error));   /* Another root key */

  /* A refresh token of GW_SECRET_MAX (4096) bytes is sealed and opened; one byte more is refused with a sentence */
  {
    static char big[GW_SECRET_MAX + 2];

    memset(big, 'r', GW_SECRET_MAX);
    big[GW_SECRET_MAX] = '\0';
    TEST_CHECKF(gwApiSecretEncrypt(sys, &admin, big, value, sizeof(value), &error), "%s", error);
    TEST_CHECK(strlen(value) < GW_OAUTH_SEALED_MAX && gwSystemSecretOpen(sys, "SmtpRefreshToken", value, plain, sizeof(plain), &error) && !strcmp(plain, big));
    big[GW_SECRET_MAX]     = 'r';
    big[GW_SECRET_MAX + 1] = '\0';
    error = NULL;
    TEST_CHECK(!gwApiSecretEncrypt(sys, &admin, big, value, sizeof(value), &error) && error && !strcmp(error, "a secret is 1 to 4096 bytes"));
    gwWipe(plain, sizeof(plain));
  }

  /* Every character changed in turn: refused each time */
  for (size_t i = 7; value[i]; i ++)
  {
    snprintf(changed, sizeof(changed), "%s", value);
    changed[i] = changed[i] == 'A' ? 'B' : 'A';
    tried ++;
    refused += !_gwSecretDecrypt(sys->keys, changed, plain, sizeof(plain), &error);
  }
  TEST_CHECKF(tried > 40 && refused == tried, "%d of %d refused", refused, tried);
  snprintf(changed, sizeof(changed), "%s", value);
  changed[strlen(changed) - 4] = '\0';
  TEST_CHECK(!gwSystemSecretOpen(sys, "SmtpPassword", changed, plain, sizeof(plain), &error));
  TEST_CHECK(!gwSystemSecretOpen(sys, "SmtpPassword", "enc:v1:", plain, sizeof(plain), &error));
  TEST_CHECK(!gwApiSecretEncrypt(sys, &admin, "", value, sizeof(value), &error));

  /* Plain text: copied, with a warning that names the directive and not the value */
  TEST_CHECK(gwSystemSecretOpen(sys, "SmtpPassword", "plain-Zq9-secret", plain, sizeof(plain), &error) && !strcmp(plain, "plain-Zq9-secret"));
  TEST_CHECK(test_file_has(dir, "log", "SmtpPassword is in plain text"));
  TEST_CHECK(!test_file_has(dir, "log", "plain-Zq9-secret") && !test_file_has(dir, "log", "s3cret-Pa55word"));
}


static void
test_migration(const char *dir)
{
  char               path[600];
  const char        *error = NULL;
  gw_store_t        *store;
  gw_outbox_entry_t  e;
  int64_t            uid = 0, id = 0;
  bool               existed = true;
  gw_user_t          user;

  TEST_BEGIN("migration: a version 6 database gets the outbox, its users kept");
  snprintf(path, sizeof(path), "%s/v6.db", dir);
  TEST_CHECKF((store = _gwStoreOpenVersion(path, NULL, 6, &error)) != NULL, "%s", error ? error : "");
  TEST_CHECK(store && gwStoreUserAdd(store, GW_DEFAULT_TENANT, "erin", "Erin", GW_ROLE_USER, NULL, false, &uid, &error));
  gwStoreClose(&store);
  TEST_CHECKF((store = gwStoreOpen(path, NULL, &error)) != NULL, "%s", error ? error : "");
  TEST_CHECK(gwStoreSchemaVersion(store) == gwStoreLatestSchemaVersion() && gwStoreLatestSchemaVersion() >= 7);
  TEST_CHECK(gwStoreUserFind(store, GW_DEFAULT_TENANT, "erin", &user) && user.id == uid);
  memset(&e, 0, sizeof(e));
  e.tenant  = GW_DEFAULT_TENANT;
  e.created = 1000;
  snprintf(e.key, sizeof(e.key), "k");
  snprintf(e.from, sizeof(e.from), "a@example.test");
  snprintf(e.to, sizeof(e.to), "b@example.test");
  snprintf(e.message_id, sizeof(e.message_id), "<x@example.test>");
  TEST_CHECK(gwStoreOutboxAdd(store, &e, "sealed", 6, &id, &existed, &error) && id > 0 && !existed);
  TEST_CHECK(gwStoreOutboxNextDue(store) == 1000);
  gwStoreClose(&store);
}


int
main(void)
{
  char         dir[256], dir2[256];
  gw_system_t *sys, *other;

  test_compose();
  test_compose_encoding();

  if (!test_tempdir(dir, sizeof(dir)) || !test_tempdir(dir2, sizeof(dir2)))
    return (1);
  if ((sys = test_gateway(dir, "ServerName gw.example.test\nSmtpTimeout 5s\n")) == NULL ||
      (other = test_gateway(dir2, "")) == NULL)
    TEST_EXIT();
  _gwOutboxStop(&sys->outbox);        /* The tests drive the sender with their own clock */
  _gwOutboxStop(&other->outbox);

  test_guard(sys);
  test_queue(sys, dir);
  test_backoff(sys, dir);
  test_delivery(sys, dir);
  test_stop(sys);
  test_secrets(sys, other, dir);
  test_migration(dir2);

  gwSystemDelete(&other);
  gwSystemDelete(&sys);
  test_rmtree(dir);
  test_rmtree(dir2);
  TEST_EXIT();
}
