/*
 * validate.c — typed readers and the top-level, table and subset parts of
 * the schema stage (config.md §2–§4, §7, §9.1 stage 6).
 */
#include "config/validate.h"

#include "util/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_BATCH_SIZE 10000

void pv_schema_error(pv_schema_ctx *ctx, const char *path, pv_pos pos, const char *fmt, ...)
{
    if (ctx->n_errors++)
        pv_strbuf_append_char(&ctx->lines, '\n');
    pv_strbuf_appendf(&ctx->lines, "  - %s: ", path && *path ? path : "<root>");
    va_list ap;
    va_start(ap, fmt);
    pv_strbuf_appendv(&ctx->lines, fmt, ap);
    va_end(ap);
    if (pos.line > 0)
        pv_strbuf_appendf(&ctx->lines, " (line %d, column %d)", pos.line, pos.column);
}

char *pv_schema_path(const char *parent, const char *key)
{
    if (!parent || !*parent)
        return pv_xstrdup(key);
    return pv_xasprintf("%s.%s", parent, key);
}

const char *pv_schema_key(pv_schema_ctx *ctx, const pv_yaml_node *key, const char *parent)
{
    if (key->kind == PV_YAML_SCALAR && pv_yaml_text_ok(key))
        return key->text;
    pv_schema_error(ctx, parent, key->pos, "Keys should be strings");
    return NULL;
}

bool pv_schema_mapping(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path)
{
    if (n->kind == PV_YAML_MAPPING)
        return true;
    pv_schema_error(ctx, path, n->pos, PV_MSG_DICT);
    return false;
}

bool pv_schema_string(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path, bool nullable,
                      char **out)
{
    if (n->kind == PV_YAML_SCALAR && n->null && nullable) {
        *out = NULL;
        return true;
    }
    /* lenient (§2): a plain number or boolean is taken as its source text */
    if (n->kind != PV_YAML_SCALAR || n->null || !pv_yaml_text_ok(n)) {
        pv_schema_error(ctx, path, n->pos, PV_MSG_STRING);
        return false;
    }
    *out = pv_xstrndup(n->text, n->len);
    return true;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The text without surrounding whitespace, as a new string. */
static char *trimmed(const char *s, size_t len)
{
    while (len && is_space(*s)) {
        s++;
        len--;
    }
    while (len && is_space(s[len - 1]))
        len--;
    return pv_xstrndup(s, len);
}

/*
 * Lenient integer (§2): decimal digits, or a decimal float whose fraction is
 * all zeros ("500.0", "500."), optionally signed.
 */
static bool parse_int_text(const char *text, size_t len, int64_t *out)
{
    char *s = trimmed(text, len);
    const char *p = s + (*s == '+' || *s == '-');
    size_t digits = strspn(p, "0123456789");
    bool ok =
        digits > 0 && (p[digits] == '\0' ||
                       (p[digits] == '.' && strspn(p + digits + 1, "0") == strlen(p + digits + 1)));
    if (ok) {
        errno = 0;
        long long v = strtoll(s, NULL, 10);
        ok = errno == 0;
        *out = (int64_t)v;
    }
    free(s);
    return ok;
}

bool pv_schema_int(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path, int64_t *out)
{
    if (n->kind == PV_YAML_SCALAR && !n->null && parse_int_text(n->text, n->len, out))
        return true;
    pv_schema_error(ctx, path, n->pos, PV_MSG_INTEGER);
    return false;
}

bool pv_schema_bool(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path, bool *out)
{
    static const char *const truthy[] = {"true", "yes", "on", "y", "t", "1", NULL};
    static const char *const falsy[] = {"false", "no", "off", "n", "f", "0", NULL};
    if (n->kind == PV_YAML_SCALAR && !n->null && pv_yaml_text_ok(n)) {
        char *s = trimmed(n->text, n->len);
        int found = -1;
        for (int i = 0; found < 0 && truthy[i]; i++) {
            if (strcasecmp(s, truthy[i]) == 0)
                found = 1;
            else if (strcasecmp(s, falsy[i]) == 0)
                found = 0;
        }
        free(s);
        if (found >= 0) {
            *out = found == 1;
            return true;
        }
    }
    pv_schema_error(ctx, path, n->pos, PV_MSG_BOOLEAN);
    return false;
}

bool pv_schema_enum(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path,
                    const char *const *values, int *out)
{
    if (n->kind == PV_YAML_SCALAR && !n->null && pv_yaml_text_ok(n)) {
        for (int i = 0; values[i]; i++) {
            if (strcmp(n->text, values[i]) == 0) {
                *out = i;
                return true;
            }
        }
    }
    /* "Input should be 'a', 'b' or 'c'" */
    pv_strbuf msg = PV_STRBUF_INIT;
    pv_strbuf_append(&msg, "Input should be ");
    for (int i = 0; values[i]; i++) {
        if (i > 0)
            pv_strbuf_append(&msg, values[i + 1] ? ", " : " or ");
        pv_strbuf_appendf(&msg, "'%s'", values[i]);
    }
    pv_schema_error(ctx, path, n->pos, "%s", msg.data);
    pv_strbuf_free(&msg);
    return false;
}

bool pv_schema_strlist(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path, pv_strlist *out)
{
    if (n->kind != PV_YAML_SEQUENCE) {
        pv_schema_error(ctx, path, n->pos, PV_MSG_LIST);
        return false;
    }
    bool ok = true;
    out->items = pv_xcalloc(n->n_items, sizeof(*out->items));
    out->count = 0;
    for (size_t i = 0; i < n->n_items; i++) {
        char index[32];
        snprintf(index, sizeof(index), "%zu", i);
        char *item_path = pv_schema_path(path, index);
        char *value = NULL;
        if (pv_schema_string(ctx, n->items[i], item_path, false, &value))
            out->items[out->count++] = value;
        else
            ok = false;
        free(item_path);
    }
    return ok;
}

bool pv_schema_strmap(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path, pv_kv **out,
                      size_t *n_out)
{
    if (!pv_schema_mapping(ctx, n, path))
        return false;
    bool ok = true;
    *out = pv_xcalloc(n->n_pairs, sizeof(**out));
    *n_out = 0;
    for (size_t i = 0; i < n->n_pairs; i++) {
        const char *key = pv_schema_key(ctx, n->pairs[i].key, path);
        if (!key) {
            ok = false;
            continue;
        }
        char *value_path = pv_schema_path(path, key);
        char *value = NULL;
        if (pv_schema_string(ctx, n->pairs[i].value, value_path, false, &value)) {
            (*out)[*n_out].key = pv_xstrdup(key);
            (*out)[*n_out].value = value;
            (*n_out)++;
        } else {
            ok = false;
        }
        free(value_path);
    }
    return ok;
}

bool pv_schema_table_id_ok(const char *id)
{
    const char *dot = strrchr(id, '.');
    return dot && dot != id && dot[1] != '\0';
}

/* ---- top level ---- */

/* global_salt / pseudonym_key: null, or the trimmed reference; blank = unset. */
static void secret_ref(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path, char **out)
{
    char *raw = NULL;
    if (!pv_schema_string(ctx, n, path, true, &raw) || !raw)
        return;
    char *ref = trimmed(raw, strlen(raw));
    free(raw);
    if (*ref)
        *out = ref;
    else
        free(ref);
}

static void batch_size(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path, int64_t *out)
{
    int64_t v = 0;
    if (!pv_schema_int(ctx, n, path, &v))
        return;
    if (v < 1)
        pv_schema_error(ctx, path, n->pos, PV_MSG_BATCH_SIZE);
    else
        *out = v;
}

static void on_existing(pv_schema_ctx *ctx, const pv_yaml_node *n, pv_config *cfg)
{
    static const char *const values[] = {"fail", "truncate", "drop_create", "append", NULL};
    int v = 0;
    if (!pv_schema_enum(ctx, n, "on_existing_data", values, &v))
        return;
    if (v == 3) /* parses, but is rejected as a whole-config error */
        pv_schema_error(ctx, "<root>", n->pos,
                        "Value error, append strategy is not supported in this version. "
                        "Use truncate or drop_create.");
    else
        cfg->on_existing_data = (pv_on_existing)v;
}

static void columns(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path, pv_table_config *t)
{
    if (!pv_schema_mapping(ctx, n, path))
        return;
    t->columns = pv_xcalloc(n->n_pairs, sizeof(*t->columns));
    for (size_t i = 0; i < n->n_pairs; i++) {
        const char *name = pv_schema_key(ctx, n->pairs[i].key, path);
        if (!name)
            continue;
        pv_column_rule *rule = &t->columns[t->n_columns++];
        rule->name = pv_xstrdup(name);
        rule->pos = n->pairs[i].key->pos;
        char *col_path = pv_schema_path(path, name);
        pv_schema_action(ctx, n->pairs[i].value, col_path, name, &rule->action);
        free(col_path);
    }
}

static void table(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path, pv_table_config *t)
{
    static const char *const strategies[] = {"transform", "exclude", "empty", "truncate", NULL};
    if (!pv_schema_mapping(ctx, n, path))
        return;
    for (size_t i = 0; i < n->n_pairs; i++) {
        const char *key = pv_schema_key(ctx, n->pairs[i].key, path);
        if (!key)
            continue;
        const pv_yaml_node *v = n->pairs[i].value;
        char *field = pv_schema_path(path, key);
        int e = 0;
        if (strcmp(key, "strategy") == 0) {
            if (pv_schema_enum(ctx, v, field, strategies, &e))
                t->strategy = (pv_strategy)e;
        } else if (strcmp(key, "columns") == 0) {
            columns(ctx, v, field, t);
        } else if (strcmp(key, "batch_size") == 0) {
            if (!(v->kind == PV_YAML_SCALAR && v->null)) /* null = inherit */
                batch_size(ctx, v, field, &t->batch_size);
        } else if (strcmp(key, "null_orphan_fks") == 0) {
            pv_schema_bool(ctx, v, field, &t->null_orphan_fks);
        } else {
            pv_schema_error(ctx, field, n->pairs[i].key->pos, PV_MSG_EXTRA);
        }
        free(field);
    }
}

static void tables(pv_schema_ctx *ctx, const pv_yaml_node *n, pv_config *cfg)
{
    if (!pv_schema_mapping(ctx, n, "tables"))
        return;
    cfg->tables = pv_xcalloc(n->n_pairs, sizeof(*cfg->tables));
    for (size_t i = 0; i < n->n_pairs; i++) {
        const pv_yaml_node *key = n->pairs[i].key;
        const char *id = pv_schema_key(ctx, key, "tables");
        if (!id)
            continue;
        char *path = pv_schema_path("tables", id);
        if (!pv_schema_table_id_ok(id))
            pv_schema_error(ctx, path, key->pos, PV_MSG_TABLE_KEY);
        pv_table_config *t = &cfg->tables[cfg->n_tables++];
        t->id = pv_xstrdup(id);
        t->pos = key->pos;
        table(ctx, n->pairs[i].value, path, t);
        free(path);
    }
}

/* ---- subset (§7) ---- */

static void subset_root_value(pv_schema_ctx *ctx, const pv_yaml_node *v, const char *path,
                              pv_subset_root *root)
{
    if (v->kind != PV_YAML_MAPPING) { /* short form: the predicate itself */
        pv_schema_string(ctx, v, path, false, &root->where);
        return;
    }
    for (size_t i = 0; i < v->n_pairs; i++) {
        const char *key = pv_schema_key(ctx, v->pairs[i].key, path);
        if (!key)
            continue;
        char *field = pv_schema_path(path, key);
        if (strcmp(key, "where") == 0) {
            free(root->where);
            root->where = NULL;
            pv_schema_string(ctx, v->pairs[i].value, field, false, &root->where);
        } else {
            pv_schema_error(ctx, field, v->pairs[i].key->pos, PV_MSG_EXTRA);
        }
        free(field);
    }
    if (!pv_yaml_lookup(v, "where")) {
        char *field = pv_schema_path(path, "where");
        pv_schema_error(ctx, field, v->pos, PV_MSG_REQUIRED);
        free(field);
    }
}

static void subset_roots(pv_schema_ctx *ctx, const pv_yaml_node *n, pv_subset *s)
{
    const char *path = "subset.roots";
    if (!pv_schema_mapping(ctx, n, path))
        return;
    if (n->n_pairs == 0) {
        pv_schema_error(ctx, path, n->pos,
                        "Dictionary should have at least 1 item after validation, not 0");
        return;
    }
    s->roots = pv_xcalloc(n->n_pairs, sizeof(*s->roots));
    for (size_t i = 0; i < n->n_pairs; i++) {
        const pv_yaml_node *key = n->pairs[i].key;
        const char *id = pv_schema_key(ctx, key, path);
        if (!id)
            continue;
        char *root_path = pv_schema_path(path, id);
        if (!pv_schema_table_id_ok(id))
            pv_schema_error(ctx, root_path, key->pos, PV_MSG_TABLE_KEY);
        pv_subset_root *root = &s->roots[s->n_roots++];
        root->table_id = pv_xstrdup(id);
        root->pos = key->pos;
        subset_root_value(ctx, n->pairs[i].value, root_path, root);
        free(root_path);
    }
}

static void subset(pv_schema_ctx *ctx, const pv_yaml_pair *pair, pv_subset *s)
{
    static const char *const outside[] = {"empty", "exclude", NULL};
    const pv_yaml_node *n = pair->value;
    if (n->kind == PV_YAML_SCALAR && n->null) /* optional: null = not set */
        return;
    if (!pv_schema_mapping(ctx, n, "subset"))
        return;
    s->set = true;
    s->pos = pair->key->pos;
    for (size_t i = 0; i < n->n_pairs; i++) {
        const char *key = pv_schema_key(ctx, n->pairs[i].key, "subset");
        if (!key)
            continue;
        const pv_yaml_node *v = n->pairs[i].value;
        char *field = pv_schema_path("subset", key);
        int e = 0;
        if (strcmp(key, "roots") == 0)
            subset_roots(ctx, v, s);
        else if (strcmp(key, "outside_closure") == 0) {
            if (pv_schema_enum(ctx, v, field, outside, &e))
                s->outside_exclude = e == 1;
        } else
            pv_schema_error(ctx, field, n->pairs[i].key->pos, PV_MSG_EXTRA);
        free(field);
    }
    if (!pv_yaml_lookup(n, "roots"))
        pv_schema_error(ctx, "subset.roots", n->pos, PV_MSG_REQUIRED);
}

/* One top-level key; false when the key is unknown. */
static bool root_field(pv_schema_ctx *ctx, const pv_yaml_pair *pair, const char *key,
                       pv_config *cfg)
{
    static const char *const libraries[] = {"standard", "classic", NULL};
    const pv_yaml_node *v = pair->value;
    int e = 0;
    if (strcmp(key, "version") == 0) {
        if (v->kind != PV_YAML_SCALAR) /* scalars were checked by stage 5 */
            pv_schema_error(ctx, key, v->pos, PV_MSG_STRING);
    } else if (strcmp(key, "global_salt") == 0) {
        secret_ref(ctx, v, key, &cfg->global_salt);
    } else if (strcmp(key, "pseudonym_key") == 0) {
        secret_ref(ctx, v, key, &cfg->pseudonym_key);
    } else if (strcmp(key, "on_existing_data") == 0) {
        on_existing(ctx, v, cfg);
    } else if (strcmp(key, "strict_autodetect") == 0) {
        pv_schema_bool(ctx, v, key, &cfg->strict_autodetect);
    } else if (strcmp(key, "replicate_all_indexes") == 0) {
        pv_schema_bool(ctx, v, key, &cfg->replicate_all_indexes);
    } else if (strcmp(key, "batch_size") == 0) {
        batch_size(ctx, v, key, &cfg->batch_size);
    } else if (strcmp(key, "audit_log") == 0) {
        pv_schema_bool(ctx, v, key, &cfg->audit_log);
    } else if (strcmp(key, "auto_detect") == 0) {
        pv_schema_bool(ctx, v, key, &cfg->auto_detect);
    } else if (strcmp(key, "faker_library") == 0) {
        if (pv_schema_enum(ctx, v, key, libraries, &e))
            cfg->faker_library = (pv_faker_library)e;
    } else if (strcmp(key, "implied_fk_ignore") == 0) {
        pv_strlist_clear(&cfg->implied_fk_ignore);
        pv_schema_strlist(ctx, v, key, &cfg->implied_fk_ignore);
    } else if (strcmp(key, "tables") == 0) {
        tables(ctx, v, cfg);
    } else if (strcmp(key, "subset") == 0) {
        subset(ctx, pair, &cfg->subset);
    } else {
        return false;
    }
    return true;
}

void pv_schema_root(pv_schema_ctx *ctx, const pv_yaml_node *root, pv_config *cfg)
{
    cfg->on_existing_data = PV_EXISTING_FAIL;
    cfg->batch_size = DEFAULT_BATCH_SIZE;
    cfg->audit_log = true;
    cfg->auto_detect = true;
    cfg->faker_library = PV_LIBRARY_STANDARD;
    for (size_t i = 0; i < root->n_pairs; i++) {
        const pv_yaml_pair *pair = &root->pairs[i];
        const char *key = pv_schema_key(ctx, pair->key, "<root>");
        if (key && !root_field(ctx, pair, key, cfg))
            pv_schema_error(ctx, key, pair->key->pos, PV_MSG_EXTRA);
    }
}
