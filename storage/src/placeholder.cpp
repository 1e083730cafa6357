// replaced by the RocksDB store
