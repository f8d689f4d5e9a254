"""Shared HTTP plumbing: access checks, forms, templating, error pages, security headers, i18n selectors."""
