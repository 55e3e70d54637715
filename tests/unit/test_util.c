/* Unit tests for src/util: strbuf, hashing, the error value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "obs/redact.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static void test_strbuf_grows_and_formats(void **state)
{
    (void)state;
    pv_strbuf sb = PV_STRBUF_INIT;
    for (int i = 0; i < 1000; i++)
        pv_strbuf_appendf(&sb, "%d,", i);
    assert_int_equal(sb.len, strlen(sb.data));
    assert_true(strncmp(sb.data, "0,1,2,", 6) == 0);
    pv_strbuf_reset(&sb);
    assert_string_equal(sb.data, "");
    pv_strbuf_append_len(&sb, "abc", 2);
    pv_strbuf_append_char(&sb, '!');
    char *s = pv_strbuf_take(&sb);
    assert_string_equal(s, "ab!");
    assert_null(sb.data);
    free(s);
    s = pv_strbuf_take(&sb);
    assert_string_equal(s, "");
    free(s);
}

static void test_sha256_hex_known_vector(void **state)
{
    (void)state;
    char hex[65];
    pv_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    pv_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_random_bytes_differ(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    assert_int_equal(pv_random_bytes(a, sizeof(a)), 0);
    assert_int_equal(pv_random_bytes(b, sizeof(b)), 0);
    assert_memory_not_equal(a, b, sizeof(a));
}

static void test_error_render_has_four_lines_and_anchor(void **state)
{
    (void)state;
    pv_error *err = pv_error_new(PV_EXIT_CONFIG, "Loading x.yaml", "Fix it.", "Broken %d.", 3);
    char *text = pv_error_render(err);
    assert_string_equal(text, "Context: Loading x.yaml\nCause: Broken 3.\nRemediation: Fix it.\n"
                              "See: docs/error-codes.md#exit-code-3-config-validation-failure\n");
    free(text);
    pv_error_free(err);
}

static void test_error_anchor_per_exit_code(void **state)
{
    (void)state;
    assert_string_equal(pv_error_anchor(1), "exit-code-1-generic-error");
    assert_string_equal(pv_error_anchor(2), "exit-code-2-pre-flight-failure");
    assert_string_equal(pv_error_anchor(3), "exit-code-3-config-validation-failure");
    assert_string_equal(pv_error_anchor(4), "exit-code-4-missing-or-invalid-salt");
    assert_string_equal(pv_error_anchor(5), "exit-code-5-license-entitlement-failure");
    assert_string_equal(pv_error_anchor(6), "exit-code-6-drift-detected");
    assert_string_equal(pv_error_anchor(130), "exit-code-130-interrupted-by-signal");
}

static void test_error_render_scrubs_secrets(void **state)
{
    (void)state;
    pv_redact_register("hunter2-secret");
    pv_error *err = pv_error_new(PV_EXIT_PREFLIGHT, "Connecting with hunter2-secret", "Retry.",
                                 "password hunter2-secret rejected");
    pv_redact_register("x");
    char *text = pv_error_render(err);
    assert_null(strstr(text, "hunter2"));
    assert_non_null(strstr(text, "Connecting with <redacted>"));
    /* A one-character secret is scrubbed from the texts too, while the fixed
     * labels and the docs link stay intact. */
    assert_non_null(strstr(text, "Cause: password <redacted> rejected\n"));
    assert_non_null(strstr(text, "Remediation: Retry.\n"));
    assert_non_null(strstr(text, "See: docs/error-codes.md#exit-code-2-pre-flight-failure\n"));
    free(text);
    pv_error_free(err);
    pv_redact_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strbuf_grows_and_formats),
        cmocka_unit_test(test_sha256_hex_known_vector),
        cmocka_unit_test(test_random_bytes_differ),
        cmocka_unit_test(test_error_render_has_four_lines_and_anchor),
        cmocka_unit_test(test_error_anchor_per_exit_code),
        cmocka_unit_test(test_error_render_scrubs_secrets),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
