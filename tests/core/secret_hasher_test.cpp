#include "tsm/core/secret_hasher.hpp"

#include <boost/test/unit_test.hpp>

#include <stdexcept>

namespace core = tsm::core;
using tsm::core::bytes;

BOOST_AUTO_TEST_SUITE(secret_hasher)

BOOST_AUTO_TEST_CASE(verifies_the_secret_it_digested) {
    const core::secret_hasher h(core::secret_hasher::generate_key());
    const bytes d = h.digest("ctx", "s3cret");
    BOOST_TEST(d.size() == core::secret_hasher::digest_size);
    BOOST_TEST(h.verify("ctx", "s3cret", d));
}

BOOST_AUTO_TEST_CASE(rejects_a_wrong_secret) {
    const core::secret_hasher h(core::secret_hasher::generate_key());
    const bytes d = h.digest("ctx", "s3cret");
    BOOST_TEST(!h.verify("ctx", "s3creT", d));
    BOOST_TEST(!h.verify("ctx", "", d));
}

BOOST_AUTO_TEST_CASE(rejects_a_digest_of_the_wrong_length) {
    const core::secret_hasher h(core::secret_hasher::generate_key());
    const bytes d = h.digest("ctx", "s3cret");
    BOOST_TEST(!h.verify("ctx", "s3cret", d.substr(0, 31)));
    BOOST_TEST(!h.verify("ctx", "s3cret", d + '\0'));
    BOOST_TEST(!h.verify("ctx", "s3cret", ""));
}

BOOST_AUTO_TEST_CASE(different_context_gives_different_digest) {
    const core::secret_hasher h(core::secret_hasher::generate_key());
    BOOST_TEST(h.digest("ctx-a", "s") != h.digest("ctx-b", "s"));
    BOOST_TEST(!h.verify("ctx-b", "s", h.digest("ctx-a", "s")));
    // The 0x00 separator keeps (context, secret) boundaries apart.
    BOOST_TEST(h.digest("ab", "c") != h.digest("a", "bc"));
}

BOOST_AUTO_TEST_CASE(different_key_gives_different_digest) {
    const core::secret_hasher a(bytes(32, 'a'));
    const core::secret_hasher b(bytes(32, 'b'));
    BOOST_TEST(a.digest("ctx", "s") != b.digest("ctx", "s"));
    const core::secret_hasher a2(bytes(32, 'a'));
    BOOST_TEST(a.digest("ctx", "s") == a2.digest("ctx", "s")); // deterministic per key
}

BOOST_AUTO_TEST_CASE(copies_hash_like_the_original) {
    const core::secret_hasher a(core::secret_hasher::generate_key());
    const core::secret_hasher copy = a; // NOLINT(performance-unnecessary-copy-initialization)
    BOOST_TEST(copy.verify("ctx", "s", a.digest("ctx", "s")));
}

BOOST_AUTO_TEST_CASE(throws_on_wrong_key_size) {
    BOOST_CHECK_THROW(core::secret_hasher(bytes(31, 'k')), std::invalid_argument);
    BOOST_CHECK_THROW(core::secret_hasher(bytes(33, 'k')), std::invalid_argument);
    BOOST_CHECK_THROW(core::secret_hasher(bytes{}), std::invalid_argument);
    BOOST_CHECK_NO_THROW(core::secret_hasher(bytes(32, 'k')));
}

BOOST_AUTO_TEST_CASE(generate_key_returns_distinct_keys_of_key_size) {
    const bytes a = core::secret_hasher::generate_key();
    const bytes b = core::secret_hasher::generate_key();
    BOOST_TEST(a.size() == core::secret_hasher::key_size);
    BOOST_TEST(a != b);
}

BOOST_AUTO_TEST_SUITE_END()
