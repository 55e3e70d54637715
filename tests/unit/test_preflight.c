/*
 * Unit tests for src/run: the pure pre-flight checks against hand-built
 * catalogs (config_tables, partition_config, config_columns,
 * sub_partitioning, null_actions, orphan_fks with every row of
 * catalog-and-schema.md §6.2), the plan and its JSON, batch sizes, the
 * dry-run plan text and report, pg_dump version handling, the extension
 * comparison, the disk advisory and artifact destinations.
 *
 * The executable also has a "probe" mode that runs the whole pre-flight in
 * a given mode, as `privaci run` / `resume` will (tests/integration/
 * test_preflight.py drives it for the run lock and the run-mode target
 * checks, which `dry-run` never performs):
 *     test_preflight probe <run|dry-run|resume> <config> <source url> <target url>
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "builders.h"
#include "obs/log.h"
#include "run/checks.h"
#include "run/dryrun.h"
#include "run/preflight.h"
#include "util/canonjson.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The shared fixture: users ← orders (NOT NULL FK) and notes (nullable
 * FK); a partitioned events table with two children; a sub-partitioned
 * tree; a table in a second schema.
 */
static pv_catalog *fixture(void)
{
    pv_catalog *cat = new_catalog();
    pv_table *users = add_table(cat, "public", "users", 1200);
    add_column(users, "id", "bigint", true, 8);
    add_column(users, "email", "text", true, 24);
    add_column(users, "nick", "character varying(40)", false, -1);
    add_column(users, "zip", "integer", false, 4);
    set_pk(users, "id");
    add_unique(users, "email");
    add_unique(users, "zip");

    pv_table *orders = add_table(cat, "public", "orders", 0);
    add_column(orders, "id", "bigint", true, 8);
    add_column(orders, "user_id", "bigint", true, 8);
    add_column(orders, "note", "text", false, 300);
    set_pk(orders, "id");
    add_fk(orders, "orders_user_id_fkey", "user_id", "public", "users", "id");

    pv_table *notes = add_table(cat, "public", "notes", -1);
    add_column(notes, "id", "integer", true, -1);
    add_column(notes, "user_id", "bigint", false, -1);
    add_fk(notes, "notes_user_id_fkey", "user_id", "public", "users", "id");

    pv_table *events = add_table(cat, "public", "events", -1);
    pv_table *e1 = add_table(cat, "public", "events_2024", 100);
    pv_table *e2 = add_table(cat, "public", "events_2025", 50);
    pv_table *parts[] = {events, e1, e2};
    for (size_t i = 0; i < 3; i++) {
        add_column(parts[i], "day", "date", true, i == 2 ? 4000 : 4);
        add_column(parts[i], "payload", "text", false, i == 2 ? 4000 : 40);
    }
    make_child(events, e1, "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
    make_child(events, e2, "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')");

    pv_table *tree = add_table(cat, "sales", "tree", -1);
    pv_table *branch = add_table(cat, "sales", "tree_a", -1);
    pv_table *leaf = add_table(cat, "sales", "tree_a1", 5);
    pv_table *tparts[] = {tree, branch, leaf};
    for (size_t i = 0; i < 3; i++)
        add_column(tparts[i], "k", "integer", true, 4);
    make_child(tree, branch, "FOR VALUES IN (1)");
    make_child(branch, leaf, "FOR VALUES IN (1)");
    branch->is_sub_partitioned = true;

    pv_catalog_sort(cat);
    pv_catalog_build_plan(cat);
    pv_catalog_build_warnings(cat, NULL, 0);
    return cat;
}

/* ------------------------------------------------- config vs catalog */

static void test_config_tables_missing_with_positions(void **state)
{
    (void)state;
    pv_catalog *cat = fixture();
    pv_config *cfg = config("version: \"1.0\"\n"
                            "tables:\n"
                            "  public.users: {}\n"
                            "  public.ghost: {}\n"
                            "  other.absent:\n"
                            "    strategy: exclude\n");
    assert_error(pv_check_config_tables(cfg, cat), PV_EXIT_CONFIG,
                 "Validating configured tables against the source catalog",
                 "Tables in config are absent from the source: other.absent (line 5, column 3), "
                 "public.ghost (line 4, column 3)",
                 "Fix table names in mask-rules.yaml or load the missing tables.");
    pv_config_free(cfg);
    pv_catalog_free(cat);
}

static void test_partition_child_configured(void **state)
{
    (void)state;
    pv_catalog *cat = fixture();
    pv_config *cfg = config("version: \"1.0\"\n"
                            "tables:\n"
                            "  public.events: {}\n"
                            "  public.events_2025:\n"
                            "    strategy: empty\n");
    assert_null(pv_check_config_tables(cfg, cat));
    assert_error(pv_check_partition_config(cfg, cat), PV_EXIT_CONFIG,
                 "Validating partition table configuration",
                 "Per-partition strategy overrides are not supported: public.events_2025 "
                 "(line 4, column 3)",
                 "Configure the partitioned parent table; children inherit its strategy.");
    pv_config_free(cfg);
    pv_catalog_free(cat);
}

static void test_config_columns_missing(void **state)
{
    (void)state;
    pv_catalog *cat = fixture();
    pv_config *cfg = config("version: \"1.0\"\n"
                            "tables:\n"
                            "  public.users:\n"
                            "    columns:\n"
                            "      email: { action: hash }\n"
                            "      Email: { action: hash }\n"
                            "      phone: { action: fake, provider: phone }\n");
    assert_error(pv_check_config_columns(cfg, cat), PV_EXIT_CONFIG,
                 "Validating configured columns against the source catalog",
                 "Columns in config are absent from the source: public.users.Email (line 6, "
                 "column 7), public.users.phone (line 7, column 7)",
                 "Fix column names in mask-rules.yaml.");
    pv_config_free(cfg);
    pv_catalog_free(cat);
}

static void test_sub_partitioning_only_in_scope(void **state)
{
    (void)state;
    pv_catalog *cat = fixture();
    pv_config *in_scope = config("version: \"1.0\"\n");
    assert_error(pv_check_sub_partitioning(in_scope, cat), PV_EXIT_PREFLIGHT,
                 "Checking native table partitioning",
                 "Sub-partitioned tables are not supported: sales.tree_a",
                 "Flatten partitioning to a single level or exclude sub-partitioned tables from "
                 "the run.");
    pv_config *excluded = config("version: \"1.0\"\n"
                                 "tables:\n"
                                 "  sales.tree: { strategy: exclude }\n");
    assert_null(pv_check_sub_partitioning(excluded, cat));
    pv_config_free(in_scope);
    pv_config_free(excluded);
    pv_catalog_free(cat);
}

static void test_null_actions_on_not_null(void **state)
{
    (void)state;
    pv_catalog *cat = fixture();
    pv_config *cfg = config("version: \"1.0\"\n"
                            "tables:\n"
                            "  public.users:\n"
                            "    columns:\n"
                            "      nick: { action: \"null\" }\n"
                            "      email: { action: null }\n"
                            "  public.events:\n"
                            "    columns:\n"
                            "      day: { action: \"null\" }\n");
    assert_error(pv_check_null_actions(cfg, cat), PV_EXIT_CONFIG, "Validating null actions",
                 "Action 'null' targets NOT NULL columns: tables.public.events.columns.day "
                 "(line 9, column 7), tables.public.users.columns.email (line 6, column 7)",
                 "Use a non-null action (fake, static, hash) or alter the source column to be "
                 "nullable; see docs/configuration.md#actions.");
    pv_config_free(cfg);
    pv_catalog_free(cat);
}

/* ----------------------------------------------------------- orphan FKs */

/* The fake "C references P": the FK names listed in ctx (NULL-terminated) reference. */
static pv_error *fake_references(void *ctx, const pv_catalog *cat, const pv_table *referencing,
                                 const pv_foreign_key *fk, bool *references)
{
    (void)cat;
    (void)referencing;
    *references = false;
    for (const char *const *name = ctx; *name; name++)
        if (strcmp(*name, fk->name) == 0)
            *references = true;
    return NULL;
}

static const char *const BOTH_REFERENCE[] = {"orders_user_id_fkey", "notes_user_id_fkey", NULL};
static const char *const NONE_REFERENCE[] = {NULL};

static pv_error *orphans(const char *yaml, const char *const *refs, pv_run_plan **plan_out)
{
    pv_catalog *cat = fixture();
    pv_config *cfg = config(yaml);
    pv_run_plan *plan = pv_run_plan_build(cfg, cat, NULL);
    pv_error *err = pv_check_orphan_fks(cfg, cat, plan, fake_references, (void *)refs);
    if (plan_out) {
        /* Callers inspecting the plan get a JSON rendering; the rest is freed here. */
        json_t *doc = pv_run_plan_json(plan, cfg);
        char *text = pv_canonjson_dump(doc);
        json_decref(doc);
        *plan_out = (pv_run_plan *)text;
        for (size_t i = 0; i < plan->n_omitted_fks; i++)
            assert_string_equal(plan->omitted_fks[i].fk_name, "notes_user_id_fkey");
    }
    pv_run_plan_free(plan);
    pv_config_free(cfg);
    pv_catalog_free(cat);
    return err;
}

static void test_orphan_row1_unreferenced_is_allowed(void **state)
{
    (void)state;
    /* Both FKs would fail on data, but no row of the referencing tables points anywhere. */
    assert_null(orphans("version: \"1.0\"\ntables:\n  public.users: { strategy: exclude }\n",
                        NONE_REFERENCE, NULL));
}

static void test_orphan_row2_excluded_not_null(void **state)
{
    (void)state;
    assert_error(orphans("version: \"1.0\"\ntables:\n  public.users: { strategy: exclude }\n",
                         BOTH_REFERENCE, NULL),
                 PV_EXIT_CONFIG, "Validating exclude strategy",
                 "Excluded table is referenced by NOT NULL FKs: public.orders.user_id",
                 "Set strategy: empty on the referencing tables, or stream public.users "
                 "(strategy: transform).");
}

static void test_orphan_row3_emptied_not_null(void **state)
{
    (void)state;
    assert_error(orphans("version: \"1.0\"\ntables:\n  public.users: { strategy: truncate }\n",
                         BOTH_REFERENCE, NULL),
                 PV_EXIT_CONFIG, "Validating exclude strategy",
                 "Table emptied by strategy truncate is referenced by NOT NULL FKs: "
                 "public.orders.user_id",
                 "Stream public.users (strategy: transform), or set strategy: empty on the "
                 "referencing tables.");
}

static void test_orphan_row5_needs_null_orphan_fks(void **state)
{
    (void)state;
    /* orders is emptied itself, so only the nullable FK of notes is left. */
    assert_error(orphans("version: \"1.0\"\ntables:\n"
                         "  public.users: { strategy: empty }\n"
                         "  public.orders: { strategy: empty }\n",
                         BOTH_REFERENCE, NULL),
                 PV_EXIT_CONFIG, "Validating exclude strategy",
                 "Tables referencing public.users (strategy empty) need null_orphan_fks: "
                 "public.notes.user_id",
                 "Set null_orphan_fks: true on the referencing tables, or stream public.users "
                 "(strategy: transform).");
}

static void test_orphan_row4_nulls_the_columns(void **state)
{
    (void)state;
    pv_run_plan *text = NULL;
    assert_null(orphans("version: \"1.0\"\ntables:\n"
                        "  public.users: { strategy: exclude }\n"
                        "  public.orders: { strategy: exclude }\n"
                        "  public.notes:\n"
                        "    null_orphan_fks: true\n"
                        "    columns:\n"
                        "      user_id: { action: hash }\n",
                        BOTH_REFERENCE, &text));
    /* null_orphan_fks wins over the explicit action: an orphan must not survive. */
    assert_non_null(strstr((char *)text, "\"user_id\":{\"action\":{\"action\":\"null\"},"
                                         "\"fpe\":false,\"hash_path\":null,"
                                         "\"source\":\"null_orphan_fks\",\"unique\":false}"));
    free(text);
}

/* --------------------------------------------------------------- plan */

static void test_batch_rows_formula(void **state)
{
    (void)state;
    pv_table t = {0};
    assert_int_equal(pv_batch_rows(10000, &t), 10000); /* no columns: width 256 */
    pv_column wide[2] = {{.avg_width = 100000000}, {.avg_width = 100000000}};
    t.columns = wide;
    t.n_columns = 2;
    assert_int_equal(pv_batch_rows(10000, &t), 100); /* 256 MiB / 200 MB < 100 */
    pv_column narrow[1] = {{.avg_width = 4}};
    t.columns = narrow;
    t.n_columns = 1;
    /* width at least 64 → 4,194,304 rows max */
    assert_int_equal(pv_batch_rows(1000000000, &t), 4194304);
    assert_int_equal(pv_batch_rows(50, &t), 100); /* the floor also raises a request */
    pv_column unknown[3] = {{.avg_width = -1}, {.avg_width = 0}, {.avg_width = 1000000}};
    t.columns = unknown;
    t.n_columns = 3;
    /* 64 + 64 + 1,000,000 = 1,000,128 → floor(268435456 / 1000128) = 268 */
    assert_int_equal(pv_batch_rows(10000, &t), 268);
}

static const char PLAN_CONFIG[] = "version: \"1.0\"\n"
                                  "batch_size: 5000\n"
                                  "tables:\n"
                                  "  public.users:\n"
                                  "    columns:\n"
                                  "      email: { action: fake, provider: email }\n"
                                  "      id: { action: passthrough }\n"
                                  "      zip: { action: fake, provider: postcode, seed_alias: z }\n"
                                  "  public.events:\n"
                                  "    batch_size: 20000\n"
                                  "  public.notes: { strategy: empty }\n"
                                  "  sales.tree: { strategy: exclude }\n";

static void test_plan_json(void **state)
{
    (void)state;
    pv_catalog *cat = fixture();
    pv_config *cfg = config(PLAN_CONFIG);
    pv_run_plan *plan = pv_run_plan_build(cfg, cat, NULL);
    json_t *doc = pv_run_plan_json(plan, cfg);
    char *text = pv_canonjson_dump(doc);
    /* transform tables only; parents stand for children; passthrough columns included */
    const char *expected =
        "{\"faker_library\":\"standard\",\"tables\":{"
        "\"public.events\":{"
        "\"day\":{\"action\":{\"action\":\"passthrough\"},\"fpe\":false,\"hash_path\":null,"
        "\"source\":\"default\",\"unique\":false},"
        "\"payload\":{\"action\":{\"action\":\"passthrough\"},\"fpe\":false,\"hash_path\":null,"
        "\"source\":\"default\",\"unique\":false}},"
        "\"public.orders\":{"
        "\"id\":{\"action\":{\"action\":\"passthrough\"},\"fpe\":false,\"hash_path\":null,"
        "\"source\":\"default\",\"unique\":true},"
        "\"note\":{\"action\":{\"action\":\"passthrough\"},\"fpe\":false,\"hash_path\":null,"
        "\"source\":\"default\",\"unique\":false},"
        "\"user_id\":{\"action\":{\"action\":\"passthrough\"},\"fpe\":false,\"hash_path\":null,"
        "\"source\":\"default\",\"unique\":false}},"
        "\"public.users\":{"
        "\"email\":{\"action\":{\"action\":\"fake\",\"params\":{},\"provider\":\"email\","
        "\"seed_alias\":null},\"fpe\":false,\"hash_path\":\"public.users.email\","
        "\"source\":\"config\",\"unique\":true},"
        "\"id\":{\"action\":{\"action\":\"passthrough\"},\"fpe\":false,\"hash_path\":null,"
        "\"source\":\"config\",\"unique\":true},"
        "\"nick\":{\"action\":{\"action\":\"passthrough\"},\"fpe\":false,\"hash_path\":null,"
        "\"source\":\"default\",\"unique\":false},"
        "\"zip\":{\"action\":{\"action\":\"fake\",\"params\":{},\"provider\":\"postcode\","
        "\"seed_alias\":\"z\"},\"fpe\":true,\"hash_path\":\"z\",\"source\":\"config\","
        "\"unique\":true}}}}";
    assert_string_equal(text, expected);
    free(text);
    json_decref(doc);
    pv_run_plan_free(plan);
    pv_config_free(cfg);
    pv_catalog_free(cat);
}

static void test_plan_text_exact(void **state)
{
    (void)state;
    pv_catalog *cat = fixture();
    pv_config *cfg = config(PLAN_CONFIG);
    pv_run_plan *plan = pv_run_plan_build(cfg, cat, NULL);
    char *text = pv_dry_run_plan_text(cat, plan);
    /*
     * events: the 2025 child is wide (8000 bytes) → 33554 rows, below the
     * requested 20000? No: 268435456 / 8000 = 33554 > 20000, so 20000; the
     * 2024 child asks 20000 too. tree is excluded; notes is emptied.
     */
    assert_string_equal(text, "Pre-flight OK (9 table(s) in source):\n"
                              "Auto-detect: 2 column(s) to mask, 0 uncertain for review\n"
                              "  public.events: strategy=transform (partitioned, 2 partition(s), "
                              "~150 rows, batch 20000)\n"
                              "  public.notes: strategy=empty (~unknown rows)\n"
                              "  public.orders: strategy=transform (~unknown rows, batch 5000)\n"
                              "  public.users: strategy=transform (~1200 rows, batch 5000)\n"
                              "      keep: id (config)\n"
                              "      mask: email -> fake/email (config)\n"
                              "      mask: zip -> fake/postcode (config)\n"
                              "  sales.tree: strategy=exclude (partitioned, 1 partition(s), "
                              "~unknown rows)\n");
    free(text);
    pv_run_plan_free(plan);
    pv_config_free(cfg);
    pv_catalog_free(cat);
}

static void test_parent_batch_is_smallest_child(void **state)
{
    (void)state;
    pv_catalog *cat = fixture();
    pv_config *cfg = config("version: \"1.0\"\nbatch_size: 100000\n");
    pv_run_plan *plan = pv_run_plan_build(cfg, cat, NULL);
    const pv_plan_table *events =
        pv_run_plan_table(plan, cat, pv_catalog_find(cat, "public.events"));
    /* events_2025 rows are 8000 bytes wide: floor(268435456 / 8000) = 33554. */
    assert_int_equal(events->batch_rows, 33554);
    /* A child's plan is its parent's. */
    assert_ptr_equal(pv_run_plan_table(plan, cat, pv_catalog_find(cat, "public.events_2024")),
                     events);
    pv_run_plan_free(plan);
    pv_config_free(cfg);
    pv_catalog_free(cat);
}

static void test_report_text_exact(void **state)
{
    (void)state;
    pv_catalog *cat = fixture();
    pv_config *cfg = config("version: \"1.0\"\n"
                            "auto_detect: false\n"
                            "tables:\n"
                            "  public.users:\n"
                            "    columns:\n"
                            "      email: { action: fake, provider: email }\n"
                            "      id: { action: passthrough }\n"
                            "      nick: { action: hash }\n"
                            "  public.events: { strategy: exclude }\n"
                            "  public.orders: { strategy: exclude }\n"
                            "  public.notes: { strategy: exclude }\n"
                            "  sales.tree: { strategy: exclude }\n");
    pv_run_plan *plan = pv_run_plan_build(cfg, cat, NULL);
    char *text = pv_detection_report_text(cat, plan, cfg->auto_detect, true);
    assert_string_equal(text, "# PrivaCI auto-detect report\n"
                              "\n"
                              "Tables inspected: 9\n"
                              "Auto-detect: off\n"
                              "Strict mode: on\n"
                              "\n"
                              "## public.users\n"
                              "\n"
                              "### Masked (auto-detect)\n"
                              "- _(none)_\n"
                              "\n"
                              "### Explicit config\n"
                              "- `id`: passthrough (high)\n"
                              "- `email`: fake, provider=email (high)\n"
                              "- `nick`: hash (high)\n"
                              "\n"
                              "### Uncertain (manual review)\n"
                              "- _(none)_\n"
                              "\n"
                              "### Passthrough\n"
                              "- `zip`: passthrough (low)\n"
                              "\n");
    free(text);
    pv_run_plan_free(plan);
    pv_config_free(cfg);
    pv_catalog_free(cat);
}

/* ------------------------------------------------------------ pg_dump */

static void assert_parse(const char *output, const char *version, int major)
{
    char v[64];
    int m = 0;
    assert_true(pv_pg_dump_parse_version(output, v, sizeof(v), &m));
    assert_string_equal(v, version);
    assert_int_equal(m, major);
}

static void test_pg_dump_version_parsing(void **state)
{
    (void)state;
    assert_parse("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n", "15.20", 150000);
    assert_parse("pg_dump (PostgreSQL) 11.0\n", "11.0", 110000);
    assert_parse("pg_dump (PostgreSQL) 9.6.24\n", "9.6.24", 90600);
    assert_parse("pg_dump (PostgreSQL) 17beta1", "17beta1", 170000);
    char v[64];
    int m;
    assert_false(pv_pg_dump_parse_version("psql (PostgreSQL) 15.1", v, sizeof(v), &m));
    assert_false(pv_pg_dump_parse_version("pg_dump: unknown option", v, sizeof(v), &m));
    assert_false(pv_pg_dump_parse_version("", v, sizeof(v), &m));
}

static char *fake_pg_dump(const char *dir, const char *name, const char *line)
{
    char *path = pv_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\necho '%s'\n", line);
    fclose(f);
    chmod(path, 0755);
    return path;
}

static void test_pg_dump_check(void **state)
{
    (void)state;
    char dir[] = "/tmp/privaci-pgdump-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *old = fake_pg_dump(dir, "old", "pg_dump (PostgreSQL) 11.0");
    char *new = fake_pg_dump(dir, "new", "pg_dump (PostgreSQL) 16.2");
    setenv("PRIVACI_PG_DUMP", old, 1);
    assert_error(pv_check_pg_dump(150004), PV_EXIT_PREFLIGHT, "Checking pg_dump compatibility",
                 "pg_dump 11.0 cannot dump a 15 server.",
                 "Install a pg_dump of major version \u2265 15.");
    setenv("PRIVACI_PG_DUMP", new, 1);
    assert_null(pv_check_pg_dump(150004));
    assert_null(pv_check_pg_dump(160000));
    assert_error(pv_check_pg_dump(170002), PV_EXIT_PREFLIGHT, "Checking pg_dump compatibility",
                 "pg_dump 16.2 cannot dump a 17 server.", NULL);
    char *missing = pv_xasprintf("%s/none", dir);
    setenv("PRIVACI_PG_DUMP", missing, 1);
    pv_error *err = pv_check_pg_dump(150004);
    assert_non_null(err);
    assert_int_equal(err->exit_code, PV_EXIT_PREFLIGHT);
    pv_error_free(err);
    unsetenv("PRIVACI_PG_DUMP");
    unlink(old);
    unlink(new);
    rmdir(dir);
    free(old);
    free(new);
    free(missing);
}

/* -------------------------------------------------------------- misc */

static void test_extensions_comparison(void **state)
{
    (void)state;
    pv_source_extension exts[3] = {{(char *)"citext", (char *)"public.users.email"},
                                   {(char *)"hstore", NULL},
                                   {(char *)"pgcrypto", NULL}};
    const char *all[] = {"citext", "hstore", "pgcrypto", "plpgsql"};
    assert_null(pv_check_extensions_available(exts, 3, all, 4));
    const char *some[] = {"pgcrypto", "plpgsql"};
    assert_error(pv_check_extensions_available(exts, 3, some, 2), PV_EXIT_PREFLIGHT,
                 "Checking target extensions",
                 "Extension citext required by public.users.email is not available on the "
                 "target.\nExtension hstore required by the source database is not available on "
                 "the target.",
                 "Install the extension package on the target server.");
    assert_null(pv_check_extensions_available(NULL, 0, some, 2));
}

static void test_disk_advisory(void **state)
{
    (void)state;
    char *s = pv_format_thousands(50000000);
    assert_string_equal(s, "50,000,000");
    free(s);
    s = pv_format_thousands(999);
    assert_string_equal(s, "999");
    free(s);
    s = pv_format_thousands(1000);
    assert_string_equal(s, "1,000");
    free(s);

    pv_catalog *cat = fixture();
    pv_config *cfg = config("version: \"1.0\"\n");
    assert_null(pv_disk_advisory_message(cfg, cat));
    pv_table *users = (pv_table *)pv_catalog_find(cat, "public.users");
    users->estimated_rows = 49999845; /* + 100 + 50 (events children) + 5 (sales.tree_a1) */
    char *msg = pv_disk_advisory_message(cfg, cat);
    assert_string_equal(msg, "Estimated source rows (50,000,000) exceed the MVP disk advisory "
                             "threshold; verify target free space before proceeding.");
    free(msg);
    pv_config_free(cfg);
    /* Excluded tables are not copied, so they do not count. */
    cfg = config("version: \"1.0\"\ntables:\n  public.users: { strategy: exclude }\n");
    assert_null(pv_disk_advisory_message(cfg, cat));
    pv_config_free(cfg);
    pv_catalog_free(cat);
}

static void test_on_existing_texts(void **state)
{
    (void)state;
    assert_error(pv_on_existing_error(3), PV_EXIT_PREFLIGHT, "Checking target database is empty",
                 "Target contains 3 user table(s) outside _privaci and on_existing_data is fail.",
                 "Use an empty target database, or set on_existing_data to truncate or "
                 "drop_create in mask-rules.yaml.");
    char *msg = pv_target_not_empty_message(1);
    assert_string_equal(msg, "Target has 1 user table(s) outside _privaci; a real run will fail "
                             "with on_existing_data: fail unless the target is emptied or the "
                             "policy is changed.");
    free(msg);
}

static void test_artifact_destinations(void **state)
{
    (void)state;
    const char *fix = "Use a local path, file://, s3://, or azure-blob:// URI. See "
                      "docs/object-output.md.";
    assert_error(pv_artifact_check(""), PV_EXIT_GENERIC, "Parsing object destination URI",
                 "Object destination cannot be empty", fix);
    assert_error(pv_artifact_check("ftp://host/x.md"), PV_EXIT_GENERIC,
                 "Parsing object destination URI", "Unsupported object URI scheme: 'ftp'", fix);
    assert_error(pv_artifact_check("s3://bucket"), PV_EXIT_GENERIC,
                 "Parsing object destination URI", "s3://<bucket>/<key> requires bucket and key",
                 fix);
    assert_error(pv_artifact_check("azure-blob://acct/c/b"), PV_EXIT_CONFIG,
                 "Writing compliance artifact", "azure-blob:// destinations are not supported yet.",
                 "Use a local path, file:// or s3://.");
    pv_error *s3 = pv_artifact_check("s3://bucket/key.md");
    assert_non_null(s3);
    assert_int_equal(s3->exit_code, PV_EXIT_GENERIC);
    pv_error_free(s3);
    assert_null(pv_artifact_check("./report.md"));
    assert_null(pv_artifact_check("file:///tmp/x.md"));

    char dir[] = "/tmp/privaci-artifact-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *nested = pv_xasprintf("%s/a/b/report.md", dir);
    assert_null(pv_artifact_write(nested, "one\n", "the detection report"));
    char *uri = pv_xasprintf("file://localhost%s", nested);
    assert_null(pv_artifact_write(uri, "two\n", "the detection report"));
    FILE *f = fopen(nested, "r");
    char buf[16] = {0};
    assert_non_null(f);
    assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
    fclose(f);
    assert_string_equal(buf, "two\n");
    char *blocked = pv_xasprintf("%s/a/b/report.md/x", dir);
    pv_error *err = pv_artifact_write(blocked, "x", "the detection report");
    assert_non_null(err);
    assert_string_equal(err->context, "Writing the detection report");
    assert_non_null(strstr(err->cause, "Could not write <local-path>: "));
    pv_error_free(err);
    unlink(nested);
    char *b = pv_xasprintf("%s/a/b", dir), *a = pv_xasprintf("%s/a", dir);
    rmdir(b);
    rmdir(a);
    rmdir(dir);
    free(a);
    free(b);
    free(nested);
    free(uri);
    free(blocked);
}

static void test_strict_check(void **state)
{
    (void)state;
    /* No pattern library: nothing matches, so strict mode has nothing uncovered. */
    pv_catalog *cat = fixture();
    pv_config *cfg = config(PLAN_CONFIG);
    pv_run_plan *plan = pv_run_plan_build(cfg, cat, NULL);
    assert_null(pv_preflight_strict_check(plan, false));
    assert_null(pv_preflight_strict_check(plan, true));
    pv_run_plan_free(plan);
    pv_config_free(cfg);
    pv_catalog_free(cat);
}

/* ============================================================ probe */

static int probe(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s probe <run|dry-run|resume> <config> <source> <target>\n",
                argv[0]);
        return 64;
    }
    pv_log_init(PV_STREAM_EVENTS, PV_LOG_INFO);
    pv_preflight_mode mode = strcmp(argv[2], "run") == 0      ? PV_PREFLIGHT_RUN
                             : strcmp(argv[2], "resume") == 0 ? PV_PREFLIGHT_RESUME
                                                              : PV_PREFLIGHT_DRY_RUN;
    pv_config *cfg = NULL;
    pv_error *err = pv_config_load(argv[3], &cfg);
    pv_preflight *pf = NULL;
    if (!err) {
        pv_preflight_opts opts = {mode,  cfg, argv[4], argv[5], false, cfg->strict_autodetect,
                                  false, NULL};
        err = pv_preflight_run(&opts, &pf);
    }
    int code = 0;
    if (err) {
        code = err->exit_code;
        json_t *fields = json_pack("{s:s, s:i, s:s, s:s, s:s}", "message", err->cause, "exit_code",
                                   code, "context", err->context, "cause", err->cause,
                                   "remediation", err->remediation);
        pv_event(PV_LOG_ERROR, "error", fields);
        pv_error_print(err, stderr);
        pv_error_free(err);
    } else {
        printf("{\"probe\":\"ok\",\"source_db_hash\":\"%s\",\"snapshot\":%s}\n", pf->source_db_hash,
               pf->snapshot_id ? "true" : "false");
    }
    pv_preflight_free(pf);
    pv_config_free(cfg);
    return code;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "probe") == 0)
        return probe(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_tables_missing_with_positions),
        cmocka_unit_test(test_partition_child_configured),
        cmocka_unit_test(test_config_columns_missing),
        cmocka_unit_test(test_sub_partitioning_only_in_scope),
        cmocka_unit_test(test_null_actions_on_not_null),
        cmocka_unit_test(test_orphan_row1_unreferenced_is_allowed),
        cmocka_unit_test(test_orphan_row2_excluded_not_null),
        cmocka_unit_test(test_orphan_row3_emptied_not_null),
        cmocka_unit_test(test_orphan_row5_needs_null_orphan_fks),
        cmocka_unit_test(test_orphan_row4_nulls_the_columns),
        cmocka_unit_test(test_batch_rows_formula),
        cmocka_unit_test(test_plan_json),
        cmocka_unit_test(test_plan_text_exact),
        cmocka_unit_test(test_parent_batch_is_smallest_child),
        cmocka_unit_test(test_report_text_exact),
        cmocka_unit_test(test_pg_dump_version_parsing),
        cmocka_unit_test(test_pg_dump_check),
        cmocka_unit_test(test_extensions_comparison),
        cmocka_unit_test(test_disk_advisory),
        cmocka_unit_test(test_on_existing_texts),
        cmocka_unit_test(test_artifact_destinations),
        cmocka_unit_test(test_strict_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
