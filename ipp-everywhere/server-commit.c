/*
 * server-commit.c - the end of Print-Job and Send-Document off the
 * listener threads.
 *
 * When a document's last byte has arrived, its durable commit (the spool
 * file's last write and fsync, the rename and the fsync of jobs/, the
 * store's transition and the WAL fsync it waits for) takes a few disk
 * round trips.  On a listener thread that wait would stall every other
 * connection of the thread, and at most one commit per listener thread
 * could be waiting at once, so the store's group commit would have little
 * to share.  So finish() defers the answer (the connection is suspended,
 * no thread waits for it) and hands the request to one of
 * GW_IPP_COMMIT_THREADS threads of this server, which ends the submission,
 * answers with gwDeferredRespond() once the commit is durable and frees
 * the request.  Many commits then wait at once and share their fsyncs.
 *
 * The threads start with the front-end (fe_start()) and stop after the
 * listener (fe_stop()): they end every commit still queued first (the
 * deferral may have ended, so its answer goes nowhere, but the job is
 * stored or failed as usual).  Without the threads (unit tests, the fuzz
 * harness, a failed start) or when a request cannot be deferred, the
 * commit runs on the calling thread as before.
 */

#include "server-private.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>


typedef struct commit_item_s            /* One commit waiting for a thread */
{
  struct commit_item_s *next;
  gw_ipp_request_t     *r;
  gw_deferred_t        *deferred;
} commit_item_t;

struct _gw_ipp_commits_s
{
  pthread_mutex_t lock;                 /* Guards everything below */
  pthread_cond_t  cond;                 /* An item was queued, or stop */
  commit_item_t  *first, *last;         /* The queue */
  bool            stop;                 /* Leave once the queue is empty */
  int             nthreads;
  pthread_t       threads[GW_IPP_COMMIT_THREADS];
  unsigned long   done;                 /* Commits run on these threads (tests) */
  gw_ipp_server_t *server;
  time_t          next_sweep;           /* When open jobs are next looked at */
};


/*
 * 'commit_end()' - End one submission, answer once it is durable, free.
 */

static void
commit_end(commit_item_t *item)
{
  _gwIppRequestFinish(item->r);
  _gwIppRequestReply(item->r, &item->deferred);
  _gwIppRequestFree(item->r);
  free(item);
}


/*
 * 'commit_run()' - One thread: end each queued submission and answer.
 */

static void *
commit_run(void *arg)
{
  gw_ipp_commits_t *c = (gw_ipp_commits_t *)arg;
  commit_item_t    *item;

  pthread_setname_np(pthread_self(), "pg-ipp-commit");   /* Seen in top -H and ps -L */
  pthread_mutex_lock(&c->lock);
  for (;;)
  {
    while (!c->first && !c->stop)
    {
      struct timespec until;

      /*
       * Idle: once a second one of the threads aborts the created jobs
       * whose next document is late (multiple-operation-time-out).
       */

      clock_gettime(CLOCK_REALTIME, &until);
      until.tv_sec ++;
      if (pthread_cond_timedwait(&c->cond, &c->lock, &until) == ETIMEDOUT && !c->stop && until.tv_sec > c->next_sweep)
      {
        c->next_sweep = until.tv_sec;
        pthread_mutex_unlock(&c->lock);
        _gwIppOpenSweep(c->server, false);
        pthread_mutex_lock(&c->lock);
      }
    }
    if ((item = c->first) == NULL)
      break;                            /* Stopping and nothing left */
    if ((c->first = item->next) == NULL)
      c->last = NULL;
    pthread_mutex_unlock(&c->lock);

    commit_end(item);

    pthread_mutex_lock(&c->lock);
    c->done ++;
  }
  pthread_mutex_unlock(&c->lock);

  return (NULL);
}


/*
 * '_gwIppCommitStart()' - Start the commit threads (false: none, commits
 *                         then run on the listener threads).
 */

bool
_gwIppCommitStart(gw_ipp_server_t *server)
{
  gw_ipp_commits_t *c;

  if (server->commits)
    return (true);
  if ((c = calloc(1, sizeof(gw_ipp_commits_t))) == NULL)
    return (false);
  pthread_mutex_init(&c->lock, NULL);
  pthread_cond_init(&c->cond, NULL);
  c->server = server;
  while (c->nthreads < GW_IPP_COMMIT_THREADS && !pthread_create(c->threads + c->nthreads, NULL, commit_run, c))
    c->nthreads ++;
  if (c->nthreads == 0)
  {
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
    free(c);
    return (false);
  }
  pthread_mutex_lock(&server->lock);
  server->commits = c;
  pthread_mutex_unlock(&server->lock);

  return (true);
}


/*
 * '_gwIppCommitStop()' - End the queued commits and stop the threads (the
 *                        listener is stopped: nothing new is queued).
 */

void
_gwIppCommitStop(gw_ipp_server_t *server)
{
  gw_ipp_commits_t *c;

  pthread_mutex_lock(&server->lock);
  c               = server->commits;
  server->commits = NULL;
  pthread_mutex_unlock(&server->lock);
  if (!c)
    return;

  pthread_mutex_lock(&c->lock);
  c->stop = true;
  pthread_cond_broadcast(&c->cond);
  pthread_mutex_unlock(&c->lock);
  for (int i = 0; i < c->nthreads; i ++)
    pthread_join(c->threads[i], NULL);
  pthread_cond_destroy(&c->cond);
  pthread_mutex_destroy(&c->lock);
  free(c);
}


/*
 * '_gwIppCommitDefer()' - Hand a submission's end to a commit thread and
 *                         defer the answer.  False (nothing changed: the
 *                         caller commits and answers itself) when there
 *                         are no threads or the answer cannot be deferred.
 */

bool
_gwIppCommitDefer(gw_request_t *req, gw_ipp_request_t *r)
{
  gw_ipp_server_t  *server = r->server;
  gw_ipp_commits_t *c;
  commit_item_t    *item;

  if (!server)
    return (false);
  pthread_mutex_lock(&server->lock);
  c = server->commits;
  pthread_mutex_unlock(&server->lock);
  if (!c || (item = calloc(1, sizeof(commit_item_t))) == NULL)
    return (false);
  if ((item->deferred = gwRequestDefer(req, GW_IPP_COMMIT_DEADLINE_MS)) == NULL)
  {
    free(item);
    return (false);
  }

  item->r = r;
  r->http = NULL;                       /* The request is the commit's now */
  gwRequestSetState(req, NULL);

  /* Queued under the server's lock: _gwIppCommitStop() cannot free c meanwhile. */
  pthread_mutex_lock(&server->lock);
  if ((c = server->commits) != NULL)
  {
    pthread_mutex_lock(&c->lock);
    if (c->last)
      c->last->next = item;
    else
      c->first = item;
    c->last = item;
    pthread_mutex_unlock(&c->lock);
    pthread_cond_signal(&c->cond);      /* After the unlock: the woken thread takes the lock at once */
  }
  pthread_mutex_unlock(&server->lock);

  if (!c)
    commit_end(item);                   /* Stopped meanwhile: here, answered the same way */

  return (true);
}


/*
 * '_gwIppCommitCount()' - Commits the threads have run (tests).
 */

unsigned long
_gwIppCommitCount(gw_ipp_server_t *server)
{
  gw_ipp_commits_t *c;
  unsigned long     n = 0;

  pthread_mutex_lock(&server->lock);
  if ((c = server->commits) != NULL)
  {
    pthread_mutex_lock(&c->lock);
    n = c->done;
    pthread_mutex_unlock(&c->lock);
  }
  pthread_mutex_unlock(&server->lock);

  return (n);
}
