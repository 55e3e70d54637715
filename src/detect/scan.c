/*
 * scan.c — one finding per column (autodetect.md §2): explicit entries, the
 * first matching rule gated by the column type (§4) and the pre-flight
 * compatibility of masking.md §4.3 (uniqueness, declared length), and the
 * freeform score for ner_mask rules (§5). Inputs are the column name, its
 * declared type, uniqueness, pg_stats.avg_width and the table name: no
 * cell value is ever read.
 */
#include "detect/detect.h"

#include "util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define FREEFORM_MIN_VARCHAR 500
#define FREEFORM_WIDE        200
#define FREEFORM_BORDERLINE  100
#define HASH_HEX_LEN         64
#define NAME_MAX_CHARS       63
/* masking.md §9.1 suffixes: "+" + 16 hex before the @ (email), "__" + 16 hex (others). */
#define EMAIL_SUFFIX_LEN 17
#define OTHER_SUFFIX_LEN 18

const char *pv_confidence_name(pv_confidence c)
{
    return c == PV_CONFIDENCE_HIGH ? "high" : c == PV_CONFIDENCE_MEDIUM ? "medium" : "low";
}

const char *pv_finding_source_name(pv_finding_source s)
{
    return s == PV_FINDING_CONFIG         ? "config"
           : s == PV_FINDING_FK_INHERITED ? "fk_inherited"
                                          : "autodetect";
}

const pv_action *pv_finding_action(const pv_finding *f)
{
    if (f->rule)
        return &f->rule->action;
    return f->proposes ? &f->proposed : NULL;
}

const char *pv_finding_provider(const pv_finding *f)
{
    const pv_action *a = pv_finding_action(f);
    bool has_provider = a && (a->kind == PV_ACT_FAKE || a->kind == PV_ACT_PSEUDONYM);
    return has_provider ? a->provider : NULL;
}

bool pv_finding_uncovered(const pv_finding *f)
{
    return f->source == PV_FINDING_AUTODETECT && f->confidence != PV_CONFIDENCE_LOW &&
           f->matched_pattern != NULL;
}

/* ------------------------------------------------------------ the type */

/* What §4/§5 need to know about a declared type. */
typedef struct type_info {
    const char *declared; /* format_type text, for reasons */
    char *base;           /* lower-cased, cut at the first '(', trimmed, unqualified */
    bool array;
    int length; /* n of character varying(n) / character(n); 0 when none */
} type_info;

static char *trimmed_lower(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    char *out = pv_xstrndup(s, n);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

/* An extension type outside the search path shows as "public.citext". */
static void unqualify(char *base)
{
    char *dot = strrchr(base, '.');
    if (dot && !strchr(dot, '"'))
        memmove(base, dot + 1, strlen(dot + 1) + 1);
}

/*
 * The type the gate looks at: a domain's base type (masking.md §4.3 treats
 * a domain over text as text), else the declared one.
 */
static void type_info_init(const pv_column *c, type_info *ti)
{
    const char *type = c->domain_base ? c->domain_base : c->data_type;
    size_t len = strlen(type);
    const char *paren = strchr(type, '(');
    ti->declared = c->data_type;
    ti->array = len >= 2 && strcmp(type + len - 2, "[]") == 0;
    ti->base = trimmed_lower(type, paren ? (size_t)(paren - type) : len);
    unqualify(ti->base);
    ti->length = paren && !ti->array ? atoi(paren + 1) : 0;
    if (!ti->array && strcmp(ti->base, "name") == 0)
        ti->length = NAME_MAX_CHARS; /* NAMEDATALEN - 1 */
}

static bool base_is(const type_info *ti, const char *name)
{
    return strcmp(ti->base, name) == 0;
}

/* TEXTLIKE of §4; arrays never are (masking.md §4.3). */
static bool textlike(const type_info *ti)
{
    static const char *const names[] = {
        "text", "character varying", "character", "varchar", "char", "citext", "name",
    };
    if (ti->array)
        return false;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (base_is(ti, names[i]))
            return true;
    return false;
}

/* §5: base text, or exactly character varying(N) with N >= 500. */
static bool freeform_eligible(const type_info *ti)
{
    if (ti->array)
        return false;
    if (base_is(ti, "text"))
        return true;
    return base_is(ti, "character varying") && ti->length >= FREEFORM_MIN_VARCHAR;
}

/* ------------------------------------------------------------ the gate */

/* The action a rule proposes for a column; `ok` false = incompatible. */
typedef struct proposal {
    bool ok;
    pv_action_kind kind;
    const char *provider;
    const char *value;
} proposal;

static bool provider_is(const pv_pattern *p, const char *name)
{
    return p->provider && strcmp(p->provider, name) == 0;
}

static bool fake_allowed(const pv_pattern *p, const type_info *ti, bool unique)
{
    if (textlike(ti))
        return true;
    if (provider_is(p, "dob"))
        return base_is(ti, "date");
    if (provider_is(p, "ip_address")) /* masking.md §4.3: inet/cidr only when not unique */
        return !unique && !ti->array && (base_is(ti, "inet") || base_is(ti, "cidr"));
    if (provider_is(p, "uuid"))
        return !ti->array && base_is(ti, "uuid");
    return false;
}

/* §4 type gating: rule action → proposed action on this type. */
static proposal gate(const pv_pattern *p, const type_info *ti, bool unique)
{
    proposal out = {false, p->action, NULL, NULL};
    switch (p->action) {
    case PV_ACT_FAKE:
        out.ok = fake_allowed(p, ti, unique);
        out.provider = p->provider;
        break;
    case PV_ACT_HASH:
        if (!ti->array && base_is(ti, "uuid")) {
            out = (proposal){true, PV_ACT_FAKE, "uuid", NULL};
            break;
        }
        out.ok = textlike(ti);
        break;
    case PV_ACT_STATIC:
        out.ok = textlike(ti);
        out.value = p->static_value;
        break;
    default: /* ner_mask */
        out.ok = textlike(ti);
        break;
    }
    return out;
}

/* Fixed-shape providers (masking.md §8.1): shortest output, and whether it is all digits. */
static const struct {
    const char *provider;
    int shortest;
    bool digits;
} SHAPES[] = {
    {"ssn", 11, false},    {"credit_card", 15, true}, {"uuid", 36, false},
    {"dob", 10, false},    {"ip_address", 9, false},  {"phone", 12, false},
    {"postcode", 5, true}, {"password", 15, false},   {"country", 2, false},
};

int pv_detect_shortest_fake(const char *provider, bool unique)
{
    int shortest = 1;
    bool digits = false;
    for (size_t i = 0; i < sizeof(SHAPES) / sizeof(SHAPES[0]); i++)
        if (strcmp(SHAPES[i].provider, provider) == 0) {
            shortest = SHAPES[i].shortest;
            digits = SHAPES[i].digits;
        }
    if (!unique)
        return shortest;
    if (strcmp(provider, "email") == 0)
        return shortest + EMAIL_SUFFIX_LEN;
    bool unchanged = strcmp(provider, "uuid") == 0 || strcmp(provider, "password") == 0 ||
                     strcmp(provider, "dob") == 0 || digits;
    return unchanged ? shortest : shortest + OTHER_SUFFIX_LEN;
}

static int utf8_chars(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* masking.md §4.3 length rule: the shortest output must fit varchar(n) / char(n). */
static bool fits_length(const proposal *pr, const type_info *ti, bool unique)
{
    if (ti->length <= 0 || !textlike(ti))
        return true;
    int shortest = 0;
    if (pr->kind == PV_ACT_HASH)
        shortest = HASH_HEX_LEN;
    else if (pr->kind == PV_ACT_STATIC)
        shortest = utf8_chars(pr->value);
    else if (pr->kind == PV_ACT_FAKE)
        shortest = pv_detect_shortest_fake(pr->provider, unique);
    return shortest <= ti->length;
}

/* ------------------------------------------------------------ findings */

static void finding_init(pv_finding *f, const pv_table *t, const pv_column *c)
{
    memset(f, 0, sizeof(*f));
    f->table = t;
    f->column = c;
    f->source = PV_FINDING_AUTODETECT;
    f->confidence = PV_CONFIDENCE_LOW;
}

static void reason(pv_finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reason(pv_finding *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pv_strbuf sb = PV_STRBUF_INIT;
    pv_strbuf_appendv(&sb, fmt, ap);
    va_end(ap);
    char *text = pv_strbuf_take(&sb);
    pv_strlist_push(&f->reasons, text);
    free(text);
}

static const char *const DEFAULT_ENTITIES[] = {"PERSON", "ORG", "GPE", "LOC"};

static void propose(pv_finding *f, const proposal *pr)
{
    f->proposes = true;
    f->proposed.kind = pr->kind;
    if (pr->kind == PV_ACT_FAKE)
        f->proposed.provider = pv_xstrdup(pr->provider);
    if (pr->kind == PV_ACT_STATIC)
        f->proposed.value = pv_xstrdup(pr->value);
    /* ner_mask defaults (config.md §5) */
    for (size_t i = 0; pr->kind == PV_ACT_NER_MASK && i < 4; i++)
        pv_strlist_push(&f->proposed.entities, DEFAULT_ENTITIES[i]);
}

/* ---- §5 freeform score ---- */

typedef enum { TABLE_NEUTRAL, TABLE_SENSITIVE, TABLE_LOW } table_class;

static table_class classify_table(const char *table_name)
{
    static const char *const sensitive[] = {
        "patient", "user",    "customer", "member",  "employee", "visit",  "clinical", "provider",
        "ticket",  "support", "auth",     "session", "contact",  "person", "client",
    };
    static const char *const low[] = {
        "product", "catalog", "config", "system", "inventory", "sku", "item", "warehouse",
    };
    char *name = trimmed_lower(table_name, strlen(table_name));
    table_class cls = TABLE_NEUTRAL;
    for (size_t i = 0; cls == TABLE_NEUTRAL && i < sizeof(sensitive) / sizeof(*sensitive); i++)
        if (strstr(name, sensitive[i]))
            cls = TABLE_SENSITIVE;
    for (size_t i = 0; cls == TABLE_NEUTRAL && i < sizeof(low) / sizeof(*low); i++)
        if (strstr(name, low[i]))
            cls = TABLE_LOW;
    free(name);
    return cls;
}

static pv_confidence score_without_stats(pv_finding *f, table_class cls)
{
    reason(f, "pg_stats.avg_width unavailable");
    if (cls != TABLE_SENSITIVE)
        return PV_CONFIDENCE_LOW;
    reason(f, "sensitive table context");
    return PV_CONFIDENCE_MEDIUM;
}

static pv_confidence score_with_stats(pv_finding *f, table_class cls, int width)
{
    reason(f, "pg_stats.avg_width=%d", width);
    if (width >= FREEFORM_WIDE && cls == TABLE_LOW) {
        reason(f, "low-sensitivity table context downgrades confidence");
        return PV_CONFIDENCE_MEDIUM;
    }
    if (width >= FREEFORM_WIDE && cls == TABLE_SENSITIVE)
        reason(f, "sensitive table context");
    if (width >= FREEFORM_WIDE)
        return PV_CONFIDENCE_HIGH;
    if (width >= FREEFORM_BORDERLINE && cls == TABLE_SENSITIVE) {
        reason(f, "borderline avg_width on sensitive table");
        return PV_CONFIDENCE_MEDIUM;
    }
    reason(f, "avg_width below freeform threshold");
    return PV_CONFIDENCE_LOW;
}

static pv_confidence score_freeform(pv_finding *f, const type_info *ti, const char *table_name,
                                    int avg_width)
{
    if (!freeform_eligible(ti)) {
        reason(f, "type '%s' is not freeform-eligible", ti->declared);
        return PV_CONFIDENCE_LOW;
    }
    reason(f, "column type is freeform-eligible");
    table_class cls = classify_table(table_name);
    return avg_width < 0 ? score_without_stats(f, cls) : score_with_stats(f, cls, avg_width);
}

/* ---- classification ---- */

static void classify_match(const pv_pattern *p, const pv_detect_column *col, pv_finding *f)
{
    f->matched_pattern = pv_xstrdup(p->id);
    reason(f, "matched pattern %s", p->id);
    type_info ti;
    type_info_init(col->column, &ti);
    proposal pr = gate(p, &ti, col->unique);
    if (!pr.ok || !fits_length(&pr, &ti, col->unique)) {
        reason(f, "action %s incompatible with type %s", pv_action_name(p->action), ti.declared);
    } else if (pr.kind == PV_ACT_NER_MASK) {
        f->confidence = score_freeform(f, &ti, col->table->name, col->avg_width);
        if (f->confidence == PV_CONFIDENCE_HIGH)
            propose(f, &pr);
    } else {
        f->confidence = PV_CONFIDENCE_HIGH;
        propose(f, &pr);
    }
    free(ti.base);
}

void pv_detect_classify(const pv_patterns *patterns, bool auto_detect, const pv_detect_column *col,
                        pv_finding *out)
{
    finding_init(out, col->table, col->column);
    if (!auto_detect) {
        reason(out, "auto-detect disabled");
        return;
    }
    const pv_pattern *p = pv_patterns_match(patterns, col->column->name);
    if (p)
        classify_match(p, col, out);
    else
        reason(out, "no pattern match");
}

void pv_detect_explicit(const pv_table *table, const pv_column *column, const pv_column_rule *rule,
                        pv_finding *out)
{
    finding_init(out, table, column);
    out->source = PV_FINDING_CONFIG;
    out->confidence = PV_CONFIDENCE_HIGH;
    out->rule = rule;
    reason(out, "explicit config");
}

/* ---- partitioned parents ---- */

int pv_detect_avg_width(const pv_catalog *cat, const pv_table *t, const pv_column *c)
{
    if (c->avg_width >= 0 || !t->is_partitioned || !cat)
        return c->avg_width;
    double sum = 0, weight = 0;
    for (size_t i = 0; i < t->partition_children.n; i++) {
        const pv_table *child = pv_catalog_find(cat, t->partition_children.items[i]);
        const pv_column *cc = child ? pv_table_column(child, c->name) : NULL;
        if (!cc || cc->avg_width < 0)
            continue;
        double w = child->estimated_rows > 1 ? child->estimated_rows : 1;
        sum += w * cc->avg_width;
        weight += w;
    }
    return weight > 0 ? (int)(sum / weight + 0.5) : -1; /* widths are never negative */
}

void pv_finding_clear(pv_finding *f)
{
    if (!f)
        return;
    pv_strlist_free(&f->reasons);
    free(f->matched_pattern);
    free(f->proposed.provider);
    free(f->proposed.value);
    pv_strlist_free(&f->proposed.entities);
    memset(f, 0, sizeof(*f));
}

/* ------------------------------------------------------------ audit */

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *pv_finding_audit_payload(const pv_finding *f)
{
    const pv_action *a = pv_finding_action(f);
    json_t *reasons = json_array();
    for (size_t i = 0; i < f->reasons.n; i++)
        json_array_append_new(reasons, json_string(f->reasons.items[i]));
    json_t *obj = json_object();
    json_object_set_new(obj, "confidence", json_string(pv_confidence_name(f->confidence)));
    json_object_set_new(obj, "matched_pattern", string_or_null(f->matched_pattern));
    json_object_set_new(obj, "provider", string_or_null(pv_finding_provider(f)));
    json_object_set_new(obj, "action", string_or_null(a ? pv_action_name(a->kind) : NULL));
    json_object_set_new(obj, "source", json_string(pv_finding_source_name(f->source)));
    json_object_set_new(obj, "reasons", reasons);
    return obj;
}
