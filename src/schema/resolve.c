/*
 * resolve.c — what the catalogs say about TOC entries: on the source, the
 * object behind each entry's catalog ids; on the target, which of those
 * objects already exist.
 *
 * Both sides describe an object by the same identity key, built in SQL from
 * pg_identify_object_as_address (type, name parts, argument types — the
 * stable "object address" PostgreSQL itself round-trips through
 * pg_get_object_address). Matching by that key is exactly the rule of §8:
 * kind, schema and name, plus the table for constraints, indexes and
 * column defaults, plus the argument types for functions, procedures and
 * aggregates. Partition attachments have no address of their own; their key
 * is the attached partition's (or partition index's) schema and name.
 */
#include "schema/plan.h"

#include "catalog/pgconn.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The identity key of pg_identify_object_as_address row `a`. */
#define KEY_OF(a)                                                                                  \
    a ".type || E'\\x1f' || " a ".object_names::pg_catalog.text || E'\\x1f' || "                   \
      "COALESCE(" a ".object_args::pg_catalog.text, '')"

/* clang-format off */
static const char SQL_RESOLVE[] =
    "SELECT u.i::pg_catalog.int4,"
    " (SELECT " KEY_OF("a") " FROM pg_catalog.pg_identify_object_as_address(u.classid, u.objid, 0) a),"
    " (SELECT ns.nspname FROM pg_catalog.pg_namespace ns WHERE ns.oid = CASE u.classid"
    "  WHEN 2615 THEN u.objid"
    "  WHEN 1259 THEN c.relnamespace"
    "  WHEN 2606 THEN con.connamespace"
    "  WHEN 3079 THEN (SELECT extnamespace FROM pg_catalog.pg_extension WHERE oid = u.objid)"
    "  WHEN 2604 THEN (SELECT t.relnamespace FROM pg_catalog.pg_attrdef ad"
    "    JOIN pg_catalog.pg_class t ON t.oid = ad.adrelid WHERE ad.oid = u.objid)"
    "  WHEN 1247 THEN (SELECT typnamespace FROM pg_catalog.pg_type WHERE oid = u.objid)"
    "  WHEN 1255 THEN (SELECT pronamespace FROM pg_catalog.pg_proc WHERE oid = u.objid)"
    "  WHEN 2617 THEN (SELECT oprnamespace FROM pg_catalog.pg_operator WHERE oid = u.objid)"
    "  WHEN 2616 THEN (SELECT opcnamespace FROM pg_catalog.pg_opclass WHERE oid = u.objid)"
    "  WHEN 2753 THEN (SELECT opfnamespace FROM pg_catalog.pg_opfamily WHERE oid = u.objid)"
    "  WHEN 3456 THEN (SELECT collnamespace FROM pg_catalog.pg_collation WHERE oid = u.objid)"
    "  WHEN 2607 THEN (SELECT connamespace FROM pg_catalog.pg_conversion WHERE oid = u.objid)"
    "  WHEN 3602 THEN (SELECT cfgnamespace FROM pg_catalog.pg_ts_config WHERE oid = u.objid)"
    "  WHEN 3600 THEN (SELECT dictnamespace FROM pg_catalog.pg_ts_dict WHERE oid = u.objid)"
    "  WHEN 3601 THEN (SELECT prsnamespace FROM pg_catalog.pg_ts_parser WHERE oid = u.objid)"
    "  WHEN 3764 THEN (SELECT tmplnamespace FROM pg_catalog.pg_ts_template WHERE oid = u.objid)"
    "  WHEN 3381 THEN (SELECT stxnamespace FROM pg_catalog.pg_statistic_ext WHERE oid = u.objid)"
    "  END),"
    " c.relname, c.relkind,"
    " CASE"
    "  WHEN c.relkind IN ('i', 'I') THEN ix.indrelid"
    /* An owned sequence (serial: 'a', identity: 'i') belongs to its table. */
    "  WHEN c.relkind = 'S' THEN (SELECT d.refobjid FROM pg_catalog.pg_depend d"
    "    WHERE d.classid = 1259 AND d.objid = c.oid AND d.refclassid = 1259"
    "    AND d.deptype IN ('a', 'i') LIMIT 1)"
    "  WHEN c.oid IS NOT NULL THEN c.oid"
    "  WHEN con.oid IS NOT NULL THEN NULLIF(con.conrelid, 0)"
    "  WHEN u.classid = 2604 THEN (SELECT ad.adrelid FROM pg_catalog.pg_attrdef ad"
    "    WHERE ad.oid = u.objid)"
    "  WHEN u.classid = 3381 THEN (SELECT st.stxrelid FROM pg_catalog.pg_statistic_ext st"
    "    WHERE st.oid = u.objid)"
    " END,"
    " NULLIF(con.confrelid, 0), con.contype, ix.indisunique,"
    " CASE WHEN con.contype IN ('p', 'u', 'x') THEN (SELECT ci.relname"
    "   FROM pg_catalog.pg_class ci WHERE ci.oid = con.conindid) END"
    " FROM unnest($1::pg_catalog.oid[], $2::pg_catalog.oid[]) WITH ORDINALITY AS u(classid, objid, i)"
    " LEFT JOIN pg_catalog.pg_class c ON u.classid = 1259 AND c.oid = u.objid"
    " LEFT JOIN pg_catalog.pg_index ix ON ix.indexrelid = c.oid"
    " LEFT JOIN pg_catalog.pg_constraint con ON u.classid = 2606 AND con.oid = u.objid";

/*
 * Every user object of the target that a TOC entry can create (system
 * objects have OIDs below FirstNormalObjectId, 16384, and pg_dump never
 * dumps them), plus the attached partitions and partition indexes.
 */
#define USER_OBJECTS(classid, catalog) \
    " UNION ALL SELECT " #classid ", oid FROM pg_catalog." catalog " WHERE oid >= 16384"

static const char SQL_TARGET_KEYS[] =
    "WITH o(classid, objid) AS ("
    " SELECT 1259::pg_catalog.oid, oid FROM pg_catalog.pg_class WHERE oid >= 16384 AND relkind <> 't'"
    " UNION ALL SELECT 3079, oid FROM pg_catalog.pg_extension"
    USER_OBJECTS(2606, "pg_constraint")
    USER_OBJECTS(2604, "pg_attrdef")
    USER_OBJECTS(1247, "pg_type")
    USER_OBJECTS(1255, "pg_proc")
    USER_OBJECTS(2617, "pg_operator")
    USER_OBJECTS(2616, "pg_opclass")
    USER_OBJECTS(2753, "pg_opfamily")
    USER_OBJECTS(3456, "pg_collation")
    USER_OBJECTS(2607, "pg_conversion")
    USER_OBJECTS(2605, "pg_cast")
    USER_OBJECTS(3602, "pg_ts_config")
    USER_OBJECTS(3600, "pg_ts_dict")
    USER_OBJECTS(3601, "pg_ts_parser")
    USER_OBJECTS(3764, "pg_ts_template")
    USER_OBJECTS(3381, "pg_statistic_ext")
    USER_OBJECTS(2612, "pg_language")
    USER_OBJECTS(2601, "pg_am")
    USER_OBJECTS(3576, "pg_transform")
    ")"
    " SELECT " KEY_OF("a")
    " FROM o, LATERAL pg_catalog.pg_identify_object_as_address(o.classid, o.objid, 0) a"
    " WHERE a.type IS NOT NULL"
    " UNION ALL"
    " SELECT CASE WHEN c.relkind IN ('i', 'I') THEN 'X' ELSE 'A' END || E'\\x1f' ||"
    "  n.nspname || E'\\x1f' || c.relname"
    " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relispartition";
/* clang-format on */

static char *opt_dup(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : pv_xstrdup(PQgetvalue(res, row, col));
}

static unsigned opt_oid(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0u : (unsigned)strtoul(PQgetvalue(res, row, col), NULL, 10);
}

static char opt_char(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? '\0' : PQgetvalue(res, row, col)[0];
}

static pv_error *catalog_error(const PGresult *res)
{
    /* Reading the source catalogs happens after writes began: exit 1. */
    return pv_error_new(PV_EXIT_GENERIC, "Dumping the source schema",
                        "Verify source connectivity and permissions, then retry.",
                        "Reading the source catalogs failed (%s).", pv_pg_sqlstate(res));
}

static void fill_entry(pvs_entry *e, const PGresult *res, int row)
{
    e->ident = opt_dup(res, row, 1);
    e->resolved = e->ident != NULL;
    e->schema = opt_dup(res, row, 2);
    e->relname = opt_dup(res, row, 3);
    e->relkind = opt_char(res, row, 4);
    e->owner_rel = opt_oid(res, row, 5);
    e->ref_rel = opt_oid(res, row, 6);
    e->contype = opt_char(res, row, 7);
    e->is_unique = !PQgetisnull(res, row, 8) && PQgetvalue(res, row, 8)[0] == 't';
    e->index_name = opt_dup(res, row, 9);
    if (!e->index_name && (e->relkind == 'i' || e->relkind == 'I') && e->relname)
        e->index_name = pv_xstrdup(e->relname);
}

pv_error *pvs_resolve_source(pv_schema_plan *p, PGconn *source)
{
    pv_strbuf classids = PV_STRBUF_INIT, objids = PV_STRBUF_INIT;
    size_t *slot = pv_xcalloc(p->n_entries + 1, sizeof(size_t)); /* row i → entry */
    size_t n = 0;
    pv_strbuf_append_char(&classids, '{');
    pv_strbuf_append_char(&objids, '{');
    for (size_t i = 0; i < p->n_entries; i++) {
        const pvs_entry *e = &p->entries[i];
        if (e->classid == 0 || e->objid == 0)
            continue;
        pv_strbuf_appendf(&classids, "%s%u", n ? "," : "", e->classid);
        pv_strbuf_appendf(&objids, "%s%u", n ? "," : "", e->objid);
        slot[n++] = i;
    }
    pv_strbuf_append_char(&classids, '}');
    pv_strbuf_append_char(&objids, '}');

    const char *params[2] = {classids.data, objids.data};
    PGresult *res = PQexecParams(source, SQL_RESOLVE, 2, NULL, params, NULL, NULL, 0);
    pv_error *err = NULL;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        err = catalog_error(res);
    } else {
        for (int r = 0; r < PQntuples(res); r++) {
            long ord = strtol(PQgetvalue(res, r, 0), NULL, 10);
            if (ord >= 1 && (size_t)ord <= n)
                fill_entry(&p->entries[slot[ord - 1]], res, r);
        }
    }
    PQclear(res);
    free(slot);
    pv_strbuf_free(&classids);
    pv_strbuf_free(&objids);
    return err;
}

pv_error *pvs_read_schema_comments(pv_schema_plan *p, PGconn *source)
{
    PGresult *res = PQexec(source, "SELECT n.nspname, d.description"
                                   " FROM pg_catalog.pg_namespace n"
                                   " JOIN pg_catalog.pg_description d ON d.objoid = n.oid"
                                   " AND d.classoid = 2615 AND d.objsubid = 0");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        pv_error *err = catalog_error(res);
        PQclear(res);
        return err;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        pv_strlist_push(&p->comment_schemas, PQgetvalue(res, r, 0));
        pv_strlist_push(&p->schema_comments, PQgetvalue(res, r, 1));
    }
    PQclear(res);
    return NULL;
}

pv_error *pvs_target_keys(PGconn *target, pvs_keyset *out)
{
    PGresult *res = PQexec(target, SQL_TARGET_KEYS);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        pv_error *err = pvs_ddl_error(res);
        PQclear(res);
        return err;
    }
    for (int r = 0; r < PQntuples(res); r++)
        if (!PQgetisnull(res, r, 0))
            pvs_keyset_add(out, pv_xstrdup(PQgetvalue(res, r, 0)));
    PQclear(res);
    pvs_keyset_sort(out);
    return NULL;
}
