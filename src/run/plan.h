/*
 * plan.h — the run's resolved per-column plan (masking.md §1, state.md
 * §2.2) and the batch size of each streamed table (streaming.md §5.1).
 *
 * Resolution, in three passes:
 *   1. pv_run_plan_build: an explicit config entry wins (source "config"),
 *      then a `high` auto-detect finding with an action when auto_detect is
 *      on (source "autodetect"); every other column passes through (source
 *      "default"). Every table that is not excluded carries its auto-detect
 *      findings (spec/autodetect.md §2), one per column.
 *   2. the orphan_fks pre-flight check marks the FK columns nulled by
 *      null_orphan_fks (source "null_orphan_fks", whatever the config said).
 *   3. pv_run_plan_link (masking.md §7): FK groups share one action, hash
 *      path and unique flag (members taking another member's action get
 *      source "fk_inherited"); columns sharing a hash path share the unique
 *      flag. What it cannot reconcile is kept for the fk_consistency check.
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
    /*
     * Source fk_inherited: the FK-group member whose action this column
     * takes (its source is config or autodetect) and that member's plan
     * table. NULL for every other source.
     */
    const struct pv_plan_column *origin;
    const struct pv_plan_table *origin_table;
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

/*
 * One FK group (masking.md §7.3): columns of streamed tables linked by
 * catalog FKs, transitively. Column paths use the config table id.
 */
typedef struct pv_fk_group {
    char *root;         /* the root column path */
    char *hash_path;    /* the group's seed_alias, else the root path */
    pv_strlist members; /* every member's column path, sorted (root included) */
    bool conflict;      /* explicit actions or aliases disagree: nothing was inherited */
} pv_fk_group;

/* A pre-flight warning found while resolving the plan (observability.md §3 `warning`). */
typedef struct pv_plan_warning {
    const char *code; /* static */
    char *message;    /* identifiers only */
    char *table_id;   /* NULL when not tied to one table */
} pv_plan_warning;

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
    /* pv_run_plan_link: the FK groups, by root path */
    pv_fk_group *groups;
    size_t n_groups;
    /* Cause lines of fk_consistency, sorted: explicit actions, then seed_aliases, that differ */
    pv_strlist fk_action_conflicts;
    pv_strlist fk_alias_conflicts;
    /* fk_group_multiple_roots, seed_alias_mismatch */
    pv_plan_warning *warnings;
    size_t n_warnings;
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
 * The column's full action (provider, params, …): the explicit entry's for
 * source config, the auto-detect proposal for autodetect, the origin's for
 * fk_inherited; NULL for default and null_orphan_fks (passthrough / null,
 * which have no parameters). pc->action is always its kind.
 */
const pv_action *pv_plan_column_action(const pv_plan_column *pc);

/* "<action>" or "<action>/<provider>" (fake, pseudonym): the label error texts use. Caller frees.
 */
char *pv_plan_action_label(const pv_plan_column *pc);

/* Recomputes pc->fpe (masking.md §9.2) after its action, unique flag or type changed. */
void pv_plan_column_refresh_fpe(pv_faker_library library, pv_plan_column *pc);

/*
 * Pass 3 (masking.md §7.2, §7.3), once orphan handling has marked its
 * columns: builds the FK groups over the streamed tables (FKs into tables
 * that are excluded or emptied are no links), picks each root, resolves
 * the group's action (explicit members must agree — `null` on a nullable
 * referencing column that nothing references excepted —, else the root's
 * auto-detect result; a child's own finding is ignored), sets the hash
 * path and propagates the unique flag, then shares the unique flag among
 * all columns with one hash path. Conflicts land in fk_*_conflicts and the
 * group is left as it was; warnings in `warnings`. Never fails.
 */
void pv_run_plan_link(pv_run_plan *plan, const pv_catalog *cat);

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
