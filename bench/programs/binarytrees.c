/* binarytrees.c — malloc-heavy code: many short-lived binary trees built
 * and checked, one long-lived.  binarytrees [DEPTH] (default 16) */
#include <stdio.h>
#include <stdlib.h>

typedef struct tree {
	struct tree *left, *right;
} tree;

static tree *make(int depth)
{
	tree *t = malloc(sizeof *t);

	if (!t)
		exit(1);
	t->left = depth > 0 ? make(depth - 1) : NULL;
	t->right = depth > 0 ? make(depth - 1) : NULL;
	return t;
}

static long check(const tree *t)
{
	return 1 + (t->left ? check(t->left) + check(t->right) : 0);
}

static void release(tree *t)
{
	if (t->left) {
		release(t->left);
		release(t->right);
	}
	free(t);
}

int main(int argc, char **argv)
{
	int max = argc > 1 ? atoi(argv[1]) : 16;
	tree *keep = make(max);
	long total = 0;

	for (int d = 4; d <= max; d += 2) {
		long n = 1L << (max - d + 4);
		for (long i = 0; i < n; i++) {
			tree *t = make(d);
			total += check(t);
			release(t);
		}
	}
	printf("binarytrees %d: %ld nodes checked, long-lived %ld\n", max, total, check(keep));
	release(keep);
	return 0;
}
