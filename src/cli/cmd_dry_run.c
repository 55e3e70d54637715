/* privaci dry-run — pre-flight and the per-table plan; never writes (cli.md §3.2). */
#include "cli/cli.h"

int pv_cmd_dry_run(const pv_command *cmd, const pv_args *args)
{
    pv_dry_run_opts opts = pv_cli_dry_run_opts(cmd, args);
    pv_error *err = pv_dry_run(&opts);
    return err ? pv_cli_fail(cmd, err) : PV_EXIT_OK;
}
