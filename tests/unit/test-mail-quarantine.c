/*
 * test-mail-quarantine.c - a quarantined mail job is released when its
 * sender proves the address: confirming the verification token (the code
 * in the mail reply), or an admin verifying the address, makes the user's
 * quarantined mail jobs held; another origin's quarantined job, another
 * user's, and a used token release nothing.
 */

#include "printgate/api.h"
#include "printgate/store.h"
#include "test.h"
#include "gateway-harness.h"

static gw_actor_t admin = { GW_DEFAULT_TENANT, "system", GW_ROLE_ADMIN, "test", "mail" };
static gw_actor_t anyone = { GW_DEFAULT_TENANT, "anonymous", GW_ROLE_GUEST, "test", "web" };

/*
 * 'quarantined()' - Submit a document for a user, quarantined, and wait.
 */

static bool
quarantined(gw_system_t *sys, const char *user, const char *origin, const char *doc, gw_job_t *job)
{
  gw_job_options_t o;
  gw_submission_t *sub;
  gw_reason_t      reason;
  char             text[512];
  gw_job_t         got;

  memset(&o, 0, sizeof(o));
  o.quarantine = true;
  if ((sub = gwSubmissionBegin(sys, GW_DEFAULT_TENANT, user, "q.ps", origin, &o, -1, &reason, text, sizeof(text))) == NULL || !test_submission_send(sub, doc, job))
    return (false);
  return (gwSystemJobWait(sys, GW_DEFAULT_TENANT, job->id, 60000, &got) && got.state == GW_JOB_STATE_QUARANTINED);
}

static gw_job_state_t
state_of(gw_system_t *sys, const char *id)
{
  gw_job_t j;

  return (gwStoreJobGet(gwSystemGetStore(sys), GW_DEFAULT_TENANT, id, &j) ? j.state : GW_JOB_STATE_COUNT);
}

int
main(void)
{
  char          dir[256], doc[1024], token[GW_API_TOKEN_LEN + 1];
  const char   *error = NULL;
  gw_system_t  *sys;
  gw_job_t      mine, web, other, later;
  int64_t       id, expires;
  gw_address_t  addr;

  if ((sys = test_gateway_start(dir, sizeof(dir), doc, sizeof(doc), "")) == NULL)
    TEST_EXIT();
  TEST_CHECK(gwApiUserAdd(sys, &admin, "alice", "", GW_ROLE_USER, &id, &error));
  TEST_CHECK(gwApiUserAdd(sys, &admin, "bob", "", GW_ROLE_USER, &id, &error));
  TEST_CHECK(gwApiAddressAdd(sys, &admin, "alice", "alice@example.test", &error));
  TEST_CHECK(gwApiAddressAdd(sys, &admin, "bob", "bob@example.test", &error));

  TEST_BEGIN("quarantined jobs: alice's mail job, alice's web job, bob's mail job");
  TEST_CHECK(quarantined(sys, "alice", "mail", doc, &mine));
  TEST_CHECK(quarantined(sys, "alice", "web", doc, &web));
  TEST_CHECK(quarantined(sys, "bob", "mail", doc, &other));

  TEST_BEGIN("confirming alice's token releases her mail job only");
  TEST_CHECK(gwApiTokenCreate(sys, &admin, "alice@example.test", 3600, token, sizeof(token), &expires, &error));
  TEST_CHECK(gwApiTokenConfirm(sys, &anyone, token, &addr, &error) && addr.state == GW_ADDRESS_VERIFIED);
  TEST_CHECK(state_of(sys, mine.id) == GW_JOB_STATE_HELD);
  TEST_CHECK(state_of(sys, web.id) == GW_JOB_STATE_QUARANTINED);
  TEST_CHECK(state_of(sys, other.id) == GW_JOB_STATE_QUARANTINED);

  TEST_BEGIN("a used token releases nothing more");
  TEST_CHECK(quarantined(sys, "alice", "mail", doc, &later));          /* e.g. a forged From: later */
  TEST_CHECK(!gwApiTokenConfirm(sys, &anyone, token, &addr, &error));
  TEST_CHECK(state_of(sys, later.id) == GW_JOB_STATE_QUARANTINED);

  TEST_BEGIN("an admin verifying bob's address releases bob's");
  TEST_CHECK(gwApiAddressSetState(sys, &admin, "bob@example.test", GW_ADDRESS_VERIFIED, &error));
  TEST_CHECK(state_of(sys, other.id) == GW_JOB_STATE_HELD);
  TEST_CHECK(state_of(sys, later.id) == GW_JOB_STATE_QUARANTINED);

  gwWipe(token, sizeof(token));
  gwSystemDelete(&sys);
  test_rmtree(dir);
  TEST_EXIT();
}
