/*
 * schema_driver — drives the schema replication API (src/schema/) end to
 * end for tests/integration/test_schema_replication.py, until `privaci
 * run` wires it:
 *
 *   schema_driver --source URL --target URL [--config PATH]
 *                 [--existing config|none|truncate|drop_create|strip]
 *                 [--force-restart] [--no-snapshot] [--debug]
 *                 [--steps dump,existing,pre,skipped,post,sequences]
 *
 * Like a run, it exports a snapshot on a REPEATABLE READ READ ONLY source
 * transaction, introspects inside it and hands the snapshot id to pg_dump.
 * Events are JSON lines on stdout; each audit row is printed there as
 * {"event": "audit", "event_type", "schema_name", "table_name", "payload"}.
 * An error prints its C/C/R block on stderr and exits with its code.
 */
#include "catalog/catalog.h"
#include "catalog/pgconn.h"
#include "driver_config.h"
#include "obs/log.h"
#include "schema/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct options {
    const char *source;
    const char *target;
    const char *config;
    const char *existing;
    const char *steps;
    bool force_restart;
    bool snapshot;
    bool debug;
} options;

static bool step(const options *o, const char *name)
{
    if (!o->steps)
        return true;
    size_t n = strlen(name);
    for (const char *s = o->steps; (s = strstr(s, name)) != NULL; s += n)
        if ((s == o->steps || s[-1] == ',') && (s[n] == ',' || s[n] == '\0'))
            return true;
    return false;
}

static pv_error *print_audit(void *ud, const char *event_type, const char *schema_name,
                             const char *table_name, const json_t *payload)
{
    (void)ud;
    json_t *row =
        json_pack("{s:s, s:s, s:o, s:o, s:O}", "event", "audit", "event_type", event_type,
                  "schema_name", schema_name ? json_string(schema_name) : json_null(), "table_name",
                  table_name ? json_string(table_name) : json_null(), "payload", payload);
    char *text = json_dumps(row, JSON_COMPACT | JSON_ENSURE_ASCII);
    fflush(stdout);
    printf("%s\n", text);
    fflush(stdout);
    free(text);
    json_decref(row);
    return NULL;
}

static pv_schema_existing existing_mode(const options *o, const pv_config *cfg)
{
    const char *e = o->existing ? o->existing : "config";
    if (strcmp(e, "none") == 0)
        return PV_SCHEMA_EXISTING_NONE;
    if (strcmp(e, "truncate") == 0)
        return PV_SCHEMA_EXISTING_TRUNCATE;
    if (strcmp(e, "drop_create") == 0)
        return PV_SCHEMA_EXISTING_DROP_CREATE;
    if (strcmp(e, "strip") == 0)
        return PV_SCHEMA_EXISTING_STRIP;
    return pv_schema_existing_mode(cfg, o->force_restart);
}

/* Opens the coordinator's source transaction and exports its snapshot. */
static pv_error *begin_source(PGconn *source, bool export, char **snapshot)
{
    *snapshot = NULL;
    PGresult *res = PQexec(source, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (ok && export) {
        res = PQexec(source, "SELECT pg_catalog.pg_export_snapshot()");
        ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        if (ok)
            *snapshot = strdup(PQgetvalue(res, 0, 0));
        PQclear(res);
    }
    return ok ? NULL
              : pv_error_new(1, "schema_driver", "-", "Could not open the source transaction.");
}

static pv_error *replicate(const options *o, PGconn *source, PGconn *target, const pv_config *cfg)
{
    char *snapshot = NULL;
    pv_catalog *cat = NULL;
    pv_schema_plan *plan = NULL;
    pv_error *err = begin_source(source, o->snapshot, &snapshot);
    if (!err)
        err = pv_catalog_introspect(source, &cat);
    if (!err)
        err = pv_catalog_check_identifiers(cat);
    if (!err)
        err = pv_schema_dump(o->source, snapshot, cat, cfg, &plan);
    if (!err && step(o, "existing"))
        err =
            pv_schema_apply_existing_policy(plan, target, existing_mode(o, cfg), print_audit, NULL);
    if (!err && step(o, "pre")) {
        pv_schema_report report;
        err = pv_schema_pre_data(plan, o->target, target, &report);
        if (!err)
            pv_schema_emit_cloned(&report);
    }
    if (!err && step(o, "skipped"))
        err = pv_schema_record_skipped(plan, print_audit, NULL);
    if (!err && step(o, "post"))
        err = pv_schema_post_data(plan, o->target, target);
    if (!err && step(o, "sequences"))
        err = pv_schema_sync_sequences(source, target, cat, cfg);
    pv_schema_plan_free(plan);
    pv_catalog_free(cat);
    free(snapshot);
    return err;
}

static bool parse(int argc, char **argv, options *o)
{
    *o = (options){.snapshot = true};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = strcmp(a, "--source") == 0     ? &o->source
                            : strcmp(a, "--target") == 0   ? &o->target
                            : strcmp(a, "--config") == 0   ? &o->config
                            : strcmp(a, "--existing") == 0 ? &o->existing
                            : strcmp(a, "--steps") == 0    ? &o->steps
                                                           : NULL;
        if (slot && i + 1 < argc)
            *slot = argv[++i];
        else if (strcmp(a, "--force-restart") == 0)
            o->force_restart = true;
        else if (strcmp(a, "--no-snapshot") == 0)
            o->snapshot = false;
        else if (strcmp(a, "--debug") == 0)
            o->debug = true;
        else
            return false;
    }
    return o->source && o->target;
}

int main(int argc, char **argv)
{
    options o;
    if (!parse(argc, argv, &o)) {
        fprintf(stderr,
                "usage: schema_driver --source URL --target URL [--config PATH] "
                "[--existing MODE] [--force-restart] [--no-snapshot] [--debug] [--steps LIST]\n");
        return 64;
    }
    pv_log_init(PV_STREAM_EVENTS, o.debug ? PV_LOG_DEBUG : PV_LOG_INFO);
    pv_config *cfg = NULL;
    PGconn *source = NULL, *target = NULL;
    pv_error *err = o.config ? driver_config_load(o.config, &cfg) : NULL;
    if (!err)
        err = pv_pg_connect(PV_PG_SOURCE, o.source, &source);
    if (!err)
        err = pv_pg_connect(PV_PG_TARGET, o.target, &target);
    if (!err)
        err = replicate(&o, source, target, cfg);
    PQfinish(source);
    PQfinish(target);
    driver_config_free(cfg);
    if (!err)
        return 0;
    pv_error_print(err, stderr);
    int code = err->exit_code;
    pv_error_free(err);
    return code;
}
