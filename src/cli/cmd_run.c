/* privaci run (and the bare root) — cli.md §3.1. */
#include "cli/cli.h"

#include "run/dryrun.h"
#include "run/run.h"

static int strict_override(const pv_command *cmd, const pv_args *args)
{
    if (pv_arg_flag(cmd, args, "no-strict-autodetect"))
        return 0;
    if (pv_arg_flag(cmd, args, "strict-autodetect"))
        return 1;
    return -1;
}

int pv_cmd_run(const pv_command *cmd, const pv_args *args)
{
    if (pv_arg_flag(cmd, args, "dry-run")) {
        /* `run --dry-run` is `dry-run` without --report (cli.md §3.1). */
        pv_dry_run_opts dry = {
            .config_path = pv_cli_config_path(cmd, args),
            .source_flag = pv_arg_str(cmd, args, "source"),
            .target_flag = pv_arg_str(cmd, args, "target"),
            .strict_override = strict_override(cmd, args),
        };
        pv_error *err = pv_dry_run(&dry);
        return err ? pv_cli_fail(cmd, err) : PV_EXIT_OK;
    }
    long jobs = 0;
    pv_arg_int(cmd, args, "jobs", &jobs);
    pv_run_opts opts = {
        .config_path = pv_cli_config_path(cmd, args),
        .source_flag = pv_arg_str(cmd, args, "source"),
        .target_flag = pv_arg_str(cmd, args, "target"),
        .no_audit_table = pv_arg_flag(cmd, args, "no-audit-table"),
        .force_restart = pv_arg_flag(cmd, args, "force-restart"),
        .no_progress = pv_arg_flag(cmd, args, "no-progress"),
        .jobs = (int)jobs,
        .strict_override = strict_override(cmd, args),
    };
    int code = PV_EXIT_OK;
    pv_error *err = pv_run(&opts, &code);
    return err ? pv_cli_fail(cmd, err) : code;
}
