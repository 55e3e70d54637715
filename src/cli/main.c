/*
 * main.c — privaci's entry point: the command table, root options, and
 * dispatch. Every handler returns an exit code; errors are printed once,
 * here or in pv_cli_fail, never deeper.
 */
#include "cli/cli.h"

#include "obs/log.h"
#include "obs/redact.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPT_CONFIG                                                                                 \
    {                                                                                              \
        "config", PV_OPT_STRING, "PATH", "PRIVACI_CONFIG", 0, 0, false,                            \
            "Path to mask-rules.yaml (default /config/mask-rules.yaml)."                           \
    }
#define OPT_SOURCE                                                                                 \
    {                                                                                              \
        "source", PV_OPT_STRING, "URL", "SOURCE_DB_URL", 0, 0, false,                              \
            "Source database URL or secret URI."                                                   \
    }
#define OPT_TARGET                                                                                 \
    {                                                                                              \
        "target", PV_OPT_STRING, "URL", "TARGET_DB_URL", 0, 0, false,                              \
            "Target database URL or secret URI."                                                   \
    }
#define OPT_JOBS                                                                                   \
    {                                                                                              \
        "jobs", PV_OPT_INT, "N", "PRIVACI_JOBS", 1, 64, false,                                     \
            "Tables streamed concurrently (default: CPUs, at most 8)."                             \
    }
#define OPT_STRICT                                                                                 \
    {"strict-autodetect",                                                                          \
     PV_OPT_FLAG,                                                                                  \
     NULL,                                                                                         \
     NULL,                                                                                         \
     0,                                                                                            \
     0,                                                                                            \
     false,                                                                                        \
     "Fail when auto-detect finds uncovered PII columns."},                                        \
    {                                                                                              \
        "no-strict-autodetect", PV_OPT_FLAG, NULL, NULL, 0, 0, false,                              \
            "Do not fail on uncovered auto-detect findings."                                       \
    }
#define OPT_NO_AUDIT                                                                               \
    {                                                                                              \
        "no-audit-table", PV_OPT_FLAG, NULL, NULL, 0, 0, false,                                    \
            "Do not write _privaci.audit_log for this run."                                        \
    }
#define OPT_NO_PROGRESS                                                                            \
    {                                                                                              \
        "no-progress", PV_OPT_FLAG, NULL, NULL, 0, 0, false, "No progress bar on stderr."          \
    }

static const pv_command commands[] = {
    {"run",
     "Copy the source into the target, masking personal data on the way.",
     NULL,
     true,
     pv_cmd_run,
     {OPT_CONFIG,
      OPT_SOURCE,
      OPT_TARGET,
      {"dry-run", PV_OPT_FLAG, NULL, NULL, 0, 0, false, "Pre-flight and plan only, no writes."},
      OPT_NO_AUDIT,
      {"prometheus-port", PV_OPT_INT, "N", NULL, 1, 65535, false,
       "Serve Prometheus metrics on this TCP port."},
      OPT_JOBS,
      OPT_NO_PROGRESS,
      OPT_STRICT,
      {"force-restart", PV_OPT_FLAG, NULL, NULL, 0, 0, false,
       "Start a fresh run, truncating in-scope target tables first."}}},
    {"dry-run",
     "Run the pre-flight checks and print the per-table plan; never writes.",
     NULL,
     true,
     pv_cmd_dry_run,
     {OPT_CONFIG,
      OPT_SOURCE,
      OPT_TARGET,
      {"report", PV_OPT_STRING, "DEST", NULL, 0, 0, false,
       "Write the markdown auto-detect report here."},
      OPT_STRICT}},
    {"resume",
     "Continue an interrupted or failed run from its checkpoints.",
     NULL,
     true,
     pv_cmd_resume,
     {OPT_CONFIG, OPT_SOURCE, OPT_TARGET, OPT_NO_AUDIT, OPT_JOBS, OPT_NO_PROGRESS, OPT_STRICT}},
    {"verify",
     "Value-free audit of a completed run.",
     NULL,
     false,
     pv_cmd_unavailable,
     {OPT_CONFIG,
      OPT_SOURCE,
      OPT_TARGET,
      {"sample-size", PV_OPT_INT, "N", NULL, 1, 1000000000L, false,
       "Rows per table for row-level checks (default 1000)."}}},
    {"validate",
     "Validate mask-rules.yaml without connecting to any database.",
     NULL,
     false,
     pv_cmd_validate,
     {OPT_CONFIG}},
    {"gen-salt",
     "Print a new random 32-byte salt as 64 hex characters.",
     NULL,
     false,
     pv_cmd_gen_salt,
     {{0}}},
    {"generate-ci",
     "Write CI/CD templates.",
     NULL,
     false,
     pv_cmd_unavailable,
     {{"platform", PV_OPT_STRING, "P", NULL, 0, 0, true,
       "github-actions, gitlab-ci or k8s-cronjob."},
      {"output-dir", PV_OPT_STRING, "DIR", NULL, 0, 0, false, "Root directory for the files."},
      {"image", PV_OPT_STRING, "REF", NULL, 0, 0, false, "Container image for the templates."}}},
    {"install-pack",
     "Fetch, verify, preview and merge a signed config pack.",
     "NAME",
     false,
     pv_cmd_unavailable,
     {OPT_CONFIG,
      {"registry-url", PV_OPT_STRING, "URL", NULL, 0, 0, false, "Pack registry base URL."},
      {"local-pack-dir", PV_OPT_STRING, "DIR", NULL, 0, 0, false, "Read packs from here."},
      {"yes", PV_OPT_FLAG, NULL, NULL, 0, 0, false, "Apply without prompting."}}},
    {"migrate-config",
     "Migrate mask-rules.yaml between schema versions.",
     "PATH",
     false,
     pv_cmd_migrate_config,
     {{"from", PV_OPT_STRING, "V", NULL, 0, 0, true, "Current schema version."},
      {"to", PV_OPT_STRING, "V", NULL, 0, 0, true, "Wanted schema version."}}},
    {"report",
     "Render the compliance report of a run.",
     NULL,
     false,
     pv_cmd_unavailable,
     {{"run", PV_OPT_STRING, "UUID", NULL, 0, 0, true, "Run to report on."},
      {"format", PV_OPT_STRING, "F", NULL, 0, 0, false, "json or pdf."},
      {"output", PV_OPT_STRING, "DEST", NULL, 0, 0, false, "Local path, file:// or s3:// URI."},
      OPT_TARGET,
      {"sign", PV_OPT_FLAG, NULL, NULL, 0, 0, false, "Sign the JSON report (Ed25519)."}}},
    {"verify-report",
     "Verify the Ed25519 signature of a signed JSON report.",
     "FILE",
     false,
     pv_cmd_unavailable,
     {{"public-key", PV_OPT_STRING, "HEX", "PRIVACI_REPORT_PUBLIC_KEY", 0, 0, false,
       "Trusted public key."}}},
    {"schema config",
     "Print the JSON Schema of mask-rules.yaml.",
     NULL,
     false,
     pv_cmd_schema_config,
     {{0}}},
    {"catalog inspect",
     "Read-only introspection of the source database.",
     NULL,
     false,
     pv_cmd_catalog_inspect,
     {OPT_SOURCE,
      {"json", PV_OPT_FLAG, NULL, NULL, 0, 0, false, "Print the canonical catalog snapshot."}}},
    {"detect-drift",
     "Compare the live source catalog with the last stored snapshot.",
     NULL,
     false,
     pv_cmd_unavailable,
     {OPT_SOURCE,
      OPT_TARGET,
      {"accept-drift", PV_OPT_FLAG, NULL, NULL, 0, 0, false, "Exit 0 even when drift is found."},
      {"config", PV_OPT_STRING, "PATH", "PRIVACI_CONFIG", 0, 0, false,
       "Classify added columns with auto-detect."}}},
    {"preview",
     "CI preview: policy diff, SARIF and a masked sample.",
     NULL,
     false,
     pv_cmd_unavailable,
     {OPT_CONFIG,
      OPT_SOURCE,
      OPT_TARGET,
      {"sample", PV_OPT_INT, "N", NULL, 0, 100, false, "Masked sample rows per table (0-100)."},
      {"policy-diff", PV_OPT_STRING, "DEST", NULL, 0, 0, false, "Write policy-diff JSON."},
      {"sarif", PV_OPT_STRING, "DEST", NULL, 0, 0, false, "Write SARIF 2.1.0."},
      {"commercial-extensions", PV_OPT_STRING, "PATH", NULL, 0, 0, false,
       "Not supported; move settings into mask-rules.yaml."},
      OPT_STRICT}},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const pv_command root_command = {"", "privaci", NULL, true, NULL, {{0}}};

static void print_root_help(void)
{
    puts("Usage: privaci [OPTIONS] COMMAND [ARGS]...\n\n"
         "  privaci copies a PostgreSQL source into a target, replacing personal data\n"
         "  with deterministic, realistic fakes. Without a command it runs `run` with\n"
         "  the options given here.\n\n"
         "Options:\n"
         "  --log-level LEVEL      debug, info, warning or error [env: PRIVACI_LOG_LEVEL]\n"
         "  --contract-version     Print the contract version and exit.\n"
         "  --version              Print the version and exit.\n"
         "  --help                 Show this message and exit.\n"
         "  (every `run` option is accepted here too; see `privaci run --help`)\n\n"
         "Commands:");
    for (size_t i = 0; i < N_COMMANDS; i++)
        printf("  %-18s %s\n", commands[i].name, commands[i].summary);
}

/* Looks a command up by its first word (and second, for two-word commands). */
static const pv_command *find_command(int argc, char **argv, int *consumed)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const char *name = commands[i].name;
        const char *space = strchr(name, ' ');
        if (!space) {
            if (strcmp(name, argv[0]) == 0) {
                *consumed = 1;
                return &commands[i];
            }
            continue;
        }
        size_t group_len = (size_t)(space - name);
        if (strlen(argv[0]) == group_len && strncmp(name, argv[0], group_len) == 0 && argc > 1 &&
            strcmp(space + 1, argv[1]) == 0) {
            *consumed = 2;
            return &commands[i];
        }
    }
    return NULL;
}

/* A command group ("schema", "catalog") named without its subcommand. */
static bool is_group(const char *word)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const char *space = strchr(commands[i].name, ' ');
        if (space && strlen(word) == (size_t)(space - commands[i].name) &&
            strncmp(commands[i].name, word, (size_t)(space - commands[i].name)) == 0)
            return true;
    }
    return false;
}

static void print_group_help(const char *group)
{
    printf("Usage: privaci %s [OPTIONS] COMMAND [ARGS]...\n\nCommands:\n", group);
    size_t len = strlen(group);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strncmp(commands[i].name, group, len) == 0 && commands[i].name[len] == ' ')
            printf("  %-10s %s\n", commands[i].name + len + 1, commands[i].summary);
}

static void configure_logging(const pv_command *cmd, const char *level_name)
{
    pv_log_level level = PV_LOG_INFO;
    if (!level_name || !*level_name)
        level_name = getenv("PRIVACI_LOG_LEVEL");
    if (level_name && *level_name && !pv_log_level_parse(level_name, &level))
        fprintf(stderr, "Warning: unknown log level '%s'; using info.\n", level_name);
    pv_log_init(cmd->event_stream ? PV_STREAM_EVENTS : PV_STREAM_DOCUMENT, level);
}

static int run_command(const pv_command *cmd, int argc, char **argv, const char *log_level)
{
    pv_args args;
    bool help = false;
    char *usage = NULL;
    if (!pv_cli_parse(cmd, argc, argv, &args, &help, &log_level, &usage)) {
        int code = pv_cli_usage_error(cmd, usage);
        free(usage);
        return code;
    }
    if (help) {
        pv_cli_print_help(cmd);
        return PV_EXIT_OK;
    }
    configure_logging(cmd, log_level);
    return cmd->fn(cmd, &args);
}

static const pv_command *command_named(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    const char *log_level = NULL;
    int k = 1;
    /* Root options; --contract-version is processed before anything else. */
    for (int i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--contract-version") == 0) {
            puts("1.0");
            return PV_EXIT_OK;
        }
        if (strcmp(argv[i], "--log-level") == 0)
            i++; /* skip its value */
    }
    while (k < argc && strncmp(argv[k], "--", 2) == 0) {
        const char *arg = argv[k];
        if (strcmp(arg, "--version") == 0) {
            printf("privaci %s\n", PRIVACI_VERSION);
            return PV_EXIT_OK;
        }
        if (strcmp(arg, "--help") == 0) {
            print_root_help();
            return PV_EXIT_OK;
        }
        if (strcmp(arg, "--log-level") == 0 && k + 1 < argc) {
            log_level = argv[k + 1];
            k += 2;
            continue;
        }
        if (strncmp(arg, "--log-level=", 12) == 0) {
            log_level = arg + 12;
            k++;
            continue;
        }
        break;
    }

    const pv_command *run = command_named("run");
    if (k >= argc)
        return run_command(run, 0, argv + k, log_level);

    if (strncmp(argv[k], "--", 2) == 0) {
        /* `run` options at the root; a subcommand after them is an error. */
        for (int i = k; i < argc; i++) {
            int consumed = 0;
            if (strncmp(argv[i], "--", 2) != 0 && find_command(argc - i, argv + i, &consumed) &&
                (i == k || strncmp(argv[i - 1], "--", 2) != 0 || strchr(argv[i - 1], '='))) {
                char *msg = pv_xasprintf("Option '%s' must follow the subcommand name '%s'.",
                                         argv[k], argv[i]);
                int code = pv_cli_usage_error(&root_command, msg);
                free(msg);
                return code;
            }
        }
        return run_command(run, argc - k, argv + k, log_level);
    }

    int consumed = 0;
    const pv_command *cmd = find_command(argc - k, argv + k, &consumed);
    if (!cmd && is_group(argv[k]) && k + 1 < argc && strcmp(argv[k + 1], "--help") == 0) {
        print_group_help(argv[k]);
        return PV_EXIT_OK;
    }
    if (!cmd) {
        char *msg = is_group(argv[k]) && k + 1 < argc
                        ? pv_xasprintf("No such command '%s'.", argv[k + 1])
                        : pv_xasprintf("No such command '%s'.", argv[k]);
        if (is_group(argv[k]) && k + 1 >= argc) {
            free(msg);
            msg = pv_xasprintf("Missing command after '%s'.", argv[k]);
        }
        int code = pv_cli_usage_error(&root_command, msg);
        free(msg);
        return code;
    }
    int status = run_command(cmd, argc - k - consumed, argv + k + consumed, log_level);
    pv_redact_clear();
    return status;
}
