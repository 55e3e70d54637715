#include "run/model.h"

#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

const pv_table *pv_model_config_table(const pv_catalog *cat, const pv_table *t)
{
    /* Bounded walk: a malformed catalog must not loop forever. */
    for (size_t depth = 0; t && t->parent_id && depth < cat->n_tables; depth++) {
        const pv_table *parent = pv_catalog_find(cat, t->parent_id);
        if (!parent)
            break;
        t = parent;
    }
    return t;
}

const pv_table_config *pv_model_table_config(const pv_config *cfg, const pv_catalog *cat,
                                             const pv_table *t)
{
    return pv_config_table(cfg, pv_model_config_table(cat, t)->id);
}

pv_strategy pv_model_strategy(const pv_config *cfg, const pv_catalog *cat, const pv_table *t)
{
    const pv_table_config *tc = pv_model_table_config(cfg, cat, t);
    return tc ? tc->strategy : PV_STRATEGY_TRANSFORM;
}

bool pv_model_in_scope(const pv_config *cfg, const pv_catalog *cat, const pv_table *t)
{
    return pv_model_strategy(cfg, cat, t) != PV_STRATEGY_EXCLUDE;
}

bool pv_model_is_unit(const pv_config *cfg, const pv_catalog *cat, const pv_table *t)
{
    return !t->is_partitioned && pv_model_strategy(cfg, cat, t) == PV_STRATEGY_TRANSFORM;
}

const pv_table *pv_model_find_config_id(const pv_catalog *cat, const char *id)
{
    const char *dot = strrchr(id, '.');
    if (!dot || dot == id || !dot[1])
        return NULL;
    char *schema = pv_xstrndup(id, (size_t)(dot - id));
    const pv_table *t = pv_catalog_find_qualified(cat, schema, dot + 1);
    free(schema);
    return t;
}

/* `column` is in `columns` — as its only member when `alone`. */
static bool member(const pv_strlist *columns, const char *column, bool alone)
{
    if (alone)
        return columns->n == 1 && strcmp(columns->items[0], column) == 0;
    return pv_strlist_contains(columns, column);
}

/*
 * `column` belongs to the PK, a UNIQUE constraint or a unique index (alone:
 * is the whole key, and the index is neither partial nor on expressions).
 */
static bool in_key(const pv_table *t, const char *column, bool alone)
{
    if (member(&t->primary_key, column, alone))
        return true;
    for (size_t i = 0; i < t->n_uniques; i++)
        if (member(&t->uniques[i].columns, column, alone))
            return true;
    for (size_t i = 0; i < t->n_indexes; i++) {
        const pv_index *x = &t->indexes[i];
        bool whole = !alone || (!x->is_partial && !x->has_expressions);
        if (x->is_unique && whole && member(&x->columns, column, alone))
            return true;
    }
    return false;
}

bool pv_model_column_is_key(const pv_table *t, const char *column)
{
    return in_key(t, column, true);
}

bool pv_model_column_unique(const pv_table *t, const char *column)
{
    return in_key(t, column, false);
}
