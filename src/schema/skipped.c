/*
 * skipped.c — recording what schema replication leaves out on purpose
 * (spec/catalog-and-schema.md §8.3, §6.2; observability.md §3; state.md §6).
 *
 * The objects come from the source catalog (the same lists the canonical
 * snapshot carries), not from the dump, so the events name exactly what
 * `catalog inspect` shows.
 */
#include "schema/plan.h"

#include "obs/log.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Kinds whose event and audit row are about a table (§8.3 second and third rows). */
static bool on_table(const char *kind)
{
    return strcmp(kind, "trigger") == 0 || strcmp(kind, "rule") == 0 ||
           strcmp(kind, "policy") == 0 || strcmp(kind, "row_security") == 0;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static pv_error *record(pv_audit_fn audit, void *ud, json_t *fields, const char *audit_schema,
                        const char *audit_table, json_t *payload)
{
    pv_event(PV_LOG_INFO, "skipped_object", fields);
    pv_error *err = audit ? audit(ud, "skipped_object", audit_schema, audit_table, payload) : NULL;
    json_decref(payload);
    return err;
}

static pv_error *record_view(const pv_view *v, pv_audit_fn audit, void *ud)
{
    json_t *fields = json_pack("{s:s, s:s, s:s}", "schema_name", v->schema, "object_name", v->name,
                               "kind", v->kind);
    return record(audit, ud, fields, v->schema, v->name, json_pack("{s:s}", "kind", v->kind));
}

static pv_error *record_object(const pv_skipped_object *o, pv_audit_fn audit, void *ud)
{
    json_t *fields = json_object();
    json_object_set_new(fields, "schema_name", str_or_null(o->schema));
    if (on_table(o->kind))
        json_object_set_new(fields, "table_name", str_or_null(o->parent_table));
    json_object_set_new(fields, "object_name", json_string(o->object_name));
    json_object_set_new(fields, "kind", json_string(o->kind));

    json_t *payload = json_pack("{s:s}", "kind", o->kind);
    if (on_table(o->kind)) {
        json_object_set_new(payload, "object_name", json_string(o->object_name));
        return record(audit, ud, fields, o->schema, o->parent_table, payload);
    }
    if (o->object_type)
        json_object_set_new(payload, "object_type", json_string(o->object_type));
    /* Other objects: their schema (or none) and their own name as table_name (§8.3). */
    return record(audit, ud, fields, o->schema, o->object_name, payload);
}

/* FKs of in-scope tables into excluded ones are not created (§6.2 rows 1 and 4). */
static pv_error *record_omitted_fks(const pv_schema_plan *p, pv_audit_fn audit, void *ud)
{
    for (size_t i = 0; i < p->n_tables; i++) {
        const pvs_table *c = &p->tables[i];
        if (!c->in_scope)
            continue;
        for (size_t k = 0; k < c->t->n_fks; k++) {
            const pv_foreign_key *fk = &c->t->fks[k];
            const pv_table *ref = pv_catalog_find_qualified(p->cat, fk->ref_schema, fk->ref_table);
            const pvs_table *r = ref ? pvs_plan_table(p, ref->oid) : NULL;
            if (!r || r->in_scope)
                continue;
            char *msg = pv_xasprintf("Foreign key %s on %s references excluded table %s; it is "
                                     "not created on the target.",
                                     fk->name, c->t->id, ref->id);
            pv_error *err = pvs_warn_fk_dropped(audit, ud, c->t->schema, c->t->name, msg);
            free(msg);
            if (err)
                return err;
        }
    }
    return NULL;
}

pv_error *pv_schema_record_skipped(const pv_schema_plan *p, pv_audit_fn audit, void *ud)
{
    const pv_catalog *cat = p->cat;
    pv_error *err = NULL;
    for (size_t i = 0; !err && i < cat->n_views; i++)
        err = record_view(&cat->views[i], audit, ud);
    for (size_t i = 0; !err && i < cat->n_skipped; i++)
        err = record_object(&cat->skipped[i], audit, ud);
    if (!err)
        err = record_omitted_fks(p, audit, ud);
    return err;
}
