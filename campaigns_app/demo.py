"""The demo campaign: the seed page's four dependent 0.5 s steps, one run per campaign name."""

SEED_CAMPAIGN_NAME = "Seed campaign"
SEED_DESCRIPTION = (
    "AsyncFlow's Campaigns example: four dependent steps of 0.5 s each. "
    "Launch it three times (Campaign A, B, C) to watch the campaigns run concurrently."
)
SEED_PARAMETERS = [
    {"name": "name", "type": "string", "default": "Campaign A", "description": "Campaign name shown in logs"}
]


def seed_graph(step_seconds: float = 0.5) -> dict:
    steps = [
        {"id": f"s{k}", "name": f"Step {k}", "kind": "function", "function": "sleep",
         "kwargs": {"seconds": step_seconds}, "position": {"x": 260 * (k - 1), "y": 0}}
        for k in range(1, 5)
    ]
    edges = [{"source": f"s{k}", "target": f"s{k + 1}"} for k in range(1, 4)]
    return {"steps": steps, "edges": edges}
