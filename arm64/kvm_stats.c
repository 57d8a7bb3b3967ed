// SPDX-License-Identifier: GPL-2.0-only
/*
 * A vCPU's KVM binary statistics (KVM_GET_STATS_FD, Linux 5.14+): the
 * descriptors are read once when the vCPU is created, the values with one
 * pread per counter whenever asked (any thread; the fd is read-only and
 * pread64 is allowed by every sandbox filter). A host without the ioctl
 * just has no hypervisor counters: nothing is printed, have[] stays false.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arm64/kvm.h"
#include "arm64/kvm_compat.h"
#include "vcpu_stats.h"

/* Descriptors larger than this are not KVM's: refuse rather than trust them. */
#define STATS_DESC_MAX (1u << 20)

void arm64_vcpu_stats_open(struct arm64_vcpu *v)
{
	struct kvm_stats_header h;
	size_t len;
	void *descs;
	int fd, k;

	for (k = 0; k < VCPU_KSTAT_N; k++)
		v->stat_off[k] = -1;
	v->stats_fd = -1;
	fd = ioctl(v->fd, KVM_GET_STATS_FD, NULL);
	if (fd < 0)
		return;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.num_desc > 4096 ||
	    h.name_size > 256)
		goto out;
	len = (size_t)h.num_desc * (sizeof(struct kvm_stats_desc) + h.name_size);
	if (len == 0 || len > STATS_DESC_MAX)
		goto out;
	descs = calloc(1, len);
	if (!descs)
		goto out;
	if (pread(fd, descs, len, h.desc_offset) == (ssize_t)len &&
	    arm64_stats_match(descs, len, h.num_desc, h.name_size, h.data_offset, v->stat_off) > 0) {
		v->stats_fd = fd;
		fd = -1;
	}
	free(descs);
out:
	if (fd >= 0)
		close(fd);
}

void arm64_vcpu_stats_read(const struct arm64_vcpu *v, struct vcpu_kstats *s)
{
	int k;

	memset(s, 0, sizeof(*s));
	if (v->stats_fd < 0)
		return;
	for (k = 0; k < VCPU_KSTAT_N; k++) {
		uint64_t val;

		if (v->stat_off[k] < 0 ||
		    pread(v->stats_fd, &val, sizeof(val), v->stat_off[k]) != (ssize_t)sizeof(val))
			continue;
		s->v[k] = val;
		s->have[k] = true;
	}
}

void arm64_vcpu_stats_close(struct arm64_vcpu *v)
{
	if (v->stats_fd >= 0)
		close(v->stats_fd);
	v->stats_fd = -1;
}
