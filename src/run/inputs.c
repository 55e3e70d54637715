#include "run/inputs.h"

#include "obs/log.h"
#include "secrets/secrets.h"
#include "util/xalloc.h"

#include <string.h>

pv_error *pv_run_inputs_load(const char *config_path, const char *source_flag,
                             const char *target_flag, pv_error *(*check)(void *ud), void *ud,
                             pv_run_inputs *in)
{
    memset(in, 0, sizeof(*in));
    pv_error *err = pv_config_load(config_path, &in->cfg);
    if (!err && check)
        err = check(ud);
    if (!err)
        err = pv_resolve_db_url("source", source_flag, &in->source);
    if (!err)
        err = pv_resolve_db_url("target", target_flag, &in->target);
    if (!err)
        err = pv_resolve_salt(in->cfg->global_salt, &in->salt);
    if (!err) {
        pv_salt_fingerprint(in->salt, in->salt_fingerprint);
        json_t *fields = json_object();
        json_object_set_new(fields, "message", json_string("Resolved salt fingerprint"));
        json_object_set_new(fields, "salt_fingerprint", json_string(in->salt_fingerprint));
        pv_event(PV_LOG_INFO, "log", fields);
    }
    if (!err && pv_config_uses_keyed_actions(in->cfg))
        err = pv_resolve_pseudonym_key(in->cfg->pseudonym_key, &in->key);
    return err;
}

void pv_run_inputs_free(pv_run_inputs *in)
{
    pv_free_secret(in->source);
    pv_free_secret(in->target);
    pv_free_secret(in->salt);
    pv_free_secret(in->key);
    pv_config_free(in->cfg);
    memset(in, 0, sizeof(*in));
}
