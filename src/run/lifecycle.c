/*
 * lifecycle.c — the steps `run` and `resume` share (overview.md §4); see
 * lifecycle.h. The coordinator owns the pre-flight's two connections (the
 * source one holds the exported snapshot, the target one the run lock) and
 * the run row; streaming units run on worker threads with connections of
 * their own.
 */
#include "run/lifecycle.h"

#include "obs/log.h"
#include "obs/progress.h"
#include "run/retry.h"
#include "run/signals.h"
#include "util/ident.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEFAULT_JOBS 8

/* A unit's retries ran out: a run error (streaming.md §8.2), the other units stop. */
static atomic_bool run_aborted;

/*
 * What the second-signal hook needs, copied so that it never reads the
 * lifecycle while the main thread frees it; hook_lock is held while the
 * hook runs, and pv_lc_free takes it before freeing, so a hook already
 * running ends the process first.
 */
static pthread_mutex_t hook_lock = PTHREAD_MUTEX_INITIALIZER;
static char *hook_target;
static char hook_run_id[PV_UUID_TEXT_LEN];

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int default_jobs(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus < 1 ? 1 : cpus > MAX_DEFAULT_JOBS ? MAX_DEFAULT_JOBS : (int)cpus;
}

static bool stop_requested(void)
{
    return pv_signals_interrupted() || atomic_load(&run_aborted);
}

/* ------------------------------------------------------------ set-up */

void pv_lc_init(pv_lifecycle *lc, const pv_run_opts *opts)
{
    memset(lc, 0, sizeof(*lc));
    lc->opts = opts;
    pthread_mutex_init(&lc->lock, NULL);
    atomic_store(&run_aborted, false);
}

static void free_hook_copy(void)
{
    if (hook_target) {
        memset(hook_target, 0, strlen(hook_target)); /* it may carry a password */
        free(hook_target);
        hook_target = NULL;
    }
}

void pv_lc_free(pv_lifecycle *lc)
{
    pv_signals_set_abort_hook(NULL, NULL);
    pthread_mutex_lock(&hook_lock);
    free_hook_copy();
    pthread_mutex_unlock(&hook_lock);
    for (size_t i = 0; i < lc->n_units; i++) {
        for (size_t c = 0; lc->units[i].mask_paths && c < lc->units[i].table->n_columns; c++)
            free(lc->units[i].mask_paths[c]);
        free(lc->units[i].mask_paths);
        free(lc->units[i].masks);
        free(lc->units[i].columns);
        free(lc->units[i].cursor);
        pv_error_free(lc->units[i].error);
    }
    free(lc->units);
    pv_state_checkpoints_free(lc->checkpoints, lc->n_checkpoints);
    pv_schema_plan_free(lc->schema);
    pv_preflight_free(lc->pf);
    pv_run_inputs_free(&lc->in);
    pthread_mutex_destroy(&lc->lock);
}

pv_error *pv_lc_preflight(pv_lifecycle *lc, pv_preflight_mode mode)
{
    const pv_run_opts *opts = lc->opts;
    pv_error *err = pv_run_inputs_load(opts->config_path, opts->source_flag, opts->target_flag,
                                       NULL, NULL, &lc->in);
    if (err)
        return err;
    bool strict =
        opts->strict_override >= 0 ? opts->strict_override : lc->in.cfg->strict_autodetect;
    pv_preflight_opts pre = {.mode = mode,
                             .cfg = lc->in.cfg,
                             .source_url = lc->in.source,
                             .target_url = lc->in.target,
                             .force_restart = opts->force_restart,
                             .strict_autodetect = strict,
                             .salt_fingerprint = lc->in.salt_fingerprint};
    return pv_preflight_run(&pre, &lc->pf);
}

/*
 * Second signal (streaming.md §11): mark the run interrupted on a fresh,
 * time-bounded connection — the coordinator's may be busy in another
 * thread — and say so; the watcher exits 130 right after.
 */
static void mark_interrupted(void *ud)
{
    (void)ud;
    pthread_mutex_lock(&hook_lock);
    if (hook_target) {
        /* Keywords after dbname override what the URL says. */
        const char *const kw[] = {"dbname", "connect_timeout", "options", "application_name", NULL};
        const char *const val[] = {
            hook_target, "2", "-c statement_timeout=2000 -c lock_timeout=1000", "privaci", NULL};
        PGconn *conn = PQconnectdbParams(kw, val, 1);
        if (PQstatus(conn) == CONNECTION_OK) {
            const char *params[1] = {hook_run_id};
            PQclear(PQexecParams(conn,
                                 "UPDATE _privaci.runs SET status = 'interrupted', ended_at = "
                                 "now() WHERE run_id = $1::uuid AND status = 'in_progress'",
                                 1, NULL, params, NULL, NULL, 0));
        }
        PQfinish(conn);
    }
    pv_error *err = pv_error_new(PV_EXIT_INTERRUPTED, "Streaming masked rows",
                                 "Resume with `privaci resume` after fixing the issue.",
                                 "Interrupted by signal (SIGINT/SIGTERM).");
    pv_error_print(err, stderr);
    pv_error_free(err);
}

void pv_lc_row_ready(pv_lifecycle *lc)
{
    lc->row_exists = true;
    lc->started = now_seconds();
    pv_log_set_run_id(lc->run_id);
    pv_audit_log_init(&lc->audit, lc->run_id, lc->in.cfg->audit_log && !lc->opts->no_audit_table);
    pthread_mutex_lock(&hook_lock);
    free_hook_copy();
    hook_target = pv_xstrdup(lc->in.target);
    memcpy(hook_run_id, lc->run_id, sizeof(hook_run_id));
    pthread_mutex_unlock(&hook_lock);
    pv_signals_set_abort_hook(mark_interrupted, NULL);
}

pv_error *pv_lc_audit(void *ud, const char *event_type, const char *schema_name,
                      const char *table_name, const json_t *payload)
{
    pv_lifecycle *lc = ud;
    return pv_state_audit(lc->pf->target, &lc->audit, event_type, schema_name, table_name, NULL,
                          payload);
}

pv_error *pv_lc_phase(pv_lifecycle *lc, const char *name)
{
    return pv_state_run_set_phase(lc->pf->target, lc->run_id, name);
}

pv_error *pv_lc_truncate(pv_lifecycle *lc, const pv_table *t)
{
    pv_strbuf sql = PV_STRBUF_INIT;
    pv_strbuf_append(&sql, t->is_partitioned ? "TRUNCATE " : "TRUNCATE ONLY ");
    pv_ident_append_qualified(&sql, t->schema, t->name);
    PGresult *res = PQexec(lc->pf->target, sql.data);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    pv_strbuf_free(&sql);
    if (ok)
        return NULL;
    return pv_error_new(PV_EXIT_GENERIC, "Replicating schema to the target database",
                        "Verify the target database is reachable and writable, then resume.",
                        "Table %s could not be truncated.", t->id);
}

const pv_checkpoint *pv_lc_checkpoint(const pv_lifecycle *lc, const char *schema, const char *table)
{
    for (size_t i = 0; i < lc->n_checkpoints; i++)
        if (strcmp(lc->checkpoints[i].schema_name, schema) == 0 &&
            strcmp(lc->checkpoints[i].table_name, table) == 0)
            return &lc->checkpoints[i];
    return NULL;
}

/* ------------------------------------------------------------ units */

static int column_index(const pv_stream_unit *u, const char *name)
{
    for (int i = 0; i < u->n_columns; i++)
        if (strcmp(u->columns[i].name, name) == 0)
            return i;
    return -1;
}

static const pv_plan_column *plan_column(const pv_plan_table *pt, const char *name)
{
    for (size_t c = 0; c < pt->n_columns; c++)
        if (strcmp(pt->columns[c].column->name, name) == 0)
            return &pt->columns[c];
    return NULL;
}

/* Whether the plan masks the PK column (streaming.md §6.1 cursor encryption). */
static bool pk_masked(const pv_plan_table *pt, const char *pk)
{
    const pv_plan_column *pc = plan_column(pt, pk);
    return pc && pc->action != PV_ACT_PASSTHROUGH;
}

/*
 * The masker's view of a column's plan entry (masking.md §1): the config
 * table's column path (the parent's for a partition child), hash path,
 * unique/fpe flags and the column type's codec facts.
 */
static void mask_spec_init(pv_mask_spec *spec, char **path, const pv_catalog *cat,
                           const pv_plan_table *pt, const pv_plan_column *pc, const pv_column *c)
{
    const pv_action *a = pv_plan_column_action(pc);
    *path = pv_xasprintf("%s.%s", pt->table->id, c->name);
    *spec = (pv_mask_spec){
        .kind = pc->action,
        .action = a,
        .column_path = *path,
        .hash_path = pc->hash_path,
        .provider =
            (pc->action == PV_ACT_FAKE || pc->action == PV_ACT_PSEUDONYM) && a ? a->provider : NULL,
        .unique = pc->unique,
        .fpe = pc->fpe,
        .type = pv_catalog_type_info(cat, c->type_oid),
        .declared_type = c->domain_base ? c->domain_base : c->data_type,
    };
}

static void unit_init(pv_unit *u, const pv_catalog *cat, const pv_table *t,
                      const pv_table *governing, const pv_plan_table *pt, int64_t batch_rows)
{
    u->table = t;
    u->governing = governing;
    size_t cap = t->n_columns ? t->n_columns : 1;
    u->columns = pv_xcalloc(cap, sizeof(*u->columns));
    u->masks = pv_xcalloc(cap, sizeof(*u->masks));
    u->mask_paths = pv_xcalloc(cap, sizeof(*u->mask_paths));
    int n = 0;
    for (size_t i = 0; i < t->n_columns; i++) {
        const pv_column *c = &t->columns[i];
        if (c->generated_expr) /* the target recomputes generated columns */
            continue;
        pv_stream_column *sc = &u->columns[n];
        *sc = (pv_stream_column){.name = c->name,
                                 .type_name = c->data_type,
                                 .type_oid = c->type_oid,
                                 .binary_io = c->has_binary_io};
        const pv_plan_column *pc = plan_column(pt, c->name);
        if (pc && pc->action != PV_ACT_PASSTHROUGH) {
            mask_spec_init(&u->masks[n], &u->mask_paths[n], cat, pt, pc, c);
            sc->mask = &u->masks[n];
        } else {
            sc->passthrough_source = pv_plan_source_name(pc ? pc->source : PV_SOURCE_DEFAULT);
        }
        n++;
    }
    u->stream = (pv_stream_unit){.schema = t->schema,
                                 .table = t->name,
                                 .columns = u->columns,
                                 .n_columns = n,
                                 .pk_column = -1,
                                 .batch_rows = batch_rows,
                                 .estimated_rows = t->estimated_rows};
    /* Children carry their parent's key; fall back to it when they don't. */
    const pv_strlist *pk = t->primary_key.n ? &t->primary_key : &governing->primary_key;
    if (pk->n == 1) {
        u->stream.pk_column = column_index(&u->stream, pk->items[0]);
        u->stream.cursor_encrypted = pk_masked(pt, pk->items[0]);
    }
}

void pv_lc_build_units(pv_lifecycle *lc)
{
    const pv_catalog *cat = lc->pf->catalog;
    const pv_run_plan *plan = lc->pf->plan;
    lc->units = pv_xcalloc(cat->n_tables ? cat->n_tables : 1, sizeof(*lc->units));
    for (size_t l = 0; l < cat->plan.n_layers; l++) {
        const pv_strlist *layer = &cat->plan.layers[l];
        for (size_t i = 0; i < layer->n; i++) {
            const pv_table *t = pv_catalog_find(cat, layer->items[i]);
            if (!t || t->is_partitioned)
                continue;
            const pv_table *governing = t->parent_id ? pv_catalog_find(cat, t->parent_id) : t;
            const pv_plan_table *pt = pv_run_plan_table(plan, cat, t);
            if (!governing || !pt || pt->strategy != PV_STRATEGY_TRANSFORM)
                continue;
            int64_t requested = pt->config && pt->config->batch_size ? pt->config->batch_size
                                                                     : lc->in.cfg->batch_size;
            unit_init(&lc->units[lc->n_units++], cat, t, governing, pt,
                      pv_batch_rows(requested, t));
        }
    }
}

static void report_unit_failure(pv_unit *u)
{
    const pv_error *e = u->error;
    json_t *f = json_object();
    json_object_set_new(f, "message", json_string(e->cause));
    json_object_set_new(f, "exit_code", json_integer(e->exit_code));
    json_object_set_new(f, "context", json_string(e->context));
    json_object_set_new(f, "cause", json_string(e->cause));
    json_object_set_new(f, "remediation", json_string(e->remediation));
    json_object_set_new(f, "schema_name", json_string(u->table->schema));
    json_object_set_new(f, "table_name", json_string(u->table->name));
    json_object_set_new(f, "column",
                        *u->result.column ? json_string(u->result.column) : json_null());
    json_object_set_new(f, "batch", json_integer(u->result.batches + 1));
    json_object_set_new(f, "rows_processed", json_integer(u->result.rows));
    json_object_set_new(f, "sqlstate",
                        *u->result.sqlstate ? json_string(u->result.sqlstate) : json_null());
    pv_event(PV_LOG_ERROR, "error", f);
    pv_error_print(e, stderr);
}

/*
 * streaming.md §6.2: a unit without a single-column key is checkpointed per
 * table — loaded in one transaction, restarted from scratch (on resume, and
 * on a retry) — and says so in the audit log, best effort. Runs under
 * lc->lock: the coordinator's connection is shared.
 */
static void audit_table_level(pv_lifecycle *lc, const pv_unit *u)
{
    const pv_strlist *pk =
        u->table->primary_key.n ? &u->table->primary_key : &u->governing->primary_key;
    json_t *cols = json_array();
    for (size_t i = 0; i < pk->n; i++)
        json_array_append_new(cols, json_string(pk->items[i]));
    json_t *p = json_object();
    json_object_set_new(p, "reason", json_string(pk->n > 1 ? "composite_pk" : "no_pk"));
    json_object_set_new(p, "primary_key", cols);
    pthread_mutex_lock(&lc->lock);
    pv_error *err = pv_state_audit(lc->pf->target, &lc->audit, "checkpoint_fallback",
                                   u->table->schema, u->table->name, NULL, p);
    pthread_mutex_unlock(&lc->lock);
    json_decref(p);
    if (err)
        pv_log(PV_LOG_WARNING, "checkpoint_fallback audit row not written: %s", err->cause);
    pv_error_free(err);
}

static void *worker_main(void *arg)
{
    pv_lifecycle *lc = arg;
    for (;;) {
        pthread_mutex_lock(&lc->lock);
        size_t i = lc->next_unit < lc->n_units ? lc->next_unit++ : lc->n_units;
        pthread_mutex_unlock(&lc->lock);
        if (i >= lc->n_units || stop_requested())
            return NULL;
        pv_unit *u = &lc->units[i];
        if (u->skip)
            continue;
        bool exhausted = false;
        if (u->stream.pk_column < 0)
            audit_table_level(lc, u);
        u->stream.cursor = u->cursor;
        u->error = pv_stream_with_retries(&lc->stream_ctx, &u->stream, &u->result, &exhausted);
        if (exhausted)
            atomic_store(&run_aborted, true);
        pv_progress_unit_done();
        if (u->error) {
            pthread_mutex_lock(&lc->lock);
            report_unit_failure(u);
            pthread_mutex_unlock(&lc->lock);
        }
    }
}

/*
 * streaming.md §8.1 step 2, best effort (§8.3): when the target is out of
 * reach the checkpoint keeps its last committed state, which resume
 * accepts, and the run's outcome is still reported.
 */
static void record_unit_failure(pv_lifecycle *lc, const pv_unit *u)
{
    pv_error *err =
        pv_state_checkpoint_fail(lc->pf->target, lc->run_id, u->table->schema, u->table->name);
    if (!err) {
        const pv_stream_result *r = &u->result;
        json_t *p = json_object();
        json_object_set_new(p, "phase", json_string(r->source_side ? "read" : "write"));
        json_object_set_new(p, "column", *r->column ? json_string(r->column) : json_null());
        json_object_set_new(p, "batch", json_integer(r->batches + 1));
        json_object_set_new(p, "rows_processed", json_integer(r->rows));
        json_object_set_new(p, "sqlstate", *r->sqlstate ? json_string(r->sqlstate) : json_null());
        json_object_set_new(p, "error",
                            json_string(r->retryable     ? "retries_exhausted"
                                        : r->source_side ? "read_failed"
                                                         : "write_rejected"));
        err = pv_state_audit(lc->pf->target, &lc->audit, "table.failed", u->table->schema,
                             u->table->name, NULL, p);
        json_decref(p);
    }
    if (err) {
        pv_human("Warning: the failure of %s could not be recorded on the target (%s)",
                 u->table->id, err->cause);
        pv_error_free(err);
    }
}

/* Streams every unit with `jobs` workers; failed units are marked failed. */
static void stream_all(pv_lifecycle *lc, size_t *failed)
{
    int jobs = lc->opts->jobs > 0 ? lc->opts->jobs : default_jobs();
    if ((size_t)jobs > lc->n_units)
        jobs = lc->n_units ? (int)lc->n_units : 1;
    lc->secrets = (pv_mask_secrets){lc->in.salt, lc->in.key, lc->in.cfg->faker_library};
    lc->stream_ctx = (pv_stream_ctx){.source_url = lc->in.source,
                                     .target_url = lc->in.target,
                                     .snapshot_id = lc->pf->snapshot_id,
                                     .run_id = lc->run_id,
                                     .audit = &lc->audit,
                                     .secrets = &lc->secrets,
                                     .should_stop = stop_requested};
    double estimate = 0;
    int64_t to_stream = 0;
    for (size_t i = 0; i < lc->n_units; i++) {
        if (lc->units[i].skip)
            continue;
        to_stream++;
        if (lc->units[i].stream.estimated_rows > 0)
            estimate += lc->units[i].stream.estimated_rows;
    }
    pv_progress_start(!lc->opts->no_progress, to_stream, estimate);
    pthread_t *threads = pv_xcalloc((size_t)jobs, sizeof(*threads));
    for (int i = 0; i < jobs; i++)
        pthread_create(&threads[i], NULL, worker_main, lc);
    for (int i = 0; i < jobs; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    pv_progress_stop();

    *failed = 0;
    for (size_t i = 0; i < lc->n_units; i++) {
        pv_unit *u = &lc->units[i];
        if (u->skip)
            continue;
        lc->rows += u->result.rows;
        if (u->error) {
            (*failed)++;
            record_unit_failure(lc, u);
        } else if (!u->result.stopped && lc->next_unit > i) {
            lc->tables_done++;
        }
    }
}

pv_error *pv_lc_stream(pv_lifecycle *lc, size_t *failed)
{
    if (!lc->units)
        pv_lc_build_units(lc);
    stream_all(lc, failed);
    return NULL;
}

/* Tables with strategy empty / truncate are finalized without streaming. */
pv_error *pv_lc_finalize_unstreamed(pv_lifecycle *lc, size_t *failed)
{
    (void)failed;
    pv_error *err = pv_lc_phase(lc, "data");
    const pv_run_plan *plan = lc->pf->plan;
    for (size_t i = 0; !err && i < plan->n_tables; i++) {
        const pv_plan_table *pt = &plan->tables[i];
        json_t *f = json_object();
        json_object_set_new(f, "table", json_string(pt->table->id));
        if (pt->strategy == PV_STRATEGY_EXCLUDE) {
            json_object_set_new(f, "strategy", json_string("exclude"));
            pv_event(PV_LOG_INFO, "table.skip", f);
            continue;
        }
        if (pt->strategy != PV_STRATEGY_EMPTY && pt->strategy != PV_STRATEGY_TRUNCATE) {
            json_decref(f);
            continue;
        }
        const pv_checkpoint *ck = pv_lc_checkpoint(lc, pt->table->schema, pt->table->name);
        if (ck && ck->status == PV_CKPT_DONE) {
            json_object_set_new(f, "reason", json_string("checkpoint_done"));
            pv_event(PV_LOG_INFO, "table.skip", f);
            continue;
        }
        json_object_set_new(f, "strategy", json_string(pv_strategy_name(pt->strategy)));
        pv_event(PV_LOG_INFO, "table.empty_strategy", f);
        /* A fresh run's policy and pre-data left it empty; a resume cannot know. */
        if (lc->resuming)
            err = pv_lc_truncate(lc, pt->table);
        if (!err)
            err = pv_state_checkpoint_upsert(lc->pf->target, lc->run_id, pt->table->schema,
                                             pt->table->name, PV_CKPT_DONE, NULL, 0);
        if (!err)
            lc->tables_done++;
    }
    return err;
}

/* ------------------------------------------------------------ DDL phases */

pv_error *pv_lc_dump(pv_lifecycle *lc, size_t *failed)
{
    (void)failed;
    return pv_schema_dump(lc->in.source, lc->pf->snapshot_id, lc->pf->catalog, lc->in.cfg,
                          &lc->schema);
}

pv_error *pv_lc_pre_data(pv_lifecycle *lc, size_t *failed)
{
    (void)failed;
    pv_error *err = pv_lc_phase(lc, "pre_data");
    if (!err)
        err = pv_schema_pre_data(lc->schema, lc->in.target, lc->pf->target, &lc->report);
    return err;
}

pv_error *pv_lc_post_data(pv_lifecycle *lc, size_t *failed)
{
    (void)failed;
    pv_error *err = pv_lc_phase(lc, "post_data");
    if (!err)
        err = pv_schema_post_data(lc->schema, lc->in.target, lc->pf->target);
    /* A signal during post-data: sequences wait for the resume. */
    if (!err && pv_signals_interrupted()) {
        lc->interrupted = true;
        return NULL;
    }
    if (!err)
        err = pv_lc_phase(lc, "sequences");
    if (!err)
        err = pv_schema_sync_sequences(lc->pf->source, lc->pf->target, lc->pf->catalog, lc->in.cfg);
    if (!err)
        err = pv_lc_phase(lc, "finished");
    return err;
}

pv_error *pv_lc_execute(pv_lifecycle *lc, const pv_lc_step *steps, size_t n, size_t *failed)
{
    *failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (pv_signals_interrupted()) {
            lc->interrupted = true;
            return NULL;
        }
        pv_error *err = steps[i](lc, failed);
        if (err || *failed)
            return err;
    }
    return NULL;
}

/* ------------------------------------------------------------ the end */

/* The ids of the units that failed, sorted (cli.md §3.1, observability.md §3). */
static json_t *failed_unit_ids(const pv_lifecycle *lc)
{
    pv_strlist ids = {0};
    for (size_t i = 0; i < lc->n_units; i++)
        if (lc->units[i].error)
            pv_strlist_push(&ids, lc->units[i].table->id);
    pv_strlist_sort(&ids);
    json_t *out = json_array();
    for (size_t i = 0; i < ids.n; i++)
        json_array_append_new(out, json_string(ids.items[i]));
    pv_strlist_free(&ids);
    return out;
}

/*
 * Terminal update of the run row and the run.end event. Recording a failed
 * or interrupted outcome is best effort (streaming.md §8.3): the target is
 * often the reason, and resume accepts a run left in_progress.
 */
static void end_run(pv_lifecycle *lc, pv_run_status status, int errors)
{
    double ms = (now_seconds() - lc->started) * 1000.0;
    json_t *summary = json_object();
    json_object_set_new(summary, "tables_processed", json_integer(lc->tables_done));
    json_object_set_new(summary, "rows_processed", json_integer(lc->rows));
    json_object_set_new(summary, "errors", json_integer(errors));
    json_object_set_new(summary, "failed_units", failed_unit_ids(lc));
    pv_error *err = pv_state_run_finish(lc->pf->target, lc->run_id, status, summary);
    json_decref(summary);
    if (err && status == PV_RUN_SUCCEEDED)
        pv_error_print(err, stderr);
    else if (err)
        pv_human("Warning: the run's %s status could not be recorded in _privaci.runs; it stays "
                 "in_progress, which `privaci resume` accepts.",
                 pv_run_status_name(status));
    pv_error_free(err);
    json_t *f = json_object();
    json_object_set_new(f, "status", json_string(pv_run_status_name(status)));
    json_object_set_new(f, "duration_ms", json_real((double)(int64_t)(ms * 1000) / 1000.0));
    json_object_set_new(f, "tables_processed", json_integer(lc->tables_done));
    json_object_set_new(f, "rows_processed", json_integer(lc->rows));
    json_object_set_new(f, "errors", json_integer(errors));
    json_object_set_new(f, "failed_units", failed_unit_ids(lc));
    pv_event(PV_LOG_INFO, "run.end", f);
}

/* A run error after the run row exists: reported here, then run.end. */
static int fail_run(pv_lifecycle *lc, pv_error *err, size_t failed)
{
    int code = err->exit_code;
    json_t *f = json_object();
    json_object_set_new(f, "message", json_string(err->cause));
    json_object_set_new(f, "exit_code", json_integer(code));
    json_object_set_new(f, "context", json_string(err->context));
    json_object_set_new(f, "cause", json_string(err->cause));
    json_object_set_new(f, "remediation", json_string(err->remediation));
    pv_event(PV_LOG_ERROR, "error", f);
    pv_error_print(err, stderr);
    pv_error_free(err);
    end_run(lc, PV_RUN_FAILED, (int)failed + 1);
    return code;
}

static int report_failed_units(pv_lifecycle *lc, size_t failed)
{
    end_run(lc, PV_RUN_FAILED, (int)failed);
    json_t *ids = failed_unit_ids(lc);
    pv_strbuf list = PV_STRBUF_INIT;
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
        pv_strbuf_appendf(&list, "%s%s", i ? ", " : "", json_string_value(id));
    size_t streamed = 0;
    for (size_t u = 0; u < lc->n_units; u++)
        streamed += !lc->units[u].skip;
    pv_human("Run %s failed: %zu of %zu table(s) failed: %s.", lc->run_id, failed, streamed,
             list.data);
    pv_strbuf_free(&list);
    json_decref(ids);
    return PV_EXIT_GENERIC;
}

static int report_interrupted(pv_lifecycle *lc)
{
    pv_error *err = pv_error_new(PV_EXIT_INTERRUPTED, "Streaming masked rows",
                                 "Resume with `privaci resume` after fixing the issue.",
                                 "Interrupted by signal (SIGINT/SIGTERM).");
    pv_error_print(err, stderr);
    pv_error_free(err);
    end_run(lc, PV_RUN_INTERRUPTED, 0);
    return PV_EXIT_INTERRUPTED;
}

int pv_lc_conclude(pv_lifecycle *lc, pv_error *err, size_t failed, const char *verb)
{
    if (err && pv_signals_interrupted()) {
        /* A child or a statement cut short by the signal (a Ctrl-C reaches pg_dump too). */
        pv_log(PV_LOG_DEBUG, "error after a signal, reported as the interruption: %s", err->cause);
        pv_error_free(err);
        err = NULL;
        lc->interrupted = true;
    }
    int code;
    if (err)
        code = fail_run(lc, err, failed);
    else if (failed)
        code = report_failed_units(lc, failed);
    else if (lc->interrupted)
        code = report_interrupted(lc);
    else {
        end_run(lc, PV_RUN_SUCCEEDED, 0);
        pv_human("Run %s %s: %d table(s), %lld row(s).", lc->run_id, verb, lc->tables_done,
                 (long long)lc->rows);
        code = PV_EXIT_OK;
    }
    pv_signals_set_abort_hook(NULL, NULL);
    pv_log_set_run_id(NULL);
    return code;
}
