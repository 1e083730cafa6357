#define BOOST_TEST_MODULE transport_tests
#include <boost/test/unit_test.hpp>
