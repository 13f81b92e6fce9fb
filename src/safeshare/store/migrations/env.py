from alembic import context

import safeshare.store.schema  # noqa: F401  (registers every table on the metadata)
from safeshare.store.metadata import metadata

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
