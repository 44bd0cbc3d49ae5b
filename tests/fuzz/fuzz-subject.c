/*
 * fuzz-subject.c - libFuzzer harness for the subject's option grammar
 *                  (mail/mail-subject.c, gwMailSubjectParse()).
 *
 * Promises: copies is 0 or 1..999; sides and colour are "" or one of the
 * IPP keywords; page ranges are "" or canonical and parse back; the
 * unknown words kept are at most GW_MAIL_SUBJECT_UNKNOWN_MAX and each is
 * shorter than its field.
 */

#include "../../mail/mail-private.h"
#include "printgate/job.h"

#define GW_FUZZ_NAME "fuzz-subject"
#include "fuzz-common.h"

#include <string.h>

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  char              buf[2048];
  gw_mail_options_t o;

  if (!gw_fuzz_text(data, size, buf, sizeof(buf)))
    return (0);
  gwMailSubjectParse(buf, &o);

  if (o.copies != 0 && !gwJobCopiesValid(o.copies))
    fail("copies out of range");
  if (o.sides[0] && strcmp(o.sides, "one-sided") && strcmp(o.sides, "two-sided-long-edge"))
    fail("sides");
  if (o.color_mode[0] && strcmp(o.color_mode, "monochrome") && strcmp(o.color_mode, "color"))
    fail("colour");
  if (o.page_ranges[0] && !gwJobPageRangesParse(o.page_ranges, NULL, NULL, NULL))
    fail("page ranges do not parse back");
  if (o.unknown_count < 0)
    fail("unknown count");
  for (int i = 0; i < o.unknown_count && i < GW_MAIL_SUBJECT_UNKNOWN_MAX; i ++)
    if (strlen(o.unknown[i]) >= sizeof(o.unknown[i]))
      fail("unknown word too long");

  return (0);
}
