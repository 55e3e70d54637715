/*
 * sql.c — statements on the target and the errors they turn into.
 *
 * A DDL failure is reported as errors.md §3.1: the SQLSTATE and the
 * server's primary message, never its DETAIL (which names key values).
 * Primary messages name objects, not data — except data exceptions (class
 * 22), whose text after the colon quotes the offending input, and quoted
 * literals, which can come from a default or a check expression. Both are
 * cut out.
 */
#include "schema/plan.h"

#include "catalog/pgconn.h"
#include "obs/log.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define DDL_CONTEXT     "Replicating schema to the target database"
#define DDL_REMEDIATION "Verify target permissions, required extensions, and retry."

char *pvs_scrub_message(const char *sqlstate, const char *message)
{
    if (!message || !*message)
        return pv_xstrdup("no message");
    size_t len = strlen(message);
    if (sqlstate && strncmp(sqlstate, "22", 2) == 0) {
        const char *colon = strchr(message, ':');
        if (colon)
            len = (size_t)(colon - message);
    }
    pv_strbuf sb = PV_STRBUF_INIT;
    bool in_literal = false;
    for (size_t i = 0; i < len; i++) {
        char c = message[i];
        if (c == '\'') {
            /* Keep the quotes, drop what they enclose. */
            pv_strbuf_append(&sb, in_literal ? "'" : "'...");
            in_literal = !in_literal;
            continue;
        }
        if (!in_literal)
            pv_strbuf_append_char(&sb, c == '\n' || c == '\r' ? ' ' : c);
    }
    if (in_literal)
        pv_strbuf_append_char(&sb, '\'');
    while (sb.len > 0 && (sb.data[sb.len - 1] == ' ' || sb.data[sb.len - 1] == '.'))
        sb.data[--sb.len] = '\0';
    return pv_strbuf_take(&sb);
}

pv_error *pvs_ddl_error(const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!state)
        return pv_error_new(PV_EXIT_GENERIC, DDL_CONTEXT, DDL_REMEDIATION,
                            "DDL execution failed on the target (08006 connection lost).");
    char *msg = pvs_scrub_message(state, primary);
    pv_error *err = pv_error_new(PV_EXIT_GENERIC, DDL_CONTEXT, DDL_REMEDIATION,
                                 "DDL execution failed on the target (%s %s).", state, msg);
    free(msg);
    return err;
}

pv_error *pvs_ddl_error_conn(PGconn *conn)
{
    (void)conn; /* libpq's message names hosts: not part of the error */
    return pvs_ddl_error(NULL);
}

pv_error *pvs_exec(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    pv_error *err = NULL;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        err = res ? pvs_ddl_error(res) : pvs_ddl_error_conn(conn);
    PQclear(res);
    return err;
}

pv_error *pvs_warn_fk_dropped(pv_audit_fn audit, void *ud, const char *schema, const char *table,
                              const char *message)
{
    pv_human("Warning: [fk_dropped] %s", message);
    json_t *fields = json_pack("{s:s, s:s}", "code", "fk_dropped", "message", message);
    if (schema && table)
        json_object_set_new(fields, "table_id", json_sprintf("%s.%s", schema, table));
    pv_event(PV_LOG_WARNING, "warning", fields);
    if (!audit)
        return NULL;
    json_t *payload = json_pack("{s:s, s:s}", "code", "fk_dropped", "message", message);
    pv_error *err = audit(ud, "warning", schema, table, payload);
    json_decref(payload);
    return err;
}

/*
 * pg_restore frames its script with psql's \restrict / \unrestrict
 * meta-commands (a guard against meta-commands smuggled into psql). They
 * are not SQL — and libpq interprets no meta-commands at all — so the two
 * framing lines are dropped: the first line when it is `\restrict <key>`,
 * and the line that is exactly `\unrestrict <key>` with that key (which is
 * random, so DDL text cannot imitate it).
 */
void pvs_strip_restrict(char *script)
{
    if (strncmp(script, "\\restrict ", 10) != 0) {
        /* The framing line may follow the header comment block. */
        char *first = strstr(script, "\n\\restrict ");
        if (!first)
            return;
        script = first + 1;
    }
    const char *key = script + 10;
    size_t key_len = strcspn(key, "\n");
    char *closing = pv_xasprintf("\\unrestrict %.*s", (int)key_len, key);
    size_t closing_len = strlen(closing);
    char *dst = script;
    const char *src = script;
    bool first_line = true;
    while (*src) {
        const char *nl = strchr(src, '\n');
        size_t len = nl ? (size_t)(nl - src) + 1 : strlen(src);
        size_t text_len = nl ? len - 1 : len;
        bool framing =
            first_line || (text_len == closing_len && strncmp(src, closing, closing_len) == 0);
        if (!framing) {
            memmove(dst, src, len);
            dst += len;
        }
        first_line = false;
        src += len;
    }
    *dst = '\0';
    free(closing);
}
