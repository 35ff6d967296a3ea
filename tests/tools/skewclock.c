/* skewclock: an LD_PRELOAD library that moves a process's wall clock by SKEWCLOCK_SECONDS
 * (may be negative) and leaves every other clock alone. The several-machines test uses it to
 * give a "host" a clock that is minutes off, as a machine without NTP has.
 *
 * Why not libfaketime: Debian 12's libfaketime 0.9.10 also moves CLOCK_MONOTONIC, and then
 * Python's timed waits (threading.Event.wait) never return; with FAKETIME_DONT_FAKE_MONOTONIC
 * time.sleep fails with EINVAL. Only the wall clock (what time.time() and datetime.now() read,
 * what a host would put in a record) is wrong on such a machine, so only it is moved here.
 *
 * Build: cc -shared -fPIC -O2 -o skewclock.so skewclock.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long skew(void) {
    static long seconds = 0;
    static int read = 0;
    if (!read) {
        const char *value = getenv("SKEWCLOCK_SECONDS");
        seconds = value ? strtol(value, NULL, 10) : 0;
        read = 1;
    }
    return seconds;
}

int clock_gettime(clockid_t clock, struct timespec *ts) {
    static int (*real)(clockid_t, struct timespec *) = NULL;
    if (!real) real = dlsym(RTLD_NEXT, "clock_gettime");
    int rc = real(clock, ts);
    if (rc == 0 && ts && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE))
        ts->tv_sec += skew();
    return rc;
}

int gettimeofday(struct timeval *tv, void *tz) {
    static int (*real)(struct timeval *, void *) = NULL;
    if (!real) real = dlsym(RTLD_NEXT, "gettimeofday");
    int rc = real(tv, tz);
    if (rc == 0 && tv) tv->tv_sec += skew();
    return rc;
}

time_t time(time_t *out) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (out) *out = ts.tv_sec;
    return ts.tv_sec;
}
