/*
 * catalog.h — the in-memory model of the source catalog
 * (spec/catalog-and-schema.md §1–§5, §10).
 *
 * pv_catalog_introspect reads everything in one read-only REPEATABLE READ
 * transaction, then derives the FK load plan (fkgraph.c) and the catalog
 * warnings (warnings.c). The whole model is owned by the pv_catalog and
 * released with pv_catalog_free; every pointer handed out by the lookup
 * functions borrows from it.
 *
 * Ordering (which makes the snapshot deterministic): tables, views and
 * partition children sorted by id (byte order), skipped objects by
 * (schema, kind, name, parent), columns in attnum order, constraints and
 * indexes by name.
 */
#ifndef PRIVACI_CATALOG_CATALOG_H
#define PRIVACI_CATALOG_CATALOG_H

#include "copy/codec.h"
#include "util/error.h"
#include "util/strlist.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct pv_column {
    char *name;
    int attnum;
    char *data_type;   /* format_type(atttypid, atttypmod), e.g. "character varying(80)" */
    unsigned type_oid; /* atttypid */
    char *domain_base; /* format_type of a domain's base type; NULL when not a domain */
    bool not_null;
    char *default_expr;   /* pg_get_expr(adbin); NULL when none or generated */
    char identity;        /* 0, 'a' (ALWAYS) or 'd' (BY DEFAULT) */
    char *generated_expr; /* attgenerated = 's': the generation expression; else NULL */
    char *sequence_name;  /* pg_get_serial_sequence (serial or identity); NULL when none */
    char *collation;      /* qualified collation when it differs from the type's; NULL */
    bool has_binary_io;   /* the type has binary send and receive functions */
    int avg_width;        /* pg_stats.avg_width; -1 when absent (never analyzed) */
} pv_column;

/* A UNIQUE constraint (contype 'u'). */
typedef struct pv_unique {
    char *name;
    pv_strlist columns;
} pv_unique;

typedef struct pv_check {
    char *name;
    char *definition; /* pg_get_constraintdef */
} pv_check;

typedef struct pv_foreign_key {
    char *name;
    pv_strlist columns; /* referencing columns, constraint order */
    char *ref_schema;
    char *ref_table;
    pv_strlist ref_columns;
    const char *on_delete; /* "NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT" */
    const char *on_update; /* static strings, not owned */
    bool deferrable;
    bool initially_deferred;
    char *definition; /* pg_get_constraintdef */
} pv_foreign_key;

/* Any index except the primary key's. */
typedef struct pv_index {
    char *name;
    bool is_unique;
    bool is_partial;      /* has a WHERE predicate */
    bool has_expressions; /* some key position is an expression */
    char *definition;     /* pg_get_indexdef */
    pv_strlist columns;   /* plain key columns; expression positions skipped */
    char *constraint;     /* the UNIQUE/EXCLUDE constraint it backs, or NULL */
} pv_index;

typedef struct pv_table {
    char *schema;
    char *name;
    char *id; /* "schema.table" */
    unsigned oid;
    char relkind; /* 'r' ordinary, 'p' partitioned */
    /* pg_class.reltuples, normalized: -1 when never analyzed (§1). */
    double estimated_rows;
    bool row_security;       /* relrowsecurity */
    bool force_row_security; /* relforcerowsecurity */

    pv_column *columns;
    size_t n_columns;
    char *primary_key_name; /* NULL when the table has no PK */
    pv_strlist primary_key;
    pv_unique *uniques;
    size_t n_uniques;
    pv_foreign_key *fks; /* FKs declared on this table (not clones from its parent) */
    size_t n_fks;
    pv_check *checks;
    size_t n_checks;
    pv_index *indexes;
    size_t n_indexes;

    /* Partitioning (§4). */
    bool is_partitioned;
    const char *partition_strategy; /* "RANGE", "LIST", "HASH"; NULL unless partitioned */
    char *partition_key_def;        /* pg_get_partkeydef; NULL unless partitioned */
    unsigned parent_oid;            /* parent's oid for a partition child, else 0 */
    char *parent_id;                /* parent table id for a partition child, else NULL */
    char *partition_bound;          /* pg_get_expr(relpartbound); NULL unless a child */
    pv_strlist partition_children;  /* child ids, sorted */
    bool is_sub_partitioned;        /* a child that is itself partitioned */

    bool self_cycle; /* some FK references the table itself (§3.4) */
} pv_table;

typedef struct pv_view {
    char *schema;
    char *name;
    char *id;
    const char *kind; /* "view" or "materialized_view" (static) */
} pv_view;

/* An object schema replication skips (§8.3), views excepted. */
typedef struct pv_skipped_object {
    const char *kind;        /* "trigger", "rule", "policy", "row_security", "publication",
                                "subscription", "event_trigger", "fdw" (static) */
    char *schema;            /* NULL for database-wide objects */
    char *object_name;       /* for row_security: "ENABLE" or "FORCE" */
    char *parent_table;      /* table name for trigger/rule/policy/row_security, else NULL */
    const char *object_type; /* fdw only: "foreign_table", "server", "foreign_data_wrapper" */
} pv_skipped_object;

typedef struct pv_deferred_edge {
    char *referencing; /* table id */
    char *fk_name;
    char *referenced; /* table id */
} pv_deferred_edge;

typedef struct pv_load_plan {
    pv_strlist *layers; /* each sorted by id */
    size_t n_layers;
    pv_deferred_edge *deferred;
    size_t n_deferred;
} pv_load_plan;

typedef struct pv_catalog_warning {
    const char *code; /* "never_analyzed", "sub_partitioning", "polymorphic_fk_warning",
                         "implied_fk_warning" (static) */
    char *table_id;
    char *message;
    /* polymorphic_fk_warning */
    char *type_column;
    char *id_column;
    /* implied_fk_warning: column paths "schema.table.column" */
    char *source_column_path;
    char *target_column_path;
} pv_catalog_warning;

/*
 * What the codecs need to know about one column type (copy/codec.h
 * PV_TYPE_INFO_SQL): the domain-stripped base, an array's element. Owned
 * strings behind the borrowed pointers of `info`.
 */
typedef struct pv_catalog_type {
    unsigned oid;
    pv_type_info info;
} pv_catalog_type;

typedef struct pv_catalog {
    int server_version; /* PQserverVersion, e.g. 150004 */
    pv_table *tables;   /* sorted by id */
    size_t n_tables;
    pv_view *views; /* sorted by id */
    size_t n_views;
    pv_skipped_object *skipped;
    size_t n_skipped;
    pv_load_plan plan;
    pv_catalog_warning *warnings; /* by code (§2 table order), then table id, then column */
    size_t n_warnings;
    pv_catalog_type *types; /* every column type, by oid */
    size_t n_types;
} pv_catalog;

/*
 * Reads the catalog of the database `conn` is connected to and derives the
 * load plan and the warnings (without an implied_fk_ignore list). When the
 * connection is idle the reads run in their own REPEATABLE READ READ ONLY
 * transaction, committed before returning; when the caller already has a
 * transaction open (e.g. one that exported the run's snapshot), they run
 * inside it and the transaction is left open. Errors: exit 2 with the
 * texts of §1 ("Introspecting source database catalogs") or
 * "Quoting a SQL identifier" for an unsafe name. On success *out is owned
 * by the caller (pv_catalog_free).
 */
pv_error *pv_catalog_introspect(PGconn *conn, pv_catalog **out);

void pv_catalog_free(pv_catalog *cat);

/* The type facts of a column type OID, or NULL when the catalog has none. Borrowed. */
const pv_type_info *pv_catalog_type_info(const pv_catalog *cat, unsigned oid);

/* The table with this id, or NULL. Borrowed. */
const pv_table *pv_catalog_find(const pv_catalog *cat, const char *id);
/* Same lookup by (schema, name), which is unambiguous even with dots in names. */
const pv_table *pv_catalog_find_qualified(const pv_catalog *cat, const char *schema,
                                          const char *name);
/* The column named `name`, or NULL. Borrowed. */
const pv_column *pv_table_column(const pv_table *t, const char *name);

/*
 * fkgraph.c: computes cat->plan (layers and deferred edges, §3) and every
 * table's self_cycle flag. Deterministic; replaces any previous plan.
 */
void pv_catalog_build_plan(pv_catalog *cat);

/*
 * warnings.c: recomputes cat->warnings (§2, §5). `implied_fk_ignore` lists
 * source column paths whose implied-FK warning is silenced (may be NULL
 * when n_ignore is 0).
 */
void pv_catalog_build_warnings(pv_catalog *cat, const char *const *implied_fk_ignore,
                               size_t n_ignore);

/*
 * The "base type" of §5.1: the declared type lower-cased with a trailing
 * "(…)" removed ("character varying(80)" → "character varying"). Caller frees.
 */
char *pv_catalog_base_type(const char *data_type);

/* Sorts tables, views and skipped objects into the order documented above. */
void pv_catalog_sort(pv_catalog *cat);
/* Release (and zero) the derived parts before they are recomputed. */
void pv_catalog_free_plan(pv_load_plan *plan);
void pv_catalog_free_warnings(pv_catalog *cat);

/*
 * Identifier safety (§1, pre-flight check `identifier_safety`): the first
 * schema, table or column name that is empty or holds a control character,
 * as the "Quoting a SQL identifier" error (exit 2); NULL when all are safe.
 */
pv_error *pv_catalog_check_identifiers(const pv_catalog *cat);

#endif
