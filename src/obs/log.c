#include "obs/log.h"

#include "obs/redact.h"
#include "util/xalloc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static pv_stream_mode stream_mode = PV_STREAM_DOCUMENT;
static pv_log_level min_level = PV_LOG_INFO;
static FILE *override_out;
static char run_id[40];

static const char *const allowlist[] = {
    "action",
    "attempt",
    "batch",
    "cause",
    "checks",
    "code",
    "column",
    "column_name",
    "commercial_layer_present",
    "config_hash",
    "context",
    "deferred_constraint",
    "delay_seconds",
    "detail",
    "duration_ms",
    "engine_version",
    "errors",
    "estimated_rows",
    "event",
    "exit_code",
    "failed_units",
    "id_column",
    "inferred_target_column_path",
    "kind",
    "level",
    "matched_pattern",
    "message",
    "object_name",
    "pack",
    "percent_complete",
    "port",
    "provider",
    "reason",
    "remediation",
    "rows_affected",
    "rows_per_sec",
    "rows_processed",
    "run_id",
    "salt_fingerprint",
    "schema_name",
    "schemas_created",
    "sequence",
    "source_column_path",
    "source_db_hash",
    "sqlstate",
    "status",
    "strategy",
    "suggested_seed_alias",
    "table",
    "table_id",
    "table_name",
    "tables",
    "tables_created",
    "tables_processed",
    "tables_with_progress",
    "type_column",
    "unsupported_types",
    "uri_scheme",
};

bool pv_field_allowlisted(const char *name)
{
    for (size_t i = 0; i < sizeof(allowlist) / sizeof(allowlist[0]); i++)
        if (strcmp(allowlist[i], name) == 0)
            return true;
    return false;
}

bool pv_log_level_parse(const char *name, pv_log_level *out)
{
    static const struct {
        const char *name;
        pv_log_level level;
    } levels[] = {{"debug", PV_LOG_DEBUG},
                  {"info", PV_LOG_INFO},
                  {"warning", PV_LOG_WARNING},
                  {"error", PV_LOG_ERROR}};
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        if (strcasecmp(name, levels[i].name) == 0) {
            *out = levels[i].level;
            return true;
        }
    }
    return false;
}

const char *pv_log_level_name(pv_log_level level)
{
    switch (level) {
    case PV_LOG_DEBUG:
        return "debug";
    case PV_LOG_WARNING:
        return "warning";
    case PV_LOG_ERROR:
        return "error";
    default:
        return "info";
    }
}

void pv_log_init(pv_stream_mode mode, pv_log_level level)
{
    stream_mode = mode;
    min_level = level;
}

pv_log_level pv_log_get_level(void)
{
    return min_level;
}

void pv_log_set_output(FILE *out)
{
    override_out = out;
}

void pv_log_set_run_id(const char *id)
{
    pthread_mutex_lock(&out_lock);
    snprintf(run_id, sizeof(run_id), "%s", id ? id : "");
    pthread_mutex_unlock(&out_lock);
}

static bool level_enabled(pv_log_level level)
{
    if (level < min_level)
        return false;
    /* Document commands keep stdout clean; their events are debug aids. */
    if (stream_mode == PV_STREAM_DOCUMENT && min_level > PV_LOG_DEBUG)
        return false;
    return true;
}

static void format_timestamp(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%06d+00:00", (int)(ts.tv_nsec / 1000));
}

/*
 * Scrubs registered secrets from every string inside a value. Keys are left
 * alone: they are engine-chosen identifiers, never values, and scrubbing a
 * one-letter secret out of them would corrupt the event protocol.
 */
static json_t *scrub(json_t *value)
{
    if (json_is_string(value)) {
        char *clean = pv_redact_secrets(json_string_value(value));
        json_t *out = json_string(clean);
        free(clean);
        return out ? out : json_string("<redacted>");
    }
    if (json_is_array(value)) {
        json_t *out = json_array();
        size_t i;
        json_t *item;
        json_array_foreach(value, i, item) json_array_append_new(out, scrub(item));
        return out;
    }
    if (json_is_object(value)) {
        json_t *out = json_object();
        const char *key;
        json_t *item;
        json_object_foreach(value, key, item) json_object_set_new(out, key, scrub(item));
        return out;
    }
    return json_incref(value);
}

/* Replaces a non-allowlisted field by its value hint (§5.1). */
static json_t *safe_value(const char *name, json_t *value)
{
    if (json_is_null(value) || json_is_boolean(value) || json_is_number(value))
        return json_incref(value);
    if (pv_field_allowlisted(name))
        return scrub(value);
    char hint[PV_HINT_MAX];
    if (json_is_string(value)) {
        pv_value_hint(json_string_value(value), json_string_length(value), hint);
    } else {
        char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
        pv_value_hint(text, text ? strlen(text) : 0, hint);
        free(text);
    }
    return json_string(hint);
}

char *pv_event_render(pv_log_level level, const char *event, json_t *fields)
{
    if (!level_enabled(level)) {
        json_decref(fields);
        return NULL;
    }
    char ts[48];
    format_timestamp(ts, sizeof(ts));
    json_t *obj = json_object();
    json_object_set_new(obj, "timestamp", json_string(ts));
    json_object_set_new(obj, "level", json_string(pv_log_level_name(level)));
    json_object_set_new(obj, "event", json_string(event));
    pthread_mutex_lock(&out_lock);
    if (run_id[0])
        json_object_set_new(obj, "run_id", json_string(run_id));
    pthread_mutex_unlock(&out_lock);
    if (fields) {
        json_t *msg = json_object_get(fields, "message");
        if (msg)
            json_object_set_new(obj, "message", scrub(msg));
        const char *key;
        json_t *value;
        json_object_foreach(fields, key, value)
        {
            if (strcmp(key, "message") == 0 || strcmp(key, "timestamp") == 0 ||
                strcmp(key, "level") == 0 || strcmp(key, "event") == 0)
                continue;
            json_object_set_new(obj, key, safe_value(key, value));
        }
        json_decref(fields);
    }
    /* 15 significant digits print the rounded durations and rates exactly. */
    char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(obj);
    return line ? line : pv_xstrdup("{}");
}

void pv_event(pv_log_level level, const char *event, json_t *fields)
{
    char *line = pv_event_render(level, event, fields);
    if (!line)
        return;
    FILE *out = override_out ? override_out : (stream_mode == PV_STREAM_EVENTS ? stdout : stderr);
    pthread_mutex_lock(&out_lock);
    fputs(line, out);
    fputc('\n', out);
    fflush(out);
    pthread_mutex_unlock(&out_lock);
    free(line);
}

void pv_log(pv_log_level level, const char *fmt, ...)
{
    if (!level_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = pv_xvasprintf(fmt, ap);
    va_end(ap);
    json_t *fields = json_object();
    json_object_set_new(fields, "message", json_string(msg));
    free(msg);
    pv_event(level, "log", fields);
}

void pv_human(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = pv_xvasprintf(fmt, ap);
    va_end(ap);
    char *line = pv_redact_secrets(msg);
    free(msg);
    pthread_mutex_lock(&out_lock);
    fputs(line, stderr);
    fputc('\n', stderr);
    fflush(stderr);
    pthread_mutex_unlock(&out_lock);
    free(line);
}
