/*
 * runs.c — the `_privaci.runs` row of a run (state.md §2.2, §5.1): insert
 * with fingerprints, snapshot and plan; phase markers; the terminal update;
 * re-opening on resume.
 */
#include "state/state.h"

#include "state/pgexec.h"
#include "util/canonjson.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define CONTEXT_START "Recording run start in _privaci.runs"
#define CONTEXT_END   "Recording run completion in _privaci.runs"

static const char SQL_INSERT[] =
    "INSERT INTO _privaci.runs (run_id, status, engine_version, config_hash, salt_fingerprint,"
    " source_db_hash, source_schema_snapshot, plan)"
    " VALUES ($1::uuid, 'in_progress', $2, $3, $4, $5, $6::jsonb, $7::jsonb)";

/* `summary || …` keeps the keys written before (the phase survives the end). */
static const char SQL_PHASE[] =
    "UPDATE _privaci.runs SET summary = COALESCE(summary, '{}'::jsonb)"
    " || pg_catalog.jsonb_build_object('phase', $2::text) WHERE run_id = $1::uuid";

static const char SQL_FINISH[] =
    "UPDATE _privaci.runs SET status = $2, ended_at = now(),"
    " summary = COALESCE(summary, '{}'::jsonb) || $3::jsonb WHERE run_id = $1::uuid";

static const char SQL_REOPEN[] = "UPDATE _privaci.runs SET status = 'in_progress', ended_at = NULL"
                                 " WHERE run_id = $1::uuid";

const char *pv_run_status_name(pv_run_status status)
{
    switch (status) {
    case PV_RUN_SUCCEEDED:
        return "succeeded";
    case PV_RUN_FAILED:
        return "failed";
    case PV_RUN_INTERRUPTED:
        return "interrupted";
    default:
        return "in_progress";
    }
}

static pv_error *start_error(void)
{
    return pv_error_new(PV_EXIT_GENERIC, CONTEXT_START,
                        "Ensure the _privaci schema exists and is writable.",
                        "The run row could not be inserted.");
}

static pv_error *end_error(void)
{
    return pv_error_new(PV_EXIT_GENERIC, CONTEXT_END, "Ensure the run row exists and is writable.",
                        "The run row could not be updated.");
}

pv_error *pv_state_run_insert(PGconn *conn, const pv_run_identity *identity,
                              const char *snapshot_text, const json_t *plan,
                              char run_id[PV_UUID_TEXT_LEN])
{
    if (pv_uuid7_generate(run_id) != 0)
        return start_error();
    char *plan_text = plan ? pv_canonjson_dump(plan) : NULL;
    const char *params[7] = {run_id,
                             identity->engine_version,
                             identity->config_hash,
                             identity->salt_fingerprint,
                             identity->source_db_hash,
                             snapshot_text,
                             plan_text};
    char state[6];
    bool ok = pv_state_command(conn, SQL_INSERT, 7, params, state);
    free(plan_text);
    if (ok)
        return NULL;
    run_id[0] = '\0';
    return start_error();
}

/* Runs an UPDATE of the run row; exactly one row must match. */
static pv_error *update_run(PGconn *conn, const char *sql, int n, const char *const *params)
{
    char state[6];
    PGresult *res = pv_state_exec(conn, sql, n, params, state);
    if (!res)
        return end_error();
    bool one = strcmp(PQcmdTuples(res), "1") == 0;
    PQclear(res);
    return one ? NULL : end_error();
}

pv_error *pv_state_run_set_phase(PGconn *conn, const char *run_id, const char *phase)
{
    const char *params[2] = {run_id, phase};
    return update_run(conn, SQL_PHASE, 2, params);
}

pv_error *pv_state_run_finish(PGconn *conn, const char *run_id, pv_run_status status,
                              const json_t *summary)
{
    char *summary_text = summary ? pv_canonjson_dump(summary) : pv_xstrdup("{}");
    const char *params[3] = {run_id, pv_run_status_name(status), summary_text};
    pv_error *err = update_run(conn, SQL_FINISH, 3, params);
    free(summary_text);
    return err;
}

pv_error *pv_state_run_reopen(PGconn *conn, const char *run_id)
{
    const char *params[1] = {run_id};
    return update_run(conn, SQL_REOPEN, 1, params);
}
