/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmm's built-in initramfs (see vmm/builtin_initrd.h). The Makefile passes
 * the archive's path as BUILTIN_INITRD_FILE, a string, and rebuilds this
 * object when the archive changes.
 */
#ifndef BUILTIN_INITRD_FILE
#error "BUILTIN_INITRD_FILE: the path of the cpio.gz to embed (see the Makefile)"
#endif

	.section .rodata.builtin_initrd, "a", %progbits
	.balign	16
	.globl	builtin_initrd_start
	.type	builtin_initrd_start, %object
builtin_initrd_start:
	.incbin	BUILTIN_INITRD_FILE
	.globl	builtin_initrd_end
	.type	builtin_initrd_end, %object
builtin_initrd_end:
	.size	builtin_initrd_start, builtin_initrd_end - builtin_initrd_start

	/* No executable stack for the program because of this file. */
	.section .note.GNU-stack, "", %progbits
