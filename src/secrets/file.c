/*
 * file.c — the file:///absolute/path backend (secrets.md §3.2).
 *
 * Security model: what counts is the fully resolved real path. Symlinks are
 * allowed anywhere on the path (Kubernetes secret volumes are symlinks into
 * a "..data/" directory) as long as the final target stays under one of the
 * allowed roots, themselves resolved. The file is then opened by its
 * resolved path without following a last-component symlink and checked
 * again on the descriptor, so a swap between the check and the read is
 * caught rather than trusted.
 */
#include "secrets/backend.h"
#include "secrets/secrets.h"

#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROOTS_ENV     "PRIVACI_SECRET_FILE_ROOTS"
#define DEFAULT_ROOTS "/run/secrets:/var/run/secrets"
#define ROOTS_REMEDIATION                                                                          \
    "Place secrets under PRIVACI_SECRET_FILE_ROOTS directories (default: /run/secrets, "           \
    "/var/run/secrets)."

/*
 * The path the URI names: its path, with a host other than "" or
 * "localhost" prepended, so that the common mistake file://run/secrets/x
 * reads as the relative "run/secrets/x" and is rejected, not reinterpreted.
 */
static char *uri_file_path(const pv_secret_uri *uri)
{
    if (uri->host[0] && strcasecmp(uri->host, "localhost") != 0)
        return pv_xasprintf("%s%s", uri->host, uri->path);
    return pv_xstrdup(uri->path);
}

/* Real paths of the allowed roots; roots that do not exist are dropped. */
typedef struct roots {
    char **dirs;
    size_t n;
} roots;

/* Adds the roots of a ':'-list; returns how many entries were not blank. */
static size_t add_roots(roots *r, const char *list)
{
    char *copy = pv_xstrdup(list);
    char *save = NULL;
    size_t entries = 0;
    for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
        char *entry = pv_secret_trim_dup(tok);
        char *real = NULL;
        if (entry[0]) {
            entries++;
            real = realpath(entry, NULL);
        }
        free(entry);
        if (!real)
            continue;
        r->dirs = pv_xrealloc(r->dirs, (r->n + 1) * sizeof(*r->dirs));
        r->dirs[r->n++] = real;
    }
    free(copy);
    return entries;
}

/*
 * PRIVACI_SECRET_FILE_ROOTS, or the defaults when it is unset or lists no
 * non-blank entry (blank counts as unset, as everywhere in secrets.md).
 */
static void load_roots(roots *r)
{
    const char *env = getenv(ROOTS_ENV);
    if (!env || add_roots(r, env) == 0)
        add_roots(r, DEFAULT_ROOTS);
}

static void free_roots(roots *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->dirs[i]);
    free(r->dirs);
}

/* "Under" = the root, then '/', then at least one more component. */
static bool is_under(const char *path, const char *root)
{
    size_t n = strlen(root);
    if (strcmp(root, "/") == 0)
        return path[0] == '/' && path[1] != '\0';
    return strncmp(path, root, n) == 0 && path[n] == '/' && path[n + 1] != '\0';
}

static bool under_any_root(const char *path, const roots *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (is_under(path, r->dirs[i]))
            return true;
    return false;
}

/*
 * realpath(3), extended to paths that do not exist: the deepest existing
 * ancestor is resolved and the missing rest appended (".." applied
 * lexically). That lets a missing file be reported as missing when it would
 * lie under a root, and as outside when it would not — e.g. /var/run is a
 * symlink to /run on most systems, so comparing the unresolved text against
 * resolved roots would misreport. *missing is set when any part is absent.
 * Returns NULL (errno set) on other failures such as EACCES or ELOOP.
 */
static char *resolve_lenient(const char *path, bool *missing)
{
    char *real = realpath(path, NULL);
    if (real)
        return real;
    if (errno != ENOENT && errno != ENOTDIR)
        return NULL;
    *missing = true;
    const char *slash = strrchr(path, '/');
    if (!slash) /* unreachable: callers pass absolute paths */
        return NULL;
    char *parent = slash == path ? pv_xstrdup("/") : pv_xstrndup(path, (size_t)(slash - path));
    char *base_real = resolve_lenient(parent, missing);
    free(parent);
    if (!base_real)
        return NULL;
    const char *base = slash + 1;
    if (!*base || strcmp(base, ".") == 0)
        return base_real;
    if (strcmp(base, "..") == 0) {
        char *last = strrchr(base_real, '/');
        if (last == base_real)
            base_real[1] = '\0';
        else if (last)
            *last = '\0';
        return base_real;
    }
    char *joined = pv_xasprintf("%s/%s", strcmp(base_real, "/") == 0 ? "" : base_real, base);
    free(base_real);
    return joined;
}

/* The failure for a stat/open errno on the resolved path. */
static int fail_errno(pv_secret_failure *fail, int err, const char *shown)
{
    if (err == ENOENT || err == ENOTDIR)
        return pv_secret_fail(fail, NULL, "Secret file does not exist: '%s'", shown);
    if (err == ELOOP) /* swapped for a symlink after realpath */
        return pv_secret_fail(fail, NULL, "Secret path is not a regular file: '%s'", shown);
    return pv_secret_fail(fail, NULL, "Cannot read secret file '%s'", shown);
}

/* Reads at most cap+1 bytes, so a file that grew past the cap is noticed. */
static ssize_t read_capped(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    while (got < cap + 1) {
        ssize_t n = read(fd, buf + got, cap + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Checks the content: size, no NUL, UTF-8, not blank. */
static int check_content(const char *buf, ssize_t n, const char *shown, pv_secret_failure *fail)
{
    if (n > PV_SECRET_FILE_MAX)
        return pv_secret_fail(fail, NULL, "Secret file exceeds %d byte limit.", PV_SECRET_FILE_MAX);
    if (memchr(buf, '\0', (size_t)n))
        return pv_secret_fail(fail, NULL, "Secret file contains a NUL byte: '%s'", shown);
    if (!pv_secret_utf8_valid(buf, (size_t)n))
        return pv_secret_fail(fail, NULL, "Secret file is not valid UTF-8: '%s'", shown);
    if (pv_secret_is_blank(buf))
        return pv_secret_fail(fail, NULL, "Secret file is empty: '%s'", shown);
    return 0;
}

/*
 * Where the open descriptor really points (Linux /proc). O_NOFOLLOW guards
 * only the last component; if a directory on the path was swapped for a
 * symlink after realpath, this is where it shows. NULL when /proc is not
 * available, in which case the fstat checks are all we have.
 */
static char *descriptor_path(int fd)
{
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    return realpath(link, NULL);
}

/* Opens, re-checks on the descriptor, reads and validates. */
static int read_secret_file(const char *real, const char *shown, const roots *r, char **value,
                            pv_secret_failure *fail)
{
    struct stat st;
    if (stat(real, &st) != 0)
        return fail_errno(fail, errno, shown);
    /* Checked before open: opening a FIFO for reading would block. */
    if (!S_ISREG(st.st_mode))
        return pv_secret_fail(fail, NULL, "Secret path is not a regular file: '%s'", shown);
    /* O_NONBLOCK: should a FIFO be swapped in after the stat, open must not
     * hang; it has no effect on regular files. */
    int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return fail_errno(fail, errno, shown);
    int rc = 0;
    char *opened = descriptor_path(fd);
    if (opened && !under_any_root(opened, r)) {
        rc = pv_secret_fail(fail, ROOTS_REMEDIATION, "Path '%s' is outside allowed secret roots.",
                            shown);
    } else if (fstat(fd, &st) != 0) {
        rc = pv_secret_fail(fail, NULL, "Cannot read secret file '%s'", shown);
    } else if (!S_ISREG(st.st_mode)) {
        rc = pv_secret_fail(fail, NULL, "Secret path is not a regular file: '%s'", shown);
    } else if (st.st_size > PV_SECRET_FILE_MAX) {
        rc = pv_secret_fail(fail, NULL, "Secret file exceeds %d byte limit.", PV_SECRET_FILE_MAX);
    } else {
        char *buf = pv_xmalloc(PV_SECRET_FILE_MAX + 2);
        ssize_t n = read_capped(fd, buf, PV_SECRET_FILE_MAX);
        if (n < 0) {
            rc = pv_secret_fail(fail, NULL, "Cannot read secret file '%s'", shown);
        } else {
            buf[n] = '\0';
            rc = check_content(buf, n, shown, fail);
        }
        if (rc == 0) {
            *value = buf;
        } else {
            /* The whole buffer: it may hold bytes past a NUL. */
            explicit_bzero(buf, PV_SECRET_FILE_MAX + 2);
            free(buf);
        }
    }
    free(opened);
    close(fd);
    return rc;
}

int pv_secret_file_resolve(const pv_secret_uri *uri, char **value, pv_secret_failure *fail)
{
    char *shown = uri_file_path(uri);
    if (shown[0] != '/') {
        int rc =
            pv_secret_fail(fail, NULL, "file:// URI must use an absolute path, got '%s'", shown);
        free(shown);
        return rc;
    }
    roots r = {0};
    load_roots(&r);
    bool missing = false;
    char *real = resolve_lenient(shown, &missing);
    int rc;
    if (!real)
        rc = pv_secret_fail(fail, NULL, "Cannot read secret file '%s'", shown);
    else if (!under_any_root(real, &r))
        rc = pv_secret_fail(fail, ROOTS_REMEDIATION, "Path '%s' is outside allowed secret roots.",
                            shown);
    else if (missing)
        rc = pv_secret_fail(fail, NULL, "Secret file does not exist: '%s'", shown);
    else
        rc = read_secret_file(real, shown, &r, value, fail);
    free(real);
    free_roots(&r);
    free(shown);
    return rc;
}
