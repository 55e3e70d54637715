/*
 * checks_config.c — the pre-flight checks that hold the config against the
 * source catalog (config.md §9.2, catalog-and-schema.md §4 and §6.2).
 * Every configured id, path or column they name carries its
 * " (line L, column C)" (config.md §1); catalog-side names carry none.
 */
#include "run/checks.h"

#include "run/textlist.h"
#include "util/xalloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DISK_ADVISORY_ROWS 50000000.0

/* "<text> (line L, column C)", or just the text when the position is unknown. */
static char *with_pos(const char *text, pv_pos pos)
{
    if (pos.line <= 0)
        return pv_xstrdup(text);
    return pv_xasprintf("%s (line %d, column %d)", text, pos.line, pos.column);
}

/* Sorts and joins `list`, frees it, and builds the exit-code error. */
static pv_error *list_error(int code, const char *context, const char *remediation,
                            const char *lead, pv_textlist *list)
{
    pv_textlist_sort(list);
    char *joined = pv_textlist_join(list, ", ");
    pv_error *err = pv_error_new(code, context, remediation, "%s%s", lead, joined);
    free(joined);
    pv_textlist_free(list);
    return err;
}

/* ------------------------------------------------------ config_tables */

pv_error *pv_check_config_tables(const pv_config *cfg, const pv_catalog *cat)
{
    pv_textlist missing = PV_TEXTLIST_INIT;
    for (size_t i = 0; i < cfg->n_tables; i++)
        if (!pv_model_find_config_id(cat, cfg->tables[i].id))
            pv_textlist_take(&missing, with_pos(cfg->tables[i].id, cfg->tables[i].pos));
    if (!missing.n)
        return NULL;
    return list_error(PV_EXIT_CONFIG, "Validating configured tables against the source catalog",
                      "Fix table names in mask-rules.yaml or load the missing tables.",
                      "Tables in config are absent from the source: ", &missing);
}

/* --------------------------------------------------- partition_config */

pv_error *pv_check_partition_config(const pv_config *cfg, const pv_catalog *cat)
{
    pv_textlist children = PV_TEXTLIST_INIT;
    for (size_t i = 0; i < cfg->n_tables; i++) {
        const pv_table *t = pv_model_find_config_id(cat, cfg->tables[i].id);
        if (t && t->parent_id)
            pv_textlist_take(&children, with_pos(cfg->tables[i].id, cfg->tables[i].pos));
    }
    if (!children.n)
        return NULL;
    return list_error(PV_EXIT_CONFIG, "Validating partition table configuration",
                      "Configure the partitioned parent table; children inherit its strategy.",
                      "Per-partition strategy overrides are not supported: ", &children);
}

/* ----------------------------------------------------- config_columns */

pv_error *pv_check_config_columns(const pv_config *cfg, const pv_catalog *cat)
{
    pv_textlist missing = PV_TEXTLIST_INIT;
    for (size_t i = 0; i < cfg->n_tables; i++) {
        const pv_table_config *tc = &cfg->tables[i];
        const pv_table *t = pv_model_find_config_id(cat, tc->id);
        for (size_t c = 0; t && c < tc->n_columns; c++) {
            if (pv_table_column(t, tc->columns[c].name))
                continue;
            char *path = pv_xasprintf("%s.%s", tc->id, tc->columns[c].name);
            pv_textlist_take(&missing, with_pos(path, tc->columns[c].pos));
            free(path);
        }
    }
    if (!missing.n)
        return NULL;
    return list_error(PV_EXIT_CONFIG, "Validating configured columns against the source catalog",
                      "Fix column names in mask-rules.yaml.",
                      "Columns in config are absent from the source: ", &missing);
}

/* --------------------------------------------------- sub_partitioning */

pv_error *pv_check_sub_partitioning(const pv_config *cfg, const pv_catalog *cat)
{
    pv_textlist ids = PV_TEXTLIST_INIT;
    for (size_t i = 0; i < cat->n_tables; i++) {
        const pv_table *t = &cat->tables[i];
        /* Ours fails only for tables in scope (catalog-and-schema.md §4). */
        if (t->is_sub_partitioned && pv_model_in_scope(cfg, cat, t))
            pv_textlist_add_unique(&ids, t->id);
    }
    if (!ids.n)
        return NULL;
    return list_error(PV_EXIT_PREFLIGHT, "Checking native table partitioning",
                      "Flatten partitioning to a single level or exclude sub-partitioned tables "
                      "from the run.",
                      "Sub-partitioned tables are not supported: ", &ids);
}

/* ------------------------------------------------------- null_actions */

pv_error *pv_check_null_actions(const pv_config *cfg, const pv_catalog *cat)
{
    pv_textlist paths = PV_TEXTLIST_INIT;
    for (size_t i = 0; i < cfg->n_tables; i++) {
        const pv_table_config *tc = &cfg->tables[i];
        const pv_table *t = pv_model_find_config_id(cat, tc->id);
        for (size_t c = 0; t && c < tc->n_columns; c++) {
            const pv_column_rule *rule = &tc->columns[c];
            const pv_column *col = pv_table_column(t, rule->name);
            if (rule->action.kind != PV_ACT_NULL || !col || !col->not_null)
                continue;
            char *path = pv_xasprintf("tables.%s.columns.%s", tc->id, rule->name);
            pv_textlist_take(&paths, with_pos(path, rule->pos));
            free(path);
        }
    }
    if (!paths.n)
        return NULL;
    return list_error(PV_EXIT_CONFIG, "Validating null actions",
                      "Use a non-null action (fake, static, hash) or alter the source column to "
                      "be nullable; see docs/configuration.md#actions.",
                      "Action 'null' targets NOT NULL columns: ", &paths);
}

/* --------------------------------------------------------- orphan_fks */

/* One FK from a streamed table into an excluded or emptied one that fails. */
typedef struct orphan_failure {
    int row; /* 2, 3 or 5 of §6.2 */
    const pv_table *referencing;
    const pv_foreign_key *fk;
    const pv_table *referenced;
    pv_strategy strategy;
} orphan_failure;

typedef struct orphan_scan {
    orphan_failure *failures;
    size_t n;
} orphan_scan;

static bool fk_has_not_null(const pv_table *t, const pv_foreign_key *fk)
{
    for (size_t i = 0; i < fk->columns.n; i++) {
        const pv_column *col = pv_table_column(t, fk->columns.items[i]);
        if (col && col->not_null)
            return true;
    }
    return false;
}

static void add_failure(orphan_scan *scan, int row, const pv_table *c, const pv_foreign_key *fk,
                        const pv_table *p, pv_strategy s)
{
    scan->failures = pv_xrealloc(scan->failures, (scan->n + 1) * sizeof(*scan->failures));
    scan->failures[scan->n++] = (orphan_failure){row, c, fk, p, s};
}

/*
 * Decides one FK top-down (§6.2: the first row whose condition holds).
 * Rows 1 and 4 are allowed and recorded in the plan.
 */
static pv_error *decide_fk(const pv_config *cfg, const pv_catalog *cat, pv_run_plan *plan,
                           const pv_table *c, const pv_foreign_key *fk, pv_references_fn references,
                           void *ctx, orphan_scan *scan)
{
    const pv_table *p = pv_catalog_find_qualified(cat, fk->ref_schema, fk->ref_table);
    if (!p)
        return NULL;
    pv_strategy s = pv_model_strategy(cfg, cat, p);
    if (s == PV_STRATEGY_TRANSFORM)
        return NULL;
    bool refs = false;
    pv_error *err = references(ctx, cat, c, fk, &refs);
    if (err)
        return err;
    if (!refs) { /* row 1: nothing can dangle */
        if (s == PV_STRATEGY_EXCLUDE)
            pv_run_plan_omit_fk(plan, c->id, fk->name);
        return NULL;
    }
    if (fk_has_not_null(c, fk)) { /* rows 2 and 3 */
        add_failure(scan, s == PV_STRATEGY_EXCLUDE ? 2 : 3, c, fk, p, s);
        return NULL;
    }
    const pv_table_config *tc = pv_model_table_config(cfg, cat, c);
    if (tc && tc->null_orphan_fks) { /* row 4 */
        for (size_t i = 0; i < fk->columns.n; i++)
            pv_run_plan_null_orphan_fk(plan, cat, c, fk->columns.items[i]);
        if (s == PV_STRATEGY_EXCLUDE)
            pv_run_plan_omit_fk(plan, c->id, fk->name);
        return NULL;
    }
    add_failure(scan, 5, c, fk, p, s); /* row 5 */
    return NULL;
}

/* The referenced table with the smallest id among failures of `row`, or NULL. */
static const orphan_failure *first_of_row(const orphan_scan *scan, int row)
{
    const orphan_failure *best = NULL;
    for (size_t i = 0; i < scan->n; i++)
        if (scan->failures[i].row == row &&
            (!best || strcmp(scan->failures[i].referenced->id, best->referenced->id) < 0))
            best = &scan->failures[i];
    return best;
}

/* Column paths of every failing FK of `row` (into `only`, when given). */
static void collect_paths(const orphan_scan *scan, int row, const pv_table *only,
                          pv_textlist *paths, pv_textlist *referenced)
{
    for (size_t i = 0; i < scan->n; i++) {
        const orphan_failure *f = &scan->failures[i];
        if (f->row != row || (only && f->referenced != only))
            continue;
        for (size_t c = 0; c < f->fk->columns.n; c++)
            pv_textlist_take(paths,
                             pv_xasprintf("%s.%s", f->referencing->id, f->fk->columns.items[c]));
        pv_textlist_add_unique(referenced, f->referenced->id);
    }
}

/* The error of the lowest failing row: 2 lists every FK, 3 and 5 those into one table. */
static pv_error *orphan_error(const orphan_scan *scan)
{
    static const char context[] = "Validating exclude strategy";
    pv_textlist paths = PV_TEXTLIST_INIT, referenced = PV_TEXTLIST_INIT;
    pv_error *err = NULL;
    const orphan_failure *f;
    if (first_of_row(scan, 2)) {
        collect_paths(scan, 2, NULL, &paths, &referenced);
        pv_textlist_sort(&referenced);
        char *ids = pv_textlist_join(&referenced, ", ");
        char *fix = pv_xasprintf(
            "Set strategy: empty on the referencing tables, or stream %s (strategy: transform).",
            ids);
        err = list_error(PV_EXIT_CONFIG, context, fix,
                         "Excluded table is referenced by NOT NULL FKs: ", &paths);
        free(ids);
        free(fix);
    } else if ((f = first_of_row(scan, 3))) {
        collect_paths(scan, 3, f->referenced, &paths, &referenced);
        char *fix = pv_xasprintf(
            "Stream %s (strategy: transform), or set strategy: empty on the referencing tables.",
            f->referenced->id);
        char *lead = pv_xasprintf("Table emptied by strategy %s is referenced by NOT NULL FKs: ",
                                  pv_strategy_name(f->strategy));
        err = list_error(PV_EXIT_CONFIG, context, fix, lead, &paths);
        free(fix);
        free(lead);
    } else if ((f = first_of_row(scan, 5))) {
        collect_paths(scan, 5, f->referenced, &paths, &referenced);
        char *fix = pv_xasprintf("Set null_orphan_fks: true on the referencing tables, or stream "
                                 "%s (strategy: transform).",
                                 f->referenced->id);
        char *lead = pv_xasprintf("Tables referencing %s (strategy %s) need null_orphan_fks: ",
                                  f->referenced->id, pv_strategy_name(f->strategy));
        err = list_error(PV_EXIT_CONFIG, context, fix, lead, &paths);
        free(fix);
        free(lead);
    }
    pv_textlist_free(&referenced);
    return err;
}

pv_error *pv_check_orphan_fks(const pv_config *cfg, const pv_catalog *cat, pv_run_plan *plan,
                              pv_references_fn references, void *ctx)
{
    orphan_scan scan = {NULL, 0};
    pv_error *err = NULL;
    for (size_t i = 0; !err && i < cat->n_tables; i++) {
        const pv_table *c = &cat->tables[i];
        /* Only streamed tables are checked: emptied or excluded ones hold no rows. */
        if (pv_model_strategy(cfg, cat, c) != PV_STRATEGY_TRANSFORM)
            continue;
        for (size_t f = 0; !err && f < c->n_fks; f++)
            err = decide_fk(cfg, cat, plan, c, &c->fks[f], references, ctx, &scan);
    }
    if (!err)
        err = orphan_error(&scan);
    free(scan.failures);
    return err;
}

/* ------------------------------------------------------- disk_advisory */

char *pv_format_thousands(int64_t n)
{
    char digits[32];
    snprintf(digits, sizeof(digits), "%" PRId64, n < 0 ? -n : n);
    size_t len = strlen(digits);
    char out[48];
    size_t o = 0;
    if (n < 0)
        out[o++] = '-';
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return pv_xstrdup(out);
}

char *pv_disk_advisory_message(const pv_config *cfg, const pv_catalog *cat)
{
    double total = 0;
    for (size_t i = 0; i < cat->n_tables; i++) {
        const pv_table *t = &cat->tables[i];
        if (pv_model_is_unit(cfg, cat, t) && t->estimated_rows > 0)
            total += t->estimated_rows;
    }
    if (total < DISK_ADVISORY_ROWS)
        return NULL;
    char *rows = pv_format_thousands((int64_t)total);
    char *msg = pv_xasprintf("Estimated source rows (%s) exceed the MVP disk advisory threshold; "
                             "verify target free space before proceeding.",
                             rows);
    free(rows);
    return msg;
}
