"""releases, known issues, promised fixes; full-text search and open-ticket counts

Revision ID: a39185d2b306
Revises: 2d28816800bc
Create Date: 2026-12-01 21:15:04.144910

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a39185d2b306'
down_revision = '2d28816800bc'
branch_labels = None
depends_on = None

# Written out from tickets/search.py, tickets/counts.py and releases/search.py (which create_all uses), so this
# script never imports the app. PostgreSQL: a stored tsvector of both text configurations under GIN, pg_trgm for
# substrings of numbers and emails, a trigger keeping open-ticket counts. SQLite: FTS5 tables kept by triggers,
# the same counts.
POSTGRESQL = [
    'CREATE EXTENSION IF NOT EXISTS pg_trgm',
    "ALTER TABLE ticket ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS (to_tsvector('russian'::regconfig, coalesce(number, '') || ' ' || coalesce(what_done, '') || ' ' || coalesce(what_expected, '') || ' ' || coalesce(what_obtained, '') || ' ' || coalesce(user_name, '') || ' ' || coalesce(contact_email, '')) || to_tsvector('english'::regconfig, coalesce(number, '') || ' ' || coalesce(what_done, '') || ' ' || coalesce(what_expected, '') || ' ' || coalesce(what_obtained, '') || ' ' || coalesce(user_name, '') || ' ' || coalesce(contact_email, ''))) STORED",
    'CREATE INDEX IF NOT EXISTS ix_ticket_fts ON ticket USING gin (search_vector)',
    "CREATE INDEX IF NOT EXISTS ix_ticket_trgm ON ticket USING gin ((lower(number || ' ' || contact_email)) gin_trgm_ops)",
    "ALTER TABLE known_issue ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS (to_tsvector('russian'::regconfig, coalesce(title, '') || ' ' || coalesce(symptoms, '') || ' ' || coalesce(workaround, '')) || to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(symptoms, '') || ' ' || coalesce(workaround, ''))) STORED",
    'CREATE INDEX IF NOT EXISTS ix_known_issue_fts ON known_issue USING gin (search_vector)',
    "CREATE OR REPLACE FUNCTION ticket_open_count() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('new', 'in_progress', 'waiting_for_user') THEN\n        UPDATE portal_ticket_count\n           SET open_tickets = open_tickets - (OLD.category <> 'vulnerability')::int,\n               open_vulnerabilities = open_vulnerabilities - (OLD.category = 'vulnerability')::int\n         WHERE portal_id = OLD.portal_id;\n    END IF;\n    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status IN ('new', 'in_progress', 'waiting_for_user') THEN\n        INSERT INTO portal_ticket_count AS c (portal_id, open_tickets, open_vulnerabilities)\n        VALUES (NEW.portal_id, (NEW.category <> 'vulnerability')::int, (NEW.category = 'vulnerability')::int)\n        ON CONFLICT (portal_id) DO UPDATE\n           SET open_tickets = c.open_tickets + EXCLUDED.open_tickets,\n               open_vulnerabilities = c.open_vulnerabilities + EXCLUDED.open_vulnerabilities;\n    END IF;\n    RETURN NULL;\nEND $$",
    'CREATE TRIGGER ticket_open_count AFTER INSERT OR DELETE OR UPDATE OF status, category, portal_id ON ticket FOR EACH ROW EXECUTE FUNCTION ticket_open_count()',
]
POSTGRESQL_DROP = [
    'DROP INDEX IF EXISTS ix_ticket_trgm',
    'ALTER TABLE ticket DROP COLUMN IF EXISTS search_vector',
    'ALTER TABLE known_issue DROP COLUMN IF EXISTS search_vector',
    'DROP TRIGGER IF EXISTS ticket_open_count ON ticket',
    'DROP FUNCTION IF EXISTS ticket_open_count()',
]
SQLITE = [
    "CREATE VIRTUAL TABLE ticket_fts USING fts5(number, what_done, what_expected, what_obtained, user_name, contact_email, content='ticket', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    'CREATE TRIGGER ticket_fts_ai AFTER INSERT ON ticket BEGIN INSERT INTO ticket_fts(rowid, number, what_done, what_expected, what_obtained, user_name, contact_email) VALUES (new.id, new.number, new.what_done, new.what_expected, new.what_obtained, new.user_name, new.contact_email); END',
    "CREATE TRIGGER ticket_fts_ad AFTER DELETE ON ticket BEGIN INSERT INTO ticket_fts(ticket_fts, rowid, number, what_done, what_expected, what_obtained, user_name, contact_email) VALUES ('delete', old.id, old.number, old.what_done, old.what_expected, old.what_obtained, old.user_name, old.contact_email); END",
    "CREATE TRIGGER ticket_fts_au AFTER UPDATE OF number, what_done, what_expected, what_obtained, user_name, contact_email ON ticket BEGIN INSERT INTO ticket_fts(ticket_fts, rowid, number, what_done, what_expected, what_obtained, user_name, contact_email) VALUES ('delete', old.id, old.number, old.what_done, old.what_expected, old.what_obtained, old.user_name, old.contact_email); INSERT INTO ticket_fts(rowid, number, what_done, what_expected, what_obtained, user_name, contact_email) VALUES (new.id, new.number, new.what_done, new.what_expected, new.what_obtained, new.user_name, new.contact_email); END",
    "CREATE VIRTUAL TABLE ticket_trgm USING fts5(number, contact_email, content='ticket', content_rowid='id', tokenize='trigram')",
    'CREATE TRIGGER ticket_trgm_ai AFTER INSERT ON ticket BEGIN INSERT INTO ticket_trgm(rowid, number, contact_email) VALUES (new.id, new.number, new.contact_email); END',
    "CREATE TRIGGER ticket_trgm_ad AFTER DELETE ON ticket BEGIN INSERT INTO ticket_trgm(ticket_trgm, rowid, number, contact_email) VALUES ('delete', old.id, old.number, old.contact_email); END",
    "CREATE TRIGGER ticket_trgm_au AFTER UPDATE OF number, contact_email ON ticket BEGIN INSERT INTO ticket_trgm(ticket_trgm, rowid, number, contact_email) VALUES ('delete', old.id, old.number, old.contact_email); INSERT INTO ticket_trgm(rowid, number, contact_email) VALUES (new.id, new.number, new.contact_email); END",
    "CREATE VIRTUAL TABLE known_issue_fts USING fts5(title, symptoms, workaround, content='known_issue', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    'CREATE TRIGGER known_issue_fts_ai AFTER INSERT ON known_issue BEGIN INSERT INTO known_issue_fts(rowid, title, symptoms, workaround) VALUES (new.id, new.title, new.symptoms, new.workaround); END',
    "CREATE TRIGGER known_issue_fts_ad AFTER DELETE ON known_issue BEGIN INSERT INTO known_issue_fts(known_issue_fts, rowid, title, symptoms, workaround) VALUES ('delete', old.id, old.title, old.symptoms, old.workaround); END",
    "CREATE TRIGGER known_issue_fts_au AFTER UPDATE OF title, symptoms, workaround ON known_issue BEGIN INSERT INTO known_issue_fts(known_issue_fts, rowid, title, symptoms, workaround) VALUES ('delete', old.id, old.title, old.symptoms, old.workaround); INSERT INTO known_issue_fts(rowid, title, symptoms, workaround) VALUES (new.id, new.title, new.symptoms, new.workaround); END",
    "CREATE TRIGGER ticket_open_count_ai AFTER INSERT ON ticket WHEN new.status IN ('new', 'in_progress', 'waiting_for_user') BEGIN INSERT OR IGNORE INTO portal_ticket_count (portal_id, open_tickets, open_vulnerabilities) VALUES (new.portal_id, 0, 0); UPDATE portal_ticket_count SET open_tickets = open_tickets + (new.category != 'vulnerability'), open_vulnerabilities = open_vulnerabilities + (new.category = 'vulnerability') WHERE portal_id = new.portal_id; END",
    "CREATE TRIGGER ticket_open_count_ad AFTER DELETE ON ticket WHEN old.status IN ('new', 'in_progress', 'waiting_for_user') BEGIN INSERT OR IGNORE INTO portal_ticket_count (portal_id, open_tickets, open_vulnerabilities) VALUES (old.portal_id, 0, 0); UPDATE portal_ticket_count SET open_tickets = open_tickets - (old.category != 'vulnerability'), open_vulnerabilities = open_vulnerabilities - (old.category = 'vulnerability') WHERE portal_id = old.portal_id; END",
    "CREATE TRIGGER ticket_open_count_au_old AFTER UPDATE OF status, category, portal_id ON ticket WHEN old.status IN ('new', 'in_progress', 'waiting_for_user') BEGIN INSERT OR IGNORE INTO portal_ticket_count (portal_id, open_tickets, open_vulnerabilities) VALUES (old.portal_id, 0, 0); UPDATE portal_ticket_count SET open_tickets = open_tickets - (old.category != 'vulnerability'), open_vulnerabilities = open_vulnerabilities - (old.category = 'vulnerability') WHERE portal_id = old.portal_id; END",
    "CREATE TRIGGER ticket_open_count_au_new AFTER UPDATE OF status, category, portal_id ON ticket WHEN new.status IN ('new', 'in_progress', 'waiting_for_user') BEGIN INSERT OR IGNORE INTO portal_ticket_count (portal_id, open_tickets, open_vulnerabilities) VALUES (new.portal_id, 0, 0); UPDATE portal_ticket_count SET open_tickets = open_tickets + (new.category != 'vulnerability'), open_vulnerabilities = open_vulnerabilities + (new.category = 'vulnerability') WHERE portal_id = new.portal_id; END",
]
SQLITE_DROP = [
    'DROP TRIGGER IF EXISTS ticket_fts_ai',
    'DROP TRIGGER IF EXISTS ticket_fts_ad',
    'DROP TRIGGER IF EXISTS ticket_fts_au',
    'DROP TABLE IF EXISTS ticket_fts',
    'DROP TRIGGER IF EXISTS ticket_trgm_ai',
    'DROP TRIGGER IF EXISTS ticket_trgm_ad',
    'DROP TRIGGER IF EXISTS ticket_trgm_au',
    'DROP TABLE IF EXISTS ticket_trgm',
    'DROP TRIGGER IF EXISTS known_issue_fts_ai',
    'DROP TRIGGER IF EXISTS known_issue_fts_ad',
    'DROP TRIGGER IF EXISTS known_issue_fts_au',
    'DROP TABLE IF EXISTS known_issue_fts',
    'DROP TRIGGER IF EXISTS ticket_open_count_ai',
    'DROP TRIGGER IF EXISTS ticket_open_count_ad',
    'DROP TRIGGER IF EXISTS ticket_open_count_au_old',
    'DROP TRIGGER IF EXISTS ticket_open_count_au_new',
]
SQLITE_REBUILD = [
    "INSERT INTO ticket_fts(ticket_fts) VALUES ('rebuild')",
    "INSERT INTO ticket_trgm(ticket_trgm) VALUES ('rebuild')",
    "INSERT INTO known_issue_fts(known_issue_fts) VALUES ('rebuild')",
]
BACKFILL = "INSERT INTO portal_ticket_count (portal_id, open_tickets, open_vulnerabilities) SELECT portal_id, SUM(CASE WHEN category <> 'vulnerability' THEN 1 ELSE 0 END), SUM(CASE WHEN category = 'vulnerability' THEN 1 ELSE 0 END) FROM ticket WHERE status IN ('new', 'in_progress', 'waiting_for_user') GROUP BY portal_id"

# Every portal has its count row (the portal list joins the counts): a trigger on portal, and a row now.
PORTAL_POSTGRESQL = [
    'CREATE OR REPLACE FUNCTION portal_ticket_count_row() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    INSERT INTO portal_ticket_count (portal_id, open_tickets, open_vulnerabilities) VALUES (NEW.id, 0, 0)\n    ON CONFLICT (portal_id) DO NOTHING;\n    RETURN NULL;\nEND $$',
    'CREATE TRIGGER portal_ticket_count_row AFTER INSERT ON portal FOR EACH ROW EXECUTE FUNCTION portal_ticket_count_row()',
]
PORTAL_POSTGRESQL_DROP = [
    'DROP TRIGGER IF EXISTS portal_ticket_count_row ON portal',
    'DROP FUNCTION IF EXISTS portal_ticket_count_row()',
]
PORTAL_SQLITE = [
    'CREATE TRIGGER portal_ticket_count_ai AFTER INSERT ON portal BEGIN INSERT OR IGNORE INTO portal_ticket_count (portal_id, open_tickets, open_vulnerabilities) VALUES (new.id, 0, 0); END',
]
PORTAL_SQLITE_DROP = [
    'DROP TRIGGER IF EXISTS portal_ticket_count_ai',
]
BACKFILL_PORTALS = 'INSERT INTO portal_ticket_count (portal_id, open_tickets, open_vulnerabilities) SELECT id, 0, 0 FROM portal WHERE id NOT IN (SELECT portal_id FROM portal_ticket_count)'


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('release',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=32), nullable=False),
    sa.Column('released_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release')),
    sa.UniqueConstraint('version', name=op.f('uq_release_version'))
    )
    op.create_table('known_issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('symptoms', sa.Text(), nullable=False),
    sa.Column('workaround', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('affected_from', sa.Integer(), nullable=True),
    sa.Column('affected_to', sa.Integer(), nullable=True),
    sa.Column('fixed_in_id', sa.Integer(), nullable=True),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['fixed_in_id'], ['release.id'], name=op.f('fk_known_issue_fixed_in_id_release'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_known_issue'))
    )
    with op.batch_alter_table('known_issue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_known_issue_fixed_in_id'), ['fixed_in_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_known_issue_published'), ['published'], unique=False)

    op.create_table('portal_ticket_count',
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('open_tickets', sa.Integer(), nullable=False),
    sa.Column('open_vulnerabilities', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_portal_ticket_count_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('portal_id', name=op.f('pk_portal_ticket_count'))
    )
    with op.batch_alter_table('portal_ticket_count', schema=None) as batch_op:
        batch_op.create_index('ix_portal_ticket_count_open', ['open_tickets', 'portal_id'], unique=False)

    op.create_table('deflection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('known_issue_id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('b24_user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['known_issue_id'], ['known_issue.id'], name=op.f('fk_deflection_known_issue_id_known_issue'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_deflection_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deflection')),
    sa.UniqueConstraint('known_issue_id', 'portal_id', 'b24_user_id', name=op.f('uq_deflection_known_issue_id'))
    )
    with op.batch_alter_table('deflection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deflection_portal_id'), ['portal_id'], unique=False)

    op.create_table('known_issue_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('known_issue_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['known_issue_id'], ['known_issue.id'], name=op.f('fk_known_issue_ticket_known_issue_id_known_issue'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_known_issue_ticket_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_known_issue_ticket')),
    sa.UniqueConstraint('known_issue_id', 'ticket_id', name=op.f('uq_known_issue_ticket_known_issue_id'))
    )
    with op.batch_alter_table('known_issue_ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_known_issue_ticket_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_fix',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=True),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('known_issue_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('reopened_at', sa.DateTime(), nullable=True),
    sa.Column('overdue_flagged_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['known_issue_id'], ['known_issue.id'], name=op.f('fk_ticket_fix_known_issue_id_known_issue'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_ticket_fix_portal_id_portal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['release_id'], ['release.id'], name=op.f('fk_ticket_fix_release_id_release'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_fix_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_fix')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_ticket_fix_ticket_id'))
    )
    with op.batch_alter_table('ticket_fix', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_fix_known_issue_id'), ['known_issue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_fix_planned_on'), ['planned_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_fix_portal_id'), ['portal_id'], unique=False)
        batch_op.create_index('ix_ticket_fix_release_ticket', ['release_id', 'ticket_id'], unique=False)

    # ### end Alembic commands ###
    postgres = op.get_bind().dialect.name == 'postgresql'
    for statement in (POSTGRESQL + PORTAL_POSTGRESQL) if postgres else (SQLITE + PORTAL_SQLITE):
        op.execute(statement)
    # Existing tickets: count the open ones and index every text once; the triggers keep both from here on.
    op.execute(BACKFILL)
    op.execute(BACKFILL_PORTALS)
    if not postgres:
        for statement in SQLITE_REBUILD:
            op.execute(statement)


def downgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    for statement in (POSTGRESQL_DROP + PORTAL_POSTGRESQL_DROP) if postgres else (SQLITE_DROP + PORTAL_SQLITE_DROP):
        op.execute(statement)
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('ticket_fix', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_fix_release_ticket')
        batch_op.drop_index(batch_op.f('ix_ticket_fix_portal_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_fix_planned_on'))
        batch_op.drop_index(batch_op.f('ix_ticket_fix_known_issue_id'))

    op.drop_table('ticket_fix')
    with op.batch_alter_table('known_issue_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_known_issue_ticket_ticket_id'))

    op.drop_table('known_issue_ticket')
    with op.batch_alter_table('deflection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deflection_portal_id'))

    op.drop_table('deflection')
    with op.batch_alter_table('portal_ticket_count', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_ticket_count_open')

    op.drop_table('portal_ticket_count')
    with op.batch_alter_table('known_issue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_known_issue_published'))
        batch_op.drop_index(batch_op.f('ix_known_issue_fixed_in_id'))

    op.drop_table('known_issue')
    op.drop_table('release')
    # ### end Alembic commands ###
