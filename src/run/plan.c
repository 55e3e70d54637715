#include "run/plan.h"

#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_COLUMN_WIDTH 64
#define EMPTY_ROW_WIDTH      256
#define BATCH_BYTES          268435456 /* 256 MiB */
#define MIN_BATCH_ROWS       100

const char *pv_plan_source_name(pv_plan_source source)
{
    switch (source) {
    case PV_SOURCE_CONFIG:
        return "config";
    case PV_SOURCE_AUTODETECT:
        return "autodetect";
    case PV_SOURCE_FK_INHERITED:
        return "fk_inherited";
    case PV_SOURCE_NULL_ORPHAN_FKS:
        return "null_orphan_fks";
    default:
        return "default";
    }
}

/* ---------------------------------------------------------- batch size */

int64_t pv_batch_rows(int64_t requested, const pv_table *t)
{
    int64_t width = 0;
    for (size_t i = 0; i < t->n_columns; i++)
        width += t->columns[i].avg_width > 0 ? t->columns[i].avg_width : DEFAULT_COLUMN_WIDTH;
    if (t->n_columns == 0)
        width = EMPTY_ROW_WIDTH;
    if (width < DEFAULT_COLUMN_WIDTH)
        width = DEFAULT_COLUMN_WIDTH;
    int64_t max_rows = BATCH_BYTES / width;
    if (max_rows < MIN_BATCH_ROWS)
        max_rows = MIN_BATCH_ROWS;
    int64_t rows = requested < max_rows ? requested : max_rows;
    return rows < MIN_BATCH_ROWS ? MIN_BATCH_ROWS : rows;
}

static int64_t requested_rows(const pv_config *cfg, const pv_table_config *tc)
{
    return tc && tc->batch_size > 0 ? tc->batch_size : cfg->batch_size;
}

/* A parent's batch is the smallest of its children's (cli.md §3.2). */
static int64_t table_batch_rows(const pv_config *cfg, const pv_catalog *cat,
                                const pv_plan_table *pt)
{
    if (pt->strategy != PV_STRATEGY_TRANSFORM)
        return 0;
    int64_t requested = requested_rows(cfg, pt->config);
    const pv_table *t = pt->table;
    if (!t->is_partitioned || t->partition_children.n == 0)
        return pv_batch_rows(requested, t);
    int64_t best = 0;
    for (size_t i = 0; i < t->partition_children.n; i++) {
        const pv_table *child = pv_catalog_find(cat, t->partition_children.items[i]);
        if (!child)
            continue;
        int64_t rows = pv_batch_rows(requested, child);
        if (best == 0 || rows < best)
            best = rows;
    }
    return best ? best : pv_batch_rows(requested, t);
}

/* ---------------------------------------------------------- uniqueness */

static bool is_integer_type(const pv_column *c)
{
    const char *type = c->domain_base ? c->domain_base : c->data_type;
    if (strcmp(type, "smallint") == 0 || strcmp(type, "integer") == 0 ||
        strcmp(type, "bigint") == 0)
        return true;
    /* numeric(p) is shown as numeric(p,0); unconstrained numeric has no range. */
    size_t len = strlen(type);
    return strncmp(type, "numeric(", 8) == 0 && len > 3 && strcmp(type + len - 3, ",0)") == 0;
}

static bool provider_permutes(const char *provider)
{
    return provider && (strcmp(provider, "postcode") == 0 || strcmp(provider, "credit_card") == 0 ||
                        strcmp(provider, "phone") == 0);
}

/* masking.md §9.2: standard library, unique integer column, a permuting action. */
static bool uses_fpe(pv_faker_library library, const pv_plan_column *pc)
{
    if (!pc->hash_path)
        return false;
    if (library != PV_LIBRARY_STANDARD || !pc->unique || !is_integer_type(pc->column))
        return false;
    if (pc->action == PV_ACT_HASH)
        return true;
    const pv_action *a = pv_plan_column_action(pc);
    if ((pc->action == PV_ACT_FAKE || pc->action == PV_ACT_PSEUDONYM) && a)
        return provider_permutes(a->provider);
    return false;
}

/* ---------------------------------------------------------- resolution */

static char *hash_path_for(const pv_table *config_table, const pv_plan_column *pc)
{
    if (pc->action == PV_ACT_PASSTHROUGH || pc->action == PV_ACT_NULL)
        return NULL;
    if (pc->rule && pc->rule->action.seed_alias)
        return pv_xstrdup(pc->rule->action.seed_alias);
    return pv_xasprintf("%s.%s", config_table->id, pc->column->name);
}

const pv_action *pv_plan_column_action(const pv_plan_column *pc)
{
    if (pc->source == PV_SOURCE_CONFIG && pc->rule)
        return &pc->rule->action;
    if (pc->source == PV_SOURCE_AUTODETECT && pc->finding)
        return pv_finding_action(pc->finding);
    /* An origin is never inherited itself: one step. */
    if (pc->source == PV_SOURCE_FK_INHERITED && pc->origin &&
        pc->origin->source != PV_SOURCE_FK_INHERITED)
        return pv_plan_column_action(pc->origin);
    return NULL;
}

char *pv_plan_action_label(const pv_plan_column *pc)
{
    const pv_action *a = pv_plan_column_action(pc);
    bool has_provider = pc->action == PV_ACT_FAKE || pc->action == PV_ACT_PSEUDONYM;
    if (has_provider && a && a->provider)
        return pv_xasprintf("%s/%s", pv_action_name(pc->action), a->provider);
    return pv_xstrdup(pv_action_name(pc->action));
}

void pv_plan_column_refresh_fpe(pv_faker_library library, pv_plan_column *pc)
{
    pc->fpe = uses_fpe(library, pc);
}

/* masking.md §1 step 4: a high finding with an action masks the column (auto_detect on). */
static bool applies_finding(const pv_config *cfg, const pv_finding *f)
{
    return cfg->auto_detect && f && f->source == PV_FINDING_AUTODETECT &&
           f->confidence == PV_CONFIDENCE_HIGH && pv_finding_action(f);
}

static void resolve_column(const pv_config *cfg, const pv_plan_table *pt, pv_plan_column *pc,
                           size_t index)
{
    const pv_column *column = &pt->table->columns[index];
    pc->column = column;
    pc->finding = pt->findings ? &pt->findings[index] : NULL;
    pc->rule = pt->config ? pv_config_column(pt->config, column->name) : NULL;
    pc->action = pc->rule ? pc->rule->action.kind : PV_ACT_PASSTHROUGH;
    pc->source = pc->rule ? PV_SOURCE_CONFIG : PV_SOURCE_DEFAULT;
    if (!pc->rule && applies_finding(cfg, pc->finding)) {
        pc->action = pv_finding_action(pc->finding)->kind;
        pc->source = PV_SOURCE_AUTODETECT;
    }
    pc->unique = pv_model_column_unique(pt->table, column->name);
    pc->hash_path = hash_path_for(pt->table, pc);
    pc->fpe = uses_fpe(cfg->faker_library, pc);
}

/* autodetect.md §1: every column of a config table that is not excluded. */
static void detect_table(const pv_config *cfg, const pv_catalog *cat, const pv_patterns *patterns,
                         pv_plan_table *pt)
{
    if (pt->strategy == PV_STRATEGY_EXCLUDE)
        return;
    const pv_table *t = pt->table;
    pt->findings = pv_xcalloc(t->n_columns ? t->n_columns : 1, sizeof(*pt->findings));
    for (size_t c = 0; c < t->n_columns; c++) {
        const pv_column *column = &t->columns[c];
        const pv_column_rule *rule = pt->config ? pv_config_column(pt->config, column->name) : NULL;
        if (rule) {
            pv_detect_explicit(t, column, rule, &pt->findings[c]);
            continue;
        }
        pv_detect_column in = {t, column, pv_detect_avg_width(cat, t, column),
                               pv_model_column_unique(t, column->name)};
        pv_detect_classify(patterns, cfg->auto_detect, &in, &pt->findings[c]);
    }
}

pv_run_plan *pv_run_plan_build(const pv_config *cfg, const pv_catalog *cat,
                               const pv_patterns *patterns)
{
    pv_run_plan *plan = pv_xcalloc(1, sizeof(*plan));
    plan->faker_library = cfg->faker_library;
    plan->tables = pv_xcalloc(cat->n_tables ? cat->n_tables : 1, sizeof(*plan->tables));
    for (size_t i = 0; i < cat->n_tables; i++) {
        const pv_table *t = &cat->tables[i];
        if (t->parent_id)
            continue; /* children follow their parent's plan */
        pv_plan_table *pt = &plan->tables[plan->n_tables++];
        pt->table = t;
        pt->config = pv_config_table(cfg, t->id);
        pt->strategy = pt->config ? pt->config->strategy : PV_STRATEGY_TRANSFORM;
        pt->batch_rows = table_batch_rows(cfg, cat, pt);
        detect_table(cfg, cat, patterns, pt);
        pt->columns = pv_xcalloc(t->n_columns ? t->n_columns : 1, sizeof(*pt->columns));
        pt->n_columns = t->n_columns;
        for (size_t c = 0; c < t->n_columns; c++)
            resolve_column(cfg, pt, &pt->columns[c], c);
    }
    return plan;
}

void pv_run_plan_free(pv_run_plan *plan)
{
    if (!plan)
        return;
    for (size_t i = 0; i < plan->n_tables; i++) {
        pv_plan_table *pt = &plan->tables[i];
        for (size_t c = 0; c < pt->n_columns; c++) {
            free(pt->columns[c].hash_path);
            if (pt->findings)
                pv_finding_clear(&pt->findings[c]);
        }
        free(pt->columns);
        free(pt->findings);
    }
    free(plan->tables);
    for (size_t i = 0; i < plan->n_omitted_fks; i++) {
        free(plan->omitted_fks[i].table_id);
        free(plan->omitted_fks[i].fk_name);
    }
    free(plan->omitted_fks);
    for (size_t i = 0; i < plan->n_groups; i++) {
        free(plan->groups[i].root);
        free(plan->groups[i].hash_path);
        pv_strlist_free(&plan->groups[i].members);
    }
    free(plan->groups);
    pv_strlist_free(&plan->fk_action_conflicts);
    pv_strlist_free(&plan->fk_alias_conflicts);
    for (size_t i = 0; i < plan->n_warnings; i++) {
        free(plan->warnings[i].message);
        free(plan->warnings[i].table_id);
    }
    free(plan->warnings);
    free(plan);
}

pv_plan_table *pv_run_plan_table(const pv_run_plan *plan, const pv_catalog *cat, const pv_table *t)
{
    const pv_table *config_table = pv_model_config_table(cat, t);
    for (size_t i = 0; i < plan->n_tables; i++)
        if (plan->tables[i].table == config_table)
            return &plan->tables[i];
    return NULL;
}

void pv_run_plan_null_orphan_fk(pv_run_plan *plan, const pv_catalog *cat, const pv_table *t,
                                const char *column)
{
    pv_plan_table *pt = pv_run_plan_table(plan, cat, t);
    for (size_t c = 0; pt && c < pt->n_columns; c++) {
        pv_plan_column *pc = &pt->columns[c];
        if (strcmp(pc->column->name, column) != 0)
            continue;
        /* Orphaned references must not survive, whatever the config said. */
        pc->action = PV_ACT_NULL;
        pc->source = PV_SOURCE_NULL_ORPHAN_FKS;
        pc->fpe = false;
        free(pc->hash_path);
        pc->hash_path = NULL;
    }
}

void pv_run_plan_omit_fk(pv_run_plan *plan, const char *table_id, const char *fk_name)
{
    plan->omitted_fks =
        pv_xrealloc(plan->omitted_fks, (plan->n_omitted_fks + 1) * sizeof(*plan->omitted_fks));
    pv_omitted_fk *o = &plan->omitted_fks[plan->n_omitted_fks++];
    o->table_id = pv_xstrdup(table_id);
    o->fk_name = pv_xstrdup(fk_name);
}

/* ---------------------------------------------------------------- JSON */

static json_t *simple_action(const char *name)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "action", json_string(name));
    return obj;
}

/* An auto-detect proposal as the canonical config JSON would render it (config.md §11). */
static json_t *proposal_json(const pv_action *a)
{
    json_t *obj = simple_action(pv_action_name(a->kind));
    if (a->kind == PV_ACT_FAKE) {
        json_object_set_new(obj, "provider", json_string(a->provider));
        json_object_set_new(obj, "seed_alias", json_null());
        json_object_set_new(obj, "params", json_object());
    } else if (a->kind == PV_ACT_STATIC) {
        json_object_set_new(obj, "value", json_string(a->value));
    } else if (a->kind == PV_ACT_NER_MASK) {
        json_t *entities = json_array();
        for (size_t i = 0; i < a->entities.n; i++)
            json_array_append_new(entities, json_string(a->entities.items[i]));
        json_object_set_new(obj, "entities", entities);
    }
    return obj;
}

/*
 * The action object exactly as the canonical config JSON renders it; an
 * fk_inherited column shows its origin's (the action it is masked with).
 */
static json_t *action_json(const json_t *canonical, const pv_plan_table *pt,
                           const pv_plan_column *pc)
{
    if (pc->source == PV_SOURCE_FK_INHERITED && pc->origin && pc->origin_table &&
        pc->origin->source != PV_SOURCE_FK_INHERITED)
        return action_json(canonical, pc->origin_table, pc->origin);
    if (pc->source == PV_SOURCE_CONFIG) {
        json_t *tables = json_object_get(canonical, "tables");
        json_t *columns = json_object_get(json_object_get(tables, pt->config->id), "columns");
        json_t *action = json_object_get(columns, pc->column->name);
        if (action)
            return json_deep_copy(action);
    }
    const pv_action *proposal = pv_plan_column_action(pc);
    if (pc->source == PV_SOURCE_AUTODETECT && proposal)
        return proposal_json(proposal);
    return simple_action(pv_action_name(pc->action));
}

static json_t *column_json(const json_t *canonical, const pv_plan_table *pt,
                           const pv_plan_column *pc)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "action", action_json(canonical, pt, pc));
    json_object_set_new(obj, "source", json_string(pv_plan_source_name(pc->source)));
    json_object_set_new(obj, "hash_path", pc->hash_path ? json_string(pc->hash_path) : json_null());
    json_object_set_new(obj, "unique", json_boolean(pc->unique));
    json_object_set_new(obj, "fpe", json_boolean(pc->fpe));
    return obj;
}

json_t *pv_run_plan_json(const pv_run_plan *plan, const pv_config *cfg)
{
    json_t *canonical = pv_config_canonical_json(cfg);
    json_t *tables = json_object();
    for (size_t i = 0; i < plan->n_tables; i++) {
        const pv_plan_table *pt = &plan->tables[i];
        if (pt->strategy != PV_STRATEGY_TRANSFORM)
            continue;
        json_t *columns = json_object();
        for (size_t c = 0; c < pt->n_columns; c++)
            json_object_set_new(columns, pt->columns[c].column->name,
                                column_json(canonical, pt, &pt->columns[c]));
        json_object_set_new(tables, pt->table->id, columns);
    }
    json_decref(canonical);
    json_t *doc = json_object();
    json_object_set_new(
        doc, "faker_library",
        json_string(plan->faker_library == PV_LIBRARY_CLASSIC ? "classic" : "standard"));
    json_object_set_new(doc, "tables", tables);
    return doc;
}

/* ------------------------------------------------------------ findings */

void pv_run_plan_uncovered(const pv_run_plan *plan, pv_strlist *out)
{
    for (size_t i = 0; i < plan->n_tables; i++) {
        const pv_plan_table *pt = &plan->tables[i];
        for (size_t c = 0; pt->findings && c < pt->n_columns; c++) {
            if (!pv_finding_uncovered(&pt->findings[c]))
                continue;
            char *path = pv_xasprintf("%s.%s", pt->table->id, pt->columns[c].column->name);
            pv_strlist_push(out, path);
            free(path);
        }
    }
    pv_strlist_sort(out);
}

pv_error *pv_run_plan_audit_findings(const pv_run_plan *plan, PGconn *conn, const pv_audit_log *log)
{
    for (size_t i = 0; i < plan->n_tables; i++) {
        const pv_plan_table *pt = &plan->tables[i];
        for (size_t c = 0; pt->findings && c < pt->n_columns; c++) {
            json_t *payload = pv_finding_audit_payload(&pt->findings[c]);
            pv_error *err = pv_state_audit(conn, log, "column.pii_detected", pt->table->schema,
                                           pt->table->name, pt->columns[c].column->name, payload);
            json_decref(payload);
            if (err)
                return err;
        }
    }
    return NULL;
}
