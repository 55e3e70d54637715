/*
 * progress.h — the progress bar on stderr (cli.md §3.1): shown only when
 * stderr is a terminal and --no-progress is not given; stdout never sees
 * it. Streams report committed rows and finished units through atomic
 * counters; a ticker thread redraws one line twice a second.
 */
#ifndef PRIVACI_OBS_PROGRESS_H
#define PRIVACI_OBS_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

/* Starts the ticker when `enabled` and stderr is a terminal. */
void pv_progress_start(bool enabled, int64_t total_units, double estimated_rows);
void pv_progress_add_rows(int64_t rows);
void pv_progress_unit_done(void);
/* Stops the ticker and clears its line. Safe to call when never started. */
void pv_progress_stop(void);

#endif
