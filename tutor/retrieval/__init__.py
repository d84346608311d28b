"""Course material in, cited passages out: loaders, chunking, embeddings, the store, hybrid search."""
