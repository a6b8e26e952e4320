/*
 * bench_paging.c - how fast the page-table mapper (src/mm/paging.c,
 * pt_space.c, pt_walk.c) is on the host, and how many table frames a
 * mapping costs with each page size.
 *
 * Method: the tables live in an 8 MiB host arena and come from the
 * counting frame source of the host tests (a stack of free frames, as cheap
 * as the kernel's bump allocator). The mapped physical addresses are never
 * touched, so they need no arena. Each workload is timed BENCH_REPS times
 * with CLOCK_MONOTONIC and the median run is printed:
 *
 *  - pt_map_range of 1 GiB (R+W, NX, global, like the direct map) with
 *    4 KiB pages (the physical address is one page off a 2 MiB boundary,
 *    so no large page fits), with 2 MiB pages (1 GiB pages not allowed)
 *    and with 1 GiB pages. The large-page runs map several 1 GiB ranges
 *    side by side so that one run lasts long enough to time;
 *  - pt_translate of random addresses in a 1 GiB mapping of 4 KiB pages
 *    (a 4-level walk) and of one 1 GiB page (a 2-level walk);
 *  - pt_for_each_mapping and the W^X audit (pt_audit_wx) over the 1 GiB
 *    mapping of 4 KiB pages: 262144 leaves.
 *
 * --quick maps 64 MiB instead of 1 GiB and runs everything once, for
 * counting instructions under callgrind.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_timer.h"
#include "counting_frames.h"
#include "host_env.h"
#include "mm/paging.h"

#define ARENA_BYTES MiB(8)
#define FIRST_FRAME MiB(1)                /* table frames come from [1 MiB, 8 MiB) */
#define VA_BASE     0xffff900000000000ULL /* 512 GiB aligned (a PML4 entry's reach) */
#define PA_BASE     GiB(4)
#define MAP_FLAGS   (PT_WRITE | PT_GLOBAL)
#define RANDOM_SEED 0x2545f4914f6cdd1dULL

/* How much work one timed run does. */
struct workload {
	uint64_t map_bytes;    /* size of each mapping (1 GiB, or 64 MiB with --quick) */
	unsigned copies_2m;    /* mappings side by side in the 2 MiB-page run */
	unsigned copies_1g;    /* ... and in the 1 GiB-page run (512 share a PDPT) */
	uint64_t translations; /* random pt_translate calls per run */
	unsigned reps;         /* timed runs; the median is reported */
};

static const struct workload full_workload = {
    .map_bytes = GiB(1), .copies_2m = 256, .copies_1g = 4096, .translations = 1000000, .reps = BENCH_REPS};
static const struct workload quick_workload = {
    .map_bytes = MiB(64), .copies_2m = 4, .copies_1g = 16, .translations = 10000, .reps = 1};

static struct counting_frames frames;

static void check(enum mm_error err, const char *what)
{
	if (err != MM_OK)
		bench_fail(what, mm_strerror(err), (unsigned long)err);
}

/* A fresh, empty address space with its root from the counting source. */
static struct pt_space new_space(bool allow_1g)
{
	struct pt_space sp;
	check(pt_space_create(&sp, &frames.source, allow_1g), "pt_space_create");
	return sp;
}

/* Give every table back; the source must then have all its frames again,
 * or the mapper leaked (and the next run would measure a fuller arena). */
static void destroy_space(struct pt_space *sp)
{
	check(pt_destroy(sp), "pt_destroy");
	if (counting_frames_outstanding(&frames) != 0) {
		fprintf(stderr, "benchmark failed: %zu table frames not returned\n",
		        counting_frames_outstanding(&frames));
		exit(1);
	}
}

/* What one run of the mapping benchmark produced. */
struct map_result {
	uint64_t pages;
	uint64_t table_frames;       /* allocated by the whole run */
	uint64_t first_range_frames; /* allocated for the first range, in the empty space */
};

/* Map `copies` ranges of `bytes` bytes to pa, 1 GiB apart from VA_BASE
 * (ranges share a PDPT in groups of 512, one PML4 entry's reach). */
static void map_copies(struct pt_space *sp, uint64_t bytes, phys_addr_t pa, unsigned copies,
                       struct map_result *r)
{
	for (unsigned c = 0; c < copies; c++) {
		struct pt_map_stats s;
		check(pt_map_range(sp, VA_BASE + c * GiB(1), pa, bytes, MAP_FLAGS, PT_TLB_IGNORE, &s),
		      "pt_map_range");
		r->pages += s.pages_4k + s.pages_2m + s.pages_1g;
		r->table_frames += s.table_frames;
		if (c == 0)
			r->first_range_frames = s.table_frames;
	}
}

/* --- The timed loops (see BENCH_LOOP) --- */

/* One page off a 2 MiB boundary: no large page fits, all are 4 KiB. */
BENCH_LOOP void loop_map_4k(struct pt_space *sp, uint64_t bytes, unsigned copies, struct map_result *r)
{
	map_copies(sp, bytes, PA_BASE + PAGE_SIZE, copies, r);
}

/* Aligned, in a space without 1 GiB pages: all 2 MiB. */
BENCH_LOOP void loop_map_2m(struct pt_space *sp, uint64_t bytes, unsigned copies, struct map_result *r)
{
	map_copies(sp, bytes, PA_BASE, copies, r);
}

/* Aligned, in a space with 1 GiB pages: one page per GiB. */
BENCH_LOOP void loop_map_1g(struct pt_space *sp, uint64_t bytes, unsigned copies, struct map_result *r)
{
	map_copies(sp, bytes, PA_BASE, copies, r);
}

static uint64_t translate_all(const struct pt_space *sp, const virt_addr_t *va, uint64_t n)
{
	uint64_t sum = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct pt_translation t;
		check(pt_translate(sp, va[i], &t), "pt_translate");
		sum += t.pa;
	}
	return sum;
}

BENCH_LOOP uint64_t loop_translate_4k(const struct pt_space *sp, const virt_addr_t *va, uint64_t n)
{
	return translate_all(sp, va, n);
}

BENCH_LOOP uint64_t loop_translate_1g(const struct pt_space *sp, const virt_addr_t *va, uint64_t n)
{
	return translate_all(sp, va, n);
}

static bool count_leaf(void *ctx, virt_addr_t va, const struct pt_translation *t)
{
	uint64_t *count = ctx;
	(*count)++;
	return true;
}

BENCH_LOOP uint64_t loop_for_each_mapping(const struct pt_space *sp)
{
	uint64_t count = 0;
	pt_for_each_mapping(sp, count_leaf, &count);
	return count;
}

BENCH_LOOP size_t loop_audit_wx(const struct pt_space *sp)
{
	return pt_audit_wx(sp, NULL, NULL);
}

/* --- The benchmarks: set up, time the loop BENCH_REPS times, check, print --- */

static void bench_map(const struct workload *w, enum pt_page_size size, unsigned copies, const char *what)
{
	/* A 1 GiB page needs a whole GiB, even with --quick. */
	uint64_t bytes = size == PT_PAGE_1G ? GiB(1) : w->map_bytes;
	struct bench_runs runs = {0};
	struct map_result r;
	for (unsigned rep = 0; rep < w->reps; rep++) {
		struct pt_space sp = new_space(size == PT_PAGE_1G);
		r = (struct map_result){0};
		uint64_t t0 = bench_now_ns();
		if (size == PT_PAGE_4K)
			loop_map_4k(&sp, bytes, copies, &r);
		else if (size == PT_PAGE_2M)
			loop_map_2m(&sp, bytes, copies, &r);
		else
			loop_map_1g(&sp, bytes, copies, &r);
		bench_runs_add(&runs, bench_now_ns() - t0);
		destroy_space(&sp);
	}
	if (r.pages != copies * (bytes / pt_page_bytes(size)))
		bench_fail("pt_map_range", "pages of another size were used; pages mapped",
		           (unsigned long)r.pages);
	char name[120], note[200];
	snprintf(name, sizeof(name), "pt_map_range of %lu MiB, %s pages", (unsigned long)(bytes >> 20), what);
	snprintf(note, sizeof(note),
	         "per page; %u range(s) per run; table frames: %lu for the first range, %lu for the run, "
	         "+ the root",
	         copies, (unsigned long)r.first_range_frames, (unsigned long)r.table_frames);
	bench_print_row(name, r.pages, bench_median(&runs), note);
}

static volatile uint64_t sink; /* keeps the compiler from dropping the work */

/* Random addresses inside [VA_BASE, VA_BASE + bytes), drawn before timing. */
static virt_addr_t *draw_addresses(uint64_t n, uint64_t bytes)
{
	virt_addr_t *va = malloc(n * sizeof(*va));
	if (!va)
		bench_fail("malloc of the addresses", "out of memory", (unsigned long)n);
	uint64_t seed = RANDOM_SEED;
	for (uint64_t i = 0; i < n; i++)
		va[i] = VA_BASE + bench_rand(&seed) % bytes;
	return va;
}

static void bench_translate(const struct workload *w, enum pt_page_size size, const char *name,
                            const char *note)
{
	struct pt_space sp = new_space(size == PT_PAGE_1G);
	uint64_t bytes = size == PT_PAGE_1G ? GiB(1) : w->map_bytes;
	phys_addr_t pa = size == PT_PAGE_4K ? PA_BASE + PAGE_SIZE : PA_BASE;
	check(pt_map_range(&sp, VA_BASE, pa, bytes, MAP_FLAGS, PT_TLB_IGNORE, NULL), "pt_map_range");
	virt_addr_t *va = draw_addresses(w->translations, bytes);
	struct bench_runs runs = {0};
	for (unsigned r = 0; r < w->reps; r++) {
		uint64_t t0 = bench_now_ns();
		sink = size == PT_PAGE_4K ? loop_translate_4k(&sp, va, w->translations)
		                          : loop_translate_1g(&sp, va, w->translations);
		bench_runs_add(&runs, bench_now_ns() - t0);
	}
	bench_print_row(name, w->translations, bench_median(&runs), note);
	free(va);
	destroy_space(&sp);
}

/* pt_for_each_mapping and pt_audit_wx over one mapping of 4 KiB pages. */
static void bench_walks(const struct workload *w)
{
	struct pt_space sp = new_space(false);
	check(pt_map_range(&sp, VA_BASE, PA_BASE + PAGE_SIZE, w->map_bytes, MAP_FLAGS, PT_TLB_IGNORE, NULL),
	      "pt_map_range");
	uint64_t leaves = w->map_bytes / PAGE_SIZE;

	struct bench_runs runs = {0};
	for (unsigned r = 0; r < w->reps; r++) {
		uint64_t t0 = bench_now_ns();
		uint64_t count = loop_for_each_mapping(&sp);
		uint64_t ns = bench_now_ns() - t0;
		if (count != leaves)
			bench_fail("pt_for_each_mapping", "wrong number of leaves visited",
			           (unsigned long)count);
		bench_runs_add(&runs, ns);
	}
	char name[120];
	snprintf(name, sizeof(name), "pt_for_each_mapping over %lu MiB of 4 KiB pages",
	         (unsigned long)(w->map_bytes >> 20));
	bench_print_row(name, leaves, bench_median(&runs), "per leaf visited");

	runs = (struct bench_runs){0};
	for (unsigned r = 0; r < w->reps; r++) {
		uint64_t t0 = bench_now_ns();
		size_t wx = loop_audit_wx(&sp);
		uint64_t ns = bench_now_ns() - t0;
		if (wx != 0)
			bench_fail("pt_audit_wx", "W+X pages in an R+W NX mapping", (unsigned long)wx);
		bench_runs_add(&runs, ns);
	}
	snprintf(name, sizeof(name), "W^X audit (pt_audit_wx) over %lu MiB of 4 KiB pages",
	         (unsigned long)(w->map_bytes >> 20));
	bench_print_row(name, leaves, bench_median(&runs), "per leaf checked; R+W NX, so 0 W+X pages");
	destroy_space(&sp);
}

int main(int argc, char **argv)
{
	bool quick = bench_parse_quick(argc, argv);
	const struct workload *w = quick ? &quick_workload : &full_workload;

	host_arena_init(ARENA_BYTES);
	counting_frames_init(&frames, FIRST_FRAME, (ARENA_BYTES - FIRST_FRAME) / PAGE_SIZE);

	bench_print_header("bench_paging: src/mm/paging.c, pt_space.c, pt_walk.c (tables in a host arena)",
	                   quick);
	bench_map(w, PT_PAGE_4K, 1, "4 KiB");
	bench_map(w, PT_PAGE_2M, w->copies_2m, "2 MiB");
	bench_map(w, PT_PAGE_1G, w->copies_1g, "1 GiB");
	char name[120];
	snprintf(name, sizeof(name), "pt_translate, random va in %lu MiB of 4 KiB pages",
	         (unsigned long)(w->map_bytes >> 20));
	bench_translate(w, PT_PAGE_4K, name, "per call; 4-level walk");
	bench_translate(w, PT_PAGE_1G, "pt_translate, random va in one 1 GiB page", "per call; 2-level walk");
	bench_walks(w);

	counting_frames_fini(&frames);
	host_arena_free();
	return 0;
}
