/*
 * clock.h - monotonic time for timings and deadlines, in one place.
 */

#ifndef PRINTGATE_CLOCK_H
#define PRINTGATE_CLOCK_H

#include "base.h"

#include <time.h>

extern double gwClockMs(void);                                  /* Monotonic milliseconds (fractional) */
extern void   gwClockDeadline(struct timespec *ts, clockid_t clock, int64_t ms); /* ts = now on 'clock' + ms */

#endif /* !PRINTGATE_CLOCK_H */
