/*
 * plan.h — the schema plan's internals (private to src/schema/ and its unit
 * tests): the parsed `pg_restore -l` TOC, each entry's classification, the
 * run's table scope, and the helpers the phase files share.
 *
 * Life of an entry: toc.c parses its line (dump id, catalog ids, desc, the
 * rest of the line); resolve.c fills what the source catalogs say about the
 * object behind its catalog ids (schema, name, owning table, identity
 * key…); toc.c then links the entries that only make sense with another one
 * (COMMENT, SEQUENCE OWNED BY, TABLE/INDEX ATTACH), decides its scope, and
 * — per phase, against the target's existing objects — whether it goes
 * into the `-L` list.
 */
#ifndef PRIVACI_SCHEMA_PLAN_H
#define PRIVACI_SCHEMA_PLAN_H

#include "catalog/catalog.h"
#include "schema/cfgview.h"
#include "schema/schema.h"

#include <stdbool.h>
#include <stddef.h>

/* Well-known catalog OIDs (fixed bootstrap values). */
#define PVS_PG_CLASS      1259u
#define PVS_PG_CONSTRAINT 2606u
#define PVS_PG_ATTRDEF    2604u
#define PVS_PG_NAMESPACE  2615u
#define PVS_PG_EXTENSION  3079u

typedef enum {
    PVS_PRE_DATA,
    PVS_POST_DATA,
} pvs_phase;

/* The restore passes: pre-data, post-data without FKs, then the FKs. */
typedef enum {
    PVS_PASS_PRE,
    PVS_PASS_POST,
    PVS_PASS_FK,
} pvs_pass;

/* Why an entry is (not) replicated. */
typedef enum {
    PVS_IN_SCOPE,
    PVS_OUT_SCHEMA,         /* a SCHEMA entry: the engine creates schemas itself (§8 step 3) */
    PVS_OUT_SKIPPED_KIND,   /* views, triggers, rules, policies, … (§8.3) */
    PVS_OUT_NOT_REPLICATED, /* grants, security labels, large objects, data */
    PVS_OUT_TABLE,          /* belongs to an excluded table or lives outside the catalog */
    PVS_OUT_INDEX,          /* non-unique index without replicate_all_indexes */
    PVS_OUT_FK,             /* FK into an excluded table (§6.2) */
    PVS_OUT_ORPHAN,         /* COMMENT/ATTACH/OWNED BY whose object is not replicated */
} pvs_scope;

/* Flags of a TOC desc. */
enum {
    PVS_DESC_SKIPPED = 1u << 0,        /* a skipped kind (§8.3) */
    PVS_DESC_NOT_REPLICATED = 1u << 1, /* grants, labels, large objects, data */
    PVS_DESC_SCHEMA = 1u << 2,
    PVS_DESC_DEPENDENT = 1u << 3,  /* COMMENT, SEQUENCE OWNED BY, TABLE/INDEX ATTACH */
    PVS_DESC_IDEMPOTENT = 1u << 4, /* only sets a property: kept even when its object exists */
};

typedef struct pvs_entry {
    int dump_id;
    unsigned classid; /* catalog of the object (0 for COMMENT, ACL, ATTACH, …) */
    unsigned objid;
    const char *desc; /* canonical desc (static); "" when unknown */
    unsigned desc_flags;
    char *rest; /* the line after the desc: "<namespace> <tag> <owner>" */
    char *line; /* the whole line, as pg_restore -l printed it */
    pvs_phase phase;

    /* From the source catalogs (resolve.c); NULL/0 when unknown. */
    bool resolved;
    char *ident;        /* identity key, matched against the target's objects */
    char *schema;       /* the object's schema (an extension's: its schema) */
    char *relname;      /* pg_class objects: the relation name */
    char relkind;       /* pg_class objects */
    char contype;       /* pg_constraint objects */
    unsigned owner_rel; /* the table the object belongs to */
    unsigned ref_rel;   /* FK: the referenced table */
    bool is_unique;     /* index */
    char *index_name;   /* the index this entry creates (INDEX, or a constraint's index) */

    /* Decisions (toc.c). */
    int owner; /* DEPENDENT entries: index of the entry they belong to, -1 if none */
    pvs_scope scope;
} pvs_entry;

typedef struct pvs_table {
    const pv_table *t; /* borrowed from the catalog */
    pvs_strategy strategy;
    bool in_scope; /* strategy is not exclude (a child follows its parent) */
} pvs_table;

/* A sorted set of strings (bsearch). */
typedef struct pvs_keyset {
    char **keys;
    size_t n;
} pvs_keyset;

struct pv_schema_plan {
    const pv_catalog *cat; /* borrowed */
    pvs_table *tables;     /* one per catalog table, sorted by oid */
    size_t n_tables;
    bool all_indexes;

    pvs_entry *entries; /* pre-data list, then post-data list, each in archive order */
    size_t n_entries;
    pv_strlist schemas; /* schemas holding in-scope objects, sorted */
    /* The source's comment on each of its schemas (parallel lists). */
    pv_strlist comment_schemas;
    pv_strlist schema_comments;

    char *archive;    /* the temporary archive; NULL once removed */
    char *pg_restore; /* the pg_restore binary */
};

/* ---------------------------------------------------------------- toc.c */

/* The canonical desc at the start of `s` for an entry of `classid`, or NULL. */
const char *pvs_desc_match(const char *s, unsigned classid, unsigned *flags);

/*
 * Appends the entries of one `pg_restore -l` listing (comment lines and
 * blank lines ignored). Returns false on a malformed entry line.
 */
bool pvs_toc_parse(pv_schema_plan *p, const char *text, pvs_phase phase);

/* Links DEPENDENT entries to their object and decides every entry's scope. */
void pvs_toc_classify(pv_schema_plan *p);

/* The key an entry's object has in the target's key set (NULL: none). Caller frees. */
char *pvs_entry_key(const pv_schema_plan *p, const pvs_entry *e);

/*
 * The `-L` list of `pass`: in-scope entries whose object is not in
 * `existing` (idempotent entries always), in archive order. *n_kept counts
 * them. Caller frees.
 */
char *pvs_toc_list(const pv_schema_plan *p, pvs_pass pass, const pvs_keyset *existing,
                   size_t *n_kept);

/* The plan table with this oid, or NULL. */
const pvs_table *pvs_plan_table(const pv_schema_plan *p, unsigned oid);

/* Builds p->tables from the catalog and the strategies. */
void pvs_plan_init_tables(pv_schema_plan *p, const pv_catalog *cat, const pv_config *cfg);

void pvs_keyset_add(pvs_keyset *set, char *key); /* takes ownership */
void pvs_keyset_sort(pvs_keyset *set);
bool pvs_keyset_has(const pvs_keyset *set, const char *key);
void pvs_keyset_free(pvs_keyset *set);

/* Frees the plan's entries, tables and schemas (not the archive). */
void pvs_plan_clear(pv_schema_plan *p);

/* ------------------------------------------------------------ resolve.c */

/* Fills the source-catalog fields of every entry with catalog ids. */
pv_error *pvs_resolve_source(pv_schema_plan *p, PGconn *source);

/* The comments of the source's schemas (into comment_schemas / schema_comments). */
pv_error *pvs_read_schema_comments(pv_schema_plan *p, PGconn *source);

/* Every object of the target an entry can be matched against (pvs_entry_key). */
pv_error *pvs_target_keys(PGconn *target, pvs_keyset *out);

/* ------------------------------------------------------------- tools.c */

typedef struct pvs_output {
    int exit_code; /* -1 when killed by a signal */
    char *out;     /* stdout (NUL-terminated) */
    size_t out_len;
    char *err; /* stderr, truncated to 64 KiB */
} pvs_output;

/*
 * Runs argv[0] (no shell) with stdin from /dev/null, capturing stdout and
 * stderr. `password` (may be NULL) is passed as PGPASSWORD in the child's
 * environment only. Returns 0, or an errno when the child could not start.
 */
int pvs_run(const char *const *argv, const char *password, pvs_output *out);
void pvs_output_free(pvs_output *out);

/*
 * Splits a connection string: *conninfo gets every setting but the
 * password (application_name=privaci added unless set), *password the
 * password or NULL. Returns false when libpq cannot parse it.
 */
bool pvs_split_conninfo(const char *url, char **conninfo, char **password);

/* Creates an empty 0600 temporary file; returns its path (caller frees) or NULL. */
char *pvs_temp_file(const char *what);

/* --------------------------------------------------------------- sql.c */

/* The DDL failure of errors.md §3.1 for a failed result (value-free). */
pv_error *pvs_ddl_error(const PGresult *res);

/* The same for a failure without a server result (e.g. a lost connection). */
pv_error *pvs_ddl_error_conn(PGconn *conn);

/* Runs one statement that returns no rows; NULL or the DDL error. */
pv_error *pvs_exec(PGconn *conn, const char *sql);

/* The primary message with anything that could carry a value removed. Caller frees. */
char *pvs_scrub_message(const char *sqlstate, const char *message);

/* Drops the \restrict / \unrestrict framing lines of a pg_restore script, in place. */
void pvs_strip_restrict(char *script);

/* Emits a warning event and audit row with code fk_dropped. */
pv_error *pvs_warn_fk_dropped(pv_audit_fn audit, void *ud, const char *schema, const char *table,
                              const char *message);

#endif
