"""Reading files in: readers, kinds and aliases, the loader and its messages."""
