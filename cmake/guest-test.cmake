# SPDX-License-Identifier: MIT
# uk_guest_test(NAME COMMAND...): a whole-system test that boots guests
# through the harness (tests/harness/qemu-run.c), registered three times:
#   NAME         under TCG and QEMU's default CPU (or $UK_ACCEL, $UK_CPU)
#   NAME.kvm     under KVM, labelled kvm; reported as skipped (77) where
#                this host cannot run KVM guests, never as passed
#   NAME.cpumax  under TCG with -cpu max, which implements and enforces
#                more CPU features (SMEP, SMAP, UMIP, ...), labelled cpumax
# Each variant keeps its own serial log (UK_LOG_TAG: NAME.kvm.log).
function(uk_guest_test name)
  add_test(NAME ${name} COMMAND ${ARGN})
  add_test(NAME ${name}.kvm COMMAND ${ARGN})
  set_tests_properties(${name}.kvm PROPERTIES
    ENVIRONMENT "UK_ACCEL=kvm;UK_LOG_TAG=kvm" SKIP_RETURN_CODE 77 LABELS kvm)
  add_test(NAME ${name}.cpumax COMMAND ${ARGN})
  set_tests_properties(${name}.cpumax PROPERTIES
    ENVIRONMENT "UK_CPU=max;UK_LOG_TAG=cpumax" LABELS cpumax)
endfunction()
