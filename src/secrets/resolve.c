/*
 * resolve.c — reference forms, the backend table, and the resolution
 * wrappers of secrets.md §1–§4.
 *
 * Invariant: every value this file hands out has been trimmed and
 * registered with the redactor first, so no later error, event or log line
 * can carry it (observability.md §5.2). Temporary copies are wiped.
 */
#include "secrets/secrets.h"

#include "obs/redact.h"
#include "secrets/backend.h"
#include "util/hash.h"
#include "util/utf8.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define GENERIC_REMEDIATION                                                                        \
    "Verify the secret URI scheme, the backing store, and the container's credentials. See "       \
    "docs/secrets.md for each scheme."

/*
 * Schemes that resolve through a backend. postgres:// and postgresql:// are
 * not here: they are literals (handled before the lookup). The network
 * entries point at net.c, whose fetch functions the network build supplies.
 */
static const pv_secret_backend backends[] = {
    {"env", pv_secret_env_resolve},           {"file", pv_secret_file_resolve},
    {"vault", pv_secret_vault_resolve},       {"aws-sm", pv_secret_aws_sm_resolve},
    {"azure-kv", pv_secret_azure_kv_resolve},
};

int pv_secret_fail(pv_secret_failure *fail, const char *remediation, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(fail->cause);
    fail->cause = pv_xvasprintf(fmt, ap);
    va_end(ap);
    fail->remediation = remediation;
    return -1;
}

static const pv_secret_backend *find_backend(const char *scheme)
{
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
        if (strcmp(backends[i].scheme, scheme) == 0)
            return &backends[i];
    return NULL;
}

/*
 * The config-only "${NAME}" rule: a whole value of that shape (NAME a valid
 * environment variable name) means env://NAME. Anything else — "x${A}",
 * "${A}x", "${1A}" — stays what it is.
 */
static char *interpolated(const char *ref)
{
    size_t n = strlen(ref);
    if (n < 4 || ref[0] != '$' || ref[1] != '{' || ref[n - 1] != '}')
        return NULL;
    char *name = pv_xstrndup(ref + 2, n - 3);
    char *env = pv_secret_env_name_valid(name) ? pv_xasprintf("env://%s", name) : NULL;
    free(name);
    return env;
}

/* postgres:// and postgresql:// URLs are literal database URLs. */
static bool is_db_url_scheme(const char *scheme)
{
    return strcmp(scheme, "postgres") == 0 || strcmp(scheme, "postgresql") == 0;
}

/* Runs the backend for a URI reference; returns its raw value. */
static int resolve_uri(const char *ref, char **raw, pv_secret_failure *fail)
{
    pv_secret_uri uri;
    if (pv_secret_uri_parse(ref, &uri) != 0) {
        /* The text before "://" is not a scheme at all (it may be part of a
         * literal containing a password), so none of it is echoed. */
        return pv_secret_fail(fail, NULL, "Unsupported secret URI scheme: ''");
    }
    int rc;
    const pv_secret_backend *backend = find_backend(uri.scheme);
    if (is_db_url_scheme(uri.scheme)) {
        *raw = pv_xstrdup(ref);
        rc = 0;
    } else if (!backend) {
        rc = pv_secret_fail(fail, NULL, "Unsupported secret URI scheme: '%s'", uri.scheme);
    } else {
        rc = backend->resolve(&uri, raw, fail);
    }
    pv_secret_uri_free(&uri);
    return rc;
}

/*
 * The core of pv_secret_resolve: trims `ref`, applies "${NAME}", dispatches,
 * trims and registers the value. *effective receives the reference actually
 * resolved (for the redacted Context line); the caller frees it.
 */
static int resolve_ref(const char *ref, bool interpolate, char **value, pv_secret_failure *fail,
                       char **effective)
{
    *value = NULL;
    char *trimmed = pv_secret_trim_dup(ref ? ref : "");
    char *env_ref = interpolate ? interpolated(trimmed) : NULL;
    if (env_ref) {
        pv_free_secret(trimmed);
        trimmed = env_ref;
    }
    *effective = trimmed;
    if (!trimmed[0])
        return pv_secret_fail(fail, NULL, "Secret reference cannot be empty");

    char *raw = NULL;
    if (!strstr(trimmed, "://"))
        raw = pv_xstrdup(trimmed); /* a literal (also a key=value DSN) */
    else if (resolve_uri(trimmed, &raw, fail) != 0)
        return -1;

    char *clean = pv_secret_trim_dup(raw);
    pv_free_secret(raw);
    if (!clean[0]) { /* backends report blanks themselves; never hand one out */
        free(clean);
        return pv_secret_fail(fail, NULL, "Secret resolved to an empty value");
    }
    pv_redact_register(clean);
    *value = clean;
    return 0;
}

int pv_secret_resolve_detailed(const char *ref, bool interpolate, char **value, char **cause,
                               const char **remediation)
{
    pv_secret_failure fail = {0};
    char *effective = NULL;
    int rc = resolve_ref(ref, interpolate, value, &fail, &effective);
    pv_free_secret(effective);
    if (cause)
        *cause = fail.cause;
    else
        free(fail.cause);
    if (remediation)
        *remediation = rc == 0 ? NULL : fail.remediation;
    return rc;
}

int pv_secret_resolve(const char *ref, bool interpolate, char **value, char **cause)
{
    return pv_secret_resolve_detailed(ref, interpolate, value, cause, NULL);
}

static const char *kind_name(pv_secret_kind kind)
{
    switch (kind) {
    case PV_SECRET_DB_URL:
        return "db_url";
    case PV_SECRET_SALT:
        return "salt";
    default:
        return "generic";
    }
}

pv_error *pv_secret_resolve_required(pv_secret_kind kind, const char *ref, bool interpolate,
                                     char **value)
{
    pv_secret_failure fail = {0};
    char *effective = NULL;
    if (resolve_ref(ref, interpolate, value, &fail, &effective) == 0) {
        pv_free_secret(effective);
        return NULL;
    }
    char *shown = pv_redact_reference(effective);
    char *context = pv_xasprintf("Resolving %s secret from %s", kind_name(kind), shown);
    int exit_code = kind == PV_SECRET_SALT ? PV_EXIT_SALT : PV_EXIT_PREFLIGHT;
    pv_error *err =
        pv_error_new(exit_code, context, fail.remediation ? fail.remediation : GENERIC_REMEDIATION,
                     "%s", fail.cause);
    free(context);
    free(shown);
    free(fail.cause);
    pv_free_secret(effective);
    return err;
}

/* The first of two candidates that is not NULL or blank, else NULL. */
static const char *first_non_blank(const char *a, const char *b)
{
    if (a && !pv_secret_is_blank(a))
        return a;
    if (b && !pv_secret_is_blank(b))
        return b;
    return NULL;
}

pv_error *pv_resolve_db_url(const char *role, const char *flag, char **url)
{
    *url = NULL;
    char *env = pv_xasprintf("%s_DB_URL", role);
    for (char *c = env; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    const char *ref = first_non_blank(flag, getenv(env));
    pv_error *err = NULL;
    if (!ref) {
        char *context = pv_xasprintf("Resolving the %s database URL", role);
        char *remediation =
            pv_xasprintf("Pass --%s or export %s, e.g. "
                         "%s=postgresql://postgres:dev@127.0.0.1:55432/privaci_source",
                         role, env, env);
        err = pv_error_new(PV_EXIT_PREFLIGHT, context, remediation,
                           "No %s connection string was provided.", role);
        free(context);
        free(remediation);
    } else {
        err = pv_secret_resolve_required(PV_SECRET_DB_URL, ref, false, url);
        /* The password on its own too (a driver error could echo it). */
        if (!err)
            pv_redact_register_db_url(*url);
    }
    free(env);
    return err;
}

/* What differs between the salt and the pseudonym key. */
typedef struct keyed_secret {
    const char *env;     /* fallback environment variable */
    const char *name;    /* as printed in the length cause */
    pv_secret_kind kind; /* exit code of URI resolution failures */
    const char *missing_context;
    const char *missing_cause;
    const char *missing_remediation;
    const char *short_context;
    const char *short_remediation;
} keyed_secret;

static const keyed_secret salt_spec = {
    "ANONYMIZATION_SALT",
    "salt",
    PV_SECRET_SALT,
    "Resolving the anonymization salt",
    "No salt was configured in global_salt or ANONYMIZATION_SALT.",
    "Set global_salt in mask-rules.yaml or export ANONYMIZATION_SALT; generate one with "
    "`privaci gen-salt`.",
    "Validating the resolved anonymization salt",
    "Generate a new salt with `privaci gen-salt`.",
};

static const keyed_secret pseudonym_key_spec = {
    "PSEUDONYM_KEY",
    "pseudonym_key",
    PV_SECRET_GENERIC,
    "Resolving pseudonym_key for keyed masking actions",
    "No pseudonym_key was configured in pseudonym_key or PSEUDONYM_KEY.",
    "Set pseudonym_key in mask-rules.yaml or export PSEUDONYM_KEY (minimum 32 characters).",
    "Resolving pseudonym_key for keyed masking actions",
    "Set pseudonym_key in mask-rules.yaml or export PSEUDONYM_KEY (minimum 32 characters).",
};

/*
 * Config first, then the environment (secrets.md §1: the code's order is
 * normative); both may use "${NAME}". Missing and short are exit 4; the
 * length is counted in code points after trimming. The value is already
 * registered for redaction when the length check runs.
 */
static pv_error *resolve_keyed(const keyed_secret *spec, const char *config_ref, char **out)
{
    *out = NULL;
    const char *ref = first_non_blank(config_ref, getenv(spec->env));
    if (!ref)
        return pv_error_new(PV_EXIT_SALT, spec->missing_context, spec->missing_remediation, "%s",
                            spec->missing_cause);
    char *value = NULL;
    pv_error *err = pv_secret_resolve_required(spec->kind, ref, true, &value);
    if (err)
        return err;
    size_t n = pv_utf8_codepoints(value, strlen(value));
    if (n < PV_SECRET_MIN_CODEPOINTS) {
        pv_free_secret(value);
        return pv_error_new(PV_EXIT_SALT, spec->short_context, spec->short_remediation,
                            "Resolved %s has length %zu, minimum is %d.", spec->name, n,
                            PV_SECRET_MIN_CODEPOINTS);
    }
    *out = value;
    return NULL;
}

pv_error *pv_resolve_salt(const char *config_ref, char **salt)
{
    return resolve_keyed(&salt_spec, config_ref, salt);
}

pv_error *pv_resolve_pseudonym_key(const char *config_ref, char **key)
{
    return resolve_keyed(&pseudonym_key_spec, config_ref, key);
}

void pv_salt_fingerprint(const char *salt, char out[17])
{
    char hex[2 * PV_SHA256_LEN + 1];
    pv_sha256_hex(salt, strlen(salt), hex);
    memcpy(out, hex, 16);
    out[16] = '\0';
}
