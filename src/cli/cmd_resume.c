/* privaci resume — cli.md §3.3. */
#include "cli/cli.h"

#include "run/run.h"

int pv_cmd_resume(const pv_command *cmd, const pv_args *args)
{
    long jobs = 0;
    pv_arg_int(cmd, args, "jobs", &jobs);
    int strict = pv_arg_flag(cmd, args, "no-strict-autodetect") ? 0
                 : pv_arg_flag(cmd, args, "strict-autodetect")  ? 1
                                                                : -1;
    pv_run_opts opts = {
        .config_path = pv_cli_config_path(cmd, args),
        .source_flag = pv_arg_str(cmd, args, "source"),
        .target_flag = pv_arg_str(cmd, args, "target"),
        .no_audit_table = pv_arg_flag(cmd, args, "no-audit-table"),
        .no_progress = pv_arg_flag(cmd, args, "no-progress"),
        .jobs = (int)jobs,
        .strict_override = strict,
    };
    int code = PV_EXIT_OK;
    pv_error *err = pv_resume(&opts, &code);
    return err ? pv_cli_fail(cmd, err) : code;
}
