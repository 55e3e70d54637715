/*
 * run.h — `privaci run`: the whole lifecycle of overview.md §4 for a fresh
 * run. Pre-flight → state → on_existing_data → pre-data → skipped objects
 * → `--jobs N` streaming units over the run's exported snapshot →
 * post-data → sequences → run row `succeeded`.
 */
#ifndef PRIVACI_RUN_RUN_H
#define PRIVACI_RUN_RUN_H

#include "util/error.h"

#include <stdbool.h>

typedef struct pv_run_opts {
    const char *config_path;
    const char *source_flag;
    const char *target_flag;
    bool no_audit_table;
    bool force_restart;
    bool no_progress;    /* no progress bar even on a terminal */
    int jobs;            /* 0 = default: CPUs, at most 8 */
    int strict_override; /* -1 from config, 0 / 1 from the CLI */
} pv_run_opts;

/*
 * Returns an error for the CLI boundary to print (anything before the run
 * row exists), or NULL with *exit_code set: 0 on success, 1 when units
 * failed or a run error was already reported (error event, C/C/R block
 * and run.end are written here once the run row exists), 130 when
 * interrupted.
 */
pv_error *pv_run(const pv_run_opts *opts, int *exit_code);

/*
 * `privaci resume` (cli.md §3.3): continues the newest incomplete run that
 * passes the resume gate (state.md §5.2) from its checkpoints. Same
 * contract as pv_run; `force_restart` is ignored. The success line is
 * `Run <run_id> resumed: <N> table(s), <M> row(s).` with this attempt's
 * counts.
 */
pv_error *pv_resume(const pv_run_opts *opts, int *exit_code);

#endif
