/*
 * schema.c — the JSON Schema of mask-rules.yaml (spec/config.md §10).
 *
 * The schema is for editors and CI linters; the loader is the authority.
 * The two must agree on structure (keys, types, enums, required keys,
 * minimum bounds), which tests/integration/test_schema_agreement.py checks
 * against a corpus. Checks only the validator can make (regex compilation,
 * provider existence, `append`, …) are deliberately absent here.
 *
 * Shape follows the original's pydantic export: root titled "Config",
 * `$defs` per action with the `action` tag as a const and a discriminated
 * `oneOf` for column actions.
 */
#include "config/config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define DEFS_PREFIX "#/$defs/"

/* The `schema.table` rule of config.md §3: rightmost dot, both parts non-empty. */
static const char TABLE_KEY_PATTERN[] = "^.+\\.[^.]+$";

/* ---------------------------------------------------------------- small builders */

static json_t *typed(const char *type)
{
    return json_pack("{s:s}", "type", type);
}

static json_t *with_default(json_t *schema, json_t *def)
{
    json_object_set_new(schema, "default", def);
    return schema;
}

static json_t *ref(const char *def_name)
{
    char buf[96];
    snprintf(buf, sizeof(buf), DEFS_PREFIX "%s", def_name);
    return json_pack("{s:s}", "$ref", buf);
}

static json_t *string_array(const char *const *items)
{
    json_t *arr = json_array();
    for (size_t i = 0; items && items[i]; i++)
        json_array_append_new(arr, json_string(items[i]));
    return arr;
}

static json_t *string_list_schema(const char *const *defaults)
{
    json_t *s = json_pack("{s:s,s:o}", "type", "array", "items", typed("string"));
    return with_default(s, string_array(defaults));
}

static json_t *enum_schema(const char *const *values, const char *def)
{
    json_t *s = json_pack("{s:s,s:o}", "type", "string", "enum", string_array(values));
    return with_default(s, json_string(def));
}

static json_t *bool_schema(bool def)
{
    return with_default(typed("boolean"), json_boolean(def));
}

/* Strictly positive integers (batch sizes); `minimum` mirrors the validator. */
static json_t *positive_int_schema(void)
{
    return json_pack("{s:s,s:i}", "type", "integer", "minimum", 1);
}

/*
 * Optional keys whose explicit YAML null means "not set" in the validator
 * (pydantic's Optional[...] = None in the original): `schema` or null.
 */
static json_t *nullable(json_t *schema)
{
    json_t *s = json_pack("{s:[o,o]}", "anyOf", schema, typed("null"));
    return with_default(s, json_null());
}

static json_t *nullable_string_schema(void)
{
    return nullable(typed("string"));
}

/* A map string → string (`params`). */
static json_t *string_map_schema(void)
{
    json_t *s = json_pack("{s:s,s:o}", "type", "object", "additionalProperties", typed("string"));
    return with_default(s, json_object());
}

/* An object that allows exactly `props`, of which `required` are mandatory. */
static json_t *closed_object(const char *title, json_t *props, const char *const *required)
{
    json_t *s = json_pack("{s:s,s:s,s:b,s:o}", "title", title, "type", "object",
                          "additionalProperties", 0, "properties", props);
    if (required && required[0])
        json_object_set_new(s, "required", string_array(required));
    return s;
}

/* ---------------------------------------------------------------- actions */

typedef struct action_def {
    const char *tag;
    const char *def_name;  /* column action def; NULL for `remove` */
    const char *rule_name; /* json_mask rule def; NULL when it cannot nest */
    void (*add_keys)(json_t *props);
    const char *const *required; /* besides `action` */
} action_def;

static void keys_none(json_t *props)
{
    (void)props;
}

static void keys_fake(json_t *props)
{
    json_object_set_new(props, "provider", typed("string"));
    json_object_set_new(props, "seed_alias", nullable_string_schema());
    json_object_set_new(props, "params", string_map_schema());
}

static void keys_regex_mask(json_t *props)
{
    json_object_set_new(props, "pattern", typed("string"));
    json_object_set_new(props, "replace", typed("string"));
    /* Flag names are case-insensitive, so their set is a validator check. */
    json_object_set_new(props, "flags", string_list_schema(NULL));
}

static void keys_hmac_hash(json_t *props)
{
    static const char *const encodings[] = {"hex", "base64url", NULL};
    json_object_set_new(props, "encoding", enum_schema(encodings, "hex"));
}

static void keys_static(json_t *props)
{
    json_object_set_new(props, "value", typed("string"));
}

static void keys_ner_mask(json_t *props)
{
    static const char *const entities[] = {"PERSON", "ORG", "GPE", "LOC", NULL};
    json_object_set_new(props, "entities", string_list_schema(entities));
}

static void keys_ai_refine(json_t *props)
{
    json_object_set_new(props, "provider", typed("string"));
    json_object_set_new(props, "model", typed("string"));
    json_object_set_new(props, "params", string_map_schema());
}

static void keys_json_mask(json_t *props)
{
    static const char *const on_invalid[] = {"fail", "passthrough", NULL};
    json_t *rules =
        json_pack("{s:s,s:i,s:o}", "type", "array", "minItems", 1, "items", ref("JsonMaskRule"));
    json_object_set_new(props, "rules", rules);
    json_object_set_new(props, "on_invalid", enum_schema(on_invalid, "fail"));
}

static const char *const REQ_NONE[] = {NULL};
static const char *const REQ_PROVIDER[] = {"provider", NULL};
static const char *const REQ_REGEX[] = {"pattern", "replace", NULL};
static const char *const REQ_STATIC[] = {"value", NULL};
static const char *const REQ_AI[] = {"provider", "model", NULL};
static const char *const REQ_RULES[] = {"rules", NULL};

/* Order = the tag order of config.md §5's "expected tags" message. */
static const action_def ACTIONS[] = {
    {"fake", "FakeAction", "JsonMaskFakeRule", keys_fake, REQ_PROVIDER},
    {"regex_mask", "RegexMaskAction", "JsonMaskRegexMaskRule", keys_regex_mask, REQ_REGEX},
    {"hash", "HashAction", "JsonMaskHashRule", keys_none, REQ_NONE},
    {"hmac_hash", "HmacHashAction", "JsonMaskHmacHashRule", keys_hmac_hash, REQ_NONE},
    {"pseudonym", "PseudonymAction", "JsonMaskPseudonymRule", keys_fake, REQ_PROVIDER},
    {"passthrough", "PassthroughAction", "JsonMaskPassthroughRule", keys_none, REQ_NONE},
    {"null", "NullAction", "JsonMaskNullRule", keys_none, REQ_NONE},
    {"static", "StaticAction", "JsonMaskStaticRule", keys_static, REQ_STATIC},
    {"ner_mask", "NerMaskAction", "JsonMaskNerMaskRule", keys_ner_mask, REQ_NONE},
    {"ai_refine", "AiRefineAction", NULL, keys_ai_refine, REQ_AI},
    {"json_mask", "JsonMaskAction", NULL, keys_json_mask, REQ_RULES},
    {"remove", NULL, "JsonMaskRemoveRule", keys_none, REQ_NONE},
};
#define N_ACTIONS (sizeof(ACTIONS) / sizeof(ACTIONS[0]))

/* `required` = "action", then (for json_mask rules) "path", then the action's own. */
static json_t *required_list(const action_def *a, bool with_path)
{
    json_t *req = json_array();
    json_array_append_new(req, json_string("action"));
    if (with_path)
        json_array_append_new(req, json_string("path"));
    for (size_t i = 0; a->required[i]; i++)
        json_array_append_new(req, json_string(a->required[i]));
    return req;
}

/* One action (or json_mask rule, when `with_path`) definition. */
static json_t *action_schema(const action_def *a, const char *title, bool with_path)
{
    json_t *props = json_object();
    json_object_set_new(props, "action", json_pack("{s:s}", "const", a->tag));
    if (with_path)
        json_object_set_new(props, "path", typed("string"));
    a->add_keys(props);
    json_t *s = closed_object(title, props, NULL);
    json_object_set_new(s, "required", required_list(a, with_path));
    return s;
}

/*
 * A discriminated union over the defs named by `pick` (column actions or
 * json_mask rules). JSON Schema validators ignore `discriminator`, and the
 * `action` consts make the `oneOf` branches mutually exclusive anyway; the
 * discriminator is there for OpenAPI-style tooling, as in the original.
 */
static json_t *action_union(const char *(*pick)(const action_def *))
{
    json_t *one_of = json_array();
    json_t *mapping = json_object();
    for (size_t i = 0; i < N_ACTIONS; i++) {
        const char *name = pick(&ACTIONS[i]);
        if (!name)
            continue;
        json_t *r = ref(name);
        json_object_set(mapping, ACTIONS[i].tag, json_object_get(r, "$ref"));
        json_array_append_new(one_of, r);
    }
    return json_pack("{s:o,s:{s:s,s:o}}", "oneOf", one_of, "discriminator", "propertyName",
                     "action", "mapping", mapping);
}

static const char *pick_column_def(const action_def *a)
{
    return a->def_name;
}

static const char *pick_rule_def(const action_def *a)
{
    return a->rule_name;
}

static void add_action_defs(json_t *defs)
{
    for (size_t i = 0; i < N_ACTIONS; i++) {
        const action_def *a = &ACTIONS[i];
        if (a->def_name)
            json_object_set_new(defs, a->def_name, action_schema(a, a->def_name, false));
        if (a->rule_name)
            json_object_set_new(defs, a->rule_name, action_schema(a, a->rule_name, true));
    }
    json_t *rule = action_union(pick_rule_def);
    json_object_set_new(rule, "title", json_string("JsonMaskRule"));
    json_object_set_new(defs, "JsonMaskRule", rule);
}

/* ---------------------------------------------------------------- tables, subset */

static json_t *table_key_names(void)
{
    return json_pack("{s:s}", "pattern", TABLE_KEY_PATTERN);
}

static json_t *table_config_schema(void)
{
    static const char *const strategies[] = {"transform", "exclude", "empty", "truncate", NULL};
    json_t *columns = json_pack("{s:s,s:o}", "type", "object", "additionalProperties",
                                action_union(pick_column_def));
    json_t *props = json_object();
    json_object_set_new(props, "strategy", enum_schema(strategies, "transform"));
    json_object_set_new(props, "columns", with_default(columns, json_object()));
    /* null (the default) inherits the global batch size. */
    json_object_set_new(props, "batch_size", nullable(positive_int_schema()));
    json_object_set_new(props, "null_orphan_fks", bool_schema(false));
    return closed_object("TableConfig", props, NULL);
}

/* A root predicate: `id: "expr"` or the long form `id: {where: "expr"}`. */
static json_t *subset_root_schema(void)
{
    static const char *const req[] = {"where", NULL};
    json_t *long_form =
        json_pack("{s:s,s:b,s:{s:o},s:o}", "type", "object", "additionalProperties", 0,
                  "properties", "where", typed("string"), "required", string_array(req));
    return json_pack("{s:[o,o]}", "anyOf", typed("string"), long_form);
}

static json_t *subset_config_schema(void)
{
    static const char *const outside[] = {"empty", "exclude", NULL};
    static const char *const req[] = {"roots", NULL};
    json_t *roots =
        json_pack("{s:s,s:i,s:o,s:o}", "type", "object", "minProperties", 1, "propertyNames",
                  table_key_names(), "additionalProperties", subset_root_schema());
    json_t *props = json_object();
    json_object_set_new(props, "roots", roots);
    json_object_set_new(props, "outside_closure", enum_schema(outside, "empty"));
    return closed_object("SubsetConfig", props, req);
}

/* ---------------------------------------------------------------- root */

static json_t *root_properties(void)
{
    static const char *const on_existing[] = {"fail", "truncate", "drop_create", "append", NULL};
    static const char *const libraries[] = {"standard", "classic", NULL};
    json_t *tables = json_pack("{s:s,s:o,s:o}", "type", "object", "propertyNames",
                               table_key_names(), "additionalProperties", ref("TableConfig"));
    json_t *p = json_object();
    json_object_set_new(p, "version", typed("string"));
    json_object_set_new(p, "global_salt", nullable_string_schema());
    json_object_set_new(p, "pseudonym_key", nullable_string_schema());
    /* `append` parses; rejecting it is a validator-only check (config.md §10). */
    json_object_set_new(p, "on_existing_data", enum_schema(on_existing, "fail"));
    json_object_set_new(p, "strict_autodetect", bool_schema(false));
    json_object_set_new(p, "replicate_all_indexes", bool_schema(false));
    json_object_set_new(p, "batch_size", with_default(positive_int_schema(), json_integer(10000)));
    json_object_set_new(p, "audit_log", bool_schema(true));
    json_object_set_new(p, "auto_detect", bool_schema(true));
    json_object_set_new(p, "faker_library", enum_schema(libraries, "standard"));
    json_object_set_new(p, "implied_fk_ignore", string_list_schema(NULL));
    json_object_set_new(p, "tables", with_default(tables, json_object()));
    json_object_set_new(p, "subset", nullable(ref("SubsetConfig")));
    return p;
}

json_t *pv_config_json_schema(void)
{
    static const char *const req[] = {"version", NULL};
    json_t *defs = json_object();
    json_object_set_new(defs, "TableConfig", table_config_schema());
    json_object_set_new(defs, "SubsetConfig", subset_config_schema());
    add_action_defs(defs);

    json_t *root = closed_object("Config", root_properties(), req);
    json_object_set_new(root, "$schema",
                        json_string("https://json-schema.org/draft/2020-12/schema"));
    json_object_set_new(root, "$defs", defs);
    return root;
}
