/*
 * reader.c — the COPY binary tuple reader (spec/streaming.md §3).
 *
 * Chunks come from PQgetCopyData: in practice one CopyData message per row,
 * but nothing in the protocol promises that, so a header or tuple may start
 * in one chunk and end in another. The common case — a whole tuple inside
 * the chunk — is scanned in place and returned as views into the chunk.
 * Only when a chunk ends mid-item are its remaining bytes moved to `carry`,
 * which is then topped up from the next chunk with exactly the bytes the
 * scan says it still needs (never a whole chunk), so the tuples after it go
 * back to the zero-copy path.
 *
 * The scan of a tuple is resumable (scan_field / scan_off), so assembling a
 * tuple across many small chunks costs O(tuple), not O(fields × chunks).
 */
#include "copy/copy.h"

#include "util/xalloc.h"

#include <inttypes.h>
#include <stdlib.h>

const uint8_t PV_COPY_SIGNATURE[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xFF, '\r', '\n', 0};

enum { PHASE_HEADER, PHASE_TUPLES, PHASE_DONE };

#define HEADER_FIXED 19 /* signature + flags + extension length */
#define SCAN_NEW     (-1)
#define SCAN_TRAILER (-2)
#define MAX_COLUMNS  1600 /* PostgreSQL's MaxHeapAttributeNumber */

typedef enum { SCAN_DONE, SCAN_MORE, SCAN_FAIL } scan_result;

static const char *const CONTEXT = "Reading the source COPY stream";
static const char *const REMEDIATION =
    "Check that the source is a PostgreSQL server sending COPY binary data; retry the run.";

/* The message of the last failure; static strings only, so no value can leak. */
typedef struct failure {
    pv_copy_errkind kind;
    const char *what;
} failure;

static scan_result fail(pv_copy_reader *r, failure *f, pv_copy_errkind kind, const char *what)
{
    r->error = kind;
    f->kind = kind;
    f->what = what;
    return SCAN_FAIL;
}

void pv_copy_reader_init(pv_copy_reader *r, int ncols)
{
    memset(r, 0, sizeof(*r));
    if (ncols < 0)
        ncols = 0;
    if (ncols > MAX_COLUMNS)
        ncols = MAX_COLUMNS;
    r->ncols = ncols;
    r->phase = PHASE_HEADER;
    r->max_tuple = PV_COPY_MAX_TUPLE_BYTES;
    r->scan_field = SCAN_NEW;
    /* One allocation for the reader's life: the per-tuple arrays are reused. */
    r->offs = pv_xcalloc((size_t)ncols + 1, sizeof(*r->offs));
    r->cells = pv_xcalloc((size_t)ncols + 1, sizeof(*r->cells));
}

void pv_copy_reader_free(pv_copy_reader *r)
{
    pv_buf_free(&r->carry);
    free(r->offs);
    free(r->cells);
    r->offs = NULL;
    r->cells = NULL;
}

void pv_copy_reader_set_spill(pv_copy_reader *r, pv_copy_spill_fn fn, void *ctx)
{
    r->spill = fn;
    r->spill_ctx = ctx;
}

void pv_copy_reader_set_max_tuple(pv_copy_reader *r, size_t max_bytes)
{
    r->max_tuple = max_bytes;
}

void pv_copy_reader_feed(pv_copy_reader *r, const uint8_t *chunk, size_t len)
{
    r->chunk = chunk;
    r->chunk_len = len;
    r->pos = 0;
}

/* The header: signature, flags, extension (skipped). *total = its length. */
static scan_result scan_header(pv_copy_reader *r, const uint8_t *p, size_t n, size_t *need,
                               failure *f)
{
    if (n < HEADER_FIXED) {
        *need = HEADER_FIXED;
        return SCAN_MORE;
    }
    if (memcmp(p, PV_COPY_SIGNATURE, sizeof(PV_COPY_SIGNATURE)) != 0)
        return fail(r, f, PV_COPY_ERR_MALFORMED, "the COPY binary signature is missing");
    uint32_t flags = pv_be32(p + 11);
    if (flags & (1u << 16))
        return fail(r, f, PV_COPY_ERR_MALFORMED, "the COPY data includes OIDs");
    if (flags & 0xFFFE0000u)
        return fail(r, f, PV_COPY_ERR_MALFORMED, "the COPY header has unknown critical flags");
    uint32_t ext = pv_be32(p + 15);
    if (ext > INT32_MAX || ext > r->max_tuple)
        return fail(r, f, PV_COPY_ERR_MALFORMED, "the COPY header extension is too long");
    size_t total = HEADER_FIXED + (size_t)ext;
    if (n < total) {
        *need = total;
        return SCAN_MORE;
    }
    r->scan_off = total;
    return SCAN_DONE;
}

/*
 * One tuple (or the trailer), resumable: on SCAN_MORE the state points at
 * the length word of the first incomplete field, and *need is the total
 * item length known to be required so far (always > n).
 */
static scan_result scan_tuple(pv_copy_reader *r, const uint8_t *p, size_t n, size_t *need,
                              failure *f)
{
    if (r->scan_field == SCAN_NEW) {
        if (n < 2) {
            *need = 2;
            return SCAN_MORE;
        }
        int16_t count = (int16_t)pv_be16(p);
        if (count == -1) {
            r->scan_field = SCAN_TRAILER;
            r->scan_off = 2;
            return SCAN_DONE;
        }
        if (count != r->ncols)
            return fail(r, f, PV_COPY_ERR_MALFORMED,
                        "a tuple's field count differs from the column count");
        r->scan_field = 0;
        r->scan_off = 2;
    }
    size_t off = r->scan_off;
    int field = r->scan_field;
    uint32_t *offs = r->offs;
    pv_cell *cells = r->cells;
    while (field < r->ncols) {
        if (n - off < 4) {
            *need = off + 4;
            goto more;
        }
        int32_t len = (int32_t)pv_be32(p + off);
        if (len < -1)
            return fail(r, f, PV_COPY_ERR_MALFORMED, "a field length is negative");
        if (len > 0) {
            if ((uint64_t)off + 4 + (uint64_t)len > r->max_tuple)
                return fail(r, f, PV_COPY_ERR_ROW_TOO_LARGE, "a row exceeds the per-row limit");
            if (n - off - 4 < (size_t)len) {
                *need = off + 4 + (size_t)len;
                goto more;
            }
        }
        cells[field].len = len;
        offs[field] = (uint32_t)(off + 4);
        off += 4 + (len > 0 ? (size_t)len : 0);
        field++;
    }
    r->scan_off = off;
    r->scan_field = field;
    return SCAN_DONE;
more:
    r->scan_off = off;
    r->scan_field = field;
    return SCAN_MORE;
}

static scan_result scan_item(pv_copy_reader *r, const uint8_t *p, size_t n, size_t *need,
                             failure *f)
{
    return r->phase == PHASE_HEADER ? scan_header(r, p, n, need, f) : scan_tuple(r, p, n, need, f);
}

/*
 * A complete item of `total` bytes at `base`. Returns PV_COPY_TUPLE with
 * *out filled, PV_COPY_END for the trailer, PV_COPY_NEED_MORE (meaning
 * "nothing to return, go on") after the header.
 */
static pv_copy_status complete_item(pv_copy_reader *r, const uint8_t *base, bool in_carry,
                                    pv_copy_tuple *out)
{
    size_t total = r->scan_off;
    r->bytes += total;
    if (r->phase == PHASE_HEADER) {
        r->phase = PHASE_TUPLES;
        r->scan_field = SCAN_NEW;
        return PV_COPY_NEED_MORE;
    }
    if (r->scan_field == SCAN_TRAILER) {
        r->phase = PHASE_DONE;
        r->scan_field = SCAN_NEW;
        return PV_COPY_END;
    }
    if (in_carry && r->spill) {
        uint8_t *copy = r->spill(r->spill_ctx, total ? total : 1);
        memcpy(copy, base, total);
        base = copy;
    }
    for (int i = 0; i < r->ncols; i++)
        r->cells[i].data = r->cells[i].len >= 0 ? base + r->offs[i] : NULL;
    r->scan_field = SCAN_NEW;
    r->tuples++;
    out->raw = base;
    out->raw_len = total;
    out->cells = r->cells;
    out->ncols = r->ncols;
    return PV_COPY_TUPLE;
}

static pv_copy_status failed(pv_copy_reader *r, const failure *f, pv_error **err)
{
    r->phase = PHASE_DONE;
    if (err)
        *err = pv_error_new(PV_EXIT_GENERIC, CONTEXT, REMEDIATION,
                            "Malformed COPY binary data: %s (tuple %" PRIu64 ").", f->what,
                            r->tuples + 1);
    return PV_COPY_ERROR;
}

/* Tops up carry from the chunk until the item in it is complete. */
static scan_result assemble(pv_copy_reader *r, failure *f)
{
    for (;;) {
        size_t need = 0;
        scan_result res = scan_item(r, r->carry.data, r->carry.len, &need, f);
        if (res != SCAN_MORE)
            return res;
        size_t avail = r->chunk_len - r->pos;
        if (avail == 0)
            return SCAN_MORE;
        size_t take = need - r->carry.len;
        if (take > avail)
            take = avail;
        pv_buf_put(&r->carry, r->chunk + r->pos, take);
        r->pos += take;
    }
}

pv_copy_status pv_copy_reader_next(pv_copy_reader *r, pv_copy_tuple *out, pv_error **err)
{
    failure f = {PV_COPY_ERR_NONE, NULL};
    for (;;) {
        if (r->phase == PHASE_DONE) {
            if (r->error != PV_COPY_ERR_NONE)
                return PV_COPY_ERROR;
            if (r->pos < r->chunk_len) {
                fail(r, &f, PV_COPY_ERR_MALFORMED, "data follows the COPY trailer");
                return failed(r, &f, err);
            }
            return PV_COPY_END;
        }
        pv_copy_status st;
        if (r->carry.len > 0) {
            scan_result res = assemble(r, &f);
            if (res == SCAN_FAIL)
                return failed(r, &f, err);
            if (res == SCAN_MORE)
                return PV_COPY_NEED_MORE;
            /* The carried item is complete; carry.len is reset now, its bytes
             * stay valid until the next assembly, i.e. the next call. */
            r->carry.len = 0;
            st = complete_item(r, r->carry.data, true, out);
        } else {
            size_t avail = r->chunk_len - r->pos;
            if (avail == 0)
                return PV_COPY_NEED_MORE;
            const uint8_t *p = r->chunk + r->pos;
            size_t need = 0;
            scan_result res = scan_item(r, p, avail, &need, &f);
            if (res == SCAN_FAIL)
                return failed(r, &f, err);
            if (res == SCAN_MORE) {
                /* The chunk ends mid-item: keep its tail; the scan state
                 * (offsets relative to the item start) stays valid. */
                pv_buf_put(&r->carry, p, avail);
                r->pos = r->chunk_len;
                return PV_COPY_NEED_MORE;
            }
            r->pos += r->scan_off;
            st = complete_item(r, p, false, out);
        }
        if (st == PV_COPY_END && r->pos < r->chunk_len) {
            fail(r, &f, PV_COPY_ERR_MALFORMED, "data follows the COPY trailer");
            return failed(r, &f, err);
        }
        if (st != PV_COPY_NEED_MORE)
            return st;
    }
}

pv_error *pv_copy_reader_finish(pv_copy_reader *r)
{
    if (r->phase == PHASE_DONE && r->error == PV_COPY_ERR_NONE && r->carry.len == 0)
        return NULL;
    if (r->error != PV_COPY_ERR_NONE && r->error != PV_COPY_ERR_TRUNCATED)
        return pv_error_new(PV_EXIT_GENERIC, CONTEXT, REMEDIATION,
                            "Malformed COPY binary data (tuple %" PRIu64 ").", r->tuples + 1);
    r->error = PV_COPY_ERR_TRUNCATED;
    return pv_error_new(PV_EXIT_GENERIC, CONTEXT, REMEDIATION,
                        "The COPY binary data ended before its trailer (after %" PRIu64 " tuples).",
                        r->tuples);
}
