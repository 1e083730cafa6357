# http_client tests; test_tls makes a throwaway self-signed certificate for the HTTPS cases.
set(TSM_TRANSPORT_CLIENT_TESTS
  http_client_test.cpp
  test_tls.cpp)
