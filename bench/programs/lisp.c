/* lisp.c — a small Lisp run the way Lua or QuickJS run scripts: source
 * read and compiled to bytecode, a switch dispatch loop, every call a
 * heap-allocated environment, closures, strings, hash tables, and a
 * mark-and-sweep collector over malloc'd objects that runs often.  The
 * built-in script does recursion, list building and merge sort through
 * closures, word counting in a table and string building.  lisp [ROUNDS]
 * (default 100)
 *
 * Values are 64 bits on every target, so results never depend on the
 * pointer size: an odd value is a 32-bit integer (wrapping arithmetic),
 * zero is nil, any other even value a pointer to an object.  Hashes never
 * use addresses (an object's hash is its allocation number), so a table's
 * order is the same natively and in wasm. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t val;
#define NIL ((val)0)
#define IS_INT(v) ((v) & 1)
#define INT(i) (((val)(uint32_t)(i) << 1) | 1)
#define TO_INT(v) ((int32_t)(uint32_t)((v) >> 1))
#define OBJ(v) ((obj *)(uintptr_t)(v))
#define VAL(p) ((val)(uintptr_t)(p))

enum type { T_PAIR, T_STR, T_CLOS, T_ENV, T_TABLE };

typedef struct obj {
	struct obj *next;	/* every object, for the sweep */
	uint32_t id;
	uint8_t type, mark;
} obj;
typedef struct pair { obj h; val car, cdr; } pair;
typedef struct str { obj h; uint32_t len, hash; char s[]; } str;
typedef struct env { obj h; struct env *up; uint32_t n; val slot[]; } env;
typedef struct proto {
	int32_t *code;
	val *k;			/* constants: roots for the collector */
	uint32_t ncode, nk, cap, kcap;
	int nparams, nslots;
} proto;
typedef struct clos { obj h; proto *p; env *e; } clos;
typedef struct table { obj h; uint32_t count, cap; val *key, *v; } table;

static void die(const char *why)
{
	fprintf(stderr, "lisp: %s\n", why);
	exit(1);
}

static int is(val v, enum type t)
{
	return v && !IS_INT(v) && OBJ(v)->type == t;
}

/* ---- the heap ---- */

#define STACK 65536
#define FRAMES 16384
#define MAXSYM 512
#define MAXPROTO 256

static val stack[STACK], *vm_sp = stack;
static struct frame {
	proto *p;
	const int32_t *pc;
	env *e;
	val *base;
} frames[FRAMES];
static int nframes;
static val globals[MAXSYM];
static proto *protos[MAXPROTO];
static int nprotos;
static obj *all, **gray;
static uint32_t nobj, threshold = 20000, next_id, ngc, ngray, graycap;

static void gray_push(val v)
{
	if (!v || IS_INT(v) || OBJ(v)->mark)
		return;
	if (ngray == graycap) {
		graycap = graycap ? graycap * 2 : 1024;
		gray = realloc(gray, graycap * sizeof *gray);
		if (!gray)
			die("out of memory");
	}
	gray[ngray++] = OBJ(v);
}

static void mark_all(void)
{
	while (ngray) {
		obj *o = gray[--ngray];

		if (o->mark)
			continue;
		o->mark = 1;
		switch ((enum type)o->type) {
		case T_PAIR: gray_push(((pair *)o)->car); gray_push(((pair *)o)->cdr); break;
		case T_STR: break;
		case T_CLOS: gray_push(VAL(((clos *)o)->e)); break;
		case T_ENV: {
			env *e = (env *)o;

			gray_push(VAL(e->up));
			for (uint32_t i = 0; i < e->n; i++)
				gray_push(e->slot[i]);
			break;
		}
		case T_TABLE: {
			table *t = (table *)o;

			for (uint32_t i = 0; i < t->cap; i++) {
				gray_push(t->key[i]);
				gray_push(t->v[i]);
			}
			break;
		}
		}
	}
}

static void gc(void)
{
	for (val *v = stack; v < vm_sp; v++)
		gray_push(*v);
	for (int i = 0; i < nframes; i++)
		gray_push(VAL(frames[i].e));
	for (int i = 0; i < MAXSYM; i++)
		gray_push(globals[i]);
	for (int i = 0; i < nprotos; i++)
		for (uint32_t j = 0; j < protos[i]->nk; j++)
			gray_push(protos[i]->k[j]);
	mark_all();
	nobj = 0;
	for (obj **p = &all; *p;) {
		obj *o = *p;

		if (o->mark) {
			o->mark = 0;
			nobj++;
			p = &o->next;
			continue;
		}
		*p = o->next;
		if (o->type == T_TABLE) {
			free(((table *)o)->key);
			free(((table *)o)->v);
		}
		free(o);
	}
	threshold = nobj * 2 > 20000 ? nobj * 2 : 20000;
	ngc++;
}

/* The caller roots everything it still needs (on the VM stack) first. */
static void *alloc(size_t size, enum type type)
{
	if (nobj >= threshold)
		gc();
	obj *o = malloc(size);
	if (!o)
		die("out of memory");
	o->next = all;
	all = o;
	o->id = next_id++;
	o->type = type;
	o->mark = 0;
	nobj++;
	return o;
}

static val new_pair(val car, val cdr)
{
	pair *p = alloc(sizeof *p, T_PAIR);

	p->car = car;
	p->cdr = cdr;
	return VAL(p);
}

static uint32_t hash_bytes(const char *s, uint32_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static str *new_str(uint32_t len)
{
	str *s = alloc(sizeof *s + len + 1, T_STR);

	s->len = len;
	s->s[len] = 0;
	return s;
}

static val str_from(const char *c, uint32_t len)
{
	str *s = new_str(len);

	memcpy(s->s, c, len);
	s->hash = hash_bytes(s->s, len);
	return VAL(s);
}

static env *new_env(uint32_t n, env *up)
{
	env *e = alloc(sizeof *e + n * sizeof(val), T_ENV);

	e->up = up;
	e->n = n;
	for (uint32_t i = 0; i < n; i++)
		e->slot[i] = NIL;
	return e;
}

/* ---- tables: open addressing, keys compared by value (strings by
 * content) ---- */

static uint32_t hash_val(val k)
{
	if (IS_INT(k))
		return (uint32_t)TO_INT(k) * 2654435761u;
	if (OBJ(k)->type == T_STR)
		return ((str *)OBJ(k))->hash;
	return OBJ(k)->id * 2654435761u;
}

static int equal(val a, val b)
{
	if (a == b)
		return 1;
	if (!is(a, T_STR) || !is(b, T_STR))
		return 0;
	str *x = (str *)OBJ(a), *y = (str *)OBJ(b);
	return x->len == y->len && x->hash == y->hash && !memcmp(x->s, y->s, x->len);
}

static uint32_t table_find(const table *t, val k)
{
	uint32_t i = hash_val(k) & (t->cap - 1);

	while (t->key[i] && !equal(t->key[i], k))
		i = (i + 1) & (t->cap - 1);
	return i;
}

static void table_set(table *t, val k, val v)
{
	if ((t->count + 1) * 4 > t->cap * 3) {
		table old = *t;

		t->cap = old.cap * 2;
		t->key = calloc(t->cap, sizeof(val));
		t->v = calloc(t->cap, sizeof(val));
		if (!t->key || !t->v)
			die("out of memory");
		for (uint32_t i = 0; i < old.cap; i++)
			if (old.key[i]) {
				uint32_t j = table_find(t, old.key[i]);
				t->key[j] = old.key[i];
				t->v[j] = old.v[i];
			}
		free(old.key);
		free(old.v);
	}
	uint32_t i = table_find(t, k);
	if (!t->key[i]) {
		t->key[i] = k;
		t->count++;
	}
	t->v[i] = v;
}

static val new_table(void)
{
	table *t = alloc(sizeof *t, T_TABLE);

	t->count = 0;
	t->cap = 8;
	t->key = calloc(t->cap, sizeof(val));
	t->v = calloc(t->cap, sizeof(val));
	if (!t->key || !t->v)
		die("out of memory");
	return VAL(t);
}

/* ---- the reader: source to a tree of nodes ---- */

enum kind { N_NUM, N_SYM, N_STR, N_LIST };

typedef struct node {
	enum kind kind;
	int32_t num;		/* N_NUM: the value; N_SYM: the symbol */
	const char *s;		/* N_STR */
	uint32_t len;
	struct node *first, *next;
} node;

static node nodes[8192];
static int nnodes;
static const char *symname[MAXSYM];
static uint32_t symlen[MAXSYM];
static int nsyms;

static int intern(const char *s, uint32_t len)
{
	for (int i = 0; i < nsyms; i++)
		if (symlen[i] == len && !memcmp(symname[i], s, len))
			return i;
	if (nsyms == MAXSYM)
		die("too many symbols");
	symname[nsyms] = s;
	symlen[nsyms] = len;
	return nsyms++;
}

static int is_sym(const node *n, const char *name)
{
	return n && n->kind == N_SYM && symlen[n->num] == strlen(name) &&
	       !memcmp(symname[n->num], name, symlen[n->num]);
}

static node *read(const char **src)
{
	const char *s = *src;

	while (*s == ' ' || *s == '\n' || *s == ';')
		if (*s++ == ';')
			while (*s && *s != '\n')
				s++;
	if (!*s || *s == ')')
		return *src = s, NULL;
	if (nnodes == (int)(sizeof nodes / sizeof *nodes))
		die("program too large");
	node *n = &nodes[nnodes++];
	memset(n, 0, sizeof *n);
	if (*s == '(') {
		node **tail = &n->first;
		s++;
		n->kind = N_LIST;
		while ((*tail = read(&s)))
			tail = &(*tail)->next;
		if (*s++ != ')')
			die("missing )");
	} else if (*s == '"') {
		n->kind = N_STR;
		n->s = ++s;
		while (*s != '"')
			s++;
		n->len = (uint32_t)(s++ - n->s);
	} else {
		const char *b = s;
		while (*s && *s != ' ' && *s != '\n' && *s != '(' && *s != ')')
			s++;
		if ((*b >= '0' && *b <= '9') || (*b == '-' && b[1] >= '0' && b[1] <= '9')) {
			n->kind = N_NUM;
			n->num = (int32_t)strtol(b, NULL, 10);
		} else {
			n->kind = N_SYM;
			n->num = intern(b, (uint32_t)(s - b));
		}
	}
	*src = s;
	return n;
}

/* ---- the compiler: a tree to bytecode, variables resolved to (depth,
 * slot) in the chain of environments or to a global ---- */

#define BUILTINS(X)                                                              \
	X(ADD, "+", 2) X(SUB, "-", 2) X(MUL, "*", 2) X(QUO, "quotient", 2)       \
	X(REM, "remainder", 2) X(LT, "<", 2) X(NUMEQ, "=", 2) X(XOR, "logxor", 2) \
	X(AND, "logand", 2) X(EQ, "eq?", 2) X(EQUAL, "equal?", 2)                \
	X(CONS, "cons", 2) X(CAR, "car", 1) X(CDR, "cdr", 1) X(NULLP, "null?", 1) \
	X(NOT, "not", 1) X(STRAPP, "string-append", 2)                           \
	X(NUM2STR, "number->string", 1) X(STRLEN, "string-length", 1)           \
	X(STRREF, "string-ref", 2) X(MKTABLE, "make-table", 0)                   \
	X(TREF, "table-ref", 3) X(TSET, "table-set!", 3)                         \
	X(TCOUNT, "table-count", 1) X(TKEYS, "table-keys", 1) X(PRINT, "print", 1)

enum op {
	OP_INT, OP_K, OP_NIL, OP_LOCAL, OP_SETLOCAL, OP_GLOBAL, OP_SETGLOBAL,
	OP_POP, OP_DUP, OP_JMP, OP_JF, OP_JT, OP_CLOSURE, OP_CALL, OP_TCALL, OP_RET,
#define X(op, name, n) OP_##op,
	BUILTINS(X)
#undef X
};

static const struct builtin {
	const char *name;
	int arity;
} builtins[] = {
#define X(op, name, n) {name, n},
	BUILTINS(X)
#undef X
};

typedef struct scope {
	struct scope *up;
	proto *p;
	int top;		/* the script's scope: define makes globals */
	int name[64], slot[64], nnames, nslot;
} scope;

static proto *new_proto(void)
{
	proto *p = calloc(1, sizeof *p);

	if (!p || nprotos == MAXPROTO)
		die("too many functions");
	protos[nprotos++] = p;
	return p;
}

static void emit(proto *p, int32_t x)
{
	if (p->ncode == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->code = realloc(p->code, p->cap * sizeof *p->code);
		if (!p->code)
			die("out of memory");
	}
	p->code[p->ncode++] = x;
}

static void emit2(proto *p, int32_t op, int32_t a)
{
	emit(p, op);
	emit(p, a);
}

static int jump(proto *p, int32_t op)
{
	emit2(p, op, 0);
	return (int)p->ncode - 1;
}

static void patch(proto *p, int at)
{
	p->code[at] = (int32_t)p->ncode;
}

static int new_slot(scope *sc)
{
	if (++sc->nslot > sc->p->nslots)
		sc->p->nslots = sc->nslot;
	return sc->nslot - 1;
}

static void add_name(scope *sc, int sym, int slot)
{
	if (sc->nnames == 64)
		die("too many locals");
	sc->name[sc->nnames] = sym;
	sc->slot[sc->nnames++] = slot;
}

static void emit_var(scope *sc, int sym, int set)
{
	int depth = 0;

	for (scope *s = sc; s; s = s->up, depth++)
		for (int i = s->nnames - 1; i >= 0; i--)
			if (s->name[i] == sym) {
				emit2(sc->p, set ? OP_SETLOCAL : OP_LOCAL, depth);
				emit(sc->p, s->slot[i]);
				return;
			}
	emit2(sc->p, set ? OP_SETGLOBAL : OP_GLOBAL, sym);
}

static void compile(scope *sc, const node *n, int tail);

static void compile_body(scope *sc, const node *n, int tail)
{
	if (!n) {
		emit(sc->p, OP_NIL);
		return;
	}
	for (; n->next; n = n->next) {
		compile(sc, n, 0);
		emit(sc->p, OP_POP);
	}
	compile(sc, n, tail);
}

static void compile_lambda(scope *sc, const node *param, const node *body)
{
	int idx = nprotos;
	scope fn = {.up = sc, .p = new_proto()};

	for (; param; param = param->next, fn.p->nparams++)
		add_name(&fn, param->num, new_slot(&fn));
	compile_body(&fn, body, 1);
	emit(fn.p, OP_RET);
	emit2(sc->p, OP_CLOSURE, idx);
}

static void compile_define(scope *sc, const node *a)
{
	const node *name = a->kind == N_LIST ? a->first : a;
	int slot = 0;

	if (!sc->top)	/* before the value: a local function may recurse */
		add_name(sc, name->num, slot = new_slot(sc));
	if (a->kind == N_LIST)
		compile_lambda(sc, a->first->next, a->next);
	else
		compile(sc, a->next, 0);
	if (sc->top) {
		emit2(sc->p, OP_SETGLOBAL, name->num);
	} else {
		emit2(sc->p, OP_SETLOCAL, 0);
		emit(sc->p, slot);
	}
	emit(sc->p, OP_NIL);
}

static void compile_let(scope *sc, const node *a, int tail)
{
	int saved = sc->nnames, slot[16], n = 0;

	for (const node *b = a->first; b; b = b->next, n++) {
		if (n == 16)
			die("let: too many bindings");
		compile(sc, b->first->next, 0);
		emit2(sc->p, OP_SETLOCAL, 0);
		emit(sc->p, slot[n] = new_slot(sc));
	}
	n = 0;
	for (const node *b = a->first; b; b = b->next)
		add_name(sc, b->first->num, slot[n++]);
	compile_body(sc, a->next, tail);
	sc->nnames = saved;
}

/* Each operand but the last decides on a copy of itself: the jump keeps
 * the deciding value as the result. */
static void compile_andor(scope *sc, int32_t op, const node *a, int tail)
{
	int j[16], n = 0;

	for (; a->next; a = a->next) {
		if (n == 16)
			die("and/or: too many operands");
		compile(sc, a, 0);
		emit(sc->p, OP_DUP);
		j[n++] = jump(sc->p, op);
		emit(sc->p, OP_POP);
	}
	compile(sc, a, tail);
	while (n)
		patch(sc->p, j[--n]);
}

static int compile_form(scope *sc, const node *h, const node *a, int tail)
{
	proto *p = sc->p;
	int j, top;

	if (is_sym(h, "define")) {
		compile_define(sc, a);
	} else if (is_sym(h, "lambda")) {
		compile_lambda(sc, a->first, a->next);
	} else if (is_sym(h, "if")) {
		compile(sc, a, 0);
		j = jump(p, OP_JF);
		compile(sc, a->next, tail);
		top = jump(p, OP_JMP);
		patch(p, j);
		if (a->next->next)
			compile(sc, a->next->next, tail);
		else
			emit(p, OP_NIL);
		patch(p, top);
	} else if (is_sym(h, "let")) {
		compile_let(sc, a, tail);
	} else if (is_sym(h, "set!")) {
		compile(sc, a->next, 0);
		emit(p, OP_DUP);
		emit_var(sc, a->num, 1);
	} else if (is_sym(h, "begin")) {
		compile_body(sc, a, tail);
	} else if (is_sym(h, "while")) {
		top = (int)p->ncode;
		compile(sc, a, 0);
		j = jump(p, OP_JF);
		compile_body(sc, a->next, 0);
		emit(p, OP_POP);
		emit2(p, OP_JMP, top);
		patch(p, j);
		emit(p, OP_NIL);
	} else if (is_sym(h, "and") || is_sym(h, "or")) {
		compile_andor(sc, is_sym(h, "and") ? OP_JF : OP_JT, a, tail);
	} else {
		return 0;
	}
	return 1;
}

static void compile(scope *sc, const node *n, int tail)
{
	proto *p = sc->p;
	int argc = 0;

	switch (n->kind) {
	case N_NUM:
		emit2(p, OP_INT, n->num);
		return;
	case N_STR:
		if (p->nk == p->kcap) {
			p->kcap = p->kcap ? p->kcap * 2 : 8;
			p->k = realloc(p->k, p->kcap * sizeof *p->k);
			if (!p->k)
				die("out of memory");
		}
		p->k[p->nk] = str_from(n->s, n->len);
		emit2(p, OP_K, (int32_t)p->nk++);
		return;
	case N_SYM:
		if (is_sym(n, "nil"))
			emit(p, OP_NIL);
		else if (is_sym(n, "#t") || is_sym(n, "#f"))
			emit2(p, OP_INT, is_sym(n, "#t"));
		else
			emit_var(sc, n->num, 0);
		return;
	case N_LIST:
		break;
	}
	const node *h = n->first;
	if (!h || compile_form(sc, h, h->next, tail))
		return;
	for (const node *a = h->next; a; a = a->next)
		argc++;
	for (size_t i = 0; i < sizeof builtins / sizeof *builtins; i++)
		if (is_sym(h, builtins[i].name)) {
			if (argc != builtins[i].arity)
				die("wrong number of arguments to a builtin");
			for (const node *a = h->next; a; a = a->next)
				compile(sc, a, 0);
			emit(p, OP_ADD + (int32_t)i);
			return;
		}
	for (const node *a = h; a; a = a->next)
		compile(sc, a, 0);
	emit2(p, tail ? OP_TCALL : OP_CALL, argc);
}

/* ---- the machine ---- */

static void print_val(val v)
{
	if (IS_INT(v)) {
		printf("%d", TO_INT(v));
		return;
	}
	if (!v) {
		printf("()");
		return;
	}
	switch ((enum type)OBJ(v)->type) {
	case T_STR: fwrite(((str *)OBJ(v))->s, 1, ((str *)OBJ(v))->len, stdout); break;
	case T_TABLE: printf("#<table %u>", ((table *)OBJ(v))->count); break;
	case T_CLOS: printf("#<closure>"); break;
	case T_ENV: printf("#<env>"); break;
	case T_PAIR:
		putchar('(');
		for (;;) {
			print_val(((pair *)OBJ(v))->car);
			v = ((pair *)OBJ(v))->cdr;
			if (!is(v, T_PAIR))
				break;
			putchar(' ');
		}
		if (v) {
			printf(" . ");
			print_val(v);
		}
		putchar(')');
		break;
	}
}

static int truthy(val v)
{
	return v != NIL && v != INT(0);
}

static void *as(val v, enum type t)
{
	if (!is(v, t))
		die("wrong type");
	return OBJ(v);
}

static int32_t num(val v)
{
	if (!IS_INT(v))
		die("not a number");
	return TO_INT(v);
}

/* Every allocation first publishes sp (vm_sp) so the collector sees the
 * operands, which stay on the stack until the new object exists. */
static val run(proto *fp)
{
	val *sp = vm_sp;
	const int32_t *pc = fp->code;
	env *e = new_env((uint32_t)fp->nslots, NULL);

	frames[0] = (struct frame){fp, NULL, e, sp};
	nframes = 1;
	for (;;) {
		int32_t op = *pc++, x, y;
		val v;

		switch ((enum op)op) {
		case OP_INT: *sp++ = INT(*pc++); break;
		case OP_K: *sp++ = fp->k[*pc++]; break;
		case OP_NIL: *sp++ = NIL; break;
		case OP_LOCAL:
		case OP_SETLOCAL: {
			env *at = e;

			for (x = *pc++; x; x--)
				at = at->up;
			if (op == OP_LOCAL)
				*sp++ = at->slot[*pc++];
			else
				at->slot[*pc++] = *--sp;
			break;
		}
		case OP_GLOBAL: *sp++ = globals[*pc++]; break;
		case OP_SETGLOBAL: globals[*pc++] = *--sp; break;
		case OP_POP: sp--; break;
		case OP_DUP: *sp = sp[-1]; sp++; break;
		case OP_JMP: pc = fp->code + *pc; break;
		case OP_JF: x = *pc++; if (!truthy(*--sp)) pc = fp->code + x; break;
		case OP_JT: x = *pc++; if (truthy(*--sp)) pc = fp->code + x; break;
		case OP_CLOSURE: {
			vm_sp = sp;
			clos *c = alloc(sizeof *c, T_CLOS);
			c->p = protos[*pc++];
			c->e = e;
			*sp++ = VAL(c);
			break;
		}
		case OP_CALL:
		case OP_TCALL: {
			int n = *pc++;
			clos *c = as(sp[-n - 1], T_CLOS);

			if (c->p->nparams != n)
				die("wrong number of arguments");
			if (stack + STACK - sp < 256 || nframes == FRAMES)
				die("stack overflow");
			vm_sp = sp;
			env *ne = new_env((uint32_t)c->p->nslots, c->e);
			memcpy(ne->slot, sp - n, (size_t)n * sizeof(val));
			sp -= n + 1;
			if (op == OP_TCALL) {
				sp = frames[nframes - 1].base;
			} else {
				frames[nframes - 1].pc = pc;
				frames[nframes++].base = sp;
			}
			frames[nframes - 1].p = fp = c->p;
			frames[nframes - 1].e = e = ne;
			pc = fp->code;
			break;
		}
		case OP_RET:
			v = sp[-1];
			sp = frames[--nframes].base;
			if (!nframes) {
				vm_sp = sp;
				return v;
			}
			fp = frames[nframes - 1].p;
			pc = frames[nframes - 1].pc;
			e = frames[nframes - 1].e;
			*sp++ = v;
			break;
		case OP_ADD: x = num(sp[-2]), y = num(sp[-1]); sp--, sp[-1] = INT((uint32_t)x + (uint32_t)y); break;
		case OP_SUB: x = num(sp[-2]), y = num(sp[-1]); sp--, sp[-1] = INT((uint32_t)x - (uint32_t)y); break;
		case OP_MUL: x = num(sp[-2]), y = num(sp[-1]); sp--, sp[-1] = INT((uint32_t)x * (uint32_t)y); break;
		case OP_QUO:
		case OP_REM:
			x = num(sp[-2]), y = num(sp[-1]);
			if (!y)
				die("division by zero");
			sp--;
			if (y == -1)	/* INT32_MIN / -1 wraps */
				sp[-1] = INT(op == OP_QUO ? 0u - (uint32_t)x : 0u);
			else
				sp[-1] = INT(op == OP_QUO ? x / y : x % y);
			break;
		case OP_LT: x = num(sp[-2]), y = num(sp[-1]); sp--, sp[-1] = INT(x < y); break;
		case OP_NUMEQ: x = num(sp[-2]), y = num(sp[-1]); sp--, sp[-1] = INT(x == y); break;
		case OP_XOR: x = num(sp[-2]), y = num(sp[-1]); sp--, sp[-1] = INT(x ^ y); break;
		case OP_AND: x = num(sp[-2]), y = num(sp[-1]); sp--, sp[-1] = INT(x & y); break;
		case OP_EQ: sp--, sp[-1] = INT(sp[-1] == sp[0]); break;
		case OP_EQUAL: sp--, sp[-1] = INT(equal(sp[-1], sp[0])); break;
		case OP_CONS: vm_sp = sp; v = new_pair(sp[-2], sp[-1]); sp--, sp[-1] = v; break;
		case OP_CAR: sp[-1] = ((pair *)as(sp[-1], T_PAIR))->car; break;
		case OP_CDR: sp[-1] = ((pair *)as(sp[-1], T_PAIR))->cdr; break;
		case OP_NULLP: sp[-1] = INT(sp[-1] == NIL); break;
		case OP_NOT: sp[-1] = INT(!truthy(sp[-1])); break;
		case OP_STRAPP: {
			str *a = as(sp[-2], T_STR), *b = as(sp[-1], T_STR), *s;

			vm_sp = sp;
			s = new_str(a->len + b->len);
			memcpy(s->s, a->s, a->len);
			memcpy(s->s + a->len, b->s, b->len);
			s->hash = hash_bytes(s->s, s->len);
			sp--, sp[-1] = VAL(s);
			break;
		}
		case OP_NUM2STR: {
			char buf[16];

			x = snprintf(buf, sizeof buf, "%d", num(sp[-1]));
			vm_sp = sp;
			sp[-1] = str_from(buf, (uint32_t)x);
			break;
		}
		case OP_STRLEN: sp[-1] = INT(((str *)as(sp[-1], T_STR))->len); break;
		case OP_STRREF: {
			str *s = as(sp[-2], T_STR);

			if ((uint32_t)num(sp[-1]) >= s->len)
				die("string index out of range");
			sp--, sp[-1] = INT((uint8_t)s->s[TO_INT(sp[0])]);
			break;
		}
		case OP_MKTABLE: vm_sp = sp; v = new_table(); *sp++ = v; break;
		case OP_TREF: {
			table *t = as(sp[-3], T_TABLE);
			uint32_t i = table_find(t, sp[-2]);

			v = t->key[i] ? t->v[i] : sp[-1];
			sp -= 2, sp[-1] = v;
			break;
		}
		case OP_TSET:
			if (!sp[-2])
				die("nil key");
			table_set(as(sp[-3], T_TABLE), sp[-2], sp[-1]);
			sp -= 2, sp[-1] = NIL;
			break;
		case OP_TCOUNT: sp[-1] = INT(((table *)as(sp[-1], T_TABLE))->count); break;
		case OP_TKEYS: {
			table *t = as(sp[-1], T_TABLE);

			*sp++ = NIL;	/* the list so far, rooted */
			for (uint32_t i = 0; i < t->cap; i++)
				if (t->key[i]) {
					vm_sp = sp;
					v = new_pair(t->key[i], sp[-1]);
					sp[-1] = v;
				}
			sp--, sp[-1] = sp[0];
			break;
		}
		case OP_PRINT: print_val(sp[-1]); putchar('\n'); sp[-1] = NIL; break;
		default: die("bad opcode");
		}
	}
}

static const char script[] =
	"(define seed 42)\n"
	"(define (rand)\n"
	"  (set! seed (logand (+ (* seed 1103515245) 12345) 2147483647))\n"
	"  (quotient seed 65536))\n"
	"(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))\n"
	"(define (map f l) (if (null? l) nil (cons (f (car l)) (map f (cdr l)))))\n"
	"(define (filter p l)\n"
	"  (if (null? l) nil\n"
	"      (if (p (car l)) (cons (car l) (filter p (cdr l))) (filter p (cdr l)))))\n"
	"(define (fold f acc l) (if (null? l) acc (fold f (f acc (car l)) (cdr l))))\n"
	"(define (randoms n)\n"
	"  (let ((l nil)) (while (< 0 n) (set! n (- n 1)) (set! l (cons (rand) l))) l))\n"
	"(define (split l)\n"
	"  (let ((a nil) (b nil))\n"
	"    (while (not (null? l))\n"
	"      (set! a (cons (car l) a))\n"
	"      (set! l (cdr l))\n"
	"      (if (not (null? l)) (begin (set! b (cons (car l) b)) (set! l (cdr l)))))\n"
	"    (cons a b)))\n"
	"(define (merge less a b)\n"
	"  (if (null? a) b\n"
	"    (if (null? b) a\n"
	"      (if (less (car b) (car a))\n"
	"          (cons (car b) (merge less a (cdr b)))\n"
	"          (cons (car a) (merge less (cdr a) b))))))\n"
	"(define (sort less l)\n"
	"  (if (or (null? l) (null? (cdr l))) l\n"
	"      (let ((h (split l))) (merge less (sort less (car h)) (sort less (cdr h))))))\n"
	"(define (make-adder k) (lambda (x) (+ x k)))\n"
	"(define (make-counter) (let ((c 0)) (lambda () (set! c (+ c 1)) c)))\n"
	"(define (ordered? l)\n"
	"  (or (null? l) (null? (cdr l)) (and (not (< (car (cdr l)) (car l))) (ordered? (cdr l)))))\n"
	"(define (lists n)\n"
	"  (let ((s (sort (lambda (a b) (< a b)) (map (make-adder 7) (randoms n)))))\n"
	"    (if (not (ordered? s)) -1\n"
	"      (fold (lambda (acc x) (logand (+ (* acc 31) x) 16777215)) 0\n"
	"            (filter (lambda (x) (eq? 0 (remainder x 3))) s)))))\n"
	"(define (word i) (string-append \"w\" (number->string (remainder (* i 7919) 1009))))\n"
	"(define (words n)\n"
	"  (let ((t (make-table)) (i 0))\n"
	"    (while (< i n)\n"
	"      (let ((w (word i))) (table-set! t w (+ 1 (table-ref t w 0))))\n"
	"      (set! i (+ i 1)))\n"
	"    (fold (lambda (acc k) (+ acc (* (table-ref t k 0) (string-ref k 1))))\n"
	"          (table-count t) (table-keys t))))\n"
	"(define (strhash s)\n"
	"  (let ((h 0) (i 0) (n (string-length s)))\n"
	"    (while (< i n)\n"
	"      (set! h (logand (+ (* h 33) (string-ref s i)) 16777215))\n"
	"      (set! i (+ i 1)))\n"
	"    h))\n"
	"(define (build n)\n"
	"  (let ((s \"\") (i 0))\n"
	"    (while (< i n)\n"
	"      (set! s (string-append s (string-append (number->string (* i i)) \",\")))\n"
	"      (set! i (+ i 1)))\n"
	"    (+ (string-length s) (strhash s))))\n"
	"(define (counters n)\n"
	"  (let ((c (make-counter)) (d (make-counter)) (i 0))\n"
	"    (while (< i n) (c) (if (eq? 0 (remainder i 3)) (d)) (set! i (+ i 1)))\n"
	"    (+ (* 1000 (c)) (d))))\n"
	"(define fibs 0) (define sorted 0) (define counted 0) (define built 0)\n"
	"(define counts 0) (define r 0)\n"
	"(while (< r N)\n"
	"  (set! fibs (+ fibs (fib 20)))\n"
	"  (set! sorted (logxor (* sorted 3) (lists 2000)))\n"
	"  (set! counted (+ counted (words 3000)))\n"
	"  (set! built (logxor (* built 5) (build 300)))\n"
	"  (set! counts (+ counts (counters 5000)))\n"
	"  (set! r (+ r 1)))\n"
	"(print fibs) (print sorted) (print counted) (print built) (print counts)\n"
	"(let ((t (make-table))) (table-set! t \"rounds\" r) (table-set! t 7 fibs) t)\n";

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 100;
	const char *src = script;
	node *forms = NULL, **tail = &forms;
	scope top = {.top = 1, .p = new_proto()};

	while ((*tail = read(&src)))
		tail = &(*tail)->next;
	if (*src)
		die("unbalanced )");
	compile_body(&top, forms, 0);
	emit(top.p, OP_RET);
	globals[intern("N", 1)] = INT(rounds);
	print_val(run(top.p));
	printf("\n%u objects allocated, %u collections\n", next_id, ngc);
	return 0;
}
