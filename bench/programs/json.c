/* json.c — a JSON parser and serialiser as a web service or a config
 * loader runs one: a generated document of records (nested objects and
 * arrays, strings with escapes, \u sequences and raw UTF-8, integers and
 * decimals) parsed into a tree of malloc'd nodes, walked (sums, counts and
 * a query by key), serialised pretty, parsed again, walked again (same
 * sums), serialised compact, and the compact text parsed and serialised
 * once more (same bytes).  json [ROUNDS] (default 20)
 *
 * Numbers are parsed and printed here, not by the C library: an integer
 * stays an int64; a decimal becomes mantissa / 10^k or mantissa * 10^k,
 * both exact operands when the mantissa is below 2^53 and k <= 22, so the
 * quotient is the correctly rounded double on every target; a decimal is
 * printed with six fractional digits, trailing zeros dropped. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *why)
{
	fprintf(stderr, "json: %s\n", why);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

/* ---- a growable byte buffer ---- */

typedef struct buf {
	char *s;
	size_t len, cap;
} buf;

static void reserve(buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	while (b->len + n > b->cap)
		b->cap = b->cap ? b->cap * 2 : 4096;
	b->s = realloc(b->s, b->cap);
	if (!b->s)
		die("out of memory");
}

static void put_bytes(buf *b, const char *s, size_t n)
{
	if (!n)
		return;
	reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
}

static void put_str(buf *b, const char *s)
{
	put_bytes(b, s, strlen(s));
}

static void put_char(buf *b, char c)
{
	reserve(b, 1);
	b->s[b->len++] = c;
}

static void put_uint(buf *b, uint64_t n)
{
	char d[24];
	int k = 0;

	do
		d[k++] = (char)('0' + n % 10);
	while (n /= 10);
	reserve(b, (size_t)k);
	while (k)
		b->s[b->len++] = d[--k];
}

static void put_int(buf *b, int64_t n)
{
	if (n < 0)
		put_char(b, '-');
	put_uint(b, n < 0 ? 0 - (uint64_t)n : (uint64_t)n);
}

/* Six fractional digits at most, trailing zeros dropped; at least one. */
static void put_double(buf *b, double x)
{
	if (!(x > -9e12 && x < 9e12))
		die("number out of range");
	int neg = x < 0;
	double scaled = (neg ? -x : x) * 1e6 + 0.5;
	uint64_t m = (uint64_t)scaled;
	int frac = 6;

	while (frac > 1 && m % 10 == 0) {
		m /= 10;
		frac--;
	}
	uint64_t unit = 1;
	for (int i = 0; i < frac; i++)
		unit *= 10;
	if (neg && m)
		put_char(b, '-');
	put_uint(b, m / unit);
	put_char(b, '.');
	char d[8];
	uint64_t f = m % unit;
	for (int i = frac - 1; i >= 0; i--, f /= 10)
		d[i] = (char)('0' + f % 10);
	put_bytes(b, d, (size_t)frac);
}

static uint32_t fnv(const char *s, size_t n, uint32_t h)
{
	while (n--)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* ---- the tree ---- */

enum jtype { J_NULL, J_FALSE, J_TRUE, J_INT, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jval {
	enum jtype type;
	uint32_t n;		/* string bytes, array items, object members */
	union {
		int64_t i;
		double d;
		char *s;
		struct jval *item;
		struct jmember *member;
	} u;
} jval;

typedef struct jmember {
	char *key;
	uint32_t klen;
	jval v;
} jmember;

static void jfree(jval *v)
{
	switch (v->type) {
	case J_STR: free(v->u.s); break;
	case J_ARR:
		for (uint32_t i = 0; i < v->n; i++)
			jfree(&v->u.item[i]);
		free(v->u.item);
		break;
	case J_OBJ:
		for (uint32_t i = 0; i < v->n; i++) {
			free(v->u.member[i].key);
			jfree(&v->u.member[i].v);
		}
		free(v->u.member);
		break;
	default: break;
	}
}

static const jval *get(const jval *obj, const char *key)
{
	size_t n = strlen(key);

	if (obj->type != J_OBJ)
		return NULL;
	for (uint32_t i = 0; i < obj->n; i++)
		if (obj->u.member[i].klen == n && !memcmp(obj->u.member[i].key, key, n))
			return &obj->u.member[i].v;
	return NULL;
}

/* ---- the parser: recursive descent; the items of the arrays and
 * objects being parsed wait on two stacks and are copied out, exactly
 * sized, when their bracket closes ---- */

typedef struct parser {
	const char *s;
	jval *items;
	jmember *members;
	size_t nitem, itemcap, nmember, membercap;
	buf tmp;		/* a string with escapes, unescaped */
	int depth;
} parser;

static void skip_ws(parser *p)
{
	while (*p->s == ' ' || *p->s == '\n' || *p->s == '\t' || *p->s == '\r')
		p->s++;
}

static void expect(parser *p, char c)
{
	skip_ws(p);
	if (*p->s++ != c)
		die("syntax error");
}

static unsigned hex4(parser *p)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = *p->s++;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if ((c | 32) >= 'a' && (c | 32) <= 'f')
			v |= (unsigned)((c | 32) - 'a' + 10);
		else
			die("bad \\u escape");
	}
	return v;
}

static void put_utf8(buf *b, unsigned cp)
{
	if (cp < 0x80) {
		put_char(b, (char)cp);
	} else if (cp < 0x800) {
		put_char(b, (char)(0xc0 | cp >> 6));
		put_char(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		put_char(b, (char)(0xe0 | cp >> 12));
		put_char(b, (char)(0x80 | (cp >> 6 & 0x3f)));
		put_char(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		put_char(b, (char)(0xf0 | cp >> 18));
		put_char(b, (char)(0x80 | (cp >> 12 & 0x3f)));
		put_char(b, (char)(0x80 | (cp >> 6 & 0x3f)));
		put_char(b, (char)(0x80 | (cp & 0x3f)));
	}
}

static void parse_escape(parser *p)
{
	char c = *p->s++;
	unsigned cp;

	switch (c) {
	case '"': case '\\': case '/': put_char(&p->tmp, c); return;
	case 'n': put_char(&p->tmp, '\n'); return;
	case 't': put_char(&p->tmp, '\t'); return;
	case 'r': put_char(&p->tmp, '\r'); return;
	case 'b': put_char(&p->tmp, '\b'); return;
	case 'f': put_char(&p->tmp, '\f'); return;
	case 'u': break;
	default: die("bad escape");
	}
	cp = hex4(p);
	if (cp >= 0xdc00 && cp < 0xe000)
		die("lone low surrogate");
	if (cp >= 0xd800 && cp < 0xdc00) {
		if (p->s[0] != '\\' || p->s[1] != 'u')
			die("lone high surrogate");
		p->s += 2;
		unsigned lo = hex4(p);
		if (lo < 0xdc00 || lo >= 0xe000)
			die("bad low surrogate");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	put_utf8(&p->tmp, cp);
}

/* After the opening quote; a string without escapes is copied at once. */
static char *parse_string(parser *p, uint32_t *len)
{
	const char *start = p->s;
	char *out;

	while ((uint8_t)*p->s >= 0x20 && *p->s != '"' && *p->s != '\\')
		p->s++;
	if (*p->s == '"') {
		*len = (uint32_t)(p->s - start);
		p->s++;
		out = xmalloc(*len + 1);
		memcpy(out, start, *len);
		out[*len] = 0;
		return out;
	}
	p->tmp.len = 0;
	put_bytes(&p->tmp, start, (size_t)(p->s - start));
	for (;;) {
		char c = *p->s++;
		if (c == '"')
			break;
		if ((uint8_t)c < 0x20)
			die("control character in string");
		if (c == '\\')
			parse_escape(p);
		else
			put_char(&p->tmp, c);
	}
	*len = (uint32_t)p->tmp.len;
	out = xmalloc(*len + 1);
	memcpy(out, p->tmp.s, *len);
	out[*len] = 0;
	return out;
}

static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
			       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

static void parse_number(parser *p, jval *out)
{
	int neg = *p->s == '-', isfloat = 0, scale = 0;
	uint64_t m = 0;

	p->s += neg;
	if (!digit(*p->s))
		die("bad number");
	do {
		if (m > (UINT64_MAX - 9) / 10)
			die("too many digits");
		m = m * 10 + (uint64_t)(*p->s++ - '0');
	} while (m && digit(*p->s));
	if (*p->s == '.') {
		isfloat = 1;
		if (!digit(*++p->s))
			die("bad fraction");
		for (; digit(*p->s); scale--) {
			if (m > (UINT64_MAX - 9) / 10)
				die("too many digits");
			m = m * 10 + (uint64_t)(*p->s++ - '0');
		}
	}
	if ((*p->s | 32) == 'e') {
		int eneg = 0, e = 0;
		isfloat = 1;
		p->s++;
		if (*p->s == '+' || *p->s == '-')
			eneg = *p->s++ == '-';
		if (!digit(*p->s))
			die("bad exponent");
		while (digit(*p->s) && e < 1000)
			e = e * 10 + (*p->s++ - '0');
		scale += eneg ? -e : e;
	}
	if (!isfloat) {
		if (m > (uint64_t)INT64_MAX + (uint64_t)neg)
			die("integer out of range");
		out->type = J_INT;
		out->u.i = neg ? (int64_t)(0 - m) : (int64_t)m;
		return;
	}
	if (m >= (1ull << 53) || scale < -22 || scale > 22)
		die("decimal not exactly representable here");
	out->type = J_NUM;
	out->u.d = scale < 0 ? (double)m / pow10[-scale] : (double)m * pow10[scale];
	if (neg)
		out->u.d = -out->u.d;
}

static void parse_value(parser *p, jval *out);

/* Room for one more element of SIZE bytes in P, which holds N of *CAP. */
static void *grow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 256;
	p = realloc(p, *cap * size);
	if (!p)
		die("out of memory");
	return p;
}

static void *copy_out(const void *src, size_t bytes)
{
	void *p = xmalloc(bytes);

	memcpy(p, src, bytes);
	return p;
}

static void parse_item(parser *p, enum jtype type)
{
	if (type == J_ARR) {
		jval v;

		parse_value(p, &v);
		p->items = grow(p->items, p->nitem, &p->itemcap, sizeof *p->items);
		p->items[p->nitem++] = v;
		return;
	}
	jmember m;
	expect(p, '"');
	m.key = parse_string(p, &m.klen);
	expect(p, ':');
	parse_value(p, &m.v);
	p->members = grow(p->members, p->nmember, &p->membercap, sizeof *p->members);
	p->members[p->nmember++] = m;
}

/* After the opening bracket of an array or object (TYPE). */
static void parse_container(parser *p, jval *out, enum jtype type)
{
	size_t base = type == J_ARR ? p->nitem : p->nmember;
	char close = type == J_ARR ? ']' : '}';

	skip_ws(p);
	if (*p->s == close) {
		p->s++;
	} else {
		do {
			parse_item(p, type);
			skip_ws(p);
		} while (*p->s++ == ',');
		if (p->s[-1] != close)
			die("expected , or a closing bracket");
	}
	out->type = type;
	if (type == J_ARR) {
		out->n = (uint32_t)(p->nitem - base);
		out->u.item = copy_out(p->items + base, out->n * sizeof(jval));
		p->nitem = base;
	} else {
		out->n = (uint32_t)(p->nmember - base);
		out->u.member = copy_out(p->members + base, out->n * sizeof(jmember));
		p->nmember = base;
	}
}

static void parse_value(parser *p, jval *out)
{
	skip_ws(p);
	out->n = 0;
	if (++p->depth > 200)
		die("nested too deeply");
	switch (*p->s) {
	case '{': p->s++; parse_container(p, out, J_OBJ); break;
	case '[': p->s++; parse_container(p, out, J_ARR); break;
	case '"': p->s++; out->type = J_STR; out->u.s = parse_string(p, &out->n); break;
	case 't':
	case 'f':
	case 'n':
		if (!strncmp(p->s, "true", 4))
			out->type = J_TRUE, p->s += 4;
		else if (!strncmp(p->s, "false", 5))
			out->type = J_FALSE, p->s += 5;
		else if (!strncmp(p->s, "null", 4))
			out->type = J_NULL, p->s += 4;
		else
			die("bad literal");
		break;
	default: parse_number(p, out); break;
	}
	p->depth--;
}

/* TEXT must end in a NUL byte. */
static void parse(parser *p, const char *text, jval *out)
{
	p->s = text;
	parse_value(p, out);
	skip_ws(p);
	if (*p->s)
		die("text after the document");
}

/* ---- the serialiser: compact (indent < 0) or pretty ---- */

static void ser_string(buf *b, const char *s, uint32_t n)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t start = 0;

	put_char(b, '"');
	for (uint32_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put_bytes(b, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"': put_str(b, "\\\""); break;
		case '\\': put_str(b, "\\\\"); break;
		case '\n': put_str(b, "\\n"); break;
		case '\t': put_str(b, "\\t"); break;
		case '\r': put_str(b, "\\r"); break;
		case '\b': put_str(b, "\\b"); break;
		case '\f': put_str(b, "\\f"); break;
		default:
			put_str(b, "\\u00");
			put_char(b, hex[c >> 4]);
			put_char(b, hex[c & 15]);
		}
	}
	put_bytes(b, s + start, n - start);
	put_char(b, '"');
}

static void newline(buf *b, int indent, int depth)
{
	if (indent < 0)
		return;
	reserve(b, 1 + (size_t)(indent * depth));
	b->s[b->len++] = '\n';
	memset(b->s + b->len, ' ', (size_t)(indent * depth));
	b->len += (size_t)(indent * depth);
}

static void ser(buf *b, const jval *v, int indent, int depth)
{
	switch (v->type) {
	case J_NULL: put_str(b, "null"); break;
	case J_FALSE: put_str(b, "false"); break;
	case J_TRUE: put_str(b, "true"); break;
	case J_INT: put_int(b, v->u.i); break;
	case J_NUM: put_double(b, v->u.d); break;
	case J_STR: ser_string(b, v->u.s, v->n); break;
	case J_ARR:
	case J_OBJ:
		put_char(b, v->type == J_ARR ? '[' : '{');
		for (uint32_t i = 0; i < v->n; i++) {
			if (i)
				put_char(b, ',');
			newline(b, indent, depth + 1);
			if (v->type == J_ARR) {
				ser(b, &v->u.item[i], indent, depth + 1);
				continue;
			}
			ser_string(b, v->u.member[i].key, v->u.member[i].klen);
			put_str(b, indent < 0 ? ":" : ": ");
			ser(b, &v->u.member[i].v, indent, depth + 1);
		}
		if (v->n)
			newline(b, indent, depth);
		put_char(b, v->type == J_ARR ? ']' : '}');
		break;
	}
}

/* ---- the walk: what a program reading the document computes ---- */

typedef struct stats {
	uint64_t count[8], isum, strbytes;
	double dsum, refunds, lat;
	uint32_t strhash;
} stats;

static void walk(const jval *v, stats *st)
{
	st->count[v->type]++;
	switch (v->type) {
	case J_INT: st->isum += (uint64_t)v->u.i; break;
	case J_NUM: st->dsum += v->u.d; break;
	case J_STR:
		st->strhash = fnv(v->u.s, v->n, st->strhash);
		st->strbytes += v->n;
		break;
	case J_ARR:
		for (uint32_t i = 0; i < v->n; i++)
			walk(&v->u.item[i], st);
		break;
	case J_OBJ:
		for (uint32_t i = 0; i < v->n; i++) {
			st->strhash = fnv(v->u.member[i].key, v->u.member[i].klen, st->strhash);
			walk(&v->u.member[i].v, st);
		}
		break;
	default: break;
	}
}

/* Per record: refunds summed over its history, and its latitude. */
static void query(const jval *doc, stats *st)
{
	const jval *records = get(doc, "records");

	for (uint32_t r = 0; records && r < records->n; r++) {
		const jval *rec = &records->u.item[r], *h = get(rec, "history");
		const jval *geo = get(get(rec, "address"), "geo");

		for (uint32_t i = 0; h && i < h->n; i++) {
			const jval *kind = get(&h->u.item[i], "kind");
			const jval *amount = get(&h->u.item[i], "amount");
			if (kind && kind->type == J_STR && !strcmp(kind->u.s, "refund") && amount &&
			    amount->type == J_NUM)
				st->refunds += amount->u.d;
		}
		if (geo && geo->type == J_ARR && geo->n == 2 && geo->u.item[0].type == J_NUM)
			st->lat += geo->u.item[0].u.d;
	}
}

static int same(const stats *a, const stats *b)
{
	for (int i = 0; i < 8; i++)
		if (a->count[i] != b->count[i])
			return 0;
	return a->isum == b->isum && a->strbytes == b->strbytes && a->dsum == b->dsum &&
	       a->refunds == b->refunds && a->lat == b->lat && a->strhash == b->strhash;
}

/* ---- a generated document: an API response of user records ---- */

static uint64_t rng = 0x9e3779b97f4a7c15u;

/* Knuth's MMIX linear congruential generator, its high bits. */
static uint32_t rnd(uint32_t n)
{
	rng = rng * 6364136223846793005u + 1442695040888963407u;
	return (uint32_t)(rng >> 32) % n;
}

#define PICK(a) (a[rnd(sizeof a / sizeof *a)])

/* Whitespace as people and other serialisers leave it. */
static void ws(buf *b)
{
	switch (rnd(8)) {
	case 0: put_char(b, ' '); break;
	case 1: put_str(b, "\n    "); break;
	case 2: put_str(b, "\t"); break;
	default: break;
	}
}

static void key(buf *b, const char *k)
{
	ws(b);
	put_char(b, '"');
	put_str(b, k);
	put_str(b, "\":");
	ws(b);
}

/* A decimal with FRAC digits: N / 10^FRAC. */
static void gen_decimal(buf *b, int64_t n, int frac)
{
	uint64_t a = n < 0 ? 0 - (uint64_t)n : (uint64_t)n, unit = 1;
	char d[8];

	for (int i = 0; i < frac; i++)
		unit *= 10;
	if (n < 0)
		put_char(b, '-');
	put_uint(b, a / unit);
	put_char(b, '.');
	for (int i = frac - 1; i >= 0; i--, a /= 10)
		d[i] = (char)('0' + a % 10);
	put_bytes(b, d, (size_t)frac);
}

static void gen_record(buf *b, uint32_t id)
{
	static const char *first[] = {"Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace",
				      "Heidi", "Ivan", "Judy", "Mallory", "Oscar", "Peggy", "Trent"};
	static const char *last[] = {"Smith", "O'Brien", "M\\u00fcller", "Garc\\u00eda", "Nakamura",
				     "\\u5c71\\u7530", "Kowalski", "Dubois", "Rossi", "Nguyen"};
	static const char *street[] = {"Main St", "High St\\nFlat 2", "Rue de l'\\u00c9glise",
				       ("Bahnhofstra\xc3\x9f" "e"), "Elm \\\"Old\\\" Rd", "Via Roma\\t(rear)"};
	static const char *city[] = {"Z\xc3\xbcrich", "Paris", "New York", "S\\u00e3o Paulo", "K\\u00f8benhavn",
				     "\\ud83c\\udfd9 Metropolis", "Back\\\\slash", "Tokyo\\/Edo"};
	static const char *tag[] = {"admin", "beta", "vip", "new", "churn-risk", "emoji \\ud83d\\ude00",
				    "trial", "enterprise"};
	static const char *kind[] = {"purchase", "purchase", "purchase", "refund", "fee", "credit"};

	put_char(b, '{');
	key(b, "id");
	put_uint(b, id);
	put_char(b, ',');
	key(b, "guid");
	put_char(b, '"');
	for (int i = 0; i < 4; i++)
		put_uint(b, rnd(1000000000));
	put_str(b, "\",");
	key(b, "name");
	put_char(b, '"');
	put_str(b, PICK(first));
	put_char(b, ' ');
	put_str(b, PICK(last));
	put_str(b, "\",");
	key(b, "active");
	put_str(b, rnd(2) ? "true," : "false,");
	key(b, "balance");
	gen_decimal(b, (int64_t)rnd(2000000) - 1000000, 2);
	put_char(b, ',');
	key(b, "ratio");
	if (rnd(2)) {
		put_uint(b, rnd(1000));
		put_str(b, rnd(2) ? "e-3," : "E-2,");
	} else {
		put_uint(b, rnd(100));
		put_str(b, ".5e+1,");
	}
	key(b, "big");
	put_uint(b, ((uint64_t)rnd(1u << 31) << 32) | rnd(0xffffffffu));
	put_char(b, ',');
	key(b, "tags");
	put_char(b, '[');
	for (uint32_t i = 0, n = rnd(5); i < n; i++) {
		put_str(b, i ? ",\"" : "\"");
		put_str(b, PICK(tag));
		put_char(b, '"');
	}
	put_str(b, "],");
	key(b, "address");
	put_char(b, '{');
	key(b, "street");
	put_char(b, '"');
	put_uint(b, 1 + rnd(200));
	put_char(b, ' ');
	put_str(b, PICK(street));
	put_str(b, "\",");
	key(b, "city");
	put_char(b, '"');
	put_str(b, PICK(city));
	put_str(b, "\",");
	key(b, "zip");
	put_str(b, "\"0");
	put_uint(b, 1000 + rnd(9000));
	put_str(b, "\",");
	key(b, "geo");
	put_char(b, '[');
	gen_decimal(b, (int64_t)rnd(180000000) - 90000000, 6);
	put_char(b, ',');
	ws(b);
	gen_decimal(b, (int64_t)rnd(360000000) - 180000000, 6);
	put_str(b, "]},");
	key(b, "history");
	put_char(b, '[');
	for (uint32_t i = 0, n = rnd(9); i < n; i++) {
		if (i)
			put_char(b, ',');
		ws(b);
		put_char(b, '{');
		key(b, "ts");
		put_uint(b, 1700000000u + rnd(100000000));
		put_char(b, ',');
		key(b, "kind");
		put_char(b, '"');
		put_str(b, PICK(kind));
		put_str(b, "\",");
		key(b, "amount");
		gen_decimal(b, (int64_t)rnd(100000), 2);
		put_char(b, ',');
		key(b, "note");
		put_str(b, rnd(3) ? "null" : "\"see ticket\\u0009#\\u0031\\b\\f\\r\"");
		put_char(b, '}');
	}
	put_str(b, "],");
	key(b, "meta");
	put_str(b, "null}");
}

static void gen_doc(buf *b, uint32_t records, uint32_t round)
{
	put_str(b, "{\"version\": 3, \"round\": ");
	put_uint(b, round);
	put_str(b, ", \"records\": [\n");
	for (uint32_t i = 0; i < records; i++) {
		if (i)
			put_str(b, ",\n");
		gen_record(b, round * records + i);
	}
	put_str(b, "\n], \"empty\": {}, \"none\": [], \"pi\": 3.141593, \"neg\": -0.000001}");
	put_char(b, 0);
	b->len--;
}

#define RECORDS 2000

typedef struct totals {
	stats st;
	uint64_t text, pretty, compact;	/* bytes */
	uint32_t hash;			/* of the compact texts */
} totals;

static void text_of(buf *b, const jval *v, int indent)
{
	ser(b, v, indent, 0);
	put_char(b, 0);
	b->len--;
}

/* Generate, parse, walk, serialise pretty, parse and walk again, serialise
 * compact, parse and serialise again: every step must keep the document. */
static void round_trip(uint32_t round, totals *tot)
{
	static parser p;
	buf text = {0}, pretty = {0}, compact = {0}, again = {0};
	stats w1 = {.strhash = 2166136261u}, w2 = w1;
	jval t;

	gen_doc(&text, RECORDS, round);
	parse(&p, text.s, &t);
	walk(&t, &w1);
	query(&t, &w1);
	text_of(&pretty, &t, 2);
	jfree(&t);
	parse(&p, pretty.s, &t);
	walk(&t, &w2);
	query(&t, &w2);
	if (!same(&w1, &w2))
		die("the pretty text parses to another document");
	text_of(&compact, &t, -1);
	jfree(&t);
	parse(&p, compact.s, &t);
	text_of(&again, &t, -1);
	jfree(&t);
	if (again.len != compact.len || memcmp(again.s, compact.s, compact.len))
		die("serialising the compact text's tree changes it");
	for (int i = 0; i < 8; i++)
		tot->st.count[i] += w1.count[i];
	tot->st.isum += w1.isum;
	tot->st.strbytes += w1.strbytes;
	tot->st.dsum += w1.dsum;
	tot->st.refunds += w1.refunds;
	tot->st.lat += w1.lat;
	tot->st.strhash = tot->st.strhash * 31 + w1.strhash;
	tot->hash = fnv(compact.s, compact.len, tot->hash);
	tot->text += text.len;
	tot->pretty += pretty.len;
	tot->compact += compact.len;
	free(text.s);
	free(pretty.s);
	free(compact.s);
	free(again.s);
}

static void field(buf *b, const char *label, uint64_t n)
{
	put_str(b, label);
	put_uint(b, n);
}

static void field_d(buf *b, const char *label, double x)
{
	put_str(b, label);
	put_double(b, x);
}

static void report(const totals *t)
{
	static const char *names[] = {"null", "false", "true", "int", "decimal", "string", "array", "object"};
	buf out = {0};

	put_str(&out, "values:");
	for (int i = 0; i < 8; i++) {
		put_str(&out, i ? ", " : " ");
		put_str(&out, names[i]);
		field(&out, " ", t->st.count[i]);
	}
	field(&out, "\nint sum ", t->st.isum);
	field_d(&out, ", decimal sum ", t->st.dsum);
	field_d(&out, ", refunds ", t->st.refunds);
	field_d(&out, ", latitudes ", t->st.lat);
	field(&out, "\nstring bytes ", t->st.strbytes);
	field(&out, ", string hash ", t->st.strhash);
	field(&out, "\ntext ", t->text);
	field(&out, " bytes, pretty ", t->pretty);
	field(&out, ", compact ", t->compact);
	field(&out, ", compact hash ", t->hash);
	put_char(&out, '\n');
	fwrite(out.s, 1, out.len, stdout);
	free(out.s);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 20;
	totals tot = {.st.strhash = 2166136261u, .hash = 2166136261u};

	for (int r = 0; r < rounds; r++)
		round_trip((uint32_t)r, &tot);
	report(&tot);
	return 0;
}
