"""saegui: a desktop workbench for sparse autoencoders (the "Sparse autoencoder" lecture notes)."""
__version__ = "0.1.0"
