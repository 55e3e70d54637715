/*
 * checks.h — the individual pre-flight checks (overview.md §4 step 5),
 * exposed so unit tests can drive the pure ones with hand-built catalogs.
 * preflight.c runs them in order and reports them; nothing here writes to
 * any database or prints anything.
 *
 * Every check returns NULL when it passes, or the errors.md error. Texts
 * name identifiers, counts and config positions only.
 */
#ifndef PRIVACI_RUN_CHECKS_H
#define PRIVACI_RUN_CHECKS_H

#include "mask/custom.h"
#include "mask/library.h"
#include "run/plan.h"

#include <libpq-fe.h>
#include <stdint.h>

/* --------------------------------------------- config against catalog */

/* config_tables (exit 3): every `tables:` key exists in the source. */
pv_error *pv_check_config_tables(const pv_config *cfg, const pv_catalog *cat);

/* partition_config (exit 3): no `tables:` key names a partition child. */
pv_error *pv_check_partition_config(const pv_config *cfg, const pv_catalog *cat);

/* config_columns (exit 3): every configured column exists in its table. */
pv_error *pv_check_config_columns(const pv_config *cfg, const pv_catalog *cat);

/* sub_partitioning (exit 2): no sub-partitioned table is in scope. */
pv_error *pv_check_sub_partitioning(const pv_config *cfg, const pv_catalog *cat);

/* null_actions (exit 3): no explicit `null` on a NOT NULL column. */
pv_error *pv_check_null_actions(const pv_config *cfg, const pv_catalog *cat);

/*
 * "Does C reference P": true when some row of `referencing` has every
 * column of `fk` non-NULL (catalog-and-schema.md §6.2), read inside the
 * run's snapshot. Returns NULL and sets *references, or an error.
 */
typedef pv_error *(*pv_references_fn)(void *ctx, const pv_catalog *cat, const pv_table *referencing,
                                      const pv_foreign_key *fk, bool *references);

/*
 * orphan_fks (exit 3): the table of catalog-and-schema.md §6.2, evaluated
 * top-down per FK from a streamed table into an excluded or emptied one.
 * On success the plan records the FK columns nulled by null_orphan_fks and
 * the FKs replication must omit.
 */
pv_error *pv_check_orphan_fks(const pv_config *cfg, const pv_catalog *cat, pv_run_plan *plan,
                              pv_references_fn references, void *ctx);

/* The SQL-side "C references P" test used by the pre-flight. ctx = PGconn *. */
pv_error *pv_source_references(void *ctx, const pv_catalog *cat, const pv_table *referencing,
                               const pv_foreign_key *fk, bool *references);

/* ------------------------------------------------- masking vs types */

/*
 * "Is `value` valid input for the column's type": asked of the source
 * server for a `static` value (masking.md §4.3) beyond what the client
 * codec can tell — enum labels, XML, domain constraints, numeric(p,s)
 * limits, types without a codec. Sets *valid, or returns an error when the
 * question could not be asked.
 */
typedef pv_error *(*pv_value_valid_fn)(void *ctx, const pv_column *column, const char *value,
                                       bool *valid);

/*
 * The SQL-side test: `SELECT $1` with the column type as the parameter
 * type (CAST to numeric(p,s) for a constrained numeric), read-only,
 * inside a savepoint when a transaction is open so a rejected value leaves
 * the run's snapshot transaction usable. ctx = PGconn *.
 */
pv_error *pv_source_value_valid(void *ctx, const pv_column *column, const char *value, bool *valid);

/* What the type check consults besides the plan and the catalog; every member may be NULL. */
typedef struct pv_type_check_env {
    const pv_library *library;     /* the plan's faker lists: provider output lengths */
    const pv_custom_set *custom;   /* custom providers: their declared types */
    pv_value_valid_fn value_valid; /* NULL: only the client codec judges static values */
    void *ctx;
} pv_type_check_env;

/*
 * type_compatibility (exit 3, masking.md §4.3): every resolved (action,
 * column type) pair of every streamed table — explicit, FK-inherited or
 * auto-detected — against the matrix, static values parsed, arrays,
 * varchar(n)/char(n) lengths, numeric(p,s) capacity, and one declared type
 * per hash path for integer outputs. One Cause line per failing column,
 * sorted. `warnings` receives the length_risk warnings (also when it
 * fails); the caller owns and frees them (pv_plan_warnings_free).
 */
pv_error *pv_check_type_compatibility(const pv_catalog *cat, const pv_run_plan *plan,
                                      const pv_type_check_env *env, pv_plan_warning **warnings,
                                      size_t *n_warnings);

void pv_plan_warnings_free(pv_plan_warning *warnings, size_t n);

/*
 * fk_consistency (exit 3, masking.md §7.3): the conflicts pv_run_plan_link
 * recorded — explicit actions that differ inside an FK group, then
 * different seed_aliases — one Cause line each, sorted.
 */
pv_error *pv_check_fk_consistency(const pv_run_plan *plan);

/* ------------------------------------------------------------- source */

/* source_catalog_read (exit 2): the role can read pg_catalog. */
pv_error *pv_check_source_catalog_read(PGconn *source);

/*
 * source_privileges (exit 2): USAGE on the schema and SELECT on every
 * streaming unit, else the error naming the tables and the exact GRANTs.
 */
pv_error *pv_check_source_privileges(PGconn *source, const pv_config *cfg, const pv_catalog *cat);

/* One extension installed on the source, and the in-scope object needing it. */
typedef struct pv_source_extension {
    char *name;
    char *required_by; /* "schema.table.column", or NULL when no in-scope column uses it */
} pv_source_extension;

/*
 * The extensions schema replication will create on the target: every
 * extension the source has installed beyond the built-in ones (those
 * pg_dump dumps).
 */
pv_error *pv_source_extensions(PGconn *source, const pv_config *cfg, const pv_catalog *cat,
                               pv_source_extension **out, size_t *n);
void pv_source_extensions_free(pv_source_extension *exts, size_t n);

/*
 * target_extensions, pure part: the error naming every source extension
 * missing from `available` (the target's pg_available_extensions), or NULL.
 */
pv_error *pv_check_extensions_available(const pv_source_extension *exts, size_t n,
                                        const char *const *available, size_t n_available);

/* ------------------------------------------------------------- target */

/* What the target-side checks learned, for the ones that follow. */
typedef struct pv_target_facts {
    bool can_create;     /* CREATE on the target database */
    bool privaci_exists; /* _privaci is there */
    int state_version;   /* schema_metadata.schema_version, 0 when none */
    char *dbname;
    char *role;
} pv_target_facts;

void pv_target_facts_free(pv_target_facts *facts);

/*
 * target_privileges (exit 2): CREATE on the database or _privaci already
 * there; and (ours, read-only) the state version gate of state.md §1, so a
 * target initialised by a newer engine fails before anything is written.
 */
pv_error *pv_check_target_privileges(PGconn *target, pv_target_facts *facts);

/*
 * target_schema_privileges (exit 2): CREATE on the database when some
 * in-scope schema must be created — one the target lacks, or every one
 * under drop_create.
 */
pv_error *pv_check_target_schema_privileges(PGconn *target, const pv_target_facts *facts,
                                            const pv_config *cfg, const pv_catalog *cat,
                                            pv_on_existing policy);

/* The target's pg_available_extensions (plus installed ones). */
pv_error *pv_target_available_extensions(PGconn *target, char ***names, size_t *n);

/* User tables on the target outside _privaci (extension members excluded). */
pv_error *pv_target_user_tables(PGconn *target, int64_t *count);

/* The on_existing_data error of errors.md §3.2 for `count` tables. */
pv_error *pv_on_existing_error(int64_t count);

/* The dry-run warning text of cli.md §3.2. Caller frees. */
char *pv_target_not_empty_message(int64_t count);

/* --------------------------------------------------------- pg_dump */

/*
 * The pg_dump to use: $PRIVACI_PG_DUMP; else pg_dump on PATH unless it is
 * Debian's pg_wrapper (which wants a cluster configuration); else
 * /usr/lib/postgresql/<N>/bin/pg_dump for the highest N; else the wrapper.
 * NULL when none exists. Caller frees.
 */
char *pv_pg_dump_path(void);

/*
 * Parses `pg_dump --version` output ("pg_dump (PostgreSQL) 15.4 (Debian …)")
 * into the version text ("15.4") and its major in PQserverVersion units
 * (150000; 90600 for 9.6). Returns false when it is not a version line.
 */
bool pv_pg_dump_parse_version(const char *output, char *version, size_t version_size,
                              int *major_num);

/*
 * pg_dump_version (exit 2): the local pg_dump's major ≥ the source
 * server's (`server_version` as PQserverVersion).
 */
pv_error *pv_check_pg_dump(int server_version);

/* ------------------------------------------------------------- misc */

/*
 * disk_advisory: the warning text of catalog-and-schema.md §2 when the
 * streaming units' non-negative row estimates add up to ≥ 50,000,000,
 * else NULL. Caller frees.
 */
char *pv_disk_advisory_message(const pv_config *cfg, const pv_catalog *cat);

/* 1234567 → "1,234,567". Caller frees. */
char *pv_format_thousands(int64_t n);

#endif
