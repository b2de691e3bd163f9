/* clock.h — the one clock for measuring time inside mailprobe: monotonic,
 * so a wall-clock step (NTP, an operator's `date`) never makes a timeout,
 * a rate limit or a latency figure jump. Wall-clock time (Unix seconds in
 * the store, log timestamps) is time(2), not this. */
#ifndef MP_CLOCK_H
#define MP_CLOCK_H
#include <stdint.h>
#include <sys/time.h>

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC), with
 * nanosecond resolution. Never fails on Linux. */
double mp_now_monotonic(void);

/* The same clock in whole milliseconds, for timers and token buckets. */
int64_t mp_now_monotonic_ms(void);

/* A duration of `ms` milliseconds (>= 0) as the struct timeval libevent's
 * timers take. */
struct timeval mp_timeval_ms(int64_t ms);

#endif
