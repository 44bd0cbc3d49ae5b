/*
 * job.c - job states, the transition table and reason codes (see job.h).
 */

#include "printgate/job.h"
#include "printgate/text.h"

#include <stdio.h>
#include <string.h>

static const char * const state_names[GW_JOB_STATE_COUNT] =
{
  "receiving", "converting", "quarantined", "held", "releasing",
  "printed", "failed", "expired", "cancelled"
};

#define S(x) (1u << GW_JOB_STATE_##x)

/*
 * Allowed transitions: transitions[from] is the set of states 'from' may
 * move to.  Terminal states (failed, expired, cancelled) go nowhere.
 * printed -> releasing is a reprint (KeepPrintedJobs); printed -> expired
 * ends a kept job.  releasing -> held is "the printer was down or refused".
 */
static const unsigned transitions[GW_JOB_STATE_COUNT] =
{
  [GW_JOB_STATE_RECEIVING]   = S(CONVERTING) | S(FAILED) | S(CANCELLED),
  [GW_JOB_STATE_CONVERTING]  = S(HELD) | S(QUARANTINED) | S(FAILED) | S(CANCELLED),
  [GW_JOB_STATE_QUARANTINED] = S(HELD) | S(EXPIRED) | S(CANCELLED) | S(FAILED),
  [GW_JOB_STATE_HELD]        = S(RELEASING) | S(EXPIRED) | S(CANCELLED),
  [GW_JOB_STATE_RELEASING]   = S(PRINTED) | S(HELD) | S(FAILED),
  [GW_JOB_STATE_PRINTED]     = S(RELEASING) | S(EXPIRED) | S(CANCELLED),
  [GW_JOB_STATE_FAILED]      = 0,
  [GW_JOB_STATE_EXPIRED]     = 0,
  [GW_JOB_STATE_CANCELLED]   = 0
};

#undef S

static const char * const reason_codes[GW_REASON_COUNT] =
{
  "none", "unsupported-format", "corrupt-document", "password-protected",
  "too-large", "too-many-pages", "empty-document", "too-many-held-jobs",
  "interrupted", "printer-unreachable", "printer-busy", "printer-refused",
  "printer-format-unsupported", "printer-no-color", "spool-damaged",
  "expired", "cancelled", "internal-error", "conversion-timeout",
  "conversion-failed", "server-busy", "unknown-user", "bad-option", "may-have-printed",
  "duplicate", "restricted", "policy-refused", "quota-exceeded"
};


/*
 * 'gwJobStateString()' - Name of a state ("held").
 */

const char *
gwJobStateString(gw_job_state_t state)
{
  if ((unsigned)state >= GW_JOB_STATE_COUNT)
    return ("unknown");

  return (state_names[state]);
}


/*
 * 'gwJobStateParse()' - Parse a state name.
 */

bool
gwJobStateParse(const char *s, gw_job_state_t *state)
{
  int i = gwKeywordFind(s, state_names, GW_JOB_STATE_COUNT);

  if (i >= 0)
    *state = (gw_job_state_t)i;

  return (i >= 0);
}


/*
 * 'gwJobStateAllowed()' - May a job move from 'from' to 'to'?
 */

bool
gwJobStateAllowed(gw_job_state_t from, gw_job_state_t to)
{
  if ((unsigned)from >= GW_JOB_STATE_COUNT || (unsigned)to >= GW_JOB_STATE_COUNT)
    return (false);

  return ((transitions[from] & (1u << to)) != 0);
}


/*
 * 'gwJobStateIsTerminal()' - Is this a state nothing leaves?
 */

bool
gwJobStateIsTerminal(gw_job_state_t state)
{
  return ((unsigned)state < GW_JOB_STATE_COUNT && transitions[state] == 0);
}


/*
 * 'gwReasonCode()' - Stable code of a reason ("corrupt-document").
 */

const char *
gwReasonCode(gw_reason_t reason)
{
  if ((unsigned)reason >= GW_REASON_COUNT)
    return ("internal-error");

  return (reason_codes[reason]);
}


/*
 * 'gwReasonParse()' - Parse a reason code.
 */

bool
gwReasonParse(const char *code, gw_reason_t *reason)
{
  int i = gwKeywordFind(code, reason_codes, GW_REASON_COUNT);

  if (i >= 0)
    *reason = (gw_reason_t)i;

  return (i >= 0);
}


/*
 * 'keyword_in()' - Is s one of the NULL-terminated list?
 */

static bool
keyword_in(const char *s, const char * const *list)
{
  for (; s && *list; list ++)
  {
    if (!strcmp(s, *list))
      return (true);
  }

  return (false);
}


/*
 * 'gwJobSidesValid()' - "one-sided", "two-sided-long-edge" or "two-sided-short-edge".
 */

bool
gwJobSidesValid(const char *sides)
{
  static const char * const list[] = { "one-sided", "two-sided-long-edge", "two-sided-short-edge", NULL };

  return (keyword_in(sides, list));
}


/*
 * 'gwJobColorModeValid()' - "auto", "color" or "monochrome".
 */

bool
gwJobColorModeValid(const char *color_mode)
{
  static const char * const list[] = { "auto", "color", "monochrome", NULL };

  return (keyword_in(color_mode, list));
}


/*
 * 'gwJobCopiesValid()' - 1 to 999 copies.
 */

bool
gwJobCopiesValid(int copies)
{
  return (copies >= 1 && copies <= 999);
}


/*
 * 'gwJobPageRangesParse()' - Parse IPP-style page ranges ("2-3,5").
 *
 * Each range is N or N-M with 1 <= N <= M <= GW_JOB_MAX_PAGE_NUMBER; ranges
 * are ascending and do not overlap (IPP page-ranges), at most
 * GW_JOB_MAX_PAGE_RANGES of them, and the whole text is at most
 * GW_JOB_PAGE_RANGES_MAX bytes of digits, '-' and ','.  An empty string or
 * NULL means all pages (count 0).  On error, error_r (when not NULL) gets
 * a sentence without the text itself.  ranges may be NULL to only check.
 */

bool
gwJobPageRangesParse(const char *s, gw_page_range_t *ranges, int *count_r, const char **error_r)
{
  const char *p = s;
  int         count = 0, prev = 0;
  const char *dummy;

  if (!error_r)
    error_r = &dummy;
  if (count_r)
    *count_r = 0;

  if (!s || !*s)
    return (true);

  if (strlen(s) > GW_JOB_PAGE_RANGES_MAX)
  {
    *error_r = "page ranges are at most 127 characters long";
    return (false);
  }

  while (*p)
  {
    long first = 0, last;

    if (*p < '0' || *p > '9')
      goto bad;
    for (; *p >= '0' && *p <= '9'; p ++)
    {
      first = first * 10 + (*p - '0');
      if (first > GW_JOB_MAX_PAGE_NUMBER)
        goto big;
    }

    last = first;
    if (*p == '-')
    {
      p ++;
      if (*p < '0' || *p > '9')
        goto bad;
      for (last = 0; *p >= '0' && *p <= '9'; p ++)
      {
        last = last * 10 + (*p - '0');
        if (last > GW_JOB_MAX_PAGE_NUMBER)
          goto big;
      }
    }

    if (*p == ',')
    {
      p ++;
      if (!*p)
        goto bad;
    }
    else if (*p)
      goto bad;

    if (first < 1)
    {
      *error_r = "page numbers start at 1";
      return (false);
    }
    if (last < first)
    {
      *error_r = "a page range must not end before it starts (write 3-5, not 5-3)";
      return (false);
    }
    if (first <= prev)
    {
      *error_r = "page ranges must be in ascending order and must not overlap (write 1-3,5, not 5,1-3)";
      return (false);
    }
    if (count >= GW_JOB_MAX_PAGE_RANGES)
    {
      *error_r = "at most 32 page ranges are allowed";
      return (false);
    }

    if (ranges)
    {
      ranges[count].first = (int)first;
      ranges[count].last  = (int)last;
    }
    count ++;
    prev = (int)last;
  }

  if (count_r)
    *count_r = count;
  return (true);

 bad:
  *error_r = "page ranges are page numbers and ranges separated by commas, like 1-3,5";
  return (false);

 big:
  *error_r = "page numbers go up to 100000";
  return (false);
}


/*
 * 'gwJobPageRangesFormat()' - Write parsed ranges back in canonical form
 *                             ("2-3,5"): digits, '-' and ',' only.
 */

bool
gwJobPageRangesFormat(const gw_page_range_t *ranges, int count, char *buf, size_t bufsize)
{
  size_t len = 0;

  if (!buf || bufsize == 0)
    return (false);
  buf[0] = '\0';

  for (int i = 0; i < count; i ++)
  {
    int n;

    if (ranges[i].first == ranges[i].last)
      n = snprintf(buf + len, bufsize - len, "%s%d", i ? "," : "", ranges[i].first);
    else
      n = snprintf(buf + len, bufsize - len, "%s%d-%d", i ? "," : "", ranges[i].first, ranges[i].last);

    if (n < 0 || (size_t)n >= bufsize - len)
    {
      buf[0] = '\0';
      return (false);
    }
    len += (size_t)n;
  }

  return (true);
}


/*
 * 'gwJobPageRangesCount()' - Pages the ranges select from a document of
 *                            'pages' pages (all of them with no ranges).
 */

int
gwJobPageRangesCount(const gw_page_range_t *ranges, int count, int pages)
{
  int selected = 0;

  if (count == 0)
    return (pages);

  for (int i = 0; i < count && ranges[i].first <= pages; i ++)
    selected += (ranges[i].last < pages ? ranges[i].last : pages) - ranges[i].first + 1;

  return (selected);
}


/*
 * 'gwJobNumberUpValid()' - 1, 2, 4, 6, 9 or 16 pages per side.
 */

bool
gwJobNumberUpValid(int number_up)
{
  return (number_up == 1 || number_up == 2 || number_up == 4 || number_up == 6 || number_up == 9 || number_up == 16);
}
