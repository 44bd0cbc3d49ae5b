/*
 * test-mail-mime.c - the MIME walk on the committed corpus of awkward mail
 * (tests/data/mail/): what each message yields (attachments to print with
 * their decoded names and bytes, parts skipped, parts refused with a
 * reason), the caps (size, parts, depth) refusing the whole message, the
 * header fields the intake reads, and damaged input.
 */

#include "../../mail/mail-private.h"
#include "test.h"

#include <sys/stat.h>

static char *
load(const char *name, size_t *size)
{
  char        path[1024];
  const char *src = getenv("GW_SOURCE_DIR");
  FILE       *fp;
  char       *buf;
  struct stat st;

  snprintf(path, sizeof(path), "%s/tests/data/mail/%s", src ? src : ".", name);
  if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &st) || (buf = malloc((size_t)st.st_size + 1)) == NULL)
  {
    printf("  cannot read %s\n", path);
    exit(1);
  }
  *size = fread(buf, 1, (size_t)st.st_size, fp);
  buf[*size] = '\0';
  fclose(fp);
  return (buf);
}

/* 'count()' - Parts of a kind. */
static int
count(gw_mail_message_t *m, gw_mail_part_kind_t kind)
{
  int n = 0;

  for (int i = 0; i < gwMailMessagePartCount(m); i ++)
    n += gwMailMessagePart(m, i)->kind == kind;
  return (n);
}

/* 'find()' - The first part of a kind. */
static const gw_mail_part_t *
find(gw_mail_message_t *m, gw_mail_part_kind_t kind)
{
  for (int i = 0; i < gwMailMessagePartCount(m); i ++)
    if (gwMailMessagePart(m, i)->kind == kind)
      return (gwMailMessagePart(m, i));
  return (NULL);
}

/* 'count_file()' - gwMailTnefUnpack callback: count. */
static bool
count_file(void *ctx, const char *filename, const char *data, size_t size)
{
  (void)filename, (void)data, (void)size;
  (*(int *)ctx) ++;
  return (true);
}

static gw_mail_message_t *
parse(const char *name, char **buf, char *why, size_t whysize)
{
  gw_mail_limits_t   l;
  size_t             size;

  gwMailLimitsDefault(&l);
  *buf = load(name, &size);
  return (gwMailMessageParse(*buf, size, &l, why, whysize));
}

int
main(void)
{
  gw_mail_message_t    *m;
  gw_mail_limits_t      l;
  const gw_mail_part_t *p = NULL;
  char                  why[512], *buf, *big;
  size_t                size;
  int                   n = 0;

  TEST_BEGIN("two attachments and a body: both listed, the body apart, headers read");
  TEST_CHECKF((m = parse("two-attachments.eml", &buf, why, sizeof(why))) != NULL, "%s", why);
  if (m)
  {
    TEST_CHECK(count(m, GW_MAIL_PART_ATTACHMENT) == 2 && count(m, GW_MAIL_PART_BODY) == 1);
    TEST_CHECK((p = find(m, GW_MAIL_PART_ATTACHMENT)) && !strcmp(p->filename, "doc.pdf") && !strcmp(p->type, "application/pdf") && p->size > 100 && !memcmp(p->data, "%PDF-", 5));
    TEST_CHECK(!strcmp(gwMailMessagePart(m, 2)->filename, "photo.jpg") && gwMailMessagePart(m, 2)->size == 20004 && !memcmp(gwMailMessagePart(m, 2)->data, "\xff\xd8\xff", 3));
    TEST_CHECK(!strcmp(gwMailMessageFrom(m), "alice@example.test"));
    TEST_CHECK(strstr(gwMailMessageHeader(m, "Subject"), "copies=2") != NULL);
    TEST_CHECK(strstr(gwMailMessageHeaderN(m, "Authentication-Results", 0), "dmarc=pass") != NULL);
    TEST_CHECK(gwMailMessageHeaderN(m, "Authentication-Results", 1) == NULL);
    gwMailMessageDelete(&m);
    TEST_CHECK(m == NULL);
  }
  free(buf);

  TEST_BEGIN("RFC 2231 continued UTF-8 filename");
  TEST_CHECKF((m = parse("rfc2231-continued.eml", &buf, why, sizeof(why))) != NULL, "%s", why);
  TEST_CHECKF(m && (p = find(m, GW_MAIL_PART_ATTACHMENT)) && !strcmp(p->filename, "Quartals\xc3\xbc" "bersicht Q3.pdf"), "%s", m && p ? p->filename : "");
  gwMailMessageDelete(&m);
  free(buf);

  TEST_BEGIN("RFC 2047 filename");
  TEST_CHECK((m = parse("rfc2047-filename.eml", &buf, why, sizeof(why))) != NULL);
  TEST_CHECK(m && (p = find(m, GW_MAIL_PART_ATTACHMENT)) && !strcmp(p->filename, "Report \xc3\x9c" "bersicht.pdf"));
  gwMailMessageDelete(&m);
  free(buf);

  TEST_BEGIN("Outlook inline logo (cid:) skipped; the HTML alternative is not a second body");
  TEST_CHECK((m = parse("outlook-inline-logo.eml", &buf, why, sizeof(why))) != NULL);
  TEST_CHECK(m && count(m, GW_MAIL_PART_ATTACHMENT) == 1 && !strcmp(find(m, GW_MAIL_PART_ATTACHMENT)->filename, "scan.pdf"));
  TEST_CHECK(m && count(m, GW_MAIL_PART_SKIPPED) == 2 && count(m, GW_MAIL_PART_BODY) == 1);
  gwMailMessageDelete(&m);
  free(buf);

  TEST_BEGIN("nested message/rfc822: its attachment printed (default policy), its body not ours");
  TEST_CHECK((m = parse("nested-rfc822.eml", &buf, why, sizeof(why))) != NULL);
  TEST_CHECK(m && count(m, GW_MAIL_PART_ATTACHMENT) == 1 && !strcmp(find(m, GW_MAIL_PART_ATTACHMENT)->filename, "inner.pdf"));
  TEST_CHECK(m && count(m, GW_MAIL_PART_BODY) == 1);
  gwMailMessageDelete(&m);
  gwMailLimitsDefault(&l);
  l.rfc822_as_document = true;
  size = strlen(buf);
  TEST_CHECK((m = gwMailMessageParse(buf, size, &l, why, sizeof(why))) != NULL);
  TEST_CHECK(m && count(m, GW_MAIL_PART_ATTACHMENT) == 1 && !strcmp(find(m, GW_MAIL_PART_ATTACHMENT)->type, "message/rfc822"));
  gwMailMessageDelete(&m);
  free(buf);

  TEST_BEGIN("winmail.dat refused with a reason; an unsupported type still goes to the converter (it says why)");
  TEST_CHECK((m = parse("winmail.eml", &buf, why, sizeof(why))) != NULL);
  TEST_CHECK(m && count(m, GW_MAIL_PART_REFUSED) == 1 && strstr(find(m, GW_MAIL_PART_REFUSED)->why, "winmail.dat") && count(m, GW_MAIL_PART_ATTACHMENT) == 0);
  gwMailMessageDelete(&m);
  free(buf);
  TEST_CHECK((m = parse("unsupported.eml", &buf, why, sizeof(why))) != NULL);
  TEST_CHECK(m && count(m, GW_MAIL_PART_ATTACHMENT) == 1 && !strcmp(find(m, GW_MAIL_PART_ATTACHMENT)->filename, "tools.exe"));
  gwMailMessageDelete(&m);
  free(buf);

  TEST_BEGIN("TNEF: the files inside winmail.dat are attachments, with their long names and bytes");
  TEST_CHECKF((m = parse("winmail-files.eml", &buf, why, sizeof(why))) != NULL, "%s", why);
  TEST_CHECKF(m && count(m, GW_MAIL_PART_ATTACHMENT) == 2 && count(m, GW_MAIL_PART_REFUSED) == 0, "%d attachments", m ? count(m, GW_MAIL_PART_ATTACHMENT) : -1);
  TEST_CHECKF(m && (p = find(m, GW_MAIL_PART_ATTACHMENT)) && !strcmp(p->filename, "Quarterly report 2026.pdf") && p->size > 100 && !memcmp(p->data, "%PDF-", 5), "%s", m && p ? p->filename : "");
  TEST_CHECK(m && gwMailMessagePartCount(m) == 3 && !strcmp(gwMailMessagePart(m, 2)->filename, "meeting notes.txt") && gwMailMessagePart(m, 2)->size == 34 && !memcmp(gwMailMessagePart(m, 2)->data, "Notes from the meeting.", 23));
  TEST_CHECK(m && gwMailMessagePart(m, 1)->index == 2 && gwMailMessagePart(m, 2)->index == 3);
  gwMailMessageDelete(&m);
  free(buf);
  TEST_CHECK((m = parse("winmail-corrupt.eml", &buf, why, sizeof(why))) != NULL);
  TEST_CHECKF(m && count(m, GW_MAIL_PART_REFUSED) == 1 && count(m, GW_MAIL_PART_ATTACHMENT) == 0 && strstr(find(m, GW_MAIL_PART_REFUSED)->why, "damaged") && strstr(find(m, GW_MAIL_PART_REFUSED)->why, "cannot be printed"), "%s", m && find(m, GW_MAIL_PART_REFUSED) ? find(m, GW_MAIL_PART_REFUSED)->why : "");
  gwMailMessageDelete(&m);
  free(buf);

  TEST_BEGIN("TNEF: the part cap counts the files inside (12 files: refused under a cap of 10, taken under 20)");
  buf = load("winmail-many.eml", &size);
  gwMailLimitsDefault(&l);
  l.max_parts = 10;
  TEST_CHECK((m = gwMailMessageParse(buf, size, &l, why, sizeof(why))) != NULL);
  TEST_CHECKF(m && count(m, GW_MAIL_PART_ATTACHMENT) == 0 && count(m, GW_MAIL_PART_REFUSED) == 1 && strstr(find(m, GW_MAIL_PART_REFUSED)->why, "more than"), "%s", m && find(m, GW_MAIL_PART_REFUSED) ? find(m, GW_MAIL_PART_REFUSED)->why : "");
  gwMailMessageDelete(&m);
  l.max_parts = 20;                                                     /* Positive control */
  TEST_CHECK((m = gwMailMessageParse(buf, size, &l, why, sizeof(why))) != NULL && count(m, GW_MAIL_PART_ATTACHMENT) == 12);
  TEST_CHECK(m && !strcmp(gwMailMessagePart(m, 12)->filename, "part-11.txt"));
  gwMailMessageDelete(&m);
  free(buf);
  buf = load("winmail-many.dat", &size);                               /* The byte cap: 12 files of 7 or 8 bytes */
  TEST_CHECKF(gwMailTnefUnpack(buf, size, 20, 60, count_file, &n, why, sizeof(why)) == -1 && strstr(why, "larger"), "%s", why);
  n = 0;
  TEST_CHECK(gwMailTnefUnpack(buf, size, 20, 100, count_file, &n, why, sizeof(why)) == 12 && n == 12);   /* Positive control */
  TEST_CHECK(gwMailTnefUnpack(buf, 6, 20, 100, count_file, &n, why, sizeof(why)) == -1 && strstr(why, "no file"));
  TEST_CHECK(gwMailTnefUnpack("xxxxxxxxxxxx", 12, 20, 100, count_file, &n, why, sizeof(why)) == -1 && strstr(why, "not a TNEF"));
  TEST_CHECK(gwMailTnefUnpack(buf, size - 1, 20, 100, count_file, &n, why, sizeof(why)) == -1 && strstr(why, "damaged (at byte"));
  free(buf);
  buf = load("winmail-repeat.dat", &size);                             /* A title twice: libytnef would leak the first */
  TEST_CHECKF(gwMailTnefUnpack(buf, size, 20, 1000, count_file, &n, why, sizeof(why)) == -1 && strstr(why, "twice"), "%s", why);
  free(buf);

  TEST_BEGIN("HTML-only body: its text rendering is the body (Latin-1 to UTF-8, no tags, no script, no URL)");
  TEST_CHECKF((m = parse("html-only.eml", &buf, why, sizeof(why))) != NULL, "%s", why);
  TEST_CHECK(m && count(m, GW_MAIL_PART_BODY) == 1 && count(m, GW_MAIL_PART_ATTACHMENT) == 1);
  if (m && (p = find(m, GW_MAIL_PART_BODY)) != NULL)
  {
    char text[4096];

    snprintf(text, sizeof(text), "%.*s", (int)p->size, p->data);
    TEST_CHECKF(!strcmp(p->type, "text/plain") && !strncmp(text, "Meeting notes\n\nCaf\xc3\xa9 at 10 & lunch <noon> \xe2\x80\x93 bring the \xe2\x80\x9creport\xe2\x80\x9d.\n\n- First item\n- Second item\n", 98), "%s", text);
    TEST_CHECK(strstr(text, "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln\n") && strstr(text, "Cell A Cell B") && strstr(text, "Line one\nLine two\n"));
    TEST_CHECK(strstr(text, "the link text") && strchr(text, '<') == strstr(text, "<noon>") && strchr(strstr(text, "<noon>") + 1, '<') == NULL);   /* The one '<' is the text's */
    TEST_CHECK(!strstr(text, "evil") && !strstr(text, "Ignored title") && !strstr(text, "hidden") && !strstr(text, "http") && !strstr(text, "color"));
  }
  gwMailMessageDelete(&m);
  free(buf);
  TEST_BEGIN("multipart/alternative with the HTML form first: the text part is the body");
  TEST_CHECKF((m = parse("alternative-html-first.eml", &buf, why, sizeof(why))) != NULL, "%s", why);
  TEST_CHECK(m && count(m, GW_MAIL_PART_BODY) == 1 && count(m, GW_MAIL_PART_SKIPPED) == 1);
  TEST_CHECK(m && (p = find(m, GW_MAIL_PART_BODY)) && p->size > 10 && !strncmp(p->data, "Plain form of the body.", 23));
  gwMailMessageDelete(&m);
  free(buf);
  TEST_CHECK((m = parse("outlook-inline-logo.eml", &buf, why, sizeof(why))) != NULL);   /* Text first: kept, the HTML skipped */
  TEST_CHECK(m && (p = find(m, GW_MAIL_PART_BODY)) && !strcmp(p->type, "text/plain") && !memchr(p->data, '<', p->size));
  gwMailMessageDelete(&m);
  free(buf);

  TEST_BEGIN("forged From: and auto-submitted bait still parse (trust and loops are the intake's)");
  TEST_CHECK((m = parse("forged-from.eml", &buf, why, sizeof(why))) != NULL);
  TEST_CHECK(m && strstr(gwMailMessageHeaderN(m, "Authentication-Results", 0), "dmarc=fail"));
  gwMailMessageDelete(&m);
  free(buf);
  TEST_CHECK((m = parse("auto-submitted.eml", &buf, why, sizeof(why))) != NULL);
  TEST_CHECK(m && !strcmp(gwMailMessageHeader(m, "Auto-Submitted"), "auto-replied"));
  gwMailMessageDelete(&m);
  free(buf);

  TEST_BEGIN("caps: 500+ parts and 30-deep nesting refuse the whole message with a reason");
  TEST_CHECK((m = parse("500-parts.eml", &buf, why, sizeof(why))) == NULL && strstr(why, "more than 500 parts"));
  free(buf);
  TEST_CHECK((m = parse("30-deep.eml", &buf, why, sizeof(why))) == NULL && strstr(why, "20 levels"));
  gwMailLimitsDefault(&l);
  l.max_depth = 40;                                                     /* Positive control: it is the cap */
  TEST_CHECK((m = gwMailMessageParse(buf, strlen(buf), &l, why, sizeof(why))) != NULL && count(m, GW_MAIL_PART_ATTACHMENT) == 1);
  gwMailMessageDelete(&m);
  free(buf);

  TEST_BEGIN("caps: a message over the size limit is refused before parsing");
  gwMailLimitsDefault(&l);
  size = l.max_message + 1;
  TEST_CHECK((big = malloc(size)) != NULL);
  memset(big, 'a', size);
  TEST_CHECK(gwMailMessageParse(big, size, &l, why, sizeof(why)) == NULL && strstr(why, "40 MB"));
  free(big);

  TEST_BEGIN("caps: 2,000 nested multipart words are refused before libetpan recurses");
  size = 2000 * 40;
  big  = malloc(size + 1);
  for (size_t i = 0; i < 2000; i ++)
    snprintf(big + i * 40, 41, "Content-Type: multipart/mixed; b=x%04zu\n", i);
  TEST_CHECK(gwMailMessageParse(big, size, &l, why, sizeof(why)) == NULL && strstr(why, "nested"));
  free(big);

  TEST_BEGIN("damaged input: no header end, NUL bytes, two From: fields");
  TEST_CHECK((m = gwMailMessageParse("From: a@b.test\r\nSubject: x", 26, &l, why, sizeof(why))) != NULL);
  gwMailMessageDelete(&m);
  TEST_CHECK((m = gwMailMessageParse("From: a@b.test\r\nFrom: c@d.test\r\n\r\nhi\0there", 43, &l, why, sizeof(why))) != NULL && !strcmp(gwMailMessageFrom(m), ""));
  gwMailMessageDelete(&m);
  TEST_CHECK((m = gwMailMessageParse("From: \"Eve <a@b.test>\" <eve@evil.test>\r\n\r\n", 42, &l, why, sizeof(why))) != NULL && !strcmp(gwMailMessageFrom(m), "eve@evil.test"));
  gwMailMessageDelete(&m);

  TEST_EXIT();
}
