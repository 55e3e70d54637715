/*
 * yaml.c — builds the positioned YAML tree of yaml.h from libfyaml events.
 *
 * libfyaml's diagnostics are put in "collect" mode: errors are kept as
 * records (line, column) instead of being formatted, and nothing is ever
 * written anywhere. Besides giving positions without parsing text, this
 * avoids libfyaml 0.7.12's source-excerpt printer, which overruns a buffer
 * on some malformed inputs (found by fuzzing).
 */
#include "config/yaml.h"

#include "util/strbuf.h"
#include "util/xalloc.h"

#include <libfyaml.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/*
 * Upper bound on the nodes that aliases may add by expansion. A config has
 * no use for more; the bound keeps "billion laughs" documents linear.
 */
#define ALIAS_EXPANSION_LIMIT 1000000u

struct pv_yaml_doc {
    pv_yaml_node *root;
    pv_yaml_node **nodes; /* every node, for freeing */
    size_t n_nodes;
    size_t cap_nodes;
};

/* ---- a tiny string-keyed hash table (anchors, duplicate keys) ---- */

typedef struct strtab_entry {
    const char *key;
    size_t len;
    void *value;
} strtab_entry;

typedef struct strtab {
    strtab_entry *slots;
    size_t cap; /* power of two */
    size_t count;
} strtab;

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static strtab_entry *strtab_slot(const strtab *t, const char *key, size_t len)
{
    size_t i = (size_t)hash_bytes(key, len) & (t->cap - 1);
    for (;;) {
        strtab_entry *e = &t->slots[i];
        if (!e->key || (e->len == len && memcmp(e->key, key, len) == 0))
            return e;
        i = (i + 1) & (t->cap - 1);
    }
}

static void strtab_grow(strtab *t)
{
    strtab old = *t;
    t->cap = old.cap ? old.cap * 2 : 16;
    t->slots = pv_xcalloc(t->cap, sizeof(*t->slots));
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key)
            *strtab_slot(t, old.slots[i].key, old.slots[i].len) = old.slots[i];
    free(old.slots);
}

static void *strtab_get(const strtab *t, const char *key, size_t len)
{
    if (!t->cap)
        return NULL;
    return strtab_slot(t, key, len)->value;
}

/* Inserts or replaces; `key` must outlive the table. */
static void strtab_put(strtab *t, const char *key, size_t len, void *value)
{
    if ((t->count + 1) * 2 > t->cap)
        strtab_grow(t);
    strtab_entry *e = strtab_slot(t, key, len);
    if (!e->key) {
        e->key = key;
        e->len = len;
        t->count++;
    }
    e->value = value;
}

static void strtab_free(strtab *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = t->count = 0;
}

/* ---- positions ---- */

/* Code-point aware 1-based position of byte `offset` in `buf`. */
static pv_pos offset_pos(const char *buf, size_t len, size_t offset)
{
    pv_pos pos = {1, 1};
    for (size_t i = 0; i < offset && i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\n') {
            pos.line++;
            pos.column = 1;
        } else if ((c & 0xC0) != 0x80) {
            pos.column++; /* count code points, not continuation bytes */
        }
    }
    return pos;
}

static pv_pos mark_pos(const struct fy_mark *m)
{
    pv_pos pos = {0, 0};
    if (m && m->line >= 0 && m->column >= 0) {
        pos.line = m->line + 1;
        pos.column = m->column + 1;
    }
    return pos;
}

/* Offset of the first invalid UTF-8 sequence or NUL byte; len when clean. */
static size_t first_bad_utf8(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (buf[i] == '\0')
            return i;
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate((const utf8proc_uint8_t *)buf + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0)
            return i;
        i += (size_t)n;
    }
    return len;
}

bool pv_yaml_text_ok(const pv_yaml_node *n)
{
    return n->kind == PV_YAML_SCALAR && first_bad_utf8(n->text, n->len) == n->len;
}

/* ---- a libfyaml 0.7.12 crash guard ---- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * Some `?` is followed by a blank or a line end: the document may hold an
 * explicit key (anywhere: after indentation, `- `, `: `...). Deliberately
 * loose; it only widens where the check below applies.
 */
static bool has_explicit_key(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] == '?' &&
            (i + 1 == len || is_blank(buf[i + 1]) || buf[i + 1] == '\r' || buf[i + 1] == '\n'))
            return true;
    return false;
}

/* `:`, blanks holding a tab, then `?`, `:`, `-`, `|` or `>` as an indicator. */
static bool tab_before_indicator(const char *buf, size_t len, size_t s, size_t j)
{
    if (s == 0 || buf[s - 1] != ':' || !memchr(buf + s, '\t', j - s) || j >= len ||
        !strchr("?:-|>", buf[j]))
        return false;
    /* `-x` is a plain scalar; the others crash whatever follows them */
    return buf[j] != '-' || j + 1 == len || is_blank(buf[j + 1]) || buf[j + 1] == '\r' ||
           buf[j + 1] == '\n';
}

/*
 * libfyaml 0.7.12 corrupts its indentation stack, and crashes when the
 * parser is destroyed, on a tab between a `:` and a block indicator inside
 * an explicit (`? `) key, e.g. "? x:\t?" (found by fuzzing). Such input is
 * not valid YAML in practice, so when a document may use explicit keys,
 * any `:` + tab + block indicator is reported as a syntax error at the tab
 * before libfyaml sees it. The scan is purely textual (quotes and comments
 * included): a crash must never slip through, and a false alarm needs a
 * tab after a colon in a document that also has a `? `.
 */
static bool explicit_key_tab_hazard(const char *buf, size_t len, size_t *tab)
{
    if (!has_explicit_key(buf, len))
        return false;
    for (size_t j = 0; j < len;) {
        if (!is_blank(buf[j])) {
            j++;
            continue;
        }
        size_t s = j;
        while (j < len && is_blank(buf[j]))
            j++;
        if (tab_before_indicator(buf, len, s, j)) {
            *tab = (size_t)((const char *)memchr(buf + s, '\t', j - s) - buf);
            return true;
        }
    }
    return false;
}

/* ---- the builder ---- */

typedef struct frame {
    pv_yaml_node *node;
    pv_yaml_pair *raw; /* mapping: pairs as written */
    size_t n_raw, cap_raw;
    pv_yaml_node *pending_key;
} frame;

typedef struct builder {
    const char *buf; /* the input, for positions libfyaml does not give */
    size_t len;
    struct fy_mark last_end; /* end of the previous event that had one */
    bool have_last_end;
    pv_yaml_doc *doc;
    frame *stack;
    size_t depth, cap_stack;
    strtab anchors;
    size_t expanded; /* nodes added by alias expansion so far */
    pv_yaml_status status;
    pv_pos error_pos;
    char *dup_key; /* earliest duplicate key seen */
    size_t dup_at; /* its line/column rank, to keep the earliest */
    pv_pos dup_pos;
    char **anchor_names; /* owned copies, freed with the builder */
    size_t n_anchor_names, cap_anchor_names;
} builder;

static pv_yaml_node *new_node(builder *b, pv_yaml_kind kind, pv_pos pos)
{
    pv_yaml_doc *doc = b->doc;
    if (doc->n_nodes == doc->cap_nodes) {
        doc->cap_nodes = doc->cap_nodes ? doc->cap_nodes * 2 : 64;
        doc->nodes = pv_xrealloc(doc->nodes, doc->cap_nodes * sizeof(*doc->nodes));
    }
    pv_yaml_node *n = pv_xcalloc(1, sizeof(*n));
    n->kind = kind;
    n->pos = pos;
    n->weight = 1;
    doc->nodes[doc->n_nodes++] = n;
    return n;
}

static void fail(builder *b, pv_pos pos)
{
    if (b->status == PV_YAML_OK) {
        b->status = PV_YAML_SYNTAX;
        b->error_pos = pos;
    }
}

static size_t add_weight(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static void push_pair(frame *f, pv_yaml_node *key, pv_yaml_node *value)
{
    if (f->n_raw == f->cap_raw) {
        f->cap_raw = f->cap_raw ? f->cap_raw * 2 : 8;
        f->raw = pv_xrealloc(f->raw, f->cap_raw * sizeof(*f->raw));
    }
    f->raw[f->n_raw].key = key;
    f->raw[f->n_raw].value = value;
    f->n_raw++;
}

static void push_item(pv_yaml_node *seq, pv_yaml_node *item, size_t *cap)
{
    if (seq->n_items == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        seq->items = pv_xrealloc(seq->items, *cap * sizeof(*seq->items));
    }
    seq->items[seq->n_items++] = item;
}

/* Hands a finished node to the open collection (or makes it the root). */
static void attach(builder *b, pv_yaml_node *child)
{
    if (b->depth == 0) {
        if (!b->doc->root)
            b->doc->root = child;
        return;
    }
    frame *f = &b->stack[b->depth - 1];
    pv_yaml_node *parent = f->node;
    parent->weight = add_weight(parent->weight, child->weight);
    if (parent->kind == PV_YAML_SEQUENCE) {
        /* cap_raw doubles as the item capacity for sequences */
        push_item(parent, child, &f->cap_raw);
    } else if (!f->pending_key) {
        f->pending_key = child;
    } else {
        push_pair(f, f->pending_key, child);
        f->pending_key = NULL;
    }
}

static void remember_anchor(builder *b, struct fy_token *anchor, pv_yaml_node *node)
{
    if (!anchor)
        return;
    size_t len = 0;
    const char *name = fy_token_get_text(anchor, &len);
    if (!name)
        return;
    if (b->n_anchor_names == b->cap_anchor_names) {
        b->cap_anchor_names = b->cap_anchor_names ? b->cap_anchor_names * 2 : 8;
        b->anchor_names =
            pv_xrealloc(b->anchor_names, b->cap_anchor_names * sizeof(*b->anchor_names));
    }
    char *copy = pv_xstrndup(name, len);
    b->anchor_names[b->n_anchor_names++] = copy;
    strtab_put(&b->anchors, copy, len, node); /* a redefinition wins from here on */
}

static bool tag_is(struct fy_token *tag, const char *full)
{
    if (!tag)
        return false;
    size_t len = 0;
    const char *text = fy_token_get_text(tag, &len);
    return text && len == strlen(full) && memcmp(text, full, len) == 0;
}

static bool plain_null_text(const char *s, size_t len)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
        if (strlen(nulls[i]) == len && memcmp(nulls[i], s, len) == 0)
            return true;
    return false;
}

static const struct fy_mark *event_mark(struct fy_event *ev)
{
    struct fy_token *tok = fy_event_get_token(ev);
    const struct fy_mark *m = tok ? fy_token_start_mark(tok) : NULL;
    m = m ? m : fy_event_start_mark(ev);
    return m && m->line >= 0 && m->column >= 0 ? m : NULL;
}

static pv_pos event_pos(struct fy_event *ev)
{
    return mark_pos(event_mark(ev));
}

/* The position `steps` bytes after mark `m` (same-line ASCII steps). */
static pv_pos mark_plus(const struct fy_mark *m, size_t steps)
{
    pv_pos pos = mark_pos(m);
    pos.column += (int)steps;
    return pos;
}

/*
 * Where an empty scalar "is": it has no token, so walk from the end of the
 * previous event over blanks and one indicator (`:`, `-`, `?`, `,`), which
 * puts `key:` + nothing just after the colon, as PyYAML reports it.
 */
static pv_pos after_previous_event(const builder *b)
{
    if (!b->have_last_end)
        return (pv_pos){0, 0};
    size_t start = b->last_end.input_pos, i = start, limit = b->len;
    while (i < limit && (b->buf[i] == ' ' || b->buf[i] == '\t'))
        i++;
    if (i < limit && b->buf[i] && strchr(":-?,", b->buf[i]))
        i++;
    return mark_plus(&b->last_end, i - start);
}

/*
 * libfyaml marks a quoted scalar inside its quote, an alias at its name and
 * a block scalar at its content; report the quote, the `*` and the `|`/`>`
 * indicator instead, as PyYAML and editors do.
 */
static pv_pos scalar_pos(const builder *b, struct fy_event *ev)
{
    const struct fy_mark *m = event_mark(ev);
    if (!m)
        return after_previous_event(b);
    size_t at = m->input_pos;
    if (ev->type == FYET_ALIAS) {
        if (at > 0 && at <= b->len && b->buf[at - 1] == '*' && m->column > 0)
            return (pv_pos){m->line + 1, m->column};
        return mark_pos(m);
    }
    enum fy_scalar_style style = fy_token_scalar_style(ev->scalar.value);
    if ((style == FYSS_SINGLE_QUOTED || style == FYSS_DOUBLE_QUOTED) && at > 0 && at <= b->len &&
        b->buf[at - 1] == (style == FYSS_SINGLE_QUOTED ? '\'' : '"') && m->column > 0)
        return (pv_pos){m->line + 1, m->column};
    if ((style == FYSS_LITERAL || style == FYSS_FOLDED) && b->have_last_end) {
        /* the first indicator between the previous event and the content */
        size_t from = b->last_end.input_pos, to = at < b->len ? at : b->len;
        pv_pos pos = mark_pos(&b->last_end);
        for (size_t i = from; i < to; i++) {
            unsigned char c = (unsigned char)b->buf[i];
            if (c == '|' || c == '>')
                return pos;
            if (c == '\n') {
                pos.line++;
                pos.column = 1;
            } else if ((c & 0xC0) != 0x80) {
                pos.column++;
            }
        }
    }
    return mark_pos(m);
}

static bool is_break(char c)
{
    return c == '\n' || c == '\r';
}

static void append_utf8(pv_strbuf *sb, uint32_t cp)
{
    /* no validation: a surrogate or out-of-range escape stays invalid UTF-8,
       which pv_yaml_text_ok then rejects where a string is expected */
    char out[4];
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        out[0] = (char)(0xF0 | ((cp >> 18) & 0x07));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    pv_strbuf_append_len(sb, out, n);
}

/* A flow scalar being decoded from the source text. */
typedef struct flow_reader {
    const char *buf;
    size_t len;
    size_t i;
    pv_strbuf out;
} flow_reader;

static char peek(const flow_reader *r, size_t ahead)
{
    return r->i + ahead < r->len ? r->buf[r->i + ahead] : '\0';
}

/* Consumes one line break (\r\n counts as one). */
static void skip_break(flow_reader *r)
{
    r->i += (peek(r, 0) == '\r' && peek(r, 1) == '\n') ? 2 : 1;
}

/* After a break: blank lines become newlines; returns how many. */
static size_t fold_breaks(flow_reader *r)
{
    size_t breaks = 0;
    for (;;) {
        while (peek(r, 0) == ' ' || peek(r, 0) == '\t')
            r->i++;
        if (!is_break(peek(r, 0)))
            return breaks;
        skip_break(r);
        pv_strbuf_append_char(&r->out, '\n');
        breaks++;
    }
}

/* `\x`, `\u`, `\U` with 2, 4 or 8 hex digits. */
static void hex_escape(flow_reader *r, size_t digits)
{
    uint32_t cp = 0;
    size_t k = 0;
    for (; k < digits; k++) {
        char c = peek(r, k);
        int v = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (v < 0)
            break;
        cp = cp * 16 + (uint32_t)v;
    }
    r->i += k;
    append_utf8(&r->out, cp);
}

/* The character a one-letter escape stands for, or -1 (YAML 1.2 §5.7). */
static int simple_escape(char c)
{
    switch (c) {
    case '0':
        return '\0';
    case 'a':
        return '\a';
    case 'b':
        return '\b';
    case 't':
    case '\t':
        return '\t';
    case 'n':
        return '\n';
    case 'v':
        return '\v';
    case 'f':
        return '\f';
    case 'r':
        return '\r';
    case 'e':
        return 0x1b;
    case ' ':
    case '"':
    case '/':
    case '\\':
        return c;
    default:
        return -1;
    }
}

/* One escape after a backslash in a double-quoted scalar. */
static void dq_escape(flow_reader *r)
{
    char c = peek(r, 0);
    if (is_break(c)) { /* an escaped break joins the lines without a space */
        skip_break(r);
        fold_breaks(r);
        return;
    }
    r->i++;
    int simple = simple_escape(c);
    if (simple >= 0) {
        pv_strbuf_append_char(&r->out, (char)simple);
        return;
    }
    switch (c) {
    case 'N':
        append_utf8(&r->out, 0x85);
        break;
    case '_':
        append_utf8(&r->out, 0xA0);
        break;
    case 'L':
        append_utf8(&r->out, 0x2028);
        break;
    case 'P':
        append_utf8(&r->out, 0x2029);
        break;
    case 'x':
        hex_escape(r, 2);
        break;
    case 'u':
        hex_escape(r, 4);
        break;
    case 'U':
        hex_escape(r, 8);
        break;
    default: /* the parser rejects unknown escapes; keep the text if not */
        pv_strbuf_append_char(&r->out, c);
        break;
    }
}

/*
 * The value of a quoted scalar whose opening quote is at buf[q], decoded
 * as PyYAML's scanner does (the original's loader): `''` in single quotes,
 * the escapes of double quotes, and line folding (trailing and leading
 * blanks dropped; a break is a space, or n newlines after n blank lines).
 * libfyaml's own text accessors get several of these wrong in 0.7.12 (and
 * leak), so quoted scalars are decoded here from the source.
 */
static char *quoted_text(const char *buf, size_t len, size_t q, size_t *out_len)
{
    flow_reader r = {buf, len, q + 1, PV_STRBUF_INIT};
    char quote = buf[q];
    while (r.i < r.len) {
        char c = peek(&r, 0);
        if (c == quote && quote == '\'' && peek(&r, 1) == '\'') {
            pv_strbuf_append_char(&r.out, '\'');
            r.i += 2;
        } else if (c == quote) {
            break;
        } else if (c == '\\' && quote == '"') {
            r.i++;
            dq_escape(&r);
        } else if (c == ' ' || c == '\t') {
            size_t start = r.i;
            while (peek(&r, 0) == ' ' || peek(&r, 0) == '\t')
                r.i++;
            if (!is_break(peek(&r, 0))) /* blanks before a break are dropped */
                pv_strbuf_append_len(&r.out, buf + start, r.i - start);
        } else if (is_break(c)) {
            skip_break(&r);
            if (fold_breaks(&r) == 0)
                pv_strbuf_append_char(&r.out, ' ');
        } else {
            pv_strbuf_append_char(&r.out, c);
            r.i++;
        }
    }
    *out_len = r.out.len;
    return pv_strbuf_take(&r.out);
}

/*
 * The processed text of a scalar token, as a new string. Quoted scalars are
 * decoded from the source (quoted_text); plain and block scalars are read
 * through a token iterator into our own buffer, because
 * fy_token_get_text leaks the buffer it caches on the token once a value
 * outgrows its first allocation (found by fuzzing).
 */
static char *scalar_text(const builder *b, struct fy_token *value, size_t *len)
{
    *len = 0;
    if (!value)
        return pv_xstrdup("");
    const struct fy_mark *m = fy_token_start_mark(value);
    enum fy_scalar_style style = fy_token_scalar_style(value);
    char quote = style == FYSS_SINGLE_QUOTED ? '\'' : style == FYSS_DOUBLE_QUOTED ? '"' : 0;
    if (quote && m && m->input_pos > 0 && m->input_pos <= b->len &&
        b->buf[m->input_pos - 1] == quote)
        return quoted_text(b->buf, b->len, m->input_pos - 1, len);
    pv_strbuf sb = PV_STRBUF_INIT;
    struct fy_token_iter *iter = fy_token_iter_create(value);
    if (iter) {
        const struct fy_iter_chunk *chunk = NULL;
        int err = 0;
        while ((chunk = fy_token_iter_chunk_next(iter, chunk, &err)) != NULL)
            pv_strbuf_append_len(&sb, chunk->str, chunk->len);
        fy_token_iter_destroy(iter);
    }
    *len = sb.len;
    return pv_strbuf_take(&sb);
}

static void on_scalar(builder *b, struct fy_event *ev)
{
    struct fy_token *value = ev->scalar.value;
    pv_yaml_node *n = new_node(b, PV_YAML_SCALAR, scalar_pos(b, ev));
    n->text = scalar_text(b, value, &n->len);
    struct fy_token *tag = ev->scalar.tag;
    bool is_plain = fy_token_scalar_style(value) == FYSS_PLAIN;
    n->plain = is_plain && !tag_is(tag, "tag:yaml.org,2002:str");
    n->null = tag_is(tag, "tag:yaml.org,2002:null") ||
              (is_plain && !tag && plain_null_text(n->text, n->len));
    n->complete = true;
    remember_anchor(b, ev->scalar.anchor, n);
    attach(b, n);
}

static void on_alias(builder *b, struct fy_event *ev)
{
    pv_pos pos = scalar_pos(b, ev);
    size_t len = 0;
    const char *name = ev->alias.anchor ? fy_token_get_text(ev->alias.anchor, &len) : NULL;
    pv_yaml_node *target = name ? strtab_get(&b->anchors, name, len) : NULL;
    /* undefined anchor, or an alias inside its own anchor (a cycle) */
    if (!target || !target->complete) {
        fail(b, pos);
        return;
    }
    b->expanded = add_weight(b->expanded, target->weight);
    if (b->expanded > ALIAS_EXPANSION_LIMIT) {
        fail(b, pos);
        return;
    }
    attach(b, target);
}

static void open_collection(builder *b, struct fy_event *ev, pv_yaml_kind kind)
{
    pv_yaml_node *n = new_node(b, kind, event_pos(ev));
    remember_anchor(b, fy_event_get_anchor_token(ev), n);
    if (b->depth == b->cap_stack) {
        b->cap_stack = b->cap_stack ? b->cap_stack * 2 : 16;
        b->stack = pv_xrealloc(b->stack, b->cap_stack * sizeof(*b->stack));
    }
    frame *f = &b->stack[b->depth++];
    memset(f, 0, sizeof(*f));
    f->node = n;
}

static bool is_merge_key(const pv_yaml_node *key)
{
    return key->kind == PV_YAML_SCALAR && key->plain && key->len == 2 &&
           memcmp(key->text, "<<", 2) == 0;
}

/* Records the earliest duplicate key of a mapping as written. */
static void check_duplicates(builder *b, const frame *f)
{
    strtab seen = {0};
    for (size_t i = 0; i < f->n_raw; i++) {
        const pv_yaml_node *k = f->raw[i].key;
        if (k->kind != PV_YAML_SCALAR)
            continue; /* complex keys are never config keys; the schema rejects them */
        if (strtab_get(&seen, k->text, k->len)) {
            size_t at = (size_t)k->pos.line * 1000000u + (size_t)k->pos.column;
            if (!b->dup_key || at < b->dup_at) {
                free(b->dup_key);
                b->dup_key = pv_xstrndup(k->text, k->len);
                b->dup_at = at;
                b->dup_pos = k->pos;
            }
            continue;
        }
        strtab_put(&seen, k->text, k->len, (void *)k);
    }
    strtab_free(&seen);
}

typedef struct pairlist {
    pv_yaml_pair *items;
    size_t n, cap;
    strtab index; /* scalar key text -> 1-based position in items */
} pairlist;

/* dict-style insert: a later pair replaces an earlier one in place */
static void pairlist_put(pairlist *pl, pv_yaml_pair p)
{
    if (p.key->kind == PV_YAML_SCALAR) {
        size_t at = (size_t)(uintptr_t)strtab_get(&pl->index, p.key->text, p.key->len);
        if (at) {
            pl->items[at - 1] = p;
            return;
        }
    }
    if (pl->n == pl->cap) {
        pl->cap = pl->cap ? pl->cap * 2 : 8;
        pl->items = pv_xrealloc(pl->items, pl->cap * sizeof(*pl->items));
    }
    pl->items[pl->n++] = p;
    if (p.key->kind == PV_YAML_SCALAR)
        strtab_put(&pl->index, p.key->text, p.key->len, (void *)(uintptr_t)pl->n);
}

static void pairlist_put_all(pairlist *pl, const pv_yaml_node *map)
{
    for (size_t i = 0; i < map->n_pairs; i++)
        pairlist_put(pl, map->pairs[i]);
}

/*
 * Merge sources of one `<<` value in precedence order reversed, as PyYAML
 * flattens them: for a sequence the first mapping must win, so it goes last.
 */
static bool merge_value(builder *b, pairlist *pl, const pv_yaml_node *v)
{
    if (v->kind == PV_YAML_MAPPING) {
        pairlist_put_all(pl, v);
        return true;
    }
    if (v->kind != PV_YAML_SEQUENCE) {
        fail(b, v->pos);
        return false;
    }
    for (size_t i = 0; i < v->n_items; i++) {
        if (v->items[i]->kind != PV_YAML_MAPPING) {
            fail(b, v->items[i]->pos);
            return false;
        }
    }
    for (size_t i = v->n_items; i-- > 0;)
        pairlist_put_all(pl, v->items[i]);
    return true;
}

/* Effective pairs = merged pairs, then the mapping's own, later winning. */
static void close_mapping(builder *b, frame *f)
{
    pv_yaml_node *map = f->node;
    check_duplicates(b, f);
    pairlist pl = {0};
    for (size_t i = 0; i < f->n_raw; i++)
        if (is_merge_key(f->raw[i].key) && !merge_value(b, &pl, f->raw[i].value))
            break;
    for (size_t i = 0; i < f->n_raw; i++)
        if (!is_merge_key(f->raw[i].key))
            pairlist_put(&pl, f->raw[i]);
    strtab_free(&pl.index);
    map->pairs = pl.items;
    map->n_pairs = pl.n;
    free(f->raw);
}

static void close_collection(builder *b)
{
    if (b->depth == 0)
        return;
    frame f = b->stack[--b->depth];
    if (f.node->kind == PV_YAML_MAPPING)
        close_mapping(b, &f);
    f.node->complete = true;
    attach(b, f.node);
}

static void on_event(builder *b, struct fy_event *ev, int *documents)
{
    switch (ev->type) {
    case FYET_DOCUMENT_START:
        if (++*documents > 1)
            fail(b, event_pos(ev));
        break;
    case FYET_MAPPING_START:
        open_collection(b, ev, PV_YAML_MAPPING);
        break;
    case FYET_SEQUENCE_START:
        open_collection(b, ev, PV_YAML_SEQUENCE);
        break;
    case FYET_MAPPING_END:
    case FYET_SEQUENCE_END:
        close_collection(b);
        break;
    case FYET_SCALAR:
        on_scalar(b, ev);
        break;
    case FYET_ALIAS:
        on_alias(b, ev);
        break;
    default:
        break;
    }
}

/* ---- diagnostics ---- */

/*
 * Exported by libfyaml 0.7.x but missing from its public header: switches
 * a diagnostic object to collecting error records (fy_diag_errors_iterate)
 * instead of formatting them.
 */
void fy_diag_set_collect_errors(struct fy_diag *diag, bool collect_errors);

static void discard_output(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

static struct fy_diag *quiet_diag(void)
{
    struct fy_diag_cfg cfg;
    fy_diag_cfg_default(&cfg);
    cfg.fp = NULL;
    cfg.output_fn = discard_output; /* belt and braces: never stderr */
    cfg.colorize = false;
    struct fy_diag *diag = fy_diag_create(&cfg);
    if (diag)
        fy_diag_set_collect_errors(diag, true);
    return diag;
}

/* The position of the first collected error (1-based already), or unknown. */
static pv_pos first_error_pos(struct fy_diag *diag)
{
    void *iter = NULL;
    struct fy_diag_error *err = fy_diag_errors_iterate(diag, &iter);
    pv_pos pos = {0, 0};
    if (err && err->line > 0 && err->column > 0) {
        pos.line = err->line;
        pos.column = err->column;
    }
    return pos;
}

/* ---- entry points ---- */

static void builder_free(builder *b)
{
    for (size_t i = 0; i < b->depth; i++)
        free(b->stack[i].raw);
    free(b->stack);
    strtab_free(&b->anchors);
    for (size_t i = 0; i < b->n_anchor_names; i++)
        free(b->anchor_names[i]);
    free(b->anchor_names);
}

static void run_parser(builder *b, const char *buf, size_t len)
{
    struct fy_diag *diag = quiet_diag();
    struct fy_parse_cfg pcfg = {0};
    pcfg.flags = FYPCF_QUIET | FYPCF_JSON_NONE;
    pcfg.diag = diag;
    struct fy_parser *parser = diag ? fy_parser_create(&pcfg) : NULL;
    if (!parser || fy_parser_set_string(parser, buf, len) != 0) {
        fail(b, (pv_pos){0, 0});
    } else {
        int documents = 0;
        struct fy_event *ev;
        while (b->status == PV_YAML_OK && (ev = fy_parser_parse(parser)) != NULL) {
            on_event(b, ev, &documents);
            const struct fy_mark *end = fy_event_end_mark(ev);
            if (end && end->line >= 0 && end->column >= 0) {
                b->last_end = *end;
                b->have_last_end = true;
            }
            fy_parser_event_free(parser, ev);
        }
        /* an implicit second document has no start token: use its first node */
        if (documents > 1 && b->error_pos.line == 0 && (ev = fy_parser_parse(parser)) != NULL) {
            b->error_pos = event_pos(ev);
            fy_parser_event_free(parser, ev);
        }
        if (b->status == PV_YAML_OK && fy_parser_get_stream_error(parser))
            fail(b, first_error_pos(diag));
    }
    if (parser)
        fy_parser_destroy(parser);
    if (diag)
        fy_diag_destroy(diag);
}

pv_yaml_status pv_yaml_parse(const char *buf, size_t len, pv_yaml_doc **out,
                             pv_yaml_problem *problem)
{
    *out = NULL;
    problem->pos = (pv_pos){0, 0};
    problem->dup_key = NULL;

    builder b = {0};
    b.buf = buf;
    b.len = len;
    b.doc = pv_xcalloc(1, sizeof(*b.doc));
    size_t bad = first_bad_utf8(buf, len);
    if (bad < len || explicit_key_tab_hazard(buf, len, &bad))
        fail(&b, offset_pos(buf, len, bad));
    else
        run_parser(&b, buf, len);

    pv_yaml_status status = b.status;
    if (status == PV_YAML_OK && b.dup_key) {
        status = PV_YAML_DUPLICATE;
        problem->dup_key = b.dup_key;
        problem->pos = b.dup_pos;
        b.dup_key = NULL;
    } else if (status == PV_YAML_OK && (!b.doc->root || b.doc->root->null)) {
        status = PV_YAML_EMPTY;
    } else if (status != PV_YAML_OK) {
        problem->pos = b.error_pos;
    }
    free(b.dup_key);
    builder_free(&b);
    if (status == PV_YAML_OK)
        *out = b.doc;
    else
        pv_yaml_free(b.doc);
    return status;
}

const pv_yaml_node *pv_yaml_root(const pv_yaml_doc *doc)
{
    return doc->root;
}

void pv_yaml_free(pv_yaml_doc *doc)
{
    if (!doc)
        return;
    for (size_t i = 0; i < doc->n_nodes; i++) {
        pv_yaml_node *n = doc->nodes[i];
        free(n->text);
        free(n->items);
        free(n->pairs);
        free(n);
    }
    free(doc->nodes);
    free(doc);
}

const pv_yaml_pair *pv_yaml_lookup(const pv_yaml_node *map, const char *key)
{
    if (!map || map->kind != PV_YAML_MAPPING)
        return NULL;
    size_t len = strlen(key);
    for (size_t i = 0; i < map->n_pairs; i++) {
        const pv_yaml_node *k = map->pairs[i].key;
        if (k->kind == PV_YAML_SCALAR && k->len == len && memcmp(k->text, key, len) == 0)
            return &map->pairs[i];
    }
    return NULL;
}
