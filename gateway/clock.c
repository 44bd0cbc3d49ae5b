/*
 * clock.c - monotonic time for timings and deadlines (clock.h).
 */

#include "printgate/clock.h"


/*
 * 'gwClockMs()' - Monotonic milliseconds, with the sub-millisecond part
 *                 (timing lines print tenths).
 */

double
gwClockMs(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);

  return ((double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1000000.0);
}


/*
 * 'gwClockDeadline()' - The absolute time 'ms' milliseconds from now on
 *                       'clock', for pthread_cond_timedwait() (whose clock
 *                       is CLOCK_REALTIME unless the condition says
 *                       otherwise).
 */

void
gwClockDeadline(struct timespec *ts, clockid_t clock, int64_t ms)
{
  clock_gettime(clock, ts);
  if (ms < 0)
    ms = 0;
  ts->tv_sec  += (time_t)(ms / 1000);
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L)
  {
    ts->tv_sec ++;
    ts->tv_nsec -= 1000000000L;
  }
}
