/*
 * Unit tests for src/secrets (spec/secrets.md) and the DB-URL redaction of
 * src/obs/redact.c. file:// tests run against real files in a mkdtemp
 * directory that PRIVACI_SECRET_FILE_ROOTS points at.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "obs/redact.h"
#include "secrets/backend.h"
#include "secrets/secrets.h"
#include "util/error.h"
#include "util/hex.h"
#include "util/xalloc.h"

/* Paths here are short mkdtemp names; the fixed buffers cannot overflow,
 * but GCC cannot see that through the helpers. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];    /* the allowed secret root */
static char outside[64]; /* a directory outside every root */

/* ---- helpers ---------------------------------------------------------- */

static void write_bytes(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static char *in_dir(const char *dir, const char *rel)
{
    static char buf[4][512];
    static int slot;
    char *b = buf[slot++ % 4];
    snprintf(b, sizeof(buf[0]), "%s/%s", dir, rel);
    return b;
}

static char *file_uri(const char *abs_path)
{
    static char buf[4][600];
    static int slot;
    char *b = buf[slot++ % 4];
    snprintf(b, sizeof(buf[0]), "file://%s", abs_path);
    return b;
}

/* Resolves and asserts success; returns the value (caller frees). */
static char *resolve_ok(const char *ref, bool interpolate)
{
    char *value = NULL, *cause = NULL;
    int rc = pv_secret_resolve(ref, interpolate, &value, &cause);
    if (rc != 0)
        fail_msg("resolving '%s' failed: %s", ref, cause);
    assert_null(cause);
    assert_non_null(value);
    return value;
}

/* Resolves, asserts failure with exactly `expected` as the cause. */
static void resolve_fails(const char *ref, bool interpolate, const char *expected)
{
    char *value = NULL, *cause = NULL;
    int rc = pv_secret_resolve(ref, interpolate, &value, &cause);
    if (rc == 0)
        fail_msg("resolving '%s' unexpectedly gave a value", ref);
    assert_null(value);
    assert_non_null(cause);
    assert_string_equal(cause, expected);
    free(cause);
}

static void assert_resolves_to(const char *ref, bool interpolate, const char *expected)
{
    char *v = resolve_ok(ref, interpolate);
    assert_string_equal(v, expected);
    free(v);
}

/* Asserts that no text of the error contains `secret`. */
static void assert_error_free_of(const pv_error *err, const char *secret)
{
    assert_null(strstr(err->context, secret));
    assert_null(strstr(err->cause, secret));
    assert_null(strstr(err->remediation, secret));
}

static void assert_scrubbed(const char *secret)
{
    char *text = pv_xasprintf("before %s after", secret);
    char *out = pv_redact_secrets(text);
    assert_null(strstr(out, secret));
    assert_non_null(strstr(out, "<redacted>"));
    free(out);
    free(text);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int group_setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/pv-secrets-root-XXXXXX");
    strcpy(outside, "/tmp/pv-secrets-out-XXXXXX");
    if (!mkdtemp(root) || !mkdtemp(outside))
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    nftw(outside, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static int test_setup(void **state)
{
    (void)state;
    setenv("PRIVACI_SECRET_FILE_ROOTS", root, 1);
    unsetenv("ANONYMIZATION_SALT");
    unsetenv("PSEUDONYM_KEY");
    unsetenv("SOURCE_DB_URL");
    unsetenv("TARGET_DB_URL");
    return 0;
}

static int test_teardown(void **state)
{
    (void)state;
    pv_redact_clear();
    return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, test_setup, test_teardown)

/* ---- reference forms (§2) -------------------------------------------- */

static void test_literal(void **state)
{
    (void)state;
    assert_resolves_to("  plain-secret \n", false, "plain-secret");
    /* libpq key=value DSNs and postgres URLs are literals. */
    assert_resolves_to("host=db user=app password='a b'", false, "host=db user=app password='a b'");
    assert_resolves_to(" POSTGRESQL://app:pw@db:5432/prod ", false,
                       "POSTGRESQL://app:pw@db:5432/prod");
    assert_resolves_to("postgres://h/db", false, "postgres://h/db");
    /* Python's str.strip() whitespace: no-break space, ideographic space. */
    assert_resolves_to("\xc2\xa0value\xe3\x80\x80", false, "value");
    /* A non-whitespace multi-byte character at the edge stays. */
    assert_resolves_to("\xc3\xa9t\xc3\xa9", false, "\xc3\xa9t\xc3\xa9");
}

static void test_empty_reference(void **state)
{
    (void)state;
    resolve_fails("", false, "Secret reference cannot be empty");
    resolve_fails(" \t\n", true, "Secret reference cannot be empty");
    resolve_fails(NULL, false, "Secret reference cannot be empty");
}

static void test_env(void **state)
{
    (void)state;
    setenv("PV_TEST_SECRET", "  from-env\n", 1);
    assert_resolves_to("env://PV_TEST_SECRET", false, "from-env");
    assert_resolves_to("ENV://PV_TEST_SECRET", false, "from-env");  /* scheme case */
    assert_resolves_to("env:///PV_TEST_SECRET", false, "from-env"); /* name in the path */
    unsetenv("PV_TEST_UNSET");
    resolve_fails("env://PV_TEST_UNSET", false, "Environment variable 'PV_TEST_UNSET' is not set");
    setenv("PV_TEST_BLANK", " \t ", 1);
    resolve_fails("env://PV_TEST_BLANK", false, "Environment variable 'PV_TEST_BLANK' is empty");
    setenv("PV_TEST_EMPTY", "", 1);
    resolve_fails("env://PV_TEST_EMPTY", false, "Environment variable 'PV_TEST_EMPTY' is empty");
    resolve_fails("env://1BAD", false, "Environment variable name '1BAD' is not valid.");
    resolve_fails("env://BAD-NAME", false, "Environment variable name 'BAD-NAME' is not valid.");
    resolve_fails("env://A/B", false, "Environment variable name 'A/B' is not valid.");
    resolve_fails("env://", false, "Environment variable name '' is not valid.");
}

static void test_env_bad_name_remediation(void **state)
{
    (void)state;
    char *value = NULL, *cause = NULL;
    const char *rem = NULL;
    assert_int_equal(pv_secret_resolve_detailed("env://9X", false, &value, &cause, &rem), -1);
    assert_string_equal(rem, "Use names matching ^[A-Za-z_][A-Za-z0-9_]*$.");
    free(cause);
    pv_error *err = pv_secret_resolve_required(PV_SECRET_GENERIC, "env://9X", false, &value);
    assert_non_null(err);
    assert_string_equal(err->remediation, "Use names matching ^[A-Za-z_][A-Za-z0-9_]*$.");
    pv_error_free(err);
    /* Unset: the generic remediation of §4. */
    unsetenv("PV_TEST_UNSET");
    assert_int_equal(pv_secret_resolve_detailed("env://PV_TEST_UNSET", false, &value, NULL, &rem),
                     -1);
    assert_null(rem);
}

static void test_interpolation(void **state)
{
    (void)state;
    setenv("PV_TEST_VAR", "interpolated-value", 1);
    assert_resolves_to("${PV_TEST_VAR}", true, "interpolated-value");
    assert_resolves_to("  ${PV_TEST_VAR}  ", true, "interpolated-value");
    /* Off: a literal. */
    assert_resolves_to("${PV_TEST_VAR}", false, "${PV_TEST_VAR}");
    /* No partial interpolation, no invalid names. */
    assert_resolves_to("x${PV_TEST_VAR}", true, "x${PV_TEST_VAR}");
    assert_resolves_to("${PV_TEST_VAR}x", true, "${PV_TEST_VAR}x");
    assert_resolves_to("${1BAD}", true, "${1BAD}");
    assert_resolves_to("${}", true, "${}");
    unsetenv("PV_TEST_UNSET");
    resolve_fails("${PV_TEST_UNSET}", true, "Environment variable 'PV_TEST_UNSET' is not set");
}

static void test_unsupported_scheme(void **state)
{
    (void)state;
    resolve_fails("mysql://u:pw@h/db", false, "Unsupported secret URI scheme: 'mysql'");
    resolve_fails("S3://bucket/key", false, "Unsupported secret URI scheme: 's3'");
    /* Not a scheme at all (maybe part of a password): nothing echoed. */
    resolve_fails("host=x password=a://b", false, "Unsupported secret URI scheme: ''");
    resolve_fails("://x", false, "Unsupported secret URI scheme: ''");
}

/* ---- file:// (§3.2) ---------------------------------------------------- */

static void test_file_ok(void **state)
{
    (void)state;
    char *p = in_dir(root, "db-password");
    write_bytes(p, "  s3cret-from-file\n", 19);
    assert_resolves_to(file_uri(p), false, "s3cret-from-file");
    /* file://localhost/abs is the same file. */
    char ref[600];
    snprintf(ref, sizeof(ref), "file://localhost%s", p);
    assert_resolves_to(ref, false, "s3cret-from-file");
    /* Percent-encoded path components. */
    write_bytes(in_dir(root, "with space"), "spaced", 6);
    snprintf(ref, sizeof(ref), "file://%s/with%%20space", root);
    assert_resolves_to(ref, false, "spaced");
    /* A CRLF and a BOM-free UTF-8 value. */
    write_bytes(in_dir(root, "utf8"), "Z\xc3\xb6\xc3\xab\r\n", 7);
    assert_resolves_to(file_uri(in_dir(root, "utf8")), false, "Z\xc3\xb6\xc3\xab");
}

static void test_file_relative(void **state)
{
    (void)state;
    resolve_fails("file://run/secrets/x", false,
                  "file:// URI must use an absolute path, got 'run/secrets/x'");
    resolve_fails("file://relative", false,
                  "file:// URI must use an absolute path, got 'relative'");
    resolve_fails("file://", false, "file:// URI must use an absolute path, got ''");
}

static void test_file_outside_roots(void **state)
{
    (void)state;
    char *p = in_dir(outside, "secret");
    write_bytes(p, "outside-value", 13);
    char cause[700];
    snprintf(cause, sizeof(cause), "Path '%s' is outside allowed secret roots.", p);
    resolve_fails(file_uri(p), false, cause);

    char *value = NULL;
    pv_error *err = pv_secret_resolve_required(PV_SECRET_DB_URL, file_uri(p), false, &value);
    assert_non_null(err);
    assert_int_equal(err->exit_code, 2);
    assert_string_equal(err->context, "Resolving db_url secret from file://<redacted>");
    assert_string_equal(err->cause, cause);
    assert_string_equal(err->remediation, "Place secrets under PRIVACI_SECRET_FILE_ROOTS "
                                          "directories (default: /run/secrets, /var/run/secrets).");
    pv_error_free(err);

    /* A missing file outside is "outside", not "missing". */
    char *missing = in_dir(outside, "nope");
    snprintf(cause, sizeof(cause), "Path '%s' is outside allowed secret roots.", missing);
    resolve_fails(file_uri(missing), false, cause);

    /* ".." climbing out of a root. */
    char ref[700];
    snprintf(ref, sizeof(ref), "file://%s/../%s", root, strrchr(outside, '/') + 1);
    char shown[700];
    snprintf(shown, sizeof(shown), "Path '%s/../%s' is outside allowed secret roots.", root,
             strrchr(outside, '/') + 1);
    resolve_fails(ref, false, shown);

    /* The root itself is not "under" the root. */
    snprintf(cause, sizeof(cause), "Path '%s' is outside allowed secret roots.", root);
    resolve_fails(file_uri(root), false, cause);
}

static void test_file_default_roots(void **state)
{
    (void)state;
    char *p = in_dir(root, "default-roots");
    write_bytes(p, "v", 1);
    char cause[700];
    snprintf(cause, sizeof(cause), "Path '%s' is outside allowed secret roots.", p);
    unsetenv("PRIVACI_SECRET_FILE_ROOTS");
    resolve_fails(file_uri(p), false, cause);
    /* Only blank entries: the defaults apply too. */
    setenv("PRIVACI_SECRET_FILE_ROOTS", " : :", 1);
    resolve_fails(file_uri(p), false, cause);
    /* Blank entries are skipped, the real one still counts. */
    char roots[200];
    snprintf(roots, sizeof(roots), "::/nonexistent-root: %s :", root);
    setenv("PRIVACI_SECRET_FILE_ROOTS", roots, 1);
    assert_resolves_to(file_uri(p), false, "v");
}

static void test_file_kubernetes_symlinks(void **state)
{
    (void)state;
    /* root/k8s/token -> ..data/token, ..data -> ..2026_x, ..2026_x/token. */
    char *dir = in_dir(root, "k8s");
    assert_int_equal(mkdir(dir, 0700), 0);
    char ts[512], data[512], key[512], file[512];
    snprintf(ts, sizeof(ts), "%s/..2026_01_01_00_00_00.123", dir);
    snprintf(data, sizeof(data), "%s/..data", dir);
    snprintf(key, sizeof(key), "%s/token", dir);
    snprintf(file, sizeof(file), "%s/token", ts);
    assert_int_equal(mkdir(ts, 0700), 0);
    write_bytes(file, "k8s-token-value\n", 16);
    assert_int_equal(symlink("..2026_01_01_00_00_00.123", data), 0);
    assert_int_equal(symlink("..data/token", key), 0);
    assert_resolves_to(file_uri(key), false, "k8s-token-value");
}

static void test_file_symlink_escaping(void **state)
{
    (void)state;
    char *target = in_dir(outside, "escaped");
    write_bytes(target, "escaped-value", 13);
    char *link = in_dir(root, "escape-link");
    assert_int_equal(symlink(target, link), 0);
    char cause[700];
    snprintf(cause, sizeof(cause), "Path '%s' is outside allowed secret roots.", link);
    resolve_fails(file_uri(link), false, cause);

    /* A directory component that is a symlink leaving the roots. */
    char *dirlink = in_dir(root, "escape-dir");
    assert_int_equal(symlink(outside, dirlink), 0);
    char path[600];
    snprintf(path, sizeof(path), "%s/escaped", dirlink);
    snprintf(cause, sizeof(cause), "Path '%s' is outside allowed secret roots.", path);
    resolve_fails(file_uri(path), false, cause);
}

static void test_file_not_regular(void **state)
{
    (void)state;
    char *dir = in_dir(root, "a-directory");
    assert_int_equal(mkdir(dir, 0700), 0);
    char cause[700];
    snprintf(cause, sizeof(cause), "Secret path is not a regular file: '%s'", dir);
    resolve_fails(file_uri(dir), false, cause);

    /* A FIFO: rejected, and the read must not block. */
    char *fifo = in_dir(root, "a-fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    snprintf(cause, sizeof(cause), "Secret path is not a regular file: '%s'", fifo);
    resolve_fails(file_uri(fifo), false, cause);

    /* A device, through a symlink inside the root. */
    char *dev = in_dir(root, "null-link");
    assert_int_equal(symlink("/dev/null", dev), 0);
    snprintf(cause, sizeof(cause), "Path '%s' is outside allowed secret roots.", dev);
    resolve_fails(file_uri(dev), false, cause);
}

static void test_file_missing(void **state)
{
    (void)state;
    char *p = in_dir(root, "missing");
    char cause[700];
    snprintf(cause, sizeof(cause), "Secret file does not exist: '%s'", p);
    resolve_fails(file_uri(p), false, cause);
    /* A missing directory on the way. */
    p = in_dir(root, "no-dir/missing");
    snprintf(cause, sizeof(cause), "Secret file does not exist: '%s'", p);
    resolve_fails(file_uri(p), false, cause);
    /* A dangling symlink inside the root. */
    char *dangling = in_dir(root, "dangling");
    assert_int_equal(symlink("nowhere", dangling), 0);
    snprintf(cause, sizeof(cause), "Secret file does not exist: '%s'", dangling);
    resolve_fails(file_uri(dangling), false, cause);
}

static void test_file_size_cap(void **state)
{
    (void)state;
    char *buf = malloc(PV_SECRET_FILE_MAX + 1);
    memset(buf, 'a', PV_SECRET_FILE_MAX + 1);
    char *exact = in_dir(root, "exact");
    write_bytes(exact, buf, PV_SECRET_FILE_MAX);
    char *v = resolve_ok(file_uri(exact), false);
    assert_int_equal(strlen(v), PV_SECRET_FILE_MAX);
    free(v);
    char *over = in_dir(root, "oversize");
    write_bytes(over, buf, PV_SECRET_FILE_MAX + 1);
    resolve_fails(file_uri(over), false, "Secret file exceeds 65536 byte limit.");
    free(buf);
}

static void test_file_content_rules(void **state)
{
    (void)state;
    char cause[700];
    char *bad = in_dir(root, "latin1");
    write_bytes(bad, "caf\xe9", 4);
    snprintf(cause, sizeof(cause), "Secret file is not valid UTF-8: '%s'", bad);
    resolve_fails(file_uri(bad), false, cause);
    /* An encoded surrogate and an overlong are not UTF-8 either. */
    char *sur = in_dir(root, "surrogate");
    write_bytes(sur, "\xed\xa0\x80", 3);
    snprintf(cause, sizeof(cause), "Secret file is not valid UTF-8: '%s'", sur);
    resolve_fails(file_uri(sur), false, cause);
    char *overlong = in_dir(root, "overlong");
    write_bytes(overlong, "\xc0\xaf", 2);
    snprintf(cause, sizeof(cause), "Secret file is not valid UTF-8: '%s'", overlong);
    resolve_fails(file_uri(overlong), false, cause);

    char *blank = in_dir(root, "blank");
    write_bytes(blank, " \n\t\r\n", 5);
    snprintf(cause, sizeof(cause), "Secret file is empty: '%s'", blank);
    resolve_fails(file_uri(blank), false, cause);
    char *empty = in_dir(root, "empty");
    write_bytes(empty, "", 0);
    snprintf(cause, sizeof(cause), "Secret file is empty: '%s'", empty);
    resolve_fails(file_uri(empty), false, cause);

    char *nul = in_dir(root, "nul");
    write_bytes(nul, "ab\0cd", 5);
    snprintf(cause, sizeof(cause), "Secret file contains a NUL byte: '%s'", nul);
    resolve_fails(file_uri(nul), false, cause);
}

static void test_file_unreadable(void **state)
{
    (void)state;
    if (geteuid() == 0)
        skip(); /* root reads a mode-000 file anyway */
    char *p = in_dir(root, "unreadable");
    write_bytes(p, "x", 1);
    assert_int_equal(chmod(p, 0), 0);
    char cause[700];
    snprintf(cause, sizeof(cause), "Cannot read secret file '%s'", p);
    resolve_fails(file_uri(p), false, cause);
}

/* ---- network backends: shapes, then "not available" ------------------- */

static void test_network_shapes(void **state)
{
    (void)state;
    const char *vault_req = "vault://<mount>/<path>#<key> requires mount path and field key";
    resolve_fails("vault://kv/data/app", false, vault_req);
    resolve_fails("vault://kv/data/app#", false, vault_req);
    resolve_fails("vault://#key", false, vault_req);
    resolve_fails("vault://kv#key", false,
                  "vault:// mount path must be mount/secret/path, got 'kv'");
    resolve_fails("vault://kv/#key", false,
                  "vault:// mount path must be mount/secret/path, got 'kv'");
    resolve_fails("vault://kv/data/staging-db#connection_url", false,
                  "The vault:// secret backend is not available in this build.");

    resolve_fails("aws-sm://", false, "aws-sm:// URI requires a secret id");
    resolve_fails("aws-sm://?region=eu-west-1", false, "aws-sm:// URI requires a secret id");
    resolve_fails("aws-sm://prod/db-creds?region=eu-west-1&key=password", false,
                  "The aws-sm:// secret backend is not available in this build.");

    const char *azure_req = "azure-kv://<vault>/<secret> requires vault and secret name";
    resolve_fails("azure-kv://my-vault", false, azure_req);
    resolve_fails("azure-kv://my-vault/", false, azure_req);
    resolve_fails("azure-kv:///db-password", false, azure_req);
    resolve_fails("AZURE-KV://my-vault/db-password?version=abc", false,
                  "The azure-kv:// secret backend is not available in this build.");
}

static void test_network_exit_codes(void **state)
{
    (void)state;
    static const struct {
        pv_secret_kind kind;
        int exit_code;
        const char *name;
    } kinds[] = {
        {PV_SECRET_DB_URL, 2, "db_url"},
        {PV_SECRET_SALT, 4, "salt"},
        {PV_SECRET_GENERIC, 2, "generic"},
    };
    static const char *refs[] = {"vault://kv/app#k", "aws-sm://prod/db", "azure-kv://v/s",
                                 "vault://kv"};
    static const char *schemes[] = {"vault", "aws-sm", "azure-kv", "vault"};
    for (size_t k = 0; k < 3; k++) {
        for (size_t r = 0; r < 4; r++) {
            char *value = NULL;
            pv_error *err = pv_secret_resolve_required(kinds[k].kind, refs[r], false, &value);
            assert_non_null(err);
            assert_null(value);
            assert_int_equal(err->exit_code, kinds[k].exit_code);
            char context[200];
            snprintf(context, sizeof(context), "Resolving %s secret from %s://<redacted>",
                     kinds[k].name, schemes[r]);
            assert_string_equal(err->context, context);
            pv_error_free(err);
        }
    }
}

static void test_uri_parsing(void **state)
{
    (void)state;
    pv_secret_uri uri;
    assert_int_equal(
        pv_secret_uri_parse("AWS-SM://prod%2Fx/db?region=a&key=k%20y&region=b&flag#fr%41g", &uri),
        0);
    assert_string_equal(uri.scheme, "aws-sm");
    assert_string_equal(uri.host, "prod/x");
    assert_string_equal(uri.path, "/db");
    assert_string_equal(uri.fragment, "frAg");
    assert_string_equal(pv_secret_uri_param(&uri, "region"), "b"); /* last wins */
    assert_string_equal(pv_secret_uri_param(&uri, "key"), "k y");
    assert_string_equal(pv_secret_uri_param(&uri, "flag"), "");
    assert_null(pv_secret_uri_param(&uri, "version"));
    pv_secret_uri_free(&uri);

    assert_int_equal(pv_secret_uri_parse("env://NAME", &uri), 0);
    assert_string_equal(uri.host, "NAME");
    assert_string_equal(uri.path, "");
    assert_null(uri.fragment);
    assert_int_equal(uri.n_params, 0);
    pv_secret_uri_free(&uri);

    /* "%00" is never decoded; bad escapes stay as written. */
    char *d = pv_percent_decode("a%00b%zz%4", 10);
    assert_string_equal(d, "a%00b%zz%4");
    free(d);

    assert_int_equal(pv_secret_uri_parse("1x://y", &uri), -1);
    assert_int_equal(pv_secret_uri_parse("a b://y", &uri), -1);
}

static void test_network_refs(void **state)
{
    (void)state;
    pv_secret_uri uri;
    pv_secret_failure fail = {0};

    pv_vault_ref v;
    assert_int_equal(pv_secret_uri_parse("vault://kv/data/staging-db#connection_url", &uri), 0);
    assert_int_equal(pv_vault_ref_parse(&uri, &v, &fail), 0);
    assert_string_equal(v.mount, "kv");
    assert_string_equal(v.path, "data/staging-db");
    assert_string_equal(v.key, "connection_url");
    pv_vault_ref_free(&v);
    pv_secret_uri_free(&uri);

    pv_aws_sm_ref a;
    assert_int_equal(
        pv_secret_uri_parse("aws-sm://prod/db-creds?region=us-east-1&region=eu-west-1&version=v2",
                            &uri),
        0);
    assert_int_equal(pv_aws_sm_ref_parse(&uri, &a, &fail), 0);
    assert_string_equal(a.secret_id, "prod/db-creds");
    assert_string_equal(a.region, "eu-west-1");
    assert_null(a.key);
    assert_string_equal(a.version, "v2");
    pv_aws_sm_ref_free(&a);
    pv_secret_uri_free(&uri);

    pv_azure_kv_ref z;
    assert_int_equal(pv_secret_uri_parse("azure-kv://my-vault/db-password?version=abc", &uri), 0);
    assert_int_equal(pv_azure_kv_ref_parse(&uri, &z, &fail), 0);
    assert_string_equal(z.vault, "my-vault");
    assert_string_equal(z.secret, "db-password");
    assert_string_equal(z.version, "abc");
    pv_azure_kv_ref_free(&z);
    pv_secret_uri_free(&uri);
    assert_null(fail.cause);
}

/* ---- required wrapper and DB URLs (§4) -------------------------------- */

static void test_required_wrapper(void **state)
{
    (void)state;
    char *value = NULL;
    setenv("PV_TEST_SECRET", "wrapped-value", 1);
    assert_null(
        pv_secret_resolve_required(PV_SECRET_GENERIC, "env://PV_TEST_SECRET", false, &value));
    assert_string_equal(value, "wrapped-value");
    pv_free_secret(value);

    unsetenv("PV_TEST_UNSET");
    pv_error *err =
        pv_secret_resolve_required(PV_SECRET_SALT, "env://PV_TEST_UNSET", false, &value);
    assert_non_null(err);
    assert_int_equal(err->exit_code, 4);
    assert_string_equal(err->context, "Resolving salt secret from env://<redacted>");
    assert_string_equal(err->cause, "Environment variable 'PV_TEST_UNSET' is not set");
    assert_string_equal(err->remediation,
                        "Verify the secret URI scheme, the backing store, and the container's "
                        "credentials. See docs/secrets.md for each scheme.");
    pv_error_free(err);

    /* "${NAME}" shows as the env:// reference it stands for. */
    err = pv_secret_resolve_required(PV_SECRET_SALT, "${PV_TEST_UNSET}", true, &value);
    assert_string_equal(err->context, "Resolving salt secret from env://<redacted>");
    pv_error_free(err);

    err = pv_secret_resolve_required(PV_SECRET_DB_URL, "   ", false, &value);
    assert_string_equal(err->context, "Resolving db_url secret from <literal>");
    assert_string_equal(err->cause, "Secret reference cannot be empty");
    assert_int_equal(err->exit_code, 2);
    pv_error_free(err);
}

static void test_db_url(void **state)
{
    (void)state;
    char *url = NULL;
    setenv("SOURCE_DB_URL", "postgresql://env:envpw@envhost/db", 1);
    assert_null(pv_resolve_db_url("source", "postgresql://flag:flagpw@flaghost/db", &url));
    assert_string_equal(url, "postgresql://flag:flagpw@flaghost/db");
    pv_free_secret(url);
    /* Blank flag counts as missing. */
    assert_null(pv_resolve_db_url("source", "  ", &url));
    assert_string_equal(url, "postgresql://env:envpw@envhost/db");
    pv_free_secret(url);
    assert_null(pv_resolve_db_url("source", NULL, &url));
    pv_free_secret(url);
    assert_scrubbed("envpw");
    assert_scrubbed("flagpw");

    /* A secret URI reference is resolved; the password is registered. */
    setenv("PV_TEST_DB", "host=h user=u password='p w\\'q'", 1);
    setenv("TARGET_DB_URL", "env://PV_TEST_DB", 1);
    assert_null(pv_resolve_db_url("target", NULL, &url));
    assert_string_equal(url, "host=h user=u password='p w\\'q'");
    pv_free_secret(url);
    assert_scrubbed("p w'q");
    assert_scrubbed("p w\\'q");
}

static void test_db_url_missing(void **state)
{
    (void)state;
    char *url = NULL;
    setenv("TARGET_DB_URL", " \n", 1);
    pv_error *err = pv_resolve_db_url("target", "", &url);
    assert_non_null(err);
    assert_null(url);
    assert_int_equal(err->exit_code, 2);
    assert_string_equal(err->context, "Resolving the target database URL");
    assert_string_equal(err->cause, "No target connection string was provided.");
    assert_string_equal(err->remediation,
                        "Pass --target or export TARGET_DB_URL, e.g. "
                        "TARGET_DB_URL=postgresql://postgres:dev@127.0.0.1:55432/privaci_source");
    pv_error_free(err);

    err = pv_resolve_db_url("source", NULL, &url);
    assert_string_equal(err->context, "Resolving the source database URL");
    assert_string_equal(err->cause, "No source connection string was provided.");
    assert_string_equal(err->remediation,
                        "Pass --source or export SOURCE_DB_URL, e.g. "
                        "SOURCE_DB_URL=postgresql://postgres:dev@127.0.0.1:55432/privaci_source");
    pv_error_free(err);

    /* A failing reference: exit 2, password never in the error. */
    err = pv_resolve_db_url("source", "mysql://app:hunter2pw@db/x", &url);
    assert_int_equal(err->exit_code, 2);
    assert_string_equal(err->context, "Resolving db_url secret from mysql://<redacted>");
    assert_string_equal(err->cause, "Unsupported secret URI scheme: 'mysql'");
    assert_error_free_of(err, "hunter2pw");
    pv_error_free(err);
}

/* ---- salt and pseudonym key ------------------------------------------- */

#define SALT_A "salt-from-config-0123456789abcdefgh"
#define SALT_B "salt-from-environment-0123456789abcd"

static char *repeat(const char *unit, int n)
{
    size_t len = strlen(unit);
    char *s = malloc(len * (size_t)n + 1);
    for (int i = 0; i < n; i++)
        memcpy(s + len * (size_t)i, unit, len);
    s[len * (size_t)n] = '\0';
    return s;
}

static void test_salt_order(void **state)
{
    (void)state;
    char *salt = NULL;
    setenv("ANONYMIZATION_SALT", SALT_B, 1);
    assert_null(pv_resolve_salt(SALT_A, &salt));
    assert_string_equal(salt, SALT_A);
    pv_free_secret(salt);
    assert_null(pv_resolve_salt(" \t", &salt));
    assert_string_equal(salt, SALT_B);
    pv_free_secret(salt);
    assert_null(pv_resolve_salt(NULL, &salt));
    assert_string_equal(salt, SALT_B);
    pv_free_secret(salt);
    assert_scrubbed(SALT_A);
    assert_scrubbed(SALT_B);

    /* Both the config value and the env fallback interpolate "${NAME}". */
    setenv("PV_TEST_SALT", SALT_A, 1);
    assert_null(pv_resolve_salt("${PV_TEST_SALT}", &salt));
    assert_string_equal(salt, SALT_A);
    pv_free_secret(salt);
    setenv("ANONYMIZATION_SALT", "${PV_TEST_SALT}", 1);
    assert_null(pv_resolve_salt(NULL, &salt));
    assert_string_equal(salt, SALT_A);
    pv_free_secret(salt);
    /* And env:// / file:// references. */
    assert_null(pv_resolve_salt("env://PV_TEST_SALT", &salt));
    assert_string_equal(salt, SALT_A);
    pv_free_secret(salt);
    char *p = in_dir(root, "salt");
    write_bytes(p, SALT_B "\n", strlen(SALT_B) + 1);
    assert_null(pv_resolve_salt(file_uri(p), &salt));
    assert_string_equal(salt, SALT_B);
    pv_free_secret(salt);
}

static void test_salt_missing(void **state)
{
    (void)state;
    char *salt = NULL;
    setenv("ANONYMIZATION_SALT", "", 1);
    pv_error *err = pv_resolve_salt("", &salt);
    assert_non_null(err);
    assert_null(salt);
    assert_int_equal(err->exit_code, 4);
    assert_string_equal(err->context, "Resolving the anonymization salt");
    assert_string_equal(err->cause, "No salt was configured in global_salt or ANONYMIZATION_SALT.");
    assert_string_equal(err->remediation,
                        "Set global_salt in mask-rules.yaml or export "
                        "ANONYMIZATION_SALT; generate one with `privaci gen-salt`.");
    pv_error_free(err);

    /* A reference that fails: exit 4 with the salt context. */
    unsetenv("PV_TEST_UNSET");
    err = pv_resolve_salt("env://PV_TEST_UNSET", &salt);
    assert_int_equal(err->exit_code, 4);
    assert_string_equal(err->context, "Resolving salt secret from env://<redacted>");
    pv_error_free(err);
    err = pv_resolve_salt("vault://kv/app#salt", &salt);
    assert_int_equal(err->exit_code, 4);
    assert_string_equal(err->cause, "The vault:// secret backend is not available in this build.");
    pv_error_free(err);
}

static void test_salt_length_code_points(void **state)
{
    (void)state;
    char *salt = NULL;
    /* 31 × 'é' = 62 bytes, still 31 characters: too short. */
    char *short_salt = repeat("\xc3\xa9", 31);
    pv_error *err = pv_resolve_salt(short_salt, &salt);
    assert_non_null(err);
    assert_null(salt);
    assert_int_equal(err->exit_code, 4);
    assert_string_equal(err->context, "Validating the resolved anonymization salt");
    assert_string_equal(err->cause, "Resolved salt has length 31, minimum is 32.");
    assert_string_equal(err->remediation, "Generate a new salt with `privaci gen-salt`.");
    assert_error_free_of(err, short_salt);
    pv_error_free(err);
    /* Registered before the length check: a short salt is scrubbed too. */
    assert_scrubbed(short_salt);
    free(short_salt);

    char *ok = repeat("\xc3\xa9", 32);
    assert_null(pv_resolve_salt(ok, &salt));
    assert_string_equal(salt, ok);
    pv_free_secret(salt);
    free(ok);

    /* Counted after trimming. */
    char *ascii31 = repeat("s", 31);
    char padded[64];
    snprintf(padded, sizeof(padded), "  %s \n", ascii31);
    err = pv_resolve_salt(padded, &salt);
    assert_string_equal(err->cause, "Resolved salt has length 31, minimum is 32.");
    pv_error_free(err);
    free(ascii31);
}

static void test_pseudonym_key(void **state)
{
    (void)state;
    char *key = NULL;
    pv_error *err = pv_resolve_pseudonym_key(NULL, &key);
    assert_non_null(err);
    assert_int_equal(err->exit_code, 4);
    assert_string_equal(err->context, "Resolving pseudonym_key for keyed masking actions");
    assert_string_equal(err->cause,
                        "No pseudonym_key was configured in pseudonym_key or PSEUDONYM_KEY.");
    assert_string_equal(err->remediation, "Set pseudonym_key in mask-rules.yaml or export "
                                          "PSEUDONYM_KEY (minimum 32 characters).");
    pv_error_free(err);

    setenv("PSEUDONYM_KEY", "short-pseudonym-key", 1);
    err = pv_resolve_pseudonym_key("  ", &key);
    assert_int_equal(err->exit_code, 4);
    assert_string_equal(err->context, "Resolving pseudonym_key for keyed masking actions");
    assert_string_equal(err->cause, "Resolved pseudonym_key has length 19, minimum is 32.");
    assert_string_equal(err->remediation, "Set pseudonym_key in mask-rules.yaml or export "
                                          "PSEUDONYM_KEY (minimum 32 characters).");
    assert_error_free_of(err, "short-pseudonym-key");
    pv_error_free(err);
    assert_scrubbed("short-pseudonym-key");

    /* URI resolution failures are "generic": exit 2. */
    unsetenv("PV_TEST_UNSET");
    err = pv_resolve_pseudonym_key("${PV_TEST_UNSET}", &key);
    assert_int_equal(err->exit_code, 2);
    assert_string_equal(err->context, "Resolving generic secret from env://<redacted>");
    pv_error_free(err);

    setenv("PSEUDONYM_KEY", "pseudonym-key-from-env-0123456789ab", 1);
    assert_null(pv_resolve_pseudonym_key(NULL, &key));
    assert_string_equal(key, "pseudonym-key-from-env-0123456789ab");
    pv_free_secret(key);
    assert_null(pv_resolve_pseudonym_key("pseudonym-key-from-config-012345678", &key));
    assert_string_equal(key, "pseudonym-key-from-config-012345678");
    pv_free_secret(key);
}

static void test_salt_fingerprint(void **state)
{
    (void)state;
    char fp[17];
    /* printf %s privaci-test-salt-0123456789abcdefghij | sha256sum */
    pv_salt_fingerprint("privaci-test-salt-0123456789abcdefghij", fp);
    assert_string_equal(fp, "36663e63bf5aac76");
    pv_salt_fingerprint("", fp); /* sha256("") = e3b0c442 98fc1c14 … */
    assert_string_equal(fp, "e3b0c44298fc1c14");
}

/* ---- redaction of resolved values ------------------------------------- */

static void test_every_value_registered(void **state)
{
    (void)state;
    /* A 1-character secret is registered like any other. */
    setenv("PV_TEST_ONE", "Z", 1);
    char *v = resolve_ok("env://PV_TEST_ONE", false);
    assert_string_equal(v, "Z");
    free(v);
    char *out = pv_redact_secrets("xZy");
    assert_string_equal(out, "x<redacted>y");
    free(out);

    v = resolve_ok("literal-secret-value", false);
    free(v);
    assert_scrubbed("literal-secret-value");

    char *p = in_dir(root, "registered");
    write_bytes(p, "file-secret-value\n", 18);
    v = resolve_ok(file_uri(p), false);
    free(v);
    assert_scrubbed("file-secret-value");

    /* The trimmed value is what is registered. */
    setenv("PV_TEST_PADDED", "  padded-secret  ", 1);
    v = resolve_ok("env://PV_TEST_PADDED", false);
    free(v);
    out = pv_redact_secrets("[padded-secret]");
    assert_string_equal(out, "[<redacted>]");
    free(out);
}

/* ---- obs/redact.c: DB URL display forms and registration ------------- */

static void assert_db_display(const char *url, const char *expected)
{
    char *s = pv_redact_db_url(url);
    assert_string_equal(s, expected);
    free(s);
}

static void test_redact_db_url_forms(void **state)
{
    (void)state;
    assert_db_display("postgresql://app:pw@db.example:5432/prod?sslmode=require",
                      "postgresql://app@db.example:5432/prod?sslmode=require");
    assert_db_display("postgresql://app@db/prod", "postgresql://app@db/prod");
    assert_db_display("postgresql://app:@db/prod", "postgresql://app@db/prod");
    assert_db_display("postgres://db", "postgres://db");
    assert_db_display("POSTGRES://app:pw@db", "POSTGRES://app@db");
    assert_db_display("postgresql://app:p%40ss%3Aw@db/prod", "postgresql://app@db/prod");
    assert_db_display("postgresql://app:p@ss@db/prod", "postgresql://app@db/prod");
    /* IPv6 hosts: their colons are not a password separator. */
    assert_db_display("postgresql://app:pw@[::1]:5432/prod", "postgresql://app@[::1]:5432/prod");
    assert_db_display("postgresql://[::1]:5432/prod", "postgresql://[::1]:5432/prod");
    assert_db_display("postgresql://app@[2001:db8::1]/prod", "postgresql://app@[2001:db8::1]/prod");
    /* Multiple hosts. */
    assert_db_display("postgresql://app:pw@h1:5432,h2:5433/prod",
                      "postgresql://app@h1:5432,h2:5433/prod");
    /* A password given as a query parameter is removed too. */
    assert_db_display("postgresql://db/prod?user=app&password=s3cr&sslmode=require",
                      "postgresql://db/prod?user=app&sslmode=require");
    assert_db_display("postgresql://db/prod?password=s3cr", "postgresql://db/prod");
    assert_db_display("postgresql://db/prod?sslmode=require&password=a&pass%77ord=b",
                      "postgresql://db/prod?sslmode=require");
    assert_db_display("postgresql://db?password=x#frag", "postgresql://db#frag");
    assert_db_display("postgresql://db/prod?application_name=a@b",
                      "postgresql://db/prod?application_name=a@b");
}

static void test_redact_dsn_forms(void **state)
{
    (void)state;
    assert_db_display("host=/tmp port=5 password='a b' user=x", "host=/tmp port=5 user=x");
    assert_db_display("user=x password='it\\'s a secret' dbname=d", "user=x dbname=d");
    assert_db_display("password=a\\ b host=h", "host=h");
    assert_db_display("host = h password = pw", "host = h");
    assert_db_display("password=one host=h password='two'", "host=h");
    assert_db_display("host=h  port=5", "host=h port=5");
    assert_db_display("password=''", "");
}

static void test_redact_register_db_url(void **state)
{
    (void)state;
    pv_redact_register_db_url("postgresql://app:p%40ss%3Aw@db/prod?password=qpw%21");
    assert_scrubbed("p%40ss%3Aw");
    assert_scrubbed("p@ss:w");
    assert_scrubbed("qpw%21");
    assert_scrubbed("qpw!");
    assert_scrubbed("postgresql://app:p%40ss%3Aw@db/prod?password=qpw%21");
    pv_redact_clear();

    pv_redact_register_db_url("user=x password='it\\'s a secret' dbname=d");
    assert_scrubbed("it's a secret");
    assert_scrubbed("it\\'s a secret");
    pv_redact_clear();

    pv_redact_register_db_url("password=a\\ b password=second host=h");
    assert_scrubbed("a b");
    assert_scrubbed("second");
    pv_redact_clear();

    pv_redact_register_db_url("postgresql://app:pw@[::1]:5432/prod");
    char *out = pv_redact_secrets("login pw here");
    assert_string_equal(out, "login <redacted> here");
    free(out);
}

static void test_redact_reference_forms(void **state)
{
    (void)state;
    static const char *cases[][2] = {
        {"env://SALT", "env://<redacted>"},
        {"  env://SALT \n", "env://<redacted>"},
        {"VAULT://kv/app#k", "VAULT://<redacted>"},
        {"plain-literal", "<literal>"},
        {"host=h password=x", "<literal>"},
        {"postgresql://app:pw@db:5432/prod?sslmode=require",
         "postgresql://app@db:5432/prod?sslmode=require"},
        {" postgres://app:pw@db ", "postgres://app@db"},
        {"host=x password=a://b", "<redacted>"},
        {"", "<literal>"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *s = pv_redact_reference(cases[i][0]);
        assert_string_equal(s, cases[i][1]);
        free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_literal),
        T(test_empty_reference),
        T(test_env),
        T(test_env_bad_name_remediation),
        T(test_interpolation),
        T(test_unsupported_scheme),
        T(test_file_ok),
        T(test_file_relative),
        T(test_file_outside_roots),
        T(test_file_default_roots),
        T(test_file_kubernetes_symlinks),
        T(test_file_symlink_escaping),
        T(test_file_not_regular),
        T(test_file_missing),
        T(test_file_size_cap),
        T(test_file_content_rules),
        T(test_file_unreadable),
        T(test_network_shapes),
        T(test_network_exit_codes),
        T(test_uri_parsing),
        T(test_network_refs),
        T(test_required_wrapper),
        T(test_db_url),
        T(test_db_url_missing),
        T(test_salt_order),
        T(test_salt_missing),
        T(test_salt_length_code_points),
        T(test_pseudonym_key),
        T(test_salt_fingerprint),
        T(test_every_value_registered),
        T(test_redact_db_url_forms),
        T(test_redact_dsn_forms),
        T(test_redact_register_db_url),
        T(test_redact_reference_forms),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
