/*
 * run_options.c — the options run, dry-run and resume share, read once so
 * the three commands cannot drift apart. An option a command does not
 * declare reads as absent (pv_arg_* return NULL / false).
 */
#include "cli/cli.h"

static int strict_override(const pv_command *cmd, const pv_args *args)
{
    if (pv_arg_flag(cmd, args, "no-strict-autodetect"))
        return 0;
    if (pv_arg_flag(cmd, args, "strict-autodetect"))
        return 1;
    return -1;
}

pv_run_opts pv_cli_run_opts(const pv_command *cmd, const pv_args *args)
{
    long jobs = 0;
    pv_arg_int(cmd, args, "jobs", &jobs);
    return (pv_run_opts){
        .config_path = pv_cli_config_path(cmd, args),
        .source_flag = pv_arg_str(cmd, args, "source"),
        .target_flag = pv_arg_str(cmd, args, "target"),
        .no_audit_table = pv_arg_flag(cmd, args, "no-audit-table"),
        .force_restart = pv_arg_flag(cmd, args, "force-restart"),
        .no_progress = pv_arg_flag(cmd, args, "no-progress"),
        .jobs = (int)jobs,
        .strict_override = strict_override(cmd, args),
    };
}

pv_dry_run_opts pv_cli_dry_run_opts(const pv_command *cmd, const pv_args *args)
{
    return (pv_dry_run_opts){
        .config_path = pv_cli_config_path(cmd, args),
        .source_flag = pv_arg_str(cmd, args, "source"),
        .target_flag = pv_arg_str(cmd, args, "target"),
        .report_dest = pv_arg_str(cmd, args, "report"),
        .strict_override = strict_override(cmd, args),
    };
}
