/*
 * Unit tests for src/catalog (the pure parts: FK load plan, warnings,
 * snapshot and report rendering) and src/util/ident. Catalogs are built by
 * hand here; introspection itself is covered by
 * tests/integration/test_catalog.py against a real server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "catalog/catalog.h"
#include "catalog/snapshot.h"
#include "util/ident.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ builders */

#define MAX_TABLES 64

static pv_catalog *new_catalog(void)
{
    pv_catalog *cat = pv_xcalloc(1, sizeof(*cat));
    cat->server_version = 150000;
    /* Fixed capacity so table pointers stay valid while building. */
    cat->tables = pv_xcalloc(MAX_TABLES, sizeof(*cat->tables));
    return cat;
}

static pv_table *add_table(pv_catalog *cat, const char *schema, const char *name, double rows)
{
    assert_true(cat->n_tables < MAX_TABLES);
    pv_table *t = &cat->tables[cat->n_tables++];
    t->schema = pv_xstrdup(schema);
    t->name = pv_xstrdup(name);
    t->id = pv_xasprintf("%s.%s", schema, name);
    t->relkind = 'r';
    t->estimated_rows = rows;
    return t;
}

static pv_column *add_column(pv_table *t, const char *name, const char *type, bool not_null)
{
    t->columns = pv_xrealloc(t->columns, (t->n_columns + 1) * sizeof(*t->columns));
    pv_column *c = &t->columns[t->n_columns];
    memset(c, 0, sizeof(*c));
    c->name = pv_xstrdup(name);
    c->data_type = pv_xstrdup(type);
    c->not_null = not_null;
    c->attnum = (int)++t->n_columns;
    c->avg_width = -1;
    return c;
}

static void set_pk(pv_table *t, const char *column)
{
    t->primary_key_name = pv_xasprintf("%s_pkey", t->name);
    pv_strlist_push(&t->primary_key, column);
}

static void add_unique(pv_table *t, const char *column)
{
    t->uniques = pv_xrealloc(t->uniques, (t->n_uniques + 1) * sizeof(*t->uniques));
    pv_unique *u = &t->uniques[t->n_uniques++];
    u->name = pv_xasprintf("%s_%s_key", t->name, column);
    u->columns = (pv_strlist){0};
    pv_strlist_push(&u->columns, column);
}

static void add_fk(pv_table *t, const char *name, const char *column, const char *ref_schema,
                   const char *ref_table, const char *ref_column)
{
    t->fks = pv_xrealloc(t->fks, (t->n_fks + 1) * sizeof(*t->fks));
    pv_foreign_key *fk = &t->fks[t->n_fks++];
    memset(fk, 0, sizeof(*fk));
    fk->name = pv_xstrdup(name);
    pv_strlist_push(&fk->columns, column);
    fk->ref_schema = pv_xstrdup(ref_schema);
    fk->ref_table = pv_xstrdup(ref_table);
    pv_strlist_push(&fk->ref_columns, ref_column);
    fk->on_delete = "NO ACTION";
    fk->on_update = "NO ACTION";
    fk->definition = pv_xasprintf("FOREIGN KEY (%s) REFERENCES %s.%s(%s)", column, ref_schema,
                                  ref_table, ref_column);
}

static void make_child(pv_table *parent, pv_table *child, const char *bound)
{
    parent->relkind = 'p';
    parent->is_partitioned = true;
    parent->partition_strategy = "RANGE";
    free(parent->partition_key_def);
    parent->partition_key_def = pv_xstrdup("RANGE (id)");
    pv_strlist_push(&parent->partition_children, child->id);
    child->parent_id = pv_xstrdup(parent->id);
    child->partition_bound = pv_xstrdup(bound);
}

/* Sorts, then derives plan and warnings, as pv_catalog_introspect does. */
static void finish(pv_catalog *cat)
{
    pv_catalog_sort(cat);
    pv_catalog_build_plan(cat);
    pv_catalog_build_warnings(cat, NULL, 0);
}

static char *layers_text(const pv_catalog *cat)
{
    char *text = pv_xstrdup("");
    for (size_t l = 0; l < cat->plan.n_layers; l++) {
        for (size_t i = 0; i < cat->plan.layers[l].n; i++) {
            char *next = pv_xasprintf("%s%s%s", text, i ? "," : (l ? " | " : ""),
                                      cat->plan.layers[l].items[i]);
            free(text);
            text = next;
        }
    }
    return text;
}

static void assert_layers(const pv_catalog *cat, const char *expected)
{
    char *text = layers_text(cat);
    assert_string_equal(text, expected);
    free(text);
}

/* --------------------------------------------------------------- ident */

static void test_ident_quotes_and_doubles(void **state)
{
    (void)state;
    char *q = NULL;
    assert_null(pv_ident_quote("ev\"il", &q));
    assert_string_equal(q, "\"ev\"\"il\"");
    free(q);
    assert_null(pv_ident_quote("Mixed Case", &q));
    assert_string_equal(q, "\"Mixed Case\"");
    free(q);
    assert_null(pv_ident_quote_qualified("s\"", "t.é", &q));
    assert_string_equal(q, "\"s\"\"\".\"t.é\"");
    free(q);
    pv_strbuf sb = PV_STRBUF_INIT;
    pv_ident_append_qualified(&sb, "public", "select");
    assert_string_equal(sb.data, "\"public\".\"select\"");
    pv_strbuf_free(&sb);
}

static void test_ident_rejects_control_and_empty(void **state)
{
    (void)state;
    char *q = (char *)"x";
    pv_error *err = pv_ident_quote("bad\nname", &q);
    assert_non_null(err);
    assert_null(q);
    assert_int_equal(err->exit_code, PV_EXIT_PREFLIGHT);
    assert_string_equal(err->context, "Quoting a SQL identifier");
    assert_string_equal(err->cause, "Identifier 'bad\\x0aname' contains a control character.");
    assert_string_equal(err->remediation, "Rename the offending object in the source database.");
    pv_error_free(err);

    err = pv_ident_check("del\x7f");
    assert_non_null(err);
    pv_error_free(err);

    err = pv_ident_quote_qualified("", "t", &q);
    assert_non_null(err);
    assert_string_equal(err->cause, "Encountered an empty identifier from the catalog.");
    assert_string_equal(err->remediation, "Verify the source schema; report this if it persists.");
    pv_error_free(err);

    assert_null(pv_ident_check("tab\xc3\xa9 ok \"q\""));
}

/* ----------------------------------------------------------- base type */

static void test_base_type(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"character varying(80)", "character varying"},
        {"Integer", "integer"},
        {"numeric(10,2)", "numeric"},
        {"timestamp(3) with time zone", "timestamp(3) with time zone"},
        {"text", "text"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *b = pv_catalog_base_type(cases[i][0]);
        assert_string_equal(b, cases[i][1]);
        free(b);
    }
}

/* ------------------------------------------------------------- FK graph */

static void test_plan_acyclic_chain(void **state)
{
    (void)state;
    pv_catalog *cat = new_catalog();
    /* Added out of order on purpose: the plan must not depend on it. */
    pv_table *items = add_table(cat, "public", "items", 10);
    add_column(items, "order_id", "integer", true);
    add_fk(items, "items_order_fk", "order_id", "public", "orders", "id");
    pv_table *orders = add_table(cat, "public", "orders", 10);
    add_column(orders, "user_id", "integer", true);
    add_fk(orders, "orders_user_fk", "user_id", "public", "users", "id");
    add_table(cat, "public", "users", 10);
    add_table(cat, "audit", "log", 10);
    finish(cat);
    assert_layers(cat, "audit.log,public.users | public.orders | public.items");
    assert_int_equal(cat->plan.n_deferred, 0);
    pv_catalog_free(cat);
}

static void test_plan_self_reference(void **state)
{
    (void)state;
    pv_catalog *cat = new_catalog();
    pv_table *emp = add_table(cat, "public", "employees", 5);
    add_column(emp, "manager_id", "integer", false);
    add_fk(emp, "employees_manager_fk", "manager_id", "public", "employees", "id");
    add_table(cat, "public", "other", 5);
    finish(cat);
    assert_layers(cat, "public.employees,public.other");
    assert_int_equal(cat->plan.n_deferred, 0);
    assert_true(pv_catalog_find(cat, "public.employees")->self_cycle);
    assert_false(pv_catalog_find(cat, "public.other")->self_cycle);
    pv_catalog_free(cat);
}

/*
 * a.b_id (NOT NULL) → b, b.a_id (nullable) → a: the nullable FK is the
 * cheaper one to defer (penalty 0 < 1,000,000), whatever the row counts.
 */
static void test_plan_two_table_cycle_defers_nullable_edge(void **state)
{
    (void)state;
    pv_catalog *cat = new_catalog();
    pv_table *a = add_table(cat, "public", "a", 10);
    add_column(a, "b_id", "integer", true);
    add_fk(a, "a_b_fk", "b_id", "public", "b", "id");
    pv_table *b = add_table(cat, "public", "b", 1e6);
    add_column(b, "a_id", "integer", false);
    add_fk(b, "b_a_fk", "a_id", "public", "a", "id");
    add_table(cat, "public", "c", 1);
    pv_table *d = add_table(cat, "public", "d", 1);
    add_column(d, "a_id", "integer", true);
    add_fk(d, "d_a_fk", "a_id", "public", "a", "id");
    finish(cat);
    assert_int_equal(cat->plan.n_deferred, 1);
    assert_string_equal(cat->plan.deferred[0].referencing, "public.b");
    assert_string_equal(cat->plan.deferred[0].fk_name, "b_a_fk");
    assert_string_equal(cat->plan.deferred[0].referenced, "public.a");
    /* Layers before merge: [c] [b] [a] [d]; a and b merge into b's layer. */
    assert_layers(cat, "public.c | public.a,public.b | public.d");
    pv_catalog_free(cat);
}

/* Equal penalties: fewer rows on the referencing side break first, then the FK name. */
static void test_plan_cycle_tie_breaks_on_rows_then_name(void **state)
{
    (void)state;
    pv_catalog *cat = new_catalog();
    pv_table *x = add_table(cat, "s", "x", -1); /* unknown rows count as 1000 */
    add_column(x, "y_id", "integer", false);
    add_fk(x, "fk_x", "y_id", "s", "y", "id");
    pv_table *y = add_table(cat, "s", "y", 999);
    add_column(y, "x_id", "integer", false);
    add_fk(y, "fk_y", "x_id", "s", "x", "id");
    finish(cat);
    assert_int_equal(cat->plan.n_deferred, 1);
    assert_string_equal(cat->plan.deferred[0].fk_name, "fk_y");
    assert_layers(cat, "s.x,s.y");
    pv_catalog_free(cat);

    cat = new_catalog();
    x = add_table(cat, "s", "x", 5);
    add_column(x, "y_id", "integer", false);
    add_fk(x, "fk_b", "y_id", "s", "y", "id");
    y = add_table(cat, "s", "y", 5);
    add_column(y, "x_id", "integer", false);
    add_fk(y, "fk_a", "x_id", "s", "x", "id");
    finish(cat);
    assert_string_equal(cat->plan.deferred[0].fk_name, "fk_a");
    assert_string_equal(cat->plan.deferred[0].referencing, "s.y");
    pv_catalog_free(cat);
}

/* A three-table ring plus a table hanging off it. */
static void test_plan_three_cycle_merges_component(void **state)
{
    (void)state;
    pv_catalog *cat = new_catalog();
    const char *names[] = {"p", "q", "r"};
    for (int i = 0; i < 3; i++) {
        pv_table *t = add_table(cat, "public", names[i], 100.0 * (i + 1));
        add_column(t, "next_id", "integer", true);
        char *fk = pv_xasprintf("%s_next_fk", names[i]);
        add_fk(t, fk, "next_id", "public", names[(i + 1) % 3], "id");
        free(fk);
    }
    pv_table *leaf = add_table(cat, "public", "leaf", 1);
    add_column(leaf, "p_id", "integer", true);
    add_fk(leaf, "leaf_p_fk", "p_id", "public", "p", "id");
    finish(cat);
    assert_int_equal(cat->plan.n_deferred, 1);
    assert_string_equal(cat->plan.deferred[0].fk_name, "p_next_fk"); /* fewest rows */
    /* leaf→p has the fewest rows but lies on no cycle, so it is never deferred.
     * After deferring p→q: [p] [leaf, r] [q]; p and q merge into p's layer. */
    assert_layers(cat, "public.p,public.q | public.leaf,public.r");
    pv_catalog_free(cat);
}

static void test_plan_partitioned_parent_edges_go_to_children(void **state)
{
    (void)state;
    pv_catalog *cat = new_catalog();
    add_table(cat, "public", "users", 10);
    pv_table *events = add_table(cat, "public", "events", -1);
    add_column(events, "user_id", "integer", true);
    add_fk(events, "events_user_fk", "user_id", "public", "users", "id");
    pv_table *e1 = add_table(cat, "public", "events_2024_01", 5);
    pv_table *e2 = add_table(cat, "public", "events_2024_02", 5);
    make_child(events, e2, "FOR VALUES FROM (2) TO (3)");
    make_child(events, e1, "FOR VALUES FROM (1) TO (2)");
    finish(cat);
    /* The parent holds no rows and references nothing itself: first layer. */
    assert_layers(cat, "public.events,public.users | public.events_2024_01,public.events_2024_02");
    const pv_table *parent = pv_catalog_find(cat, "public.events");
    assert_int_equal(parent->partition_children.n, 2);
    assert_string_equal(parent->partition_children.items[0], "public.events_2024_01");
    pv_catalog_free(cat);
}

static void test_plan_ignores_fk_outside_catalog(void **state)
{
    (void)state;
    pv_catalog *cat = new_catalog();
    pv_table *t = add_table(cat, "public", "t", 1);
    add_column(t, "x", "integer", false);
    add_fk(t, "t_x_fk", "x", "elsewhere", "gone", "id");
    finish(cat);
    assert_layers(cat, "public.t");
    pv_catalog_free(cat);
}

/* ------------------------------------------------------------- warnings */

static size_t count_code(const pv_catalog *cat, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < cat->n_warnings; i++)
        n += strcmp(cat->warnings[i].code, code) == 0;
    return n;
}

static const pv_catalog_warning *find_warning(const pv_catalog *cat, const char *code)
{
    for (size_t i = 0; i < cat->n_warnings; i++)
        if (strcmp(cat->warnings[i].code, code) == 0)
            return &cat->warnings[i];
    return NULL;
}

static void test_warnings_never_analyzed_and_sub_partitioning(void **state)
{
    (void)state;
    pv_catalog *cat = new_catalog();
    add_table(cat, "public", "fresh", -1);
    add_table(cat, "public", "analyzed", 0);
    pv_table *top = add_table(cat, "public", "top", 0);
    pv_table *mid = add_table(cat, "public", "mid", 0);
    make_child(top, mid, "FOR VALUES FROM (1) TO (9)");
    mid->is_partitioned = true;
    mid->is_sub_partitioned = true;
    finish(cat);
    assert_int_equal(cat->n_warnings, 2);
    assert_string_equal(cat->warnings[0].code, "never_analyzed");
    assert_string_equal(cat->warnings[0].table_id, "public.fresh");
    assert_string_equal(cat->warnings[0].message, "Table public.fresh has never been analyzed; run "
                                                  "ANALYZE for better batch sizing.");
    assert_string_equal(cat->warnings[1].code, "sub_partitioning");
    assert_string_equal(cat->warnings[1].message, "Table public.mid is sub-partitioned; v1.0 "
                                                  "supports only single-level partitioning.");
    pv_catalog_free(cat);
}

static void test_warnings_polymorphic(void **state)
{
    (void)state;
    pv_catalog *cat = new_catalog();
    pv_table *c = add_table(cat, "public", "comments", 1);
    add_column(c, "commentable_type", "character varying(40)", true);
    add_column(c, "commentable_id", "bigint", true);
    add_column(c, "subject_type", "text", false);
    add_column(c, "subject_id", "jsonb", false); /* wrong id type: no warning */
    add_column(c, "owner_type", "text", false);
    add_column(c, "owner_id", "integer", false);
    add_fk(c, "comments_owner_fk", "owner_id", "public", "users", "id"); /* FK: no warning */
    add_column(c, "_type", "text", false);                               /* empty prefix */
    add_column(c, "_id", "integer", false);
    add_table(cat, "public", "users", 1);
    finish(cat);
    assert_int_equal(count_code(cat, "polymorphic_fk_warning"), 1);
    const pv_catalog_warning *w = find_warning(cat, "polymorphic_fk_warning");
    assert_string_equal(w->table_id, "public.comments");
    assert_string_equal(w->type_column, "commentable_type");
    assert_string_equal(w->id_column, "commentable_id");
    assert_string_equal(w->message,
                        "Table public.comments has polymorphic columns "
                        "commentable_type/commentable_id without a catalog foreign "
                        "key; referential integrity cannot be preserved automatically.");
    pv_catalog_free(cat);
}

static pv_catalog *implied_catalog(void)
{
    pv_catalog *cat = new_catalog();
    pv_table *users = add_table(cat, "public", "users", 1);
    add_column(users, "id", "integer", true);
    add_column(users, "email", "text", true);
    set_pk(users, "id");
    add_unique(users, "email");
    pv_table *crm_users = add_table(cat, "crm", "contacts", 1);
    add_column(crm_users, "email", "text", true);
    set_pk(crm_users, "email");
    pv_table *orders = add_table(cat, "public", "orders", 1);
    add_column(orders, "customer_email", "text", false);
    add_column(orders, "user_email", "text", false);
    add_column(orders, "email", "text", false); /* not longer than the suffix */
    add_column(orders, "x_mrn", "text", false); /* no unique "mrn" anywhere */
    add_column(orders, "buyer_email", "text", false);
    add_fk(orders, "orders_buyer_fk", "buyer_email", "public", "users", "email");
    pv_table *notes = add_table(cat, "crm", "notes", 1);
    add_column(notes, "author_email", "text", false);
    return cat;
}

static void test_warnings_implied_fk(void **state)
{
    (void)state;
    pv_catalog *cat = implied_catalog();
    finish(cat);
    assert_int_equal(count_code(cat, "implied_fk_warning"), 3);
    /* crm.notes.author_email: no hint anywhere, same schema wins → crm.contacts. */
    const pv_catalog_warning *w = &cat->warnings[0];
    assert_string_equal(w->source_column_path, "crm.notes.author_email");
    assert_string_equal(w->target_column_path, "crm.contacts.email");
    /* public.orders.customer_email: same schema → public.users. */
    w = &cat->warnings[1];
    assert_string_equal(w->source_column_path, "public.orders.customer_email");
    assert_string_equal(w->target_column_path, "public.users.email");
    assert_string_equal(w->message,
                        "Table public.orders column customer_email looks like a soft reference to "
                        "public.users.email (UNIQUE) but no catalog foreign key exists. Add "
                        "'seed_alias: public.users.email' on public.orders.customer_email to keep "
                        "masked values consistent across both columns.");
    w = &cat->warnings[2];
    assert_string_equal(w->source_column_path, "public.orders.user_email");
    assert_string_equal(w->target_column_path, "public.users.email");
    pv_catalog_free(cat);
}

static void test_warnings_implied_fk_ignore_list(void **state)
{
    (void)state;
    pv_catalog *cat = implied_catalog();
    finish(cat);
    const char *ignore[] = {"public.orders.customer_email", "not.a.path"};
    pv_catalog_build_warnings(cat, ignore, 2);
    assert_int_equal(count_code(cat, "implied_fk_warning"), 2);
    for (size_t i = 0; i < cat->n_warnings; i++)
        assert_string_not_equal(cat->warnings[i].source_column_path,
                                "public.orders.customer_email");
    pv_catalog_free(cat);
}

/* Name hints beat schema: crm.orders.user_email prefers public.users over crm.contacts. */
static void test_warnings_implied_fk_name_hint(void **state)
{
    (void)state;
    pv_catalog *cat = implied_catalog();
    pv_table *o = add_table(cat, "crm", "orders", 1);
    add_column(o, "user_email", "text", false);
    add_column(o, "contact_email", "text", false);
    finish(cat);
    for (size_t i = 0; i < cat->n_warnings; i++) {
        const pv_catalog_warning *w = &cat->warnings[i];
        if (w->source_column_path && strcmp(w->source_column_path, "crm.orders.user_email") == 0)
            assert_string_equal(w->target_column_path, "public.users.email");
        if (w->source_column_path && strcmp(w->source_column_path, "crm.orders.contact_email") == 0)
            assert_string_equal(w->target_column_path, "crm.contacts.email");
    }
    pv_catalog_free(cat);
}

/* ------------------------------------------------------------ rendering */

static pv_catalog *render_catalog(void)
{
    pv_catalog *cat = new_catalog();
    pv_table *a = add_table(cat, "public", "a", 10);
    add_column(a, "id", "integer", true);
    add_column(a, "b_id", "integer", false);
    add_column(a, "parent_id", "integer", false);
    set_pk(a, "id");
    add_fk(a, "a_b_fk", "b_id", "public", "b", "id");
    add_fk(a, "a_parent_fk", "parent_id", "public", "a", "id");
    pv_table *b = add_table(cat, "public", "b", -1);
    add_column(b, "id", "integer", true);
    add_column(b, "a_id", "integer", false);
    add_fk(b, "b_a_fk", "a_id", "public", "a", "id");
    cat->views = pv_xcalloc(1, sizeof(*cat->views));
    cat->views[0] = (pv_view){pv_xstrdup("public"), pv_xstrdup("v"), pv_xstrdup("public.v"),
                              "materialized_view"};
    cat->n_views = 1;
    return cat;
}

static void test_render_text_exact(void **state)
{
    (void)state;
    pv_catalog *cat = render_catalog();
    finish(cat);
    char *text = pv_catalog_render_text(cat);
    assert_string_equal(text, "Discovered 2 table(s) and 1 view(s):\n"
                              "  public.a (3 cols, 2 fks, ~10 rows) [self-cycle]\n"
                              "  public.b (2 cols, 1 fks, ~unknown rows)\n"
                              "\n"
                              "Views (not replicated):\n"
                              "  public.v [materialized_view]\n"
                              "\n"
                              "Load plan (1 layer(s)):\n"
                              "  1. public.a, public.b\n"
                              "\n"
                              "Deferred FK edges (cycle break):\n"
                              "  public.a -[a_b_fk]-> public.b\n"
                              "\n"
                              "Warnings (1):\n"
                              "  [never_analyzed] Table public.b has never been analyzed; run "
                              "ANALYZE for better batch sizing.\n");
    free(text);
    pv_catalog_free(cat);
}

static void test_render_text_omits_empty_blocks(void **state)
{
    (void)state;
    pv_catalog *cat = new_catalog();
    add_table(cat, "public", "only", 3);
    finish(cat);
    char *text = pv_catalog_render_text(cat);
    assert_string_equal(text, "Discovered 1 table(s) and 0 view(s):\n"
                              "  public.only (0 cols, 0 fks, ~3 rows)\n"
                              "\n"
                              "Load plan (1 layer(s)):\n"
                              "  1. public.only\n");
    free(text);
    pv_catalog_free(cat);
}

static void test_snapshot_shape_and_determinism(void **state)
{
    (void)state;
    pv_catalog *one = render_catalog();
    finish(one);
    char *first = pv_catalog_snapshot_text(one);
    pv_catalog_free(one);

    /* Same catalog, tables added in the other order. */
    pv_catalog *two = new_catalog();
    pv_table *b = add_table(two, "public", "b", -1);
    add_column(b, "id", "integer", true);
    add_column(b, "a_id", "integer", false);
    add_fk(b, "b_a_fk", "a_id", "public", "a", "id");
    pv_table *a = add_table(two, "public", "a", 10);
    add_column(a, "id", "integer", true);
    add_column(a, "b_id", "integer", false);
    add_column(a, "parent_id", "integer", false);
    set_pk(a, "id");
    add_fk(a, "a_parent_fk", "parent_id", "public", "a", "id");
    add_fk(a, "a_b_fk", "b_id", "public", "b", "id");
    two->views = pv_xcalloc(1, sizeof(*two->views));
    two->views[0] = (pv_view){pv_xstrdup("public"), pv_xstrdup("v"), pv_xstrdup("public.v"),
                              "materialized_view"};
    two->n_views = 1;
    finish(two);
    char *second = pv_catalog_snapshot_text(two);
    pv_catalog_free(two);

    assert_string_equal(first, second);
    assert_non_null(strstr(first, "\"estimated_rows\":-1.0"));
    assert_non_null(strstr(first, "\"estimated_rows\":10.0"));
    assert_non_null(strstr(first, "{\"load_plan\":{\"deferred_edges\":[{\"foreign_key_name\":"
                                  "\"a_b_fk\",\"referenced_table\":\"public.b\","
                                  "\"referencing_table\":\"public.a\"}],\"layers\":[["
                                  "\"public.a\",\"public.b\"]]},\"skipped_objects\":[],"));
    assert_non_null(strstr(first, "\"views\":[{\"kind\":\"materialized_view\",\"schema_name\":"
                                  "\"public\",\"view_name\":\"v\"}]"));
    assert_non_null(strstr(first, "\"self_cycle\":true"));
    free(first);
    free(second);
}

static void test_snapshot_escapes_non_ascii(void **state)
{
    (void)state;
    pv_catalog *cat = new_catalog();
    add_table(cat, "public", "caf\xc3\xa9", 1);
    finish(cat);
    char *text = pv_catalog_snapshot_text(cat);
    assert_non_null(strstr(text, "\"public.caf\\u00e9\""));
    free(text);
    pv_catalog_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ident_quotes_and_doubles),
        cmocka_unit_test(test_ident_rejects_control_and_empty),
        cmocka_unit_test(test_base_type),
        cmocka_unit_test(test_plan_acyclic_chain),
        cmocka_unit_test(test_plan_self_reference),
        cmocka_unit_test(test_plan_two_table_cycle_defers_nullable_edge),
        cmocka_unit_test(test_plan_cycle_tie_breaks_on_rows_then_name),
        cmocka_unit_test(test_plan_three_cycle_merges_component),
        cmocka_unit_test(test_plan_partitioned_parent_edges_go_to_children),
        cmocka_unit_test(test_plan_ignores_fk_outside_catalog),
        cmocka_unit_test(test_warnings_never_analyzed_and_sub_partitioning),
        cmocka_unit_test(test_warnings_polymorphic),
        cmocka_unit_test(test_warnings_implied_fk),
        cmocka_unit_test(test_warnings_implied_fk_ignore_list),
        cmocka_unit_test(test_warnings_implied_fk_name_hint),
        cmocka_unit_test(test_render_text_exact),
        cmocka_unit_test(test_render_text_omits_empty_blocks),
        cmocka_unit_test(test_snapshot_shape_and_determinism),
        cmocka_unit_test(test_snapshot_escapes_non_ascii),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
