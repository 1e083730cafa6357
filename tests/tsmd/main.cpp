#define BOOST_TEST_MODULE tsmd_tests
#include <boost/test/unit_test.hpp>
