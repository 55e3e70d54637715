/*
 * Unit tests for the regex_mask engine in src/config/regex.c: compiled
 * templates, per-thread matchers and pv_regex_substitute (config.md §6).
 *
 * The substitution corpus runs every case twice, JIT-compiled and on the
 * interpreter. Its expected outputs come from CPython 3.11's re.sub
 * (/usr/bin/python3: re.sub(pattern, replace, subject, flags=...)), written
 * out as literals; `expected_len` counts bytes because one output holds a
 * NUL. The limits, bad input and matcher reuse are tested after it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config/regex.h"
#include "util/buf.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct sub_case {
    const char *pattern;
    uint32_t opts; /* on top of PV_REGEX_DEFAULT_OPTS */
    const char *replace;
    const char *subject;
    const char *expected;
    size_t expected_len;
} sub_case;

/* Expected outputs: CPython 3.11 re.sub. */
static const sub_case CASES[] = {
    /* literal replacement */
    {"\\d", 0, "#", "a1b22c333", "a#b##c###", 9},
    {"secret", 0, "[redacted]", "no secret here, secret!", "no [redacted] here, [redacted]!", 31},
    {"(\\d{3})-(\\d{2})-(\\d{4})", 0, "***-**-\\3", "ssn 123-45-6789 and 987-65-4321",
     "ssn ***-**-6789 and ***-**-4321", 31},
    /* group references: \N, \g<N>, \g<name>, \11 vs \1 + digit */
    {"(\\w)(\\w)", 0, "\\g<2>\\g<1>\\g<0>", "abcde", "baabdccde", 9},
    {"(?P<user>\\w+)@(?P<dom>\\w+)", 0, "\\g<dom> at \\g<user> (\\2/\\1)", "joe@example, x@y",
     "example at joe (example/joe), y at x (y/x)", 42},
    {"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)", 0, "\\11\\1\\g<1>1\\100\\10", "abcdefghijk!", "kaa1@j!",
     7},
    /* unmatched groups insert nothing */
    {"(a)(b)?", 0, "[\\1|\\2|\\g<2>]", "ab a", "[a|b|b] [a||]", 13},
    {"(x)|(y)", 0, "<\\1\\2>", "xyz", "<x><y>z", 7},
    /* control and octal escapes (\0oo and \ooo are code points) */
    {"-", 0, "\\n\\t\\r\\f\\v\\a\\b\\\\", "a-b", "a\n\t\015\014\013\007\010\\b", 10},
    {"(a)", 0, "\\0|\\07|\\077|\\101|\\0101|\\1017|\\377|\\200", "a",
     "\000|\007|?|A|\0101|A7|ÿ|\302\200", 19},
    /* a backslash before punctuation or a non-ASCII character stays */
    {"x", 0, "\\-\\.\\é\\ \\%\\{\\}", "x", "\\-\\.\\é\\ \\%\\{\\}", 15},
    /* empty matches, Python 3.7+ rules */
    {"x*", 0, "-", "abxd", "-a-b--d-", 8},
    {"x*", 0, "-", "ax", "-a--", 4},
    {"x*", 0, "-", "", "-", 1},
    {"", 0, "-", "abc", "-a-b-c-", 7},
    {"\\b", 0, "|", "hi there, you", "|hi| |there|, |you|", 19},
    {"(?=a)", 0, "^", "banana", "b^an^an^a", 9},
    {"a|", 0, "-", "baaac", "-b----c-", 8},
    {"|a", 0, "-", "baac", "-b-----c-", 9},
    {"a*?", 0, "-", "baac", "-b-----c-", 9},
    {"\\s*", 0, "_", "a b  c", "_a__b__c_", 9},
    {"(?<=\\d)(?=(?:\\d{3})+$)", 0, ",", "1234567", "1,234,567", 9},
    {"$", 0, "E", "ab\n", "abE\nE", 5},
    {"^", PCRE2_MULTILINE, ">", "line1\nline2\n", ">line1\n>line2\n>", 15},
    {"\\d\\Z", 0, "X", "a1\n1", "a1\nX", 4},
    /* UTF-8: empty matches step over whole characters */
    {"", 0, "-", "hé→😀", "-h-é-→-😀-", 15},
    {"x*", 0, "-", "é😀x✓", "-é-😀--✓-", 14},
    {"\\w+", 0, "<\\g<0>>", "naïve café Ωμέγα 123", "<naïve> <café> <Ωμέγα> <123>", 35},
    {".", 0, "X", "日本語", "XXX", 3},
    {"(?<=é)", 0, "|", "éaé", "é|aé|", 7},
    {"\\d", 0, "#", "٣4७", "###", 3},
    /* IGNORECASE (opts), Unicode case folding included */
    {"abc", PCRE2_CASELESS, "x", "ABC abc AbC", "x x x", 5},
    {"école", PCRE2_CASELESS, "school", "ÉCOLE École", "school school", 13},
    {"k", PCRE2_CASELESS, "x", "kK\342\204\252", "xxx", 3},
};

static pcre2_code *compile(const char *pattern, uint32_t opts, bool jit)
{
    char *problem = NULL;
    pcre2_code *code = pv_regex_compile(pattern, PV_REGEX_DEFAULT_OPTS | opts, &problem);
    if (!code)
        fail_msg("pattern %s: %s", pattern, problem);
    if (jit)
        assert_int_equal(pv_regex_jit(code), 0);
    return code;
}

static pv_regex_template *template_for(const char *replace, const pcre2_code *code)
{
    char *problem = NULL;
    pv_regex_template *t = pv_regex_template_new(replace, code, &problem);
    if (!t)
        fail_msg("template %s: %s", replace, problem);
    assert_null(problem);
    return t;
}

static void run_corpus(bool jit)
{
    pv_buf out = PV_BUF_INIT;
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        const sub_case *c = &CASES[i];
        pcre2_code *code = compile(c->pattern, c->opts, jit);
        pv_regex_template *t = template_for(c->replace, code);
        pv_regex_matcher *m = pv_regex_matcher_new(code);
        pv_buf_reset(&out);
        pv_buf_puts(&out, "kept:"); /* the result is appended */
        pv_regex_status st =
            pv_regex_substitute(m, code, t, (const uint8_t *)c->subject, strlen(c->subject), &out);
        if (st != PV_REGEX_OK || out.len != 5 + c->expected_len ||
            memcmp(out.data + 5, c->expected, c->expected_len) != 0) {
            pv_buf_terminate(&out);
            fail_msg("case %zu (jit %d): re.sub('%s', '%s', '%s'): status %d, got '%s', want '%s'",
                     i, jit, c->pattern, c->replace, c->subject, (int)st, (char *)out.data + 5,
                     c->expected);
        }
        assert_memory_equal(out.data, "kept:", 5);
        pv_regex_matcher_free(m);
        pv_regex_template_free(t);
        pcre2_code_free(code);
    }
    pv_buf_free(&out);
}

static void test_corpus_jit(void **state)
{
    (void)state;
    run_corpus(true);
}

static void test_corpus_interpreter(void **state)
{
    (void)state;
    run_corpus(false);
}

/* pv_regex_template_new reports what pv_regex_check_template reports. */
static void test_template_problems(void **state)
{
    (void)state;
    static const char *const bad[] = {"\\3",      "ab\\12", "\\g<3>",   "\\g<nope>",
                                      "\\g<a-b>", "\\g<>",  "\\g<word", "\\gword",
                                      "é\\400",   "\\d",    "ok\\"};
    pcre2_code *code = compile("(a)(?P<word>b)", 0, false);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *want = pv_regex_check_template(bad[i], code);
        assert_non_null(want);
        char *problem = NULL;
        assert_null(pv_regex_template_new(bad[i], code, &problem));
        assert_non_null(problem);
        assert_string_equal(problem, want);
        free(problem);
        free(want);
    }
    char *problem = (char *)"untouched";
    pv_regex_template *t = pv_regex_template_new("", code, &problem);
    assert_non_null(t);
    assert_null(problem);
    pv_regex_template_free(t);
    pv_regex_template_free(NULL);
    pcre2_code_free(code);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Run (a subject, length) through a fresh matcher; `out` starts as "x". */
static pv_regex_status substitute(pcre2_code *code, const char *replace, const uint8_t *subject,
                                  size_t len, pv_buf *out)
{
    pv_regex_template *t = template_for(replace, code);
    pv_regex_matcher *m = pv_regex_matcher_new(code);
    pv_buf_reset(out);
    pv_buf_putc(out, 'x');
    pv_regex_status st = pv_regex_substitute(m, code, t, subject, len, out);
    pv_regex_matcher_free(m);
    pv_regex_template_free(t);
    return st;
}

/* (a+)+$ passes the compiler (the ReDoS screen is a config-load check). */
static void test_catastrophic_pattern_hits_the_limit(void **state)
{
    (void)state;
    static const char subject[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
    pv_buf out = PV_BUF_INIT;
    for (int jit = 1; jit >= 0; jit--) {
        pcre2_code *code = compile("(a+)+$", 0, jit);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(substitute(code, "b", (const uint8_t *)subject, strlen(subject), &out),
                         PV_REGEX_LIMIT);
        assert_true(seconds_since(&t0) < 5.0); /* ~10 ms here; 2^30 paths without the limit */
        assert_int_equal(out.len, 1);
        assert_int_equal(out.data[0], 'x');
        pcre2_code_free(code);
    }
    pv_buf_free(&out);
}

/*
 * A group with a capture, repeated once per character, keeps a backtracking
 * frame per repetition: 60,000 of them overflow the 1 MiB JIT stack (about
 * 33,000 fit) and the interpreter's depth limit (about 48,000 fit).
 */
static void test_deep_recursion_hits_the_limit(void **state)
{
    (void)state;
    size_t len = 60000;
    uint8_t *subject = malloc(len);
    for (size_t i = 0; i < len; i++)
        subject[i] = (uint8_t)(i % 2 ? 'b' : 'a');
    pv_buf out = PV_BUF_INIT;
    for (int jit = 1; jit >= 0; jit--) {
        pcre2_code *code = compile("(?:(a)|b)*", 0, jit);
        assert_int_equal(substitute(code, "-", subject, len, &out), PV_REGEX_LIMIT);
        assert_int_equal(out.len, 1);
        pcre2_code_free(code);
    }
    pv_buf_free(&out);
    free(subject);
}

static void test_length_limit(void **state)
{
    (void)state;
    pv_buf out = PV_BUF_INIT;
    pcre2_code *code = compile("a", 0, true);
    size_t n = PV_REGEX_MAX_CHARS + 1;
    uint8_t *ascii = malloc(n);
    memset(ascii, 'a', n);
    assert_int_equal(substitute(code, "b", ascii, n, &out), PV_REGEX_TOO_LONG);
    assert_int_equal(out.len, 1);
    assert_int_equal(substitute(code, "bb", ascii, n - 1, &out), PV_REGEX_OK);
    assert_int_equal(out.len, 1 + 2 * (n - 1));
    assert_int_equal(out.data[out.len - 1], 'b');

    /* code points, not bytes: 65,536 × "é" (131,072 bytes) is fine */
    uint8_t *wide = malloc(2 * n);
    for (size_t i = 0; i < n; i++)
        memcpy(wide + 2 * i, "\xc3\xa9", 2);
    assert_int_equal(pv_utf8_codepoints(wide, 2 * n), n);
    assert_int_equal(substitute(code, "b", wide, 2 * n, &out), PV_REGEX_TOO_LONG);
    assert_int_equal(out.len, 1);
    assert_int_equal(substitute(code, "b", wide, 2 * (n - 1), &out), PV_REGEX_OK);
    assert_int_equal(out.len, 1 + 2 * (n - 1));
    pcre2_code_free(code);
    free(wide);
    free(ascii);
    pv_buf_free(&out);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
    } bad[] = {
        {"\xff", 1},             /* never valid */
        {"abc\xc3", 4},          /* truncated sequence */
        {"\xc0\xaf", 2},         /* overlong '/' */
        {"a\xed\xa0\x80z", 5},   /* surrogate */
        {"\xf4\x90\x80\x80", 4}, /* above U+10FFFF */
        {"aaa\x80", 4},          /* stray continuation byte after matches */
        {"a\0\xfe", 3},          /* after a NUL: lengths, not C strings */
    };
    pv_buf out = PV_BUF_INIT;
    static const char *const patterns[] = {"a", "x*", "abcdefghij", "(?<=a)b"};
    for (int jit = 1; jit >= 0; jit--) {
        for (size_t p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
            pcre2_code *code = compile(patterns[p], 0, jit);
            for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                pv_regex_status st =
                    substitute(code, "-", (const uint8_t *)bad[i].bytes, bad[i].len, &out);
                if (st != PV_REGEX_BAD_UTF8)
                    fail_msg("pattern %s, bad input %zu: status %d", patterns[p], i, (int)st);
                assert_int_equal(out.len, 1);
            }
            pcre2_code_free(code);
        }
    }
    pv_buf_free(&out);
}

/* One matcher, many values; a matcher grows for a pattern with more groups. */
static void test_matcher_reuse(void **state)
{
    (void)state;
    pcre2_code *code = compile("(?P<area>\\d{3})-(\\d{2})-(\\d{4})", 0, true);
    pv_regex_template *t = template_for("\\g<area>-XX-\\3", code);
    pv_regex_matcher *m = pv_regex_matcher_new(code);
    pv_buf out = PV_BUF_INIT;
    char subject[64], want[64];
    for (int i = 0; i < 2000; i++) {
        snprintf(subject, sizeof(subject), "id %03d-%02d-%04d ok", i % 1000, i % 100, i);
        snprintf(want, sizeof(want), "id %03d-XX-%04d ok", i % 1000, i);
        pv_buf_reset(&out);
        assert_int_equal(
            pv_regex_substitute(m, code, t, (const uint8_t *)subject, strlen(subject), &out),
            PV_REGEX_OK);
        assert_int_equal(out.len, strlen(want));
        assert_memory_equal(out.data, want, out.len);
        if (i % 100 == 0) { /* failures in between do not disturb the next call */
            pv_buf_reset(&out);
            assert_int_equal(pv_regex_substitute(m, code, t, (const uint8_t *)"\xff", 1, &out),
                             PV_REGEX_BAD_UTF8);
            assert_int_equal(out.len, 0);
        }
    }

    /* a matcher made for a pattern without groups */
    pcre2_code *plain = compile("x", 0, true);
    pv_regex_matcher *small = pv_regex_matcher_new(plain);
    pv_buf_reset(&out);
    assert_int_equal(pv_regex_substitute(small, code, t, (const uint8_t *)"123-45-6789", 11, &out),
                     PV_REGEX_OK);
    assert_int_equal(out.len, 11);
    assert_memory_equal(out.data, "123-XX-6789", 11);

    /* a template that references groups the pattern lacks */
    pv_regex_template *other = template_for("x", plain);
    pv_buf_reset(&out);
    pv_buf_puts(&out, "before");
    assert_int_equal(pv_regex_substitute(small, plain, t, (const uint8_t *)"x", 1, &out),
                     PV_REGEX_ERROR);
    assert_int_equal(out.len, 6);
    assert_int_equal(pv_regex_substitute(small, plain, other, (const uint8_t *)"axbx", 4, &out),
                     PV_REGEX_OK);
    assert_int_equal(out.len, 10);
    assert_memory_equal(out.data, "beforeaxbx", 10);

    pv_regex_template_free(other);
    pv_regex_matcher_free(small);
    pcre2_code_free(plain);
    pv_buf_free(&out);
    pv_regex_matcher_free(m);
    pv_regex_matcher_free(NULL);
    pv_regex_template_free(t);
    pcre2_code_free(code);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_jit),
        cmocka_unit_test(test_corpus_interpreter),
        cmocka_unit_test(test_template_problems),
        cmocka_unit_test(test_catastrophic_pattern_hits_the_limit),
        cmocka_unit_test(test_deep_recursion_hits_the_limit),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_matcher_reuse),
    };
    return cmocka_run_group_tests_name("regex", tests, NULL, NULL);
}
