/*
 * artifact.c — writing a command's artifact to its destination
 * (verify-and-report.md §6). Local paths and file:// URIs are written here;
 * s3:// uploads are not in this build and are refused before any work, so
 * a dry-run never runs its pre-flight only to fail at the last step.
 * Errors show local paths as `<local-path>` and other destinations as
 * `<scheme>://<redacted>`.
 */
#include "run/dryrun.h"

#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define CONTEXT_PARSE "Parsing object destination URI"
#define PARSE_FIX                                                                                  \
    "Use a local path, file://, s3://, or azure-blob:// URI. See docs/object-output.md."

typedef enum { DEST_LOCAL, DEST_S3, DEST_AZURE, DEST_UNKNOWN } dest_kind;

/* The scheme of "scheme://…" (lower-cased, caller frees), or NULL for a bare path. */
static char *dest_scheme(const char *dest)
{
    const char *sep = strstr(dest, "://");
    if (!sep || sep == dest)
        return NULL;
    for (const char *p = dest; p < sep; p++)
        if (!(('a' <= (*p | 0x20) && (*p | 0x20) <= 'z') || (*p >= '0' && *p <= '9') || *p == '+' ||
              *p == '-' || *p == '.'))
            return NULL;
    char *scheme = pv_xstrndup(dest, (size_t)(sep - dest));
    for (char *p = scheme; *p; p++)
        *p = (char)(*p | 0x20);
    return scheme;
}

static dest_kind classify(const char *dest, char **scheme)
{
    *scheme = dest_scheme(dest);
    if (!*scheme || strcmp(*scheme, "file") == 0)
        return DEST_LOCAL;
    if (strcmp(*scheme, "s3") == 0)
        return DEST_S3;
    if (strcmp(*scheme, "azure-blob") == 0)
        return DEST_AZURE;
    return DEST_UNKNOWN;
}

/* file:///abs and file://localhost/abs → /abs; file://host/x → host/x (§6). */
static char *local_path(const char *dest)
{
    char *scheme = dest_scheme(dest);
    bool is_uri = scheme != NULL;
    free(scheme);
    if (!is_uri)
        return pv_xstrdup(dest);
    const char *rest = strstr(dest, "://") + 3;
    if (strncasecmp(rest, "localhost/", 10) == 0)
        return pv_xstrdup(rest + 9);
    return pv_xstrdup(rest);
}

static bool s3_has_bucket_and_key(const char *dest)
{
    const char *rest = strstr(dest, "://") + 3;
    const char *slash = strchr(rest, '/');
    return slash && slash != rest && slash[1] && slash[1] != '?';
}

pv_error *pv_artifact_check(const char *dest)
{
    if (!dest || !*dest)
        return pv_error_new(PV_EXIT_GENERIC, CONTEXT_PARSE, PARSE_FIX,
                            "Object destination cannot be empty");
    char *scheme = NULL;
    pv_error *err = NULL;
    switch (classify(dest, &scheme)) {
    case DEST_LOCAL:
        break;
    case DEST_S3:
        if (!s3_has_bucket_and_key(dest))
            err = pv_error_new(PV_EXIT_GENERIC, CONTEXT_PARSE, PARSE_FIX,
                               "s3://<bucket>/<key> requires bucket and key");
        else
            err = pv_error_new(PV_EXIT_GENERIC, "Writing to s3://<redacted>",
                               "Write the artifact to a local path or file:// URI.",
                               "s3:// uploads are not available in this build.");
        break;
    case DEST_AZURE:
        err = pv_error_new(PV_EXIT_CONFIG, "Writing compliance artifact",
                           "Use a local path, file:// or s3://.",
                           "azure-blob:// destinations are not supported yet.");
        break;
    default:
        err = pv_error_new(PV_EXIT_GENERIC, CONTEXT_PARSE, PARSE_FIX,
                           "Unsupported object URI scheme: '%s'", scheme);
        break;
    }
    free(scheme);
    return err;
}

/* mkdir -p of every parent directory of `path`. */
static int make_parents(const char *path)
{
    char *copy = pv_xstrdup(path);
    int rc = 0;
    for (char *p = copy + 1; *p && rc == 0; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0777) != 0 && errno != EEXIST)
            rc = -1;
        *p = '/';
    }
    free(copy);
    return rc;
}

static int write_file(const char *path, const char *content)
{
    if (make_parents(path) != 0)
        return -1;
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    size_t len = strlen(content);
    bool ok = fwrite(content, 1, len, f) == len;
    if (fclose(f) != 0)
        ok = false;
    return ok ? 0 : -1;
}

pv_error *pv_artifact_write(const char *dest, const char *content, const char *artifact)
{
    pv_error *err = pv_artifact_check(dest);
    if (err)
        return err;
    char *path = local_path(dest);
    if (write_file(path, content) != 0) {
        int saved = errno;
        char *context = pv_xasprintf("Writing %s", artifact);
        err = pv_error_new(PV_EXIT_GENERIC, context, "Check the destination and credentials.",
                           "Could not write <local-path>: %s.", strerror(saved));
        free(context);
    }
    free(path);
    return err;
}
