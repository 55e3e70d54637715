/*
 * Unit tests for src/config: the mask-rules.yaml loader (config.md §1–§9.1).
 *
 * The bad configs are one table: each case gives the YAML, the exit code and
 * the exact Context and Cause (positions included), and runs as its own
 * cmocka test. Good configs check the typed values and defaults, anchors,
 * merge keys, lenient scalars and the environment-dependent stage 8. The
 * regex, template and JSONPath helpers are tested directly, and a
 * deterministic mutation loop feeds the loader hostile bytes (meant to run
 * under ASan: no crash, no leak, no read past `len`).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config/config.h"
#include "config/jsonpath.h"
#include "config/regex.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH   "cfg.yaml"
#define SCHEMA "Config does not satisfy the schema:\n"
#define V      "version: \"1.0\"\n"
#define T      "tables:\n  public.users:\n    columns:\n"

#define CTX_LOAD     "Loading " PATH
#define CTX_PARSE    "Parsing " PATH
#define CTX_VALIDATE "Validating " PATH

#define TAGS                                                                                       \
    "'fake', 'regex_mask', 'hash', 'hmac_hash', 'pseudonym', 'passthrough', 'null', 'static', "    \
    "'ner_mask', 'ai_refine', 'json_mask'"
#define RULE_TAGS                                                                                  \
    "'fake', 'regex_mask', 'hash', 'hmac_hash', 'pseudonym', 'passthrough', 'null', 'static', "    \
    "'ner_mask', 'remove'"

typedef struct bad_case {
    const char *name;
    const char *yaml;
    int exit_code;
    const char *context;
    const char *cause;
    const char *remediation; /* NULL: not checked by this case */
} bad_case;

/* clang-format off */
static const bad_case BAD[] = {
    /* ---- stage 2: syntax, documents, aliases, duplicates ---- */
    {"syntax_unclosed_flow", V "tables: [1, 2\n", 3, CTX_PARSE,
     "Invalid YAML syntax at line 3, column 1.", "Fix the YAML syntax and retry."},
    {"syntax_unclosed_quote", V "global_salt: \"abc\n", 3, CTX_PARSE,
     "Invalid YAML syntax at line 2, column 15.", NULL},
    {"syntax_nested_same_line", "version: a: b\n", 3, CTX_PARSE,
     "Invalid YAML syntax at line 1, column 11.", NULL},
    {"two_documents", V "---\n" V, 3, CTX_PARSE,
     "Invalid YAML syntax at line 2, column 1.", NULL},
    {"implicit_second_document", V "...\nbatch_size: 5\n", 3, CTX_PARSE,
     "Invalid YAML syntax at line 3, column 1.", NULL},
    {"invalid_utf8", V "global_salt: \"caf\xc3\"\n", 3, CTX_PARSE,
     "Invalid YAML syntax at line 2, column 18.", NULL},
    {"undefined_alias", V "batch_size: *nope\n", 3, CTX_PARSE,
     "Invalid YAML syntax at line 2, column 13.", NULL},
    {"recursive_alias", V "implied_fk_ignore: &x [*x]\n", 3, CTX_PARSE,
     "Invalid YAML syntax at line 2, column 24.", NULL},
    /* a libfyaml 0.7.12 crash (found by fuzzing) is a plain syntax error here */
    {"explicit_key_tab_before_indicator", "? x:\t?\n", 3, CTX_PARSE,
     "Invalid YAML syntax at line 1, column 5.", NULL},
    {"inline_explicit_key_tab", ": : ? v1:\t- x\n", 3, CTX_PARSE,
     "Invalid YAML syntax at line 1, column 10.", NULL},
    {"explicit_key_tab_after_quote_char", "? p{'x:\t- y\n", 3, CTX_PARSE,
     "Invalid YAML syntax at line 1, column 8.", NULL},
    {"explicit_key_tab_before_flow", V "tables:\n  ? a.b::\t  ?{x}\n", 3, CTX_PARSE,
     "Invalid YAML syntax at line 3, column 10.", NULL},
    {"merge_of_scalar", V "tables:\n  a.b:\n    <<: 5\n", 3, CTX_PARSE,
     "Invalid YAML syntax at line 4, column 9.", NULL},
    {"duplicate_top_level_key", V "batch_size: 1\nbatch_size: 2\n", 3, CTX_PARSE,
     "Duplicate key 'batch_size' at line 3, column 1.", "Fix the YAML syntax and retry."},
    {"duplicate_nested_key", V T "      email: {action: hash, action: null}\n", 3, CTX_PARSE,
     "Duplicate key 'action' at line 5, column 29.", NULL},
    {"duplicate_quoted_and_plain", V "\"tables\": {}\ntables: {}\n", 3, CTX_PARSE,
     "Duplicate key 'tables' at line 3, column 1.", NULL},
    /* ---- stage 3: root ---- */
    {"empty_document", "", 3, CTX_PARSE,
     "Top-level config must be a mapping of keys to values.",
     "Start the file with `version: \"1.0\"`."},
    {"comments_only", "# nothing here\n\n", 3, CTX_PARSE,
     "Top-level config must be a mapping of keys to values.", NULL},
    {"scalar_root", "version\n", 3, CTX_PARSE,
     "Top-level config must be a mapping of keys to values.", NULL},
    {"sequence_root", "- version: \"1.0\"\n", 3, CTX_PARSE,
     "Top-level config must be a mapping of keys to values.", NULL},
    /* ---- stages 4 and 5: version ---- */
    {"missing_version", "tables: {}\n", 3, CTX_LOAD, "Missing required field 'version'.",
     "Add `version: \"1.0\"` to the top of the file."},
    {"null_version", "version: ~\n", 3, CTX_LOAD, "Missing required field 'version'.", NULL},
    {"version_2", "version: 2.0\n", 3, CTX_LOAD,
     "Config version 2.0 is not supported by engine v1.x.",
     "Pin the engine to a matching major version or downgrade the config to version 1.0."},
    {"version_quoted_1", "version: \"1\"\n", 3, CTX_LOAD,
     "Config version 1 is not supported by engine v1.x.", NULL},
    {"version_stage_before_schema", "version: \"0.9\"\nbogus: 1\n", 3, CTX_LOAD,
     "Config version 0.9 is not supported by engine v1.x.", NULL},
    /* ---- stage 6: top level ---- */
    {"version_not_a_string", "version: [1.0]\n", 3, CTX_VALIDATE,
     SCHEMA "  - version: Input should be a valid string (line 1, column 10)",
     "Fix the fields listed above; see docs/configuration.md."},
    {"unknown_top_level_key", V "tabels: {}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tabels: Extra inputs are not permitted (line 2, column 1)", NULL},
    {"batch_size_zero", V "batch_size: 0\n", 3, CTX_VALIDATE,
     SCHEMA "  - batch_size: Value error, batch_size must be >= 1 (line 2, column 13)", NULL},
    {"batch_size_text", V "batch_size: lots\n", 3, CTX_VALIDATE,
     SCHEMA "  - batch_size: Input should be a valid integer (line 2, column 13)", NULL},
    {"batch_size_fraction", V "batch_size: 1.5\n", 3, CTX_VALIDATE,
     SCHEMA "  - batch_size: Input should be a valid integer (line 2, column 13)", NULL},
    {"batch_size_boolean", V "batch_size: true\n", 3, CTX_VALIDATE,
     SCHEMA "  - batch_size: Input should be a valid integer (line 2, column 13)", NULL},
    {"batch_size_null", V "batch_size:\n", 3, CTX_VALIDATE,
     SCHEMA "  - batch_size: Input should be a valid integer (line 2, column 12)", NULL},
    {"on_existing_append", V "on_existing_data: append\n", 3, CTX_VALIDATE,
     SCHEMA "  - <root>: Value error, append strategy is not supported in this version. "
            "Use truncate or drop_create. (line 2, column 19)", NULL},
    {"on_existing_unknown", V "on_existing_data: replace\n", 3, CTX_VALIDATE,
     SCHEMA "  - on_existing_data: Input should be 'fail', 'truncate', 'drop_create' or 'append' "
            "(line 2, column 19)", NULL},
    {"boolean_unknown_word", V "strict_autodetect: maybe\n", 3, CTX_VALIDATE,
     SCHEMA "  - strict_autodetect: Input should be a valid boolean (line 2, column 20)", NULL},
    {"boolean_number_2", V "audit_log: 2\n", 3, CTX_VALIDATE,
     SCHEMA "  - audit_log: Input should be a valid boolean (line 2, column 12)", NULL},
    {"faker_library_unknown", V "faker_library: Classic\n", 3, CTX_VALIDATE,
     SCHEMA "  - faker_library: Input should be 'standard' or 'classic' (line 2, column 16)", NULL},
    {"implied_fk_ignore_scalar", V "implied_fk_ignore: a.b.c\n", 3, CTX_VALIDATE,
     SCHEMA "  - implied_fk_ignore: Input should be a valid list (line 2, column 20)", NULL},
    {"implied_fk_ignore_item_mapping", V "implied_fk_ignore:\n  - a.b.c\n  - {x: 1}\n", 3,
     CTX_VALIDATE,
     SCHEMA "  - implied_fk_ignore.1: Input should be a valid string (line 4, column 5)", NULL},
    {"global_salt_mapping", V "global_salt: {env: X}\n", 3, CTX_VALIDATE,
     SCHEMA "  - global_salt: Input should be a valid string (line 2, column 14)", NULL},
    {"pseudonym_key_list", V "pseudonym_key: [a]\n", 3, CTX_VALIDATE,
     SCHEMA "  - pseudonym_key: Input should be a valid string (line 2, column 16)", NULL},
    /* ---- stage 6: tables ---- */
    {"tables_list", V "tables: [public.users]\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables: Input should be a valid dictionary (line 2, column 9)", NULL},
    {"tables_null", V "tables:\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables: Input should be a valid dictionary (line 2, column 8)", NULL},
    {"table_key_without_dot", V "tables:\n  users:\n    strategy: exclude\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.users: table keys must be \"schema.table\" (line 3, column 3)", NULL},
    {"table_key_empty_schema", V "tables:\n  .users: {}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables..users: table keys must be \"schema.table\" (line 3, column 3)", NULL},
    {"table_key_empty_table", V "tables:\n  public.: {}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.: table keys must be \"schema.table\" (line 3, column 3)", NULL},
    {"table_key_complex", V "tables:\n  ? [a, b]\n  : {}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables: Keys should be strings (line 3, column 5)", NULL},
    {"table_config_null", V "tables:\n  public.users:\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users: Input should be a valid dictionary (line 3, column 16)", NULL},
    {"table_unknown_key", V "tables:\n  public.users:\n    stratgy: exclude\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.stratgy: Extra inputs are not permitted (line 4, column 5)",
     NULL},
    {"table_strategy_unknown", V "tables:\n  public.users: {strategy: skip}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.strategy: Input should be 'transform', 'exclude', 'empty' or "
            "'truncate' (line 3, column 28)", NULL},
    {"table_batch_size_negative", V "tables:\n  public.users: {batch_size: -5}\n", 3,
     CTX_VALIDATE,
     SCHEMA "  - tables.public.users.batch_size: Value error, batch_size must be >= 1 "
            "(line 3, column 30)", NULL},
    {"table_null_orphan_fks", V "tables:\n  public.users: {null_orphan_fks: sure}\n", 3,
     CTX_VALIDATE,
     SCHEMA "  - tables.public.users.null_orphan_fks: Input should be a valid boolean "
            "(line 3, column 35)", NULL},
    {"columns_list", V "tables:\n  public.users:\n    columns: [email]\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns: Input should be a valid dictionary "
            "(line 4, column 14)", NULL},
    /* ---- stage 6: actions ---- */
    {"column_scalar", V T "      email: fake\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.email: Input should be a valid dictionary "
            "(line 5, column 14)", NULL},
    {"action_missing", V T "      email: {provider: email}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.email: Unable to extract tag using discriminator "
            "'action' (line 5, column 14)", NULL},
    {"action_unknown_with_hint", V T "      email: {action: fak, provider: email}\n", 3,
     CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.email: Input tag 'fak' found using 'action' does not "
            "match any of the expected tags: " TAGS " Did you mean 'fake'? (line 5, column 23)",
     NULL},
    {"action_unknown_case_hint", V T "      ssn: {action: Hash}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.ssn: Input tag 'Hash' found using 'action' does not "
            "match any of the expected tags: " TAGS " Did you mean 'hash'? (line 5, column 21)",
     NULL},
    {"action_unknown_no_hint", V T "      email: {action: scramble}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.email: Input tag 'scramble' found using 'action' "
            "does not match any of the expected tags: " TAGS " (line 5, column 23)", NULL},
    {"action_remove_outside_json", V T "      email: {action: remove}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.email: Input tag 'remove' found using 'action' "
            "does not match any of the expected tags: " TAGS " (line 5, column 23)", NULL},
    {"action_not_scalar", V T "      email: {action: [fake]}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.email: Unable to extract tag using discriminator "
            "'action' (line 5, column 23)", NULL},
    {"action_extra_key", V T "      email: {action: hash, provider: email}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.email.provider: Extra inputs are not permitted "
            "(line 5, column 29)", NULL},
    {"fake_missing_provider_hint", V T "      first_name: {action: fake}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.first_name.provider: Field required (missing "
            "'provider'. Try: provider: first_name) (line 5, column 19)", NULL},
    {"pseudonym_missing_provider_hint", V T "      work_email:\n        action: pseudonym\n", 3,
     CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.work_email.provider: Field required (missing "
            "'provider'. Try: provider: email) (line 6, column 9)", NULL},
    {"fake_missing_provider_no_hint", V T "      flavour: {action: fake}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.flavour.provider: Field required (line 5, column 16)",
     NULL},
    {"fake_provider_null", V T "      email: {action: fake, provider: ~}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.email.provider: Input should be a valid string "
            "(line 5, column 39)", NULL},
    {"fake_seed_alias_list", V T "      email: {action: fake, provider: email, seed_alias: [x]}\n",
     3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.email.seed_alias: Input should be a valid string "
            "(line 5, column 58)", NULL},
    {"fake_params_list", V T "      email: {action: fake, provider: email, params: [x]}\n", 3,
     CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.email.params: Input should be a valid dictionary "
            "(line 5, column 54)", NULL},
    {"fake_params_value_list", V T "      email: {action: fake, provider: email, params: "
                                   "{domain: [a]}}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.email.params.domain: Input should be a valid "
            "string (line 5, column 63)", NULL},
    {"static_value_missing", V T "      country: {action: static}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.country.value: Field required (line 5, column 16)",
     NULL},
    {"static_value_null", V T "      country: {action: static, value: null}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.country.value: Input should be a valid string "
            "(line 5, column 40)", NULL},
    {"hmac_encoding_unknown", V T "      token: {action: hmac_hash, encoding: base64}\n", 3,
     CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.token.encoding: Input should be 'hex' or "
            "'base64url' (line 5, column 44)", NULL},
    {"ner_entities_scalar", V T "      notes: {action: ner_mask, entities: PERSON}\n", 3,
     CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.notes.entities: Input should be a valid list "
            "(line 5, column 43)", NULL},
    {"ai_refine_missing_model", V T "      notes: {action: ai_refine, provider: openai}\n", 3,
     CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.notes.model: Field required (line 5, column 14)",
     NULL},
    /* ---- stage 6: regex_mask ---- */
    {"regex_missing_pattern_and_replace", V T "      ssn: {action: regex_mask}\n", 3,
     CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.ssn.pattern: Field required (line 5, column 12)\n"
            "  - tables.public.users.columns.ssn.replace: Field required (line 5, column 12)",
     NULL},
    {"regex_does_not_compile", V T "      ssn: {action: regex_mask, pattern: \"(\\\\d+\", "
                                   "replace: x}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.ssn.pattern: Value error, invalid regex: missing "
            "closing parenthesis at position 4 (line 5, column 42)", NULL},
    {"regex_redos", V T "      ssn: {action: regex_mask, pattern: \"(a+)+$\", replace: x}\n", 3,
     CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.ssn.pattern: Value error, pattern applies an "
            "unbounded quantifier to a group containing a nested quantifier or alternation, "
            "which risks catastrophic backtracking (line 5, column 42)", NULL},
    {"regex_redos_alternation", V T "      ssn: {action: regex_mask, pattern: \"(a|b){2,}\", "
                                    "replace: x}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.ssn.pattern: Value error, pattern applies an "
            "unbounded quantifier to a group containing a nested quantifier or alternation, "
            "which risks catastrophic backtracking (line 5, column 42)", NULL},
    {"regex_unknown_flag", V T "      ssn: {action: regex_mask, pattern: a, replace: b, "
                               "flags: [IGNORECASE, FAST]}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.ssn.flags: Value error, unknown regex flag: FAST "
            "(line 5, column 77)", NULL},
    {"regex_inline_locale", V T "      ssn: {action: regex_mask, pattern: \"(?L)x\", replace: b}\n",
     3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.ssn.pattern: Value error, invalid regex: inline flag "
            "'L' (LOCALE) is not supported at position 0 (line 5, column 42)", NULL},
    {"regex_inline_ascii", V T "      ssn: {action: regex_mask, pattern: \"x(?a:y)\", replace: b}\n",
     3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.ssn.pattern: Value error, invalid regex: inline flag "
            "'a' (ASCII) is not supported at position 1; use flags: [ASCII] instead "
            "(line 5, column 42)", NULL},
    {"template_group_out_of_range", V T "      ssn: {action: regex_mask, pattern: \"(a)(b)\", "
                                        "replace: 'x\\3'}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.ssn.replace: Value error, invalid replacement "
            "template: invalid group reference 3 at position 1 (line 5, column 61)", NULL},
    {"template_bad_escape", V T "      ssn: {action: regex_mask, pattern: a, replace: 'ab\\q'}\n",
     3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.ssn.replace: Value error, invalid replacement "
            "template: bad escape \\q at position 2 (line 5, column 54)", NULL},
    {"template_unknown_name", V T "      ssn: {action: regex_mask, pattern: '(?P<area>\\d+)', "
                                  "replace: '\\g<zone>'}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.ssn.replace: Value error, invalid replacement "
            "template: unknown group name 'zone' at position 0 (line 5, column 68)", NULL},
    {"template_trailing_backslash", V T "      ssn: {action: regex_mask, pattern: a, "
                                        "replace: 'x\\'}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.ssn.replace: Value error, invalid replacement "
            "template: bad escape (end of template) at position 1 (line 5, column 54)", NULL},
    /* ---- stage 6: json_mask (§8) ---- */
    {"json_rules_empty", V T "      payload: {action: json_mask, rules: []}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.payload.rules: List should have at least 1 item "
            "after validation, not 0 (line 5, column 43)", NULL},
    {"json_rules_mapping", V T "      payload: {action: json_mask, rules: {path: $}}\n", 3,
     CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.payload.rules: Input should be a valid list "
            "(line 5, column 43)", NULL},
    {"json_rule_bad_path", V T "      payload:\n        action: json_mask\n        rules:\n"
                               "          - {path: \"$.a[01\", action: hash}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.payload.rules.0.path: Value error, invalid JSONPath: "
            "expected ']' at position 6 (line 8, column 20)", NULL},
    {"json_rule_missing_path", V T "      payload:\n        action: json_mask\n        rules:\n"
                                   "          - path: $.a\n            action: hash\n"
                                   "          - action: remove\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.payload.rules.1.path: Field required "
            "(line 10, column 13)", NULL},
    {"json_rule_nested_json_mask", V T "      payload:\n        action: json_mask\n"
                                       "        rules:\n          - path: $.a\n"
                                       "            action: json_mask\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.payload.rules.0: Input tag 'json_mask' found using "
            "'action' does not match any of the expected tags: " RULE_TAGS
            " (line 9, column 21)", NULL},
    {"json_rule_inner_extra_key", V T "      payload:\n        action: json_mask\n"
                                      "        rules:\n          - {path: $.a, action: remove, "
                                      "value: x}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.payload.rules.0.value: Extra inputs are not "
            "permitted (line 8, column 41)", NULL},
    {"json_on_invalid_unknown", V T "      payload: {action: json_mask, on_invalid: skip, rules: "
                                    "[{path: $, action: hash}]}\n", 3, CTX_VALIDATE,
     SCHEMA "  - tables.public.users.columns.payload.on_invalid: Input should be 'fail' or "
            "'passthrough' (line 5, column 48)", NULL},
    /* ---- stage 6: subset (§7) ---- */
    {"subset_roots_missing", V "subset: {outside_closure: empty}\n", 3, CTX_VALIDATE,
     SCHEMA "  - subset.roots: Field required (line 2, column 9)", NULL},
    {"subset_roots_empty", V "subset:\n  roots: {}\n", 3, CTX_VALIDATE,
     SCHEMA "  - subset.roots: Dictionary should have at least 1 item after validation, not 0 "
            "(line 3, column 10)", NULL},
    {"subset_root_key", V "subset:\n  roots:\n    organizations: \"id = 1\"\n", 3, CTX_VALIDATE,
     SCHEMA "  - subset.roots.organizations: table keys must be \"schema.table\" "
            "(line 4, column 5)", NULL},
    {"subset_root_long_form_without_where", V "subset:\n  roots:\n    public.orgs: {filter: x}\n",
     3, CTX_VALIDATE,
     SCHEMA "  - subset.roots.public.orgs.filter: Extra inputs are not permitted "
            "(line 4, column 19)\n"
            "  - subset.roots.public.orgs.where: Field required (line 4, column 18)", NULL},
    {"subset_outside_closure", V "subset:\n  roots: {public.orgs: \"true\"}\n"
                                 "  outside_closure: drop\n", 3, CTX_VALIDATE,
     SCHEMA "  - subset.outside_closure: Input should be 'empty' or 'exclude' (line 4, column 20)",
     NULL},
    {"subset_extra_key", V "subset:\n  roots: {public.orgs: \"true\"}\n  depth: 3\n", 3,
     CTX_VALIDATE, SCHEMA "  - subset.depth: Extra inputs are not permitted (line 4, column 3)",
     NULL},
    /* ---- stages 7, 8, 9 ---- */
    {"ai_refine_without_connector", V T "      notes: {action: ai_refine, provider: p, model: m}\n"
                                        "      bio:\n        action: ai_refine\n"
                                        "        provider: p\n        model: m\n", 3,
     "Validating ai_refine actions",
     "Action 'ai_refine' requires an LLM connector, which is not configured: "
     "tables.public.users.columns.notes (line 5, column 23), "
     "tables.public.users.columns.bio (line 7, column 17)",
     "Configure an LLM connector, or switch these columns to a Level-1/2 action; see "
     "docs/configuration.md#actions."},
    {"keyed_action_without_key", V T "      token: {action: hmac_hash}\n", 4,
     "Validating pseudonym_key for keyed masking actions",
     "Columns use hmac_hash or pseudonym but no pseudonym_key is configured.",
     "Set pseudonym_key in mask-rules.yaml or export PSEUDONYM_KEY (minimum 32 characters after "
     "resolution)."},
    {"keyed_action_blank_key", V "pseudonym_key: \"   \"\n" T "      nick: {action: pseudonym, "
                                 "provider: username}\n", 4,
     "Validating pseudonym_key for keyed masking actions",
     "Columns use hmac_hash or pseudonym but no pseudonym_key is configured.", NULL},
    {"keyed_action_inside_json_mask", V T "      payload: {action: json_mask, rules: "
                                          "[{path: $.t, action: hmac_hash}]}\n", 4,
     "Validating pseudonym_key for keyed masking actions",
     "Columns use hmac_hash or pseudonym but no pseudonym_key is configured.", NULL},
    {"unknown_providers_sorted", V "pseudonym_key: k\ntables:\n  public.users:\n    columns:\n"
                                   "      email: {action: fake, provider: emial}\n"
                                   "      nick: {action: pseudonym, provider: nickname}\n"
                                   "  app.events:\n    columns:\n"
                                   "      payload: {action: json_mask, rules: [{path: $.n, "
                                   "action: fake, provider: nom}]}\n", 3,
     "Validating fake provider names",
     "Unknown provider(s): app.events.payload.rules.0 -> nom (line 10, column 80); "
     "public.users.email -> emial (line 6, column 39); "
     "public.users.nick -> nickname (line 7, column 43)",
     "Use a built-in provider; see docs/configuration.md#actions."},
};
/* clang-format on */

#define N_BAD (sizeof(BAD) / sizeof(BAD[0]))

/* Loads `yaml` and returns the error (NULL when it loaded; the config is freed). */
static pv_error *load_text(const char *yaml, size_t len)
{
    pv_config *cfg = NULL;
    pv_error *err = pv_config_load_buffer(PATH, yaml, len, &cfg);
    if (err)
        assert_null(cfg);
    pv_config_free(cfg);
    return err;
}

static void run_bad_case(void **state)
{
    const bad_case *c = *state;
    unsetenv("PSEUDONYM_KEY");
    pv_error *err = load_text(c->yaml, strlen(c->yaml));
    if (!err)
        fail_msg("case %s: config loaded", c->name);
    if (strcmp(err->cause, c->cause) != 0 || err->exit_code != c->exit_code)
        print_message("case %s:\n  got  [%d] %s\n  want [%d] %s\n", c->name, err->exit_code,
                      err->cause, c->exit_code, c->cause);
    assert_int_equal(err->exit_code, c->exit_code);
    assert_string_equal(err->context, c->context);
    assert_string_equal(err->cause, c->cause);
    if (c->remediation)
        assert_string_equal(err->remediation, c->remediation);
    pv_error_free(err);
}

/* A NUL byte cannot sit in the table (strlen): its own bad config. */
static void test_nul_byte(void **state)
{
    (void)state;
    static const char yaml[] = V "a\0b: 1\n";
    pv_error *err = load_text(yaml, sizeof(yaml) - 1);
    assert_non_null(err);
    assert_int_equal(err->exit_code, 3);
    assert_string_equal(err->context, CTX_PARSE);
    assert_string_equal(err->cause, "Invalid YAML syntax at line 2, column 2.");
    pv_error_free(err);
}

/* ---- a multi-error config: every violation, in document order ---- */

static void test_schema_lists_every_violation(void **state)
{
    (void)state;
    const char *yaml = "version: \"1.0\"\n"
                       "batch_size: 0\n"
                       "audit_log: perhaps\n"
                       "on_existing_data: append\n"
                       "colour: blue\n"
                       "tables:\n"
                       "  users:\n"
                       "    strategy: skip\n"
                       "    columns:\n"
                       "      email: {action: fake}\n"
                       "      ssn: {action: regex_mask, pattern: \"(\", replace: x}\n"
                       "      nick: {action: psuedonym, provider: username}\n"
                       "  public.orders:\n"
                       "    batch_size: \"ten\"\n"
                       "    extra: true\n";
    pv_error *err = load_text(yaml, strlen(yaml));
    assert_non_null(err);
    assert_int_equal(err->exit_code, 3);
    assert_string_equal(err->context, "Validating " PATH);
    assert_string_equal(
        err->cause,
        SCHEMA "  - batch_size: Value error, batch_size must be >= 1 (line 2, column 13)\n"
               "  - audit_log: Input should be a valid boolean (line 3, column 12)\n"
               "  - <root>: Value error, append strategy is not supported in this version. Use "
               "truncate or drop_create. (line 4, column 19)\n"
               "  - colour: Extra inputs are not permitted (line 5, column 1)\n"
               "  - tables.users: table keys must be \"schema.table\" (line 7, column 3)\n"
               "  - tables.users.strategy: Input should be 'transform', 'exclude', 'empty' or "
               "'truncate' (line 8, column 15)\n"
               "  - tables.users.columns.email.provider: Field required (missing 'provider'. "
               "Try: provider: email) (line 10, column 14)\n"
               "  - tables.users.columns.ssn.pattern: Value error, invalid regex: missing closing "
               "parenthesis at position 1 (line 11, column 42)\n"
               "  - tables.users.columns.nick: Input tag 'psuedonym' found using 'action' does "
               "not match any of the expected tags: " TAGS " Did you mean 'pseudonym'? "
               "(line 12, column 22)\n"
               "  - tables.public.orders.batch_size: Input should be a valid integer (line 14, "
               "column 17)\n"
               "  - tables.public.orders.extra: Extra inputs are not permitted (line 15, column "
               "5)");
    assert_string_equal(err->remediation,
                        "Fix the fields listed above; see docs/configuration.md.");
    pv_error_free(err);
}

/* ---- file-level errors (fixtures under data/configs/) ---- */

static char *fixture(const char *name)
{
    const char *dir = getenv("PRIVACI_TEST_DATA");
    assert_non_null(dir);
    return pv_xasprintf("%s/configs/%s", dir, name);
}

static void test_file_missing(void **state)
{
    (void)state;
    char *path = fixture("does-not-exist.yaml");
    pv_config *cfg = NULL;
    pv_error *err = pv_config_load(path, &cfg);
    assert_non_null(err);
    assert_null(cfg);
    char *context = pv_xasprintf("Loading %s", path);
    char *remediation =
        pv_xasprintf("Create %s or pass --config; see docs/configuration.md.", path);
    assert_int_equal(err->exit_code, 3);
    assert_string_equal(err->context, context);
    assert_string_equal(err->cause, "Config file does not exist.");
    assert_string_equal(err->remediation, remediation);
    free(context);
    free(remediation);
    pv_error_free(err);
    free(path);
}

static void test_file_unreadable(void **state)
{
    (void)state;
    /* a directory opens but cannot be read as a file, even for root */
    char *path = fixture("");
    pv_config *cfg = NULL;
    pv_error *err = pv_config_load(path, &cfg);
    assert_non_null(err);
    assert_int_equal(err->exit_code, 3);
    assert_string_equal(err->cause, "Config file could not be read.");
    assert_string_equal(err->remediation, "Check file permissions and retry.");
    pv_error_free(err);
    free(path);
}

static void expect_file_error(const char *name, const char *context_verb, const char *cause)
{
    char *path = fixture(name);
    pv_config *cfg = NULL;
    pv_error *err = pv_config_load(path, &cfg);
    assert_non_null(err);
    assert_null(cfg);
    char *context = pv_xasprintf("%s %s", context_verb, path);
    assert_int_equal(err->exit_code, 3);
    assert_string_equal(err->context, context);
    assert_string_equal(err->cause, cause);
    free(context);
    pv_error_free(err);
    free(path);
}

static void test_file_errors(void **state)
{
    (void)state;
    expect_file_error("bad-syntax.yaml", "Parsing", "Invalid YAML syntax at line 5, column 1.");
    expect_file_error("empty.yaml", "Parsing",
                      "Top-level config must be a mapping of keys to values.");
    expect_file_error("duplicate-key.yaml", "Parsing",
                      "Duplicate key 'email' at line 7, column 7.");
    expect_file_error("utf16.yaml", "Parsing", "Invalid YAML syntax at line 1, column 1.");
}

/* ---- good configs ---- */

static pv_config *load_ok(const char *yaml)
{
    pv_config *cfg = NULL;
    pv_error *err = pv_config_load_buffer(PATH, yaml, strlen(yaml), &cfg);
    if (err)
        fail_msg("unexpected error: %s / %s", err->context, err->cause);
    assert_non_null(cfg);
    return cfg;
}

static const pv_action *column_action(const pv_config *cfg, const char *table, const char *col)
{
    const pv_table_config *t = pv_config_table(cfg, table);
    assert_non_null(t);
    const pv_column_rule *c = pv_config_column(t, col);
    assert_non_null(c);
    return &c->action;
}

static void test_minimal_example(void **state)
{
    (void)state;
    unsetenv("PSEUDONYM_KEY");
    pv_config *cfg = load_ok("version: \"1.0\"\n"
                             "global_salt: \"${ANONYMIZATION_SALT}\"\n"
                             "tables:\n"
                             "  public.users:\n"
                             "    columns:\n"
                             "      first_name: { action: fake, provider: first_name }\n"
                             "      email:      { action: fake, provider: email }\n");
    assert_string_equal(cfg->path, PATH);
    assert_string_equal(cfg->version, "1.0");
    assert_string_equal(cfg->global_salt, "${ANONYMIZATION_SALT}");
    assert_null(cfg->pseudonym_key);
    /* defaults (§3, §4) */
    assert_int_equal(cfg->on_existing_data, PV_EXISTING_FAIL);
    assert_false(cfg->strict_autodetect);
    assert_false(cfg->replicate_all_indexes);
    assert_int_equal(cfg->batch_size, 10000);
    assert_true(cfg->audit_log);
    assert_true(cfg->auto_detect);
    assert_int_equal(cfg->faker_library, PV_LIBRARY_STANDARD);
    assert_int_equal(cfg->implied_fk_ignore.count, 0);
    assert_false(cfg->subset.set);
    assert_int_equal(cfg->n_tables, 1);
    const pv_table_config *t = &cfg->tables[0];
    assert_string_equal(t->id, "public.users");
    assert_int_equal(t->pos.line, 4);
    assert_int_equal(t->pos.column, 3);
    assert_int_equal(t->strategy, PV_STRATEGY_TRANSFORM);
    assert_int_equal(t->batch_size, 0);
    assert_false(t->null_orphan_fks);
    assert_int_equal(t->n_columns, 2);
    assert_string_equal(t->columns[0].name, "first_name");
    assert_string_equal(t->columns[1].name, "email");
    const pv_action *a = &t->columns[1].action;
    assert_int_equal(a->kind, PV_ACT_FAKE);
    assert_string_equal(a->provider, "email");
    assert_int_equal(a->provider_pos.line, 7);
    assert_int_equal(a->provider_pos.column, 45);
    assert_int_equal(a->action_pos.column, 29);
    assert_int_equal(a->pos.column, 19);
    assert_null(a->seed_alias);
    assert_int_equal(a->n_params, 0);
    assert_false(pv_config_uses_keyed_actions(cfg));
    assert_null(pv_config_table(cfg, "public.orders"));
    assert_null(pv_config_column(t, "EMAIL"));
    pv_config_free(cfg);
}

static const char FULLER[] =
    "version: \"1.0\"\n"
    "global_salt: env://ANONYMIZATION_SALT\n"
    "pseudonym_key: file:///run/secrets/privaci-pseudonym-key\n"
    "on_existing_data: truncate\n"
    "strict_autodetect: true\n"
    "batch_size: 5000\n"
    "implied_fk_ignore:\n"
    "  - clinical.patient_documents.referring_provider_email\n"
    "tables:\n"
    "  public.users:\n"
    "    batch_size: 2000\n"
    "    columns:\n"
    "      email:         { action: fake, provider: email, seed_alias: public.users.email }\n"
    "      ssn:           { action: regex_mask, pattern: \"^\\\\d{3}-\\\\d{2}-\\\\d{4}$\", "
    "replace: \"000-00-0000\" }\n"
    "      password_hash: { action: hash }\n"
    "      api_token:     { action: hmac_hash, encoding: base64url }\n"
    "      nickname:      { action: pseudonym, provider: username }\n"
    "      notes:         { action: ner_mask, entities: [PERSON, ORG] }\n"
    "      status:        { action: passthrough }\n"
    "      deleted_note:  { action: \"null\" }\n"
    "      country:       { action: static, value: \"US\" }\n"
    "  public.orders:\n"
    "    null_orphan_fks: true\n"
    "    columns:\n"
    "      customer_email: { action: fake, provider: email, seed_alias: public.users.email }\n"
    "  audit_internal.audit_log_events:\n"
    "    strategy: exclude\n"
    "  public.sessions:\n"
    "    strategy: empty\n";

static void test_fuller_example(void **state)
{
    (void)state;
    unsetenv("PSEUDONYM_KEY");
    pv_config *cfg = load_ok(FULLER);
    assert_string_equal(cfg->global_salt, "env://ANONYMIZATION_SALT");
    assert_string_equal(cfg->pseudonym_key, "file:///run/secrets/privaci-pseudonym-key");
    assert_int_equal(cfg->on_existing_data, PV_EXISTING_TRUNCATE);
    assert_true(cfg->strict_autodetect);
    assert_int_equal(cfg->batch_size, 5000);
    assert_int_equal(cfg->implied_fk_ignore.count, 1);
    assert_string_equal(cfg->implied_fk_ignore.items[0],
                        "clinical.patient_documents.referring_provider_email");
    assert_int_equal(cfg->n_tables, 4);
    const pv_table_config *users = pv_config_table(cfg, "public.users");
    assert_int_equal(users->batch_size, 2000);
    assert_int_equal(users->n_columns, 9);

    const pv_action *a = column_action(cfg, "public.users", "email");
    assert_string_equal(a->seed_alias, "public.users.email");
    a = column_action(cfg, "public.users", "ssn");
    assert_int_equal(a->kind, PV_ACT_REGEX_MASK);
    assert_string_equal(a->pattern, "^\\d{3}-\\d{2}-\\d{4}$");
    assert_string_equal(a->replace, "000-00-0000");
    assert_int_equal(a->flags.count, 0);
    assert_int_equal(a->pcre2_opts, PV_REGEX_DEFAULT_OPTS);
    assert_int_equal(column_action(cfg, "public.users", "password_hash")->kind, PV_ACT_HASH);
    a = column_action(cfg, "public.users", "api_token");
    assert_int_equal(a->kind, PV_ACT_HMAC_HASH);
    assert_int_equal(a->encoding, PV_HMAC_BASE64URL);
    a = column_action(cfg, "public.users", "nickname");
    assert_int_equal(a->kind, PV_ACT_PSEUDONYM);
    assert_string_equal(a->provider, "username");
    a = column_action(cfg, "public.users", "notes");
    assert_int_equal(a->entities.count, 2);
    assert_string_equal(a->entities.items[1], "ORG");
    assert_int_equal(column_action(cfg, "public.users", "status")->kind, PV_ACT_PASSTHROUGH);
    assert_int_equal(column_action(cfg, "public.users", "deleted_note")->kind, PV_ACT_NULL);
    a = column_action(cfg, "public.users", "country");
    assert_int_equal(a->kind, PV_ACT_STATIC);
    assert_string_equal(a->value, "US");

    assert_true(pv_config_table(cfg, "public.orders")->null_orphan_fks);
    assert_int_equal(pv_config_table(cfg, "audit_internal.audit_log_events")->strategy,
                     PV_STRATEGY_EXCLUDE);
    assert_int_equal(pv_config_table(cfg, "public.sessions")->strategy, PV_STRATEGY_EMPTY);
    assert_true(pv_config_uses_keyed_actions(cfg));
    pv_config_free(cfg);
}

static void test_fixture_files_load(void **state)
{
    (void)state;
    unsetenv("PSEUDONYM_KEY");
    const char *good[] = {"minimal.yaml", "fuller.yaml", "crlf-bom.yaml"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char *path = fixture(good[i]);
        pv_config *cfg = NULL;
        pv_error *err = pv_config_load(path, &cfg);
        if (err)
            fail_msg("%s: %s", good[i], err->cause);
        assert_string_equal(cfg->path, path);
        assert_true(cfg->n_tables > 0);
        pv_config_free(cfg);
        free(path);
    }
}

static void test_defaults_of_actions(void **state)
{
    (void)state;
    setenv("PSEUDONYM_KEY", "k", 1);
    pv_config *cfg = load_ok(V T "      notes: {action: ner_mask}\n"
                                 "      token: {action: hmac_hash}\n"
                                 "      payload:\n"
                                 "        action: json_mask\n"
                                 "        rules:\n"
                                 "          - path: \"$.contact.email\"\n"
                                 "            action: fake\n"
                                 "            provider: email\n"
                                 "          - {path: \"$.token\", action: hash}\n"
                                 "          - {path: \"$.debug\", action: remove}\n"
                                 "          - {path: \"$.items[*].note\", action: \"null\"}\n"
                                 "          - {path: \"$['a b'][-1].*\", action: pseudonym, "
                                 "provider: city}\n");
    const pv_action *a = column_action(cfg, "public.users", "notes");
    assert_int_equal(a->entities.count, 4);
    assert_string_equal(a->entities.items[0], "PERSON");
    assert_string_equal(a->entities.items[1], "ORG");
    assert_string_equal(a->entities.items[2], "GPE");
    assert_string_equal(a->entities.items[3], "LOC");
    assert_int_equal(column_action(cfg, "public.users", "token")->encoding, PV_HMAC_HEX);
    a = column_action(cfg, "public.users", "payload");
    assert_int_equal(a->kind, PV_ACT_JSON_MASK);
    assert_int_equal(a->on_invalid, PV_ON_INVALID_FAIL);
    assert_int_equal(a->n_rules, 5);
    assert_string_equal(a->rules[0].path, "$.contact.email");
    assert_int_equal(a->rules[0].path_pos.line, 10);
    assert_int_equal(a->rules[0].path_pos.column, 19);
    assert_int_equal(a->rules[0].action.kind, PV_ACT_FAKE);
    assert_string_equal(a->rules[0].action.provider, "email");
    assert_int_equal(a->rules[1].action.kind, PV_ACT_HASH);
    assert_int_equal(a->rules[2].action.kind, PV_ACT_REMOVE);
    assert_int_equal(a->rules[3].action.kind, PV_ACT_NULL);
    assert_int_equal(a->rules[4].action.kind, PV_ACT_PSEUDONYM);
    assert_true(pv_config_uses_keyed_actions(cfg));
    pv_config_free(cfg);
    unsetenv("PSEUDONYM_KEY");
}

static void test_json_mask_only_keyed_inside(void **state)
{
    (void)state;
    setenv("PSEUDONYM_KEY", "k", 1);
    pv_config *cfg = load_ok(V T "      payload: {action: json_mask, on_invalid: passthrough, "
                                 "rules: [{path: $.t, action: hmac_hash, encoding: base64url}]}\n");
    const pv_action *a = column_action(cfg, "public.users", "payload");
    assert_int_equal(a->on_invalid, PV_ON_INVALID_PASSTHROUGH);
    assert_int_equal(a->rules[0].action.encoding, PV_HMAC_BASE64URL);
    assert_true(pv_config_uses_keyed_actions(cfg));
    pv_config_free(cfg);
    unsetenv("PSEUDONYM_KEY");
}

static void test_subset(void **state)
{
    (void)state;
    pv_config *cfg = load_ok(V "subset:\n"
                               "  roots:\n"
                               "    public.organizations: \"id = 1\"\n"
                               "    public.feature_flags: { where: \"true\" }\n"
                               "  outside_closure: exclude\n");
    assert_true(cfg->subset.set);
    assert_int_equal(cfg->subset.pos.line, 2);
    assert_int_equal(cfg->subset.pos.column, 1);
    assert_int_equal(cfg->subset.n_roots, 2);
    assert_string_equal(cfg->subset.roots[0].table_id, "public.organizations");
    assert_string_equal(cfg->subset.roots[0].where, "id = 1");
    assert_int_equal(cfg->subset.roots[0].pos.line, 4);
    assert_string_equal(cfg->subset.roots[1].where, "true");
    assert_true(cfg->subset.outside_exclude);
    pv_config_free(cfg);

    cfg = load_ok(V "subset: ~\n");
    assert_false(cfg->subset.set);
    pv_config_free(cfg);
    cfg = load_ok(V "subset: {roots: {a.b: x}}\n");
    assert_false(cfg->subset.outside_exclude);
    pv_config_free(cfg);
}

static void test_anchors_and_merge_keys(void **state)
{
    (void)state;
    pv_config *cfg = load_ok(V "tables:\n"
                               "  public.a: &base\n"
                               "    strategy: empty\n"
                               "    batch_size: 5\n"
                               "    columns:\n"
                               "      email: &fake_email {action: fake, provider: email}\n"
                               "  public.b:\n"
                               "    <<: *base\n"
                               "    batch_size: 7\n"
                               "  public.c: *base\n"
                               "  public.d:\n"
                               "    <<: [{strategy: exclude}, *base]\n"
                               "    columns:\n"
                               "      contact: *fake_email\n"
                               "      other:\n"
                               "        <<: *fake_email\n"
                               "        provider: city\n");
    const pv_table_config *b = pv_config_table(cfg, "public.b");
    assert_int_equal(b->strategy, PV_STRATEGY_EMPTY);
    assert_int_equal(b->batch_size, 7); /* the mapping's own key wins */
    assert_int_equal(b->n_columns, 1);
    assert_string_equal(b->columns[0].action.provider, "email");
    const pv_table_config *c = pv_config_table(cfg, "public.c");
    assert_int_equal(c->batch_size, 5);
    /* aliased nodes keep the anchor's positions */
    assert_int_equal(c->columns[0].action.provider_pos.line, 7);
    const pv_table_config *d = pv_config_table(cfg, "public.d");
    assert_int_equal(d->strategy, PV_STRATEGY_EXCLUDE); /* first merge source wins */
    assert_int_equal(d->batch_size, 5);
    assert_int_equal(d->n_columns, 2);
    assert_string_equal(d->columns[0].action.provider, "email");
    assert_string_equal(d->columns[1].action.provider, "city");
    assert_int_equal(d->columns[1].action.kind, PV_ACT_FAKE);
    pv_config_free(cfg);
}

static void test_error_inside_anchor_reports_anchor_position(void **state)
{
    (void)state;
    const char *yaml = V "tables:\n"
                         "  public.a: &t {strategy: bogus}\n"
                         "  public.b: *t\n";
    pv_error *err = load_text(yaml, strlen(yaml));
    assert_non_null(err);
    assert_string_equal(err->cause,
                        SCHEMA "  - tables.public.a.strategy: Input should be 'transform', "
                               "'exclude', 'empty' or 'truncate' (line 3, column 27)\n"
                               "  - tables.public.b.strategy: Input should be 'transform', "
                               "'exclude', 'empty' or 'truncate' (line 3, column 27)");
    pv_error_free(err);
}

static void test_lenient_scalars(void **state)
{
    (void)state;
    pv_config *cfg = load_ok("version: 1.0\n"
                             "batch_size: \"500\"\n"
                             "strict_autodetect: yes\n"
                             "replicate_all_indexes: \"ON\"\n"
                             "audit_log: N\n"
                             "auto_detect: 0\n"
                             "global_salt: 12345\n"
                             "pseudonym_key: \"  \"\n"
                             "tables:\n"
                             "  public.t:\n"
                             "    batch_size: 250.0\n"
                             "    null_orphan_fks: T\n"
                             "    columns:\n"
                             "      a: {action: null}\n"
                             "      b: {action: ~}\n"
                             "      c: {action: static, value: 0}\n"
                             "      d: {action: static, value: false}\n"
                             "      e: {action: fake, provider: email, params: {domain: 42}}\n"
                             "  public.u:\n"
                             "    batch_size: ~\n");
    assert_string_equal(cfg->version, "1.0");
    assert_int_equal(cfg->batch_size, 500);
    assert_true(cfg->strict_autodetect);
    assert_true(cfg->replicate_all_indexes);
    assert_false(cfg->audit_log);
    assert_false(cfg->auto_detect);
    assert_string_equal(cfg->global_salt, "12345");
    assert_null(cfg->pseudonym_key); /* blank = unset */
    const pv_table_config *t = pv_config_table(cfg, "public.t");
    assert_int_equal(t->batch_size, 250);
    assert_true(t->null_orphan_fks);
    assert_int_equal(column_action(cfg, "public.t", "a")->kind, PV_ACT_NULL);
    assert_int_equal(column_action(cfg, "public.t", "b")->kind, PV_ACT_NULL);
    assert_string_equal(column_action(cfg, "public.t", "c")->value, "0");
    assert_string_equal(column_action(cfg, "public.t", "d")->value, "false");
    const pv_action *e = column_action(cfg, "public.t", "e");
    assert_int_equal(e->n_params, 1);
    assert_string_equal(e->params[0].key, "domain");
    assert_string_equal(e->params[0].value, "42");
    assert_int_equal(pv_config_table(cfg, "public.u")->batch_size, 0);
    pv_config_free(cfg);

    /* any plain decimal spelling of the float 1.0 is version "1.0" */
    cfg = load_ok("version: 01.00\n");
    assert_string_equal(cfg->version, "1.0");
    pv_config_free(cfg);
}

/* Quoted and block scalars decode as the original's YAML 1.1 loader read them. */
static void test_scalar_styles(void **state)
{
    (void)state;
    pv_config *cfg = load_ok(V T "      a: {action: static, value: 'it''s ''''''''quoted'''}\n"
                                 "      b: {action: static, value: \"tab\\there \\u00e9\\x41 "
                                 "\\\"q\\\" \\\\ \\U0001F600\"}\n"
                                 "      c:\n"
                                 "        action: static\n"
                                 "        value: 'one\n"
                                 "          two  \n"
                                 "\n"
                                 "          three'\n"
                                 "      d:\n"
                                 "        action: static\n"
                                 "        value: \"joined\\\n"
                                 "          \\ kept\"\n"
                                 "      e:\n"
                                 "        action: static\n"
                                 "        value: |\n"
                                 "          line 1\n"
                                 "          line 2\n"
                                 "      f:\n"
                                 "        action: static\n"
                                 "        value: >-\n"
                                 "          folded\n"
                                 "          text\n"
                                 "      g:\n"
                                 "        action: static\n"
                                 "        value: plain\n"
                                 "          continued\n");
    assert_string_equal(column_action(cfg, "public.users", "a")->value, "it's ''''quoted'");
    assert_string_equal(column_action(cfg, "public.users", "b")->value,
                        "tab\there \xc3\xa9"
                        "A \"q\" \\ \xf0\x9f\x98\x80");
    assert_string_equal(column_action(cfg, "public.users", "c")->value, "one two\nthree");
    assert_string_equal(column_action(cfg, "public.users", "d")->value, "joined kept");
    assert_string_equal(column_action(cfg, "public.users", "e")->value, "line 1\nline 2\n");
    assert_string_equal(column_action(cfg, "public.users", "f")->value, "folded text");
    assert_string_equal(column_action(cfg, "public.users", "g")->value, "plain continued");
    pv_config_free(cfg);

    /* long values: libfyaml's own text accessor leaks on these (ASan run) */
    pv_strbuf long_yaml = PV_STRBUF_INIT;
    pv_strbuf_append(&long_yaml, V T "      a:\n        action: static\n        value: |+\n");
    for (int i = 0; i < 300; i++)
        pv_strbuf_append(&long_yaml, i % 3 ? "\n" : "          some text\n");
    pv_strbuf_append(&long_yaml, "      b: {action: static, value: '");
    for (int i = 0; i < 300; i++)
        pv_strbuf_append(&long_yaml, "''x");
    pv_strbuf_append(&long_yaml, "'}\n");
    cfg = load_ok(long_yaml.data);
    assert_int_equal(strlen(column_action(cfg, "public.users", "b")->value), 600);
    pv_config_free(cfg);
    pv_strbuf_free(&long_yaml);

    /* an escaped NUL is not a usable string (a lone surrogate is a syntax error) */
    const char *yaml = V T "      a: {action: static, value: \"x\\0y\"}\n";
    pv_error *err = load_text(yaml, strlen(yaml));
    assert_non_null(err);
    assert_string_equal(err->cause, SCHEMA "  - tables.public.users.columns.a.value: Input should "
                                           "be a valid string (line 5, column 34)");
    pv_error_free(err);
}

static void test_secret_references(void **state)
{
    (void)state;
    pv_config *cfg = load_ok(V "global_salt: \"  ${SALT}  \"\npseudonym_key: null\n");
    assert_string_equal(cfg->global_salt, "${SALT}");
    assert_null(cfg->pseudonym_key);
    pv_config_free(cfg);
    cfg = load_ok(V "global_salt:\n");
    assert_null(cfg->global_salt);
    pv_config_free(cfg);
}

static void test_keyed_actions_and_environment(void **state)
{
    (void)state;
    const char *yaml = V T "      token: {action: hmac_hash}\n";
    setenv("PSEUDONYM_KEY", "from-the-environment", 1);
    pv_config *cfg = load_ok(yaml);
    pv_config_free(cfg);
    setenv("PSEUDONYM_KEY", " \t ", 1); /* blank counts as unset */
    pv_error *err = load_text(yaml, strlen(yaml));
    assert_non_null(err);
    assert_int_equal(err->exit_code, 4);
    pv_error_free(err);
    unsetenv("PSEUDONYM_KEY");
    cfg = load_ok(V "pseudonym_key: ${PSEUDONYM_KEY}\n" T "      token: {action: hmac_hash}\n");
    assert_string_equal(cfg->pseudonym_key, "${PSEUDONYM_KEY}");
    pv_config_free(cfg);
}

static void test_stage_order(void **state)
{
    (void)state;
    unsetenv("PSEUDONYM_KEY");
    /* schema errors win over ai_refine, keys and providers */
    const char *yaml = V "bogus: 1\n" T "      a: {action: ai_refine, provider: p, model: m}\n"
                         "      b: {action: pseudonym, provider: nope}\n";
    pv_error *err = load_text(yaml, strlen(yaml));
    assert_string_equal(err->context, "Validating " PATH);
    pv_error_free(err);
    /* ai_refine (7) before keys (8) */
    yaml = V T "      a: {action: ai_refine, provider: p, model: m}\n"
               "      b: {action: pseudonym, provider: nope}\n";
    err = load_text(yaml, strlen(yaml));
    assert_string_equal(err->context, "Validating ai_refine actions");
    pv_error_free(err);
    /* keys (8) before providers (9) */
    yaml = V T "      b: {action: pseudonym, provider: nope}\n";
    err = load_text(yaml, strlen(yaml));
    assert_int_equal(err->exit_code, 4);
    pv_error_free(err);
    /* duplicates (2) before a missing version (4) */
    yaml = "a: 1\na: 2\n";
    err = load_text(yaml, strlen(yaml));
    assert_string_equal(err->cause, "Duplicate key 'a' at line 2, column 1.");
    pv_error_free(err);
}

static void test_regex_flags_options(void **state)
{
    (void)state;
    pv_config *cfg = load_ok(V T "      a: {action: regex_mask, pattern: x, replace: y, "
                                 "flags: [ignorecase, MultiLine, DOTALL, VERBOSE, unicode, "
                                 "DEBUG, TEMPLATE, LOCALE]}\n"
                                 "      b: {action: regex_mask, pattern: '\\w+\\Z', replace: '', "
                                 "flags: [ASCII]}\n");
    const pv_action *a = column_action(cfg, "public.users", "a");
    assert_int_equal(a->flags.count, 8);
    assert_string_equal(a->flags.items[1], "MultiLine"); /* as written */
    assert_int_equal(a->pcre2_opts, PV_REGEX_DEFAULT_OPTS | PCRE2_CASELESS | PCRE2_MULTILINE |
                                        PCRE2_DOTALL | PCRE2_EXTENDED);
    assert_int_equal(column_action(cfg, "public.users", "b")->pcre2_opts, PCRE2_UTF);
    pv_config_free(cfg);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(pv_action_name(PV_ACT_FAKE), "fake");
    assert_string_equal(pv_action_name(PV_ACT_REGEX_MASK), "regex_mask");
    assert_string_equal(pv_action_name(PV_ACT_HMAC_HASH), "hmac_hash");
    assert_string_equal(pv_action_name(PV_ACT_NULL), "null");
    assert_string_equal(pv_action_name(PV_ACT_JSON_MASK), "json_mask");
    assert_string_equal(pv_action_name(PV_ACT_REMOVE), "remove");
    assert_string_equal(pv_strategy_name(PV_STRATEGY_TRANSFORM), "transform");
    assert_string_equal(pv_strategy_name(PV_STRATEGY_TRUNCATE), "truncate");
    assert_string_equal(pv_on_existing_name(PV_EXISTING_FAIL), "fail");
    assert_string_equal(pv_on_existing_name(PV_EXISTING_DROP_CREATE), "drop_create");
}

/* ---- regex helpers ---- */

static void expect_translation(const char *python, const char *pcre)
{
    char *problem = NULL;
    char *out = pv_regex_translate(python, &problem);
    assert_null(problem);
    assert_string_equal(out, pcre);
    free(out);
}

static void test_regex_translation(void **state)
{
    (void)state;
    expect_translation("abc\\Z", "abc\\z");
    expect_translation("\\\\Z", "\\\\Z"); /* an escaped backslash, then a literal Z */
    expect_translation("\\u00e9\\U0001F600", "\\x{00e9}\\x{0001F600}");
    expect_translation("a{,3}b{,}", "a{0,3}b{0,}");
    expect_translation("[{,3}(?L)]", "[{,3}(?L)]"); /* inside a class: literal */
    expect_translation("(?u)x(?iu:y)(?u:z)", "x(?i:y)(?:z)");
    expect_translation("(?P<area>\\d{3})-(?P=area)", "(?P<area>\\d{3})-(?P=area)");
    char *problem = NULL;
    assert_null(pv_regex_translate("(?aiL)x", &problem));
    assert_string_equal(problem, "inline flag 'a' (ASCII) is not supported at position 0; "
                                 "use flags: [ASCII] instead");
    free(problem);
}

static void test_regex_compile(void **state)
{
    (void)state;
    char *problem = NULL;
    pcre2_code *code =
        pv_regex_compile("^(\\d{3})-(?P<g>\\d{2})\\Z", PV_REGEX_DEFAULT_OPTS, &problem);
    assert_non_null(code);
    assert_null(problem);
    pcre2_code_free(code);
    /* positions refer to the pattern as written, in code points */
    code = pv_regex_compile("é\\u00e9{,2}[", PV_REGEX_DEFAULT_OPTS, &problem);
    assert_null(code);
    assert_string_equal(problem,
                        "invalid regex: missing terminating ] for character class at position 12");
    free(problem);
}

static void test_redos_screen(void **state)
{
    (void)state;
    assert_true(pv_regex_redos_suspect("(a+)+"));
    assert_true(pv_regex_redos_suspect("^(\\w*)*$"));
    assert_true(pv_regex_redos_suspect("(a|b)*"));
    assert_true(pv_regex_redos_suspect("x(a{2,})+"));
    assert_true(pv_regex_redos_suspect("((a+)+)"));   /* the innermost group counts */
    assert_true(pv_regex_redos_suspect("\\(a+\\)+")); /* textual: \( is a paren */
    assert_false(pv_regex_redos_suspect("\\((a+)\\)+"));
    assert_false(pv_regex_redos_suspect("(a+)"));
    assert_false(pv_regex_redos_suspect("(a+){2}"));
    assert_false(pv_regex_redos_suspect("(a+){1,3}"));
    assert_false(pv_regex_redos_suspect("(ab)+"));
    assert_false(pv_regex_redos_suspect("^\\d{3}-\\d{2}-\\d{4}$"));
    assert_false(pv_regex_redos_suspect("((a)b+)+")); /* innermost is (a) */
}

static void expect_template(const char *pattern, const char *replace, const char *problem)
{
    char *err = NULL;
    pcre2_code *code = pv_regex_compile(pattern, PV_REGEX_DEFAULT_OPTS, &err);
    assert_non_null(code);
    char *got = pv_regex_check_template(replace, code);
    if (problem) {
        assert_non_null(got);
        assert_string_equal(got, problem);
    } else {
        assert_null(got);
    }
    free(got);
    pcre2_code_free(code);
}

static void test_replacement_templates(void **state)
{
    (void)state;
    const char *p = "(a)(?P<word>b)";
    expect_template(p, "x\\1\\2\\g<0>\\g<2>\\g<word>\\\\\\n\\t\\r\\f\\v\\a\\b", NULL);
    expect_template(p, "\\0\\07\\077\\177\\-\\.\\é", NULL);
    expect_template(p, "\\3", "invalid group reference 3 at position 0");
    expect_template(p, "ab\\12", "invalid group reference 12 at position 2");
    expect_template(p, "\\g<3>", "invalid group reference 3 at position 0");
    expect_template(p, "\\g<nope>", "unknown group name 'nope' at position 0");
    expect_template(p, "\\g<a-b>", "bad character in group name 'a-b' at position 0");
    expect_template(p, "\\g<>", "missing group name in \\g<> at position 0");
    expect_template(p, "\\g<word", "missing >, unterminated group name at position 0");
    expect_template(p, "\\gword", "missing < after \\g at position 0");
    expect_template(p, "é\\400", "octal escape value \\400 outside of range 0-0o377 at position 1");
    expect_template(p, "\\d", "bad escape \\d at position 0");
    expect_template(p, "ok\\", "bad escape (end of template) at position 2");
    expect_template("a", "\\1", "invalid group reference 1 at position 0");
}

/* ---- JSONPath subset ---- */

static void expect_jsonpath(const char *path, const char *problem)
{
    char *got = pv_jsonpath_check(path);
    if (problem) {
        assert_non_null(got);
        assert_string_equal(got, problem);
    } else {
        assert_null(got);
    }
    free(got);
}

static void test_jsonpath(void **state)
{
    (void)state;
    expect_jsonpath("$", NULL);
    expect_jsonpath("$.contact.email", NULL);
    expect_jsonpath("$.items[*].note", NULL);
    expect_jsonpath("$['any key'][\"x\\\"y\"]['it\\'s'][0][-1].*._a1", NULL);
    expect_jsonpath("contact.email", "path must start with '$' at position 0");
    expect_jsonpath("$.", "expected a member name or '*' after '.' at position 2");
    expect_jsonpath("$.1a", "expected a member name or '*' after '.' at position 2");
    expect_jsonpath("$..a", "expected a member name or '*' after '.' at position 2");
    expect_jsonpath("$a", "expected '.' or '[' at position 1");
    expect_jsonpath("$[", "expected an index, '*' or a quoted key after '[' at position 2");
    expect_jsonpath("$[1", "expected ']' at position 3");
    expect_jsonpath("$[-]", "expected an array index at position 2");
    expect_jsonpath("$['a]", "unterminated quoted key at position 2");
    expect_jsonpath("$['a\\n']", "invalid escape in quoted key (use \\', \\\" or \\\\) at "
                                 "position 4");
    expect_jsonpath("$[1234567890123456789]", "array index out of range at position 2");
}

/* ---- hostile input ---- */

static uint32_t next_random(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Every prefix and many byte mutations of a rich config load or fail cleanly. */
static void test_hostile_bytes(void **state)
{
    (void)state;
    setenv("PSEUDONYM_KEY", "k", 1);
    size_t len = strlen(FULLER);
    for (size_t cut = 0; cut <= len; cut++) {
        /* a heap copy of exactly `cut` bytes: ASan catches any read past it */
        char *copy = pv_xmalloc(cut ? cut : 1);
        memcpy(copy, FULLER, cut);
        pv_error_free(load_text(copy, cut));
        free(copy);
    }
    static const char alphabet[] = ":-{}[],&*!|>'\"#\n \t<?%@`\\\xc3\xa9\x00";
    uint32_t seed = 0x9e3779b9u;
    for (int round = 0; round < 3000; round++) {
        char *copy = pv_xmalloc(len);
        memcpy(copy, FULLER, len);
        int edits = 1 + (int)(next_random(&seed) % 4);
        for (int e = 0; e < edits; e++)
            copy[next_random(&seed) % len] = alphabet[next_random(&seed) % (sizeof(alphabet) - 1)];
        pv_error_free(load_text(copy, len));
        free(copy);
    }
    unsetenv("PSEUDONYM_KEY");
}

static void test_alias_bomb_is_rejected(void **state)
{
    (void)state;
    const char *yaml = V "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                         "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                         "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                         "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                         "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                         "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
                         "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n";
    pv_error *err = load_text(yaml, strlen(yaml));
    assert_non_null(err);
    assert_string_equal(err->context, "Parsing " PATH);
    assert_string_equal(err->cause, "Invalid YAML syntax at line 7, column 36.");
    pv_error_free(err);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    /* no recursion over the document: a very deep value is just a wrong type */
    size_t depth = 100000;
    const char *head = V "implied_fk_ignore: [";
    size_t n = strlen(head);
    char *yaml = pv_xmalloc(n + 2 * depth + 2);
    memcpy(yaml, head, n);
    for (size_t i = 0; i < depth; i++)
        yaml[n++] = '[';
    for (size_t i = 0; i < depth + 1; i++)
        yaml[n++] = ']';
    pv_error *err = load_text(yaml, n);
    assert_non_null(err);
    assert_string_equal(err->cause,
                        SCHEMA "  - implied_fk_ignore.0: Input should be a valid string (line 2, "
                               "column 21)");
    pv_error_free(err);
    free(yaml);
}

int main(void)
{
    struct CMUnitTest *tests = pv_xcalloc(N_BAD + 32, sizeof(*tests));
    size_t n = 0;
    for (size_t i = 0; i < N_BAD; i++) {
        tests[n].name = BAD[i].name;
        tests[n].test_func = run_bad_case;
        tests[n].initial_state = (void *)&BAD[i];
        n++;
    }
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_schema_lists_every_violation),
        cmocka_unit_test(test_file_missing),
        cmocka_unit_test(test_file_unreadable),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_minimal_example),
        cmocka_unit_test(test_fuller_example),
        cmocka_unit_test(test_fixture_files_load),
        cmocka_unit_test(test_defaults_of_actions),
        cmocka_unit_test(test_json_mask_only_keyed_inside),
        cmocka_unit_test(test_subset),
        cmocka_unit_test(test_anchors_and_merge_keys),
        cmocka_unit_test(test_error_inside_anchor_reports_anchor_position),
        cmocka_unit_test(test_lenient_scalars),
        cmocka_unit_test(test_scalar_styles),
        cmocka_unit_test(test_secret_references),
        cmocka_unit_test(test_keyed_actions_and_environment),
        cmocka_unit_test(test_stage_order),
        cmocka_unit_test(test_regex_flags_options),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_regex_translation),
        cmocka_unit_test(test_regex_compile),
        cmocka_unit_test(test_redos_screen),
        cmocka_unit_test(test_replacement_templates),
        cmocka_unit_test(test_jsonpath),
        cmocka_unit_test(test_hostile_bytes),
        cmocka_unit_test(test_alias_bomb_is_rejected),
        cmocka_unit_test(test_deep_nesting),
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        tests[n++] = fixed[i];
    int failed = _cmocka_run_group_tests("config", tests, n, NULL, NULL);
    free(tests);
    return failed;
}
