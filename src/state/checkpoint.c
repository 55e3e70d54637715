/*
 * checkpoint.c — `_privaci.table_checkpoints` (state.md §2.3,
 * streaming.md §6). The statements run in the caller's transaction, so a
 * batch's rows and its checkpoint commit together.
 */
#include "state/state.h"

#include "state/pgexec.h"
#include "util/xalloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTEXT_WRITE    "Writing a table checkpoint"
#define CONTEXT_FINALIZE "Finalizing a table checkpoint"

static const char SQL_FINALIZE[] =
    "UPDATE _privaci.table_checkpoints SET status = 'done',"
    " rows_processed = rows_processed + $4::bigint, last_update_at = now()"
    " WHERE run_id = $1::uuid AND schema_name = $2 AND table_name = $3";

/* The failed status without touching the cursor or the count. */
static const char SQL_FAIL[] = "INSERT INTO _privaci.table_checkpoints AS c"
                               " (run_id, schema_name, table_name, status, last_update_at)"
                               " VALUES ($1::uuid, $2, $3, 'failed', now())"
                               " ON CONFLICT (run_id, schema_name, table_name) DO UPDATE SET"
                               " status = 'failed', last_update_at = now()";

static const char SQL_LOAD[] =
    "SELECT schema_name, table_name, status, last_pk_value, rows_processed"
    " FROM _privaci.table_checkpoints WHERE run_id = $1::uuid ORDER BY schema_name, table_name";

const char *pv_checkpoint_status_name(pv_checkpoint_status status)
{
    switch (status) {
    case PV_CKPT_IN_PROGRESS:
        return "in_progress";
    case PV_CKPT_DONE:
        return "done";
    case PV_CKPT_FAILED:
        return "failed";
    default:
        return "pending";
    }
}

static pv_checkpoint_status status_from_name(const char *name)
{
    static const pv_checkpoint_status all[] = {PV_CKPT_PENDING, PV_CKPT_IN_PROGRESS, PV_CKPT_DONE,
                                               PV_CKPT_FAILED};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (strcmp(name, pv_checkpoint_status_name(all[i])) == 0)
            return all[i];
    return PV_CKPT_PENDING;
}

static pv_error *write_error(void)
{
    return pv_error_new(PV_EXIT_GENERIC, CONTEXT_WRITE,
                        "Ensure the _privaci schema exists and the run row exists.",
                        "The checkpoint row could not be written.");
}

char *pv_state_checkpoint_upsert_sql(PGconn *conn, const char *run_id, const char *schema,
                                     const char *table, pv_checkpoint_status status,
                                     const char *cursor, int64_t rows_delta)
{
    const char *values[5] = {run_id, schema, table, pv_checkpoint_status_name(status), cursor};
    char *lit[5] = {0};
    bool ok = true;
    for (int i = 0; i < 5; i++)
        if (values[i] && !(lit[i] = PQescapeLiteral(conn, values[i], strlen(values[i]))))
            ok = false;
    char *sql = NULL;
    if (ok)
        sql = pv_xasprintf("INSERT INTO _privaci.table_checkpoints AS c"
                           " (run_id, schema_name, table_name, status, last_pk_value,"
                           " rows_processed, last_update_at)"
                           " VALUES (%s::uuid, %s, %s, %s, %s, %" PRId64 ", now())"
                           " ON CONFLICT (run_id, schema_name, table_name) DO UPDATE SET"
                           " status = EXCLUDED.status, last_pk_value = EXCLUDED.last_pk_value,"
                           " rows_processed = c.rows_processed + EXCLUDED.rows_processed,"
                           " last_update_at = now()",
                           lit[0], lit[1], lit[2], lit[3], lit[4] ? lit[4] : "NULL", rows_delta);
    for (int i = 0; i < 5; i++)
        PQfreemem(lit[i]);
    return sql;
}

pv_error *pv_state_checkpoint_upsert(PGconn *conn, const char *run_id, const char *schema,
                                     const char *table, pv_checkpoint_status status,
                                     const char *cursor, int64_t rows_delta)
{
    char state[6];
    char *sql =
        pv_state_checkpoint_upsert_sql(conn, run_id, schema, table, status, cursor, rows_delta);
    bool ok = sql && pv_state_command(conn, sql, 0, NULL, state);
    free(sql);
    return ok ? NULL : write_error();
}

pv_error *pv_state_checkpoint_finalize(PGconn *conn, const char *run_id, const char *schema,
                                       const char *table, int64_t rows_delta)
{
    static const char fix[] = "Ensure streaming wrote an initial checkpoint before marking done.";
    char rows[24], state[6];
    snprintf(rows, sizeof(rows), "%" PRId64, rows_delta);
    const char *params[4] = {run_id, schema, table, rows};
    PGresult *res = pv_state_exec(conn, SQL_FINALIZE, 4, params, state);
    if (!res)
        return pv_error_new(PV_EXIT_GENERIC, CONTEXT_FINALIZE, fix,
                            "The checkpoint row could not be updated.");
    bool one = strcmp(PQcmdTuples(res), "1") == 0;
    PQclear(res);
    if (one)
        return NULL;
    return pv_error_new(PV_EXIT_GENERIC, CONTEXT_FINALIZE, fix,
                        "No checkpoint row matched table '%s.%s'.", schema, table);
}

pv_error *pv_state_checkpoint_fail(PGconn *conn, const char *run_id, const char *schema,
                                   const char *table)
{
    char state[6];
    const char *params[3] = {run_id, schema, table};
    return pv_state_command(conn, SQL_FAIL, 3, params, state) ? NULL : write_error();
}

pv_error *pv_state_checkpoints_load(PGconn *conn, const char *run_id, pv_checkpoint **rows,
                                    size_t *n)
{
    char state[6];
    const char *params[1] = {run_id};
    *rows = NULL;
    *n = 0;
    PGresult *res = pv_state_exec(conn, SQL_LOAD, 1, params, state);
    if (!res)
        return pv_error_new(PV_EXIT_GENERIC, "Reading table checkpoints",
                            "Ensure the _privaci schema exists and is readable.",
                            "The checkpoint rows could not be read.");
    int count = PQntuples(res);
    *rows = pv_xcalloc(count ? (size_t)count : 1, sizeof(**rows));
    for (int i = 0; i < count; i++) {
        pv_checkpoint *c = &(*rows)[i];
        c->schema_name = pv_xstrdup(PQgetvalue(res, i, 0));
        c->table_name = pv_xstrdup(PQgetvalue(res, i, 1));
        c->status = status_from_name(PQgetvalue(res, i, 2));
        c->last_pk_value = PQgetisnull(res, i, 3) ? NULL : pv_xstrdup(PQgetvalue(res, i, 3));
        c->rows_processed = strtoll(PQgetvalue(res, i, 4), NULL, 10);
    }
    *n = (size_t)count;
    PQclear(res);
    return NULL;
}

void pv_state_checkpoints_free(pv_checkpoint *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].schema_name);
        free(rows[i].table_name);
        free(rows[i].last_pk_value);
    }
    free(rows);
}
