// SPDX-License-Identifier: GPL-2.0-only
/*
 * The table of the guest's devices (vmm/devices.h) and the wiring of the
 * fixed board devices. Entries are filled in creation order and undone in
 * the reverse order: a virtio transport first (it stops the device's
 * threads), then the model, then the bus window, then the interrupt line,
 * so nothing is freed while something else can still reach it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "status.h"
#include "virtio_mmio.h"
#include "vmm/json.h"
#include "vmm/vm.h"

int devices_add(struct vm *vm, const char *name, const struct vm_device_ops *ops,
		struct vm_device **out)
{
	struct vm_devices *t = &vm->devices;
	struct vm_device *d;

	if (t->n == VM_MAX_DEVICES) {
		log_error("%s: too many devices (%d in all)", name, VM_MAX_DEVICES);
		return VMM_ERR_INTERNAL;
	}
	d = &t->dev[t->n++];
	memset(d, 0, sizeof(*d));
	d->vm = vm;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->ops = ops;
	d->irq.fd = -1;
	if (ops->console_rx)
		t->console = d;
	*out = d;
	return VMM_OK;
}

static void destroy_one(struct vm *vm, struct vm_device *d)
{
	struct vm_devices *t = &vm->devices;

	if (d->mmio)
		virtio_mmio_free(d->mmio);
	d->mmio = NULL;
	if (d->ops->destroy)
		d->ops->destroy(d);
	if (d->on_bus)
		bus_remove(&vm->bus, &d->bus);
	if (d->has_irq)
		t->host.irq_release(t->host.ctx, &d->irq);
	if (t->console == d)
		t->console = NULL;
	memset(d, 0, sizeof(*d));
}

void devices_undo_last(struct vm *vm)
{
	struct vm_devices *t = &vm->devices;

	if (!t->n)
		return;
	destroy_one(vm, &t->dev[--t->n]);
	/* The console, if the undone entry was it, goes back to an earlier one. */
	for (unsigned int i = t->n; i-- > 0 && !t->console;)
		if (t->dev[i].ops->console_rx)
			t->console = &t->dev[i];
}

void devices_reset(struct vm *vm)
{
	struct vm_devices *t = &vm->devices;
	unsigned int i;

	for (i = 0; i < t->n; i++) {
		struct vm_device *d = &t->dev[i];

		if (d->mmio)
			virtio_mmio_reset(d->mmio);
		if (d->ops->reset)
			d->ops->reset(d);
	}
}

void devices_destroy(struct vm *vm)
{
	while (vm->devices.n)
		devices_undo_last(vm);
	vm->devices.nvirtio = 0;
}

unsigned int devices_dt(const struct vm *vm, struct dev_desc *out)
{
	unsigned int i;

	for (i = 0; i < vm->devices.n; i++)
		out[i] = vm->devices.dev[i].desc;
	return i;
}

void devices_info(struct vm *vm, struct json *j, const char *key)
{
	unsigned int i;

	for (i = 0; i < vm->devices.n; i++) {
		struct vm_device *d = &vm->devices.dev[i];

		if (d->ops->info && d->ops->info_members && d->ops->info_key &&
		    !strcmp(d->ops->info_key, key))
			d->ops->info(d, j);
	}
}

static void info_list(struct vm *vm, struct json *j, const char *key)
{
	unsigned int i;

	json_array_begin(j, key);
	for (i = 0; i < vm->devices.n; i++) {
		struct vm_device *d = &vm->devices.dev[i];

		if (!d->ops->info || d->ops->info_members || !d->ops->info_key ||
		    strcmp(d->ops->info_key, key))
			continue;
		json_object_begin(j, NULL);
		d->ops->info(d, j);
		json_object_end(j);
	}
	json_array_end(j);
}

/* The lists `vmm info` always has, in this order, even when empty: scripts read them. */
static const char *const info_fixed[] = { "disks", "nics" };

static bool info_seen(struct vm *vm, unsigned int upto, const char *key)
{
	unsigned int i;

	for (i = 0; i < sizeof(info_fixed) / sizeof(info_fixed[0]); i++)
		if (!strcmp(info_fixed[i], key))
			return true;
	for (i = 0; i < upto; i++) {
		const struct vm_device_ops *o = vm->devices.dev[i].ops;

		if (o->info && !o->info_members && o->info_key && !strcmp(o->info_key, key))
			return true;
	}
	return false;
}

void devices_info_lists(struct vm *vm, struct json *j)
{
	unsigned int i;

	for (i = 0; i < sizeof(info_fixed) / sizeof(info_fixed[0]); i++)
		info_list(vm, j, info_fixed[i]);
	for (i = 0; i < vm->devices.n; i++) {
		const struct vm_device_ops *o = vm->devices.dev[i].ops;

		if (o->info && !o->info_members && o->info_key && !info_seen(vm, i, o->info_key))
			info_list(vm, j, o->info_key);
	}
}

const char *devices_console_name(const struct vm *vm)
{
	const struct vm_device *c = vm->devices.console;

	return c && c->ops->console ? c->ops->console : "serial";
}

size_t devices_console_rx(struct vm *vm, const uint8_t *buf, size_t len)
{
	struct vm_device *c = vm->devices.console;

	return c ? c->ops->console_rx(c, buf, len) : len;
}

void devices_console_size(struct vm *vm, unsigned int cols, unsigned int rows)
{
	struct vm_device *c = vm->devices.console;

	if (c && c->ops->console_size)
		c->ops->console_size(c, cols, rows);
}

void devices_console_eof(struct vm *vm)
{
	struct vm_device *c = vm->devices.console;

	if (c && c->ops->console_eof)
		c->ops->console_eof(c);
}

void devices_pause(struct vm *vm, bool paused)
{
	unsigned int i;

	for (i = 0; i < vm->devices.n; i++) {
		struct vm_device *d = &vm->devices.dev[i];

		if (d->ops->pause)
			d->ops->pause(d, paused);
	}
}

void devices_power_button(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->devices.n; i++) {
		struct vm_device *d = &vm->devices.dev[i];

		if (d->ops->power_button)
			d->ops->power_button(d);
	}
}

/* Put d's window (desc) on the bus with the model as the callbacks' opaque. */
int devices_bus_add(struct vm *vm, struct vm_device *d, const struct bus_dev_ops *ops)
{
	int r;

	d->bus.name = d->name;
	d->bus.base = d->desc.base;
	d->bus.size = d->desc.size;
	d->bus.ops = ops;
	r = bus_add(&vm->bus, &d->bus);
	if (r) {
		errno = -r;
		log_errno("%s: adding it at 0x%llx", d->name, (unsigned long long)d->desc.base);
		return VMM_ERR_INTERNAL;
	}
	d->on_bus = true;
	return VMM_OK;
}

int board_wire(struct vm *vm, const struct board_desc *b, const struct vm_device_ops *ops,
	       void *arg, struct vm_device **out)
{
	struct vm_devices *t = &vm->devices;
	struct vm_device *d;
	int r;

	r = devices_add(vm, b->name, ops, &d);
	if (r)
		return r;
	d->desc = b->dt;
	if (!b->no_irq) {
		d->has_irq = true;
		r = t->host.irq_init(t->host.ctx, &d->irq, b->dt.spi, b->dt.edge);
		if (r)
			goto fail;
	}
	/* The window first: a model that coalesces writes registers its zone at creation. */
	d->bus.name = d->name;
	d->bus.base = d->desc.base;
	d->bus.size = d->desc.size;
	r = b->create(d, arg);
	if (r)
		goto fail;
	d->bus.opaque = d->model;
	r = devices_bus_add(vm, d, b->bus_ops);
	if (r)
		goto fail;
	if (out)
		*out = d;
	return VMM_OK;
fail:
	devices_undo_last(vm);
	return r;
}
