// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device table (vmm/devices.c), virtio_wire (vmm/virtio_wire.c) and the
 * board devices (vmm/dev_board.c), natively: KVM is a fake struct dev_host
 * that counts interrupt lines and ioeventfds, so each test can check that
 * what was made was also undone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fault.h"
#include "log.h"
#include "pvpanic.h"
#include "status.h"
#include "unit.h"
#include "virtio_mmio.h"
#include "vmm/json.h"
#include "vmm/vm.h"

/* dev_board.c's pvpanic posts events; vcpu.c (KVM) is not linked here. */
bool vm_post_event(struct vm *vm, enum vm_event ev)
{
	(void)vm;
	(void)ev;
	return true;
}

/* --- the fake host ------------------------------------------------------- */

static struct {
	int irq_inits, irq_edges, irq_releases;
	int irq_fail;               /* the next irq_init fails with this status */
	int io_assigned;            /* ioeventfds bound now */
	uint64_t io_addr[8];
	uint32_t io_match[8];
	int nio;
} host;

static int fake_irq_init(void *ctx, struct irq_line *line, unsigned int spi, bool edge)
{
	(void)ctx;
	memset(line, 0, sizeof(*line));
	line->id = spi;
	line->fd = -1;
	host.irq_inits++; /* released either way (struct dev_host) */
	if (host.irq_fail) {
		int r = host.irq_fail;

		host.irq_fail = 0;
		log_error("irqfd for SPI %u: injected", spi);
		return r;
	}
	host.irq_edges += edge;
	return VMM_OK;
}

static void fake_irq_release(void *ctx, struct irq_line *line)
{
	(void)ctx;
	(void)line;
	host.irq_releases++;
}

static int fake_ioeventfd(void *ctx, uint64_t addr, uint32_t len, uint32_t datamatch, int fd,
			  bool assign)
{
	(void)ctx;
	(void)fd;
	assert_int_equal(len, 4);
	if (assign) {
		if (host.nio < 8) {
			host.io_addr[host.nio] = addr;
			host.io_match[host.nio] = datamatch;
			host.nio++;
		}
		host.io_assigned++;
	} else {
		host.io_assigned--;
	}
	return 0;
}

static struct vm vm;
static struct vm_config cfg;

static int setup(void **state)
{
	(void)state;
	memset(&vm, 0, sizeof(vm));
	memset(&cfg, 0, sizeof(cfg));
	vm.cfg = &cfg;
	memset(&host, 0, sizeof(host));
	vm.nvcpus = 1;
	vm.devices.host.irq_init = fake_irq_init;
	vm.devices.host.irq_release = fake_irq_release;
	vm.devices.host.ioeventfd = fake_ioeventfd;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	devices_destroy(&vm);
	return 0;
}

/* --- a fake virtio device ------------------------------------------------ */

static struct {
	int created, destroyed, resets;
	int create_fail; /* the next create fails with this status */
} model;

static uint64_t fdev_features(void *dev)
{
	(void)dev;
	return 0;
}

static void fdev_config_read(void *dev, uint32_t off, void *data, uint32_t len)
{
	(void)dev;
	(void)off;
	memset(data, 0, len);
}

static void fdev_config_write(void *dev, uint32_t off, const void *data, uint32_t len)
{
	(void)dev;
	(void)off;
	(void)data;
	(void)len;
}

static int fdev_activate(void *dev, const struct virtio_activation *a)
{
	(void)dev;
	(void)a;
	return 0;
}

static void fdev_reset(void *dev)
{
	(void)dev;
}

static const struct virtio_dev_ops fdev_ops = {
	.device_id = 4,
	.features = fdev_features,
	.config_read = fdev_config_read,
	.config_write = fdev_config_write,
	.activate = fdev_activate,
	.reset = fdev_reset,
};

static int fdev_model;

static int fdev_create(struct vm_device *d, void *arg, unsigned int *nqueues)
{
	(void)arg;
	if (model.create_fail) {
		int r = model.create_fail;

		model.create_fail = 0;
		log_error("%s: injected", d->name);
		return r;
	}
	model.created++;
	d->model = &fdev_model;
	*nqueues = 2;
	return VMM_OK;
}

static void fdev_destroy(struct vm_device *d)
{
	if (d->model)
		model.destroyed++;
	d->model = NULL;
}

static void fdev_entry_reset(struct vm_device *d)
{
	(void)d;
	model.resets++;
}

static const struct vm_device_ops fdev_entry_ops = {
	.reset = fdev_entry_reset,
	.destroy = fdev_destroy,
};

static int wire(const char *name, const char *what, struct vm_device **out)
{
	struct virtio_wire_desc w = {
		.name = name, .what = what, .ops = &fdev_entry_ops, .vops = &fdev_ops,
		.qmax = 16, .create = fdev_create,
	};

	return virtio_wire(&vm, &w, out);
}

/* --- virtio_wire ---------------------------------------------------------- */

/* One slot: its window, SPI, edge irqfd, ioeventfds, bus entry and DT entry agree. */
static void test_wire_one(void **state)
{
	struct vm_device *d = NULL;
	struct dev_desc dt[VM_MAX_DEVICES];

	(void)state;
	assert_int_equal(wire("rng0", "rng", &d), VMM_OK);
	assert_non_null(d);
	assert_string_equal(d->name, "rng0");
	assert_int_equal(vm.devices.n, 1);
	assert_int_equal(vm.devices.nvirtio, 1);
	assert_int_equal(d->desc.kind, DEV_VIRTIO_MMIO);
	assert_int_equal(d->desc.base, LAYOUT_VIRTIO_BASE);
	assert_int_equal(d->desc.size, VIRTIO_MMIO_SIZE);
	assert_int_equal(d->desc.spi, LAYOUT_SPI_VIRTIO);
	assert_int_equal(d->desc.edge, 1);
	assert_int_equal(host.irq_edges, 1);
	assert_ptr_equal(bus_find(&vm.bus, LAYOUT_VIRTIO_BASE), &d->bus);
	assert_int_equal(d->bus.size, d->desc.size);
	assert_ptr_equal(d->bus.opaque, d->mmio);
	/* Both queues' kicks are bound to QueueNotify, datamatch the queue index. */
	assert_int_equal(host.io_assigned, 2);
	assert_int_equal(host.io_addr[0], LAYOUT_VIRTIO_BASE + 0x050);
	assert_int_equal(host.io_match[1], 1);
	assert_int_equal(devices_dt(&vm, dt), 1);
	assert_memory_equal(&dt[0], &d->desc, sizeof(dt[0]));

	/* The second device takes the next slot. */
	assert_int_equal(wire("rng1", "rng", &d), VMM_OK);
	assert_int_equal(d->desc.base, LAYOUT_VIRTIO_BASE + LAYOUT_VIRTIO_STRIDE);
	assert_int_equal(d->desc.spi, LAYOUT_SPI_VIRTIO + 1);

	devices_destroy(&vm);
	assert_int_equal(vm.bus.n, 0);
	assert_int_equal(host.io_assigned, 0);
	assert_int_equal(host.irq_releases, host.irq_inits);
	assert_int_equal(model.destroyed, model.created);
}

/* Every slot taken: one line naming the device, VMM_ERR_USAGE, nothing made. */
static void test_wire_no_slot(void **state)
{
	struct unit_capture cap;
	struct vm_device *d = NULL;
	char want[128];
	unsigned int i;
	int r;

	(void)state;
	memset(&model, 0, sizeof(model));
	for (i = 0; i < LAYOUT_VIRTIO_MAX; i++)
		assert_int_equal(wire("blk", "disk x.img", NULL), VMM_OK);
	assert_int_equal(vm.devices.nvirtio, LAYOUT_VIRTIO_MAX);
	unit_capture_begin(&cap, 2);
	r = wire("blk64", "disk d9.img", &d);
	unit_capture_end(&cap);
	assert_int_equal(r, VMM_ERR_USAGE);
	assert_null(d);
	snprintf(want, sizeof(want), "disk d9.img: no virtio-mmio slot left (%d in all)",
		 LAYOUT_VIRTIO_MAX);
	unit_assert_one_line(cap.text, want);
	assert_int_equal(vm.devices.n, LAYOUT_VIRTIO_MAX);
	assert_int_equal(model.created, LAYOUT_VIRTIO_MAX);
	assert_int_equal(host.irq_inits, LAYOUT_VIRTIO_MAX);
	assert_int_equal(vm.bus.n, LAYOUT_VIRTIO_MAX);
}

/* What is on the bus, the irq lines and the table: the same before and after a failure. */
struct snapshot {
	int bus_n, irq_live, io_assigned, models;
	unsigned int n, nvirtio;
};

static void snap(struct snapshot *s)
{
	s->bus_n = vm.bus.n;
	s->irq_live = host.irq_inits - host.irq_releases;
	s->io_assigned = host.io_assigned;
	s->models = model.created - model.destroyed;
	s->n = vm.devices.n;
	s->nvirtio = vm.devices.nvirtio;
}

static void assert_undone(const struct snapshot *before, int r, int want, const char *msg)
{
	struct snapshot after;

	if (r != want)
		print_error("%s: status %d, want %d\n", msg, r, want);
	assert_int_equal(r, want);
	snap(&after);
	if (memcmp(before, &after, sizeof(after)))
		print_error("%s: not undone\n", msg);
	assert_int_equal(after.bus_n, before->bus_n);
	assert_int_equal(after.irq_live, before->irq_live);
	assert_int_equal(after.io_assigned, before->io_assigned);
	assert_int_equal(after.models, before->models);
	assert_int_equal(after.n, before->n);
	assert_int_equal(after.nvirtio, before->nvirtio);
}

/* A failure at each step after the slot undoes exactly what the earlier steps made. */
static void test_wire_undo(void **state)
{
	static struct bus_dev squatter = { .name = "squatter", .size = 0x10 };
	struct unit_capture cap;
	struct snapshot before;
	struct vm_device *d;
	int r;

	(void)state;
	memset(&model, 0, sizeof(model));
	/* Something made before must survive each failure untouched. */
	assert_int_equal(wire("blk0", "disk a.img", &d), VMM_OK);
	snap(&before);

	/* The model. */
	model.create_fail = VMM_ERR_INPUT;
	unit_capture_begin(&cap, 2);
	r = wire("blk1", "disk b.img", NULL);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "blk1: injected");
	assert_undone(&before, r, VMM_ERR_INPUT, "model");

	/* The irqfd, after the model. */
	host.irq_fail = VMM_ERR_HOST;
	unit_capture_begin(&cap, 2);
	r = wire("blk1", "disk b.img", NULL);
	unit_capture_end(&cap);
	assert_int_equal(unit_count_lines(cap.text), 1);
	assert_undone(&before, r, VMM_ERR_HOST, "irqfd");

#ifdef FAIL_CALLOC
	/* The transport, after the irqfd. */
	fail_calloc = 1;
	unit_capture_begin(&cap, 2);
	r = wire("blk1", "disk b.img", NULL);
	unit_capture_end(&cap);
	unit_assert_one_line_prefix(cap.text, "disk b.img: creating its virtio-mmio transport");
	/* (virtio_mmio.h says VMM_ERR_HOST for no memory; virtio_mmio.c returns INTERNAL.) */
	assert_undone(&before, r, VMM_ERR_INTERNAL, "transport");
#endif

	/* The bus window, after the transport and its ioeventfds. */
	squatter.base = LAYOUT_VIRTIO_BASE + LAYOUT_VIRTIO_STRIDE;
	assert_int_equal(bus_add(&vm.bus, &squatter), 0);
	snap(&before);
	unit_capture_begin(&cap, 2);
	r = wire("blk1", "disk b.img", NULL);
	unit_capture_end(&cap);
	unit_assert_one_line_prefix(cap.text, "blk1: adding it at 0x10101000");
	assert_undone(&before, r, VMM_ERR_INTERNAL, "bus");
	bus_remove(&vm.bus, &squatter);

	/* And the slot is free again for the next device. */
	assert_int_equal(wire("blk1", "disk b.img", &d), VMM_OK);
	assert_int_equal(d->desc.base, LAYOUT_VIRTIO_BASE + LAYOUT_VIRTIO_STRIDE);
	assert_int_equal(vm.devices.n, 2);
}

/* --- the table ------------------------------------------------------------ */

static char order[64];

static void rec(struct vm_device *d, char what)
{
	size_t n = strlen(order);

	assert_true(n + 2 < sizeof(order));
	order[n] = what;
	order[n + 1] = d->name[0];
	order[n + 2] = '\0';
}

static void rec_reset(struct vm_device *d)
{
	rec(d, 'r');
}

static void rec_destroy(struct vm_device *d)
{
	rec(d, 'd');
}

static const struct vm_device_ops rec_ops = { .reset = rec_reset, .destroy = rec_destroy };
static const struct vm_device_ops plain_ops = { .reset = NULL };

/* Reset in creation order, destroy in reverse; undo_last takes only the last. */
static void test_table_order(void **state)
{
	const char *names[] = { "a", "b", "c", "d" };
	struct vm_device *d;
	unsigned int i;

	(void)state;
	order[0] = '\0';
	for (i = 0; i < 4; i++)
		assert_int_equal(devices_add(&vm, names[i], &rec_ops, &d), VMM_OK);
	devices_reset(&vm);
	assert_string_equal(order, "rarbrcrd");
	order[0] = '\0';
	devices_undo_last(&vm);
	assert_string_equal(order, "dd");
	assert_int_equal(vm.devices.n, 3);
	order[0] = '\0';
	devices_destroy(&vm);
	assert_string_equal(order, "dcdbda");
	assert_int_equal(vm.devices.n, 0);
	/* Twice is fine: nothing left. */
	devices_destroy(&vm);
	assert_string_equal(order, "dcdbda");
}

/* The table is bounded: one entry too many is refused with one line. */
static void test_table_full(void **state)
{
	struct unit_capture cap;
	struct vm_device *d;
	unsigned int i;
	int r;

	(void)state;
	for (i = 0; i < VM_MAX_DEVICES; i++)
		assert_int_equal(devices_add(&vm, "x", &plain_ops, &d), VMM_OK);
	d = NULL;
	unit_capture_begin(&cap, 2);
	r = devices_add(&vm, "y", &plain_ops, &d);
	unit_capture_end(&cap);
	assert_int_equal(r, VMM_ERR_INTERNAL);
	assert_null(d);
	unit_assert_one_line_prefix(cap.text, "y: too many devices");
}

/* --- vmm info ------------------------------------------------------------- */

static void info_index(struct vm_device *d, struct json *j)
{
	json_string(j, "name", d->name);
}

static size_t con_rx(struct vm_device *d, const uint8_t *buf, size_t len)
{
	(void)buf;
	return d->name[0] == 'u' ? len : len / 2;
}

static const struct vm_device_ops disk_like = { .info_key = "disks", .info = info_index };
static const struct vm_device_ops nic_like = { .info_key = "nics", .info = info_index };
static const struct vm_device_ops rng_like = { .info_key = "rngs", .info = info_index };
static const struct vm_device_ops uart_like = {
	.info_key = "console", .info_members = true, .info = info_index,
	.console = "serial", .console_rx = con_rx,
};
static const struct vm_device_ops quiet = { .destroy = NULL };
static const struct vm_device_ops vcon_like = { .console = "virtio", .console_rx = con_rx };

static char *info_of(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	assert_non_null(f);
	json_begin(&j, f);
	json_object_begin(&j, "console");
	json_string(&j, "device", devices_console_name(&vm));
	devices_info(&vm, &j, "console");
	json_object_end(&j);
	devices_info_lists(&vm, &j);
	assert_int_equal(json_end(&j), 0);
	fclose(f);
	return buf;
}

/* Every entry with an info op is reported, in its section, in table order. */
static void test_info_every_entry(void **state)
{
	struct vm_device *d;
	char *s;

	(void)state;
	/* Nothing yet: the lists scripts read are there, empty. */
	s = info_of();
	assert_string_equal(s, "{\n  \"console\": {\n    \"device\": \"serial\"\n  },\n"
			       "  \"disks\": [],\n  \"nics\": []\n}\n");
	free(s);

	assert_int_equal(devices_add(&vm, "uart0", &uart_like, &d), VMM_OK);
	assert_int_equal(devices_add(&vm, "pvpanic", &quiet, &d), VMM_OK);
	assert_int_equal(devices_add(&vm, "rng0", &rng_like, &d), VMM_OK);
	assert_int_equal(devices_add(&vm, "blk0", &disk_like, &d), VMM_OK);
	assert_int_equal(devices_add(&vm, "net0", &nic_like, &d), VMM_OK);
	assert_int_equal(devices_add(&vm, "blk1", &disk_like, &d), VMM_OK);
	assert_int_equal(devices_console_rx(&vm, (const uint8_t *)"abcd", 4), 4);
	assert_int_equal(devices_add(&vm, "hvc0", &vcon_like, &d), VMM_OK);
	/* The last console device created is the console. */
	assert_int_equal(devices_console_rx(&vm, (const uint8_t *)"abcd", 4), 2);
	s = info_of();
	assert_string_equal(s, "{\n  \"console\": {\n    \"device\": \"virtio\",\n"
			       "    \"name\": \"uart0\"\n  },\n"
			       "  \"disks\": [{\"name\": \"blk0\"}, {\"name\": \"blk1\"}],\n"
			       "  \"nics\": [{\"name\": \"net0\"}],\n"
			       "  \"rngs\": [{\"name\": \"rng0\"}]\n}\n");
	free(s);
	/* Undoing the virtio console gives the console back to the UART. */
	devices_undo_last(&vm);
	assert_string_equal(devices_console_name(&vm), "serial");
}

/* --- the board ------------------------------------------------------------ */

static struct vm_device *find(const char *name)
{
	unsigned int i;

	for (i = 0; i < vm.devices.n; i++)
		if (!strcmp(vm.devices.dev[i].name, name))
			return &vm.devices.dev[i];
	return NULL;
}

/*
 * The board's devices: uart0 first (stdout-path), each one's bus window is
 * its device-tree window; pvpanic's is the binding's 2 bytes, no interrupt.
 */
static void test_board(void **state)
{
	static const char *const names[] = { "uart0", "rtc0", "gpio0", "pvpanic" };
	struct vm_device *p;
	unsigned int i;
	uint8_t v = 0;

	(void)state;
	assert_int_equal(dev_board_create(&vm), VMM_OK);
	assert_int_equal(vm.devices.n, 4);
	for (i = 0; i < 4; i++) {
		const struct vm_device *d = &vm.devices.dev[i];

		assert_string_equal(d->name, names[i]);
		assert_true(d->on_bus);
		assert_int_equal(d->bus.base, d->desc.base);
		assert_int_equal(d->bus.size, d->desc.size);
		assert_ptr_equal(bus_find(&vm.bus, d->desc.base), &d->bus);
	}
	assert_int_equal(vm.devices.dev[0].desc.kind, DEV_UART16550);
	/* The UART's THR may be coalesced by default (--serial-coalesce on). */
	assert_int_equal(vm.devices.dev[0].bus.coalesce_off, 0);
	assert_int_equal(vm.devices.dev[0].bus.coalesce_len, 1);
	p = find("pvpanic");
	assert_non_null(p);
	assert_int_equal(p->desc.size, PVPANIC_MMIO_SIZE);
	assert_int_equal(p->bus.size, PVPANIC_MMIO_SIZE);
	assert_false(p->has_irq);
	/* The guest's probe: one byte at offset 0 reaches the device ... */
	assert_true(bus_access(&vm.bus, LAYOUT_PVPANIC, &v, 1, false));
	assert_int_equal(v, PVPANIC_EVENTS);
	/* ... and nothing past the window does. */
	assert_null(bus_find(&vm.bus, LAYOUT_PVPANIC + PVPANIC_MMIO_SIZE));
	/* Three level lines: UART, RTC, GPIO. */
	assert_int_equal(host.irq_inits, 3);
	assert_int_equal(host.irq_edges, 0);
	assert_string_equal(devices_console_name(&vm), "serial");

	devices_reset(&vm);
	devices_destroy(&vm);
	assert_int_equal(vm.bus.n, 0);
	assert_int_equal(host.irq_releases, 3);
}

/* A board device failing midway (the RTC's thread) leaves only the UART. */
static void test_board_undo(void **state)
{
	struct unit_capture cap;
	int r;

	(void)state;
	fail_create = 1;
	unit_capture_begin(&cap, 2);
	r = dev_board_create(&vm);
	unit_capture_end(&cap);
	assert_int_equal(r, VMM_ERR_INTERNAL);
	unit_assert_one_line_prefix(cap.text, "rtc: creating the PL031");
	assert_int_equal(vm.devices.n, 1);
	assert_string_equal(vm.devices.dev[0].name, "uart0");
	assert_int_equal(vm.bus.n, 1);
	assert_int_equal(host.irq_inits - host.irq_releases, 1);
}

/* A coalescer that only counts zone changes (nothing is ever collected). */
static struct {
	struct bus_coalescer ops;
	int on, off;
} zones;

static int zone_count(void *ctx, uint64_t addr, uint64_t len, bool on)
{
	(void)ctx;
	assert_int_equal(addr, LAYOUT_UART);
	assert_int_equal(len, 1);
	if (on)
		zones.on++;
	else
		zones.off++;
	return 0;
}

static void drain_nothing(void *ctx)
{
	(void)ctx;
}

static void uart_poke(unsigned int reg, uint8_t v)
{
	assert_true(bus_access(&vm.bus, LAYOUT_UART + reg, &v, 1, true));
}

/*
 * The zone follows the way the guest transmits: gone as soon as IER.ETBEI
 * is set (interrupt-driven: every THR write must exit), back at the first
 * THR write that exits with ETBEI clear (polling) - not at every ETBEI
 * clear, which a tty does around each buffer it sends.
 */
static void test_serial_zone_follows_polling(void **state)
{
	const struct vm_device *u;

	(void)state;
	memset(&zones, 0, sizeof(zones));
	zones.ops = (struct bus_coalescer){ .zone = zone_count, .drain = drain_nothing };
	bus_set_coalescer(&vm.bus, &zones.ops);
	assert_int_equal(dev_board_create(&vm), VMM_OK);
	u = &vm.devices.dev[0];
	/* Power-on: polled (earlycon), coalesced from the first byte. */
	assert_true(u->bus.coalescing);
	assert_int_equal(zones.on, 1);
	/* A tty starts sending: IER.ETBEI (offset 1, bit 1). */
	uart_poke(1, 0x02);
	assert_false(u->bus.coalescing);
	assert_int_equal(zones.off, 1);
	/* THR writes by interrupt keep exiting. */
	uart_poke(0, 'a');
	assert_false(u->bus.coalescing);
	/* Buffer sent, ETBEI off, then the next buffer: no zone change at all. */
	uart_poke(1, 0x00);
	uart_poke(1, 0x02);
	uart_poke(1, 0x00);
	assert_int_equal(zones.on, 1);
	assert_int_equal(zones.off, 1);
	assert_false(u->bus.coalescing);
	/* A polled THR write exits once; the zone takes the ones after it. */
	uart_poke(0, 'b');
	assert_true(u->bus.coalescing);
	assert_int_equal(zones.on, 2);
	/* A guest reset brings the power-on state, zone and all. */
	uart_poke(1, 0x02);
	assert_int_equal(zones.off, 2);
	vm.devices.dev[0].ops->reset(&vm.devices.dev[0]);
	assert_true(u->bus.coalescing);
	assert_int_equal(zones.on, 3);
	bus_set_coalescer(&vm.bus, NULL);
}

/* --serial-coalesce off: the UART declares nothing coalescible, every THR write exits. */
static void test_board_serial_coalesce_off(void **state)
{
	(void)state;
	cfg.serial_coalesce_off = true;
	assert_int_equal(dev_board_create(&vm), VMM_OK);
	assert_int_equal(vm.devices.dev[0].desc.kind, DEV_UART16550);
	assert_int_equal(vm.devices.dev[0].bus.coalesce_len, 0);
	assert_false(vm.devices.dev[0].bus.coalescing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_wire_one),
		T(test_wire_no_slot),
		T(test_wire_undo),
		T(test_table_order),
		T(test_table_full),
		T(test_info_every_entry),
		T(test_board),
		T(test_board_undo),
		T(test_board_serial_coalesce_off),
		T(test_serial_zone_follows_polling),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
