/*
 * custom.c — loading and running data-file providers (see custom.h).
 *
 * A template is compiled once into a list of operations; modifiers on a
 * pick are applied to a copy of the list at load time, so generating a
 * value is table look-ups and digit formatting only.
 */
#include "mask/custom.h"

#include "mask/library.h"
#include "mask/num.h"
#include "mask/providers.h"
#include "util/fydiag.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <libfyaml.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define CONTEXT     "Loading custom providers"
#define REMEDIATION "Fix the provider file."
#define MAX_FILE    (16u << 20) /* provider files are small; refuse anything huge */
#define HEX_MAX     32
#define DIGITS_MAX  30

typedef enum { OP_LITERAL, OP_HEX, OP_DIGITS, OP_PICK } op_kind;
typedef enum { CASE_AS_IS, CASE_UPPER, CASE_LOWER } case_mod;

typedef struct str_list {
    char **items;
    size_t *lens;
    size_t n;
} str_list;

typedef struct named_list {
    char *name;
    str_list values;
} named_list;

typedef struct tpl_op {
    op_kind kind;
    case_mod cm;
    unsigned n;       /* hex / digits width */
    unsigned ordinal; /* pick: the placeholder's 0-based ordinal */
    str_list pick;    /* pick: the list with the modifier applied (owned) */
    char *lit;        /* literal bytes (owned) */
    size_t lit_len;
} tpl_op;

struct pv_custom_provider {
    char *name;
    char *file;
    int name_line;
    bool is_template;
    str_list values; /* library kind */
    named_list *lists;
    size_t n_lists;
    tpl_op *ops;
    size_t n_ops;
    char **types;
    size_t n_types;
};

struct pv_custom_set {
    pv_custom_provider **items;
    size_t n;
};

/* ---------------------------------------------------------------- freeing */

static void str_list_free(str_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    free(l->lens);
    memset(l, 0, sizeof(*l));
}

static void provider_free(pv_custom_provider *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->file);
    str_list_free(&p->values);
    for (size_t i = 0; i < p->n_lists; i++) {
        free(p->lists[i].name);
        str_list_free(&p->lists[i].values);
    }
    free(p->lists);
    for (size_t i = 0; i < p->n_ops; i++) {
        str_list_free(&p->ops[i].pick);
        free(p->ops[i].lit);
    }
    free(p->ops);
    for (size_t i = 0; i < p->n_types; i++)
        free(p->types[i]);
    free(p->types);
    free(p);
}

void pv_custom_set_free(pv_custom_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++)
        provider_free(set->items[i]);
    free(set->items);
    free(set);
}

/* ---------------------------------------------------------------- problems */

typedef struct load_ctx {
    pv_strbuf lines;
    size_t n_problems;
    const char *file;
} load_ctx;

static void problem(load_ctx *ctx, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(load_ctx *ctx, int line, const char *fmt, ...)
{
    if (ctx->n_problems++)
        pv_strbuf_append_char(&ctx->lines, '\n');
    pv_strbuf_appendf(&ctx->lines, "%s:%d: ", ctx->file, line > 0 ? line : 1);
    va_list ap;
    va_start(ap, fmt);
    pv_strbuf_appendv(&ctx->lines, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------- YAML helpers */

/* 1-based line of a scalar node, else `fallback`. */
static int node_line(struct fy_node *n, int fallback)
{
    struct fy_token *t = n ? fy_node_get_scalar_token(n) : NULL;
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    return m && m->line >= 0 ? m->line + 1 : fallback;
}

static bool utf8_ok(const char *s, size_t n)
{
    return !memchr(s, '\0', n) &&
           utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, NULL, 0, 0) >= 0;
}

/* The text of a string scalar, or NULL (null, alias, collection, bad UTF-8). */
static const char *scalar_text(struct fy_node *n, size_t *len)
{
    if (!n || !fy_node_is_scalar(n) || fy_node_is_alias(n) || fy_node_is_null(n))
        return NULL;
    const char *s = fy_node_get_scalar(n, len);
    return s && utf8_ok(s, *len) ? s : NULL;
}

bool pv_custom_name_ok(const char *s, size_t len)
{
    if (len == 0 || len > 63 || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

static void str_list_push(str_list *l, const char *s, size_t len)
{
    l->items = pv_xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
    l->lens = pv_xrealloc(l->lens, (l->n + 1) * sizeof(*l->lens));
    l->items[l->n] = pv_xstrndup(s, len);
    l->lens[l->n] = len;
    l->n++;
}

/* A non-empty sequence of non-empty strings; problems name `what`. */
static bool read_strings(load_ctx *ctx, struct fy_node *seq, int line, const char *what,
                         str_list *out)
{
    if (!seq || !fy_node_is_sequence(seq) || fy_node_sequence_item_count(seq) <= 0) {
        problem(ctx, line, "%s must be a non-empty list of strings", what);
        return false;
    }
    bool ok = true;
    void *it = NULL;
    struct fy_node *item;
    size_t i = 0;
    while ((item = fy_node_sequence_iterate(seq, &it)) != NULL) {
        size_t len;
        const char *s = scalar_text(item, &len);
        if (!s || len == 0) {
            problem(ctx, node_line(item, line), "%s[%zu] must be a non-empty string", what, i);
            ok = false;
        } else {
            str_list_push(out, s, len);
        }
        i++;
    }
    return ok;
}

/* ---------------------------------------------------------------- templates */

static void case_map(const char *s, size_t len, case_mod cm, pv_buf *out)
{
    size_t i = 0;
    while (i < len) {
        utf8proc_int32_t c;
        utf8proc_ssize_t n =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &c);
        if (n <= 0)
            break; /* validated at load: not reached */
        c = cm == CASE_UPPER ? utf8proc_toupper(c) : utf8proc_tolower(c);
        utf8proc_uint8_t enc[4];
        pv_buf_put(out, enc, (size_t)utf8proc_encode_char(c, enc));
        i += (size_t)n;
    }
}

static void copy_list_cased(const str_list *src, case_mod cm, str_list *dst)
{
    pv_buf b = PV_BUF_INIT;
    for (size_t i = 0; i < src->n; i++) {
        pv_buf_reset(&b);
        if (cm == CASE_AS_IS)
            pv_buf_put(&b, src->items[i], src->lens[i]);
        else
            case_map(src->items[i], src->lens[i], cm, &b);
        str_list_push(dst, (const char *)b.data, b.len);
    }
    pv_buf_free(&b);
}

static const named_list *find_list(const pv_custom_provider *p, const char *name, size_t len)
{
    for (size_t i = 0; i < p->n_lists; i++)
        if (strlen(p->lists[i].name) == len && memcmp(p->lists[i].name, name, len) == 0)
            return &p->lists[i];
    return NULL;
}

static tpl_op *push_op(pv_custom_provider *p, op_kind kind)
{
    p->ops = pv_xrealloc(p->ops, (p->n_ops + 1) * sizeof(*p->ops));
    tpl_op *op = &p->ops[p->n_ops++];
    memset(op, 0, sizeof(*op));
    op->kind = kind;
    return op;
}

static void push_literal(pv_custom_provider *p, const char *s, size_t len)
{
    if (!len)
        return;
    tpl_op *last = p->n_ops ? &p->ops[p->n_ops - 1] : NULL;
    if (!last || last->kind != OP_LITERAL)
        last = push_op(p, OP_LITERAL);
    last->lit = pv_xrealloc(last->lit, last->lit_len + len);
    memcpy(last->lit + last->lit_len, s, len);
    last->lit_len += len;
}

/* A decimal width in [1, max], or 0. */
static unsigned parse_width(const char *s, size_t len, unsigned max)
{
    unsigned v = 0;
    if (len == 0 || len > 3)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    return v >= 1 && v <= max ? v : 0;
}

/* One `{kind:arg[|modifier]}` body (between the braces). */
static bool compile_placeholder(load_ctx *ctx, int line, pv_custom_provider *p, const char *body,
                                size_t len, unsigned ordinal)
{
    const char *bar = memchr(body, '|', len);
    size_t spec_len = bar ? (size_t)(bar - body) : len;
    case_mod cm = CASE_AS_IS;
    if (bar) {
        size_t mlen = len - spec_len - 1;
        if (mlen == 5 && memcmp(bar + 1, "upper", 5) == 0)
            cm = CASE_UPPER;
        else if (mlen == 5 && memcmp(bar + 1, "lower", 5) == 0)
            cm = CASE_LOWER;
        else {
            problem(ctx, line, "placeholder %u: the modifier must be |upper or |lower", ordinal);
            return false;
        }
    }
    const char *colon = memchr(body, ':', spec_len);
    size_t klen = colon ? (size_t)(colon - body) : spec_len;
    const char *arg = colon ? colon + 1 : body + spec_len;
    size_t alen = colon ? spec_len - klen - 1 : 0;
    if (klen == 3 && memcmp(body, "hex", 3) == 0) {
        unsigned n = parse_width(arg, alen, HEX_MAX);
        if (!n) {
            problem(ctx, line, "placeholder %u: {hex:N} needs N between 1 and 32", ordinal);
            return false;
        }
        tpl_op *op = push_op(p, OP_HEX);
        op->n = n;
        op->cm = cm;
        return true;
    }
    if (klen == 6 && memcmp(body, "digits", 6) == 0) {
        unsigned n = parse_width(arg, alen, DIGITS_MAX);
        if (!n) {
            problem(ctx, line, "placeholder %u: {digits:N} needs N between 1 and 30", ordinal);
            return false;
        }
        tpl_op *op = push_op(p, OP_DIGITS);
        op->n = n;
        return true; /* digits have no case */
    }
    if (klen == 4 && memcmp(body, "pick", 4) == 0) {
        const named_list *l = find_list(p, arg, alen);
        if (!l) {
            problem(ctx, line, "placeholder %u: {pick:%.*s} names no list under lists", ordinal,
                    (int)alen, arg);
            return false;
        }
        tpl_op *op = push_op(p, OP_PICK);
        op->ordinal = ordinal;
        copy_list_cased(&l->values, cm, &op->pick);
        return true;
    }
    problem(ctx, line, "placeholder %u: unknown placeholder (use hex, digits or pick)", ordinal);
    return false;
}

static bool compile_template(load_ctx *ctx, int line, pv_custom_provider *p, const char *t,
                             size_t len)
{
    unsigned ordinal = 0;
    size_t i = 0;
    while (i < len) {
        if (t[i] == '{' && i + 1 < len && t[i + 1] == '{') {
            push_literal(p, "{", 1);
            i += 2;
        } else if (t[i] == '}' && i + 1 < len && t[i + 1] == '}') {
            push_literal(p, "}", 1);
            i += 2;
        } else if (t[i] == '}') {
            problem(ctx, line, "template has an unmatched '}' (write '}}' for a literal brace)");
            return false;
        } else if (t[i] == '{') {
            const char *end = memchr(t + i + 1, '}', len - i - 1);
            const char *open = memchr(t + i + 1, '{', len - i - 1);
            if (!end || (open && open < end)) {
                problem(ctx, line, "template has an unclosed '{' (write '{{' for a literal brace)");
                return false;
            }
            if (!compile_placeholder(ctx, line, p, t + i + 1, (size_t)(end - t - i - 1), ordinal))
                return false;
            ordinal++;
            i = (size_t)(end - t) + 1;
        } else {
            size_t j = i;
            while (j < len && t[j] != '{' && t[j] != '}')
                j++;
            push_literal(p, t + i, j - i);
            i = j;
        }
    }
    return true;
}

/* ---------------------------------------------------------------- one file */

typedef struct fields {
    struct fy_node *name, *kind, *tpl, *values, *lists, *types;
    int name_line, kind_line, tpl_line, values_line, lists_line, types_line;
} fields;

static const char *const known_keys[] = {"name", "kind", "template", "values", "lists", "types"};

static bool collect_fields(load_ctx *ctx, struct fy_node *root, fields *f)
{
    bool ok = true;
    void *it = NULL;
    struct fy_node_pair *pair;
    memset(f, 0, sizeof(*f));
    while ((pair = fy_node_mapping_iterate(root, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
        size_t klen;
        const char *key = scalar_text(k, &klen);
        int line = node_line(k, 1);
        struct fy_node **slots[] = {&f->name, &f->kind, &f->tpl, &f->values, &f->lists, &f->types};
        int *lines[] = {&f->name_line,   &f->kind_line,  &f->tpl_line,
                        &f->values_line, &f->lists_line, &f->types_line};
        size_t which = sizeof(known_keys) / sizeof(*known_keys);
        for (size_t i = 0; key && i < sizeof(known_keys) / sizeof(*known_keys); i++)
            if (strlen(known_keys[i]) == klen && memcmp(known_keys[i], key, klen) == 0)
                which = i;
        if (which == sizeof(known_keys) / sizeof(*known_keys)) {
            problem(ctx, line, "unknown key (expected name, kind, template, values, lists, types)");
            ok = false;
            continue;
        }
        *slots[which] = v;
        *lines[which] = line;
    }
    return ok;
}

static bool read_lists(load_ctx *ctx, const fields *f, pv_custom_provider *p)
{
    if (!f->lists)
        return true;
    if (!fy_node_is_mapping(f->lists)) {
        problem(ctx, f->lists_line, "lists must map list names to lists of strings");
        return false;
    }
    bool ok = true;
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(f->lists, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair);
        size_t klen;
        const char *key = scalar_text(k, &klen);
        int line = node_line(k, f->lists_line);
        if (!key || !pv_custom_name_ok(key, klen)) {
            problem(ctx, line, "a list name must match ^[a-z][a-z0-9_]{0,62}$");
            ok = false;
            continue;
        }
        p->lists = pv_xrealloc(p->lists, (p->n_lists + 1) * sizeof(*p->lists));
        named_list *l = &p->lists[p->n_lists++];
        memset(l, 0, sizeof(*l));
        l->name = pv_xstrndup(key, klen);
        char *what = pv_xasprintf("lists.%s", l->name);
        ok &= read_strings(ctx, fy_node_pair_value(pair), line, what, &l->values);
        free(what);
    }
    return ok;
}

static bool read_types(load_ctx *ctx, const fields *f, pv_custom_provider *p)
{
    str_list types = {0};
    bool ok = true;
    if (f->types)
        ok = read_strings(ctx, f->types, f->types_line, "types", &types);
    else
        str_list_push(&types, "text", 4);
    p->types = types.items;
    p->n_types = types.n;
    free(types.lens);
    return ok;
}

static bool read_kind(load_ctx *ctx, const fields *f, pv_custom_provider *p)
{
    size_t len;
    const char *kind = f->kind ? scalar_text(f->kind, &len) : NULL;
    if (!f->kind) {
        problem(ctx, 1, "missing required key kind (library or template)");
        return false;
    }
    if (kind && len == 8 && memcmp(kind, "template", 8) == 0)
        p->is_template = true;
    else if (!(kind && len == 7 && memcmp(kind, "library", 7) == 0)) {
        problem(ctx, f->kind_line, "kind must be library or template");
        return false;
    }
    return true;
}

static bool read_body(load_ctx *ctx, const fields *f, pv_custom_provider *p)
{
    if (!p->is_template) {
        bool ok = true;
        if (f->tpl) {
            problem(ctx, f->tpl_line, "template is only allowed with kind: template");
            ok = false;
        }
        if (f->lists) {
            problem(ctx, f->lists_line, "lists is only allowed with kind: template");
            ok = false;
        }
        if (!f->values) {
            problem(ctx, f->kind_line, "kind: library needs values");
            return false;
        }
        return read_strings(ctx, f->values, f->values_line, "values", &p->values) && ok;
    }
    if (f->values) {
        problem(ctx, f->values_line, "values is only allowed with kind: library");
        return false;
    }
    if (!read_lists(ctx, f, p))
        return false;
    size_t len;
    const char *t = f->tpl ? scalar_text(f->tpl, &len) : NULL;
    if (!t || len == 0) {
        problem(ctx, f->tpl ? node_line(f->tpl, f->tpl_line) : f->kind_line,
                "kind: template needs a non-empty template string");
        return false;
    }
    return compile_template(ctx, node_line(f->tpl, f->tpl_line), p, t, len);
}

static bool read_name(load_ctx *ctx, const fields *f, pv_custom_provider *p)
{
    size_t len;
    const char *name = f->name ? scalar_text(f->name, &len) : NULL;
    if (!f->name) {
        problem(ctx, 1, "missing required key name");
        return false;
    }
    if (!name || !pv_custom_name_ok(name, len)) {
        problem(ctx, f->name_line, "name must match ^[a-z][a-z0-9_]{0,62}$");
        return false;
    }
    p->name = pv_xstrndup(name, len);
    p->name_line = f->name_line;
    if (pv_provider_find(p->name) >= 0) {
        problem(ctx, f->name_line, "name '%s' is a built-in provider", p->name);
        return false;
    }
    return true;
}

static pv_custom_provider *build_provider(load_ctx *ctx, struct fy_node *root)
{
    if (!root || !fy_node_is_mapping(root)) {
        problem(ctx, 1, "a provider file must be a YAML mapping");
        return NULL;
    }
    fields f;
    pv_custom_provider *p = pv_xcalloc(1, sizeof(*p));
    p->file = pv_xstrdup(ctx->file);
    bool ok = collect_fields(ctx, root, &f);
    ok &= read_name(ctx, &f, p);
    bool kind_ok = read_kind(ctx, &f, p);
    ok &= kind_ok;
    if (kind_ok)
        ok &= read_body(ctx, &f, p);
    ok &= read_types(ctx, &f, p);
    if (!ok) {
        provider_free(p);
        return NULL;
    }
    return p;
}

static bool read_file(const char *path, char **data, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    pv_buf b = PV_BUF_INIT;
    uint8_t chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0 && b.len <= MAX_FILE)
        pv_buf_put(&b, chunk, got);
    bool ok = !ferror(fp) && b.len <= MAX_FILE;
    fclose(fp);
    if (!ok) {
        pv_buf_free(&b);
        return false;
    }
    pv_buf_terminate(&b);
    *data = (char *)b.data;
    *len = b.len;
    return true;
}

static void report_parse_error(load_ctx *ctx, struct fy_diag *diag)
{
    void *it = NULL;
    struct fy_diag_error *e = diag ? fy_diag_errors_iterate(diag, &it) : NULL;
    /* Unlike a node's fy_mark, a collected diag error's line is already 1-based. */
    if (e)
        problem(ctx, e->line, "invalid YAML (%s)", e->msg ? e->msg : "");
    else
        problem(ctx, 1, "invalid YAML");
}

static pv_custom_provider *load_file(load_ctx *ctx, const char *path)
{
    char *data;
    size_t len;
    if (!read_file(path, &data, &len)) {
        problem(ctx, 1, "the file could not be read");
        return NULL;
    }
    struct fy_diag *diag = pv_fy_silent_diag(true);
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET, .diag = diag};
    struct fy_document *doc = fy_document_build_from_string(&cfg, data, len);
    pv_custom_provider *p = NULL;
    if (!doc)
        report_parse_error(ctx, diag);
    else
        p = build_provider(ctx, fy_document_root(doc));
    fy_document_destroy(doc);
    fy_diag_destroy(diag);
    free(data);
    return p;
}

/* ---------------------------------------------------------------- directories */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The `*.yaml` names of one directory, sorted byte-wise; none when it is missing. */
static char **yaml_files(const char *dir, size_t *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        size_t len = strlen(ent->d_name);
        if (ent->d_name[0] == '.' || len <= 5 || strcmp(ent->d_name + len - 5, ".yaml") != 0)
            continue;
        names = pv_xrealloc(names, (*n + 1) * sizeof(*names));
        names[(*n)++] = pv_xasprintf("%s/%s", dir, ent->d_name);
    }
    closedir(d);
    if (*n)
        qsort(names, *n, sizeof(*names), cmp_str);
    return names;
}

static void add_provider(load_ctx *ctx, pv_custom_set *set, pv_custom_provider *p)
{
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->items[i]->name, p->name) == 0) {
            problem(ctx, p->name_line, "provider '%s' is already defined in %s", p->name,
                    set->items[i]->file);
            provider_free(p);
            return;
        }
    }
    set->items = pv_xrealloc(set->items, (set->n + 1) * sizeof(*set->items));
    set->items[set->n++] = p;
}

pv_error *pv_custom_load_dirs(const char *const *dirs, size_t n_dirs, pv_custom_set **out)
{
    pv_custom_set *set = pv_xcalloc(1, sizeof(*set));
    load_ctx ctx = {PV_STRBUF_INIT, 0, NULL};
    for (size_t d = 0; d < n_dirs; d++) {
        size_t n;
        char **files = yaml_files(dirs[d], &n);
        for (size_t i = 0; i < n; i++) {
            ctx.file = files[i];
            pv_custom_provider *p = load_file(&ctx, files[i]);
            if (p)
                add_provider(&ctx, set, p);
            free(files[i]);
        }
        free(files);
    }
    if (ctx.n_problems) {
        pv_error *err = pv_error_new(PV_EXIT_CONFIG, CONTEXT, REMEDIATION, "%s", ctx.lines.data);
        pv_strbuf_free(&ctx.lines);
        pv_custom_set_free(set);
        *out = NULL;
        return err;
    }
    pv_strbuf_free(&ctx.lines);
    *out = set;
    return NULL;
}

/* ---------------------------------------------------------------- process-wide set */

static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
static pv_custom_set *global_set;

/* PRIVACI_PROVIDERS_PATH (`:`-separated, empty entries skipped), then <data dir>/providers. */
static pv_error *load_global(pv_custom_set **out)
{
    char **dirs = NULL;
    size_t n = 0;
    const char *path = getenv("PRIVACI_PROVIDERS_PATH");
    char *copy = pv_xstrdup(path ? path : "");
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        dirs = pv_xrealloc(dirs, (n + 1) * sizeof(*dirs));
        dirs[n++] = pv_xstrdup(dir);
    }
    free(copy);
    dirs = pv_xrealloc(dirs, (n + 1) * sizeof(*dirs));
    dirs[n++] = pv_xasprintf("%s/providers", pv_mask_data_dir());
    pv_error *err = pv_custom_load_dirs((const char *const *)dirs, n, out);
    for (size_t i = 0; i < n; i++)
        free(dirs[i]);
    free(dirs);
    return err;
}

pv_error *pv_custom_providers(const pv_custom_set **out)
{
    pv_error *err = NULL;
    pthread_mutex_lock(&global_lock);
    if (!global_set)
        err = load_global(&global_set);
    *out = global_set;
    pthread_mutex_unlock(&global_lock);
    return err;
}

/* ---------------------------------------------------------------- queries */

size_t pv_custom_count(const pv_custom_set *set)
{
    return set ? set->n : 0;
}

const pv_custom_provider *pv_custom_at(const pv_custom_set *set, size_t i)
{
    return set && i < set->n ? set->items[i] : NULL;
}

const pv_custom_provider *pv_custom_find(const pv_custom_set *set, const char *name)
{
    for (size_t i = 0; set && name && i < set->n; i++)
        if (strcmp(set->items[i]->name, name) == 0)
            return set->items[i];
    return NULL;
}

const char *pv_custom_name(const pv_custom_provider *p)
{
    return p->name;
}

size_t pv_custom_type_count(const pv_custom_provider *p)
{
    return p->n_types;
}

const char *pv_custom_type(const pv_custom_provider *p, size_t i)
{
    return i < p->n_types ? p->types[i] : NULL;
}

/* ---------------------------------------------------------------- generation */

static void put_hex(pv_buf *out, const uint8_t *seed, unsigned n, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    pv_buf_reserve(out, n);
    for (unsigned i = 0; i < n; i++) {
        uint8_t b = seed[i / 2];
        out->data[out->len++] = (uint8_t)digits[i % 2 ? b & 0x0f : b >> 4];
    }
}

static void put_pick(pv_buf *out, const tpl_op *op, const uint8_t *seed)
{
    size_t k = op->ordinal < PV_SEED_LEN ? op->ordinal : PV_SEED_LEN;
    size_t i = (size_t)pv_u128_mod(pv_u128_be(seed + k, PV_SEED_LEN - k), op->pick.n);
    pv_buf_put(out, op->pick.items[i], op->pick.lens[i]);
}

void pv_custom_generate(const pv_custom_provider *p, const uint8_t seed[PV_SEED_LEN], pv_buf *out)
{
    if (!p->is_template) {
        size_t i = (size_t)pv_u128_mod(pv_u128_be(seed, PV_SEED_LEN), p->values.n);
        pv_buf_put(out, p->values.items[i], p->values.lens[i]);
        return;
    }
    for (size_t i = 0; i < p->n_ops; i++) {
        const tpl_op *op = &p->ops[i];
        switch (op->kind) {
        case OP_LITERAL:
            pv_buf_put(out, op->lit, op->lit_len);
            break;
        case OP_HEX:
            put_hex(out, seed, op->n, op->cm == CASE_UPPER);
            break;
        case OP_DIGITS:
            pv_buf_u128(out, pv_u128_be(seed, PV_SEED_LEN) % pv_pow10_u128(op->n), op->n);
            break;
        case OP_PICK:
            put_pick(out, op, seed);
            break;
        }
    }
}
