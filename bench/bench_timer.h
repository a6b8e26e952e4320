/*
 * bench_timer.h - the clock, the random numbers, the command line and the
 * table format shared by the host benchmarks in bench/.
 *
 * Every benchmark reports the median of BENCH_REPS timed runs: the run in the
 * middle, with as many runs slower as faster. It says what a typical run
 * costs: one run slowed down by other work on a shared machine, or one
 * unusually lucky run, does not move it (it would move the mean, and the
 * lucky one would be the fastest). Setup and teardown stay outside the
 * timed part. The figures are for reading and comparing by a
 * person, never for a pass/fail check (see docs/13-benchmarks.md).
 */
#ifndef BENCH_TIMER_H
#define BENCH_TIMER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_REPS 5 /* timed runs per benchmark; the median is reported (an odd number) */

/* Marks the function that holds one benchmark's timed loop. Never inlined,
 * so that callgrind_annotate --inclusive=yes reports the loop's instruction
 * count under the function's name (all of them start with loop_). */
#define BENCH_LOOP static __attribute__((noinline))

/* Nanoseconds on the monotonic clock (unaffected by changes of the date). */
static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A small, fast, deterministic pseudo-random generator (xorshift64): the
 * same seed gives the same workload on every run and under callgrind.
 * state: must not be 0. Returns the next 64-bit value. */
static inline uint64_t bench_rand(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* The times of one benchmark's runs, for bench_median(). */
struct bench_runs {
	unsigned count;
	uint64_t ns[BENCH_REPS];
};

/* Record one run's duration (runs beyond BENCH_REPS are ignored). */
static inline void bench_runs_add(struct bench_runs *r, uint64_t ns)
{
	if (r->count < BENCH_REPS)
		r->ns[r->count++] = ns;
}

/* The median of the recorded runs: the middle one once they are sorted (an
 * insertion sort: there are at most BENCH_REPS), or the mean of the two
 * middle ones for an even count; 0 for none. Sorts r->ns. */
static inline uint64_t bench_median(struct bench_runs *r)
{
	for (unsigned i = 1; i < r->count; i++) {
		uint64_t v = r->ns[i];
		unsigned j = i;
		for (; j > 0 && r->ns[j - 1] > v; j--)
			r->ns[j] = r->ns[j - 1];
		r->ns[j] = v;
	}
	if (r->count == 0)
		return 0;
	unsigned mid = r->count / 2;
	return r->count % 2 ? r->ns[mid] : (r->ns[mid - 1] + r->ns[mid]) / 2;
}

/* Read the command line: no argument runs the full workload, --quick the
 * small fixed one meant for callgrind. Anything else prints the usage and
 * exits with status 2. Returns true for --quick. */
static inline bool bench_parse_quick(int argc, char **argv)
{
	if (argc == 1)
		return false;
	if (argc == 2 && strcmp(argv[1], "--quick") == 0)
		return true;
	fprintf(stderr, "usage: %s [--quick]\n  --quick  one run of a small fixed workload (for callgrind)\n",
	        argv[0]);
	exit(2);
}

/* Stop the benchmark with a message: a benchmark whose workload failed has
 * no figure worth printing. what: the step that failed; why: how (an
 * mm_strerror() text or a description); value: the value in question. */
static inline void bench_fail(const char *what, const char *why, unsigned long value)
{
	fprintf(stderr, "benchmark failed: %s: %s (0x%lx)\n", what, why, value);
	exit(1);
}

/* Print a heading and the header of the Markdown table. title: one line
 * saying what the program measures. */
static inline void bench_print_header(const char *title, bool quick)
{
	printf("\n%s%s\n\n", title,
	       quick ? " (--quick: one run of a small workload; time is not meaningful)" : "");
	printf("| benchmark | operations | ns/op (median of %d) | ops/s | notes |\n", quick ? 1 : BENCH_REPS);
	printf("|---|---:|---:|---:|---|\n");
}

/* Print one row. ops: operations in one timed run; run_ns: the median
 * run's duration; note: anything else worth saying (may be ""). */
static inline void bench_print_row(const char *name, uint64_t ops, uint64_t run_ns, const char *note)
{
	double ns_per_op = ops ? (double)run_ns / (double)ops : 0.0;
	double ops_per_s = run_ns ? (double)ops * 1e9 / (double)run_ns : 0.0;
	printf("| %s | %lu | %.1f | %.3g | %s |\n", name, (unsigned long)ops, ns_per_op, ops_per_s, note);
}

#endif /* BENCH_TIMER_H */
