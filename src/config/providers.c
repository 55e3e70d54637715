/*
 * providers.c — which fake provider names exist (spec/masking.md §8.1, §8.4).
 *
 * Built-ins are a fixed list. Custom data-file providers are discovered by
 * name only: each `*.yaml` file in the directories of PRIVACI_PROVIDERS_PATH
 * and then $PRIVACI_DATA_DIR/providers/ contributes its top-level `name:`.
 * Full validation of those files (kind, template, lists, clashes) is the
 * masking module's job at start-up; here an unreadable or malformed file
 * simply contributes no name, so the config validator reports the provider
 * as unknown rather than failing on a file it does not own.
 *
 * The scan runs once per process: the directories do not change during a
 * run, and validation asks about every fake column.
 */
#include "config/config.h"

#include "mask/custom.h"

#include "util/datadir.h"
#include "util/fydiag.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <libfyaml.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

const char *const pv_builtin_providers[] = {
    "first_name", "last_name", "full_name", "email",    "phone",      "street", "city",
    "postcode",   "country",   "address",   "dob",      "ip_address", "ssn",    "credit_card",
    "uuid",       "company",   "job_title", "username", "password",   NULL,
};

static bool is_builtin(const char *name)
{
    for (size_t i = 0; pv_builtin_providers[i]; i++)
        if (strcmp(pv_builtin_providers[i], name) == 0)
            return true;
    return false;
}

/* ---------------------------------------------------------------- the scan */

static struct {
    char **names;
    size_t count;
    size_t cap;
} custom;

static pthread_once_t scan_once = PTHREAD_ONCE_INIT;

static bool custom_known(const char *name)
{
    for (size_t i = 0; i < custom.count; i++)
        if (strcmp(custom.names[i], name) == 0)
            return true;
    return false;
}

static void custom_add(const char *name, size_t len)
{
    char *copy = pv_xstrndup(name, len);
    if (is_builtin(copy) || custom_known(copy)) {
        free(copy);
        return;
    }
    if (custom.count == custom.cap) {
        custom.cap = custom.cap ? 2 * custom.cap : 8;
        custom.names = pv_xrealloc(custom.names, custom.cap * sizeof(*custom.names));
    }
    custom.names[custom.count++] = copy;
}

static bool has_yaml_suffix(const char *file)
{
    size_t n = strlen(file);
    return n > 5 && strcmp(file + n - 5, ".yaml") == 0;
}

/* The top-level `name:` of one provider file, if it has a valid one. */
static void scan_file(const char *path, struct fy_diag *diag)
{
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET, .diag = diag};
    struct fy_document *doc = fy_document_build_from_file(&cfg, path);
    if (!doc)
        return;
    struct fy_node *root = fy_document_root(doc);
    if (root && fy_node_is_mapping(root)) {
        size_t len = 0;
        const char *name = fy_node_mapping_lookup_scalar_by_simple_key(root, &len, "name", 4);
        if (name && pv_custom_name_ok(name, len))
            custom_add(name, len);
    }
    fy_document_destroy(doc);
}

static void scan_dir(const char *dir, struct fy_diag *diag)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.' || !has_yaml_suffix(ent->d_name))
            continue;
        char *path = pv_xasprintf("%s/%s", dir, ent->d_name);
        scan_file(path, diag);
        free(path);
    }
    closedir(d);
}

/* PRIVACI_PROVIDERS_PATH is `:`-separated like PATH; empty entries are skipped. */
static void scan_search_path(const char *list, struct fy_diag *diag)
{
    char *copy = pv_xstrdup(list);
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
        scan_dir(dir, diag);
    free(copy);
}

static void scan_all(void)
{
    struct fy_diag *diag = pv_fy_silent_diag(false);
    const char *list = getenv("PRIVACI_PROVIDERS_PATH");
    if (list && *list)
        scan_search_path(list, diag);
    char *dir = pv_xasprintf("%s/providers", pv_data_dir());
    scan_dir(dir, diag);
    free(dir);
    fy_diag_destroy(diag);
}

bool pv_provider_exists(const char *name)
{
    if (!name)
        return false;
    if (is_builtin(name))
        return true;
    pthread_once(&scan_once, scan_all);
    return custom_known(name);
}
