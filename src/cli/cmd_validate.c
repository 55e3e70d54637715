/* privaci validate — file-level validation only (cli.md §3.5). */
#include "cli/cli.h"

#include "config/config.h"

#include <stdio.h>

#define DEFAULT_CONFIG_PATH "/config/mask-rules.yaml"

const char *pv_cli_config_path(const pv_command *cmd, const pv_args *args)
{
    const char *path = pv_arg_str(cmd, args, "config");
    return path ? path : DEFAULT_CONFIG_PATH;
}

int pv_cmd_validate(const pv_command *cmd, const pv_args *args)
{
    const char *path = pv_cli_config_path(cmd, args);
    pv_config *cfg = NULL;
    pv_error *err = pv_config_load(path, &cfg);
    if (err)
        return pv_cli_fail(cmd, err);
    printf("Config %s is valid.\n", path);
    pv_config_free(cfg);
    return PV_EXIT_OK;
}
