/*
 * copy_tool — drives src/copy from tests/integration/test_codecs.py.
 *
 *   copy_tool [--chunk N] decode output|cast|mask TYPE...
 *       binary COPY on stdin -> one line per tuple on stdout, each cell
 *       decoded in the given rendering and escaped as COPY text prints
 *       it (tab between cells, \N for NULL).
 *   copy_tool [--chunk N] encode TYPE...
 *       text COPY on stdin (escaped fields, \N) -> binary COPY on stdout,
 *       every non-NULL cell through the type's encoder.
 *   copy_tool [--chunk N] passthrough NCOLS
 *       binary COPY on stdin -> the same tuples re-written cell by cell
 *       as raw bytes (the passthrough path), through a 4 KiB writer chunk.
 *   copy_tool [--chunk N] textpass NCOLS
 *       text COPY on stdin -> the same rows: odd columns forwarded escaped
 *       as read, even ones unescaped and escaped again (a masked cell).
 *
 * stdin is fed to the reader in chunks of N bytes (default 65536), so
 * the tests can make tuples straddle chunks. TYPE is a built-in typname
 * ("int4", "_int4") or the pv_type_info row of PV_TYPE_INFO_SQL as
 * "base_oid:base_typtype:base_name[:elem_oid:elem_base_oid:elem_typtype:elem_name]".
 * Exit 1 with the error's cause on stderr on any failure.
 */
#include "copy/codec.h"
#include "copy/copy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what, pv_error *err)
{
    fprintf(stderr, "copy_tool: %s: %s\n", what, err ? err->cause : "failed");
    pv_error_free(err);
    exit(1);
}

static char *field(char **cursor)
{
    char *f = *cursor;
    char *colon = f ? strchr(f, ':') : NULL;
    if (colon) {
        *colon = '\0';
        *cursor = colon + 1;
    } else {
        *cursor = NULL;
    }
    return f;
}

static void parse_type(const char *spec, pv_codec *out)
{
    if (!strchr(spec, ':')) {
        if (!pv_codec_for_name(spec, out))
            die(spec, NULL);
        return;
    }
    char *copy = strdup(spec), *cur = copy;
    pv_type_info ti = {0};
    ti.base_oid = (uint32_t)strtoul(field(&cur), NULL, 10);
    ti.base_typtype = *field(&cur);
    ti.base_name = field(&cur);
    if (cur) {
        ti.elem_oid = (uint32_t)strtoul(field(&cur), NULL, 10);
        ti.elem_base_oid = (uint32_t)strtoul(field(&cur), NULL, 10);
        ti.elem_typtype = *field(&cur);
        ti.elem_name = field(&cur);
    }
    if (!pv_codec_for_type(&ti, out))
        die(spec, NULL);
    /* the names are only read during the lookup; the codec keeps none */
    free(copy);
}

static pv_error *stdout_sink(void *ctx, const uint8_t *data, size_t len)
{
    if (fwrite(data, 1, len, stdout) != len)
        return pv_error_new(1, "copy_tool", "-", "write failed");
    return NULL;
}

typedef struct input {
    uint8_t *buf;
    size_t chunk;
} input;

/* The next chunk of stdin; 0 at EOF. */
static size_t next_chunk(input *in)
{
    size_t got = 0;
    while (got < in->chunk) {
        ssize_t n = read(0, in->buf + got, in->chunk - got);
        if (n < 0)
            die("read", NULL);
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return got;
}

static void decode_row(const pv_copy_tuple *t, const pv_codec *codecs, pv_render how, pv_buf *val,
                       pv_buf *line)
{
    line->len = 0;
    for (int i = 0; i < t->ncols; i++) {
        if (i)
            pv_buf_putc(line, '\t');
        if (t->cells[i].len < 0) {
            pv_buf_put(line, "\\N", 2);
            continue;
        }
        val->len = 0;
        pv_error *err =
            pv_codec_decode(&codecs[i], how, t->cells[i].data, (size_t)t->cells[i].len, val);
        if (err)
            die("decode", err);
        pv_copy_text_escape(val->data, val->len, line);
    }
    pv_buf_putc(line, '\n');
    fwrite(line->data, 1, line->len, stdout);
}

static int run_decode(input *in, pv_render how, pv_codec *codecs, int ncols)
{
    pv_copy_reader r;
    pv_copy_reader_init(&r, ncols);
    pv_buf val = PV_BUF_INIT, line = PV_BUF_INIT;
    size_t n;
    while ((n = next_chunk(in)) > 0) {
        pv_copy_reader_feed(&r, in->buf, n);
        pv_copy_tuple t;
        pv_error *err = NULL;
        pv_copy_status st;
        while ((st = pv_copy_reader_next(&r, &t, &err)) == PV_COPY_TUPLE)
            decode_row(&t, codecs, how, &val, &line);
        if (st == PV_COPY_ERROR)
            die("read", err);
    }
    pv_error *err = pv_copy_reader_finish(&r);
    if (err)
        die("finish", err);
    pv_copy_reader_free(&r);
    pv_buf_free(&val);
    pv_buf_free(&line);
    return 0;
}

static int run_encode(input *in, pv_codec *codecs, int ncols)
{
    pv_copy_text_reader r;
    pv_copy_text_reader_init(&r, ncols);
    pv_copy_writer w;
    pv_copy_writer_init(&w, stdout_sink, NULL, 0);
    pv_copy_writer_header(&w);
    pv_buf val = PV_BUF_INIT;
    size_t n;
    while ((n = next_chunk(in)) > 0) {
        pv_copy_text_reader_feed(&r, in->buf, n);
        pv_copy_tuple t;
        pv_error *err = NULL;
        pv_copy_status st;
        while ((st = pv_copy_text_reader_next(&r, &t, &err)) == PV_COPY_TUPLE) {
            pv_copy_writer_tuple_begin(&w, ncols);
            for (int i = 0; i < ncols; i++) {
                if (t.cells[i].len < 0) {
                    pv_copy_writer_null(&w);
                    continue;
                }
                val.len = 0;
                pv_copy_text_unescape(t.cells[i].data, (size_t)t.cells[i].len, &val);
                pv_buf *out = pv_copy_writer_cell_open(&w);
                err = pv_codec_encode(&codecs[i], (const char *)val.data, val.len, out);
                if (err)
                    die(pv_codec_name(&codecs[i]), err);
                pv_copy_writer_cell_close(&w);
            }
            if ((err = pv_copy_writer_tuple_end(&w)) != NULL)
                die("write", err);
        }
        if (st == PV_COPY_ERROR)
            die("read", err);
    }
    pv_error *err = pv_copy_text_reader_finish(&r);
    if (!err)
        err = pv_copy_writer_finish(&w);
    if (err)
        die("finish", err);
    pv_copy_writer_free(&w);
    pv_copy_text_reader_free(&r);
    pv_buf_free(&val);
    return 0;
}

static int run_passthrough(input *in, int ncols)
{
    pv_copy_reader r;
    pv_copy_reader_init(&r, ncols);
    pv_copy_writer w;
    pv_copy_writer_init(&w, stdout_sink, NULL, 4096);
    pv_copy_writer_header(&w);
    size_t n;
    while ((n = next_chunk(in)) > 0) {
        pv_copy_reader_feed(&r, in->buf, n);
        pv_copy_tuple t;
        pv_error *err = NULL;
        pv_copy_status st;
        while ((st = pv_copy_reader_next(&r, &t, &err)) == PV_COPY_TUPLE) {
            pv_copy_writer_tuple_begin(&w, t.ncols);
            for (int i = 0; i < t.ncols; i++)
                pv_copy_writer_cell(&w, t.cells[i]);
            if ((err = pv_copy_writer_tuple_end(&w)) != NULL)
                die("write", err);
        }
        if (st == PV_COPY_ERROR)
            die("read", err);
    }
    pv_error *err = pv_copy_reader_finish(&r);
    if (!err)
        err = pv_copy_writer_finish(&w);
    if (err)
        die("finish", err);
    pv_copy_writer_free(&w);
    pv_copy_reader_free(&r);
    return 0;
}

static void text_field(pv_copy_writer *w, pv_cell c, int col, pv_buf *val)
{
    if (c.len < 0) {
        pv_copy_writer_text_null(w);
    } else if (col % 2) {
        pv_copy_writer_text_escaped(w, c.data, (size_t)c.len);
    } else {
        val->len = 0;
        pv_copy_text_unescape(c.data, (size_t)c.len, val);
        pv_copy_writer_text_value(w, val->data, val->len);
    }
}

static int run_textpass(input *in, int ncols)
{
    pv_copy_text_reader r;
    pv_copy_text_reader_init(&r, ncols);
    pv_copy_writer w;
    pv_copy_writer_init(&w, stdout_sink, NULL, 4096);
    pv_buf val = PV_BUF_INIT;
    size_t n;
    while ((n = next_chunk(in)) > 0) {
        pv_copy_text_reader_feed(&r, in->buf, n);
        pv_copy_tuple t;
        pv_error *err = NULL;
        pv_copy_status st;
        while ((st = pv_copy_text_reader_next(&r, &t, &err)) == PV_COPY_TUPLE) {
            for (int i = 0; i < t.ncols; i++)
                text_field(&w, t.cells[i], i, &val);
            if ((err = pv_copy_writer_text_row_end(&w)) != NULL)
                die("write", err);
        }
        if (st == PV_COPY_ERROR)
            die("read", err);
    }
    pv_error *err = pv_copy_text_reader_finish(&r);
    if (!err)
        err = pv_copy_writer_flush(&w);
    if (err)
        die("finish", err);
    pv_copy_writer_free(&w);
    pv_copy_text_reader_free(&r);
    pv_buf_free(&val);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: copy_tool [--chunk N] decode output|cast|mask TYPE...\n"
                    "       copy_tool [--chunk N] encode TYPE...\n"
                    "       copy_tool [--chunk N] passthrough NCOLS\n"
                    "       copy_tool [--chunk N] textpass NCOLS\n");
    return 2;
}

int main(int argc, char **argv)
{
    int a = 1;
    input in = {NULL, 65536};
    if (a + 1 < argc && strcmp(argv[a], "--chunk") == 0) {
        in.chunk = strtoul(argv[a + 1], NULL, 10);
        a += 2;
    }
    if (in.chunk == 0 || a >= argc)
        return usage();
    in.buf = malloc(in.chunk);
    const char *mode = argv[a++];
    int rc;
    if (strcmp(mode, "passthrough") == 0 && a < argc) {
        rc = run_passthrough(&in, atoi(argv[a]));
    } else if (strcmp(mode, "textpass") == 0 && a < argc) {
        rc = run_textpass(&in, atoi(argv[a]));
    } else if (strcmp(mode, "decode") == 0 && a < argc) {
        const char *r = argv[a++];
        pv_render how = strcmp(r, "cast") == 0   ? PV_RENDER_CAST
                        : strcmp(r, "mask") == 0 ? PV_RENDER_MASK
                                                 : PV_RENDER_OUTPUT;
        int ncols = argc - a;
        pv_codec *codecs = calloc((size_t)ncols + 1, sizeof(*codecs));
        for (int i = 0; i < ncols; i++)
            parse_type(argv[a + i], &codecs[i]);
        rc = run_decode(&in, how, codecs, ncols);
        free(codecs);
    } else if (strcmp(mode, "encode") == 0) {
        int ncols = argc - a;
        pv_codec *codecs = calloc((size_t)ncols + 1, sizeof(*codecs));
        for (int i = 0; i < ncols; i++)
            parse_type(argv[a + i], &codecs[i]);
        rc = run_encode(&in, codecs, ncols);
        free(codecs);
    } else {
        rc = usage();
    }
    free(in.buf);
    fflush(stdout);
    return rc;
}
