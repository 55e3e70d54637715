#include "state/fingerprint.h"

#include "util/hex.h"
#include "util/hash.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_PORT "5432"

static char *lower_dup(const char *s, size_t len)
{
    char *out = pv_xstrndup(s, len);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

/* Length of the scheme prefix "postgres://" or "postgresql://", else 0. */
static size_t uri_prefix(const char *url)
{
    static const char *const prefixes[] = {"postgresql://", "postgres://"};
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncasecmp(url, prefixes[i], n) == 0)
            return n;
    }
    return 0;
}

/*
 * Splits the first "host[:port]" entry of `hosts` (no userinfo) into host
 * and port spans; IPv6 literals keep their address without brackets.
 */
static void first_host(const char *hosts, size_t len, const char **host, size_t *host_len,
                       const char **port, size_t *port_len)
{
    const char *comma = memchr(hosts, ',', len);
    size_t entry = comma ? (size_t)(comma - hosts) : len;
    *port = NULL;
    *port_len = 0;
    if (entry > 0 && hosts[0] == '[') {
        const char *close = memchr(hosts, ']', entry);
        size_t end = close ? (size_t)(close - hosts) : entry;
        *host = hosts + 1;
        *host_len = end > 0 ? end - 1 : 0;
        if (close && end + 1 < entry && hosts[end + 1] == ':') {
            *port = hosts + end + 2;
            *port_len = entry - end - 2;
        }
        return;
    }
    const char *colon = memchr(hosts, ':', entry);
    *host = hosts;
    *host_len = colon ? (size_t)(colon - hosts) : entry;
    if (colon) {
        *port = colon + 1;
        *port_len = entry - *host_len - 1;
    }
}

bool pv_db_identity_from_uri(const char *url, pv_db_identity *id)
{
    size_t prefix = uri_prefix(url);
    if (!prefix)
        return false;
    const char *authority = url + prefix;
    size_t auth_len = strcspn(authority, "/?#");
    /* Userinfo ends at the last '@' of the authority (a password may hold '@'). */
    const char *hosts = authority;
    for (size_t i = 0; i < auth_len; i++)
        if (authority[i] == '@')
            hosts = authority + i + 1;
    size_t hosts_len = auth_len - (size_t)(hosts - authority);

    const char *host, *port;
    size_t host_len, port_len;
    first_host(hosts, hosts_len, &host, &host_len, &port, &port_len);
    if (host_len == 0)
        return false; /* no host named: libpq decides, §3 second rule */

    id->host = lower_dup(host, host_len);
    id->port = port_len ? pv_xstrndup(port, port_len) : pv_xstrdup(DEFAULT_PORT);
    const char *path = authority + auth_len;
    if (*path == '/') {
        path++;
        id->dbname = pv_percent_decode(path, strcspn(path, "?#"));
    } else {
        id->dbname = pv_xstrdup("");
    }
    return true;
}

void pv_db_identity_from_conn(PGconn *conn, pv_db_identity *id)
{
    const char *host = conn ? PQhost(conn) : NULL;
    const char *port = conn ? PQport(conn) : NULL;
    const char *db = conn ? PQdb(conn) : NULL;
    id->host = lower_dup(host ? host : "", host ? strlen(host) : 0);
    id->port = pv_xstrdup(port && *port ? port : DEFAULT_PORT);
    id->dbname = pv_xstrdup(db ? db : "");
}

void pv_db_identity_free(pv_db_identity *id)
{
    free(id->host);
    free(id->port);
    free(id->dbname);
    id->host = id->port = id->dbname = NULL;
}

void pv_db_identity_hash(const pv_db_identity *id, char out[PV_HASH_HEX_LEN])
{
    char *text = pv_xasprintf("%s:%s/%s", id->host, id->port, id->dbname);
    pv_sha256_hex(text, strlen(text), out);
    free(text);
}

void pv_source_db_hash(const char *url, PGconn *conn, char out[PV_HASH_HEX_LEN])
{
    pv_db_identity id = {NULL, NULL, NULL};
    if (!pv_db_identity_from_uri(url, &id))
        pv_db_identity_from_conn(conn, &id);
    pv_db_identity_hash(&id, out);
    pv_db_identity_free(&id);
}
