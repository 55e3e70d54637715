/*
 * tools.c — running pg_dump and pg_restore.
 *
 * Children are spawned directly (posix_spawn, no shell), with stdin from
 * /dev/null and both output streams captured. A source password never
 * appears on a command line (where `ps` shows it): the connection string
 * handed to pg_dump has it removed, and the child alone gets it as
 * PGPASSWORD in its environment.
 */
#include "schema/plan.h"

#include "util/strbuf.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define STDERR_CAP (64 * 1024)
#define PG_LIB_DIR "/usr/lib/postgresql"

/* ------------------------------------------------------------ binaries */

/* The highest N with /usr/lib/postgresql/<N>/bin/<name> executable, as a path. */
static char *newest_installed(const char *name)
{
    DIR *dir = opendir(PG_LIB_DIR);
    if (!dir)
        return NULL;
    long best = -1;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        char *end;
        long n = strtol(de->d_name, &end, 10);
        if (end == de->d_name || *end != '\0' || n <= best)
            continue;
        char *path = pv_xasprintf("%s/%s/bin/%s", PG_LIB_DIR, de->d_name, name);
        if (access(path, X_OK) == 0)
            best = n;
        free(path);
    }
    closedir(dir);
    return best < 0 ? NULL : pv_xasprintf("%s/%ld/bin/%s", PG_LIB_DIR, best, name);
}

/* `dir_of`'s directory + "/" + name when that file is executable, else NULL. */
static char *sibling(const char *dir_of, const char *name)
{
    const char *slash = strrchr(dir_of, '/');
    if (!slash)
        return NULL;
    char *path = pv_xasprintf("%.*s/%s", (int)(slash - dir_of), dir_of, name);
    if (access(path, X_OK) == 0)
        return path;
    free(path);
    return NULL;
}

static char *find_pg_dump(void)
{
    const char *forced = getenv("PRIVACI_PG_DUMP");
    if (forced && *forced)
        return pv_xstrdup(forced);
    /* Debian's /usr/bin entries are wrappers that pick a version per
     * cluster; the versioned directories hold the real binaries. */
    char *installed = newest_installed("pg_dump");
    return installed ? installed : pv_xstrdup("pg_dump"); /* PATH lookup */
}

char *pv_schema_tool_path(const char *tool)
{
    if (strcmp(tool, "pg_restore") != 0)
        return find_pg_dump();
    const char *forced = getenv("PRIVACI_PG_RESTORE");
    if (forced && *forced)
        return pv_xstrdup(forced);
    /* The archive is read by the pg_restore of the same installation. */
    char *dump = find_pg_dump();
    char *path = sibling(dump, "pg_restore");
    free(dump);
    if (path)
        return path;
    path = newest_installed("pg_restore");
    return path ? path : pv_xstrdup("pg_restore");
}

/* ------------------------------------------------------------ spawning */

static char **child_environment(const char *password)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = pv_xcalloc(n + 2, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (password && strncmp(environ[i], "PGPASSWORD=", 11) == 0)
            continue;
        env[k++] = pv_xstrdup(environ[i]);
    }
    if (password)
        env[k++] = pv_xasprintf("PGPASSWORD=%s", password);
    env[k] = NULL;
    return env;
}

static void environment_free(char **env)
{
    for (size_t i = 0; env[i]; i++)
        pv_free_secret(env[i]);
    free(env);
}

/* Reads both pipes until the child closes them. */
static void drain(int out_fd, int err_fd, pv_strbuf *out, pv_strbuf *err)
{
    struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(fds[i].fd, buf, sizeof(buf));
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                fds[i].fd = -1;
                open_fds--;
                continue;
            }
            pv_strbuf *sb = i == 0 ? out : err;
            if (i == 0 || sb->len < STDERR_CAP)
                pv_strbuf_append_len(sb, buf, (size_t)got);
        }
    }
}

static int wait_child(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int pvs_run(const char *const *argv, const char *password, pvs_output *out)
{
    memset(out, 0, sizeof(*out));
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0)
        return errno;
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        int e = errno;
        close(out_pipe[0]);
        close(out_pipe[1]);
        return e;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);

    char **env = child_environment(password);
    pid_t pid;
    char *const *args = (char *const *)argv;
    int rc = strchr(argv[0], '/') ? posix_spawn(&pid, argv[0], &fa, NULL, args, env)
                                  : posix_spawnp(&pid, argv[0], &fa, NULL, args, env);
    posix_spawn_file_actions_destroy(&fa);
    environment_free(env);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (rc != 0) {
        close(out_pipe[0]);
        close(err_pipe[0]);
        return rc;
    }

    pv_strbuf so = PV_STRBUF_INIT, se = PV_STRBUF_INIT;
    drain(out_pipe[0], err_pipe[0], &so, &se);
    close(out_pipe[0]);
    close(err_pipe[0]);
    out->exit_code = wait_child(pid);
    out->out_len = so.len;
    out->out = pv_strbuf_take(&so);
    out->err = pv_strbuf_take(&se);
    return 0;
}

void pvs_output_free(pvs_output *out)
{
    free(out->out);
    free(out->err);
    memset(out, 0, sizeof(*out));
}

/* --------------------------------------------------------- conninfo */

/* key='value' with backslashes and quotes escaped (libpq conninfo syntax). */
static void append_setting(pv_strbuf *sb, const char *key, const char *value)
{
    if (sb->len)
        pv_strbuf_append_char(sb, ' ');
    pv_strbuf_append(sb, key);
    pv_strbuf_append(sb, "='");
    for (const char *c = value; *c; c++) {
        if (*c == '\\' || *c == '\'')
            pv_strbuf_append_char(sb, '\\');
        pv_strbuf_append_char(sb, *c);
    }
    pv_strbuf_append_char(sb, '\'');
}

bool pvs_split_conninfo(const char *url, char **conninfo, char **password)
{
    *conninfo = NULL;
    *password = NULL;
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &errmsg);
    PQfreemem(errmsg); /* may quote the URL: never shown */
    if (!opts)
        return false;
    pv_strbuf sb = PV_STRBUF_INIT;
    bool has_app_name = false;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val)
            continue;
        if (strcmp(o->keyword, "password") == 0) {
            pv_free_secret(*password);
            *password = pv_xstrdup(o->val);
            continue;
        }
        has_app_name |= strcmp(o->keyword, "application_name") == 0;
        append_setting(&sb, o->keyword, o->val);
    }
    if (!has_app_name)
        append_setting(&sb, "application_name", "privaci");
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (o->val && strcmp(o->keyword, "password") == 0)
            memset(o->val, 0, strlen(o->val));
    PQconninfoFree(opts);
    *conninfo = pv_strbuf_take(&sb);
    return true;
}

/* ------------------------------------------------------------ temp files */

char *pvs_temp_file(const char *what)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    char *path = pv_xasprintf("%s/privaci-%s-XXXXXX", dir, what);
    int fd = mkstemp(path); /* created 0600 */
    if (fd < 0) {
        free(path);
        return NULL;
    }
    close(fd);
    return path;
}
