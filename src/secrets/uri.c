/*
 * uri.c — splitting a secret URI into its components (secrets.md §2).
 *
 * Deliberately small: secret URIs have no userinfo, ports or dot-segments
 * that matter, so the authority is kept whole and the path as written.
 * Components are percent-decoded; query parameters may repeat (the last
 * one wins, pv_secret_uri_param) and unknown ones are simply never asked for.
 */
#include "secrets/backend.h"

#include "util/hex.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
static bool scheme_valid(const char *s, size_t len)
{
    if (len == 0 || !isalpha((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '+' && c != '-' && c != '.')
            return false;
    }
    return true;
}

/* Splits "a=b&c=d" into decoded pairs; a pair without '=' has value "". */
static void parse_query(const char *q, size_t len, pv_secret_uri *uri)
{
    size_t i = 0;
    while (i <= len) {
        size_t end = i;
        while (end < len && q[end] != '&')
            end++;
        if (end > i) {
            const char *eq = memchr(q + i, '=', end - i);
            size_t name_len = eq ? (size_t)(eq - (q + i)) : end - i;
            uri->params = pv_xrealloc(uri->params, (uri->n_params + 1) * sizeof(*uri->params));
            pv_secret_param *p = &uri->params[uri->n_params++];
            p->name = pv_percent_decode(q + i, name_len);
            p->value = eq ? pv_percent_decode(eq + 1, (size_t)(q + end - eq - 1)) : pv_xstrdup("");
        }
        i = end + 1;
    }
}

int pv_secret_uri_parse(const char *ref, pv_secret_uri *uri)
{
    memset(uri, 0, sizeof(*uri));
    const char *sep = strstr(ref, "://");
    if (!sep || !scheme_valid(ref, (size_t)(sep - ref)))
        return -1;
    uri->scheme = pv_xstrndup(ref, (size_t)(sep - ref));
    for (char *c = uri->scheme; *c; c++)
        *c = (char)tolower((unsigned char)*c);

    const char *rest = sep + 3;
    /* The fragment is split off first: a '?' after '#' belongs to it. */
    const char *hash = strchr(rest, '#');
    size_t before_hash = hash ? (size_t)(hash - rest) : strlen(rest);
    if (hash)
        uri->fragment = pv_percent_decode(hash + 1, strlen(hash + 1));

    const char *qmark = memchr(rest, '?', before_hash);
    size_t before_query = qmark ? (size_t)(qmark - rest) : before_hash;
    if (qmark)
        parse_query(qmark + 1, before_hash - before_query - 1, uri);

    size_t host_len = strcspn(rest, "/?#");
    if (host_len > before_query)
        host_len = before_query;
    uri->host = pv_percent_decode(rest, host_len);
    uri->path = pv_percent_decode(rest + host_len, before_query - host_len);
    return 0;
}

void pv_secret_uri_free(pv_secret_uri *uri)
{
    /* URI components can carry secret-adjacent text (a literal that merely
     * looked like a URI); wipe rather than just free. */
    pv_free_secret(uri->scheme);
    pv_free_secret(uri->host);
    pv_free_secret(uri->path);
    pv_free_secret(uri->fragment);
    for (size_t i = 0; i < uri->n_params; i++) {
        pv_free_secret(uri->params[i].name);
        pv_free_secret(uri->params[i].value);
    }
    free(uri->params);
    memset(uri, 0, sizeof(*uri));
}

const char *pv_secret_uri_param(const pv_secret_uri *uri, const char *name)
{
    for (size_t i = uri->n_params; i > 0; i--)
        if (strcmp(uri->params[i - 1].name, name) == 0)
            return uri->params[i - 1].value;
    return NULL;
}
