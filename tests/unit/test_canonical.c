/*
 * test_canonical.c — canonical JSON, config_hash (spec/config.md §11), the
 * JSON Schema export (§10) and provider lookup (masking.md §8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config/config.h"
#include "util/canonjson.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VECTOR1_HASH "95f1481b3f6f3ab971bd67632fdb2e423ee9b57ed2cd3f82edc2c57e826a52ae"
#define VECTOR2_HASH "8cb02d735d4729e0721e59cd605e4b8052f851a3a7893d609aaad259cd6ed625"

/* ---------------------------------------------------------------- helpers */

static pv_config *load(const char *yaml)
{
    pv_config *cfg = NULL;
    pv_error *err = pv_config_load_buffer("test.yaml", yaml, strlen(yaml), &cfg);
    if (err) {
        print_error("unexpected load error: %s / %s\n", err->context, err->cause);
        pv_error_free(err);
        fail();
    }
    assert_non_null(cfg);
    return cfg;
}

/* hex config_hash of a YAML text, into `out`. */
static void hash_of(const char *yaml, char out[65])
{
    pv_config *cfg = load(yaml);
    pv_config_hash(cfg, out);
    pv_config_free(cfg);
}

static void assert_dump(const json_t *v, const char *expected)
{
    char *s = pv_canonjson_dump(v);
    assert_string_equal(s, expected);
    free(s);
}

/* ---------------------------------------------------------------- canonjson */

static void test_dump_sorts_keys_at_every_level(void **state)
{
    (void)state;
    json_t *v = json_loads("{\"b\":{\"z\":1,\"a\":[{\"y\":true,\"x\":null}]},\"a\":false,"
                           "\"ab\":\"s\",\"B\":0}",
                           0, NULL);
    assert_non_null(v);
    assert_dump(v, "{\"B\":0,\"a\":false,\"ab\":\"s\",\"b\":{\"a\":[{\"x\":null,\"y\":true}],"
                   "\"z\":1}}");
    json_decref(v);
}

/* Code-point order, not locale order: "é" (U+00E9) sorts after "z". */
static void test_dump_sorts_by_code_point(void **state)
{
    (void)state;
    json_t *v = json_pack("{s:i,s:i,s:i}", "\xc3\xa9", 1, "z", 2, "\xf0\x9f\x98\x80", 3);
    assert_dump(v, "{\"z\":2,\"\\u00e9\":1,\"\\ud83d\\ude00\":3}");
    json_decref(v);
}

static void test_dump_escapes_non_ascii_lowercase(void **state)
{
    (void)state;
    /* é, € (U+20AC), 😀 (U+1F600, astral → surrogate pair), U+FEFF. */
    json_t *v = json_string("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbb\xbf");
    assert_dump(v, "\"\\u00e9\\u20ac\\ud83d\\ude00\\ufeff\"");
    json_decref(v);
}

static void test_dump_escapes_control_characters(void **state)
{
    (void)state;
    const char raw[] = "q\"b\\n\nr\rt\tb\bf\f\x01\x1f\x7f/ ~";
    json_t *v = json_stringn(raw, sizeof(raw) - 1);
    assert_dump(v, "\"q\\\"b\\\\n\\nr\\rt\\tb\\bf\\f\\u0001\\u001f\\u007f/ ~\"");
    json_decref(v);

    /* An embedded NUL is a control character too. */
    json_t *nul = json_stringn("a\0b", 3);
    assert_dump(nul, "\"a\\u0000b\"");
    json_decref(nul);
}

static void test_dump_scalars(void **state)
{
    (void)state;
    json_t *v = json_pack("[i,I,I,b,b,n,s]", 0, (json_int_t)-42, (json_int_t)INT64_MAX, 1, 0, "");
    assert_dump(v, "[0,-42,9223372036854775807,true,false,null,\"\"]");
    json_decref(v);
    assert_dump(NULL, "null");
    json_t *empty = json_pack("{s:{},s:[]}", "o", "a");
    assert_dump(empty, "{\"a\":[],\"o\":{}}");
    json_decref(empty);
}

/* Reals render as Python's repr(float): shortest round-trip digits. */
static void test_dump_reals_like_python(void **state)
{
    (void)state;
    static const struct {
        double d;
        const char *text;
    } cases[] = {
        {0.1, "0.1"},         {1.0, "1.0"},
        {100.0, "100.0"},     {-0.0, "-0.0"},
        {0.0001, "0.0001"},   {0.00001, "1e-05"},
        {1e16, "1e+16"},      {1.5e300, "1.5e+300"},
        {123.456, "123.456"}, {1e15, "1000000000000000.0"},
        {2.5e-7, "2.5e-07"},  {1.0 / 3.0, "0.3333333333333333"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *v = json_real(cases[i].d);
        assert_dump(v, cases[i].text);
        json_decref(v);
    }
}

static void test_dump_invalid_utf8_becomes_replacement(void **state)
{
    (void)state;
    json_t *v = json_stringn_nocheck("a\xff"
                                     "b",
                                     3);
    assert_dump(v, "\"a\\ufffdb\"");
    char *pretty = pv_json_pretty(v);
    assert_string_equal(pretty, "\"a\xef\xbf\xbd"
                                "b\"\n");
    free(pretty);
    json_decref(v);
}

static void test_pretty_matches_python_indent2(void **state)
{
    (void)state;
    json_t *v = json_loads("{\"b\":[1,{\"d\":\"\xc3\xa9\\n\",\"c\":[]}],\"a\":{}}", 0, NULL);
    assert_non_null(v);
    char *s = pv_json_pretty(v);
    assert_string_equal(s, "{\n"
                           "  \"a\": {},\n"
                           "  \"b\": [\n"
                           "    1,\n"
                           "    {\n"
                           "      \"c\": [],\n"
                           "      \"d\": \"\xc3\xa9\\n\"\n"
                           "    }\n"
                           "  ]\n"
                           "}\n");
    free(s);
    json_decref(v);
}

/* ---------------------------------------------------------------- canonical config */

/* The spec's second vector, built by hand so it does not depend on the loader. */
static void test_vector2_from_struct(void **state)
{
    (void)state;
    pv_column_rule col = {.name = "email"};
    col.action.kind = PV_ACT_FAKE;
    col.action.provider = "email";
    pv_table_config table = {
        .id = "public.users", .strategy = PV_STRATEGY_TRANSFORM, .columns = &col, .n_columns = 1};
    pv_config cfg = {.version = "1.0",
                     .global_salt = "${ANONYMIZATION_SALT}",
                     .batch_size = 10000,
                     .audit_log = true,
                     .auto_detect = true,
                     .tables = &table,
                     .n_tables = 1};
    char *text = pv_config_canonical_text(&cfg);
    assert_string_equal(
        text, "{\"audit_log\":true,\"auto_detect\":true,\"batch_size\":10000,"
              "\"global_salt\":{\"_value\":\"${ANONYMIZATION_SALT}\"},\"implied_fk_ignore\":[],"
              "\"on_existing_data\":\"fail\",\"pseudonym_key\":null,"
              "\"replicate_all_indexes\":false,\"strict_autodetect\":false,"
              "\"tables\":{\"public.users\":{\"batch_size\":null,\"columns\":{\"email\":"
              "{\"action\":\"fake\",\"params\":{},\"provider\":\"email\",\"seed_alias\":null}},"
              "\"null_orphan_fks\":false,\"strategy\":\"transform\"}},\"version\":\"1.0\"}");
    free(text);
    char hash[65];
    pv_config_hash(&cfg, hash);
    assert_string_equal(hash, VECTOR2_HASH);
}

static void test_vector1(void **state)
{
    (void)state;
    pv_config *cfg = load("version: \"1.0\"\n");
    char *text = pv_config_canonical_text(cfg);
    assert_string_equal(text, "{\"audit_log\":true,\"auto_detect\":true,\"batch_size\":10000,"
                              "\"global_salt\":null,\"implied_fk_ignore\":[],"
                              "\"on_existing_data\":\"fail\",\"pseudonym_key\":null,"
                              "\"replicate_all_indexes\":false,\"strict_autodetect\":false,"
                              "\"tables\":{},\"version\":\"1.0\"}");
    free(text);
    char hash[65];
    pv_config_hash(cfg, hash);
    assert_string_equal(hash, VECTOR1_HASH);
    pv_config_free(cfg);
}

static const char VECTOR2_YAML[] = "version: \"1.0\"\n"
                                   "global_salt: \"${ANONYMIZATION_SALT}\"\n"
                                   "tables:\n"
                                   "  public.users:\n"
                                   "    columns:\n"
                                   "      email: {action: fake, provider: email}\n";

static void test_vector2(void **state)
{
    (void)state;
    char hash[65];
    hash_of(VECTOR2_YAML, hash);
    assert_string_equal(hash, VECTOR2_HASH);
}

/* Key order, comments, quoting, flow vs block style and explicit defaults. */
static void test_formatting_and_defaults_do_not_change_hash(void **state)
{
    (void)state;
    static const char *const variants[] = {
        "# a comment\n"
        "tables:\n"
        "  public.users:\n"
        "    columns:\n"
        "      email:\n"
        "        provider: 'email'\n"
        "        action: fake\n"
        "global_salt: '${ANONYMIZATION_SALT}'\n"
        "version: '1.0'\n",

        "{version: \"1.0\", global_salt: \"  ${ANONYMIZATION_SALT}  \", tables: "
        "{public.users: {columns: {email: {action: fake, provider: email}}}}}\n",

        "version: \"1.0\"\n"
        "global_salt: \"${ANONYMIZATION_SALT}\"\n"
        "on_existing_data: fail\n"
        "strict_autodetect: false\n"
        "replicate_all_indexes: false\n"
        "batch_size: 10000\n"
        "audit_log: true\n"
        "auto_detect: true\n"
        "faker_library: standard\n"
        "implied_fk_ignore: []\n"
        "tables:\n"
        "  public.users:\n"
        "    strategy: transform\n"
        "    null_orphan_fks: false\n"
        "    columns:\n"
        "      email: {action: fake, provider: email, params: {}}\n",
    };
    for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        char hash[65];
        hash_of(variants[i], hash);
        if (strcmp(hash, VECTOR2_HASH) != 0)
            fail_msg("variant %zu hashes to %s", i, hash);
    }
}

static void test_changed_value_changes_hash(void **state)
{
    (void)state;
    static const char *const changes[] = {
        "      email: {action: fake, provider: first_name}\n",
        "      email: {action: fake, provider: email, seed_alias: public.users.email}\n",
        "      email: {action: fake, provider: email, params: {domain: example.org}}\n",
        "      email: {action: hash}\n",
        "      Email: {action: fake, provider: email}\n",
    };
    char base[65];
    hash_of(VECTOR2_YAML, base);
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        char *yaml = pv_xasprintf("version: \"1.0\"\n"
                                  "global_salt: \"${ANONYMIZATION_SALT}\"\n"
                                  "tables:\n"
                                  "  public.users:\n"
                                  "    columns:\n"
                                  "%s",
                                  changes[i]);
        char hash[65];
        hash_of(yaml, hash);
        free(yaml);
        if (strcmp(hash, base) == 0)
            fail_msg("change %zu did not change the hash", i);
    }
    /* A default made explicit with a different value changes it too. */
    char *yaml = pv_xasprintf("%sbatch_size: 5000\n", VECTOR2_YAML);
    char hash[65];
    hash_of(yaml, hash);
    free(yaml);
    assert_string_not_equal(hash, base);
}

static void test_faker_library(void **state)
{
    (void)state;
    char hash[65];
    hash_of("version: \"1.0\"\nfaker_library: standard\n", hash);
    assert_string_equal(hash, VECTOR1_HASH);

    pv_config *cfg = load("version: \"1.0\"\nfaker_library: classic\n");
    char *text = pv_config_canonical_text(cfg);
    assert_non_null(strstr(text, "\"faker_library\":\"classic\""));
    free(text);
    pv_config_hash(cfg, hash);
    assert_string_not_equal(hash, VECTOR1_HASH);
    pv_config_free(cfg);
}

static void test_secrets_hashed_as_references(void **state)
{
    (void)state;
    pv_config *cfg = load("version: \"1.0\"\n"
                          "global_salt: env://SALT\n"
                          "pseudonym_key: \"   \"\n");
    char *text = pv_config_canonical_text(cfg);
    assert_non_null(strstr(text, "\"global_salt\":{\"_value\":\"env://SALT\"}"));
    /* Blank means unset (config.md §3). */
    assert_non_null(strstr(text, "\"pseudonym_key\":null"));
    free(text);
    pv_config_free(cfg);
}

/* Every action with all its keys and defaults. */
static void test_every_action_shape(void **state)
{
    (void)state;
    pv_config *cfg = load("version: \"1.0\"\n"
                          "pseudonym_key: k\n"
                          "tables:\n"
                          "  s.t:\n"
                          "    batch_size: 7\n"
                          "    null_orphan_fks: true\n"
                          "    strategy: truncate\n"
                          "    columns:\n"
                          "      a: {action: regex_mask, pattern: '\\d', replace: X}\n"
                          "      b: {action: hmac_hash}\n"
                          "      c: {action: ner_mask}\n"
                          "      d: {action: static, value: \"caf\xc3\xa9\"}\n"
                          "      e: {action: pseudonym, provider: username}\n"
                          "      f: {action: passthrough}\n"
                          "      g: {action: \"null\"}\n"
                          "      h: {action: hash}\n"
                          "      i:\n"
                          "        action: json_mask\n"
                          "        rules:\n"
                          "          - {path: $.a, action: remove}\n"
                          "          - {path: $.b, action: fake, provider: email}\n");
    json_t *canon = pv_config_canonical_json(cfg);
    json_t *cols =
        json_object_get(json_object_get(json_object_get(canon, "tables"), "s.t"), "columns");
    assert_non_null(cols);
    static const struct {
        const char *col, *json;
    } want[] = {
        {"a", "{\"action\":\"regex_mask\",\"flags\":[],\"pattern\":\"\\\\d\",\"replace\":\"X\"}"},
        {"b", "{\"action\":\"hmac_hash\",\"encoding\":\"hex\"}"},
        {"c", "{\"action\":\"ner_mask\",\"entities\":[\"PERSON\",\"ORG\",\"GPE\",\"LOC\"]}"},
        {"d", "{\"action\":\"static\",\"value\":\"caf\\u00e9\"}"},
        {"e", "{\"action\":\"pseudonym\",\"params\":{},\"provider\":\"username\","
              "\"seed_alias\":null}"},
        {"f", "{\"action\":\"passthrough\"}"},
        {"g", "{\"action\":\"null\"}"},
        {"h", "{\"action\":\"hash\"}"},
        {"i", "{\"action\":\"json_mask\",\"on_invalid\":\"fail\",\"rules\":["
              "{\"action\":\"remove\",\"path\":\"$.a\"},"
              "{\"action\":\"fake\",\"params\":{},\"path\":\"$.b\",\"provider\":\"email\","
              "\"seed_alias\":null}]}"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        assert_dump(json_object_get(cols, want[i].col), want[i].json);
    json_t *table = json_object_get(json_object_get(canon, "tables"), "s.t");
    json_object_del(table, "columns");
    assert_dump(table, "{\"batch_size\":7,\"null_orphan_fks\":true,\"strategy\":\"truncate\"}");
    json_decref(canon);
    pv_config_free(cfg);
}

static void test_subset_only_when_set(void **state)
{
    (void)state;
    pv_config *cfg = load("version: \"1.0\"\n"
                          "subset:\n"
                          "  roots:\n"
                          "    public.orgs: \"id = 1\"\n"
                          "    public.flags: {where: \"true\"}\n");
    json_t *canon = pv_config_canonical_json(cfg);
    assert_dump(json_object_get(canon, "subset"),
                "{\"outside_closure\":\"empty\",\"roots\":{\"public.flags\":{\"where\":\"true\"},"
                "\"public.orgs\":{\"where\":\"id = 1\"}}}");
    json_decref(canon);
    pv_config_free(cfg);

    cfg = load("version: \"1.0\"\n");
    canon = pv_config_canonical_json(cfg);
    assert_null(json_object_get(canon, "subset"));
    assert_null(json_object_get(canon, "faker_library"));
    json_decref(canon);
    pv_config_free(cfg);
}

/* ---------------------------------------------------------------- schema */

static void test_schema_shape(void **state)
{
    (void)state;
    json_t *s = pv_config_json_schema();
    assert_string_equal(json_string_value(json_object_get(s, "title")), "Config");
    assert_true(json_is_false(json_object_get(s, "additionalProperties")));
    json_t *defs = json_object_get(s, "$defs");
    static const char *const names[] = {
        "TableConfig",     "FakeAction",        "RegexMaskAction", "HashAction",   "HmacHashAction",
        "PseudonymAction", "PassthroughAction", "NullAction",      "StaticAction", "NerMaskAction",
        "AiRefineAction",  "JsonMaskAction",    "JsonMaskRule",    "SubsetConfig",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!json_object_get(defs, names[i]))
            fail_msg("missing $defs/%s", names[i]);

    json_t *null_action = json_object_get(defs, "NullAction");
    assert_true(json_is_false(json_object_get(null_action, "additionalProperties")));
    assert_dump(json_object_get(json_object_get(null_action, "properties"), "action"),
                "{\"const\":\"null\"}");
    assert_dump(json_object_get(json_object_get(defs, "FakeAction"), "required"),
                "[\"action\",\"provider\"]");

    json_t *cols = json_object_get(
        json_object_get(json_object_get(defs, "TableConfig"), "properties"), "columns");
    json_t *mapping = json_object_get(
        json_object_get(json_object_get(cols, "additionalProperties"), "discriminator"), "mapping");
    assert_string_equal(json_string_value(json_object_get(mapping, "null")), "#/$defs/NullAction");
    assert_int_equal(json_object_size(mapping), 11);

    json_t *props = json_object_get(s, "properties");
    assert_dump(json_object_get(props, "global_salt"),
                "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}],\"default\":null}");
    assert_dump(json_object_get(props, "batch_size"),
                "{\"default\":10000,\"minimum\":1,\"type\":\"integer\"}");
    assert_dump(json_object_get(json_object_get(props, "tables"), "propertyNames"),
                "{\"pattern\":\"^.+\\\\.[^.]+$\"}");
    assert_dump(json_object_get(s, "required"), "[\"version\"]");
    json_decref(s);
}

/* ---------------------------------------------------------------- providers */

static char provider_dir[64];

static void write_file(const char *name, const char *text)
{
    char *path = pv_xasprintf("%s/%s", provider_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

static const char *const PROVIDER_FILES[] = {
    "acme.yaml", "upper.yaml", "clash.yaml", "other.yml", "broken.yaml", "list.yaml", "long.yaml",
};

/* The scan runs once per process, so the directory must exist before any test. */
static int setup_providers(void **state)
{
    (void)state;
    strcpy(provider_dir, "/tmp/privaci-providers-XXXXXX");
    if (!mkdtemp(provider_dir))
        return -1;
    write_file("acme.yaml", "name: acme_employee_id\nkind: template\ntemplate: \"EMP-{hex:8}\"\n");
    write_file("upper.yaml", "name: Bad_Name\nkind: template\n");
    write_file("clash.yaml", "name: email\nkind: template\n");
    write_file("other.yml", "name: not_a_yaml_suffix\n");
    write_file("broken.yaml", "name: [unclosed\n");
    write_file("list.yaml", "- name: in_a_list\n");
    write_file("long.yaml",
               "name: a123456789012345678901234567890123456789012345678901234567890123\n");
    char *path = pv_xasprintf("/nonexistent-dir::%s", provider_dir);
    setenv("PRIVACI_PROVIDERS_PATH", path, 1);
    free(path);
    return 0;
}

static int teardown_providers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(PROVIDER_FILES) / sizeof(PROVIDER_FILES[0]); i++) {
        char *path = pv_xasprintf("%s/%s", provider_dir, PROVIDER_FILES[i]);
        unlink(path);
        free(path);
    }
    rmdir(provider_dir);
    return 0;
}

static void test_builtin_providers(void **state)
{
    (void)state;
    size_t n = 0;
    while (pv_builtin_providers[n])
        assert_true(pv_provider_exists(pv_builtin_providers[n++]));
    assert_int_equal(n, 19);
    assert_false(pv_provider_exists("emial"));
    assert_false(pv_provider_exists("Email"));
    assert_false(pv_provider_exists(""));
    assert_false(pv_provider_exists(NULL));
}

static void test_custom_providers(void **state)
{
    (void)state;
    assert_true(pv_provider_exists("acme_employee_id"));
    assert_false(pv_provider_exists("Bad_Name"));
    assert_false(pv_provider_exists("not_a_yaml_suffix"));
    assert_false(pv_provider_exists("in_a_list"));
    assert_false(
        pv_provider_exists("a123456789012345678901234567890123456789012345678901234567890123"));
}

/* The validator counts a custom provider as existing (config.md §9.1 stage 9). */
static void test_custom_provider_passes_validation(void **state)
{
    (void)state;
    pv_config *cfg = load("version: \"1.0\"\n"
                          "tables:\n"
                          "  hr.staff:\n"
                          "    columns:\n"
                          "      badge: {action: fake, provider: acme_employee_id}\n");
    pv_config_free(cfg);

    static const char bad[] = "version: \"1.0\"\n"
                              "tables:\n"
                              "  hr.staff:\n"
                              "    columns:\n"
                              "      badge: {action: fake, provider: acme_employee_idx}\n";
    pv_config *out = NULL;
    pv_error *err = pv_config_load_buffer("test.yaml", bad, strlen(bad), &out);
    assert_non_null(err);
    assert_int_equal(err->exit_code, PV_EXIT_CONFIG);
    pv_error_free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dump_sorts_keys_at_every_level),
        cmocka_unit_test(test_dump_sorts_by_code_point),
        cmocka_unit_test(test_dump_escapes_non_ascii_lowercase),
        cmocka_unit_test(test_dump_escapes_control_characters),
        cmocka_unit_test(test_dump_scalars),
        cmocka_unit_test(test_dump_reals_like_python),
        cmocka_unit_test(test_dump_invalid_utf8_becomes_replacement),
        cmocka_unit_test(test_pretty_matches_python_indent2),
        cmocka_unit_test(test_vector2_from_struct),
        cmocka_unit_test(test_vector1),
        cmocka_unit_test(test_vector2),
        cmocka_unit_test(test_formatting_and_defaults_do_not_change_hash),
        cmocka_unit_test(test_changed_value_changes_hash),
        cmocka_unit_test(test_faker_library),
        cmocka_unit_test(test_secrets_hashed_as_references),
        cmocka_unit_test(test_every_action_shape),
        cmocka_unit_test(test_subset_only_when_set),
        cmocka_unit_test(test_schema_shape),
        cmocka_unit_test(test_builtin_providers),
        cmocka_unit_test(test_custom_providers),
        cmocka_unit_test(test_custom_provider_passes_validation),
    };
    return cmocka_run_group_tests(tests, setup_providers, teardown_providers);
}
