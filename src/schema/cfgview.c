#include "schema/cfgview.h"

#include "config/config.h"

static pvs_strategy from_config(pv_strategy s)
{
    switch (s) {
    case PV_STRATEGY_EXCLUDE:
        return PVS_STRATEGY_EXCLUDE;
    case PV_STRATEGY_EMPTY:
        return PVS_STRATEGY_EMPTY;
    case PV_STRATEGY_TRUNCATE:
        return PVS_STRATEGY_TRUNCATE;
    case PV_STRATEGY_TRANSFORM:
        break;
    }
    return PVS_STRATEGY_TRANSFORM;
}

pvs_strategy pvs_config_strategy(const pv_config *cfg, const char *table_id)
{
    const pv_table_config *t = cfg ? pv_config_table(cfg, table_id) : NULL;
    return t ? from_config(t->strategy) : PVS_STRATEGY_TRANSFORM;
}

bool pvs_config_all_indexes(const pv_config *cfg)
{
    return cfg && cfg->replicate_all_indexes;
}

pv_schema_existing pv_schema_existing_mode(const pv_config *cfg, bool force_restart)
{
    pv_on_existing mode = cfg ? cfg->on_existing_data : PV_EXISTING_FAIL;
    if (mode == PV_EXISTING_DROP_CREATE)
        return PV_SCHEMA_EXISTING_DROP_CREATE;
    if (mode == PV_EXISTING_TRUNCATE || force_restart)
        return PV_SCHEMA_EXISTING_TRUNCATE;
    return PV_SCHEMA_EXISTING_NONE;
}
