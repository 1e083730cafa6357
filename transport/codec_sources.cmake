set(TSM_TRANSPORT_CODEC_SRCS src/json_reader.cpp src/route_table.cpp)
