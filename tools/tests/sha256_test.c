// SPDX-License-Identifier: GPL-2.0
/* SHA-256 against the FIPS 180-4 example vectors. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "kselftest_harness.h"
#include "sha256.h"

static const char *hex(const uint8_t digest[SHA256_DIGEST_SIZE])
{
	static char out[2 * SHA256_DIGEST_SIZE + 1];

	cw_sha256_format(out, digest);
	return out;
}

static const char *digest_of(const char *s)
{
	uint8_t digest[SHA256_DIGEST_SIZE];

	sha256(s, strlen(s), digest);
	return hex(digest);
}

TEST(empty)
{
	EXPECT_STREQ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		     digest_of(""));
}

TEST(abc)
{
	EXPECT_STREQ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		     digest_of("abc"));
}

/* 448 bits: the padding no longer fits the block, so it takes a second one. */
TEST(two_blocks)
{
	EXPECT_STREQ("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
		     digest_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
}

TEST(million_a)
{
	static const char want[] =
		"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	uint8_t digest[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;
	char *a = malloc(1000000);
	size_t done, chunk, i = 0;
	/* Chunks that straddle block boundaries every way. */
	static const size_t chunks[] = { 1, 63, 64, 65, 55, 56, 1000, 4096, 7 };

	ASSERT_NE(NULL, a);
	memset(a, 'a', 1000000);
	sha256(a, 1000000, digest);
	EXPECT_STREQ(want, hex(digest));

	sha256_init(&ctx);
	for (done = 0; done < 1000000; done += chunk) {
		chunk = chunks[i++ % (sizeof(chunks) / sizeof(chunks[0]))];
		if (chunk > 1000000 - done)
			chunk = 1000000 - done;
		sha256_update(&ctx, a + done, chunk);
	}
	sha256_final(&ctx, digest);
	EXPECT_STREQ(want, hex(digest));
	free(a);
}

/* Lengths around the padding edge: byte by byte must equal all at once. */
TEST(padding_edges)
{
	uint8_t once[SHA256_DIGEST_SIZE], bytewise[SHA256_DIGEST_SIZE];
	static const size_t lens[] = { 54, 55, 56, 57, 63, 64, 65, 119, 120, 128 };
	struct sha256_ctx ctx;
	uint8_t data[128];
	size_t i, j;

	for (i = 0; i < sizeof(data); i++)
		data[i] = i * 7 + 3;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		sha256(data, lens[i], once);
		sha256_init(&ctx);
		for (j = 0; j < lens[i]; j++)
			sha256_update(&ctx, data + j, 1);
		sha256_final(&ctx, bytewise);
		EXPECT_EQ(0, memcmp(once, bytewise, sizeof(once))) TH_LOG("length %zu", lens[i]);
	}
	/* 55 bytes leave room for the length in one block, 56 do not (hashlib). */
	EXPECT_STREQ("9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
		     digest_of("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	EXPECT_STREQ("b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
		     digest_of("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

TEST_HARNESS_MAIN
