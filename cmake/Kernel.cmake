# Kernel.cmake - compiler and linker flags for the freestanding kernel, with
# GCC or Clang (the compiler CMake was configured with builds both the kernel
# and the host programs; the presets pick one).

# The debug preset turns this on: -Og and no inlining at all, so that every
# function of the allocators (buddy_alloc_pages, memblock_alloc, ...) keeps
# its own frame, GDB's `step` enters it and `finish` returns from it, and
# locals are rarely "optimized out" (docs/11-gdb.md). The kernel then runs
# slower; the contracts (serial lines, exit codes) are the same.
option(STAGEOS_KERNEL_DEBUG "Build the kernel for stepping in GDB: -Og, no inlining" OFF)
if(STAGEOS_KERNEL_DEBUG)
  set(STAGEOS_KERNEL_OPTIMIZE -Og -fno-inline -DMM_NO_FORCED_INLINE)
else()
  set(STAGEOS_KERNEL_OPTIMIZE -O2)
endif()

set(STAGEOS_KERNEL_CFLAGS
    -ffreestanding -fno-stack-protector -fno-pic -fno-pie
    -mcmodel=kernel      # the image lives in the top 2 GiB
    -mno-red-zone        # interrupts would clobber the red zone below RSP
    -mno-mmx -mno-sse -mno-sse2 -mno-3dnow -mno-avx  # no FPU/SIMD state to save
    -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-omit-frame-pointer
    ${STAGEOS_KERNEL_OPTIMIZE} -g
    -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter)

set(STAGEOS_KERNEL_LDFLAGS -nostdlib -static -Wl,-z,max-page-size=0x1000 -Wl,--build-id=none
    -Wl,-z,noexecstack)
if(CMAKE_C_COMPILER_ID STREQUAL "Clang")
  list(APPEND STAGEOS_KERNEL_LDFLAGS -fuse-ld=lld)
else()
  list(APPEND STAGEOS_KERNEL_LDFLAGS -no-pie) # Debian's GCC links PIE by default
endif()
