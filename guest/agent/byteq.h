/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_AGENT_BYTEQ_H
#define VMM_AGENT_BYTEQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A bounded byte queue: the agent's buffers between hvc0 and CMD's pipes
 * (or pty). Bounded so that a producer faster than its consumer is pushed
 * back (the agent stops reading the producer while the queue lacks room)
 * instead of growing the agent's memory or blocking its single loop.
 */
struct byteq {
	uint8_t *buf;
	size_t cap, off, len; /* data is buf[off .. off+len) */
};

/* byteq_init - an empty queue of cap bytes. Returns 0, or -1 (ENOMEM). */
int byteq_init(struct byteq *q, size_t cap);
void byteq_free(struct byteq *q);
/* byteq_room - how many more bytes byteq_push accepts. */
size_t byteq_room(const struct byteq *q);
/* byteq_push - append n bytes; false (nothing appended) when room < n. */
bool byteq_push(struct byteq *q, const void *data, size_t n);
/* byteq_data / byteq_len - the bytes queued, oldest first. */
const uint8_t *byteq_data(const struct byteq *q);
size_t byteq_len(const struct byteq *q);
/* byteq_consume - drop the n oldest bytes (n <= byteq_len). */
void byteq_consume(struct byteq *q, size_t n);
/* byteq_clear - drop everything queued. */
void byteq_clear(struct byteq *q);

#endif
