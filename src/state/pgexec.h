/*
 * pgexec.h — private to src/state: running one parameterized statement and
 * reading why it failed. Catalog-layer helpers are not used here because
 * state sits below catalog in the layering (DESIGN.md "Layout").
 */
#ifndef PRIVACI_STATE_PGEXEC_H
#define PRIVACI_STATE_PGEXEC_H

#include <libpq-fe.h>
#include <stdbool.h>

/*
 * Runs `sql` with text parameters (NULL entries are SQL NULLs). Returns the
 * result when its status is COMMAND_OK or TUPLES_OK, else NULL with the
 * failed result's SQLSTATE copied into `sqlstate` (6 bytes, "" when the
 * server sent none). The SQLSTATE and primary message are logged at debug
 * level; no parameter value ever is.
 */
PGresult *pv_state_exec(PGconn *conn, const char *sql, int n_params, const char *const *params,
                        char sqlstate[6]);

/* pv_state_exec for statements whose rows do not matter; true on success. */
bool pv_state_command(PGconn *conn, const char *sql, int n_params, const char *const *params,
                      char sqlstate[6]);

/* Rolls back whatever transaction is open (best effort). */
void pv_state_rollback(PGconn *conn);

#endif
