/*
 * resume.c — `privaci resume` (cli.md §3.3, state.md §5.2, streaming.md
 * §1, §6): continue the newest incomplete run from its checkpoints.
 *
 * Pre-flight runs in resume mode (run lock with a 30 s wait, the gate and
 * the drift check, no on_existing_data). Then, in one transaction, the run
 * row is re-opened and its checkpoints loaded. The lifecycle steps follow
 * as in a fresh run, minus what a resume never repeats (run.start,
 * on_existing_data, schema.cloned, catalog audit rows): pre-data again
 * (idempotent), the §7.1 strip when units remain, finalized tables not yet
 * done, the units — done ones skipped, the others continued after their
 * cursor or, without a single-column key, from scratch — then post-data
 * and sequences for every in-scope table.
 *
 * The plan: each unit follows the plan stored in the run row (masking.md
 * §1). In this build every column of a streamed table is passthrough —
 * the run itself was refused otherwise — so the stored plan decides two
 * things only, and both explicitly: that nothing needs masking (a stored
 * plan asking for a masking action is refused, never copied through), and
 * whether a unit's cursor is encrypted (§6.1: only for a masked PK; here
 * always clear text).
 */
#include "run/run.h"

#include "obs/log.h"
#include "run/lifecycle.h"
#include "run/retry.h"
#include "run/signals.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ the stored plan */

/*
 * masking.md §1: a resumed run masks exactly as it started. The plan is
 * resolved afresh from the same config (the gate compared config_hash) and
 * must equal the stored one; it can only differ when what auto-detect and
 * FK groups read changed in between (pg_stats, pattern or faker data). Then
 * resume refuses rather than mask the rest of a table differently. A run
 * row without a stored plan (the original's) uses the fresh plan.
 */
static pv_error *check_stored_plan(const pv_lifecycle *lc)
{
    const pv_resume_run *run = lc->pf->resume;
    if (!run->plan)
        return NULL;
    json_t *fresh = pv_run_plan_json(lc->pf->plan, lc->in.cfg);
    bool same = json_equal(fresh, run->plan);
    json_decref(fresh);
    if (same)
        return NULL;
    return pv_error_new(PV_EXIT_PREFLIGHT, "Resuming a run",
                        "Start a fresh run with `privaci run --force-restart`.",
                        "The masking plan resolved now differs from the plan the run started "
                        "with (auto-detect statistics, pattern or faker data changed); resuming "
                        "would mask the remaining rows differently.");
}

/* ------------------------------------------------------------ re-opening */

/* state.md §5.2: status back to in_progress and the checkpoints, in one transaction. */
static pv_error *reopen(pv_lifecycle *lc)
{
    PGconn *target = lc->pf->target;
    const char *run_id = lc->pf->resume->run_id;
    PGresult *res = PQexec(target, "BEGIN");
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    pv_error *err = ok ? NULL
                       : pv_error_new(PV_EXIT_GENERIC, "Recording run completion in _privaci.runs",
                                      "Ensure the run row exists and is writable.",
                                      "The run row could not be updated.");
    if (!err)
        err = pv_state_run_reopen(target, run_id);
    if (!err)
        err = pv_state_checkpoints_load(target, run_id, &lc->checkpoints, &lc->n_checkpoints);
    if (!err) {
        res = PQexec(target, "COMMIT");
        ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
        if (!ok)
            err = pv_error_new(PV_EXIT_GENERIC, "Recording run completion in _privaci.runs",
                               "Ensure the run row exists and is writable.",
                               "The run row could not be updated.");
    }
    if (err) {
        if (PQtransactionStatus(target) != PQTRANS_IDLE)
            PQclear(PQexec(target, "ROLLBACK"));
        pv_state_checkpoints_free(lc->checkpoints, lc->n_checkpoints);
        lc->checkpoints = NULL;
        lc->n_checkpoints = 0;
        return err;
    }
    memcpy(lc->run_id, run_id, sizeof(lc->run_id));
    lc->resuming = true;
    pv_lc_row_ready(lc);
    int with_progress = 0;
    for (size_t i = 0; i < lc->n_checkpoints; i++)
        with_progress += lc->checkpoints[i].status != PV_CKPT_DONE;
    json_t *f = json_object();
    json_object_set_new(f, "message", json_string("Resuming run"));
    json_object_set_new(f, "status", json_string(lc->pf->resume->status));
    json_object_set_new(f, "tables_with_progress", json_integer(with_progress));
    pv_event(PV_LOG_INFO, "log", f);
    return NULL;
}

/* ------------------------------------------------------------ units */

static void emit_table_event(pv_log_level level, const char *event, const char *table_id,
                             const char *key, json_t *value)
{
    json_t *f = json_object();
    json_object_set_new(f, "table", json_string(table_id));
    json_object_set_new(f, key, value);
    pv_event(level, event, f);
}

/*
 * Whether the source accepts the stored cursor as a value of the key's
 * type (streaming.md §6.1: cursors of the original engine such as `b'…'`
 * do not parse). Runs under a savepoint: the coordinator's transaction
 * holds the run's snapshot and must survive a failed cast.
 */
static bool cursor_parses(PGconn *source, const pv_unit *u)
{
    PGresult *res = PQexec(source, "SAVEPOINT privaci_cursor");
    bool usable = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!usable) /* the connection's own trouble: the stream reports it, the cursor stays */
        return true;
    const pv_stream_column *pk = &u->columns[u->stream.pk_column];
    char *sql = pv_xasprintf("SELECT $1::%s", pk->type_name);
    const char *params[1] = {u->cursor};
    res = PQexecParams(source, sql, 1, NULL, params, NULL, NULL, 0);
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    PQclear(res);
    free(sql);
    PQclear(PQexec(source, ok ? "RELEASE SAVEPOINT privaci_cursor"
                              : "ROLLBACK TO SAVEPOINT privaci_cursor"));
    return ok;
}

/*
 * streaming.md §6.1: a cursor that cannot be read back — the key's type
 * does not parse it, or (sealed) it does not decrypt — restarts the unit
 * from scratch (empty_fresh_units empties its table), with a warning that
 * names the table and the reason, never the stored text.
 */
static void restart_unit(pv_unit *u, const char *why)
{
    pv_human("Warning: the checkpoint cursor of %s cannot be read back; the table is truncated "
             "and loaded again.",
             u->table->id);
    char *msg = pv_xasprintf("The checkpoint cursor of %s cannot be read back (%s); the table "
                             "is truncated and loaded again.",
                             u->table->id, why);
    json_t *f = json_object();
    json_object_set_new(f, "code", json_string("cursor_unreadable"));
    json_object_set_new(f, "message", json_string(msg));
    json_object_set_new(f, "table_id", json_string(u->table->id));
    pv_event(PV_LOG_WARNING, "warning", f);
    free(msg);
    free(u->cursor);
    u->cursor = NULL;
}

/* streaming.md §1: done units skipped, failed ones retried, the rest continued. */
static pv_error *apply_checkpoint(pv_lifecycle *lc, pv_unit *u)
{
    const char *pk_action = u->stream.pk_column >= 0
                                ? pv_resume_plan_action(lc->pf->resume, u->governing->id,
                                                        u->columns[u->stream.pk_column].name)
                                : NULL;
    if (pk_action) {
        u->stream.cursor_encrypted = strcmp(pk_action, "passthrough") != 0;
    }
    const pv_checkpoint *ck = pv_lc_checkpoint(lc, u->table->schema, u->table->name);
    if (!ck)
        return NULL; /* never started: from scratch */
    if (ck->status == PV_CKPT_DONE) {
        u->skip = true;
        emit_table_event(PV_LOG_INFO, "table.skip", u->table->id, "reason",
                         json_string("checkpoint_done"));
        return NULL;
    }
    if (ck->status == PV_CKPT_FAILED)
        emit_table_event(PV_LOG_WARNING, "table.retry", u->table->id, "rows_processed",
                         json_integer(ck->rows_processed));
    if (u->stream.pk_column < 0)
        return NULL; /* §6.2: its one transaction left nothing; the stream truncates first */
    pv_error *err = pv_cursor_open(ck->last_pk_value, u->stream.cursor_encrypted, lc->in.salt,
                                   u->table->id, &u->cursor);
    if (err) /* sealed, and corrupt: the gate already matched the salt */
        restart_unit(u, "it does not decrypt");
    else if (u->cursor && !cursor_parses(lc->pf->source, u))
        restart_unit(u, "it is not a value of the key's type");
    pv_error_free(err);
    return NULL;
}

static pv_error *plan_units(pv_lifecycle *lc, size_t *failed)
{
    (void)failed;
    pv_lc_build_units(lc);
    pv_error *err = NULL;
    for (size_t i = 0; !err && i < lc->n_units; i++)
        err = apply_checkpoint(lc, &lc->units[i]);
    return err;
}

/*
 * After pre-data (the tables exist): a single-key unit without a cursor
 * starts from scratch, so its table must be empty — no batch of this run
 * committed into it. (§6.2 units truncate inside their own transaction.)
 */
static pv_error *empty_fresh_units(pv_lifecycle *lc, size_t *failed)
{
    (void)failed;
    pv_error *err = NULL;
    for (size_t i = 0; !err && i < lc->n_units; i++) {
        const pv_unit *u = &lc->units[i];
        if (!u->skip && u->stream.pk_column >= 0 && !u->cursor)
            err = pv_lc_truncate(lc, u->table);
    }
    return err;
}

/* catalog-and-schema.md §7.1: units to load need the target tables bare. */
static pv_error *strip_if_loading(pv_lifecycle *lc, size_t *failed)
{
    (void)failed;
    bool remaining = false;
    for (size_t i = 0; i < lc->n_units && !remaining; i++)
        remaining = !lc->units[i].skip;
    if (!remaining)
        return NULL;
    return pv_schema_apply_existing_policy(lc->schema, lc->pf->target, PV_SCHEMA_EXISTING_STRIP,
                                           pv_lc_audit, lc);
}

static const pv_lc_step RESUME_STEPS[] = {
    pv_lc_dump,        plan_units,   strip_if_loading, pv_lc_pre_data, pv_lc_finalize_unstreamed,
    empty_fresh_units, pv_lc_stream, pv_lc_post_data,
};

pv_error *pv_resume(const pv_run_opts *opts, int *exit_code)
{
    pv_signals_install();
    pv_lifecycle lc;
    pv_lc_init(&lc, opts);
    pv_error *err = pv_lc_preflight(&lc, PV_PREFLIGHT_RESUME);
    if (!err)
        err = check_stored_plan(&lc);
    if (!err && pv_signals_interrupted())
        err = pv_signals_error();
    if (!err)
        err = reopen(&lc);
    size_t failed = 0;
    if (!err)
        err = pv_lc_execute(&lc, RESUME_STEPS, sizeof(RESUME_STEPS) / sizeof(RESUME_STEPS[0]),
                            &failed);
    if (!lc.row_exists) {
        pv_lc_free(&lc);
        return err;
    }
    *exit_code = pv_lc_conclude(&lc, err, failed, "resumed");
    pv_lc_free(&lc);
    return NULL;
}
