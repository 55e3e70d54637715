/*
 * Unit tests for the plan's masking.md §7 pass and the checks on it:
 * FK groups (chains, multi-column FKs, self-references, several roots,
 * partition children, FKs into excluded tables), the group's action
 * (inheritance, the root's auto-detect result, explicit conflicts, the
 * nullable-`null` exception), hash paths and seed_aliases, unique
 * propagation; and type_compatibility (masking.md §4.3): a table of
 * allowed and rejected (action, type) pairs, static values, arrays,
 * varchar/char lengths and length_risk, and the same-type rule for
 * integer outputs sharing a hash path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "builders.h"
#include "run/checks.h"
#include "util/canonjson.h"

static const char FK_CONTEXT[] = "Validating foreign-key masking consistency";
static const char FK_REMEDIATION[] =
    "Use the same action and provider on both columns (or passthrough on both).";
static const char TYPE_CONTEXT[] = "Validating masking actions against column types";
static const char TYPE_REMEDIATION[] =
    "Choose a type-compatible action (see docs/configuration.md#actions).";

/* ------------------------------------------------------------ fixture */

/*
 * users ← accounts.user_id (unique) ← sessions.account_user_id: a chain;
 * notes references users twice; employees references itself; offices →
 * regions by a two-column key; links.ref → p1.id and p2.id (two roots);
 * refs → legacy; bigrefs.ref (bigint) → ints.id (integer); events is
 * partitioned and only its child declares the FK; contacts.email →
 * people.handle.
 */
static pv_catalog *groups_catalog(void)
{
    pv_catalog *cat = new_catalog();
    pv_table *users = add_table(cat, "public", "users", 10);
    add_column(users, "id", "bigint", true, 8);
    add_column(users, "email", "text", true, 20);
    add_column(users, "login", "text", false, 10);
    set_pk(users, "id");
    add_unique(users, "email");

    pv_table *accounts = add_table(cat, "public", "accounts", 10);
    add_column(accounts, "id", "bigint", true, 8);
    add_column(accounts, "user_id", "bigint", true, 8);
    set_pk(accounts, "id");
    add_unique(accounts, "user_id");
    add_fk(accounts, "accounts_user_id_fkey", "user_id", "public", "users", "id");

    pv_table *sessions = add_table(cat, "public", "sessions", 10);
    add_column(sessions, "id", "bigint", true, 8);
    add_column(sessions, "account_user_id", "bigint", false, 8);
    set_pk(sessions, "id");
    add_fk(sessions, "sessions_account_fkey", "account_user_id", "public", "accounts", "user_id");

    pv_table *notes = add_table(cat, "public", "notes", 10);
    add_column(notes, "id", "integer", true, 4);
    add_column(notes, "user_id", "bigint", false, 8);
    add_column(notes, "author_email", "text", false, 20);
    set_pk(notes, "id");
    add_fk(notes, "notes_user_id_fkey", "user_id", "public", "users", "id");
    add_fk(notes, "notes_author_email_fkey", "author_email", "public", "users", "email");

    pv_table *employees = add_table(cat, "public", "employees", 10);
    add_column(employees, "id", "integer", true, 4);
    add_column(employees, "manager_id", "integer", false, 4);
    set_pk(employees, "id");
    add_fk(employees, "employees_manager_fkey", "manager_id", "public", "employees", "id");

    pv_table *regions = add_table(cat, "public", "regions", 10);
    add_column(regions, "country", "text", true, 2);
    add_column(regions, "code", "text", true, 3);
    set_pk(regions, "country");
    pv_strlist_push(&regions->primary_key, "code");
    pv_table *offices = add_table(cat, "public", "offices", 10);
    add_column(offices, "id", "integer", true, 4);
    add_column(offices, "country", "text", false, 2);
    add_column(offices, "region_code", "text", false, 3);
    set_pk(offices, "id");
    const char *const cols[] = {"country", "region_code"};
    const char *const refs[] = {"country", "code"};
    add_fk_multi(offices, "offices_region_fkey", cols, 2, "public", "regions", refs);

    pv_table *p1 = add_table(cat, "public", "p1", 10);
    add_column(p1, "id", "bigint", true, 8);
    set_pk(p1, "id");
    pv_table *p2 = add_table(cat, "public", "p2", 10);
    add_column(p2, "id", "bigint", true, 8);
    set_pk(p2, "id");
    pv_table *links = add_table(cat, "public", "links", 10);
    add_column(links, "ref", "bigint", false, 8);
    add_fk(links, "links_p1_fkey", "ref", "public", "p1", "id");
    add_fk(links, "links_p2_fkey", "ref", "public", "p2", "id");

    pv_table *legacy = add_table(cat, "public", "legacy", 10);
    add_column(legacy, "id", "bigint", true, 8);
    set_pk(legacy, "id");
    pv_table *refs_t = add_table(cat, "public", "refs", 10);
    add_column(refs_t, "legacy_id", "bigint", false, 8);
    add_fk(refs_t, "refs_legacy_fkey", "legacy_id", "public", "legacy", "id");

    pv_table *ints = add_table(cat, "public", "ints", 10);
    add_column(ints, "id", "integer", true, 4);
    set_pk(ints, "id");
    pv_table *bigrefs = add_table(cat, "public", "bigrefs", 10);
    add_column(bigrefs, "ref", "bigint", false, 8);
    add_fk(bigrefs, "bigrefs_ref_fkey", "ref", "public", "ints", "id");

    pv_table *events = add_table(cat, "public", "events", -1);
    pv_table *e1 = add_table(cat, "public", "events_2024", 10);
    add_column(events, "day", "date", true, 4);
    add_column(events, "user_id", "bigint", false, 8);
    add_column(e1, "day", "date", true, 4);
    add_column(e1, "user_id", "bigint", false, 8);
    make_child(events, e1, "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
    add_fk(e1, "events_2024_user_fkey", "user_id", "public", "users", "id");

    pv_table *people = add_table(cat, "public", "people", 10);
    add_column(people, "handle", "text", true, 10);
    set_pk(people, "handle");
    pv_table *contacts = add_table(cat, "public", "contacts", 10);
    add_column(contacts, "email", "text", false, 20);
    add_fk(contacts, "contacts_email_fkey", "email", "public", "people", "handle");

    pv_catalog_sort(cat);
    pv_catalog_build_plan(cat);
    return cat;
}

typedef struct fixture {
    pv_catalog *cat;
    pv_config *cfg;
    pv_run_plan *plan;
} fixture;

static fixture linked_with(pv_catalog *cat, const char *yaml, const pv_patterns *patterns)
{
    fixture f = {cat, config(yaml), NULL};
    f.plan = pv_run_plan_build(f.cfg, f.cat, patterns);
    pv_run_plan_link(f.plan, f.cat);
    return f;
}

static fixture linked(const char *yaml)
{
    return linked_with(groups_catalog(), yaml, NULL);
}

static void fixture_free(fixture *f)
{
    pv_run_plan_free(f->plan);
    pv_config_free(f->cfg);
    pv_catalog_free(f->cat);
}

static const pv_plan_column *col(const fixture *f, const char *table, const char *column)
{
    for (size_t i = 0; i < f->plan->n_tables; i++)
        for (size_t c = 0;
             strcmp(f->plan->tables[i].table->id, table) == 0 && c < f->plan->tables[i].n_columns;
             c++)
            if (strcmp(f->plan->tables[i].columns[c].column->name, column) == 0)
                return &f->plan->tables[i].columns[c];
    fail_msg("no column %s.%s", table, column);
    return NULL;
}

static const pv_fk_group *group_of(const fixture *f, const char *root)
{
    for (size_t i = 0; i < f->plan->n_groups; i++)
        if (strcmp(f->plan->groups[i].root, root) == 0)
            return &f->plan->groups[i];
    return NULL;
}

static const pv_plan_warning *warning_of(const fixture *f, const char *code)
{
    for (size_t i = 0; i < f->plan->n_warnings; i++)
        if (strcmp(f->plan->warnings[i].code, code) == 0)
            return &f->plan->warnings[i];
    return NULL;
}

static char *members_text(const pv_fk_group *g)
{
    size_t len = 1;
    for (size_t i = 0; i < g->members.n; i++)
        len += strlen(g->members.items[i]) + 1;
    char *out = pv_xcalloc(len, 1);
    for (size_t i = 0; i < g->members.n; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, g->members.items[i]);
    }
    return out;
}

static void assert_members(const fixture *f, const char *root, const char *expected)
{
    const pv_fk_group *g = group_of(f, root);
    assert_non_null(g);
    char *text = members_text(g);
    assert_string_equal(text, expected);
    free(text);
}

static void assert_inherits(const pv_plan_column *pc, pv_action_kind kind, const char *hash_path)
{
    assert_int_equal(pc->source, PV_SOURCE_FK_INHERITED);
    assert_int_equal(pc->action, kind);
    assert_non_null(pv_plan_column_action(pc));
    assert_int_equal(pv_plan_column_action(pc)->kind, kind);
    if (hash_path)
        assert_string_equal(pc->hash_path, hash_path);
    else
        assert_null(pc->hash_path);
}

static char *column_json(const fixture *f, const char *table, const char *column)
{
    json_t *doc = pv_run_plan_json(f->plan, f->cfg);
    json_t *entry = json_object_get(json_object_get(json_object_get(doc, "tables"), table), column);
    assert_non_null(entry);
    char *text = pv_canonjson_dump(entry);
    json_decref(doc);
    return text;
}

#define NO_AUTODETECT "version: \"1.0\"\nauto_detect: false\n"

/* ------------------------------------------------------------ FK groups */

static void test_chain_inherits_the_root_action(void **state)
{
    (void)state;
    fixture f = linked(NO_AUTODETECT "tables:\n"
                                     "  public.users:\n"
                                     "    columns:\n"
                                     "      id: { action: hash }\n");
    assert_members(&f, "public.users.id",
                   "public.accounts.user_id public.events.user_id public.notes.user_id "
                   "public.sessions.account_user_id public.users.id");
    const pv_plan_column *root = col(&f, "public.users", "id");
    assert_int_equal(root->source, PV_SOURCE_CONFIG);
    assert_string_equal(root->hash_path, "public.users.id");
    /* Two steps down the chain: same action, the root's hash path, unique as the root. */
    const pv_plan_column *s = col(&f, "public.sessions", "account_user_id");
    assert_inherits(s, PV_ACT_HASH, "public.users.id");
    assert_true(s->unique);
    assert_true(s->fpe); /* standard, unique bigint, hash: §9.2 with the group's key */
    assert_ptr_equal(s->origin, root);
    assert_int_equal(s->finding->source, PV_FINDING_FK_INHERITED);
    assert_int_equal(s->finding->confidence, PV_CONFIDENCE_HIGH);
    assert_string_equal(s->finding->reasons.items[0], "inherited from public.users.id");
    assert_int_equal(pv_finding_action(s->finding)->kind, PV_ACT_HASH);
    assert_true(col(&f, "public.notes", "user_id")->unique);
    /* The partitioned parent stands for its child, whose FK it is. */
    assert_inherits(col(&f, "public.events", "user_id"), PV_ACT_HASH, "public.users.id");
    char *json = column_json(&f, "public.sessions", "account_user_id");
    assert_string_equal(json, "{\"action\":{\"action\":\"hash\"},\"fpe\":true,"
                              "\"hash_path\":\"public.users.id\",\"source\":\"fk_inherited\","
                              "\"unique\":true}");
    free(json);
    assert_null(pv_check_fk_consistency(f.plan));
    assert_null(warning_of(&f, "seed_alias_mismatch"));
    fixture_free(&f);
}

static void test_child_action_is_inherited_by_the_root(void **state)
{
    (void)state;
    fixture f = linked(NO_AUTODETECT "tables:\n"
                                     "  public.notes:\n"
                                     "    columns:\n"
                                     "      author_email: { action: fake, provider: email,"
                                     " params: { domain: example.test } }\n");
    const pv_plan_column *root = col(&f, "public.users", "email");
    assert_inherits(root, PV_ACT_FAKE, "public.users.email");
    assert_string_equal(pv_plan_column_action(root)->provider, "email");
    assert_string_equal(pv_plan_column_action(root)->params[0].value, "example.test");
    assert_ptr_equal(root->origin, col(&f, "public.notes", "author_email"));
    assert_string_equal(root->finding->reasons.items[0],
                        "inherited from public.notes.author_email");
    /* The child keeps its config source; both use the root's path and the unique flag. */
    const pv_plan_column *child = col(&f, "public.notes", "author_email");
    assert_int_equal(child->source, PV_SOURCE_CONFIG);
    assert_string_equal(child->hash_path, "public.users.email");
    assert_true(child->unique);
    char *json = column_json(&f, "public.users", "email");
    assert_string_equal(json, "{\"action\":{\"action\":\"fake\",\"params\":{\"domain\":"
                              "\"example.test\"},\"provider\":\"email\",\"seed_alias\":null},"
                              "\"fpe\":false,\"hash_path\":\"public.users.email\","
                              "\"source\":\"fk_inherited\",\"unique\":true}");
    free(json);
    fixture_free(&f);
}

static void test_multi_column_fk_pairs_position_wise(void **state)
{
    (void)state;
    fixture f = linked(NO_AUTODETECT "tables:\n"
                                     "  public.offices:\n"
                                     "    columns:\n"
                                     "      country: { action: fake, provider: country }\n");
    assert_members(&f, "public.regions.country", "public.offices.country public.regions.country");
    assert_members(&f, "public.regions.code", "public.offices.region_code public.regions.code");
    assert_inherits(col(&f, "public.regions", "country"), PV_ACT_FAKE, "public.regions.country");
    assert_string_equal(col(&f, "public.offices", "country")->hash_path, "public.regions.country");
    /* A composite key makes each member unique, and the group shares it. */
    assert_true(col(&f, "public.offices", "country")->unique);
    assert_int_equal(col(&f, "public.regions", "code")->action, PV_ACT_PASSTHROUGH);
    assert_int_equal(col(&f, "public.offices", "region_code")->source, PV_SOURCE_DEFAULT);
    fixture_free(&f);
}

static void test_self_reference_roots_at_the_referenced_column(void **state)
{
    (void)state;
    fixture f = linked(NO_AUTODETECT "tables:\n"
                                     "  public.employees:\n"
                                     "    columns:\n"
                                     "      manager_id: { action: hash }\n");
    assert_members(&f, "public.employees.id", "public.employees.id public.employees.manager_id");
    assert_inherits(col(&f, "public.employees", "id"), PV_ACT_HASH, "public.employees.id");
    assert_string_equal(col(&f, "public.employees", "manager_id")->hash_path,
                        "public.employees.id");
    fixture_free(&f);
}

static void test_several_roots_take_the_smallest_with_a_warning(void **state)
{
    (void)state;
    fixture f = linked(NO_AUTODETECT "tables:\n"
                                     "  public.links:\n"
                                     "    columns:\n"
                                     "      ref: { action: hash }\n");
    assert_members(&f, "public.p1.id", "public.links.ref public.p1.id public.p2.id");
    assert_inherits(col(&f, "public.p2", "id"), PV_ACT_HASH, "public.p1.id");
    assert_int_equal(f.plan->n_warnings, 1);
    assert_string_equal(f.plan->warnings[0].code, "fk_group_multiple_roots");
    assert_string_equal(f.plan->warnings[0].message,
                        "Foreign-key group of public.p1.id has several root columns "
                        "(public.p1.id, public.p2.id); public.p1.id is used as its root.");
    assert_string_equal(f.plan->warnings[0].table_id, "public.p1");
    fixture_free(&f);
}

static void test_fks_into_excluded_or_emptied_tables_are_no_links(void **state)
{
    (void)state;
    fixture f = linked(NO_AUTODETECT "tables:\n"
                                     "  public.legacy: { strategy: exclude }\n"
                                     "  public.ints: { strategy: empty }\n"
                                     "  public.refs:\n"
                                     "    columns:\n"
                                     "      legacy_id: { action: hash }\n"
                                     "  public.bigrefs:\n"
                                     "    columns:\n"
                                     "      ref: { action: hash }\n");
    for (size_t i = 0; i < f.plan->n_groups; i++)
        for (size_t m = 0; m < f.plan->groups[i].members.n; m++) {
            assert_null(strstr(f.plan->groups[i].members.items[m], "legacy"));
            assert_null(strstr(f.plan->groups[i].members.items[m], "ints"));
        }
    assert_string_equal(col(&f, "public.refs", "legacy_id")->hash_path, "public.refs.legacy_id");
    assert_string_equal(col(&f, "public.bigrefs", "ref")->hash_path, "public.bigrefs.ref");
    fixture_free(&f);
}

static void test_seed_alias_is_the_group_hash_path(void **state)
{
    (void)state;
    fixture f = linked(NO_AUTODETECT "tables:\n"
                                     "  public.users:\n"
                                     "    columns:\n"
                                     "      email: { action: fake, provider: email,"
                                     " seed_alias: person.email }\n");
    assert_string_equal(group_of(&f, "public.users.email")->hash_path, "person.email");
    assert_string_equal(col(&f, "public.users", "email")->hash_path, "person.email");
    assert_inherits(col(&f, "public.notes", "author_email"), PV_ACT_FAKE, "person.email");
    char *json = column_json(&f, "public.notes", "author_email");
    assert_non_null(strstr(json, "\"seed_alias\":\"person.email\""));
    free(json);
    fixture_free(&f);
}

static void test_different_aliases_fail(void **state)
{
    (void)state;
    fixture f = linked(NO_AUTODETECT "tables:\n"
                                     "  public.users:\n"
                                     "    columns:\n"
                                     "      email: { action: fake, provider: email,"
                                     " seed_alias: a }\n"
                                     "  public.notes:\n"
                                     "    columns:\n"
                                     "      author_email: { action: fake, provider: email,"
                                     " seed_alias: b }\n");
    assert_true(group_of(&f, "public.users.email")->conflict);
    assert_error(pv_check_fk_consistency(f.plan), PV_EXIT_CONFIG, FK_CONTEXT,
                 "public.notes.author_email and public.users.email use different seed_alias "
                 "values; the foreign key would break",
                 "Use one seed_alias for every column linked by foreign keys, or set it on one "
                 "of them only.");
    fixture_free(&f);
}

static void test_explicit_actions_must_agree(void **state)
{
    (void)state;
    fixture f = linked(NO_AUTODETECT "tables:\n"
                                     "  public.users:\n"
                                     "    columns:\n"
                                     "      id: { action: hash }\n"
                                     "      email: { action: fake, provider: email,"
                                     " params: { domain: a.test } }\n"
                                     "  public.accounts:\n"
                                     "    columns:\n"
                                     "      user_id: { action: fake, provider: postcode }\n"
                                     "  public.notes:\n"
                                     "    columns:\n"
                                     "      author_email: { action: fake, provider: email }\n"
                                     "      user_id: { action: hash }\n");
    /* Conflicting groups inherit nothing. */
    assert_int_equal(col(&f, "public.sessions", "account_user_id")->source, PV_SOURCE_DEFAULT);
    assert_error(pv_check_fk_consistency(f.plan), PV_EXIT_CONFIG, FK_CONTEXT,
                 "public.accounts.user_id uses fake/postcode but referenced public.users.id uses "
                 "hash; the foreign key would break\n"
                 "public.notes.author_email uses fake/email but referenced public.users.email "
                 "uses fake/email with other parameters; the foreign key would break",
                 FK_REMEDIATION);
    fixture_free(&f);
}

static void test_equal_explicit_actions_and_passthrough_agree(void **state)
{
    (void)state;
    fixture f = linked(NO_AUTODETECT "tables:\n"
                                     "  public.users:\n"
                                     "    columns:\n"
                                     "      id: { action: passthrough }\n"
                                     "      email: { action: regex_mask, pattern: '[a-z]',"
                                     " replace: x, flags: [IGNORECASE, MULTILINE] }\n"
                                     "  public.notes:\n"
                                     "    columns:\n"
                                     "      author_email: { action: regex_mask, pattern: '[a-z]',"
                                     " replace: x, flags: [MULTILINE, IGNORECASE] }\n");
    assert_null(pv_check_fk_consistency(f.plan));
    /* An explicit passthrough is an action like any other: members inherit it. */
    assert_inherits(col(&f, "public.accounts", "user_id"), PV_ACT_PASSTHROUGH, NULL);
    assert_int_equal(col(&f, "public.notes", "author_email")->source, PV_SOURCE_CONFIG);
    fixture_free(&f);
}

static void test_null_on_a_nullable_referencing_column_is_allowed(void **state)
{
    (void)state;
    fixture f = linked(NO_AUTODETECT "tables:\n"
                                     "  public.users:\n"
                                     "    columns:\n"
                                     "      id: { action: hash }\n"
                                     "  public.notes:\n"
                                     "    columns:\n"
                                     "      user_id: { action: \"null\" }\n");
    assert_null(pv_check_fk_consistency(f.plan));
    const pv_plan_column *nulled = col(&f, "public.notes", "user_id");
    assert_int_equal(nulled->source, PV_SOURCE_CONFIG);
    assert_int_equal(nulled->action, PV_ACT_NULL);
    assert_null(nulled->hash_path);
    assert_inherits(col(&f, "public.accounts", "user_id"), PV_ACT_HASH, "public.users.id");
    pv_run_plan_free(f.plan);
    pv_config_free(f.cfg);

    /* A referenced column (sessions points at it) gets no exception. */
    f.cfg = config(NO_AUTODETECT "tables:\n"
                                 "  public.users:\n"
                                 "    columns:\n"
                                 "      id: { action: hash }\n"
                                 "  public.sessions:\n"
                                 "    columns:\n"
                                 "      account_user_id: { action: \"null\" }\n"
                                 "  public.accounts:\n"
                                 "    columns:\n"
                                 "      user_id: { action: \"null\" }\n");
    f.plan = pv_run_plan_build(f.cfg, f.cat, NULL);
    pv_run_plan_link(f.plan, f.cat);
    assert_error(pv_check_fk_consistency(f.plan), PV_EXIT_CONFIG, FK_CONTEXT,
                 "public.accounts.user_id uses null but referenced public.users.id uses hash; "
                 "the foreign key would break",
                 FK_REMEDIATION);
    fixture_free(&f);
}

static void test_null_orphan_fks_columns_keep_null(void **state)
{
    (void)state;
    fixture f = {groups_catalog(),
                 config(NO_AUTODETECT "tables:\n"
                                      "  public.users:\n"
                                      "    columns:\n"
                                      "      id: { action: hash }\n"),
                 NULL};
    f.plan = pv_run_plan_build(f.cfg, f.cat, NULL);
    pv_run_plan_null_orphan_fk(f.plan, f.cat, pv_catalog_find(f.cat, "public.notes"), "user_id");
    pv_run_plan_link(f.plan, f.cat);
    const pv_plan_column *nulled = col(&f, "public.notes", "user_id");
    assert_int_equal(nulled->source, PV_SOURCE_NULL_ORPHAN_FKS);
    assert_int_equal(nulled->action, PV_ACT_NULL);
    assert_null(pv_check_fk_consistency(f.plan));
    fixture_free(&f);
}

static void test_seed_alias_shares_the_unique_flag_and_warns_on_mixed_actions(void **state)
{
    (void)state;
    fixture f = linked(NO_AUTODETECT "tables:\n"
                                     "  public.users:\n"
                                     "    columns:\n"
                                     "      login: { action: fake, provider: username,"
                                     " seed_alias: handle }\n"
                                     "  public.people:\n"
                                     "    columns:\n"
                                     "      handle: { action: fake, provider: username,"
                                     " seed_alias: handle }\n");
    /* people.handle is a PK: the alias makes users.login unique too (§7.2). */
    assert_true(col(&f, "public.users", "login")->unique);
    assert_null(warning_of(&f, "seed_alias_mismatch"));
    fixture_free(&f);

    f = linked(NO_AUTODETECT "tables:\n"
                             "  public.users:\n"
                             "    columns:\n"
                             "      login: { action: fake, provider: first_name,"
                             " seed_alias: handle }\n"
                             "  public.people:\n"
                             "    columns:\n"
                             "      handle: { action: pseudonym, provider: username,"
                             " seed_alias: handle }\n"
                             "pseudonym_key: 0123456789abcdef0123456789abcdef\n");
    const pv_plan_warning *w = warning_of(&f, "seed_alias_mismatch");
    assert_non_null(w);
    assert_null(w->table_id);
    assert_string_equal(w->message,
                        "Columns sharing a seed_alias use different actions or providers: "
                        "public.contacts.email (pseudonym/username), public.people.handle "
                        "(pseudonym/username), public.users.login (fake/first_name); their "
                        "masked values will not match.");
    fixture_free(&f);
}

static void test_autodetect_root_applies_to_the_group(void **state)
{
    (void)state;
    const pv_patterns *patterns = NULL;
    pv_error *err = pv_patterns_default(&patterns);
    assert_null(err);
    fixture f = linked_with(groups_catalog(), "version: \"1.0\"\n", patterns);
    const pv_plan_column *root = col(&f, "public.users", "email");
    assert_int_equal(root->source, PV_SOURCE_AUTODETECT);
    const pv_plan_column *child = col(&f, "public.notes", "author_email");
    assert_inherits(child, PV_ACT_FAKE, "public.users.email");
    assert_string_equal(pv_plan_column_action(child)->provider, "email");
    assert_true(child->unique);
    assert_int_equal(child->finding->source, PV_FINDING_FK_INHERITED);
    assert_null(child->finding->matched_pattern);
    assert_string_equal(pv_finding_provider(child->finding), "email");
    assert_false(pv_finding_uncovered(child->finding));

    /* people.handle matches nothing: the child's own email finding is ignored. */
    const pv_plan_column *ignored = col(&f, "public.contacts", "email");
    assert_int_equal(ignored->source, PV_SOURCE_DEFAULT);
    assert_int_equal(ignored->action, PV_ACT_PASSTHROUGH);
    assert_null(ignored->hash_path);
    assert_null(pv_finding_action(ignored->finding));
    const pv_strlist *reasons = &ignored->finding->reasons;
    assert_string_equal(reasons->items[reasons->n - 1],
                        "ignored: foreign-key group root public.people.handle is not masked");
    fixture_free(&f);
}

/* ------------------------------------------------------------ type matrix */

#define OID_INT4     23u
#define OID_TEXT     25u
#define OID_INT4_ARR 1007u
#define OID_TEXT_ARR 1009u
#define OID_MOOD     90001u

typedef struct pair_case {
    const char *type;
    const char *action; /* the YAML flow mapping */
    bool unique;
    bool not_null;
    bool ok;
} pair_case;

static const pair_case PAIRS[] = {
    /* allowed */
    {"text", "{ action: hash }", false, false, true},
    {"character varying(64)", "{ action: hash }", false, false, true},
    {"bytea", "{ action: hash }", false, false, true},
    {"uuid", "{ action: hash }", false, false, true},
    {"smallint", "{ action: hash }", false, false, true},
    {"bigint", "{ action: hash }", true, false, true},
    {"numeric(12,0)", "{ action: hash }", false, false, true},
    {"text", "{ action: hmac_hash, encoding: base64url }", false, false, true},
    {"bytea", "{ action: hmac_hash }", false, false, true},
    {"date", "{ action: fake, provider: dob }", true, false, true},
    {"timestamp(3) without time zone", "{ action: fake, provider: dob }", false, false, true},
    {"timestamp with time zone", "{ action: fake, provider: dob }", false, false, true},
    {"uuid", "{ action: fake, provider: uuid }", true, false, true},
    {"inet", "{ action: fake, provider: ip_address }", false, false, true},
    {"cidr", "{ action: fake, provider: ip_address }", false, false, true},
    {"integer", "{ action: fake, provider: postcode }", true, false, true},
    {"numeric", "{ action: fake, provider: postcode }", false, false, true},
    {"numeric(5,0)", "{ action: fake, provider: postcode }", false, false, true},
    {"bigint", "{ action: fake, provider: credit_card }", false, false, true},
    {"numeric(20,2)", "{ action: fake, provider: credit_card }", false, false, true},
    {"bigint", "{ action: fake, provider: phone }", false, false, true},
    {"bigint", "{ action: fake, provider: phone }", true, false, true},
    {"numeric(15,0)", "{ action: fake, provider: phone }", true, false, true},
    {"text", "{ action: fake, provider: company }", true, false, true},
    {"jsonb", "{ action: regex_mask, pattern: a, replace: b }", false, false, true},
    {"xml", "{ action: regex_mask, pattern: a, replace: b }", false, false, true},
    {"mood", "{ action: regex_mask, pattern: a, replace: b }", false, false, true},
    {"json", "{ action: ner_mask }", false, false, true},
    {"point", "{ action: passthrough }", false, true, true},
    {"integer[]", "{ action: \"null\" }", false, false, true},
    {"integer", "{ action: static, value: \"42\" }", false, true, true},
    {"text[]", "{ action: static, value: \"{a,b}\" }", false, false, true},
    {"character(3)", "{ action: static, value: abc }", false, false, true},
    {"mood", "{ action: static, value: happy }", false, false, true},
    {"name", "{ action: fake, provider: email }", false, false, true},
    /* rejected */
    {"numeric", "{ action: hash }", false, false, false},
    {"numeric(10,2)", "{ action: hash }", false, false, false},
    {"date", "{ action: hash }", false, false, false},
    {"jsonb", "{ action: hash }", false, false, false},
    {"text[]", "{ action: hash }", false, false, false},
    {"character varying(32)", "{ action: hash }", false, false, false},
    {"name", "{ action: hash }", false, false, false},
    {"bytea", "{ action: hmac_hash, encoding: base64url }", false, false, false},
    {"character varying(42)", "{ action: hmac_hash, encoding: base64url }", false, false, false},
    {"integer", "{ action: fake, provider: email }", false, false, false},
    {"date", "{ action: fake, provider: first_name }", false, false, false},
    {"inet", "{ action: fake, provider: ip_address }", true, false, false},
    {"numeric", "{ action: fake, provider: phone }", true, false, false},
    {"integer", "{ action: fake, provider: phone }", false, false, false},
    {"smallint", "{ action: fake, provider: postcode }", false, false, false},
    {"numeric(4,0)", "{ action: fake, provider: postcode }", false, false, false},
    {"numeric(12,2)", "{ action: fake, provider: credit_card }", false, false, false},
    {"integer", "{ action: regex_mask, pattern: a, replace: b }", false, false, false},
    {"text[]", "{ action: regex_mask, pattern: a, replace: b }", false, false, false},
    {"bytea", "{ action: ner_mask }", false, false, false},
    {"character varying(10)", "{ action: fake, provider: ssn }", true, false, false},
    {"character varying(17)", "{ action: fake, provider: email }", true, false, false},
    {"character(1)", "{ action: fake, provider: country }", false, false, false},
    {"integer", "{ action: static, value: abc }", false, false, false},
    {"integer[]", "{ action: static, value: \"{1,x}\" }", false, false, false},
    {"character(3)", "{ action: static, value: abcd }", false, false, false},
    {"mood", "{ action: static, value: bad }", false, false, false},
    {"date", "{ action: \"null\" }", false, true, false},
};

/* The fake source: every static value passes but "bad". */
static pv_error *fake_value_valid(void *ctx, const pv_column *column, const char *value,
                                  bool *valid)
{
    (void)ctx;
    (void)column;
    *valid = strcmp(value, "bad") != 0;
    return NULL;
}

static void set_type_info(pv_catalog *cat, pv_column *c)
{
    if (strcmp(c->data_type, "integer") == 0) {
        add_type(cat, OID_INT4, 'b', "int4", 0, 0, NULL);
        c->type_oid = OID_INT4;
    } else if (strcmp(c->data_type, "integer[]") == 0) {
        add_type(cat, OID_INT4_ARR, 'b', "_int4", OID_INT4, 'b', "int4");
        c->type_oid = OID_INT4_ARR;
    } else if (strcmp(c->data_type, "text[]") == 0) {
        add_type(cat, OID_TEXT_ARR, 'b', "_text", OID_TEXT, 'b', "text");
        c->type_oid = OID_TEXT_ARR;
    } else if (strcmp(c->data_type, "mood") == 0) {
        add_type(cat, OID_MOOD, 'e', "mood", 0, 0, NULL);
        c->type_oid = OID_MOOD;
    }
}

/* One table public.t with column c of `type`, masked with `action`. */
static fixture one_column(const pair_case *pc, const char *library)
{
    pv_catalog *cat = new_catalog();
    pv_table *t = add_table(cat, "public", "t", 10);
    pv_column *c = add_column(t, "c", pc->type, pc->not_null, 8);
    set_type_info(cat, c);
    if (pc->unique)
        add_unique(t, "c");
    pv_catalog_sort(cat);
    pv_catalog_build_plan(cat);
    char *yaml = pv_xasprintf("version: \"1.0\"\nauto_detect: false\nfaker_library: %s\n"
                              "pseudonym_key: 0123456789abcdef0123456789abcdef\n"
                              "tables:\n  public.t:\n    columns:\n      c: %s\n",
                              library, pc->action);
    fixture f = linked_with(cat, yaml, NULL);
    free(yaml);
    return f;
}

static const pv_library *standard_library(void)
{
    const pv_library *lib = NULL;
    pv_error *err = pv_library_get(PV_MASK_LIB_STANDARD, &lib);
    assert_null(err);
    return lib;
}

static pv_error *type_check(const fixture *f, pv_plan_warning **warnings, size_t *n)
{
    pv_type_check_env env = {standard_library(), NULL, fake_value_valid, NULL};
    return pv_check_type_compatibility(f->cat, f->plan, &env, warnings, n);
}

static void test_type_matrix(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(PAIRS) / sizeof(PAIRS[0]); i++) {
        const pair_case *pc = &PAIRS[i];
        fixture f = one_column(pc, "standard");
        pv_plan_warning *warnings = NULL;
        size_t n = 0;
        pv_error *err = type_check(&f, &warnings, &n);
        if (pc->ok && err)
            fail_msg("%s %s%s: rejected: %s", pc->type, pc->action, pc->unique ? " unique" : "",
                     err->cause);
        if (!pc->ok && !err)
            fail_msg("%s %s%s: accepted", pc->type, pc->action, pc->unique ? " unique" : "");
        if (err) {
            assert_string_equal(err->context, TYPE_CONTEXT);
            assert_string_equal(err->remediation, TYPE_REMEDIATION);
            assert_int_equal(err->exit_code, PV_EXIT_CONFIG);
            const pv_plan_column *c = col(&f, "public.t", "c");
            char *label = pv_plan_action_label(c);
            char *line = pv_xasprintf("tables.public.t.columns.c: %s cannot produce a valid %s",
                                      label, pc->type);
            assert_string_equal(err->cause, line);
            free(label);
            free(line);
            pv_error_free(err);
        }
        pv_plan_warnings_free(warnings, n);
        fixture_free(&f);
    }
}

static void test_unique_phone_on_integers_needs_standard(void **state)
{
    (void)state;
    const pair_case pc = {"bigint", "{ action: fake, provider: phone }", true, false, false};
    fixture f = one_column(&pc, "classic");
    pv_plan_warning *warnings = NULL;
    size_t n = 0;
    assert_error(type_check(&f, &warnings, &n), PV_EXIT_CONFIG, TYPE_CONTEXT,
                 "tables.public.t.columns.c: fake/phone cannot produce a valid bigint",
                 TYPE_REMEDIATION);
    pv_plan_warnings_free(warnings, n);
    fixture_free(&f);
}

static void assert_length_risk(const char *type, const char *action, bool unique, bool risk)
{
    const pair_case pc = {type, action, unique, false, true};
    fixture f = one_column(&pc, "standard");
    pv_plan_warning *warnings = NULL;
    size_t n = 0;
    pv_error *err = type_check(&f, &warnings, &n);
    if (err)
        fail_msg("%s %s: %s", type, action, err->cause);
    if (n != (risk ? 1u : 0u))
        fail_msg("%s %s: %zu warning(s)", type, action, n);
    if (risk) {
        const pv_plan_column *c = col(&f, "public.t", "c");
        char *label = pv_plan_action_label(c);
        char *msg = pv_xasprintf("tables.public.t.columns.c: %s output may be longer than %s "
                                 "allows",
                                 label, type);
        assert_string_equal(warnings[0].code, "length_risk");
        assert_string_equal(warnings[0].message, msg);
        assert_string_equal(warnings[0].table_id, "public.t");
        free(label);
        free(msg);
    }
    pv_plan_warnings_free(warnings, n);
    fixture_free(&f);
}

static void test_length_risk_warnings(void **state)
{
    (void)state;
    /*
     * Unique email suffixing adds 17 characters: up to 52 with the standard
     * lists. The shortest output counts a list value as one character (as
     * auto-detect does), so varchar(30) is a risk, not a certain failure.
     */
    assert_length_risk("character varying(30)", "{ action: fake, provider: email }", true, true);
    assert_length_risk("character varying(255)", "{ action: fake, provider: email }", true, false);
    assert_length_risk("character varying(64)", "{ action: hash }", false, false);
    assert_length_risk("character varying(11)", "{ action: fake, provider: ssn }", false, false);
    assert_length_risk("character varying(12)", "{ action: fake, provider: phone }", false, true);
    /* Outputs that follow the input can always grow. */
    assert_length_risk("character varying(10)", "{ action: regex_mask, pattern: a, replace: b }",
                       false, true);
    assert_length_risk("text", "{ action: fake, provider: email }", true, false);
}

static void test_failures_are_one_sorted_line_per_column(void **state)
{
    (void)state;
    pv_catalog *cat = new_catalog();
    pv_table *b = add_table(cat, "public", "b", 10);
    add_column(b, "z", "date", false, 4);
    add_column(b, "a", "integer", false, 4);
    pv_table *a = add_table(cat, "public", "a", 10);
    add_column(a, "x", "character varying(8)", false, 8);
    pv_catalog_sort(cat);
    pv_catalog_build_plan(cat);
    fixture f = linked_with(cat,
                            NO_AUTODETECT "tables:\n"
                                          "  public.b:\n"
                                          "    columns:\n"
                                          "      z: { action: hash }\n"
                                          "      a: { action: fake, provider: email }\n"
                                          "  public.a:\n"
                                          "    columns:\n"
                                          "      x: { action: hash }\n",
                            NULL);
    pv_plan_warning *warnings = NULL;
    size_t n = 0;
    assert_error(type_check(&f, &warnings, &n), PV_EXIT_CONFIG, TYPE_CONTEXT,
                 "tables.public.a.columns.x: hash cannot produce a valid character varying(8)\n"
                 "tables.public.b.columns.a: fake/email cannot produce a valid integer\n"
                 "tables.public.b.columns.z: hash cannot produce a valid date",
                 TYPE_REMEDIATION);
    pv_plan_warnings_free(warnings, n);
    fixture_free(&f);
}

static void test_inherited_and_autodetected_pairs_are_checked(void **state)
{
    (void)state;
    /* users.id → inherited null on the NOT NULL accounts.user_id; null is fine on users.id? no. */
    fixture f = linked(NO_AUTODETECT "tables:\n"
                                     "  public.users:\n"
                                     "    columns:\n"
                                     "      email: { action: fake, provider: email }\n"
                                     "  public.people:\n"
                                     "    columns:\n"
                                     "      handle: { action: hash }\n");
    pv_plan_warning *warnings = NULL;
    size_t n = 0;
    assert_null(type_check(&f, &warnings, &n));
    pv_plan_warnings_free(warnings, n);
    fixture_free(&f);

    /* The group's action reaches a child whose type cannot take it. */
    pv_catalog *cat = groups_catalog();
    pv_column *email =
        (pv_column *)pv_table_column(pv_catalog_find(cat, "public.notes"), "author_email");
    free(email->data_type);
    email->data_type = pv_xstrdup("character varying(20)");
    f = linked_with(cat,
                    NO_AUTODETECT "tables:\n"
                                  "  public.users:\n"
                                  "    columns:\n"
                                  "      email: { action: hash }\n",
                    NULL);
    assert_error(type_check(&f, &warnings, &n), PV_EXIT_CONFIG, TYPE_CONTEXT,
                 "tables.public.notes.columns.author_email: hash cannot produce a valid "
                 "character varying(20)",
                 TYPE_REMEDIATION);
    pv_plan_warnings_free(warnings, n);
    fixture_free(&f);
}

static void test_integer_outputs_sharing_a_hash_path_need_one_type(void **state)
{
    (void)state;
    fixture f = linked(NO_AUTODETECT "tables:\n"
                                     "  public.ints:\n"
                                     "    columns:\n"
                                     "      id: { action: hash }\n");
    pv_plan_warning *warnings = NULL;
    size_t n = 0;
    assert_error(type_check(&f, &warnings, &n), PV_EXIT_CONFIG, TYPE_CONTEXT,
                 "tables.public.bigrefs.columns.ref: hash needs the same type on every column "
                 "sharing hash path public.ints.id\n"
                 "tables.public.ints.columns.id: hash needs the same type on every column "
                 "sharing hash path public.ints.id",
                 TYPE_REMEDIATION);
    pv_plan_warnings_free(warnings, n);
    fixture_free(&f);

    /* A text hash sharing the path maps nothing into a range: no conflict. */
    f = linked(NO_AUTODETECT "tables:\n"
                             "  public.users:\n"
                             "    columns:\n"
                             "      id: { action: hash }\n");
    assert_null(type_check(&f, &warnings, &n));
    pv_plan_warnings_free(warnings, n);
    fixture_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_inherits_the_root_action),
        cmocka_unit_test(test_child_action_is_inherited_by_the_root),
        cmocka_unit_test(test_multi_column_fk_pairs_position_wise),
        cmocka_unit_test(test_self_reference_roots_at_the_referenced_column),
        cmocka_unit_test(test_several_roots_take_the_smallest_with_a_warning),
        cmocka_unit_test(test_fks_into_excluded_or_emptied_tables_are_no_links),
        cmocka_unit_test(test_seed_alias_is_the_group_hash_path),
        cmocka_unit_test(test_different_aliases_fail),
        cmocka_unit_test(test_explicit_actions_must_agree),
        cmocka_unit_test(test_equal_explicit_actions_and_passthrough_agree),
        cmocka_unit_test(test_null_on_a_nullable_referencing_column_is_allowed),
        cmocka_unit_test(test_null_orphan_fks_columns_keep_null),
        cmocka_unit_test(test_seed_alias_shares_the_unique_flag_and_warns_on_mixed_actions),
        cmocka_unit_test(test_autodetect_root_applies_to_the_group),
        cmocka_unit_test(test_type_matrix),
        cmocka_unit_test(test_unique_phone_on_integers_needs_standard),
        cmocka_unit_test(test_length_risk_warnings),
        cmocka_unit_test(test_failures_are_one_sorted_line_per_column),
        cmocka_unit_test(test_inherited_and_autodetected_pairs_are_checked),
        cmocka_unit_test(test_integer_outputs_sharing_a_hash_path_need_one_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
