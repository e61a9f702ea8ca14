/* SPDX-License-Identifier: MIT */
/* Boot self-tests of the CPU protections (selftest.c). */
#ifndef KERNEL_SELFTEST_H
#define KERNEL_SELFTEST_H

struct task;

/* Run the self-tests the command line names, with init created but not
 * yet run. Returns only if none of them ends the boot. */
void selftest_boot(struct task *init);

#endif
