/*
 * signals.h — SIGINT/SIGTERM during the run lifecycle (streaming.md §11).
 *
 * The first signal only sets a flag that the lifecycle polls at statement
 * boundaries (between pre-flight checks, between lifecycle steps, between
 * batches); the first code to notice it logs `Received SIGINT; finishing
 * current batch then stopping`. The second signal ends the process with
 * exit 130 at once: when an abort hook is armed, a watcher thread (never
 * the signal handler itself, where libpq is not safe) first runs it to
 * mark the run `interrupted`, best effort and time-bounded; a third signal
 * does not wait even for that. SIGPIPE is ignored so a closed stdout stops
 * event output but not the run.
 */
#ifndef PRIVACI_RUN_SIGNALS_H
#define PRIVACI_RUN_SIGNALS_H

#include "util/error.h"

#include <stdbool.h>

void pv_signals_install(void);
bool pv_signals_interrupted(void);

/*
 * Arms (fn != NULL) or disarms the second-signal hook. `fn` runs on the
 * watcher thread while the rest of the process goes on; it must bound its
 * own time (short connect and statement timeouts).
 */
void pv_signals_set_abort_hook(void (*fn)(void *ud), void *ud);

/*
 * The exit-130 error for a signal that arrived before the run row existed
 * (Context "Running PrivaCI").
 */
pv_error *pv_signals_error(void);

#endif
