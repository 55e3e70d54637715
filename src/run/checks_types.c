/*
 * checks_types.c — the pre-flight checks on the resolved plan:
 * type_compatibility (masking.md §4.3) and fk_consistency (§7.3, from the
 * conflicts pv_run_plan_link recorded).
 *
 * A column's type is judged by its domain-stripped base: the catalog's
 * type facts (typname, typtype, array element) when introspection read
 * them, else the format_type text; typmods (varchar(n), char(n),
 * numeric(p,s)) always come from the text. Texts name identifiers,
 * actions, providers and declared types only: a `static` value is config
 * text and is never printed either.
 */
#include "run/checks.h"

#include "catalog/pgconn.h"
#include "mask/providers.h"
#include "obs/log.h"
#include "util/strbuf.h"
#include "util/utf8.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HASH_HEX_CHARS       64
#define HMAC_BASE64URL_CHARS 43
#define NAME_MAX_CHARS       63 /* NAMEDATALEN - 1 */
/* masking.md §9.1 suffixes: "+" + 16 hex (email), "__" + 16 hex (other non-digit outputs) */
#define EMAIL_SUFFIX 17
#define OTHER_SUFFIX 18

/* ---------------------------------------------------------- the type */

typedef enum {
    K_OTHER,
    K_TEXT,
    K_INT2,
    K_INT4,
    K_INT8,
    K_NUMERIC,
    K_BYTEA,
    K_UUID,
    K_DATE,
    K_TIMESTAMP,
    K_TIMESTAMPTZ,
    K_JSON,
    K_JSONB,
    K_XML,
    K_INET,
    K_CIDR,
    K_ENUM,
} kind;

typedef struct coltype {
    kind kind;
    bool array;
    int length;    /* varchar(n), char(n), name: n; 0 = unbounded */
    int precision; /* numeric(p,s): p; 0 = unconstrained */
    int scale;
    char *base;          /* base type text: lower-case, unqualified, typmods removed */
    const char *typname; /* the catalog's typname of the base, or NULL */
} coltype;

static const struct {
    const char *name;
    kind kind;
} KIND_NAMES[] = {
    {"text", K_TEXT},
    {"character varying", K_TEXT},
    {"varchar", K_TEXT},
    {"character", K_TEXT},
    {"char", K_TEXT},
    {"bpchar", K_TEXT},
    {"name", K_TEXT},
    {"citext", K_TEXT},
    {"smallint", K_INT2},
    {"int2", K_INT2},
    {"integer", K_INT4},
    {"int4", K_INT4},
    {"bigint", K_INT8},
    {"int8", K_INT8},
    {"numeric", K_NUMERIC},
    {"decimal", K_NUMERIC},
    {"bytea", K_BYTEA},
    {"uuid", K_UUID},
    {"date", K_DATE},
    {"timestamp without time zone", K_TIMESTAMP},
    {"timestamp", K_TIMESTAMP},
    {"timestamp with time zone", K_TIMESTAMPTZ},
    {"timestamptz", K_TIMESTAMPTZ},
    {"json", K_JSON},
    {"jsonb", K_JSONB},
    {"xml", K_XML},
    {"inet", K_INET},
    {"cidr", K_CIDR},
};

static kind kind_named(const char *name)
{
    for (size_t i = 0; name && i < sizeof(KIND_NAMES) / sizeof(KIND_NAMES[0]); i++)
        if (strcmp(KIND_NAMES[i].name, name) == 0)
            return KIND_NAMES[i].kind;
    return K_OTHER;
}

/* "Timestamp(3) Without Time Zone[]" → "timestamp without time zone"; a schema prefix dropped. */
static char *normalize(const char *text, bool *array)
{
    size_t len = strlen(text);
    *array = len >= 2 && strcmp(text + len - 2, "[]") == 0;
    if (*array)
        len -= 2;
    char *out = pv_xcalloc(len + 1, 1);
    size_t o = 0;
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (ch == '(')
            depth++;
        else if (ch == ')' && depth > 0)
            depth--;
        else if (depth == 0)
            out[o++] = (char)tolower((unsigned char)ch);
    }
    while (o > 0 && isspace((unsigned char)out[o - 1]))
        o--;
    out[o] = '\0';
    char *start = out;
    while (isspace((unsigned char)*start))
        start++;
    /* An extension type outside the search path prints as "public.citext". */
    char *dot = strrchr(start, '.');
    if (dot && !strchr(dot, '"'))
        start = dot + 1;
    memmove(out, start, strlen(start) + 1);
    /* "timestamp(3) without time zone" left two spaces where the typmod was */
    for (char *p = out; (p = strstr(p, "  ")) != NULL;)
        memmove(p, p + 1, strlen(p + 1) + 1);
    return out;
}

static void read_typmods(const char *text, coltype *ty)
{
    const char *paren = strchr(text, '(');
    if (ty->kind == K_TEXT && strcmp(ty->base, "name") == 0)
        ty->length = NAME_MAX_CHARS;
    if (!paren || ty->array)
        return;
    if (ty->kind == K_TEXT &&
        (strcmp(ty->base, "character varying") == 0 || strcmp(ty->base, "character") == 0 ||
         strcmp(ty->base, "varchar") == 0 || strcmp(ty->base, "char") == 0 ||
         strcmp(ty->base, "bpchar") == 0))
        ty->length = atoi(paren + 1);
    if (ty->kind == K_NUMERIC) {
        ty->precision = atoi(paren + 1);
        const char *comma = strchr(paren, ',');
        ty->scale = comma ? atoi(comma + 1) : 0;
    }
}

static void coltype_init(const pv_catalog *cat, const pv_column *c, coltype *ty)
{
    memset(ty, 0, sizeof(*ty));
    const char *text = c->domain_base ? c->domain_base : c->data_type;
    ty->base = normalize(text, &ty->array);
    const pv_type_info *info = pv_catalog_type_info(cat, c->type_oid);
    if (info) {
        ty->array = info->elem_oid != 0;
        ty->typname = info->base_name;
        ty->kind = info->base_typtype == 'e' ? K_ENUM : kind_named(info->base_name);
    }
    if (ty->kind == K_OTHER)
        ty->kind = kind_named(ty->base);
    read_typmods(text, ty);
}

static bool is_text(const coltype *ty)
{
    return !ty->array && ty->kind == K_TEXT;
}

static bool is_kind(const coltype *ty, kind k)
{
    return !ty->array && ty->kind == k;
}

/* int2/int4/int8, or numeric(p,0): what §4.2 hash and §9.2 map into. */
static bool is_integer(const coltype *ty)
{
    if (ty->array)
        return false;
    if (ty->kind == K_INT2 || ty->kind == K_INT4 || ty->kind == K_INT8)
        return true;
    return ty->kind == K_NUMERIC && ty->precision > 0 && ty->scale == 0;
}

/* ---------------------------------------------------------- lengths */

typedef struct bounds {
    int min;
    int max; /* < 0: unknown */
} bounds;

static bounds add(bounds a, bounds b)
{
    return (bounds){a.min + b.min, a.max < 0 || b.max < 0 ? -1 : a.max + b.max};
}

static bounds fixed(int n)
{
    return (bounds){n, n};
}

/* §9.1: digit-only and ISO-date outputs keep their width; everything else is suffixed. */
static bool keeps_width(const char *s, size_t len)
{
    size_t i = len && s[0] == '-' ? 1 : 0;
    bool digits = i < len;
    for (size_t k = i; k < len; k++)
        digits = digits && isdigit((unsigned char)s[k]);
    bool date = len == 10 && s[4] == '-' && s[7] == '-';
    for (size_t k = 0; date && k < len; k++)
        date = k == 4 || k == 7 || isdigit((unsigned char)s[k]);
    return digits || date;
}

/* One library list's value lengths, each after the §9.1 suffix when `suffixed`. */
static bounds list_bounds(const pv_library *lib, pv_list_id id, bool suffixed)
{
    const pv_list *list = lib ? pv_library_list(lib, id) : NULL;
    if (!list || list->n == 0)
        return (bounds){1, -1};
    bounds b = {-1, 0};
    for (size_t i = 0; i < list->n; i++) {
        int n = (int)pv_utf8_codepoints(list->items[i], list->lens[i]);
        if (suffixed && !keeps_width(list->items[i], list->lens[i]))
            n += OTHER_SUFFIX;
        if (b.min < 0 || n < b.min)
            b.min = n;
        if (n > b.max)
            b.max = n;
    }
    return b;
}

/*
 * The longest output of a fake/pseudonym provider in characters (§8.1),
 * after the §9.1 suffix rules on a unique column; < 0 when unknown
 * (custom providers, or no library).
 */
static int provider_longest(const pv_action *a, const pv_library *lib, bool unique)
{
    int p = a && a->provider ? pv_provider_find(a->provider) : -1;
    int suffix = unique ? OTHER_SUFFIX : 0;
    bounds b;
    if (p >= 0 && pv_provider_list((pv_provider)p) >= 0)
        return list_bounds(lib, (pv_list_id)pv_provider_list((pv_provider)p), unique).max;
    switch (p) {
    case PV_PROV_FULL_NAME:
        b = add(add(list_bounds(lib, PV_LIST_FIRST_NAMES, false), fixed(1)),
                list_bounds(lib, PV_LIST_LAST_NAMES, false));
        return add(b, fixed(suffix)).max;
    case PV_PROV_EMAIL: {
        const char *domain = pv_action_param(a, "domain");
        bounds d = domain ? fixed((int)pv_utf8_codepoints(domain, strlen(domain)))
                          : list_bounds(lib, PV_LIST_EMAIL_DOMAINS, false);
        b = add(add(list_bounds(lib, PV_LIST_EMAIL_LOCALS, false), fixed(1)), d);
        return add(b, fixed(unique ? EMAIL_SUFFIX : 0)).max;
    }
    case PV_PROV_PHONE: /* "+" + 1–3 digit country code + 10 digits */
        return 14 + suffix;
    case PV_PROV_ADDRESS:
        b = add(list_bounds(lib, PV_LIST_STREETS, false), fixed(2));
        b = add(add(b, list_bounds(lib, PV_LIST_CITIES, false)), fixed(1));
        b = add(add(b, list_bounds(lib, PV_LIST_POSTCODES, false)), fixed(2));
        b = add(b, list_bounds(lib, PV_LIST_COUNTRIES, false));
        return add(b, fixed(suffix)).max;
    case PV_PROV_DOB:
        return 10;
    case PV_PROV_IP_ADDRESS: /* "192.0.2.1" … "198.51.100.254" */
        return 14 + suffix;
    case PV_PROV_SSN:
        return 11 + suffix;
    case PV_PROV_CREDIT_CARD:
        return 16;
    case PV_PROV_UUID:
        return 36;
    case PV_PROV_PASSWORD:
        return (int)strlen(PV_PASSWORD_PLACEHOLDER);
    default:
        return -1;
    }
}

/*
 * The output length of a fake/pseudonym provider: the shortest as the
 * auto-detect gate bounds it (a library value counts as one character, so
 * pre-flight never rejects what auto-detect proposes), the longest from
 * the lists.
 */
static bounds provider_bounds(const pv_action *a, const pv_library *lib, bool unique)
{
    const char *provider = a && a->provider ? a->provider : "";
    return (bounds){pv_detect_shortest_fake(provider, unique), provider_longest(a, lib, unique)};
}

/* The output length of a text-producing action; min 0 / max unknown when it follows the input. */
static bounds output_bounds(const pv_plan_column *pc, const pv_action *a, const pv_library *lib)
{
    switch (pc->action) {
    case PV_ACT_HASH:
        return fixed(HASH_HEX_CHARS);
    case PV_ACT_HMAC_HASH:
        return fixed(a && a->encoding == PV_HMAC_BASE64URL ? HMAC_BASE64URL_CHARS : HASH_HEX_CHARS);
    case PV_ACT_STATIC:
        return fixed(a && a->value ? (int)pv_utf8_codepoints(a->value, strlen(a->value)) : 0);
    case PV_ACT_FAKE:
    case PV_ACT_PSEUDONYM:
        return provider_bounds(a, lib, pc->unique);
    default:
        return (bounds){0, -1};
    }
}

/* ---------------------------------------------------------- the matrix */

/* Decimal digits a provider's integer-shaped output needs (numeric(p,s) capacity). */
static int provider_digits(int provider)
{
    switch (provider) {
    case PV_PROV_POSTCODE:
        return 5;
    case PV_PROV_CREDIT_CARD:
        return 16;
    case PV_PROV_PHONE:
        return 13;
    default:
        return 0;
    }
}

static bool numeric_holds(const coltype *ty, int digits, bool fpe)
{
    return fpe || ty->precision == 0 || ty->precision - ty->scale >= digits;
}

static bool custom_declares(const pv_custom_set *custom, const char *provider, const coltype *ty,
                            const pv_column *c)
{
    const pv_custom_provider *p = custom && provider ? pv_custom_find(custom, provider) : NULL;
    for (size_t i = 0; p && i < pv_custom_type_count(p); i++) {
        bool array = false;
        char *declared = normalize(pv_custom_type(p, i), &array);
        bool match = array == ty->array && (strcmp(declared, ty->base) == 0 ||
                                            (ty->typname && strcmp(declared, ty->typname) == 0) ||
                                            strcasecmp(pv_custom_type(p, i), c->data_type) == 0);
        free(declared);
        if (match)
            return true;
    }
    return false;
}

/* masking.md §4.3, fake and pseudonym: the provider's row. */
static bool provider_allowed(const pv_plan_column *pc, const pv_action *a, const coltype *ty,
                             pv_faker_library library, const pv_custom_set *custom)
{
    if (is_text(ty))
        return true;
    int p = a && a->provider ? pv_provider_find(a->provider) : -1;
    switch (p) {
    case PV_PROV_DOB:
        return is_kind(ty, K_DATE) || is_kind(ty, K_TIMESTAMP) || is_kind(ty, K_TIMESTAMPTZ);
    case PV_PROV_UUID:
        return is_kind(ty, K_UUID);
    case PV_PROV_IP_ADDRESS:
        return !pc->unique && (is_kind(ty, K_INET) || is_kind(ty, K_CIDR));
    case PV_PROV_POSTCODE:
        return is_kind(ty, K_INT4) || is_kind(ty, K_INT8) ||
               (is_kind(ty, K_NUMERIC) && numeric_holds(ty, provider_digits(p), pc->fpe));
    case PV_PROV_CREDIT_CARD:
        return is_kind(ty, K_INT8) ||
               (is_kind(ty, K_NUMERIC) && numeric_holds(ty, provider_digits(p), pc->fpe));
    case PV_PROV_PHONE:
        if (pc->unique) /* only the §9.2 permutation yields integers from a unique phone */
            return library == PV_LIBRARY_STANDARD &&
                   (is_kind(ty, K_INT8) || (is_kind(ty, K_NUMERIC) && is_integer(ty)));
        return is_kind(ty, K_INT8) ||
               (is_kind(ty, K_NUMERIC) && numeric_holds(ty, provider_digits(p), false));
    default:
        return p < 0 && custom_declares(custom, a ? a->provider : NULL, ty, pc->column);
    }
}

/* The (action, type) row of §4.3 for every action but passthrough, null and static. */
static bool action_allowed(const pv_plan_column *pc, const pv_action *a, const coltype *ty,
                           pv_faker_library library, const pv_custom_set *custom)
{
    if (ty->array)
        return false;
    switch (pc->action) {
    case PV_ACT_REGEX_MASK:
    case PV_ACT_NER_MASK:
        return ty->kind == K_TEXT || ty->kind == K_JSON || ty->kind == K_JSONB ||
               ty->kind == K_XML || ty->kind == K_ENUM;
    case PV_ACT_HASH:
        return ty->kind == K_TEXT || ty->kind == K_BYTEA || ty->kind == K_UUID || is_integer(ty);
    case PV_ACT_HMAC_HASH:
        return ty->kind == K_TEXT || (ty->kind == K_BYTEA && (!a || a->encoding == PV_HMAC_HEX));
    case PV_ACT_JSON_MASK:
        return ty->kind == K_TEXT || ty->kind == K_JSON || ty->kind == K_JSONB;
    case PV_ACT_FAKE:
    case PV_ACT_PSEUDONYM:
        return provider_allowed(pc, a, ty, library, custom);
    default: /* ai_refine: rejected at load, never masks */
        return false;
    }
}

/* §4.3 static: the value must convert (client codec, then the source server). */
static pv_error *static_valid(const pv_catalog *cat, const pv_column *c, const coltype *ty,
                              const char *value, const pv_type_check_env *env, bool *valid)
{
    *valid = false;
    if (!value)
        return NULL;
    if (is_text(ty) && ty->length > 0 && (int)pv_utf8_codepoints(value, strlen(value)) > ty->length)
        return NULL;
    const pv_type_info *info = pv_catalog_type_info(cat, c->type_oid);
    pv_codec codec;
    if (info && pv_codec_for_type(info, &codec) && pv_codec_can_encode(&codec)) {
        pv_buf buf = PV_BUF_INIT;
        pv_error *bad = pv_codec_encode(&codec, value, strlen(value), &buf);
        pv_buf_free(&buf);
        if (bad) {
            pv_error_free(bad);
            return NULL;
        }
    }
    if (env && env->value_valid)
        return env->value_valid(env->ctx, c, value, valid);
    *valid = true;
    return NULL;
}

/* ---------------------------------------------------------- the check */

/* A column whose output is an integer mapped over its type's range (§4.2 hash, §9.2). */
typedef struct int_output {
    const char *hash_path; /* borrowed from the plan */
    kind kind;
    int precision;
    char *path; /* tables.<t>.columns.<c> */
    char *label;
} int_output;

typedef struct scan {
    pv_strlist lines;
    int_output *ints;
    size_t n_ints;
    pv_plan_warning *warnings;
    size_t n_warnings;
} scan;

static void push_warning(scan *s, const char *code, char *message, const char *table_id)
{
    s->warnings = pv_xrealloc(s->warnings, (s->n_warnings + 1) * sizeof(*s->warnings));
    s->warnings[s->n_warnings++] = (pv_plan_warning){code, message, pv_xstrdup(table_id)};
}

/*
 * One column: *ok false when its pair is outside §4.3; a length that may
 * overflow is a warning. Errors only when the source could not be asked
 * about a static value.
 */
static pv_error *check_column(const pv_catalog *cat, const pv_run_plan *plan,
                              const pv_plan_table *pt, const pv_plan_column *pc, const coltype *ty,
                              const pv_type_check_env *env, const char *path, const char *label,
                              scan *s, bool *ok)
{
    const pv_action *a = pv_plan_column_action(pc);
    *ok = true;
    switch (pc->action) {
    case PV_ACT_PASSTHROUGH:
        return NULL;
    case PV_ACT_NULL:
        *ok = !pc->column->not_null;
        return NULL;
    case PV_ACT_STATIC:
        return static_valid(cat, pc->column, ty, a ? a->value : NULL, env, ok);
    default:
        break;
    }
    *ok = action_allowed(pc, a, ty, plan->faker_library, env ? env->custom : NULL);
    if (!*ok || !is_text(ty) || ty->length <= 0)
        return NULL;
    bounds b = output_bounds(pc, a, env ? env->library : NULL);
    if (b.min > ty->length) {
        *ok = false;
        return NULL;
    }
    if (b.max < 0 || b.max > ty->length)
        push_warning(s, "length_risk",
                     pv_xasprintf("%s: %s output may be longer than %s allows", path, label,
                                  pc->column->data_type),
                     pt->table->id);
    return NULL;
}

/*
 * masking.md §9.1 (ours): `static`, and `fake`/`pseudonym` with provider
 * `password`, give every row one value — on a column that is a key by
 * itself the unique index then fails from the second row.
 */
static void warn_constant_key(scan *s, const pv_plan_table *pt, const pv_plan_column *pc,
                              const char *path, const char *label)
{
    const pv_action *a = pv_plan_column_action(pc);
    bool faked = pc->action == PV_ACT_FAKE || pc->action == PV_ACT_PSEUDONYM;
    bool constant = pc->action == PV_ACT_STATIC ||
                    (faked && a && a->provider && strcmp(a->provider, "password") == 0);
    if (constant && pv_model_column_is_key(pt->table, pc->column->name))
        push_warning(s, "unique_collision",
                     pv_xasprintf("%s: %s gives every row the same value, so the unique key "
                                  "on this column cannot hold more than one row",
                                  path, label),
                     pt->table->id);
}

static int cmp_int_output(const void *a, const void *b)
{
    const int_output *x = a, *y = b;
    int c = strcmp(x->hash_path, y->hash_path);
    return c ? c : strcmp(x->path, y->path);
}

/* §4.3: integer outputs sharing a hash path need one declared type. */
static void check_same_types(scan *s)
{
    if (s->n_ints > 1)
        qsort(s->ints, s->n_ints, sizeof(*s->ints), cmp_int_output);
    for (size_t start = 0, end; start < s->n_ints; start = end) {
        bool differ = false;
        for (end = start;
             end < s->n_ints && strcmp(s->ints[end].hash_path, s->ints[start].hash_path) == 0;
             end++)
            differ = differ || s->ints[end].kind != s->ints[start].kind ||
                     s->ints[end].precision != s->ints[start].precision;
        for (size_t i = start; differ && i < end; i++) {
            char *line =
                pv_xasprintf("%s: %s needs the same type on every column sharing hash path %s",
                             s->ints[i].path, s->ints[i].label, s->ints[i].hash_path);
            pv_strlist_push(&s->lines, line);
            free(line);
        }
    }
}

static void add_int_output(scan *s, const pv_plan_column *pc, const coltype *ty, const char *path,
                           const char *label)
{
    bool mapped = pc->fpe || (pc->action == PV_ACT_HASH && is_integer(ty));
    if (!mapped || !pc->hash_path)
        return;
    s->ints = pv_xrealloc(s->ints, (s->n_ints + 1) * sizeof(*s->ints));
    s->ints[s->n_ints++] =
        (int_output){pc->hash_path, ty->kind, ty->kind == K_NUMERIC ? ty->precision : 0,
                     pv_xstrdup(path), pv_xstrdup(label)};
}

static void scan_free(scan *s)
{
    for (size_t i = 0; i < s->n_ints; i++) {
        free(s->ints[i].path);
        free(s->ints[i].label);
    }
    free(s->ints);
    pv_strlist_free(&s->lines);
}

void pv_plan_warnings_free(pv_plan_warning *warnings, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(warnings[i].message);
        free(warnings[i].table_id);
    }
    free(warnings);
}

static pv_error *scan_table(const pv_catalog *cat, const pv_run_plan *plan, const pv_plan_table *pt,
                            const pv_type_check_env *env, scan *s)
{
    pv_error *err = NULL;
    for (size_t c = 0; !err && c < pt->n_columns; c++) {
        const pv_plan_column *pc = &pt->columns[c];
        if (pc->action == PV_ACT_PASSTHROUGH)
            continue;
        coltype ty;
        coltype_init(cat, pc->column, &ty);
        char *path = pv_xasprintf("tables.%s.columns.%s", pt->table->id, pc->column->name);
        char *label = pv_plan_action_label(pc);
        bool ok = true;
        err = check_column(cat, plan, pt, pc, &ty, env, path, label, s, &ok);
        if (!err && !ok) {
            char *line = pv_xasprintf("%s: %s cannot produce a valid %s", path, label,
                                      pc->column->data_type);
            pv_strlist_push(&s->lines, line);
            free(line);
        } else if (!err) {
            add_int_output(s, pc, &ty, path, label);
            warn_constant_key(s, pt, pc, path, label);
        }
        free(path);
        free(label);
        free(ty.base);
    }
    return err;
}

pv_error *pv_check_type_compatibility(const pv_catalog *cat, const pv_run_plan *plan,
                                      const pv_type_check_env *env, pv_plan_warning **warnings,
                                      size_t *n_warnings)
{
    scan s = {0};
    pv_error *err = NULL;
    for (size_t t = 0; !err && t < plan->n_tables; t++)
        if (plan->tables[t].strategy == PV_STRATEGY_TRANSFORM)
            err = scan_table(cat, plan, &plan->tables[t], env, &s);
    if (!err)
        check_same_types(&s);
    if (!err && s.lines.n) {
        pv_strlist_sort(&s.lines);
        pv_strbuf cause = PV_STRBUF_INIT;
        for (size_t i = 0; i < s.lines.n; i++)
            pv_strbuf_appendf(&cause, "%s%s", i ? "\n" : "", s.lines.items[i]);
        err = pv_error_new(PV_EXIT_CONFIG, "Validating masking actions against column types",
                           "Choose a type-compatible action (see docs/configuration.md#actions).",
                           "%s", cause.data);
        pv_strbuf_free(&cause);
    }
    scan_free(&s);
    *warnings = s.warnings;
    *n_warnings = s.n_warnings;
    return err;
}

/* ---------------------------------------------------------- fk_consistency */

static pv_error *lines_error(const pv_strlist *lines, const char *remediation)
{
    pv_strbuf cause = PV_STRBUF_INIT;
    for (size_t i = 0; i < lines->n; i++)
        pv_strbuf_appendf(&cause, "%s%s", i ? "\n" : "", lines->items[i]);
    pv_error *err = pv_error_new(PV_EXIT_CONFIG, "Validating foreign-key masking consistency",
                                 remediation, "%s", cause.data);
    pv_strbuf_free(&cause);
    return err;
}

pv_error *pv_check_fk_consistency(const pv_run_plan *plan)
{
    if (plan->fk_action_conflicts.n)
        return lines_error(&plan->fk_action_conflicts,
                           "Use the same action and provider on both columns (or passthrough on "
                           "both).");
    if (plan->fk_alias_conflicts.n)
        return lines_error(&plan->fk_alias_conflicts,
                           "Use one seed_alias for every column linked by foreign keys, or set it "
                           "on one of them only.");
    return NULL;
}

/* ---------------------------------------------------------- the source side */

static bool exec_ok(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        pv_log(PV_LOG_DEBUG, "pre-flight statement failed: %s", pv_pg_sqlstate(res));
    PQclear(res);
    return ok;
}

static pv_error *source_error(void)
{
    return pv_error_new(PV_EXIT_PREFLIGHT, "Introspecting source database catalogs",
                        "Verify source connectivity and permissions, then retry.",
                        "Catalog query failed.");
}

pv_error *pv_source_value_valid(void *ctx, const pv_column *column, const char *value, bool *valid)
{
    PGconn *conn = ctx;
    *valid = false;
    bool in_tx = PQtransactionStatus(conn) == PQTRANS_INTRANS;
    if (in_tx && !exec_ok(conn, "SAVEPOINT pv_static_value"))
        return source_error();
    /* A constrained numeric checks its typmod through the cast; other typmods are ours. */
    bool array = false;
    char *base = normalize(column->data_type, &array);
    const char *paren = strchr(column->data_type, '(');
    char sql[96];
    Oid types[1] = {column->type_oid};
    bool numeric = !column->domain_base && !array && paren && strcmp(base, "numeric") == 0;
    if (numeric) {
        const char *comma = strchr(paren, ',');
        snprintf(sql, sizeof(sql), "SELECT CAST($1 AS pg_catalog.numeric(%d,%d)) IS NULL",
                 atoi(paren + 1), comma ? atoi(comma + 1) : 0);
    } else {
        snprintf(sql, sizeof(sql), "SELECT $1 IS NULL");
    }
    free(base);
    const char *params[1] = {value};
    PGresult *res = PQexecParams(conn, sql, 1, numeric ? NULL : types, params, NULL, NULL, 0);
    *valid = res && PQresultStatus(res) == PGRES_TUPLES_OK;
    if (!*valid) /* never the value: only what kind of rejection */
        pv_log(PV_LOG_DEBUG, "static value rejected by the source: %s", pv_pg_sqlstate(res));
    PQclear(res);
    if (PQstatus(conn) != CONNECTION_OK)
        return source_error();
    if (in_tx && (!exec_ok(conn, "ROLLBACK TO SAVEPOINT pv_static_value") ||
                  !exec_ok(conn, "RELEASE SAVEPOINT pv_static_value")))
        return source_error();
    return NULL;
}
