# SPDX-License-Identifier: MIT
# Flags and helpers for freestanding targets built with the host gcc.
# Kernel: no red zone (interrupts push onto the current stack), kernel code
# model (linked at -2 GiB), no SSE (the kernel never saves its own FPU state),
# frame pointers for backtraces. User: static, non-PIC, linked at 4 MiB.

set(UK_WARNINGS -Wall -Wextra -Werror -Wshadow -Wundef -Wmissing-prototypes
    -Wcast-align -Wswitch-default -Wno-unused-parameter)

# gcc's own freestanding headers (stddef.h, stdint.h, stdarg.h) are the only
# system headers freestanding code sees.
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
                OUTPUT_VARIABLE UK_GCC_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE)

set(UK_COMMON_FLAGS -ffreestanding -fno-builtin -nostdinc -fno-stack-protector
    -fno-pic -fno-pie -fno-omit-frame-pointer -fno-asynchronous-unwind-tables
    -fno-strict-aliasing)

set(UK_KERNEL_CFLAGS ${UK_COMMON_FLAGS} -isystem ${UK_GCC_INCLUDE}
    -mno-red-zone -mcmodel=kernel -mgeneral-regs-only -mno-sse -mno-mmx
    -DUK_KERNEL=1 ${UK_WARNINGS} -O2 -g -flto)
set(UK_USER_CFLAGS ${UK_COMMON_FLAGS} -isystem ${UK_GCC_INCLUDE}
    ${UK_WARNINGS} -O2 -g)

# Freestanding libc subset, compiled once for the kernel and once for users.
set(UK_LIBC_SOURCES
    ${CMAKE_SOURCE_DIR}/lib/c/string.c
    ${CMAKE_SOURCE_DIR}/lib/c/fmt.c
    ${CMAKE_SOURCE_DIR}/lib/c/cpio.c
    ${CMAKE_SOURCE_DIR}/lib/c/cmdline.c)

# uk_user_program(NAME SOURCES...): a static user ELF linked with the runtime.
function(uk_user_program name)
  add_executable(${name} ${ARGN})
  target_compile_options(${name} PRIVATE ${UK_USER_CFLAGS})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/include
                             ${CMAKE_SOURCE_DIR}/lib/c/include
                             ${CMAKE_SOURCE_DIR}/lib/uk/include
                             ${CMAKE_SOURCE_DIR}/lib/posix/include)
  target_link_options(${name} PRIVATE -nostdlib -static -no-pie
                      -Wl,--build-id=none -Wl,-z,max-page-size=0x1000
                      -Wl,-Ttext-segment=0x400000)
  target_link_libraries(${name} PRIVATE uk_user_runtime)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                        ${CMAKE_BINARY_DIR}/bin)
  if(NOT name STREQUAL "init")
    set_property(GLOBAL APPEND PROPERTY UK_ARCHIVE_PROGRAMS ${name})
  endif()
endfunction()
