/*
 * test-submission-docs.c - the core's jobs of several documents
 * (gwSubmissionDocument(), gateway/submission.c): the framed original the
 * submission writes is one the sandboxed converter reads back (a write
 * larger than a record, a document without bytes, many small writes), and
 * the misuses and limits fail the job with a sentence.
 */

#include "printgate/system.h"
#include "printgate/store.h"
#include "test.h"
#include "gateway-harness.h"


/*
 * 'begin()' - A submission for eve.
 */

static gw_submission_t *
begin(gw_system_t *sys, const char *name)
{
  gw_reason_t      reason;
  char             text[512];
  gw_submission_t *sub = gwSubmissionBegin(sys, GW_DEFAULT_TENANT, "eve", name, "ipp", NULL, -1, &reason, text, sizeof(text));

  if (!sub)
    printf("  Begin: %s\n", text);
  return (sub);
}


int
main(void)
{
  char             dir[256], doc[1024], *ps, *big;
  size_t           pslen = 0, biglen;
  const char      *error = NULL;
  gw_system_t     *sys;
  gw_submission_t *sub;
  gw_job_t         job, got;
  int64_t          uid;
  bool             ok;

  TEST_BEGIN("a gateway and the three-page PostScript document");
  if ((sys = test_gateway_start(dir, sizeof(dir), doc, sizeof(doc), "MaxDocumentSize 8M\n")) == NULL)
    TEST_EXIT();
  TEST_CHECK(gwStoreUserAdd(gwSystemGetStore(sys), GW_DEFAULT_TENANT, "eve", "", GW_ROLE_USER, NULL, false, &uid, &error));
  TEST_CHECK((ps = test_read_file(doc, &pslen)) != NULL && pslen > 100);
  if (!ps)
    TEST_EXIT();

  /* The same document behind 1.5 MB of PostScript comments: one write of
   * it is more than a record holds (GW_CONTAINER_CHUNK_MAX, 1 MiB). */
  biglen = 1536 * 1024 + pslen;
  TEST_CHECK((big = malloc(biglen)) != NULL);
  if (!big)
    TEST_EXIT();
  for (size_t i = 0; i < 1536 * 1024; i += 64)
  {
    memset(big + i, 'x', 64);
    big[i] = '%';
    big[i + 63] = '\n';
  }
  memcpy(big, "%!PS-Adobe-3.0\n%", 16);   /* The rest of the first line is a comment too */
  memcpy(big + 1536 * 1024, ps, pslen);

  TEST_BEGIN("three documents (one 1.5 MB write, one without bytes, one in 7-byte writes): one held job of 6 pages");
  if ((sub = begin(sys, "three-docs")) != NULL)
  {
    ok = gwSubmissionDocument(sub, "application/postscript", true) && gwSubmissionWrite(sub, big, biglen);
    ok = ok && gwSubmissionDocument(sub, "application/pdf", true);          /* No bytes: no record */
    ok = ok && gwSubmissionDocument(sub, "", false);
    for (size_t i = 0; ok && i < pslen; i += 7)
      ok = gwSubmissionWrite(sub, ps + i, pslen - i > 7 ? 7 : pslen - i);
    TEST_CHECK(ok);
    TEST_CHECK(gwSubmissionEnd(&sub, &job) && job.state == GW_JOB_STATE_CONVERTING);
    TEST_CHECKF(gwSystemJobWait(sys, GW_DEFAULT_TENANT, job.id, 60000, &got) && got.state == GW_JOB_STATE_HELD && got.pages == 6,
                "state %d, %d pages: %s", (int)got.state, got.pages, got.reason_text);
  }

  TEST_BEGIN("one document with more to come, then the end: held as a job of one document");
  if ((sub = begin(sys, "one-of-many")) != NULL)
  {
    TEST_CHECK(gwSubmissionDocument(sub, "application/postscript", true) && gwSubmissionWrite(sub, ps, pslen));
    TEST_CHECK(gwSubmissionEnd(&sub, &job));
    TEST_CHECK(gwSystemJobWait(sys, GW_DEFAULT_TENANT, job.id, 60000, &got) && got.state == GW_JOB_STATE_HELD && got.pages == 3);
  }

  TEST_BEGIN("a first and last document is stored as sent (no container): held, format postscript in the log");
  if ((sub = begin(sys, "single")) != NULL)
  {
    TEST_CHECK(gwSubmissionDocument(sub, "application/postscript", false) && gwSubmissionWrite(sub, ps, pslen));
    TEST_CHECK(gwSubmissionEnd(&sub, &job));
    TEST_CHECK(gwSystemJobWait(sys, GW_DEFAULT_TENANT, job.id, 60000, &got) && got.state == GW_JOB_STATE_HELD && got.pages == 3);
  }

  TEST_BEGIN("a document after the last one is refused and fails the job, saying why");
  if ((sub = begin(sys, "after-last")) != NULL)
  {
    TEST_CHECK(gwSubmissionDocument(sub, NULL, false) && gwSubmissionWrite(sub, ps, pslen));
    TEST_CHECK(!gwSubmissionDocument(sub, NULL, false));
    TEST_CHECK(!gwSubmissionWrite(sub, ps, pslen));
    TEST_CHECK(!gwSubmissionEnd(&sub, &job) && job.state == GW_JOB_STATE_FAILED && strstr(job.reason_text, "already has its last document"));
  }

  TEST_BEGIN("a document begun after bytes were written as one document is refused");
  if ((sub = begin(sys, "late-frame")) != NULL)
  {
    TEST_CHECK(gwSubmissionWrite(sub, ps, pslen));
    TEST_CHECK(!gwSubmissionDocument(sub, NULL, true));
    TEST_CHECK(!gwSubmissionEnd(&sub, &job) && job.state == GW_JOB_STATE_FAILED);
  }

  TEST_BEGIN("at most 100 documents: the 101st is refused, the job fails with the limit in its sentence");
  if ((sub = begin(sys, "many")) != NULL)
  {
    int taken = 0;

    for (int i = 0; i < 101; i ++)
      if (gwSubmissionDocument(sub, "text/plain", true) && gwSubmissionWrite(sub, "x\n", 2))
        taken ++;
    TEST_CHECKF(taken == 100, "%d taken", taken);
    TEST_CHECK(!gwSubmissionEnd(&sub, &job) && job.state == GW_JOB_STATE_FAILED && job.reason == GW_REASON_TOO_LARGE &&
               strstr(job.reason_text, "at most 100 documents"));
  }

  TEST_BEGIN("documents without any byte: empty-document");
  if ((sub = begin(sys, "no-bytes")) != NULL)
  {
    TEST_CHECK(gwSubmissionDocument(sub, NULL, true) && gwSubmissionDocument(sub, NULL, false));
    TEST_CHECK(!gwSubmissionEnd(&sub, &job) && job.state == GW_JOB_STATE_FAILED && job.reason == GW_REASON_EMPTY_DOCUMENT);
  }

  TEST_BEGIN("MaxDocumentSize counts the documents together (8 MB: five of 1.5 MB pass, the sixth does not)");
  if ((sub = begin(sys, "too-big")) != NULL)
  {
    int taken = 0;

    for (int i = 0; i < 6; i ++)
      if (gwSubmissionDocument(sub, NULL, true) && gwSubmissionWrite(sub, big, biglen))
        taken ++;
    TEST_CHECKF(taken == 5, "%d taken", taken);
    TEST_CHECK(!gwSubmissionEnd(&sub, &job) && job.reason == GW_REASON_TOO_LARGE && strstr(job.reason_text, "together"));
  }

  free(big);
  free(ps);
  gwSystemDelete(&sys);
  test_rmtree(dir);
  TEST_EXIT();
}
