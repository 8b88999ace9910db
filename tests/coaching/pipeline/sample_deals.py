"""Deals for the pipeline tests, with valid defaults."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from coaching.pipeline.deals import DealRecord, DealStatus, deal_key

STAGES = ("Qualify", "Discover", "Propose", "Negotiate")


def deal(name: str = "Renewal", **fields: Any) -> DealRecord:
    values: dict[str, Any] = {
        "crm_id": None,
        "name": name,
        "account": "Acme",
        "stage": "Discover",
        "status": DealStatus.OPEN,
        "amount_minor": 1_000_00,
        "currency": "EUR",
        "close_date": date(2025, 3, 31),
        "probability": None,
        "next_step": "Demo on Friday",
    }
    values.update(fields)
    key = fields.get("key") or deal_key(values["crm_id"], values["account"], values["name"])
    values["key"] = key
    return DealRecord(**values)


def changed(record: DealRecord, **fields: Any) -> DealRecord:
    return record._replace(**fields)


def random_deal(rng: random.Random, number: int) -> DealRecord:
    return DealRecord(
        key=f"id:{number}",
        crm_id=str(number),
        name=f"Deal {number}",
        account=f"Account {number % 50}",
        stage=rng.choice(STAGES),
        status=rng.choice([DealStatus.OPEN] * 6 + [DealStatus.WON, DealStatus.LOST]),
        amount_minor=None if rng.random() < 0.1 else rng.randrange(-5_00, 2_000_000_00),
        currency=rng.choice(["EUR", "EUR", "USD", "JPY"]),
        close_date=None
        if rng.random() < 0.05
        else date(2025, 1, 1) + timedelta(rng.randrange(400)),
        probability=rng.choice([None, 10, 20, 50, 80]),
    )


def random_snapshot(rng: random.Random, numbers: range) -> list[DealRecord]:
    return [random_deal(rng, n) for n in numbers if rng.random() < 0.9]
