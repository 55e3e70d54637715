/*
 * preflight.h — pre-flight checks of the run family (overview.md §4 step 5).
 *
 * Today: the checks that need only the config. The catalog-aware checks join
 * them as the catalog, state and streaming engines land.
 */
#ifndef PRIVACI_RUN_PREFLIGHT_H
#define PRIVACI_RUN_PREFLIGHT_H

#include "config/config.h"

/*
 * `configured_features` (config.md §9.2): every feature the config uses whose
 * engine this build lacks — json_mask, subset — is rejected with exit 3,
 * never silently ignored.
 */
pv_error *pv_check_configured_features(const pv_config *cfg);

#endif
