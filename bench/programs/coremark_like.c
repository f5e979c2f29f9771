/*
 * coremark_like.c — a program of CoreMark's kind: linked-list work, a small
 * matrix multiply, a state machine over bytes and CRC-16, on malloc'd data,
 * timed with clock_gettime and reported with printf.  The checksums must
 * equal the native build's; the time line is not compared.
 *   coremark_like [ITERATIONS] (also the WASI tests' workload)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct node {
	struct node *next;
	int32_t key, value;
} node;

static uint16_t crc16(uint16_t crc, uint8_t byte)
{
	crc ^= byte;
	for (int i = 0; i < 8; i++)
		crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa001) : (uint16_t)(crc >> 1);
	return crc;
}

static node *list_build(int n, uint32_t seed)
{
	node *head = NULL;

	for (int i = 0; i < n; i++) {
		node *x = malloc(sizeof *x);
		seed = seed * 1103515245u + 12345u;
		x->key = (int32_t)(seed >> 16) & 0x7fff;
		x->value = i;
		x->next = head;
		head = x;
	}
	return head;
}

/* Insertion sort by key: list-heavy, pointer-chasing work. */
static node *list_sort(node *head)
{
	node *sorted = NULL;

	while (head) {
		node *x = head, **p = &sorted;
		head = head->next;
		while (*p && (*p)->key < x->key)
			p = &(*p)->next;
		x->next = *p;
		*p = x;
	}
	return sorted;
}

static uint16_t list_work(int n, uint32_t seed)
{
	node *l = list_sort(list_build(n, seed));
	uint16_t crc = 0;

	while (l) {
		node *next = l->next;
		crc = crc16(crc, (uint8_t)l->key);
		crc = crc16(crc, (uint8_t)l->value);
		free(l);
		l = next;
	}
	return crc;
}

static uint16_t matrix_work(int n, int32_t seed)
{
	int32_t *a = malloc(sizeof(int32_t) * n * n), *b = malloc(sizeof(int32_t) * n * n);
	int64_t sum = 0;

	for (int i = 0; i < n * n; i++) {
		a[i] = (seed + i) % 13 - 6;
		b[i] = (seed * 3 + i) % 11 - 5;
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			int32_t s = 0;
			for (int k = 0; k < n; k++)
				s += a[i * n + k] * b[k * n + j];
			sum += s ^ (i + j);
		}
	free(a);
	free(b);
	return (uint16_t)(sum ^ (sum >> 16));
}

/* A state machine that recognises numbers in a byte stream. */
static uint16_t state_work(const char *text, size_t len)
{
	enum { START, INT, FRAC, OTHER } st = START;
	unsigned counts[4] = {0};

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		switch (st) {
		case START: st = (c >= '0' && c <= '9') ? INT : c == ' ' ? START : OTHER; break;
		case INT: st = c == '.' ? FRAC : (c >= '0' && c <= '9') ? INT : c == ' ' ? START : OTHER; break;
		case FRAC: st = (c >= '0' && c <= '9') ? FRAC : c == ' ' ? START : OTHER; break;
		case OTHER: st = c == ' ' ? START : OTHER; break;
		}
		counts[st]++;
	}
	return (uint16_t)(counts[0] * 7 + counts[1] * 5 + counts[2] * 3 + counts[3]);
}

int main(int argc, char **argv)
{
	int iterations = argc > 1 ? atoi(argv[1]) : 40;
	static const char text[] = "12 3.5 x7 99.01 abc 42 7.7.7 0 1234.5678 end ";
	struct timespec t0, t1;
	uint16_t crc = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int it = 0; it < iterations; it++) {
		crc = crc16(crc, (uint8_t)list_work(2000, (uint32_t)it));
		crc = crc16(crc, (uint8_t)matrix_work(40, it));
		for (int k = 0; k < 200; k++)
			crc = crc16(crc, (uint8_t)state_work(text, sizeof text - 1));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("iterations: %d\n", iterations);
	printf("crc: 0x%04x\n", crc);
	fprintf(stderr, "time: %.3f s\n",
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
