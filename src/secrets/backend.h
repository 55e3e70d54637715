/*
 * backend.h — private to src/secrets: the parsed form of a secret URI and
 * the backend table (secrets.md §2–§3).
 *
 * A backend is one entry {scheme, resolve} of the table in resolve.c. It gets
 * the parsed URI and either returns 0 with a value that is not blank, or -1
 * with a value-free failure (cause, and optionally a remediation that
 * replaces the generic one of secrets.md §4). resolve.c trims the value.
 *
 * The network backends (vault://, aws-sm://, azure-kv://) are split in two:
 * the URI-shape parsing in net.c, and one fetch function per backend. Today
 * the fetch functions live in net_unavailable.c and fail with "not available
 * in this build"; the network implementation replaces that file.
 */
#ifndef PRIVACI_SECRETS_BACKEND_H
#define PRIVACI_SECRETS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

/* One query parameter, both halves percent-decoded. */
typedef struct pv_secret_param {
    char *name;
    char *value;
} pv_secret_param;

/*
 * scheme://host/path?query#fragment, split without interpretation. Every
 * component but the scheme is percent-decoded ("%00" is kept as written so
 * a decoded NUL can never truncate a path). The authority is kept whole in
 * `host` (no userinfo or port split: no secret backend uses them).
 */
typedef struct pv_secret_uri {
    char *scheme;   /* lowercased */
    char *host;     /* "" when absent */
    char *path;     /* "" or starts with '/' */
    char *fragment; /* NULL when the URI has no '#' */
    pv_secret_param *params;
    size_t n_params;
} pv_secret_uri;

/*
 * Splits `ref` (which contains "://"). Returns 0, or -1 when the text before
 * "://" is not a syntactically valid scheme (RFC 3986: ALPHA *( ALPHA /
 * DIGIT / "+" / "-" / "." )); the URI is then left zeroed. Components are
 * percent-decoded with pv_percent_decode (util/hex.h).
 */
int pv_secret_uri_parse(const char *ref, pv_secret_uri *uri);
void pv_secret_uri_free(pv_secret_uri *uri);
/* The value of query parameter `name` (the last one when repeated), or NULL. */
const char *pv_secret_uri_param(const pv_secret_uri *uri, const char *name);

/* A backend failure: `cause` is owned; `remediation` is static or NULL. */
typedef struct pv_secret_failure {
    char *cause;
    const char *remediation;
} pv_secret_failure;

/* Sets the failure's cause from a printf format; always returns -1. */
int pv_secret_fail(pv_secret_failure *fail, const char *remediation, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef int (*pv_secret_resolve_fn)(const pv_secret_uri *uri, char **value,
                                    pv_secret_failure *fail);

typedef struct pv_secret_backend {
    const char *scheme;
    pv_secret_resolve_fn resolve;
} pv_secret_backend;

/* Backends (env.c, file.c, net.c). */
int pv_secret_env_resolve(const pv_secret_uri *uri, char **value, pv_secret_failure *fail);
int pv_secret_file_resolve(const pv_secret_uri *uri, char **value, pv_secret_failure *fail);
int pv_secret_vault_resolve(const pv_secret_uri *uri, char **value, pv_secret_failure *fail);
int pv_secret_aws_sm_resolve(const pv_secret_uri *uri, char **value, pv_secret_failure *fail);
int pv_secret_azure_kv_resolve(const pv_secret_uri *uri, char **value, pv_secret_failure *fail);

/* vault://<mount>/<path>#<key> (secrets.md §3.3). */
typedef struct pv_vault_ref {
    char *mount; /* first segment */
    char *path;  /* the rest, non-empty */
    char *key;   /* the fragment, non-empty */
} pv_vault_ref;

/* aws-sm://<secret-id>[?region=R&key=K&version=V] (secrets.md §3.4). */
typedef struct pv_aws_sm_ref {
    char *secret_id;
    char *region;  /* NULL when not given */
    char *key;     /* NULL when not given */
    char *version; /* NULL when not given */
} pv_aws_sm_ref;

/* azure-kv://<vault>/<secret>[?version=V] (secrets.md §3.5). */
typedef struct pv_azure_kv_ref {
    char *vault;
    char *secret;
    char *version; /* NULL when not given */
} pv_azure_kv_ref;

/* Shape parsing (net.c): 0, or -1 with the spec's shape message. */
int pv_vault_ref_parse(const pv_secret_uri *uri, pv_vault_ref *ref, pv_secret_failure *fail);
int pv_aws_sm_ref_parse(const pv_secret_uri *uri, pv_aws_sm_ref *ref, pv_secret_failure *fail);
int pv_azure_kv_ref_parse(const pv_secret_uri *uri, pv_azure_kv_ref *ref, pv_secret_failure *fail);
void pv_vault_ref_free(pv_vault_ref *ref);
void pv_aws_sm_ref_free(pv_aws_sm_ref *ref);
void pv_azure_kv_ref_free(pv_azure_kv_ref *ref);

/*
 * Fetching (net_unavailable.c today). On success *value is the raw secret;
 * a fetch reports a blank value with its backend's own message (secrets.md
 * §3.3–§3.5). Trimming is done once, centrally, in resolve.c.
 */
int pv_vault_fetch(const pv_vault_ref *ref, char **value, pv_secret_failure *fail);
int pv_aws_sm_fetch(const pv_aws_sm_ref *ref, char **value, pv_secret_failure *fail);
int pv_azure_kv_fetch(const pv_azure_kv_ref *ref, char **value, pv_secret_failure *fail);

/* Text helpers (text.c). */

/*
 * The span of `s` without leading and trailing whitespace. Whitespace is
 * what Python's str.strip() removes (ASCII whitespace, U+001C–U+001F,
 * U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F,
 * U+3000), so a value trims to the same secret as in the original tool.
 */
void pv_secret_trim_span(const char *s, size_t len, size_t *start, size_t *end);
/* A trimmed copy of `s`. */
char *pv_secret_trim_dup(const char *s);
/* True when `s` is empty after trimming. */
bool pv_secret_is_blank(const char *s);
/* True when `len` bytes are valid UTF-8 (no overlongs, no surrogates). */
bool pv_secret_utf8_valid(const char *s, size_t len);
/* True when `name` matches ^[A-Za-z_][A-Za-z0-9_]*$. */
bool pv_secret_env_name_valid(const char *name);

#endif
