/* Unit tests for src/util: strbuf, hashing, the error value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "obs/redact.h"
#include "util/base64.h"
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

/* ------------------------------------------------------------- base64url */

static void test_base64url_lengths(void **state)
{
    (void)state;
    const char *want[] = {"", "AA", "AAE", "AAEC", "AAECAw"};
    const uint8_t in[] = {0, 1, 2, 3};
    for (size_t n = 0; n < 5; n++) {
        pv_buf b = PV_BUF_INIT;
        pv_buf_base64url(&b, in, n);
        pv_buf_terminate(&b);
        assert_string_equal((const char *)b.data, want[n]);
        pv_buf_free(&b);
    }
}

static void test_base64url_round_trip(void **state)
{
    (void)state;
    uint8_t in[256];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)(255 - i);
    for (size_t n = 0; n <= sizeof(in); n++) {
        pv_buf text = PV_BUF_INIT, back = PV_BUF_INIT;
        pv_buf_base64url(&text, in, n);
        assert_int_equal(text.len, (4 * n + 2) / 3);
        pv_buf_putc(&back, 'x'); /* decoding appends */
        assert_true(pv_buf_base64url_decode(&back, (const char *)text.data, text.len));
        assert_int_equal(back.len, n + 1);
        assert_int_equal(back.data[0], 'x');
        if (n)
            assert_memory_equal(back.data + 1, in, n);
        pv_buf_free(&text);
        pv_buf_free(&back);
    }
    /* Both URL-safe characters, and the RFC 4648 test vector. */
    pv_buf b = PV_BUF_INIT;
    assert_true(pv_buf_base64url_decode(&b, "-_8", 3));
    assert_int_equal(b.len, 2);
    assert_int_equal(b.data[0], 0xfb);
    assert_int_equal(b.data[1], 0xff);
    pv_buf_reset(&b);
    assert_true(pv_buf_base64url_decode(&b, "Zm9vYmFy", 8));
    assert_memory_equal(b.data, "foobar", 6);
    pv_buf_free(&b);
}

static void test_base64url_decode_is_strict(void **state)
{
    (void)state;
    const char *bad[] = {
        "A",      /* 4k+1 characters */
        "AAAAA",  /* 4k+1 characters */
        "AA==",   /* padding */
        "AA=",    /* padding */
        "+/8",    /* the standard alphabet */
        "AA A",   /* whitespace */
        "AB",     /* non-zero unused bits (canonical: "AA") */
        "AAF",    /* non-zero unused bits (canonical: "AAE") */
        "Zm9v\n", /* a control character */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pv_buf b = PV_BUF_INIT;
        pv_buf_puts(&b, "keep");
        assert_false(pv_buf_base64url_decode(&b, bad[i], strlen(bad[i])));
        assert_int_equal(b.len, 4); /* nothing appended */
        pv_buf_free(&b);
    }
    /* A NUL inside the given length is not a character of the alphabet. */
    pv_buf b = PV_BUF_INIT;
    assert_false(pv_buf_base64url_decode(&b, "AA\0A", 4));
    assert_true(pv_buf_base64url_decode(&b, "", 0));
    assert_int_equal(b.len, 0);
    pv_buf_free(&b);
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
        cmocka_unit_test(test_base64url_lengths),
        cmocka_unit_test(test_base64url_round_trip),
        cmocka_unit_test(test_base64url_decode_is_strict),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
