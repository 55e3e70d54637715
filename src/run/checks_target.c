/*
 * checks_target.c — pre-flight checks that read the target (state.md §1,
 * catalog-and-schema.md §7 and §8.1). Read-only: a failed pre-flight leaves
 * the target exactly as it was.
 */
#include "run/checks.h"

#include "catalog/pgconn.h"
#include "obs/log.h"
#include "run/textlist.h"
#include "state/state.h"
#include "util/ident.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define CONTEXT_WRITE_PERMS "Checking target database write permissions"

static PGresult *read_rows(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    if (res && PQresultStatus(res) == PGRES_TUPLES_OK)
        return res;
    pv_log(PV_LOG_DEBUG, "pre-flight target query failed: %s", pv_pg_sqlstate(res));
    PQclear(res);
    return NULL;
}

static pv_error *target_query_error(const char *context)
{
    return pv_error_new(PV_EXIT_PREFLIGHT, context,
                        "Verify TARGET_DB_URL and that the database is running.",
                        "The target database could not be queried.");
}

void pv_target_facts_free(pv_target_facts *facts)
{
    free(facts->dbname);
    free(facts->role);
    facts->dbname = facts->role = NULL;
}

/* -------------------------------------------------- target_privileges */

static pv_error *read_facts(PGconn *target, pv_target_facts *facts)
{
    PGresult *res = read_rows(target, "SELECT pg_catalog.has_database_privilege("
                                      "pg_catalog.current_database(), 'CREATE'),"
                                      " pg_catalog.to_regnamespace('_privaci') IS NOT NULL,"
                                      " pg_catalog.current_database(), current_user");
    if (!res)
        return target_query_error(CONTEXT_WRITE_PERMS);
    facts->can_create = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    facts->privaci_exists = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    facts->dbname = pv_xstrdup(PQgetvalue(res, 0, 2));
    facts->role = pv_xstrdup(PQgetvalue(res, 0, 3));
    PQclear(res);
    return NULL;
}

pv_error *pv_check_target_privileges(PGconn *target, pv_target_facts *facts)
{
    pv_error *err = read_facts(target, facts);
    if (err)
        return err;
    if (!facts->can_create && !facts->privaci_exists)
        return pv_error_new(PV_EXIT_PREFLIGHT, CONTEXT_WRITE_PERMS,
                            "Grant CREATE on the target database, or pre-create the _privaci "
                            "schema with sufficient privileges.",
                            "Current user cannot CREATE SCHEMA on the target database.");
    if (!facts->privaci_exists)
        return NULL;
    /* state.md §1: a newer engine's schema is refused before anything is written. */
    err = pv_state_read_version(target, &facts->state_version);
    return err ? err : pv_state_check_version(facts->state_version);
}

/* ------------------------------------------- target_schema_privileges */

static pv_error *target_schemas(PGconn *target, pv_textlist *names)
{
    PGresult *res = read_rows(target, "SELECT nspname FROM pg_catalog.pg_namespace");
    if (!res)
        return target_query_error(CONTEXT_WRITE_PERMS);
    for (int i = 0; i < PQntuples(res); i++)
        pv_textlist_take(names, pv_xstrdup(PQgetvalue(res, i, 0)));
    PQclear(res);
    return NULL;
}

pv_error *pv_check_target_schema_privileges(PGconn *target, const pv_target_facts *facts,
                                            const pv_config *cfg, const pv_catalog *cat,
                                            pv_on_existing policy)
{
    if (facts->can_create)
        return NULL;
    pv_textlist existing = PV_TEXTLIST_INIT, needed = PV_TEXTLIST_INIT;
    pv_error *err = target_schemas(target, &existing);
    for (size_t i = 0; !err && i < cat->n_tables; i++) {
        const pv_table *t = &cat->tables[i];
        if (!pv_model_in_scope(cfg, cat, t))
            continue;
        /* drop_create drops every schema but _privaci, so all must be created again. */
        if (policy == PV_EXISTING_DROP_CREATE || !pv_textlist_contains(&existing, t->schema))
            pv_textlist_add_unique(&needed, t->schema);
    }
    if (!err && needed.n) {
        pv_textlist_sort(&needed);
        char *schemas = pv_textlist_join(&needed, ", ");
        pv_strbuf fix = PV_STRBUF_INIT;
        pv_strbuf_append(&fix, "GRANT CREATE ON DATABASE ");
        pv_ident_append(&fix, facts->dbname);
        pv_strbuf_append(&fix, " TO ");
        pv_ident_append(&fix, facts->role);
        pv_strbuf_append(&fix, ";");
        err = pv_error_new(PV_EXIT_PREFLIGHT, CONTEXT_WRITE_PERMS, fix.data,
                           "The target role cannot create schema(s) %s: it lacks CREATE on "
                           "database %s.",
                           schemas, facts->dbname);
        pv_strbuf_free(&fix);
        free(schemas);
    }
    pv_textlist_free(&existing);
    pv_textlist_free(&needed);
    return err;
}

/* -------------------------------------------------- target_extensions */

pv_error *pv_target_available_extensions(PGconn *target, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    PGresult *res = read_rows(target, "SELECT name FROM pg_catalog.pg_available_extensions"
                                      " UNION SELECT extname FROM pg_catalog.pg_extension");
    if (!res)
        return target_query_error("Checking target extensions");
    int rows = PQntuples(res);
    *names = pv_xcalloc(rows ? (size_t)rows : 1, sizeof(**names));
    for (int i = 0; i < rows; i++)
        (*names)[i] = pv_xstrdup(PQgetvalue(res, i, 0));
    *n = (size_t)rows;
    PQclear(res);
    return NULL;
}

/* --------------------------------------------------- on_existing_data */

/* Relations that belong to an extension (e.g. PostGIS's spatial_ref_sys) are not user tables. */
static const char SQL_USER_TABLES[] =
    "SELECT count(*) FROM pg_catalog.pg_class c"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind IN ('r', 'p') AND n.nspname <> '_privaci'"
    " AND n.nspname <> 'information_schema' AND left(n.nspname, 3) <> 'pg_'"
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
    "  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid"
    "  AND d.deptype = 'e')";

pv_error *pv_target_user_tables(PGconn *target, int64_t *count)
{
    *count = 0;
    PGresult *res = read_rows(target, SQL_USER_TABLES);
    if (!res)
        return target_query_error("Checking target database is empty");
    *count = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return NULL;
}

pv_error *pv_on_existing_error(int64_t count)
{
    return pv_error_new(PV_EXIT_PREFLIGHT, "Checking target database is empty",
                        "Use an empty target database, or set on_existing_data to truncate or "
                        "drop_create in mask-rules.yaml.",
                        "Target contains %" PRId64
                        " user table(s) outside _privaci and on_existing_data is fail.",
                        count);
}

char *pv_target_not_empty_message(int64_t count)
{
    return pv_xasprintf("Target has %" PRId64 " user table(s) outside _privaci; a real run will "
                        "fail with on_existing_data: fail unless the target is emptied or the "
                        "policy is changed.",
                        count);
}
