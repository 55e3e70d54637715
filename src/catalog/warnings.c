/*
 * warnings.c — non-blocking catalog warnings (catalog-and-schema.md §2, §5).
 *
 * Order: all never_analyzed, then sub_partitioning, polymorphic_fk_warning
 * and implied_fk_warning, each group in table order (id) and column order.
 *
 * Partition children are skipped by both relationship detectors: they
 * repeat their parent's columns (one warning per child would bury the
 * useful one), and the `seed_alias` the implied-FK warning suggests can
 * only be configured on the parent (config.md §9.2 rejects children).
 */
#include "catalog/catalog.h"

#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static pv_catalog_warning *add_warning(pv_catalog *cat, const char *code, const pv_table *t,
                                       char *message)
{
    cat->warnings = pv_xrealloc(cat->warnings, (cat->n_warnings + 1) * sizeof(*cat->warnings));
    pv_catalog_warning *w = &cat->warnings[cat->n_warnings++];
    memset(w, 0, sizeof(*w));
    w->code = code;
    w->table_id = pv_xstrdup(t->id);
    w->message = message;
    return w;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static bool is_fk_source_column(const pv_table *t, const char *column)
{
    for (size_t f = 0; f < t->n_fks; f++)
        if (pv_strlist_contains(&t->fks[f].columns, column))
            return true;
    return false;
}

static bool base_type_in(const char *data_type, const char *const *allowed)
{
    char *base = pv_catalog_base_type(data_type);
    bool found = false;
    for (size_t i = 0; allowed[i] && !found; i++)
        found = strcmp(base, allowed[i]) == 0;
    free(base);
    return found;
}

/* ---------------------------------------------------------- §2 simple ones */

static void warn_never_analyzed(pv_catalog *cat)
{
    for (size_t i = 0; i < cat->n_tables; i++) {
        const pv_table *t = &cat->tables[i];
        if (t->estimated_rows < 0)
            add_warning(cat, "never_analyzed", t,
                        pv_xasprintf("Table %s has never been analyzed; run ANALYZE for better "
                                     "batch sizing.",
                                     t->id));
    }
}

static void warn_sub_partitioning(pv_catalog *cat)
{
    for (size_t i = 0; i < cat->n_tables; i++) {
        const pv_table *t = &cat->tables[i];
        if (t->is_sub_partitioned)
            add_warning(cat, "sub_partitioning", t,
                        pv_xasprintf("Table %s is sub-partitioned; v1.0 supports only "
                                     "single-level partitioning.",
                                     t->id));
    }
}

/* ------------------------------------------------------ §5.1 polymorphic */

static const char *const POLY_TYPE_TYPES[] = {"text", "character varying", "varchar", NULL};
static const char *const POLY_ID_TYPES[] = {"integer",           "bigint",  "smallint", "uuid",
                                            "character varying", "varchar", NULL};

/*
 * Every candidate prefix needs an `<x>_type` column, so scanning those
 * covers the fixed prefixes of §5.1 (commentable, subject, target, owner)
 * too: they can only warn when `<x>_type` exists.
 */
static void warn_polymorphic_table(pv_catalog *cat, const pv_table *t)
{
    for (size_t c = 0; c < t->n_columns; c++) {
        const pv_column *type_col = &t->columns[c];
        if (!ends_with(type_col->name, "_type") || strlen(type_col->name) == strlen("_type"))
            continue;
        char *prefix = pv_xstrndup(type_col->name, strlen(type_col->name) - strlen("_type"));
        char *id_name = pv_xasprintf("%s_id", prefix);
        const pv_column *id_col = pv_table_column(t, id_name);
        if (id_col && !is_fk_source_column(t, type_col->name) && !is_fk_source_column(t, id_name) &&
            base_type_in(type_col->data_type, POLY_TYPE_TYPES) &&
            base_type_in(id_col->data_type, POLY_ID_TYPES)) {
            pv_catalog_warning *w = add_warning(
                cat, "polymorphic_fk_warning", t,
                pv_xasprintf("Table %s has polymorphic columns %s/%s without a catalog foreign "
                             "key; referential integrity cannot be preserved automatically.",
                             t->id, type_col->name, id_name));
            w->type_column = pv_xstrdup(type_col->name);
            w->id_column = pv_xstrdup(id_name);
        }
        free(id_name);
        free(prefix);
    }
}

/* --------------------------------------------------------- §5.2 implied */

static const char *const IMPLIED_SUFFIXES[] = {"user_id", "username", "email", "mrn", NULL};

/*
 * Single-column unique: a one-column PK, UNIQUE constraint, or unique
 * index. Partial and expression indexes do not count: they do not make the
 * plain column unique across the table.
 */
static bool is_single_column_unique(const pv_table *t, const char *column)
{
    if (t->primary_key.n == 1 && strcmp(t->primary_key.items[0], column) == 0)
        return true;
    for (size_t u = 0; u < t->n_uniques; u++)
        if (t->uniques[u].columns.n == 1 && strcmp(t->uniques[u].columns.items[0], column) == 0)
            return true;
    for (size_t i = 0; i < t->n_indexes; i++) {
        const pv_index *ix = &t->indexes[i];
        if (ix->is_unique && !ix->is_partial && !ix->has_expressions && ix->columns.n == 1 &&
            strcmp(ix->columns.items[0], column) == 0)
            return true;
    }
    return false;
}

/* The suffix a column name matches ("<anything>_<suffix>"), or NULL. */
static const char *implied_suffix(const char *column)
{
    for (size_t s = 0; IMPLIED_SUFFIXES[s]; s++) {
        size_t ls = strlen(IMPLIED_SUFFIXES[s]);
        size_t lc = strlen(column);
        if (lc > ls + 1 && column[lc - ls - 1] == '_' &&
            strcmp(column + lc - ls, IMPLIED_SUFFIXES[s]) == 0)
            return IMPLIED_SUFFIXES[s];
    }
    return NULL;
}

/*
 * name_hint: the target table's name, or that name without a trailing "s"
 * (but not "ss"), is one of the "_"-separated words before the suffix.
 */
static bool has_name_hint(const char *column, const char *suffix, const char *table_name)
{
    size_t words_len = strlen(column) - strlen(suffix) - 1;
    char *words = pv_xstrndup(column, words_len);
    char *singular = NULL;
    size_t lt = strlen(table_name);
    if (lt > 1 && table_name[lt - 1] == 's' && table_name[lt - 2] != 's')
        singular = pv_xstrndup(table_name, lt - 1);
    bool hint = false;
    char *save = NULL;
    for (char *w = strtok_r(words, "_", &save); w && !hint; w = strtok_r(NULL, "_", &save))
        hint = strcmp(w, table_name) == 0 || (singular && strcmp(w, singular) == 0);
    free(singular);
    free(words);
    return hint;
}

typedef struct candidate {
    const pv_table *table;
    int hint;        /* 0 = name hint, 1 = none */
    int same_schema; /* 0 = same schema, 1 = other */
} candidate;

static bool candidate_better(const candidate *a, const candidate *b)
{
    if (a->hint != b->hint)
        return a->hint < b->hint;
    if (a->same_schema != b->same_schema)
        return a->same_schema < b->same_schema;
    return strcmp(a->table->id, b->table->id) < 0;
}

static const pv_table *best_implied_target(const pv_catalog *cat, const pv_table *src,
                                           const char *column, const char *suffix)
{
    candidate best = {NULL, 0, 0};
    for (size_t i = 0; i < cat->n_tables; i++) {
        const pv_table *t = &cat->tables[i];
        if (t->parent_id || !pv_table_column(t, suffix) || !is_single_column_unique(t, suffix))
            continue;
        if (t == src && strcmp(column, suffix) == 0)
            continue; /* the column itself */
        candidate c = {t, has_name_hint(column, suffix, t->name) ? 0 : 1,
                       strcmp(t->schema, src->schema) == 0 ? 0 : 1};
        if (!best.table || candidate_better(&c, &best))
            best = c;
    }
    return best.table;
}

static bool ignored(const char *path, const char *const *ignore, size_t n_ignore)
{
    for (size_t i = 0; i < n_ignore; i++)
        if (ignore[i] && strcmp(ignore[i], path) == 0)
            return true;
    return false;
}

static void warn_implied_table(pv_catalog *cat, const pv_table *t, const char *const *ignore,
                               size_t n_ignore)
{
    for (size_t c = 0; c < t->n_columns; c++) {
        const char *column = t->columns[c].name;
        const char *suffix = implied_suffix(column);
        if (!suffix || is_fk_source_column(t, column))
            continue;
        char *path = pv_xasprintf("%s.%s", t->id, column);
        const pv_table *target = NULL;
        if (!ignored(path, ignore, n_ignore))
            target = best_implied_target(cat, t, column, suffix);
        if (target) {
            char *target_path = pv_xasprintf("%s.%s", target->id, suffix);
            pv_catalog_warning *w = add_warning(
                cat, "implied_fk_warning", t,
                pv_xasprintf("Table %s column %s looks like a soft reference to %s (UNIQUE) but "
                             "no catalog foreign key exists. Add 'seed_alias: %s' on %s to keep "
                             "masked values consistent across both columns.",
                             t->id, column, target_path, target_path, path));
            w->source_column_path = path;
            w->target_column_path = target_path;
            path = NULL;
        }
        free(path);
    }
}

void pv_catalog_build_warnings(pv_catalog *cat, const char *const *implied_fk_ignore,
                               size_t n_ignore)
{
    pv_catalog_free_warnings(cat);
    warn_never_analyzed(cat);
    warn_sub_partitioning(cat);
    for (size_t i = 0; i < cat->n_tables; i++)
        if (!cat->tables[i].parent_id)
            warn_polymorphic_table(cat, &cat->tables[i]);
    for (size_t i = 0; i < cat->n_tables; i++)
        if (!cat->tables[i].parent_id)
            warn_implied_table(cat, &cat->tables[i], implied_fk_ignore, n_ignore);
}
