"""The tables as SQLAlchemy Core sees them, for queries; they are made and changed by corrections_schema's steps."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, MetaData, Table, Text

metadata = MetaData()

drawings = Table(
    "drawings",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("created", Text),
    Column("label", Integer),
    Column("confirmed", Integer),
    Column("predicted", Integer),
    Column("probs", Text),
    Column("model_version", Text),
    Column("canvas_png", LargeBinary),
    Column("input28", LargeBinary),
    Column("canvas_width", Integer),
    Column("canvas_height", Integer),
    Column("brush", Integer),
    Column("strokes", Text),
    Column("drawing_key", Text),
    Column("session_hash", Text),
    Column("room_id", BigInteger),
    Column("answer", Integer),
    Column("hidden", Integer),
)

rooms = Table(
    "rooms",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("code", Text),
    Column("key_hash", Text),
    Column("state", Text),
    Column("created", Text),
    Column("expires", Text),
    Column("cleared_after", BigInteger),
    Column("model_version", Text),
)

room_models = Table(
    "room_models",
    metadata,
    Column("room_id", BigInteger, primary_key=True),
    Column("version", Text, primary_key=True),
    Column("checkpoint", LargeBinary),
    Column("created", Text),
)
