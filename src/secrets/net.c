/*
 * net.c — URI shapes of the network backends (secrets.md §3.3–§3.5).
 *
 * Each resolve function validates the URI shape into a typed reference and
 * hands it to the backend's fetch function (net_unavailable.c until the
 * network backends land), so shape errors are reported identically in
 * every build.
 */
#include "secrets/backend.h"

#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* host + path with leading and trailing slashes removed. */
static char *host_and_path(const pv_secret_uri *uri)
{
    char *s = pv_xasprintf("%s%s", uri->host, uri->path);
    size_t a = strspn(s, "/"), n = strlen(s);
    while (n > a && s[n - 1] == '/')
        n--;
    memmove(s, s + a, n - a);
    s[n - a] = '\0';
    return s;
}

/* A copy of query parameter `name`, NULL when absent or blank. */
static char *param_dup(const pv_secret_uri *uri, const char *name)
{
    const char *v = pv_secret_uri_param(uri, name);
    return v && *v ? pv_xstrdup(v) : NULL;
}

int pv_vault_ref_parse(const pv_secret_uri *uri, pv_vault_ref *ref, pv_secret_failure *fail)
{
    memset(ref, 0, sizeof(*ref));
    char *mount_path = host_and_path(uri);
    int rc = 0;
    const char *slash = strchr(mount_path, '/');
    if (!mount_path[0] || !uri->fragment || !uri->fragment[0]) {
        rc = pv_secret_fail(fail, NULL,
                            "vault://<mount>/<path>#<key> requires mount path and field key");
    } else if (!slash || !slash[1]) {
        rc = pv_secret_fail(fail, NULL, "vault:// mount path must be mount/secret/path, got '%s'",
                            mount_path);
    } else {
        ref->mount = pv_xstrndup(mount_path, (size_t)(slash - mount_path));
        ref->path = pv_xstrdup(slash + 1);
        ref->key = pv_xstrdup(uri->fragment);
    }
    free(mount_path);
    return rc;
}

int pv_aws_sm_ref_parse(const pv_secret_uri *uri, pv_aws_sm_ref *ref, pv_secret_failure *fail)
{
    memset(ref, 0, sizeof(*ref));
    char *id = host_and_path(uri);
    if (!id[0]) {
        free(id);
        return pv_secret_fail(fail, NULL, "aws-sm:// URI requires a secret id");
    }
    ref->secret_id = id;
    ref->region = param_dup(uri, "region");
    ref->key = param_dup(uri, "key");
    ref->version = param_dup(uri, "version");
    return 0;
}

int pv_azure_kv_ref_parse(const pv_secret_uri *uri, pv_azure_kv_ref *ref, pv_secret_failure *fail)
{
    memset(ref, 0, sizeof(*ref));
    const char *p = uri->path + strspn(uri->path, "/");
    size_t n = strlen(p);
    while (n > 0 && p[n - 1] == '/')
        n--;
    if (!uri->host[0] || n == 0)
        return pv_secret_fail(fail, NULL,
                              "azure-kv://<vault>/<secret> requires vault and secret name");
    ref->vault = pv_xstrdup(uri->host);
    ref->secret = pv_xstrndup(p, n);
    ref->version = param_dup(uri, "version");
    return 0;
}

void pv_vault_ref_free(pv_vault_ref *ref)
{
    free(ref->mount);
    free(ref->path);
    free(ref->key);
    memset(ref, 0, sizeof(*ref));
}

void pv_aws_sm_ref_free(pv_aws_sm_ref *ref)
{
    free(ref->secret_id);
    free(ref->region);
    free(ref->key);
    free(ref->version);
    memset(ref, 0, sizeof(*ref));
}

void pv_azure_kv_ref_free(pv_azure_kv_ref *ref)
{
    free(ref->vault);
    free(ref->secret);
    free(ref->version);
    memset(ref, 0, sizeof(*ref));
}

int pv_secret_vault_resolve(const pv_secret_uri *uri, char **value, pv_secret_failure *fail)
{
    pv_vault_ref ref;
    if (pv_vault_ref_parse(uri, &ref, fail) != 0)
        return -1;
    int rc = pv_vault_fetch(&ref, value, fail);
    pv_vault_ref_free(&ref);
    return rc;
}

int pv_secret_aws_sm_resolve(const pv_secret_uri *uri, char **value, pv_secret_failure *fail)
{
    pv_aws_sm_ref ref;
    if (pv_aws_sm_ref_parse(uri, &ref, fail) != 0)
        return -1;
    int rc = pv_aws_sm_fetch(&ref, value, fail);
    pv_aws_sm_ref_free(&ref);
    return rc;
}

int pv_secret_azure_kv_resolve(const pv_secret_uri *uri, char **value, pv_secret_failure *fail)
{
    pv_azure_kv_ref ref;
    if (pv_azure_kv_ref_parse(uri, &ref, fail) != 0)
        return -1;
    int rc = pv_azure_kv_fetch(&ref, value, fail);
    pv_azure_kv_ref_free(&ref);
    return rc;
}
