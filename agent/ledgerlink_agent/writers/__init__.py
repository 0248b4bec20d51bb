"""The writers behind one interface (writers/base.py); `make_writer` picks one by configuration."""

from __future__ import annotations

from ..config import AgentConfig
from .base import Writer, WriteResult, WriterUnavailable
from .csv_files import CsvFilesWriter
from .sdo import SdoWriter

__all__ = ["CsvFilesWriter", "SdoWriter", "WriteResult", "Writer", "WriterUnavailable",
           "make_writer"]


def make_writer(config: AgentConfig) -> Writer:
    if config.writer == "csv":
        assert config.csv is not None  # noqa: S101 - load_config guarantees it
        return CsvFilesWriter(config.csv.out_dir)
    assert config.sdo is not None  # noqa: S101 - load_config guarantees it
    return SdoWriter(config.sdo.data_path, config.sdo.username, config.sdo.password,
                     config.sdo.engine)
