/*
 * introspect.c — reading the source catalog (catalog-and-schema.md §1).
 *
 * One query per catalog (all tables, all columns, all constraints, …), in
 * the manner of pg_dump's getTables/getTableAttrs, never one per table: a
 * source with thousands of tables still takes a dozen round trips. All of
 * them run in one REPEATABLE READ READ ONLY transaction, so they see one
 * consistent catalog. Queries work on PostgreSQL 12–17.
 *
 * search_path is emptied for the duration: format_type, pg_get_expr and
 * friends then schema-qualify every user object, so the texts (and the
 * snapshot) do not depend on the role's search_path.
 */
#include "catalog/catalog.h"

#include "catalog/pgconn.h"
#include "obs/log.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define CONTEXT_INTROSPECT "Introspecting source database catalogs"

/* User schemas: not pg_catalog, pg_toast*, pg_temp*, information_schema, _privaci. */
#define USER_SCHEMA(n)                                                                             \
    "left(" n ".nspname, 3) <> 'pg_' AND " n ".nspname <> 'information_schema' AND " n             \
    ".nspname <> '_privaci'"

typedef struct oid_slot {
    unsigned oid;
    size_t index;
} oid_slot;

typedef struct reader {
    PGconn *conn;
    pv_catalog *cat;
    oid_slot *by_oid; /* sorted by oid, for attaching rows to their table */
} reader;

/* ------------------------------------------------------------- plumbing */

static pv_error *query_error(PGresult *res)
{
    const char *state = pv_pg_sqlstate(res);
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    /* The primary message names catalog objects at most; still debug only. */
    pv_log(PV_LOG_DEBUG, "catalog query failed: %s %s", state, msg ? msg : "");
    if (strcmp(state, "42501") == 0)
        return pv_error_new(PV_EXIT_PREFLIGHT, CONTEXT_INTROSPECT,
                            "Grant CONNECT on the database and USAGE on schemas, or use a role "
                            "with read access to pg_catalog.",
                            "Role lacks SELECT on pg_catalog system tables.");
    return pv_error_new(PV_EXIT_PREFLIGHT, CONTEXT_INTROSPECT,
                        "Verify source connectivity and permissions, then retry.",
                        "Catalog query failed.");
}

/* Runs `sql`; on success *res holds the rows (caller PQclears). */
static pv_error *run_query(PGconn *conn, const char *sql, PGresult **res)
{
    *res = PQexec(conn, sql);
    ExecStatusType st = *res ? PQresultStatus(*res) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return NULL;
    pv_error *err = query_error(*res);
    PQclear(*res);
    *res = NULL;
    return err;
}

static pv_error *run_command(PGconn *conn, const char *sql)
{
    PGresult *res = NULL;
    pv_error *err = run_query(conn, sql, &res);
    PQclear(res);
    return err;
}

static const char *val(const PGresult *res, int row, int col)
{
    return PQgetvalue(res, row, col);
}

/* NULL for SQL NULL, else a copy. */
static char *opt_dup(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : pv_xstrdup(PQgetvalue(res, row, col));
}

static bool bool_val(const PGresult *res, int row, int col)
{
    return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

static unsigned oid_val(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : (unsigned)strtoul(PQgetvalue(res, row, col), NULL, 10);
}

/* A JSON array of strings (to_json(name[])::text) into a list. */
static void json_names(const char *text, pv_strlist *out)
{
    json_t *arr = json_loads(text, JSON_DECODE_ANY, NULL);
    size_t i;
    json_t *item;
    json_array_foreach(arr, i, item)
    {
        if (json_is_string(item))
            pv_strlist_push(out, json_string_value(item));
    }
    json_decref(arr);
}

static int cmp_oid_slot(const void *a, const void *b)
{
    unsigned x = ((const oid_slot *)a)->oid, y = ((const oid_slot *)b)->oid;
    return x < y ? -1 : x > y;
}

static void index_by_oid(reader *r)
{
    size_t n = r->cat->n_tables;
    free(r->by_oid);
    r->by_oid = pv_xmalloc((n ? n : 1) * sizeof(*r->by_oid));
    for (size_t i = 0; i < n; i++)
        r->by_oid[i] = (oid_slot){r->cat->tables[i].oid, i};
    qsort(r->by_oid, n, sizeof(*r->by_oid), cmp_oid_slot);
}

static pv_table *table_by_oid(const reader *r, unsigned oid)
{
    oid_slot key = {oid, 0};
    oid_slot *hit = bsearch(&key, r->by_oid, r->cat->n_tables, sizeof(*r->by_oid), cmp_oid_slot);
    return hit ? &r->cat->tables[hit->index] : NULL;
}

#define APPEND(arr, n, value)                                                                      \
    do {                                                                                           \
        (arr) = pv_xrealloc((arr), ((n) + 1) * sizeof(*(arr)));                                    \
        (arr)[(n)++] = (value);                                                                    \
    } while (0)

/* --------------------------------------------------------------- tables */

static const char *strategy_name(const char *partstrat)
{
    switch (partstrat ? partstrat[0] : 0) {
    case 'r':
        return "RANGE";
    case 'l':
        return "LIST";
    case 'h':
        return "HASH";
    default:
        return NULL;
    }
}

/*
 * §1: never analyzed is reltuples < 0 on 14+, and reltuples = 0 with
 * relpages = 0 on 12–13; either way the estimate becomes -1.
 */
static double normalized_rows(int server_version, double reltuples, long relpages)
{
    if (server_version >= 140000)
        return reltuples < 0 ? -1.0 : reltuples;
    return (reltuples == 0 && relpages == 0) ? -1.0 : reltuples;
}

/* clang-format off */
static const char SQL_TABLES[] =
    "SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples, c.relpages,"
    " c.relrowsecurity, c.relforcerowsecurity, pt.partstrat,"
    " CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,"
    " CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END,"
    " CASE WHEN c.relispartition THEN (SELECT i.inhparent FROM pg_catalog.pg_inherits i"
    "   WHERE i.inhrelid = c.oid LIMIT 1) END"
    " FROM pg_catalog.pg_class c"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " LEFT JOIN pg_catalog.pg_partitioned_table pt ON pt.partrelid = c.oid"
    " WHERE c.relkind IN ('r', 'p') AND " USER_SCHEMA("n");
/* clang-format on */

static pv_error *read_tables(reader *r)
{
    PGresult *res;
    pv_error *err = run_query(r->conn, SQL_TABLES, &res);
    if (err)
        return err;
    pv_catalog *cat = r->cat;
    int rows = PQntuples(res);
    cat->tables = pv_xcalloc(rows ? (size_t)rows : 1, sizeof(*cat->tables));
    for (int i = 0; i < rows; i++) {
        pv_table *t = &cat->tables[cat->n_tables++];
        t->oid = oid_val(res, i, 0);
        t->schema = pv_xstrdup(val(res, i, 1));
        t->name = pv_xstrdup(val(res, i, 2));
        t->id = pv_xasprintf("%s.%s", t->schema, t->name);
        t->relkind = val(res, i, 3)[0];
        t->estimated_rows = normalized_rows(cat->server_version, strtod(val(res, i, 4), NULL),
                                            strtol(val(res, i, 5), NULL, 10));
        t->row_security = bool_val(res, i, 6);
        t->force_row_security = bool_val(res, i, 7);
        t->is_partitioned = t->relkind == 'p';
        t->partition_strategy = t->is_partitioned ? strategy_name(val(res, i, 8)) : NULL;
        t->partition_key_def = opt_dup(res, i, 9);
        t->partition_bound = opt_dup(res, i, 10);
        t->parent_oid = oid_val(res, i, 11);
    }
    PQclear(res);
    pv_catalog_sort(cat);
    index_by_oid(r);
    return NULL;
}

/* Children learn their parent's id; parents their sorted child ids. */
static void link_partitions(reader *r)
{
    for (size_t i = 0; i < r->cat->n_tables; i++) {
        pv_table *child = &r->cat->tables[i];
        pv_table *parent = child->parent_oid ? table_by_oid(r, child->parent_oid) : NULL;
        if (!parent)
            continue;
        child->parent_id = pv_xstrdup(parent->id);
        child->is_sub_partitioned = child->is_partitioned;
        pv_strlist_push(&parent->partition_children, child->id);
    }
}

/* -------------------------------------------------------------- columns */

/* clang-format off */
static const char SQL_COLUMNS[] =
    "SELECT a.attrelid, a.attnum, a.attname,"
    " pg_catalog.format_type(a.atttypid, a.atttypmod), a.atttypid, a.attnotnull,"
    " pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,"
    /* The owned sequence, as pg_get_serial_sequence names it — read from
     * pg_depend, because that function needs USAGE on the table's schema
     * and a role lacking it must reach the source_privileges check. */
    " (SELECT pg_catalog.quote_ident(sn.nspname) || '.' || pg_catalog.quote_ident(s.relname)"
    "  FROM pg_catalog.pg_depend dep"
    "  JOIN pg_catalog.pg_class s ON s.oid = dep.objid AND s.relkind = 'S'"
    "  JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace"
    "  WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass"
    "  AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass"
    "  AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum"
    "  AND dep.deptype IN ('a', 'i') LIMIT 1),"
    " CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN"
    "   (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)"
    "    FROM pg_catalog.pg_collation co"
    "    JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace"
    "    WHERE co.oid = a.attcollation) END,"
    " CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END,"
    /* Binary I/O of the type itself, a domain's base types and an array's
     * element: a domain's own receive function and array_recv exist even
     * when the type underneath has none, and would fail mid-stream. */
    " (WITH RECURSIVE chain(oid) AS ("
    "   SELECT a.atttypid"
    "   UNION"
    "   SELECT CASE WHEN ct.typtype = 'd' THEN ct.typbasetype ELSE ct.typelem END"
    "   FROM chain ch JOIN pg_catalog.pg_type ct ON ct.oid = ch.oid"
    "   WHERE ct.typtype = 'd' OR (ct.typlen = -1 AND ct.typelem <> 0))"
    "  SELECT pg_catalog.bool_and(ct.typsend::pg_catalog.oid <> 0"
    "   AND ct.typreceive::pg_catalog.oid <> 0)"
    "  FROM chain ch JOIN pg_catalog.pg_type ct ON ct.oid = ch.oid WHERE ct.typtype <> 'd')"
    " FROM pg_catalog.pg_attribute a"
    " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
    " LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
    " WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped"
    " AND " USER_SCHEMA("n")
    " ORDER BY a.attrelid, a.attnum";
/* clang-format on */

static void fill_column(pv_column *col, const PGresult *res, int i)
{
    col->attnum = atoi(val(res, i, 1));
    col->name = pv_xstrdup(val(res, i, 2));
    col->data_type = pv_xstrdup(val(res, i, 3));
    col->type_oid = oid_val(res, i, 4);
    col->not_null = bool_val(res, i, 5);
    col->identity = val(res, i, 7)[0];
    char *expr = opt_dup(res, i, 6);
    /* A generated column's pg_attrdef entry is its generation rule, not a default. */
    if (val(res, i, 8)[0] == 's')
        col->generated_expr = expr;
    else
        col->default_expr = expr;
    col->sequence_name = opt_dup(res, i, 9);
    col->collation = opt_dup(res, i, 10);
    col->domain_base = opt_dup(res, i, 11);
    col->has_binary_io = bool_val(res, i, 12);
    col->avg_width = -1;
}

static pv_error *read_columns(reader *r)
{
    PGresult *res;
    pv_error *err = run_query(r->conn, SQL_COLUMNS, &res);
    if (err)
        return err;
    for (int i = 0; i < PQntuples(res); i++) {
        pv_table *t = table_by_oid(r, oid_val(res, i, 0));
        if (!t)
            continue;
        pv_column col = {0};
        fill_column(&col, res, i);
        APPEND(t->columns, t->n_columns, col);
    }
    PQclear(res);
    return NULL;
}

/*
 * pg_stats shows only columns the role may read. A partitioned parent has
 * only inherited rows; any other table prefers its own (inherited = false).
 */
/* clang-format off */
static const char SQL_STATS[] =
    "SELECT DISTINCT ON (a.attrelid, a.attnum) a.attrelid, a.attnum, s.avg_width"
    " FROM pg_catalog.pg_stats s"
    " JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname"
    " JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename"
    " JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = s.attname"
    " WHERE c.relkind IN ('r', 'p') AND s.avg_width IS NOT NULL"
    " AND " USER_SCHEMA("n")
    " ORDER BY a.attrelid, a.attnum, s.inherited";
/* clang-format on */

static pv_error *read_stats(reader *r)
{
    PGresult *res;
    pv_error *err = run_query(r->conn, SQL_STATS, &res);
    if (err)
        return err;
    for (int i = 0; i < PQntuples(res); i++) {
        pv_table *t = table_by_oid(r, oid_val(res, i, 0));
        int attnum = atoi(val(res, i, 1));
        for (size_t c = 0; t && c < t->n_columns; c++)
            if (t->columns[c].attnum == attnum)
                t->columns[c].avg_width = atoi(val(res, i, 2));
    }
    PQclear(res);
    return NULL;
}

/* ---------------------------------------------------------- constraints */

#define COLUMN_NAMES_JSON(keys, rel)                                                               \
    "pg_catalog.to_json(ARRAY(SELECT a.attname FROM pg_catalog.unnest(" keys ")"                   \
    " WITH ORDINALITY k(attnum, ord)"                                                              \
    " JOIN pg_catalog.pg_attribute a ON a.attrelid = " rel " AND a.attnum = k.attnum"              \
    " ORDER BY k.ord))::pg_catalog.text"

/*
 * FKs a partition inherits from its parent (conparentid <> 0) are clones of
 * the parent's constraint — pg_dump skips them too; the parent's FK stands
 * for every child in the load plan (§3.1).
 */
/* clang-format off */
static const char SQL_CONSTRAINTS[] =
    "SELECT con.conrelid, con.contype, con.conname,"
    " pg_catalog.pg_get_constraintdef(con.oid),"
    " " COLUMN_NAMES_JSON("con.conkey", "con.conrelid") ","
    " fn.nspname, fc.relname,"
    " " COLUMN_NAMES_JSON("con.confkey", "con.confrelid") ","
    " con.confdeltype, con.confupdtype, con.condeferrable, con.condeferred"
    " FROM pg_catalog.pg_constraint con"
    " JOIN pg_catalog.pg_class c ON c.oid = con.conrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid"
    " LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace"
    " WHERE con.contype IN ('p', 'u', 'f', 'c') AND c.relkind IN ('r', 'p')"
    " AND NOT (con.contype = 'f' AND con.conparentid <> 0)"
    " AND " USER_SCHEMA("n");
/* clang-format on */

static const char *fk_action(char code)
{
    switch (code) {
    case 'r':
        return "RESTRICT";
    case 'c':
        return "CASCADE";
    case 'n':
        return "SET NULL";
    case 'd':
        return "SET DEFAULT";
    default:
        return "NO ACTION";
    }
}

static void add_foreign_key(pv_table *t, const PGresult *res, int i)
{
    pv_foreign_key fk = {0};
    fk.name = pv_xstrdup(val(res, i, 2));
    fk.definition = pv_xstrdup(val(res, i, 3));
    json_names(val(res, i, 4), &fk.columns);
    fk.ref_schema = pv_xstrdup(val(res, i, 5));
    fk.ref_table = pv_xstrdup(val(res, i, 6));
    json_names(val(res, i, 7), &fk.ref_columns);
    fk.on_delete = fk_action(val(res, i, 8)[0]);
    fk.on_update = fk_action(val(res, i, 9)[0]);
    fk.deferrable = bool_val(res, i, 10);
    fk.initially_deferred = bool_val(res, i, 11);
    APPEND(t->fks, t->n_fks, fk);
}

static void add_constraint(pv_table *t, const PGresult *res, int i)
{
    switch (val(res, i, 1)[0]) {
    case 'p':
        free(t->primary_key_name);
        pv_strlist_free(&t->primary_key);
        t->primary_key_name = pv_xstrdup(val(res, i, 2));
        json_names(val(res, i, 4), &t->primary_key);
        break;
    case 'u': {
        pv_unique u = {pv_xstrdup(val(res, i, 2)), {0}};
        json_names(val(res, i, 4), &u.columns);
        APPEND(t->uniques, t->n_uniques, u);
        break;
    }
    case 'c': {
        pv_check c = {pv_xstrdup(val(res, i, 2)), pv_xstrdup(val(res, i, 3))};
        APPEND(t->checks, t->n_checks, c);
        break;
    }
    case 'f':
        add_foreign_key(t, res, i);
        break;
    }
}

static pv_error *read_constraints(reader *r)
{
    PGresult *res;
    pv_error *err = run_query(r->conn, SQL_CONSTRAINTS, &res);
    if (err)
        return err;
    for (int i = 0; i < PQntuples(res); i++) {
        pv_table *t = table_by_oid(r, oid_val(res, i, 0));
        if (t)
            add_constraint(t, res, i);
    }
    PQclear(res);
    return NULL;
}

/* -------------------------------------------------------------- indexes */

/* Key columns only (INCLUDE columns are not part of the key); attnum 0 = expression. */
/* clang-format off */
static const char SQL_INDEXES[] =
    "SELECT i.indrelid, ic.relname, i.indisunique, i.indpred IS NOT NULL,"
    " i.indexprs IS NOT NULL, pg_catalog.pg_get_indexdef(i.indexrelid),"
    " pg_catalog.to_json(ARRAY(SELECT a.attname"
    "   FROM pg_catalog.unnest(i.indkey::pg_catalog.int2[]) WITH ORDINALITY k(attnum, ord)"
    "   JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
    "   WHERE k.ord <= i.indnkeyatts ORDER BY k.ord))::pg_catalog.text,"
    " (SELECT con.conname FROM pg_catalog.pg_constraint con"
    "   WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid"
    "   AND con.contype IN ('u', 'x') LIMIT 1)"
    " FROM pg_catalog.pg_index i"
    " JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid"
    " JOIN pg_catalog.pg_class c ON c.oid = i.indrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE NOT i.indisprimary AND c.relkind IN ('r', 'p') AND " USER_SCHEMA("n");
/* clang-format on */

static pv_error *read_indexes(reader *r)
{
    PGresult *res;
    pv_error *err = run_query(r->conn, SQL_INDEXES, &res);
    if (err)
        return err;
    for (int i = 0; i < PQntuples(res); i++) {
        pv_table *t = table_by_oid(r, oid_val(res, i, 0));
        if (!t)
            continue;
        pv_index ix = {0};
        ix.name = pv_xstrdup(val(res, i, 1));
        ix.is_unique = bool_val(res, i, 2);
        ix.is_partial = bool_val(res, i, 3);
        ix.has_expressions = bool_val(res, i, 4);
        ix.definition = pv_xstrdup(val(res, i, 5));
        json_names(val(res, i, 6), &ix.columns);
        ix.constraint = opt_dup(res, i, 7);
        APPEND(t->indexes, t->n_indexes, ix);
    }
    PQclear(res);
    return NULL;
}

/* ---------------------------------------------------------------- views */

/* clang-format off */
static const char SQL_VIEWS[] =
    "SELECT n.nspname, c.relname, c.relkind"
    " FROM pg_catalog.pg_class c"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind IN ('v', 'm') AND " USER_SCHEMA("n");
/* clang-format on */

static pv_error *read_views(reader *r)
{
    PGresult *res;
    pv_error *err = run_query(r->conn, SQL_VIEWS, &res);
    if (err)
        return err;
    pv_catalog *cat = r->cat;
    for (int i = 0; i < PQntuples(res); i++) {
        pv_view v = {pv_xstrdup(val(res, i, 0)), pv_xstrdup(val(res, i, 1)), NULL,
                     val(res, i, 2)[0] == 'm' ? "materialized_view" : "view"};
        v.id = pv_xasprintf("%s.%s", v.schema, v.name);
        APPEND(cat->views, cat->n_views, v);
    }
    PQclear(res);
    return NULL;
}

/* ------------------------------------------------------ skipped objects */

/*
 * Each query returns (schema or NULL, object name, parent table or NULL).
 * Triggers cloned onto partitions are not separate objects: on 13+ they
 * have tgparentid set; on 12 they are marked internal.
 */
typedef struct skipped_query {
    const char *kind;
    const char *object_type; /* fdw only */
    const char *sql;
    int min_version; /* 0 = every supported version */
} skipped_query;

/* clang-format off */
static const skipped_query SKIPPED_QUERIES[] = {
    {"trigger", NULL,
     "SELECT n.nspname, t.tgname, c.relname FROM pg_catalog.pg_trigger t"
     " JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid"
     " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
     " WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND " USER_SCHEMA("n"),
     130000},
    {"trigger", NULL,
     "SELECT n.nspname, t.tgname, c.relname FROM pg_catalog.pg_trigger t"
     " JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid"
     " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
     " WHERE NOT t.tgisinternal AND " USER_SCHEMA("n"),
     -130000},
    {"rule", NULL,
     "SELECT n.nspname, r.rulename, c.relname FROM pg_catalog.pg_rewrite r"
     " JOIN pg_catalog.pg_class c ON c.oid = r.ev_class"
     " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
     " WHERE r.rulename <> '_RETURN' AND " USER_SCHEMA("n"),
     0},
    {"policy", NULL,
     "SELECT n.nspname, p.polname, c.relname FROM pg_catalog.pg_policy p"
     " JOIN pg_catalog.pg_class c ON c.oid = p.polrelid"
     " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
     " WHERE " USER_SCHEMA("n"),
     0},
    {"publication", NULL,
     "SELECT NULL, pubname, NULL FROM pg_catalog.pg_publication"
     " WHERE left(pubname, 3) <> 'pg_'",
     0},
    /* Only subname and subdbid: the other columns are not granted to PUBLIC. */
    {"subscription", NULL,
     "SELECT NULL, s.subname, NULL FROM pg_catalog.pg_subscription s"
     " WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d"
     "   WHERE d.datname = pg_catalog.current_database())",
     0},
    {"event_trigger", NULL, "SELECT NULL, evtname, NULL FROM pg_catalog.pg_event_trigger", 0},
    {"fdw", "foreign_data_wrapper",
     "SELECT NULL, fdwname, NULL FROM pg_catalog.pg_foreign_data_wrapper", 0},
    {"fdw", "server", "SELECT NULL, srvname, NULL FROM pg_catalog.pg_foreign_server", 0},
    {"fdw", "foreign_table",
     "SELECT n.nspname, c.relname, NULL FROM pg_catalog.pg_class c"
     " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
     " WHERE c.relkind = 'f' AND " USER_SCHEMA("n"),
     0},
};
/* clang-format on */

/* min_version > 0: at least that version; < 0: below its absolute value. */
static bool query_applies(const skipped_query *q, int server_version)
{
    if (q->min_version > 0)
        return server_version >= q->min_version;
    if (q->min_version < 0)
        return server_version < -q->min_version;
    return true;
}

static void add_skipped(pv_catalog *cat, const char *kind, const char *object_type, char *schema,
                        char *name, char *parent)
{
    pv_skipped_object o = {kind, schema, name, parent, object_type};
    APPEND(cat->skipped, cat->n_skipped, o);
}

/* Row-security switches come from the tables already read (§8.3). */
static void add_row_security(pv_catalog *cat)
{
    size_t n = cat->n_tables;
    for (size_t i = 0; i < n; i++) {
        const pv_table *t = &cat->tables[i];
        if (t->row_security)
            add_skipped(cat, "row_security", NULL, pv_xstrdup(t->schema), pv_xstrdup("ENABLE"),
                        pv_xstrdup(t->name));
        if (t->force_row_security)
            add_skipped(cat, "row_security", NULL, pv_xstrdup(t->schema), pv_xstrdup("FORCE"),
                        pv_xstrdup(t->name));
    }
}

static pv_error *read_skipped(reader *r)
{
    for (size_t q = 0; q < sizeof(SKIPPED_QUERIES) / sizeof(SKIPPED_QUERIES[0]); q++) {
        const skipped_query *sq = &SKIPPED_QUERIES[q];
        if (!query_applies(sq, r->cat->server_version))
            continue;
        PGresult *res;
        pv_error *err = run_query(r->conn, sq->sql, &res);
        if (err)
            return err;
        for (int i = 0; i < PQntuples(res); i++)
            add_skipped(r->cat, sq->kind, sq->object_type, opt_dup(res, i, 0),
                        pv_xstrdup(val(res, i, 1)), opt_dup(res, i, 2));
        PQclear(res);
    }
    add_row_security(r->cat);
    return NULL;
}

/* Appends one OID to an oid[] literal under construction ("{" so far, or "{1,2"). */
static void oid_array_add(pv_strbuf *arr, unsigned oid)
{
    pv_strbuf_appendf(arr, "%s%u", arr->len > 1 ? "," : "", oid);
}

/* Runs `sql` with the finished oid[] literal `arr` as $1 (and frees it). */
static pv_error *query_oids(reader *r, pv_strbuf *arr, const char *sql, PGresult **res)
{
    pv_strbuf_append(arr, "}");
    const char *params[1] = {arr->data};
    *res = PQexecParams(r->conn, sql, 1, NULL, params, NULL, NULL, 0);
    pv_strbuf_free(arr);
    if (PQresultStatus(*res) == PGRES_TUPLES_OK)
        return NULL;
    pv_error *err = query_error(*res);
    PQclear(*res);
    *res = NULL;
    return err;
}

/* The labels of every enum among the column types' bases, in sort order. */
static pv_error *read_enum_labels(reader *r)
{
    pv_strbuf oids = PV_STRBUF_INIT;
    pv_strbuf_append(&oids, "{");
    for (size_t i = 0; i < r->cat->n_types; i++)
        if (r->cat->types[i].info.base_typtype == 'e')
            oid_array_add(&oids, r->cat->types[i].info.base_oid);
    if (oids.len == 1) {
        pv_strbuf_free(&oids);
        return NULL;
    }
    PGresult *res;
    pv_error *err = query_oids(r, &oids,
                               "SELECT enumtypid, enumlabel FROM pg_catalog.pg_enum"
                               " WHERE enumtypid = ANY($1::pg_catalog.oid[])"
                               " ORDER BY enumtypid, enumsortorder",
                               &res);
    if (err)
        return err;
    int n = PQntuples(res);
    for (size_t i = 0; i < r->cat->n_types; i++) {
        pv_type_info *ti = &r->cat->types[i].info;
        if (ti->base_typtype != 'e')
            continue;
        const char **labels = pv_xcalloc(n ? (size_t)n : 1, sizeof(*labels));
        size_t k = 0;
        for (int row = 0; row < n; row++)
            if (oid_val(res, row, 0) == ti->base_oid)
                labels[k++] = pv_xstrdup(val(res, row, 1));
        ti->enum_labels = labels;
        ti->n_enum_labels = k;
    }
    PQclear(res);
    return NULL;
}

/*
 * The codec facts of every column type (copy/codec.h), sorted by OID:
 * PV_TYPE_INFO_SQL over the distinct type OIDs of the columns read.
 */
static pv_error *read_types(reader *r)
{
    pv_strbuf oids = PV_STRBUF_INIT;
    pv_strbuf_append(&oids, "{");
    for (size_t t = 0; t < r->cat->n_tables; t++)
        for (size_t c = 0; c < r->cat->tables[t].n_columns; c++)
            oid_array_add(&oids, r->cat->tables[t].columns[c].type_oid);
    PGresult *res;
    pv_error *err = query_oids(r, &oids, PV_TYPE_INFO_SQL, &res);
    if (err)
        return err;
    int n = PQntuples(res);
    r->cat->types = pv_xcalloc(n ? (size_t)n : 1, sizeof(*r->cat->types));
    for (int i = 0; i < n; i++) {
        pv_catalog_type *ty = &r->cat->types[r->cat->n_types++];
        ty->oid = oid_val(res, i, 0);
        ty->info = (pv_type_info){
            .base_oid = oid_val(res, i, 1),
            .base_typtype = val(res, i, 2)[0],
            .base_name = pv_xstrdup(val(res, i, 3)),
            .elem_oid = oid_val(res, i, 4),
            .elem_base_oid = oid_val(res, i, 5),
            .elem_typtype = PQgetisnull(res, i, 6) ? 0 : val(res, i, 6)[0],
            .elem_name = opt_dup(res, i, 7),
            .binary_io = bool_val(res, i, 8),
        };
    }
    PQclear(res);
    return read_enum_labels(r);
}

/* ---------------------------------------------------------- transaction */

static pv_error *read_everything(reader *r)
{
    pv_error *err = read_tables(r);
    if (!err)
        err = read_columns(r);
    if (!err)
        err = read_types(r);
    if (!err)
        err = read_stats(r);
    if (!err)
        err = read_constraints(r);
    if (!err)
        err = read_indexes(r);
    if (!err)
        err = read_views(r);
    if (!err)
        err = read_skipped(r);
    return err;
}

/*
 * Inside a caller's transaction the search_path is restored afterwards
 * (set_config(..., true) lasts until that transaction ends otherwise).
 */
static pv_error *save_search_path(PGconn *conn, char **saved)
{
    PGresult *res;
    pv_error *err = run_query(conn, "SELECT pg_catalog.current_setting('search_path')", &res);
    if (err)
        return err;
    *saved = pv_xstrdup(val(res, 0, 0));
    PQclear(res);
    return NULL;
}

static pv_error *restore_search_path(PGconn *conn, const char *saved)
{
    const char *params[1] = {saved};
    PGresult *res = PQexecParams(conn, "SELECT pg_catalog.set_config('search_path', $1, true)", 1,
                                 NULL, params, NULL, NULL, 0);
    pv_error *err = PQresultStatus(res) == PGRES_TUPLES_OK ? NULL : query_error(res);
    PQclear(res);
    return err;
}

static pv_error *introspect_in_transaction(PGconn *conn, pv_catalog *cat)
{
    reader r = {conn, cat, NULL};
    pv_error *err = run_command(conn, "SELECT pg_catalog.set_config('search_path', '', true)");
    if (!err)
        err = read_everything(&r);
    if (!err)
        link_partitions(&r);
    free(r.by_oid);
    return err;
}

pv_error *pv_catalog_introspect(PGconn *conn, pv_catalog **out)
{
    *out = NULL;
    pv_catalog *cat = pv_xcalloc(1, sizeof(*cat));
    cat->server_version = PQserverVersion(conn);
    bool own_transaction = PQtransactionStatus(conn) == PQTRANS_IDLE;
    char *saved_path = NULL;
    pv_error *err = own_transaction
                        ? run_command(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                        : save_search_path(conn, &saved_path);
    if (!err)
        err = introspect_in_transaction(conn, cat);
    if (own_transaction) {
        /* Read-only: COMMIT and ROLLBACK are equivalent; ROLLBACK also ends a failed one. */
        pv_error *end = run_command(conn, err ? "ROLLBACK" : "COMMIT");
        if (!err)
            err = end;
        else
            pv_error_free(end);
    } else if (!err) {
        err = restore_search_path(conn, saved_path);
    }
    free(saved_path);
    if (err) {
        pv_catalog_free(cat);
        return err;
    }
    pv_catalog_sort(cat);
    pv_catalog_build_plan(cat);
    pv_catalog_build_warnings(cat, NULL, 0);
    *out = cat;
    return NULL;
}
