# SPDX-License-Identifier: MIT
# Tests of the kernel's CPU set-up (included by CMakeLists.txt).
