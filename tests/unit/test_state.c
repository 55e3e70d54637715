/*
 * Unit tests for src/state: UUIDv7 layout and ordering, the fingerprints of
 * state.md §3 (with the spec's vectors), audit levels and the payload
 * allowlist, status names, the version gate text, and the sealed checkpoint
 * cursors of streaming.md §6.1.
 *
 * The same executable has a "probe" mode that tests/integration/
 * test_state.py drives against a real PostgreSQL target (DDL, idempotence,
 * version gate, run lock, run rows, checkpoints, audit rows):
 *     test_state probe <action> <conninfo> [args…]
 * It prints results as JSON lines on stdout and errors as the C/C/R block
 * on stderr, exiting with the error's code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "catalog/pgconn.h"
#include "obs/log.h"
#include "secrets/secrets.h"
#include "state/cursor.h"
#include "state/fingerprint.h"
#include "state/state.h"
#include "state/uuid7.h"
#include "util/base64.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------- UUIDv7 */

static const uint8_t ZERO_RANDOM[10] = {0};
static const uint8_t FF_RANDOM[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void test_uuid7_layout(void **state)
{
    (void)state;
    pv_uuid7_state st = {0};
    uint8_t id[PV_UUID_LEN];
    uint64_t ms = 0x0123456789abull;
    pv_uuid7_next(&st, ms, FF_RANDOM, id);
    /* 48-bit big-endian milliseconds. */
    assert_int_equal(id[0], 0x01);
    assert_int_equal(id[1], 0x23);
    assert_int_equal(id[5], 0xab);
    /* Version 0111 in the high nibble of byte 6. */
    assert_int_equal(id[6] >> 4, 0x7);
    /* Variant 10 in the top bits of byte 8; the other 62 bits random. */
    assert_int_equal(id[8] >> 6, 0x2);
    assert_int_equal(id[8] & 0x3f, 0x3f);
    assert_int_equal(id[15], 0xff);
    /* A fresh millisecond seeds the counter with its top bit clear. */
    assert_int_equal(((id[6] & 0x0f) << 8 | id[7]) & 0x800, 0);

    char text[PV_UUID_TEXT_LEN];
    pv_uuid_format(id, text);
    assert_int_equal(strlen(text), 36);
    assert_memory_equal(text, "01234567-89ab-77ff-bfff-ffffffffffff", 36);
}

static void test_uuid7_monotonic_within_a_millisecond(void **state)
{
    (void)state;
    pv_uuid7_state st = {0};
    uint8_t prev[PV_UUID_LEN], next[PV_UUID_LEN];
    pv_uuid7_next(&st, 1000, FF_RANDOM, prev);
    for (int i = 0; i < 5000; i++) {
        /* Random bits going down must not break the order: the counter decides. */
        pv_uuid7_next(&st, 1000, ZERO_RANDOM, next);
        assert_true(memcmp(prev, next, PV_UUID_LEN) < 0);
        assert_int_equal(next[6] >> 4, 0x7);
        assert_int_equal(next[8] >> 6, 0x2);
        memcpy(prev, next, PV_UUID_LEN);
    }
    /* 5000 ids in one millisecond exhausted the 12-bit counter: time was borrowed. */
    assert_true(st.last_ms > 1000);
}

static void test_uuid7_clock_step_back_keeps_order(void **state)
{
    (void)state;
    pv_uuid7_state st = {0};
    uint8_t a[PV_UUID_LEN], b[PV_UUID_LEN], c[PV_UUID_LEN];
    pv_uuid7_next(&st, 5000, ZERO_RANDOM, a);
    pv_uuid7_next(&st, 4000, FF_RANDOM, b); /* the wall clock went back */
    assert_true(memcmp(a, b, PV_UUID_LEN) < 0);
    pv_uuid7_next(&st, 6000, ZERO_RANDOM, c);
    assert_true(memcmp(b, c, PV_UUID_LEN) < 0);
    assert_int_equal(st.last_ms, 6000);
}

static void test_uuid7_generate_sorts_by_creation(void **state)
{
    (void)state;
    char prev[PV_UUID_TEXT_LEN], next[PV_UUID_TEXT_LEN];
    assert_int_equal(pv_uuid7_generate(prev), 0);
    for (int i = 0; i < 20000; i++) {
        assert_int_equal(pv_uuid7_generate(next), 0);
        assert_true(strcmp(prev, next) < 0);
        assert_int_equal(next[14], '7');
        assert_non_null(strchr("89ab", next[19]));
        memcpy(prev, next, sizeof(prev));
    }
}

/* -------------------------------------------------------- fingerprints */

static void assert_source_hash(const char *url, const char *expected)
{
    char out[PV_HASH_HEX_LEN];
    pv_source_db_hash(url, NULL, out);
    assert_string_equal(out, expected);
}

static void test_source_db_hash_vectors(void **state)
{
    (void)state;
    const char *app = "e28b4cc86adca2c648a354d551efd1c135a87ad7d3cf9f76091efffe840d3a8a";
    assert_source_hash("postgresql://user:pw@DB.Example.com:5432/app", app);
    assert_source_hash("postgresql://user:pw@db.example.com/app", app);
    assert_source_hash("postgres://db.example.com:6543/app%20x?sslmode=require",
                       "baeccccd894a399490f721f7abc47a789dbbfdeb69eabed4ee977d4761dd87bb");
}

static void assert_identity(const char *url, const char *host, const char *port, const char *db)
{
    pv_db_identity id = {0};
    assert_true(pv_db_identity_from_uri(url, &id));
    assert_string_equal(id.host, host);
    assert_string_equal(id.port, port);
    assert_string_equal(id.dbname, db);
    pv_db_identity_free(&id);
}

static void test_source_identity_uri_forms(void **state)
{
    (void)state;
    assert_identity("postgresql://u@[2001:DB8::1]:6000/x", "2001:db8::1", "6000", "x");
    assert_identity("postgresql://[::1]/x", "::1", "5432", "x");
    assert_identity("postgresql://h1:5433,h2:5434/db", "h1", "5433", "db");
    assert_identity("postgresql://h1,h2:5434/db", "h1", "5432", "db");
    assert_identity("postgresql://us%40r:p@ss@Host/db#frag", "host", "5432", "db");
    assert_identity("postgresql://host", "host", "5432", "");
    assert_identity("POSTGRES://Host:1/a%2Fb", "host", "1", "a/b");

    pv_db_identity id = {0};
    /* No host in the authority, or not a URI: the connection decides (§3). */
    assert_false(pv_db_identity_from_uri("postgresql:///db", &id));
    assert_false(pv_db_identity_from_uri("postgresql://user@/db?host=/sock&port=5433", &id));
    assert_false(pv_db_identity_from_uri("host=db.example.com dbname=app", &id));
    assert_null(id.host);
}

static void test_salt_fingerprint_vector(void **state)
{
    (void)state;
    char out[17];
    pv_salt_fingerprint("test-salt-0123456789abcdef0123456789abcdef", out);
    assert_string_equal(out, "b84df9f3a6e624b3");
}

/* --------------------------------------------------------------- misc */

static void test_version_gate(void **state)
{
    (void)state;
    assert_null(pv_state_check_version(0));
    assert_null(pv_state_check_version(1));
    pv_error *err = pv_state_check_version(2);
    assert_non_null(err);
    assert_int_equal(err->exit_code, PV_EXIT_PREFLIGHT);
    assert_string_equal(err->context, "Verifying the _privaci state schema version");
    assert_string_equal(err->cause,
                        "target was initialized by a newer engine (schema v2 > supported v1).");
    assert_string_equal(err->remediation, "Pin to the matching engine version or run migrations.");
    pv_error_free(err);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(pv_run_status_name(PV_RUN_IN_PROGRESS), "in_progress");
    assert_string_equal(pv_run_status_name(PV_RUN_SUCCEEDED), "succeeded");
    assert_string_equal(pv_run_status_name(PV_RUN_FAILED), "failed");
    assert_string_equal(pv_run_status_name(PV_RUN_INTERRUPTED), "interrupted");
    assert_string_equal(pv_checkpoint_status_name(PV_CKPT_PENDING), "pending");
    assert_string_equal(pv_checkpoint_status_name(PV_CKPT_IN_PROGRESS), "in_progress");
    assert_string_equal(pv_checkpoint_status_name(PV_CKPT_DONE), "done");
    assert_string_equal(pv_checkpoint_status_name(PV_CKPT_FAILED), "failed");
}

static void test_audit_levels(void **state)
{
    (void)state;
    assert_string_equal(pv_audit_level("column.masked"), "info");
    assert_string_equal(pv_audit_level("column.pii_detected"), "info");
    assert_string_equal(pv_audit_level("polymorphic_fk_warning"), "warning");
    assert_string_equal(pv_audit_level("implied_fk_warning"), "warning");
    assert_string_equal(pv_audit_level("binary_fallback"), "warning");
    assert_string_equal(pv_audit_level("warning"), "warning");
    assert_string_equal(pv_audit_level("table.failed"), "error");
    assert_string_equal(pv_audit_level("something.new"), "info");
}

static void test_audit_payload_allowlist(void **state)
{
    (void)state;
    json_t *ok =
        json_pack("{s:s, s:s, s:i}", "action", "fake", "provider", "email", "rows_affected", 10);
    assert_true(pv_audit_payload_allowed(ok));
    assert_true(pv_audit_payload_allowed(NULL));
    json_t *failed = json_pack("{s:s, s:s, s:i, s:i, s:s, s:s}", "phase", "write", "column",
                               "public.users.email", "batch", 3, "rows_processed", 20000,
                               "sqlstate", "23505", "error", "unique_violation");
    assert_true(pv_audit_payload_allowed(failed));
    /* A column→value map, or anything else off the §6 key list, is refused. */
    json_t *leak = json_pack("{s:s}", "email", "someone@example.com");
    assert_false(pv_audit_payload_allowed(leak));
    json_t *value = json_pack("{s:s, s:s}", "action", "fake", "value", "x");
    assert_false(pv_audit_payload_allowed(value));
    json_t *array = json_array();
    assert_false(pv_audit_payload_allowed(array));
    json_decref(ok);
    json_decref(failed);
    json_decref(leak);
    json_decref(value);
    json_decref(array);
}

static void test_audit_disabled_writes_nothing(void **state)
{
    (void)state;
    pv_audit_log log;
    pv_audit_log_init(&log, "01234567-89ab-7000-8000-000000000000", false);
    json_t *leak = json_pack("{s:s}", "email", "x");
    /* Disabled: not even the connection is touched (it is NULL here). */
    assert_null(pv_state_audit(NULL, &log, "column.masked", "public", "users", NULL, leak));
    json_decref(leak);
}

/* --------------------------------------------- sealed cursors (streaming §6.1) */

static const char CURSOR_SALT[] = "test-salt-0123456789abcdef0123456789abcdef";

/* Cursors as PostgreSQL prints keys: integers, text with quotes and
 * backslashes, timestamps, UUIDs, numerics, the empty string, multibyte. */
static const char *const CURSORS[] = {
    "1",
    "-9223372036854775808",
    "alice@example.com",
    "O'Brien \\ \"quoted\" ",
    "2024-01-01 10:00:00+00",
    "6f1c2b1e-0000-4000-8000-000000000001",
    "12345678901234567890.000000001",
    "",
    "Zoë Ünïcødé 東京 🚀",
};

/* "enc1:" + base64url(12 + len + 16 bytes), and nothing else. */
static void assert_sealed_shape(const char *sealed, size_t clear_len)
{
    assert_int_equal(strncmp(sealed, "enc1:", 5), 0);
    size_t raw = PV_CURSOR_NONCE_LEN + clear_len + PV_CURSOR_TAG_LEN;
    assert_int_equal(strlen(sealed), 5 + (4 * raw + 2) / 3);
    for (const char *p = sealed + 5; *p; p++)
        assert_non_null(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
}

static void test_cursor_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(CURSORS) / sizeof(CURSORS[0]); i++) {
        char *sealed = pv_cursor_seal(CURSORS[i], CURSOR_SALT);
        assert_sealed_shape(sealed, strlen(CURSORS[i]));
        char *clear = (char *)"untouched";
        assert_true(pv_cursor_unseal(sealed, CURSOR_SALT, &clear));
        assert_string_equal(clear, CURSORS[i]);
        free(clear);
        free(sealed);
    }
}

/* Vectors sealed by an independent implementation (Python `cryptography`,
 * AESGCM with K = HMAC-SHA256(salt, "privaci-checkpoint-cursor-v1")) with
 * fixed nonces: the stored format is the spec's, not just self-consistent. */
static void test_cursor_opens_independent_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *stored, *clear;
    } v[] = {
        {"enc1:AAECAwQFBgcICQoLYdH0DeTDGrCXrzDUOSstrvAKhTxEq7e6cVjKllaJAoDb", "alice@example.com"},
        {"enc1:________________EBAFmMEJZYmrj7zPSdZM9w", ""},
        {"enc1:ZGVmZ2hpamtsbW5vnMF18hj5AI3f8_QauXVO61p7y0t8j7ESr-i3qTkozAc", "Zoë 東京 🚀"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char *clear = NULL;
        assert_true(pv_cursor_unseal(v[i].stored, CURSOR_SALT, &clear));
        assert_string_equal(clear, v[i].clear);
        free(clear);
    }
}

static void test_cursor_seals_differ_but_both_open(void **state)
{
    (void)state;
    char *a = pv_cursor_seal("42", CURSOR_SALT), *b = pv_cursor_seal("42", CURSOR_SALT);
    assert_string_not_equal(a, b);
    /* The nonce (the first 12 bytes = 16 characters) is what differs. */
    assert_memory_not_equal(a + 5, b + 5, 16);
    char *ca = NULL, *cb = NULL;
    assert_true(pv_cursor_unseal(a, CURSOR_SALT, &ca));
    assert_true(pv_cursor_unseal(b, CURSOR_SALT, &cb));
    assert_string_equal(ca, "42");
    assert_string_equal(cb, "42");
    free(ca);
    free(cb);
    free(a);
    free(b);
}

/* Re-encodes `raw` as a stored cursor. */
static char *reseal_raw(const pv_buf *raw)
{
    pv_buf out = PV_BUF_INIT;
    pv_buf_puts(&out, "enc1:");
    pv_buf_base64url(&out, raw->data, raw->len);
    pv_buf_terminate(&out);
    return (char *)out.data;
}

static void assert_does_not_open(const char *stored, const char *salt)
{
    char *clear = (char *)"untouched";
    assert_false(pv_cursor_unseal(stored, salt, &clear));
    assert_null(clear);
}

static void test_cursor_tampering_fails(void **state)
{
    (void)state;
    const char *clear = "alice@example.com";
    char *sealed = pv_cursor_seal(clear, CURSOR_SALT);
    pv_buf raw = PV_BUF_INIT;
    assert_true(pv_buf_base64url_decode(&raw, sealed + 5, strlen(sealed + 5)));
    assert_int_equal(raw.len, PV_CURSOR_NONCE_LEN + strlen(clear) + PV_CURSOR_TAG_LEN);
    /* Every bit of nonce, ciphertext and tag is covered. */
    for (size_t i = 0; i < raw.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            raw.data[i] ^= (uint8_t)(1u << bit);
            char *bad = reseal_raw(&raw);
            assert_does_not_open(bad, CURSOR_SALT);
            free(bad);
            raw.data[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* A byte dropped or added anywhere: the nonce, the ciphertext, the tag. */
    size_t positions[] = {0, PV_CURSOR_NONCE_LEN, PV_CURSOR_NONCE_LEN + 3, raw.len - 1};
    for (size_t p = 0; p < sizeof(positions) / sizeof(positions[0]); p++) {
        pv_buf shorter = PV_BUF_INIT, longer = PV_BUF_INIT;
        pv_buf_put(&shorter, raw.data, positions[p]);
        pv_buf_put(&shorter, raw.data + positions[p] + 1, raw.len - positions[p] - 1);
        pv_buf_put(&longer, raw.data, positions[p]);
        pv_buf_putc(&longer, 0);
        pv_buf_put(&longer, raw.data + positions[p], raw.len - positions[p]);
        char *a = reseal_raw(&shorter), *b = reseal_raw(&longer);
        assert_does_not_open(a, CURSOR_SALT);
        assert_does_not_open(b, CURSOR_SALT);
        free(a);
        free(b);
        pv_buf_free(&shorter);
        pv_buf_free(&longer);
    }
    /* The untouched bytes still open: the failures above were the changes. */
    char *same = reseal_raw(&raw), *back = NULL;
    assert_true(pv_cursor_unseal(same, CURSOR_SALT, &back));
    assert_string_equal(back, clear);
    free(back);
    free(same);
    /* Nonce and tag swapped between two seals of the same cursor. */
    char *other = pv_cursor_seal(clear, CURSOR_SALT);
    pv_buf raw2 = PV_BUF_INIT;
    assert_true(pv_buf_base64url_decode(&raw2, other + 5, strlen(other + 5)));
    memcpy(raw2.data, raw.data, PV_CURSOR_NONCE_LEN);
    char *mixed = reseal_raw(&raw2);
    assert_does_not_open(mixed, CURSOR_SALT);
    free(mixed);
    pv_buf_free(&raw2);
    free(other);
    pv_buf_free(&raw);
    free(sealed);
}

static void test_cursor_wrong_salt_fails(void **state)
{
    (void)state;
    char *sealed = pv_cursor_seal("12345", CURSOR_SALT);
    assert_does_not_open(sealed, "test-salt-0123456789abcdef0123456789abcdeF");
    assert_does_not_open(sealed, "test-salt-0123456789abcdef0123456789abcde");
    assert_does_not_open(sealed, "test-salt-0123456789abcdef0123456789abcdef ");
    assert_does_not_open(sealed, "");
    free(sealed);
    /* The empty cursor is authenticated too. */
    sealed = pv_cursor_seal("", CURSOR_SALT);
    assert_does_not_open(sealed, "another salt");
    free(sealed);
}

static void test_cursor_rejects_other_texts(void **state)
{
    (void)state;
    char *sealed = pv_cursor_seal("7", CURSOR_SALT);
    const char *payload = sealed + 5;
    char *enc2 = pv_xasprintf("enc2:%s", payload), *upper = pv_xasprintf("ENC1:%s", payload),
         *bare = pv_xstrdup(payload), *spaced = pv_xasprintf(" %s", sealed),
         *padded = pv_xasprintf("%s=", sealed), *newline = pv_xasprintf("%s\n", sealed),
         *std = pv_xstrdup(sealed);
    for (char *p = std + 5; *p; p++) /* the standard base64 alphabet instead */
        *p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
    const char *bad[] = {
        "",
        "42",
        "b'\\x01'",
        "enc1",
        "enc1:",
        "enc1:AAAA",
        /* 27 bytes: one short of nonce and tag */
        "enc1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "enc1:!!!!",
        enc2,
        upper,
        bare,
        spaced,
        padded,
        newline,
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_does_not_open(bad[i], CURSOR_SALT);
    if (strcmp(std, sealed) != 0)
        assert_does_not_open(std, CURSOR_SALT);
    char *clear = (char *)"untouched";
    assert_false(pv_cursor_unseal(NULL, CURSOR_SALT, &clear));
    assert_null(clear);
    /* 28 bytes (an empty cursor's length) of zeros: the right length, no valid tag. */
    assert_does_not_open("enc1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", CURSOR_SALT);
    free(enc2);
    free(upper);
    free(bare);
    free(spaced);
    free(padded);
    free(newline);
    free(std);
    free(sealed);
}

static void test_cursor_stored_text_hides_the_value(void **state)
{
    (void)state;
    const char *values[] = {"alice@example.com", "123-45-6789", "ssn:123456789",
                            "6f1c2b1e-0000-4000-8000-000000000001", "enc1:not-a-cursor"};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        for (int k = 0; k < 16; k++) {
            char *sealed = pv_cursor_seal(values[i], CURSOR_SALT);
            assert_null(strstr(sealed, values[i]));
            assert_null(strstr(sealed, CURSOR_SALT));
            /* Nor its base64url, which an encoding without encryption would hold. */
            pv_buf b64 = PV_BUF_INIT;
            pv_buf_base64url(&b64, (const uint8_t *)values[i], strlen(values[i]));
            pv_buf_terminate(&b64);
            assert_null(strstr(sealed, (const char *)b64.data));
            pv_buf_free(&b64);
            free(sealed);
        }
    }
}

/* ============================================================ probe */

static int print_failure(pv_error *err)
{
    int code = err->exit_code;
    pv_error_print(err, stderr);
    pv_error_free(err);
    return code;
}

static PGconn *probe_connect(const char *conninfo)
{
    PGconn *conn = NULL;
    pv_error *err = pv_pg_connect(PV_PG_TARGET, conninfo, &conn);
    if (err) {
        print_failure(err);
        exit(2);
    }
    return conn;
}

/* Prints {"step": name, "ok": bool[, "exit_code", "context", "cause"]}. */
static void report_step(const char *step, pv_error *err)
{
    json_t *line = json_object();
    json_object_set_new(line, "step", json_string(step));
    json_object_set_new(line, "ok", json_boolean(err == NULL));
    if (err) {
        json_object_set_new(line, "exit_code", json_integer(err->exit_code));
        json_object_set_new(line, "context", json_string(err->context));
        json_object_set_new(line, "cause", json_string(err->cause));
        pv_error_free(err);
    }
    char *text = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
    puts(text);
    fflush(stdout);
    free(text);
    json_decref(line);
}

static void report_value(const char *step, const char *key, const char *value)
{
    json_t *line = json_pack("{s:s, s:s}", "step", step, key, value);
    char *text = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
    puts(text);
    fflush(stdout);
    free(text);
    json_decref(line);
}

static int probe_ensure(PGconn *conn, int argc, char **argv)
{
    pv_error *err = pv_state_ensure_schema(conn, argc > 0 ? argv[0] : "0.1.0");
    return err ? print_failure(err) : 0;
}

static int probe_version(PGconn *conn)
{
    int version = 0;
    pv_error *err = pv_state_read_version(conn, &version);
    if (err)
        return print_failure(err);
    printf("%d\n", version);
    return 0;
}

/* lock <wait seconds> [hold seconds]: takes the lock, says so, holds it a while. */
static int probe_lock(PGconn *conn, int argc, char **argv)
{
    pv_error *err = pv_state_lock_acquire(conn, argc > 0 ? atoi(argv[0]) : 0);
    if (err)
        return print_failure(err);
    puts("locked");
    fflush(stdout);
    if (argc > 1)
        sleep((unsigned)atoi(argv[1]));
    return 0;
}

/* Runs every write of a run's life; prints each step's outcome and the ids. */
static int probe_lifecycle(PGconn *conn, int argc, char **argv)
{
    bool audit = argc > 0 && strcmp(argv[0], "1") == 0;
    pv_error *err = pv_state_ensure_schema(conn, "0.1.0");
    if (err)
        return print_failure(err);
    pv_run_identity id = {
        "0.1.0", "95f1481b3f6f3ab971bd67632fdb2e423ee9b57ed2cd3f82edc2c57e826a52ae",
        "b84df9f3a6e624b3", "e28b4cc86adca2c648a354d551efd1c135a87ad7d3cf9f76091efffe840d3a8a"};
    json_t *plan =
        json_pack("{s:s, s:{s:{s:{s:{s:s}, s:s, s:n, s:b, s:b}}}}", "faker_library", "standard",
                  "tables", "public.users", "id", "action", "action", "passthrough", "source",
                  "default", "hash_path", "unique", 1, "fpe", 0);
    char run_id[PV_UUID_TEXT_LEN];
    err = pv_state_run_insert(conn, &id, "{\"tables\":{}}", plan, run_id);
    json_decref(plan);
    if (err)
        return print_failure(err);
    report_value("run_insert", "run_id", run_id);

    report_step("phase_pre_data", pv_state_run_set_phase(conn, run_id, "pre_data"));
    report_step("phase_data", pv_state_run_set_phase(conn, run_id, "data"));

    /* A §6.1 unit: start, two batches in their transactions, end. */
    report_step("ckpt_start", pv_state_checkpoint_upsert(conn, run_id, "public", "users",
                                                         PV_CKPT_IN_PROGRESS, NULL, 0));
    PQclear(PQexec(conn, "BEGIN"));
    report_step("ckpt_batch1", pv_state_checkpoint_upsert(conn, run_id, "public", "users",
                                                          PV_CKPT_IN_PROGRESS, "100", 100));
    PQclear(PQexec(conn, "COMMIT"));
    PQclear(PQexec(conn, "BEGIN"));
    report_step("ckpt_batch2", pv_state_checkpoint_upsert(conn, run_id, "public", "users",
                                                          PV_CKPT_IN_PROGRESS, "150", 50));
    PQclear(PQexec(conn, "COMMIT"));
    /* A rolled-back batch leaves the checkpoint as last committed. */
    PQclear(PQexec(conn, "BEGIN"));
    report_step("ckpt_batch3", pv_state_checkpoint_upsert(conn, run_id, "public", "users",
                                                          PV_CKPT_IN_PROGRESS, "999", 849));
    PQclear(PQexec(conn, "ROLLBACK"));
    report_step("ckpt_finalize", pv_state_checkpoint_finalize(conn, run_id, "public", "users", 0));
    /* A §6.2 unit: seed, then done with its total. */
    report_step("ckpt_seed_composite", pv_state_checkpoint_upsert(conn, run_id, "public", "pairs",
                                                                  PV_CKPT_IN_PROGRESS, NULL, 0));
    report_step("ckpt_finalize_composite",
                pv_state_checkpoint_finalize(conn, run_id, "public", "pairs", 7));
    /* An emptied table, a failed unit, and a finalize that matches nothing. */
    report_step("ckpt_empty", pv_state_checkpoint_upsert(conn, run_id, "public", "sessions",
                                                         PV_CKPT_DONE, NULL, 0));
    report_step("ckpt_fail_unstarted",
                pv_state_checkpoint_fail(conn, run_id, "public", "never_started"));
    report_step("ckpt_finalize_missing",
                pv_state_checkpoint_finalize(conn, run_id, "public", "nope", 0));

    pv_audit_log log;
    pv_audit_log_init(&log, run_id, audit);
    json_t *masked =
        json_pack("{s:s, s:s, s:i}", "action", "fake", "provider", "email", "rows_affected", 150);
    report_step("audit_masked",
                pv_state_audit(conn, &log, "column.masked", "public", "users", "email", masked));
    json_t *failed = json_pack("{s:s, s:s, s:i, s:i, s:s, s:s}", "phase", "write", "column",
                               "public.users.email", "batch", 2, "rows_processed", 100, "sqlstate",
                               "23505", "error", "unique_violation");
    report_step("audit_failed",
                pv_state_audit(conn, &log, "table.failed", "public", "users", "email", failed));
    json_t *warning = json_pack("{s:s, s:s}", "code", "never_analyzed", "message", "Table x");
    report_step("audit_warning",
                pv_state_audit(conn, &log, "warning", "public", "users", NULL, warning));
    json_t *leak = json_pack("{s:s}", "email", "someone@example.com");
    report_step("audit_refused",
                pv_state_audit(conn, &log, "column.masked", "public", "users", NULL, leak));
    json_decref(masked);
    json_decref(failed);
    json_decref(warning);
    json_decref(leak);

    pv_checkpoint *rows = NULL;
    size_t n = 0;
    err = pv_state_checkpoints_load(conn, run_id, &rows, &n);
    report_step("ckpt_load", err);
    for (size_t i = 0; i < n; i++)
        printf("{\"checkpoint\":\"%s.%s\",\"status\":\"%s\",\"rows\":%lld}\n", rows[i].schema_name,
               rows[i].table_name, pv_checkpoint_status_name(rows[i].status),
               (long long)rows[i].rows_processed);
    pv_state_checkpoints_free(rows, n);

    json_t *summary =
        json_pack("{s:i, s:i, s:i, s:[]}", "tables", 3, "rows", 157, "bytes", 4096, "failed_units");
    report_step("run_finish", pv_state_run_finish(conn, run_id, PV_RUN_SUCCEEDED, summary));
    json_decref(summary);
    report_step("run_reopen", pv_state_run_reopen(conn, run_id));
    report_step(
        "run_finish_missing",
        pv_state_run_finish(conn, "01234567-89ab-7000-8000-000000000000", PV_RUN_FAILED, NULL));
    return 0;
}

/* hash <url>: source_db_hash, connecting only when the URL names no host. */
static int probe_hash(const char *url)
{
    pv_db_identity id = {0};
    PGconn *conn = NULL;
    if (!pv_db_identity_from_uri(url, &id))
        conn = probe_connect(url);
    pv_db_identity_free(&id);
    char out[PV_HASH_HEX_LEN];
    pv_source_db_hash(url, conn, out);
    puts(out);
    if (conn)
        PQfinish(conn);
    return 0;
}

static int probe(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s probe <action> <conninfo> [args…]\n", argv[0]);
        return 64;
    }
    pv_log_init(PV_STREAM_EVENTS, PV_LOG_INFO);
    const char *action = argv[2];
    if (strcmp(action, "hash") == 0)
        return probe_hash(argv[3]);
    PGconn *conn = probe_connect(argv[3]);
    int rc = 64;
    if (strcmp(action, "ensure") == 0)
        rc = probe_ensure(conn, argc - 4, argv + 4);
    else if (strcmp(action, "version") == 0)
        rc = probe_version(conn);
    else if (strcmp(action, "lock") == 0)
        rc = probe_lock(conn, argc - 4, argv + 4);
    else if (strcmp(action, "lifecycle") == 0)
        rc = probe_lifecycle(conn, argc - 4, argv + 4);
    else
        fprintf(stderr, "unknown probe action %s\n", action);
    PQfinish(conn);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "probe") == 0)
        return probe(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid7_layout),
        cmocka_unit_test(test_uuid7_monotonic_within_a_millisecond),
        cmocka_unit_test(test_uuid7_clock_step_back_keeps_order),
        cmocka_unit_test(test_uuid7_generate_sorts_by_creation),
        cmocka_unit_test(test_source_db_hash_vectors),
        cmocka_unit_test(test_source_identity_uri_forms),
        cmocka_unit_test(test_salt_fingerprint_vector),
        cmocka_unit_test(test_version_gate),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_audit_levels),
        cmocka_unit_test(test_audit_payload_allowlist),
        cmocka_unit_test(test_audit_disabled_writes_nothing),
        cmocka_unit_test(test_cursor_round_trip),
        cmocka_unit_test(test_cursor_opens_independent_vectors),
        cmocka_unit_test(test_cursor_seals_differ_but_both_open),
        cmocka_unit_test(test_cursor_tampering_fails),
        cmocka_unit_test(test_cursor_wrong_salt_fails),
        cmocka_unit_test(test_cursor_rejects_other_texts),
        cmocka_unit_test(test_cursor_stored_text_hides_the_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
