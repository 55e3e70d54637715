/*
 * audit.c — `_privaci.audit_log` rows (state.md §6).
 *
 * Rows carry identifiers, counts and metadata only. The payload key
 * allowlist below is the union of the keys §6 defines; a payload with any
 * other key is refused rather than written, which keeps a column→value map
 * (the easy way to leak a row) out of the table by construction.
 */
#include "state/state.h"

#include "state/pgexec.h"
#include "util/canonjson.h"

#include <stdlib.h>
#include <string.h>

#define CONTEXT_AUDIT "Writing an audit-log entry"

static const char SQL_INSERT[] =
    "INSERT INTO _privaci.audit_log (audit_id, run_id, level, event_type, schema_name,"
    " table_name, column_name, payload)"
    " VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8::jsonb)";

static const char *const payload_keys[] = {
    "action",
    "batch",
    "code",
    "column",
    "confidence",
    "deferred_constraint",
    "definition",
    "error",
    "id_column",
    "inferred_target_column_path",
    "kind",
    "matched_pattern",
    "message",
    "object_name",
    "object_type",
    "phase",
    "primary_key", /* the key's column names (checkpoint_fallback), never its values */
    "provider",
    "reason",
    "reasons",
    "referenced_table",
    "referencing_table",
    "rows_affected",
    "rows_processed",
    "source",
    "source_column_path",
    "sqlstate",
    "suggested_seed_alias",
    "tables",
    "type_column",
    "types",
};

static const struct {
    const char *event_type;
    const char *level;
} levels[] = {
    {"polymorphic_fk_warning", "warning"},
    {"implied_fk_warning", "warning"},
    {"binary_fallback", "warning"},
    {"warning", "warning"},
    {"table.failed", "error"},
};

void pv_audit_log_init(pv_audit_log *log, const char *run_id, bool enabled)
{
    memset(log, 0, sizeof(*log));
    if (run_id)
        strncpy(log->run_id, run_id, PV_UUID_TEXT_LEN - 1);
    log->enabled = enabled;
}

const char *pv_audit_level(const char *event_type)
{
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (strcmp(levels[i].event_type, event_type) == 0)
            return levels[i].level;
    return "info";
}

static bool key_allowed(const char *key)
{
    for (size_t i = 0; i < sizeof(payload_keys) / sizeof(payload_keys[0]); i++)
        if (strcmp(payload_keys[i], key) == 0)
            return true;
    return false;
}

bool pv_audit_payload_allowed(const json_t *payload)
{
    if (!payload)
        return true;
    if (!json_is_object(payload))
        return false;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)payload, key, value)
    {
        (void)value;
        if (!key_allowed(key))
            return false;
    }
    return true;
}

static pv_error *audit_error(void)
{
    return pv_error_new(PV_EXIT_GENERIC, CONTEXT_AUDIT,
                        "Ensure the _privaci schema exists, or disable the audit log with "
                        "--no-audit-table.",
                        "The audit row could not be written.");
}

pv_error *pv_state_audit(PGconn *conn, const pv_audit_log *log, const char *event_type,
                         const char *schema, const char *table, const char *column,
                         const json_t *payload)
{
    if (!log->enabled)
        return NULL;
    if (!pv_audit_payload_allowed(payload))
        return audit_error();
    char audit_id[PV_UUID_TEXT_LEN];
    if (pv_uuid7_generate(audit_id) != 0)
        return audit_error();
    char *payload_text = payload ? pv_canonjson_dump(payload) : NULL;
    const char *params[8] = {
        audit_id, log->run_id, pv_audit_level(event_type),        event_type, schema,
        table,    column,      payload_text ? payload_text : "{}"};
    char state[6];
    bool ok = pv_state_command(conn, SQL_INSERT, 8, params, state);
    free(payload_text);
    return ok ? NULL : audit_error();
}
