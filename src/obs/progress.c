#include "obs/progress.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static atomic_llong rows_done;
static atomic_llong units_done;
static atomic_bool running;
static int64_t units_total;
static double rows_estimate;
static pthread_t ticker;
static bool started;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void draw(double elapsed)
{
    long long rows = atomic_load(&rows_done);
    long long units = atomic_load(&units_done);
    double rate = elapsed > 0 ? (double)rows / elapsed : 0;
    char pct[16] = "";
    if (rows_estimate > 0) {
        double p = 100.0 * (double)rows / rows_estimate;
        snprintf(pct, sizeof(pct), " %3.0f%%", p > 100 ? 100 : p);
    }
    /* \r and erase-line: stderr is a terminal here, stdout is untouched. */
    fprintf(stderr, "\r\033[K%s %lld/%lld table(s), %lld row(s), %.0f rows/s", pct, units,
            (long long)units_total, rows, rate);
    fflush(stderr);
}

static void *tick(void *arg)
{
    (void)arg;
    double start = now_seconds();
    while (atomic_load(&running)) {
        draw(now_seconds() - start);
        struct timespec half = {0, 500 * 1000 * 1000};
        nanosleep(&half, NULL);
    }
    return NULL;
}

void pv_progress_start(bool enabled, int64_t total_units, double estimated_rows)
{
    if (!enabled || started || !isatty(STDERR_FILENO))
        return;
    units_total = total_units;
    rows_estimate = estimated_rows;
    atomic_store(&running, true);
    started = pthread_create(&ticker, NULL, tick, NULL) == 0;
}

void pv_progress_add_rows(int64_t rows)
{
    atomic_fetch_add(&rows_done, rows);
}

void pv_progress_unit_done(void)
{
    atomic_fetch_add(&units_done, 1);
}

void pv_progress_stop(void)
{
    if (!started)
        return;
    atomic_store(&running, false);
    pthread_join(ticker, NULL);
    started = false;
    fputs("\r\033[K", stderr);
    fflush(stderr);
}
