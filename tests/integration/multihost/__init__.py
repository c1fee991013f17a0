"""AIFlow on three hosts made of network namespaces, started as the Procfile lays it out."""
