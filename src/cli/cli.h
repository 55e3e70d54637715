/*
 * cli.h — the command table and option parser shared by every subcommand
 * file. No logic beyond wiring lives under src/cli/.
 */
#ifndef PRIVACI_CLI_CLI_H
#define PRIVACI_CLI_CLI_H

#include "run/dryrun.h"
#include "run/run.h"
#include "util/error.h"

#include <stdbool.h>

typedef enum {
    PV_OPT_FLAG,   /* --name */
    PV_OPT_STRING, /* --name VALUE */
    PV_OPT_INT,    /* --name N, within [min, max] */
} pv_opt_kind;

typedef struct pv_opt_spec {
    const char *name; /* without the leading "--" */
    pv_opt_kind kind;
    const char *metavar;
    const char *env; /* fallback environment variable, or NULL */
    long min, max;
    bool required;
    const char *help;
} pv_opt_spec;

#define PV_MAX_OPTS 16

/* Parsed arguments of one command. */
typedef struct pv_args {
    const char *values[PV_MAX_OPTS]; /* string/int options; NULL = absent */
    bool flags[PV_MAX_OPTS];
    long ints[PV_MAX_OPTS];
    const char *positional; /* the one positional argument, if any */
} pv_args;

typedef struct pv_command pv_command;
typedef int (*pv_command_fn)(const pv_command *cmd, const pv_args *args);

struct pv_command {
    const char *name;       /* "run", "schema config", … */
    const char *summary;    /* one line for --help */
    const char *positional; /* metavar of the required positional, or NULL */
    bool event_stream;      /* stdout carries JSON-lines events */
    pv_command_fn fn;
    pv_opt_spec opts[PV_MAX_OPTS];
};

/* Option value lookup by name (NULL / false / 0 when absent). */
const char *pv_arg_str(const pv_command *cmd, const pv_args *args, const char *name);
bool pv_arg_flag(const pv_command *cmd, const pv_args *args, const char *name);
bool pv_arg_int(const pv_command *cmd, const pv_args *args, const char *name, long *out);

/*
 * Parses argv (after the command name) into `args`. On a usage error returns
 * false with a message in *usage_error (caller frees). Handles --help (sets
 * *help) and --log-level (stored in *log_level, not in args).
 */
bool pv_cli_parse(const pv_command *cmd, int argc, char **argv, pv_args *args, bool *help,
                  const char **log_level, char **usage_error);

/* Prints the click-style usage error block and returns exit code 1. */
int pv_cli_usage_error(const pv_command *cmd, const char *message);
void pv_cli_print_help(const pv_command *cmd);

/* Prints an error block at the CLI boundary and returns its exit code. */
int pv_cli_fail(const pv_command *cmd, pv_error *err);

/* --config, else PRIVACI_CONFIG, else /config/mask-rules.yaml. */
const char *pv_cli_config_path(const pv_command *cmd, const pv_args *args);

/* The options of run, dry-run and resume (run_options.c). */
pv_run_opts pv_cli_run_opts(const pv_command *cmd, const pv_args *args);
pv_dry_run_opts pv_cli_dry_run_opts(const pv_command *cmd, const pv_args *args);

/* Command handlers (one file each). */
int pv_cmd_validate(const pv_command *cmd, const pv_args *args);
int pv_cmd_gen_salt(const pv_command *cmd, const pv_args *args);
int pv_cmd_schema_config(const pv_command *cmd, const pv_args *args);
int pv_cmd_migrate_config(const pv_command *cmd, const pv_args *args);
int pv_cmd_run(const pv_command *cmd, const pv_args *args);
int pv_cmd_resume(const pv_command *cmd, const pv_args *args);
int pv_cmd_dry_run(const pv_command *cmd, const pv_args *args);
int pv_cmd_unavailable(const pv_command *cmd, const pv_args *args);
int pv_cmd_catalog_inspect(const pv_command *cmd, const pv_args *args);

#endif
