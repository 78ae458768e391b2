"""Response bodies of the analytics API."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class DefinitionOut(BaseModel):
    key: str
    name: str
    formula: str
    numerator: str
    denominator: str
    unit: str = Field(description="件, 件/万人, or 比例 (a share between 0 and 1)")
    better: str = Field(description="higher or lower: the direction a ranking rewards")
    note: str


class CutOut(BaseModel):
    key: str
    name: str
    note: str


class DefinitionsOut(BaseModel):
    response_hours: int
    indicators: list[DefinitionOut]
    cuts: list[CutOut]


class FigureOut(BaseModel):
    value: int | float | None = Field(description="numerator / denominator (× 10000 for 万人诉求比); null when the "
                                            "denominator is 0 or unknown")
    numerator: int | None
    denominator: int | None


class IndicatorRowOut(BaseModel):
    code: str | None = Field(description="the cut's code ('city' for the whole city); null for tickets without one")
    name: str
    indicators: dict[str, FigureOut]


class IndicatorsOut(BaseModel):
    start: datetime
    end: datetime = Field(description="excluded: the period is [start, end)")
    by: str
    by_name: str
    response_hours: int
    rows: list[IndicatorRowOut]


class RankedOut(BaseModel):
    rank: int | None
    code: str | None
    name: str
    value: int | float | None
    numerator: int | None
    denominator: int | None
    previous_month: int | float | None
    change_month: int | float | None = Field(description="value − previous month's value")
    last_year: int | float | None
    change_year: int | float | None = Field(description="value − the same month's value a year earlier")


class RankingOut(BaseModel):
    month: str
    start: datetime
    end: datetime
    by: str
    by_name: str
    indicator: DefinitionOut
    rows: list[RankedOut]


class ReportLinkOut(BaseModel):
    kind: str = Field(description="daily, weekly or monthly")
    kind_name: str
    period: str = Field(description="2026-10-14, 2026-W42 or 2026-10")
    title: str
    html: str = Field(description="the page's URL")
    xlsx: str = Field(description="the workbook's URL")
    stored: bool = Field(description="generated already; otherwise it is generated when first opened")
    complete: bool = Field(description="generated after its period was over (a running period's report is redone)")
    generated_at: str | None
