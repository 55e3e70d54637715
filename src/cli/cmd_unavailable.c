/*
 * Commands whose engines land in later releases. They parse their options
 * like the real commands and, for the run family, go through every step that
 * exists today (config validation, URL, salt and key resolution), so a user
 * gets every config or secret error with its real exit code — then stop with
 * a plain "not available in this build" error, never a fake success.
 */
#include "cli/cli.h"

#include "config/config.h"
#include "obs/log.h"
#include "run/preflight.h"
#include "secrets/secrets.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>

static pv_error *not_available(const pv_command *cmd)
{
    char *context = pv_xasprintf("Running privaci %s", cmd->name);
    char *remediation =
        pv_xasprintf("Use a privaci release that implements `%s`; `privaci validate` and "
                     "`privaci gen-salt` work in this one.",
                     cmd->name);
    pv_error *err = pv_error_new(PV_EXIT_GENERIC, context, remediation,
                                 "The %s command is not available in this build.", cmd->name);
    free(context);
    free(remediation);
    return err;
}

int pv_cmd_unavailable(const pv_command *cmd, const pv_args *args)
{
    return pv_cli_fail(cmd, not_available(cmd));
}

/* Steps 2–3 of the run lifecycle (overview.md §4), then stop. */
int pv_cmd_run_family(const pv_command *cmd, const pv_args *args)
{
    pv_config *cfg = NULL;
    char *source = NULL, *target = NULL, *salt = NULL, *key = NULL;
    pv_error *err = pv_config_load(pv_cli_config_path(cmd, args), &cfg);
    if (!err)
        err = pv_resolve_db_url("source", pv_arg_str(cmd, args, "source"), &source);
    if (!err)
        err = pv_resolve_db_url("target", pv_arg_str(cmd, args, "target"), &target);
    if (!err)
        err = pv_resolve_salt(cfg->global_salt, &salt);
    if (!err) {
        char fingerprint[17];
        pv_salt_fingerprint(salt, fingerprint);
        json_t *fields = json_object();
        json_object_set_new(fields, "message", json_string("Resolved salt fingerprint"));
        json_object_set_new(fields, "salt_fingerprint", json_string(fingerprint));
        pv_event(PV_LOG_INFO, "log", fields);
    }
    if (!err && pv_config_uses_keyed_actions(cfg))
        err = pv_resolve_pseudonym_key(cfg->pseudonym_key, &key);
    if (!err)
        err = pv_check_configured_features(cfg);
    if (!err)
        err = not_available(cmd);
    pv_free_secret(source);
    pv_free_secret(target);
    pv_free_secret(salt);
    pv_free_secret(key);
    pv_config_free(cfg);
    return pv_cli_fail(cmd, err);
}
