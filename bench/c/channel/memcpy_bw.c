/*
 * The reference for the zero-copy target: single-thread memcpy bandwidth for SIZE-byte blocks.
 * "hot": the same SIZE bytes copied again and again (caches warm); "ring": blocks taken in turn from a
 * WORKSET-byte source, as a channel's ring is walked, into one SIZE-byte destination.
 *
 *   memcpy_bw SIZE WORKSET BYTES [hot|ring]   prints "hot_bytes_per_s X" and/or "ring_bytes_per_s Y"
 */
#include "common.h"

static double run(unsigned char *src, size_t workset, unsigned char *dst, size_t size, uint64_t total)
{
    uint64_t blocks = total / size, start = now_ns();
    size_t offset = 0;
    for (uint64_t i = 0; i < blocks; i++) {
        memcpy(dst, src + offset, size);
        __asm__ volatile("" : : "r"(dst) : "memory");
        offset += size;
        if (offset + size > workset) offset = 0;
    }
    return (double)(blocks * size) / ((double)(now_ns() - start) / 1e9);
}

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: memcpy_bw SIZE WORKSET BYTES [hot|ring]\n"); return 2; }
    const char *only = argc > 4 ? argv[4] : "";
    size_t size = (size_t)atol(argv[1]), workset = (size_t)atol(argv[2]);
    uint64_t total = (uint64_t)atoll(argv[3]);
    unsigned char *src = aligned_alloc(4096, workset), *dst = aligned_alloc(4096, size);
    memset(src, 1, workset); memset(dst, 2, size);
    run(src, size, dst, size, total / 4); /* warm-up */
    if (strcmp(only, "ring") != 0) printf("hot_bytes_per_s %.0f\n", run(src, size, dst, size, total));
    if (strcmp(only, "hot") != 0) printf("ring_bytes_per_s %.0f\n", run(src, workset, dst, size, total));
    return 0;
}
