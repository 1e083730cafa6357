set(TSM_TRANSPORT_CODEC_SRCS src/json_codec.cpp)
