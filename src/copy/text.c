/*
 * text.c — the text COPY format (spec/streaming.md §4): the fallback for a
 * unit with a type that has no binary send/receive.
 *
 * The layout is PostgreSQL's: one row per line, fields separated by a tab,
 * `\N` for NULL, and backslash escapes. Cells stay *escaped* views into the
 * line: a passthrough field is forwarded as the very bytes it arrived as,
 * and only a masked field is unescaped (pv_copy_text_unescape), masked and
 * escaped again (pv_copy_text_escape). The escapes are exactly those of
 * PostgreSQL's CopyReadAttributesText / CopyAttributeOutText.
 */
#include "copy/copy.h"

#include "util/hex.h"
#include "util/xalloc.h"

#include <inttypes.h>
#include <stdlib.h>

static const char *const CONTEXT = "Reading the source COPY stream";
static const char *const REMEDIATION =
    "Check that the source is a PostgreSQL server sending COPY text data; retry the run.";

bool pv_copy_text_split(const uint8_t *line, size_t len, pv_cell *cells, int ncols)
{
    if (ncols == 0)
        return len == 0; /* a table without columns: empty lines */
    int field = 0;
    size_t start = 0;
    size_t i = 0;
    for (;;) {
        /* An escaped byte never ends a field: "\<tab>" is a literal tab. */
        while (i < len && line[i] != '\t')
            i += line[i] == '\\' ? 2 : 1;
        if (i > len)
            i = len; /* a trailing lone backslash */
        if (field >= ncols)
            return false;
        size_t n = i - start;
        if (n == 2 && line[start] == '\\' && line[start + 1] == 'N') {
            cells[field].data = NULL;
            cells[field].len = PV_CELL_NULL;
        } else {
            cells[field].data = line + start;
            cells[field].len = (int32_t)n;
        }
        field++;
        if (i >= len)
            break;
        i++; /* the tab */
        start = i;
    }
    return field == ncols;
}

/* Decodes the escape after a backslash at s[*i]; advances *i past it. */
static uint8_t unescape_one(const uint8_t *s, size_t n, size_t *i)
{
    uint8_t c = s[(*i)++];
    if (c >= '0' && c <= '7') {
        int val = c - '0';
        for (int k = 0; k < 2 && *i < n && s[*i] >= '0' && s[*i] <= '7'; k++)
            val = (val << 3) + (s[(*i)++] - '0');
        return (uint8_t)(val & 0xFF);
    }
    switch (c) {
    case 'x':
        if (*i < n && pv_hex_digit(s[*i]) >= 0) {
            int val = pv_hex_digit(s[(*i)++]);
            if (*i < n && pv_hex_digit(s[*i]) >= 0)
                val = (val << 4) + pv_hex_digit(s[(*i)++]);
            return (uint8_t)val;
        }
        return 'x';
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'v':
        return '\v';
    default:
        return c; /* any other byte after a backslash stands for itself */
    }
}

void pv_copy_text_unescape(const uint8_t *s, size_t n, pv_buf *out)
{
    if (n == 0)
        return; /* s may be NULL then */
    pv_buf_reserve(out, n);
    size_t i = 0;
    while (i < n) {
        const uint8_t *bs = memchr(s + i, '\\', n - i);
        size_t plain = bs ? (size_t)(bs - (s + i)) : n - i;
        pv_buf_put(out, s + i, plain);
        i += plain;
        if (i >= n)
            break;
        i++; /* the backslash */
        if (i >= n)
            break; /* PostgreSQL drops a backslash at the end of a line */
        pv_buf_putc(out, unescape_one(s, n, &i));
    }
}

void pv_copy_text_escape(const uint8_t *s, size_t n, pv_buf *out)
{
    if (n == 0)
        return; /* s may be NULL then */
    pv_buf_reserve(out, n);
    size_t run = 0; /* start of the pending run of bytes that need no escape */
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        char esc;
        if (c == '\\')
            esc = '\\';
        else if (c >= 0x20)
            continue;
        else if (c == '\b')
            esc = 'b';
        else if (c == '\f')
            esc = 'f';
        else if (c == '\n')
            esc = 'n';
        else if (c == '\r')
            esc = 'r';
        else if (c == '\t')
            esc = 't';
        else if (c == '\v')
            esc = 'v';
        else
            continue; /* other control bytes are printed as they are */
        pv_buf_put(out, s + run, i - run);
        pv_buf_putc(out, '\\');
        pv_buf_putc(out, (uint8_t)esc);
        run = i + 1;
    }
    pv_buf_put(out, s + run, n - run);
}

/* ------------------------------------------------------------ text reader */

void pv_copy_text_reader_init(pv_copy_text_reader *r, int ncols)
{
    memset(r, 0, sizeof(*r));
    r->ncols = ncols < 0 ? 0 : ncols;
    r->max_tuple = PV_COPY_MAX_TUPLE_BYTES;
    r->cells = pv_xcalloc((size_t)r->ncols + 1, sizeof(*r->cells));
}

void pv_copy_text_reader_free(pv_copy_text_reader *r)
{
    pv_buf_free(&r->carry);
    free(r->cells);
    r->cells = NULL;
}

void pv_copy_text_reader_set_spill(pv_copy_text_reader *r, pv_copy_spill_fn fn, void *ctx)
{
    r->spill = fn;
    r->spill_ctx = ctx;
}

void pv_copy_text_reader_set_max_tuple(pv_copy_text_reader *r, size_t max_bytes)
{
    r->max_tuple = max_bytes;
}

void pv_copy_text_reader_feed(pv_copy_text_reader *r, const uint8_t *chunk, size_t len)
{
    r->chunk = chunk;
    r->chunk_len = len;
    r->pos = 0;
}

static pv_copy_status text_fail(pv_copy_text_reader *r, pv_copy_errkind kind, const char *what,
                                pv_error **err)
{
    r->error = kind;
    r->done = true;
    if (err)
        *err = pv_error_new(PV_EXIT_GENERIC, CONTEXT, REMEDIATION,
                            "Malformed COPY text data: %s (row %" PRIu64 ").", what, r->tuples + 1);
    return PV_COPY_ERROR;
}

static pv_copy_status text_line(pv_copy_text_reader *r, const uint8_t *line, size_t len,
                                bool in_carry, pv_copy_tuple *out, pv_error **err)
{
    r->bytes += len + 1;
    if (len == 2 && line[0] == '\\' && line[1] == '.') {
        r->done = true;
        return PV_COPY_END;
    }
    if (in_carry && r->spill) {
        uint8_t *copy = r->spill(r->spill_ctx, len ? len : 1);
        memcpy(copy, line, len);
        line = copy;
    }
    if (!pv_copy_text_split(line, len, r->cells, r->ncols))
        return text_fail(r, PV_COPY_ERR_MALFORMED,
                         "a row's field count differs from the column count", err);
    r->tuples++;
    out->raw = line;
    out->raw_len = len;
    out->cells = r->cells;
    out->ncols = r->ncols;
    return PV_COPY_TUPLE;
}

pv_copy_status pv_copy_text_reader_next(pv_copy_text_reader *r, pv_copy_tuple *out, pv_error **err)
{
    if (r->done) {
        if (r->error != PV_COPY_ERR_NONE)
            return PV_COPY_ERROR;
        if (r->pos < r->chunk_len)
            return text_fail(r, PV_COPY_ERR_MALFORMED, "data follows the end marker", err);
        return PV_COPY_END;
    }
    size_t avail = r->chunk_len - r->pos;
    if (avail == 0)
        return PV_COPY_NEED_MORE;
    const uint8_t *p = r->chunk + r->pos;
    const uint8_t *nl = memchr(p, '\n', avail);
    size_t take = nl ? (size_t)(nl - p) : avail;
    if (r->carry.len + take > r->max_tuple)
        return text_fail(r, PV_COPY_ERR_ROW_TOO_LARGE, "a row exceeds the per-row limit", err);
    if (!nl) {
        pv_buf_put(&r->carry, p, avail);
        r->pos = r->chunk_len;
        return PV_COPY_NEED_MORE;
    }
    r->pos += take + 1;
    if (r->carry.len == 0)
        return text_line(r, p, take, false, out, err);
    /* The line started in an earlier chunk; carry's bytes stay valid until
     * the next call appends to it. */
    pv_buf_put(&r->carry, p, take);
    size_t len = r->carry.len;
    r->carry.len = 0;
    return text_line(r, r->carry.data, len, true, out, err);
}

pv_error *pv_copy_text_reader_finish(pv_copy_text_reader *r)
{
    if (r->error == PV_COPY_ERR_NONE && r->carry.len == 0)
        return NULL;
    if (r->error == PV_COPY_ERR_NONE)
        r->error = PV_COPY_ERR_TRUNCATED;
    return pv_error_new(PV_EXIT_GENERIC, CONTEXT, REMEDIATION,
                        "The COPY text data ended inside a row (after %" PRIu64 " rows).",
                        r->tuples);
}
