/*
 * copy.h — the COPY wire formats (spec/streaming.md §3, §4): a tuple reader
 * over the chunks PQgetCopyData returns, and a tuple writer that batches
 * output into large PQputCopyData calls. Binary format first; the text
 * format (tab-separated, \N, backslash escapes) for the fallback of §4.
 *
 * Zero-copy cells (DESIGN.md): a tuple is an array of (pointer, length)
 * views into the chunk it arrived in. Only a tuple that straddles two
 * chunks is copied, once, into contiguous memory (the reader's own buffer,
 * or memory from the caller's spill allocator, e.g. the batch arena). The
 * raw wire bytes of the whole tuple are exposed too, so a passthrough-only
 * row is forwarded with a single memcpy.
 *
 * The reader validates every length against the bytes it has (the input is
 * untrusted and fuzzed: fuzz/fuzz_copy.c); it never allocates per tuple and
 * never reads a field count or length it has not bounds-checked.
 *
 * Neither side prints: errors are pv_error values (exit code 1, Context
 * "Reading the source COPY stream" / "Writing the target COPY stream"),
 * value-free by construction (counts and positions only).
 */
#ifndef PRIVACI_COPY_COPY_H
#define PRIVACI_COPY_COPY_H

#include "util/buf.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A cell: a view of one field's bytes. len == PV_CELL_NULL means SQL NULL. */
typedef struct {
    const uint8_t *data;
    int32_t len;
} pv_cell;

#define PV_CELL_NULL (-1)

/* The 11-byte signature of the binary format, "PGCOPY\n\377\r\n\0". */
extern const uint8_t PV_COPY_SIGNATURE[11];

/* Default per-row limit (spec/streaming.md §5.2): 1 GiB of tuple bytes. */
#define PV_COPY_MAX_TUPLE_BYTES ((size_t)1 << 30)

/* Default flush threshold of the writer. */
#define PV_COPY_WRITER_CHUNK ((size_t)1 << 20)

typedef enum pv_copy_status {
    PV_COPY_TUPLE,     /* *out holds a tuple */
    PV_COPY_NEED_MORE, /* the current chunk is consumed: feed the next one */
    PV_COPY_END,       /* the trailer (binary) or "\." (text) was read */
    PV_COPY_ERROR,     /* *err is set; the reader is unusable afterwards */
} pv_copy_status;

/* Why a reader failed, for callers that word their own message (§5.2, §8.1). */
typedef enum pv_copy_errkind {
    PV_COPY_ERR_NONE = 0,
    PV_COPY_ERR_MALFORMED,     /* bad signature, flags, count or length; data after the end */
    PV_COPY_ERR_ROW_TOO_LARGE, /* a tuple over the reader's max_tuple bytes */
    PV_COPY_ERR_TRUNCATED,     /* the stream ended inside the header or a tuple */
} pv_copy_errkind;

/*
 * One tuple. `raw` is its wire bytes (binary: from the field count to the
 * end of the last field; text: the line without its '\n'); `cells` has
 * ncols entries, owned by the reader. Both stay valid while the chunk the
 * tuple came from is alive — or, for a tuple that straddled chunks, until
 * the next call to *_next (without a spill allocator) or as long as the
 * spill memory lives (with one).
 */
typedef struct pv_copy_tuple {
    const uint8_t *raw;
    size_t raw_len;
    pv_cell *cells;
    int ncols;
} pv_copy_tuple;

/* Returns n bytes that outlive the reader's next call (e.g. from a batch arena). */
typedef void *(*pv_copy_spill_fn)(void *ctx, size_t n);

/* ------------------------------------------------------------ binary reader */

typedef struct pv_copy_reader {
    int ncols;
    int phase; /* private: header, tuples, done */
    size_t max_tuple;
    /* The current chunk (borrowed). */
    const uint8_t *chunk;
    size_t chunk_len;
    size_t pos;
    /* A header or tuple that straddles chunks is assembled here. */
    pv_buf carry;
    int scan_field; /* resumable scan of the item in carry (private) */
    size_t scan_off;
    uint32_t *offs; /* per-field offsets of the current tuple */
    pv_cell *cells;
    pv_copy_spill_fn spill;
    void *spill_ctx;
    uint64_t tuples;       /* tuples returned so far */
    uint64_t bytes;        /* wire bytes consumed so far, header included */
    pv_copy_errkind error; /* set when *_next returned PV_COPY_ERROR */
} pv_copy_reader;

/* ncols is the number of fields every tuple must have (0..1600). */
void pv_copy_reader_init(pv_copy_reader *r, int ncols);
void pv_copy_reader_free(pv_copy_reader *r);
void pv_copy_reader_set_spill(pv_copy_reader *r, pv_copy_spill_fn fn, void *ctx);
void pv_copy_reader_set_max_tuple(pv_copy_reader *r, size_t max_bytes);

/* Hands the reader the next chunk; the previous one must be consumed. */
void pv_copy_reader_feed(pv_copy_reader *r, const uint8_t *chunk, size_t len);

/*
 * Returns the next tuple of the fed chunks. The header is validated and
 * skipped on the way (flags with the OID bit or any unknown critical bit
 * are rejected).
 */
pv_copy_status pv_copy_reader_next(pv_copy_reader *r, pv_copy_tuple *out, pv_error **err);

/*
 * Call when the source has no more data (PQgetCopyData returned -1): fails
 * with PV_COPY_ERR_TRUNCATED unless the trailer was read and nothing is
 * pending.
 */
pv_error *pv_copy_reader_finish(pv_copy_reader *r);

/* ------------------------------------------------------------ text reader */

typedef struct pv_copy_text_reader {
    int ncols;
    bool done;
    size_t max_tuple;
    const uint8_t *chunk;
    size_t chunk_len;
    size_t pos;
    pv_buf carry; /* a line that straddles chunks */
    pv_cell *cells;
    pv_copy_spill_fn spill;
    void *spill_ctx;
    uint64_t tuples;
    uint64_t bytes;
    pv_copy_errkind error;
} pv_copy_text_reader;

void pv_copy_text_reader_init(pv_copy_text_reader *r, int ncols);
void pv_copy_text_reader_free(pv_copy_text_reader *r);
void pv_copy_text_reader_set_spill(pv_copy_text_reader *r, pv_copy_spill_fn fn, void *ctx);
void pv_copy_text_reader_set_max_tuple(pv_copy_text_reader *r, size_t max_bytes);
void pv_copy_text_reader_feed(pv_copy_text_reader *r, const uint8_t *chunk, size_t len);
/* Cells are the *escaped* field texts (pv_copy_text_unescape decodes one); \N is NULL. */
pv_copy_status pv_copy_text_reader_next(pv_copy_text_reader *r, pv_copy_tuple *out, pv_error **err);
/* Call at the end of the data: fails if the stream ended inside a line. */
pv_error *pv_copy_text_reader_finish(pv_copy_text_reader *r);

/*
 * Splits one text-format line (no trailing '\n') into exactly ncols escaped
 * cells. Returns false when the field count differs.
 */
bool pv_copy_text_split(const uint8_t *line, size_t len, pv_cell *cells, int ncols);

/* Appends the decoded value of an escaped field (\b \f \n \r \t \v \\, \ooo, \xhh). */
void pv_copy_text_unescape(const uint8_t *s, size_t n, pv_buf *out);

/* Appends a value escaped as COPY TO prints it (the delimiter is a tab). */
void pv_copy_text_escape(const uint8_t *s, size_t n, pv_buf *out);

/* ------------------------------------------------------------ writer */

/* Receives a chunk of output (PQputCopyData). Returns NULL or an error. */
typedef pv_error *(*pv_copy_sink_fn)(void *ctx, const uint8_t *data, size_t len);

/* The libpq sink: ctx is the PGconn in COPY IN state (blocking mode). */
pv_error *pv_copy_sink_pq(void *conn, const uint8_t *data, size_t len);

typedef struct pv_copy_writer {
    pv_buf buf;
    size_t chunk; /* flush once buf reaches this many bytes */
    pv_copy_sink_fn sink;
    void *sink_ctx;
    size_t cell_start; /* private: where an open cell's length word is */
    int text_fields;   /* private: fields written in the current text row */
    uint64_t bytes_sent;
    uint64_t tuples;
    pv_error *err; /* the first sink failure, handed out by the next *_end/finish */
    bool failed;   /* a sink call failed: later output is dropped */
} pv_copy_writer;

/* chunk_size 0 means PV_COPY_WRITER_CHUNK. */
void pv_copy_writer_init(pv_copy_writer *w, pv_copy_sink_fn sink, void *ctx, size_t chunk_size);
/* Frees the buffer and any unreported error. Does not flush. */
void pv_copy_writer_free(pv_copy_writer *w);

/* Binary format. */
void pv_copy_writer_header(pv_copy_writer *w);
void pv_copy_writer_tuple_begin(pv_copy_writer *w, int nfields);
/* A raw cell (passthrough): its bytes are copied, never decoded. */
void pv_copy_writer_cell(pv_copy_writer *w, pv_cell cell);
void pv_copy_writer_null(pv_copy_writer *w);
/*
 * Encoding straight into the output: open reserves the length word and
 * returns the buffer to append the value's bytes to (e.g. pv_codec_encode),
 * close patches the length in, abort drops the partial cell.
 */
pv_buf *pv_copy_writer_cell_open(pv_copy_writer *w);
void pv_copy_writer_cell_close(pv_copy_writer *w);
void pv_copy_writer_cell_abort(pv_copy_writer *w);
/* A whole tuple's raw bytes (pv_copy_tuple.raw), instead of begin + cells. */
void pv_copy_writer_raw_tuple(pv_copy_writer *w, const uint8_t *raw, size_t len);
/* Ends a tuple; flushes when the buffer is full. Returns the sticky error. */
pv_error *pv_copy_writer_tuple_end(pv_copy_writer *w);
/* Writes the trailer and flushes everything. */
pv_error *pv_copy_writer_finish(pv_copy_writer *w);

/* Text format: fields are tab-joined, rows end with '\n'; no header or trailer. */
void pv_copy_writer_text_escaped(pv_copy_writer *w, const uint8_t *p, size_t n);
void pv_copy_writer_text_value(pv_copy_writer *w, const uint8_t *p, size_t n);
void pv_copy_writer_text_null(pv_copy_writer *w);
/* A whole line as read (pv_copy_tuple.raw); ends the row itself. */
pv_error *pv_copy_writer_text_raw_row(pv_copy_writer *w, const uint8_t *line, size_t len);
pv_error *pv_copy_writer_text_row_end(pv_copy_writer *w);

/* Sends everything buffered to the sink (no trailer). */
pv_error *pv_copy_writer_flush(pv_copy_writer *w);

#endif
