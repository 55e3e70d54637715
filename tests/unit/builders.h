/*
 * builders.h — hand-built catalogs and configs for the src/run unit tests
 * (test_preflight.c, test_plan.c). Include after <cmocka.h>.
 */
#ifndef PRIVACI_TESTS_UNIT_BUILDERS_H
#define PRIVACI_TESTS_UNIT_BUILDERS_H

#include "catalog/catalog.h"
#include "config/config.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ builders */

#define MAX_TABLES 32

static inline pv_catalog *new_catalog(void)
{
    pv_catalog *cat = pv_xcalloc(1, sizeof(*cat));
    cat->server_version = 150004;
    cat->tables = pv_xcalloc(MAX_TABLES, sizeof(*cat->tables));
    return cat;
}

static inline pv_table *add_table(pv_catalog *cat, const char *schema, const char *name,
                                  double rows)
{
    assert_true(cat->n_tables < MAX_TABLES);
    pv_table *t = &cat->tables[cat->n_tables++];
    t->schema = pv_xstrdup(schema);
    t->name = pv_xstrdup(name);
    t->id = pv_xasprintf("%s.%s", schema, name);
    t->oid = (unsigned)(16384 + cat->n_tables);
    t->relkind = 'r';
    t->estimated_rows = rows;
    return t;
}

static inline pv_column *add_column(pv_table *t, const char *name, const char *type, bool not_null,
                                    int avg_width)
{
    t->columns = pv_xrealloc(t->columns, (t->n_columns + 1) * sizeof(*t->columns));
    pv_column *c = &t->columns[t->n_columns];
    memset(c, 0, sizeof(*c));
    c->name = pv_xstrdup(name);
    c->data_type = pv_xstrdup(type);
    c->not_null = not_null;
    c->attnum = (int)++t->n_columns;
    c->avg_width = avg_width;
    return c;
}

static inline void set_pk(pv_table *t, const char *column)
{
    t->primary_key_name = pv_xasprintf("%s_pkey", t->name);
    pv_strlist_push(&t->primary_key, column);
}

static inline void add_unique(pv_table *t, const char *column)
{
    t->uniques = pv_xrealloc(t->uniques, (t->n_uniques + 1) * sizeof(*t->uniques));
    pv_unique *u = &t->uniques[t->n_uniques++];
    u->name = pv_xasprintf("%s_%s_key", t->name, column);
    memset(&u->columns, 0, sizeof(u->columns));
    pv_strlist_push(&u->columns, column);
}

static inline void add_fk(pv_table *t, const char *name, const char *column, const char *ref_schema,
                          const char *ref_table, const char *ref_column)
{
    t->fks = pv_xrealloc(t->fks, (t->n_fks + 1) * sizeof(*t->fks));
    pv_foreign_key *fk = &t->fks[t->n_fks++];
    memset(fk, 0, sizeof(*fk));
    fk->name = pv_xstrdup(name);
    pv_strlist_push(&fk->columns, column);
    fk->ref_schema = pv_xstrdup(ref_schema);
    fk->ref_table = pv_xstrdup(ref_table);
    pv_strlist_push(&fk->ref_columns, ref_column);
    fk->on_delete = "NO ACTION";
    fk->on_update = "NO ACTION";
    fk->definition = pv_xstrdup("FOREIGN KEY");
}

static inline void make_child(pv_table *parent, pv_table *child, const char *bound)
{
    parent->relkind = 'p';
    parent->is_partitioned = true;
    parent->partition_strategy = "RANGE";
    if (!parent->partition_key_def)
        parent->partition_key_def = pv_xstrdup("RANGE (day)");
    pv_strlist_push(&parent->partition_children, child->id);
    child->parent_id = pv_xstrdup(parent->id);
    child->partition_bound = pv_xstrdup(bound);
}

/* A multi-column FK: columns[i] references ref_columns[i]. */
static inline void add_fk_multi(pv_table *t, const char *name, const char *const *columns, size_t n,
                                const char *ref_schema, const char *ref_table,
                                const char *const *ref_columns)
{
    add_fk(t, name, columns[0], ref_schema, ref_table, ref_columns[0]);
    pv_foreign_key *fk = &t->fks[t->n_fks - 1];
    for (size_t i = 1; i < n; i++) {
        pv_strlist_push(&fk->columns, columns[i]);
        pv_strlist_push(&fk->ref_columns, ref_columns[i]);
    }
}

/*
 * The codec facts of one type (catalog.h pv_catalog_type_info), kept sorted
 * by OID: `name` is the base typname; an array names its element.
 */
static inline void add_type(pv_catalog *cat, unsigned oid, char typtype, const char *name,
                            unsigned elem_oid, char elem_typtype, const char *elem_name)
{
    if (pv_catalog_type_info(cat, oid))
        return;
    cat->types = pv_xrealloc(cat->types, (cat->n_types + 1) * sizeof(*cat->types));
    size_t at = cat->n_types;
    while (at > 0 && cat->types[at - 1].oid > oid) {
        cat->types[at] = cat->types[at - 1];
        at--;
    }
    cat->n_types++;
    cat->types[at] = (pv_catalog_type){oid,
                                       {.base_oid = oid,
                                        .base_typtype = typtype,
                                        .base_name = pv_xstrdup(name),
                                        .elem_oid = elem_oid,
                                        .elem_base_oid = elem_oid,
                                        .elem_typtype = elem_typtype,
                                        .elem_name = elem_name ? pv_xstrdup(elem_name) : NULL,
                                        .binary_io = true}};
}

static inline pv_config *config(const char *yaml)
{
    pv_config *cfg = NULL;
    pv_error *err = pv_config_load_buffer("mask-rules.yaml", yaml, strlen(yaml), &cfg);
    if (err) {
        pv_error_print(err, stderr);
        pv_error_free(err);
    }
    assert_non_null(cfg);
    return cfg;
}

static inline void assert_error(pv_error *err, int code, const char *context, const char *cause,
                                const char *remediation)
{
    assert_non_null(err);
    assert_int_equal(err->exit_code, code);
    assert_string_equal(err->context, context);
    assert_string_equal(err->cause, cause);
    if (remediation)
        assert_string_equal(err->remediation, remediation);
    pv_error_free(err);
}

#endif
