/*
 * lock.c — the run lock of state.md §1: a session-level advisory lock on
 * the coordinator's target connection, held until the process ends, so no
 * other run or resume can change the target between pre-flight and the end
 * of the run. Taking it is not a write.
 */
#include "state/state.h"

#include "state/pgexec.h"

#include <string.h>
#include <unistd.h>

#define CONTEXT_LOCK "Acquiring the target run lock"

#define STR_(x) #x
#define STR(x)  STR_(x)
static const char SQL_TRY_LOCK[] =
    "SELECT pg_catalog.pg_try_advisory_lock(" STR(PV_RUN_LOCK_KEY1) ", " STR(PV_RUN_LOCK_KEY2) ")";

/* 1 = taken, 0 = held elsewhere, -1 = the query failed. */
static int try_once(PGconn *conn, char sqlstate[6])
{
    PGresult *res = pv_state_exec(conn, SQL_TRY_LOCK, 0, NULL, sqlstate);
    if (!res)
        return -1;
    int taken = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return taken;
}

pv_error *pv_state_lock_acquire(PGconn *conn, int wait_seconds)
{
    char state[6];
    /*
     * resume waits: the backend of a killed run may hold the lock until the
     * server notices the dead connection.
     */
    for (int attempt = 0;; attempt++) {
        int taken = try_once(conn, state);
        if (taken < 0)
            return pv_error_new(PV_EXIT_PREFLIGHT, CONTEXT_LOCK,
                                "Verify TARGET_DB_URL and that the database is running.",
                                "The run lock could not be queried (SQLSTATE %s).",
                                state[0] ? state : "none");
        if (taken)
            return NULL;
        if (attempt >= wait_seconds)
            break;
        sleep(1);
    }
    return pv_error_new(PV_EXIT_PREFLIGHT, CONTEXT_LOCK, "Wait for it to finish, or stop it.",
                        "Another privaci run or resume is active on this target.");
}
