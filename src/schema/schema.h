/*
 * schema.h — schema replication (spec/catalog-and-schema.md §6–§8, DESIGN.md
 * "Schema DDL comes from pg_dump/pg_restore").
 *
 * DDL is never hand-written. pv_schema_dump runs `pg_dump --schema-only
 * --format=custom --snapshot=<id>` into a private temporary archive, lists
 * it with `pg_restore -l` (once per section) and classifies every TOC entry
 * against the source catalog and the config: skipped kinds (§8.3), grants
 * and ownership, excluded tables and what belongs to them, non-unique
 * indexes unless replicate_all_indexes, FKs into excluded tables (§6.2).
 * Each phase then filters the in-scope entries against what already exists
 * on the target (so running a phase twice creates nothing the second time),
 * has pg_restore render the kept entries (`-L <list> -f -`, --no-owner
 * --no-privileges) and executes that DDL in one target transaction over
 * libpq. Executing it ourselves, rather than `pg_restore -d`, is what lets a
 * failure report its SQLSTATE and the constraint it concerns (errors.md
 * §3.1) without ever printing the server's DETAIL (which carries key values)
 * — and no target credential ever reaches a child process.
 *
 * Order in a run (overview.md §4): dump → apply_existing_policy (step 9) →
 * pre_data (step 11; the caller emits schema.cloned on a fresh run) →
 * record_skipped (step 12, fresh run) → load → post_data (step 14) →
 * sync_sequences (step 15). Every DDL error is exit 1.
 *
 * This header deliberately does not include config/config.h or
 * catalog/catalog.h (they are only forward-declared), so it can be included
 * next to either one.
 */
#ifndef PRIVACI_SCHEMA_SCHEMA_H
#define PRIVACI_SCHEMA_SCHEMA_H

#include "util/error.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

typedef struct pv_catalog pv_catalog;
typedef struct pv_config pv_config;

/* The dumped archive, its classified TOC and the run's table scope. */
typedef struct pv_schema_plan pv_schema_plan;

/*
 * Writes one audit row (state.md §6). `schema_name` / `table_name` may be
 * NULL; `payload` is borrowed. A non-NULL error aborts the operation that
 * asked for the row (the state module's "Writing an audit-log entry").
 * Wire it to pv_state_audit; a NULL callback writes nothing. Payload keys
 * used: kind, object_name, object_type, definition, code, message.
 */
typedef pv_error *(*pv_audit_fn)(void *ud, const char *event_type, const char *schema_name,
                                 const char *table_name, const json_t *payload);

/* Counts of the `schema.cloned` event (§8.1). */
typedef struct pv_schema_report {
    int tables_created;  /* catalog tables whose strategy is not exclude (children included) */
    int schemas_created; /* distinct schemas among all catalog tables */
} pv_schema_report;

/* What happens to in-scope tables that already exist on the target (§7, §7.1). */
typedef enum {
    PV_SCHEMA_EXISTING_NONE,        /* on_existing_data: fail (the target is empty) */
    PV_SCHEMA_EXISTING_TRUNCATE,    /* drop their FKs/constraints/indexes, then TRUNCATE */
    PV_SCHEMA_EXISTING_DROP_CREATE, /* DROP SCHEMA … CASCADE for every schema but _privaci */
    PV_SCHEMA_EXISTING_STRIP,       /* resume with rows to load: §7.1 drops only */
} pv_schema_existing;

/*
 * The mode for a fresh run: the config's on_existing_data, where
 * --force-restart turns `fail` into `truncate` (drop_create already empties
 * everything and stays as it is).
 */
pv_schema_existing pv_schema_existing_mode(const pv_config *cfg, bool force_restart);

/*
 * Dumps the source schema and classifies its TOC. `snapshot_id` is the
 * snapshot exported by the run's coordinator, whose transaction must stay
 * open until this returns (NULL: pg_dump takes its own). `cat` is
 * borrowed and must outlive the plan; `cfg` is only read here. Errors:
 * exit 1, Context "Dumping the source schema" (pg_dump or pg_restore
 * failing to start or to finish). Every temporary file is removed on
 * error; on success the archive lives until pv_schema_plan_free.
 */
pv_error *pv_schema_dump(const char *source_conninfo, const char *snapshot_id,
                         const pv_catalog *cat, const pv_config *cfg, pv_schema_plan **out);

/*
 * Step 9 (§7, §7.1), in one transaction on `target`. TRUNCATE and STRIP:
 * for every in-scope table that exists on the target, drop every FK whose
 * referencing or referenced table is one of them, then their PK / UNIQUE /
 * exclusion constraints, then their remaining indexes — each preceded by a
 * `target_object_dropped` audit row carrying its definition (an FK of a
 * table outside the run's scope also yields an `fk_dropped` warning) —
 * and, for TRUNCATE, one TRUNCATE of all of them (no CASCADE). DROP_CREATE
 * drops every non-system schema except _privaci. NONE does nothing.
 * Opens and ends its own transaction on `target`, so call it outside one;
 * when `audit` writes through `target` too, the audit rows commit with the
 * drops they describe. Errors: exit 1 "Replicating schema to the target
 * database" (or the audit callback's own error).
 */
pv_error *pv_schema_apply_existing_policy(pv_schema_plan *p, PGconn *target,
                                          pv_schema_existing mode, pv_audit_fn audit, void *ud);

/*
 * Step 11: creates the schemas that hold in-scope objects (`CREATE SCHEMA`
 * for those missing), restores the pre-data entries that do not exist yet
 * and switches off FORCE ROW LEVEL SECURITY where the source had it — one
 * transaction on a DDL connection opened from `target_conninfo`; `target`
 * (the coordinator's connection) is only read. Fills *report (may be
 * NULL). Idempotent.
 */
pv_error *pv_schema_pre_data(pv_schema_plan *p, const char *target_conninfo, PGconn *target,
                             pv_schema_report *report);

/* The `schema.cloned` event (observability.md §3; fresh runs only). */
void pv_schema_emit_cloned(const pv_schema_report *report);

/*
 * Step 12 (fresh run): one `skipped_object` event and audit row per view,
 * materialized view, trigger, rule, policy, row-security switch,
 * publication, subscription, event trigger and FDW object of the source
 * (§8.3), and an `fk_dropped` warning (event and audit row) per FK left out
 * because it references an excluded table (§6.2).
 */
pv_error *pv_schema_record_skipped(const pv_schema_plan *p, pv_audit_fn audit, void *ud);

/*
 * Step 14: PK / UNIQUE / exclusion constraints and unique (with
 * replicate_all_indexes, all) indexes with their partition attachments in
 * one transaction, then the FKs in a second one. Idempotent. An FK whose
 * validation fails is exit 1 "Adding foreign keys on the target", naming
 * the constraint, its table and the number of orphaned rows.
 */
pv_error *pv_schema_post_data(pv_schema_plan *p, const char *target_conninfo, PGconn *target);

/*
 * Step 15 (§8.2): for every in-scope table (partition children excepted:
 * their parent's maximum covers them), every sequence owned by one of its
 * columns (serial or identity) is set from the target's data —
 * setval(seq, max(col), true), or setval(seq, <its START value>, false) on
 * an empty table; no value leaves the server. With `source` (the
 * coordinator's connection, inside the run's snapshot; may be NULL to skip
 * this), standalone sequences get the source's last_value / is_called. One
 * `sequence.sync` event per sequence. Errors: exit 1 "Synchronizing identity
 * sequence on the target database".
 */
pv_error *pv_schema_sync_sequences(PGconn *source, PGconn *target, const pv_catalog *cat,
                                   const pv_config *cfg);

/*
 * The binary schema replication runs for `tool` ("pg_dump" or
 * "pg_restore"): pg_dump is $PRIVACI_PG_DUMP, else the one of the newest
 * /usr/lib/postgresql/<N>/bin, else "pg_dump" (looked up on PATH);
 * pg_restore is $PRIVACI_PG_RESTORE, else the one next to that pg_dump,
 * else found the same way. Pre-flight's version check (pg_dump_version)
 * should test this very pg_dump. Caller frees.
 */
char *pv_schema_tool_path(const char *tool);

/* Deletes the temporary archive and frees the plan. NULL is fine. */
void pv_schema_plan_free(pv_schema_plan *p);

#endif
