/* strings.c — string processing: build a text of words, count word
 * frequencies in an open-addressing hash table, search substrings,
 * reverse words in place.  strings [ROUNDS] (default 30) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT (1 << 20)
#define SLOTS 8192

static char text[TEXT + 1];
static struct slot {
	char word[16];
	unsigned count;
} table[SLOTS];

static uint32_t hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

int main(int argc, char **argv)
{
	static const char *const syll[] = {"ka", "lo", "mi", "ne", "su", "ta", "ri", "po"};
	int rounds = argc > 1 ? atoi(argv[1]) : 30;
	uint32_t seed = 99, sum = 0;
	size_t len = 0;

	while (len < TEXT - 16) {
		int n = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 4;
		for (int i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			memcpy(text + len, syll[(seed >> 16) % 8], 2);
			len += 2;
		}
		text[len++] = ' ';
	}
	text[len] = 0;
	for (int r = 0; r < rounds; r++) {
		memset(table, 0, sizeof table);
		for (char *p = text; *p;) {
			char *end = strchr(p, ' ');
			size_t n = (size_t)(end - p);
			uint32_t h = hash(p, n) % SLOTS;
			while (table[h].count && (strlen(table[h].word) != n ||
						  memcmp(table[h].word, p, n)))
				h = (h + 1) % SLOTS;
			memcpy(table[h].word, p, n);
			table[h].count++;
			p = end + 1;
		}
		unsigned best = 0;
		for (int i = 0; i < SLOTS; i++)
			best = table[i].count > best ? table[i].count : best;
		unsigned found = 0;
		for (const char *p = text; (p = strstr(p, "sutaka")) != NULL; p++)
			found++;
		for (char *p = text; *p;) {	/* reverse each word */
			char *end = strchr(p, ' ');
			for (char *a = p, *b = end - 1; a < b; a++, b--) {
				char t = *a;
				*a = *b;
				*b = t;
			}
			p = end + 1;
		}
		sum = sum * 31 + best * 7 + found + (uint8_t)text[r * 1001];
	}
	printf("strings: %u\n", sum);
	return 0;
}
