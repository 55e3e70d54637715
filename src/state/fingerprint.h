/*
 * fingerprint.h — the run identity fingerprints of state.md §3.
 *
 * config_hash comes from the config module (pv_config_hash) and
 * salt_fingerprint from the secrets module (pv_salt_fingerprint); this file
 * owns source_db_hash, whose canonicalization depends on the URL form and,
 * for URLs that do not name a host, on the connection libpq actually made.
 * None of them contains or reveals a secret.
 */
#ifndef PRIVACI_STATE_FINGERPRINT_H
#define PRIVACI_STATE_FINGERPRINT_H

#include <libpq-fe.h>
#include <stdbool.h>

#define PV_HASH_HEX_LEN 65 /* 64 hex and the NUL */

/* The three canonical parts of a source identity. Owned strings. */
typedef struct pv_db_identity {
    char *host;
    char *port;
    char *dbname;
} pv_db_identity;

/*
 * The URI rule of §3: a postgres:// or postgresql:// URL whose authority
 * names a host yields host (lower-cased, IPv6 brackets removed; the first
 * host of a multi-host list), port (or "5432") and dbname (path without the
 * leading '/', percent-decoded). Returns false — identity untouched — for
 * every other form (a hostless URI, a key=value string), whose parts must
 * come from the connection.
 */
bool pv_db_identity_from_uri(const char *url, pv_db_identity *id);

/* The connection rule of §3: PQhost (lower-cased), PQport or "5432", PQdb. */
void pv_db_identity_from_conn(PGconn *conn, pv_db_identity *id);

void pv_db_identity_free(pv_db_identity *id);

/* hex(SHA-256(u8("<host>:<port>/<dbname>"))). */
void pv_db_identity_hash(const pv_db_identity *id, char out[PV_HASH_HEX_LEN]);

/*
 * source_db_hash of the resolved source `url`; `conn` is the coordinator's
 * source connection, consulted only when the URL names no host (may be NULL
 * otherwise — then a hostless URL hashes as ":5432/").
 */
void pv_source_db_hash(const char *url, PGconn *conn, char out[PV_HASH_HEX_LEN]);

#endif
