/*
 * test-job-options.c - the job options applied at release: the page-range
 * and number-up validators (job.c), the submission check's sentences
 * (job-options.c) and the watermark text (release-render.c).
 *
 * Table-driven: each page-range case says whether it is accepted, its
 * canonical form, and for a refusal a piece of the sentence a person sees.
 */

#include "test.h"
#include "system-private.h"

#include <string.h>

typedef struct range_case_s
{
  const char *text;
  bool        ok;
  const char *canonical;        /* ok: gwJobPageRangesFormat() output */
  int         selected_of_10;   /* ok: pages selected from a 10-page document */
  const char *why;              /* refused: part of the sentence */
} range_case_t;

static const range_case_t range_cases[] =
{
  { "",            true,  "",          10, NULL },
  { "1",           true,  "1",          1, NULL },
  { "2-3",         true,  "2-3",        2, NULL },
  { "2-3,5",       true,  "2-3,5",      3, NULL },
  { "1-1,2-2",     true,  "1,2",        2, NULL },
  { "007",         true,  "7",          1, NULL },
  { "9-20",        true,  "9-20",       2, NULL },     /* Cut at the last page */
  { "11-20",       true,  "11-20",      0, NULL },     /* Nothing of a 10-page document */
  { "100000",      true,  "100000",     0, NULL },
  { "0",           false, NULL,         0, "start at 1" },
  { "0-3",         false, NULL,         0, "start at 1" },
  { "5-3",         false, NULL,         0, "write 3-5, not 5-3" },
  { "5,1-3",       false, NULL,         0, "ascending" },
  { "1-3,3",       false, NULL,         0, "ascending" },
  { "1-3,2-4",     false, NULL,         0, "not overlap" },
  { "100001",      false, NULL,         0, "up to 100000" },
  { "99999999999", false, NULL,         0, "up to 100000" },
  { "1-",          false, NULL,         0, "separated by commas" },
  { "-3",          false, NULL,         0, "separated by commas" },
  { "1,,2",        false, NULL,         0, "separated by commas" },
  { "1,",          false, NULL,         0, "separated by commas" },
  { "1 - 3",       false, NULL,         0, "separated by commas" },
  { "+1",          false, NULL,         0, "separated by commas" },
  { "1;2",         false, NULL,         0, "separated by commas" },
  { "(1)",         false, NULL,         0, "separated by commas" },
  { "1-3\n",       false, NULL,         0, "separated by commas" },
};


static void
test_page_ranges(void)
{
  gw_page_range_t ranges[GW_JOB_MAX_PAGE_RANGES];
  char            canonical[GW_JOB_PAGE_RANGES_MAX + 1], many[512];
  const char     *why;
  int             count;

  TEST_BEGIN("page ranges: table");
  for (size_t i = 0; i < sizeof(range_cases) / sizeof(range_cases[0]); i ++)
  {
    const range_case_t *rc = range_cases + i;
    bool                ok;

    why   = NULL;
    count = -1;
    ok    = gwJobPageRangesParse(rc->text, ranges, &count, &why);
    TEST_CHECKF(ok == rc->ok, "\"%s\": %s", rc->text, ok ? "accepted" : why);

    if (ok && rc->ok)
    {
      TEST_CHECK(gwJobPageRangesFormat(ranges, count, canonical, sizeof(canonical)));
      TEST_CHECKF(!strcmp(canonical, rc->canonical), "\"%s\" -> \"%s\"", rc->text, canonical);
      TEST_CHECKF(gwJobPageRangesCount(ranges, count, 10) == rc->selected_of_10, "\"%s\" selects %d of 10", rc->text, gwJobPageRangesCount(ranges, count, 10));
    }
    else if (!ok && !rc->ok)
      TEST_CHECKF(why && strstr(why, rc->why), "\"%s\": \"%s\" lacks \"%s\"", rc->text, why ? why : "(none)", rc->why);
  }

  TEST_BEGIN("page ranges: NULL means all pages; at most 32 ranges; at most 127 bytes");
  TEST_CHECK(gwJobPageRangesParse(NULL, ranges, &count, NULL) && count == 0);

  many[0] = '\0';
  for (int i = 1; i <= 32; i ++)
    snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s%d", i > 1 ? "," : "", 2 * i);
  TEST_CHECK(gwJobPageRangesParse(many, ranges, &count, NULL) && count == 32 && gwJobPageRangesCount(ranges, count, 64) == 32);
  snprintf(many + strlen(many), sizeof(many) - strlen(many), ",99");
  TEST_CHECK(!gwJobPageRangesParse(many, ranges, &count, &why) && strstr(why, "at most 32"));

  memset(many, 0, sizeof(many));
  memset(many, '1', 128);
  TEST_CHECK(!gwJobPageRangesParse(many, NULL, NULL, &why) && strstr(why, "127 characters"));
  TEST_CHECK(!gwJobPageRangesFormat(ranges, 0, NULL, 0));
}


static void
test_number_up(void)
{
  static const int good[] = { 1, 2, 4, 6, 9, 16 };
  int              n_good = 0;

  TEST_BEGIN("number-up: 1, 2, 4, 6, 9, 16 only");
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i ++)
    TEST_CHECK(gwJobNumberUpValid(good[i]));
  for (int n = -2; n <= 40; n ++)
    n_good += gwJobNumberUpValid(n);
  TEST_CHECK(n_good == 6);
}


static void
test_submission_check(void)
{
  gw_job_options_t options;
  gw_job_t         job;
  char             text[256];

  TEST_BEGIN("submission: refusals say what is wrong without quoting the text");
  memset(&options, 0, sizeof(options));
  options.page_ranges = "5-3%(x)";
  TEST_CHECK(!_gwSystemJobOptionsCheck(&options, text, sizeof(text)));
  TEST_CHECKF(strstr(text, "The page ranges cannot be used: ") && !strstr(text, "(x)"), "%s", text);

  options.page_ranges = "5-3";
  TEST_CHECK(!_gwSystemJobOptionsCheck(&options, text, sizeof(text)) && strstr(text, "write 3-5, not 5-3"));

  options.page_ranges = "2-3";
  options.number_up   = 3;
  TEST_CHECK(!_gwSystemJobOptionsCheck(&options, text, sizeof(text)) && strstr(text, "must be 1, 2, 4, 6, 9 or 16"));
  options.number_up   = -1;
  TEST_CHECK(!_gwSystemJobOptionsCheck(&options, text, sizeof(text)));

  TEST_BEGIN("submission: accepted options are stored in canonical form");
  options.page_ranges = "002-3,5-5";
  options.number_up   = 4;
  TEST_CHECK(_gwSystemJobOptionsCheck(&options, text, sizeof(text)));
  memset(&job, 0, sizeof(job));
  _gwSystemJobOptionsApply(&options, &job);
  TEST_CHECK(!strcmp(job.page_ranges, "2-3,5") && job.number_up == 4);

  memset(&options, 0, sizeof(options));
  _gwSystemJobOptionsApply(&options, &job);
  TEST_CHECK(job.page_ranges[0] == '\0' && job.number_up == 1);
  TEST_CHECK(_gwSystemJobOptionsCheck(NULL, text, sizeof(text)));
}


/*
 * 'unhex()' - Decode hex into text (test helper).
 */

static bool
unhex(const char *hex, char *text, size_t textsize)
{
  size_t len = strlen(hex);

  if (len % 2 || len / 2 >= textsize)
    return (false);

  for (size_t i = 0; i < len; i += 2)
  {
    unsigned v;

    if (sscanf(hex + i, "%2x", &v) != 1)
      return (false);
    text[i / 2] = (char)v;
  }
  text[len / 2] = '\0';

  return (true);
}


static void
test_watermark(void)
{
  gw_job_t job;
  char     hex[400], text[200];

  TEST_BEGIN("watermark: \"<user> <date> <job id>\", hex digits only, ASCII only");
  memset(&job, 0, sizeof(job));
  snprintf(job.id, sizeof(job.id), "3f2a0c1e-0000-4000-8000-00000000abcd");
  snprintf(job.owner, sizeof(job.owner), "al(ice) \\ %% \xc3\xa9\x01");
  TEST_CHECK(_gwReleaseWatermark(&job, 1796040000, hex, sizeof(hex)));
  TEST_CHECKF(strspn(hex, "0123456789abcdef") == strlen(hex), "%s", hex);
  TEST_CHECK(unhex(hex, text, sizeof(text)));
  TEST_CHECKF(!strcmp(text, "al(ice) \\ % ??? 2026-11-30 12:00 UTC 3f2a0c1e-0000-4000-8000-00000000abcd"), "%s", text);

  TEST_BEGIN("watermark: a buffer too small is refused");
  TEST_CHECK(!_gwReleaseWatermark(&job, 0, hex, 20));
}


int
main(void)
{
  test_page_ranges();
  test_number_up();
  test_submission_check();
  test_watermark();

  TEST_EXIT();
}
