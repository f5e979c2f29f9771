/* regex.c — a regex engine as grep or a log filter runs one: patterns
 * parsed to a tree, compiled to a program for a backtracking matcher that
 * remembers the states it has failed from (like RE2's BitState, so no
 * pattern goes exponential), with captures, a literal first-byte scan, and
 * every match of every pattern found on each line of a generated log.
 * Syntax: literals, \. \d \w \s, ., [a-z] and [^...], * + ? (and their lazy
 * forms *? +? ??), |, (groups), ^ and $.  regex [LINES] (default 50000) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *why)
{
	fprintf(stderr, "regex: %s\n", why);
	exit(1);
}

/* ---- the pattern tree ---- */

enum kind { R_LIT, R_ANY, R_CLASS, R_CAT, R_ALT, R_STAR, R_PLUS, R_QUEST, R_GROUP, R_BOL, R_EOL, R_EMPTY };

typedef struct re {
	enum kind kind;
	int c;			/* R_LIT: the byte; R_CLASS: its set; R_GROUP: its number */
	int lazy;		/* quantifiers: prefer fewer */
	struct re *l, *r;
} re;

#define MAXNODE 512
#define MAXSET 64

typedef struct parser {
	const char *s;
	re node[MAXNODE];
	int nnode, ngroup;
	uint8_t set[MAXSET][32];	/* byte sets, one bit per byte */
	int nset;
} parser;

static re *mk(parser *p, enum kind kind, re *l, re *r)
{
	if (p->nnode == MAXNODE)
		die("pattern too large");
	re *n = &p->node[p->nnode++];
	*n = (re){.kind = kind, .l = l, .r = r};
	return n;
}

static int new_set(parser *p)
{
	if (p->nset == MAXSET)
		die("too many classes");
	memset(p->set[p->nset], 0, 32);
	return p->nset++;
}

static void set_range(uint8_t *set, int lo, int hi)
{
	for (int c = lo; c <= hi; c++)
		set[c >> 3] |= (uint8_t)(1 << (c & 7));
}

/* \d \w \s into SET; returns 0 for any other escape. */
static int escape_class(uint8_t *set, int c)
{
	switch (c) {
	case 'd': set_range(set, '0', '9'); return 1;
	case 'w': set_range(set, 'a', 'z'); set_range(set, 'A', 'Z');
		  set_range(set, '0', '9'); set_range(set, '_', '_'); return 1;
	case 's': set_range(set, ' ', ' '); set_range(set, '\t', '\r'); return 1;
	default: return 0;
	}
}

static re *parse_class(parser *p)
{
	int k = new_set(p), negate = *p->s == '^';
	uint8_t *set = p->set[k];

	p->s += negate;
	do {
		int lo = (uint8_t)*p->s++;
		if (!lo)
			die("missing ]");
		if (lo == '\\' && escape_class(set, *p->s)) {
			p->s++;
			continue;
		}
		if (lo == '\\')
			lo = (uint8_t)*p->s++;
		int hi = lo;
		if (p->s[0] == '-' && p->s[1] && p->s[1] != ']') {
			hi = (uint8_t)p->s[1];
			p->s += 2;
		}
		set_range(set, lo, hi);
	} while (*p->s != ']');
	p->s++;
	if (negate)
		for (int i = 0; i < 32; i++)
			set[i] = (uint8_t)~set[i];
	re *n = mk(p, R_CLASS, NULL, NULL);
	n->c = k;
	return n;
}

static re *parse_alt(parser *p);

static re *parse_atom(parser *p)
{
	int c = (uint8_t)*p->s++;
	re *n;

	switch (c) {
	case '.': return mk(p, R_ANY, NULL, NULL);
	case '^': return mk(p, R_BOL, NULL, NULL);
	case '$': return mk(p, R_EOL, NULL, NULL);
	case '[': return parse_class(p);
	case '(':
		n = mk(p, R_GROUP, parse_alt(p), NULL);
		n->c = ++p->ngroup;
		if (*p->s++ != ')')
			die("missing )");
		return n;
	case '\\':
		c = (uint8_t)*p->s++;
		if (!c)
			die("trailing \\");
		int k = new_set(p);
		if (escape_class(p->set[k], c)) {
			n = mk(p, R_CLASS, NULL, NULL);
			n->c = k;
			return n;
		}
		p->nset--;
		break;
	}
	n = mk(p, R_LIT, NULL, NULL);
	n->c = c;
	return n;
}

static re *parse_repeat(parser *p)
{
	re *n = parse_atom(p);

	for (;;) {
		enum kind k;
		switch (*p->s) {
		case '*': k = R_STAR; break;
		case '+': k = R_PLUS; break;
		case '?': k = R_QUEST; break;
		default: return n;
		}
		n = mk(p, k, n, NULL);
		if (*++p->s == '?') {
			n->lazy = 1;
			p->s++;
		}
	}
}

static re *parse_cat(parser *p)
{
	re *n = NULL;

	while (*p->s && *p->s != '|' && *p->s != ')') {
		re *a = parse_repeat(p);
		n = n ? mk(p, R_CAT, n, a) : a;
	}
	return n ? n : mk(p, R_EMPTY, NULL, NULL);
}

static re *parse_alt(parser *p)
{
	re *n = parse_cat(p);

	while (*p->s == '|') {
		p->s++;
		n = mk(p, R_ALT, n, parse_cat(p));
	}
	return n;
}

/* ---- the program ---- */

enum opcode { I_CHAR, I_ANY, I_CLASS, I_SPLIT, I_JMP, I_SAVE, I_BOL, I_EOL, I_MATCH };

typedef struct inst {
	uint8_t op;
	int16_t x, y;		/* byte, set, slot or the preferred target; y: the other */
} inst;

#define MAXPROG 1024
#define NSLOT 10		/* the match and four groups, start and end each */

typedef struct prog {
	inst code[MAXPROG];
	int n, first;		/* first: the byte every match starts with, or -1 */
	uint8_t set[MAXSET][32];
} prog;

static int emit(prog *g, int op, int x, int y)
{
	if (g->n == MAXPROG)
		die("program too large");
	g->code[g->n] = (inst){(uint8_t)op, (int16_t)x, (int16_t)y};
	return g->n++;
}

static void prefer(prog *g, int split, int a, int b, int lazy)
{
	g->code[split].x = (int16_t)(lazy ? b : a);
	g->code[split].y = (int16_t)(lazy ? a : b);
}

static void comp(prog *g, const re *n)
{
	int s, j;

	switch (n->kind) {
	case R_LIT: emit(g, I_CHAR, n->c, 0); break;
	case R_ANY: emit(g, I_ANY, 0, 0); break;
	case R_CLASS: emit(g, I_CLASS, n->c, 0); break;
	case R_BOL: emit(g, I_BOL, 0, 0); break;
	case R_EOL: emit(g, I_EOL, 0, 0); break;
	case R_EMPTY: break;
	case R_CAT: comp(g, n->l); comp(g, n->r); break;
	case R_ALT:
		s = emit(g, I_SPLIT, 0, 0);
		comp(g, n->l);
		j = emit(g, I_JMP, 0, 0);
		prefer(g, s, s + 1, g->n, 0);
		comp(g, n->r);
		g->code[j].x = (int16_t)g->n;
		break;
	case R_STAR:
		s = emit(g, I_SPLIT, 0, 0);
		comp(g, n->l);
		emit(g, I_JMP, s, 0);
		prefer(g, s, s + 1, g->n, n->lazy);
		break;
	case R_PLUS:
		j = g->n;
		comp(g, n->l);
		s = emit(g, I_SPLIT, 0, 0);
		prefer(g, s, j, g->n, n->lazy);
		break;
	case R_QUEST:
		s = emit(g, I_SPLIT, 0, 0);
		comp(g, n->l);
		prefer(g, s, s + 1, g->n, n->lazy);
		break;
	case R_GROUP:
		if (n->c >= NSLOT / 2)
			die("too many groups");
		emit(g, I_SAVE, 2 * n->c, 0);
		comp(g, n->l);
		emit(g, I_SAVE, 2 * n->c + 1, 0);
		break;
	}
}

static void compile(prog *g, const char *pattern)
{
	static parser p;

	memset(&p, 0, sizeof p);
	p.s = pattern;
	re *tree = parse_alt(&p);
	if (*p.s)
		die("unbalanced )");
	g->n = 0;
	emit(g, I_SAVE, 0, 0);
	comp(g, tree);
	emit(g, I_SAVE, 1, 0);
	emit(g, I_MATCH, 0, 0);
	memcpy(g->set, p.set, sizeof g->set);
	g->first = g->code[1].op == I_CHAR ? g->code[1].x : -1;
}

/* ---- the matcher: depth-first over the program, leftmost-first like
 * Perl; a (pc, position) state that was explored once is never explored
 * again, as from there it failed (or, after a match, the bits are
 * cleared) ---- */

typedef struct job {
	int pc, pos;		/* pc < 0: restore slot ~pc to pos */
} job;

typedef struct matcher {
	const prog *g;
	const uint8_t *s;
	int len, slot[NSLOT];
	uint32_t *seen;
	size_t nseen;
	job *stack;
	int njob, cap;
} matcher;

static void push(matcher *m, int pc, int pos)
{
	if (m->njob == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->stack = realloc(m->stack, (size_t)m->cap * sizeof *m->stack);
		if (!m->stack)
			die("out of memory");
	}
	m->stack[m->njob++] = (job){pc, pos};
}

static void reset_seen(matcher *m)
{
	size_t words = ((size_t)m->g->n * (size_t)(m->len + 1) + 31) / 32;

	if (words > m->nseen) {
		free(m->seen);
		m->seen = malloc(words * sizeof *m->seen);
		if (!m->seen)
			die("out of memory");
		m->nseen = words;
	}
	memset(m->seen, 0, words * sizeof *m->seen);
}

static int run(matcher *m, int start)
{
	const inst *code = m->g->code;
	const uint8_t *s = m->s;
	int len = m->len;

	m->njob = 0;
	push(m, 0, start);
	while (m->njob) {
		job j = m->stack[--m->njob];
		int pc = j.pc, pos = j.pos;

		if (pc < 0) {
			m->slot[~pc] = pos;
			continue;
		}
		for (;;) {
			size_t bit = (size_t)pc * (size_t)(len + 1) + (size_t)pos;
			if (m->seen[bit / 32] & (1u << bit % 32))
				break;
			m->seen[bit / 32] |= 1u << bit % 32;
			const inst *i = &code[pc];
			switch ((enum opcode)i->op) {
			case I_CHAR:
				if (pos < len && s[pos] == i->x) {
					pc++, pos++;
					continue;
				}
				break;
			case I_ANY:
				if (pos < len) {
					pc++, pos++;
					continue;
				}
				break;
			case I_CLASS:
				if (pos < len && m->g->set[i->x][s[pos] >> 3] & (1 << (s[pos] & 7))) {
					pc++, pos++;
					continue;
				}
				break;
			case I_SPLIT:
				push(m, i->y, pos);
				pc = i->x;
				continue;
			case I_JMP:
				pc = i->x;
				continue;
			case I_SAVE:
				push(m, ~i->x, m->slot[i->x]);
				m->slot[i->x] = pos;
				pc++;
				continue;
			case I_BOL:
				if (pos == 0) {
					pc++;
					continue;
				}
				break;
			case I_EOL:
				if (pos == len) {
					pc++;
					continue;
				}
				break;
			case I_MATCH:
				return 1;
			}
			break;
		}
	}
	return 0;
}

/* The leftmost match at or after FROM, its bounds in slot[0] and slot[1]. */
static int search(matcher *m, int from)
{
	int anchored = m->g->code[1].op == I_BOL;

	for (int start = from; start <= m->len; start++) {
		if (anchored && start)
			return 0;
		if (m->g->first >= 0) {
			const uint8_t *p = memchr(m->s + start, m->g->first, (size_t)(m->len - start));
			if (!p)
				return 0;
			start = (int)(p - m->s);
		}
		for (int i = 0; i < NSLOT; i++)
			m->slot[i] = -1;
		if (run(m, start))
			return 1;
	}
	return 0;
}

/* ---- a generated log ---- */

static uint32_t rng = 2463534242u;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng % n;
}

static char *put(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *put_num(char *p, uint32_t n, int width)
{
	char digits[12];
	int k = 0;

	do
		digits[k++] = (char)('0' + n % 10);
	while (n /= 10);
	for (; width > k; width--)
		*p++ = '0';
	while (k)
		*p++ = digits[--k];
	return p;
}

#define PICK(a) (a[rnd(sizeof a / sizeof *a)])

static int make_line(char *line)
{
	static const char *level[] = {"INFO", "INFO", "INFO", "INFO", "DEBUG", "DEBUG", "WARN", "ERROR"};
	static const char *method[] = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
	static const char *thing[] = {"users", "orders", "items", "carts", "search", "sessions"};
	static const uint32_t status[] = {200, 200, 200, 200, 200, 201, 204, 301, 304, 400, 401,
					  403, 404, 500, 502, 503};
	static const char *name[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
				     "ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor", "zoe"};
	static const char *domain[] = {"example", "mail", "corp", "lab", "uni"};
	static const char *tld[] = {"com", "org", "net", "io"};
	static const char *msg[] = {"Cache miss", "Timeout after 3 retries", "Slow query plan",
				    "Connection reset by peer", "Request timeout will retry",
				    "Upstream ok"};
	char *p = line;

	p = put(p, "2026-");
	p = put_num(p, 1 + rnd(12), 2);
	*p++ = '-';
	p = put_num(p, 1 + rnd(28), 2);
	*p++ = ' ';
	p = put_num(p, rnd(24), 2);
	*p++ = ':';
	p = put_num(p, rnd(60), 2);
	*p++ = ':';
	p = put_num(p, rnd(60), 2);
	*p++ = ' ';
	p = put(p, PICK(level));
	p = put(p, " [worker-");
	p = put_num(p, rnd(32), 1);
	p = put(p, "] ");
	p = put(p, PICK(method));
	p = put(p, " /api/v");
	p = put_num(p, 1 + rnd(3), 1);
	*p++ = '/';
	p = put(p, PICK(thing));
	*p++ = '/';
	p = put_num(p, rnd(100000), 1);
	*p++ = ' ';
	p = put_num(p, PICK(status), 3);
	*p++ = ' ';
	p = put_num(p, rnd(5000), 1);
	p = put(p, "ms user=");
	p = put(p, PICK(name));
	*p++ = '@';
	p = put(p, PICK(domain));
	*p++ = '.';
	p = put(p, PICK(tld));
	p = put(p, " ip=10.");
	for (int i = 0; i < 3; i++) {
		p = put_num(p, rnd(256), 1);
		if (i < 2)
			*p++ = '.';
	}
	if (rnd(3) == 0) {
		p = put(p, " msg=");
		p = put(p, PICK(msg));
	}
	*p = 0;
	return (int)(p - line);
}

static const char *patterns[] = {
	"ERROR",
	"^\\d+-\\d+-\\d+ \\d+:\\d+:\\d+ (WARN|ERROR)",
	"[a-z]+@[a-z]+\\.(com|org|net)",
	"(GET|POST) /api/v\\d/([a-z]+)/\\d+",
	" (5\\d\\d) ",
	"ip=(\\d+)\\.(\\d+)\\.\\d+\\.\\d+",
	"user=[^@ ]*[aeiou]@",
	"\\d\\d\\d\\dms",
	"\\[worker-[12]?[13579]\\]",
	".*[Tt]imeout.*retr(y|ies)",
	"(\\w+)=\\w+",
	"/(\\w+)/\\d*?7",
	"[A-Z][a-z]+ [a-z]+$",
	"(a|e|i|o|u)+[^aeiou ]+(a|e|i|o|u)",
};

#define NPAT (sizeof patterns / sizeof *patterns)

int main(int argc, char **argv)
{
	int lines = argc > 1 ? atoi(argv[1]) : 50000;
	static prog progs[NPAT];
	static matcher m[NPAT];
	uint32_t nline[NPAT] = {0}, nmatch[NPAT] = {0}, sum[NPAT] = {0};
	char line[512];

	for (size_t k = 0; k < NPAT; k++) {
		compile(&progs[k], patterns[k]);
		m[k].g = &progs[k];
	}
	for (int l = 0; l < lines; l++) {
		int len = make_line(line);

		for (size_t k = 0; k < NPAT; k++) {
			matcher *mk = &m[k];
			int pos = 0, found = 0;

			mk->s = (const uint8_t *)line;
			mk->len = len;
			reset_seen(mk);
			while (pos <= len && search(mk, pos)) {
				int *sl = mk->slot;
				found++;
				sum[k] = sum[k] * 31 + (uint32_t)(sl[0] * 7 + sl[1]);
				if (sl[2] >= 0 && sl[3] >= 0)
					sum[k] += (uint32_t)(sl[3] - sl[2]) * 131;
				pos = sl[1] > sl[0] ? sl[1] : sl[1] + 1;
				reset_seen(mk);
			}
			nline[k] += found > 0;
			nmatch[k] += (uint32_t)found;
		}
	}
	for (size_t k = 0; k < NPAT; k++)
		printf("%-44s %6u lines %7u matches  %08x\n", patterns[k], nline[k], nmatch[k], sum[k]);
	return 0;
}
