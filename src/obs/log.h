/*
 * log.h — JSON-lines events and log levels (spec/observability.md).
 *
 * Event-stream commands (run, resume, dry-run) write events to stdout, one
 * JSON object per line. Document commands keep stdout for their own output;
 * their events go to stderr, and only at debug level. Every line passes
 * through the secret scrubber, and string fields not on the structural
 * allowlist are replaced by their value hint (§5.1).
 */
#ifndef PRIVACI_OBS_LOG_H
#define PRIVACI_OBS_LOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

typedef enum {
    PV_LOG_DEBUG = 10,
    PV_LOG_INFO = 20,
    PV_LOG_WARNING = 30,
    PV_LOG_ERROR = 40,
} pv_log_level;

typedef enum {
    PV_STREAM_DOCUMENT, /* events to stderr, debug only */
    PV_STREAM_EVENTS,   /* events to stdout */
} pv_stream_mode;

/* Parses a level name (case-insensitive); returns false when unknown. */
bool pv_log_level_parse(const char *name, pv_log_level *out);
const char *pv_log_level_name(pv_log_level level);

void pv_log_init(pv_stream_mode mode, pv_log_level level);
pv_log_level pv_log_get_level(void);
/* Redirects event output (tests); NULL restores the default stream. */
void pv_log_set_output(FILE *out);
/* Every later event carries this run id (NULL clears it). */
void pv_log_set_run_id(const char *run_id);

/*
 * Emits one event. `fields` (a JSON object, may be NULL) is consumed
 * (its reference is stolen). Below the configured level nothing is written.
 */
void pv_event(pv_log_level level, const char *event, json_t *fields);
/* A `log` event with a free message. */
void pv_log(pv_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Builds the line pv_event would write (without the newline); exposed for
 * tests. Returns NULL when the level filters it out. Caller frees.
 */
char *pv_event_render(pv_log_level level, const char *event, json_t *fields);

/* True when `name` is on the structural allowlist of §5.1. */
bool pv_field_allowlisted(const char *name);

/* Human lines for stderr ("Warning: …"), scrubbed of secrets. */
void pv_human(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
