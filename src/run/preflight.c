/*
 * preflight.c — runs the pre-flight checks in the order of overview.md §4
 * step 5 and reports them (observability.md §3).
 *
 * Each check is one function over the shared `runner`; the table CHECKS
 * below is the order. A check either passes (status ok, or warn / skipped
 * with a value-free detail) or returns the error that stops the pre-flight.
 * Nothing here writes to the target: the run lock is an advisory lock, and
 * every target statement is a read.
 */
#include "run/preflight.h"

#include "catalog/pgconn.h"
#include "mask/providers.h"
#include "obs/log.h"
#include "run/checks.h"
#include "run/signals.h"
#include "state/state.h"
#include "util/datadir.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct runner {
    const pv_preflight_opts *opts;
    const pv_config *cfg;
    pv_preflight *pf;
    json_t *checks;
    pv_target_facts facts;
    pv_on_existing policy; /* on_existing_data, or truncate under --force-restart */
} runner;

/* What a passing check reports: status "ok", "warn" or "skipped", and a detail. */
typedef struct outcome {
    const char *status;
    char *detail; /* owned; NULL = JSON null */
} outcome;

typedef pv_error *(*check_fn)(runner *r, outcome *o);

static void set_outcome(outcome *o, const char *status, const char *detail)
{
    o->status = status;
    free(o->detail);
    o->detail = detail ? pv_xstrdup(detail) : NULL;
}

static void record(runner *r, const char *name, const char *status, const char *detail)
{
    json_t *check = json_object();
    json_object_set_new(check, "name", json_string(name));
    json_object_set_new(check, "status", json_string(status));
    json_object_set_new(check, "detail", detail ? json_string(detail) : json_null());
    json_array_append_new(r->checks, check);
}

/* A pre-flight warning: stderr line plus `warning` event (observability.md §3). */
static void warn(const char *code, const char *message, const char *table_id, bool catalog)
{
    if (catalog)
        pv_human("Warning: [%s] %s", code, message);
    else
        pv_human("Warning: %s", message);
    json_t *fields = json_object();
    json_object_set_new(fields, "code", json_string(code));
    json_object_set_new(fields, "message", json_string(message));
    if (table_id)
        json_object_set_new(fields, "table_id", json_string(table_id));
    pv_event(PV_LOG_WARNING, "warning", fields);
}

/* ------------------------------------------------------- connections */

static pv_error *check_source_connect(runner *r, outcome *o)
{
    pv_error *err = pv_pg_connect(PV_PG_SOURCE, r->opts->source_url, &r->pf->source);
    if (!err)
        pv_source_db_hash(r->opts->source_url, r->pf->source, r->pf->source_db_hash);
    return err;
}

static pv_error *check_target_connect(runner *r, outcome *o)
{
    pv_error *err = pv_pg_connect(PV_PG_TARGET, r->opts->target_url, &r->pf->target);
    if (err)
        return err;
    int source_major = PQserverVersion(r->pf->source) / 10000;
    int target_major = PQserverVersion(r->pf->target) / 10000;
    if (target_major < source_major) {
        /* overview.md §7: a lower target major version is a warning, not a failure. */
        char *msg = pv_xasprintf("The target server (PostgreSQL %d) is older than the source "
                                 "server (PostgreSQL %d); replicated DDL may not apply.",
                                 target_major, source_major);
        warn("pg_version", msg, NULL, false);
        set_outcome(o, "warn", msg);
        free(msg);
    }
    return NULL;
}

static pv_error *check_run_lock(runner *r, outcome *o)
{
    switch (r->opts->mode) {
    case PV_PREFLIGHT_DRY_RUN:
        set_outcome(o, "skipped", "dry-run never takes the run lock");
        return NULL;
    case PV_PREFLIGHT_RESUME:
        return pv_state_lock_acquire(r->pf->target, PV_RUN_LOCK_RESUME_WAIT_S);
    default:
        return pv_state_lock_acquire(r->pf->target, 0);
    }
}

/* ---------------------------------------------------- source catalog */

static pv_error *check_source_catalog_read(runner *r, outcome *o)
{
    return pv_check_source_catalog_read(r->pf->source);
}

static pv_error *introspection_error(void)
{
    return pv_error_new(PV_EXIT_PREFLIGHT, "Introspecting source database catalogs",
                        "Verify source connectivity and permissions, then retry.",
                        "Catalog query failed.");
}

/*
 * Opens the run's transaction on the coordinator's source connection and
 * exports its snapshot; the transaction stays open for the whole run so
 * every worker and pg_dump can import the same point in time.
 */
static pv_error *export_snapshot(runner *r)
{
    PGresult *res = PQexec(r->pf->source, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok)
        return introspection_error();
    res = PQexec(r->pf->source, "SELECT pg_catalog.pg_export_snapshot()");
    ok = res && PQresultStatus(res) == PGRES_TUPLES_OK;
    if (ok)
        r->pf->snapshot_id = pv_xstrdup(PQgetvalue(res, 0, 0));
    else
        pv_log(PV_LOG_DEBUG, "pg_export_snapshot failed: %s", pv_pg_sqlstate(res));
    PQclear(res);
    return ok ? NULL : introspection_error();
}

static pv_error *check_introspection(runner *r, outcome *o)
{
    pv_error *err = export_snapshot(r);
    if (!err)
        err = pv_catalog_introspect(r->pf->source, &r->pf->catalog);
    if (err)
        return err;
    /* The config's implied_fk_ignore silences its warnings (catalog inspect has no config). */
    pv_catalog_build_warnings(r->pf->catalog, (const char *const *)r->cfg->implied_fk_ignore.items,
                              r->cfg->implied_fk_ignore.count);
    return NULL;
}

static pv_error *check_resume_gate(runner *r, outcome *o)
{
    if (r->opts->mode != PV_PREFLIGHT_RESUME) {
        set_outcome(o, "skipped", "resume only");
        return NULL;
    }
    char config_hash[PV_HASH_HEX_LEN];
    pv_config_hash(r->cfg, config_hash);
    pv_run_identity id = {PRIVACI_VERSION, config_hash, r->opts->salt_fingerprint,
                          r->pf->source_db_hash};
    return pv_resume_gate(r->pf->target, &id, r->pf->catalog, &r->pf->resume);
}

/* Catalog warnings, once the names in them are known to be printable. */
static void emit_catalog_warnings(const pv_catalog *cat)
{
    for (size_t i = 0; i < cat->n_warnings; i++) {
        const pv_catalog_warning *w = &cat->warnings[i];
        bool own_event = strcmp(w->code, "polymorphic_fk_warning") == 0 ||
                         strcmp(w->code, "implied_fk_warning") == 0;
        if (own_event)
            pv_human("Warning: [%s] %s", w->code, w->message);
        else
            warn(w->code, w->message, w->table_id, true);
    }
}

static pv_error *check_identifier_safety(runner *r, outcome *o)
{
    pv_error *err = pv_catalog_check_identifiers(r->pf->catalog);
    if (!err)
        emit_catalog_warnings(r->pf->catalog);
    return err;
}

static pv_error *check_source_privileges(runner *r, outcome *o)
{
    return pv_check_source_privileges(r->pf->source, r->cfg, r->pf->catalog);
}

/* ------------------------------------------------ config vs catalog */

static pv_error *check_config_tables(runner *r, outcome *o)
{
    return pv_check_config_tables(r->cfg, r->pf->catalog);
}

static pv_error *check_partition_config(runner *r, outcome *o)
{
    return pv_check_partition_config(r->cfg, r->pf->catalog);
}

static pv_error *check_config_columns(runner *r, outcome *o)
{
    return pv_check_config_columns(r->cfg, r->pf->catalog);
}

static pv_error *check_sub_partitioning(runner *r, outcome *o)
{
    return pv_check_sub_partitioning(r->cfg, r->pf->catalog);
}

/*
 * Not a reported check: masking.md §1 resolution with the auto-detect scan,
 * once the config is known to fit. Only a pattern library that cannot be
 * loaded fails it (recorded as "resolve_plan").
 */
static pv_error *resolve_plan(runner *r, outcome *o)
{
    const pv_patterns *patterns = NULL;
    if (r->cfg->auto_detect) {
        pv_error *err = pv_patterns_default(&patterns);
        if (err)
            return err;
    }
    r->pf->plan = pv_run_plan_build(r->cfg, r->pf->catalog, patterns);
    return NULL;
}

static pv_error *check_configured_features(runner *r, outcome *o)
{
    return pv_check_configured_features(r->cfg);
}

static pv_error *check_null_actions(runner *r, outcome *o)
{
    return pv_check_null_actions(r->cfg, r->pf->catalog);
}

static pv_error *check_orphan_fks(runner *r, outcome *o)
{
    return pv_check_orphan_fks(r->cfg, r->pf->catalog, r->pf->plan, pv_source_references,
                               r->pf->source);
}

/*
 * Not a reported check: masking.md §7 (FK groups, shared hash paths) once
 * orphan_fks has marked the columns it nulls. Never fails.
 */
static pv_error *link_plan(runner *r, outcome *o)
{
    pv_run_plan_link(r->pf->plan, r->pf->catalog);
    return NULL;
}

/* Emits each warning and makes the check's outcome "warn" with their messages. */
static void warn_all(outcome *o, const pv_plan_warning *warnings, size_t n)
{
    pv_strbuf detail = PV_STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        warn(warnings[i].code, warnings[i].message, warnings[i].table_id, false);
        pv_strbuf_appendf(&detail, "%s%s", i ? "\n" : "", warnings[i].message);
    }
    if (n)
        set_outcome(o, "warn", detail.data);
    pv_strbuf_free(&detail);
}

/* Which providers the plan's fake/pseudonym columns use: any, and any custom one (§8.4). */
static void plan_providers(const pv_run_plan *plan, bool *any, bool *custom)
{
    *any = *custom = false;
    for (size_t t = 0; t < plan->n_tables; t++)
        for (size_t c = 0; c < plan->tables[t].n_columns; c++) {
            const pv_plan_column *pc = &plan->tables[t].columns[c];
            const pv_action *a = pv_plan_column_action(pc);
            if ((pc->action != PV_ACT_FAKE && pc->action != PV_ACT_PSEUDONYM) || !a || !a->provider)
                continue;
            *any = true;
            *custom = *custom || pv_provider_find(a->provider) < 0;
        }
}

static pv_error *check_type_compatibility(runner *r, outcome *o)
{
    pv_type_check_env env = {NULL, NULL, pv_source_value_valid, r->pf->source};
    bool fake = false, custom = false;
    plan_providers(r->pf->plan, &fake, &custom);
    if (fake) {
        /* The longest outputs come from the lists; without them a length is a risk. */
        pv_error *lib_err =
            pv_library_get(r->cfg->faker_library == PV_LIBRARY_CLASSIC ? PV_MASK_LIB_CLASSIC
                                                                       : PV_MASK_LIB_STANDARD,
                           &env.library);
        pv_error_free(lib_err);
    }
    if (custom) {
        pv_error *err = pv_custom_providers(&env.custom);
        if (err)
            return err;
    }
    pv_plan_warning *warnings = NULL;
    size_t n = 0;
    pv_error *err = pv_check_type_compatibility(r->pf->catalog, r->pf->plan, &env, &warnings, &n);
    if (!err)
        warn_all(o, warnings, n);
    pv_plan_warnings_free(warnings, n);
    return err;
}

static pv_error *check_fk_consistency(runner *r, outcome *o)
{
    pv_error *err = pv_check_fk_consistency(r->pf->plan);
    if (!err)
        warn_all(o, r->pf->plan->warnings, r->pf->plan->n_warnings);
    return err;
}

static pv_error *check_subset(runner *r, outcome *o)
{
    /* A configured subset never gets here: configured_features rejects it. */
    set_outcome(o, "skipped", "no subset configured");
    return NULL;
}

static pv_error *check_strict_autodetect(runner *r, outcome *o)
{
    if (!r->opts->strict_autodetect) {
        set_outcome(o, "skipped", "strict mode off");
        return NULL;
    }
    if (r->pf->resume && r->pf->resume->plan) {
        /* masking.md §1: the resumed run masks with its stored plan. */
        set_outcome(o, "skipped", "resume uses the run's stored plan");
        return NULL;
    }
    if (r->opts->defer_strict) {
        set_outcome(o, "skipped", "applied after the report is written");
        return NULL;
    }
    return pv_preflight_strict_check(r->pf->plan, true);
}

/* ------------------------------------------------------------ target */

static pv_error *check_target_privileges(runner *r, outcome *o)
{
    pv_error *err = pv_check_target_privileges(r->pf->target, &r->facts);
    r->pf->state_version = r->facts.state_version;
    return err;
}

static pv_error *check_target_schema_privileges(runner *r, outcome *o)
{
    return pv_check_target_schema_privileges(r->pf->target, &r->facts, r->cfg, r->pf->catalog,
                                             r->policy);
}

static pv_error *check_target_extensions(runner *r, outcome *o)
{
    pv_source_extension *exts = NULL;
    size_t n_exts = 0, n_names = 0;
    char **names = NULL;
    pv_error *err = pv_source_extensions(r->pf->source, r->cfg, r->pf->catalog, &exts, &n_exts);
    if (!err && n_exts)
        err = pv_target_available_extensions(r->pf->target, &names, &n_names);
    if (!err)
        err = pv_check_extensions_available(exts, n_exts, (const char *const *)names, n_names);
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    pv_source_extensions_free(exts, n_exts);
    return err;
}

static pv_error *check_pg_dump_version(runner *r, outcome *o)
{
    return pv_check_pg_dump(PQserverVersion(r->pf->source));
}

static bool action_uses_ner(const pv_action *a)
{
    if (a->kind == PV_ACT_NER_MASK)
        return true;
    for (size_t i = 0; a->kind == PV_ACT_JSON_MASK && i < a->n_rules; i++)
        if (a->rules[i].action.kind == PV_ACT_NER_MASK)
            return true;
    return false;
}

/* masking.md §11: the model is needed when some column resolves to ner_mask. */
static bool plan_uses_ner(const pv_run_plan *plan)
{
    for (size_t t = 0; t < plan->n_tables; t++)
        for (size_t c = 0;
             plan->tables[t].strategy == PV_STRATEGY_TRANSFORM && c < plan->tables[t].n_columns;
             c++)
            if (plan->tables[t].columns[c].action == PV_ACT_NER_MASK)
                return true;
    return false;
}

static pv_error *check_ner_model(runner *r, outcome *o)
{
    bool needed = plan_uses_ner(r->pf->plan);
    for (size_t t = 0; t < r->cfg->n_tables && !needed; t++)
        for (size_t c = 0; c < r->cfg->tables[t].n_columns && !needed; c++)
            needed = action_uses_ner(&r->cfg->tables[t].columns[c].action);
    if (!needed) {
        set_outcome(o, "skipped", "no ner_mask action configured");
        return NULL;
    }
    /* No NER engine in this build: ner_mask columns must not pass through unmasked. */
    char *path = pv_xasprintf("%s/ner", pv_data_dir());
    pv_error *err = pv_error_new(PV_EXIT_PREFLIGHT, "Loading the NER model",
                                 "Install the privaci data files or set PRIVACI_DATA_DIR.",
                                 "The NER model at %s could not be loaded.", path);
    free(path);
    return err;
}

static pv_error *check_disk_advisory(runner *r, outcome *o)
{
    char *msg = pv_disk_advisory_message(r->cfg, r->pf->catalog);
    if (msg) {
        warn("disk_advisory", msg, NULL, true);
        set_outcome(o, "warn", msg);
        free(msg);
    }
    return NULL;
}

static pv_error *check_on_existing_data(runner *r, outcome *o)
{
    if (r->opts->mode == PV_PREFLIGHT_RESUME) {
        set_outcome(o, "skipped", "resume does not apply on_existing_data");
        return NULL;
    }
    pv_error *err = pv_target_user_tables(r->pf->target, &r->pf->target_user_tables);
    if (err || r->pf->target_user_tables == 0 || r->policy != PV_EXISTING_FAIL)
        return err;
    if (r->opts->mode == PV_PREFLIGHT_RUN)
        return pv_on_existing_error(r->pf->target_user_tables);
    /* dry-run predicts the failure instead of failing (cli.md §3.2). */
    char *msg = pv_target_not_empty_message(r->pf->target_user_tables);
    warn("target_not_empty", msg, NULL, false);
    set_outcome(o, "warn", msg);
    free(msg);
    return NULL;
}

/* --------------------------------------------------------- the order */

static const struct {
    const char *name; /* NULL: an internal step, not reported */
    check_fn fn;
} CHECKS[] = {
    {"source_connect", check_source_connect},
    {"target_connect", check_target_connect},
    {"run_lock", check_run_lock},
    {"source_catalog_read", check_source_catalog_read},
    {"introspection", check_introspection},
    {"resume_gate", check_resume_gate},
    {"identifier_safety", check_identifier_safety},
    {"source_privileges", check_source_privileges},
    {"config_tables", check_config_tables},
    {"partition_config", check_partition_config},
    {"config_columns", check_config_columns},
    {"sub_partitioning", check_sub_partitioning},
    {NULL, resolve_plan},
    {"configured_features", check_configured_features},
    {"null_actions", check_null_actions},
    {"orphan_fks", check_orphan_fks},
    {NULL, link_plan},
    {"type_compatibility", check_type_compatibility},
    {"fk_consistency", check_fk_consistency},
    {"subset", check_subset},
    {"strict_autodetect", check_strict_autodetect},
    {"target_privileges", check_target_privileges},
    {"target_schema_privileges", check_target_schema_privileges},
    {"target_extensions", check_target_extensions},
    {"pg_dump_version", check_pg_dump_version},
    {"ner_model", check_ner_model},
    {"disk_advisory", check_disk_advisory},
    {"on_existing_data", check_on_existing_data},
};

static pv_error *run_checks(runner *r)
{
    for (size_t i = 0; i < sizeof(CHECKS) / sizeof(CHECKS[0]); i++) {
        if (pv_signals_interrupted())
            return pv_signals_error();
        outcome o = {"ok", NULL};
        pv_error *err = CHECKS[i].fn(r, &o);
        /* The internal step (resolve_plan) is reported only when it fails: the failure is last. */
        const char *name = CHECKS[i].name ? CHECKS[i].name : err ? "resolve_plan" : NULL;
        if (name)
            record(r, name, err ? "fail" : o.status, err ? err->cause : o.detail);
        free(o.detail);
        if (err)
            return err;
    }
    return NULL;
}

pv_error *pv_preflight_run(const pv_preflight_opts *opts, pv_preflight **out)
{
    *out = NULL;
    runner r = {opts, opts->cfg, pv_xcalloc(1, sizeof(pv_preflight)), json_array(), {0}, 0};
    r.policy = opts->force_restart ? PV_EXISTING_TRUNCATE : opts->cfg->on_existing_data;
    pv_error *err = run_checks(&r);
    json_t *fields = json_object();
    json_object_set_new(fields, "checks", r.checks);
    if (err) {
        pv_event(PV_LOG_ERROR, "preflight.fail", fields);
        pv_preflight_free(r.pf);
    } else {
        json_object_set_new(fields, "tables", json_integer((json_int_t)r.pf->catalog->n_tables));
        pv_event(PV_LOG_INFO, "preflight.ok", fields);
        *out = r.pf;
    }
    pv_target_facts_free(&r.facts);
    return err;
}

void pv_preflight_free(pv_preflight *pf)
{
    if (!pf)
        return;
    /* Closing ends the snapshot transaction and releases the session-level lock. */
    if (pf->source)
        PQfinish(pf->source);
    if (pf->target)
        PQfinish(pf->target);
    pv_run_plan_free(pf->plan);
    pv_resume_run_free(pf->resume);
    pv_catalog_free(pf->catalog);
    free(pf->snapshot_id);
    free(pf);
}

pv_error *pv_preflight_strict_check(const pv_run_plan *plan, bool strict_autodetect)
{
    if (!strict_autodetect || !plan)
        return NULL;
    pv_strlist uncovered = {0};
    pv_run_plan_uncovered(plan, &uncovered);
    if (uncovered.n == 0)
        return NULL;
    pv_strbuf paths = PV_STRBUF_INIT;
    for (size_t i = 0; i < uncovered.n; i++)
        pv_strbuf_appendf(&paths, "%s%s", i ? ", " : "", uncovered.items[i]);
    pv_strlist_free(&uncovered);
    pv_error *err = pv_error_new(
        PV_EXIT_CONFIG, "Validating strict auto-detect coverage",
        "Add each column to mask-rules.yaml or set strict_autodetect: false. Example: Add "
        "'users.email' to mask-rules.yaml or pass --no-strict-autodetect to acknowledge.",
        "Uncovered PII columns: %s", paths.data);
    pv_strbuf_free(&paths);
    return err;
}

void pv_preflight_emit_relationship_events(const pv_catalog *cat)
{
    for (size_t i = 0; i < cat->n_warnings; i++) {
        const pv_catalog_warning *w = &cat->warnings[i];
        json_t *fields = json_object();
        if (strcmp(w->code, "polymorphic_fk_warning") == 0) {
            const pv_table *t = pv_catalog_find(cat, w->table_id);
            json_object_set_new(fields, "schema_name", json_string(t ? t->schema : ""));
            json_object_set_new(fields, "table_name", json_string(t ? t->name : ""));
            json_object_set_new(fields, "type_column", json_string(w->type_column));
            json_object_set_new(fields, "id_column", json_string(w->id_column));
            json_object_set_new(fields, "table_id", json_string(w->table_id));
        } else if (strcmp(w->code, "implied_fk_warning") == 0) {
            json_object_set_new(fields, "source_column_path", json_string(w->source_column_path));
            json_object_set_new(fields, "inferred_target_column_path",
                                json_string(w->target_column_path));
            json_object_set_new(fields, "suggested_seed_alias", json_string(w->target_column_path));
        } else {
            json_decref(fields);
            continue;
        }
        json_object_set_new(fields, "message", json_string(w->message));
        pv_event(PV_LOG_WARNING, w->code, fields);
    }
}
