/*
 * regex.c — Python `re` patterns and re.sub templates on PCRE2 (config.md §6),
 * and the regex_mask substitution engine built on them.
 */
#include "config/regex.h"

#include "util/strbuf.h"
#include "util/utf8.h"
#include "util/xalloc.h"

#include <stdio.h>
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

static groups pattern_groups(const pcre2_code *code)
{
    groups g = {0};
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &g.count);
    pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &g.name_count);
    pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &g.entry_size);
    pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &g.table);
    return g;
}

/*
 * The number of the group called `name`, 0 when there is none (group 0 has
 * no name). The table is sorted by name, duplicates (PCRE2_DUPNAMES) by
 * number, so the first entry found is the lowest number.
 */
static uint32_t group_name_number(const groups *g, const char *name, size_t len)
{
    for (uint32_t i = 0; i < g->name_count; i++) {
        PCRE2_SPTR entry = g->table + (size_t)i * g->entry_size;
        const char *entry_name = (const char *)entry + 2;
        if (strlen(entry_name) == len && memcmp(entry_name, name, len) == 0)
            return (uint32_t)entry[0] << 8 | entry[1];
    }
    return 0;
}

/* A parsed template: literal byte runs and group references, in order. */
typedef struct piece {
    uint32_t group; /* NO_GROUP for a literal */
    size_t off;     /* literal: offset into the template's literal bytes */
    size_t len;
} piece;

#define NO_GROUP UINT32_MAX

struct pv_regex_template {
    uint8_t *lit;
    size_t lit_len;
    size_t lit_cap;
    piece *pieces;
    size_t count;
    size_t cap;
    uint32_t max_group;
};

/* Where the parser reports what it read; NULL when it only checks. */
static void tpl_literal(pv_regex_template *t, const char *s, size_t n)
{
    if (!t || n == 0)
        return;
    if (t->lit_cap - t->lit_len < n) {
        t->lit_cap = (t->lit_len + n) * 2;
        t->lit = pv_xrealloc(t->lit, t->lit_cap);
    }
    memcpy(t->lit + t->lit_len, s, n);
    if (t->count > 0 && t->pieces[t->count - 1].group == NO_GROUP) {
        t->pieces[t->count - 1].len += n; /* extend the previous run */
    } else {
        if (t->count == t->cap) {
            t->cap = t->cap * 2 + 4;
            t->pieces = pv_xrealloc(t->pieces, t->cap * sizeof(*t->pieces));
        }
        t->pieces[t->count++] = (piece){NO_GROUP, t->lit_len, n};
    }
    t->lit_len += n;
}

static void tpl_group(pv_regex_template *t, uint32_t group)
{
    if (!t)
        return;
    if (t->count == t->cap) {
        t->cap = t->cap * 2 + 4;
        t->pieces = pv_xrealloc(t->pieces, t->cap * sizeof(*t->pieces));
    }
    t->pieces[t->count++] = (piece){group, 0, 0};
    if (group > t->max_group)
        t->max_group = group;
}

/* A code point (<= 0xFF here: octal escapes) as UTF-8. */
static void tpl_code_point(pv_regex_template *t, unsigned cp)
{
    char u[2];
    if (cp < 0x80) {
        u[0] = (char)cp;
        tpl_literal(t, u, 1);
    } else {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        tpl_literal(t, u, 2);
    }
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
static size_t parse_named_ref(const char *t, size_t i, const groups *g, pv_regex_template *out,
                              char **problem)
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
    uint32_t group;
    if (all_digits(name, len)) {
        long index = len > 10 ? PY_MAXGROUPS : strtol(name, NULL, 10);
        if (index >= PY_MAXGROUPS || index > (long)g->count) {
            *problem =
                pv_xasprintf("invalid group reference %.*s at position %zu", (int)len, name, pos);
            return 0;
        }
        group = (uint32_t)index;
    } else if (!is_identifier(name, len)) {
        *problem =
            pv_xasprintf("bad character in group name '%.*s' at position %zu", (int)len, name, pos);
        return 0;
    } else if ((group = group_name_number(g, name, len)) == 0) {
        *problem = pv_xasprintf("unknown group name '%.*s' at position %zu", (int)len, name, pos);
        return 0;
    }
    tpl_group(out, group);
    return 3 + len + 1;
}

/* `\<digit>…` at t[i]: a group number or an octal escape, as sre reads them. */
static size_t parse_numeric_escape(const char *t, size_t i, const groups *g, pv_regex_template *out,
                                   char **problem)
{
    size_t pos = cp_index(t, i);
    const char *d = t + i + 1;
    if (d[0] == '0') { /* \0, \0o, \0oo: octal code point */
        size_t n = 1;
        unsigned value = 0;
        while (n < 3 && is_octal(d[n]))
            value = value * 8 + (unsigned)(d[n++] - '0');
        tpl_code_point(out, value);
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
            tpl_code_point(out, (unsigned)value);
            return 4;
        }
        int index = (d[0] - '0') * 10 + (d[1] - '0');
        if ((uint32_t)index > g->count) {
            *problem = pv_xasprintf("invalid group reference %d at position %zu", index, pos);
            return 0;
        }
        tpl_group(out, (uint32_t)index);
        return 3;
    }
    if ((uint32_t)(d[0] - '0') > g->count) {
        *problem = pv_xasprintf("invalid group reference %c at position %zu", d[0], pos);
        return 0;
    }
    tpl_group(out, (uint32_t)(d[0] - '0'));
    return 2;
}

/* One escape at t[i] == '\\'. Returns bytes used, or 0 with *problem. */
static size_t parse_escape(const char *t, size_t i, const groups *g, pv_regex_template *out,
                           char **problem)
{
    static const char controls[] = "a\ab\bf\fn\nr\rt\tv\v\\\\";
    char c = t[i + 1];
    if (c == '\0') {
        *problem = pv_xasprintf("bad escape (end of template) at position %zu", cp_index(t, i));
        return 0;
    }
    if (c == 'g')
        return parse_named_ref(t, i, g, out, problem);
    if (is_digit(c))
        return parse_numeric_escape(t, i, g, out, problem);
    for (size_t k = 0; controls[k]; k += 2) {
        if (controls[k] == c) {
            tpl_literal(out, &controls[k + 1], 1);
            return 2;
        }
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        *problem = pv_xasprintf("bad escape \\%c at position %zu", c, cp_index(t, i));
        return 0;
    }
    size_t n = 1 + utf8_char_len(t + i + 1); /* kept literally, backslash included */
    tpl_literal(out, t + i, n);
    return n;
}

/*
 * The one template parser: validates `replace` against the groups of the
 * pattern and, when `out` is not NULL, records its pieces there. NULL when
 * valid, else the problem.
 */
static char *parse_template(const char *replace, const groups *g, pv_regex_template *out)
{
    char *problem = NULL;
    size_t i = 0;
    while (replace[i]) {
        size_t run = strcspn(replace + i, "\\");
        tpl_literal(out, replace + i, run);
        i += run;
        if (!replace[i])
            break;
        size_t used = parse_escape(replace, i, g, out, &problem);
        if (!used)
            return problem;
        i += used;
    }
    return NULL;
}

char *pv_regex_check_template(const char *replace, const pcre2_code *code)
{
    groups g = pattern_groups(code);
    return parse_template(replace, &g, NULL);
}

pv_regex_template *pv_regex_template_new(const char *replace, const pcre2_code *code,
                                         char **problem)
{
    groups g = pattern_groups(code);
    pv_regex_template *t = pv_xcalloc(1, sizeof(*t));
    *problem = parse_template(replace, &g, t);
    if (*problem) {
        pv_regex_template_free(t);
        return NULL;
    }
    return t;
}

void pv_regex_template_free(pv_regex_template *t)
{
    if (!t)
        return;
    free(t->lit);
    free(t->pieces);
    free(t);
}

/* ---- the runtime engine ---- */

struct pv_regex_matcher {
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *stack; /* NULL when this PCRE2 has no JIT */
};

/* PCRE2 allocates with malloc; like pv_xmalloc, running out aborts. */
static void *need(void *p)
{
    if (!p) {
        fputs("privaci: out of memory\n", stderr);
        abort();
    }
    return p;
}

int pv_regex_jit(pcre2_code *code)
{
    int rc = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    /* no JIT in this PCRE2 build or for this pattern: the interpreter runs it */
    if (rc == PCRE2_ERROR_JIT_BADOPTION)
        return 0;
#ifdef PCRE2_ERROR_JIT_UNSUPPORTED /* PCRE2 10.43+ */
    if (rc == PCRE2_ERROR_JIT_UNSUPPORTED)
        return 0;
#endif
    return rc;
}

pv_regex_matcher *pv_regex_matcher_new(const pcre2_code *code)
{
    pv_regex_matcher *m = pv_xcalloc(1, sizeof(*m));
    m->md = need(pcre2_match_data_create_from_pattern(code, NULL));
    m->mctx = need(pcre2_match_context_create(NULL));
    pcre2_set_match_limit(m->mctx, PV_REGEX_MATCH_LIMIT);
    pcre2_set_depth_limit(m->mctx, PV_REGEX_DEPTH_LIMIT);
    uint32_t jit = 0;
    if (pcre2_config(PCRE2_CONFIG_JIT, &jit) >= 0 && jit) {
        m->stack = need(pcre2_jit_stack_create(32 * 1024, PV_REGEX_JIT_STACK, NULL));
        pcre2_jit_stack_assign(m->mctx, NULL, m->stack);
    }
    return m;
}

void pv_regex_matcher_free(pv_regex_matcher *m)
{
    if (!m)
        return;
    pcre2_match_data_free(m->md);
    pcre2_match_context_free(m->mctx);
    pcre2_jit_stack_free(m->stack);
    free(m);
}

static pv_regex_status match_error(int rc)
{
    switch (rc) {
    case PCRE2_ERROR_MATCHLIMIT:
    case PCRE2_ERROR_DEPTHLIMIT:
    case PCRE2_ERROR_HEAPLIMIT:
    case PCRE2_ERROR_JIT_STACKLIMIT:
        return PV_REGEX_LIMIT;
    default:
        /* the UTF-8 validity errors are a contiguous block */
        if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)
            return PV_REGEX_BAD_UTF8;
        return PV_REGEX_ERROR;
    }
}

static void put_replacement(const pv_regex_template *t, const uint8_t *subject, int pairs,
                            const PCRE2_SIZE *ov, pv_buf *out)
{
    for (size_t i = 0; i < t->count; i++) {
        const piece *p = &t->pieces[i];
        if (p->group == NO_GROUP) {
            pv_buf_put(out, t->lit + p->off, p->len);
        } else if ((int)p->group < pairs && ov[2 * p->group] != PCRE2_UNSET) {
            /* a group set inside a lookahead may lie outside the match */
            PCRE2_SIZE s = ov[2 * p->group], e = ov[2 * p->group + 1];
            if (e > s)
                pv_buf_put(out, subject + s, e - s);
        } /* an unmatched group inserts nothing */
    }
}

pv_regex_status pv_regex_substitute(pv_regex_matcher *m, const pcre2_code *code,
                                    const pv_regex_template *t, const uint8_t *subject, size_t len,
                                    pv_buf *out)
{
    if (pv_utf8_codepoints(subject, len) > PV_REGEX_MAX_CHARS)
        return PV_REGEX_TOO_LONG;
    uint32_t captures = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &captures);
    if (t->max_group > captures)
        return PV_REGEX_ERROR; /* the template was made for another pattern */
    if (pcre2_get_ovector_count(m->md) < captures + 1) {
        /* a matcher made for a pattern with fewer groups: grow once */
        pcre2_match_data_free(m->md);
        m->md = need(pcre2_match_data_create_from_pattern(code, NULL));
    }
    const size_t entry = out->len;
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
    uint32_t opts = 0; /* the first call checks the UTF-8 of the whole subject */
    size_t offset = 0; /* where the next search starts */
    size_t copied = 0; /* subject bytes already accounted for in out */
    for (;;) {
        int rc = pcre2_match(code, subject, len, offset, opts, m->md, m->mctx);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0) {
            out->len = entry;
            return match_error(rc);
        }
        if (rc == 0)
            rc = (int)pcre2_get_ovector_count(m->md); /* cannot happen: sized above */
        size_t start = ov[0], end = ov[1];
        /* \K can move the start; never before the search or past the end */
        bool stuck = end == start && start == offset && (opts & PCRE2_NOTEMPTY_ATSTART);
        if (start < offset || end < start || stuck) {
            out->len = entry;
            return PV_REGEX_ERROR;
        }
        pv_buf_put(out, subject + copied, start - copied);
        put_replacement(t, subject, rc, ov, out);
        copied = end;
        /*
         * Python 3.7+: after an empty match the next one may not be empty at
         * the same place (it may be non-empty there, or anything later);
         * after a non-empty match an empty one right at its end is allowed.
         * PCRE2 steps over whole UTF-8 characters when it moves on.
         */
        if (end == start)
            opts |= PCRE2_NOTEMPTY_ATSTART;
        else
            opts &= ~(uint32_t)PCRE2_NOTEMPTY_ATSTART;
        offset = end;
        opts |= PCRE2_NO_UTF_CHECK;
    }
    pv_buf_put(out, subject + copied, len - copied);
    return PV_REGEX_OK;
}
