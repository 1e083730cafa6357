# http_client: outbound HTTP(S) to Service Providers; url parsing.
set(TSM_TRANSPORT_CLIENT_SRCS
  src/http_client.cpp
  src/url.cpp)
