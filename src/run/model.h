/*
 * model.h — the config and the catalog side by side, as the run lifecycle
 * sees them: which config table governs a catalog table, its strategy, the
 * streaming units.
 */
#ifndef PRIVACI_RUN_MODEL_H
#define PRIVACI_RUN_MODEL_H

#include "catalog/catalog.h"
#include "config/config.h"

#include <stdbool.h>

/*
 * The table whose configuration applies to `t`: the top-most partitioned
 * ancestor of a partition child, else `t` itself (masking.md §1 step 1).
 */
const pv_table *pv_model_config_table(const pv_catalog *cat, const pv_table *t);

/* The config entry of that table, or NULL when the config does not name it. */
const pv_table_config *pv_model_table_config(const pv_config *cfg, const pv_catalog *cat,
                                             const pv_table *t);

/* The strategy of `t` (its config table's; transform when unconfigured). */
pv_strategy pv_model_strategy(const pv_config *cfg, const pv_catalog *cat, const pv_table *t);

/* In scope = strategy other than exclude (catalog-and-schema.md §6). */
bool pv_model_in_scope(const pv_config *cfg, const pv_catalog *cat, const pv_table *t);

/*
 * A streaming unit (streaming.md §1): a table with strategy transform that
 * is not a partitioned parent (each child streams on its own).
 */
bool pv_model_is_unit(const pv_config *cfg, const pv_catalog *cat, const pv_table *t);

/*
 * The catalog table a config id ("schema.table", split at the rightmost
 * dot) names, or NULL.
 */
const pv_table *pv_model_find_config_id(const pv_catalog *cat, const char *id);

/* True when `column` is in the table's PK, a UNIQUE constraint or a unique index. */
bool pv_model_column_unique(const pv_table *t, const char *column);

/*
 * True when `column` alone is a key of t: a one-column primary key, UNIQUE
 * constraint or unique index (not partial, no expression).
 */
bool pv_model_column_is_key(const pv_table *t, const char *column);

#endif
