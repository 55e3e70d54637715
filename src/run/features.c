#include "run/preflight.h"

#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "tables.<t>.columns.<c> (line L, column C)" for every json_mask column, sorted. */
static char *json_mask_paths(const pv_config *cfg)
{
    size_t n = 0, cap = 0;
    char **paths = NULL;
    for (size_t t = 0; t < cfg->n_tables; t++) {
        const pv_table_config *table = &cfg->tables[t];
        for (size_t c = 0; c < table->n_columns; c++) {
            const pv_column_rule *col = &table->columns[c];
            if (col->action.kind != PV_ACT_JSON_MASK)
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 8;
                paths = pv_xrealloc(paths, cap * sizeof(*paths));
            }
            paths[n++] = pv_xasprintf("tables.%s.columns.%s (line %d, column %d)", table->id,
                                      col->name, col->pos.line, col->pos.column);
        }
    }
    if (n == 0)
        return NULL;
    qsort(paths, n, sizeof(*paths), compare_strings);
    pv_strbuf sb = PV_STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        pv_strbuf_append(&sb, i ? ", " : "");
        pv_strbuf_append(&sb, paths[i]);
        free(paths[i]);
    }
    free(paths);
    return pv_strbuf_take(&sb);
}

pv_error *pv_check_configured_features(const pv_config *cfg)
{
    pv_strbuf cause = PV_STRBUF_INIT;
    char *paths = json_mask_paths(cfg);
    if (paths) {
        pv_strbuf_appendf(&cause, "json_mask is not available in this build: %s", paths);
        free(paths);
    }
    if (cfg->subset.set)
        pv_strbuf_appendf(&cause,
                          "%ssubset is not available in this build: subset (line %d, "
                          "column %d)",
                          cause.len ? "\n" : "", cfg->subset.pos.line, cfg->subset.pos.column);
    if (!cause.len)
        return NULL;
    pv_error *err =
        pv_error_new(PV_EXIT_CONFIG, "Checking configured features",
                     "Remove it from mask-rules.yaml or upgrade privaci.", "%s", cause.data);
    pv_strbuf_free(&cause);
    return err;
}
