/* Unit tests for src/copy: the COPY tuple reader/writer and the codecs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "copy/codec.h"
#include "copy/copy.h"
#include "util/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */

/* A binary COPY stream of three tuples with 3 columns: data, NULL, empty, long. */
static void build_stream(pv_buf *b)
{
    pv_buf_put(b, PV_COPY_SIGNATURE, sizeof(PV_COPY_SIGNATURE));
    pv_buf_be32(b, 0);
    pv_buf_be32(b, 4); /* a header extension, to be skipped */
    pv_buf_put(b, "ext!", 4);
    /* tuple 1: "abc", NULL, "" */
    pv_buf_be16(b, 3);
    pv_buf_be32(b, 3);
    pv_buf_put(b, "abc", 3);
    pv_buf_be32(b, UINT32_MAX);
    pv_buf_be32(b, 0);
    /* tuple 2: "", "x", NULL */
    pv_buf_be16(b, 3);
    pv_buf_be32(b, 0);
    pv_buf_be32(b, 1);
    pv_buf_put(b, "x", 1);
    pv_buf_be32(b, UINT32_MAX);
    /* tuple 3: 300 bytes, "yz", "0123456789" */
    pv_buf_be16(b, 3);
    pv_buf_be32(b, 300);
    for (int i = 0; i < 300; i++)
        pv_buf_putc(b, (uint8_t)i);
    pv_buf_be32(b, 2);
    pv_buf_put(b, "yz", 2);
    pv_buf_be32(b, 10);
    pv_buf_put(b, "0123456789", 10);
    pv_buf_be16(b, UINT16_MAX);
}

static void assert_cell(pv_cell c, const char *data, int32_t len)
{
    assert_int_equal(c.len, len);
    if (len > 0)
        assert_memory_equal(c.data, data, (size_t)len);
    if (len == 0)
        assert_non_null(c.data);
    if (len < 0)
        assert_null(c.data);
}

static void check_tuple(int k, const pv_copy_tuple *t)
{
    static char big[300];
    for (int i = 0; i < 300; i++)
        big[i] = (char)i;
    assert_int_equal(t->ncols, 3);
    switch (k) {
    case 0:
        assert_cell(t->cells[0], "abc", 3);
        assert_cell(t->cells[1], NULL, -1);
        assert_cell(t->cells[2], "", 0);
        assert_int_equal(t->raw_len, 2 + 7 + 4 + 4);
        break;
    case 1:
        assert_cell(t->cells[0], "", 0);
        assert_cell(t->cells[1], "x", 1);
        assert_cell(t->cells[2], NULL, -1);
        break;
    default:
        assert_cell(t->cells[0], big, 300);
        assert_cell(t->cells[1], "yz", 2);
        assert_cell(t->cells[2], "0123456789", 10);
        break;
    }
}

/* Feeds `data` in chunks cut at the given points; returns tuples read. */
static int read_all(const uint8_t *data, size_t len, const size_t *cuts, int ncuts,
                    pv_copy_reader *r, bool copy_chunks)
{
    int tuples = 0;
    size_t start = 0;
    bool ended = false;
    for (int c = 0; c <= ncuts; c++) {
        size_t end = c < ncuts ? cuts[c] : len;
        /* Optionally feed a private copy that dies after the chunk, to
         * prove no tuple points into a chunk that is gone. */
        uint8_t *chunk = NULL;
        const uint8_t *feed = data + start;
        if (copy_chunks) {
            chunk = malloc(end - start + 1);
            memcpy(chunk, data + start, end - start);
            feed = chunk;
        }
        pv_copy_reader_feed(r, feed, end - start);
        for (;;) {
            pv_copy_tuple t;
            pv_error *err = NULL;
            pv_copy_status st = pv_copy_reader_next(r, &t, &err);
            assert_null(err);
            if (st == PV_COPY_TUPLE) {
                check_tuple(tuples++, &t);
                continue;
            }
            assert_int_not_equal(st, PV_COPY_ERROR);
            if (st == PV_COPY_END)
                ended = true;
            break;
        }
        free(chunk);
        start = end;
    }
    assert_true(ended);
    assert_null(pv_copy_reader_finish(r));
    return tuples;
}

/* ------------------------------------------------------------ reader */

static void test_reader_whole_buffer(void **state)
{
    (void)state;
    pv_buf b = PV_BUF_INIT;
    build_stream(&b);
    pv_copy_reader r;
    pv_copy_reader_init(&r, 3);
    assert_int_equal(read_all(b.data, b.len, NULL, 0, &r, false), 3);
    assert_int_equal(r.tuples, 3);
    assert_int_equal(r.bytes, b.len);
    pv_copy_reader_free(&r);
    pv_buf_free(&b);
}

static void test_reader_every_split_point(void **state)
{
    (void)state;
    pv_buf b = PV_BUF_INIT;
    build_stream(&b);
    for (size_t cut = 0; cut <= b.len; cut++) {
        pv_copy_reader r;
        pv_copy_reader_init(&r, 3);
        size_t cuts[1] = {cut};
        assert_int_equal(read_all(b.data, b.len, cuts, 1, &r, false), 3);
        pv_copy_reader_free(&r);
    }
    pv_buf_free(&b);
}

static void test_reader_every_pair_of_split_points(void **state)
{
    (void)state;
    pv_buf b = PV_BUF_INIT;
    build_stream(&b);
    /* the 300-byte field makes this quadratic; step over its middle */
    for (size_t c1 = 0; c1 <= b.len; c1 += (c1 > 80 && c1 < 330) ? 37 : 1) {
        for (size_t c2 = c1; c2 <= b.len; c2 += (c2 > 80 && c2 < 330) ? 29 : 1) {
            pv_copy_reader r;
            pv_copy_reader_init(&r, 3);
            size_t cuts[2] = {c1, c2};
            assert_int_equal(read_all(b.data, b.len, cuts, 2, &r, false), 3);
            pv_copy_reader_free(&r);
        }
    }
    pv_buf_free(&b);
}

static void test_reader_one_byte_chunks(void **state)
{
    (void)state;
    pv_buf b = PV_BUF_INIT;
    build_stream(&b);
    size_t *cuts = malloc(b.len * sizeof(*cuts));
    for (size_t i = 0; i < b.len; i++)
        cuts[i] = i + 1;
    pv_copy_reader r;
    pv_copy_reader_init(&r, 3);
    /* chunks freed right after feeding: tuples must live in reader memory */
    int n = 0;
    for (size_t i = 0; i < b.len; i++) {
        uint8_t byte = b.data[i];
        pv_copy_reader_feed(&r, &byte, 1);
        pv_copy_tuple t;
        pv_copy_status st;
        while ((st = pv_copy_reader_next(&r, &t, NULL)) == PV_COPY_TUPLE)
            check_tuple(n++, &t);
        assert_int_not_equal(st, PV_COPY_ERROR);
    }
    assert_int_equal(n, 3);
    assert_null(pv_copy_reader_finish(&r));
    pv_copy_reader_free(&r);
    free(cuts);
    pv_buf_free(&b);
}

/* Spill memory: tuples that straddle chunks outlive the chunks. */
typedef struct spill_arena {
    uint8_t *blocks[64];
    int n;
} spill_arena;

static void *spill_alloc(void *ctx, size_t n)
{
    spill_arena *a = ctx;
    assert_true(a->n < 64);
    a->blocks[a->n] = malloc(n);
    return a->blocks[a->n++];
}

static void test_reader_spill_keeps_straddling_tuples(void **state)
{
    (void)state;
    pv_buf b = PV_BUF_INIT;
    build_stream(&b);
    spill_arena arena = {{0}, 0};
    pv_copy_reader r;
    pv_copy_reader_init(&r, 3);
    pv_copy_reader_set_spill(&r, spill_alloc, &arena);
    /* every chunk is 5 bytes and copied; keep all tuples, check at the end */
    pv_copy_tuple kept[3];
    pv_cell cells[3][3];
    int n = 0;
    uint8_t *chunks[256];
    int nchunks = 0;
    for (size_t at = 0; at < b.len; at += 5) {
        size_t len = b.len - at < 5 ? b.len - at : 5;
        chunks[nchunks] = malloc(len);
        memcpy(chunks[nchunks], b.data + at, len);
        pv_copy_reader_feed(&r, chunks[nchunks], len);
        nchunks++;
        pv_copy_tuple t;
        while (pv_copy_reader_next(&r, &t, NULL) == PV_COPY_TUPLE) {
            memcpy(cells[n], t.cells, sizeof(cells[n]));
            kept[n] = t;
            kept[n].cells = cells[n];
            n++;
        }
    }
    assert_int_equal(n, 3);
    /* Scribble over the chunks: the kept tuples must be in spill memory. */
    for (int i = 0; i < nchunks; i++)
        memset(chunks[i], 0xAA, 1);
    for (int k = 0; k < 3; k++)
        check_tuple(k, &kept[k]);
    for (int i = 0; i < nchunks; i++)
        free(chunks[i]);
    for (int i = 0; i < arena.n; i++)
        free(arena.blocks[i]);
    pv_copy_reader_free(&r);
    pv_buf_free(&b);
}

static pv_copy_status read_until_done(pv_copy_reader *r, const pv_buf *b, pv_error **err)
{
    pv_copy_reader_feed(r, b->data, b->len);
    pv_copy_tuple t;
    pv_copy_status st;
    while ((st = pv_copy_reader_next(r, &t, err)) == PV_COPY_TUPLE)
        ;
    return st;
}

static void expect_error(pv_buf *b, int ncols, pv_copy_errkind kind, size_t max_tuple)
{
    pv_copy_reader r;
    pv_copy_reader_init(&r, ncols);
    if (max_tuple)
        pv_copy_reader_set_max_tuple(&r, max_tuple);
    pv_error *err = NULL;
    assert_int_equal(read_until_done(&r, b, &err), PV_COPY_ERROR);
    assert_non_null(err);
    assert_int_equal(r.error, kind);
    assert_int_equal(err->exit_code, PV_EXIT_GENERIC);
    assert_non_null(strstr(err->context, "COPY"));
    pv_error_free(err);
    /* a failed reader stays failed */
    pv_copy_tuple t;
    assert_int_equal(pv_copy_reader_next(&r, &t, NULL), PV_COPY_ERROR);
    pv_copy_reader_free(&r);
    pv_buf_free(b);
}

static void header(pv_buf *b, uint32_t flags)
{
    pv_buf_put(b, PV_COPY_SIGNATURE, sizeof(PV_COPY_SIGNATURE));
    pv_buf_be32(b, flags);
    pv_buf_be32(b, 0);
}

static void test_reader_rejects_malformed_input(void **state)
{
    (void)state;
    pv_buf b = PV_BUF_INIT;
    pv_buf_put(&b, "PGCOPY\n\377\r\n\1", 11); /* bad signature */
    pv_buf_be32(&b, 0);
    pv_buf_be32(&b, 0);
    expect_error(&b, 1, PV_COPY_ERR_MALFORMED, 0);

    header(&b, 1u << 16); /* OIDs */
    expect_error(&b, 1, PV_COPY_ERR_MALFORMED, 0);

    header(&b, 1u << 20); /* unknown critical flag */
    expect_error(&b, 1, PV_COPY_ERR_MALFORMED, 0);

    header(&b, 0); /* field count differs */
    pv_buf_be16(&b, 2);
    expect_error(&b, 1, PV_COPY_ERR_MALFORMED, 0);

    header(&b, 0); /* negative length other than -1 */
    pv_buf_be16(&b, 1);
    pv_buf_be32(&b, (uint32_t)-2);
    expect_error(&b, 1, PV_COPY_ERR_MALFORMED, 0);

    header(&b, 0); /* a row over the per-row limit, announced before its bytes */
    pv_buf_be16(&b, 1);
    pv_buf_be32(&b, 1000);
    expect_error(&b, 1, PV_COPY_ERR_ROW_TOO_LARGE, 100);

    header(&b, 0); /* data after the trailer */
    pv_buf_be16(&b, UINT16_MAX);
    pv_buf_putc(&b, 0);
    expect_error(&b, 1, PV_COPY_ERR_MALFORMED, 0);
}

static void test_reader_truncated_stream(void **state)
{
    (void)state;
    pv_buf b = PV_BUF_INIT;
    header(&b, 0);
    pv_buf_be16(&b, 1);
    pv_buf_be32(&b, 10);
    pv_buf_put(&b, "abc", 3);
    pv_copy_reader r;
    pv_copy_reader_init(&r, 1);
    assert_int_equal(read_until_done(&r, &b, NULL), PV_COPY_NEED_MORE);
    pv_error *err = pv_copy_reader_finish(&r);
    assert_non_null(err);
    assert_int_equal(r.error, PV_COPY_ERR_TRUNCATED);
    pv_error_free(err);
    pv_copy_reader_free(&r);

    /* no trailer at all */
    b.len = 0;
    header(&b, 0);
    pv_copy_reader_init(&r, 1);
    assert_int_equal(read_until_done(&r, &b, NULL), PV_COPY_NEED_MORE);
    err = pv_copy_reader_finish(&r);
    assert_non_null(err);
    pv_error_free(err);
    pv_copy_reader_free(&r);
    pv_buf_free(&b);
}

static void test_reader_zero_columns(void **state)
{
    (void)state;
    pv_buf b = PV_BUF_INIT;
    header(&b, 0);
    pv_buf_be16(&b, 0);
    pv_buf_be16(&b, 0);
    pv_buf_be16(&b, UINT16_MAX);
    pv_copy_reader r;
    pv_copy_reader_init(&r, 0);
    pv_copy_reader_feed(&r, b.data, b.len);
    pv_copy_tuple t;
    assert_int_equal(pv_copy_reader_next(&r, &t, NULL), PV_COPY_TUPLE);
    assert_int_equal(t.raw_len, 2);
    assert_int_equal(pv_copy_reader_next(&r, &t, NULL), PV_COPY_TUPLE);
    assert_int_equal(pv_copy_reader_next(&r, &t, NULL), PV_COPY_END);
    pv_copy_reader_free(&r);
    pv_buf_free(&b);
}

/* ------------------------------------------------------------ writer */

typedef struct sink {
    pv_buf data;
    int calls;
    size_t largest;
    int fail_at; /* fail the n-th call (1-based), 0 = never */
} sink;

static pv_error *sink_fn(void *ctx, const uint8_t *data, size_t len)
{
    sink *s = ctx;
    s->calls++;
    if (s->fail_at && s->calls == s->fail_at)
        return pv_error_new(1, "Writing the target COPY stream", "Retry.", "Broken pipe.");
    pv_buf_put(&s->data, data, len);
    if (len > s->largest)
        s->largest = len;
    return NULL;
}

static void test_writer_round_trip_through_reader(void **state)
{
    (void)state;
    pv_buf src = PV_BUF_INIT;
    build_stream(&src);
    /* Re-write the stream: tuple 1 cell by cell, tuple 2 as raw bytes,
     * tuple 3 with an encoded cell in place. */
    sink s = {PV_BUF_INIT, 0, 0, 0};
    pv_copy_writer w;
    pv_copy_writer_init(&w, sink_fn, &s, 64);
    pv_copy_writer_header(&w);
    pv_copy_reader r;
    pv_copy_reader_init(&r, 3);
    pv_copy_reader_feed(&r, src.data, src.len);
    pv_copy_tuple t;
    int k = 0;
    pv_codec text;
    assert_true(pv_codec_for_name("text", &text));
    while (pv_copy_reader_next(&r, &t, NULL) == PV_COPY_TUPLE) {
        if (k == 1) {
            pv_copy_writer_raw_tuple(&w, t.raw, t.raw_len);
        } else {
            pv_copy_writer_tuple_begin(&w, t.ncols);
            for (int i = 0; i < t.ncols; i++) {
                if (k == 2 && i == 1) {
                    pv_buf *out = pv_copy_writer_cell_open(&w);
                    assert_null(pv_codec_encode(&text, "yz", 2, out));
                    pv_copy_writer_cell_close(&w);
                } else {
                    pv_copy_writer_cell(&w, t.cells[i]);
                }
            }
        }
        assert_null(pv_copy_writer_tuple_end(&w));
        k++;
    }
    assert_null(pv_copy_writer_finish(&w));
    /* Identical bytes except the header extension (the writer writes none). */
    assert_int_equal(s.data.len, src.len - 4);
    assert_memory_equal(s.data.data, src.data, 15);
    assert_memory_equal(s.data.data + 19, src.data + 23, src.len - 23);
    assert_true(s.calls > 1);
    assert_int_equal(w.tuples, 3);
    assert_int_equal(w.bytes_sent, s.data.len);
    pv_copy_writer_free(&w);
    pv_copy_reader_free(&r);
    pv_buf_free(&s.data);
    pv_buf_free(&src);
}

static void test_writer_big_cells_bypass_the_buffer(void **state)
{
    (void)state;
    sink s = {PV_BUF_INIT, 0, 0, 0};
    pv_copy_writer w;
    pv_copy_writer_init(&w, sink_fn, &s, 16);
    uint8_t big[100];
    memset(big, 'q', sizeof(big));
    pv_copy_writer_tuple_begin(&w, 1);
    pv_copy_writer_cell(&w, (pv_cell){big, 100});
    assert_null(pv_copy_writer_tuple_end(&w));
    assert_null(pv_copy_writer_flush(&w));
    assert_int_equal(s.data.len, 2 + 4 + 100);
    assert_int_equal(s.largest, 100); /* sent as is, not copied */
    pv_copy_writer_free(&w);
    pv_buf_free(&s.data);
}

static void test_writer_reports_sink_failure_once(void **state)
{
    (void)state;
    sink s = {PV_BUF_INIT, 0, 0, 1};
    pv_copy_writer w;
    pv_copy_writer_init(&w, sink_fn, &s, 8);
    pv_copy_writer_header(&w);
    pv_error *err = pv_copy_writer_tuple_end(&w);
    assert_non_null(err);
    assert_string_equal(err->cause, "Broken pipe.");
    pv_error_free(err);
    pv_copy_writer_null(&w);
    err = pv_copy_writer_finish(&w);
    assert_non_null(err); /* a generic one: the first was handed out */
    pv_error_free(err);
    assert_int_equal(s.calls, 1);
    pv_copy_writer_free(&w);
    pv_buf_free(&s.data);
}

static void test_writer_cell_abort(void **state)
{
    (void)state;
    sink s = {PV_BUF_INIT, 0, 0, 0};
    pv_copy_writer w;
    pv_copy_writer_init(&w, sink_fn, &s, 0);
    pv_codec i4;
    assert_true(pv_codec_for_name("int4", &i4));
    pv_copy_writer_tuple_begin(&w, 1);
    pv_buf *out = pv_copy_writer_cell_open(&w);
    pv_error *err = pv_codec_encode(&i4, "12x", 3, out);
    assert_non_null(err);
    pv_error_free(err);
    pv_copy_writer_cell_abort(&w);
    pv_copy_writer_null(&w);
    assert_null(pv_copy_writer_tuple_end(&w));
    assert_null(pv_copy_writer_flush(&w));
    static const uint8_t want[] = {0, 1, 0xFF, 0xFF, 0xFF, 0xFF};
    assert_int_equal(s.data.len, sizeof(want));
    assert_memory_equal(s.data.data, want, sizeof(want));
    pv_copy_writer_free(&w);
    pv_buf_free(&s.data);
}

/* ------------------------------------------------------------ text format */

static void test_text_split_and_escapes(void **state)
{
    (void)state;
    const char *line = "a\\tb\t\\N\t\t\\\\N\tx\\\ty";
    pv_cell c[5];
    assert_true(pv_copy_text_split((const uint8_t *)line, strlen(line), c, 5));
    assert_cell(c[0], "a\\tb", 4);
    assert_cell(c[1], NULL, -1);
    assert_cell(c[2], "", 0);
    assert_cell(c[3], "\\\\N", 3);  /* an escaped backslash then N: not NULL */
    assert_cell(c[4], "x\\\ty", 4); /* an escaped tab does not split */
    assert_false(pv_copy_text_split((const uint8_t *)line, strlen(line), c, 4));
    pv_cell six[6];
    assert_false(pv_copy_text_split((const uint8_t *)line, strlen(line), six, 6));

    pv_buf b = PV_BUF_INIT;
    pv_copy_text_unescape((const uint8_t *)"a\\tb\\n\\\\\\101\\x41\\x\\q\\", 21, &b);
    assert_int_equal(b.len, 9);
    assert_memory_equal(b.data, "a\tb\n\\AAxq", 9);

    /* escape(unescape(x)) for every byte value */
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    pv_buf esc = PV_BUF_INIT, back = PV_BUF_INIT;
    pv_copy_text_escape(all, 256, &esc);
    assert_null(memchr(esc.data, '\t', esc.len));
    assert_null(memchr(esc.data, '\n', esc.len));
    pv_copy_text_unescape(esc.data, esc.len, &back);
    assert_int_equal(back.len, 256);
    assert_memory_equal(back.data, all, 256);
    b.len = 0;
    pv_copy_text_escape((const uint8_t *)"a\\b\tc\x01", 6, &b);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "a\\\\b\\tc\x01", 8);
    pv_buf_free(&b);
    pv_buf_free(&esc);
    pv_buf_free(&back);
}

static void test_text_reader_chunks_and_writer(void **state)
{
    (void)state;
    const char *stream = "1\tab\\tc\t\\N\n2\t\t\\\\\n3\tlast\tx\n";
    size_t len = strlen(stream);
    for (size_t cut = 0; cut <= len; cut++) {
        pv_copy_text_reader r;
        pv_copy_text_reader_init(&r, 3);
        sink s = {PV_BUF_INIT, 0, 0, 0};
        pv_copy_writer w;
        pv_copy_writer_init(&w, sink_fn, &s, 4);
        int rows = 0;
        size_t bounds[3] = {0, cut, len};
        for (int c = 0; c < 2; c++) {
            pv_copy_text_reader_feed(&r, (const uint8_t *)stream + bounds[c],
                                     bounds[c + 1] - bounds[c]);
            pv_copy_tuple t;
            while (pv_copy_text_reader_next(&r, &t, NULL) == PV_COPY_TUPLE) {
                rows++;
                if (rows == 2) {
                    assert_null(pv_copy_writer_text_raw_row(&w, t.raw, t.raw_len));
                    continue;
                }
                for (int i = 0; i < 3; i++) {
                    if (t.cells[i].len < 0) {
                        pv_copy_writer_text_null(&w);
                    } else if (i == 1) {
                        /* a "masked" cell: unescape, then escape on output */
                        pv_buf v = PV_BUF_INIT;
                        pv_copy_text_unescape(t.cells[i].data, (size_t)t.cells[i].len, &v);
                        pv_copy_writer_text_value(&w, v.data, v.len);
                        pv_buf_free(&v);
                    } else {
                        pv_copy_writer_text_escaped(&w, t.cells[i].data, (size_t)t.cells[i].len);
                    }
                }
                assert_null(pv_copy_writer_text_row_end(&w));
            }
        }
        assert_null(pv_copy_text_reader_finish(&r));
        assert_null(pv_copy_writer_flush(&w));
        assert_int_equal(rows, 3);
        assert_int_equal(s.data.len, len);
        assert_memory_equal(s.data.data, stream, len);
        pv_copy_writer_free(&w);
        pv_copy_text_reader_free(&r);
        pv_buf_free(&s.data);
    }
}

static void test_text_reader_errors(void **state)
{
    (void)state;
    pv_copy_text_reader r;
    pv_copy_text_reader_init(&r, 2);
    pv_copy_text_reader_feed(&r, (const uint8_t *)"a\tb\tc\n", 6);
    pv_copy_tuple t;
    pv_error *err = NULL;
    assert_int_equal(pv_copy_text_reader_next(&r, &t, &err), PV_COPY_ERROR);
    assert_int_equal(r.error, PV_COPY_ERR_MALFORMED);
    pv_error_free(err);
    pv_copy_text_reader_free(&r);

    pv_copy_text_reader_init(&r, 1);
    pv_copy_text_reader_feed(&r, (const uint8_t *)"unterminated", 12);
    assert_int_equal(pv_copy_text_reader_next(&r, &t, NULL), PV_COPY_NEED_MORE);
    err = pv_copy_text_reader_finish(&r);
    assert_non_null(err);
    pv_error_free(err);
    pv_copy_text_reader_free(&r);

    pv_copy_text_reader_init(&r, 1);
    pv_copy_text_reader_feed(&r, (const uint8_t *)"x\n\\.\n", 5);
    assert_int_equal(pv_copy_text_reader_next(&r, &t, NULL), PV_COPY_TUPLE);
    assert_int_equal(pv_copy_text_reader_next(&r, &t, NULL), PV_COPY_END);
    assert_null(pv_copy_text_reader_finish(&r));
    pv_copy_text_reader_free(&r);
}

/* ------------------------------------------------------------ codecs */

static int hexval(char c)
{
    return c <= '9' ? c - '0' : (c | 32) - 'a' + 10;
}

/* Bytes from hex text ("" ok). */
static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = 0;
    for (; hex[0] && hex[1]; hex += 2)
        out[n++] = (uint8_t)(hexval(hex[0]) << 4 | hexval(hex[1]));
    return n;
}

/* decode(type, hex bytes) in a rendering must be `want`. */
static void check_decode(const char *type, const char *hex, pv_render how, const char *want)
{
    pv_codec c;
    if (!pv_codec_for_name(type, &c))
        fail_msg("no codec for %s", type);
    uint8_t bin[512];
    size_t n = unhex(hex, bin);
    pv_buf out = PV_BUF_INIT;
    pv_error *err = pv_codec_decode(&c, how, bin, n, &out);
    if (err)
        fail_msg("%s %s: %s", type, hex, err->cause);
    if (strcmp((const char *)out.data, want) != 0)
        fail_msg("%s %s (render %d): got '%s', want '%s'", type, hex, how, out.data, want);
    pv_buf_free(&out);
}

/* encode(type, text) must give the hex bytes `want`. */
static void check_encode(const char *type, const char *text, const char *want)
{
    pv_codec c;
    if (!pv_codec_for_name(type, &c))
        fail_msg("no codec for %s", type);
    pv_buf out = PV_BUF_INIT;
    pv_error *err = pv_codec_encode(&c, text, strlen(text), &out);
    if (err)
        fail_msg("%s '%s': %s", type, text, err->cause);
    char hex[1200] = "";
    for (size_t i = 0; i < out.len && i < 590; i++)
        snprintf(hex + 2 * i, 3, "%02x", out.data[i]);
    if (strcmp(hex, want) != 0)
        fail_msg("%s '%s': got %s, want %s", type, text, hex, want);
    pv_buf_free(&out);
}

static void check_bad_text(const char *type, const char *text)
{
    pv_codec c;
    assert_true(pv_codec_for_name(type, &c));
    pv_buf out = PV_BUF_INIT;
    pv_buf_put(&out, "keep", 4);
    pv_error *err = pv_codec_encode(&c, text, strlen(text), &out);
    if (!err)
        fail_msg("%s '%s' was accepted", type, text);
    assert_int_equal(out.len, 4); /* restored */
    if (strlen(text) >= 6)
        assert_null(strstr(err->cause, text)); /* value-free */
    pv_error_free(err);
    pv_buf_free(&out);
}

/* encode(text) then decode(OUTPUT) gives the text back. */
static void check_round_trip(const char *type, const char *text)
{
    pv_codec c;
    if (!pv_codec_for_name(type, &c))
        fail_msg("no codec for %s", type);
    pv_buf bin = PV_BUF_INIT, out = PV_BUF_INIT;
    pv_error *err = pv_codec_encode(&c, text, strlen(text), &bin);
    if (err)
        fail_msg("%s '%s': %s", type, text, err->cause);
    err = pv_codec_decode(&c, PV_RENDER_OUTPUT, bin.data, bin.len, &out);
    if (err)
        fail_msg("%s '%s' decode: %s", type, text, err->cause);
    if (strcmp((const char *)out.data, text) != 0)
        fail_msg("%s: '%s' came back as '%s'", type, text, out.data);
    pv_buf_free(&bin);
    pv_buf_free(&out);
}

static void test_codec_lookup(void **state)
{
    (void)state;
    pv_codec c;
    assert_true(pv_codec_for_oid(23, &c));
    assert_string_equal(pv_codec_name(&c), "int4");
    assert_true(pv_codec_for_oid(1007, &c));
    assert_true(c.is_array);
    assert_int_equal(c.elem_oid, 23);
    assert_string_equal(pv_codec_name(&c), "int4[]");
    assert_false(pv_codec_for_oid(600, &c)); /* point: no codec */

    /* a domain over int4 (resolved by the catalog query) */
    pv_type_info dom = {23, 'b', "int4", 0, 0, 0, NULL, true, NULL, 0};
    assert_true(pv_codec_for_type(&dom, &c));
    assert_string_equal(pv_codec_name(&c), "int4");
    /* an enum and an array of it */
    pv_type_info en = {16400, 'e', "mood", 0, 0, 0, NULL, true, NULL, 0};
    assert_true(pv_codec_for_type(&en, &c));
    assert_true(pv_codec_is_verbatim(&c, PV_RENDER_MASK));
    pv_type_info en_arr = {16399, 'b', "_mood", 16400, 16400, 'e', "mood", true, NULL, 0};
    assert_true(pv_codec_for_type(&en_arr, &c));
    assert_true(c.is_array);
    assert_int_equal(c.elem_oid, 16400);
    /* citext (extension type, no fixed OID), a range (no codec) */
    pv_type_info ci = {17000, 'b', "citext", 0, 0, 0, NULL, true, NULL, 0};
    assert_true(pv_codec_for_type(&ci, &c));
    pv_type_info rng = {3904, 'r', "int4range", 0, 0, 0, NULL, true, NULL, 0};
    assert_false(pv_codec_for_type(&rng, &c));
    pv_type_info rng_arr = {3905, 'b', "_int4range", 3904, 3904, 'r', "int4range", true, NULL, 0};
    assert_false(pv_codec_for_type(&rng_arr, &c));

    assert_true(pv_codec_for_name("bpchar", &c));
    assert_true(pv_codec_is_verbatim(&c, PV_RENDER_OUTPUT));
    assert_false(pv_codec_is_verbatim(&c, PV_RENDER_CAST));
    assert_true(pv_codec_can_encode(&c));
}

static void test_codec_bool_and_integers(void **state)
{
    (void)state;
    check_decode("bool", "01", PV_RENDER_OUTPUT, "t");
    check_decode("bool", "00", PV_RENDER_CAST, "false");
    check_decode("bool", "01", PV_RENDER_CAST, "true");
    check_decode("bool", "01", PV_RENDER_MASK, "True");
    check_decode("bool", "00", PV_RENDER_MASK, "False");
    const char *yes[] = {"t", "TRUE", " yes ", "y", "1", "on", "tr"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        check_encode("bool", yes[i], "01");
    const char *no[] = {"f", "False", "n", "NO", "0", "off", "of"};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        check_encode("bool", no[i], "00");
    check_bad_text("bool", "o");
    check_bad_text("bool", "maybe");
    check_bad_text("bool", "");

    check_decode("int2", "8000", PV_RENDER_OUTPUT, "-32768");
    check_decode("int4", "7fffffff", PV_RENDER_MASK, "2147483647");
    check_decode("int8", "8000000000000000", PV_RENDER_OUTPUT, "-9223372036854775808");
    check_decode("oid", "ffffffff", PV_RENDER_OUTPUT, "4294967295");
    check_encode("int4", " +1_000_000 ", "000f4240");
    check_encode("int2", "-32768", "8000");
    check_encode("int8", "-9223372036854775808", "8000000000000000");
    check_encode("oid", "-1", "ffffffff");
    check_bad_text("int2", "32768");
    check_bad_text("int4", "1__0");
    check_bad_text("int4", "_1");
    check_bad_text("int4", "1_");
    check_bad_text("int8", "9223372036854775808");
    check_bad_text("int4", "12.0");
    check_bad_text("int4", "");
}

static void test_codec_floats(void **state)
{
    (void)state;
    /* 0.1 as float8 */
    check_decode("float8", "3fb999999999999a", PV_RENDER_OUTPUT, "0.1");
    check_decode("float8", "3fb999999999999a", PV_RENDER_MASK, "0.1");
    /* 100.0 */
    check_decode("float8", "4059000000000000", PV_RENDER_OUTPUT, "100");
    check_decode("float8", "4059000000000000", PV_RENDER_MASK, "100.0");
    /* 1e16 */
    check_decode("float8", "4341c37937e08000", PV_RENDER_OUTPUT, "1e+16");
    check_decode("float8", "4341c37937e08000", PV_RENDER_MASK, "1e+16");
    /* 1e15: PostgreSQL switches to exponent at 15 digits, Python at 16 */
    check_decode("float8", "430c6bf526340000", PV_RENDER_OUTPUT, "1e+15");
    check_decode("float8", "430c6bf526340000", PV_RENDER_MASK, "1000000000000000.0");
    /* 1e-05 */
    check_decode("float8", "3ee4f8b588e368f1", PV_RENDER_OUTPUT, "1e-05");
    check_decode("float8", "3ee4f8b588e368f1", PV_RENDER_MASK, "1e-05");
    /* 0.0001 */
    check_decode("float8", "3f1a36e2eb1c432d", PV_RENDER_OUTPUT, "0.0001");
    check_decode("float8", "3f1a36e2eb1c432d", PV_RENDER_MASK, "0.0001");
    /* -0, NaN, infinities */
    check_decode("float8", "8000000000000000", PV_RENDER_OUTPUT, "-0");
    check_decode("float8", "8000000000000000", PV_RENDER_MASK, "-0.0");
    check_decode("float8", "7ff8000000000000", PV_RENDER_OUTPUT, "NaN");
    check_decode("float8", "7ff8000000000000", PV_RENDER_MASK, "nan");
    check_decode("float8", "fff0000000000000", PV_RENDER_OUTPUT, "-Infinity");
    check_decode("float8", "7ff0000000000000", PV_RENDER_MASK, "inf");
    /* the smallest denormal and the largest double */
    check_decode("float8", "0000000000000001", PV_RENDER_OUTPUT, "5e-324");
    check_decode("float8", "7fefffffffffffff", PV_RENDER_OUTPUT, "1.7976931348623157e+308");
    /* float4 0.1: PostgreSQL prints the float's shortest, masking the double's */
    check_decode("float4", "3dcccccd", PV_RENDER_OUTPUT, "0.1");
    check_decode("float4", "3dcccccd", PV_RENDER_MASK, "0.10000000149011612");
    check_decode("float4", "49742400", PV_RENDER_OUTPUT, "1e+06");
    check_decode("float4", "47c35000", PV_RENDER_OUTPUT, "100000");

    check_encode("float8", "0.1", "3fb999999999999a");
    check_encode("float8", " 1_000.5 ", "408f440000000000");
    check_encode("float8", "-Infinity", "fff0000000000000");
    check_encode("float8", "nan", "7ff8000000000000");
    check_encode("float8", "1e-05", "3ee4f8b588e368f1");
    check_encode("float4", "0.1", "3dcccccd");
    check_bad_text("float8", "1e400");
    check_bad_text("float8", "1e-400");
    check_bad_text("float4", "1e39");
    check_bad_text("float8", "0x10");
    check_bad_text("float8", "1.2.3");
}

static void test_codec_numeric(void **state)
{
    (void)state;
    /* 12.50: 2 digits, weight 0, +, dscale 2: 0012 5000 */
    check_decode("numeric", "0002000000000002000c1388", PV_RENDER_OUTPUT, "12.50");
    check_encode("numeric", "12.50", "0002000000000002000c1388");
    check_decode("numeric",
                 "00000000c0000000"
                 "",
                 PV_RENDER_OUTPUT, "NaN");
    check_decode("numeric", "00000000d0000000", PV_RENDER_MASK, "Infinity");
    check_decode("numeric", "00000000f0000000", PV_RENDER_OUTPUT, "-Infinity");
    check_encode("numeric", "NaN", "00000000c0000000");
    check_encode("numeric", "-inf", "00000000f0000020");
    check_encode("numeric", "Infinity", "00000000d0000020");
    /* zero keeps its scale and loses its sign */
    check_encode("numeric", "-0.000", "0000000000000003");
    check_decode("numeric", "0000000000000003", PV_RENDER_OUTPUT, "0.000");

    const char *values[] = {
        "0",
        "1",
        "-1",
        "0.001",
        "-0.0001",
        "10000",
        "100000000",
        "123456789.123456789",
        "99999999999999999999999999999999999999",
        "0.00000000000000000000000000000000000001",
        "-12345.6789",
        "1000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "3.14159265358979323846264338327950288419716939937510",
    };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        check_round_trip("numeric", values[i]);
    /* exponent notation and underscores (masking.md §4.1) */
    pv_codec c;
    assert_true(pv_codec_for_name("numeric", &c));
    const char *pairs[][2] = {
        {"1.5e3", "1500"},        {"1.5E-3", "0.0015"},
        {"+1_000.25", "1000.25"}, {"12e-1", "1.2"},
        {"1.2345e1", "12.345"},   {"  7  ", "7"},
        {"0.1e1", "1"},           {"100e-2", "1.00"},
        {"-5e0", "-5"},           {"00012.3400", "12.3400"},
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        pv_buf bin = PV_BUF_INIT, out = PV_BUF_INIT;
        assert_null(pv_codec_encode(&c, pairs[i][0], strlen(pairs[i][0]), &bin));
        assert_null(pv_codec_decode(&c, PV_RENDER_OUTPUT, bin.data, bin.len, &out));
        if (strcmp((char *)out.data, pairs[i][1]) != 0)
            fail_msg("numeric '%s' -> '%s', want '%s'", pairs[i][0], out.data, pairs[i][1]);
        pv_buf_free(&bin);
        pv_buf_free(&out);
    }
    check_bad_text("numeric", "1e1001");
    check_bad_text("numeric", "abc");
    check_bad_text("numeric", "1.2.3");
    check_bad_text("numeric", "");
    check_bad_text("numeric", "-NaN");
}

static void test_codec_money(void **state)
{
    (void)state;
    check_decode("money", "000000000001e240", PV_RENDER_OUTPUT, "$1,234.56");
    check_decode("money", "fffffffffffffffb", PV_RENDER_OUTPUT, "-$0.05");
    check_decode("money", "8000000000000000", PV_RENDER_OUTPUT, "-$92,233,720,368,547,758.08");
    check_decode("money", "0000000000000000", PV_RENDER_MASK, "$0.00");
    check_round_trip("money", "$1,234.56");
    check_round_trip("money", "-$92,233,720,368,547,758.08");
    check_round_trip("money", "$92,233,720,368,547,758.07");
    check_encode("money", "12.345", "00000000000004d3");
    check_encode("money", "(5)", "fffffffffffffe0c");
    check_bad_text("money", "$92,233,720,368,547,758.08");
    check_bad_text("money", "abc");
}

static void test_codec_text_family(void **state)
{
    (void)state;
    check_decode("text", "", PV_RENDER_OUTPUT, "");
    check_decode("bpchar", "61622020", PV_RENDER_OUTPUT, "ab  ");
    check_decode("bpchar", "61622020", PV_RENDER_MASK, "ab  ");
    check_decode("bpchar", "61622020", PV_RENDER_CAST, "ab");
    check_encode("varchar", "h\xc3\xa9", "68c3a9");
    check_bad_text("text", "bad \xff utf8");
    check_bad_text("text", "\xed\xa0\x80"); /* a surrogate */
    check_bad_text("name", "0123456789012345678901234567890123456789012345678901234567890123");
    check_round_trip("name", "012345678901234567890123456789012345678901234567890123456789012");

    check_decode("jsonb", "017b2261223a20317d", PV_RENDER_OUTPUT, "{\"a\": 1}");
    check_encode("jsonb", "{\"a\": 1}", "017b2261223a20317d");
    check_encode("json", " [1, -2.5e3, \"x\\u00e9\", true, null, {}] ",
                 "205b312c202d322e3565332c2022785c7530306539222c20747275652c206e756c6c2c207b7d"
                 "5d20");
    check_bad_text("json", "{'a': 1}");
    check_bad_text("json", "[1,]");
    check_bad_text("json", "01");
    check_bad_text("jsonb", "");
    check_bad_text("json", "\"tab\there\"");

    check_decode("bytea", "", PV_RENDER_OUTPUT, "\\x");
    check_decode("bytea", "00ff10", PV_RENDER_MASK, "\\x00ff10");
    check_encode("bytea", "\\x00FF10", "00ff10");
    check_encode("bytea", "00 ff\n10", "00ff10");
    check_encode("bytea", "", "");
    check_bad_text("bytea", "\\x0");
    check_bad_text("bytea", "zz");

    check_decode("uuid", "a0eebc999c0b4ef8bb6d6bb9bd380a11", PV_RENDER_OUTPUT,
                 "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    const char *uuids[] = {
        "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",    "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}",
        "a0eebc999c0b4ef8bb6d6bb9bd380a11",        "urn:uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
    };
    for (size_t i = 0; i < sizeof(uuids) / sizeof(uuids[0]); i++)
        check_encode("uuid", uuids[i], "a0eebc999c0b4ef8bb6d6bb9bd380a11");
    check_bad_text("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1");
    check_bad_text("uuid", "a0eebc999c0b4ef8bb6d6bb9bd380a11-");
    check_bad_text("uuid", "a0e-ebc999c0b4ef8bb6d6bb9bd380a11");
}

static void test_codec_dates_and_times(void **state)
{
    (void)state;
    check_decode("date", "00000000", PV_RENDER_OUTPUT, "2000-01-01");
    check_decode("date", "7fffffff", PV_RENDER_OUTPUT, "infinity");
    check_decode("date", "80000000", PV_RENDER_OUTPUT, "-infinity");
    check_decode("date", "7fffffff", PV_RENDER_MASK, "9999-12-31");
    check_decode("date", "80000000", PV_RENDER_MASK, "0001-01-01");
    check_round_trip("date", "0044-03-15 BC");
    check_round_trip("date", "4714-11-24 BC");
    check_round_trip("date", "5874897-12-31");
    check_round_trip("date", "2024-02-29");
    check_round_trip("date", "0001-01-01");
    check_encode("date", "20240229", "00002279");
    check_encode("date", "2024-02-29", "00002279");
    check_encode("date", "2024-W09-4", "00002279"); /* Thursday of ISO week 9 */
    check_encode("date", "2024W094", "00002279");
    check_encode("date", "infinity", "7fffffff");
    check_bad_text("date", "2023-02-29");
    check_bad_text("date", "2024-13-01");
    check_bad_text("date", "0000-01-01");
    check_bad_text("date", "4714-11-23 BC");
    check_bad_text("date", "2024-W54-1");
    check_bad_text("date", "yesterday");

    check_round_trip("time", "00:00:00");
    check_round_trip("time", "24:00:00");
    check_round_trip("time", "23:59:59.999999");
    check_round_trip("time", "12:30:00.5");
    check_decode("time", "0000000b2d05e000", PV_RENDER_MASK, "13:20:00"); /* 48000 s */
    check_decode("time", "0000000b2d05e001", PV_RENDER_MASK, "13:20:00.000001");
    check_encode("time", "13", "0000000ae57f5400");
    check_encode("time", "13:20", "0000000b2d05e000");
    check_encode("time", "132000", "0000000b2d05e000");
    check_bad_text("time", "24:00:01");
    check_bad_text("time", "12:60");

    check_round_trip("timetz", "12:00:00+05:30");
    check_round_trip("timetz", "12:00:00-08");
    check_round_trip("timetz", "00:00:00.25+00");
    check_round_trip("timetz", "23:59:59-15:59:59");
    check_encode("timetz", "12:00:00Z", "0000000a0eebb00000000000");
    check_encode("timetz", "12:00", "0000000a0eebb00000000000");
    check_encode("timetz", "12:00:00+0530", "0000000a0eebb000ffffb2a8");
    check_decode("timetz", "0000000a0eebb000ffffb2a8", PV_RENDER_MASK, "12:00:00+05:30");
    check_decode("timetz", "0000000a0eebb00000007081", PV_RENDER_MASK, "12:00:00-08:00:01");
    check_decode("timetz", "0000000a0eebb00000000000", PV_RENDER_MASK, "12:00:00+00:00");

    check_decode("timestamp", "0000000000000000", PV_RENDER_OUTPUT, "2000-01-01 00:00:00");
    check_decode("timestamp", "7fffffffffffffff", PV_RENDER_OUTPUT, "infinity");
    check_decode("timestamp", "7fffffffffffffff", PV_RENDER_MASK, "9999-12-31 23:59:59.999999");
    check_decode("timestamp", "8000000000000000", PV_RENDER_MASK, "0001-01-01 00:00:00");
    check_decode("timestamptz", "8000000000000000", PV_RENDER_OUTPUT, "-infinity");
    check_decode("timestamptz", "0000000000000001", PV_RENDER_OUTPUT,
                 "2000-01-01 00:00:00.000001+00");
    check_decode("timestamptz", "0000000000000001", PV_RENDER_MASK,
                 "2000-01-01 00:00:00.000001+00:00");
    check_decode("timestamp", "ffffffffffffffff", PV_RENDER_OUTPUT, "1999-12-31 23:59:59.999999");
    check_round_trip("timestamp", "4714-11-24 00:00:00 BC");
    check_round_trip("timestamp", "294276-12-31 23:59:59.999999");
    check_round_trip("timestamp", "0001-01-01 00:00:00");
    check_round_trip("timestamp", "0001-12-31 23:59:59.5 BC");
    check_round_trip("timestamptz", "2024-06-01 10:20:30.123+00");
    check_round_trip("timestamptz", "0044-03-15 12:00:00+00 BC");
    check_round_trip("timestamptz", "-infinity");
    /* masking.md §4.1 forms: T, compact times, offsets; no offset = UTC */
    const char *same[] = {
        "2024-06-01T10:20:30Z",      "2024-06-01 10:20:30",      "20240601T102030",
        "2024-06-01T12:20:30+02:00", "2024-06-01 05:20:30-05",   "2024-06-01 10:20:30.0000001",
        "2024-W22-6 10:20:30",       "2024-06-01 12:50:30+0230",
    };
    pv_codec tz;
    assert_true(pv_codec_for_name("timestamptz", &tz));
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        pv_buf bin = PV_BUF_INIT, out = PV_BUF_INIT;
        if (pv_codec_encode(&tz, same[i], strlen(same[i]), &bin))
            fail_msg("timestamptz '%s' rejected", same[i]);
        assert_null(pv_codec_decode(&tz, PV_RENDER_OUTPUT, bin.data, bin.len, &out));
        if (strcmp((char *)out.data, "2024-06-01 10:20:30+00") != 0)
            fail_msg("timestamptz '%s' -> '%s'", same[i], out.data);
        pv_buf_free(&bin);
        pv_buf_free(&out);
    }
    /* a timestamp ignores the offset */
    check_encode("timestamp", "2000-01-01 00:00:00+05", "0000000000000000");
    check_encode("timestamp", "2000-01-01", "0000000000000000");
    check_bad_text("timestamp", "294277-01-01 00:00:00");
    check_bad_text("timestamptz", "2024-06-01 10:20:30+16");
    check_bad_text("timestamptz", "2024-06-01 25:00");
    check_bad_text("timestamptz", "2024-06-01 10:20:30 junk");
}

static void test_codec_interval(void **state)
{
    (void)state;
    check_decode("interval", "00000000000000000000000000000000", PV_RENDER_OUTPUT, "00:00:00");
    const char *values[] = {
        "1 year 2 mons 3 days 04:05:06.5",
        "-1 years -2 mons +3 days -04:05:06",
        "1 day",
        "-00:00:00.000001",
        "1 mon -1 days",
        "-178956970 years -8 mons -2147483648 days -2562047788:00:54.775808",
        "178956970 years 7 mons 2147483647 days 2562047788:00:54.775807",
        "2 years 00:00:01",
        "-1 days +00:00:01",
    };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        check_round_trip("interval", values[i]);
    check_encode("interval", "@ 1 hour ago",
                 "ffffffff296c5c00"
                 "0000000000000000");
    check_encode("interval", "2 weeks", "00000000000000000000000e00000000");
    check_bad_text("interval", "1 fortnight");
    check_bad_text("interval", "");
}

static void test_codec_network(void **state)
{
    (void)state;
    check_decode("inet", "02200004c0a80001", PV_RENDER_OUTPUT, "192.168.0.1");
    check_decode("inet", "02200004c0a80001", PV_RENDER_CAST, "192.168.0.1/32");
    check_decode("inet", "02180004c0a80001", PV_RENDER_OUTPUT, "192.168.0.1/24");
    check_decode("cidr", "02180104c0a80000", PV_RENDER_OUTPUT, "192.168.0.0/24");
    check_decode("cidr", "02200104c0a80001", PV_RENDER_OUTPUT, "192.168.0.1/32");
    const char *v6[] = {
        "::",
        "::1",
        "2001:db8::1",
        "::ffff:1.2.3.4",
        "::1.2.3.4",
        "fe80::1:0:0:1",
        "1:0:0:2::3",
        "2001:db8:0:0:1::",
        "1:2:3:4:5:6:7:8",
        "0:2:3:4:5:6:7:8",
        "1::/16",
    };
    for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++)
        check_round_trip("inet", v6[i]);
    check_round_trip("inet", "10.1.2.3/8");
    check_round_trip("cidr", "10.0.0.0/8");
    check_round_trip("cidr", "::/0");
    check_encode("cidr", "10",
                 "02080104"
                 "0a000000");
    check_encode("cidr", "192.168.1",
                 "02180104"
                 "c0a80100");
    check_encode("cidr", "128.1",
                 "02100104"
                 "80010000");
    check_encode("cidr", "224",
                 "02040104"
                 "e0000000");
    check_encode("inet", "10.1/16",
                 "02100004"
                 "0a010000");
    check_bad_text("inet", "10.1");
    check_bad_text("inet", "256.1.1.1");
    check_bad_text("inet", "1.2.3.4/33");
    check_bad_text("cidr", "10.1.2.3/8"); /* bits right of the mask */
    check_bad_text("inet", "1:2:3");
    check_bad_text("inet", "");

    check_decode("macaddr", "08002b010203", PV_RENDER_OUTPUT, "08:00:2b:01:02:03");
    const char *macs[] = {"08:00:2b:01:02:03", "08-00-2B-01-02-03", "08002b:010203",
                          "08002b-010203",     "0800.2b01.0203",    "08002b010203"};
    for (size_t i = 0; i < sizeof(macs) / sizeof(macs[0]); i++)
        check_encode("macaddr", macs[i], "08002b010203");
    check_encode("macaddr8", "08:00:2b:01:02:03", "08002bfffe010203");
    check_round_trip("macaddr8", "08:00:2b:01:02:03:04:05");
    check_bad_text("macaddr", "08:00:2b:01:02");
    check_bad_text("macaddr", "08:00:2b:01:02:03:");
}

static void test_codec_arrays(void **state)
{
    (void)state;
    const char *int_arrays[] = {
        "{}",
        "{1,2,3}",
        "{NULL,1,NULL}",
        "{{1,2},{3,4},{5,NULL}}",
        "[0:2]={7,8,9}",
        "[-3:-2][5:7]={{1,2,3},{4,5,6}}",
        "{{{1}},{{2}}}",
    };
    for (size_t i = 0; i < sizeof(int_arrays) / sizeof(int_arrays[0]); i++)
        check_round_trip("_int4", int_arrays[i]);
    const char *text_arrays[] = {
        "{a,b}",
        "{\"\",\"NULL\",\"null\",NULL}",
        "{\"a b\",\"c,d\",\"e\\\"f\",\"g\\\\h\",\"{x}\",\" lead\"}",
        "{\"tab\there\",é}",
    };
    for (size_t i = 0; i < sizeof(text_arrays) / sizeof(text_arrays[0]); i++)
        check_round_trip("_text", text_arrays[i]);
    check_round_trip("_bool", "{t,f,NULL}");
    check_round_trip("_bytea", "{\"\\\\x00ff\",NULL}");
    check_round_trip("_timestamptz", "{\"2024-01-01 00:00:00+00\",infinity}");
    check_round_trip("_numeric", "{1.50,NaN,-Infinity}");
    check_round_trip("_jsonb", "{\"{\\\"a\\\": [1, 2]}\",NULL}");

    /* what array_in accepts beyond the canonical form */
    check_encode("_int4", " { 1 , 2 } ",
                 "00000001"
                 "00000000"
                 "00000017"
                 "00000002"
                 "00000001"
                 "00000004"
                 "00000001"
                 "00000004"
                 "00000002");
    check_encode("_text", "{  a b  ,\\ c}",
                 "00000001"
                 "00000000"
                 "00000019"
                 "00000002"
                 "00000001"
                 "00000003"
                 "612062"
                 "00000002"
                 "2063");
    check_encode("_int4", "{}",
                 "00000000"
                 "00000000"
                 "00000017");
    check_bad_text("_int4", "{1,{2}}");
    check_bad_text("_int4", "{{1,2},{3}}");
    check_bad_text("_int4", "{1,,2}");
    check_bad_text("_int4", "{1,x}");
    check_bad_text("_int4", "[1:3]={1,2}");
    check_bad_text("_int4", "{1,2");
    check_bad_text("_int4", "{{{{{{{1}}}}}}}");
    check_bad_text("_text", "{\"a\"b}");
}

static void test_codec_rejects_malformed_binary(void **state)
{
    (void)state;
    struct {
        const char *type;
        const char *hex;
    } bad[] = {
        {"int4", "0001"},
        {"bool", ""},
        {"numeric", "0001000000000000"},     /* a digit missing */
        {"numeric", "00010000000000002710"}, /* digit 10000 */
        {"numeric", "0000000012340000"},     /* bad sign */
        {"date", "7ffffffe"},                /* past the end of dates */
        {"time", "000000141dd76001"},        /* past 24:00 */
        {"timestamp", "7ffffffffffffffe"},   /* past the end */
        {"jsonb", "027b7d"},                 /* version 2 */
        {"inet", "0220000401020304ff"},      /* trailing byte */
        {"inet", "04200004c0a80001"},        /* unknown family */
        {"inet", "02210004c0a80001"},        /* 33 bits */
        {"uuid", "00"},
        {"_int4", "00000007000000000000001700000001"},                       /* 7 dims */
        {"_int4", "000000010000000000000017000000020000000100000004000000"}, /* short */
        {"_int4", "00000001000000000000001700000001000000010000000500000001"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pv_codec c;
        assert_true(pv_codec_for_name(bad[i].type, &c));
        uint8_t bin[256];
        size_t n = unhex(bad[i].hex, bin);
        pv_buf out = PV_BUF_INIT;
        pv_error *err = pv_codec_decode(&c, PV_RENDER_OUTPUT, bin, n, &out);
        if (!err)
            fail_msg("%s %s decoded as '%s'", bad[i].type, bad[i].hex, out.data);
        assert_int_equal(out.len, 0);
        pv_error_free(err);
        pv_buf_free(&out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_whole_buffer),
        cmocka_unit_test(test_reader_every_split_point),
        cmocka_unit_test(test_reader_every_pair_of_split_points),
        cmocka_unit_test(test_reader_one_byte_chunks),
        cmocka_unit_test(test_reader_spill_keeps_straddling_tuples),
        cmocka_unit_test(test_reader_rejects_malformed_input),
        cmocka_unit_test(test_reader_truncated_stream),
        cmocka_unit_test(test_reader_zero_columns),
        cmocka_unit_test(test_writer_round_trip_through_reader),
        cmocka_unit_test(test_writer_big_cells_bypass_the_buffer),
        cmocka_unit_test(test_writer_reports_sink_failure_once),
        cmocka_unit_test(test_writer_cell_abort),
        cmocka_unit_test(test_text_split_and_escapes),
        cmocka_unit_test(test_text_reader_chunks_and_writer),
        cmocka_unit_test(test_text_reader_errors),
        cmocka_unit_test(test_codec_lookup),
        cmocka_unit_test(test_codec_bool_and_integers),
        cmocka_unit_test(test_codec_floats),
        cmocka_unit_test(test_codec_numeric),
        cmocka_unit_test(test_codec_money),
        cmocka_unit_test(test_codec_text_family),
        cmocka_unit_test(test_codec_dates_and_times),
        cmocka_unit_test(test_codec_interval),
        cmocka_unit_test(test_codec_network),
        cmocka_unit_test(test_codec_arrays),
        cmocka_unit_test(test_codec_rejects_malformed_binary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
