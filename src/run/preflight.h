/*
 * preflight.h — the pre-flight of the run family (overview.md §4 step 5):
 * every check, in lifecycle order, reported in one `preflight.ok` or
 * `preflight.fail` event carrying the `checks` array (observability.md §3),
 * all before the first write to the target.
 *
 * What it leaves open for the rest of the run (pv_preflight):
 *   - the coordinator's source connection, inside the run's REPEATABLE READ
 *     READ ONLY transaction whose snapshot it exported (snapshot_id) — the
 *     streaming connections and pg_dump import it;
 *   - the coordinator's target connection, holding the run lock (run and
 *     resume; state.md §1) until it is closed;
 *   - the catalog (with the config's implied_fk_ignore applied), the
 *     resolved plan, source_db_hash, and what the target checks learned.
 *
 * Warnings go to stderr ("Warning: [<code>] <message>" for catalog
 * warnings, "Warning: <message>" for the others) and, where
 * observability.md §3 lists them, as `warning` events. The relationship
 * warnings (polymorphic / implied FK) have event types of their own that a
 * fresh run emits later, with its audit rows (overview.md §4 step 12):
 * pv_preflight_emit_relationship_events.
 */
#ifndef PRIVACI_RUN_PREFLIGHT_H
#define PRIVACI_RUN_PREFLIGHT_H

#include "run/plan.h"
#include "run/resume_gate.h"
#include "state/fingerprint.h"

#include <libpq-fe.h>
#include <stdint.h>

typedef enum {
    PV_PREFLIGHT_RUN,
    PV_PREFLIGHT_DRY_RUN,
    PV_PREFLIGHT_RESUME,
} pv_preflight_mode;

typedef struct pv_preflight_opts {
    pv_preflight_mode mode;
    const pv_config *cfg;
    const char *source_url; /* resolved (secrets already registered for redaction) */
    const char *target_url;
    bool force_restart;     /* run --force-restart: on_existing_data treated as truncate */
    bool strict_autodetect; /* effective: config, overridden by --[no-]strict-autodetect */
    /*
     * dry-run --report: the strict check is left to the caller, which
     * writes the report first (cli.md §3.2) and then calls
     * pv_preflight_strict_check.
     */
    bool defer_strict;
    /* resume: the current salt's fingerprint, for the resume gate (state.md §5.2) */
    const char *salt_fingerprint;
} pv_preflight_opts;

typedef struct pv_preflight {
    PGconn *source; /* transaction open; see above */
    PGconn *target; /* holds the run lock in run/resume mode */
    char *snapshot_id;
    pv_catalog *catalog;
    pv_run_plan *plan;
    char source_db_hash[PV_HASH_HEX_LEN];
    int state_version;          /* _privaci schema version on the target, 0 when none */
    int64_t target_user_tables; /* user tables outside _privaci */
    pv_resume_run *resume;      /* resume: the run the gate selected */
} pv_preflight;

/*
 * Runs the pre-flight. On success *out is owned by the caller
 * (pv_preflight_free) and `preflight.ok` was emitted; on failure
 * `preflight.fail` was emitted (with the checks run so far, the failing one
 * last), every connection is closed, and the error is returned for the CLI
 * boundary to print.
 */
pv_error *pv_preflight_run(const pv_preflight_opts *opts, pv_preflight **out);

/* Closes both connections (ending the snapshot and releasing the lock). */
void pv_preflight_free(pv_preflight *pf);

/*
 * strict_autodetect (autodetect.md §6): with strict mode on, any uncovered
 * high/medium finding of `plan` fails with exit 3, Context "Validating
 * strict auto-detect coverage", Cause "Uncovered PII columns: <paths>"
 * (schema.table.column, sorted, ", "-joined). NULL when off or covered.
 */
pv_error *pv_preflight_strict_check(const pv_run_plan *plan, bool strict_autodetect);

/* The polymorphic_fk_warning / implied_fk_warning events (fresh run, step 12). */
void pv_preflight_emit_relationship_events(const pv_catalog *cat);

/*
 * `configured_features` (config.md §9.2): every feature the config uses whose
 * engine this build lacks — json_mask, subset — is rejected with exit 3,
 * never silently ignored.
 */
pv_error *pv_check_configured_features(const pv_config *cfg);

#endif
