/*
 * tail_call.c — C built with clang's -mtail-call (cli_features): the
 * mutual recursion below is marked musttail, which clang 14 compiles to
 * return_call, so 10,000,000 calls deep run in constant stack.
 */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static int is_odd(long n);

__attribute__((noinline)) static int is_even(long n)
{
	if (n == 0)
		return 1;
	__attribute__((musttail)) return is_odd(n - 1);
}

__attribute__((noinline)) static int is_odd(long n)
{
	if (n == 0)
		return 0;
	__attribute__((musttail)) return is_even(n - 1);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000000;

	printf("%ld is %s\n", n, is_even(n) ? "even" : "odd");
	return 0;
}
