def add(x: int, y: int) -> int:
    """Add two numbers."""
    return x + y


def typed(
    count: int, ratio: float, flag: bool, label: str, items: list, options: dict, limit: int | None = None
) -> dict:
    """One argument of every JSON type, for the kwargs checks."""
    return {
        "count": count,
        "ratio": ratio,
        "flag": flag,
        "label": label,
        "items": items,
        "options": options,
        "limit": limit,
    }


def upstream_counts(inputs: dict) -> dict:
    """What a step reads of its upstream results through ``inputs``."""
    return {step: result["count"] for step, result in sorted(inputs.items())}
