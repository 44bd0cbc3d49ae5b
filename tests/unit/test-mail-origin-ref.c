/*
 * test-mail-origin-ref.c - the core's idempotency key for front-ends
 * (gw_job_options_t.origin_ref), which makes mail intake exactly-once: a
 * second submission with the same key is refused as a duplicate (the first
 * job is found, none is made), another key or another origin is not, a
 * job that failed "interrupted" (the gateway stopped before its document
 * was kept) frees its key so the part can be sent again, the key travels
 * in the job's events and rows, and an over-long key is refused.
 */

#include "printgate/system.h"
#include "printgate/store.h"
#include "printgate/event.h"
#include "test.h"
#include "gateway-harness.h"

#include <pthread.h>

static pthread_mutex_t seen_mutex = PTHREAD_MUTEX_INITIALIZER;
static char            seen_ref[128];
static int             seen_count;

/*
 * 'record()' - Keep the newest event's origin reference.
 */

static void
record(const gw_job_event_t *e, void *data)
{
  (void)data;
  pthread_mutex_lock(&seen_mutex);
  snprintf(seen_ref, sizeof(seen_ref), "%s", e->origin_ref);
  seen_count ++;
  pthread_mutex_unlock(&seen_mutex);
}

/*
 * 'begin()' - Begin a submission for eve with an origin reference.
 */

static gw_submission_t *
begin(gw_system_t *sys, const char *origin, const char *ref, gw_reason_t *reason, char *text, size_t textsize)
{
  gw_job_options_t o;

  memset(&o, 0, sizeof(o));
  o.origin_ref = ref;
  return (gwSubmissionBegin(sys, GW_DEFAULT_TENANT, "eve", "page.ps", origin, &o, -1, reason, text, textsize));
}

int
main(void)
{
  char             dir[256], doc[1024], text[512], longref[200];
  const char      *error = NULL;
  gw_system_t     *sys;
  gw_submission_t *sub;
  gw_reason_t      reason;
  gw_job_t         job, got;
  int64_t          uid;

  if ((sys = test_gateway_start(dir, sizeof(dir), doc, sizeof(doc), "")) == NULL)
    TEST_EXIT();
  TEST_CHECK(gwStoreUserAdd(gwSystemGetStore(sys), GW_DEFAULT_TENANT, "eve", "", GW_ROLE_USER, NULL, false, &uid, &error));
  TEST_CHECK(gwEventsSubscribe(gwSystemGetEvents(sys), "mail", record, NULL) > 0);

  TEST_BEGIN("a job with an origin reference: kept in its row and in its events");
  TEST_CHECK((sub = begin(sys, "mail", "mail:inbox:7:42:2", &reason, text, sizeof(text))) != NULL);
  TEST_CHECK(sub && test_submission_send(sub, doc, &job));
  TEST_CHECK(gwSystemJobWait(sys, GW_DEFAULT_TENANT, job.id, 60000, &got) && got.state == GW_JOB_STATE_HELD);
  TEST_CHECK(!strcmp(got.origin_ref, "mail:inbox:7:42:2"));
  TEST_CHECK(gwEventsFlush(gwSystemGetEvents(sys), 10000));
  TEST_CHECK(seen_count >= 2 && !strcmp(seen_ref, "mail:inbox:7:42:2"));

  TEST_BEGIN("the same reference again: refused as a duplicate, no second job");
  TEST_CHECK(begin(sys, "mail", "mail:inbox:7:42:2", &reason, text, sizeof(text)) == NULL);
  TEST_CHECKF(reason == GW_REASON_DUPLICATE, "reason %s: %s", gwReasonCode(reason), text);
  TEST_CHECK(gwStoreJobCount(gwSystemGetStore(sys), GW_DEFAULT_TENANT, uid, 0) == 1);

  TEST_BEGIN("another part, another origin, no reference: all accepted");
  TEST_CHECK((sub = begin(sys, "mail", "mail:inbox:7:42:3", &reason, text, sizeof(text))) != NULL);
  gwSubmissionAbort(&sub, GW_REASON_TOO_LARGE);
  TEST_CHECK((sub = begin(sys, "web", "mail:inbox:7:42:2", &reason, text, sizeof(text))) != NULL);
  gwSubmissionAbort(&sub, GW_REASON_TOO_LARGE);
  TEST_CHECK((sub = begin(sys, "mail", NULL, &reason, text, sizeof(text))) != NULL);
  gwSubmissionAbort(&sub, GW_REASON_NONE);
  TEST_CHECK((sub = begin(sys, "mail", NULL, &reason, text, sizeof(text))) != NULL);
  gwSubmissionAbort(&sub, GW_REASON_NONE);

  TEST_BEGIN("a part that failed for a reason of its own keeps its key (its outcome is known)");
  TEST_CHECK(begin(sys, "mail", "mail:inbox:7:42:3", &reason, text, sizeof(text)) == NULL && reason == GW_REASON_DUPLICATE);

  TEST_BEGIN("an interrupted part frees its key: it can be sent again, once");
  TEST_CHECK((sub = begin(sys, "mail", "mail:inbox:7:43:1", &reason, text, sizeof(text))) != NULL);
  gwSubmissionAbort(&sub, GW_REASON_INTERRUPTED);
  TEST_CHECK((sub = begin(sys, "mail", "mail:inbox:7:43:1", &reason, text, sizeof(text))) != NULL);
  TEST_CHECK(sub && test_submission_send(sub, doc, &job));
  TEST_CHECK(begin(sys, "mail", "mail:inbox:7:43:1", &reason, text, sizeof(text)) == NULL && reason == GW_REASON_DUPLICATE);
  TEST_CHECK(gwSystemJobWait(sys, GW_DEFAULT_TENANT, job.id, 60000, &got) && got.state == GW_JOB_STATE_HELD);

  TEST_BEGIN("a reference longer than 127 bytes is refused, not cut (cut ones could collide)");
  memset(longref, 'r', sizeof(longref) - 1);
  longref[sizeof(longref) - 1] = '\0';
  TEST_CHECK(begin(sys, "mail", longref, &reason, text, sizeof(text)) == NULL && reason == GW_REASON_BAD_OPTION);
  longref[127] = '\0';
  TEST_CHECK((sub = begin(sys, "mail", longref, &reason, text, sizeof(text))) != NULL);
  gwSubmissionAbort(&sub, GW_REASON_NONE);

  gwSystemDelete(&sys);
  test_rmtree(dir);
  TEST_EXIT();
}
