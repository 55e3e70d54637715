/*
 * Commands whose engines land in later releases. They parse their options
 * like the real commands, then stop with a plain "not available in this
 * build" error (exit 1) — never a fake success.
 */
#include "cli/cli.h"

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
