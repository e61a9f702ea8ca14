# SPDX-License-Identifier: MIT
# Tests of the kernel's CPU set-up (included by CMakeLists.txt). TCG's
# -cpu max implements and enforces SMEP, SMAP and UMIP; QEMU's default CPU
# (qemu64) has none of them, so the same kernel must boot there without
# ever executing stac or clac (every other test runs on it). Each test
# below fails if its protection is missing: the kernel does what the
# protection forbids and the test expects the fault.
set(UK_CPU_MAX --qemu-arg -cpu --qemu-arg max)

# The kernel reads a user page outside the copy window: SMAP must stop it
# with a page fault (present, read, supervisor) at that address.
uk_qemu_test(cpu.smap_blocks_kernel_access ${UK_CPU_MAX}
             --append "node=1 selftest_smap" --exit panic --timeout 60
             --expect "cpu: " --expect "enabled nx smep smap umip pge"
             --expect "kernel exception 14 (page fault)"
             --expect "page fault at 0000100000000000: protection violation, read, supervisor mode"
             --expect "KERNEL PANIC: exception 14"
             --reject "SMAP did not stop it")
# A CPU without SMAP cannot pass that self-test by doing nothing.
uk_qemu_test(cpu.smap_selftest_fails_without_smap
             --append "node=1 selftest_smap" --exit fail --timeout 60
             --expect "selftest_smap: SMAP not available"
             --reject "KERNEL PANIC")
# The kernel calls into an executable user page: SMEP must stop the fetch.
uk_qemu_test(cpu.smep_blocks_kernel_exec ${UK_CPU_MAX}
             --append "node=1 selftest_smep" --exit panic --timeout 60
             --expect "kernel exception 14 (page fault)"
             --expect "page fault at 0000100000000000: protection violation, instruction fetch, supervisor mode"
             --expect "KERNEL PANIC: exception 14"
             --reject "SMEP did not stop it")
# sgdt in user mode: UMIP turns the leak of the GDT's address into #GP.
uk_qemu_test(cpu.umip_blocks_sgdt ${UK_CPU_MAX}
             --append "node=1 test=hostile:sgdt" --exit fail --timeout 60
             --expect "init: test hostile crashed (vector 13")
# Every present entry of the kernel's tables and of init's against the
# reserved bits of this CPU (MAXPHYADDR, NXE), on the default CPU, on
# -cpu max, without NX (bit 63 then reserved: no entry may set it) and
# with a 36-bit physical address width.
uk_qemu_test(cpu.paging_audit --append "node=1 selftest_paging"
             --until "init: ready" --timeout 60
             --expect "paging: audit passed" --expect "entries (kernel and init)")
uk_qemu_test(cpu.paging_audit.cpumax ${UK_CPU_MAX} --append "node=1 selftest_paging"
             --until "init: ready" --timeout 60
             --expect "enabled nx smep smap umip pge"
             --expect "paging: audit passed" --expect "entries (kernel and init)")
uk_qemu_test(cpu.paging_audit.no_nx --qemu-arg -cpu --qemu-arg qemu64,-nx
             --append "node=1 selftest_paging" --until "init: ready" --timeout 60
             --expect "enabled pge" --expect "entries (kernel and init)")
uk_qemu_test(cpu.paging_audit.phys_bits_36
             --qemu-arg -cpu --qemu-arg max,phys-bits=36
             --append "node=1 selftest_paging" --until "init: ready" --timeout 60
             --expect "maxphyaddr 36" --expect "entries (kernel and init)")
# The audit is not vacuous: an entry with a reserved bit is found and named.
uk_qemu_test(cpu.paging_audit_finds_reserved_bit
             --append "node=1 selftest_paging_bad" --exit panic --timeout 60
             --expect "KERNEL PANIC: paging audit: PML4[300]"
             --expect "bit 7 set in a PML4E (reserved)")
# guest.ktest.cpumax and guest.fuzz.cpumax (uk_qemu_guest_test in
# CMakeLists.txt) run the whole in-guest suite and the fuzzer with SMEP,
# SMAP and UMIP on: the copy window works and nothing else touches user
# memory.
