/*
 * actions.c — column actions and json_mask rules in the schema stage
 * (config.md §5, §6, §8): the `action` discriminator, each action's keys,
 * regex_mask compilation and template checks, json_mask rule paths.
 */
#include "config/jsonpath.h"
#include "config/regex.h"
#include "config/validate.h"

#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Keys an action kind accepts besides `action`, and which are required. */
typedef struct kind_spec {
    const char *tag;
    pv_action_kind kind;
    const char *keys[4];
    const char *required[3];
} kind_spec;

static const kind_spec KINDS[] = {
    {"fake", PV_ACT_FAKE, {"provider", "seed_alias", "params"}, {"provider"}},
    {"regex_mask", PV_ACT_REGEX_MASK, {"pattern", "replace", "flags"}, {"pattern", "replace"}},
    {"hash", PV_ACT_HASH, {NULL}, {NULL}},
    {"hmac_hash", PV_ACT_HMAC_HASH, {"encoding"}, {NULL}},
    {"pseudonym", PV_ACT_PSEUDONYM, {"provider", "seed_alias", "params"}, {"provider"}},
    {"passthrough", PV_ACT_PASSTHROUGH, {NULL}, {NULL}},
    {"null", PV_ACT_NULL, {NULL}, {NULL}},
    {"static", PV_ACT_STATIC, {"value"}, {"value"}},
    {"ner_mask", PV_ACT_NER_MASK, {"entities"}, {NULL}},
    {"ai_refine", PV_ACT_AI_REFINE, {"provider", "model", "params"}, {"provider", "model"}},
    {"json_mask", PV_ACT_JSON_MASK, {"rules", "on_invalid"}, {"rules"}},
    {"remove", PV_ACT_REMOVE, {NULL}, {NULL}},
};
#define N_KINDS (sizeof(KINDS) / sizeof(KINDS[0]))

/* The tags each context accepts, in the order the messages list them. */
static const char *const COLUMN_TAGS[] = {"fake",      "regex_mask",  "hash",      "hmac_hash",
                                          "pseudonym", "passthrough", "null",      "static",
                                          "ner_mask",  "ai_refine",   "json_mask", NULL};
static const char *const RULE_TAGS[] = {"fake",      "regex_mask",  "hash", "hmac_hash",
                                        "pseudonym", "passthrough", "null", "static",
                                        "ner_mask",  "remove",      NULL};

static const char *const DEFAULT_ENTITIES[] = {"PERSON", "ORG", "GPE", "LOC"};

static const kind_spec *kind_by_tag(const char *tag)
{
    for (size_t i = 0; i < N_KINDS; i++)
        if (strcmp(KINDS[i].tag, tag) == 0)
            return &KINDS[i];
    return NULL;
}

static bool spec_has_key(const kind_spec *spec, const char *key)
{
    for (size_t i = 0; spec->keys[i]; i++)
        if (strcmp(spec->keys[i], key) == 0)
            return true;
    return false;
}

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* Edit distance, stopping early: tags are short, input may not be. */
static size_t levenshtein(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > lb + 2)
        return 3; /* more than the hint threshold */
    size_t prev[32], cur[32];
    if (lb + 1 > sizeof(prev) / sizeof(prev[0]))
        return 3;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++)
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]));
        memcpy(prev, cur, (lb + 1) * sizeof(*prev));
    }
    return prev[lb];
}

static void unknown_tag(pv_schema_ctx *ctx, const pv_yaml_node *tag_node, const char *path,
                        const char *const *tags)
{
    pv_strbuf msg = PV_STRBUF_INIT;
    pv_strbuf_appendf(&msg,
                      "Input tag '%s' found using 'action' does not match any of the expected "
                      "tags: ",
                      tag_node->text);
    const char *closest = NULL;
    size_t best = 3;
    for (size_t i = 0; tags[i]; i++) {
        pv_strbuf_appendf(&msg, "%s'%s'", i ? ", " : "", tags[i]);
        size_t d = levenshtein(tag_node->text, tags[i]);
        if (d < best) { /* ties keep the earlier tag */
            best = d;
            closest = tags[i];
        }
    }
    if (closest)
        pv_strbuf_appendf(&msg, " Did you mean '%s'?", closest);
    pv_schema_error(ctx, path, tag_node->pos, "%s", msg.data);
    pv_strbuf_free(&msg);
}

/*
 * Resolves the discriminator. Returns the kind spec, or NULL after
 * recording why (missing, unreadable, unknown or not allowed here).
 */
static const kind_spec *discriminate(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path,
                                     bool rule, pv_action *out)
{
    const pv_yaml_pair *tag = pv_yaml_lookup(n, "action");
    if (!tag) {
        pv_schema_error(ctx, path, n->pos, "Unable to extract tag using discriminator 'action'");
        return NULL;
    }
    const pv_yaml_node *v = tag->value;
    out->action_pos = v->pos;
    if (v->kind != PV_YAML_SCALAR || !pv_yaml_text_ok(v)) {
        pv_schema_error(ctx, path, v->pos, "Unable to extract tag using discriminator 'action'");
        return NULL;
    }
    /* lenient (§2): a YAML null is the `null` action */
    const kind_spec *spec = kind_by_tag(v->null ? "null" : v->text);
    const char *const *allowed = rule ? RULE_TAGS : COLUMN_TAGS;
    bool ok = false;
    for (size_t i = 0; spec && allowed[i]; i++)
        ok = ok || strcmp(allowed[i], spec->tag) == 0;
    if (!ok) {
        unknown_tag(ctx, v, path, allowed);
        return NULL;
    }
    return spec;
}

/* ---- the "Try: provider: …" hint for a missing provider ---- */

typedef enum { MATCH_SUBSTRING, MATCH_BOUNDED, MATCH_SUFFIX, MATCH_PREFIX, MATCH_EXACT } match_kind;

/*
 * The fake-provider rules of the auto-detect library (autodetect.md §3,
 * rules 1–41, in order). They come first in that library, so the first
 * match here is the rule auto-detect itself would pick.
 */
static const struct {
    match_kind kind;
    const char *pattern;
    const char *provider;
} HINT_RULES[] = {
    {MATCH_SUFFIX, "_email", "email"},
    {MATCH_PREFIX, "email_", "email"},
    {MATCH_SUBSTRING, "email", "email"},
    {MATCH_SUBSTRING, "e_mail", "email"},
    {MATCH_SUBSTRING, "phone", "phone"},
    {MATCH_SUBSTRING, "mobile", "phone"},
    {MATCH_BOUNDED, "tel", "phone"},
    {MATCH_BOUNDED, "cell", "phone"},
    {MATCH_SUFFIX, "_phone", "phone"},
    {MATCH_SUBSTRING, "ssn", "ssn"},
    {MATCH_SUBSTRING, "social_security", "ssn"},
    {MATCH_SUBSTRING, "tax_id", "ssn"},
    {MATCH_SUBSTRING, "national_id", "ssn"},
    {MATCH_SUBSTRING, "first_name", "first_name"},
    {MATCH_SUBSTRING, "fname", "first_name"},
    {MATCH_SUBSTRING, "given_name", "first_name"},
    {MATCH_SUBSTRING, "last_name", "last_name"},
    {MATCH_SUBSTRING, "lname", "last_name"},
    {MATCH_SUBSTRING, "surname", "last_name"},
    {MATCH_SUBSTRING, "family_name", "last_name"},
    {MATCH_SUBSTRING, "full_name", "full_name"},
    {MATCH_SUBSTRING, "display_name", "full_name"},
    {MATCH_EXACT, "name", "full_name"},
    {MATCH_SUBSTRING, "ip_address", "ip_address"},
    {MATCH_SUFFIX, "_ip", "ip_address"},
    {MATCH_PREFIX, "ip_", "ip_address"},
    {MATCH_EXACT, "ip", "ip_address"},
    {MATCH_SUBSTRING, "address", "address"},
    {MATCH_SUBSTRING, "street", "street"},
    {MATCH_SUBSTRING, "city", "city"},
    {MATCH_SUBSTRING, "postcode", "postcode"},
    {MATCH_SUBSTRING, "zip", "postcode"},
    {MATCH_SUBSTRING, "country", "country"},
    {MATCH_SUBSTRING, "dob", "dob"},
    {MATCH_SUBSTRING, "date_of_birth", "dob"},
    {MATCH_SUBSTRING, "birth_date", "dob"},
    {MATCH_SUBSTRING, "birthday", "dob"},
    {MATCH_SUBSTRING, "credit_card", "credit_card"},
    {MATCH_SUBSTRING, "card_number", "credit_card"},
    {MATCH_SUBSTRING, "cc_number", "credit_card"},
    {MATCH_BOUNDED, "pan", "credit_card"},
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* The token equals the name or sits between underscores / at either end. */
static bool bounded_match(const char *name, const char *token)
{
    size_t lt = strlen(token);
    for (const char *p = strstr(name, token); p; p = strstr(p + 1, token)) {
        bool left = p == name || p[-1] == '_';
        bool right = p[lt] == '\0' || p[lt] == '_';
        if (left && right)
            return true;
    }
    return false;
}

static const char *provider_hint(const char *column)
{
    char *lower = pv_xstrdup(column);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    const char *found = NULL;
    for (size_t i = 0; !found && i < sizeof(HINT_RULES) / sizeof(HINT_RULES[0]); i++) {
        const char *pat = HINT_RULES[i].pattern;
        bool hit = false;
        switch (HINT_RULES[i].kind) {
        case MATCH_SUBSTRING:
            hit = strstr(lower, pat) != NULL;
            break;
        case MATCH_BOUNDED:
            hit = bounded_match(lower, pat);
            break;
        case MATCH_SUFFIX:
            hit = ends_with(lower, pat);
            break;
        case MATCH_PREFIX:
            hit = strncmp(lower, pat, strlen(pat)) == 0;
            break;
        case MATCH_EXACT:
            hit = strcmp(lower, pat) == 0;
            break;
        }
        if (hit)
            found = HINT_RULES[i].provider;
    }
    free(lower);
    return found;
}

static void missing_field(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path,
                          const char *field, const char *column, const kind_spec *spec)
{
    char *field_path = pv_schema_path(path, field);
    const char *hint = NULL;
    if (column && strcmp(field, "provider") == 0 &&
        (spec->kind == PV_ACT_FAKE || spec->kind == PV_ACT_PSEUDONYM))
        hint = provider_hint(column);
    if (hint)
        pv_schema_error(ctx, field_path, n->pos, "%s (missing 'provider'. Try: provider: %s)",
                        PV_MSG_REQUIRED, hint);
    else
        pv_schema_error(ctx, field_path, n->pos, PV_MSG_REQUIRED);
    free(field_path);
}

/* ---- regex_mask ---- */

static void regex_flags(pv_schema_ctx *ctx, const pv_yaml_node *v, const char *path, pv_action *out)
{
    if (!pv_schema_strlist(ctx, v, path, &out->flags))
        return;
    for (size_t i = 0; i < out->flags.count; i++)
        if (!pv_regex_apply_flag(out->flags.items[i], &out->pcre2_opts))
            pv_schema_error(ctx, path, v->items[i]->pos, "Value error, unknown regex flag: %s",
                            out->flags.items[i]);
}

/* Compiles the pattern, screens it, then checks the template against it. */
static void regex_check(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path, pv_action *out)
{
    const pv_yaml_pair *pattern = pv_yaml_lookup(n, "pattern");
    const pv_yaml_pair *replace = pv_yaml_lookup(n, "replace");
    if (!out->pattern)
        return;
    char *pattern_path = pv_schema_path(path, "pattern");
    char *problem = NULL;
    pcre2_code *code = pv_regex_compile(out->pattern, out->pcre2_opts, &problem);
    if (!code)
        pv_schema_error(ctx, pattern_path, pattern->value->pos, "Value error, %s", problem);
    else if (pv_regex_redos_suspect(out->pattern))
        pv_schema_error(ctx, pattern_path, pattern->value->pos, "Value error, %s",
                        PV_REGEX_REDOS_MESSAGE);
    else if (out->replace && (problem = pv_regex_check_template(out->replace, code)) != NULL) {
        char *replace_path = pv_schema_path(path, "replace");
        pv_schema_error(ctx, replace_path, replace->value->pos,
                        "Value error, invalid replacement template: %s", problem);
        free(replace_path);
    }
    free(problem);
    pcre2_code_free(code);
    free(pattern_path);
}

/* ---- json_mask ---- */

static void json_rule(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path,
                      pv_json_rule *rule)
{
    if (!pv_schema_mapping(ctx, n, path))
        return;
    char *path_field = pv_schema_path(path, "path");
    const pv_yaml_pair *p = pv_yaml_lookup(n, "path");
    if (!p) {
        pv_schema_error(ctx, path_field, n->pos, PV_MSG_REQUIRED);
    } else if (pv_schema_string(ctx, p->value, path_field, false, &rule->path)) {
        rule->path_pos = p->value->pos;
        char *problem = pv_jsonpath_check(rule->path);
        if (problem)
            pv_schema_error(ctx, path_field, p->value->pos, "Value error, invalid JSONPath: %s",
                            problem);
        free(problem);
    }
    free(path_field);
    pv_schema_action(ctx, n, path, NULL, &rule->action);
}

static void json_rules(pv_schema_ctx *ctx, const pv_yaml_node *v, const char *path, pv_action *out)
{
    if (v->kind != PV_YAML_SEQUENCE) {
        pv_schema_error(ctx, path, v->pos, PV_MSG_LIST);
        return;
    }
    if (v->n_items == 0) {
        pv_schema_error(ctx, path, v->pos,
                        "List should have at least 1 item after validation, not 0");
        return;
    }
    out->rules = pv_xcalloc(v->n_items, sizeof(*out->rules));
    for (size_t i = 0; i < v->n_items; i++) {
        char index[32];
        snprintf(index, sizeof(index), "%zu", i);
        char *rule_path = pv_schema_path(path, index);
        json_rule(ctx, v->items[i], rule_path, &out->rules[out->n_rules++]);
        free(rule_path);
    }
}

/* ---- fields ---- */

static void action_field(pv_schema_ctx *ctx, const char *key, const pv_yaml_node *v,
                         const char *field, pv_action *out)
{
    static const char *const encodings[] = {"hex", "base64url", NULL};
    static const char *const on_invalid[] = {"fail", "passthrough", NULL};
    int e = 0;
    if (strcmp(key, "provider") == 0) {
        if (pv_schema_string(ctx, v, field, false, &out->provider))
            out->provider_pos = v->pos;
    } else if (strcmp(key, "seed_alias") == 0) {
        pv_schema_string(ctx, v, field, true, &out->seed_alias);
    } else if (strcmp(key, "params") == 0) {
        pv_schema_strmap(ctx, v, field, &out->params, &out->n_params);
    } else if (strcmp(key, "pattern") == 0) {
        pv_schema_string(ctx, v, field, false, &out->pattern);
    } else if (strcmp(key, "replace") == 0) {
        pv_schema_string(ctx, v, field, false, &out->replace);
    } else if (strcmp(key, "flags") == 0) {
        regex_flags(ctx, v, field, out);
    } else if (strcmp(key, "encoding") == 0) {
        if (pv_schema_enum(ctx, v, field, encodings, &e))
            out->encoding = (pv_hmac_encoding)e;
    } else if (strcmp(key, "value") == 0) {
        pv_schema_string(ctx, v, field, false, &out->value);
    } else if (strcmp(key, "entities") == 0) {
        pv_schema_strlist(ctx, v, field, &out->entities);
    } else if (strcmp(key, "model") == 0) {
        pv_schema_string(ctx, v, field, false, &out->model);
    } else if (strcmp(key, "rules") == 0) {
        json_rules(ctx, v, field, out);
    } else if (strcmp(key, "on_invalid") == 0) {
        if (pv_schema_enum(ctx, v, field, on_invalid, &e))
            out->on_invalid = (pv_on_invalid)e;
    }
}

static void default_entities(pv_action *out)
{
    size_t n = sizeof(DEFAULT_ENTITIES) / sizeof(DEFAULT_ENTITIES[0]);
    out->entities.items = pv_xcalloc(n, sizeof(*out->entities.items));
    for (size_t i = 0; i < n; i++)
        out->entities.items[i] = pv_xstrdup(DEFAULT_ENTITIES[i]);
    out->entities.count = n;
}

void pv_schema_action(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path,
                      const char *column, pv_action *out)
{
    bool rule = column == NULL;
    out->pos = n->pos;
    out->encoding = PV_HMAC_HEX;
    out->on_invalid = PV_ON_INVALID_FAIL;
    out->pcre2_opts = PV_REGEX_DEFAULT_OPTS;
    if (!pv_schema_mapping(ctx, n, path))
        return;
    const kind_spec *spec = discriminate(ctx, n, path, rule, out);
    if (!spec)
        return;
    out->kind = spec->kind;
    for (size_t i = 0; i < n->n_pairs; i++) {
        const char *key = pv_schema_key(ctx, n->pairs[i].key, path);
        if (!key || strcmp(key, "action") == 0 || (rule && strcmp(key, "path") == 0))
            continue;
        char *field = pv_schema_path(path, key);
        if (spec_has_key(spec, key))
            action_field(ctx, key, n->pairs[i].value, field, out);
        else
            pv_schema_error(ctx, field, n->pairs[i].key->pos, PV_MSG_EXTRA);
        free(field);
    }
    for (size_t i = 0; spec->required[i]; i++)
        if (!pv_yaml_lookup(n, spec->required[i]))
            missing_field(ctx, n, path, spec->required[i], column, spec);
    if (spec->kind == PV_ACT_REGEX_MASK)
        regex_check(ctx, n, path, out);
    if (spec->kind == PV_ACT_NER_MASK && !pv_yaml_lookup(n, "entities"))
        default_entities(out);
}

/* ---- ownership ---- */

void pv_strlist_clear(pv_strlist *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

void pv_action_clear(pv_action *a)
{
    free(a->provider);
    free(a->seed_alias);
    for (size_t i = 0; i < a->n_params; i++) {
        free(a->params[i].key);
        free(a->params[i].value);
    }
    free(a->params);
    free(a->pattern);
    free(a->replace);
    pv_strlist_clear(&a->flags);
    free(a->value);
    pv_strlist_clear(&a->entities);
    free(a->model);
    for (size_t i = 0; i < a->n_rules; i++) {
        free(a->rules[i].path);
        pv_action_clear(&a->rules[i].action);
    }
    free(a->rules);
    memset(a, 0, sizeof(*a));
}

const char *pv_action_param(const pv_action *a, const char *key)
{
    for (size_t i = 0; a && i < a->n_params; i++)
        if (strcmp(a->params[i].key, key) == 0)
            return a->params[i].value;
    return NULL;
}
