/*
 * inputs.h — steps 2–3 of the run lifecycle (overview.md §4), shared by
 * run and dry-run: load and validate the config, resolve the source and
 * target URLs, the salt and (when keyed actions are used) the pseudonym
 * key. Every secret is registered for redaction as it is resolved.
 */
#ifndef PRIVACI_RUN_INPUTS_H
#define PRIVACI_RUN_INPUTS_H

#include "config/config.h"

typedef struct pv_run_inputs {
    pv_config *cfg;
    char *source; /* resolved URLs and secrets: wiped by pv_run_inputs_free */
    char *target;
    char *salt;
    char *key; /* NULL unless a column uses hmac_hash or pseudonym */
    char salt_fingerprint[17];
} pv_run_inputs;

/* `check` (may be NULL) runs right after the config loads, before any secret. */
pv_error *pv_run_inputs_load(const char *config_path, const char *source_flag,
                             const char *target_flag, pv_error *(*check)(void *ud), void *ud,
                             pv_run_inputs *in);
void pv_run_inputs_free(pv_run_inputs *in);

#endif
