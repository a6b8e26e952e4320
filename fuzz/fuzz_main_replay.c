/*
 * fuzz_main_replay.c - a plain main() for fuzz targets, so they build and
 * run with GCC too: runs LLVMFuzzerTestOneInput() over every file named on
 * the command line (a directory stands for the files in it).
 *
 * With --mutate, each input is also run truncated at every length and with
 * each byte in turn inverted: a cheap, deterministic sweep that reaches the
 * parser's refusal paths without libFuzzer.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int mutate;
static unsigned long runs;

static void run(const uint8_t *data, size_t size)
{
	LLVMFuzzerTestOneInput(data, size);
	runs++;
}

static void run_with_mutations(uint8_t *data, size_t size)
{
	run(data, size);
	if (!mutate)
		return;
	for (size_t len = 0; len < size; len++)
		run(data, len);
	for (size_t i = 0; i < size; i++) {
		data[i] ^= 0xff;
		run(data, size);
		data[i] ^= 0xff;
	}
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	uint8_t *data = NULL;
	size_t size = 0, cap = 0;
	for (;;) {
		if (size == cap) {
			cap = cap ? cap * 2 : 4096;
			data = realloc(data, cap);
			if (!data) {
				fprintf(stderr, "%s: out of memory\n", path);
				exit(1);
			}
		}
		size_t n = fread(data + size, 1, cap - size, f);
		if (n == 0)
			break;
		size += n;
	}
	fclose(f);
	run_with_mutations(data, size);
	free(data);
	return 0;
}

static int replay_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	DIR *dir = opendir(path);
	if (!dir) {
		perror(path);
		return -1;
	}
	int result = 0;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] == '.')
			continue;
		char child[4096];
		snprintf(child, sizeof(child), "%s/%s", path, entry->d_name);
		if (replay_path(child) != 0)
			result = -1;
	}
	closedir(dir);
	return result;
}

int main(int argc, char **argv)
{
	int result = 0, inputs = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--mutate") == 0) {
			mutate = 1;
			continue;
		}
		inputs++;
		if (replay_path(argv[i]) != 0)
			result = 1;
	}
	if (inputs == 0) {
		fprintf(stderr, "usage: %s [--mutate] file-or-directory...\n", argv[0]);
		return 2;
	}
	if (runs == 0) {
		fprintf(stderr, "%s: no inputs found\n", argv[0]);
		return 1;
	}
	printf("%s: %lu runs, no crash\n", argv[0], runs);
	return result;
}
