/* privaci migrate-config — only version 1.0 exists (ops.md §3). */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

int pv_cmd_migrate_config(const pv_command *cmd, const pv_args *args)
{
    const char *from = pv_arg_str(cmd, args, "from");
    const char *to = pv_arg_str(cmd, args, "to");
    /* The file is neither read nor modified: no migration exists yet. */
    if (strcmp(from, to) == 0) {
        printf("No migration needed: config is already version %s.\n", to);
        return PV_EXIT_OK;
    }
    char context[256];
    snprintf(context, sizeof(context), "Migrating config from %s to %s", from, to);
    return pv_cli_fail(cmd, pv_error_new(PV_EXIT_CONFIG, context,
                                         "Only version 1.0 is supported in this release.",
                                         "No migration path is defined between these versions."));
}
