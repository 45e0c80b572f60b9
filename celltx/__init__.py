"""celltx: curated clinical evidence on cellular immunotherapy in blood cancers."""

__version__ = "0.1.0"
