/*
 * test_signatures.c — artifact signatures through the public API (Check):
 * an artifact signed with an Ed25519 key loads with kiln_module_load_verified
 * and that key, and runs; an unsigned one, one signed by another key, one
 * changed after signing (its checksum recomputed, as an attacker would),
 * one whose signature was stripped or whose fingerprint was swapped are
 * refused with KILN_ERR_UNTRUSTED before anything in them is used.
 * Keys are made at test time with libcrypto (never committed).
 *
 * kiln-signatures-test FUEL.wasm
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <kiln.h>

#include "test_util.h"

/* kiln_artifact_header: where the checksum and the signature range are. */
enum { CHECKSUM_AT = 24, SIGNATURE_AT = 176 };

static const char *wasm_path;
static uint8_t *art;	/* unsigned, compiled once */
static size_t art_len;

/* A fresh key pair as PEM: the private key, and the public key alone. */
static void make_key(kiln_key **priv, kiln_key **pub)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	BIO *a = BIO_new(BIO_s_mem()), *b = BIO_new(BIO_s_mem());
	char *p;
	long n;
	kiln_error err;

	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(PEM_write_bio_PrivateKey(a, k, NULL, NULL, 0, NULL, NULL), 1);
	ck_assert_int_eq(PEM_write_bio_PUBKEY(b, k), 1);
	n = BIO_get_mem_data(a, &p);
	ck_assert_int_eq(kiln_key_from_pem(p, (size_t)n, priv, &err), KILN_OK);
	n = BIO_get_mem_data(b, &p);
	ck_assert_msg(strstr(p, "PUBLIC KEY") != NULL, "not a public key PEM");
	ck_assert_int_eq(kiln_key_from_pem(p, (size_t)n, pub, &err), KILN_OK);
	BIO_free(a);
	BIO_free(b);
	EVP_PKEY_free(k);
}

static void reseal(uint8_t *p, size_t len)
{
	uint64_t h;

	memset(p + CHECKSUM_AT, 0, 8);
	h = XXH3_64bits(p, len);
	memcpy(p + CHECKSUM_AT, &h, 8);
}

static uint8_t *sign(const uint8_t *bytes, size_t len, const kiln_key *key, size_t *out_len)
{
	uint8_t *out = NULL;
	kiln_error err;

	ck_assert_msg(kiln_artifact_sign(bytes, len, key, &out, out_len, &err) == KILN_OK, "%s",
		      err.message);
	return out;
}

/* Loading with key is refused as untrusted, with msg in the message. */
static void refused(const uint8_t *bytes, size_t len, const kiln_key *key, const char *msg)
{
	kiln_module *m = (kiln_module *)1;
	kiln_error err;

	ck_assert_int_eq(kiln_module_load_verified(bytes, len, key, &m, &err), KILN_ERR_UNTRUSTED);
	ck_assert_ptr_null(m);
	ck_assert_msg(strstr(err.message, msg) != NULL, "'%s' lacks '%s'", err.message, msg);
}

/* count(7) of the loaded module. */
static int32_t run(kiln_module *m)
{
	kiln_instance *inst = NULL;
	kiln_val a = {KILN_I32, {.i32 = 7}}, r = {0};
	kiln_error err;

	ck_assert_msg(kiln_instance_new(m, NULL, 0, &inst, NULL, &err) == KILN_OK, "%s",
		      err.message);
	ck_assert_int_eq(kiln_func_call(export(inst, "count"), &a, 1, &r, 1, NULL, &err), KILN_OK);
	kiln_instance_delete(inst);
	return r.of.i32;
}

static void setup(void)
{
	size_t len;
	uint8_t *wasm = read_file(wasm_path, &len);
	kiln_engine *e = NULL;
	kiln_module *m = NULL;
	kiln_error err;

	ck_assert_ptr_nonnull(wasm);
	ck_assert_int_eq(kiln_engine_new(NULL, &e, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_decode(wasm, len, &m, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_serialize(e, m, &art, &art_len, &err), KILN_OK);
	kiln_module_delete(m);
	kiln_engine_delete(e);
	free(wasm);
}

static void teardown(void)
{
	free(art);
	art = NULL;
}

START_TEST(signed_artifact_loads_and_runs)
{
	kiln_key *priv, *pub;
	kiln_module *m = NULL;
	kiln_artifact_desc d;
	kiln_error err;
	uint8_t fp[32], fp_pub[32];
	size_t len;
	uint8_t *s;

	make_key(&priv, &pub);
	s = sign(art, art_len, priv, &len);
	ck_assert_int_eq(kiln_artifact_describe(s, len, &d, &err), KILN_OK);
	kiln_key_fingerprint(priv, fp);
	kiln_key_fingerprint(pub, fp_pub);
	ck_assert(d.is_signed);
	ck_assert_mem_eq(d.signer_fingerprint, fp, 32);
	ck_assert_mem_eq(fp_pub, fp, 32);
	ck_assert_msg(kiln_module_load_verified(s, len, pub, &m, &err) == KILN_OK, "%s",
		      err.message);
	ck_assert_int_eq(run(m), 7);
	kiln_module_delete(m);
	/* A private key verifies too; an unverified load still works. */
	ck_assert_int_eq(kiln_module_load_verified(s, len, priv, &m, &err), KILN_OK);
	kiln_module_delete(m);
	ck_assert_int_eq(kiln_module_load(s, len, &m, &err), KILN_OK);
	kiln_module_delete(m);
	ck_assert_int_eq(kiln_artifact_describe(art, art_len, &d, &err), KILN_OK);
	ck_assert(!d.is_signed);
	free(s);
	kiln_key_delete(priv);
	kiln_key_delete(pub);
}
END_TEST

START_TEST(unsigned_and_foreign_artifacts_refused)
{
	kiln_key *a, *a_pub, *b, *b_pub;
	kiln_module *m = NULL;
	kiln_error err;
	size_t len, len2;
	uint8_t *s, *s2;

	make_key(&a, &a_pub);
	make_key(&b, &b_pub);
	refused(art, art_len, a_pub, "artifact is not signed");
	s = sign(art, art_len, a, &len);
	refused(s, len, b_pub, "signed by another key");
	/* Re-signing replaces the block: B's now, A's refused. */
	s2 = sign(s, len, b, &len2);
	ck_assert_uint_eq(len2, len);
	ck_assert_int_eq(kiln_module_load_verified(s2, len2, b_pub, &m, &err), KILN_OK);
	kiln_module_delete(m);
	refused(s2, len2, a_pub, "signed by another key");
	/* A's signature under B's fingerprint. */
	memcpy(s + len - 96, s2 + len2 - 96, 32);
	reseal(s, len);
	refused(s, len, b_pub, "does not verify");
	free(s);
	free(s2);
	kiln_key_delete(a);
	kiln_key_delete(a_pub);
	kiln_key_delete(b);
	kiln_key_delete(b_pub);
}
END_TEST

START_TEST(changes_after_signing_refused)
{
	kiln_key *priv, *pub;
	kiln_artifact_desc d;
	kiln_error err;
	size_t len, code;
	uint8_t *s, *t;

	make_key(&priv, &pub);
	s = sign(art, art_len, priv, &len);
	ck_assert_int_eq(kiln_artifact_describe(s, len, &d, &err), KILN_OK);
	t = malloc(len);
	/* A byte of code, of the header (opt_level), of the signature. */
	code = d.objects[0].offset + d.objects[0].size / 2;
	size_t at[] = {code, 12, len - 1};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		memcpy(t, s, len);
		t[at[i]] ^= 0x90;
		reseal(t, len);
		refused(t, len, pub, "does not verify");
	}
	/* Without the checksum recomputed: the damage is found first. */
	memcpy(t, s, len);
	t[code] ^= 0x90;
	ck_assert_int_eq(kiln_module_load_verified(t, len, pub, &(kiln_module *){0}, &err),
			 KILN_ERR_MALFORMED);
	/* The signature stripped, as if never signed. */
	memcpy(t, s, len);
	memset(t + SIGNATURE_AT, 0, 16);
	reseal(t, len - 104);
	refused(t, len - 104, pub, "artifact is not signed");
	free(t);
	free(s);
	kiln_key_delete(priv);
	kiln_key_delete(pub);
}
END_TEST

START_TEST(bad_keys_and_inputs)
{
	static const char junk[] = "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n";
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	BIO *bio = BIO_new(BIO_s_mem());
	kiln_key *k = (kiln_key *)1, *priv, *pub;
	kiln_error err;
	uint8_t *out = (uint8_t *)1;
	size_t n;
	char *p;

	ck_assert_int_eq(kiln_key_from_pem(junk, sizeof junk - 1, &k, &err), KILN_ERR_ARG);
	ck_assert_ptr_null(k);
	ck_assert_msg(strstr(err.message, "Ed25519") != NULL, "%s", err.message);
	ck_assert_int_eq(PEM_write_bio_PrivateKey(bio, rsa, NULL, NULL, 0, NULL, NULL), 1);
	n = (size_t)BIO_get_mem_data(bio, &p);
	ck_assert_int_eq(kiln_key_from_pem(p, n, &k, &err), KILN_ERR_ARG);
	make_key(&priv, &pub);
	ck_assert_int_eq(kiln_artifact_sign(art, art_len, pub, &out, &n, &err), KILN_ERR_ARG);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(kiln_artifact_sign(art, 100, priv, &out, &n, &err), KILN_ERR_MALFORMED);
	ck_assert_str_eq(kiln_status_string(KILN_ERR_UNTRUSTED), "untrusted artifact");
	kiln_key_delete(NULL);
	kiln_key_delete(priv);
	kiln_key_delete(pub);
	BIO_free(bio);
	EVP_PKEY_free(rsa);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("artifact_signatures");
	TCase *tc = tcase_create("signatures");
	SRunner *sr;
	int failed;

	if (argc != 2)
		return fprintf(stderr, "usage: kiln-signatures-test FUEL.wasm\n"), 2;
	wasm_path = argv[1];
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, signed_artifact_loads_and_runs);
	tcase_add_test(tc, unsigned_and_foreign_artifacts_refused);
	tcase_add_test(tc, changes_after_signing_refused);
	tcase_add_test(tc, bad_keys_and_inputs);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
