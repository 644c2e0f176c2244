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
        {
            "id": f"s{k}",
            "name": f"Step {k}",
            "kind": "function",
            "function": "sleep",
            "kwargs": {"seconds": step_seconds},
            "position": {"x": 260 * (k - 1), "y": 0},
        }
        for k in range(1, 5)
    ]
    edges = [{"source": f"s{k}", "target": f"s{k + 1}"} for k in range(1, 4)]
    return {"steps": steps, "edges": edges}


# The seed page calls a campaign "a workflow of workflows": each of its four steps is a workflow itself.
WORKFLOWS_CAMPAIGN_NAME = "Seed: campaign of workflows"
WORKFLOWS_DESCRIPTION = (
    "The seed's campaign as a workflow of workflows: four chained workflow steps, each running the whole "
    "Seed campaign (four dependent 0.5 s steps) as a child run."
)
ENSEMBLE_CAMPAIGN_NAME = "Ensemble"
ENSEMBLE_DESCRIPTION = (
    "The same workflow over many inputs (AsyncFlow's asyncio.gather over a list): a for_each over the "
    "members parameter runs the Seed campaign once per member, side by side."
)
ENSEMBLE_MEMBERS = [f"member {k:02d}" for k in range(1, 21)]


def workflows_graph(seed_campaign_id: int) -> dict:
    steps = [
        {
            "id": f"w{k}",
            "name": f"Workflow {k}",
            "kind": "workflow",
            "campaign": seed_campaign_id,
            "parameters": {"name": f"{{{{ params.name }}}} / workflow {k}"},
            "position": {"x": 260 * (k - 1), "y": 0},
        }
        for k in range(1, 5)
    ]
    edges = [{"source": f"w{k}", "target": f"w{k + 1}"} for k in range(1, 4)]
    return {"steps": steps, "edges": edges}


def ensemble_parameters() -> list[dict]:
    return [
        {
            "name": "members",
            "type": "json",
            "default": ENSEMBLE_MEMBERS,
            "description": "One Seed campaign runs per member (a list of names)",
        }
    ]


def ensemble_graph(seed_campaign_id: int) -> dict:
    return {
        "steps": [
            {
                "id": "members",
                "name": "Seed campaign per member",
                "kind": "workflow",
                "campaign": seed_campaign_id,
                "for_each": "{{ params.members }}",
                "parameters": {"name": "{{ item }}"},
                "position": {"x": 0, "y": 0},
            }
        ],
        "edges": [],
    }
