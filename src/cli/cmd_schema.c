/* privaci schema config — the JSON Schema of mask-rules.yaml (config.md §10). */
#include "cli/cli.h"

#include "config/config.h"
#include "util/canonjson.h"

#include <stdio.h>
#include <stdlib.h>

int pv_cmd_schema_config(const pv_command *cmd, const pv_args *args)
{
    json_t *schema = pv_config_json_schema();
    char *text = pv_json_pretty(schema);
    json_decref(schema);
    fputs(text, stdout);
    free(text);
    return PV_EXIT_OK;
}
