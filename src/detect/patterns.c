/*
 * patterns.c — the auto-detect pattern library (autodetect.md §3, §9).
 *
 * The rules are data: <data dir>/autodetect/patterns.yaml holds the
 * built-in list, and pack files next to it (*.yaml, *.yml, *.json — JSON is
 * YAML flow syntax) are appended in file-name order. A file is a mapping
 * with `patterns:` (a sequence of rule mappings) and an optional `version`.
 * Parsing goes through the config module's positioned YAML tree, so errors
 * name the line of the offending entry.
 */
#include "detect/detect.h"

#include "config/regex.h"
#include "config/yaml.h"
#include "util/datadir.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define LOAD_CONTEXT     "Loading the auto-detect patterns"
#define LOAD_REMEDIATION "Install the privaci data files or set PRIVACI_DATA_DIR."
#define BUILTIN_FILE     "patterns.yaml"
#define MAX_FILE_BYTES   (16u << 20)

static const char *const KIND_NAMES[] = {
    [PV_MATCH_SUBSTRING] = "substring",
    [PV_MATCH_BOUNDED] = "bounded",
    [PV_MATCH_SUFFIX] = "suffix",
    [PV_MATCH_PREFIX] = "prefix",
    [PV_MATCH_WILDCARD_PREFIX] = "wildcard_prefix",
    [PV_MATCH_REGEX] = "regex",
};

const char *pv_match_kind_name(pv_match_kind kind)
{
    return kind <= PV_MATCH_REGEX ? KIND_NAMES[kind] : "?";
}

/* ---------------------------------------------------------------- data dir */

const char *pv_detect_data_dir(void)
{
    return pv_data_dir();
}

/* ---------------------------------------------------------------- errors */

static pv_error *file_error(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static pv_error *file_error(const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *problem = NULL;
    if (vasprintf(&problem, fmt, ap) < 0)
        problem = NULL;
    va_end(ap);
    pv_error *err = pv_error_new(PV_EXIT_PREFLIGHT, LOAD_CONTEXT, LOAD_REMEDIATION,
                                 "The auto-detect pattern file %s could not be loaded: %s.", path,
                                 problem ? problem : "out of memory");
    free(problem);
    return err;
}

/* ---------------------------------------------------------------- lower case */

/* Unicode simple lower-casing (Python's str.lower for names); invalid UTF-8 is kept bytewise. */
static char *lower_utf8(const char *s)
{
    size_t len = strlen(s);
    char *out = pv_xmalloc(len * 4 + 1);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) {
            out[o++] = s[i++];
            continue;
        }
        o += (size_t)utf8proc_encode_char(utf8proc_tolower(cp), (utf8proc_uint8_t *)out + o);
        i += (size_t)n;
    }
    out[o] = '\0';
    return out;
}

/* ---------------------------------------------------------------- matching */

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static bool has_suffix(const char *s, const char *p)
{
    size_t ls = strlen(s), lp = strlen(p);
    return ls >= lp && memcmp(s + ls - lp, p, lp) == 0;
}

/* The token equals the name, or `_token_` occurs in `_<name>_`. */
static bool bounded_match(const char *name, const char *token)
{
    if (strcmp(name, token) == 0)
        return true;
    char *padded_name = pv_xasprintf("_%s_", name);
    char *padded_token = pv_xasprintf("_%s_", token);
    bool found = strstr(padded_name, padded_token) != NULL;
    free(padded_name);
    free(padded_token);
    return found;
}

static bool regex_full_match(const pv_pattern *p, const char *name)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->regex, NULL);
    int rc = pcre2_match(p->regex, (PCRE2_SPTR)name, PCRE2_ZERO_TERMINATED, 0,
                         PCRE2_ANCHORED | PCRE2_ENDANCHORED, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

static bool rule_matches(const pv_pattern *p, const char *name)
{
    switch (p->kind) {
    case PV_MATCH_SUBSTRING:
        return strstr(name, p->pattern) != NULL;
    case PV_MATCH_BOUNDED:
        return bounded_match(name, p->pattern);
    case PV_MATCH_SUFFIX:
        return has_suffix(name, p->pattern);
    case PV_MATCH_PREFIX:
    case PV_MATCH_WILDCARD_PREFIX:
        return has_prefix(name, p->pattern);
    case PV_MATCH_REGEX:
        return regex_full_match(p, name);
    }
    return false;
}

const pv_pattern *pv_patterns_match(const pv_patterns *patterns, const char *column_name)
{
    if (!patterns || !column_name)
        return NULL;
    char *name = lower_utf8(column_name);
    const pv_pattern *hit = NULL;
    for (size_t i = 0; i < patterns->n && !hit; i++)
        if (rule_matches(&patterns->items[i], name))
            hit = &patterns->items[i];
    free(name);
    return hit;
}

/* ---------------------------------------------------------------- one entry */

typedef struct entry_ctx {
    const char *path;
    size_t index; /* 1-based entry number in the file */
    int line;
} entry_ctx;

static pv_error *entry_error(const entry_ctx *e, const char *problem, const char *detail)
{
    return file_error(e->path, "entry %zu (line %d) %s%s%s%s", e->index, e->line, problem,
                      detail ? " '" : "", detail ? detail : "", detail ? "'" : "");
}

static const char *const ENTRY_KEYS[] = {"id",       "kind",   "pattern",
                                         "provider", "action", "static_value"};

static pv_error *check_keys(const entry_ctx *e, const pv_yaml_node *map)
{
    for (size_t i = 0; i < map->n_pairs; i++) {
        const pv_yaml_node *key = map->pairs[i].key;
        bool known = false;
        for (size_t k = 0; key->kind == PV_YAML_SCALAR && k < 6; k++)
            known = known || strcmp(key->text, ENTRY_KEYS[k]) == 0;
        if (!known)
            return entry_error(e, "has an unknown key",
                               key->kind == PV_YAML_SCALAR && pv_yaml_text_ok(key) ? key->text
                                                                                   : NULL);
    }
    return NULL;
}

/* A non-empty string value, or NULL when the key is absent or null. */
static pv_error *string_field(const entry_ctx *e, const pv_yaml_node *map, const char *key,
                              bool required, const char **out)
{
    *out = NULL;
    const pv_yaml_pair *pair = pv_yaml_lookup(map, key);
    if (!pair || (pair->value->kind == PV_YAML_SCALAR && pair->value->null)) {
        if (required)
            return entry_error(e, "is missing", key);
        return NULL;
    }
    const pv_yaml_node *v = pair->value;
    if (v->kind != PV_YAML_SCALAR || !pv_yaml_text_ok(v) || v->len == 0)
        return entry_error(e, "needs a non-empty string for", key);
    *out = v->text;
    return NULL;
}

static bool parse_kind(const char *s, pv_match_kind *out)
{
    for (size_t k = 0; k <= PV_MATCH_REGEX; k++)
        if (strcmp(s, KIND_NAMES[k]) == 0) {
            *out = (pv_match_kind)k;
            return true;
        }
    return false;
}

static bool parse_action(const char *s, pv_action_kind *out)
{
    static const struct {
        const char *name;
        pv_action_kind kind;
    } actions[] = {{"fake", PV_ACT_FAKE},
                   {"static", PV_ACT_STATIC},
                   {"hash", PV_ACT_HASH},
                   {"ner_mask", PV_ACT_NER_MASK}};
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(s, actions[i].name) == 0) {
            *out = actions[i].kind;
            return true;
        }
    return false;
}

static void pattern_clear(pv_pattern *p)
{
    free(p->id);
    free(p->pattern);
    if (p->regex)
        pcre2_code_free(p->regex);
    free(p->provider);
    free(p->static_value);
    memset(p, 0, sizeof(*p));
}

static bool id_taken(const pv_patterns *patterns, const char *id)
{
    for (size_t i = 0; i < patterns->n; i++)
        if (strcmp(patterns->items[i].id, id) == 0)
            return true;
    return false;
}

typedef struct entry_fields {
    const char *id, *kind, *pattern, *provider, *action, *static_value;
} entry_fields;

static pv_error *read_fields(const entry_ctx *e, const pv_yaml_node *map, entry_fields *f)
{
    pv_error *err = check_keys(e, map);
    if (!err)
        err = string_field(e, map, "id", true, &f->id);
    if (!err)
        err = string_field(e, map, "kind", true, &f->kind);
    if (!err)
        err = string_field(e, map, "pattern", true, &f->pattern);
    if (!err)
        err = string_field(e, map, "action", true, &f->action);
    if (!err)
        err = string_field(e, map, "provider", false, &f->provider);
    if (!err)
        err = string_field(e, map, "static_value", false, &f->static_value);
    return err;
}

/* The action's companions: fake needs a known provider, static its value, others neither. */
static pv_error *check_action_fields(const entry_ctx *e, pv_action_kind action,
                                     const entry_fields *f)
{
    if (action == PV_ACT_FAKE && !f->provider)
        return entry_error(e, "is missing", "provider");
    if (action == PV_ACT_FAKE && !pv_provider_exists(f->provider))
        return entry_error(e, "names an unknown provider", f->provider);
    if (action == PV_ACT_STATIC && !f->static_value)
        return entry_error(e, "is missing", "static_value");
    if (action != PV_ACT_STATIC && f->static_value)
        return entry_error(e, "allows static_value only with action", "static");
    if ((action == PV_ACT_HASH || action == PV_ACT_NER_MASK) && f->provider)
        return entry_error(e, "allows provider only with action", "fake");
    return NULL;
}

static pv_error *compile_regex(const entry_ctx *e, pv_pattern *p)
{
    char *problem = NULL;
    p->regex = pv_regex_compile(p->pattern, PV_REGEX_DEFAULT_OPTS | PCRE2_CASELESS, &problem);
    if (p->regex)
        return NULL;
    pv_error *err = entry_error(e, "has a pattern that does not compile:", problem);
    free(problem);
    return err;
}

static pv_error *build_rule(const entry_ctx *e, const entry_fields *f, pv_pattern *p)
{
    if (!parse_kind(f->kind, &p->kind))
        return entry_error(e, "has an unknown kind", f->kind);
    if (!parse_action(f->action, &p->action))
        return entry_error(e, "has an unsupported action", f->action);
    pv_error *err = check_action_fields(e, p->action, f);
    if (err)
        return err;
    p->id = pv_xstrdup(f->id);
    p->pattern = p->kind == PV_MATCH_REGEX ? pv_xstrdup(f->pattern) : lower_utf8(f->pattern);
    p->provider = f->provider ? pv_xstrdup(f->provider) : NULL;
    p->static_value = f->static_value ? pv_xstrdup(f->static_value) : NULL;
    return p->kind == PV_MATCH_REGEX ? compile_regex(e, p) : NULL;
}

static pv_error *add_entry(pv_patterns *patterns, const entry_ctx *e, const pv_yaml_node *map)
{
    if (map->kind != PV_YAML_MAPPING)
        return entry_error(e, "is not a mapping", NULL);
    entry_fields f = {0};
    pv_error *err = read_fields(e, map, &f);
    if (!err && id_taken(patterns, f.id))
        err = entry_error(e, "repeats the rule id", f.id);
    pv_pattern p = {0};
    if (!err)
        err = build_rule(e, &f, &p);
    if (err) {
        pattern_clear(&p);
        return err;
    }
    patterns->items = pv_xrealloc(patterns->items, (patterns->n + 1) * sizeof(*patterns->items));
    patterns->items[patterns->n++] = p;
    return NULL;
}

/* ---------------------------------------------------------------- one file */

static pv_error *read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return file_error(path, "%s", errno == ENOENT ? "it does not exist" : "it is not readable");
    size_t cap = 1 << 14, n = 0, got;
    char *buf = pv_xmalloc(cap + 1);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap && cap < MAX_FILE_BYTES) {
            cap *= 2;
            buf = pv_xrealloc(buf, cap + 1);
        } else if (n == cap) {
            break;
        }
    }
    bool failed = ferror(f) != 0 || n >= MAX_FILE_BYTES;
    fclose(f);
    if (failed) {
        free(buf);
        return file_error(path, "%s", "it is not readable or too large");
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return NULL;
}

static pv_error *parse_error(const char *path, pv_yaml_status status, pv_yaml_problem *problem)
{
    pv_error *err;
    if (status == PV_YAML_DUPLICATE)
        err = file_error(path, "duplicate key at line %d", problem->pos.line);
    else if (status == PV_YAML_EMPTY)
        err = file_error(path, "%s", "it is empty");
    else if (problem->pos.line)
        err = file_error(path, "invalid YAML at line %d", problem->pos.line);
    else
        err = file_error(path, "%s", "invalid YAML");
    free(problem->dup_key);
    return err;
}

static pv_error *add_document(pv_patterns *patterns, const char *path, const pv_yaml_node *root)
{
    if (root->kind != PV_YAML_MAPPING)
        return file_error(path, "%s", "the top level is not a mapping");
    const pv_yaml_pair *list = pv_yaml_lookup(root, "patterns");
    if (!list || list->value->kind != PV_YAML_SEQUENCE)
        return file_error(path, "%s", "it has no 'patterns' sequence");
    for (size_t i = 0; i < root->n_pairs; i++) {
        const pv_yaml_node *key = root->pairs[i].key;
        bool known = key->kind == PV_YAML_SCALAR &&
                     (strcmp(key->text, "patterns") == 0 || strcmp(key->text, "version") == 0);
        if (!known)
            return file_error(path, "unknown top-level key at line %d", key->pos.line);
    }
    const pv_yaml_node *seq = list->value;
    for (size_t i = 0; i < seq->n_items; i++) {
        entry_ctx e = {path, i + 1, seq->items[i]->pos.line};
        pv_error *err = add_entry(patterns, &e, seq->items[i]);
        if (err)
            return err;
    }
    return NULL;
}

pv_error *pv_patterns_load_file(pv_patterns *patterns, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    pv_error *err = read_file(path, &data, &len);
    if (err)
        return err;
    pv_yaml_doc *doc = NULL;
    pv_yaml_problem problem = {{0, 0}, NULL};
    pv_yaml_status status = pv_yaml_parse(data, len, &doc, &problem);
    free(data);
    if (status != PV_YAML_OK)
        return parse_error(path, status, &problem);
    err = add_document(patterns, path, pv_yaml_root(doc));
    pv_yaml_free(doc);
    return err;
}

/* ---------------------------------------------------------------- a directory */

static bool is_pack_file(const char *name)
{
    if (name[0] == '.' || strcmp(name, BUILTIN_FILE) == 0)
        return false;
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
           (n > 5 && strcmp(name + n - 5, ".json") == 0);
}

/* The pack files of `dir`, sorted by name (byte order). */
static void list_pack_files(const char *dir, pv_strlist *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL)
        if (is_pack_file(ent->d_name))
            pv_strlist_push(out, ent->d_name);
    closedir(d);
    pv_strlist_sort(out);
}

pv_error *pv_patterns_load_dir(const char *dir, pv_patterns **out)
{
    *out = NULL;
    pv_patterns *patterns = pv_xcalloc(1, sizeof(*patterns));
    char *builtin = pv_xasprintf("%s/%s", dir, BUILTIN_FILE);
    pv_error *err = pv_patterns_load_file(patterns, builtin);
    free(builtin);
    pv_strlist packs = {0};
    if (!err)
        list_pack_files(dir, &packs);
    for (size_t i = 0; !err && i < packs.n; i++) {
        char *path = pv_xasprintf("%s/%s", dir, packs.items[i]);
        err = pv_patterns_load_file(patterns, path);
        free(path);
    }
    pv_strlist_free(&packs);
    if (err) {
        pv_patterns_free(patterns);
        return err;
    }
    *out = patterns;
    return NULL;
}

void pv_patterns_free(pv_patterns *patterns)
{
    if (!patterns)
        return;
    for (size_t i = 0; i < patterns->n; i++)
        pattern_clear(&patterns->items[i]);
    free(patterns->items);
    free(patterns);
}

/* ---------------------------------------------------------------- the default */

static struct {
    pthread_once_t once;
    pv_patterns *patterns;
    pv_error *error; /* kept for the process; copied for each caller */
} default_library = {PTHREAD_ONCE_INIT, NULL, NULL};

static void load_default(void)
{
    char *dir = pv_xasprintf("%s/autodetect", pv_detect_data_dir());
    default_library.error = pv_patterns_load_dir(dir, &default_library.patterns);
    free(dir);
}

pv_error *pv_patterns_default(const pv_patterns **out)
{
    pthread_once(&default_library.once, load_default);
    *out = default_library.patterns;
    const pv_error *e = default_library.error;
    if (!e)
        return NULL;
    return pv_error_new(e->exit_code, e->context, e->remediation, "%s", e->cause);
}
