"""An exchange office's cash, and the paper notes the association delivers to it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from wallet_api.schemas.common import LaxIn


class OfficeOut(BaseModel):
    number: str
    name: str | None
    status: str
    currency: str
    cash: int
    converted: int
    paper_issued: int
    paper_exchanged: int
    deposited: int


class NoteDeliveryIn(LaxIn):
    amount: int = Field(
        ge=-(2**31 - 1),
        le=2**31 - 1,
        description="face value of the notes in cents; negative for notes taken back",
    )
    note: str = Field(min_length=1, max_length=280, description="serial numbers, courier…")


class NoteDeliveryOut(BaseModel):
    office: str
    amount: int
    notes_delivered: int
