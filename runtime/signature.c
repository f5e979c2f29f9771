/*
 * signature.c — Ed25519 keys and artifact signatures (artifact.h), with
 * OpenSSL's libcrypto: no cryptography is written here.
 *
 * The signed message is KILN_SIGNATURE_CONTEXT (so that a kiln signature
 * means nothing elsewhere) followed by the SHA-512 of the artifact up to
 * its signature block, with the checksum field as zero.  Verification
 * checks the fingerprint first only to name a wrong key; the signature
 * over the bytes is what decides.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "artifact.h"

struct kiln_key {
	EVP_PKEY *pkey;
	bool is_private;
	uint8_t fingerprint[32];
};

bool kiln_sha256(const uint8_t *bytes, size_t len, uint8_t out[32])
{
	return EVP_Digest(bytes, len, out, NULL, EVP_sha256(), NULL) == 1;
}

static kiln_status untrusted(kiln_error *err, const char *msg)
{
	return krt_fail_status(err, KILN_ERR_UNTRUSTED, KILN_NO_OFFSET, "%s", msg);
}

/* An encrypted key is refused, never asked a password for on the
 * terminal (OpenSSL's default without a callback). */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

/* The key in a PEM buffer: private first, then public. */
static EVP_PKEY *read_pem(const char *pem, size_t len, bool *is_private)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *k = NULL;

	if (bio && (k = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL)) != NULL)
		*is_private = true;
	else if (bio && BIO_reset(bio) == 1 &&
		 (k = PEM_read_bio_PUBKEY(bio, NULL, no_password, NULL)) != NULL)
		*is_private = false;
	BIO_free(bio);
	ERR_clear_error();
	return k;
}

kiln_status kiln_key_from_pem(const char *pem, size_t len, kiln_key **out, kiln_error *err)
{
	kiln_key *key = NULL;
	uint8_t raw[32];
	size_t n = sizeof raw;

	*out = NULL;
	if (pem == NULL || len > INT32_MAX)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "no key, or over 2 GiB");
	if (!(key = calloc(1, sizeof *key)))
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	key->pkey = read_pem(pem, len, &key->is_private);
	if (!key->pkey || EVP_PKEY_get_id(key->pkey) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(key->pkey, raw, &n) != 1 || n != sizeof raw ||
	    !kiln_sha256(raw, n, key->fingerprint)) {
		kiln_key_delete(key);
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "not an Ed25519 key in PEM form (unencrypted PRIVATE KEY or "
				       "PUBLIC KEY)");
	}
	*out = key;
	return KILN_OK;
}

void kiln_key_delete(kiln_key *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

void kiln_key_fingerprint(const kiln_key *key, uint8_t out[32])
{
	memcpy(out, key->fingerprint, 32);
}

/* The message signed: the context and the SHA-512 of bytes[0, len) with
 * the checksum field zero. */
static bool message(const uint8_t *bytes, size_t len,
		    uint8_t msg[sizeof KILN_SIGNATURE_CONTEXT + 64])
{
	static const uint8_t zero[8];
	size_t at = offsetof(kiln_artifact_header, checksum);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) == 1 &&
		  EVP_DigestUpdate(ctx, bytes, at) == 1 &&
		  EVP_DigestUpdate(ctx, zero, sizeof zero) == 1 &&
		  EVP_DigestUpdate(ctx, bytes + at + 8, len - at - 8) == 1 &&
		  EVP_DigestFinal_ex(ctx, msg + sizeof KILN_SIGNATURE_CONTEXT, NULL) == 1;

	EVP_MD_CTX_free(ctx);
	memcpy(msg, KILN_SIGNATURE_CONTEXT, sizeof KILN_SIGNATURE_CONTEXT);
	return ok;
}

kiln_status kiln_artifact_sign(const uint8_t *bytes, size_t len, const kiln_key *key,
			       uint8_t **out, size_t *out_len, kiln_error *err)
{
	uint8_t msg[sizeof KILN_SIGNATURE_CONTEXT + 64], *p;
	kiln_artifact_signature sig;
	kiln_artifact_desc d;
	kiln_artifact_header h;
	size_t siglen = sizeof sig.signature, n;
	EVP_MD_CTX *ctx;
	kiln_status st;
	bool ok;

	*out = NULL;
	*out_len = 0;
	if (!key || !key->is_private)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "signing needs a private key");
	if ((st = kiln_artifact_describe(bytes, len, &d, err)) != KILN_OK)
		return st;
	memcpy(&h, bytes, sizeof h);
	n = d.is_signed ? (size_t)h.signature.off : len;	/* a new block replaces the old */
	if (!(p = malloc(n + sizeof sig)))
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	memcpy(p, bytes, n);
	h.signature = (kiln_artifact_range){n, sizeof sig};
	memcpy(p, &h, sizeof h);
	memcpy(sig.magic, KILN_SIGNATURE_MAGIC, 8);
	memcpy(sig.fingerprint, key->fingerprint, 32);
	ctx = EVP_MD_CTX_new();
	ok = message(p, n, msg) && ctx &&
	     EVP_DigestSignInit(ctx, NULL, NULL, NULL, key->pkey) == 1 &&
	     EVP_DigestSign(ctx, sig.signature, &siglen, msg, sizeof msg) == 1 &&
	     siglen == sizeof sig.signature;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	if (!ok) {
		free(p);
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				       "cannot sign the artifact");
	}
	memcpy(p + n, &sig, sizeof sig);
	krt_artifact_seal(p, n + sizeof sig);
	*out = p;
	*out_len = n + sizeof sig;
	return KILN_OK;
}

/* KILN_OK when the artifact is signed by key. */
static kiln_status verify(const uint8_t *bytes, size_t len, const kiln_key *key,
			  kiln_error *err)
{
	uint8_t msg[sizeof KILN_SIGNATURE_CONTEXT + 64];
	kiln_artifact_signature sig;
	kiln_artifact_header h;
	kiln_artifact_desc d;
	EVP_MD_CTX *ctx;
	kiln_status st;
	bool ok;

	if (!key)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET, "no key");
	if ((st = kiln_artifact_describe(bytes, len, &d, err)) != KILN_OK)
		return st;
	if (!d.is_signed)
		return untrusted(err, "artifact is not signed");
	memcpy(&h, bytes, sizeof h);
	memcpy(&sig, bytes + h.signature.off, sizeof sig);
	if (memcmp(sig.fingerprint, key->fingerprint, 32)) {
		char msgbuf[96];
		snprintf(msgbuf, sizeof msgbuf,
			 "artifact signed by another key (fingerprint %02x%02x%02x%02x%02x%02x%02x%02x...)",
			 sig.fingerprint[0], sig.fingerprint[1], sig.fingerprint[2],
			 sig.fingerprint[3], sig.fingerprint[4], sig.fingerprint[5],
			 sig.fingerprint[6], sig.fingerprint[7]);
		return untrusted(err, msgbuf);
	}
	ctx = EVP_MD_CTX_new();
	ok = message(bytes, (size_t)h.signature.off, msg) && ctx &&
	     EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key->pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig.signature, sizeof sig.signature, msg, sizeof msg) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok ? KILN_OK : untrusted(err, "artifact signature does not verify "
					     "(changed after it was signed)");
}

kiln_status kiln_module_load_verified(const uint8_t *bytes, size_t len, const kiln_key *key,
				      kiln_module **out, kiln_error *err)
{
	kiln_error local;
	kiln_status st;

	*out = NULL;
	if (!err)
		err = &local;
	if ((st = verify(bytes, len, key, err)) != KILN_OK)
		return st;
	return kiln_module_load(bytes, len, out, err);
}
