#include "driver_config.h"

#include "config/config.h"

pv_error *driver_config_load(const char *path, pv_config **out)
{
    return pv_config_load(path, out);
}

void driver_config_free(pv_config *cfg)
{
    pv_config_free(cfg);
}
