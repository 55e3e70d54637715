/*
 * queue.h — the bounded hand-off between a unit's reader and its writer.
 *
 * Blocks circulate between two queues: `full` (reader → writer) and `free`
 * (writer → reader). A fixed number of blocks exists per unit, so the memory
 * of a unit is bounded by PV_QUEUE_BLOCKS × the block size however large
 * the table is; when the writer falls behind, the reader waits for a free
 * block and stops reading the source socket (backpressure).
 */
#ifndef PRIVACI_STREAM_QUEUE_H
#define PRIVACI_STREAM_QUEUE_H

#include "util/buf.h"
#include "util/error.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define PV_QUEUE_BLOCKS 6

typedef struct pv_block {
    pv_buf data;     /* whole tuples in wire format */
    int64_t rows;    /* tuples in data */
    bool batch_end;  /* the last tuple closes a batch */
    pv_buf cursor;   /* batch_end with a PK: the last row's PK text (NUL-terminated) */
    bool cursor_raw; /* cursor holds the PK's binary bytes, for the server to render */
    pv_error *error; /* the reader failed: its last block */
} pv_block;

typedef struct pv_queue {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pv_block blocks[PV_QUEUE_BLOCKS];
    pv_block *full[PV_QUEUE_BLOCKS];
    pv_block *free[PV_QUEUE_BLOCKS];
    int n_full, full_head;
    int n_free;
    bool closed;      /* the writer gave up: the reader must stop */
    bool reader_done; /* the reader pushed its last block */
} pv_queue;

void pv_queue_init(pv_queue *q);
void pv_queue_destroy(pv_queue *q);

/* Reader side: a cleared block to fill, or NULL once the queue is closed. */
pv_block *pv_queue_take_free(pv_queue *q);
void pv_queue_push_full(pv_queue *q, pv_block *b);

/* Reader side: called once when the reader exits, whatever happened. */
void pv_queue_reader_done(pv_queue *q);

/* Writer side: the next filled block (waits); NULL once the reader is done. */
pv_block *pv_queue_pop_full(pv_queue *q);
void pv_queue_give_back(pv_queue *q, pv_block *b);

/* Writer side: stop the reader (it gets NULL from take_free). */
void pv_queue_close(pv_queue *q);

#endif
