/*
 * fuzz-mime.c - libFuzzer harness for the MIME walk (mail/mail-etpan-mime.c:
 *               gwMailMessageParse() over libetpan, the header reader, the
 *               From: parser) with small caps so they are reached.
 *
 * Promises checked besides "no crash, no leak, no hang": a parsed message
 * has at most max_parts parts; every part's data lies inside the input or
 * in a decoded copy of its size; every filename is bounded and has no
 * control character, an attachment's no path separator; a refusal has a
 * reason.
 */

#include "../../mail/mail-private.h"

#define GW_FUZZ_NAME "fuzz-mime"
#include "fuzz-common.h"

#include <string.h>

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  gw_mail_limits_t   l;
  gw_mail_message_t *m;
  char               why[512];

  gwMailLimitsDefault(&l);
  l.max_message = 256 * 1024;
  l.max_parts   = 50;
  l.max_depth   = 8;
  l.rfc822_as_document = size > 0 && (data[0] & 1);

  if ((m = gwMailMessageParse((const char *)data, size, &l, why, sizeof(why))) == NULL)
  {
    if (!why[0])
      fail("refused without a reason");
    return (0);
  }
  if (gwMailMessagePartCount(m) > l.max_parts)
    fail("more parts than the cap");
  for (int i = 0; i < gwMailMessagePartCount(m); i ++)
  {
    const gw_mail_part_t *p = gwMailMessagePart(m, i);
    volatile unsigned char sum = 0;

    if (strlen(p->filename) > GW_MAIL_FILENAME_MAX ||
        (p->kind == GW_MAIL_PART_ATTACHMENT && p->type[0] && strcmp(p->type, "message/rfc822") && (strchr(p->filename, '/') || strchr(p->filename, '\\'))))
      fail("bad filename");           /* Skipped and refused parts without a name are labelled by their type */
    for (const char *c = p->filename; *c; c ++)
      if ((unsigned char)*c < ' ' || *c == 0x7f)
        fail("control character in a filename");
    for (size_t j = 0; j < p->size; j ++)
      sum ^= (unsigned char)p->data[j];      /* ASan checks the bytes are there */
    (void)sum;
  }
  (void)gwMailMessageHeader(m, "Subject");
  if (strlen(gwMailMessageFrom(m)) && !strchr(gwMailMessageFrom(m), '@'))
    fail("From: without @");
  gwMailMessageDelete(&m);

  return (0);
}
