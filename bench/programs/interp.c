/* interp.c — a bytecode interpreter: a stack machine dispatched by a
 * switch in a loop (wasm: br_table), running a program that sums a
 * series with nested loops.  interp [N] (default 3000) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum op { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, XOR, SHR, LT, JZ, JMP, DUP, POP, HALT };

typedef struct insn {
	uint8_t op;
	int32_t arg;
} insn;

static int64_t run(const insn *code, int64_t *vars)
{
	int64_t stack[64], *sp = stack;

	for (const insn *pc = code;; pc++) {
		switch ((enum op)pc->op) {
		case PUSH: *sp++ = pc->arg; break;
		case LOAD: *sp++ = vars[pc->arg]; break;
		case STORE: vars[pc->arg] = *--sp; break;
		case ADD: sp--; sp[-1] += sp[0]; break;
		case SUB: sp--; sp[-1] -= sp[0]; break;
		case MUL: sp--; sp[-1] *= sp[0]; break;
		case MOD: sp--; sp[-1] %= sp[0]; break;
		case XOR: sp--; sp[-1] ^= sp[0]; break;
		case SHR: sp--; sp[-1] >>= sp[0]; break;
		case LT: sp--; sp[-1] = sp[-1] < sp[0]; break;
		case JZ: if (!*--sp) pc = code + pc->arg - 1; break;
		case JMP: pc = code + pc->arg - 1; break;
		case DUP: sp[0] = sp[-1]; sp++; break;
		case POP: sp--; break;
		case HALT: return vars[0];
		}
	}
}

int main(int argc, char **argv)
{
	int32_t n = argc > 1 ? atoi(argv[1]) : 3000;
	/* v0 = acc, v1 = i, v2 = j, v3 = n:
	 * for (i = 0; i < n; i++) for (j = 0; j < n; j++)
	 *     acc = (acc ^ (i * j + j)) * 3 % 1000003 + (acc >> 3) */
	insn prog[64];
	int k = 0;
#define E(o, a) prog[k++] = (insn){o, a}
	E(PUSH, 0); E(STORE, 1);				/* i = 0 */
	int outer = k;
	E(LOAD, 1); E(LOAD, 3); E(LT, 0);
	int outer_exit = k; E(JZ, 0);
	E(PUSH, 0); E(STORE, 2);				/* j = 0 */
	int inner = k;
	E(LOAD, 2); E(LOAD, 3); E(LT, 0);
	int inner_exit = k; E(JZ, 0);
	E(LOAD, 0); E(LOAD, 1); E(LOAD, 2); E(MUL, 0); E(LOAD, 2); E(ADD, 0); E(XOR, 0);
	E(PUSH, 3); E(MUL, 0); E(PUSH, 1000003); E(MOD, 0);
	E(LOAD, 0); E(PUSH, 3); E(SHR, 0); E(ADD, 0); E(STORE, 0);
	E(LOAD, 2); E(PUSH, 1); E(ADD, 0); E(STORE, 2); E(JMP, inner);
	prog[inner_exit].arg = k;
	E(LOAD, 1); E(PUSH, 1); E(ADD, 0); E(STORE, 1); E(JMP, outer);
	prog[outer_exit].arg = k;
	E(HALT, 0);
	int64_t vars[4] = {1, 0, 0, n};
	printf("interp %d: %lld\n", (int)n, (long long)run(prog, vars));
	return 0;
}
