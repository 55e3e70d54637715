/*
 * regex.c — Python `re` patterns and re.sub templates on PCRE2 (config.md §6).
 */
#include "config/regex.h"

#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Python's sre MAXGROUPS on 64-bit builds; larger group numbers are errors. */
#define PY_MAXGROUPS 1073741823L

bool pv_regex_apply_flag(const char *name, uint32_t *opts)
{
    static const struct {
        const char *name;
        uint32_t set;
        uint32_t clear;
    } flags[] = {
        {"IGNORECASE", PCRE2_CASELESS, 0},
        {"MULTILINE", PCRE2_MULTILINE, 0},
        {"DOTALL", PCRE2_DOTALL, 0},
        {"VERBOSE", PCRE2_EXTENDED, 0},
        {"ASCII", 0, PCRE2_UCP}, /* ASCII \w\d\s\b */
        {"UNICODE", 0, 0},       /* the default */
        {"DEBUG", 0, 0},         /* accepted, ignored */
        {"TEMPLATE", 0, 0},
        {"LOCALE", 0, 0},
    };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (strcasecmp(name, flags[i].name) == 0) {
            *opts = (*opts | flags[i].set) & ~flags[i].clear;
            return true;
        }
    }
    return false;
}

/* 0-based code-point index of byte offset `off` in `s`. */
static size_t cp_index(const char *s, size_t off)
{
    size_t n = 0;
    for (size_t i = 0; i < off && s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

static size_t utf8_char_len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if (!s[i])
            return i;
    return n;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool hex_run(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_hex(s[i]))
            return false;
    return true;
}

/* The translated pattern and, per output byte, the source byte it came from. */
typedef struct translation {
    pv_strbuf out;
    size_t *src;
    size_t cap;
} translation;

static void emit(translation *t, const char *s, size_t n, size_t src_off)
{
    if (t->out.len + n > t->cap) {
        t->cap = (t->out.len + n) * 2 + 16;
        t->src = pv_xrealloc(t->src, t->cap * sizeof(*t->src));
    }
    for (size_t i = 0; i < n; i++)
        t->src[t->out.len + i] = src_off;
    pv_strbuf_append_len(&t->out, s, n);
}

/* `\Z` → `\z`, `\uXXXX` / `\UXXXXXXXX` → `\x{…}`; other escapes verbatim. */
static size_t translate_escape(translation *t, const char *p, size_t i)
{
    const char *e = p + i;
    if (e[1] == '\0') {
        emit(t, e, 1, i);
        return 1;
    }
    if (e[1] == 'Z') {
        emit(t, "\\z", 2, i);
        return 2;
    }
    size_t digits = e[1] == 'u' ? 4 : e[1] == 'U' ? 8 : 0;
    if (digits && strnlen(e + 2, digits) == digits && hex_run(e + 2, digits)) {
        emit(t, "\\x{", 3, i);
        emit(t, e + 2, digits, i);
        emit(t, "}", 1, i);
        return 2 + digits;
    }
    size_t n = 1 + utf8_char_len(e + 1);
    emit(t, e, n, i);
    return n;
}

/*
 * An inline flag group `(?flags)` or `(?flags:` at p[i]. Returns the bytes
 * consumed (0 when this is not a flag group), or SIZE_MAX with *problem.
 */
static size_t translate_flag_group(translation *t, const char *p, size_t i, char **problem)
{
    size_t j = i + 2;
    while (p[j] && strchr("aiLmsux-", p[j]))
        j++;
    if (j == i + 2 || (p[j] != ')' && p[j] != ':'))
        return 0;
    for (size_t k = i + 2; k < j; k++) {
        if (p[k] == 'L' || p[k] == 'a') {
            *problem = pv_xasprintf("inline flag '%c' (%s) is not supported at position %zu%s",
                                    p[k], p[k] == 'L' ? "LOCALE" : "ASCII", cp_index(p, i),
                                    p[k] == 'a' ? "; use flags: [ASCII] instead" : "");
            return SIZE_MAX;
        }
    }
    /* `u` (Unicode) is PCRE2's behaviour under UCP already: drop it */
    pv_strbuf kept = PV_STRBUF_INIT;
    for (size_t k = i + 2; k < j; k++)
        if (p[k] != 'u')
            pv_strbuf_append_char(&kept, p[k]);
    if (kept.len == 0 && p[j] == ':') {
        emit(t, "(?:", 3, i);
    } else if (kept.len > 0) {
        emit(t, "(?", 2, i);
        emit(t, kept.data, kept.len, i);
        emit(t, p + j, 1, j);
    }
    pv_strbuf_free(&kept);
    return j + 1 - i;
}

/* Python's `{,n}` and `{,}` mean `{0,n}` and `{0,}`; PCRE2 10.42 reads them literally. */
static size_t translate_brace(translation *t, const char *p, size_t i)
{
    if (p[i + 1] != ',')
        return 0;
    size_t j = i + 2;
    while (is_digit(p[j]))
        j++;
    if (p[j] != '}')
        return 0;
    emit(t, "{0,", 3, i);
    emit(t, p + i + 2, j - (i + 2), i + 2);
    emit(t, "}", 1, j);
    return j + 1 - i;
}

static char *translate(const char *p, translation *t, char **problem)
{
    bool in_class = false;
    size_t class_body = 0; /* first byte of a class body: a `]` there is literal */
    size_t i = 0;
    while (p[i]) {
        size_t used = 0;
        if (p[i] == '\\') {
            used = translate_escape(t, p, i);
        } else if (in_class) {
            if (p[i] == ']' && i > class_body)
                in_class = false;
        } else if (p[i] == '[') {
            in_class = true;
            class_body = i + 1 + (p[i + 1] == '^');
        } else if (p[i] == '(' && p[i + 1] == '?') {
            used = translate_flag_group(t, p, i, problem);
            if (used == SIZE_MAX)
                return NULL;
        } else if (p[i] == '{') {
            used = translate_brace(t, p, i);
        }
        if (!used) {
            emit(t, p + i, 1, i);
            used = 1;
        }
        i += used;
    }
    return t->out.data ? t->out.data : "";
}

char *pv_regex_translate(const char *pattern, char **problem)
{
    *problem = NULL;
    translation t = {PV_STRBUF_INIT, NULL, 0};
    char *out = translate(pattern, &t, problem);
    char *result = out ? pv_xstrdup(out) : NULL;
    pv_strbuf_free(&t.out);
    free(t.src);
    return result;
}

pcre2_code *pv_regex_compile(const char *pattern, uint32_t opts, char **problem)
{
    *problem = NULL;
    translation t = {PV_STRBUF_INIT, NULL, 0};
    const char *pcre = translate(pattern, &t, problem);
    pcre2_code *code = NULL;
    if (pcre) {
        int errcode = 0;
        PCRE2_SIZE erroff = 0;
        /* Python's multiline `^` also matches after a newline that ends the text */
        code = pcre2_compile((PCRE2_SPTR)pcre, strlen(pcre), opts | PCRE2_ALT_CIRCUMFLEX, &errcode,
                             &erroff, NULL);
        if (!code) {
            PCRE2_UCHAR msg[256];
            if (pcre2_get_error_message(errcode, msg, sizeof(msg)) < 0)
                strcpy((char *)msg, "unknown error");
            size_t src = erroff < t.out.len ? t.src[erroff] : strlen(pattern);
            *problem = pv_xasprintf("invalid regex: %s at position %zu", (const char *)msg,
                                    cp_index(pattern, src));
        }
    } else {
        char *inner = *problem;
        *problem = pv_xasprintf("invalid regex: %s", inner);
        free(inner);
    }
    pv_strbuf_free(&t.out);
    free(t.src);
    return code;
}

/* `*`, `+` or `{n,}` at s (n = one or more digits); returns its length or 0. */
static size_t unbounded_quantifier(const char *s)
{
    if (*s == '*' || *s == '+')
        return 1;
    if (*s != '{' || !is_digit(s[1]))
        return 0;
    size_t i = 1;
    while (is_digit(s[i]))
        i++;
    return (s[i] == ',' && s[i + 1] == '}') ? i + 2 : 0;
}

bool pv_regex_redos_suspect(const char *pattern)
{
    /* Purely textual, as specified: every `(` and `)` counts, escaped or not. */
    for (const char *open = strchr(pattern, '('); open; open = strchr(open + 1, '(')) {
        const char *close = open + 1 + strcspn(open + 1, "()");
        if (*close != ')' || !unbounded_quantifier(close + 1))
            continue;
        for (const char *b = open + 1; b < close; b++)
            if (*b == '|' || unbounded_quantifier(b))
                return true;
    }
    return false;
}

/* ---- replacement templates (Python re.sub) ---- */

typedef struct groups {
    uint32_t count;
    uint32_t name_count;
    uint32_t entry_size;
    PCRE2_SPTR table;
} groups;

static bool group_name_known(const groups *g, const char *name, size_t len)
{
    for (uint32_t i = 0; i < g->name_count; i++) {
        const char *entry = (const char *)g->table + (size_t)i * g->entry_size + 2;
        if (strlen(entry) == len && memcmp(entry, name, len) == 0)
            return true;
    }
    return false;
}

static bool is_octal(char c)
{
    return c >= '0' && c <= '7';
}

/* Python's str.isidentifier, approximated: non-ASCII letters are accepted. */
static bool is_identifier(const char *s, size_t len)
{
    if (len == 0 || is_digit(s[0]))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c >= 0x80 || c == '_' || is_digit((char)c) || (c >= 'a' && c <= 'z') ||
              (c >= 'A' && c <= 'Z')))
            return false;
    }
    return true;
}

static bool all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!is_digit(s[i]))
            return false;
    return len > 0;
}

/* `\g<…>` at t[i] (t[i+1] == 'g'). Returns bytes used or 0 with *problem. */
static size_t check_named_ref(const char *t, size_t i, const groups *g, char **problem)
{
    size_t pos = cp_index(t, i);
    if (t[i + 2] != '<') {
        *problem = pv_xasprintf("missing < after \\g at position %zu", pos);
        return 0;
    }
    const char *name = t + i + 3;
    const char *end = strchr(name, '>');
    if (!end) {
        *problem = pv_xasprintf("missing >, unterminated group name at position %zu", pos);
        return 0;
    }
    size_t len = (size_t)(end - name);
    if (len == 0) {
        *problem = pv_xasprintf("missing group name in \\g<> at position %zu", pos);
        return 0;
    }
    if (all_digits(name, len)) {
        long index = len > 10 ? PY_MAXGROUPS : strtol(name, NULL, 10);
        if (index >= PY_MAXGROUPS || index > (long)g->count) {
            *problem =
                pv_xasprintf("invalid group reference %.*s at position %zu", (int)len, name, pos);
            return 0;
        }
    } else if (!is_identifier(name, len)) {
        *problem =
            pv_xasprintf("bad character in group name '%.*s' at position %zu", (int)len, name, pos);
        return 0;
    } else if (!group_name_known(g, name, len)) {
        *problem = pv_xasprintf("unknown group name '%.*s' at position %zu", (int)len, name, pos);
        return 0;
    }
    return 3 + len + 1;
}

/* `\<digit>…` at t[i]: a group number or an octal escape, as sre reads them. */
static size_t check_numeric_escape(const char *t, size_t i, const groups *g, char **problem)
{
    size_t pos = cp_index(t, i);
    const char *d = t + i + 1;
    if (d[0] == '0') { /* \0, \0o, \0oo: octal code point */
        size_t n = 1;
        while (n < 3 && is_octal(d[n]))
            n++;
        return 1 + n;
    }
    if (is_digit(d[1])) {
        if (is_octal(d[0]) && is_octal(d[1]) && is_octal(d[2])) {
            int value = (d[0] - '0') * 64 + (d[1] - '0') * 8 + (d[2] - '0');
            if (value > 0377) {
                *problem = pv_xasprintf(
                    "octal escape value \\%.3s outside of range 0-0o377 at position %zu", d, pos);
                return 0;
            }
            return 4;
        }
        int index = (d[0] - '0') * 10 + (d[1] - '0');
        if ((uint32_t)index > g->count) {
            *problem = pv_xasprintf("invalid group reference %d at position %zu", index, pos);
            return 0;
        }
        return 3;
    }
    if ((uint32_t)(d[0] - '0') > g->count) {
        *problem = pv_xasprintf("invalid group reference %c at position %zu", d[0], pos);
        return 0;
    }
    return 2;
}

/* One escape at t[i] == '\\'. Returns bytes used, or 0 with *problem. */
static size_t check_escape(const char *t, size_t i, const groups *g, char **problem)
{
    char c = t[i + 1];
    if (c == '\0') {
        *problem = pv_xasprintf("bad escape (end of template) at position %zu", cp_index(t, i));
        return 0;
    }
    if (c == 'g')
        return check_named_ref(t, i, g, problem);
    if (is_digit(c))
        return check_numeric_escape(t, i, g, problem);
    if (strchr("abfnrtv\\", c))
        return 2;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        *problem = pv_xasprintf("bad escape \\%c at position %zu", c, cp_index(t, i));
        return 0;
    }
    return 1 + utf8_char_len(t + i + 1); /* kept literally, backslash included */
}

char *pv_regex_check_template(const char *replace, const pcre2_code *code)
{
    groups g = {0};
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &g.count);
    pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &g.name_count);
    pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &g.entry_size);
    pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &g.table);
    char *problem = NULL;
    for (size_t i = 0; replace[i];) {
        if (replace[i] != '\\') {
            i++;
            continue;
        }
        size_t used = check_escape(replace, i, &g, &problem);
        if (!used)
            return problem;
        i += used;
    }
    return NULL;
}
