/*
 * signals.h — SIGINT/SIGTERM during the run lifecycle (streaming.md §11).
 *
 * The first signal only sets a flag that the lifecycle polls at statement
 * boundaries (between pre-flight checks, between batches); the second ends
 * the process at once with exit 130. SIGPIPE is ignored so a closed stdout
 * stops event output but not the run.
 */
#ifndef PRIVACI_RUN_SIGNALS_H
#define PRIVACI_RUN_SIGNALS_H

#include "util/error.h"

#include <stdbool.h>

void pv_signals_install(void);
bool pv_signals_interrupted(void);

/*
 * The exit-130 error for a signal that arrived before the run row existed
 * (Context "Running PrivaCI").
 */
pv_error *pv_signals_error(void);

#endif
