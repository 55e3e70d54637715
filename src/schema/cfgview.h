/*
 * cfgview.h — the few config facts schema replication needs (private).
 *
 * Only cfgview.c includes config/config.h; the rest of the module sees the
 * catalog. Keeping the two apart means no file here depends on the two
 * headers agreeing with each other.
 */
#ifndef PRIVACI_SCHEMA_CFGVIEW_H
#define PRIVACI_SCHEMA_CFGVIEW_H

#include "schema/schema.h"

#include <stdbool.h>

/* Mirrors pv_strategy (spec/catalog-and-schema.md §6). */
typedef enum {
    PVS_STRATEGY_TRANSFORM,
    PVS_STRATEGY_EXCLUDE,
    PVS_STRATEGY_EMPTY,
    PVS_STRATEGY_TRUNCATE,
} pvs_strategy;

/* The configured strategy of `table_id` (transform when unconfigured or cfg is NULL). */
pvs_strategy pvs_config_strategy(const pv_config *cfg, const char *table_id);

/* replicate_all_indexes (false when cfg is NULL). */
bool pvs_config_all_indexes(const pv_config *cfg);

#endif
