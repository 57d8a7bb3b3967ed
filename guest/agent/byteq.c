// SPDX-License-Identifier: GPL-2.0-only
/*
 * The agent's bounded byte queue (byteq.h). Compacting rather than a ring:
 * the consumers (write(2) to a pipe or hvc0) want one contiguous span.
 */
#include "guest/agent/byteq.h"

#include <stdlib.h>
#include <string.h>

int byteq_init(struct byteq *q, size_t cap)
{
	memset(q, 0, sizeof(*q));
	q->buf = malloc(cap);
	if (!q->buf)
		return -1;
	q->cap = cap;
	return 0;
}

void byteq_free(struct byteq *q)
{
	free(q->buf);
	memset(q, 0, sizeof(*q));
}

size_t byteq_room(const struct byteq *q)
{
	return q->cap - q->len;
}

bool byteq_push(struct byteq *q, const void *data, size_t n)
{
	if (n > byteq_room(q))
		return false;
	if (q->off + q->len + n > q->cap) {
		memmove(q->buf, q->buf + q->off, q->len);
		q->off = 0;
	}
	if (n)
		memcpy(q->buf + q->off + q->len, data, n);
	q->len += n;
	return true;
}

const uint8_t *byteq_data(const struct byteq *q)
{
	return q->buf + q->off;
}

size_t byteq_len(const struct byteq *q)
{
	return q->len;
}

void byteq_consume(struct byteq *q, size_t n)
{
	if (n > q->len)
		n = q->len;
	q->off += n;
	q->len -= n;
	if (!q->len)
		q->off = 0;
}

void byteq_clear(struct byteq *q)
{
	q->off = q->len = 0;
}
