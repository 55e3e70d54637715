#include "obs/redact.h"

#include "util/hex.h"
#include "util/hash.h"
#include "util/strbuf.h"
#include "util/utf8.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;
static size_t n_secrets;

void pv_redact_register(const char *secret)
{
    if (!secret || !*secret)
        return;
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < n_secrets; i++) {
        if (strcmp(secrets[i], secret) == 0) {
            pthread_mutex_unlock(&registry_lock);
            return;
        }
    }
    secrets = pv_xrealloc(secrets, (n_secrets + 1) * sizeof(*secrets));
    /* Longest first, so a password inside a registered URL never leaves
     * half of the URL behind. */
    size_t len = strlen(secret), at = n_secrets;
    while (at > 0 && strlen(secrets[at - 1]) < len) {
        secrets[at] = secrets[at - 1];
        at--;
    }
    secrets[at] = pv_xstrdup(secret);
    n_secrets++;
    pthread_mutex_unlock(&registry_lock);
}

void pv_redact_clear(void)
{
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < n_secrets; i++)
        pv_free_secret(secrets[i]);
    free(secrets);
    secrets = NULL;
    n_secrets = 0;
    pthread_mutex_unlock(&registry_lock);
}

char *pv_redact_secrets(const char *text)
{
    pthread_mutex_lock(&registry_lock);
    pv_strbuf out = PV_STRBUF_INIT;
    const char *p = text;
    while (*p) {
        size_t matched = 0;
        for (size_t i = 0; i < n_secrets; i++) {
            size_t len = strlen(secrets[i]);
            if (strncmp(p, secrets[i], len) == 0) {
                matched = len;
                break;
            }
        }
        if (matched) {
            pv_strbuf_append(&out, "<redacted>");
            p += matched;
        } else {
            pv_strbuf_append_char(&out, *p++);
        }
    }
    pthread_mutex_unlock(&registry_lock);
    return pv_strbuf_take(&out);
}

static int is_url(const char *s)
{
    return strncasecmp(s, "postgres://", 11) == 0 || strncasecmp(s, "postgresql://", 13) == 0;
}

/* Registers a password as written and, when they differ, as decoded. */
static void register_password(const char *raw, size_t len, char *decoded)
{
    char *copy = pv_xstrndup(raw, len);
    pv_redact_register(copy);
    pv_redact_register(decoded);
    pv_free_secret(copy);
    pv_free_secret(decoded);
}

/*
 * The parts of a postgres URL that matter here. The authority ends at the
 * first '/', '?' or '#'; userinfo ends at its *last* '@' (a stray '@' in a
 * password then hides more, never less); the password follows the first ':'
 * of the userinfo. IPv6 hosts ("[::1]:5432") sit after the '@', so their
 * colons are never mistaken for the password separator.
 */
typedef struct url_parts {
    const char *auth, *auth_end;   /* authority */
    const char *colon, *at;        /* userinfo ':' and '@' (NULL when absent) */
    const char *query, *query_end; /* after '?', up to '#' or the end (NULL when absent) */
} url_parts;

static void url_split(const char *url, url_parts *u)
{
    memset(u, 0, sizeof(*u));
    u->auth = strstr(url, "://") + 3;
    u->auth_end = u->auth + strcspn(u->auth, "/?#");
    for (const char *q = u->auth; q < u->auth_end; q++)
        if (*q == '@')
            u->at = q;
    if (u->at)
        u->colon = memchr(u->auth, ':', (size_t)(u->at - u->auth));
    const char *hash = strchr(u->auth_end, '#');
    const char *qm = strchr(u->auth_end, '?');
    if (qm && (!hash || qm < hash)) {
        u->query = qm + 1;
        u->query_end = hash ? hash : qm + strlen(qm);
    }
}

/* True when the query parameter [p, end) has the (decoded) key "password". */
static int is_password_param(const char *p, const char *end)
{
    const char *eq = memchr(p, '=', (size_t)(end - p));
    char *key = pv_percent_decode(p, (size_t)((eq ? eq : end) - p));
    int yes = strcmp(key, "password") == 0;
    free(key);
    return yes;
}

/* Registers the userinfo password and every "password=" query value. */
static void url_register_passwords(const char *url)
{
    url_parts u;
    url_split(url, &u);
    if (u.colon && u.at > u.colon + 1)
        register_password(u.colon + 1, (size_t)(u.at - u.colon - 1),
                          pv_percent_decode(u.colon + 1, (size_t)(u.at - u.colon - 1)));
    for (const char *p = u.query; p && p < u.query_end;) {
        const char *end = memchr(p, '&', (size_t)(u.query_end - p));
        end = end ? end : u.query_end;
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (eq && eq + 1 < end && is_password_param(p, end))
            register_password(eq + 1, (size_t)(end - eq - 1),
                              pv_percent_decode(eq + 1, (size_t)(end - eq - 1)));
        p = end + 1;
    }
}

/* scheme://user@host:port/path?query#fragment without any password. */
static char *url_display(const char *url)
{
    url_parts u;
    url_split(url, &u);
    pv_strbuf sb = PV_STRBUF_INIT;
    if (u.colon) { /* drop ":password" (an empty one too) */
        pv_strbuf_append_len(&sb, url, (size_t)(u.colon - url));
        pv_strbuf_append_len(&sb, u.at, (size_t)(u.auth_end - u.at));
    } else {
        pv_strbuf_append_len(&sb, url, (size_t)(u.auth_end - url));
    }
    if (!u.query) {
        pv_strbuf_append(&sb, u.auth_end);
        return pv_strbuf_take(&sb);
    }
    pv_strbuf_append_len(&sb, u.auth_end, (size_t)(u.query - 1 - u.auth_end));
    int kept = 0;
    for (const char *p = u.query; p < u.query_end;) {
        const char *end = memchr(p, '&', (size_t)(u.query_end - p));
        end = end ? end : u.query_end;
        if (end > p && !is_password_param(p, end)) {
            pv_strbuf_append_char(&sb, kept++ ? '&' : '?');
            pv_strbuf_append_len(&sb, p, (size_t)(end - p));
        }
        p = end + 1;
    }
    pv_strbuf_append(&sb, u.query_end);
    return pv_strbuf_take(&sb);
}

/*
 * One "key = value" pair of a libpq key=value DSN, parsed as libpq's
 * conninfo_parse does: whitespace around '=', values either single-quoted
 * or bare, and a backslash escaping the next character in both forms.
 */
typedef struct dsn_pair {
    const char *start, *end; /* the whole pair as written */
    const char *key;
    size_t key_len;
    const char *val; /* raw value, quotes excluded */
    size_t val_len;
} dsn_pair;

/* Parses the pair at *p; returns 0, or -1 at the end or on malformed text. */
static int dsn_next(const char **pp, dsn_pair *pair)
{
    const char *p = *pp;
    while (isspace((unsigned char)*p))
        p++;
    if (!*p)
        return -1;
    pair->start = pair->key = p;
    while (*p && *p != '=' && !isspace((unsigned char)*p))
        p++;
    pair->key_len = (size_t)(p - pair->key);
    while (isspace((unsigned char)*p))
        p++;
    if (*p != '=')
        return -1;
    p++;
    while (isspace((unsigned char)*p))
        p++;
    int quoted = *p == '\'';
    if (quoted)
        p++;
    pair->val = p;
    while (*p && (quoted ? *p != '\'' : !isspace((unsigned char)*p))) {
        if (*p == '\\' && p[1])
            p++;
        p++;
    }
    pair->val_len = (size_t)(p - pair->val);
    if (quoted && *p)
        p++;
    pair->end = *pp = p;
    return 0;
}

static int dsn_is_password(const dsn_pair *pair)
{
    return pair->key_len == 8 && strncmp(pair->key, "password", 8) == 0;
}

/* The value of a pair with its backslash escapes removed. */
static char *dsn_unescape(const dsn_pair *pair)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    for (size_t i = 0; i < pair->val_len; i++) {
        if (pair->val[i] == '\\' && i + 1 < pair->val_len)
            i++;
        pv_strbuf_append_char(&sb, pair->val[i]);
    }
    return pv_strbuf_take(&sb);
}

void pv_redact_register_db_url(const char *url)
{
    if (!url || !*url)
        return;
    pv_redact_register(url);
    if (is_url(url)) {
        url_register_passwords(url);
        return;
    }
    /* Every password pair: libpq lets a later one win, so all are secret. */
    dsn_pair pair;
    for (const char *p = url; dsn_next(&p, &pair) == 0;)
        if (dsn_is_password(&pair) && pair.val_len)
            register_password(pair.val, pair.val_len, dsn_unescape(&pair));
}

char *pv_redact_db_url(const char *url)
{
    if (is_url(url))
        return url_display(url);
    /* Re-join the pairs that are not passwords with single spaces; text
     * that does not parse as pairs is kept as written. */
    pv_strbuf sb = PV_STRBUF_INIT;
    dsn_pair pair;
    const char *p = url;
    while (dsn_next(&p, &pair) == 0) {
        if (dsn_is_password(&pair))
            continue;
        if (sb.len)
            pv_strbuf_append_char(&sb, ' ');
        pv_strbuf_append_len(&sb, pair.start, (size_t)(pair.end - pair.start));
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p) {
        if (sb.len)
            pv_strbuf_append_char(&sb, ' ');
        pv_strbuf_append(&sb, p);
    }
    return pv_strbuf_take(&sb);
}

/* RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
static int scheme_valid(const char *s, size_t len)
{
    if (len == 0 || !isalpha((unsigned char)s[0]))
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("+-.", s[i]))
            return 0;
    return 1;
}

char *pv_redact_reference(const char *ref)
{
    while (isspace((unsigned char)*ref))
        ref++;
    const char *sep = strstr(ref, "://");
    if (!sep)
        return pv_xstrdup("<literal>");
    if (is_url(ref)) {
        /* Trailing whitespace is not part of the URL (references are
         * trimmed before use). */
        size_t n = strlen(ref);
        while (n && isspace((unsigned char)ref[n - 1]))
            n--;
        char *trimmed = pv_xstrndup(ref, n);
        char *shown = pv_redact_db_url(trimmed);
        pv_free_secret(trimmed);
        return shown;
    }
    /* Text before "://" that is not a scheme may be part of a literal
     * (a password containing "://"): show none of it. */
    if (!scheme_valid(ref, (size_t)(sep - ref)))
        return pv_xstrdup("<redacted>");
    return pv_xasprintf("%.*s://<redacted>", (int)(sep - ref), ref);
}

void pv_value_hint(const char *text, size_t len, char out[PV_HINT_MAX])
{
    if (!text || len == 0) {
        strcpy(out, "***");
        return;
    }
    static const char prefix[] = "privaci-observability-redact-v1:";
    size_t plen = sizeof(prefix) - 1;
    char *buf = pv_xmalloc(plen + len);
    memcpy(buf, prefix, plen);
    memcpy(buf + plen, text, len);
    char hex[2 * PV_SHA256_LEN + 1];
    pv_sha256_hex(buf, plen + len, hex);
    free(buf);
    snprintf(out, PV_HINT_MAX, "***len=%zu:%.8s", pv_utf8_codepoints(text, len), hex);
}
