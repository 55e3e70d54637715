/*
 * config.h — the validated, fully defaulted mask-rules.yaml (spec/config.md).
 *
 * pv_config_load runs the load-time stages of config.md §9.1 in order and
 * returns either a typed config or one error (exit 3, or 4 for a keyed
 * action without a key). Every node keeps its 1-based source position so
 * later stages (pre-flight, §9.2) can name "(line L, column C)".
 *
 * Ownership: everything hangs off the pv_config and is released by
 * pv_config_free. Strings are NUL-terminated UTF-8.
 */
#ifndef PRIVACI_CONFIG_CONFIG_H
#define PRIVACI_CONFIG_CONFIG_H

#include "util/error.h"
#include "util/strlist.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pv_pos {
    int line;   /* 1-based; 0 when unknown */
    int column; /* 1-based; 0 when unknown */
} pv_pos;

typedef enum {
    PV_ACT_FAKE,
    PV_ACT_REGEX_MASK,
    PV_ACT_HASH,
    PV_ACT_HMAC_HASH,
    PV_ACT_PSEUDONYM,
    PV_ACT_PASSTHROUGH,
    PV_ACT_NULL,
    PV_ACT_STATIC,
    PV_ACT_NER_MASK,
    PV_ACT_AI_REFINE,
    PV_ACT_JSON_MASK,
    PV_ACT_REMOVE, /* json_mask inner rules only */
} pv_action_kind;

typedef enum {
    PV_STRATEGY_TRANSFORM,
    PV_STRATEGY_EXCLUDE,
    PV_STRATEGY_EMPTY,
    PV_STRATEGY_TRUNCATE,
} pv_strategy;

typedef enum {
    PV_EXISTING_FAIL,
    PV_EXISTING_TRUNCATE,
    PV_EXISTING_DROP_CREATE,
} pv_on_existing;

typedef enum {
    PV_LIBRARY_STANDARD,
    PV_LIBRARY_CLASSIC,
} pv_faker_library;

typedef enum {
    PV_HMAC_HEX,
    PV_HMAC_BASE64URL,
} pv_hmac_encoding;

typedef enum {
    PV_ON_INVALID_FAIL,
    PV_ON_INVALID_PASSTHROUGH,
} pv_on_invalid;

typedef struct pv_kv {
    char *key;
    char *value;
} pv_kv;

typedef struct pv_json_rule pv_json_rule;

/* One column action; only the fields of its kind are meaningful. */
typedef struct pv_action {
    pv_action_kind kind;
    pv_pos pos;        /* the action mapping */
    pv_pos action_pos; /* the `action:` value */

    /* fake, pseudonym, ai_refine */
    char *provider;
    pv_pos provider_pos;
    /* fake, pseudonym */
    char *seed_alias; /* NULL = none */
    /* fake, pseudonym, ai_refine: in file order */
    pv_kv *params;
    size_t n_params;

    /* regex_mask */
    char *pattern;
    char *replace;
    pv_strlist flags;    /* as written */
    uint32_t pcre2_opts; /* PCRE2 compile options derived from flags */

    /* hmac_hash */
    pv_hmac_encoding encoding;

    /* static */
    char *value;

    /* ner_mask: defaults to PERSON, ORG, GPE, LOC */
    pv_strlist entities;

    /* ai_refine */
    char *model;

    /* json_mask */
    pv_json_rule *rules;
    size_t n_rules;
    pv_on_invalid on_invalid;
} pv_action;

struct pv_json_rule {
    char *path;
    pv_pos path_pos;
    pv_action action; /* any inner action, or PV_ACT_REMOVE */
};

typedef struct pv_column_rule {
    char *name;
    pv_pos pos; /* the column key */
    pv_action action;
} pv_column_rule;

typedef struct pv_table_config {
    char *id; /* "schema.table" as written */
    pv_pos pos;
    pv_strategy strategy;
    int64_t batch_size; /* 0 = inherit the global one */
    bool null_orphan_fks;
    pv_column_rule *columns; /* in file order */
    size_t n_columns;
} pv_table_config;

typedef struct pv_subset_root {
    char *table_id;
    pv_pos pos;
    char *where;
} pv_subset_root;

typedef struct pv_subset {
    bool set;
    pv_pos pos; /* the `subset` key */
    pv_subset_root *roots;
    size_t n_roots;
    bool outside_exclude; /* outside_closure: exclude (default empty) */
} pv_subset;

typedef struct pv_config {
    char *path;
    char *version;
    char *global_salt;   /* raw reference, trimmed; NULL when blank/absent */
    char *pseudonym_key; /* idem */
    pv_on_existing on_existing_data;
    bool strict_autodetect;
    bool replicate_all_indexes;
    int64_t batch_size;
    bool audit_log;
    bool auto_detect;
    pv_faker_library faker_library;
    pv_strlist implied_fk_ignore;
    pv_table_config *tables; /* in file order */
    size_t n_tables;
    pv_subset subset;
} pv_config;

/* Loads and validates the file at `path` (stages 1–9 of config.md §9.1). */
pv_error *pv_config_load(const char *path, pv_config **out);
/*
 * Same, from memory; `path` is only used in messages. `buf` need not be
 * NUL-terminated and may hold any bytes: the loader never reads past `len`
 * and frees everything on every error path (fuzzed by fuzz/fuzz_config.c).
 */
pv_error *pv_config_load_buffer(const char *path, const char *buf, size_t len, pv_config **out);
void pv_config_free(pv_config *cfg);

/* Lookup helpers (NULL when absent). */
const pv_table_config *pv_config_table(const pv_config *cfg, const char *table_id);
const pv_column_rule *pv_config_column(const pv_table_config *t, const char *column);

/* Names: "fake", "transform", "fail", … */
const char *pv_action_name(pv_action_kind kind);
const char *pv_strategy_name(pv_strategy s);
const char *pv_on_existing_name(pv_on_existing e);

/* The value of `params.<key>` of a fake/pseudonym/ai_refine action, or NULL when absent. */
const char *pv_action_param(const pv_action *a, const char *key);

/* True when some column (or json_mask rule) uses hmac_hash or pseudonym. */
bool pv_config_uses_keyed_actions(const pv_config *cfg);

/*
 * Canonical JSON (config.md §11) as a jansson object: every key present with
 * its default, the secret references as {"_value": …} or null.
 */
json_t *pv_config_canonical_json(const pv_config *cfg);
/* Its serialization (sorted keys, no spaces, \uXXXX lowercase). Caller frees. */
char *pv_config_canonical_text(const pv_config *cfg);
/* hex(SHA-256(canonical text)), 64 hex + NUL. */
void pv_config_hash(const pv_config *cfg, char out[65]);

/* The JSON Schema of mask-rules.yaml (config.md §10). Caller decrefs. */
json_t *pv_config_json_schema(void);

/*
 * The built-in provider names (masking.md §8.1), NULL-terminated, and
 * whether a name is a known provider: built-in or a custom data-file
 * provider found under PRIVACI_PROVIDERS_PATH / $PRIVACI_DATA_DIR/providers.
 */
extern const char *const pv_builtin_providers[];
bool pv_provider_exists(const char *name);

#endif
