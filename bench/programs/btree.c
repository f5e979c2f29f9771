/* btree.c — a database workload like SQLite's: a pager holding fixed-size
 * pages of an in-memory "file" in a small LRU cache (a page is copied in on
 * a miss and written back when a dirty page is evicted), and B+trees of
 * variable-length records in slotted pages (cells packed from the page's
 * end, a sorted array of cell offsets after the header), one keyed by
 * integers (big-endian, so memcmp orders them) and one by strings.  A
 * PRNG-driven mix of inserts (splitting pages), point lookups, range scans,
 * updates and deletes, each checked against a shadow table, then an
 * integrity walk of both trees.  btree [SCALE] (default 300) */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096
#define FRAMES 256
#define BUCKET_BITS 8
#define BUCKETS (1 << BUCKET_BITS)
#define NONE UINT32_MAX
#define MAXDEPTH 16
#define MAXKEY 40
#define MAXVAL 180
#define MAXCELL (4 + MAXKEY + MAXVAL)

/* Page header: type, cell count, start of the cell content area, bytes
 * freed inside that area, and a page number: the rightmost child of an
 * interior page, the next leaf of a leaf (0: none; page 0 is the file
 * header and never in a tree).  Numbers are big-endian, as on disk. */
enum { LEAF = 1, INNER = 2, HDR = 12 };

typedef uint8_t u8;

struct frame {
	uint32_t pgno;
	int pin, dirty;
	struct frame *prev, *next;	/* LRU list: most recent first */
	struct frame *hnext;		/* hash chain */
	u8 data[PAGE];
};

static struct {
	u8 *file;
	uint32_t npages, cap;
	struct frame frames[FRAMES];
	struct frame *hash[BUCKETS];
	struct frame lru;
	unsigned long hits, misses, writes;
} pager;

static unsigned get2(const u8 *p) { return (unsigned)p[0] << 8 | p[1]; }
static void put2(u8 *p, unsigned v) { p[0] = (u8)(v >> 8); p[1] = (u8)v; }

static uint32_t get4(const u8 *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put4(u8 *p, uint32_t v)
{
	p[0] = (u8)(v >> 24); p[1] = (u8)(v >> 16); p[2] = (u8)(v >> 8); p[3] = (u8)v;
}

static void die(const char *what)
{
	printf("btree: %s\n", what);
	exit(1);
}

/* ---- the pager ---- */

static struct frame **bucket(uint32_t pgno)
{
	return &pager.hash[(uint32_t)(pgno * 2654435761u) >> (32 - BUCKET_BITS)];
}

static void lru_unlink(struct frame *f)
{
	f->prev->next = f->next;
	f->next->prev = f->prev;
}

static void lru_push(struct frame *f)
{
	f->next = pager.lru.next;
	f->prev = &pager.lru;
	pager.lru.next->prev = f;
	pager.lru.next = f;
}

static void pager_init(void)
{
	pager.lru.next = pager.lru.prev = &pager.lru;
	for (int i = 0; i < FRAMES; i++) {
		pager.frames[i].pgno = NONE;
		lru_push(&pager.frames[i]);
	}
	pager.cap = 64;
	pager.file = calloc(pager.cap, PAGE);
	pager.npages = 1;	/* the header page */
	if (!pager.file)
		die("out of memory");
}

static void write_back(struct frame *f)
{
	memcpy(pager.file + (size_t)f->pgno * PAGE, f->data, PAGE);
	f->dirty = 0;
	pager.writes++;
}

/* The least recently used unpinned frame, emptied. */
static struct frame *victim(void)
{
	struct frame *f = pager.lru.prev, **p;

	while (f != &pager.lru && f->pin)
		f = f->prev;
	if (f == &pager.lru)
		die("every frame pinned");
	if (f->pgno != NONE) {
		if (f->dirty)
			write_back(f);
		for (p = bucket(f->pgno); *p != f; p = &(*p)->hnext)
			;
		*p = f->hnext;
	}
	return f;
}

/* Page pgno, pinned: valid until pg_put. */
static u8 *pg_get(uint32_t pgno)
{
	struct frame *f = *bucket(pgno);

	while (f && f->pgno != pgno)
		f = f->hnext;
	if (f) {
		pager.hits++;
	} else {
		pager.misses++;
		f = victim();
		memcpy(f->data, pager.file + (size_t)pgno * PAGE, PAGE);
		f->pgno = pgno;
		f->hnext = *bucket(pgno);
		*bucket(pgno) = f;
	}
	lru_unlink(f);
	lru_push(f);
	f->pin++;
	return f->data;
}

static struct frame *frame_of(u8 *data)
{
	return (struct frame *)(void *)(data - offsetof(struct frame, data));
}

static void pg_put(u8 *data) { frame_of(data)->pin--; }
static void pg_dirty(u8 *data) { frame_of(data)->dirty = 1; }

/* A new zeroed page at the end of the file, pinned. */
static u8 *pg_new(uint32_t *out_pgno)
{
	if (pager.npages == pager.cap) {
		u8 *p = realloc(pager.file, (size_t)pager.cap * 2 * PAGE);
		if (!p)
			die("out of memory");
		memset(p + (size_t)pager.cap * PAGE, 0, (size_t)pager.cap * PAGE);
		pager.file = p;
		pager.cap *= 2;
	}
	*out_pgno = pager.npages++;
	return pg_get(*out_pgno);
}

static void pager_flush(void)
{
	for (int i = 0; i < FRAMES; i++)
		if (pager.frames[i].dirty)
			write_back(&pager.frames[i]);
}

/* ---- slotted pages ---- */

static unsigned ncells(const u8 *pg) { return get2(pg + 2); }
static unsigned content(const u8 *pg) { return get2(pg + 4); }
static unsigned frag(const u8 *pg) { return get2(pg + 6); }
static u8 *cell(u8 *pg, unsigned i) { return pg + get2(pg + HDR + 2 * i); }
static unsigned gap(const u8 *pg) { return content(pg) - (HDR + 2 * ncells(pg)); }
static unsigned room(const u8 *pg) { return gap(pg) + frag(pg); }

/* Leaf cell: key length, value length, key, value.  Interior cell: child
 * (holding the keys below the cell's key), key length, key. */
static unsigned cell_size(int type, const u8 *c)
{
	return type == LEAF ? 4 + get2(c) + get2(c + 2) : 6 + get2(c + 4);
}

static const u8 *cell_key(int type, const u8 *c, unsigned *klen)
{
	*klen = get2(c + (type == LEAF ? 0 : 4));
	return c + (type == LEAF ? 4 : 6);
}

static int keycmp(const u8 *a, unsigned an, const u8 *b, unsigned bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);

	return r ? r : (int)an - (int)bn;
}

/* The first cell whose key is not below key; *found if it is equal. */
static unsigned search(u8 *pg, const u8 *key, unsigned klen, int *found)
{
	unsigned lo = 0, hi = ncells(pg), n;

	*found = 0;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const u8 *k = cell_key(pg[0], cell(pg, mid), &n);
		int r = keycmp(k, n, key, klen);

		if (r < 0) {
			lo = mid + 1;
		} else {
			*found |= r == 0;
			hi = mid;
		}
	}
	return lo;
}

/* The child of an interior page that holds key (a separator is the first
 * key of its right side). */
static unsigned child_index(u8 *pg, const u8 *key, unsigned klen)
{
	int found;
	unsigned i = search(pg, key, klen, &found);

	return i + (unsigned)found;
}

static uint32_t child_at(u8 *pg, unsigned i)
{
	return i < ncells(pg) ? get4(cell(pg, i)) : get4(pg + 8);
}

static void page_init(u8 *pg, int type, uint32_t right)
{
	memset(pg, 0, HDR);
	pg[0] = (u8)type;
	put2(pg + 4, PAGE);
	put4(pg + 8, right);
}

static void defrag(u8 *pg)
{
	static u8 copy[PAGE];
	unsigned top = PAGE;

	memcpy(copy, pg, PAGE);
	for (unsigned i = 0; i < ncells(pg); i++) {
		const u8 *c = copy + get2(copy + HDR + 2 * i);
		unsigned size = cell_size(pg[0], c);

		top -= size;
		memcpy(pg + top, c, size);
		put2(pg + HDR + 2 * i, top);
	}
	put2(pg + 4, top);
	put2(pg + 6, 0);
}

/* Needs room(pg) >= size + 2. */
static void insert_cell(u8 *pg, unsigned i, const u8 *c, unsigned size)
{
	unsigned n = ncells(pg), top;

	if (gap(pg) < size + 2)
		defrag(pg);
	top = content(pg) - size;
	memcpy(pg + top, c, size);
	memmove(pg + HDR + 2 * (i + 1), pg + HDR + 2 * i, 2 * (n - i));
	put2(pg + HDR + 2 * i, top);
	put2(pg + 2, n + 1);
	put2(pg + 4, top);
}

static void drop_cell(u8 *pg, unsigned i)
{
	unsigned n = ncells(pg), off = get2(pg + HDR + 2 * i);
	unsigned size = cell_size(pg[0], pg + off);

	if (off == content(pg))
		put2(pg + 4, off + size);
	else
		put2(pg + 6, frag(pg) + size);
	memmove(pg + HDR + 2 * i, pg + HDR + 2 * (i + 1), 2 * (n - i - 1));
	put2(pg + 2, n - 1);
}

/* ---- splits ---- */

/* The cells of an overflowing page with the new one in place. */
static struct {
	u8 buf[PAGE + MAXCELL];
	unsigned off[PAGE / 4], size[PAGE / 4], n, total;
} all;

static void gather(u8 *pg, unsigned at, const u8 *c, unsigned size)
{
	unsigned used = 0, n = ncells(pg);

	all.n = all.total = 0;
	for (unsigned i = 0; i <= n; i++) {
		const u8 *src = i == at ? c : cell(pg, i - (i > at));
		unsigned sz = i == at ? size : cell_size(pg[0], src);

		memcpy(all.buf + used, src, sz);
		all.off[all.n] = used;
		all.size[all.n++] = sz;
		used += sz;
		all.total += sz + 2;
	}
}

static void fill(u8 *pg, int type, uint32_t right, unsigned from, unsigned to)
{
	page_init(pg, type, right);
	for (unsigned i = from; i < to; i++)
		insert_cell(pg, i - from, all.buf + all.off[i], all.size[i]);
}

/* Splits pg, which cannot take cell c at index at, into itself and a new
 * right sibling; returns the sibling and the key that separates them. */
static uint32_t split(u8 *pg, unsigned at, const u8 *c, unsigned size, u8 *sep, unsigned *seplen)
{
	int type = pg[0];
	uint32_t rpgno, right = get4(pg + 8);
	unsigned m = 0, half = 0, klen;
	u8 *r;

	gather(pg, at, c, size);
	while (m + 2 < all.n && half + all.size[m] + 2 <= all.total / 2)
		half += all.size[m++] + 2;
	if (m == 0)
		m = 1;
	const u8 *k = cell_key(type, all.buf + all.off[m], &klen);

	memcpy(sep, k, klen);
	*seplen = klen;
	r = pg_new(&rpgno);
	if (type == LEAF) {
		fill(pg, LEAF, rpgno, 0, m);	/* the leaf chain: pg, r, pg's old next */
		fill(r, LEAF, right, m, all.n);
	} else {
		/* The middle cell moves up: its child becomes pg's rightmost. */
		fill(pg, INNER, get4(all.buf + all.off[m]), 0, m);
		fill(r, INNER, right, m + 1, all.n);
	}
	pg_dirty(pg);
	pg_dirty(r);
	pg_put(r);
	return rpgno;
}

/* ---- the B+tree ---- */

/* Inserts or replaces; returns whether the key is new. */
static int bt_insert(uint32_t root, const u8 *key, unsigned klen, const u8 *val, unsigned vlen)
{
	uint32_t path[MAXDEPTH], pgno = root, newpg, old;
	unsigned at[MAXDEPTH], i, size = 4 + klen + vlen, seplen;
	u8 c[MAXCELL], sep[MAXKEY], *pg = pg_get(root);
	int d = 0, found;

	while (pg[0] == INNER) {
		path[d] = pgno;
		at[d] = child_index(pg, key, klen);
		pgno = child_at(pg, at[d++]);
		pg_put(pg);
		pg = pg_get(pgno);
	}
	i = search(pg, key, klen, &found);
	if (found)
		drop_cell(pg, i);
	put2(c, klen);
	put2(c + 2, vlen);
	memcpy(c + 4, key, klen);
	memcpy(c + 4 + klen, val, vlen);
	/* pg, d levels down, takes cell c at i: split upwards while it cannot. */
	while (room(pg) < size + 2) {
		if (d == 0) {
			/* The root keeps its page number: its content moves down. */
			u8 *down = pg_new(&pgno);

			memcpy(down, pg, PAGE);
			page_init(pg, INNER, pgno);
			pg_dirty(pg);
			pg_put(pg);
			pg = down;
			path[0] = root;
			at[0] = 0;
			d = 1;
		}
		newpg = split(pg, i, c, size, sep, &seplen);
		pg_put(pg);
		old = pgno;
		pgno = path[--d];
		i = at[d];
		pg = pg_get(pgno);
		if (i < ncells(pg))
			put4(cell(pg, i), newpg);
		else
			put4(pg + 8, newpg);
		put4(c, old);
		put2(c + 4, seplen);
		memcpy(c + 6, sep, seplen);
		size = 6 + seplen;
	}
	insert_cell(pg, i, c, size);
	pg_dirty(pg);
	pg_put(pg);
	return !found;
}

/* The leaf that would hold key, pinned, and the index of key's slot. */
static u8 *bt_seek(uint32_t root, const u8 *key, unsigned klen, unsigned *i, int *found)
{
	u8 *pg = pg_get(root);

	while (pg[0] == INNER) {
		uint32_t child = child_at(pg, child_index(pg, key, klen));

		pg_put(pg);
		pg = pg_get(child);
	}
	*i = search(pg, key, klen, found);
	return pg;
}

/* The value's length, copied to val, or -1. */
static int bt_find(uint32_t root, const u8 *key, unsigned klen, u8 *val)
{
	unsigned i;
	int found, len = -1;
	u8 *pg = bt_seek(root, key, klen, &i, &found);

	if (found) {
		const u8 *c = cell(pg, i);

		len = (int)get2(c + 2);
		memcpy(val, c + 4 + klen, (size_t)len);
	}
	pg_put(pg);
	return len;
}

static int bt_delete(uint32_t root, const u8 *key, unsigned klen)
{
	unsigned i;
	int found;
	u8 *pg = bt_seek(root, key, klen, &i, &found);

	if (found) {
		drop_cell(pg, i);
		pg_dirty(pg);
	}
	pg_put(pg);
	return found;
}

static uint32_t fnv(uint32_t h, const u8 *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Up to count records from key on, along the leaf chain: how many, and
 * their hash folded into *sum. */
static unsigned bt_scan(uint32_t root, const u8 *key, unsigned klen, unsigned count, uint32_t *sum)
{
	unsigned i, got = 0;
	int found;
	u8 *pg = bt_seek(root, key, klen, &i, &found);

	while (got < count) {
		if (i == ncells(pg)) {
			uint32_t next = get4(pg + 8);

			pg_put(pg);
			if (!next)
				return got;
			pg = pg_get(next);
			i = 0;
			continue;
		}
		const u8 *c = cell(pg, i++);
		*sum = fnv(*sum, c, 4 + get2(c) + get2(c + 2));
		got++;
	}
	pg_put(pg);
	return got;
}

/* ---- the integrity check ---- */

struct check {
	unsigned long records, pages;
	int leaf_depth;
	unsigned errors;
	uint32_t sum;
	u8 *seen;	/* a byte per page of the file */
};

/* Every key of pgno's subtree must lie in [lo, hi) (NULL: unbounded). */
static void check_page(uint32_t pgno, const u8 *lo, unsigned lolen, const u8 *hi, unsigned hilen,
		       int depth, struct check *ck)
{
	u8 *pg = pg_get(pgno);
	int type = pg[0];
	unsigned n = ncells(pg), used = 0, klen, plen = 0;
	const u8 *prev = NULL;

	ck->errors += pgno == 0 || pgno >= pager.npages || ck->seen[pgno]++;
	ck->errors += (type != LEAF && type != INNER) || (type == INNER && n == 0);
	ck->pages++;
	for (unsigned i = 0; i < n; i++) {
		unsigned off = get2(pg + HDR + 2 * i), size = cell_size(type, pg + off);
		const u8 *k = cell_key(type, pg + off, &klen);

		ck->errors += off < content(pg) || off + size > PAGE;
		ck->errors += (prev && keycmp(prev, plen, k, klen) >= 0) ||
			      (lo && keycmp(k, klen, lo, lolen) < 0) ||
			      (hi && keycmp(k, klen, hi, hilen) >= 0);
		used += size;
		if (type == INNER)
			check_page(get4(pg + off), prev ? prev : lo, prev ? plen : lolen, k, klen,
				   depth + 1, ck);
		else
			ck->sum = fnv(ck->sum, pg + off, size);
		prev = k;
		plen = klen;
	}
	ck->errors += used + frag(pg) != PAGE - content(pg) || content(pg) < HDR + 2 * n;
	if (type == INNER) {
		check_page(get4(pg + 8), prev ? prev : lo, prev ? plen : lolen, hi, hilen, depth + 1, ck);
	} else {
		if (ck->leaf_depth < 0)
			ck->leaf_depth = depth;
		ck->errors += ck->leaf_depth != depth;
		ck->records += n;
	}
	pg_put(pg);
}

/* The leaf chain from the leftmost leaf: every record, in order, once. */
static unsigned long check_chain(uint32_t root, struct check *ck)
{
	u8 last[MAXKEY], *pg = pg_get(root);
	unsigned lastlen = 0, klen;
	unsigned long records = 0;
	uint32_t next;

	while (pg[0] == INNER) {
		next = child_at(pg, 0);
		pg_put(pg);
		pg = pg_get(next);
	}
	for (;;) {
		for (unsigned i = 0; i < ncells(pg); i++) {
			const u8 *k = cell_key(LEAF, cell(pg, i), &klen);

			ck->errors += records && keycmp(last, lastlen, k, klen) >= 0;
			memcpy(last, k, klen);
			lastlen = klen;
			records++;
		}
		next = get4(pg + 8);
		pg_put(pg);
		if (!next)
			return records;
		pg = pg_get(next);
	}
}

/* ---- the workload ---- */

static uint32_t rng = 2463534242u;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static unsigned int_key(u8 *key, uint32_t id)
{
	memset(key, 0, 4);
	put4(key + 4, id);
	return 8;
}

/* A name of syllables chosen by a hash of id, then '/' and id in decimal:
 * unique, and ordered unlike the ids. */
static unsigned str_key(u8 *key, uint32_t id)
{
	static const char syll[16][3] = {"ka", "lo", "mi", "ne", "su", "ta", "ri", "po",
					 "an", "el", "or", "ux", "be", "di", "go", "hu"};
	uint32_t h = id * 2246822519u;
	unsigned n = 0, words = 1 + (h >> 29), d = 0;
	u8 digits[10];

	for (unsigned i = 0; i < words; i++) {
		memcpy(key + n, syll[(h >> (4 * i)) & 15], 2);
		n += 2;
	}
	key[n++] = '/';
	do
		digits[d++] = (u8)('0' + id % 10);
	while ((id /= 10) != 0);
	while (d)
		key[n++] = digits[--d];
	return n;
}

/* The value a version stands for: its length and bytes follow from it. */
static unsigned make_val(u8 *val, uint32_t version, unsigned base, unsigned span)
{
	unsigned len = base + version % span;
	uint32_t x = version;

	for (unsigned i = 0; i < len; i++) {
		x = x * 1664525u + 1013904223u;
		val[i] = (u8)(x >> 24);
	}
	return len;
}

struct table {
	const char *name;
	uint32_t root;
	uint32_t *shadow;	/* per id: the version stored, 0 when absent */
	unsigned (*key)(u8 *, uint32_t);
	unsigned base, span;	/* value lengths */
};

static unsigned long found, scanned, errors;
static uint32_t sum = 2166136261u;

static void lookup(struct table *t, uint32_t id)
{
	u8 key[MAXKEY], val[MAXVAL], want[MAXVAL];
	unsigned klen = t->key(key, id);
	int len = bt_find(t->root, key, klen, val);

	if (len < 0) {
		errors += t->shadow[id] != 0;
		return;
	}
	found++;
	errors += t->shadow[id] == 0 ||
		  (unsigned)len != make_val(want, t->shadow[id], t->base, t->span) ||
		  memcmp(val, want, (size_t)len) != 0;
	sum = fnv(sum, val, (unsigned)len);
}

static void store(struct table *t, uint32_t id, uint32_t version)
{
	u8 key[MAXKEY], val[MAXVAL];
	unsigned klen = t->key(key, id), vlen = make_val(val, version, t->base, t->span);

	errors += bt_insert(t->root, key, klen, val, vlen) != (t->shadow[id] == 0);
	t->shadow[id] = version;
}

static void erase(struct table *t, uint32_t id)
{
	u8 key[MAXKEY];

	errors += bt_delete(t->root, key, t->key(key, id)) != (t->shadow[id] != 0);
	t->shadow[id] = 0;
}

static void op(struct table *ints, struct table *strs, uint32_t ids, unsigned long n)
{
	unsigned r = rnd() % 100;
	/* Three operations in four touch the hottest eighth of the ids. */
	uint32_t hot = rnd() & 3, id = rnd() % (hot ? ids / 8 : ids);
	uint32_t version = (uint32_t)(n * 2654435761u) | 1;
	struct table *t = r & 1 ? strs : ints;
	u8 key[MAXKEY];

	if (r < 30)
		store(t, id, version);		/* insert, or replace a record */
	else if (r < 60)
		lookup(t, id);
	else if (r < 70)
		scanned += bt_scan(ints->root, key, int_key(key, id), 10 + r % 60, &sum);
	else if (r < 86 && t->shadow[id])
		store(t, id, version);		/* update: a new value, of a new length */
	else if (r < 86)
		lookup(t, id);
	else
		erase(t, id);
}

static void report(struct table *t, uint32_t ids, u8 *seen)
{
	struct check ck = {0, 0, -1, 0, 0, seen};
	unsigned long present = 0, chain;

	check_page(t->root, NULL, 0, NULL, 0, 0, &ck);
	chain = check_chain(t->root, &ck);
	for (uint32_t id = 0; id < ids; id++)
		present += t->shadow[id] != 0;
	ck.errors += chain != ck.records || present != ck.records;
	printf("%s: %lu records, %lu pages, depth %d, sum %08x, errors %u\n", t->name, ck.records,
	       ck.pages, ck.leaf_depth + 1, (unsigned)ck.sum, ck.errors);
	errors += ck.errors;
}

int main(int argc, char **argv)
{
	int scale = argc > 1 ? atoi(argv[1]) : 300;
	uint32_t ids = 10000 + (uint32_t)(scale > 0 ? scale : 1) * 100;
	unsigned long ops = (unsigned long)(scale > 0 ? scale : 1) * 4000;
	struct table ints = {"ints", 0, NULL, int_key, 4, 60};
	struct table strs = {"strs", 0, NULL, str_key, 16, 150};
	u8 *pg, *seen;

	pager_init();
	ints.shadow = calloc(ids, sizeof *ints.shadow);
	strs.shadow = calloc(ids, sizeof *strs.shadow);
	if (!ints.shadow || !strs.shadow)
		die("out of memory");
	pg = pg_new(&ints.root);
	page_init(pg, LEAF, 0);
	pg_dirty(pg);
	pg_put(pg);
	pg = pg_new(&strs.root);
	page_init(pg, LEAF, 0);
	pg_dirty(pg);
	pg_put(pg);
	for (unsigned long n = 0; n < ops; n++)
		op(&ints, &strs, ids, n);
	pager_flush();
	seen = calloc(pager.npages, 1);
	if (!seen)
		die("out of memory");
	report(&ints, ids, seen);
	report(&strs, ids, seen);
	free(seen);
	printf("btree: %lu ops, %lu found, %lu scanned, %u pages, cache %lu hits %lu misses %lu writes, "
	       "sum %08x, errors %lu\n",
	       ops, found, scanned, (unsigned)pager.npages, pager.hits, pager.misses, pager.writes,
	       (unsigned)sum, errors);
	free(ints.shadow);
	free(strs.shadow);
	free(pager.file);
	return errors != 0;
}
