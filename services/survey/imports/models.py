"""Tables of import jobs: the job (state and counts), its rejected cells, its uploaded file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlmodel import Field

from services.survey.models import SurveyTable
from shared.db import UTCDateTime, utcnow


class ImportJob(SurveyTable, table=True):
    """An import of a CSV or XLSX file: state and counts, polled by the client."""

    __tablename__ = "survey_import"
    __table_args__ = (Index("ix_survey_import_state", "state"),)

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    survey_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("survey_survey.id", ondelete="CASCADE"), nullable=False
        )
    )
    filename: str = Field(sa_column=Column(String(255), nullable=False))
    file_format: str = Field(sa_column=Column(String(10), nullable=False))  # csv | xlsx
    size_bytes: int
    columns: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    ignored_columns: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    state: str = Field(sa_column=Column(String(10), nullable=False))
    rows_read: int = 0
    accepted: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    failure: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Values matching no population margin, per column (services.survey.imports.margin_check).
    warnings: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    created_by: str = Field(sa_column=Column(String(100), nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    started_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    finished_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    heartbeat_at: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime(), nullable=True),
        description="Last sign of life of the worker running the job.",
    )


class ImportRowError(SurveyTable, table=True):
    """A rejected cell or row of an import: row number (header = 1), column, reason."""

    __tablename__ = "survey_import_error"
    __table_args__ = (Index("ix_survey_import_error_import_id_row", "import_id", "row_number"),)

    id: int | None = Field(default=None, primary_key=True)
    import_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("survey_import.id", ondelete="CASCADE"), nullable=False
        )
    )
    row_number: int
    column: str = Field(sa_column=Column(String(100), nullable=False))
    reason: str = Field(sa_column=Column(String(500), nullable=False))


class ImportUploadChunk(SurveyTable, table=True):
    """The uploaded file of an import, in order, kept in the database so that whichever
    instance runs the job can read it (deleted when the job ends)."""

    __tablename__ = "survey_import_upload"

    import_id: str = Field(
        sa_column=Column(
            String(36),
            ForeignKey("survey_import.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    seq: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
