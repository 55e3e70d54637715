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

static bool only(const pv_strlist *columns, const char *column)
{
    return columns->n == 1 && strcmp(columns->items[0], column) == 0;
}

bool pv_model_column_is_key(const pv_table *t, const char *column)
{
    if (only(&t->primary_key, column))
        return true;
    for (size_t i = 0; i < t->n_uniques; i++)
        if (only(&t->uniques[i].columns, column))
            return true;
    for (size_t i = 0; i < t->n_indexes; i++) {
        const pv_index *x = &t->indexes[i];
        if (x->is_unique && !x->is_partial && !x->has_expressions && only(&x->columns, column))
            return true;
    }
    return false;
}

bool pv_model_column_unique(const pv_table *t, const char *column)
{
    if (pv_strlist_contains(&t->primary_key, column))
        return true;
    for (size_t i = 0; i < t->n_uniques; i++)
        if (pv_strlist_contains(&t->uniques[i].columns, column))
            return true;
    for (size_t i = 0; i < t->n_indexes; i++)
        if (t->indexes[i].is_unique && pv_strlist_contains(&t->indexes[i].columns, column))
            return true;
    return false;
}
