/* Unit tests for src/obs: events, levels, value hints, secret scrubbing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "obs/log.h"
#include "obs/redact.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

static void test_hint_vectors(void **state)
{
    (void)state;
    char hint[PV_HINT_MAX];
    pv_value_hint("john@acme.com", 13, hint);
    assert_string_equal(hint, "***len=13:ff811cac");
    pv_value_hint("123-45-6789", 11, hint);
    assert_string_equal(hint, "***len=11:885d8d63");
    pv_value_hint("", 0, hint);
    assert_string_equal(hint, "***");
    pv_value_hint(NULL, 0, hint);
    assert_string_equal(hint, "***");
}

static void test_hint_counts_code_points_and_hides_prefix(void **state)
{
    (void)state;
    char hint[PV_HINT_MAX];
    pv_value_hint("Zoë Ångström", strlen("Zoë Ångström"), hint);
    assert_true(strncmp(hint, "***len=12:", 10) == 0);
    assert_null(strstr(hint, "Zo"));
}

static void test_event_envelope(void **state)
{
    (void)state;
    pv_log_init(PV_STREAM_EVENTS, PV_LOG_INFO);
    pv_log_set_run_id("019eaca5-0000-7000-8000-000000000000");
    json_t *fields = json_object();
    json_object_set_new(fields, "schema_name", json_string("public"));
    json_object_set_new(fields, "rows_processed", json_integer(10));
    char *line = pv_event_render(PV_LOG_INFO, "table.end", fields);
    assert_non_null(line);
    regex_t re;
    assert_int_equal(regcomp(&re,
                             "^\\{\"timestamp\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
                             "[0-9]{2}\\.[0-9]{6}\\+00:00\",\"level\":\"info\",\"event\":"
                             "\"table\\.end\",\"run_id\":\"019eaca5-0000-7000-8000-000000000000\","
                             "\"schema_name\":\"public\",\"rows_processed\":10\\}$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    assert_int_equal(regexec(&re, line, 0, NULL, 0), 0);
    regfree(&re);
    free(line);
    pv_log_set_run_id(NULL);
}

static void test_event_hints_fields_off_the_allowlist(void **state)
{
    (void)state;
    pv_log_init(PV_STREAM_EVENTS, PV_LOG_INFO);
    json_t *fields = json_object();
    json_object_set_new(fields, "email", json_string("john@acme.com"));
    json_object_set_new(fields, "table_name", json_string("users"));
    json_object_set_new(fields, "ok", json_true());
    char *line = pv_event_render(PV_LOG_INFO, "log", fields);
    assert_null(strstr(line, "john@acme.com"));
    assert_non_null(strstr(line, "\"email\":\"***len=13:ff811cac\""));
    assert_non_null(strstr(line, "\"table_name\":\"users\""));
    assert_non_null(strstr(line, "\"ok\":true"));
    free(line);
}

static void test_message_follows_envelope(void **state)
{
    (void)state;
    pv_log_init(PV_STREAM_EVENTS, PV_LOG_DEBUG);
    json_t *fields = json_object();
    json_object_set_new(fields, "attempt", json_integer(2));
    json_object_set_new(fields, "message", json_string("retrying"));
    char *line = pv_event_render(PV_LOG_WARNING, "log", fields);
    assert_non_null(strstr(line, "\"event\":\"log\",\"message\":\"retrying\",\"attempt\":2}"));
    free(line);
}

static void test_levels_filter(void **state)
{
    (void)state;
    pv_log_init(PV_STREAM_EVENTS, PV_LOG_WARNING);
    assert_null(pv_event_render(PV_LOG_INFO, "run.start", NULL));
    char *line = pv_event_render(PV_LOG_ERROR, "error", NULL);
    assert_non_null(line);
    free(line);
    /* Document commands emit events only at debug level. */
    pv_log_init(PV_STREAM_DOCUMENT, PV_LOG_INFO);
    assert_null(pv_event_render(PV_LOG_ERROR, "error", NULL));
    pv_log_init(PV_STREAM_DOCUMENT, PV_LOG_DEBUG);
    line = pv_event_render(PV_LOG_INFO, "log", NULL);
    assert_non_null(line);
    free(line);
}

static void test_level_names(void **state)
{
    (void)state;
    pv_log_level level;
    assert_true(pv_log_level_parse("DEBUG", &level));
    assert_int_equal(level, PV_LOG_DEBUG);
    assert_true(pv_log_level_parse("Warning", &level));
    assert_int_equal(level, PV_LOG_WARNING);
    assert_false(pv_log_level_parse("verbose", &level));
}

static void test_events_scrub_registered_secrets(void **state)
{
    (void)state;
    pv_log_init(PV_STREAM_EVENTS, PV_LOG_INFO);
    pv_redact_register("s3cr3t-salt-value-that-is-long-enough");
    json_t *fields = json_object();
    json_object_set_new(fields, "message",
                        json_string("oops s3cr3t-salt-value-that-is-long-enough leaked"));
    char *line = pv_event_render(PV_LOG_INFO, "log", fields);
    assert_null(strstr(line, "s3cr3t"));
    assert_non_null(strstr(line, "oops <redacted> leaked"));
    free(line);
    pv_redact_clear();
}

static void test_no_ansi_bytes(void **state)
{
    (void)state;
    pv_log_init(PV_STREAM_EVENTS, PV_LOG_INFO);
    json_t *fields = json_object();
    json_object_set_new(fields, "message", json_string("\x1b[31mred\x1b[0m"));
    char *line = pv_event_render(PV_LOG_INFO, "log", fields);
    assert_null(strchr(line, '\x1b'));
    free(line);
}

static void test_db_url_display_form(void **state)
{
    (void)state;
    char *s = pv_redact_db_url("postgresql://app:pw@db.example:5432/prod?sslmode=require");
    assert_string_equal(s, "postgresql://app@db.example:5432/prod?sslmode=require");
    free(s);
    s = pv_redact_db_url("host=/tmp port=5 password='a b' user=x");
    assert_null(strstr(s, "a b"));
    assert_null(strstr(s, "password"));
    free(s);
    s = pv_redact_reference("env://SALT");
    assert_string_equal(s, "env://<redacted>");
    free(s);
    s = pv_redact_reference("plain-literal");
    assert_string_equal(s, "<literal>");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hint_vectors),
        cmocka_unit_test(test_hint_counts_code_points_and_hides_prefix),
        cmocka_unit_test(test_event_envelope),
        cmocka_unit_test(test_event_hints_fields_off_the_allowlist),
        cmocka_unit_test(test_message_follows_envelope),
        cmocka_unit_test(test_levels_filter),
        cmocka_unit_test(test_level_names),
        cmocka_unit_test(test_events_scrub_registered_secrets),
        cmocka_unit_test(test_no_ansi_bytes),
        cmocka_unit_test(test_db_url_display_form),
    };
    return cmocka_run_group_tests_name("obs", tests, NULL, NULL);
}
