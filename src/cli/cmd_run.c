/* privaci run (and the bare root) — cli.md §3.1. */
#include "cli/cli.h"

int pv_cmd_run(const pv_command *cmd, const pv_args *args)
{
    if (pv_arg_flag(cmd, args, "dry-run")) {
        /* `run --dry-run` is `dry-run` without --report (cli.md §3.1). */
        pv_dry_run_opts dry = pv_cli_dry_run_opts(cmd, args);
        pv_error *err = pv_dry_run(&dry);
        return err ? pv_cli_fail(cmd, err) : PV_EXIT_OK;
    }
    pv_run_opts opts = pv_cli_run_opts(cmd, args);
    int code = PV_EXIT_OK;
    pv_error *err = pv_run(&opts, &code);
    return err ? pv_cli_fail(cmd, err) : code;
}
