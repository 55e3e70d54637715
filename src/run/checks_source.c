/*
 * checks_source.c — pre-flight checks that query the source: pg_catalog
 * access, table privileges (catalog-and-schema.md §1), the references of
 * §6.2, and the extensions the target will need. All of them read inside
 * the coordinator's transaction (the run's snapshot) when one is open.
 */
#include "run/checks.h"

#include "catalog/pgconn.h"
#include "obs/log.h"
#include "run/textlist.h"
#include "util/ident.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Runs a read; NULL with the SQLSTATE logged at debug level on failure. */
static PGresult *read_rows(PGconn *conn, const char *sql, int n_params, const char *const *params)
{
    PGresult *res = PQexecParams(conn, sql, n_params, NULL, params, NULL, NULL, 0);
    if (res && PQresultStatus(res) == PGRES_TUPLES_OK)
        return res;
    pv_log(PV_LOG_DEBUG, "pre-flight query failed: %s", pv_pg_sqlstate(res));
    PQclear(res);
    return NULL;
}

static bool is_true(const PGresult *res, int row, int col)
{
    return strcmp(PQgetvalue(res, row, col), "t") == 0;
}

/* ------------------------------------------------ source_catalog_read */

pv_error *pv_check_source_catalog_read(PGconn *source)
{
    PGresult *res = read_rows(source,
                              "SELECT pg_catalog.has_schema_privilege('pg_catalog', 'USAGE')"
                              " AND pg_catalog.has_table_privilege('pg_catalog.pg_class', 'SELECT')"
                              " AND pg_catalog.has_table_privilege('pg_catalog.pg_attribute',"
                              " 'SELECT')"
                              " AND pg_catalog.has_table_privilege('pg_catalog.pg_constraint',"
                              " 'SELECT')",
                              0, NULL);
    if (!res)
        return pv_error_new(PV_EXIT_PREFLIGHT, "Reading the source database catalog",
                            "Grant read access on the source database and retry.",
                            "The source user cannot query pg_catalog.");
    bool ok = is_true(res, 0, 0);
    PQclear(res);
    if (ok)
        return NULL;
    return pv_error_new(PV_EXIT_PREFLIGHT, "Checking source database read permissions",
                        "Grant CONNECT and USAGE on pg_catalog to the source user.",
                        "Current user cannot read pg_catalog.");
}

/* --------------------------------------------------- source_privileges */

static const char SQL_PRIVILEGES[] =
    "SELECT n.nspname, c.relname,"
    " pg_catalog.has_schema_privilege(n.oid, 'USAGE'),"
    " pg_catalog.has_table_privilege(c.oid, 'SELECT')"
    " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.oid = ANY ($1::pg_catalog.oid[])";

/* "{oid,oid,…}" of every streaming unit; NULL when there is none. */
static char *unit_oids(const pv_config *cfg, const pv_catalog *cat)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    for (size_t i = 0; i < cat->n_tables; i++)
        if (pv_model_is_unit(cfg, cat, &cat->tables[i]))
            pv_strbuf_appendf(&sb, "%s%u", sb.len ? "," : "{", cat->tables[i].oid);
    if (!sb.len)
        return NULL;
    pv_strbuf_append(&sb, "}");
    return pv_strbuf_take(&sb);
}

static char *current_role(PGconn *conn)
{
    PGresult *res = read_rows(conn, "SELECT current_user", 0, NULL);
    char *role = pv_xstrdup(res ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return role;
}

/* "GRANT USAGE ON SCHEMA "s" TO "r";" / "GRANT SELECT ON "s"."t" TO "r";" */
static char *grant_usage(const char *schema, const char *role)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    pv_strbuf_append(&sb, "GRANT USAGE ON SCHEMA ");
    pv_ident_append(&sb, schema);
    pv_strbuf_append(&sb, " TO ");
    pv_ident_append(&sb, role);
    pv_strbuf_append(&sb, ";");
    return pv_strbuf_take(&sb);
}

static char *grant_select(const char *schema, const char *table, const char *role)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    pv_strbuf_append(&sb, "GRANT SELECT ON ");
    pv_ident_append_qualified(&sb, schema, table);
    pv_strbuf_append(&sb, " TO ");
    pv_ident_append(&sb, role);
    pv_strbuf_append(&sb, ";");
    return pv_strbuf_take(&sb);
}

typedef struct missing_grants {
    pv_textlist tables;  /* "schema.table" that cannot be read */
    pv_textlist schemas; /* schema names lacking USAGE */
    /* (schema, table) pairs lacking SELECT, as "schema\ntable" so they sort by schema first */
    pv_textlist selects;
} missing_grants;

static void collect_missing(const PGresult *res, missing_grants *m)
{
    for (int i = 0; i < PQntuples(res); i++) {
        const char *schema = PQgetvalue(res, i, 0), *table = PQgetvalue(res, i, 1);
        bool usage = is_true(res, i, 2), select = is_true(res, i, 3);
        if (usage && select)
            continue;
        pv_textlist_take(&m->tables, pv_xasprintf("%s.%s", schema, table));
        if (!usage)
            pv_textlist_add_unique(&m->schemas, schema);
        if (!select)
            pv_textlist_take(&m->selects, pv_xasprintf("%s\n%s", schema, table));
    }
}

static pv_error *privileges_error(missing_grants *m, const char *role)
{
    pv_textlist_sort(&m->tables);
    pv_textlist_sort(&m->schemas);
    pv_textlist_sort(&m->selects);
    pv_strbuf fix = PV_STRBUF_INIT;
    pv_strbuf_append(&fix, "Run on the source as the objects' owner:");
    for (size_t i = 0; i < m->schemas.n; i++) {
        char *stmt = grant_usage(m->schemas.items[i], role);
        pv_strbuf_appendf(&fix, " %s", stmt);
        free(stmt);
    }
    for (size_t i = 0; i < m->selects.n; i++) {
        char *nl = strchr(m->selects.items[i], '\n');
        *nl = '\0';
        char *stmt = grant_select(m->selects.items[i], nl + 1, role);
        *nl = '\n';
        pv_strbuf_appendf(&fix, " %s", stmt);
        free(stmt);
    }
    char *tables = pv_textlist_join(&m->tables, ", ");
    pv_error *err =
        pv_error_new(PV_EXIT_PREFLIGHT, "Checking source table privileges", fix.data,
                     "The source role cannot read %zu in-scope table(s): %s.", m->tables.n, tables);
    free(tables);
    pv_strbuf_free(&fix);
    return err;
}

pv_error *pv_check_source_privileges(PGconn *source, const pv_config *cfg, const pv_catalog *cat)
{
    char *oids = unit_oids(cfg, cat);
    if (!oids)
        return NULL;
    const char *params[1] = {oids};
    PGresult *res = read_rows(source, SQL_PRIVILEGES, 1, params);
    free(oids);
    if (!res)
        return pv_error_new(PV_EXIT_PREFLIGHT, "Checking source table privileges",
                            "Verify source connectivity and permissions, then retry.",
                            "The privilege query failed.");
    missing_grants m = {PV_TEXTLIST_INIT, PV_TEXTLIST_INIT, PV_TEXTLIST_INIT};
    collect_missing(res, &m);
    PQclear(res);
    pv_error *err = NULL;
    if (m.tables.n) {
        char *role = current_role(source);
        err = privileges_error(&m, role);
        free(role);
    }
    pv_textlist_free(&m.tables);
    pv_textlist_free(&m.schemas);
    pv_textlist_free(&m.selects);
    return err;
}

/* ------------------------------------------------- orphan references */

/* "EXISTS (SELECT 1 FROM ONLY "s"."t" WHERE "a" IS NOT NULL AND …)" */
static void append_exists(pv_strbuf *sql, const pv_table *t, const pv_foreign_key *fk)
{
    pv_strbuf_append(sql, "EXISTS (SELECT 1 FROM ONLY ");
    pv_ident_append_qualified(sql, t->schema, t->name);
    for (size_t i = 0; i < fk->columns.n; i++) {
        pv_strbuf_append(sql, i ? " AND " : " WHERE ");
        pv_ident_append(sql, fk->columns.items[i]);
        pv_strbuf_append(sql, " IS NOT NULL");
    }
    pv_strbuf_append(sql, ")");
}

pv_error *pv_source_references(void *ctx, const pv_catalog *cat, const pv_table *referencing,
                               const pv_foreign_key *fk, bool *references)
{
    PGconn *conn = ctx;
    /*
     * A partitioned table is read through its children, each on its own
     * (ONLY): the role's SELECT is checked per streaming unit, not on the
     * parent.
     */
    pv_strbuf sql = PV_STRBUF_INIT;
    pv_strbuf_append(&sql, "SELECT false");
    if (!referencing->is_partitioned) {
        pv_strbuf_append(&sql, " OR ");
        append_exists(&sql, referencing, fk);
    }
    for (size_t i = 0; i < referencing->partition_children.n; i++) {
        const pv_table *child = pv_catalog_find(cat, referencing->partition_children.items[i]);
        if (!child || child->is_partitioned)
            continue;
        pv_strbuf_append(&sql, " OR ");
        append_exists(&sql, child, fk);
    }
    PGresult *res = read_rows(conn, sql.data, 0, NULL);
    pv_strbuf_free(&sql);
    if (!res)
        return pv_error_new(PV_EXIT_PREFLIGHT, "Validating exclude strategy",
                            "Verify source connectivity and permissions, then retry.",
                            "The reference check on %s failed.", referencing->id);
    *references = is_true(res, 0, 0);
    PQclear(res);
    return NULL;
}

/* -------------------------------------------------- source extensions */

/*
 * Extensions pg_dump dumps (all but the built-in ones, whose oids are below
 * FirstNormalObjectId), each with every table column whose type — or array
 * element type — the extension provides.
 */
static const char SQL_EXTENSIONS[] =
    "SELECT e.extname, n.nspname, c.relname, a.attname"
    " FROM pg_catalog.pg_extension e"
    " LEFT JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_extension'::regclass"
    "  AND d.refobjid = e.oid AND d.deptype = 'e' AND d.classid = 'pg_catalog.pg_type'::regclass"
    " LEFT JOIN pg_catalog.pg_type t ON t.oid = d.objid"
    " LEFT JOIN pg_catalog.pg_attribute a ON (a.atttypid = t.oid OR a.atttypid = t.typarray)"
    "  AND a.attnum > 0 AND NOT a.attisdropped"
    " LEFT JOIN pg_catalog.pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')"
    " LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE e.oid >= 16384"
    " ORDER BY 1, 2, 3, 4";

static pv_source_extension *find_ext(pv_source_extension *exts, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(exts[i].name, name) == 0)
            return &exts[i];
    return NULL;
}

pv_error *pv_source_extensions(PGconn *source, const pv_config *cfg, const pv_catalog *cat,
                               pv_source_extension **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    PGresult *res = read_rows(source, SQL_EXTENSIONS, 0, NULL);
    if (!res)
        return pv_error_new(PV_EXIT_PREFLIGHT, "Checking target extensions",
                            "Verify source connectivity and permissions, then retry.",
                            "The source extensions could not be read.");
    int rows = PQntuples(res);
    pv_source_extension *exts = pv_xcalloc(rows ? (size_t)rows : 1, sizeof(*exts));
    for (int i = 0; i < rows; i++) {
        pv_source_extension *e = find_ext(exts, *n, PQgetvalue(res, i, 0));
        if (!e) {
            e = &exts[(*n)++];
            e->name = pv_xstrdup(PQgetvalue(res, i, 0));
        }
        if (e->required_by || PQgetisnull(res, i, 2) || PQgetisnull(res, i, 1))
            continue;
        const pv_table *t =
            pv_catalog_find_qualified(cat, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
        /* Rows are sorted, so the first in-scope column is the smallest path. */
        if (t && pv_model_in_scope(cfg, cat, t))
            e->required_by = pv_xasprintf("%s.%s", t->id, PQgetvalue(res, i, 3));
    }
    PQclear(res);
    *out = exts;
    return NULL;
}

void pv_source_extensions_free(pv_source_extension *exts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(exts[i].name);
        free(exts[i].required_by);
    }
    free(exts);
}

static bool listed(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

pv_error *pv_check_extensions_available(const pv_source_extension *exts, size_t n,
                                        const char *const *available, size_t n_available)
{
    pv_strbuf cause = PV_STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (listed(available, n_available, exts[i].name))
            continue;
        pv_strbuf_appendf(&cause, "%sExtension %s required by %s is not available on the target.",
                          cause.len ? "\n" : "", exts[i].name,
                          exts[i].required_by ? exts[i].required_by : "the source database");
    }
    if (!cause.len)
        return NULL;
    pv_error *err =
        pv_error_new(PV_EXIT_PREFLIGHT, "Checking target extensions",
                     "Install the extension package on the target server.", "%s", cause.data);
    pv_strbuf_free(&cause);
    return err;
}
