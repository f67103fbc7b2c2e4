"""Read /metrics the way Prometheus does: prometheus_client's own parser, samples keyed as they are written."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def samples(body: str) -> dict[str, float]:
    """``{'b24desk_portals{status="active"}': 1.0, 'b24desk_tickets_filed_total': 3.0, ...}``."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return found


def types(body: str) -> dict[str, str]:
    return {family.name: family.type for family in text_string_to_metric_families(body)}
