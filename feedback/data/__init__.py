"""Seed and demo content, and the official calendar shipped with the product."""
