/*
 * sequences.c — setting sequences past the loaded data, once per run after
 * post-data (spec/catalog-and-schema.md §8.2).
 *
 * Owned sequences (serial and identity) follow the target's own data: the
 * key may have been masked, so the source's maximum means nothing there.
 * Each is set in one statement on the server, so the maximum — a cell
 * value, usually a PK — never reaches this process, let alone an event.
 * An empty table gets the sequence's START value with is_called false, so
 * the next insert receives exactly that value: the spec's setval(seq, 1,
 * false) for a default sequence, and still valid for one whose MINVALUE
 * or START is not 1 (where 1 would fail or be out of place).
 */
#include "schema/plan.h"

#include "catalog/pgconn.h"
#include "obs/log.h"
#include "util/ident.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define SEQ_CONTEXT     "Synchronizing identity sequence on the target database"
#define SEQ_REMEDIATION "Verify the target table and its backing sequence exist, then retry."

/* clang-format off */
static const char SQL_STANDALONE[] =
    "SELECT n.nspname, c.relname,"
    " pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)"
    " FROM pg_catalog.pg_class c"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind = 'S' AND n.nspname !~ '^pg_'"
    " AND n.nspname NOT IN ('information_schema', '_privaci')"
    /* not owned by a column (serial 'a', identity 'i'), not an extension's ('e') */
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
    "   WHERE d.classid = 1259 AND d.objid = c.oid"
    "   AND ((d.refclassid = 1259 AND d.deptype IN ('a', 'i')) OR d.deptype = 'e'))"
    " ORDER BY 1, 2";
/* clang-format on */

static pv_error *seq_error(const char *seq, const char *table, const char *sqlstate)
{
    return pv_error_new(PV_EXIT_GENERIC, SEQ_CONTEXT, SEQ_REMEDIATION,
                        "setval failed for %s on %s. (%s)", seq, table,
                        sqlstate && *sqlstate ? sqlstate : "42P01");
}

static void emit_sync(const char *table, const char *column, const char *seq)
{
    json_t *fields = json_object();
    json_object_set_new(fields, "table", table ? json_string(table) : json_null());
    json_object_set_new(fields, "column", column ? json_string(column) : json_null());
    json_object_set_new(fields, "sequence", json_string(seq));
    pv_event(PV_LOG_INFO, "sequence.sync", fields);
}

/*
 * SELECT setval(seq, coalesce(<last used>, start), <last used> IS NOT NULL)
 * for the sequence named by $1 (pg_get_serial_sequence's quoted, qualified
 * text, resolved by the server as a regclass). The last used value is the
 * column's maximum — its minimum for a descending sequence.
 */
static char *owned_sql(const pv_table *t, const pv_column *col)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    pv_strbuf_append(&sb, "SELECT pg_catalog.setval(s.seqrelid, COALESCE(l.v, s.seqstart),"
                          " l.v IS NOT NULL) FROM pg_catalog.pg_sequence s,"
                          " LATERAL (SELECT CASE WHEN s.seqincrement < 0 THEN m.lo ELSE m.hi END"
                          " AS v FROM (SELECT pg_catalog.max(");
    pv_ident_append(&sb, col->name);
    pv_strbuf_append(&sb, ")::pg_catalog.int8 AS hi, pg_catalog.min(");
    pv_ident_append(&sb, col->name);
    pv_strbuf_append(&sb, ")::pg_catalog.int8 AS lo FROM ");
    pv_ident_append_qualified(&sb, t->schema, t->name);
    pv_strbuf_append(&sb, ") m) l WHERE s.seqrelid = $1::pg_catalog.regclass");
    return pv_strbuf_take(&sb);
}

static pv_error *sync_owned(PGconn *target, const pv_table *t, const pv_column *col)
{
    char *sql = owned_sql(t, col);
    const char *params[1] = {col->sequence_name};
    PGresult *res = PQexecParams(target, sql, 1, NULL, params, NULL, NULL, 0);
    free(sql);
    pv_error *err = NULL;
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        err = seq_error(col->sequence_name, t->id, pv_pg_sqlstate(res));
    else if (PQntuples(res) != 1)
        err = seq_error(col->sequence_name, t->id, "42P01"); /* not a sequence */
    PQclear(res);
    if (!err)
        emit_sync(t->id, col->name, col->sequence_name);
    return err;
}

static pv_error *sync_owned_all(PGconn *target, const pv_catalog *cat, const pv_config *cfg)
{
    for (size_t i = 0; i < cat->n_tables; i++) {
        const pv_table *t = &cat->tables[i];
        /* A partition's values are in its parent's maximum (and sequence);
         * only a top-level table carries a strategy. */
        if (t->parent_id || pvs_config_strategy(cfg, t->id) == PVS_STRATEGY_EXCLUDE)
            continue;
        for (size_t c = 0; c < t->n_columns; c++) {
            const pv_column *col = &t->columns[c];
            if (!col->sequence_name)
                continue;
            pv_error *err = sync_owned(target, t, col);
            if (err)
                return err;
        }
    }
    return NULL;
}

/*
 * Copies one standalone sequence's state; the value stays in memory only.
 * `shown` is the name as pg_get_serial_sequence would print it (quoted
 * only where needed), like the owned sequences' names in the events.
 */
static pv_error *sync_standalone(PGconn *source, PGconn *target, const char *schema,
                                 const char *name, const char *shown)
{
    pv_strbuf qualified = PV_STRBUF_INIT;
    pv_ident_append_qualified(&qualified, schema, name);
    char *read_sql = pv_xasprintf("SELECT last_value, is_called FROM %s", qualified.data);
    PGresult *src = PQexec(source, read_sql);
    free(read_sql);
    pv_error *err = NULL;
    if (PQresultStatus(src) != PGRES_TUPLES_OK || PQntuples(src) != 1) {
        err = pv_error_new(PV_EXIT_GENERIC, SEQ_CONTEXT, SEQ_REMEDIATION,
                           "setval failed for %s (standalone; reading the source). (%s)", shown,
                           pv_pg_sqlstate(src));
    } else {
        const char *params[3] = {qualified.data, PQgetvalue(src, 0, 0), PQgetvalue(src, 0, 1)};
        PGresult *res = PQexecParams(target,
                                     "SELECT pg_catalog.setval($1::pg_catalog.regclass,"
                                     " $2::pg_catalog.int8, $3::pg_catalog.bool)",
                                     3, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            err =
                pv_error_new(PV_EXIT_GENERIC, SEQ_CONTEXT, SEQ_REMEDIATION,
                             "setval failed for %s (standalone). (%s)", shown, pv_pg_sqlstate(res));
        PQclear(res);
    }
    PQclear(src);
    if (!err)
        emit_sync(NULL, NULL, shown);
    pv_strbuf_free(&qualified);
    return err;
}

static pv_error *sync_standalone_all(PGconn *source, PGconn *target)
{
    PGresult *res = PQexec(source, SQL_STANDALONE);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        pv_error *err = pv_error_new(PV_EXIT_GENERIC, SEQ_CONTEXT, SEQ_REMEDIATION,
                                     "Listing the source's standalone sequences failed. (%s)",
                                     pv_pg_sqlstate(res));
        PQclear(res);
        return err;
    }
    pv_error *err = NULL;
    for (int i = 0; !err && i < PQntuples(res); i++)
        err = sync_standalone(source, target, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                              PQgetvalue(res, i, 2));
    PQclear(res);
    return err;
}

pv_error *pv_schema_sync_sequences(PGconn *source, PGconn *target, const pv_catalog *cat,
                                   const pv_config *cfg)
{
    pv_error *err = sync_owned_all(target, cat, cfg);
    if (!err && source)
        err = sync_standalone_all(source, target);
    return err;
}
