# Kernel.cmake - compiler and linker flags for the freestanding kernel, with
# GCC or Clang (the compiler CMake was configured with builds both the kernel
# and the host programs; the presets pick one).

set(STAGEOS_KERNEL_CFLAGS
    -ffreestanding -fno-stack-protector -fno-pic -fno-pie
    -mcmodel=kernel      # the image lives in the top 2 GiB
    -mno-red-zone        # interrupts would clobber the red zone below RSP
    -mno-mmx -mno-sse -mno-sse2 -mno-3dnow -mno-avx  # no FPU/SIMD state to save
    -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-omit-frame-pointer
    -O2 -g
    -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter)

set(STAGEOS_KERNEL_LDFLAGS -nostdlib -static -Wl,-z,max-page-size=0x1000 -Wl,--build-id=none
    -Wl,-z,noexecstack)
if(CMAKE_C_COMPILER_ID STREQUAL "Clang")
  list(APPEND STAGEOS_KERNEL_LDFLAGS -fuse-ld=lld)
else()
  list(APPEND STAGEOS_KERNEL_LDFLAGS -no-pie) # Debian's GCC links PIE by default
endif()
