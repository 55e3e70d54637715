/* privaci resume — cli.md §3.3. */
#include "cli/cli.h"

int pv_cmd_resume(const pv_command *cmd, const pv_args *args)
{
    pv_run_opts opts = pv_cli_run_opts(cmd, args);
    int code = PV_EXIT_OK;
    pv_error *err = pv_resume(&opts, &code);
    return err ? pv_cli_fail(cmd, err) : code;
}
