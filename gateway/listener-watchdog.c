/*
 * listener-watchdog.c - the listener's deadline thread (see listener.c
 * "Slow clients" and docs/https.md "Deadlines").
 *
 * The watchdog wakes every LISTENER_WATCH_MS (or sooner, for the next
 * deferred request due), shuts down the socket of a connection past
 * HeaderTimeout or below MinBodyRate over a whole window, and ends the
 * deferred requests past their deadline.  Connections tell it what they
 * do with _gwListenerConnSetPhase().  l->lock guards the connections; the
 * deferred requests have their own locks (listener-defer.c) and are
 * ended without l->lock held.
 */

#include "listener-private.h"
#include "printgate/clock.h"

#include <string.h>
#include <sys/socket.h>


/*
 * '_gwListenerConnCut()' - Shut a connection's socket down (libmicrohttpd
 *                          sees end-of-file, ends the request and closes
 *                          it).  Caller holds l->lock, so the socket cannot
 *                          have been closed.
 */

void
_gwListenerConnCut(gw_listener_t *l, listener_conn_t *c, const char *why)
{
  c->cut = true;
  shutdown(c->fd, SHUT_RDWR);
  gwLog(l->log, GW_LOG_INFO, "HTTPS: connection from %s closed: %s.", c->client, why);
}


/*
 * '_gwListenerConnSetPhase()' - Tell the watchdog what a connection does
 *                               now.  Entering CONN_HEADERS starts
 *                               HeaderTimeout; CONN_BODY from CONN_HEADERS
 *                               or CONN_BUSY starts a new rate window, but
 *                               after a body() callback (in_body) it
 *                               resumes the paused window.
 */

void
_gwListenerConnSetPhase(gw_listener_t *l, listener_conn_t *c, conn_phase_t phase, bool in_body)
{
  int64_t now;

  if (!c)
    return;

  pthread_mutex_lock(&l->lock);

  now = ((int64_t)gwClockMs());
  switch (phase)
  {
    case CONN_HEADERS :
        c->deadline = now + (int64_t)l->header_timeout * 1000;
        break;

    case CONN_BODY :
        if (c->phase == CONN_BUSY && c->in_body)
          c->window_start += now - c->busy_since;
        else if (c->phase != CONN_BODY)
        {
          c->window_start = now;
          c->window_bytes = 0;
        }
        break;

    case CONN_BUSY :
        c->busy_since = now;
        break;
  }

  c->phase   = phase;
  c->in_body = in_body;

  pthread_mutex_unlock(&l->lock);
}


/*
 * '_gwListenerWatchdog()' - The deadline thread: every LISTENER_WATCH_MS,
 *                           shut down connections past HeaderTimeout or
 *                           below MinBodyRate over a whole window, and end
 *                           deferred requests past their deadline (waking
 *                           up for the next one if it is due sooner).
 */

void *
_gwListenerWatchdog(void *data)
{
  gw_listener_t *l = (gw_listener_t *)data;
  int64_t        window_ms = (int64_t)l->rate_window * 1000,
                 need = l->min_body_rate * (int64_t)l->rate_window;

  pthread_setname_np(pthread_self(), "pg-watchdog");   /* Seen in top -H and ps -L */
  pthread_mutex_lock(&l->lock);

  while (!l->stopping)
  {
    struct timespec ts;
    int64_t         now = ((int64_t)gwClockMs()), next, wait_ms = LISTENER_WATCH_MS;

    for (listener_conn_t *c = l->conns; c; c = c->next)
    {
      if (c->cut)
        continue;

      if (c->phase == CONN_HEADERS && l->header_timeout > 0 && now >= c->deadline)
        _gwListenerConnCut(l, c, "no complete request header within HeaderTimeout");
      else if (c->phase == CONN_BODY && l->min_body_rate > 0 && now - c->window_start >= window_ms)
      {
        if (c->window_bytes < need)
          _gwListenerConnCut(l, c, "request body slower than MinBodyRate");
        else
        {
          c->window_start = now;
          c->window_bytes = 0;
        }
      }
    }

    /* Deferred requests: not under l->lock (resuming takes libmicrohttpd's locks) */
    pthread_mutex_unlock(&l->lock);
    next = _gwDeferSetExpire(l->defers, now);
    pthread_mutex_lock(&l->lock);

    if (next - now < wait_ms)
      wait_ms = next - now > 0 ? next - now : 1;

    gwClockDeadline(&ts, CLOCK_REALTIME, wait_ms);
    if (!l->stopping)
      pthread_cond_timedwait(&l->cond, &l->lock, &ts);
  }

  pthread_mutex_unlock(&l->lock);

  return (NULL);
}
