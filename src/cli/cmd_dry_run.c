/* privaci dry-run — pre-flight and the per-table plan; never writes (cli.md §3.2). */
#include "cli/cli.h"

#include "run/dryrun.h"

int pv_cmd_dry_run(const pv_command *cmd, const pv_args *args)
{
    int strict = -1;
    if (pv_arg_flag(cmd, args, "strict-autodetect"))
        strict = 1;
    if (pv_arg_flag(cmd, args, "no-strict-autodetect"))
        strict = 0;
    pv_dry_run_opts opts = {
        .config_path = pv_cli_config_path(cmd, args),
        .source_flag = pv_arg_str(cmd, args, "source"),
        .target_flag = pv_arg_str(cmd, args, "target"),
        .report_dest = pv_arg_str(cmd, args, "report"),
        .strict_override = strict,
    };
    pv_error *err = pv_dry_run(&opts);
    return err ? pv_cli_fail(cmd, err) : PV_EXIT_OK;
}
