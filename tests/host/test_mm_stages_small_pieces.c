/*
 * test_mm_stages_small_pieces.c - test_mm_stages.c again, with the stress
 * test's frame bitmap cut into pieces of 4096 frames (CMake defines
 * BITS_PER_PIECE for this target), so the 64 MiB arena needs four pieces:
 * the path a machine over 128 GiB takes, at a size a host test can afford.
 */
#include "test_mm_stages.c"
