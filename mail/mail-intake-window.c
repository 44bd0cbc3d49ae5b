/*
 * mail-intake-window.c - a source's window of messages in flight
 * (docs/mail.md, "The window"): the poller takes the next messages while
 * earlier ones wait for their conversions, up to the source's window
 * (in-flight=, default 2 x ConversionWorkers), and a message is done (its
 * reply queued, then flagged, moved, deleted or its UIDL written, through
 * the poller's callback) once every part has an outcome, in whatever order
 * they come.
 *
 * Outcomes come from job events of origin "mail" (_gwMailIntakeEvent, on
 * the front-end's subscriber thread); events the bus dropped (a full queue:
 * gw_job_event_t.lost) make the poller read its waiting parts' jobs again.
 * Locking: the window and its messages' parts are guarded by the source's
 * mutex; no core function is called with it held.
 */

#include "mail-intake.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/*
 * '_gwMailWindowAdd()' - Put a message at the end of the window.
 */

void
_gwMailWindowAdd(gw_mail_source_t *src, gw_mail_inflight_t *m)
{
  gw_mail_inflight_t **pp;

  pthread_mutex_lock(&src->mutex);
  for (pp = &src->inflight; *pp; pp = &(*pp)->next);
  m->next = NULL;
  *pp     = m;
  src->ninflight ++;
  pthread_mutex_unlock(&src->mutex);
}


/*
 * 'remove_locked()' - Take a message out of the window (mutex held).
 */

static void
remove_locked(gw_mail_source_t *src, gw_mail_inflight_t *m)
{
  for (gw_mail_inflight_t **pp = &src->inflight; *pp; pp = &(*pp)->next)
  {
    if (*pp == m)
    {
      *pp = m->next;
      src->ninflight --;
      return;
    }
  }
}


/*
 * '_gwMailWindowRemove()' - Take a message out of the window.
 */

void
_gwMailWindowRemove(gw_mail_source_t *src, gw_mail_inflight_t *m)
{
  pthread_mutex_lock(&src->mutex);
  remove_locked(src, m);
  pthread_mutex_unlock(&src->mutex);
}


/*
 * 'event_actor()' - The actor that reads a job for an event.
 */

static void
event_actor(int64_t tenant, gw_actor_t *actor)
{
  memset(actor, 0, sizeof(*actor));
  actor->tenant   = tenant;
  actor->who      = "system";
  actor->role     = GW_ROLE_ADMIN;
  actor->where    = "events";
  actor->frontend = "mail";
}


/*
 * '_gwMailIntakeEvent()' - A job event of origin "mail": the part of a
 *                          message in the window whose job it is gets its
 *                          outcome.
 */

void
_gwMailIntakeEvent(gw_mail_source_t *in, const gw_job_event_t *event)
{
  gw_job_t   job;
  gw_actor_t actor;
  size_t     len = strlen(in->name);

  if (event->lost)
  {
    pthread_mutex_lock(&in->mutex);     /* Some outcomes may never come: read them */
    in->resync = true;
    pthread_cond_broadcast(&in->cond);
    pthread_mutex_unlock(&in->mutex);
  }
  if (!_gwMailJobFinal(event->new_state) || strncmp(event->origin_ref, in->name, len) || event->origin_ref[len] != ':')
    return;                             /* Not an outcome, or another source's */

  event_actor(event->tenant, &actor);
  if (!gwApiJobGet(in->sys, &actor, event->job_id, &job))
  {
    memset(&job, 0, sizeof(job));
    snprintf(job.id, sizeof(job.id), "%s", event->job_id);
    job.state       = event->new_state;
    job.reason      = event->reason;
    job.color_pages = -1;
    snprintf(job.reason_text, sizeof(job.reason_text), "%s", event->text);
  }

  pthread_mutex_lock(&in->mutex);
  for (gw_mail_inflight_t *m = in->inflight; m; m = m->next)
  {
    for (int i = 0; i < m->nparts; i ++)
    {
      gw_mail_part_state_t *p = m->parts + i;

      if (p->final || strcmp(p->ref, event->origin_ref) || (p->job_id[0] && strcmp(p->job_id, event->job_id)))
        continue;                       /* Another part, or an older job of this part */
      _gwMailPartOutcome(p, &job);
      pthread_cond_broadcast(&in->cond);
    }
  }
  pthread_mutex_unlock(&in->mutex);
}


/*
 * 'resync()' - Events were lost: read the job of every waiting part
 *              (mutex held on entry and exit, dropped meanwhile: only the
 *              poller, which calls this, adds or removes messages, so the
 *              list stays as it is; the event thread may fill parts).
 */

static void
resync(gw_mail_source_t *src)
{
  gw_actor_t actor;
  gw_job_t   job;
  char       id[40];
  bool       final;

  event_actor(GW_DEFAULT_TENANT, &actor);
  src->resync = false;
  for (gw_mail_inflight_t *m = src->inflight; m; m = m->next)
  {
    for (int i = 0; i < m->nparts; i ++)
    {
      gw_mail_part_state_t *p = m->parts + i;

      if (p->final || !p->job_id[0])
        continue;
      snprintf(id, sizeof(id), "%s", p->job_id);
      pthread_mutex_unlock(&src->mutex);
      final = gwApiJobGet(src->sys, &actor, id, &job) && _gwMailJobFinal(job.state);
      pthread_mutex_lock(&src->mutex);
      if (final && !p->final && !strcmp(p->job_id, id))
        _gwMailPartOutcome(p, &job);
    }
  }
}


/*
 * 'take_done()' - The first message of the window whose parts all have
 *                 outcomes, or whose wait is over; out of the window.
 *                 Blocking: waits for one (NULL when stopped or empty).
 */

static gw_mail_inflight_t *
take_done(gw_mail_source_t *src, bool block)
{
  gw_mail_inflight_t *found = NULL;

  pthread_mutex_lock(&src->mutex);
  while (!found && !src->stop && src->inflight)
  {
    struct timespec until = { 0, 0 };
    time_t          now = time(NULL);

    if (src->resync)
      resync(src);
    for (gw_mail_inflight_t *m = src->inflight; m && !found; m = m->next)
    {
      bool all = true;

      for (int i = 0; i < m->nparts && all; i ++)
        all = m->parts[i].final;
      if (all || now >= m->deadline)
        found = m;
      else if (!until.tv_sec || m->deadline < until.tv_sec)
        until.tv_sec = m->deadline;
    }
    if (found)
      remove_locked(src, found);
    else if (!block || pthread_cond_timedwait(&src->cond, &src->mutex, &until) == EINVAL)
      break;
  }
  pthread_mutex_unlock(&src->mutex);

  return (found);
}


/*
 * 'finish()' - A message out of the window: its reply, then the poller's
 *              done callback.  false = that failed.
 */

static bool
finish(gw_mail_source_t *src, gw_mail_inflight_t *m, gw_mail_done_cb_t done, void *data)
{
  char           key[128];
  void          *tag;
  gw_mail_done_t d = _gwMailIntakeFinish(src, &m, key, sizeof(key), &tag);

  return (d == GW_MAIL_RETRY || done(data, key, tag, d));
}


/*
 * '_gwMailWindowRoom()' - Finish the done messages, then wait while the
 *                         window is full (see mail-source.h).
 */

bool
_gwMailWindowRoom(gw_mail_source_t *src, gw_mail_done_cb_t done, void *data)
{
  gw_mail_inflight_t *m;
  bool                full;

  while ((m = take_done(src, false)) != NULL)
    if (!finish(src, m, done, data))
      return (false);

  for (;;)
  {
    pthread_mutex_lock(&src->mutex);
    full = src->ninflight >= src->window;
    pthread_mutex_unlock(&src->mutex);
    if (!full || src->stop)
      break;
    if ((m = take_done(src, true)) != NULL && !finish(src, m, done, data))
      return (false);
  }

  return (!src->stop);
}


/*
 * '_gwMailWindowDrain()' - Finish every message in flight.
 */

bool
_gwMailWindowDrain(gw_mail_source_t *src, gw_mail_done_cb_t done, void *data)
{
  gw_mail_inflight_t *m;

  while ((m = take_done(src, true)) != NULL)
    if (!finish(src, m, done, data))
      return (false);

  return (!src->stop);
}


/*
 * '_gwMailWindowAbandon()' - Forget the messages in flight: nothing of
 *                            theirs is marked, so they are taken again
 *                            (their parts find their jobs).
 */

void
_gwMailWindowAbandon(gw_mail_source_t *src)
{
  gw_mail_inflight_t *m, *next;

  pthread_mutex_lock(&src->mutex);
  m = src->inflight;
  src->inflight  = NULL;
  src->ninflight = 0;
  pthread_mutex_unlock(&src->mutex);
  for (; m; m = next)
  {
    next = m->next;
    free(m);
  }
}
