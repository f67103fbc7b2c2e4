"""Reads shared by the console and the JSON API, above the domain packages and below both of them."""
