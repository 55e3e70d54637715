#include "state/pgexec.h"

#include "obs/log.h"

#include <string.h>

PGresult *pv_state_exec(PGconn *conn, const char *sql, int n_params, const char *const *params,
                        char sqlstate[6])
{
    sqlstate[0] = '\0';
    PGresult *res = PQexecParams(conn, sql, n_params, NULL, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (state) {
        strncpy(sqlstate, state, 5);
        sqlstate[5] = '\0';
    }
    /*
     * State statements carry no cell values, but a constraint message can
     * still quote a key (e.g. a duplicate run id): debug level only.
     */
    pv_log(PV_LOG_DEBUG, "state statement failed: %s %s", state ? state : "-", msg ? msg : "");
    PQclear(res);
    return NULL;
}

bool pv_state_command(PGconn *conn, const char *sql, int n_params, const char *const *params,
                      char sqlstate[6])
{
    PGresult *res = pv_state_exec(conn, sql, n_params, params, sqlstate);
    bool ok = res != NULL;
    PQclear(res);
    return ok;
}

void pv_state_rollback(PGconn *conn)
{
    if (PQtransactionStatus(conn) == PQTRANS_IDLE)
        return;
    PQclear(PQexec(conn, "ROLLBACK"));
}
