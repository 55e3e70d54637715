/*
 * existing.c — the destructive part of on_existing_data (spec/catalog-and-
 * schema.md §7, §7.1), run after the run row exists so every drop is
 * audited.
 *
 * In-scope tables that already exist on the target lose their post-data
 * objects before anything is loaded into them: FKs (also those of other
 * tables pointing at them), then PK / UNIQUE / exclusion constraints, then
 * every remaining index. Each drop is preceded by its audit row with the
 * definition the target held, so the previous state can be rebuilt. With
 * no FK left pointing at them, one TRUNCATE empties them without CASCADE —
 * nothing outside the run's scope is ever emptied. Post-data later
 * re-creates every dropped object from the source's DDL. Partitioned
 * objects are dropped at their root: that removes the attached copies on
 * the partitions with them.
 */
#include "schema/plan.h"

#include "obs/log.h"
#include "util/ident.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* clang-format off */
static const char SQL_TABLES[] =
    "SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind IN ('r', 'p') AND n.nspname !~ '^pg_'"
    " AND n.nspname NOT IN ('information_schema', '_privaci')";

/* The root of every FK touching the tables, and whether its own table is one of them. */
static const char SQL_FKS[] =
    "WITH RECURSIVE m(oid, conparentid) AS ("
    "  SELECT oid, conparentid FROM pg_catalog.pg_constraint"
    "  WHERE contype = 'f' AND (conrelid = ANY ($1::pg_catalog.oid[])"
    "    OR confrelid = ANY ($1::pg_catalog.oid[]))"
    " UNION"
    "  SELECT p.oid, p.conparentid FROM pg_catalog.pg_constraint p"
    "  JOIN m ON p.oid = m.conparentid)"
    " SELECT c.conname, n.nspname, t.relname, pg_catalog.pg_get_constraintdef(c.oid),"
    "  c.conrelid = ANY ($1::pg_catalog.oid[])"
    " FROM (SELECT DISTINCT oid FROM m WHERE conparentid = 0) r"
    " JOIN pg_catalog.pg_constraint c ON c.oid = r.oid"
    " JOIN pg_catalog.pg_class t ON t.oid = c.conrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace"
    " ORDER BY 2, 3, 1";

static const char SQL_CONSTRAINTS[] =
    "SELECT c.conname, n.nspname, t.relname, pg_catalog.pg_get_constraintdef(c.oid)"
    " FROM pg_catalog.pg_constraint c"
    " JOIN pg_catalog.pg_class t ON t.oid = c.conrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace"
    " WHERE c.contype IN ('p', 'u', 'x') AND c.conparentid = 0"
    " AND c.conrelid = ANY ($1::pg_catalog.oid[])"
    " ORDER BY 2, 3, 1";

/* Run after the constraints are gone, so their indexes are not listed. */
static const char SQL_INDEXES[] =
    "SELECT i.relname, n.nspname, t.relname, pg_catalog.pg_get_indexdef(i.oid),"
    "  ni.nspname"
    " FROM pg_catalog.pg_index x"
    " JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid"
    " JOIN pg_catalog.pg_namespace ni ON ni.oid = i.relnamespace"
    " JOIN pg_catalog.pg_class t ON t.oid = x.indrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace"
    " WHERE x.indrelid = ANY ($1::pg_catalog.oid[]) AND NOT i.relispartition"
    " ORDER BY 2, 3, 1";

static const char SQL_SCHEMAS[] =
    "SELECT nspname FROM pg_catalog.pg_namespace"
    " WHERE nspname !~ '^pg_' AND nspname NOT IN ('information_schema', '_privaci')"
    " ORDER BY 1";
/* clang-format on */

/* The in-scope tables present on the target. */
typedef struct existing_tables {
    pv_strbuf oids; /* "{…}" array literal */
    pv_strlist schemas;
    pv_strlist names;
} existing_tables;

static bool in_scope_named(const pv_schema_plan *p, const char *schema, const char *name)
{
    const pv_table *t = pv_catalog_find_qualified(p->cat, schema, name);
    const pvs_table *pt = t ? pvs_plan_table(p, t->oid) : NULL;
    return pt && pt->in_scope;
}

static pv_error *query(PGconn *conn, const char *sql, const char *param, PGresult **out)
{
    const char *params[1] = {param};
    *out = PQexecParams(conn, sql, param ? 1 : 0, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(*out) == PGRES_TUPLES_OK)
        return NULL;
    pv_error *err = pvs_ddl_error(*out);
    PQclear(*out);
    *out = NULL;
    return err;
}

static pv_error *find_existing(const pv_schema_plan *p, PGconn *target, existing_tables *ex)
{
    PGresult *res;
    pv_error *err = query(target, SQL_TABLES, NULL, &res);
    if (err)
        return err;
    pv_strbuf_append_char(&ex->oids, '{');
    for (int i = 0; i < PQntuples(res); i++) {
        const char *schema = PQgetvalue(res, i, 1), *name = PQgetvalue(res, i, 2);
        if (!in_scope_named(p, schema, name))
            continue;
        pv_strbuf_appendf(&ex->oids, "%s%s", ex->schemas.n ? "," : "", PQgetvalue(res, i, 0));
        pv_strlist_push(&ex->schemas, schema);
        pv_strlist_push(&ex->names, name);
    }
    pv_strbuf_append_char(&ex->oids, '}');
    PQclear(res);
    return NULL;
}

static pv_error *audit_drop(pv_audit_fn audit, void *ud, const char *kind, const char *schema,
                            const char *table, const char *name, const char *definition)
{
    if (!audit)
        return NULL;
    json_t *payload =
        json_pack("{s:s, s:s, s:s}", "kind", kind, "object_name", name, "definition", definition);
    pv_error *err = audit(ud, "target_object_dropped", schema, table, payload);
    json_decref(payload);
    return err;
}

static pv_error *drop_constraint(PGconn *conn, const char *schema, const char *table,
                                 const char *name)
{
    pv_strbuf sql = PV_STRBUF_INIT;
    pv_strbuf_append(&sql, "ALTER TABLE ");
    pv_ident_append_qualified(&sql, schema, table);
    pv_strbuf_append(&sql, " DROP CONSTRAINT ");
    pv_ident_append(&sql, name);
    pv_error *err = pvs_exec(conn, sql.data);
    pv_strbuf_free(&sql);
    return err;
}

static pv_error *drop_fks(PGconn *conn, const existing_tables *ex, pv_audit_fn audit, void *ud)
{
    PGresult *res;
    pv_error *err = query(conn, SQL_FKS, ex->oids.data, &res);
    for (int i = 0; !err && i < PQntuples(res); i++) {
        const char *name = PQgetvalue(res, i, 0), *schema = PQgetvalue(res, i, 1),
                   *table = PQgetvalue(res, i, 2), *def = PQgetvalue(res, i, 3);
        err = audit_drop(audit, ud, "foreign_key", schema, table, name, def);
        /* Post-data only re-creates in-scope objects: this one is gone for good. */
        if (!err && PQgetvalue(res, i, 4)[0] != 't') {
            char *msg = pv_xasprintf("Foreign key %s on %s.%s (outside the run's scope) "
                                     "references a table the run loads; it was dropped and "
                                     "is not re-created.",
                                     name, schema, table);
            err = pvs_warn_fk_dropped(audit, ud, schema, table, msg);
            free(msg);
        }
        if (!err)
            err = drop_constraint(conn, schema, table, name);
    }
    PQclear(res);
    return err;
}

static pv_error *drop_constraints(PGconn *conn, const existing_tables *ex, pv_audit_fn audit,
                                  void *ud)
{
    PGresult *res;
    pv_error *err = query(conn, SQL_CONSTRAINTS, ex->oids.data, &res);
    for (int i = 0; !err && i < PQntuples(res); i++) {
        const char *name = PQgetvalue(res, i, 0), *schema = PQgetvalue(res, i, 1),
                   *table = PQgetvalue(res, i, 2);
        err = audit_drop(audit, ud, "constraint", schema, table, name, PQgetvalue(res, i, 3));
        if (!err)
            err = drop_constraint(conn, schema, table, name);
    }
    PQclear(res);
    return err;
}

static pv_error *drop_indexes(PGconn *conn, const existing_tables *ex, pv_audit_fn audit, void *ud)
{
    PGresult *res;
    pv_error *err = query(conn, SQL_INDEXES, ex->oids.data, &res);
    for (int i = 0; !err && i < PQntuples(res); i++) {
        const char *name = PQgetvalue(res, i, 0);
        err = audit_drop(audit, ud, "index", PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), name,
                         PQgetvalue(res, i, 3));
        if (err)
            break;
        pv_strbuf sql = PV_STRBUF_INIT;
        pv_strbuf_append(&sql, "DROP INDEX ");
        pv_ident_append_qualified(&sql, PQgetvalue(res, i, 4), name);
        err = pvs_exec(conn, sql.data);
        pv_strbuf_free(&sql);
    }
    PQclear(res);
    return err;
}

/* One TRUNCATE of every listed table: no CASCADE, their FKs are gone. */
static pv_error *truncate_all(PGconn *conn, const existing_tables *ex)
{
    pv_strbuf sql = PV_STRBUF_INIT;
    pv_strbuf_append(&sql, "TRUNCATE TABLE ");
    for (size_t i = 0; i < ex->names.n; i++) {
        if (i)
            pv_strbuf_append(&sql, ", ");
        pv_ident_append_qualified(&sql, ex->schemas.items[i], ex->names.items[i]);
    }
    pv_error *err = pvs_exec(conn, sql.data);
    pv_strbuf_free(&sql);
    return err;
}

static pv_error *strip_tables(const pv_schema_plan *p, PGconn *conn, bool truncate,
                              pv_audit_fn audit, void *ud)
{
    existing_tables ex = {PV_STRBUF_INIT, {0}, {0}};
    pv_error *err = find_existing(p, conn, &ex);
    if (!err && ex.names.n > 0) {
        pv_log(PV_LOG_DEBUG, "%zu in-scope table(s) already exist on the target", ex.names.n);
        err = drop_fks(conn, &ex, audit, ud);
        if (!err)
            err = drop_constraints(conn, &ex, audit, ud);
        if (!err)
            err = drop_indexes(conn, &ex, audit, ud);
        if (!err && truncate)
            err = truncate_all(conn, &ex);
    }
    pv_strbuf_free(&ex.oids);
    pv_strlist_free(&ex.schemas);
    pv_strlist_free(&ex.names);
    return err;
}

/* drop_create: every non-system schema but _privaci (the run history stays). */
static pv_error *drop_schemas(PGconn *conn)
{
    PGresult *res;
    pv_error *err = query(conn, SQL_SCHEMAS, NULL, &res);
    for (int i = 0; !err && i < PQntuples(res); i++) {
        pv_strbuf sql = PV_STRBUF_INIT;
        pv_strbuf_append(&sql, "DROP SCHEMA ");
        pv_ident_append(&sql, PQgetvalue(res, i, 0));
        pv_strbuf_append(&sql, " CASCADE");
        err = pvs_exec(conn, sql.data);
        pv_strbuf_free(&sql);
    }
    PQclear(res);
    return err;
}

pv_error *pv_schema_apply_existing_policy(pv_schema_plan *p, PGconn *target,
                                          pv_schema_existing mode, pv_audit_fn audit, void *ud)
{
    if (mode == PV_SCHEMA_EXISTING_NONE)
        return NULL;
    /* One transaction: the audit rows (when they share this connection)
     * commit with the drops they describe, or neither does. */
    pv_error *err = pvs_exec(target, "BEGIN");
    if (err)
        return err;
    /* Keeps "drop cascades to …" notices off the coordinator's stderr. */
    err = pvs_exec(target, "SET LOCAL client_min_messages = warning");
    if (!err && mode == PV_SCHEMA_EXISTING_DROP_CREATE)
        err = drop_schemas(target);
    else if (!err)
        err = strip_tables(p, target, mode == PV_SCHEMA_EXISTING_TRUNCATE, audit, ud);
    if (err) {
        PQclear(PQexec(target, "ROLLBACK"));
        return err;
    }
    return pvs_exec(target, "COMMIT");
}
