/*
 * A bare aarch64 program with no Image header, for the lkvm personality's
 * raw-kernel path (tests/rig/cases_compat.sh): it prints one line on vmm's
 * 16550 with the address it runs at (lkvm loads such files at RAM +
 * 0x80000) and whether x0 holds a device tree (its magic, d00dfeed, read
 * big-endian), then powers off through PSCI SYSTEM_OFF. Built by
 * tests/rig/run.sh with the cross toolchain into a flat binary.
 */
	.equ	UART, 0x10000000	/* LAYOUT_UART (arm64/layout.h) */
	.equ	PSCI_SYSTEM_OFF, 0x84000008

	.text
	.globl	_start
_start:
	mov	x19, x0			/* the device tree, as booting.rst says */
	adr	x20, _start
	ldr	x21, =UART
	adr	x1, msg_at
	bl	puts
	mov	x0, x20
	bl	puthex
	adr	x1, msg_dt
	bl	puts
	ldr	w0, [x19]
	rev	w0, w0
	bl	puthex
	mov	w0, #'\n'
	strb	w0, [x21]
	ldr	x0, =PSCI_SYSTEM_OFF
	hvc	#0
1:	wfi
	b	1b

/* puts: the NUL-terminated string at x1. */
puts:
	ldrb	w0, [x1], #1
	cbz	w0, 2f
	strb	w0, [x21]
	b	puts
2:	ret

/* puthex: x0 as 16 hex digits. */
puthex:
	mov	x2, #60
3:	lsr	x3, x0, x2
	and	x3, x3, #0xf
	cmp	x3, #10
	add	x4, x3, #'0'
	add	x5, x3, #('a' - 10)
	csel	x3, x4, x5, lt
	strb	w3, [x21]
	subs	x2, x2, #4
	b.ge	3b
	ret

msg_at:	.asciz	"RAW-HELLO at 0x"
msg_dt:	.asciz	" dtb-magic 0x"
	.balign	8
	.ltorg
