/*
 * plan.h — the run's resolved per-column plan (masking.md §1, state.md
 * §2.2) and the batch size of each streamed table (streaming.md §5.1).
 *
 * Resolution today: an explicit config entry wins (source "config"), FK
 * columns nulled by null_orphan_fks come next (source "null_orphan_fks",
 * set by the orphan_fks pre-flight check), then a `high` auto-detect
 * finding with an action when auto_detect is on (source "autodetect"),
 * every other column passes through (source "default"). FK groups join
 * later (source "fk_inherited"). Every table that is not excluded carries
 * its auto-detect findings (spec/autodetect.md §2), one per column.
 *
 * Ownership: the plan borrows the config and the catalog it was built from;
 * both must outlive it. pv_run_plan_free releases what the plan owns.
 */
#ifndef PRIVACI_RUN_PLAN_H
#define PRIVACI_RUN_PLAN_H

#include "detect/detect.h"
#include "run/model.h"
#include "state/state.h"

#include <jansson.h>
#include <stdint.h>

typedef enum {
    PV_SOURCE_CONFIG,
    PV_SOURCE_AUTODETECT,
    PV_SOURCE_FK_INHERITED,
    PV_SOURCE_NULL_ORPHAN_FKS,
    PV_SOURCE_DEFAULT,
} pv_plan_source;

const char *pv_plan_source_name(pv_plan_source source);

typedef struct pv_plan_column {
    const pv_column *column;    /* borrowed from the catalog */
    const pv_column_rule *rule; /* the explicit config entry, or NULL */
    pv_action_kind action;      /* the resolved action */
    pv_plan_source source;
    char *hash_path; /* seed_alias, else the column path; NULL for passthrough and null */
    bool unique;     /* masking.md §9 */
    bool fpe;        /* masking.md §9.2 applies */
    /* The column's auto-detect finding; NULL in an excluded table (not scanned). */
    const pv_finding *finding;
} pv_plan_column;

typedef struct pv_plan_table {
    const pv_table *table;         /* a plain table or a partitioned parent (never a child) */
    const pv_table_config *config; /* NULL when the config does not name it */
    pv_strategy strategy;
    /*
     * Rows per batch (streaming.md §5.1) for a streamed table; for a
     * partitioned parent the smallest of its children's. 0 unless transform.
     */
    int64_t batch_rows;
    pv_plan_column *columns; /* catalog (attnum) order */
    size_t n_columns;
    pv_finding *findings; /* parallel to columns; NULL for an excluded table (not scanned) */
} pv_plan_table;

/* A foreign key schema replication leaves out (catalog-and-schema.md §6.2). */
typedef struct pv_omitted_fk {
    char *table_id; /* the referencing table */
    char *fk_name;
} pv_omitted_fk;

typedef struct pv_run_plan {
    pv_faker_library faker_library;
    pv_plan_table *tables; /* every catalog table except partition children, by id */
    size_t n_tables;
    pv_omitted_fk *omitted_fks; /* FKs into excluded tables (warning fk_dropped) */
    size_t n_omitted_fks;
} pv_run_plan;

/*
 * Batch rows of streaming.md §5.1: row width = Σ avg_width (64 when
 * absent or 0), at least 64 (256 without columns); max_rows = max(100,
 * floor(256 MiB / width)); result = max(100, min(requested, max_rows)).
 */
int64_t pv_batch_rows(int64_t requested, const pv_table *t);

/*
 * Builds the plan for every table of `cat`, with the auto-detect findings of
 * every table not excluded. `patterns` is the auto-detect library
 * (pv_patterns_default); NULL matches no column. Never fails (checks come
 * first).
 */
pv_run_plan *pv_run_plan_build(const pv_config *cfg, const pv_catalog *cat,
                               const pv_patterns *patterns);
void pv_run_plan_free(pv_run_plan *plan);

/* The plan entry of a catalog table (its config table's for a child), or NULL. */
pv_plan_table *pv_run_plan_table(const pv_run_plan *plan, const pv_catalog *cat, const pv_table *t);

/*
 * The column's full action: the explicit entry's, or the auto-detect
 * proposal for source autodetect; NULL for default, null_orphan_fks (and
 * fk_inherited until FK groups carry their action here).
 */
const pv_action *pv_plan_column_action(const pv_plan_column *pc);

/*
 * strict_autodetect (autodetect.md §6): the sorted "schema.table.column"
 * paths of uncovered findings (high or medium, a matched pattern, no
 * explicit entry) in tables that are not excluded.
 */
void pv_run_plan_uncovered(const pv_run_plan *plan, pv_strlist *out);

/*
 * One `column.pii_detected` audit row per finding (autodetect.md §8,
 * state.md §6): tables by id, columns in catalog order, scanned tables
 * only. A fresh run writes them once, at step 12.
 */
pv_error *pv_run_plan_audit_findings(const pv_run_plan *plan, PGconn *conn,
                                     const pv_audit_log *log);

/* Marks `column` of the table governing `t` as nulled by null_orphan_fks. */
void pv_run_plan_null_orphan_fk(pv_run_plan *plan, const pv_catalog *cat, const pv_table *t,
                                const char *column);

/* Records an FK into an excluded table that replication must leave out. */
void pv_run_plan_omit_fk(pv_run_plan *plan, const char *table_id, const char *fk_name);

/*
 * The `runs.plan` document of state.md §2.2 (new reference): faker library
 * and, for every transform table, every column with its action exactly as
 * in the canonical config JSON, source, hash path, unique and fpe.
 * Identifiers and config text only.
 */
json_t *pv_run_plan_json(const pv_run_plan *plan, const pv_config *cfg);

#endif
