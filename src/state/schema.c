/*
 * schema.c — the _privaci DDL of state.md §2, its creation and version gate
 * (§1).
 *
 * Every object is created with IF NOT EXISTS, but only after a catalog
 * probe found it missing: PostgreSQL checks the CREATE privilege before it
 * looks for an existing object, so an unconditional `CREATE SCHEMA IF NOT
 * EXISTS` would fail for a role that was handed a pre-created _privaci (the
 * remediation §1 offers), and `ALTER TABLE … ADD COLUMN IF NOT EXISTS`
 * needs ownership even when the column is there.
 */
#include "state/state.h"

#include "state/pgexec.h"
#include "util/ident.h"
#include "util/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTEXT_CREATE  "Creating the _privaci state schema"
#define CONTEXT_VERSION "Verifying the _privaci state schema version"

static const char SQL_CREATE_SCHEMA[] = "CREATE SCHEMA IF NOT EXISTS _privaci";

static const char SQL_SCHEMA_METADATA[] =
    "CREATE TABLE IF NOT EXISTS _privaci.schema_metadata ("
    " singleton boolean DEFAULT true PRIMARY KEY"
    "  CONSTRAINT schema_metadata_singleton CHECK (singleton),"
    " schema_version integer NOT NULL,"
    " engine_version text NOT NULL,"
    " created_at timestamptz NOT NULL DEFAULT now())";

static const char SQL_RUNS[] =
    "CREATE TABLE IF NOT EXISTS _privaci.runs ("
    " run_id uuid PRIMARY KEY,"
    " started_at timestamptz NOT NULL DEFAULT now(),"
    " ended_at timestamptz,"
    " status text NOT NULL DEFAULT 'in_progress'"
    "  CHECK (status IN ('in_progress', 'succeeded', 'failed', 'interrupted')),"
    " engine_version text NOT NULL,"
    " config_hash text NOT NULL,"
    " salt_fingerprint text NOT NULL,"
    " source_db_hash text NOT NULL,"
    " source_schema_snapshot jsonb,"
    " summary jsonb,"
    " plan jsonb)";

/* Ours: a runs table created by the original or an earlier engine gains it. */
static const char SQL_RUNS_PLAN[] = "ALTER TABLE _privaci.runs ADD COLUMN IF NOT EXISTS plan jsonb";

static const char SQL_RUNS_INDEX[] =
    "CREATE INDEX IF NOT EXISTS runs_source_db_hash_idx ON _privaci.runs (source_db_hash)";

static const char SQL_CHECKPOINTS[] =
    "CREATE TABLE IF NOT EXISTS _privaci.table_checkpoints ("
    " run_id uuid NOT NULL REFERENCES _privaci.runs (run_id) ON DELETE CASCADE,"
    " schema_name text NOT NULL,"
    " table_name text NOT NULL,"
    " status text NOT NULL DEFAULT 'pending'"
    "  CHECK (status IN ('pending', 'in_progress', 'done', 'failed')),"
    " last_pk_value text,"
    " rows_processed bigint NOT NULL DEFAULT 0,"
    " last_update_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (run_id, schema_name, table_name))";

static const char SQL_AUDIT_LOG[] =
    "CREATE TABLE IF NOT EXISTS _privaci.audit_log ("
    " audit_id uuid PRIMARY KEY,"
    " run_id uuid NOT NULL REFERENCES _privaci.runs (run_id) ON DELETE CASCADE,"
    " event_at timestamptz NOT NULL DEFAULT now(),"
    " level text NOT NULL DEFAULT 'info' CHECK (level IN ('info', 'warning', 'error')),"
    " event_type text NOT NULL,"
    " schema_name text,"
    " table_name text,"
    " column_name text,"
    " payload jsonb NOT NULL DEFAULT '{}')";

static const char SQL_AUDIT_INDEX[] =
    "CREATE INDEX IF NOT EXISTS audit_log_run_id_idx ON _privaci.audit_log (run_id)";

static const char SQL_METADATA_ROW[] =
    "INSERT INTO _privaci.schema_metadata (singleton, schema_version, engine_version)"
    " VALUES (true, $1, $2) ON CONFLICT (singleton) DO NOTHING";

/* What exists already; one column per object, in the order of `objects` below. */
static const char SQL_PROBE[] =
    "SELECT pg_catalog.to_regnamespace('_privaci') IS NOT NULL,"
    " pg_catalog.to_regclass('_privaci.schema_metadata') IS NOT NULL,"
    " pg_catalog.to_regclass('_privaci.runs') IS NOT NULL,"
    " EXISTS (SELECT 1 FROM pg_catalog.pg_attribute"
    "  WHERE attrelid = pg_catalog.to_regclass('_privaci.runs')"
    "  AND attname = 'plan' AND NOT attisdropped),"
    " pg_catalog.to_regclass('_privaci.runs_source_db_hash_idx') IS NOT NULL,"
    " pg_catalog.to_regclass('_privaci.table_checkpoints') IS NOT NULL,"
    " pg_catalog.to_regclass('_privaci.audit_log') IS NOT NULL,"
    " pg_catalog.to_regclass('_privaci.audit_log_run_id_idx') IS NOT NULL,"
    " pg_catalog.current_database(), current_user";

/* Creation order matters: the runs table before everything that references it. */
static const char *const objects[] = {
    SQL_CREATE_SCHEMA, SQL_SCHEMA_METADATA, SQL_RUNS,      SQL_RUNS_PLAN,
    SQL_RUNS_INDEX,    SQL_CHECKPOINTS,     SQL_AUDIT_LOG, SQL_AUDIT_INDEX,
};
#define N_OBJECTS  (sizeof(objects) / sizeof(objects[0]))
#define COL_DBNAME ((int)N_OBJECTS)
#define COL_ROLE   ((int)N_OBJECTS + 1)

/* ------------------------------------------------------------- version */

pv_error *pv_state_check_version(int version)
{
    if (version <= PV_STATE_SCHEMA_VERSION)
        return NULL;
    return pv_error_new(PV_EXIT_PREFLIGHT, CONTEXT_VERSION,
                        "Pin to the matching engine version or run migrations.",
                        "target was initialized by a newer engine (schema v%d > supported v%d).",
                        version, PV_STATE_SCHEMA_VERSION);
}

static pv_error *version_read_error(void)
{
    return pv_error_new(PV_EXIT_PREFLIGHT, CONTEXT_VERSION,
                        "Verify the target role can read _privaci.schema_metadata.",
                        "The state schema version could not be read.");
}

pv_error *pv_state_read_version(PGconn *conn, int *version)
{
    char state[6];
    *version = 0;
    PGresult *res =
        pv_state_exec(conn, "SELECT pg_catalog.to_regclass('_privaci.schema_metadata') IS NOT NULL",
                      0, NULL, state);
    if (!res)
        return version_read_error();
    bool exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!exists)
        return NULL;
    res = pv_state_exec(conn, "SELECT max(schema_version) FROM _privaci.schema_metadata", 0, NULL,
                        state);
    if (!res)
        return version_read_error();
    if (!PQgetisnull(res, 0, 0))
        *version = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return NULL;
}

/* ------------------------------------------------------------ creation */

static pv_error *creation_error(const char *sqlstate, const char *dbname, const char *role)
{
    if (strcmp(sqlstate, "42501") != 0)
        return pv_error_new(PV_EXIT_GENERIC, CONTEXT_CREATE,
                            "Verify the target role can CREATE SCHEMA and CREATE TABLE.",
                            "The state schema could not be created.");
    pv_strbuf fix = PV_STRBUF_INIT;
    pv_strbuf_append(&fix, "Grant CREATE on the target database, e.g. GRANT CREATE ON DATABASE ");
    pv_ident_append(&fix, dbname);
    pv_strbuf_append(&fix, " TO ");
    pv_ident_append(&fix, role);
    pv_strbuf_append(&fix, ";");
    pv_error *err = pv_error_new(PV_EXIT_PREFLIGHT, CONTEXT_CREATE, fix.data, "%s",
                                 "The target role lacks CREATE privilege on the database.");
    pv_strbuf_free(&fix);
    return err;
}

/* Runs the statements for every object the probe did not find. */
static bool create_missing(PGconn *conn, const PGresult *probe, char sqlstate[6])
{
    for (size_t i = 0; i < N_OBJECTS; i++) {
        if (strcmp(PQgetvalue(probe, 0, (int)i), "t") == 0)
            continue;
        /* A runs table created just now already has the plan column. */
        if (objects[i] == SQL_RUNS_PLAN && strcmp(PQgetvalue(probe, 0, 2), "f") == 0)
            continue;
        if (!pv_state_command(conn, objects[i], 0, NULL, sqlstate))
            return false;
    }
    return true;
}

static pv_error *gate_existing(PGconn *conn)
{
    int version = 0;
    pv_error *err = pv_state_read_version(conn, &version);
    return err ? err : pv_state_check_version(version);
}

/* Everything between BEGIN and COMMIT; the caller rolls back on error. */
static pv_error *ensure_in_transaction(PGconn *conn, const char *engine_version)
{
    char state[6];
    PGresult *probe = pv_state_exec(conn, SQL_PROBE, 0, NULL, state);
    if (!probe)
        return creation_error(state, PQdb(conn), PQuser(conn));
    /* A newer engine's schema is never touched, not even to add a column. */
    pv_error *err = strcmp(PQgetvalue(probe, 0, 1), "t") == 0 ? gate_existing(conn) : NULL;
    if (!err && !create_missing(conn, probe, state))
        err =
            creation_error(state, PQgetvalue(probe, 0, COL_DBNAME), PQgetvalue(probe, 0, COL_ROLE));
    if (!err) {
        char version[16];
        snprintf(version, sizeof(version), "%d", PV_STATE_SCHEMA_VERSION);
        const char *params[2] = {version, engine_version};
        if (!pv_state_command(conn, SQL_METADATA_ROW, 2, params, state))
            err = creation_error(state, PQgetvalue(probe, 0, COL_DBNAME),
                                 PQgetvalue(probe, 0, COL_ROLE));
    }
    PQclear(probe);
    /* First writer wins: gate the row that is there now. */
    return err ? err : gate_existing(conn);
}

pv_error *pv_state_ensure_schema(PGconn *conn, const char *engine_version)
{
    char state[6];
    if (!pv_state_command(conn, "BEGIN", 0, NULL, state))
        return creation_error(state, PQdb(conn), PQuser(conn));
    pv_error *err = ensure_in_transaction(conn, engine_version);
    if (!err && !pv_state_command(conn, "COMMIT", 0, NULL, state))
        err = creation_error(state, PQdb(conn), PQuser(conn));
    if (err)
        pv_state_rollback(conn);
    return err;
}
