/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_DISK_SNAPSHOT_H
#define VMM_DISK_SNAPSHOT_H

#include <stdint.h>

#include "disk.h"

/*
 * A throw-away copy-on-write layer over a read-only image (--disk
 * PATH,snapshot): the guest may write anywhere, its writes land in an
 * unlinked file in $TMPDIR (else /var/tmp, else /tmp) that vanishes with vmm, and the
 * image is never written, so any number of VMs (and read-only users) can
 * share it at once - parallel CI jobs booting one root image.
 *
 * The layer keeps 4 KiB blocks: a bit per block says its bytes are in the
 * layer. Reads take each run of blocks from the layer or the image; a
 * write copies the image's bytes of a block it covers partly into the
 * layer first, then writes, then sets the bits. Writes are serialised by
 * the layer's lock (copy-up must not race); reads take no lock, since a
 * bit is only set once the layer holds the block's bytes.
 */
#define DISK_SNAPSHOT_BLOCK 4096u

struct disk_snapshot;

/*
 * disk_snapshot_new - a layer for an image of size bytes (path only names
 * it in messages). Returns VMM_OK and stores it in *out, or prints one
 * line "vmm: disk PATH: snapshot layer in DIR: CAUSE" and returns
 * VMM_ERR_HOST.
 */
int disk_snapshot_new(const char *path, uint64_t size, struct disk_snapshot **out);

/* disk_snapshot_free - close and free s (NULL is fine); its data is gone. */
void disk_snapshot_free(struct disk_snapshot *s);

/*
 * disk_snapshot_run - r (any op) against the image base_fd under s,
 * skipping the first done bytes of a READ or WRITE; 0 or -errno. FLUSH
 * has nothing to make durable and DISCARD is advisory: both do nothing.
 * Any thread; r's range is already checked against the disk size.
 */
int disk_snapshot_run(struct disk_snapshot *s, int base_fd, struct disk_req *r, uint64_t done);

/* disk_snapshot_bytes - how much the guest has written so far (whole blocks). */
uint64_t disk_snapshot_bytes(struct disk_snapshot *s);

#endif
