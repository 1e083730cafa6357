set(TSM_TRANSPORT_SERVER_SRCS
  src/http_connection.cpp
  src/http_server.cpp
  src/listener.cpp
  src/ws_connection.cpp
  src/ws_hub.cpp)
