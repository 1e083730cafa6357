// The group batch is re-ordered by key before it reaches the memtable: same effect, stable for
// writes to one key, and batches with records it does not know are left alone.
#include "key_ordered_batch.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace tsm::storage;

namespace {

/// "P key=value" / "D key" for each record, in batch order.
class lister : public rocksdb::WriteBatch::Handler {
public:
    std::vector<std::string> seen;
    rocksdb::Status PutCF(uint32_t, const rocksdb::Slice& k, const rocksdb::Slice& v) override {
        seen.push_back("P " + k.ToString() + "=" + v.ToString());
        return rocksdb::Status::OK();
    }
    rocksdb::Status DeleteCF(uint32_t, const rocksdb::Slice& k) override {
        seen.push_back("D " + k.ToString());
        return rocksdb::Status::OK();
    }
};

std::vector<std::string> list(const rocksdb::WriteBatch& b) {
    lister l;
    BOOST_REQUIRE(b.Iterate(&l).ok());
    return l.seen;
}

} // namespace

BOOST_AUTO_TEST_SUITE(key_ordered_batch)

BOOST_AUTO_TEST_CASE(orders_by_key_and_keeps_the_order_of_writes_to_one_key) {
    rocksdb::WriteBatch in;
    BOOST_REQUIRE(in.Put("x/2", "late").ok());
    BOOST_REQUIRE(in.Put("o/b", "1").ok());
    BOOST_REQUIRE(in.Put("L/o/s1", "b").ok());
    BOOST_REQUIRE(in.Put("o/a", "first").ok());
    BOOST_REQUIRE(in.Delete("o/a").ok());
    BOOST_REQUIRE(in.Put("o/a", "last").ok());
    BOOST_REQUIRE(in.Delete("L/o/s0").ok());

    rocksdb::WriteBatch out;
    std::vector<batch_entry> scratch;
    BOOST_REQUIRE(sort_batch_by_key(in, out, scratch));
    const std::vector<std::string> want{"D L/o/s0",   "P L/o/s1=b", "P o/a=first", "D o/a",
                                        "P o/a=last", "P o/b=1",    "P x/2=late"};
    BOOST_TEST(list(out) == want, boost::test_tools::per_element());
    BOOST_TEST(out.Count() == in.Count());
}

BOOST_AUTO_TEST_CASE(scratch_is_reused_across_groups) {
    std::vector<batch_entry> scratch;
    rocksdb::WriteBatch a;
    BOOST_REQUIRE(a.Put("b", "1").ok());
    BOOST_REQUIRE(a.Put("a", "2").ok());
    rocksdb::WriteBatch out_a;
    BOOST_REQUIRE(sort_batch_by_key(a, out_a, scratch));
    rocksdb::WriteBatch b;
    BOOST_REQUIRE(b.Put("z", "3").ok());
    rocksdb::WriteBatch out_b;
    BOOST_REQUIRE(sort_batch_by_key(b, out_b, scratch));
    BOOST_TEST(list(out_b) == std::vector<std::string>{"P z=3"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(refuses_records_it_does_not_reorder) {
    rocksdb::WriteBatch in;
    BOOST_REQUIRE(in.Put("b", "1").ok());
    BOOST_REQUIRE(in.DeleteRange("a", "c").ok());
    rocksdb::WriteBatch out;
    std::vector<batch_entry> scratch;
    BOOST_TEST(!sort_batch_by_key(in, out, scratch));

    rocksdb::WriteBatch log;
    BOOST_REQUIRE(log.Put("b", "1").ok());
    BOOST_REQUIRE(log.PutLogData("note").ok());
    rocksdb::WriteBatch out2;
    BOOST_TEST(!sort_batch_by_key(log, out2, scratch));
}

BOOST_AUTO_TEST_SUITE_END()
