/*
 * test-held-limit.c - MaxHeldJobsPerUser as an attacker meets it: a user
 * with the most unfinished jobs allowed (receiving, converting,
 * quarantined or held) gets too-many-held-jobs, with an audit row; uploads
 * still under way count, so opening many at once does not get around it;
 * submissions started in parallel (eight threads released together, many
 * rounds) never end with more jobs than the limit; a cancelled or aborted
 * job frees its place, and another user is not limited by this one.
 *
 * Late-recorded submissions (gw_job_options_t.record_late, IPP Print-Job),
 * whose row is written with their document at End: no job number before;
 * eight of them ended together, many rounds, never pass the limit either
 * (the count is in End's transaction), the refused ones leave no row and
 * no spool file; one that grows past 256 KB is recorded (and counted)
 * while it is still arriving, and refused there when the user is full; one
 * aborted before it was recorded still leaves its owner a failed job.
 */

#include "printgate/system.h"
#include "printgate/store.h"
#include "test.h"
#include "gateway-harness.h"

#include <pthread.h>

#define LIMIT    3
#define THREADS  8
#define ROUNDS   25

typedef struct race_s
{
  gw_system_t       *sys;
  pthread_barrier_t *barrier;
  char               user[32];
  gw_submission_t   *sub;
  gw_reason_t        reason;
} race_t;


/*
 * 'begin()' - Begin a submission for a user.
 */

static gw_submission_t *
begin(gw_system_t *sys, const char *user, gw_reason_t *reason, char *text, size_t textsize)
{
  return (gwSubmissionBegin(sys, GW_DEFAULT_TENANT, user, "page.ps", "cli", NULL, -1, reason, text, textsize));
}


/*
 * 'begin_late()' - Begin a late-recorded submission (IPP Print-Job's way).
 */

static gw_submission_t *
begin_late(gw_system_t *sys, const char *user, gw_reason_t *reason, char *text, size_t textsize)
{
  gw_job_options_t options;

  memset(&options, 0, sizeof(options));
  options.record_late = true;

  return (gwSubmissionBegin(sys, GW_DEFAULT_TENANT, user, "page.ps", "ipp", &options, -1, reason, text, textsize));
}


typedef struct late_race_s
{
  gw_system_t       *sys;
  pthread_barrier_t *barrier;
  const char        *doc;
  bool               ended;           /* End returned true */
  bool               begun;
  int                number_before;   /* gwSubmissionJobNumber() before End */
  gw_job_t           job;
} late_race_t;


/*
 * 'late_one()' - One thread of a late race: begin and write the document,
 *                wait for the others, then end.
 */

static void *
late_one(void *arg)
{
  late_race_t     *r = (late_race_t *)arg;
  gw_submission_t *sub;
  gw_reason_t      reason;
  char             text[512], buf[65536];
  FILE            *fp = fopen(r->doc, "rb");
  size_t           n;

  sub      = begin_late(r->sys, "eve", &reason, text, sizeof(text));
  r->begun = sub != NULL;
  while (sub && fp && (n = fread(buf, 1, sizeof(buf), fp)) > 0)
    gwSubmissionWrite(sub, buf, n);
  if (fp)
    fclose(fp);
  r->number_before = gwSubmissionJobNumber(sub);
  pthread_barrier_wait(r->barrier);
  r->ended = sub && gwSubmissionEnd(&sub, &r->job);

  return (NULL);
}


/*
 * 'race_one()' - One thread of a race: wait for the others, then begin.
 */

static void *
race_one(void *arg)
{
  race_t *r = (race_t *)arg;
  char    text[512];

  pthread_barrier_wait(r->barrier);
  r->sub = begin(r->sys, r->user, &r->reason, text, sizeof(text));

  return (NULL);
}


/*
 * 'open_jobs()' - A user's unfinished jobs in the store.
 */

static int
open_jobs(gw_system_t *sys, int64_t uid)
{
  return (gwStoreJobCount(gwSystemGetStore(sys), GW_DEFAULT_TENANT, uid,
                          (1u << GW_JOB_STATE_RECEIVING) | (1u << GW_JOB_STATE_CONVERTING) |
                          (1u << GW_JOB_STATE_QUARANTINED) | (1u << GW_JOB_STATE_HELD)));
}


/*
 * 'sql_int()' - The first column of the first row of a query (-1: none).
 */

static int
sql_int(const char *path, const char *sql)
{
  sqlite3      *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int           value = -1;

  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
    value = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);

  return (value);
}


/*
 * 'refusals()' - "job.refuse" audit rows of a user.
 */

static int
refusals(const char *dir, const char *user)
{
  char path[600], sql[256];

  snprintf(path, sizeof(path), "%s/state/printgate.db", dir);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE action = 'job.refuse' AND subject = '%s' AND detail = 'too-many-held-jobs'", user);

  return (sql_int(path, sql));
}


/*
 * 'spool_files()' - Files in the spool's jobs/ and incoming/ folders.
 */

static int
spool_files(const char *dir)
{
  char cmd[700], out[64];

  snprintf(cmd, sizeof(cmd), "find '%s/state/spool/jobs' '%s/state/spool/incoming' -type f | wc -l", dir, dir);
  return (test_run(cmd, out, sizeof(out)) == 0 ? atoi(out) : -1);
}


/*
 * 'late_tests()' - Late-recorded submissions against the limit.
 */

static void
late_tests(gw_system_t *sys, const char *dir, const char *doc, int64_t uid)
{
  pthread_barrier_t barrier;
  gw_submission_t  *sub, *open[LIMIT];
  gw_reason_t       reason;
  gw_job_t          job, got;
  const char       *error = NULL;
  char              text[512], big[300 * 1024];
  int               most = 0, passed_total = 0, refused_before = refusals(dir, "eve"), files_before;

  TEST_BEGIN("late-recorded: eight ended at once, 10 rounds: never more than three, the others refused at End");
  pthread_barrier_init(&barrier, NULL, THREADS);
  for (int round = 0; round < 10; round ++)
  {
    late_race_t r[THREADS];
    pthread_t   t[THREADS];
    int         passed = 0, refused = 0, numbered = 0, now;

    files_before = spool_files(dir);
    for (int i = 0; i < THREADS; i ++)
    {
      memset(&r[i], 0, sizeof(r[i]));
      r[i].sys     = sys;
      r[i].barrier = &barrier;
      r[i].doc     = doc;
      pthread_create(&t[i], NULL, late_one, &r[i]);
    }
    for (int i = 0; i < THREADS; i ++)
      pthread_join(t[i], NULL);

    now = open_jobs(sys, uid);
    for (int i = 0; i < THREADS; i ++)
    {
      if (r[i].number_before)
        numbered ++;
      if (r[i].ended && r[i].job.state == GW_JOB_STATE_CONVERTING && r[i].job.number > 0)
        passed ++;
      else if (r[i].begun && !r[i].ended && r[i].job.reason == GW_REASON_TOO_MANY_JOBS && strstr(r[i].job.reason_text, "already has 3 held jobs") &&
               !gwStoreJobGet(gwSystemGetStore(sys), GW_DEFAULT_TENANT, r[i].job.id, &got))
        refused ++;
    }
    if (now > most)
      most = now;
    passed_total += passed;
    if (passed != LIMIT || refused != THREADS - LIMIT || now != LIMIT || numbered != 0)
      TEST_CHECKF(false, "round %d: %d passed, %d refused (with no row), %d open, %d numbered before End", round, passed, refused, now, numbered);
    for (int i = 0; i < THREADS; i ++)
    {
      if (r[i].ended)
      {
        gwSystemJobWait(sys, GW_DEFAULT_TENANT, r[i].job.id, 60000, &got);
        gwSystemJobCancel(sys, GW_DEFAULT_TENANT, r[i].job.id, "eve", &error);
      }
    }
    if (round == 9)
      TEST_CHECKF(spool_files(dir) == files_before, "spool files %d, before the round %d (the refused documents' files must go)", spool_files(dir), files_before);
  }
  pthread_barrier_destroy(&barrier);
  TEST_CHECKF(most == LIMIT && passed_total == LIMIT * 10, "at most %d open, %d passed in all", most, passed_total);
  TEST_CHECK(refusals(dir, "eve") == refused_before + 10 * (THREADS - LIMIT));
  TEST_CHECK(open_jobs(sys, uid) == 0);

  TEST_BEGIN("late-recorded: an upload past 256 KB is recorded, and counted, while it arrives");
  memset(big, '%', sizeof(big));
  TEST_CHECK((sub = begin_late(sys, "eve", &reason, text, sizeof(text))) != NULL);
  TEST_CHECK(sub && gwSubmissionWrite(sub, big, 200 * 1024) && gwSubmissionJobNumber(sub) == 0 && open_jobs(sys, uid) == 0);
  TEST_CHECK(sub && gwSubmissionWrite(sub, big, 100 * 1024) && gwSubmissionJobNumber(sub) > 0 && open_jobs(sys, uid) == 1);
  gwSubmissionAbort(&sub, GW_REASON_NONE);
  TEST_CHECK(open_jobs(sys, uid) == 0);

  TEST_BEGIN("late-recorded: with eve full, the write past 256 KB is refused too-many-held-jobs");
  for (int i = 0; i < LIMIT; i ++)
    TEST_CHECK((open[i] = begin(sys, "eve", &reason, text, sizeof(text))) != NULL);
  TEST_CHECK((sub = begin_late(sys, "eve", &reason, text, sizeof(text))) != NULL);   /* Not counted yet */
  TEST_CHECK(sub && gwSubmissionWrite(sub, big, 200 * 1024));
  TEST_CHECK(sub && !gwSubmissionWrite(sub, big, 100 * 1024) && gwSubmissionReason(sub) == GW_REASON_TOO_MANY_JOBS && strstr(gwSubmissionError(sub), "already has 3 held jobs"));
  TEST_CHECK(sub && !gwSubmissionEnd(&sub, &job) && job.reason == GW_REASON_TOO_MANY_JOBS);
  TEST_CHECK(open_jobs(sys, uid) == LIMIT);
  for (int i = 0; i < LIMIT; i ++)
    gwSubmissionAbort(&open[i], GW_REASON_NONE);
  TEST_CHECK(open_jobs(sys, uid) == 0);

  TEST_BEGIN("late-recorded: aborted before it was recorded, its owner still sees it failed (interrupted)");
  TEST_CHECK((sub = begin_late(sys, "eve", &reason, text, sizeof(text))) != NULL);
  snprintf(text, sizeof(text), "%s", sub ? gwSubmissionJobId(sub) : "");
  TEST_CHECK(sub && gwSubmissionWrite(sub, big, 1000));
  gwSubmissionAbort(&sub, GW_REASON_NONE);
  TEST_CHECK(gwStoreJobGet(gwSystemGetStore(sys), GW_DEFAULT_TENANT, text, &got) && got.state == GW_JOB_STATE_FAILED && got.reason == GW_REASON_INTERRUPTED);
  TEST_CHECK(open_jobs(sys, uid) == 0);
}


int
main(void)
{
  char               dir[256], doc[1024], text[512], extra[64];
  const char        *error = NULL;
  gw_system_t       *sys;
  gw_submission_t   *sub, *open[LIMIT];
  gw_reason_t        reason;
  gw_job_t           job[LIMIT], got;
  int64_t            uid, uid2;
  int                most = 0, passed_total = 0;
  pthread_barrier_t  barrier;

  snprintf(extra, sizeof(extra), "MaxHeldJobsPerUser %d\n", LIMIT);
  if ((sys = test_gateway_start(dir, sizeof(dir), doc, sizeof(doc), extra)) == NULL)
    TEST_EXIT();
  TEST_CHECK(gwStoreUserAdd(gwSystemGetStore(sys), GW_DEFAULT_TENANT, "eve", "", GW_ROLE_USER, NULL, false, &uid, &error));
  TEST_CHECK(gwStoreUserAdd(gwSystemGetStore(sys), GW_DEFAULT_TENANT, "bob", "", GW_ROLE_USER, NULL, false, &uid2, &error));

  TEST_BEGIN("three held jobs: the fourth is refused too-many-held-jobs, with an audit row");
  for (int i = 0; i < LIMIT; i ++)
  {
    TEST_CHECK((sub = begin(sys, "eve", &reason, text, sizeof(text))) != NULL);
    TEST_CHECK(sub && test_submission_send(sub, doc, &job[i]));
    TEST_CHECK(gwSystemJobWait(sys, GW_DEFAULT_TENANT, job[i].id, 60000, &got) && got.state == GW_JOB_STATE_HELD);
  }
  TEST_CHECK(begin(sys, "eve", &reason, text, sizeof(text)) == NULL);
  TEST_CHECKF(reason == GW_REASON_TOO_MANY_JOBS && strstr(text, "already has 3 held jobs"), "%s: %s", gwReasonCode(reason), text);
  TEST_CHECK(refusals(dir, "eve") == 1);
  TEST_CHECK(open_jobs(sys, uid) == LIMIT);

  TEST_BEGIN("another user is not limited by eve's jobs");
  TEST_CHECK((sub = begin(sys, "bob", &reason, text, sizeof(text))) != NULL);
  gwSubmissionAbort(&sub, GW_REASON_NONE);

  TEST_BEGIN("a cancelled job frees its place, for one more only");
  TEST_CHECK(gwSystemJobCancel(sys, GW_DEFAULT_TENANT, job[0].id, "eve", &error));
  TEST_CHECK((sub = begin(sys, "eve", &reason, text, sizeof(text))) != NULL);
  TEST_CHECK(begin(sys, "eve", &reason, text, sizeof(text)) == NULL && reason == GW_REASON_TOO_MANY_JOBS);
  TEST_BEGIN("an aborted upload frees its place");
  gwSubmissionAbort(&sub, GW_REASON_NONE);
  TEST_CHECK((sub = begin(sys, "eve", &reason, text, sizeof(text))) != NULL);
  gwSubmissionAbort(&sub, GW_REASON_NONE);
  for (int i = 1; i < LIMIT; i ++)
    TEST_CHECK(gwSystemJobCancel(sys, GW_DEFAULT_TENANT, job[i].id, "eve", &error));
  TEST_CHECK(open_jobs(sys, uid) == 0);

  TEST_BEGIN("uploads still under way count: the fourth open upload is refused");
  for (int i = 0; i < LIMIT; i ++)
    TEST_CHECK((open[i] = begin(sys, "eve", &reason, text, sizeof(text))) != NULL);
  TEST_CHECK(begin(sys, "eve", &reason, text, sizeof(text)) == NULL && reason == GW_REASON_TOO_MANY_JOBS);
  for (int i = 0; i < LIMIT; i ++)
    gwSubmissionAbort(&open[i], GW_REASON_NONE);
  TEST_CHECK(open_jobs(sys, uid) == 0);

  /*
   * Eight submissions released together by a barrier, again and again: a
   * count taken outside the insert's transaction lets several see room for
   * one and all pass (the limit was checked that way before).
   */

  TEST_BEGIN("eight submissions at once, 25 rounds: never more than three open, never fewer");
  pthread_barrier_init(&barrier, NULL, THREADS);
  for (int round = 0; round < ROUNDS; round ++)
  {
    race_t    r[THREADS];
    pthread_t t[THREADS];
    int       passed = 0, refused = 0, now;

    for (int i = 0; i < THREADS; i ++)
    {
      memset(&r[i], 0, sizeof(r[i]));
      r[i].sys     = sys;
      r[i].barrier = &barrier;
      snprintf(r[i].user, sizeof(r[i].user), "eve");
      pthread_create(&t[i], NULL, race_one, &r[i]);
    }
    for (int i = 0; i < THREADS; i ++)
      pthread_join(t[i], NULL);

    now = open_jobs(sys, uid);
    for (int i = 0; i < THREADS; i ++)
    {
      if (r[i].sub)
        passed ++;
      else if (r[i].reason == GW_REASON_TOO_MANY_JOBS)
        refused ++;
      gwSubmissionAbort(&r[i].sub, GW_REASON_NONE);
    }
    if (now > most)
      most = now;
    passed_total += passed;
    if (passed != LIMIT || refused != THREADS - LIMIT || now != LIMIT)
      TEST_CHECKF(false, "round %d: %d passed, %d refused, %d open", round, passed, refused, now);
  }
  pthread_barrier_destroy(&barrier);
  TEST_CHECKF(most == LIMIT && passed_total == LIMIT * ROUNDS, "at most %d open, %d passed in all", most, passed_total);
  TEST_CHECK(open_jobs(sys, uid) == 0);

  late_tests(sys, dir, doc, uid);

  gwSystemDelete(&sys);
  test_rmtree(dir);
  TEST_EXIT();
}
