/*
 * Unit tests for src/mask: seeds, providers, libraries, uniqueness, the
 * keyed permutation, hash / hmac_hash, custom providers and the memo.
 *
 * The §14 vectors of spec/masking.md are checked byte for byte under
 * `classic`; shape and range properties under `standard`. Nothing here
 * prints timings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mask/date.h"
#include "mask/mask.h"
#include "mask/num.h"
#include "mask/seed.h"
#include "util/error.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

/* The vector tables below leave trailing fields (keyed, unique, domain) zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define SALT "test-salt-0123456789abcdef0123456789abcdef"
#define KEY  "pseudonym-key-0123456789abcdef0123456789"

/* ------------------------------------------------------------ helpers */

static pv_mask_scratch scratch;

static int setup(void **state)
{
    (void)state;
    pv_mask_scratch_init(&scratch);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pv_mask_scratch_free(&scratch);
    return 0;
}

typedef struct fake_case {
    pv_mask_library library;
    const char *provider;
    const char *path;
    bool keyed;
    bool unique;
    const char *domain; /* NULL: no params.domain */
} fake_case;

static pv_fake_column *column(const fake_case *c)
{
    pv_fake_opts o = {
        .library = c->library,
        .provider = c->provider,
        .column_path = c->path,
        .hash_path = c->path,
        .secret = c->keyed ? KEY : SALT,
        .secret_len = strlen(c->keyed ? KEY : SALT),
        .keyed = c->keyed,
        .unique = c->unique,
        .has_domain = c->domain != NULL,
        .domain = c->domain,
    };
    pv_fake_column *col = NULL;
    pv_error *err = pv_fake_column_new(&o, &col);
    if (err)
        fail_msg("%s: %s", err->context, err->cause);
    return col;
}

/* Masks one input with a fresh column; caller frees the text. */
static char *fake(const fake_case *c, const char *input)
{
    pv_fake_column *col = column(c);
    pv_buf out = PV_BUF_INIT;
    pv_error *err = pv_fake_cell(col, &scratch, (const uint8_t *)input, strlen(input), &out);
    assert_null(err);
    pv_buf_terminate(&out);
    char *text = pv_xstrdup(out.len ? (const char *)out.data : "");
    pv_buf_free(&out);
    pv_fake_column_free(col);
    return text;
}

static void expect_fake(const fake_case *c, const char *input, const char *want)
{
    char *got = fake(c, input);
    if (strcmp(got, want) != 0)
        fail_msg("%s %s(%s): got '%s', want '%s'", c->provider, c->path, input, got, want);
    free(got);
}

static void hex_to_bytes(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static char *buf_text(pv_buf *b)
{
    pv_buf_terminate(b);
    return (char *)b->data;
}

/* ------------------------------------------------------------ §14: seeds and classic */

static void test_seed_vector(void **state)
{
    (void)state;
    pv_seeder sd;
    const char *path = "public.users.email";
    pv_seeder_init(&sd, SALT, strlen(SALT), path, strlen(path));
    uint8_t d[PV_DIGEST_LEN];
    const uint8_t *nfc;
    size_t n;
    assert_true(
        pv_seeder_digest(&sd, &scratch, (const uint8_t *)"alice@example.com", 17, d, &nfc, &n));
    pv_buf b = PV_BUF_INIT;
    pv_buf_hex(&b, d, PV_SEED_LEN);
    assert_string_equal(buf_text(&b), "53f4e5a1471b70938cbd1e7f1f5ada13");
    pv_buf_free(&b);
}

static void test_classic_vectors(void **state)
{
    (void)state;
    const pv_mask_library C = PV_MASK_LIB_CLASSIC;
    struct {
        fake_case c;
        const char *input, *want;
    } v[] = {
        {{C, "first_name", "public.users.first_name"}, "Alice", "Morgan"},
        {{C, "last_name", "public.users.last_name"}, "Smith", "Carter"},
        {{C, "full_name", "public.users.full_name"}, "Alice Smith", "Vale Underwood"},
        {{C, "email", "public.users.email"}, "alice@example.com", "drew.patel@example.test"},
        {{C, "email", "public.users.email", false, true},
         "alice@example.com",
         "drew.patel+53f4e5a1471b7093@example.test"},
        {{C, "email", "public.users.email", false, false, "test.org"},
         "alice@example.com",
         "drew.patel@test.org"},
        {{C, "phone", "public.users.phone"}, "+44 20 7946 0958", "+444148204342"},
        {{C, "phone", "public.users.phone"}, "(555) 010-9999", "+16073050905"},
        {{C, "street", "public.users.street"}, "1 Main St", "400 Birch Road"},
        {{C, "address", "public.users.address"},
         "1 Main St, Springfield",
         "400 Birch Road, Riverton 98108, CA"},
        {{C, "city", "public.users.city"}, "Springfield", "Lakeside"},
        {{C, "postcode", "public.users.postcode"}, "12345", "30303"},
        {{C, "postcode", "public.users.postcode", false, true}, "12345", "72742"},
        {{C, "country", "public.users.country"}, "FR", "US"},
        {{C, "ip_address", "public.users.ip"}, "10.1.2.3", "198.51.100.49"},
        {{C, "ssn", "public.users.ssn"}, "123-45-6789", "098-59-3002"},
        {{C, "credit_card", "public.users.cc"}, "4000123412341234", "4111115353637790"},
        {{C, "uuid", "public.users.ext_id"},
         "6f1c2b1e-0000-4000-8000-000000000001",
         "c5631927-22f4-4ed5-9952-3fb7379207cd"},
        {{C, "company", "public.users.company"}, "Initech", "Granite Bridge Inc"},
        {{C, "company", "public.users.company", false, true},
         "Initech",
         "Granite Bridge Inc__934977800104f772"},
        {{C, "job_title", "public.users.title"}, "CEO", "Clinical Coordinator"},
        {{C, "username", "public.users.username"}, "alice99", "casey.dev"},
        {{C, "password", "public.users.password", false, true}, "hunter2", "privaci-test-pw"},
        {{C, "dob", "public.users.dob"}, "1990-01-15", "1990-07-13"},
        {{C, "dob", "public.users.dob"}, "not-a-date", "1982-05-23"},
        {{C, "dob", "public.users.dob", false, true}, "1990-01-15", "1997-09-15"},
        /* pseudonym: seed = HMAC(key, lp(path) ‖ lp(nfc(v)))[0:16] */
        {{C, "email", "public.users.email", true},
         "alice@example.com",
         "jordan.walsh@example.test"},
        {{C, "email", "public.users.email", true, true},
         "alice@example.com",
         "jordan.walsh+a0a9bcf3518953f2@example.test"},
        /* NER replacements are fakes at <column path>#ner:<label> (§11) */
        {{C, "full_name", "public.tickets.notes#ner:PERSON"}, "John Smith", "Casey Monroe"},
        {{C, "company", "public.tickets.notes#ner:ORG"}, "Acme Corp", "Blue Ridge Analytics"},
        {{C, "city", "public.tickets.notes#ner:GPE"}, "Paris", "Southfield"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++)
        expect_fake(&v[i].c, v[i].input, v[i].want);
}

/* phone, dob, uuid, password, ip_address and credit_card use nothing library-specific. */
static void test_shared_vectors_hold_under_standard(void **state)
{
    (void)state;
    const pv_mask_library S = PV_MASK_LIB_STANDARD;
    expect_fake(&(fake_case){S, "phone", "public.users.phone"}, "+44 20 7946 0958",
                "+444148204342");
    expect_fake(&(fake_case){S, "dob", "public.users.dob"}, "1990-01-15", "1990-07-13");
    expect_fake(&(fake_case){S, "ip_address", "public.users.ip"}, "10.1.2.3", "198.51.100.49");
    expect_fake(&(fake_case){S, "credit_card", "public.users.cc"}, "4000123412341234",
                "4111115353637790");
    expect_fake(&(fake_case){S, "uuid", "public.users.ext_id"},
                "6f1c2b1e-0000-4000-8000-000000000001", "c5631927-22f4-4ed5-9952-3fb7379207cd");
    expect_fake(&(fake_case){S, "password", "public.users.password"}, "x", "privaci-test-pw");
    /* standard draws from its own lists and reserved domains */
    char *e = fake(&(fake_case){S, "email", "public.users.email"}, "alice@example.com");
    assert_non_null(strstr(e, "@example."));
    free(e);
}

/* ------------------------------------------------------------ §14: hash and hmac_hash */

static void test_hash_vectors(void **state)
{
    (void)state;
    pv_hash_column hc;
    pv_hash_column_init(&hc, SALT, strlen(SALT));
    pv_buf b = PV_BUF_INIT;
    pv_hash_cell(&hc, (const uint8_t *)"alice@example.com", 17, &b);
    assert_string_equal(buf_text(&b),
                        "78c807ed4b95d800ca24c82c9dccdfa7ff2bd9b91505379e9379c9aee1d00e1e");
    pv_buf_reset(&b);
    pv_hash_cell(&hc, (const uint8_t *)"42", 2, &b);
    assert_string_equal(buf_text(&b),
                        "5144cc29772d0c29d509d5ef3a0627a95f7d7b81c742976898f841327fe3acb2");

    /* §4.2 typed forms */
    uint8_t d[PV_DIGEST_LEN], u[16];
    pv_hash_digest(&hc, (const uint8_t *)"42", 2, d);
    pv_hash_to_uuid(d, u);
    assert_int_equal(u[6] >> 4, 4);
    assert_int_equal(u[8] & 0xC0, 0x80);
    assert_int_equal(pv_hash_to_int(d, INT16_MAX), 0x5144cc29772d0c29ULL % 32768);
    assert_int_equal(pv_hash_to_int(d, INT64_MAX), 0x5144cc29772d0c29ULL);
    pv_buf_reset(&b);
    pv_hash_to_numeric(d, 5, &b);
    char want[32];
    snprintf(want, sizeof(want), "%llu", (unsigned long long)(0x5144cc29772d0c29ULL % 100000));
    assert_string_equal(buf_text(&b), want);

    /* §3: "" stays "" */
    pv_buf_reset(&b);
    pv_hash_cell(&hc, (const uint8_t *)"", 0, &b);
    assert_int_equal(b.len, 0);
    pv_hash_column_clear(&hc);
    pv_buf_free(&b);
}

static void test_hmac_vectors(void **state)
{
    (void)state;
    pv_hmac_column hex, b64;
    pv_hmac_column_init(&hex, KEY, strlen(KEY), "public.users.email", PV_HMAC_FORMAT_HEX);
    pv_hmac_column_init(&b64, KEY, strlen(KEY), "public.users.email", PV_HMAC_FORMAT_BASE64URL);
    pv_buf b = PV_BUF_INIT;
    assert_true(pv_hmac_cell(&hex, &scratch, (const uint8_t *)"alice@example.com", 17, &b));
    assert_string_equal(buf_text(&b),
                        "a0a9bcf3518953f21d7f6da5de54237cf5b4e085e7c0eb738a7a3affb9096769");
    pv_buf_reset(&b);
    assert_true(pv_hmac_cell(&b64, &scratch, (const uint8_t *)"alice@example.com", 17, &b));
    assert_string_equal(buf_text(&b), "oKm881GJU_Idf22l3lQjfPW04IXnwOtzino6_7kJZ2k");
    assert_int_equal(b.len, PV_HMAC_B64URL_LEN);
    pv_buf_reset(&b);
    assert_true(pv_hmac_cell(&hex, &scratch, (const uint8_t *)"", 0, &b));
    assert_int_equal(b.len, 0);
    assert_false(pv_hmac_cell(&hex, &scratch, (const uint8_t *)"\xff\xfe", 2, &b));
    pv_hmac_column_clear(&hex);
    pv_hmac_column_clear(&b64);
    pv_buf_free(&b);
}

/* ------------------------------------------------------------ §14: uniqueness, fixed seed */

static void test_unique_vectors(void **state)
{
    (void)state;
    uint8_t seed[16];
    hex_to_bytes("53f4e5a1471b70938cbd1e7f1f5ada13", seed, 16);
    struct {
        int provider;
        const char *base, *want;
    } v[] = {
        {PV_PROV_EMAIL, "drew.patel@example.test", "drew.patel+53f4e5a1471b7093@example.test"},
        {PV_PROV_EMAIL, "noatsign", "noatsign+53f4e5a1471b7093"},
        {PV_PROV_EMAIL, "a@b@c", "a@b+53f4e5a1471b7093@c"},
        {PV_PROV_CITY, "Lakeside", "Lakeside__53f4e5a1471b7093"},
        {PV_PROV_POSTCODE, "30303", "00883"},
        {-1, "-042", "-883"},
        {PV_PROV_DOB, "1990-07-13", "1996-05-16"},
        {PV_PROV_PHONE, "+16073050905", "+16073050905__53f4e5a1471b7093"},
        {PV_PROV_UUID, "c5631927-22f4-4ed5-9952-3fb7379207cd",
         "c5631927-22f4-4ed5-9952-3fb7379207cd"},
        {PV_PROV_PASSWORD, "privaci-test-pw", "privaci-test-pw"},
        /* an ISO date from any provider shifts; an impossible one is suffixed */
        {-1, "1990-07-13", "1996-05-16"},
        {-1, "1990-02-30", "1990-02-30__53f4e5a1471b7093"},
        {-1, "9999-12-30", "9999-12-30__53f4e5a1471b7093"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
        pv_buf b = PV_BUF_INIT;
        pv_unique_apply(v[i].provider, seed, (const uint8_t *)v[i].base, strlen(v[i].base), &b);
        assert_string_equal(buf_text(&b), v[i].want);
        pv_buf_free(&b);
    }
    /* numeric remap beyond 38 digits keeps the width (int(seed) < 10^39) */
    const char *wide = "1234567890123456789012345678901234567890123";
    pv_buf b = PV_BUF_INIT;
    pv_unique_apply(-1, seed, (const uint8_t *)wide, strlen(wide), &b);
    assert_int_equal(b.len, strlen(wide));
    pv_buf_free(&b);
}

static void test_unique_suffix_keeps_distinct(void **state)
{
    (void)state;
    /* 20,000 inputs into a unique email column: no two outputs equal. */
    fake_case c = {PV_MASK_LIB_CLASSIC, "email", "public.users.email", false, true};
    pv_fake_column *col = column(&c);
    const size_t n = 20000;
    char **outs = pv_xcalloc(n, sizeof(*outs));
    pv_buf b = PV_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        char in[32];
        int len = snprintf(in, sizeof(in), "user%zu@corp.example", i);
        pv_buf_reset(&b);
        assert_null(pv_fake_cell(col, &scratch, (const uint8_t *)in, (size_t)len, &b));
        outs[i] = pv_xstrdup(buf_text(&b));
    }
    qsort(outs, n, sizeof(*outs), (int (*)(const void *, const void *))strcmp);
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(outs[i - 1], outs[i]) != 0);
    for (size_t i = 0; i < n; i++)
        free(outs[i]);
    free(outs);
    pv_buf_free(&b);
    pv_fake_column_free(col);
}

/* ------------------------------------------------------------ §9.2 permutation */

static pv_fpe *fpe_new(pv_fpe_type t, int p, const char *path)
{
    pv_fpe *f = NULL;
    assert_null(pv_fpe_new(t, p, SALT, strlen(SALT), path, &f));
    return f;
}

static void expect_fpe_text(pv_fpe *f, const char *in, const char *want)
{
    pv_buf b = PV_BUF_INIT;
    assert_true(pv_fpe_map_text(f, (const uint8_t *)in, strlen(in), &b));
    assert_string_equal(buf_text(&b), want);
    pv_buf_free(&b);
}

/*
 * Pinned §14 permutation vectors, checked against an independent Python
 * implementation of §9.2 written from the spec text.
 */
static void test_fpe_vectors(void **state)
{
    (void)state;
    pv_fpe *f = fpe_new(PV_FPE_INT4, 0, "public.users.id");
    int64_t y;
    assert_true(pv_fpe_map_int(f, 42, &y));
    assert_int_equal(y, 67216062);
    expect_fpe_text(f, "42", "67216062");
    pv_fpe_free(f);

    f = fpe_new(PV_FPE_INT8, 0, "public.accounts.id");
    assert_true(pv_fpe_map_int(f, -7, &y));
    assert_true(y == INT64_C(-7881772023264172592));
    pv_fpe_free(f);

    f = fpe_new(PV_FPE_NUMERIC, 5, "public.users.postcode");
    expect_fpe_text(f, "12345", "886");
    expect_fpe_text(f, "NaN", "NaN");
    pv_fpe_free(f);

    /* edges of every domain, same reference implementation */
    f = fpe_new(PV_FPE_INT2, 0, "a.b.c");
    expect_fpe_text(f, "0", "114");
    expect_fpe_text(f, "-32768", "-32654");
    expect_fpe_text(f, "32767", "18399");
    pv_fpe_free(f);
    f = fpe_new(PV_FPE_INT8, 0, "a.b.c");
    expect_fpe_text(f, "-9223372036854775808", "-6033609439492125671");
    expect_fpe_text(f, "9223372036854775807", "8828596356040408970");
    assert_true(pv_fpe_map_int(f, INT64_MIN, &y));
    assert_true(y == INT64_C(-6033609439492125671));
    pv_fpe_free(f);
    f = fpe_new(PV_FPE_NUMERIC, 1, "a.b.c");
    expect_fpe_text(f, "9", "5");
    expect_fpe_text(f, "-9", "-8");
    pv_fpe_free(f);
    f = fpe_new(PV_FPE_NUMERIC, 19, "a.b.c");
    expect_fpe_text(f, "-9999999999999999999", "-6810237402637349862");
    pv_fpe_free(f);
    /* beyond 64 bits: the BIGNUM path */
    f = fpe_new(PV_FPE_NUMERIC, 25, "a.b.c");
    expect_fpe_text(f, "12345678901234567890123", "1256544694550184069358851");
    expect_fpe_text(f, "-1", "-8451677584829680768964952");
    pv_fpe_free(f);
    f = fpe_new(PV_FPE_NUMERIC, 80, "x.y.z");
    expect_fpe_text(
        f, "10000000000000000000000000000000000000000000000000000000000000000000000000000007",
        "90348148093750562486228662257040069618482593019379412859462339491139859047813029");
    pv_fpe_free(f);
}

static void test_fpe_rejects_out_of_domain(void **state)
{
    (void)state;
    pv_fpe *f = fpe_new(PV_FPE_INT2, 0, "a.b.c");
    int64_t y;
    pv_buf b = PV_BUF_INIT;
    assert_false(pv_fpe_map_int(f, 32768, &y));
    assert_false(pv_fpe_map_int(f, -32769, &y));
    assert_false(pv_fpe_map_text(f, (const uint8_t *)"32768", 5, &b));
    assert_false(pv_fpe_map_text(f, (const uint8_t *)"12a", 3, &b));
    assert_false(pv_fpe_map_text(f, (const uint8_t *)"-", 1, &b));
    assert_false(pv_fpe_map_text(f, (const uint8_t *)"NaN", 3, &b)); /* not numeric */
    assert_int_equal(b.len, 0);
    pv_fpe_free(f);
    f = fpe_new(PV_FPE_NUMERIC, 3, "a.b.c");
    assert_false(pv_fpe_map_text(f, (const uint8_t *)"1000", 4, &b));
    assert_false(pv_fpe_map_text(f, (const uint8_t *)"-1000", 5, &b));
    assert_false(pv_fpe_map_int(f, 5, &y)); /* numeric goes through text */
    pv_fpe_free(f);
    pv_fpe *bad = NULL;
    pv_error *err = pv_fpe_new(PV_FPE_NUMERIC, 1001, SALT, strlen(SALT), "a.b.c", &bad);
    assert_non_null(err);
    assert_null(bad);
    pv_error_free(err);
    pv_buf_free(&b);
}

/* Every input of [lo, hi] maps into [lo, hi], sign kept, and no output repeats. */
static void check_bijection_int(pv_fpe *f, int64_t lo, int64_t hi)
{
    size_t n = (size_t)(hi - lo + 1);
    uint8_t *seen = pv_xcalloc(n, 1);
    for (int64_t x = lo; x <= hi; x++) {
        int64_t y;
        assert_true(pv_fpe_map_int(f, x, &y));
        assert_true(y >= lo && y <= hi);
        assert_true((x < 0) == (y < 0));
        assert_int_equal(seen[y - lo], 0);
        seen[y - lo] = 1;
    }
    free(seen);
}

static void test_fpe_bijection_int2(void **state)
{
    (void)state;
    pv_fpe *f = fpe_new(PV_FPE_INT2, 0, "public.t.small_id");
    check_bijection_int(f, INT16_MIN, INT16_MAX);
    pv_fpe_free(f);
}

static int64_t parse_i64(const char *s)
{
    return strtoll(s, NULL, 10);
}

static void check_bijection_numeric(int p, bool generic)
{
    pv_fpe *f = fpe_new(PV_FPE_NUMERIC, p, "public.t.code");
    pv_fpe_force_generic(f, generic);
    int64_t max = 1;
    for (int i = 0; i < p; i++)
        max *= 10;
    max -= 1;
    size_t n = (size_t)(2 * max + 1);
    uint8_t *seen = pv_xcalloc(n, 1);
    pv_buf b = PV_BUF_INIT;
    for (int64_t x = -max; x <= max; x++) {
        char in[32];
        snprintf(in, sizeof(in), "%lld", (long long)x);
        pv_buf_reset(&b);
        assert_true(pv_fpe_map_text(f, (const uint8_t *)in, strlen(in), &b));
        int64_t y = parse_i64(buf_text(&b));
        assert_true(y >= -max && y <= max);
        assert_true((x < 0) == (y < 0));
        assert_int_equal(seen[y + max], 0);
        seen[y + max] = 1;
    }
    free(seen);
    pv_buf_free(&b);
    pv_fpe_free(f);
}

static void test_fpe_bijection_numeric(void **state)
{
    (void)state;
    for (int p = 1; p <= 4; p++)
        check_bijection_numeric(p, false);
    /* the arbitrary-precision path is the same permutation */
    for (int p = 1; p <= 3; p++)
        check_bijection_numeric(p, true);
}

static void test_fpe_generic_path_agrees(void **state)
{
    (void)state;
    const pv_fpe_type types[] = {PV_FPE_INT2, PV_FPE_INT4, PV_FPE_INT8};
    const int64_t samples[] = {
        0, 1, -1, 42, -7, 32767, -32768, 2147483647, INT64_MIN, INT64_MAX, 123456789012345LL};
    for (size_t t = 0; t < 3; t++) {
        pv_fpe *fast = fpe_new(types[t], 0, "public.t.id");
        pv_fpe *slow = fpe_new(types[t], 0, "public.t.id");
        pv_fpe_force_generic(slow, true);
        for (size_t i = 0; i < sizeof(samples) / sizeof(*samples); i++) {
            int64_t a, b;
            bool ok = pv_fpe_map_int(fast, samples[i], &a);
            assert_int_equal(ok, pv_fpe_map_int(slow, samples[i], &b));
            if (ok)
                assert_true(a == b);
        }
        pv_fpe_free(fast);
        pv_fpe_free(slow);
    }
    /* numeric(19): fast path (w = 64) against BIGNUM */
    pv_fpe *fast = fpe_new(PV_FPE_NUMERIC, 19, "public.t.n");
    pv_fpe *slow = fpe_new(PV_FPE_NUMERIC, 19, "public.t.n");
    pv_fpe_force_generic(slow, true);
    const char *in[] = {"0", "9999999999999999999", "-9999999999999999999", "-1", "31415926535"};
    for (size_t i = 0; i < 5; i++) {
        pv_buf a = PV_BUF_INIT, b = PV_BUF_INIT;
        assert_true(pv_fpe_map_text(fast, (const uint8_t *)in[i], strlen(in[i]), &a));
        assert_true(pv_fpe_map_text(slow, (const uint8_t *)in[i], strlen(in[i]), &b));
        assert_string_equal(buf_text(&a), buf_text(&b));
        pv_buf_free(&a);
        pv_buf_free(&b);
    }
    pv_fpe_free(fast);
    pv_fpe_free(slow);
}

static void test_fpe_keyed_by_secret_and_path(void **state)
{
    (void)state;
    pv_fpe *a = fpe_new(PV_FPE_INT4, 0, "public.users.id");
    pv_fpe *b = fpe_new(PV_FPE_INT4, 0, "public.orders.id");
    pv_fpe *c = NULL;
    assert_null(pv_fpe_new(PV_FPE_INT4, 0, KEY, strlen(KEY), "public.users.id", &c));
    int same_path = 0, same_key = 0;
    for (int64_t x = 1; x <= 100; x++) {
        int64_t ya, yb, yc;
        assert_true(pv_fpe_map_int(a, x, &ya));
        assert_true(pv_fpe_map_int(b, x, &yb));
        assert_true(pv_fpe_map_int(c, x, &yc));
        same_path += ya == yb;
        same_key += ya == yc;
    }
    assert_true(same_path <= 1 && same_key <= 1);
    pv_fpe_free(a);
    pv_fpe_free(b);
    pv_fpe_free(c);
}

/* ------------------------------------------------------------ standard: shapes and ranges */

/* Masks `n` distinct synthetic inputs; calls check(output) for each. */
static void sweep(const char *provider, const char *path, size_t n,
                  void (*check)(const char *out, const char *in))
{
    fake_case c = {PV_MASK_LIB_STANDARD, provider, path};
    pv_fake_column *col = column(&c);
    pv_buf b = PV_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        char in[64];
        int len = snprintf(in, sizeof(in), "value-%zu", i);
        pv_buf_reset(&b);
        assert_null(pv_fake_cell(col, &scratch, (const uint8_t *)in, (size_t)len, &b));
        check(buf_text(&b), in);
    }
    pv_buf_free(&b);
    pv_fake_column_free(col);
}

static bool digits_only(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static void check_ssn(const char *o, const char *in)
{
    (void)in;
    assert_int_equal(strlen(o), 11);
    assert_true(o[3] == '-' && o[6] == '-');
    assert_true(digits_only(o, 3) && digits_only(o + 4, 2) && digits_only(o + 7, 4));
    int area = atoi(o), group = atoi(o + 4), serial = atoi(o + 7);
    assert_true(area >= 900 && area <= 999);
    assert_true(group >= 1 && group <= 49);
    assert_true(serial >= 1 && serial <= 9999);
}

static bool luhn_valid(const char *s)
{
    size_t n = strlen(s);
    unsigned sum = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned d = (unsigned)(s[n - 1 - k] - '0');
        if (k % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

static void check_card(const char *o, const char *in)
{
    (void)in;
    static const char *bins[] = {"411111", "424242", "555555", "378282", "601111"};
    size_t n = strlen(o);
    assert_true(digits_only(o, n));
    bool bin = false;
    for (size_t i = 0; i < 5; i++)
        bin |= strncmp(o, bins[i], 6) == 0;
    assert_true(bin);
    assert_int_equal(n, strncmp(o, "37", 2) == 0 ? 15 : 16);
    assert_true(luhn_valid(o));
}

static void check_email(const char *o, const char *in)
{
    (void)in;
    const char *at = strrchr(o, '@');
    assert_non_null(at);
    assert_true(at > o);
    assert_true(strcmp(at + 1, "example.com") == 0 || strcmp(at + 1, "example.net") == 0 ||
                strcmp(at + 1, "example.org") == 0 || strcmp(at + 1, "example.test") == 0);
}

static void check_ip(const char *o, const char *in)
{
    (void)in;
    const char *nets[] = {"192.0.2.", "198.51.100.", "203.0.113."};
    bool ok = false;
    for (size_t i = 0; i < 3; i++) {
        size_t l = strlen(nets[i]);
        if (strncmp(o, nets[i], l) == 0) {
            int host = atoi(o + l);
            ok = host >= 1 && host <= 254 && digits_only(o + l, strlen(o + l));
        }
    }
    assert_true(ok);
}

static void check_uuid(const char *o, const char *in)
{
    (void)in;
    assert_int_equal(strlen(o), 36);
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(o[i], '-');
        else
            assert_non_null(strchr("0123456789abcdef", o[i]));
    }
    assert_int_equal(o[14], '4');
    assert_non_null(strchr("89ab", o[19]));
}

static void check_postcode(const char *o, const char *in)
{
    (void)in;
    assert_int_equal(strlen(o), 5);
    assert_true(digits_only(o, 5));
}

static void check_country(const char *o, const char *in)
{
    (void)in;
    assert_int_equal(strlen(o), 2);
    assert_true(o[0] >= 'A' && o[0] <= 'Z' && o[1] >= 'A' && o[1] <= 'Z');
}

static void check_nonempty(const char *o, const char *in)
{
    (void)in;
    assert_true(strlen(o) > 0);
}

static void test_standard_ssn_never_issued(void **state)
{
    (void)state;
    sweep("ssn", "public.users.ssn", 10000, check_ssn);
}

static void test_standard_cards_luhn_test_bins(void **state)
{
    (void)state;
    sweep("credit_card", "public.users.cc", 10000, check_card);
}

static void test_standard_shapes(void **state)
{
    (void)state;
    sweep("email", "public.users.email", 5000, check_email);
    sweep("ip_address", "public.users.ip", 5000, check_ip);
    sweep("uuid", "public.users.ext_id", 5000, check_uuid);
    sweep("postcode", "public.users.postcode", 2000, check_postcode);
    sweep("country", "public.users.country", 2000, check_country);
    const char *text[] = {"first_name", "last_name", "full_name", "street",  "city",
                          "address",    "company",   "job_title", "username"};
    for (size_t i = 0; i < sizeof(text) / sizeof(*text); i++)
        sweep(text[i], "public.t.c", 500, check_nonempty);
}

static void test_phone_e164_keeps_country_code(void **state)
{
    (void)state;
    struct {
        const char *in, *prefix;
    } v[] = {
        {"+44 20 7946 0958", "+44"},
        {"  +33 1 23 45 67 89", "+33"},
        {"(555) 010-9999", "+1"},
        {"555-0100", "+555"},
        {"+", "+1"},
        {"\xe2\x80\x83+49 30 1234", "+49"},
    };
    fake_case c = {PV_MASK_LIB_STANDARD, "phone", "public.users.phone"};
    pv_fake_column *col = column(&c);
    for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
        pv_buf b = PV_BUF_INIT;
        assert_null(pv_fake_cell(col, &scratch, (const uint8_t *)v[i].in, strlen(v[i].in), &b));
        const char *o = buf_text(&b);
        size_t pl = strlen(v[i].prefix);
        assert_memory_equal(o, v[i].prefix, pl);
        assert_int_equal(strlen(o), pl + 10);
        assert_true(digits_only(o + 1, strlen(o) - 1));
        pv_buf_free(&b);
    }
    pv_fake_column_free(col);
    /* Unicode digits are captured as written (Python's \d) */
    expect_fake(&(fake_case){PV_MASK_LIB_STANDARD, "phone", "public.users.phone"},
                "  +\xd9\xa4\xd9\xa4\xd9\xa7 123",
                "+\xd9\xa4\xd9\xa4\xd9\xa7"
                "3920548860");
}

static void test_dob_within_bracket(void **state)
{
    (void)state;
    fake_case c = {PV_MASK_LIB_STANDARD, "dob", "public.users.dob"};
    pv_fake_column *col = column(&c);
    const int64_t ref = pv_days_from_civil(2025, 1, 1);
    const char *anchors[] = {"1990-01-15", "2024-12-31", "1950-06-30", "2030-01-01", "1985-06-15"};
    for (size_t a = 0; a < 5; a++) {
        int64_t anchor;
        assert_true(pv_parse_iso_date((const uint8_t *)anchors[a], 10, &anchor));
        int64_t diff = ref - anchor;
        int64_t age = diff >= 0 ? diff / 365 : -((-diff + 364) / 365);
        int64_t lo = ref - ((age + 5 > 0 ? age + 5 : 0) * 365 + 364);
        int64_t hi = ref - (age - 5 > 0 ? age - 5 : 0) * 365;
        for (int i = 0; i < 300; i++) {
            /* whitespace around a date is stripped; the same anchor applies */
            char in[40];
            int len = snprintf(in, sizeof(in), "%*s%s", i % 3, "", anchors[a]);
            pv_buf b = PV_BUF_INIT;
            /* vary the seed through the column path instead of the input */
            char path[40];
            snprintf(path, sizeof(path), "public.users.dob%d", i);
            fake_case ci = {PV_MASK_LIB_STANDARD, "dob", path};
            pv_fake_column *coli = column(&ci);
            assert_null(pv_fake_cell(coli, &scratch, (const uint8_t *)in, (size_t)len, &b));
            int64_t day;
            assert_true(pv_parse_iso_date(b.data, b.len, &day));
            assert_true(day >= lo && day <= hi);
            pv_fake_column_free(coli);
            pv_buf_free(&b);
        }
    }
    pv_fake_column_free(col);
}

/* ------------------------------------------------------------ libraries */

static void test_standard_library_sizes(void **state)
{
    (void)state;
    const pv_library *lib;
    assert_null(pv_library_get(PV_MASK_LIB_STANDARD, &lib));
    struct {
        pv_list_id id;
        size_t min;
    } want[] = {
        {PV_LIST_FIRST_NAMES, 2000}, {PV_LIST_LAST_NAMES, 5000}, {PV_LIST_EMAIL_LOCALS, 2000},
        {PV_LIST_CITIES, 1000},      {PV_LIST_STREETS, 2000},    {PV_LIST_COMPANIES, 500},
        {PV_LIST_JOB_TITLES, 300},   {PV_LIST_USERNAMES, 2000},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
        assert_true(pv_library_list(lib, want[i].id)->n >= want[i].min);
    const pv_list *d = pv_library_list(lib, PV_LIST_EMAIL_DOMAINS);
    assert_int_equal(d->n, 4);
    assert_string_equal(d->items[0], "example.com");
    assert_string_equal(d->items[1], "example.net");
    assert_string_equal(d->items[2], "example.org");
    assert_string_equal(d->items[3], "example.test");
    assert_int_equal(pv_library_list(lib, PV_LIST_COUNTRIES)->n, 249);
}

static void test_classic_library_exact(void **state)
{
    (void)state;
    const pv_library *lib;
    assert_null(pv_library_get(PV_MASK_LIB_CLASSIC, &lib));
    size_t want[PV_LIST_COUNT] = {
        [PV_LIST_FIRST_NAMES] = 25,  [PV_LIST_LAST_NAMES] = 25, [PV_LIST_EMAIL_LOCALS] = 20,
        [PV_LIST_EMAIL_DOMAINS] = 3, [PV_LIST_STREETS] = 10,    [PV_LIST_CITIES] = 10,
        [PV_LIST_POSTCODES] = 10,    [PV_LIST_COUNTRIES] = 10,  [PV_LIST_COMPANIES] = 10,
        [PV_LIST_JOB_TITLES] = 10,   [PV_LIST_USERNAMES] = 10,  [PV_LIST_CREDIT_CARD_BINS] = 5,
    };
    for (int i = 0; i < PV_LIST_COUNT; i++)
        assert_int_equal(pv_library_list(lib, (pv_list_id)i)->n, want[i]);
    assert_string_equal(pv_library_list(lib, PV_LIST_EMAIL_DOMAINS)->items[0], "fakedom.net");
    assert_string_equal(pv_library_list(lib, PV_LIST_POSTCODES)->items[8], "02109");
    assert_string_equal(pv_library_list(lib, PV_LIST_STREETS)->items[9], "1010 Redwood Blvd");
}

static char *make_temp_dir(void)
{
    char *dir = pv_xstrdup("/tmp/privaci-test-mask-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *path = pv_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

static void remove_tree(const char *dir, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *path = pv_xasprintf("%s/%s", dir, names[i]);
        unlink(path);
        free(path);
    }
    rmdir(dir);
}

static void test_library_rejects_bad_files(void **state)
{
    (void)state;
    const char *names[] = {"first_names.txt",   "last_names.txt", "email_locals.txt",
                           "email_domains.txt", "streets.txt",    "cities.txt",
                           "postcodes.txt",     "countries.txt",  "companies.txt",
                           "job_titles.txt",    "usernames.txt",  "credit_card_bins.txt"};
    char *dir = make_temp_dir();
    for (size_t i = 0; i < 12; i++)
        write_file(dir, names[i], "x\n");
    pv_library *lib = NULL;
    pv_error *err = pv_library_load_dir(dir, &lib); /* postcodes "x" is not 5 digits */
    assert_non_null(err);
    assert_int_equal(err->exit_code, PV_EXIT_PREFLIGHT);
    assert_non_null(strstr(err->cause, "postcodes.txt"));
    assert_non_null(strstr(err->cause, "line 1"));
    pv_error_free(err);
    write_file(dir, "postcodes.txt", "12345\n");
    write_file(dir, "credit_card_bins.txt", "411111\n");
    write_file(dir, "cities.txt", "A\n\nB\n");
    err = pv_library_load_dir(dir, &lib);
    assert_non_null(err);
    assert_non_null(strstr(err->cause, "line 2 is empty"));
    pv_error_free(err);
    write_file(dir, "cities.txt", "A\n\xff\n");
    err = pv_library_load_dir(dir, &lib);
    assert_non_null(err);
    assert_non_null(strstr(err->cause, "line 2 is not valid UTF-8"));
    pv_error_free(err);
    write_file(dir, "cities.txt", "A\nB"); /* no final newline is fine */
    assert_null(pv_library_load_dir(dir, &lib));
    assert_int_equal(pv_library_list(lib, PV_LIST_CITIES)->n, 2);
    pv_library_free(lib);
    remove_tree(dir, names, 12);
    free(dir);
}

/* ------------------------------------------------------------ determinism, NFC, §3 */

static void test_determinism(void **state)
{
    (void)state;
    fake_case base = {PV_MASK_LIB_STANDARD, "uuid", "public.users.email"};
    fake_case other_path = {PV_MASK_LIB_STANDARD, "uuid", "public.customers.email"};
    pv_fake_column *a = column(&base), *a2 = column(&base), *p = column(&other_path);
    pv_fake_opts o = {.library = PV_MASK_LIB_STANDARD,
                      .provider = "uuid",
                      .column_path = "public.users.email",
                      .hash_path = "public.users.email",
                      .secret = "another-salt-0123456789abcdef0123456789",
                      .secret_len = 39};
    pv_fake_column *s = NULL;
    assert_null(pv_fake_column_new(&o, &s));
    for (int i = 0; i < 200; i++) {
        char in[32];
        int len = snprintf(in, sizeof(in), "person%d@example.com", i);
        pv_buf ba = PV_BUF_INIT, ba2 = PV_BUF_INIT, bp = PV_BUF_INIT, bs = PV_BUF_INIT;
        assert_null(pv_fake_cell(a, &scratch, (const uint8_t *)in, (size_t)len, &ba));
        assert_null(pv_fake_cell(a2, &scratch, (const uint8_t *)in, (size_t)len, &ba2));
        assert_null(pv_fake_cell(p, &scratch, (const uint8_t *)in, (size_t)len, &bp));
        assert_null(pv_fake_cell(s, &scratch, (const uint8_t *)in, (size_t)len, &bs));
        assert_string_equal(buf_text(&ba), buf_text(&ba2));
        assert_string_not_equal(buf_text(&ba), buf_text(&bp));
        assert_string_not_equal(buf_text(&ba), buf_text(&bs));
        pv_buf_free(&ba);
        pv_buf_free(&ba2);
        pv_buf_free(&bp);
        pv_buf_free(&bs);
    }
    pv_fake_column_free(a);
    pv_fake_column_free(a2);
    pv_fake_column_free(p);
    pv_fake_column_free(s);
}

static void test_nfc_and_utf8(void **state)
{
    (void)state;
    fake_case c = {PV_MASK_LIB_STANDARD, "uuid", "p.t.c"};
    pv_fake_column *col = column(&c);
    uint8_t s1[16], s2[16], want[16];
    assert_true(pv_fake_seed(col, &scratch, (const uint8_t *)"e\xcc\x81", 3, s1)); /* e + U+0301 */
    assert_true(pv_fake_seed(col, &scratch, (const uint8_t *)"\xc3\xa9", 2, s2));  /* U+00E9 */
    hex_to_bytes("8bd0acbd7624313c32f9dd05ce21179d", want, 16);
    assert_memory_equal(s1, want, 16);
    assert_memory_equal(s2, want, 16);
    /* case is preserved: "E" differs from "e" */
    assert_true(pv_fake_seed(col, &scratch, (const uint8_t *)"E", 1, s1));
    assert_true(pv_fake_seed(col, &scratch, (const uint8_t *)"e", 1, s2));
    assert_memory_not_equal(s1, s2, 16);
    /* invalid UTF-8 fails with a value-free error naming the column */
    pv_buf b = PV_BUF_INIT;
    pv_error *err = pv_fake_cell(col, &scratch, (const uint8_t *)"ab\xc3", 3, &b);
    assert_non_null(err);
    assert_int_equal(err->exit_code, PV_EXIT_GENERIC);
    assert_non_null(strstr(err->cause, "p.t.c"));
    assert_null(strstr(err->cause, "ab"));
    pv_error_free(err);
    /* a long non-ASCII input grows the scratch and still normalises */
    pv_buf big = PV_BUF_INIT;
    for (int i = 0; i < 5000; i++)
        pv_buf_put(&big, "e\xcc\x81", 3);
    pv_buf big2 = PV_BUF_INIT;
    for (int i = 0; i < 5000; i++)
        pv_buf_put(&big2, "\xc3\xa9", 2);
    assert_true(pv_fake_seed(col, &scratch, big.data, big.len, s1));
    assert_true(pv_fake_seed(col, &scratch, big2.data, big2.len, s2));
    assert_memory_equal(s1, s2, 16);
    pv_buf_free(&big);
    pv_buf_free(&big2);
    pv_buf_free(&b);
    pv_fake_column_free(col);
}

/* Python's str.strip(): Zs, and bidi classes WS, B and S, at both ends only. */
static void test_text_strip(void **state)
{
    (void)state;
    struct {
        const char *in;
        size_t start, end;
    } v[] = {
        {"", 0, 0},
        {"   ", 3, 3},
        {"x", 0, 1},
        {" \t x y \n", 3, 6},
        {"\xc2\xa0x\xe2\x80\x83", 2, 3}, /* NBSP, x, EM SPACE */
        {"x\xc2\x85", 0, 1},             /* NEL is whitespace in Python */
        {"\x1fx\x1c", 1, 2},             /* information separators too */
        {"\xc3\xa9 ", 0, 2},             /* é is not */
        {"\xe2\x80\x8bx", 0, 4},         /* ZERO WIDTH SPACE is not */
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
        size_t a, e;
        pv_text_strip((const uint8_t *)v[i].in, strlen(v[i].in), &a, &e);
        assert_int_equal(a, v[i].start);
        assert_int_equal(e, v[i].end);
    }
}

/* The no-copy NFC path (code points below U+0300) agrees with utf8proc. */
static void test_nfc_fast_path_agrees(void **state)
{
    (void)state;
    pv_mask_scratch fresh;
    pv_mask_scratch_init(&fresh);
    for (utf8proc_int32_t a = 0x20; a < 0x300; a += 7) {
        for (utf8proc_int32_t b = 0x20; b < 0x300; b++) {
            uint8_t in[8];
            size_t n = (size_t)utf8proc_encode_char(a, in);
            n += (size_t)utf8proc_encode_char(b, in + n);
            const uint8_t *out;
            size_t out_len;
            assert_true(pv_nfc(&fresh, in, n, &out, &out_len));
            uint8_t term[9];
            memcpy(term, in, n);
            term[n] = 0;
            uint8_t *want = utf8proc_NFC(term);
            assert_int_equal(out_len, strlen((const char *)want));
            assert_memory_equal(out, want, out_len);
            free(want);
        }
    }
    /* a combining mark takes the slow path and composes */
    const uint8_t *out;
    size_t out_len;
    assert_true(pv_nfc(&fresh, (const uint8_t *)"e\xcc\x81", 3, &out, &out_len));
    assert_int_equal(out_len, 2);
    assert_memory_equal(out, "\xc3\xa9", 2);
    /* truncated or overlong sequences are rejected, not passed through */
    assert_false(pv_nfc(&fresh, (const uint8_t *)"\xc3", 1, &out, &out_len));
    assert_false(pv_nfc(&fresh, (const uint8_t *)"\xc0\xaf", 2, &out, &out_len));
    pv_mask_scratch_free(&fresh);
}

static void test_null_and_empty_rules(void **state)
{
    (void)state;
    /* NULL stays NULL under every action */
    for (int a = PV_MASK_CLASS_PASSTHROUGH; a <= PV_MASK_CLASS_OTHER; a++)
        assert_int_equal(pv_mask_cell_fate((pv_mask_class)a, true, 0), PV_FATE_NULL);
    /* "" → NULL under null, the value under static, unchanged otherwise */
    assert_int_equal(pv_mask_cell_fate(PV_MASK_CLASS_NULL, false, 0), PV_FATE_NULL);
    assert_int_equal(pv_mask_cell_fate(PV_MASK_CLASS_STATIC, false, 0), PV_FATE_STATIC);
    assert_int_equal(pv_mask_cell_fate(PV_MASK_CLASS_OTHER, false, 0), PV_FATE_KEEP);
    assert_int_equal(pv_mask_cell_fate(PV_MASK_CLASS_PASSTHROUGH, false, 0), PV_FATE_KEEP);
    /* whitespace-only is a normal value */
    assert_int_equal(pv_mask_cell_fate(PV_MASK_CLASS_OTHER, false, 1), PV_FATE_MASK);
    assert_int_equal(pv_mask_cell_fate(PV_MASK_CLASS_NULL, false, 1), PV_FATE_NULL);
    assert_int_equal(pv_mask_cell_fate(PV_MASK_CLASS_STATIC, false, 3), PV_FATE_STATIC);
    /* the cell functions themselves keep "" */
    fake_case c = {PV_MASK_LIB_STANDARD, "email", "public.users.email", false, true};
    char *e = fake(&c, "");
    assert_string_equal(e, "");
    free(e);
    char *w = fake(&c, " ");
    assert_true(strlen(w) > 0);
    free(w);
}

static void test_unknown_provider(void **state)
{
    (void)state;
    pv_fake_opts o = {.provider = "no_such_provider",
                      .column_path = "public.t.c",
                      .hash_path = "public.t.c",
                      .secret = SALT,
                      .secret_len = strlen(SALT)};
    pv_fake_column *col = NULL;
    pv_error *err = pv_fake_column_new(&o, &col);
    assert_non_null(err);
    assert_null(col);
    assert_int_equal(err->exit_code, PV_EXIT_GENERIC);
    assert_string_equal(err->context, "Generating fake for public.t.c");
    assert_string_equal(err->cause, "Unknown provider 'no_such_provider'.");
    pv_error_free(err);
}

/* ------------------------------------------------------------ memo */

/* pv_u128_mod (divq on x86-64) against the compiler's 128-bit %. */
static void test_u128_mod(void **state)
{
    (void)state;
    const uint64_t divisors[] = {1,
                                 2,
                                 3,
                                 10,
                                 11,
                                 365,
                                 3650,
                                 9999,
                                 10000000000ULL,
                                 4294967291ULL,
                                 0x8000000000000000ULL,
                                 UINT64_MAX};
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
        uint64_t y = x * 0xD6E8FEB86659FD93ULL;
        pv_u128 v = i % 3 == 0 ? (pv_u128)x : ((pv_u128)x << 64 | y);
        if (i == 0)
            v = ~(pv_u128)0;
        for (size_t d = 0; d < sizeof(divisors) / sizeof(divisors[0]); d++)
            assert_true(pv_u128_mod(v, divisors[d]) == (uint64_t)(v % divisors[d]));
    }
    uint8_t seed[16];
    for (int i = 0; i < 16; i++)
        seed[i] = (uint8_t)(0xF0 + i);
    pv_u128 slow = 0;
    for (int i = 0; i < 16; i++)
        slow = slow << 8 | seed[i];
    assert_true(pv_u128_be(seed, 16) == slow);
}

static void test_memo_is_transparent(void **state)
{
    (void)state;
    fake_case c = {PV_MASK_LIB_STANDARD, "city", "public.users.city", false, true};
    pv_fake_column *col = column(&c);
    pv_memo *memo = pv_memo_new();
    const char *inputs[] = {"Paris", "Lyon", "Paris", "Nice", "Lyon", "Paris"};
    for (int round = 0; round < 1000; round++) {
        const char *in = inputs[round % 6];
        pv_buf with = PV_BUF_INIT, without = PV_BUF_INIT;
        pv_buf_put(&with, "prefix:", 7); /* outputs append */
        /* As the masker uses it: a hit appends the remembered output, a miss computes and puts. */
        const uint8_t *key = (const uint8_t *)in;
        if (!pv_memo_get(memo, key, strlen(in), &with)) {
            assert_null(pv_fake_cell(col, &scratch, key, strlen(in), &with));
            pv_memo_put(memo, key, strlen(in), with.data + 7, with.len - 7);
        }
        assert_null(pv_fake_cell(col, &scratch, key, strlen(in), &without));
        assert_int_equal(with.len, without.len + 7);
        assert_memory_equal(with.data + 7, without.data, without.len);
        pv_buf_free(&with);
        pv_buf_free(&without);
    }
    uint64_t lookups, hits;
    pv_memo_stats(memo, &lookups, &hits);
    assert_int_equal(lookups, 1000);
    assert_true(hits >= 990);
    pv_memo_free(memo);
    pv_fake_column_free(col);
}

static void test_memo_switches_off_on_unique_inputs(void **state)
{
    (void)state;
    pv_memo *memo = pv_memo_new();
    pv_buf out = PV_BUF_INIT;
    for (int i = 0; i < 5000; i++) {
        char in[32];
        int len = snprintf(in, sizeof(in), "k%d", i);
        assert_false(pv_memo_get(memo, (const uint8_t *)in, (size_t)len, &out));
        pv_memo_put(memo, (const uint8_t *)in, (size_t)len, (const uint8_t *)"v", 1);
    }
    /* asleep now: even a remembered key misses, so nothing is hashed */
    assert_false(pv_memo_get(memo, (const uint8_t *)"k4999", 5, &out));
    assert_int_equal(out.len, 0);
    /* too long to remember */
    char longkey[PV_MEMO_KEY_MAX + 1];
    memset(longkey, 'a', sizeof(longkey));
    pv_memo *fresh = pv_memo_new();
    pv_memo_put(fresh, (const uint8_t *)longkey, sizeof(longkey), (const uint8_t *)"v", 1);
    assert_false(pv_memo_get(fresh, (const uint8_t *)longkey, sizeof(longkey), &out));
    pv_memo_put(fresh, (const uint8_t *)"k", 1, (const uint8_t *)"v", 1);
    assert_true(pv_memo_get(fresh, (const uint8_t *)"k", 1, &out));
    assert_memory_equal(out.data, "v", 1);
    assert_false(pv_memo_get(NULL, (const uint8_t *)"k", 1, &out));
    pv_memo_free(fresh);
    pv_memo_free(memo);
    pv_buf_free(&out);
}

static void test_memo32(void **state)
{
    (void)state;
    pv_memo32 *memo = pv_memo32_new();
    uint32_t v = 0;
    assert_false(pv_memo32_get(memo, 0, &v)); /* a zeroed slot is empty, even for key 0 */
    /* 65,536 consecutive keys (here across the sign boundary) all stay. */
    for (int32_t k = -32768; k < 32768; k++)
        pv_memo32_put(memo, (uint32_t)k, (uint32_t)k * 7u);
    for (int32_t k = -32768; k < 32768; k++) {
        assert_true(pv_memo32_get(memo, (uint32_t)k, &v));
        assert_int_equal(v, (uint32_t)k * 7u);
    }
    /* A key 65,536 away shares the slot: it misses, then evicts. */
    assert_false(pv_memo32_get(memo, 5u + 65536u, &v));
    pv_memo32_put(memo, 5u + 65536u, 0xFFFFFFFFu);
    assert_false(pv_memo32_get(memo, 5, &v));
    assert_true(pv_memo32_get(memo, 5u + 65536u, &v));
    assert_int_equal(v, 0xFFFFFFFFu);
    uint64_t lookups, hits;
    pv_memo32_stats(memo, &lookups, &hits);
    assert_int_equal(lookups, 65536 + 4);
    assert_int_equal(hits, 65536 + 1);
    pv_memo32_free(memo);
    assert_false(pv_memo32_get(NULL, 1, &v));
    pv_memo32_put(NULL, 1, 1);
}

/* ------------------------------------------------------------ custom providers */

static void test_custom_templates(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    write_file(dir, "emp.yaml",
               "name: acme_employee_id\n"
               "kind: template\n"
               "template: \"EMP-{hex:8|upper}-{digits:4}-{pick:dept}\"\n"
               "lists:\n"
               "  dept: [OPS, ENG, HR]\n"
               "types: [text, varchar]\n");
    write_file(dir, "code.yaml", "name: acme_code\nkind: library\nvalues: [alpha, beta, gamma]\n");
    write_file(dir, "pair.yaml",
               "name: acme_pair\nkind: template\ntemplate: '{pick:l}{pick:l|upper} {{x}}'\n"
               "lists: {l: [p, q, r, s, t]}\n");
    write_file(dir, "ignored.txt", "not a provider\n");
    const char *dirs[] = {dir, "/nonexistent/privaci-providers"};
    pv_custom_set *set = NULL;
    pv_error *err = pv_custom_load_dirs(dirs, 2, &set);
    if (err)
        fail_msg("%s", err->cause);
    assert_int_equal(pv_custom_count(set), 3);
    /* files load in name order */
    assert_string_equal(pv_custom_name(pv_custom_at(set, 0)), "acme_code");
    assert_string_equal(pv_custom_name(pv_custom_at(set, 1)), "acme_employee_id");
    const pv_custom_provider *emp = pv_custom_find(set, "acme_employee_id");
    assert_int_equal(pv_custom_type_count(emp), 2);
    assert_string_equal(pv_custom_type(emp, 1), "varchar");
    assert_int_equal(pv_custom_type_count(pv_custom_find(set, "acme_code")), 1);
    assert_string_equal(pv_custom_type(pv_custom_find(set, "acme_code"), 0), "text");

    /* pinned against a Python reference of §6 + §8.4 */
    struct {
        const char *name, *path, *in, *want;
    } v[] = {
        {"acme_employee_id", "public.staff.emp_id", "E-1001", "EMP-6A8517B8-4398-HR"},
        {"acme_code", "public.staff.code", "x", "alpha"},
        {"acme_pair", "public.staff.pair", "v", "rR {x}"},
    };
    for (size_t i = 0; i < 3; i++) {
        pv_seeder sd;
        pv_seeder_init(&sd, SALT, strlen(SALT), v[i].path, strlen(v[i].path));
        uint8_t d[PV_DIGEST_LEN];
        pv_seeder_digest_nfc(&sd, (const uint8_t *)v[i].in, strlen(v[i].in), d);
        pv_buf b = PV_BUF_INIT;
        pv_custom_generate(pv_custom_find(set, v[i].name), d, &b);
        assert_string_equal(buf_text(&b), v[i].want);
        /* custom providers get the generic suffix when unique */
        pv_buf u = PV_BUF_INIT;
        pv_unique_apply(-1, d, b.data, b.len, &u);
        assert_int_equal(u.len, b.len + 18);
        pv_buf_free(&u);
        pv_buf_free(&b);
    }
    pv_custom_set_free(set);
    const char *names[] = {"emp.yaml", "code.yaml", "pair.yaml", "ignored.txt"};
    remove_tree(dir, names, 4);
    free(dir);
}

static void expect_custom_error(const char *file_text, const char *want)
{
    char *dir = make_temp_dir();
    write_file(dir, "p.yaml", file_text);
    const char *dirs[] = {dir};
    pv_custom_set *set = NULL;
    pv_error *err = pv_custom_load_dirs(dirs, 1, &set);
    if (!err)
        fail_msg("no error for: %s", file_text);
    assert_null(set);
    assert_int_equal(err->exit_code, PV_EXIT_CONFIG);
    assert_string_equal(err->context, "Loading custom providers");
    assert_string_equal(err->remediation, "Fix the provider file.");
    char *full = pv_xasprintf("%s/p.yaml:%s", dir, want);
    if (strcmp(err->cause, full) != 0)
        fail_msg("got '%s', want '%s'", err->cause, full);
    free(full);
    pv_error_free(err);
    const char *names[] = {"p.yaml"};
    remove_tree(dir, names, 1);
    free(dir);
}

static void test_custom_validation(void **state)
{
    (void)state;
    expect_custom_error("name: Bad\nkind: library\nvalues: [a]\n",
                        "1: name must match ^[a-z][a-z0-9_]{0,62}$");
    expect_custom_error("name: email\nkind: library\nvalues: [a]\n",
                        "1: name 'email' is a built-in provider");
    expect_custom_error("name: x\nkind: magic\n", "2: kind must be library or template");
    expect_custom_error("name: x\nkind: library\nvalues: []\n",
                        "3: values must be a non-empty list of strings");
    expect_custom_error("name: x\nkind: library\nvalues:\n  - a\n  - ''\n",
                        "5: values[1] must be a non-empty string");
    expect_custom_error("name: x\nkind: template\ntemplate: 'A-{hex:33}'\n",
                        "3: placeholder 0: {hex:N} needs N between 1 and 32");
    expect_custom_error("name: x\nkind: template\ntemplate: '{digits:0}'\n",
                        "3: placeholder 0: {digits:N} needs N between 1 and 30");
    expect_custom_error("name: x\nkind: template\ntemplate: '{hex:4}{pick:d}'\n",
                        "3: placeholder 1: {pick:d} names no list under lists");
    expect_custom_error("name: x\nkind: template\ntemplate: '{hex:4|title}'\n",
                        "3: placeholder 0: the modifier must be |upper or |lower");
    expect_custom_error("name: x\nkind: template\ntemplate: 'a}b'\n",
                        "3: template has an unmatched '}' (write '}}' for a literal brace)");
    expect_custom_error("name: x\nkind: template\ntemplate: 'a{hex:4'\n",
                        "3: template has an unclosed '{' (write '{{' for a literal brace)");
    expect_custom_error("name: x\nkind: template\ntemplate: '{uuid}'\n",
                        "3: placeholder 0: unknown placeholder (use hex, digits or pick)");
    expect_custom_error("name: x\nkind: library\nvalues: [a]\ncolour: red\n",
                        "4: unknown key (expected name, kind, template, values, lists, types)");
    expect_custom_error("name: x\nkind: library\n", "2: kind: library needs values");
    expect_custom_error("kind: library\nvalues: [a]\n", "1: missing required key name");
    expect_custom_error("- a\n- b\n", "1: a provider file must be a YAML mapping");
    expect_custom_error("name: y\nname: z\nkind: library\nvalues: [a]\n",
                        "2: invalid YAML (duplicate key)");
    expect_custom_error("name: x\nkind: template\nvalues: [a]\n",
                        "3: values is only allowed with kind: library");
}

static void test_custom_validation_yaml_and_clash(void **state)
{
    (void)state;
    /* a YAML syntax error names the line */
    char *dir = make_temp_dir();
    write_file(dir, "a.yaml", "name: x\nkind: library\nvalues: [a, b\n");
    const char *dirs[] = {dir};
    pv_custom_set *set = NULL;
    pv_error *err = pv_custom_load_dirs(dirs, 1, &set);
    assert_non_null(err);
    char *prefix = pv_xasprintf("%s/a.yaml:", dir);
    assert_memory_equal(err->cause, prefix, strlen(prefix));
    assert_non_null(strstr(err->cause, "invalid YAML"));
    free(prefix);
    pv_error_free(err);
    /* the same name in two files: the second is reported */
    write_file(dir, "a.yaml", "name: dup\nkind: library\nvalues: [a]\n");
    write_file(dir, "b.yaml", "kind: library\nname: dup\nvalues: [b]\n");
    err = pv_custom_load_dirs(dirs, 1, &set);
    assert_non_null(err);
    char *want =
        pv_xasprintf("%s/b.yaml:2: provider 'dup' is already defined in %s/a.yaml", dir, dir);
    assert_string_equal(err->cause, want);
    free(want);
    pv_error_free(err);
    const char *names[] = {"a.yaml", "b.yaml"};
    remove_tree(dir, names, 2);
    free(dir);
}

/* Through the process-wide loader and a fake column (PRIVACI_PROVIDERS_PATH). */
static void test_custom_provider_in_fake_column(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    write_file(dir, "emp.yaml",
               "name: acme_employee_id\nkind: template\n"
               "template: \"EMP-{hex:8|upper}-{digits:4}-{pick:dept}\"\n"
               "lists:\n  dept: [OPS, ENG, HR]\n");
    setenv("PRIVACI_PROVIDERS_PATH", dir, 1);
    expect_fake(&(fake_case){PV_MASK_LIB_STANDARD, "acme_employee_id", "public.staff.emp_id"},
                "E-1001", "EMP-6A8517B8-4398-HR");
    expect_fake(
        &(fake_case){PV_MASK_LIB_STANDARD, "acme_employee_id", "public.staff.emp_id", false, true},
        "E-1001", "EMP-6A8517B8-4398-HR__6a8517b87de6a467");
    const char *names[] = {"emp.yaml"};
    remove_tree(dir, names, 1);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_vector),
        cmocka_unit_test(test_classic_vectors),
        cmocka_unit_test(test_shared_vectors_hold_under_standard),
        cmocka_unit_test(test_hash_vectors),
        cmocka_unit_test(test_hmac_vectors),
        cmocka_unit_test(test_unique_vectors),
        cmocka_unit_test(test_unique_suffix_keeps_distinct),
        cmocka_unit_test(test_fpe_vectors),
        cmocka_unit_test(test_fpe_rejects_out_of_domain),
        cmocka_unit_test(test_fpe_bijection_int2),
        cmocka_unit_test(test_fpe_bijection_numeric),
        cmocka_unit_test(test_fpe_generic_path_agrees),
        cmocka_unit_test(test_fpe_keyed_by_secret_and_path),
        cmocka_unit_test(test_standard_ssn_never_issued),
        cmocka_unit_test(test_standard_cards_luhn_test_bins),
        cmocka_unit_test(test_standard_shapes),
        cmocka_unit_test(test_phone_e164_keeps_country_code),
        cmocka_unit_test(test_dob_within_bracket),
        cmocka_unit_test(test_standard_library_sizes),
        cmocka_unit_test(test_classic_library_exact),
        cmocka_unit_test(test_library_rejects_bad_files),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_nfc_and_utf8),
        cmocka_unit_test(test_text_strip),
        cmocka_unit_test(test_nfc_fast_path_agrees),
        cmocka_unit_test(test_null_and_empty_rules),
        cmocka_unit_test(test_memo_is_transparent),
        cmocka_unit_test(test_memo_switches_off_on_unique_inputs),
        cmocka_unit_test(test_memo32),
        cmocka_unit_test(test_u128_mod),
        cmocka_unit_test(test_custom_templates),
        cmocka_unit_test(test_custom_validation),
        cmocka_unit_test(test_custom_validation_yaml_and_clash),
        cmocka_unit_test(test_custom_provider_in_fake_column),
        cmocka_unit_test(test_unknown_provider),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
