#include "stream/queue.h"

#include <string.h>

void pv_queue_init(pv_queue *q)
{
    memset(q, 0, sizeof(*q));
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->changed, NULL);
    for (int i = 0; i < PV_QUEUE_BLOCKS; i++)
        q->free[q->n_free++] = &q->blocks[i];
}

void pv_queue_destroy(pv_queue *q)
{
    for (int i = 0; i < PV_QUEUE_BLOCKS; i++) {
        pv_buf_free(&q->blocks[i].data);
        pv_buf_free(&q->blocks[i].cursor);
        pv_error_free(q->blocks[i].error);
    }
    pthread_cond_destroy(&q->changed);
    pthread_mutex_destroy(&q->lock);
}

static void clear_block(pv_block *b)
{
    pv_buf_reset(&b->data);
    pv_buf_reset(&b->cursor);
    b->rows = 0;
    b->batch_end = false;
    b->cursor_raw = false;
    pv_error_free(b->error);
    b->error = NULL;
}

pv_block *pv_queue_take_free(pv_queue *q)
{
    pthread_mutex_lock(&q->lock);
    while (!q->closed && q->n_free == 0)
        pthread_cond_wait(&q->changed, &q->lock);
    pv_block *b = q->closed ? NULL : q->free[--q->n_free];
    pthread_mutex_unlock(&q->lock);
    if (b)
        clear_block(b);
    return b;
}

void pv_queue_push_full(pv_queue *q, pv_block *b)
{
    pthread_mutex_lock(&q->lock);
    q->full[(q->full_head + q->n_full) % PV_QUEUE_BLOCKS] = b;
    q->n_full++;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

pv_block *pv_queue_pop_full(pv_queue *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->n_full == 0 && !q->reader_done)
        pthread_cond_wait(&q->changed, &q->lock);
    pv_block *b = NULL;
    if (q->n_full > 0) {
        b = q->full[q->full_head];
        q->full_head = (q->full_head + 1) % PV_QUEUE_BLOCKS;
        q->n_full--;
    }
    pthread_mutex_unlock(&q->lock);
    return b;
}

void pv_queue_give_back(pv_queue *q, pv_block *b)
{
    pthread_mutex_lock(&q->lock);
    q->free[q->n_free++] = b;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

void pv_queue_close(pv_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

void pv_queue_reader_done(pv_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->reader_done = true;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}
