/*
 * test-job-state.c - the job state machine and reason codes (job.h).
 *
 * The expected transition table is written out here on its own, from the
 * design (DESIGN.md section 2 and the comments in gateway/job.c), so that
 * any change to the table in job.c must be made on purpose in both places.
 */

#include "test.h"
#include "printgate/job.h"

#define R  GW_JOB_STATE_RECEIVING
#define C  GW_JOB_STATE_CONVERTING
#define Q  GW_JOB_STATE_QUARANTINED
#define H  GW_JOB_STATE_HELD
#define L  GW_JOB_STATE_RELEASING
#define P  GW_JOB_STATE_PRINTED
#define F  GW_JOB_STATE_FAILED
#define E  GW_JOB_STATE_EXPIRED
#define X  GW_JOB_STATE_CANCELLED

/*
 * expected[from][to]: 1 = allowed.  Columns in enum order:
 * receiving converting quarantined held releasing printed failed expired cancelled
 */

static const int expected[GW_JOB_STATE_COUNT][GW_JOB_STATE_COUNT] =
{
  /*              R  C  Q  H  L  P  F  E  X */
  /* receiving */ {0, 1, 0, 0, 0, 0, 1, 0, 1},   /* converted, failed while receiving, cancelled */
  /* converting */{0, 0, 1, 1, 0, 0, 1, 0, 1},   /* held, quarantined (unverified sender), failed */
  /* quarantined*/{0, 0, 0, 1, 0, 0, 1, 1, 1},   /* sender verified, never verified, cancelled */
  /* held */      {0, 0, 0, 0, 1, 0, 0, 1, 1},   /* released, expired, cancelled */
  /* releasing */ {0, 0, 0, 1, 0, 1, 1, 0, 0},   /* printer down (held again), printed, failed */
  /* printed */   {0, 0, 0, 0, 1, 0, 0, 1, 1},   /* reprint, kept job expires, cancelled */
  /* failed */    {0, 0, 0, 0, 0, 0, 0, 0, 0},
  /* expired */   {0, 0, 0, 0, 0, 0, 0, 0, 0},
  /* cancelled */ {0, 0, 0, 0, 0, 0, 0, 0, 0}
};

static const char * const names[GW_JOB_STATE_COUNT] =
{
  "receiving", "converting", "quarantined", "held", "releasing", "printed", "failed", "expired", "cancelled"
};

static const char * const codes[GW_REASON_COUNT] =
{
  "none", "unsupported-format", "corrupt-document", "password-protected", "too-large", "too-many-pages",
  "empty-document", "too-many-held-jobs", "interrupted", "printer-unreachable", "printer-busy",
  "printer-refused", "printer-format-unsupported", "printer-no-color", "spool-damaged", "expired",
  "cancelled", "internal-error", "conversion-timeout", "conversion-failed", "server-busy", "unknown-user",
  "bad-option", "may-have-printed", "duplicate", "restricted", "policy-refused", "quota-exceeded"
};


/*
 * 'test_table()' - Every (from, to) pair against the expected table.
 */

static void
test_table(void)
{
  int mismatches = 0;

  TEST_BEGIN("transition table: all 81 pairs");

  for (int from = 0; from < GW_JOB_STATE_COUNT; from ++)
  {
    for (int to = 0; to < GW_JOB_STATE_COUNT; to ++)
    {
      bool allowed = gwJobStateAllowed((gw_job_state_t)from, (gw_job_state_t)to);

      if (allowed != (expected[from][to] != 0))
      {
        mismatches ++;
        printf("  %s -> %s: %s, expected %s\n", names[from], names[to], allowed ? "allowed" : "refused", expected[from][to] ? "allowed" : "refused");
      }
    }
  }
  TEST_CHECKF(mismatches == 0, "%d pairs differ from the design", mismatches);

  /* The happy path and a few named refusals, spelled out. */
  TEST_CHECK(gwJobStateAllowed(R, C) && gwJobStateAllowed(C, H) && gwJobStateAllowed(H, L) && gwJobStateAllowed(L, P));
  TEST_CHECK(!gwJobStateAllowed(H, R));
  TEST_CHECK(!gwJobStateAllowed(P, H));
  TEST_CHECK(!gwJobStateAllowed(F, H));
  TEST_CHECK(!gwJobStateAllowed(H, H));
  TEST_CHECK(!gwJobStateAllowed(R, H));   /* Nothing is held unconverted */
  TEST_CHECK(!gwJobStateAllowed(Q, L));   /* Quarantined jobs cannot be released */

  /* Out-of-range states are refused, never indexed. */
  TEST_CHECK(!gwJobStateAllowed((gw_job_state_t)-1, H));
  TEST_CHECK(!gwJobStateAllowed(H, GW_JOB_STATE_COUNT));
  TEST_CHECK(!gwJobStateAllowed(GW_JOB_STATE_COUNT, R));
}


/*
 * 'test_terminal()' - Terminal states are exactly those with no way out.
 */

static void
test_terminal(void)
{
  TEST_BEGIN("terminal states");

  for (int s = 0; s < GW_JOB_STATE_COUNT; s ++)
  {
    bool way_out = false;

    for (int to = 0; to < GW_JOB_STATE_COUNT; to ++)
      way_out |= expected[s][to] != 0;

    TEST_CHECKF(gwJobStateIsTerminal((gw_job_state_t)s) == !way_out, "%s", names[s]);
  }

  TEST_CHECK(gwJobStateIsTerminal(F) && gwJobStateIsTerminal(E) && gwJobStateIsTerminal(X));
  TEST_CHECK(!gwJobStateIsTerminal(P));   /* Kept for reprint */
  TEST_CHECK(!gwJobStateIsTerminal(GW_JOB_STATE_COUNT));
}


/*
 * 'test_state_strings()' - State names round-trip; junk does not parse.
 */

static void
test_state_strings(void)
{
  gw_job_state_t state;

  TEST_BEGIN("state strings");

  for (int s = 0; s < GW_JOB_STATE_COUNT; s ++)
  {
    state = GW_JOB_STATE_COUNT;
    TEST_CHECKF(!strcmp(gwJobStateString((gw_job_state_t)s), names[s]), "%s", names[s]);
    TEST_CHECKF(gwJobStateParse(names[s], &state) && state == (gw_job_state_t)s, "%s", names[s]);
  }

  state = H;
  TEST_CHECK(!gwJobStateParse("Held", &state) && state == H);
  TEST_CHECK(!gwJobStateParse("", &state));
  TEST_CHECK(!gwJobStateParse("held ", &state));
  TEST_CHECK(!gwJobStateParse(NULL, &state));
  TEST_CHECK(!strcmp(gwJobStateString(GW_JOB_STATE_COUNT), "unknown"));
  TEST_CHECK(!strcmp(gwJobStateString((gw_job_state_t)-1), "unknown"));
}


/*
 * 'test_reasons()' - Reason codes round-trip and are unique.
 */

static void
test_reasons(void)
{
  gw_reason_t reason;
  int         dups = 0;

  TEST_BEGIN("reason codes");

  for (int r = 0; r < GW_REASON_COUNT; r ++)
  {
    reason = GW_REASON_COUNT;
    TEST_CHECKF(!strcmp(gwReasonCode((gw_reason_t)r), codes[r]), "%s", codes[r]);
    TEST_CHECKF(gwReasonParse(codes[r], &reason) && reason == (gw_reason_t)r, "%s", codes[r]);

    for (int o = r + 1; o < GW_REASON_COUNT; o ++)
      dups += !strcmp(gwReasonCode((gw_reason_t)r), gwReasonCode((gw_reason_t)o));
  }
  TEST_CHECK(dups == 0);

  TEST_CHECK(!gwReasonParse("conversion failed", &reason));
  TEST_CHECK(!gwReasonParse(NULL, &reason));
  TEST_CHECK(!strcmp(gwReasonCode(GW_REASON_COUNT), "internal-error"));
  TEST_CHECK(!strcmp(gwReasonCode((gw_reason_t)-5), "internal-error"));
}


int
main(void)
{
  test_table();
  test_terminal();
  test_state_strings();
  test_reasons();

  TEST_EXIT();
}
