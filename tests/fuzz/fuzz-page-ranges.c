/*
 * fuzz-page-ranges.c - libFuzzer harness for the page-range parser
 *                      (gwJobPageRangesParse(), gwJobPageRangesFormat(),
 *                      gwJobPageRangesCount() in gateway/job.c).
 *
 * The input is the text a user gives as --pages (the CLI, later IPP
 * page-ranges and the web form).  Besides "no crash, no leak, no hang",
 * the harness checks what the helper and Ghostscript rely on: an accepted
 * text has 0 to GW_JOB_MAX_PAGE_RANGES ranges, each 1 <= first <= last <=
 * GW_JOB_MAX_PAGE_NUMBER and strictly after the previous one; its
 * canonical form fits the job field, holds only digits, '-' and ',', and
 * parses back to the same ranges; the page count of any document is within
 * 0..pages.  A refused text has a reason sentence.
 */

#include "printgate/job.h"

#define GW_FUZZ_NAME "fuzz-page-ranges"
#include "fuzz-common.h"

#include <string.h>


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  char            text[512], canonical[GW_JOB_PAGE_RANGES_MAX + 1];
  gw_page_range_t ranges[GW_JOB_MAX_PAGE_RANGES], again[GW_JOB_MAX_PAGE_RANGES];
  int             count = -1, count2 = -1;
  const char     *why = NULL;

  if (!gw_fuzz_text(data, size, text, sizeof(text)))
    return (0);

  if (!gwJobPageRangesParse(text, ranges, &count, &why))
  {
    if (!why || !*why)
      fail("a refusal without a reason");
    return (0);
  }

  if (count < 0 || count > GW_JOB_MAX_PAGE_RANGES)
    fail("range count out of bounds");

  for (int i = 0; i < count; i ++)
  {
    if (ranges[i].first < 1 || ranges[i].first > ranges[i].last || ranges[i].last > GW_JOB_MAX_PAGE_NUMBER)
      fail("a range out of bounds");
    if (i > 0 && ranges[i].first <= ranges[i - 1].last)
      fail("ranges not ascending or overlapping");
  }

  if (!gwJobPageRangesFormat(ranges, count, canonical, sizeof(canonical)))
    fail("an accepted text has no canonical form");
  if (strspn(canonical, "0123456789-,") != strlen(canonical))
    fail("the canonical form holds other characters");
  if (!gwJobPageRangesParse(canonical, again, &count2, NULL) || count2 != count || memcmp(ranges, again, (size_t)count * sizeof(ranges[0])))
    fail("the canonical form does not parse back to the same ranges");

  for (int pages = 0; pages <= 3; pages ++)
  {
    int n = gwJobPageRangesCount(ranges, count, pages * 7);

    if (n < 0 || n > pages * 7)
      fail("page count out of bounds");
  }

  return (0);
}
