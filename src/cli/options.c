#include "cli/cli.h"

#include "obs/log.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int find_opt(const pv_command *cmd, const char *name, size_t len)
{
    for (int i = 0; i < PV_MAX_OPTS && cmd->opts[i].name; i++)
        if (strlen(cmd->opts[i].name) == len && strncmp(cmd->opts[i].name, name, len) == 0)
            return i;
    return -1;
}

const char *pv_arg_str(const pv_command *cmd, const pv_args *args, const char *name)
{
    int i = find_opt(cmd, name, strlen(name));
    return i < 0 ? NULL : args->values[i];
}

bool pv_arg_flag(const pv_command *cmd, const pv_args *args, const char *name)
{
    int i = find_opt(cmd, name, strlen(name));
    return i >= 0 && args->flags[i];
}

bool pv_arg_int(const pv_command *cmd, const pv_args *args, const char *name, long *out)
{
    int i = find_opt(cmd, name, strlen(name));
    if (i < 0 || !args->values[i])
        return false;
    *out = args->ints[i];
    return true;
}

static bool parse_int(const pv_opt_spec *opt, const char *text, long *out, char **err)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end) {
        *err =
            pv_xasprintf("Invalid value for '--%s': '%s' is not a valid integer.", opt->name, text);
        return false;
    }
    if (v < opt->min || v > opt->max) {
        *err = pv_xasprintf("Invalid value for '--%s': %ld is not in the range %ld<=x<=%ld.",
                            opt->name, v, opt->min, opt->max);
        return false;
    }
    *out = v;
    return true;
}

/* Stores a string/int value, checking ints; used for flags and env alike. */
static bool store_value(const pv_command *cmd, int i, const char *value, pv_args *args, char **err)
{
    const pv_opt_spec *opt = &cmd->opts[i];
    if (opt->kind == PV_OPT_INT && !parse_int(opt, value, &args->ints[i], err))
        return false;
    args->values[i] = value;
    return true;
}

bool pv_cli_parse(const pv_command *cmd, int argc, char **argv, pv_args *args, bool *help,
                  const char **log_level, char **usage_error)
{
    memset(args, 0, sizeof(*args));
    *help = false;
    bool options_done = false;
    for (int k = 0; k < argc; k++) {
        const char *arg = argv[k];
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
            continue;
        }
        if (options_done || strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (cmd->positional && !args->positional) {
                args->positional = arg;
                continue;
            }
            *usage_error = pv_xasprintf("Got unexpected extra argument (%s)", arg);
            return false;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        if (name_len == 4 && strncmp(name, "help", 4) == 0) {
            *help = true;
            continue;
        }
        if (name_len == 9 && strncmp(name, "log-level", 9) == 0) {
            const char *v = eq ? eq + 1 : (k + 1 < argc ? argv[++k] : NULL);
            if (!v) {
                *usage_error = pv_xstrdup("Option '--log-level' requires an argument.");
                return false;
            }
            *log_level = v;
            continue;
        }
        int i = find_opt(cmd, name, name_len);
        if (i < 0) {
            *usage_error = pv_xasprintf("No such option: --%.*s", (int)name_len, name);
            return false;
        }
        const pv_opt_spec *opt = &cmd->opts[i];
        if (opt->kind == PV_OPT_FLAG) {
            if (eq) {
                *usage_error = pv_xasprintf("Option '--%s' does not take a value.", opt->name);
                return false;
            }
            args->flags[i] = true;
            continue;
        }
        const char *value = eq ? eq + 1 : (k + 1 < argc ? argv[++k] : NULL);
        if (!value) {
            *usage_error = pv_xasprintf("Option '--%s' requires an argument.", opt->name);
            return false;
        }
        if (!store_value(cmd, i, value, args, usage_error))
            return false;
    }
    if (*help)
        return true;
    /* Environment fallbacks, then required options and arguments. */
    for (int i = 0; i < PV_MAX_OPTS && cmd->opts[i].name; i++) {
        const pv_opt_spec *opt = &cmd->opts[i];
        if (opt->kind != PV_OPT_FLAG && !args->values[i] && opt->env) {
            const char *env = getenv(opt->env);
            if (env && *env && !store_value(cmd, i, env, args, usage_error))
                return false;
        }
        if (opt->required && !args->values[i]) {
            *usage_error = pv_xasprintf("Missing option '--%s'.", opt->name);
            return false;
        }
    }
    if (cmd->positional && !args->positional) {
        *usage_error = pv_xasprintf("Missing argument '%s'.", cmd->positional);
        return false;
    }
    return true;
}

static void print_usage_line(const pv_command *cmd, FILE *out)
{
    if (!cmd || strcmp(cmd->name, "") == 0) {
        fputs("Usage: privaci [OPTIONS] COMMAND [ARGS]...\n", out);
        return;
    }
    fprintf(out, "Usage: privaci %s [OPTIONS]%s%s\n", cmd->name, cmd->positional ? " " : "",
            cmd->positional ? cmd->positional : "");
}

int pv_cli_usage_error(const pv_command *cmd, const char *message)
{
    bool root = !cmd || cmd->name[0] == '\0';
    print_usage_line(cmd, stderr);
    fprintf(stderr, "Try 'privaci%s%s --help' for help.\n\nError: %s\n", root ? "" : " ",
            root ? "" : cmd->name, message);
    return PV_EXIT_GENERIC;
}

void pv_cli_print_help(const pv_command *cmd)
{
    print_usage_line(cmd, stdout);
    printf("\n  %s\n\nOptions:\n", cmd->summary);
    for (int i = 0; i < PV_MAX_OPTS && cmd->opts[i].name; i++) {
        const pv_opt_spec *opt = &cmd->opts[i];
        char left[64];
        snprintf(left, sizeof(left), "--%s%s%s", opt->name, opt->metavar ? " " : "",
                 opt->metavar ? opt->metavar : "");
        printf("  %-30s %s", left, opt->help);
        if (opt->env)
            printf(" [env: %s]", opt->env);
        if (opt->required)
            printf(" [required]");
        printf("\n");
    }
    printf("  %-30s %s\n", "--log-level LEVEL", "debug, info, warning or error.");
    printf("  %-30s %s\n", "--help", "Show this message and exit.");
}

int pv_cli_fail(const pv_command *cmd, pv_error *err)
{
    int code = err->exit_code;
    if (cmd && cmd->event_stream) {
        json_t *fields = json_object();
        json_object_set_new(fields, "message", json_string(err->cause));
        json_object_set_new(fields, "exit_code", json_integer(code));
        json_object_set_new(fields, "context", json_string(err->context));
        json_object_set_new(fields, "cause", json_string(err->cause));
        json_object_set_new(fields, "remediation", json_string(err->remediation));
        pv_event(PV_LOG_ERROR, "error", fields);
    }
    pv_error_print(err, stderr);
    pv_error_free(err);
    return code;
}
