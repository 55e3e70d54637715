/*
 * driver_config.h — config loading for schema_driver, kept in its own file
 * so that config/config.h and catalog/catalog.h never meet in one
 * translation unit.
 */
#ifndef PRIVACI_TESTS_DRIVER_CONFIG_H
#define PRIVACI_TESTS_DRIVER_CONFIG_H

#include "schema/schema.h"

pv_error *driver_config_load(const char *path, pv_config **out);
void driver_config_free(pv_config *cfg);

#endif
