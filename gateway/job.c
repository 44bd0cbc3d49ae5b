/*
 * job.c - job states, the transition table and reason codes (see job.h).
 */

#include "printgate/job.h"

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
  "conversion-failed"
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
  for (int i = 0; s && i < GW_JOB_STATE_COUNT; i ++)
  {
    if (!strcmp(s, state_names[i]))
    {
      *state = (gw_job_state_t)i;
      return (true);
    }
  }

  return (false);
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
  for (int i = 0; code && i < GW_REASON_COUNT; i ++)
  {
    if (!strcmp(code, reason_codes[i]))
    {
      *reason = (gw_reason_t)i;
      return (true);
    }
  }

  return (false);
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
