"""peewee models, one module per domain. Import models from their modules."""
