/*
 * writer.c — the COPY tuple writer: tuples are appended to one large
 * buffer that goes to the sink (PQputCopyData) in chunks of about 1 MiB.
 *
 * Why big chunks: every PQputCopyData call is a CopyData message with its
 * own header and, when libpq's buffer fills, a send(); per-row calls cost
 * more than the rows themselves on narrow tables. COPY FROM accepts
 * CopyData boundaries anywhere, even inside a field, so the buffer can be
 * flushed at any tuple end without framing concerns.
 *
 * The appenders return nothing (the hot path stays branch-light); a sink
 * failure is remembered and returned by the next *_end / finish / flush,
 * and everything written after it is dropped.
 */
#include "copy/copy.h"

#include <libpq-fe.h>
#include <limits.h>
#include <stdlib.h>

static const char *const CONTEXT = "Writing the target COPY stream";

void pv_copy_writer_init(pv_copy_writer *w, pv_copy_sink_fn sink, void *ctx, size_t chunk_size)
{
    memset(w, 0, sizeof(*w));
    w->sink = sink;
    w->sink_ctx = ctx;
    w->chunk = chunk_size ? chunk_size : PV_COPY_WRITER_CHUNK;
}

void pv_copy_writer_free(pv_copy_writer *w)
{
    pv_buf_free(&w->buf);
    pv_error_free(w->err);
    w->err = NULL;
}

static void send_bytes(pv_copy_writer *w, const uint8_t *p, size_t n)
{
    if (w->failed || n == 0)
        return;
    pv_error *err = w->sink(w->sink_ctx, p, n);
    if (err) {
        w->failed = true;
        w->err = err;
        return;
    }
    w->bytes_sent += n;
}

/* Hands out the remembered failure once; later calls report a generic one. */
static pv_error *take_error(pv_copy_writer *w)
{
    if (!w->failed)
        return NULL;
    pv_error *err = w->err;
    w->err = NULL;
    if (!err)
        err = pv_error_new(PV_EXIT_GENERIC, CONTEXT, "Retry the run.",
                           "An earlier write to the target failed.");
    return err;
}

pv_error *pv_copy_writer_flush(pv_copy_writer *w)
{
    send_bytes(w, w->buf.data, w->buf.len);
    w->buf.len = 0;
    return take_error(w);
}

static pv_error *maybe_flush(pv_copy_writer *w)
{
    if (w->buf.len >= w->chunk)
        return pv_copy_writer_flush(w);
    return take_error(w);
}

/* Large payloads skip the buffer: flush what is pending, then send them as they are. */
static void put_bulk(pv_copy_writer *w, const uint8_t *p, size_t n)
{
    if (n < w->chunk) {
        pv_buf_put(&w->buf, p, n);
        return;
    }
    send_bytes(w, w->buf.data, w->buf.len);
    w->buf.len = 0;
    send_bytes(w, p, n);
}

/* ------------------------------------------------------------ binary */

void pv_copy_writer_header(pv_copy_writer *w)
{
    pv_buf_put(&w->buf, PV_COPY_SIGNATURE, sizeof(PV_COPY_SIGNATURE));
    pv_buf_be32(&w->buf, 0); /* flags: no OIDs */
    pv_buf_be32(&w->buf, 0); /* no header extension */
}

void pv_copy_writer_tuple_begin(pv_copy_writer *w, int nfields)
{
    pv_buf_be16(&w->buf, (uint16_t)nfields);
}

void pv_copy_writer_cell(pv_copy_writer *w, pv_cell cell)
{
    if (cell.len < 0) {
        pv_copy_writer_null(w);
        return;
    }
    pv_buf_be32(&w->buf, (uint32_t)cell.len);
    put_bulk(w, cell.data, (size_t)cell.len);
}

void pv_copy_writer_null(pv_copy_writer *w)
{
    pv_buf_be32(&w->buf, UINT32_MAX); /* -1 */
}

pv_buf *pv_copy_writer_cell_open(pv_copy_writer *w)
{
    w->cell_start = w->buf.len;
    pv_buf_be32(&w->buf, 0);
    return &w->buf;
}

void pv_copy_writer_cell_close(pv_copy_writer *w)
{
    size_t len = w->buf.len - w->cell_start - 4;
    pv_put_be32(w->buf.data + w->cell_start, (uint32_t)len);
}

void pv_copy_writer_cell_abort(pv_copy_writer *w)
{
    w->buf.len = w->cell_start;
}

void pv_copy_writer_raw_tuple(pv_copy_writer *w, const uint8_t *raw, size_t len)
{
    put_bulk(w, raw, len);
}

pv_error *pv_copy_writer_tuple_end(pv_copy_writer *w)
{
    w->tuples++;
    return maybe_flush(w);
}

pv_error *pv_copy_writer_finish(pv_copy_writer *w)
{
    pv_buf_be16(&w->buf, UINT16_MAX); /* trailer: field count -1 */
    return pv_copy_writer_flush(w);
}

/* ------------------------------------------------------------ text */

static void text_separator(pv_copy_writer *w)
{
    if (w->text_fields++ > 0)
        pv_buf_putc(&w->buf, '\t');
}

void pv_copy_writer_text_escaped(pv_copy_writer *w, const uint8_t *p, size_t n)
{
    text_separator(w);
    put_bulk(w, p, n);
}

void pv_copy_writer_text_value(pv_copy_writer *w, const uint8_t *p, size_t n)
{
    text_separator(w);
    pv_copy_text_escape(p, n, &w->buf);
}

void pv_copy_writer_text_null(pv_copy_writer *w)
{
    text_separator(w);
    pv_buf_put(&w->buf, "\\N", 2);
}

pv_error *pv_copy_writer_text_row_end(pv_copy_writer *w)
{
    pv_buf_putc(&w->buf, '\n');
    w->text_fields = 0;
    w->tuples++;
    return maybe_flush(w);
}

pv_error *pv_copy_writer_text_raw_row(pv_copy_writer *w, const uint8_t *line, size_t len)
{
    put_bulk(w, line, len);
    return pv_copy_writer_text_row_end(w);
}

/* ------------------------------------------------------------ libpq sink */

pv_error *pv_copy_sink_pq(void *conn, const uint8_t *data, size_t len)
{
    while (len > 0) {
        /* PQputCopyData takes an int length. */
        int n = len > (size_t)INT_MAX / 2 ? INT_MAX / 2 : (int)len;
        if (PQputCopyData(conn, (const char *)data, n) != 1) {
            /* libpq's text here is about the connection, never about row data. */
            const char *msg = PQerrorMessage(conn);
            size_t mlen = strlen(msg);
            while (mlen > 0 && (msg[mlen - 1] == '\n' || msg[mlen - 1] == ' '))
                mlen--;
            return pv_error_new(PV_EXIT_GENERIC, CONTEXT,
                                "Check the target server and the network, then resume the run.",
                                "Sending COPY data failed: %.*s", (int)mlen, msg);
        }
        data += n;
        len -= (size_t)n;
    }
    return NULL;
}
