/*
 * pgdump.c — finding the local pg_dump and checking that it can dump the
 * source (pre-flight check pg_dump_version, catalog-and-schema.md §8).
 * pg_dump refuses servers of a newer major version, and that refusal would
 * otherwise come only after the first write to the target.
 */
#include "run/checks.h"

#include "obs/log.h"
#include "schema/schema.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define CONTEXT_PG_DUMP    "Checking pg_dump compatibility"
#define VERSION_OUTPUT_MAX 4096

/*
 * The pg_dump the schema module will run, so the version check tests the
 * binary that actually dumps.
 */
char *pv_pg_dump_path(void)
{
    return pv_schema_tool_path("pg_dump");
}

/* ---------------------------------------------------------------- parse */

bool pv_pg_dump_parse_version(const char *output, char *version, size_t version_size,
                              int *major_num)
{
    const char *p = strstr(output, "pg_dump");
    if (!p)
        return false;
    /* "pg_dump (PostgreSQL) 15.4 (Debian …)": the version follows the product name. */
    const char *product = strchr(p, ')');
    p = product ? product + 1 : p + strlen("pg_dump");
    while (*p == ' ')
        p++;
    if (!isdigit((unsigned char)*p))
        return false;
    size_t len = strcspn(p, " \t\r\n");
    if (len + 1 > version_size)
        return false;
    memcpy(version, p, len);
    version[len] = '\0';
    int major = atoi(p), minor = 0;
    const char *digits = p;
    while (isdigit((unsigned char)*digits))
        digits++;
    if (*digits == '.')
        minor = atoi(digits + 1);
    *major_num = major >= 10 ? major * 10000 : major * 10000 + minor * 100;
    return true;
}

/* ------------------------------------------------------------------ run */

/* stdout of `<path> --version`, or NULL when it cannot be run. Caller frees. */
static char *version_output(const char *path)
{
    int fds[2];
    if (pipe(fds) != 0)
        return NULL;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    char *argv[] = {(char *)path, (char *)"--version", NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, path, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return NULL;
    }
    char *buf = pv_xcalloc(1, VERSION_OUTPUT_MAX + 1);
    size_t used = 0;
    while (used < VERSION_OUTPUT_MAX) {
        ssize_t got = read(fds[0], buf + used, VERSION_OUTPUT_MAX - used);
        if (got > 0)
            used += (size_t)got;
        else if (got < 0 && errno == EINTR)
            continue;
        else
            break;
    }
    /* Closed before waiting: a child that writes more gets SIGPIPE instead of blocking. */
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* "15" for 150004, "9.6" for 90624. */
static char *server_major_text(int server_version)
{
    if (server_version >= 100000)
        return pv_xasprintf("%d", server_version / 10000);
    return pv_xasprintf("%d.%d", server_version / 10000, (server_version / 100) % 100);
}

static int server_major_num(int server_version)
{
    return server_version >= 100000 ? server_version / 10000 * 10000 : server_version / 100 * 100;
}

pv_error *pv_check_pg_dump(int server_version)
{
    char *server = server_major_text(server_version);
    char *fix = pv_xasprintf("Install a pg_dump of major version \u2265 %s.", server);
    char *path = pv_pg_dump_path();
    char *output = path ? version_output(path) : NULL;
    char version[64];
    int dump_major = 0;
    pv_error *err = NULL;
    if (!path || !output) {
        pv_log(PV_LOG_DEBUG, "pg_dump candidate: %s", path ? path : "(none)");
        err = pv_error_new(PV_EXIT_PREFLIGHT, CONTEXT_PG_DUMP, fix,
                           "No runnable pg_dump was found (set PRIVACI_PG_DUMP to its path).");
    } else if (!pv_pg_dump_parse_version(output, version, sizeof(version), &dump_major)) {
        err = pv_error_new(PV_EXIT_PREFLIGHT, CONTEXT_PG_DUMP, fix,
                           "The version of the local pg_dump could not be determined.");
    } else if (dump_major < server_major_num(server_version)) {
        err = pv_error_new(PV_EXIT_PREFLIGHT, CONTEXT_PG_DUMP, fix,
                           "pg_dump %s cannot dump a %s server.", version, server);
    }
    free(output);
    free(path);
    free(fix);
    free(server);
    return err;
}
