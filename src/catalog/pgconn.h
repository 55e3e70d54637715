/*
 * pgconn.h — opening libpq connections to the source and target.
 *
 * Every connection carries application_name=privaci (unless the URL sets
 * its own) and client_encoding=UTF8 (always: the engine reads and writes
 * UTF-8). Failures become the errors.md §3.2 connection errors; neither the
 * URL nor libpq's message (which names hosts and users) reaches them — the
 * message is logged at debug level only, through the secret scrubber.
 */
#ifndef PRIVACI_CATALOG_PGCONN_H
#define PRIVACI_CATALOG_PGCONN_H

#include "util/error.h"

#include <libpq-fe.h>

typedef enum {
    PV_PG_SOURCE,
    PV_PG_TARGET,
} pv_pg_role;

/*
 * Connects to `url` (a postgresql:// URI or key=value DSN). On success
 * returns NULL and *out (caller closes it with PQfinish); on failure
 * returns the exit-2 error "Connecting to the <role> database" and sets
 * *out to NULL.
 */
pv_error *pv_pg_connect(pv_pg_role role, const char *url, PGconn **out);

/* The SQLSTATE of a failed result ("" when the server sent none). */
const char *pv_pg_sqlstate(const PGresult *res);

#endif
