/*
 * redact.h — keeping secrets and values out of every output line.
 *
 * Secrets (salt, keys, resolved secret URIs, database URLs and their
 * passwords) are registered once, at resolution time, regardless of length;
 * every line written to stdout or stderr passes through pv_redact_secrets,
 * which replaces each occurrence with "<redacted>" (observability.md §5.2).
 * The registry is process-global and thread-safe.
 */
#ifndef PRIVACI_OBS_REDACT_H
#define PRIVACI_OBS_REDACT_H

#include <stddef.h>

/* Registers a secret for scrubbing (copied; empty strings are ignored). */
void pv_redact_register(const char *secret);
/* Registers a database URL or key=value DSN and the password inside it. */
void pv_redact_register_db_url(const char *url);
/* Forgets every registered secret (wiping the copies). */
void pv_redact_clear(void);

/* Returns a new string with every registered secret replaced. */
char *pv_redact_secrets(const char *text);

/*
 * The display form of a database URL: the password removed
 * ("postgresql://user@host:5432/db?…"); for key=value DSNs the password=
 * pair removed. Caller frees.
 */
char *pv_redact_db_url(const char *url);

/*
 * The display form of a secret reference (secrets.md §4): DB URLs as above,
 * other URIs "<scheme>://<redacted>", literals "<literal>". Caller frees.
 */
char *pv_redact_reference(const char *ref);

/*
 * The non-reversible hint of observability.md §5.1:
 * "***" for empty, else "***len=N:H" with N code points and H the first 8
 * hex of SHA-256("privaci-observability-redact-v1:" + text).
 * `out` must hold PV_HINT_MAX bytes.
 */
#define PV_HINT_MAX 48
void pv_value_hint(const char *text, size_t len, char out[PV_HINT_MAX]);

#endif
