/*
 * canonical.c — the canonical JSON of a validated config and its
 * config_hash (spec/config.md §11).
 *
 * The hash decides whether `resume` may continue a run, so the rendering is
 * a compatibility contract: every key is present with its default (a
 * default written out explicitly hashes like an omitted one), and the
 * shape matches the original tool's model dump so the spec's test vectors
 * hold. Two deliberate exceptions keep old hashes stable while new keys
 * still count: `subset` appears only when set and `faker_library` only
 * when it is not `standard`.
 */
#include "config/config.h"

#include "util/canonjson.h"
#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

/*
 * Config text is UTF-8 by the time it gets here, but the hash must never
 * silently drop a key: should a string not be valid UTF-8, it is kept
 * unchecked and the serializer renders the bad bytes as U+FFFD.
 */
static json_t *text(const char *s)
{
    if (!s)
        return json_null();
    json_t *v = json_string(s);
    return v ? v : json_stringn_nocheck(s, strlen(s));
}

/* Keys taken from the file (table ids, column and param names). */
static void set_file_key(json_t *obj, const char *key, json_t *value)
{
    json_object_set_new_nocheck(obj, key, value);
}

static json_t *string_list(const pv_strlist *list)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < list->count; i++)
        json_array_append_new(arr, text(list->items[i]));
    return arr;
}

/* params is a mapping in the file; the loader already rejected duplicates. */
static json_t *params_object(const pv_kv *params, size_t n)
{
    json_t *obj = json_object();
    for (size_t i = 0; i < n; i++)
        set_file_key(obj, params[i].key, text(params[i].value));
    return obj;
}

/* A secret reference is hashed as written, never resolved (config.md §11). */
static json_t *secret_reference(const char *raw)
{
    if (!raw)
        return json_null();
    return json_pack("{s:o}", "_value", text(raw));
}

static const char *hmac_encoding_name(pv_hmac_encoding e)
{
    return e == PV_HMAC_BASE64URL ? "base64url" : "hex";
}

static const char *on_invalid_name(pv_on_invalid o)
{
    return o == PV_ON_INVALID_PASSTHROUGH ? "passthrough" : "fail";
}

static void add_action_keys(json_t *obj, const pv_action *a);

/* A json_mask rule: its path plus the inner action's own keys. */
static json_t *json_rule_object(const pv_json_rule *rule)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "path", text(rule->path));
    add_action_keys(obj, &rule->action);
    return obj;
}

static json_t *json_rules_array(const pv_action *a)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < a->n_rules; i++)
        json_array_append_new(arr, json_rule_object(&a->rules[i]));
    return arr;
}

/* `remove` exists only inside json_mask; the generic name table may lack it. */
static const char *action_tag(pv_action_kind kind)
{
    return kind == PV_ACT_REMOVE ? "remove" : pv_action_name(kind);
}

/*
 * Every key an action can carry, defaults included, so that writing a
 * default explicitly does not change the hash.
 */
static void add_action_keys(json_t *obj, const pv_action *a)
{
    json_object_set_new(obj, "action", json_string(action_tag(a->kind)));
    switch (a->kind) {
    case PV_ACT_FAKE:
    case PV_ACT_PSEUDONYM:
        json_object_set_new(obj, "provider", text(a->provider));
        json_object_set_new(obj, "seed_alias", text(a->seed_alias));
        json_object_set_new(obj, "params", params_object(a->params, a->n_params));
        break;
    case PV_ACT_REGEX_MASK:
        json_object_set_new(obj, "pattern", text(a->pattern));
        json_object_set_new(obj, "replace", text(a->replace));
        json_object_set_new(obj, "flags", string_list(&a->flags));
        break;
    case PV_ACT_HMAC_HASH:
        json_object_set_new(obj, "encoding", json_string(hmac_encoding_name(a->encoding)));
        break;
    case PV_ACT_STATIC:
        json_object_set_new(obj, "value", text(a->value));
        break;
    case PV_ACT_NER_MASK:
        json_object_set_new(obj, "entities", string_list(&a->entities));
        break;
    case PV_ACT_AI_REFINE:
        json_object_set_new(obj, "provider", text(a->provider));
        json_object_set_new(obj, "model", text(a->model));
        json_object_set_new(obj, "params", params_object(a->params, a->n_params));
        break;
    case PV_ACT_JSON_MASK:
        json_object_set_new(obj, "rules", json_rules_array(a));
        json_object_set_new(obj, "on_invalid", json_string(on_invalid_name(a->on_invalid)));
        break;
    case PV_ACT_HASH:
    case PV_ACT_PASSTHROUGH:
    case PV_ACT_NULL:
    case PV_ACT_REMOVE:
        break;
    }
}

static json_t *table_object(const pv_table_config *t)
{
    json_t *columns = json_object();
    for (size_t i = 0; i < t->n_columns; i++) {
        json_t *action = json_object();
        add_action_keys(action, &t->columns[i].action);
        set_file_key(columns, t->columns[i].name, action);
    }
    json_t *obj = json_object();
    /* 0 means "inherit the global batch size", which the original wrote as null. */
    json_object_set_new(obj, "batch_size",
                        t->batch_size > 0 ? json_integer(t->batch_size) : json_null());
    json_object_set_new(obj, "columns", columns);
    json_object_set_new(obj, "null_orphan_fks", json_boolean(t->null_orphan_fks));
    json_object_set_new(obj, "strategy", json_string(pv_strategy_name(t->strategy)));
    return obj;
}

static json_t *tables_object(const pv_config *cfg)
{
    json_t *obj = json_object();
    for (size_t i = 0; i < cfg->n_tables; i++)
        set_file_key(obj, cfg->tables[i].id, table_object(&cfg->tables[i]));
    return obj;
}

/* Roots are always in long form, so `id: "x"` and `id: {where: "x"}` hash alike. */
static json_t *subset_object(const pv_subset *s)
{
    json_t *roots = json_object();
    for (size_t i = 0; i < s->n_roots; i++)
        set_file_key(roots, s->roots[i].table_id,
                     json_pack("{s:o}", "where", text(s->roots[i].where)));
    return json_pack("{s:o,s:s}", "roots", roots, "outside_closure",
                     s->outside_exclude ? "exclude" : "empty");
}

json_t *pv_config_canonical_json(const pv_config *cfg)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "audit_log", json_boolean(cfg->audit_log));
    json_object_set_new(obj, "auto_detect", json_boolean(cfg->auto_detect));
    json_object_set_new(obj, "batch_size", json_integer(cfg->batch_size));
    json_object_set_new(obj, "global_salt", secret_reference(cfg->global_salt));
    json_object_set_new(obj, "implied_fk_ignore", string_list(&cfg->implied_fk_ignore));
    json_object_set_new(obj, "on_existing_data",
                        json_string(pv_on_existing_name(cfg->on_existing_data)));
    json_object_set_new(obj, "pseudonym_key", secret_reference(cfg->pseudonym_key));
    json_object_set_new(obj, "replicate_all_indexes", json_boolean(cfg->replicate_all_indexes));
    json_object_set_new(obj, "strict_autodetect", json_boolean(cfg->strict_autodetect));
    json_object_set_new(obj, "tables", tables_object(cfg));
    json_object_set_new(obj, "version", text(cfg->version));
    if (cfg->faker_library != PV_LIBRARY_STANDARD)
        json_object_set_new(obj, "faker_library", json_string("classic"));
    if (cfg->subset.set)
        json_object_set_new(obj, "subset", subset_object(&cfg->subset));
    return obj;
}

char *pv_config_canonical_text(const pv_config *cfg)
{
    json_t *obj = pv_config_canonical_json(cfg);
    char *canon = pv_canonjson_dump(obj);
    json_decref(obj);
    return canon;
}

void pv_config_hash(const pv_config *cfg, char out[65])
{
    char *canon = pv_config_canonical_text(cfg);
    pv_sha256_hex(canon, strlen(canon), out);
    free(canon);
}
