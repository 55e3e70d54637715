/* catalog.c — ownership, lookup and ordering of the catalog model. */
#include "catalog/catalog.h"

#include "util/ident.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

char *pv_catalog_base_type(const char *data_type)
{
    char *base = pv_xstrdup(data_type);
    size_t len = strlen(base);
    /* Only a trailing "(…)" goes: "numeric(10,2)" → "numeric", but
     * "timestamp(3) with time zone" keeps its modifier in the middle. */
    if (len > 0 && base[len - 1] == ')') {
        char *open = strrchr(base, '(');
        if (open) {
            *open = '\0';
            len = (size_t)(open - base);
            while (len > 0 && base[len - 1] == ' ')
                base[--len] = '\0';
        }
    }
    for (char *p = base; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return base;
}

/* ------------------------------------------------------------------ free */

static void free_column(pv_column *c)
{
    free(c->name);
    free(c->data_type);
    free(c->domain_base);
    free(c->default_expr);
    free(c->generated_expr);
    free(c->sequence_name);
    free(c->collation);
}

static void free_table(pv_table *t)
{
    free(t->schema);
    free(t->name);
    free(t->id);
    for (size_t i = 0; i < t->n_columns; i++)
        free_column(&t->columns[i]);
    free(t->columns);
    free(t->primary_key_name);
    pv_strlist_free(&t->primary_key);
    for (size_t i = 0; i < t->n_uniques; i++) {
        free(t->uniques[i].name);
        pv_strlist_free(&t->uniques[i].columns);
    }
    free(t->uniques);
    for (size_t i = 0; i < t->n_fks; i++) {
        pv_foreign_key *fk = &t->fks[i];
        free(fk->name);
        pv_strlist_free(&fk->columns);
        free(fk->ref_schema);
        free(fk->ref_table);
        pv_strlist_free(&fk->ref_columns);
        free(fk->definition);
    }
    free(t->fks);
    for (size_t i = 0; i < t->n_checks; i++) {
        free(t->checks[i].name);
        free(t->checks[i].definition);
    }
    free(t->checks);
    for (size_t i = 0; i < t->n_indexes; i++) {
        pv_index *ix = &t->indexes[i];
        free(ix->name);
        free(ix->definition);
        pv_strlist_free(&ix->columns);
        free(ix->constraint);
    }
    free(t->indexes);
    free(t->partition_key_def);
    free(t->parent_id);
    free(t->partition_bound);
    pv_strlist_free(&t->partition_children);
}

void pv_catalog_free_plan(pv_load_plan *plan)
{
    for (size_t i = 0; i < plan->n_layers; i++)
        pv_strlist_free(&plan->layers[i]);
    free(plan->layers);
    for (size_t i = 0; i < plan->n_deferred; i++) {
        free(plan->deferred[i].referencing);
        free(plan->deferred[i].fk_name);
        free(plan->deferred[i].referenced);
    }
    free(plan->deferred);
    memset(plan, 0, sizeof(*plan));
}

void pv_catalog_free_warnings(pv_catalog *cat)
{
    for (size_t i = 0; i < cat->n_warnings; i++) {
        pv_catalog_warning *w = &cat->warnings[i];
        free(w->table_id);
        free(w->message);
        free(w->type_column);
        free(w->id_column);
        free(w->source_column_path);
        free(w->target_column_path);
    }
    free(cat->warnings);
    cat->warnings = NULL;
    cat->n_warnings = 0;
}

void pv_catalog_free(pv_catalog *cat)
{
    if (!cat)
        return;
    for (size_t i = 0; i < cat->n_tables; i++)
        free_table(&cat->tables[i]);
    free(cat->tables);
    for (size_t i = 0; i < cat->n_views; i++) {
        free(cat->views[i].schema);
        free(cat->views[i].name);
        free(cat->views[i].id);
    }
    free(cat->views);
    for (size_t i = 0; i < cat->n_skipped; i++) {
        free(cat->skipped[i].schema);
        free(cat->skipped[i].object_name);
        free(cat->skipped[i].parent_table);
    }
    free(cat->skipped);
    pv_catalog_free_plan(&cat->plan);
    pv_catalog_free_warnings(cat);
    for (size_t i = 0; i < cat->n_types; i++) {
        free((char *)cat->types[i].info.base_name);
        free((char *)cat->types[i].info.elem_name);
        for (size_t l = 0; l < cat->types[i].info.n_enum_labels; l++)
            free((char *)cat->types[i].info.enum_labels[l]);
        free((void *)cat->types[i].info.enum_labels);
    }
    free(cat->types);
    free(cat);
}

/* ---------------------------------------------------------------- lookup */

const pv_type_info *pv_catalog_type_info(const pv_catalog *cat, unsigned oid)
{
    size_t lo = 0, hi = cat->n_types;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cat->types[mid].oid == oid)
            return &cat->types[mid].info;
        if (cat->types[mid].oid < oid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Ties on id (possible only with dots inside names) fall back to the schema. */
static int cmp_table(const void *a, const void *b)
{
    const pv_table *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : strcmp(x->schema, y->schema);
}

const pv_table *pv_catalog_find(const pv_catalog *cat, const char *id)
{
    size_t lo = 0, hi = cat->n_tables;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(cat->tables[mid].id, id);
        if (c == 0) {
            /* The first of possibly equal ids. */
            while (mid > 0 && strcmp(cat->tables[mid - 1].id, id) == 0)
                mid--;
            return &cat->tables[mid];
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const pv_table *pv_catalog_find_qualified(const pv_catalog *cat, const char *schema,
                                          const char *name)
{
    char *id = pv_xasprintf("%s.%s", schema, name);
    const pv_table *t = pv_catalog_find(cat, id);
    /* Equal ids sit next to each other; pick the one whose parts match. */
    while (t && t < cat->tables + cat->n_tables && strcmp(t->id, id) == 0 &&
           (strcmp(t->schema, schema) != 0 || strcmp(t->name, name) != 0))
        t++;
    if (t && (t >= cat->tables + cat->n_tables || strcmp(t->id, id) != 0))
        t = NULL;
    free(id);
    return t;
}

const pv_column *pv_table_column(const pv_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_columns; i++)
        if (strcmp(t->columns[i].name, name) == 0)
            return &t->columns[i];
    return NULL;
}

/* --------------------------------------------------------------- sorting */

static int cmp_view(const void *a, const void *b)
{
    const pv_view *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : strcmp(x->schema, y->schema);
}

static int cmp_nullable(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int cmp_skipped(const void *a, const void *b)
{
    const pv_skipped_object *x = a, *y = b;
    int c = cmp_nullable(x->schema, y->schema);
    if (!c)
        c = strcmp(x->kind, y->kind);
    if (!c)
        c = strcmp(x->object_name, y->object_name);
    if (!c)
        c = cmp_nullable(x->parent_table, y->parent_table);
    if (!c)
        c = cmp_nullable(x->object_type, y->object_type);
    return c;
}

static int cmp_unique(const void *a, const void *b)
{
    return strcmp(((const pv_unique *)a)->name, ((const pv_unique *)b)->name);
}

static int cmp_check(const void *a, const void *b)
{
    return strcmp(((const pv_check *)a)->name, ((const pv_check *)b)->name);
}

static int cmp_fk(const void *a, const void *b)
{
    return strcmp(((const pv_foreign_key *)a)->name, ((const pv_foreign_key *)b)->name);
}

static int cmp_index(const void *a, const void *b)
{
    return strcmp(((const pv_index *)a)->name, ((const pv_index *)b)->name);
}

static void sort_table_parts(pv_table *t)
{
    if (t->n_uniques > 1)
        qsort(t->uniques, t->n_uniques, sizeof(*t->uniques), cmp_unique);
    if (t->n_checks > 1)
        qsort(t->checks, t->n_checks, sizeof(*t->checks), cmp_check);
    if (t->n_fks > 1)
        qsort(t->fks, t->n_fks, sizeof(*t->fks), cmp_fk);
    if (t->n_indexes > 1)
        qsort(t->indexes, t->n_indexes, sizeof(*t->indexes), cmp_index);
    pv_strlist_sort(&t->partition_children);
}

void pv_catalog_sort(pv_catalog *cat)
{
    if (cat->n_tables > 1)
        qsort(cat->tables, cat->n_tables, sizeof(*cat->tables), cmp_table);
    for (size_t i = 0; i < cat->n_tables; i++)
        sort_table_parts(&cat->tables[i]);
    if (cat->n_views > 1)
        qsort(cat->views, cat->n_views, sizeof(*cat->views), cmp_view);
    if (cat->n_skipped > 1)
        qsort(cat->skipped, cat->n_skipped, sizeof(*cat->skipped), cmp_skipped);
}

/* ------------------------------------------------------------ identifiers */

pv_error *pv_catalog_check_identifiers(const pv_catalog *cat)
{
    for (size_t i = 0; i < cat->n_tables; i++) {
        const pv_table *t = &cat->tables[i];
        pv_error *err = pv_ident_check(t->schema);
        if (!err)
            err = pv_ident_check(t->name);
        for (size_t c = 0; !err && c < t->n_columns; c++)
            err = pv_ident_check(t->columns[c].name);
        if (err)
            return err;
    }
    return NULL;
}
