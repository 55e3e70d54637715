#include "catalog/pgconn.h"

#include "obs/log.h"

#include <stdlib.h>
#include <string.h>

/*
 * How long libpq may wait for a server that does not answer, unless the URL
 * sets connect_timeout itself: an unreachable host must fail the pre-flight,
 * not hang it.
 */
#define DEFAULT_CONNECT_TIMEOUT "10"

static pv_error *connect_error(pv_pg_role role)
{
    if (role == PV_PG_SOURCE)
        return pv_error_new(PV_EXIT_PREFLIGHT, "Connecting to the source database",
                            "Verify SOURCE_DB_URL and that the database is running.",
                            "The source database is not reachable.");
    return pv_error_new(PV_EXIT_PREFLIGHT, "Connecting to the target database",
                        "Verify TARGET_DB_URL and that the database is running.",
                        "The target database is not reachable.");
}

/* libpq's message without its trailing newline, for the debug log. */
static void log_connect_failure(pv_pg_role role, PGconn *conn)
{
    if (pv_log_get_level() > PV_LOG_DEBUG)
        return;
    const char *msg = conn ? PQerrorMessage(conn) : "out of memory";
    size_t len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        len--;
    /* pv_log scrubs registered secrets (the URL and its password). */
    pv_log(PV_LOG_DEBUG, "connection to the %s database failed: %.*s",
           role == PV_PG_SOURCE ? "source" : "target", (int)len, msg);
}

pv_error *pv_pg_connect(pv_pg_role role, const char *url, PGconn **out)
{
    /*
     * With expand_dbname, settings inside the URL override the keywords
     * listed before "dbname" and are overridden by those after it: the URL
     * may choose its own application_name and connect_timeout, but the
     * client encoding is always UTF8.
     */
    const char *const keywords[] = {"application_name", "connect_timeout", "dbname",
                                    "client_encoding", NULL};
    const char *const values[] = {"privaci", DEFAULT_CONNECT_TIMEOUT, url, "UTF8", NULL};
    *out = NULL;
    PGconn *conn = PQconnectdbParams(keywords, values, 1);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        log_connect_failure(role, conn);
        PQfinish(conn);
        return connect_error(role);
    }
    *out = conn;
    return NULL;
}

const char *pv_pg_sqlstate(const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return state ? state : "";
}
