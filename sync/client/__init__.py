"""The client side of the wire: relay HTTP client, sync engine, backoff, resumable blobs."""
