/* resume_gate.c — state.md §5.2; see resume_gate.h. */
#include "run/resume_gate.h"

#include "catalog/snapshot.h"
#include "obs/log.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTEXT "Validating resume prerequisites"

/*
 * to_jsonb(r) reads the snapshot and the plan whether or not the row's
 * table has those columns (rows written by the original engine have no
 * `plan`), so one statement serves every state schema of version 1.
 */
static const char SQL_RESUMABLE[] =
    "SELECT r.run_id::text, r.status, r.config_hash, r.source_db_hash, r.salt_fingerprint,"
    " (pg_catalog.to_jsonb(r) -> 'source_schema_snapshot')::text,"
    " (pg_catalog.to_jsonb(r) -> 'plan')::text"
    " FROM _privaci.runs r WHERE r.status IN ('in_progress', 'interrupted', 'failed')"
    " ORDER BY r.started_at DESC, r.run_id DESC";

enum { COL_ID, COL_STATUS, COL_CONFIG, COL_SOURCE, COL_SALT, COL_SNAPSHOT, COL_PLAN };

static pv_error *gate_error(const char *cause, const char *remediation)
{
    return pv_error_new(PV_EXIT_PREFLIGHT, CONTEXT, remediation, "%s", cause);
}

static pv_error *no_run(void)
{
    return gate_error("No incomplete run was found in the target database.",
                      "Start a fresh run with `privaci run`.");
}

static pv_error *read_error(void)
{
    return gate_error("The incomplete runs in _privaci.runs could not be read.",
                      "Ensure the target database is reachable and _privaci is readable.");
}

/* The first mismatch of the newest resumable run, in the order of §5.2. */
static pv_error *mismatch(const PGresult *res, const pv_run_identity *id)
{
    if (strcmp(PQgetvalue(res, 0, COL_CONFIG), id->config_hash) != 0)
        return gate_error("The mask-rules config changed since the incomplete run.",
                          "Restore the original mask-rules.yaml, or keep the new config and "
                          "start a fresh run with `privaci run --force-restart`.");
    if (strcmp(PQgetvalue(res, 0, COL_SOURCE), id->source_db_hash) != 0)
        return gate_error("The source database identity changed since the incomplete run.",
                          "Point --source at the original database, or start a fresh run with "
                          "`privaci run --force-restart`.");
    if (strcmp(PQgetvalue(res, 0, COL_SALT), id->salt_fingerprint) != 0)
        return gate_error("The anonymization salt changed since the incomplete run.",
                          "Restore the original ANONYMIZATION_SALT, or start a fresh run with "
                          "`privaci run --force-restart`.");
    return gate_error("No incomplete run matches the current config, source, and salt.",
                      "Start a fresh run with `privaci run`.");
}

static bool matches(const PGresult *res, int row, const pv_run_identity *id)
{
    return strcmp(PQgetvalue(res, row, COL_CONFIG), id->config_hash) == 0 &&
           strcmp(PQgetvalue(res, row, COL_SOURCE), id->source_db_hash) == 0 &&
           strcmp(PQgetvalue(res, row, COL_SALT), id->salt_fingerprint) == 0;
}

/* A stored JSON column: NULL when absent, SQL NULL or JSON null. */
static json_t *stored_json(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return NULL;
    json_t *v = json_loads(PQgetvalue(res, row, col), JSON_DECODE_ANY, NULL);
    if (v && json_is_null(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

/* ------------------------------------------------------------ drift */

/* What drift ignores (§5.2, ours): row estimates and warnings change without DDL. */
static void normalize(json_t *snapshot)
{
    json_object_del(snapshot, "warnings");
    const char *id;
    json_t *table;
    json_object_foreach(json_object_get(snapshot, "tables"), id, table)
        json_object_del(table, "estimated_rows");
}

/* "public.t (columns, indexes)", "table public.u added", … — identifiers only. */
static void describe_tables(pv_strbuf *sb, json_t *old_tables, json_t *new_tables)
{
    const char *id, *key;
    json_t *old_t, *v;
    json_object_foreach(old_tables, id, old_t)
    {
        json_t *new_t = json_object_get(new_tables, id);
        if (!new_t) {
            pv_strbuf_appendf(sb, "%stable %s removed", sb->len ? "; " : "", id);
            continue;
        }
        if (json_equal(old_t, new_t))
            continue;
        pv_strbuf_appendf(sb, "%s%s (", sb->len ? "; " : "", id);
        bool first = true;
        json_object_foreach(old_t, key, v)
        {
            if (json_equal(v, json_object_get(new_t, key)))
                continue;
            pv_strbuf_appendf(sb, "%s%s", first ? "" : ", ", key);
            first = false;
        }
        pv_strbuf_append(sb, ")");
    }
    json_object_foreach(new_tables, id, v) if (!json_object_get(old_tables, id))
        pv_strbuf_appendf(sb, "%stable %s added", sb->len ? "; " : "", id);
}

static char *describe_drift(json_t *old_snap, json_t *new_snap)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    describe_tables(&sb, json_object_get(old_snap, "tables"), json_object_get(new_snap, "tables"));
    const char *key;
    json_t *v;
    json_object_foreach(old_snap, key, v) if (strcmp(key, "tables") != 0 &&
                                              !json_equal(v, json_object_get(new_snap, key)))
        pv_strbuf_appendf(&sb, "%s%s", sb.len ? "; " : "", key);
    return pv_strbuf_take(&sb);
}

static pv_error *check_drift(json_t *stored, const pv_catalog *cat)
{
    if (!stored) /* a run without a stored snapshot skips the check (§5.2) */
        return NULL;
    json_t *fresh = pv_catalog_snapshot(cat);
    normalize(stored);
    normalize(fresh);
    pv_error *err = NULL;
    if (!json_equal(stored, fresh)) {
        char *what = describe_drift(stored, fresh);
        pv_human("Schema drift: %s", what);
        json_t *f = json_object();
        char *msg = pv_xasprintf("Schema drift: %s", what);
        json_object_set_new(f, "message", json_string(msg));
        pv_event(PV_LOG_WARNING, "log", f);
        free(msg);
        free(what);
        err = gate_error("The source database schema changed since the incomplete run.",
                         "Restore the original source schema and resume, or start a fresh run "
                         "with `privaci run --force-restart` (if the target tables no longer "
                         "match the source, run `privaci run` with on_existing_data: "
                         "drop_create instead).");
    }
    json_decref(fresh);
    return err;
}

/* ------------------------------------------------------------ the gate */

static pv_error *runs_table_exists(PGconn *target, bool *exists)
{
    PGresult *res = PQexec(target, "SELECT pg_catalog.to_regclass('_privaci.runs') IS NOT NULL");
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    *exists = ok && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return ok ? NULL : read_error();
}

static pv_error *select_run(const PGresult *res, const pv_run_identity *id, const pv_catalog *cat,
                            pv_resume_run **out)
{
    int rows = PQntuples(res);
    if (rows == 0)
        return no_run();
    int row = 0;
    while (row < rows && !matches(res, row, id))
        row++;
    if (row == rows)
        return mismatch(res, id);
    json_t *snapshot = stored_json(res, row, COL_SNAPSHOT);
    pv_error *err = check_drift(snapshot, cat);
    json_decref(snapshot);
    if (err)
        return err;
    pv_resume_run *run = pv_xcalloc(1, sizeof(*run));
    snprintf(run->run_id, sizeof(run->run_id), "%s", PQgetvalue(res, row, COL_ID));
    snprintf(run->status, sizeof(run->status), "%s", PQgetvalue(res, row, COL_STATUS));
    run->plan = stored_json(res, row, COL_PLAN);
    *out = run;
    return NULL;
}

pv_error *pv_resume_gate(PGconn *target, const pv_run_identity *id, const pv_catalog *cat,
                         pv_resume_run **out)
{
    *out = NULL;
    int version = 0;
    pv_error *err = pv_state_read_version(target, &version);
    if (!err)
        err = pv_state_check_version(version);
    bool exists = false;
    if (!err)
        err = runs_table_exists(target, &exists);
    if (err || !exists)
        return err ? err : no_run();
    PGresult *res = PQexec(target, SQL_RESUMABLE);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        PQclear(res);
        return read_error();
    }
    err = select_run(res, id, cat, out);
    PQclear(res);
    return err;
}

void pv_resume_run_free(pv_resume_run *run)
{
    if (!run)
        return;
    json_decref(run->plan);
    free(run);
}

const char *pv_resume_plan_action(const pv_resume_run *run, const char *table_id,
                                  const char *column)
{
    json_t *tables = run && run->plan ? json_object_get(run->plan, "tables") : NULL;
    json_t *col = json_object_get(json_object_get(tables, table_id), column);
    return json_string_value(json_object_get(json_object_get(col, "action"), "action"));
}
