/* snapshot.c — canonical snapshot JSON and the `catalog inspect` report. */
#include "catalog/snapshot.h"

#include "util/canonjson.h"
#include "util/strbuf.h"

#include <stdlib.h>

/* ------------------------------------------------------------------ JSON */

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *string_array(const pv_strlist *list)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < list->n; i++)
        json_array_append_new(arr, json_string(list->items[i]));
    return arr;
}

static const char *identity_name(char identity)
{
    return identity == 'a' ? "ALWAYS" : identity == 'd' ? "BY DEFAULT" : NULL;
}

/*
 * pg_stats avg_width and the type oid stay out: the first changes with a
 * plain ANALYZE, the second with a dump/restore of the source, and neither
 * is structure that drift detection should report.
 */
static json_t *column_json(const pv_column *c)
{
    bool has_sequence = c->sequence_name != NULL;
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(c->name));
    json_object_set_new(o, "data_type", json_string(c->data_type));
    json_object_set_new(o, "not_null", json_boolean(c->not_null));
    json_object_set_new(o, "default_expression", string_or_null(c->default_expr));
    json_object_set_new(o, "is_identity", json_boolean(c->identity != 0));
    json_object_set_new(o, "identity_generation", string_or_null(identity_name(c->identity)));
    json_object_set_new(o, "sequence_name", string_or_null(c->sequence_name));
    json_object_set_new(o, "uses_serial", json_boolean(has_sequence && c->identity == 0));
    /* Ours (§10 allows added column fields). */
    json_object_set_new(o, "generated_expression", string_or_null(c->generated_expr));
    json_object_set_new(o, "collation", string_or_null(c->collation));
    return o;
}

static json_t *foreign_key_json(const pv_foreign_key *fk)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(fk->name));
    json_object_set_new(o, "source_columns", string_array(&fk->columns));
    json_object_set_new(o, "referenced_schema", json_string(fk->ref_schema));
    json_object_set_new(o, "referenced_table", json_string(fk->ref_table));
    json_object_set_new(o, "referenced_columns", string_array(&fk->ref_columns));
    json_object_set_new(o, "on_delete", json_string(fk->on_delete));
    json_object_set_new(o, "on_update", json_string(fk->on_update));
    json_object_set_new(o, "deferrable", json_boolean(fk->deferrable));
    json_object_set_new(o, "initially_deferred", json_boolean(fk->initially_deferred));
    return o;
}

static json_t *index_json(const pv_index *ix)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(ix->name));
    json_object_set_new(o, "is_unique", json_boolean(ix->is_unique));
    json_object_set_new(o, "definition", json_string(ix->definition));
    json_object_set_new(o, "columns", string_array(&ix->columns));
    /* Ours: both are visible in the definition, but callers should not parse it. */
    json_object_set_new(o, "is_partial", json_boolean(ix->is_partial));
    json_object_set_new(o, "has_expressions", json_boolean(ix->has_expressions));
    return o;
}

static void set_table_lists(json_t *o, const pv_table *t)
{
    json_t *cols = json_array(), *fks = json_array(), *ixs = json_array();
    json_t *checks = json_array(), *uniques = json_array();
    for (size_t i = 0; i < t->n_columns; i++)
        json_array_append_new(cols, column_json(&t->columns[i]));
    for (size_t i = 0; i < t->n_fks; i++)
        json_array_append_new(fks, foreign_key_json(&t->fks[i]));
    for (size_t i = 0; i < t->n_indexes; i++)
        json_array_append_new(ixs, index_json(&t->indexes[i]));
    for (size_t i = 0; i < t->n_checks; i++)
        json_array_append_new(checks, json_pack("{s:s, s:s}", "name", t->checks[i].name,
                                                "definition", t->checks[i].definition));
    for (size_t i = 0; i < t->n_uniques; i++)
        json_array_append_new(uniques, string_array(&t->uniques[i].columns));
    json_object_set_new(o, "columns", cols);
    json_object_set_new(o, "foreign_keys", fks);
    json_object_set_new(o, "indexes", ixs);
    json_object_set_new(o, "check_constraints", checks);
    json_object_set_new(o, "unique_constraints", uniques);
    json_object_set_new(o, "primary_key", string_array(&t->primary_key));
}

static json_t *table_json(const pv_table *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "schema_name", json_string(t->schema));
    json_object_set_new(o, "table_name", json_string(t->name));
    json_object_set_new(o, "estimated_rows", json_real(t->estimated_rows));
    set_table_lists(o, t);
    json_object_set_new(o, "is_partitioned", json_boolean(t->is_partitioned));
    json_object_set_new(o, "partition_strategy", string_or_null(t->partition_strategy));
    json_object_set_new(o, "partition_key_def", string_or_null(t->partition_key_def));
    json_object_set_new(o, "partition_children", string_array(&t->partition_children));
    json_object_set_new(o, "parent_partition", string_or_null(t->parent_id));
    json_object_set_new(o, "partition_bound", string_or_null(t->partition_bound));
    json_object_set_new(o, "self_cycle", json_boolean(t->self_cycle));
    return o;
}

static json_t *load_plan_json(const pv_load_plan *plan)
{
    json_t *layers = json_array(), *deferred = json_array();
    for (size_t i = 0; i < plan->n_layers; i++)
        json_array_append_new(layers, string_array(&plan->layers[i]));
    for (size_t i = 0; i < plan->n_deferred; i++)
        json_array_append_new(deferred, json_pack("{s:s, s:s, s:s}", "referencing_table",
                                                  plan->deferred[i].referencing, "foreign_key_name",
                                                  plan->deferred[i].fk_name, "referenced_table",
                                                  plan->deferred[i].referenced));
    return json_pack("{s:o, s:o}", "layers", layers, "deferred_edges", deferred);
}

static json_t *skipped_json(const pv_skipped_object *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(s->kind));
    json_object_set_new(o, "schema_name", string_or_null(s->schema));
    json_object_set_new(o, "object_name", json_string(s->object_name));
    json_object_set_new(o, "parent_table", string_or_null(s->parent_table));
    if (s->object_type) /* ours: which FDW object (§8.3 audit payload) */
        json_object_set_new(o, "object_type", json_string(s->object_type));
    return o;
}

json_t *pv_catalog_snapshot(const pv_catalog *cat)
{
    json_t *tables = json_object(), *views = json_array(), *skipped = json_array();
    json_t *warnings = json_array();
    /* Equal ids (only possible with dots inside names) keep the first table. */
    for (size_t i = 0; i < cat->n_tables; i++)
        if (!json_object_get(tables, cat->tables[i].id))
            json_object_set_new(tables, cat->tables[i].id, table_json(&cat->tables[i]));
    for (size_t i = 0; i < cat->n_views; i++)
        json_array_append_new(views, json_pack("{s:s, s:s, s:s}", "kind", cat->views[i].kind,
                                               "schema_name", cat->views[i].schema, "view_name",
                                               cat->views[i].name));
    for (size_t i = 0; i < cat->n_skipped; i++)
        json_array_append_new(skipped, skipped_json(&cat->skipped[i]));
    for (size_t i = 0; i < cat->n_warnings; i++)
        json_array_append_new(warnings, json_pack("{s:s, s:s, s:s}", "code", cat->warnings[i].code,
                                                  "message", cat->warnings[i].message, "table_id",
                                                  cat->warnings[i].table_id));
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "load_plan", load_plan_json(&cat->plan),
                     "skipped_objects", skipped, "tables", tables, "views", views, "warnings",
                     warnings);
}

char *pv_catalog_snapshot_text(const pv_catalog *cat)
{
    json_t *snap = pv_catalog_snapshot(cat);
    char *text = pv_canonjson_dump(snap);
    json_decref(snap);
    return text;
}

/* ------------------------------------------------------------------ text */

static void render_tables(pv_strbuf *sb, const pv_catalog *cat)
{
    pv_strbuf_appendf(sb, "Discovered %zu table(s) and %zu view(s):\n", cat->n_tables,
                      cat->n_views);
    for (size_t i = 0; i < cat->n_tables; i++) {
        const pv_table *t = &cat->tables[i];
        pv_strbuf_appendf(sb, "  %s (%zu cols, %zu fks, ", t->id, t->n_columns, t->n_fks);
        if (t->estimated_rows < 0)
            pv_strbuf_append(sb, "~unknown rows)");
        else
            pv_strbuf_appendf(sb, "~%.0f rows)", t->estimated_rows);
        pv_strbuf_append(sb, t->self_cycle ? " [self-cycle]\n" : "\n");
    }
}

static void render_views(pv_strbuf *sb, const pv_catalog *cat)
{
    if (cat->n_views == 0)
        return;
    pv_strbuf_append(sb, "\nViews (not replicated):\n");
    for (size_t i = 0; i < cat->n_views; i++)
        pv_strbuf_appendf(sb, "  %s [%s]\n", cat->views[i].id, cat->views[i].kind);
}

static void render_plan(pv_strbuf *sb, const pv_catalog *cat)
{
    const pv_load_plan *plan = &cat->plan;
    pv_strbuf_appendf(sb, "\nLoad plan (%zu layer(s)):\n", plan->n_layers);
    for (size_t l = 0; l < plan->n_layers; l++) {
        pv_strbuf_appendf(sb, "  %zu. ", l + 1);
        for (size_t i = 0; i < plan->layers[l].n; i++)
            pv_strbuf_appendf(sb, "%s%s", i ? ", " : "", plan->layers[l].items[i]);
        pv_strbuf_append_char(sb, '\n');
    }
    if (plan->n_deferred == 0)
        return;
    pv_strbuf_append(sb, "\nDeferred FK edges (cycle break):\n");
    for (size_t i = 0; i < plan->n_deferred; i++)
        pv_strbuf_appendf(sb, "  %s -[%s]-> %s\n", plan->deferred[i].referencing,
                          plan->deferred[i].fk_name, plan->deferred[i].referenced);
}

static void render_warnings(pv_strbuf *sb, const pv_catalog *cat)
{
    if (cat->n_warnings == 0)
        return;
    pv_strbuf_appendf(sb, "\nWarnings (%zu):\n", cat->n_warnings);
    for (size_t i = 0; i < cat->n_warnings; i++)
        pv_strbuf_appendf(sb, "  [%s] %s\n", cat->warnings[i].code, cat->warnings[i].message);
}

char *pv_catalog_render_text(const pv_catalog *cat)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    render_tables(&sb, cat);
    render_views(&sb, cat);
    render_plan(&sb, cat);
    render_warnings(&sb, cat);
    return pv_strbuf_take(&sb);
}
