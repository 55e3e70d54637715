/*
 * Unit tests for src/schema (the parts that need no server): parsing
 * `pg_restore -l` listings, tying comments / OWNED BY / attachments to
 * their objects, the TOC filter of spec/catalog-and-schema.md §8, the
 * per-pass `-L` lists, message scrubbing, script framing and connection
 * string splitting. What resolve.c would read from the source catalogs is
 * filled in by hand; the real thing runs in
 * tests/integration/test_schema_replication.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "schema/plan.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/*
 * A listing captured from pg_dump 15 (trimmed): two schemas, a view, an
 * excluded table (audit) with its sequence, default, constraint, index and
 * comment, a partitioned table, a schema with a space in its name, a
 * non-unique index with a comment, an FK into the excluded table, and the
 * skipped kinds.
 */
static const char PRE_LISTING[] =
    ";\n"
    "; Archive created at 2026-11-23 12:49:38 UTC\n"
    ";     dbname: shapes\n"
    ";\n"
    "; Selected TOC Entries:\n"
    ";\n"
    "7; 2615 16385 SCHEMA - sales postgres\n"
    "6; 2615 16881 SCHEMA - Sales Data postgres\n"
    "2; 3079 16940 EXTENSION - pg_trgm \n"
    "3513; 0 0 COMMENT - EXTENSION pg_trgm \n"
    "929; 1247 16929 TYPE public mood postgres\n"
    "231; 1255 16503 FUNCTION public touch() postgres\n"
    "2153; 2328 17023 FOREIGN DATA WRAPPER - dummy postgres\n"
    "2154; 1417 17024 SERVER - srv postgres\n"
    "3514; 0 0 USER MAPPING - USER MAPPING postgres SERVER srv postgres\n"
    "217; 1259 16387 TABLE public users postgres\n"
    "3517; 0 0 COMMENT public TABLE users postgres\n"
    "3518; 0 0 COMMENT public COLUMN users.email postgres\n"
    "228; 1259 16495 VIEW public active_users postgres\n"
    "3515; 0 0 COMMENT public VIEW active_users postgres\n"
    "240; 1259 16600 TABLE public audit postgres\n"
    "3520; 0 0 COMMENT public TABLE audit postgres\n"
    "241; 1259 16601 SEQUENCE public audit_id_seq postgres\n"
    "3521; 0 0 SEQUENCE OWNED BY public audit_id_seq postgres\n"
    "216; 1259 16386 SEQUENCE public users_id_seq postgres\n"
    "3516; 0 0 SEQUENCE OWNED BY public users_id_seq postgres\n"
    "234; 1259 17026 FOREIGN TABLE public ft postgres\n"
    "215; 1259 16882 TABLE Sales Data Order \"Items\" postgres\n"
    "3372; 0 0 COMMENT Sales Data TABLE \"Order \"\"Items\"\"\" postgres\n"
    "250; 1259 16700 TABLE public m postgres\n"
    "251; 1259 16701 TABLE public m_1 postgres\n"
    "229; 1259 16499 MATERIALIZED VIEW sales invoice_totals postgres\n"
    "3318; 2604 16390 DEFAULT public users id postgres\n"
    "3319; 2604 16602 DEFAULT public audit id postgres\n"
    "3364; 0 0 TABLE ATTACH public m_1 postgres\n"
    "3600; 0 0 ACL - SCHEMA sales postgres\n";

static const char POST_LISTING[] =
    ";\n; Selected TOC Entries:\n;\n"
    "3326; 2606 16394 CONSTRAINT public users users_pkey postgres\n"
    "3519; 0 0 COMMENT public CONSTRAINT users_pkey ON users postgres\n"
    "3330; 2606 16603 CONSTRAINT public audit audit_pkey postgres\n"
    "3331; 2606 16702 CONSTRAINT public m m_pkey postgres\n"
    "3332; 2606 16703 CONSTRAINT public m_1 m_1_pkey postgres\n"
    "3327; 1259 16492 INDEX public users_name_idx postgres\n"
    "3522; 0 0 COMMENT public INDEX users_name_idx postgres\n"
    "3328; 1259 16493 INDEX public users_lower_email_idx postgres\n"
    "3329; 1259 16604 INDEX public audit_what_idx postgres\n"
    "3462; 0 0 INDEX ATTACH public m_1_pkey postgres\n"
    "3502; 2618 16505 RULE public users users_no_delete postgres\n"
    "3357; 2620 16504 TRIGGER public users users_touch postgres\n"
    "3349; 2606 16408 FK CONSTRAINT public users users_audit_fkey postgres\n"
    "3350; 2606 16409 FK CONSTRAINT public users users_m_fkey postgres\n"
    "3523; 0 0 COMMENT public CONSTRAINT users_m_fkey ON users postgres\n"
    "3503; 0 16387 ROW SECURITY public users postgres\n"
    "3504; 3256 16506 POLICY public users users_visible postgres\n"
    "3505; 6104 16507 PUBLICATION - pub postgres\n"
    "3506; 6106 16508 PUBLICATION TABLE public pub users postgres\n"
    "3317; 3466 17022 EVENT TRIGGER - et postgres\n";

/* --------------------------------------------------------- fixtures */

typedef struct fixture {
    pv_catalog cat;
    pv_table tables[5];
    pv_schema_plan plan;
} fixture;

static void init_table(pv_table *t, unsigned oid, const char *schema, const char *name,
                       const char *parent_id)
{
    memset(t, 0, sizeof(*t));
    t->oid = oid;
    t->schema = (char *)schema;
    t->name = (char *)name;
    t->id = pv_xasprintf("%s.%s", schema, name);
    t->parent_id = (char *)parent_id;
}

static pvs_entry *entry(pv_schema_plan *p, int dump_id)
{
    for (size_t i = 0; i < p->n_entries; i++)
        if (p->entries[i].dump_id == dump_id)
            return &p->entries[i];
    fail_msg("no entry %d", dump_id);
    return NULL;
}

/* What pvs_resolve_source would have read for entry `dump_id`. */
static pvs_entry *resolve(pv_schema_plan *p, int dump_id, const char *schema, const char *relname,
                          char relkind, unsigned owner_rel)
{
    pvs_entry *e = entry(p, dump_id);
    e->resolved = true;
    e->ident = pv_xasprintf("key-%d", dump_id);
    e->schema = schema ? pv_xstrdup(schema) : NULL;
    e->relname = relname ? pv_xstrdup(relname) : NULL;
    e->relkind = relkind;
    e->owner_rel = owner_rel;
    if ((relkind == 'i' || relkind == 'I') && relname)
        e->index_name = pv_xstrdup(relname);
    return e;
}

static void resolve_constraint(pv_schema_plan *p, int dump_id, unsigned table, const char *index,
                               unsigned ref_rel)
{
    pvs_entry *e = resolve(p, dump_id, "public", NULL, 0, table);
    e->contype = ref_rel ? 'f' : 'p';
    e->ref_rel = ref_rel;
    if (index)
        e->index_name = pv_xstrdup(index);
}

static void resolve_all(pv_schema_plan *p)
{
    resolve(p, 7, "sales", NULL, 0, 0);
    resolve(p, 6, "Sales Data", NULL, 0, 0);
    resolve(p, 2, "public", NULL, 0, 0);
    resolve(p, 929, "public", NULL, 0, 0);
    resolve(p, 231, "public", NULL, 0, 0);
    resolve(p, 2153, NULL, NULL, 0, 0);
    resolve(p, 2154, NULL, NULL, 0, 0);
    resolve(p, 217, "public", "users", 'r', 16387);
    resolve(p, 228, "public", "active_users", 'v', 16495);
    resolve(p, 240, "public", "audit", 'r', 16600);
    resolve(p, 241, "public", "audit_id_seq", 'S', 16600);
    resolve(p, 216, "public", "users_id_seq", 'S', 16387);
    resolve(p, 234, "public", "ft", 'f', 17026);
    resolve(p, 215, "Sales Data", "Order \"Items\"", 'r', 16882);
    resolve(p, 250, "public", "m", 'p', 16700);
    resolve(p, 251, "public", "m_1", 'r', 16701);
    resolve(p, 229, "sales", "invoice_totals", 'm', 16499);
    resolve(p, 3318, "public", NULL, 0, 16387);
    resolve(p, 3319, "public", NULL, 0, 16600);
    resolve_constraint(p, 3326, 16387, "users_pkey", 0);
    resolve_constraint(p, 3330, 16600, "audit_pkey", 0);
    resolve_constraint(p, 3331, 16700, "m_pkey", 0);
    resolve_constraint(p, 3332, 16701, "m_1_pkey", 0);
    resolve(p, 3327, "public", "users_name_idx", 'i', 16387);
    resolve(p, 3328, "public", "users_lower_email_idx", 'i', 16387)->is_unique = true;
    resolve(p, 3329, "public", "audit_what_idx", 'i', 16600);
    resolve_constraint(p, 3349, 16387, NULL, 16600);
    resolve_constraint(p, 3350, 16387, NULL, 16700);
}

/* A plan over the listings with `audit` excluded (or not). */
static fixture *setup_plan(bool exclude_audit, bool all_indexes)
{
    fixture *f = pv_xcalloc(1, sizeof(*f));
    init_table(&f->tables[0], 16387, "public", "users", NULL);
    init_table(&f->tables[1], 16600, "public", "audit", NULL);
    init_table(&f->tables[2], 16700, "public", "m", NULL);
    init_table(&f->tables[3], 16701, "public", "m_1", "public.m");
    init_table(&f->tables[4], 16882, "Sales Data", "Order \"Items\"", NULL);
    f->cat.tables = f->tables;
    f->cat.n_tables = 5;

    pv_schema_plan *p = &f->plan;
    p->cat = &f->cat;
    p->all_indexes = all_indexes;
    p->n_tables = 5;
    p->tables = pv_xcalloc(5, sizeof(pvs_table));
    /* Sorted by oid, as pvs_plan_init_tables leaves them. */
    for (size_t i = 0; i < 5; i++) {
        p->tables[i].t = &f->tables[i];
        p->tables[i].in_scope = !(exclude_audit && f->tables[i].oid == 16600);
        p->tables[i].strategy =
            p->tables[i].in_scope ? PVS_STRATEGY_TRANSFORM : PVS_STRATEGY_EXCLUDE;
    }
    assert_true(pvs_toc_parse(p, PRE_LISTING, PVS_PRE_DATA));
    assert_true(pvs_toc_parse(p, POST_LISTING, PVS_POST_DATA));
    resolve_all(p);
    pvs_toc_classify(p);
    return f;
}

static void teardown_plan(fixture *f)
{
    pvs_plan_clear(&f->plan);
    for (size_t i = 0; i < 5; i++)
        free(f->tables[i].id);
    free(f);
}

static bool listed(const char *list, int dump_id)
{
    char needle[32];
    snprintf(needle, sizeof(needle), "\n%d; ", dump_id);
    return strstr(list, needle) != NULL;
}

/* ------------------------------------------------------------ parsing */

static void test_desc_match(void **state)
{
    (void)state;
    unsigned flags;
    assert_string_equal(pvs_desc_match("TABLE ATTACH public x postgres", 0, &flags),
                        "TABLE ATTACH");
    assert_true(flags & PVS_DESC_DEPENDENT);
    /* A TABLE in a schema called "ATTACH" carries a pg_class id. */
    assert_string_equal(pvs_desc_match("TABLE ATTACH x postgres", 1259, NULL), "TABLE");
    assert_string_equal(pvs_desc_match("FK CONSTRAINT public t c o", 2606, NULL), "FK CONSTRAINT");
    assert_string_equal(pvs_desc_match("SEQUENCE OWNED BY public s o", 0, NULL),
                        "SEQUENCE OWNED BY");
    assert_string_equal(pvs_desc_match("SEQUENCE public s o", 1259, NULL), "SEQUENCE");
    assert_string_equal(pvs_desc_match("MATERIALIZED VIEW sales v o", 1259, &flags),
                        "MATERIALIZED VIEW");
    assert_true(flags & PVS_DESC_SKIPPED);
    assert_string_equal(pvs_desc_match("ROW SECURITY public t o", 0, &flags), "ROW SECURITY");
    assert_true(flags & PVS_DESC_SKIPPED);
    assert_string_equal(pvs_desc_match("DEFAULT ACL - o", 826, &flags), "DEFAULT ACL");
    assert_true(flags & PVS_DESC_NOT_REPLICATED);
    assert_null(pvs_desc_match("TABLESPACE x", 0, NULL));
    assert_null(pvs_desc_match("TABLEX x", 1259, NULL));
}

static void test_parse_listing(void **state)
{
    (void)state;
    pv_schema_plan p = {0};
    assert_true(pvs_toc_parse(&p, PRE_LISTING, PVS_PRE_DATA));
    assert_int_equal(p.n_entries, 30);
    const pvs_entry *e = &p.entries[0];
    assert_int_equal(e->dump_id, 7);
    assert_int_equal(e->classid, 2615);
    assert_int_equal(e->objid, 16385);
    assert_string_equal(e->desc, "SCHEMA");
    assert_string_equal(e->rest, "- sales postgres");
    assert_string_equal(e->line, "7; 2615 16385 SCHEMA - sales postgres");
    e = entry(&p, 215);
    assert_string_equal(e->desc, "TABLE");
    assert_string_equal(e->rest, "Sales Data Order \"Items\" postgres");
    e = entry(&p, 3514);
    assert_string_equal(e->desc, "USER MAPPING");
    pvs_plan_clear(&p);

    /* A line that starts like an entry but is not one is an error. */
    pv_schema_plan bad = {0};
    assert_false(pvs_toc_parse(&bad, "12; x 3 TABLE public t o\n", PVS_PRE_DATA));
    pvs_plan_clear(&bad);
    /* Unknown descs are kept (a newer pg_dump), with an empty desc. */
    pv_schema_plan unknown = {0};
    assert_true(pvs_toc_parse(&unknown, "12; 9999 3 NEW THING public t o\r\n", PVS_PRE_DATA));
    assert_int_equal(unknown.n_entries, 1);
    assert_string_equal(unknown.entries[0].desc, "");
    assert_string_equal(unknown.entries[0].rest, "NEW THING public t o");
    pvs_plan_clear(&unknown);
}

/* ----------------------------------------------------------- classify */

static void test_scope_of_kinds(void **state)
{
    (void)state;
    fixture *f = setup_plan(false, false);
    pv_schema_plan *p = &f->plan;
    assert_int_equal(entry(p, 7)->scope, PVS_OUT_SCHEMA);
    assert_int_equal(entry(p, 3600)->scope, PVS_OUT_NOT_REPLICATED);
    int skipped[] = {2153, 2154, 3514, 228, 234, 229, 3502, 3357, 3503, 3504, 3505, 3506, 3317};
    for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++)
        assert_int_equal(entry(p, skipped[i])->scope, PVS_OUT_SKIPPED_KIND);
    int kept[] = {2,    3513, 929,  231,  217,  3517, 3518, 240,  3520, 241,
                  3521, 216,  3516, 215,  3372, 250,  251,  3318, 3319, 3364,
                  3326, 3519, 3330, 3331, 3332, 3328, 3462, 3349, 3350, 3523};
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        assert_int_equal(entry(p, kept[i])->scope, PVS_IN_SCOPE);
    /* A view's comment goes with the view. */
    assert_int_equal(entry(p, 3515)->scope, PVS_OUT_ORPHAN);
    /* Non-unique indexes (and their comments) only with replicate_all_indexes. */
    assert_int_equal(entry(p, 3327)->scope, PVS_OUT_INDEX);
    assert_int_equal(entry(p, 3522)->scope, PVS_OUT_ORPHAN);
    assert_int_equal(entry(p, 3329)->scope, PVS_OUT_INDEX);
    teardown_plan(f);

    f = setup_plan(false, true);
    assert_int_equal(entry(&f->plan, 3327)->scope, PVS_IN_SCOPE);
    assert_int_equal(entry(&f->plan, 3522)->scope, PVS_IN_SCOPE);
    teardown_plan(f);
}

static void test_links(void **state)
{
    (void)state;
    fixture *f = setup_plan(false, false);
    pv_schema_plan *p = &f->plan;
    const pvs_entry *e = p->entries;
#define OWNER_ID(id) (entry(p, id)->owner >= 0 ? e[entry(p, id)->owner].dump_id : -1)
    assert_int_equal(OWNER_ID(3513), 2);    /* COMMENT ON EXTENSION */
    assert_int_equal(OWNER_ID(3517), 217);  /* COMMENT ON TABLE users */
    assert_int_equal(OWNER_ID(3518), 217);  /* COMMENT ON COLUMN users.email */
    assert_int_equal(OWNER_ID(3372), 215);  /* quoted tag in "Sales Data" */
    assert_int_equal(OWNER_ID(3516), 216);  /* OWNED BY users_id_seq */
    assert_int_equal(OWNER_ID(3521), 241);  /* OWNED BY audit_id_seq */
    assert_int_equal(OWNER_ID(3364), 251);  /* TABLE ATTACH m_1 */
    assert_int_equal(OWNER_ID(3462), 3332); /* INDEX ATTACH m_1_pkey */
    assert_int_equal(OWNER_ID(3519), 3326); /* COMMENT ON CONSTRAINT users_pkey */
    assert_int_equal(OWNER_ID(3523), 3350); /* COMMENT ON an FK */
#undef OWNER_ID
    /* Schemas the engine creates: those of in-scope tables and objects. */
    assert_int_equal(p->schemas.n, 2);
    assert_string_equal(p->schemas.items[0], "Sales Data");
    assert_string_equal(p->schemas.items[1], "public");
    teardown_plan(f);
}

static void test_excluded_table_takes_everything_with_it(void **state)
{
    (void)state;
    fixture *f = setup_plan(true, true);
    pv_schema_plan *p = &f->plan;
    int gone[] = {240, 241, 3319, 3330, 3329};
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
        assert_int_equal(entry(p, gone[i])->scope, PVS_OUT_TABLE);
    assert_int_equal(entry(p, 3520)->scope, PVS_OUT_ORPHAN); /* its comment */
    assert_int_equal(entry(p, 3521)->scope, PVS_OUT_ORPHAN); /* its OWNED BY */
    assert_int_equal(entry(p, 3349)->scope, PVS_OUT_FK);     /* an FK into it */
    assert_int_equal(entry(p, 3350)->scope, PVS_IN_SCOPE);
    teardown_plan(f);
}

static void test_excluded_parent_takes_children(void **state)
{
    (void)state;
    fixture *f = setup_plan(false, false);
    pv_schema_plan *p = &f->plan;
    /* What pvs_plan_init_tables does for an excluded parent. */
    for (size_t i = 0; i < p->n_tables; i++)
        if (p->tables[i].t->oid == 16700 || p->tables[i].t->oid == 16701)
            p->tables[i].in_scope = false;
    pvs_toc_classify(p);
    int gone[] = {250, 251, 3331, 3332};
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
        assert_int_equal(entry(p, gone[i])->scope, PVS_OUT_TABLE);
    assert_int_equal(entry(p, 3364)->scope, PVS_OUT_ORPHAN);
    assert_int_equal(entry(p, 3462)->scope, PVS_OUT_ORPHAN);
    assert_int_equal(entry(p, 3350)->scope, PVS_OUT_FK);
    assert_int_equal(entry(p, 3523)->scope, PVS_OUT_ORPHAN);
    teardown_plan(f);
}

/* -------------------------------------------------------------- lists */

static void test_lists_per_pass(void **state)
{
    (void)state;
    fixture *f = setup_plan(false, false);
    pv_schema_plan *p = &f->plan;
    pvs_keyset none = {0};
    size_t n;
    char *pre = pvs_toc_list(p, PVS_PASS_PRE, &none, &n);
    int pre_ids[] = {2,    3513, 929,  231, 217,  3517, 3518, 240,  3520, 241,
                     3521, 216,  3516, 215, 3372, 250,  251,  3318, 3319, 3364};
    assert_int_equal(n, sizeof(pre_ids) / sizeof(pre_ids[0]));
    for (size_t i = 0; i < n; i++)
        assert_true(listed(pre, pre_ids[i]));
    /* Archive order is kept. */
    assert_true(strstr(pre, "\n217; ") < strstr(pre, "\n3517; "));
    assert_true(strstr(pre, "\n251; ") < strstr(pre, "\n3364; "));
    free(pre);

    char *post = pvs_toc_list(p, PVS_PASS_POST, &none, &n);
    int post_ids[] = {3326, 3519, 3330, 3331, 3332, 3328, 3462};
    assert_int_equal(n, sizeof(post_ids) / sizeof(post_ids[0]));
    for (size_t i = 0; i < n; i++)
        assert_true(listed(post, post_ids[i]));
    free(post);

    char *fks = pvs_toc_list(p, PVS_PASS_FK, &none, &n);
    assert_int_equal(n, 3);
    assert_true(listed(fks, 3349) && listed(fks, 3350) && listed(fks, 3523));
    free(fks);
    teardown_plan(f);
}

static void test_lists_skip_existing_objects(void **state)
{
    (void)state;
    fixture *f = setup_plan(false, false);
    pv_schema_plan *p = &f->plan;
    pvs_keyset existing = {0};
    pvs_keyset_add(&existing, pv_xstrdup("key-217"));  /* users */
    pvs_keyset_add(&existing, pv_xstrdup("key-216"));  /* users_id_seq */
    pvs_keyset_add(&existing, pv_xstrdup("key-2"));    /* pg_trgm */
    pvs_keyset_add(&existing, pv_xstrdup("key-3326")); /* users_pkey */
    pvs_keyset_add(&existing, pv_xstrdup("A\x1fpublic\x1fm_1"));
    pvs_keyset_add(&existing, pv_xstrdup("X\x1fpublic\x1fm_1_pkey"));
    pvs_keyset_sort(&existing);

    size_t n;
    char *pre = pvs_toc_list(p, PVS_PASS_PRE, &existing, &n);
    assert_false(listed(pre, 217) || listed(pre, 216) || listed(pre, 2) || listed(pre, 3364));
    /* Only-a-property entries are always re-applied… */
    assert_true(listed(pre, 3517) && listed(pre, 3518) && listed(pre, 3516) && listed(pre, 3318));
    /* …except the comment of an extension that was already there. */
    assert_false(listed(pre, 3513));
    free(pre);

    char *post = pvs_toc_list(p, PVS_PASS_POST, &existing, &n);
    assert_false(listed(post, 3326) || listed(post, 3462));
    assert_true(listed(post, 3519) && listed(post, 3331));
    free(post);
    pvs_keyset_free(&existing);
    teardown_plan(f);
}

static void test_entry_keys(void **state)
{
    (void)state;
    fixture *f = setup_plan(false, false);
    pv_schema_plan *p = &f->plan;
    char *k = pvs_entry_key(p, entry(p, 3364));
    assert_string_equal(k, "A\x1fpublic\x1fm_1");
    free(k);
    k = pvs_entry_key(p, entry(p, 3462));
    assert_string_equal(k, "X\x1fpublic\x1fm_1_pkey");
    free(k);
    k = pvs_entry_key(p, entry(p, 217));
    assert_string_equal(k, "key-217");
    free(k);
    assert_null(pvs_entry_key(p, entry(p, 3600)));
    teardown_plan(f);
}

/* ------------------------------------------------------------ helpers */

static void test_scrub_message(void **state)
{
    (void)state;
    char *m = pvs_scrub_message("22P02", "invalid input syntax for type integer: \"4711\"");
    assert_string_equal(m, "invalid input syntax for type integer");
    free(m);
    m = pvs_scrub_message("42P07", "relation \"users\" already exists");
    assert_string_equal(m, "relation \"users\" already exists");
    free(m);
    m = pvs_scrub_message("42601", "bad default 'secret value' here.");
    assert_string_equal(m, "bad default '...' here");
    free(m);
    m = pvs_scrub_message("XX000", NULL);
    assert_string_equal(m, "no message");
    free(m);
}

static void test_ddl_error_text(void **state)
{
    (void)state;
    pv_error *err = pvs_ddl_error(NULL);
    assert_int_equal(err->exit_code, 1);
    assert_string_equal(err->context, "Replicating schema to the target database");
    assert_string_equal(err->remediation,
                        "Verify target permissions, required extensions, and retry.");
    pv_error_free(err);
}

static void test_strip_restrict(void **state)
{
    (void)state;
    char *script = pv_xstrdup("--\n-- PostgreSQL database dump\n--\n\n\\restrict K3y\n\n"
                              "SET x = 1;\nCREATE FUNCTION f() AS $$\n\\unrestrict other\n$$;\n"
                              "\\unrestrict K3y\n");
    pvs_strip_restrict(script);
    assert_string_equal(script, "--\n-- PostgreSQL database dump\n--\n\n\n"
                                "SET x = 1;\nCREATE FUNCTION f() AS $$\n\\unrestrict other\n$$;\n");
    free(script);
    char *plain = pv_xstrdup("SET x = 1;\n");
    pvs_strip_restrict(plain);
    assert_string_equal(plain, "SET x = 1;\n");
    free(plain);
}

static void test_split_conninfo(void **state)
{
    (void)state;
    char *conninfo, *password;
    assert_true(pvs_split_conninfo(
        "postgresql://alice:s3cr%27et@db.example:5433/prod?sslmode=require", &conninfo, &password));
    assert_string_equal(password, "s3cr'et");
    assert_null(strstr(conninfo, "s3cr"));
    assert_non_null(strstr(conninfo, "user='alice'"));
    assert_non_null(strstr(conninfo, "dbname='prod'"));
    assert_non_null(strstr(conninfo, "port='5433'"));
    assert_non_null(strstr(conninfo, "application_name='privaci'"));
    free(conninfo);
    free(password);

    assert_true(pvs_split_conninfo("host=/tmp dbname='it\\'s' application_name=mine", &conninfo,
                                   &password));
    assert_null(password);
    assert_non_null(strstr(conninfo, "dbname='it\\'s'"));
    assert_non_null(strstr(conninfo, "application_name='mine'"));
    assert_null(strstr(conninfo, "privaci"));
    free(conninfo);

    assert_false(pvs_split_conninfo("host='unterminated", &conninfo, &password));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_desc_match),
        cmocka_unit_test(test_parse_listing),
        cmocka_unit_test(test_scope_of_kinds),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_excluded_table_takes_everything_with_it),
        cmocka_unit_test(test_excluded_parent_takes_children),
        cmocka_unit_test(test_lists_per_pass),
        cmocka_unit_test(test_lists_skip_existing_objects),
        cmocka_unit_test(test_entry_keys),
        cmocka_unit_test(test_scrub_message),
        cmocka_unit_test(test_ddl_error_text),
        cmocka_unit_test(test_strip_restrict),
        cmocka_unit_test(test_split_conninfo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
