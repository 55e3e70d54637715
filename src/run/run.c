/*
 * run.c — `privaci run` (overview.md §4): a fresh run. What it shares with
 * `resume` (units, workers, retries, DDL phases, the run's end) lives in
 * lifecycle.c; this file holds what only a fresh run does — the run row
 * insert with run.start, on_existing_data,
 * schema.cloned and the catalog audit rows — and the order of the steps.
 */
#include "run/run.h"

#include "catalog/snapshot.h"
#include "obs/log.h"
#include "run/lifecycle.h"
#include "run/signals.h"
#include "util/strbuf.h"

#include <stdlib.h>

/* ------------------------------------------------------------ steps */

static pv_error *insert_run_row(pv_lifecycle *lc, size_t *failed)
{
    (void)failed;
    pv_error *err = pv_state_ensure_schema(lc->pf->target, PRIVACI_VERSION);
    if (err)
        return err;
    char config_hash[65];
    pv_config_hash(lc->in.cfg, config_hash);
    pv_run_identity id = {PRIVACI_VERSION, config_hash, lc->in.salt_fingerprint,
                          lc->pf->source_db_hash};
    char *snapshot = pv_catalog_snapshot_text(lc->pf->catalog);
    json_t *plan = pv_run_plan_json(lc->pf->plan, lc->in.cfg);
    err = pv_state_run_insert(lc->pf->target, &id, snapshot, plan, lc->run_id);
    free(snapshot);
    json_decref(plan);
    if (err)
        return err;
    pv_lc_row_ready(lc);
    json_t *f = json_object();
    json_object_set_new(f, "engine_version", json_string(PRIVACI_VERSION));
    json_object_set_new(f, "config_hash", json_string(config_hash));
    json_object_set_new(f, "salt_fingerprint", json_string(lc->in.salt_fingerprint));
    json_object_set_new(f, "source_db_hash", json_string(lc->pf->source_db_hash));
    json_object_set_new(f, "commercial_layer_present", json_false());
    pv_event(PV_LOG_INFO, "run.start", f);
    return NULL;
}

static pv_error *existing_policy(pv_lifecycle *lc, size_t *failed)
{
    (void)failed;
    return pv_schema_apply_existing_policy(
        lc->schema, lc->pf->target, pv_schema_existing_mode(lc->in.cfg, lc->opts->force_restart),
        pv_lc_audit, lc);
}

/* Step 12: what a fresh run reports once the tables exist. */
static pv_error *announce_schema(pv_lifecycle *lc, size_t *failed)
{
    (void)failed;
    pv_schema_emit_cloned(&lc->report);
    pv_error *err = pv_schema_record_skipped(lc->schema, pv_lc_audit, lc);
    if (!err)
        err = pv_run_plan_audit_findings(lc->pf->plan, lc->pf->target, &lc->audit);
    if (!err)
        pv_preflight_emit_relationship_events(lc->pf->catalog);
    return err;
}

/* Steps 7–16 once pre-flight passed. */
static const pv_lc_step RUN_STEPS[] = {
    insert_run_row, pv_lc_dump,      existing_policy,
    pv_lc_pre_data, announce_schema, pv_lc_finalize_unstreamed,
    pv_lc_stream,   pv_lc_post_data,
};

pv_error *pv_run(const pv_run_opts *opts, int *exit_code)
{
    pv_signals_install();
    pv_lifecycle lc;
    pv_lc_init(&lc, opts);
    pv_error *err = pv_lc_preflight(&lc, PV_PREFLIGHT_RUN);
    size_t failed = 0;
    if (!err)
        err = pv_lc_execute(&lc, RUN_STEPS, sizeof(RUN_STEPS) / sizeof(RUN_STEPS[0]), &failed);
    if (!lc.row_exists) {
        if (!err && lc.interrupted)
            err = pv_signals_error();
        pv_lc_free(&lc);
        return err;
    }
    *exit_code = pv_lc_conclude(&lc, err, failed, "succeeded");
    pv_lc_free(&lc);
    return NULL;
}
