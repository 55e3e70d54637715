/*
 * codec_array.c — arrays of any codec'd element type.
 *
 * Wire form (array_send): int32 ndim (0..6), int32 has-nulls flag, uint32
 * element type OID, ndim × (int32 length, int32 lower bound), then each
 * element as int32 length (-1 = NULL) + bytes.
 *
 * Text form (array_out / array_in): "[lb:ub]...=" when some lower bound is
 * not 1, nested braces, ',' between elements, NULL unquoted, and an
 * element in double quotes (with \" and \\ escaped) when it is empty,
 * spells NULL, or holds a brace, quote, backslash, comma or whitespace.
 * Elements are always rendered with their type's output function: that is
 * what array_out, ::text and the masking input text (the whole array's
 * text, masking.md §2) all print.
 */
#include "copy/codec_internal.h"

#include <stdlib.h>

#define MAXDIM         6
#define MAX_ARRAY_SIZE 134217727 /* MaxArraySize: MaxAllocSize / sizeof(Datum) */

static bool array_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Quotes the element text out->data[start..] in place when array_out would. */
static void quote_element(pv_buf *out, size_t start)
{
    const uint8_t *e = out->data + start;
    size_t len = out->len - start;
    bool need = len == 0 || (len == 4 && pv_word_eq((const char *)e, 4, "null"));
    size_t escapes = 0;
    for (size_t k = 0; k < len; k++) {
        uint8_t c = e[k];
        if (c == '"' || c == '\\') {
            need = true;
            escapes++;
        } else if (c == '{' || c == '}' || c == ',' || array_space(c)) {
            need = true;
        }
    }
    if (!need)
        return;
    pv_buf_reserve(out, escapes + 2);
    uint8_t *d = out->data + start;
    /* Shift right, back to front, inserting the escapes. */
    size_t w = len + escapes + 2;
    d[--w] = '"';
    for (size_t k = len; k-- > 0;) {
        d[--w] = d[k];
        if (d[k] == '"' || d[k] == '\\')
            d[--w] = '\\';
    }
    d[--w] = '"';
    out->len = start + len + escapes + 2;
}

/* Reads the dimension headers; *nitems is their product. */
static int read_dims(const uint8_t *p, size_t n, int ndim, int32_t *dims, int32_t *lbs,
                     int64_t *nitems)
{
    if (n < 12 + 8 * (size_t)ndim)
        return PV_C_BADBIN;
    *nitems = ndim > 0 ? 1 : 0;
    for (int d = 0; d < ndim; d++) {
        dims[d] = (int32_t)pv_be32(p + 12 + 8 * d);
        lbs[d] = (int32_t)pv_be32(p + 16 + 8 * d);
        if (dims[d] < 0 || (int64_t)lbs[d] + dims[d] - 1 > INT32_MAX)
            return PV_C_BADBIN;
        *nitems *= dims[d];
        if (*nitems > MAX_ARRAY_SIZE)
            return PV_C_BADBIN;
    }
    return PV_C_OK;
}

static void put_bounds(pv_buf *out, int ndim, const int32_t *dims, const int32_t *lbs)
{
    bool plain = true;
    for (int d = 0; d < ndim; d++)
        plain = plain && lbs[d] == 1;
    if (plain)
        return;
    for (int d = 0; d < ndim; d++) {
        pv_buf_putc(out, '[');
        pv_put_i64(out, lbs[d]);
        pv_buf_putc(out, ':');
        pv_put_i64(out, (int64_t)lbs[d] + dims[d] - 1);
        pv_buf_putc(out, ']');
    }
    pv_buf_putc(out, '=');
}

int pv_array_decode(const pv_scalar_codec *elem, const uint8_t *p, size_t n, pv_buf *out)
{
    if (n < 12)
        return PV_C_BADBIN;
    int32_t ndim = (int32_t)pv_be32(p);
    uint32_t flags = pv_be32(p + 4);
    if (ndim < 0 || ndim > MAXDIM || flags > 1)
        return PV_C_BADBIN;
    int32_t dims[MAXDIM], lbs[MAXDIM];
    int64_t nitems;
    int rc = read_dims(p, n, ndim, dims, lbs, &nitems);
    if (rc != PV_C_OK)
        return rc;
    size_t pos = 12 + 8 * (size_t)ndim;
    if (nitems == 0) {
        pv_buf_puts(out, "{}");
        return pos == n ? PV_C_OK : PV_C_BADBIN;
    }
    put_bounds(out, ndim, dims, lbs);
    int indx[MAXDIM] = {0};
    pv_buf_putc(out, '{');
    int j = 0;
    do {
        for (int i = j; i < ndim - 1; i++)
            pv_buf_putc(out, '{');
        if (n - pos < 4)
            return PV_C_BADBIN;
        int32_t len = (int32_t)pv_be32(p + pos);
        pos += 4;
        if (len == -1) {
            pv_buf_puts(out, "NULL");
        } else {
            if (len < 0 || (size_t)len > n - pos)
                return PV_C_BADBIN;
            size_t start = out->len;
            rc = elem->decode(elem, p + pos, (size_t)len, PV_RENDER_OUTPUT, out);
            if (rc != PV_C_OK)
                return rc;
            quote_element(out, start);
            pos += (size_t)len;
        }
        int i;
        for (i = ndim - 1; i >= 0; i--) {
            if (++indx[i] < dims[i]) {
                pv_buf_putc(out, ',');
                break;
            }
            indx[i] = 0;
            pv_buf_putc(out, '}');
        }
        j = i;
    } while (j != -1);
    return pos == n ? PV_C_OK : PV_C_BADBIN;
}

/* ------------------------------------------------------------ encode */

typedef struct item {
    uint32_t off;
    int32_t len; /* -1: NULL */
} item;

typedef struct arr_parse {
    const char *s;
    size_t n;
    size_t i;
    int leaf_depth; /* the depth elements sit at; -1 until known */
    int dims[MAXDIM];
    bool dim_set[MAXDIM];
    pv_buf text;  /* unescaped element texts, back to back */
    pv_buf items; /* item entries */
    size_t nitems;
} arr_parse;

static void ap_ws(arr_parse *a)
{
    while (a->i < a->n && array_space((uint8_t)a->s[a->i]))
        a->i++;
}

static bool ap_at(const arr_parse *a, char c)
{
    return a->i < a->n && a->s[a->i] == c;
}

static void add_item(arr_parse *a, uint32_t off, int32_t len)
{
    item it = {off, len};
    pv_buf_put(&a->items, &it, sizeof(it));
    a->nitems++;
}

/* One element, quoted or not (ReadArrayStr's rules). */
static bool parse_element(arr_parse *a)
{
    size_t start = a->text.len;
    if (ap_at(a, '"')) {
        a->i++;
        for (;;) {
            if (a->i >= a->n)
                return false;
            char c = a->s[a->i++];
            if (c == '"')
                break;
            if (c == '\\') {
                if (a->i >= a->n)
                    return false;
                c = a->s[a->i++];
            }
            pv_buf_putc(&a->text, (uint8_t)c);
        }
        add_item(a, (uint32_t)start, (int32_t)(a->text.len - start));
        return true;
    }
    size_t keep = start; /* end of the text up to the last non-blank or escaped byte */
    bool escaped = false;
    while (a->i < a->n) {
        char c = a->s[a->i];
        if (c == ',' || c == '}')
            break;
        if (c == '{' || c == '"')
            return false;
        a->i++;
        if (c == '\\') {
            if (a->i >= a->n)
                return false;
            pv_buf_putc(&a->text, (uint8_t)a->s[a->i++]);
            keep = a->text.len;
            escaped = true;
            continue;
        }
        pv_buf_putc(&a->text, (uint8_t)c);
        if (!array_space((uint8_t)c))
            keep = a->text.len;
    }
    a->text.len = keep;
    size_t len = keep - start;
    if (len == 0)
        return false;
    if (!escaped && len == 4 && pv_word_eq((const char *)a->text.data + start, 4, "null")) {
        a->text.len = start;
        add_item(a, 0, -1);
        return true;
    }
    add_item(a, (uint32_t)start, (int32_t)len);
    return true;
}

/* A brace level at the cursor ('{'); records its element count as dims[depth]. */
static bool parse_level(arr_parse *a, int depth)
{
    if (depth >= MAXDIM)
        return false;
    a->i++;
    ap_ws(a);
    if (ap_at(a, '}')) {
        a->i++;
        return depth == 0; /* "{}" is the empty array; "{{}}" is not allowed */
    }
    int count = 0;
    for (;;) {
        ap_ws(a);
        if (ap_at(a, '{')) {
            if (a->leaf_depth >= 0 && a->leaf_depth <= depth)
                return false;
            if (!parse_level(a, depth + 1))
                return false;
        } else {
            if (a->leaf_depth >= 0 && a->leaf_depth != depth)
                return false;
            a->leaf_depth = depth;
            if (!parse_element(a))
                return false;
        }
        count++;
        ap_ws(a);
        if (ap_at(a, ',')) {
            a->i++;
            continue;
        }
        if (ap_at(a, '}')) {
            a->i++;
            break;
        }
        return false;
    }
    if (!a->dim_set[depth]) {
        a->dims[depth] = count;
        a->dim_set[depth] = true;
    }
    return a->dims[depth] == count;
}

/* Optional "[lb:ub]...=" decoration; *ndim = 0 when absent. */
static bool parse_bounds(arr_parse *a, int *ndim, int32_t *lbs, int32_t *ubs)
{
    *ndim = 0;
    while (ap_at(a, '[')) {
        if (*ndim == MAXDIM)
            return false;
        a->i++;
        size_t close = a->i;
        while (close < a->n && a->s[close] != ']')
            close++;
        if (close >= a->n)
            return false;
        const char *colon = memchr(a->s + a->i, ':', close - a->i);
        int64_t lb = 1, ub;
        if (colon) {
            if (!pv_parse_int(a->s + a->i, (size_t)(colon - (a->s + a->i)), INT32_MIN, INT32_MAX,
                              &lb))
                return false;
            if (!pv_parse_int(colon + 1, (size_t)(a->s + close - colon - 1), INT32_MIN, INT32_MAX,
                              &ub))
                return false;
        } else if (!pv_parse_int(a->s + a->i, close - a->i, INT32_MIN, INT32_MAX, &ub)) {
            return false;
        }
        if (ub < lb - 1)
            return false;
        lbs[*ndim] = (int32_t)lb;
        ubs[*ndim] = (int32_t)ub;
        (*ndim)++;
        a->i = close + 1;
        ap_ws(a);
    }
    if (*ndim == 0)
        return true;
    if (!ap_at(a, '='))
        return false;
    a->i++;
    ap_ws(a);
    return true;
}

static int encode_items(const pv_scalar_codec *elem, uint32_t elem_oid, const arr_parse *a,
                        int ndim, const int32_t *lbs, pv_buf *out)
{
    const item *items = (const item *)a->items.data;
    bool has_null = false;
    for (size_t k = 0; k < a->nitems; k++)
        has_null = has_null || items[k].len < 0;
    pv_buf_be32(out, (uint32_t)ndim);
    pv_buf_be32(out, has_null ? 1 : 0);
    pv_buf_be32(out, elem_oid);
    for (int d = 0; d < ndim; d++) {
        pv_buf_be32(out, (uint32_t)a->dims[d]);
        pv_buf_be32(out, (uint32_t)lbs[d]);
    }
    for (size_t k = 0; k < a->nitems; k++) {
        if (items[k].len < 0) {
            pv_buf_be32(out, UINT32_MAX);
            continue;
        }
        size_t at = out->len;
        pv_buf_be32(out, 0);
        int rc = elem->encode(elem, (const char *)a->text.data + items[k].off, (size_t)items[k].len,
                              out);
        if (rc != PV_C_OK)
            return rc;
        pv_put_be32(out->data + at, (uint32_t)(out->len - at - 4));
    }
    return PV_C_OK;
}

int pv_array_encode(const pv_scalar_codec *elem, uint32_t elem_oid, const char *s, size_t n,
                    pv_buf *out)
{
    arr_parse a;
    memset(&a, 0, sizeof(a));
    a.s = s;
    a.n = n;
    a.leaf_depth = -1;
    pv_buf_reserve(&a.text, 64); /* never NULL, even when every element is "" */
    int rc = PV_C_BADTEXT;
    int bdim;
    int32_t lbs[MAXDIM], ubs[MAXDIM];
    ap_ws(&a);
    if (!parse_bounds(&a, &bdim, lbs, ubs) || !ap_at(&a, '{') || !parse_level(&a, 0))
        goto done;
    ap_ws(&a);
    if (a.i != n)
        goto done;
    int ndim = a.leaf_depth + 1; /* 0 for "{}" */
    if (a.nitems > MAX_ARRAY_SIZE)
        goto done;
    if (bdim > 0) {
        if (bdim != ndim)
            goto done;
        for (int d = 0; d < ndim; d++)
            if ((int64_t)ubs[d] - lbs[d] + 1 != a.dims[d])
                goto done;
    } else {
        for (int d = 0; d < ndim; d++)
            lbs[d] = 1;
    }
    rc = encode_items(elem, elem_oid, &a, ndim, lbs, out);
done:
    pv_buf_free(&a.text);
    pv_buf_free(&a.items);
    return rc;
}
