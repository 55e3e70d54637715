/*
 * secrets.h — secret references and their resolution (spec/secrets.md).
 *
 * A reference is a literal (no "://"), a postgres:// / postgresql:// URL,
 * env://NAME, file:///abs/path, or one of the network backends vault://,
 * aws-sm://, azure-kv://. Every resolved value is registered with the
 * redactor (obs/redact.h) before it is returned, so it can never reach an
 * output line. Returned secrets are owned by the caller and released with
 * pv_free_secret (util/xalloc.h).
 */
#ifndef PRIVACI_SECRETS_SECRETS_H
#define PRIVACI_SECRETS_SECRETS_H

#include "util/error.h"

#include <stdbool.h>

typedef enum {
    PV_SECRET_DB_URL,  /* failures exit 2 */
    PV_SECRET_SALT,    /* failures exit 4 */
    PV_SECRET_GENERIC, /* failures exit 2 (pseudonym key URIs) */
} pv_secret_kind;

/* Size cap of a file:// secret (secrets.md §3.2). */
#define PV_SECRET_FILE_MAX 65536
/* Minimum length of the salt and the pseudonym key, in code points. */
#define PV_SECRET_MIN_CODEPOINTS 32

/*
 * Resolves one reference. On success returns 0 and *value (trimmed,
 * registered for redaction). On failure returns -1 and *cause: the backend
 * message of secrets.md §3, value-free. `interpolate` enables the config-only
 * "${NAME}" → env://NAME rule.
 */
int pv_secret_resolve(const char *ref, bool interpolate, char **value, char **cause);

/*
 * pv_secret_resolve plus the backend's own remediation, when it has one
 * (e.g. the env:// name rule or the file:// roots; NULL otherwise, meaning
 * the generic text of secrets.md §4 applies). *remediation is static.
 * `cause` and `remediation` may be NULL.
 */
int pv_secret_resolve_detailed(const char *ref, bool interpolate, char **value, char **cause,
                               const char **remediation);

/*
 * Resolves a required secret and wraps failures in the error of
 * secrets.md §4 (Context "Resolving <kind> secret from <redacted ref>").
 */
pv_error *pv_secret_resolve_required(pv_secret_kind kind, const char *ref, bool interpolate,
                                     char **value);

/*
 * The source or target database URL: `flag` (may be NULL), else the env var
 * SOURCE_DB_URL / TARGET_DB_URL. `role` is "source" or "target". Missing →
 * exit 2 with secrets.md §4's texts. The URL and its password are
 * registered for redaction.
 */
pv_error *pv_resolve_db_url(const char *role, const char *flag, char **url);

/*
 * The salt: `config_ref` (global_salt, may be NULL/blank), else
 * ANONYMIZATION_SALT. Missing or shorter than 32 code points → exit 4.
 */
pv_error *pv_resolve_salt(const char *config_ref, char **salt);

/*
 * The pseudonym key: `config_ref`, else PSEUDONYM_KEY; missing or shorter
 * than 32 code points → exit 4, but a URI that fails to resolve is a
 * "generic" secret failure → exit 2 (secrets.md §1).
 */
pv_error *pv_resolve_pseudonym_key(const char *config_ref, char **key);

/* sha256(salt) as hex, first 16 characters (state.md §3). */
void pv_salt_fingerprint(const char *salt, char out[17]);

#endif
