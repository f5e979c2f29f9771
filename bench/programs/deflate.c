/* deflate.c — a compressor like zlib's deflate and its inflate: LZ77 with
 * hash chains over a 32 KiB window (lazy matching, as zlib's default
 * level; greedy with short chains, as its fast levels), deflate's length
 * and distance codes with extra bits, Huffman code lengths built from
 * each block's frequencies and limited to 15 bits, canonical codes
 * written LSB first, stored blocks where coding would not pay; the
 * decompressor decodes through a 10-bit lookup table with a canonical
 * walk for longer codes.  Files of generated text-like and binary-like
 * data are compressed, decompressed and compared byte for byte, with
 * CRC-32 and Adler-32 over what went in and came out.  The block header
 * is simpler than deflate's (code lengths in 4 bits each).
 * deflate [FILES] (default 24; 256 KiB each) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;

#define FILE_SIZE (256 * 1024)
#define WBITS 15
#define WSIZE (1 << WBITS)
#define WMASK (WSIZE - 1)
#define HBITS 15
#define MINMATCH 3
#define MAXMATCH 258
#define TOO_FAR 4096	/* a 3-byte match further back costs more than literals */
#define BLOCK_TOKENS 16384
#define MAXBITS 15
#define NLIT 286	/* literals, end of block, 29 length codes */
#define NDIST 30
#define EOB 256
#define FAST 10		/* bits of the decoder's lookup table */

static const u16 len_base[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27,
				 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const u8 len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
				 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const u16 dist_base[NDIST] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129,
				    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
				    6145, 8193, 12289, 16385, 24577};
static const u8 dist_extra[NDIST] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6,
				    6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* Code of each match length and distance, filled by init_tables. */
static u8 len_code[MAXMATCH + 1], dist_code[WSIZE + 1];
static u32 crc_table[256];

static void die(const char *what)
{
	printf("deflate: %s\n", what);
	exit(1);
}

static void init_tables(void)
{
	for (unsigned c = 0; c < 29; c++)
		for (unsigned l = len_base[c]; l < len_base[c] + (1u << len_extra[c]) && l <= MAXMATCH; l++)
			len_code[l] = (u8)c;
	for (unsigned c = 0; c < NDIST; c++)
		for (unsigned d = dist_base[c]; d < dist_base[c] + (1u << dist_extra[c]); d++)
			dist_code[d] = (u8)c;
	for (u32 i = 0; i < 256; i++) {
		u32 c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static u32 crc32(u32 crc, const u8 *p, size_t n)
{
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static u32 adler32(u32 adler, const u8 *p, size_t n)
{
	u32 a = adler & 0xffff, b = adler >> 16;

	while (n) {
		size_t run = n < 5552 ? n : 5552;	/* no overflow before the modulo */

		n -= run;
		while (run--) {
			a += *p++;
			b += a;
		}
		a %= 65521;
		b %= 65521;
	}
	return b << 16 | a;
}

/* ---- Huffman codes ---- */

struct huff {
	u8 len[NLIT];
	u16 code[NLIT];	/* bit-reversed: the stream is LSB first */
};

static unsigned reverse(unsigned code, unsigned len)
{
	unsigned r = 0;

	while (len--) {
		r = r << 1 | (code & 1);
		code >>= 1;
	}
	return r;
}

/* Canonical codes from lengths: shorter codes first, then by symbol. */
static void assign_codes(struct huff *h, unsigned n)
{
	unsigned count[MAXBITS + 1] = {0}, next[MAXBITS + 1], code = 0;

	for (unsigned s = 0; s < n; s++)
		count[h->len[s]]++;
	count[0] = 0;
	for (unsigned l = 1; l <= MAXBITS; l++) {
		code = (code + count[l - 1]) << 1;
		next[l] = code;
	}
	for (unsigned s = 0; s < n; s++)
		if (h->len[s])
			h->code[s] = (u16)reverse(next[h->len[s]]++, h->len[s]);
}

/* Nodes of the tree: leaves first, then the merged ones; a binary heap of
 * node numbers ordered by weight, ties by number (deterministic). */
static u32 weight[2 * NLIT];
static u16 parent[2 * NLIT], heap[2 * NLIT];

static int lighter(u16 a, u16 b)
{
	return weight[a] < weight[b] || (weight[a] == weight[b] && a < b);
}

static void sift_down(unsigned n, unsigned i)
{
	for (;;) {
		unsigned c = 2 * i + 1;

		if (c >= n)
			return;
		if (c + 1 < n && lighter(heap[c + 1], heap[c]))
			c++;
		if (!lighter(heap[c], heap[i]))
			return;
		u16 t = heap[c];
		heap[c] = heap[i];
		heap[i] = t;
		i = c;
	}
}

/* Lengths of an optimal code; 0 for unused symbols.  Returns the longest. */
static unsigned build_lengths(const u32 *freq, unsigned n, u8 *len)
{
	unsigned leaves = 0, nodes = n, size, longest = 0;

	for (unsigned s = 0; s < n; s++) {
		weight[s] = freq[s];
		len[s] = 0;
		if (freq[s])
			heap[leaves++] = (u16)s;
	}
	if (leaves == 1)
		len[heap[0]] = 1;
	if (leaves < 2)
		return leaves;
	size = leaves;
	for (unsigned i = size / 2; i-- > 0;)
		sift_down(size, i);
	while (size > 1) {
		u16 a = heap[0], b;

		heap[0] = heap[--size];
		sift_down(size, 0);
		b = heap[0];
		weight[nodes] = weight[a] + weight[b];
		parent[a] = parent[b] = (u16)nodes;
		heap[0] = (u16)nodes++;
		sift_down(size, 0);
	}
	/* Depths from the root (the last node) down: parents come later. */
	static u8 depth[2 * NLIT];
	depth[nodes - 1] = 0;
	for (unsigned i = nodes - 1; i-- > n;)
		depth[i] = depth[parent[i]] + 1;
	for (unsigned s = 0; s < n; s++)
		if (freq[s]) {
			len[s] = depth[parent[s]] + 1;
			longest = len[s] > longest ? len[s] : longest;
		}
	return longest;
}

/* Lengths of at most MAXBITS: flatten the frequencies until they fit. */
static void limited_lengths(const u32 *freq, unsigned n, struct huff *h)
{
	u32 f[NLIT];

	memcpy(f, freq, n * sizeof *f);
	while (build_lengths(f, n, h->len) > MAXBITS)
		for (unsigned s = 0; s < n; s++)
			f[s] = f[s] ? (f[s] >> 1) | 1 : 0;
	assign_codes(h, n);
}

/* ---- the compressor ---- */

struct level {
	const char *name;
	unsigned chain;	/* hash chain links followed at most */
	unsigned lazy;	/* try the next position when the match is shorter */
	unsigned nice;	/* stop searching at a match this long */
};

struct bits {
	u8 *p, *end;
	uint64_t buf;
	unsigned n;
};

static void put_bits(struct bits *w, u32 v, unsigned n)
{
	w->buf |= (uint64_t)v << w->n;
	w->n += n;
	if (w->n >= 32) {
		if (w->end - w->p < 4)
			die("output full");
		for (int i = 0; i < 4; i++)
			*w->p++ = (u8)(w->buf >> (8 * i));
		w->buf >>= 32;
		w->n -= 32;
	}
}

static void flush_bits(struct bits *w)
{
	while (w->n > 0) {
		if (w->p == w->end)
			die("output full");
		*w->p++ = (u8)w->buf;
		w->buf >>= 8;
		w->n = w->n > 8 ? w->n - 8 : 0;
	}
	w->buf = 0;
}

/* A token: a literal (dist 0) or a match of len bytes dist back. */
static struct token {
	u16 len, dist;
} tokens[BLOCK_TOKENS];

static int32_t head[1 << HBITS], prev[WSIZE];
static unsigned long matches, literals, blocks, stored;

static unsigned hash3(const u8 *p)
{
	u32 v = (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16;

	return (v * 2654435761u) >> (32 - HBITS);
}

static void insert(const u8 *in, int32_t pos)
{
	unsigned h = hash3(in + pos);

	prev[pos & WMASK] = head[h];
	head[h] = pos;
}

/* The longest match for in[pos..] among the earlier positions of its
 * hash chain within the window; its length (0 if under MINMATCH). */
static unsigned longest_match(const u8 *in, int32_t pos, int32_t avail, const struct level *lv,
			      unsigned *out_dist)
{
	unsigned best = 0, chain = lv->chain, max = avail < MAXMATCH ? (unsigned)avail : MAXMATCH;
	int32_t cand = head[hash3(in + pos)], limit = pos - WSIZE;
	const u8 *cur = in + pos;

	while (cand > limit && cand >= 0 && chain--) {
		const u8 *m = in + cand;

		if (m[best] == cur[best] && m[0] == cur[0] && m[1] == cur[1]) {
			unsigned l = 2;

			while (l < max && m[l] == cur[l])
				l++;
			if (l > best) {
				best = l;
				*out_dist = (unsigned)(pos - cand);
				if (l >= lv->nice || l == max)
					break;
			}
		}
		cand = prev[cand & WMASK];
	}
	if (best < MINMATCH || (best == MINMATCH && *out_dist > TOO_FAR))
		return 0;
	return best;
}

/* Bits the block costs coded with h (header excluded). */
static uint64_t coded_bits(const u32 *lfreq, const u32 *dfreq, const struct huff *lh,
			   const struct huff *dh)
{
	uint64_t bits = 0;

	for (unsigned s = 0; s < NLIT; s++)
		bits += (uint64_t)lfreq[s] * (lh->len[s] + (s > EOB ? len_extra[s - EOB - 1] : 0));
	for (unsigned s = 0; s < NDIST; s++)
		bits += (uint64_t)dfreq[s] * (dh->len[s] + dist_extra[s]);
	return bits;
}

/* Block: a bit "last", a bit "coded"; stored: byte-aligned 4-byte length
 * and the bytes; coded: 4-bit code lengths, then the symbols. */
static void write_block(struct bits *w, const u8 *src, u32 bytes, unsigned ntok, int last)
{
	static u32 lfreq[NLIT], dfreq[NDIST];
	static struct huff lh, dh;

	memset(lfreq, 0, sizeof lfreq);
	memset(dfreq, 0, sizeof dfreq);
	for (unsigned i = 0; i < ntok; i++) {
		if (tokens[i].dist == 0) {
			lfreq[tokens[i].len]++;
		} else {
			lfreq[EOB + 1 + len_code[tokens[i].len]]++;
			dfreq[dist_code[tokens[i].dist]]++;
		}
	}
	lfreq[EOB] = 1;
	limited_lengths(lfreq, NLIT, &lh);
	limited_lengths(dfreq, NDIST, &dh);
	blocks++;
	put_bits(w, (u32)last, 1);
	if (coded_bits(lfreq, dfreq, &lh, &dh) + 4 * (NLIT + NDIST) >= 8 * (uint64_t)bytes + 40) {
		stored++;
		put_bits(w, 0, 1);
		flush_bits(w);
		if ((size_t)(w->end - w->p) < 4 + (size_t)bytes)
			die("output full");
		for (int i = 0; i < 4; i++)
			*w->p++ = (u8)(bytes >> (8 * i));
		memcpy(w->p, src, bytes);
		w->p += bytes;
		return;
	}
	put_bits(w, 1, 1);
	for (unsigned s = 0; s < NLIT; s++)
		put_bits(w, lh.len[s], 4);
	for (unsigned s = 0; s < NDIST; s++)
		put_bits(w, dh.len[s], 4);
	for (unsigned i = 0; i < ntok; i++) {
		const struct token *t = &tokens[i];

		if (t->dist == 0) {
			put_bits(w, lh.code[t->len], lh.len[t->len]);
			continue;
		}
		unsigned lc = len_code[t->len], dc = dist_code[t->dist];

		put_bits(w, lh.code[EOB + 1 + lc], lh.len[EOB + 1 + lc]);
		put_bits(w, t->len - len_base[lc], len_extra[lc]);
		put_bits(w, dh.code[dc], dh.len[dc]);
		put_bits(w, t->dist - dist_base[dc], dist_extra[dc]);
	}
	put_bits(w, lh.code[EOB], lh.len[EOB]);
}

/* Compresses in[0..n) into out (a 4-byte length first); the size. */
static size_t compress(const u8 *in, int32_t n, u8 *out, size_t cap, const struct level *lv)
{
	struct bits w = {out + 4, out + cap, 0, 0};
	int32_t pos = 0, start = 0;
	unsigned ntok = 0;

	for (int i = 0; i < 4; i++)
		out[i] = (u8)((u32)n >> (8 * i));
	memset(head, 0xff, sizeof head);	/* -1: an empty chain */
	while (pos < n) {
		unsigned len = 0, dist = 0, d2 = 0;

		if (n - pos >= MINMATCH) {
			len = longest_match(in, pos, n - pos, lv, &dist);
			insert(in, pos);
		}
		/* Lazy: a longer match one byte on makes this byte a literal. */
		if (len && len < lv->lazy && n - pos - 1 >= MINMATCH &&
		    longest_match(in, pos + 1, n - pos - 1, lv, &d2) > len)
			len = 0;
		if (len) {
			tokens[ntok++] = (struct token){(u16)len, (u16)dist};
			matches++;
			for (int32_t end = pos + (int32_t)len; ++pos < end;)
				if (n - pos >= MINMATCH)
					insert(in, pos);
		} else {
			tokens[ntok++] = (struct token){in[pos++], 0};
			literals++;
		}
		if (ntok == BLOCK_TOKENS || pos == n) {
			write_block(&w, in + start, (u32)(pos - start), ntok, pos == n);
			start = pos;
			ntok = 0;
		}
	}
	if (n == 0)
		write_block(&w, in, 0, 0, 1);
	flush_bits(&w);
	return (size_t)(w.p - out);
}

/* ---- the decompressor ---- */

struct decoder {
	u16 fast[1 << FAST];	/* symbol << 4 | length; 0: a longer code */
	u16 count[MAXBITS + 1];
	u16 sorted[NLIT];	/* symbols by code: by length, then value */
};

struct reader {
	const u8 *p, *end;
	uint64_t buf;
	unsigned n;
};

/* At least 32 bits in buf, zeros past the end (caught as overrun). */
static void refill(struct reader *r)
{
	while (r->n <= 56) {
		if (r->p < r->end)
			r->buf |= (uint64_t)*r->p << r->n;
		else if (r->p > r->end + 8)
			die("input overrun");
		r->p++;
		r->n += 8;
	}
}

static u32 get_bits(struct reader *r, unsigned n)
{
	u32 v = (u32)(r->buf & ((1u << n) - 1));

	r->buf >>= n;
	r->n -= n;
	return v;
}

static void build_decoder(struct decoder *d, const u8 *len, unsigned n)
{
	unsigned offs[MAXBITS + 2];
	struct huff h;

	memset(d->fast, 0, sizeof d->fast);
	memset(d->count, 0, sizeof d->count);
	for (unsigned s = 0; s < n; s++)
		d->count[len[s]]++;
	d->count[0] = 0;
	offs[1] = 0;
	for (unsigned l = 1; l <= MAXBITS; l++)
		offs[l + 1] = offs[l] + d->count[l];
	for (unsigned s = 0; s < n; s++)
		if (len[s])
			d->sorted[offs[len[s]]++] = (u16)s;
	memcpy(h.len, len, n);
	assign_codes(&h, n);
	for (unsigned s = 0; s < n; s++)
		if (len[s] && len[s] <= FAST)
			for (unsigned i = h.code[s]; i < (1u << FAST); i += 1u << len[s])
				d->fast[i] = (u16)(s << 4 | len[s]);
}

/* One symbol: by the table, or bit by bit through the canonical code
 * (codes of one length are consecutive: the first of each length
 * follows from the counts of shorter ones). */
static unsigned decode(struct reader *r, const struct decoder *d)
{
	unsigned e = d->fast[r->buf & ((1u << FAST) - 1)];
	int code = 0, first = 0, index = 0;

	if (e) {
		get_bits(r, e & 15);
		return e >> 4;
	}
	for (unsigned l = 1; l <= MAXBITS; l++) {
		code |= (int)get_bits(r, 1);
		if (code - first < d->count[l])
			return d->sorted[index + code - first];
		index += d->count[l];
		first = (first + d->count[l]) << 1;
		code <<= 1;
	}
	die("bad code");
	return 0;
}

static size_t decompress(const u8 *in, size_t n, u8 *out, size_t cap)
{
	static struct decoder lit, dist;
	struct reader r = {in + 4, in + n, 0, 0};
	size_t size = 0, o = 0;
	int last = 0;
	u8 lens[NLIT + NDIST];

	for (int i = 0; i < 4; i++)
		size |= (size_t)in[i] << (8 * i);
	if (size > cap)
		die("output too large");
	while (!last) {
		refill(&r);
		last = (int)get_bits(&r, 1);
		if (!get_bits(&r, 1)) {
			/* Stored: whole bytes, after the buffered bits' byte. */
			r.p -= r.n / 8;
			r.buf = 0;
			r.n = 0;
			if (r.end - r.p < 4)
				die("truncated");
			size_t len = (size_t)r.p[0] | (size_t)r.p[1] << 8 | (size_t)r.p[2] << 16 |
				     (size_t)r.p[3] << 24;
			r.p += 4;
			if (len > (size_t)(r.end - r.p) || len > size - o)
				die("bad stored block");
			memcpy(out + o, r.p, len);
			r.p += len;
			o += len;
			continue;
		}
		for (unsigned i = 0; i < NLIT + NDIST; i++) {
			refill(&r);
			lens[i] = (u8)get_bits(&r, 4);
		}
		build_decoder(&lit, lens, NLIT);
		build_decoder(&dist, lens + NLIT, NDIST);
		for (;;) {
			refill(&r);
			unsigned s = decode(&r, &lit);

			if (s < EOB) {
				if (o == size)
					die("output overrun");
				out[o++] = (u8)s;
				continue;
			}
			if (s == EOB)
				break;
			s -= EOB + 1;
			if (s >= 29)
				die("bad length code");
			unsigned len = len_base[s] + get_bits(&r, len_extra[s]);
			refill(&r);
			unsigned dc = decode(&r, &dist);
			if (dc >= NDIST)
				die("bad distance code");
			size_t back = dist_base[dc] + get_bits(&r, dist_extra[dc]);
			if (back > o || len > size - o)
				die("bad match");
			for (u8 *q = out + o, *e = q + len; q < e; q++)	/* may overlap */
				*q = q[-back];
			o += len;
		}
	}
	if (o != size)
		die("short output");
	return o;
}

/* ---- the data ---- */

/* A 64-bit LCG; its high half is the well-mixed one. */
static uint64_t rng = 88172645463325252u;

static u32 rnd(void)
{
	rng = rng * 6364136223846793005u + 1442695040888963407u;
	return (u32)(rng >> 32);
}

#define WORDS 1024
static char vocab[WORDS][16];

static void init_vocab(void)
{
	static const char syll[24][4] = {"the", "an", "or", "in", "ex", "pro", "com", "st",
					 "ing", "er", "al", "ly", "de", "con", "re", "ma",
					 "ti", "on", "us", "ber", "ta", "go", "ve", "sh"};

	for (unsigned w = 0; w < WORDS; w++) {
		unsigned k = 1 + rnd() % 4;

		for (unsigned i = 0; i < k; i++)
			strcat(vocab[w], syll[rnd() % 24]);
	}
}

/* Prose: words skewed toward the common ones, punctuation, lines. */
static size_t gen_text(u8 *p, size_t n)
{
	size_t o = 0, col = 0;
	int cap = 1;

	while (o + 40 < n) {
		u32 r = rnd();
		unsigned w = ((r & 1023) * ((r >> 10) & 1023)) >> 10;
		size_t l = strlen(vocab[w]);

		memcpy(p + o, vocab[w], l);
		if (cap)
			p[o] = (u8)(p[o] - 'a' + 'A');
		o += l;
		col += l;
		cap = 0;
		if (r >> 28 == 0) {
			o += (size_t)sprintf((char *)p + o, " %u", (r >> 20) & 4095);
		} else if (r >> 27 == 2) {
			p[o++] = ',';
		} else if (r >> 27 == 3) {
			p[o++] = '.';
			cap = 1;
		}
		if (col > 64) {
			p[o++] = '\n';
			col = 0;
		} else {
			p[o++] = ' ';
		}
	}
	return o;
}

/* Records as a program would write them: counters, small enums, flags,
 * measurements with noisy low bytes, repeated fields. */
static size_t gen_records(u8 *p, size_t n)
{
	static u32 seq, stamp;
	size_t o = 0;
	u32 extra = 0;

	while (o + 24 <= n) {
		u32 r = rnd();

		seq += 1 + (r & 3);
		stamp += r % 1000;
		if ((r >> 8 & 3) == 0)
			extra = rnd();
		u32 f[6] = {seq, stamp, (r >> 10) % 6 | (r >> 31) << 15, r >> 20 & 0xff,
			    rnd() & 0xfff, extra};
		for (int i = 0; i < 6; i++)
			for (int b = 0; b < 4; b++)
				p[o++] = (u8)(f[i] >> (8 * b));
	}
	return o;
}

static size_t gen_noise(u8 *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (u8)(rnd() >> 24);
	return n;
}

/* A file of segments, mostly text and records, sometimes noise (as
 * compressed or encrypted parts of real files). */
static void gen_file(u8 *p, size_t n)
{
	size_t o = 0;

	while (o < n) {
		u32 r = rnd() % 32;
		size_t seg = 2048 + rnd() % 14336;

		if (r == 31)	/* long enough to fill a stored block */
			seg *= 3;
		if (seg > n - o)
			seg = n - o;
		if (r < 17)
			o += gen_text(p + o, seg);
		else if (r < 30)
			o += gen_records(p + o, seg);
		else
			o += gen_noise(p + o, r == 30 ? seg / 4 : seg);
		while (o < n && o % 8)
			p[o++] = ' ';
	}
}

int main(int argc, char **argv)
{
	static const struct level levels[2] = {{"default", 128, 16, 128}, {"fast", 4, 0, 16}};
	int files = argc > 1 ? atoi(argv[1]) : 24;
	size_t cap = FILE_SIZE + FILE_SIZE / 2 + 1024, total[2] = {0, 0}, packed[2] = {0, 0};
	u8 *in = malloc(FILE_SIZE), *z = malloc(cap), *out = malloc(FILE_SIZE);
	u32 crc_in = 0, crc_out = 0, adler = 1;

	if (!in || !z || !out)
		die("out of memory");
	init_tables();
	init_vocab();
	for (int f = 0; f < files; f++) {
		const struct level *lv = &levels[f % 4 == 3];
		size_t zn, n;

		gen_file(in, FILE_SIZE);
		zn = compress(in, FILE_SIZE, z, cap, lv);
		memset(out, 0, FILE_SIZE);
		n = decompress(z, zn, out, FILE_SIZE);
		if (n != FILE_SIZE || memcmp(in, out, n) != 0)
			die("round trip differs");
		crc_in = crc32(crc_in, in, FILE_SIZE);
		crc_out = crc32(crc_out, out, n);
		adler = adler32(adler, out, n);
		total[lv != levels] += FILE_SIZE;
		packed[lv != levels] += zn;
	}
	for (int l = 0; l < 2; l++)
		printf("%s: %zu -> %zu bytes\n", levels[l].name, total[l], packed[l]);
	printf("deflate: %d files, %lu blocks (%lu stored), %lu matches, %lu literals, "
	       "crc32 %08x/%08x, adler32 %08x, round trip %s\n",
	       files, blocks, stored, matches, literals, (unsigned)crc_in, (unsigned)crc_out,
	       (unsigned)adler, crc_in == crc_out ? "ok" : "FAILED");
	free(in);
	free(z);
	free(out);
	return crc_in != crc_out;
}
