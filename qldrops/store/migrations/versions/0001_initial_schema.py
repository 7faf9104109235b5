"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26

Every table of qldrops.store.schema, plus what only raw DDL can say: the SQLite FTS5
table, PostgreSQL GIN indexes and the transaction-id default of the change log.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TSV = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('analyses',
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('analyser_version', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=40), nullable=True),
    sa.Column('language_confidence', sa.Float(), nullable=True),
    sa.Column('quality_score', sa.Float(), nullable=True),
    sa.Column('complexity', sa.Float(), nullable=True),
    sa.Column('issue_count', sa.Integer(), nullable=False),
    sa.Column('security_count', sa.Integer(), nullable=False),
    sa.Column('result', JSON, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('content_hash', 'analyser_version', name=op.f('pk_analyses'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace', sa.String(length=64), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.Text(), nullable=True),
    sa.Column('allowed', sa.Boolean(), nullable=False),
    sa.Column('detail', JSON, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_table('blobs',
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('stored_size', sa.BigInteger(), nullable=False),
    sa.Column('codec', sa.String(length=8), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('hash', name=op.f('pk_blobs'))
    )
    op.create_table('changes',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('drop_id', sa.BigInteger(), nullable=False),
    sa.Column('workspace', sa.String(length=64), nullable=False),
    sa.Column('op', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('txid', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_changes')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index('ix_changes_txid', ['txid'], unique=False)

    op.create_table('clusters',
    sa.Column('run_id', sa.String(length=32), nullable=False),
    sa.Column('cluster', sa.Integer(), nullable=False),
    sa.Column('workspace', sa.String(length=64), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('members', JSON, nullable=False),
    sa.Column('representatives', JSON, nullable=False),
    sa.Column('top_terms', JSON, nullable=False),
    sa.Column('model_id', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('run_id', 'cluster', name=op.f('pk_clusters'))
    )
    op.create_table('drop_types',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('schema', JSON, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_drop_types'))
    )
    op.create_table('drops',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace', sa.String(length=64), nullable=False),
    sa.Column('workflow_id', sa.String(length=200), nullable=False),
    sa.Column('capsule_id', sa.String(length=200), nullable=True),
    sa.Column('drop_type', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('metadata', JSON, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('forked_from', sa.BigInteger(), nullable=True),
    sa.Column('search_tsv', TSV, nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drops')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('drops', schema=None) as batch_op:
        batch_op.create_index('ix_drops_created', ['created_at'], unique=False)
        batch_op.create_index('ix_drops_hash', ['content_hash'], unique=False)
        batch_op.create_index('ix_drops_type', ['workspace', 'drop_type'], unique=False)
        batch_op.create_index('ix_drops_workflow', ['workspace', 'workflow_id'], unique=False)

    op.create_table('embeddings',
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('model_id', sa.String(length=200), nullable=False),
    sa.Column('dim', sa.Integer(), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('chunks', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('content_hash', 'model_id', name=op.f('pk_embeddings'))
    )
    op.create_table('events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace', sa.String(length=64), nullable=False),
    sa.Column('preview_id', sa.BigInteger(), nullable=True),
    sa.Column('workflow_id', sa.String(length=200), nullable=True),
    sa.Column('drop_id', sa.BigInteger(), nullable=True),
    sa.Column('event_type', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.Column('viewer_id', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.Text(), nullable=True),
    sa.Column('client', sa.String(length=64), nullable=True),
    sa.Column('duration_ms', sa.Float(), nullable=True),
    sa.Column('metadata', JSON, nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_events_idempotency_key'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_preview', ['preview_id'], unique=False)
        batch_op.create_index('ix_events_time', ['workspace', 'created_at'], unique=False)

    op.create_table('executions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace', sa.String(length=64), nullable=False),
    sa.Column('drop_id', sa.BigInteger(), nullable=True),
    sa.Column('workflow_id', sa.String(length=200), nullable=True),
    sa.Column('preview_id', sa.BigInteger(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.Column('language', sa.String(length=40), nullable=False),
    sa.Column('file', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('exit_code', sa.Integer(), nullable=True),
    sa.Column('stdout', sa.Text(), nullable=True),
    sa.Column('stderr', sa.Text(), nullable=True),
    sa.Column('truncated', sa.Boolean(), nullable=False),
    sa.Column('duration_ms', sa.Float(), nullable=True),
    sa.Column('resources', JSON, nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_executions'))
    )
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.create_index('ix_executions_preview', ['preview_id'], unique=False)

    op.create_table('index_state',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', JSON, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_index_state'))
    )
    op.create_table('previews',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('workspace', sa.String(length=64), nullable=False),
    sa.Column('workflow_id', sa.String(length=200), nullable=False),
    sa.Column('drop_id', sa.BigInteger(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('access_count', sa.BigInteger(), nullable=False),
    sa.Column('last_access_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_previews')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_previews_token_hash'))
    )
    with op.batch_alter_table('previews', schema=None) as batch_op:
        batch_op.create_index('ix_previews_workspace', ['workspace', 'expires_at'], unique=False)

    op.create_table('workflows',
    sa.Column('workspace', sa.String(length=64), nullable=False),
    sa.Column('workflow_id', sa.String(length=200), nullable=False),
    sa.Column('forked_from', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('workspace', 'workflow_id', name=op.f('pk_workflows'))
    )
    op.create_table('workspaces',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workspaces'))
    )
    op.create_table('drop_versions',
    sa.Column('drop_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('metadata', JSON, nullable=False),
    sa.Column('op', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['content_hash'], ['blobs.hash'], name=op.f('fk_drop_versions_content_hash_blobs')),
    sa.ForeignKeyConstraint(['drop_id'], ['drops.id'], name=op.f('fk_drop_versions_drop_id_drops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('drop_id', 'version', name=op.f('pk_drop_versions'))
    )
    op.create_table('feedback',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('drop_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['drop_id'], ['drops.id'], name=op.f('fk_feedback_drop_id_drops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback'))
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_drop', ['drop_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['workspace'], ['workspaces.id'], name=op.f('fk_users_workspace_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('workspace', 'name', name='uq_users_workspace_name')
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )


    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # The writer's transaction id: the index sync re-reads transactions still in flight at its
        # last watermark, because sequence order is not commit order (ARCHITECTURE invariant 2).
        op.execute("ALTER TABLE changes ALTER COLUMN txid SET DEFAULT (pg_current_xact_id()::text::bigint)")
        op.execute("CREATE INDEX ix_drops_search_tsv ON drops USING GIN (search_tsv)")
        op.execute("CREATE INDEX ix_drops_metadata ON drops USING GIN (metadata jsonb_path_ops)")
    else:
        op.execute("CREATE VIRTUAL TABLE drops_fts USING fts5(body, tokenize='porter unicode61')")  # 0006: contentless


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS drops_fts")
    op.drop_table('api_tokens')
    op.drop_table('users')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_drop')

    op.drop_table('feedback')
    op.drop_table('drop_versions')
    op.drop_table('workspaces')
    op.drop_table('workflows')
    with op.batch_alter_table('previews', schema=None) as batch_op:
        batch_op.drop_index('ix_previews_workspace')

    op.drop_table('previews')
    op.drop_table('index_state')
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.drop_index('ix_executions_preview')

    op.drop_table('executions')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_time')
        batch_op.drop_index('ix_events_preview')

    op.drop_table('events')
    op.drop_table('embeddings')
    with op.batch_alter_table('drops', schema=None) as batch_op:
        batch_op.drop_index('ix_drops_workflow')
        batch_op.drop_index('ix_drops_type')
        batch_op.drop_index('ix_drops_hash')
        batch_op.drop_index('ix_drops_created')

    op.drop_table('drops')
    op.drop_table('drop_types')
    op.drop_table('clusters')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index('ix_changes_txid')

    op.drop_table('changes')
    op.drop_table('blobs')
    op.drop_table('audit_log')
    op.drop_table('analyses')
