/*
 * run.c — `privaci run` (overview.md §4). The coordinator owns the
 * pre-flight's two connections (the source one holds the exported snapshot,
 * the target one the run lock) and the run row; streaming units run on
 * worker threads with connections of their own.
 */
#include "run/run.h"

#include "catalog/snapshot.h"
#include "obs/log.h"
#include "obs/progress.h"
#include "run/inputs.h"
#include "run/preflight.h"
#include "run/signals.h"
#include "schema/schema.h"
#include "state/state.h"
#include "stream/stream.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEFAULT_JOBS 8

/* One streaming unit with the storage its pv_stream_unit borrows. */
typedef struct unit {
    const pv_table *table; /* the physical table (a child for partitions) */
    pv_stream_unit stream;
    pv_stream_column *columns;
    pv_stream_result result;
    pv_error *error;
} unit;

typedef struct run {
    const pv_run_opts *opts;
    pv_run_inputs in;
    pv_preflight *pf;
    pv_schema_plan *schema;
    pv_audit_log audit;
    char run_id[PV_UUID_TEXT_LEN];
    bool row_exists;
    double started;
    unit *units;
    size_t n_units;
    size_t next_unit; /* guarded by lock */
    pthread_mutex_t lock;
    pv_stream_ctx stream_ctx;
    int64_t rows;
    int tables_done;
} run;

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

/* ------------------------------------------------------------ audit glue */

static pv_error *audit_cb(void *ud, const char *event_type, const char *schema_name,
                          const char *table_name, const json_t *payload)
{
    run *r = ud;
    return pv_state_audit(r->pf->target, &r->audit, event_type, schema_name, table_name, NULL,
                          payload);
}

/* ------------------------------------------------------------ plan checks */

/*
 * This build streams rows unchanged: masking actions and auto-detect land
 * with the masking engine. A run whose config asks for either is refused
 * before the first write — copying a column the user asked to mask would
 * leak it.
 */
static pv_error *check_masking_available(const pv_config *cfg, const pv_run_plan *plan)
{
    pv_strbuf lines = PV_STRBUF_INIT;
    for (size_t i = 0; i < plan->n_tables; i++) {
        const pv_plan_table *pt = &plan->tables[i];
        if (pt->strategy != PV_STRATEGY_TRANSFORM)
            continue;
        for (size_t c = 0; c < pt->n_columns; c++) {
            const pv_plan_column *pc = &pt->columns[c];
            if (pc->action == PV_ACT_PASSTHROUGH)
                continue;
            pv_strbuf_appendf(&lines,
                              "%saction %s is not available in this build: "
                              "tables.%s.columns.%s",
                              lines.len ? "\n" : "", pv_action_name(pc->action), pt->table->id,
                              pc->column->name);
            if (pc->rule)
                pv_strbuf_appendf(&lines, " (line %d, column %d)", pc->rule->pos.line,
                                  pc->rule->pos.column);
        }
    }
    if (cfg->auto_detect)
        pv_strbuf_appendf(&lines, "%sauto_detect is not available in this build",
                          lines.len ? "\n" : "");
    if (!lines.len)
        return NULL;
    pv_error *err =
        pv_error_new(PV_EXIT_CONFIG, "Checking configured features",
                     "This build copies rows unchanged: use passthrough for these columns and set "
                     "auto_detect: false, or upgrade privaci.",
                     "%s", lines.data);
    pv_strbuf_free(&lines);
    return err;
}

/* ------------------------------------------------------------ units */

static int column_index(const pv_stream_unit *u, const char *name)
{
    for (int i = 0; i < u->n_columns; i++)
        if (strcmp(u->columns[i].name, name) == 0)
            return i;
    return -1;
}

static void unit_init(unit *u, const pv_table *t, const pv_table *config_table, int64_t batch_rows)
{
    u->table = t;
    u->columns = pv_xcalloc(t->n_columns, sizeof(*u->columns));
    int n = 0;
    for (size_t i = 0; i < t->n_columns; i++) {
        const pv_column *c = &t->columns[i];
        if (c->generated_expr) /* the target recomputes generated columns */
            continue;
        u->columns[n++] = (pv_stream_column){c->name, c->data_type, c->type_oid, c->has_binary_io};
    }
    u->stream = (pv_stream_unit){.schema = t->schema,
                                 .table = t->name,
                                 .columns = u->columns,
                                 .n_columns = n,
                                 .pk_column = -1,
                                 .batch_rows = batch_rows,
                                 .estimated_rows = t->estimated_rows};
    /* Children carry their parent's key; fall back to it when they don't. */
    const pv_strlist *pk = t->primary_key.n ? &t->primary_key : &config_table->primary_key;
    if (pk->n == 1)
        u->stream.pk_column = column_index(&u->stream, pk->items[0]);
}

/* Streamed units in load-plan order: tables, and children of partitioned parents. */
static void build_units(run *r)
{
    const pv_catalog *cat = r->pf->catalog;
    const pv_run_plan *plan = r->pf->plan;
    r->units = pv_xcalloc(cat->n_tables ? cat->n_tables : 1, sizeof(*r->units));
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
                                                                     : r->in.cfg->batch_size;
            unit_init(&r->units[r->n_units++], t, governing, pv_batch_rows(requested, t));
        }
    }
}

static void report_unit_failure(run *r, unit *u)
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
    json_object_set_new(f, "column", json_null());
    json_object_set_new(f, "batch", json_integer(u->result.batches + 1));
    json_object_set_new(f, "rows_processed", json_integer(u->result.rows));
    json_object_set_new(f, "sqlstate", u->result.sqlstate[0] ? json_string(u->result.sqlstate)
                                                             : json_null());
    pv_event(PV_LOG_ERROR, "error", f);
    pv_error_print(e, stderr);
    (void)r;
}

static void *worker_main(void *arg)
{
    run *r = arg;
    for (;;) {
        pthread_mutex_lock(&r->lock);
        size_t i = r->next_unit < r->n_units ? r->next_unit++ : r->n_units;
        pthread_mutex_unlock(&r->lock);
        if (i >= r->n_units || pv_signals_interrupted())
            return NULL;
        unit *u = &r->units[i];
        u->error = pv_stream_unit_run(&r->stream_ctx, &u->stream, &u->result);
        pv_progress_unit_done();
        if (u->error) {
            pthread_mutex_lock(&r->lock);
            report_unit_failure(r, u);
            pthread_mutex_unlock(&r->lock);
        }
    }
}

/* Tables with strategy empty / truncate are finalized without streaming. */
static pv_error *finalize_unstreamed(run *r)
{
    const pv_run_plan *plan = r->pf->plan;
    for (size_t i = 0; i < plan->n_tables; i++) {
        const pv_plan_table *pt = &plan->tables[i];
        if (pt->strategy == PV_STRATEGY_EXCLUDE) {
            json_t *f = json_object();
            json_object_set_new(f, "table", json_string(pt->table->id));
            json_object_set_new(f, "strategy", json_string("exclude"));
            pv_event(PV_LOG_INFO, "table.skip", f);
            continue;
        }
        if (pt->strategy != PV_STRATEGY_EMPTY && pt->strategy != PV_STRATEGY_TRUNCATE)
            continue;
        json_t *f = json_object();
        json_object_set_new(f, "table", json_string(pt->table->id));
        json_object_set_new(f, "strategy", json_string(pv_strategy_name(pt->strategy)));
        pv_event(PV_LOG_INFO, "table.empty_strategy", f);
        pv_error *err = pv_state_checkpoint_upsert(r->pf->target, r->run_id, pt->table->schema,
                                                   pt->table->name, PV_CKPT_DONE, NULL, 0);
        if (err)
            return err;
        r->tables_done++;
    }
    return NULL;
}

/* Streams every unit with `jobs` workers; failed units are marked failed. */
static pv_error *stream_all(run *r, size_t *failed)
{
    int jobs = r->opts->jobs > 0 ? r->opts->jobs : default_jobs();
    if ((size_t)jobs > r->n_units)
        jobs = r->n_units ? (int)r->n_units : 1;
    r->stream_ctx = (pv_stream_ctx){r->in.source, r->in.target, r->pf->snapshot_id,
                                    r->run_id,    &r->audit,    pv_signals_interrupted};
    double estimate = 0;
    for (size_t i = 0; i < r->n_units; i++)
        if (r->units[i].stream.estimated_rows > 0)
            estimate += r->units[i].stream.estimated_rows;
    pv_progress_start(!r->opts->no_progress, (int64_t)r->n_units, estimate);
    pthread_t *threads = pv_xcalloc((size_t)jobs, sizeof(*threads));
    for (int i = 0; i < jobs; i++)
        pthread_create(&threads[i], NULL, worker_main, r);
    for (int i = 0; i < jobs; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    pv_progress_stop();

    *failed = 0;
    for (size_t i = 0; i < r->n_units; i++) {
        unit *u = &r->units[i];
        r->rows += u->result.rows;
        if (u->error) {
            (*failed)++;
            pv_error *err = pv_state_checkpoint_fail(r->pf->target, r->run_id, u->table->schema,
                                                     u->table->name);
            if (err)
                return err;
        } else if (!u->result.stopped && r->next_unit > i) {
            r->tables_done++;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------ run row */

static pv_error *insert_run_row(run *r)
{
    char config_hash[65];
    pv_config_hash(r->in.cfg, config_hash);
    pv_run_identity id = {PRIVACI_VERSION, config_hash, r->in.salt_fingerprint,
                          r->pf->source_db_hash};
    char *snapshot = pv_catalog_snapshot_text(r->pf->catalog);
    json_t *plan = pv_run_plan_json(r->pf->plan, r->in.cfg);
    pv_error *err = pv_state_run_insert(r->pf->target, &id, snapshot, plan, r->run_id);
    free(snapshot);
    json_decref(plan);
    if (err)
        return err;
    r->row_exists = true;
    r->started = now_seconds();
    pv_log_set_run_id(r->run_id);
    pv_audit_log_init(&r->audit, r->run_id, r->in.cfg->audit_log && !r->opts->no_audit_table);
    json_t *f = json_object();
    json_object_set_new(f, "engine_version", json_string(PRIVACI_VERSION));
    json_object_set_new(f, "config_hash", json_string(config_hash));
    json_object_set_new(f, "salt_fingerprint", json_string(r->in.salt_fingerprint));
    json_object_set_new(f, "source_db_hash", json_string(r->pf->source_db_hash));
    json_object_set_new(f, "commercial_layer_present", json_false());
    pv_event(PV_LOG_INFO, "run.start", f);
    return NULL;
}

/* The ids of the units that failed, sorted (cli.md §3.1, observability.md §3). */
static json_t *failed_unit_ids(const run *r)
{
    pv_strlist ids = {0};
    for (size_t i = 0; i < r->n_units; i++)
        if (r->units[i].error)
            pv_strlist_push(&ids, r->units[i].table->id);
    pv_strlist_sort(&ids);
    json_t *out = json_array();
    for (size_t i = 0; i < ids.n; i++)
        json_array_append_new(out, json_string(ids.items[i]));
    pv_strlist_free(&ids);
    return out;
}

/* Terminal update of the run row and the run.end event (best effort). */
static void end_run(run *r, pv_run_status status, int errors)
{
    double ms = (now_seconds() - r->started) * 1000.0;
    json_t *summary = json_object();
    json_object_set_new(summary, "tables_processed", json_integer(r->tables_done));
    json_object_set_new(summary, "rows_processed", json_integer(r->rows));
    json_object_set_new(summary, "errors", json_integer(errors));
    pv_error *err = pv_state_run_finish(r->pf->target, r->run_id, status, summary);
    json_decref(summary);
    if (err) {
        pv_error_print(err, stderr);
        pv_error_free(err);
    }
    json_t *f = json_object();
    json_object_set_new(f, "status", json_string(pv_run_status_name(status)));
    json_object_set_new(f, "duration_ms", json_real((double)(int64_t)(ms * 1000) / 1000.0));
    json_object_set_new(f, "tables_processed", json_integer(r->tables_done));
    json_object_set_new(f, "rows_processed", json_integer(r->rows));
    json_object_set_new(f, "errors", json_integer(errors));
    json_object_set_new(f, "failed_units", failed_unit_ids(r));
    pv_event(PV_LOG_INFO, "run.end", f);
}

/* ------------------------------------------------------------ lifecycle */

static pv_error *phase(run *r, const char *name)
{
    return pv_state_run_set_phase(r->pf->target, r->run_id, name);
}

/* Steps 7–16 once pre-flight passed. */
static pv_error *execute(run *r, size_t *failed)
{
    pv_error *err = pv_state_ensure_schema(r->pf->target, PRIVACI_VERSION);
    if (!err)
        err = insert_run_row(r);
    if (!err)
        err =
            pv_schema_dump(r->in.source, r->pf->snapshot_id, r->pf->catalog, r->in.cfg, &r->schema);
    if (!err)
        err = pv_schema_apply_existing_policy(
            r->schema, r->pf->target, pv_schema_existing_mode(r->in.cfg, r->opts->force_restart),
            audit_cb, r);
    if (!err)
        err = phase(r, "pre_data");
    pv_schema_report report = {0};
    if (!err)
        err = pv_schema_pre_data(r->schema, r->in.target, r->pf->target, &report);
    if (!err) {
        pv_schema_emit_cloned(&report);
        err = pv_schema_record_skipped(r->schema, audit_cb, r);
    }
    if (!err) {
        pv_preflight_emit_relationship_events(r->pf->catalog);
        err = phase(r, "data");
    }
    if (!err)
        err = finalize_unstreamed(r);
    if (!err) {
        build_units(r);
        err = stream_all(r, failed);
    }
    if (err || *failed || pv_signals_interrupted())
        return err;
    err = phase(r, "post_data");
    if (!err)
        err = pv_schema_post_data(r->schema, r->in.target, r->pf->target);
    if (!err)
        err = phase(r, "sequences");
    if (!err)
        err = pv_schema_sync_sequences(r->pf->source, r->pf->target, r->pf->catalog, r->in.cfg);
    if (!err)
        err = phase(r, "finished");
    return err;
}

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n_units; i++) {
        free(r->units[i].columns);
        pv_error_free(r->units[i].error);
    }
    free(r->units);
    pv_schema_plan_free(r->schema);
    pv_preflight_free(r->pf);
    pv_run_inputs_free(&r->in);
    pthread_mutex_destroy(&r->lock);
}

/* A run error after the run row exists: reported here, then run.end. */
static int fail_run(run *r, pv_error *err)
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
    end_run(r, PV_RUN_FAILED, 1);
    return code;
}

static int interrupted(run *r)
{
    pv_error *err = pv_error_new(PV_EXIT_INTERRUPTED, "Streaming masked rows",
                                 "Resume with `privaci resume` after fixing the issue.",
                                 "Interrupted by signal (SIGINT/SIGTERM).");
    pv_error_print(err, stderr);
    pv_error_free(err);
    end_run(r, PV_RUN_INTERRUPTED, 0);
    return PV_EXIT_INTERRUPTED;
}

pv_error *pv_run(const pv_run_opts *opts, int *exit_code)
{
    pv_signals_install();
    run r = {.opts = opts};
    pthread_mutex_init(&r.lock, NULL);
    pv_error *err = pv_run_inputs_load(opts->config_path, opts->source_flag, opts->target_flag,
                                       NULL, NULL, &r.in);
    if (!err) {
        bool strict =
            opts->strict_override >= 0 ? opts->strict_override : r.in.cfg->strict_autodetect;
        pv_preflight_opts pre = {PV_PREFLIGHT_RUN,    r.in.cfg, r.in.source, r.in.target,
                                 opts->force_restart, strict,   false};
        err = pv_preflight_run(&pre, &r.pf);
    }
    if (!err)
        err = check_masking_available(r.in.cfg, r.pf->plan);
    if (err) {
        run_free(&r);
        return err;
    }

    size_t failed = 0;
    err = execute(&r, &failed);
    if (err && !r.row_exists) {
        run_free(&r);
        return err;
    }
    if (err) {
        *exit_code = fail_run(&r, err);
    } else if (failed) {
        end_run(&r, PV_RUN_FAILED, (int)failed);
        json_t *ids = failed_unit_ids(&r);
        pv_strbuf list = PV_STRBUF_INIT;
        size_t i;
        json_t *id;
        json_array_foreach(ids, i, id)
            pv_strbuf_appendf(&list, "%s%s", i ? ", " : "", json_string_value(id));
        pv_human("Run %s failed: %zu of %zu table(s) failed: %s.", r.run_id, failed, r.n_units,
                 list.data);
        pv_strbuf_free(&list);
        json_decref(ids);
        *exit_code = PV_EXIT_GENERIC;
    } else if (pv_signals_interrupted()) {
        *exit_code = interrupted(&r);
    } else {
        end_run(&r, PV_RUN_SUCCEEDED, 0);
        pv_human("Run %s succeeded: %d table(s), %lld row(s).", r.run_id, r.tables_done,
                 (long long)r.rows);
        *exit_code = PV_EXIT_OK;
    }
    pv_log_set_run_id(NULL);
    run_free(&r);
    return NULL;
}
