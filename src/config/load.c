/*
 * load.c — loading mask-rules.yaml: the stages of config.md §9.1 in order,
 * the first failing stage deciding the error, plus ownership, lookups and
 * names of the typed config.
 */
#include "config/config.h"

#include "config/validate.h"
#include "config/yaml.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REMEDIATION_SYNTAX      "Fix the YAML syntax and retry."
#define REMEDIATION_SCHEMA      "Fix the fields listed above; see docs/configuration.md."
#define REMEDIATION_ACTIONS_DOC "see docs/configuration.md#actions."

/* ---- stage 1: the file ---- */

static pv_error *load_error(const char *path, const char *remediation, const char *cause)
{
    char *context = pv_xasprintf("Loading %s", path);
    pv_error *err = pv_error_new(PV_EXIT_CONFIG, context, remediation, "%s", cause);
    free(context);
    return err;
}

static pv_error *missing_file_error(const char *path)
{
    char *remediation =
        pv_xasprintf("Create %s or pass --config; see docs/configuration.md.", path);
    pv_error *err = load_error(path, remediation, "Config file does not exist.");
    free(remediation);
    return err;
}

/* Reads the whole file; an error for stage 1 otherwise. */
static pv_error *read_file(const char *path, char **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return missing_file_error(path);
        return load_error(path, "Check file permissions and retry.",
                          "Config file could not be read.");
    }
    pv_strbuf sb = PV_STRBUF_INIT;
    struct stat st;
    bool ok = fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode);
    char chunk[65536];
    while (ok) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        pv_strbuf_append_len(&sb, chunk, (size_t)n);
    }
    close(fd);
    if (!ok) {
        pv_strbuf_free(&sb);
        return load_error(path, "Check file permissions and retry.",
                          "Config file could not be read.");
    }
    *len = sb.len;
    *buf = pv_strbuf_take(&sb);
    return NULL;
}

/* ---- stages 2 and 3: YAML ---- */

static pv_error *parse_error(const char *path, const char *remediation, const char *cause)
{
    char *context = pv_xasprintf("Parsing %s", path);
    pv_error *err = pv_error_new(PV_EXIT_CONFIG, context, remediation, "%s", cause);
    free(context);
    return err;
}

static pv_error *yaml_error(const char *path, pv_yaml_status status, const pv_yaml_problem *p)
{
    char *cause;
    const char *remediation = REMEDIATION_SYNTAX;
    if (status == PV_YAML_DUPLICATE) {
        cause = pv_xasprintf("Duplicate key '%s' at line %d, column %d.", p->dup_key, p->pos.line,
                             p->pos.column);
    } else if (status == PV_YAML_SYNTAX && p->pos.line > 0) {
        cause =
            pv_xasprintf("Invalid YAML syntax at line %d, column %d.", p->pos.line, p->pos.column);
    } else if (status == PV_YAML_SYNTAX) {
        cause = pv_xstrdup("Invalid YAML syntax.");
    } else { /* empty: stage 3 */
        cause = pv_xstrdup("Top-level config must be a mapping of keys to values.");
        remediation = "Start the file with `version: \"1.0\"`.";
    }
    pv_error *err = parse_error(path, remediation, cause);
    free(cause);
    return err;
}

/* ---- stages 4 and 5: version ---- */

/* `version: 1.0` written as a plain float: any decimal spelling of 1. */
static bool plain_float_one(const pv_yaml_node *v)
{
    if (!v->plain)
        return false;
    const char *s = v->text + (v->text[0] == '+');
    s += strspn(s, "0");
    if (strncmp(s, "1.", 2) != 0)
        return false;
    s += 2;
    return strspn(s, "0") == strlen(s);
}

static pv_error *check_version(const char *path, const pv_yaml_node *root, char **version)
{
    const pv_yaml_pair *pair = pv_yaml_lookup(root, "version");
    const pv_yaml_node *v = pair ? pair->value : NULL;
    if (!v || (v->kind == PV_YAML_SCALAR && v->null))
        return load_error(path, "Add `version: \"1.0\"` to the top of the file.",
                          "Missing required field 'version'.");
    if (v->kind != PV_YAML_SCALAR) /* not a string: reported by the schema stage */
        return NULL;
    if (strcmp(v->text, "1.0") == 0 || plain_float_one(v)) {
        *version = pv_xstrdup("1.0");
        return NULL;
    }
    char *context = pv_xasprintf("Loading %s", path);
    pv_error *err = pv_error_new(
        PV_EXIT_CONFIG, context,
        "Pin the engine to a matching major version or downgrade the config to version 1.0.",
        "Config version %s is not supported by engine v1.x.", v->text);
    free(context);
    return err;
}

/* ---- stage 6: schema ---- */

static pv_error *check_schema(const char *path, const pv_yaml_node *root, pv_config *cfg)
{
    pv_schema_ctx ctx = {PV_STRBUF_INIT, 0};
    pv_schema_root(&ctx, root, cfg);
    pv_error *err = NULL;
    if (ctx.n_errors) {
        char *context = pv_xasprintf("Validating %s", path);
        err = pv_error_new(PV_EXIT_CONFIG, context, REMEDIATION_SCHEMA,
                           "Config does not satisfy the schema:\n%s", ctx.lines.data);
        free(context);
    }
    pv_strbuf_free(&ctx.lines);
    return err;
}

/* ---- stage 7: ai_refine needs a connector; none ships ---- */

static pv_error *check_ai_refine(const pv_config *cfg)
{
    pv_strbuf paths = PV_STRBUF_INIT;
    for (size_t t = 0; t < cfg->n_tables; t++) {
        const pv_table_config *tc = &cfg->tables[t];
        for (size_t c = 0; c < tc->n_columns; c++) {
            const pv_column_rule *col = &tc->columns[c];
            if (col->action.kind != PV_ACT_AI_REFINE)
                continue;
            pv_strbuf_appendf(&paths, "%stables.%s.columns.%s (line %d, column %d)",
                              paths.len ? ", " : "", tc->id, col->name, col->action.action_pos.line,
                              col->action.action_pos.column);
        }
    }
    pv_error *err = NULL;
    if (paths.len)
        err = pv_error_new(PV_EXIT_CONFIG, "Validating ai_refine actions",
                           "Configure an LLM connector, or switch these columns to a Level-1/2 "
                           "action; " REMEDIATION_ACTIONS_DOC,
                           "Action 'ai_refine' requires an LLM connector, which is not configured: "
                           "%s",
                           paths.data);
    pv_strbuf_free(&paths);
    return err;
}

/* ---- stage 8: keyed actions need a key ---- */

static bool blank(const char *s)
{
    return !s || s[strspn(s, " \t\r\n\f\v")] == '\0';
}

static pv_error *check_keyed(const pv_config *cfg)
{
    if (!pv_config_uses_keyed_actions(cfg) || !blank(cfg->pseudonym_key) ||
        !blank(getenv("PSEUDONYM_KEY")))
        return NULL;
    return pv_error_new(PV_EXIT_SALT, "Validating pseudonym_key for keyed masking actions",
                        "Set pseudonym_key in mask-rules.yaml or export PSEUDONYM_KEY (minimum 32 "
                        "characters after resolution).",
                        "Columns use hmac_hash or pseudonym but no pseudonym_key is configured.");
}

/* ---- stage 9: providers exist ---- */

typedef struct provider_use {
    char *entry; /* "<table>.<column> -> <provider>" */
    pv_pos pos;
} provider_use;

typedef struct provider_uses {
    provider_use *items;
    size_t n, cap;
} provider_uses;

static bool uses_provider(pv_action_kind kind)
{
    return kind == PV_ACT_FAKE || kind == PV_ACT_PSEUDONYM;
}

static void note_unknown(provider_uses *u, const pv_action *a, const char *where)
{
    if (!uses_provider(a->kind) || !a->provider || pv_provider_exists(a->provider))
        return;
    if (u->n == u->cap) {
        u->cap = u->cap ? u->cap * 2 : 8;
        u->items = pv_xrealloc(u->items, u->cap * sizeof(*u->items));
    }
    u->items[u->n].entry = pv_xasprintf("%s -> %s", where, a->provider);
    u->items[u->n].pos = a->provider_pos;
    u->n++;
}

static int compare_uses(const void *a, const void *b)
{
    const provider_use *x = a, *y = b;
    int c = strcmp(x->entry, y->entry);
    if (c)
        return c;
    if (x->pos.line != y->pos.line)
        return x->pos.line < y->pos.line ? -1 : 1;
    return x->pos.column < y->pos.column ? -1 : x->pos.column > y->pos.column;
}

static void collect_unknown_providers(const pv_config *cfg, provider_uses *u)
{
    for (size_t t = 0; t < cfg->n_tables; t++) {
        const pv_table_config *tc = &cfg->tables[t];
        for (size_t c = 0; c < tc->n_columns; c++) {
            const pv_column_rule *col = &tc->columns[c];
            char *where = pv_xasprintf("%s.%s", tc->id, col->name);
            note_unknown(u, &col->action, where);
            for (size_t r = 0; r < col->action.n_rules; r++) {
                char *rule_where = pv_xasprintf("%s.rules.%zu", where, r);
                note_unknown(u, &col->action.rules[r].action, rule_where);
                free(rule_where);
            }
            free(where);
        }
    }
}

static pv_error *check_providers(const pv_config *cfg)
{
    provider_uses u = {NULL, 0, 0};
    collect_unknown_providers(cfg, &u);
    if (u.n == 0)
        return NULL;
    qsort(u.items, u.n, sizeof(*u.items), compare_uses);
    pv_strbuf list = PV_STRBUF_INIT;
    for (size_t i = 0; i < u.n; i++) {
        pv_strbuf_appendf(&list, "%s%s (line %d, column %d)", i ? "; " : "", u.items[i].entry,
                          u.items[i].pos.line, u.items[i].pos.column);
        free(u.items[i].entry);
    }
    free(u.items);
    pv_error *err = pv_error_new(PV_EXIT_CONFIG, "Validating fake provider names",
                                 "Use a built-in provider; " REMEDIATION_ACTIONS_DOC,
                                 "Unknown provider(s): %s", list.data);
    pv_strbuf_free(&list);
    return err;
}

/* ---- entry points ---- */

/* Stages 4–9 on a parsed document; fills `cfg`. */
static pv_error *validate_document(const char *path, const pv_yaml_node *root, pv_config *cfg)
{
    if (root->kind != PV_YAML_MAPPING)
        return yaml_error(path, PV_YAML_EMPTY, NULL);
    pv_error *err = check_version(path, root, &cfg->version);
    if (!err)
        err = check_schema(path, root, cfg);
    if (!err)
        err = check_ai_refine(cfg);
    if (!err)
        err = check_keyed(cfg);
    if (!err)
        err = check_providers(cfg);
    return err;
}

pv_error *pv_config_load_buffer(const char *path, const char *buf, size_t len, pv_config **out)
{
    *out = NULL;
    pv_yaml_doc *doc = NULL;
    pv_yaml_problem problem;
    pv_yaml_status status = pv_yaml_parse(buf, len, &doc, &problem);
    if (status != PV_YAML_OK) {
        pv_error *err = yaml_error(path, status, &problem);
        free(problem.dup_key);
        return err;
    }
    pv_config *cfg = pv_xcalloc(1, sizeof(*cfg));
    cfg->path = pv_xstrdup(path);
    pv_error *err = validate_document(path, pv_yaml_root(doc), cfg);
    pv_yaml_free(doc);
    if (err) {
        pv_config_free(cfg);
        return err;
    }
    *out = cfg;
    return NULL;
}

pv_error *pv_config_load(const char *path, pv_config **out)
{
    *out = NULL;
    char *buf = NULL;
    size_t len = 0;
    pv_error *err = read_file(path, &buf, &len);
    if (err)
        return err;
    err = pv_config_load_buffer(path, buf, len, out);
    free(buf);
    return err;
}

static void table_clear(pv_table_config *t)
{
    free(t->id);
    for (size_t c = 0; c < t->n_columns; c++) {
        free(t->columns[c].name);
        pv_action_clear(&t->columns[c].action);
    }
    free(t->columns);
}

void pv_config_free(pv_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->path);
    free(cfg->version);
    /* the references may be literal secrets: wipe them */
    pv_free_secret(cfg->global_salt);
    pv_free_secret(cfg->pseudonym_key);
    pv_strlist_clear(&cfg->implied_fk_ignore);
    for (size_t t = 0; t < cfg->n_tables; t++)
        table_clear(&cfg->tables[t]);
    free(cfg->tables);
    for (size_t r = 0; r < cfg->subset.n_roots; r++) {
        free(cfg->subset.roots[r].table_id);
        free(cfg->subset.roots[r].where);
    }
    free(cfg->subset.roots);
    free(cfg);
}

/* ---- lookups and names ---- */

const pv_table_config *pv_config_table(const pv_config *cfg, const char *table_id)
{
    for (size_t i = 0; cfg && i < cfg->n_tables; i++)
        if (strcmp(cfg->tables[i].id, table_id) == 0)
            return &cfg->tables[i];
    return NULL;
}

const pv_column_rule *pv_config_column(const pv_table_config *t, const char *column)
{
    for (size_t i = 0; t && i < t->n_columns; i++)
        if (strcmp(t->columns[i].name, column) == 0)
            return &t->columns[i];
    return NULL;
}

const char *pv_action_name(pv_action_kind kind)
{
    static const char *const names[] = {
        [PV_ACT_FAKE] = "fake",           [PV_ACT_REGEX_MASK] = "regex_mask",
        [PV_ACT_HASH] = "hash",           [PV_ACT_HMAC_HASH] = "hmac_hash",
        [PV_ACT_PSEUDONYM] = "pseudonym", [PV_ACT_PASSTHROUGH] = "passthrough",
        [PV_ACT_NULL] = "null",           [PV_ACT_STATIC] = "static",
        [PV_ACT_NER_MASK] = "ner_mask",   [PV_ACT_AI_REFINE] = "ai_refine",
        [PV_ACT_JSON_MASK] = "json_mask", [PV_ACT_REMOVE] = "remove",
    };
    if ((unsigned)kind < sizeof(names) / sizeof(names[0]) && names[kind])
        return names[kind];
    return "unknown";
}

const char *pv_strategy_name(pv_strategy s)
{
    static const char *const names[] = {
        [PV_STRATEGY_TRANSFORM] = "transform",
        [PV_STRATEGY_EXCLUDE] = "exclude",
        [PV_STRATEGY_EMPTY] = "empty",
        [PV_STRATEGY_TRUNCATE] = "truncate",
    };
    if ((unsigned)s < sizeof(names) / sizeof(names[0]))
        return names[s];
    return "unknown";
}

const char *pv_on_existing_name(pv_on_existing e)
{
    static const char *const names[] = {
        [PV_EXISTING_FAIL] = "fail",
        [PV_EXISTING_TRUNCATE] = "truncate",
        [PV_EXISTING_DROP_CREATE] = "drop_create",
    };
    if ((unsigned)e < sizeof(names) / sizeof(names[0]))
        return names[e];
    return "unknown";
}

static bool keyed(pv_action_kind kind)
{
    return kind == PV_ACT_HMAC_HASH || kind == PV_ACT_PSEUDONYM;
}

bool pv_config_uses_keyed_actions(const pv_config *cfg)
{
    for (size_t t = 0; cfg && t < cfg->n_tables; t++) {
        const pv_table_config *tc = &cfg->tables[t];
        for (size_t c = 0; c < tc->n_columns; c++) {
            const pv_action *a = &tc->columns[c].action;
            if (keyed(a->kind))
                return true;
            for (size_t r = 0; r < a->n_rules; r++)
                if (keyed(a->rules[r].action.kind))
                    return true;
        }
    }
    return false;
}
