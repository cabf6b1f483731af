"""Domain logic as plain functions over models: no Flask, no request globals."""
