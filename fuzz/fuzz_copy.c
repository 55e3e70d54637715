/*
 * fuzz_copy.c — libFuzzer target for the COPY tuple readers and the codecs.
 *
 * Input layout: byte 0 is the column count (mod 16), then one byte per
 * column picking its type from TYPES, one byte seeding the chunk sizes,
 * and the rest is the COPY stream (fuzz/corpus/copy holds real ones from
 * the server, made by tests/integration/test_codecs.py's table). The stream
 * goes through the binary reader in irregular chunks (so tuples straddle
 * chunks), every non-NULL cell through its column's decoder in all three
 * renderings, and every cell's bytes through that type's encoder as if
 * they were masked text. Every tuple also goes through the stream's masker
 * (stream/masker.h), each scalar column under an action picked by the
 * column's type byte (passthrough, hash, fake, regex_mask, null), in
 * binary and in text mode. The same bytes then go through the text reader
 * and the unescape/escape pair. Nothing may crash, leak or read out of
 * bounds; a decoded value must also survive re-encoding its own output
 * without a sanitizer report.
 *
 * Build and run: `fuzz/run.sh 60 copy` (see fuzz/meson.build).
 */
#include "config/regex.h"
#include "copy/codec.h"
#include "copy/copy.h"
#include "stream/masker.h"
#include "util/error.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const TYPES[] = {
    "bool",        "int2",     "int4",         "int8",   "oid",     "float4",   "float8",
    "money",       "numeric",  "text",         "bpchar", "name",    "json",     "jsonb",
    "xml",         "bytea",    "uuid",         "date",   "time",    "timetz",   "timestamp",
    "timestamptz", "interval", "inet",         "cidr",   "macaddr", "macaddr8", "_int4",
    "_text",       "_numeric", "_timestamptz", "_bool",  "_inet",   "_jsonb",   "_interval",
    "_bytea",      "_float8",  "_date",
};

#define N_TYPES (sizeof(TYPES) / sizeof(TYPES[0]))

/* The built-in OIDs of TYPES' scalars; 0 for the arrays, which are not masked. */
static const uint32_t OIDS[N_TYPES] = {
    16,   21,  23, 20,   26,   700,  701,  790,  1700, 25,   1042, 19,  114,
    3802, 142, 17, 2950, 1082, 1083, 1266, 1114, 1184, 1186, 869,  650, 829,
    774,  0,   0,  0,    0,    0,    0,    0,    0,    0,    0,    0,
};

/* A masker for the columns: action by the type byte's high bits. */
typedef struct fuzz_masking {
    pv_type_info types[16];
    pv_action actions[16];
    pv_mask_spec specs[16];
    const pv_mask_spec *ptrs[16];
} fuzz_masking;

static const pv_mask_secrets SECRETS = {"fuzz-salt-0123456789abcdef0123456789abcdef", NULL,
                                        PV_LIBRARY_STANDARD};

static void masking_init(fuzz_masking *fm, const uint8_t *type_bytes, int ncols)
{
    static const pv_action_kind kinds[] = {PV_ACT_PASSTHROUGH, PV_ACT_HASH, PV_ACT_FAKE,
                                           PV_ACT_REGEX_MASK, PV_ACT_NULL};
    for (int i = 0; i < ncols; i++) {
        size_t t = type_bytes[i] % N_TYPES;
        pv_action_kind kind = kinds[(type_bytes[i] >> 5) % 5];
        fm->ptrs[i] = NULL;
        if (!OIDS[t] || kind == PV_ACT_PASSTHROUGH)
            continue;
        fm->types[i] = (pv_type_info){
            .base_oid = OIDS[t], .base_typtype = 'b', .base_name = TYPES[t], .binary_io = true};
        fm->actions[i] = (pv_action){.kind = kind,
                                     .provider = "email",
                                     .pattern = "[0-9a-f]+|^$",
                                     .replace = "<\\g<0>>",
                                     .pcre2_opts = PV_REGEX_DEFAULT_OPTS};
        fm->specs[i] = (pv_mask_spec){kind,  &fm->actions[i], "fuzz.t.c",    "fuzz.t.c", NULL,
                                      false, false,           &fm->types[i], TYPES[t]};
        fm->ptrs[i] = &fm->specs[i];
    }
}

static void exercise_cell(const pv_codec *c, pv_cell cell, pv_buf *out, pv_buf *back)
{
    if (cell.len < 0)
        return;
    for (int how = PV_RENDER_OUTPUT; how <= PV_RENDER_MASK; how++) {
        out->len = 0;
        pv_error *err = pv_codec_decode(c, (pv_render)how, cell.data, (size_t)cell.len, out);
        if (err) {
            pv_error_free(err);
            break;
        }
        if (how == PV_RENDER_OUTPUT) {
            back->len = 0;
            pv_error_free(pv_codec_encode(c, (const char *)out->data, out->len, back));
        }
    }
    /* the raw bytes as if they were a masked value's text */
    back->len = 0;
    pv_error_free(pv_codec_encode(c, (const char *)cell.data, (size_t)cell.len, back));
}

static void fuzz_binary(const uint8_t *stream, size_t n, int ncols, const pv_codec *codecs,
                        uint8_t seed, const fuzz_masking *fm)
{
    pv_copy_reader r;
    pv_copy_reader_init(&r, ncols);
    pv_buf out = PV_BUF_INIT, back = PV_BUF_INIT;
    pv_masker *m = NULL;
    pv_error_free(pv_masker_new(fm->ptrs, ncols, &SECRETS, false, &m));
    size_t pos = 0;
    unsigned step = seed;
    bool stop = false;
    while (pos < n && !stop) {
        step = step * 1103515245u + 12345u;
        size_t len = 1 + (step >> 16) % 64;
        if (len > n - pos)
            len = n - pos;
        pv_copy_reader_feed(&r, stream + pos, len);
        pos += len;
        pv_copy_tuple t;
        pv_error *err = NULL;
        pv_copy_status st;
        while ((st = pv_copy_reader_next(&r, &t, &err)) == PV_COPY_TUPLE) {
            for (int i = 0; i < t.ncols; i++)
                exercise_cell(&codecs[i], t.cells[i], &out, &back);
            if (m) {
                out.len = 0;
                pv_error_free(pv_masker_tuple(m, &t, &out));
            }
        }
        if (st == PV_COPY_ERROR) {
            pv_error_free(err);
            stop = true;
        }
    }
    pv_error_free(pv_copy_reader_finish(&r));
    pv_copy_reader_free(&r);
    pv_masker_free(m);
    pv_buf_free(&out);
    pv_buf_free(&back);
}

static void fuzz_text(const uint8_t *stream, size_t n, int ncols, const fuzz_masking *fm)
{
    pv_copy_text_reader r;
    pv_copy_text_reader_init(&r, ncols);
    pv_buf val = PV_BUF_INIT, esc = PV_BUF_INIT;
    pv_masker *m = NULL;
    pv_error_free(pv_masker_new(fm->ptrs, ncols, &SECRETS, true, &m));
    size_t half = n / 2;
    for (int part = 0; part < 2; part++) {
        const uint8_t *p = stream + (part ? half : 0);
        size_t len = part ? n - half : half;
        pv_copy_text_reader_feed(&r, p, len);
        pv_copy_tuple t;
        pv_error *err = NULL;
        pv_copy_status st;
        while ((st = pv_copy_text_reader_next(&r, &t, &err)) == PV_COPY_TUPLE) {
            for (int i = 0; i < t.ncols; i++) {
                if (t.cells[i].len < 0)
                    continue;
                val.len = esc.len = 0;
                pv_copy_text_unescape(t.cells[i].data, (size_t)t.cells[i].len, &val);
                pv_copy_text_escape(val.data, val.len, &esc);
            }
            if (m) {
                esc.len = 0;
                pv_error_free(pv_masker_tuple(m, &t, &esc));
            }
        }
        if (st == PV_COPY_ERROR) {
            pv_error_free(err);
            break;
        }
    }
    pv_error_free(pv_copy_text_reader_finish(&r));
    pv_copy_text_reader_free(&r);
    pv_masker_free(m);
    pv_buf_free(&val);
    pv_buf_free(&esc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int ncols = data[0] % 16;
    if (size < 2 + (size_t)ncols)
        return 0;
    pv_codec codecs[16];
    for (int i = 0; i < ncols; i++)
        pv_codec_for_name(TYPES[data[1 + i] % N_TYPES], &codecs[i]);
    uint8_t seed = data[1 + ncols];
    const uint8_t *stream = data + 2 + ncols;
    size_t n = size - 2 - (size_t)ncols;
    fuzz_masking fm;
    masking_init(&fm, data + 1, ncols);
    fuzz_binary(stream, n, ncols, codecs, seed, &fm);
    fuzz_text(stream, n, ncols, &fm);
    return 0;
}
