"""Shared documents: provenance, incoming versions, three-way merge and comment threads."""
