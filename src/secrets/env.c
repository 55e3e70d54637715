/*
 * env.c — the env://NAME backend (secrets.md §3.1).
 */
#include "secrets/backend.h"

#include "util/xalloc.h"

#include <stdlib.h>

/*
 * The name is the authority (env://NAME) or, when that is empty, the path
 * without its leading slash (env:///NAME). Both present (env://A/B) is kept
 * whole so that it fails the name check instead of silently reading A.
 */
static char *env_name(const pv_secret_uri *uri)
{
    if (uri->host[0])
        return pv_xasprintf("%s%s", uri->host, uri->path);
    const char *p = uri->path;
    while (*p == '/')
        p++;
    return pv_xstrdup(p);
}

int pv_secret_env_resolve(const pv_secret_uri *uri, char **value, pv_secret_failure *fail)
{
    char *name = env_name(uri);
    int rc = 0;
    if (!pv_secret_env_name_valid(name)) {
        rc = pv_secret_fail(fail, "Use names matching ^[A-Za-z_][A-Za-z0-9_]*$.",
                            "Environment variable name '%s' is not valid.", name);
    } else {
        const char *raw = getenv(name);
        if (!raw)
            rc = pv_secret_fail(fail, NULL, "Environment variable '%s' is not set", name);
        else if (pv_secret_is_blank(raw))
            rc = pv_secret_fail(fail, NULL, "Environment variable '%s' is empty", name);
        else
            *value = pv_xstrdup(raw);
    }
    free(name);
    return rc;
}
